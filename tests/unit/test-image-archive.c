/* test-image-archive.c - whole images: docker-archive, OCI archive and
 * layout (peer corpora and images built here), whiteouts across layers,
 * digest verification, the layer cache. */
#include "test-image-tar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-hash.h"
#include "image/image-cache.h"
#include "scan/scan.h"

static const char OSREL[] = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
static const char STATUS_FOO[] = "Package: foo\nStatus: install ok installed\nVersion: 1.0\n"
				 "Architecture: amd64\n\n";
static const char STATUS_BAR[] = "Package: bar\nStatus: install ok installed\nVersion: 2.0\n"
				 "Architecture: amd64\n\n";

static char tmpdir[256];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mmr-test-image-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *d, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, d, len), (ssize_t)len);
	close(fd);
}

static void sha(const void *d, size_t len, char out[72])
{
	char hex[65];
	mmr_sha256_hex(d, len, hex);
	snprintf(out, 72, "sha256:%s", hex);
}

/* Compress bytes as a whole (a "raw" archive). */
static uint8_t *compress(const uint8_t *d, size_t len, enum tfilter f, size_t *ret_len)
{
	size_t cap = len + (1 << 16), used = 0;
	uint8_t *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_raw(a);
	if (f == F_GZIP)
		archive_write_add_filter_gzip(a);
	else
		archive_write_add_filter_zstd(a);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "data");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_write_data(a, d, len);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	*ret_len = used;
	return buf;
}

struct layer {
	uint8_t *tar, *blob; /* blob: compressed (or == tar) */
	size_t tar_len, blob_len;
	char diff_id[72], digest[72];
};

static void layer_make(struct layer *l, const struct tent *ents, size_t n, enum tfilter f)
{
	l->tar = tar_build(ents, n, F_NONE, &l->tar_len);
	sha(l->tar, l->tar_len, l->diff_id);
	if (f == F_NONE) {
		l->blob = l->tar;
		l->blob_len = l->tar_len;
	} else {
		l->blob = compress(l->tar, l->tar_len, f, &l->blob_len);
	}
	sha(l->blob, l->blob_len, l->digest);
}

static void layer_free(struct layer *l)
{
	if (l->blob != l->tar)
		free(l->blob);
	free(l->tar);
}

static char *config_json(const struct layer *ls, size_t n, const char *bad_diff)
{
	static char buf[8192];
	size_t o = (size_t)snprintf(buf, sizeof(buf),
				    "{\"architecture\":\"arm64\",\"variant\":\"v8\",\"os\":\"linux\","
				    "\"created\":\"2024-01-02T03:04:05Z\",\"config\":{\"User\":\"app\","
				    "\"WorkingDir\":\"/srv\",\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],"
				    "\"Cmd\":[\"run\"],\"ExposedPorts\":{\"80/tcp\":{}},"
				    "\"Volumes\":{\"/data\":{}},\"Labels\":{\"k\":\"v\"},"
				    "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
				    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s\"%s\"", i ? "," : "",
				      bad_diff && i == n - 1 ? bad_diff : ls[i].diff_id);
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "]},\"history\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
				      "%s{\"created_by\":\"step %zu\"},{\"created_by\":\"meta\","
				      "\"empty_layer\":true}",
				      i ? "," : "", i);
	snprintf(buf + o, sizeof(buf) - o, "]}");
	return buf;
}

/* docker save layout: manifest.json, <hex>.json, <n>/layer.tar */
static const char *docker_archive(const char *fname, struct layer *ls, size_t n,
				  const char *bad_diff, enum tfilter whole)
{
	static char path[512];
	char cfgname[80], manifest[4096], names[8][32];
	const char *cfg = config_json(ls, n, bad_diff);
	char cd[72];
	sha(cfg, strlen(cfg), cd);
	snprintf(cfgname, sizeof(cfgname), "%s.json", cd + 7);
	size_t o = (size_t)snprintf(manifest, sizeof(manifest),
				    "[{\"Config\":\"%s\",\"RepoTags\":[\"test/img:1\"],\"Layers\":[",
				    cfgname);
	struct tfile files[10];
	size_t nf = 0;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "l%zu/layer.tar", i);
		o += (size_t)snprintf(manifest + o, sizeof(manifest) - o, "%s\"%s\"", i ? "," : "",
				      names[i]);
		files[nf++] = (struct tfile){ names[i], ls[i].tar, ls[i].tar_len };
	}
	snprintf(manifest + o, sizeof(manifest) - o, "]}]");
	files[nf++] = (struct tfile){ cfgname, (const uint8_t *)cfg, strlen(cfg) };
	files[nf++] = (struct tfile){ "manifest.json", (const uint8_t *)manifest, strlen(manifest) };
	size_t len;
	uint8_t *t = tar_files(files, nf, whole, &len);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, fname);
	write_file(path, t, len);
	free(t);
	return path;
}

