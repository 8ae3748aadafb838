/* agent-fim.c - live file integrity monitoring in `mamori agent`
 * (lib/runtime/runtime-fim.h).
 *
 * Off unless --fim, --fim-paths or --fim-db is given. Loads the baseline
 * `mamori agent fim init` wrote (or records one at start when there is
 * none), marks the watched paths that write opens, unlink, rename, chmod,
 * chown, link, symlink and mkdir events touch, and re-examines the marked
 * paths once they have been quiet for FIM_SETTLE_NS (at the latest
 * FIM_MAX_WAIT_NS after the first mark), so a file being written is
 * compared when the writer is done. Each change is an alert "File
 * integrity change" (added, modified, deleted, perms). The new state
 * becomes the in-memory baseline (a change is reported once); the database
 * is not rewritten, so `mamori agent fim check` still compares against the
 * recorded baseline. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core-error.h"
#include "runtime/runtime-fim.h"
#include "runtime/runtime-sensor.h"
#include "src/agent-baseline.h"
#include "src/agent.h"
#include "src/cli.h"

#define FIM_SETTLE_NS (300ull * 1000000ull)
#define FIM_MAX_WAIT_NS (2000ull * 1000000ull)
#define FIM_MAX_PATHS MMR_RT_FIM_MAX_ROOTS

static struct {
	bool enabled;
	const char *db;
	char db_default[PATH_MAX + 16];
	char *paths_buf;
	const char *paths[FIM_MAX_PATHS];
	size_t npaths;
	struct mmr_rt_fim *f;
	struct mmr_agent *ag;
	uint64_t first_mark_ns, last_mark_ns;
	/* who marked the paths of the pending batch: pid 0 none, -1 several */
	int32_t batch_pid;
	char batch_comm[MMR_RT_COMM_MAX], batch_exe[MMR_RT_PATH_MAX], batch_user[MMR_RT_NAME_MAX];
	char batch_cid[MMR_RT_CONTAINER_ID_MAX];
	uint64_t marks, rechecks, changes, warnings;
} fim;

