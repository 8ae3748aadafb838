/* vulndb-ignore.c - ignore files (YAML and trivy's plain list) and applying
 * them to a report's findings; purl and glob matching shared with VEX.
 * (vulndb-ignore.h has the formats.) */
#include "vulndb/vulndb-ignore.h"

#include "core/core-str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MAX_LIST 10000 /* purls or paths in one entry */

/* ---- small helpers ---- */

int64_t mmr_vulndb_parse_day(const char *s, size_t len)
{
	if (!s || len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	int64_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
		if (x != y || !x)
			return x - y;
	}
}

bool mmr_vulndb_finding_has_id(const struct mmr_finding *f, const char *id)
{
	if (!id || !*id)
		return false;
	if (f->rule_id && ascii_casecmp(f->rule_id, id) == 0)
		return true;
	for (size_t i = 0; i < f->aliases.n; i++) {
		const char *al = f->aliases.v[i];
		if (al && ascii_casecmp(al, id) == 0)
			return true;
	}
	return false;
}

int mmr_vulndb_index_packages(struct mmr_arena *a, const struct mmr_result *res, struct mmr_map *m)
{
	mmr_map_init(m, a);
	for (size_t i = 0; i < res->packages.n; i++) {
		struct mmr_package *p = res->packages.v[i];
		if (p->id && !mmr_map_has(m, p->id) && mmr_map_put(m, p->id, p) < 0)
			return -ENOMEM;
	}
	return 0;
}

int mmr_vulndb_read_file(struct mmr_arena *a, const char *path, size_t max, uint8_t **ret,
			 size_t *ret_len, struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return mmr_error_set(reterr, e, path, 0, 0, "cannot open: %s", strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "file too large (%llu bytes, limit %zu)",
				     (unsigned long long)st.st_size, max);
	}
	size_t cap = (size_t)st.st_size;
	uint8_t *buf = mmr_arena_alloc(a, cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t n = 0;
	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			close(fd);
			return mmr_error_set(reterr, e, path, 0, 0, "read failed: %s", strerror(e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	*ret = buf;
	*ret_len = n;
	return 0;
}

/* ---- purls ---- */

static char *pct_decode(struct mmr_arena *a, const char *s, size_t n)
{
	char *o = mmr_arena_alloc(a, n + 1);
	if (!o)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char h[3] = { s[i + 1], s[i + 2], 0 };
			o[j++] = (char)strtoul(h, NULL, 16);
			i += 2;
		} else {
			o[j++] = s[i];
		}
	}
	o[j] = 0;
	return o;
}

/* "N:rest" with N all digits: split the epoch off. */
static bool split_epoch(const char *v, uint32_t *ret_epoch, const char **ret_rest)
{
	const char *c = strchr(v, ':');
	if (!c || c == v || c - v > 9)
		return false;
	uint32_t e = 0;
	for (const char *q = v; q < c; q++) {
		if (!isdigit((unsigned char)*q))
			return false;
		e = e * 10 + (uint32_t)(*q - '0');
	}
	*ret_epoch = e;
	*ret_rest = c + 1;
	return true;
}

