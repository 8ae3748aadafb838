/* vulndb-store.c - the SQLite store: an atomic-swap writer and a read-only
 * reader (vulndb.h; schema in docs/internals/vulndb.md).
 *
 * Writer: builds `<path>.tmp-XXXXXX` with journalling and syncing off (the
 * file is private until the rename, so a crash only leaves a temp file),
 * reuses prepared statements, interns package names in memory, dedupes
 * advisories per (id, source), creates the indexes once at the end, runs
 * ANALYZE, fsyncs the file, renames it over `path` and fsyncs the
 * directory. Reader: `file:` URI with mode=ro&immutable=1 (a DB file is
 * never modified in place, only replaced by rename, so no locks are needed
 * and a reader keeps the inode it opened), prepared statements cached. */
#include "vulndb/vulndb.h"
#include "vulndb/vulndb-update.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-str.h"
#include "core/core-vec.h"
#include "mmr-config.h"

#define SCHEMA_SQL                                                                          \
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"                 \
	"CREATE TABLE sources(name TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT," \
	" fetched_at TEXT, accepted INTEGER, rejected INTEGER);"                             \
	"CREATE TABLE names(id INTEGER PRIMARY KEY, name TEXT NOT NULL);"                    \
	"CREATE TABLE vulns(id INTEGER PRIMARY KEY, vid TEXT NOT NULL, source TEXT NOT NULL," \
	" title TEXT, description TEXT, published TEXT, modified TEXT, severity TEXT,"       \
	" cvss3_vector TEXT, cvss3_score REAL, cvss4_vector TEXT, cvss4_score REAL,"         \
	" refs TEXT, cwes TEXT);"                                                            \
	"CREATE TABLE aliases(alias TEXT NOT NULL, vid TEXT NOT NULL);"                      \
	"CREATE TABLE affected(vid TEXT NOT NULL, source TEXT NOT NULL, ecosystem TEXT NOT NULL," \
	" name INTEGER NOT NULL, scheme TEXT, ranges TEXT, versions TEXT, expr TEXT,"        \
	" status INTEGER NOT NULL, severity TEXT);"                                          \
	"CREATE TABLE kev(cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT,"             \
	" ransomware INTEGER) WITHOUT ROWID;"                                                \
	"CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL, percentile REAL) WITHOUT ROWID;"

/* Built once, at commit, after every row is in. */
#define INDEX_SQL                                                                           \
	"DELETE FROM aliases WHERE rowid NOT IN"                                             \
	" (SELECT min(rowid) FROM aliases GROUP BY alias, vid);"                             \
	"DELETE FROM affected WHERE rowid NOT IN (SELECT min(rowid) FROM affected"          \
	" GROUP BY vid, source, ecosystem, name, scheme, ranges, versions, expr, status, severity);" \
	"CREATE UNIQUE INDEX names_name ON names(name);"                                     \
	"CREATE UNIQUE INDEX vulns_vid ON vulns(vid, source);"                               \
	"CREATE UNIQUE INDEX aliases_alias ON aliases(alias, vid);"                          \
	"CREATE INDEX affected_pkg ON affected(ecosystem, name);"                            \
	"ANALYZE;"

/* ------------------------------------------------------------------ */

const char *mmr_vulndb_default_path(char *buf, unsigned long len)
{
	const char *xdg = secure_getenv("XDG_DATA_HOME");
	const char *home = secure_getenv("HOME");
	int n;
	if (!buf || !len)
		return NULL;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/mamori/vuln.db", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/share/mamori/vuln.db", home);
	else
		return NULL;
	if (n <= 0 || (unsigned long)n >= len)
		return NULL;
	return buf;
}

static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_CANTOPEN:
		return ENOENT;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return EBADMSG;
	case SQLITE_TOOBIG:
		return E2BIG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	default:
		return EIO;
	}
}

static void now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* JSON string (or null) appended to b. */
static int js_str(struct mmr_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int r;
	if (!s)
		return mmr_buf_adds(b, "null");
	if ((r = mmr_buf_addc(b, '"')) < 0)
		return r;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			r = mmr_buf_add(b, e, 2);
		} else if (*p < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
			r = mmr_buf_add(b, e, 6);
		} else {
			r = mmr_buf_addc(b, (char)*p);
		}
		if (r < 0)
			return r;
	}
	return mmr_buf_addc(b, '"');
}

static int js_list(struct mmr_buf *b, const char *const *v, size_t n)
{
	int r = mmr_buf_addc(b, '[');
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (i && (r = mmr_buf_addc(b, ',')) < 0)
			break;
		r = js_str(b, v[i] ? v[i] : "");
	}
	return r < 0 ? r : mmr_buf_addc(b, ']');
}

/* ---- writer ------------------------------------------------------- */

enum {
	ST_VULN,
	ST_ALIAS,
	ST_AFFECTED,
	ST_NAME,
	ST_KEV,
	ST_EPSS,
	ST_SOURCE,
	ST_N,
};

static const char *const writer_sql[ST_N] = {
	[ST_VULN] = "INSERT INTO vulns(vid, source, title, description, published, modified, severity,"
		    " cvss3_vector, cvss3_score, cvss4_vector, cvss4_score, refs, cwes)"
		    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
	[ST_ALIAS] = "INSERT INTO aliases(alias, vid) VALUES(?1, ?2)",
	[ST_AFFECTED] = "INSERT INTO affected(vid, source, ecosystem, name, scheme, ranges, versions,"
			" expr, status, severity) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
	[ST_NAME] = "INSERT INTO names(id, name) VALUES(?1, ?2)",
	[ST_KEV] = "INSERT OR REPLACE INTO kev(cve, date_added, due_date, ransomware) VALUES(?1,?2,?3,?4)",
	[ST_EPSS] = "INSERT OR REPLACE INTO epss(cve, score, percentile) VALUES(?1,?2,?3)",
	[ST_SOURCE] = "INSERT OR REPLACE INTO sources(name, url, etag, last_modified, fetched_at,"
		      " accepted, rejected) VALUES(?1,?2,?3,?4,?5,?6,?7)",
};

