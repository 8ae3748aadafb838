/* test-report-sbom.c - CycloneDX 1.6 and SPDX 2.3 writers on a report built
 * by hand: key fields, licence mapping, unique bom-refs/SPDXIDs, dependency
 * edges, escaping, write errors. (Schema validation of real scans:
 * tests/cli/test_sbom_formats.py.) */
#include "test-util.h"

#include "core/core-buf.h"
#include "core/core-json.h"
#include "report/report-spdx.h"
#include "report/report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version, const char *lic,
			       const char *distro)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	assert_non_null(p);
	p->eco = eco;
	p->name = mmr_arena_strdup(r->arena, name);
	p->version = version;
	if (lic)
		assert_int_equal(mmr_vec_push(r->arena, &p->licenses, (void *)lic), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	(void)distro;
	return p;
}

static void finish(struct mmr_report *r, struct mmr_package *p, const char *distro)
{
	/* "debian-12" -> the OS debian, version 12 */
	struct mmr_os os = { 0 };
	if (distro) {
		const char *dash = strchr(distro, '-');
		os.name = dash ? mmr_arena_strndup(r->arena, distro, (size_t)(dash - distro)) : distro;
		os.version = dash ? dash + 1 : NULL;
	}
	assert_int_equal(mmr_package_finish(r->arena, p, distro ? &os : NULL), 0);
}

#define DIFF1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIFF2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define IMGID "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* An image with a Debian OS, two npm lockfiles sharing a package, a pom,
 * odd names. */
static struct mmr_report *sample(void)
{
	struct mmr_report *r = mmr_report_new();
	assert_non_null(r);
	struct mmr_arena *a = r->arena;
	r->tool_version = "9.9.9";
	r->created = "2024-05-06T07:08:09Z";
	struct mmr_asset *as = &r->asset;
	as->kind = MMR_ASSET_IMAGE;
	as->name = "registry.example/app:1.0";
	as->image_id = IMGID;
	mmr_vec_push(a, &as->repo_tags, (void *)"registry.example/app:1.0");
	mmr_vec_push(a, &as->repo_digests,
		     (void *)"registry.example/app@sha256:dddddddddddddddddddddddddddddddd"
			     "dddddddddddddddddddddddddddddddd");
	struct mmr_layer *l1 = mmr_arena_alloc(a, sizeof(*l1)), *l2 = mmr_arena_alloc(a, sizeof(*l2));
	l1->diff_id = DIFF1;
	l2->diff_id = DIFF2;
	mmr_vec_push(a, &as->layers, l1);
	mmr_vec_push(a, &as->layers, l2);
	as->os.family = "debian";
	as->os.name = "debian";
	as->os.version = "12";

	struct mmr_result *os = mmr_report_result(r, "debian 12", "os-pkgs", "dpkg");
	struct mmr_package *bash =
		pkg(r, os, MMR_ECO_DPKG, "bash", "5.2.15", "GPL-3.0-or-later", NULL);
	bash->release = "2+b2";
	bash->arch = "amd64";
	bash->src_name = "bash";
	bash->src_version = "5.2.15";
	bash->src_release = "2";
	bash->layer = DIFF1;
	bash->maintainer = "Matthias Klose <doko@debian.org>";
	bash->file = "var/lib/dpkg/status";
	struct mmr_package *foo = pkg(r, os, MMR_ECO_DPKG, "libfoo", "2.0", "GPL-2+", NULL);
	mmr_vec_push(a, &foo->licenses, (void *)"bsd-3-clause");
	foo->has_epoch = true;
	foo->epoch = 1;
	foo->release = "3";
	foo->layer = DIFF2;
	finish(r, foo, "debian-12");
	mmr_vec_push(a, &bash->depends_on, (void *)foo->id);
	finish(r, bash, "debian-12");

