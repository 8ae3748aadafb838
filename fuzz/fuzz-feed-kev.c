/* fuzz-feed-kev.c - the kev feed parser (lib/vulndb/vulndb-feed-kev.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_kev, "fuzz-kev", data, size);
}
