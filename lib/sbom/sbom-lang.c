/* sbom-lang.c - line locations for language lockfiles (see sbom-lang.h). */
#include "sbom/sbom-lang.h"
#include "core/core-arena.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SEP '\x1f'

struct jframe {
	char type; /* '{' or '[' */
	bool expect_key;
	struct mmr_str curkey;
	size_t idx;
	unsigned long start;
};

static char *join_path(struct mmr_arena *a, const struct mmr_sbom_json_path *path, size_t depth)
{
	char num[32];
	size_t n = 1;
	for (size_t i = 0; i < depth; i++)
		n += (path[i].key.p ? path[i].key.len : 20) + 1;
	char *s = mmr_arena_alloc(a, n);
	if (!s)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < depth; i++) {
		if (i)
			s[o++] = SEP;
		if (path[i].key.p) {
			memcpy(s + o, path[i].key.p, path[i].key.len);
			o += path[i].key.len;
		} else {
			int k = snprintf(num, sizeof(num), "%zu", path[i].idx);
			memcpy(s + o, num, (size_t)k);
			o += (size_t)k;
		}
	}
	s[o] = 0;
	return s;
}

int mmr_sbom_json_locate(struct mmr_arena *a, const void *data, size_t len, size_t max_depth,
			 mmr_sbom_json_want_fn want, struct mmr_map *ret_map)
{
	const char *p = data, *end = p + len;
	unsigned long line = 1;
	size_t depth = 0;
	if (max_depth == 0 || max_depth > 64)
		max_depth = 64;
	struct jframe *fr = mmr_arena_calloc(a, max_depth, sizeof(*fr));
	struct mmr_sbom_json_path *path = mmr_arena_calloc(a, max_depth, sizeof(*path));
	if (!fr || !path)
		return -ENOMEM;
	while (p < end) {
		char c = *p;
		if (c == '\n') {
			line++;
			p++;
		} else if (c == '"') {
			const char *s = ++p;
			while (p < end && *p != '"') {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					line++;
				p++;
			}
			if (depth && depth <= max_depth && fr[depth - 1].type == '{' &&
			    fr[depth - 1].expect_key)
				fr[depth - 1].curkey = (struct mmr_str){ s, (size_t)(p - s) };
			if (p < end)
				p++;
		} else if (c == '{' || c == '[') {
			if (depth < max_depth) {
				if (depth) {
					struct jframe *par = &fr[depth - 1];
					path[depth - 1] = par->type == '{'
								  ? (struct mmr_sbom_json_path){ par->curkey, 0 }
								  : (struct mmr_sbom_json_path){ { NULL, 0 }, par->idx };
					if (par->type == '{' && !par->curkey.p)
						path[depth - 1].key = (struct mmr_str){ "", 0 };
				}
				fr[depth] = (struct jframe){ .type = c, .expect_key = c == '{', .start = line };
			}
			depth++;
			p++;
		} else if (c == '}' || c == ']') {
			if (depth) {
				depth--;
				if (depth < max_depth && want(path, depth)) {
					struct mmr_sbom_loc *l = mmr_arena_alloc(a, sizeof(*l));
					char *k = join_path(a, path, depth);
					if (!l || !k)
						return -ENOMEM;
					l->start = fr[depth].start;
					l->end = line;
					if (!mmr_map_has(ret_map, k) && mmr_map_put(ret_map, k, l) < 0)
						return -ENOMEM;
				}
			}
			p++;
		} else if (c == ',') {
			if (depth && depth <= max_depth) {
				struct jframe *f = &fr[depth - 1];
				if (f->type == '{') {
					f->expect_key = true;
					f->curkey = (struct mmr_str){ NULL, 0 };
				} else {
					f->idx++;
				}
			}
			p++;
		} else if (c == ':') {
			if (depth && depth <= max_depth)
				fr[depth - 1].expect_key = false;
			p++;
		} else {
			p++;
		}
	}
	return 0;
}

const char *mmr_sbom_json_idx(struct mmr_arena *a, size_t idx)
{
	return mmr_arena_printf(a, "%zu", idx);
}

const struct mmr_sbom_loc *mmr_sbom_json_loc(struct mmr_arena *a, const struct mmr_map *m,
					     const char *const *keys)
{
	char buf[4096];
	size_t o = 0;
	(void)a;
	for (size_t i = 0; keys[i]; i++) {
		size_t n = strlen(keys[i]);
		if (o + n + 2 > sizeof(buf))
			return NULL;
		if (i)
			buf[o++] = SEP;
		memcpy(buf + o, keys[i], n);
		o += n;
	}
	buf[o] = 0;
	return mmr_map_get(m, buf);
}

static size_t indent_of(struct mmr_str l)
{
	size_t i = 0;
	while (i < l.len && l.p[i] == ' ')
		i++;
	return i;
}

/* The key of a "key:" or "key: value" line starting at l.p (no indent). */
static bool yaml_key(struct mmr_str l, struct mmr_str *ret)
{
	if (!l.len || l.p[0] == '#' || l.p[0] == '-')
		return false;
	if (l.p[0] == '"' || l.p[0] == '\'') {
		char q = l.p[0];
		size_t i = 1;
		while (i < l.len && l.p[i] != q) {
			if (q == '"' && l.p[i] == '\\')
				i++;
			i++;
		}
		if (i >= l.len || i + 1 >= l.len || l.p[i + 1] != ':')
			return false;
		*ret = (struct mmr_str){ l.p + 1, i - 1 };
		return true;
	}
	for (size_t i = 0; i < l.len; i++) {
		if (l.p[i] == ':' && (i + 1 == l.len || l.p[i + 1] == ' ' || l.p[i + 1] == '\t')) {
			*ret = mmr_str_trim((struct mmr_str){ l.p, i });
			return ret->len > 0;
		}
	}
	return false;
}

int mmr_sbom_yaml_locate(struct mmr_arena *a, const void *data, size_t len, const char *section,
			 size_t indent, struct mmr_map *ret_map)
{
	struct mmr_lines it;
	struct mmr_str l;
	bool in = section == NULL;
	struct mmr_sbom_loc *cur = NULL;
	unsigned long last = 0;
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &l)) {
		struct mmr_str t = mmr_str_trim(l);
		if (!t.len || t.p[0] == '#')
			continue;
		size_t ind = indent_of(l);
		if (section && ind == 0) {
			struct mmr_str k;
			if (cur)
				cur->end = last;
			cur = NULL;
			in = yaml_key(t, &k) && mmr_str_eqc(k, section);
			last = it.lineno;
			continue;
		}
		if (in && ind == indent) {
			struct mmr_str k;
			if (cur)
				cur->end = last;
			cur = NULL;
			if (yaml_key((struct mmr_str){ l.p + ind, l.len - ind }, &k)) {
				char *ks = mmr_str_dup(a, k);
				cur = mmr_arena_alloc(a, sizeof(*cur));
				if (!ks || !cur)
					return -ENOMEM;
				cur->start = it.lineno;
				if (!mmr_map_has(ret_map, ks) && mmr_map_put(ret_map, ks, cur) < 0)
					return -ENOMEM;
			}
		} else if (in && ind < indent && cur) {
			cur->end = last;
			cur = NULL;
		}
		last = it.lineno;
	}
	if (cur)
		cur->end = last;
	return 0;
}

bool mmr_sbom_text_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return s != NULL;
}
