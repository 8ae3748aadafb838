/* runtime-container.c - container id from cgroups, metadata from the runtime.
 * See runtime-container.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-json.h"
#include "core/core-log.h"
#include "runtime/runtime-container.h"


static size_t hex_run(const char *s)
{
	size_t n = 0;
	while (isxdigit((unsigned char)s[n]) && !isupper((unsigned char)s[n]))
		n++;
	return n;
}

/* A 64-hex id at s, followed by end, '/' or '.' (".scope"). */
static int take_id(const char *s, char id[MMR_RT_CONTAINER_ID_MAX])
{
	size_t n = hex_run(s);
	if (n != 64 || (s[n] && s[n] != '/' && s[n] != '.'))
		return 0;
	memcpy(id, s, 64);
	id[64] = 0;
	return 1;
}

int mmr_rt_container_id_from_cgroup(const char *cgroup, char ret_id[MMR_RT_CONTAINER_ID_MAX],
				    const char **ret_runtime)
{
	static const struct {
		const char *prefix, *runtime;
	} forms[] = {
		{ "libpod-", "podman" },
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },
		{ "docker/", "docker" },
	};
	if (!cgroup)
		return 0;
	/* the last path component that holds an id wins (nested cgroups) */
	const char *found_rt = NULL;
	char id[MMR_RT_CONTAINER_ID_MAX];
	int found = 0;
	for (const char *p = cgroup; *p; p++) {
		if (p != cgroup && p[-1] != '/' && p[-1] != ':')
			continue;
		bool matched = false;
		for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			size_t l = strlen(forms[i].prefix);
			if (strncmp(p, forms[i].prefix, l) == 0 && take_id(p + l, id)) {
				found = 1;
				found_rt = forms[i].runtime;
				memcpy(ret_id, id, sizeof(id));
				matched = true;
				p += l + 63; /* past the id: "docker/<id>" is not also a bare id */
				break;
			}
		}
		if (!matched && take_id(p, id)) { /* bare id: cgroupfs drivers */
			found = 1;
			found_rt = "";
			memcpy(ret_id, id, sizeof(id));
		}
	}
	if (found && ret_runtime)
		*ret_runtime = found_rt;
	return found;
}

int mmr_rt_container_id_of_pid(int pid, char ret_id[MMR_RT_CONTAINER_ID_MAX],
			       const char **ret_runtime)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (p && mmr_rt_container_id_from_cgroup(p + 1, ret_id, ret_runtime) == 1)
			return 1;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* RFC 3339 ("2026-11-22T00:38:20.585662882Z", offsets allowed) to ns since the epoch. */
static uint64_t parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	int off = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &off) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t < 0)
		return 0;
	const char *p = s + off;
	uint64_t frac = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; isdigit((unsigned char)*p); p++)
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
		while (digits++ < 9)
			frac *= 10;
	}
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) == 2)
			t += (*p == '+' ? -1 : 1) * (hh * 3600 + mm * 60);
	}
	return (uint64_t)t * 1000000000ull + frac;
}

static void split_image(struct mmr_rt_container *c)
{
	/* repo[:tag][@digest]; a ':' before the last '/' is a registry port */
	char tmp[MMR_RT_CONTAINER_STR_MAX];
	mmr_rt_strlcpy(tmp, c->image, sizeof(tmp));
	char *at = strchr(tmp, '@');
	if (at)
		*at = 0;
	char *slash = strrchr(tmp, '/');
	char *colon = strrchr(slash ? slash : tmp, ':');
	if (colon) {
		*colon = 0;
		mmr_rt_strlcpy(c->image_tag, colon + 1, sizeof(c->image_tag));
	}
	mmr_rt_strlcpy(c->image_repository, tmp, sizeof(c->image_repository));
}

int mmr_rt_container_parse_podman(const char *json, size_t len, struct mmr_rt_container *c)
{
	json_t *root = NULL;
	if (mmr_json_parse(json, len, "podman inspect", &root, NULL) < 0)
		return -EBADMSG;
	json_t *o = json_is_array(root) ? json_array_get(root, 0) : root;
	const char *id = json_is_object(o) ? mmr_json_str(o, "Id") : NULL;
	if (!id) {
		json_decref(root);
		return -EBADMSG;
	}
	mmr_rt_strlcpy(c->id, id, sizeof(c->id));
	const char *s = mmr_json_str(o, "Name");
	mmr_rt_strlcpy(c->name, s ? s : "", sizeof(c->name));
	s = mmr_json_str(o, "ImageName");
	mmr_rt_strlcpy(c->image, s ? s : "", sizeof(c->image));
	s = mmr_json_str(o, "Image");
	mmr_rt_strlcpy(c->image_id, s ? s : "", sizeof(c->image_id));
	s = mmr_json_str(o, "ImageDigest");
	mmr_rt_strlcpy(c->image_digest, s ? s : "", sizeof(c->image_digest));
	split_image(c);
	mmr_rt_strlcpy(c->runtime, "podman", sizeof(c->runtime));
	json_t *hc = mmr_json_obj(o, "HostConfig");
	c->privileged = hc && mmr_json_bool(hc, "Privileged") == 1;
	json_t *st = mmr_json_obj(o, "State");
	c->start_ts = st ? parse_time(mmr_json_str(st, "StartedAt")) : 0;
	json_t *labels = mmr_json_obj(mmr_json_obj(o, "Config"), "Labels");
	c->nlabels = 0;
	const char *k;
	json_t *v;
	if (labels)
		json_object_foreach(labels, k, v) {
			if (!json_is_string(v) || c->nlabels >= MMR_RT_LABELS_MAX)
				continue;
			mmr_rt_strlcpy(c->labels[c->nlabels].key, k, sizeof(c->labels[0].key));
			mmr_rt_strlcpy(c->labels[c->nlabels].value, json_string_value(v),
				       sizeof(c->labels[0].value));
			c->nlabels++;
		}
	/* Kubernetes pod and namespace from the CRI labels */
	const char *pod = mmr_rt_container_label(c, "io.kubernetes.pod.name");
	const char *ns = mmr_rt_container_label(c, "io.kubernetes.pod.namespace");
	const char *uid = mmr_rt_container_label(c, "io.kubernetes.pod.uid");
	mmr_rt_strlcpy(c->k8s_pod_name, pod ? pod : "", sizeof(c->k8s_pod_name));
	mmr_rt_strlcpy(c->k8s_ns_name, ns ? ns : "", sizeof(c->k8s_ns_name));
	mmr_rt_strlcpy(c->k8s_pod_uid, uid ? uid : "", sizeof(c->k8s_pod_uid));
	json_decref(root);
	return 0;
}


