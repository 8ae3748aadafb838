// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* sensor.bpf.c - mamori's runtime sensor.
 *
 * Hooks that load where kprobes, fentry and BPF-LSM do not: tp_btf on the
 * sched tracepoints (exec, fork, exit) and on sys_enter/sys_exit for the
 * file, network and privilege syscalls. A syscall of interest is captured at
 * entry (user memory is read while the pointers are valid) into the task's
 * local storage, and sent with its return value at exit.
 *
 * Cost: sys_enter/sys_exit run on every syscall of the machine, so a
 * syscall the sensor does not trace pays one table load (sys_types) and
 * returns. Task fields and syscall arguments are read directly through BTF
 * (tp_btf pointers), not with a bpf_probe_read_kernel call per field. The
 * enter->exit state is per task (BPF_MAP_TYPE_TASK_STORAGE: no hash
 * buckets or locks), and filters that need no state (open flags and path
 * heads, DNS sockets, close of a non-socket) run before it is touched.
 *
 * Filtering in the kernel: the enabled-types mask (rodata set by the loader
 * from what the loaded rules need), the agent's own pid, opens only for
 * write/create/truncate or below a sensitive prefix (LPM trie), connects
 * only for IP sockets, socket() only for packet and raw IP sockets. Every record gets a sequence number; a record the
 * ring buffer cannot take is counted per CPU in `drops`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "sensor.h"
#include "sensor.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Configuration, set by the loader before load. */
const volatile __u32 self_tgid = 0;
const volatile __u64 enabled_mask = ~0ULL;
const volatile __u8 open_all = 0; /* report every open (rules need reads) */
/* Read-only opens are dropped unless the path's first 4 bytes are in
 * `prefix4` (the sensitive prefixes' heads), before the path is copied
 * and the LPM trie searched; 0 when a sensitive prefix is shorter. */
const volatile __u8 use_prefix4 = 0;
/* Wake the reader only once this many bytes wait in the ring buffer (file,
 * net and dns records; exec/fork/exit wake it as usual); 0 = always. The
 * reader drains on its poll timeout too. */
const volatile __u32 wakeup_bytes = 0;

/* Set once a connect/sendto to port 53 was seen: only then do read/write
 * and send/recv pay for a dns_socks lookup. */
__u32 dns_armed = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seqno SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mmr_prefix_key);
	__type(value, __u8);
} prefixes SEC(".maps");

/* A syscall between entry and exit. */
struct inflight {
	__u32 kind; /* 0 nothing pending, 1 file, 2 net, 3 dns */
	__u32 nr;   /* the syscall captured (checked at exit) */
	__u64 ubuf; /* dns answers: user buffer to copy at exit */
	/* The task's cgroup leaf name as last read, valid while the leaf
	 * cgroup's kernfs node id is cg_id (0: none): the string read is paid
	 * once per task and cgroup, not per event. (A renamed v1 cgroup keeps
	 * its old name here until the task moves.) */
	__u64 cg_id;
	char cg_leaf[MMR_SENSOR_CGROUP_LEN];
	union {
		struct mmr_sensor_file file;
		struct mmr_sensor_net net;
		struct mmr_sensor_dns dns;
	};
};

/* The syscall in flight of each task (enter and exit of one syscall run
 * on the same task; a task has one syscall at a time). Created for a task
 * on its first syscall that passes the stateless filters, freed with it. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mmr_prefix_key);
} keyscratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} prefix4 SEC(".maps");

/* UDP/TCP sockets connected (or sent) to port 53: (tgid << 32) | fd. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} dns_socks SEC(".maps");

static __always_inline int enabled(__u32 type)
{
	return (enabled_mask >> type) & 1;
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *d = bpf_map_lookup_elem(&drops, &zero);
	if (d)
		*d += 1;
}

static __always_inline __u64 next_seq(void)
{
	__u32 zero = 0;
	__u64 *s = bpf_map_lookup_elem(&seqno, &zero);
	if (!s)
		return 0;
	return __sync_fetch_and_add(s, 1) + 1;
}

/* The cgroup whose name is t's cgroup leaf: the unified hierarchy's, or
 * on a hybrid or v1 host where that is the root, the pids (then memory)
 * controller's; NULL when all are the root. Direct BTF loads (the
 * controller ids are CO-RE constants). */
static __always_inline struct cgroup *leaf_cgroup(struct task_struct *t)
{
	struct css_set *cs = t->cgroups;
	struct cgroup *cg = cs->dfl_cgrp;
	if (cg && cg->level > 0)
		return cg;
	int pids = bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id);
	if (pids >= 0 && pids < 12) {
		struct cgroup_subsys_state *css = cs->subsys[pids];
		cg = css ? css->cgroup : NULL;
		if (cg && cg->level > 0)
			return cg;
	}
	int mem = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (mem >= 0 && mem < 12) {
		struct cgroup_subsys_state *css = cs->subsys[mem];
		cg = css ? css->cgroup : NULL;
		if (cg && cg->level > 0)
			return cg;
	}
	return NULL;
}

/* The leaf name of t's cgroup ("" when t is in the root everywhere). */
static __always_inline void cgroup_leaf(char *dst, struct cgroup *cg)
{
	const char *name = cg ? cg->kn->name : NULL;
	dst[0] = 0;
	if (name)
		bpf_probe_read_kernel_str(dst, MMR_SENSOR_CGROUP_LEN, name);
}

