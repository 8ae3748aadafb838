/* runtime-fim.h - file integrity monitoring: a hash baseline of configured
 * paths, a full check against it, and live re-checks of the paths the
 * sensor saw being changed.
 *
 * Each file under the roots is recorded with its type (file, symlink,
 * dir, other), permission bits (07777), uid, gid, size, mtime and, for a
 * regular file, the SHA-256 of its content (streamed in 64 KiB chunks:
 * constant memory for any size; each file is read once per pass); for a
 * symlink the target text (never followed). Roots may be glob patterns
 * ("/home/ * /.ssh/authorized_keys", without the spaces); a root that does not
 * exist is skipped. Walks stay on the device of their root.
 * A change is one of: added, modified (type, content or link target),
 * deleted, perms (mode, uid or gid); one path may give both modified and
 * perms. Unreadable files and entries that cannot be recorded are passed
 * to the warning callback and never fail the pass (their content is not
 * compared).
 *
 * Limits: opts.max_files files in one baseline (-E2BIG beyond: a partial
 * walk would report the rest as deleted), MMR_RT_FIM_PATH_MAX bytes per
 * path (longer ones are warned about and skipped), MMR_RT_FIM_MAX_DEPTH
 * directory levels below a root, MMR_RT_FIM_MAX_MARKED paths marked for a
 * live re-check (beyond it the next recheck does a full check).
 * Errors: -ENOMEM, -EINVAL, -E2BIG, -EIO (SQLite), -EPROTO (schema
 * version). The library never prints. */
#ifndef MMR_RUNTIME_FIM_H
#define MMR_RUNTIME_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime-event.h"

struct mmr_arena;
struct mmr_error;
struct mmr_finding;

#define MMR_RT_FIM_PATH_MAX 4096
#define MMR_RT_FIM_MAX_DEPTH 64
#define MMR_RT_FIM_MAX_MARKED 65536
#define MMR_RT_FIM_MAX_FILES_DEFAULT 1000000
#define MMR_RT_FIM_MAX_ROOTS 256

enum mmr_rt_fim_type { MMR_RT_FIM_FILE, MMR_RT_FIM_SYMLINK, MMR_RT_FIM_DIR, MMR_RT_FIM_OTHER };
const char *mmr_rt_fim_type_name(unsigned t);

#define MMR_RT_FIM_UNREADABLE 1u /* content could not be read: not compared */

struct mmr_rt_fim_entry {
	char *path;
	char *target; /* symlink target, NULL otherwise */
	uint8_t type; /* enum mmr_rt_fim_type */
	uint8_t flags;
	uint32_t mode; /* st_mode & 07777 */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime_ns;
	char sha256[65]; /* hex; "" when not a readable regular file */
};

enum mmr_rt_fim_change_kind { MMR_RT_FIM_ADDED, MMR_RT_FIM_MODIFIED, MMR_RT_FIM_DELETED, MMR_RT_FIM_PERMS };
/* "added", "modified", "deleted", "perms" (rule id "fim/<name>"). */
const char *mmr_rt_fim_change_name(unsigned k);

struct mmr_rt_fim_change {
	enum mmr_rt_fim_change_kind kind;
	const char *path;
	const struct mmr_rt_fim_entry *old, *cur; /* NULL for added / deleted */
	char detail[2 * MMR_RT_FIM_PATH_MAX + 256]; /* "sha256 ab.. -> cd..", "mode 0644 -> 0666" */
};

struct mmr_rt_fim_opts {
	const char *const *paths; /* roots; NULL: mmr_rt_fim_default_paths */
	size_t npaths;
	size_t max_files; /* 0: MMR_RT_FIM_MAX_FILES_DEFAULT */
};
extern const char *const mmr_rt_fim_default_paths[];
extern const size_t mmr_rt_fim_default_npaths;

/* Called for a path that could not be recorded fully (err: positive errno). */
typedef void (*mmr_rt_fim_warn_fn)(void *ud, const char *path, int err);
/* Called once per change, in path order (then kind); a negative return stops. */
typedef int (*mmr_rt_fim_change_fn)(void *ud, const struct mmr_rt_fim_change *c);

struct mmr_rt_fim;

/* NULL on ENOMEM or bad options (a relative root, too many roots). */
struct mmr_rt_fim *mmr_rt_fim_new(const struct mmr_rt_fim_opts *opts);
void mmr_rt_fim_free(struct mmr_rt_fim *f); /* NULL no-op */
void mmr_rt_fim_set_warn(struct mmr_rt_fim *f, mmr_rt_fim_warn_fn fn, void *ud);

/* Walk the roots and make the result the baseline. Returns the number of
 * entries recorded. */
int mmr_rt_fim_build(struct mmr_rt_fim *f);
/* Walk the roots and report every change against the baseline; with
 * update, the walk then becomes the baseline. Baseline entries outside
 * the roots are neither compared nor dropped. Returns the number of
 * changes. */
int mmr_rt_fim_check(struct mmr_rt_fim *f, bool update, mmr_rt_fim_change_fn fn, void *ud);

/* Live: mark the paths an event changed (write/create/truncate opens,
 * unlink, rename both ends, chmod, chown, link, symlink, mkdir, rmdir)
 * when they lie under a root. Failed syscalls are ignored. Returns the
 * number of paths marked. */
int mmr_rt_fim_event(struct mmr_rt_fim *f, const struct mmr_rt_event *ev);
size_t mmr_rt_fim_marked(const struct mmr_rt_fim *f);
/* Re-examine only the marked paths (a directory with its subtree), report
 * their changes against the baseline and take the new state into the
 * in-memory baseline, so a change is reported once; then clear the marks.
 * Returns the number of changes. */
int mmr_rt_fim_recheck(struct mmr_rt_fim *f, mmr_rt_fim_change_fn fn, void *ud);

size_t mmr_rt_fim_count(const struct mmr_rt_fim *f);
const struct mmr_rt_fim_entry *mmr_rt_fim_get(const struct mmr_rt_fim *f, const char *path);
/* The roots in use (after loading: the stored ones unless opts gave paths). */
size_t mmr_rt_fim_roots(const struct mmr_rt_fim *f, const char *const **ret_roots);

/* SQLite (WAL; tables schema_version = 1, roots, files). save replaces
 * the stored baseline and roots; load replaces the in-memory baseline and,
 * when the fim was created without paths, takes the stored roots. load
 * gives -ENOENT when the file does not exist. */
int mmr_rt_fim_save(const struct mmr_rt_fim *f, const char *path);
int mmr_rt_fim_load(struct mmr_rt_fim *f, const char *path, struct mmr_error *reterr);

/* The change as a finding: kind RUNTIME, rule "fim/<kind>", location file =
 * the path, evidence = detail. */
int mmr_rt_fim_change_finding(struct mmr_arena *a, const struct mmr_rt_fim_change *c,
			      struct mmr_finding **ret);

#endif
