/* runtime-proc.c - process table from /proc and the sensor's records; record
 * decoding into runtime events. See runtime-proc.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "bpf/sensor.h"
#include "core/core-buf.h"
#include "runtime/runtime-container.h"
#include "runtime/runtime-proc.h"

struct mmr_rt_fdent {
	int32_t pid;
	int32_t fd; /* -1 = empty */
	uint64_t start_ts;
	char typechar;
	uint8_t l4proto;
	bool local_is_server;
	struct mmr_rt_addr cip, sip;
	uint16_t cport, sport;
	char name[256];
};

struct mmr_rt_dnsent {
	struct mmr_rt_addr a; /* family 0 = empty */
	char name[MMR_RT_DNS_NAME_MAX];
};

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int mmr_rt_host_init(struct mmr_rt_host *h, size_t max_procs)
{
	memset(h, 0, sizeof(*h));
	h->procs = mmr_rt_proctab_new(max_procs);
	h->conts = mmr_rt_conttab_new(0);
	h->fdcache = calloc(MMR_RT_FDCACHE_N, sizeof(*h->fdcache));
	h->dnscache = calloc(MMR_RT_DNSCACHE_N, sizeof(*h->dnscache));
	if (h->fdcache)
		for (size_t i = 0; i < MMR_RT_FDCACHE_N; i++)
			h->fdcache[i].fd = -1;
	if (!h->procs || !h->conts || !h->fdcache || !h->dnscache) {
		mmr_rt_host_release(h);
		return -ENOMEM;
	}
	h->mono_to_epoch_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	h->resolve_containers = true;
	return 0;
}

void mmr_rt_host_release(struct mmr_rt_host *h)
{
	mmr_rt_proctab_free(h->procs);
	mmr_rt_conttab_free(h->conts);
	free(h->fdcache);
	free(h->dnscache);
	h->procs = NULL;
	h->conts = NULL;
	h->fdcache = NULL;
	h->dnscache = NULL;
}

/* ------------------------------------------------------------ fd and DNS caches */

static size_t fd_slot(int32_t pid, int64_t fd)
{
	uint64_t x = ((uint64_t)(uint32_t)pid << 32) ^ (uint64_t)fd;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)(x & (MMR_RT_FDCACHE_N - 1));
}

void mmr_rt_host_fd_put(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd,
			const struct mmr_rt_fd *v)
{
	if (!h->fdcache || !p || fd < 0 || fd > INT32_MAX || !v->typechar)
		return;
	struct mmr_rt_fdent *e = &h->fdcache[fd_slot(p->pid, fd)];
	e->pid = p->pid;
	e->fd = (int32_t)fd;
	e->start_ts = p->start_ts;
	e->typechar = v->typechar;
	e->l4proto = v->l4proto;
	e->local_is_server = v->local_is_server;
	e->cip = v->cip;
	e->sip = v->sip;
	e->cport = v->cport;
	e->sport = v->sport;
	mmr_rt_strlcpy(e->name, v->name, sizeof(e->name));
}

static struct mmr_rt_fdent *fd_find(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd)
{
	if (!h->fdcache || !p || fd < 0 || fd > INT32_MAX)
		return NULL;
	struct mmr_rt_fdent *e = &h->fdcache[fd_slot(p->pid, fd)];
	if (e->fd != fd || e->pid != p->pid || e->start_ts != p->start_ts)
		return NULL;
	return e;
}

bool mmr_rt_host_fd_get(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd,
			struct mmr_rt_fd *ret)
{
	struct mmr_rt_fdent *e = fd_find(h, p, fd);
	if (!e) {
		h->fd_misses++;
		return false;
	}
	h->fd_hits++;
	ret->num = fd;
	ret->typechar = e->typechar;
	ret->l4proto = e->l4proto;
	ret->local_is_server = e->local_is_server;
	ret->cip = e->cip;
	ret->sip = e->sip;
	ret->cport = e->cport;
	ret->sport = e->sport;
	mmr_rt_strlcpy(ret->name, e->name, sizeof(ret->name));
	return true;
}

void mmr_rt_host_fd_drop(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd)
{
	struct mmr_rt_fdent *e = fd_find(h, p, fd);
	if (e)
		e->fd = -1;
}

static size_t dns_slot(const struct mmr_rt_addr *a)
{
	uint32_t x = 2166136261u;
	for (int i = 0; i < 16; i++)
		x = (x ^ a->ip[i]) * 16777619u;
	return x & (MMR_RT_DNSCACHE_N - 1);
}

const char *mmr_rt_host_dns_name(const struct mmr_rt_host *h, const struct mmr_rt_addr *a)
{
	if (!h->dnscache || !a->family)
		return NULL;
	const struct mmr_rt_dnsent *e = &h->dnscache[dns_slot(a)];
	if (e->a.family && memcmp(e->a.ip, a->ip, 16) == 0)
		return e->name;
	return NULL;
}

static void dns_put(struct mmr_rt_host *h, const struct mmr_rt_addr *a, const char *name)
{
	if (!h->dnscache || !a->family || !name[0])
		return;
	struct mmr_rt_dnsent *e = &h->dnscache[dns_slot(a)];
	e->a = *a;
	mmr_rt_strlcpy(e->name, name, sizeof(e->name));
}

/* A name at msg[*off] (labels, compression pointers) into out (dotted) or
 * skipped (out NULL); *off moves past it. */
static int dns_name(const uint8_t *msg, size_t len, size_t *off, char *out, size_t outlen)
{
	size_t pos = *off, o = 0, end = 0;
	int jumps = 0;
	bool jumped = false;
	if (out && outlen)
		out[0] = 0;
	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > 16)
				return -EBADMSG;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = ((size_t)(l & 0x3f) << 8) | msg[pos + 1];
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG;
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > len || o + l + 1 > 255)
			return -EBADMSG;
		if (out && outlen) {
			for (uint8_t i = 0; i < l && o + 2 < outlen; i++) {
				char c = (char)msg[pos + 1 + i];
				out[o++] = (c >= 0x21 && c <= 0x7e) ? c : '?';
			}
			if (o + 1 < outlen)
				out[o++] = '.';
			out[o] = 0;
		} else {
			o += l + 1u;
		}
		pos += 1u + l;
	}
	if (out && o && out[o - 1] == '.')
		out[--o] = 0;
	*off = end;
	return 0;
}

