/* sbom-dpkg.c - installed Debian packages (dpkg status database) and their
 * OpenWrt/Yocto cousins (opkg status), both deb-control(5) stanzas.
 *
 * Files:
 *   dpkg: var/lib/dpkg/status, and distroless var/lib/dpkg/status.d/<name>
 *         (one stanza per file; "*.md5sums" beside them are file lists)
 *   opkg: usr/lib/opkg/status, var/lib/opkg/status
 *
 * A stanza is a run of "Field: value" lines; a line that starts with a space
 * or tab continues the previous field; blank lines separate stanzas.
 *
 * Conventions (where the peers disagree, Trivy's):
 * - A stanza without Package or Version is dropped (Syft keeps a package
 *   "no-version" with an empty version; Trivy drops it, and a package
 *   without a version cannot be matched against advisories anyway).
 * - A stanza whose Status wants deinstall/purge (Trivy), or whose state is
 *   not-installed or config-files (only conffiles left on disk), is dropped.
 *   Half-installed, unpacked, half-configured and triggers-* packages have
 *   their files on disk and are kept. A stanza without Status (distroless
 *   status.d) is kept.
 * - Version "epoch:upstream-revision" is split into epoch, version
 *   (upstream) and release (revision, NULL when there is none). The
 *   package ID keeps the full string: "bsdutils@1:2.31.1-0.4ubuntu3.1".
 * - Source "name (version)" gives the source package; without a version
 *   the binary version is used, without Source the binary name too.
 * - depends_on holds IDs of installed packages named (or provided) by
 *   Depends and Pre-Depends, alternatives included.
 *
 * Malformed lines (no colon, over-long lines) do not stop the parse: the
 * packages that can be read are kept and the parse returns -EBADMSG (or
 * -E2BIG) naming the first bad line, which the caller records as a warning.
 */
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A copy of s that is safe in reports: invalid UTF-8 and control
 * characters become '?'. */
static char *clean_dup(struct mmr_arena *a, struct mmr_str s)
{
	char *d = mmr_str_dup(a, s);
	if (!d)
		return NULL;
	bool utf8 = mmr_utf8_valid(d, s.len);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
			d[i] = '?';
	}
	return d;
}

/* ---- Debian version strings ---- */

struct deb_version {
	uint32_t epoch;
	bool has_epoch;
	struct mmr_str upstream, revision;
};

/* Split "epoch:upstream-revision". false when it is not a usable version. */
static bool deb_version_split(struct mmr_str v, struct deb_version *ret)
{
	struct deb_version d = { 0 };
	v = mmr_str_trim(v);
	if (!v.len)
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (isspace((unsigned char)v.p[i]) || (unsigned char)v.p[i] < 0x20)
			return false;
	long colon = mmr_str_chr(v, ':');
	if (colon >= 0) {
		uint64_t e;
		if (colon == 0 || !mmr_parse_u64(v.p, (size_t)colon, &e) || e > UINT32_MAX)
			return false;
		d.epoch = (uint32_t)e;
		d.has_epoch = true;
		v.p += colon + 1;
		v.len -= (size_t)colon + 1;
	}
	size_t dash = v.len;
	while (dash > 0 && v.p[dash - 1] != '-')
		dash--;
	if (dash > 0) {
		d.upstream = (struct mmr_str){ v.p, dash - 1 };
		d.revision = (struct mmr_str){ v.p + dash, v.len - dash };
		if (!d.revision.len)
			return false;
	} else {
		d.upstream = v;
	}
	if (!d.upstream.len)
		return false;
	*ret = d;
	return true;
}

/* ---- third-party packages ---- */

/* Debian and Ubuntu packages are maintained by many people at many
 * addresses, so "official" cannot be decided from an allow-list alone.
 * Like Trivy we mark a package third-party when its Maintainer matches a
 * known vendor that publishes its own apt repository, and official
 * otherwise; the distributions' own addresses are checked first so that a
 * Debian developer who works for such a vendor is not misclassified. */
