/* fuzz-feed-sink.h - a sink for the feed harnesses (fuzz-feed-*.c) that
 * reads every string and list a feed emits, so a dangling or unterminated
 * one shows up under ASan, and checks the record invariants. */
#ifndef MMR_FUZZ_FEED_SINK_H
#define MMR_FUZZ_FEED_SINK_H

#include "fuzz.h"
#include "vulndb/vulndb-feed.h"

#include <stdlib.h>
#include <string.h>

static size_t fz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t fz_list(const char *const *l, size_t n)
{
	size_t t = 0;
	for (size_t i = 0; i < n; i++) {
		if (!l[i])
			abort();
		t += strlen(l[i]);
	}
	return t;
}

static int fz_vuln(void *ud, const struct mmr_vuln *v)
{
	if (!v->id || !*v->id || !v->source)
		abort();
	if (fz_touch(v->description) > MMR_VULNDB_MAX_TEXT)
		abort();
	*(size_t *)ud += fz_touch(v->title) + fz_touch(v->published) + fz_touch(v->modified) +
			 fz_touch(v->severity) + fz_touch(v->cvss3_vector) + fz_touch(v->cvss4_vector) +
			 fz_list(v->aliases, v->n_aliases) + fz_list(v->references, v->n_references) +
			 fz_list(v->cwes, v->n_cwes);
	return 0;
}

static int fz_affected(void *ud, const struct mmr_vuln_affected *a)
{
	if (!a->vuln_id || !a->package || !*a->package || !a->ecosystem || !a->scheme)
		abort();
	if (!a->n_ranges && !a->n_versions && !a->expr)
		abort(); /* nothing to match: must not be emitted */
	size_t t = fz_list(a->versions, a->n_versions) + fz_touch(a->expr) + fz_touch(a->severity);
	for (size_t i = 0; i < a->n_ranges; i++)
		t += fz_touch(a->ranges[i].introduced) + fz_touch(a->ranges[i].fixed) +
		     fz_touch(a->ranges[i].last_affected);
	*(size_t *)ud += t;
	return 0;
}

static int fz_kev(void *ud, const char *cve, const char *added, const char *due, bool rw)
{
	if (!cve || !added || !due || strlen(added) != 10 || strlen(due) != 10)
		abort();
	*(size_t *)ud += strlen(cve) + rw;
	return 0;
}

static int fz_epss(void *ud, const char *cve, double s, double p)
{
	if (!cve || !(s >= 0 && s <= 1) || !(p >= 0 && p <= 1))
		abort();
	*(size_t *)ud += strlen(cve);
	return 0;
}

static int fz_run(const struct mmr_vulndb_feed *f, const char *path, const uint8_t *data,
		  size_t size)
{
	size_t seen = 0;
	struct mmr_arena *a = mmr_arena_new(256u << 20);
	struct mmr_vulndb_sink s = { .vuln = fz_vuln,
				     .affected = fz_affected,
				     .kev = fz_kev,
				     .epss = fz_epss,
				     .ud = &seen };
	struct mmr_error e = { 0 };
	f->detect(path, data, size);
	mmr_vulndb_feed_detect(path, data, size);
	f->parse(a, &s, path, data, size, &e);
	mmr_arena_free(a);
	return 0;
}

#endif
