/* runtime-forensics.c - evidence bundles for runtime alerts (see the header). */
#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "core/core-hash.h"
#include "core/core-str.h"
#include "core/core-time.h"
#include "runtime/runtime-forensics.h"

/* ---- /proc/net/{tcp,udp}[6] -------------------------------------------- */

/* n hex digits (n <= 8) into *ret; false on a non-hex digit. */
static bool hex_u32(const char *s, size_t n, uint32_t *ret)
{
	uint32_t v = 0;
	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		int h = mmr_hex_digit(s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*ret = v;
	return true;
}

/* "0100007F:1F90" (v4) or 32 hex digits ":" port (v6). The kernel prints
 * each 32-bit word of the address as the host-order value of its bytes, so
 * copying the parsed word back to memory restores the network bytes. */
static bool parse_endpoint(const char *s, size_t n, struct mmr_rt_addr *a, uint16_t *port)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	size_t alen = (size_t)(colon - s), plen = n - alen - 1;
	uint32_t p;
	if (!hex_u32(colon + 1, plen, &p) || plen != 4)
		return false;
	memset(a, 0, sizeof(*a));
	if (alen == 8) {
		uint32_t w;
		if (!hex_u32(s, 8, &w))
			return false;
		a->family = AF_INET;
		a->ip[10] = a->ip[11] = 0xff;
		memcpy(a->ip + 12, &w, 4);
	} else if (alen == 32) {
		for (int i = 0; i < 4; i++) {
			uint32_t w;
			if (!hex_u32(s + 8 * i, 8, &w))
				return false;
			memcpy(a->ip + 4 * i, &w, 4);
		}
		a->family = AF_INET6;
	} else {
		return false;
	}
	*port = (uint16_t)p;
	return true;
}

static bool parse_net_row(const char *line, size_t n, struct mmr_rt_sock *ret)
{
	/* tokens: sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
	const char *tok[10];
	size_t tlen[10], nt = 0, i = 0;
	while (nt < 10) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n)
			break;
		tok[nt] = line + i;
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
		tlen[nt] = (size_t)(line + i - tok[nt]);
		nt++;
	}
	if (nt < 10 || tlen[0] < 2 || tok[0][tlen[0] - 1] != ':')
		return false;
	struct mmr_rt_sock s;
	memset(&s, 0, sizeof(s));
	uint32_t st;
	uint64_t uid, ino;
	if (!parse_endpoint(tok[1], tlen[1], &s.laddr, &s.lport) ||
	    !parse_endpoint(tok[2], tlen[2], &s.raddr, &s.rport) || s.laddr.family != s.raddr.family ||
	    !hex_u32(tok[3], tlen[3], &st) || st > 255 || !mmr_parse_u64(tok[7], tlen[7], &uid) ||
	    uid > UINT32_MAX || !mmr_parse_u64(tok[9], tlen[9], &ino))
		return false;
	s.state = (uint8_t)st;
	s.uid = (uint32_t)uid;
	s.ino = ino;
	*ret = s;
	return true;
}

size_t mmr_rt_forensics_parse_net(const char *text, size_t len, struct mmr_rt_sock *out, size_t max,
				  size_t *ret_bad)
{
	size_t good = 0, bad = 0, off = 0;
	bool first = true;
	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		off += n + (nl ? 1 : 0);
		if (first) {
			first = false;
			/* the header names its columns */
			if (n >= 2 && memchr(line, 'l', n) && !memchr(line, ':', 6 < n ? 6 : n))
				continue;
		}
		bool blank = true;
		for (size_t i = 0; i < n && blank; i++)
			blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
		if (blank)
			continue;
		struct mmr_rt_sock s;
		if (!parse_net_row(line, n, &s)) {
			bad++;
			continue;
		}
		if (out && good < max)
			out[good] = s;
		good++;
	}
	if (ret_bad)
		*ret_bad = bad;
	return good;
}

const char *mmr_rt_forensics_sock_addr(const struct mmr_rt_addr *a, uint16_t port, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (a->family == AF_INET)
		inet_ntop(AF_INET, a->ip + 12, ip, sizeof(ip));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, a->ip, ip, sizeof(ip));
	snprintf(buf, size, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, (unsigned)port);
	return buf;
}

