/* runtime-enforce.c - enforcement policy parser and queries (see the header). */
#include "mmr-config.h"
#include "runtime/runtime-enforce.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/core-error.h"
#include "core/core-hash.h"

struct pctx {
	yaml_document_t *doc;
	const char *file;
	struct mmr_error *err;
};

static int perr(struct pctx *c, const yaml_node_t *n, int e, const char *fmt, const char *a, const char *b)
{
	char msg[400];
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	return mmr_error_set(c->err, e, c->file, n ? (unsigned long)n->start_mark.line + 1 : 0,
			     n ? (unsigned long)n->start_mark.column + 1 : 0, "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar string, copied; NUL bytes inside and over-long strings refused. */
static int str_dup(struct pctx *c, const yaml_node_t *n, const char *what, char **ret)
{
	const char *s = scalar(n);
	if (!s)
		return perr(c, n, EBADMSG, "%s: expected a string", what, NULL);
	if (strlen(s) != n->data.scalar.length)
		return perr(c, n, EBADMSG, "%s: NUL byte in string", what, NULL);
	if (n->data.scalar.length == 0)
		return perr(c, n, EBADMSG, "%s: empty string", what, NULL);
	if (n->data.scalar.length > MMR_RT_ENFORCE_MAX_STR)
		return perr(c, n, E2BIG, "%s: string longer than 1024 bytes", what, NULL);
	char *d = strdup(s);
	if (!d)
		return -ENOMEM;
	*ret = d;
	return 0;
}

/* A sequence of strings (a single scalar counts as a one-entry list). */
static int str_list(struct pctx *c, const yaml_node_t *n, const char *what, char ***ret, size_t *ret_n)
{
	if (n->type == YAML_SCALAR_NODE) {
		char **v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		int rc = str_dup(c, n, what, &v[0]);
		if (rc < 0) {
			free(v);
			return rc;
		}
		*ret = v;
		*ret_n = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return perr(c, n, EBADMSG, "%s: expected a list of strings", what, NULL);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt > MMR_RT_ENFORCE_MAX_LIST)
		return perr(c, n, E2BIG, "%s: more than 4096 entries", what, NULL);
	char **v = calloc(cnt ? cnt : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*ret = v;
	*ret_n = 0;
	for (size_t i = 0; i < cnt; i++) {
		const yaml_node_t *it = yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
		int rc = str_dup(c, it, what, &v[i]);
		if (rc < 0)
			return rc;
		*ret_n = i + 1;
	}
	return 0;
}

static int parse_port(const char *s, uint16_t *ret)
{
	if (!*s || strlen(s) > 5)
		return -EINVAL;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

static int parse_prefix(const char *s, unsigned max, unsigned *ret)
{
	if (!*s || strlen(s) > 3)
		return -EINVAL;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int mmr_rt_enforce_cidr_parse(const char *s, struct mmr_rt_enforce_cidr *ret)
{
	char buf[128];
	if (!s || strlen(s) >= sizeof(buf) || !*s)
		return -EINVAL;
	memcpy(buf, s, strlen(s) + 1);
	struct mmr_rt_enforce_cidr c = { 0 };
	char *addr = buf, *pfx = NULL, *port = NULL;
	bool v6;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close)
			return -EINVAL;
		*close = 0;
		addr = buf + 1;
		char *rest = close + 1;
		if (*rest == '/') {
			pfx = rest + 1;
			char *colon = strchr(pfx, ':');
			if (colon) {
				*colon = 0;
				port = colon + 1;
			}
		} else if (*rest == ':') {
			port = rest + 1;
		} else if (*rest) {
			return -EINVAL;
		}
		v6 = true;
	} else if (strchr(buf, ':') && strchr(buf, ':') != strrchr(buf, ':')) {
		/* bare IPv6: no port possible */
		v6 = true;
		char *slash = strchr(buf, '/');
		if (slash) {
			*slash = 0;
			pfx = slash + 1;
		}
	} else {
		v6 = false;
		char *colon = strchr(buf, ':');
		if (colon) {
			*colon = 0;
			port = colon + 1;
		}
		char *slash = strchr(buf, '/');
		if (slash) {
			*slash = 0;
			pfx = slash + 1;
		}
	}
	unsigned bits = v6 ? 128 : 32;
	if (pfx && parse_prefix(pfx, v6 ? 128 : 32, &bits) < 0)
		return -EINVAL;
	if (port && parse_port(port, &c.port) < 0)
		return -EINVAL;
	if (v6) {
		if (inet_pton(AF_INET6, addr, c.ip) != 1)
			return -EINVAL;
		c.prefix = (uint8_t)bits;
	} else {
		uint8_t v4[4];
		if (inet_pton(AF_INET, addr, v4) != 1)
			return -EINVAL;
		c.ip[10] = c.ip[11] = 0xff;
		memcpy(c.ip + 12, v4, 4);
		c.prefix = (uint8_t)(bits + 96);
	}
	/* clear host bits so equal ranges compare equal */
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;
		if (lo >= c.prefix)
			c.ip[i] = 0;
		else if (lo + 8 > c.prefix)
			c.ip[i] &= (uint8_t)(0xff << (8 - (c.prefix - lo)));
	}
	*ret = c;
	return 0;
}

bool mmr_rt_enforce_cidr_match(const struct mmr_rt_enforce_cidr *c, const uint8_t ip[16], uint16_t port)
{
	if (c->port && c->port != port)
		return false;
	unsigned full = c->prefix / 8, rem = c->prefix % 8;
	if (memcmp(c->ip, ip, full) != 0)
		return false;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));
		if ((c->ip[full] & m) != (ip[full] & m))
			return false;
	}
	return true;
}

