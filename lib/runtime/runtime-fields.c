/* runtime-fields.c - the field table (Falco field names) and extractors.
 *
 * One row per field: name, type, argument form, extractor. Extractors read
 * the event, the process/container tables and write composed strings to
 * the evaluation context's scratch buffer. Multi-valued fields (proc.aname
 * without index, fd.ip, fd.port, fd.net) yield values 0, 1, ... */
#include "runtime/runtime-internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>

#include "core/core-arena.h"

/* ---- helpers ---- */

static int set_str(struct mmr_rt_val *o, const char *s)
{
	o->s = s;
	o->len = strlen(s);
	o->n = 0;
	return 1;
}

static int set_num(struct mmr_rt_val *o, int64_t n)
{
	o->n = n;
	o->s = NULL;
	o->len = 0;
	return 1;
}

static const struct mmr_rt_proc *ev_proc(struct mmr_rt_ectx *cx)
{
	return cx->ev->proc;
}

void mmr_rt_ectx_init(struct mmr_rt_ectx *cx, const struct mmr_rt_event *ev,
		      const struct mmr_rt_env *env)
{
	cx->ev = ev;
	cx->env = env;
	cx->have = 0;
	cx->ip_only = false;
	cx->nanc = 0;
}

/* Walk the parent chain once per event (same stopping rules as
 * mmr_rt_proc_ancestor: root, self-parent, missing entry, depth cap). */
static void fill_ancestors(struct mmr_rt_ectx *cx)
{
	const struct mmr_rt_proc *p = ev_proc(cx);
	const struct mmr_rt_proctab *t = cx->env ? cx->env->procs : NULL;
	uint32_t n = 0;
	if (p) {
		cx->anc[n++] = p;
		while (t && n <= MMR_RT_ANCESTRY_MAX) {
			if (p->ppid <= 0 || p->ppid == p->pid)
				break;
			p = mmr_rt_proctab_get(t, p->ppid);
			if (!p)
				break;
			cx->anc[n++] = p;
		}
	}
	cx->nanc = n;
	cx->have |= MMR_RT_C_ANC;
}

static const struct mmr_rt_proc *ancestor(struct mmr_rt_ectx *cx, unsigned n)
{
	if (n == 0)
		return ev_proc(cx);
	if (!(cx->have & MMR_RT_C_ANC))
		fill_ancestors(cx);
	return n < cx->nanc ? cx->anc[n] : NULL;
}

static const struct mmr_rt_container *ev_container(struct mmr_rt_ectx *cx)
{
	if (cx->ev->container)
		return cx->ev->container;
	const struct mmr_rt_proc *p = ev_proc(cx);
	if (p && p->container_id[0] && cx->env && cx->env->conts)
		return mmr_rt_conttab_get(cx->env->conts, p->container_id);
	return NULL;
}

/* argv[1..] joined by spaces into dst */
static size_t join_args(const struct mmr_rt_proc *p, unsigned from, char *dst, size_t cap)
{
	size_t off = 0, i = 0;
	unsigned k = 0;
	if (cap == 0)
		return 0;
	dst[0] = '\0';
	while (i < p->args_len && k < p->argc) {
		const char *a = p->args + i;
		size_t l = strnlen(a, p->args_len - i);
		if (k >= from) {
			if (off && off + 1 < cap)
				dst[off++] = ' ';
			size_t c = l < cap - 1 - off ? l : cap - 1 - off;
			memcpy(dst + off, a, c);
			off += c;
		}
		i += l + 1;
		k++;
	}
	dst[off] = '\0';
	return off;
}

static size_t cmdline(const struct mmr_rt_proc *p, char *dst, size_t cap)
{
	size_t off = mmr_rt_strlcpy(dst, p->comm, cap);
	if (off >= cap)
		off = cap - 1;
	if (p->argc > 1 && off + 1 < cap) {
		dst[off++] = ' ';
		off += join_args(p, 1, dst + off, cap - off);
	}
	return off;
}

/* proc.* fields that can be asked of an ancestor (proc.pX = ancestor 1) */
enum pfield { PF_NAME, PF_EXE, PF_EXEPATH, PF_CMDLINE, PF_PID, PF_ARGS };

static int proc_field(struct mmr_rt_ectx *cx, const struct mmr_rt_proc *p, enum pfield f,
		      struct mmr_rt_val *o)
{
	if (!p)
		return 0;
	switch (f) {
	case PF_NAME:
		return set_str(o, p->comm);
	case PF_EXE:
		return set_str(o, mmr_rt_proc_argv0(p));
	case PF_EXEPATH:
		return set_str(o, p->exepath);
	case PF_CMDLINE:
		/* the event's process and its parent are cached per event */
		if (p == cx->ev->proc) {
			if (!(cx->have & MMR_RT_C_CMDLINE)) {
				cx->cmdline_len = cmdline(p, cx->cmdline, sizeof(cx->cmdline));
				cx->have |= MMR_RT_C_CMDLINE;
			}
			o->s = cx->cmdline;
			o->len = cx->cmdline_len;
			return 1;
		}
		if (p == ancestor(cx, 1)) {
			if (!(cx->have & MMR_RT_C_PCMDLINE)) {
				cx->pcmdline_len = cmdline(p, cx->pcmdline, sizeof(cx->pcmdline));
				cx->have |= MMR_RT_C_PCMDLINE;
			}
			o->s = cx->pcmdline;
			o->len = cx->pcmdline_len;
			return 1;
		}
		o->len = cmdline(p, cx->scratch, sizeof(cx->scratch));
		o->s = cx->scratch;
		return 1;
	case PF_ARGS:
		if (p == cx->ev->proc) {
			if (!(cx->have & MMR_RT_C_ARGS)) {
				cx->args_len = join_args(p, 1, cx->args, sizeof(cx->args));
				cx->have |= MMR_RT_C_ARGS;
			}
			o->s = cx->args;
			o->len = cx->args_len;
			return 1;
		}
		o->len = join_args(p, 1, cx->scratch, sizeof(cx->scratch));
		o->s = cx->scratch;
		return 1;
	case PF_PID:
		return set_num(o, p->pid);
	}
	return 0;
}

