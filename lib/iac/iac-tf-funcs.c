/* iac-tf-funcs.c - Terraform built-in functions, one row per function.
 *
 * Arguments are borrowed; a function returns a new value or NULL with
 * c->err set. An argument that is unknown makes the result unknown (rows
 * flagged DEEP also look inside lists and maps). file() and friends read
 * only inside the scanned root. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-json.h"
#include "iac/iac-terraform.h"

#define F_DEEP 1u
#define F_RAW 2u /* sees unknown arguments itself */

typedef json_t *(*fn_t)(struct mmr_tf_fnctx *c, json_t **a, size_t n);

static json_t *ferr(struct mmr_tf_fnctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static json_t *ferr(struct mmr_tf_fnctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return NULL;
}

/* ---- value helpers ------------------------------------------------------ */

json_t *mmr_tf_number(double d)
{
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return json_integer((json_int_t)d);
	return json_real(d);
}

bool mmr_tf_has_unknown(const json_t *v)
{
	if (mmr_iac_is_unknown(v))
		return true;
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach((json_t *)v, i, x)
			if (mmr_tf_has_unknown(x))
				return true;
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (mmr_tf_has_unknown(x))
				return true;
	}
	return false;
}

static char *fmt_num(double d)
{
	char b[64];
	if (d == floor(d) && fabs(d) < 1e17)
		snprintf(b, sizeof(b), "%.0f", d);
	else {
		snprintf(b, sizeof(b), "%.15g", d);
		if (strtod(b, NULL) != d)
			snprintf(b, sizeof(b), "%.17g", d);
	}
	return strdup(b);
}

char *mmr_tf_strval(const json_t *v)
{
	if (json_is_string(v))
		return strndup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v)) {
		char b[32];
		snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(v));
		return strdup(b);
	}
	if (json_is_real(v))
		return fmt_num(json_real_value(v));
	if (json_is_true(v))
		return strdup("true");
	if (json_is_false(v))
		return strdup("false");
	return NULL;
}

bool mmr_tf_numval(const json_t *v, double *ret)
{
	if (json_is_number(v)) {
		*ret = json_number_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		if (!*s || isspace((unsigned char)*s))
			return false;
		errno = 0;
		double d = strtod(s, &end);
		if (*end || errno || !isfinite(d))
			return false;
		*ret = d;
		return true;
	}
	return false;
}

bool mmr_tf_boolval(const json_t *v, bool *ret)
{
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return true;
	}
	if (json_is_string(v)) {
		if (!strcmp(json_string_value(v), "true")) {
			*ret = true;
			return true;
		}
		if (!strcmp(json_string_value(v), "false")) {
			*ret = false;
			return true;
		}
	}
	return false;
}

