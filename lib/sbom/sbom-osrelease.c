/* sbom-osrelease.c - the distribution, from os-release(5) and its older
 * siblings (alpine-release, debian_version, redhat-release). */
#include "core/core-str.h"
#include "sbom/sbom.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static bool osrelease_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	return size < 64 * 1024 &&
	       (strcmp(path, "etc/os-release") == 0 || strcmp(path, "usr/lib/os-release") == 0);
}

/* Unquote a shell-style value: "x", 'x' or x, with \" \\ \$ \` escapes. */
static char *unquote(struct mmr_arena *a, struct mmr_str v)
{
	v = mmr_str_trim(v);
	if (v.len >= 2 && (v.p[0] == '"' || v.p[0] == '\'') && v.p[v.len - 1] == v.p[0]) {
		char q = v.p[0];
		char *d = mmr_arena_alloc(a, v.len);
		size_t o = 0;
		if (!d)
			return NULL;
		for (size_t i = 1; i + 1 < v.len; i++) {
			if (q == '"' && v.p[i] == '\\' && i + 2 < v.len && strchr("\"\\$`", v.p[i + 1]))
				i++;
			d[o++] = v.p[i];
		}
		d[o] = 0;
		return d;
	}
	return mmr_str_dup(a, v);
}

static int osrelease_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
			   struct mmr_error *reterr)
{
	struct mmr_os *os = mmr_arena_alloc(ctx->arena, sizeof(*os));
	struct mmr_lines it;
	struct mmr_str line;
	const char *id_like = NULL;
	(void)reterr;
	if (!os)
		return -ENOMEM;
	mmr_lines_init(&it, f->data, f->len);
	while (mmr_lines_next(&it, &line)) {
		line = mmr_str_trim(line);
		if (!line.len || line.p[0] == '#')
			continue;
		long eq = mmr_str_chr(line, '=');
		if (eq <= 0)
			continue;
		struct mmr_str k = { line.p, (size_t)eq };
		struct mmr_str v = { line.p + eq + 1, line.len - (size_t)eq - 1 };
		if (mmr_str_eqc(k, "ID"))
			os->name = unquote(ctx->arena, v);
		else if (mmr_str_eqc(k, "VERSION_ID"))
			os->version = unquote(ctx->arena, v);
		else if (mmr_str_eqc(k, "VERSION_CODENAME"))
			os->codename = unquote(ctx->arena, v);
		else if (mmr_str_eqc(k, "PRETTY_NAME"))
			os->pretty = unquote(ctx->arena, v);
		else if (mmr_str_eqc(k, "ID_LIKE"))
			id_like = unquote(ctx->arena, v);
	}
	if (!os->name)
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0, "no ID= line");
	for (char *p = (char *)os->name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* family: the base distribution vulnerability data is organised by */
	static const char *const known[] = { "debian", "ubuntu", "alpine", "rhel", "centos",
					     "fedora", "rocky", "almalinux", "amzn", "ol",
					     "sles", "opensuse-leap", "mariner", "azurelinux",
					     "photon", "wolfi", "chainguard", NULL };
	os->family = os->name;
	bool is_known = false;
	for (size_t i = 0; known[i]; i++)
		is_known |= strcmp(os->name, known[i]) == 0;
	if (!is_known && id_like && *id_like) {
		const char *sp = strchr(id_like, ' ');
		os->family = sp ? mmr_arena_strndup(ctx->arena, id_like, (size_t)(sp - id_like)) : id_like;
	}
	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_osrelease, f->path);
	if (!g)
		return -ENOMEM;
	g->os = os;
	return 0;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_osrelease = {
	.name = "os-release",
	.class = "os",
	.targets = MMR_SBOM_INSTALLED,
	.version = 1,
	.match = osrelease_match,
	.parse = osrelease_parse,
};
