/* sbom-go.c - Go modules: go.mod and go.sum in source trees, and the build
 * information the Go linker writes into every executable (the
 * `.go.buildinfo` ELF section, both the pointer format of Go < 1.18 and the
 * inline format of Go >= 1.18). */
#include "core/core-elf.h"
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const struct mmr_sbom_analyzer mmr_sbom_analyzer_gomod, mmr_sbom_analyzer_gosum,
	mmr_sbom_analyzer_gobinary;

#define MOD_MAX_SIZE (16u << 20)
/* Longest version or modinfo string read out of a binary. */
#define BUILDINFO_MAX_STRING (4u << 20)

static bool set_id(struct mmr_sbom_ctx *ctx, struct mmr_package *p)
{
	p->id = *p->version ? mmr_arena_printf(ctx->arena, "%s@%s", p->name, p->version) : p->name;
	return p->id != NULL;
}

static struct mmr_package *add_pkg(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g,
				   const char *name, const char *ver)
{
	struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_GO, name, ver);
	return p && set_id(ctx, p) ? p : NULL;
}

static int pkg_fail(struct mmr_sbom_ctx *ctx, struct mmr_sbom_group *g, const char *path,
		    unsigned long line, struct mmr_error *reterr)
{
	if (g && g->packages.n >= ctx->limits->max_packages)
		return mmr_error_set(reterr, E2BIG, path, line, 0, "more packages than max-packages");
	return -ENOMEM;
}

/* "go1.22.5" -> "v1.22.5" (the form Go vulnerability data uses). NULL when
 * the toolchain name is not a release ("devel ...", "default"). */
static char *go_release(struct mmr_arena *a, const char *s, size_t n)
{
	if (n < 3 || memcmp(s, "go", 2) != 0 || s[2] < '0' || s[2] > '9')
		return NULL;
	size_t e = 2;
	while (e < n && s[e] != ' ' && s[e] != '\t')
		e++;
	return mmr_arena_printf(a, "v%.*s", (int)(e - 2), s + 2);
}

/* ---- go.mod ---- */

static bool gomod_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= MOD_MAX_SIZE && strcmp(mmr_path_base(path), "go.mod") == 0;
}

#define MAX_TOK 8

/* Split a go.mod line into tokens (quoted strings unquoted, "//" ends the
 * line). Returns the count, or -1 on a token overflow/bad quote. *comment
 * is set to the text after "//". */
static int tokenize(struct mmr_arena *a, struct mmr_str line, char **tok, struct mmr_str *comment)
{
	int n = 0;
	size_t i = 0;
	*comment = (struct mmr_str){ NULL, 0 };
	while (i < line.len) {
		char c = line.p[i];
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '/' && i + 1 < line.len && line.p[i + 1] == '/') {
			*comment = mmr_str_trim((struct mmr_str){ line.p + i + 2, line.len - i - 2 });
			break;
		}
		if (n == MAX_TOK)
			return -1;
		size_t b = i;
		if (c == '"' || c == '`') {
			i++;
			while (i < line.len && line.p[i] != c) {
				if (c == '"' && line.p[i] == '\\' && i + 1 < line.len)
					i++;
				i++;
			}
			if (i >= line.len)
				return -1;
			tok[n] = mmr_arena_strndup(a, line.p + b + 1, i - b - 1);
			i++;
		} else {
			while (i < line.len && line.p[i] != ' ' && line.p[i] != '\t' && line.p[i] != '\r')
				i++;
			tok[n] = mmr_arena_strndup(a, line.p + b, i - b);
		}
		if (!tok[n])
			return -1;
		n++;
	}
	return n;
}

struct gomod_req {
	char *path, *ver;
	bool indirect;
	unsigned long line;
};

struct gomod_repl {
	char *old, *oldver, *new, *newver;
};

static bool local_path(const char *p)
{
	return p[0] == '.' || p[0] == '/' || (p[0] && p[1] == ':');
}

