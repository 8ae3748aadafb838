/* image.c - image references, the common layer pipeline, mmr_scan_image. */
#include "image/image.h"
#include "core/core-hash.h"
#include "core/core-str.h"
#include "image/image-cache.h"
#include "image/image-registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *mmr_image_host_platform(char *buf, size_t len)
{
	struct utsname u;
	const char *arch = "amd64", *variant = NULL;
	if (uname(&u) == 0) {
		if (strcmp(u.machine, "x86_64") == 0)
			arch = "amd64";
		else if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0)
			arch = "arm64", variant = "v8";
		else if (mmr_cstr_starts(u.machine, "armv7"))
			arch = "arm", variant = "v7";
		else if (mmr_cstr_starts(u.machine, "armv6"))
			arch = "arm", variant = "v6";
		else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
			arch = "386";
		else if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
			 strcmp(u.machine, "riscv64") == 0)
			arch = u.machine;
	}
	snprintf(buf, len, "linux/%s%s%s", arch, variant ? "/" : "", variant ? variant : "");
	return buf;
}

/* ---- the common pipeline ---- */

void mmr_image_scan_init(struct mmr_image_scan *s, struct mmr_report *r,
			 const struct mmr_scan_opts *o, const char *cache_dir)
{
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->o = o;
	s->cache_dir = cache_dir;
}

int mmr_image_scan_config(struct mmr_image_scan *s, const void *data, size_t len,
			  const char *config_digest, struct mmr_error *reterr)
{
	struct mmr_report *r = s->r;
	char hex[MMR_SHA256_HEX_LEN + 1];
	const char *name = config_digest ? config_digest : "image config";
	int e = mmr_sha256_hex(data, len, hex);
	if (e < 0)
		return e;
	if (config_digest && (strncmp(config_digest, "sha256:", 7) != 0 ||
			      strcmp(config_digest + 7, hex) != 0))
		return mmr_error_set(reterr, EBADMSG, config_digest, 0, 0,
				     "config blob %s does not match its digest (content is sha256:%s)",
				     config_digest, hex);
	e = mmr_image_config_parse(r->arena, data, len, name, &r->asset.config, &s->diff_ids,
				   reterr);
	if (e < 0)
		return e;
	r->asset.has_config = true;
	r->asset.image_id = mmr_arena_printf(r->arena, "sha256:%s", hex);
	return r->asset.image_id ? 0 : -ENOMEM;
}

int mmr_image_scan_layers(struct mmr_image_scan *s, size_t n, struct mmr_error *reterr)
{
	struct mmr_report *r = s->r;
	if (n != s->diff_ids.n)
		return mmr_error_set(reterr, EBADMSG, r->asset.name, 0, 0,
				     "the manifest lists %zu layers but the config has %zu diff IDs",
				     n, s->diff_ids.n);
	s->n = n;
	s->ctxs = mmr_arena_calloc(r->arena, n + 1, sizeof(*s->ctxs));
	if (!s->ctxs)
		return -ENOMEM;
	/* created_by of the history entries that made a layer, in order */
	size_t h = 0;
	const struct mmr_vec *hist = &r->asset.config.history;
	for (size_t i = 0; i < n; i++) {
		struct mmr_layer *l = mmr_arena_alloc(r->arena, sizeof(*l));
		if (!l || mmr_vec_push(r->arena, &r->asset.layers, l) < 0)
			return -ENOMEM;
		l->diff_id = s->diff_ids.v[i];
		while (h < hist->n && ((struct mmr_image_history *)hist->v[h])->empty_layer)
			h++;
		if (h < hist->n)
			l->created_by = ((struct mmr_image_history *)hist->v[h++])->created_by;
	}
	return 0;
}

int mmr_image_scan_layer_info(struct mmr_image_scan *s, size_t i, const char *digest,
			      uint64_t size, const char *media_type)
{
	struct mmr_arena *a = s->r->arena;
	if (i >= s->n)
		return -EINVAL;
	struct mmr_layer *l = s->r->asset.layers.v[i];
	if (digest)
		l->digest = mmr_arena_strdup(a, digest);
	l->size = size;
	if (media_type)
		l->media_type = mmr_arena_strdup(a, media_type);
	return 0;
}

static void progress(struct mmr_image_scan *s)
{
	s->done++;
	if (s->o && s->o->progress)
		s->o->progress(s->o->progress_ud, "layer", s->done, s->n);
}

bool mmr_image_scan_cached(struct mmr_image_scan *s, size_t i)
{
	struct mmr_sbom_ctx *ctx = NULL;
	if (i >= s->n)
		return false;
	if (s->ctxs[i])
		return true;
	/* the same layer twice in one image */
	for (size_t k = 0; k < s->n; k++)
		if (k != i && s->ctxs[k] && strcmp(s->diff_ids.v[k], s->diff_ids.v[i]) == 0) {
			s->ctxs[i] = s->ctxs[k];
			progress(s);
			return true;
		}
	/* the entry must have been made by the same analyzers and content
	 * scanners (their findings are part of it): the key says so */
	if (!s->cache_dir || mmr_image_cache_load(s->r->arena, &s->o->limits, s->cache_dir,
						  s->o->scanners, s->diff_ids.v[i], &ctx) < 0)
		return false;
	s->ctxs[i] = ctx;
	s->cache_hits++;
	progress(s);
	return true;
}

