/* scan-dir.c - scanning a directory tree: `mamori fs` (a source tree),
 * `mamori rootfs` (an installed root) and `mamori host` (the running host).
 *
 * The walk never follows symbolic links, stays on no special filesystem
 * (for host: /proc, /sys, /dev, /run are left out), bounds its depth
 * (max-walk-depth) and reads only the files an analyzer asks for, each up to
 * max-file-size. Unreadable entries become warnings. */
#include "scan/scan.h"
#include "core/core-log.h"
#include "sbom/sbom.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_scan_opts *o;
	enum mmr_asset_kind kind;
	uint64_t entries;
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

static int read_file(int dirfd, const char *name, uint64_t size, uint8_t **ret, size_t *ret_len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	uint8_t *d = malloc(size + 1);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	size_t off = 0;
	while (off < size) {
		ssize_t n = read(fd, d + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(d);
			close(fd);
			return e;
		}
		if (n == 0)
			break; /* shrank while we read: take what is there */
		off += (size_t)n;
	}
	close(fd);
	d[off] = 0;
	*ret = d;
	*ret_len = off;
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
		struct stat st;
		if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
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
			if (!mmr_sbom_wants(w->ctx, w->path, (uint32_t)st.st_mode, (uint64_t)st.st_size))
				goto next;
			if ((uint64_t)st.st_size > w->o->limits.max_file_size) {
				mmr_sbom_warn(w->ctx, w->path,
					      "file of %llu bytes is over max-file-size (%llu), not analysed",
					      (unsigned long long)st.st_size,
					      (unsigned long long)w->o->limits.max_file_size);
				goto next;
			}
			uint8_t *data = NULL;
			size_t len = 0;
			int r = read_file(dirfd(dir), name, (uint64_t)st.st_size, &data, &len);
			if (r < 0) {
				mmr_sbom_warn(w->ctx, w->path, "cannot read: %s", strerror(-r));
				goto next;
			}
			struct mmr_sbom_file f = { .path = w->path, .data = data, .len = len,
						   .mode = (uint32_t)st.st_mode };
			mmr_sbom_analyze(w->ctx, &f);
			free(data);
		}
next:
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
	walk_dir(w, fd, 0); /* closes fd */
	mmr_debug("walked %llu entries under %s, %llu files analysed",
		  (unsigned long long)w->entries, root, (unsigned long long)ctx->files_parsed);
	free(w);
	return mmr_sbom_merge(r, &ctx, 1);
}
