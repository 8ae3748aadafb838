/* fuzz-layer.c - bytes as a layer blob (compressed or not) through the
 * streaming layer reader and the analyzers. */
#include "fuzz.h"

#include "image/image-layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_limits lim;
	struct mmr_sbom_ctx ctx;
	struct mmr_layer_result res;
	struct mmr_error e = { 0 };
	uint64_t total = 0;
	struct mmr_arena *a = mmr_arena_new((size_t)256 << 20);
	if (!a)
		return 0;
	mmr_limits_default(&lim);
	lim.max_layer_bytes = 64 << 20;
	lim.max_file_size = 4 << 20;
	lim.max_entries = 10000;
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, "sha256:fuzz");
	(void)mmr_layer_scan_mem(&ctx, "sha256:fuzz", data, size, &total, &res, &e);
	mmr_arena_free(a);
	return 0;
}
