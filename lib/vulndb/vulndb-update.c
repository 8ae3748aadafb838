/* vulndb-update.c - `db import` and `db update` as a library: sources
 * config, download with validators and a raw cache, detect + parse through
 * the feed table, one new database, atomic swap, summary (vulndb-update.h). */
#include "vulndb/vulndb-update.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-http.h"
#include "core/core-json.h"
#include "core/core-log.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"

#define DEFAULT_MAX_FILE ((uint64_t)1 << 30)
#define DEFAULT_MAX_DOWNLOAD ((uint64_t)2 << 30)
#define DEFAULT_MAX_MEMBERS 2000000
#define MAX_WALK_DEPTH 32
#define MAX_NAME 64
#define HEAD_BYTES 4096

/* ---- sources ------------------------------------------------------ */

#define OSV_BUCKET "https://osv-vulnerabilities.storage.googleapis.com/"
#define SALSA_TRACKER "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/"

static const struct {
	const char *name, *url, *format;
	bool enabled;
} default_sources[] = {
	{ "osv-PyPI", OSV_BUCKET "PyPI/all.zip", "osv", true },
	{ "osv-npm", OSV_BUCKET "npm/all.zip", "osv", true },
	{ "osv-Go", OSV_BUCKET "Go/all.zip", "osv", true },
	{ "osv-crates.io", OSV_BUCKET "crates.io/all.zip", "osv", true },
	{ "osv-Maven", OSV_BUCKET "Maven/all.zip", "osv", true },
	{ "osv-RubyGems", OSV_BUCKET "RubyGems/all.zip", "osv", true },
	{ "osv-Packagist", OSV_BUCKET "Packagist/all.zip", "osv", true },
	{ "osv-NuGet", OSV_BUCKET "NuGet/all.zip", "osv", true },
	{ "osv-Ubuntu", OSV_BUCKET "Ubuntu/all.zip", "osv", true },
	{ "debian-tracker", "https://security-tracker.debian.org/tracker/data/json", NULL, true },
	{ "debian-dsa", SALSA_TRACKER "DSA/list", "debian-dsa", true },
	{ "debian-dla", SALSA_TRACKER "DLA/list", "debian-dla", true },
	{ "alpine-v3.18-main", "https://secdb.alpinelinux.org/v3.18/main.json", NULL, true },
	{ "alpine-v3.18-community", "https://secdb.alpinelinux.org/v3.18/community.json", NULL, true },
	{ "alpine-v3.19-main", "https://secdb.alpinelinux.org/v3.19/main.json", NULL, true },
	{ "alpine-v3.19-community", "https://secdb.alpinelinux.org/v3.19/community.json", NULL, true },
	{ "alpine-v3.20-main", "https://secdb.alpinelinux.org/v3.20/main.json", NULL, true },
	{ "alpine-v3.20-community", "https://secdb.alpinelinux.org/v3.20/community.json", NULL, true },
	{ "alpine-v3.21-main", "https://secdb.alpinelinux.org/v3.21/main.json", NULL, true },
	{ "alpine-v3.21-community", "https://secdb.alpinelinux.org/v3.21/community.json", NULL, true },
	{ "alpine-v3.22-main", "https://secdb.alpinelinux.org/v3.22/main.json", NULL, true },
	{ "alpine-v3.22-community", "https://secdb.alpinelinux.org/v3.22/community.json", NULL, true },
	{ "kev", "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
	  NULL, true },
	{ "epss", "https://epss.cyentia.com/epss_scores-current.csv.gz", NULL, true },
	/* Off by default: paged or multi-file APIs that need a mirror (one
	 * file, or a tar of the files) named in sources.yaml. */
	{ "nvd", "https://services.nvd.nist.gov/rest/json/cves/2.0", NULL, false },
	{ "redhat-csaf-vex", "https://security.access.redhat.com/data/csaf/v2/vex/", NULL, false },
	{ "redhat-secdata", "https://access.redhat.com/hydra/rest/securitydata/cve.json", NULL, false },
};