static const char *const official_maint[] = {
	"@lists.debian.org", "@debian.org", "@tracker.debian.org", "@qa.debian.org",
	"@lists.alioth.debian.org", "@alioth-lists.debian.net", "@lists.ubuntu.com",
	"@ubuntu.com", "@canonical.com", "@lists.launchpad.net", NULL,
};
static const char *const third_party_maint[] = {
	"@docker.com",       /* docker-ce, containerd.io */
	"@nvidia.com",       /* CUDA, cuDNN, container toolkit */
	"@chromium.org",     /* google-chrome */
	"@google.com",       /* google-cloud-cli */
	"@elastic.co",       /* elasticsearch, kibana, beats */
	"@mongodb.com",      /* mongodb-org */
	"@microsoft.com",    /* packages.microsoft.com */
	"@hashicorp.com",    /* terraform, vault */
	"@grafana.com",      /* grafana, loki */
	"@nodesource.com",   /* nodejs from deb.nodesource.com */
	"@yarnpkg.com",      /* yarn */
	"@kubernetes.io",    /* kubeadm, kubelet */
	"@datadoghq.com",    /* datadog-agent */
	"@newrelic.com",     /* newrelic-infra */
	"@percona.com",      /* percona-server */
	"@mariadb.org",      /* MariaDB's own repository */
	"@oracle.com",       /* mysql-community-*, virtualbox */
	"@influxdata.com",   /* influxdb, telegraf */
	"@rabbitmq.com",     /* rabbitmq-server from packagecloud */
	"@sury.org",         /* deb.sury.org php builds */
	"@gitlab.com",       /* gitlab-runner */
	"@adoptium.net",     /* temurin */
	"@azul.com",         /* zulu */
	NULL,
};
/* Maintainers that carry no address. */
static const char *const third_party_names[] = {
	"GitHub", "GitHub CLI", "Docker", "NVIDIA", "Google", NULL,
};

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

static const char *dpkg_repository(const char *maint)
{
	if (!maint || !*maint)
		return "official";
	for (size_t i = 0; official_maint[i]; i++)
		if (contains_ci(maint, official_maint[i]))
			return "official";
	for (size_t i = 0; third_party_maint[i]; i++)
		if (contains_ci(maint, third_party_maint[i]))
			return "third-party";
	/* "Name" or "Name <>" with no address: compare the name itself */
	size_t n = strcspn(maint, "<");
	while (n > 0 && isspace((unsigned char)maint[n - 1]))
		n--;
	for (size_t i = 0; third_party_names[i]; i++)
		if (strlen(third_party_names[i]) == n && strncasecmp(maint, third_party_names[i], n) == 0)
			return "third-party";
	return "official";
}

/* ---- stanzas ---- */

enum field {
	F_PACKAGE,
	F_VERSION,
	F_ARCH,
	F_SOURCE,
	F_MAINTAINER,
	F_STATUS,
	F_DEPENDS,
	F_PREDEPENDS,
	F_PROVIDES,
	F_LICENSE,
	F__COUNT,
};
static const char *const field_names[F__COUNT] = {
	"Package", "Version", "Architecture", "Source", "Maintainer",
	"Status", "Depends", "Pre-Depends", "Provides", "License",
};

struct stanza {
	struct mmr_str f[F__COUNT];
	bool has[F__COUNT];
	/* continuation lines of relation fields, joined */
	char *joined[F__COUNT];
	unsigned long line_start, line_end;
	bool any;
};

struct dpkg_pkg {
	struct mmr_package *p;
	char *depends;  /* Depends + Pre-Depends, raw */
	char *provides; /* raw */
};

struct dpkg_state {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_sbom_analyzer *an;
	const struct mmr_sbom_file *f;
	enum mmr_ecosystem eco;
	struct mmr_sbom_group *g;
	struct mmr_vec pkgs; /* struct dpkg_pkg * */
	struct mmr_error *reterr;
	int err;             /* first error, reported at the end */
	bool full;           /* max-packages reached */
};

static void note_error(struct dpkg_state *st, int err, unsigned long line, const char *what)
{
	if (st->err)
		return;
	st->err = mmr_error_set(st->reterr, err, st->f->path, line, 0, "%s", what);
}

