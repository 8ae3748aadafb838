/* scan-dir.c - scanning a directory tree: `mamori fs` (a source tree),
 * `mamori rootfs` (an installed root) and `mamori host` (the running host).
 *
 * The walk never follows symbolic links, stays on no special filesystem
 * (for host: /proc, /sys, /dev, /run are left out), bounds its depth
 * (max-walk-depth) and reads only the files an analyzer asks for, each up to
 * max-file-size. Unreadable entries become warnings.
 *
 * Content scanners that are thread-safe (secrets) run in a pool of worker
 * threads, one per CPU: the walk queues each file they want (directory fd
 * and name), a worker opens, reads (into one reusable buffer) and scans it
 * with its own ctx. The workers' findings and warnings are copied into the
 * scan's ctx afterwards in walk order, so the report is the same as from
 * one thread. Package analyzers and the other scanners stay on the walking
 * thread; a file both want is read once and handed over. */
#include "scan/scan.h"
#include "core/core-log.h"
#include "sbom/sbom.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POOL_MAX_THREADS 16
#define POOL_QUEUE 512                     /* jobs queued at most */
#define POOL_KEEP_BUF ((size_t)4 << 20)    /* a worker's read buffer kept up to this */
/* Wake-ups are batched (each is a futex call and a context switch): an idle
 * worker is woken when POOL_WAKE jobs wait, the walker when the queue is half
 * empty; a worker takes up to POOL_GRAB jobs at once. */
#define POOL_WAKE 16
#define POOL_GRAB 8

struct job {
	uint64_t seq;
	int fd;             /* open file to read, or -1 when data is already read */
	char *path;         /* relative to the root */
	uint64_t size;
	uint32_t mode;
	uint8_t *data;      /* malloc'ed, or NULL */
	size_t len;
};

/* After job `seq`, a worker's ctx held `nfindings` findings and `nwarnings`
 * warnings (recorded only when the job added some). */
struct mark {
	uint64_t seq;
	size_t nfindings, nwarnings;
};

struct worker {
	struct pool *pool;
	pthread_t tid;
	bool started;
	struct mmr_sbom_ctx ctx;
	struct mmr_arena *arena;
	uint8_t *buf;
	size_t cap;
	struct mark *marks;
	size_t nmarks, capmarks;
	bool oom;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct job q[POOL_QUEUE];
	size_t head, n;
	bool done;
	unsigned idle;   /* workers waiting for jobs */
	bool main_waits; /* the walker waits for room */
	struct worker w[POOL_MAX_THREADS];
	size_t nw;
	uint64_t seq;
	/* NULL-terminated: the thread-safe scanners, and all the others */
	const struct mmr_file_scanner *par[16], *seq_scanners[16];
};

struct walk {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_scan_opts *o;
	enum mmr_asset_kind kind;
	uint64_t entries;
	struct pool *pool; /* NULL: everything on this thread */
	char path[4096]; /* relative path of the current directory, "" at the root */
};

static bool skip_dir(const struct walk *w, const char *rel, const char *name)
{
	if (w->kind == MMR_ASSET_HOST && strchr(rel, '/') == NULL) {
		static const char *const pseudo[] = { "proc", "sys", "dev", "run", NULL };
		for (size_t i = 0; pseudo[i]; i++)
			if (strcmp(rel, pseudo[i]) == 0)
				return true;
	}
	if (w->kind == MMR_ASSET_FS && strcmp(name, ".git") == 0)
		return true;
	return false;
}

static int open_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Read up to size bytes of fd into d (size + 1 bytes), NUL-terminated. */
static int read_fd(int fd, uint8_t *d, uint64_t size, size_t *ret_len)
{
	size_t off = 0;
	while (off < size) {
		ssize_t n = read(fd, d + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* shrank while we read: take what is there */
		off += (size_t)n;
	}
	d[off] = 0;
	*ret_len = off;
	return 0;
}

/* Read fd (closed) into a new buffer. */
static int read_file(int fd, uint64_t size, uint8_t **ret, size_t *ret_len)
{
	uint8_t *d = malloc(size + 1);
	int r = d ? read_fd(fd, d, size, ret_len) : -ENOMEM;
	close(fd);
	if (r < 0) {
		free(d);
		return r;
	}
	*ret = d;
	return 0;
}

/* ---- the worker pool ---- */

static void job_release(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j->data);
}

