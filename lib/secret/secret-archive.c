/* secret-archive.c - secrets inside archives (see secret.h): zip/jar/war,
 * tar, 7z and single compressed files (gzip, xz, zstd, bzip2), read from
 * memory with libarchive, nested archives opened down to max_depth.
 *
 * A member is named "outer!inner/path" (gitleaks' convention), nested
 * ones "a.tar.gz!b.zip!c.txt"; a single compressed file "x.gz" holds
 * "x.gz!x". Bounds: a member larger than max_file_size is skipped, the
 * bytes expanded from one top-level archive (all depths together) stop at
 * its size times max_ratio (with a floor of MMR_SECRET_ARCHIVE_MIN_BUDGET),
 * and at most max_entries members are read. Every bound that is hit and
 * every corrupt archive is a warning through the callback; nothing here
 * fails on content. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secret/secret-internal.h"

#define READ_CHUNK 65536
#define BINARY_PROBE 8192 /* as the file scanner: a NUL in the first 8 KiB */

struct walk {
	const struct mmr_secret_archive_opts *o;
	struct mmr_secret_scanner *sc;
	struct mmr_arena *a;
	struct mmr_vec *out;
	uint64_t budget;  /* bytes left to expand */
	uint64_t entries; /* members read so far */
	bool stopped;     /* a global bound was hit: warned once */
};

static const struct {
	const char *sfx;
} compress_sfx[] = { { ".gz" }, { ".tgz" }, { ".xz" }, { ".zst" }, { ".bz2" }, { ".z" } };

