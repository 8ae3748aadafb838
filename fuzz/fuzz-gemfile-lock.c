/* fuzz-gemfile-lock.c - Bundler Gemfile.lock. */
#include "fuzz.h"
#include "sbom/sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 4096;
	lim.max_packages = 1000;
	lim.max_json_depth = 64;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "Gemfile.lock", .data = data, .len = size,
				   .mode = 0100644 };
	mmr_sbom_analyzer_bundler.parse(&ctx, &f, &e);
	/* ids and purls of whatever was found must be well-formed */
	for (size_t g = 0; g < ctx.groups.n; g++) {
		struct mmr_sbom_group *gr = ctx.groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++)
			mmr_package_finish(a, gr->packages.v[i], NULL);
	}
	mmr_arena_free(a);
	return 0;
}
