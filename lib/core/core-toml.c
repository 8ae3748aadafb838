/* core-toml.c - TOML 1.0 to jansson (see core-toml.h).
 *
 * A single pass, recursive descent over the bytes in memory. The rules about
 * which tables may be reopened are kept in a side table of flags per jansson
 * object/array (jansson has no room for them): how a table came to exist
 * (explicit [header], implicit intermediate of a header, dotted key, inline
 * value) and whether an array is an array of tables. */
#include "core/core-toml.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "core/core-str.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	F_EXPLICIT = 1, /* defined by a [header] or [[header]] */
	F_IMPLICIT = 2, /* created as an intermediate of a header */
	F_DOTTED = 4,   /* created by a dotted key */
	F_INLINE = 8,   /* inline table: closed once written */
	F_AOT = 16,     /* array created by [[header]]: may grow */
};

struct flag_slot {
	const void *key;
	unsigned flags;
};

struct tp {
	const char *s;
	size_t len, pos;
	const char *file;
	struct mmr_error *err;
	size_t max_depth;
	json_t *root, *cur;
	struct flag_slot *fl;
	size_t fl_n, fl_cap;
};

struct kpart {
	char *s;
	size_t n;
};

struct key {
	struct kpart *v;
	size_t n, cap;
};

static void key_release(struct key *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].s);
	free(k->v);
	k->v = NULL;
	k->n = k->cap = 0;
}