int mmr_rt_dns_parse(const uint8_t *msg, size_t len, bool stream, char *qname, size_t qnamelen,
		     uint16_t *ret_qtype, struct mmr_rt_addr *addrs, unsigned max_addrs,
		     unsigned *ret_naddrs, bool *ret_response)
{
	if (stream) {
		if (len < 2)
			return -EBADMSG;
		msg += 2;
		len -= 2;
	}
	if (len < 12)
		return -EBADMSG;
	unsigned qd = (unsigned)(msg[4] << 8 | msg[5]), an = (unsigned)(msg[6] << 8 | msg[7]);
	if (qd == 0)
		return -EBADMSG;
	size_t off = 12;
	char name[MMR_RT_DNS_NAME_MAX];
	if (dns_name(msg, len, &off, name, sizeof(name)) < 0 || off + 4 > len)
		return -EBADMSG;
	uint16_t qtype = (uint16_t)(msg[off] << 8 | msg[off + 1]);
	off += 4;
	/* further questions (rare) are skipped */
	for (unsigned i = 1; i < qd && i < 16; i++) {
		if (dns_name(msg, len, &off, NULL, 0) < 0 || off + 4 > len)
			return -EBADMSG;
		off += 4;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < an && i < 64 && off < len; i++) {
		if (dns_name(msg, len, &off, NULL, 0) < 0 || off + 10 > len)
			break; /* a cut answer keeps what was read */
		uint16_t type = (uint16_t)(msg[off] << 8 | msg[off + 1]);
		size_t rdlen = (size_t)(msg[off + 8] << 8 | msg[off + 9]);
		off += 10;
		if (off + rdlen > len)
			break;
		if (n < max_addrs && ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))) {
			struct mmr_rt_addr *a = &addrs[n++];
			memset(a, 0, sizeof(*a));
			if (type == 1) {
				a->family = AF_INET;
				a->ip[10] = a->ip[11] = 0xff;
				memcpy(a->ip + 12, msg + off, 4);
			} else {
				a->family = AF_INET6;
				memcpy(a->ip, msg + off, 16);
			}
		}
		off += rdlen;
	}
	mmr_rt_strlcpy(qname, name, qnamelen);
	if (ret_qtype)
		*ret_qtype = qtype;
	if (ret_naddrs)
		*ret_naddrs = n;
	if (ret_response)
		*ret_response = (msg[2] & 0x80) != 0;
	return 0;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

static void read_link(int pid, const char *what, char *dst, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	ssize_t n = readlink(path, dst, size - 1);
	if (n < 0)
		return;
	dst[n] = 0;
}

static uint64_t status_hex(const char *status, const char *key)
{
	const char *p = strstr(status, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static void status_ids(const char *status, const char *key, uint32_t *real, uint32_t *eff)
{
	const char *p = strstr(status, key);
	if (!p)
		return;
	char *end;
	*real = (uint32_t)strtoul(p + strlen(key), &end, 10);
	*eff = (uint32_t)strtoul(end, NULL, 10);
}

/* Look uid up in a passwd file's text: the name, or false. */
bool mmr_rt_passwd_name(const char *text, size_t len, uint32_t uid, char *out, size_t size)
{
	const char *end = text + len;
	for (const char *l = text; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;
		/* name:password:uid:... */
		const char *c1 = memchr(l, ':', (size_t)(le - l));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
		if (c2 && c1 > l && (size_t)(c1 - l) < size) {
			uint64_t v = 0;
			const char *d = c2 + 1;
			while (d < le && *d >= '0' && *d <= '9' && v <= UINT32_MAX)
				v = v * 10 + (uint64_t)(*d++ - '0');
			if (d > c2 + 1 && d < le && *d == ':' && v == uid) {
				memcpy(out, l, (size_t)(c1 - l));
				out[c1 - l] = 0;
				return true;
			}
		}
		l = le + 1;
	}
	return false;
}

/* uid's name in the container pid runs in: its /etc/passwd, opened through
 * /proc/PID/root with RESOLVE_IN_ROOT so that a symlink the container made
 * resolves inside the container, never to a host file; 1 MiB at most. */
static bool container_user(int32_t pid, uint32_t uid, char *out, size_t size)
{
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return false;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, rfd, "etc/passwd", &how, sizeof(how));
	close(rfd);
	if (fd < 0)
		return false;
	char *buf = NULL;
	size_t len = 0;
	int rc = mmr_read_fd(fd, 1 << 20, &buf, &len);
	close(fd);
	bool ok = rc == 0 && mmr_rt_passwd_name(buf, len, uid, out, size);
	free(buf);
	return ok;
}

static void set_user(struct mmr_rt_proc *p)
{
	if (p->uid == 0) {
		mmr_rt_strlcpy(p->user, "root", sizeof(p->user));
		return;
	}
	p->user[0] = 0;
	if (p->container_id[0]) {
		/* the host's passwd does not name container users: the container's does */
		container_user(p->pid, p->uid, p->user, sizeof(p->user));
		return;
	}
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		mmr_rt_strlcpy(p->user, res->pw_name, sizeof(p->user));
}

static void set_cwd(struct mmr_rt_proc *p)
{
	char cwd[MMR_RT_PATH_MAX] = "";
	read_link(p->pid, "cwd", cwd, sizeof(cwd) - 1);
	size_t l = strlen(cwd);
	if (l && cwd[l - 1] != '/') {
		cwd[l] = '/';
		cwd[l + 1] = 0;
	}
	if (l)
		mmr_rt_strlcpy(p->cwd, cwd, sizeof(p->cwd));
}

/* A process in a container sees its own root: /proc/PID/exe and cwd read
 * from the host name the container's rootfs (e.g. .../overlay/X/merged/
 * bin/sh). Strip that root so paths read as inside the container. */
static void container_paths(struct mmr_rt_proc *p)
{
	if (!p->container_id[0])
		return;
	char root[MMR_RT_PATH_MAX] = "";
	read_link(p->pid, "root", root, sizeof(root));
	size_t l = strlen(root);
	if (l <= 1)
		return;
	char *paths[2] = { p->exepath, p->cwd };
	for (int i = 0; i < 2; i++) {
		char *x = paths[i];
		if (strncmp(x, root, l) == 0 && (x[l] == '/' || x[l] == 0)) {
			if (x[l] == 0)
				mmr_rt_strlcpy(x, "/", MMR_RT_PATH_MAX);
			else
				memmove(x, x + l, strlen(x + l) + 1);
		}
	}
}

static void set_container(struct mmr_rt_host *h, struct mmr_rt_proc *p, const char *id,
			  const char *runtime)
{
	mmr_rt_strlcpy(p->container_id, id, sizeof(p->container_id));
	if (id[0] && h->resolve_containers)
		mmr_rt_container_resolve(h->conts, id, runtime);
	else if (id[0] && !mmr_rt_conttab_get(h->conts, id))
		mmr_rt_conttab_upsert(h->conts, id);
}

int mmr_rt_proc_load(struct mmr_rt_host *h, int32_t pid, struct mmr_rt_proc **ret)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/* pid (comm) state ppid pgrp session tty_nr ... field 22 starttime */
	char *rp = strrchr(buf, ')');
	if (!rp)
		return -EBADMSG;
	char *lp = strchr(buf, '(');
	struct mmr_rt_proc *p = mmr_rt_proctab_upsert(h->procs, pid);
	if (lp && rp > lp) {
		size_t l = (size_t)(rp - lp - 1);
		if (l >= sizeof(p->comm))
			l = sizeof(p->comm) - 1;
		memcpy(p->comm, lp + 1, l);
		p->comm[l] = 0;
	}
	char state;
	int ppid = 0, pgrp = 0, sid = 0, tty = 0;
	unsigned long long start = 0;
	if (sscanf(rp + 2, "%c %d %d %d %d", &state, &ppid, &pgrp, &sid, &tty) == 5) {
		p->ppid = ppid;
		p->pgid = pgrp;
		p->sid = sid;
		p->tty = (uint32_t)tty;
		if (sid == pid)
			p->flags |= MMR_RT_PROC_SID_LEADER;
	}
	char *f = rp + 2;
	for (int i = 3; i < 22 && f; i++) {
		f = strchr(f, ' ');
		if (f)
			f++;
	}
	if (f)
		start = strtoull(f, NULL, 10);
	long hz = sysconf(_SC_CLK_TCK);
	int64_t boot = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	if (hz > 0)
		p->start_ts = (uint64_t)(boot + (int64_t)(start * (1000000000ull / (unsigned long long)hz)));
	p->tid = pid;
	p->vpid = pid;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		status_ids(buf, "\nUid:", &p->uid, &p->euid);
		status_ids(buf, "\nGid:", &p->gid, &p->egid);
		p->cap_effective = status_hex(buf, "\nCapEff:");
		p->cap_permitted = status_hex(buf, "\nCapPrm:");
		p->cap_inheritable = status_hex(buf, "\nCapInh:");
		const char *ns = strstr(buf, "\nNSpid:");
		if (ns) {
			const char *e = strchr(ns + 1, '\n');
			const char *last = ns + 7;
			for (const char *q = ns + 7; e ? q < e : *q; q++)
				if (*q == '\t' || *q == ' ')
					last = q + 1;
			p->vpid = (int32_t)strtol(last, NULL, 10);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
	p->loginuid = (uint32_t)-1;
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	ssize_t n = read_file(path, buf, sizeof(buf));
	if (n > 0)
		mmr_rt_proc_set_cmdline(p, buf, (size_t)n);
	read_link(pid, "exe", p->exepath, sizeof(p->exepath));
	set_cwd(p);
	char id[MMR_RT_CONTAINER_ID_MAX] = "";
	const char *rt = "";
	if (mmr_rt_container_id_of_pid(pid, id, &rt) != 1)
		id[0] = 0;
	set_container(h, p, id, rt);
	container_paths(p);
	set_user(p);
	if (ret)
		*ret = p;
	return 0;
}

int mmr_rt_proc_seed(struct mmr_rt_host *h)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	int count = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > 0x7fffffff)
			continue;
		if (mmr_rt_proc_load(h, (int32_t)pid, NULL) == 0)
			count++;
	}
	closedir(d);
	return count;
}

