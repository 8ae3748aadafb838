/* runtime-fim.c - file integrity monitoring (runtime-fim.h). */
#include "runtime/runtime-fim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-hash.h"
#include "core/core-sqlite.h"
#include "model/model.h"

const char *const mmr_rt_fim_default_paths[] = {
	"/etc", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/boot",
	"/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys2",
	"/home/*/.ssh/authorized_keys", "/home/*/.ssh/authorized_keys2",
};
const size_t mmr_rt_fim_default_npaths = sizeof(mmr_rt_fim_default_paths) / sizeof(mmr_rt_fim_default_paths[0]);

static const char *const type_names[] = { "file", "symlink", "dir", "other" };
static const char *const change_names[] = { "added", "modified", "deleted", "perms" };

const char *mmr_rt_fim_type_name(unsigned t)
{
	return t < 4 ? type_names[t] : "unknown";
}

const char *mmr_rt_fim_change_name(unsigned k)
{
	return k < 4 ? change_names[k] : "unknown";
}

/* ---- a path-keyed hash table of malloc'd entries (linear probing,
 * backward-shift deletion: no tombstones, so a long-running agent that
 * updates entries keeps a bounded table) ---- */

struct tab {
	struct mmr_rt_fim_entry **slots;
	size_t cap, n;
};

static void entry_free(struct mmr_rt_fim_entry *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->target);
	free(e);
}

static void tab_clear(struct tab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		entry_free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t tab_find(const struct tab *t, const char *path)
{
	size_t i = mmr_hash64(path, strlen(path)) & (t->cap - 1);
	while (t->slots[i] && strcmp(t->slots[i]->path, path) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

static struct mmr_rt_fim_entry *tab_get(const struct tab *t, const char *path)
{
	return t->cap ? t->slots[tab_find(t, path)] : NULL;
}

static int tab_grow(struct tab *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct mmr_rt_fim_entry **ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	struct tab nt = { ns, ncap, 0 };
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i]) {
			ns[tab_find(&nt, t->slots[i]->path)] = t->slots[i];
			nt.n++;
		}
	free(t->slots);
	*t = nt;
	return 0;
}

/* Takes ownership of e (freed on error); replaces an entry of that path. */
static int tab_put(struct tab *t, struct mmr_rt_fim_entry *e)
{
	if ((t->n + 1) * 4 > t->cap * 3 && tab_grow(t) < 0) {
		entry_free(e);
		return -ENOMEM;
	}
	size_t i = tab_find(t, e->path);
	if (t->slots[i])
		entry_free(t->slots[i]);
	else
		t->n++;
	t->slots[i] = e;
	return 0;
}

/* Remove and return (caller frees) the entry at path. */
static struct mmr_rt_fim_entry *tab_take(struct tab *t, const char *path)
{
	if (!t->cap)
		return NULL;
	size_t i = tab_find(t, path);
	struct mmr_rt_fim_entry *e = t->slots[i];
	if (!e)
		return NULL;
	t->slots[i] = NULL;
	t->n--;
	size_t mask = t->cap - 1;
	for (size_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
		size_t home = mmr_hash64(t->slots[j]->path, strlen(t->slots[j]->path)) & mask;
		/* move j back to i if its home is not in (i, j] cyclically */
		bool in = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!in) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
	return e;
}

/* ---- the handle ---- */

struct mmr_rt_fim {
	char **roots;
	size_t nroots;
	bool roots_given;
	size_t max_files;
	struct tab base;
	struct tab marked; /* entries with only path set */
	bool marked_overflow;
	mmr_rt_fim_warn_fn warn;
	void *warn_ud;
};

static void roots_free(struct mmr_rt_fim *f)
{
	for (size_t i = 0; i < f->nroots; i++)
		free(f->roots[i]);
	free(f->roots);
	f->roots = NULL;
	f->nroots = 0;
}

static int roots_set(struct mmr_rt_fim *f, const char *const *paths, size_t n)
{
	if (n > MMR_RT_FIM_MAX_ROOTS)
		return -E2BIG;
	char **r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]);
		if (paths[i][0] != '/' || len >= MMR_RT_FIM_PATH_MAX) {
			for (size_t j = 0; j < i; j++)
				free(r[j]);
			free(r);
			return -EINVAL;
		}
		while (len > 1 && paths[i][len - 1] == '/')
			len--;
		r[i] = strndup(paths[i], len);
		if (!r[i]) {
			for (size_t j = 0; j < i; j++)
				free(r[j]);
			free(r);
			return -ENOMEM;
		}
	}
	roots_free(f);
	f->roots = r;
	f->nroots = n;
	return 0;
}