static int fail(struct tp *p, size_t at, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct tp *p, size_t at, int err, const char *fmt, ...)
{
	unsigned long line = 1, col = 1;
	char msg[256];
	va_list ap;
	if (at > p->len)
		at = p->len;
	for (size_t i = 0; i < at; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mmr_error_set(p->err, err, p->file, line, col, "%s", msg);
}

static int oom(struct tp *p)
{
	return fail(p, p->pos, ENOMEM, "out of memory");
}

/* ---- flags side table (open addressing on pointers) ---- */

static size_t ptr_hash(const void *k)
{
	uint64_t x = (uint64_t)(uintptr_t)k;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static unsigned flags_get(const struct tp *p, const void *k)
{
	if (!p->fl_cap)
		return 0;
	for (size_t i = ptr_hash(k) & (p->fl_cap - 1);; i = (i + 1) & (p->fl_cap - 1)) {
		if (!p->fl[i].key)
			return 0;
		if (p->fl[i].key == k)
			return p->fl[i].flags;
	}
}

static int flags_set(struct tp *p, const void *k, unsigned f)
{
	if ((p->fl_n + 1) * 2 > p->fl_cap) {
		size_t ncap = p->fl_cap ? p->fl_cap * 2 : 64;
		struct flag_slot *n = calloc(ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < p->fl_cap; i++) {
			if (!p->fl[i].key)
				continue;
			size_t j = ptr_hash(p->fl[i].key) & (ncap - 1);
			while (n[j].key)
				j = (j + 1) & (ncap - 1);
			n[j] = p->fl[i];
		}
		free(p->fl);
		p->fl = n;
		p->fl_cap = ncap;
	}
	size_t i = ptr_hash(k) & (p->fl_cap - 1);
	while (p->fl[i].key && p->fl[i].key != k)
		i = (i + 1) & (p->fl_cap - 1);
	if (!p->fl[i].key) {
		p->fl[i].key = k;
		p->fl_n++;
	}
	p->fl[i].flags = f;
	return 0;
}

/* ---- lexical helpers ---- */

static bool eof(const struct tp *p)
{
	return p->pos >= p->len;
}

static int peek(const struct tp *p, size_t off)
{
	return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : -1;
}

static void skip_ws(struct tp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
		p->pos++;
}

static bool is_ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* At '#': skip to (not past) the end of the line. */
static int skip_comment(struct tp *p)
{
	while (p->pos < p->len) {
		int c = (unsigned char)p->s[p->pos];
		if (c == '\n' || (c == '\r' && peek(p, 1) == '\n'))
			return 0;
		if (is_ctrl(c))
			return fail(p, p->pos, EBADMSG, "control character in comment");
		p->pos++;
	}
	return 0;
}

/* Consume a newline if one is here; 1 if consumed, 0 if not. */
static int eat_newline(struct tp *p)
{
	if (peek(p, 0) == '\n') {
		p->pos++;
		return 1;
	}
	if (peek(p, 0) == '\r' && peek(p, 1) == '\n') {
		p->pos += 2;
		return 1;
	}
	return 0;
}

/* Whitespace, comments and newlines (inside arrays). */
static int skip_ws_nl(struct tp *p)
{
	for (;;) {
		skip_ws(p);
		if (peek(p, 0) == '#') {
			int r = skip_comment(p);
			if (r < 0)
				return r;
		}
		if (!eat_newline(p))
			return 0;
	}
}

/* After a key/value or header: optional comment, then newline or EOF. */
static int expect_eol(struct tp *p, const char *after)
{
	skip_ws(p);
	if (peek(p, 0) == '#') {
		int r = skip_comment(p);
		if (r < 0)
			return r;
	}
	if (eof(p) || eat_newline(p))
		return 0;
	return fail(p, p->pos, EBADMSG, "expected a newline after %s", after);
}

/* ---- strings ---- */

static int add_utf8(struct mmr_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return mmr_buf_add(b, u, n);
}

/* At the backslash of an escape in a basic string. */
static int escape(struct tp *p, struct mmr_buf *b)
{
	size_t at = p->pos;
	int c = peek(p, 1);
	const char *simple = "b\bt\tn\nf\fr\r\"\"\\\\";
	for (const char *e = simple; *e; e += 2) {
		if (c == e[0]) {
			p->pos += 2;
			return mmr_buf_addc(b, e[1]);
		}
	}
	if (c == 'u' || c == 'U') {
		size_t nd = c == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (size_t i = 0; i < nd; i++) {
			int h = mmr_hex_digit(peek(p, 2 + i));
			if (h < 0)
				return fail(p, at, EBADMSG, "bad \\%c escape: %zu hex digits needed", c, nd);
			cp = cp << 4 | (uint32_t)h;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(p, at, EBADMSG, "escape is not a Unicode scalar value");
		p->pos += 2 + nd;
		return add_utf8(b, cp);
	}
	return fail(p, at, EBADMSG, "invalid escape sequence in string");
}

/* Parse any string at p->pos (first byte is a quote). multiline_ok: false
 * for keys. The result is malloc'ed (NUL-terminated, length in *ret_n). */
static int parse_string(struct tp *p, bool multiline_ok, char **ret, size_t *ret_n)
{
	size_t start = p->pos;
	char q = p->s[p->pos];
	bool literal = q == '\'';
	bool multi = peek(p, 1) == q && peek(p, 2) == q;
	struct mmr_buf b;
	int r = 0;
	mmr_buf_init(&b, p->len + 16);
	if (multi && !multiline_ok)
		return fail(p, start, EBADMSG, "multi-line string not allowed as a key");
	if (multi) {
		p->pos += 3;
		eat_newline(p); /* a newline right after the opening delimiter is trimmed */
	} else {
		p->pos++;
	}
	for (;;) {
		if (eof(p)) {
			r = fail(p, start, EBADMSG, "unterminated string");
			break;
		}
		int c = (unsigned char)p->s[p->pos];
		if (c == (unsigned char)q) {
			if (!multi) {
				p->pos++;
				break;
			}
			size_t nq = 0;
			while (peek(p, nq) == q)
				nq++;
			if (nq >= 3) {
				if (nq > 5) {
					r = fail(p, p->pos, EBADMSG, "too many quotes at end of string");
					break;
				}
				r = mmr_buf_add(&b, p->s + p->pos, nq - 3);
				p->pos += nq;
				break;
			}
			r = mmr_buf_add(&b, p->s + p->pos, nq);
			p->pos += nq;
		} else if (c == '\\' && !literal) {
			if (multi) {
				/* line-ending backslash: trim whitespace and newlines */
				size_t i = 1;
				while (peek(p, i) == ' ' || peek(p, i) == '\t')
					i++;
				if (peek(p, i) == '\n' || (peek(p, i) == '\r' && peek(p, i + 1) == '\n')) {
					p->pos += i;
					for (;;) {
						skip_ws(p);
						if (!eat_newline(p))
							break;
					}
					continue;
				}
			}
			r = escape(p, &b);
		} else if (c == '\n' || (c == '\r' && peek(p, 1) == '\n')) {
			if (!multi) {
				r = fail(p, p->pos, EBADMSG, "newline in single-line string");
				break;
			}
			size_t n = c == '\n' ? 1 : 2;
			r = mmr_buf_add(&b, p->s + p->pos, n);
			p->pos += n;
		} else if (is_ctrl(c)) {
			r = fail(p, p->pos, EBADMSG, "control character in string");
			break;
		} else {
			/* copy a run of ordinary bytes */
			size_t e = p->pos + 1;
			while (e < p->len) {
				int d = (unsigned char)p->s[e];
				if (d == (unsigned char)q || d == '\\' || d == '\n' || d == '\r' || is_ctrl(d))
					break;
				e++;
			}
			r = mmr_buf_add(&b, p->s + p->pos, e - p->pos);
			p->pos = e;
		}
		if (r < 0) {
			if (r == -ENOMEM || r == -E2BIG)
				r = fail(p, start, -r, "string too long or out of memory");
			break;
		}
	}
	if (r < 0) {
		mmr_buf_release(&b);
		return r;
	}
	*ret = mmr_buf_detach(&b, ret_n);
	if (!*ret)
		return oom(p);
	return 0;
}

/* ---- keys ---- */

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int parse_key(struct tp *p, struct key *k)
{
	for (;;) {
		skip_ws(p);
		struct kpart part = { 0 };
		int c = peek(p, 0);
		if (c == '"' || c == '\'') {
			int r = parse_string(p, false, &part.s, &part.n);
			if (r < 0)
				return r;
		} else if (is_bare(c)) {
			size_t b = p->pos;
			while (is_bare(peek(p, 0)))
				p->pos++;
			part.n = p->pos - b;
			part.s = malloc(part.n + 1);
			if (!part.s)
				return oom(p);
			memcpy(part.s, p->s + b, part.n);
			part.s[part.n] = 0;
		} else {
			return fail(p, p->pos, EBADMSG, "expected a key");
		}
		if (k->n >= p->max_depth) {
			free(part.s);
			return fail(p, p->pos, E2BIG, "key has too many parts (max-json-depth)");
		}
		if (k->n == k->cap) {
			size_t nc = k->cap ? k->cap * 2 : 4;
			struct kpart *nv = realloc(k->v, nc * sizeof(*nv));
			if (!nv) {
				free(part.s);
				return oom(p);
			}
			k->v = nv;
			k->cap = nc;
		}
		k->v[k->n++] = part;
		skip_ws(p);
		if (peek(p, 0) != '.')
			return 0;
		p->pos++;
	}
}

/* ---- values ---- */

static int parse_value(struct tp *p, size_t depth, json_t **ret);

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return false;
	return true;
}

static unsigned num2(const char *s)
{
	return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

/* HH:MM:SS(.frac)? at s; returns bytes used or 0. */
static size_t time_len(const char *s, size_t n)
{
	if (n < 8 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
	    !digits(s + 6, 2))
		return 0;
	if (num2(s) > 23 || num2(s + 3) > 59 || num2(s + 6) > 60)
		return 0;
	size_t i = 8;
	if (i < n && s[i] == '.') {
		size_t b = ++i;
		while (i < n && is_digit((unsigned char)s[i]))
			i++;
		if (i == b)
			return 0;
	}
	return i;
}

static bool valid_datetime(const char *s, size_t n)
{
	size_t i = 0;
	if (n >= 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	    digits(s + 8, 2)) {
		unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
					(s[3] - '0'));
		unsigned m = num2(s + 5), d = num2(s + 8);
		static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
			return false;
		if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
			return false;
		i = 10;
		if (i == n)
			return true;
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return false;
		i++;
		size_t t = time_len(s + i, n - i);
		if (!t)
			return false;
		i += t;
		if (i == n)
			return true;
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
			return true;
		if ((s[i] == '+' || s[i] == '-') && n - i == 6 && digits(s + i + 1, 2) &&
		    s[i + 3] == ':' && digits(s + i + 4, 2) && num2(s + i + 1) < 24 &&
		    num2(s + i + 4) < 60)
			return true;
		return false;
	}
	return time_len(s, n) == n;
}

/* Digits of a base with single underscores between digits; accumulates. */
static bool int_digits(const char *s, size_t n, unsigned base, uint64_t *ret)
{
	uint64_t v = 0;
	bool prev_digit = false;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '_') {
			if (!prev_digit || i + 1 == n)
				return false;
			prev_digit = false;
			continue;
		}
		int d = mmr_hex_digit(c);
		if (d < 0 || (unsigned)d >= base)
			return false;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return false;
		v = v * base + (unsigned)d;
		prev_digit = true;
	}
	*ret = v;
	return true;
}

