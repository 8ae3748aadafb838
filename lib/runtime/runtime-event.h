/* runtime-event.h - the user-space event model of the runtime agent.
 *
 * The sensor (eBPF ring buffer, or the proc-connector/fanotify fallback)
 * turns kernel records into these structs; the rule engine
 * (runtime-rules.h) reads them through the field table (runtime-fields.c).
 * Names follow Falco's field names so that Falco rule files work
 * unchanged: evt.* -> struct mmr_rt_event, fd.* -> struct mmr_rt_fd,
 * proc.* / thread.* / user.* -> struct mmr_rt_proc, container.* / k8s.* ->
 * struct mmr_rt_container.
 *
 * Ownership: every string lives in a fixed-size array inside its struct
 * (sizes below, always NUL-terminated, silently truncated by
 * mmr_rt_strlcpy()). Nothing points outside the struct except
 * event->proc and event->container, which borrow from the process and
 * container tables (valid until the next upsert/remove on those tables;
 * the evaluator only uses them during one mmr_rt_rules_eval() call).
 * An event struct is reused by the producer; it is not freed.
 *
 * Limits: argv is kept up to MMR_RT_ARGV_MAX entries and MMR_RT_ARGS_MAX
 * bytes in total (Falco truncates too); the process table holds at most
 * the number of processes given at creation (the oldest exited entry, then
 * the oldest entry, is evicted); the container table likewise. */
#ifndef MMR_RUNTIME_EVENT_H
#define MMR_RUNTIME_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMR_RT_COMM_MAX 16          /* TASK_COMM_LEN */
#define MMR_RT_PATH_MAX 512         /* exe path, cwd, fd names */
#define MMR_RT_ARGS_MAX 2048        /* argv bytes (NUL-separated) */
#define MMR_RT_ARGV_MAX 64          /* argv entries */
#define MMR_RT_NAME_MAX 64          /* user/group names */
#define MMR_RT_EVT_ARGS_N 8         /* event arguments kept */
#define MMR_RT_EVT_ARGNAME_MAX 24
#define MMR_RT_EVT_ARGVAL_MAX 512
#define MMR_RT_CONTAINER_ID_MAX 65  /* full 64-hex id + NUL */
#define MMR_RT_CONTAINER_STR_MAX 256
#define MMR_RT_LABELS_MAX 32
#define MMR_RT_LABEL_KEY_MAX 128
#define MMR_RT_LABEL_VAL_MAX 256

/* Falco event type names the sensor may produce, in one table so the
 * evaluator can index rules by type. Keep the order stable (ABI for the
 * sensor); add new names at the end. */
