/* runtime-sensor.c - load the eBPF sensor, or fall back to the proc connector.
 * See runtime-sensor.h. */
#include "mmr-config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core-log.h"
#include "runtime/runtime-event.h"
#include "runtime/runtime-sensor.h"

#ifdef MMR_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/sensor.skel.h"
#endif

const char *const mmr_rt_sensor_default_sensitive[] = {
	"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/pam.d/", "/etc/ssh/",
	"/root/.ssh/", "/root/.aws/", "/root/.docker/config.json", "/root/.kube/",
	"/root/.bash_history", "/etc/security/", "/var/run/secrets/",
	"/run/secrets/", "/proc/kcore", "/dev/mem", "/dev/kmem", "/dev/cpu/",
	"/var/log/", "/etc/ld.so.preload",
	NULL,
};

const char *const mmr_rt_sensor_default_ignore[] = {
	"/dev/null", "/dev/pts/", "/dev/tty", "/dev/ptmx", "/dev/urandom",
	"/dev/random", "/proc/self/fd/", "/sys/fs/cgroup/",
	NULL,
};

static const char *const type_names[MMR_SENSOR_TYPE_MAX] = {
	[MMR_SENSOR_EXEC] = "exec",       [MMR_SENSOR_FORK] = "fork",
	[MMR_SENSOR_EXIT] = "exit",       [MMR_SENSOR_OPEN] = "open",
	[MMR_SENSOR_UNLINK] = "unlink",   [MMR_SENSOR_RENAME] = "rename",
	[MMR_SENSOR_CHMOD] = "chmod",     [MMR_SENSOR_CHOWN] = "chown",
	[MMR_SENSOR_LINK] = "link",       [MMR_SENSOR_SYMLINK] = "symlink",
	[MMR_SENSOR_CONNECT] = "connect", [MMR_SENSOR_ACCEPT] = "accept",
	[MMR_SENSOR_LISTEN] = "listen",   [MMR_SENSOR_BIND] = "bind",
	[MMR_SENSOR_SETUID] = "setuid",   [MMR_SENSOR_SETGID] = "setgid",
	[MMR_SENSOR_CAPSET] = "capset",   [MMR_SENSOR_PTRACE] = "ptrace",
	[MMR_SENSOR_MODULE] = "module",   [MMR_SENSOR_MOUNT] = "mount",
	[MMR_SENSOR_UNSHARE] = "unshare", [MMR_SENSOR_SETNS] = "setns",
	[MMR_SENSOR_BPF] = "bpf",         [MMR_SENSOR_MEMFD] = "memfd_create",
	[MMR_SENSOR_MKDIR] = "mkdir",     [MMR_SENSOR_DUP] = "dup",
	[MMR_SENSOR_CLOSE] = "close",     [MMR_SENSOR_DNS] = "dns",
	[MMR_SENSOR_SOCKET] = "socket",   [MMR_SENSOR_USERFAULTFD] = "userfaultfd",
};

const char *mmr_rt_sensor_type_name(unsigned type)
{
	return type < MMR_SENSOR_TYPE_MAX && type_names[type] ? type_names[type] : "?";
}

unsigned mmr_rt_sensor_type_from_name(const char *name)
{
	for (unsigned i = 1; i < MMR_SENSOR_TYPE_MAX; i++)
		if (type_names[i] && strcmp(type_names[i], name) == 0)
			return i;
	return 0;
}

