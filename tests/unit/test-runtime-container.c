/* Container metadata from the runtimes' state files (runtime-container.c).
 *
 * Fixture roots are written here in a temp directory, shaped like the real
 * files: podman's were copied in shape from a podman 4.3 host (containers.json,
 * images.json, userdata/config.json, libpod/bolt_state.db buckets ctr/ID/
 * config|state); containerd's from pkg/cri/annotations (io.kubernetes.cri.*)
 * and core/metadata/buckets.go (v1/NS/containers/ID/labels|image,
 * v1/NS/images/NAME/target/digest); CRI-O's from pkg/annotations
 * (io.kubernetes.cri-o.ImageName/ImageRef/Labels, io.kubernetes.pod.*);
 * docker's from daemon/container (config.v2.json, hostconfig.json) and
 * reference/store.go (repositories.json). BoltDB files are built by a small
 * writer below following go.etcd.io/bbolt's page layout.
 *
 * The last test runs real podman containers (when root and podman and the
 * busybox fixture image are there) and compares with `podman inspect`. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test-util.h"

#include "runtime/runtime-container.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define IMGID "1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST "sha256:2222222222222222222222222222222222222222222222222222222222222222"

/* ---- a tiny BoltDB writer ---- */

#define PSZ 4096
#define NPAGES 32

struct bn {
	const char *k;
	const char *v; /* value, or NULL for a bucket */
	const struct bn *kids;
	size_t nkids;
	int mode; /* bucket: 0 own leaf page, 1 inline, 2 branch over two leaves */
};

struct bdb {
	uint8_t buf[NPAGES * PSZ];
	uint64_t next;
};

static void w16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}
static void w32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void w64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t bucket_page(struct bdb *db, const struct bn *b);

/* A leaf node of kids at dst (pgid id); bytes used. */
static size_t write_leaf(struct bdb *db, uint8_t *dst, uint64_t id, const struct bn *kids, size_t n)
{
	w64(dst, id);
	w16(dst + 8, 0x02);
	w16(dst + 10, (uint16_t)n);
	w32(dst + 12, 0);
	size_t data = 16 + n * 16;
	for (size_t i = 0; i < n; i++) {
		uint8_t *el = dst + 16 + i * 16;
		const struct bn *k = &kids[i];
		size_t kl = strlen(k->k);
		uint8_t val[PSZ];
		size_t vl;
		uint32_t flags = 0;
		if (k->v) {
			vl = strlen(k->v);
			memcpy(val, k->v, vl);
		} else {
			flags = 1;
			memset(val, 0, 16);
			if (k->mode == 1) {
				vl = 16 + write_leaf(db, val + 16, 0, k->kids, k->nkids);
			} else {
				w64(val, bucket_page(db, k));
				vl = 16;
			}
		}
		w32(el, flags);
		w32(el + 4, (uint32_t)(data - (16 + i * 16)));
		w32(el + 8, (uint32_t)kl);
		w32(el + 12, (uint32_t)vl);
		memcpy(dst + data, k->k, kl);
		memcpy(dst + data + kl, val, vl);
		data += kl + vl;
		assert_true(data < PSZ);
	}
	return data;
}

static uint64_t alloc_page(struct bdb *db)
{
	assert_true(db->next < NPAGES);
	return db->next++;
}

static uint64_t bucket_page(struct bdb *db, const struct bn *b)
{
	uint64_t pg = alloc_page(db);
	if (b->mode != 2 || b->nkids < 2) {
		write_leaf(db, db->buf + pg * PSZ, pg, b->kids, b->nkids);
		return pg;
	}
	size_t half = b->nkids / 2;
	uint64_t l1 = alloc_page(db), l2 = alloc_page(db);
	write_leaf(db, db->buf + l1 * PSZ, l1, b->kids, half);
	write_leaf(db, db->buf + l2 * PSZ, l2, b->kids + half, b->nkids - half);
	uint8_t *p = db->buf + pg * PSZ;
	w64(p, pg);
	w16(p + 8, 0x01);
	w16(p + 10, 2);
	const char *keys[2] = { b->kids[0].k, b->kids[half].k };
	uint64_t pgs[2] = { l1, l2 };
	size_t data = 16 + 2 * 16;
	for (int i = 0; i < 2; i++) {
		uint8_t *el = p + 16 + i * 16;
		size_t kl = strlen(keys[i]);
		w32(el, (uint32_t)(data - (16 + (size_t)i * 16)));
		w32(el + 4, (uint32_t)kl);
		w64(el + 8, pgs[i]);
		memcpy(p + data, keys[i], kl);
		data += kl;
	}
	return pg;
}