const char *mmr_rt_forensics_tcp_state(uint8_t state)
{
	static const char *const names[] = { "UNKNOWN",    "ESTABLISHED", "SYN_SENT",   "SYN_RECV",
					     "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT",  "CLOSE",
					     "CLOSE_WAIT", "LAST_ACK",    "LISTEN",     "CLOSING",
					     "NEW_SYN_RECV" };
	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "UNKNOWN";
}

/* ---- environment ------------------------------------------------------- */

static bool icontains(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++) {
		size_t j = 0;
		while (j < w && tolower((unsigned char)s[i + j]) == word[j])
			j++;
		if (j == w)
			return true;
	}
	return false;
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t l = strlen(p);
	return n >= l && memcmp(s, p, l) == 0;
}

static double entropy(const char *s, size_t n)
{
	unsigned cnt[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	double h = 0;
	for (int i = 0; i < 256; i++)
		if (cnt[i]) {
			double p = (double)cnt[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}

static bool value_secret(const char *v, size_t n)
{
	static const char *const prefixes[] = { "AKIA",	  "ASIA",     "ghp_",	  "gho_",  "ghu_",
						"ghs_",	  "ghr_",     "github_pat_", "xoxb-", "xoxp-",
						"xoxa-",  "xoxs-",    "sk_live_", "rk_live_", "glpat-",
						"AIza",	  "npm_",     "-----BEGIN", "sk-",    "SG." };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(v, n, prefixes[i]) && n >= strlen(prefixes[i]) + 8)
			return true;
	/* JWT: three base64url parts, the first a JSON header */
	if (has_prefix(v, n, "eyJ") && memchr(v, '.', n))
		return true;
	/* scheme://user:password@host */
	const char *sep = n > 3 ? memmem(v, n, "://", 3) : NULL;
	if (sep) {
		const char *auth = sep + 3, *end = v + n;
		const char *at = memchr(auth, '@', (size_t)(end - auth));
		const char *slash = memchr(auth, '/', (size_t)(end - auth));
		if (at && (!slash || at < slash) && memchr(auth, ':', (size_t)(at - auth)))
			return true;
	}
	/* a long word of mixed letters and digits with high entropy */
	if (n >= 20) {
		bool lower = false, upper = false, digit = false;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)v[i];
			if (islower(c))
				lower = true;
			else if (isupper(c))
				upper = true;
			else if (isdigit(c))
				digit = true;
			else if (c != '+' && c != '/' && c != '=' && c != '_' && c != '-')
				return false;
		}
		if (digit && (lower || upper) && entropy(v, n) >= 3.5)
			return true;
	}
	return false;
}