static const char *S(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* String argument i (converted from number/bool); NULL + error if not one. */
static char *sarg(struct mmr_tf_fnctx *c, json_t **a, size_t i)
{
	char *s = mmr_tf_strval(a[i]);
	if (!s)
		ferr(c, "argument %zu must be a string", i + 1);
	return s;
}

static bool narg(struct mmr_tf_fnctx *c, json_t **a, size_t i, double *d)
{
	if (!mmr_tf_numval(a[i], d)) {
		ferr(c, "argument %zu must be a number", i + 1);
		return false;
	}
	return true;
}

static json_t *take_str(char *s)
{
	if (!s)
		return NULL;
	json_t *r = json_string(s);
	if (!r)
		r = json_stringn_nocheck(s, strlen(s));
	free(s);
	return r;
}

/* A list (array) argument; objects give their values (maps used as lists). */
static json_t *larg(struct mmr_tf_fnctx *c, json_t **a, size_t i)
{
	if (json_is_array(a[i]))
		return a[i];
	ferr(c, "argument %zu must be a list", i + 1);
	return NULL;
}

/* ---- strings ------------------------------------------------------------ */

static json_t *f_lower(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	for (char *p = s; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return take_str(s);
}

static json_t *f_upper(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	for (char *p = s; p && *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return take_str(s);
}

static json_t *f_title(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	bool start = true;
	for (char *p = s; p && *p; p++) {
		if (isalpha((unsigned char)*p)) {
			if (start)
				*p = (char)toupper((unsigned char)*p);
			start = false;
		} else {
			start = isspace((unsigned char)*p);
		}
	}
	return take_str(s);
}

static json_t *f_trimspace(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	char *b = s, *e = s + strlen(s);
	while (*b && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	json_t *r = json_stringn_nocheck(b, (size_t)(e - b));
	free(s);
	return r;
}

static json_t *f_chomp(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	size_t l = strlen(s);
	while (l && (s[l - 1] == '\n' || s[l - 1] == '\r'))
		s[--l] = 0;
	return take_str(s);
}

static json_t *f_trim(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *cut = sarg(c, a, 1);
	json_t *r = NULL;
	if (s && cut) {
		char *b = s, *e = s + strlen(s);
		while (*b && strchr(cut, *b))
			b++;
		while (e > b && strchr(cut, e[-1]))
			e--;
		r = json_stringn_nocheck(b, (size_t)(e - b));
	}
	free(s);
	free(cut);
	return r;
}

static json_t *f_trimprefix(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *x = sarg(c, a, 1);
	json_t *r = NULL;
	if (s && x) {
		size_t l = strlen(x);
		r = json_string_nocheck(strncmp(s, x, l) ? s : s + l);
	}
	free(s);
	free(x);
	return r;
}

static json_t *f_trimsuffix(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *x = sarg(c, a, 1);
	json_t *r = NULL;
	if (s && x) {
		size_t l = strlen(s), m = strlen(x);
		if (m <= l && !strcmp(s + l - m, x))
			s[l - m] = 0;
		r = json_string_nocheck(s);
	}
	free(s);
	free(x);
	return r;
}

static json_t *f_startswith(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *x = sarg(c, a, 1);
	json_t *r = s && x ? json_boolean(!strncmp(s, x, strlen(x))) : NULL;
	free(s);
	free(x);
	return r;
}

static json_t *f_endswith(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *x = sarg(c, a, 1);
	json_t *r = NULL;
	if (s && x) {
		size_t l = strlen(s), m = strlen(x);
		r = json_boolean(m <= l && !strcmp(s + l - m, x));
	}
	free(s);
	free(x);
	return r;
}

static json_t *f_strcontains(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *x = sarg(c, a, 1);
	json_t *r = s && x ? json_boolean(strstr(s, x) != NULL) : NULL;
	free(s);
	free(x);
	return r;
}

/* UTF-8 aware substr(string, offset, length) */
static json_t *f_substr(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	double off, len;
	if (!s || !narg(c, a, 1, &off) || !narg(c, a, 2, &len)) {
		free(s);
		return NULL;
	}
	/* code point starts */
	size_t bl = strlen(s), cps = 0;
	for (size_t i = 0; i < bl; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			cps++;
	long o = (long)off, l = (long)len;
	if (o < 0)
		o += (long)cps;
	if (o < 0 || (size_t)o > cps) {
		free(s);
		return ferr(c, "offset out of range");
	}
	if (l < 0 || (size_t)(o + l) > cps)
		l = (long)cps - o;
	size_t bi = 0, cp = 0, from = bl, to = bl;
	for (; bi <= bl; bi++) {
		if (bi == bl || ((unsigned char)s[bi] & 0xC0) != 0x80) {
			if (cp == (size_t)o)
				from = bi;
			if (cp == (size_t)(o + l)) {
				to = bi;
				break;
			}
			cp++;
		}
	}
	if (from > to)
		from = to;
	json_t *r = json_stringn_nocheck(s + from, to - from);
	free(s);
	return r;
}

static json_t *f_strrev(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	size_t l = strlen(s);
	char *o = malloc(l + 1);
	size_t w = l;
	for (size_t i = 0; o && i < l;) {
		size_t k = 1;
		while (i + k < l && ((unsigned char)s[i + k] & 0xC0) == 0x80)
			k++;
		w -= k;
		memcpy(o + w, s + i, k);
		i += k;
	}
	if (o)
		o[l] = 0;
	free(s);
	return take_str(o);
}

static json_t *f_indent(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	double sp;
	char *s = sarg(c, a, 1);
	if (!s || !narg(c, a, 0, &sp) || sp < 0 || sp > 1024) {
		free(s);
		return c->err[0] ? NULL : ferr(c, "bad indent");
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 64u << 20);
	for (char *p = s; *p; p++) {
		mmr_buf_addc(&b, *p);
		if (*p == '\n' && p[1])
			for (int i = 0; i < (int)sp; i++)
				mmr_buf_addc(&b, ' ');
	}
	free(s);
	json_t *r = json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return r;
}

static json_t *f_split(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *sep = sarg(c, a, 0), *s = sarg(c, a, 1);
	json_t *r = NULL;
	if (sep && s) {
		r = json_array();
		size_t sl = strlen(sep);
		if (!*s) {
			json_array_append_new(r, json_string(""));
		} else if (!sl) {
			for (char *p = s; *p; p++)
				json_array_append_new(r, json_stringn_nocheck(p, 1));
		} else {
			char *p = s, *q;
			while ((q = strstr(p, sep))) {
				json_array_append_new(r, json_stringn_nocheck(p, (size_t)(q - p)));
				p = q + sl;
			}
			json_array_append_new(r, json_string_nocheck(p));
		}
	}
	free(sep);
	free(s);
	return r;
}

static json_t *f_join(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *sep = sarg(c, a, 0);
	if (!sep)
		return NULL;
	struct mmr_buf b;
	mmr_buf_init(&b, 64u << 20);
	bool first = true;
	for (size_t i = 1; i < n; i++) {
		json_t *l = larg(c, a, i);
		if (!l) {
			free(sep);
			mmr_buf_release(&b);
			return NULL;
		}
		size_t k;
		json_t *x;
		json_array_foreach(l, k, x) {
			char *s = mmr_tf_strval(x);
			if (!s) {
				free(sep);
				mmr_buf_release(&b);
				return ferr(c, "join needs a list of strings");
			}
			if (!first)
				mmr_buf_adds(&b, sep);
			mmr_buf_adds(&b, s);
			first = false;
			free(s);
		}
	}
	free(sep);
	json_t *r = json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return r;
}

static json_t *f_replace(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0), *from = sarg(c, a, 1), *to = sarg(c, a, 2);
	json_t *r = NULL;
	if (!s || !from || !to)
		goto out;
	size_t fl = strlen(from);
	if (fl >= 2 && from[0] == '/' && from[fl - 1] == '/') {
		/* regular expression (POSIX extended as an approximation of RE2) */
		from[fl - 1] = 0;
		regex_t re;
		if (regcomp(&re, from + 1, REG_EXTENDED)) {
			r = ferr(c, "invalid regular expression");
			goto out;
		}
		struct mmr_buf b;
		mmr_buf_init(&b, 64u << 20);
		const char *p = s;
		regmatch_t m[10];
		while (*p && regexec(&re, p, 10, m, p == s ? 0 : REG_NOTBOL) == 0) {
			mmr_buf_add(&b, p, (size_t)m[0].rm_so);
			for (const char *t = to; *t; t++) {
				if (*t == '$' && t[1] >= '0' && t[1] <= '9') {
					int g = t[1] - '0';
					if (m[g].rm_so >= 0)
						mmr_buf_add(&b, p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
					t++;
				} else {
					mmr_buf_addc(&b, *t);
				}
			}
			if (m[0].rm_eo == m[0].rm_so) {
				if (p[m[0].rm_eo])
					mmr_buf_addc(&b, p[m[0].rm_eo]);
				p += m[0].rm_eo + 1;
				if (p > s + strlen(s))
					break;
			} else {
				p += m[0].rm_eo;
			}
		}
		if (p <= s + strlen(s))
			mmr_buf_adds(&b, p);
		regfree(&re);
		r = json_stringn_nocheck(b.p, b.len);
		mmr_buf_release(&b);
		goto out;
	}
	if (!fl) {
		r = json_string_nocheck(s);
		goto out;
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 64u << 20);
	const char *p = s, *q;
	while ((q = strstr(p, from))) {
		mmr_buf_add(&b, p, (size_t)(q - p));
		mmr_buf_adds(&b, to);
		p = q + fl;
	}
	mmr_buf_adds(&b, p);
	r = json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
out:
	free(s);
	free(from);
	free(to);
	return r;
}

static json_t *do_regex(struct mmr_tf_fnctx *c, json_t **a, bool all)
{
	char *pat = sarg(c, a, 0), *s = sarg(c, a, 1);
	json_t *r = NULL;
	regex_t re;
	if (!pat || !s)
		goto out;
	if (regcomp(&re, pat, REG_EXTENDED)) {
		r = ferr(c, "invalid regular expression");
		goto out;
	}
	size_t ng = re.re_nsub;
	regmatch_t m[16];
	const char *p = s;
	json_t *list = json_array();
	while (regexec(&re, p, 16, m, p == s ? 0 : REG_NOTBOL) == 0) {
		json_t *one;
		if (ng == 0) {
			one = json_stringn_nocheck(p + m[0].rm_so, (size_t)(m[0].rm_eo - m[0].rm_so));
		} else {
			one = json_array();
			for (size_t g = 1; g <= ng && g < 16; g++)
				json_array_append_new(one, m[g].rm_so < 0 ? json_null()
					: json_stringn_nocheck(p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so)));
		}
		json_array_append_new(list, one);
		if (!all)
			break;
		if (m[0].rm_eo == 0 && m[0].rm_so == 0) {
			if (!*p)
				break;
			p++;
		} else {
			p += m[0].rm_eo;
		}
		if (!*p)
			break;
	}
	regfree(&re);
	if (all) {
		r = list;
	} else if (json_array_size(list) == 0) {
		json_decref(list);
		r = ferr(c, "the pattern did not match");
	} else {
		r = json_incref(json_array_get(list, 0));
		json_decref(list);
	}
out:
	free(pat);
	free(s);
	return r;
}

static json_t *f_regex(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return do_regex(c, a, false);
}

static json_t *f_regexall(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return do_regex(c, a, true);
}

/* format verbs: %s %d %f %t %v %q %%, with flags/width/precision */
static int format_one(struct mmr_tf_fnctx *c, struct mmr_buf *b, const char *spec, size_t sl,
		      char verb, json_t *v)
{
	char fs[40];
	if (sl > 30)
		return -1;
	if (mmr_iac_is_unknown(v))
		return 1;
	switch (verb) {
	case 'd': {
		double d;
		if (!mmr_tf_numval(v, &d))
			return ferr(c, "%%d needs a number"), -1;
		snprintf(fs, sizeof(fs), "%%%.*slld", (int)sl, spec);
		return mmr_buf_addf(b, fs, (long long)d);
	}
	case 'f':
	case 'e':
	case 'g': {
		double d;
		if (!mmr_tf_numval(v, &d))
			return ferr(c, "%%%c needs a number", verb), -1;
		snprintf(fs, sizeof(fs), "%%%.*s%c", (int)sl, spec, verb);
		return mmr_buf_addf(b, fs, d);
	}
	case 'x':
	case 'X':
	case 'o':
	case 'b': {
		double d;
		if (!mmr_tf_numval(v, &d))
			return ferr(c, "%%%c needs a number", verb), -1;
		if (verb == 'b') {
			unsigned long long u = (unsigned long long)d;
			char t[80];
			int k = 0;
			do {
				t[k++] = (char)('0' + (u & 1));
				u >>= 1;
			} while (u && k < 70);
			while (k--)
				mmr_buf_addc(b, t[k]);
			return 0;
		}
		snprintf(fs, sizeof(fs), "%%%.*sll%c", (int)sl, spec, verb);
		return mmr_buf_addf(b, fs, (unsigned long long)d);
	}
	case 't': {
		bool t;
		if (!mmr_tf_boolval(v, &t))
			return ferr(c, "%%t needs a bool"), -1;
		return mmr_buf_adds(b, t ? "true" : "false");
	}
	case 'q': {
		char *s = mmr_tf_strval(v);
		if (!s)
			return ferr(c, "%%q needs a string"), -1;
		json_t *j = json_string(s);
		char *e = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		int r = mmr_buf_adds(b, e ? e : "\"\"");
		free(e);
		json_decref(j);
		free(s);
		return r;
	}
	case 's':
	case 'v': {
		char *s = mmr_tf_strval(v);
		if (!s) {
			if (verb == 's')
				return ferr(c, "%%s needs a string"), -1;
			s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			if (!s)
				return -1;
		}
		snprintf(fs, sizeof(fs), "%%%.*ss", (int)sl, spec);
		int r = mmr_buf_addf(b, fs, s);
		free(s);
		return r;
	}
	}
	return ferr(c, "unsupported format verb %%%c", verb), -1;
}

/* 1: an unknown was met. */
static int do_format(struct mmr_tf_fnctx *c, struct mmr_buf *b, const char *f, json_t **a, size_t n)
{
	size_t ai = 0;
	bool unk = false;
	for (const char *p = f; *p; p++) {
		if (*p != '%') {
			mmr_buf_addc(b, *p);
			continue;
		}
		p++;
		if (*p == '%') {
			mmr_buf_addc(b, '%');
			continue;
		}
		const char *spec = p;
		size_t explicit_idx = 0;
		if (*p == '[') {
			char *e;
			explicit_idx = strtoul(p + 1, &e, 10);
			if (*e != ']' || explicit_idx == 0)
				return ferr(c, "bad argument index in format"), -1;
			p = e + 1;
			spec = p;
		}
		while (*p && strchr("+- #0123456789.", *p))
			p++;
		if (!*p)
			return ferr(c, "incomplete format verb"), -1;
		if (explicit_idx)
			ai = explicit_idx - 1;
		if (ai >= n)
			return ferr(c, "not enough arguments for format"), -1;
		int r = format_one(c, b, spec, (size_t)(p - spec), *p, a[ai++]);
		if (r < 0)
			return -1;
		if (r == 1)
			unk = true;
	}
	return unk ? 1 : 0;
}

static json_t *f_format(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *f = sarg(c, a, 0);
	if (!f)
		return NULL;
	struct mmr_buf b;
	mmr_buf_init(&b, 64u << 20);
	int r = do_format(c, &b, f, a + 1, n - 1);
	free(f);
	json_t *res = r < 0 ? NULL : r == 1 ? mmr_iac_unknown() : json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return res;
}

static json_t *f_formatlist(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *f = sarg(c, a, 0);
	if (!f)
		return NULL;
	size_t len = SIZE_MAX;
	for (size_t i = 1; i < n; i++)
		if (json_is_array(a[i])) {
			if (len != SIZE_MAX && json_array_size(a[i]) != len) {
				free(f);
				return ferr(c, "formatlist: lists of different lengths");
			}
			len = json_array_size(a[i]);
		}
	if (len == SIZE_MAX)
		len = 1;
	json_t *out = json_array();
	json_t **row = calloc(n, sizeof(*row));
	for (size_t k = 0; row && k < len; k++) {
		for (size_t i = 1; i < n; i++)
			row[i - 1] = json_is_array(a[i]) ? json_array_get(a[i], k) : a[i];
		struct mmr_buf b;
		mmr_buf_init(&b, 64u << 20);
		int r = do_format(c, &b, f, row, n - 1);
		if (r < 0) {
			mmr_buf_release(&b);
			json_decref(out);
			out = NULL;
			break;
		}
		json_array_append_new(out, r ? mmr_iac_unknown() : json_stringn_nocheck(b.p, b.len));
		mmr_buf_release(&b);
	}
	free(row);
	free(f);
	return out;
}

/* ---- conversions -------------------------------------------------------- */

static json_t *f_tostring(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (json_is_null(a[0]))
		return json_null();
	char *s = mmr_tf_strval(a[0]);
	if (!s)
		return ferr(c, "cannot convert a collection to a string");
	return take_str(s);
}

static json_t *f_tonumber(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (json_is_null(a[0]))
		return json_null();
	double d;
	if (!mmr_tf_numval(a[0], &d))
		return ferr(c, "cannot convert to a number");
	return mmr_tf_number(d);
}

static json_t *f_tobool(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (json_is_null(a[0]))
		return json_null();
	bool b;
	if (!mmr_tf_boolval(a[0], &b))
		return ferr(c, "cannot convert to a bool");
	return json_boolean(b);
}

static int cmp_json(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	if (json_is_string(a) && json_is_string(b))
		return strcmp(json_string_value(a), json_string_value(b));
	if (json_is_number(a) && json_is_number(b)) {
		double p = json_number_value(a), q = json_number_value(b);
		return p < q ? -1 : p > q;
	}
	return 0;
}

static bool in_list(json_t *l, json_t *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x)
		if (json_equal(x, v))
			return true;
	return false;
}

static json_t *distinct_of(json_t *l)
{
	json_t *o = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x)
		if (!in_list(o, x))
			json_array_append(o, x);
	return o;
}

/* Values of a list or map, as a new array. */
static json_t *as_list(json_t *v)
{
	if (json_is_array(v))
		return json_incref(v);
	if (json_is_object(v)) {
		json_t *o = json_array();
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			json_array_append(o, x);
		return o;
	}
	return NULL;
}

static json_t *f_toset(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	if (!l)
		return ferr(c, "toset needs a list");
	json_t *o = distinct_of(l);
	json_decref(l);
	/* sets of strings iterate in lexical order */
	size_t k = json_array_size(o);
	bool all_str = true;
	for (size_t i = 0; i < k; i++)
		if (!json_is_string(json_array_get(o, i)))
			all_str = false;
	if (all_str && k > 1) {
		json_t **v = malloc(k * sizeof(*v));
		if (v) {
			for (size_t i = 0; i < k; i++)
				v[i] = json_incref(json_array_get(o, i));
			qsort(v, k, sizeof(*v), cmp_json);
			json_array_clear(o);
			for (size_t i = 0; i < k; i++)
				json_array_append_new(o, v[i]);
			free(v);
		}
	}
	return o;
}

static json_t *f_tolist(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	return l ? l : ferr(c, "tolist needs a list or set");
}

static json_t *f_tomap(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (!json_is_object(a[0]))
		return ferr(c, "tomap needs an object or map");
	return json_incref(a[0]);
}

/* ---- collections -------------------------------------------------------- */

static json_t *f_length(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (json_is_array(a[0]))
		return json_integer((json_int_t)json_array_size(a[0]));
	if (json_is_object(a[0]))
		return json_integer((json_int_t)json_object_size(a[0]));
	if (json_is_string(a[0])) {
		const char *s = json_string_value(a[0]);
		size_t k = 0;
		for (; *s; s++)
			if (((unsigned char)*s & 0xC0) != 0x80)
				k++;
		return json_integer((json_int_t)k);
	}
	return ferr(c, "length needs a list, map or string");
}

static json_t *f_concat(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *o = json_array();
	for (size_t i = 0; i < n; i++) {
		if (!json_is_array(a[i])) {
			json_decref(o);
			return ferr(c, "concat needs lists");
		}
		json_array_extend(o, a[i]);
	}
	return o;
}

static json_t *f_merge(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		if (json_is_null(a[i]))
			continue;
		if (!json_is_object(a[i])) {
			json_decref(o);
			return ferr(c, "merge needs maps or objects");
		}
		json_object_update(o, a[i]);
	}
	return o;
}

static json_t *f_lookup(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (!json_is_object(a[0]))
		return ferr(c, "lookup needs a map");
	char *k = sarg(c, a, 1);
	if (!k)
		return NULL;
	json_t *v = json_object_get(a[0], k);
	free(k);
	if (v)
		return json_incref(v);
	if (n > 2)
		return json_incref(a[2]);
	return ferr(c, "the key is not in the map and no default was given");
}

static json_t *f_element(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	double d;
	if (!l || !narg(c, a, 1, &d))
		return NULL;
	size_t k = json_array_size(l);
	if (!k)
		return ferr(c, "element of an empty list");
	if (d < 0)
		return ferr(c, "negative index");
	return json_incref(json_array_get(l, (size_t)fmod(floor(d), (double)k)));
}

static json_t *f_index(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x)
		if (json_equal(x, a[1]))
			return json_integer((json_int_t)i);
	return ferr(c, "the item is not in the list");
}

