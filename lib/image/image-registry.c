/* image-registry.c - pull an image from an OCI distribution registry
 * (see image-registry.h and docs/internals/registry.md). */
#include "image/image-registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-hash.h"
#include "core/core-http.h"
#include "core/core-json.h"
#include "core/core-log.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

#define MAX_INDEX_DEPTH 4
#define MAX_DESCS 10000
#define MAX_CONFIG ((size_t)64 << 20)
#define MAX_NAME 255
#define MAX_TOKEN_BODY ((size_t)1 << 20)

/* ---- references ---- */

static bool digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0)
		return false;
	size_t i = 0;
	for (d += 7; d[i]; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return false;
	return i == MMR_SHA256_HEX_LEN;
}

static bool alnum_lc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component ("/" path-component)*, component = alnum+ (sep alnum+)*,
 * sep = "." | "_" | "__" | "-"+ */
static bool repo_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (!n)
		return false;
	for (;;) {
		/* one component */
		if (i >= n || !alnum_lc(s[i]))
			return false;
		while (i < n && alnum_lc(s[i]))
			i++;
		while (i < n && s[i] != '/') {
			size_t sep = i;
			if (s[i] == '.')
				i++;
			else if (s[i] == '_')
				i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
			else if (s[i] == '-')
				while (i < n && s[i] == '-')
					i++;
			else
				return false;
			if (i == sep || i >= n || !alnum_lc(s[i]))
				return false;
			while (i < n && alnum_lc(s[i]))
				i++;
		}
		if (i >= n)
			return true;
		i++; /* '/' */
	}
}

static bool tag_valid(const char *s, size_t n)
{
	if (n < 1 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool w = isalnum((unsigned char)c) || c == '_';
		if (!(w || (i > 0 && (c == '.' || c == '-'))))
			return false;
	}
	return true;
}

static bool domain_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (!n)
		return false;
	if (s[0] == '[') { /* IPv6 literal */
		const char *rb = memchr(s, ']', n);
		if (!rb || rb == s + 1)
			return false;
		for (const char *p = s + 1; p < rb; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		i = (size_t)(rb - s) + 1;
	} else {
		while (i < n && s[i] != ':') {
			char c = s[i];
			if (!isalnum((unsigned char)c) && c != '.' && c != '-')
				return false;
			if ((c == '.' || c == '-') && (i == 0 || i + 1 == n || s[i + 1] == ':' || s[i + 1] == '.'))
				return false;
			i++;
		}
		if (!i)
			return false;
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return false;
	for (i++; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int mmr_registry_parse_ref(struct mmr_arena *a, const char *ref, const char **ret_registry,
			   const char **ret_repository, const char **ret_tag,
			   const char **ret_digest)
{
	if (!ref)
		return -EINVAL;
	size_t n = strlen(ref);
	if (!n || n > 4096)
		return -EINVAL;
	const char *digest = NULL;
	const char *at = strchr(ref, '@');
	if (at) {
		if (!digest_valid(at + 1))
			return -EINVAL;
		digest = at + 1;
		n = (size_t)(at - ref);
	}
	/* tag: a ':' after the last '/' */
	const char *slash = memrchr(ref, '/', n);
	const char *colon = memrchr(slash ? slash : ref, ':', n - (size_t)((slash ? slash : ref) - ref));
	const char *tag = NULL;
	size_t tag_len = 0, name_len = n;
	if (colon) {
		tag = colon + 1;
		tag_len = n - (size_t)(tag - ref);
		if (!tag_valid(tag, tag_len))
			return -EINVAL;
		name_len = (size_t)(colon - ref);
	}
	const char *domain = NULL, *remote = ref;
	size_t dl = 0, rl = name_len;
	const char *first = memchr(ref, '/', name_len);
	if (first) {
		size_t fl = (size_t)(first - ref);
		bool is_domain = memchr(ref, '.', fl) || memchr(ref, ':', fl) ||
				 (fl == 9 && !memcmp(ref, "localhost", 9));
		for (size_t i = 0; i < fl && !is_domain; i++)
			if (isupper((unsigned char)ref[i]))
				is_domain = true;
		if (is_domain) {
			if (!domain_valid(ref, fl))
				return -EINVAL;
			domain = ref;
			dl = fl;
			remote = first + 1;
			rl = name_len - fl - 1;
		}
	}
	if (!repo_valid(remote, rl))
		return -EINVAL;
	const char *registry;
	bool hub = !domain || (dl == 9 && !strncasecmp(domain, "docker.io", 9)) ||
		   (dl == 15 && !strncasecmp(domain, "index.docker.io", 15)) ||
		   (dl == 20 && !strncasecmp(domain, "registry-1.docker.io", 20));
	if (hub)
		registry = "registry-1.docker.io";
	else
		registry = mmr_arena_strndup(a, domain, dl);
	char *repo;
	if (hub && !memchr(remote, '/', rl))
		repo = mmr_arena_printf(a, "library/%.*s", (int)rl, remote);
	else
		repo = mmr_arena_strndup(a, remote, rl);
	if (!registry || !repo)
		return -ENOMEM;
	if (strlen(repo) + (hub ? 0 : dl + 1) > MAX_NAME)
		return -EINVAL;
	const char *t = NULL;
	if (tag)
		t = mmr_arena_strndup(a, tag, tag_len);
	else if (!digest)
		t = "latest";
	const char *d = digest ? mmr_arena_strdup(a, digest) : NULL;
	if ((tag && !t) || (digest && !d))
		return -ENOMEM;
	if (ret_registry)
		*ret_registry = registry;
	if (ret_repository)
		*ret_repository = repo;
	if (ret_tag)
		*ret_tag = t;
	if (ret_digest)
		*ret_digest = d;
	return 0;
}

/* ---- manifests, indexes, configs ---- */

static int parse_desc(struct mmr_arena *a, const json_t *j, const char *file, const char *what,
		      struct mmr_registry_desc *d, struct mmr_error *reterr)
{
	if (!json_is_object(j))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "%s is not an object", what);
	const char *dg = mmr_json_str(j, "digest");
	json_t *sz = json_object_get(j, "size");
	if (!dg)
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "%s has no digest", what);
	if (strncmp(dg, "sha256:", 7) != 0 && strchr(dg, ':'))
		return mmr_error_set(reterr, ENOTSUP, file, 0, 0,
				     "%s: digest algorithm of \"%.80s\" is not supported (only sha256)",
				     what, dg);
	if (!digest_valid(dg))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "%s: invalid digest \"%.80s\"", what,
				     dg);
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "%s: missing or negative size",
				     what);
	d->digest = mmr_arena_strdup(a, dg);
	d->media_type = mmr_arena_strdup(a, mmr_json_str(j, "mediaType"));
	d->size = (uint64_t)json_integer_value(sz);
	json_t *p = json_object_get(j, "platform");
	if (json_is_object(p)) {
		d->os = mmr_arena_strdup(a, mmr_json_str(p, "os"));
		d->arch = mmr_arena_strdup(a, mmr_json_str(p, "architecture"));
		d->variant = mmr_arena_strdup(a, mmr_json_str(p, "variant"));
	}
	if (!d->digest)
		return -ENOMEM;
	return 0;
}