/* OCI layout files (names and contents) for the layers. */
struct oci {
	char cfg_digest[72], man_digest[72];
	char *cfg, manifest[4096], index[1024];
	char names[12][96];
	struct tfile files[12];
	size_t nf;
};

static void oci_make(struct oci *x, struct layer *ls, size_t n)
{
	x->cfg = config_json(ls, n, NULL);
	sha(x->cfg, strlen(x->cfg), x->cfg_digest);
	size_t o = (size_t)snprintf(
		x->manifest, sizeof(x->manifest),
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"%s\",\"size\":%zu},\"layers\":[",
		x->cfg_digest, strlen(x->cfg));
	x->nf = 0;
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(x->manifest + o, sizeof(x->manifest) - o,
				      "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
				      "\"digest\":\"%s\",\"size\":%zu}",
				      i ? "," : "", ls[i].digest, ls[i].blob_len);
		snprintf(x->names[i], sizeof(x->names[i]), "blobs/sha256/%s", ls[i].digest + 7);
		x->files[x->nf++] = (struct tfile){ x->names[i], ls[i].blob, ls[i].blob_len };
	}
	snprintf(x->manifest + o, sizeof(x->manifest) - o, "]}");
	sha(x->manifest, strlen(x->manifest), x->man_digest);
	snprintf(x->index, sizeof(x->index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
		 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}",
		 x->man_digest, strlen(x->manifest));
	snprintf(x->names[10], sizeof(x->names[10]), "blobs/sha256/%s", x->cfg_digest + 7);
	snprintf(x->names[11], sizeof(x->names[11]), "blobs/sha256/%s", x->man_digest + 7);
	x->files[x->nf++] = (struct tfile){ x->names[10], (uint8_t *)x->cfg, strlen(x->cfg) };
	x->files[x->nf++] = (struct tfile){ x->names[11], (uint8_t *)x->manifest,
					    strlen(x->manifest) };
	x->files[x->nf++] = (struct tfile){ "oci-layout", (const uint8_t *)"{\"imageLayoutVersion\":\"1.0.0\"}", 30 };
	x->files[x->nf++] = (struct tfile){ "index.json", (uint8_t *)x->index, strlen(x->index) };
}

static const char *oci_dir(const char *dname, struct oci *x)
{
	static char path[512];
	char p[1024];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, dname);
	mkdir(path, 0755);
	snprintf(p, sizeof(p), "%s/blobs", path);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/blobs/sha256", path);
	mkdir(p, 0755);
	for (size_t i = 0; i < x->nf; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, x->files[i].name);
		write_file(p, x->files[i].data, x->files[i].len);
	}
	return path;
}

static const char *oci_archive(const char *fname, struct oci *x, enum tfilter whole)
{
	static char path[512];
	size_t len;
	uint8_t *t = tar_files(x->files, x->nf, whole, &len);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, fname);
	write_file(path, t, len);
	free(t);
	return path;
}

static struct mmr_scan_opts opts(const char *cache)
{
	struct mmr_scan_opts o;
	mmr_scan_opts_default(&o);
	o.no_cache = cache == NULL;
	o.cache_dir = cache;
	return o;
}

static int scan(struct mmr_report **ret, const char *ref, const struct mmr_scan_opts *o,
		struct mmr_error *e)
{
	*ret = mmr_report_new();
	assert_non_null(*ret);
	return mmr_scan_image(*ret, ref, o, e);
}

/* "name@version" of every package, sorted, "\n"-joined. */
static char *pkgs(struct mmr_report *r)
{
	static char out[8192];
	size_t o = 0;
	out[0] = 0;
	mmr_report_sort(r);
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->packages.n; k++) {
			const struct mmr_package *p = res->packages.v[k];
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s@%s\n", p->name, p->version);
		}
	}
	return out;
}