/* ------------------------------------------------------------ decoding */

static void arg_str(struct mmr_rt_event *ev, const char *name, const char *v)
{
	mmr_rt_event_add_arg(ev, name, v, 0, false);
}

/* The next argument slot, its value empty; NULL when full. The decoder
 * writes values in place (no snprintf, no intermediate buffer): it runs
 * for every event, at up to a few hundred thousand a second. */
static struct mmr_rt_evt_arg *arg_slot(struct mmr_rt_event *ev, const char *name, int64_t num)
{
	if (ev->nargs >= MMR_RT_EVT_ARGS_N)
		return NULL;
	struct mmr_rt_evt_arg *a = &ev->args[ev->nargs++];
	mmr_rt_strlcpy(a->name, name, sizeof(a->name));
	a->value[0] = 0;
	a->num = num;
	a->has_num = true;
	return a;
}

/* Decimal form of v into out (>= 21 bytes), NUL-terminated; its length. */
static size_t fmt_i64(char *out, int64_t v)
{
	char tmp[24];
	size_t n = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	size_t o = 0;
	if (v < 0)
		out[o++] = '-';
	while (n)
		out[o++] = tmp[--n];
	out[o] = 0;
	return o;
}

static void arg_num(struct mmr_rt_event *ev, const char *name, int64_t v)
{
	struct mmr_rt_evt_arg *a = arg_slot(ev, name, v);
	if (a)
		fmt_i64(a->value, v);
}

struct flagname {
	uint64_t bit;
	const char *name;
};

static void arg_flags(struct mmr_rt_event *ev, const char *name, uint64_t v,
		      const struct flagname *tab, const char *zero)
{
	struct mmr_rt_evt_arg *a = arg_slot(ev, name, (int64_t)v);
	if (!a)
		return;
	char *buf = a->value;
	size_t off = 0;
	if (zero && *zero)
		off = mmr_rt_strlcpy(buf, zero, sizeof(a->value));
	for (size_t i = 0; tab[i].name; i++)
		if (v & tab[i].bit) {
			size_t l = strlen(tab[i].name);
			if (off + (off ? 1 : 0) + l >= sizeof(a->value))
				continue; /* does not fit: left out whole */
			if (off)
				buf[off++] = '|';
			memcpy(buf + off, tab[i].name, l + 1);
			off += l;
		}
}