struct mmr_vulndb_writer {
	char *path, *tmp;
	int fd;
	sqlite3 *db;
	sqlite3_stmt *st[ST_N];
	struct mmr_arena *arena; /* interned keys */
	struct mmr_map names;    /* package name -> (void *)(intptr_t)id */
	struct mmr_map vulns;    /* "source\x1fvid" -> non-NULL */
	int64_t next_name;
	bool written;
	struct mmr_buf js;
	struct mmr_vulndb_sink sink;
	int err;                 /* first store error (sticky) */
	char errmsg[400];
};

static int w_fail(struct mmr_vulndb_writer *w, int rc, const char *what)
{
	if (!w->err) {
		w->err = -sqlite_errno(rc);
		snprintf(w->errmsg, sizeof(w->errmsg), "%s: %s: %s", w->tmp ? w->tmp : w->path, what,
			 w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
	}
	return w->err;
}

static int w_step(struct mmr_vulndb_writer *w, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return w_fail(w, rc, what);
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void bind_score(sqlite3_stmt *s, int i, double v)
{
	if (v >= 0)
		sqlite3_bind_double(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int w_alias(struct mmr_vulndb_writer *w, const char *alias, const char *vid)
{
	sqlite3_stmt *s = w->st[ST_ALIAS];
	sqlite3_bind_text(s, 1, alias, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, vid, -1, SQLITE_STATIC);
	return w_step(w, s, "alias");
}

static int sink_vuln(void *ud, const struct mmr_vuln *v)
{
	struct mmr_vulndb_writer *w = ud;
	int r;
	if (w->err)
		return w->err;
	if (!v || !v->id || !v->id[0] || !v->source)
		return -EINVAL;
	w->written = true;
	char *key = mmr_arena_printf(w->arena, "%s\x1f%s", v->source, v->id);
	if (!key)
		return -ENOMEM;
	if (mmr_map_has(&w->vulns, key))
		return 0; /* first record wins */
	if ((r = mmr_map_put(&w->vulns, key, key)) < 0)
		return r;

	sqlite3_stmt *s = w->st[ST_VULN];
	struct mmr_buf refs, cwes;
	mmr_buf_init(&refs, (size_t)64 << 20);
	mmr_buf_init(&cwes, (size_t)1 << 20);
	if ((r = js_list(&refs, v->references, v->n_references)) < 0 ||
	    (r = js_list(&cwes, v->cwes, v->n_cwes)) < 0)
		goto out;
	bind_text(s, 1, v->id);
	bind_text(s, 2, v->source);
	bind_text(s, 3, v->title);
	bind_text(s, 4, v->description);
	bind_text(s, 5, v->published);
	bind_text(s, 6, v->modified);
	bind_text(s, 7, v->severity);
	bind_text(s, 8, v->cvss3_vector);
	bind_score(s, 9, v->cvss3_score);
	bind_text(s, 10, v->cvss4_vector);
	bind_score(s, 11, v->cvss4_score);
	if (v->n_references)
		sqlite3_bind_text(s, 12, refs.p, (int)refs.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 12);
	if (v->n_cwes)
		sqlite3_bind_text(s, 13, cwes.p, (int)cwes.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 13);
	if ((r = w_step(w, s, "insert advisory")) < 0)
		goto out;
	for (size_t i = 0; i < v->n_aliases; i++) {
		const char *al = v->aliases[i];
		if (!al || !al[0] || strcmp(al, v->id) == 0)
			continue;
		if ((r = w_alias(w, al, v->id)) < 0 || (r = w_alias(w, v->id, al)) < 0)
			goto out;
	}
	r = 0;
out:
	mmr_buf_release(&refs);
	mmr_buf_release(&cwes);
	return r;
}

static int intern_name(struct mmr_vulndb_writer *w, const char *name, int64_t *ret)
{
	void *v = mmr_map_get(&w->names, name);
	if (v) {
		*ret = (int64_t)(intptr_t)v;
		return 0;
	}
	char *k = mmr_arena_strdup(w->arena, name);
	if (!k)
		return -ENOMEM;
	int64_t id = ++w->next_name;
	sqlite3_stmt *s = w->st[ST_NAME];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	int r = w_step(w, s, "insert package name");
	if (r < 0)
		return r;
	if ((r = mmr_map_put(&w->names, k, (void *)(intptr_t)id)) < 0)
		return r;
	*ret = id;
	return 0;
}

static int sink_affected(void *ud, const struct mmr_vuln_affected *a)
{
	struct mmr_vulndb_writer *w = ud;
	int r;
	int64_t nid;
	if (w->err)
		return w->err;
	if (!a || !a->vuln_id || !a->source || !a->ecosystem || !a->package || !a->package[0])
		return -EINVAL;
	w->written = true;
	if ((r = intern_name(w, a->package, &nid)) < 0)
		return r;
	struct mmr_buf *b = &w->js;
	mmr_buf_reset(b);
	size_t ranges_len = 0;
	if (a->n_ranges) {
		r = mmr_buf_addc(b, '[');
		for (size_t i = 0; r >= 0 && i < a->n_ranges; i++) {
			const struct mmr_vuln_range *g = &a->ranges[i];
			bool first = true;
			r = mmr_buf_adds(b, i ? ",{" : "{");
			if (r >= 0 && g->introduced) {
				r = mmr_buf_adds(b, "\"introduced\":");
				if (r >= 0)
					r = js_str(b, g->introduced);
				first = false;
			}
			if (r >= 0 && g->fixed) {
				r = mmr_buf_adds(b, first ? "\"fixed\":" : ",\"fixed\":");
				if (r >= 0)
					r = js_str(b, g->fixed);
				first = false;
			}
			if (r >= 0 && g->last_affected) {
				r = mmr_buf_adds(b, first ? "\"last_affected\":" : ",\"last_affected\":");
				if (r >= 0)
					r = js_str(b, g->last_affected);
			}
			if (r >= 0)
				r = mmr_buf_addc(b, '}');
		}
		if (r >= 0)
			r = mmr_buf_addc(b, ']');
		if (r < 0)
			return r;
		ranges_len = b->len;
	}
	size_t vstart = b->len;
	if (a->n_versions && (r = js_list(b, a->versions, a->n_versions)) < 0)
		return r;
	sqlite3_stmt *s = w->st[ST_AFFECTED];
	bind_text(s, 1, a->vuln_id);
	bind_text(s, 2, a->source);
	bind_text(s, 3, a->ecosystem);
	sqlite3_bind_int64(s, 4, nid);
	bind_text(s, 5, a->scheme);
	if (a->n_ranges)
		sqlite3_bind_text(s, 6, b->p, (int)ranges_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	if (a->n_versions)
		sqlite3_bind_text(s, 7, b->p + vstart, (int)(b->len - vstart), SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 7);
	bind_text(s, 8, a->expr);
	sqlite3_bind_int(s, 9, (int)a->status);
	bind_text(s, 10, a->severity);
	return w_step(w, s, "insert affected package");
}

static int sink_kev(void *ud, const char *cve, const char *added, const char *due, bool ransomware)
{
	struct mmr_vulndb_writer *w = ud;
	if (w->err)
		return w->err;
	if (!cve || !cve[0])
		return -EINVAL;
	w->written = true;
	sqlite3_stmt *s = w->st[ST_KEV];
	bind_text(s, 1, cve);
	bind_text(s, 2, added);
	bind_text(s, 3, due);
	sqlite3_bind_int(s, 4, ransomware ? 1 : 0);
	return w_step(w, s, "insert KEV entry");
}

static int sink_epss(void *ud, const char *cve, double score, double pct)
{
	struct mmr_vulndb_writer *w = ud;
	if (w->err)
		return w->err;
	if (!cve || !cve[0])
		return -EINVAL;
	w->written = true;
	sqlite3_stmt *s = w->st[ST_EPSS];
	bind_text(s, 1, cve);
	sqlite3_bind_double(s, 2, score);
	sqlite3_bind_double(s, 3, pct);
	return w_step(w, s, "insert EPSS score");
}

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s", path);
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = 0;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -sqlite_errno(rc);
	}
	return 0;
}

int mmr_vulndb_writer_new(const char *path, struct mmr_vulndb_writer **ret, struct mmr_error *reterr)
{
	int r;
	char msg[300];
	if (!path || !path[0] || !ret)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "no database path");
	struct mmr_vulndb_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	mmr_buf_init(&w->js, (size_t)64 << 20);
	w->arena = mmr_arena_new(0);
	w->path = strdup(path);
	size_t plen = strlen(path);
	w->tmp = malloc(plen + sizeof(".tmp-XXXXXX"));
	if (!w->arena || !w->path || !w->tmp) {
		r = -ENOMEM;
		goto fail;
	}
	mmr_map_init(&w->names, w->arena);
	mmr_map_init(&w->vulns, w->arena);
	memcpy(w->tmp, path, plen);
	memcpy(w->tmp + plen, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	if ((r = mkdir_parents(path)) < 0) {
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "cannot create the directory of %s: %s", path,
				  strerror(-r));
		goto fail;
	}
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		r = -errno;
		free(w->tmp);
		w->tmp = NULL;
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "cannot create a temporary file beside %s: %s",
				  path, strerror(-r));
		goto fail;
	}
	if (fchmod(w->fd, 0644) < 0) {
		r = mmr_error_set(reterr, errno, NULL, 0, 0, "chmod %s: %s", w->tmp, strerror(errno));
		goto fail;
	}
	int rc = sqlite3_open_v2(w->tmp, &w->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	if (rc != SQLITE_OK) {
		r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "sqlite cannot open %s: %s",
				  w->tmp, w->db ? sqlite3_errmsg(w->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((r = exec_sql(w->db,
			  "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			  " PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY;"
			  " PRAGMA cache_size=-65536; PRAGMA page_size=4096;" SCHEMA_SQL " BEGIN;",
			  msg, sizeof(msg))) < 0) {
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "%s: %s", w->tmp, msg);
		goto fail;
	}
	for (int i = 0; i < ST_N; i++) {
		rc = sqlite3_prepare_v3(w->db, writer_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->st[i],
					NULL);
		if (rc != SQLITE_OK) {
			r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "%s: %s", w->tmp,
					  sqlite3_errmsg(w->db));
			goto fail;
		}
	}
	w->sink = (struct mmr_vulndb_sink){
		.vuln = sink_vuln,
		.affected = sink_affected,
		.kev = sink_kev,
		.epss = sink_epss,
		.ud = w,
	};
	*ret = w;
	return 0;
fail:
	mmr_vulndb_writer_abort(w);
	return r;
}

struct mmr_vulndb_sink *mmr_vulndb_writer_sink(struct mmr_vulndb_writer *w)
{
	return &w->sink;
}

int mmr_vulndb_writer_source(struct mmr_vulndb_writer *w, const char *name, const char *url,
			     const char *etag, const char *last_modified, uint64_t accepted,
			     uint64_t rejected)
{
	char ts[32];
	if (w->err)
		return w->err;
	if (!name || !name[0])
		return -EINVAL;
	now_rfc3339(ts);
	sqlite3_stmt *s = w->st[ST_SOURCE];
	bind_text(s, 1, name);
	bind_text(s, 2, url);
	bind_text(s, 3, etag);
	bind_text(s, 4, last_modified);
	bind_text(s, 5, ts);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)(accepted > INT64_MAX ? INT64_MAX : accepted));
	sqlite3_bind_int64(s, 7, (sqlite3_int64)(rejected > INT64_MAX ? INT64_MAX : rejected));
	return w_step(w, s, "record source");
}

