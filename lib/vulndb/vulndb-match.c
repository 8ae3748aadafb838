/* vulndb-match.c - packages of a report -> vulnerability findings
 * (see vulndb-match.h for the contract).
 *
 * Per package: look the (namespace, name) up once (cached: the binary
 * packages of one source package share a lookup), evaluate every affected
 * record against the installed version, resolve each hit's advisory to its
 * canonical id through the alias table (cached), and merge hits of one
 * advisory into one finding. */
#include "vulndb/vulndb-match.h"

#include "core/core-hash.h"
#include "vulndb/vulndb-cvss.h"
#include "vulndb/vulndb-version.h"

#include <errno.h>
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
	const struct mmr_match_opts *o;
	struct mmr_match_stats st;
	const char *bad_example; /* first version a scheme refused */
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
	char *key = mmr_arena_printf(m->s, "%s\x1f%s", ns, name);
	if (!key)
		return -ENOMEM;
	struct qres *q = mmr_map_get(&m->queries, key);
	if (q) {
		*ret = q;
		return 0;
	}
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

static int resolve(struct matcher *m, const char *id, struct vinfo **ret)
{
	struct vinfo *vi = mmr_map_get(&m->vulns, id);
	if (vi) {
		*ret = vi;
		return 0;
	}
	vi = mmr_arena_alloc(m->s, sizeof(*vi));
	if (!vi)
		return -ENOMEM;
	struct mmr_vuln *v = NULL;
	int r = mmr_vulndb_vuln(m->db, m->s, id, &v);
	if (r < 0 && r != -ENOENT)
		return r;
	/* The alias closure of a distribution advisory spans every CVE it
	 * fixes, so: a CVE names its own finding; another id takes the CVE
	 * only when its closure has exactly one; else it stays itself. */
	vi->canon = id;
	struct mmr_vec cves = { 0 };
	if (r == 0) {
		if (is_cve(v->id) && (r = push_unique(m->s, &cves, v->id)) < 0)
			return r;
		for (size_t i = 0; i < v->n_aliases; i++)
			if (is_cve(v->aliases[i]) && (r = push_unique(m->s, &cves, v->aliases[i])) < 0)
				return r;
		r = 0;
	}
	if (!is_cve(id) && cves.n == 1)
		vi->canon = cves.v[0];
	vi->bundle = !is_cve(vi->canon) && cves.n > 1;
	vi->cves = (const char *const *)cves.v;
	vi->n_cves = cves.n;
	/* the merged data belongs to the finding unless it is another CVE's */
	vi->m = r == 0 && (!is_cve(v->id) || strcmp(v->id, vi->canon) == 0) ? v : NULL;
	if (r == 0) {
		const char *all[1] = { v->id };
		for (size_t k = 0; k < 2; k++) {
			const char *const *ids = k == 0 ? all : v->aliases;
			size_t n = k == 0 ? 1 : v->n_aliases;
			for (size_t i = 0; i < n; i++) {
				/* a distribution advisory is about its own package:
				 * it joins a finding only as one of its hits */
				if (strcmp(ids[i], vi->canon) == 0 || is_distro_advisory(ids[i]) ||
				    (is_cve(vi->canon) && is_cve(ids[i])))
					continue;
				if (push_unique(m->s, &vi->aliases, ids[i]) < 0)
					return -ENOMEM;
			}
		}
	} else if (strcmp(id, vi->canon) != 0 && push_unique(m->s, &vi->aliases, id) < 0) {
		return -ENOMEM;
	}
	char *k = mmr_arena_strdup(m->s, id);
	if (!k || (r = mmr_map_put(&m->vulns, k, vi)) < 0)
		return -ENOMEM;
	*ret = vi;
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
	const struct mmr_vuln *v = b->vi->m;
	struct mmr_vuln_info *vi = f->vuln;
	double cvss = -1;
	struct mmr_cvss c;
	if (vi->cvss4_vector && mmr_cvss_parse(vi->cvss4_vector, &c, NULL) == 0 && c.version == 40)
		vi->cvss4_score = c.score;
	if (vi->cvss3_vector && mmr_cvss_parse(vi->cvss3_vector, &c, NULL) == 0 && c.version != 40)
		vi->cvss3_score = c.base;
	cvss = vi->cvss4_score >= 0 ? vi->cvss4_score : vi->cvss3_score;
	f->score = cvss;

	enum mmr_severity s;
	if (os && b->dist_sev && (s = mmr_vulndb_severity_from_rating(b->dist_sev)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = b->dist_src;
		return;
	}
	if (cvss >= 0) {
		f->severity = mmr_cvss_severity(cvss);
		vi->severity_source = v && v->source ? v->source : "cvss";
		return;
	}
	if (b->src_sev && (s = mmr_vulndb_severity_from_rating(b->src_sev)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = b->src_src;
		return;
	}
	if (v && v->severity && (s = mmr_vulndb_severity_from_rating(v->severity)) != MMR_SEV_UNKNOWN) {
		f->severity = s;
		vi->severity_source = v->source;
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

static int fingerprint(struct mmr_arena *a, const struct mmr_finding *f, const struct mmr_package *p,
		       const char **ret)
{
	struct mmr_sha256 h;
	int r = mmr_sha256_init(&h);
	if (r < 0)
		return r;
	const char *parts[] = { "vulnerability", f->rule_id, p->purl ? p->purl : p->id,
				p->file ? p->file : "", p->layer ? p->layer : "" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		mmr_sha256_update(&h, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
	char hex[MMR_SHA256_HEX_LEN + 1];
	if ((r = mmr_sha256_final_hex(&h, hex)) < 0)
		return r;
	*ret = mmr_arena_strdup(a, hex);
	return *ret ? 0 : -ENOMEM;
}

static int build_finding(struct matcher *m, struct mmr_result *res, const struct mmr_package *p,
			 const struct mmr_vuln_target *t, struct fbuild *b)
{
	struct mmr_arena *a = m->r->arena;
	const struct mmr_vuln *v = b->vi->m;
	if (m->o && m->o->ignore_unfixed && b->fixed.n == 0) {
		m->st.filtered++;
		return 0;
	}
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	struct mmr_vuln_info *vi = mmr_arena_alloc(a, sizeof(*vi));
	if (!f || !vi)
		return -ENOMEM;
	f->kind = MMR_FINDING_VULNERABILITY;
	f->vuln = vi;
	f->score = -1;
	vi->cvss3_score = vi->cvss4_score = -1;
	vi->epss = vi->epss_percentile = -1;
	if (!(f->rule_id = mmr_arena_strdup(a, b->vi->canon)))
		return -ENOMEM;

	/* aliases: every other id the advisory is known by */
	int r;
	struct mmr_vec al = { 0 };
	for (size_t i = 0; i < b->vi->aliases.n; i++)
		if ((r = push_unique(a, &al, b->vi->aliases.v[i])) < 0)
			return r;
	for (size_t i = 0; i < b->ids.n; i++)
		if (strcmp(b->ids.v[i], f->rule_id) != 0 && (r = push_unique(a, &al, b->ids.v[i])) < 0)
			return r;
	for (size_t i = 0; i < al.n; i++)
		if (!(al.v[i] = mmr_arena_strdup(a, al.v[i])))
			return -ENOMEM;
	if (al.n)
		qsort(al.v, al.n, sizeof(al.v[0]), cmp_str);
	f->aliases = al;

	vi->installed = t->os ? mmr_package_full_version(a, p) : p->version;
	for (size_t i = 0; i < b->fixed.n; i++)
		if (!(b->fixed.v[i] = mmr_arena_strdup(a, b->fixed.v[i])) ||
		    mmr_vec_push(a, &vi->fixed, b->fixed.v[i]) < 0)
			return -ENOMEM;
	vi->status = b->fixed.n ? "fixed" : b->wontfix ? "will_not_fix" :
				     b->investigating ? "under_investigation" : "affected";
	for (size_t i = 0; i < b->sources.n; i++) {
		char *src = mmr_arena_strdup(a, b->sources.v[i]);
		if (!src || mmr_vec_push(a, &vi->sources, src) < 0)
			return -ENOMEM;
	}
	if (v) {
		vi->description = mmr_arena_strdup(a, v->description);
		vi->published = mmr_arena_strdup(a, v->published);
		vi->modified = mmr_arena_strdup(a, v->modified);
		vi->cvss3_vector = mmr_arena_strdup(a, v->cvss3_vector);
		vi->cvss4_vector = mmr_arena_strdup(a, v->cvss4_vector);
		vi->cvss3_score = v->cvss3_score;
		vi->cvss4_score = v->cvss4_score;
		f->title = v->title && *v->title ? mmr_arena_strdup(a, v->title) :
						   first_line(a, v->description, 160);
		for (size_t i = 0; i < v->n_references; i++) {
			char *s = mmr_arena_strdup(a, v->references[i]);
			if (!s || mmr_vec_push(a, &f->references, s) < 0)
				return -ENOMEM;
		}
		for (size_t i = 0; i < v->n_cwes; i++) {
			char *s = mmr_arena_strdup(a, v->cwes[i]);
			if (!s || mmr_vec_push(a, &vi->cwes, s) < 0)
				return -ENOMEM;
		}
	}
	choose_severity(b, t->os, f);
	/* everything the finding keeps must live in the report's arena */
	if (vi->severity_source && !(vi->severity_source = mmr_arena_strdup(a, vi->severity_source)))
		return -ENOMEM;
	if (m->o && m->o->severities && !(m->o->severities & (1u << f->severity))) {
		m->st.filtered++;
		return 0;
	}

	/* KEV and EPSS by the CVE id (the finding's or an alias) */
	for (size_t i = 0; i <= al.n; i++) {
		const char *id = i == 0 ? f->rule_id : al.v[i - 1];
		if (!is_cve(id))
			continue;
		const char *added = NULL, *due = NULL;
		if (!vi->kev && mmr_vulndb_kev(m->db, a, id, &added, &due) == 0) {
			vi->kev = true;
			vi->kev_added = added;
			vi->kev_due = due;
		}
		double sc, pc;
		if (vi->epss < 0 && mmr_vulndb_epss(m->db, id, &sc, &pc) == 0) {
			vi->epss = sc;
			vi->epss_percentile = pc;
		}
	}

	if (b->fixed.n) {
		struct mmr_buf_lite {
			char *p;
			size_t n;
		} fx = { 0 };
		size_t len = 0;
		for (size_t i = 0; i < b->fixed.n; i++)
			len += strlen(b->fixed.v[i]) + 2;
		fx.p = mmr_arena_alloc(a, len + 1);
		if (!fx.p)
			return -ENOMEM;
		for (size_t i = 0; i < b->fixed.n; i++) {
			size_t l = strlen(b->fixed.v[i]);
			if (i) {
				memcpy(fx.p + fx.n, ", ", 2);
				fx.n += 2;
			}
			memcpy(fx.p + fx.n, b->fixed.v[i], l);
			fx.n += l;
		}
		fx.p[fx.n] = 0;
		f->fix = fx.p;
		f->remediation = mmr_arena_printf(a, "Upgrade %s to %s", p->name, fx.p);
	}
	f->loc.package = p->id;
	f->loc.file = p->file;
	f->loc.layer = p->layer;
	f->loc.line_start = p->line_start;
	f->loc.line_end = p->line_end;
	if ((r = fingerprint(a, f, p, &f->fingerprint)) < 0)
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
	 * its CVEs that hit this package; alone, it is its own finding. */
	for (size_t i = 0; i < order.n; i++) {
		struct fbuild *b = order.v[i];
		if (!b->vi->bundle)
			continue;
		bool folded = false;
		for (size_t k = 0; k < b->vi->n_cves; k++) {
			struct fbuild *c = mmr_map_get(&byid, b->vi->cves[k]);
			if (!c)
				continue;
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
