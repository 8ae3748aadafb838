/* test-sbom-import.c - reading SBOMs back in (lib/sbom/sbom-import.c):
 * the purl parser; CycloneDX and SPDX documents written by hand the way
 * Syft and Trivy write them (their property names, purl qualifiers and
 * grouping components), since the corpora hold none; round trips through
 * mamori's own CycloneDX and SPDX writers; malformed input and limits. */
#include "test-util.h"

#include "report/report.h"
#include "sbom/sbom-import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct mmr_report *import(const char *doc, int want, struct mmr_error *e)
{
	struct mmr_report *r = mmr_report_new();
	assert_non_null(r);
	struct mmr_error local = { 0 };
	int rc = mmr_sbom_import(r, "test.json", doc, strlen(doc), NULL, e ? e : &local);
	if (rc != want)
		fail_msg("import returned %d, want %d (%s)", rc, want, e ? e->msg : local.msg);
	return r;
}

static const struct mmr_package *find(const struct mmr_report *r, const char *name,
				      const struct mmr_result **ret_res)
{
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->packages.n; k++) {
			const struct mmr_package *p = res->packages.v[k];
			if (strcmp(p->name, name) == 0) {
				if (ret_res)
					*ret_res = res;
				return p;
			}
		}
	}
	fail_msg("package %s not imported", name);
	return NULL;
}

static bool has_diag(const struct mmr_report *r, const char *needle)
{
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		if (strstr(d->message, needle))
			return true;
	}
	return false;
}

/* ---- purl ---- */

