/* fuzz-gemfile-lock.c - Bundler Gemfile.lock. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_bundler, NULL };
	return mmr_fuzz_sbom(data, size, "Gemfile.lock", analyzers);
}
