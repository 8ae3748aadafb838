/* fuzz-composer.c - composer.lock and vendor/composer/installed.json. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_composer_lock, &mmr_sbom_analyzer_composer_installed, NULL };
	return mmr_fuzz_sbom(data, size, "vendor/composer/installed.json", analyzers);
}
