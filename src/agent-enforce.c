/* agent-enforce.c - `mamori agent --enforce FILE`: deny execs and writes,
 * block connections, kill on alerts (policy: lib/runtime/runtime-enforce.h,
 * docs/cli/agent.md "Enforcement").
 *
 * Exec and write denial: fanotify permission events (FAN_OPEN_EXEC_PERM,
 * FAN_OPEN_PERM when a workload has deny_write) on every overlay
 * filesystem (container root filesystems, marked as they are mounted:
 * /proc/self/mountinfo is polled for changes) and on the root filesystem
 * when the host is a workload. A dedicated thread answers them so a busy
 * main loop never stalls the host. Fail-safe: on any internal error the
 * answer is FAN_ALLOW; the agent itself, its children, PID 1 and container
 * runtime processes (conmon, runc, crun, podman, containerd*, dockerd,
 * crio) are always allowed; closing the fanotify fd (also when the agent is
 * killed) removes the marks and allows what is pending.
 *
 * Connect blocking: bpf/enforce.bpf.c (cgroup/connect4|6 at the cgroup v2
 * root); each container's cgroup is given its workload when the agent
 * first sees the container.
 *
 * kill_on: the alert hook SIGKILLs the process of a rule alert whose name
 * or tag the workload lists. With --dry-run every enforcement is reported
 * and nothing is denied, blocked or killed. Each enforcement is an alert
 * (priority Critical, rule "Enforcement: ..."). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-error.h"
#include "runtime/runtime-container.h"
#include "runtime/runtime-enforce.h"
#include "src/agent-baseline.h"
#include "src/agent.h"
#include "src/cli.h"

#define META_MAX 256   /* containers whose name/image the fanotify thread caches */
#define QUEUE_MAX 512  /* denials waiting for the main loop */
#define MOUNTS_MAX 1024

enum kind { K_EXEC, K_WRITE };

struct denial {
	enum kind kind;
	int pid;
	int wl;  /* policy workload, -1 for a baseline denial */
	bool dry_run;
	char comm[16];
	char path[MMR_RT_PATH_MAX];
	char cid[MMR_RT_CONTAINER_ID_MAX];
	/* a baseline denial: the workload, why, and the path the process gave */
	enum mmr_agent_bl_verdict bl_verdict;
	char bl_key[MMR_RT_BL_KEY_MAX];
	char given[MMR_RT_PATH_MAX];
};

struct meta {
	char id[MMR_RT_CONTAINER_ID_MAX];
	char name[MMR_RT_CONTAINER_STR_MAX];
	char image[MMR_RT_CONTAINER_STR_MAX];
	uint64_t cgid;    /* cgroup v2 id, 0 unknown */
	bool known;       /* name/image filled */
	bool cg_set;      /* cgroup given to the connect programs */
	bool bl_key_main; /* bl_key set by the main loop (labels, repository known) */
	char bl_key[MMR_RT_BL_KEY_MAX]; /* its baseline workload ("" unknown) */
};

#define CHECKED_MAX 256 /* execs the fanotify thread judged against a baseline */

struct mountpt {
	int mnt_id;
	char dir[MMR_RT_PATH_MAX];
};

static struct {
	const char *file;
	struct mmr_rt_enforce_policy *pol;
	struct mmr_agent *ag;
	bool dry_run;
	/* fanotify */
	int fan, mountfd, stopfd;
	uint64_t fan_mask;
	bool host_root_marked, thread_started;
	pthread_t thread;
	struct mountpt mounts[MOUNTS_MAX];
	size_t nmounts;
	/* shared between the threads, under lock */
	pthread_mutex_t lock;
	struct meta meta[META_MAX];
	size_t meta_next;
	struct denial queue[QUEUE_MAX];
	size_t qhead, qlen;
	uint64_t queue_drops;
	int checked[CHECKED_MAX]; /* tids */
	size_t checked_next;
	/* baseline protect: exec denial for workloads in protect mode */
	bool bl_protect;
	uint64_t bl_checked, bl_denied, bl_unknown_exec;
	struct mmr_rt_enforce_dedup dedup;
	/* counters (fanotify thread writes, main reads: relaxed) */
	uint64_t perm_events, allowed, exec_denied, write_denied, errors_allowed, overflows;
	uint64_t killed, kill_dry, connect_blocked, marks;
	/* connect */
	struct mmr_rt_enforce_net *net;
	char net_why[256];
} E = { .fan = -1, .mountfd = -1, .stopfd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static int enf_option(int argc, char **argv, int *i, const char *cmd)
{
	if (strcmp(argv[*i], "--enforce") != 0)
		return 0;
	if (*i + 1 >= argc) {
		mmr_cli_usage_error(cmd, "%s needs a policy file", "--enforce");
		return -1;
	}
	if (E.file) {
		mmr_cli_usage_error(cmd, "%s given twice", "--enforce");
		return -1;
	}
	E.file = argv[++*i];
	/* a bad policy is a usage error, named by file:line */
	struct mmr_error e = { 0 };
	char msg[1200];
	int rc = mmr_rt_enforce_load_file(E.file, &E.pol, &e);
	if (rc < 0) {
		fprintf(stderr, "mamori %s: --enforce: %s\n", cmd,
			e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
		return -1;
	}
	return 1;
}

/* ---- helpers usable from both threads ---- */

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	return (int)n;
}

/* comm and ppid from /proc/PID/stat */
static int proc_stat(int pid, char comm[16], int *ppid)
{
	char fn[64], buf[1024];
	snprintf(fn, sizeof(fn), "/proc/%d/stat", pid);
	if (read_small(fn, buf, sizeof(buf)) < 0)
		return -ENOENT;
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r || r < l)
		return -EBADMSG;
	size_t n = (size_t)(r - l - 1);
	if (n > 15)
		n = 15;
	memcpy(comm, l + 1, n);
	comm[n] = 0;
	char *end = NULL;
	/* ") S ppid" */
	if (r[1] != ' ' || !r[2] || r[3] != ' ')
		return -EBADMSG;
	long v = strtol(r + 4, &end, 10);
	if (end == r + 4)
		return -EBADMSG;
	*ppid = (int)v;
	return 0;
}

