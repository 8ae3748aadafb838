/* model.c - packages, assets, findings and reports (see model.h). */
#include "model/model.h"
#include "core/core-buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
	const char *id, *purl;
	bool os;
} ecos[] = {
	[MMR_ECO_UNKNOWN] = { "unknown", "generic", false },
#define X(e, id, purl, os) [MMR_ECO_##e] = { id, purl, os },
#include "model/model-ecosystem.def"
#undef X
};

const char *mmr_ecosystem_id(enum mmr_ecosystem e)
{
	return e < MMR_ECO__COUNT ? ecos[e].id : "unknown";
}

const char *mmr_ecosystem_purl_type(enum mmr_ecosystem e)
{
	return e < MMR_ECO__COUNT ? ecos[e].purl : "generic";
}

bool mmr_ecosystem_is_os(enum mmr_ecosystem e)
{
	return e < MMR_ECO__COUNT && ecos[e].os;
}

enum mmr_ecosystem mmr_ecosystem_from_id(const char *id)
{
	for (int e = 1; e < MMR_ECO__COUNT; e++)
		if (strcmp(ecos[e].id, id) == 0)
			return (enum mmr_ecosystem)e;
	return MMR_ECO_UNKNOWN;
}

const char *mmr_package_full_version(struct mmr_arena *a, const struct mmr_package *p)
{
	const char *v = p->version ? p->version : "";
	const char *sep = p->eco == MMR_ECO_DPKG ? "-" : "-";
	if (p->has_epoch && p->epoch && p->release && *p->release)
		return mmr_arena_printf(a, "%u:%s%s%s", p->epoch, v, sep, p->release);
	if (p->has_epoch && p->epoch)
		return mmr_arena_printf(a, "%u:%s", p->epoch, v);
	if (p->release && *p->release)
		return mmr_arena_printf(a, "%s%s%s", v, sep, p->release);
	return v;
}

/* purl percent-encoding: keep unreserved characters (and ':' in versions). */
static void purl_enc(struct mmr_buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || (keep && strchr(keep, c)))
			mmr_buf_addc(b, (char)c);
		else {
			mmr_buf_addc(b, '%');
			mmr_buf_addc(b, hex[c >> 4]);
			mmr_buf_addc(b, hex[c & 15]);
		}
	}
}

static char *pypi_norm(struct mmr_arena *a, const char *n)
{
	char *d = mmr_arena_strdup(a, n);
	for (char *p = d; p && *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (*p == '_' || *p == '.')
			*p = '-';
	}
	return d;
}

int mmr_package_finish(struct mmr_arena *a, struct mmr_package *p, const struct mmr_os *os)
{
	const char *distro = NULL;
	if (os && os->name && *os->name)
		distro = os->version && *os->version ?
				 mmr_arena_printf(a, "%s-%s", os->name, os->version) :
				 os->name;
	if (!p->version)
		p->version = "";
	if (!p->id) {
		const char *fv = mmr_package_full_version(a, p);
		p->id = *fv ? mmr_arena_printf(a, "%s@%s", p->name, fv) : p->name;
		if (!p->id)
			return -ENOMEM;
	}
	if (p->purl)
		return 0;
	struct mmr_buf b;
	mmr_buf_init(&b, 64 * 1024);
	mmr_buf_addf(&b, "pkg:%s/", mmr_ecosystem_purl_type(p->eco));
	const char *name = p->name;
	switch (p->eco) {
	case MMR_ECO_DPKG:
	case MMR_ECO_APK:
	case MMR_ECO_RPM:
	case MMR_ECO_OPKG: {
		if (os && os->name && *os->name) {
			char *ns = mmr_arena_strdup(a, os->name);
			for (char *c = ns; c && *c; c++)
				*c = (char)tolower((unsigned char)*c);
			purl_enc(&b, ns ? ns : "", NULL);
			mmr_buf_addc(&b, '/');
		}
		purl_enc(&b, name, "+");
		break;
	}
	case MMR_ECO_NPM:
		if (name[0] == '@' && strchr(name, '/')) {
			const char *sl = strchr(name, '/');
			char *ns = mmr_arena_strndup(a, name, (size_t)(sl - name));
			purl_enc(&b, ns ? ns : "", NULL);
			mmr_buf_addc(&b, '/');
			purl_enc(&b, sl + 1, NULL);
		} else {
			purl_enc(&b, name, NULL);
		}
		break;
	case MMR_ECO_MAVEN: {
		const char *c = strchr(name, ':');
		if (c) {
			char *ns = mmr_arena_strndup(a, name, (size_t)(c - name));
			purl_enc(&b, ns ? ns : "", NULL);
			mmr_buf_addc(&b, '/');
			purl_enc(&b, c + 1, NULL);
		} else {
			purl_enc(&b, name, NULL);
		}
		break;
	}
	case MMR_ECO_GO:
	case MMR_ECO_COMPOSER:
		purl_enc(&b, name, "/");
		break;
	case MMR_ECO_PYPI:
		purl_enc(&b, pypi_norm(a, name), NULL);
		break;
	default:
		purl_enc(&b, name, NULL);
		break;
	}
	if (p->version && *p->version) {
		mmr_buf_addc(&b, '@');
		const char *v = mmr_ecosystem_is_os(p->eco) ?
					(p->release && *p->release ?
						 mmr_arena_printf(a, "%s-%s", p->version, p->release) :
						 p->version) :
					p->version;
		purl_enc(&b, v ? v : "", ":+");
	}
	if (mmr_ecosystem_is_os(p->eco)) {
		char sep = '?';
		if (p->arch && *p->arch) {
			mmr_buf_addf(&b, "%carch=", sep);
			purl_enc(&b, p->arch, NULL);
			sep = '&';
		}
		if (distro && *distro) {
			mmr_buf_addf(&b, "%cdistro=", sep);
			purl_enc(&b, distro, NULL);
			sep = '&';
		}
		if (p->has_epoch && p->epoch)
			mmr_buf_addf(&b, "%cepoch=%u", sep, p->epoch);
	}
	p->purl = mmr_arena_strndup(a, b.p, b.len);
	mmr_buf_release(&b);
	return p->purl ? 0 : -ENOMEM;
}