uint64_t mmr_rt_sensor_mask_for_evt(unsigned evt)
{
	unsigned t = 0;
	switch (evt) {
	case MMR_RT_EVT_EXECVE: case MMR_RT_EVT_EXECVEAT: t = MMR_SENSOR_EXEC; break;
	case MMR_RT_EVT_CLONE: case MMR_RT_EVT_CLONE3: case MMR_RT_EVT_FORK: case MMR_RT_EVT_VFORK:
		t = MMR_SENSOR_FORK; break;
	case MMR_RT_EVT_PROCEXIT: t = MMR_SENSOR_EXIT; break;
	case MMR_RT_EVT_OPEN: case MMR_RT_EVT_OPENAT: case MMR_RT_EVT_OPENAT2: case MMR_RT_EVT_CREAT:
		t = MMR_SENSOR_OPEN; break;
	case MMR_RT_EVT_UNLINK: case MMR_RT_EVT_UNLINKAT: t = MMR_SENSOR_UNLINK; break;
	case MMR_RT_EVT_RENAME: case MMR_RT_EVT_RENAMEAT: case MMR_RT_EVT_RENAMEAT2: t = MMR_SENSOR_RENAME; break;
	case MMR_RT_EVT_MKDIR: case MMR_RT_EVT_MKDIRAT: t = MMR_SENSOR_MKDIR; break;
	case MMR_RT_EVT_CHMOD: case MMR_RT_EVT_FCHMOD: case MMR_RT_EVT_FCHMODAT: t = MMR_SENSOR_CHMOD; break;
	case MMR_RT_EVT_CHOWN: case MMR_RT_EVT_LCHOWN: case MMR_RT_EVT_FCHOWN: case MMR_RT_EVT_FCHOWNAT:
		t = MMR_SENSOR_CHOWN; break;
	case MMR_RT_EVT_LINK: case MMR_RT_EVT_LINKAT: t = MMR_SENSOR_LINK; break;
	case MMR_RT_EVT_SYMLINK: case MMR_RT_EVT_SYMLINKAT: t = MMR_SENSOR_SYMLINK; break;
	case MMR_RT_EVT_CONNECT: /* fd.sip.name comes from the DNS answers seen */
		return (1ULL << MMR_SENSOR_CONNECT) | (1ULL << MMR_SENSOR_DNS);
	case MMR_RT_EVT_DUP: case MMR_RT_EVT_DUP2: case MMR_RT_EVT_DUP3: t = MMR_SENSOR_DUP; break;
	case MMR_RT_EVT_CLOSE: t = MMR_SENSOR_CLOSE; break;
	case MMR_RT_EVT_DNS: t = MMR_SENSOR_DNS; break;
	case MMR_RT_EVT_ACCEPT: case MMR_RT_EVT_ACCEPT4: t = MMR_SENSOR_ACCEPT; break;
	case MMR_RT_EVT_LISTEN: t = MMR_SENSOR_LISTEN; break;
	case MMR_RT_EVT_BIND: t = MMR_SENSOR_BIND; break;
	case MMR_RT_EVT_SETUID: case MMR_RT_EVT_SETREUID: case MMR_RT_EVT_SETRESUID: t = MMR_SENSOR_SETUID; break;
	case MMR_RT_EVT_SETGID: case MMR_RT_EVT_SETREGID: case MMR_RT_EVT_SETRESGID: t = MMR_SENSOR_SETGID; break;
	case MMR_RT_EVT_CAPSET: t = MMR_SENSOR_CAPSET; break;
	case MMR_RT_EVT_PTRACE: t = MMR_SENSOR_PTRACE; break;
	case MMR_RT_EVT_INIT_MODULE: case MMR_RT_EVT_FINIT_MODULE: t = MMR_SENSOR_MODULE; break;
	case MMR_RT_EVT_MOUNT: t = MMR_SENSOR_MOUNT; break;
	case MMR_RT_EVT_UNSHARE: t = MMR_SENSOR_UNSHARE; break;
	case MMR_RT_EVT_SETNS: t = MMR_SENSOR_SETNS; break;
	case MMR_RT_EVT_BPF: t = MMR_SENSOR_BPF; break;
	case MMR_RT_EVT_MEMFD_CREATE: t = MMR_SENSOR_MEMFD; break;
	case MMR_RT_EVT_SOCKET: t = MMR_SENSOR_SOCKET; break;
	case MMR_RT_EVT_USERFAULTFD: t = MMR_SENSOR_USERFAULTFD; break;
	default: return 0;
	}
	return 1ULL << t;
}

const char *mmr_rt_sensor_kind_name(enum mmr_rt_sensor_kind k)
{
	switch (k) {
	case MMR_RT_SENSOR_EBPF: return "ebpf";
	case MMR_RT_SENSOR_PROC_CONNECTOR: return "proc-connector";
	default: return "none";
	}
}

struct mmr_rt_sensor {
	enum mmr_rt_sensor_kind kind;
	mmr_rt_sensor_fn fn;
	void *ctx;
	uint64_t coverage;
	int cb_err;
#ifdef MMR_HAVE_BPF
	struct sensor_bpf *skel;
	struct ring_buffer *rb;
#endif
	struct mmr_rt_sensor_cn *cn;
	struct mmr_rt_sensor_fan *fan;
	char note[512];
};