struct mmr_rt_fim *mmr_rt_fim_new(const struct mmr_rt_fim_opts *opts)
{
	struct mmr_rt_fim *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->max_files = opts && opts->max_files ? opts->max_files : MMR_RT_FIM_MAX_FILES_DEFAULT;
	f->roots_given = opts && opts->paths;
	int rc = f->roots_given ? roots_set(f, opts->paths, opts->npaths)
				: roots_set(f, mmr_rt_fim_default_paths, mmr_rt_fim_default_npaths);
	if (rc < 0) {
		free(f);
		return NULL;
	}
	return f;
}

void mmr_rt_fim_free(struct mmr_rt_fim *f)
{
	if (!f)
		return;
	roots_free(f);
	tab_clear(&f->base);
	tab_clear(&f->marked);
	free(f);
}

void mmr_rt_fim_set_warn(struct mmr_rt_fim *f, mmr_rt_fim_warn_fn fn, void *ud)
{
	f->warn = fn;
	f->warn_ud = ud;
}

static void warn(const struct mmr_rt_fim *f, const char *path, int err)
{
	if (f->warn)
		f->warn(f->warn_ud, path, err);
}

size_t mmr_rt_fim_count(const struct mmr_rt_fim *f)
{
	return f->base.n;
}

const struct mmr_rt_fim_entry *mmr_rt_fim_get(const struct mmr_rt_fim *f, const char *path)
{
	return tab_get(&f->base, path);
}

size_t mmr_rt_fim_roots(const struct mmr_rt_fim *f, const char *const **ret_roots)
{
	*ret_roots = (const char *const *)f->roots;
	return f->nroots;
}

/* ---- recording one entry ---- */

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* path is root or below it ("/etc" covers "/etc/x", not "/etcx"). */
static bool under(const char *root, const char *path)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return path[0] == '/';
	return strncmp(root, path, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static bool under_root(const char *root, const char *path)
{
	if (!is_glob(root))
		return under(root, path);
	/* a glob root covers a path when the path or one of its '/'-prefixes matches */
	char buf[MMR_RT_FIM_PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, path, len + 1);
	for (;;) {
		if (fnmatch(root, buf, FNM_PATHNAME | FNM_PERIOD) == 0)
			return true;
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return false;
		*slash = 0;
	}
}

static bool under_roots(const struct mmr_rt_fim *f, const char *path)
{
	for (size_t i = 0; i < f->nroots; i++)
		if (under_root(f->roots[i], path))
			return true;
	return false;
}

static void fill_stat(struct mmr_rt_fim_entry *e, const struct stat *st)
{
	e->type = S_ISREG(st->st_mode) ? MMR_RT_FIM_FILE : S_ISLNK(st->st_mode) ? MMR_RT_FIM_SYMLINK
		  : S_ISDIR(st->st_mode) ? MMR_RT_FIM_DIR : MMR_RT_FIM_OTHER;
	e->mode = st->st_mode & 07777;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Stream-hash the regular file name in dirfd; fills the entry from the
 * fstat of the opened file (what was hashed). Returns 0 or a positive errno
 * (content not recorded, the lstat values kept). */
static int hash_file(int dirfd, const char *name, struct mmr_rt_fim_entry *e)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return EAGAIN; /* replaced between lstat and open */
	}
	struct mmr_sha256 h;
	if (mmr_sha256_init(&h) < 0) {
		close(fd);
		return ENOMEM;
	}
	static __thread unsigned char buf[65536];
	int err = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		mmr_sha256_update(&h, buf, (size_t)n);
	}
	close(fd);
	if (err) {
		mmr_sha256_release(&h);
		return err;
	}
	if (mmr_sha256_final_hex(&h, e->sha256) < 0)
		return ENOMEM;
	fill_stat(e, &st);
	return 0;
}

/* Record name (in dirfd) at path given its lstat. NULL on ENOMEM. */
static struct mmr_rt_fim_entry *record(const struct mmr_rt_fim *f, int dirfd, const char *name, const char *path,
				       const struct stat *st)
{
	struct mmr_rt_fim_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return NULL;
	}
	fill_stat(e, st);
	if (e->type == MMR_RT_FIM_FILE) {
		int err = hash_file(dirfd, name, e);
		if (err == ENOMEM) {
			entry_free(e);
			return NULL;
		}
		if (err) {
			e->flags |= MMR_RT_FIM_UNREADABLE;
			e->sha256[0] = 0;
			warn(f, path, err);
		}
	} else if (e->type == MMR_RT_FIM_SYMLINK) {
		char t[MMR_RT_FIM_PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, t, sizeof(t));
		if (n < 0 || (size_t)n >= sizeof(t)) {
			e->flags |= MMR_RT_FIM_UNREADABLE;
			warn(f, path, n < 0 ? errno : ENAMETOOLONG);
			n = n < 0 ? 0 : (ssize_t)sizeof(t) - 1;
		}
		t[n] = 0;
		if (!(e->target = strdup(t))) {
			entry_free(e);
			return NULL;
		}
	}
	return e;
}