/* proc.aname etc.: with [N] ancestor N; without, every ancestor 1.. */
static int ancestor_field(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			  struct mmr_rt_val *o, enum pfield f)
{
	if (ref->index >= 0) {
		if (idx)
			return 0;
		return proc_field(cx, ancestor(cx, (unsigned)ref->index), f, o);
	}
	if (idx + 1 > MMR_RT_ANCESTRY_MAX)
		return 0;
	return proc_field(cx, ancestor(cx, idx + 1), f, o);
}

#define PROC_FN(fname, anc, field)                                                               \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		if (idx)                                                                         \
			return 0;                                                                \
		return proc_field(cx, ancestor(cx, anc), field, o);                              \
	}
PROC_FN(f_proc_name, 0, PF_NAME)
PROC_FN(f_proc_exe, 0, PF_EXE)
PROC_FN(f_proc_exepath, 0, PF_EXEPATH)
PROC_FN(f_proc_cmdline, 0, PF_CMDLINE)
PROC_FN(f_proc_args, 0, PF_ARGS)
PROC_FN(f_proc_pid, 0, PF_PID)
PROC_FN(f_proc_pname, 1, PF_NAME)
PROC_FN(f_proc_pexe, 1, PF_EXE)
PROC_FN(f_proc_pexepath, 1, PF_EXEPATH)
PROC_FN(f_proc_pcmdline, 1, PF_CMDLINE)

#define ANC_FN(fname, field)                                                                     \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		return ancestor_field(ref, cx, idx, o, field);                                   \
	}
ANC_FN(f_proc_aname, PF_NAME)
ANC_FN(f_proc_aexe, PF_EXE)
ANC_FN(f_proc_aexepath, PF_EXEPATH)
ANC_FN(f_proc_apid, PF_PID)

#define PNUM_FN(fname, expr)                                                                     \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		const struct mmr_rt_proc *p = ev_proc(cx);                                       \
		if (idx || !p)                                                                   \
			return 0;                                                                \
		return set_num(o, (int64_t)(expr));                                              \
	}
PNUM_FN(f_proc_ppid, p->ppid)
PNUM_FN(f_proc_vpid, p->vpid)
PNUM_FN(f_proc_sid, p->sid)
PNUM_FN(f_proc_tty, p->tty)
PNUM_FN(f_user_uid, p->uid)
PNUM_FN(f_group_gid, p->gid)
PNUM_FN(f_user_euid, p->euid)
PNUM_FN(f_user_loginuid, p->loginuid == (uint32_t)-1 ? -1 : (int64_t)p->loginuid)
PNUM_FN(f_proc_is_memfd, (p->flags & MMR_RT_PROC_EXE_FROM_MEMFD) != 0)
PNUM_FN(f_proc_is_upper, (p->flags & MMR_RT_PROC_EXE_UPPER_LAYER) != 0)
PNUM_FN(f_proc_is_writable, (p->flags & MMR_RT_PROC_EXE_WRITABLE) != 0)
PNUM_FN(f_proc_is_sid_leader, (p->flags & MMR_RT_PROC_SID_LEADER) != 0)
PNUM_FN(f_proc_is_vpgid_leader, (p->flags & MMR_RT_PROC_VPGID_LEADER) != 0)
PNUM_FN(f_proc_exe_ino, p->exe_ino)
PNUM_FN(f_proc_exe_ctime, p->exe_ino_ctime)
PNUM_FN(f_proc_exe_mtime, p->exe_ino_mtime)
PNUM_FN(f_proc_exe_ctime_dur, (int64_t)p->start_ts - (int64_t)p->exe_ino_ctime)
PNUM_FN(f_proc_start_ts, p->start_ts)
PNUM_FN(f_thread_tid, cx->ev->tid ? cx->ev->tid : p->tid)

static int f_proc_duration(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			   struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_proc *p = ev_proc(cx);
	if (idx || !p || !p->start_ts)
		return 0;
	uint64_t now = cx->env && cx->env->now ? cx->env->now : cx->ev->ts;
	return set_num(o, now > p->start_ts ? (int64_t)(now - p->start_ts) : 0);
}

#define PSTR_FN(fname, member)                                                                   \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		const struct mmr_rt_proc *p = ev_proc(cx);                                       \
		if (idx || !p)                                                                   \
			return 0;                                                                \
		return set_str(o, p->member);                                                    \
	}
PSTR_FN(f_proc_cwd, cwd)

/* proc.stdin.type / proc.stdout.type / proc.stderr.type: Falco fd.type names. */
static const char *fd_type_name(char c);
static int stdio_type(struct mmr_rt_ectx *cx, unsigned idx, unsigned which, struct mmr_rt_val *o)
{
	const struct mmr_rt_proc *p = ev_proc(cx);
	const char *n = p ? fd_type_name(p->stdio_type[which]) : NULL;
	if (idx || !n)
		return 0;
	return set_str(o, n);
}

static int stdio_name(struct mmr_rt_ectx *cx, unsigned idx, unsigned which, struct mmr_rt_val *o)
{
	const struct mmr_rt_proc *p = ev_proc(cx);
	if (idx || !p || !p->stdio_type[which])
		return 0;
	return set_str(o, p->stdio_name[which]);
}

