/* vulndb-match.c - packages of a report -> vulnerability findings
 * (see vulndb-match.h for the contract).
 *
 * Per package: look the (namespace, name) up once (cached: the binary
 * packages of one source package share a lookup), evaluate every affected
 * record against the installed version, resolve each hit's advisory to its
 * canonical id through the alias table (cached), and merge hits of one
 * advisory into one finding.
 *
 * Cost (bench/vuln-match): everything that does not depend on the package
 * is computed once per match run and shared — the query result per
 * (namespace, name), the advisory per id (its bounded alias closure, the
 * merged record, the report-arena copies of its strings, parsed CVSS), and
 * KEV/EPSS per CVE id. Findings of one advisory on many packages share
 * those strings (all in the report's arena, never modified after). */
#include "vulndb/vulndb-match.h"

#include "core/core-hash.h"
#include "vulndb/vulndb-cvss.h"
#include "vulndb/vulndb-version.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One (namespace, package) lookup: its affected records. */
struct qres {
	struct mmr_vuln_affected *v;
	size_t n, cap;
};

/* An advisory resolved through the alias table. */
struct vinfo {
	const char *canon;       /* the CVE id when there is exactly one */
	const struct mmr_vuln *m; /* merged record for its data, NULL when none fits */
	struct mmr_vec aliases;  /* the other ids it is known by */
	size_t n_cves;           /* CVE ids in its alias closure */
	const char *const *cves;
	bool bundle;             /* an advisory for several CVEs (DSA, USN, RHSA ...) */
	struct mmr_map cveset;   /* its CVEs, made when a package needs a lookup */
	/* made on its first finding, in the report's arena, shared by all */
	struct shared *sh;
};

/* What every finding of one advisory carries, copied once into the
 * report's arena. */
struct shared {
	const char *rule_id, *title, *description, *published, *modified;
	const char *cvss3_vector, *cvss4_vector;
	double cvss3_score, cvss4_score; /* parsed from the vectors when they parse */
	const char *source;              /* the merged record's source */
	const char **aliases;            /* sorted */
	size_t n_aliases;
	const char **refs, **cwes;
	size_t n_refs, n_cwes;
	/* KEV and EPSS of the first of rule_id, aliases that has them */
	bool kev;
	const char *kev_added, *kev_due;
	double epss, pct;
};

/* KEV and EPSS of one CVE id, looked up once per run. */
struct cveinfo {
	bool kev;
	const char *added, *due; /* report arena */
	double epss, pct;        /* -1 when not listed */
};

/* A finding being assembled for one package. */
struct fbuild {
	struct vinfo *vi;
	struct mmr_vec ids;      /* raw advisory ids that hit */
	struct mmr_vec sources;
	struct mmr_vec fixed;
	bool wontfix, investigating;
	const char *dist_sev, *dist_src;  /* distribution rating */
	const char *src_sev, *src_src;    /* another source's rating */
};

struct matcher {
	struct mmr_vulndb *db;
	struct mmr_report *r;
	struct mmr_arena *s;     /* scratch: caches */
	struct mmr_map queries;  /* "ns\x1fname" -> struct qres */
	struct mmr_map vulns;    /* advisory id -> struct vinfo */
	struct mmr_map cves;     /* CVE id -> struct cveinfo */
	struct mmr_map rstrs;    /* scratch string -> its copy in the report's arena */
	const struct mmr_match_opts *o;
	struct mmr_match_stats st;
	const char *bad_example; /* first version a scheme refused */
	EVP_MD *md;              /* fingerprints */
	EVP_MD_CTX *mdctx;
	const char *installed;   /* of the package being matched, report arena */
};

static const char *const distro_sources[] = { "debian", "ubuntu", "alpine", "redhat", NULL };

static bool is_distro_source(const char *s)
{
	for (size_t i = 0; s && distro_sources[i]; i++)
		if (strcmp(s, distro_sources[i]) == 0)
			return true;
	return false;
}

/* ---- version evaluation ---- */

/* Compare with the record's scheme; npm, Go and Cargo versions are SemVer
 * when no dedicated scheme is registered. */
static int vcmp(const char *scheme, const char *a, const char *b, int *ret)
{
	int r = mmr_version_cmp(scheme, a, b, ret);
	if (r == -ENOTSUP && (strcmp(scheme, "npm") == 0 || strcmp(scheme, "go") == 0 ||
			      strcmp(scheme, "cargo") == 0))
		r = mmr_version_cmp("semver", a, b, ret);
	return r;
}

static int vrange(const char *scheme, const char *expr, const char *v, bool *ret)
{
	int r = mmr_version_range_match(scheme, expr, v, ret);
	if (r == -ENOTSUP && (strcmp(scheme, "npm") == 0 || strcmp(scheme, "cargo") == 0))
		r = mmr_version_range_match("semver", expr, v, ret);
	return r;
}