static json_t *sorted_keys(json_t *o)
{
	json_t *k = json_array();
	const char *key;
	json_t *x;
	json_object_foreach(o, key, x)
		json_array_append_new(k, json_string_nocheck(key));
	size_t m = json_array_size(k);
	json_t **v = malloc((m + 1) * sizeof(*v));
	if (!v)
		return k;
	for (size_t i = 0; i < m; i++)
		v[i] = json_incref(json_array_get(k, i));
	qsort(v, m, sizeof(*v), cmp_json);
	json_array_clear(k);
	for (size_t i = 0; i < m; i++)
		json_array_append_new(k, v[i]);
	free(v);
	return k;
}

static json_t *f_keys(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (!json_is_object(a[0]))
		return ferr(c, "keys needs a map or object");
	return sorted_keys(a[0]);
}

static json_t *f_values(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (!json_is_object(a[0]))
		return ferr(c, "values needs a map or object");
	json_t *k = sorted_keys(a[0]), *o = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(k, i, x)
		json_array_append(o, json_object_get(a[0], json_string_value(x)));
	json_decref(k);
	return o;
}

static int flatten_into(json_t *o, json_t *l, int depth)
{
	if (depth > 64)
		return -1;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x) {
		if (json_is_array(x)) {
			if (flatten_into(o, x, depth + 1) < 0)
				return -1;
		} else {
			json_array_append(o, x);
		}
	}
	return 0;
}