/* The whole file: metas 0/1, freelist 2, root bucket. Returns its size. */
static size_t bolt_build(struct bdb *db, const struct bn *top, size_t n)
{
	memset(db->buf, 0, sizeof(db->buf));
	db->next = 3;
	struct bn rootb = { "", NULL, top, n, 0 };
	uint64_t root = bucket_page(db, &rootb);
	w64(db->buf + 2 * PSZ, 2);
	w16(db->buf + 2 * PSZ + 8, 0x10);
	for (int m = 0; m < 2; m++) {
		uint8_t *p = db->buf + (size_t)m * PSZ;
		w64(p, (uint64_t)m);
		w16(p + 8, 0x04);
		w32(p + 16, 0xED0CDAED);
		w32(p + 20, 2);
		w32(p + 24, PSZ);
		w64(p + 32, root);
		w64(p + 48, 2);
		w64(p + 56, db->next);
		w64(p + 64, (uint64_t)m + 1);
		uint64_t h = 0xcbf29ce484222325ull;
		for (int i = 16; i < 72; i++) {
			h ^= p[i];
			h *= 0x100000001b3ull;
		}
		w64(p + 72, h);
	}
	return db->next * PSZ;
}

/* ---- fixture roots ---- */

static char troot[256];

static void mkdirs(const char *path)
{
	char tmp[1024];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static void put_file(const char *rel, const void *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s%s", troot, rel);
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	mkdirs(dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void put_str(const char *rel, const char *s)
{
	put_file(rel, s, strlen(s));
}

static int setup(void **state)
{
	snprintf(troot, sizeof(troot), "/tmp/mmr-ctrmeta-XXXXXX");
	assert_non_null(mkdtemp(troot));
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", troot);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* ---- tests ---- */

static void test_id_from_cgroup(void **state)
{
	char id[MMR_RT_CONTAINER_ID_MAX];
	const char *rt = NULL;
	assert_int_equal(mmr_rt_container_id_from_cgroup("/machine.slice/libpod-" CID ".scope", id, &rt), 1);
	assert_string_equal(id, CID);
	assert_string_equal(rt, "podman");
	assert_int_equal(mmr_rt_container_id_from_cgroup("/kubepods/besteffort/pod1/cri-containerd-" CID ".scope",
							  id, &rt), 1);
	assert_string_equal(rt, "containerd");
	assert_int_equal(mmr_rt_container_id_from_cgroup("/kubepods.slice/crio-" CID ".scope", id, &rt), 1);
	assert_string_equal(rt, "cri-o");
	assert_int_equal(mmr_rt_container_id_from_cgroup("/docker/" CID, id, &rt), 1);
	assert_string_equal(rt, "docker");
	assert_int_equal(mmr_rt_container_id_from_cgroup("/user.slice/session-2.scope", id, &rt), 0);
}

#define UNPRIV_LINUX                                                                                \
	"\"linux\":{\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]}"
#define ALLCAPS "\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]}}"

static void test_privileged_rule(void **state)
{
	struct mmr_rt_container c;
	const char *plain = "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}}," UNPRIV_LINUX "}";
	const char *priv = "{" ALLCAPS ",\"linux\":{\"devices\":[]}}";
	const char *capadd = "{" ALLCAPS "," UNPRIV_LINUX "}";
	const char *podman_false = "{" ALLCAPS ",\"annotations\":{\"io.podman.annotations.privileged\":\"FALSE\"}}";
	const char *podman_true = "{\"annotations\":{\"io.podman.annotations.privileged\":\"TRUE\"}," UNPRIV_LINUX "}";
	memset(&c, 0, sizeof(c));
	assert_int_equal(mmr_rt_container_parse_spec(plain, strlen(plain), &c), 0);
	assert_false(c.privileged);
	assert_int_equal(mmr_rt_container_parse_spec(priv, strlen(priv), &c), 0);
	assert_true(c.privileged);
	assert_int_equal(mmr_rt_container_parse_spec(capadd, strlen(capadd), &c), 0);
	assert_false(c.privileged); /* --cap-add SYS_ADMIN keeps the masked paths */
	assert_int_equal(mmr_rt_container_parse_spec(podman_false, strlen(podman_false), &c), 0);
	assert_false(c.privileged);
	assert_int_equal(mmr_rt_container_parse_spec(podman_true, strlen(podman_true), &c), 0);
	assert_true(c.privileged);
	assert_int_equal(mmr_rt_container_parse_spec("[1]", 3, &c), -EBADMSG);
	assert_int_equal(mmr_rt_container_parse_spec("{", 1, &c), -EBADMSG);
}

static void test_containerd(void **state)
{
	/* the shim bundle's spec, as containerd's CRI plugin writes it */
	put_str("/run/containerd/io.containerd.runtime.v2.task/k8s.io/" CID "/config.json",
		"{\"ociVersion\":\"1.1.0\",\"process\":{\"capabilities\":{\"bounding\":"
		"[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_NET_ADMIN\"]}},"
		"\"annotations\":{\"io.kubernetes.cri.container-name\":\"nginx\","
		"\"io.kubernetes.cri.container-type\":\"container\","
		"\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25\","
		"\"io.kubernetes.cri.sandbox-id\":\"" IMGID "\","
		"\"io.kubernetes.cri.sandbox-name\":\"web-7d4b9\","
		"\"io.kubernetes.cri.sandbox-namespace\":\"prod\","
		"\"io.kubernetes.cri.sandbox-uid\":\"6f1c-uid\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"maskedPaths\":[\"/proc/kcore\"],"
		"\"readonlyPaths\":[\"/proc/sys\"]}}");
	static const struct bn labels[] = {
		{ "app", "web", NULL, 0, 0 },
		{ "io.kubernetes.container.name", "nginx", NULL, 0, 0 },
		{ "io.kubernetes.pod.name", "web-7d4b9", NULL, 0, 0 },
		{ "io.kubernetes.pod.namespace", "prod", NULL, 0, 0 },
	};
	static const struct bn ctr[] = {
		{ "image", "docker.io/library/nginx:1.25", NULL, 0, 0 },
		{ "labels", NULL, labels, 4, 1 },
		{ "snapshotKey", CID, NULL, 0, 0 },
	};
	static const struct bn ctrs[] = {
		{ "00aa", NULL, ctr, 3, 0 }, /* another container first */
		{ CID, NULL, ctr, 3, 0 },
	};
	static const struct bn target[] = {
		{ "digest", DIGEST, NULL, 0, 0 },
		{ "mediatype", "application/vnd.oci.image.index.v1+json", NULL, 0, 0 },
	};
	static const struct bn img[] = { { "target", NULL, target, 2, 1 } };
	static const struct bn imgs[] = { { "docker.io/library/nginx:1.25", NULL, img, 1, 0 } };
	static const struct bn ns[] = { { "containers", NULL, ctrs, 2, 2 }, { "images", NULL, imgs, 1, 0 } };
	static const struct bn nss[] = { { "k8s.io", NULL, ns, 2, 0 } };
	static const struct bn top[] = { { "v1", NULL, nss, 1, 0 } };
	static struct bdb db;
	size_t len = bolt_build(&db, top, 1);
	put_file("/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db", db.buf, len);

	struct mmr_rt_container c;
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "containerd", &c), 0);
	assert_string_equal(c.id, CID);
	assert_string_equal(c.runtime, "containerd");
	assert_string_equal(c.name, "nginx");
	assert_string_equal(c.image, "docker.io/library/nginx:1.25");
	assert_string_equal(c.image_repository, "docker.io/library/nginx");
	assert_string_equal(c.image_tag, "1.25");
	assert_string_equal(c.image_digest, DIGEST);
	assert_string_equal(c.k8s_pod_name, "web-7d4b9");
	assert_string_equal(c.k8s_ns_name, "prod");
	assert_string_equal(c.k8s_pod_uid, "6f1c-uid");
	assert_false(c.privileged); /* SYS_ADMIN added, but /proc still masked */
	assert_int_equal(c.nlabels, 4);
	assert_string_equal(mmr_rt_container_label(&c, "app"), "web");
	/* unknown runtime name: found by trying them all */
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "", &c), 0);
	assert_string_equal(c.runtime, "containerd");
	assert_string_equal(c.name, "nginx");
}

