/* image-auth.c - registry credentials: WWW-Authenticate challenges and
 * containers/docker auth files (see image-registry.h). */
#include "image/image-registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-http.h"
#include "core/core-json.h"
#include "core/core-log.h"

/* ---- WWW-Authenticate ---- */

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_t68char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~+/", c));
}

struct hp {
	const char *p, *end;
};

static void skip_ows(struct hp *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t'))
		h->p++;
}

static size_t token_len(const struct hp *h)
{
	size_t n = 0;
	while (h->p + n < h->end && is_tchar(h->p[n]))
		n++;
	return n;
}

/* quoted-string at h->p (which is '"'): unescaped copy on the arena. */
static int quoted(struct mmr_arena *a, struct hp *h, const char **ret)
{
	const char *q = h->p + 1;
	struct mmr_buf b;
	mmr_buf_init(&b, (size_t)(h->end - h->p));
	int r = -EBADMSG;
	while (q < h->end) {
		char c = *q;
		if (c == '"') {
			*ret = mmr_arena_strndup(a, b.p, b.len);
			r = *ret ? 0 : -ENOMEM;
			h->p = q + 1;
			break;
		}
		if (c == '\\') {
			if (++q >= h->end)
				break;
			c = *q;
		}
		/* qdtext / quoted-pair: HTAB, SP, VCHAR, obs-text; no other controls */
		if ((unsigned char)c < 0x20 && c != '\t')
			break;
		if (c == 0x7f)
			break;
		if (mmr_buf_addc(&b, c) < 0) {
			r = -ENOMEM;
			break;
		}
		q++;
	}
	mmr_buf_release(&b);
	return r;
}

/* After a comma: is the next element an auth-param (token BWS "=")? */
static bool looks_like_param(const struct hp *h)
{
	struct hp t = *h;
	size_t n = token_len(&t);
	if (!n)
		return false;
	t.p += n;
	skip_ows(&t);
	return t.p < t.end && *t.p == '=';
}

int mmr_auth_parse_challenges(struct mmr_arena *a, const char *hdr, size_t len,
			      struct mmr_auth_challenge **ret, size_t *ret_n)
{
	struct hp h = { hdr, hdr + len };
	struct mmr_auth_challenge *cs = mmr_arena_calloc(a, MMR_AUTH_MAX_CHALLENGES, sizeof(*cs));
	size_t n = 0;
	if (!cs)
		return -ENOMEM;
	for (;;) {
		/* empty list elements are allowed: "a, , b" */
		while (h.p < h.end && (*h.p == ' ' || *h.p == '\t' || *h.p == ','))
			h.p++;
		if (h.p >= h.end)
			break;
		size_t sl = token_len(&h);
		if (!sl)
			return -EBADMSG;
		if (n >= MMR_AUTH_MAX_CHALLENGES)
			return -E2BIG;
		struct mmr_auth_challenge *c = &cs[n++];
		c->scheme = mmr_arena_strndup(a, h.p, sl);
		c->params = mmr_arena_calloc(a, MMR_AUTH_MAX_PARAMS, sizeof(*c->params));
		if (!c->scheme || !c->params)
			return -ENOMEM;
		h.p += sl;
		if (h.p < h.end && *h.p != ' ' && *h.p != '\t' && *h.p != ',')
			return -EBADMSG;
		skip_ows(&h);
		if (h.p >= h.end)
			break;
		if (*h.p == ',')
			continue; /* scheme without parameters */
		/* token68? (not followed by BWS "=" token/quoted-string) */
		if (!looks_like_param(&h)) {
			size_t tl = 0;
			while (h.p + tl < h.end && is_t68char(h.p[tl]))
				tl++;
			if (!tl)
				return -EBADMSG;
			while (h.p + tl < h.end && h.p[tl] == '=')
				tl++;
			c->token68 = mmr_arena_strndup(a, h.p, tl);
			if (!c->token68)
				return -ENOMEM;
			h.p += tl;
			skip_ows(&h);
			if (h.p < h.end && *h.p != ',')
				return -EBADMSG;
			continue;
		}
		/* #auth-param */
		for (;;) {
			size_t nl = token_len(&h);
			const char *name = h.p;
			h.p += nl;
			skip_ows(&h);
			if (h.p >= h.end || *h.p != '=')
				return -EBADMSG;
			h.p++;
			skip_ows(&h);
			const char *val;
			if (h.p < h.end && *h.p == '"') {
				int r = quoted(a, &h, &val);
				if (r < 0)
					return r;
			} else {
				size_t vl = token_len(&h);
				if (!vl) {
					/* "abc==" style token68 after a first '=' */
					if (c->n_params == 0 && h.p < h.end && *h.p == '=') {
						while (h.p < h.end && *h.p == '=')
							h.p++;
						c->token68 = mmr_arena_strndup(a, name,
									       (size_t)(h.p - name));
						if (!c->token68)
							return -ENOMEM;
						skip_ows(&h);
						if (h.p < h.end && *h.p != ',')
							return -EBADMSG;
						break;
					}
					return -EBADMSG;
				}
				val = mmr_arena_strndup(a, h.p, vl);
				h.p += vl;
			}
			if (c->n_params >= MMR_AUTH_MAX_PARAMS)
				return -E2BIG;
			c->params[c->n_params].name = mmr_arena_strndup(a, name, nl);
			c->params[c->n_params].value = val;
			if (!c->params[c->n_params].name || !val)
				return -ENOMEM;
			c->n_params++;
			skip_ows(&h);
			if (h.p >= h.end)
				break;
			if (*h.p != ',')
				return -EBADMSG;
			while (h.p < h.end && (*h.p == ' ' || *h.p == '\t' || *h.p == ','))
				h.p++;
			if (h.p >= h.end || !looks_like_param(&h))
				break; /* next challenge (or end) */
		}
	}
	*ret = cs;
	*ret_n = n;
	return 0;
}

