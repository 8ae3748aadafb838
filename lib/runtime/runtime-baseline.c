/* runtime-baseline.c - learned behaviour baselines (see the header). */
#include "runtime/runtime-baseline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-hash.h"
#include "core/core-json.h"
#include "core/core-sqlite.h"
#include "core/core-vec.h"
#include "model/model.h"

static const char *const mode_names[] = { "learn", "monitor", "protect" };
static const char *const kind_names[] = {
#define MMR_RT_BL_X(id, name) name,
	MMR_RT_BL_KINDS(MMR_RT_BL_X)
#undef MMR_RT_BL_X
};
/* item origins (map values) */
static char origin_learned[] = "learned", origin_allow[] = "allow", origin_deny[] = "deny";

const char *mmr_rt_bl_mode_name(enum mmr_rt_bl_mode m)
{
	return (unsigned)m < 3 ? mode_names[m] : "?";
}

int mmr_rt_bl_mode_from_name(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, mode_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *mmr_rt_bl_kind_name(enum mmr_rt_bl_kind k)
{
	return (unsigned)k < MMR_RT_BL__COUNT ? kind_names[k] : "?";
}

int mmr_rt_bl_kind_from_name(const char *s)
{
	for (int i = 0; i < MMR_RT_BL__COUNT; i++)
		if (s && strcmp(s, kind_names[i]) == 0)
			return i;
	return -EINVAL;
}

struct bl_wl {
	const char *key;
	char digest[MMR_RT_NAME_MAX * 2];
	enum mmr_rt_bl_mode mode;
	uint64_t first_ts, last_new_ts;
	struct mmr_map items; /* "KIND\x1fITEM" -> origin */
	size_t nitems;
};

struct mmr_rt_baselines {
	struct mmr_arena *arena;
	struct mmr_rt_baseline_opts opts;
	struct mmr_map wls;  /* key -> struct bl_wl */
	struct mmr_vec list; /* struct bl_wl * */
	uint64_t over_limit;
	uint64_t changes;    /* bumped on every change worth saving */
};

struct mmr_rt_baselines *mmr_rt_baselines_new(const struct mmr_rt_baseline_opts *opts)
{
	struct mmr_rt_baselines *b = calloc(1, sizeof(*b));
	if (!b || !(b->arena = mmr_arena_new(MMR_ARENA_DEFAULT_CAP))) {
		free(b);
		return NULL;
	}
	if (opts)
		b->opts = *opts;
	if (b->opts.after_learning == MMR_RT_BL_LEARN)
		b->opts.after_learning = MMR_RT_BL_MONITOR;
	if (!b->opts.max_workloads)
		b->opts.max_workloads = 4096;
	if (!b->opts.max_items)
		b->opts.max_items = 4096;
	mmr_map_init(&b->wls, b->arena);
	return b;
}

void mmr_rt_baselines_free(struct mmr_rt_baselines *b)
{
	if (!b)
		return;
	mmr_arena_free(b->arena);
	free(b);
}

void mmr_rt_baseline_key(const struct mmr_rt_event *ev, char *out, size_t size)
{
	const struct mmr_rt_container *c = ev->container;
	const struct mmr_rt_proc *p = ev->proc;
	const char *w = c ? mmr_rt_container_label(c, "io.mamori.workload") : NULL;
	if (w && *w) {
		snprintf(out, size, "workload:%s", w);
	} else if (c && c->image_repository[0]) {
		snprintf(out, size, "image:%s", c->image_repository);
	} else if (c && c->image[0]) {
		/* strip a tag (the ':' after the last '/') and a digest */
		const char *slash = strrchr(c->image, '/');
		const char *at = strchr(c->image, '@');
		const char *colon = strchr(slash ? slash : c->image, ':');
		size_t n = strlen(c->image);
		if (at)
			n = (size_t)(at - c->image);
		if (colon && (size_t)(colon - c->image) < n)
			n = (size_t)(colon - c->image);
		snprintf(out, size, "image:%.*s", (int)n, c->image);
	} else if (c && c->name[0]) {
		snprintf(out, size, "container:%s", c->name);
	} else if (c) {
		snprintf(out, size, "container:%.12s", c->id);
	} else if (p && p->container_id[0]) {
		snprintf(out, size, "container:%.12s", p->container_id);
	} else {
		snprintf(out, size, "host:%s", p && p->exepath[0] ? p->exepath : p ? p->comm : "?");
	}
}

static struct bl_wl *wl_get(struct mmr_rt_baselines *b, const char *key, bool create, int *ret_rc)
{
	*ret_rc = 0;
	struct bl_wl *w = mmr_map_get(&b->wls, key);
	if (w || !create)
		return w;
	if (b->list.n >= b->opts.max_workloads) {
		b->over_limit++;
		*ret_rc = -E2BIG;
		return NULL;
	}
	w = mmr_arena_alloc(b->arena, sizeof(*w));
	if (!w || !(w->key = mmr_arena_strdup(b->arena, key)) || mmr_map_put(&b->wls, w->key, w) < 0 ||
	    mmr_vec_push(b->arena, &b->list, w) < 0) {
		*ret_rc = -ENOMEM;
		return NULL;
	}
	mmr_map_init(&w->items, b->arena);
	return w;
}

static int item_key(enum mmr_rt_bl_kind kind, const char *item, char *out, size_t size)
{
	int n = snprintf(out, size, "%s\x1f%s", kind_names[kind], item);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

static int item_put(struct mmr_rt_baselines *b, struct bl_wl *w, enum mmr_rt_bl_kind kind, const char *item,
		    char *origin)
{
	char k[MMR_RT_BL_ITEM_MAX + 32];
	if (item_key(kind, item, k, sizeof(k)) < 0)
		return -E2BIG;
	char *cur = mmr_map_get(&w->items, k);
	if (cur) {
		if (origin == origin_learned || cur == origin)
			return 0;
		/* manual entries override (the map keeps no copy of keys) */
		char *kk = mmr_arena_strdup(b->arena, k);
		b->changes++;
		return !kk || mmr_map_put(&w->items, kk, origin) < 0 ? -ENOMEM : 0;
	}
	if (w->nitems >= b->opts.max_items) {
		b->over_limit++;
		return -E2BIG;
	}
	char *kk = mmr_arena_strdup(b->arena, k);
	if (!kk || mmr_map_put(&w->items, kk, origin) < 0)
		return -ENOMEM;
	w->nitems++;
	b->changes++;
	return 1;
}

static void wl_relearn(struct bl_wl *w, uint64_t ts)
{
	for (size_t i = 0; i < w->items.cap; i++)
		if (w->items.slots[i].val == origin_learned) {
			if (mmr_map_del(&w->items, w->items.slots[i].key))
				w->nitems--;
		}
	w->mode = MMR_RT_BL_LEARN;
	w->first_ts = ts;
	w->last_new_ts = ts;
}

struct ev_items {
	unsigned n;
	enum mmr_rt_bl_kind kind[4];
	char item[4][MMR_RT_BL_ITEM_MAX];
	char alt_exe[MMR_RT_PATH_MAX]; /* the exec item's other name ("" none) */
};

/* The file an exec asked for as the process named it (argument filename;
 * a relative name joined to the cwd): stable, unlike /proc/PID/exe, which
 * the sensor reads only while the process lives (a busybox applet reads
 * /bin/busybox then, /bin/ls once it exited). "" when unknown. */
static void exec_given(const struct mmr_rt_event *ev, const struct mmr_rt_proc *p, char *out, size_t size)
{
	const struct mmr_rt_evt_arg *a = mmr_rt_event_arg(ev, "filename");
	out[0] = 0;
	if (!a || !a->value[0])
		return;
	if (a->value[0] == '/') {
		mmr_rt_strlcpy(out, a->value, size);
		return;
	}
	if (!p->cwd[0])
		return;
	const char *rel = a->value;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	size_t cl = strlen(p->cwd);
	int w = snprintf(out, size, "%s%s%s", p->cwd, p->cwd[cl - 1] == '/' ? "" : "/", rel);
	if (w < 0 || (size_t)w >= size)
		out[0] = 0; /* too long to name: the resolved exe is used */
}

static void add(struct ev_items *it, enum mmr_rt_bl_kind k, const char *fmt, const char *a, const char *b)
{
	if (it->n >= 4)
		return;
	it->kind[it->n] = k;
	snprintf(it->item[it->n], sizeof(it->item[0]), fmt, a, b);
	it->n++;
}

static void addr_str(const struct mmr_rt_addr *a, char *out, size_t size)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (a->family == AF_INET || (a->family != AF_INET6 && memcmp(a->ip, v4mapped, 12) == 0)) {
		if (!inet_ntop(AF_INET, a->ip + 12, out, (socklen_t)size))
			snprintf(out, size, "?");
	} else if (!inet_ntop(AF_INET6, a->ip, out, (socklen_t)size)) {
		snprintf(out, size, "?");
	}
}

/* The baseline items an event shows. */
static void event_items(const struct mmr_rt_event *ev, const struct mmr_rt_proctab *procs, struct ev_items *it)
{
	const struct mmr_rt_proc *p = ev->proc;
	it->n = 0;
	it->alt_exe[0] = 0;
	if (ev->dir == MMR_RT_DIR_ENTER || !p)
		return;
	static const char *const l4[] = { "ip", "tcp", "udp", "icmp", "raw" };
	const char *proto = ev->fd.l4proto < 5 ? l4[ev->fd.l4proto] : "ip";
	char buf[64], port[16];
	switch (ev->type) {
	case MMR_RT_EVT_EXECVE:
	case MMR_RT_EVT_EXECVEAT: {
		if (ev->res < 0)
			return;
		char given[MMR_RT_PATH_MAX];
		exec_given(ev, p, given, sizeof(given));
		const char *exe = given[0] ? given : p->exepath[0] ? p->exepath : mmr_rt_proc_argv0(p);
		if (given[0] && p->exepath[0] && strcmp(given, p->exepath) != 0)
			mmr_rt_strlcpy(it->alt_exe, p->exepath, sizeof(it->alt_exe));
		add(it, MMR_RT_BL_EXEC, "%s%s", exe, "");
		const struct mmr_rt_proc *pp = procs ? mmr_rt_proctab_get(procs, p->ppid) : NULL;
		if (pp)
			add(it, MMR_RT_BL_EXEC_PARENT, "%s>%s", pp->exepath[0] ? pp->exepath : pp->comm, exe);
		if (p->user[0])
			add(it, MMR_RT_BL_USER, "%s%s", p->user, "");
		else {
			snprintf(buf, sizeof(buf), "uid:%u", p->uid);
			add(it, MMR_RT_BL_USER, "%s%s", buf, "");
		}
		break;
	}
	case MMR_RT_EVT_LISTEN:
	case MMR_RT_EVT_BIND:
	case MMR_RT_EVT_ACCEPT:
	case MMR_RT_EVT_ACCEPT4:
		if (ev->res < 0 || (ev->fd.typechar != MMR_RT_FD_IPV4 && ev->fd.typechar != MMR_RT_FD_IPV6) ||
		    !ev->fd.sport)
			return;
		snprintf(port, sizeof(port), "%u", (unsigned)ev->fd.sport);
		add(it, MMR_RT_BL_LISTEN, "%s/%s", proto, port);
		break;
	case MMR_RT_EVT_CONNECT:
		if ((ev->res < 0 && ev->res != -EINPROGRESS) ||
		    (ev->fd.typechar != MMR_RT_FD_IPV4 && ev->fd.typechar != MMR_RT_FD_IPV6))
			return;
		addr_str(&ev->fd.sip, buf, sizeof(buf));
		snprintf(port, sizeof(port), "%u", (unsigned)ev->fd.sport);
		add(it, MMR_RT_BL_PEER, ev->fd.sip.family == AF_INET6 && !strchr(buf, '.') ? "[%s]:%s" : "%s:%s",
		    buf, port);
		if (ev->fd.sip_name[0])
			add(it, MMR_RT_BL_DNS, "%s%s", ev->fd.sip_name, "");
		break;
	case MMR_RT_EVT_OPEN:
	case MMR_RT_EVT_OPENAT:
	case MMR_RT_EVT_OPENAT2:
	case MMR_RT_EVT_CREAT: {
		if (ev->res < 0 || ev->fd.name[0] != '/')
			return;
		uint32_t f = ev->fd.open_flags;
		if (ev->type != MMR_RT_EVT_CREAT && (f & O_ACCMODE) == O_RDONLY && !(f & (O_CREAT | O_TRUNC)))
			return;
		const char *slash = strrchr(ev->fd.name, '/');
		char dir[MMR_RT_PATH_MAX];
		size_t n = slash == ev->fd.name ? 1 : (size_t)(slash - ev->fd.name);
		snprintf(dir, sizeof(dir), "%.*s", (int)n, ev->fd.name);
		add(it, MMR_RT_BL_WRITE_DIR, "%s%s", dir, "");
		break;
	}
	default:
		break;
	}
}

int mmr_rt_baselines_event(struct mmr_rt_baselines *b, const struct mmr_rt_event *ev,
			   const struct mmr_rt_proctab *procs, mmr_rt_baseline_dev_fn on_dev, void *ud)
{
	return mmr_rt_baselines_event_as(b, NULL, ev, procs, on_dev, ud);
}

int mmr_rt_baselines_event_as(struct mmr_rt_baselines *b, const char *workload, const struct mmr_rt_event *ev,
			      const struct mmr_rt_proctab *procs, mmr_rt_baseline_dev_fn on_dev, void *ud)
{
	struct ev_items it;
	event_items(ev, procs, &it);
	if (!it.n)
		return 0;
	char key[MMR_RT_BL_KEY_MAX];
	if (workload && *workload)
		mmr_rt_strlcpy(key, workload, sizeof(key));
	else
		mmr_rt_baseline_key(ev, key, sizeof(key));
	int rc;
	bool isnew = !mmr_map_get(&b->wls, key);
	struct bl_wl *w = wl_get(b, key, true, &rc);
	if (!w)
		return rc == -E2BIG ? 0 : rc;
	if (isnew) {
		w->mode = b->opts.new_mode;
		b->changes++;
	}
	const char *digest = ev->container ? ev->container->image_digest : "";
	if (!w->first_ts && (!digest[0] || !w->digest[0] || strcmp(digest, w->digest) == 0)) {
		/* first event (of a new workload, or of one loaded from storage) */
		w->first_ts = w->last_new_ts = ev->ts ? ev->ts : 1;
		if (digest[0])
			mmr_rt_strlcpy(w->digest, digest, sizeof(w->digest));
	} else if (digest[0] && strcmp(digest, w->digest) != 0) {
		wl_relearn(w, ev->ts);
		mmr_rt_strlcpy(w->digest, digest, sizeof(w->digest));
		b->changes++;
	}
	if (w->mode == MMR_RT_BL_LEARN) {
		uint64_t now = ev->ts;
		if ((b->opts.learn_ns && now >= w->first_ts + b->opts.learn_ns) ||
		    (b->opts.stable_ns && now >= w->last_new_ts + b->opts.stable_ns)) {
			w->mode = b->opts.after_learning;
			b->changes++;
		}
	}
	int ndev = 0;
	for (unsigned i = 0; i < it.n; i++) {
		char k[MMR_RT_BL_ITEM_MAX + 32];
		if (item_key(it.kind[i], it.item[i], k, sizeof(k)) < 0)
			continue;
		const char *o = mmr_map_get(&w->items, k);
		/* an exec is known by the name it was asked by or the file it
		 * resolved to: either learned or allowed lets it pass, either
		 * denied stops it */
		if (it.kind[i] == MMR_RT_BL_EXEC && it.alt_exe[0] && o != origin_deny) {
			char k2[MMR_RT_BL_ITEM_MAX + 32];
			const char *o2 = item_key(MMR_RT_BL_EXEC, it.alt_exe, k2, sizeof(k2)) == 0
						 ? mmr_map_get(&w->items, k2)
						 : NULL;
			if (o2 == origin_deny || (!o && o2 && w->mode != MMR_RT_BL_LEARN))
				o = o2;
		}
		if (w->mode == MMR_RT_BL_LEARN && o != origin_deny) {
			if (!o) {
				rc = item_put(b, w, it.kind[i], it.item[i], origin_learned);
				if (rc == -ENOMEM)
					return rc;
				if (rc > 0)
					w->last_new_ts = ev->ts;
			}
			continue;
		}
		if (o == origin_learned || o == origin_allow)
			continue;
		struct mmr_rt_deviation d;
		memset(&d, 0, sizeof(d));
		mmr_rt_strlcpy(d.workload, w->key, sizeof(d.workload));
		mmr_rt_strlcpy(d.digest, w->digest, sizeof(d.digest));
		d.kind = it.kind[i];
		d.mode = w->mode;
		d.denied = o == origin_deny;
		mmr_rt_strlcpy(d.item, it.item[i], sizeof(d.item));
		d.ts = ev->ts;
		d.seq = ev->seq;
		d.pid = ev->pid;
		if (ev->container)
			mmr_rt_strlcpy(d.container_id, ev->container->id, sizeof(d.container_id));
		if (on_dev)
			on_dev(ud, &d);
		ndev++;
	}
	return ndev;
}

int mmr_rt_baselines_set(struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_kind kind,
			 const char *item, bool deny)
{
	if (!workload || !*workload || !item || !*item || (unsigned)kind >= MMR_RT_BL__COUNT)
		return -EINVAL;
	int rc;
	struct bl_wl *w = wl_get(b, workload, true, &rc);
	if (!w)
		return rc;
	rc = item_put(b, w, kind, item, deny ? origin_deny : origin_allow);
	return rc < 0 ? rc : 0;
}

int mmr_rt_baselines_set_mode(struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_mode m)
{
	if ((unsigned)m > MMR_RT_BL_PROTECT)
		return -EINVAL;
	int rc;
	struct bl_wl *w = wl_get(b, workload, true, &rc);
	if (!w)
		return rc;
	if (w->mode != m)
		b->changes++;
	w->mode = m;
	if (m == MMR_RT_BL_LEARN)
		w->first_ts = w->last_new_ts = 0; /* the window starts at its next event */
	return 0;
}

int mmr_rt_baselines_reset(struct mmr_rt_baselines *b, const char *workload)
{
	struct bl_wl *w = workload ? mmr_map_get(&b->wls, workload) : NULL;
	if (!w)
		return -ENOENT;
	wl_relearn(w, 0);
	w->digest[0] = 0;
	b->changes++;
	return 0;
}

uint64_t mmr_rt_baselines_changes(const struct mmr_rt_baselines *b)
{
	return b->changes;
}

size_t mmr_rt_baselines_n(const struct mmr_rt_baselines *b)
{
	return b->list.n;
}

int mmr_rt_baselines_info(const struct mmr_rt_baselines *b, size_t i, struct mmr_rt_bl_info *ret)
{
	if (i >= b->list.n)
		return -ENOENT;
	const struct bl_wl *w = mmr_vec_at(&b->list, i);
	struct mmr_rt_bl_info in = { .key = w->key, .digest = w->digest, .mode = w->mode };
	for (size_t j = 0; j < w->items.cap; j++) {
		const char *v = w->items.slots[j].val;
		if (v == origin_learned)
			in.learned++;
		else if (v == origin_allow)
			in.allowed++;
		else if (v == origin_deny)
			in.denied++;
	}
	*ret = in;
	return 0;
}

int mmr_rt_baselines_get_mode(const struct mmr_rt_baselines *b, const char *workload,
			      enum mmr_rt_bl_mode *ret_mode)
{
	const struct bl_wl *w = mmr_map_get(&b->wls, workload);
	if (!w)
		return -ENOENT;
	*ret_mode = w->mode;
	return 0;
}

bool mmr_rt_baselines_allows(const struct mmr_rt_baselines *b, const char *workload,
			     enum mmr_rt_bl_kind kind, const char *item)
{
	const struct bl_wl *w = mmr_map_get(&b->wls, workload);
	char k[MMR_RT_BL_ITEM_MAX + 32];
	if (!w || (unsigned)kind >= MMR_RT_BL__COUNT || item_key(kind, item, k, sizeof(k)) < 0)
		return false;
	const char *o = mmr_map_get(&w->items, k);
	return o == origin_learned || o == origin_allow;
}

size_t mmr_rt_baselines_count(const struct mmr_rt_baselines *b, const char *workload)
{
	const struct bl_wl *w = mmr_map_get(&b->wls, workload);
	return w ? w->nitems : 0;
}

int mmr_rt_baselines_foreach(const struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_kind kind,
			     void (*fn)(void *ud, const char *item, enum mmr_rt_bl_origin origin), void *ud)
{
	if ((unsigned)kind >= MMR_RT_BL__COUNT || !fn)
		return -EINVAL;
	const struct bl_wl *w = workload ? mmr_map_get(&b->wls, workload) : NULL;
	if (!w)
		return -ENOENT;
	size_t kl = strlen(kind_names[kind]);
	int n = 0;
	for (size_t i = 0; i < w->items.cap; i++) {
		const char *k = w->items.slots[i].key, *v = w->items.slots[i].val;
		if (!v || strncmp(k, kind_names[kind], kl) != 0 || k[kl] != '\x1f')
			continue;
		fn(ud, k + kl + 1, v == origin_deny ? MMR_RT_BL_DENIED : v == origin_allow ? MMR_RT_BL_ALLOWED
											  : MMR_RT_BL_LEARNED);
		n++;
	}
	return n;
}

/* ---- findings ---- */

void mmr_rt_deviation_text(const struct mmr_rt_deviation *d, char *out, size_t size)
{
	snprintf(out, size, "unexpected %s %s in workload %s%s%s (mode %s; %s)", kind_names[d->kind], d->item,
		 d->workload, d->digest[0] ? "@" : "", d->digest, mode_names[d->mode],
		 d->denied ? "on the baseline's deny list" : "not in the learned baseline");
}

int mmr_rt_deviation_finding(struct mmr_arena *a, const struct mmr_rt_deviation *d, struct mmr_finding **ret)
{
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	char text[2 * MMR_RT_BL_ITEM_MAX + 256];
	mmr_rt_deviation_text(d, text, sizeof(text));
	if (!f)
		return -ENOMEM;
	f->kind = MMR_FINDING_RUNTIME;
	f->rule_id = mmr_arena_printf(a, "baseline/%s", kind_names[d->kind]);
	f->title = mmr_arena_strdup(a, text);
	f->severity = d->denied || d->mode == MMR_RT_BL_PROTECT ? MMR_SEV_HIGH : MMR_SEV_MEDIUM;
	f->score = -1;
	f->loc.resource = mmr_arena_strdup(a, d->workload);
	f->loc.process = mmr_arena_printf(a, "%d", d->pid);
	f->evidence = mmr_arena_strdup(a, d->item);
	f->remediation = mmr_arena_printf(a, "if expected, allow it: add '%s' under allow.%s of %s in the baseline "
					     "(mamori agent baseline import)",
					  d->item, kind_names[d->kind], d->workload);
	char fp[MMR_SHA256_HEX_LEN + 1];
	char *src = mmr_arena_printf(a, "runtime\x1f%s\x1f%s\x1f%s", f->rule_id ? f->rule_id : "", d->workload,
				     d->item);
	if (!src || mmr_sha256_hex(src, strlen(src), fp) < 0)
		return -ENOMEM;
	f->fingerprint = mmr_arena_strdup(a, fp);
	if (!f->rule_id || !f->title || !f->loc.resource || !f->loc.process || !f->evidence || !f->remediation ||
	    !f->fingerprint)
		return -ENOMEM;
	*ret = f;
	return 0;
}

/* ---- persistence: one loader from a JSON document (YAML import and SQLite share it) ---- */

static int wl_to_json(const struct bl_wl *w, json_t **ret)
{
	json_t *o = json_object(), *sect[3] = { json_object(), json_object(), json_object() };
	json_object_set_new(o, "key", json_string(w->key));
	json_object_set_new(o, "digest", json_string(w->digest));
	json_object_set_new(o, "mode", json_string(mode_names[w->mode]));
	for (size_t i = 0; i < w->items.cap; i++) {
		const char *k = w->items.slots[i].key, *v = w->items.slots[i].val;
		if (!v)
			continue;
		const char *sep = strchr(k, '\x1f');
		if (!sep)
			continue;
		int s = v == origin_learned ? 0 : v == origin_allow ? 1 : 2;
		char kind[32];
		snprintf(kind, sizeof(kind), "%.*s", (int)(sep - k), k);
		json_t *arr = json_object_get(sect[s], kind);
		if (!arr) {
			arr = json_array();
			json_object_set_new(sect[s], kind, arr);
		}
		json_array_append_new(arr, json_string(sep + 1));
	}
	/* sorted output: stable exports */
	for (int s = 0; s < 3; s++) {
		const char *kk;
		json_t *arr;
		json_object_foreach(sect[s], kk, arr)
		{
			size_t n = json_array_size(arr);
			for (size_t i = 1; i < n; i++)
				for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(arr, j - 1)),
								   json_string_value(json_array_get(arr, j))) > 0;
				     j--) {
					json_t *x = json_incref(json_array_get(arr, j - 1));
					json_array_set(arr, j - 1, json_array_get(arr, j));
					json_array_set_new(arr, j, x);
				}
		}
	}
	json_object_set_new(o, "learned", sect[0]);
	json_object_set_new(o, "allow", sect[1]);
	json_object_set_new(o, "deny", sect[2]);
	*ret = o;
	return 0;
}

