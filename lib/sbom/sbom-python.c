/* sbom-python.c - Python packages: installed distribution metadata
 * (dist-info METADATA, egg-info PKG-INFO) and the lockfiles and pins of
 * pip (requirements*.txt), pipenv (Pipfile.lock), poetry (poetry.lock) and
 * uv (uv.lock). */
#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-toml.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

extern const struct mmr_sbom_analyzer mmr_sbom_analyzer_python_pkg, mmr_sbom_analyzer_pip,
	mmr_sbom_analyzer_pipenv, mmr_sbom_analyzer_poetry, mmr_sbom_analyzer_uv;

#define META_MAX_SIZE (16u << 20)
#define LOCK_MAX_SIZE (64u << 20)

static bool set_id(struct mmr_sbom_ctx *ctx, struct mmr_package *p)
{
	p->id = *p->version ? mmr_arena_printf(ctx->arena, "%s@%s", p->name, p->version) : p->name;
	return p->id != NULL;
}

/* ---- installed metadata: RFC 822 style headers ---- */

static bool pkg_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	if (size > META_MAX_SIZE)
		return false;
	return mmr_cstr_ends(path, ".dist-info/METADATA") ||
	       mmr_cstr_ends(path, ".egg-info/PKG-INFO") || mmr_cstr_ends(path, ".egg-info") ||
	       mmr_cstr_ends(path, "EGG-INFO/PKG-INFO");
}

/* "License :: OSI Approved :: MIT License" -> "MIT License" */
static struct mmr_str classifier_license(struct mmr_str v)
{
	if (!mmr_str_starts(v, "License ::"))
		return (struct mmr_str){ NULL, 0 };
	size_t last = 0;
	for (size_t i = 0; i + 1 < v.len; i++)
		if (v.p[i] == ':' && v.p[i + 1] == ':')
			last = i + 2;
	struct mmr_str r = mmr_str_trim((struct mmr_str){ v.p + last, v.len - last });
	/* "License :: OSI Approved" alone names no licence */
	if (mmr_str_eqc(r, "OSI Approved") || !r.len)
		return (struct mmr_str){ NULL, 0 };
	return r;
}

static int pkg_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str line, name = { 0 }, version = { 0 }, license = { 0 }, expr = { 0 };
	struct mmr_vec classifiers = { 0 };
	bool in_license = false;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		if (!line.len)
			break; /* the body (description) follows */
		if (line.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than max-line");
		if (line.p[0] == ' ' || line.p[0] == '\t') {
			/* continuation: a License: text spans lines; keep the first */
			(void)in_license;
			continue;
		}
		long c = mmr_str_chr(line, ':');
		if (c <= 0)
			continue;
		struct mmr_str k = { line.p, (size_t)c };
		struct mmr_str v = mmr_str_trim((struct mmr_str){ line.p + c + 1, line.len - (size_t)c - 1 });
		in_license = false;
		if (mmr_str_eqc(k, "Name") && !name.len)
			name = v;
		else if (mmr_str_eqc(k, "Version") && !version.len)
			version = v;
		else if (mmr_str_eqc(k, "License") && !license.len) {
			license = v;
			in_license = true;
		} else if (mmr_str_eqc(k, "License-Expression") && !expr.len)
			expr = v;
		else if (mmr_str_eqc(k, "Classifier")) {
			struct mmr_str l = classifier_license(v);
			if (l.len) {
				char *s = mmr_str_dup(ctx->arena, l);
				if (!s || mmr_vec_push(ctx->arena, &classifiers, s) < 0)
					return -ENOMEM;
			}
		}
	}
	if (!name.len || !version.len)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     "no Name or Version header in package metadata");
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_python_pkg, f->path);
	if (!g)
		return -ENOMEM;
	char *n = mmr_str_dup(ctx->arena, name), *v = mmr_str_dup(ctx->arena, version);
	struct mmr_package *p = n && v ? mmr_sbom_package_new(ctx, g, MMR_ECO_PYPI, n, v) : NULL;
	if (!p || !set_id(ctx, p))
		return -ENOMEM;
	int r = 0;
	if (expr.len) {
		r = mmr_sbom_add_license(ctx, p, mmr_str_dup(ctx->arena, expr));
	} else if (license.len && !mmr_str_eqc(license, "UNKNOWN")) {
		r = mmr_sbom_add_license(ctx, p, mmr_str_dup(ctx->arena, license));
	} else {
		for (size_t i = 0; i < classifiers.n && r >= 0; i++)
			r = mmr_sbom_add_license(ctx, p, classifiers.v[i]);
	}
	return r < 0 ? -ENOMEM : 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_python_pkg = {
	.name = "python-pkg",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = pkg_match,
	.parse = pkg_parse,
};