int mmr_vulndb_purl_parse(struct mmr_arena *a, const char *s, struct mmr_vulndb_purl *ret)
{
	if (!s || strncasecmp(s, "pkg:", 4) != 0)
		return -EINVAL;
	s += 4;
	while (*s == '/')
		s++;
	size_t len = strcspn(s, "#");
	const char *q = memchr(s, '?', len);
	size_t main_len = q ? (size_t)(q - s) : len;
	while (main_len && s[main_len - 1] == '/')
		main_len--;
	const char *slash = memchr(s, '/', main_len);
	if (!slash || slash == s)
		return -EINVAL;
	struct mmr_vulndb_purl p = { 0 };
	char *type = mmr_arena_strndup(a, s, (size_t)(slash - s));
	if (!type)
		return -ENOMEM;
	for (char *t = type; *t; t++)
		*t = (char)tolower((unsigned char)*t);
	p.type = type;
	const char *rest = slash + 1;
	size_t rlen = main_len - (size_t)(rest - s);
	/* the version '@' comes after the last '/' */
	const char *last_slash = NULL;
	for (size_t i = 0; i < rlen; i++)
		if (rest[i] == '/')
			last_slash = rest + i;
	const char *seg = last_slash ? last_slash + 1 : rest;
	const char *at = memchr(seg, '@', rlen - (size_t)(seg - rest));
	size_t path_len = at ? (size_t)(at - rest) : rlen;
	if (at) {
		size_t vlen = rlen - (size_t)(at + 1 - rest);
		char *v = pct_decode(a, at + 1, vlen);
		if (!v)
			return -ENOMEM;
		const char *vr;
		uint32_t ep;
		if (split_epoch(v, &ep, &vr)) {
			p.epoch = ep;
			p.has_epoch = true;
			p.version = vr;
		} else {
			p.version = v;
		}
		if (!*p.version)
			p.version = NULL;
	}
	if (last_slash && last_slash < rest + path_len) {
		p.ns = pct_decode(a, rest, (size_t)(last_slash - rest));
		p.name = pct_decode(a, last_slash + 1, path_len - (size_t)(last_slash + 1 - rest));
	} else {
		p.ns = "";
		p.name = pct_decode(a, rest, path_len);
	}
	if (!p.ns || !p.name)
		return -ENOMEM;
	if (!*p.name)
		return -EINVAL;
	/* qualifiers: arch and epoch matter; the rest is ignored */
	if (q) {
		const char *qs = q + 1, *qe = s + len;
		while (qs < qe) {
			const char *amp = memchr(qs, '&', (size_t)(qe - qs));
			const char *end = amp ? amp : qe;
			const char *eq = memchr(qs, '=', (size_t)(end - qs));
			if (eq) {
				size_t kl = (size_t)(eq - qs);
				char *val = pct_decode(a, eq + 1, (size_t)(end - eq - 1));
				if (!val)
					return -ENOMEM;
				if (kl == 4 && strncasecmp(qs, "arch", 4) == 0) {
					p.arch = val;
				} else if (kl == 5 && strncasecmp(qs, "epoch", 5) == 0 && !p.has_epoch) {
					uint64_t e;
					if (mmr_parse_u64(val, strlen(val), &e) && e <= UINT32_MAX) {
						p.epoch = (uint32_t)e;
						p.has_epoch = true;
					}
				}
			}
			qs = end + 1;
		}
	}
	*ret = p;
	return 0;
}

