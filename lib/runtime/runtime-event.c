/* runtime-event.c - process and container tables, event helpers. */
#include "runtime/runtime-event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const evt_type_names[] = {
#define MMR_RT_X_NAME(id, name) name,
	MMR_RT_EVT_TYPES(MMR_RT_X_NAME)
#undef MMR_RT_X_NAME
};

const char *mmr_rt_evt_type_name(unsigned type)
{
	if (type >= MMR_RT_EVT__COUNT)
		return "unknown";
	return evt_type_names[type];
}

enum mmr_rt_evt_type mmr_rt_evt_type_from_name(const char *name)
{
	if (!name)
		return MMR_RT_EVT_UNKNOWN;
	for (unsigned i = 1; i < MMR_RT_EVT__COUNT; i++)
		if (strcmp(evt_type_names[i], name) == 0)
			return (enum mmr_rt_evt_type)i;
	return MMR_RT_EVT_UNKNOWN;
}

size_t mmr_rt_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t n = src ? strlen(src) : 0;
	if (dstsize) {
		size_t c = n < dstsize - 1 ? n : dstsize - 1;
		if (c)
			memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

const char *mmr_rt_proc_argv0(const struct mmr_rt_proc *p)
{
	return p->argc ? p->args : "";
}

void mmr_rt_proc_set_argv(struct mmr_rt_proc *p, const char *const *argv, size_t argc)
{
	size_t off = 0;
	unsigned n = 0;
	for (size_t i = 0; i < argc && n < MMR_RT_ARGV_MAX; i++) {
		const char *a = argv[i] ? argv[i] : "";
		size_t l = strlen(a);
		if (off + 1 >= sizeof(p->args))
			break;
		if (off + l + 1 > sizeof(p->args))
			l = sizeof(p->args) - off - 1;
		memcpy(p->args + off, a, l);
		p->args[off + l] = '\0';
		off += l + 1;
		n++;
	}
	p->argc = (uint16_t)n;
	p->args_len = (uint16_t)off;
}

void mmr_rt_proc_set_cmdline(struct mmr_rt_proc *p, const char *buf, size_t len)
{
	const char *argv[MMR_RT_ARGV_MAX];
	char tmp[MMR_RT_ARGS_MAX];
	size_t n = 0, i = 0;
	if (len > sizeof(tmp) - 1)
		len = sizeof(tmp) - 1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	/* a trailing NUL ends the last argument rather than adding an empty one */
	size_t end = len;
	if (end && tmp[end - 1] == '\0')
		end--;
	while (len && i <= end && n < MMR_RT_ARGV_MAX) {
		argv[n++] = tmp + i;
		i += strlen(tmp + i) + 1;
	}
	mmr_rt_proc_set_argv(p, argv, n);
}

/* ---- process table ---- */

struct proc_slot {
	struct mmr_rt_proc *p; /* NULL = empty */
	uint64_t gen;          /* insertion order, for eviction */
};

struct mmr_rt_proctab {
	struct proc_slot *slots;
	size_t cap, mask, n, max;
	uint64_t gen;
};

static size_t pid_hash(int32_t pid)
{
	uint32_t x = (uint32_t)pid;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

struct mmr_rt_proctab *mmr_rt_proctab_new(size_t max_procs)
{
	if (!max_procs)
		max_procs = 32768;
	if (max_procs > (1u << 22))
		max_procs = 1u << 22;
	struct mmr_rt_proctab *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	size_t cap = 16;
	while (cap < max_procs * 2)
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	t->mask = cap - 1;
	t->max = max_procs;
	return t;
}

void mmr_rt_proctab_free(struct mmr_rt_proctab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].p);
	free(t->slots);
	free(t);
}

static size_t proctab_find(const struct mmr_rt_proctab *t, int32_t pid)
{
	size_t i = pid_hash(pid) & t->mask;
	while (t->slots[i].p) {
		if (t->slots[i].p->pid == pid)
			return i;
		i = (i + 1) & t->mask;
	}
	return (size_t)-1;
}

