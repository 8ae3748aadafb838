/* vulndb-history.c - the scan history store (vulndb-history.h). */
#include "vulndb/vulndb-history.h"

#include "core/core-buf.h"
#include "core/core-sqlite.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mmr_vulndb_history {
	sqlite3 *db;
	int version;
};

/* Migration N takes the schema from version N to N + 1. Append only. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE assets("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL, name TEXT NOT NULL,"
	"  image_id TEXT, manifest_digest TEXT, repo_tags TEXT, repo_digests TEXT, hostname TEXT,"
	"  os_family TEXT, os_name TEXT, os_version TEXT, os_codename TEXT, os_pretty TEXT,"
	"  first_seen TEXT NOT NULL, scanned_at TEXT NOT NULL, tool_version TEXT);"
	"CREATE TABLE packages("
	"  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL,"
	"  target TEXT, class TEXT, type TEXT,"
	"  pkg_id TEXT, name TEXT NOT NULL, version TEXT, epoch INTEGER, has_epoch INTEGER,"
	"  release TEXT, arch TEXT, src_name TEXT, src_version TEXT, src_epoch INTEGER,"
	"  src_release TEXT, eco TEXT, purl TEXT, file TEXT, layer TEXT,"
	"  relation INTEGER, dev INTEGER, indirect INTEGER,"
	"  PRIMARY KEY(asset_id, seq));"
	"CREATE TABLE evaluations("
	"  asset_id INTEGER PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,"
	"  evaluated_at TEXT NOT NULL, findings INTEGER NOT NULL);"
	"CREATE TABLE findings("
	"  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL, fingerprint TEXT, rule_id TEXT NOT NULL,"
	"  target TEXT, pkg_id TEXT, pkg_name TEXT, installed TEXT,"
	"  severity INTEGER, kev INTEGER, kev_due TEXT, fixed TEXT, status TEXT, suppressed INTEGER,"
	"  PRIMARY KEY(asset_id, key));",
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))
_Static_assert(N_MIGRATIONS == MMR_VULNDB_HISTORY_SCHEMA, "a migration per schema version");

static int sqlerr(struct mmr_error *reterr, sqlite3 *db, const char *what)
{
	return mmr_error_set(reterr, EIO, "", 0, 0, "history store: %s: %s", what,
			     db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(struct mmr_vulndb_history *h, const char *sql, struct mmr_error *reterr)
{
	char *msg = NULL;
	if (sqlite3_exec(h->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = mmr_error_set(reterr, EIO, "", 0, 0, "history store: %s",
				       msg ? msg : sqlite3_errmsg(h->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int mmr_vulndb_history_open(const char *path, struct mmr_vulndb_history **ret,
			    struct mmr_error *reterr)
{
	static const struct mmr_sqlite_schema schema = {
		.name = "history store",
		.busy_ms = 10000,
		.init_sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
		.steps = migrations,
		.nsteps = N_MIGRATIONS,
		.applied_at = true,
	};
	struct mmr_vulndb_history *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	int rc = mmr_sqlite_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, &schema,
				 &h->db, &h->version, reterr);
	if (rc < 0) {
		free(h);
		return rc;
	}
	*ret = h;
	return 0;
}

void mmr_vulndb_history_close(struct mmr_vulndb_history *h)
{
	if (!h)
		return;
	sqlite3_close(h->db);
	free(h);
}

int mmr_vulndb_history_schema_version(struct mmr_vulndb_history *h)
{
	return h->version;
}

/* ---- writing ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* A vec of strings as a JSON array. */
static char *json_list(const struct mmr_vec *v)
{
	struct mmr_buf b;
	mmr_buf_init(&b, 1u << 20);
	mmr_buf_addc(&b, '[');
	for (size_t i = 0; i < v->n; i++) {
		const char *s = v->v[i];
		if (i)
			mmr_buf_addc(&b, ',');
		mmr_buf_addc(&b, '"');
		for (; s && *s; s++) {
			unsigned char c = (unsigned char)*s;
			if (c == '"' || c == '\\')
				mmr_buf_addf(&b, "\\%c", c);
			else if (c < 0x20)
				mmr_buf_addf(&b, "\\u%04x", c);
			else
				mmr_buf_addc(&b, (char)c);
		}
		mmr_buf_addc(&b, '"');
	}
	if (mmr_buf_addc(&b, ']') < 0) {
		mmr_buf_release(&b);
		return NULL;
	}
	return mmr_buf_detach(&b, NULL);
}