int mmr_registry_parse_manifest(struct mmr_arena *a, const void *data, size_t len,
				const char *content_type, const char *file,
				struct mmr_registry_manifest **ret, struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r;
	if (len > MMR_REGISTRY_MAX_MANIFEST)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "manifest larger than %zu bytes",
				     MMR_REGISTRY_MAX_MANIFEST);
	if (content_type && !strncmp(content_type, MT_DOCKER_V1, strlen(MT_DOCKER_V1)))
		return mmr_error_set(reterr, ENOTSUP, file, 0, 0,
				     "Docker schema 1 manifests are not supported (re-push the image "
				     "with a current Docker, podman or skopeo)");
	if ((r = mmr_json_parse(data, len, file, &root, reterr)) < 0)
		return r;
	struct mmr_registry_manifest *m = mmr_arena_alloc(a, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	if (!json_is_object(root)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "manifest is not a JSON object");
		goto out;
	}
	json_t *sv = json_object_get(root, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1) {
		r = mmr_error_set(reterr, ENOTSUP, file, 0, 0,
				  "Docker schema 1 manifests are not supported (re-push the image "
				  "with a current Docker, podman or skopeo)");
		goto out;
	}
	if (!json_is_integer(sv) || json_integer_value(sv) != 2) {
		r = mmr_error_set(reterr, EPROTO, file, 0, 0, "unsupported manifest schemaVersion");
		goto out;
	}
	const char *mt = mmr_json_str(root, "mediaType");
	char ctbuf[128] = "";
	if (!mt && content_type) {
		size_t cl = strcspn(content_type, "; \t");
		if (cl < sizeof(ctbuf)) {
			memcpy(ctbuf, content_type, cl);
			ctbuf[cl] = 0;
			mt = ctbuf;
		}
	}
	json_t *manifests = json_object_get(root, "manifests");
	json_t *layers = json_object_get(root, "layers");
	json_t *config = json_object_get(root, "config");
	if (mt && (!strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST)))
		m->is_index = true;
	else if (mt && (!strcmp(mt, MT_OCI_MANIFEST) || !strcmp(mt, MT_DOCKER_MANIFEST)))
		m->is_index = false;
	else if (mt && strcmp(mt, "application/json") && strcmp(mt, "text/plain")) {
		r = mmr_error_set(reterr, ENOTSUP, file, 0, 0,
				  "unsupported manifest media type \"%.100s\"", mt);
		goto out;
	} else if (json_is_array(manifests) && !config)
		m->is_index = true;
	else if (!config) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
				  "neither an image manifest nor an index");
		goto out;
	}
	m->media_type = mmr_arena_strdup(a, mt ? mt : (m->is_index ? MT_OCI_INDEX : MT_OCI_MANIFEST));
	json_t *arr = m->is_index ? manifests : layers;
	if (!json_is_array(arr)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "\"%s\" is missing or not an array",
				  m->is_index ? "manifests" : "layers");
		goto out;
	}
	if (json_array_size(arr) > MAX_DESCS) {
		r = mmr_error_set(reterr, E2BIG, file, 0, 0, "more than %d entries in \"%s\"",
				  MAX_DESCS, m->is_index ? "manifests" : "layers");
		goto out;
	}
	if (!m->is_index) {
		if ((r = parse_desc(a, config, file, "config", &m->config, reterr)) < 0)
			goto out;
		const char *cmt = m->config.media_type;
		if (cmt && strcmp(cmt, MT_OCI_CONFIG) && strcmp(cmt, MT_DOCKER_CONFIG)) {
			r = mmr_error_set(reterr, ENOTSUP, file, 0, 0,
					  "not a container image (config media type \"%.100s\")", cmt);
			goto out;
		}
	}
	m->n = json_array_size(arr);
	m->descs = mmr_arena_calloc(a, m->n ? m->n : 1, sizeof(*m->descs));
	if (!m->descs) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		char what[48];
		snprintf(what, sizeof(what), "%s[%zu]", m->is_index ? "manifests" : "layers", i);
		if ((r = parse_desc(a, json_array_get(arr, i), file, what, &m->descs[i], reterr)) < 0)
			goto out;
	}
	*ret = m;
	r = 0;
