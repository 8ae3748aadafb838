/* agent-baseline.c - learned behaviour baselines in `mamori agent`
 * (lib/runtime/runtime-baseline.h), and `mamori agent baseline ...`.
 *
 * Off unless one of --baseline, --baseline-db, --learn, --mode, --workload
 * is given. Every exec, listen/bind/accept, connect and write open goes to
 * the library under the event's workload key (a --workload NAME whose glob
 * matches the container's name or image, else the library's key). An item
 * outside the effective policy of a workload in monitor/protect mode is
 * an alert "Baseline deviation" (Warning; Critical in protect). The
 * baselines are saved to SQLite every few seconds when they changed, and
 * at stop. */
#include "src/agent-baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "runtime/runtime-enforce.h"
#include "runtime/runtime-baseline.h"
#include "runtime/runtime-sensor.h"
#include "src/agent.h"
#include "src/cli.h"

#define BL_DEFAULT_DB "/var/lib/mamori/baselines.db"
#define BL_DEFAULT_QUIET_NS (300ull * 1000000000ull) /* until-stable: 5 min without a new item */
#define BL_SAVE_EVERY_NS (5ull * 1000000000ull)
#define BL_MAX_WORKLOAD_NAMES 64
#define BL_IMPORT_MAX (64u << 20)
#define BL_DEFAULT_DEDUP_NS (10ull * 1000000000ull)

static struct {
	bool enabled;
	const char *db;
	uint64_t learn_ns, quiet_ns;
	bool learn_given, until_stable, mode_given, host;
	enum mmr_rt_bl_mode mode;
	size_t nnames;
	struct {
		char name[128];
		char glob[256];
	} names[BL_MAX_WORKLOAD_NAMES];
	struct mmr_rt_baselines *bl;
	struct mmr_agent *ag;
	uint64_t saved_changes, last_save_ns;
	uint64_t deviations, alerts, saves, save_errors;
	uint64_t dedup_ns;
	struct mmr_rt_enforce_dedup dedup;
	struct mmr_rt_baseline_opts opts;
	uint64_t view_changes; /* mmr_rt_baselines_changes() the view was built at */
	bool view_built;
} st = { .db = BL_DEFAULT_DB, .quiet_ns = BL_DEFAULT_QUIET_NS, .dedup_ns = BL_DEFAULT_DEDUP_NS };

/* The exec view of the protected workloads (see agent-baseline.h). */
struct bl_view {
	struct mmr_arena *arena;
	struct mmr_map wls;   /* key of a workload in protect mode -> itself */
	struct mmr_map items; /* "KEY\x1fEXE" -> origin marker */
};
static char view_learned, view_allowed, view_denied; /* origin markers (addresses) */
static pthread_mutex_t view_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bl_view *view; /* under view_lock */

/* ---- helpers shared with agent-netmap.c and agent-fim.c ---- */

int mmr_agent_parse_duration(const char *s, uint64_t *ret_ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0 || v > 1e7)
		return -EINVAL;
	double mul = 1e9;
	if (strcmp(end, "ms") == 0)
		mul = 1e6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60e9;
	else if (strcmp(end, "h") == 0)
		mul = 3600e9;
	else if (strcmp(end, "d") == 0)
		mul = 86400e9;
	else if (*end && strcmp(end, "s") != 0)
		return -EINVAL;
	*ret_ns = (uint64_t)(v * mul);
	return *ret_ns ? 0 : -EINVAL;
}

int mmr_agent_mkdir_parents(const char *path)
{
	char dir[4096];
	int w = snprintf(dir, sizeof(dir), "%s", path);
	if (w < 0 || (size_t)w >= sizeof(dir))
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char save = *p;
			*p = 0;
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = save;
			if (!save)
				break;
		}
	}
	return 0;
}

/* ---- what the other modules may ask ---- */

void mmr_agent_baseline_key(const struct mmr_rt_event *ev, char *out, size_t size)
{
	const struct mmr_rt_container *c = ev->container;
	for (size_t i = 0; c && i < st.nnames; i++) {
		const char *g = st.names[i].glob;
		if ((c->name[0] && fnmatch(g, c->name, 0) == 0) || (c->image[0] && fnmatch(g, c->image, 0) == 0) ||
		    (c->image_repository[0] && fnmatch(g, c->image_repository, 0) == 0)) {
			snprintf(out, size, "workload:%s", st.names[i].name);
			return;
		}
	}
	mmr_rt_baseline_key(ev, out, size);
}

bool mmr_agent_baseline_allows_exec(const char *workload_key, const char *exe_path)
{
	enum mmr_rt_bl_mode m;
	if (!st.bl || !workload_key || !exe_path || mmr_rt_baselines_get_mode(st.bl, workload_key, &m) < 0 ||
	    m == MMR_RT_BL_LEARN)
		return true;
	return mmr_rt_baselines_allows(st.bl, workload_key, MMR_RT_BL_EXEC, exe_path);
}

