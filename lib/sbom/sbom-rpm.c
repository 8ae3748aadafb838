/* sbom-rpm.c - installed rpm packages, from the rpm database in any of its
 * three formats (chosen by content, not by name):
 *   var/lib/rpm/Packages            BerkeleyDB hash (RHEL <= 8, CentOS, Amazon 2)
 *   var/lib/rpm/Packages.db         NDB (SUSE)
 *   var/lib/rpm/rpmdb.sqlite        SQLite (Fedora >= 33, RHEL 9, Mariner)
 * and the same under usr/lib/sysimage/rpm/.
 *
 * Each stored value is an rpm header blob (sbom-rpm-header.c). Per package:
 * name, version, release, epoch (has_epoch when the tag is present), arch,
 * licence, vendor, packager as maintainer, the source package from
 * SOURCERPM "name-version-release.src.rpm" (source epoch = epoch, as rpm
 * has no separate one), and depends_on from REQUIRENAME resolved against
 * the names and PROVIDENAMEs of the other installed packages.
 * gpg-pubkey pseudo packages (imported signing keys) are skipped.
 *
 * repository: "official" when the vendor is a known distribution vendor,
 * "third-party" for any other vendor (EPEL, Docker, NVIDIA...), NULL when
 * the package has no vendor (some distributions leave it empty).
 *
 * A damaged database gives the packages that could be read plus -EBADMSG;
 * an unreadable header is skipped with a warning. */
#include "sbom/sbom-rpm.h"
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

struct rpm_pkg {
	struct mmr_package *p;
	struct mmr_vec requires, provides; /* char * */
};

struct rpm_state {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_sbom_file *f;
	struct mmr_sbom_group *g;
	struct mmr_vec pkgs; /* struct rpm_pkg * */
	unsigned long bad_headers, blobs;
	bool full;
};

static const char *const official_vendors[] = {
	"Red Hat", "CentOS", "Fedora Project", "Rocky", "AlmaLinux", "Oracle America",
	"Amazon Linux", "Amazon.com", "Amazon Web Services", "SUSE", "openSUSE",
	"Microsoft Corporation", "VMware", "Broadcom", "CloudLinux", "Chainguard", "Wolfi",
	"Photon", "Circle Linux", "Navy Linux", "EuroLinux", "Scientific Linux",
	"Mageia", "openEuler", "Anolis", "Kylin", NULL,
};

static const char *rpm_repository(struct mmr_str vendor)
{
	if (!vendor.len)
		return NULL;
	for (size_t i = 0; official_vendors[i]; i++) {
		size_t n = strlen(official_vendors[i]);
		if (vendor.len >= n && strncasecmp(vendor.p, official_vendors[i], n) == 0)
			return "official";
	}
	return "third-party";
}

/* Bytes of a header string, made safe for reports: invalid UTF-8 and
 * control characters become '?'. */
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

/* "name-version-release.src.rpm" -> name, version, release. */
static bool split_srpm(struct mmr_str s, struct mmr_str *n, struct mmr_str *v, struct mmr_str *r)
{
	if (mmr_str_ends(s, ".src.rpm"))
		s.len -= 8;
	else if (mmr_str_ends(s, ".nosrc.rpm"))
		s.len -= 10;
	else
		return false;
	size_t d2 = s.len;
	while (d2 > 0 && s.p[d2 - 1] != '-')
		d2--;
	if (d2 < 2)
		return false;
	size_t d1 = d2 - 1;
	while (d1 > 0 && s.p[d1 - 1] != '-')
		d1--;
	if (d1 < 2)
		return false;
	*n = (struct mmr_str){ s.p, d1 - 1 };
	*v = (struct mmr_str){ s.p + d1, d2 - 1 - d1 };
	*r = (struct mmr_str){ s.p + d2, s.len - d2 };
	return n->len && v->len && r->len;
}