out:
	json_decref(root);
	return r;
}

struct plat {
	char os[32], arch[32], variant[32];
};

static void lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = 0;
}

static void plat_norm(struct plat *p)
{
	const char *a = p->arch;
	if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64"))
		snprintf(p->arch, sizeof(p->arch), "amd64");
	else if (!strcmp(a, "aarch64"))
		snprintf(p->arch, sizeof(p->arch), "arm64");
	else if (!strcmp(a, "armhf")) {
		snprintf(p->arch, sizeof(p->arch), "arm");
		snprintf(p->variant, sizeof(p->variant), "v7");
	} else if (!strcmp(a, "armel")) {
		snprintf(p->arch, sizeof(p->arch), "arm");
		snprintf(p->variant, sizeof(p->variant), "v6");
	} else if (!strcmp(a, "i386") || !strcmp(a, "i486") || !strcmp(a, "i586") ||
		   !strcmp(a, "i686"))
		snprintf(p->arch, sizeof(p->arch), "386");
	if (!strcmp(p->arch, "arm64") && (!p->variant[0] || !strcmp(p->variant, "8")))
		snprintf(p->variant, sizeof(p->variant), "v8");
	if (!strcmp(p->arch, "arm") && !p->variant[0])
		snprintf(p->variant, sizeof(p->variant), "v7");
	if (!strcmp(p->arch, "arm") && (!strcmp(p->variant, "7") || !strcmp(p->variant, "6") ||
					 !strcmp(p->variant, "5"))) {
		p->variant[1] = p->variant[0];
		p->variant[0] = 'v';
		p->variant[2] = 0;
	}
	if (!strcmp(p->arch, "amd64") && !strcmp(p->variant, "v1"))
		p->variant[0] = 0;
}

static int plat_parse(const char *s, struct plat *p)
{
	memset(p, 0, sizeof(*p));
	const char *s1 = strchr(s, '/');
	if (!s1 || s1 == s)
		return -EINVAL;
	const char *s2 = strchr(s1 + 1, '/');
	size_t al = s2 ? (size_t)(s2 - s1 - 1) : strlen(s1 + 1);
	if (!al || (size_t)(s1 - s) >= sizeof(p->os) || al >= sizeof(p->arch) ||
	    (s2 && (strchr(s2 + 1, '/') || !s2[1] || strlen(s2 + 1) >= sizeof(p->variant))))
		return -EINVAL;
	lower_copy(p->os, sizeof(p->os), s, (size_t)(s1 - s));
	lower_copy(p->arch, sizeof(p->arch), s1 + 1, al);
	if (s2)
		lower_copy(p->variant, sizeof(p->variant), s2 + 1, strlen(s2 + 1));
	plat_norm(p);
	return 0;
}

static void plat_of(const struct mmr_registry_desc *d, struct plat *p)
{
	memset(p, 0, sizeof(*p));
	lower_copy(p->os, sizeof(p->os), d->os, strlen(d->os));
	lower_copy(p->arch, sizeof(p->arch), d->arch, strlen(d->arch));
	if (d->variant)
		lower_copy(p->variant, sizeof(p->variant), d->variant, strlen(d->variant));
	plat_norm(p);
}

const char *mmr_registry_host_platform(void)
{
#if defined(__x86_64__)
	return "linux/amd64";
#elif defined(__aarch64__)
	return "linux/arm64/v8";
#elif defined(__arm__)
	return "linux/arm/v7";
#elif defined(__i386__)
	return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "linux/ppc64le";
#elif defined(__s390x__)
	return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "linux/riscv64";
#else
	return "linux/amd64";
#endif
}