	struct mmr_result *npm = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *babel = pkg(r, npm, MMR_ECO_NPM, "@babel/core", "7.0.0", "MIT", NULL);
	babel->relation = MMR_DEP_DIRECT;
	babel->file = "app/package-lock.json";
	struct mmr_package *lodash =
		pkg(r, npm, MMR_ECO_NPM, "lodash", "4.17.21", "MIT or apache-2.0", NULL);
	lodash->relation = MMR_DEP_INDIRECT;
	lodash->file = "app/package-lock.json";
	lodash->dev = true;
	finish(r, lodash, NULL);
	mmr_vec_push(a, &babel->depends_on, (void *)lodash->id);
	mmr_vec_push(a, &babel->depends_on, (void *)lodash->id); /* duplicate edge */
	mmr_vec_push(a, &babel->depends_on, (void *)"missing@1.0.0"); /* unresolved */
	finish(r, babel, NULL);
	struct mmr_package *odd = pkg(r, npm, MMR_ECO_NPM, "odd\"name<>&\\\x01\xc3\xa9", "1.0.0",
				      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e License", NULL);
	odd->relation = MMR_DEP_DIRECT;
	finish(r, odd, NULL);
	struct mmr_package *bad = pkg(r, npm, MMR_ECO_NPM, "bad\xff\xfe", "1.0.0", NULL, NULL);
	bad->relation = MMR_DEP_DIRECT;
	finish(r, bad, NULL);

	struct mmr_result *npm2 =
		mmr_report_result(r, "other/package-lock.json", "lang-pkgs", "npm");
	struct mmr_package *lodash2 = pkg(r, npm2, MMR_ECO_NPM, "lodash", "4.17.21", "MIT", NULL);
	lodash2->file = "other/package-lock.json";
	finish(r, lodash2, NULL);

	struct mmr_result *mvn = mmr_report_result(r, "pom.xml", "lang-pkgs", "maven");
	struct mmr_package *cl = pkg(r, mvn, MMR_ECO_MAVEN, "org.apache.commons:commons-lang3",
				     "3.12.0", "Apache-2.0", NULL);
	finish(r, cl, NULL);
	return r;
}

typedef int (*writer_fn)(const struct mmr_report *, FILE *, const struct mmr_report_opts *);

static json_t *render(const struct mmr_report *r, writer_fn fn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct mmr_report_opts o = { 0 };
	assert_int_equal(fn(r, f, &o), 0);
	fclose(f);
	json_error_t e;
	json_t *j = json_loadb(buf, len, 0, &e);
	if (!j)
		print_error("bad JSON: %s at %d: %.300s\n", e.text, e.line, buf);
	assert_non_null(j);
	free(buf);
	return j;
}

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));
		if (s && strcmp(s, val) == 0)
			return v;
	}
	return NULL;
}

static const char *prop_value(json_t *comp, const char *name)
{
	json_t *p = find_by(json_object_get(comp, "properties"), "name", name);
	return p ? json_string_value(json_object_get(p, "value")) : NULL;
}

static bool arr_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
		return true;
	return false;
}

static void check_uuid(const char *u)
{
	assert_int_equal(strlen(u), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", u[i]));
	}
	assert_int_equal(u[14], '4');
	assert_non_null(strchr("89ab", u[19]));
}

/* ---- CycloneDX ---------------------------------------------------------- */