static int load_doc(struct mmr_rt_baselines *b, const json_t *doc, const char *file, struct mmr_error *reterr)
{
	if (!json_is_object(doc))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "baseline: expected a mapping");
	json_t *ver = json_object_get(doc, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		return mmr_error_set(reterr, EPROTO, file, 0, 0, "baseline: version must be 1");
	json_t *wls = json_object_get(doc, "workloads"), *wj;
	if (wls && !json_is_array(wls))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "baseline: workloads must be a list");
	size_t i;
	json_array_foreach(wls, i, wj)
	{
		const char *key = mmr_json_str(wj, "key");
		if (!key || !*key)
			return mmr_error_set(reterr, EBADMSG, file, 0, 0, "baseline: workload %zu has no key", i + 1);
		const char *mode = mmr_json_str(wj, "mode");
		int m = mode ? mmr_rt_bl_mode_from_name(mode) : MMR_RT_BL_LEARN;
		if (m < 0)
			return mmr_error_set(reterr, EBADMSG, file, 0, 0, "baseline: workload %s: unknown mode '%s'",
					     key, mode);
		int rc;
		struct bl_wl *w = wl_get(b, key, true, &rc);
		if (!w)
			return mmr_error_set(reterr, -rc, file, 0, 0, "baseline: workload %s: %s", key, strerror(-rc));
		w->mode = (enum mmr_rt_bl_mode)m;
		const char *dg = mmr_json_str(wj, "digest");
		if (dg)
			mmr_rt_strlcpy(w->digest, dg, sizeof(w->digest));
		static const char *const sects[3] = { "learned", "allow", "deny" };
		char *origins[3] = { origin_learned, origin_allow, origin_deny };
		for (int s = 0; s < 3; s++) {
			json_t *sec = json_object_get(wj, sects[s]), *arr;
			if (!sec || json_is_null(sec))
				continue;
			if (!json_is_object(sec))
				return mmr_error_set(reterr, EBADMSG, file, 0, 0, "baseline: %s.%s must be a mapping",
						     key, sects[s]);
			const char *kname;
			json_object_foreach(sec, kname, arr)
			{
				int kind = mmr_rt_bl_kind_from_name(kname);
				if (kind < 0)
					return mmr_error_set(reterr, EBADMSG, file, 0, 0,
							     "baseline: %s.%s: unknown kind '%s'", key, sects[s], kname);
				size_t j;
				json_t *it;
				json_array_foreach(arr, j, it)
				{
					if (!json_is_string(it) || !*json_string_value(it))
						return mmr_error_set(reterr, EBADMSG, file, 0, 0,
								     "baseline: %s.%s.%s[%zu] must be a string", key,
								     sects[s], kname, j);
					rc = item_put(b, w, (enum mmr_rt_bl_kind)kind, json_string_value(it), origins[s]);
					if (rc == -ENOMEM)
						return rc;
				}
			}
		}
	}
	return 0;
}

