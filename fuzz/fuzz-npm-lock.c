/* fuzz-npm-lock.c - npm package-lock.json (v1/v2/v3) and installed package.json. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_npm, &mmr_sbom_analyzer_nodepkg, NULL };
	return mmr_fuzz_sbom(data, size, "package-lock.json", analyzers);
}