static void test_purl(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_purl u;
	assert_int_equal(mmr_sbom_purl_parse(a, "pkg:npm/%40babel/core@7.1.0", &u), 0);
	assert_string_equal(u.type, "npm");
	assert_string_equal(u.ns, "@babel");
	assert_string_equal(u.name, "core");
	assert_string_equal(u.version, "7.1.0");
	assert_int_equal(mmr_sbom_purl_parse(a, "pkg:deb/debian/bsdutils@1%3A2.36.1-8%2Bdeb11u1?arch=amd64&upstream=util-linux%402.36.1-8&distro=debian-11#sub/path/", &u), 0);
	assert_string_equal(u.version, "1:2.36.1-8+deb11u1");
	assert_string_equal(mmr_sbom_purl_qualifier(&u, "upstream"), "util-linux@2.36.1-8");
	assert_string_equal(mmr_sbom_purl_qualifier(&u, "distro"), "debian-11");
	assert_null(mmr_sbom_purl_qualifier(&u, "epoch"));
	assert_string_equal(u.subpath, "sub/path");
	assert_int_equal(mmr_sbom_purl_parse(a, "PKG:Golang/github.com/foo/bar@v1.2.3", &u), 0);
	assert_string_equal(u.type, "golang");
	assert_string_equal(u.ns, "github.com/foo");
	assert_string_equal(u.name, "bar");
	assert_int_equal(mmr_sbom_purl_parse(a, "pkg:generic/thing", &u), 0);
	assert_null(u.version);
	assert_null(u.ns);
	/* an unencoded scope '@' in the namespace is not the version separator */
	assert_int_equal(mmr_sbom_purl_parse(a, "pkg:npm/@scope/name", &u), 0);
	assert_string_equal(u.ns, "@scope");
	assert_null(u.version);
	/* %00 is not decoded into a string terminator */
	assert_int_equal(mmr_sbom_purl_parse(a, "pkg:npm/a%00b@1", &u), 0);
	assert_string_equal(u.name, "a%00b");
	const char *bad[] = { "", "pkg:", "npm/x@1", "pkg:npm", "pkg:npm/", "pkg:/x", "pkg:n%m/x",
			      "pkg:npm/@1.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mmr_sbom_purl_parse(a, bad[i], &u) != -EBADMSG)
			fail_msg("accepted bad purl '%s'", bad[i]);
	mmr_arena_free(a);
}

/* ---- Syft-style CycloneDX ---- */

static const char syft_cdx[] =
	"{\"$schema\":\"http://cyclonedx.org/schema/bom-1.6.schema.json\",\"bomFormat\":\"CycloneDX\","
	"\"specVersion\":\"1.6\",\"version\":1,"
	"\"metadata\":{\"tools\":{\"components\":[{\"type\":\"application\",\"author\":\"anchore\","
	"\"name\":\"syft\",\"version\":\"1.18.0\"}]},"
	"\"component\":{\"bom-ref\":\"8a3c\",\"type\":\"container\",\"name\":\"debian:11\","
	"\"version\":\"sha256:abc\"}},"
	"\"components\":["
	"{\"bom-ref\":\"pkg:deb/debian/bsdutils@1:2.36.1-8+deb11u1?arch=amd64&upstream=util-linux&distro=debian-11&package-id=1\","
	"\"type\":\"library\",\"publisher\":\"LaMont Jones\",\"name\":\"bsdutils\",\"version\":\"1:2.36.1-8+deb11u1\","
	"\"cpe\":\"cpe:2.3:a:bsdutils:bsdutils:1\\\\:2.36.1-8\\\\+deb11u1:*:*:*:*:*:*:*\","
	"\"purl\":\"pkg:deb/debian/bsdutils@1%3A2.36.1-8%2Bdeb11u1?arch=amd64&upstream=util-linux&distro=debian-11\","
	"\"properties\":[{\"name\":\"syft:package:foundBy\",\"value\":\"dpkg-db-cataloger\"},"
	"{\"name\":\"syft:package:type\",\"value\":\"deb\"},"
	"{\"name\":\"syft:location:0:layerID\",\"value\":\"sha256:l1\"},"
	"{\"name\":\"syft:location:0:path\",\"value\":\"/var/lib/dpkg/status\"},"
	"{\"name\":\"syft:metadata:source\",\"value\":\"util-linux\"},"
	"{\"name\":\"syft:metadata:sourceVersion\",\"value\":\"2.36.1-8+deb11u1\"}]},"
	"{\"bom-ref\":\"r2\",\"type\":\"library\",\"name\":\"libssl1.1\",\"version\":\"1.1.1n-0+deb11u3\","
	"\"licenses\":[{\"license\":{\"id\":\"OpenSSL\"}}],"
	"\"purl\":\"pkg:deb/debian/libssl1.1@1.1.1n-0%2Bdeb11u3?arch=amd64&upstream=openssl&distro=debian-11\"},"
	"{\"bom-ref\":\"r3\",\"type\":\"library\",\"name\":\"Flask\",\"version\":\"2.0.0\","
	"\"purl\":\"pkg:pypi/flask@2.0.0\",\"properties\":[{\"name\":\"syft:location:0:path\","
	"\"value\":\"/app/requirements.txt\"}]},"
	"{\"bom-ref\":\"r4\",\"type\":\"library\",\"name\":\"no-purl-here\",\"version\":\"1\"},"
	"{\"bom-ref\":\"os\",\"type\":\"operating-system\",\"name\":\"debian\",\"version\":\"11\","
	"\"description\":\"Debian GNU/Linux 11 (bullseye)\",\"properties\":[{\"name\":\"syft:distro:id\",\"value\":\"debian\"}]},"
	"{\"bom-ref\":\"r5\",\"type\":\"library\",\"name\":\"jq\",\"version\":\"1.6\",\"purl\":\"pkg:github/stedolan/jq@1.6\"}"
	"],"
	"\"dependencies\":[{\"ref\":\"r2\",\"dependsOn\":[\"missing-ref\"]}]}";

static void test_syft_cyclonedx(void **state)
{
	(void)state;
	struct mmr_report *r = import(syft_cdx, 0, NULL);
	assert_int_equal(r->asset.kind, MMR_ASSET_IMAGE);
	assert_string_equal(r->asset.name, "debian:11");
	assert_string_equal(r->asset.os.name, "debian");
	assert_string_equal(r->asset.os.version, "11");
	assert_int_equal(mmr_report_package_count(r), 3);
	const struct mmr_result *res = NULL;
	const struct mmr_package *p = find(r, "bsdutils", &res);
	assert_string_equal(res->class, "os-pkgs");
	assert_string_equal(res->type, "dpkg");
	assert_string_equal(res->target, "debian 11");
	assert_int_equal(p->eco, MMR_ECO_DPKG);
	assert_true(p->has_epoch);
	assert_int_equal(p->epoch, 1);
	assert_string_equal(p->version, "2.36.1");
	assert_string_equal(p->release, "8+deb11u1");
	assert_string_equal(p->arch, "amd64");
	assert_string_equal(p->src_name, "util-linux");
	assert_string_equal(p->src_version, "2.36.1");
	assert_string_equal(p->src_release, "8+deb11u1");
	assert_string_equal(p->file, "/var/lib/dpkg/status");
	assert_string_equal(p->layer, "sha256:l1");
	assert_string_equal(p->purl,
			    "pkg:deb/debian/bsdutils@1%3A2.36.1-8%2Bdeb11u1?arch=amd64&upstream=util-linux&distro=debian-11");
	assert_string_equal(p->id, "bsdutils@1:2.36.1-8+deb11u1");
	/* source from the purl's upstream= when no property says it */
	p = find(r, "libssl1.1", NULL);
	assert_string_equal(p->src_name, "openssl");
	assert_string_equal(p->src_version, "1.1.1n"); /* the binary's version */
	assert_string_equal(p->src_release, "0+deb11u3");
	assert_int_equal(p->licenses.n, 1);
	assert_string_equal(p->licenses.v[0], "OpenSSL");
	/* PyPI: the SBOM's spelling of the name, grouped by its file */
	p = find(r, "Flask", &res);
	assert_int_equal(p->eco, MMR_ECO_PYPI);
	assert_string_equal(res->target, "/app/requirements.txt");
	assert_string_equal(res->class, "lang-pkgs");
	/* warnings: a component without purl, an unmatchable type, a dangling ref */
	assert_true(has_diag(r, "1 component without a package URL skipped (e.g. \"no-purl-here\")"));
	assert_true(has_diag(r, "pkg:github/stedolan/jq@1.6"));
	assert_true(has_diag(r, "missing-ref"));
	mmr_report_free(r);
}

/* ---- Trivy-style CycloneDX ---- */

static const char trivy_cdx[] =
	"{\"$schema\":\"http://cyclonedx.org/schema/bom-1.5.schema.json\",\"bomFormat\":\"CycloneDX\","
	"\"specVersion\":\"1.5\",\"serialNumber\":\"urn:uuid:1\",\"version\":1,"
	"\"metadata\":{\"tools\":{\"components\":[{\"type\":\"application\",\"group\":\"aquasecurity\","
	"\"name\":\"trivy\",\"version\":\"0.50.0\"}]},"
	"\"component\":{\"bom-ref\":\"pkg:oci/alpine@sha256%3Ac5?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine\","
	"\"type\":\"container\",\"name\":\"alpine:3.11\",\"purl\":\"pkg:oci/alpine@sha256%3Ac5?arch=amd64\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:ImageID\",\"value\":\"sha256:a187\"},"
	"{\"name\":\"aquasecurity:trivy:RepoTag\",\"value\":\"alpine:3.11\"},"
	"{\"name\":\"aquasecurity:trivy:SchemaVersion\",\"value\":\"2\"}]}},"
	"\"components\":["
	"{\"bom-ref\":\"3f2\",\"type\":\"operating-system\",\"name\":\"alpine\",\"version\":\"3.11.5\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:Class\",\"value\":\"os-pkgs\"},"
	"{\"name\":\"aquasecurity:trivy:Type\",\"value\":\"alpine\"}]},"
	"{\"bom-ref\":\"pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=3.11.5\",\"type\":\"library\","
	"\"name\":\"musl\",\"version\":\"1.1.24-r2\",\"licenses\":[{\"license\":{\"name\":\"MIT\"}}],"
	"\"purl\":\"pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=3.11.5\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:LayerDiffID\",\"value\":\"sha256:beee\"},"
	"{\"name\":\"aquasecurity:trivy:PkgID\",\"value\":\"musl@1.1.24-r2\"},"
	"{\"name\":\"aquasecurity:trivy:PkgType\",\"value\":\"alpine\"},"
	"{\"name\":\"aquasecurity:trivy:SrcName\",\"value\":\"musl\"},"
	"{\"name\":\"aquasecurity:trivy:SrcVersion\",\"value\":\"1.1.24-r2\"}]},"
	"{\"bom-ref\":\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5\",\"type\":\"library\","
	"\"name\":\"libcrypto1.1\",\"version\":\"1.1.1d-r3\","
	"\"purl\":\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:SrcName\",\"value\":\"openssl\"},"
	"{\"name\":\"aquasecurity:trivy:SrcVersion\",\"value\":\"1.1.1d-r3\"}]},"
	"{\"bom-ref\":\"app-lock\",\"type\":\"application\",\"name\":\"app/package-lock.json\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:Class\",\"value\":\"lang-pkgs\"},"
	"{\"name\":\"aquasecurity:trivy:Type\",\"value\":\"npm\"}]},"
	"{\"bom-ref\":\"pkg:npm/%40babel/core@7.1.0\",\"type\":\"library\",\"group\":\"@babel\","
	"\"name\":\"core\",\"version\":\"7.1.0\",\"purl\":\"pkg:npm/%40babel/core@7.1.0\","
	"\"properties\":[{\"name\":\"aquasecurity:trivy:Dev\",\"value\":\"true\"}]},"
	"{\"bom-ref\":\"pkg:npm/ms@2.1.2\",\"type\":\"library\",\"name\":\"ms\",\"version\":\"2.1.2\","
	"\"purl\":\"pkg:npm/ms@2.1.2\"}"
	"],"
	"\"dependencies\":["
	"{\"ref\":\"pkg:oci/alpine@sha256%3Ac5?arch=amd64&repository_url=index.docker.io%2Flibrary%2Falpine\",\"dependsOn\":[\"3f2\",\"app-lock\"]},"
	"{\"ref\":\"3f2\",\"dependsOn\":[\"pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=3.11.5\","
	"\"pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=3.11.5\"]},"
	"{\"ref\":\"app-lock\",\"dependsOn\":[\"pkg:npm/%40babel/core@7.1.0\"]},"
	"{\"ref\":\"pkg:npm/%40babel/core@7.1.0\",\"dependsOn\":[\"pkg:npm/ms@2.1.2\"]},"
	"{\"ref\":\"pkg:npm/ms@2.1.2\",\"dependsOn\":[]}"
	"],\"vulnerabilities\":[]}";

static void test_trivy_cyclonedx(void **state)
{
	(void)state;
	struct mmr_report *r = import(trivy_cdx, 0, NULL);
	assert_int_equal(r->asset.kind, MMR_ASSET_IMAGE);
	assert_string_equal(r->asset.name, "alpine:3.11");
	assert_string_equal(r->asset.image_id, "sha256:a187");
	assert_int_equal(r->asset.repo_tags.n, 1);
	assert_string_equal(r->asset.os.name, "alpine");
	assert_string_equal(r->asset.os.version, "3.11.5");
	assert_int_equal(r->results.n, 2);
	const struct mmr_result *res = NULL;
	const struct mmr_package *p = find(r, "libcrypto1.1", &res);
	assert_string_equal(res->target, "alpine 3.11.5");
	assert_string_equal(res->class, "os-pkgs");
	assert_string_equal(res->type, "alpine");
	assert_int_equal(res->packages.n, 2);
	assert_string_equal(p->version, "1.1.1d-r3"); /* apk versions stay whole */
	assert_null(p->release);
	assert_string_equal(p->src_name, "openssl");
	assert_string_equal(p->src_version, "1.1.1d-r3");
	p = find(r, "musl", NULL);
	assert_string_equal(p->layer, "sha256:beee");
	assert_string_equal(p->id, "musl@1.1.24-r2");
	/* the lockfile component claims its packages, transitively */
	p = find(r, "@babel/core", &res);
	assert_string_equal(res->target, "app/package-lock.json");
	assert_string_equal(res->type, "npm");
	assert_int_equal(res->packages.n, 2);
	assert_true(p->dev);
	assert_int_equal(p->depends_on.n, 1);
	assert_string_equal(p->depends_on.v[0], "ms@2.1.2");
	assert_int_equal(r->diags.n, 0);
	mmr_report_free(r);
}

/* ---- SPDX (Syft and Trivy conventions) ---- */

static const char trivy_spdx[] =
	"{\"spdxVersion\":\"SPDX-2.3\",\"dataLicense\":\"CC0-1.0\",\"SPDXID\":\"SPDXRef-DOCUMENT\","
	"\"name\":\"debian:12\",\"documentNamespace\":\"http://aquasecurity.github.io/trivy/x\","
	"\"creationInfo\":{\"creators\":[\"Tool: trivy-0.50.0\"],\"created\":\"2024-01-01T00:00:00Z\"},"
	"\"packages\":["
	"{\"name\":\"debian:12\",\"SPDXID\":\"SPDXRef-ContainerImage-1\",\"versionInfo\":\"\","
	"\"downloadLocation\":\"NONE\",\"primaryPackagePurpose\":\"CONTAINER\"},"
	"{\"name\":\"debian\",\"SPDXID\":\"SPDXRef-OperatingSystem-2\",\"versionInfo\":\"12.4\","
	"\"downloadLocation\":\"NONE\",\"primaryPackagePurpose\":\"OPERATING-SYSTEM\"},"
	"{\"name\":\"bsdutils\",\"SPDXID\":\"SPDXRef-Package-3\",\"versionInfo\":\"1:2.38.1-5+b1\","
	"\"downloadLocation\":\"NONE\",\"licenseDeclared\":\"GPL-2.0-or-later\","
	"\"sourceInfo\":\"built package from: util-linux 2.38.1-5\","
	"\"externalRefs\":[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
	"\"referenceLocator\":\"pkg:deb/debian/bsdutils@2.38.1-5%2Bb1?arch=amd64&distro=debian-12.4&epoch=1\"}],"
	"\"primaryPackagePurpose\":\"LIBRARY\"},"
	"{\"name\":\"requests\",\"SPDXID\":\"SPDXRef-Package-4\",\"versionInfo\":\"2.31.0\","
	"\"downloadLocation\":\"NONE\",\"licenseConcluded\":\"NOASSERTION\",\"licenseDeclared\":\"NOASSERTION\","
	"\"externalRefs\":[{\"referenceCategory\":\"PACKAGE_MANAGER\",\"referenceType\":\"purl\","
	"\"referenceLocator\":\"pkg:pypi/requests@2.31.0\"}]},"
	"{\"name\":\"app/requirements.txt\",\"SPDXID\":\"SPDXRef-Application-5\","
	"\"downloadLocation\":\"NONE\",\"primaryPackagePurpose\":\"APPLICATION\"}"
	"],"
	"\"relationships\":["
	"{\"spdxElementId\":\"SPDXRef-DOCUMENT\",\"relationshipType\":\"DESCRIBES\",\"relatedSpdxElement\":\"SPDXRef-ContainerImage-1\"},"
	"{\"spdxElementId\":\"SPDXRef-ContainerImage-1\",\"relationshipType\":\"CONTAINS\",\"relatedSpdxElement\":\"SPDXRef-OperatingSystem-2\"},"
	"{\"spdxElementId\":\"SPDXRef-ContainerImage-1\",\"relationshipType\":\"CONTAINS\",\"relatedSpdxElement\":\"SPDXRef-Application-5\"},"
	"{\"spdxElementId\":\"SPDXRef-OperatingSystem-2\",\"relationshipType\":\"CONTAINS\",\"relatedSpdxElement\":\"SPDXRef-Package-3\"},"
	"{\"spdxElementId\":\"SPDXRef-Package-4\",\"relationshipType\":\"CONTAINED_BY\",\"relatedSpdxElement\":\"SPDXRef-Application-5\"},"
	"{\"spdxElementId\":\"SPDXRef-Package-4\",\"relationshipType\":\"DEPENDS_ON\",\"relatedSpdxElement\":\"SPDXRef-Nowhere\"}"
	"]}";

static void test_trivy_spdx(void **state)
{
	(void)state;
	struct mmr_report *r = import(trivy_spdx, 0, NULL);
	assert_int_equal(r->asset.kind, MMR_ASSET_IMAGE);
	assert_string_equal(r->asset.name, "debian:12");
	assert_string_equal(r->asset.os.name, "debian");
	assert_string_equal(r->asset.os.version, "12.4");
	const struct mmr_result *res = NULL;
	const struct mmr_package *p = find(r, "bsdutils", &res);
	assert_string_equal(res->target, "debian 12.4");
	assert_int_equal(p->epoch, 1); /* from the epoch qualifier */
	assert_string_equal(p->version, "2.38.1");
	assert_string_equal(p->release, "5+b1");
	assert_string_equal(p->src_name, "util-linux"); /* from sourceInfo */
	assert_string_equal(p->src_version, "2.38.1");
	assert_string_equal(p->src_release, "5");
	assert_string_equal(p->licenses.v[0], "GPL-2.0-or-later");
	p = find(r, "requests", &res); /* CONTAINED_BY the application */
	assert_string_equal(res->target, "app/requirements.txt");
	assert_int_equal(p->licenses.n, 0); /* NOASSERTION is no licence */
	assert_true(has_diag(r, "SPDXRef-Nowhere"));
	mmr_report_free(r);
}

static const char syft_spdx22[] =
	"{\"spdxVersion\":\"SPDX-2.2\",\"dataLicense\":\"CC0-1.0\",\"SPDXID\":\"SPDXRef-DOCUMENT\","
	"\"name\":\"dir\",\"documentNamespace\":\"https://anchore.com/syft/dir/x\","
	"\"creationInfo\":{\"creators\":[\"Tool: syft-0.80.0\"],\"created\":\"2024-01-01T00:00:00Z\"},"
	"\"packages\":["
	"{\"name\":\"xz-libs\",\"SPDXID\":\"SPDXRef-Package-rpm-xz-libs-1\",\"versionInfo\":\"5.2.4-4.el8_6\","
	"\"sourceInfo\":\"acquired package info from RPM DB: /var/lib/rpm/Packages\","
	"\"externalRefs\":[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
	"\"referenceLocator\":\"pkg:rpm/rhel/xz-libs@5.2.4-4.el8_6?arch=x86_64&upstream=xz-5.2.4-4.el8_6.src.rpm&distro=rhel-8.7\"}]},"
	"{\"name\":\"github.com/pkg/errors\",\"SPDXID\":\"SPDXRef-Package-go-module-2\",\"versionInfo\":\"v0.9.1\","
	"\"externalRefs\":[{\"referenceCategory\":\"PACKAGE_MANAGER\",\"referenceType\":\"purl\","
	"\"referenceLocator\":\"pkg:golang/github.com/pkg/errors@v0.9.1\"}]},"
	"{\"name\":\"junit\",\"SPDXID\":\"SPDXRef-Package-java-3\",\"versionInfo\":\"4.13.2\","
	"\"externalRefs\":[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
	"\"referenceLocator\":\"pkg:maven/junit/junit@4.13.2\"}]}"
	"]}";

static void test_syft_spdx(void **state)
{
	(void)state;
	struct mmr_report *r = import(syft_spdx22, 0, NULL);
	assert_int_equal(r->asset.kind, MMR_ASSET_FS);
	assert_string_equal(r->asset.os.name, "rhel");
	assert_string_equal(r->asset.os.version, "8.7");
	const struct mmr_package *p = find(r, "xz-libs", NULL);
	assert_int_equal(p->eco, MMR_ECO_RPM);
	assert_string_equal(p->version, "5.2.4");
	assert_string_equal(p->release, "4.el8_6");
	assert_string_equal(p->src_name, "xz");
	assert_string_equal(p->src_version, "5.2.4");
	assert_string_equal(p->src_release, "4.el8_6");
	p = find(r, "github.com/pkg/errors", NULL);
	assert_int_equal(p->eco, MMR_ECO_GO);
	p = find(r, "junit:junit", NULL);
	assert_int_equal(p->eco, MMR_ECO_MAVEN);
	assert_string_equal(p->version, "4.13.2");
	mmr_report_free(r);
}

/* ---- round trips through mamori's own writers ---- */

static struct mmr_package *mkpkg(struct mmr_report *r, struct mmr_result *res,
				 enum mmr_ecosystem eco, const char *name, const char *ver,
				 const struct mmr_os *os)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	p->eco = eco;
	p->name = name;
	p->version = ver;
	p->file = strcmp(res->class, "os-pkgs") ? res->target : "var/lib/dpkg/status";
	assert_int_equal(mmr_package_finish(r->arena, p, os), 0);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	return p;
}

