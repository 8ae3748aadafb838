/* vulndb-ecosystem.c - which advisory namespace, name, version and version
 * scheme a package is looked up with (docs/internals/vulndb.md, "Names").
 *
 *   distributions  by the asset's OS: debian:<major>, ubuntu:<YY.MM>,
 *                  alpine:<major.minor>, redhat:<major> (RHEL, CentOS,
 *                  Rocky, Alma); keyed by SOURCE package, compared with
 *                  the full version (epoch:version-release);
 *   languages      OSV's ecosystem names, with the ecosystem's canonical
 *                  package name (PyPI: PEP 503; Maven: group:artifact). */
#include "vulndb/vulndb-match.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

char *mmr_vulndb_pep503(struct mmr_arena *a, const char *name)
{
	size_t n = strlen(name);
	char *out = mmr_arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	bool sep = false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			sep = true;
			continue;
		}
		if (sep && o)
			out[o++] = '-';
		sep = false;
		out[o++] = (char)tolower((unsigned char)c);
	}
	out[o] = 0;
	return out;
}

/* Debian releases by codename, for os-release files without VERSION_ID
 * (testing images) */
static const struct {
	const char *codename, *version;
} debian_codenames[] = {
	{ "buster", "10" }, { "bullseye", "11" }, { "bookworm", "12" }, { "trixie", "13" },
	{ "stretch", "9" }, { "jessie", "8" },
};

/* The leading `parts` dot-separated numeric components of v ("3.11.5", 2
 * -> "3.11"); NULL when v does not start with that many numbers. */
static const char *leading_parts(struct mmr_arena *a, const char *v, int parts)
{
	const char *p = v;
	for (int i = 0; i < parts; i++) {
		if (!isdigit((unsigned char)*p))
			return NULL;
		while (isdigit((unsigned char)*p))
			p++;
		if (i + 1 < parts) {
			if (*p != '.')
				return NULL;
			p++;
		}
	}
	return mmr_arena_strndup(a, v, (size_t)(p - v));
}

static bool is_one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* The namespace of the asset's OS for this package type, or NULL. */
static const char *os_namespace(struct mmr_arena *a, const struct mmr_os *os, enum mmr_ecosystem eco)
{
	if (!os || (!os->family && !os->name))
		return NULL;
	static const char *const redhat_like[] = { "rhel", "centos", "rocky", "almalinux", "alma",
						   "redhat", NULL };
	const char *id = os->name ? os->name : os->family;
	const char *fam = os->family ? os->family : os->name;
	const char *ver = os->version;
	if (eco == MMR_ECO_DPKG && (strcmp(id, "debian") == 0 || (strcmp(fam, "debian") == 0 &&
								     strcmp(id, "ubuntu") != 0))) {
		if (strcmp(id, "debian") != 0)
			return NULL; /* a derivative: Debian's data does not describe it */
		const char *major = ver ? leading_parts(a, ver, 1) : NULL;
		for (size_t i = 0; !major && os->codename && i < sizeof(debian_codenames) /
									sizeof(debian_codenames[0]);
		     i++)
			if (strcmp(os->codename, debian_codenames[i].codename) == 0)
				major = debian_codenames[i].version;
		return major ? mmr_arena_printf(a, "debian:%s", major) : NULL;
	}
	if (eco == MMR_ECO_DPKG && strcmp(id, "ubuntu") == 0) {
		const char *v = ver ? leading_parts(a, ver, 2) : NULL;
		return v ? mmr_arena_printf(a, "ubuntu:%s", v) : NULL;
	}
	if (eco == MMR_ECO_APK && strcmp(id, "alpine") == 0) {
		const char *v = ver ? leading_parts(a, ver, 2) : NULL;
		return v ? mmr_arena_printf(a, "alpine:%s", v) : NULL;
	}
	if (eco == MMR_ECO_RPM && (is_one_of(id, redhat_like) || (strcmp(fam, "rhel") == 0 &&
								    !strcmp(id, fam)))) {
		const char *v = ver ? leading_parts(a, ver, 1) : NULL;
		return v ? mmr_arena_printf(a, "redhat:%s", v) : NULL;
	}
	return NULL;
}

/* Full source version for the distro comparison: epoch:version-release of
 * the source package when the analyzer recorded it, else of the binary. */