bool mmr_rt_forensics_env_secret(const char *name, size_t name_len, const char *value, size_t value_len)
{
	static const char *const words[] = { "pass", "secret", "token", "key", "credential", "auth", "cookie",
					     "session" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (icontains(name, name_len, words[i]))
			return true;
	return value_secret(value, value_len);
}

json_t *mmr_rt_forensics_environ_json(const char *buf, size_t len)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	size_t off = 0;
	while (off < len) {
		const char *e = buf + off;
		const char *z = memchr(e, 0, len - off);
		size_t n = z ? (size_t)(z - e) : len - off;
		off += n + 1;
		if (n == 0)
			continue;
		const char *eq = memchr(e, '=', n);
		size_t nl = eq ? (size_t)(eq - e) : n;
		const char *v = eq ? eq + 1 : "";
		size_t vl = eq ? n - nl - 1 : 0;
		json_t *o = json_object();
		json_t *name = json_stringn(e, nl);
		if (!name) /* not UTF-8: keep a hex-free placeholder, never the bytes */
			name = json_string("(not UTF-8)");
		json_object_set_new(o, "name", name);
		if (mmr_rt_forensics_env_secret(e, nl, v, vl)) {
			json_object_set_new(o, "redacted", json_true());
			json_object_set_new(o, "length", json_integer((json_int_t)vl));
		} else {
			json_t *val = json_stringn(v, vl);
			if (val) {
				json_object_set_new(o, "value", val);
			} else {
				json_object_set_new(o, "redacted", json_true());
				json_object_set_new(o, "length", json_integer((json_int_t)vl));
			}
		}
		if (json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

void mmr_rt_forensics_slug(const char *name, char *out, size_t size)
{
	size_t o = 0;
	bool dash = false;
	if (size == 0)
		return;
	for (const char *p = name ? name : ""; *p && o + 1 < size; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) && c < 128) {
			if (dash && o > 0 && o + 2 < size)
				out[o++] = '-';
			dash = false;
			out[o++] = (char)tolower(c);
		} else {
			dash = true;
		}
	}
	out[o] = 0;
	if (o == 0)
		snprintf(out, size, "alert");
}

/* ---- /proc readers ----------------------------------------------------- */

/* Read at most max bytes of ROOT/PID/NAME (NUL-terminated, malloc'd). */
static int read_proc(const char *root, int32_t pid, const char *name, size_t max, char **ret, size_t *ret_len)
{
	char path[512];
	if (pid > 0)
		snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, name);
	else
		snprintf(path, sizeof(path), "%s/%s", root, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				break;
			size_t nc = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(b, nc + 1);
			if (!nb) {
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			cap = nc;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			free(b);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = 0;
	*ret = b;
	*ret_len = n;
	return 0;
}

struct pinfo {
	int32_t pid, ppid;
	int64_t uid;          /* -1 unknown */
	uint64_t start_ticks; /* since boot */
	char comm[64];
};

/* pid, comm, ppid, starttime from ROOT/PID/stat. */
static int read_stat(const char *root, int32_t pid, struct pinfo *pi)
{
	char *b = NULL;
	size_t n = 0;
	int rc = read_proc(root, pid, "stat", 4096, &b, &n);
	if (rc < 0)
		return rc;
	char *lp = strchr(b, '('), *rp = strrchr(b, ')');
	rc = -EBADMSG;
	if (lp && rp && rp > lp) {
		memset(pi, 0, sizeof(*pi));
		pi->pid = pid;
		pi->uid = -1;
		size_t cl = (size_t)(rp - lp - 1);
		if (cl >= sizeof(pi->comm))
			cl = sizeof(pi->comm) - 1;
		memcpy(pi->comm, lp + 1, cl);
		pi->comm[cl] = 0;
		/* tokens after ')': 1 state, 2 ppid, ... 20 starttime */
		const char *p = rp + 1;
		int tokn = 0;
		while (*p && tokn < 20) {
			while (*p == ' ')
				p++;
			if (!*p)
				break;
			const char *s = p;
			while (*p && *p != ' ')
				p++;
			tokn++;
			uint64_t v;
			if (tokn == 2 && mmr_parse_u64(s, (size_t)(p - s), &v) && v <= INT32_MAX)
				pi->ppid = (int32_t)v;
			else if (tokn == 20 && mmr_parse_u64(s, (size_t)(p - s), &v))
				pi->start_ticks = v;
		}
		rc = tokn >= 20 ? 0 : -EBADMSG;
	}
	free(b);
	return rc;
}

static int64_t read_uid(const char *root, int32_t pid)
{
	char *b = NULL;
	size_t n = 0;
	if (read_proc(root, pid, "status", 64 * 1024, &b, &n) < 0)
		return -1;
	int64_t uid = -1;
	char *u = strstr(b, "\nUid:");
	if (u) {
		u += 5;
		while (*u == ' ' || *u == '\t')
			u++;
		const char *s = u;
		while (*u >= '0' && *u <= '9')
			u++;
		uint64_t v;
		if (mmr_parse_u64(s, (size_t)(u - s), &v) && v <= UINT32_MAX)
			uid = (int64_t)v;
	}
	free(b);
	return uid;
}

static uint64_t boot_time_s(const char *root)
{
	char *b = NULL;
	size_t n = 0;
	if (read_proc(root, 0, "stat", 1024 * 1024, &b, &n) < 0)
		return 0;
	uint64_t v = 0;
	char *p = strstr(b, "\nbtime ");
	if (p) {
		p += 7;
		const char *s = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (!mmr_parse_u64(s, (size_t)(p - s), &v))
			v = 0;
	}
	free(b);
	return v;
}

static json_t *cmdline_json(const char *b, size_t n)
{
	json_t *a = json_array();
	size_t off = 0;
	while (off < n) {
		const char *z = memchr(b + off, 0, n - off);
		size_t l = z ? (size_t)(z - (b + off)) : n - off;
		json_t *s = json_stringn(b + off, l);
		json_array_append_new(a, s ? s : json_string("(not UTF-8)"));
		off += l + 1;
	}
	return a;
}

struct ctx {
	const struct mmr_rt_forensics_req *req;
	const char *root;
	json_t *missing;
	uint64_t btime;
	long hz;
};

static void missing(struct ctx *c, const char *what, int err)
{
	char m[256];
	snprintf(m, sizeof(m), "%s: %s", what, strerror(err < 0 ? -err : err));
	json_array_append_new(c->missing, json_string(m));
}

/* One process of the tree from /proc; NULL when it is gone. */
static json_t *proc_json(struct ctx *c, int32_t pid, const char *role, struct pinfo *ret_pi)
{
	struct pinfo pi;
	if (read_stat(c->root, pid, &pi) < 0)
		return NULL;
	pi.uid = read_uid(c->root, pid);
	json_t *o = json_object();
	json_object_set_new(o, "role", json_string(role));
	json_object_set_new(o, "pid", json_integer(pid));
	json_object_set_new(o, "ppid", json_integer(pi.ppid));
	json_object_set_new(o, "uid", pi.uid >= 0 ? json_integer(pi.uid) : json_null());
	json_t *cm = json_string(pi.comm);
	json_object_set_new(o, "comm", cm ? cm : json_null());
	char path[512], exe[4096];
	snprintf(path, sizeof(path), "%s/%d/exe", c->root, (int)pid);
	ssize_t l = readlink(path, exe, sizeof(exe) - 1);
	json_t *ej = NULL;
	if (l >= 0) {
		exe[l] = 0;
		ej = json_string(exe);
	}
	json_object_set_new(o, "exe", ej ? ej : json_null());
	char *b = NULL;
	size_t n = 0;
	if (read_proc(c->root, pid, "cmdline", 64 * 1024, &b, &n) == 0) {
		json_object_set_new(o, "cmdline", cmdline_json(b, n));
		free(b);
	} else {
		json_object_set_new(o, "cmdline", json_null());
	}
	if (c->btime && c->hz > 0) {
		uint64_t ns = c->btime * 1000000000ull + pi.start_ticks * (1000000000ull / (uint64_t)c->hz);
		char t[64];
		mmr_time_iso(ns, t, sizeof(t));
		json_object_set_new(o, "start_time", json_string(t));
	}
	json_object_set_new(o, "source", json_string("proc"));
	if (ret_pi)
		*ret_pi = pi;
	return o;
}

/* The agent's table entry when /proc no longer has the process. */
static json_t *snapshot_json(const struct mmr_rt_proc *p, const char *role)
{
	json_t *o = json_object();
	json_object_set_new(o, "role", json_string(role));
	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "ppid", json_integer(p->ppid));
	json_object_set_new(o, "uid", json_integer(p->uid));
	json_t *s = json_string(p->comm);
	json_object_set_new(o, "comm", s ? s : json_null());
	s = json_string(p->exepath);
	json_object_set_new(o, "exe", s ? s : json_null());
	json_object_set_new(o, "cmdline", cmdline_json(p->args, p->args_len));
	if (p->start_ts) {
		char t[64];
		mmr_time_iso(p->start_ts, t, sizeof(t));
		json_object_set_new(o, "start_time", json_string(t));
	}
	json_object_set_new(o, "source", json_string("agent"));
	return o;
}

static json_t *collect_tree(struct ctx *c)
{
	const struct mmr_rt_forensics_req *r = c->req;
	json_t *tree = json_array();
	struct pinfo me;
	json_t *self = proc_json(c, r->pid, "process", &me);
	if (!self) {
		missing(c, "process: /proc entry", ENOENT);
		if (r->proc) {
			json_array_append_new(tree, snapshot_json(r->proc, "process"));
			for (unsigned i = 1; r->procs && i < MMR_RT_ANCESTRY_MAX; i++) {
				const struct mmr_rt_proc *a = mmr_rt_proc_ancestor(r->procs, r->proc, i);
				if (!a)
					break;
				json_array_append_new(tree, snapshot_json(a, "ancestor"));
			}
		}
		return tree;
	}
	json_array_append_new(tree, self);
	/* ancestors */
	int32_t pp = me.ppid;
	for (unsigned i = 0; pp > 0 && i < MMR_RT_ANCESTRY_MAX; i++) {
		struct pinfo pi;
		json_t *a = proc_json(c, pp, "ancestor", &pi);
		if (!a) {
			missing(c, "ancestor: /proc entry", ENOENT);
			break;
		}
		json_array_append_new(tree, a);
		if (pi.ppid == pp)
			break;
		pp = pi.ppid;
	}
	/* descendants: one pass over /proc for (pid, ppid), then breadth first */
	DIR *d = opendir(c->root);
	if (!d) {
		missing(c, "children: /proc", errno);
		return tree;
	}
	size_t cap = 1024, n = 0;
	struct { int32_t pid, ppid; } *all = malloc(cap * sizeof(*all));
	struct dirent *de;
	while (all && (de = readdir(d)) && n < 65536) {
		uint64_t v;
		if (!mmr_parse_u64(de->d_name, strlen(de->d_name), &v) || v > INT32_MAX || (int32_t)v == r->pid)
			continue;
		struct pinfo pi;
		if (read_stat(c->root, (int32_t)v, &pi) < 0)
			continue;
		if (n == cap) {
			void *na = realloc(all, cap * 2 * sizeof(*all));
			if (!na)
				break;
			all = na;
			cap *= 2;
		}
		all[n].pid = (int32_t)v;
		all[n].ppid = pi.ppid;
		n++;
	}
	closedir(d);
	int32_t queue[MMR_RT_FORENSICS_MAX_TREE];
	size_t qh = 0, qt = 0;
	queue[qt++] = r->pid;
	while (all && qh < qt && json_array_size(tree) < MMR_RT_FORENSICS_MAX_TREE) {
		int32_t parent = queue[qh++];
		for (size_t i = 0; i < n && json_array_size(tree) < MMR_RT_FORENSICS_MAX_TREE; i++) {
			if (all[i].ppid != parent)
				continue;
			json_t *ch = proc_json(c, all[i].pid, "child", NULL);
			if (!ch)
				continue;
			json_array_append_new(tree, ch);
			if (qt < MMR_RT_FORENSICS_MAX_TREE)
				queue[qt++] = all[i].pid;
		}
	}
	free(all);
	return tree;
}

static json_t *collect_environ(struct ctx *c)
{
	char *b = NULL;
	size_t n = 0;
	int rc = read_proc(c->root, c->req->pid, "environ", MMR_RT_FORENSICS_MAX_ENV, &b, &n);
	if (rc < 0) {
		missing(c, "environ", rc);
		return json_array();
	}
	json_t *a = mmr_rt_forensics_environ_json(b, n);
	/* the raw buffer held secrets: wipe it before it goes back */
	explicit_bzero(b, n);
	free(b);
	return a ? a : json_array();
}

struct socks {
	struct mmr_rt_sock *rows;
	size_t n;
	const char *proto[4];
	size_t start[5];
};

static void load_socks(struct ctx *c, struct socks *s)
{
	static const char *const files[] = { "tcp", "tcp6", "udp", "udp6" };
	memset(s, 0, sizeof(*s));
	s->rows = calloc(4 * MMR_RT_FORENSICS_MAX_SOCKS, sizeof(*s->rows));
	for (int i = 0; i < 4; i++) {
		s->start[i] = s->n;
		s->proto[i] = files[i];
		char name[32];
		snprintf(name, sizeof(name), "net/%s", files[i]);
		char *b = NULL;
		size_t n = 0;
		int rc = read_proc(c->root, c->req->pid, name, MMR_RT_FORENSICS_MAX_NETFILE, &b, &n);
		if (rc < 0) {
			if (rc != -ENOENT || i == 0)
				missing(c, name, rc);
			continue;
		}
		if (s->rows) {
			size_t got = mmr_rt_forensics_parse_net(b, n, s->rows + s->n, MMR_RT_FORENSICS_MAX_SOCKS, NULL);
			s->n += got < MMR_RT_FORENSICS_MAX_SOCKS ? got : MMR_RT_FORENSICS_MAX_SOCKS;
		}
		free(b);
	}
	s->start[4] = s->n;
}

static json_t *sock_json(const struct socks *s, uint64_t ino)
{
	for (int p = 0; p < 4; p++)
		for (size_t i = s->start[p]; i < s->start[p + 1]; i++) {
			const struct mmr_rt_sock *k = &s->rows[i];
			if (k->ino != ino)
				continue;
			char a[80];
			json_t *o = json_object();
			json_object_set_new(o, "proto", json_string(s->proto[p]));
			json_object_set_new(o, "local", json_string(mmr_rt_forensics_sock_addr(&k->laddr, k->lport, a, sizeof(a))));
			json_object_set_new(o, "remote", json_string(mmr_rt_forensics_sock_addr(&k->raddr, k->rport, a, sizeof(a))));
			json_object_set_new(o, "state", json_string(p < 2 ? mmr_rt_forensics_tcp_state(k->state) : (k->state == 7 ? "UNCONN" : "ESTABLISHED")));
			json_object_set_new(o, "uid", json_integer(k->uid));
			return o;
		}
	return NULL;
}

static int cmp_fd(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static json_t *collect_fds(struct ctx *c)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%d/fd", c->root, (int)c->req->pid);
	DIR *d = opendir(path);
	json_t *a = json_array();
	if (!d) {
		missing(c, "fd", errno);
		return a;
	}
	int fds[MMR_RT_FORENSICS_MAX_FDS];
	size_t n = 0;
	struct dirent *de;
	bool more = false;
	while ((de = readdir(d))) {
		uint64_t v;
		if (!mmr_parse_u64(de->d_name, strlen(de->d_name), &v) || v > INT32_MAX)
			continue;
		if (n == MMR_RT_FORENSICS_MAX_FDS) {
			more = true;
			break;
		}
		fds[n++] = (int)v;
	}
	closedir(d);
	qsort(fds, n, sizeof(fds[0]), cmp_fd);
	struct socks s = { 0 };
	bool loaded = false;
	for (size_t i = 0; i < n; i++) {
		char lp[600], target[4096];
		snprintf(lp, sizeof(lp), "%s/%d", path, fds[i]);
		ssize_t l = readlink(lp, target, sizeof(target) - 1);
		if (l < 0)
			continue;
		target[l] = 0;
		json_t *o = json_object();
		json_object_set_new(o, "fd", json_integer(fds[i]));
		json_t *t = json_string(target);
		json_object_set_new(o, "target", t ? t : json_string("(not UTF-8)"));
		uint64_t ino;
		size_t tl = (size_t)l;
		if (tl > 9 && memcmp(target, "socket:[", 8) == 0 && target[tl - 1] == ']' &&
		    mmr_parse_u64(target + 8, tl - 9, &ino)) {
			if (!loaded) {
				load_socks(c, &s);
				loaded = true;
			}
			json_t *sk = sock_json(&s, ino);
			if (sk)
				json_object_set_new(o, "socket", sk);
		}
		json_array_append_new(a, o);
	}
	if (more)
		json_array_append_new(c->missing, json_string("fd: more descriptors than the cap; list truncated"));
	free(s.rows);
	return a;
}

static json_t *collect_exe(struct ctx *c)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%d/exe", c->root, (int)c->req->pid);
	json_t *o = json_object();
	char link[4096];
	ssize_t l = readlink(path, link, sizeof(link) - 1);
	if (l >= 0) {
		link[l] = 0;
		json_t *s = json_string(link);
		json_object_set_new(o, "path", s ? s : json_null());
	} else if (c->req->proc) {
		json_object_set_new(o, "path", json_string(c->req->proc->exepath));
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		missing(c, "exe", errno);
		return o;
	}
	struct stat st;
	if (fstat(fd, &st) == 0)
		json_object_set_new(o, "size", json_integer((json_int_t)st.st_size));
	uint64_t cap = c->req->max_exe_bytes ? c->req->max_exe_bytes : MMR_RT_FORENSICS_DEFAULT_EXE_MAX;
	struct mmr_sha256 h;
	if (mmr_sha256_init(&h) < 0) {
		close(fd);
		return o;
	}
	size_t bufsize = 64 * 1024;
	char *buf = malloc(bufsize);
	if (!buf) {
		mmr_sha256_release(&h);
		close(fd);
		return o;
	}
	uint64_t total = 0;
	bool truncated = false, err = false;
	for (;;) {
		size_t want = bufsize;
		if (total + want > cap)
			want = (size_t)(cap - total);
		if (want == 0) {
			char one;
			truncated = read(fd, &one, 1) > 0;
			break;
		}
		ssize_t r = read(fd, buf, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = true;
			break;
		}
		if (r == 0)
			break;
		mmr_sha256_update(&h, buf, (size_t)r);
		total += (uint64_t)r;
	}
	close(fd);
	free(buf);
	char hex[MMR_SHA256_HEX_LEN + 1];
	if (mmr_sha256_final_hex(&h, hex) < 0 || err) {
		mmr_sha256_release(&h);
		missing(c, "exe: read", EIO);
		return o;
	}
	if (truncated) {
		json_object_set_new(o, "truncated", json_true());
		json_object_set_new(o, "sha256_of_first_bytes", json_string(hex));
		json_object_set_new(o, "hashed_bytes", json_integer((json_int_t)total));
		json_array_append_new(c->missing, json_string("exe: larger than the hash cap; sha256 covers the first bytes only"));
	} else {
		json_object_set_new(o, "sha256", json_string(hex));
	}
	return o;
}

