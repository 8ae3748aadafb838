/* sensor.h - the events the eBPF sensor (sensor.bpf.c) sends to user space.
 *
 * Shared by the BPF program and the loader (lib/runtime/runtime-sensor.c):
 * fixed-width types only, no kernel or libc headers. Every record starts
 * with struct mmr_sensor_hdr; hdr.type says which struct follows. Strings
 * are NUL-terminated and bounded by the array sizes below (a longer value
 * is cut and flagged MMR_SENSOR_F_TRUNC). Records are fixed-size except:
 * in the exec record args_len bytes of argv are meaningful, and a file
 * record whose path2 and aux are empty ends before path2
 * (MMR_SENSOR_FILE_SHORT bytes: half the ring traffic of an open). */
#ifndef MMR_BPF_SENSOR_H
#define MMR_BPF_SENSOR_H

#ifndef __bpf__
#include <stdint.h> /* the BPF side gets the same names from vmlinux.h */
#endif

#define MMR_SENSOR_COMM_LEN 16
#define MMR_SENSOR_PATH_MAX 256  /* paths copied per argument */
#define MMR_SENSOR_ARGS_MAX 1024 /* argv bytes copied at exec (NUL-separated) */
#define MMR_SENSOR_PREFIX_MAX 64 /* sensitive-path prefix map key bytes */
#define MMR_SENSOR_CGROUP_LEN 80 /* cgroup leaf name */

/* Event types; bit (1 << type) in the enabled-types mask. */
enum mmr_sensor_type {
	MMR_SENSOR_EXEC = 1,
	MMR_SENSOR_FORK,
	MMR_SENSOR_EXIT,
	MMR_SENSOR_OPEN,
	MMR_SENSOR_UNLINK,
	MMR_SENSOR_RENAME,
	MMR_SENSOR_CHMOD,
	MMR_SENSOR_CHOWN,
	MMR_SENSOR_LINK,
	MMR_SENSOR_SYMLINK,
	MMR_SENSOR_CONNECT,
	MMR_SENSOR_ACCEPT,
	MMR_SENSOR_LISTEN,
	MMR_SENSOR_BIND,
	MMR_SENSOR_SETUID,
	MMR_SENSOR_SETGID,
	MMR_SENSOR_CAPSET,
	MMR_SENSOR_PTRACE,
	MMR_SENSOR_MODULE,
	MMR_SENSOR_MOUNT,
	MMR_SENSOR_UNSHARE,
	MMR_SENSOR_SETNS,
	MMR_SENSOR_BPF,
	MMR_SENSOR_MEMFD,
	MMR_SENSOR_MKDIR,
	MMR_SENSOR_DUP,   /* dup/dup2/dup3 whose new fd is an IP socket (struct mmr_sensor_net) */
	MMR_SENSOR_CLOSE, /* close of an IP socket, with its tuple (struct mmr_sensor_net) */
	MMR_SENSOR_DNS,   /* a UDP datagram to or from port 53 (struct mmr_sensor_dns) */
	MMR_SENSOR_SOCKET, /* socket() of a packet or raw IP socket (struct mmr_sensor_file:
			    * a0 domain, a1 type with its flags, a2 protocol) */
	MMR_SENSOR_USERFAULTFD, /* userfaultfd() (struct mmr_sensor_file: a0 flags) */
	MMR_SENSOR_TYPE_MAX,
};

#define MMR_SENSOR_F_TRUNC 0x1      /* a string or argv was cut */
#define MMR_SENSOR_F_MEMFD_EXE 0x2  /* exec of a memfd (fileless) */
#define MMR_SENSOR_F_SENSITIVE 0x4  /* open matched the sensitive-prefix map */
#define MMR_SENSOR_F_OVERLAY_EXE 0x8 /* executable lives on overlayfs */
#define MMR_SENSOR_F_UPPER_EXE 0x10  /* ... in the overlay's upper (writable) layer */
#define MMR_SENSOR_F_ANSWER 0x20     /* dns: a datagram received (answer), else sent (query) */
#define MMR_SENSOR_F_FANOTIFY 0x40   /* made by the fanotify fallback (no fd number, no flags) */

