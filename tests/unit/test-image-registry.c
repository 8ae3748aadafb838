/* test-image-registry.c - reference parsing, WWW-Authenticate parsing,
 * auth-file lookup, manifest/index/config parsing and platform selection. */
#include "test-util.h"

#include "core/core-arena.h"
#include "core/core-error.h"
#include "image/image-registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

/* ---- references ---- */

struct refcase {
	const char *in, *registry, *repo, *tag, *digest;
};

static void test_parse_ref(void **state)
{
	static const struct refcase ok[] = {
		{ "alpine", "registry-1.docker.io", "library/alpine", "latest", NULL },
		{ "alpine:3.19", "registry-1.docker.io", "library/alpine", "3.19", NULL },
		{ "docker.io/alpine", "registry-1.docker.io", "library/alpine", "latest", NULL },
		{ "index.docker.io/library/alpine:edge", "registry-1.docker.io", "library/alpine", "edge",
		  NULL },
		{ "bitnami/redis:7.2", "registry-1.docker.io", "bitnami/redis", "7.2", NULL },
		{ "localhost:5000/x", "localhost:5000", "x", "latest", NULL },
		{ "localhost/x/y", "localhost", "x/y", "latest", NULL },
		{ "127.0.0.1:5000/x:tag", "127.0.0.1:5000", "x", "tag", NULL },
		{ "ghcr.io/org/sub/app:v1.2.3-rc.1", "ghcr.io", "org/sub/app", "v1.2.3-rc.1", NULL },
		{ "quay.io/a__b/c-d.e_f:T_ag", "quay.io", "a__b/c-d.e_f", "T_ag", NULL },
		{ "[::1]:5000/x", "[::1]:5000", "x", "latest", NULL },
		{ "alpine@" D("a"), "registry-1.docker.io", "library/alpine", NULL, D("a") },
		{ "r.example:443/x:1@" D("b"), "r.example:443", "x", "1", D("b") },
		{ "Example.com/x", "Example.com", "x", "latest", NULL },
	};
	static const char *const bad[] = {
		"", "Alpine", "alpine:", ":tag", "alpine:-x", "a//b", "a/b/", "/a", "a..b", "a.-b",
		"a___b", "alpine@sha256:abc", "alpine@" D("A"), "alpine@md5:abcd", "-r.io/x",
		"r.io:/x", "r.io:99999999/x", "alpine:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"a b", "x/y:t@", "[zz]:5000/x",
	};
	struct mmr_arena *a = mmr_arena_new(0);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *reg = "?", *repo = "?", *tag = "?", *dig = "?";
		int r = mmr_registry_parse_ref(a, ok[i].in, &reg, &repo, &tag, &dig);
		if (r != 0)
			fail_msg("%s: %d", ok[i].in, r);
		assert_string_equal(reg, ok[i].registry);
		assert_string_equal(repo, ok[i].repo);
		if (ok[i].tag)
			assert_string_equal(tag, ok[i].tag);
		else
			assert_null(tag);
		if (ok[i].digest)
			assert_string_equal(dig, ok[i].digest);
		else
			assert_null(dig);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *reg = NULL;
		if (mmr_registry_parse_ref(a, bad[i], &reg, NULL, NULL, NULL) != -EINVAL)
			fail_msg("accepted bad reference \"%s\"", bad[i]);
	}
	mmr_arena_free(a);
}

/* ---- WWW-Authenticate ---- */