static const char *asset_key(struct mmr_arena *a, const struct mmr_asset *as)
{
	const char *name = as->kind == MMR_ASSET_HOST && as->hostname && *as->hostname ? as->hostname :
				   as->name ? as->name : "";
	return mmr_arena_printf(a, "%s:%s", mmr_asset_kind_name(as->kind), name);
}

static const char *now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int store_eval(struct mmr_vulndb_history *h, int64_t asset_id, const struct mmr_report *r,
		      struct mmr_error *reterr)
{
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	struct mmr_vec fs = { 0 };
	int rc = mmr_vulndb_history_snapshot(a, r, &fs);
	sqlite3_stmt *del = NULL, *ins = NULL, *ev = NULL;
	if (rc < 0)
		goto out;
	if (sqlite3_prepare_v2(h->db, "DELETE FROM findings WHERE asset_id = ?", -1, &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h->db,
			       "INSERT OR REPLACE INTO findings(asset_id, key, fingerprint, rule_id, target, "
			       "pkg_id, pkg_name, installed, severity, kev, kev_due, fixed, status, suppressed) "
			       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h->db,
			       "INSERT OR REPLACE INTO evaluations(asset_id, evaluated_at, findings) "
			       "VALUES (?,?,?)",
			       -1, &ev, NULL) != SQLITE_OK) {
		rc = sqlerr(reterr, h->db, "preparing");
		goto out;
	}
	sqlite3_bind_int64(del, 1, asset_id);
	if (sqlite3_step(del) != SQLITE_DONE) {
		rc = sqlerr(reterr, h->db, "clearing the last evaluation");
		goto out;
	}
	for (size_t i = 0; i < fs.n; i++) {
		const struct mmr_vulndb_history_finding *f = fs.v[i];
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, asset_id);
		bind_text(ins, 2, f->key);
		bind_text(ins, 3, f->fingerprint);
		bind_text(ins, 4, f->rule_id);
		bind_text(ins, 5, f->target);
		bind_text(ins, 6, f->pkg_id);
		bind_text(ins, 7, f->pkg_name);
		bind_text(ins, 8, f->installed);
		sqlite3_bind_int(ins, 9, (int)f->severity);
		sqlite3_bind_int(ins, 10, f->kev);
		bind_text(ins, 11, f->kev_due);
		bind_text(ins, 12, f->fixed);
		bind_text(ins, 13, f->status);
		sqlite3_bind_int(ins, 14, f->suppressed);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = sqlerr(reterr, h->db, "storing a finding");
			goto out;
		}
	}
	char ts[40];
	sqlite3_bind_int64(ev, 1, asset_id);
	bind_text(ev, 2, now_rfc3339(ts, sizeof(ts)));
	sqlite3_bind_int64(ev, 3, (sqlite3_int64)fs.n);
	if (sqlite3_step(ev) != SQLITE_DONE)
		rc = sqlerr(reterr, h->db, "storing the evaluation");
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	sqlite3_finalize(ev);
	mmr_arena_free(a);
	return rc;
}