static int cidr_list(struct pctx *c, const yaml_node_t *n, const char *what, struct mmr_rt_enforce_cidr **ret,
		     size_t *ret_n)
{
	char **v = NULL;
	size_t cnt = 0;
	int rc = str_list(c, n, what, &v, &cnt);
	struct mmr_rt_enforce_cidr *out = NULL;
	if (rc >= 0) {
		out = calloc(cnt ? cnt : 1, sizeof(*out));
		if (!out)
			rc = -ENOMEM;
	}
	for (size_t i = 0; rc >= 0 && i < cnt; i++)
		if (mmr_rt_enforce_cidr_parse(v[i], &out[i]) < 0) {
			const yaml_node_t *it = n->type == YAML_SEQUENCE_NODE
							? yaml_document_get_node(c->doc, n->data.sequence.items.start[i])
							: n;
			rc = perr(c, it, EBADMSG, "%s: '%s' is not an address, CIDR or CIDR:port", what, v[i]);
		}
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
	if (rc < 0) {
		free(out);
		return rc;
	}
	*ret = out;
	*ret_n = cnt;
	return 0;
}

static void wl_release(struct mmr_rt_enforce_wl *w)
{
	free(w->name);
	free(w->image);
	free(w->container);
	free(w->cgroup);
	for (size_t i = 0; i < w->n_allow_exec; i++)
		free(w->allow_exec[i]);
	free(w->allow_exec);
	for (size_t i = 0; i < w->n_deny_write; i++)
		free(w->deny_write[i]);
	free(w->deny_write);
	free(w->deny_connect);
	free(w->allow_connect);
	for (size_t i = 0; i < w->n_kill_on; i++)
		free(w->kill_on[i]);
	free(w->kill_on);
}

void mmr_rt_enforce_free(struct mmr_rt_enforce_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_wl; i++)
		wl_release(&p->wl[i]);
	free(p->wl);
	free(p);
}