static void why_set(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t whylen, const char *fmt, ...)
{
	if (!why || !whylen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

#ifdef MMR_HAVE_BPF
static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum mmr_log_level l = level == LIBBPF_WARN ? MMR_LOG_WARN : MMR_LOG_DEBUG;
	if (!mmr_log_enabled(l))
		return 0;
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	/* the verifier log is long and goes out at debug level */
	mmr_log(level == LIBBPF_WARN && len < 400 ? MMR_LOG_WARN : MMR_LOG_DEBUG, "libbpf: %s", msg);
	return n;
}

static int on_ring(void *ctx, void *data, size_t len)
{
	struct mmr_rt_sensor *s = ctx;
	if (len < sizeof(struct mmr_sensor_hdr))
		return 0;
	int rc = s->fn(s->ctx, data, len);
	if (rc < 0) {
		s->cb_err = rc;
		return rc;
	}
	return 0;
}

static int prefix_add(int fd, const char *p, uint8_t verdict)
{
	struct {
		uint32_t prefixlen;
		uint8_t data[MMR_SENSOR_PREFIX_MAX];
	} key;
	memset(&key, 0, sizeof(key));
	size_t n = strlen(p);
	if (n == 0 || n >= MMR_SENSOR_PREFIX_MAX)
		return -EINVAL;
	memcpy(key.data, p, n);
	key.prefixlen = (uint32_t)n * 8;
	return bpf_map_update_elem(fd, &key, &verdict, BPF_ANY) ? -errno : 0;
}

static int open_ebpf(struct mmr_rt_sensor *s, const struct mmr_rt_sensor_opts *o, char *why,
		     size_t whylen)
{
	struct sensor_bpf *skel = NULL;
	int rc;
	libbpf_set_print(libbpf_to_log);

	skel = sensor_bpf__open();
	if (!skel) {
		rc = -errno;
		why_set(why, whylen, "eBPF: cannot open the sensor object: %s", strerror(-rc));
		goto cleanup;
	}
	skel->rodata->self_tgid = o->self_pid ? o->self_pid : (uint32_t)getpid();
	skel->rodata->enabled_mask = o->type_mask ? o->type_mask : ~0ULL;
	skel->rodata->open_all = o->open_all ? 1 : 0;
	skel->rodata->wakeup_bytes = o->wakeup_bytes == 1 ? 0 : o->wakeup_bytes ? o->wakeup_bytes : 32u << 10;
	uint32_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : 16u << 20;
	if (rb < 4096 || (rb & (rb - 1))) {
		rc = -EINVAL;
		why_set(why, whylen, "eBPF: ring buffer size %u is not a power of two >= 4096", rb);
		goto cleanup;
	}
	rc = bpf_map__set_max_entries(skel->maps.events, rb);
	if (rc < 0) {
		why_set(why, whylen, "eBPF: ring buffer size: %s", strerror(-rc));
		goto cleanup;
	}
	{
		const char *const *sl = o->sensitive ? o->sensitive : mmr_rt_sensor_default_sensitive;
		bool short_prefix = false;
		for (size_t i = 0; sl[i]; i++)
			short_prefix |= strlen(sl[i]) < 4;
		skel->rodata->use_prefix4 = short_prefix ? 0 : 1;
	}
	/* Probe by loading: whatever the kernel refuses shows here. */
	rc = sensor_bpf__load(skel);
	if (rc < 0) {
		why_set(why, whylen, "eBPF: the kernel refused the sensor programs: %s", strerror(-rc));
		goto cleanup;
	}
	int pfd = bpf_map__fd(skel->maps.prefixes);
	const char *const *sens = o->sensitive ? o->sensitive : mmr_rt_sensor_default_sensitive;
	const char *const *ign = o->ignore ? o->ignore : mmr_rt_sensor_default_ignore;
	bool heads_ok = true;
	for (size_t i = 0; sens[i]; i++) {
		if (prefix_add(pfd, sens[i], 1) < 0)
			mmr_warn("sensor: sensitive prefix '%s' not loaded (empty, >= %d bytes or map full)",
				 sens[i], MMR_SENSOR_PREFIX_MAX);
		uint32_t head = 0;
		uint8_t one = 1;
		if (strlen(sens[i]) < sizeof(head)) {
			heads_ok = false;
			continue;
		}
		memcpy(&head, sens[i], sizeof(head));
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.prefix4), &head, &one, BPF_ANY))
			heads_ok = false;
	}
	if (!heads_ok && skel->rodata->use_prefix4)
		mmr_warn("sensor: the sensitive-prefix heads did not all load: read-only opens may be missed");
	for (size_t i = 0; ign[i]; i++)
		if (prefix_add(pfd, ign[i], 2) < 0)
			mmr_warn("sensor: ignore prefix '%s' not loaded", ign[i]);

	/* Attach one by one: a hook that does not attach costs its coverage,
	 * not the whole sensor. */
	struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		uint64_t covers;
	} hooks[] = {
		{ skel->progs.handle_exec, &skel->links.handle_exec, 1ULL << MMR_SENSOR_EXEC },
		{ skel->progs.handle_fork, &skel->links.handle_fork, 1ULL << MMR_SENSOR_FORK },
		{ skel->progs.handle_exit, &skel->links.handle_exit, 1ULL << MMR_SENSOR_EXIT },
		{ skel->progs.sys_enter, &skel->links.sys_enter, 0 },
		{ skel->progs.sys_exit, &skel->links.sys_exit, 0 },
	};
	uint64_t cov = 0;
	bool sys_ok = true;
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		struct bpf_link *l = bpf_program__attach(hooks[i].prog);
		if (!l) {
			int e = errno;
			mmr_warn("sensor: %s does not attach: %s", bpf_program__name(hooks[i].prog),
				 strerror(e));
			if (!hooks[i].covers)
				sys_ok = false;
			continue;
		}
		*hooks[i].link = l;
		cov |= hooks[i].covers;
	}
	if (sys_ok)
		for (unsigned t = MMR_SENSOR_OPEN; t < MMR_SENSOR_TYPE_MAX; t++)
			if (t != MMR_SENSOR_EXIT && t != MMR_SENSOR_FORK)
				cov |= 1ULL << t;
	if (!cov) {
		rc = -ENOTSUP;
		why_set(why, whylen, "eBPF: no sensor program attaches");
		goto cleanup;
	}
	s->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_ring, s, NULL);
	if (!s->rb) {
		rc = -errno;
		why_set(why, whylen, "eBPF: ring buffer: %s", strerror(-rc));
		goto cleanup;
	}
	s->skel = skel;
	s->coverage = cov & (o->type_mask ? o->type_mask : ~0ULL);
	s->kind = MMR_RT_SENSOR_EBPF;
	return 0;