const char *mmr_auth_param(const struct mmr_auth_challenge *c, const char *name)
{
	for (size_t i = 0; i < c->n_params; i++)
		if (!strcasecmp(c->params[i].name, name))
			return c->params[i].value;
	return NULL;
}

/* ---- auth files ---- */

static bool docker_hub(const char *host, size_t n)
{
	static const char *const alias[] = { "docker.io", "index.docker.io", "registry-1.docker.io",
					     "registry.hub.docker.com" };
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strlen(alias[i]) == n && !strncasecmp(host, alias[i], n))
			return true;
	return false;
}

static bool host_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (docker_hub(a, an) && docker_hub(b, bn))
		return true;
	return an == bn && !strncasecmp(a, b, an);
}

/* Score how well an "auths" key matches: -1 no match, else the length of
 * the namespace path matched (0: host only). */
static long key_score(const char *key, const char *registry, const char *repository)
{
	const char *k = key;
	if (!strncasecmp(k, "https://", 8))
		k += 8;
	else if (!strncasecmp(k, "http://", 7))
		k += 7;
	size_t hl = strcspn(k, "/");
	if (!host_eq(k, hl, registry, strlen(registry)))
		return -1;
	const char *path = k + hl;
	while (*path == '/')
		path++;
	size_t pl = strlen(path);
	while (pl && path[pl - 1] == '/')
		pl--;
	/* docker's legacy "https://index.docker.io/v1/" */
	if (pl == 0 || (pl == 2 && (!strncmp(path, "v1", 2) || !strncmp(path, "v2", 2))))
		return 0;
	if (!repository || strncmp(repository, path, pl) != 0 ||
	    (repository[pl] != 0 && repository[pl] != '/'))
		return -1;
	return (long)pl;
}

static int entry_cred(struct mmr_arena *a, const json_t *e, const char *file, const char *key,
		      struct mmr_auth_cred *ret, struct mmr_error *reterr)
{
	const char *auth = mmr_json_str(e, "auth");
	const char *user = mmr_json_str(e, "username"), *pass = mmr_json_str(e, "password");
	if (auth && *auth) {
		struct mmr_buf b;
		mmr_buf_init(&b, strlen(auth));
		int r = mmr_base64_decode(&b, auth, strlen(auth));
		char *colon = r == 0 ? memchr(b.p, ':', b.len) : NULL;
		if (!colon) {
			explicit_bzero(b.p, b.len);
			mmr_buf_release(&b);
			return mmr_error_set(reterr, EBADMSG, file, 0, 0,
					     "auths[\"%s\"].auth is not base64 of user:password", key);
		}
		ret->username = mmr_arena_strndup(a, b.p, (size_t)(colon - b.p));
		ret->password = mmr_arena_strndup(a, colon + 1, b.len - (size_t)(colon - b.p) - 1);
		explicit_bzero(b.p, b.len);
		mmr_buf_release(&b);
	} else if (user && pass) {
		ret->username = mmr_arena_strdup(a, user);
		ret->password = mmr_arena_strdup(a, pass);
	} else {
		if (mmr_json_str(e, "identitytoken"))
			mmr_warn("%s: auths[\"%s\"]: identity tokens are not supported", file, key);
		return 0;
	}
	if (!ret->username || !ret->password)
		return -ENOMEM;
	ret->source = mmr_arena_strdup(a, file);
	return 1;
}

