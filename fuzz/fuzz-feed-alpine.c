/* fuzz-feed-alpine.c - the alpine-secdb feed parser (lib/vulndb). */
#include "fuzz.h"
#include "vulndb/vulndb-feed.h"

static int on_vuln(void *ud, const struct mmr_vuln *v)
{
	(void)ud;
	return v->id ? 0 : -1;
}

static int on_affected(void *ud, const struct mmr_vuln_affected *a)
{
	(void)ud;
	return a->vuln_id && a->package && a->ecosystem ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new(256u << 20);
	struct mmr_vulndb_sink s = { .vuln = on_vuln, .affected = on_affected };
	struct mmr_error e = { 0 };
	mmr_vulndb_feed_alpine_secdb.detect("alpine", data, size);
	mmr_vulndb_feed_alpine_secdb.parse(a, &s, "alpine", data, size, &e);
	mmr_arena_free(a);
	return 0;
}
