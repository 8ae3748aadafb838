/* sbom-apk.c - installed Alpine (and Wolfi/Chainguard) packages, from the
 * apk database lib/apk/db/installed.
 *
 * The database is a list of records separated by blank lines; each line is
 * "<letter>:<value>" (apk-tools' "installed database" format). We read
 *   P name, V version (full "1.2.3-r0"; apk has no epoch), A arch,
 *   o origin (source package), L licence, m maintainer,
 *   D dependencies, p provides (space separated),
 * and ignore the file lists (F/R/M/a/Z) and the rest.
 *
 * Records without P or V are dropped (Trivy: "invalidPackageWithoutAVersion").
 * Dependencies are resolved to the installed package that has the name or
 * provides it: a D entry is a name, "so:libfoo.so.1", "cmd:sh", "pc:x",
 * "/bin/sh", optionally with a version constraint (name>=1.2, name=1.2,
 * name~1.2, name<2); "!name" is a conflict and is skipped. depends_on
 * holds the IDs "name@version" of the providers.
 *
 * Licence: an SPDX expression ("MPL-2.0 AND MIT") is kept as one string;
 * an old space-separated list ("MIT BSD GPL2+") is split into its items.
 */
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* A copy of s that is safe in reports: invalid UTF-8 and control
 * characters become '?'. */
static char *clean_dup(struct mmr_arena *a, struct mmr_str s)
{
	char *d = mmr_str_dup(a, s);
	if (!d)
		return NULL;
	bool utf8 = mmr_utf8_valid(d, s.len);
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80))
			d[i] = '?';
	}
	return d;
}

struct apk_rec {
	struct mmr_str f[128]; /* by letter */
	bool has[128];
	unsigned long line_start, line_end;
	bool any;
};

struct apk_pkg {
	struct mmr_package *p;
	char *depends, *provides;
};

struct apk_state {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_sbom_file *f;
	struct mmr_sbom_group *g;
	struct mmr_vec pkgs; /* struct apk_pkg * */
	struct mmr_error *reterr;
	int err;
	bool full;
};

static void note_error(struct apk_state *st, int err, unsigned long line, const char *what)
{
	if (!st->err)
		st->err = mmr_error_set(st->reterr, err, st->f->path, line, 0, "%s", what);
}

static bool is_spdx_expression(struct mmr_str l)
{
	static const char *const ops[] = { " AND ", " OR ", " WITH ", " and ", " or ", NULL };
	for (size_t i = 0; ops[i]; i++) {
		size_t n = strlen(ops[i]);
		for (size_t k = 0; k + n <= l.len; k++)
			if (memcmp(l.p + k, ops[i], n) == 0)
				return true;
	}
	return mmr_str_chr(l, '(') >= 0;
}

