/* sbom-ruby.c - Ruby gems: Gemfile.lock (Bundler) for source trees, and
 * the specifications/<gem>.gemspec files RubyGems writes for installed gems.
 *
 * Gemfile.lock: sections GEM / GIT / PATH hold "  specs:" with gems at
 * four spaces ("name (version[-platform])") and their requirements at six;
 * DEPENDENCIES lists what the Gemfile asks for (the direct gems). The
 * platform suffix is dropped from versions as Trivy does.
 *
 * Installed gemspecs are Ruby code written by RubyGems in a fixed shape;
 * they are read line by line (s.name = "x".freeze), never evaluated. */
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <string.h>

static size_t indent_of(struct mmr_str l)
{
	size_t i = 0;
	while (i < l.len && l.p[i] == ' ')
		i++;
	return i;
}

/* "name (ver)" -> name, and the text in parentheses (may be empty). */
static bool name_paren(struct mmr_str t, struct mmr_str *name, struct mmr_str *paren)
{
	size_t i = 0;
	while (i < t.len && t.p[i] != ' ' && t.p[i] != '(' && t.p[i] != '!')
		i++;
	*name = (struct mmr_str){ t.p, i };
	*paren = (struct mmr_str){ NULL, 0 };
	long o = mmr_str_chr(t, '('), c = mmr_str_chr(t, ')');
	if (o >= 0 && c > o)
		*paren = mmr_str_trim((struct mmr_str){ t.p + o + 1, (size_t)(c - o - 1) });
	return name->len > 0;
}

struct gem {
	struct mmr_package *p;
	struct mmr_vec deps; /* char *: required gem names */
};

static bool lock_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "Gemfile.lock") == 0;
}