/* URI for sqlite: "file:" + path with %, ?, # escaped, + params. */
static char *path_uri(const char *path, const char *params)
{
	struct mmr_buf b;
	mmr_buf_init(&b, PATH_MAX * 3 + 128);
	int r = mmr_buf_adds(&b, "file:");
	for (const char *p = path; r >= 0 && *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			r = mmr_buf_addf(&b, "%%%02X", (unsigned char)*p);
		else
			r = mmr_buf_addc(&b, *p);
	}
	if (r >= 0)
		r = mmr_buf_addf(&b, "?%s", params);
	if (r < 0) {
		mmr_buf_release(&b);
		return NULL;
	}
	return mmr_buf_detach(&b, NULL);
}

static int check_schema(sqlite3 *db, const char *path, const char *schema, struct mmr_error *reterr);

int mmr_vulndb_writer_copy(struct mmr_vulndb_writer *w, const char *from, struct mmr_error *reterr)
{
	char msg[300];
	int r;
	if (w->err)
		return mmr_error_set(reterr, -w->err, NULL, 0, 0, "%s", w->errmsg);
	if (w->written || w->next_name)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "copy into a writer already written to");
	struct stat st;
	if (stat(from, &st) < 0)
		return mmr_error_set(reterr, errno, NULL, 0, 0, "%s: %s", from, strerror(errno));
	char *uri = path_uri(from, "mode=ro&immutable=1");
	if (!uri)
		return -ENOMEM;
	/* ATTACH is not allowed inside a transaction */
	exec_sql(w->db, "COMMIT", msg, sizeof(msg));
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(w->db, "ATTACH DATABASE ?1 AS old", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, uri, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	s = NULL;
	free(uri);
	exec_sql(w->db, "BEGIN", msg, sizeof(msg));
	if (rc != SQLITE_OK)
		return mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "cannot read %s: %s", from,
				     sqlite3_errmsg(w->db));
	if ((r = check_schema(w->db, from, "old", reterr)) < 0)
		goto detach;
	if ((r = exec_sql(w->db,
			  "INSERT INTO names SELECT id, name FROM old.names;"
			  "INSERT INTO vulns(vid, source, title, description, published, modified,"
			  " severity, cvss3_vector, cvss3_score, cvss4_vector, cvss4_score, refs, cwes)"
			  " SELECT vid, source, title, description, published, modified, severity,"
			  " cvss3_vector, cvss3_score, cvss4_vector, cvss4_score, refs, cwes FROM old.vulns;"
			  "INSERT INTO aliases SELECT alias, vid FROM old.aliases;"
			  "INSERT INTO affected SELECT vid, source, ecosystem, name, scheme, ranges,"
			  " versions, expr, status, severity FROM old.affected;"
			  "INSERT INTO kev SELECT * FROM old.kev;"
			  "INSERT INTO epss SELECT * FROM old.epss;"
			  "INSERT INTO sources SELECT * FROM old.sources;",
			  msg, sizeof(msg))) < 0) {
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "copying %s: %s", from, msg);
		goto detach;
	}
	/* the in-memory dedupe and intern maps must know the copied rows */
	rc = sqlite3_prepare_v2(w->db, "SELECT id, name FROM names", -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		char *k = mmr_arena_strdup(w->arena, (const char *)sqlite3_column_text(s, 1));
		if (!k || mmr_map_put(&w->names, k, (void *)(intptr_t)id) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (id > w->next_name)
			w->next_name = id;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(w->db, "SELECT source, vid FROM vulns", -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *k = mmr_arena_printf(w->arena, "%s\x1f%s", sqlite3_column_text(s, 0),
					   sqlite3_column_text(s, 1));
		if (!k || mmr_map_put(&w->vulns, k, k) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "copying %s: %s", from,
				  sqlite3_errstr(rc));
	else
		r = 0;
	w->written = true;
detach:
	/* DETACH is not allowed inside a transaction either */
	exec_sql(w->db, "COMMIT", msg, sizeof(msg));
	exec_sql(w->db, "DETACH DATABASE old", msg, sizeof(msg));
	exec_sql(w->db, "BEGIN", msg, sizeof(msg));
	return r;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		return -ENAMETOOLONG;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int mmr_vulndb_writer_commit(struct mmr_vulndb_writer *w, struct mmr_error *reterr)
{
	char msg[300], ts[32], ver[16];
	int r;
	if (!w)
		return -EINVAL;
	if (w->err) {
		r = mmr_error_set(reterr, -w->err, NULL, 0, 0, "%s", w->errmsg);
		goto fail;
	}
	now_rfc3339(ts);
	snprintf(ver, sizeof(ver), "%d", MMR_VULNDB_SCHEMA_VERSION);
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
				    &s, NULL);
	const char *kv[][2] = {
		{ "schema_version", ver },
		{ "built_at", ts },
		{ "generator", "mamori " MMR_VERSION },
	};
	for (size_t i = 0; rc == SQLITE_OK && i < sizeof(kv) / sizeof(kv[0]); i++) {
		sqlite3_bind_text(s, 1, kv[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, kv[i][1], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "%s: %s", w->tmp,
				  sqlite3_errmsg(w->db));
		goto fail;
	}
	if ((r = exec_sql(w->db, INDEX_SQL " COMMIT;", msg, sizeof(msg))) < 0) {
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "%s: %s", w->tmp, msg);
		goto fail;
	}
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(w->st[i]);
		w->st[i] = NULL;
	}
	rc = sqlite3_close(w->db);
	w->db = NULL;
	if (rc != SQLITE_OK) {
		r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "%s: close: %s", w->tmp,
				  sqlite3_errstr(rc));
		goto fail;
	}
	if (fsync(w->fd) < 0) {
		r = mmr_error_set(reterr, errno, NULL, 0, 0, "fsync %s: %s", w->tmp, strerror(errno));
		goto fail;
	}
	if (rename(w->tmp, w->path) < 0) {
		r = mmr_error_set(reterr, errno, NULL, 0, 0, "cannot rename %s to %s: %s", w->tmp,
				  w->path, strerror(errno));
		goto fail;
	}
	free(w->tmp);
	w->tmp = NULL; /* nothing to unlink any more */
	r = fsync_dir_of(w->path);
	if (r < 0)
		r = mmr_error_set(reterr, -r, NULL, 0, 0, "fsync of the directory of %s: %s", w->path,
				  strerror(-r));
fail:
	mmr_vulndb_writer_abort(w);
	return r;
}