/* A socket's ends (exec stdio, dns). */
struct mmr_sensor_tuple {
	uint16_t family;    /* AF_INET 2, AF_INET6 10, AF_UNIX 1, 0 none */
	uint16_t sock_type; /* SOCK_STREAM 1, SOCK_DGRAM 2 */
	uint16_t lport, rport; /* host order */
	uint8_t laddr[16], raddr[16]; /* IPv4 in the first 4 bytes, network order */
};

struct mmr_sensor_hdr {
	uint64_t seq;       /* global sequence number, from 1, no gaps except drops */
	uint64_t ts_ns;     /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	uint64_t cgroup_id; /* cgroup v2 id of the task */
	uint32_t type;      /* enum mmr_sensor_type */
	uint32_t flags;     /* MMR_SENSOR_F_* */
	uint32_t pid;       /* tgid */
	uint32_t tid;
	uint32_t ppid;      /* tgid of the real parent */
	uint32_t uid, gid, euid, egid;
	uint32_t loginuid;  /* (uint32_t)-1 when unset */
	uint32_t mntns, pidns; /* namespace inode numbers */
	uint32_t syscall;   /* syscall number (x86_64) or 0 for sched events */
	uint32_t pad;
	int64_t ret;        /* syscall return value; 0 for sched events */
	char comm[MMR_SENSOR_COMM_LEN];
	/* Leaf name of the task's cgroup (v2, else the v1 pids/memory
	 * hierarchy): "libpod-<id>", "docker-<id>.scope", "<id>", ... */
	char cgroup[MMR_SENSOR_CGROUP_LEN];
};

struct mmr_sensor_exec {
	struct mmr_sensor_hdr h;
	uint64_t cap_effective, cap_permitted;
	uint32_t tty_major, tty_minor; /* 0/0 without a controlling tty */
	uint32_t args_len;  /* bytes of args used (NUL-separated argv) */
	uint32_t args_count; /* argc as the kernel saw it */
	uint32_t exe_ino, exe_dev;
	/* fd 0, 1, 2 of the new program: Falco fd.typechar ('f' file or
	 * device, 'd', 'p' pipe, 'u' unix, '4', '6' IP socket, 'o' other,
	 * 0 closed); the tuple when fd 0 / fd 1 is an IP socket. */
	uint8_t stdio_type[4];
	uint32_t pad2;
	struct mmr_sensor_tuple stdio[2];
	char filename[MMR_SENSOR_PATH_MAX]; /* as passed to execve (bprm->filename) */
	char args[MMR_SENSOR_ARGS_MAX];
};

struct mmr_sensor_fork {
	struct mmr_sensor_hdr h; /* pid/ppid: the parent */
	uint32_t child_pid, child_tid;
	uint64_t clone_flags;
};

struct mmr_sensor_exit {
	struct mmr_sensor_hdr h;
	int32_t exit_code; /* wait status as the kernel stores it */
	uint32_t pad;
};

/* open/openat/openat2/creat, unlink*, rename*, chmod*, chown*, link*,
 * symlink*, mkdir*, mount, init/finit_module, memfd_create, ptrace, setuid,
 * setgid, capset, unshare, setns, bpf, socket, userfaultfd: a path pair
 * and some integers. */
struct mmr_sensor_file {
	struct mmr_sensor_hdr h;
	int64_t dirfd;   /* AT_FDCWD (-100) or an fd; -1 when not applicable */
	uint64_t a0, a1, a2, a3; /* flags/mode/uid/gid/target pid/... per type (docs) */
	char path[MMR_SENSOR_PATH_MAX];  /* first path (or memfd name, module params) */
	char path2[MMR_SENSOR_PATH_MAX]; /* rename/link/symlink target, mount target */
	char aux[32];                    /* mount: file system type */
};