static void test_crio(void **state)
{
	put_str("/var/lib/containers/storage/overlay-containers/containers.json",
		"[{\"id\":\"" CID "\",\"names\":[\"k8s_app_api-5d9_default_9b2_0\"],\"image\":\"" IMGID "\","
		"\"layer\":\"ab\",\"metadata\":\"{\\\"pod-name\\\":\\\"api-5d9\\\",\\\"image-name\\\":"
		"\\\"quay.io/acme/api:2.1\\\",\\\"name\\\":\\\"k8s_app_api-5d9_default_9b2_0\\\"}\","
		"\"created\":\"2024-03-01T10:00:00.5Z\"}]");
	put_str("/var/lib/containers/storage/overlay-images/images.json",
		"[{\"id\":\"" IMGID "\",\"digest\":\"" DIGEST "\",\"names\":[\"quay.io/acme/api:2.1\"]}]");
	put_str("/run/containers/storage/overlay-containers/" CID "/userdata/config.json",
		"{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]}},"
		"\"annotations\":{\"io.container.manager\":\"cri-o\","
		"\"io.kubernetes.container.name\":\"app\","
		"\"io.kubernetes.cri-o.ContainerType\":\"container\","
		"\"io.kubernetes.cri-o.Created\":\"2024-03-01T10:00:01Z\","
		"\"io.kubernetes.cri-o.Image\":\"" IMGID "\","
		"\"io.kubernetes.cri-o.ImageName\":\"quay.io/acme/api:2.1\","
		"\"io.kubernetes.cri-o.ImageRef\":\"quay.io/acme/api@" DIGEST "\","
		"\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.container.name\\\":\\\"app\\\","
		"\\\"io.kubernetes.pod.name\\\":\\\"api-5d9\\\",\\\"io.kubernetes.pod.namespace\\\":\\\"default\\\","
		"\\\"io.kubernetes.pod.uid\\\":\\\"9b2\\\"}\","
		"\"io.kubernetes.pod.name\":\"api-5d9\",\"io.kubernetes.pod.namespace\":\"default\","
		"\"io.kubernetes.pod.uid\":\"9b2\"},"
		"\"linux\":{\"maskedPaths\":[],\"readonlyPaths\":[]}}");
	struct mmr_rt_container c;
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "cri-o", &c), 0);
	assert_string_equal(c.runtime, "cri-o");
	assert_string_equal(c.name, "app");
	assert_string_equal(c.image, "quay.io/acme/api:2.1");
	assert_string_equal(c.image_repository, "quay.io/acme/api");
	assert_string_equal(c.image_tag, "2.1");
	assert_string_equal(c.image_id, IMGID);
	assert_string_equal(c.image_digest, DIGEST);
	assert_string_equal(c.k8s_pod_name, "api-5d9");
	assert_string_equal(c.k8s_ns_name, "default");
	assert_string_equal(c.k8s_pod_uid, "9b2");
	assert_int_equal(c.nlabels, 4);
	assert_string_equal(mmr_rt_container_label(&c, "io.kubernetes.container.name"), "app");
	assert_true(c.privileged); /* SYS_ADMIN and nothing masked */
	assert_int_equal(c.start_ts, 1709287200500000000ull);
}