static char *render(const struct mmr_report *r,
		    int (*fn)(const struct mmr_report *, FILE *, const struct mmr_report_opts *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct mmr_report_opts o = { 0 };
	assert_int_equal(fn(r, f, &o), 0);
	fclose(f);
	return buf;
}

static void round_trip(int (*fn)(const struct mmr_report *, FILE *, const struct mmr_report_opts *))
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_ROOTFS;
	r->asset.name = "/srv/root";
	r->asset.os.name = r->asset.os.family = "debian";
	r->asset.os.version = "12";
	struct mmr_result *os = mmr_report_result(r, "debian 12", "os-pkgs", "dpkg");
	struct mmr_result *npm = mmr_report_result(r, "web/package-lock.json", "lang-pkgs", "npm");
	struct mmr_result *mvn = mmr_report_result(r, "svc/pom.xml", "lang-pkgs", "pom");
	struct mmr_package *p = mkpkg(r, os, MMR_ECO_DPKG, "bsdutils", "2.38.1", &r->asset.os);
	p->epoch = 1;
	p->has_epoch = true;
	p->release = "5+b1";
	p->src_name = "util-linux";
	p->src_version = "2.38.1";
	p->src_release = "5";
	p->purl = NULL;
	p->id = NULL;
	assert_int_equal(mmr_package_finish(r->arena, p, &r->asset.os), 0);
	p = mkpkg(r, os, MMR_ECO_DPKG, "libc6", "2.36", &r->asset.os);
	p->release = "9+deb12u4";
	p->purl = NULL;
	assert_int_equal(mmr_package_finish(r->arena, p, &r->asset.os), 0);
	struct mmr_package *core = mkpkg(r, npm, MMR_ECO_NPM, "@babel/core", "7.1.0", NULL);
	struct mmr_package *ms = mkpkg(r, npm, MMR_ECO_NPM, "ms", "2.1.2", NULL);
	mmr_vec_push(r->arena, &core->depends_on, (void *)ms->id);
	mkpkg(r, mvn, MMR_ECO_MAVEN, "org.apache.commons:commons-lang3", "3.11", NULL);
	char *doc = render(r, fn);
	struct mmr_report *b = import(doc, 0, NULL);
	assert_int_equal(b->asset.kind, MMR_ASSET_ROOTFS);
	assert_string_equal(b->asset.os.name, "debian");
	assert_string_equal(b->asset.os.version, "12");
	assert_int_equal(mmr_report_package_count(b), mmr_report_package_count(r));
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *ra = r->results.v[i];
		for (size_t k = 0; k < ra->packages.n; k++) {
			const struct mmr_package *pa = ra->packages.v[k];
			const struct mmr_result *rb = NULL;
			const struct mmr_package *pb = find(b, pa->name, &rb);
			assert_string_equal(rb->target, ra->target);
			assert_string_equal(rb->class, ra->class);
			assert_string_equal(pb->purl, pa->purl);
			assert_string_equal(pb->version, pa->version);
			assert_int_equal(pb->epoch, pa->epoch);
			assert_int_equal(pb->eco, pa->eco);
			if (pa->release)
				assert_string_equal(pb->release, pa->release);
			if (pa->src_name)
				assert_string_equal(pb->src_name, pa->src_name);
		}
	}
	const struct mmr_package *pb = find(b, "@babel/core", NULL);
	assert_int_equal(pb->depends_on.n, 1);
	assert_string_equal(pb->depends_on.v[0], "ms@2.1.2");
	assert_string_equal(find(b, "bsdutils", NULL)->src_release, "5");
	free(doc);
	mmr_report_free(b);
	mmr_report_free(r);
}