/* ---- helpers ---- */

static void put(char *dst, size_t n, const char *s)
{
	if (s && *s)
		mmr_rt_strlcpy(dst, s, n);
}

static bool is_hex64(const char *s)
{
	return s && hex_run(s) == 64 && s[64] == 0;
}

static void add_label(struct mmr_rt_container *c, const char *k, const char *v)
{
	if (!k || !*k || !v)
		return;
	for (uint32_t i = 0; i < c->nlabels; i++)
		if (strncmp(c->labels[i].key, k, sizeof(c->labels[0].key) - 1) == 0 &&
		    strlen(k) < sizeof(c->labels[0].key)) {
			mmr_rt_strlcpy(c->labels[i].value, v, sizeof(c->labels[0].value));
			return;
		}
	if (c->nlabels >= MMR_RT_LABELS_MAX)
		return;
	mmr_rt_strlcpy(c->labels[c->nlabels].key, k, sizeof(c->labels[0].key));
	mmr_rt_strlcpy(c->labels[c->nlabels].value, v, sizeof(c->labels[0].value));
	c->nlabels++;
}

static void add_labels_obj(struct mmr_rt_container *c, const json_t *o)
{
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return;
	json_object_foreach((json_t *)o, k, v) if (json_is_string(v)) add_label(c, k, json_string_value(v));
}

static int parse_obj(const char *json, size_t len, const char *what, json_t **ret)
{
	json_t *root = NULL;
	if (!json || mmr_json_parse(json, len, what, &root, NULL) < 0)
		return -EBADMSG;
	*ret = root;
	return 0;
}

/* A digest reference "repo@sha256:..." or "sha256:..." to "sha256:...". */
static void put_digest(struct mmr_rt_container *c, const char *ref)
{
	if (!ref)
		return;
	const char *at = strrchr(ref, '@');
	const char *d = at ? at + 1 : ref;
	if (strncmp(d, "sha256:", 7) == 0 || strncmp(d, "sha512:", 7) == 0)
		mmr_rt_strlcpy(c->image_digest, d, sizeof(c->image_digest));
}

static void put_image_id(struct mmr_rt_container *c, const char *s)
{
	if (s && strncmp(s, "sha256:", 7) == 0)
		s += 7;
	if (is_hex64(s))
		mmr_rt_strlcpy(c->image_id, s, sizeof(c->image_id));
}

/* ---- OCI runtime spec (config.json) ---- */

