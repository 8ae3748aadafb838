/* image-oci.c - OCI image index/manifest resolution and the OCI image
 * layout directory reader (index.json -> [index ->] manifest -> config +
 * layers, all under blobs/sha256/<hex>). */
#include "image/image.h"
#include "core/core-hash.h"
#include "core/core-str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

static int parse_desc(struct mmr_arena *a, const json_t *j, const char *file, const char *what,
		      struct mmr_oci_desc *d, struct mmr_error *reterr)
{
	const char *dg = mmr_json_str(j, "digest");
	json_t *sz = json_is_object(j) ? json_object_get(j, "size") : NULL;
	if (!mmr_image_digest_valid(dg))
		return mmr_error_set(reterr, dg && strchr(dg, ':') ? ENOTSUP : EBADMSG, file, 0, 0,
				     "%s: digest %s is not a sha256 digest", what,
				     dg ? dg : "(missing)");
	if (sz && (!json_is_integer(sz) || json_integer_value(sz) < 0))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "%s: bad size", what);
	d->digest = mmr_arena_strdup(a, dg);
	d->media_type = mmr_arena_strdup(a, mmr_json_str(j, "mediaType"));
	d->size = sz ? (uint64_t)json_integer_value(sz) : 0;
	return d->digest ? 0 : -ENOMEM;
}

int mmr_oci_manifest_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			   struct mmr_oci_manifest *ret, struct mmr_error *reterr)
{
	json_t *root = NULL;
	struct mmr_oci_manifest m = { 0 };
	int r = mmr_json_parse(data, len, file, &root, reterr);
	if (r < 0)
		return r;
	json_t *cfg = mmr_json_obj(root, "config");
	json_t *layers = mmr_json_arr(root, "layers");
	if (!cfg || !layers) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
				  "image manifest without config or layers");
		goto out;
	}
	if ((r = parse_desc(a, cfg, file, "config", &m.config, reterr)) < 0)
		goto out;
	m.n_layers = json_array_size(layers);
	m.layers = mmr_arena_calloc(a, m.n_layers + 1, sizeof(*m.layers));
	if (!m.layers) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m.n_layers; i++) {
		char what[48];
		snprintf(what, sizeof(what), "layers[%zu]", i);
		if ((r = parse_desc(a, json_array_get(layers, i), file, what, &m.layers[i], reterr)) <
		    0)
			goto out;
	}
	*ret = m;
	r = 0;
out:
	json_decref(root);
	return r;
}

static bool platform_match(const json_t *p, const char *want)
{
	char os[64], arch[64], variant[64];
	os[0] = arch[0] = variant[0] = 0;
	sscanf(want, "%63[^/]/%63[^/]/%63s", os, arch, variant);
	const char *pos = mmr_json_str(p, "os"), *parch = mmr_json_str(p, "architecture");
	const char *pvar = mmr_json_str(p, "variant");
	if (!pos || !parch || strcmp(pos, os) != 0 || strcmp(parch, arch) != 0)
		return false;
	/* a variant asked for must match; one not asked for matches any */
	return !variant[0] || !pvar || strcmp(pvar, variant) == 0 ||
	       (strcmp(arch, "arm64") == 0 && strcmp(variant, "v8") == 0);
}

static int verify(const char *digest, const uint8_t *d, size_t len, struct mmr_error *reterr)
{
	char hex[MMR_SHA256_HEX_LEN + 1];
	int r = mmr_sha256_hex(d, len, hex);
	if (r < 0)
		return r;
	if (strcmp(digest + 7, hex) != 0)
		return mmr_error_set(reterr, EBADMSG, digest, 0, 0,
				     "blob %s does not match its digest (content is sha256:%s)",
				     digest, hex);
	return 0;
}

/* Pick one descriptor of an index; returns its index in manifests or -errno. */
static int pick(const json_t *manifests, const char *file, const char *tag, const char *platform,
		struct mmr_error *reterr)
{
	size_t n = json_array_size(manifests), i;
	json_t *m;
	if (n == 0)
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "image index lists no manifests");
	if (tag) {
		json_array_foreach (manifests, i, m) {
			json_t *ann = mmr_json_obj(m, "annotations");
			const char *rn = mmr_json_str(ann, "org.opencontainers.image.ref.name");
			const char *cn = mmr_json_str(ann, "io.containerd.image.name");
			if ((rn && strcmp(rn, tag) == 0) ||
			    (cn && mmr_cstr_ends(cn, tag) && strlen(cn) > strlen(tag) &&
			     cn[strlen(cn) - strlen(tag) - 1] == ':'))
				return (int)i;
		}
		return mmr_error_set(reterr, ENOENT, file, 0, 0, "no image tagged \"%s\"", tag);
	}
	int found = -1, plain = -1, nplain = 0;
	json_array_foreach (manifests, i, m) {
		json_t *p = mmr_json_obj(m, "platform");
		if (!p) {
			if (plain < 0)
				plain = (int)i;
			nplain++;
			continue;
		}
		if (found < 0 && platform_match(p, platform))
			found = (int)i;
	}
	if (found >= 0)
		return found;
	if (n == 1 || nplain == 1)
		return n == 1 ? 0 : plain;
	if (nplain)
		return mmr_error_set(reterr, ENOENT, file, 0, 0,
				     "the index holds %zu images: give a tag", n);
	return mmr_error_set(reterr, ENOENT, file, 0, 0, "no image for platform %s in the index",
			     platform);
}