#define MMR_RT_EVT_TYPES(X)                                                                       \
	X(UNKNOWN, "unknown")                                                                     \
	X(EXECVE, "execve")                                                                       \
	X(EXECVEAT, "execveat")                                                                   \
	X(CLONE, "clone")                                                                         \
	X(CLONE3, "clone3")                                                                       \
	X(FORK, "fork")                                                                           \
	X(VFORK, "vfork")                                                                         \
	X(PROCEXIT, "procexit")                                                                   \
	X(OPEN, "open")                                                                           \
	X(OPENAT, "openat")                                                                       \
	X(OPENAT2, "openat2")                                                                     \
	X(CREAT, "creat")                                                                         \
	X(OPEN_BY_HANDLE_AT, "open_by_handle_at")                                                 \
	X(CLOSE, "close")                                                                         \
	X(READ, "read")                                                                           \
	X(WRITE, "write")                                                                         \
	X(UNLINK, "unlink")                                                                       \
	X(UNLINKAT, "unlinkat")                                                                   \
	X(RENAME, "rename")                                                                       \
	X(RENAMEAT, "renameat")                                                                   \
	X(RENAMEAT2, "renameat2")                                                                 \
	X(MKDIR, "mkdir")                                                                         \
	X(MKDIRAT, "mkdirat")                                                                     \
	X(RMDIR, "rmdir")                                                                         \
	X(CHMOD, "chmod")                                                                         \
	X(FCHMOD, "fchmod")                                                                       \
	X(FCHMODAT, "fchmodat")                                                                   \
	X(CHOWN, "chown")                                                                         \
	X(LCHOWN, "lchown")                                                                       \
	X(FCHOWN, "fchown")                                                                       \
	X(FCHOWNAT, "fchownat")                                                                   \
	X(LINK, "link")                                                                           \
	X(LINKAT, "linkat")                                                                       \
	X(SYMLINK, "symlink")                                                                     \
	X(SYMLINKAT, "symlinkat")                                                                 \
	X(SOCKET, "socket")                                                                       \
	X(CONNECT, "connect")                                                                     \
	X(ACCEPT, "accept")                                                                       \
	X(ACCEPT4, "accept4")                                                                     \
	X(LISTEN, "listen")                                                                       \
	X(BIND, "bind")                                                                           \
	X(SENDTO, "sendto")                                                                       \
	X(SENDMSG, "sendmsg")                                                                     \
	X(RECVFROM, "recvfrom")                                                                   \
	X(RECVMSG, "recvmsg")                                                                     \
	X(DUP, "dup")                                                                             \
	X(DUP2, "dup2")                                                                           \
	X(DUP3, "dup3")                                                                           \
	X(SETUID, "setuid")                                                                       \
	X(SETGID, "setgid")                                                                       \
	X(SETREUID, "setreuid")                                                                   \
	X(SETRESUID, "setresuid")                                                                 \
	X(SETRESGID, "setresgid")                                                                 \
	X(CAPSET, "capset")                                                                       \
	X(PTRACE, "ptrace")                                                                       \
	X(INIT_MODULE, "init_module")                                                             \
	X(FINIT_MODULE, "finit_module")                                                           \
	X(DELETE_MODULE, "delete_module")                                                         \
	X(MOUNT, "mount")                                                                         \
	X(UMOUNT2, "umount2")                                                                     \
	X(UNSHARE, "unshare")                                                                     \
	X(SETNS, "setns")                                                                         \
	X(BPF, "bpf")                                                                             \
	X(MEMFD_CREATE, "memfd_create")                                                           \
	X(CHDIR, "chdir")                                                                         \
	X(FCHDIR, "fchdir")                                                                       \
	X(CHROOT, "chroot")                                                                       \
	X(KILL, "kill")                                                                           \
	X(TKILL, "tkill")                                                                         \
	X(TGKILL, "tgkill")                                                                       \
	X(PRCTL, "prctl")                                                                         \
	X(MMAP, "mmap")                                                                           \
	X(MPROTECT, "mprotect")                                                                   \
	X(USERFAULTFD, "userfaultfd")                                                             \
	X(PIPE, "pipe")                                                                           \
	X(PIPE2, "pipe2")                                                                         \
	X(SOCKETPAIR, "socketpair")                                                               \
	X(FCNTL, "fcntl")                                                                         \
	X(IOCTL, "ioctl")                                                                         \
	X(SETSID, "setsid")                                                                       \
	X(SETPGID, "setpgid")                                                                     \
	X(SETGROUPS, "setgroups")                                                                 \
	X(SETREGID, "setregid")                                                                   \
	X(PIVOT_ROOT, "pivot_root")                                                               \
	X(FSCONFIG, "fsconfig")                                                                   \
	X(IO_URING_SETUP, "io_uring_setup")                                                       \
	X(DNS, "dns") /* mamori extension: a DNS query/answer seen by the sensor */

enum mmr_rt_evt_type {
#define MMR_RT_X_ENUM(id, name) MMR_RT_EVT_##id,
	MMR_RT_EVT_TYPES(MMR_RT_X_ENUM)
#undef MMR_RT_X_ENUM
	MMR_RT_EVT__COUNT
};

/* "execve" for MMR_RT_EVT_EXECVE; "unknown" out of range. */
const char *mmr_rt_evt_type_name(unsigned type);
/* MMR_RT_EVT_UNKNOWN (0) when the name is not in the table. */
enum mmr_rt_evt_type mmr_rt_evt_type_from_name(const char *name);