/* ---- pip: requirements*.txt ---- */

static bool pip_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	const char *b = mmr_path_base(path);
	return size <= LOCK_MAX_SIZE && mmr_cstr_starts(b, "requirements") && mmr_cstr_ends(b, ".txt");
}

/* PEP 508 name: letters, digits, '.', '_', '-'. */
static bool valid_name(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

/* A PEP 440 version as far as a pin needs: starts with a digit (after an
 * optional 'v' or epoch), only version characters, no wildcard. */
static bool valid_version(const char *s, size_t n)
{
	size_t i = 0;
	if (n && (s[0] == 'v' || s[0] == 'V'))
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return false;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '.' && c != '!' && c != '+' && c != '-' && c != '_')
			return false;
	}
	return true;
}

/* One line of requirements, already stripped of spaces, extras, comments,
 * markers and options. Finds the pinned version: "name==v" (or "===").
 * With min_version, ">=v" and "~=v" count as well, and "==v.*" gives v.0
 * (Trivy's comprehensive mode); an exact pin wins over a bound, a bound
 * over a wildcard. */
static bool pip_pin(const char *s, size_t n, bool min_version, struct mmr_str *ret_name,
		    struct mmr_str *ret_ver, char *wild, size_t wildlen)
{
	size_t i = 0;
	while (i < n && s[i] != '=' && s[i] != '>' && s[i] != '<' && s[i] != '~' && s[i] != '!')
		i++;
	if (!valid_name(s, i) || i == n)
		return false;
	*ret_name = (struct mmr_str){ s, i };
	struct mmr_str exact = { 0 }, bound = { 0 }, wc = { 0 };
	size_t clauses = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != ',')
			e++;
		const char *c = s + i;
		size_t cl = e - i;
		clauses++;
		if (cl > 3 && memcmp(c, "===", 3) == 0) {
			if (!exact.len)
				exact = (struct mmr_str){ c + 3, cl - 3 };
		} else if (cl > 2 && memcmp(c, "==", 2) == 0) {
			struct mmr_str v = { c + 2, cl - 2 };
			if (v.len > 2 && v.p[v.len - 1] == '*' && v.p[v.len - 2] == '.') {
				if (!wc.len)
					wc = v;
			} else if (!exact.len) {
				exact = v;
			}
		} else if (cl > 2 && (memcmp(c, ">=", 2) == 0 || memcmp(c, "~=", 2) == 0)) {
			if (!bound.len)
				bound = (struct mmr_str){ c + 2, cl - 2 };
		}
		i = e + (e < n);
	}
	if (exact.len && (min_version || clauses == 1)) {
		*ret_ver = exact;
		return valid_version(exact.p, exact.len);
	}
	if (!min_version)
		return false;
	if (bound.len) {
		*ret_ver = bound;
		return valid_version(bound.p, bound.len);
	}
	if (wc.len && wc.len + 1 < wildlen) {
		memcpy(wild, wc.p, wc.len - 1);
		wild[wc.len - 1] = '0';
		wild[wc.len] = 0;
		*ret_ver = (struct mmr_str){ wild, wc.len };
		return valid_version(wild, wc.len);
	}
	return false;
}