static void test_cdx_fields(void **state)
{
	struct mmr_report *r = sample();
	json_t *j = render(r, mmr_report_write_cyclonedx);
	assert_string_equal(mmr_json_str(j, "bomFormat"), "CycloneDX");
	assert_string_equal(mmr_json_str(j, "specVersion"), "1.6");
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	const char *sn = mmr_json_str(j, "serialNumber");
	assert_non_null(sn);
	assert_memory_equal(sn, "urn:uuid:", 9);
	check_uuid(sn + 9);
	json_t *meta = mmr_json_obj(j, "metadata");
	assert_string_equal(mmr_json_str(meta, "timestamp"), "2024-05-06T07:08:09Z");
	json_t *tool = json_array_get(mmr_json_arr(mmr_json_obj(meta, "tools"), "components"), 0);
	assert_string_equal(mmr_json_str(tool, "name"), "mamori");
	assert_string_equal(mmr_json_str(tool, "version"), "9.9.9");
	assert_string_equal(mmr_json_str(tool, "type"), "application");
	json_t *mc = mmr_json_obj(meta, "component");
	assert_string_equal(mmr_json_str(mc, "type"), "container");
	assert_string_equal(mmr_json_str(mc, "name"), "registry.example/app:1.0");
	assert_string_equal(mmr_json_str(mc, "version"), IMGID);
	assert_string_equal(prop_value(mc, "mamori:image:repo_tag"), "registry.example/app:1.0");
	assert_non_null(strstr(mmr_json_str(mc, "purl"), "pkg:oci/app@sha256%3Addd"));

	json_t *comps = mmr_json_arr(j, "components");
	json_t *bash = find_by(comps, "name", "bash");
	assert_non_null(bash);
	assert_string_equal(mmr_json_str(bash, "type"), "library");
	assert_string_equal(mmr_json_str(bash, "version"), "5.2.15-2+b2");
	assert_string_equal(mmr_json_str(bash, "purl"),
			    "pkg:deb/debian/bash@5.2.15-2+b2?arch=amd64&distro=debian-12");
	assert_string_equal(mmr_json_str(bash, "bom-ref"), mmr_json_str(bash, "purl"));
	json_t *lic = json_array_get(mmr_json_arr(bash, "licenses"), 0);
	assert_string_equal(mmr_json_str(mmr_json_obj(lic, "license"), "id"), "GPL-3.0-or-later");
	assert_string_equal(prop_value(bash, "mamori:layer:diff_id"), DIFF1);
	assert_string_equal(prop_value(bash, "mamori:package:src_name"), "bash");
	assert_string_equal(prop_value(bash, "mamori:package:file"), "var/lib/dpkg/status");
	assert_string_equal(mmr_json_str(mmr_json_obj(bash, "supplier"), "name"),
			    "Matthias Klose <doko@debian.org>");

	json_t *foo = find_by(comps, "name", "libfoo");
	assert_string_equal(mmr_json_str(foo, "version"), "1:2.0-3");
	json_t *fl = mmr_json_arr(foo, "licenses");
	assert_int_equal(json_array_size(fl), 2);
	assert_string_equal(mmr_json_str(mmr_json_obj(json_array_get(fl, 0), "license"), "name"),
			    "GPL-2+");
	assert_string_equal(mmr_json_str(mmr_json_obj(json_array_get(fl, 1), "license"), "id"),
			    "BSD-3-Clause");

	json_t *babel = find_by(comps, "name", "core");
	assert_non_null(babel);
	assert_string_equal(mmr_json_str(babel, "group"), "@babel");
	json_t *cl = find_by(comps, "name", "commons-lang3");
	assert_non_null(cl);
	assert_string_equal(mmr_json_str(cl, "group"), "org.apache.commons");
	assert_string_equal(mmr_json_str(cl, "version"), "3.12.0");

	json_t *lo = find_by(comps, "bom-ref", "pkg:npm/lodash@4.17.21");
	assert_non_null(lo);
	assert_string_equal(mmr_json_str(json_array_get(mmr_json_arr(lo, "licenses"), 0),
					 "expression"),
			    "MIT OR Apache-2.0");
	assert_string_equal(prop_value(lo, "mamori:package:dev"), "true");
	assert_string_equal(prop_value(lo, "mamori:package:relation"), "indirect");

	/* OS and lockfiles are components of their own */
	json_t *osc = find_by(comps, "type", "operating-system");
	assert_string_equal(mmr_json_str(osc, "name"), "debian");
	assert_string_equal(mmr_json_str(osc, "version"), "12");
	json_decref(j);
	mmr_report_free(r);
}