static json_t *container_json(const struct mmr_rt_forensics_req *r)
{
	json_t *o = json_object();
	const struct mmr_rt_container *c = r->container;
	if (!c) {
		const char *id = r->container_id && r->container_id[0] ? r->container_id : "host";
		json_object_set_new(o, "id", json_string(id));
		return o;
	}
#define S(k, v)                                                                                    \
	do {                                                                                       \
		json_t *s_ = json_string(v);                                                       \
		json_object_set_new(o, k, s_ ? s_ : json_null());                                  \
	} while (0)
	S("id", c->id);
	S("name", c->name);
	S("image", c->image);
	S("image_repository", c->image_repository);
	S("image_tag", c->image_tag);
	S("image_digest", c->image_digest);
	S("image_id", c->image_id);
	S("runtime", c->runtime);
	json_object_set_new(o, "privileged", json_boolean(c->privileged));
	if (c->start_ts) {
		char t[64];
		mmr_time_iso(c->start_ts, t, sizeof(t));
		S("start_time", t);
	}
	if (c->k8s_pod_name[0]) {
		S("k8s_pod_name", c->k8s_pod_name);
		S("k8s_ns_name", c->k8s_ns_name);
		S("k8s_pod_uid", c->k8s_pod_uid);
	}
#undef S
	json_t *labels = json_object();
	for (uint32_t i = 0; i < c->nlabels && i < MMR_RT_LABELS_MAX; i++) {
		json_t *v = json_string(c->labels[i].value);
		if (v)
			json_object_set_new(labels, c->labels[i].key, v);
	}
	json_object_set_new(o, "labels", labels);
	return o;
}