static void test_round_trip_cyclonedx(void **state)
{
	(void)state;
	round_trip(mmr_report_write_cyclonedx);
}

static void test_round_trip_spdx(void **state)
{
	(void)state;
	round_trip(mmr_report_write_spdx);
}

/* ---- bad input ---- */

static void test_errors(void **state)
{
	(void)state;
	struct mmr_error e = { 0 };
	struct mmr_report *r = import("{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": 1.6,,\n}",
				      -EBADMSG, &e);
	assert_string_equal(e.file, "test.json");
	assert_int_equal(e.line, 3);
	assert_true(e.col > 0);
	mmr_report_free(r);

	memset(&e, 0, sizeof(e));
	r = import("{\"hello\": 1}", -EBADMSG, &e);
	assert_non_null(strstr(e.msg, "not an SBOM"));
	mmr_report_free(r);
	r = import("[1,2]", -EBADMSG, &e);
	mmr_report_free(r);
	memset(&e, 0, sizeof(e));
	r = import("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"2.0\"}", -EPROTO, &e);
	assert_non_null(strstr(e.msg, "2.0"));
	mmr_report_free(r);
	r = import("{\"spdxVersion\":\"SPDX-3.0\"}", -EPROTO, NULL);
	mmr_report_free(r);
	/* wrong types everywhere: no crash, nothing imported */
	r = import("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\",\"metadata\":7,"
		   "\"components\":{\"a\":1},\"dependencies\":[1,{\"ref\":2,\"dependsOn\":\"x\"}]}",
		   0, NULL);
	assert_int_equal(mmr_report_package_count(r), 0);
	mmr_report_free(r);
	r = import("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[7,{\"externalRefs\":[{}]}],"
		   "\"relationships\":[null,{\"spdxElementId\":1}]}",
		   0, NULL);
	assert_int_equal(mmr_report_package_count(r), 0);
	mmr_report_free(r);
	/* a bad purl is a warning */
	r = import("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
		   "{\"type\":\"library\",\"name\":\"x\",\"purl\":\"pkg:/nope\"}]}",
		   0, NULL);
	assert_true(has_diag(r, "1 invalid package URL skipped (e.g. \"pkg:/nope\")"));
	mmr_report_free(r);
	/* a missing file names it */
	memset(&e, 0, sizeof(e));
	r = mmr_report_new();
	assert_int_equal(mmr_sbom_import_file(r, "/nonexistent/sbom.json", NULL, &e), -ENOENT);
	assert_string_equal(e.file, "/nonexistent/sbom.json");
	mmr_report_free(r);
}