static bool name_ok(const char *n)
{
	if (!n || !n[0] || n[0] == '.' || strlen(n) > MAX_NAME)
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

static bool url_ok(const char *u)
{
	return u && u[0] && strlen(u) < 4096 &&
	       (mmr_cstr_starts(u, "https://") || mmr_cstr_starts(u, "http://") ||
		mmr_cstr_starts(u, "file://") || u[0] == '/');
}

int mmr_vulndb_sources_default(struct mmr_arena *a, struct mmr_vec *out)
{
	for (size_t i = 0; i < sizeof(default_sources) / sizeof(default_sources[0]); i++) {
		struct mmr_vulndb_source *s = mmr_arena_alloc(a, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->name = default_sources[i].name;
		s->url = default_sources[i].url;
		s->format = default_sources[i].format;
		s->enabled = default_sources[i].enabled;
		if (mmr_vec_push(a, out, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct mmr_vulndb_source *find_source(struct mmr_vec *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++) {
		struct mmr_vulndb_source *s = list->v[i];
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* The source called `name`, added (disabled, no URL) when new. */
static int get_source(struct mmr_arena *a, struct mmr_vec *list, const char *name,
		      struct mmr_vulndb_source **ret)
{
	struct mmr_vulndb_source *s = find_source(list, name);
	if (!s) {
		if (list->n >= MMR_VULNDB_MAX_SOURCES)
			return -E2BIG;
		if (!(s = mmr_arena_alloc(a, sizeof(*s))) || !(s->name = mmr_arena_strdup(a, name)) ||
		    mmr_vec_push(a, list, s) < 0)
			return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int mmr_vulndb_sources_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			     struct mmr_vec *list, struct mmr_error *reterr)
{
	json_t *doc = NULL;
	int r;
	if (!file)
		file = "sources.yaml";
	if ((r = mmr_yaml_parse(data, len, file, 0, 16, 200000, &doc, reterr)) < 0)
		return r;
	if (json_is_null(doc)) {
		json_decref(doc);
		return 0; /* an empty file changes nothing */
	}
	if (!json_is_object(doc)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "the top level must be a mapping");
		goto out;
	}
	const char *key;
	json_t *val;
	json_object_foreach(doc, key, val)
	{
		if (strcmp(key, "defaults") != 0 && strcmp(key, "sources") != 0) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "unknown key '%.100s' (defaults, sources)",  key);
			goto out;
		}
	}
	json_t *def = json_object_get(doc, "defaults");
	if (def && !json_is_boolean(def)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "'defaults' must be true or false");
		goto out;
	}
	if (json_is_false(def))
		list->n = 0;
	json_t *srcs = json_object_get(doc, "sources");
	if (srcs && !json_is_null(srcs) && !json_is_array(srcs)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "'sources' must be a list");
		goto out;
	}
	size_t i;
	json_t *e;
	json_array_foreach(srcs, i, e)
	{
		if (i >= MMR_VULNDB_MAX_SOURCES) {
			r = mmr_error_set(reterr, E2BIG, file, 0, 0, "more than %d sources", 
					  MMR_VULNDB_MAX_SOURCES);
			goto out;
		}
		if (!json_is_object(e)) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "sources[%zu] must be a mapping (name, url, format, enabled)",
					   i);
			goto out;
		}
		json_object_foreach(e, key, val)
		{
			if (strcmp(key, "name") && strcmp(key, "url") && strcmp(key, "format") &&
			    strcmp(key, "enabled")) {
				r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
						  "sources[%zu]: unknown key '%.100s' (name, url, format, enabled)",
						   i, key);
				goto out;
			}
		}
		json_t *jn = json_object_get(e, "name"), *ju = json_object_get(e, "url"),
		       *jf = json_object_get(e, "format"), *je = json_object_get(e, "enabled");
		const char *name = json_string_value(jn);
		if (!name_ok(name)) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "sources[%zu]: 'name' must be 1-%d characters of A-Z a-z 0-9 . _ -",
					   i, MAX_NAME);
			goto out;
		}
		if (ju && !url_ok(json_string_value(ju))) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "sources[%zu] (%s): 'url' must be an https://, http://, file:// URL or an absolute path",
					   i, name);
			goto out;
		}
		if (jf && !(json_is_string(jf) && mmr_vulndb_feed_find(json_string_value(jf)))) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "sources[%zu] (%s): unknown 'format' (see 'mamori db import --help')",
					   i, name);
			goto out;
		}
		if (je && !json_is_boolean(je)) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "sources[%zu] (%s): 'enabled' must be true or false",  i,
					  name);
			goto out;
		}
		struct mmr_vulndb_source *s;
		bool existed = find_source(list, name) != NULL;
		if ((r = get_source(a, list, name, &s)) < 0) {
			r = mmr_error_set(reterr, -r, file, 0, 0, "too many sources");
			goto out;
		}
		if (ju && !(s->url = mmr_arena_strdup(a, json_string_value(ju)))) {
			r = -ENOMEM;
			goto out;
		}
		if (jf && !(s->format = mmr_arena_strdup(a, json_string_value(jf)))) {
			r = -ENOMEM;
			goto out;
		}
		if (je)
			s->enabled = json_is_true(je);
		else if (!existed)
			s->enabled = true;
		if (s->enabled && !s->url) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "sources[%zu] (%s) has no 'url'",
					   i, name);
			goto out;
		}
	}
	r = 0;
out:
	json_decref(doc);
	return r;
}

int mmr_vulndb_sources_set(struct mmr_arena *a, struct mmr_vec *list, const char *assignment,
			   struct mmr_error *reterr)
{
	const char *eq = assignment ? strchr(assignment, '=') : NULL;
	if (!eq || eq == assignment || (size_t)(eq - assignment) > MAX_NAME)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "'%.200s' is not NAME=URL",
				     assignment ? assignment : "");
	char name[MAX_NAME + 1];
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = 0;
	if (!name_ok(name))
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0,
				     "source name '%s' must be characters of A-Z a-z 0-9 . _ -", name);
	if (!url_ok(eq + 1))
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0,
				     "source %s: '%.200s' is not an https://, http://, file:// URL or an absolute path",
				     name, eq + 1);
	struct mmr_vulndb_source *s;
	int r = get_source(a, list, name, &s);
	if (r < 0)
		return r;
	if (!(s->url = mmr_arena_strdup(a, eq + 1)))
		return -ENOMEM;
	s->enabled = true;
	return 0;
}