static int parse_match(struct pctx *c, const yaml_node_t *n, struct mmr_rt_enforce_wl *w)
{
	const char *s = scalar(n);
	if (s) {
		if (strcmp(s, "host") != 0)
			return perr(c, n, EBADMSG, "match: expected 'host' or a mapping of image, container, cgroup",
				    NULL, NULL);
		w->host = true;
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return perr(c, n, EBADMSG, "match: expected 'host' or a mapping of image, container, cgroup", NULL,
			    NULL);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = scalar(k);
		char **dst = NULL;
		if (!key)
			return perr(c, k, EBADMSG, "match: keys must be strings", NULL, NULL);
		if (strcmp(key, "image") == 0)
			dst = &w->image;
		else if (strcmp(key, "container") == 0 || strcmp(key, "name") == 0)
			dst = &w->container;
		else if (strcmp(key, "cgroup") == 0)
			dst = &w->cgroup;
		else if (strcmp(key, "host") == 0) {
			const char *b = scalar(v);
			if (!b || (strcmp(b, "true") != 0 && strcmp(b, "false") != 0))
				return perr(c, v, EBADMSG, "match.host: expected true or false", NULL, NULL);
			w->host = strcmp(b, "true") == 0;
			continue;
		} else
			return perr(c, k, EBADMSG, "match: unknown key '%s' (image, container, cgroup, host)", key,
				    NULL);
		if (*dst)
			return perr(c, k, EBADMSG, "match: '%s' given twice", key, NULL);
		int rc = str_dup(c, v, key, dst);
		if (rc < 0)
			return rc;
	}
	if (w->host && (w->image || w->container || w->cgroup))
		return perr(c, n, EBADMSG, "match: host cannot be combined with image, container or cgroup", NULL,
			    NULL);
	if (!w->host && !w->image && !w->container && !w->cgroup)
		return perr(c, n, EBADMSG, "match: empty (give image, container, cgroup or host)", NULL, NULL);
	return 0;
}

static int parse_wl(struct pctx *c, const yaml_node_t *n, size_t idx, struct mmr_rt_enforce_wl *w)
{
	w->line = (unsigned)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return perr(c, n, EBADMSG, "workloads: each entry must be a mapping", NULL, NULL);
	bool have_match = false;
	unsigned seen = 0;
	static const char *const keys[] = { "name",          "match",         "allow_exec", "deny_write",
					    "deny_connect", "allow_connect", "kill_on" };
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = scalar(k);
		if (!key)
			return perr(c, k, EBADMSG, "workload: keys must be strings", NULL, NULL);
		unsigned ki = 0;
		while (ki < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[ki], key) != 0)
			ki++;
		if (ki == sizeof(keys) / sizeof(keys[0]))
			return perr(c, k, EBADMSG,
				    "workload: unknown key '%s' (name, match, allow_exec, deny_write, deny_connect, "
				    "allow_connect, kill_on)",
				    key, NULL);
		if (seen & (1u << ki))
			return perr(c, k, EBADMSG, "workload: '%s' given twice", key, NULL);
		seen |= 1u << ki;
		int rc = 0;
		switch (ki) {
		case 0:
			rc = str_dup(c, v, "name", &w->name);
			break;
		case 1:
			rc = parse_match(c, v, w);
			have_match = true;
			break;
		case 2:
			rc = str_list(c, v, "allow_exec", &w->allow_exec, &w->n_allow_exec);
			w->has_allow_exec = true;
			break;
		case 3:
			rc = str_list(c, v, "deny_write", &w->deny_write, &w->n_deny_write);
			break;
		case 4:
			rc = cidr_list(c, v, "deny_connect", &w->deny_connect, &w->n_deny_connect);
			break;
		case 5:
			rc = cidr_list(c, v, "allow_connect", &w->allow_connect, &w->n_allow_connect);
			w->has_allow_connect = true;
			break;
		default:
			rc = str_list(c, v, "kill_on", &w->kill_on, &w->n_kill_on);
			break;
		}
		if (rc < 0)
			return rc;
	}
	if (!have_match)
		return perr(c, n, EBADMSG, "workload: 'match' is missing", NULL, NULL);
	if (w->has_allow_exec)
		for (size_t i = 0; i < w->n_allow_exec; i++)
			if (w->allow_exec[i][0] != '/' && w->allow_exec[i][0] != '*')
				return perr(c, n, EBADMSG, "allow_exec: '%s' is not an absolute path or glob",
					    w->allow_exec[i], NULL);
	for (size_t i = 0; i < w->n_deny_write; i++)
		if (w->deny_write[i][0] != '/' && w->deny_write[i][0] != '*')
			return perr(c, n, EBADMSG, "deny_write: '%s' is not an absolute path or glob",
				    w->deny_write[i], NULL);
	if (!w->name) {
		char nm[32];
		snprintf(nm, sizeof(nm), "workload-%zu", idx + 1);
		w->name = strdup(nm);
		if (!w->name)
			return -ENOMEM;
	}
	return 0;
}