/* UTF-16 with a byte order mark to UTF-8 (Windows editors write these). */
static int utf16_to_utf8(struct mmr_arena *a, const uint8_t *d, size_t len, char **ret,
			 size_t *ret_len)
{
	bool be = d[0] == 0xfe;
	char *o = mmr_arena_alloc(a, len / 2 * 3 + 4);
	size_t k = 0;
	if (!o)
		return -ENOMEM;
	for (size_t i = 2; i + 1 < len; i += 2) {
		uint32_t u = be ? (uint32_t)(d[i] << 8 | d[i + 1]) : (uint32_t)(d[i + 1] << 8 | d[i]);
		if (u >= 0xd800 && u <= 0xdfff)
			u = '?'; /* surrogates: names and versions are ASCII anyway */
		if (u < 0x80) {
			o[k++] = (char)u;
		} else if (u < 0x800) {
			o[k++] = (char)(0xc0 | (u >> 6));
			o[k++] = (char)(0x80 | (u & 0x3f));
		} else {
			o[k++] = (char)(0xe0 | (u >> 12));
			o[k++] = (char)(0x80 | ((u >> 6) & 0x3f));
			o[k++] = (char)(0x80 | (u & 0x3f));
		}
	}
	*ret = o;
	*ret_len = k;
	return 0;
}

static int pip_parse_mode(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			  bool min_version, struct mmr_error *reterr)
{
	const uint8_t *data = f->data;
	size_t len = f->len;
	if (len >= 2 && ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff))) {
		char *u;
		if (utf16_to_utf8(ctx->arena, data, len, &u, &len) < 0)
			return -ENOMEM;
		data = (const uint8_t *)u;
	} else if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	struct mmr_sbom_group *g = NULL;
	struct mmr_lines it;
	struct mmr_str line;
	char *buf = mmr_arena_alloc(ctx->arena, ctx->limits->max_line + 1);
	char wild[256];
	if (!buf)
		return -ENOMEM;
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than max-line");
		/* drop spaces and line-continuation backslashes */
		size_t n = 0;
		for (size_t i = 0; i < line.len; i++)
			if (line.p[i] != ' ' && line.p[i] != '\t' && line.p[i] != '\\')
				buf[n++] = line.p[i];
		buf[n] = 0;
		/* extras: name[a,b]==1 */
		char *lb = memchr(buf, '[', n), *rb = lb ? memchr(lb, ']', n - (size_t)(lb - buf)) : NULL;
		if (lb && rb) {
			memmove(lb, rb + 1, n - (size_t)(rb + 1 - buf) + 1);
			n -= (size_t)(rb + 1 - lb);
		}
		/* comments, environment markers, per-requirement options */
		char *cut;
		if ((cut = memchr(buf, '#', n)))
			n = (size_t)(cut - buf);
		if ((cut = memchr(buf, ';', n)))
			n = (size_t)(cut - buf);
		if ((cut = memmem(buf, n, "--", 2)))
			n = (size_t)(cut - buf);
		if (!n || buf[0] == '-')
			continue;
		struct mmr_str name, ver;
		if (!pip_pin(buf, n, min_version, &name, &ver, wild, sizeof(wild)))
			continue;
		if (!g && !(g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_pip, f->path)))
			return -ENOMEM;
		char *ns = mmr_str_dup(ctx->arena, name), *vs = mmr_str_dup(ctx->arena, ver);
		struct mmr_package *p = ns && vs ? mmr_sbom_package_new(ctx, g, MMR_ECO_PYPI, ns, vs) : NULL;
		if (!p)
			return g->packages.n >= ctx->limits->max_packages
				       ? mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
						       "more packages than max-packages")
				       : -ENOMEM;
		if (!set_id(ctx, p))
			return -ENOMEM;
		p->line_start = p->line_end = it.lineno;
	}
	return 0;
}

/* Exported for tests and callers that want Trivy's comprehensive mode. */
int mmr_sbom_pip_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, bool min_version,
		       struct mmr_error *reterr);