#define STDIO_FN(fn, getter, which)                                                               \
	static int fn(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,       \
		      struct mmr_rt_val *o)                                                       \
	{                                                                                         \
		(void)ref;                                                                        \
		return getter(cx, idx, which, o);                                                 \
	}
STDIO_FN(f_proc_stdin_type, stdio_type, 0)
STDIO_FN(f_proc_stdout_type, stdio_type, 1)
STDIO_FN(f_proc_stderr_type, stdio_type, 2)
STDIO_FN(f_proc_stdin_name, stdio_name, 0)
STDIO_FN(f_proc_stdout_name, stdio_name, 1)
PSTR_FN(f_user_name, user)
PSTR_FN(f_user_loginname, loginuser)
PSTR_FN(f_group_name, group)

static int f_proc_sname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_proc *p = ev_proc(cx);
	if (idx || !p)
		return 0;
	if (p->sid == p->pid || !p->sid)
		return set_str(o, p->comm);
	const struct mmr_rt_proc *s = cx->env && cx->env->procs ?
		mmr_rt_proctab_get(cx->env->procs, p->sid) : NULL;
	return s ? set_str(o, s->comm) : 0;
}

/* capabilities: names in bit order (linux/capability.h) */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

/* names joined by spaces, without printf: this runs per tested event */
static int caps(struct mmr_rt_ectx *cx, uint64_t mask, struct mmr_rt_val *o)
{
	size_t off = 0;
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		size_t l = strlen(cap_names[i]);
		if (off + 1 + l >= sizeof(cx->scratch))
			break;
		if (off)
			cx->scratch[off++] = ' ';
		memcpy(cx->scratch + off, cap_names[i], l);
		off += l;
	}
	cx->scratch[off] = '\0';
	o->s = cx->scratch;
	o->len = off;
	return 1;
}

#define CAP_FN(fname, member)                                                                    \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		const struct mmr_rt_proc *p = ev_proc(cx);                                       \
		if (idx || !p)                                                                   \
			return 0;                                                                \
		return caps(cx, p->member, o);                                                   \
	}
CAP_FN(f_cap_eff, cap_effective)
CAP_FN(f_cap_perm, cap_permitted)
CAP_FN(f_cap_inh, cap_inheritable)

/* ---- evt.* ---- */

static int f_evt_type(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		      struct mmr_rt_val *o)
{
	(void)ref;
	if (idx)
		return 0;
	o->n = cx->ev->type;
	o->s = mmr_rt_evt_type_name(cx->ev->type);
	o->len = strlen(o->s);
	return 1;
}

#define ENUM_FN(fname, expr)                                                                     \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		const struct mmr_rt_event *ev = cx->ev;                                          \
		if (idx)                                                                         \
			return 0;                                                                \
		return set_num(o, (int64_t)(expr));                                              \
	}
ENUM_FN(f_evt_num, ev->seq)
ENUM_FN(f_evt_time, ev->ts)
ENUM_FN(f_evt_rawres, ev->res)
ENUM_FN(f_evt_failed, ev->res < 0)
ENUM_FN(f_evt_pid, ev->pid)

static bool is_open_type(unsigned t)
{
	return t == MMR_RT_EVT_OPEN || t == MMR_RT_EVT_OPENAT || t == MMR_RT_EVT_OPENAT2 ||
	       t == MMR_RT_EVT_CREAT || t == MMR_RT_EVT_OPEN_BY_HANDLE_AT;
}

static uint32_t open_flags(const struct mmr_rt_event *ev)
{
	if (ev->fd.open_flags)
		return ev->fd.open_flags;
	const struct mmr_rt_evt_arg *a = mmr_rt_event_arg(ev, "flags");
	if (a && a->has_num)
		return (uint32_t)a->num;
	if (ev->type == MMR_RT_EVT_CREAT)
		return O_CREAT | O_WRONLY | O_TRUNC;
	return 0;
}

static int64_t mode_arg(const struct mmr_rt_event *ev)
{
	const struct mmr_rt_evt_arg *a = mmr_rt_event_arg(ev, "mode");
	if (!a)
		return 0;
	if (a->has_num)
		return a->num;
	char *end = NULL;
	long long v = strtoll(a->value, &end, 0);
	return end != a->value ? (int64_t)v : 0;
}

/* Falco: an open that creates a file with an execute bit in its mode */
ENUM_FN(f_evt_is_open_exec, is_open_type(ev->type) && (open_flags(ev) & O_CREAT) &&
				    (mode_arg(ev) & (S_IXUSR | S_IXGRP | S_IXOTH)))
ENUM_FN(f_evt_is_open_read, is_open_type(ev->type) && (open_flags(ev) & O_ACCMODE) != O_WRONLY)
ENUM_FN(f_evt_is_open_write, is_open_type(ev->type) && (open_flags(ev) & O_ACCMODE) != O_RDONLY)

