/* sbom-gradle.c - Gradle dependency lock files.
 *
 * gradle.lockfile (and buildscript-gradle.lockfile, and the older
 * per-configuration gradle/dependency-locks/<conf>.lockfile) hold one
 * dependency per line:
 *
 *   group:artifact:version=configuration1,configuration2
 *
 * plus '#' comments and a closing "empty=<configurations>" line. A
 * dependency whose configurations all start with "test" is a dev
 * dependency. Each package records its line. Lines that are neither
 * are skipped with a warning naming the line; a line longer than max-line
 * is an error (the file is not a lock file). Duplicates are reported once. */
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <string.h>

static bool gradle_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	const char *base = mmr_path_base(path);
	if (strcmp(base, "gradle.lockfile") == 0 || mmr_cstr_ends(base, "-gradle.lockfile"))
		return true;
	/* Gradle < 6: gradle/dependency-locks/<configuration>.lockfile */
	size_t dl = strlen("gradle/dependency-locks/");
	size_t bl = strlen(base);
	return mmr_cstr_ends(base, ".lockfile") && (size_t)(base - path) >= dl &&
	       strncmp(base - dl, "gradle/dependency-locks/", dl) == 0 && bl > 9;
}

static bool coord_ok(struct mmr_str s)
{
	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c <= ' ' || c == 0x7f || c == '=' || c == ',')
			return false;
	}
	return true;
}

/* true when every configuration in the comma list starts with "test" */
static bool all_test(struct mmr_str confs)
{
	bool any = false;
	while (confs.len) {
		long c = mmr_str_chr(confs, ',');
		size_t n = c < 0 ? confs.len : (size_t)c;
		struct mmr_str one = mmr_str_trim((struct mmr_str){ confs.p, n });
		if (one.len) {
			if (!mmr_str_starts(one, "test"))
				return false;
			any = true;
		}
		confs.p += c < 0 ? n : n + 1;
		confs.len -= c < 0 ? n : n + 1;
	}
	return any;
}

static int gradle_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			struct mmr_error *reterr)
{
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_gradle_lock, f->path);
	if (!g)
		return -ENOMEM;
	struct mmr_map seen;
	mmr_map_init(&seen, ctx->arena);
	uint64_t max_line = ctx->limits ? ctx->limits->max_line : 1 << 20;
	struct mmr_lines it;
	struct mmr_str line;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len > max_line)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "line longer than max-line=%llu",
					     (unsigned long long)max_line);
		line = mmr_str_trim(line);
		if (!line.len || line.p[0] == '#')
			continue;
		long eq = mmr_str_chr(line, '=');
		struct mmr_str coord = { line.p, eq < 0 ? line.len : (size_t)eq };
		struct mmr_str confs = { "", 0 };
		if (eq >= 0)
			confs = (struct mmr_str){ line.p + eq + 1, line.len - (size_t)eq - 1 };
		coord = mmr_str_trim(coord);
		if (mmr_str_eqc(coord, "empty"))
			continue;
		/* group:artifact:version */
		long c1 = mmr_str_chr(coord, ':');
		struct mmr_str rest = { coord.p + c1 + 1, c1 < 0 ? 0 : coord.len - (size_t)c1 - 1 };
		long c2 = c1 < 0 ? -1 : mmr_str_chr(rest, ':');
		struct mmr_str grp = { coord.p, c1 < 0 ? 0 : (size_t)c1 };
		struct mmr_str art = { rest.p, c2 < 0 ? 0 : (size_t)c2 };
		struct mmr_str ver = { rest.p + c2 + 1, c2 < 0 ? 0 : rest.len - (size_t)c2 - 1 };
		if (c1 < 0 || c2 < 0 || mmr_str_chr(ver, ':') >= 0 || !coord_ok(grp) ||
		    !coord_ok(art) || !coord_ok(ver)) {
			mmr_sbom_warn(ctx, f->path,
				      "gradle-lock analyzer: %s:%lu: not group:artifact:version=configurations: skipped",
				      f->path, it.lineno);
			continue;
		}
		char *name = mmr_arena_printf(ctx->arena, "%.*s:%.*s", (int)grp.len, grp.p,
					      (int)art.len, art.p);
		char *version = mmr_str_dup(ctx->arena, ver);
		char *key = name && version ? mmr_arena_printf(ctx->arena, "%s@%s", name, version) :
					      NULL;
		if (!key)
			return -ENOMEM;
		if (mmr_map_has(&seen, key))
			continue;
		struct mmr_package *p = mmr_sbom_package_new(ctx, g, MMR_ECO_MAVEN, name, version);
		if (!p)
			return mmr_error_set(reterr, E2BIG, f->path, it.lineno, 0,
					     "package limit (max-packages) reached");
		p->dev = all_test(confs);
		p->line_start = p->line_end = it.lineno;
		if (mmr_map_put(&seen, key, p) < 0)
			return -ENOMEM;
	}
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_gradle_lock = {
	.name = "gradle-lock",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = gradle_match,
	.parse = gradle_parse,
};