int mmr_auth_file_lookup(struct mmr_arena *a, const void *data, size_t len, const char *file,
			 const char *registry, const char *repository, struct mmr_auth_cred *ret,
			 struct mmr_error *reterr)
{
	json_t *root = NULL;
	if (len > MMR_AUTH_MAX_FILE)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "auth file larger than %zu bytes",
				     MMR_AUTH_MAX_FILE);
	int r = mmr_json_parse(data, len, file, &root, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(root)) {
		json_decref(root);
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "auth file is not a JSON object");
	}
	json_t *auths = json_object_get(root, "auths");
	const char *best_key = NULL;
	json_t *best = NULL;
	long best_score = -1;
	if (auths && !json_is_object(auths)) {
		json_decref(root);
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "\"auths\" is not an object");
	}
	const char *key;
	json_t *val;
	json_object_foreach(auths, key, val)
	{
		if (!json_is_object(val))
			continue;
		long s = key_score(key, registry, repository);
		if (s > best_score) {
			best_score = s;
			best_key = key;
			best = val;
		}
	}
	r = 0;
	struct mmr_auth_cred c = { 0 };
	if (best)
		r = entry_cred(a, best, file, best_key, &c, reterr);
	if (r == 0) {
		json_t *helpers = json_object_get(root, "credHelpers");
		const char *hk;
		json_t *hv;
		bool helper = false;
		json_object_foreach(helpers, hk, hv)
		{
			if (key_score(hk, registry, repository) >= 0)
				helper = true;
		}
		if (helper || mmr_json_str(root, "credsStore"))
			mmr_warn("%s: credential helpers (credHelpers/credsStore) are not supported; "
				 "use --username/--password or an \"auths\" entry",
				 file);
	}
	json_decref(root);
	if (r > 0)
		*ret = c;
	return r;
}

static int read_small(const char *path, struct mmr_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	char tmp[8192];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		int r = mmr_buf_add(b, tmp, (size_t)n);
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	explicit_bzero(tmp, sizeof(tmp));
	close(fd);
	return 0;
}

static int try_file(struct mmr_arena *a, const char *path, const char *registry,
		    const char *repository, struct mmr_auth_cred *ret)
{
	struct mmr_buf b;
	struct mmr_error e = { 0 };
	char msg[sizeof(e.msg) + sizeof(e.file) + 64];
	mmr_buf_init(&b, MMR_AUTH_MAX_FILE);
	int r = read_small(path, &b);
	if (r == -ENOENT || r == -ENOTDIR) {
		mmr_buf_release(&b);
		return 0;
	}
	if (r < 0) {
		mmr_warn("auth file %s: %s", path, r == -E2BIG ? "too large" : strerror(-r));
		mmr_buf_release(&b);
		return 0;
	}
	r = mmr_auth_file_lookup(a, b.p, b.len, path, registry, repository, ret, &e);
	explicit_bzero(b.p, b.len);
	mmr_buf_release(&b);
	if (r < 0) {
		mmr_warn("auth file skipped: %s", mmr_error_format(&e, msg, sizeof(msg)));
		return 0;
	}
	if (r > 0)
		mmr_debug("registry credentials for %s from %s", registry, path);
	return r;
}

int mmr_auth_find(struct mmr_arena *a, const struct mmr_scan_opts *o, const char *registry,
		  const char *repository, struct mmr_auth_cred *ret)
{
	if (o && o->username && o->password) {
		ret->username = o->username;
		ret->password = o->password;
		ret->source = "the command line";
		return 1;
	}
	int r;
	if (o && o->docker_config)
		return try_file(a, o->docker_config, registry, repository, ret);
	const char *f = secure_getenv("REGISTRY_AUTH_FILE");
	if (f && *f && (r = try_file(a, f, registry, repository, ret)) != 0)
		return r;
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/') {
		char *p = mmr_arena_printf(a, "%s/containers/auth.json", xdg);
		if (p && (r = try_file(a, p, registry, repository, ret)) != 0)
			return r;
	}
	const char *dc = secure_getenv("DOCKER_CONFIG");
	const char *home = secure_getenv("HOME");
	char *p = NULL;
	if (dc && *dc)
		p = mmr_arena_printf(a, "%s/config.json", dc);
	else if (home && home[0] == '/')
		p = mmr_arena_printf(a, "%s/.docker/config.json", home);
	if (p && (r = try_file(a, p, registry, repository, ret)) != 0)
		return r;
	return 0;
}