static void test_docker(void **state)
{
	put_str("/var/lib/docker/containers/" CID "/config.v2.json",
		"{\"ID\":\"" CID "\",\"Created\":\"2024-01-02T03:04:05Z\",\"Name\":\"/redis-cache\","
		"\"Image\":\"sha256:" IMGID "\",\"Driver\":\"overlay2\","
		"\"Config\":{\"Image\":\"redis:7\",\"Labels\":{\"tier\":\"cache\",\"team\":\"a\"}},"
		"\"State\":{\"Running\":true,\"StartedAt\":\"2024-01-02T03:04:06.25Z\"}}");
	put_str("/var/lib/docker/containers/" CID "/hostconfig.json",
		"{\"Privileged\":true,\"NetworkMode\":\"default\"}");
	put_str("/var/lib/docker/image/overlay2/repositories.json",
		"{\"Repositories\":{\"redis\":{\"redis:7\":\"sha256:" IMGID "\",\"redis@" DIGEST
		"\":\"sha256:" IMGID "\"}}}");
	struct mmr_rt_container c;
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "docker", &c), 0);
	assert_string_equal(c.runtime, "docker");
	assert_string_equal(c.name, "redis-cache");
	assert_string_equal(c.image, "redis:7");
	assert_string_equal(c.image_repository, "redis");
	assert_string_equal(c.image_tag, "7");
	assert_string_equal(c.image_id, IMGID);
	assert_string_equal(c.image_digest, DIGEST);
	assert_true(c.privileged);
	assert_int_equal(c.nlabels, 2);
	assert_string_equal(mmr_rt_container_label(&c, "tier"), "cache");
	assert_int_equal(c.start_ts, 1704164646250000000ull);
	put_str("/var/lib/docker/containers/" CID "/hostconfig.json", "{\"Privileged\":false}");
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "docker", &c), 0);
	assert_false(c.privileged);
}