static void test_www_authenticate(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_auth_challenge *c;
	size_t n;
	const char *h = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			"scope=\"repository:library/alpine:pull\"";
	assert_int_equal(mmr_auth_parse_challenges(a, h, strlen(h), &c, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].scheme, "Bearer");
	assert_int_equal(c[0].n_params, 3);
	assert_string_equal(mmr_auth_param(&c[0], "REALM"), "https://auth.docker.io/token");
	assert_string_equal(mmr_auth_param(&c[0], "service"), "registry.docker.io");
	assert_string_equal(mmr_auth_param(&c[0], "scope"), "repository:library/alpine:pull");
	assert_null(mmr_auth_param(&c[0], "error"));

	/* two challenges, token values, BWS around '=', escapes, empty elements */
	h = "Basic realm=\"a \\\"q\\\" b\", charset=UTF-8 ,, Bearer  realm = tok , error=\"invalid_token\", "
	    "Negotiate, NTLM abc+/==";
	assert_int_equal(mmr_auth_parse_challenges(a, h, strlen(h), &c, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(c[0].scheme, "Basic");
	assert_string_equal(mmr_auth_param(&c[0], "realm"), "a \"q\" b");
	assert_string_equal(mmr_auth_param(&c[0], "charset"), "UTF-8");
	assert_string_equal(c[1].scheme, "Bearer");
	assert_string_equal(mmr_auth_param(&c[1], "realm"), "tok");
	assert_string_equal(mmr_auth_param(&c[1], "error"), "invalid_token");
	assert_string_equal(c[2].scheme, "Negotiate");
	assert_int_equal(c[2].n_params, 0);
	assert_string_equal(c[3].scheme, "NTLM");
	assert_string_equal(c[3].token68, "abc+/==");

	/* a comma inside a quoted string does not split */
	h = "Bearer realm=\"x,y=z\",scope=\"a:b:pull,push\"";
	assert_int_equal(mmr_auth_parse_challenges(a, h, strlen(h), &c, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mmr_auth_param(&c[0], "realm"), "x,y=z");
	assert_string_equal(mmr_auth_param(&c[0], "scope"), "a:b:pull,push");

	/* token68 with '=' padding only */
	h = "Custom abc==";
	assert_int_equal(mmr_auth_parse_challenges(a, h, strlen(h), &c, &n), 0);
	assert_string_equal(c[0].token68, "abc==");

	static const char *const bad[] = {
		"Bearer realm=\"unterminated", "Bearer realm=", "=x", "Bearer realm=\"a\" junk",
		"Bearer realm=\"a\\", "Bearer realm=\"a\x01\"", "B@d realm=x", "Bearer a=b c",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mmr_auth_parse_challenges(a, bad[i], strlen(bad[i]), &c, &n) != -EBADMSG)
			fail_msg("accepted \"%s\"", bad[i]);
	/* caps */
	char many[4096] = "Bearer ";
	for (int i = 0; i < 40; i++) {
		char p[32];
		snprintf(p, sizeof(p), "%sp%d=v", i ? "," : "", i);
		strncat(many, p, sizeof(many) - strlen(many) - 1);
	}
	assert_int_equal(mmr_auth_parse_challenges(a, many, strlen(many), &c, &n), -E2BIG);
	mmr_arena_free(a);
}

/* ---- auth files ---- */

static void test_auth_file_lookup(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_auth_cred c;
	struct mmr_error e = { 0 };
	/* alice:pw1 / bob:pw2 / carol:pw3 / dave:pw4 */
	const char *j = "{\"auths\": {"
			"\"https://index.docker.io/v1/\": {\"auth\": \"YWxpY2U6cHcx\"},"
			"\"quay.io\": {\"auth\": \"Ym9iOnB3Mg==\"},"
			"\"quay.io/team\": {\"auth\": \"Y2Fyb2w6cHcz\"},"
			"\"http://127.0.0.1:5000\": {\"username\": \"dave\", \"password\": \"pw4\"},"
			"\"ghcr.io\": {\"identitytoken\": \"x\"}"
			"}, \"credHelpers\": {\"gcr.io\": \"gcloud\"}}";
	size_t n = strlen(j);
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "registry-1.docker.io",
					      "library/alpine", &c, &e), 1);
	assert_string_equal(c.username, "alice");
	assert_string_equal(c.password, "pw1");
	assert_string_equal(c.source, "cfg.json");
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "quay.io", "other/x", &c, &e), 1);
	assert_string_equal(c.username, "bob");
	/* the most specific key wins */
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "quay.io", "team/app", &c, &e), 1);
	assert_string_equal(c.username, "carol");
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "quay.io", "teamx/app", &c, &e), 1);
	assert_string_equal(c.username, "bob");
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "127.0.0.1:5000", "x", &c, &e), 1);
	assert_string_equal(c.username, "dave");
	assert_string_equal(c.password, "pw4");
	/* no entry, port must match, identity tokens and helpers unsupported */
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "127.0.0.1:5001", "x", &c, &e), 0);
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "ghcr.io", "x", &c, &e), 0);
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "gcr.io", "x", &c, &e), 0);
	assert_int_equal(mmr_auth_file_lookup(a, j, n, "cfg.json", "example.com", "x", &c, &e), 0);

	/* malformed */
	const char *badauth = "{\"auths\": {\"r.io\": {\"auth\": \"bm9jb2xvbg==\"}}}"; /* "nocolon" */
	assert_int_equal(mmr_auth_file_lookup(a, badauth, strlen(badauth), "f.json", "r.io", "x", &c,
					      &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "user:password"));
	assert_string_equal(e.file, "f.json");
	assert_int_equal(mmr_auth_file_lookup(a, "{\"auths\": [", 11, "f.json", "r.io", "x", &c, &e),
			 -EBADMSG);
	assert_int_equal(mmr_auth_file_lookup(a, "{\"auths\": 3}", 12, "f.json", "r.io", "x", &c, &e),
			 -EBADMSG);
	mmr_arena_free(a);
}

