/* fuzz-feed-nvd.c - the nvd feed parser (lib/vulndb/vulndb-feed-nvd.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_nvd, "fuzz-nvd", data, size);
}
