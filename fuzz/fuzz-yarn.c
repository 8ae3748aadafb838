/* fuzz-yarn.c - yarn.lock, classic and berry. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_yarn, NULL };
	return mmr_fuzz_sbom(data, size, "yarn.lock", analyzers);
}
