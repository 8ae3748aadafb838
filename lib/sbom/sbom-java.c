/* sbom-java.c - Java archives (jar, war, ear, par, hpi, jpi).
 *
 * The archive is read from memory with libarchive's zip readers (the
 * seekable one, which trusts the central directory, then the streaming one
 * for archives without a usable central directory); nothing is extracted.
 *
 * What an archive contributes, in this order (as Trivy's offline mode):
 *  - every pom.properties entry (META-INF/maven/<g>/<a>/pom.properties, or
 *    any other entry of that name) with groupId, artifactId and version;
 *  - nested archives (WEB-INF/lib/x.jar, BOOT-INF/lib/x.jar, lib/x.jar in
 *    ears, jars in jars), read recursively from memory;
 *  - licenses from the embedded META-INF/maven/<g>/<a>/pom.xml, given to
 *    the g:a package of that archive's pom.properties;
 *  - the archive itself, when none of its pom.properties describes it (its
 *    file name `artifact-version.jar` does not match one): from the main
 *    section of META-INF/MANIFEST.MF, else from the file name alone (then
 *    without a groupId: Trivy would ask Maven Central, we make no network
 *    look-ups).
 *
 * Limits: nested archives up to max-archive-depth levels below the file,
 * max-file-size bytes per nested archive, max-entries entries in all, and
 * at most max-ratio x (file size) bytes decompressed in all (zip bombs);
 * metadata entries are read up to 1 MiB, manifest attributes up to
 * max-line bytes. A limit that is hit is a warning naming the nested path
 * (`app.war!/WEB-INF/lib/x.jar`); what was found before is kept.
 *
 * Package names are "groupId:artifactId"; each package's file is the
 * archive it was found in, nested paths joined with "!/". Identical
 * name@version pairs within one file are reported once. */
#include "core/core-buf.h"
#include "core/core-str.h"
#include "sbom/sbom-java.h"
#include "sbom/sbom.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JAR_META_MAX ((size_t)1 << 20) /* pom.properties, MANIFEST.MF */
#define JAR_READ_CHUNK ((size_t)64 << 10)
#define JAR_MIN_BUDGET ((uint64_t)1 << 20)
#define JAR_FIELD_MAX 512 /* longest groupId/artifactId/version kept */

static const char *const jar_exts[] = { ".jar", ".war", ".ear", ".par", ".hpi", ".jpi", NULL };

static bool is_artifact_name(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; jar_exts[i]; i++)
		if (n > 4 && strcasecmp(name + n - 4, jar_exts[i]) == 0)
			return true;
	return false;
}

static bool jar_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size > 0 && is_artifact_name(mmr_path_base(path));
}

/* One walk over a file and everything nested in it. */
struct jar_walk {
	struct mmr_sbom_ctx *ctx;
	struct mmr_sbom_group *g;
	struct mmr_map seen; /* "g:a@v" -> package */
	uint64_t budget;     /* bytes we may still decompress */
	uint64_t entries;    /* entries seen in all archives */
	uint64_t max_depth, max_file, max_line, max_entries, max_ratio;
	bool stop;           /* a global limit was hit: stop reading */
};

/* groupId, artifactId, version of one artifact. */
struct jar_props {
	char *group, *artifact, *version;
};

/* ---- small text helpers ---- */

static bool field_ok(const char *s)
{
	if (!s || !*s || strlen(s) > JAR_FIELD_MAX)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s))
			return true;
	return false;
}

static char *dup_trim(struct mmr_arena *a, const char *p, size_t n)
{
	struct mmr_str s = mmr_str_trim((struct mmr_str){ p, n });
	return mmr_str_dup(a, s);
}

/* Next line ending in "\r\n", "\n" or a lone "\r" (the manifest grammar). */
static bool next_line(const char **pp, const char *end, struct mmr_str *ret)
{
	const char *p = *pp;
	if (p >= end)
		return false;
	const char *e = p;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	ret->p = p;
	ret->len = (size_t)(e - p);
	if (e < end && *e == '\r')
		e++;
	if (e < end && *e == '\n')
		e++;
	*pp = e;
	return true;
}