/* Size of a struct mmr_sensor_file record that leaves out path2 and aux. */
#define MMR_SENSOR_FILE_SHORT (sizeof(struct mmr_sensor_hdr) + 8 + 4 * 8 + MMR_SENSOR_PATH_MAX)

/* connect/accept/accept4/listen/bind. */
struct mmr_sensor_net {
	struct mmr_sensor_hdr h;
	int64_t fd;        /* the socket (accept: the new fd, in h.ret) */
	uint16_t family;   /* AF_INET 2, AF_INET6 10, AF_UNIX 1, 0 unknown */
	uint16_t port;     /* host order */
	uint16_t sock_type; /* SOCK_STREAM 1, SOCK_DGRAM 2, 0 unknown */
	uint16_t lport;    /* local port when known (accept, connect after success) */
	uint8_t addr[16];  /* IPv4 in the first 4 bytes, network order */
	uint8_t laddr[16];
	int32_t backlog;   /* listen */
	uint32_t pad;
	char unix_path[108];
	char pad2[4];
};

#define MMR_SENSOR_DNS_MAX 512 /* datagram bytes copied */

/* write/send* to, read/recv* from a UDP socket whose peer port is 53. */
struct mmr_sensor_dns {
	struct mmr_sensor_hdr h;
	int64_t fd;
	struct mmr_sensor_tuple t;
	uint32_t len;  /* bytes of data used */
	uint32_t pad;
	uint8_t data[MMR_SENSOR_DNS_MAX];
};

/* Syscall numbers (x86_64) the sensor traces. */
#define MMR_NR_read 0
#define MMR_NR_write 1
#define MMR_NR_close 3
#define MMR_NR_dup 32
#define MMR_NR_socket 41
#define MMR_NR_dup2 33
#define MMR_NR_sendto 44
#define MMR_NR_recvfrom 45
#define MMR_NR_sendmsg 46
#define MMR_NR_recvmsg 47
#define MMR_NR_dup3 292
#define MMR_NR_sendmmsg 307
#define MMR_NR_open 2
#define MMR_NR_ptrace 101
#define MMR_NR_connect 42
#define MMR_NR_accept 43
#define MMR_NR_bind 49
#define MMR_NR_listen 50
#define MMR_NR_rename 82
#define MMR_NR_mkdir 83
#define MMR_NR_creat 85
#define MMR_NR_link 86
#define MMR_NR_unlink 87
#define MMR_NR_symlink 88
#define MMR_NR_chmod 90
#define MMR_NR_fchmod 91
#define MMR_NR_chown 92
#define MMR_NR_fchown 93
#define MMR_NR_lchown 94
#define MMR_NR_setuid 105
#define MMR_NR_setgid 106
#define MMR_NR_setreuid 113
#define MMR_NR_setregid 114
#define MMR_NR_setresuid 117
#define MMR_NR_setresgid 119
#define MMR_NR_capset 126
#define MMR_NR_mount 165
#define MMR_NR_init_module 175
#define MMR_NR_unshare 272
#define MMR_NR_openat 257
#define MMR_NR_mkdirat 258
#define MMR_NR_fchownat 260
#define MMR_NR_unlinkat 263
#define MMR_NR_renameat 264
#define MMR_NR_linkat 265
#define MMR_NR_symlinkat 266
#define MMR_NR_fchmodat 268
#define MMR_NR_accept4 288
#define MMR_NR_setns 308
#define MMR_NR_finit_module 313
#define MMR_NR_renameat2 316
#define MMR_NR_memfd_create 319
#define MMR_NR_bpf 321
#define MMR_NR_userfaultfd 323
#define MMR_NR_openat2 437
#define MMR_NR_fchmodat2 452

#endif
