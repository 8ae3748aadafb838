/* fuzz-feed-osv.c - the osv feed parser (lib/vulndb/vulndb-feed-osv.c). */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(&mmr_vulndb_feed_osv, "fuzz-osv", data, size);
}
