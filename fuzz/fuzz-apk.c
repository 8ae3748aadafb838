/* fuzz-apk.c - the apk installed database parser. */
#include "fuzz.h"
#include "sbom/sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 4096;
	lim.max_packages = 1000;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "lib/apk/db/installed", .data = data, .len = size,
				   .mode = 0100644 };
	mmr_sbom_analyzer_apk.parse(&ctx, &f, &e);
	mmr_arena_free(a);
	return 0;
}
