/* fuzz-jar.c - the Java archive analyzer on arbitrary bytes given as a jar
 * (zip reader, pom.properties, MANIFEST.MF, nesting, limits). */
#include "fuzz.h"
#include "sbom/sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_file_size = 4 << 20; /* keep runs fast; the logic is the same */
	struct mmr_arena *a = mmr_arena_new(256u << 20);
	if (!a)
		return 0;
	struct mmr_sbom_ctx ctx;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "app/demo-1.0.war", .data = data, .len = size,
				   .mode = 0100644 };
	struct mmr_error e = { 0 };
	mmr_sbom_analyzer_jar.parse(&ctx, &f, &e);
	mmr_arena_free(a);
	return 0;
}
