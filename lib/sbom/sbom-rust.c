/* sbom-rust.c - Rust crates: Cargo.lock (v1 to v4) in source trees, and the
 * dependency list cargo-auditable embeds in binaries (the `.dep-v0` ELF
 * section: zlib-compressed JSON). */
#include "core/core-elf.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "core/core-toml.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

extern const struct mmr_sbom_analyzer mmr_sbom_analyzer_cargo, mmr_sbom_analyzer_rust_binary;

#define LOCK_MAX_SIZE (64u << 20)
/* The inflated `.dep-v0` JSON: real ones are a few KiB to a few hundred. */
#define AUDIT_MAX_JSON (16u << 20)

static bool set_id(struct mmr_sbom_ctx *ctx, struct mmr_package *p)
{
	p->id = *p->version ? mmr_arena_printf(ctx->arena, "%s@%s", p->name, p->version) : p->name;
	return p->id != NULL;
}

static int too_many(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		    struct mmr_sbom_group *g, struct mmr_error *reterr)
{
	if (g->packages.n >= ctx->limits->max_packages)
		return mmr_error_set(reterr, E2BIG, f->path, 0, 0, "more packages than max-packages");
	return -ENOMEM;
}

/* ---- Cargo.lock ---- */

static bool cargo_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size <= LOCK_MAX_SIZE && strcmp(mmr_path_base(path), "Cargo.lock") == 0;
}

static int cargo_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		       struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = mmr_toml_parse(f->data, f->len, f->path, (size_t)ctx->limits->max_json_depth, &root,
			       reterr);
	if (r < 0)
		return r;
	json_t *pkgs = mmr_json_arr(root, "package");
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_cargo, f->path);
	struct mmr_map byname, byid;
	size_t i;
	json_t *e;
	if (!g) {
		r = -ENOMEM;
		goto out;
	}
	mmr_map_init(&byname, ctx->arena);
	mmr_map_init(&byid, ctx->arena);
	json_array_foreach(pkgs, i, e) {
		const char *name = mmr_json_str(e, "name"), *ver = mmr_json_str(e, "version");
		if (!name || !*name || !ver) {
			r = mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
					  "[[package]] number %zu has no name or version", i + 1);
			goto out;
		}
		struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_CARGO, name, ver);
		if (!p) {
			r = too_many(ctx, f, g, reterr);
			goto out;
		}
		if (!set_id(ctx, p) || (!mmr_map_get(&byname, p->name) &&
					mmr_map_put(&byname, p->name, p) < 0) ||
		    mmr_map_put(&byid, p->id, p) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	/* dependencies: "name", "name version" or "name version (source)" */
	json_array_foreach(pkgs, i, e) {
		struct mmr_package *p = g->packages.v[i];
		size_t k;
		json_t *d;
		json_array_foreach(mmr_json_arr(e, "dependencies"), k, d) {
			const char *s = json_string_value(d);
			if (!s)
				continue;
			const char *sp = strchr(s, ' ');
			struct mmr_package *dp;
			if (!sp) {
				dp = mmr_map_get(&byname, s);
			} else {
				const char *v = sp + 1, *ve = strchr(v, ' ');
				char *id = mmr_arena_printf(ctx->arena, "%.*s@%.*s", (int)(sp - s), s,
							    (int)(ve ? (size_t)(ve - v) : strlen(v)), v);
				if (!id) {
					r = -ENOMEM;
					goto out;
				}
				dp = mmr_map_get(&byid, id);
			}
			if (dp && (r = mmr_sbom_add_dep(ctx, p, dp->id)) < 0)
				goto out;
		}
	}
	r = 0;
out:
	json_decref(root);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_cargo = {
	.name = "cargo",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = cargo_match,
	.parse = cargo_parse,
};

/* ---- cargo-auditable binaries ---- */

static bool rustbin_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)path;
	return (mode & 0111) && size > 0 && size <= (512ull << 20) &&
	       (mode & S_IFMT) != S_IFDIR;
}

