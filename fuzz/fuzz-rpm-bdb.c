/* fuzz-rpm-bdb.c - the rpm analyzer on BerkeleyDB hash pages (the input is
 * given the hash magic so that the walker, not the sniffing, is fuzzed). */
#include "fuzz.h"
#include "sbom/sbom.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 512 || size > (1u << 20))
		return 0;
	uint8_t *d = malloc(size);
	if (!d)
		return 0;
	memcpy(d, data, size);
	memcpy(d + 12, "\x61\x15\x06\x00", 4); /* 0x061561, little-endian */
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_file_size = 4u << 20;
	lim.max_packages = 1000;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "var/lib/rpm/Packages", .data = d, .len = size,
				   .mode = 0100644 };
	mmr_sbom_analyzer_rpm.parse(&ctx, &f, &e);
	mmr_arena_free(a);
	free(d);
	return 0;
}
