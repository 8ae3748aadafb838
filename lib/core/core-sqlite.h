/* core-sqlite.h - opening a SQLite store: flags, busy timeout, pragmas and
 * the schema migrations recorded in a schema_version table.
 *
 * Migration i takes the schema from version i to i + 1 and is appended to,
 * never edited. Each runs in its own BEGIN IMMEDIATE transaction that
 * re-reads the version under the write lock (two processes opening a fresh
 * store do not both migrate) and records its version number. */
#ifndef MMR_CORE_SQLITE_H
#define MMR_CORE_SQLITE_H

#include <stdbool.h>

struct mmr_error;
struct sqlite3;

struct mmr_sqlite_schema {
	const char *name;           /* "history store": in error messages */
	int busy_ms;                /* sqlite3_busy_timeout */
	const char *init_sql;       /* run at every open (pragmas, ...); NULL: none */
	const char *const *steps;   /* the migrations; nsteps 0: no schema_version */
	int nsteps;
	bool applied_at;            /* schema_version(version, applied_at) rather than (version) */
};

/* Open path with the sqlite3_open_v2 flags, then set up and migrate the
 * schema. -EIO when SQLite fails, -EPROTO when the store's schema is newer
 * than s->nsteps; reterr names path. *ret_version (may be NULL) is the
 * schema version. */
int mmr_sqlite_open(const char *path, int flags, const struct mmr_sqlite_schema *s, struct sqlite3 **ret,
		    int *ret_version, struct mmr_error *reterr);

#endif
