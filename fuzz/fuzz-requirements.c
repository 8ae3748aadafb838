/* fuzz-requirements.c - pip requirements (both modes), Python package
 * metadata and Pipfile.lock on arbitrary bytes. */
#include "fuzz.h"
#include "sbom/sbom.h"

int mmr_sbom_pip_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, bool min_version,
		       struct mmr_error *reterr);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 4096;
	for (int i = 0; i < 4; i++) {
		struct mmr_arena *a = mmr_arena_new(256u << 20);
		if (!a)
			return 0;
		struct mmr_sbom_ctx ctx;
		mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED, NULL);
		struct mmr_sbom_file f = { .path = "requirements.txt", .data = data, .len = size,
					   .mode = 0100644 };
		struct mmr_error e = { 0 };
		if (i < 2) {
			mmr_sbom_pip_parse(&ctx, &f, i == 1, &e);
		} else if (i == 2) {
			f.path = "a-1.dist-info/METADATA";
			mmr_sbom_analyzer_python_pkg.parse(&ctx, &f, &e);
		} else {
			f.path = "Pipfile.lock";
			mmr_sbom_analyzer_pipenv.parse(&ctx, &f, &e);
		}
		mmr_arena_free(a);
	}
	return 0;
}