static int f_evt_dir(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	(void)ref;
	if (idx)
		return 0;
	cx->scratch[0] = cx->ev->dir ? cx->ev->dir : '<';
	cx->scratch[1] = '\0';
	o->s = cx->scratch;
	o->len = 1;
	return 1;
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" },
	{ EBADF, "EBADF" }, { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ EXDEV, "EXDEV" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" },
	{ ETXTBSY, "ETXTBSY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" },
	{ EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { EPIPE, "EPIPE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" }, { ELOOP, "ELOOP" }, { ENOTSOCK, "ENOTSOCK" },
	{ EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ENETUNREACH, "ENETUNREACH" }, { ECONNRESET, "ECONNRESET" }, { EISCONN, "EISCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENOTSUP, "EOPNOTSUPP" },
};

static int f_evt_res(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	(void)ref;
	if (idx)
		return 0;
	int64_t r = cx->ev->res;
	o->n = r;
	if (r >= 0)
		return set_str(o, "SUCCESS");
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (-r == errnames[i].err)
			return set_str(o, errnames[i].name);
	int w = snprintf(cx->scratch, sizeof(cx->scratch), "%lld", (long long)r);
	o->s = cx->scratch;
	o->len = w > 0 ? (size_t)w : 0;
	return 1;
}

static const struct mmr_rt_evt_arg *arg_of(const struct mmr_rt_fref *ref,
					   const struct mmr_rt_event *ev)
{
	if (ref->index >= 0)
		return ref->index < (int)ev->nargs && ref->index < MMR_RT_EVT_ARGS_N ?
			       &ev->args[ref->index] : NULL;
	return ref->arg ? mmr_rt_event_arg(ev, ref->arg) : NULL;
}

static bool is_chmod_mode(unsigned type, const struct mmr_rt_evt_arg *a)
{
	return (type == MMR_RT_EVT_CHMOD || type == MMR_RT_EVT_FCHMOD || type == MMR_RT_EVT_FCHMODAT) &&
	       strcmp(a->name, "mode") == 0;
}

/* chmod's mode as Falco renders it: 0755(S_IXOTH|S_IROTH|...|S_IRUSR), so
 * `evt.arg.mode contains S_ISUID` works; evt.rawarg.mode is the number.
 * Used when the decoder left the mode as a number. */
static int mode_flags(struct mmr_rt_ectx *cx, struct mmr_rt_val *o, int64_t mode)
{
	static const struct {
		unsigned bit;
		const char *name;
	} bits[] = {
		{ S_IXOTH, "S_IXOTH" }, { S_IWOTH, "S_IWOTH" }, { S_IROTH, "S_IROTH" },
		{ S_IXGRP, "S_IXGRP" }, { S_IWGRP, "S_IWGRP" }, { S_IRGRP, "S_IRGRP" },
		{ S_IXUSR, "S_IXUSR" }, { S_IWUSR, "S_IWUSR" }, { S_IRUSR, "S_IRUSR" },
		{ S_ISVTX, "S_ISVTX" }, { S_ISGID, "S_ISGID" }, { S_ISUID, "S_ISUID" },
	};
	size_t cap = sizeof(cx->scratch), n;
	int w = snprintf(cx->scratch, cap, "0%llo", (unsigned long long)(mode & 07777));
	n = w > 0 && (size_t)w < cap ? (size_t)w : 0;
	bool first = true;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!((unsigned)mode & bits[i].bit))
			continue;
		w = snprintf(cx->scratch + n, cap - n, "%s%s", first ? "(" : "|", bits[i].name);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
		first = false;
	}
	if (!first && n + 1 < cap)
		cx->scratch[n++] = ')';
	cx->scratch[n] = '\0';
	o->s = cx->scratch;
	o->len = n;
	o->n = mode;
	return 1;
}

static int f_evt_arg(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	const struct mmr_rt_evt_arg *a = arg_of(ref, cx->ev);
	if (idx)
		return 0;
	if (!a) {
		/* evt.arg.res is the return value on exit events */
		if (ref->arg && strcmp(ref->arg, "res") == 0)
			return f_evt_res(ref, cx, 0, o);
		return 0;
	}
	if (a->has_num && is_chmod_mode(cx->ev->type, a) && a->value[0] >= '0' && a->value[0] <= '9')
		return mode_flags(cx, o, a->num);
	set_str(o, a->value);
	o->n = a->num;
	return 1;
}

static int f_evt_rawarg(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			struct mmr_rt_val *o)
{
	const struct mmr_rt_evt_arg *a = arg_of(ref, cx->ev);
	if (idx)
		return 0;
	if (!a) {
		if (ref->arg && strcmp(ref->arg, "res") == 0)
			return set_num(o, cx->ev->res);
		return 0;
	}
	if (a->has_num)
		return set_num(o, a->num);
	int64_t n = 0;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(a->value, &end, 0);
	if (end == a->value || *end || errno)
		return 0;
	n = v;
	return set_num(o, n);
}

static int f_evt_args(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		      struct mmr_rt_val *o)
{
	(void)ref;
	if (idx)
		return 0;
	size_t off = 0;
	cx->scratch[0] = '\0';
	for (uint32_t i = 0; i < cx->ev->nargs && i < MMR_RT_EVT_ARGS_N; i++) {
		int w = snprintf(cx->scratch + off, sizeof(cx->scratch) - off, "%s%s=%s",
				 off ? " " : "", cx->ev->args[i].name, cx->ev->args[i].value);
		if (w < 0 || (size_t)w >= sizeof(cx->scratch) - off)
			break;
		off += (size_t)w;
	}
	o->s = cx->scratch;
	o->len = off;
	return 1;
}

/* ---- fd.* ---- */

static bool has_fd(const struct mmr_rt_event *ev)
{
	return ev->fd.typechar != 0 || ev->fd.name[0] || ev->fd.num >= 0;
}

static bool is_net(const struct mmr_rt_event *ev)
{
	return ev->fd.typechar == MMR_RT_FD_IPV4 || ev->fd.typechar == MMR_RT_FD_IPV6;
}

static int f_fd_num(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		    struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !has_fd(cx->ev))
		return 0;
	return set_num(o, cx->ev->fd.num);
}