static const char *distro_version(struct mmr_arena *a, const struct mmr_package *p)
{
	if (p->src_version && *p->src_version) {
		struct mmr_package s = { .version = p->src_version,
					 .epoch = p->src_epoch,
					 .has_epoch = p->src_epoch != 0,
					 .release = p->src_release,
					 .eco = p->eco };
		return mmr_package_full_version(a, &s);
	}
	return mmr_package_full_version(a, p);
}

int mmr_vulndb_pkg_target(struct mmr_arena *a, const struct mmr_os *os, const struct mmr_package *p,
			  struct mmr_vuln_target *ret)
{
	if (!a || !p || !ret)
		return -EINVAL;
	if (!p->name || !*p->name || !p->version || !*p->version)
		return -ENOENT;
	struct mmr_vuln_target t = { .package = p->name, .version = p->version };
	switch (p->eco) {
	case MMR_ECO_DPKG:
	case MMR_ECO_APK:
	case MMR_ECO_RPM:
		t.ecosystem = os_namespace(a, os, p->eco);
		if (!t.ecosystem)
			return -ENOENT;
		t.os = true;
		t.scheme = p->eco == MMR_ECO_DPKG ? "dpkg" : p->eco == MMR_ECO_APK ? "apk" : "rpm";
		if (p->src_name && *p->src_name)
			t.package = p->src_name;
		t.version = distro_version(a, p);
		break;
	case MMR_ECO_NPM:
		t.ecosystem = "npm";
		t.scheme = "npm";
		break;
	case MMR_ECO_PYPI:
		t.ecosystem = "PyPI";
		t.scheme = "pep440";
		t.package = mmr_vulndb_pep503(a, p->name);
		break;
	case MMR_ECO_GO:
		t.ecosystem = "Go";
		t.scheme = "go";
		if (strcmp(p->name, "stdlib") == 0 || strcmp(p->name, "go") == 0 ||
		    strcmp(p->name, "toolchain") == 0) {
			/* OSV's Go DB names the standard library "stdlib", versions
			 * without "go"/"v": go1.21 -> 1.21.0 */
			const char *v = p->version;
			if (strncmp(v, "go", 2) == 0)
				v += 2;
			else if (*v == 'v')
				v++;
			int dots = 0;
			for (const char *q = v; *q && *q != '-'; q++)
				dots += *q == '.';
			t.package = "stdlib";
			t.version = dots == 1 ? mmr_arena_printf(a, "%s.0", v) : v;
		}
		break;
	case MMR_ECO_CARGO:
		t.ecosystem = "crates.io";
		t.scheme = "cargo";
		break;
	case MMR_ECO_MAVEN:
		t.ecosystem = "Maven";
		t.scheme = "maven";
		/* analyzers name Maven packages "group:artifact" already; a
		 * bare artifact has no Maven identity we could look up */
		if (!strchr(p->name, ':'))
			return -ENOENT;
		break;
	case MMR_ECO_GEM:
		t.ecosystem = "RubyGems";
		t.scheme = "gem";
		break;
	case MMR_ECO_COMPOSER:
		t.ecosystem = "Packagist";
		t.scheme = "composer";
		break;
	case MMR_ECO_NUGET:
		t.ecosystem = "NuGet";
		t.scheme = "nuget";
		break;
	default:
		return -ENOENT;
	}
	if (!t.package || !t.version)
		return -ENOMEM;
	*ret = t;
	return 0;
}

enum mmr_severity mmr_vulndb_severity_from_rating(const char *rating)
{
	static const struct {
		const char *name;
		enum mmr_severity sev;
	} tab[] = {
		{ "critical", MMR_SEV_CRITICAL },   { "high", MMR_SEV_HIGH },
		{ "important", MMR_SEV_HIGH },      { "medium", MMR_SEV_MEDIUM },
		{ "moderate", MMR_SEV_MEDIUM },     { "low", MMR_SEV_LOW },
		{ "negligible", MMR_SEV_LOW },      { "unimportant", MMR_SEV_LOW },
	};
	if (!rating)
		return MMR_SEV_UNKNOWN;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcasecmp(rating, tab[i].name) == 0)
			return tab[i].sev;
	return MMR_SEV_UNKNOWN;
}