const char *mmr_vulndb_sources_default_config(char *buf, unsigned long len)
{
	const char *xdg = secure_getenv("XDG_CONFIG_HOME");
	const char *home = secure_getenv("HOME");
	int n;
	if (!buf || !len)
		return NULL;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/mamori/sources.yaml", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.config/mamori/sources.yaml", home);
	else
		return NULL;
	return n > 0 && (unsigned long)n < len ? buf : NULL;
}

void mmr_vulndb_update_opts_init(struct mmr_vulndb_update_opts *o, const char *db_path)
{
	memset(o, 0, sizeof(*o));
	o->db_path = db_path;
	o->max_retries = MMR_HTTP_DEFAULT_RETRIES;
}

/* ---- one build ---------------------------------------------------- */

struct build {
	const struct mmr_vulndb_update_opts *o;
	struct mmr_arena *a; /* the summary's arena */
	struct mmr_vulndb_writer *w;
	struct mmr_vulndb_sink *wsink;
	const struct mmr_vulndb_feed *hint;
	uint64_t max_file, max_members;
	struct mmr_vulndb_input_result *cur;
	struct mmr_buf feeds; /* feed names of the current input */
	int store_err;        /* a writer failure: fatal for the whole build */
	struct mmr_error store_e;
};

/* Counting proxy in front of the writer's sink. */
struct counter {
	struct build *b;
};

static int c_vuln(void *ud, const struct mmr_vuln *v)
{
	struct build *b = ud;
	int r = b->wsink->vuln(b->wsink->ud, v);
	if (r == 0)
		b->cur->vulns++;
	return r;
}

static int c_affected(void *ud, const struct mmr_vuln_affected *af)
{
	struct build *b = ud;
	int r = b->wsink->affected(b->wsink->ud, af);
	if (r == 0)
		b->cur->affected++;
	return r;
}

static int c_kev(void *ud, const char *cve, const char *added, const char *due, bool rw)
{
	struct build *b = ud;
	int r = b->wsink->kev(b->wsink->ud, cve, added, due, rw);
	if (r == 0)
		b->cur->kev++;
	return r;
}

static int c_epss(void *ud, const char *cve, double score, double pct)
{
	struct build *b = ud;
	int r = b->wsink->epss(b->wsink->ud, cve, score, pct);
	if (r == 0)
		b->cur->epss++;
	return r;
}

static void reject_file(struct build *b, const char *name, const char *fmt, const char *why)
{
	struct mmr_vulndb_input_result *res = b->cur;
	res->rejected++;
	/* messages from parsers usually start with the file name already */
	size_t nl = strlen(name);
	bool named = strncmp(why, name, nl) == 0 && why[nl] == ':';
	if (!res->first_reject[0])
		snprintf(res->first_reject, sizeof(res->first_reject), "%.200s%s%s%.280s",
			 named ? "" : name, named ? "" : ": ", fmt, why);
	mmr_info("rejected %s%s%s%s", named ? "" : name, named ? "" : ": ", fmt, why);
}

static void note_feed(struct build *b, const char *name)
{
	/* ",name," search in ",a,b," */
	char pat[80];
	snprintf(pat, sizeof(pat), ",%s,", name);
	if (b->feeds.len && strstr(b->feeds.p, pat))
		return;
	if (!b->feeds.len)
		mmr_buf_addc(&b->feeds, ',');
	mmr_buf_adds(&b->feeds, name);
	mmr_buf_addc(&b->feeds, ',');
}

/* Parse one file's bytes (already inflated) under the name `name`. */
static int parse_buffer(struct build *b, const char *name, const uint8_t *data, size_t len)
{
	const struct mmr_vulndb_feed *f = b->hint;
	if (!f)
		f = mmr_vulndb_feed_detect(name, data, len < HEAD_BYTES ? len : HEAD_BYTES);
	if (!f) {
		reject_file(b, name, "", "not a known vulnerability feed format (see 'mamori db import --help')");
		return 0;
	}
	struct mmr_arena *scratch = mmr_arena_new(0);
	if (!scratch)
		return -ENOMEM;
	struct mmr_vulndb_sink s = {
		.vuln = c_vuln,
		.affected = c_affected,
		.kev = c_kev,
		.epss = c_epss,
		.ud = b,
	};
	struct mmr_error e = { 0 };
	uint64_t before = b->cur->vulns + b->cur->affected + b->cur->kev + b->cur->epss;
	int r = f->parse(scratch, &s, name, data, len, &e);
	mmr_arena_free(scratch);
	note_feed(b, f->name);
	b->cur->files++;
	b->cur->bytes += len;
	b->cur->rejected += s.rejected;
	if (s.first_reject[0] && !b->cur->first_reject[0])
		snprintf(b->cur->first_reject, sizeof(b->cur->first_reject), "%s", s.first_reject);
	if (r < 0) {
		if (r == -ENOMEM || r == -ENOSPC || r == -EIO) {
			/* the store or the machine failed, not the file */
			b->store_err = r;
			if (!e.msg[0])
				snprintf(e.msg, sizeof(e.msg), "%s: %s", name, strerror(-r));
			b->store_e = e;
			return r;
		}
		char msg[700];
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-r));
		mmr_error_format(&e, msg, sizeof(msg));
		reject_file(b, name, "", msg);
		return 0;
	}
	uint64_t after = b->cur->vulns + b->cur->affected + b->cur->kev + b->cur->epss;
	mmr_debug("%s: %s, %llu records, %llu rejected", name, f->name,
		  (unsigned long long)(after - before), (unsigned long long)s.rejected);
	return 0;
}