/* A decimal digit run with underscores (for floats); copies digits to out. */
static bool dec_run(const char *s, size_t n, struct mmr_buf *out)
{
	bool prev = false;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_') {
			if (!prev || i + 1 == n)
				return false;
			prev = false;
			continue;
		}
		if (!is_digit((unsigned char)s[i]))
			return false;
		mmr_buf_addc(out, s[i]);
		prev = true;
	}
	return true;
}

static int parse_float(struct tp *p, size_t start, const char *s, size_t n, json_t **ret)
{
	struct mmr_buf b;
	size_t i = 0;
	bool ok = true;
	mmr_buf_init(&b, n + 8);
	if (s[0] == '+' || s[0] == '-') {
		mmr_buf_addc(&b, s[0]);
		i++;
	}
	size_t ie = i;
	while (ie < n && s[ie] != '.' && s[ie] != 'e' && s[ie] != 'E')
		ie++;
	/* integer part: no leading zeros */
	if (ie - i > 1 && s[i] == '0')
		ok = false;
	ok = ok && dec_run(s + i, ie - i, &b);
	i = ie;
	if (ok && i < n && s[i] == '.') {
		size_t fe = ++i;
		while (fe < n && s[fe] != 'e' && s[fe] != 'E')
			fe++;
		mmr_buf_addc(&b, '.');
		ok = dec_run(s + i, fe - i, &b);
		i = fe;
	}
	if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		mmr_buf_addc(&b, 'e');
		if (i < n && (s[i] == '+' || s[i] == '-'))
			mmr_buf_addc(&b, s[i++]);
		ok = dec_run(s + i, n - i, &b);
		i = n;
	}
	if (!ok || i != n) {
		mmr_buf_release(&b);
		return fail(p, start, EBADMSG, "invalid number");
	}
	char *end = NULL;
	errno = 0;
	double d = strtod(b.p, &end);
	bool bad = !end || *end;
	mmr_buf_release(&b);
	if (bad)
		return fail(p, start, EBADMSG, "invalid float");
	if (isinf(d))
		*ret = json_string(d < 0 ? "-inf" : "inf");
	else
		*ret = json_real(d);
	return *ret ? 0 : oom(p);
}