static char tmpdir[64];

static void write_file(const char *rel, const char *data)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void test_auth_find_order(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_scan_opts o;
	struct mmr_auth_cred c;
	char p[256];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmr-auth-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(p, sizeof(p), "%s/containers", tmpdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.docker", tmpdir);
	mkdir(p, 0700);
	write_file("raf.json", "{\"auths\":{\"r.io\":{\"auth\":\"cmFmOjE=\"}}}");           /* raf:1 */
	write_file("containers/auth.json", "{\"auths\":{\"r.io\":{\"auth\":\"eGRnOjI=\"},"
					   "\"s.io\":{\"auth\":\"eGRnOjI=\"}}}");              /* xdg:2 */
	write_file(".docker/config.json", "{\"auths\":{\"t.io\":{\"auth\":\"ZG9jOjM=\"}}}"); /* doc:3 */
	write_file("other.json", "{\"auths\":{\"t.io\":{\"auth\":\"b3RoOjQ=\"}}}");         /* oth:4 */
	snprintf(p, sizeof(p), "%s/raf.json", tmpdir);
	setenv("REGISTRY_AUTH_FILE", p, 1);
	setenv("XDG_RUNTIME_DIR", tmpdir, 1);
	setenv("HOME", tmpdir, 1);
	unsetenv("DOCKER_CONFIG");
	mmr_scan_opts_default(&o);

	assert_int_equal(mmr_auth_find(a, &o, "r.io", "x", &c), 1);
	assert_string_equal(c.username, "raf");
	assert_int_equal(mmr_auth_find(a, &o, "s.io", "x", &c), 1);
	assert_string_equal(c.username, "xdg");
	assert_int_equal(mmr_auth_find(a, &o, "t.io", "x", &c), 1);
	assert_string_equal(c.username, "doc");
	assert_int_equal(mmr_auth_find(a, &o, "u.io", "x", &c), 0);
	/* --docker-config replaces the lookup */
	snprintf(p, sizeof(p), "%s/other.json", tmpdir);
	o.docker_config = p;
	assert_int_equal(mmr_auth_find(a, &o, "t.io", "x", &c), 1);
	assert_string_equal(c.username, "oth");
	assert_int_equal(mmr_auth_find(a, &o, "r.io", "x", &c), 0);
	/* explicit credentials win */
	o.username = "u";
	o.password = "p";
	assert_int_equal(mmr_auth_find(a, &o, "t.io", "x", &c), 1);
	assert_string_equal(c.username, "u");
	/* a malformed file is skipped, the next one is used */
	o.username = o.password = NULL;
	o.docker_config = NULL;
	write_file("raf.json", "{\"auths\":{\"r.io\":");
	assert_int_equal(mmr_auth_find(a, &o, "r.io", "x", &c), 1);
	assert_string_equal(c.username, "xdg");

	const char *files[] = { "raf.json", "containers/auth.json", ".docker/config.json",
				"other.json", "containers", ".docker" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, files[i]);
		if (unlink(p) < 0)
			rmdir(p);
	}
	rmdir(tmpdir);
	unsetenv("REGISTRY_AUTH_FILE");
	mmr_arena_free(a);
}

/* ---- manifests, indexes, platforms ---- */

