/* iac.c - the resource set shared by the IaC front ends, the unknown
 * marker, and the file reading / tree walking the file front ends share. */
#include "iac/iac.h"
#include "core/core-buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"

void mmr_iac_set_init(struct mmr_iac_set *s, struct mmr_arena *a)
{
	memset(s, 0, sizeof(*s));
	s->arena = a;
}

void mmr_iac_set_release(struct mmr_iac_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->resources.n; i++) {
		struct mmr_iac_resource *r = s->resources.v[i];
		json_decref(r->doc);
		json_decref(r->pos);
		r->doc = r->pos = NULL;
	}
	s->resources.n = 0;
}

json_t *mmr_iac_unknown(void)
{
	json_t *o = json_object();
	if (o)
		json_object_set_new(o, "$unknown", json_true());
	return o;
}

bool mmr_iac_is_unknown(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_is_true(json_object_get(v, "$unknown"));
}

/* ---- reading files, walking trees ------------------------------------------------------ */

int mmr_iac_parse_begin(const struct mmr_limits **limits, struct mmr_limits *def,
			const char **file, const char *deflt, const char *what, size_t len,
			struct mmr_error *reterr)
{
	if (!*limits) {
		mmr_limits_default(def);
		*limits = def;
	}
	if (!*file)
		*file = deflt;
	if (len > (*limits)->max_file_size)
		return mmr_error_set(reterr, E2BIG, *file, 0, 0, "%s larger than %llu bytes (max-file-size)",
				     what, (unsigned long long)(*limits)->max_file_size);
	return 0;
}

int mmr_iac_read_file(const char *path, const struct mmr_limits *lim, char **ret,
		      size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > lim->max_file_size) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : !S_ISREG(st.st_mode) ? -EINVAL : -EFBIG;
	}
	int rc = mmr_read_fd(fd, lim->max_file_size, ret, ret_len);
	close(fd);
	return rc;
}

void mmr_iac_add_error(struct mmr_iac_set *set, const char *path, struct mmr_error *e)
{
	char msg[1200];
	if (!e->file[0])
		snprintf(e->file, sizeof(e->file), "%s", path);
	struct mmr_diag *d = mmr_arena_alloc(set->arena, sizeof(*d));
	if (!d)
		return;
	d->where = mmr_arena_strdup(set->arena, path);
	d->message = mmr_arena_strdup(set->arena, mmr_error_format(e, msg, sizeof(msg)));
	mmr_vec_push(set->arena, &set->errors, d);
}

struct walker {
	struct mmr_iac_set *set;
	const struct mmr_limits *lim;
	bool (*want)(const char *name);
	void (*scan)(struct mmr_iac_set *, const char *, const struct mmr_limits *);
};

static int walk_dir(const struct walker *w, const char *dir, uint64_t depth)
{
	if (depth > w->lim->max_walk_depth)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' || !strcmp(nm, "node_modules"))
			continue;
		char *p = mmr_arena_printf(w->set->arena, "%s/%s", dir, nm);
		if (!p)
			break;
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk_dir(w, p, depth + 1);
		else if (S_ISREG(st.st_mode) && w->want(nm))
			w->scan(w->set, p, w->lim);
	}
	closedir(d);
	return 0;
}

int mmr_iac_walk(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 bool (*want)(const char *name),
		 void (*scan)(struct mmr_iac_set *set, const char *path,
			      const struct mmr_limits *lim),
		 struct mmr_error *reterr)
{
	struct mmr_limits def;
	if (!limits) {
		mmr_limits_default(&def);
		limits = &def;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot read: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		scan(set, path, limits);
		return 0;
	}
	const struct walker w = { set, limits, want, scan };
	int r = walk_dir(&w, path, 0);
	if (r < 0)
		return mmr_error_set(reterr, -r, path, 0, 0, "cannot read directory: %s",
				     strerror(-r));
	return 0;
}

char *mmr_iac_ptr_join(const char *parent, const char *tok, size_t max)
{
	struct mmr_buf b;
	mmr_buf_init(&b, max);
	if (mmr_buf_adds(&b, parent ? parent : "") < 0 || mmr_buf_addc(&b, '/') < 0)
		goto fail;
	for (const char *p = tok; *p; p++) {
		int r = *p == '~' ? mmr_buf_adds(&b, "~0")
			: *p == '/' ? mmr_buf_adds(&b, "~1")
				    : mmr_buf_addc(&b, *p);
		if (r < 0)
			goto fail;
	}
	return mmr_buf_detach(&b, NULL);
fail:
	mmr_buf_release(&b);
	return NULL;
}

char *mmr_iac_ptr_idx(const char *parent, size_t i, size_t max)
{
	char t[32];
	snprintf(t, sizeof(t), "%zu", i);
	return mmr_iac_ptr_join(parent, t, max);
}