static int lock_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		      struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	enum { NONE, SPECS_SECTION, DEPS } sec = NONE;
	bool in_specs = false;
	struct mmr_vec gems = { 0 };
	struct mmr_map byname, direct;
	struct gem *cur = NULL;
	struct mmr_lines it;
	struct mmr_str l;
	mmr_map_init(&byname, a);
	mmr_map_init(&direct, a);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_bundler, f->path);
	if (!g)
		return -ENOMEM;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &l)) {
		if (ctx->limits && l.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than %s=%llu",
					     mmr_limits_key(ctx->limits, &ctx->limits->max_line),
					     (unsigned long long)ctx->limits->max_line);
		struct mmr_str t = mmr_str_trim(l);
		if (!t.len)
			continue;
		size_t ind = indent_of(l);
		if (ind == 0) {
			sec = mmr_str_eqc(t, "GEM") || mmr_str_eqc(t, "GIT") || mmr_str_eqc(t, "PATH") ||
					      mmr_str_eqc(t, "PLUGIN SOURCE")
				      ? SPECS_SECTION
			      : mmr_str_eqc(t, "DEPENDENCIES") ? DEPS
								: NONE;
			in_specs = false;
			cur = NULL;
			continue;
		}
		if (sec == DEPS && ind == 2) {
			struct mmr_str n, par;
			char *s;
			if (name_paren(t, &n, &par) && (s = mmr_str_dup(a, n)) != NULL &&
			    mmr_map_put(&direct, s, s) < 0)
				return -ENOMEM;
			continue;
		}
		if (sec != SPECS_SECTION)
			continue;
		if (ind == 2) {
			in_specs = mmr_str_eqc(t, "specs:");
			cur = NULL;
		} else if (in_specs && ind == 4) {
			struct mmr_str n, v;
			cur = NULL;
			if (!name_paren(t, &n, &v) || !v.len)
				return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 5,
						     "expected \"name (version)\"");
			long dash = mmr_str_chr(v, '-');
			if (dash > 0)
				v.len = (size_t)dash; /* 1.13.6-x86_64-linux -> 1.13.6 */
			char *name = mmr_str_dup(a, n), *ver = mmr_str_dup(a, v);
			if (!name || !ver)
				return -ENOMEM;
			if (mmr_map_has(&byname, name))
				continue; /* one gem, several platforms */
			cur = mmr_arena_alloc(a, sizeof(*cur));
			if (!cur)
				return -ENOMEM;
			cur->p = mmr_sbom_package_new(ctx, g, MMR_ECO_GEM, name, ver);
			if (!cur->p) {
				if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
					return mmr_error_set(
						reterr, E2BIG, f->path, it.lineno, 0,
						"more than %s=%llu packages",
						mmr_limits_key(ctx->limits, &ctx->limits->max_packages),
						(unsigned long long)ctx->limits->max_packages);
				return -ENOMEM;
			}
			cur->p->line_start = cur->p->line_end = it.lineno;
			if (mmr_map_put(&byname, cur->p->name, cur) < 0 ||
			    mmr_vec_push(a, &gems, cur) < 0)
				return -ENOMEM;
		} else if (in_specs && ind == 6 && cur) {
			struct mmr_str n, par;
			char *s;
			if (name_paren(t, &n, &par) &&
			    ((s = mmr_str_dup(a, n)) == NULL || mmr_vec_push(a, &cur->deps, s) < 0))
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < gems.n; i++) {
		struct gem *x = gems.v[i];
		x->p->relation = mmr_map_has(&direct, x->p->name) ? MMR_DEP_DIRECT : MMR_DEP_INDIRECT;
		x->p->indirect = x->p->relation == MMR_DEP_INDIRECT;
		for (size_t k = 0; k < x->deps.n; k++) {
			const struct gem *t = mmr_map_get(&byname, x->deps.v[k]);
			if (!t || t == x)
				continue;
			const char *id = mmr_arena_printf(a, "%s@%s", t->p->name, t->p->version);
			if (!id || mmr_sbom_add_dep(ctx, x->p, id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_bundler = {
	.name = "bundler",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = lock_match,
	.parse = lock_parse,
};

/* ---- installed gemspecs ---- */

static bool gemspec_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	if (size > 4 * 1024 * 1024 || !mmr_cstr_ends(path, ".gemspec"))
		return false;
	const char *b = mmr_path_base(path);
	return b - path >= 15 && memcmp(b - 15, "specifications/", 15) == 0 &&
	       (b - path == 15 || b[-16] == '/');
}

/* "<ident>.<field> = rest": the rest, or an empty slice. */
static struct mmr_str assignment(struct mmr_str t, const char *field)
{
	size_t i = 0, fl = strlen(field);
	while (i < t.len && (t.p[i] == '_' || (t.p[i] >= 'a' && t.p[i] <= 'z') ||
			     (t.p[i] >= 'A' && t.p[i] <= 'Z') || (t.p[i] >= '0' && t.p[i] <= '9')))
		i++;
	if (!i || i >= t.len || t.p[i] != '.' || t.len - i - 1 < fl ||
	    memcmp(t.p + i + 1, field, fl) != 0)
		return (struct mmr_str){ NULL, 0 };
	i += 1 + fl;
	while (i < t.len && t.p[i] == ' ')
		i++;
	if (i >= t.len || t.p[i] != '=' || (i + 1 < t.len && t.p[i + 1] == '='))
		return (struct mmr_str){ NULL, 0 };
	return mmr_str_trim((struct mmr_str){ t.p + i + 1, t.len - i - 1 });
}

/* The next "..." or '...' string in s from *pos. */
static bool next_string(struct mmr_str s, size_t *pos, struct mmr_str *ret)
{
	size_t i = *pos;
	while (i < s.len && s.p[i] != '"' && s.p[i] != '\'')
		i++;
	if (i >= s.len)
		return false;
	char q = s.p[i];
	size_t st = ++i;
	while (i < s.len && s.p[i] != q)
		i++;
	if (i >= s.len)
		return false;
	*ret = (struct mmr_str){ s.p + st, i - st };
	*pos = i + 1;
	return true;
}

static int gemspec_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			 struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	struct mmr_str name = { NULL, 0 }, ver = { NULL, 0 }, lic = { NULL, 0 };
	struct mmr_lines it;
	struct mmr_str l;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &l)) {
		struct mmr_str t = mmr_str_trim(l), v;
		size_t pos = 0;
		if (!t.len || t.p[0] == '#')
			continue;
		if (!name.p && (v = assignment(t, "name")).p)
			next_string(v, &pos, &name);
		else if (!ver.p && (v = assignment(t, "version")).p)
			next_string(v, &pos, &ver);
		else if (!lic.p && ((v = assignment(t, "licenses")).p || (v = assignment(t, "license")).p))
			lic = v;
	}
	if (!name.len || !ver.len)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     "no name or version assignment in gemspec");
	char *n = mmr_str_dup(a, name), *vs = mmr_str_dup(a, ver);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_gemspec, f->path);
	struct mmr_package *p = n && vs && g ? mmr_sbom_package_new(ctx, g, MMR_ECO_GEM, n, vs) : NULL;
	if (!p)
		return -ENOMEM;
	struct mmr_str ls;
	size_t pos = 0;
	while (lic.p && next_string(lic, &pos, &ls)) {
		char *s = mmr_str_dup(a, ls);
		if (!s || mmr_sbom_add_license(ctx, p, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_gemspec = {
	.name = "gemspec",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = gemspec_match,
	.parse = gemspec_parse,
};