static json_t *f_flatten(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	json_t *o = json_array();
	if (flatten_into(o, l, 0) < 0) {
		json_decref(o);
		return ferr(c, "lists nested too deeply");
	}
	return o;
}

static json_t *f_distinct(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	return l ? distinct_of(l) : NULL;
}

static json_t *f_contains(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	if (!l)
		return ferr(c, "contains needs a list or set");
	bool r = in_list(l, a[1]);
	json_decref(l);
	return json_boolean(r);
}

static json_t *f_zipmap(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *k = larg(c, a, 0), *v = larg(c, a, 1);
	if (!k || !v)
		return NULL;
	if (json_array_size(k) != json_array_size(v))
		return ferr(c, "zipmap: lists of different lengths");
	json_t *o = json_object();
	size_t i;
	json_t *x;
	json_array_foreach(k, i, x) {
		char *s = mmr_tf_strval(x);
		if (!s) {
			json_decref(o);
			return ferr(c, "zipmap keys must be strings");
		}
		json_object_set(o, s, json_array_get(v, i));
		free(s);
	}
	return o;
}

static json_t *f_range(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	double start = 0, end, step = 1;
	if (n == 1) {
		if (!narg(c, a, 0, &end))
			return NULL;
	} else {
		if (!narg(c, a, 0, &start) || !narg(c, a, 1, &end))
			return NULL;
		if (n > 2 && !narg(c, a, 2, &step))
			return NULL;
	}
	if (step == 0)
		return ferr(c, "range step cannot be zero");
	if (fabs((end - start) / step) > 1024 * 1024)
		return ferr(c, "range too large");
	json_t *o = json_array();
	for (double x = start; step > 0 ? x < end : x > end; x += step)
		json_array_append_new(o, mmr_tf_number(x));
	return o;
}