/* t is a BTF pointer (tp_btf argument or bpf_get_current_task_btf()):
 * its fields are plain loads that the verifier guards (a NULL pointer on
 * the way reads as 0), not bpf_probe_read_kernel calls. */
static __always_inline void fill_ids(struct mmr_sensor_hdr *h, __u32 type, struct task_struct *t)
{
	h->type = type;
	h->pid = t->tgid;
	h->tid = t->pid;
	h->ppid = t->real_parent->tgid;
	const struct cred *c = t->cred;
	h->uid = c->uid.val;
	h->gid = c->gid.val;
	h->euid = c->euid.val;
	h->egid = c->egid.val;
	h->loginuid = (__u32)-1;
	if (bpf_core_field_exists(t->loginuid))
		h->loginuid = t->loginuid.val;
	struct nsproxy *ns = t->nsproxy;
	h->mntns = ns->mnt_ns->ns.inum;
	h->pidns = ns->pid_ns_for_children->ns.inum;
	h->cgroup_id = bpf_get_current_cgroup_id();
	__builtin_memcpy(h->comm, t->comm, sizeof(h->comm));
	h->comm[MMR_SENSOR_COMM_LEN - 1] = 0;
}

static __always_inline void fill_hdr(struct mmr_sensor_hdr *h, __u32 type, struct task_struct *t)
{
	fill_ids(h, type, t);
	cgroup_leaf(h->cgroup, leaf_cgroup(t));
}

/* fill_hdr for a syscall record in the task's storage: the cgroup leaf
 * name from the storage's cache when the cgroup is the same. */
static __always_inline void fill_hdr_cached(struct mmr_sensor_hdr *h, __u32 type, struct task_struct *t,
					    struct inflight *in)
{
	fill_ids(h, type, t);
	struct cgroup *cg = leaf_cgroup(t);
	/* kernfs node ids are not reused (64-bit: inode number and generation) */
	__u64 key = cg ? cg->kn->id : 0;
	if (key && key == in->cg_id) {
		__builtin_memcpy(h->cgroup, in->cg_leaf, sizeof(h->cgroup));
		return;
	}
	in->cg_id = 0;
	cgroup_leaf(h->cgroup, cg);
	if (key) {
		__builtin_memcpy(in->cg_leaf, h->cgroup, sizeof(in->cg_leaf));
		in->cg_id = key;
	}
}

static __always_inline void stamp(struct mmr_sensor_hdr *h)
{
	h->seq = next_seq();
	h->ts_ns = bpf_ktime_get_ns();
}

/* Ring buffer flags for a high-volume record of `size` bytes: wake the
 * reader when the waiting bytes cross a multiple of wakeup_bytes (it
 * drains on its poll timeout anyway). Not on every record once that many
 * wait: while the reader is behind, each forced wakeup is an irq_work
 * (a self-IPI) on the producing CPU, paid by the traced workload. A
 * crossing missed by racing producers is made up at the next multiple. */
static __always_inline __u64 rb_flags(__u64 size)
{
	if (!wakeup_bytes)
		return 0;
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	return avail / wakeup_bytes != (avail + size) / wakeup_bytes ? BPF_RB_FORCE_WAKEUP
								      : BPF_RB_NO_WAKEUP;
}

/* The file behind fd of task t, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, __s64 fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = t->files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The socket of a file, or NULL. */
static __always_inline struct sock *file_sock(struct file *f)
{
	if (!f)
		return NULL;
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & MMR_S_IFMT) != MMR_S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The socket behind fd of the current task, or NULL. */
static __always_inline struct sock *fd_sock(struct task_struct *t, __s64 fd)
{
	return file_sock(fd_file(t, fd));
}