bool mmr_secret_is_archive(const uint8_t *d, size_t n)
{
	if (n >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
		return true; /* zip, jar, war, ear, apk... */
	if (n >= 3 && d[0] == 0x1f && d[1] == 0x8b && d[2] == 8)
		return true; /* gzip */
	if (n >= 6 && memcmp(d, "\xfd" "7zXZ\0", 6) == 0)
		return true; /* xz */
	if (n >= 4 && memcmp(d, "\x28\xb5\x2f\xfd", 4) == 0)
		return true; /* zstd */
	if (n >= 6 && memcmp(d, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return true; /* 7z */
	if (n >= 4 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h' && d[3] >= '1' && d[3] <= '9')
		return true; /* bzip2 */
	if (n >= 263 && memcmp(d + 257, "ustar", 5) == 0)
		return true; /* tar (POSIX or GNU) */
	return false;
}

static void warn(struct walk *w, const char *name, const char *fmt, const char *arg)
{
	if (!w->o->warn)
		return;
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, arg);
	w->o->warn(w->o->warn_ud, name, msg);
}

/* "dir/x.gz" -> "x" for a raw (single compressed) member. */
static char *raw_name(struct mmr_arena *a, const char *outer)
{
	const char *base = strrchr(outer, '!');
	base = base ? base + 1 : outer;
	const char *slash = strrchr(base, '/');
	if (slash)
		base = slash + 1;
	size_t n = strlen(base);
	for (size_t i = 0; i < sizeof(compress_sfx) / sizeof(compress_sfx[0]); i++) {
		size_t m = strlen(compress_sfx[i].sfx);
		if (n > m && strcasecmp(base + n - m, compress_sfx[i].sfx) == 0) {
			if (strcasecmp(compress_sfx[i].sfx, ".tgz") == 0)
				return mmr_arena_printf(a, "%.*s.tar", (int)(n - m), base);
			return mmr_arena_strndup(a, base, n - m);
		}
	}
	return mmr_arena_printf(a, "%s.data", base);
}

static int walk_archive(struct walk *w, const char *name, const uint8_t *data, size_t len,
			uint64_t depth);
static int walk_archive_as(struct walk *w, const char *name, const uint8_t *data, size_t len,
			   uint64_t depth, bool raw_only);

/* Read the current member into a buffer bounded by max_file_size and the
 * budget. Returns 1 with *ret set, 0 when skipped (warned), < 0 on ENOMEM. */
static int read_member(struct walk *w, struct archive *ar, struct archive_entry *e,
		       const char *name, uint8_t **ret, size_t *ret_len)
{
	uint64_t cap = w->o->max_file_size;
	size_t n = 0, capbuf = 0;
	uint8_t *buf = NULL;
	bool probed = false;
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) <= cap) {
		capbuf = (size_t)archive_entry_size(e) + READ_CHUNK; /* one allocation */
		if (!(buf = malloc(capbuf)))
			return -ENOMEM;
	}
	for (;;) {
		if (!probed && n >= BINARY_PROBE) {
			/* binary and not an archive: nothing to scan, stop expanding */
			probed = true;
			if (!mmr_secret_is_archive(buf, n) && memchr(buf, 0, BINARY_PROBE)) {
				free(buf);
				return 0;
			}
		}
		if (capbuf - n < READ_CHUNK) {
			size_t nc = capbuf ? capbuf * 2 : READ_CHUNK * 2;
			uint8_t *b = realloc(buf, nc);
			if (!b) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
			capbuf = nc;
		}
		la_ssize_t k = archive_read_data(ar, buf + n, READ_CHUNK);
		if (k == 0)
			break;
		if (k < 0) {
			warn(w, name, "corrupt member: %s", archive_error_string(ar) ? archive_error_string(ar) : "read error");
			free(buf);
			return 0;
		}
		n += (size_t)k;
		if ((uint64_t)n > cap) {
			warn(w, name, "member larger than max-file-size: %s", "skipped");
			free(buf);
			return 0;
		}
		if ((uint64_t)n > w->budget) {
			if (!w->stopped)
				warn(w, name, "expansion budget (max-ratio) exhausted: %s",
				     "the rest of the archive is skipped");
			w->stopped = true;
			free(buf);
			return 0;
		}
	}
	w->budget -= n;
	*ret = buf;
	*ret_len = n;
	return 1;
}

static int walk_archive(struct walk *w, const char *name, const uint8_t *data, size_t len,
			uint64_t depth)
{
	return walk_archive_as(w, name, data, len, depth, false);
}

/* raw_only: read a compressed stream as one member, whatever it holds
 * (a stream that starts with zero blocks passes for an empty tar). */
static int walk_archive_as(struct walk *w, const char *name, const uint8_t *data, size_t len,
			   uint64_t depth, bool raw_only)
{
	struct archive *ar = archive_read_new();
	if (!ar)
		return -ENOMEM;
	archive_read_support_filter_all(ar);
	if (!raw_only) {
		/* formats that carry file contents: not format_all, whose mtree
		 * reader takes a (compressed) text file for a list of entries
		 * with no data, so a secret in it would never be scanned */
		archive_read_support_format_tar(ar);
		archive_read_support_format_zip(ar);
		archive_read_support_format_7zip(ar);
		archive_read_support_format_cpio(ar);
		archive_read_support_format_ar(ar);
		archive_read_support_format_iso9660(ar);
		archive_read_support_format_rar(ar);
		archive_read_support_format_rar5(ar);
		archive_read_support_format_xar(ar);
		archive_read_support_format_cab(ar);
		archive_read_support_format_lha(ar);
	}
	archive_read_support_format_raw(ar);
	int rc = 0;
	uint64_t members = 0;
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		/* a compressed stream (the filter was recognised) that no format
		 * takes is empty: e.g. the 20-byte man pages of an empty .gz */
		if (archive_filter_count(ar) <= 1)
			warn(w, name, "not a readable archive: %s",
			     archive_error_string(ar) ? archive_error_string(ar) : "unknown format");
		goto out;
	}
	struct archive_entry *e;
	for (;;) {
		int r = archive_read_next_header(ar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			/* a compressed text file can pass for an archive format that
			 * guesses from text (mtree) and fail on its first header:
			 * read it as one compressed member instead */
			if (!members && !raw_only && !w->stopped && archive_filter_count(ar) > 1) {
				archive_read_free(ar);
				return walk_archive_as(w, name, data, len, depth, true);
			}
			warn(w, name, "corrupt archive: %s",
			     archive_error_string(ar) ? archive_error_string(ar) : "read error");
			break;
		}
		if (w->stopped)
			break;
		members++;
		if (++w->entries > w->o->max_entries) {
			warn(w, name, "more members than max-entries: %s", "the rest is skipped");
			w->stopped = true;
			break;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		bool raw = archive_format(ar) == ARCHIVE_FORMAT_RAW;
		if (raw && archive_filter_count(ar) <= 1)
			break; /* not compressed, not an archive: nothing new inside */
		const char *p = archive_entry_pathname(e);
		char *inner = raw ? raw_name(w->a, name) : mmr_arena_strdup(w->a, p ? p : "?");
		while (inner && inner[0] == '.' && inner[1] == '/')
			inner += 2;
		char *full = inner ? mmr_arena_printf(w->a, "%s!%s", name, inner) : NULL;
		if (!full) {
			rc = -ENOMEM;
			break;
		}
		if (archive_entry_size_is_set(e) &&
		    (uint64_t)archive_entry_size(e) > w->o->max_file_size)
			continue; /* too large to scan: as for plain files, silently */
		uint8_t *buf = NULL;
		size_t n = 0;
		int k = read_member(w, ar, e, full, &buf, &n);
		if (k < 0) {
			rc = k;
			break;
		}
		if (k == 0)
			continue;
		if (mmr_secret_is_archive(buf, n)) {
			if (depth + 1 < w->o->max_depth)
				rc = walk_archive(w, full, buf, n, depth + 1);
			else
				warn(w, full, "archive nested deeper than max-archive-depth: %s",
				     "not opened");
		} else {
			rc = mmr_secret_scan_to_findings(w->sc, w->a, w->out, full, w->o->layer,
							 w->o->commit, buf, n);
		}
		free(buf);
		if (rc < 0)
			break;
		rc = 0;
	}
	if (rc == 0 && !members && !raw_only && !w->stopped && archive_filter_count(ar) > 1 &&
	    archive_format(ar) != ARCHIVE_FORMAT_RAW) {
		archive_read_free(ar);
		return walk_archive_as(w, name, data, len, depth, true);
	}
out:
	archive_read_free(ar);
	return rc;
}

int mmr_secret_scan_archive(struct mmr_secret_scanner *sc, struct mmr_arena *a,
			    struct mmr_vec *out, const char *name, const uint8_t *data, size_t len,
			    const struct mmr_secret_archive_opts *o)
{
	if (!o->max_depth || !mmr_secret_is_archive(data, len))
		return 0;
	struct walk w = { .o = o, .sc = sc, .a = a, .out = out };
	uint64_t ratio = o->max_ratio ? o->max_ratio : 1;
	w.budget = (uint64_t)len > UINT64_MAX / ratio ? UINT64_MAX : (uint64_t)len * ratio;
	if (w.budget < MMR_SECRET_ARCHIVE_MIN_BUDGET)
		w.budget = MMR_SECRET_ARCHIVE_MIN_BUDGET;
	size_t before = out->n;
	int rc = walk_archive(&w, name, data, len, 0);
	return rc < 0 ? rc : (int)(out->n - before);
}