static void test_cdx_refs_and_deps(void **state)
{
	struct mmr_report *r = sample();
	json_t *j = render(r, mmr_report_write_cyclonedx);
	json_t *comps = mmr_json_arr(j, "components");
	/* every bom-ref unique (metadata.component included) */
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_map seen;
	mmr_map_init(&seen, a);
	const char *root = mmr_json_str(mmr_json_obj(mmr_json_obj(j, "metadata"), "component"),
					"bom-ref");
	mmr_map_put(&seen, root, (void *)1);
	size_t i, nlodash = 0;
	json_t *c;
	const char *lodash_refs[2] = { 0 };
	json_array_foreach(comps, i, c)
	{
		const char *ref = mmr_json_str(c, "bom-ref");
		assert_non_null(ref);
		assert_false(mmr_map_has(&seen, ref));
		mmr_map_put(&seen, ref, (void *)1);
		if (strcmp(mmr_json_str(c, "name"), "lodash") == 0) {
			assert_true(nlodash < 2);
			lodash_refs[nlodash++] = ref;
		}
	}
	assert_int_equal(nlodash, 2);
	/* the first keeps the purl, the second gets a package-id qualifier */
	assert_string_equal(lodash_refs[0], "pkg:npm/lodash@4.17.21");
	assert_memory_equal(lodash_refs[1], "pkg:npm/lodash@4.17.21?package-id=", 34);
	assert_int_equal(strlen(lodash_refs[1]), 34 + 16);

	/* dependencies: every ref known; one entry per component plus the root */
	json_t *deps = mmr_json_arr(j, "dependencies");
	assert_int_equal(json_array_size(deps), json_array_size(comps) + 1);
	json_t *d;
	json_array_foreach(deps, i, d)
	{
		assert_true(mmr_map_has(&seen, mmr_json_str(d, "ref")));
		size_t k;
		json_t *x;
		json_array_foreach(mmr_json_arr(d, "dependsOn"), k, x)
			assert_true(mmr_map_has(&seen, json_string_value(x)));
	}
	/* root -> OS component and each lockfile component */
	json_t *rd = find_by(deps, "ref", root);
	assert_non_null(rd);
	json_t *ron = mmr_json_arr(rd, "dependsOn");
	assert_int_equal(json_array_size(ron), 4);
	assert_true(arr_has(ron, "mamori:result:dpkg:debian 12"));
	assert_true(arr_has(ron, "mamori:result:npm:app/package-lock.json"));
	/* lockfile -> direct packages only */
	json_t *app = mmr_json_arr(find_by(deps, "ref", "mamori:result:npm:app/package-lock.json"),
				   "dependsOn");
	json_t *babel = find_by(comps, "name", "core");
	assert_true(arr_has(app, mmr_json_str(babel, "bom-ref")));
	assert_false(arr_has(app, "pkg:npm/lodash@4.17.21"));
	assert_int_equal(json_array_size(app), 3);
	/* @babel/core -> the lodash of its own lockfile, once; unresolved dropped */
	json_t *bon = mmr_json_arr(find_by(deps, "ref", mmr_json_str(babel, "bom-ref")), "dependsOn");
	assert_int_equal(json_array_size(bon), 1);
	assert_string_equal(json_string_value(json_array_get(bon, 0)), "pkg:npm/lodash@4.17.21");
	/* OS: bash -> libfoo; the OS component -> bash only (libfoo is depended on) */
	json_t *bash = find_by(comps, "name", "bash");
	json_t *foo = find_by(comps, "name", "libfoo");
	json_t *bd = mmr_json_arr(find_by(deps, "ref", mmr_json_str(bash, "bom-ref")), "dependsOn");
	assert_int_equal(json_array_size(bd), 1);
	assert_true(arr_has(bd, mmr_json_str(foo, "bom-ref")));
	json_t *od = mmr_json_arr(find_by(deps, "ref", "mamori:result:dpkg:debian 12"), "dependsOn");
	assert_int_equal(json_array_size(od), 1);
	assert_true(arr_has(od, mmr_json_str(bash, "bom-ref")));
	mmr_arena_free(a);
	json_decref(j);
	mmr_report_free(r);
}

static void test_cdx_escaping(void **state)
{
	struct mmr_report *r = sample();
	json_t *j = render(r, mmr_report_write_cyclonedx);
	json_t *comps = mmr_json_arr(j, "components");
	json_t *odd = find_by(comps, "name", "odd\"name<>&\\\x01\xc3\xa9");
	assert_non_null(odd);
	/* a licence that is not an SPDX id stays a name, UTF-8 intact */
	json_t *l = mmr_json_obj(json_array_get(mmr_json_arr(odd, "licenses"), 0), "license");
	assert_string_equal(mmr_json_str(l, "name"), "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e License");
	/* invalid UTF-8 becomes U+FFFD, the document stays valid */
	assert_non_null(find_by(comps, "name", "bad\xef\xbf\xbd\xef\xbf\xbd"));
	json_decref(j);
	mmr_report_free(r);
}