int mmr_image_scan_stream(struct mmr_image_scan *s, size_t i, const char *expect_digest,
			  mmr_layer_read_fn rd, void *ud, struct mmr_error *reterr)
{
	struct mmr_report *r = s->r;
	struct mmr_layer_result res;
	if (i >= s->n)
		return -EINVAL;
	const char *diff_id = s->diff_ids.v[i];
	struct mmr_sbom_ctx *ctx = mmr_arena_alloc(r->arena, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	mmr_sbom_ctx_init(ctx, r->arena, &s->o->limits, MMR_SBOM_INSTALLED, diff_id);
	ctx->scanners = s->o->scanners;
	const char *name = expect_digest ? expect_digest : diff_id;
	int e = mmr_layer_scan(ctx, name, rd, ud, &s->image_bytes, &res, reterr);
	if (e < 0)
		return e;
	if (expect_digest && strcmp(expect_digest, res.digest) != 0)
		return mmr_error_set(reterr, EBADMSG, expect_digest, 0, 0,
				     "layer blob %s does not match its digest (content is %s)",
				     expect_digest, res.digest);
	if (strcmp(diff_id, res.diff_id) != 0)
		return mmr_error_set(reterr, EBADMSG, name, 0, 0,
				     "layer %s: uncompressed content %s does not match the config's "
				     "rootfs.diff_ids[%zu] %s",
				     name, res.diff_id, i, diff_id);
	struct mmr_layer *l = r->asset.layers.v[i];
	if (!l->size)
		l->size = res.compressed;
	/* a cache that cannot be written only costs time; a layer with a secret
	 * in clear (--show-secrets) is refused by the store, never written */
	if (s->cache_dir)
		(void)mmr_image_cache_store(s->cache_dir, ctx);
	s->ctxs[i] = ctx;
	/* duplicates of this layer later in the image share the result */
	for (size_t k = i + 1; k < s->n; k++)
		if (!s->ctxs[k] && strcmp(s->diff_ids.v[k], diff_id) == 0)
			s->ctxs[k] = ctx;
	progress(s);
	return 0;
}

int mmr_image_scan_finish(struct mmr_image_scan *s, struct mmr_error *reterr)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->ctxs[i])
			return mmr_error_set(reterr, EBADMSG, s->r->asset.name, 0, 0,
					     "layer %zu (%s) was not found in the image", i,
					     (const char *)s->diff_ids.v[i]);
	return mmr_sbom_merge(s->r, s->ctxs, s->n);
}

/* ---- registry ---- */

struct reg_skip {
	struct mmr_image_scan *s;
	bool config_done;
	struct mmr_error *reterr;
};

struct fd_src {
	int fd;
	uint8_t buf[64 * 1024];
};

static ssize_t fd_read(void *ud, const void **buf)
{
	struct fd_src *f = ud;
	for (;;) {
		ssize_t n = read(f->fd, f->buf, sizeof(f->buf));
		if (n < 0 && errno == EINTR)
			continue;
		*buf = f->buf;
		return n;
	}
}

static bool reg_skip_fn(void *ud, size_t index, const char *diff_id)
{
	struct reg_skip *rs = ud;
	struct mmr_image_scan *s = rs->s;
	if (!s->cache_dir || !mmr_image_digest_valid(diff_id))
		return false;
	struct mmr_sbom_ctx *ctx = NULL;
	if (mmr_image_cache_load(s->r->arena, &s->o->limits, s->cache_dir, s->o->scanners, diff_id,
				 &ctx) < 0)
		return false;
	(void)index;
	return true;
}