int mmr_registry_select_platform(const struct mmr_registry_manifest *idx, const char *platform,
				 size_t *ret_index, struct mmr_error *reterr)
{
	struct plat want, have;
	const char *ws = platform && *platform ? platform : mmr_registry_host_platform();
	if (plat_parse(ws, &want) < 0)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0,
				     "invalid platform \"%.100s\" (want os/arch[/variant])", ws);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < idx->n; i++) {
			const struct mmr_registry_desc *d = &idx->descs[i];
			if (!d->os || !d->arch)
				continue;
			plat_of(d, &have);
			if (strcmp(have.os, want.os) || strcmp(have.arch, want.arch))
				continue;
			if (pass == 0 ? !strcmp(have.variant, want.variant) : !want.variant[0]) {
				*ret_index = i;
				return 0;
			}
		}
	}
	char avail[300] = "";
	size_t o = 0;
	for (size_t i = 0; i < idx->n && o < sizeof(avail) - 1; i++) {
		const struct mmr_registry_desc *d = &idx->descs[i];
		if (!d->os || !d->arch || !strcmp(d->os, "unknown"))
			continue;
		int k = snprintf(avail + o, sizeof(avail) - o, "%s%.30s/%.30s%s%.30s", o ? ", " : "",
				 d->os, d->arch, d->variant ? "/" : "", d->variant ? d->variant : "");
		if (k < 0)
			break;
		o += (size_t)k;
	}
	return mmr_error_set(reterr, ENOENT, NULL, 0, 0,
			     "no image for platform %s/%s%s%s in the index (available: %s)", want.os,
			     want.arch, want.variant[0] ? "/" : "", want.variant, o ? avail : "none");
}

int mmr_registry_parse_config(struct mmr_arena *a, const void *data, size_t len, const char *file,
			      const char ***ret_diff_ids, size_t *ret_n, struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = mmr_json_parse(data, len, file, &root, reterr);
	if (r < 0)
		return r;
	json_t *rootfs = mmr_json_obj(root, "rootfs");
	json_t *ids = rootfs ? mmr_json_arr(rootfs, "diff_ids") : NULL;
	if (!ids) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "image config has no rootfs.diff_ids");
		goto out;
	}
	size_t n = json_array_size(ids);
	if (n > MAX_DESCS) {
		r = mmr_error_set(reterr, E2BIG, file, 0, 0, "more than %d diff_ids", MAX_DESCS);
		goto out;
	}
	const char **v = mmr_arena_calloc(a, n ? n : 1, sizeof(*v));
	if (!v) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(ids, i));
		if (!digest_valid(s)) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "rootfs.diff_ids[%zu] is not a sha256 digest", i);
			goto out;
		}
		if (!(v[i] = mmr_arena_strdup(a, s))) {
			r = -ENOMEM;
			goto out;
		}
	}
	*ret_diff_ids = v;
	*ret_n = n;
	r = 0;
out:
	json_decref(root);
	return r;
}

/* ---- the registry session ---- */

struct sess {
	struct mmr_arena *a;
	const struct mmr_scan_opts *o;
	const char *registry, *repository;
	const char *base; /* "https://host[:port]" */
	bool allow_http;
	char *authz;      /* malloc'ed "Bearer ..." / "Basic ..."; wiped at the end */
	int have_cred;    /* -1 not looked up, 0 none, 1 found */
	struct mmr_auth_cred cred;
	bool cred_used;
	struct mmr_error *reterr;
};

static void set_authz(struct sess *s, char *v)
{
	if (s->authz) {
		explicit_bzero(s->authz, strlen(s->authz));
		free(s->authz);
	}
	s->authz = v;
}

static int basic_header(const struct mmr_auth_cred *c, char **ret)
{
	struct mmr_buf plain, out;
	mmr_buf_init(&plain, 64 * 1024);
	mmr_buf_init(&out, 128 * 1024);
	int r = mmr_buf_addf(&plain, "%s:%s", c->username, c->password);
	if (r == 0)
		r = mmr_buf_adds(&out, "Basic ");
	if (r == 0)
		r = mmr_base64_encode(&out, plain.p, plain.len);
	explicit_bzero(plain.p, plain.len);
	mmr_buf_release(&plain);
	if (r < 0) {
		explicit_bzero(out.p, out.len);
		mmr_buf_release(&out);
		return r;
	}
	*ret = mmr_buf_detach(&out, NULL);
	return *ret ? 0 : -ENOMEM;
}

/* "CODE: message" of a registry error body, or "" */
static void registry_error_text(const struct mmr_http_resp *resp, char *out, size_t outlen)
{
	json_t *root = NULL;
	out[0] = 0;
	if (!resp->body.len || mmr_json_parse(resp->body.p, resp->body.len, "error", &root, NULL) < 0)
		return;
	json_t *e = json_array_get(mmr_json_arr(root, "errors"), 0);
	const char *code = mmr_json_str(e, "code"), *msg = mmr_json_str(e, "message");
	if (code || msg)
		snprintf(out, outlen, " (%.60s%s%.200s)", code ? code : "", code && msg ? ": " : "",
			 msg ? msg : "");
	json_decref(root);
}

static int load_cred(struct sess *s)
{
	if (s->have_cred < 0) {
		s->have_cred = mmr_auth_find(s->a, s->o, s->registry, s->repository, &s->cred);
		if (s->have_cred < 0)
			s->have_cred = 0;
	}
	return s->have_cred;
}

static const char *no_cred_hint(void)
{
	return "no credentials found; use --username/--password, $REGISTRY_AUTH_FILE, "
	       "$XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json";
}