/* rootfs: metadata.component is the OS itself; OS packages hang off it. */
static void test_cdx_rootfs(void **state)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_ROOTFS;
	r->asset.name = "/mnt/root";
	r->asset.os.family = "alpine";
	r->asset.os.name = "alpine";
	r->asset.os.version = "3.19.1";
	struct mmr_result *os = mmr_report_result(r, "alpine 3.19.1", "os-pkgs", "apk");
	struct mmr_package *p = pkg(r, os, MMR_ECO_APK, "musl", "1.2.4-r2", "MIT", NULL);
	finish(r, p, "alpine-3.19.1");
	json_t *j = render(r, mmr_report_write_cyclonedx);
	json_t *mc = mmr_json_obj(mmr_json_obj(j, "metadata"), "component");
	assert_string_equal(mmr_json_str(mc, "type"), "operating-system");
	assert_string_equal(mmr_json_str(mc, "name"), "alpine");
	assert_string_equal(mmr_json_str(mc, "version"), "3.19.1");
	assert_string_equal(prop_value(mc, "mamori:asset:path"), "/mnt/root");
	json_t *comps = mmr_json_arr(j, "components");
	assert_int_equal(json_array_size(comps), 1);
	json_t *rd = json_array_get(mmr_json_arr(j, "dependencies"), 0);
	assert_string_equal(mmr_json_str(rd, "ref"), mmr_json_str(mc, "bom-ref"));
	assert_true(arr_has(mmr_json_arr(rd, "dependsOn"),
			    mmr_json_str(json_array_get(comps, 0), "bom-ref")));
	json_decref(j);
	mmr_report_free(r);
}

/* ---- SPDX --------------------------------------------------------------- */

static json_t *spdx_pkg(json_t *doc, const char *name)
{
	return find_by(mmr_json_arr(doc, "packages"), "name", name);
}

static bool has_rel(json_t *doc, const char *from, const char *type, const char *to)
{
	size_t i;
	json_t *x;
	json_array_foreach(mmr_json_arr(doc, "relationships"), i, x)
	{
		if (strcmp(mmr_json_str(x, "spdxElementId"), from) == 0 &&
		    strcmp(mmr_json_str(x, "relationshipType"), type) == 0 &&
		    strcmp(mmr_json_str(x, "relatedSpdxElement"), to) == 0)
			return true;
	}
	return false;
}