/* ---- pom.properties (java.util.Properties text format) ---- */

/* Unescape a properties key or value into b. */
static void prop_unescape(struct mmr_buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\\' || i + 1 >= n) {
			mmr_buf_addc(b, p[i]);
			continue;
		}
		char c = p[++i];
		switch (c) {
		case 't': mmr_buf_addc(b, '\t'); break;
		case 'n': mmr_buf_addc(b, '\n'); break;
		case 'r': mmr_buf_addc(b, '\r'); break;
		case 'f': mmr_buf_addc(b, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			bool ok = i + 4 < n;
			for (size_t k = 1; ok && k <= 4; k++) {
				int h = mmr_hex_digit(p[i + k]);
				ok = h >= 0;
				cp = cp * 16 + (unsigned)(ok ? h : 0);
			}
			if (!ok) {
				mmr_buf_addc(b, 'u');
				break;
			}
			i += 4;
			if (cp < 0x80) {
				mmr_buf_addc(b, (char)cp);
			} else if (cp < 0x800) {
				mmr_buf_addc(b, (char)(0xc0 | (cp >> 6)));
				mmr_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else {
				mmr_buf_addc(b, (char)(0xe0 | (cp >> 12)));
				mmr_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
				mmr_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			}
			break;
		}
		default: mmr_buf_addc(b, c); break;
		}
	}
}

static void prop_line(struct mmr_arena *a, struct jar_props *pp, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\f'))
		i++;
	if (i >= n || p[i] == '#' || p[i] == '!')
		return;
	size_t ks = i;
	while (i < n && p[i] != '=' && p[i] != ':' && p[i] != ' ' && p[i] != '\t' && p[i] != '\f') {
		if (p[i] == '\\')
			i++;
		i++;
	}
	if (i > n)
		i = n;
	size_t ke = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\f'))
		i++;
	if (i < n && (p[i] == '=' || p[i] == ':'))
		i++;
	struct mmr_buf k, v;
	mmr_buf_init(&k, JAR_META_MAX);
	mmr_buf_init(&v, JAR_META_MAX);
	prop_unescape(&k, p + ks, ke - ks);
	prop_unescape(&v, p + i, n - i);
	char **slot = NULL;
	if (strcmp(k.p, "groupId") == 0)
		slot = &pp->group;
	else if (strcmp(k.p, "artifactId") == 0)
		slot = &pp->artifact;
	else if (strcmp(k.p, "version") == 0)
		slot = &pp->version;
	if (slot)
		*slot = dup_trim(a, v.p, v.len);
	mmr_buf_release(&k);
	mmr_buf_release(&v);
}

/* Parse a properties file: logical lines join physical lines that end in
 * an odd number of backslashes. */
static void parse_pom_properties(struct mmr_arena *a, const char *data, size_t len,
				 struct jar_props *ret)
{
	const char *p = data, *end = data + len;
	struct mmr_str l;
	struct mmr_buf logical;
	mmr_buf_init(&logical, JAR_META_MAX);
	bool cont = false;
	while (next_line(&p, end, &l)) {
		if (cont) { /* leading whitespace of a continuation is dropped */
			while (l.len && (l.p[0] == ' ' || l.p[0] == '\t' || l.p[0] == '\f')) {
				l.p++;
				l.len--;
			}
		}
		size_t bs = 0;
		while (bs < l.len && l.p[l.len - 1 - bs] == '\\')
			bs++;
		bool more = bs % 2 == 1;
		if (mmr_buf_add(&logical, l.p, more ? l.len - 1 : l.len) < 0)
			more = false;
		if (more) {
			cont = true;
			continue;
		}
		cont = false;
		prop_line(a, ret, logical.p, logical.len);
		mmr_buf_reset(&logical);
	}
	if (logical.len)
		prop_line(a, ret, logical.p, logical.len);
	mmr_buf_release(&logical);
}