bool mmr_agent_baseline_protects(const char *workload_key)
{
	enum mmr_rt_bl_mode m;
	return st.bl && workload_key && mmr_rt_baselines_get_mode(st.bl, workload_key, &m) == 0 &&
	       m == MMR_RT_BL_PROTECT;
}

uint64_t mmr_agent_alert_dedup_ns(void)
{
	return st.dedup_ns;
}

bool mmr_agent_baseline_may_protect(void)
{
	if (!st.bl)
		return false;
	if (st.opts.after_learning == MMR_RT_BL_PROTECT || st.opts.new_mode == MMR_RT_BL_PROTECT)
		return true;
	size_t n = mmr_rt_baselines_n(st.bl);
	for (size_t i = 0; i < n; i++) {
		struct mmr_rt_bl_info in;
		if (mmr_rt_baselines_info(st.bl, i, &in) == 0 && in.mode == MMR_RT_BL_PROTECT)
			return true;
	}
	return false;
}

/* The image without its tag or digest (as mmr_rt_baseline_key). */
static void image_repo(const char *image, char *out, size_t size)
{
	const char *slash = strrchr(image, '/');
	const char *at = strchr(image, '@');
	const char *colon = strchr(slash ? slash : image, ':');
	size_t n = strlen(image);
	if (at)
		n = (size_t)(at - image);
	if (colon && (size_t)(colon - image) < n)
		n = (size_t)(colon - image);
	snprintf(out, size, "%.*s", (int)n, image);
}

void mmr_agent_baseline_key_of(const char *name, const char *image, char *out, size_t size)
{
	char repo[MMR_RT_CONTAINER_STR_MAX];
	image_repo(image ? image : "", repo, sizeof(repo));
	for (size_t i = 0; i < st.nnames; i++) {
		const char *g = st.names[i].glob;
		if ((name && name[0] && fnmatch(g, name, 0) == 0) || (image && image[0] && fnmatch(g, image, 0) == 0) ||
		    (repo[0] && fnmatch(g, repo, 0) == 0)) {
			snprintf(out, size, "workload:%s", st.names[i].name);
			return;
		}
	}
	if (repo[0])
		snprintf(out, size, "image:%s", repo);
	else if (name && name[0])
		snprintf(out, size, "container:%s", name);
	else if (size)
		out[0] = 0;
}

const char *mmr_agent_bl_verdict_text(enum mmr_agent_bl_verdict v)
{
	switch (v) {
	case MMR_AGENT_BL_ALLOWED:
		return "in the baseline";
	case MMR_AGENT_BL_NOT_LEARNED:
		return "not in the learned baseline";
	case MMR_AGENT_BL_DENY_LISTED:
		return "on the baseline's deny list";
	default:
		return "not protected";
	}
}

enum mmr_agent_bl_verdict mmr_agent_baseline_exec_verdict(const char *workload_key, const char *const *names,
							   size_t n)
{
	enum mmr_agent_bl_verdict v = MMR_AGENT_BL_UNPROTECTED;
	if (!workload_key || !workload_key[0])
		return v;
	char k[MMR_RT_BL_KEY_MAX + MMR_RT_BL_ITEM_MAX + 2];
	pthread_mutex_lock(&view_lock);
	if (view && mmr_map_get(&view->wls, workload_key)) {
		v = MMR_AGENT_BL_NOT_LEARNED;
		for (size_t i = 0; i < n; i++) {
			if (!names[i] || !names[i][0])
				continue;
			int w = snprintf(k, sizeof(k), "%s\x1f%s", workload_key, names[i]);
			if (w < 0 || (size_t)w >= sizeof(k))
				continue;
			const char *o = mmr_map_get(&view->items, k);
			if (o == &view_denied) {
				v = MMR_AGENT_BL_DENY_LISTED;
				break;
			}
			if (o == &view_learned || o == &view_allowed)
				v = MMR_AGENT_BL_ALLOWED;
		}
	}
	pthread_mutex_unlock(&view_lock);
	return v;
}

struct view_fill {
	struct bl_view *v;
	const char *key;
	int rc;
	size_t allowing; /* learned or allowed items of the workload */
};

static void view_item(void *ud, const char *item, enum mmr_rt_bl_origin origin)
{
	struct view_fill *f = ud;
	if (f->rc < 0)
		return;
	char *k = mmr_arena_printf(f->v->arena, "%s\x1f%s", f->key, item);
	char *marker = origin == MMR_RT_BL_DENIED ? &view_denied : origin == MMR_RT_BL_ALLOWED ? &view_allowed
											 : &view_learned;
	f->allowing += origin != MMR_RT_BL_DENIED;
	if (!k || mmr_map_put(&f->v->items, k, marker) < 0)
		f->rc = -ENOMEM;
}

static void view_free(struct bl_view *v)
{
	if (v) {
		mmr_arena_free(v->arena);
		free(v);
	}
}

/* Rebuild the view when the baselines changed since it was built. On
 * ENOMEM the old view stays. */