/* PEP 503: lowercase, runs of [-_.] become '-'. */
static bool pypi_eq(const char *a, const char *b)
{
	for (;;) {
		bool sa = *a == '-' || *a == '_' || *a == '.';
		bool sb = *b == '-' || *b == '_' || *b == '.';
		if (sa != sb)
			return false;
		if (sa) {
			while (*a == '-' || *a == '_' || *a == '.')
				a++;
			while (*b == '-' || *b == '_' || *b == '.')
				b++;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static bool name_eq(const char *type, const char *x, const char *y)
{
	if (strcmp(type, "pypi") == 0)
		return pypi_eq(x, y);
	/* purl spec: these types' names are case-insensitive */
	if (strcmp(type, "npm") == 0 || strcmp(type, "nuget") == 0 || strcmp(type, "composer") == 0 ||
	    strcmp(type, "github") == 0 || strcmp(type, "bitbucket") == 0)
		return ascii_casecmp(x, y) == 0;
	return strcmp(x, y) == 0;
}

/* Distribution namespaces; Red Hat writes "redhat" where os-release says "rhel". */
static bool os_ns_eq(const char *x, const char *y)
{
	if (ascii_casecmp(x, y) == 0)
		return true;
	bool rx = ascii_casecmp(x, "redhat") == 0 || ascii_casecmp(x, "rhel") == 0;
	bool ry = ascii_casecmp(y, "redhat") == 0 || ascii_casecmp(y, "rhel") == 0;
	return rx && ry;
}

static bool version_eq(const struct mmr_vulndb_purl *pat, const char *v, bool has_epoch,
		       uint32_t epoch)
{
	if (!pat->version)
		return true;
	if (!v || strcmp(pat->version, v) != 0)
		return false;
	if (pat->has_epoch && has_epoch)
		return pat->epoch == epoch;
	if (pat->has_epoch)
		return pat->epoch == 0;
	return true; /* the pattern does not say: do not guess */
}

bool mmr_vulndb_purl_match(struct mmr_arena *a, const struct mmr_vulndb_purl *pat,
			   const struct mmr_package *p)
{
	if (!p->purl)
		return false;
	struct mmr_vulndb_purl pp;
	if (mmr_vulndb_purl_parse(a, p->purl, &pp) < 0)
		return false;
	if (strcmp(pat->type, pp.type) != 0)
		return false;
	if (pat->ns && *pat->ns && pp.ns && *pp.ns) {
		bool os = strcmp(pp.type, "deb") == 0 || strcmp(pp.type, "rpm") == 0 ||
			  strcmp(pp.type, "apk") == 0;
		if (os ? !os_ns_eq(pat->ns, pp.ns) : !name_eq(pp.type, pat->ns, pp.ns))
			return false;
	} else if (pat->ns && *pat->ns && !mmr_ecosystem_is_os(p->eco)) {
		return false; /* the pattern has a namespace the package lacks */
	}
	bool source = pat->arch && (strcmp(pat->arch, "source") == 0 || strcmp(pat->arch, "src") == 0);
	if (source && p->src_name && *p->src_name) {
		if (!name_eq(pp.type, pat->name, p->src_name))
			return false;
		if (!pat->version)
			return true;
		const char *sv = p->src_version && *p->src_version ? p->src_version : NULL;
		if (!sv)
			return false;
		if (p->src_release && *p->src_release)
			sv = mmr_arena_printf(a, "%s-%s", sv, p->src_release);
		return version_eq(pat, sv, p->has_epoch || p->src_epoch, p->src_epoch);
	}
	if (!name_eq(pp.type, pat->name, pp.name))
		return false;
	return version_eq(pat, pp.version, pp.has_epoch, pp.epoch);
}

/* ---- globs ---- */

/* NFA simulation over pattern positions: O(len(pattern) * len(path)) time,
 * O(len(pattern)) memory, no recursion. */
static void glob_close(const char *p, size_t m, unsigned char *st)
{
	for (size_t i = 0; i < m; i++) {
		if (!st[i] || p[i] != '*')
			continue;
		if (i + 1 < m && p[i + 1] == '*') {
			st[i + 2] = 1;
			if (i + 2 < m && p[i + 2] == '/')
				st[i + 3] = 1;
		} else {
			st[i + 1] = 1;
		}
	}
}

bool mmr_vulndb_glob_match(const char *pattern, const char *path)
{
	while (*pattern == '/' || (pattern[0] == '.' && pattern[1] == '/'))
		pattern += *pattern == '/' ? 1 : 2;
	while (*path == '/' || (path[0] == '.' && path[1] == '/'))
		path += *path == '/' ? 1 : 2;
	size_t m = strlen(pattern);
	if (m > MMR_VULNDB_IGNORE_MAX_FIELD)
		return false;
	unsigned char cur[MMR_VULNDB_IGNORE_MAX_FIELD + 4], nxt[MMR_VULNDB_IGNORE_MAX_FIELD + 4];
	memset(cur, 0, m + 4);
	cur[0] = 1;
	glob_close(pattern, m, cur);
	for (const char *t = path; *t; t++) {
		memset(nxt, 0, m + 4);
		bool any = false;
		for (size_t i = 0; i < m; i++) {
			if (!cur[i])
				continue;
			char c = pattern[i];
			if (c == '*' && i + 1 < m && pattern[i + 1] == '*') {
				nxt[i] = 1; /* '**' eats anything */
			} else if (c == '*') {
				if (*t != '/')
					nxt[i] = 1;
			} else if (c == '?') {
				if (*t != '/')
					nxt[i + 1] = 1;
			} else if (c == *t) {
				nxt[i + 1] = 1;
			}
		}
		glob_close(pattern, m, nxt);
		for (size_t i = 0; i <= m; i++)
			any |= nxt[i] != 0;
		if (!any)
			return false;
		memcpy(cur, nxt, m + 4);
	}
	return cur[m] != 0;
}

/* ---- YAML format ---- */

struct yctx {
	struct mmr_arena *a;
	struct mmr_vulndb_ignore *ig;
	const char *file;
	yaml_document_t *doc;
	struct mmr_error *reterr;
};

static unsigned long node_line(const yaml_node_t *n)
{
	return n ? (unsigned long)n->start_mark.line + 1 : 0;
}

static int ybad(struct yctx *c, const yaml_node_t *n, const char *fmt, const char *arg)
{
	return mmr_error_set(c->reterr, EBADMSG, c->file, node_line(n), 0, fmt, arg);
}

/* A scalar's text (arena copy), checked against the field limit. */
static int yscalar(struct yctx *c, const yaml_node_t *n, const char *what, const char **ret)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return ybad(c, n, "%s must be a text value", what);
	size_t len = n->data.scalar.length;
	if (len > MMR_VULNDB_IGNORE_MAX_FIELD)
		return mmr_error_set(c->reterr, E2BIG, c->file, node_line(n), 0,
				     "%s is longer than %d bytes", what, MMR_VULNDB_IGNORE_MAX_FIELD);
	const char *s = (const char *)n->data.scalar.value;
	if (memchr(s, 0, len))
		return ybad(c, n, "%s contains a NUL byte", what);
	struct mmr_str t = mmr_str_trim((struct mmr_str){ s, len });
	char *v = mmr_arena_strndup(c->a, t.p, t.len);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

/* A list of scalars (a single scalar is taken as a one-item list). */
static int ylist(struct yctx *c, const yaml_node_t *n, const char *what, const char *const **ret,
		 size_t *ret_n)
{
	if (n && n->type == YAML_SCALAR_NODE) {
		const char **v = mmr_arena_alloc(c->a, sizeof(*v));
		if (!v)
			return -ENOMEM;
		int rc = yscalar(c, n, what, &v[0]);
		if (rc < 0)
			return rc;
		*ret = v;
		*ret_n = 1;
		return 0;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return ybad(c, n, "%s must be a list", what);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt > MAX_LIST)
		return mmr_error_set(c->reterr, E2BIG, c->file, node_line(n), 0,
				     "%s has more than %d items", what, MAX_LIST);
	const char **v = mmr_arena_calloc(c->a, cnt ? cnt : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
		int rc = yscalar(c, it, what, &v[i]);
		if (rc < 0)
			return rc;
		if (!*v[i])
			return ybad(c, it, "empty item in %s", what);
	}
	*ret = v;
	*ret_n = cnt;
	return 0;
}

static int yentry(struct yctx *c, const yaml_node_t *n)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return ybad(c, n, "%s", "an entry must be a mapping (id:, reason:, ...)");
	if (c->ig->entries.n >= MMR_VULNDB_IGNORE_MAX_ENTRIES)
		return mmr_error_set(c->reterr, E2BIG, c->file, node_line(n), 0,
				     "more than %d entries", MMR_VULNDB_IGNORE_MAX_ENTRIES);
	struct mmr_vulndb_ignore_entry *e = mmr_arena_alloc(c->a, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->file = c->file;
	e->line = node_line(n);
	e->expires_day = -1;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		if (!k || k->type != YAML_SCALAR_NODE)
			return ybad(c, k, "%s", "keys must be plain text");
		const char *key = (const char *)k->data.scalar.value;
		int rc = 0;
		if (strcmp(key, "id") == 0) {
			rc = yscalar(c, v, "id", &e->id);
		} else if (strcmp(key, "purls") == 0 || strcmp(key, "purl") == 0) {
			rc = ylist(c, v, "purls", &e->purls, &e->n_purls);
			for (size_t i = 0; rc >= 0 && i < e->n_purls; i++) {
				struct mmr_vulndb_purl tmp;
				if (mmr_vulndb_purl_parse(c->a, e->purls[i], &tmp) < 0)
					rc = ybad(c, v, "'%s' is not a package URL (pkg:type/name[@version])",
						  e->purls[i]);
			}
		} else if (strcmp(key, "paths") == 0 || strcmp(key, "path") == 0) {
			rc = ylist(c, v, "paths", &e->paths, &e->n_paths);
		} else if (strcmp(key, "expires") == 0 || strcmp(key, "expired_at") == 0) {
			rc = yscalar(c, v, "expires", &e->expires);
			if (rc >= 0) {
				e->expires_day = mmr_vulndb_parse_day(e->expires, strlen(e->expires));
				if (e->expires_day < 0)
					rc = ybad(c, v, "expires: '%s' is not a date (YYYY-MM-DD)", e->expires);
			}
		} else if (strcmp(key, "reason") == 0 || strcmp(key, "statement") == 0) {
			rc = yscalar(c, v, "reason", &e->reason);
		} else {
			rc = ybad(c, k, "unknown key '%s' (id, purls, paths, expires, reason)", key);
		}
		if (rc < 0)
			return rc;
	}
	if (!e->id || !*e->id)
		return ybad(c, n, "%s", "entry without an id");
	if (!e->reason || !*e->reason)
		return ybad(c, n, "entry for %s has no reason (reason: why it is accepted)", e->id);
	return mmr_vec_push(c->a, &c->ig->entries, e);
}

static int yentries(struct yctx *c, const yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return ybad(c, seq, "%s", "expected a list of entries");
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
	     it++) {
		int rc = yentry(c, yaml_document_get_node(c->doc, *it));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_yaml(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *file,
		      const void *data, size_t len, struct mmr_error *reterr)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, data, len);
	yaml_document_t doc;
	if (!yaml_parser_load(&p, &doc)) {
		int rc = mmr_error_set(reterr, EBADMSG, file, (unsigned long)p.problem_mark.line + 1,
				       (unsigned long)p.problem_mark.column + 1, "YAML: %s",
				       p.problem ? p.problem : "syntax error");
		yaml_parser_delete(&p);
		return rc;
	}
	yaml_parser_delete(&p);
	struct yctx c = { .a = a, .ig = ig, .file = file, .doc = &doc, .reterr = reterr };
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		rc = 0; /* empty file: nothing ignored */
	} else if (root->type == YAML_SEQUENCE_NODE) {
		rc = yentries(&c, root);
	} else if (root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
		     rc >= 0 && pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
			const char *key = k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value :
									   "";
			if (strcmp(key, "vulnerabilities") == 0) {
				if (v && v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
					continue; /* "vulnerabilities:" with nothing under it */
				rc = yentries(&c, v);
			} else if (strcmp(key, "misconfigurations") == 0 || strcmp(key, "secrets") == 0 ||
				   strcmp(key, "licenses") == 0) {
				continue; /* trivy sections for other scanners */
			} else {
				rc = ybad(&c, k, "unknown top-level key '%s' (vulnerabilities)", key);
			}
		}
	} else if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0) {
		rc = 0;
	} else {
		rc = ybad(&c, root, "%s", "expected a list of entries or 'vulnerabilities:'");
	}
	yaml_document_delete(&doc);
	return rc;
}