/* Remove a group of another analyzer for the sibling file: go.mod wins
 * over go.sum in the same directory (Trivy reads go.sum only to fill in
 * go.mod; a go.sum on its own is reported on its own). */
static bool sibling_group(struct mmr_sbom_ctx *ctx, const char *path, const char *analyzer,
			  const char *base, bool remove)
{
	const char *b = mmr_path_base(path);
	size_t dl = (size_t)(b - path);
	for (size_t i = 0; i < ctx->groups.n; i++) {
		struct mmr_sbom_group *g = ctx->groups.v[i];
		if (strcmp(g->analyzer, analyzer) != 0 || strncmp(g->path, path, dl) != 0 ||
		    strcmp(g->path + dl, base) != 0)
			continue;
		if (remove) {
			memmove(&ctx->groups.v[i], &ctx->groups.v[i + 1],
				(ctx->groups.n - i - 1) * sizeof(void *));
			ctx->groups.n--;
		}
		return true;
	}
	return false;
}

static int gomod_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		       struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str line, comment;
	char *tok[MAX_TOK];
	char *module = NULL, *stdlib = NULL, *gover = NULL;
	char block[16] = "";
	struct mmr_vec reqs = { 0 }, repls = { 0 };
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than max-line");
		int n = tokenize(ctx->arena, line, tok, &comment);
		if (n < 0)
			return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0,
					     "unterminated quote or too many fields");
		if (n == 0)
			continue;
		char **t = tok;
		if (block[0]) {
			if (n == 1 && strcmp(tok[0], ")") == 0) {
				block[0] = 0;
				continue;
			}
		} else {
			if (n == 2 && strcmp(tok[1], "(") == 0) {
				snprintf(block, sizeof(block), "%s", tok[0]);
				continue;
			}
			if (strcmp(tok[0], "module") == 0 && n >= 2) {
				module = tok[1];
				continue;
			}
			if (strcmp(tok[0], "go") == 0 && n >= 2) {
				gover = tok[1];
				continue;
			}
			if (strcmp(tok[0], "toolchain") == 0 && n >= 2) {
				stdlib = go_release(ctx->arena, tok[1], strlen(tok[1]));
				continue;
			}
			if (n >= 2 && (strcmp(tok[0], "require") == 0 || strcmp(tok[0], "replace") == 0)) {
				snprintf(block, sizeof(block), "*%s", tok[0]);
				t++;
				n--;
			} else {
				continue; /* exclude, retract, godebug, tool, ... */
			}
		}
		const char *verb = block[0] == '*' ? block + 1 : block;
		if (strcmp(verb, "require") == 0) {
			if (n < 2)
				return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0,
						     "require needs a module path and a version");
			struct gomod_req *r = mmr_arena_alloc(ctx->arena, sizeof(*r));
			if (!r)
				return -ENOMEM;
			r->path = t[0];
			r->ver = t[1];
			r->line = it.lineno;
			r->indirect = comment.len && (mmr_str_eqc(comment, "indirect") ||
						      mmr_str_starts(comment, "indirect;"));
			if (mmr_vec_push(ctx->arena, &reqs, r) < 0)
				return -ENOMEM;
		} else if (strcmp(verb, "replace") == 0) {
			int arrow = -1;
			for (int i = 0; i < n; i++)
				if (strcmp(t[i], "=>") == 0)
					arrow = i;
			if ((arrow != 1 && arrow != 2) || n - arrow - 1 < 1 || n - arrow - 1 > 2)
				return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0,
						     "malformed replace directive");
			struct gomod_repl *r = mmr_arena_alloc(ctx->arena, sizeof(*r));
			if (!r)
				return -ENOMEM;
			r->old = t[0];
			r->oldver = arrow == 2 ? t[1] : NULL;
			r->new = t[arrow + 1];
			r->newver = n - arrow - 1 == 2 ? t[arrow + 2] : NULL;
			if (mmr_vec_push(ctx->arena, &repls, r) < 0)
				return -ENOMEM;
		}
		if (block[0] == '*')
			block[0] = 0;
	}
	if (block[0])
		return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0,
				     "%s block not closed", block);
	/* go >= 1.21 makes the go line a minimum toolchain version */
	if (!stdlib && gover) {
		unsigned long maj = 0, min = 0;
		char *e1, *e2;
		maj = strtoul(gover, &e1, 10);
		if (*e1 == '.') {
			min = strtoul(e1 + 1, &e2, 10);
			if (e2 != e1 + 1 && maj == 1 && min >= 21)
				stdlib = mmr_arena_printf(ctx->arena, "v%s", gover);
		}
	}
	sibling_group(ctx, f->path, "gosum", "go.sum", true);
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_gomod, f->path);
	struct mmr_package *root = NULL;
	if (!g)
		return -ENOMEM;
	if (module) {
		if (!(root = add_pkg(ctx, g, module, "")))
			return pkg_fail(ctx, g, f->path, 0, reterr);
		root->relation = MMR_DEP_ROOT;
	}
	if (stdlib) {
		struct mmr_package *p = add_pkg(ctx, g, "stdlib", stdlib);
		if (!p)
			return pkg_fail(ctx, g, f->path, 0, reterr);
		p->relation = MMR_DEP_DIRECT;
		if (root && mmr_sbom_add_dep(ctx, root, p->id) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < reqs.n; i++) {
		struct gomod_req *r = reqs.v[i];
		const char *name = r->path, *ver = r->ver;
		bool drop = false;
		/* a replace naming the version wins over one for all versions */
		struct gomod_repl *best = NULL;
		for (size_t k = 0; k < repls.n; k++) {
			struct gomod_repl *rp = repls.v[k];
			if (strcmp(rp->old, r->path) != 0)
				continue;
			if (rp->oldver && strcmp(rp->oldver, r->ver) == 0)
				best = rp;
			else if (!rp->oldver && (!best || !best->oldver))
				best = rp;
		}
		if (best) {
			if (local_path(best->new) || !best->newver)
				drop = true;
			name = best->new;
			ver = best->newver;
		}
		if (drop)
			continue;
		struct mmr_package *p = add_pkg(ctx, g, name, ver);
		if (!p)
			return pkg_fail(ctx, g, f->path, r->line, reterr);
		p->line_start = p->line_end = r->line;
		p->indirect = r->indirect;
		p->relation = r->indirect ? MMR_DEP_INDIRECT : MMR_DEP_DIRECT;
		if (root && !r->indirect && mmr_sbom_add_dep(ctx, root, p->id) < 0)
			return -ENOMEM;
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_gomod = {
	.name = "gomod",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = gomod_match,
	.parse = gomod_parse,
};

/* ---- go.sum ---- */

static bool gosum_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= MOD_MAX_SIZE * 4 && strcmp(mmr_path_base(path), "go.sum") == 0;
}

static int gosum_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		       struct mmr_error *reterr)
{
	if (sibling_group(ctx, f->path, "gomod", "go.mod", false))
		return 0;
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_gosum, f->path);
	struct mmr_map byname;
	struct mmr_lines it;
	struct mmr_str line;
	if (!g)
		return -ENOMEM;
	mmr_map_init(&byname, ctx->arena);
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		line = mmr_str_trim(line);
		if (!line.len)
			continue;
		if (line.len > ctx->limits->max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than max-line");
		/* module version[/go.mod] hash */
		long sp = mmr_str_chr(line, ' ');
		if (sp <= 0)
			return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0,
					     "expected 'module version hash'");
		struct mmr_str rest = mmr_str_trim((struct mmr_str){ line.p + sp + 1, line.len - (size_t)sp - 1 });
		long sp2 = mmr_str_chr(rest, ' ');
		struct mmr_str ver = { rest.p, sp2 < 0 ? rest.len : (size_t)sp2 };
		if (mmr_str_ends(ver, "/go.mod"))
			ver.len -= 7;
		if (!ver.len)
			return mmr_error_set(reterr, EBADMSG, f->path, it.lineno, 0, "empty version");
		char *name = mmr_arena_strndup(ctx->arena, line.p, (size_t)sp);
		char *v = mmr_str_dup(ctx->arena, ver);
		if (!name || !v)
			return -ENOMEM;
		/* go.sum lists every version the build graph touched; the last
		 * (highest) one is the one that is used */
		struct mmr_package *p = mmr_map_get(&byname, name);
		if (p) {
			if (strcmp(p->version, v) != 0) {
				p->version = v;
				if (!set_id(ctx, p))
					return -ENOMEM;
			}
			p->line_start = p->line_end = it.lineno;
			continue;
		}
		if (!(p = add_pkg(ctx, g, name, v)))
			return pkg_fail(ctx, g, f->path, it.lineno, reterr);
		p->line_start = p->line_end = it.lineno;
		if (mmr_map_put(&byname, p->name, p) < 0)
			return -ENOMEM;
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_gosum = {
	.name = "gosum",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = gosum_match,
	.parse = gosum_parse,
};

