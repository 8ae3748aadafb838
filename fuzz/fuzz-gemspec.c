/* fuzz-gemspec.c - installed RubyGems specifications/<gem>.gemspec. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_gemspec, NULL };
	return mmr_fuzz_sbom(data, size, "specifications/x-1.gemspec", analyzers);
}