static int fim_option(int argc, char **argv, int *i, const char *cmd)
{
	const char *a = argv[*i];
	if (strcmp(a, "--fim") == 0) {
		fim.enabled = true;
		return 1;
	}
	if (strcmp(a, "--fim-paths") != 0 && strcmp(a, "--fim-db") != 0)
		return 0;
	if (*i + 1 >= argc) {
		mmr_cli_usage_error(cmd, "%s needs a value", a);
		return -1;
	}
	const char *val = argv[++*i];
	fim.enabled = true;
	if (strcmp(a, "--fim-db") == 0) {
		fim.db = val;
		return 1;
	}
	free(fim.paths_buf);
	fim.npaths = 0;
	if (!(fim.paths_buf = strdup(val))) {
		fprintf(stderr, "mamori agent: out of memory\n");
		return -1;
	}
	char *save = NULL;
	for (char *t = strtok_r(fim.paths_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (t[0] != '/') {
			mmr_cli_usage_error(cmd, "--fim-paths needs absolute paths: '%s'", t);
			return -1;
		}
		if (fim.npaths >= FIM_MAX_PATHS) {
			mmr_cli_usage_error(cmd, "too many --fim-paths (max 256): '%s'", t);
			return -1;
		}
		fim.paths[fim.npaths++] = t;
	}
	if (!fim.npaths) {
		mmr_cli_usage_error(cmd, "empty --fim-paths '%s'", val);
		return -1;
	}
	return 1;
}

static void on_warn(void *ud, const char *path, int err)
{
	(void)ud;
	if (fim.warnings++ < 20)
		fprintf(stderr, "mamori agent: fim: warning: %s: %s\n", path, strerror(err));
}

static int fim_start(struct mmr_agent *ag)
{
	if (!fim.enabled)
		return 0;
	fim.ag = ag;
	if (!fim.db) {
		int rc = mmr_cli_fim_default_db(fim.db_default, sizeof(fim.db_default));
		if (rc < 0) {
			fprintf(stderr, "mamori agent: fim: no default database path: %s\n", strerror(-rc));
			return rc;
		}
		fim.db = fim.db_default;
	}
	struct mmr_rt_fim_opts o = { 0 };
	if (fim.npaths) {
		o.paths = fim.paths;
		o.npaths = fim.npaths;
	}
	fim.f = mmr_rt_fim_new(&o);
	if (!fim.f) {
		fprintf(stderr, "mamori agent: fim: out of memory or bad paths\n");
		return -ENOMEM;
	}
	mmr_rt_fim_set_warn(fim.f, on_warn, NULL);
	struct mmr_error e = { 0 };
	int rc = mmr_rt_fim_load(fim.f, fim.db, &e);
	if (rc == -ENOENT) {
		fprintf(stderr, "mamori agent: fim: no baseline at %s: recording one of the watched paths now\n",
			fim.db);
		rc = mmr_rt_fim_build(fim.f);
		if (rc < 0) {
			fprintf(stderr, "mamori agent: fim: recording the baseline: %s\n", strerror(-rc));
			return rc;
		}
	} else if (rc < 0) {
		char msg[1200];
		fprintf(stderr, "mamori agent: fim: %s\n", e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
		return rc;
	}
	const char *const *roots;
	size_t nroots = mmr_rt_fim_roots(fim.f, &roots);
	fprintf(stderr, "mamori agent: fim: %zu entries under %zu watched paths (%s%s) from %s\n",
		mmr_rt_fim_count(fim.f), nroots, nroots ? roots[0] : "", nroots > 1 ? ", ..." : "", fim.db);
	if (ag->sensor_opts->type_mask)
		ag->sensor_opts->type_mask |= (1ULL << MMR_SENSOR_OPEN) | (1ULL << MMR_SENSOR_UNLINK) |
					      (1ULL << MMR_SENSOR_RENAME) | (1ULL << MMR_SENSOR_CHMOD) |
					      (1ULL << MMR_SENSOR_CHOWN) | (1ULL << MMR_SENSOR_LINK) |
					      (1ULL << MMR_SENSOR_SYMLINK) | (1ULL << MMR_SENSOR_MKDIR);
	return 0;
}

static void fim_event(struct mmr_agent *ag, const struct mmr_rt_event *ev)
{
	if (!fim.f)
		return;
	int n = mmr_rt_fim_event(fim.f, ev);
	if (n <= 0)
		return;
	fim.marks += (uint64_t)n;
	uint64_t now = ev->ts ? ev->ts : ag->now_ns;
	if (!fim.first_mark_ns)
		fim.first_mark_ns = now;
	fim.last_mark_ns = now;
	const struct mmr_rt_proc *p = ev->proc;
	if (fim.batch_pid == 0 && p) {
		fim.batch_pid = ev->pid;
		mmr_rt_strlcpy(fim.batch_comm, p->comm, sizeof(fim.batch_comm));
		mmr_rt_strlcpy(fim.batch_exe, p->exepath, sizeof(fim.batch_exe));
		mmr_rt_strlcpy(fim.batch_user, p->user, sizeof(fim.batch_user));
		mmr_rt_strlcpy(fim.batch_cid, p->container_id, sizeof(fim.batch_cid));
	} else if (fim.batch_pid != ev->pid) {
		fim.batch_pid = -1;
	}
}

static int on_change(void *ud, const struct mmr_rt_fim_change *c)
{
	struct mmr_agent *ag = ud;
	fim.changes++;
	const char *kind = mmr_rt_fim_change_name(c->kind);
	char text[2 * MMR_RT_FIM_PATH_MAX + 512];
	snprintf(text, sizeof(text), "File integrity change: %s %s%s%s%s", kind, c->path, c->detail[0] ? " (" : "",
		 c->detail, c->detail[0] ? ")" : "");
	json_t *f = json_object();
	json_object_set_new(f, "fim.change", json_string(kind));
	json_object_set_new(f, "fim.path", json_string(c->path));
	json_object_set_new(f, "fim.detail", json_string(c->detail));
	const struct mmr_rt_fim_entry *cur = c->cur ? c->cur : c->old;
	if (cur)
		json_object_set_new(f, "fim.type", json_string(mmr_rt_fim_type_name(cur->type)));
	if (c->old && c->old->sha256[0])
		json_object_set_new(f, "fim.old_sha256", json_string(c->old->sha256));
	if (c->cur && c->cur->sha256[0])
		json_object_set_new(f, "fim.sha256", json_string(c->cur->sha256));
	if (c->old) {
		char m[16];
		snprintf(m, sizeof(m), "%04o", (unsigned)c->old->mode);
		json_object_set_new(f, "fim.old_mode", json_string(m));
	}
	if (c->cur) {
		char m[16];
		snprintf(m, sizeof(m), "%04o", (unsigned)c->cur->mode);
		json_object_set_new(f, "fim.mode", json_string(m));
	}
	if (fim.batch_pid > 0) {
		/* one process touched the paths of this batch: name it */
		json_object_set_new(f, "proc.pid", json_integer(fim.batch_pid));
		json_object_set_new(f, "proc.name", json_string(fim.batch_comm));
		json_object_set_new(f, "proc.exepath", json_string(fim.batch_exe));
		json_object_set_new(f, "user.name", json_string(fim.batch_user));
	}
	json_t *tags = json_array();
	json_array_append_new(tags, json_string("fim"));
	json_array_append_new(tags, json_string(kind));
	const char *prio = c->kind == MMR_RT_FIM_ADDED ? "Notice" : "Warning";
	char *s = mmr_agent_alert_json(ag, "File integrity change", prio, text, f, tags, NULL);
	if (s) {
		mmr_agent_emit(ag, NULL, s);
		free(s);
	}
	return 0;
}

static void recheck(struct mmr_agent *ag)
{
	fim.rechecks++;
	int rc = mmr_rt_fim_recheck(fim.f, on_change, ag);
	if (rc < 0 && rc != -E2BIG)
		fprintf(stderr, "mamori agent: fim: re-check: %s\n", strerror(-rc));
	fim.first_mark_ns = fim.last_mark_ns = 0;
	fim.batch_pid = 0;
}

static void fim_tick(struct mmr_agent *ag)
{
	if (!fim.f || !mmr_rt_fim_marked(fim.f))
		return;
	uint64_t now = ag->now_ns;
	if (now >= fim.last_mark_ns + FIM_SETTLE_NS || now >= fim.first_mark_ns + FIM_MAX_WAIT_NS)
		recheck(ag);
}

static void fim_stats(struct mmr_agent *ag, json_t *o)
{
	(void)ag;
	if (!fim.f)
		return;
	json_t *s = json_object();
	json_object_set_new(s, "entries", json_integer((json_int_t)mmr_rt_fim_count(fim.f)));
	json_object_set_new(s, "marks", json_integer((json_int_t)fim.marks));
	json_object_set_new(s, "rechecks", json_integer((json_int_t)fim.rechecks));
	json_object_set_new(s, "changes", json_integer((json_int_t)fim.changes));
	json_object_set_new(o, "fim", s);
}

static void fim_stop(struct mmr_agent *ag)
{
	if (fim.f && mmr_rt_fim_marked(fim.f))
		recheck(ag); /* what was changed before the stop is still reported */
	mmr_rt_fim_free(fim.f);
	fim.f = NULL;
	free(fim.paths_buf);
	fim.paths_buf = NULL;
}

const struct mmr_agent_module mmr_agent_mod_fim = {
	.name = "fim",
	.usage = "\n"
		 "      Live file integrity (baseline from `mamori agent fim init`):\n"
		 "      --fim              report changes of the watched files as they happen\n"
		 "      --fim-paths P,...  watched paths (default: those of the baseline)\n"
		 "      --fim-db PATH      baseline (default: that of `mamori agent fim`; recorded\n"
		 "                         at start when missing)\n",
	.option = fim_option,
	.start = fim_start,
	.event = fim_event,
	.tick = fim_tick,
	.stats = fim_stats,
	.stop = fim_stop,
};