static void view_publish(void)
{
	uint64_t ch = mmr_rt_baselines_changes(st.bl);
	if (st.view_built && ch == st.view_changes)
		return;
	struct bl_view *v = calloc(1, sizeof(*v));
	if (!v || !(v->arena = mmr_arena_new(256u << 20))) {
		free(v);
		return;
	}
	mmr_map_init(&v->wls, v->arena);
	mmr_map_init(&v->items, v->arena);
	struct view_fill f = { .v = v };
	size_t n = mmr_rt_baselines_n(st.bl);
	for (size_t i = 0; i < n && f.rc >= 0; i++) {
		struct mmr_rt_bl_info in;
		if (mmr_rt_baselines_info(st.bl, i, &in) < 0 || in.mode != MMR_RT_BL_PROTECT)
			continue;
		char *key = mmr_arena_strdup(v->arena, in.key);
		if (!key) {
			f.rc = -ENOMEM;
			break;
		}
		f.key = key;
		f.allowing = 0;
		mmr_rt_baselines_foreach(st.bl, key, MMR_RT_BL_EXEC, view_item, &f);
		/* protect with nothing learned or allowed would deny every exec
		 * of the workload (e.g. --mode protect on a new database): such
		 * a workload is not enforced until it has a baseline */
		if (f.allowing && f.rc >= 0 && mmr_map_put(&v->wls, key, key) < 0)
			f.rc = -ENOMEM;
	}
	if (f.rc < 0) {
		view_free(v);
		return;
	}
	pthread_mutex_lock(&view_lock);
	struct bl_view *old = view;
	view = v;
	pthread_mutex_unlock(&view_lock);
	view_free(old);
	st.view_built = true;
	st.view_changes = ch;
}

/* ---- options ---- */

static int bl_option(int argc, char **argv, int *i, const char *cmd)
{
	const char *a = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(a, "--baseline") == 0 || strcmp(a, "--baseline-host") == 0) {
		st.enabled = true;
		st.host |= a[10] == '-';
		return 1;
	}
	if (strcmp(a, "--alert-dedup") == 0) {
		if (!val) {
			mmr_cli_usage_error(cmd, "%s needs a value", a);
			return -1;
		}
		(*i)++;
		if (strcmp(val, "0") == 0 || strcmp(val, "off") == 0)
			st.dedup_ns = 0;
		else if (mmr_agent_parse_duration(val, &st.dedup_ns) < 0) {
			mmr_cli_usage_error(cmd, "bad --alert-dedup '%s' (a duration like 10s, or 0 for off)", val);
			return -1;
		}
		return 1; /* does not turn the baseline module on */
	}
	bool takes = strcmp(a, "--baseline-db") == 0 || strcmp(a, "--learn") == 0 || strcmp(a, "--mode") == 0 ||
		     strcmp(a, "--workload") == 0 || strcmp(a, "--learn-quiet") == 0;
	if (!takes)
		return 0;
	if (!val) {
		mmr_cli_usage_error(cmd, "%s needs a value", a);
		return -1;
	}
	(*i)++;
	st.enabled = true;
	if (strcmp(a, "--baseline-db") == 0) {
		st.db = val;
	} else if (strcmp(a, "--learn") == 0) {
		st.learn_given = true;
		if (strcmp(val, "until-stable") == 0) {
			st.until_stable = true;
		} else if (mmr_agent_parse_duration(val, &st.learn_ns) < 0) {
			mmr_cli_usage_error(cmd, "bad --learn '%s' (a duration like 30s, 10m, 2h, or until-stable)",
					    val);
			return -1;
		}
	} else if (strcmp(a, "--learn-quiet") == 0) {
		if (mmr_agent_parse_duration(val, &st.quiet_ns) < 0) {
			mmr_cli_usage_error(cmd, "bad --learn-quiet '%s' (a duration like 30s, 10m)", val);
			return -1;
		}
	} else if (strcmp(a, "--mode") == 0) {
		int m = mmr_rt_bl_mode_from_name(val);
		if (m < 0) {
			mmr_cli_usage_error(cmd, "bad --mode '%s' (learn, monitor or protect)", val);
			return -1;
		}
		st.mode = (enum mmr_rt_bl_mode)m;
		st.mode_given = true;
	} else {
		const char *eq = strchr(val, '=');
		if (!eq || eq == val || !eq[1] || (size_t)(eq - val) >= sizeof(st.names[0].name) ||
		    strlen(eq + 1) >= sizeof(st.names[0].glob)) {
			mmr_cli_usage_error(cmd, "bad --workload '%s' (NAME=GLOB)", val);
			return -1;
		}
		if (st.nnames >= BL_MAX_WORKLOAD_NAMES) {
			mmr_cli_usage_error(cmd, "too many --workload (max 64): '%s'", val);
			return -1;
		}
		snprintf(st.names[st.nnames].name, sizeof(st.names[0].name), "%.*s", (int)(eq - val), val);
		snprintf(st.names[st.nnames].glob, sizeof(st.names[0].glob), "%s", eq + 1);
		st.nnames++;
	}
	return 1;
}