struct mmr_rt_proc *mmr_rt_proctab_get(const struct mmr_rt_proctab *t, int32_t pid)
{
	if (!t)
		return NULL;
	size_t i = proctab_find(t, pid);
	return i == (size_t)-1 ? NULL : t->slots[i].p;
}

static void proctab_delete_at(struct mmr_rt_proctab *t, size_t i)
{
	free(t->slots[i].p);
	t->slots[i].p = NULL;
	t->n--;
	/* backward-shift deletion keeps probe chains intact */
	size_t j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slots[j].p)
			break;
		size_t home = pid_hash(t->slots[j].p->pid) & t->mask;
		/* can slot j move to i? only if home is not in (i, j] cyclically */
		bool in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!in_range) {
			t->slots[i] = t->slots[j];
			t->slots[j].p = NULL;
			i = j;
		}
	}
}

bool mmr_rt_proctab_remove(struct mmr_rt_proctab *t, int32_t pid)
{
	if (!t)
		return false;
	size_t i = proctab_find(t, pid);
	if (i == (size_t)-1)
		return false;
	proctab_delete_at(t, i);
	return true;
}

static void proctab_evict(struct mmr_rt_proctab *t)
{
	size_t best = (size_t)-1, best_exited = (size_t)-1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].p)
			continue;
		if ((t->slots[i].p->flags & MMR_RT_PROC_EXITED) &&
		    (best_exited == (size_t)-1 || t->slots[i].gen < t->slots[best_exited].gen))
			best_exited = i;
		if (best == (size_t)-1 || t->slots[i].gen < t->slots[best].gen)
			best = i;
	}
	if (best_exited != (size_t)-1)
		best = best_exited;
	if (best != (size_t)-1)
		proctab_delete_at(t, best);
}

struct mmr_rt_proc *mmr_rt_proctab_upsert(struct mmr_rt_proctab *t, int32_t pid)
{
	struct mmr_rt_proc *p = mmr_rt_proctab_get(t, pid);
	if (p)
		return p;
	if (t->n >= t->max)
		proctab_evict(t);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = p->tid = p->vpid = pid;
	p->loginuid = (uint32_t)-1;
	size_t i = pid_hash(pid) & t->mask;
	while (t->slots[i].p)
		i = (i + 1) & t->mask;
	t->slots[i].p = p;
	t->slots[i].gen = ++t->gen;
	t->n++;
	return p;
}

size_t mmr_rt_proctab_count(const struct mmr_rt_proctab *t)
{
	return t ? t->n : 0;
}

const struct mmr_rt_proc *mmr_rt_proc_ancestor(const struct mmr_rt_proctab *t,
					       const struct mmr_rt_proc *p, unsigned n)
{
	if (n > MMR_RT_ANCESTRY_MAX)
		return NULL;
	for (unsigned i = 0; p && i < n; i++) {
		if (p->ppid <= 0 || p->ppid == p->pid)
			return NULL;
		p = mmr_rt_proctab_get(t, p->ppid);
	}
	return p;
}

/* ---- container table ---- */

struct mmr_rt_conttab {
	struct mmr_rt_container **c;
	uint64_t *gen;
	size_t n, max;
	uint64_t g;
};

struct mmr_rt_conttab *mmr_rt_conttab_new(size_t max)
{
	if (!max)
		max = 1024;
	if (max > 65536)
		max = 65536;
	struct mmr_rt_conttab *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->c = calloc(max, sizeof(*t->c));
	t->gen = calloc(max, sizeof(*t->gen));
	if (!t->c || !t->gen) {
		free(t->c);
		free(t->gen);
		free(t);
		return NULL;
	}
	t->max = max;
	return t;
}

void mmr_rt_conttab_free(struct mmr_rt_conttab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->c[i]);
	free(t->c);
	free(t->gen);
	free(t);
}

static bool id_matches(const char *full, const char *id)
{
	size_t l = strlen(id);
	if (!l)
		return false;
	if (strcmp(full, id) == 0)
		return true;
	return l >= 12 && strncmp(full, id, l) == 0;
}