/* Is the package installed according to Status "want flag state"? */
static bool status_installed(struct mmr_str s)
{
	/* up to three words */
	struct mmr_str w[3] = { { 0 } };
	size_t n = 0, i = 0;
	while (i < s.len && n < 3) {
		while (i < s.len && isspace((unsigned char)s.p[i]))
			i++;
		size_t b = i;
		while (i < s.len && !isspace((unsigned char)s.p[i]))
			i++;
		if (i > b)
			w[n++] = (struct mmr_str){ s.p + b, i - b };
	}
	if (n >= 1 && (mmr_str_eqc(w[0], "deinstall") || mmr_str_eqc(w[0], "purge")))
		return false;
	if (n >= 3 && (mmr_str_eqc(w[2], "not-installed") || mmr_str_eqc(w[2], "config-files")))
		return false;
	return true;
}

/* "name (version)" -> name and version slices. */
static void split_source(struct mmr_str s, struct mmr_str *name, struct mmr_str *ver)
{
	s = mmr_str_trim(s);
	size_t i = 0;
	while (i < s.len && !isspace((unsigned char)s.p[i]) && s.p[i] != '(')
		i++;
	*name = (struct mmr_str){ s.p, i };
	*ver = (struct mmr_str){ NULL, 0 };
	struct mmr_str rest = mmr_str_trim((struct mmr_str){ s.p + i, s.len - i });
	if (rest.len >= 2 && rest.p[0] == '(') {
		long close = mmr_str_chr(rest, ')');
		if (close > 0)
			*ver = mmr_str_trim((struct mmr_str){ rest.p + 1, (size_t)close - 1 });
	}
}

static char *field_str(struct dpkg_state *st, const struct stanza *s, enum field k)
{
	if (s->joined[k])
		return s->joined[k];
	return clean_dup(st->ctx->arena, mmr_str_trim(s->f[k]));
}

static int emit(struct dpkg_state *st, struct stanza *s)
{
	struct mmr_arena *a = st->ctx->arena;
	if (!s->any)
		return 0;
	struct mmr_str name = mmr_str_trim(s->f[F_PACKAGE]);
	struct mmr_str ver = mmr_str_trim(s->f[F_VERSION]);
	if (!s->has[F_PACKAGE] || !name.len || !s->has[F_VERSION] || !ver.len)
		return 0; /* empty stanza, virtual package or no version: dropped */
	if (s->has[F_STATUS] && !status_installed(s->f[F_STATUS]))
		return 0;
	struct deb_version dv;
	if (!deb_version_split(ver, &dv)) {
		mmr_sbom_warn(st->ctx, st->f->path, "line %lu: package %.*s: invalid version %.*s",
			      s->line_start, (int)name.len, name.p, (int)ver.len, ver.p);
		return 0;
	}
	if (st->full)
		return 0;
	if (!st->g) {
		st->g = mmr_sbom_group_new(st->ctx, st->an, st->f->path);
		if (!st->g)
			return -ENOMEM;
	}
	char *cname = clean_dup(a, name);
	char *cup = clean_dup(a, dv.upstream);
	char *cver = clean_dup(a, ver);
	if (!cname || !cup || !cver)
		return -ENOMEM;
	struct mmr_package *p = mmr_sbom_package_new(st->ctx, st->g, st->eco, cname, cup);
	if (!p) {
		if (st->ctx->limits && st->g->packages.n >= st->ctx->limits->max_packages) {
			st->full = true;
			note_error(st, E2BIG, s->line_start, "too many packages (limit max-packages)");
			return 0;
		}
		return -ENOMEM;
	}
	p->epoch = dv.epoch;
	p->has_epoch = dv.has_epoch;
	p->release = dv.revision.len ? clean_dup(a, dv.revision) : NULL;
	p->id = mmr_arena_printf(a, "%s@%s", p->name, cver);
	if (s->has[F_ARCH])
		p->arch = field_str(st, s, F_ARCH);
	if (s->has[F_MAINTAINER])
		p->maintainer = field_str(st, s, F_MAINTAINER);
	if (st->eco == MMR_ECO_DPKG)
		p->repository = dpkg_repository(p->maintainer);
	if (s->has[F_LICENSE]) /* opkg has one; dpkg keeps licences in copyright files */
		mmr_sbom_add_license(st->ctx, p, field_str(st, s, F_LICENSE));
	p->line_start = s->line_start;
	p->line_end = s->line_end;

	/* source package */
	struct mmr_str sname = name, sver = ver;
	if (s->has[F_SOURCE]) {
		struct mmr_str n2, v2;
		split_source(s->f[F_SOURCE], &n2, &v2);
		if (n2.len)
			sname = n2;
		if (v2.len)
			sver = v2;
	}
	struct deb_version sv;
	if (!deb_version_split(sver, &sv))
		sv = dv;
	p->src_name = clean_dup(a, sname);
	p->src_version = clean_dup(a, sv.upstream);
	p->src_epoch = sv.epoch;
	p->src_release = sv.revision.len ? clean_dup(a, sv.revision) : NULL;

	struct dpkg_pkg *dp = mmr_arena_alloc(a, sizeof(*dp));
	if (!dp || !p->id || !p->src_name || !p->src_version)
		return -ENOMEM;
	dp->p = p;
	if (s->has[F_DEPENDS] || s->has[F_PREDEPENDS])
		dp->depends = mmr_arena_printf(a, "%s,%s",
					       s->has[F_DEPENDS] ? field_str(st, s, F_DEPENDS) : "",
					       s->has[F_PREDEPENDS] ? field_str(st, s, F_PREDEPENDS) : "");
	if (s->has[F_PROVIDES])
		dp->provides = field_str(st, s, F_PROVIDES);
	return mmr_vec_push(a, &st->pkgs, dp);
}