/* ---- the module ---- */
/* Containers are the workloads (by image, --workload name or label); host
 * processes only with --baseline-host. */

static int bl_start(struct mmr_agent *ag)
{
	if (!st.enabled)
		return 0;
	st.ag = ag;
	struct mmr_rt_baseline_opts o = { 0 };
	o.after_learning = st.mode_given && st.mode == MMR_RT_BL_PROTECT ? MMR_RT_BL_PROTECT : MMR_RT_BL_MONITOR;
	if (st.learn_ns)
		o.learn_ns = st.learn_ns;
	else if (st.until_stable || !st.mode_given || st.mode == MMR_RT_BL_LEARN)
		o.stable_ns = st.quiet_ns;
	/* an explicit --mode monitor/protect (without --learn) also covers new workloads */
	o.new_mode = st.mode_given && !st.learn_given ? st.mode : MMR_RT_BL_LEARN;
	if (st.mode_given && st.mode == MMR_RT_BL_LEARN && !st.learn_ns && !st.until_stable)
		o.stable_ns = 0; /* --mode learn alone: learn until told otherwise */
	st.bl = mmr_rt_baselines_new(&o);
	if (!st.bl) {
		fprintf(stderr, "mamori agent: out of memory\n");
		return -ENOMEM;
	}
	int rc = mmr_agent_mkdir_parents(st.db);
	if (rc < 0) {
		fprintf(stderr, "mamori agent: baseline database %s: cannot create its directory: %s\n", st.db,
			strerror(-rc));
		return rc;
	}
	size_t loaded = 0;
	if (access(st.db, F_OK) == 0) {
		struct mmr_error e = { 0 };
		rc = mmr_rt_baselines_load(st.bl, st.db, &e);
		if (rc < 0) {
			char msg[1200];
			fprintf(stderr, "mamori agent: %s\n",
				e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
			return rc;
		}
		loaded = mmr_rt_baselines_n(st.bl);
		for (size_t i = 0; i < loaded; i++) {
			struct mmr_rt_bl_info in;
			if (mmr_rt_baselines_info(st.bl, i, &in) < 0)
				break;
			if (st.learn_given)
				mmr_rt_baselines_set_mode(st.bl, in.key, MMR_RT_BL_LEARN);
			else if (st.mode_given)
				mmr_rt_baselines_set_mode(st.bl, in.key, st.mode);
		}
	}
	st.saved_changes = mmr_rt_baselines_changes(st.bl);
	st.opts = o;
	st.dedup.window_ns = st.dedup_ns;
	view_publish();
	if (ag->sensor_opts->type_mask)
		ag->sensor_opts->type_mask |= (1ULL << MMR_SENSOR_EXEC) | (1ULL << MMR_SENSOR_CONNECT) |
					      (1ULL << MMR_SENSOR_ACCEPT) | (1ULL << MMR_SENSOR_LISTEN) |
					      (1ULL << MMR_SENSOR_BIND) | (1ULL << MMR_SENSOR_OPEN);
	char win[96];
	if (o.learn_ns)
		snprintf(win, sizeof(win), "learn %.3gs, then %s", (double)o.learn_ns / 1e9,
			 mmr_rt_bl_mode_name(o.after_learning));
	else if (o.stable_ns)
		snprintf(win, sizeof(win), "learn until stable for %.3gs, then %s", (double)o.stable_ns / 1e9,
			 mmr_rt_bl_mode_name(o.after_learning));
	else
		snprintf(win, sizeof(win), "%s", mmr_rt_bl_mode_name(o.new_mode));
	fprintf(stderr, "mamori agent: baselines: %s, %zu workloads loaded; new workloads: %s\n", st.db, loaded,
		o.new_mode == MMR_RT_BL_LEARN ? win : mmr_rt_bl_mode_name(o.new_mode));
	return 0;
}

struct devs {
	size_t n;
	struct mmr_rt_deviation d[6];
};

static void on_dev(void *ud, const struct mmr_rt_deviation *d)
{
	struct devs *v = ud;
	if (v->n < sizeof(v->d) / sizeof(v->d[0]))
		v->d[v->n++] = *d;
}

static bool wants(const struct mmr_rt_event *ev)
{
	switch (ev->type) {
	case MMR_RT_EVT_EXECVE:
	case MMR_RT_EVT_EXECVEAT:
	case MMR_RT_EVT_LISTEN:
	case MMR_RT_EVT_BIND:
	case MMR_RT_EVT_ACCEPT:
	case MMR_RT_EVT_ACCEPT4:
	case MMR_RT_EVT_CONNECT:
	case MMR_RT_EVT_OPEN:
	case MMR_RT_EVT_OPENAT:
	case MMR_RT_EVT_OPENAT2:
	case MMR_RT_EVT_CREAT:
		break;
	default:
		return false;
	}
	const struct mmr_rt_proc *p = ev->proc;
	const struct mmr_rt_container *c = ev->container;
	if (ev->dir == MMR_RT_DIR_ENTER || !p)
		return false;
	if (!c && !p->container_id[0])
		return st.host; /* host processes: only with --baseline-host */
	/* a container without metadata (gone before it could be asked) has no
	 * stable key; the runtime's own set-up (runc init writing the overlay
	 * from the host side) is not the workload's behaviour */
	if (!c || (!c->name[0] && !c->image[0]))
		return false;
	if (strncmp(p->comm, "runc:", 5) == 0 || strncmp(p->exepath, "/dev/fd/", 8) == 0 ||
	    strncmp(p->exepath, "/memfd:", 7) == 0 || mmr_rt_enforce_protected_comm(p->comm))
		return false;
	/* runc re-executing its own clone (execveat of an fd, no name): the
	 * exe reads as the container's root once stripped */
	if (ev->type == MMR_RT_EVT_EXECVE || ev->type == MMR_RT_EVT_EXECVEAT) {
		const struct mmr_rt_evt_arg *fa = mmr_rt_event_arg(ev, "filename");
		if (strcmp(p->exepath, "/") == 0 || (fa && !fa->value[0] && !p->exepath[0]))
			return false;
	}
	return true;
}

/* snprintf where cutting a long text short is fine */
__attribute__((format(printf, 3, 4))) static void trunc_printf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	(void)w;
}