int mmr_sbom_pip_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, bool min_version,
		       struct mmr_error *reterr)
{
	return pip_parse_mode(ctx, f, min_version, reterr);
}

static int pip_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	return pip_parse_mode(ctx, f, false, reterr);
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_pip = {
	.name = "pip",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = pip_match,
	.parse = pip_parse,
};

/* ---- pipenv: Pipfile.lock ---- */

static bool pipenv_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= LOCK_MAX_SIZE && strcmp(mmr_path_base(path), "Pipfile.lock") == 0;
}

static int pipenv_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = mmr_json_parse(f->data, f->len, f->path, &root, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(root)) {
		json_decref(root);
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, "Pipfile.lock is not an object");
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_pipenv, f->path);
	static const char *const sections[] = { "default", "develop" };
	for (size_t s = 0; g && s < 2 && r >= 0; s++) {
		json_t *sec = mmr_json_obj(root, sections[s]);
		const char *name;
		json_t *v;
		json_object_foreach(sec, name, v) {
			const char *ver = mmr_json_str(v, "version");
			if (!ver)
				continue; /* VCS or path dependency: no version */
			if (strncmp(ver, "==", 2) == 0)
				ver += 2;
			struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_PYPI, name, ver);
			if (!p || !set_id(ctx, p)) {
				r = p ? -ENOMEM
				      : mmr_error_set(reterr, E2BIG, f->path, 0, 0,
						      "too many packages (max-packages) or out of memory");
				break;
			}
			p->dev = s == 1;
		}
	}
	json_decref(root);
	return g ? r : -ENOMEM;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_pipenv = {
	.name = "pipenv",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = pipenv_match,
	.parse = pipenv_parse,
};

/* ---- TOML lockfiles ---- */

static int load_toml(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f, json_t **ret,
		     struct mmr_error *reterr)
{
	return mmr_toml_parse(f->data, f->len, f->path, (size_t)ctx->limits->max_json_depth, ret,
			      reterr);
}

/* PEP 503 normalisation: lower case, runs of -_. become '-'. */
static char *pep503(struct mmr_arena *a, const char *s)
{
	size_t n = strlen(s), k = 0;
	char *o = mmr_arena_alloc(a, n + 1);
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-' || c == '_' || c == '.') {
			if (k && o[k - 1] == '-')
				continue;
			o[k++] = '-';
		} else {
			o[k++] = (char)tolower((unsigned char)c);
		}
	}
	o[k] = 0;
	return o;
}

/* Packages of a [[package]] array; fills byname (normalised name -> first
 * package) and returns the group. */
static int lock_packages(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_analyzer *an,
			 const struct mmr_sbom_file *f, json_t *pkgs, struct mmr_sbom_group **ret_g,
			 struct mmr_map *byname, struct mmr_error *reterr)
{
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, an, f->path);
	if (!g)
		return -ENOMEM;
	mmr_map_init(byname, ctx->arena);
	size_t i;
	json_t *e;
	json_array_foreach(pkgs, i, e) {
		const char *name = mmr_json_str(e, "name"), *ver = mmr_json_str(e, "version");
		if (!name || !*name)
			return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					     "[[package]] number %zu has no name", i + 1);
		struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_PYPI, name, ver ? ver : "");
		if (!p)
			return g->packages.n >= ctx->limits->max_packages
				       ? mmr_error_set(reterr, E2BIG, f->path, 0, 0,
						       "more packages than max-packages")
				       : -ENOMEM;
		if (!set_id(ctx, p))
			return -ENOMEM;
		char *key = pep503(ctx->arena, name);
		if (!key)
			return -ENOMEM;
		if (!mmr_map_get(byname, key) && mmr_map_put(byname, key, p) < 0)
			return -ENOMEM;
		char *kv = mmr_arena_printf(ctx->arena, "%s@%s", key, p->version);
		if (!kv || (!mmr_map_get(byname, kv) && mmr_map_put(byname, kv, p) < 0))
			return -ENOMEM;
	}
	*ret_g = g;
	return 0;
}

