/* core-sqlite.c - opening a SQLite store (see core-sqlite.h). */
#include "core/core-sqlite.h"
#include "core/core-error.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>

static int exec(sqlite3 *db, const struct mmr_sqlite_schema *s, const char *sql, struct mmr_error *reterr)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = mmr_error_set(reterr, EIO, "", 0, 0, "%s: %s", s->name, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static int current_version(sqlite3 *db, const struct mmr_sqlite_schema *s, int *ret, struct mmr_error *reterr)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return mmr_error_set(reterr, EIO, "", 0, 0, "%s: reading the schema version: %s", s->name,
				     sqlite3_errmsg(db));
	int v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	*ret = v;
	return 0;
}

static int migrate(sqlite3 *db, const struct mmr_sqlite_schema *s, int *ret_version, struct mmr_error *reterr)
{
	int rc = exec(db, s,
		      s->applied_at ? "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL, "
				      "applied_at TEXT NOT NULL)"
				    : "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
		      reterr);
	if (rc < 0)
		return rc;
	int v = 0;
	if ((rc = current_version(db, s, &v, reterr)) < 0)
		return rc;
	if (v > s->nsteps)
		return mmr_error_set(reterr, EPROTO, "", 0, 0, "%s schema %d is newer than this mamori knows (%d)",
				     s->name, v, s->nsteps);
	while (v < s->nsteps) {
		if ((rc = exec(db, s, "BEGIN IMMEDIATE", reterr)) < 0)
			return rc;
		if ((rc = current_version(db, s, &v, reterr)) < 0 || v >= s->nsteps) {
			exec(db, s, rc < 0 ? "ROLLBACK" : "COMMIT", NULL);
			if (rc < 0)
				return rc;
			break;
		}
		char ins[160];
		snprintf(ins, sizeof(ins),
			 s->applied_at ? "INSERT INTO schema_version VALUES (%d, "
					 "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'))"
				       : "INSERT INTO schema_version VALUES (%d)",
			 v + 1);
		if ((rc = exec(db, s, s->steps[v], reterr)) < 0 || (rc = exec(db, s, ins, reterr)) < 0 ||
		    (rc = exec(db, s, "COMMIT", reterr)) < 0) {
			exec(db, s, "ROLLBACK", NULL);
			return rc;
		}
		v++;
	}
	*ret_version = v;
	return 0;
}

int mmr_sqlite_open(const char *path, int flags, const struct mmr_sqlite_schema *s, struct sqlite3 **ret,
		    int *ret_version, struct mmr_error *reterr)
{
	sqlite3 *db = NULL;
	int rc, v = 0;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		rc = mmr_error_set(reterr, EIO, path, 0, 0, "cannot open the %s: %s", s->name,
				   db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, s->busy_ms);
	if (s->init_sql && (rc = exec(db, s, s->init_sql, reterr)) < 0)
		goto fail;
	if (s->nsteps > 0 && (rc = migrate(db, s, &v, reterr)) < 0)
		goto fail;
	*ret = db;
	if (ret_version)
		*ret_version = v;
	return 0;
fail:
	if (reterr && !reterr->file[0])
		snprintf(reterr->file, sizeof(reterr->file), "%s", path);
	sqlite3_close(db);
	return rc;
}
