/* fuzz-feed-epss.c - the epss feed parser (lib/vulndb/vulndb-feed-epss.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_epss, "fuzz-epss", data, size);
}