void mmr_vulndb_writer_abort(struct mmr_vulndb_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(w->st[i]);
	if (w->db)
		sqlite3_close(w->db);
	if (w->tmp && w->fd >= 0)
		unlink(w->tmp);
	if (w->fd >= 0)
		close(w->fd);
	mmr_buf_release(&w->js);
	mmr_arena_free(w->arena);
	free(w->tmp);
	free(w->path);
	free(w);
}

/* ---- reader ------------------------------------------------------- */

enum {
	RD_QUERY,
	RD_ALIASES,
	RD_VULN,
	RD_KEV,
	RD_EPSS,
	RD_N,
};

static const char *const reader_sql[RD_N] = {
	[RD_QUERY] = "SELECT vid, source, scheme, ranges, versions, expr, status, severity"
		     " FROM affected WHERE ecosystem = ?1"
		     " AND name = (SELECT id FROM names WHERE name = ?2) ORDER BY rowid",
	[RD_ALIASES] = "SELECT vid FROM aliases WHERE alias = ?1",
	[RD_VULN] = "SELECT vid, source, title, description, published, modified, severity,"
		    " cvss3_vector, cvss3_score, cvss4_vector, cvss4_score, refs, cwes"
		    " FROM vulns WHERE vid = ?1 ORDER BY id",
	[RD_KEV] = "SELECT date_added, due_date FROM kev WHERE cve = ?1",
	[RD_EPSS] = "SELECT score, percentile FROM epss WHERE cve = ?1",
};