/* ---- META-INF/MANIFEST.MF, main section ---- */

enum {
	MF_IMPL_TITLE, MF_IMPL_VERSION, MF_IMPL_VENDOR, MF_IMPL_VENDOR_ID,
	MF_SPEC_TITLE, MF_SPEC_VERSION, MF_SPEC_VENDOR,
	MF_BUNDLE_NAME, MF_BUNDLE_VERSION, MF_BUNDLE_SYMBOLIC,
	MF__COUNT
};
static const char *const mf_keys[MF__COUNT] = {
	"Implementation-Title", "Implementation-Version", "Implementation-Vendor",
	"Implementation-Vendor-Id", "Specification-Title", "Specification-Version",
	"Specification-Vendor", "Bundle-Name", "Bundle-Version", "Bundle-SymbolicName",
};

struct jar_manifest {
	char *v[MF__COUNT];
	bool long_attr; /* an attribute was longer than max-line */
};

static void mf_attr(struct mmr_arena *a, struct jar_manifest *m, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return;
	size_t kl = (size_t)(colon - p);
	struct mmr_str v = mmr_str_trim((struct mmr_str){ colon + 1, n - kl - 1 });
	/* "%name" values are bundle localisation keys, not values */
	if (!v.len || v.p[0] == '%')
		return;
	for (int i = 0; i < MF__COUNT; i++)
		if (strlen(mf_keys[i]) == kl && strncasecmp(p, mf_keys[i], kl) == 0)
			m->v[i] = mmr_str_dup(a, v);
}

static void parse_manifest(struct mmr_arena *a, const char *data, size_t len, size_t max_line,
			   struct jar_manifest *m)
{
	const char *p = data, *end = data + len;
	struct mmr_str l;
	struct mmr_buf attr;
	bool skip = false; /* the current attribute is over max-line */
	mmr_buf_init(&attr, max_line);
	while (next_line(&p, end, &l)) {
		if (!l.len)
			break; /* end of the main section */
		if (l.p[0] == ' ') {
			if (!skip && mmr_buf_add(&attr, l.p + 1, l.len - 1) < 0) {
				skip = true;
				m->long_attr = true;
			}
			continue;
		}
		if (!skip && attr.len)
			mf_attr(a, m, attr.p, attr.len);
		mmr_buf_reset(&attr);
		skip = mmr_buf_add(&attr, l.p, l.len) < 0;
		m->long_attr |= skip;
	}
	if (!skip && attr.len)
		mf_attr(a, m, attr.p, attr.len);
	mmr_buf_release(&attr);
}

static const char *first_of(const struct jar_manifest *m, int a, int b, int c)
{
	return m->v[a] ? m->v[a] : m->v[b] ? m->v[b] : m->v[c];
}

/* The artifact a manifest describes, Trivy's precedence. */
static bool manifest_props(struct mmr_arena *a, const struct jar_manifest *m,
			   struct jar_props *ret)
{
	char *group = NULL;
	if (m->v[MF_IMPL_VENDOR_ID]) {
		group = m->v[MF_IMPL_VENDOR_ID];
	} else if (m->v[MF_BUNDLE_SYMBOLIC]) {
		/* "com.fasterxml.jackson.core.jackson-databind;singleton:=true"
		 * -> "com.fasterxml.jackson.core" */
		const char *s = m->v[MF_BUNDLE_SYMBOLIC];
		size_t n = strcspn(s, ";");
		const char *dot = memrchr(s, '.', n);
		group = dup_trim(a, s, dot ? (size_t)(dot - s) : n);
	} else {
		group = m->v[MF_IMPL_VENDOR] ? m->v[MF_IMPL_VENDOR] : m->v[MF_SPEC_VENDOR];
	}
	const char *art = first_of(m, MF_IMPL_TITLE, MF_SPEC_TITLE, MF_BUNDLE_NAME);
	const char *ver = first_of(m, MF_IMPL_VERSION, MF_SPEC_VERSION, MF_BUNDLE_VERSION);
	/* vendor names ("Oracle Corporation") and titles ("Apache Commons
	 * Lang") are not coordinates: Trivy checks them against Maven Central,
	 * we only refuse what cannot be one */
	if (!field_ok(group) || !field_ok(art) || !field_ok(ver) || has_space(group) ||
	    has_space(art) || has_space(ver))
		return false;
	ret->group = group;
	ret->artifact = (char *)art;
	ret->version = (char *)ver;
	return true;
}

