/* fuzz-pom.c - the pom.xml analyzer on arbitrary bytes. */
#include "fuzz.h"
#include "sbom/sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	struct mmr_arena *a = mmr_arena_new(256u << 20);
	if (!a)
		return 0;
	struct mmr_sbom_ctx ctx;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE, NULL);
	struct mmr_sbom_file f = { .path = "pom.xml", .data = data, .len = size, .mode = 0100644 };
	struct mmr_error e = { 0 };
	mmr_sbom_analyzer_pom.parse(&ctx, &f, &e);
	mmr_arena_free(a);
	return 0;
}