cleanup:
	sensor_bpf__destroy(skel);
	return rc < 0 ? rc : -EIO;
}
#endif

int mmr_rt_sensor_open(const struct mmr_rt_sensor_opts *opts, mmr_rt_sensor_fn fn, void *ctx,
		       struct mmr_rt_sensor **ret, char *why, size_t whylen)
{
	struct mmr_rt_sensor_opts defaults = { 0 };
	const struct mmr_rt_sensor_opts *o = opts ? opts : &defaults;
	if (!fn || !ret)
		return -EINVAL;
	if (why && whylen)
		why[0] = 0;
	struct mmr_rt_sensor *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->ctx = ctx;
	int rc = -ENOTSUP;
#ifdef MMR_HAVE_BPF
	if (!o->no_ebpf) {
		rc = open_ebpf(s, o, why, whylen);
		if (rc == 0) {
			*ret = s;
			return 0;
		}
		if (rc == -EINVAL)
			goto fail;
	} else {
		why_set(why, whylen, "eBPF: disabled by the caller");
	}
#else
	why_set(why, whylen, "eBPF: this build has no eBPF sensor (meson -Dbpf=disabled or missing clang/bpftool/libbpf/BTF)");
#endif
	size_t used = why ? strlen(why) : 0;
	rc = mmr_rt_sensor_cn_open(&s->cn, why ? why + used : NULL, why ? whylen - used : 0);
	if (rc < 0)
		goto fail;
	s->kind = MMR_RT_SENSOR_PROC_CONNECTOR;
	uint64_t cov = (1ULL << MMR_SENSOR_EXEC) | (1ULL << MMR_SENSOR_FORK) | (1ULL << MMR_SENSOR_EXIT);
	char fnote[256] = "";
	uint64_t want = o->type_mask ? o->type_mask : ~0ULL;
	uint64_t filebits = (1ULL << MMR_SENSOR_OPEN) | (1ULL << MMR_SENSOR_UNLINK) | (1ULL << MMR_SENSOR_RENAME) |
			    (1ULL << MMR_SENSOR_MKDIR);
	if (!o->no_fanotify && (want & filebits)) {
		int frc = mmr_rt_sensor_fan_open(o->self_pid, &s->fan, fnote, sizeof(fnote));
		if (frc == 0) {
			cov |= 1ULL << MMR_SENSOR_OPEN;
			if (mmr_rt_sensor_fan_dirents(s->fan))
				cov |= filebits;
		}
	}
	s->coverage = cov & want;
	if (s->fan)
		snprintf(s->note, sizeof(s->note),
			 "the proc connector sees exec, fork and exit; fanotify adds writes (at close)%s on "
			 "the root file system only (not containers' overlay mounts or tmpfs), without open "
			 "flags or fd numbers; reads of sensitive files, chmod/chown, links, network, "
			 "privilege, ptrace, module, mount and namespace events are lost%s",
			 mmr_rt_sensor_fan_dirents(s->fan) ? ", creations, deletions and renames" : "", fnote);
	else
		snprintf(s->note, sizeof(s->note),
			 "the proc connector sees exec, fork and exit only%s%s",
			 o->no_fanotify ? "; fanotify disabled" : (want & filebits) ? "; no fanotify" : "", fnote);
	*ret = s;
	return 0;
fail:
	free(s);
	return rc;
}