static int bearer_token(struct sess *s, const struct mmr_auth_challenge *c)
{
	const char *realm = mmr_auth_param(c, "realm");
	const char *service = mmr_auth_param(c, "service");
	const char *scope = mmr_auth_param(c, "scope");
	char red[512];
	int r;
	if (!realm || !*realm)
		return mmr_error_set(s->reterr, EPROTO, NULL, 0, 0,
				     "%s: Bearer challenge without a realm", s->registry);
	struct mmr_buf url;
	mmr_buf_init(&url, 16 * 1024);
	r = mmr_buf_adds(&url, realm);
	char sep = strchr(realm, '?') ? '&' : '?';
	if (r == 0 && service) {
		r = mmr_buf_addf(&url, "%cservice=", sep);
		if (r == 0)
			r = mmr_http_escape(&url, service);
		sep = '&';
	}
	if (r == 0) {
		r = mmr_buf_addf(&url, "%cscope=", sep);
		if (r == 0 && scope)
			r = mmr_http_escape(&url, scope);
		else if (r == 0) {
			char *sc = mmr_arena_printf(s->a, "repository:%s:pull", s->repository);
			r = sc ? mmr_http_escape(&url, sc) : -ENOMEM;
		}
	}
	if (r < 0) {
		mmr_buf_release(&url);
		return mmr_error_set(s->reterr, -r, NULL, 0, 0, "%s: token URL too long", s->registry);
	}
	char *basic = NULL;
	if (load_cred(s) > 0 && (r = basic_header(&s->cred, &basic)) < 0) {
		mmr_buf_release(&url);
		return r;
	}
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	mmr_http_req_init(&req, url.p);
	req.allow_http = s->allow_http;
	req.authorization = basic;
	req.max_body = MAX_TOKEN_BODY;
	mmr_http_resp_init(&resp);
	r = mmr_http_do(&req, &resp, s->reterr);
	if (basic) {
		explicit_bzero(basic, strlen(basic));
		free(basic);
		s->cred_used = true;
	}
	mmr_http_redact_url(url.p, red, sizeof(red));
	mmr_buf_release(&url);
	if (r < 0) {
		mmr_error_prefix(s->reterr, "%s: token request", s->registry);
		goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		if (s->have_cred > 0)
			r = mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
					  "%s/%s: the token server %s refused the credentials from "
					  "%s (HTTP %ld)",
					  s->registry, s->repository, red, s->cred.source, resp.status);
		else
			r = mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
					  "%s/%s: the token server %s refused anonymous access "
					  "(HTTP %ld); %s",
					  s->registry, s->repository, red, resp.status, no_cred_hint());
		goto out;
	}
	if (resp.status != 200) {
		r = mmr_error_set(s->reterr, EPROTO, NULL, 0, 0, "%s: token server %s answered HTTP %ld",
				  s->registry, red, resp.status);
		goto out;
	}
	json_t *root = NULL;
	if (mmr_json_parse(resp.body.p, resp.body.len, "token response", &root, NULL) < 0) {
		r = mmr_error_set(s->reterr, EPROTO, NULL, 0, 0,
				  "%s: token server %s: response is not JSON", s->registry, red);
		goto out;
	}
	const char *tok = mmr_json_str(root, "token");
	if (!tok || !*tok)
		tok = mmr_json_str(root, "access_token");
	if (!tok || !*tok || strpbrk(tok, "\r\n")) {
		json_decref(root);
		r = mmr_error_set(s->reterr, EPROTO, NULL, 0, 0,
				  "%s: token server %s: no token in the response", s->registry, red);
		goto out;
	}
	size_t tl = strlen(tok);
	char *h = malloc(tl + 8);
	if (!h) {
		json_decref(root);
		r = -ENOMEM;
		goto out;
	}
	memcpy(h, "Bearer ", 7);
	memcpy(h + 7, tok, tl + 1);
	explicit_bzero((char *)tok, tl);
	json_decref(root);
	set_authz(s, h);
	r = 0;
out:
	if (resp.body.len)
		explicit_bzero(resp.body.p, resp.body.len);
	mmr_http_resp_release(&resp);
	return r;
}

/* React to a 401: authenticate per the challenge. */
static int authenticate(struct sess *s, const struct mmr_http_resp *resp)
{
	struct mmr_str h;
	struct mmr_auth_challenge *cs = NULL;
	size_t n = 0;
	if (!mmr_http_header(resp, "WWW-Authenticate", &h) ||
	    mmr_auth_parse_challenges(s->a, h.p, h.len, &cs, &n) < 0 || n == 0)
		return mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
				     "%s: HTTP 401 without a usable WWW-Authenticate challenge",
				     s->registry);
	const struct mmr_auth_challenge *bearer = NULL, *basic = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!bearer && !strcasecmp(cs[i].scheme, "Bearer"))
			bearer = &cs[i];
		if (!basic && !strcasecmp(cs[i].scheme, "Basic"))
			basic = &cs[i];
	}
	if (bearer)
		return bearer_token(s, bearer);
	if (basic) {
		if (load_cred(s) <= 0)
			return mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
					     "%s/%s: authentication required (HTTP 401); %s",
					     s->registry, s->repository, no_cred_hint());
		char *v = NULL;
		int r = basic_header(&s->cred, &v);
		if (r < 0)
			return r;
		set_authz(s, v);
		s->cred_used = true;
		return 0;
	}
	return mmr_error_set(s->reterr, ENOTSUP, NULL, 0, 0,
			     "%s: unsupported authentication scheme \"%.40s\"", s->registry,
			     cs[0].scheme);
}