static int parse_number_or_date(struct tp *p, json_t **ret)
{
	size_t start = p->pos, e = p->pos;
	while (e < p->len) {
		int c = (unsigned char)p->s[e];
		if (is_bare(c) || c == '+' || c == '.' || c == ':') {
			e++;
			continue;
		}
		/* "1979-05-27 07:32:00": a space between a date and a time */
		if (c == ' ' && e - start == 10 && p->s[start + 4] == '-' && e + 3 < p->len &&
		    is_digit((unsigned char)p->s[e + 1]) && is_digit((unsigned char)p->s[e + 2]) &&
		    p->s[e + 3] == ':') {
			e++;
			continue;
		}
		break;
	}
	const char *s = p->s + start;
	size_t n = e - start;
	p->pos = e;
	if (!n)
		return fail(p, start, EBADMSG, "expected a value");
	/* special floats */
	{
		size_t o = (s[0] == '+' || s[0] == '-') ? 1 : 0;
		if (n - o == 3 && (memcmp(s + o, "inf", 3) == 0 || memcmp(s + o, "nan", 3) == 0)) {
			if (s[o] == 'n')
				*ret = json_string("nan");
			else
				*ret = json_string(s[0] == '-' ? "-inf" : "inf");
			return *ret ? 0 : oom(p);
		}
	}
	if (memchr(s, ':', n) || (n >= 10 && digits(s, 4) && s[4] == '-')) {
		if (!valid_datetime(s, n))
			return fail(p, start, EBADMSG, "invalid date/time");
		*ret = json_stringn(s, n);
		return *ret ? 0 : oom(p);
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		unsigned base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		uint64_t v;
		if (s[2] == '_' || !int_digits(s + 2, n - 2, base, &v))
			return fail(p, start, EBADMSG, "invalid integer");
		if (v > INT64_MAX)
			return fail(p, start, EBADMSG, "integer out of range");
		*ret = json_integer((json_int_t)v);
		return *ret ? 0 : oom(p);
	}
	if (memchr(s, '.', n) || ((memchr(s, 'e', n) || memchr(s, 'E', n))))
		return parse_float(p, start, s, n, ret);
	size_t o = (s[0] == '+' || s[0] == '-') ? 1 : 0;
	uint64_t v;
	if (n == o || (s[o] == '0' && n - o > 1) || !int_digits(s + o, n - o, 10, &v))
		return fail(p, start, EBADMSG, "invalid value");
	if (s[0] == '-') {
		if (v > (uint64_t)INT64_MAX + 1)
			return fail(p, start, EBADMSG, "integer out of range");
		*ret = json_integer(v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)v);
	} else {
		if (v > INT64_MAX)
			return fail(p, start, EBADMSG, "integer out of range");
		*ret = json_integer((json_int_t)v);
	}
	return *ret ? 0 : oom(p);
}