static const struct flagname open_flags[] = {
	{ 0100, "O_CREAT" },      { 0200, "O_EXCL" },       { 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },     { 02000, "O_APPEND" },    { 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },    { 040000, "O_DIRECT" },   { 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" }, { 01000000, "O_NOATIME" },
	{ 02000000, "O_CLOEXEC" }, { 04000000, "O_SYNC" },  { 010000000, "O_PATH" },
	{ 020000000, "O_TMPFILE" },
	{ 0, NULL },
};

static const struct flagname clone_flags[] = {
	{ 0x00020000, "CLONE_NEWNS" },   { 0x02000000, "CLONE_NEWCGROUP" },
	{ 0x04000000, "CLONE_NEWUTS" },  { 0x08000000, "CLONE_NEWIPC" },
	{ 0x10000000, "CLONE_NEWUSER" }, { 0x20000000, "CLONE_NEWPID" },
	{ 0x40000000, "CLONE_NEWNET" },  { 0x00000080, "CLONE_NEWTIME" },
	{ 0x00000200, "CLONE_FILES" },   { 0x00000400, "CLONE_FS" },
	{ 0, NULL },
};

static const char *ptrace_req(uint64_t r)
{
	switch (r) {
	case 0: return "PTRACE_TRACEME";
	case 4: return "PTRACE_POKETEXT";
	case 5: return "PTRACE_POKEDATA";
	case 6: return "PTRACE_POKEUSR";
	case 13: return "PTRACE_SETREGS";
	case 16: return "PTRACE_ATTACH";
	case 0x4206: return "PTRACE_SEIZE";
	default: return "PTRACE_OTHER";
	}
}

static const char *bpf_cmd(uint64_t c)
{
	switch (c) {
	case 5: return "BPF_PROG_LOAD";
	case 8: return "BPF_PROG_ATTACH";
	case 17: return "BPF_RAW_TRACEPOINT_OPEN";
	case 28: return "BPF_LINK_CREATE";
	default: return "BPF_OTHER";
	}
}

/* socket() domain as Falco renders evt.arg.domain (its socket_families
 * table: "AF_INET", "AF_PACKET", ...); "AF_UNKNOWN" otherwise. */
static const char *sock_domain(uint64_t d)
{
	static const char *const names[] = {
		[0] = "AF_UNSPEC",     [1] = "AF_UNIX",      [2] = "AF_INET",     [3] = "AF_AX25",
		[4] = "AF_IPX",        [5] = "AF_APPLETALK", [6] = "AF_NETROM",   [7] = "AF_BRIDGE",
		[8] = "AF_ATMPVC",     [9] = "AF_X25",       [10] = "AF_INET6",   [11] = "AF_ROSE",
		[12] = "AF_DECnet",    [13] = "AF_NETBEUI",  [14] = "AF_SECURITY", [15] = "AF_KEY",
		[16] = "AF_NETLINK",   [17] = "AF_PACKET",   [18] = "AF_ASH",     [19] = "AF_ECONET",
		[20] = "AF_ATMSVC",    [21] = "AF_RDS",      [22] = "AF_SNA",     [23] = "AF_IRDA",
		[24] = "AF_PPPOX",     [25] = "AF_WANPIPE",  [26] = "AF_LLC",     [27] = "AF_IB",
		[28] = "AF_MPLS",      [29] = "AF_CAN",      [30] = "AF_TIPC",    [31] = "AF_BLUETOOTH",
		[32] = "AF_IUCV",      [33] = "AF_RXRPC",    [34] = "AF_ISDN",    [35] = "AF_PHONET",
		[36] = "AF_IEEE802154", [37] = "AF_CAIF",    [38] = "AF_ALG",     [39] = "AF_NFC",
		[40] = "AF_VSOCK",     [41] = "AF_KCM",      [42] = "AF_QIPCRTR", [43] = "AF_SMC",
		[44] = "AF_XDP",       [45] = "AF_MCTP",
	};
	return d < sizeof(names) / sizeof(names[0]) && names[d] ? names[d] : "AF_UNKNOWN";
}

/* socket() type (the low 4 bits; SOCK_NONBLOCK/SOCK_CLOEXEC left out). */
static const char *sock_type(uint64_t t)
{
	switch (t & 0xf) {
	case 1: return "SOCK_STREAM";
	case 2: return "SOCK_DGRAM";
	case 3: return "SOCK_RAW";
	case 4: return "SOCK_RDM";
	case 5: return "SOCK_SEQPACKET";
	case 6: return "SOCK_DCCP";
	case 10: return "SOCK_PACKET";
	default: return "SOCK_UNKNOWN";
	}
}

static const struct flagname uffd_flags[] = {
	{ 02000000, "O_CLOEXEC" }, { 04000, "O_NONBLOCK" }, { 1, "UFFD_USER_MODE_ONLY" },
	{ 0, NULL },
};

/* Absolute form of path (relative to dirfd of pid, or the process's cwd). */
static void resolve_path(const struct mmr_rt_proc *p, int32_t pid, int64_t dirfd, const char *path,
			 char *out, size_t size)
{
	if (path[0] == '/' || !path[0]) {
		mmr_rt_strlcpy(out, path, size);
		return;
	}
	char base[MMR_RT_PATH_MAX] = "";
	if (dirfd == -100) {
		if (p)
			mmr_rt_strlcpy(base, p->cwd, sizeof(base));
	} else if (dirfd >= 0) {
		char what[32];
		snprintf(what, sizeof(what), "fd/%lld", (long long)dirfd);
		read_link(pid, what, base, sizeof(base) - 1);
		size_t l = strlen(base);
		if (l && base[l - 1] != '/') {
			base[l] = '/';
			base[l + 1] = 0;
		}
	}
	if (!base[0]) {
		mmr_rt_strlcpy(out, path, size);
		return;
	}
	const char *rel = path;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	size_t bl = mmr_rt_strlcpy(out, base, size);
	if (bl < size)
		mmr_rt_strlcpy(out + bl, rel, size - bl);
}

static void addr_set(struct mmr_rt_addr *a, uint16_t family, const uint8_t *raw)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	if (family == AF_INET) {
		a->ip[10] = 0xff;
		a->ip[11] = 0xff;
		memcpy(a->ip + 12, raw, 4);
	} else if (family == AF_INET6) {
		memcpy(a->ip, raw, 16);
	}
}

static int addr_fmt(char *out, size_t size, uint16_t family, const uint8_t *raw, uint16_t port)
{
	if (family == AF_INET)
		return snprintf(out, size, "%u.%u.%u.%u:%u", raw[0], raw[1], raw[2], raw[3], port);
	char s[64];
	size_t o = 0;
	for (int i = 0; i < 16; i += 2)
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%s%x", i ? ":" : "", (raw[i] << 8) | raw[i + 1]);
	return snprintf(out, size, "%s:%u", s, port);
}

static void tuple_fmt(char *out, size_t size, const struct mmr_sensor_tuple *tu)
{
	char local[80], remote[80];
	addr_fmt(local, sizeof(local), tu->family, tu->laddr, tu->lport);
	addr_fmt(remote, sizeof(remote), tu->family, tu->raddr, tu->rport);
	/* a cut tuple is still shown (fd.name is bounded) */
	if (snprintf(out, size, "%s->%s", local, remote) < 0)
		out[0] = 0;
}

static void decode_dns(struct mmr_rt_host *h, struct mmr_rt_event *ev, const struct mmr_sensor_dns *d)
{
	struct mmr_rt_fd *fd = &ev->fd;
	bool answer = d->h.flags & MMR_SENSOR_F_ANSWER;
	ev->type = MMR_RT_EVT_DNS;
	fd->num = d->fd;
	fd->typechar = d->t.family == AF_INET ? '4' : d->t.family == AF_INET6 ? '6' : 'o';
	fd->l4proto = d->t.sock_type == SOCK_STREAM ? MMR_RT_L4_TCP : MMR_RT_L4_UDP;
	fd->connected = true;
	addr_set(&fd->cip, d->t.family, d->t.laddr);
	fd->cport = d->t.lport;
	addr_set(&fd->sip, d->t.family, d->t.raddr);
	fd->sport = d->t.rport;
	tuple_fmt(fd->name, sizeof(fd->name), &d->t);
	char qname[MMR_RT_DNS_NAME_MAX] = "";
	uint16_t qtype = 0;
	struct mmr_rt_addr addrs[8];
	unsigned naddrs = 0;
	bool response = false;
	size_t len = d->len < sizeof(d->data) ? d->len : sizeof(d->data);
	int rc = mmr_rt_dns_parse(d->data, len, d->t.sock_type == SOCK_STREAM, qname, sizeof(qname), &qtype,
				  addrs, 8, &naddrs, &response);
	arg_str(ev, "dir", answer ? "answer" : "query");
	arg_str(ev, "name", rc == 0 ? qname : "");
	if (rc == 0) {
		const char *qt = qtype == 1 ? "A" : qtype == 28 ? "AAAA" : qtype == 5 ? "CNAME" : qtype == 12 ? "PTR"
			       : qtype == 15 ? "MX" : qtype == 16 ? "TXT" : qtype == 33 ? "SRV" : NULL;
		char num[16];
		if (!qt) {
			snprintf(num, sizeof(num), "%u", qtype);
			qt = num;
		}
		mmr_rt_event_add_arg(ev, "qtype", qt, qtype, true);
	}
	if (answer && rc == 0 && response) {
		char list[MMR_RT_EVT_ARGVAL_MAX] = "";
		size_t off = 0;
		for (unsigned i = 0; i < naddrs; i++) {
			dns_put(h, &addrs[i], qname);
			char ip[80];
			const uint8_t *raw = addrs[i].family == AF_INET ? addrs[i].ip + 12 : addrs[i].ip;
			addr_fmt(ip, sizeof(ip), addrs[i].family, raw, 0);
			ip[strlen(ip) - 2] = 0; /* drop ":0" */
			int w = snprintf(list + off, sizeof(list) - off, "%s%s", off ? "," : "", ip);
			if (w > 0 && (size_t)w < sizeof(list) - off)
				off += (size_t)w;
		}
		arg_str(ev, "answers", list);
		h->dns_answers++;
	} else if (!answer) {
		h->dns_queries++;
	}
	if (rc == 0)
		mmr_rt_strlcpy(fd->sip_name, qname, sizeof(fd->sip_name));
}

