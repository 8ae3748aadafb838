/* fuzz-rpm-ndb.c - the rpm analyzer on SUSE NDB databases (the input is
 * given the NDB magic so that the walker, not the sniffing, is fuzzed). */
#include "fuzz.h"
#include "sbom/sbom.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 32 || size > (1u << 20))
		return 0;
	uint8_t *d = malloc(size);
	if (!d)
		return 0;
	memcpy(d, data, size);
	memcpy(d, "RpmP", 4);
	memset(d + 4, 0, 4); /* version 0 */
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_file_size = 4u << 20;
	lim.max_packages = 1000;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
	struct mmr_sbom_file f = { .path = "var/lib/rpm/Packages.db", .data = d, .len = size,
				   .mode = 0100644 };
	mmr_sbom_analyzer_rpm.parse(&ctx, &f, &e);
	mmr_arena_free(a);
	free(d);
	return 0;
}