static void worker_mark(struct worker *w, uint64_t seq)
{
	if (w->nmarks == w->capmarks) {
		size_t cap = w->capmarks ? w->capmarks * 2 : 64;
		struct mark *v = realloc(w->marks, cap * sizeof(*v));
		if (!v) {
			w->oom = true;
			return;
		}
		w->marks = v;
		w->capmarks = cap;
	}
	w->marks[w->nmarks++] = (struct mark){ seq, w->ctx.findings.n, w->ctx.warnings.n };
}

static void worker_run(struct worker *w, struct job *j)
{
	size_t nf = w->ctx.findings.n, nw = w->ctx.warnings.n;
	uint8_t *data = j->data;
	size_t len = j->len;
	if (!data) {
		uint8_t *d = w->buf;
		if (j->size + 1 > w->cap) {
			d = malloc(j->size + 1);
			if (d && j->size + 1 <= POOL_KEEP_BUF) {
				free(w->buf);
				w->buf = d;
				w->cap = j->size + 1;
			}
		}
		int r = d ? read_fd(j->fd, d, j->size, &len) : -ENOMEM;
		if (r < 0) {
			mmr_sbom_warn(&w->ctx, j->path, "cannot read: %s", strerror(-r));
			if (d != w->buf)
				free(d);
			goto out;
		}
		data = d;
	}
	struct mmr_sbom_file f = { .path = j->path, .data = data, .len = len, .mode = j->mode };
	for (size_t i = 0; w->pool->par[i]; i++) {
		const struct mmr_file_scanner *s = w->pool->par[i];
		if (s->wants(s, f.path, f.mode, f.len))
			s->scan(s, &w->ctx, &f);
	}
	if (data != w->buf && data != j->data)
		free(data);
out:
	if (w->ctx.findings.n != nf || w->ctx.warnings.n != nw)
		worker_mark(w, j->seq);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct job jobs[POOL_GRAB];
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->n && !p->done) {
			p->idle++;
			pthread_cond_wait(&p->not_empty, &p->mu);
			p->idle--;
		}
		if (!p->n) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		size_t k = 0;
		for (; k < POOL_GRAB && p->n; k++) {
			jobs[k] = p->q[p->head];
			p->head = (p->head + 1) % POOL_QUEUE;
			p->n--;
		}
		if (p->main_waits && p->n <= POOL_QUEUE / 2) {
			p->main_waits = false;
			pthread_cond_signal(&p->not_full);
		}
		pthread_mutex_unlock(&p->mu);
		for (size_t i = 0; i < k; i++) {
			worker_run(w, &jobs[i]);
			job_release(&jobs[i]);
		}
	}
	return NULL;
}

static void pool_push(struct pool *p, struct job *j)
{
	pthread_mutex_lock(&p->mu);
	while (p->n == POOL_QUEUE) {
		p->main_waits = true;
		pthread_cond_wait(&p->not_full, &p->mu);
	}
	p->q[(p->head + p->n) % POOL_QUEUE] = *j;
	p->n++;
	if (p->idle && p->n >= POOL_WAKE)
		pthread_cond_signal(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
}

static unsigned pool_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n > POOL_MAX_THREADS)
		n = POOL_MAX_THREADS;
	return n > 1 ? (unsigned)n : 1;
}

/* A pool when some scanner is thread-safe and there is more than one CPU:
 * ctx->scanners becomes the others (the walking thread's), NULL otherwise. */