static void test_podman(void **state)
{
	put_str("/var/lib/containers/storage/overlay-containers/containers.json",
		"[{\"id\":\"" CID "\",\"names\":[\"ctrmeta-web\"],\"image\":\"" IMGID "\",\"layer\":\"31\","
		"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/busybox:latest\\\",\\\"image-id\\\":\\\"" IMGID
		"\\\",\\\"name\\\":\\\"ctrmeta-web\\\",\\\"created-at\\\":1795316013}\","
		"\"created\":\"2026-11-22T02:53:33.687609204Z\",\"flags\":{\"MountLabel\":\"\"}}]");
	put_str("/var/lib/containers/storage/overlay-images/images.json",
		"[{\"id\":\"" IMGID "\",\"digest\":\"" DIGEST "\",\"names\":[\"localhost/busybox:latest\"]}]");
	put_str("/var/lib/containers/storage/overlay-containers/" CID "/userdata/config.json",
		"{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},"
		"\"annotations\":{\"io.container.manager\":\"libpod\","
		"\"io.kubernetes.cri-o.Created\":\"2026-11-22T02:53:33.661406865Z\","
		"\"io.podman.annotations.privileged\":\"TRUE\"}}");
	static const struct bn c1[] = {
		{ "config", "{\"name\":\"ctrmeta-web\",\"labels\":{\"a\":\"b\",\"io.mamori.workload\":\"web\"},"
			    "\"privileged\":true,\"rootfsImageName\":\"localhost/busybox:latest\"}", NULL, 0, 0 },
		{ "state", "{\"state\":3,\"startedTime\":\"2026-11-22T02:53:33.813254716Z\"}", NULL, 0, 0 },
	};
	static const struct bn other[] = { { "config", "{\"name\":\"x\"}", NULL, 0, 0 } };
	static const struct bn ctrs[] = {
		{ CID, NULL, c1, 2, 0 },
		{ "9999", NULL, other, 1, 1 },
		{ "aaaa", NULL, other, 1, 1 },
	};
	static const struct bn top[] = {
		{ "all-ctrs", NULL, ctrs, 0, 1 },
		{ "ctr", NULL, ctrs, 3, 2 },
	};
	static struct bdb db;
	size_t len = bolt_build(&db, top, 2);
	put_file("/var/lib/containers/storage/libpod/bolt_state.db", db.buf, len);
	struct mmr_rt_container c;
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "podman", &c), 0);
	assert_string_equal(c.runtime, "podman");
	assert_string_equal(c.name, "ctrmeta-web");
	assert_string_equal(c.image, "localhost/busybox:latest");
	assert_string_equal(c.image_repository, "localhost/busybox");
	assert_string_equal(c.image_tag, "latest");
	assert_string_equal(c.image_id, IMGID);
	assert_string_equal(c.image_digest, DIGEST);
	assert_true(c.privileged);
	assert_int_equal(c.nlabels, 2);
	assert_string_equal(mmr_rt_container_label(&c, "io.mamori.workload"), "web");
	assert_int_equal(c.start_ts, 1795316013813254716ull);

	/* the bolt reader itself: nested get, bucket-as-value, misses */
	struct mmr_rt_bolt *b;
	assert_int_equal(mmr_rt_bolt_open_mem(db.buf, len, &b), 0);
	const char *p1[] = { "ctr", "aaaa", "config" };
	char *v;
	size_t vl;
	assert_int_equal(mmr_rt_bolt_get(b, p1, 3, &v, &vl), 0);
	assert_string_equal(v, "{\"name\":\"x\"}");
	free(v);
	const char *p2[] = { "ctr", "bbbb", "config" };
	assert_int_equal(mmr_rt_bolt_get(b, p2, 3, &v, &vl), -ENOENT);
	const char *p3[] = { "nosuch", "x" };
	assert_int_equal(mmr_rt_bolt_get(b, p3, 2, &v, &vl), -ENOENT);
	mmr_rt_bolt_free(b);
	/* corrupt: bad checksum on both metas; truncated */
	static uint8_t bad[2 * PSZ];
	memcpy(bad, db.buf, sizeof(bad));
	bad[70] ^= 1;
	bad[PSZ + 70] ^= 1;
	assert_int_equal(mmr_rt_bolt_open_mem(bad, sizeof(bad), &b), -EBADMSG);
	assert_int_equal(mmr_rt_bolt_open_mem(db.buf, 50, &b), -EBADMSG);
	/* a root page pointing past the end: the walk fails cleanly */
	assert_int_equal(mmr_rt_bolt_open_mem(db.buf, 4 * PSZ, &b), 0);
	assert_true(mmr_rt_bolt_get(b, p1, 3, &v, &vl) < 0);
	mmr_rt_bolt_free(b);
}