static json_t *f_slice(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	double s, e;
	if (!l || !narg(c, a, 1, &s) || !narg(c, a, 2, &e))
		return NULL;
	if (s < 0 || e > (double)json_array_size(l) || s > e)
		return ferr(c, "slice indexes out of range");
	json_t *o = json_array();
	for (size_t i = (size_t)s; i < (size_t)e; i++)
		json_array_append(o, json_array_get(l, i));
	return o;
}

static json_t *f_compact(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	json_t *o = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x)
		if (!json_is_null(x) && !(json_is_string(x) && !*json_string_value(x)))
			json_array_append(o, x);
	return o;
}

static json_t *f_one(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	if (!l)
		return ferr(c, "one needs a list or set");
	size_t k = json_array_size(l);
	json_t *r = k == 0 ? json_null() : k == 1 ? json_incref(json_array_get(l, 0))
			  : ferr(c, "one: more than one element");
	json_decref(l);
	return r;
}

static json_t *f_sum(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	if (!l || !json_array_size(l)) {
		json_decref(l);
		return ferr(c, "sum needs a non-empty list of numbers");
	}
	double s = 0, d;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x) {
		if (!mmr_tf_numval(x, &d)) {
			json_decref(l);
			return ferr(c, "sum needs numbers");
		}
		s += d;
	}
	json_decref(l);
	return mmr_tf_number(s);
}

static json_t *f_chunklist(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	double sz;
	if (!l || !narg(c, a, 1, &sz))
		return NULL;
	if (sz < 0)
		return ferr(c, "chunk size must not be negative");
	json_t *o = json_array();
	if (sz == 0) {
		json_array_append(o, l);
		return o;
	}
	json_t *cur = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x) {
		if (!cur || json_array_size(cur) >= (size_t)sz) {
			cur = json_array();
			json_array_append_new(o, cur);
		}
		json_array_append(cur, x);
	}
	return o;
}

static json_t *f_setunion(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *o = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *l = as_list(a[i]);
		if (!l) {
			json_decref(o);
			return ferr(c, "setunion needs sets");
		}
		size_t k;
		json_t *x;
		json_array_foreach(l, k, x)
			if (!in_list(o, x))
				json_array_append(o, x);
		json_decref(l);
	}
	return o;
}

static json_t *f_setintersection(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *first = as_list(a[0]);
	if (!first)
		return ferr(c, "setintersection needs sets");
	json_t *o = json_array();
	size_t k;
	json_t *x;
	json_array_foreach(first, k, x) {
		bool all = true;
		for (size_t i = 1; i < n && all; i++) {
			json_t *l = as_list(a[i]);
			all = l && in_list(l, x);
			json_decref(l);
		}
		if (all && !in_list(o, x))
			json_array_append(o, x);
	}
	json_decref(first);
	return o;
}

static json_t *f_setsubtract(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *x1 = as_list(a[0]), *x2 = as_list(a[1]);
	json_t *o = NULL;
	if (x1 && x2) {
		o = json_array();
		size_t k;
		json_t *x;
		json_array_foreach(x1, k, x)
			if (!in_list(x2, x) && !in_list(o, x))
				json_array_append(o, x);
	} else {
		ferr(c, "setsubtract needs sets");
	}
	json_decref(x1);
	json_decref(x2);
	return o;
}

static json_t *f_coalesce(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (mmr_iac_is_unknown(a[i]))
			return mmr_iac_unknown();
		if (json_is_null(a[i]) || (json_is_string(a[i]) && !*json_string_value(a[i])))
			continue;
		return json_incref(a[i]);
	}
	return ferr(c, "no non-null, non-empty argument");
}

static json_t *f_coalescelist(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (mmr_iac_is_unknown(a[i]))
			return mmr_iac_unknown();
		if (json_is_array(a[i]) && json_array_size(a[i]))
			return json_incref(a[i]);
	}
	return ferr(c, "no non-empty list");
}

static json_t *f_reverse(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	json_t *o = json_array();
	for (size_t i = json_array_size(l); i-- > 0;)
		json_array_append(o, json_array_get(l, i));
	return o;
}

static json_t *f_sort(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = as_list(a[0]);
	if (!l)
		return ferr(c, "sort needs a list of strings");
	size_t k = json_array_size(l);
	json_t **v = malloc((k + 1) * sizeof(*v));
	json_t *o = json_array();
	for (size_t i = 0; v && i < k; i++) {
		char *s = mmr_tf_strval(json_array_get(l, i));
		v[i] = take_str(s ? s : strdup(""));
	}
	if (v) {
		qsort(v, k, sizeof(*v), cmp_json);
		for (size_t i = 0; i < k; i++)
			json_array_append_new(o, v[i]);
	}
	free(v);
	json_decref(l);
	return o;
}

static json_t *minmax(struct mmr_tf_fnctx *c, json_t **a, size_t n, bool max)
{
	if (!n)
		return ferr(c, "needs at least one number");
	double best = 0;
	for (size_t i = 0; i < n; i++) {
		double d;
		if (!narg(c, a, i, &d))
			return NULL;
		if (i == 0 || (max ? d > best : d < best))
			best = d;
	}
	return mmr_tf_number(best);
}

static json_t *f_min(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return minmax(c, a, n, false);
}

static json_t *f_max(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return minmax(c, a, n, true);
}

#define MATH1(nm, expr)                                                          \
	static json_t *nm(struct mmr_tf_fnctx *c, json_t **a, size_t n)          \
	{                                                                        \
		double x;                                                        \
		if (!narg(c, a, 0, &x))                                          \
			return NULL;                                             \
		return mmr_tf_number(expr);                                      \
	}
MATH1(f_abs, fabs(x))
MATH1(f_ceil, ceil(x))
MATH1(f_floor, floor(x))
MATH1(f_signum, (double)((x > 0) - (x < 0)))

static json_t *f_pow(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	double x, y;
	if (!narg(c, a, 0, &x) || !narg(c, a, 1, &y))
		return NULL;
	double r = pow(x, y);
	return isfinite(r) ? mmr_tf_number(r) : ferr(c, "result out of range");
}

static json_t *f_log(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	double x, y;
	if (!narg(c, a, 0, &x) || !narg(c, a, 1, &y))
		return NULL;
	double r = log(x) / log(y);
	return isfinite(r) ? mmr_tf_number(r) : ferr(c, "result out of range");
}

static json_t *f_parseint(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	double base;
	if (!s || !narg(c, a, 1, &base) || base < 2 || base > 36) {
		free(s);
		return c->err[0] ? NULL : ferr(c, "bad base");
	}
	char *e;
	errno = 0;
	long long v = strtoll(s, &e, (int)base);
	bool bad = !*s || *e || errno;
	free(s);
	return bad ? ferr(c, "cannot parse the number") : mmr_tf_number((double)v);
}

