/* runtime-sensor-cn.c - fallback event source: the netlink proc connector.
 *
 * Sees exec, fork and exit of every process (CAP_NET_ADMIN needed), nothing
 * else. Each notification becomes a bpf/sensor.h record filled from /proc
 * (comm, ids, argv, exe, cgroup); a process that is already gone when its
 * notification is read keeps only its pids. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "runtime/runtime-event.h"
#include "runtime/runtime-sensor.h"

struct mmr_rt_sensor_cn {
	int fd;
	uint64_t seq;
};

int mmr_rt_sensor_cn_fd(const struct mmr_rt_sensor_cn *c)
{
	return c ? c->fd : -1;
}

int mmr_rt_sensor_cn_open(struct mmr_rt_sensor_cn **ret, char *why, size_t whylen)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (fd < 0) {
		int e = errno;
		if (why && whylen)
			snprintf(why, whylen, "; proc connector: socket: %s", strerror(e));
		return -e;
	}
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg;
	memset(&msg, 0, sizeof(msg));
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (uint32_t)getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(enum proc_cn_mcast_op);
	msg.op = PROC_CN_MCAST_LISTEN;
	if (send(fd, &msg, sizeof(msg), 0) < 0)
		goto fail;
	struct mmr_rt_sensor_cn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	*ret = c;
	return 0;
fail:;
	int e = errno;
	close(fd);
	if (why && whylen)
		snprintf(why, whylen, "; proc connector: %s", strerror(e));
	return -e;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
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
	return n;
}

/* Header fields from /proc/PID (best effort). */
static void fill_hdr(struct mmr_rt_sensor_cn *c, struct mmr_sensor_hdr *h, uint32_t type, int pid,
		     int tid)
{
	mmr_rt_sensor_proc_hdr(h, type, pid, tid);
	h->seq = ++c->seq;
}

void mmr_rt_sensor_proc_hdr(struct mmr_sensor_hdr *h, uint32_t type, int pid, int tid)
{
	char path[64], buf[4096];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	h->type = type;
	h->pid = (uint32_t)pid;
	h->tid = (uint32_t)tid;
	h->loginuid = (uint32_t)-1;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = 0;
		mmr_rt_strlcpy(h->comm, buf, sizeof(h->comm));
	}
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		char *p = strstr(buf, "\nPPid:");
		if (p)
			h->ppid = (uint32_t)strtoul(p + 6, NULL, 10);
		p = strstr(buf, "\nUid:");
		if (p) {
			char *end;
			h->uid = (uint32_t)strtoul(p + 5, &end, 10);
			h->euid = (uint32_t)strtoul(end, NULL, 10);
		}
		p = strstr(buf, "\nGid:");
		if (p) {
			char *end;
			h->gid = (uint32_t)strtoul(p + 5, &end, 10);
			h->egid = (uint32_t)strtoul(end, NULL, 10);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
	if (read_small(path, buf, sizeof(buf)) > 0)
		h->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		/* the deepest path of any hierarchy: its last component */
		const char *best = NULL;
		size_t bestlen = 0;
		for (char *line = buf; line && *line;) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = 0;
			char *p = strchr(line, ':');
			p = p ? strchr(p + 1, ':') : NULL;
			if (p && strlen(p + 1) > bestlen) {
				best = p + 1;
				bestlen = strlen(best);
			}
			line = nl ? nl + 1 : NULL;
		}
		if (best) {
			const char *leaf = strrchr(best, '/');
			mmr_rt_strlcpy(h->cgroup, leaf ? leaf + 1 : best, sizeof(h->cgroup));
		}
	}
}

static int deliver(struct mmr_rt_sensor_cn *c, const struct proc_event *ev, mmr_rt_sensor_fn fn,
		   void *ctx)
{
	switch (ev->what) {
	case PROC_EVENT_EXEC: {
		struct mmr_sensor_exec *e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		int pid = ev->event_data.exec.process_tgid;
		fill_hdr(c, &e->h, MMR_SENSOR_EXEC, pid, ev->event_data.exec.process_pid);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		ssize_t n = readlink(path, e->filename, sizeof(e->filename) - 1);
		e->filename[n > 0 ? n : 0] = 0;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, e->args, sizeof(e->args));
			close(fd);
			if (n > 0) {
				e->args_len = (uint32_t)n;
				if ((size_t)n == sizeof(e->args))
					e->h.flags |= MMR_SENSOR_F_TRUNC;
				for (ssize_t i = 0; i < n; i++)
					e->args_count += e->args[i] == 0;
			}
		}
		int rc = fn(ctx, e, sizeof(*e));
		free(e);
		return rc;
	}
	case PROC_EVENT_FORK: {
		if (ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
			return 0; /* a thread */
		struct mmr_sensor_fork f;
		memset(&f, 0, sizeof(f));
		fill_hdr(c, &f.h, MMR_SENSOR_FORK, ev->event_data.fork.parent_tgid,
			 ev->event_data.fork.parent_pid);
		f.child_pid = (uint32_t)ev->event_data.fork.child_tgid;
		f.child_tid = (uint32_t)ev->event_data.fork.child_pid;
		f.h.ret = f.child_pid;
		return fn(ctx, &f, sizeof(f));
	}
	case PROC_EVENT_EXIT: {
		if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid)
			return 0;
		struct mmr_sensor_exit x;
		memset(&x, 0, sizeof(x));
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x.h.seq = ++c->seq;
		x.h.ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		x.h.type = MMR_SENSOR_EXIT;
		x.h.pid = (uint32_t)ev->event_data.exit.process_tgid;
		x.h.tid = (uint32_t)ev->event_data.exit.process_pid;
		x.h.loginuid = (uint32_t)-1;
		x.exit_code = (int32_t)ev->event_data.exit.exit_code;
		return fn(ctx, &x, sizeof(x));
	}
	default:
		return 0;
	}
}

int mmr_rt_sensor_cn_poll(struct mmr_rt_sensor_cn *c, int timeout_ms, mmr_rt_sensor_fn fn, void *ctx)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	int pr = poll(&pfd, 1, timeout_ms);
	if (pr < 0)
		return -errno;
	if (pr == 0)
		return 0;
	int delivered = 0;
	for (int round = 0; round < 256; round++) {
		char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) /* the kernel dropped notifications */
				continue;
			return delivered ? delivered : -errno;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_NOOP)
				continue;
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(struct proc_event)))
				continue;
			struct cn_msg *cn = NLMSG_DATA(nh);
			if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event))
				continue;
			/* cn->data sits 4 bytes off the 8-byte alignment proc_event
			 * needs (its timestamp is 64-bit): copy it out first */
			struct proc_event ev;
			memcpy(&ev, cn->data, sizeof(ev));
			int rc = deliver(c, &ev, fn, ctx);
			if (rc < 0)
				return rc;
			delivered++;
		}
	}
	return delivered;
}

void mmr_rt_sensor_cn_free(struct mmr_rt_sensor_cn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}