static int read_small_file(const char *path, size_t max, uint8_t **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return -E2BIG;
	}
	size_t len = (size_t)st.st_size, off = 0;
	uint8_t *d = malloc(len + 1);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while (off < len) {
		ssize_t n = read(fd, d + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	*ret = d;
	*ret_len = off;
	return 0;
}

static int scan_registry(struct mmr_report *r, const char *ref, const struct mmr_scan_opts *o,
			 const char *cache_dir, struct mmr_error *reterr)
{
	struct mmr_image_scan s;
	struct reg_skip rs = { 0 };
	struct mmr_registry_image *img = NULL;
	uint8_t *cfg = NULL;
	size_t cfg_len = 0;
	mmr_image_scan_init(&s, r, o, cache_dir);
	rs.s = &s;
	int e = mmr_registry_pull(r->arena, ref, o, reg_skip_fn, &rs, &img, reterr);
	if (e < 0)
		return e;
	if ((e = read_small_file(img->config_path, MMR_IMAGE_MAX_META, &cfg, &cfg_len)) < 0) {
		e = mmr_error_set(reterr, -e, img->config_path, 0, 0, "cannot read the config: %s",
				  strerror(-e));
		goto out;
	}
	if ((e = mmr_image_scan_config(&s, cfg, cfg_len, img->config_digest, reterr)) < 0 ||
	    (e = mmr_image_scan_layers(&s, img->n_layers, reterr)) < 0)
		goto out;
	r->asset.manifest_digest = mmr_arena_strdup(r->arena, img->manifest_digest);
	const char *repo = img->repository;
	if (mmr_cstr_starts(repo, "library/") && strcmp(img->registry, "registry-1.docker.io") == 0)
		repo += 8;
	if (img->tag) {
		char *t = mmr_arena_printf(r->arena, "%s:%s", repo, img->tag);
		if (t)
			mmr_vec_push(r->arena, &r->asset.repo_tags, t);
	}
	const char *rd = img->index_digest ? img->index_digest : img->manifest_digest;
	if (rd) {
		char *t = mmr_arena_printf(r->arena, "%s@%s", repo, rd);
		if (t)
			mmr_vec_push(r->arena, &r->asset.repo_digests, t);
	}
	for (size_t i = 0; i < img->n_layers; i++) {
		const struct mmr_registry_layer *L = &img->layers[i];
		mmr_image_scan_layer_info(&s, i, L->digest, L->size, L->media_type);
		if (mmr_image_scan_cached(&s, i))
			continue;
		if (!L->path) {
			e = mmr_error_set(reterr, EBADMSG, L->digest, 0, 0,
					  "layer %s was skipped but is not in the cache", L->digest);
			goto out;
		}
		struct fd_src *src = malloc(sizeof(*src));
		if (!src) {
			e = -ENOMEM;
			goto out;
		}
		src->fd = open(L->path, O_RDONLY | O_CLOEXEC);
		if (src->fd < 0) {
			e = mmr_error_set(reterr, errno, L->path, 0, 0, "cannot open layer blob: %s",
					  strerror(errno));
			free(src);
			goto out;
		}
		e = mmr_image_scan_stream(&s, i, L->digest, fd_read, src, reterr);
		close(src->fd);
		free(src);
		if (e < 0)
			goto out;
	}
	e = mmr_image_scan_finish(&s, reterr);
out:
	free(cfg);
	mmr_registry_image_free(img);
	return e;
}

/* ---- dispatch ---- */

int mmr_scan_image(struct mmr_report *r, const char *ref, const struct mmr_scan_opts *o,
		   struct mmr_error *reterr)
{
	char cbuf[4096];
	struct mmr_scan_opts def;
	struct stat st;
	if (!r || !ref || !*ref)
		return mmr_error_set(reterr, EINVAL, "", 0, 0, "empty image reference");
	if (!o) {
		mmr_scan_opts_default(&def);
		o = &def;
	}
	r->asset.kind = MMR_ASSET_IMAGE;
	r->asset.name = mmr_arena_strdup(r->arena, ref);
	if (!r->asset.name)
		return -ENOMEM;
	const char *cache_dir = mmr_scan_cache_dir(o, cbuf, sizeof(cbuf));

	if (mmr_cstr_starts(ref, "docker-archive:"))
		return mmr_image_scan_archive(r, ref + 15, o, cache_dir, reterr);
	if (mmr_cstr_starts(ref, "oci-archive:"))
		return mmr_image_scan_archive(r, ref + 12, o, cache_dir, reterr);
	if (mmr_cstr_starts(ref, "podman:"))
		return mmr_image_scan_podman(r, ref + 7, o, cache_dir, reterr);
	if (mmr_cstr_starts(ref, "oci:")) {
		const char *dir = ref + 4, *tag = NULL;
		if (stat(dir, &st) < 0) {
			const char *colon = strrchr(dir, ':');
			if (colon && colon > dir) {
				dir = mmr_arena_strndup(r->arena, dir, (size_t)(colon - dir));
				tag = colon + 1;
			}
		}
		if (!dir)
			return -ENOMEM;
		return mmr_image_scan_oci_dir(r, dir, tag && *tag ? tag : NULL, o, cache_dir, reterr);
	}
	const char *reg = ref;
	if (mmr_cstr_starts(ref, "registry:")) {
		reg = ref + 9;
	} else if (stat(ref, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mmr_image_scan_oci_dir(r, ref, NULL, o, cache_dir, reterr);
		return mmr_image_scan_archive(r, ref, o, cache_dir, reterr);
	} else if (strchr(ref, '/') && (ref[0] == '/' || ref[0] == '.')) {
		return mmr_error_set(reterr, ENOENT, ref, 0, 0, "no such file or directory");
	}
	return scan_registry(r, reg, o, cache_dir, reterr);
}