/* ---- Go binaries ---- */

static bool gobin_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)path;
	return (mode & 0111) && size > 0 && size <= (512ull << 20) &&
	       (mode & S_IFMT) != S_IFDIR;
}

static const char bi_magic[] = "\xff Go buildinf:";
#define BI_MAGIC_LEN 14
#define BI_HEADER 32

/* A uvarint-prefixed string (Go >= 1.18 inline format). */
static bool read_varstr(const uint8_t **p, const uint8_t *end, const char **ret, size_t *ret_n)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const uint8_t *q = *p;
	for (;;) {
		if (q >= end || shift > 63)
			return false;
		uint8_t b = *q++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	if (v > (uint64_t)(end - q) || v > BUILDINFO_MAX_STRING)
		return false;
	*ret = (const char *)q;
	*ret_n = (size_t)v;
	*p = q + v;
	return true;
}

static uint64_t read_ptr(const struct mmr_elf *e, const uint8_t *p, unsigned psize)
{
	return psize == 8 ? mmr_elf_u64(e, p) : mmr_elf_u32(e, p);
}

/* A Go string header {data, len} at addr (Go < 1.18 pointer format). */
static bool read_gostr(const struct mmr_elf *e, uint64_t addr, unsigned psize, const char **ret,
		       size_t *ret_n)
{
	const uint8_t *h, *d;
	if (mmr_elf_read_vaddr(e, addr, 2 * psize, &h) < 0)
		return false;
	uint64_t da = read_ptr(e, h, psize), dl = read_ptr(e, h + psize, psize);
	if (dl > BUILDINFO_MAX_STRING)
		return false;
	if (!dl) {
		*ret = "";
		*ret_n = 0;
		return true;
	}
	if (mmr_elf_read_vaddr(e, da, (size_t)dl, &d) < 0)
		return false;
	*ret = (const char *)d;
	*ret_n = (size_t)dl;
	return true;
}

