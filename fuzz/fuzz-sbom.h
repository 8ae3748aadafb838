/* fuzz-sbom.h - the body shared by the package-analyzer harnesses: run
 * the given analyzers on the input presented as `vpath`, with small limits,
 * then finish every package found (ids and purls must be well-formed). */
#ifndef MMR_FUZZ_SBOM_H
#define MMR_FUZZ_SBOM_H

#include "fuzz.h"
#include "sbom/sbom.h"

static inline int mmr_fuzz_sbom(const uint8_t *data, size_t size, const char *vpath,
				const struct mmr_sbom_analyzer *const *analyzers)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 4096;
	lim.max_packages = 1000;
	lim.max_json_depth = 64;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	struct mmr_sbom_ctx ctx;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = vpath, .data = data, .len = size, .mode = 0100644 };
	for (; *analyzers; analyzers++) {
		struct mmr_error e = { 0 };
		(*analyzers)->parse(&ctx, &f, &e);
	}
	for (size_t g = 0; g < ctx.groups.n; g++) {
		struct mmr_sbom_group *gr = ctx.groups.v[g];
		for (size_t i = 0; i < gr->packages.n; i++)
			mmr_package_finish(a, gr->packages.v[i], NULL);
	}
	mmr_arena_free(a);
	return 0;
}

#endif