static int parse_doc(struct pctx *c, struct mmr_rt_enforce_policy *pol)
{
	const yaml_node_t *root = yaml_document_get_root_node(c->doc);
	if (!root)
		return perr(c, NULL, EBADMSG, "empty policy (expected 'workloads:')", NULL, NULL);
	if (root->type != YAML_MAPPING_NODE)
		return perr(c, root, EBADMSG, "policy: expected a mapping with 'workloads:'", NULL, NULL);
	const yaml_node_t *wls = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		const char *key = scalar(k);
		if (key && strcmp(key, "version") == 0) {
			const char *ver = scalar(v);
			if (!ver || strcmp(ver, "1") != 0)
				return perr(c, v, EPROTO, "version: only version 1 is known", NULL, NULL);
		} else if (key && strcmp(key, "workloads") == 0) {
			if (wls)
				return perr(c, k, EBADMSG, "'workloads' given twice", NULL, NULL);
			wls = v;
		} else {
			return perr(c, k, EBADMSG, "policy: unknown key '%s' (version, workloads)", key ? key : "?",
				    NULL);
		}
	}
	if (!wls)
		return perr(c, root, EBADMSG, "policy: 'workloads' is missing", NULL, NULL);
	if (wls->type != YAML_SEQUENCE_NODE)
		return perr(c, wls, EBADMSG, "workloads: expected a list", NULL, NULL);
	size_t cnt = (size_t)(wls->data.sequence.items.top - wls->data.sequence.items.start);
	if (cnt > MMR_RT_ENFORCE_MAX_WL)
		return perr(c, wls, E2BIG, "workloads: more than 256 entries", NULL, NULL);
	pol->wl = calloc(cnt ? cnt : 1, sizeof(*pol->wl));
	if (!pol->wl)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const yaml_node_t *it = yaml_document_get_node(c->doc, wls->data.sequence.items.start[i]);
		pol->n_wl = i + 1;
		int rc = parse_wl(c, it, i, &pol->wl[i]);
		if (rc < 0)
			return rc;
		const struct mmr_rt_enforce_wl *w = &pol->wl[i];
		pol->any_exec |= w->has_allow_exec;
		pol->any_write |= w->n_deny_write > 0;
		pol->any_connect |= w->n_deny_connect > 0 || w->has_allow_connect;
		pol->any_kill |= w->n_kill_on > 0;
	}
	return 0;
}

int mmr_rt_enforce_parse(const void *data, size_t len, const char *file, struct mmr_rt_enforce_policy **ret,
			 struct mmr_error *reterr)
{
	if (!file)
		file = "<policy>";
	if (len > MMR_RT_ENFORCE_MAX_FILE)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "policy larger than %u bytes",
				     MMR_RT_ENFORCE_MAX_FILE);
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		int rc = mmr_error_set(reterr, EBADMSG, file, (unsigned long)parser.problem_mark.line + 1,
				       (unsigned long)parser.problem_mark.column + 1, "YAML: %s%s%s",
				       parser.problem ? parser.problem : "syntax error", parser.context ? " " : "",
				       parser.context ? parser.context : "");
		if (parser.error == YAML_MEMORY_ERROR)
			rc = -ENOMEM;
		yaml_parser_delete(&parser);
		return rc;
	}
	yaml_parser_delete(&parser);
	struct mmr_rt_enforce_policy *pol = calloc(1, sizeof(*pol));
	int rc = pol ? 0 : -ENOMEM;
	if (pol) {
		struct pctx c = { &doc, file, reterr };
		rc = parse_doc(&c, pol);
	}
	yaml_document_delete(&doc);
	if (rc < 0) {
		mmr_rt_enforce_free(pol);
		return rc;
	}
	*ret = pol;
	return 0;
}

