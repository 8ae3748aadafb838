/* test-vulndb-feed-sink.h - a sink for feed tests that keeps every record
 * (shallow copies; strings live in the parse arena) and counts them.
 * Included by tests/unit/test-vulndb-feed-*.c. */
#ifndef TEST_VULNDB_FEED_SINK_H
#define TEST_VULNDB_FEED_SINK_H

#include "test-util.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-str.h"
#include "core/core-vec.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tkev {
	const char *cve, *added, *due;
	bool ransomware;
};
struct tepss {
	const char *cve;
	double score, pct;
};

struct tsink {
	struct mmr_vulndb_sink s;
	struct mmr_arena *a;
	struct mmr_vec vulns, affected, kev, epss;
	int fail_after; /* >0: the Nth callback returns -EIO */
	int calls;
};

static inline int tsink_tick(struct tsink *t)
{
	t->calls++;
	return t->fail_after > 0 && t->calls >= t->fail_after ? -EIO : 0;
}

static inline int tsink_vuln(void *ud, const struct mmr_vuln *v)
{
	struct tsink *t = ud;
	if (tsink_tick(t))
		return -EIO;
	struct mmr_vuln *c = mmr_arena_memdup(t->a, v, sizeof(*v));
	return c ? mmr_vec_push(t->a, &t->vulns, c) : -ENOMEM;
}

static inline int tsink_affected(void *ud, const struct mmr_vuln_affected *x)
{
	struct tsink *t = ud;
	if (tsink_tick(t))
		return -EIO;
	struct mmr_vuln_affected *c = mmr_arena_memdup(t->a, x, sizeof(*x));
	return c ? mmr_vec_push(t->a, &t->affected, c) : -ENOMEM;
}

static inline int tsink_kev(void *ud, const char *cve, const char *added, const char *due, bool rw)
{
	struct tsink *t = ud;
	if (tsink_tick(t))
		return -EIO;
	struct tkev *k = mmr_arena_alloc(t->a, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cve = mmr_arena_strdup(t->a, cve);
	k->added = mmr_arena_strdup(t->a, added);
	k->due = mmr_arena_strdup(t->a, due);
	k->ransomware = rw;
	return mmr_vec_push(t->a, &t->kev, k);
}

static inline int tsink_epss(void *ud, const char *cve, double score, double pct)
{
	struct tsink *t = ud;
	if (tsink_tick(t))
		return -EIO;
	struct tepss *k = mmr_arena_alloc(t->a, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cve = mmr_arena_strdup(t->a, cve);
	k->score = score;
	k->pct = pct;
	return mmr_vec_push(t->a, &t->epss, k);
}

static inline void tsink_init(struct tsink *t, struct mmr_arena *a)
{
	memset(t, 0, sizeof(*t));
	t->a = a;
	t->s.vuln = tsink_vuln;
	t->s.affected = tsink_affected;
	t->s.kev = tsink_kev;
	t->s.epss = tsink_epss;
	t->s.ud = t;
}

/* Parse corpus file `rel` with feed `name` into t (on arena a). */
static inline int tsink_parse_corpus(struct tsink *t, struct mmr_arena *a, const char *name,
			      const char *rel, struct mmr_error *e)
{
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_find(name);
	assert_non_null(f);
	size_t len;
	const char *path = mmr_test_corpus(rel);
	uint8_t *data = mmr_test_read(path, &len);
	int r = f->parse(a, &t->s, rel, data, len, e);
	free(data);
	return r;
}

static inline int tsink_parse_mem(struct tsink *t, struct mmr_arena *a, const char *name,
			   const char *path, const char *text, struct mmr_error *e)
{
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_find(name);
	assert_non_null(f);
	return f->parse(a, &t->s, path, (const uint8_t *)text, strlen(text), e);
}

static inline const struct mmr_vuln *tsink_vuln_by_id(const struct tsink *t, const char *id)
{
	for (size_t i = 0; i < t->vulns.n; i++) {
		const struct mmr_vuln *v = t->vulns.v[i];
		if (strcmp(v->id, id) == 0)
			return v;
	}
	return NULL;
}

/* The nth affected record of advisory id (0-based), or NULL. */
static inline const struct mmr_vuln_affected *tsink_aff(const struct tsink *t, const char *id,
						 size_t nth)
{
	for (size_t i = 0; i < t->affected.n; i++) {
		const struct mmr_vuln_affected *x = t->affected.v[i];
		if (strcmp(x->vuln_id, id) == 0 && nth-- == 0)
			return x;
	}
	return NULL;
}

static inline size_t tsink_naff(const struct tsink *t, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; i < t->affected.n; i++)
		n += strcmp(((const struct mmr_vuln_affected *)t->affected.v[i])->vuln_id, id) == 0;
	return n;
}

static inline bool tsink_has(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

#endif
