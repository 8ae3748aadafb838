/* fuzz-nuget.c - NuGet packages.lock.json and .NET deps.json. */
#include "fuzz-sbom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mmr_sbom_analyzer *const analyzers[] = { &mmr_sbom_analyzer_nuget_lock, &mmr_sbom_analyzer_dotnet_deps, NULL };
	return mmr_fuzz_sbom(data, size, "app.deps.json", analyzers);
}