/* Shaped like Docker Hub's alpine:3.19 index (attestations included). */
static const char hub_index[] =
	"{\"manifests\":["
	"{\"annotations\":{\"com.docker.official-images.bashbrew.arch\":\"amd64\"},"
	"\"digest\":\"" D("1") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"size\":1022},"
	"{\"annotations\":{\"vnd.docker.reference.digest\":\"" D("1") "\","
	"\"vnd.docker.reference.type\":\"attestation-manifest\"},"
	"\"digest\":\"" D("2") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},\"size\":839},"
	"{\"digest\":\"" D("3") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"},\"size\":1025},"
	"{\"digest\":\"" D("4") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"},\"size\":1025},"
	"{\"digest\":\"" D("5") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"},\"size\":1025},"
	"{\"digest\":\"" D("6") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"386\",\"os\":\"linux\"},\"size\":1022},"
	"{\"digest\":\"" D("7") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"ppc64le\",\"os\":\"linux\"},\"size\":1022},"
	"{\"digest\":\"" D("8") "\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"platform\":{\"architecture\":\"s390x\",\"os\":\"linux\"},\"size\":1022}"
	"],\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"schemaVersion\":2}";

static void test_index_platforms(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_registry_manifest *m;
	struct mmr_error e = { 0 };
	size_t i;
	assert_int_equal(mmr_registry_parse_manifest(a, hub_index, strlen(hub_index), NULL, "idx", &m,
						     &e), 0);
	assert_true(m->is_index);
	assert_int_equal(m->n, 8);
	static const struct {
		const char *want, *digest;
	} cases[] = {
		{ "linux/amd64", D("1") },     { "linux/x86_64", D("1") },  { "Linux/AMD64", D("1") },
		{ "linux/arm64", D("5") },     { "linux/aarch64", D("5") }, { "linux/arm64/v8", D("5") },
		{ "linux/arm", D("4") },       { "linux/arm/v6", D("3") },  { "linux/armhf", D("4") },
		{ "linux/armel", D("3") },     { "linux/386", D("6") },     { "linux/i686", D("6") },
		{ "linux/s390x", D("8") },     { "linux/ppc64le", D("7") },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		if (mmr_registry_select_platform(m, cases[k].want, &i, &e) != 0)
			fail_msg("%s: %s", cases[k].want, e.msg);
		if (strcmp(m->descs[i].digest, cases[k].digest))
			fail_msg("%s chose %s", cases[k].want, m->descs[i].digest);
	}
	/* the host default */
	assert_int_equal(mmr_registry_select_platform(m, NULL, &i, &e), 0);
#if defined(__x86_64__)
	assert_string_equal(m->descs[i].digest, D("1"));
	assert_string_equal(mmr_registry_host_platform(), "linux/amd64");
#endif
	assert_int_equal(mmr_registry_select_platform(m, "linux/riscv64", &i, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "linux/riscv64"));
	assert_non_null(strstr(e.msg, "linux/arm/v7"));
	assert_null(strstr(e.msg, "unknown"));
	assert_int_equal(mmr_registry_select_platform(m, "linux/arm64/v9", &i, &e), -ENOENT);
	assert_int_equal(mmr_registry_select_platform(m, "windows/amd64", &i, &e), -ENOENT);
	assert_int_equal(mmr_registry_select_platform(m, "linux", &i, &e), -EINVAL);
	assert_int_equal(mmr_registry_select_platform(m, "linux/amd64/v2/x", &i, &e), -EINVAL);

	/* amd64 variants: exact first, else any when none was asked */
	const char *v = "{\"schemaVersion\":2,\"manifests\":["
			"{\"digest\":\"" D("a") "\",\"size\":1,\"platform\":{\"os\":\"linux\","
			"\"architecture\":\"amd64\",\"variant\":\"v3\"}},"
			"{\"digest\":\"" D("b") "\",\"size\":1,\"platform\":{\"os\":\"linux\","
			"\"architecture\":\"amd64\",\"variant\":\"v2\"}}]}";
	assert_int_equal(mmr_registry_parse_manifest(a, v, strlen(v), NULL, "idx", &m, &e), 0);
	assert_true(m->is_index); /* by shape, no mediaType */
	assert_int_equal(mmr_registry_select_platform(m, "linux/amd64/v2", &i, &e), 0);
	assert_string_equal(m->descs[i].digest, D("b"));
	assert_int_equal(mmr_registry_select_platform(m, "linux/amd64", &i, &e), 0);
	assert_string_equal(m->descs[i].digest, D("a"));
	mmr_arena_free(a);
}