/* "exec of /bin/nc by /bin/sh as root", "connection to 1.2.3.4:443", ... */
static void what_text(const struct mmr_agent *ag, const struct mmr_rt_event *ev, const struct devs *v, char *out,
		      size_t size)
{
	const struct mmr_rt_proc *p = ev->proc;
	const struct mmr_rt_deviation *d = &v->d[0];
	switch (d->kind) {
	case MMR_RT_BL_EXEC:
	case MMR_RT_BL_EXEC_PARENT:
	case MMR_RT_BL_USER: {
		const struct mmr_rt_proc *pp = mmr_rt_proctab_get(ag->host->procs, p->ppid);
		char user[MMR_RT_NAME_MAX + 16];
		if (p->user[0])
			trunc_printf(user, sizeof(user), "%s", p->user);
		else
			trunc_printf(user, sizeof(user), "uid %u", p->uid);
		trunc_printf(out, size, "exec of %s by %s as %s", p->exepath[0] ? p->exepath : mmr_rt_proc_argv0(p),
			 pp ? (pp->exepath[0] ? pp->exepath : pp->comm) : "?", user);
		break;
	}
	case MMR_RT_BL_PEER:
	case MMR_RT_BL_DNS:
		trunc_printf(out, size, "connection to %s%s%s%s", d->kind == MMR_RT_BL_PEER ? d->item : ev->fd.name,
			 ev->fd.sip_name[0] ? " (" : "", ev->fd.sip_name, ev->fd.sip_name[0] ? ")" : "");
		break;
	case MMR_RT_BL_LISTEN:
		trunc_printf(out, size, "listen on %s", d->item);
		break;
	case MMR_RT_BL_WRITE_DIR:
		trunc_printf(out, size, "write to %s", ev->fd.name);
		break;
	default:
		trunc_printf(out, size, "%s %s", mmr_rt_bl_kind_name(d->kind), d->item);
	}
}