/* Walk the intermediates of a dotted key from table t (creating dotted
 * tables) and return the table the last part goes into. */
static int walk_dotted(struct tp *p, json_t *t, const struct key *k, size_t at, json_t **ret)
{
	for (size_t i = 0; i + 1 < k->n; i++) {
		json_t *v = json_object_getn(t, k->v[i].s, k->v[i].n);
		if (!v) {
			v = json_object();
			if (!v || json_object_setn_new(t, k->v[i].s, k->v[i].n, v) < 0 ||
			    flags_set(p, v, F_DOTTED) < 0)
				return oom(p);
		} else {
			unsigned f = flags_get(p, v);
			if (!json_is_object(v) || !(f & F_DOTTED) || (f & F_INLINE))
				return fail(p, at, EBADMSG, "cannot add key '%s' to '%s': already defined",
					    k->v[k->n - 1].s, k->v[i].s);
		}
		t = v;
	}
	*ret = t;
	return 0;
}

/* key = value into table t. */
static int parse_keyval(struct tp *p, json_t *t, size_t depth)
{
	struct key k = { 0 };
	size_t at = p->pos;
	json_t *dst = NULL, *val = NULL;
	int r = parse_key(p, &k);
	if (r < 0)
		goto out;
	if (depth + k.n > p->max_depth) {
		r = fail(p, at, E2BIG, "nesting too deep (max-json-depth)");
		goto out;
	}
	skip_ws(p);
	if (peek(p, 0) != '=') {
		r = fail(p, p->pos, EBADMSG, "expected '=' after key");
		goto out;
	}
	p->pos++;
	skip_ws(p);
	r = walk_dotted(p, t, &k, at, &dst);
	if (r < 0)
		goto out;
	if (json_object_getn(dst, k.v[k.n - 1].s, k.v[k.n - 1].n)) {
		r = fail(p, at, EBADMSG, "duplicate key '%s'", k.v[k.n - 1].s);
		goto out;
	}
	r = parse_value(p, depth + k.n, &val);
	if (r < 0)
		goto out;
	if (json_object_setn_new(dst, k.v[k.n - 1].s, k.v[k.n - 1].n, val) < 0)
		r = oom(p);
out:
	key_release(&k);
	return r;
}