static int put_asset(struct mmr_vulndb_history *h, struct mmr_arena *a, const struct mmr_report *r,
		     int64_t *ret_id, struct mmr_error *reterr)
{
	const struct mmr_asset *as = &r->asset;
	const char *key = asset_key(a, as);
	char *tags = json_list(&as->repo_tags), *digests = json_list(&as->repo_digests);
	char ts[40];
	const char *when = r->created ? r->created : now_rfc3339(ts, sizeof(ts));
	int rc = 0;
	sqlite3_stmt *st = NULL;
	if (!key || !tags || !digests) {
		rc = -ENOMEM;
		goto out;
	}
	if (sqlite3_prepare_v2(
		    h->db,
		    "INSERT INTO assets(key, kind, name, image_id, manifest_digest, repo_tags, repo_digests, "
		    "hostname, os_family, os_name, os_version, os_codename, os_pretty, first_seen, "
		    "scanned_at, tool_version) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?14,?15) "
		    "ON CONFLICT(key) DO UPDATE SET image_id=?4, manifest_digest=?5, repo_tags=?6, "
		    "repo_digests=?7, hostname=?8, os_family=?9, os_name=?10, os_version=?11, "
		    "os_codename=?12, os_pretty=?13, scanned_at=?14, tool_version=?15 "
		    "RETURNING id",
		    -1, &st, NULL) != SQLITE_OK) {
		rc = sqlerr(reterr, h->db, "preparing");
		goto out;
	}
	bind_text(st, 1, key);
	bind_text(st, 2, mmr_asset_kind_name(as->kind));
	bind_text(st, 3, as->name ? as->name : "");
	bind_text(st, 4, as->image_id);
	bind_text(st, 5, as->manifest_digest);
	bind_text(st, 6, tags);
	bind_text(st, 7, digests);
	bind_text(st, 8, as->hostname);
	bind_text(st, 9, as->os.family);
	bind_text(st, 10, as->os.name);
	bind_text(st, 11, as->os.version);
	bind_text(st, 12, as->os.codename);
	bind_text(st, 13, as->os.pretty);
	bind_text(st, 14, when);
	bind_text(st, 15, r->tool_version);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = sqlerr(reterr, h->db, "storing the asset");
		goto out;
	}
	*ret_id = sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	free(tags);
	free(digests);
	return rc;
}

static int put_packages(struct mmr_vulndb_history *h, int64_t id, const struct mmr_report *r,
			struct mmr_error *reterr)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int rc = 0;
	if (sqlite3_prepare_v2(h->db, "DELETE FROM packages WHERE asset_id = ?", -1, &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h->db,
			       "INSERT INTO packages(asset_id, seq, target, class, type, pkg_id, name, version, "
			       "epoch, has_epoch, release, arch, src_name, src_version, src_epoch, "
			       "src_release, eco, purl, file, layer, relation, dev, indirect) VALUES "
			       "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &ins, NULL) != SQLITE_OK) {
		rc = sqlerr(reterr, h->db, "preparing");
		goto out;
	}
	sqlite3_bind_int64(del, 1, id);
	if (sqlite3_step(del) != SQLITE_DONE) {
		rc = sqlerr(reterr, h->db, "clearing the previous SBOM");
		goto out;
	}
	int64_t seq = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->packages.n; k++) {
			const struct mmr_package *p = res->packages.v[k];
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, id);
			sqlite3_bind_int64(ins, 2, seq++);
			bind_text(ins, 3, res->target);
			bind_text(ins, 4, res->class);
			bind_text(ins, 5, res->type);
			bind_text(ins, 6, p->id);
			bind_text(ins, 7, p->name ? p->name : "");
			bind_text(ins, 8, p->version);
			sqlite3_bind_int64(ins, 9, p->epoch);
			sqlite3_bind_int(ins, 10, p->has_epoch);
			bind_text(ins, 11, p->release);
			bind_text(ins, 12, p->arch);
			bind_text(ins, 13, p->src_name);
			bind_text(ins, 14, p->src_version);
			sqlite3_bind_int64(ins, 15, p->src_epoch);
			bind_text(ins, 16, p->src_release);
			bind_text(ins, 17, p->eco ? mmr_ecosystem_id(p->eco) : NULL);
			bind_text(ins, 18, p->purl);
			bind_text(ins, 19, p->file);
			bind_text(ins, 20, p->layer);
			sqlite3_bind_int(ins, 21, (int)p->relation);
			sqlite3_bind_int(ins, 22, p->dev);
			sqlite3_bind_int(ins, 23, p->indirect);
			if (sqlite3_step(ins) != SQLITE_DONE) {
				rc = sqlerr(reterr, h->db, "storing a package");
				goto out;
			}
		}
	}
out:
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	return rc;
}

int mmr_vulndb_history_put(struct mmr_vulndb_history *h, const struct mmr_report *r, bool evaluated,
			   int64_t *ret_asset_id, struct mmr_error *reterr)
{
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	int64_t id = 0;
	int rc = exec(h, "BEGIN IMMEDIATE", reterr);
	if (rc < 0)
		goto out;
	if ((rc = put_asset(h, a, r, &id, reterr)) < 0 || (rc = put_packages(h, id, r, reterr)) < 0 ||
	    (evaluated && (rc = store_eval(h, id, r, reterr)) < 0) ||
	    (rc = exec(h, "COMMIT", reterr)) < 0) {
		exec(h, "ROLLBACK", NULL);
		goto out;
	}
	if (ret_asset_id)
		*ret_asset_id = id;
out:
	mmr_arena_free(a);
	return rc;
}

