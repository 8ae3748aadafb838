/* runtime-enforce.h - enforcement policies for `mamori agent --enforce FILE`.
 *
 * A policy (YAML, docs/cli/agent.md "Enforcement") is a list of workloads,
 * each selected by globs on the container image, the container name and
 * the cgroup path (all given selectors must match), or `match: host` for
 * processes in no container. The first workload that matches a process is
 * its workload. Per workload:
 *   allow_exec    path globs; an exec of any other file is denied
 *   deny_write    paths: "DIR/" (prefix), a glob, or an exact path (which
 *                 also covers everything below it); opens for writing denied
 *   deny_connect  "CIDR[:port]" ("10.0.0.0/8", "1.2.3.4:80",
 *                 "[2001:db8::]/32:443", "::1"); outbound connects blocked
 *   allow_connect same syntax; when present, only these may be reached
 *   kill_on       rule names or rule tags: an alert of that rule for a
 *                 process of the workload gets the process SIGKILLed
 * Globs are fnmatch(3) without FNM_PATHNAME: '*' also crosses '/'.
 *
 * Limits: the file at most MMR_RT_ENFORCE_MAX_FILE bytes, at most
 * MMR_RT_ENFORCE_MAX_WL workloads and MMR_RT_ENFORCE_MAX_LIST entries per
 * list, each string at most MMR_RT_ENFORCE_MAX_STR bytes (-E2BIG beyond).
 * Errors: -EBADMSG with reterr naming file:line:column; -ENOMEM.
 *
 * Ownership: the policy owns all its strings; read-only after parsing, so
 * several threads may query it at once. */
#ifndef MMR_RUNTIME_ENFORCE_H
#define MMR_RUNTIME_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmr_error;

#define MMR_RT_ENFORCE_MAX_FILE (1u << 20)
#define MMR_RT_ENFORCE_MAX_WL 256
#define MMR_RT_ENFORCE_MAX_LIST 4096
#define MMR_RT_ENFORCE_MAX_STR 1024

/* An address range: IPv4 is kept as ::ffff:a.b.c.d with prefix + 96. */
struct mmr_rt_enforce_cidr {
	uint8_t ip[16];
	uint8_t prefix; /* 0..128 bits of ip that must match */
	uint16_t port;  /* host order; 0 = any port */
};

struct mmr_rt_enforce_wl {
	char *name;       /* "name:" or "workload-N" */
	unsigned line;    /* where it starts in the file */
	bool host;        /* match: host */
	char *image, *container, *cgroup; /* selector globs, NULL = any */
	bool has_allow_exec, has_allow_connect;
	char **allow_exec;
	size_t n_allow_exec;
	char **deny_write;
	size_t n_deny_write;
	struct mmr_rt_enforce_cidr *deny_connect, *allow_connect;
	size_t n_deny_connect, n_allow_connect;
	char **kill_on;
	size_t n_kill_on;
};

struct mmr_rt_enforce_policy {
	struct mmr_rt_enforce_wl *wl;
	size_t n_wl;
	bool any_exec, any_write, any_connect, any_kill; /* some workload has that rule */
};

/* Parse a policy from data (len bytes); file names it in errors. */
int mmr_rt_enforce_parse(const void *data, size_t len, const char *file, struct mmr_rt_enforce_policy **ret,
			 struct mmr_error *reterr);
/* Read and parse a file (-errno when it cannot be read, -E2BIG when larger
 * than MMR_RT_ENFORCE_MAX_FILE). */
int mmr_rt_enforce_load_file(const char *path, struct mmr_rt_enforce_policy **ret, struct mmr_error *reterr);
void mmr_rt_enforce_free(struct mmr_rt_enforce_policy *p); /* NULL no-op */

/* "1.2.3.0/24", "1.2.3.4:80", "1.2.3.0/24:80", "::1", "[::1]:22",
 * "[2001:db8::]/32:443", "2001:db8::/32". -EINVAL when malformed. */
int mmr_rt_enforce_cidr_parse(const char *s, struct mmr_rt_enforce_cidr *ret);
/* ip (16 bytes, IPv4 mapped) and port (host order) inside c? */
bool mmr_rt_enforce_cidr_match(const struct mmr_rt_enforce_cidr *c, const uint8_t ip[16], uint16_t port);

/* What a process is, for workload selection. NULL strings are unknown and
 * fail a selector that names them. */