static json_t *to_doc(const struct mmr_rt_baselines *b, const char *only)
{
	json_t *doc = json_object(), *arr = json_array();
	json_object_set_new(doc, "version", json_integer(1));
	for (size_t i = 0; i < b->list.n; i++) {
		json_t *o;
		const struct bl_wl *w = mmr_vec_at(&b->list, i);
		if (only && strcmp(w->key, only) != 0)
			continue;
		wl_to_json(w, &o);
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "workloads", arr);
	return doc;
}

static int yaml_str(struct mmr_buf *out, const char *s)
{
	/* double-quoted YAML scalar: JSON string escaping is valid YAML */
	json_t *j = json_string(s ? s : "");
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	json_decref(j);
	if (!q)
		return -ENOMEM;
	int rc = mmr_buf_adds(out, q);
	free(q);
	return rc;
}

int mmr_rt_baselines_export_yaml(const struct mmr_rt_baselines *b, struct mmr_buf *out)
{
	return mmr_rt_baselines_export_yaml_one(b, NULL, out);
}

int mmr_rt_baselines_export_yaml_one(const struct mmr_rt_baselines *b, const char *workload, struct mmr_buf *out)
{
	if (workload && !mmr_map_get(&b->wls, workload))
		return -ENOENT;
	json_t *doc = to_doc(b, workload);
	if (!doc)
		return -ENOMEM;
	int rc = mmr_buf_adds(out, "# mamori runtime baselines (mamori agent baseline export)\nversion: 1\nworkloads:\n");
	json_t *wj;
	size_t i;
	json_array_foreach(json_object_get(doc, "workloads"), i, wj)
	{
		if (rc >= 0 && (rc = mmr_buf_adds(out, "  - key: ")) >= 0)
			rc = yaml_str(out, mmr_json_str(wj, "key"));
		if (rc >= 0 && (rc = mmr_buf_adds(out, "\n    digest: ")) >= 0)
			rc = yaml_str(out, mmr_json_str(wj, "digest"));
		if (rc >= 0)
			rc = mmr_buf_addf(out, "\n    mode: %s\n", mmr_json_str(wj, "mode"));
		static const char *const sects[3] = { "learned", "allow", "deny" };
		for (int s = 0; s < 3 && rc >= 0; s++) {
			json_t *sec = json_object_get(wj, sects[s]), *arr;
			rc = mmr_buf_addf(out, "    %s:%s\n", sects[s], json_object_size(sec) ? "" : " {}");
			for (int k = 0; k < MMR_RT_BL__COUNT && rc >= 0; k++) {
				if (!(arr = json_object_get(sec, kind_names[k])))
					continue;
				rc = mmr_buf_addf(out, "      %s:\n", kind_names[k]);
				size_t j;
				json_t *it;
				json_array_foreach(arr, j, it)
				{
					if (rc >= 0 && (rc = mmr_buf_adds(out, "        - ")) >= 0 &&
					    (rc = yaml_str(out, json_string_value(it))) >= 0)
						rc = mmr_buf_addc(out, '\n');
				}
			}
		}
	}
	json_decref(doc);
	return rc < 0 ? rc : 0;
}