static const struct mmr_package *find_pkg(struct mmr_report *r, const char *name)
{
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->packages.n; k++)
			if (strcmp(((struct mmr_package *)res->packages.v[k])->name, name) == 0)
				return res->packages.v[k];
	}
	return NULL;
}

/* ---- peer corpora ---- */

static void test_alpine311(void **state)
{
	struct mmr_report *r;
	struct mmr_error e = { 0 };
	struct mmr_scan_opts o = opts(NULL);
	const char *path = mmr_test_corpus("image/images/trivy-alpine-311.docker-archive.tar.gz");
	int rc = scan(&r, path, &o, &e);
	if (rc < 0)
		print_error("%s\n", e.msg);
	assert_int_equal(rc, 0);
	const struct mmr_asset *as = &r->asset;
	assert_int_equal(as->kind, MMR_ASSET_IMAGE);
	assert_string_equal(as->name, path);
	assert_int_equal(as->repo_tags.n, 1);
	assert_string_equal(as->repo_tags.v[0], "alpine:3.11");
	assert_string_equal(as->image_id,
			    "sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72");
	assert_int_equal(as->layers.n, 1);
	const struct mmr_layer *l = as->layers.v[0];
	assert_string_equal(l->diff_id,
			    "sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203");
	assert_int_equal(l->size, 5861888);
	assert_non_null(strstr(l->created_by, "ADD file:0c4555f3"));
	assert_true(as->has_config);
	assert_string_equal(as->config.created, "2020-03-23T21:19:34.196162891Z");
	assert_string_equal(as->config.architecture, "amd64");
	assert_string_equal(as->config.os, "linux");
	assert_int_equal(as->config.cmd.n, 1);
	assert_string_equal(as->config.cmd.v[0], "/bin/sh");
	assert_string_equal(as->os.name, "alpine");
	assert_string_equal(as->os.version, "3.11.5");
	if (!mmr_sbom_analyzer_find("apk")) {
		mmr_report_free(r);
		print_message("apk analyzer not built in: package list not checked\n");
		skip();
	}
	assert_string_equal(pkgs(r), "alpine-baselayout@3.2.0-r3\nalpine-keys@2.1-r2\n"
				     "apk-tools@2.10.4-r3\nbusybox@1.31.1-r9\n"
				     "ca-certificates-cacert@20191127-r1\nlibc-utils@0.7.2-r0\n"
				     "libcrypto1.1@1.1.1d-r3\nlibssl1.1@1.1.1d-r3\n"
				     "libtls-standalone@2.9.1-r0\nmusl@1.1.24-r2\n"
				     "musl-utils@1.1.24-r2\nscanelf@1.2.4-r0\nssl_client@1.31.1-r9\n"
				     "zlib@1.2.11-r3\n");
	assert_string_equal(find_pkg(r, "musl")->layer, l->diff_id);
	mmr_report_free(r);
}

static void test_alpine310(void **state)
{
	struct mmr_report *r;
	struct mmr_scan_opts o = opts(NULL);
	char ref[4200];
	snprintf(ref, sizeof(ref), "docker-archive:%s",
		 mmr_test_corpus("image/images/trivy-alpine-310.docker-archive.tar.gz"));
	assert_int_equal(scan(&r, ref, &o, NULL), 0);
	assert_string_equal(r->asset.repo_tags.v[0], "alpine:3.10");
	assert_string_equal(r->asset.os.version, "3.10.4");
	if (!mmr_sbom_analyzer_find("apk")) {
		mmr_report_free(r);
		skip();
	}
	assert_int_equal(mmr_report_package_count(r), 14);
	const char *list = pkgs(r);
	assert_non_null(strstr(list, "musl@1.1.22-r3\n"));
	assert_non_null(strstr(list, "busybox@1.30.1-r3\n"));
	assert_non_null(strstr(list, "libcrypto1.1@1.1.1d-r2\n"));
	mmr_report_free(r);
}