/* ---- file names: artifact-1.2.3.jar ---- */

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

/* Split "spring-core-5.3.4-SNAPSHOT.jar" into artifact and version: the
 * version starts at the last "-<digit>" whose left part is made of
 * [A-Za-z0-9._-] and does not end in '-'. */
static bool filename_props(struct mmr_arena *a, const char *base, struct jar_props *ret)
{
	size_t n = strlen(base);
	if (n <= 4 || strcasecmp(base + n - 4, ".jar") != 0)
		return false;
	n -= 4;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)base[i]) || (unsigned char)base[i] < 0x20)
			return false;
	for (size_t i = n - 1; i >= 2; i--) {
		if (base[i - 1] != '-' || !isdigit((unsigned char)base[i]) || base[i - 2] == '-' ||
		    base[i - 2] == '*')
			continue;
		bool ok = true;
		for (size_t k = 0; k + 2 < i && ok; k++)
			ok = name_char(base[k]);
		if (!ok)
			continue;
		ret->group = NULL;
		ret->artifact = mmr_arena_strndup(a, base, i - 1);
		ret->version = mmr_arena_strndup(a, base + i, n - i);
		return ret->artifact && ret->version;
	}
	return false;
}

/* ---- the walk ---- */

static int add_package(struct jar_walk *w, const struct jar_props *pp, const char *where,
		       struct mmr_vec *ret_added)
{
	struct mmr_arena *a = w->ctx->arena;
	const char *name = pp->group ? mmr_arena_printf(a, "%s:%s", pp->group, pp->artifact) :
				       pp->artifact;
	const char *key = name ? mmr_arena_printf(a, "%s@%s", name, pp->version) : NULL;
	if (!key)
		return -ENOMEM;
	if (mmr_map_has(&w->seen, key))
		return 0;
	struct mmr_package *p = mmr_sbom_package_new(w->ctx, w->g, MMR_ECO_MAVEN, name, pp->version);
	if (!p) {
		w->stop = true;
		mmr_sbom_warn(w->ctx, where, "jar analyzer: package limit (max-packages) reached");
		return -E2BIG;
	}
	p->file = mmr_arena_strdup(a, where);
	if (ret_added && mmr_vec_push(a, ret_added, p) < 0)
		return -ENOMEM;
	return mmr_map_put(&w->seen, key, p);
}

/* Read the current entry into a malloc'ed, NUL-terminated buffer of at
 * most `cap` bytes. Returns 0 (with *ret_trunc when the entry was longer
 * than cap), -E2BIG when the decompression budget ran out, -EIO on a read
 * error. Every byte decompressed is taken from the walk's budget. */