static long conttab_index(const struct mmr_rt_conttab *t, const char *id)
{
	if (!t || !id)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (id_matches(t->c[i]->id, id))
			return (long)i;
	return -1;
}

struct mmr_rt_container *mmr_rt_conttab_get(const struct mmr_rt_conttab *t, const char *id)
{
	long i = conttab_index(t, id);
	return i < 0 ? NULL : t->c[i];
}

static void conttab_delete_at(struct mmr_rt_conttab *t, size_t i)
{
	free(t->c[i]);
	t->c[i] = t->c[t->n - 1];
	t->gen[i] = t->gen[t->n - 1];
	t->n--;
}

struct mmr_rt_container *mmr_rt_conttab_upsert(struct mmr_rt_conttab *t, const char *id)
{
	if (!t || !id || !*id)
		return NULL;
	struct mmr_rt_container *c = mmr_rt_conttab_get(t, id);
	if (c)
		return c;
	if (t->n >= t->max) {
		size_t old = 0;
		for (size_t i = 1; i < t->n; i++)
			if (t->gen[i] < t->gen[old])
				old = i;
		conttab_delete_at(t, old);
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	mmr_rt_strlcpy(c->id, id, sizeof(c->id));
	t->c[t->n] = c;
	t->gen[t->n] = ++t->g;
	t->n++;
	return c;
}

bool mmr_rt_conttab_remove(struct mmr_rt_conttab *t, const char *id)
{
	long i = conttab_index(t, id);
	if (i < 0)
		return false;
	conttab_delete_at(t, (size_t)i);
	return true;
}

const char *mmr_rt_container_label(const struct mmr_rt_container *c, const char *key)
{
	if (!c || !key)
		return NULL;
	for (uint32_t i = 0; i < c->nlabels && i < MMR_RT_LABELS_MAX; i++)
		if (strcmp(c->labels[i].key, key) == 0)
			return c->labels[i].value;
	return NULL;
}

/* ---- events ---- */

void mmr_rt_event_init(struct mmr_rt_event *e)
{
	memset(e, 0, sizeof(*e));
	e->dir = MMR_RT_DIR_EXIT;
	e->fd.num = -1;
}

void mmr_rt_event_reset(struct mmr_rt_event *e)
{
	struct mmr_rt_fd *fd = &e->fd;
	e->seq = e->ts = 0;
	e->type = 0;
	e->dir = MMR_RT_DIR_EXIT;
	e->res = 0;
	e->tid = e->pid = 0;
	e->nargs = 0;
	e->proc = NULL;
	e->container = NULL;
	memset(fd, 0, offsetof(struct mmr_rt_fd, name));
	fd->num = -1;
	fd->name[0] = 0;
	fd->nameraw[0] = 0;
	memset(&fd->cip, 0, offsetof(struct mmr_rt_fd, sip_name) - offsetof(struct mmr_rt_fd, cip));
	fd->sip_name[0] = 0;
	memset((char *)fd + offsetof(struct mmr_rt_fd, ino), 0, sizeof(*fd) - offsetof(struct mmr_rt_fd, ino));
}

int mmr_rt_event_add_arg(struct mmr_rt_event *e, const char *name, const char *value,
			 int64_t num, bool has_num)
{
	if (e->nargs >= MMR_RT_EVT_ARGS_N)
		return -E2BIG;
	struct mmr_rt_evt_arg *a = &e->args[e->nargs++];
	mmr_rt_strlcpy(a->name, name, sizeof(a->name));
	mmr_rt_strlcpy(a->value, value ? value : "", sizeof(a->value));
	a->num = num;
	a->has_num = has_num;
	return 0;
}

const struct mmr_rt_evt_arg *mmr_rt_event_arg(const struct mmr_rt_event *e, const char *name)
{
	for (uint32_t i = 0; i < e->nargs && i < MMR_RT_EVT_ARGS_N; i++)
		if (strcmp(e->args[i].name, name) == 0)
			return &e->args[i];
	return NULL;
}