static void check_trivy_oci(struct mmr_report *r)
{
	assert_string_equal(r->asset.image_id,
			    "sha256:b23a8f6569ae9ae331226205fa72f480ce5310707d0bc97e611f83fbbbde4604");
	assert_string_equal(r->asset.manifest_digest,
			    "sha256:afb744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab");
	assert_int_equal(r->asset.repo_tags.n, 0);
	assert_int_equal(r->asset.layers.n, 1);
	const struct mmr_layer *l = r->asset.layers.v[0];
	assert_string_equal(l->digest,
			    "sha256:cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c");
	assert_int_equal(l->size, 2610);
	assert_string_equal(r->asset.config.cmd.v[0], "/hello");
	assert_int_equal(mmr_report_package_count(r), 0);
}

static void test_trivy_oci_layout(void **state)
{
	struct mmr_report *r;
	struct mmr_scan_opts o = opts(NULL);
	char ref[4200];
	const char *dir = mmr_test_corpus("image/images/trivy-test.oci");
	assert_int_equal(scan(&r, dir, &o, NULL), 0);
	check_trivy_oci(r);
	mmr_report_free(r);
	snprintf(ref, sizeof(ref), "oci:%s", mmr_test_corpus("image/images/trivy-test.oci"));
	assert_int_equal(scan(&r, ref, &o, NULL), 0);
	check_trivy_oci(r);
	mmr_report_free(r);
	/* a tag that is not there */
	struct mmr_error e = { 0 };
	snprintf(ref, sizeof(ref), "oci:%s:nope", mmr_test_corpus("image/images/trivy-test.oci"));
	assert_int_equal(scan(&r, ref, &o, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "nope"));
	mmr_report_free(r);
}

/* ---- images built here ---- */