/* GET url with auth; one re-authentication on 401. */
static int sess_get(struct sess *s, const char *url, const char *const *headers, int out_fd,
		    uint64_t max_body, struct mmr_http_resp *resp)
{
	for (int tries = 0;; tries++) {
		struct mmr_http_req req;
		mmr_http_req_init(&req, url);
		req.allow_http = s->allow_http;
		req.headers = headers;
		req.authorization = s->authz;
		req.out_fd = out_fd;
		req.max_body = max_body;
		int r = mmr_http_do(&req, resp, s->reterr);
		if (r < 0)
			return r;
		if (resp->status != 401 || tries > 0)
			break;
		if ((r = authenticate(s, resp)) < 0)
			return r;
	}
	if (resp->status == 401) {
		if (s->cred_used)
			return mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
					     "%s/%s: authentication failed: credentials from %s were "
					     "rejected (HTTP 401)",
					     s->registry, s->repository, s->cred.source);
		return mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
				     "%s/%s: authentication required (HTTP 401); %s", s->registry,
				     s->repository, no_cred_hint());
	}
	return 0;
}

static int status_error(struct sess *s, const struct mmr_http_resp *resp, const char *what)
{
	char detail[300];
	registry_error_text(resp, detail, sizeof(detail));
	if (resp->status == 404)
		return mmr_error_set(s->reterr, ENOENT, NULL, 0, 0, "%s/%s: %s not found (HTTP 404)%s",
				     s->registry, s->repository, what, detail);
	if (resp->status == 403)
		return mmr_error_set(s->reterr, EACCES, NULL, 0, 0,
				     "%s/%s: access to %s denied (HTTP 403)%s", s->registry,
				     s->repository, what, detail);
	return mmr_error_set(s->reterr, EPROTO, NULL, 0, 0, "%s/%s: %s: HTTP %ld%s", s->registry,
			     s->repository, what, resp->status, detail);
}

static const char *const manifest_headers[] = {
	"Accept: " MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST,
	NULL,
};

/* Fetch and verify a manifest; *ret_digest is its sha256 digest. */
static int fetch_manifest(struct sess *s, const char *ref, const char *expect_digest,
			  uint64_t expect_size, struct mmr_registry_manifest **ret,
			  const char **ret_digest)
{
	char *url = mmr_arena_printf(s->a, "%s/v2/%s/manifests/%s", s->base, s->repository, ref);
	char *file = mmr_arena_printf(s->a, "%s/%s%s%s", s->registry, s->repository,
				      ref[0] == 's' && digest_valid(ref) ? "@" : ":", ref);
	char hex[MMR_SHA256_HEX_LEN + 1];
	struct mmr_http_resp resp;
	int r;
	if (!url || !file)
		return -ENOMEM;
	if (expect_size > MMR_REGISTRY_MAX_MANIFEST)
		return mmr_error_set(s->reterr, E2BIG, file, 0, 0,
				     "manifest declared as %llu bytes, over %zu",
				     (unsigned long long)expect_size, MMR_REGISTRY_MAX_MANIFEST);
	mmr_http_resp_init(&resp);
	r = sess_get(s, url, manifest_headers, -1, MMR_REGISTRY_MAX_MANIFEST, &resp);
	if (r < 0)
		goto out;
	if (resp.status != 200) {
		r = status_error(s, &resp, ref[0] == 's' && digest_valid(ref) ? "manifest by digest"
									     : "manifest (tag)");
		if (r == -ENOENT)
			mmr_error_set(s->reterr, ENOENT, NULL, 0, 0, "%s: manifest unknown (HTTP 404)",
				      file);
		goto out;
	}
	if ((r = mmr_sha256_hex(resp.body.p, resp.body.len, hex)) < 0)
		goto out;
	if (expect_digest && strcmp(expect_digest + 7, hex) != 0) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "manifest digest mismatch: got sha256:%s", hex);
		goto out;
	}
	if (expect_size && resp.body.len != expect_size) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "manifest size %zu differs from the %llu bytes declared",
				  resp.body.len, (unsigned long long)expect_size);
		goto out;
	}
	struct mmr_str dcd;
	if (mmr_http_header(&resp, "Docker-Content-Digest", &dcd) && mmr_str_starts(dcd, "sha256:") &&
	    (dcd.len != 7 + MMR_SHA256_HEX_LEN || memcmp(dcd.p + 7, hex, MMR_SHA256_HEX_LEN) != 0)) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "manifest digest mismatch: Docker-Content-Digest %.80s, content "
				  "sha256:%s",
				  mmr_str_dup(s->a, dcd), hex);
		goto out;
	}
	struct mmr_str ct = { 0 };
	const char *ctype = NULL;
	if (mmr_http_header(&resp, "Content-Type", &ct))
		ctype = mmr_str_dup(s->a, ct);
	if ((r = mmr_registry_parse_manifest(s->a, resp.body.p, resp.body.len, ctype, file, ret,
					     s->reterr)) < 0)
		goto out;
	*ret_digest = mmr_arena_printf(s->a, "sha256:%s", hex);
	r = *ret_digest ? 0 : -ENOMEM;
out:
	mmr_http_resp_release(&resp);
	return r;
}