static void test_manifest_parse(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_registry_manifest *m;
	struct mmr_error e = { 0 };
	const char *dm = "{\"schemaVersion\":2,\"mediaType\":"
			 "\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{"
			 "\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":"
			 "1469,\"digest\":\"" D("c") "\"},\"layers\":[{\"mediaType\":"
			 "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":2818413,"
			 "\"digest\":\"" D("d") "\"},{\"mediaType\":\"x\",\"size\":0,\"digest\":\"" D(
				 "e") "\"}]}";
	assert_int_equal(mmr_registry_parse_manifest(a, dm, strlen(dm), NULL, "m", &m, &e), 0);
	assert_false(m->is_index);
	assert_string_equal(m->config.digest, D("c"));
	assert_int_equal(m->config.size, 1469);
	assert_int_equal(m->n, 2);
	assert_int_equal(m->descs[0].size, 2818413);
	assert_string_equal(m->descs[0].media_type,
			    "application/vnd.docker.image.rootfs.diff.tar.gzip");
	assert_string_equal(m->descs[1].digest, D("e"));

	/* schema 1, by content type and by body */
	const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}";
	assert_int_equal(mmr_registry_parse_manifest(
				 a, s1, strlen(s1),
				 "application/vnd.docker.distribution.manifest.v1+prettyjws", "m", &m, &e),
			 -ENOTSUP);
	assert_non_null(strstr(e.msg, "schema 1"));
	assert_int_equal(mmr_registry_parse_manifest(a, s1, strlen(s1), NULL, "m", &m, &e), -ENOTSUP);
	/* an artifact that is not an image */
	const char *helm = "{\"schemaVersion\":2,\"config\":{\"mediaType\":"
			   "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"" D("c") "\","
			   "\"size\":1},\"layers\":[]}";
	assert_int_equal(mmr_registry_parse_manifest(a, helm, strlen(helm), NULL, "m", &m, &e),
			 -ENOTSUP);
	assert_non_null(strstr(e.msg, "helm"));
	static const char *const bad[] = {
		"[]", "{\"schemaVersion\":2}", "{\"schemaVersion\":3,\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:zz\",\"size\":1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D("c") "\",\"size\":-1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D("c") "\",\"size\":1},\"layers\":{}}",
		"{\"schemaVersion\":2,\"manifests\":[{\"size\":1}]}",
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\"}",
		"{\"schemaVersion\":2,\"mediaType\":\"text/html\",\"manifests\":[]}",
		"{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha512:ab\",\"size\":1}]}",
		"{\"schemaVersion\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = mmr_registry_parse_manifest(a, bad[i], strlen(bad[i]), NULL, "m", &m, &e);
		if (r >= 0)
			fail_msg("accepted %s", bad[i]);
		assert_string_equal(e.file, "m");
	}
	mmr_arena_free(a);
}

static void test_config_parse(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_error e = { 0 };
	const char **ids;
	size_t n;
	const char *c = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
			"\"diff_ids\":[\"" D("1") "\",\"" D("2") "\"]}}";
	assert_int_equal(mmr_registry_parse_config(a, c, strlen(c), "cfg", &ids, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], D("2"));
	const char *bad = "{\"rootfs\":{\"diff_ids\":[\"sha256:1234\"]}}";
	assert_int_equal(mmr_registry_parse_config(a, bad, strlen(bad), "cfg", &ids, &n, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "diff_ids[0]"));
	assert_int_equal(mmr_registry_parse_config(a, "{}", 2, "cfg", &ids, &n, &e), -EBADMSG);
	mmr_arena_free(a);
}

static void test_pull_errors_offline(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_scan_opts o;
	struct mmr_registry_image *img = NULL;
	struct mmr_error e = { 0 };
	mmr_scan_opts_default(&o);
	o.no_cache = true;
	assert_int_equal(mmr_registry_pull(a, "Bad Ref", &o, NULL, NULL, &img, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid image reference"));
	/* nothing listens on port 1: https refused, clear error, no temporary dir left */
	o.insecure = false;
	int r = mmr_registry_pull(a, "127.0.0.1:1/x:1", &o, NULL, NULL, &img, &e);
	assert_int_equal(r, -ECONNREFUSED);
	assert_non_null(strstr(e.msg, "https://127.0.0.1:1/v2/x/manifests/1"));
	assert_null(img);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ref),
		cmocka_unit_test(test_www_authenticate),
		cmocka_unit_test(test_auth_file_lookup),
		cmocka_unit_test(test_auth_find_order),
		cmocka_unit_test(test_index_platforms),
		cmocka_unit_test(test_manifest_parse),
		cmocka_unit_test(test_config_parse),
		cmocka_unit_test(test_pull_errors_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