struct mmr_vulndb {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[RD_N];
};

static int check_schema(sqlite3 *db, const char *path, const char *schema, struct mmr_error *reterr)
{
	char sql[128];
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof(sql), "SELECT value FROM %s.meta WHERE key = 'schema_version'", schema);
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		int e = (rc & 0xff) == SQLITE_ERROR ? EBADMSG : sqlite_errno(rc);
		const char *m = sqlite3_errmsg(db);
		sqlite3_finalize(s);
		if (e == EBADMSG)
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
					     "%s is not a mamori vulnerability database (%s); run 'mamori db update'",
					     path, m);
		return mmr_error_set(reterr, e, NULL, 0, 0, "%s: %s", path, m);
	}
	rc = sqlite3_step(s);
	long v = -1;
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		uint64_t u;
		if (t && mmr_parse_u64(t, strlen(t), &u) && u < 1000000)
			v = (long)u;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "%s: %s", path,
				     sqlite3_errstr(rc));
	if (v != MMR_VULNDB_SCHEMA_VERSION)
		return mmr_error_set(reterr, EPROTO, NULL, 0, 0,
				     "%s has database schema version %ld, this mamori reads version %d;"
				     " run 'mamori db update' (or 'mamori db import') to rebuild it",
				     path, v, MMR_VULNDB_SCHEMA_VERSION);
	return 0;
}

int mmr_vulndb_open(const char *path, struct mmr_vulndb **ret, struct mmr_error *reterr)
{
	int r;
	if (!path || !ret)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "no database path");
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		if (e == ENOENT)
			return mmr_error_set(reterr, ENOENT, NULL, 0, 0,
					     "no vulnerability database at %s; get one with 'mamori db update'"
					     " (online) or 'mamori db import FILES' (offline)",
					     path);
		return mmr_error_set(reterr, e, NULL, 0, 0, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
				     "%s is not a file (a vulnerability database is one SQLite file)", path);
	struct mmr_vulndb *db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	char *uri = path_uri(path, "mode=ro&immutable=1");
	db->path = strdup(path);
	if (!uri || !db->path) {
		free(uri);
		r = -ENOMEM;
		goto fail;
	}
	int rc = sqlite3_open_v2(uri, &db->db,
				 SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		r = mmr_error_set(reterr, sqlite_errno(rc), NULL, 0, 0, "cannot open %s: %s", path,
				  db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if ((r = check_schema(db->db, path, "main", reterr)) < 0)
		goto fail;
	for (int i = 0; i < RD_N; i++) {
		rc = sqlite3_prepare_v3(db->db, reader_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->st[i],
					NULL);
		if (rc != SQLITE_OK) {
			r = mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
					  "%s: not a complete mamori vulnerability database (%s);"
					  " run 'mamori db update'",
					  path, sqlite3_errmsg(db->db));
			goto fail;
		}
	}
	*ret = db;
	return 0;
fail:
	mmr_vulndb_close(db);
	return r;
}

