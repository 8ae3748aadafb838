/* fuzz-feed-nodejs.c - the nodejs feed parser (lib/vulndb/vulndb-feed-nodejs.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_nodejs, "fuzz-nodejs", data, size);
}
