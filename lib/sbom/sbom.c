/* sbom.c - analyzer table, dispatch and layer merging (see sbom.h). */
#include "sbom/sbom.h"
#include "core/core-buf.h"
#include "core/core-hash.h"
#include "core/core-str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct mmr_sbom_analyzer *const mmr_sbom_analyzers[] = {
#define A(n) &mmr_sbom_analyzer_##n,
#include "sbom/sbom-analyzers.def"
#undef A
	NULL,
};

const struct mmr_sbom_analyzer *mmr_sbom_analyzer_find(const char *name)
{
	for (size_t i = 0; mmr_sbom_analyzers[i]; i++)
		if (strcmp(mmr_sbom_analyzers[i]->name, name) == 0)
			return mmr_sbom_analyzers[i];
	return NULL;
}

const char *mmr_sbom_analyzers_key(void)
{
	static char key[MMR_SHA256_HEX_LEN + 1];
	if (key[0])
		return key;
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	for (size_t i = 0; mmr_sbom_analyzers[i]; i++)
		mmr_buf_addf(&b, "%s/%u;", mmr_sbom_analyzers[i]->name, mmr_sbom_analyzers[i]->version);
	if (mmr_sha256_hex(b.p, b.len, key) < 0)
		snprintf(key, sizeof(key), "nokey");
	mmr_buf_release(&b);
	return key;
}

void mmr_sbom_ctx_init(struct mmr_sbom_ctx *ctx, struct mmr_arena *a,
		       const struct mmr_limits *limits, unsigned targets, const char *layer)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->arena = a;
	ctx->limits = limits;
	ctx->targets = targets;
	ctx->layer = layer ? mmr_arena_strdup(a, layer) : NULL;
}

bool mmr_sbom_wants(const struct mmr_sbom_ctx *ctx, const char *path, uint32_t mode, uint64_t size)
{
	for (size_t i = 0; ctx->scanners && ctx->scanners[i]; i++)
		if (ctx->scanners[i]->wants(ctx->scanners[i], path, mode, size))
			return true;
	for (size_t i = 0; mmr_sbom_analyzers[i]; i++) {
		const struct mmr_sbom_analyzer *an = mmr_sbom_analyzers[i];
		if ((an->targets & ctx->targets) && an->match(path, mode, size))
			return true;
	}
	return false;
}

void mmr_sbom_analyze(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f)
{
	bool touched = false;
	ctx->files_seen++;
	for (size_t i = 0; ctx->scanners && ctx->scanners[i]; i++) {
		const struct mmr_file_scanner *s = ctx->scanners[i];
		if (s->wants(s, f->path, f->mode, f->len))
			s->scan(s, ctx, f);
	}
	for (size_t i = 0; mmr_sbom_analyzers[i]; i++) {
		const struct mmr_sbom_analyzer *an = mmr_sbom_analyzers[i];
		if (!(an->targets & ctx->targets) || !an->match(f->path, f->mode, f->len))
			continue;
		if (!touched) {
			touched = true;
			mmr_vec_push(ctx->arena, &ctx->touched, mmr_arena_strdup(ctx->arena, f->path));
		}
		struct mmr_error e = { 0 };
		size_t before = ctx->groups.n;
		int r = an->parse(ctx, f, &e);
		ctx->files_parsed++;
		if (r < 0) {
			char msg[1200];
			if (!e.file[0])
				snprintf(e.file, sizeof(e.file), "%s", f->path);
			if (!e.msg[0])
				snprintf(e.msg, sizeof(e.msg), "%s", strerror(-r));
			mmr_error_format(&e, msg, sizeof(msg));
			mmr_sbom_warn(ctx, f->path, "%s analyzer: %s", an->name, msg);
			/* keep what was parsed before the error: a partial SBOM of a
			 * damaged file is better than none, and the warning says so */
			(void)before;
		}
	}
}

struct mmr_sbom_group *mmr_sbom_group_new(struct mmr_sbom_ctx *ctx,
					  const struct mmr_sbom_analyzer *an, const char *path)
{
	struct mmr_sbom_group *g = mmr_arena_alloc(ctx->arena, sizeof(*g));
	if (!g)
		return NULL;
	g->analyzer = an->name;
	g->class = an->class;
	g->path = mmr_arena_strdup(ctx->arena, path);
	if (!g->path || mmr_vec_push(ctx->arena, &ctx->groups, g) < 0)
		return NULL;
	return g;
}

struct mmr_package *mmr_sbom_package_new(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
					 enum mmr_ecosystem eco, const char *name,
					 const char *version)
{
	if (ctx->limits && g->packages.n >= ctx->limits->max_packages)
		return NULL;
	struct mmr_package *p = mmr_arena_alloc(ctx->arena, sizeof(*p));
	if (!p)
		return NULL;
	p->eco = eco;
	p->name = mmr_arena_strdup(ctx->arena, name ? name : "");
	p->version = mmr_arena_strdup(ctx->arena, version ? version : "");
	p->file = g->path;
	p->layer = ctx->layer;
	if (!p->name || !p->version || mmr_vec_push(ctx->arena, &g->packages, p) < 0)
		return NULL;
	return p;
}