/* fd.typechar values (Falco's). */
enum mmr_rt_fd_typechar {
	MMR_RT_FD_NONE = 0,
	MMR_RT_FD_FILE = 'f',
	MMR_RT_FD_DIRECTORY = 'd',
	MMR_RT_FD_IPV4 = '4',
	MMR_RT_FD_IPV6 = '6',
	MMR_RT_FD_UNIX = 'u',
	MMR_RT_FD_PIPE = 'p',
	MMR_RT_FD_EVENT = 'e',
	MMR_RT_FD_SIGNALFD = 's',
	MMR_RT_FD_EVENTPOLL = 'l',
	MMR_RT_FD_INOTIFY = 'i',
	MMR_RT_FD_TIMERFD = 't',
	MMR_RT_FD_NETLINK = 'n',
	MMR_RT_FD_MEMFD = 'm',
	MMR_RT_FD_BPF = 'b',
	MMR_RT_FD_USERFAULTFD = 'U',
	MMR_RT_FD_IOURING = 'r',
	MMR_RT_FD_OTHER = 'o',
};

enum mmr_rt_l4proto {
	MMR_RT_L4_NONE = 0,
	MMR_RT_L4_TCP,
	MMR_RT_L4_UDP,
	MMR_RT_L4_ICMP,
	MMR_RT_L4_RAW,
};

/* An IPv4 address is kept as ::ffff:a.b.c.d (family says which). */
struct mmr_rt_addr {
	uint8_t family; /* AF_INET, AF_INET6, 0 */
	uint8_t ip[16];
};

/* The file descriptor an event concerns (Falco fd.*). For network fds
 * client/server follow Falco: for connect() the local end is the client,
 * for accept() the local end is the server (local_is_server). */
struct mmr_rt_fd {
	int64_t num;                    /* fd.num; -1 when the event has no fd */
	char typechar;                  /* enum mmr_rt_fd_typechar, 0 none */
	uint8_t l4proto;                /* enum mmr_rt_l4proto */
	bool connected;                 /* fd.connected */
	bool name_changed;              /* fd.name_changed (rename/link/dup over) */
	bool local_is_server;
	uint32_t open_flags;            /* O_* flags for opens, 0 otherwise */
	char name[MMR_RT_PATH_MAX];     /* fd.name: path, "1.2.3.4:5->6.7.8.9:10", socket path */
	char nameraw[MMR_RT_PATH_MAX];  /* fd.nameraw: path as passed (unresolved); "" = same */
	struct mmr_rt_addr cip, sip;    /* client / server address */
	uint16_t cport, sport;
	char sip_name[MMR_RT_NAME_MAX * 4]; /* fd.sip.name: DNS name the server ip came from */
	uint64_t ino;
	uint32_t dev;
};

struct mmr_rt_evt_arg {
	char name[MMR_RT_EVT_ARGNAME_MAX];  /* "flags", "target", "request", "res" ... */
	char value[MMR_RT_EVT_ARGVAL_MAX];  /* evt.arg.NAME as Falco renders it */
	int64_t num;                        /* evt.rawarg.NAME when has_num */
	bool has_num;
};

struct mmr_rt_proc;
struct mmr_rt_container;

#define MMR_RT_DIR_ENTER '>'
#define MMR_RT_DIR_EXIT '<'

struct mmr_rt_event {
	uint64_t seq;     /* evt.num: per-agent sequence number */
	uint64_t ts;      /* evt.time: ns since the epoch */
	uint16_t type;    /* enum mmr_rt_evt_type */
	char dir;         /* MMR_RT_DIR_EXIT for completed syscalls (default) */
	int64_t res;      /* evt.rawres: return value, -errno on failure */
	int32_t tid, pid; /* thread and process (thread-group) ids, host namespace */
	uint32_t nargs;
	struct mmr_rt_evt_arg args[MMR_RT_EVT_ARGS_N];
	struct mmr_rt_fd fd;
	/* Borrowed from the tables (may be NULL: fields then are absent). */
	const struct mmr_rt_proc *proc;
	const struct mmr_rt_container *container;
};