/* 1 affected, 0 not, <0 the scheme refused a version or expression. */
static int in_range(const char *scheme, const struct mmr_vuln_range *rg, const char *v)
{
	int c, r;
	if (rg->introduced && *rg->introduced && strcmp(rg->introduced, "0") != 0) {
		if ((r = vcmp(scheme, v, rg->introduced, &c)) < 0)
			return r;
		if (c < 0)
			return 0;
	}
	if (rg->fixed && *rg->fixed) {
		if ((r = vcmp(scheme, v, rg->fixed, &c)) < 0)
			return r;
		if (c >= 0)
			return 0; /* equal to fixed: fixed */
	}
	if (rg->last_affected && *rg->last_affected) {
		if ((r = vcmp(scheme, v, rg->last_affected, &c)) < 0)
			return r;
		if (c > 0)
			return 0;
	}
	return 1;
}

/* "not:A;B": affected when the version satisfies none of A, B. */
static int eval_expr(const char *scheme, const char *expr, const char *v)
{
	bool m = false;
	int r;
	if (strncmp(expr, "not:", 4) != 0) {
		if ((r = vrange(scheme, expr, v, &m)) < 0)
			return r;
		return m;
	}
	const char *p = expr + 4;
	char buf[1024];
	while (*p) {
		const char *e = strchr(p, ';');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, n);
		buf[n] = 0;
		if (n) {
			if ((r = vrange(scheme, buf, v, &m)) < 0)
				return r;
			if (m)
				return 0;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return 1;
}

/* Does record af affect version v? 1, 0, or <0 when the scheme refused. */
static int affects(const struct mmr_vuln_affected *af, const char *scheme, const char *v)
{
	switch (af->status) {
	case MMR_VULN_NOT_AFFECTED:
		return 0;
	case MMR_VULN_UNFIXED:
	case MMR_VULN_WONTFIX:
	case MMR_VULN_UNDER_INVESTIGATION:
		return 1;
	default:
		break;
	}
	for (size_t i = 0; i < af->n_versions; i++)
		if (af->versions[i] && strcmp(af->versions[i], v) == 0)
			return 1;
	int bad = 0;
	for (size_t i = 0; i < af->n_ranges; i++) {
		int r = in_range(scheme, &af->ranges[i], v);
		if (r > 0)
			return 1;
		if (r < 0)
			bad = r;
	}
	if (af->expr && *af->expr) {
		int r = eval_expr(scheme, af->expr, v);
		if (r > 0)
			return 1;
		if (r < 0)
			bad = r;
	}
	/* explicit versions compared by the scheme too ("1.0" == "1.0.0"
	 * in some schemes), only when nothing else matched */
	for (size_t i = 0; i < af->n_versions; i++) {
		int c;
		if (af->versions[i] && vcmp(scheme, v, af->versions[i], &c) == 0 && c == 0)
			return 1;
	}
	return bad;
}

/* ---- lookups, cached ---- */

static int push_unique(struct mmr_arena *a, struct mmr_vec *v, const char *s)
{
	if (!s || !*s)
		return 0;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 0;
	return mmr_vec_push(a, v, (void *)s);
}


static int collect(void *ud, const struct mmr_vuln_affected *af)
{
	struct matcher *m = ((void **)ud)[0];
	struct qres *q = ((void **)ud)[1];
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 8;
		void *nv = mmr_arena_realloc(m->s, q->v, q->cap * sizeof(*q->v), nc * sizeof(*q->v));
		if (!nv)
			return -ENOMEM;
		q->v = nv;
		q->cap = nc;
	}
	q->v[q->n++] = *af;
	return 0;
}

static int lookup(struct matcher *m, const char *ns, const char *name, struct qres **ret)
{
	char kb[512], *key = kb;
	size_t nl = strlen(ns), pl = strlen(name);
	if (nl + pl + 2 > sizeof(kb))
		key = mmr_arena_alloc(m->s, nl + pl + 2);
	if (!key)
		return -ENOMEM;
	memcpy(key, ns, nl);
	key[nl] = '\x1f';
	memcpy(key + nl + 1, name, pl + 1);
	struct qres *q = mmr_map_get(&m->queries, key);
	if (q) {
		*ret = q;
		return 0;
	}
	if (key == kb && !(key = mmr_arena_strdup(m->s, kb)))
		return -ENOMEM;
	q = mmr_arena_alloc(m->s, sizeof(*q));
	if (!q)
		return -ENOMEM;
	void *ud[2] = { m, q };
	int r = mmr_vulndb_query(m->db, m->s, ns, name, collect, ud);
	if (r < 0)
		return r;
	if ((r = mmr_map_put(&m->queries, key, q)) < 0)
		return r;
	*ret = q;
	return 0;
}

static bool is_cve(const char *id)
{
	return id && strncmp(id, "CVE-", 4) == 0;
}