/* Both ends of a socket into a tuple. */
static __always_inline void sock_tuple(struct sock *sk, struct mmr_sensor_tuple *tu)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	tu->family = fam;
	tu->sock_type = BPF_CORE_READ(sk, sk_type);
	tu->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	tu->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (fam == MMR_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(tu->laddr, &a, 4);
		a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(tu->raddr, &a, 4);
	} else if (fam == MMR_AF_INET6) {
		BPF_CORE_READ_INTO(&tu->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&tu->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* Falco's fd.typechar of an open file ('f' also for devices). */
static __always_inline __u8 file_typechar(struct file *f, struct mmr_sensor_tuple *tu)
{
	if (!f)
		return 0;
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode) & MMR_S_IFMT;
	switch (mode) {
	case MMR_S_IFSOCK: {
		struct sock *sk = file_sock(f);
		if (!sk)
			return 'o';
		__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
		if (fam == MMR_AF_INET || fam == MMR_AF_INET6) {
			if (tu)
				sock_tuple(sk, tu);
			return fam == MMR_AF_INET ? '4' : '6';
		}
		return fam == MMR_AF_UNIX ? 'u' : 'o';
	}
	case 0010000: return 'p'; /* S_IFIFO */
	case 0040000: return 'd';
	case 0100000: case 0020000: case 0060000: return 'f';
	default: return 'o';
	}
}

/* ------------------------------------------------------------ sched */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!enabled(MMR_SENSOR_EXEC))
		return 0;
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (tgid == self_tgid)
		return 0;
	struct mmr_sensor_exec *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_hdr(&e->h, MMR_SENSOR_EXEC, p);
	e->h.flags = 0;
	e->h.syscall = 59;
	e->h.ret = 0;
	e->h.pad = 0;
	e->cap_effective = ((__u64)BPF_CORE_READ(p, cred, cap_effective.val));
	e->cap_permitted = ((__u64)BPF_CORE_READ(p, cred, cap_permitted.val));
	struct tty_struct *tty = BPF_CORE_READ(p, signal, tty);
	e->tty_major = 0;
	e->tty_minor = 0;
	if (tty) {
		e->tty_major = BPF_CORE_READ(tty, driver, major);
		e->tty_minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	}
	long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	if (n == sizeof(e->filename))
		e->h.flags |= MMR_SENSOR_F_TRUNC;

	struct file *f = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	if (BPF_CORE_READ(ino, i_sb, s_magic) == MMR_OVERLAYFS_MAGIC) {
		e->h.flags |= MMR_SENSOR_F_OVERLAY_EXE;
		/* the overlay inode embeds the VFS inode; a file copied up or
		 * created in the container has an upper dentry (drift) */
		struct ovl_inode *oi = (void *)((char *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode));
		if (BPF_CORE_READ(oi, __upperdentry))
			e->h.flags |= MMR_SENSOR_F_UPPER_EXE;
	}
	char dname[8] = {};
	bpf_probe_read_kernel_str(dname, sizeof(dname), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (dname[0] == 'm' && dname[1] == 'e' && dname[2] == 'm' && dname[3] == 'f' && dname[4] == 'd' &&
	    dname[5] == ':')
		e->h.flags |= MMR_SENSOR_F_MEMFD_EXE;

	e->pad2 = 0;
	__builtin_memset(e->stdio, 0, sizeof(e->stdio));
	e->stdio_type[3] = 0;
	e->stdio_type[0] = file_typechar(fd_file(p, 0), &e->stdio[0]);
	e->stdio_type[1] = file_typechar(fd_file(p, 1), &e->stdio[1]);
	e->stdio_type[2] = file_typechar(fd_file(p, 2), NULL);

	e->args_count = BPF_CORE_READ(bprm, argc);
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > MMR_SENSOR_ARGS_MAX) {
		len = MMR_SENSOR_ARGS_MAX;
		e->h.flags |= MMR_SENSOR_F_TRUNC;
	}
	e->args_len = 0;
	if (len > 0 && bpf_probe_read_user(e->args, len & (2 * MMR_SENSOR_ARGS_MAX - 1), (void *)start) == 0)
		e->args_len = len;
	if (e->args_len)
		e->args[MMR_SENSOR_ARGS_MAX - 1] = 0;
	stamp(&e->h);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!enabled(MMR_SENSOR_FORK))
		return 0;
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a thread */
	if (BPF_CORE_READ(parent, tgid) == self_tgid)
		return 0;
	struct mmr_sensor_fork *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_hdr(&e->h, MMR_SENSOR_FORK, parent);
	e->h.flags = 0;
	e->h.syscall = 0;
	e->h.ret = BPF_CORE_READ(child, tgid);
	e->h.pad = 0;
	e->child_pid = BPF_CORE_READ(child, tgid);
	e->child_tid = BPF_CORE_READ(child, pid);
	e->clone_flags = 0;
	stamp(&e->h);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	if (!enabled(MMR_SENSOR_EXIT))
		return 0;
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0; /* a thread; the process ends with its leader */
	if (BPF_CORE_READ(p, tgid) == self_tgid)
		return 0;
	struct mmr_sensor_exit *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_hdr(&e->h, MMR_SENSOR_EXIT, p);
	e->h.flags = 0;
	e->h.syscall = 0;
	e->h.ret = 0;
	e->h.pad = 0;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	stamp(&e->h);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ------------------------------------------------------------ syscalls */

/* Syscall number -> sensor type, 0 for a syscall not traced: one load
 * from .rodata instead of a tree of compares, on every syscall. */