static int hash_file(const char *path, uint64_t *ret_size, char hex[MMR_SHA256_HEX_LEN + 1])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct mmr_sha256 h;
	int r = mmr_sha256_init(&h);
	uint64_t total = 0;
	char buf[65536];
	while (r == 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		mmr_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	if (r == 0 && (r = mmr_sha256_final_hex(&h, hex)) == 0)
		*ret_size = total;
	mmr_sha256_release(&h);
	return r;
}

/* Download (or reuse) a blob into dir/<hex>, verified. */
static int fetch_blob(struct sess *s, const char *dir, const struct mmr_registry_desc *d,
		      const char *what, const char **ret_path)
{
	const char *hex = d->digest + 7;
	char *file = mmr_arena_printf(s->a, "%s/%s@%s", s->registry, s->repository, d->digest);
	char *final = mmr_arena_printf(s->a, "%s/%s", dir, hex);
	char *tmp = mmr_arena_printf(s->a, "%s/%s.tmp.XXXXXX", dir, hex);
	char got[MMR_SHA256_HEX_LEN + 1];
	uint64_t size;
	int r;
	if (!file || !final || !tmp)
		return -ENOMEM;
	if (d->size > s->o->limits.max_blob_size)
		return mmr_error_set(s->reterr, E2BIG, file, 0, 0,
				     "%s declares %llu bytes, over the %s limit (%llu)", what,
				     (unsigned long long)d->size,
				     mmr_limits_key(&s->o->limits, &s->o->limits.max_blob_size),
				     (unsigned long long)s->o->limits.max_blob_size);
	if (hash_file(final, &size, got) == 0) {
		if (size == d->size && !strcmp(got, hex)) {
			*ret_path = final;
			return 0;
		}
		mmr_warn("cached blob %s is corrupt; downloading it again", final);
		unlink(final);
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(s->reterr, errno, tmp, 0, 0, "cannot create: %s", strerror(errno));
	char *url = mmr_arena_printf(s->a, "%s/v2/%s/blobs/%s", s->base, s->repository, d->digest);
	struct mmr_http_resp resp;
	mmr_http_resp_init(&resp);
	r = url ? sess_get(s, url, NULL, fd, d->size ? d->size : 1, &resp) : -ENOMEM;
	if (r == -E2BIG) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "%s: the registry sent more than the %llu bytes declared", what,
				  (unsigned long long)d->size);
		goto fail;
	}
	if (r < 0)
		goto fail;
	if (resp.status != 200) {
		r = status_error(s, &resp, what);
		goto fail;
	}
	if (resp.body_bytes != d->size) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "%s: received %llu bytes, the manifest declares %llu", what,
				  (unsigned long long)resp.body_bytes, (unsigned long long)d->size);
		goto fail;
	}
	if (strcmp(resp.sha256, hex) != 0) {
		r = mmr_error_set(s->reterr, EBADMSG, file, 0, 0,
				  "%s: digest mismatch: content is sha256:%s", what, resp.sha256);
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = mmr_error_set(s->reterr, errno, tmp, 0, 0, "write: %s", strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, final) < 0) {
		r = mmr_error_set(s->reterr, errno, final, 0, 0, "rename: %s", strerror(errno));
		goto fail;
	}
	mmr_http_resp_release(&resp);
	*ret_path = final;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	mmr_http_resp_release(&resp);
	return r;
}

static int read_file(const char *path, size_t max, struct mmr_buf *b)
{
	mmr_buf_init(b, max);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char tmp[65536];
	int r = 0;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		if ((r = mmr_buf_add(b, tmp, (size_t)n)) < 0)
			break;
	}
	close(fd);
	return r;
}

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void remove_tmpdir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

void mmr_registry_image_free(struct mmr_registry_image *img)
{
	if (!img || !img->tmpdir)
		return;
	remove_tmpdir(img->tmpdir);
	free(img->tmpdir);
	img->tmpdir = NULL;
}

/* With --insecure: https if it answers, else plain http. */
static int choose_scheme(struct sess *s)
{
	const char *schemes[] = { "https", "http" };
	int r = 0;
	for (int i = 0; i < 2; i++) {
		s->base = mmr_arena_printf(s->a, "%s://%s", schemes[i], s->registry);
		char *url = mmr_arena_printf(s->a, "%s/v2/", s->base);
		if (!s->base || !url)
			return -ENOMEM;
		struct mmr_http_req req;
		struct mmr_http_resp resp;
		mmr_http_req_init(&req, url);
		req.allow_http = true;
		req.max_retries = i == 0 ? 0 : MMR_HTTP_DEFAULT_RETRIES;
		mmr_http_resp_init(&resp);
		r = mmr_http_do(&req, &resp, s->reterr);
		mmr_http_resp_release(&resp);
		if (r == 0)
			return 0;
		mmr_debug("%s: %s not usable, trying plain http", s->registry, schemes[i]);
	}
	mmr_error_prefix(s->reterr, "registry %s", s->registry);
	return r;
}

int mmr_registry_pull(struct mmr_arena *a, const char *ref, const struct mmr_scan_opts *o,
		      mmr_registry_skip_fn skip, void *ud, struct mmr_registry_image **ret,
		      struct mmr_error *reterr)
{
	struct sess s = { .a = a, .o = o, .have_cred = -1, .reterr = reterr };
	const char *tag = NULL, *digest = NULL;
	char cachebuf[4096];
	int r;