int mmr_rt_enforce_load_file(const char *path, struct mmr_rt_enforce_policy **ret, struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "%s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > MMR_RT_ENFORCE_MAX_FILE) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "policy larger than %u bytes",
				     MMR_RT_ENFORCE_MAX_FILE);
	}
	size_t size = (size_t)st.st_size;
	char *buf = malloc(size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	int rc = mmr_rt_enforce_parse(buf, got, path, ret, reterr);
	free(buf);
	return rc;
}

static bool glob_match(const char *pat, const char *s)
{
	return s && fnmatch(pat, s, 0) == 0;
}

int mmr_rt_enforce_match(const struct mmr_rt_enforce_policy *p, const struct mmr_rt_enforce_subject *s)
{
	for (size_t i = 0; p && i < p->n_wl; i++) {
		const struct mmr_rt_enforce_wl *w = &p->wl[i];
		if (w->host) {
			if (s->host)
				return (int)i;
			continue;
		}
		if (s->host)
			continue;
		if (w->image && !glob_match(w->image, s->image))
			continue;
		if (w->container && !glob_match(w->container, s->container))
			continue;
		if (w->cgroup && !glob_match(w->cgroup, s->cgroup))
			continue;
		return (int)i;
	}
	return -1;
}

bool mmr_rt_enforce_exec_allowed(const struct mmr_rt_enforce_wl *w, const char *path)
{
	if (!w->has_allow_exec)
		return true;
	for (size_t i = 0; i < w->n_allow_exec; i++)
		if (glob_match(w->allow_exec[i], path))
			return true;
	return false;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool mmr_rt_enforce_write_denied(const struct mmr_rt_enforce_wl *w, const char *path)
{
	for (size_t i = 0; i < w->n_deny_write; i++) {
		const char *e = w->deny_write[i];
		size_t el = strlen(e);
		if (has_glob(e)) {
			if (glob_match(e, path))
				return true;
		} else if (el && e[el - 1] == '/') {
			if (strncmp(path, e, el) == 0)
				return true;
		} else if (strncmp(path, e, el) == 0 && (path[el] == 0 || path[el] == '/')) {
			return true;
		}
	}
	return false;
}

bool mmr_rt_enforce_connect_allowed(const struct mmr_rt_enforce_wl *w, const uint8_t ip[16], uint16_t port)
{
	for (size_t i = 0; i < w->n_deny_connect; i++)
		if (mmr_rt_enforce_cidr_match(&w->deny_connect[i], ip, port))
			return false;
	if (!w->has_allow_connect)
		return true;
	for (size_t i = 0; i < w->n_allow_connect; i++)
		if (mmr_rt_enforce_cidr_match(&w->allow_connect[i], ip, port))
			return true;
	return false;
}

bool mmr_rt_enforce_kill_on(const struct mmr_rt_enforce_wl *w, const char *rule, const char *const *tags,
			    size_t ntags)
{
	for (size_t i = 0; i < w->n_kill_on; i++) {
		const char *k = w->kill_on[i];
		if (rule && strcmp(k, rule) == 0)
			return true;
		for (size_t t = 0; t < ntags; t++)
			if (tags[t] && strcmp(k, tags[t]) == 0)
				return true;
	}
	return false;
}

bool mmr_rt_enforce_dedup_check(struct mmr_rt_enforce_dedup *d, const char *key, uint64_t now_ns)
{
	if (!d->window_ns || !key)
		return true;
	uint64_t h = mmr_hash64(key, strlen(key)) | 1; /* 0 marks a free slot */
	size_t i = (size_t)(h % MMR_RT_ENFORCE_DEDUP_SLOTS);
	if (d->hash[i] == h && now_ns >= d->last_ns[i] && now_ns - d->last_ns[i] < d->window_ns) {
		d->suppressed++;
		return false;
	}
	d->hash[i] = h;
	d->last_ns[i] = now_ns;
	return true;
}

bool mmr_rt_enforce_protected_comm(const char *comm)
{
	static const char *const exact[] = { "conmon", "crun", "podman", "dockerd", "docker", "crio",
					     "systemd", "catatonit", "docker-proxy", "kubelet" };
	static const char *const prefix[] = { "runc", "containerd", "docker-init", "conmon" };
	if (!comm)
		return false;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(comm, exact[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(comm, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

int mmr_rt_enforce_cgroup2_root(char *out, size_t size)
{
	static const char *const cands[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s/cgroup.controllers", cands[i]);
		if (access(p, F_OK) == 0) {
			snprintf(out, size, "%s", cands[i]);
			return 0;
		}
	}
	return -ENOENT;
}

int mmr_rt_enforce_cgroup_of_pid(int pid, char *path, size_t size, uint64_t *ret_id)
{
	char fn[64], line[1024];
	snprintf(fn, sizeof(fn), "/proc/%d/cgroup", pid);
	FILE *f = fopen(fn, "re");
	if (!f)
		return -errno;
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(path, size, "%s", line + 3);
		rc = 0;
		break;
	}
	fclose(f);
	if (rc < 0)
		return rc;
	if (ret_id) {
		*ret_id = 0;
		char root[128], dir[1400];
		struct stat st;
		if (mmr_rt_enforce_cgroup2_root(root, sizeof(root)) == 0) {
			snprintf(dir, sizeof(dir), "%s%s", root, path);
			if (stat(dir, &st) == 0)
				*ret_id = (uint64_t)st.st_ino;
		}
	}
	return 0;
}

#ifdef MMR_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/enforce.h"
#include "bpf/enforce.skel.h"

struct mmr_rt_enforce_net {
	struct enforce_bpf *skel;
	struct ring_buffer *rb;
	int cgfd;
	void (*fn)(void *ud, const struct mmr_rt_enforce_blocked *b);
	void *ud;
};

static int on_blocked(void *ctx, void *data, size_t len)
{
	struct mmr_rt_enforce_net *n = ctx;
	const struct mmr_enf_blocked *r = data;
	if (len < sizeof(*r) || !n->fn)
		return 0;
	struct mmr_rt_enforce_blocked b = { .cgroup_id = r->cgroup_id, .pid = r->pid,
					    .wl = r->wl == MMR_ENF_WL_NONE ? -1 : (int)r->wl, .port = r->port,
					    .family = r->family, .dry_run = r->dry_run != 0 };
	memcpy(b.ip, r->ip, 16);
	memcpy(b.comm, r->comm, sizeof(b.comm));
	b.comm[sizeof(b.comm) - 1] = 0;
	n->fn(n->ud, &b);
	return 0;
}

static int add_cidrs(int fd, uint32_t wl, const struct mmr_rt_enforce_cidr *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct mmr_enf_key k = { .prefixlen = 64u + c[i].prefix, .wl = wl, .port = c[i].port };
		memcpy(k.ip, c[i].ip, 16);
		uint8_t one = 1;
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

int mmr_rt_enforce_net_open(const struct mmr_rt_enforce_policy *p, bool dry_run,
			    struct mmr_rt_enforce_net **ret, char *why, size_t whylen)
{
	char root[128];
	if (mmr_rt_enforce_cgroup2_root(root, sizeof(root)) < 0) {
		snprintf(why, whylen, "no cgroup v2 hierarchy mounted");
		return -ENOENT;
	}
	struct mmr_rt_enforce_net *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cgfd = -1;
	int rc;
	n->skel = enforce_bpf__open();
	if (!n->skel) {
		rc = -errno;
		snprintf(why, whylen, "opening the BPF object: %s", strerror(-rc));
		goto fail;
	}
	uint32_t host_wl = MMR_ENF_WL_NONE;
	for (size_t i = 0; i < p->n_wl; i++)
		if (p->wl[i].host) {
			host_wl = (uint32_t)i;
			break;
		}
	n->skel->rodata->host_wl = host_wl;
	n->skel->rodata->dry_run = dry_run ? 1 : 0;
	rc = enforce_bpf__load(n->skel);
	if (rc < 0) {
		snprintf(why, whylen, "loading cgroup/connect4|6 programs: %s", strerror(-rc));
		goto fail;
	}
	for (size_t i = 0; i < p->n_wl && i < MMR_ENF_WL_MAX; i++) {
		const struct mmr_rt_enforce_wl *w = &p->wl[i];
		uint32_t key = (uint32_t)i, fl = 0;
		if (w->n_deny_connect || w->has_allow_connect)
			fl |= MMR_ENF_F_ACTIVE;
		if (w->has_allow_connect)
			fl |= MMR_ENF_F_ALLOWLIST;
		if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.wl_flags), &key, &fl, BPF_ANY) < 0 ||
		    add_cidrs(bpf_map__fd(n->skel->maps.deny), key, w->deny_connect, w->n_deny_connect) < 0 ||
		    add_cidrs(bpf_map__fd(n->skel->maps.allow), key, w->allow_connect, w->n_allow_connect) < 0) {
			rc = -errno;
			snprintf(why, whylen, "filling the connect maps: %s", strerror(errno));
			goto fail;
		}
	}
	n->cgfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n->cgfd < 0) {
		rc = -errno;
		snprintf(why, whylen, "%s: %s", root, strerror(errno));
		goto fail;
	}
	n->skel->links.enforce_connect4 = bpf_program__attach_cgroup(n->skel->progs.enforce_connect4, n->cgfd);
	if (!n->skel->links.enforce_connect4) {
		rc = -errno;
		snprintf(why, whylen, "attaching cgroup/connect4 to %s: %s", root, strerror(errno));
		goto fail;
	}
	n->skel->links.enforce_connect6 = bpf_program__attach_cgroup(n->skel->progs.enforce_connect6, n->cgfd);
	if (!n->skel->links.enforce_connect6) {
		rc = -errno;
		snprintf(why, whylen, "attaching cgroup/connect6 to %s: %s", root, strerror(errno));
		goto fail;
	}
	n->rb = ring_buffer__new(bpf_map__fd(n->skel->maps.blocked), on_blocked, n, NULL);
	if (!n->rb) {
		rc = -errno;
		snprintf(why, whylen, "ring buffer: %s", strerror(errno));
		goto fail;
	}
	*ret = n;
	return 0;
fail:
	mmr_rt_enforce_net_free(n);
	return rc < 0 ? rc : -EIO;
}

int mmr_rt_enforce_net_set_cgroup(struct mmr_rt_enforce_net *n, uint64_t cgroup_id, int wl)
{
	uint32_t v = wl < 0 ? MMR_ENF_WL_NONE : (uint32_t)wl;
	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.cgroup_wl), &cgroup_id, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int mmr_rt_enforce_net_poll(struct mmr_rt_enforce_net *n,
			    void (*fn)(void *ud, const struct mmr_rt_enforce_blocked *b), void *ud)
{
	n->fn = fn;
	n->ud = ud;
	return ring_buffer__consume(n->rb);
}

void mmr_rt_enforce_net_free(struct mmr_rt_enforce_net *n)
{
	if (!n)
		return;
	ring_buffer__free(n->rb);
	enforce_bpf__destroy(n->skel);
	if (n->cgfd >= 0)
		close(n->cgfd);
	free(n);
}
#else
struct mmr_rt_enforce_net {
	int unused;
};

int mmr_rt_enforce_net_open(const struct mmr_rt_enforce_policy *p, bool dry_run,
			    struct mmr_rt_enforce_net **ret, char *why, size_t whylen)
{
	(void)p;
	(void)dry_run;
	(void)ret;
	snprintf(why, whylen, "built without eBPF (-Dbpf=disabled)");
	return -ENOTSUP;
}

int mmr_rt_enforce_net_set_cgroup(struct mmr_rt_enforce_net *n, uint64_t cgroup_id, int wl)
{
	(void)n;
	(void)cgroup_id;
	(void)wl;
	return -ENOTSUP;
}

int mmr_rt_enforce_net_poll(struct mmr_rt_enforce_net *n,
			    void (*fn)(void *ud, const struct mmr_rt_enforce_blocked *b), void *ud)
{
	(void)n;
	(void)fn;
	(void)ud;
	return 0;
}

void mmr_rt_enforce_net_free(struct mmr_rt_enforce_net *n)
{
	(void)n;
}
#endif