int mmr_rt_sensor_poll(struct mmr_rt_sensor *s, int timeout_ms)
{
	if (!s)
		return -EINVAL;
	s->cb_err = 0;
#ifdef MMR_HAVE_BPF
	if (s->kind == MMR_RT_SENSOR_EBPF) {
		int n = ring_buffer__poll(s->rb, timeout_ms);
		if (s->cb_err < 0)
			return s->cb_err;
		if (n == 0) {
			/* records queued without a wakeup (wakeup_bytes) */
			n = ring_buffer__consume(s->rb);
			if (s->cb_err < 0)
				return s->cb_err;
		}
		return n;
	}
#endif
	if (s->kind == MMR_RT_SENSOR_PROC_CONNECTOR) {
		if (!s->fan)
			return mmr_rt_sensor_cn_poll(s->cn, timeout_ms, s->fn, s->ctx);
		struct pollfd pf[3] = { { .fd = mmr_rt_sensor_cn_fd(s->cn), .events = POLLIN } };
		int fds[2];
		int nf = mmr_rt_sensor_fan_fds(s->fan, fds);
		for (int i = 0; i < nf; i++)
			pf[1 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		int pr = poll(pf, (nfds_t)(1 + nf), timeout_ms);
		if (pr < 0)
			return -errno;
		if (pr == 0)
			return 0;
		int n = 0;
		if (pf[0].revents) {
			n = mmr_rt_sensor_cn_poll(s->cn, 0, s->fn, s->ctx);
			if (n < 0)
				return n;
		}
		int m = mmr_rt_sensor_fan_poll(s->fan, s->fn, s->ctx);
		return m < 0 ? m : n + m;
	}
	return -EINVAL;
}

enum mmr_rt_sensor_kind mmr_rt_sensor_kind(const struct mmr_rt_sensor *s)
{
	return s ? s->kind : MMR_RT_SENSOR_NONE;
}

uint64_t mmr_rt_sensor_coverage(const struct mmr_rt_sensor *s)
{
	return s ? s->coverage : 0;
}

int64_t mmr_rt_sensor_drops(struct mmr_rt_sensor *s, uint64_t *percpu, unsigned max,
			    unsigned *ret_ncpu)
{
	if (!s)
		return -EINVAL;
#ifdef MMR_HAVE_BPF
	if (s->kind == MMR_RT_SENSOR_EBPF) {
		int ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return ncpu < 0 ? ncpu : -EINVAL;
		uint64_t *vals = calloc((size_t)ncpu, sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		uint32_t zero = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(s->skel->maps.drops), &zero, vals)) {
			int e = errno;
			free(vals);
			return -e;
		}
		uint64_t total = 0;
		for (int i = 0; i < ncpu; i++) {
			total += vals[i];
			if (percpu && (unsigned)i < max)
				percpu[i] = vals[i];
		}
		if (ret_ncpu)
			*ret_ncpu = (unsigned)ncpu < max ? (unsigned)ncpu : max;
		free(vals);
		return (int64_t)total;
	}
#endif
	if (ret_ncpu)
		*ret_ncpu = 0;
	return 0;
}

void mmr_rt_sensor_free(struct mmr_rt_sensor *s)
{
	if (!s)
		return;
#ifdef MMR_HAVE_BPF
	ring_buffer__free(s->rb);
	sensor_bpf__destroy(s->skel);
#endif
	mmr_rt_sensor_cn_free(s->cn);
	mmr_rt_sensor_fan_free(s->fan);
	free(s);
}

const char *mmr_rt_sensor_fallback_note(const struct mmr_rt_sensor *s)
{
	return s ? s->note : "";
}