static struct pool *pool_start(struct mmr_sbom_ctx *ctx)
{
	const struct mmr_file_scanner *const *all = ctx->scanners;
	size_t npar = 0, nseq = 0, n = 0;
	for (; all && all[n]; n++)
		npar += all[n]->threadsafe;
	unsigned nt = pool_threads();
	if (!npar || nt < 2 || n >= 16)
		return NULL;
	struct pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	npar = 0;
	for (size_t i = 0; i < n; i++) {
		if (all[i]->threadsafe)
			p->par[npar++] = all[i];
		else
			p->seq_scanners[nseq++] = all[i];
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->not_empty, NULL);
	pthread_cond_init(&p->not_full, NULL);
	for (unsigned i = 0; i < nt; i++) {
		struct worker *w = &p->w[i];
		w->pool = p;
		if (!(w->arena = mmr_arena_new(0)))
			break;
		mmr_sbom_ctx_init(&w->ctx, w->arena, ctx->limits, ctx->targets, NULL);
		w->ctx.layer = ctx->layer;
		w->ctx.scanners = p->par;
		if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
			mmr_arena_free(w->arena);
			w->arena = NULL;
			break;
		}
		w->started = true;
		p->nw++;
	}
	if (!p->nw) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->not_empty);
		pthread_cond_destroy(&p->not_full);
		free(p);
		return NULL;
	}
	ctx->scanners = p->seq_scanners;
	return p;
}

static struct mmr_finding *finding_copy(struct mmr_arena *a, const struct mmr_finding *f)
{
	struct mmr_finding *c = mmr_arena_memdup(a, f, sizeof(*f));
	if (!c)
		return NULL;
#define DUP(field)                                                  \
	do {                                                        \
		if (f->field && !(c->field = mmr_arena_strdup(a, f->field))) \
			return NULL;                                \
	} while (0)
	DUP(fingerprint);
	DUP(rule_id);
	DUP(title);
	DUP(loc.file);
	DUP(loc.layer);
	DUP(loc.package);
	DUP(loc.resource);
	DUP(loc.process);
	DUP(evidence);
	DUP(remediation);
	DUP(fix);
	DUP(suppressed_by);
#undef DUP
	struct mmr_vec *vecs[] = { &c->references, &c->controls, &c->aliases };
	for (size_t k = 0; k < sizeof(vecs) / sizeof(vecs[0]); k++) {
		struct mmr_vec src = *vecs[k];
		*vecs[k] = (struct mmr_vec){ 0 };
		for (size_t i = 0; i < src.n; i++) {
			char *s = mmr_arena_strdup(a, src.v[i]);
			if (!s || mmr_vec_push(a, vecs[k], s) < 0)
				return NULL;
		}
	}
	c->vuln = NULL; /* content scanners make no vulnerability findings */
	return c;
}

/* Wait for the workers, copy their findings and warnings into ctx (in walk
 * order), restore ctx->scanners and free the pool. */
static int pool_finish(struct pool *p, struct mmr_sbom_ctx *ctx,
		       const struct mmr_file_scanner *const *all)
{
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_broadcast(&p->not_empty);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nw; i++)
		pthread_join(p->w[i].tid, NULL);
	int rc = 0;
	size_t at[POOL_MAX_THREADS] = { 0 }, fdone[POOL_MAX_THREADS] = { 0 },
	       wdone[POOL_MAX_THREADS] = { 0 };
	for (;;) {
		/* the worker whose next mark has the lowest job number */
		size_t best = p->nw;
		for (size_t i = 0; i < p->nw; i++)
			if (at[i] < p->w[i].nmarks &&
			    (best == p->nw || p->w[i].marks[at[i]].seq < p->w[best].marks[at[best]].seq))
				best = i;
		if (best == p->nw)
			break;
		struct worker *w = &p->w[best];
		const struct mark *m = &w->marks[at[best]++];
		for (; rc == 0 && fdone[best] < m->nfindings; fdone[best]++) {
			struct mmr_finding *c = finding_copy(ctx->arena, w->ctx.findings.v[fdone[best]]);
			if (!c || mmr_vec_push(ctx->arena, &ctx->findings, c) < 0)
				rc = -ENOMEM;
		}
		for (; rc == 0 && wdone[best] < m->nwarnings; wdone[best]++) {
			const struct mmr_diag *d = w->ctx.warnings.v[wdone[best]];
			struct mmr_diag *c = mmr_arena_memdup(ctx->arena, d, sizeof(*d));
			if (!c || !(c->where = mmr_arena_strdup(ctx->arena, d->where)) ||
			    !(c->message = mmr_arena_strdup(ctx->arena, d->message)) ||
			    mmr_vec_push(ctx->arena, &ctx->warnings, c) < 0)
				rc = -ENOMEM;
		}
	}
	for (size_t i = 0; i < p->nw; i++) {
		struct worker *w = &p->w[i];
		if (w->oom || w->ctx.findings.n != fdone[i] || w->ctx.warnings.n != wdone[i])
			rc = rc ? rc : -ENOMEM;
		mmr_arena_free(w->arena);
		free(w->buf);
		free(w->marks);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->not_empty);
	pthread_cond_destroy(&p->not_full);
	free(p);
	ctx->scanners = all;
	return rc;
}