static void decode_net(struct mmr_rt_host *h, struct mmr_rt_event *ev, const struct mmr_sensor_net *n,
		       const struct mmr_rt_proc *p)
{
	struct mmr_rt_fd *fd = &ev->fd;
	uint32_t nr = n->h.syscall;
	bool accept = nr == MMR_NR_accept || nr == MMR_NR_accept4;
	fd->num = accept ? (n->h.ret >= 0 ? n->h.ret : -1) : n->fd;
	fd->typechar = n->family == AF_INET ? '4' : n->family == AF_INET6 ? '6' : n->family == AF_UNIX ? 'u' : 'o';
	fd->l4proto = n->sock_type == SOCK_STREAM ? MMR_RT_L4_TCP : n->sock_type == SOCK_DGRAM ? MMR_RT_L4_UDP : MMR_RT_L4_NONE;
	char local[80], remote[80];
	addr_fmt(local, sizeof(local), n->family, n->laddr, n->lport);
	addr_fmt(remote, sizeof(remote), n->family, n->addr, n->port);
	switch (nr) {
	case MMR_NR_connect:
		ev->type = MMR_RT_EVT_CONNECT;
		addr_set(&fd->cip, n->family, n->laddr);
		fd->cport = n->lport;
		addr_set(&fd->sip, n->family, n->addr);
		fd->sport = n->port;
		fd->connected = n->h.ret == 0 || n->h.ret == -115; /* EINPROGRESS */
		snprintf(fd->name, sizeof(fd->name), "%s->%s", local, remote);
		{
			const char *dn = mmr_rt_host_dns_name(h, &fd->sip);
			if (dn)
				mmr_rt_strlcpy(fd->sip_name, dn, sizeof(fd->sip_name));
		}
		arg_num(ev, "fd", n->fd);
		arg_str(ev, "addr", remote);
		arg_str(ev, "tuple", fd->name);
		if (fd->connected)
			mmr_rt_host_fd_put(h, p, n->fd, fd);
		break;
	case MMR_NR_accept: case MMR_NR_accept4:
		ev->type = nr == MMR_NR_accept ? MMR_RT_EVT_ACCEPT : MMR_RT_EVT_ACCEPT4;
		fd->local_is_server = true;
		fd->connected = n->h.ret >= 0;
		addr_set(&fd->sip, n->family, n->laddr);
		fd->sport = n->lport;
		addr_set(&fd->cip, n->family, n->addr);
		fd->cport = n->port;
		snprintf(fd->name, sizeof(fd->name), "%s->%s", remote, local);
		arg_num(ev, "fd", fd->num);
		arg_str(ev, "tuple", fd->name);
		mmr_rt_host_fd_put(h, p, fd->num, fd);
		break;
	case MMR_NR_dup: case MMR_NR_dup2: case MMR_NR_dup3:
	case MMR_NR_close: {
		bool close = nr == MMR_NR_close;
		ev->type = close ? MMR_RT_EVT_CLOSE : nr == MMR_NR_dup ? MMR_RT_EVT_DUP
			   : nr == MMR_NR_dup2 ? MMR_RT_EVT_DUP2 : MMR_RT_EVT_DUP3;
		/* the socket's role (client/server) from the fd cache: the old
		 * fd's connect/accept; else the local end is the client */
		struct mmr_rt_fd known;
		memset(&known, 0, sizeof(known));
		bool have = mmr_rt_host_fd_get(h, p, n->fd, &known);
		fd->num = close ? n->fd : n->h.ret;
		fd->connected = true;
		fd->local_is_server = have && known.local_is_server;
		if (fd->local_is_server) {
			addr_set(&fd->sip, n->family, n->laddr);
			fd->sport = n->lport;
			addr_set(&fd->cip, n->family, n->addr);
			fd->cport = n->port;
			snprintf(fd->name, sizeof(fd->name), "%s->%s", remote, local);
		} else {
			addr_set(&fd->cip, n->family, n->laddr);
			fd->cport = n->lport;
			addr_set(&fd->sip, n->family, n->addr);
			fd->sport = n->port;
			snprintf(fd->name, sizeof(fd->name), "%s->%s", local, remote);
		}
		const char *dn = mmr_rt_host_dns_name(h, &fd->sip);
		if (dn)
			mmr_rt_strlcpy(fd->sip_name, dn, sizeof(fd->sip_name));
		if (close) {
			arg_num(ev, "fd", n->fd);
			mmr_rt_host_fd_drop(h, p, n->fd);
		} else {
			arg_num(ev, "oldfd", n->fd);
			if (nr != MMR_NR_dup)
				arg_num(ev, "newfd", n->backlog);
			mmr_rt_host_fd_put(h, p, n->h.ret, fd);
		}
		break;
	}
	case MMR_NR_listen:
		ev->type = MMR_RT_EVT_LISTEN;
		fd->local_is_server = true;
		addr_set(&fd->sip, n->family, n->laddr);
		fd->sport = n->lport;
		snprintf(fd->name, sizeof(fd->name), "%s", local);
		arg_num(ev, "fd", n->fd);
		arg_num(ev, "backlog", n->backlog);
		break;
	default:
		ev->type = MMR_RT_EVT_BIND;
		fd->local_is_server = true;
		addr_set(&fd->sip, n->family, n->addr);
		fd->sport = n->port;
		snprintf(fd->name, sizeof(fd->name), "%s", remote);
		arg_num(ev, "fd", n->fd);
		arg_str(ev, "addr", remote);
		break;
	}
}

