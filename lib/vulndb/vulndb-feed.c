/* vulndb-feed.c - the feed table, detection, rejects, and the helpers the
 * feed parsers share (see vulndb-feed.h). */
#include "vulndb/vulndb-feed.h"
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const struct mmr_vulndb_feed *const mmr_vulndb_feeds[] = {
#define F(n) &mmr_vulndb_feed_##n,
#include "vulndb/vulndb-feeds.def"
#undef F
	NULL,
};

const struct mmr_vulndb_feed *mmr_vulndb_feed_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; mmr_vulndb_feeds[i]; i++)
		if (strcmp(mmr_vulndb_feeds[i]->name, name) == 0)
			return mmr_vulndb_feeds[i];
	return NULL;
}

const struct mmr_vulndb_feed *mmr_vulndb_feed_detect(const char *path, const uint8_t *head,
						     size_t len)
{
	for (size_t i = 0; mmr_vulndb_feeds[i]; i++)
		if (mmr_vulndb_feeds[i]->detect &&
		    mmr_vulndb_feeds[i]->detect(path ? path : "", head, head ? len : 0))
			return mmr_vulndb_feeds[i];
	return NULL;
}

void mmr_vulndb_reject(struct mmr_vulndb_sink *s, const char *file, unsigned long line,
		       const char *fmt, ...)
{
	if (!s)
		return;
	s->rejected++;
	if (s->first_reject[0])
		return;
	char why[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	const char *f = file ? file : "";
	if (line)
		snprintf(s->first_reject, sizeof(s->first_reject), "%.100s:%lu: %s", f, line, why);
	else
		snprintf(s->first_reject, sizeof(s->first_reject), "%.100s: %s", f, why);
}

/* ---- zip members ---- */

#define ZIP_DEFAULT_MEMBERS 1000000
#define ZIP_DEFAULT_MEMBER_SIZE ((uint64_t)64 << 20)

int mmr_vulndb_feed_each_zip_member(const char *path, uint64_t max_members,
				    uint64_t max_member_size, mmr_vulndb_member_fn fn, void *ud,
				    struct mmr_error *reterr)
{
	if (!path || !fn)
		return -EINVAL;
	if (!max_members)
		max_members = ZIP_DEFAULT_MEMBERS;
	if (!max_member_size)
		max_member_size = ZIP_DEFAULT_MEMBER_SIZE;
	struct archive *ar = archive_read_new();
	if (!ar)
		return -ENOMEM;
	archive_read_support_format_zip(ar);
	archive_read_support_format_tar(ar);
	archive_read_support_filter_gzip(ar);
	archive_read_support_filter_zstd(ar);
	int r = 0;
	uint8_t *buf = NULL;
	uint64_t members = 0;
	if (archive_read_open_filename(ar, path, 64 << 10) != ARCHIVE_OK) {
		int e = archive_errno(ar);
		r = mmr_error_set(reterr, e == ENOENT ? ENOENT : EBADMSG, path, 0, 0,
				  "cannot open archive: %s", archive_error_string(ar));
		goto out;
	}
	for (;;) {
		struct archive_entry *ent;
		int ar_r = archive_read_next_header(ar, &ent);
		if (ar_r == ARCHIVE_EOF)
			break;
		if (ar_r != ARCHIVE_OK && ar_r != ARCHIVE_WARN) {
			r = mmr_error_set(reterr, EBADMSG, path, 0, 0, "corrupt archive: %s",
					  archive_error_string(ar));
			goto out;
		}
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;
		if (++members > max_members) {
			r = mmr_error_set(reterr, E2BIG, path, 0, 0,
					  "archive has more than %llu members (max-entries)",
					  (unsigned long long)max_members);
			goto out;
		}
		const char *name = archive_entry_pathname(ent);
		if (!name)
			name = "";
		/* Read with a cap, whatever size the header claims. */
		size_t cap = 0, n = 0;
		for (;;) {
			if (n == cap) {
				if (cap >= max_member_size + 1)
					break;
				size_t ncap = cap ? cap * 2 : 64 << 10;
				if (ncap > max_member_size + 1)
					ncap = (size_t)max_member_size + 1;
				uint8_t *nb = realloc(buf, ncap);
				if (!nb) {
					r = -ENOMEM;
					goto out;
				}
				buf = nb;
				cap = ncap;
			}
			la_ssize_t got = archive_read_data(ar, buf + n, cap - n);
			if (got < 0) {
				r = mmr_error_set(reterr, EBADMSG, path, 0, 0,
						  "corrupt archive member %s: %s", name,
						  archive_error_string(ar));
				goto out;
			}
			if (got == 0)
				break;
			n += (size_t)got;
		}
		if (n > max_member_size) {
			r = mmr_error_set(reterr, E2BIG, path, 0, 0,
					  "archive member %s is larger than %llu bytes", name,
					  (unsigned long long)max_member_size);
			goto out;
		}
		r = fn(ud, name, buf ? buf : (const uint8_t *)"", n);
		if (r < 0)
			goto out;
		r = 0;
	}
out:
	free(buf);
	archive_read_free(ar);
	return r;
}

/* ---- helpers ---- */

const char *mmr_vulndb_text(struct mmr_arena *a, const char *s, size_t max)
{
	if (!s)
		return NULL;
	size_t n = strnlen(s, max + 1);
	if (n > max) {
		n = max;
		/* back off to the start of a UTF-8 sequence */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	return mmr_arena_strndup(a, s, n);
}

bool mmr_vulndb_id_ok(const char *s)
{
	if (!s || !*s)
		return false;
	size_t n = strnlen(s, MMR_VULNDB_MAX_ID + 1);
	if (n > MMR_VULNDB_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int mmr_vulndb_strlist(struct mmr_arena *a, const json_t *arr, const char *const **ret,
		       size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return 0;
	size_t n = json_array_size(arr);
	if (n > MMR_VULNDB_MAX_LIST)
		n = MMR_VULNDB_MAX_LIST;
	const char **out = mmr_arena_calloc(a, n, sizeof(*out));
	if (!out)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (!mmr_vulndb_id_ok(s))
			continue;
		bool dup = false;
		for (size_t j = 0; j < k && j < 64; j++)
			if (strcmp(out[j], s) == 0) {
				dup = true;
				break;
			}
		if (dup)
			continue;
		if (!(out[k] = mmr_arena_strdup(a, s)))
			return -ENOMEM;
		k++;
	}
	*ret = k ? out : NULL;
	*ret_n = k;
	return 0;
}

/* "v3.18" / "3.18" -> "3.18"; anything else NULL. */
static const char *release_digits(const char *s)
{
	if (!s)
		return NULL;
	if (*s == 'v')
		s++;
	if (*s < '0' || *s > '9')
		return NULL;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return NULL;
	return s;
}

bool mmr_vulndb_osv_ecosystem(struct mmr_arena *a, const char *osv, const char **ret_eco,
			      const char **ret_scheme)
{
	static const struct {
		const char *osv, *scheme;
	} lang[] = {
		{ "npm", "npm" },	    { "PyPI", "pep440" },   { "Go", "go" },
		{ "crates.io", "cargo" }, { "Maven", "maven" },   { "RubyGems", "gem" },
		{ "Packagist", "composer" }, { "NuGet", "nuget" },
	};
	if (!mmr_vulndb_id_ok(osv) || strlen(osv) > 128)
		return false;
	for (size_t i = 0; i < sizeof(lang) / sizeof(lang[0]); i++)
		if (strcmp(osv, lang[i].osv) == 0) {
			*ret_eco = lang[i].osv;
			*ret_scheme = lang[i].scheme;
			return true;
		}
	/* Distributions: "Name:part:part..."; the release is the first part
	 * that is all digits and dots (after an optional 'v'). */
	static const struct {
		const char *osv, *key, *scheme;
	} distro[] = {
		{ "Debian", "debian", "dpkg" },
		{ "Ubuntu", "ubuntu", "dpkg" },
		{ "Alpine", "alpine", "apk" },
		{ "Red Hat", "redhat", "rpm" },
	};
	const char *colon = strchr(osv, ':');
	if (!colon)
		return false;
	size_t nl = (size_t)(colon - osv);
	for (size_t i = 0; i < sizeof(distro) / sizeof(distro[0]); i++) {
		if (strlen(distro[i].osv) != nl || memcmp(osv, distro[i].osv, nl) != 0)
			continue;
		char part[130];
		const char *p = colon + 1;
		while (*p) {
			const char *e = strchr(p, ':');
			size_t pl = e ? (size_t)(e - p) : strlen(p);
			if (pl < sizeof(part)) {
				memcpy(part, p, pl);
				part[pl] = 0;
				const char *rel = release_digits(part);
				if (rel) {
					char buf[160];
					size_t rl = strlen(rel);
					/* Debian, Red Hat: the major release only */
					if (strcmp(distro[i].key, "debian") == 0 ||
					    strcmp(distro[i].key, "redhat") == 0) {
						const char *dot = strchr(rel, '.');
						if (dot)
							rl = (size_t)(dot - rel);
					}
					snprintf(buf, sizeof(buf), "%s:%.*s", distro[i].key,
						 (int)rl, rel);
					const char *k = mmr_arena_strdup(a, buf);
					if (!k)
						return false;
					*ret_eco = k;
					*ret_scheme = distro[i].scheme;
					return true;
				}
			}
			if (!e)
				break;
			p = e + 1;
		}
		return false;
	}
	return false;
}

const char *mmr_vulndb_pkg_name(struct mmr_arena *a, const char *eco, const char *name)
{
	if (!name)
		return NULL;
	if (eco && strcmp(eco, "PyPI") == 0) {
		size_t n = strlen(name);
		char *o = mmr_arena_alloc(a, n + 1);
		if (!o)
			return NULL;
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			char c = name[i];
			if (c == '-' || c == '_' || c == '.') {
				if (k == 0 || o[k - 1] != '-')
					o[k++] = '-';
				continue;
			}
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			o[k++] = c;
		}
		o[k] = 0;
		return o;
	}
	return mmr_arena_strdup(a, name);
}

int mmr_vulndb_first_byte(const uint8_t *head, size_t len)
{
	size_t i = 0;
	if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
		i = 3;
	for (; i < len; i++)
		if (head[i] != ' ' && head[i] != '\t' && head[i] != '\r' && head[i] != '\n')
			return head[i];
	return 0;
}

bool mmr_vulndb_head_has(const uint8_t *head, size_t len, const char *needle)
{
	if (!head || !needle)
		return false;
	size_t nl = strlen(needle);
	return nl <= len && memmem(head, len, needle, nl) != NULL;
}

static bool only_space(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/* One value: arrays fan out to their elements. */
static int each_value(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      unsigned long line, json_t *v, mmr_vulndb_json_fn fn)
{
	if (!json_is_array(v))
		return fn(a, s, path, line, v);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		int r = fn(a, s, path, line, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int mmr_vulndb_each_json(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			 const uint8_t *data, size_t len, mmr_vulndb_json_fn fn,
			 struct mmr_error *reterr)
{
	if (!data)
		len = 0;
	/* JSONL when the first non-empty line is a complete JSON value on its
	 * own (or a one-line document), or, the first line being broken, the
	 * second is a complete object: a pretty-printed document has neither. */
	struct mmr_lines it;
	struct mmr_str ln;
	mmr_lines_init(&it, data, len);
	bool jsonl = false;
	int seen = 0;
	while (!jsonl && seen < 2 && mmr_lines_next(&it, &ln)) {
		if (only_space((const uint8_t *)ln.p, ln.len))
			continue;
		seen++;
		json_error_t je;
		json_t *j = ln.len <= MMR_VULNDB_MAX_RECORD ?
				    json_loadb(ln.p, ln.len, JSON_DISABLE_EOF_CHECK, &je) :
				    NULL;
		if (j) {
			jsonl = only_space((const uint8_t *)ln.p + je.position,
					   ln.len - (size_t)je.position) &&
				(seen == 1 || json_is_object(j));
			json_decref(j);
		}
	}
	if (!jsonl) {
		if (len > MMR_VULNDB_MAX_RECORD)
			return mmr_error_set(reterr, E2BIG, path, 0, 0,
					     "JSON document larger than %zu bytes",
					     MMR_VULNDB_MAX_RECORD);
		json_t *doc;
		int r = mmr_json_parse(data ? (const void *)data : "", len, path, &doc, reterr);
		if (r < 0)
			return r;
		r = each_value(a, s, path, 1, doc, fn);
		json_decref(doc);
		return r;
	}
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &ln)) {
		if (only_space((const uint8_t *)ln.p, ln.len))
			continue;
		if (ln.len > MMR_VULNDB_MAX_RECORD) {
			mmr_vulndb_reject(s, path, it.lineno, "record longer than %zu bytes",
					  MMR_VULNDB_MAX_RECORD);
			continue;
		}
		json_t *j;
		struct mmr_error e = { 0 };
		if (mmr_json_parse(ln.p, ln.len, path, &j, &e) < 0) {
			mmr_vulndb_reject(s, path, it.lineno, "%s", e.msg);
			continue;
		}
		int r = each_value(a, s, path, it.lineno, j, fn);
		json_decref(j);
		if (r < 0)
			return r;
	}
	return 0;
}

int mmr_vulndb_gunzip(const uint8_t *data, size_t len, size_t max, uint8_t **ret,
		      size_t *ret_len, struct mmr_error *reterr, const char *path)
{
	*ret = NULL;
	*ret_len = 0;
	if (len < 2 || data[0] != 0x1f || data[1] != 0x8b)
		return 0;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	size_t cap = len * 4 < (1 << 20) ? (1 << 20) : len * 4, n = 0;
	if (cap > max + 1)
		cap = max + 1;
	uint8_t *out = malloc(cap + 1);
	int r = 0;
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	z.next_in = (Bytef *)data;
	size_t left = len;
	for (;;) {
		if (z.avail_in == 0 && left) {
			uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
			z.avail_in = chunk;
			left -= chunk;
		}
		if (n == cap) {
			if (cap > max) {
				r = mmr_error_set(reterr, E2BIG, path, 0, 0,
						  "gzip data inflates beyond %zu bytes", max);
				goto out;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *nb = realloc(out, ncap + 1);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			out = nb;
			cap = ncap;
		}
		size_t room = cap - n;
		z.next_out = out + n;
		z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
		uInt before = z.avail_out;
		int zr = inflate(&z, Z_NO_FLUSH);
		n += before - z.avail_out;
		if (zr == Z_STREAM_END) {
			/* concatenated members are legal gzip: go on if more input */
			if (z.avail_in == 0 && left == 0)
				break;
			if (inflateReset(&z) != Z_OK) {
				r = -ENOMEM;
				goto out;
			}
			continue;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
			r = mmr_error_set(reterr, EBADMSG, path, 0, 0, "truncated gzip data");
			goto out;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			r = mmr_error_set(reterr, EBADMSG, path, 0, 0, "corrupt gzip data: %s",
					  z.msg ? z.msg : "inflate failed");
			goto out;
		}
	}
	if (n > max) {
		r = mmr_error_set(reterr, E2BIG, path, 0, 0, "gzip data inflates beyond %zu bytes",
				  max);
		goto out;
	}
	out[n] = 0;
	*ret = out;
	*ret_len = n;
	out = NULL;
out:
	free(out);
	inflateEnd(&z);
	return r;
}