static int read_entry(struct jar_walk *w, struct archive *ar, size_t cap, char **ret,
		      size_t *ret_len, bool *ret_trunc)
{
	size_t alloc = cap < JAR_READ_CHUNK ? cap : JAR_READ_CHUNK, len = 0;
	char *buf = malloc(alloc + 1);
	if (!buf)
		return -ENOMEM;
	*ret_trunc = false;
	for (;;) {
		if (len == alloc && alloc < cap) {
			size_t na = alloc > cap / 2 ? cap : alloc * 2;
			char *nb = realloc(buf, na + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			alloc = na;
		}
		char probe;
		char *dst = len < alloc ? buf + len : &probe;
		size_t want = len < alloc ? alloc - len : 1;
		if (want > w->budget)
			want = w->budget ? (size_t)w->budget : 1;
		la_ssize_t r = archive_read_data(ar, dst, want);
		if (r < 0) {
			free(buf);
			return -EIO;
		}
		if (r == 0)
			break;
		if ((uint64_t)r > w->budget) {
			free(buf);
			w->budget = 0;
			return -E2BIG;
		}
		w->budget -= (uint64_t)r;
		if (dst == &probe) {
			*ret_trunc = true;
			break;
		}
		len += (size_t)r;
	}
	buf[len] = 0;
	*ret = buf;
	*ret_len = len;
	return 0;
}

static struct archive *open_zip(const void *data, size_t len, bool seekable)
{
	struct archive *ar = archive_read_new();
	if (!ar)
		return NULL;
	if (seekable)
		archive_read_support_format_zip_seekable(ar);
	else
		archive_read_support_format_zip_streamable(ar);
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		archive_read_free(ar);
		return NULL;
	}
	return ar;
}

static const char *base_of_display(const char *disp)
{
	const char *bang = strstr(disp, "!/");
	while (bang) {
		disp = bang + 2;
		bang = strstr(disp, "!/");
	}
	return mmr_path_base(disp);
}

static int walk_archive(struct jar_walk *w, const void *data, size_t len, const char *disp,
			uint64_t depth, struct mmr_error *reterr);

/* One nested archive entry: depth and size checks, read, recurse. */
static void walk_nested(struct jar_walk *w, struct archive *ar, const char *disp, uint64_t depth)
{
	if (depth > w->max_depth) {
		mmr_sbom_warn(w->ctx, disp,
			      "jar analyzer: nested archive not read: depth limit (max-archive-depth=%llu) reached",
			      (unsigned long long)w->max_depth);
		return;
	}
	char *buf = NULL;
	size_t n = 0;
	bool trunc = false;
	size_t cap = w->max_file > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)w->max_file;
	int r = read_entry(w, ar, cap, &buf, &n, &trunc);
	if (r == -E2BIG) {
		w->stop = true;
		mmr_sbom_warn(w->ctx, disp,
			      "jar analyzer: decompressed size exceeds max-ratio=%llu x archive size: stopped (zip bomb?)",
			      (unsigned long long)w->max_ratio);
		return;
	}
	if (r < 0) {
		mmr_sbom_warn(w->ctx, disp, "jar analyzer: cannot read nested archive: %s",
			      r == -EIO ? archive_error_string(ar) ? archive_error_string(ar) : "read error" :
					  strerror(-r));
		return;
	}
	if (trunc) {
		mmr_sbom_warn(w->ctx, disp,
			      "jar analyzer: nested archive larger than max-file-size=%llu: skipped",
			      (unsigned long long)w->max_file);
	} else {
		struct mmr_error e = { 0 };
		if (walk_archive(w, buf, n, disp, depth, &e) < 0)
			mmr_sbom_warn(w->ctx, disp, "jar analyzer: %s", e.msg[0] ? e.msg : "unreadable");
	}
	free(buf);
}

/* Read a metadata entry (malloc'ed, NULL after a warning). */
static char *walk_meta(struct jar_walk *w, struct archive *ar, const char *where, size_t *ret_len)
{
	char *buf = NULL;
	bool trunc = false;
	int r = read_entry(w, ar, JAR_META_MAX, &buf, ret_len, &trunc);
	if (r == -E2BIG) {
		w->stop = true;
		mmr_sbom_warn(w->ctx, where,
			      "jar analyzer: decompressed size exceeds max-ratio=%llu x archive size: stopped (zip bomb?)",
			      (unsigned long long)w->max_ratio);
		return NULL;
	}
	if (r < 0) {
		mmr_sbom_warn(w->ctx, where, "jar analyzer: cannot read entry: %s",
			      r == -EIO && archive_error_string(ar) ? archive_error_string(ar) :
								       strerror(-r));
		return NULL;
	}
	if (trunc)
		mmr_sbom_warn(w->ctx, where, "jar analyzer: entry larger than %zu bytes: read in part",
			      JAR_META_MAX);
	return buf;
}