static json_t *f_alltrue(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x) {
		bool b;
		if (!mmr_tf_boolval(x, &b) || !b)
			return json_false();
	}
	return json_true();
}

static json_t *f_anytrue(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *l = larg(c, a, 0);
	if (!l)
		return NULL;
	size_t i;
	json_t *x;
	json_array_foreach(l, i, x) {
		bool b;
		if (mmr_tf_boolval(x, &b) && b)
			return json_true();
	}
	return json_false();
}

/* ---- encoding ----------------------------------------------------------- */

static json_t *f_jsonencode(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = json_dumps(a[0], JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
	return s ? take_str(s) : ferr(c, "cannot encode");
}

static json_t *f_jsondecode(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	json_error_t e;
	json_t *r = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	free(s);
	if (!r)
		return ferr(c, "invalid JSON: %s", e.text);
	return r;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *f_base64encode(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	size_t l = strlen(s);
	struct mmr_buf b;
	mmr_buf_init(&b, 128u << 20);
	for (size_t i = 0; i < l; i += 3) {
		unsigned v = (unsigned char)s[i] << 16;
		if (i + 1 < l)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < l)
			v |= (unsigned char)s[i + 2];
		mmr_buf_addc(&b, b64[(v >> 18) & 63]);
		mmr_buf_addc(&b, b64[(v >> 12) & 63]);
		mmr_buf_addc(&b, i + 1 < l ? b64[(v >> 6) & 63] : '=');
		mmr_buf_addc(&b, i + 2 < l ? b64[v & 63] : '=');
	}
	free(s);
	json_t *r = json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return r;
}

static json_t *f_base64decode(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	struct mmr_buf b;
	mmr_buf_init(&b, 128u << 20);
	unsigned v = 0;
	int bits = 0;
	bool bad = false;
	for (char *p = s; *p; p++) {
		if (*p == '=')
			break;
		const char *q = strchr(b64, *p);
		if (!q || !*p) {
			bad = true;
			break;
		}
		v = (v << 6) | (unsigned)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			mmr_buf_addc(&b, (char)((v >> bits) & 0xFF));
		}
	}
	free(s);
	json_t *r = NULL;
	if (bad)
		r = ferr(c, "invalid base64");
	else if (!(r = json_stringn(b.p, b.len)))
		r = ferr(c, "the decoded bytes are not valid UTF-8");
	mmr_buf_release(&b);
	return r;
}

static json_t *digest(struct mmr_tf_fnctx *c, json_t **a, const char *alg)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	const EVP_MD *m = EVP_get_digestbyname(alg);
	if (!m || !EVP_Digest(s, strlen(s), md, &ml, m, NULL)) {
		free(s);
		return ferr(c, "digest %s not available", alg);
	}
	free(s);
	char hex[EVP_MAX_MD_SIZE * 2 + 1];
	for (unsigned i = 0; i < ml; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return json_string(hex);
}

static json_t *f_md5(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return digest(c, a, "MD5");
}

static json_t *f_sha1(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return digest(c, a, "SHA1");
}

static json_t *f_sha256(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return digest(c, a, "SHA256");
}

static json_t *f_sha512(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return digest(c, a, "SHA512");
}

static json_t *f_urlencode(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *s = sarg(c, a, 0);
	if (!s)
		return NULL;
	struct mmr_buf b;
	mmr_buf_init(&b, 128u << 20);
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-_.~", *p))
			mmr_buf_addc(&b, (char)*p);
		else
			mmr_buf_addf(&b, "%%%02X", *p);
	}
	free(s);
	json_t *r = json_stringn_nocheck(b.p, b.len);
	mmr_buf_release(&b);
	return r;
}

static json_t *f_unknown(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return mmr_iac_unknown();
}

/* sensitive(), nonsensitive(): the value itself (we do not track marks) */
static json_t *f_identity(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return json_incref(a[0]);
}

static json_t *f_false(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	return json_false();
}

static json_t *f_transpose(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	if (!json_is_object(a[0]))
		return ferr(c, "transpose needs a map of lists");
	json_t *o = json_object();
	const char *k;
	json_t *l;
	json_object_foreach(a[0], k, l) {
		if (!json_is_array(l)) {
			json_decref(o);
			return ferr(c, "transpose needs a map of lists of strings");
		}
		size_t i;
		json_t *x;
		json_array_foreach(l, i, x) {
			if (!json_is_string(x)) {
				json_decref(o);
				return ferr(c, "transpose needs a map of lists of strings");
			}
			json_t *t = json_object_get(o, json_string_value(x));
			if (!t) {
				t = json_array();
				json_object_set_new(o, json_string_value(x), t);
			}
			json_array_append_new(t, json_string_nocheck(k));
		}
	}
	return o;
}

static json_t *f_matchkeys(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *v = larg(c, a, 0), *k = larg(c, a, 1), *s = larg(c, a, 2);
	if (!v || !k || !s)
		return NULL;
	if (json_array_size(v) != json_array_size(k))
		return ferr(c, "matchkeys: lists of different lengths");
	json_t *o = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(k, i, x)
		if (in_list(s, x))
			json_array_append(o, json_array_get(v, i));
	return o;
}

/* ---- network ------------------------------------------------------------ */