int mmr_rt_baselines_import_yaml(struct mmr_rt_baselines *b, const void *data, size_t len, const char *file,
				 struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int rc = mmr_yaml_parse(data, len, file, 0, 64, 0, &doc, reterr);
	if (rc < 0)
		return rc;
	rc = load_doc(b, doc, file, reterr);
	json_decref(doc);
	return rc;
}

/* SQLite: schema_version(version), workloads(key, digest, mode),
 * items(workload, kind, item, origin). */
static const char *const bl_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE IF NOT EXISTS workloads(key TEXT PRIMARY KEY, digest TEXT, mode TEXT);"
	"CREATE TABLE IF NOT EXISTS items(workload TEXT, kind TEXT, item TEXT, origin TEXT,"
	" PRIMARY KEY(workload, kind, item));",
};

static int db_open(const char *path, int flags, sqlite3 **ret)
{
	static const struct mmr_sqlite_schema schema = {
		.name = "baseline store",
		.busy_ms = 5000,
		.init_sql = "PRAGMA journal_mode=WAL;",
		.steps = bl_migrations,
		.nsteps = 1,
	};
	return mmr_sqlite_open(path, flags, &schema, ret, NULL, NULL);
}

int mmr_rt_baselines_save(const struct mmr_rt_baselines *b, const char *path)
{
	sqlite3 *db;
	int rc = db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
	if (rc < 0)
		return rc;
	sqlite3_stmt *sw = NULL, *si = NULL;
	rc = -EIO;
	if (sqlite3_exec(db, "BEGIN; DELETE FROM items; DELETE FROM workloads;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO workloads VALUES(?,?,?)", -1, &sw, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO items VALUES(?,?,?,?)", -1, &si, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < b->list.n; i++) {
		const struct bl_wl *w = mmr_vec_at(&b->list, i);
		sqlite3_bind_text(sw, 1, w->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(sw, 2, w->digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(sw, 3, mode_names[w->mode], -1, SQLITE_STATIC);
		if (sqlite3_step(sw) != SQLITE_DONE)
			goto out;
		sqlite3_reset(sw);
		for (size_t j = 0; j < w->items.cap; j++) {
			const char *k = w->items.slots[j].key, *v = w->items.slots[j].val;
			const char *sep = v ? strchr(k, '\x1f') : NULL;
			if (!sep)
				continue;
			sqlite3_bind_text(si, 1, w->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(si, 2, k, (int)(sep - k), SQLITE_STATIC);
			sqlite3_bind_text(si, 3, sep + 1, -1, SQLITE_STATIC);
			sqlite3_bind_text(si, 4, v, -1, SQLITE_STATIC);
			if (sqlite3_step(si) != SQLITE_DONE)
				goto out;
			sqlite3_reset(si);
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
out:
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(sw);
	sqlite3_finalize(si);
	sqlite3_close(db);
	return rc;
}

int mmr_rt_baselines_load(struct mmr_rt_baselines *b, const char *path, struct mmr_error *reterr)
{
	sqlite3 *db;
	int rc = db_open(path, SQLITE_OPEN_READWRITE, &db);
	if (rc < 0)
		return mmr_error_set(reterr, -rc, path, 0, 0, "baseline database: %s",
				     rc == -EPROTO ? "unsupported schema version" : "cannot open");
	sqlite3_stmt *st = NULL;
	rc = -EIO;
	if (sqlite3_prepare_v2(db, "SELECT key, digest, mode FROM workloads", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *dg = (const char *)sqlite3_column_text(st, 1);
		int m = mmr_rt_bl_mode_from_name((const char *)sqlite3_column_text(st, 2));
		int r2;
		struct bl_wl *w = key ? wl_get(b, key, true, &r2) : NULL;
		if (!w)
			continue;
		w->mode = m < 0 ? MMR_RT_BL_LEARN : (enum mmr_rt_bl_mode)m;
		if (dg)
			mmr_rt_strlcpy(w->digest, dg, sizeof(w->digest));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT workload, kind, item, origin FROM items", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		int kind = mmr_rt_bl_kind_from_name((const char *)sqlite3_column_text(st, 1));
		const char *item = (const char *)sqlite3_column_text(st, 2);
		const char *o = (const char *)sqlite3_column_text(st, 3);
		int r2;
		struct bl_wl *w = key ? wl_get(b, key, true, &r2) : NULL;
		if (!w || kind < 0 || !item || !o)
			continue;
		char *origin = strcmp(o, "allow") == 0 ? origin_allow : strcmp(o, "deny") == 0 ? origin_deny
												: origin_learned;
		if (item_put(b, w, (enum mmr_rt_bl_kind)kind, item, origin) == -ENOMEM) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