void mmr_vulndb_close(struct mmr_vulndb *db)
{
	if (!db)
		return;
	for (int i = 0; i < RD_N; i++)
		sqlite3_finalize(db->st[i]);
	sqlite3_close(db->db);
	free(db->path);
	free(db);
}

static const char *col_str(struct mmr_arena *a, sqlite3_stmt *s, int i, bool *oom)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(s, i);
	int n = sqlite3_column_bytes(s, i);
	if (!t)
		return NULL;
	char *c = mmr_arena_strndup(a, (const char *)t, (size_t)n);
	if (!c)
		*oom = true;
	return c;
}

/* A JSON array of strings stored by the writer -> arena array. */
static int decode_list(struct mmr_arena *a, const char *js, const char *const **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!js)
		return 0;
	json_t *arr = json_loads(js, JSON_DECODE_ANY, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return -EBADMSG;
	}
	size_t n = json_array_size(arr);
	const char **v = n ? mmr_arena_calloc(a, n, sizeof(*v)) : NULL;
	if (n && !v) {
		json_decref(arr);
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (!s)
			continue;
		if (!(v[k] = mmr_arena_strdup(a, s))) {
			json_decref(arr);
			return -ENOMEM;
		}
		k++;
	}
	json_decref(arr);
	*ret = v;
	*ret_n = k;
	return 0;
}

static int decode_ranges(struct mmr_arena *a, const char *js, const struct mmr_vuln_range **ret,
			 size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!js)
		return 0;
	json_t *arr = json_loads(js, JSON_DECODE_ANY, NULL);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return -EBADMSG;
	}
	size_t n = json_array_size(arr);
	struct mmr_vuln_range *v = n ? mmr_arena_calloc(a, n, sizeof(*v)) : NULL;
	int r = n && !v ? -ENOMEM : 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		json_t *o = json_array_get(arr, i);
		const char *in = json_string_value(json_object_get(o, "introduced"));
		const char *fx = json_string_value(json_object_get(o, "fixed"));
		const char *la = json_string_value(json_object_get(o, "last_affected"));
		if ((in && !(v[i].introduced = mmr_arena_strdup(a, in))) ||
		    (fx && !(v[i].fixed = mmr_arena_strdup(a, fx))) ||
		    (la && !(v[i].last_affected = mmr_arena_strdup(a, la))))
			r = -ENOMEM;
	}
	json_decref(arr);
	if (r == 0) {
		*ret = v;
		*ret_n = n;
	}
	return r;
}