static const char *fd_type_name(char c)
{
	switch (c) {
	case 'f': return "file";
	case 'd': return "directory";
	case '4': return "ipv4";
	case '6': return "ipv6";
	case 'u': return "unix";
	case 'p': return "pipe";
	case 'e': return "event";
	case 's': return "signalfd";
	case 'l': return "eventpoll";
	case 'i': return "inotify";
	case 't': return "timerfd";
	case 'n': return "netlink";
	case 'm': return "memfd";
	case 'b': return "bpf";
	case 'U': return "userfaultfd";
	case 'r': return "io_uring";
	case 'o': return "other";
	default: return NULL;
	}
}

static int f_fd_type(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	(void)ref;
	const char *n = fd_type_name(cx->ev->fd.typechar);
	if (idx || !n)
		return 0;
	return set_str(o, n);
}

static int f_fd_typechar(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			 struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !cx->ev->fd.typechar)
		return 0;
	cx->scratch[0] = cx->ev->fd.typechar;
	cx->scratch[1] = '\0';
	o->s = cx->scratch;
	o->len = 1;
	return 1;
}

static int f_fd_name(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !has_fd(cx->ev))
		return 0;
	return set_str(o, cx->ev->fd.name);
}

static int f_fd_nameraw(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !has_fd(cx->ev))
		return 0;
	return set_str(o, cx->ev->fd.nameraw[0] ? cx->ev->fd.nameraw : cx->ev->fd.name);
}

static bool is_file(const struct mmr_rt_event *ev)
{
	return ev->fd.typechar == MMR_RT_FD_FILE || ev->fd.typechar == MMR_RT_FD_DIRECTORY ||
	       (ev->fd.typechar == 0 && ev->fd.name[0] == '/');
}

static int f_fd_directory(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			  struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_event *ev = cx->ev;
	if (idx || !is_file(ev) || !ev->fd.name[0])
		return 0;
	if (ev->fd.typechar == MMR_RT_FD_DIRECTORY)
		return set_str(o, ev->fd.name);
	const char *slash = strrchr(ev->fd.name, '/');
	if (!slash)
		return 0;
	size_t l = (size_t)(slash - ev->fd.name);
	if (l == 0)
		l = 1; /* "/" */
	memcpy(cx->scratch, ev->fd.name, l);
	cx->scratch[l] = '\0';
	o->s = cx->scratch;
	o->len = l;
	return 1;
}

static int f_fd_filename(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			 struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_event *ev = cx->ev;
	if (idx || !is_file(ev) || ev->fd.typechar == MMR_RT_FD_DIRECTORY || !ev->fd.name[0])
		return 0;
	const char *slash = strrchr(ev->fd.name, '/');
	return set_str(o, slash ? slash + 1 : ev->fd.name);
}

static int f_fd_l4proto(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			struct mmr_rt_val *o)
{
	(void)ref;
	static const char *const names[] = { NULL, "tcp", "udp", "icmp", "raw" };
	uint8_t p = cx->ev->fd.l4proto;
	if (idx || !is_net(cx->ev) || p == 0 || p >= sizeof(names) / sizeof(names[0]))
		return 0;
	return set_str(o, names[p]);
}

ENUM_FN(f_fd_connected, ev->fd.connected)
ENUM_FN(f_fd_name_changed, ev->fd.name_changed)
ENUM_FN(f_fd_is_server, ev->fd.local_is_server)

static int f_fd_ino(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		    struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !cx->ev->fd.ino)
		return 0;
	return set_num(o, (int64_t)cx->ev->fd.ino);
}

/* which end: 'c' client, 's' server, 'l' local, 'r' remote, 'a' any (2 values) */
static int ip_end(struct mmr_rt_ectx *cx, char which, unsigned idx, struct mmr_rt_val *o,
		  bool port)
{
	const struct mmr_rt_fd *fd = &cx->ev->fd;
	if (!is_net(cx->ev))
		return 0;
	bool server;
	switch (which) {
	case 'c': server = false; break;
	case 's': server = true; break;
	case 'l': server = fd->local_is_server; break;
	case 'r': server = !fd->local_is_server; break;
	default:
		if (idx > 1)
			return 0;
		server = idx == 1;
		idx = 0;
		break;
	}
	if (idx)
		return 0;
	if (port)
		return set_num(o, server ? fd->sport : fd->cport);
	o->ip = server ? fd->sip : fd->cip;
	if (!o->ip.family)
		return 0;
	if (cx->ip_only) {
		o->s = "";
		o->len = 0;
		return 1;
	}
	const char *r;
	if (o->ip.family == AF_INET)
		r = inet_ntop(AF_INET, o->ip.ip + 12, cx->scratch, 64);
	else
		r = inet_ntop(AF_INET6, o->ip.ip, cx->scratch, 64);
	if (!r)
		return 0;
	o->s = cx->scratch;
	o->len = strlen(cx->scratch);
	return 1;
}

#define IP_FN(fname, which, port)                                                                \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		return ip_end(cx, which, idx, o, port);                                          \
	}
IP_FN(f_fd_ip, 'a', false)
IP_FN(f_fd_cip, 'c', false)
IP_FN(f_fd_sip, 's', false)
IP_FN(f_fd_lip, 'l', false)
IP_FN(f_fd_rip, 'r', false)
IP_FN(f_fd_port, 'a', true)
IP_FN(f_fd_cport, 'c', true)
IP_FN(f_fd_sport, 's', true)
IP_FN(f_fd_lport, 'l', true)
IP_FN(f_fd_rport, 'r', true)

static int f_fd_sip_name(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			 struct mmr_rt_val *o)
{
	(void)ref;
	if (idx || !is_net(cx->ev) || !cx->ev->fd.sip_name[0])
		return 0;
	return set_str(o, cx->ev->fd.sip_name);
}