static int collect_names(struct rpm_state *st, const struct mmr_rpm_header *h, uint32_t tag,
			 struct mmr_vec *out)
{
	struct mmr_rpm_strings it;
	struct mmr_str s;
	if (!mmr_rpm_header_strings(h, tag, &it))
		return 0;
	while (mmr_rpm_header_strings_next(&it, &s)) {
		/* rpmlib(...) and config(...) are not packages; files are fine */
		if (!s.len || mmr_str_starts(s, "rpmlib(") || mmr_str_starts(s, "config("))
			continue;
		char *d = mmr_str_dup(st->ctx->arena, s);
		if (!d || mmr_vec_push(st->ctx->arena, out, d) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int on_blob(void *ud, const uint8_t *blob, size_t len)
{
	struct rpm_state *st = ud;
	struct mmr_sbom_ctx *ctx = st->ctx;
	struct mmr_arena *a = ctx->arena;
	struct mmr_rpm_header h;
	struct mmr_str name, ver, rel, s;

	st->blobs++;
	if (len < 16)
		return 0; /* BDB bookkeeping records (the instance counter) */
	if (mmr_rpm_header_parse(blob, len, &h) < 0 ||
	    !mmr_rpm_header_string(&h, MMR_RPMTAG_NAME, &name) || !name.len ||
	    !mmr_rpm_header_string(&h, MMR_RPMTAG_VERSION, &ver)) {
		if (st->bad_headers++ < 10)
			mmr_sbom_warn(ctx, st->f->path, "rpm: unreadable package header (%zu bytes)",
				      len);
		return 0;
	}
	if (mmr_str_eqc(name, "gpg-pubkey"))
		return 0;
	if (st->full)
		return 0;
	if (!st->g && !(st->g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_rpm, st->f->path)))
		return -ENOMEM;
	char *cn = clean_dup(a, name), *cv = clean_dup(a, ver);
	if (!cn || !cv)
		return -ENOMEM;
	struct mmr_package *p = mmr_sbom_package_new(ctx, st->g, MMR_ECO_RPM, cn, cv);
	if (!p) {
		if (ctx->limits && st->g->packages.n >= ctx->limits->max_packages) {
			st->full = true;
			return 0;
		}
		return -ENOMEM;
	}
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_RELEASE, &rel) && rel.len)
		p->release = clean_dup(a, rel);
	uint32_t epoch;
	if (mmr_rpm_header_u32(&h, MMR_RPMTAG_EPOCH, &epoch)) {
		p->epoch = epoch;
		p->has_epoch = true;
	}
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_ARCH, &s) && s.len)
		p->arch = clean_dup(a, s);
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_LICENSE, &s) && s.len) {
		char *l = clean_dup(a, s);
		if (!l || mmr_sbom_add_license(ctx, p, l) < 0)
			return -ENOMEM;
	}
	struct mmr_str vendor = { "", 0 };
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_VENDOR, &vendor) && vendor.len)
		p->vendor = clean_dup(a, vendor);
	p->repository = rpm_repository(vendor);
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_PACKAGER, &s) && s.len)
		p->maintainer = clean_dup(a, s);
	struct mmr_str sn, sv, sr;
	if (mmr_rpm_header_string(&h, MMR_RPMTAG_SOURCERPM, &s) && split_srpm(s, &sn, &sv, &sr)) {
		p->src_name = clean_dup(a, sn);
		p->src_version = clean_dup(a, sv);
		p->src_release = clean_dup(a, sr);
		p->src_epoch = p->epoch;
	}
	const char *fv = mmr_package_full_version(a, p);
	p->id = fv ? mmr_arena_printf(a, "%s@%s", p->name, fv) : NULL;
	if (!p->id)
		return -ENOMEM;

	struct rpm_pkg *rp = mmr_arena_alloc(a, sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->p = p;
	if (collect_names(st, &h, MMR_RPMTAG_REQUIRENAME, &rp->requires) < 0 ||
	    collect_names(st, &h, MMR_RPMTAG_PROVIDENAME, &rp->provides) < 0)
		return -ENOMEM;
	return mmr_vec_push(a, &st->pkgs, rp);
}

static int resolve_depends(struct rpm_state *st)
{
	struct mmr_arena *a = st->ctx->arena;
	struct mmr_map prov;
	mmr_map_init(&prov, a);
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct rpm_pkg *rp = st->pkgs.v[i];
		if (mmr_map_put(&prov, rp->p->name, rp->p) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct rpm_pkg *rp = st->pkgs.v[i];
		for (size_t k = 0; k < rp->provides.n; k++)
			if (!mmr_map_has(&prov, rp->provides.v[k]) &&
			    mmr_map_put(&prov, rp->provides.v[k], rp->p) < 0)
				return -ENOMEM;
	}
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct rpm_pkg *rp = st->pkgs.v[i];
		for (size_t k = 0; k < rp->requires.n; k++) {
			struct mmr_package *dep = mmr_map_get(&prov, rp->requires.v[k]);
			if (!dep || dep == rp->p)
				continue;
			if (mmr_sbom_add_dep(st->ctx, rp->p, dep->id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool rpm_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	const char *rest;
	if (mmr_cstr_starts(path, "var/lib/rpm/"))
		rest = path + 12;
	else if (mmr_cstr_starts(path, "usr/lib/sysimage/rpm/"))
		rest = path + 21;
	else
		return false;
	return strcmp(rest, "Packages") == 0 || strcmp(rest, "Packages.db") == 0 ||
	       strcmp(rest, "rpmdb.sqlite") == 0;
}

static int rpm_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	struct rpm_state st = { .ctx = ctx, .f = f };
	size_t max_blob = ctx->limits && ctx->limits->max_file_size ?
				  (size_t)ctx->limits->max_file_size :
				  (size_t)MMR_RPM_HEADER_DATA_MAX;
	int r;
	if (mmr_rpm_is_sqlite(f->data, f->len))
		r = mmr_rpm_sqlite_walk(f->data, f->len, on_blob, &st, f->path, reterr);
	else if (mmr_rpm_is_ndb(f->data, f->len))
		r = mmr_rpm_ndb_walk(f->data, f->len, on_blob, &st, f->path, reterr);
	else if (mmr_rpm_is_bdb(f->data, f->len))
		r = mmr_rpm_bdb_walk(f->data, f->len, max_blob, on_blob, &st, f->path, reterr);
	else if (f->len == 0)
		return 0; /* an empty placeholder database */
	else
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     "not an rpm database (BerkeleyDB, NDB or SQLite)");
	if (r == -ENOMEM)
		return r;
	int e = resolve_depends(&st);
	if (e < 0)
		return e;
	if (r >= 0 && st.full)
		r = mmr_error_set(reterr, E2BIG, f->path, 0, 0, "too many packages (limit max-packages)");
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_rpm = {
	.name = "rpm",
	.class = "os-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = rpm_match,
	.parse = rpm_parse,
};