static bool str_in_array(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach((json_t *)a, i, v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

static bool empty_or_absent(const json_t *a)
{
	return !a || (json_is_array(a) && json_array_size(a) == 0);
}

int mmr_rt_container_parse_spec(const char *json, size_t len, struct mmr_rt_container *c)
{
	json_t *root;
	if (parse_obj(json, len, "config.json", &root) < 0)
		return -EBADMSG;
	if (!json_is_object(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	json_t *an = mmr_json_obj(root, "annotations");
	int flag = -1; /* the runtime's own privileged flag */
	if (an) {
		const char *pv = mmr_json_str(an, "io.podman.annotations.privileged");
		if (pv)
			flag = strcasecmp(pv, "TRUE") == 0;
		const char *mgr = mmr_json_str(an, "io.container.manager");
		/* containerd CRI (pkg/cri/annotations) */
		const char *ctype = mmr_json_str(an, "io.kubernetes.cri.container-type");
		if (ctype) {
			mmr_rt_strlcpy(c->runtime, "containerd", sizeof(c->runtime));
			put(c->name, sizeof(c->name), mmr_json_str(an, "io.kubernetes.cri.container-name"));
			put(c->image, sizeof(c->image), mmr_json_str(an, "io.kubernetes.cri.image-name"));
			put(c->k8s_pod_name, sizeof(c->k8s_pod_name),
			    mmr_json_str(an, "io.kubernetes.cri.sandbox-name"));
			put(c->k8s_ns_name, sizeof(c->k8s_ns_name),
			    mmr_json_str(an, "io.kubernetes.cri.sandbox-namespace"));
			put(c->k8s_pod_uid, sizeof(c->k8s_pod_uid),
			    mmr_json_str(an, "io.kubernetes.cri.sandbox-uid"));
		}
		/* CRI-O (pkg/annotations, internal annotations) */
		if (mmr_json_str(an, "io.kubernetes.cri-o.ContainerType") &&
		    !(mgr && strcmp(mgr, "libpod") == 0)) {
			mmr_rt_strlcpy(c->runtime, "cri-o", sizeof(c->runtime));
			put(c->name, sizeof(c->name), mmr_json_str(an, "io.kubernetes.container.name"));
			put(c->image, sizeof(c->image), mmr_json_str(an, "io.kubernetes.cri-o.ImageName"));
			put_image_id(c, mmr_json_str(an, "io.kubernetes.cri-o.Image"));
			const char *ref = mmr_json_str(an, "io.kubernetes.cri-o.ImageRef");
			put_digest(c, ref);
			if (!c->image_id[0])
				put_image_id(c, ref);
			const char *lj = mmr_json_str(an, "io.kubernetes.cri-o.Labels");
			json_t *lo = NULL;
			if (lj && mmr_json_parse(lj, strlen(lj), "io.kubernetes.cri-o.Labels", &lo, NULL) == 0) {
				add_labels_obj(c, lo);
				json_decref(lo);
			}
		}
		if (mgr && strcmp(mgr, "libpod") == 0)
			mmr_rt_strlcpy(c->runtime, "podman", sizeof(c->runtime));
		/* the kubelet's labels, also as CRI-O annotations */
		put(c->k8s_pod_name, sizeof(c->k8s_pod_name), mmr_json_str(an, "io.kubernetes.pod.name"));
		put(c->k8s_ns_name, sizeof(c->k8s_ns_name), mmr_json_str(an, "io.kubernetes.pod.namespace"));
		put(c->k8s_pod_uid, sizeof(c->k8s_pod_uid), mmr_json_str(an, "io.kubernetes.pod.uid"));
		if (!c->start_ts)
			c->start_ts = parse_time(mmr_json_str(an, "io.kubernetes.cri-o.Created"));
	}
	if (flag >= 0) {
		c->privileged = flag;
	} else {
		json_t *caps = mmr_json_obj(mmr_json_obj(root, "process"), "capabilities");
		json_t *bounding = mmr_json_arr(caps, "bounding");
		json_t *lx = mmr_json_obj(root, "linux");
		c->privileged = bounding && str_in_array(bounding, "CAP_SYS_ADMIN") &&
				empty_or_absent(json_object_get(lx, "maskedPaths")) &&
				empty_or_absent(json_object_get(lx, "readonlyPaths"));
	}
	json_decref(root);
	return 0;
}

/* ---- containers/storage (podman, CRI-O) ---- */

int mmr_rt_container_parse_storage(const char *json, size_t len, struct mmr_rt_container *c)
{
	json_t *root;
	if (parse_obj(json, len, "containers.json", &root) < 0)
		return -EBADMSG;
	if (!json_is_array(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	int rc = -ENOENT;
	size_t i;
	json_t *e;
	json_array_foreach(root, i, e) {
		const char *id = mmr_json_str(e, "id");
		if (!id || strcmp(id, c->id) != 0)
			continue;
		json_t *names = mmr_json_arr(e, "names");
		json_t *n0 = names ? json_array_get(names, 0) : NULL;
		put(c->name, sizeof(c->name), json_is_string(n0) ? json_string_value(n0) : NULL);
		put_image_id(c, mmr_json_str(e, "image"));
		const char *md = mmr_json_str(e, "metadata");
		json_t *mo = NULL;
		if (md && mmr_json_parse(md, strlen(md), "containers.json metadata", &mo, NULL) == 0) {
			put(c->image, sizeof(c->image), mmr_json_str(mo, "image-name"));
			if (!c->name[0])
				put(c->name, sizeof(c->name), mmr_json_str(mo, "name"));
			json_decref(mo);
		}
		if (!c->start_ts)
			c->start_ts = parse_time(mmr_json_str(e, "created"));
		rc = 0;
		break;
	}
	json_decref(root);
	return rc;
}

int mmr_rt_container_parse_images(const char *json, size_t len, struct mmr_rt_container *c)
{
	json_t *root;
	if (parse_obj(json, len, "images.json", &root) < 0)
		return -EBADMSG;
	if (!json_is_array(root)) {
		json_decref(root);
		return -EBADMSG;
	}
	int rc = -ENOENT;
	size_t i;
	json_t *e;
	json_array_foreach(root, i, e) {
		const char *id = mmr_json_str(e, "id");
		if (!id || !c->image_id[0] || strcmp(id, c->image_id) != 0)
			continue;
		put_digest(c, mmr_json_str(e, "digest"));
		json_t *names = mmr_json_arr(e, "names");
		json_t *n0 = names ? json_array_get(names, 0) : NULL;
		if (!c->image[0] && json_is_string(n0))
			put(c->image, sizeof(c->image), json_string_value(n0));
		rc = 0;
		break;
	}
	json_decref(root);
	return rc;
}

int mmr_rt_container_parse_libpod(const char *config, size_t clen, const char *state,
				  size_t slen, struct mmr_rt_container *c)
{
	json_t *o = NULL;
	int rc = 0;
	if (config) {
		if (parse_obj(config, clen, "libpod config", &o) < 0 || !json_is_object(o)) {
			if (o)
				json_decref(o);
			return -EBADMSG;
		}
		json_t *labels = mmr_json_obj(o, "labels");
		if (labels) {
			c->nlabels = 0;
			add_labels_obj(c, labels);
		}
		int pv = mmr_json_bool(o, "privileged");
		if (pv >= 0)
			c->privileged = pv;
		put(c->name, sizeof(c->name), mmr_json_str(o, "name"));
		if (!c->image[0])
			put(c->image, sizeof(c->image), mmr_json_str(o, "rootfsImageName"));
		if (!c->image_id[0])
			put_image_id(c, mmr_json_str(o, "rootfsImageID"));
		json_decref(o);
	}
	if (state) {
		o = NULL;
		if (parse_obj(state, slen, "libpod state", &o) < 0 || !json_is_object(o)) {
			if (o)
				json_decref(o);
			return -EBADMSG;
		}
		uint64_t t = parse_time(mmr_json_str(o, "startedTime"));
		if (t)
			c->start_ts = t;
		json_decref(o);
	}
	return rc;
}

/* ---- docker (moby) ---- */

int mmr_rt_container_parse_docker(const char *config, size_t clen, const char *hostconfig,
				  size_t hlen, const char *repos, size_t rlen,
				  struct mmr_rt_container *c)
{
	json_t *o;
	if (parse_obj(config, clen, "config.v2.json", &o) < 0)
		return -EBADMSG;
	if (!json_is_object(o)) {
		json_decref(o);
		return -EBADMSG;
	}
	const char *id = mmr_json_str(o, "ID");
	if (id && c->id[0] && strcmp(id, c->id) != 0) {
		json_decref(o);
		return -ENOENT;
	}
	mmr_rt_strlcpy(c->runtime, "docker", sizeof(c->runtime));
	const char *name = mmr_json_str(o, "Name");
	put(c->name, sizeof(c->name), name && name[0] == '/' ? name + 1 : name);
	json_t *cfg = mmr_json_obj(o, "Config");
	put(c->image, sizeof(c->image), mmr_json_str(cfg, "Image"));
	put_image_id(c, mmr_json_str(o, "Image"));
	add_labels_obj(c, mmr_json_obj(cfg, "Labels"));
	c->start_ts = parse_time(mmr_json_str(mmr_json_obj(o, "State"), "StartedAt"));
	if (!c->start_ts)
		c->start_ts = parse_time(mmr_json_str(o, "Created"));
	json_decref(o);
	if (hostconfig && parse_obj(hostconfig, hlen, "hostconfig.json", &o) == 0) {
		c->privileged = mmr_json_bool(o, "Privileged") == 1;
		json_decref(o);
	}
	/* repositories.json: {"Repositories": {REPO: {"REPO:TAG" or
	 * "REPO@sha256:D": "sha256:IMAGEID"}}} */
	if (repos && c->image_id[0] && parse_obj(repos, rlen, "repositories.json", &o) == 0) {
		const char *rk, *tk;
		json_t *rv, *tv;
		json_t *all = mmr_json_obj(o, "Repositories");
		if (all)
			json_object_foreach(all, rk, rv) {
				if (!json_is_object(rv))
					continue;
				json_object_foreach(rv, tk, tv) {
					const char *img = json_string_value(tv);
					if (img && strncmp(img, "sha256:", 7) == 0 &&
					    strcmp(img + 7, c->image_id) == 0 && strchr(tk, '@') &&
					    !c->image_digest[0])
						put_digest(c, tk);
				}
			}
		json_decref(o);
	}
	return 0;
}

/* ---- BoltDB (go.etcd.io/bbolt on-disk format, little-endian hosts) ----
 * page:   u64 id, u16 flags, u16 count, u32 overflow, then elements
 * meta:   (at page 0 and 1, +16) u32 magic 0xED0CDAED, u32 version 2,
 *         u32 page size, u32 flags, u64 root bucket page, u64 sequence,
 *         u64 freelist, u64 high-water page, u64 txid, u64 FNV-1a checksum
 *         of the 56 bytes before it; the valid meta with the larger txid wins
 * branch element: u32 pos, u32 ksize, u64 child page (key at elem + pos)
 * leaf element:   u32 flags (1 = bucket), u32 pos, u32 ksize, u32 vsize
 * bucket value:   u64 root page, u64 sequence; root 0 = inline bucket whose
 *                 page (header + leaf elements) follows in the value */

#define BOLT_MAGIC 0xED0CDAEDu
#define BOLT_BRANCH 0x01u
#define BOLT_LEAF 0x02u
#define BOLT_META 0x04u
#define BOLT_DEPTH_MAX 32
#define BOLT_NODE_MAX (16u << 20)
#define BOLT_PAGES_MAX 200000u /* pages read by one get/each */

struct mmr_rt_bolt {
	int fd;
	const uint8_t *mem;
	uint64_t len;
	uint32_t psz;
	uint64_t hwm;
	uint64_t root;
	unsigned pages;
};

static uint16_t le16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static uint32_t le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static int bolt_read(struct mmr_rt_bolt *b, uint64_t off, void *buf, size_t n)
{
	if (off > b->len || n > b->len - off)
		return -EBADMSG;
	if (b->mem) {
		memcpy(buf, b->mem + off, n);
		return 0;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(b->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EBADMSG;
		done += (size_t)r;
	}
	return 0;
}

static bool bolt_meta_ok(const uint8_t *p, uint64_t *ret_txid)
{
	if (!(le16(p + 8) & BOLT_META) || le32(p + 16) != BOLT_MAGIC || le32(p + 20) != 2)
		return false;
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 16; i < 72; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	if (h != le64(p + 72))
		return false;
	*ret_txid = le64(p + 64);
	return true;
}

static int bolt_init(struct mmr_rt_bolt *b)
{
	uint8_t m[80];
	uint64_t best_tx = 0;
	bool found = false;
	uint32_t psz = 4096;
	int rc = bolt_read(b, 0, m, sizeof(m));
	uint64_t tx;
	if (rc == 0 && bolt_meta_ok(m, &tx)) {
		psz = le32(m + 24);
		found = true;
		best_tx = tx;
		b->psz = psz;
		b->root = le64(m + 32);
		b->hwm = le64(m + 56);
	}
	if (psz < 512 || psz > 65536 || (psz & (psz - 1)))
		return -EBADMSG;
	if (bolt_read(b, psz, m, sizeof(m)) == 0 && bolt_meta_ok(m, &tx) && le32(m + 24) == psz &&
	    (!found || tx > best_tx)) {
		found = true;
		b->psz = psz;
		b->root = le64(m + 32);
		b->hwm = le64(m + 56);
	}
	return found ? 0 : -EBADMSG;
}

int mmr_rt_bolt_open_mem(const void *data, size_t len, struct mmr_rt_bolt **ret)
{
	struct mmr_rt_bolt *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = -1;
	b->mem = data;
	b->len = len;
	int rc = bolt_init(b);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*ret = b;
	return 0;
}

int mmr_rt_bolt_open_fd(int fd, struct mmr_rt_bolt **ret)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	struct mmr_rt_bolt *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->fd = fd;
	b->len = (uint64_t)st.st_size;
	int rc = bolt_init(b);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*ret = b;
	return 0;
}

void mmr_rt_bolt_free(struct mmr_rt_bolt *b)
{
	free(b);
}

/* A node: a page read into memory, or an inline bucket's page. */
struct bolt_node {
	uint8_t *p;
	size_t len;
};

static int bolt_page(struct mmr_rt_bolt *b, uint64_t pgid, struct bolt_node *ret)
{
	if (++b->pages > BOLT_PAGES_MAX)
		return -E2BIG;
	if (pgid < 2 || pgid >= b->hwm || pgid > b->len / b->psz)
		return -EBADMSG;
	uint8_t h[16];
	int rc = bolt_read(b, pgid * b->psz, h, sizeof(h));
	if (rc < 0)
		return rc;
	if (le64(h) != pgid)
		return -EBADMSG;
	uint64_t n = ((uint64_t)le32(h + 12) + 1) * b->psz;
	if (n > BOLT_NODE_MAX)
		return -E2BIG;
	uint8_t *p = malloc(n);
	if (!p)
		return -ENOMEM;
	rc = bolt_read(b, pgid * b->psz, p, n);
	if (rc < 0) {
		free(p);
		return rc;
	}
	ret->p = p;
	ret->len = n;
	return 0;
}

/* Element i of node n: key, and (leaf) flags/value, (branch) child page. */
struct bolt_elem {
	const uint8_t *k, *v;
	uint32_t klen, vlen, flags;
	uint64_t child;
};

static int bolt_elem(const struct bolt_node *n, unsigned i, struct bolt_elem *e)
{
	uint64_t off = 16 + (uint64_t)i * 16;
	if (off + 16 > n->len)
		return -EBADMSG;
	const uint8_t *el = n->p + off;
	uint16_t fl = le16(n->p + 8);
	if (fl & BOLT_BRANCH) {
		uint64_t ko = off + le32(el), kl = le32(el + 4);
		if (ko + kl > n->len)
			return -EBADMSG;
		e->k = n->p + ko;
		e->klen = (uint32_t)kl;
		e->v = NULL;
		e->vlen = 0;
		e->flags = 0;
		e->child = le64(el + 8);
		return 0;
	}
	uint64_t ko = off + le32(el + 4), kl = le32(el + 8), vl = le32(el + 12);
	if (ko + kl + vl > n->len)
		return -EBADMSG;
	e->flags = le32(el);
	e->k = n->p + ko;
	e->klen = (uint32_t)kl;
	e->v = e->k + kl;
	e->vlen = (uint32_t)vl;
	e->child = 0;
	return 0;
}

static int keycmp(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);
	if (r)
		return r;
	return al < bl ? -1 : al > bl;
}

/* A bucket: a root page, or an inline page (owned copy). */
struct bolt_bucket {
	uint64_t root;
	struct bolt_node inl;
};

static int bucket_from_value(const struct bolt_elem *e, struct bolt_bucket *bk)
{
	if (!(e->flags & 1) || e->vlen < 16)
		return -ENOENT;
	bk->root = le64(e->v);
	bk->inl.p = NULL;
	bk->inl.len = 0;
	if (bk->root == 0) {
		size_t n = e->vlen - 16;
		if (n < 16)
			return -EBADMSG;
		bk->inl.p = malloc(n);
		if (!bk->inl.p)
			return -ENOMEM;
		memcpy(bk->inl.p, e->v + 16, n);
		bk->inl.len = n;
		if (!(le16(bk->inl.p + 8) & BOLT_LEAF)) {
			free(bk->inl.p);
			bk->inl.p = NULL;
			return -EBADMSG;
		}
	}
	return 0;
}

/* Find key in bucket bk: leaf element copied out (value malloc'd, NUL-terminated). */
static int bolt_find(struct mmr_rt_bolt *b, const struct bolt_bucket *bk, const char *key,
		     uint32_t *ret_flags, uint8_t **ret_val, size_t *ret_len)
{
	size_t klen = strlen(key);
	struct bolt_node cur = { 0 };
	bool owned = false;
	int rc;
	if (bk->root == 0) {
		cur = bk->inl;
	} else {
		rc = bolt_page(b, bk->root, &cur);
		if (rc < 0)
			return rc;
		owned = true;
	}
	for (int depth = 0;; depth++) {
		if (depth > BOLT_DEPTH_MAX) {
			rc = -E2BIG;
			break;
		}
		uint16_t fl = le16(cur.p + 8), count = le16(cur.p + 10);
		struct bolt_elem e;
		if (fl & BOLT_BRANCH) {
			if (!count) {
				rc = -EBADMSG;
				break;
			}
			uint64_t child = 0;
			rc = 0;
			for (unsigned i = 0; i < count; i++) {
				if ((rc = bolt_elem(&cur, i, &e)) < 0)
					break;
				if (i == 0 || keycmp(e.k, e.klen, key, klen) <= 0)
					child = e.child;
				else
					break;
			}
			if (rc < 0)
				break;
			if (owned)
				free(cur.p);
			owned = false;
			rc = bolt_page(b, child, &cur);
			if (rc < 0)
				return rc;
			owned = true;
			continue;
		}
		if (!(fl & BOLT_LEAF)) {
			rc = -EBADMSG;
			break;
		}
		rc = -ENOENT;
		for (unsigned i = 0; i < count; i++) {
			int er = bolt_elem(&cur, i, &e);
			if (er < 0) {
				rc = er;
				break;
			}
			if (keycmp(e.k, e.klen, key, klen) != 0)
				continue;
			uint8_t *v = malloc((size_t)e.vlen + 1);
			if (!v) {
				rc = -ENOMEM;
				break;
			}
			memcpy(v, e.v, e.vlen);
			v[e.vlen] = 0;
			*ret_flags = e.flags;
			*ret_val = v;
			*ret_len = e.vlen;
			rc = 0;
			break;
		}
		break;
	}
	if (owned)
		free(cur.p);
	return rc;
}

/* Walk path[0..n) of buckets from the root; ret bk owns its inline page. */
static int bolt_walk(struct mmr_rt_bolt *b, const char *const *path, size_t n,
		     struct bolt_bucket *ret)
{
	struct bolt_bucket bk = { .root = b->root };
	b->pages = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t fl;
		uint8_t *v;
		size_t vl;
		int rc = bolt_find(b, &bk, path[i], &fl, &v, &vl);
		free(bk.inl.p);
		bk.inl.p = NULL;
		if (rc < 0)
			return rc;
		struct bolt_elem e = { .flags = fl, .v = v, .vlen = (uint32_t)vl };
		rc = bucket_from_value(&e, &bk);
		free(v);
		if (rc < 0)
			return rc;
	}
	*ret = bk;
	return 0;
}

int mmr_rt_bolt_get(struct mmr_rt_bolt *b, const char *const *path, size_t npath,
		    char **ret_val, size_t *ret_len)
{
	if (!b || !path || npath == 0)
		return -EINVAL;
	struct bolt_bucket bk;
	int rc = bolt_walk(b, path, npath - 1, &bk);
	if (rc < 0)
		return rc;
	uint32_t fl;
	uint8_t *v;
	size_t vl;
	rc = bolt_find(b, &bk, path[npath - 1], &fl, &v, &vl);
	free(bk.inl.p);
	if (rc < 0)
		return rc;
	if (fl & 1) { /* a bucket: no value */
		v[0] = 0;
		vl = 0;
	}
	*ret_val = (char *)v;
	*ret_len = vl;
	return 0;
}

typedef int (*bolt_each_fn)(const char *k, size_t klen, const char *v, size_t vlen, void *ctx);

static int bolt_each_node(struct mmr_rt_bolt *b, const struct bolt_node *n, int depth,
			  bolt_each_fn fn, void *ctx)
{
	if (depth > BOLT_DEPTH_MAX)
		return -E2BIG;
	uint16_t fl = le16(n->p + 8), count = le16(n->p + 10);
	for (unsigned i = 0; i < count; i++) {
		struct bolt_elem e;
		int rc = bolt_elem(n, i, &e);
		if (rc < 0)
			return rc;
		if (fl & BOLT_BRANCH) {
			struct bolt_node kid;
			rc = bolt_page(b, e.child, &kid);
			if (rc < 0)
				return rc;
			rc = bolt_each_node(b, &kid, depth + 1, fn, ctx);
			free(kid.p);
			if (rc)
				return rc;
		} else if (fl & BOLT_LEAF) {
			if (e.flags & 1)
				continue;
			rc = fn((const char *)e.k, e.klen, (const char *)e.v, e.vlen, ctx);
			if (rc)
				return rc;
		} else {
			return -EBADMSG;
		}
	}
	return 0;
}

int mmr_rt_bolt_each(struct mmr_rt_bolt *b, const char *const *path, size_t npath,
		     bolt_each_fn fn, void *ctx)
{
	if (!b || !fn)
		return -EINVAL;
	struct bolt_bucket bk;
	int rc = bolt_walk(b, path, npath, &bk);
	if (rc < 0)
		return rc;
	if (bk.root == 0) {
		rc = bolt_each_node(b, &bk.inl, 0, fn, ctx);
		free(bk.inl.p);
		return rc;
	}
	struct bolt_node n;
	rc = bolt_page(b, bk.root, &n);
	if (rc < 0)
		return rc;
	rc = bolt_each_node(b, &n, 0, fn, ctx);
	free(n.p);
	return rc;
}

/* ---- reading the runtimes' state ---- */

static char g_root[256];

void mmr_rt_container_set_root(const char *root)
{
	mmr_rt_strlcpy(g_root, root ? root : "", sizeof(g_root));
}

static int join(char *buf, size_t n, const char *root, const char *a, const char *b,
		const char *c2)
{
	int l = snprintf(buf, n, "%s%s%s%s", root ? root : "", a, b ? b : "", c2 ? c2 : "");
	return l < 0 || (size_t)l >= n ? -ENAMETOOLONG : 0;
}

/* The whole file (capped), NUL-terminated. */
static int slurp(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	int rc = mmr_read_fd(fd, MMR_RT_STATE_FILE_MAX, ret, ret_len);
	close(fd);
	return rc == -EFBIG ? -E2BIG : rc;
}

static int read_spec(const char *path, struct mmr_rt_container *c)
{
	char *s;
	size_t n;
	int rc = slurp(path, &s, &n);
	if (rc < 0)
		return rc;
	rc = mmr_rt_container_parse_spec(s, n, c);
	free(s);
	return rc;
}

#define GRAPHROOT "/var/lib/containers/storage"
#define RUNROOT "/run/containers/storage"

/* podman and CRI-O (containers/storage). */
static int lookup_storage(const char *root, struct mmr_rt_container *c)
{
	char path[1024];
	char *s = NULL;
	size_t n;
	if (join(path, sizeof(path), root, GRAPHROOT "/overlay-containers/containers.json", NULL,
		 NULL) < 0)
		return -ENAMETOOLONG;
	int rc = slurp(path, &s, &n);
	if (rc < 0)
		return rc == -ENOENT ? -ENODEV : rc;
	rc = mmr_rt_container_parse_storage(s, n, c);
	free(s);
	if (rc < 0)
		return rc;
	if (join(path, sizeof(path), root, GRAPHROOT "/overlay-images/images.json", NULL, NULL) == 0 &&
	    slurp(path, &s, &n) == 0) {
		mmr_rt_container_parse_images(s, n, c);
		free(s);
	}
	/* the OCI spec: graphroot userdata (podman), runroot userdata (CRI-O) */
	if ((join(path, sizeof(path), root, GRAPHROOT "/overlay-containers/", c->id,
		  "/userdata/config.json") < 0 ||
	     read_spec(path, c) < 0) &&
	    join(path, sizeof(path), root, RUNROOT "/overlay-containers/", c->id,
		 "/userdata/config.json") == 0)
		read_spec(path, c);
	if (strcmp(c->runtime, "cri-o") != 0) {
		/* libpod's own state: labels, privileged, start time */
		if (join(path, sizeof(path), root, GRAPHROOT "/libpod/bolt_state.db", NULL, NULL) == 0) {
			int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
			struct mmr_rt_bolt *b = NULL;
			if (fd >= 0 && mmr_rt_bolt_open_fd(fd, &b) == 0) {
				const char *cp[] = { "ctr", c->id, "config" };
				const char *sp[] = { "ctr", c->id, "state" };
				char *cfg = NULL, *st = NULL;
				size_t cl = 0, sl = 0;
				if (mmr_rt_bolt_get(b, cp, 3, &cfg, &cl) < 0)
					cfg = NULL;
				if (mmr_rt_bolt_get(b, sp, 3, &st, &sl) < 0)
					st = NULL;
				if (cfg || st)
					mmr_rt_container_parse_libpod(cfg, cl, st, sl, c);
				free(cfg);
				free(st);
			}
			mmr_rt_bolt_free(b);
			if (fd >= 0)
				close(fd);
		}
		if (!c->runtime[0] || strcmp(c->runtime, "containerd") == 0)
			mmr_rt_strlcpy(c->runtime, "podman", sizeof(c->runtime));
	}
	return 0;
}

static int docker_lookup(const char *root, struct mmr_rt_container *c)
{
	char path[1024];
	char *cfg = NULL, *hc = NULL, *repos = NULL;
	size_t cl = 0, hl = 0, rl = 0;
	if (join(path, sizeof(path), root, "/var/lib/docker/containers/", c->id, "/config.v2.json") < 0)
		return -ENAMETOOLONG;
	int rc = slurp(path, &cfg, &cl);
	if (rc < 0) {
		struct stat st;
		if (rc == -ENOENT && join(path, sizeof(path), root, "/var/lib/docker/containers", NULL,
					  NULL) == 0 && stat(path, &st) < 0)
			return -ENODEV;
		return rc;
	}
	if (join(path, sizeof(path), root, "/var/lib/docker/containers/", c->id, "/hostconfig.json") ==
		    0 &&
	    slurp(path, &hc, &hl) < 0)
		hc = NULL;
	/* the graph driver names the image store directory */
	json_t *o = NULL;
	char driver[64] = "overlay2";
	if (mmr_json_parse(cfg, cl, "config.v2.json", &o, NULL) == 0) {
		const char *d = mmr_json_str(o, "Driver");
		if (d && *d && !strchr(d, '/') && strcmp(d, "..") != 0)
			mmr_rt_strlcpy(driver, d, sizeof(driver));
		json_decref(o);
	}
	if (join(path, sizeof(path), root, "/var/lib/docker/image/", driver, "/repositories.json") ==
		    0 &&
	    slurp(path, &repos, &rl) < 0)
		repos = NULL;
	rc = mmr_rt_container_parse_docker(cfg, cl, hc, hl, repos, rl, c);
	free(cfg);
	free(hc);
	free(repos);
	return rc;
}

struct label_ctx {
	struct mmr_rt_container *c;
};

static int label_cb(const char *k, size_t kl, const char *v, size_t vl, void *ctx)
{
	struct mmr_rt_container *c = ((struct label_ctx *)ctx)->c;
	char key[MMR_RT_LABEL_KEY_MAX], val[MMR_RT_LABEL_VAL_MAX];
	if (kl >= sizeof(key))
		return 0;
	memcpy(key, k, kl);
	key[kl] = 0;
	size_t n = vl < sizeof(val) - 1 ? vl : sizeof(val) - 1;
	memcpy(val, v, n);
	val[n] = 0;
	add_label(c, key, val);
	return 0;
}

static const char *const containerd_task_dirs[] = {
	"/run/containerd/io.containerd.runtime.v2.task/",
	"/run/containerd/io.containerd.runtime.v1.linux/",
};

static int containerd_lookup(const char *root, struct mmr_rt_container *c)
{
	char path[1024], ns[256] = "";
	bool any_dir = false;
	for (size_t i = 0; i < sizeof(containerd_task_dirs) / sizeof(containerd_task_dirs[0]) && !ns[0];
	     i++) {
		if (join(path, sizeof(path), root, containerd_task_dirs[i], NULL, NULL) < 0)
			continue;
		DIR *d = opendir(path);
		if (!d)
			continue;
		any_dir = true;
		struct dirent *de;
		unsigned seen = 0;
		while ((de = readdir(d)) && seen++ < 1024) {
			if (de->d_name[0] == '.')
				continue;
			char spec[1024];
			if (join(spec, sizeof(spec), path, de->d_name, "/", c->id) < 0 ||
			    strlen(spec) + sizeof("/config.json") > sizeof(spec))
				continue;
			memcpy(spec + strlen(spec), "/config.json", sizeof("/config.json"));
			if (read_spec(spec, c) == 0) {
				mmr_rt_strlcpy(ns, de->d_name, sizeof(ns));
				break;
			}
		}
		closedir(d);
	}
	if (!ns[0])
		return any_dir ? -ENOENT : -ENODEV;
	if (strcmp(c->runtime, "podman") != 0)
		mmr_rt_strlcpy(c->runtime, "containerd", sizeof(c->runtime));
	/* labels and the image's digest from the metadata store */
	if (join(path, sizeof(path), root, "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db",
		 NULL, NULL) < 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct mmr_rt_bolt *b = NULL;
	if (fd >= 0 && mmr_rt_bolt_open_fd(fd, &b) == 0) {
		const char *lp[] = { "v1", ns, "containers", c->id, "labels" };
		struct label_ctx lc = { c };
		mmr_rt_bolt_each(b, lp, 5, label_cb, &lc);
		const char *ip[] = { "v1", ns, "containers", c->id, "image" };
		char *img = NULL;
		size_t il;
		if (mmr_rt_bolt_get(b, ip, 5, &img, &il) == 0) {
			if (!c->image[0])
				put(c->image, sizeof(c->image), img);
			const char *dp[] = { "v1", ns, "images", img, "target", "digest" };
			char *dg = NULL;
			size_t dl;
			if (mmr_rt_bolt_get(b, dp, 6, &dg, &dl) == 0)
				put_digest(c, dg);
			free(dg);
		}
		free(img);
	}
	mmr_rt_bolt_free(b);
	if (fd >= 0)
		close(fd);
	return 0;
}

enum { RT_STORAGE, RT_DOCKER, RT_CONTAINERD, RT_N };
static const char *const rt_names[RT_N] = { "containers/storage", "docker", "containerd" };
static bool rt_logged[RT_N];

static int lookup_one(int which, const char *root, struct mmr_rt_container *c)
{
	int rc;
	switch (which) {
	case RT_STORAGE:
		rc = lookup_storage(root, c);
		break;
	case RT_DOCKER:
		rc = docker_lookup(root, c);
		break;
	default:
		rc = containerd_lookup(root, c);
		break;
	}
	if (rc == -ENODEV && !rt_logged[which]) {
		rt_logged[which] = true;
		mmr_debug("container %.12s: no %s state under %s", c->id, rt_names[which],
			  root && *root ? root : "/");
	}
	return rc;
}

int mmr_rt_container_lookup(const char *root, const char *id, const char *runtime,
			    struct mmr_rt_container *c)
{
	memset(c, 0, sizeof(*c));
	if (!is_hex64(id))
		return -EINVAL;
	mmr_rt_strlcpy(c->id, id, sizeof(c->id));
	const char *rt = runtime ? runtime : "";
	int order[RT_N], n = 0;
	if (strcmp(rt, "podman") == 0 || strcmp(rt, "cri-o") == 0) {
		order[n++] = RT_STORAGE;
	} else if (strcmp(rt, "docker") == 0) {
		order[n++] = RT_DOCKER;
		order[n++] = RT_CONTAINERD;
	} else if (strcmp(rt, "containerd") == 0) {
		order[n++] = RT_CONTAINERD;
	} else {
		order[n++] = RT_STORAGE;
		order[n++] = RT_DOCKER;
		order[n++] = RT_CONTAINERD;
	}
	int rc = -ENOENT;
	for (int i = 0; i < n && rc < 0; i++) {
		struct mmr_rt_container tmp;
		memset(&tmp, 0, sizeof(tmp));
		mmr_rt_strlcpy(tmp.id, id, sizeof(tmp.id));
		if (lookup_one(order[i], root, &tmp) == 0) {
			*c = tmp;
			rc = 0;
		}
	}
	if (rc < 0) {
		mmr_rt_strlcpy(c->runtime, rt, sizeof(c->runtime));
		return -ENOENT;
	}
	if (!c->runtime[0])
		mmr_rt_strlcpy(c->runtime, rt, sizeof(c->runtime));
	if (c->image[0])
		split_image(c);
	/* Kubernetes pod and namespace from the CRI labels */
	put(c->k8s_pod_name, sizeof(c->k8s_pod_name), mmr_rt_container_label(c, "io.kubernetes.pod.name"));
	put(c->k8s_ns_name, sizeof(c->k8s_ns_name), mmr_rt_container_label(c, "io.kubernetes.pod.namespace"));
	put(c->k8s_pod_uid, sizeof(c->k8s_pod_uid), mmr_rt_container_label(c, "io.kubernetes.pod.uid"));
	return 0;
}

struct mmr_rt_container *mmr_rt_container_resolve(struct mmr_rt_conttab *t, const char *id,
						  const char *runtime)
{
	if (!id || !*id)
		return NULL;
	struct mmr_rt_container *c = mmr_rt_conttab_get(t, id);
	if (c)
		return c;
	c = mmr_rt_conttab_upsert(t, id);
	if (!c)
		return NULL;
	if (runtime)
		mmr_rt_strlcpy(c->runtime, runtime, sizeof(c->runtime));
	struct mmr_rt_container *tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return c;
	int rc = mmr_rt_container_lookup(g_root, id, runtime, tmp);
	if (rc == 0)
		*c = *tmp;
	else
		mmr_debug("container %.12s: no metadata (%s)", id, strerror(-rc));
	free(tmp);
	return c;
}