static void decode_file(struct mmr_rt_host *h, struct mmr_rt_event *ev, const struct mmr_sensor_file *f,
			const struct mmr_rt_proc *p)
{
	char abs[MMR_RT_PATH_MAX], abs2[MMR_RT_PATH_MAX];
	int32_t pid = (int32_t)f->h.pid;
	uint32_t nr = f->h.syscall;
	resolve_path(p, pid, nr == MMR_NR_symlinkat || nr == MMR_NR_symlink ? -1 : f->dirfd, f->path, abs, sizeof(abs));
	int64_t dir2 = (nr == MMR_NR_renameat || nr == MMR_NR_renameat2 || nr == MMR_NR_linkat) ? (int64_t)f->a0
		       : nr == MMR_NR_symlinkat ? f->dirfd : -100;
	resolve_path(p, pid, dir2, f->path2, abs2, sizeof(abs2));
	struct mmr_rt_fd *fd = &ev->fd;
	switch (f->h.type) {
	case MMR_SENSOR_OPEN:
		ev->type = nr == MMR_NR_open ? MMR_RT_EVT_OPEN : nr == MMR_NR_creat ? MMR_RT_EVT_CREAT
			   : nr == MMR_NR_openat2 ? MMR_RT_EVT_OPENAT2 : MMR_RT_EVT_OPENAT;
		fd->num = f->h.ret >= 0 ? f->h.ret : -1;
		fd->typechar = (f->a0 & 0200000) ? 'd' : 'f';
		fd->open_flags = (uint32_t)f->a0;
		mmr_rt_strlcpy(fd->name, abs, sizeof(fd->name));
		if (strcmp(abs, f->path) != 0)
			mmr_rt_strlcpy(fd->nameraw, f->path, sizeof(fd->nameraw));
		arg_num(ev, "fd", f->h.ret);
		arg_str(ev, "name", abs);
		{
			uint64_t acc = f->a0 & 3;
			arg_flags(ev, "flags", f->a0, open_flags,
				  acc == 0 ? "O_RDONLY" : acc == 1 ? "O_WRONLY" : "O_RDWR");
		}
		arg_num(ev, "mode", (int64_t)f->a1);
		if (nr != MMR_NR_open && nr != MMR_NR_creat)
			arg_num(ev, "dirfd", f->dirfd);
		if (!(f->h.flags & MMR_SENSOR_F_FANOTIFY))
			mmr_rt_host_fd_put(h, p, fd->num, fd);
		return;
	case MMR_SENSOR_UNLINK:
		ev->type = nr == MMR_NR_unlink ? MMR_RT_EVT_UNLINK : MMR_RT_EVT_UNLINKAT;
		if (nr == MMR_NR_unlinkat && (f->a0 & 0x200))
			ev->type = MMR_RT_EVT_UNLINKAT; /* AT_REMOVEDIR: still unlinkat */
		arg_str(ev, nr == MMR_NR_unlink ? "path" : "name", abs);
		if (nr == MMR_NR_unlinkat)
			arg_num(ev, "flags", (int64_t)f->a0);
		break;
	case MMR_SENSOR_RENAME:
		ev->type = nr == MMR_NR_rename ? MMR_RT_EVT_RENAME : nr == MMR_NR_renameat ? MMR_RT_EVT_RENAMEAT : MMR_RT_EVT_RENAMEAT2;
		arg_str(ev, "oldpath", abs);
		arg_str(ev, "newpath", abs2);
		break;
	case MMR_SENSOR_LINK:
		ev->type = nr == MMR_NR_link ? MMR_RT_EVT_LINK : MMR_RT_EVT_LINKAT;
		arg_str(ev, "oldpath", abs);
		arg_str(ev, "newpath", abs2);
		break;
	case MMR_SENSOR_SYMLINK:
		ev->type = nr == MMR_NR_symlink ? MMR_RT_EVT_SYMLINK : MMR_RT_EVT_SYMLINKAT;
		arg_str(ev, "target", f->path);
		arg_str(ev, "linkpath", abs2);
		mmr_rt_strlcpy(fd->name, abs2, sizeof(fd->name));
		return;
	case MMR_SENSOR_MKDIR:
		ev->type = nr == MMR_NR_mkdir ? MMR_RT_EVT_MKDIR : MMR_RT_EVT_MKDIRAT;
		arg_str(ev, "path", abs);
		arg_num(ev, "mode", (int64_t)f->a0);
		break;
	case MMR_SENSOR_CHMOD:
		ev->type = nr == MMR_NR_chmod ? MMR_RT_EVT_CHMOD : nr == MMR_NR_fchmod ? MMR_RT_EVT_FCHMOD : MMR_RT_EVT_FCHMODAT;
		if (nr == MMR_NR_fchmod) {
			char what[32];
			fd->num = f->dirfd;
			abs[0] = 0;
			struct mmr_rt_fd known;
			if (mmr_rt_host_fd_get(h, p, f->dirfd, &known) && known.typechar == 'f') {
				mmr_rt_strlcpy(abs, known.name, sizeof(abs));
			} else {
				snprintf(what, sizeof(what), "fd/%lld", (long long)f->dirfd);
				read_link(pid, what, abs, sizeof(abs)); /* fchmod has no path */
			}
			arg_num(ev, "fd", f->dirfd);
		} else {
			arg_str(ev, "filename", abs);
		}
		arg_num(ev, "mode", (int64_t)f->a0);
		break;
	case MMR_SENSOR_CHOWN:
		ev->type = nr == MMR_NR_chown ? MMR_RT_EVT_CHOWN : nr == MMR_NR_lchown ? MMR_RT_EVT_LCHOWN
			   : nr == MMR_NR_fchown ? MMR_RT_EVT_FCHOWN : MMR_RT_EVT_FCHOWNAT;
		if (nr == MMR_NR_fchown) {
			fd->num = f->dirfd;
			arg_num(ev, "fd", f->dirfd);
		} else {
			arg_str(ev, nr == MMR_NR_fchownat ? "pathname" : "path", abs);
		}
		arg_num(ev, "uid", (int64_t)f->a0);
		arg_num(ev, "gid", (int64_t)f->a1);
		break;
	case MMR_SENSOR_SETUID:
		ev->type = nr == MMR_NR_setuid ? MMR_RT_EVT_SETUID : nr == MMR_NR_setreuid ? MMR_RT_EVT_SETREUID : MMR_RT_EVT_SETRESUID;
		arg_num(ev, nr == MMR_NR_setuid ? "uid" : "euid", (int64_t)(uint32_t)f->a0);
		if (nr != MMR_NR_setuid)
			arg_num(ev, "ruid", (int64_t)(uint32_t)f->a1);
		return;
	case MMR_SENSOR_SETGID:
		ev->type = nr == MMR_NR_setgid ? MMR_RT_EVT_SETGID : nr == MMR_NR_setregid ? MMR_RT_EVT_SETREGID : MMR_RT_EVT_SETRESGID;
		arg_num(ev, nr == MMR_NR_setgid ? "gid" : "egid", (int64_t)(uint32_t)f->a0);
		if (nr != MMR_NR_setgid)
			arg_num(ev, "rgid", (int64_t)(uint32_t)f->a1);
		return;
	case MMR_SENSOR_CAPSET: {
		ev->type = MMR_RT_EVT_CAPSET;
		char b[32];
		snprintf(b, sizeof(b), "0x%llx", (unsigned long long)f->a1);
		mmr_rt_event_add_arg(ev, "cap_effective", b, (int64_t)f->a1, true);
		snprintf(b, sizeof(b), "0x%llx", (unsigned long long)f->a2);
		mmr_rt_event_add_arg(ev, "cap_permitted", b, (int64_t)f->a2, true);
		arg_num(ev, "pid", (int64_t)f->a0);
		return;
	}
	case MMR_SENSOR_PTRACE:
		ev->type = MMR_RT_EVT_PTRACE;
		mmr_rt_event_add_arg(ev, "request", ptrace_req(f->a0), (int64_t)f->a0, true);
		arg_num(ev, "pid", (int64_t)f->a1);
		return;
	case MMR_SENSOR_MODULE:
		ev->type = nr == MMR_NR_init_module ? MMR_RT_EVT_INIT_MODULE : MMR_RT_EVT_FINIT_MODULE;
		if (nr == MMR_NR_finit_module) {
			fd->num = f->dirfd;
			arg_num(ev, "fd", f->dirfd);
		} else {
			arg_num(ev, "length", (int64_t)f->a0);
		}
		arg_str(ev, "uargs", f->path);
		return;
	case MMR_SENSOR_MOUNT:
		ev->type = MMR_RT_EVT_MOUNT;
		arg_str(ev, "dev", f->path);
		arg_str(ev, "dir", abs2);
		arg_str(ev, "type", f->aux);
		arg_num(ev, "flags", (int64_t)f->a0);
		return;
	case MMR_SENSOR_UNSHARE:
		ev->type = MMR_RT_EVT_UNSHARE;
		arg_flags(ev, "flags", f->a0, clone_flags, NULL);
		return;
	case MMR_SENSOR_SETNS:
		ev->type = MMR_RT_EVT_SETNS;
		fd->num = f->dirfd;
		arg_num(ev, "fd", f->dirfd);
		arg_flags(ev, "nstype", f->a0, clone_flags, NULL);
		return;
	case MMR_SENSOR_BPF:
		ev->type = MMR_RT_EVT_BPF;
		mmr_rt_event_add_arg(ev, "cmd", bpf_cmd(f->a0), (int64_t)f->a0, true);
		return;
	case MMR_SENSOR_MEMFD:
		ev->type = MMR_RT_EVT_MEMFD_CREATE;
		fd->num = f->h.ret >= 0 ? f->h.ret : -1;
		fd->typechar = 'm';
		snprintf(fd->name, sizeof(fd->name), "memfd:%s", f->path);
		arg_str(ev, "name", f->path);
		arg_num(ev, "flags", (int64_t)f->a0);
		mmr_rt_host_fd_put(h, p, fd->num, fd);
		return;
	case MMR_SENSOR_SOCKET:
		ev->type = MMR_RT_EVT_SOCKET;
		fd->num = f->h.ret >= 0 ? f->h.ret : -1;
		fd->typechar = f->a0 == 2 ? '4' : f->a0 == 10 ? '6' : f->a0 == 16 ? 'n' : f->a0 == 1 ? 'u' : 'o';
		fd->l4proto = (f->a1 & 0xf) == 3 ? MMR_RT_L4_RAW : MMR_RT_L4_NONE;
		mmr_rt_event_add_arg(ev, "domain", sock_domain(f->a0), (int64_t)f->a0, true);
		mmr_rt_event_add_arg(ev, "type", sock_type(f->a1), (int64_t)f->a1, true);
		arg_num(ev, "proto", (int64_t)(uint32_t)f->a2);
		return;
	case MMR_SENSOR_USERFAULTFD:
		ev->type = MMR_RT_EVT_USERFAULTFD;
		fd->num = f->h.ret >= 0 ? f->h.ret : -1;
		fd->typechar = 'U';
		arg_flags(ev, "flags", f->a0, uffd_flags, NULL);
		return;
	default:
		return;
	}
	/* path events: fd.name is the (first) path */
	mmr_rt_strlcpy(fd->name, abs, sizeof(fd->name));
	if (strcmp(abs, f->path) != 0)
		mmr_rt_strlcpy(fd->nameraw, f->path, sizeof(fd->nameraw));
	fd->typechar = 'f';
}