static struct mmr_package *lookup(struct mmr_sbom_ctx *ctx, const struct mmr_map *byname,
				  const char *name)
{
	char *k = pep503(ctx->arena, name);
	return k ? mmr_map_get(byname, k) : NULL;
}

/* ---- poetry.lock ---- */

static bool poetry_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= LOCK_MAX_SIZE && strcmp(mmr_path_base(path), "poetry.lock") == 0;
}

static int poetry_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = load_toml(ctx, f, &root, reterr);
	if (r < 0)
		return r;
	json_t *pkgs = mmr_json_arr(root, "package");
	struct mmr_sbom_group *g = NULL;
	struct mmr_map byname;
	if ((r = lock_packages(ctx, &mmr_sbom_analyzer_poetry, f, pkgs, &g, &byname, reterr)) < 0)
		goto out;
	for (size_t i = 0; i < g->packages.n && r >= 0; i++) {
		json_t *e = json_array_get(pkgs, i);
		struct mmr_package *p = g->packages.v[i];
		/* v1: category = "dev"; v2: groups without "main" */
		const char *cat = mmr_json_str(e, "category");
		json_t *groups = mmr_json_arr(e, "groups");
		if (cat) {
			p->dev = strcmp(cat, "dev") == 0;
		} else if (groups) {
			bool main = false;
			size_t k;
			json_t *gv;
			json_array_foreach(groups, k, gv) main |= json_is_string(gv) &&
								  strcmp(json_string_value(gv), "main") == 0;
			p->dev = !main;
		}
		const char *dn;
		json_t *dv;
		json_object_foreach(mmr_json_obj(e, "dependencies"), dn, dv) {
			struct mmr_package *d = lookup(ctx, &byname, dn);
			if (d && (r = mmr_sbom_add_dep(ctx, p, d->id)) < 0)
				break;
		}
	}
out:
	json_decref(root);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_poetry = {
	.name = "poetry",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = poetry_match,
	.parse = poetry_parse,
};

/* ---- uv.lock ---- */

static bool uv_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= LOCK_MAX_SIZE && strcmp(mmr_path_base(path), "uv.lock") == 0;
}

/* Resolve a dependency entry { name, version? } to a package. */
static struct mmr_package *uv_dep(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
				  const struct mmr_map *byname, json_t *d)
{
	const char *n = mmr_json_str(d, "name"), *v = mmr_json_str(d, "version");
	if (!n)
		return NULL;
	if (v) {
		char *k = pep503(ctx->arena, n);
		char *kv = k ? mmr_arena_printf(ctx->arena, "%s@%s", k, v) : NULL;
		struct mmr_package *p = kv ? mmr_map_get(byname, kv) : NULL;
		if (p)
			return p;
	}
	return lookup(ctx, byname, n);
}

/* Every dependency list of a [[package]] entry: "dependencies" and the
 * tables of lists "optional-dependencies" / "dev-dependencies". */
static int uv_each_dep(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
		       const struct mmr_map *byname, json_t *e, bool prod, bool dev,
		       int (*fn)(struct mmr_sbom_ctx *, struct mmr_package *, void *), void *arg)
{
	size_t i;
	json_t *d;
	int r = 0;
	if (prod) {
		json_array_foreach(mmr_json_arr(e, "dependencies"), i, d) {
			struct mmr_package *p = uv_dep(ctx, g, byname, d);
			if (p && (r = fn(ctx, p, arg)) < 0)
				return r;
		}
	}
	static const char *const tabs[] = { "optional-dependencies", "dev-dependencies" };
	for (size_t t = 0; t < 2; t++) {
		if ((t == 0 && !prod) || (t == 1 && !dev))
			continue;
		const char *gn;
		json_t *list;
		json_object_foreach(mmr_json_obj(e, tabs[t]), gn, list) {
			json_array_foreach(list, i, d) {
				struct mmr_package *p = uv_dep(ctx, g, byname, d);
				if (p && (r = fn(ctx, p, arg)) < 0)
					return r;
			}
		}
	}
	return 0;
}