/* ---- walking ---- */

struct walk {
	struct mmr_rt_fim *f;
	struct tab *out;
	dev_t dev;
	int err; /* first fatal error (-ENOMEM, -E2BIG) */
};

static int add(struct walk *w, struct mmr_rt_fim_entry *e)
{
	if (!e)
		return w->err = -ENOMEM;
	if (!tab_get(w->out, e->path) && w->out->n >= w->f->max_files) {
		entry_free(e);
		return w->err = -E2BIG;
	}
	int rc = tab_put(w->out, e);
	return rc < 0 ? (w->err = rc) : 0;
}

/* Walk the directory open as dfd (path), recording its entries. Takes dfd. */
static void walk_dir(struct walk *w, int dfd, char *path, size_t plen, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		warn(w->f, path, errno);
		close(dfd);
		return;
	}
	struct dirent *de;
	while (!w->err && (de = readdir(d))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))
			continue;
		size_t nl = strlen(nm);
		bool slash = !(plen == 1 && path[0] == '/');
		if (plen + slash + nl >= MMR_RT_FIM_PATH_MAX) {
			path[plen] = 0;
			warn(w->f, path, ENAMETOOLONG);
			continue;
		}
		if (slash)
			path[plen] = '/';
		memcpy(path + plen + slash, nm, nl + 1);
		size_t clen = plen + slash + nl;
		struct stat st;
		if (fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				warn(w->f, path, errno);
			continue;
		}
		if (add(w, record(w->f, dirfd(d), nm, path, &st)) < 0)
			break;
		if (S_ISDIR(st.st_mode) && st.st_dev == w->dev) {
			if (depth >= MMR_RT_FIM_MAX_DEPTH) {
				warn(w->f, path, ELOOP);
				continue;
			}
			int cfd = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				warn(w->f, path, errno);
				continue;
			}
			walk_dir(w, cfd, path, clen, depth + 1);
		}
		path[plen] = 0;
	}
	path[plen] = 0;
	closedir(d);
}

/* Record path (absolute, no glob) and, when it is a directory, its subtree. */
static void walk_path(struct walk *w, const char *p)
{
	char path[MMR_RT_FIM_PATH_MAX];
	size_t plen = strlen(p);
	if (plen >= sizeof(path)) {
		warn(w->f, p, ENAMETOOLONG);
		return;
	}
	memcpy(path, p, plen + 1);
	/* the parent is opened to record the root itself without following it */
	char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	int pfd;
	if (slash == path && !slash[1]) { /* "/" */
		pfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		name = ".";
	} else {
		*slash = 0;
		pfd = open(slash == path ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
	}
	if (pfd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			warn(w->f, p, errno);
		return;
	}
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			warn(w->f, p, errno);
		close(pfd);
		return;
	}
	if (add(w, record(w->f, pfd, name, path, &st)) < 0 || !S_ISDIR(st.st_mode)) {
		close(pfd);
		return;
	}
	int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (dfd < 0) {
		warn(w->f, p, errno);
		return;
	}
	w->dev = st.st_dev;
	walk_dir(w, dfd, path, plen, 1);
}

static int walk_roots(struct mmr_rt_fim *f, struct tab *out)
{
	struct walk w = { f, out, 0, 0 };
	for (size_t i = 0; i < f->nroots && !w.err; i++) {
		if (!is_glob(f->roots[i])) {
			walk_path(&w, f->roots[i]);
			continue;
		}
		glob_t g;
		int rc = glob(f->roots[i], GLOB_NOSORT, NULL, &g);
		if (rc == GLOB_NOSPACE) {
			globfree(&g);
			return -ENOMEM;
		}
		if (rc == 0)
			for (size_t j = 0; j < g.gl_pathc && !w.err; j++)
				walk_path(&w, g.gl_pathv[j]);
		globfree(&g);
	}
	return w.err;
}

/* ---- comparing ---- */

struct changes {
	struct mmr_rt_fim_change *v;
	size_t n, cap;
};