/* Process flags. */
#define MMR_RT_PROC_EXE_FROM_MEMFD (1u << 0)  /* proc.is_exe_from_memfd */
#define MMR_RT_PROC_EXE_UPPER_LAYER (1u << 1) /* proc.is_exe_upper_layer (overlay upper) */
#define MMR_RT_PROC_EXE_WRITABLE (1u << 2)    /* proc.is_exe_writable */
#define MMR_RT_PROC_EXITED (1u << 3)          /* procexit seen, kept for children */
#define MMR_RT_PROC_SID_LEADER (1u << 4)      /* proc.is_sid_leader */
#define MMR_RT_PROC_VPGID_LEADER (1u << 5)
#define MMR_RT_PROC_EXE_DRIFT (1u << 6)       /* exe written after container start */

/* One process (thread group). Ids are host-namespace ids; vpid is the id
 * inside the process's pid namespace (proc.vpid). */
struct mmr_rt_proc {
	int32_t pid, ppid, tid, vpid, sid, pgid;
	uint32_t uid, gid, euid, egid, loginuid; /* loginuid (uint32_t)-1 = unset */
	uint32_t tty;        /* proc.tty: tty device number, 0 = none */
	uint32_t flags;      /* MMR_RT_PROC_* */
	uint64_t cap_effective, cap_permitted, cap_inheritable; /* CAP_* bit masks */
	uint64_t start_ts;   /* ns since the epoch (proc.duration = now - start_ts) */
	uint64_t exe_ino, exe_ino_ctime, exe_ino_mtime; /* ns since the epoch */
	char comm[MMR_RT_COMM_MAX];          /* proc.name */
	char exepath[MMR_RT_PATH_MAX];       /* proc.exepath: resolved /proc/PID/exe */
	char cwd[MMR_RT_PATH_MAX];           /* proc.cwd, with trailing '/' like Falco */
	char user[MMR_RT_NAME_MAX];          /* user.name ("" = unknown) */
	char loginuser[MMR_RT_NAME_MAX];     /* user.loginname */
	char group[MMR_RT_NAME_MAX];         /* group.name */
	char container_id[MMR_RT_CONTAINER_ID_MAX]; /* "" = host */
	/* fd 0, 1, 2 at exec: fd.typechar values (0 unknown/closed); the
	 * connection tuple when stdin / stdout is an IP socket
	 * (proc.stdin.type, proc.stdout.name, ...). */
	char stdio_type[4];
	char stdio_name[2][96];
	/* argv[0..argc): args[] holds them NUL-separated, args_len bytes. */
	uint16_t argc, args_len;
	char args[MMR_RT_ARGS_MAX];
};

/* proc.exe is argv[0] (Falco); "" if no argv. */
const char *mmr_rt_proc_argv0(const struct mmr_rt_proc *p);
/* Set argv from an array (truncated to the limits). */
void mmr_rt_proc_set_argv(struct mmr_rt_proc *p, const char *const *argv, size_t argc);
/* Set argv from a NUL-separated buffer (as /proc/PID/cmdline). */
void mmr_rt_proc_set_cmdline(struct mmr_rt_proc *p, const char *buf, size_t len);
/* strlcpy: dst always NUL-terminated, returns strlen(src). */
size_t mmr_rt_strlcpy(char *dst, const char *src, size_t dstsize);

/* Process table: hash from pid to struct mmr_rt_proc, bounded. */
struct mmr_rt_proctab;

/* max_procs 0 picks 32768. NULL on ENOMEM. */
struct mmr_rt_proctab *mmr_rt_proctab_new(size_t max_procs);
void mmr_rt_proctab_free(struct mmr_rt_proctab *t); /* NULL no-op */
/* NULL when absent. The pointer is valid until the next upsert/remove. */
struct mmr_rt_proc *mmr_rt_proctab_get(const struct mmr_rt_proctab *t, int32_t pid);
/* The entry for pid, created zeroed (pid set, loginuid -1) when absent;
 * evicts when full. Never NULL. */