/* Strip ".gz" for the name the inner data is detected under. */
static char *inner_name(struct mmr_arena *a, const char *name)
{
	size_t n = strlen(name);
	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		return mmr_arena_strndup(a, name, n - 3);
	if (n > 4 && strcmp(name + n - 4, ".tgz") == 0)
		return mmr_arena_printf(a, "%.*s.tar", (int)(n - 4), name);
	return mmr_arena_strdup(a, name);
}

static bool is_tar(const uint8_t *d, size_t n)
{
	return n > 262 && memcmp(d + 257, "ustar", 5) == 0;
}

struct member_ctx {
	struct build *b;
	const char *outer;
};

static int on_member(void *ud, const char *member, const uint8_t *data, size_t len)
{
	struct member_ctx *m = ud;
	struct build *b = m->b;
	char *name = mmr_arena_printf(b->a, "%s/%s", m->outer, member);
	if (!name)
		return -ENOMEM;
	uint8_t *inflated = NULL;
	size_t ilen = 0;
	struct mmr_error e = { 0 };
	int r = mmr_vulndb_gunzip(data, len, (size_t)b->max_file, &inflated, &ilen, &e, name);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		reject_file(b, name, "", e.msg);
		return 0;
	}
	if (inflated) {
		char *in = inner_name(b->a, name);
		r = in ? parse_buffer(b, in, inflated, ilen) : -ENOMEM;
		free(inflated);
		return r;
	}
	return parse_buffer(b, name, data, len);
}

static int read_file(const char *path, uint64_t max, uint8_t **ret, size_t *ret_len,
		     struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "%s is larger than %llu bytes", path,
				     (unsigned long long)max);
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	buf[got] = 0;
	*ret = buf;
	*ret_len = got;
	return 0;
}

/* One regular file at `path`, presented as `name`. A file that cannot be
 * read fails its input; one that is not a feed is rejected. */
/* The first bytes of a file (0 when it cannot be read: read_file says why). */
static size_t peek(const char *path, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	size_t got = 0;
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	return got;
}

static int process_archive(struct build *b, const char *path, const char *name)
{
	struct mmr_error e = { 0 };
	struct member_ctx m = { b, name };
	int r = mmr_vulndb_feed_each_zip_member(path, b->max_members, b->max_file, on_member, &m, &e);
	if (r < 0 && r != -ENOMEM && !b->store_err) {
		reject_file(b, name, "", e.msg[0] ? e.msg : strerror(-r));
		r = 0;
	}
	return r;
}

/* One regular file at `path`, presented as `name`. A file that cannot be
 * read fails its input; one that is not a feed is rejected. Archives are
 * streamed member by member (never read whole), so an all.zip may be larger
 * than max_file; other files are read whole up to max_file. */