int mmr_vulndb_query(struct mmr_vulndb *db, struct mmr_arena *a, const char *ecosystem,
		     const char *package, mmr_vulndb_affected_fn fn, void *ud)
{
	if (!db || !a || !ecosystem || !package || !fn)
		return -EINVAL;
	sqlite3_stmt *s = db->st[RD_QUERY];
	const char *eco = mmr_arena_strdup(a, ecosystem);
	const char *pkg = mmr_arena_strdup(a, package);
	if (!eco || !pkg)
		return -ENOMEM;
	sqlite3_bind_text(s, 1, ecosystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, package, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mmr_vuln_affected af = { .ecosystem = eco, .package = pkg };
		bool oom = false;
		af.vuln_id = col_str(a, s, 0, &oom);
		af.source = col_str(a, s, 1, &oom);
		af.scheme = col_str(a, s, 2, &oom);
		const char *ranges = (const char *)sqlite3_column_text(s, 3);
		const char *versions = (const char *)sqlite3_column_text(s, 4);
		if ((r = decode_ranges(a, ranges, &af.ranges, &af.n_ranges)) < 0 ||
		    (r = decode_list(a, versions, &af.versions, &af.n_versions)) < 0)
			break;
		af.expr = col_str(a, s, 5, &oom);
		int st = sqlite3_column_int(s, 6);
		af.status = st >= 0 && st <= MMR_VULN_UNDER_INVESTIGATION ? (enum mmr_vuln_status)st
									    : MMR_VULN_AFFECTED;
		af.severity = col_str(a, s, 7, &oom);
		if (oom) {
			r = -ENOMEM;
			break;
		}
		if ((r = fn(ud, &af)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = -sqlite_errno(rc);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return r;
}

/* ids one advisory may be known by, at most (a hostile feed could chain
 * aliases without end) */
#define MAX_ALIAS_IDS 256

static bool is_cve(const char *id)
{
	return id && strncmp(id, "CVE-", 4) == 0;
}

/* Add every vid aliased to `id` (and id itself) to the id set. */
static int collect_ids(struct mmr_vulndb *db, struct mmr_arena *a, struct mmr_map *seen,
		       struct mmr_vec *ids, const char *id)
{
	int r;
	if (!mmr_map_has(seen, id)) {
		char *c = mmr_arena_strdup(a, id);
		if (!c || (r = mmr_map_put(seen, c, c)) < 0 || (r = mmr_vec_push(a, ids, c)) < 0)
			return -ENOMEM;
	}
	sqlite3_stmt *s = db->st[RD_ALIASES];
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int rc;
	r = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && ids->n < MAX_ALIAS_IDS) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		if (!v || mmr_map_has(seen, v))
			continue;
		char *c = mmr_arena_strdup(a, v);
		if (!c || mmr_map_put(seen, c, c) < 0 || mmr_vec_push(a, ids, c) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = -sqlite_errno(rc);
	sqlite3_reset(s);
	return r;
}

static int add_unique(struct mmr_arena *a, struct mmr_map *seen, struct mmr_vec *out,
		      const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i] || mmr_map_has(seen, v[i]))
			continue;
		if (mmr_map_put(seen, v[i], (void *)v[i]) < 0 || mmr_vec_push(a, out, (void *)v[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Rank of a record for the merge: the CVE record first, NVD's before the
 * others (it carries CVSS and CWE), then the order of the ids. */
static int rank(const struct mmr_vuln *v)
{
	return (is_cve(v->id) ? 0 : 2) + (v->source && strcmp(v->source, "nvd") == 0 ? 0 : 1);
}

int mmr_vulndb_aliases(struct mmr_vulndb *db, struct mmr_arena *a, const char *id,
		       const char *const **ret, size_t *ret_n)
{
	if (!db || !a || !id || !ret || !ret_n)
		return -EINVAL;
	struct mmr_vec out = { 0 };
	sqlite3_stmt *s = db->st[RD_ALIASES];
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	int rc, r = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && out.n < MAX_ALIAS_IDS) {
		bool oom = false;
		const char *v = col_str(a, s, 0, &oom);
		if (oom || (v && mmr_vec_push(a, &out, (void *)v) < 0)) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = -sqlite_errno(rc);
	sqlite3_reset(s);
	if (r == 0) {
		*ret = (const char *const *)out.v;
		*ret_n = out.n;
	}
	return r;
}

int mmr_vulndb_vuln(struct mmr_vulndb *db, struct mmr_arena *a, const char *id,
		    struct mmr_vuln **ret)
{
	int r;
	if (!db || !a || !id || !ret)
		return -EINVAL;
	struct mmr_map seen;
	struct mmr_vec ids = { 0 };
	mmr_map_init(&seen, a);
	if ((r = collect_ids(db, a, &seen, &ids, id)) < 0)
		return r;
	/* the alias closure (PYSEC -> GHSA -> CVE), bounded */
	for (size_t i = 1; i < ids.n && i < MAX_ALIAS_IDS; i++)
		if ((r = collect_ids(db, a, &seen, &ids, ids.v[i])) < 0)
			return r;
	return mmr_vulndb_vuln_set(db, a, (const char *const *)ids.v, ids.n, ret);
}

int mmr_vulndb_vuln_set(struct mmr_vulndb *db, struct mmr_arena *a, const char *const *ids,
			size_t n_ids, struct mmr_vuln **ret)
{
	if (!db || !a || (!ids && n_ids) || !ret)
		return -EINVAL;
	struct mmr_vec recs = { 0 };
	sqlite3_stmt *s = db->st[RD_VULN];
	for (size_t i = 0; i < n_ids; i++) {
		sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
		int rc;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct mmr_vuln *v = mmr_arena_alloc(a, sizeof(*v));
			bool oom = !v;
			if (oom)
				break;
			v->id = col_str(a, s, 0, &oom);
			v->source = col_str(a, s, 1, &oom);
			v->title = col_str(a, s, 2, &oom);
			v->description = col_str(a, s, 3, &oom);
			v->published = col_str(a, s, 4, &oom);
			v->modified = col_str(a, s, 5, &oom);
			v->severity = col_str(a, s, 6, &oom);
			v->cvss3_vector = col_str(a, s, 7, &oom);
			v->cvss3_score = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 8);
			v->cvss4_vector = col_str(a, s, 9, &oom);
			v->cvss4_score = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 10);
			if (oom || decode_list(a, (const char *)sqlite3_column_text(s, 11), &v->references,
					       &v->n_references) == -ENOMEM ||
			    decode_list(a, (const char *)sqlite3_column_text(s, 12), &v->cwes, &v->n_cwes) ==
				    -ENOMEM ||
			    mmr_vec_push(a, &recs, v) < 0) {
				sqlite3_reset(s);
				return -ENOMEM;
			}
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return rc == SQLITE_ROW ? -ENOMEM : -sqlite_errno(rc);
	}
	if (!recs.n)
		return -ENOENT;

	/* stable selection of the best record; others fill the gaps */
	size_t best = 0;
	for (size_t i = 1; i < recs.n; i++)
		if (rank(recs.v[i]) < rank(recs.v[best]))
			best = i;
	struct mmr_vuln *m = mmr_arena_alloc(a, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*m = *(struct mmr_vuln *)recs.v[best];
	struct mmr_map rseen, cseen, aseen;
	struct mmr_vec refs = { 0 }, cwes = { 0 }, aliases = { 0 };
	mmr_map_init(&rseen, a);
	mmr_map_init(&cseen, a);
	mmr_map_init(&aseen, a);
	mmr_map_put(&aseen, m->id, (void *)m->id);
	for (size_t k = 0; k <= recs.n; k++) {
		/* the best record first, then the rest in order */
		const struct mmr_vuln *v = k == 0 ? recs.v[best] : recs.v[k - 1];
		if (k > 0 && k - 1 == best)
			continue;
#define FILL(f)                  \
	if (!m->f || !m->f[0]) \
		m->f = v->f;
		FILL(title);
		FILL(description);
		FILL(published);
		FILL(modified);
		FILL(severity);
		FILL(cvss3_vector);
		FILL(cvss4_vector);
#undef FILL
		if (m->cvss3_score < 0)
			m->cvss3_score = v->cvss3_score;
		if (m->cvss4_score < 0)
			m->cvss4_score = v->cvss4_score;
		if (add_unique(a, &rseen, &refs, v->references, v->n_references) < 0 ||
		    add_unique(a, &cseen, &cwes, v->cwes, v->n_cwes) < 0)
			return -ENOMEM;
	}
	if (add_unique(a, &aseen, &aliases, ids, n_ids) < 0)
		return -ENOMEM;
	m->references = (const char *const *)refs.v;
	m->n_references = refs.n;
	m->cwes = (const char *const *)cwes.v;
	m->n_cwes = cwes.n;
	m->aliases = (const char *const *)aliases.v;
	m->n_aliases = aliases.n;
	*ret = m;
	return 0;
}

int mmr_vulndb_kev(struct mmr_vulndb *db, struct mmr_arena *a, const char *cve,
		   const char **ret_added, const char **ret_due)
{
	if (!db || !a || !cve)
		return -EINVAL;
	sqlite3_stmt *s = db->st[RD_KEV];
	sqlite3_bind_text(s, 1, cve, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), r;
	if (rc == SQLITE_ROW) {
		bool oom = false;
		const char *added = col_str(a, s, 0, &oom);
		const char *due = col_str(a, s, 1, &oom);
		r = oom ? -ENOMEM : 0;
		if (r == 0) {
			if (ret_added)
				*ret_added = added;
			if (ret_due)
				*ret_due = due;
		}
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : -sqlite_errno(rc);
	}
	sqlite3_reset(s);
	return r;
}

int mmr_vulndb_epss(struct mmr_vulndb *db, const char *cve, double *ret_score, double *ret_pct)
{
	if (!db || !cve)
		return -EINVAL;
	sqlite3_stmt *s = db->st[RD_EPSS];
	sqlite3_bind_text(s, 1, cve, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s), r = 0;
	if (rc == SQLITE_ROW) {
		if (ret_score)
			*ret_score = sqlite3_column_double(s, 0);
		if (ret_pct)
			*ret_pct = sqlite3_column_double(s, 1);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : -sqlite_errno(rc);
	}
	sqlite3_reset(s);
	return r;
}

static int count_rows(sqlite3 *db, const char *table, uint64_t *ret)
{
	char sql[96];
	sqlite3_stmt *s = NULL;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		sqlite3_int64 v = sqlite3_column_int64(s, 0);
		*ret = v > 0 ? (uint64_t)v : 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : -sqlite_errno(rc);
}

int mmr_vulndb_info(struct mmr_vulndb *db, struct mmr_arena *a, struct mmr_vulndb_info *ret)
{
	struct mmr_vulndb_info info = { .schema_version = MMR_VULNDB_SCHEMA_VERSION };
	bool oom = false;
	int r;
	if (!db || !a || !ret)
		return -EINVAL;
	info.path = mmr_arena_strdup(a, db->path);
	struct stat st;
	if (stat(db->path, &st) == 0)
		info.size = (uint64_t)st.st_size;
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db->db, "SELECT key, value FROM meta", -1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		if (k && strcmp(k, "built_at") == 0)
			info.built_at = col_str(a, s, 1, &oom);
		else if (k && strcmp(k, "generator") == 0)
			info.generator = col_str(a, s, 1, &oom);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -sqlite_errno(rc);
	if ((r = count_rows(db->db, "vulns", &info.vulns)) < 0 ||
	    (r = count_rows(db->db, "affected", &info.affected)) < 0 ||
	    (r = count_rows(db->db, "aliases", &info.aliases)) < 0 ||
	    (r = count_rows(db->db, "names", &info.names)) < 0 ||
	    (r = count_rows(db->db, "kev", &info.kev)) < 0 ||
	    (r = count_rows(db->db, "epss", &info.epss)) < 0)
		return r;
	struct mmr_vec v = { 0 };
	rc = sqlite3_prepare_v2(db->db,
				"SELECT name, url, etag, last_modified, fetched_at, accepted, rejected"
				" FROM sources ORDER BY name",
				-1, &s, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mmr_vulndb_source_info *si = mmr_arena_alloc(a, sizeof(*si));
		if (!si || mmr_vec_push(a, &v, si) < 0) {
			oom = true;
			break;
		}
		si->name = col_str(a, s, 0, &oom);
		si->url = col_str(a, s, 1, &oom);
		si->etag = col_str(a, s, 2, &oom);
		si->last_modified = col_str(a, s, 3, &oom);
		si->fetched_at = col_str(a, s, 4, &oom);
		sqlite3_int64 acc = sqlite3_column_int64(s, 5), rej = sqlite3_column_int64(s, 6);
		si->accepted = acc > 0 ? (uint64_t)acc : 0;
		si->rejected = rej > 0 ? (uint64_t)rej : 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (oom)
		return -ENOMEM;
	if (rc != SQLITE_DONE)
		return -sqlite_errno(rc);
	info.n_sources = v.n;
	info.sources = mmr_arena_calloc(a, v.n ? v.n : 1, sizeof(*info.sources));
	if (!info.sources)
		return -ENOMEM;
	for (size_t i = 0; i < v.n; i++)
		info.sources[i] = *(struct mmr_vulndb_source_info *)v.v[i];
	*ret = info;
	return 0;
}