int mmr_oci_resolve(struct mmr_arena *a, mmr_oci_get_fn get, void *ud, const char *tag,
		    const char *platform, const char **ret_manifest_digest,
		    struct mmr_oci_manifest *ret, struct mmr_error *reterr)
{
	char pbuf[64], name[96], file[128];
	uint8_t *d = NULL;
	size_t len = 0;
	json_t *root = NULL;
	int r;
	if (!platform)
		platform = mmr_image_host_platform(pbuf, sizeof(pbuf));
	snprintf(file, sizeof(file), "index.json");
	if ((r = get(ud, "index.json", &d, &len, reterr)) < 0)
		return r;
	for (int depth = 0;; depth++) {
		if ((r = mmr_json_parse(d, len, file, &root, reterr)) < 0)
			goto out;
		json_t *manifests = mmr_json_arr(root, "manifests");
		if (!manifests) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "image index without a manifests array");
			goto out;
		}
		int k = pick(manifests, file, depth == 0 ? tag : NULL, platform, reterr);
		if (k < 0) {
			r = k;
			goto out;
		}
		struct mmr_oci_desc desc;
		if ((r = parse_desc(a, json_array_get(manifests, (size_t)k), file, "manifest", &desc,
				    reterr)) < 0)
			goto out;
		json_decref(root);
		root = NULL;
		free(d);
		d = NULL;
		snprintf(name, sizeof(name), "blobs/sha256/%s", desc.digest + 7);
		snprintf(file, sizeof(file), "%s", desc.digest);
		if ((r = get(ud, name, &d, &len, reterr)) < 0 || (r = verify(desc.digest, d, len, reterr)) < 0)
			goto out;
		bool index = is_index_type(desc.media_type);
		if (!desc.media_type) {
			/* sniff: an index has "manifests", a manifest "layers" */
			json_t *j = NULL;
			if (mmr_json_parse(d, len, file, &j, NULL) == 0)
				index = mmr_json_arr(j, "manifests") != NULL;
			json_decref(j);
		}
		if (!index) {
			r = mmr_oci_manifest_parse(a, d, len, file, ret, reterr);
			if (r == 0 && ret_manifest_digest)
				*ret_manifest_digest = desc.digest;
			goto out;
		}
		if (depth + 1 >= MMR_IMAGE_MAX_INDEX_DEPTH) {
			r = mmr_error_set(reterr, E2BIG, file, 0, 0,
					  "image indexes nested deeper than %d",
					  MMR_IMAGE_MAX_INDEX_DEPTH);
			goto out;
		}
	}
out:
	json_decref(root);
	free(d);
	return r;
}

/* ---- OCI layout directory ---- */

struct oci_dir {
	int dirfd;
	const char *dir;
};

static int read_at(int dirfd, const char *name, const char *shown, size_t max, uint8_t **ret,
		   size_t *ret_len, struct mmr_error *reterr)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return mmr_error_set(reterr, errno, shown, 0, 0, "cannot open %s: %s", name,
				     strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EBADMSG, shown, 0, 0, "%s is not a regular file", name);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, shown, 0, 0,
				     "%s is larger than %zu bytes of metadata", name, max);
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

static int dir_get(void *ud, const char *name, uint8_t **ret, size_t *ret_len,
		   struct mmr_error *reterr)
{
	struct oci_dir *od = ud;
	return read_at(od->dirfd, name, name, MMR_IMAGE_MAX_META, ret, ret_len, reterr);
}

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

int mmr_image_scan_oci_dir(struct mmr_report *r, const char *dir, const char *tag,
			   const struct mmr_scan_opts *o, const char *cache_dir,
			   struct mmr_error *reterr)
{
	struct oci_dir od = { -1, dir };
	struct mmr_oci_manifest m;
	struct mmr_image_scan s;
	const char *mdigest = NULL;
	uint8_t *d = NULL;
	size_t len = 0;
	char name[96];
	int e;

	od.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od.dirfd < 0)
		return mmr_error_set(reterr, errno, dir, 0, 0, "cannot open OCI layout: %s",
				     strerror(errno));
	if ((e = read_at(od.dirfd, "oci-layout", dir, 4096, &d, &len, reterr)) < 0) {
		mmr_error_prefix(reterr, "%s is not an OCI image layout", dir);
		goto out;
	}
	free(d);
	d = NULL;
	if ((e = mmr_oci_resolve(r->arena, dir_get, &od, tag, o->platform, &mdigest, &m, reterr)) <
	    0)
		goto out;
	r->asset.manifest_digest = mdigest;
	mmr_image_scan_init(&s, r, o, cache_dir);
	snprintf(name, sizeof(name), "blobs/sha256/%s", m.config.digest + 7);
	if ((e = dir_get(&od, name, &d, &len, reterr)) < 0 ||
	    (e = mmr_image_scan_config(&s, d, len, m.config.digest, reterr)) < 0 ||
	    (e = mmr_image_scan_layers(&s, m.n_layers, reterr)) < 0)
		goto out;
	for (size_t i = 0; i < m.n_layers; i++) {
		const struct mmr_oci_desc *L = &m.layers[i];
		mmr_image_scan_layer_info(&s, i, L->digest, L->size, L->media_type);
		if (mmr_image_scan_cached(&s, i))
			continue;
		snprintf(name, sizeof(name), "blobs/sha256/%s", L->digest + 7);
		struct fd_src *src = malloc(sizeof(*src));
		if (!src) {
			e = -ENOMEM;
			goto out;
		}
		src->fd = openat(od.dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (src->fd < 0) {
			e = mmr_error_set(reterr, errno, L->digest, 0, 0, "cannot open layer blob %s: %s",
					  name, strerror(errno));
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
	free(d);
	close(od.dirfd);
	return e;
}