static int process_file(struct build *b, const char *path, const char *name)
{
	uint8_t head[512];
	size_t hl = peek(path, head, sizeof(head));
	bool zst = hl >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd;
	bool zip = hl >= 4 && memcmp(head, "PK\003\004", 4) == 0;
	bool gz = hl >= 2 && head[0] == 0x1f && head[1] == 0x8b;
	if (zip || zst || (!gz && is_tar(head, hl)) ||
	    (gz && (mmr_cstr_ends(name, ".tar.gz") || mmr_cstr_ends(name, ".tgz"))))
		return process_archive(b, path, name);

	uint8_t *data = NULL;
	size_t len = 0;
	struct mmr_error e = { 0 };
	int r = read_file(path, b->max_file, &data, &len, &e);
	if (r < 0) {
		if (r == -E2BIG) {
			reject_file(b, name, "", e.msg);
			return 0;
		}
		b->cur->error = r;
		snprintf(b->cur->errmsg, sizeof(b->cur->errmsg), "%s", e.msg);
		return r == -ENOMEM ? r : 0;
	}
	if (!gz) {
		r = parse_buffer(b, name, data, len);
		free(data);
		return r;
	}
	uint8_t *inflated = NULL;
	size_t ilen = 0;
	r = mmr_vulndb_gunzip(data, len, (size_t)b->max_file, &inflated, &ilen, &e, name);
	free(data);
	if (r < 0) {
		if (r == -ENOMEM)
			return r;
		reject_file(b, name, "", e.msg);
		return 0;
	}
	if (inflated && is_tar(inflated, ilen)) { /* a tar.gz by another name */
		free(inflated);
		return process_archive(b, path, name);
	}
	char *in = inner_name(b->a, name);
	r = in ? parse_buffer(b, in, inflated ? inflated : (const uint8_t *)"", ilen) : -ENOMEM;
	free(inflated);
	return r;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int process_path(struct build *b, const char *path, const char *name, unsigned depth);

static int process_dir(struct build *b, const char *path, const char *name, unsigned depth)
{
	if (depth > MAX_WALK_DEPTH) {
		reject_file(b, name, "", "directory nesting deeper than 32 levels; skipped");
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		reject_file(b, name, "cannot read directory: ", strerror(errno));
		return 0;
	}
	struct mmr_vec ents = { 0 };
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') /* ., .., .git, hidden files */
			continue;
		char *n = mmr_arena_strdup(b->a, de->d_name);
		if (!n || mmr_vec_push(b->a, &ents, n) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	closedir(d);
	if (r < 0)
		return r;
	if (ents.n)
		qsort(ents.v, ents.n, sizeof(*ents.v), cmp_str); /* deterministic */
	for (size_t i = 0; i < ents.n && r >= 0; i++) {
		char *p = mmr_arena_printf(b->a, "%s/%s", path, (char *)ents.v[i]);
		char *nm = mmr_arena_printf(b->a, "%s/%s", name, (char *)ents.v[i]);
		if (!p || !nm)
			return -ENOMEM;
		r = process_path(b, p, nm, depth + 1);
	}
	return r;
}

static int process_path(struct build *b, const char *path, const char *name, unsigned depth)
{
	struct stat st;
	if ((depth ? lstat(path, &st) : stat(path, &st)) < 0) {
		if (depth) {
			reject_file(b, name, "", strerror(errno));
			return 0;
		}
		b->cur->error = -errno;
		snprintf(b->cur->errmsg, sizeof(b->cur->errmsg), "%s: %s", name, strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return process_dir(b, path, name, depth);
	if (S_ISREG(st.st_mode))
		return process_file(b, path, name);
	if (depth) /* symlinks and specials inside a walk: skipped */
		return 0;
	b->cur->error = -EINVAL;
	snprintf(b->cur->errmsg, sizeof(b->cur->errmsg), "%s: not a file or directory", name);
	return 0;
}

/* ---- downloads ---------------------------------------------------- */

/* Last path segment of a URL, without query or fragment ("all.zip"). */
static char *url_base(struct mmr_arena *a, const char *url)
{
	const char *s = strstr(url, "://");
	s = s ? s + 3 : url;
	size_t n = strcspn(s, "?#");
	while (n && s[n - 1] == '/')
		n--;
	const char *slash = memrchr(s, '/', n);
	const char *base = slash ? slash + 1 : s;
	size_t bl = (size_t)(s + n - base);
	return mmr_arena_strndup(a, base, bl ? bl : 0);
}

struct cache_meta {
	const char *url, *etag, *last_modified;
};

static int meta_read(struct mmr_arena *a, const char *path, struct cache_meta *m)
{
	uint8_t *data;
	size_t len;
	memset(m, 0, sizeof(*m));
	if (read_file(path, 1 << 20, &data, &len, NULL) < 0)
		return -ENOENT;
	json_t *j = json_loadb((const char *)data, len, 0, NULL);
	free(data);
	if (!json_is_object(j)) {
		json_decref(j);
		return -EBADMSG;
	}
	m->url = mmr_arena_strdup(a, mmr_json_str(j, "url"));
	m->etag = mmr_arena_strdup(a, mmr_json_str(j, "etag"));
	m->last_modified = mmr_arena_strdup(a, mmr_json_str(j, "last_modified"));
	json_decref(j);
	return 0;
}

static int meta_write(const char *path, const struct cache_meta *m)
{
	json_t *j = json_pack("{s:s?, s:s?, s:s?}", "url", m->url, "etag", m->etag, "last_modified",
			      m->last_modified);
	if (!j)
		return -ENOMEM;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int r = json_dump_file(j, tmp, JSON_COMPACT) == 0 ? 0 : -EIO;
	json_decref(j);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	return r;
}

static const char *str_dup_slice(struct mmr_arena *a, const struct mmr_http_resp *resp,
				 const char *hdr)
{
	struct mmr_str v;
	if (!mmr_http_header(resp, hdr, &v) || !v.len || v.len > 1024)
		return NULL;
	return mmr_str_dup(a, v);
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
		*p = '/';
		if (r < 0)
			return r;
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

/* Download src->url; on success *ret_path is a local file with the body
 * (the cache entry, or a temp file to unlink: *ret_tmp). */
struct cache_paths {
	char *dir, *data, *meta;
};

static int cache_paths(struct build *b, const struct mmr_vulndb_source *src, struct cache_paths *p)
{
	const char *base = url_base(b->a, src->url);
	if (!base)
		return -ENOMEM;
	if (!base[0] || base[0] == '.' || strlen(base) > 200)
		base = "data";
	p->dir = mmr_arena_printf(b->a, "%s/vulndb/%s", b->o->cache_dir, src->name);
	p->data = mmr_arena_printf(b->a, "%s/%s", p->dir ? p->dir : "", base);
	p->meta = mmr_arena_printf(b->a, "%s/meta.json", p->dir ? p->dir : "");
	return p->dir && p->data && p->meta ? 0 : -ENOMEM;
}

static int download(struct build *b, const struct mmr_vulndb_source *src, const char **ret_path,
		    bool *ret_tmp, struct cache_meta *ret_meta)
{
	struct mmr_vulndb_input_result *res = b->cur;
	const struct mmr_vulndb_update_opts *o = b->o;
	struct cache_paths cp = { 0 };
	struct cache_meta old = { 0 };
	char *part;
	bool cached = false;
	int r;
	if (o->cache_dir) {
		if ((r = cache_paths(b, src, &cp)) < 0)
			return r;
		if ((r = mkdir_p(cp.dir)) < 0) {
			snprintf(res->errmsg, sizeof(res->errmsg), "cannot create the cache directory %.500s: %s",
				 cp.dir, strerror(-r));
			return r;
		}
		part = mmr_arena_printf(b->a, "%s/.part-XXXXXX", cp.dir);
		struct stat st;
		cached = meta_read(b->a, cp.meta, &old) == 0 && old.url && strcmp(old.url, src->url) == 0 &&
			 stat(cp.data, &st) == 0 && S_ISREG(st.st_mode);
	} else {
		const char *t = secure_getenv("TMPDIR");
		part = mmr_arena_printf(b->a, "%s/mamori-download-XXXXXX", t && t[0] == '/' ? t : "/tmp");
	}
	if (!part)
		return -ENOMEM;
	int fd = mkostemp(part, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(res->errmsg, sizeof(res->errmsg), "cannot create %.500s: %s", part, strerror(-r));
		return r;
	}
	const char *hdrs[3] = { 0 };
	size_t nh = 0;
	if (cached && old.etag)
		hdrs[nh++] = mmr_arena_printf(b->a, "If-None-Match: %s", old.etag);
	if (cached && old.last_modified)
		hdrs[nh++] = mmr_arena_printf(b->a, "If-Modified-Since: %s", old.last_modified);
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	mmr_http_req_init(&req, src->url);
	req.allow_http = o->allow_http;
	req.headers = hdrs;
	req.out_fd = fd;
	req.max_body = o->max_download ? o->max_download : DEFAULT_MAX_DOWNLOAD;
	req.max_retries = o->max_retries;
	req.backoff_ms = o->backoff_ms;
	mmr_http_resp_init(&resp);
	struct mmr_error e = { 0 };
	mmr_info("downloading %s", src->url);
	r = mmr_http_do(&req, &resp, &e);
	close(fd);
	if (r < 0) {
		snprintf(res->errmsg, sizeof(res->errmsg), "%s", e.msg[0] ? e.msg : strerror(-r));
		goto fail;
	}
	if (resp.status == 304 && cached) {
		res->not_modified = true;
		unlink(part);
		*ret_path = cp.data;
		*ret_tmp = false;
		*ret_meta = old;
		mmr_http_resp_release(&resp);
		return *ret_path ? 0 : -ENOMEM;
	}
	if (resp.status < 200 || resp.status > 299) {
		char red[600];
		mmr_http_redact_url(src->url, red, sizeof(red));
		snprintf(res->errmsg, sizeof(res->errmsg), "GET %s: HTTP status %ld", red, resp.status);
		r = -EPROTO;
		goto fail;
	}
	res->downloaded = true;
	struct cache_meta now = {
		.url = src->url,
		.etag = str_dup_slice(b->a, &resp, "ETag"),
		.last_modified = str_dup_slice(b->a, &resp, "Last-Modified"),
	};
	mmr_http_resp_release(&resp);
	/* with a cache, the body only becomes the cache entry once it parsed
	 * (commit_cache); until then it stays in the .part file */
	*ret_path = part;
	*ret_tmp = true;
	*ret_meta = now;
	return *ret_path ? 0 : -ENOMEM;
fail:
	mmr_http_resp_release(&resp);
	unlink(part);
	return r;
}

/* A downloaded body that parsed becomes the cache entry. */
static void commit_cache(struct build *b, const struct mmr_vulndb_source *src, const char *part,
			 const struct cache_meta *m)
{
	struct cache_paths cp;
	if (cache_paths(b, src, &cp) < 0) {
		unlink(part);
		return;
	}
	unlink(cp.meta); /* never a meta.json describing another body */
	if (rename(part, cp.data) < 0) {
		unlink(part);
		return;
	}
	meta_write(cp.meta, m);
}

/* ---- the two entry points ----------------------------------------- */

static int build_start(struct build *b, const struct mmr_vulndb_update_opts *o, struct mmr_arena *a,
		       struct mmr_error *reterr)
{
	memset(b, 0, sizeof(*b));
	b->o = o;
	b->a = a;
	b->max_file = o->max_file ? o->max_file : DEFAULT_MAX_FILE;
	b->max_members = o->max_members ? o->max_members : DEFAULT_MAX_MEMBERS;
	mmr_buf_init(&b->feeds, 4096);
	if (o->format_hint && !(b->hint = mmr_vulndb_feed_find(o->format_hint)))
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "unknown format '%s'", o->format_hint);
	int r = mmr_vulndb_writer_new(o->db_path, &b->w, reterr);
	if (r < 0)
		return r;
	b->wsink = mmr_vulndb_writer_sink(b->w);
	return 0;
}

static void input_done(struct build *b, struct mmr_vulndb_summary *sum)
{
	struct mmr_vulndb_input_result *res = b->cur;
	if (b->feeds.len > 2) {
		b->feeds.p[b->feeds.len - 1] = 0; /* trailing ',' */
		res->feeds = mmr_arena_strdup(b->a, b->feeds.p + 1);
	}
	if (!res->feeds)
		res->feeds = "";
	mmr_buf_reset(&b->feeds);
	sum->vulns += res->vulns;
	sum->affected += res->affected;
	sum->kev += res->kev;
	sum->epss += res->epss;
	sum->rejected += res->rejected;
}

static bool usable(const struct mmr_vulndb_input_result *r)
{
	return r->vulns + r->affected + r->kev + r->epss > 0;
}

static int finish(struct build *b, struct mmr_vulndb_summary *sum, struct timespec *t0,
		  bool record_sources, struct mmr_error *reterr)
{
	int r;
	struct timespec t1;
	uint64_t total = sum->vulns + sum->affected + sum->kev + sum->epss;
	sum->failed = 0;
	for (size_t i = 0; i < sum->n; i++)
		if (sum->v[i].error < 0)
			sum->failed++;
	if (b->store_err) {
		if (reterr)
			*reterr = b->store_e;
		r = b->store_err;
		mmr_vulndb_writer_abort(b->w);
	} else if (sum->failed && !b->o->allow_partial) {
		mmr_vulndb_writer_abort(b->w);
		r = mmr_error_set(reterr, ECANCELED, NULL, 0, 0,
				  "%d of %zu inputs failed; the database was not changed%s", sum->failed,
				  sum->n, total ? " (--allow-partial commits the rest)" : "");
	} else if (!total) {
		mmr_vulndb_writer_abort(b->w);
		r = mmr_error_set(reterr, ENODATA, NULL, 0, 0,
				  "nothing usable was found in the inputs; the database was not changed");
	} else {
		r = 0;
		for (size_t i = 0; record_sources && i < sum->n && r == 0; i++) {
			const struct mmr_vulndb_input_result *res = &sum->v[i];
			if (res->error < 0)
				continue;
			r = mmr_vulndb_writer_source(b->w, res->name, res->url, NULL, NULL,
						     res->vulns + res->affected + res->kev + res->epss,
						     res->rejected);
		}
		if (r < 0) {
			mmr_vulndb_writer_abort(b->w);
			r = mmr_error_set(reterr, -r, b->o->db_path, 0, 0, "%s: cannot record the sources",
					  b->o->db_path);
		} else {
			r = mmr_vulndb_writer_commit(b->w, reterr);
			sum->committed = r == 0;
		}
	}
	b->w = NULL;
	mmr_buf_release(&b->feeds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sum->seconds = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	return r;
}

static bool is_url(const char *s)
{
	return mmr_cstr_starts(s, "https://") || mmr_cstr_starts(s, "http://");
}

/* file:///x -> /x; others unchanged. */
static const char *local_path(const char *s)
{
	return mmr_cstr_starts(s, "file://") ? s + 7 : s;
}

int mmr_vulndb_import(const struct mmr_vulndb_update_opts *o, const char *const *inputs,
		      size_t n_inputs, struct mmr_arena *a, struct mmr_vulndb_summary *ret,
		      struct mmr_error *reterr)
{
	struct build b;
	struct timespec t0;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(ret, 0, sizeof(*ret));
	if (!o || !o->db_path || !a)
		return -EINVAL;
	ret->v = mmr_arena_calloc(a, n_inputs ? n_inputs : 1, sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	if ((r = build_start(&b, o, a, reterr)) < 0) {
		mmr_buf_release(&b.feeds);
		return r;
	}
	if (o->append) {
		struct stat st;
		if (stat(o->db_path, &st) == 0 && (r = mmr_vulndb_writer_copy(b.w, o->db_path, reterr)) < 0) {
			mmr_vulndb_writer_abort(b.w);
			mmr_buf_release(&b.feeds);
			return r;
		}
	}
	for (size_t i = 0; i < n_inputs && !b.store_err; i++) {
		struct mmr_vulndb_input_result *res = &ret->v[ret->n++];
		b.cur = res;
		res->name = mmr_arena_strdup(a, inputs[i]);
		if (!res->name) {
			b.store_err = -ENOMEM;
			break;
		}
		if (is_url(inputs[i])) {
			struct mmr_vulndb_source src = { .name = "import", .url = inputs[i], .enabled = true };
			struct mmr_vulndb_update_opts nocache = *o;
			nocache.cache_dir = NULL;
			b.o = &nocache;
			const char *path = NULL;
			bool tmp = false;
			struct cache_meta m;
			res->url = res->name;
			r = download(&b, &src, &path, &tmp, &m);
			b.o = o;
			if (r < 0) {
				res->error = r;
				if (r == -ENOMEM)
					break;
			} else {
				char *name = url_base(a, inputs[i]);
				r = process_path(&b, path, name && name[0] ? name : inputs[i], 0);
				if (tmp)
					unlink(path);
			}
		} else {
			const char *p = local_path(inputs[i]);
			char abs[PATH_MAX];
			res->url = mmr_arena_strdup(a, realpath(p, abs) ? abs : p);
			r = process_path(&b, p, inputs[i], 0);
		}
		input_done(&b, ret);
		if (!usable(res) && !res->error)
			mmr_info("%s: nothing usable (%llu rejected)", inputs[i],
				 (unsigned long long)res->rejected);
		if (r == -ENOMEM)
			break;
	}
	return finish(&b, ret, &t0, true, reterr);
}

int mmr_vulndb_update(const struct mmr_vulndb_update_opts *o, struct mmr_vulndb_source *const *sources,
		      size_t n_sources, struct mmr_arena *a, struct mmr_vulndb_summary *ret,
		      struct mmr_error *reterr)
{
	struct build b;
	struct timespec t0;
	int r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(ret, 0, sizeof(*ret));
	if (!o || !o->db_path || !a)
		return -EINVAL;
	ret->v = mmr_arena_calloc(a, n_sources ? n_sources : 1, sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	if ((r = build_start(&b, o, a, reterr)) < 0) {
		mmr_buf_release(&b.feeds);
		return r;
	}
	struct cache_meta *metas = mmr_arena_calloc(a, n_sources ? n_sources : 1, sizeof(*metas));
	if (!metas)
		return -ENOMEM;
	for (size_t i = 0; i < n_sources && !b.store_err; i++) {
		const struct mmr_vulndb_source *src = sources[i];
		if (!src->enabled || !src->url)
			continue;
		struct mmr_vulndb_input_result *res = &ret->v[ret->n++];
		b.cur = res;
		res->name = src->name;
		res->url = src->url;
		const struct mmr_vulndb_feed *saved_hint = b.hint;
		if (src->format && !(b.hint = mmr_vulndb_feed_find(src->format))) {
			res->error = -EINVAL;
			snprintf(res->errmsg, sizeof(res->errmsg), "unknown format '%s'", src->format);
			b.hint = saved_hint;
			input_done(&b, ret);
			continue;
		}
		if (is_url(src->url)) {
			const char *path = NULL;
			bool tmp = false;
			r = download(&b, src, &path, &tmp, &metas[i]);
			if (r < 0) {
				res->error = r;
			} else {
				char *base = url_base(a, src->url);
				char *name = mmr_arena_printf(a, "%s/%s", src->name, base && base[0] ? base : "data");
				r = name ? process_path(&b, path, name, 0) : -ENOMEM;
				bool ok = r == 0 && !res->error && usable(res);
				if (tmp && ok && o->cache_dir)
					commit_cache(&b, src, path, &metas[i]);
				else if (tmp)
					unlink(path);
			}
		} else {
			r = process_path(&b, local_path(src->url), src->url, 0);
		}
		b.hint = saved_hint;
		input_done(&b, ret);
		if (!res->error && !usable(res)) {
			res->error = -EBADMSG;
			snprintf(res->errmsg, sizeof(res->errmsg), "nothing usable in %s%s%s", src->url,
				 res->first_reject[0] ? ": " : "", res->first_reject);
		}
		if (r == -ENOMEM)
			break;
	}
	/* validators go to the sources table */
	int rr = 0;
	for (size_t i = 0, k = 0; i < n_sources && rr == 0; i++) {
		if (!sources[i]->enabled || !sources[i]->url || k >= ret->n)
			continue;
		const struct mmr_vulndb_input_result *res = &ret->v[k++];
		if (res->error < 0 || b.store_err)
			continue;
		rr = mmr_vulndb_writer_source(b.w, res->name, res->url, metas[i].etag,
					      metas[i].last_modified,
					      res->vulns + res->affected + res->kev + res->epss, res->rejected);
	}
	if (rr < 0 && !b.store_err) {
		b.store_err = rr;
		mmr_error_set(&b.store_e, -rr, o->db_path, 0, 0, "%s: cannot record the sources", o->db_path);
	}
	return finish(&b, ret, &t0, false, reterr);
}