static int walk_archive(struct jar_walk *w, const void *data, size_t len, const char *disp,
			uint64_t depth, struct mmr_error *reterr)
{
	struct mmr_arena *a = w->ctx->arena;
	bool seekable = true;
	struct archive *ar = open_zip(data, len, true);
	if (!ar) {
		seekable = false;
		ar = open_zip(data, len, false);
	}
	if (!ar)
		return mmr_error_set(reterr, EBADMSG, disp, 0, 0, "not a zip archive");
	uint64_t nread = 0; /* headers read from this archive */
	struct mmr_vec added = { 0 }; /* packages from this archive's pom.properties */
	struct mmr_map pom_lic;       /* "g:a" -> struct mmr_vec * of licence names */
	mmr_map_init(&pom_lic, a);

	struct jar_manifest m = { 0 };
	bool have_manifest = false, own_pom = false, any_pom = false;
	struct jar_props fileprops = { 0 };
	bool have_fileprops = filename_props(a, base_of_display(disp), &fileprops);
	int ret = 0;
	struct archive_entry *ent;
	for (;;) {
		if (w->stop)
			break;
		int r = archive_read_next_header(ar, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN && seekable && nread == 0) {
			/* no usable central directory: try the local headers */
			archive_read_free(ar);
			seekable = false;
			if (!(ar = open_zip(data, len, false)))
				return mmr_error_set(reterr, EBADMSG, disp, 0, 0, "not a zip archive");
			continue;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			const char *es = archive_error_string(ar);
			ret = mmr_error_set(reterr, EBADMSG, disp, 0, 0, "damaged zip archive: %s",
					    es ? es : "bad entry header");
			break;
		}
		nread++;
		if (++w->entries > w->max_entries) {
			w->stop = true;
			mmr_sbom_warn(w->ctx, disp,
				      "jar analyzer: entry limit (max-entries=%llu) reached: stopped",
				      (unsigned long long)w->max_entries);
			break;
		}
		const char *name = archive_entry_pathname(ent);
		if (!name || !*name || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		const char *base = mmr_path_base(name);
		const char *where = mmr_arena_printf(a, "%s!/%s", disp, name);
		if (!where) {
			ret = -ENOMEM;
			break;
		}
		if (strcmp(base, "pom.properties") == 0) {
			size_t n;
			char *buf = walk_meta(w, ar, where, &n);
			if (!buf)
				continue;
			struct jar_props pp = { 0 };
			parse_pom_properties(a, buf, n, &pp);
			free(buf);
			if (!field_ok(pp.group) || !field_ok(pp.artifact) || !field_ok(pp.version)) {
				mmr_sbom_warn(w->ctx, where,
					      "jar analyzer: pom.properties without a valid %s: ignored",
					      !field_ok(pp.group)    ? "groupId" :
					      !field_ok(pp.artifact) ? "artifactId" :
								       "version");
				continue;
			}
			any_pom = true;
			if (have_fileprops && strcmp(pp.artifact, fileprops.artifact) == 0 &&
			    strcmp(pp.version, fileprops.version) == 0)
				own_pom = true;
			if ((ret = add_package(w, &pp, disp, &added)) < 0)
				break;
		} else if (strcmp(base, "pom.xml") == 0 && mmr_cstr_starts(name, "META-INF/maven/")) {
			/* META-INF/maven/<g>/<a>/pom.xml: licenses of g:a */
			const char *ga = name + strlen("META-INF/maven/");
			const char *sl = strchr(ga, '/');
			if (!sl || sl == ga || strchr(sl + 1, '/') != base - 1 || base - 1 == sl + 1)
				continue;
			const char *key = mmr_arena_printf(a, "%.*s:%.*s", (int)(sl - ga), ga,
							   (int)(base - sl - 2), sl + 1);
			size_t n;
			char *buf = key ? walk_meta(w, ar, where, &n) : NULL;
			if (!buf)
				continue;
			struct mmr_vec *lv = mmr_arena_alloc(a, sizeof(*lv));
			if (lv && mmr_sbom_pom_licenses(a, buf, n, lv) == 0 && lv->n)
				mmr_map_put(&pom_lic, key, lv);
			free(buf);
		} else if (strcasecmp(name, "META-INF/MANIFEST.MF") == 0 && !have_manifest) {
			size_t n;
			char *buf = walk_meta(w, ar, where, &n);
			if (!buf)
				continue;
			parse_manifest(a, buf, n, w->max_line, &m);
			free(buf);
			have_manifest = true;
			if (m.long_attr)
				mmr_sbom_warn(w->ctx, where,
					      "jar analyzer: manifest attribute longer than max-line=%llu: ignored",
					      (unsigned long long)w->max_line);
		} else if (is_artifact_name(base)) {
			walk_nested(w, ar, where, depth + 1);
		}
	}
	archive_read_free(ar);
	/* licenses from the embedded pom.xml of each pom.properties artifact */
	for (size_t i = 0; i < added.n; i++) {
		struct mmr_package *p = added.v[i];
		const struct mmr_vec *lv = p->licenses.n ? NULL : mmr_map_get(&pom_lic, p->name);
		for (size_t k = 0; lv && k < lv->n; k++)
			if (mmr_sbom_add_license(w->ctx, p, lv->v[k]) < 0)
				return -ENOMEM;
	}
	if (ret == -ENOMEM || ret == -E2BIG)
		return ret;

	/* The archive itself, when no pom.properties described it: from the
	 * manifest, else from the file name, but only when the archive had no
	 * pom.properties at all (a renamed or shaded jar's own coordinates are
	 * better than a guess from its name). */
	if (!own_pom && !w->stop) {
		struct jar_props mp = { 0 };
		int r = 0;
		if (have_manifest && manifest_props(a, &m, &mp))
			r = add_package(w, &mp, disp, NULL);
		else if (!any_pom && have_fileprops && field_ok(fileprops.artifact) &&
			 field_ok(fileprops.version))
			r = add_package(w, &fileprops, disp, NULL);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int jar_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	struct mmr_limits def;
	const struct mmr_limits *lim = ctx->limits;
	if (!lim) {
		mmr_limits_default(&def);
		lim = &def;
	}
	struct jar_walk w = {
		.ctx = ctx,
		.max_depth = lim->max_archive_depth,
		.max_file = lim->max_file_size,
		.max_line = lim->max_line ? lim->max_line : 1,
		.max_entries = lim->max_entries,
		.max_ratio = lim->max_ratio,
	};
	if (w.max_line > SIZE_MAX)
		w.max_line = SIZE_MAX;
	if (lim->max_ratio && f->len > UINT64_MAX / lim->max_ratio)
		w.budget = UINT64_MAX;
	else
		w.budget = (uint64_t)f->len * lim->max_ratio;
	if (w.budget < JAR_MIN_BUDGET)
		w.budget = JAR_MIN_BUDGET;
	mmr_map_init(&w.seen, ctx->arena);
	w.g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_jar, f->path);
	if (!w.g)
		return -ENOMEM;
	return walk_archive(&w, f->data, f->len, f->path, 0, reterr);
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_jar = {
	.name = "jar",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED,
	.version = 1,
	.match = jar_match,
	.parse = jar_parse,
};