static int change_add(struct changes *cs, enum mmr_rt_fim_change_kind k, const struct mmr_rt_fim_entry *old,
		      const struct mmr_rt_fim_entry *cur)
{
	if (cs->n == cs->cap) {
		size_t nc = cs->cap ? cs->cap * 2 : 64;
		struct mmr_rt_fim_change *nv = realloc(cs->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		cs->v = nv;
		cs->cap = nc;
	}
	struct mmr_rt_fim_change *c = &cs->v[cs->n++];
	memset(c, 0, offsetof(struct mmr_rt_fim_change, detail));
	c->kind = k;
	c->old = old;
	c->cur = cur;
	c->path = (old ? old : cur)->path;
	c->detail[0] = 0;
	size_t off = 0;
#define APPEND(...)                                                                                   \
	do {                                                                                          \
		int w_ = snprintf(c->detail + off, sizeof(c->detail) - off, __VA_ARGS__);             \
		if (w_ > 0)                                                                           \
			off = (size_t)w_ < sizeof(c->detail) - off ? off + (size_t)w_ : sizeof(c->detail) - 1; \
	} while (0)
	switch (k) {
	case MMR_RT_FIM_ADDED:
	case MMR_RT_FIM_DELETED: {
		const struct mmr_rt_fim_entry *e = old ? old : cur;
		APPEND("%s %s", k == MMR_RT_FIM_ADDED ? "new" : "removed", type_names[e->type]);
		if (e->type == MMR_RT_FIM_SYMLINK)
			APPEND(" -> %s", e->target ? e->target : "");
		else if (e->type == MMR_RT_FIM_FILE && e->sha256[0])
			APPEND(" sha256 %s", e->sha256);
		APPEND(" mode %04o uid %u gid %u", e->mode, e->uid, e->gid);
		break;
	}
	case MMR_RT_FIM_MODIFIED:
		if (old->type != cur->type)
			APPEND("type %s -> %s", type_names[old->type], type_names[cur->type]);
		else if (old->type == MMR_RT_FIM_SYMLINK)
			APPEND("target %s -> %s", old->target ? old->target : "", cur->target ? cur->target : "");
		else
			APPEND("sha256 %s -> %s, size %llu -> %llu", old->sha256, cur->sha256,
			       (unsigned long long)old->size, (unsigned long long)cur->size);
		break;
	case MMR_RT_FIM_PERMS: {
		const char *sep = "";
		if (old->mode != cur->mode) {
			APPEND("mode %04o -> %04o", old->mode, cur->mode);
			sep = ", ";
		}
		if (old->uid != cur->uid) {
			APPEND("%suid %u -> %u", sep, old->uid, cur->uid);
			sep = ", ";
		}
		if (old->gid != cur->gid)
			APPEND("%sgid %u -> %u", sep, old->gid, cur->gid);
		break;
	}
	}
#undef APPEND
	return 0;
}

static bool content_differs(const struct mmr_rt_fim_entry *a, const struct mmr_rt_fim_entry *b)
{
	if (a->type != b->type)
		return true;
	if ((a->flags | b->flags) & MMR_RT_FIM_UNREADABLE)
		return false;
	if (a->type == MMR_RT_FIM_SYMLINK)
		return strcmp(a->target ? a->target : "", b->target ? b->target : "") != 0;
	if (a->type == MMR_RT_FIM_FILE)
		return a->size != b->size || strcmp(a->sha256, b->sha256) != 0;
	return false;
}

static int compare(struct changes *cs, const struct mmr_rt_fim_entry *old, const struct mmr_rt_fim_entry *cur)
{
	int rc = 0;
	if (!old)
		return change_add(cs, MMR_RT_FIM_ADDED, NULL, cur);
	if (!cur)
		return change_add(cs, MMR_RT_FIM_DELETED, old, NULL);
	if (content_differs(old, cur))
		rc = change_add(cs, MMR_RT_FIM_MODIFIED, old, cur);
	if (rc == 0 && old->type == cur->type && (old->mode != cur->mode || old->uid != cur->uid || old->gid != cur->gid))
		rc = change_add(cs, MMR_RT_FIM_PERMS, old, cur);
	return rc;
}

static int change_cmp(const void *a, const void *b)
{
	const struct mmr_rt_fim_change *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : (int)x->kind - (int)y->kind;
}

static int emit(struct changes *cs, mmr_rt_fim_change_fn fn, void *ud)
{
	if (cs->n)
		qsort(cs->v, cs->n, sizeof(*cs->v), change_cmp);
	for (size_t i = 0; fn && i < cs->n; i++)
		if (fn(ud, &cs->v[i]) < 0)
			break;
	return (int)cs->n;
}

/* ---- build / check ---- */

int mmr_rt_fim_build(struct mmr_rt_fim *f)
{
	struct tab cur = { 0 };
	int rc = walk_roots(f, &cur);
	if (rc < 0) {
		tab_clear(&cur);
		return rc;
	}
	tab_clear(&f->base);
	f->base = cur;
	tab_clear(&f->marked);
	f->marked_overflow = false;
	return (int)f->base.n;
}

int mmr_rt_fim_check(struct mmr_rt_fim *f, bool update, mmr_rt_fim_change_fn fn, void *ud)
{
	struct tab cur = { 0 };
	struct changes cs = { 0 };
	int rc = walk_roots(f, &cur);
	for (size_t i = 0; rc == 0 && i < cur.cap; i++)
		if (cur.slots[i])
			rc = compare(&cs, tab_get(&f->base, cur.slots[i]->path), cur.slots[i]);
	for (size_t i = 0; rc == 0 && i < f->base.cap; i++) {
		const struct mmr_rt_fim_entry *e = f->base.slots[i];
		if (e && !tab_get(&cur, e->path) && under_roots(f, e->path))
			rc = compare(&cs, e, NULL);
	}
	if (rc == 0)
		rc = emit(&cs, fn, ud);
	free(cs.v);
	if (rc >= 0 && update) {
		/* the walk replaces the baseline inside the roots */
		for (size_t i = 0; i < f->base.cap; i++) {
			struct mmr_rt_fim_entry *e = f->base.slots[i];
			if (e && !tab_get(&cur, e->path) && under_roots(f, e->path)) {
				entry_free(tab_take(&f->base, e->path));
				i--; /* backward shift may have moved another entry here */
			}
		}
		for (size_t i = 0; i < cur.cap; i++)
			if (cur.slots[i]) {
				struct mmr_rt_fim_entry *e = cur.slots[i];
				cur.slots[i] = NULL;
				int prc = tab_put(&f->base, e);
				if (prc < 0 && rc >= 0)
					rc = prc;
			}
	}
	tab_clear(&cur);
	return rc;
}

/* ---- live ---- */

static bool write_open(uint32_t flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

static int mark(struct mmr_rt_fim *f, const char *path)
{
	if (!path || path[0] != '/' || !under_roots(f, path))
		return 0;
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (len >= MMR_RT_FIM_PATH_MAX)
		return 0;
	char p[MMR_RT_FIM_PATH_MAX];
	memcpy(p, path, len);
	p[len] = 0;
	if (tab_get(&f->marked, p))
		return 0;
	if (f->marked.n >= MMR_RT_FIM_MAX_MARKED) {
		f->marked_overflow = true;
		return 0;
	}
	struct mmr_rt_fim_entry *e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(p))) {
		free(e);
		f->marked_overflow = true; /* cannot track it: fall back to a full check */
		return -ENOMEM;
	}
	if (tab_put(&f->marked, e) < 0) {
		f->marked_overflow = true;
		return -ENOMEM;
	}
	return 1;
}