#define MMR_SYS_TAB 512
static const __u8 sys_types[MMR_SYS_TAB] = {
	[MMR_NR_open] = MMR_SENSOR_OPEN, [MMR_NR_openat] = MMR_SENSOR_OPEN,
	[MMR_NR_openat2] = MMR_SENSOR_OPEN, [MMR_NR_creat] = MMR_SENSOR_OPEN,
	[MMR_NR_unlink] = MMR_SENSOR_UNLINK, [MMR_NR_unlinkat] = MMR_SENSOR_UNLINK,
	[MMR_NR_rename] = MMR_SENSOR_RENAME, [MMR_NR_renameat] = MMR_SENSOR_RENAME,
	[MMR_NR_renameat2] = MMR_SENSOR_RENAME,
	[MMR_NR_chmod] = MMR_SENSOR_CHMOD, [MMR_NR_fchmod] = MMR_SENSOR_CHMOD,
	[MMR_NR_fchmodat] = MMR_SENSOR_CHMOD, [MMR_NR_fchmodat2] = MMR_SENSOR_CHMOD,
	[MMR_NR_chown] = MMR_SENSOR_CHOWN, [MMR_NR_fchown] = MMR_SENSOR_CHOWN,
	[MMR_NR_lchown] = MMR_SENSOR_CHOWN, [MMR_NR_fchownat] = MMR_SENSOR_CHOWN,
	[MMR_NR_link] = MMR_SENSOR_LINK, [MMR_NR_linkat] = MMR_SENSOR_LINK,
	[MMR_NR_symlink] = MMR_SENSOR_SYMLINK, [MMR_NR_symlinkat] = MMR_SENSOR_SYMLINK,
	[MMR_NR_mkdir] = MMR_SENSOR_MKDIR, [MMR_NR_mkdirat] = MMR_SENSOR_MKDIR,
	[MMR_NR_connect] = MMR_SENSOR_CONNECT,
	[MMR_NR_accept] = MMR_SENSOR_ACCEPT, [MMR_NR_accept4] = MMR_SENSOR_ACCEPT,
	[MMR_NR_listen] = MMR_SENSOR_LISTEN, [MMR_NR_bind] = MMR_SENSOR_BIND,
	[MMR_NR_setuid] = MMR_SENSOR_SETUID, [MMR_NR_setreuid] = MMR_SENSOR_SETUID,
	[MMR_NR_setresuid] = MMR_SENSOR_SETUID,
	[MMR_NR_setgid] = MMR_SENSOR_SETGID, [MMR_NR_setregid] = MMR_SENSOR_SETGID,
	[MMR_NR_setresgid] = MMR_SENSOR_SETGID,
	[MMR_NR_capset] = MMR_SENSOR_CAPSET, [MMR_NR_ptrace] = MMR_SENSOR_PTRACE,
	[MMR_NR_init_module] = MMR_SENSOR_MODULE, [MMR_NR_finit_module] = MMR_SENSOR_MODULE,
	[MMR_NR_mount] = MMR_SENSOR_MOUNT, [MMR_NR_unshare] = MMR_SENSOR_UNSHARE,
	[MMR_NR_setns] = MMR_SENSOR_SETNS, [MMR_NR_bpf] = MMR_SENSOR_BPF,
	[MMR_NR_memfd_create] = MMR_SENSOR_MEMFD,
	[MMR_NR_dup] = MMR_SENSOR_DUP, [MMR_NR_dup2] = MMR_SENSOR_DUP, [MMR_NR_dup3] = MMR_SENSOR_DUP,
	[MMR_NR_close] = MMR_SENSOR_CLOSE,
	[MMR_NR_read] = MMR_SENSOR_DNS, [MMR_NR_write] = MMR_SENSOR_DNS,
	[MMR_NR_sendto] = MMR_SENSOR_DNS, [MMR_NR_recvfrom] = MMR_SENSOR_DNS,
	[MMR_NR_sendmsg] = MMR_SENSOR_DNS, [MMR_NR_recvmsg] = MMR_SENSOR_DNS,
	[MMR_NR_sendmmsg] = MMR_SENSOR_DNS,
	[MMR_NR_socket] = MMR_SENSOR_SOCKET, [MMR_NR_userfaultfd] = MMR_SENSOR_USERFAULTFD,
};

static __always_inline __u32 syscall_type(long id)
{
	if ((unsigned long)id >= MMR_SYS_TAB)
		return 0;
	return sys_types[id];
}

static __always_inline void read_path(char *dst, __u64 uptr, __u32 *flags)
{
	dst[0] = 0;
	if (!uptr)
		return;
	long n = bpf_probe_read_user_str(dst, MMR_SENSOR_PATH_MAX, (const void *)uptr);
	if (n == MMR_SENSOR_PATH_MAX)
		*flags |= MMR_SENSOR_F_TRUNC;
	if (n < 0)
		dst[0] = 0;
}

/* The prefix map's verdict for an absolute path: 0, SENSITIVE or IGNORE. */
static __always_inline __u8 prefix_verdict(const char *path)
{
	__u32 zero = 0;
	struct mmr_prefix_key *k = bpf_map_lookup_elem(&keyscratch, &zero);
	if (!k || path[0] != '/')
		return 0;
	/* No prefix holds a NUL, so the bytes after the path's NUL cannot
	 * make a longer prefix match: copy the head without clearing. */
	__builtin_memcpy(k->data, path, sizeof(k->data));
	k->prefixlen = MMR_SENSOR_PREFIX_MAX * 8;
	__u8 *v = bpf_map_lookup_elem(&prefixes, k);
	return v ? *v : 0;
}