/* Does a thread-safe scanner want this file? */
static bool pool_wants(const struct pool *p, const char *path, uint32_t mode, uint64_t size)
{
	for (size_t i = 0; p->par[i]; i++)
		if (p->par[i]->wants(p->par[i], path, mode, size))
			return true;
	return false;
}

/* Queue a file for the workers: data already read, or fd to read (both
 * taken over). */
static int pool_queue(struct pool *p, const char *path, const struct stat *st, int fd,
		      uint8_t *data, size_t len)
{
	struct job j = { .seq = p->seq++, .fd = fd, .size = (uint64_t)st->st_size,
			 .mode = (uint32_t)st->st_mode, .data = data, .len = len };
	if (!(j.path = strdup(path))) {
		job_release(&j);
		return -ENOMEM;
	}
	pool_push(p, &j);
	return 0;
}

static void walk_dir(struct walk *w, int fd, unsigned depth)
{
	DIR *dir = fdopendir(fd);
	if (!dir) {
		mmr_sbom_warn(w->ctx, w->path[0] ? w->path : ".", "cannot list directory: %s",
			      strerror(errno));
		close(fd);
		return;
	}
	size_t base = strlen(w->path);
	struct dirent *de;
	while ((de = readdir(dir))) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (++w->entries > w->o->limits.max_entries) {
			if (w->entries == w->o->limits.max_entries + 1)
				mmr_sbom_warn(w->ctx, w->path, "more than %llu entries (max-entries): the rest is not scanned",
					      (unsigned long long)w->o->limits.max_entries);
			break;
		}
		int n = snprintf(w->path + base, sizeof(w->path) - base, "%s%s", base ? "/" : "", name);
		if (n < 0 || (size_t)n >= sizeof(w->path) - base) {
			w->path[base] = 0;
			mmr_sbom_warn(w->ctx, w->path, "path too long, skipped: %s/%.40s...", w->path, name);
			continue;
		}
		/* the type from the directory entry saves a stat where it can:
		 * symbolic links and special files are never read, directories
		 * opened at once, and with workers a regular file is opened
		 * first (then fstat: one path lookup instead of two) */
		struct stat st;
		int fd = -1;
		if (de->d_type == DT_DIR) {
			st.st_mode = S_IFDIR;
		} else if (de->d_type != DT_UNKNOWN && de->d_type != DT_REG) {
			goto next;
		} else if (de->d_type == DT_REG && w->pool && (fd = open_file(dirfd(dir), name)) >= 0) {
			if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
				close(fd);
				goto next; /* replaced since the listing */
			}
		} else if (fd == -ELOOP) {
			goto next; /* a symbolic link since the listing */
		} else if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			mmr_sbom_warn(w->ctx, w->path, "cannot stat: %s", strerror(errno));
			w->path[base] = 0;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (skip_dir(w, w->path, name))
				goto next;
			if (depth + 1 > w->o->limits.max_walk_depth) {
				mmr_sbom_warn(w->ctx, w->path, "deeper than %llu levels (max-walk-depth), not scanned",
					      (unsigned long long)w->o->limits.max_walk_depth);
				goto next;
			}
			int sub = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				mmr_sbom_warn(w->ctx, w->path, "cannot open directory: %s", strerror(errno));
				goto next;
			}
			walk_dir(w, sub, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			bool here = mmr_sbom_wants(w->ctx, w->path, (uint32_t)st.st_mode,
						   (uint64_t)st.st_size);
			bool there = w->pool && pool_wants(w->pool, w->path, (uint32_t)st.st_mode,
							   (uint64_t)st.st_size);
			if (!here && !there)
				goto next;
			if ((uint64_t)st.st_size > w->o->limits.max_file_size) {
				mmr_sbom_warn(w->ctx, w->path,
					      "file of %llu bytes is over max-file-size (%llu), not analysed",
					      (unsigned long long)st.st_size,
					      (unsigned long long)w->o->limits.max_file_size);
				goto next;
			}
			if (fd < 0 && (fd = open_file(dirfd(dir), name)) < 0) {
				mmr_sbom_warn(w->ctx, w->path, "cannot read: %s", strerror(-fd));
				fd = -1;
				goto next;
			}
			uint8_t *data = NULL;
			size_t len = 0;
			if (here) {
				int r = read_file(fd, (uint64_t)st.st_size, &data, &len);
				fd = -1;
				if (r < 0) {
					mmr_sbom_warn(w->ctx, w->path, "cannot read: %s", strerror(-r));
					goto next;
				}
				struct mmr_sbom_file f = { .path = w->path, .data = data, .len = len,
							   .mode = (uint32_t)st.st_mode };
				mmr_sbom_analyze(w->ctx, &f);
			}
			if (there) {
				int r = pool_queue(w->pool, w->path, &st, fd, data, len);
				fd = -1;
				if (r < 0)
					mmr_sbom_warn(w->ctx, w->path, "not scanned: %s", strerror(-r));
			} else {
				free(data);
			}
		}