int mmr_vulndb_history_set_eval(struct mmr_vulndb_history *h, int64_t asset_id,
				const struct mmr_report *r, struct mmr_error *reterr)
{
	int rc = exec(h, "BEGIN IMMEDIATE", reterr);
	if (rc < 0)
		return rc;
	if ((rc = store_eval(h, asset_id, r, reterr)) < 0 || (rc = exec(h, "COMMIT", reterr)) < 0) {
		exec(h, "ROLLBACK", NULL);
		return rc;
	}
	return 0;
}

/* ---- reading ---- */

static const char *col(struct mmr_arena *a, sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	if (!s)
		return NULL;
	char *d = mmr_arena_strndup(a, (const char *)s, (size_t)sqlite3_column_bytes(st, i));
	if (!d)
		*oom = 1;
	return d;
}

int mmr_vulndb_history_assets(struct mmr_vulndb_history *h, struct mmr_arena *a, struct mmr_vec *ret,
			      struct mmr_error *reterr)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db,
			       "SELECT a.id, a.key, a.kind, a.name, a.scanned_at, e.evaluated_at, "
			       "(SELECT count(*) FROM packages p WHERE p.asset_id = a.id) "
			       "FROM assets a LEFT JOIN evaluations e ON e.asset_id = a.id ORDER BY a.key",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlerr(reterr, h->db, "listing assets");
	int rc = 0, oom = 0, s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct mmr_vulndb_history_asset *x = mmr_arena_alloc(a, sizeof(*x));
		if (!x) {
			rc = -ENOMEM;
			break;
		}
		x->id = sqlite3_column_int64(st, 0);
		x->key = col(a, st, 1, &oom);
		x->kind = col(a, st, 2, &oom);
		x->name = col(a, st, 3, &oom);
		x->scanned_at = col(a, st, 4, &oom);
		x->evaluated_at = col(a, st, 5, &oom);
		x->packages = (uint64_t)sqlite3_column_int64(st, 6);
		if (oom || mmr_vec_push(a, ret, x) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = sqlerr(reterr, h->db, "listing assets");
	sqlite3_finalize(st);
	return rc;
}

/* A JSON string array (as json_list writes it) into a vec. Only the
 * escapes json_list produces are undone. */
static int parse_list(struct mmr_arena *a, const char *s, struct mmr_vec *v)
{
	if (!s || *s != '[')
		return 0;
	s++;
	while (*s == '"') {
		s++;
		struct mmr_buf b;
		mmr_buf_init(&b, 1u << 20);
		while (*s && *s != '"') {
			if (*s == '\\' && s[1] == 'u' && s[2] && s[3] && s[4] && s[5]) {
				char hx[5] = { s[2], s[3], s[4], s[5], 0 };
				mmr_buf_addc(&b, (char)strtoul(hx, NULL, 16));
				s += 6;
			} else if (*s == '\\' && s[1]) {
				mmr_buf_addc(&b, s[1]);
				s += 2;
			} else {
				mmr_buf_addc(&b, *s++);
			}
		}
		char *d = mmr_arena_strndup(a, b.p, b.len);
		mmr_buf_release(&b);
		if (!d || mmr_vec_push(a, v, d) < 0)
			return -ENOMEM;
		if (*s == '"')
			s++;
		if (*s == ',')
			s++;
	}
	return 0;
}