static int f_fd_sockfamily(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			   struct mmr_rt_val *o)
{
	(void)ref;
	if (idx)
		return 0;
	if (is_net(cx->ev))
		return set_str(o, "ip");
	if (cx->ev->fd.typechar == MMR_RT_FD_UNIX)
		return set_str(o, "unix");
	return 0;
}

/* ---- container.* / k8s.* ---- */

#define CSTR_FN(fname, expr)                                                                     \
	static int fname(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,    \
			 struct mmr_rt_val *o)                                                   \
	{                                                                                        \
		(void)ref;                                                                       \
		const struct mmr_rt_container *c = ev_container(cx);                             \
		if (idx || !c)                                                                   \
			return 0;                                                                \
		return set_str(o, (expr));                                                       \
	}
CSTR_FN(f_cont_name, c->name)
CSTR_FN(f_cont_image, c->image)
CSTR_FN(f_cont_image_repo, c->image_repository)
CSTR_FN(f_cont_image_tag, c->image_tag)
CSTR_FN(f_cont_image_digest, c->image_digest)
CSTR_FN(f_cont_image_id, c->image_id)
CSTR_FN(f_cont_type, c->runtime)
CSTR_FN(f_k8s_pod_name, c->k8s_pod_name)
CSTR_FN(f_k8s_ns_name, c->k8s_ns_name)
CSTR_FN(f_k8s_pod_uid, c->k8s_pod_uid)

static const char *container_id_of(struct mmr_rt_ectx *cx)
{
	const struct mmr_rt_container *c = ev_container(cx);
	if (c)
		return c->id;
	const struct mmr_rt_proc *p = ev_proc(cx);
	if (p && p->container_id[0])
		return p->container_id;
	return p ? "host" : NULL;
}

static int f_cont_id(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
		     struct mmr_rt_val *o)
{
	(void)ref;
	const char *id = container_id_of(cx);
	if (idx || !id)
		return 0;
	o->s = id;
	o->len = strlen(id);
	if (o->len > 12 && strcmp(id, "host") != 0)
		o->len = 12;
	return 1;
}

static int f_cont_full_id(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			  struct mmr_rt_val *o)
{
	(void)ref;
	const char *id = container_id_of(cx);
	if (idx || !id)
		return 0;
	return set_str(o, id);
}

static int f_cont_privileged(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			     struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_container *c = ev_container(cx);
	if (idx || !c)
		return 0;
	return set_num(o, c->privileged);
}

static int f_cont_start_ts(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			   struct mmr_rt_val *o)
{
	(void)ref;
	const struct mmr_rt_container *c = ev_container(cx);
	if (idx || !c || !c->start_ts)
		return 0;
	return set_num(o, (int64_t)c->start_ts);
}

static int f_cont_label(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, unsigned idx,
			struct mmr_rt_val *o)
{
	const char *v = mmr_rt_container_label(ev_container(cx), ref->arg);
	if (idx || !v)
		return 0;
	return set_str(o, v);
}

/* ---- the table ---- */

#define S MMR_RT_FT_STR
#define N MMR_RT_FT_NUM
#define B MMR_RT_FT_BOOL
#define IP MMR_RT_FT_IP
#define NET MMR_RT_FT_NET
#define A0 MMR_RT_FARG_NONE
#define AI MMR_RT_FARG_INDEX_OPT
#define AK MMR_RT_FARG_KEY