static const char *arg(const struct mmr_rt_event *ev, const char *name)
{
	const struct mmr_rt_evt_arg *a = mmr_rt_event_arg(ev, name);
	return a && a->value[0] ? a->value : NULL;
}

int mmr_rt_fim_event(struct mmr_rt_fim *f, const struct mmr_rt_event *ev)
{
	if (ev->dir == MMR_RT_DIR_EXIT && ev->res < 0)
		return 0;
	const char *p1 = NULL, *p2 = NULL;
	switch (ev->type) {
	case MMR_RT_EVT_OPEN:
	case MMR_RT_EVT_OPENAT:
	case MMR_RT_EVT_OPENAT2:
	case MMR_RT_EVT_CREAT:
		if (ev->type != MMR_RT_EVT_CREAT && !write_open(ev->fd.open_flags))
			return 0;
		p1 = ev->fd.name[0] ? ev->fd.name : arg(ev, "name");
		break;
	case MMR_RT_EVT_UNLINK:
	case MMR_RT_EVT_UNLINKAT:
		p1 = arg(ev, "path");
		if (!p1)
			p1 = arg(ev, "name");
		break;
	case MMR_RT_EVT_RENAME:
	case MMR_RT_EVT_RENAMEAT:
	case MMR_RT_EVT_RENAMEAT2:
	case MMR_RT_EVT_LINK:
	case MMR_RT_EVT_LINKAT:
		p1 = arg(ev, "oldpath");
		p2 = arg(ev, "newpath");
		if (ev->type == MMR_RT_EVT_LINK || ev->type == MMR_RT_EVT_LINKAT)
			p1 = NULL; /* the old name is unchanged (its metadata is not) */
		break;
	case MMR_RT_EVT_SYMLINK:
	case MMR_RT_EVT_SYMLINKAT:
		p1 = arg(ev, "linkpath");
		break;
	case MMR_RT_EVT_MKDIR:
	case MMR_RT_EVT_MKDIRAT:
	case MMR_RT_EVT_RMDIR:
		p1 = arg(ev, "path");
		break;
	case MMR_RT_EVT_CHMOD:
	case MMR_RT_EVT_FCHMOD:
	case MMR_RT_EVT_FCHMODAT:
		p1 = arg(ev, "filename");
		if (!p1)
			p1 = ev->fd.name[0] ? ev->fd.name : NULL;
		break;
	case MMR_RT_EVT_CHOWN:
	case MMR_RT_EVT_LCHOWN:
	case MMR_RT_EVT_FCHOWN:
	case MMR_RT_EVT_FCHOWNAT:
		p1 = arg(ev, "path");
		if (!p1)
			p1 = arg(ev, "pathname");
		if (!p1)
			p1 = ev->fd.name[0] ? ev->fd.name : NULL;
		break;
	default:
		return 0;
	}
	int n = 0, rc;
	if ((rc = mark(f, p1)) < 0)
		return rc;
	n += rc;
	if ((rc = mark(f, p2)) < 0)
		return rc;
	return n + rc;
}

