/* runtime-container.c - container id from cgroups, metadata from the runtime.
 * See runtime-container.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core-json.h"
#include "core/core-log.h"
#include "runtime/runtime-container.h"

extern char **environ;

#define PODMAN_OUT_MAX (4u << 20)
#define PODMAN_TIMEOUT_MS 5000

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

/* Run argv, collect stdout (capped), with a timeout. Returns bytes or -errno. */
static ssize_t run_capture(char *const argv[], char **ret)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		return -rc;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	ssize_t result = 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (buf) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long waited = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (waited >= PODMAN_TIMEOUT_MS) {
			result = -ETIMEDOUT;
			break;
		}
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int pr = poll(&p, 1, (int)(PODMAN_TIMEOUT_MS - waited));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			result = pr == 0 ? -ETIMEDOUT : -errno;
			break;
		}
		if (len + 1 >= cap) {
			if (cap >= PODMAN_OUT_MAX) {
				result = -E2BIG;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				result = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(pfd[0], buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	if (result < 0 || !buf)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!buf)
		return -ENOMEM;
	if (result == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		result = -ENOENT;
	if (result < 0) {
		free(buf);
		return result;
	}
	buf[len] = 0;
	*ret = buf;
	return (ssize_t)len;
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
	/* podman, or an unnamed runtime (bare id) that podman may know */
	if (runtime && (strcmp(runtime, "podman") == 0 || runtime[0] == 0)) {
		char idbuf[MMR_RT_CONTAINER_ID_MAX];
		mmr_rt_strlcpy(idbuf, id, sizeof(idbuf));
		char *argv[] = { (char *)"podman", (char *)"container", (char *)"inspect", idbuf, NULL };
		char *out = NULL;
		ssize_t n = run_capture(argv, &out);
		if (n > 0) {
			struct mmr_rt_container tmp;
			memset(&tmp, 0, sizeof(tmp));
			if (mmr_rt_container_parse_podman(out, (size_t)n, &tmp) == 0 &&
			    strncmp(tmp.id, id, strlen(id)) == 0) {
				mmr_rt_strlcpy(tmp.id, id, sizeof(tmp.id));
				*c = tmp;
			}
		} else {
			mmr_debug("container %.12s: podman inspect: %s", id, strerror((int)-n));
		}
		free(out);
	}
	return c;
}