/* Next package name in a relation list ("a (>= 1), b:any | c"); advances *pp.
 * Returns the length, 0 at the end. */
static size_t next_relation(const char **pp, const char **ret_name)
{
	const char *p = *pp;
	for (;;) {
		while (*p && (isspace((unsigned char)*p) || *p == ',' || *p == '|'))
			p++;
		if (!*p) {
			*pp = p;
			return 0;
		}
		const char *b = p;
		while (*p && !isspace((unsigned char)*p) && !strchr(",|(:[<", *p))
			p++;
		size_t n = (size_t)(p - b);
		/* skip the rest of this alternative: qualifiers, versions, arch lists */
		while (*p && *p != ',' && *p != '|')
			p++;
		if (n) {
			*pp = p;
			*ret_name = b;
			return n;
		}
	}
}

static int resolve_depends(struct dpkg_state *st)
{
	struct mmr_arena *a = st->ctx->arena;
	struct mmr_map byname;
	mmr_map_init(&byname, a);
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct dpkg_pkg *dp = st->pkgs.v[i];
		if (mmr_map_put(&byname, dp->p->name, dp->p) < 0)
			return -ENOMEM;
	}
	/* virtual packages: only where no real package has the name */
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct dpkg_pkg *dp = st->pkgs.v[i];
		const char *q = dp->provides, *n;
		size_t len;
		while (q && (len = next_relation(&q, &n))) {
			char *key = mmr_arena_strndup(a, n, len);
			if (!key)
				return -ENOMEM;
			if (!mmr_map_has(&byname, key) && mmr_map_put(&byname, key, dp->p) < 0)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct dpkg_pkg *dp = st->pkgs.v[i];
		const char *q = dp->depends, *n;
		size_t len;
		while (q && (len = next_relation(&q, &n))) {
			char key[256];
			if (len >= sizeof(key))
				continue;
			memcpy(key, n, len);
			key[len] = 0;
			struct mmr_package *dep = mmr_map_get(&byname, key);
			if (!dep || dep == dp->p)
				continue;
			if (mmr_sbom_add_dep(st->ctx, dp->p, dep->id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static enum field field_of(struct mmr_str k)
{
	for (int i = 0; i < F__COUNT; i++)
		if (k.len == strlen(field_names[i]) && strncasecmp(k.p, field_names[i], k.len) == 0)
			return (enum field)i;
	return F__COUNT;
}

/* Parse deb-control stanzas from data into one group of `an`. */
static int stanzas_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_analyzer *an,
			 enum mmr_ecosystem eco, const struct mmr_sbom_file *f,
			 struct mmr_error *reterr)
{
	struct dpkg_state st = { .ctx = ctx, .an = an, .f = f, .eco = eco, .reterr = reterr };
	struct stanza s = { 0 };
	struct mmr_lines it;
	struct mmr_str line;
	enum field last = F__COUNT; /* field a continuation line belongs to */
	bool last_valid = false;
	uint64_t max_line = ctx->limits ? ctx->limits->max_line : 1u << 20;
	int r = 0;

	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > max_line) {
			note_error(&st, E2BIG, it.lineno, "line too long (limit max-line)");
			last_valid = false;
			continue;
		}
		if (mmr_str_trim(line).len == 0) {
			if ((r = emit(&st, &s)) < 0)
				return r;
			memset(&s, 0, sizeof(s));
			last_valid = false;
			continue;
		}
		if (!s.any)
			s.line_start = it.lineno;
		s.any = true;
		s.line_end = it.lineno;
		if (line.p[0] == ' ' || line.p[0] == '\t') {
			if (!last_valid) {
				note_error(&st, EBADMSG, it.lineno, "continuation line without a field");
				continue;
			}
			/* only relation fields are worth joining; descriptions and
			 * conffiles are skipped */
			if (last == F_DEPENDS || last == F_PREDEPENDS || last == F_PROVIDES) {
				const char *prev = s.joined[last] ? s.joined[last] :
								     mmr_str_dup(ctx->arena, s.f[last]);
				s.joined[last] = mmr_arena_printf(ctx->arena, "%s %.*s",
								  prev ? prev : "", (int)line.len,
								  line.p);
				if (!s.joined[last])
					return -ENOMEM;
			}
			continue;
		}
		long colon = mmr_str_chr(line, ':');
		if (colon <= 0) {
			note_error(&st, EBADMSG, it.lineno, "expected \"Field: value\"");
			last_valid = false;
			continue;
		}
		struct mmr_str k = { line.p, (size_t)colon };
		enum field fk = field_of(k);
		last_valid = true;
		last = fk;
		if (fk == F__COUNT)
			continue;
		if (s.has[fk]) {
			/* a second Package: line means a missing blank line; keep
			 * the first field so a stray line cannot rename a package */
			note_error(&st, EBADMSG, it.lineno, "duplicate field in one stanza");
			last = F__COUNT;
			continue;
		}
		s.has[fk] = true;
		s.f[fk] = mmr_str_trim((struct mmr_str){ line.p + colon + 1, line.len - (size_t)colon - 1 });
	}
	if ((r = emit(&st, &s)) < 0)
		return r;
	if ((r = resolve_depends(&st)) < 0)
		return r;
	return st.err;
}

/* ---- dpkg ---- */

static bool dpkg_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	if (strcmp(path, "var/lib/dpkg/status") == 0)
		return true;
	static const char dir[] = "var/lib/dpkg/status.d/";
	if (strncmp(path, dir, sizeof(dir) - 1) != 0)
		return false;
	const char *base = path + sizeof(dir) - 1;
	return *base && *base != '.' && !strchr(base, '/') && !mmr_cstr_ends(base, ".md5sums");
}

static int dpkg_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	return stanzas_parse(ctx, &mmr_sbom_analyzer_dpkg, MMR_ECO_DPKG, f, reterr);
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_dpkg = {
	.name = "dpkg",
	.class = "os-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = dpkg_match,
	.parse = dpkg_parse,
};

/* ---- opkg ---- */

static bool opkg_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(path, "usr/lib/opkg/status") == 0 || strcmp(path, "var/lib/opkg/status") == 0;
}

static int opkg_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	return stanzas_parse(ctx, &mmr_sbom_analyzer_opkg, MMR_ECO_OPKG, f, reterr);
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_opkg = {
	.name = "opkg",
	.class = "os-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = opkg_match,
	.parse = opkg_parse,
};