static void test_missing(void **state)
{
	struct mmr_rt_container c;
	/* nothing under the root: only the id, and -ENOENT */
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "podman", &c), -ENOENT);
	assert_string_equal(c.id, CID);
	assert_string_equal(c.name, "");
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "", &c), -ENOENT);
	assert_int_equal(mmr_rt_container_lookup(troot, "xyz", "", &c), -EINVAL);
	/* resolve caches the miss in the table */
	struct mmr_rt_conttab *t = mmr_rt_conttab_new(4);
	mmr_rt_container_set_root(troot);
	struct mmr_rt_container *e = mmr_rt_container_resolve(t, CID, "containerd");
	assert_non_null(e);
	assert_string_equal(e->id, CID);
	assert_string_equal(e->runtime, "containerd");
	assert_string_equal(e->image, "");
	/* state appears later: the cached entry stays (one lookup per id) */
	put_str("/var/lib/docker/containers/" CID "/config.v2.json",
		"{\"ID\":\"" CID "\",\"Name\":\"/late\",\"Config\":{\"Image\":\"x:1\"}}");
	assert_ptr_equal(mmr_rt_container_resolve(t, CID, "docker"), e);
	assert_string_equal(e->name, "");
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "docker", &c), 0);
	assert_string_equal(c.name, "late");
	mmr_rt_container_set_root("");
	mmr_rt_conttab_free(t);
	/* malformed state files: -ENOENT, never a crash */
	put_str("/var/lib/containers/storage/overlay-containers/containers.json", "{not json");
	assert_int_equal(mmr_rt_container_lookup(troot, CID, "podman", &c), -ENOENT);
}