static bool pid_protected(int pid, const char *comm, int ppid)
{
	int self = (int)getpid();
	return pid == self || pid == 1 || ppid == self || mmr_rt_enforce_protected_comm(comm);
}

/* Name and image of a container from its runtime's state files (the same
 * reader the main loop uses, lib/runtime/runtime-container.c): they are
 * written at create, so they are known before the container's first exec. */
static bool runtime_meta(const char *id, const char *rt, struct meta *m)
{
	struct mmr_rt_container *c = malloc(sizeof(*c));
	if (!c)
		return false;
	bool found = mmr_rt_container_lookup(NULL, id, rt, c) == 0;
	if (found) {
		mmr_rt_strlcpy(m->name, c->name, sizeof(m->name));
		mmr_rt_strlcpy(m->image, c->image, sizeof(m->image));
	}
	free(c);
	return found;
}

/* The cached entry of a container (created empty); under lock. */
static struct meta *meta_slot(const char *id)
{
	for (size_t i = 0; i < META_MAX; i++)
		if (E.meta[i].id[0] && strcmp(E.meta[i].id, id) == 0)
			return &E.meta[i];
	struct meta *m = &E.meta[E.meta_next];
	E.meta_next = (E.meta_next + 1) % META_MAX;
	memset(m, 0, sizeof(*m));
	mmr_rt_strlcpy(m->id, id, sizeof(m->id));
	return m;
}

/* The workload of a process (-1 none); cid gets its container id ("" host),
 * blkey (NULL: not wanted) its baseline workload key ("" when unknown).
 * Gives the container's cgroup its workload for the connect programs the
 * first time it is seen. read_storage: may read the runtime's state files. */
static int workload_of_pid(int pid, char cid[MMR_RT_CONTAINER_ID_MAX], bool read_storage,
			   char blkey[MMR_RT_BL_KEY_MAX])
{
	const char *rt = NULL;
	cid[0] = 0;
	if (blkey)
		blkey[0] = 0;
	int rc = mmr_rt_container_id_of_pid(pid, cid, &rt);
	if (rc < 0)
		return -1;
	char cgpath[1024] = "";
	uint64_t cgid = 0;
	mmr_rt_enforce_cgroup_of_pid(pid, cgpath, sizeof(cgpath), &cgid);
	struct mmr_rt_enforce_subject s = { .host = rc == 0, .cgroup = cgpath[0] ? cgpath : NULL };
	if (rc == 0)
		return mmr_rt_enforce_match(E.pol, &s);
	struct meta m;
	pthread_mutex_lock(&E.lock);
	struct meta *slot = meta_slot(cid);
	m = *slot;
	pthread_mutex_unlock(&E.lock);
	if (!m.known && read_storage && runtime_meta(cid, rt, &m)) {
		m.known = true;
		pthread_mutex_lock(&E.lock);
		slot = meta_slot(cid);
		if (!slot->known) {
			mmr_rt_strlcpy(slot->name, m.name, sizeof(slot->name));
			mmr_rt_strlcpy(slot->image, m.image, sizeof(slot->image));
			slot->known = true;
		}
		pthread_mutex_unlock(&E.lock);
	}
	s.container = m.known ? m.name : NULL;
	s.image = m.known ? m.image : NULL;
	if (blkey) {
		if (m.bl_key[0])
			mmr_rt_strlcpy(blkey, m.bl_key, MMR_RT_BL_KEY_MAX);
		else if (m.known)
			mmr_agent_baseline_key_of(m.name, m.image, blkey, MMR_RT_BL_KEY_MAX);
	}
	int wl = mmr_rt_enforce_match(E.pol, &s);
	if (E.net && cgid && !m.cg_set && (m.known || !read_storage)) {
		if (mmr_rt_enforce_net_set_cgroup(E.net, cgid, wl) == 0) {
			pthread_mutex_lock(&E.lock);
			meta_slot(cid)->cg_set = true;
			meta_slot(cid)->cgid = cgid;
			pthread_mutex_unlock(&E.lock);
		}
	}
	return wl;
}

/* ---- the fanotify thread ---- */

static void queue_denial(const struct denial *d)
{
	pthread_mutex_lock(&E.lock);
	if (E.qlen == QUEUE_MAX) {
		E.queue_drops++;
	} else {
		E.queue[(E.qhead + E.qlen) % QUEUE_MAX] = *d;
		E.qlen++;
	}
	pthread_mutex_unlock(&E.lock);
}

/* The path of an event's file as the process sees it: the host path
 * minus the container's overlay mount point. */
