/* image-layer.c - stream one layer blob through the analyzers (see image-layer.h).
 *
 *   source bytes --rd--> [outer: filters only, "raw" format]
 *        (hash: blob digest, count: compressed)
 *   decompressed bytes --inner_read--> [inner: tar]
 *        (hash: diff ID, count: uncompressed vs limits)
 *   entries --> whiteouts / opaque dirs / mmr_sbom_analyze */
#include "image/image-layer.h"
#include "core/core-arena.h"
#include "core/core-str.h"
#include "core/core-vec.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UBUF_SIZE (64 * 1024)
#define RATIO_FLOOR ((uint64_t)1 << 20) /* below this, any ratio is fine */
#define MAX_PATH_LEN 4096
#define KEEP_CAP MMR_ARENA_DEFAULT_CAP /* file bytes one layer keeps for hard links */

struct layer_state {
	struct mmr_sbom_ctx *ctx;
	const char *name;
	mmr_layer_read_fn rd;
	void *ud;
	struct archive *outer;
	struct mmr_sha256 blob_hash, diff_hash;
	uint64_t compressed, uncompressed;
	uint64_t *image_bytes;
	bool src_eof;
	bool plain;           /* no compression: the diff ID is the blob digest, hashed once */
	int err;              /* first error seen in a callback (negative errno) */
	struct mmr_error *reterr;
	uint8_t ubuf[UBUF_SIZE];
};

int mmr_layer_path_normalise(const char *name, char *out, size_t outlen)
{
	size_t o = 0;
	if (!name || outlen == 0)
		return -EINVAL;
	if (name[0] == '/') {
		/* "/" alone is the root entry some tools write: harmless */
		const char *p = name;
		while (*p == '/' || (*p == '.' && (p[1] == '/' || p[1] == 0)))
			p++;
		if (*p)
			return -EINVAL;
		return -ENOENT;
	}
	const char *p = name;
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return -EINVAL;
		if (o + (o ? 1 : 0) + n + 1 > outlen)
			return -E2BIG;
		if (o)
			out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	out[o] = 0;
	return o ? 0 : -ENOENT;
}