size_t mmr_rt_fim_marked(const struct mmr_rt_fim *f)
{
	return f->marked.n;
}

/* Re-examine one marked path: cur = its state now (subtree when a dir),
 * old = the baseline's entry and, when either side is a directory, the
 * baseline's entries below it. */
static int recheck_one(struct mmr_rt_fim *f, const char *path, struct changes *cs, struct tab *now,
		       struct tab *gone)
{
	struct tab cur = { 0 };
	struct walk w = { f, &cur, 0, 0 };
	walk_path(&w, path);
	if (w.err) {
		tab_clear(&cur);
		return w.err;
	}
	const struct mmr_rt_fim_entry *b = tab_get(&f->base, path), *c = tab_get(&cur, path);
	bool subtree = (b && b->type == MMR_RT_FIM_DIR) || (c && c->type == MMR_RT_FIM_DIR);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < cur.cap; i++) {
		struct mmr_rt_fim_entry *e = cur.slots[i];
		if (!e || tab_get(now, e->path))
			continue;
		rc = compare(cs, tab_get(&f->base, e->path), e);
		cur.slots[i] = NULL;
		cur.n--;
		if (rc == 0)
			rc = tab_put(now, e);
		else
			entry_free(e);
	}
	if (rc == 0 && b && !c && !tab_get(now, path) && !tab_get(gone, path))
		rc = compare(cs, b, NULL);
	for (size_t i = 0; rc == 0 && subtree && i < f->base.cap; i++) {
		const struct mmr_rt_fim_entry *e = f->base.slots[i];
		if (e && e != b && under(path, e->path) && !tab_get(&cur, e->path) && !tab_get(now, e->path) &&
		    !tab_get(gone, e->path))
			rc = compare(cs, e, NULL);
	}
	/* remember what was reported gone, so a second mark does not repeat it */
	if (rc == 0 && b && !c && !tab_get(now, path) && !tab_get(gone, path)) {
		struct mmr_rt_fim_entry *g = calloc(1, sizeof(*g));
		if (!g || !(g->path = strdup(path))) {
			free(g);
			rc = -ENOMEM;
		} else {
			rc = tab_put(gone, g);
		}
	}
	for (size_t i = 0; rc == 0 && subtree && i < f->base.cap; i++) {
		const struct mmr_rt_fim_entry *e = f->base.slots[i];
		if (e && e != b && under(path, e->path) && !tab_get(now, e->path) && !tab_get(gone, e->path)) {
			struct mmr_rt_fim_entry *g = calloc(1, sizeof(*g));
			if (!g || !(g->path = strdup(e->path))) {
				free(g);
				rc = -ENOMEM;
			} else {
				rc = tab_put(gone, g);
			}
		}
	}
	tab_clear(&cur);
	return rc;
}