static void test_limits(void **state)
{
	(void)state;
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_packages = 3;
	const char *doc = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
			  "{\"purl\":\"pkg:npm/a@1\"},{\"purl\":\"pkg:npm/b@1\"},"
			  "{\"purl\":\"pkg:npm/c@1\"},{\"purl\":\"pkg:npm/d@1\"}]}";
	struct mmr_report *r = mmr_report_new();
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_sbom_import(r, "big.json", doc, strlen(doc), &lim, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-packages"));
	mmr_report_free(r);
	lim.max_packages = 4;
	r = mmr_report_new();
	assert_int_equal(mmr_sbom_import(r, "big.json", doc, strlen(doc), &lim, &e), 0);
	assert_int_equal(mmr_report_package_count(r), 4);
	mmr_report_free(r);

	/* nested components: 20 levels is fine by default, not with max-json-depth 8 */
	char buf[4096];
	size_t n = 0;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "{\"purl\":\"pkg:npm/p%d@1\",\"components\":[", i);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}");
	mmr_limits_default(&lim);
	r = mmr_report_new();
	assert_int_equal(mmr_sbom_import(r, "deep.json", buf, n, &lim, &e), 0);
	assert_int_equal(mmr_report_package_count(r), 20);
	mmr_report_free(r);
	lim.max_json_depth = 8;
	r = mmr_report_new();
	assert_int_equal(mmr_sbom_import(r, "deep.json", buf, n, &lim, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-json-depth"));
	mmr_report_free(r);
	/* file size */
	lim.max_file_size = 10;
	r = mmr_report_new();
	assert_int_equal(mmr_sbom_import(r, "deep.json", buf, n, &lim, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-file-size"));
	mmr_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purl),
		cmocka_unit_test(test_syft_cyclonedx),
		cmocka_unit_test(test_trivy_cyclonedx),
		cmocka_unit_test(test_trivy_spdx),
		cmocka_unit_test(test_syft_spdx),
		cmocka_unit_test(test_round_trip_cyclonedx),
		cmocka_unit_test(test_round_trip_spdx),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