static void emit(struct mmr_agent *ag, const struct mmr_rt_event *ev, const struct devs *v)
{
	const struct mmr_rt_deviation *d0 = &v->d[0];
	char what[1200], kinds[512] = "", where[1024];
	size_t off = 0;
	bool denied = false;
	json_t *arr = json_array();
	for (size_t i = 0; i < v->n; i++) {
		const struct mmr_rt_deviation *d = &v->d[i];
		denied |= d->denied;
		int w = snprintf(kinds + off, sizeof(kinds) - off, "%s%s %s%s", i ? ", " : "", mmr_rt_bl_kind_name(d->kind),
				 d->item, d->denied ? " (denied)" : "");
		if (w > 0 && (size_t)w < sizeof(kinds) - off)
			off += (size_t)w;
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(mmr_rt_bl_kind_name(d->kind)));
		json_object_set_new(o, "item", json_string(d->item));
		json_object_set_new(o, "denied", json_boolean(d->denied));
		json_array_append_new(arr, o);
	}
	what_text(ag, ev, v, what, sizeof(what));
	const struct mmr_rt_container *c = ev->container;
	if (c)
		trunc_printf(where, sizeof(where), "in container %s (id %.12s, image %s)", c->name[0] ? c->name : "?", c->id,
			 c->image[0] ? c->image : "?");
	else
		trunc_printf(where, sizeof(where), "on the host (pid %d)", ev->pid);
	char text[4096];
	trunc_printf(text, sizeof(text),
		 "Baseline deviation: unexpected %s %s; breaks baseline of workload %s (digest %s, mode %s): %s",
		 what, where, d0->workload, d0->digest[0] ? d0->digest : "none", mmr_rt_bl_mode_name(d0->mode),
		 denied ? "on its deny list" : "not in the learned baseline");
	json_t *f = json_object();
	json_object_set_new(f, "baseline.workload", json_string(d0->workload));
	json_object_set_new(f, "baseline.digest", json_string(d0->digest));
	json_object_set_new(f, "baseline.mode", json_string(mmr_rt_bl_mode_name(d0->mode)));
	json_object_set_new(f, "baseline.kind", json_string(mmr_rt_bl_kind_name(d0->kind)));
	json_object_set_new(f, "baseline.item", json_string(d0->item));
	json_object_set_new(f, "baseline.denied", json_boolean(denied));
	json_object_set_new(f, "baseline.deviations", arr);
	json_object_set_new(f, "baseline.summary", json_string(kinds));
	json_object_set_new(f, "evt.type", json_string(mmr_rt_evt_type_name(ev->type)));
	if (ev->fd.name[0])
		json_object_set_new(f, "fd.name", json_string(ev->fd.name));
	if (ev->proc) {
		const struct mmr_rt_proc *pp = mmr_rt_proctab_get(ag->host->procs, ev->proc->ppid);
		if (pp)
			json_object_set_new(f, "proc.pexepath", json_string(pp->exepath[0] ? pp->exepath : pp->comm));
	}
	json_t *tags = json_array();
	json_array_append_new(tags, json_string("baseline"));
	json_array_append_new(tags, json_string(mmr_rt_bl_kind_name(d0->kind)));
	const char *prio = d0->mode == MMR_RT_BL_PROTECT ? "Critical" : "Warning";
	/* the same deviation of the same workload again within the window: counted, not raised */
	char dk[MMR_RT_BL_KEY_MAX + MMR_RT_BL_ITEM_MAX + 32];
	trunc_printf(dk, sizeof(dk), "%s\x1f%s\x1f%s\x1f%s", d0->workload, mmr_rt_bl_mode_name(d0->mode),
		     mmr_rt_bl_kind_name(d0->kind), d0->item);
	if (!mmr_rt_enforce_dedup_check(&st.dedup, dk, ag->now_ns)) {
		json_decref(f);
		json_decref(tags);
		return;
	}
	char *s = mmr_agent_alert_json(ag, "Baseline deviation", prio, text, f, tags, ev);
	if (s) {
		st.alerts++;
		mmr_agent_emit(ag, ev, s);
		free(s);
	}
}

static void bl_event(struct mmr_agent *ag, const struct mmr_rt_event *ev)
{
	if (!st.bl || !wants(ev))
		return;
	char key[MMR_RT_BL_KEY_MAX];
	mmr_agent_baseline_key(ev, key, sizeof(key));
	struct devs v = { 0 };
	int n = mmr_rt_baselines_event_as(st.bl, key, ev, ag->host->procs, on_dev, &v);
	if (n <= 0 || !v.n)
		return;
	st.deviations += (uint64_t)n;
	emit(ag, ev, &v);
}

static void save(bool force)
{
	uint64_t ch = mmr_rt_baselines_changes(st.bl);
	if (ch == st.saved_changes && !force)
		return;
	int rc = mmr_rt_baselines_save(st.bl, st.db);
	if (rc < 0) {
		if (st.save_errors++ == 0)
			fprintf(stderr, "mamori agent: saving baselines to %s: %s\n", st.db, strerror(-rc));
		return;
	}
	st.saves++;
	st.saved_changes = ch;
}

static void bl_tick(struct mmr_agent *ag)
{
	if (!st.bl)
		return;
	view_publish();
	if (ag->now_ns >= st.last_save_ns + BL_SAVE_EVERY_NS) {
		st.last_save_ns = ag->now_ns;
		save(false);
	}
}

static void bl_stats(struct mmr_agent *ag, json_t *o)
{
	(void)ag;
	if (!st.bl)
		return;
	json_t *b = json_object();
	json_object_set_new(b, "workloads", json_integer((json_int_t)mmr_rt_baselines_n(st.bl)));
	json_object_set_new(b, "deviations", json_integer((json_int_t)st.deviations));
	json_object_set_new(b, "alerts", json_integer((json_int_t)st.alerts));
	json_object_set_new(b, "saves", json_integer((json_int_t)st.saves));
	json_object_set_new(b, "save_errors", json_integer((json_int_t)st.save_errors));
	json_object_set_new(b, "suppressed", json_integer((json_int_t)st.dedup.suppressed));
	json_object_set_new(o, "baseline", b);
}

static void bl_stop(struct mmr_agent *ag)
{
	(void)ag;
	if (!st.bl)
		return;
	if (mmr_rt_baselines_changes(st.bl) != st.saved_changes)
		save(true);
	pthread_mutex_lock(&view_lock);
	struct bl_view *v = view;
	view = NULL;
	pthread_mutex_unlock(&view_lock);
	view_free(v);
	mmr_rt_baselines_free(st.bl);
	st.bl = NULL;
}