static void test_spdx_fields(void **state)
{
	struct mmr_report *r = sample();
	json_t *j = render(r, mmr_report_write_spdx);
	assert_string_equal(mmr_json_str(j, "spdxVersion"), "SPDX-2.3");
	assert_string_equal(mmr_json_str(j, "dataLicense"), "CC0-1.0");
	assert_string_equal(mmr_json_str(j, "SPDXID"), "SPDXRef-DOCUMENT");
	assert_string_equal(mmr_json_str(j, "name"), "registry.example/app:1.0");
	const char *ns = mmr_json_str(j, "documentNamespace");
	const char *pre = "https://mamori.invalid/spdx/registry.example-app-1.0-";
	assert_memory_equal(ns, pre, strlen(pre));
	check_uuid(ns + strlen(pre));
	json_t *ci = mmr_json_obj(j, "creationInfo");
	assert_string_equal(mmr_json_str(ci, "created"), "2024-05-06T07:08:09Z");
	assert_string_equal(json_string_value(json_array_get(mmr_json_arr(ci, "creators"), 0)),
			    "Tool: mamori-9.9.9");

	json_t *asset = spdx_pkg(j, "registry.example/app:1.0");
	assert_string_equal(mmr_json_str(asset, "primaryPackagePurpose"), "CONTAINER");
	assert_string_equal(mmr_json_str(asset, "versionInfo"), IMGID);
	assert_true(has_rel(j, "SPDXRef-DOCUMENT", "DESCRIBES", mmr_json_str(asset, "SPDXID")));

	json_t *bash = spdx_pkg(j, "bash");
	assert_string_equal(mmr_json_str(bash, "SPDXID"), "SPDXRef-Package-deb-bash-5.2.15-2-b2");
	assert_string_equal(mmr_json_str(bash, "versionInfo"), "5.2.15-2+b2");
	assert_string_equal(mmr_json_str(bash, "downloadLocation"), "NOASSERTION");
	assert_false(json_is_true(json_object_get(bash, "filesAnalyzed")));
	assert_string_equal(mmr_json_str(bash, "licenseConcluded"), "NOASSERTION");
	assert_string_equal(mmr_json_str(bash, "licenseDeclared"), "GPL-3.0-or-later");
	assert_string_equal(mmr_json_str(bash, "supplier"),
			    "Organization: Matthias Klose (doko@debian.org)");
	json_t *er = json_array_get(mmr_json_arr(bash, "externalRefs"), 0);
	assert_string_equal(mmr_json_str(er, "referenceCategory"), "PACKAGE-MANAGER");
	assert_string_equal(mmr_json_str(er, "referenceType"), "purl");
	assert_string_equal(mmr_json_str(er, "referenceLocator"),
			    "pkg:deb/debian/bash@5.2.15-2+b2?arch=amd64&distro=debian-12");
	const char *si = mmr_json_str(bash, "sourceInfo");
	assert_non_null(strstr(si, "found in: var/lib/dpkg/status"));
	assert_non_null(strstr(si, "layer: " DIFF1));
	assert_non_null(strstr(si, "source package: bash 5.2.15-2"));

	json_t *foo = spdx_pkg(j, "libfoo");
	assert_string_equal(mmr_json_str(foo, "versionInfo"), "1:2.0-3");
	assert_string_equal(mmr_json_str(foo, "licenseDeclared"), "LicenseRef-GPL-2- AND BSD-3-Clause");
	json_t *ex = mmr_json_arr(j, "hasExtractedLicensingInfos");
	json_t *e = find_by(ex, "licenseId", "LicenseRef-GPL-2-");
	assert_non_null(e);
	assert_string_equal(mmr_json_str(e, "extractedText"), "GPL-2+");
	assert_string_equal(mmr_json_str(spdx_pkg(j, "lodash"), "licenseDeclared"),
			    "MIT OR Apache-2.0");
	assert_string_equal(mmr_json_str(spdx_pkg(j, "bad\xef\xbf\xbd\xef\xbf\xbd"), "licenseDeclared"),
			    "NOASSERTION");

	/* OS package and lockfile packages between the asset and packages */
	json_t *os = spdx_pkg(j, "debian");
	assert_string_equal(mmr_json_str(os, "primaryPackagePurpose"), "OPERATING_SYSTEM");
	assert_true(has_rel(j, mmr_json_str(asset, "SPDXID"), "CONTAINS", mmr_json_str(os, "SPDXID")));
	assert_true(has_rel(j, mmr_json_str(os, "SPDXID"), "CONTAINS", mmr_json_str(bash, "SPDXID")));
	assert_true(has_rel(j, mmr_json_str(bash, "SPDXID"), "DEPENDS_ON", mmr_json_str(foo, "SPDXID")));
	json_t *app = spdx_pkg(j, "app/package-lock.json");
	assert_string_equal(mmr_json_str(app, "primaryPackagePurpose"), "APPLICATION");
	json_decref(j);
	mmr_report_free(r);
}

static void test_spdx_unique_ids(void **state)
{
	struct mmr_report *r = sample();
	json_t *j = render(r, mmr_report_write_spdx);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_map ids;
	mmr_map_init(&ids, a);
	mmr_map_put(&ids, "SPDXRef-DOCUMENT", (void *)1);
	size_t i;
	json_t *p;
	json_array_foreach(mmr_json_arr(j, "packages"), i, p)
	{
		const char *id = mmr_json_str(p, "SPDXID");
		assert_non_null(id);
		assert_memory_equal(id, "SPDXRef-", 8);
		for (const char *c = id + 8; *c; c++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789.-",
					       *c));
		assert_false(mmr_map_has(&ids, id));
		mmr_map_put(&ids, id, (void *)1);
	}
	/* the two lodash packages share name and version: distinct ids */
	assert_true(mmr_map_has(&ids, "SPDXRef-Package-npm-lodash-4.17.21"));
	assert_true(mmr_map_has(&ids, "SPDXRef-Package-npm-lodash-4.17.21-2"));
	json_array_foreach(mmr_json_arr(j, "relationships"), i, p)
	{
		assert_true(mmr_map_has(&ids, mmr_json_str(p, "spdxElementId")));
		assert_true(mmr_map_has(&ids, mmr_json_str(p, "relatedSpdxElement")));
	}
	/* LicenseRef ids valid too */
	json_array_foreach(mmr_json_arr(j, "hasExtractedLicensingInfos"), i, p)
	{
		const char *id = mmr_json_str(p, "licenseId");
		for (const char *c = id; *c; c++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789.-",
					       *c));
	}
	mmr_arena_free(a);
	json_decref(j);
	mmr_report_free(r);
}