int mmr_rt_fim_recheck(struct mmr_rt_fim *f, mmr_rt_fim_change_fn fn, void *ud)
{
	if (f->marked_overflow) {
		int rc = mmr_rt_fim_check(f, true, fn, ud);
		if (rc >= 0) {
			tab_clear(&f->marked);
			f->marked_overflow = false;
		}
		return rc;
	}
	struct tab now = { 0 }, gone = { 0 };
	struct changes cs = { 0 };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < f->marked.cap; i++)
		if (f->marked.slots[i])
			rc = recheck_one(f, f->marked.slots[i]->path, &cs, &now, &gone);
	/* take the new state: drop what is gone, put what is there now (the
	 * changes point into base and now: emit before touching base) */
	if (rc == 0)
		rc = emit(&cs, fn, ud);
	free(cs.v);
	if (rc >= 0) {
		for (size_t i = 0; i < gone.cap; i++)
			if (gone.slots[i])
				entry_free(tab_take(&f->base, gone.slots[i]->path));
		for (size_t i = 0; i < now.cap; i++)
			if (now.slots[i]) {
				struct mmr_rt_fim_entry *e = now.slots[i];
				now.slots[i] = NULL;
				int prc = tab_put(&f->base, e);
				if (prc < 0)
					rc = prc;
			}
		tab_clear(&f->marked);
	}
	tab_clear(&now);
	tab_clear(&gone);
	return rc;
}

/* ---- SQLite ---- */

static const char *const fim_migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE IF NOT EXISTS roots(path TEXT PRIMARY KEY);"
	"CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, type TEXT NOT NULL, mode INTEGER,"
	" uid INTEGER, gid INTEGER, size INTEGER, mtime_ns INTEGER, sha256 TEXT, target TEXT,"
	" flags INTEGER);",
};

static int db_open(const char *path, int flags, sqlite3 **ret)
{
	static const struct mmr_sqlite_schema schema = {
		.name = "file integrity store",
		.busy_ms = 5000,
		.init_sql = "PRAGMA journal_mode=WAL;",
		.steps = fim_migrations,
		.nsteps = 1,
	};
	return mmr_sqlite_open(path, flags, &schema, ret, NULL, NULL);
}

