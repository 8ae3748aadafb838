/* fuzz-feed-rustsec.c - the rustsec feed parser (lib/vulndb/vulndb-feed-rustsec.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_rustsec, "fuzz-rustsec", data, size);
}