static int add_licenses(struct apk_state *st, struct mmr_package *p, struct mmr_str l)
{
	struct mmr_arena *a = st->ctx->arena;
	l = mmr_str_trim(l);
	if (!l.len)
		return 0;
	if (is_spdx_expression(l)) {
		char *s = clean_dup(a, l);
		return s ? mmr_sbom_add_license(st->ctx, p, s) : -ENOMEM;
	}
	size_t i = 0;
	while (i < l.len) {
		while (i < l.len && isspace((unsigned char)l.p[i]))
			i++;
		size_t b = i;
		while (i < l.len && !isspace((unsigned char)l.p[i]))
			i++;
		if (i > b) {
			char *s = clean_dup(a, (struct mmr_str){ l.p + b, i - b });
			if (!s || mmr_sbom_add_license(st->ctx, p, s) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int emit(struct apk_state *st, struct apk_rec *r)
{
	struct mmr_arena *a = st->ctx->arena;
	if (!r->any)
		return 0;
	struct mmr_str name = mmr_str_trim(r->f['P']), ver = mmr_str_trim(r->f['V']);
	if (!r->has['P'] || !name.len || !r->has['V'] || !ver.len)
		return 0;
	if (st->full)
		return 0;
	if (!st->g && !(st->g = mmr_sbom_group_new(st->ctx, &mmr_sbom_analyzer_apk, st->f->path)))
		return -ENOMEM;
	char *cn = clean_dup(a, name), *cv = clean_dup(a, ver);
	if (!cn || !cv)
		return -ENOMEM;
	struct mmr_package *p = mmr_sbom_package_new(st->ctx, st->g, MMR_ECO_APK, cn, cv);
	if (!p) {
		if (st->ctx->limits && st->g->packages.n >= st->ctx->limits->max_packages) {
			st->full = true;
			note_error(st, E2BIG, r->line_start, "too many packages (limit max-packages)");
			return 0;
		}
		return -ENOMEM;
	}
	p->id = mmr_arena_printf(a, "%s@%s", cn, cv);
	if (r->has['A'])
		p->arch = clean_dup(a, mmr_str_trim(r->f['A']));
	if (r->has['m'])
		p->maintainer = clean_dup(a, mmr_str_trim(r->f['m']));
	struct mmr_str origin = r->has['o'] ? mmr_str_trim(r->f['o']) : name;
	p->src_name = clean_dup(a, origin.len ? origin : name);
	p->src_version = cv;
	p->line_start = r->line_start;
	p->line_end = r->line_end;
	if (!p->id || !p->src_name)
		return -ENOMEM;
	if (r->has['L'] && add_licenses(st, p, r->f['L']) < 0)
		return -ENOMEM;
	struct apk_pkg *ap = mmr_arena_alloc(a, sizeof(*ap));
	if (!ap)
		return -ENOMEM;
	ap->p = p;
	if (r->has['D'])
		ap->depends = mmr_str_dup(a, r->f['D']);
	if (r->has['p'])
		ap->provides = mmr_str_dup(a, r->f['p']);
	return mmr_vec_push(a, &st->pkgs, ap);
}

/* Next space-separated word; 0 at the end. */
static size_t next_word(const char **pp, const char **ret)
{
	const char *p = *pp;
	while (*p && isspace((unsigned char)*p))
		p++;
	const char *b = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	*pp = p;
	*ret = b;
	return (size_t)(p - b);
}

/* Length of the name part of "name", "name=1.2", "name>=1", "so:x=1". */
static size_t dep_name_len(const char *w, size_t n)
{
	size_t i = 0;
	while (i < n && !strchr("<>=~", w[i]))
		i++;
	return i;
}

static int resolve_depends(struct apk_state *st)
{
	struct mmr_arena *a = st->ctx->arena;
	struct mmr_map prov;
	mmr_map_init(&prov, a);
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct apk_pkg *ap = st->pkgs.v[i];
		if (mmr_map_put(&prov, ap->p->name, ap->p) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct apk_pkg *ap = st->pkgs.v[i];
		const char *q = ap->provides, *w;
		size_t n;
		while (q && (n = next_word(&q, &w))) {
			size_t k = dep_name_len(w, n);
			if (!k)
				continue;
			char *key = mmr_arena_strndup(a, w, k);
			if (!key)
				return -ENOMEM;
			/* a real package name wins over a virtual one */
			if (!mmr_map_has(&prov, key) && mmr_map_put(&prov, key, ap->p) < 0)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < st->pkgs.n; i++) {
		struct apk_pkg *ap = st->pkgs.v[i];
		const char *q = ap->depends, *w;
		size_t n;
		while (q && (n = next_word(&q, &w))) {
			if (w[0] == '!')
				continue;
			size_t k = dep_name_len(w, n);
			char key[512];
			if (!k || k >= sizeof(key))
				continue;
			memcpy(key, w, k);
			key[k] = 0;
			struct mmr_package *dep = mmr_map_get(&prov, key);
			if (!dep || dep == ap->p)
				continue;
			if (mmr_sbom_add_dep(st->ctx, ap->p, dep->id) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool apk_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(path, "lib/apk/db/installed") == 0;
}

static int apk_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	struct apk_state st = { .ctx = ctx, .f = f, .reterr = reterr };
	struct apk_rec *r = mmr_arena_alloc(ctx->arena, sizeof(*r));
	struct mmr_lines it;
	struct mmr_str line;
	uint64_t max_line = ctx->limits ? ctx->limits->max_line : 1u << 20;
	int e;
	if (!r)
		return -ENOMEM;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > max_line) {
			note_error(&st, E2BIG, it.lineno, "line too long (limit max-line)");
			continue;
		}
		if (mmr_str_trim(line).len == 0) {
			if ((e = emit(&st, r)) < 0)
				return e;
			memset(r, 0, sizeof(*r));
			continue;
		}
		if (!r->any)
			r->line_start = it.lineno;
		r->any = true;
		r->line_end = it.lineno;
		unsigned char k = (unsigned char)line.p[0];
		if (line.len < 2 || line.p[1] != ':' || k >= 128 || !isgraph(k)) {
			note_error(&st, EBADMSG, it.lineno, "expected \"X:value\"");
			continue;
		}
		if (r->has[k] && strchr("PVAoLDpm", (char)k)) {
			note_error(&st, EBADMSG, it.lineno, "duplicate field in one record");
			continue;
		}
		r->has[k] = true;
		r->f[k] = (struct mmr_str){ line.p + 2, line.len - 2 };
	}
	if ((e = emit(&st, r)) < 0)
		return e;
	if ((e = resolve_depends(&st)) < 0)
		return e;
	return st.err;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_apk = {
	.name = "apk",
	.class = "os-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = apk_match,
	.parse = apk_parse,
};