static int parse_array(struct tp *p, size_t depth, json_t **ret)
{
	json_t *a = json_array();
	int r;
	if (!a)
		return oom(p);
	p->pos++; /* [ */
	for (;;) {
		if ((r = skip_ws_nl(p)) < 0)
			goto bad;
		if (peek(p, 0) == ']') {
			p->pos++;
			break;
		}
		json_t *v = NULL;
		if ((r = parse_value(p, depth + 1, &v)) < 0)
			goto bad;
		if (json_array_append_new(a, v) < 0) {
			r = oom(p);
			goto bad;
		}
		if ((r = skip_ws_nl(p)) < 0)
			goto bad;
		if (peek(p, 0) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p, 0) == ']') {
			p->pos++;
			break;
		}
		r = fail(p, p->pos, EBADMSG, "expected ',' or ']' in array");
		goto bad;
	}
	*ret = a;
	return 0;
bad:
	json_decref(a);
	return r;
}

static int parse_inline(struct tp *p, size_t depth, json_t **ret)
{
	json_t *t = json_object();
	int r;
	if (!t)
		return oom(p);
	p->pos++; /* { */
	skip_ws(p);
	if (peek(p, 0) == '}') {
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if ((r = parse_keyval(p, t, depth + 1)) < 0)
			goto bad;
		skip_ws(p);
		if (peek(p, 0) == ',') {
			p->pos++;
			continue;
		}
		if (peek(p, 0) == '}') {
			p->pos++;
			break;
		}
		r = fail(p, p->pos, EBADMSG, "expected ',' or '}' in inline table");
		goto bad;
	}
done:
	if (flags_set(p, t, F_INLINE) < 0) {
		r = oom(p);
		goto bad;
	}
	*ret = t;
	return 0;
bad:
	json_decref(t);
	return r;
}

static int parse_value(struct tp *p, size_t depth, json_t **ret)
{
	int c = peek(p, 0);
	if (depth > p->max_depth)
		return fail(p, p->pos, E2BIG, "nesting too deep (max-json-depth)");
	if (c == '"' || c == '\'') {
		char *s;
		size_t n;
		int r = parse_string(p, true, &s, &n);
		if (r < 0)
			return r;
		*ret = json_stringn(s, n);
		free(s);
		return *ret ? 0 : oom(p);
	}
	if (c == '[')
		return parse_array(p, depth, ret);
	if (c == '{')
		return parse_inline(p, depth, ret);
	if (c == 't' && p->len - p->pos >= 4 && memcmp(p->s + p->pos, "true", 4) == 0 &&
	    !is_bare(peek(p, 4))) {
		p->pos += 4;
		*ret = json_true();
		return 0;
	}
	if (c == 'f' && p->len - p->pos >= 5 && memcmp(p->s + p->pos, "false", 5) == 0 &&
	    !is_bare(peek(p, 5))) {
		p->pos += 5;
		*ret = json_false();
		return 0;
	}
	if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
		return parse_number_or_date(p, ret);
	return fail(p, p->pos, EBADMSG, "expected a value");
}