struct mmr_rt_proc *mmr_rt_proctab_upsert(struct mmr_rt_proctab *t, int32_t pid);
/* true if it was there. */
bool mmr_rt_proctab_remove(struct mmr_rt_proctab *t, int32_t pid);
size_t mmr_rt_proctab_count(const struct mmr_rt_proctab *t);
/* Ancestor n of p: 0 = p, 1 = parent, ... NULL past the root, on a
 * missing entry or a cycle (walk bounded by MMR_RT_ANCESTRY_MAX). */
#define MMR_RT_ANCESTRY_MAX 64
const struct mmr_rt_proc *mmr_rt_proc_ancestor(const struct mmr_rt_proctab *t,
					       const struct mmr_rt_proc *p, unsigned n);

/* Container metadata (container.*, k8s.*). */
struct mmr_rt_container {
	char id[MMR_RT_CONTAINER_ID_MAX];        /* full id; container.id prints the first 12 */
	char name[MMR_RT_CONTAINER_STR_MAX];     /* container.name */
	char image[MMR_RT_CONTAINER_STR_MAX];    /* container.image: repo:tag as run */
	char image_repository[MMR_RT_CONTAINER_STR_MAX];
	char image_tag[MMR_RT_NAME_MAX * 2];
	char image_digest[MMR_RT_NAME_MAX * 2];  /* "sha256:..." */
	char image_id[MMR_RT_CONTAINER_ID_MAX];
	char runtime[32];                        /* container.type: podman, docker, containerd, cri-o */
	bool privileged;
	uint64_t start_ts;                       /* ns since the epoch */
	char k8s_pod_name[MMR_RT_CONTAINER_STR_MAX];
	char k8s_ns_name[MMR_RT_CONTAINER_STR_MAX];
	char k8s_pod_uid[MMR_RT_CONTAINER_ID_MAX];
	uint32_t nlabels;
	struct {
		char key[MMR_RT_LABEL_KEY_MAX];
		char value[MMR_RT_LABEL_VAL_MAX];
	} labels[MMR_RT_LABELS_MAX];
};

struct mmr_rt_conttab;

/* max 0 picks 1024. NULL on ENOMEM. */
struct mmr_rt_conttab *mmr_rt_conttab_new(size_t max);
void mmr_rt_conttab_free(struct mmr_rt_conttab *t);
/* Lookup by full id or by any prefix of at least 12 characters. */
struct mmr_rt_container *mmr_rt_conttab_get(const struct mmr_rt_conttab *t, const char *id);
/* Entry for id (created zeroed with id set when absent; evicts the oldest
 * when full). NULL only for an empty id. */
struct mmr_rt_container *mmr_rt_conttab_upsert(struct mmr_rt_conttab *t, const char *id);
bool mmr_rt_conttab_remove(struct mmr_rt_conttab *t, const char *id);
/* Label value or NULL. */
const char *mmr_rt_container_label(const struct mmr_rt_container *c, const char *key);

/* Initialise an event for reuse: zero, dir '<', fd.num -1. */
void mmr_rt_event_init(struct mmr_rt_event *e);
/* The same for an event about to be refilled (the decoder's hot path):
 * every field reads as after mmr_rt_event_init() (numbers 0, strings "",
 * no arguments), but only the bytes that say so are written; the ~6 KiB
 * of argument and name buffers behind them are left as they are. */
void mmr_rt_event_reset(struct mmr_rt_event *e);
/* Add argument NAME=VALUE (num optional: pass has_num false). -E2BIG when full. */
int mmr_rt_event_add_arg(struct mmr_rt_event *e, const char *name, const char *value,
			 int64_t num, bool has_num);
/* Value of argument NAME, or NULL. */
const struct mmr_rt_evt_arg *mmr_rt_event_arg(const struct mmr_rt_event *e, const char *name);

#endif