/* ---- the tar ----------------------------------------------------------- */

struct member {
	const char *name;
	char *data;
	size_t len;
	char sha256[MMR_SHA256_HEX_LEN + 1];
};

static int add_member(struct archive *ar, const char *name, const char *data, size_t len, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return -ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, mtime, 0);
	int rc = 0;
	if (archive_write_header(ar, e) != ARCHIVE_OK || (len && archive_write_data(ar, data, len) != (la_ssize_t)len))
		rc = -EIO;
	archive_entry_free(e);
	return rc;
}

static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
		return -errno;
	return 0;
}

int mmr_rt_forensics_write(const struct mmr_rt_forensics_req *req, char *ret_path, size_t path_size)
{
	if (!req || !req->dir || !req->dir[0] || req->pid <= 0)
		return -EINVAL;
	int rc = ensure_dir(req->dir);
	if (rc < 0)
		return rc;
	struct ctx c = { .req = req, .root = req->proc_root ? req->proc_root : "/proc" };
	c.missing = json_array();
	c.btime = boot_time_s(c.root);
	c.hz = sysconf(_SC_CLK_TCK);
	uint64_t tns = req->time_ns;
	if (!tns) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		tns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	}

	json_t *parts[6] = { 0 };
	static const char *const names[6] = { "process.json", "environ.json", "fds.json",
					      "container.json", "events.json", "exe.json" };
	parts[0] = collect_tree(&c);
	parts[1] = collect_environ(&c);
	parts[2] = collect_fds(&c);
	parts[3] = container_json(req);
	parts[4] = req->events ? json_incref(req->events) : json_array();
	parts[5] = collect_exe(&c);

	struct member m[6];
	memset(m, 0, sizeof(m));
	json_t *files = json_array();
	rc = 0;
	for (int i = 0; i < 6; i++) {
		m[i].name = names[i];
		m[i].data = parts[i] ? json_dumps(parts[i], JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
		if (!m[i].data) {
			rc = -ENOMEM;
			continue;
		}
		m[i].len = strlen(m[i].data);
		mmr_sha256_hex(m[i].data, m[i].len, m[i].sha256);
		json_t *f = json_object();
		json_object_set_new(f, "name", json_string(names[i]));
		json_object_set_new(f, "size", json_integer((json_int_t)m[i].len));
		json_object_set_new(f, "sha256", json_string(m[i].sha256));
		json_array_append_new(files, f);
	}

	char iso[64];
	mmr_time_iso(tns, iso, sizeof(iso));
	json_t *man = json_object();
	json_object_set_new(man, "format", json_string("mamori-forensics/1"));
	json_object_set_new(man, "time", json_string(iso));
	json_t *alert = req->alert_json ? json_loads(req->alert_json, 0, NULL) : NULL;
	json_object_set_new(man, "alert", alert ? alert : json_null());
	json_object_set_new(man, "rule", req->rule ? json_string(req->rule) : json_null());
	json_object_set_new(man, "pid", json_integer(req->pid));
	json_t *host = json_object();
	struct utsname u;
	json_object_set_new(host, "hostname", json_string(req->hostname ? req->hostname : ""));
	if (uname(&u) == 0) {
		json_object_set_new(host, "kernel", json_string(u.release));
		json_object_set_new(host, "machine", json_string(u.machine));
	}
	json_object_set_new(man, "host", host);
	const char *cid = req->container ? req->container->id
					 : (req->container_id && req->container_id[0] ? req->container_id : "host");
	json_object_set_new(man, "container_id", json_string(cid));
	json_object_set_new(man, "process_alive", json_boolean(json_array_size(parts[0]) &&
		strcmp(json_string_value(json_object_get(json_array_get(parts[0], 0), "source")) ?: "", "proc") == 0));
	json_t *ex = json_object_get(parts[5], "sha256");
	if (ex)
		json_object_set(man, "exe_sha256", ex);
	json_object_set_new(man, "files", files);
	json_object_set_new(man, "missing", c.missing);
	char *mdata = rc == 0 ? json_dumps(man, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(man);
	for (int i = 0; i < 6; i++)
		json_decref(parts[i]);
	if (!mdata) {
		rc = -ENOMEM;
		goto out;
	}

	/* file name: <time>-<rule-slug>-<pid>.tar */
	struct tm tm;
	time_t secs = (time_t)(tns / 1000000000ull);
	gmtime_r(&secs, &tm);
	char ts[32], slug[49], base[160], tmp[4200], final[4200];
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	mmr_rt_forensics_slug(req->rule, slug, sizeof(slug));
	snprintf(base, sizeof(base), "%s-%s-%d", ts, slug, (int)req->pid);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp%d", req->dir, base, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	struct archive *ar = archive_write_new();
	if (!ar || archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    archive_write_open_fd(ar, fd) != ARCHIVE_OK) {
		rc = -EIO;
	} else {
		rc = add_member(ar, "manifest.json", mdata, strlen(mdata), secs);
		for (int i = 0; i < 6 && rc == 0; i++)
			rc = add_member(ar, m[i].name, m[i].data, m[i].len, secs);
		if (archive_write_close(ar) != ARCHIVE_OK && rc == 0)
			rc = -EIO;
	}
	archive_write_free(ar);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -EIO;
	if (rc == 0) {
		rc = -EEXIST;
		for (int k = 0; k < 100 && rc == -EEXIST; k++) {
			if (k == 0)
				snprintf(final, sizeof(final), "%s/%s.tar", req->dir, base);
			else
				snprintf(final, sizeof(final), "%s/%s-%d.tar", req->dir, base, k);
			rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0 ? 0 : -errno;
		}
	}
	if (rc < 0)
		unlink(tmp);
	else if (ret_path)
		snprintf(ret_path, path_size, "%s", final);
out:
	free(mdata);
	for (int i = 0; i < 6; i++)
		free(m[i].data);
	return rc;
}