/* Local (and, with peer, remote) address of a socket into n. */
static __always_inline void sock_addrs(struct sock *sk, struct mmr_sensor_net *n, int peer)
{
	if (!sk)
		return;
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->sock_type = BPF_CORE_READ(sk, sk_type);
	if (!n->family)
		n->family = fam;
	n->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (fam == MMR_AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(n->laddr, &a, 4);
		if (peer) {
			a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
			__builtin_memcpy(n->addr, &a, 4);
			n->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	} else if (fam == MMR_AF_INET6) {
		BPF_CORE_READ_INTO(&n->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		if (peer) {
			BPF_CORE_READ_INTO(&n->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
			n->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		}
	}
}

/* A user sockaddr into n (family, port, address, unix path). */
static __always_inline void read_sockaddr(struct mmr_sensor_net *n, __u64 uaddr, __u64 len)
{
	if (!uaddr || len < 2)
		return;
	__u16 fam = 0;
	bpf_probe_read_user(&fam, sizeof(fam), (void *)uaddr);
	n->family = fam;
	if (fam == MMR_AF_INET && len >= 8) {
		__u16 port = 0;
		bpf_probe_read_user(&port, 2, (void *)(uaddr + 2));
		n->port = bpf_ntohs(port);
		bpf_probe_read_user(n->addr, 4, (void *)(uaddr + 4));
	} else if (fam == MMR_AF_INET6 && len >= 24) {
		__u16 port = 0;
		bpf_probe_read_user(&port, 2, (void *)(uaddr + 2));
		n->port = bpf_ntohs(port);
		bpf_probe_read_user(n->addr, 16, (void *)(uaddr + 8));
	} else if (fam == MMR_AF_UNIX) {
		bpf_probe_read_user_str(n->unix_path, sizeof(n->unix_path), (void *)(uaddr + 2));
	}
}

static __always_inline int capture_file(struct inflight *in, long id, struct pt_regs *regs)
{
	struct mmr_sensor_file *f = &in->file;
	__u64 a0 = mmr_sys_arg(regs, 0), a1 = mmr_sys_arg(regs, 1), a2 = mmr_sys_arg(regs, 2),
	      a3 = mmr_sys_arg(regs, 3), a4 = mmr_sys_arg(regs, 4);
	f->dirfd = -1;
	f->a0 = f->a1 = f->a2 = f->a3 = 0;
	f->path[0] = 0;
	f->path2[0] = 0;
	f->aux[0] = 0;
	__u32 *fl = &f->h.flags;
	switch (id) {
	case MMR_NR_open:
		read_path(f->path, a0, fl);
		f->dirfd = MMR_AT_FDCWD;
		f->a0 = a1;
		f->a1 = a2;
		break;
	case MMR_NR_creat:
		read_path(f->path, a0, fl);
		f->dirfd = MMR_AT_FDCWD;
		f->a0 = MMR_O_CREAT | MMR_O_WRONLY | MMR_O_TRUNC;
		f->a1 = a1;
		break;
	case MMR_NR_openat:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		f->a0 = a2;
		f->a1 = a3;
		break;
	case MMR_NR_openat2: {
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		__u64 how[2] = {};
		bpf_probe_read_user(how, sizeof(how), (void *)a2);
		f->a0 = how[0];
		f->a1 = how[1];
		break;
	}
	case MMR_NR_unlink:
		read_path(f->path, a0, fl);
		f->dirfd = MMR_AT_FDCWD;
		break;
	case MMR_NR_unlinkat:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		f->a0 = a2;
		break;
	case MMR_NR_rename: case MMR_NR_link: case MMR_NR_symlink:
		read_path(f->path, a0, fl);
		read_path(f->path2, a1, fl);
		f->dirfd = MMR_AT_FDCWD;
		break;
	case MMR_NR_renameat: case MMR_NR_renameat2: case MMR_NR_linkat:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		f->a0 = (__s32)a2; /* new dirfd */
		read_path(f->path2, a3, fl);
		f->a1 = a4; /* flags */
		break;
	case MMR_NR_symlinkat:
		read_path(f->path, a0, fl); /* target (content of the link) */
		f->dirfd = (__s32)a1;
		read_path(f->path2, a2, fl);
		break;
	case MMR_NR_chmod: case MMR_NR_mkdir:
		read_path(f->path, a0, fl);
		f->dirfd = MMR_AT_FDCWD;
		f->a0 = a1;
		break;
	case MMR_NR_fchmod:
		f->dirfd = (__s32)a0;
		f->a0 = a1;
		break;
	case MMR_NR_fchmodat: case MMR_NR_fchmodat2: case MMR_NR_mkdirat:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		f->a0 = a2;
		break;
	case MMR_NR_chown: case MMR_NR_lchown:
		read_path(f->path, a0, fl);
		f->dirfd = MMR_AT_FDCWD;
		f->a0 = (__u32)a1;
		f->a1 = (__u32)a2;
		break;
	case MMR_NR_fchown:
		f->dirfd = (__s32)a0;
		f->a0 = (__u32)a1;
		f->a1 = (__u32)a2;
		break;
	case MMR_NR_fchownat:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl);
		f->a0 = (__u32)a2;
		f->a1 = (__u32)a3;
		f->a2 = a4;
		break;
	case MMR_NR_setuid: case MMR_NR_setgid:
		f->a0 = (__u32)a0;
		f->a1 = (__u32)-1;
		f->a2 = (__u32)-1;
		break;
	case MMR_NR_setreuid: case MMR_NR_setregid:
		f->a0 = (__u32)a1; /* effective */
		f->a1 = (__u32)a0; /* real */
		f->a2 = (__u32)-1;
		break;
	case MMR_NR_setresuid: case MMR_NR_setresgid:
		f->a0 = (__u32)a1; /* effective */
		f->a1 = (__u32)a0; /* real */
		f->a2 = (__u32)a2; /* saved */
		break;
	case MMR_NR_capset: {
		__u32 hdr[2] = {}, data[6] = {};
		bpf_probe_read_user(hdr, sizeof(hdr), (void *)a0);
		bpf_probe_read_user(data, sizeof(data), (void *)a1);
		f->a0 = hdr[1]; /* target pid */
		f->a1 = data[0] | ((__u64)data[3] << 32); /* effective */
		f->a2 = data[1] | ((__u64)data[4] << 32); /* permitted */
		f->a3 = data[2] | ((__u64)data[5] << 32); /* inheritable */
		break;
	}
	case MMR_NR_ptrace:
		f->a0 = a0; /* request */
		f->a1 = (__u32)a1; /* target pid */
		/* attach, seize, traceme and the writes; not the reads */
		if (!(a0 == 0 || a0 == 4 || a0 == 5 || a0 == 6 || a0 == 13 || a0 == 16 || a0 == 0x4206))
			return 0;
		break;
	case MMR_NR_init_module:
		f->a0 = a1; /* image length */
		read_path(f->path, a2, fl); /* parameters */
		break;
	case MMR_NR_finit_module:
		f->dirfd = (__s32)a0;
		read_path(f->path, a1, fl); /* parameters */
		f->a0 = a2;
		break;
	case MMR_NR_mount:
		read_path(f->path, a0, fl);
		read_path(f->path2, a1, fl);
		if (a2)
			bpf_probe_read_user_str(f->aux, sizeof(f->aux), (void *)a2);
		f->a0 = a3;
		break;
	case MMR_NR_unshare:
		f->a0 = a0;
		break;
	case MMR_NR_setns:
		f->dirfd = (__s32)a0;
		f->a0 = a1;
		break;
	case MMR_NR_bpf:
		f->a0 = a0; /* command */
		/* program loads and attachments, not map traffic */
		if (!(a0 == 5 || a0 == 8 || a0 == 17 || a0 == 28))
			return 0;
		break;
	case MMR_NR_memfd_create:
		read_path(f->path, a0, fl);
		f->a0 = a1;
		break;
	case MMR_NR_socket: /* prefilter() kept only packet and raw IP sockets */
		f->a0 = (__u32)a0; /* domain */
		f->a1 = (__u32)a1; /* type, with SOCK_NONBLOCK/SOCK_CLOEXEC */
		f->a2 = (__u32)a2; /* protocol */
		break;
	case MMR_NR_userfaultfd:
		f->a0 = (__u32)a0; /* flags */
		break;
	}
	if (f->h.type == MMR_SENSOR_OPEN) {
		__u8 v = prefix_verdict(f->path);
		if (v == MMR_PREFIX_IGNORE)
			return 0;
		if (v == MMR_PREFIX_SENSITIVE)
			f->h.flags |= MMR_SENSOR_F_SENSITIVE;
		else if (!open_all && !(f->a0 & (MMR_O_WRONLY | MMR_O_RDWR | MMR_O_CREAT | MMR_O_TRUNC)))
			return 0;
	}
	return 1;
}

static __always_inline int capture_net(struct inflight *in, long id, struct pt_regs *regs,
				       struct task_struct *t)
{
	struct mmr_sensor_net *n = &in->net;
	__u64 a0 = mmr_sys_arg(regs, 0), a1 = mmr_sys_arg(regs, 1), a2 = mmr_sys_arg(regs, 2);
	n->fd = (__s32)a0;
	n->family = 0;
	n->port = n->lport = n->sock_type = 0;
	__builtin_memset(n->addr, 0, sizeof(n->addr));
	__builtin_memset(n->laddr, 0, sizeof(n->laddr));
	n->backlog = 0;
	n->pad = 0;
	n->unix_path[0] = 0;
	switch (id) {
	case MMR_NR_connect:
	case MMR_NR_bind:
		read_sockaddr(n, a1, a2);
		if (n->family != MMR_AF_INET && n->family != MMR_AF_INET6)
			return 0; /* unix sockets: too chatty for the first form */
		break;
	case MMR_NR_listen:
		n->backlog = (__s32)a1;
		break;
	case MMR_NR_accept: case MMR_NR_accept4:
		break;
	case MMR_NR_dup: case MMR_NR_dup2: case MMR_NR_dup3:
		/* the new fd is checked at exit (only IP sockets go out) */
		n->backlog = id == MMR_NR_dup ? -1 : (__s32)a1; /* requested new fd */
		break;
	case MMR_NR_close: {
		/* only IP sockets, with the tuple while the socket exists */
		struct sock *sk = fd_sock(t, n->fd);
		if (!sk)
			return 0;
		__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
		if (fam != MMR_AF_INET && fam != MMR_AF_INET6)
			return 0;
		sock_addrs(sk, n, 1);
		if (dns_armed) {
			__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)n->fd;
			bpf_map_delete_elem(&dns_socks, &key);
		}
		break;
	}
	}
	if (id == MMR_NR_connect && n->port == 53) {
		__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)n->fd;
		__u8 one = 1;
		bpf_map_update_elem(&dns_socks, &key, &one, BPF_ANY);
		dns_armed = 1;
	}
	return 1;
}