static bool parse_cidr(const char *s, unsigned char ip[16], int *ret_family, int *ret_bits)
{
	char buf[64];
	const char *sl = strchr(s, '/');
	if (!sl || (size_t)(sl - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(sl - s));
	buf[sl - s] = 0;
	char *e;
	long bits = strtol(sl + 1, &e, 10);
	if (*e || e == sl + 1)
		return false;
	unsigned a[4];
	char tail;
	if (sscanf(buf, "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3], &tail) == 4 && a[0] < 256 &&
	    a[1] < 256 && a[2] < 256 && a[3] < 256 && bits >= 0 && bits <= 32) {
		memset(ip, 0, 16);
		for (int i = 0; i < 4; i++)
			ip[i] = (unsigned char)a[i];
		*ret_family = 4;
		*ret_bits = (int)bits;
		return true;
	}
	return false;
}

static uint32_t ip4(const unsigned char ip[16])
{
	return (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
}

static json_t *ip4_str(uint32_t v, int bits)
{
	char b[32];
	if (bits >= 0)
		snprintf(b, sizeof(b), "%u.%u.%u.%u/%d", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
			 v & 255, bits);
	else
		snprintf(b, sizeof(b), "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
			 v & 255);
	return json_string(b);
}

static json_t *f_cidrsubnet(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	const char *p = S(a[0]);
	unsigned char ip[16];
	int fam, bits;
	double nb, num;
	if (!p || !parse_cidr(p, ip, &fam, &bits))
		return ferr(c, "invalid IPv4 CIDR (IPv6 is not supported)");
	if (!narg(c, a, 1, &nb) || !narg(c, a, 2, &num))
		return NULL;
	int nbits = bits + (int)nb;
	if (nb < 0 || nbits > 32 || num < 0 || num >= ldexp(1, (int)nb))
		return ferr(c, "not enough address space for the subnet");
	uint32_t base = bits ? ip4(ip) & (uint32_t)(0xFFFFFFFFull << (32 - bits)) : 0;
	uint32_t v = base | (nbits < 32 ? (uint32_t)num << (32 - nbits) : (uint32_t)num);
	return ip4_str(v, nbits);
}

static json_t *f_cidrhost(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	const char *p = S(a[0]);
	unsigned char ip[16];
	int fam, bits;
	double num;
	if (!p || !parse_cidr(p, ip, &fam, &bits))
		return ferr(c, "invalid IPv4 CIDR (IPv6 is not supported)");
	if (!narg(c, a, 1, &num))
		return NULL;
	double size = ldexp(1, 32 - bits);
	if (num < 0)
		num += size;
	if (num < 0 || num >= size)
		return ferr(c, "host number out of range");
	uint32_t base = bits ? ip4(ip) & (uint32_t)(0xFFFFFFFFull << (32 - bits)) : 0;
	return ip4_str(base + (uint32_t)num, -1);
}

static json_t *f_cidrnetmask(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	const char *p = S(a[0]);
	unsigned char ip[16];
	int fam, bits;
	if (!p || !parse_cidr(p, ip, &fam, &bits))
		return ferr(c, "invalid IPv4 CIDR");
	return ip4_str(bits ? (uint32_t)(0xFFFFFFFFull << (32 - bits)) : 0, -1);
}

static json_t *f_cidrsubnets(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	const char *p = S(a[0]);
	unsigned char ip[16];
	int fam, bits;
	if (!p || !parse_cidr(p, ip, &fam, &bits))
		return ferr(c, "invalid IPv4 CIDR");
	uint64_t base = bits ? ip4(ip) & (uint32_t)(0xFFFFFFFFull << (32 - bits)) : 0;
	uint64_t end = base + (1ull << (32 - bits)), cur = base;
	json_t *o = json_array();
	for (size_t i = 1; i < n; i++) {
		double nb;
		if (!narg(c, a, i, &nb) || nb < 1 || bits + nb > 32) {
			json_decref(o);
			return c->err[0] ? NULL : ferr(c, "bad prefix extension");
		}
		int nbits = bits + (int)nb;
		uint64_t size = 1ull << (32 - nbits);
		cur = (cur + size - 1) / size * size;
		if (cur + size > end) {
			json_decref(o);
			return ferr(c, "not enough address space");
		}
		json_array_append_new(o, ip4_str((uint32_t)cur, nbits));
		cur += size;
	}
	return o;
}

/* ---- files -------------------------------------------------------------- */

int mmr_tf_read_confined(struct mmr_tf_fnctx *c, const char *path, char **ret, size_t *ret_len)
{
	char full[PATH_MAX * 2], real[PATH_MAX];
	if (!c->root || !c->module_dir) {
		ferr(c, "no module directory");
		return -EPERM;
	}
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", c->module_dir, path);
	if (!realpath(full, real)) {
		ferr(c, "no such file: %s", path);
		return -ENOENT;
	}
	size_t rl = strlen(c->root);
	if (strncmp(real, c->root, rl) || (real[rl] != '/' && real[rl] != 0 && rl > 1)) {
		ferr(c, "%s is outside the scanned directory", path);
		return -EPERM;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ferr(c, "cannot open %s", path);
		return -errno;
	}
	struct stat st;
	size_t max = c->max_file ? c->max_file : (size_t)16 << 20;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		ferr(c, "%s is not a regular file or is too large", path);
		return -EINVAL;
	}
	char *b = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (b && got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!b) {
		ferr(c, "out of memory");
		return -ENOMEM;
	}
	b[got] = 0;
	*ret = b;
	*ret_len = got;
	return 0;
}

static json_t *f_file(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *p = sarg(c, a, 0);
	if (!p)
		return NULL;
	char *d;
	size_t l;
	int r = mmr_tf_read_confined(c, p, &d, &l);
	free(p);
	if (r < 0)
		return NULL;
	json_t *s = json_stringn(d, l);
	free(d);
	return s ? s : ferr(c, "the file is not valid UTF-8");
}

static json_t *f_filebase64(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	json_t *s = f_file(c, a, n);
	if (!s)
		return NULL;
	json_t *r = f_base64encode(c, &s, 1);
	json_decref(s);
	return r;
}

static json_t *f_fileexists(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *p = sarg(c, a, 0);
	if (!p)
		return NULL;
	char *d;
	size_t l;
	int r = mmr_tf_read_confined(c, p, &d, &l);
	free(p);
	if (r == -EPERM)
		return NULL;
	if (r == 0)
		free(d);
	c->err[0] = 0;
	return json_boolean(r == 0);
}

static json_t *f_basename(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *p = sarg(c, a, 0);
	if (!p)
		return NULL;
	char *s = strrchr(p, '/');
	json_t *r = json_string_nocheck(s ? s + 1 : p);
	free(p);
	return r;
}

static json_t *f_dirname(struct mmr_tf_fnctx *c, json_t **a, size_t n)
{
	char *p = sarg(c, a, 0);
	if (!p)
		return NULL;
	char *s = strrchr(p, '/');
	if (s == p)
		s[1] = 0;
	else if (s)
		*s = 0;
	json_t *r = json_string_nocheck(s ? p : ".");
	free(p);
	return r;
}

/* ---- the table ---------------------------------------------------------- */

static const struct fn_row {
	const char *name;
	fn_t fn;
	unsigned char min, max; /* max 255: variadic */
	unsigned flags;
} fns[] = {
	{ "abs", f_abs, 1, 1, 0 },
	{ "abspath", f_unknown, 1, 1, 0 },
	{ "alltrue", f_alltrue, 1, 1, F_DEEP },
	{ "anytrue", f_anytrue, 1, 1, F_DEEP },
	{ "base64decode", f_base64decode, 1, 1, 0 },
	{ "base64encode", f_base64encode, 1, 1, 0 },
	{ "base64gzip", f_unknown, 1, 1, 0 },
	{ "base64sha256", f_unknown, 1, 1, 0 },
	{ "basename", f_basename, 1, 1, 0 },
	{ "bcrypt", f_unknown, 1, 2, 0 },
	{ "ceil", f_ceil, 1, 1, 0 },
	{ "chomp", f_chomp, 1, 1, 0 },
	{ "chunklist", f_chunklist, 2, 2, 0 },
	{ "cidrhost", f_cidrhost, 2, 2, 0 },
	{ "cidrnetmask", f_cidrnetmask, 1, 1, 0 },
	{ "cidrsubnet", f_cidrsubnet, 3, 3, 0 },
	{ "cidrsubnets", f_cidrsubnets, 1, 255, 0 },
	{ "coalesce", f_coalesce, 1, 255, F_RAW },
	{ "coalescelist", f_coalescelist, 1, 255, F_RAW },
	{ "compact", f_compact, 1, 1, F_DEEP },
	{ "concat", f_concat, 0, 255, 0 },
	{ "contains", f_contains, 2, 2, F_DEEP },
	{ "csvdecode", f_unknown, 1, 1, 0 },
	{ "dirname", f_dirname, 1, 1, 0 },
	{ "distinct", f_distinct, 1, 1, F_DEEP },
	{ "element", f_element, 2, 2, 0 },
	{ "endswith", f_endswith, 2, 2, 0 },
	{ "ephemeralasnull", f_identity, 1, 1, F_RAW },
	{ "file", f_file, 1, 1, 0 },
	{ "filebase64", f_filebase64, 1, 1, 0 },
	{ "filebase64sha256", f_unknown, 1, 1, 0 },
	{ "fileexists", f_fileexists, 1, 1, 0 },
	{ "filemd5", f_unknown, 1, 1, 0 },
	{ "fileset", f_unknown, 2, 2, 0 },
	{ "filesha256", f_unknown, 1, 1, 0 },
	{ "flatten", f_flatten, 1, 1, 0 },
	{ "floor", f_floor, 1, 1, 0 },
	{ "format", f_format, 1, 255, 0 },
	{ "formatdate", f_unknown, 2, 2, 0 },
	{ "formatlist", f_formatlist, 1, 255, F_DEEP },
	{ "indent", f_indent, 2, 2, 0 },
	{ "index", f_index, 2, 2, F_DEEP },
	{ "issensitive", f_false, 1, 1, 0 },
	{ "join", f_join, 1, 255, F_DEEP },
	{ "jsondecode", f_jsondecode, 1, 1, 0 },
	{ "jsonencode", f_jsonencode, 1, 1, F_DEEP },
	{ "keys", f_keys, 1, 1, 0 },
	{ "length", f_length, 1, 1, 0 },
	{ "log", f_log, 2, 2, 0 },
	{ "lookup", f_lookup, 2, 3, 0 },
	{ "lower", f_lower, 1, 1, 0 },
	{ "matchkeys", f_matchkeys, 3, 3, F_DEEP },
	{ "max", f_max, 1, 255, 0 },
	{ "md5", f_md5, 1, 1, 0 },
	{ "merge", f_merge, 0, 255, 0 },
	{ "min", f_min, 1, 255, 0 },
	{ "nonsensitive", f_identity, 1, 1, F_RAW },
	{ "one", f_one, 1, 1, 0 },
	{ "parseint", f_parseint, 2, 2, 0 },
	{ "pathexpand", f_unknown, 1, 1, 0 },
	{ "plantimestamp", f_unknown, 0, 0, 0 },
	{ "pow", f_pow, 2, 2, 0 },
	{ "range", f_range, 1, 3, 0 },
	{ "regex", f_regex, 2, 2, 0 },
	{ "regexall", f_regexall, 2, 2, 0 },
	{ "replace", f_replace, 3, 3, 0 },
	{ "reverse", f_reverse, 1, 1, 0 },
	{ "sensitive", f_identity, 1, 1, F_RAW },
	{ "setintersection", f_setintersection, 1, 255, F_DEEP },
	{ "setproduct", f_unknown, 1, 255, 0 },
	{ "setsubtract", f_setsubtract, 2, 2, F_DEEP },
	{ "setunion", f_setunion, 1, 255, F_DEEP },
	{ "sha1", f_sha1, 1, 1, 0 },
	{ "sha256", f_sha256, 1, 1, 0 },
	{ "sha512", f_sha512, 1, 1, 0 },
	{ "signum", f_signum, 1, 1, 0 },
	{ "slice", f_slice, 3, 3, 0 },
	{ "sort", f_sort, 1, 1, F_DEEP },
	{ "split", f_split, 2, 2, 0 },
	{ "startswith", f_startswith, 2, 2, 0 },
	{ "strcontains", f_strcontains, 2, 2, 0 },
	{ "strrev", f_strrev, 1, 1, 0 },
	{ "substr", f_substr, 3, 3, 0 },
	{ "sum", f_sum, 1, 1, F_DEEP },
	{ "templatestring", f_unknown, 2, 2, 0 },
	{ "textdecodebase64", f_unknown, 2, 2, 0 },
	{ "textencodebase64", f_unknown, 2, 2, 0 },
	{ "timeadd", f_unknown, 2, 2, 0 },
	{ "timestamp", f_unknown, 0, 0, 0 },
	{ "title", f_title, 1, 1, 0 },
	{ "tobool", f_tobool, 1, 1, 0 },
	{ "tolist", f_tolist, 1, 1, 0 },
	{ "tomap", f_tomap, 1, 1, 0 },
	{ "tonumber", f_tonumber, 1, 1, 0 },
	{ "toset", f_toset, 1, 1, F_DEEP },
	{ "tostring", f_tostring, 1, 1, 0 },
	{ "transpose", f_transpose, 1, 1, F_DEEP },
	{ "trim", f_trim, 2, 2, 0 },
	{ "trimprefix", f_trimprefix, 2, 2, 0 },
	{ "trimspace", f_trimspace, 1, 1, 0 },
	{ "trimsuffix", f_trimsuffix, 2, 2, 0 },
	{ "type", f_unknown, 1, 1, 0 },
	{ "upper", f_upper, 1, 1, 0 },
	{ "urlencode", f_urlencode, 1, 1, 0 },
	{ "uuid", f_unknown, 0, 0, 0 },
	{ "uuidv5", f_unknown, 2, 2, 0 },
	{ "values", f_values, 1, 1, 0 },
	{ "yamldecode", f_unknown, 1, 1, 0 },
	{ "yamlencode", f_unknown, 1, 1, 0 },
	{ "zipmap", f_zipmap, 2, 2, F_DEEP },
};

static int row_cmp(const void *k, const void *r)
{
	return strcmp(k, ((const struct fn_row *)r)->name);
}

json_t *mmr_tf_call(struct mmr_tf_fnctx *c, const char *name, json_t **args, size_t n,
		    bool *ret_found)
{
	c->err[0] = 0;
	const struct fn_row *r = bsearch(name, fns, sizeof(fns) / sizeof(fns[0]), sizeof(fns[0]),
					 row_cmp);
	*ret_found = r != NULL;
	if (!r)
		return NULL;
	if (n < r->min || (r->max != 255 && n > r->max))
		return ferr(c, "wrong number of arguments (%zu)", n);
	if (!(r->flags & F_RAW)) {
		for (size_t i = 0; i < n; i++) {
			if (mmr_iac_is_unknown(args[i]) ||
			    ((r->flags & F_DEEP) && mmr_tf_has_unknown(args[i])))
				return mmr_iac_unknown();
		}
	}
	return r->fn(c, args, n);
}