static bool is_distro_advisory(const char *id)
{
	static const char *const prefixes[] = { "DSA-", "DLA-", "DTSA-", "USN-", "RHSA-", "RHBA-",
						"RHEA-", "ALSA-", "RLSA-", "ELSA-", "ALAS", NULL };
	for (size_t i = 0; prefixes[i]; i++)
		if (strncmp(id, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Ids one advisory's closure may hold (PYSEC -> GHSA -> CVE needs three;
 * a bundle advisory lists its CVEs, the largest DSAs a few hundred). */
#define MAX_CLOSURE 512

/* The advisory `id` through the alias table, cached per id.
 *
 * Its closure is walked level by level from `id` and stops at the first
 * level that reaches a CVE id; it never walks through CVE ids or
 * distribution advisories (other than `id` itself). The alias table links
 * a DSA to every CVE it fixes and each CVE to every DSA/DLA/USN that
 * mentions it, so a transitive walk would join unrelated CVEs (DLA-3322-1,
 * for runc's one CVE-2019-16884, would reach five more CVEs through other
 * DLAs and turn into a "bundle"). Language advisories (GHSA, PYSEC, GO,
 * RUSTSEC, ...) are walked through only until a CVE turns up: a PYSEC
 * record may name only the GHSA that names the CVE, but one that names
 * its CVE is taken at its word (PYSEC-2021-368, for CVE-2021-32811, also
 * lists CVE-2021-32807's GHSA: walking on would make both Zope advisories
 * a two-CVE bundle). So: a CVE names its own finding; another id takes
 * the CVE only when its closure has exactly one; else it stays itself. */
static int resolve(struct matcher *m, const char *id, struct vinfo **ret)
{
	struct vinfo *vi = mmr_map_get(&m->vulns, id);
	if (vi) {
		*ret = vi;
		return 0;
	}
	int r;
	vi = mmr_arena_alloc(m->s, sizeof(*vi));
	char *key = mmr_arena_strdup(m->s, id);
	if (!vi || !key)
		return -ENOMEM;
	struct mmr_map seen;
	struct mmr_vec clo = { 0 }, cves = { 0 };
	mmr_map_init(&seen, m->s);
	if ((r = mmr_map_put(&seen, key, key)) < 0 || (r = mmr_vec_push(m->s, &clo, key)) < 0 ||
	    (is_cve(key) && (r = mmr_vec_push(m->s, &cves, key)) < 0))
		return r;
	size_t level_end = 1;
	for (size_t i = 0; i < clo.n; i++) {
		if (i == level_end) {
			if (cves.n)
				break;
			level_end = clo.n;
		}
		const char *x = clo.v[i];
		if (i > 0 && (is_cve(x) || is_distro_advisory(x)))
			continue;
		const char *const *nb;
		size_t n;
		if ((r = mmr_vulndb_aliases(m->db, m->s, x, &nb, &n)) < 0)
			return r;
		for (size_t k = 0; k < n && clo.n < MAX_CLOSURE; k++) {
			if (mmr_map_has(&seen, nb[k]))
				continue;
			if ((r = mmr_map_put(&seen, nb[k], (void *)nb[k])) < 0 ||
			    (r = mmr_vec_push(m->s, &clo, (void *)nb[k])) < 0 ||
			    (is_cve(nb[k]) && (r = mmr_vec_push(m->s, &cves, (void *)nb[k])) < 0))
				return r;
		}
	}
	vi->canon = key;
	if (!is_cve(key) && cves.n == 1)
		vi->canon = cves.v[0];
	vi->bundle = !is_cve(vi->canon) && cves.n > 1;
	vi->cves = (const char *const *)cves.v;
	vi->n_cves = cves.n;

	/* the record data: the canonical id's and its language advisories';
	 * another CVE's never (nor, for a bundle, its CVEs') */
	struct mmr_vec data = { 0 };
	if ((r = mmr_vec_push(m->s, &data, (void *)vi->canon)) < 0)
		return r;
	for (size_t i = 0; i < clo.n; i++)
		if (!is_cve(clo.v[i]) && strcmp(clo.v[i], vi->canon) != 0 &&
		    (r = mmr_vec_push(m->s, &data, clo.v[i])) < 0)
			return r;
	struct mmr_vuln *v = NULL;
	r = mmr_vulndb_vuln_set(m->db, m->s, (const char *const *)data.v, data.n, &v);
	if (r < 0 && r != -ENOENT)
		return r;
	vi->m = r == 0 ? v : NULL;

	/* aliases: the closure, less the canonical id, the other CVEs of a
	 * CVE finding, and distribution advisories (one is about its own
	 * package: it joins a finding only as one of its hits) */
	for (size_t i = 0; i < clo.n; i++) {
		const char *x = clo.v[i];
		if (x == vi->canon || strcmp(x, vi->canon) == 0 || is_distro_advisory(x) ||
		    (is_cve(vi->canon) && is_cve(x)))
			continue;
		if ((r = mmr_vec_push(m->s, &vi->aliases, (void *)x)) < 0)
			return r;
	}
	if ((r = mmr_map_put(&m->vulns, key, vi)) < 0)
		return r;
	*ret = vi;
	return 0;
}

/* KEV and EPSS of a CVE id, once per run. */
static int cve_info(struct matcher *m, const char *cve, const struct cveinfo **ret)
{
	struct cveinfo *c = mmr_map_get(&m->cves, cve);
	if (c) {
		*ret = c;
		return 0;
	}
	char *key = mmr_arena_strdup(m->s, cve);
	c = mmr_arena_alloc(m->s, sizeof(*c));
	if (!key || !c)
		return -ENOMEM;
	c->epss = c->pct = -1;
	const char *added = NULL, *due = NULL;
	int r = mmr_vulndb_kev(m->db, m->s, cve, &added, &due);
	if (r == 0) {
		c->kev = true;
		if ((added && !(c->added = mmr_arena_strdup(m->r->arena, added))) ||
		    (due && !(c->due = mmr_arena_strdup(m->r->arena, due))))
			return -ENOMEM;
	} else if (r != -ENOENT) {
		return r;
	}
	double sc, pc;
	r = mmr_vulndb_epss(m->db, cve, &sc, &pc);
	if (r == 0) {
		c->epss = sc;
		c->pct = pc;
	} else if (r != -ENOENT) {
		return r;
	}
	if ((r = mmr_map_put(&m->cves, key, c)) < 0)
		return r;
	*ret = c;
	return 0;
}

/* ---- findings ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The severity of a finding, by the rules of vulndb-match.h. */
static void choose_severity(const struct fbuild *b, bool os, struct mmr_finding *f)
{
	const struct shared *sh = b->vi->sh;
	const struct mmr_vuln *v = b->vi->m;
	struct mmr_vuln_info *vi = f->vuln;
	vi->cvss3_score = sh->cvss3_score;
	vi->cvss4_score = sh->cvss4_score;
	double cvss = vi->cvss4_score >= 0 ? vi->cvss4_score : vi->cvss3_score;
	f->score = cvss;

	enum mmr_severity s;
	if (os && b->dist_sev && (s = mmr_vulndb_severity_from_rating(b->dist_sev)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = b->dist_src;
		return;
	}
	if (cvss >= 0) {
		f->severity = mmr_cvss_severity(cvss);
		vi->severity_source = sh->source ? sh->source : "cvss";
		return;
	}
	if (b->src_sev && (s = mmr_vulndb_severity_from_rating(b->src_sev)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = b->src_src;
		return;
	}
	if (v && v->severity && (s = mmr_vulndb_severity_from_rating(v->severity)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = sh->source;
		return;
	}
	f->severity = MMR_SEV_UNKNOWN;
}

static const char *first_line(struct mmr_arena *a, const char *s, size_t max)
{
	if (!s)
		return NULL;
	size_t n = strcspn(s, "\n");
	if (n > max)
		n = max;
	return mmr_arena_strndup(a, s, n);
}

/* sha256 over kind, rule, purl (or id), file and layer, each with its NUL.
 * One digest context and one explicitly fetched SHA-256 for the whole run:
 * a context and an implicit provider fetch per finding cost more than the
 * hashing itself (bench/vuln-match: ~40% of matching). The bytes hashed
 * are the ones mmr_sha256_* hashed before, so fingerprints are unchanged
 * (ignore files and `db rescan` history key on them). */
static int fingerprint(struct matcher *m, const struct mmr_finding *f, const struct mmr_package *p,
		       const char **ret)
{
	if (!m->md && !(m->md = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -EIO;
	if (!m->mdctx && !(m->mdctx = EVP_MD_CTX_new()))
		return -ENOMEM;
	if (EVP_DigestInit_ex2(m->mdctx, m->md, NULL) != 1)
		return -EIO;
	const char *parts[] = { "vulnerability", f->rule_id, p->purl ? p->purl : p->id,
				p->file ? p->file : "", p->layer ? p->layer : "" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const char *x = parts[i] ? parts[i] : "";
		if (EVP_DigestUpdate(m->mdctx, x, strlen(x) + 1) != 1)
			return -EIO;
	}
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (EVP_DigestFinal_ex(m->mdctx, d, &n) != 1 || n != MMR_SHA256_LEN)
		return -EIO;
	static const char hexd[] = "0123456789abcdef";
	char *hex = mmr_arena_alloc(m->r->arena, 2 * (size_t)n + 1);
	if (!hex)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = hexd[d[i] >> 4];
		hex[2 * i + 1] = hexd[d[i] & 15];
	}
	*ret = hex;
	return 0;
}

/* A string of the scratch arena copied into the report's arena once per
 * run (sources, fixed versions, severity sources repeat on every package
 * of a source package). */
static const char *rstr(struct matcher *m, const char *s)
{
	if (!s)
		return NULL;
	const char *c = mmr_map_get(&m->rstrs, s);
	if (c)
		return c;
	char *k = mmr_arena_strdup(m->s, s);
	char *v = mmr_arena_strdup(m->r->arena, s);
	if (!k || !v || mmr_map_put(&m->rstrs, k, v) < 0)
		return NULL;
	return v;
}

static const char **rstr_list(struct matcher *m, const char *const *v, size_t n)
{
	const char **out = n ? mmr_arena_calloc(m->r->arena, n, sizeof(*out)) : NULL;
	for (size_t i = 0; i < n; i++)
		if (!(out[i] = mmr_arena_strdup(m->r->arena, v[i])))
			return NULL;
	return out;
}

/* The advisory's data in the report's arena, made on its first finding. */
static int share(struct matcher *m, struct vinfo *vi)
{
	struct mmr_arena *a = m->r->arena;
	const struct mmr_vuln *v = vi->m;
	struct shared *sh = mmr_arena_alloc(a, sizeof(*sh));
	if (!sh || !(sh->rule_id = mmr_arena_strdup(a, vi->canon)))
		return -ENOMEM;
	sh->cvss3_score = sh->cvss4_score = -1;
	if (vi->aliases.n) {
		if (!(sh->aliases = rstr_list(m, (const char *const *)vi->aliases.v, vi->aliases.n)))
			return -ENOMEM;
		sh->n_aliases = vi->aliases.n;
		qsort(sh->aliases, sh->n_aliases, sizeof(sh->aliases[0]), cmp_str);
	}
	if (v) {
		sh->description = mmr_arena_strdup(a, v->description);
		sh->published = mmr_arena_strdup(a, v->published);
		sh->modified = mmr_arena_strdup(a, v->modified);
		sh->cvss3_vector = mmr_arena_strdup(a, v->cvss3_vector);
		sh->cvss4_vector = mmr_arena_strdup(a, v->cvss4_vector);
		sh->source = rstr(m, v->source);
		sh->title = v->title && *v->title ? mmr_arena_strdup(a, v->title) :
						    first_line(a, v->description, 160);
		if ((v->description && !sh->description) || (v->published && !sh->published) ||
		    (v->modified && !sh->modified) || (v->cvss3_vector && !sh->cvss3_vector) ||
		    (v->cvss4_vector && !sh->cvss4_vector) || (v->source && !sh->source))
			return -ENOMEM;
		if (v->n_references && !(sh->refs = rstr_list(m, v->references, v->n_references)))
			return -ENOMEM;
		sh->n_refs = v->n_references;
		if (v->n_cwes && !(sh->cwes = rstr_list(m, v->cwes, v->n_cwes)))
			return -ENOMEM;
		sh->n_cwes = v->n_cwes;
		/* the stored scores, replaced by our own scoring of the vectors */
		sh->cvss3_score = v->cvss3_score;
		sh->cvss4_score = v->cvss4_score;
		struct mmr_cvss c;
		if (sh->cvss4_vector && mmr_cvss_parse(sh->cvss4_vector, &c, NULL) == 0 && c.version == 40)
			sh->cvss4_score = c.score;
		if (sh->cvss3_vector && mmr_cvss_parse(sh->cvss3_vector, &c, NULL) == 0 && c.version != 40)
			sh->cvss3_score = c.base;
	}
	/* KEV and EPSS by the CVE id (the finding's or an alias). The ids a
	 * finding adds to these (the hits: DSA, GHSA ...) are never CVEs: a
	 * CVE hit names its own finding. */
	sh->epss = sh->pct = -1;
	for (size_t i = 0; i <= sh->n_aliases && (!sh->kev || sh->epss < 0); i++) {
		const char *id = i == 0 ? sh->rule_id : sh->aliases[i - 1];
		const struct cveinfo *c = NULL;
		int r;
		if (!is_cve(id))
			continue;
		if ((r = cve_info(m, id, &c)) < 0)
			return r;
		if (!sh->kev && c->kev) {
			sh->kev = true;
			sh->kev_added = c->added;
			sh->kev_due = c->due;
		}
		if (sh->epss < 0 && c->epss >= 0) {
			sh->epss = c->epss;
			sh->pct = c->pct;
		}
	}
	vi->sh = sh;
	return 0;
}

/* A vec over an existing array (the array is copied: findings may grow
 * their own vecs later). */
static int vec_of(struct mmr_arena *a, struct mmr_vec *out, const char *const *v, size_t n,
		  size_t extra)
{
	if (!n && !extra)
		return 0;
	out->v = mmr_arena_calloc(a, n + extra, sizeof(void *));
	if (!out->v)
		return -ENOMEM;
	if (n)
		memcpy(out->v, v, n * sizeof(void *));
	out->n = n;
	out->cap = n + extra;
	return 0;
}

static int build_finding(struct matcher *m, struct mmr_result *res, const struct mmr_package *p,
			 const struct mmr_vuln_target *t, struct fbuild *b)
{
	struct mmr_arena *a = m->r->arena;
	int r;
	if (m->o && m->o->ignore_unfixed && b->fixed.n == 0) {
		m->st.filtered++;
		return 0;
	}
	if (!b->vi->sh && (r = share(m, b->vi)) < 0)
		return r;
	const struct shared *sh = b->vi->sh;
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	struct mmr_vuln_info *vi = mmr_arena_alloc(a, sizeof(*vi));
	if (!f || !vi)
		return -ENOMEM;
	f->kind = MMR_FINDING_VULNERABILITY;
	f->vuln = vi;
	f->score = -1;
	vi->cvss3_score = vi->cvss4_score = -1;
	vi->epss = vi->epss_percentile = -1;
	f->rule_id = sh->rule_id;

	/* aliases: every other id the advisory is known by, and the ids that
	 * hit (a DSA, the GHSA ...), sorted */
	size_t extra = 0;
	for (size_t i = 0; i < b->ids.n; i++) {
		const char *id = b->ids.v[i];
		bool dup = strcmp(id, f->rule_id) == 0;
		for (size_t k = 0; !dup && k < sh->n_aliases; k++)
			dup = strcmp(sh->aliases[k], id) == 0;
		if (!dup) {
			b->ids.v[extra++] = (void *)id; /* b is done with them after this */
		}
	}
	if ((r = vec_of(a, &f->aliases, sh->aliases, sh->n_aliases, extra)) < 0)
		return r;
	if (extra) {
		for (size_t i = 0; i < extra; i++) {
			const char *c = rstr(m, b->ids.v[i]);
			if (!c)
				return -ENOMEM;
			f->aliases.v[f->aliases.n++] = (void *)c;
		}
		qsort(f->aliases.v, f->aliases.n, sizeof(f->aliases.v[0]), cmp_str);
	}

	if (!m->installed && !(m->installed = t->os ? mmr_package_full_version(a, p) : p->version))
		return -ENOMEM;
	vi->installed = m->installed;
	if ((r = vec_of(a, &vi->fixed, NULL, 0, b->fixed.n)) < 0)
		return r;
	for (size_t i = 0; i < b->fixed.n; i++)
		if (!(vi->fixed.v[vi->fixed.n++] = (void *)rstr(m, b->fixed.v[i])))
			return -ENOMEM;
	vi->status = b->fixed.n ? "fixed" : b->wontfix ? "will_not_fix" :
				     b->investigating ? "under_investigation" : "affected";
	if ((r = vec_of(a, &vi->sources, NULL, 0, b->sources.n)) < 0)
		return r;
	for (size_t i = 0; i < b->sources.n; i++)
		if (!(vi->sources.v[vi->sources.n++] = (void *)rstr(m, b->sources.v[i])))
			return -ENOMEM;
	vi->description = sh->description;
	vi->published = sh->published;
	vi->modified = sh->modified;
	vi->cvss3_vector = sh->cvss3_vector;
	vi->cvss4_vector = sh->cvss4_vector;
	f->title = sh->title;
	if ((r = vec_of(a, &f->references, sh->refs, sh->n_refs, 0)) < 0 ||
	    (r = vec_of(a, &vi->cwes, sh->cwes, sh->n_cwes, 0)) < 0)
		return r;
	choose_severity(b, t->os, f);
	/* everything the finding keeps must live in the report's arena */
	if (vi->severity_source && !(vi->severity_source = rstr(m, vi->severity_source)))
		return -ENOMEM;
	if (m->o && m->o->severities && !(m->o->severities & (1u << f->severity))) {
		m->st.filtered++;
		return 0;
	}

	vi->kev = sh->kev;
	vi->kev_added = sh->kev_added;
	vi->kev_due = sh->kev_due;
	vi->epss = sh->epss;
	vi->epss_percentile = sh->pct;

	if (b->fixed.n) {
		size_t len = 0, n = 0;
		for (size_t i = 0; i < vi->fixed.n; i++)
			len += strlen(vi->fixed.v[i]) + 2;
		char *fx = mmr_arena_alloc(a, len + 1);
		if (!fx)
			return -ENOMEM;
		for (size_t i = 0; i < vi->fixed.n; i++) {
			size_t l = strlen(vi->fixed.v[i]);
			if (i) {
				memcpy(fx + n, ", ", 2);
				n += 2;
			}
			memcpy(fx + n, vi->fixed.v[i], l);
			n += l;
		}
		fx[n] = 0;
		f->fix = vi->fixed.n == 1 ? vi->fixed.v[0] : fx;
		size_t pn = strlen(p->name);
		char *rem = mmr_arena_alloc(a, sizeof("Upgrade ") - 1 + pn + sizeof(" to ") - 1 + n + 1);
		if (!rem)
			return -ENOMEM;
		char *w = rem;
		memcpy(w, "Upgrade ", 8);
		w += 8;
		memcpy(w, p->name, pn);
		w += pn;
		memcpy(w, " to ", 4);
		w += 4;
		memcpy(w, fx, n + 1);
		f->remediation = rem;
	}
	f->loc.package = p->id;
	f->loc.file = p->file;
	f->loc.layer = p->layer;
	f->loc.line_start = p->line_start;
	f->loc.line_end = p->line_end;
	if ((r = fingerprint(m, f, p, &f->fingerprint)) < 0)
		return r;
	if ((r = mmr_vec_push(a, &res->findings, f)) < 0)
		return r;
	m->st.findings++;
	return 0;
}

static int match_package(struct matcher *m, struct mmr_result *res, struct mmr_package *p)
{
	struct mmr_vuln_target t;
	int r = mmr_vulndb_pkg_target(m->s, &m->r->asset.os, p, &t);
	if (r == -ENOENT) {
		m->st.no_ecosystem++;
		return 0;
	}
	if (r < 0)
		return r;
	m->st.packages++;
	m->installed = NULL;
	struct qres *q;
	if ((r = lookup(m, t.ecosystem, t.package, &q)) < 0)
		return r;
	if (!q->n)
		return 0;

	struct mmr_map byid; /* canonical id -> struct fbuild */
	struct mmr_vec order = { 0 };
	mmr_map_init(&byid, m->s);
	for (size_t i = 0; i < q->n; i++) {
		const struct mmr_vuln_affected *af = &q->v[i];
		const char *scheme = af->scheme && *af->scheme ? af->scheme : t.scheme;
		m->st.records++;
		int hit = affects(af, scheme, t.version);
		if (hit < 0) {
			m->st.unparsable++;
			if (!m->bad_example)
				m->bad_example = mmr_arena_printf(m->s, "%s %s (%s, %s scheme) against %s",
								  t.package, t.version, t.ecosystem,
								  scheme, af->vuln_id);
			continue;
		}
		if (!hit)
			continue;
		struct vinfo *vi;
		if ((r = resolve(m, af->vuln_id, &vi)) < 0)
			return r;
		struct fbuild *b = mmr_map_get(&byid, vi->canon);
		if (!b) {
			b = mmr_arena_alloc(m->s, sizeof(*b));
			if (!b || mmr_map_put(&byid, vi->canon, b) < 0 || mmr_vec_push(m->s, &order, b) < 0)
				return -ENOMEM;
			b->vi = vi;
		}
		if ((r = push_unique(m->s, &b->ids, af->vuln_id)) < 0 ||
		    (r = push_unique(m->s, &b->sources, af->source)) < 0)
			return r;
		if (af->status == MMR_VULN_WONTFIX)
			b->wontfix = true;
		else if (af->status == MMR_VULN_UNDER_INVESTIGATION)
			b->investigating = true;
		if (af->status == MMR_VULN_AFFECTED || af->status == MMR_VULN_FIXED)
			for (size_t k = 0; k < af->n_ranges; k++) {
				const char *fx = af->ranges[k].fixed;
				int c;
				/* a fix that is newer than what is installed */
				if (fx && *fx && vcmp(scheme, t.version, fx, &c) == 0 && c < 0 &&
				    (r = push_unique(m->s, &b->fixed, fx)) < 0)
					return r;
			}
		if (af->severity && *af->severity) {
			if (is_distro_source(af->source)) {
				if (!b->dist_sev) {
					b->dist_sev = af->severity;
					b->dist_src = af->source;
				}
			} else if (!b->src_sev) {
				b->src_sev = af->severity;
				b->src_src = af->source;
			}
		}
	}
	/* A bundle advisory (a DSA fixing several CVEs) joins the findings of
	 * its CVEs that hit this package; alone, it is its own finding. A
	 * kernel DSA lists hundreds of CVEs and a package has few CVE
	 * findings: walk the smaller side. */
	size_t n_cvb = 0;
	for (size_t i = 0; i < order.n; i++)
		n_cvb += is_cve(((struct fbuild *)order.v[i])->vi->canon);
	for (size_t i = 0; i < order.n && n_cvb; i++) {
		struct fbuild *b = order.v[i];
		if (!b->vi->bundle)
			continue;
		bool folded = false;
		bool by_builds = n_cvb < b->vi->n_cves;
		if (by_builds && !b->vi->cveset.arena) {
			mmr_map_init(&b->vi->cveset, m->s);
			for (size_t k = 0; k < b->vi->n_cves; k++)
				if ((r = mmr_map_put(&b->vi->cveset, b->vi->cves[k], (void *)1)) < 0)
					return r;
		}
		size_t nk = by_builds ? order.n : b->vi->n_cves;
		for (size_t k = 0; k < nk; k++) {
			struct fbuild *c;
			if (by_builds) {
				c = order.v[k];
				if (!c || c->vi->bundle || !is_cve(c->vi->canon) ||
				    !mmr_map_has(&b->vi->cveset, c->vi->canon))
					continue;
			} else if (!(c = mmr_map_get(&byid, b->vi->cves[k]))) {
				continue;
			}
			folded = true;
			for (size_t j = 0; j < b->ids.n; j++)
				if ((r = push_unique(m->s, &c->ids, b->ids.v[j])) < 0)
					return r;
			for (size_t j = 0; j < b->sources.n; j++)
				if ((r = push_unique(m->s, &c->sources, b->sources.v[j])) < 0)
					return r;
			for (size_t j = 0; j < b->fixed.n; j++)
				if ((r = push_unique(m->s, &c->fixed, b->fixed.v[j])) < 0)
					return r;
		}
		if (folded)
			order.v[i] = NULL;
	}
	for (size_t i = 0; i < order.n; i++)
		if (order.v[i] && (r = build_finding(m, res, p, &t, order.v[i])) < 0)
			return r;
	return 0;
}

static int cmp_finding(const void *x, const void *y)
{
	const struct mmr_finding *a = *(const struct mmr_finding *const *)x;
	const struct mmr_finding *b = *(const struct mmr_finding *const *)y;
	int c = strcmp(a->loc.package ? a->loc.package : "", b->loc.package ? b->loc.package : "");
	if (c)
		return c;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	return strcmp(a->rule_id, b->rule_id);
}

int mmr_vulndb_match(struct mmr_vulndb *db, struct mmr_report *r, const struct mmr_match_opts *o,
		     struct mmr_match_stats *ret_stats)
{
	if (!db || !r)
		return -EINVAL;
	struct matcher m = { .db = db, .r = r, .o = o };
	m.s = mmr_arena_new(0);
	if (!m.s)
		return -ENOMEM;
	mmr_map_init(&m.queries, m.s);
	mmr_map_init(&m.vulns, m.s);
	mmr_map_init(&m.cves, m.s);
	mmr_map_init(&m.rstrs, m.s);
	int ret = 0;
	for (size_t i = 0; i < r->results.n && ret == 0; i++) {
		struct mmr_result *res = r->results.v[i];
		size_t before = res->findings.n;
		for (size_t k = 0; k < res->packages.n && ret == 0; k++) {
			struct mmr_package *p = res->packages.v[k];
			bool os = mmr_ecosystem_is_os(p->eco);
			if (o && o->pkg_types &&
			    !(o->pkg_types & (os ? MMR_MATCH_PKG_OS : MMR_MATCH_PKG_LIBRARY)))
				continue;
			ret = match_package(&m, res, p);
		}
		if (ret == 0 && res->findings.n > before + 1)
			qsort(res->findings.v + before, res->findings.n - before, sizeof(void *), cmp_finding);
	}
	if (ret == 0 && m.st.unparsable)
		ret = mmr_report_diag(r, "vulnerability matching",
				      "%llu version comparisons were refused by their version scheme and "
				      "matched nothing (first: %s)",
				      (unsigned long long)m.st.unparsable, m.bad_example);
	if (ret > 0)
		ret = 0;
	if (ret == 0 && ret_stats)
		*ret_stats = m.st;
	EVP_MD_CTX_free(m.mdctx);
	EVP_MD_free(m.md);
	mmr_arena_free(m.s);
	return ret;
}

int mmr_match_severities_parse(const char *list, unsigned *ret)
{
	unsigned set = 0;
	const char *p = list;
	if (!list || !ret)
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, ",");
		char buf[32];
		if (n == 0 || n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, p, n);
		buf[n] = 0;
		enum mmr_severity s = mmr_severity_from_name(buf);
		if (s == MMR_SEV_UNKNOWN && strcasecmp(buf, "unknown") != 0)
			return -EINVAL;
		set |= 1u << s;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!set)
		return -EINVAL;
	*ret = set;
	return 0;
}

int mmr_match_pkg_types_parse(const char *list, unsigned *ret)
{
	unsigned set = 0;
	const char *p = list;
	if (!list || !ret)
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 2 && strncmp(p, "os", 2) == 0)
			set |= MMR_MATCH_PKG_OS;
		else if (n == 7 && strncmp(p, "library", 7) == 0)
			set |= MMR_MATCH_PKG_LIBRARY;
		else
			return -EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!set)
		return -EINVAL;
	*ret = set;
	return 0;
}
