/* fuzz-pnpm.c - pnpm-lock.yaml v5/v6/v9. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_pnpm, NULL };
	return mmr_fuzz_sbom(data, size, "pnpm-lock.yaml", analyzers);
}
