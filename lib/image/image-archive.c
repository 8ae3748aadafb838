/* image-archive.c - docker-archive (`docker save`) and oci-archive tar
 * files, read without extracting.
 *
 * Pass 1 walks the outer tar (optionally gzip/zstd/xz/bzip2-compressed as
 * a whole) once, reading only metadata: manifest.json, index.json,
 * oci-layout, top-level *.json and small blobs (a bounded budget); the data
 * of other entries is skipped. Pass 2 walks it again and streams each layer
 * entry that is not in the layer cache straight from the outer reader into
 * the layer reader (a nested libarchive reader), never to disk. */
#include "image/image.h"
#include "core/core-str.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMALL_BLOB ((uint64_t)256 << 10)
#define NAME_MAX_LEN 1024

struct meta {
	uint8_t *data;
	size_t len;
	uint64_t size; /* from the header */
	bool have;
	const char *link; /* a symlink entry: its target, normalised */
};

struct tarfile {
	const char *path;
	int fd;
	struct mmr_arena *scratch; /* metadata, freed at the end */
	struct mmr_map entries;    /* name -> struct meta */
	size_t meta_bytes;
	uint64_t total;            /* sum of entry sizes */
	const struct mmr_limits *limits;
	struct mmr_error *reterr;
};

int mmr_image_docker_manifest_parse(struct mmr_arena *a, const void *data, size_t len,
				    const char *file, struct mmr_docker_manifest *ret,
				    struct mmr_error *reterr)
{
	json_t *root = NULL;
	struct mmr_docker_manifest m = { 0 };
	char norm[NAME_MAX_LEN];
	size_t i;
	json_t *v;
	int r = mmr_json_parse(data, len, file, &root, reterr);
	if (r < 0)
		return r;
	json_t *img = json_is_array(root) ? json_array_get(root, 0) : NULL;
	const char *cfg = mmr_json_str(img, "Config");
	json_t *layers = mmr_json_arr(img, "Layers");
	if (!cfg || !layers) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
				  "manifest.json: expected [{\"Config\", \"Layers\"}]");
		goto out;
	}
	if (mmr_layer_path_normalise(cfg, norm, sizeof(norm)) < 0) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "manifest.json: bad Config path");
		goto out;
	}
	m.config = mmr_arena_strdup(a, norm);
	json_array_foreach (layers, i, v) {
		const char *s = json_string_value(v);
		if (!s || mmr_layer_path_normalise(s, norm, sizeof(norm)) < 0) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "manifest.json: Layers[%zu] is not a safe path", i);
			goto out;
		}
		char *d = mmr_arena_strdup(a, norm);
		if (!d || mmr_vec_push(a, &m.layers, d) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	json_array_foreach (mmr_json_arr(img, "RepoTags"), i, v) {
		if (!json_is_string(v))
			continue;
		char *d = mmr_arena_strdup(a, json_string_value(v));
		if (!d || mmr_vec_push(a, &m.repo_tags, d) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (!m.config) {
		r = -ENOMEM;
		goto out;
	}
	*ret = m;
	r = 0;
out:
	json_decref(root);
	return r;
}

static struct archive *outer_open(struct tarfile *t)
{
	if (lseek(t->fd, 0, SEEK_SET) < 0)
		return NULL;
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_lz4(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, t->fd, 64 * 1024) != ARCHIVE_OK) {
		mmr_error_set(t->reterr, EBADMSG, t->path, 0, 0, "not a tar archive: %s",
			      archive_error_string(a) ? archive_error_string(a) : "unknown format");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static bool wanted_meta(const char *name, uint64_t size)
{
	if (strcmp(name, "manifest.json") == 0 || strcmp(name, "index.json") == 0 ||
	    strcmp(name, "oci-layout") == 0)
		return true;
	if (!strchr(name, '/') && mmr_cstr_ends(name, ".json"))
		return true;
	return mmr_cstr_starts(name, "blobs/") && size <= SMALL_BLOB;
}

static int read_data(struct archive *a, uint8_t *d, size_t size, size_t *ret)
{
	size_t off = 0;
	while (off < size) {
		la_ssize_t n = archive_read_data(a, d + off, size - off);
		if (n < 0)
			return -EBADMSG;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*ret = off;
	return 0;
}

static int add_link(struct tarfile *t, const char *name, const char *target)
{
	char joined[NAME_MAX_LEN * 2], norm[NAME_MAX_LEN];
	const char *base = mmr_path_base(name);
	if (!target || !*target || target[0] == '/' || mmr_map_has(&t->entries, name))
		return 0;
	/* relative to the link's directory; ".." may climb to the archive root */
	snprintf(joined, sizeof(joined), "%.*s%s", (int)(base - name), name, target);
	char *parts[64];
	size_t np = 0;
	for (char *c = joined; *c;) {
		char *slash = strchr(c, '/');
		if (slash)
			*slash = 0;
		if (strcmp(c, "..") == 0) {
			if (np == 0)
				return 0; /* out of the archive */
			np--;
		} else if (*c && strcmp(c, ".") != 0) {
			if (np == 64)
				return 0;
			parts[np++] = c;
		}
		if (!slash)
			break;
		c = slash + 1;
	}
	size_t o = 0;
	norm[0] = 0;
	for (size_t i = 0; i < np; i++) {
		int n = snprintf(norm + o, sizeof(norm) - o, "%s%s", i ? "/" : "", parts[i]);
		if (n < 0 || (size_t)n >= sizeof(norm) - o)
			return 0;
		o += (size_t)n;
	}
	if (!o)
		return 0;
	struct meta *m = mmr_arena_alloc(t->scratch, sizeof(*m));
	char *key = mmr_arena_strdup(t->scratch, name);
	if (!m || !key || !(m->link = mmr_arena_strdup(t->scratch, norm)))
		return -ENOMEM;
	return mmr_map_put(&t->entries, key, m);
}

/* Follow symlink entries (a few hops) to a regular entry's name. */
static const char *resolve(struct tarfile *t, const char *name)
{
	for (int hops = 0; hops < 8; hops++) {
		struct meta *m = mmr_map_get(&t->entries, name);
		if (!m || !m->link)
			return name;
		name = m->link;
	}
	return name;
}

/* One walk over the entries; `only` set: read just that entry. */
static int walk_meta(struct tarfile *t, const char *only)
{
	struct archive *a = outer_open(t);
	struct archive_entry *e;
	char name[NAME_MAX_LEN];
	uint64_t n = 0;
	int r = 0, hr;
	if (!a)
		return -EBADMSG;
	while ((hr = archive_read_next_header(a, &e)) == ARCHIVE_OK || hr == ARCHIVE_WARN) {
		if (++n > t->limits->max_entries) {
			r = mmr_error_set(t->reterr, E2BIG, t->path, 0, 0,
					  "more than %s (%llu) entries",
					  mmr_limits_key(t->limits, &t->limits->max_entries),
					  (unsigned long long)t->limits->max_entries);
			goto out;
		}
		const char *pn = archive_entry_pathname(e);
		if (!pn || mmr_layer_path_normalise(pn, name, sizeof(name)) < 0)
			continue;
		if (!only && archive_entry_filetype(e) == AE_IFLNK) {
			/* docker save links a layer seen twice to its first copy */
			if ((r = add_link(t, name, archive_entry_symlink(e))) < 0)
				goto out;
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		int64_t ss = archive_entry_size(e);
		uint64_t size = ss > 0 ? (uint64_t)ss : 0;
		struct meta *m = mmr_map_get(&t->entries, name);
		if (!only) {
			if (m)
				continue; /* a duplicate name: the first one counts */
			m = mmr_arena_alloc(t->scratch, sizeof(*m));
			char *key = mmr_arena_strdup(t->scratch, name);
			if (!m || !key || mmr_map_put(&t->entries, key, m) < 0) {
				r = -ENOMEM;
				goto out;
			}
			m->size = size;
			t->total += size;
			if (!wanted_meta(name, size) || size > MMR_IMAGE_MAX_META ||
			    t->meta_bytes + size > MMR_IMAGE_META_BUDGET)
				continue;
		} else if (strcmp(name, only) != 0 || !m || m->have) {
			continue;
		}
		m->data = mmr_arena_alloc(t->scratch, (size_t)size + 1);
		if (!m->data || read_data(a, m->data, (size_t)size, &m->len) < 0) {
			r = mmr_error_set(t->reterr, m->data ? EBADMSG : ENOMEM, t->path, 0, 0,
					  "cannot read %s: %s", name,
					  archive_error_string(a) ? archive_error_string(a) :
								    "out of memory");
			goto out;
		}
		m->have = true;
		t->meta_bytes += size;
		if (only)
			goto out;
	}
	if (hr != ARCHIVE_EOF && hr != ARCHIVE_OK && hr != ARCHIVE_WARN)
		r = mmr_error_set(t->reterr, EBADMSG, t->path, 0, 0, "%s after %llu entries: %s",
				  n ? "corrupt tar" : "not a tar archive", (unsigned long long)n,
				  archive_error_string(a) ? archive_error_string(a) : "unknown error");
out:
	archive_read_free(a);
	return r;
}

static int get_meta(struct tarfile *t, const char *name, const uint8_t **ret, size_t *ret_len)
{
	struct meta *m = mmr_map_get(&t->entries, name);
	if (!m)
		return mmr_error_set(t->reterr, ENOENT, t->path, 0, 0, "archive has no entry %s",
				     name);
	if (!m->have) {
		if (m->size > MMR_IMAGE_MAX_META)
			return mmr_error_set(t->reterr, E2BIG, t->path, 0, 0,
					     "%s: %llu bytes is too large for metadata", name,
					     (unsigned long long)m->size);
		int r = walk_meta(t, name);
		if (r < 0)
			return r;
		if (!m->have)
			return mmr_error_set(t->reterr, EBADMSG, t->path, 0, 0, "cannot read %s",
					     name);
	}
	*ret = m->data;
	*ret_len = m->len;
	return 0;
}

static int oci_get(void *ud, const char *name, uint8_t **ret, size_t *ret_len,
		   struct mmr_error *reterr)
{
	struct tarfile *t = ud;
	const uint8_t *d = NULL;
	size_t len = 0;
	(void)reterr; /* t->reterr is the same */
	int r = get_meta(t, name, &d, &len);
	if (r < 0)
		return r;
	*ret = malloc(len + 1);
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, d, len);
	*ret_len = len;
	return 0;
}

/* ---- pass 2 ---- */

struct need {
	size_t index;
	const char *expect; /* digest of the blob, or NULL */
};

struct entry_src {
	struct archive *a;
	uint8_t buf[64 * 1024];
};

static ssize_t entry_read(void *ud, const void **buf)
{
	struct entry_src *s = ud;
	la_ssize_t n = archive_read_data(s->a, s->buf, sizeof(s->buf));
	*buf = s->buf;
	return n < 0 ? -1 : (ssize_t)n;
}

static int stream_layers(struct tarfile *t, struct mmr_image_scan *s, struct mmr_map *needed,
			 size_t n_needed)
{
	if (!n_needed)
		return 0;
	struct archive *a = outer_open(t);
	struct archive_entry *e;
	struct entry_src *src = malloc(sizeof(*src));
	char name[NAME_MAX_LEN];
	int r = 0, hr;
	if (!a || !src) {
		free(src);
		if (a)
			archive_read_free(a);
		return a ? -ENOMEM : -EBADMSG;
	}
	src->a = a;
	while (n_needed && ((hr = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
			    hr == ARCHIVE_WARN)) {
		const char *pn = archive_entry_pathname(e);
		if (!pn || archive_entry_filetype(e) != AE_IFREG ||
		    mmr_layer_path_normalise(pn, name, sizeof(name)) < 0)
			continue;
		struct need *nd = mmr_map_get(needed, name);
		if (!nd)
			continue;
		mmr_map_del(needed, name);
		n_needed--;
		if ((r = mmr_image_scan_stream(s, nd->index, nd->expect, entry_read, src,
					       t->reterr)) < 0)
			break;
	}
	free(src);
	archive_read_free(a);
	return r;
}

static int add_need(struct tarfile *t, struct mmr_map *needed, const char *name, size_t i,
		    const char *expect, size_t *n_needed)
{
	if (mmr_map_has(needed, name))
		return 0; /* the same blob twice: streamed once, shared */
	struct need *nd = mmr_arena_alloc(t->scratch, sizeof(*nd));
	char *key = mmr_arena_strdup(t->scratch, name);
	if (!nd || !key)
		return -ENOMEM;
	nd->index = i;
	nd->expect = expect;
	(*n_needed)++;
	return mmr_map_put(needed, key, nd);
}

static const char *digest_of_name(struct mmr_arena *a, const char *name)
{
	const char *hex = NULL;
	if (mmr_cstr_starts(name, "blobs/sha256/"))
		hex = name + 13;
	else if (!strchr(name, '/') && mmr_cstr_ends(name, ".json") && strlen(name) == 69)
		return mmr_arena_printf(a, "sha256:%.64s", name);
	if (!hex)
		return NULL;
	const char *d = mmr_arena_printf(a, "sha256:%s", hex);
	return d && mmr_image_digest_valid(d) ? d : NULL;
}

static int scan_docker(struct tarfile *t, struct mmr_report *r, struct mmr_image_scan *s)
{
	const uint8_t *d;
	size_t len, n_needed = 0;
	struct mmr_docker_manifest m;
	struct mmr_map needed;
	int e;
	mmr_map_init(&needed, t->scratch);
	if ((e = get_meta(t, "manifest.json", &d, &len)) < 0 ||
	    (e = mmr_image_docker_manifest_parse(r->arena, d, len, "manifest.json", &m, t->reterr)) <
		    0)
		return e;
	m.config = resolve(t, m.config);
	if ((e = get_meta(t, m.config, &d, &len)) < 0)
		return e;
	const char *cdigest = digest_of_name(r->arena, m.config);
	if (cdigest && !mmr_image_digest_valid(cdigest))
		cdigest = NULL;
	if ((e = mmr_image_scan_config(s, d, len, cdigest, t->reterr)) < 0 ||
	    (e = mmr_image_scan_layers(s, m.layers.n, t->reterr)) < 0)
		return e;
	r->asset.repo_tags = m.repo_tags;
	for (size_t i = 0; i < m.layers.n; i++) {
		const char *name = resolve(t, m.layers.v[i]);
		struct meta *me = mmr_map_get(&t->entries, name);
		const char *expect = digest_of_name(r->arena, name);
		if (!me || me->link)
			return mmr_error_set(t->reterr, ENOENT, t->path, 0, 0,
					     "manifest.json names layer %s, which is not in the archive",
					     name);
		mmr_image_scan_layer_info(s, i, expect, me->size, NULL);
		if (!mmr_image_scan_cached(s, i) &&
		    (e = add_need(t, &needed, name, i, expect, &n_needed)) < 0)
			return e;
	}
	if ((e = stream_layers(t, s, &needed, n_needed)) < 0)
		return e;
	return mmr_image_scan_finish(s, t->reterr);
}

static int scan_oci(struct tarfile *t, struct mmr_report *r, struct mmr_image_scan *s,
		    const struct mmr_scan_opts *o)
{
	struct mmr_oci_manifest m;
	struct mmr_map needed;
	const char *mdigest = NULL;
	const uint8_t *d;
	size_t len, n_needed = 0;
	char name[96];
	int e;
	mmr_map_init(&needed, t->scratch);
	if ((e = mmr_oci_resolve(r->arena, oci_get, t, NULL, o->platform, &mdigest, &m,
				 t->reterr)) < 0)
		return e;
	r->asset.manifest_digest = mdigest;
	snprintf(name, sizeof(name), "blobs/sha256/%s", m.config.digest + 7);
	if ((e = get_meta(t, name, &d, &len)) < 0 ||
	    (e = mmr_image_scan_config(s, d, len, m.config.digest, t->reterr)) < 0 ||
	    (e = mmr_image_scan_layers(s, m.n_layers, t->reterr)) < 0)
		return e;
	for (size_t i = 0; i < m.n_layers; i++) {
		const struct mmr_oci_desc *L = &m.layers[i];
		mmr_image_scan_layer_info(s, i, L->digest, L->size, L->media_type);
		if (mmr_image_scan_cached(s, i))
			continue;
		snprintf(name, sizeof(name), "blobs/sha256/%s", L->digest + 7);
		if (!mmr_map_has(&t->entries, name))
			return mmr_error_set(t->reterr, ENOENT, t->path, 0, 0,
					     "layer blob %s is not in the archive", L->digest);
		if ((e = add_need(t, &needed, name, i, L->digest, &n_needed)) < 0)
			return e;
	}
	if ((e = stream_layers(t, s, &needed, n_needed)) < 0)
		return e;
	return mmr_image_scan_finish(s, t->reterr);
}

int mmr_image_scan_archive(struct mmr_report *r, const char *path, const struct mmr_scan_opts *o,
			   const char *cache_dir, struct mmr_error *reterr)
{
	struct tarfile t = { .path = path, .fd = -1, .limits = &o->limits, .reterr = reterr };
	struct mmr_image_scan s;
	struct stat st;
	int e;
	t.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t.fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	if (fstat(t.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(t.fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	t.scratch = mmr_arena_new(MMR_IMAGE_META_BUDGET * 2 + ((size_t)64 << 20));
	if (!t.scratch) {
		close(t.fd);
		return -ENOMEM;
	}
	mmr_map_init(&t.entries, t.scratch);
	if ((e = walk_meta(&t, NULL)) < 0)
		goto out;
	/* the archive as a whole: bound what skipping through it costs */
	if (t.total > o->limits.max_image_bytes) {
		e = mmr_error_set(reterr, E2BIG, path, 0, 0,
				  "entries total %llu bytes, more than %s (%llu)",
				  (unsigned long long)t.total,
				  mmr_limits_key(&o->limits, &o->limits.max_image_bytes),
				  (unsigned long long)o->limits.max_image_bytes);
		goto out;
	}
	if (o->limits.max_ratio && t.total > ((uint64_t)1 << 20) && st.st_size > 0 &&
	    t.total / (uint64_t)st.st_size > o->limits.max_ratio) {
		e = mmr_error_set(reterr, E2BIG, path, 0, 0,
				  "entries total %llu bytes from a %llu-byte file: over %s (%llu)",
				  (unsigned long long)t.total, (unsigned long long)st.st_size,
				  mmr_limits_key(&o->limits, &o->limits.max_ratio),
				  (unsigned long long)o->limits.max_ratio);
		goto out;
	}
	mmr_image_scan_init(&s, r, o, cache_dir);
	if (mmr_map_has(&t.entries, "manifest.json"))
		e = scan_docker(&t, r, &s);
	else if (mmr_map_has(&t.entries, "index.json"))
		e = scan_oci(&t, r, &s, o);
	else
		e = mmr_error_set(reterr, EBADMSG, path, 0, 0,
				  "not an image archive: no manifest.json or index.json");
out:
	mmr_arena_free(t.scratch);
	close(t.fd);
	return e;
}