/* Copy l (1..MMR_SENSOR_DNS_MAX) bytes of a datagram. */
static __always_inline long dns_copy(struct mmr_sensor_dns *d, __u64 ubuf, __u32 l)
{
	if (l == 0 || l > MMR_SENSOR_DNS_MAX)
		return -1;
	barrier_var(l);
	return bpf_probe_read_user(d->data, l, (void *)ubuf);
}

/* DNS: a datagram to or from a socket connected (or sending) to port 53.
 * Queries are copied at entry, answers at exit (in->ubuf). */
static __always_inline int capture_dns(struct inflight *in, long id, struct pt_regs *regs,
				       struct task_struct *t, __u64 pid_tgid)
{
	struct mmr_sensor_dns *d = &in->dns;
	__u64 a0 = mmr_sys_arg(regs, 0), a1 = mmr_sys_arg(regs, 1), a2 = mmr_sys_arg(regs, 2);
	__u64 key = (pid_tgid & 0xffffffff00000000ULL) | (__u32)a0;
	__u64 buf = 0, len = 0, name = 0, namelen = 0;
	int answer = id == MMR_NR_read || id == MMR_NR_recvfrom || id == MMR_NR_recvmsg;
	switch (id) {
	case MMR_NR_write: case MMR_NR_read: case MMR_NR_recvfrom:
		buf = a1;
		len = a2;
		break;
	case MMR_NR_sendto:
		buf = a1;
		len = a2;
		name = mmr_sys_arg(regs, 4);
		namelen = mmr_sys_arg(regs, 5);
		break;
	default: { /* sendmsg, recvmsg, sendmmsg: the (first) message's first iovec */
		__u64 mh[4] = {}; /* msg_name, msg_namelen, msg_iov, msg_iovlen */
		if (bpf_probe_read_user(mh, sizeof(mh), (void *)a1))
			return 0;
		name = mh[0];
		namelen = (__u32)mh[1];
		__u64 iov[2] = {};
		if (!mh[2] || !mh[3] || bpf_probe_read_user(iov, sizeof(iov), (void *)mh[2]))
			return 0;
		buf = iov[0];
		len = iov[1];
		break;
	}
	}
	__u16 dport = 0;
	if (!answer && name && namelen >= 8) {
		__u16 hd[2] = {};
		bpf_probe_read_user(hd, sizeof(hd), (void *)name);
		if (hd[0] == MMR_AF_INET || hd[0] == MMR_AF_INET6)
			dport = bpf_ntohs(hd[1]);
	}
	if (dport == 53) {
		__u8 one = 1;
		bpf_map_update_elem(&dns_socks, &key, &one, BPF_ANY);
		dns_armed = 1;
	} else {
		if (!dns_armed || !bpf_map_lookup_elem(&dns_socks, &key))
			return 0;
	}
	struct sock *sk = fd_sock(t, (__s32)a0);
	if (!sk)
		return 0;
	d->fd = (__s32)a0;
	__builtin_memset(&d->t, 0, sizeof(d->t));
	sock_tuple(sk, &d->t);
	if (dport == 53) {
		d->t.rport = 53;
		if (name) {
			__u16 fam = 0;
			bpf_probe_read_user(&fam, 2, (void *)name);
			if (fam == MMR_AF_INET)
				bpf_probe_read_user(d->t.raddr, 4, (void *)(name + 4));
			else if (fam == MMR_AF_INET6 && namelen >= 24)
				bpf_probe_read_user(d->t.raddr, 16, (void *)(name + 8));
		}
	}
	d->len = 0;
	d->pad = 0;
	in->ubuf = 0;
	if (answer) {
		d->h.flags |= MMR_SENSOR_F_ANSWER;
		in->ubuf = buf;
		return 1;
	}
	__u32 l = len > MMR_SENSOR_DNS_MAX ? MMR_SENSOR_DNS_MAX : (__u32)len;
	if (l && buf && dns_copy(d, buf, l) == 0)
		d->len = l;
	return 1;
}