/* ---- helpers ------------------------------------------------------------ */

static void test_classify(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	static const struct {
		const char *in;
		enum mmr_spdx_kind kind;
		const char *out;
	} cases[] = {
		{ "mit", MMR_SPDX_ID, "MIT" },
		{ "  Apache-2.0 ", MMR_SPDX_ID, "Apache-2.0" },
		{ "GPL-2.0+", MMR_SPDX_ID, "GPL-2.0+" },
		{ "MIT or apache-2.0", MMR_SPDX_EXPR, "MIT OR Apache-2.0" },
		{ "(MIT AND bsd-3-clause) OR GPL-2.0-only with classpath-exception-2.0",
		  MMR_SPDX_EXPR, "(MIT AND BSD-3-Clause) OR GPL-2.0-only WITH Classpath-exception-2.0" },
		{ "Apache-2.0+", MMR_SPDX_EXPR, "Apache-2.0+" },
		{ "LicenseRef-Custom.1", MMR_SPDX_EXPR, "LicenseRef-Custom.1" },
		{ "DocumentRef-x:LicenseRef-y", MMR_SPDX_EXPR, "DocumentRef-x:LicenseRef-y" },
		{ "GPL-2+", MMR_SPDX_NAME, "GPL-2+" },
		{ "GPL-2.0++", MMR_SPDX_NAME, "GPL-2.0++" },
		{ "MIT OR", MMR_SPDX_NAME, "MIT OR" },
		{ "(MIT", MMR_SPDX_NAME, "(MIT" },
		{ "MIT)", MMR_SPDX_NAME, "MIT)" },
		{ "MIT WITH Foo-exception", MMR_SPDX_NAME, "MIT WITH Foo-exception" },
		{ "LicenseRef-", MMR_SPDX_NAME, "LicenseRef-" },
		{ "LicenseRef-a_b", MMR_SPDX_NAME, "LicenseRef-a_b" },
		{ "SEE LICENSE IN LICENSE.md", MMR_SPDX_NAME, "SEE LICENSE IN LICENSE.md" },
		{ "MIT/X11", MMR_SPDX_NAME, "MIT/X11" },
		{ "  ", MMR_SPDX_NONE, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum mmr_spdx_kind k;
		const char *norm;
		assert_int_equal(mmr_spdx_classify(a, cases[i].in, &k, &norm), 0);
		if (k != cases[i].kind || strcmp(norm, cases[i].out) != 0)
			print_error("case %zu '%s': kind %d '%s'\n", i, cases[i].in, k, norm);
		assert_int_equal(k, cases[i].kind);
		assert_string_equal(norm, cases[i].out);
	}
	/* deep nesting and long token lists: rejected, no crash */
	char deep[400];
	memset(deep, '(', 100);
	memcpy(deep + 100, "MIT", 4);
	enum mmr_spdx_kind k;
	const char *norm;
	assert_int_equal(mmr_spdx_classify(a, deep, &k, &norm), 0);
	assert_int_equal(k, MMR_SPDX_NAME);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	for (int i = 0; i < 300; i++)
		mmr_buf_adds(&b, i ? " OR MIT" : "MIT");
	assert_int_equal(mmr_spdx_classify(a, b.p, &k, &norm), 0);
	assert_int_equal(k, MMR_SPDX_NAME);
	mmr_buf_release(&b);
	mmr_arena_free(a);
}

/* Every built-in id is on the SPDX list as CycloneDX ships it. */
static void test_ids_in_schema(void **state)
{
	size_t len;
	uint8_t *d = mmr_test_read(mmr_test_corpus("schemas/cyclonedx-spdx.schema.json"), &len);
	json_t *s = json_loadb((const char *)d, len, 0, NULL);
	free(d);
	assert_non_null(s);
	json_t *en = json_object_get(s, "enum");
	assert_true(json_array_size(en) > 500);
	size_t n = 0;
	for (size_t i = 0; mmr_spdx_license_ids[i]; i++, n++) {
		if (!arr_has(en, mmr_spdx_license_ids[i]))
			print_error("not an SPDX id: %s\n", mmr_spdx_license_ids[i]);
		assert_true(arr_has(en, mmr_spdx_license_ids[i]));
	}
	assert_true(n > 50);
	json_decref(s);
}

static void test_license_refs(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_spdx_refs refs;
	mmr_spdx_refs_init(&refs, a);
	const char *r1 = mmr_spdx_refs_get(&refs, "GPL 2");
	const char *r2 = mmr_spdx_refs_get(&refs, "GPL/2");
	const char *r3 = mmr_spdx_refs_get(&refs, "GPL 2");
	assert_string_equal(r1, "LicenseRef-GPL-2");
	assert_string_equal(r2, "LicenseRef-GPL-2-2");
	assert_ptr_equal(r1, r3);
	assert_int_equal(refs.texts.n, 2);
	assert_string_equal(mmr_spdx_refs_get(&refs, ""), "LicenseRef-x");
	mmr_arena_free(a);
}

static void test_uuid(void **state)
{
	char u1[37], u2[37];
	assert_int_equal(mmr_report_uuid4(u1), 0);
	assert_int_equal(mmr_report_uuid4(u2), 0);
	check_uuid(u1);
	check_uuid(u2);
	assert_string_not_equal(u1, u2);
}

static void test_jstr(void **state)
{
	json_t *j = mmr_report_jstr("a\xc0\x80" "b\xed\xa0\x80" "c\xf4\x90\x80\x80" "d\xe2\x82");
	assert_non_null(j);
	/* overlong NUL, surrogate, > U+10FFFF, truncated sequence: all replaced */
	const char *s = json_string_value(j);
	assert_memory_equal(s, "a\xef\xbf\xbd\xef\xbf\xbd" "b", 8);
	assert_null(strchr(s, '\xc0'));
	assert_null(strchr(s, '\xed'));
	assert_null(strchr(s, '\xf4'));
	json_decref(j);
	j = mmr_report_jstr(NULL);
	assert_string_equal(json_string_value(j), "");
	json_decref(j);
}

static void test_empty_and_errors(void **state)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_FS;
	r->asset.name = "proj";
	json_t *j = render(r, mmr_report_write_cyclonedx);
	assert_int_equal(json_array_size(mmr_json_arr(j, "components")), 0);
	assert_string_equal(mmr_json_str(mmr_json_obj(mmr_json_obj(j, "metadata"), "component"),
					 "type"),
			    "application");
	assert_int_equal(json_array_size(mmr_json_arr(j, "dependencies")), 1);
	json_decref(j);
	j = render(r, mmr_report_write_spdx);
	assert_int_equal(json_array_size(mmr_json_arr(j, "packages")), 1);
	assert_string_equal(mmr_json_str(json_array_get(mmr_json_arr(j, "packages"), 0),
					 "primaryPackagePurpose"),
			    "SOURCE");
	assert_null(json_object_get(j, "hasExtractedLicensingInfos"));
	json_decref(j);
	/* a stream that fails: -EIO, not a crash or success */
	FILE *f = fopen("/dev/full", "we");
	if (f) {
		struct mmr_report_opts o = { 0 };
		assert_int_equal(mmr_report_write_cyclonedx(r, f, &o), -EIO);
		clearerr(f);
		assert_int_equal(mmr_report_write_spdx(r, f, &o), -EIO);
		fclose(f);
	}
	mmr_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdx_fields),	 cmocka_unit_test(test_cdx_refs_and_deps),
		cmocka_unit_test(test_cdx_escaping),	 cmocka_unit_test(test_cdx_rootfs),
		cmocka_unit_test(test_spdx_fields),	 cmocka_unit_test(test_spdx_unique_ids),
		cmocka_unit_test(test_classify),	 cmocka_unit_test(test_ids_in_schema),
		cmocka_unit_test(test_license_refs),	 cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_jstr),		 cmocka_unit_test(test_empty_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