next:
		if (fd >= 0)
			close(fd);
		w->path[base] = 0;
	}
	closedir(dir);
}

int mmr_scan_dir(struct mmr_report *r, const char *root, enum mmr_asset_kind kind,
		 const struct mmr_scan_opts *o, struct mmr_error *reterr)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, root, 0, 0, "cannot open directory: %s",
				     strerror(errno));
	r->asset.kind = kind;
	r->asset.name = mmr_arena_strdup(r->arena, root);
	if (kind == MMR_ASSET_HOST) {
		char hn[256];
		if (gethostname(hn, sizeof(hn)) == 0) {
			hn[sizeof(hn) - 1] = 0;
			r->asset.hostname = mmr_arena_strdup(r->arena, hn);
		}
	}
	struct mmr_sbom_ctx *ctx = mmr_arena_alloc(r->arena, sizeof(*ctx));
	if (!ctx) {
		close(fd);
		return -ENOMEM;
	}
	mmr_sbom_ctx_init(ctx, r->arena, &o->limits,
			  kind == MMR_ASSET_FS ? MMR_SBOM_SOURCE : MMR_SBOM_INSTALLED, NULL);
	ctx->scanners = o->scanners;
	struct walk *w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return -ENOMEM;
	}
	w->ctx = ctx;
	w->o = o;
	w->kind = kind;
	w->pool = pool_start(ctx);
	walk_dir(w, fd, 0); /* closes fd */
	int rc = w->pool ? pool_finish(w->pool, ctx, o->scanners) : 0;
	mmr_debug("walked %llu entries under %s, %llu files analysed",
		  (unsigned long long)w->entries, root, (unsigned long long)ctx->files_parsed);
	free(w);
	if (rc < 0)
		return rc;
	return mmr_sbom_merge(r, &ctx, 1);
}