static int event_path(int fd, char *out, size_t size)
{
	char fn[64];
	snprintf(fn, sizeof(fn), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(fn, out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = 0;
	for (size_t i = 0; i < E.nmounts; i++) {
		size_t l = strlen(E.mounts[i].dir);
		if (l > 1 && strncmp(out, E.mounts[i].dir, l) == 0 && (out[l] == '/' || !out[l])) {
			memmove(out, out + l, (size_t)n - l + 1);
			if (!out[0])
				snprintf(out, size, "/");
			break;
		}
	}
	return 0;
}

/* Whether the thread (blocked in open while we decide) asked for write
 * access: the event fd is our own read-only descriptor, so the flags come
 * from the syscall the thread is in (/proc/TID/syscall: number and
 * arguments; openat2's flags from its struct open_how). x86-64 numbers. */
static bool opened_for_write(int tid)
{
	char fn[64], buf[512];
	snprintf(fn, sizeof(fn), "/proc/%d/syscall", tid);
	if (read_small(fn, buf, sizeof(buf)) < 0)
		return false;
	unsigned long long a[4] = { 0 };
	long nr = -1;
	if (sscanf(buf, "%ld %llx %llx %llx", &nr, &a[0], &a[1], &a[2]) < 3)
		return false;
	unsigned long long fl;
	switch (nr) {
	case 2: /* open(path, flags) */
		fl = a[1];
		break;
	case 257: /* openat(dfd, path, flags) */
	case 304: /* open_by_handle_at(mount_fd, handle, flags) */
		fl = a[2];
		break;
	case 85: /* creat */
		return true;
	case 437: { /* openat2(dfd, path, how, size): how->flags first */
		snprintf(fn, sizeof(fn), "/proc/%d/mem", tid);
		int fd = open(fn, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false;
		uint64_t f64 = 0;
		ssize_t n = pread(fd, &f64, sizeof(f64), (off_t)a[2]);
		close(fd);
		if (n != sizeof(f64))
			return false;
		fl = f64;
		break;
	}
	default:
		return false;
	}
	return (fl & O_ACCMODE) == O_WRONLY || (fl & O_ACCMODE) == O_RDWR || (fl & O_TRUNC);
}

/* Read a NUL-terminated string at addr of process tid (at most size-1 bytes). */
static int read_user_str(int tid, unsigned long long addr, char *out, size_t size)
{
	char fn[64];
	snprintf(fn, sizeof(fn), "/proc/%d/mem", tid);
	int fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	int rc = -ENAMETOOLONG;
	while (got < size - 1) {
		/* page by page: the string may end just before an unmapped page */
		size_t want = 4096 - (size_t)((addr + got) % 4096);
		if (want > size - 1 - got)
			want = size - 1 - got;
		ssize_t n = pread(fd, out + got, want, (off_t)(addr + got));
		if (n <= 0) {
			rc = -EFAULT;
			break;
		}
		void *nul = memchr(out + got, 0, (size_t)n);
		got += (size_t)n;
		if (nul) {
			rc = 0;
			break;
		}
	}
	close(fd);
	out[size - 1] = 0;
	return rc;
}

/* The file a thread blocked in execve/execveat asked for, as the baseline
 * names it (absolute, inside the container: a relative path is joined to
 * the container-relative cwd), and whether the event's file (fd) is that
 * file itself (else it is the ELF interpreter or a script's interpreter
 * the kernel opens for it). x86-64 syscall numbers. */
static int exec_given(int tid, int evfd, char *out, size_t size, bool *ret_same)
{
	char fn[MMR_RT_PATH_MAX + 64], buf[512];
	snprintf(fn, sizeof(fn), "/proc/%d/syscall", tid);
	if (read_small(fn, buf, sizeof(buf)) < 0)
		return -EIO;
	unsigned long long a[3] = { 0 };
	long nr = -1;
	if (sscanf(buf, "%ld %llx %llx %llx", &nr, &a[0], &a[1], &a[2]) < 3)
		return -EBADMSG;
	unsigned long long addr;
	long long dfd = AT_FDCWD;
	if (nr == 59) { /* execve(filename, argv, envp) */
		addr = a[0];
	} else if (nr == 322) { /* execveat(dfd, filename, argv, envp, flags) */
		dfd = (long long)(int)a[0];
		addr = a[1];
	} else {
		return -ENOTSUP;
	}
	char given[MMR_RT_PATH_MAX];
	int rc = read_user_str(tid, addr, given, sizeof(given));
	if (rc < 0)
		return rc;
	if (!given[0])
		return -ENOENT; /* fexecve / AT_EMPTY_PATH: no name */
	if (given[0] == '/')
		snprintf(fn, sizeof(fn), "/proc/%d/root%s", tid, given);
	else if (dfd == AT_FDCWD)
		snprintf(fn, sizeof(fn), "/proc/%d/cwd/%s", tid, given);
	else
		snprintf(fn, sizeof(fn), "/proc/%d/fd/%lld/%s", tid, dfd, given);
	struct stat a_st, b_st;
	*ret_same = stat(fn, &a_st) == 0 && fstat(evfd, &b_st) == 0 && a_st.st_dev == b_st.st_dev &&
		    a_st.st_ino == b_st.st_ino;
	if (given[0] == '/') {
		mmr_rt_strlcpy(out, given, size);
		return 0;
	}
	if (dfd != AT_FDCWD)
		return -ENOTSUP;
	/* cwd as the container sees it: the host path minus the process's root */
	char cwd[MMR_RT_PATH_MAX] = "", root[MMR_RT_PATH_MAX] = "";
	snprintf(fn, sizeof(fn), "/proc/%d/cwd", tid);
	ssize_t n = readlink(fn, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return -EIO;
	cwd[n] = 0;
	snprintf(fn, sizeof(fn), "/proc/%d/root", tid);
	n = readlink(fn, root, sizeof(root) - 1);
	if (n > 1) {
		root[n] = 0;
		size_t l = (size_t)n;
		if (strncmp(cwd, root, l) == 0 && (cwd[l] == '/' || !cwd[l]))
			memmove(cwd, cwd + l, strlen(cwd + l) + 1);
		if (!cwd[0])
			snprintf(cwd, sizeof(cwd), "/");
	}
	const char *rel = given;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	size_t cl = strlen(cwd);
	int w = snprintf(out, size, "%s%s%s", cwd, cl && cwd[cl - 1] == '/' ? "" : "/", rel);
	return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

static void mark_checked(int tid)
{
	pthread_mutex_lock(&E.lock);
	E.checked[E.checked_next] = tid;
	E.checked_next = (E.checked_next + 1) % CHECKED_MAX;
	pthread_mutex_unlock(&E.lock);
}

/* Whether the fanotify thread judged the exec the sensor now reports (and
 * let it through); each judgement answers for one exec event. */
static bool was_checked(int pid, int tid)
{
	bool found = false;
	pthread_mutex_lock(&E.lock);
	for (size_t i = 0; i < CHECKED_MAX && !found; i++)
		if (E.checked[i] && (E.checked[i] == pid || E.checked[i] == tid)) {
			E.checked[i] = 0;
			found = true;
		}
	pthread_mutex_unlock(&E.lock);
	return found;
}

/* An exec in a container whose baseline workload is in protect mode: deny
 * what the baseline does not hold. Everything unknown allows. */
static uint32_t decide_baseline(const struct fanotify_event_metadata *md, struct denial *d)
{
	/* most execs are of workloads not in protect mode: ask that first */
	if (!d->bl_key[0] || mmr_agent_baseline_exec_verdict(d->bl_key, NULL, 0) == MMR_AGENT_BL_UNPROTECTED)
		return FAN_ALLOW;
	bool same = false;
	int rc = exec_given(md->pid, md->fd, d->given, sizeof(d->given), &same);
	if (rc < 0) {
		E.bl_unknown_exec++;
		return FAN_ALLOW;
	}
	/* the interpreter of an exec (ld.so, a script's #! program) follows
	 * the program's own event, which was judged */
	if (!same)
		return FAN_ALLOW;
	const char *names[2] = { d->given, d->path };
	enum mmr_agent_bl_verdict v = mmr_agent_baseline_exec_verdict(d->bl_key, names, 2);
	if (v == MMR_AGENT_BL_UNPROTECTED)
		return FAN_ALLOW;
	E.bl_checked++;
	/* an exec that goes through (allowed, or dry run) is not judged
	 * again when the sensor reports it */
	if (v == MMR_AGENT_BL_ALLOWED || E.dry_run)
		mark_checked(md->pid);
	if (v == MMR_AGENT_BL_ALLOWED)
		return FAN_ALLOW;
	d->bl_verdict = v;
	d->wl = -1;
	queue_denial(d);
	E.bl_denied++;
	E.exec_denied++;
	return E.dry_run ? FAN_ALLOW : FAN_DENY;
}

/* FAN_ALLOW or FAN_DENY for one permission event; anything that fails allows. */
static uint32_t decide(const struct fanotify_event_metadata *md)
{
	char comm[16] = "";
	int ppid = 0;
	int pid = md->pid;
	if (proc_stat(pid, comm, &ppid) < 0) {
		E.errors_allowed++;
		return FAN_ALLOW;
	}
	if (pid_protected(pid, comm, ppid))
		return FAN_ALLOW;
	enum kind kind = (md->mask & FAN_OPEN_EXEC_PERM) ? K_EXEC : K_WRITE;
	if (kind == K_WRITE && !opened_for_write(pid))
		return FAN_ALLOW;
	/* static: one decision at a time, and a denial is large */
	static struct denial d;
	memset(&d, 0, sizeof(d));
	bool want_bl = kind == K_EXEC && E.bl_protect;
	int wl = workload_of_pid(pid, d.cid, !E.host_root_marked, want_bl ? d.bl_key : NULL);
	const struct mmr_rt_enforce_wl *w = wl >= 0 ? &E.pol->wl[wl] : NULL;
	bool want_pol = w && (kind == K_EXEC ? w->has_allow_exec : w->n_deny_write > 0);
	want_bl &= d.cid[0] && d.bl_key[0]; /* containers only */
	if (!want_pol && !want_bl)
		return FAN_ALLOW;
	d.kind = kind;
	d.pid = pid;
	d.wl = wl;
	d.dry_run = E.dry_run;
	memcpy(d.comm, comm, sizeof(d.comm));
	if (event_path(md->fd, d.path, sizeof(d.path)) < 0) {
		E.errors_allowed++;
		return FAN_ALLOW;
	}
	bool deny = want_pol && (kind == K_EXEC ? !mmr_rt_enforce_exec_allowed(w, d.path)
						: mmr_rt_enforce_write_denied(w, d.path));
	if (!deny)
		return want_bl ? decide_baseline(md, &d) : FAN_ALLOW;
	d.bl_key[0] = 0;
	queue_denial(&d);
	if (kind == K_EXEC)
		E.exec_denied++;
	else
		E.write_denied++;
	return E.dry_run ? FAN_ALLOW : FAN_DENY;
}

static void mark_fs(const char *dir)
{
	if (fanotify_mark(E.fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, E.fan_mask, AT_FDCWD, dir) == 0)
		E.marks++;
}

/* Mark every overlay filesystem mounted (container roots) not marked yet. */
static void scan_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[4096];
	struct mountpt seen[MOUNTS_MAX];
	size_t nseen = 0;
	while (fgets(line, sizeof(line), f)) {
		int id = 0;
		char dir[MMR_RT_PATH_MAX];
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE ..." */
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "overlay ", 8) != 0)
			continue;
		char root[16];
		if (sscanf(line, "%d %*d %*s %15s %511s", &id, root, dir) != 3 || strcmp(root, "/") != 0)
			continue;
		if (nseen == MOUNTS_MAX)
			break;
		bool known = false;
		for (size_t i = 0; i < E.nmounts && !known; i++)
			known = E.mounts[i].mnt_id == id;
		if (!known)
			mark_fs(dir);
		seen[nseen].mnt_id = id;
		mmr_rt_strlcpy(seen[nseen].dir, dir, sizeof(seen[nseen].dir));
		nseen++;
	}
	fclose(f);
	memcpy(E.mounts, seen, nseen * sizeof(seen[0]));
	E.nmounts = nseen;
}

/* FAN_DENY with EACCES where the kernel takes an errno (6.14+,
 * FAN_DENY_ERRNO), else plain FAN_DENY (EPERM). */
#define ENF_FAN_ERRNO_SHIFT 24
static bool errno_ok = true;

static void respond(int fd, uint32_t r)
{
	struct fanotify_response resp = { .fd = fd, .response = r };
	if (r == FAN_DENY && errno_ok) {
		resp.response = FAN_DENY | ((uint32_t)EACCES << ENF_FAN_ERRNO_SHIFT);
		if (write(E.fan, &resp, sizeof(resp)) == sizeof(resp))
			return;
		errno_ok = false;
		resp.response = FAN_DENY;
	}
	if (write(E.fan, &resp, sizeof(resp)) != sizeof(resp)) {
		E.errors_allowed++;
		resp.response = FAN_ALLOW;
		if (write(E.fan, &resp, sizeof(resp)) != sizeof(resp))
			E.errors_allowed++;
	}
}

static void *fan_thread(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	for (;;) {
		struct pollfd p[3] = { { E.fan, POLLIN, 0 }, { E.stopfd, POLLIN, 0 }, { E.mountfd, POLLPRI, 0 } };
		int n = poll(p, E.mountfd >= 0 ? 3 : 2, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (E.mountfd >= 0 && (p[2].revents & (POLLPRI | POLLERR)))
			scan_mounts();
		if (!(p[0].revents & POLLIN))
			continue;
		for (;;) {
			ssize_t len = read(E.fan, buf, sizeof(buf));
			if (len <= 0)
				break;
			const struct fanotify_event_metadata *md = (const void *)buf;
			for (; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
				if (md->vers != FANOTIFY_METADATA_VERSION)
					continue;
				if (md->mask & FAN_Q_OVERFLOW)
					E.overflows++;
				if (md->fd < 0)
					continue;
				if (md->mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM)) {
					E.perm_events++;
					uint32_t r = decide(md);
					if (r == FAN_ALLOW)
						E.allowed++;
					respond(md->fd, r);
				}
				close(md->fd);
			}
		}
	}
	return NULL;
}

static int start_fanotify(bool quiet)
{
	/* FAN_REPORT_TID: the thread blocked in open, whose syscall tells
	 * the open flags */
	E.fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
			      O_RDONLY | O_LARGEFILE);
	if (E.fan < 0) {
		if (!quiet)
			fprintf(stderr, "mamori agent: enforce: fanotify_init: %s (exec/write denial needs root and "
					"CONFIG_FANOTIFY_ACCESS_PERMISSIONS)\n",
				strerror(errno));
		return -1;
	}
	E.fan_mask = 0;
	if (E.pol->any_exec || E.bl_protect)
		E.fan_mask |= FAN_OPEN_EXEC_PERM;
	if (E.pol->any_write)
		E.fan_mask |= FAN_OPEN_PERM;
	for (size_t i = 0; i < E.pol->n_wl; i++) {
		const struct mmr_rt_enforce_wl *w = &E.pol->wl[i];
		if (w->host && (w->has_allow_exec || w->n_deny_write)) {
			if (fanotify_mark(E.fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, E.fan_mask, AT_FDCWD, "/") < 0) {
				fprintf(stderr, "mamori agent: enforce: marking /: %s\n", strerror(errno));
				return -1;
			}
			E.marks++;
			E.host_root_marked = (E.fan_mask & FAN_OPEN_PERM) != 0;
			break;
		}
	}
	E.mountfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	scan_mounts();
	E.stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (E.stopfd < 0 || pthread_create(&E.thread, NULL, fan_thread, NULL) != 0) {
		fprintf(stderr, "mamori agent: enforce: cannot start the fanotify thread\n");
		close(E.fan);
		E.fan = -1;
		return -1;
	}
	E.thread_started = true;
	return 0;
}

static int enf_start(struct mmr_agent *ag)
{
	/* workloads the baseline module protects get their execs checked
	 * even without --enforce (an empty policy then) */
	E.bl_protect = mmr_agent_baseline_may_protect();
	if (!E.file && !E.bl_protect)
		return 0;
	E.ag = ag;
	E.dry_run = ag->dry_run;
	E.dedup.window_ns = mmr_agent_alert_dedup_ns();
	int rc;
	if (!E.file && !(E.pol = calloc(1, sizeof(*E.pol)))) {
		fprintf(stderr, "mamori agent: out of memory\n");
		return -1;
	}
	if (!E.pol)
		return -1;
	if (E.pol->any_connect) {
		rc = mmr_rt_enforce_net_open(E.pol, E.dry_run, &E.net, E.net_why, sizeof(E.net_why));
		if (rc < 0) {
			fprintf(stderr, "mamori agent: enforce: connect blocking cannot run: %s\n", E.net_why);
			return -1;
		}
	}
	if ((E.pol->any_exec || E.pol->any_write) && start_fanotify(false) < 0)
		return -1;
	if (E.bl_protect && E.fan < 0 && start_fanotify(true) < 0)
		fprintf(stderr, "mamori agent: enforce: baseline protect: fanotify permission events unavailable "
				"(%s): an exec outside a protected baseline is killed right after it instead\n",
			strerror(errno));
	if (!E.file) {
		fprintf(stderr, "mamori agent: enforce: baseline protect: execs outside the learned baseline %s%s\n",
			E.dry_run ? "reported (dry run)" : "denied", E.fan >= 0 ? " (fanotify)" : " (killed after exec)");
		return 0;
	}
	fprintf(stderr,
		"mamori agent: enforce: %zu workloads from %s%s; exec/write denial %s, connect blocking %s, "
		"kill_on %s\n",
		E.pol->n_wl, E.file, E.dry_run ? " (dry run: report only)" : "",
		E.fan >= 0 ? "fanotify" : "off", E.net ? "cgroup/connect4|6" : "off", E.pol->any_kill ? "on" : "off");
	return 0;
}

/* ---- main thread: alerts ---- */

/* An event standing for a process the enforcement acted on outside the
 * event stream (fanotify, connect programs), so the alert carries its
 * container like a rule alert does. Main thread only. */
static const struct mmr_rt_event *synth_event(int pid, const char *comm, const char *cid)
{
	static struct mmr_rt_event ev;
	static struct mmr_rt_proc proc;
	static struct mmr_rt_container cont;
	mmr_rt_event_init(&ev);
	memset(&proc, 0, sizeof(proc));
	proc.pid = proc.tid = pid;
	mmr_rt_strlcpy(proc.comm, comm, sizeof(proc.comm));
	ev.pid = ev.tid = pid;
	ev.proc = &proc;
	if (cid && cid[0]) {
		memset(&cont, 0, sizeof(cont));
		mmr_rt_strlcpy(cont.id, cid, sizeof(cont.id));
		mmr_rt_strlcpy(proc.container_id, cid, sizeof(proc.container_id));
		pthread_mutex_lock(&E.lock);
		for (size_t i = 0; i < META_MAX; i++)
			if (E.meta[i].known && strcmp(E.meta[i].id, cid) == 0) {
				mmr_rt_strlcpy(cont.name, E.meta[i].name, sizeof(cont.name));
				mmr_rt_strlcpy(cont.image, E.meta[i].image, sizeof(cont.image));
				break;
			}
		pthread_mutex_unlock(&E.lock);
		ev.container = &cont;
	}
	return &ev;
}

/* Raise an enforcement alert unless the same (dedup key) was raised within
 * the --alert-dedup window; fields are consumed either way. */
static void emit(const struct mmr_rt_event *ev, const char *rule, const char *output, json_t *fields,
		 const char *dedup_key)
{
	if (dedup_key && !mmr_rt_enforce_dedup_check(&E.dedup, dedup_key, E.ag->now_ns)) {
		json_decref(fields);
		return;
	}
	json_t *tags = json_pack("[sss]", "mamori", "enforcement", E.dry_run ? "dry_run" : "enforced");
	char *s = mmr_agent_alert_json(E.ag, rule, "Critical", output, fields, tags, ev);
	if (s) {
		mmr_agent_emit(E.ag, ev, s);
		free(s);
	}
}

static json_t *base_fields(int pid, const char *comm, const char *cid, int wl)
{
	json_t *f = json_object();
	json_object_set_new(f, "proc.pid", json_integer(pid));
	json_object_set_new(f, "proc.name", json_string(comm));
	json_object_set_new(f, "enforce.workload",
			    json_string(wl >= 0 && (size_t)wl < E.pol->n_wl ? E.pol->wl[wl].name : ""));
	json_object_set_new(f, "enforce.container_id", json_string(cid && cid[0] ? cid : "host"));
	json_object_set_new(f, "enforce.dry_run", json_boolean(E.dry_run));
	json_object_set_new(f, "enforce.policy", json_string(E.file ? E.file : "baseline"));
	return f;
}

static void drain_denials(void)
{
	for (;;) {
		struct denial d;
		pthread_mutex_lock(&E.lock);
		bool have = E.qlen > 0;
		if (have) {
			d = E.queue[E.qhead];
			E.qhead = (E.qhead + 1) % QUEUE_MAX;
			E.qlen--;
		}
		pthread_mutex_unlock(&E.lock);
		if (!have)
			return;
		json_t *f = base_fields(d.pid, d.comm, d.cid, d.wl);
		json_object_set_new(f, "fd.name", json_string(d.path));
		char out[3072], dk[MMR_RT_BL_KEY_MAX + 2 * MMR_RT_PATH_MAX + 64];
		const char *verb = d.dry_run ? "would be denied" : "denied";
		const char *wname = d.wl >= 0 ? E.pol->wl[d.wl].name : d.bl_key;
		snprintf(dk, sizeof(dk), "%s\x1f%s\x1f%s\x1f%s", d.kind == K_EXEC ? "exec" : "write", wname,
			 d.given[0] ? d.given : d.path, d.path);
		if (d.kind == K_EXEC && d.bl_key[0]) {
			const char *why = mmr_agent_bl_verdict_text(d.bl_verdict);
			json_object_set_new(f, "enforce.workload", json_string(d.bl_key));
			json_object_set_new(f, "enforce.reason", json_string("baseline"));
			json_object_set_new(f, "proc.exepath", json_string(d.given));
			json_object_set_new(f, "baseline.workload", json_string(d.bl_key));
			json_object_set_new(f, "baseline.mode", json_string("protect"));
			json_object_set_new(f, "baseline.kind", json_string("exec"));
			json_object_set_new(f, "baseline.item", json_string(d.given));
			json_object_set_new(f, "baseline.denied", json_boolean(d.bl_verdict == MMR_AGENT_BL_DENY_LISTED));
			json_object_set_new(f, "baseline.verdict", json_string(why));
			snprintf(out, sizeof(out),
				 "Exec %s (exe=%s file=%s process=%s pid=%d container=%.12s): %s of workload %s "
				 "(mode protect)",
				 verb, d.given, d.path, d.comm, d.pid, d.cid[0] ? d.cid : "host", why, d.bl_key);
			emit(synth_event(d.pid, d.comm, d.cid), "Enforcement: exec denied", out, f, dk);
		} else if (d.kind == K_EXEC) {
			json_object_set_new(f, "enforce.reason", json_string("allow_exec"));
			snprintf(out, sizeof(out), "Exec %s (file=%s process=%s pid=%d container=%.12s workload=%s)", verb,
				 d.path, d.comm, d.pid, d.cid[0] ? d.cid : "host", wname);
			emit(synth_event(d.pid, d.comm, d.cid), "Enforcement: exec denied", out, f, dk);
		} else {
			json_object_set_new(f, "enforce.reason", json_string("deny_write"));
			snprintf(out, sizeof(out), "Write %s (file=%s process=%s pid=%d container=%.12s workload=%s)",
				 verb, d.path, d.comm, d.pid, d.cid[0] ? d.cid : "host", wname);
			emit(synth_event(d.pid, d.comm, d.cid), "Enforcement: write denied", out, f, dk);
		}
	}
}

static void on_blocked(void *ud, const struct mmr_rt_enforce_blocked *b)
{
	(void)ud;
	E.connect_blocked++;
	char ip[INET6_ADDRSTRLEN] = "";
	if (b->family == 4)
		inet_ntop(AF_INET, b->ip + 12, ip, sizeof(ip));
	else
		inet_ntop(AF_INET6, b->ip, ip, sizeof(ip));
	char addr[80];
	snprintf(addr, sizeof(addr), b->family == 6 ? "[%s]:%u" : "%s:%u", ip, b->port);
	char cid[MMR_RT_CONTAINER_ID_MAX] = "";
	pthread_mutex_lock(&E.lock);
	for (size_t i = 0; i < META_MAX && !cid[0]; i++)
		if (E.meta[i].cgid == b->cgroup_id)
			mmr_rt_strlcpy(cid, E.meta[i].id, sizeof(cid));
	pthread_mutex_unlock(&E.lock);
	json_t *f = base_fields((int)b->pid, b->comm, cid, b->wl);
	json_object_set_new(f, "fd.sip", json_string(ip));
	json_object_set_new(f, "fd.sport", json_integer(b->port));
	json_object_set_new(f, "enforce.addr", json_string(addr));
	json_object_set_new(f, "enforce.cgroup_id", json_integer((json_int_t)b->cgroup_id));
	char out[512];
	snprintf(out, sizeof(out), "Connect %s (addr=%s process=%s pid=%u container=%.12s workload=%s)",
		 b->dry_run ? "would be blocked" : "blocked", addr, b->comm, b->pid, cid[0] ? cid : "host",
		 b->wl >= 0 && (size_t)b->wl < E.pol->n_wl ? E.pol->wl[b->wl].name : "");
	char dk[256];
	snprintf(dk, sizeof(dk), "connect\x1f%d\x1f%s\x1f%s", b->wl, cid, addr);
	emit(synth_event((int)b->pid, b->comm, cid), "Enforcement: connect blocked", out, f, dk);
}

/* A workload the baseline module protects may only run what it learned.
 * The fanotify thread denies the exec; an exec it could not judge (no
 * fanotify, the container's metadata not known yet, the protect view not
 * yet published) is killed right after the exec from here. */

/* SIGKILL pid for an alert (counted; only counted in dry-run) unless it is
 * protected or gone; comm gets its name. false: leave it alone. */
static bool kill_for_alert(int pid, char comm[16], bool *killed)
{
	int ppid = 0;
	*killed = false;
	if (proc_stat(pid, comm, &ppid) < 0 || pid_protected(pid, comm, ppid))
		return false;
	if (E.dry_run) {
		E.kill_dry++;
		return true;
	}
	if (kill(pid, SIGKILL) != 0)
		return false;
	*killed = true;
	E.killed++;
	return true;
}
static void baseline_exec(const struct mmr_rt_event *ev)
{
	if ((ev->type != MMR_RT_EVT_EXECVE && ev->type != MMR_RT_EVT_EXECVEAT) || ev->res != 0 || !ev->proc ||
	    ev->pid <= 0)
		return;
	if (E.fan >= 0 && E.bl_protect && was_checked(ev->pid, ev->tid))
		return;
	char key[MMR_RT_BL_KEY_MAX];
	mmr_agent_baseline_key(ev, key, sizeof(key));
	/* the name the process gave (absolute) and the file it resolved to */
	const struct mmr_rt_evt_arg *fa = mmr_rt_event_arg(ev, "filename");
	const char *names[2] = { fa && fa->value[0] == '/' ? fa->value : NULL, ev->proc->exepath };
	enum mmr_agent_bl_verdict v = mmr_agent_baseline_exec_verdict(key, names, 2);
	if (v == MMR_AGENT_BL_UNPROTECTED || v == MMR_AGENT_BL_ALLOWED)
		return;
	char comm[16] = "";
	bool killed = false;
	if (!kill_for_alert(ev->pid, comm, &killed))
		return;
	const char *cid = ev->container ? ev->container->id : "";
	json_t *f = base_fields(ev->pid, comm, cid, -1);
	json_object_set_new(f, "enforce.workload", json_string(key));
	json_object_set_new(f, "proc.exepath", json_string(ev->proc->exepath));
	char out[2048];
	json_object_set_new(f, "baseline.workload", json_string(key));
	json_object_set_new(f, "baseline.mode", json_string("protect"));
	snprintf(out, sizeof(out), "Exec outside the learned baseline %s (exe=%s pid=%d container=%.12s workload=%s)",
		 killed ? "killed" : "would be killed", ev->proc->exepath, ev->pid, cid[0] ? cid : "host", key);
	char dk[MMR_RT_BL_KEY_MAX + MMR_RT_PATH_MAX + 16];
	snprintf(dk, sizeof(dk), "blkill\x1f%s\x1f%s", key, ev->proc->exepath);
	emit(ev, "Enforcement: exec outside baseline", out, f, dk);
}

static void enf_event(struct mmr_agent *ag, const struct mmr_rt_event *ev)
{
	(void)ag;
	if (!E.pol)
		return;
	baseline_exec(ev);
	if (!ev->container || !ev->container->id[0])
		return;
	/* publish what the main loop knows of a container to the fanotify
	 * thread, and give its cgroup a workload for the connect programs */
	const struct mmr_rt_container *c = ev->container;
	bool need_cg = false;
	/* its baseline key as the baseline module files it (labels and the
	 * image repository known here, not to the fanotify thread) */
	char blkey[MMR_RT_BL_KEY_MAX] = "";
	if (E.bl_protect && (c->name[0] || c->image[0])) {
		pthread_mutex_lock(&E.lock);
		bool have = meta_slot(c->id)->bl_key_main;
		pthread_mutex_unlock(&E.lock);
		if (!have)
			mmr_agent_baseline_key(ev, blkey, sizeof(blkey));
	}
	pthread_mutex_lock(&E.lock);
	struct meta *m = meta_slot(c->id);
	if (!m->known && (c->name[0] || c->image[0])) {
		mmr_rt_strlcpy(m->name, c->name, sizeof(m->name));
		mmr_rt_strlcpy(m->image, c->image, sizeof(m->image));
		m->known = true;
	}
	if (blkey[0] && !m->bl_key_main) {
		mmr_rt_strlcpy(m->bl_key, blkey, sizeof(m->bl_key));
		m->bl_key_main = true;
	}
	need_cg = E.net && !m->cg_set && m->known;
	pthread_mutex_unlock(&E.lock);
	if (need_cg) {
		char cid[MMR_RT_CONTAINER_ID_MAX];
		workload_of_pid(ev->pid, cid, false, NULL);
	}
}

static void enf_alert(struct mmr_agent *ag, const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
		      const char *json)
{
	(void)ag;
	(void)json;
	if (!E.pol || !E.pol->any_kill || !rule || !ev || ev->pid <= 0)
		return;
	struct mmr_rt_enforce_subject s = { .host = !ev->container };
	char cgpath[1024] = "";
	if (mmr_rt_enforce_cgroup_of_pid(ev->pid, cgpath, sizeof(cgpath), NULL) == 0)
		s.cgroup = cgpath;
	if (ev->container) {
		s.container = ev->container->name[0] ? ev->container->name : NULL;
		s.image = ev->container->image[0] ? ev->container->image : NULL;
	}
	int wl = mmr_rt_enforce_match(E.pol, &s);
	if (wl < 0 || !mmr_rt_enforce_kill_on(&E.pol->wl[wl], rule->name, rule->tags, rule->ntags))
		return;
	char comm[16] = "";
	bool killed = false;
	if (!kill_for_alert(ev->pid, comm, &killed))
		return;
	const char *cid = ev->container ? ev->container->id : "";
	json_t *f = base_fields(ev->pid, comm, cid, wl);
	json_object_set_new(f, "enforce.trigger_rule", json_string(rule->name));
	char out[1024];
	snprintf(out, sizeof(out), "Process %s (rule=%s process=%s pid=%d container=%.12s workload=%s)",
		 killed ? "killed" : "would be killed", rule->name, comm, ev->pid, cid[0] ? cid : "host",
		 E.pol->wl[wl].name);
	char dk[1200];
	snprintf(dk, sizeof(dk), "kill\x1f%s\x1f%s\x1f%.64s", E.pol->wl[wl].name, rule->name, comm);
	emit(ev, "Enforcement: process killed", out, f, dk);
}

static void enf_tick(struct mmr_agent *ag)
{
	(void)ag;
	if (!E.pol)
		return;
	if (E.net)
		mmr_rt_enforce_net_poll(E.net, on_blocked, NULL);
	drain_denials();
}

static void enf_stats(struct mmr_agent *ag, json_t *o)
{
	(void)ag;
	if (!E.pol)
		return;
	json_t *s = json_object();
	json_object_set_new(s, "dry_run", json_boolean(E.dry_run));
	json_object_set_new(s, "fanotify_marks", json_integer((json_int_t)E.marks));
	json_object_set_new(s, "perm_events", json_integer((json_int_t)E.perm_events));
	json_object_set_new(s, "exec_denied", json_integer((json_int_t)E.exec_denied));
	json_object_set_new(s, "write_denied", json_integer((json_int_t)E.write_denied));
	json_object_set_new(s, "allowed_on_error", json_integer((json_int_t)E.errors_allowed));
	json_object_set_new(s, "queue_drops", json_integer((json_int_t)E.queue_drops));
	json_object_set_new(s, "connect_blocked", json_integer((json_int_t)E.connect_blocked));
	json_object_set_new(s, "killed", json_integer((json_int_t)E.killed));
	json_object_set_new(s, "kill_dry_run", json_integer((json_int_t)E.kill_dry));
	json_object_set_new(s, "baseline_protect", json_boolean(E.bl_protect));
	json_object_set_new(s, "baseline_checked", json_integer((json_int_t)E.bl_checked));
	json_object_set_new(s, "baseline_exec_denied", json_integer((json_int_t)E.bl_denied));
	json_object_set_new(s, "baseline_unjudged", json_integer((json_int_t)E.bl_unknown_exec));
	json_object_set_new(s, "alerts_suppressed", json_integer((json_int_t)E.dedup.suppressed));
	json_object_set_new(o, "enforce", s);
}

static void enf_stop(struct mmr_agent *ag)
{
	(void)ag;
	if (E.thread_started) {
		uint64_t one = 1;
		if (write(E.stopfd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(E.thread);
		pthread_join(E.thread, NULL);
		E.thread_started = false;
	}
	if (E.pol) {
		if (E.net)
			mmr_rt_enforce_net_poll(E.net, on_blocked, NULL);
		drain_denials();
	}
	/* closing the group removes every mark and allows what is pending */
	if (E.fan >= 0)
		close(E.fan);
	if (E.mountfd >= 0)
		close(E.mountfd);
	if (E.stopfd >= 0)
		close(E.stopfd);
	E.fan = E.mountfd = E.stopfd = -1;
	mmr_rt_enforce_net_free(E.net);
	E.net = NULL;
	mmr_rt_enforce_free(E.pol);
	E.pol = NULL;
}

const struct mmr_agent_module mmr_agent_mod_enforce = {
	.name = "enforce",
	.usage = "      --enforce FILE     enforcement policy (YAML): deny execs outside allow_exec and\n"
		 "                         writes below deny_write (fanotify), block connects\n"
		 "                         (deny_connect/allow_connect, cgroup eBPF), SIGKILL on\n"
		 "                         kill_on rule alerts; with --dry-run only report.\n"
		 "                         Baseline workloads in protect mode get execs outside\n"
		 "                         their learned baseline denied (fanotify) without it\n",
	.option = enf_option,
	.start = enf_start,
	.event = enf_event,
	.alert = enf_alert,
	.tick = enf_tick,
	.stats = enf_stats,
	.stop = enf_stop,
};