/* Inflate a zlib stream into a malloc'ed buffer of at most max bytes. */
static int inflate_capped(const uint8_t *in, size_t inlen, size_t max, char **ret,
			  size_t *ret_len)
{
	z_stream z = { 0 };
	size_t cap = inlen * 4 < 4096 ? 4096 : inlen * 4, n = 0;
	char *out;
	int zr;
	if (cap > max)
		cap = max;
	out = malloc(cap + 1);
	if (!out)
		return -ENOMEM;
	if (inflateInit(&z) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)(inlen > UINT32_MAX ? UINT32_MAX : inlen);
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				zr = Z_BUF_ERROR;
				break;
			}
			size_t nc = cap * 2 > max ? max : cap * 2;
			char *no = realloc(out, nc + 1);
			if (!no) {
				zr = Z_MEM_ERROR;
				break;
			}
			out = no;
			cap = nc;
		}
		z.next_out = (Bytef *)out + n;
		z.avail_out = (uInt)(cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (zr == Z_STREAM_END || (zr != Z_OK && zr != Z_BUF_ERROR))
			break;
		if (zr == Z_BUF_ERROR && z.avail_out)
			break; /* input exhausted before the end */
	}
	inflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(out);
		if (zr == Z_MEM_ERROR)
			return -ENOMEM;
		return n >= max ? -E2BIG : -EBADMSG;
	}
	out[n] = 0;
	*ret = out;
	*ret_len = n;
	return 0;
}

static int rustbin_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			 struct mmr_error *reterr)
{
	struct mmr_elf elf;
	struct mmr_elf_section sec;
	const uint8_t *z;
	size_t zlen, jlen;
	char *js = NULL;
	json_t *root = NULL;
	if (!mmr_elf_is_elf(f->data, f->len) || mmr_elf_open(&elf, f->data, f->len) < 0 ||
	    mmr_elf_section_by_name(&elf, ".dep-v0", &sec) < 0)
		return 0; /* not an audited Rust binary: nothing to say */
	if (mmr_elf_section_data(&elf, &sec, &z, &zlen) < 0)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     ".dep-v0 section lies outside the file");
	int r = inflate_capped(z, zlen, AUDIT_MAX_JSON, &js, &jlen);
	if (r < 0)
		return mmr_error_set(reterr, -r, f->path, 0, 0, ".dep-v0 section: %s",
				     r == -E2BIG ? "inflates past 16 MiB" : "bad zlib data");
	r = mmr_json_parse(js, jlen, f->path, &root, reterr);
	free(js);
	if (r < 0)
		return r;
	json_t *pkgs = mmr_json_arr(root, "packages");
	if (!pkgs) {
		json_decref(root);
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, ".dep-v0 JSON has no packages");
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_rust_binary, f->path);
	size_t n = json_array_size(pkgs), i;
	struct mmr_package **byidx = g ? mmr_arena_calloc(ctx->arena, n + 1, sizeof(*byidx)) : NULL;
	json_t *e;
	if (!byidx) {
		json_decref(root);
		return -ENOMEM;
	}
	/* Like Trivy: build-time dependencies are not in the binary; the root
	 * crate (the binary itself) is kept, as the root. */
	json_array_foreach(pkgs, i, e) {
		const char *name = mmr_json_str(e, "name"), *ver = mmr_json_str(e, "version");
		const char *kind = mmr_json_str(e, "kind");
		if (!name || !ver || (kind && strcmp(kind, "runtime") != 0))
			continue;
		struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_CARGO, name, ver);
		if (!p || !set_id(ctx, p)) {
			json_decref(root);
			return p ? -ENOMEM : too_many(ctx, f, g, reterr);
		}
		if (mmr_json_bool(e, "root") == 1)
			p->relation = MMR_DEP_ROOT;
		byidx[i] = p;
	}
	json_array_foreach(pkgs, i, e) {
		size_t k;
		json_t *d;
		if (!byidx[i])
			continue;
		json_array_foreach(mmr_json_arr(e, "dependencies"), k, d) {
			json_int_t di = json_is_integer(d) ? json_integer_value(d) : -1;
			if (di < 0 || (size_t)di >= n || !byidx[di])
				continue;
			if (mmr_sbom_add_dep(ctx, byidx[i], byidx[di]->id) < 0) {
				json_decref(root);
				return -ENOMEM;
			}
		}
	}
	json_decref(root);
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_rust_binary = {
	.name = "rust-binary",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = rustbin_match,
	.parse = rustbin_parse,
};