	if (mmr_registry_parse_ref(a, ref, &s.registry, &s.repository, &tag, &digest) < 0)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0,
				     "invalid image reference \"%.200s\" (want "
				     "[registry/]repository[:tag][@sha256:digest])",
				     ref);
	struct mmr_registry_image *img = mmr_arena_alloc(a, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->registry = s.registry;
	img->repository = s.repository;
	img->tag = tag;

	const char *cache = mmr_scan_cache_dir(o, cachebuf, sizeof(cachebuf));
	const char *dir;
	if (cache) {
		char *bd = mmr_arena_printf(a, "%s/blobs/sha256", cache);
		if (!bd)
			return -ENOMEM;
		if ((r = mkdir_p(bd)) < 0)
			return mmr_error_set(reterr, -r, bd, 0, 0, "cannot create: %s", strerror(-r));
		dir = bd;
	} else {
		const char *t = secure_getenv("TMPDIR");
		char *tpl = mmr_arena_printf(a, "%s/mamori-pull-XXXXXX", t && t[0] == '/' ? t : "/tmp");
		if (!tpl)
			return -ENOMEM;
		if (!mkdtemp(tpl))
			return mmr_error_set(reterr, errno, tpl, 0, 0, "cannot create: %s",
					     strerror(errno));
		if (!(img->tmpdir = strdup(tpl))) {
			rmdir(tpl);
			return -ENOMEM;
		}
		dir = img->tmpdir;
	}

	if (o->insecure) {
		s.allow_http = true;
		if ((r = choose_scheme(&s)) < 0)
			goto fail;
	} else if (!(s.base = mmr_arena_printf(a, "https://%s", s.registry))) {
		r = -ENOMEM;
		goto fail;
	}

	struct mmr_registry_manifest *m = NULL;
	const char *mdigest = NULL;
	if ((r = fetch_manifest(&s, digest ? digest : tag, digest, 0, &m, &mdigest)) < 0)
		goto fail;
	for (int depth = 0; m->is_index; depth++) {
		size_t i;
		if (depth >= MAX_INDEX_DEPTH) {
			r = mmr_error_set(reterr, E2BIG, NULL, 0, 0,
					  "%s/%s: image indexes nested more than %d deep", s.registry,
					  s.repository, MAX_INDEX_DEPTH);
			goto fail;
		}
		if (!img->index_digest)
			img->index_digest = mdigest;
		if ((r = mmr_registry_select_platform(m, o->platform, &i, reterr)) < 0) {
			mmr_error_prefix(reterr, "%s/%s", s.registry, s.repository);
			goto fail;
		}
		const struct mmr_registry_desc *d = &m->descs[i];
		if ((r = fetch_manifest(&s, d->digest, d->digest, d->size, &m, &mdigest)) < 0)
			goto fail;
	}
	img->manifest_digest = mdigest;
	img->config_digest = m->config.digest;

	size_t total = m->n + 1, done = 0;
	if (o->progress)
		o->progress(o->progress_ud, "pull", done, total);
	if ((r = fetch_blob(&s, dir, &m->config, "config blob", &img->config_path)) < 0)
		goto fail;
	struct mmr_buf cfg;
	if ((r = read_file(img->config_path, MAX_CONFIG, &cfg)) < 0) {
		mmr_buf_release(&cfg);
		r = mmr_error_set(reterr, -r, img->config_path, 0, 0, "cannot read the config: %s",
				  strerror(-r));
		goto fail;
	}
	const char **diff_ids = NULL;
	size_t n_diff = 0;
	char *cfgname = mmr_arena_printf(a, "%s/%s@%s (config)", s.registry, s.repository,
					 m->config.digest);
	r = mmr_registry_parse_config(a, cfg.p, cfg.len, cfgname, &diff_ids, &n_diff, reterr);
	mmr_buf_release(&cfg);
	if (r < 0)
		goto fail;
	if (n_diff != m->n) {
		r = mmr_error_set(reterr, EBADMSG, cfgname, 0, 0,
				  "%zu diff_ids for %zu layers in the manifest", n_diff, m->n);
		goto fail;
	}
	if (o->progress)
		o->progress(o->progress_ud, "pull", ++done, total);
	img->n_layers = m->n;
	img->layers = mmr_arena_calloc(a, m->n ? m->n : 1, sizeof(*img->layers));
	if (!img->layers) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct mmr_registry_layer *l = &img->layers[i];
		const struct mmr_registry_desc *d = &m->descs[i];
		l->digest = d->digest;
		l->media_type = d->media_type;
		l->size = d->size;
		if (!(skip && skip(ud, i, diff_ids[i]))) {
			char what[48];
			snprintf(what, sizeof(what), "layer %zu", i + 1);
			if ((r = fetch_blob(&s, dir, d, what, &l->path)) < 0)
				goto fail;
		}
		if (o->progress)
			o->progress(o->progress_ud, "pull", ++done, total);
	}
	set_authz(&s, NULL);
	*ret = img;
	return 0;
fail:
	set_authz(&s, NULL);
	mmr_registry_image_free(img);
	return r;
}
