/* runtime-forensics.h - evidence bundles for runtime alerts.
 *
 * mmr_rt_forensics_write() collects what /proc still knows about one
 * process (the process, its ancestors and descendants, its environment
 * with secret values redacted, its open files and sockets, the sha256 of
 * its executable) plus what the caller hands in (the alert, the container
 * metadata, the last events of that container) and writes it as one tar
 * file DIR/<time>-<rule-slug>-<pid>.tar (mode 0600; DIR is created 0700):
 *
 *   manifest.json   alert, host, time, pid, container id, every other
 *                   member with its size and sha256, what was missing
 *   process.json    the process tree (pid, ppid, uid, comm, exe, cmdline,
 *                   start time) with "role": process / ancestor / child
 *   environ.json    [{"name", "value" | "redacted": true}] (never a raw
 *                   secret value: see mmr_rt_forensics_env_secret())
 *   fds.json        /proc/PID/fd targets; sockets resolved by inode from
 *                   /proc/PID/net/{tcp,tcp6,udp,udp6}
 *   container.json  the container table's entry (or {"id": "host"})
 *   events.json     the recent events the caller kept
 *   exe.json        path, size, sha256 of /proc/PID/exe (read up to a cap)
 *
 * A process gone before collection leaves what the caller's snapshot
 * knows (struct mmr_rt_proc from the agent's table), and the manifest's
 * "missing" array says what could not be read and why. The file is
 * written under a temporary name and renamed, so a reader never sees a
 * partial bundle.
 *
 * Limits: MMR_RT_FORENSICS_MAX_FDS descriptors, MMR_RT_FORENSICS_MAX_SOCKS
 * socket table rows per protocol, MMR_RT_FORENSICS_MAX_TREE processes in
 * the tree, environ up to MMR_RT_FORENSICS_MAX_ENV bytes, exe hashed up to
 * req->max_exe_bytes. Errors: -errno (-ENOMEM, -EIO, -EEXIST, ...). */
#ifndef MMR_RUNTIME_FORENSICS_H
#define MMR_RUNTIME_FORENSICS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime-event.h"

#define MMR_RT_FORENSICS_MAX_FDS 1024
#define MMR_RT_FORENSICS_MAX_SOCKS 8192
#define MMR_RT_FORENSICS_MAX_TREE 256
#define MMR_RT_FORENSICS_MAX_ENV (256 * 1024)
#define MMR_RT_FORENSICS_MAX_NETFILE (4 * 1024 * 1024)
#define MMR_RT_FORENSICS_DEFAULT_EXE_MAX (256ull * 1024 * 1024)

/* One row of /proc/net/{tcp,tcp6,udp,udp6}. */
struct mmr_rt_sock {
	uint64_t ino;
	struct mmr_rt_addr laddr, raddr;
	uint16_t lport, rport;
	uint8_t state;   /* TCP_ESTABLISHED = 1 ... TCP_LISTEN = 10 (kernel numbers) */
	uint32_t uid;
};

/* Parse the text of a /proc/net/tcp-style table (header line first; v6
 * when the addresses have 32 hex digits). Rows go to out[0..max); rows
 * past max are counted but not stored; malformed rows are skipped and
 * counted in *ret_bad. Returns the number of well-formed rows. */
size_t mmr_rt_forensics_parse_net(const char *text, size_t len, struct mmr_rt_sock *out, size_t max,
				  size_t *ret_bad);

/* "1.2.3.4:80" or "[::1]:80" into buf. */
const char *mmr_rt_forensics_sock_addr(const struct mmr_rt_addr *a, uint16_t port, char *buf, size_t size);
/* "ESTABLISHED", "LISTEN", ... ("UNKNOWN" out of range). */
const char *mmr_rt_forensics_tcp_state(uint8_t state);

/* Whether the value of environment variable NAME must be redacted: the
 * name matches (case-insensitive) pass, secret, token, key, credential,
 * auth, cookie, session; or the value looks like a secret (known key
 * prefixes such as AKIA/ghp_/xox?-/sk_live_/glpat-, a PEM block, a JWT,
 * a URL with a password, or a long high-entropy word). */
bool mmr_rt_forensics_env_secret(const char *name, size_t name_len, const char *value, size_t value_len);

/* environ.json's array from a NUL-separated /proc/PID/environ buffer:
 * [{"name": N, "value": V}] or [{"name": N, "redacted": true, "length": L}].
 * NULL on ENOMEM. */
json_t *mmr_rt_forensics_environ_json(const char *buf, size_t len);

/* "<slug>" of a rule name: lower-case ASCII letters and digits, runs of
 * anything else as one '-', at most size-1 bytes, never empty ("alert"). */
void mmr_rt_forensics_slug(const char *name, char *out, size_t size);

struct mmr_rt_forensics_req {
	const char *dir;                        /* bundle directory (created 0700) */
	const char *proc_root;                  /* "/proc" (tests point elsewhere) */
	const char *alert_json;                 /* the alert line */
	const char *rule;                       /* for the file name */
	int32_t pid;
	const struct mmr_rt_proc *proc;         /* snapshot from the table, may be NULL */
	const struct mmr_rt_proctab *procs;     /* ancestors when /proc lacks them; may be NULL */
	const struct mmr_rt_container *container; /* may be NULL (host) */
	const char *container_id;               /* when container is NULL; "" or NULL = host */
	const char *hostname;
	uint64_t time_ns;                       /* alert time (0: now) */
	json_t *events;                         /* borrowed array (may be NULL) */
	uint64_t max_exe_bytes;                 /* 0: MMR_RT_FORENSICS_DEFAULT_EXE_MAX */
};

/* Write one bundle; its path goes to ret_path (when non-NULL). */
int mmr_rt_forensics_write(const struct mmr_rt_forensics_req *req, char *ret_path, size_t path_size);

#endif
