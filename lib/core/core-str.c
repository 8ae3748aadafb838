/* core-str.c - string slices (see core-str.h). */
#include "core/core-str.h"
#include "core/core-arena.h"

#include <string.h>

struct mmr_str mmr_str_from(const char *s)
{
	return (struct mmr_str){ s, s ? strlen(s) : 0 };
}

bool mmr_str_eq(struct mmr_str a, struct mmr_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool mmr_str_eqc(struct mmr_str a, const char *s)
{
	return mmr_str_eq(a, mmr_str_from(s));
}

bool mmr_str_starts(struct mmr_str a, const char *prefix)
{
	size_t n = strlen(prefix);
	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

bool mmr_str_ends(struct mmr_str a, const char *suffix)
{
	size_t n = strlen(suffix);
	return a.len >= n && memcmp(a.p + a.len - n, suffix, n) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

struct mmr_str mmr_str_trim(struct mmr_str s)
{
	while (s.len && is_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

long mmr_str_chr(struct mmr_str s, char c)
{
	const char *q = s.len ? memchr(s.p, c, s.len) : NULL;
	return q ? (long)(q - s.p) : -1;
}

char *mmr_str_dup(struct mmr_arena *a, struct mmr_str s)
{
	return mmr_arena_strndup(a, s.p ? s.p : "", s.len);
}

void mmr_lines_init(struct mmr_lines *it, const void *data, size_t len)
{
	it->p = data;
	it->end = it->p + len;
	it->lineno = 0;
}

bool mmr_lines_next(struct mmr_lines *it, struct mmr_str *ret_line)
{
	if (!it->p || it->p >= it->end)
		return false;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const char *e = nl ? nl : it->end;
	struct mmr_str l = { it->p, (size_t)(e - it->p) };
	if (l.len && l.p[l.len - 1] == '\r')
		l.len--;
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	*ret_line = l;
	return true;
}

bool mmr_cstr_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool mmr_cstr_ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

const char *mmr_path_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

bool mmr_parse_u64(const char *s, size_t len, uint64_t *ret)
{
	if (len == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

bool mmr_utf8_valid(const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

int mmr_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