/* Filters that need no per-task state, run before the task storage is
 * touched (or created). 0: drop the syscall. */
static __always_inline int prefilter(__u32 type, long id, struct pt_regs *regs, struct task_struct *t,
				     __u64 pid_tgid)
{
	if (type == MMR_SENSOR_OPEN) {
		/* a read-only open of a path whose head no sensitive prefix
		 * has: drop before copying the path */
		if (!use_prefix4 || open_all || (id != MMR_NR_open && id != MMR_NR_openat))
			return 1;
		__u64 fl0 = id == MMR_NR_open ? regs->si : regs->dx;
		if (fl0 & (MMR_O_WRONLY | MMR_O_RDWR | MMR_O_CREAT | MMR_O_TRUNC))
			return 1;
		__u32 head = 0;
		if (bpf_probe_read_user(&head, sizeof(head), (void *)(id == MMR_NR_open ? regs->di : regs->si)))
			return 0;
		return bpf_map_lookup_elem(&prefix4, &head) != NULL;
	}
	if (type == MMR_SENSOR_DNS) {
		/* a datagram with a destination: it may be port 53 (capture_dns decides) */
		if ((id == MMR_NR_sendto && regs->r8) || id == MMR_NR_sendmsg || id == MMR_NR_sendmmsg)
			return 1;
		if (!dns_armed)
			return 0; /* no DNS socket seen yet */
		/* read/write/recv* and send() on a connected socket: only a
		 * socket already known as DNS */
		__u64 key = (pid_tgid & 0xffffffff00000000ULL) | (__u32)regs->di;
		return bpf_map_lookup_elem(&dns_socks, &key) != NULL;
	}
	if (type == MMR_SENSOR_SOCKET) {
		/* from the arguments alone: packet sockets (any type) and raw
		 * IP sockets; the everyday stream/dgram/unix/netlink sockets
		 * never reach the task storage */
		__u32 dom = (__u32)regs->di, st = (__u32)regs->si & MMR_SOCK_TYPE_MASK;
		return dom == MMR_AF_PACKET ||
		       (st == MMR_SOCK_RAW && (dom == MMR_AF_INET || dom == MMR_AF_INET6));
	}
	if (type == MMR_SENSOR_CLOSE) {
		/* only IP sockets */
		struct sock *sk = fd_sock(t, (__s32)regs->di);
		if (!sk)
			return 0;
		__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
		return fam == MMR_AF_INET || fam == MMR_AF_INET6;
	}
	return 1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u32 type = syscall_type(id);
	if (!type || !enabled(type))
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)(pid_tgid >> 32) == self_tgid)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	if (!prefilter(type, id, regs, t, pid_tgid))
		return 0;
	struct inflight *in = bpf_task_storage_get(&pending, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!in)
		return 0;
	in->kind = 0;
	int keep;
	__u32 kind;
	struct mmr_sensor_hdr *h;
	if (type == MMR_SENSOR_DNS) {
		kind = 3;
		h = &in->dns.h;
		h->type = type;
		h->flags = 0;
		keep = capture_dns(in, id, regs, t, pid_tgid);
	} else if ((type >= MMR_SENSOR_CONNECT && type <= MMR_SENSOR_BIND) || type == MMR_SENSOR_DUP ||
		   type == MMR_SENSOR_CLOSE) {
		kind = 2;
		h = &in->net.h;
		h->type = type;
		h->flags = 0;
		keep = capture_net(in, id, regs, t);
	} else {
		kind = 1;
		h = &in->file.h;
		h->type = type;
		h->flags = 0;
		/* filter first: the header costs more than the filter */
		keep = capture_file(in, id, regs);
	}
	if (!keep)
		return 0;
	fill_hdr_cached(h, type, t, in);
	h->syscall = id;
	h->pad = 0;
	in->nr = (__u32)id;
	in->kind = kind;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	/* only syscalls that sys_enter may have kept reach the storage */
	long id = regs->orig_ax;
	__u32 type = syscall_type(id);
	if (!type || !enabled(type))
		return 0;
	if (type == MMR_SENSOR_DNS && !dns_armed)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct inflight *in = bpf_task_storage_get(&pending, t, 0, 0);
	if (!in || !in->kind)
		return 0;
	__u32 kind = in->kind;
	in->kind = 0;
	if (in->nr != (__u32)id)
		return 0; /* not the syscall captured (its exit was missed) */
	long r = 0;
	if (kind == 3) {
		struct mmr_sensor_dns *d = &in->dns;
		d->h.ret = ret;
		if (in->ubuf) {
			__u32 l = ret > MMR_SENSOR_DNS_MAX ? MMR_SENSOR_DNS_MAX : ret > 0 ? (__u32)ret : 0;
			if (l && dns_copy(d, in->ubuf, l) == 0)
				d->len = l;
		}
		if (ret < 0 && in->ubuf)
			return 0; /* a failed read: nothing received */
		stamp(&d->h);
		r = bpf_ringbuf_output(&events, d, sizeof(*d), rb_flags(sizeof(*d)));
	} else if (kind == 2) {
		struct mmr_sensor_net *n = &in->net;
		n->h.ret = ret;
		__u32 nr = n->h.syscall;
		if (nr == MMR_NR_accept || nr == MMR_NR_accept4) {
			if (ret >= 0)
				sock_addrs(fd_sock(t, ret), n, 1);
		} else if (n->h.type == MMR_SENSOR_DUP) {
			if (ret < 0)
				return 0;
			struct sock *sk = fd_sock(t, ret);
			if (!sk)
				return 0;
			sock_addrs(sk, n, 1);
			if (n->family != MMR_AF_INET && n->family != MMR_AF_INET6)
				return 0;
		} else if (n->h.type != MMR_SENSOR_CLOSE) {
			sock_addrs(fd_sock(t, n->fd), n, 0);
		}
		stamp(&n->h);
		r = bpf_ringbuf_output(&events, n, sizeof(*n), rb_flags(sizeof(*n)));
	} else {
		struct mmr_sensor_file *f = &in->file;
		f->h.ret = ret;
		stamp(&f->h);
		if (!f->path2[0] && !f->aux[0]) /* opens, unlinks, chmod...: no second path */
			r = bpf_ringbuf_output(&events, f, MMR_SENSOR_FILE_SHORT,
					       rb_flags(MMR_SENSOR_FILE_SHORT));
		else
			r = bpf_ringbuf_output(&events, f, sizeof(*f), rb_flags(sizeof(*f)));
	}
	if (r)
		count_drop();
	return 0;
}