/* The process of a record's header: known, loaded from /proc, or made
 * from the header alone. Header fields win (they are current). */
static struct mmr_rt_proc *proc_of(struct mmr_rt_host *h, const struct mmr_sensor_hdr *hd)
{
	int32_t pid = (int32_t)hd->pid;
	struct mmr_rt_proc *p = mmr_rt_proctab_get(h->procs, pid);
	if (!p && mmr_rt_proc_load(h, pid, &p) < 0) {
		p = mmr_rt_proctab_upsert(h->procs, pid);
		p->ppid = (int32_t)hd->ppid;
		p->vpid = pid;
		mmr_rt_strlcpy(p->comm, hd->comm, sizeof(p->comm));
		/* inherit the parent's view until we know better */
		const struct mmr_rt_proc *pp = mmr_rt_proctab_get(h->procs, p->ppid);
		if (pp) {
			mmr_rt_strlcpy(p->container_id, pp->container_id, sizeof(p->container_id));
			mmr_rt_strlcpy(p->cwd, pp->cwd, sizeof(p->cwd));
		}
	}
	_Static_assert(sizeof(p->comm) == sizeof(hd->comm), "comm sizes");
	if (hd->comm[0]) /* NUL-terminated by the decoder's copy */
		memcpy(p->comm, hd->comm, sizeof(p->comm));
	if (hd->ppid)
		p->ppid = (int32_t)hd->ppid;
	if (hd->type != MMR_SENSOR_EXIT || hd->comm[0]) {
		if (p->uid != hd->uid) { /* setuid & co: the name follows */
			p->uid = hd->uid;
			set_user(p);
		}
		p->gid = hd->gid;
		p->euid = hd->euid;
		p->egid = hd->egid;
		p->loginuid = hd->loginuid;
	}
	if (hd->cgroup[0]) {
		char id[MMR_RT_CONTAINER_ID_MAX];
		const char *rt = "";
		char leaf[MMR_SENSOR_CGROUP_LEN + 1];
		memcpy(leaf, hd->cgroup, MMR_SENSOR_CGROUP_LEN);
		leaf[MMR_SENSOR_CGROUP_LEN] = 0;
		if (mmr_rt_container_id_from_cgroup(leaf, id, &rt) == 1) {
			if (strcmp(id, p->container_id) != 0)
				set_container(h, p, id, rt);
		} else if (p->container_id[0] && strcmp(leaf, "/") != 0) {
			p->container_id[0] = 0; /* left the container's cgroup */
		}
	}
	return p;
}