const char *mmr_asset_kind_name(enum mmr_asset_kind k)
{
	static const char *n[] = { "image", "rootfs", "filesystem", "host" };
	return k <= MMR_ASSET_HOST ? n[k] : "unknown";
}

static const char *const sev_names[] = { "UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *mmr_severity_name(enum mmr_severity s)
{
	return s <= MMR_SEV_CRITICAL ? sev_names[s] : "UNKNOWN";
}

enum mmr_severity mmr_severity_from_name(const char *s)
{
	for (int i = 0; i <= MMR_SEV_CRITICAL; i++)
		if (strcasecmp(s, sev_names[i]) == 0)
			return (enum mmr_severity)i;
	return MMR_SEV_UNKNOWN;
}

const char *mmr_finding_kind_name(enum mmr_finding_kind k)
{
	static const char *n[] = { "vulnerability", "misconfiguration", "secret", "malware",
				   "runtime", "entitlement", "waf" };
	return k <= MMR_FINDING_WAF ? n[k] : "unknown";
}

struct mmr_report *mmr_report_new(void)
{
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return NULL;
	struct mmr_report *r = mmr_arena_alloc(a, sizeof(*r));
	if (!r) {
		mmr_arena_free(a);
		return NULL;
	}
	r->arena = a;
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->created = mmr_arena_strdup(a, ts);
	return r;
}

void mmr_report_free(struct mmr_report *r)
{
	if (r)
		mmr_arena_free(r->arena);
}

struct mmr_result *mmr_report_result(struct mmr_report *r, const char *target, const char *class,
				     const char *type)
{
	for (size_t i = 0; i < r->results.n; i++) {
		struct mmr_result *x = r->results.v[i];
		if (strcmp(x->target, target) == 0 && strcmp(x->type, type) == 0)
			return x;
	}
	struct mmr_result *x = mmr_arena_alloc(r->arena, sizeof(*x));
	if (!x)
		return NULL;
	x->target = mmr_arena_strdup(r->arena, target);
	x->class = mmr_arena_strdup(r->arena, class);
	x->type = mmr_arena_strdup(r->arena, type);
	if (!x->target || !x->class || !x->type || mmr_vec_push(r->arena, &r->results, x) < 0)
		return NULL;
	return x;
}

int mmr_report_diag(struct mmr_report *r, const char *where, const char *fmt, ...)
{
	struct mmr_diag *d = mmr_arena_alloc(r->arena, sizeof(*d));
	if (!d)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	d->message = mmr_arena_vprintf(r->arena, fmt, ap);
	va_end(ap);
	d->where = mmr_arena_strdup(r->arena, where ? where : "");
	return mmr_vec_push(r->arena, &r->diags, d);
}

size_t mmr_report_package_count(const struct mmr_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->results.n; i++)
		n += ((struct mmr_result *)r->results.v[i])->packages.n;
	return n;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct mmr_package *x = *(void *const *)a, *y = *(void *const *)b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	c = strcmp(x->version, y->version);
	if (c)
		return c;
	c = strcmp(x->file ? x->file : "", y->file ? y->file : "");
	return c;
}

static int cmp_result(const void *a, const void *b)
{
	const struct mmr_result *x = *(void *const *)a, *y = *(void *const *)b;
	int xo = strcmp(x->class, "os-pkgs") == 0, yo = strcmp(y->class, "os-pkgs") == 0;
	if (xo != yo)
		return yo - xo;
	int c = strcmp(x->target, y->target);
	return c ? c : strcmp(x->type, y->type);
}

void mmr_report_sort(struct mmr_report *r)
{
	if (r->results.n)
		qsort(r->results.v, r->results.n, sizeof(void *), cmp_result);
	for (size_t i = 0; i < r->results.n; i++) {
		struct mmr_result *x = r->results.v[i];
		if (x->packages.n)
			qsort(x->packages.v, x->packages.n, sizeof(void *), cmp_pkg);
	}
}