const struct mmr_agent_module mmr_agent_mod_baseline = {
	.name = "baseline",
	.usage = "\n"
		 "      Learned baselines (any of these turns them on; `mamori agent baseline --help`):\n"
		 "      --baseline         learn/monitor workload baselines with the defaults below\n"
		 "      --baseline-host    also learn host processes (workload host:/path/of/exe)\n"
		 "      --baseline-db PATH SQLite store (default " BL_DEFAULT_DB ")\n"
		 "      --learn DURATION   learn each new workload for DURATION (30s, 10m, 2h)\n"
		 "                         from its first event, then monitor (or protect);\n"
		 "                         `until-stable`: until no new item for --learn-quiet\n"
		 "      --learn-quiet D    quiet period of until-stable (default 5m; also the\n"
		 "                         default when neither --learn nor --mode is given)\n"
		 "      --mode M           learn, monitor or protect for every workload (default:\n"
		 "                         each stored workload keeps its mode, new ones learn);\n"
		 "                         protect denies execs outside the baseline (fanotify)\n"
		 "      --workload N=GLOB  file containers whose name or image matches GLOB under\n"
		 "                         workload N instead of their image (repeatable)\n"
		 "      --alert-dedup D    raise identical deviation/enforcement alerts (same\n"
		 "                         workload and item) once per D (default 10s; 0: off)\n",
	.option = bl_option,
	.start = bl_start,
	.event = bl_event,
	.tick = bl_tick,
	.stats = bl_stats,
	.stop = bl_stop,
};

/* ---- mamori agent baseline ... ---- */

static const char usage_bl[] =
	"Usage: mamori agent baseline list [--baseline-db PATH]\n"
	"       mamori agent baseline show WORKLOAD\n"
	"       mamori agent baseline export [WORKLOAD] [-o FILE]\n"
	"       mamori agent baseline import FILE\n"
	"       mamori agent baseline mode WORKLOAD learn|monitor|protect\n"
	"       mamori agent baseline reset WORKLOAD\n"
	"\n"
	"The learned baselines of `mamori agent --baseline` (SQLite, default\n" BL_DEFAULT_DB ").\n"
	"A workload is \"image:REPO\" (its image digest kept beside it), \"workload:NAME\"\n"
	"(--workload NAME=GLOB or the container label io.mamori.workload),\n"
	"\"container:NAME\" or \"host:/path/of/exe\". Items: exec, exec_parent\n"
	"(\"PARENT>EXE\"), user, listen (\"tcp/8080\"), peer (\"IP:PORT\"), dns, write_dir.\n"
	"The effective policy is learned + allow - deny; `import` merges a YAML file\n"
	"in the format `export` writes (allow:/deny: sections are manual items).\n"
	"`reset` drops the learned items (manual ones stay) and learns again.\n"
	"Edit the database while the agent is stopped: a running agent saves over it.\n";

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = mmr_read_fd(fd, BL_IMPORT_MAX, ret, ret_len);
	close(fd);
	return rc == -EFBIG ? -E2BIG : rc;
}