/* ---- real podman containers, podman inspect as the oracle ---- */

static int sh(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	size_t n = out ? fread(out, 1, cap - 1, f) : 0;
	if (out)
		out[n] = 0;
	else
		while (fgetc(f) != EOF)
			;
	int st = pclose(f);
	return st;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define PODMAN "podman --runtime runc --cgroup-manager=cgroupfs"
#define BUSYBOX "localhost/mamori-fixture-busybox:latest"

static void check_real(const char *name, const char *extra, bool want_priv)
{
	char cmd[1024], id[256], *js = malloc(1 << 20);
	assert_non_null(js);
	snprintf(cmd, sizeof(cmd), PODMAN " rm -f %s >/dev/null 2>&1", name);
	sh(cmd, NULL, 0);
	snprintf(cmd, sizeof(cmd),
		 PODMAN " run -d --name %s %s --label ctrmeta.test=%s --label team=runtime " BUSYBOX
			" sleep 60 2>/dev/null",
		 name, extra, name);
	assert_int_equal(sh(cmd, id, sizeof(id)), 0);
	id[strcspn(id, "\n")] = 0;
	assert_int_equal(strlen(id), 64);
	double t0 = now_ms();
	snprintf(cmd, sizeof(cmd), "podman container inspect %s", id);
	assert_int_equal(sh(cmd, js, 1 << 20), 0);
	double t_inspect = now_ms() - t0;
	struct mmr_rt_container want, got;
	memset(&want, 0, sizeof(want));
	assert_int_equal(mmr_rt_container_parse_podman(js, strlen(js), &want), 0);
	t0 = now_ms();
	int rc = mmr_rt_container_lookup("", id, "podman", &got);
	double t_direct = now_ms() - t0;
	snprintf(cmd, sizeof(cmd), PODMAN " rm -f -t 0 %s >/dev/null 2>&1", name);
	sh(cmd, NULL, 0);
	free(js);
	print_message("# %s: podman inspect %.1f ms, state files %.3f ms\n", name, t_inspect, t_direct);
	assert_int_equal(rc, 0);
	assert_string_equal(got.id, want.id);
	assert_string_equal(got.name, name);
	assert_string_equal(got.name, want.name);
	assert_string_equal(got.image, want.image);
	assert_string_equal(got.image, BUSYBOX);
	assert_string_equal(got.image_repository, want.image_repository);
	assert_string_equal(got.image_tag, want.image_tag);
	assert_string_equal(got.image_id, want.image_id);
	assert_string_equal(got.image_digest, want.image_digest);
	assert_true(strncmp(got.image_digest, "sha256:", 7) == 0);
	assert_string_equal(got.runtime, "podman");
	assert_int_equal(got.privileged, want.privileged);
	assert_int_equal(got.privileged, want_priv);
	assert_int_equal(got.start_ts, want.start_ts);
	assert_int_equal(got.nlabels, want.nlabels);
	for (uint32_t i = 0; i < want.nlabels; i++) {
		const char *v = mmr_rt_container_label(&got, want.labels[i].key);
		assert_non_null(v);
		assert_string_equal(v, want.labels[i].value);
	}
	assert_string_equal(mmr_rt_container_label(&got, "ctrmeta.test"), name);
}

static void test_podman_real(void **state)
{
	if (geteuid() != 0 || sh("podman image exists " BUSYBOX " 2>/dev/null", NULL, 0) != 0) {
		skip();
		return;
	}
	char n1[64], n2[64];
	snprintf(n1, sizeof(n1), "ctrmeta-priv-%d", (int)getpid());
	snprintf(n2, sizeof(n2), "ctrmeta-plain-%d", (int)getpid());
	check_real(n1, "--privileged", true);
	check_real(n2, "", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_from_cgroup),
		cmocka_unit_test(test_privileged_rule),
		cmocka_unit_test_setup_teardown(test_containerd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_podman, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test(test_podman_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