static const struct mmr_rt_field_def fields[] = {
	{ "evt.type", S, A0, f_evt_type, "event type name (execve, openat, ...)" },
	{ "evt.num", N, A0, f_evt_num, "event sequence number" },
	{ "evt.time", N, A0, f_evt_time, "event timestamp" },
	{ "evt.rawtime", N, A0, f_evt_time, "event timestamp, ns since the epoch" },
	{ "evt.dir", S, A0, f_evt_dir, "> enter, < exit" },
	{ "evt.res", S, A0, f_evt_res, "SUCCESS or the errno name" },
	{ "evt.rawres", N, A0, f_evt_rawres, "return value" },
	{ "evt.failed", B, A0, f_evt_failed, "return value < 0" },
	{ "evt.pid", N, A0, f_evt_pid, "process id of the event" },
	{ "evt.arg", S, AK, f_evt_arg, "argument by name (evt.arg.NAME) or index (evt.arg[N])" },
	{ "evt.rawarg", N, AK, f_evt_rawarg, "numeric argument" },
	{ "evt.args", S, A0, f_evt_args, "all arguments" },
	{ "evt.is_open_read", B, A0, f_evt_is_open_read, "open for reading" },
	{ "evt.is_open_write", B, A0, f_evt_is_open_write, "open for writing" },
	{ "evt.is_open_exec", B, A0, f_evt_is_open_exec, "open creating a file with an execute bit" },
	{ "fd.num", N, A0, f_fd_num, "fd number" },
	{ "fd.type", S, A0, f_fd_type, "file, directory, ipv4, ipv6, unix, pipe, ..." },
	{ "fd.typechar", S, A0, f_fd_typechar, "f, d, 4, 6, u, p, ..." },
	{ "fd.name", S, A0, f_fd_name, "path or connection tuple" },
	{ "fd.nameraw", S, A0, f_fd_nameraw, "path as given" },
	{ "fd.directory", S, A0, f_fd_directory, "directory of a file fd" },
	{ "fd.filename", S, A0, f_fd_filename, "base name of a file fd" },
	{ "fd.l4proto", S, A0, f_fd_l4proto, "tcp, udp, icmp, raw" },
	{ "fd.connected", B, A0, f_fd_connected, "socket connected" },
	{ "fd.name_changed", B, A0, f_fd_name_changed, "event changed the fd name" },
	{ "fd.is_server", B, A0, f_fd_is_server, "local end is the server" },
	{ "fd.ino", N, A0, f_fd_ino, "inode" },
	{ "fd.sockfamily", S, A0, f_fd_sockfamily, "ip or unix" },
	{ "fd.ip", IP, A0, f_fd_ip, "client or server ip" },
	{ "fd.cip", IP, A0, f_fd_cip, "client ip" },
	{ "fd.sip", IP, A0, f_fd_sip, "server ip" },
	{ "fd.lip", IP, A0, f_fd_lip, "local ip" },
	{ "fd.rip", IP, A0, f_fd_rip, "remote ip" },
	{ "fd.net", NET, A0, f_fd_ip, "client or server ip, against networks" },
	{ "fd.cnet", NET, A0, f_fd_cip, "client ip, against networks" },
	{ "fd.snet", NET, A0, f_fd_sip, "server ip, against networks" },
	{ "fd.lnet", NET, A0, f_fd_lip, "local ip, against networks" },
	{ "fd.rnet", NET, A0, f_fd_rip, "remote ip, against networks" },
	{ "fd.port", N, A0, f_fd_port, "client or server port" },
	{ "fd.cport", N, A0, f_fd_cport, "client port" },
	{ "fd.sport", N, A0, f_fd_sport, "server port" },
	{ "fd.lport", N, A0, f_fd_lport, "local port" },
	{ "fd.rport", N, A0, f_fd_rport, "remote port" },
	{ "fd.sip.name", S, A0, f_fd_sip_name, "DNS name the server ip was resolved from" },
	{ "proc.name", S, A0, f_proc_name, "comm" },
	{ "proc.exe", S, A0, f_proc_exe, "argv[0]" },
	{ "proc.exepath", S, A0, f_proc_exepath, "executable path" },
	{ "proc.args", S, A0, f_proc_args, "argv[1..] joined by spaces" },
	{ "proc.cmdline", S, A0, f_proc_cmdline, "name and args" },
	{ "proc.pid", N, A0, f_proc_pid, "pid" },
	{ "proc.ppid", N, A0, f_proc_ppid, "parent pid" },
	{ "proc.vpid", N, A0, f_proc_vpid, "pid in its namespace" },
	{ "proc.sid", N, A0, f_proc_sid, "session id" },
	{ "proc.sname", S, A0, f_proc_sname, "session leader name" },
	{ "proc.cwd", S, A0, f_proc_cwd, "working directory" },
	{ "proc.stdin.type", S, A0, f_proc_stdin_type, "fd 0 at exec: file, pipe, ipv4, ipv6, unix, ..." },
	{ "proc.stdout.type", S, A0, f_proc_stdout_type, "fd 1 at exec" },
	{ "proc.stderr.type", S, A0, f_proc_stderr_type, "fd 2 at exec" },
	{ "proc.stdin.name", S, A0, f_proc_stdin_name, "fd 0 at exec: connection tuple of a socket" },
	{ "proc.stdout.name", S, A0, f_proc_stdout_name, "fd 1 at exec: connection tuple of a socket" },
	{ "proc.tty", N, A0, f_proc_tty, "controlling terminal, 0 none" },
	{ "proc.duration", N, A0, f_proc_duration, "ns since the process started" },
	{ "proc.start_ts", N, A0, f_proc_start_ts, "process start time" },
	{ "proc.pname", S, A0, f_proc_pname, "parent name" },
	{ "proc.pexe", S, A0, f_proc_pexe, "parent argv[0]" },
	{ "proc.pexepath", S, A0, f_proc_pexepath, "parent executable path" },
	{ "proc.pcmdline", S, A0, f_proc_pcmdline, "parent command line" },
	{ "proc.aname", S, AI, f_proc_aname, "ancestor name ([N]: N-th, else any)" },
	{ "proc.aexe", S, AI, f_proc_aexe, "ancestor argv[0]" },
	{ "proc.aexepath", S, AI, f_proc_aexepath, "ancestor executable path" },
	{ "proc.apid", N, AI, f_proc_apid, "ancestor pid" },
	{ "proc.is_exe_from_memfd", B, A0, f_proc_is_memfd, "executable is a memfd" },
	{ "proc.is_exe_upper_layer", B, A0, f_proc_is_upper, "executable in the overlay upper layer" },
	{ "proc.is_exe_writable", B, A0, f_proc_is_writable, "executable writable by the user" },
	{ "proc.is_sid_leader", B, A0, f_proc_is_sid_leader, "session leader" },
	{ "proc.is_vpgid_leader", B, A0, f_proc_is_vpgid_leader, "process group leader" },
	{ "proc.exe_ino", N, A0, f_proc_exe_ino, "executable inode" },
	{ "proc.exe_ino.ctime", N, A0, f_proc_exe_ctime, "executable ctime" },
	{ "proc.exe_ino.mtime", N, A0, f_proc_exe_mtime, "executable mtime" },
	{ "proc.exe_ino.ctime_duration_proc_start", N, A0, f_proc_exe_ctime_dur,
	  "ns from executable ctime to process start" },
	{ "thread.tid", N, A0, f_thread_tid, "thread id" },
	{ "thread.cap_effective", S, A0, f_cap_eff, "effective capabilities" },
	{ "thread.cap_permitted", S, A0, f_cap_perm, "permitted capabilities" },
	{ "thread.cap_inheritable", S, A0, f_cap_inh, "inheritable capabilities" },
	{ "user.uid", N, A0, f_user_uid, "uid" },
	{ "user.euid", N, A0, f_user_euid, "effective uid" },
	{ "user.name", S, A0, f_user_name, "user name" },
	{ "user.loginuid", N, A0, f_user_loginuid, "audit login uid, -1 unset" },
	{ "user.loginname", S, A0, f_user_loginname, "login user name" },
	{ "group.gid", N, A0, f_group_gid, "gid" },
	{ "group.name", S, A0, f_group_name, "group name" },
	{ "container.id", S, A0, f_cont_id, "12-character container id, host outside containers" },
	{ "container.full_id", S, A0, f_cont_full_id, "full container id" },
	{ "container.name", S, A0, f_cont_name, "container name" },
	{ "container.image", S, A0, f_cont_image, "image as run" },
	{ "container.image.repository", S, A0, f_cont_image_repo, "image repository" },
	{ "container.image.tag", S, A0, f_cont_image_tag, "image tag" },
	{ "container.image.digest", S, A0, f_cont_image_digest, "image digest" },
	{ "container.image.id", S, A0, f_cont_image_id, "image id" },
	{ "container.type", S, A0, f_cont_type, "runtime" },
	{ "container.privileged", B, A0, f_cont_privileged, "privileged container" },
	{ "container.start_ts", N, A0, f_cont_start_ts, "container start time" },
	{ "container.label", S, AK, f_cont_label, "container label [KEY]" },
	{ "k8s.pod.name", S, A0, f_k8s_pod_name, "pod name" },
	{ "k8s.ns.name", S, A0, f_k8s_ns_name, "namespace" },
	{ "k8s.pod.uid", S, A0, f_k8s_pod_uid, "pod uid" },
};