static int write_out(const char *cmd, const char *file, const struct mmr_buf *b)
{
	FILE *f = file ? fopen(file, "we") : stdout;
	if (!f) {
		fprintf(stderr, "mamori %s: %s: %s\n", cmd, file, strerror(errno));
		return EXIT_USAGE;
	}
	bool ok = fwrite(b->p, 1, b->len, f) == b->len;
	ok &= file ? fclose(f) == 0 : fflush(f) == 0;
	if (!ok) {
		fprintf(stderr, "mamori %s: cannot write %s\n", cmd, file ? file : "stdout");
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

int mmr_cli_agent_baseline(int argc, char **argv, const char *cmd_unused)
{
	(void)cmd_unused;
	const char *cmd = "agent baseline";
	const char *db = BL_DEFAULT_DB, *outfile = NULL;
	const char *pos[4];
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_bl, stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--baseline-db") == 0 || strcmp(a, "--db") == 0) {
			if (!val)
				return mmr_cli_usage_error(cmd, "%s needs a path", a);
			db = val;
			i++;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (!val)
				return mmr_cli_usage_error(cmd, "%s needs a file", a);
			outfile = val;
			i++;
		} else if (a[0] == '-' && a[1]) {
			return mmr_cli_usage_error(cmd, "unknown argument '%s'", a);
		} else {
			if (npos >= 4)
				return mmr_cli_usage_error(cmd, "too many arguments: '%s'", a);
			pos[npos++] = a;
		}
	}
	if (!npos) {
		fputs(usage_bl, stderr);
		return EXIT_USAGE;
	}
	const char *sub = pos[0];
	static const struct {
		const char *name;
		int min, max;
	} subs[] = { { "list", 1, 1 }, { "show", 2, 2 }, { "export", 1, 2 },
		     { "import", 2, 2 }, { "mode", 3, 3 }, { "reset", 2, 2 } };
	int which = -1;
	for (int i = 0; i < 6; i++)
		if (strcmp(sub, subs[i].name) == 0)
			which = i;
	if (which < 0)
		return mmr_cli_usage_error(cmd, "unknown subcommand '%s' (list, show, export, import, mode, reset)",
					   sub);
	if (npos < subs[which].min || npos > subs[which].max)
		return mmr_cli_usage_error(cmd, "wrong number of arguments for '%s'", sub);
	bool import = which == 3;
	bool writes = import || which == 4 || which == 5;
	int mode = -1;
	if (which == 4 && (mode = mmr_rt_bl_mode_from_name(pos[2])) < 0)
		return mmr_cli_usage_error(cmd, "bad mode '%s' (learn, monitor or protect)", pos[2]);

	struct mmr_rt_baselines *bl = mmr_rt_baselines_new(NULL);
	if (!bl) {
		fprintf(stderr, "mamori %s: out of memory\n", cmd);
		return EXIT_INTERNAL;
	}
	int ret = EXIT_INTERNAL, rc;
	struct mmr_error e = { 0 };
	char msg[1200];
	struct mmr_buf out;
	mmr_buf_init(&out, 256u << 20);
	if (access(db, F_OK) == 0) {
		if ((rc = mmr_rt_baselines_load(bl, db, &e)) < 0) {
			fprintf(stderr, "mamori %s: %s\n", cmd, e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
			ret = rc == -EPROTO ? EXIT_USAGE : EXIT_INTERNAL;
			goto out;
		}
	} else if (!import) {
		fprintf(stderr, "mamori %s: no baseline database at %s (run `mamori agent --baseline`)\n", cmd, db);
		ret = EXIT_USAGE;
		goto out;
	}
	const char *wl = npos > 1 && !import ? pos[1] : NULL;
	enum mmr_rt_bl_mode cur;
	if (wl && mmr_rt_baselines_get_mode(bl, wl, &cur) < 0) {
		fprintf(stderr, "mamori %s: no workload '%s' in %s (see `mamori agent baseline list`)\n", cmd, wl, db);
		ret = EXIT_USAGE;
		goto out;
	}
	switch (which) {
	case 0: {
		size_t n = mmr_rt_baselines_n(bl);
		printf("%-40s %-8s %7s %6s %5s  %s\n", "WORKLOAD", "MODE", "LEARNED", "ALLOW", "DENY", "DIGEST");
		for (size_t i = 0; i < n; i++) {
			struct mmr_rt_bl_info in;
			if (mmr_rt_baselines_info(bl, i, &in) < 0)
				break;
			printf("%-40s %-8s %7zu %6zu %5zu  %s\n", in.key, mmr_rt_bl_mode_name(in.mode), in.learned,
			       in.allowed, in.denied, in.digest[0] ? in.digest : "-");
		}
		ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_INTERNAL;
		goto out;
	}
	case 1:
	case 2:
		rc = mmr_rt_baselines_export_yaml_one(bl, wl, &out);
		if (rc < 0) {
			fprintf(stderr, "mamori %s: %s\n", cmd, strerror(-rc));
			goto out;
		}
		ret = write_out(cmd, which == 2 ? outfile : NULL, &out);
		goto out;
	case 3: {
		char *data = NULL;
		size_t len = 0;
		if ((rc = read_all(pos[1], &data, &len)) < 0) {
			fprintf(stderr, "mamori %s: %s: %s\n", cmd, pos[1], strerror(-rc));
			ret = EXIT_USAGE;
			goto out;
		}
		rc = mmr_rt_baselines_import_yaml(bl, data, len, pos[1], &e);
		free(data);
		if (rc < 0) {
			fprintf(stderr, "mamori %s: %s\n", cmd,
				e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
			ret = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
		break;
	}
	case 4:
		rc = mmr_rt_baselines_set_mode(bl, wl, (enum mmr_rt_bl_mode)mode);
		break;
	case 5:
		rc = mmr_rt_baselines_reset(bl, wl);
		break;
	}
	if (writes) {
		if (rc < 0 || (rc = mmr_agent_mkdir_parents(db)) < 0 || (rc = mmr_rt_baselines_save(bl, db)) < 0) {
			fprintf(stderr, "mamori %s: %s: %s\n", cmd, db, strerror(-rc));
			goto out;
		}
		if (import)
			fprintf(stderr, "mamori %s: %s imported into %s (%zu workloads)\n", cmd, pos[1], db,
				mmr_rt_baselines_n(bl));
		else if (which == 4)
			fprintf(stderr, "mamori %s: %s: mode %s\n", cmd, wl, pos[2]);
		else
			fprintf(stderr, "mamori %s: %s: learned items dropped, learning again\n", cmd, wl);
		ret = EXIT_OK;
	}
out:
	mmr_buf_release(&out);
	mmr_rt_baselines_free(bl);
	return ret;
}