/* [a.b.c] or [[a.b.c]] */
static int parse_header(struct tp *p)
{
	size_t at = p->pos;
	bool aot = peek(p, 1) == '[';
	struct key k = { 0 };
	int r;
	p->pos += aot ? 2 : 1;
	if ((r = parse_key(p, &k)) < 0)
		goto out;
	skip_ws(p);
	if (peek(p, 0) != ']' || (aot && peek(p, 1) != ']')) {
		r = fail(p, p->pos, EBADMSG, "expected '%s' to close table header", aot ? "]]" : "]");
		goto out;
	}
	p->pos += aot ? 2 : 1;
	json_t *t = p->root;
	for (size_t i = 0; i + 1 < k.n; i++) {
		json_t *v = json_object_getn(t, k.v[i].s, k.v[i].n);
		if (!v) {
			v = json_object();
			if (!v || json_object_setn_new(t, k.v[i].s, k.v[i].n, v) < 0 ||
			    flags_set(p, v, F_IMPLICIT) < 0) {
				r = oom(p);
				goto out;
			}
		} else if (json_is_object(v)) {
			if (flags_get(p, v) & F_INLINE) {
				r = fail(p, at, EBADMSG, "cannot extend inline table '%s'", k.v[i].s);
				goto out;
			}
		} else if (json_is_array(v) && (flags_get(p, v) & F_AOT) && json_array_size(v)) {
			v = json_array_get(v, json_array_size(v) - 1);
		} else {
			r = fail(p, at, EBADMSG, "'%s' is already defined as a value", k.v[i].s);
			goto out;
		}
		t = v;
	}
	const struct kpart *last = &k.v[k.n - 1];
	json_t *v = json_object_getn(t, last->s, last->n);
	if (!aot) {
		if (!v) {
			v = json_object();
			if (!v || json_object_setn_new(t, last->s, last->n, v) < 0 ||
			    flags_set(p, v, F_EXPLICIT) < 0) {
				r = oom(p);
				goto out;
			}
		} else {
			unsigned f = flags_get(p, v);
			if (!json_is_object(v) || (f & (F_EXPLICIT | F_DOTTED | F_INLINE)) ||
			    !(f & F_IMPLICIT)) {
				r = fail(p, at, EBADMSG, "table '%s' defined twice", last->s);
				goto out;
			}
			if (flags_set(p, v, f | F_EXPLICIT) < 0) {
				r = oom(p);
				goto out;
			}
		}
		p->cur = v;
	} else {
		if (!v) {
			v = json_array();
			if (!v || json_object_setn_new(t, last->s, last->n, v) < 0 ||
			    flags_set(p, v, F_AOT) < 0) {
				r = oom(p);
				goto out;
			}
		} else if (!json_is_array(v) || !(flags_get(p, v) & F_AOT)) {
			r = fail(p, at, EBADMSG, "'%s' is not an array of tables", last->s);
			goto out;
		}
		json_t *nt = json_object();
		if (!nt || json_array_append_new(v, nt) < 0 || flags_set(p, nt, F_EXPLICIT) < 0) {
			r = oom(p);
			goto out;
		}
		p->cur = nt;
	}
	r = expect_eol(p, "table header");
out:
	key_release(&k);
	return r;
}

/* Offset of the first byte that is not part of valid UTF-8, or len. */
static size_t utf8_bad_at(const void *data, size_t len)
{
	const unsigned char *s = data;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

int mmr_toml_parse(const void *data, size_t len, const char *file, size_t max_depth, json_t **ret,
		   struct mmr_error *reterr)
{
	struct tp p = {
		.s = data,
		.len = len,
		.file = file ? file : "",
		.err = reterr,
		.max_depth = max_depth ? max_depth : 256,
	};
	int r = 0;
	if (!data && len)
		return -EINVAL;
	size_t bad = utf8_bad_at(data, len);
	if (bad < len)
		return fail(&p, bad, EBADMSG, "document is not valid UTF-8");
	/* a UTF-8 byte order mark is tolerated */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		p.pos = 3;
	p.root = json_object();
	if (!p.root)
		return -ENOMEM;
	p.cur = p.root;
	while (r >= 0) {
		skip_ws(&p);
		if (eof(&p))
			break;
		int c = peek(&p, 0);
		if (c == '#') {
			r = expect_eol(&p, "comment");
		} else if (eat_newline(&p)) {
			continue;
		} else if (c == '[') {
			r = parse_header(&p);
		} else {
			r = parse_keyval(&p, p.cur, 0);
			if (r >= 0)
				r = expect_eol(&p, "value");
		}
	}
	free(p.fl);
	if (r < 0) {
		json_decref(p.root);
		return r;
	}
	*ret = p.root;
	return 0;
}