static int set_err(struct layer_state *st, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_err(struct layer_state *st, int err, const char *fmt, ...)
{
	if (st->err)
		return st->err;
	st->err = -err;
	if (st->reterr) {
		char msg[400];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		mmr_error_set(st->reterr, err, st->name, 0, 0, "layer %s: %s", st->name, msg);
	}
	return st->err;
}

static const char *key_of(const struct mmr_limits *l, const uint64_t *f)
{
	const char *k = mmr_limits_key(l, f);
	return k ? k : "?";
}

static ssize_t outer_read(struct archive *a, void *ud, const void **buf)
{
	struct layer_state *st = ud;
	(void)a;
	if (st->src_eof)
		return 0;
	ssize_t n = st->rd(st->ud, buf);
	if (n < 0) {
		set_err(st, EIO, "cannot read the blob");
		archive_set_error(a, EIO, "cannot read the blob");
		return -1;
	}
	if (n == 0) {
		st->src_eof = true;
		return 0;
	}
	mmr_sha256_update(&st->blob_hash, *buf, (size_t)n);
	st->compressed += (uint64_t)n;
	return n;
}

static int check_limits(struct layer_state *st, bool final)
{
	const struct mmr_limits *l = st->ctx->limits;
	if (!l)
		return 0;
	if (st->uncompressed > l->max_layer_bytes)
		return set_err(st, E2BIG, "uncompressed size exceeds %s (%llu bytes)",
			       key_of(l, &l->max_layer_bytes),
			       (unsigned long long)l->max_layer_bytes);
	if (st->image_bytes && *st->image_bytes > l->max_image_bytes)
		return set_err(st, E2BIG, "uncompressed image size exceeds %s (%llu bytes)",
			       key_of(l, &l->max_image_bytes),
			       (unsigned long long)l->max_image_bytes);
	if (l->max_ratio && st->uncompressed > RATIO_FLOOR) {
		uint64_t c = st->compressed ? st->compressed : 1;
		if (st->uncompressed / c > l->max_ratio)
			return set_err(st, E2BIG,
				       "decompression ratio exceeds %s (%llu): %llu bytes from %llu%s",
				       key_of(l, &l->max_ratio), (unsigned long long)l->max_ratio,
				       (unsigned long long)st->uncompressed,
				       (unsigned long long)st->compressed, final ? "" : " so far");
	}
	return 0;
}

static ssize_t inner_read(struct archive *a, void *ud, const void **buf)
{
	struct layer_state *st = ud;
	if (st->err) {
		archive_set_error(a, EIO, "aborted");
		return -1;
	}
	la_ssize_t n = archive_read_data(st->outer, st->ubuf, sizeof(st->ubuf));
	if (n < 0) {
		const char *why = archive_error_string(st->outer);
		set_err(st, EBADMSG, "decompression failed after %llu bytes: %s",
			(unsigned long long)st->uncompressed, why ? why : "unknown error");
		archive_set_error(a, EIO, "decompression failed");
		return -1;
	}
	if (n == 0)
		return 0;
	if (!st->plain)
		mmr_sha256_update(&st->diff_hash, st->ubuf, (size_t)n);
	st->uncompressed += (uint64_t)n;
	if (st->image_bytes)
		*st->image_bytes += (uint64_t)n;
	if (check_limits(st, false) < 0) {
		archive_set_error(a, E2BIG, "limit");
		return -1;
	}
	*buf = st->ubuf;
	return n;
}

/* A wanted file kept for hard links later in the same layer. */
struct kept {
	const uint8_t *data;
	size_t len;
	uint32_t mode;
};

static int read_entry(struct layer_state *st, struct archive *in, uint8_t *d, size_t size,
		      size_t *ret_len)
{
	size_t off = 0;
	while (off < size) {
		la_ssize_t n = archive_read_data(in, d + off, size - off);
		if (n < 0)
			return -EBADMSG;
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*ret_len = off;
	return st->err;
}

static void add_touched(struct mmr_sbom_ctx *ctx, const char *path)
{
	char *p = mmr_arena_strdup(ctx->arena, path);
	if (p)
		mmr_vec_push(ctx->arena, &ctx->touched, p);
}

static int whiteout(struct mmr_sbom_ctx *ctx, const char *path)
{
	const char *base = mmr_path_base(path);
	size_t dirlen = base > path ? (size_t)(base - path - 1) : 0;
	const char *rest = base + 4; /* after ".wh." */
	if (strcmp(base, ".wh..wh..opq") == 0) {
		char *d = mmr_arena_strndup(ctx->arena, path, dirlen);
		return d ? mmr_vec_push(ctx->arena, &ctx->opaque, d) : -ENOMEM;
	}
	if (mmr_cstr_starts(base, ".wh..wh."))
		return 0; /* aufs metadata (.wh..wh.plnk etc.) */
	if (!*rest || strcmp(rest, ".") == 0 || strcmp(rest, "..") == 0) {
		mmr_sbom_warn(ctx, path, "invalid whiteout entry, skipped");
		return 0;
	}
	char *w = dirlen ? mmr_arena_printf(ctx->arena, "%.*s/%s", (int)dirlen, path, rest) :
			   mmr_arena_strdup(ctx->arena, rest);
	return w ? mmr_vec_push(ctx->arena, &ctx->whiteouts, w) : -ENOMEM;
}

static int scan_entries(struct layer_state *st, struct archive *in, uint64_t *ret_entries)
{
	struct mmr_sbom_ctx *ctx = st->ctx;
	const struct mmr_limits *l = ctx->limits;
	uint64_t max_file = l ? l->max_file_size : UINT64_MAX;
	uint64_t max_entries = l ? l->max_entries : UINT64_MAX;
	uint64_t entries = 0;
	struct mmr_arena *scratch = mmr_arena_new(0);
	struct mmr_map kept;
	struct mmr_vec bufs = { 0 }; /* the kept files' bytes (malloc) */
	uint64_t kept_bytes = 0;
	char path[MAX_PATH_LEN], target[MAX_PATH_LEN];
	int ret = 0;

	if (!scratch)
		return -ENOMEM;
	mmr_map_init(&kept, scratch);
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			if (!st->err) {
				const char *why = archive_error_string(in);
				set_err(st, EBADMSG, "not a readable tar after %llu entries: %s",
					(unsigned long long)entries, why ? why : "unknown error");
			}
			ret = st->err;
			goto out;
		}
		if (++entries > max_entries) {
			ret = set_err(st, E2BIG, "more than %s (%llu) entries",
				      key_of(l, &l->max_entries), (unsigned long long)max_entries);
			goto out;
		}
		const char *name = archive_entry_pathname(e);
		if (!name) {
			mmr_sbom_warn(ctx, "", "entry %llu has no usable name, skipped",
				      (unsigned long long)entries);
			continue;
		}
		int nr = mmr_layer_path_normalise(name, path, sizeof(path));
		if (nr == -ENOENT)
			continue;
		if (nr < 0) {
			mmr_sbom_warn(ctx, name, "unsafe path in layer %s (%s), entry skipped",
				      st->name, nr == -E2BIG ? "too long" : "absolute or with '..'");
			continue;
		}
		const char *base = mmr_path_base(path);
		if (mmr_cstr_starts(base, ".wh.")) {
			if ((ret = whiteout(ctx, path)) < 0)
				goto out;
			continue;
		}
		const char *hl = archive_entry_hardlink(e);
		uint32_t mode = (uint32_t)archive_entry_mode(e);
		if (hl) {
			mode = (mode & 07777) | S_IFREG;
			const struct kept *k = NULL;
			int tr = mmr_layer_path_normalise(hl, target, sizeof(target));
			if (tr == 0)
				k = mmr_map_get(&kept, target);
			uint64_t size = k ? k->len : 0;
			if (!mmr_sbom_wants(ctx, path, mode, size))
				continue;
			if (!k) {
				add_touched(ctx, path);
				mmr_sbom_warn(ctx, path,
					      "hard link to %s: target missing or not kept in this layer, "
					      "file skipped",
					      hl);
				continue;
			}
			struct mmr_sbom_file f = { .path = path, .data = k->data, .len = k->len,
						   .mode = mode };
			mmr_sbom_analyze(ctx, &f);
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue; /* directories, symlinks (not followed), devices */
		int64_t ssize = archive_entry_size(e);
		uint64_t size = ssize > 0 ? (uint64_t)ssize : 0;
		if (!mmr_sbom_wants(ctx, path, mode, size))
			continue;
		if (size > max_file) {
			add_touched(ctx, path);
			mmr_sbom_warn(ctx, path, "file of %llu bytes exceeds %s (%llu), skipped",
				      (unsigned long long)size, key_of(l, &l->max_file_size),
				      (unsigned long long)max_file);
			continue;
		}
		/* malloc, not the arena: the bytes are written over at once, zeroing
		 * them first cost as much as hashing them */
		uint8_t *d = malloc((size_t)size + 1);
		if (!d) {
			add_touched(ctx, path);
			mmr_sbom_warn(ctx, path, "out of memory reading %llu bytes, skipped",
				      (unsigned long long)size);
			continue;
		}
		size_t len = 0;
		int rr = read_entry(st, in, d, (size_t)size, &len);
		if (rr < 0 || st->err) {
			free(d);
			if (!st->err) {
				const char *why = archive_error_string(in);
				set_err(st, EBADMSG, "cannot read %s: %s", path,
					why ? why : "unknown error");
			}
			ret = st->err;
			goto out;
		}
		d[len] = 0;
		struct mmr_sbom_file f = { .path = path, .data = d, .len = len, .mode = mode };
		mmr_sbom_analyze(ctx, &f);
		/* kept for hard links later in the layer, up to KEEP_CAP bytes */
		struct kept *k = NULL;
		char *key = NULL;
		if (kept_bytes + len + 1 <= KEEP_CAP && (k = mmr_arena_alloc(scratch, sizeof(*k))) &&
		    (key = mmr_arena_strdup(scratch, path)) &&
		    mmr_vec_push(scratch, &bufs, d) == 0) {
			kept_bytes += len + 1;
			k->data = d;
			k->len = len;
			k->mode = mode;
			mmr_map_put(&kept, key, k);
		} else {
			free(d);
		}
	}
out:
	*ret_entries = entries;
	for (size_t i = 0; i < bufs.n; i++)
		free(bufs.v[i]);
	mmr_arena_free(scratch);
	return ret;
}

static void hex_digest(struct mmr_sha256 *h, char out[MMR_SHA256_HEX_LEN + 8])
{
	char hex[MMR_SHA256_HEX_LEN + 1];
	if (mmr_sha256_final_hex(h, hex) < 0)
		hex[0] = 0;
	snprintf(out, MMR_SHA256_HEX_LEN + 8, "sha256:%s", hex);
}

int mmr_layer_scan(struct mmr_sbom_ctx *ctx, const char *name, mmr_layer_read_fn rd, void *ud,
		   uint64_t *image_bytes, struct mmr_layer_result *ret, struct mmr_error *reterr)
{
	struct layer_state *st = calloc(1, sizeof(*st));
	struct archive *inner = NULL;
	uint64_t entries = 0;
	int r = 0;

	if (!st)
		return -ENOMEM;
	st->ctx = ctx;
	st->name = name ? name : "(layer)";
	st->rd = rd;
	st->ud = ud;
	st->image_bytes = image_bytes;
	st->reterr = reterr;
	if (mmr_sha256_init(&st->blob_hash) < 0 || mmr_sha256_init(&st->diff_hash) < 0) {
		r = -ENOMEM;
		goto out;
	}
	st->outer = archive_read_new();
	inner = archive_read_new();
	if (!st->outer || !inner) {
		r = -ENOMEM;
		goto out;
	}
	/* decompression in-process only: no filter that runs an external program */
	archive_read_support_filter_gzip(st->outer);
	archive_read_support_filter_zstd(st->outer);
	archive_read_support_filter_xz(st->outer);
	archive_read_support_filter_lzma(st->outer);
	archive_read_support_filter_bzip2(st->outer);
	archive_read_support_filter_lz4(st->outer);
	archive_read_support_filter_compress(st->outer);
	archive_read_support_format_raw(st->outer);
	archive_read_support_format_empty(st->outer);
	if (archive_read_open(st->outer, st, NULL, outer_read, NULL) != ARCHIVE_OK) {
		const char *why = archive_error_string(st->outer);
		r = set_err(st, EBADMSG, "cannot open the blob: %s", why ? why : "unknown error");
		goto out;
	}
	struct archive_entry *oe;
	int hr = archive_read_next_header(st->outer, &oe);
	if (hr == ARCHIVE_EOF) {
		/* an empty blob: an empty layer */
	} else if (hr != ARCHIVE_OK && hr != ARCHIVE_WARN) {
		const char *why = archive_error_string(st->outer);
		r = set_err(st, EBADMSG, "cannot decompress the blob: %s",
			    why ? why : "unknown error");
		goto out;
	} else {
		/* an uncompressed blob (docker save): its bytes are the tar's */
		st->plain = archive_filter_count(st->outer) == 1 &&
			    archive_filter_code(st->outer, 0) == ARCHIVE_FILTER_NONE;
		archive_read_support_format_tar(inner);
		archive_read_support_format_empty(inner);
		if (archive_read_open(inner, st, NULL, inner_read, NULL) != ARCHIVE_OK) {
			const char *why = archive_error_string(inner);
			r = set_err(st, EBADMSG, "not a tar: %s", why ? why : "unknown error");
			goto out;
		}
		if ((r = scan_entries(st, inner, &entries)) < 0)
			goto out;
		/* the bytes after the end-of-archive blocks are part of the diff ID */
		for (;;) {
			la_ssize_t n = archive_read_data(st->outer, st->ubuf, sizeof(st->ubuf));
			if (n < 0) {
				const char *why = archive_error_string(st->outer);
				r = set_err(st, EBADMSG, "decompression failed after %llu bytes: %s",
					    (unsigned long long)st->uncompressed,
					    why ? why : "unknown error");
				goto out;
			}
			if (n == 0)
				break;
			if (!st->plain)
				mmr_sha256_update(&st->diff_hash, st->ubuf, (size_t)n);
			st->uncompressed += (uint64_t)n;
			if (image_bytes)
				*image_bytes += (uint64_t)n;
			if ((r = check_limits(st, true)) < 0)
				goto out;
		}
	}
	/* the rest of the source belongs to the blob digest */
	while (!st->src_eof) {
		const void *b;
		ssize_t n = rd(ud, &b);
		if (n < 0) {
			r = set_err(st, EIO, "cannot read the blob");
			goto out;
		}
		if (n == 0)
			break;
		mmr_sha256_update(&st->blob_hash, b, (size_t)n);
		st->compressed += (uint64_t)n;
	}
	if ((r = check_limits(st, true)) < 0)
		goto out;
	if (st->plain && st->compressed != st->uncompressed) {
		/* cannot happen without a filter; never name a digest not computed */
		r = set_err(st, EIO, "read %llu bytes but passed on %llu",
			    (unsigned long long)st->compressed, (unsigned long long)st->uncompressed);
		goto out;
	}
	if (ret) {
		hex_digest(&st->blob_hash, ret->digest);
		if (st->plain)
			memcpy(ret->diff_id, ret->digest, sizeof(ret->diff_id));
		else
			hex_digest(&st->diff_hash, ret->diff_id);
		ret->compressed = st->compressed;
		ret->uncompressed = st->uncompressed;
		ret->entries = entries;
	}
out:
	if (r < 0 && st->err)
		r = st->err;
	if (inner)
		archive_read_free(inner);
	if (st->outer)
		archive_read_free(st->outer);
	mmr_sha256_release(&st->blob_hash);
	mmr_sha256_release(&st->diff_hash);
	free(st);
	return r;
}

struct mem_src {
	const uint8_t *p;
	size_t len;
	bool done;
};

static ssize_t mem_read(void *ud, const void **buf)
{
	struct mem_src *m = ud;
	if (m->done)
		return 0;
	m->done = true;
	*buf = m->p;
	return (ssize_t)m->len;
}

int mmr_layer_scan_mem(struct mmr_sbom_ctx *ctx, const char *name, const void *data, size_t len,
		       uint64_t *image_bytes, struct mmr_layer_result *ret,
		       struct mmr_error *reterr)
{
	struct mem_src m = { data, len, false };
	return mmr_layer_scan(ctx, name, mem_read, &m, image_bytes, ret, reterr);
}

struct fd_src {
	int fd;
	uint8_t buf[UBUF_SIZE];
};

static ssize_t fd_read(void *ud, const void **buf)
{
	struct fd_src *s = ud;
	for (;;) {
		ssize_t n = read(s->fd, s->buf, sizeof(s->buf));
		if (n < 0 && errno == EINTR)
			continue;
		*buf = s->buf;
		return n;
	}
}

int mmr_layer_scan_fd(struct mmr_sbom_ctx *ctx, const char *name, int fd, uint64_t *image_bytes,
		      struct mmr_layer_result *ret, struct mmr_error *reterr)
{
	struct fd_src *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fd;
	int r = mmr_layer_scan(ctx, name, fd_read, s, image_bytes, ret, reterr);
	free(s);
	return r;
}