int mmr_vulndb_history_load(struct mmr_vulndb_history *h, int64_t asset_id, struct mmr_report **ret,
			    struct mmr_error *reterr)
{
	struct mmr_report *r = mmr_report_new();
	if (!r)
		return -ENOMEM;
	struct mmr_arena *a = r->arena;
	sqlite3_stmt *st = NULL;
	int rc = 0, oom = 0, s;
	if (sqlite3_prepare_v2(h->db,
			       "SELECT kind, name, image_id, manifest_digest, repo_tags, repo_digests, hostname, "
			       "os_family, os_name, os_version, os_codename, os_pretty, scanned_at, "
			       "tool_version FROM assets WHERE id = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlerr(reterr, h->db, "reading an asset");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, asset_id);
	if ((s = sqlite3_step(st)) != SQLITE_ROW) {
		rc = s == SQLITE_DONE ? mmr_error_set(reterr, ENOENT, "", 0, 0, "history store: no asset %lld",
						      (long long)asset_id) :
					sqlerr(reterr, h->db, "reading an asset");
		goto fail;
	}
	struct mmr_asset *as = &r->asset;
	const char *kind = (const char *)sqlite3_column_text(st, 0);
	as->kind = MMR_ASSET_ROOTFS;
	for (int k = MMR_ASSET_IMAGE; k <= MMR_ASSET_HOST; k++)
		if (kind && strcmp(kind, mmr_asset_kind_name((enum mmr_asset_kind)k)) == 0)
			as->kind = (enum mmr_asset_kind)k;
	as->name = col(a, st, 1, &oom);
	as->image_id = col(a, st, 2, &oom);
	as->manifest_digest = col(a, st, 3, &oom);
	if (parse_list(a, (const char *)sqlite3_column_text(st, 4), &as->repo_tags) < 0 ||
	    parse_list(a, (const char *)sqlite3_column_text(st, 5), &as->repo_digests) < 0)
		oom = 1;
	as->hostname = col(a, st, 6, &oom);
	as->os.family = col(a, st, 7, &oom);
	as->os.name = col(a, st, 8, &oom);
	as->os.version = col(a, st, 9, &oom);
	as->os.codename = col(a, st, 10, &oom);
	as->os.pretty = col(a, st, 11, &oom);
	r->created = col(a, st, 12, &oom);
	r->tool_version = col(a, st, 13, &oom);
	sqlite3_finalize(st);
	st = NULL;
	if (oom) {
		rc = -ENOMEM;
		goto fail;
	}
	if (sqlite3_prepare_v2(h->db,
			       "SELECT target, class, type, pkg_id, name, version, epoch, has_epoch, release, "
			       "arch, src_name, src_version, src_epoch, src_release, eco, purl, file, layer, "
			       "relation, dev, indirect FROM packages WHERE asset_id = ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sqlerr(reterr, h->db, "reading packages");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, asset_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *target = col(a, st, 0, &oom), *class = col(a, st, 1, &oom),
			   *type = col(a, st, 2, &oom);
		struct mmr_result *res = oom ? NULL :
					       mmr_report_result(r, target ? target : "", class ? class : "",
								 type ? type : "");
		struct mmr_package *p = mmr_arena_alloc(a, sizeof(*p));
		if (!res || !p) {
			rc = -ENOMEM;
			goto fail;
		}
		p->id = col(a, st, 3, &oom);
		p->name = col(a, st, 4, &oom);
		p->version = col(a, st, 5, &oom);
		if (!p->version)
			p->version = "";
		p->epoch = (uint32_t)sqlite3_column_int64(st, 6);
		p->has_epoch = sqlite3_column_int(st, 7) != 0;
		p->release = col(a, st, 8, &oom);
		p->arch = col(a, st, 9, &oom);
		p->src_name = col(a, st, 10, &oom);
		p->src_version = col(a, st, 11, &oom);
		p->src_epoch = (uint32_t)sqlite3_column_int64(st, 12);
		p->src_release = col(a, st, 13, &oom);
		const char *eco = (const char *)sqlite3_column_text(st, 14);
		p->eco = eco ? mmr_ecosystem_from_id(eco) : MMR_ECO_UNKNOWN;
		p->purl = col(a, st, 15, &oom);
		p->file = col(a, st, 16, &oom);
		p->layer = col(a, st, 17, &oom);
		int rel = sqlite3_column_int(st, 18);
		p->relation = rel >= MMR_DEP_UNKNOWN && rel <= MMR_DEP_INDIRECT ? (enum mmr_dep_relation)rel :
										  MMR_DEP_UNKNOWN;
		p->dev = sqlite3_column_int(st, 19) != 0;
		p->indirect = sqlite3_column_int(st, 20) != 0;
		if (oom || !p->name || mmr_vec_push(a, &res->packages, p) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
		if (!p->id && mmr_package_finish(a, p, &r->asset.os) < 0) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (s != SQLITE_DONE) {
		rc = sqlerr(reterr, h->db, "reading packages");
		goto fail;
	}
	sqlite3_finalize(st);
	*ret = r;
	return 0;
fail:
	sqlite3_finalize(st);
	mmr_report_free(r);
	return rc;
}

int mmr_vulndb_history_last_eval(struct mmr_vulndb_history *h, struct mmr_arena *a, int64_t asset_id,
				 struct mmr_vec *ret, bool *ret_had, struct mmr_error *reterr)
{
	sqlite3_stmt *st;
	bool had = false;
	if (sqlite3_prepare_v2(h->db, "SELECT 1 FROM evaluations WHERE asset_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return sqlerr(reterr, h->db, "reading the last evaluation");
	sqlite3_bind_int64(st, 1, asset_id);
	had = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(h->db,
			       "SELECT key, fingerprint, rule_id, target, pkg_id, pkg_name, installed, "
			       "severity, kev, kev_due, fixed, status, suppressed FROM findings "
			       "WHERE asset_id = ? ORDER BY key",
			       -1, &st, NULL) != SQLITE_OK)
		return sqlerr(reterr, h->db, "reading the last evaluation");
	sqlite3_bind_int64(st, 1, asset_id);
	int rc = 0, oom = 0, s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct mmr_vulndb_history_finding *f = mmr_arena_alloc(a, sizeof(*f));
		if (!f) {
			rc = -ENOMEM;
			break;
		}
		f->key = col(a, st, 0, &oom);
		f->fingerprint = col(a, st, 1, &oom);
		f->rule_id = col(a, st, 2, &oom);
		f->target = col(a, st, 3, &oom);
		f->pkg_id = col(a, st, 4, &oom);
		f->pkg_name = col(a, st, 5, &oom);
		f->installed = col(a, st, 6, &oom);
		int sev = sqlite3_column_int(st, 7);
		f->severity = sev >= MMR_SEV_UNKNOWN && sev <= MMR_SEV_CRITICAL ? (enum mmr_severity)sev :
										 MMR_SEV_UNKNOWN;
		f->kev = sqlite3_column_int(st, 8) != 0;
		f->kev_due = col(a, st, 9, &oom);
		f->fixed = col(a, st, 10, &oom);
		f->status = col(a, st, 11, &oom);
		f->suppressed = sqlite3_column_int(st, 12) != 0;
		if (oom || !f->key || mmr_vec_push(a, ret, f) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = sqlerr(reterr, h->db, "reading the last evaluation");
	sqlite3_finalize(st);
	if (rc == 0 && ret_had)
		*ret_had = had;
	return rc;
}

/* ---- snapshots and diffs ---- */

static int cmp_key(const void *x, const void *y)
{
	const struct mmr_vulndb_history_finding *a = *(void *const *)x, *b = *(void *const *)y;
	return strcmp(a->key, b->key);
}

int mmr_vulndb_history_snapshot(struct mmr_arena *a, const struct mmr_report *r, struct mmr_vec *ret)
{
	size_t start = ret->n;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		struct mmr_map pk;
		mmr_map_init(&pk, a);
		for (size_t k = 0; k < res->packages.n; k++) {
			struct mmr_package *p = res->packages.v[k];
			if (p->id && mmr_map_put(&pk, p->id, p) < 0)
				return -ENOMEM;
		}
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (f->kind != MMR_FINDING_VULNERABILITY || !f->rule_id)
				continue;
			const struct mmr_package *p = f->loc.package ? mmr_map_get(&pk, f->loc.package) : NULL;
			struct mmr_vulndb_history_finding *h = mmr_arena_alloc(a, sizeof(*h));
			if (!h)
				return -ENOMEM;
			const char *pid = f->loc.package ? f->loc.package : "";
			h->key = mmr_arena_printf(a, "%s\x1f%s\x1f%s", f->rule_id, res->target ? res->target : "",
						  pid);
			/* copies: the snapshot outlives the report */
			int oom = 0;
#define DUP(x) ((x) ? (mmr_arena_strdup(a, (x)) ?: (oom = 1, (char *)NULL)) : NULL)
			const struct mmr_vuln_info *v = f->vuln;
			h->fingerprint = DUP(f->fingerprint);
			h->rule_id = DUP(f->rule_id);
			h->target = DUP(res->target);
			h->pkg_id = DUP(f->loc.package);
			h->pkg_name = p ? DUP(p->name) : NULL;
			h->installed = v && v->installed ? DUP(v->installed) : p ? DUP(p->version) : NULL;
			h->kev_due = v ? DUP(v->kev_due) : NULL;
			h->status = v ? DUP(v->status) : NULL;
#undef DUP
			if (oom)
				return -ENOMEM;
			h->severity = f->severity;
			h->suppressed = f->suppressed;
			h->kev = v && v->kev;
			struct mmr_buf b;
			mmr_buf_init(&b, 64 * 1024);
			for (size_t x = 0; v && x < v->fixed.n; x++)
				mmr_buf_addf(&b, "%s%s", x ? ", " : "", (const char *)v->fixed.v[x]);
			h->fixed = mmr_arena_strndup(a, b.p, b.len);
			mmr_buf_release(&b);
			if (!h->key || !h->fixed || mmr_vec_push(a, ret, h) < 0)
				return -ENOMEM;
		}
	}
	if (ret->n > start)
		qsort(ret->v + start, ret->n - start, sizeof(void *), cmp_key);
	return 0;
}

const char *mmr_vulndb_change_name(enum mmr_vulndb_change_kind k)
{
	switch (k) {
	case MMR_CHANGE_NEW:
		return "new";
	case MMR_CHANGE_FIXED:
		return "fixed";
	case MMR_CHANGE_SEVERITY:
		return "severity";
	case MMR_CHANGE_KEV:
		return "kev";
	}
	return "?";
}

static int add_change(struct mmr_arena *a, struct mmr_vec *ret, enum mmr_vulndb_change_kind k,
		      const struct mmr_vulndb_history_finding *o, const struct mmr_vulndb_history_finding *c)
{
	struct mmr_vulndb_change *ch = mmr_arena_alloc(a, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->kind = k;
	ch->old = o;
	ch->cur = c;
	return mmr_vec_push(a, ret, ch);
}

static int cmp_change(const void *x, const void *y)
{
	const struct mmr_vulndb_change *a = *(void *const *)x, *b = *(void *const *)y;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	const char *ka = a->cur ? a->cur->key : a->old->key, *kb = b->cur ? b->cur->key : b->old->key;
	return strcmp(ka, kb);
}

int mmr_vulndb_history_diff(struct mmr_arena *a, const struct mmr_vec *old, const struct mmr_vec *cur,
			    struct mmr_vec *ret)
{
	struct mmr_map om, cm;
	mmr_map_init(&om, a);
	mmr_map_init(&cm, a);
	for (size_t i = 0; i < old->n; i++) {
		const struct mmr_vulndb_history_finding *f = old->v[i];
		if (!f->suppressed && mmr_map_put(&om, f->key, (void *)f) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct mmr_vulndb_history_finding *f = cur->v[i];
		if (!f->suppressed && mmr_map_put(&cm, f->key, (void *)f) < 0)
			return -ENOMEM;
	}
	size_t start = ret->n;
	for (size_t i = 0; i < cur->n; i++) {
		const struct mmr_vulndb_history_finding *c = cur->v[i];
		if (c->suppressed || mmr_map_get(&cm, c->key) != c)
			continue; /* duplicate keys: the last one stands for all */
		const struct mmr_vulndb_history_finding *o = mmr_map_get(&om, c->key);
		int rc = 0;
		if (!o) {
			rc = add_change(a, ret, MMR_CHANGE_NEW, NULL, c);
		} else {
			if (o->severity != c->severity)
				rc = add_change(a, ret, MMR_CHANGE_SEVERITY, o, c);
			if (rc >= 0 && o->kev != c->kev)
				rc = add_change(a, ret, MMR_CHANGE_KEV, o, c);
		}
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < old->n; i++) {
		const struct mmr_vulndb_history_finding *o = old->v[i];
		if (o->suppressed || mmr_map_get(&om, o->key) != o || mmr_map_has(&cm, o->key))
			continue;
		if (add_change(a, ret, MMR_CHANGE_FIXED, o, NULL) < 0)
			return -ENOMEM;
	}
	if (ret->n > start)
		qsort(ret->v + start, ret->n - start, sizeof(void *), cmp_change);
	return 0;
}