const struct mmr_rt_field_def *mmr_rt_field_table(size_t *ret_n)
{
	*ret_n = sizeof(fields) / sizeof(fields[0]);
	return fields;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

int mmr_rt_field_parse(struct mmr_arena *a, const char *p, size_t len, struct mmr_rt_fref *ref,
		       size_t *ret_unknown_len)
{
	size_t n = 0;
	while (n < len && name_char(p[n]))
		n++;
	size_t tok = n;
	if (n < len && p[n] == '[') {
		const char *close = memchr(p + n, ']', len - n);
		tok = close ? (size_t)(close - p) + 1 : len;
	}
	if (ret_unknown_len)
		*ret_unknown_len = tok;
	/* longest field name that is the whole name or a prefix followed by '.' (KEY args) */
	const struct mmr_rt_field_def *best = NULL;
	size_t bestlen = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t fl = strlen(fields[i].name);
		if (fl > n || memcmp(fields[i].name, p, fl) != 0)
			continue;
		if (fl < n && !(p[fl] == '.' && fields[i].arg == MMR_RT_FARG_KEY && fl + 1 < n))
			continue;
		if (fl > bestlen) {
			best = &fields[i];
			bestlen = fl;
		}
	}
	if (!best)
		return 0;
	ref->def = best;
	ref->arg = NULL;
	ref->index = -1;
	size_t used = bestlen;
	if (bestlen < n) { /* evt.arg.NAME */
		ref->arg = mmr_arena_strndup(a, p + bestlen + 1, n - bestlen - 1);
		if (!ref->arg)
			return -ENOMEM;
		used = n;
	} else if (n < len && p[n] == '[') {
		const char *close = memchr(p + n, ']', len - n);
		if (!close || best->arg == MMR_RT_FARG_NONE)
			return -EINVAL;
		const char *s = p + n + 1;
		size_t al = (size_t)(close - s);
		if (al == 0)
			return -EINVAL;
		bool digits = true;
		for (size_t i = 0; i < al; i++)
			if (s[i] < '0' || s[i] > '9')
				digits = false;
		if (digits && al <= 6) {
			int v = 0;
			for (size_t i = 0; i < al; i++)
				v = v * 10 + (s[i] - '0');
			ref->index = v;
		} else if (best->arg == MMR_RT_FARG_KEY) {
			ref->arg = mmr_arena_strndup(a, s, al);
			if (!ref->arg)
				return -ENOMEM;
		} else {
			return -EINVAL;
		}
		used = (size_t)(close - p) + 1;
	} else if (best->arg == MMR_RT_FARG_KEY || best->arg == MMR_RT_FARG_INDEX) {
		return -EINVAL;
	}
	return (int)used;
}

static size_t render_time(uint64_t ns, char *buf, size_t buflen)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return 0;
	int w = snprintf(buf, buflen, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned long long)(ns % 1000000000ull));
	return w < 0 ? 0 : (size_t)w < buflen ? (size_t)w : buflen - 1;
}

size_t mmr_rt_field_render(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, char *buf,
			   size_t buflen, bool *ret_present)
{
	struct mmr_rt_val v = { 0 };
	int w;
	if (buflen == 0)
		return 0;
	int got = ref->def->fn(ref, cx, 0, &v);
	if (ret_present)
		*ret_present = got > 0;
	if (got <= 0)
		return mmr_rt_strlcpy(buf, "<NA>", buflen) < buflen ? 4 : buflen - 1;
	switch (ref->def->type) {
	case MMR_RT_FT_NUM:
		if (strcmp(ref->def->name, "evt.time") == 0)
			return render_time((uint64_t)v.n, buf, buflen);
		w = snprintf(buf, buflen, "%lld", (long long)v.n);
		break;
	case MMR_RT_FT_BOOL:
		w = snprintf(buf, buflen, "%s", v.n ? "true" : "false");
		break;
	default:
		w = snprintf(buf, buflen, "%.*s", (int)v.len, v.s ? v.s : "");
		break;
	}
	if (w < 0)
		return 0;
	return (size_t)w < buflen ? (size_t)w : buflen - 1;
}
