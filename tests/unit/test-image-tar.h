/* test-image-tar.h - building tar layers and image archives in memory for
 * the image tests (libarchive's write API). Header-only, static helpers. */
#ifndef MMR_TEST_IMAGE_TAR_H
#define MMR_TEST_IMAGE_TAR_H

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"
#include "core/core-hash.h"

enum tent_type { T_REG, T_DIR, T_LINK, T_SYMLINK, T_ZEROS };

struct tent {
	const char *name;
	const char *data; /* T_REG: contents; T_LINK/T_SYMLINK: target */
	enum tent_type type;
	size_t zeros;     /* T_ZEROS: this many zero bytes */
};

enum tfilter { F_NONE, F_GZIP, F_ZSTD };

/* A tar of the entries, compressed with filter. Caller frees. */
static inline uint8_t *tar_build(const struct tent *ents, size_t n, enum tfilter filter,
				 size_t *ret_len)
{
	size_t cap = 1 << 20;
	for (size_t i = 0; i < n; i++)
		cap += (ents[i].data ? strlen(ents[i].data) : 0) + 1024 +
		       (filter == F_NONE ? ents[i].zeros : ents[i].zeros / 100);
	uint8_t *buf = malloc(cap);
	size_t used = 0;
	struct archive *a = archive_write_new();
	assert_non_null(buf);
	archive_write_set_format_pax_restricted(a);
	if (filter == F_GZIP)
		archive_write_add_filter_gzip(a);
	else if (filter == F_ZSTD)
		assert_int_equal(archive_write_add_filter_zstd(a), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_mtime(e, 1600000000, 0);
		switch (ents[i].type) {
		case T_REG:
		case T_ZEROS:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, ents[i].type == T_REG ? (la_int64_t)strlen(ents[i].data) :
									  (la_int64_t)ents[i].zeros);
			break;
		case T_DIR:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case T_LINK:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, ents[i].data);
			archive_entry_set_size(e, 0);
			break;
		case T_SYMLINK:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, ents[i].data);
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (ents[i].type == T_REG)
			archive_write_data(a, ents[i].data, strlen(ents[i].data));
		if (ents[i].type == T_ZEROS) {
			static const char z[65536];
			for (size_t off = 0; off < ents[i].zeros; off += sizeof(z))
				archive_write_data(a, z, ents[i].zeros - off < sizeof(z) ?
								 ents[i].zeros - off :
								 sizeof(z));
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

/* Blobs for a tar of whole files (name -> bytes), used for image archives. */
struct tfile {
	const char *name;
	const uint8_t *data;
	size_t len;
};

static inline uint8_t *tar_files(const struct tfile *f, size_t n, enum tfilter filter,
				 size_t *ret_len)
{
	size_t cap = 1 << 20;
	for (size_t i = 0; i < n; i++)
		cap += f[i].len + 1024;
	uint8_t *buf = malloc(cap);
	size_t used = 0;
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (filter == F_GZIP)
		archive_write_add_filter_gzip(a);
	else if (filter == F_ZSTD)
		archive_write_add_filter_zstd(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, f[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)f[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		archive_write_data(a, f[i].data, f[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

/* Write len bytes to path (created or truncated). */
static inline void tar_write_file(const char *path, const void *d, size_t len)
{
	FILE *f = fopen(path, "wbe");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* An uncompressed layer tar and its diff ID. */
struct tar_layer {
	uint8_t *tar;
	size_t len;
	char diff_id[72];
};

static inline void tar_layer_make(struct tar_layer *l, const struct tfile *f, size_t n)
{
	char hex[65];
	l->tar = tar_files(f, n, F_NONE, &l->len);
	mmr_sha256_hex(l->tar, l->len, hex);
	snprintf(l->diff_id, sizeof(l->diff_id), "sha256:%s", hex);
}

/* `docker save` layout of these layers (at most 8), tagged tag, written to
 * dir/fname; returns the path (static buffer). */
static inline const char *tar_docker_archive(const char *dir, const char *fname, const char *tag,
					     const struct tar_layer *ls, size_t n)
{
	static char path[512];
	char cfg[4096], manifest[4096], cfgname[80], names[8][32], hex[65];
	assert_true(n <= 8);
	size_t o = (size_t)snprintf(cfg, sizeof(cfg),
				    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
				    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(cfg + o, sizeof(cfg) - o, "%s\"%s\"", i ? "," : "",
				      ls[i].diff_id);
	snprintf(cfg + o, sizeof(cfg) - o, "]}}");
	mmr_sha256_hex(cfg, strlen(cfg), hex);
	snprintf(cfgname, sizeof(cfgname), "%s.json", hex);
	o = (size_t)snprintf(manifest, sizeof(manifest),
			     "[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[", cfgname, tag);
	struct tfile files[10];
	size_t nf = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "l%zu/layer.tar", i);
		o += (size_t)snprintf(manifest + o, sizeof(manifest) - o, "%s\"%s\"", i ? "," : "",
				      names[i]);
		files[nf++] = (struct tfile){ names[i], ls[i].tar, ls[i].len };
	}
	snprintf(manifest + o, sizeof(manifest) - o, "]}]");
	files[nf++] = (struct tfile){ cfgname, (const uint8_t *)cfg, strlen(cfg) };
	files[nf++] = (struct tfile){ "manifest.json", (const uint8_t *)manifest, strlen(manifest) };
	size_t len;
	uint8_t *t = tar_files(files, nf, F_NONE, &len);
	snprintf(path, sizeof(path), "%s/%s", dir, fname);
	tar_write_file(path, t, len);
	free(t);
	return path;
}

#endif