int mmr_rt_fim_save(const struct mmr_rt_fim *f, const char *path)
{
	sqlite3 *db;
	int rc = db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
	if (rc < 0)
		return rc;
	sqlite3_stmt *sr = NULL, *sf = NULL;
	rc = -EIO;
	if (sqlite3_exec(db, "BEGIN; DELETE FROM roots; DELETE FROM files;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO roots VALUES(?)", -1, &sr, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO files VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &sf, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < f->nroots; i++) {
		sqlite3_bind_text(sr, 1, f->roots[i], -1, SQLITE_STATIC);
		if (sqlite3_step(sr) != SQLITE_DONE)
			goto out;
		sqlite3_reset(sr);
	}
	for (size_t i = 0; i < f->base.cap; i++) {
		const struct mmr_rt_fim_entry *e = f->base.slots[i];
		if (!e)
			continue;
		sqlite3_bind_text(sf, 1, e->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(sf, 2, type_names[e->type], -1, SQLITE_STATIC);
		sqlite3_bind_int64(sf, 3, e->mode);
		sqlite3_bind_int64(sf, 4, e->uid);
		sqlite3_bind_int64(sf, 5, e->gid);
		sqlite3_bind_int64(sf, 6, (sqlite3_int64)e->size);
		sqlite3_bind_int64(sf, 7, e->mtime_ns);
		if (e->sha256[0])
			sqlite3_bind_text(sf, 8, e->sha256, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(sf, 8);
		if (e->target)
			sqlite3_bind_text(sf, 9, e->target, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(sf, 9);
		sqlite3_bind_int64(sf, 10, e->flags);
		if (sqlite3_step(sf) != SQLITE_DONE)
			goto out;
		sqlite3_reset(sf);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
out:
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(sr);
	sqlite3_finalize(sf);
	sqlite3_close(db);
	return rc;
}

static int type_from_name(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

int mmr_rt_fim_load(struct mmr_rt_fim *f, const char *path, struct mmr_error *reterr)
{
	if (access(path, F_OK) != 0)
		return mmr_error_set(reterr, ENOENT, path, 0, 0, "no FIM baseline (run 'mamori agent fim init')");
	sqlite3 *db;
	int rc = db_open(path, SQLITE_OPEN_READWRITE, &db);
	if (rc == -EPROTO)
		return mmr_error_set(reterr, EPROTO, path, 0, 0, "unsupported FIM baseline schema version");
	if (rc < 0)
		return mmr_error_set(reterr, EIO, path, 0, 0, "cannot open the FIM baseline");
	struct tab t = { 0 };
	char **roots = NULL;
	size_t nroots = 0;
	sqlite3_stmt *st = NULL;
	rc = -EIO;
	if (sqlite3_prepare_v2(db, "SELECT path FROM roots ORDER BY path", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		if (!p || p[0] != '/' || nroots >= MMR_RT_FIM_MAX_ROOTS) {
			rc = mmr_error_set(reterr, EBADMSG, path, 0, 0, "bad root in the FIM baseline");
			goto out;
		}
		char **nr = realloc(roots, (nroots + 1) * sizeof(*nr));
		if (!nr || !(nr[nroots] = strdup(p))) {
			roots = nr ? nr : roots;
			rc = -ENOMEM;
			goto out;
		}
		roots = nr;
		nroots++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT path, type, mode, uid, gid, size, mtime_ns, sha256, target, flags FROM files",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		int ty = type_from_name((const char *)sqlite3_column_text(st, 1));
		const char *h = (const char *)sqlite3_column_text(st, 7);
		const char *tg = (const char *)sqlite3_column_text(st, 8);
		if (!p || p[0] != '/' || strlen(p) >= MMR_RT_FIM_PATH_MAX || ty < 0 ||
		    (h && strlen(h) != MMR_SHA256_HEX_LEN)) {
			rc = mmr_error_set(reterr, EBADMSG, path, 0, 0, "bad row in the FIM baseline: '%.200s'",
					   p ? p : "(null)");
			goto out;
		}
		if (t.n >= f->max_files) {
			rc = mmr_error_set(reterr, E2BIG, path, 0, 0, "more than %zu files in the FIM baseline",
					   f->max_files);
			goto out;
		}
		struct mmr_rt_fim_entry *e = calloc(1, sizeof(*e));
		if (!e || !(e->path = strdup(p)) || (tg && !(e->target = strdup(tg)))) {
			entry_free(e);
			rc = -ENOMEM;
			goto out;
		}
		e->type = (uint8_t)ty;
		e->mode = (uint32_t)sqlite3_column_int64(st, 2) & 07777;
		e->uid = (uint32_t)sqlite3_column_int64(st, 3);
		e->gid = (uint32_t)sqlite3_column_int64(st, 4);
		e->size = (uint64_t)sqlite3_column_int64(st, 5);
		e->mtime_ns = sqlite3_column_int64(st, 6);
		if (h)
			memcpy(e->sha256, h, MMR_SHA256_HEX_LEN + 1);
		e->flags = (uint8_t)(sqlite3_column_int64(st, 9) & MMR_RT_FIM_UNREADABLE);
		if ((rc = tab_put(&t, e)) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		rc = -EIO;
		goto out;
	}
	if (!f->roots_given && nroots) {
		rc = roots_set(f, (const char *const *)roots, nroots);
		if (rc < 0)
			goto out;
	}
	tab_clear(&f->base);
	f->base = t;
	memset(&t, 0, sizeof(t));
	tab_clear(&f->marked);
	f->marked_overflow = false;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	tab_clear(&t);
	for (size_t i = 0; i < nroots; i++)
		free(roots[i]);
	free(roots);
	return rc;
}

/* ---- findings ---- */

int mmr_rt_fim_change_finding(struct mmr_arena *a, const struct mmr_rt_fim_change *c, struct mmr_finding **ret)
{
	static const char *const titles[] = { "file added below a watched path", "file content changed",
					      "file deleted", "file permissions or owner changed" };
	static const enum mmr_severity sev[] = { MMR_SEV_MEDIUM, MMR_SEV_HIGH, MMR_SEV_MEDIUM, MMR_SEV_MEDIUM };
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	if (!f)
		return -ENOMEM;
	unsigned k = c->kind < 4 ? c->kind : 0;
	f->kind = MMR_FINDING_RUNTIME;
	f->rule_id = mmr_arena_printf(a, "fim/%s", change_names[k]);
	f->title = mmr_arena_printf(a, "%s: %s", titles[k], c->path);
	f->severity = sev[k];
	/* setuid/setgid bits appearing are worse */
	if (c->cur && (c->cur->mode & 06000) && (!c->old || !(c->old->mode & 06000)))
		f->severity = MMR_SEV_HIGH;
	f->score = -1;
	f->loc.file = mmr_arena_strdup(a, c->path);
	f->evidence = mmr_arena_strdup(a, c->detail);
	f->remediation = mmr_arena_strdup(a, "if the change is expected, accept it with 'mamori agent fim check "
					     "--update' (or re-run 'mamori agent fim init')");
	char fp[MMR_SHA256_HEX_LEN + 1];
	char *src = mmr_arena_printf(a, "runtime\x1f%s\x1f%s\x1f%s", f->rule_id ? f->rule_id : "", c->path,
				     c->detail);
	if (!src || mmr_sha256_hex(src, strlen(src), fp) < 0)
		return -ENOMEM;
	f->fingerprint = mmr_arena_strdup(a, fp);
	if (!f->rule_id || !f->title || !f->loc.file || !f->evidence || !f->remediation || !f->fingerprint)
		return -ENOMEM;
	*ret = f;
	return 0;
}