static void test_whiteout_across_layers(void **state)
{
	const struct tent l1[] = { { "etc/os-release", OSREL, T_REG, 0 },
				   { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	const struct tent l2[] = { { "var/lib/dpkg/.wh.status", "", T_REG, 0 } };
	struct layer ls[2];
	layer_make(&ls[0], l1, 2, F_NONE);
	layer_make(&ls[1], l2, 1, F_NONE);
	struct mmr_report *r;
	struct mmr_error e = { 0 };
	struct mmr_scan_opts o = opts(NULL);
	/* control: layer 1 alone has the package */
	assert_int_equal(scan(&r, docker_archive("one.tar", ls, 1, NULL, F_NONE), &o, &e), 0);
	assert_string_equal(pkgs(r), "foo@1.0\n");
	assert_string_equal(find_pkg(r, "foo")->layer, ls[0].diff_id);
	assert_string_equal(r->asset.os.name, "debian");
	mmr_report_free(r);
	/* layer 2 deletes the status file: foo is gone, the OS stays */
	assert_int_equal(scan(&r, docker_archive("two.tar", ls, 2, NULL, F_NONE), &o, &e), 0);
	assert_string_equal(pkgs(r), "");
	assert_string_equal(r->asset.os.name, "debian");
	assert_int_equal(r->asset.layers.n, 2);
	assert_string_equal(((struct mmr_layer *)r->asset.layers.v[1])->created_by, "step 1");
	assert_string_equal(r->asset.repo_tags.v[0], "test/img:1");
	/* the config */
	const struct mmr_image_config *c = &r->asset.config;
	assert_string_equal(c->architecture, "arm64");
	assert_string_equal(c->variant, "v8");
	assert_string_equal(c->user, "app");
	assert_string_equal(c->workdir, "/srv");
	assert_string_equal(c->env.v[0], "A=1");
	assert_string_equal(c->entrypoint.v[0], "/e");
	assert_string_equal(c->exposed_ports.v[0], "80/tcp");
	assert_string_equal(c->volumes.v[0], "/data");
	assert_string_equal(c->label_keys.v[0], "k");
	assert_string_equal(c->label_values.v[0], "v");
	assert_true(c->has_healthcheck);
	assert_int_equal(c->history.n, 4);
	mmr_report_free(r);
	layer_free(&ls[0]);
	layer_free(&ls[1]);
}

static void test_opaque_dir(void **state)
{
	const struct tent l1[] = { { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	const struct tent l2[] = { { "var/lib/dpkg/.wh..wh..opq", "", T_REG, 0 },
				   { "var/lib/dpkg/status.d/bar", STATUS_BAR, T_REG, 0 } };
	const struct tent l2b[] = { { "var/lib/.wh..wh..opq", "", T_REG, 0 } };
	struct layer ls[3];
	layer_make(&ls[0], l1, 1, F_GZIP);
	layer_make(&ls[1], l2, 2, F_GZIP);
	struct mmr_report *r;
	struct mmr_scan_opts o = opts(NULL);
	struct oci x;
	oci_make(&x, ls, 2);
	assert_int_equal(scan(&r, oci_dir("opq", &x), &o, NULL), 0);
	assert_string_equal(pkgs(r), "bar@2.0\n");
	mmr_report_free(r);
	/* an opaque dir above; and an opaque dir elsewhere does nothing */
	layer_make(&ls[2], l2b, 1, F_GZIP);
	layer_free(&ls[1]);
	ls[1] = ls[2];
	oci_make(&x, ls, 2);
	assert_int_equal(scan(&r, oci_archive("opq2.tar", &x, F_NONE), &o, NULL), 0);
	assert_string_equal(pkgs(r), "");
	mmr_report_free(r);
	const struct tent l3[] = { { "usr/.wh..wh..opq", "", T_REG, 0 } };
	layer_make(&ls[1], l3, 1, F_GZIP);
	oci_make(&x, ls, 2);
	assert_int_equal(scan(&r, oci_archive("opq3.tar", &x, F_GZIP), &o, NULL), 0);
	assert_string_equal(pkgs(r), "foo@1.0\n");
	mmr_report_free(r);
	layer_free(&ls[0]);
	layer_free(&ls[1]);
	layer_free(&ls[2]);
}

static void test_digest_mismatch(void **state)
{
	const struct tent l1[] = { { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	struct layer ls[1];
	layer_make(&ls[0], l1, 1, F_GZIP);
	struct oci x;
	oci_make(&x, ls, 1);
	/* a layer blob whose content is not what its name says */
	uint8_t *evil = malloc(ls[0].blob_len);
	memcpy(evil, ls[0].blob, ls[0].blob_len);
	evil[ls[0].blob_len - 5] ^= 0x55; /* in the gzip trailer (CRC/size) */
	x.files[0].data = evil;
	struct mmr_report *r;
	struct mmr_error e = { 0 };
	struct mmr_scan_opts o = opts(NULL);
	int rc = scan(&r, oci_dir("bad", &x), &o, &e);
	assert_true(rc == -EBADMSG);
	assert_non_null(strstr(e.msg, ls[0].digest));
	mmr_report_free(r);
	/* same through an OCI archive, with a valid gzip of other content */
	const struct tent other[] = { { "x", "y", T_REG, 0 } };
	struct layer lo;
	layer_make(&lo, other, 1, F_GZIP);
	x.files[0].data = lo.blob;
	x.files[0].len = lo.blob_len;
	memset(&e, 0, sizeof(e));
	assert_int_equal(scan(&r, oci_archive("bad.tar", &x, F_NONE), &o, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, ls[0].digest));
	assert_non_null(strstr(e.msg, "does not match"));
	mmr_report_free(r);
	/* docker-archive: the diff ID in the config does not match the layer tar */
	memset(&e, 0, sizeof(e));
	const char *bad = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	assert_int_equal(scan(&r, docker_archive("baddiff.tar", ls, 1, bad, F_NONE), &o, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "rootfs.diff_ids"));
	assert_non_null(strstr(e.msg, bad));
	mmr_report_free(r);
	/* the config blob itself */
	oci_make(&x, ls, 1);
	char *cfg = strdup(x.cfg);
	cfg[strlen(cfg) - 2] = ' ';
	x.files[1].data = (uint8_t *)cfg;
	memset(&e, 0, sizeof(e));
	assert_int_equal(scan(&r, oci_dir("badcfg", &x), &o, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, x.cfg_digest));
	mmr_report_free(r);
	free(cfg);
	free(evil);
	layer_free(&lo);
	layer_free(&ls[0]);
}

static void test_zstd_and_compressed_archives(void **state)
{
	const struct tent l1[] = { { "etc/os-release", OSREL, T_REG, 0 },
				   { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	struct layer ls[1];
	layer_make(&ls[0], l1, 2, F_ZSTD);
	struct oci x;
	oci_make(&x, ls, 1);
	struct mmr_report *r;
	struct mmr_scan_opts o = opts(NULL);
	char ref[600];
	snprintf(ref, sizeof(ref), "oci-archive:%s", oci_archive("z.tar.zst", &x, F_ZSTD));
	assert_int_equal(scan(&r, ref, &o, NULL), 0);
	assert_string_equal(pkgs(r), "foo@1.0\n");
	assert_string_equal(((struct mmr_layer *)r->asset.layers.v[0])->digest, ls[0].digest);
	mmr_report_free(r);
	/* a docker archive gzip-compressed as a whole, sniffed from a plain path */
	assert_int_equal(scan(&r, docker_archive("d.tar.gz", ls, 1, NULL, F_GZIP), &o, NULL), 0);
	assert_string_equal(pkgs(r), "foo@1.0\n");
	mmr_report_free(r);
	layer_free(&ls[0]);
}

/* docker save stores a layer used twice once, and links the second copy */
static void test_docker_symlinked_layer(void **state)
{
	const struct tent l1[] = { { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	struct layer ls[2];
	layer_make(&ls[0], l1, 1, F_NONE);
	ls[1] = ls[0];
	const char *cfg = config_json(ls, 2, NULL);
	char cd[72], cfgname[80], manifest[512], path[600];
	sha(cfg, strlen(cfg), cd);
	snprintf(cfgname, sizeof(cfgname), "%s.json", cd + 7);
	snprintf(manifest, sizeof(manifest),
		 "[{\"Config\":\"%s\",\"RepoTags\":null,\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]}]",
		 cfgname);
	size_t cap = ls[0].tar_len + 65536, used = 0;
	uint8_t *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	struct { const char *name; const void *d; size_t len; const char *link; } ents[] = {
		{ "a/layer.tar", ls[0].tar, ls[0].tar_len, NULL },
		{ "b/layer.tar", NULL, 0, "../a/layer.tar" },
		{ cfgname, cfg, strlen(cfg), NULL },
		{ "manifest.json", manifest, strlen(manifest), NULL },
	};
	for (size_t i = 0; i < 4; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_filetype(e, ents[i].link ? AE_IFLNK : AE_IFREG);
		archive_entry_set_perm(e, 0644);
		if (ents[i].link)
			archive_entry_set_symlink(e, ents[i].link);
		else
			archive_entry_set_size(e, (la_int64_t)ents[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!ents[i].link)
			archive_write_data(a, ents[i].d, ents[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	snprintf(path, sizeof(path), "%s/dup.tar", tmpdir);
	write_file(path, buf, used);
	free(buf);
	struct mmr_report *r;
	struct mmr_error e = { 0 };
	struct mmr_scan_opts o = opts(NULL);
	int rc = scan(&r, path, &o, &e);
	if (rc < 0)
		print_error("%s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(r->asset.layers.n, 2);
	assert_int_equal(r->asset.repo_tags.n, 0);
	assert_string_equal(pkgs(r), "foo@1.0\n");
	mmr_report_free(r);
	layer_free(&ls[0]);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static void test_cache(void **state)
{
	const struct tent l1[] = { { "etc/os-release", OSREL, T_REG, 0 },
				   { "var/lib/dpkg/status", STATUS_FOO, T_REG, 0 } };
	struct layer ls[1];
	layer_make(&ls[0], l1, 2, F_NONE);
	char cache[512], cpath[1024];
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	struct mmr_scan_opts o = opts(cache);
	const char *img = docker_archive("c.tar", ls, 1, NULL, F_NONE);
	char imgp[512];
	snprintf(imgp, sizeof(imgp), "%s", img);
	assert_int_equal(mmr_image_cache_path(cache, ls[0].diff_id, cpath, sizeof(cpath)), 0);
	/* --no-cache writes nothing */
	struct mmr_scan_opts nc = opts(cache);
	nc.no_cache = true;
	struct mmr_report *r;
	assert_int_equal(scan(&r, imgp, &nc, NULL), 0);
	mmr_report_free(r);
	assert_false(exists(cpath));
	/* first scan fills the cache */
	assert_int_equal(scan(&r, imgp, &o, NULL), 0);
	char first[8192];
	snprintf(first, sizeof(first), "%s", pkgs(r));
	assert_string_equal(first, "foo@1.0\n");
	mmr_report_free(r);
	struct stat st;
	assert_int_equal(stat(cpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* second scan: same answer */
	assert_int_equal(scan(&r, imgp, &o, NULL), 0);
	assert_string_equal(pkgs(r), first);
	assert_string_equal(r->asset.os.name, "debian");
	mmr_report_free(r);
	/* ... and it came from the cache: an edited cache entry shows through */
	size_t len;
	char *js = (char *)mmr_test_read(cpath, &len);
	char *v = strstr(js, "\"1.0\"");
	assert_non_null(v);
	v[1] = '9';
	v[3] = '9';
	write_file(cpath, js, len);
	free(js);
	assert_int_equal(scan(&r, imgp, &o, NULL), 0);
	assert_string_equal(pkgs(r), "foo@9.9\n");
	mmr_report_free(r);
	/* a corrupt cache file is ignored and rewritten */
	write_file(cpath, "{\"schema\":1,", 12);
	assert_int_equal(scan(&r, imgp, &o, NULL), 0);
	assert_string_equal(pkgs(r), first);
	mmr_report_free(r);
	js = (char *)mmr_test_read(cpath, &len);
	assert_non_null(strstr(js, "\"groups\""));
	free(js);
	layer_free(&ls[0]);
}

static unsigned progress_calls;
static void progress(void *ud, const char *stage, uint64_t done, uint64_t total)
{
	assert_string_equal(stage, "layer");
	assert_true(done <= total);
	progress_calls++;
}

static void test_progress_and_errors(void **state)
{
	const struct tent l1[] = { { "a", "1", T_REG, 0 } };
	const struct tent l2[] = { { "b", "2", T_REG, 0 } };
	struct layer ls[2];
	layer_make(&ls[0], l1, 1, F_NONE);
	layer_make(&ls[1], l2, 1, F_NONE);
	struct mmr_scan_opts o = opts(NULL);
	o.progress = progress;
	struct mmr_report *r;
	assert_int_equal(scan(&r, docker_archive("p.tar", ls, 2, NULL, F_NONE), &o, NULL), 0);
	assert_int_equal(progress_calls, 2);
	mmr_report_free(r);
	layer_free(&ls[0]);
	layer_free(&ls[1]);

	struct mmr_error e = { 0 };
	o = opts(NULL);
	/* not an image */
	char p[600];
	snprintf(p, sizeof(p), "%s/junk", tmpdir);
	write_file(p, "this is not a tar at all, not even close......", 46);
	assert_int_equal(scan(&r, p, &o, &e), -EBADMSG);
	assert_non_null(strstr(e.file, "junk"));
	mmr_report_free(r);
	const struct tfile f[] = { { "hello.txt", (const uint8_t *)"hi", 2 } };
	size_t len;
	uint8_t *t = tar_files(f, 1, F_NONE, &len);
	snprintf(p, sizeof(p), "%s/plain.tar", tmpdir);
	write_file(p, t, len);
	free(t);
	memset(&e, 0, sizeof(e));
	assert_int_equal(scan(&r, p, &o, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "manifest.json"));
	mmr_report_free(r);
	/* a directory that is not an OCI layout */
	memset(&e, 0, sizeof(e));
	assert_true(scan(&r, tmpdir, &o, &e) < 0);
	assert_non_null(strstr(e.msg, "OCI"));
	mmr_report_free(r);
	/* podman names are user data: no options smuggled in */
	memset(&e, 0, sizeof(e));
	assert_int_equal(scan(&r, "podman:--help", &o, &e), -EINVAL);
	mmr_report_free(r);
	memset(&e, 0, sizeof(e));
	assert_int_equal(scan(&r, "./does/not/exist.tar", &o, &e), -ENOENT);
	mmr_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alpine311),
		cmocka_unit_test(test_alpine310),
		cmocka_unit_test(test_trivy_oci_layout),
		cmocka_unit_test(test_whiteout_across_layers),
		cmocka_unit_test(test_opaque_dir),
		cmocka_unit_test(test_digest_mismatch),
		cmocka_unit_test(test_zstd_and_compressed_archives),
		cmocka_unit_test(test_docker_symlinked_layer),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_progress_and_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