struct mmr_rt_enforce_subject {
	bool host;             /* in no container */
	const char *image;     /* container image as run (repo:tag) */
	const char *container; /* container name */
	const char *cgroup;    /* cgroup path ("/libpod_parent/libpod-<id>") */
};
/* Index of the first workload that matches, -1 when none. */
int mmr_rt_enforce_match(const struct mmr_rt_enforce_policy *p, const struct mmr_rt_enforce_subject *s);

/* Is exec of path allowed (true without an allow_exec list)? */
bool mmr_rt_enforce_exec_allowed(const struct mmr_rt_enforce_wl *w, const char *path);
/* Is opening path for writing denied? */
bool mmr_rt_enforce_write_denied(const struct mmr_rt_enforce_wl *w, const char *path);
/* May ip:port be connected to (deny_connect first, then allow_connect)? */
bool mmr_rt_enforce_connect_allowed(const struct mmr_rt_enforce_wl *w, const uint8_t ip[16], uint16_t port);
/* Does an alert of rule (with tags) kill the process? */
bool mmr_rt_enforce_kill_on(const struct mmr_rt_enforce_wl *w, const char *rule, const char *const *tags,
			    size_t ntags);

/* Processes enforcement never blocks or kills, by comm: container
 * runtimes and their helpers (conmon, runc*, crun, podman, containerd*,
 * dockerd, crio, ...). */
bool mmr_rt_enforce_protected_comm(const char *comm);

/* Alert deduplication: an alert whose key (workload, kind, item, ...) was
 * raised less than window_ns ago is suppressed and counted. A fixed table
 * of MMR_RT_ENFORCE_DEDUP_SLOTS keys (by 64-bit hash): a key pushed out by
 * another is raised again early, never suppressed wrongly for long. Zero
 * it, set window_ns (0: nothing is suppressed). Not thread-safe. */
#define MMR_RT_ENFORCE_DEDUP_SLOTS 1024
struct mmr_rt_enforce_dedup {
	uint64_t window_ns;
	uint64_t suppressed;
	uint64_t hash[MMR_RT_ENFORCE_DEDUP_SLOTS];
	uint64_t last_ns[MMR_RT_ENFORCE_DEDUP_SLOTS];
};
/* true: raise the alert (and remember now_ns), false: suppressed. */
bool mmr_rt_enforce_dedup_check(struct mmr_rt_enforce_dedup *d, const char *key, uint64_t now_ns);

/* Connection blocking (bpf/enforce.bpf.c): cgroup/connect4 and connect6
 * programs attached by link to the root of the cgroup v2 hierarchy (the
 * links go away with the process: a killed agent blocks nothing). A
 * cgroup's workload is set with mmr_rt_enforce_net_set_cgroup(); cgroups
 * never set are the policy's host workload (if any). */
struct mmr_rt_enforce_net;

struct mmr_rt_enforce_blocked {
	uint64_t cgroup_id;
	uint32_t pid;
	int wl;          /* index into the policy */
	uint8_t ip[16];  /* IPv4 mapped */
	uint16_t port;
	uint8_t family;  /* 4 or 6 */
	bool dry_run;    /* the connect went through */
	char comm[16];
};

/* Load and attach. -ENOTSUP when built without eBPF; -errno with why
 * filled when the programs cannot load or attach. */
int mmr_rt_enforce_net_open(const struct mmr_rt_enforce_policy *p, bool dry_run,
			    struct mmr_rt_enforce_net **ret, char *why, size_t whylen);
/* The workload of a cgroup v2 id (wl -1: in none, not even the host's). */
int mmr_rt_enforce_net_set_cgroup(struct mmr_rt_enforce_net *n, uint64_t cgroup_id, int wl);
/* Hand every blocked connect queued so far to fn. Returns how many. */
int mmr_rt_enforce_net_poll(struct mmr_rt_enforce_net *n,
			    void (*fn)(void *ud, const struct mmr_rt_enforce_blocked *b), void *ud);
void mmr_rt_enforce_net_free(struct mmr_rt_enforce_net *n); /* NULL no-op */

/* Where the cgroup v2 hierarchy is mounted ("/sys/fs/cgroup/unified" on a
 * hybrid host, "/sys/fs/cgroup" on a pure v2 one): 0, or -ENOENT. */
int mmr_rt_enforce_cgroup2_root(char *out, size_t size);
/* The cgroup v2 path of a process ("0::" line of /proc/PID/cgroup), and its
 * id (the inode number of its directory; 0 when it cannot be found). */
int mmr_rt_enforce_cgroup_of_pid(int pid, char *path, size_t size, uint64_t *ret_id);

#endif