static int uv_add_dep(struct mmr_sbom_ctx *ctx, struct mmr_package *d, void *arg)
{
	struct mmr_package *p = arg;
	return mmr_sbom_add_dep(ctx, p, d->id);
}

static int uv_mark_direct(struct mmr_sbom_ctx *ctx, struct mmr_package *d, void *arg)
{
	(void)ctx;
	(void)arg;
	if (d->relation != MMR_DEP_ROOT && d->relation != MMR_DEP_WORKSPACE)
		d->relation = MMR_DEP_DIRECT;
	return 0;
}

static int uv_push(struct mmr_sbom_ctx *ctx, struct mmr_package *d, void *arg)
{
	struct mmr_vec *stack = arg;
	return mmr_vec_push(ctx->arena, stack, d);
}

static int uv_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		    struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = load_toml(ctx, f, &root, reterr);
	if (r < 0)
		return r;
	json_t *pkgs = mmr_json_arr(root, "package");
	struct mmr_sbom_group *g = NULL;
	struct mmr_map byname, idx;
	struct mmr_package *rootpkg = NULL;
	size_t rootidx = 0;
	if ((r = lock_packages(ctx, &mmr_sbom_analyzer_uv, f, pkgs, &g, &byname, reterr)) < 0)
		goto out;
	mmr_map_init(&idx, ctx->arena);
	for (size_t i = 0; i < g->packages.n; i++) {
		json_t *e = json_array_get(pkgs, i);
		struct mmr_package *p = g->packages.v[i];
		json_t *src = mmr_json_obj(e, "source");
		const char *local = mmr_json_str(src, "editable");
		if (!local)
			local = mmr_json_str(src, "virtual");
		if (local && strcmp(local, ".") == 0 && !rootpkg) {
			rootpkg = p;
			rootidx = i;
			p->relation = MMR_DEP_ROOT;
		} else if (local) {
			p->relation = MMR_DEP_WORKSPACE;
		} else {
			p->relation = MMR_DEP_INDIRECT;
		}
		if (mmr_map_put(&idx, p->id, (void *)(uintptr_t)(i + 1)) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	/* dependency edges */
	for (size_t i = 0; i < g->packages.n && r >= 0; i++)
		r = uv_each_dep(ctx, g, &byname, json_array_get(pkgs, i), true, true, uv_add_dep,
				g->packages.v[i]);
	if (r < 0 || !rootpkg)
		goto out;
	json_t *re = json_array_get(pkgs, rootidx);
	if ((r = uv_each_dep(ctx, g, &byname, re, true, true, uv_mark_direct, NULL)) < 0)
		goto out;
	/* production closure from the root's dependencies and extras; the rest
	 * is only reachable through dev groups */
	bool *prod = mmr_arena_calloc(ctx->arena, g->packages.n + 1, sizeof(bool));
	struct mmr_vec stack = { 0 };
	if (!prod) {
		r = -ENOMEM;
		goto out;
	}
	prod[rootidx] = true;
	if ((r = uv_each_dep(ctx, g, &byname, re, true, false, uv_push, &stack)) < 0)
		goto out;
	while (stack.n) {
		struct mmr_package *p = stack.v[--stack.n];
		size_t k = (size_t)(uintptr_t)mmr_map_get(&idx, p->id);
		if (!k || prod[k - 1])
			continue;
		prod[k - 1] = true;
		if ((r = uv_each_dep(ctx, g, &byname, json_array_get(pkgs, k - 1), true, false,
				     uv_push, &stack)) < 0)
			goto out;
	}
	for (size_t i = 0; i < g->packages.n; i++) {
		struct mmr_package *p = g->packages.v[i];
		p->dev = !prod[i] && p->relation != MMR_DEP_WORKSPACE;
		p->indirect = p->relation == MMR_DEP_INDIRECT;
	}
out:
	json_decref(root);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_uv = {
	.name = "uv",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = uv_match,
	.parse = uv_parse,
};