/* ---- plain format (.trivyignore) ---- */

static int parse_plain(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *file,
		       const void *data, size_t len, struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str line;
	struct mmr_str pending = { 0 }; /* comment block just above */
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > MMR_VULNDB_IGNORE_MAX_FIELD * 2)
			return mmr_error_set(reterr, E2BIG, file, it.lineno, 0, "line longer than %d bytes",
					     MMR_VULNDB_IGNORE_MAX_FIELD * 2);
		if (memchr(line.p, 0, line.len))
			return mmr_error_set(reterr, EBADMSG, file, it.lineno, 0, "NUL byte in line");
		struct mmr_str t = mmr_str_trim(line);
		if (t.len == 0) {
			pending.len = 0;
			continue;
		}
		if (t.p[0] == '#') {
			struct mmr_str cm = mmr_str_trim((struct mmr_str){ t.p + 1, t.len - 1 });
			if (cm.len)
				pending = cm; /* the closest comment line wins */
			continue;
		}
		if (ig->entries.n >= MMR_VULNDB_IGNORE_MAX_ENTRIES)
			return mmr_error_set(reterr, E2BIG, file, it.lineno, 0, "more than %d entries",
					     MMR_VULNDB_IGNORE_MAX_ENTRIES);
		struct mmr_vulndb_ignore_entry *e = mmr_arena_alloc(a, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->file = file;
		e->line = it.lineno;
		e->expires_day = -1;
		size_t i = 0;
		struct mmr_str trailing = { 0 };
		while (i < t.len) {
			while (i < t.len && isspace((unsigned char)t.p[i]))
				i++;
			if (i >= t.len)
				break;
			if (t.p[i] == '#') {
				trailing = mmr_str_trim((struct mmr_str){ t.p + i + 1, t.len - i - 1 });
				break;
			}
			size_t s = i;
			while (i < t.len && !isspace((unsigned char)t.p[i]) && t.p[i] != '#')
				i++;
			struct mmr_str tok = { t.p + s, i - s };
			if (!e->id) {
				e->id = mmr_str_dup(a, tok);
				if (!e->id)
					return -ENOMEM;
			} else if (mmr_str_starts(tok, "exp:")) {
				if (e->expires)
					return mmr_error_set(reterr, EBADMSG, file, it.lineno, s + 1,
							     "two exp: dates");
				e->expires = mmr_str_dup(a, (struct mmr_str){ tok.p + 4, tok.len - 4 });
				if (!e->expires)
					return -ENOMEM;
				e->expires_day = mmr_vulndb_parse_day(tok.p + 4, tok.len - 4);
				if (e->expires_day < 0)
					return mmr_error_set(reterr, EBADMSG, file, it.lineno, s + 1,
							     "'%s' is not a date (exp:YYYY-MM-DD)",
							     e->expires);
			} else {
				char *bad = mmr_str_dup(a, tok);
				return mmr_error_set(reterr, EBADMSG, file, it.lineno, s + 1,
						     "unexpected '%s' after the id (only exp:YYYY-MM-DD and "
						     "# comments may follow)",
						     bad ? bad : "?");
			}
		}
		struct mmr_str why = trailing.len ? trailing : pending;
		e->reason = why.len ? mmr_str_dup(a, why) :
				      mmr_arena_printf(a, "listed in %s:%lu", mmr_path_base(file), it.lineno);
		if (!e->reason)
			return -ENOMEM;
		pending.len = 0;
		int rc = mmr_vec_push(a, &ig->entries, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static bool looks_yaml(const char *file, const uint8_t *d, size_t len)
{
	if (mmr_cstr_ends(file, ".yaml") || mmr_cstr_ends(file, ".yml"))
		return true;
	struct mmr_lines it;
	struct mmr_str line;
	mmr_lines_init(&it, d, len);
	while (mmr_lines_next(&it, &line)) {
		struct mmr_str t = mmr_str_trim(line);
		if (t.len == 0 || t.p[0] == '#')
			continue;
		return t.p[0] == '-' || mmr_str_starts(t, "vulnerabilities:") || mmr_str_starts(t, "---");
	}
	return false;
}

int mmr_vulndb_ignore_parse(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *file,
			    const void *data, size_t len, struct mmr_error *reterr)
{
	if (!file)
		file = "<ignore file>";
	if (len > MMR_VULNDB_IGNORE_MAX_FILE)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "file too large (limit %zu bytes)",
				     MMR_VULNDB_IGNORE_MAX_FILE);
	file = mmr_arena_strdup(a, file);
	if (!file)
		return -ENOMEM;
	if (looks_yaml(file, data, len))
		return parse_yaml(a, ig, file, data, len, reterr);
	return parse_plain(a, ig, file, data, len, reterr);
}

int mmr_vulndb_ignore_load(struct mmr_arena *a, struct mmr_vulndb_ignore *ig, const char *path,
			   struct mmr_error *reterr)
{
	uint8_t *d;
	size_t n;
	int rc = mmr_vulndb_read_file(a, path, MMR_VULNDB_IGNORE_MAX_FILE, &d, &n, reterr);
	if (rc < 0)
		return rc;
	return mmr_vulndb_ignore_parse(a, ig, path, d, n, reterr);
}

/* ---- applying ---- */

static char *upper_dup(struct mmr_arena *a, const char *s)
{
	char *u = mmr_arena_strdup(a, s);
	if (u)
		for (char *q = u; *q; q++)
			*q = (char)toupper((unsigned char)*q);
	return u;
}

static bool entry_covers(struct mmr_arena *a, const struct mmr_vulndb_ignore_entry *e,
			 const struct mmr_vulndb_purl *purls, const struct mmr_finding *f,
			 const struct mmr_package *p)
{
	if (e->n_purls) {
		bool ok = false;
		for (size_t i = 0; !ok && i < e->n_purls; i++)
			ok = p && purls[i].type && mmr_vulndb_purl_match(a, &purls[i], p);
		if (!ok)
			return false;
	}
	if (e->n_paths) {
		const char *file = p && p->file ? p->file : f->loc.file;
		bool ok = false;
		for (size_t i = 0; !ok && i < e->n_paths; i++)
			ok = file && mmr_vulndb_glob_match(e->paths[i], file);
		if (!ok)
			return false;
	}
	return true;
}

int mmr_vulndb_ignore_apply(struct mmr_report *r, struct mmr_vulndb_ignore *ig, time_t now)
{
	if (!ig || !ig->entries.n)
		return 0;
	if (!now)
		now = time(NULL);
	int64_t today = (int64_t)now / 86400 - ((int64_t)now % 86400 < 0);
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	int rc = 0;
	/* entries by upper-cased id; parsed purls alongside */
	struct mmr_map by_id;
	mmr_map_init(&by_id, a);
	struct idx {
		struct mmr_vulndb_ignore_entry *e;
		struct mmr_vulndb_purl *purls;
		struct idx *next;
	};
	for (size_t i = 0; i < ig->entries.n; i++) {
		struct mmr_vulndb_ignore_entry *e = ig->entries.v[i];
		e->hits = 0;
		e->expired = e->expires_day >= 0 && today > e->expires_day;
		if (e->expired) {
			char where[600];
			snprintf(where, sizeof(where), "%s:%lu", e->file ? e->file : "ignore file", e->line);
			if (mmr_report_diag(r, where,
					    "ignore entry for %s expired on %s; it no longer applies",
					    e->id, e->expires) < 0) {
				rc = -ENOMEM;
				goto out;
			}
			continue;
		}
		struct idx *x = mmr_arena_alloc(a, sizeof(*x));
		char *key = upper_dup(a, e->id);
		if (!x || !key) {
			rc = -ENOMEM;
			goto out;
		}
		x->e = e;
		if (e->n_purls) {
			x->purls = mmr_arena_calloc(a, e->n_purls, sizeof(*x->purls));
			if (!x->purls) {
				rc = -ENOMEM;
				goto out;
			}
			for (size_t k = 0; k < e->n_purls; k++)
				if (mmr_vulndb_purl_parse(a, e->purls[k], &x->purls[k]) < 0)
					x->purls[k].type = NULL; /* never matches */
		}
		struct idx *head = mmr_map_get(&by_id, key);
		if (head) {
			while (head->next)
				head = head->next;
			head->next = x; /* keep file order: the first entry names the reason */
		} else if (mmr_map_put(&by_id, key, x) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	int count = 0;
	for (size_t ri = 0; ri < r->results.n; ri++) {
		struct mmr_result *res = r->results.v[ri];
		if (!res->findings.n)
			continue;
		struct mmr_map pk;
		if (mmr_vulndb_index_packages(a, res, &pk) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t fi = 0; fi < res->findings.n; fi++) {
			struct mmr_finding *f = res->findings.v[fi];
			/* any kind: vulnerabilities by id/alias and package, secrets and
			 * malware by rule id and path */
			if (f->suppressed)
				continue;
			const struct mmr_package *p = f->loc.package ? mmr_map_get(&pk, f->loc.package) : NULL;
			for (size_t k = 0; k <= f->aliases.n && !f->suppressed; k++) {
				const char *id = k == 0 ? f->rule_id : f->aliases.v[k - 1];
				if (!id)
					continue;
				char *key = upper_dup(a, id);
				if (!key) {
					rc = -ENOMEM;
					goto out;
				}
				for (struct idx *x = mmr_map_get(&by_id, key); x; x = x->next) {
					if (!entry_covers(a, x->e, x->purls, f, p))
						continue;
					const char *why = mmr_arena_printf(r->arena, "ignore: %s", x->e->reason);
					if (!why) {
						rc = -ENOMEM;
						goto out;
					}
					f->suppressed = true;
					f->suppressed_by = why;
					x->e->hits++;
					count++;
					break;
				}
			}
		}
	}
	rc = count;
out:
	mmr_arena_free(a);
	return rc;
}