int mmr_sbom_add_license(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const char *lic)
{
	if (!lic || !*lic)
		return 0;
	for (size_t i = 0; i < p->licenses.n; i++)
		if (strcmp(p->licenses.v[i], lic) == 0)
			return 0;
	char *d = mmr_arena_strdup(ctx->arena, lic);
	return d ? mmr_vec_push(ctx->arena, &p->licenses, d) : -ENOMEM;
}

int mmr_sbom_add_dep(struct mmr_sbom_ctx *ctx, struct mmr_package *p, const char *dep_id)
{
	if (!dep_id || (p->id && strcmp(p->id, dep_id) == 0))
		return 0;
	for (size_t i = 0; i < p->depends_on.n; i++)
		if (strcmp(p->depends_on.v[i], dep_id) == 0)
			return 0;
	char *d = mmr_arena_strdup(ctx->arena, dep_id);
	return d ? mmr_vec_push(ctx->arena, &p->depends_on, d) : -ENOMEM;
}

int mmr_sbom_warn(struct mmr_sbom_ctx *ctx, const char *path, const char *fmt, ...)
{
	struct mmr_diag *d = mmr_arena_alloc(ctx->arena, sizeof(*d));
	if (!d)
		return -ENOMEM;
	va_list ap;
	va_start(ap, fmt);
	d->message = mmr_arena_vprintf(ctx->arena, fmt, ap);
	va_end(ap);
	if (ctx->layer)
		d->where = mmr_arena_printf(ctx->arena, "layer %s: %s", ctx->layer, path ? path : "");
	else
		d->where = mmr_arena_strdup(ctx->arena, path ? path : "");
	return mmr_vec_push(ctx->arena, &ctx->warnings, d);
}

/* ---- merging layers ---- */

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 0)
		return true; /* whiteout of the root: everything */
	return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static bool strictly_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 0)
		return true;
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

int mmr_sbom_merge(struct mmr_report *r, struct mmr_sbom_ctx *const *layers, size_t n)
{
	struct mmr_vec live = { 0 }; /* struct mmr_sbom_group *, NULL when removed */
	for (size_t i = 0; i < n; i++) {
		const struct mmr_sbom_ctx *c = layers[i];
		for (size_t k = 0; k < live.n; k++) {
			struct mmr_sbom_group *g = live.v[k];
			if (!g)
				continue;
			bool gone = false;
			for (size_t w = 0; w < c->whiteouts.n && !gone; w++)
				gone = under(g->path, c->whiteouts.v[w]);
			for (size_t w = 0; w < c->opaque.n && !gone; w++)
				gone = strictly_under(g->path, c->opaque.v[w]);
			for (size_t t = 0; t < c->touched.n && !gone; t++)
				gone = strcmp(g->path, c->touched.v[t]) == 0;
			if (gone)
				live.v[k] = NULL;
		}
		for (size_t k = 0; k < c->groups.n; k++)
			if (mmr_vec_push(r->arena, &live, c->groups.v[k]) < 0)
				return -ENOMEM;
		for (size_t k = 0; k < c->warnings.n; k++) {
			const struct mmr_diag *d = c->warnings.v[k];
			mmr_report_diag(r, d->where, "%s", d->message);
		}
	}

	/* the OS: etc/os-release wins over usr/lib/os-release */
	const struct mmr_sbom_group *osg = NULL;
	for (size_t k = 0; k < live.n; k++) {
		const struct mmr_sbom_group *g = live.v[k];
		if (!g || !g->os)
			continue;
		if (!osg || strcmp(g->path, "etc/os-release") == 0 || strcmp(osg->path, "etc/os-release") != 0)
			osg = g;
	}
	if (osg)
		r->asset.os = *osg->os;
	const char *os_target = osg && osg->os->name ?
					mmr_arena_printf(r->arena, "%s %s", osg->os->name,
							 osg->os->version ? osg->os->version : "") :
					"os";

	for (size_t k = 0; k < live.n; k++) {
		struct mmr_sbom_group *g = live.v[k];
		if (!g || !g->packages.n)
			continue;
		bool os = strcmp(g->class, "os-pkgs") == 0;
		struct mmr_result *res =
			mmr_report_result(r, os ? os_target : g->path, g->class, g->analyzer);
		if (!res)
			return -ENOMEM;
		for (size_t p = 0; p < g->packages.n; p++) {
			struct mmr_package *pkg = g->packages.v[p];
			int e = mmr_package_finish(r->arena, pkg, os && osg ? osg->os : NULL);
			if (e < 0 || mmr_vec_push(r->arena, &res->packages, pkg) < 0)
				return -ENOMEM;
		}
	}
	/* file-scanner findings: every layer's, deleted files included */
	for (size_t i = 0; i < n; i++) {
		const struct mmr_sbom_ctx *c = layers[i];
		for (size_t k = 0; k < c->findings.n; k++) {
			struct mmr_finding *f = c->findings.v[k];
			const char *kind = mmr_finding_kind_name(f->kind);
			struct mmr_result *res = mmr_report_result(r, f->loc.file ? f->loc.file : "",
								   kind, kind);
			if (!res || mmr_vec_push(r->arena, &res->findings, f) < 0)
				return -ENOMEM;
		}
	}
	mmr_report_sort(r);
	return 0;
}