int mmr_rt_host_decode(struct mmr_rt_host *h, const void *rec, size_t len, struct mmr_rt_event *ev)
{
	const struct mmr_sensor_hdr *hd = rec;
	if (h->pending_exit) {
		struct mmr_rt_proc *old = mmr_rt_proctab_get(h->procs, h->pending_exit);
		if (old && (old->flags & MMR_RT_PROC_EXITED))
			mmr_rt_proctab_remove(h->procs, h->pending_exit);
		h->pending_exit = 0;
	}
	h->records++;
	if (len < sizeof(*hd) || hd->type == 0 || hd->type >= MMR_SENSOR_TYPE_MAX) {
		h->bad_records++;
		return -EBADMSG;
	}
	static const size_t need[MMR_SENSOR_TYPE_MAX] = {
		[MMR_SENSOR_EXEC] = sizeof(struct mmr_sensor_exec),
		[MMR_SENSOR_FORK] = sizeof(struct mmr_sensor_fork),
		[MMR_SENSOR_EXIT] = sizeof(struct mmr_sensor_exit),
		[MMR_SENSOR_CONNECT] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_ACCEPT] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_LISTEN] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_BIND] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_DUP] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_CLOSE] = sizeof(struct mmr_sensor_net),
		[MMR_SENSOR_DNS] = sizeof(struct mmr_sensor_dns),
	};
	_Static_assert(MMR_SENSOR_FILE_SHORT == offsetof(struct mmr_sensor_file, path2),
		       "short file record ends at path2");
	/* a file record may end before path2 (the sensor leaves out an
	 * empty path2 and aux: MMR_SENSOR_FILE_SHORT) */
	bool file = !need[hd->type];
	size_t want = file ? (len >= sizeof(struct mmr_sensor_file) ? sizeof(struct mmr_sensor_file)
								      : MMR_SENSOR_FILE_SHORT)
			   : need[hd->type];
	if (len < want) {
		h->bad_records++;
		return -EBADMSG;
	}
	/* The record's strings are NUL-terminated by the sensor, but a record
	 * is input: decode a copy whose every string array ends in NUL. */
	union {
		struct mmr_sensor_hdr h;
		struct mmr_sensor_exec e;
		struct mmr_sensor_fork f;
		struct mmr_sensor_exit x;
		struct mmr_sensor_file fi;
		struct mmr_sensor_net n;
		struct mmr_sensor_dns d;
	} cp;
	memcpy(&cp, rec, want);
	if (file && want < sizeof(struct mmr_sensor_file)) {
		cp.fi.path2[0] = 0;
		cp.fi.aux[0] = 0;
	}
	cp.h.comm[sizeof(cp.h.comm) - 1] = 0;
	cp.h.cgroup[sizeof(cp.h.cgroup) - 1] = 0;
	if (hd->type == MMR_SENSOR_EXEC) {
		cp.e.filename[sizeof(cp.e.filename) - 1] = 0;
		cp.e.args[sizeof(cp.e.args) - 1] = 0;
	} else if (want == sizeof(struct mmr_sensor_net)) {
		cp.n.unix_path[sizeof(cp.n.unix_path) - 1] = 0;
	} else if (file) {
		cp.fi.path[sizeof(cp.fi.path) - 1] = 0;
		cp.fi.path2[sizeof(cp.fi.path2) - 1] = 0;
		cp.fi.aux[sizeof(cp.fi.aux) - 1] = 0;
	}
	rec = &cp;
	hd = &cp.h;
	mmr_rt_event_reset(ev);
	/* evt.num is never 0 (Falco's never_true macro is evt.num=0) */
	ev->seq = hd->seq ? hd->seq : h->records;
	ev->ts = hd->ts_ns + (uint64_t)h->mono_to_epoch_ns; /* wraps on a hostile ts, never UB */
	ev->pid = (int32_t)hd->pid;
	ev->tid = (int32_t)hd->tid;
	ev->res = hd->ret;

	struct mmr_rt_proc *p;
	switch (hd->type) {
	case MMR_SENSOR_EXEC: {
		const struct mmr_sensor_exec *e = rec;
		p = proc_of(h, hd);
		p->flags &= ~(MMR_RT_PROC_EXE_FROM_MEMFD | MMR_RT_PROC_EXITED | MMR_RT_PROC_EXE_UPPER_LAYER);
		if (e->h.flags & MMR_SENSOR_F_MEMFD_EXE)
			p->flags |= MMR_RT_PROC_EXE_FROM_MEMFD;
		if (e->h.flags & MMR_SENSOR_F_UPPER_EXE)
			p->flags |= MMR_RT_PROC_EXE_UPPER_LAYER;
		size_t alen = e->args_len < sizeof(e->args) ? e->args_len : sizeof(e->args);
		if (alen)
			mmr_rt_proc_set_cmdline(p, e->args, alen);
		char fname[MMR_SENSOR_PATH_MAX + 1];
		memcpy(fname, e->filename, MMR_SENSOR_PATH_MAX);
		fname[MMR_SENSOR_PATH_MAX] = 0;
		p->exepath[0] = 0;
		read_link(p->pid, "exe", p->exepath, sizeof(p->exepath));
		if (!p->exepath[0])
			resolve_path(p, p->pid, -100, fname, p->exepath, sizeof(p->exepath));
		set_cwd(p);
		container_paths(p);
		for (int i = 0; i < 3; i++)
			p->stdio_type[i] = (char)e->stdio_type[i];
		for (int i = 0; i < 2; i++) {
			p->stdio_name[i][0] = 0;
			const struct mmr_sensor_tuple *tu = &e->stdio[i];
			if (e->stdio_type[i] == '4' || e->stdio_type[i] == '6')
				tuple_fmt(p->stdio_name[i], sizeof(p->stdio_name[i]), tu);
		}
		p->cap_effective = e->cap_effective;
		p->cap_permitted = e->cap_permitted;
		p->tty = e->tty_major ? (uint32_t)makedev(e->tty_major, e->tty_minor) : 0;
		p->exe_ino = e->exe_ino;
		p->start_ts = ev->ts;
		set_user(p);
		ev->type = MMR_RT_EVT_EXECVE;
		arg_str(ev, "filename", fname);
		arg_str(ev, "exe", mmr_rt_proc_argv0(p));
		arg_num(ev, "res", hd->ret);
		break;
	}
	case MMR_SENSOR_FORK: {
		const struct mmr_sensor_fork *f = rec;
		p = proc_of(h, hd);
		struct mmr_rt_proc *copy = malloc(sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		*copy = *p;
		int32_t parent = p->pid;
		struct mmr_rt_proc *c = mmr_rt_proctab_upsert(h->procs, (int32_t)f->child_pid);
		*c = *copy;
		free(copy);
		c->pid = (int32_t)f->child_pid;
		c->tid = (int32_t)f->child_tid;
		c->vpid = c->pid;
		c->ppid = parent;
		c->flags &= ~(MMR_RT_PROC_EXITED | MMR_RT_PROC_SID_LEADER);
		c->start_ts = ev->ts;
		p = mmr_rt_proctab_get(h->procs, parent);
		ev->type = MMR_RT_EVT_CLONE;
		arg_num(ev, "res", (int64_t)f->child_pid);
		break;
	}
	case MMR_SENSOR_EXIT: {
		const struct mmr_sensor_exit *x = rec;
		p = proc_of(h, hd);
		p->flags |= MMR_RT_PROC_EXITED;
		h->pending_exit = p->pid;
		ev->type = MMR_RT_EVT_PROCEXIT;
		arg_num(ev, "status", x->exit_code);
		break;
	}
	case MMR_SENSOR_CONNECT: case MMR_SENSOR_ACCEPT: case MMR_SENSOR_LISTEN: case MMR_SENSOR_BIND:
	case MMR_SENSOR_DUP: case MMR_SENSOR_CLOSE:
		p = proc_of(h, hd);
		decode_net(h, ev, rec, p);
		arg_num(ev, "res", hd->ret);
		break;
	case MMR_SENSOR_DNS:
		p = proc_of(h, hd);
		decode_dns(h, ev, rec);
		arg_num(ev, "res", hd->ret);
		break;
	default:
		p = proc_of(h, hd);
		decode_file(h, ev, rec, p);
		if (hd->type != MMR_SENSOR_OPEN)
			arg_num(ev, "res", hd->ret);
		break;
	}
	ev->proc = p;
	ev->container = p && p->container_id[0] ? mmr_rt_conttab_get(h->conts, p->container_id) : NULL;
	return 0;
}