struct gomodline {
	char *path, *ver;
};

/* "mod\tpath\tversion\tsum" style fields; a missing field gives "". */
static void fields(struct mmr_arena *a, struct mmr_str l, char **f, size_t nf)
{
	size_t i = 0;
	for (size_t k = 0; k < nf; k++) {
		size_t b = i;
		while (i < l.len && l.p[i] != '\t')
			i++;
		f[k] = mmr_arena_strndup(a, l.p + b, i - b);
		if (i < l.len)
			i++;
	}
}

static int gobin_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		       struct mmr_error *reterr)
{
	struct mmr_elf e;
	struct mmr_elf_section sec;
	const uint8_t *bi;
	size_t bilen;
	const char *vers = NULL, *mod = NULL;
	size_t vers_n = 0, mod_n = 0;
	if (!mmr_elf_is_elf(f->data, f->len) || mmr_elf_open(&e, f->data, f->len) < 0 ||
	    mmr_elf_section_by_name(&e, ".go.buildinfo", &sec) < 0)
		return 0; /* not a Go binary */
	if (mmr_elf_section_data(&e, &sec, &bi, &bilen) < 0)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     ".go.buildinfo section lies outside the file");
	if (bilen < BI_HEADER || memcmp(bi, bi_magic, BI_MAGIC_LEN) != 0)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     ".go.buildinfo has no build information header");
	unsigned psize = bi[14], flags = bi[15];
	if (flags & 2) {
		const uint8_t *p = bi + BI_HEADER, *end = bi + bilen;
		if (!read_varstr(&p, end, &vers, &vers_n) || !read_varstr(&p, end, &mod, &mod_n))
			return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					     "truncated build information strings");
	} else {
		if (psize != 4 && psize != 8)
			return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					     "bad pointer size %u in build information", psize);
		if (bilen < 16 + 2 * psize)
			return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, "short build information");
		/* the pointers use the byte order the flags give */
		struct mmr_elf eb = e;
		eb.be = flags & 1;
		if (!read_gostr(&eb, read_ptr(&eb, bi + 16, psize), psize, &vers, &vers_n) ||
		    !read_gostr(&eb, read_ptr(&eb, bi + 16 + psize, psize), psize, &mod, &mod_n))
			return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					     "build information points outside the file");
	}
	/* modinfo is framed by 16-byte sentinels */
	if (mod_n >= 33 && mod[mod_n - 17] == '\n') {
		mod += 16;
		mod_n -= 32;
	} else {
		mod_n = 0;
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_gobinary, f->path);
	struct mmr_vec deps = { 0 }; /* struct gomodline * */
	struct gomodline *main = NULL, *last = NULL;
	struct mmr_lines it;
	struct mmr_str line;
	if (!g)
		return -ENOMEM;
	mmr_lines_init(&it, mod, mod_n);
	while (mmr_lines_next(&it, &line)) {
		char *fl[3];
		if (mmr_str_starts(line, "mod\t") || mmr_str_starts(line, "dep\t")) {
			struct gomodline *m = mmr_arena_alloc(ctx->arena, sizeof(*m));
			if (!m)
				return -ENOMEM;
			fields(ctx->arena, line, fl, 3);
			if (!fl[1] || !fl[2])
				return -ENOMEM;
			m->path = fl[1];
			m->ver = fl[2];
			if (line.p[0] == 'm') {
				main = m;
			} else if (mmr_vec_push(ctx->arena, &deps, m) < 0) {
				return -ENOMEM;
			}
			last = m;
		} else if (mmr_str_starts(line, "=>\t") && last) {
			fields(ctx->arena, line, fl, 3);
			if (!fl[1] || !fl[2])
				return -ENOMEM;
			last->path = fl[1];
			last->ver = fl[2];
			last = NULL;
		}
	}
	struct mmr_package *root = NULL;
	if (main && *main->path) {
		const char *v = strcmp(main->ver, "(devel)") == 0 ? "" : main->ver;
		if (!(root = add_pkg(ctx, g, main->path, v)))
			return pkg_fail(ctx, g, f->path, 0, reterr);
		root->relation = MMR_DEP_ROOT;
	}
	char *std = go_release(ctx->arena, vers, vers_n);
	if (std) {
		struct mmr_package *p = add_pkg(ctx, g, "stdlib", std);
		if (!p)
			return pkg_fail(ctx, g, f->path, 0, reterr);
		if (root && mmr_sbom_add_dep(ctx, root, p->id) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < deps.n; i++) {
		struct gomodline *m = deps.v[i];
		if (!*m->path || !*m->ver)
			continue; /* replaced by a local directory: no version to report */
		struct mmr_package *p = add_pkg(ctx, g, m->path, m->ver);
		if (!p)
			return pkg_fail(ctx, g, f->path, 0, reterr);
		if (root && mmr_sbom_add_dep(ctx, root, p->id) < 0)
			return -ENOMEM;
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_gobinary = {
	.name = "gobinary",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = gobin_match,
	.parse = gobin_parse,
};
