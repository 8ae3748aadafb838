/* iac-hcl.c - HCL2 native syntax: a character-level recursive-descent
 * parser written from the hclsyntax specification.
 *
 * Newlines matter: they end attributes and separate object items, and are
 * ignored inside (), [], ${} and for expressions (p->nl). The parse stops
 * at the first syntax error of a file (file:line:col in reterr). */
#include "iac/iac-hcl.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"

struct parser {
	struct mmr_arena *a;
	const char *s;
	size_t len, i;
	unsigned long line, col;
	const char *name;
	struct mmr_error *err;
	int rc;
	bool nl; /* newlines are whitespace here */
	size_t depth, max_depth, nodes, max_nodes;
	size_t comment_end; /* comments before this byte are recorded */
	struct mmr_vec *comments;
};

#define FAIL(p) ((p)->rc < 0)

static int perr(struct parser *p, int e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, int e, const char *fmt, ...)
{
	if (p->rc < 0)
		return p->rc;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->rc = mmr_error_set(p->err, e, p->name, p->line, p->col, "%s", msg);
	return p->rc;
}

static struct mmr_hcl_pos here(const struct parser *p)
{
	return (struct mmr_hcl_pos){ p->line, p->col, p->i };
}

static void seek(struct parser *p, struct mmr_hcl_pos pos)
{
	p->i = pos.byte;
	p->line = pos.line;
	p->col = pos.col;
}

static int peekc(const struct parser *p, size_t off)
{
	return p->i + off < p->len ? (unsigned char)p->s[p->i + off] : -1;
}

static void adv(struct parser *p)
{
	if (p->i >= p->len)
		return;
	unsigned char c = (unsigned char)p->s[p->i++];
	if (c == '\n') {
		p->line++;
		p->col = 1;
	} else if ((c & 0xC0) != 0x80) {
		p->col++;
	}
}

static void advn(struct parser *p, size_t n)
{
	while (n--)
		adv(p);
}

static bool lookat(const struct parser *p, const char *lit)
{
	size_t n = strlen(lit);
	return p->i + n <= p->len && memcmp(p->s + p->i, lit, n) == 0;
}

static struct mmr_hcl_expr *node(struct parser *p, enum mmr_hcl_kind k, struct mmr_hcl_pos start)
{
	if (FAIL(p))
		return NULL;
	if (++p->nodes > p->max_nodes) {
		perr(p, E2BIG, "too many syntax nodes (limit %zu)", p->max_nodes);
		return NULL;
	}
	struct mmr_hcl_expr *e = mmr_arena_alloc(p->a, sizeof(*e));
	if (!e) {
		perr(p, ENOMEM, "out of memory");
		return NULL;
	}
	e->kind = k;
	e->range.start = start;
	e->range.end = here(p);
	return e;
}

static void finish(struct parser *p, struct mmr_hcl_expr *e)
{
	if (e)
		e->range.end = here(p);
}

static int push(struct parser *p, struct mmr_vec *v, void *x)
{
	if (mmr_vec_push(p->a, v, x) < 0)
		return perr(p, ENOMEM, "out of memory");
	return 0;
}

static void record_comment(struct parser *p, size_t from, size_t to, unsigned long line,
			   unsigned long end_line)
{
	if (!p->comments || from < p->comment_end)
		return;
	p->comment_end = to;
	while (from < to && (p->s[from] == ' ' || p->s[from] == '\t'))
		from++;
	while (to > from && (p->s[to - 1] == ' ' || p->s[to - 1] == '\t' || p->s[to - 1] == '\r' ||
			     p->s[to - 1] == '\n'))
		to--;
	struct mmr_hcl_comment *c = mmr_arena_alloc(p->a, sizeof(*c));
	if (!c)
		return;
	c->line = line;
	c->end_line = end_line;
	c->text = mmr_arena_strndup(p->a, p->s + from, to - from);
	if (c->text)
		mmr_vec_push(p->a, p->comments, c);
}

/* Skip blanks and comments; newlines too when nl (or p->nl). A line comment
 * stops before its newline. */
static void skip(struct parser *p, bool nl)
{
	nl = nl || p->nl;
	while (p->i < p->len && !FAIL(p)) {
		int c = peekc(p, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			adv(p);
		} else if (c == '\n') {
			if (!nl)
				return;
			adv(p);
		} else if (c == '#' || (c == '/' && peekc(p, 1) == '/')) {
			size_t from = p->i + (c == '#' ? 1 : 2);
			unsigned long line = p->line;
			while (p->i < p->len && p->s[p->i] != '\n')
				adv(p);
			record_comment(p, from, p->i, line, line);
		} else if (c == '/' && peekc(p, 1) == '*') {
			unsigned long line = p->line;
			struct mmr_hcl_pos open_at = here(p);
			advn(p, 2);
			size_t from = p->i;
			while (p->i < p->len && !lookat(p, "*/"))
				adv(p);
			if (p->i >= p->len) {
				seek(p, open_at);
				perr(p, EBADMSG, "unterminated /* comment starting on line %lu", line);
				return;
			}
			record_comment(p, from, p->i, line, p->line);
			advn(p, 2);
		} else {
			return;
		}
	}
}

static bool id_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool id_cont(int c)
{
	return id_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Identifier at the cursor, or NULL (cursor unmoved). */
static const char *ident(struct parser *p)
{
	if (!id_start(peekc(p, 0)))
		return NULL;
	size_t from = p->i;
	while (p->i < p->len && id_cont(peekc(p, 0)))
		adv(p);
	char *r = mmr_arena_strndup(p->a, p->s + from, p->i - from);
	if (!r)
		perr(p, ENOMEM, "out of memory");
	return r;
}

static bool word_is(const struct parser *p, const char *w)
{
	size_t n = strlen(w);
	return lookat(p, w) && !id_cont(peekc(p, n));
}

static int enter(struct parser *p)
{
	if (++p->depth > p->max_depth)
		return perr(p, E2BIG, "nesting deeper than %zu (max-json-depth)", p->max_depth);
	return 0;
}

static struct mmr_hcl_expr *parse_expr(struct parser *p);

/* ---- templates ---------------------------------------------------------- */

enum tpl_end { END_EOF, END_QUOTE, END_ELSE, END_ENDIF, END_ENDFOR };

static void utf8_put(struct mmr_buf *b, uint32_t cp)
{
	char o[4];
	size_t n;
	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	mmr_buf_add(b, o, n);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct tpl_seq {
	struct mmr_vec parts;
	bool strip_next; /* a `~}` asked to trim the next literal's start */
};

static void strip_last(struct tpl_seq *q)
{
	if (!q->parts.n)
		return;
	struct mmr_hcl_expr *l = q->parts.v[q->parts.n - 1];
	if (l->kind != MMR_HCL_STRING)
		return;
	while (l->len && is_blank(l->str[l->len - 1]))
		l->len--;
	((char *)l->str)[l->len] = 0;
	if (l->len == 0)
		q->parts.n--;
}

static int add_literal(struct parser *p, struct tpl_seq *q, struct mmr_buf *lit,
		       struct mmr_hcl_pos start)
{
	const char *s = lit->p;
	size_t n = lit->len;
	if (q->strip_next) {
		while (n && is_blank(*s)) {
			s++;
			n--;
		}
		q->strip_next = false;
	}
	if (n) {
		struct mmr_hcl_expr *e = node(p, MMR_HCL_STRING, start);
		if (!e)
			return p->rc;
		char *d = mmr_arena_memdup(p->a, s, n + 1);
		if (!d)
			return perr(p, ENOMEM, "out of memory");
		d[n] = 0;
		e->str = d;
		e->len = n;
		push(p, &q->parts, e);
	}
	mmr_buf_reset(lit);
	return p->rc;
}

static struct mmr_hcl_expr *seq_to_expr(struct parser *p, struct tpl_seq *q, struct mmr_hcl_pos start,
					bool wrap);

/* Parse template parts until a terminator. quoted: "..." rules (escapes,
 * no raw newlines, `"` ends). Returns the terminator met. */
static enum tpl_end parse_tpl_seq(struct parser *p, struct tpl_seq *q, bool quoted)
{
	struct mmr_buf lit;
	mmr_buf_init(&lit, p->len + 16);
	struct mmr_hcl_pos lit_start = here(p);
	enum tpl_end end = END_EOF;
	if (enter(p) < 0)
		goto out;
	while (!FAIL(p)) {
		int c = peekc(p, 0);
		if (c < 0) {
			if (quoted)
				perr(p, EBADMSG, "unterminated string");
			break;
		}
		if (quoted && c == '"') {
			end = END_QUOTE;
			break;
		}
		if (quoted && c == '\n') {
			perr(p, EBADMSG, "newline in a quoted string (use a heredoc or \\n)");
			break;
		}
		if (quoted && c == '\\') {
			int e = peekc(p, 1);
			struct mmr_hcl_pos esc = here(p);
			advn(p, 2);
			switch (e) {
			case 'n': mmr_buf_addc(&lit, '\n'); break;
			case 'r': mmr_buf_addc(&lit, '\r'); break;
			case 't': mmr_buf_addc(&lit, '\t'); break;
			case '"': mmr_buf_addc(&lit, '"'); break;
			case '\\': mmr_buf_addc(&lit, '\\'); break;
			case 'u':
			case 'U': {
				int nd = e == 'u' ? 4 : 8;
				uint32_t cp = 0;
				for (int k = 0; k < nd; k++) {
					int h = peekc(p, 0);
					int v = h >= '0' && h <= '9' ? h - '0' :
						h >= 'a' && h <= 'f' ? h - 'a' + 10 :
						h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
					if (v < 0) {
						perr(p, EBADMSG, "invalid \\%c escape", e);
						goto out;
					}
					cp = cp * 16 + (uint32_t)v;
					adv(p);
				}
				if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
					perr(p, EBADMSG, "invalid unicode code point in escape");
					goto out;
				}
				utf8_put(&lit, cp);
				break;
			}
			default:
				seek(p, esc);
				perr(p, EBADMSG, "invalid escape sequence \\%c", e > 0 ? e : '?');
				goto out;
			}
			continue;
		}
		if ((c == '$' || c == '%') && peekc(p, 1) == c && peekc(p, 2) == '{') {
			mmr_buf_addc(&lit, (char)c);
			mmr_buf_addc(&lit, '{');
			advn(p, 3);
			continue;
		}
		if ((c == '$' || c == '%') && peekc(p, 1) == '{') {
			struct mmr_hcl_pos st = here(p);
			if (add_literal(p, q, &lit, lit_start) < 0)
				break;
			advn(p, 2);
			if (peekc(p, 0) == '~') {
				adv(p);
				strip_last(q);
			}
			bool onl = p->nl;
			p->nl = true;
			skip(p, true);
			if (c == '$') {
				struct mmr_hcl_expr *e = parse_expr(p);
				if (!e)
					break;
				skip(p, true);
				if (peekc(p, 0) == '~') {
					adv(p);
					q->strip_next = true;
				}
				if (peekc(p, 0) != '}') {
					perr(p, EBADMSG, "expected '}' to close the interpolation");
					break;
				}
				adv(p);
				p->nl = onl;
				push(p, &q->parts, e);
			} else {
				/* directive */
				const char *kw = ident(p);
				if (!kw) {
					perr(p, EBADMSG, "expected if, else, endif, for or endfor after %%{");
					break;
				}
				skip(p, true);
				struct mmr_hcl_expr *cond = NULL, *coll = NULL;
				const char *kv = NULL, *vv = NULL;
				enum tpl_end this = END_EOF;
				if (!strcmp(kw, "if")) {
					cond = parse_expr(p);
					if (!cond)
						break;
				} else if (!strcmp(kw, "for")) {
					vv = ident(p);
					skip(p, true);
					if (vv && peekc(p, 0) == ',') {
						adv(p);
						skip(p, true);
						kv = vv;
						vv = ident(p);
						skip(p, true);
					}
					if (!vv || !word_is(p, "in")) {
						perr(p, EBADMSG, "expected 'for NAME in' in a template directive");
						break;
					}
					advn(p, 2);
					skip(p, true);
					coll = parse_expr(p);
					if (!coll)
						break;
				} else if (!strcmp(kw, "else")) {
					this = END_ELSE;
				} else if (!strcmp(kw, "endif")) {
					this = END_ENDIF;
				} else if (!strcmp(kw, "endfor")) {
					this = END_ENDFOR;
				} else {
					perr(p, EBADMSG, "unknown template directive '%s'", kw);
					break;
				}
				skip(p, true);
				bool strip_after = false;
				if (peekc(p, 0) == '~') {
					adv(p);
					strip_after = true;
				}
				if (peekc(p, 0) != '}') {
					perr(p, EBADMSG, "expected '}' to close the %%{%s} directive", kw);
					break;
				}
				adv(p);
				p->nl = onl;
				if (this != END_EOF) {
					q->strip_next = strip_after;
					end = this;
					goto out;
				}
				struct tpl_seq inner = { 0 };
				inner.strip_next = strip_after;
				if (cond) {
					struct mmr_hcl_expr *n = node(p, MMR_HCL_TPL_IF, st);
					if (!n)
						break;
					n->a = cond;
					enum tpl_end t = parse_tpl_seq(p, &inner, quoted);
					if (FAIL(p))
						break;
					n->b = seq_to_expr(p, &inner, st, false);
					if (t == END_ELSE) {
						struct tpl_seq els = { 0 };
						els.strip_next = inner.strip_next;
						t = parse_tpl_seq(p, &els, quoted);
						if (FAIL(p))
							break;
						n->c = seq_to_expr(p, &els, st, false);
						q->strip_next = els.strip_next;
					} else {
						q->strip_next = inner.strip_next;
					}
					if (t != END_ENDIF) {
						perr(p, EBADMSG, "%%{if} without a matching %%{endif}");
						break;
					}
					finish(p, n);
					push(p, &q->parts, n);
				} else {
					struct mmr_hcl_expr *n = node(p, MMR_HCL_TPL_FOR, st);
					if (!n)
						break;
					n->kvar = kv;
					n->vvar = vv;
					n->a = coll;
					enum tpl_end t = parse_tpl_seq(p, &inner, quoted);
					if (FAIL(p))
						break;
					if (t != END_ENDFOR) {
						perr(p, EBADMSG, "%%{for} without a matching %%{endfor}");
						break;
					}
					n->b = seq_to_expr(p, &inner, st, false);
					q->strip_next = inner.strip_next;
					finish(p, n);
					push(p, &q->parts, n);
				}
			}
			lit_start = here(p);
			continue;
		}
		if (lit.len == 0)
			lit_start = here(p);
		if (mmr_buf_addc(&lit, (char)c) < 0) {
			perr(p, E2BIG, "template too long");
			break;
		}
		adv(p);
	}
	if (!FAIL(p))
		add_literal(p, q, &lit, lit_start);
out:
	p->depth--;
	mmr_buf_release(&lit);
	return end;
}

static struct mmr_hcl_expr *seq_to_expr(struct parser *p, struct tpl_seq *q, struct mmr_hcl_pos start,
					bool wrap)
{
	if (FAIL(p))
		return NULL;
	if (q->parts.n == 0) {
		struct mmr_hcl_expr *e = node(p, MMR_HCL_STRING, start);
		if (e)
			e->str = "";
		return e;
	}
	if (q->parts.n == 1) {
		struct mmr_hcl_expr *only = q->parts.v[0];
		if (only->kind == MMR_HCL_STRING) {
			only->range.start = start;
			finish(p, only);
			return only;
		}
		if (wrap && only->kind != MMR_HCL_TPL_IF && only->kind != MMR_HCL_TPL_FOR) {
			struct mmr_hcl_expr *e = node(p, MMR_HCL_TEMPLATE_WRAP, start);
			if (e)
				e->a = only;
			return e;
		}
	}
	struct mmr_hcl_expr *e = node(p, MMR_HCL_TEMPLATE, start);
	if (e)
		e->items = q->parts;
	return e;
}

/* "..." at the cursor. */
static struct mmr_hcl_expr *parse_quoted(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	adv(p); /* " */
	struct tpl_seq q = { 0 };
	enum tpl_end t = parse_tpl_seq(p, &q, true);
	if (FAIL(p))
		return NULL;
	if (t != END_QUOTE) {
		perr(p, EBADMSG, "template directive without its opening %%{if} or %%{for}");
		return NULL;
	}
	adv(p); /* " */
	struct mmr_hcl_expr *e = seq_to_expr(p, &q, st, true);
	finish(p, e);
	return e;
}

/* <<EOT / <<-EOT at the cursor. */
static struct mmr_hcl_expr *parse_heredoc(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	advn(p, 2);
	bool indent = false;
	if (peekc(p, 0) == '-') {
		indent = true;
		adv(p);
	}
	const char *delim = ident(p);
	if (!delim) {
		perr(p, EBADMSG, "expected a heredoc delimiter after <<");
		return NULL;
	}
	if (peekc(p, 0) == '\r')
		adv(p);
	if (peekc(p, 0) != '\n') {
		perr(p, EBADMSG, "a heredoc delimiter must be followed by a newline");
		return NULL;
	}
	adv(p);
	struct mmr_hcl_pos body_start = here(p);
	size_t dl = strlen(delim);
	/* find the closing line */
	size_t content_end = p->i, min_ind = SIZE_MAX;
	bool found = false;
	while (p->i < p->len) {
		size_t ls = p->i, le = ls;
		while (le < p->len && p->s[le] != '\n')
			le++;
		size_t a = ls, b = le;
		while (b > a && (p->s[b - 1] == '\r' || p->s[b - 1] == ' ' || p->s[b - 1] == '\t'))
			b--;
		size_t ind = 0;
		while (a < b && (p->s[a] == ' ' || p->s[a] == '\t')) {
			a++;
			ind++;
		}
		if (b - a == dl && memcmp(p->s + a, delim, dl) == 0) {
			content_end = ls;
			advn(p, le - ls);
			found = true;
			break;
		}
		if (a < b && ind < min_ind)
			min_ind = ind;
		advn(p, le - ls);
		if (p->i < p->len)
			adv(p);
	}
	if (!found) {
		seek(p, st);
		perr(p, EBADMSG, "unterminated heredoc (no closing %s line)", delim);
		return NULL;
	}
	struct mmr_hcl_pos after = here(p);
	/* the content, de-indented for <<- */
	struct mmr_buf c;
	mmr_buf_init(&c, p->len + 1);
	size_t k = body_start.byte;
	while (k < content_end) {
		size_t le = k;
		while (le < content_end && p->s[le] != '\n')
			le++;
		size_t a = k;
		bool blank_line = true;
		for (size_t z = k; z < le; z++)
			if (p->s[z] != ' ' && p->s[z] != '\t' && p->s[z] != '\r')
				blank_line = false;
		if (indent && min_ind != SIZE_MAX && !blank_line) {
			size_t n = 0;
			while (a < le && n < min_ind && (p->s[a] == ' ' || p->s[a] == '\t')) {
				a++;
				n++;
			}
		}
		mmr_buf_add(&c, p->s + a, le - a);
		mmr_buf_addc(&c, '\n');
		k = le + 1;
	}
	/* template-parse the content with a sub-parser */
	struct parser sub = *p;
	sub.s = c.p;
	sub.len = c.len;
	sub.i = 0;
	sub.line = body_start.line;
	sub.col = 1;
	sub.comments = NULL;
	struct tpl_seq q = { 0 };
	enum tpl_end t = parse_tpl_seq(&sub, &q, false);
	struct mmr_hcl_expr *e = NULL;
	if (!FAIL(&sub) && t != END_EOF)
		perr(&sub, EBADMSG, "template directive without its opening %%{if} or %%{for}");
	if (!FAIL(&sub))
		e = seq_to_expr(&sub, &q, st, true);
	p->nodes = sub.nodes;
	p->rc = sub.rc;
	mmr_buf_release(&c);
	if (!e)
		return NULL;
	/* byte offsets inside the sub-buffer mean nothing outside: pin ranges */
	e->range.start = st;
	e->range.end = after;
	return e;
}

/* ---- expressions -------------------------------------------------------- */

static struct mmr_hcl_expr *parse_number(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	size_t from = p->i;
	while (peekc(p, 0) >= '0' && peekc(p, 0) <= '9')
		adv(p);
	if (peekc(p, 0) == '.' && peekc(p, 1) >= '0' && peekc(p, 1) <= '9') {
		adv(p);
		while (peekc(p, 0) >= '0' && peekc(p, 0) <= '9')
			adv(p);
	}
	if (peekc(p, 0) == 'e' || peekc(p, 0) == 'E') {
		size_t save = p->i;
		struct mmr_hcl_pos sp = here(p);
		adv(p);
		if (peekc(p, 0) == '+' || peekc(p, 0) == '-')
			adv(p);
		if (peekc(p, 0) >= '0' && peekc(p, 0) <= '9') {
			while (peekc(p, 0) >= '0' && peekc(p, 0) <= '9')
				adv(p);
		} else {
			(void)save;
			seek(p, sp);
		}
	}
	struct mmr_hcl_expr *e = node(p, MMR_HCL_NUMBER, st);
	if (!e)
		return NULL;
	char *t = mmr_arena_strndup(p->a, p->s + from, p->i - from);
	if (!t) {
		perr(p, ENOMEM, "out of memory");
		return NULL;
	}
	e->str = t;
	char *end;
	e->num = strtod(t, &end);
	if (*end || !isfinite(e->num)) {
		seek(p, st);
		perr(p, EBADMSG, "invalid number '%s'", t);
		return NULL;
	}
	return e;
}

static struct mmr_hcl_expr *parse_for(struct parser *p, struct mmr_hcl_pos st, bool is_object)
{
	/* cursor after "for" */
	bool onl = p->nl;
	p->nl = true;
	skip(p, true);
	struct mmr_hcl_expr *e = node(p, MMR_HCL_FOR, st);
	if (!e)
		return NULL;
	e->is_object = is_object;
	const char *v1 = ident(p);
	skip(p, true);
	const char *v2 = NULL;
	if (v1 && peekc(p, 0) == ',') {
		adv(p);
		skip(p, true);
		v2 = ident(p);
		skip(p, true);
	}
	if (!v1 || (peekc(p, 0) == ',' && !v2) || !word_is(p, "in")) {
		perr(p, EBADMSG, "expected 'for NAME in' (or 'for KEY, VALUE in')");
		return NULL;
	}
	e->kvar = v2 ? v1 : NULL;
	e->vvar = v2 ? v2 : v1;
	advn(p, 2);
	skip(p, true);
	e->a = parse_expr(p);
	if (!e->a)
		return NULL;
	skip(p, true);
	if (peekc(p, 0) != ':') {
		perr(p, EBADMSG, "expected ':' after the for collection");
		return NULL;
	}
	adv(p);
	skip(p, true);
	struct mmr_hcl_expr *x = parse_expr(p);
	if (!x)
		return NULL;
	skip(p, true);
	if (is_object) {
		if (!lookat(p, "=>")) {
			perr(p, EBADMSG, "expected '=>' in an object for expression");
			return NULL;
		}
		advn(p, 2);
		skip(p, true);
		e->b = x;
		e->c = parse_expr(p);
		if (!e->c)
			return NULL;
		skip(p, true);
		if (lookat(p, "...")) {
			advn(p, 3);
			e->group = true;
			skip(p, true);
		}
	} else {
		e->c = x;
	}
	if (word_is(p, "if")) {
		advn(p, 2);
		skip(p, true);
		e->d = parse_expr(p);
		if (!e->d)
			return NULL;
		skip(p, true);
	}
	int close = is_object ? '}' : ']';
	if (peekc(p, 0) != close) {
		perr(p, EBADMSG, "expected '%c' to close the for expression", close);
		return NULL;
	}
	adv(p);
	p->nl = onl;
	finish(p, e);
	return e;
}

static bool at_for(struct parser *p)
{
	if (!word_is(p, "for"))
		return false;
	/* `for` followed by an identifier (not `=`/`:`) starts a for expression */
	struct mmr_hcl_pos sv = here(p);
	advn(p, 3);
	bool onl = p->nl;
	p->nl = true;
	skip(p, true);
	bool r = id_start(peekc(p, 0));
	p->nl = onl;
	seek(p, sv);
	return r;
}

static struct mmr_hcl_expr *parse_tuple(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	adv(p); /* [ */
	bool onl = p->nl;
	p->nl = true;
	skip(p, true);
	if (at_for(p)) {
		advn(p, 3);
		struct mmr_hcl_expr *f = parse_for(p, st, false);
		p->nl = onl;
		return f;
	}
	struct mmr_hcl_expr *e = node(p, MMR_HCL_TUPLE, st);
	while (e && !FAIL(p)) {
		skip(p, true);
		if (peekc(p, 0) == ']')
			break;
		struct mmr_hcl_expr *x = parse_expr(p);
		if (!x)
			return NULL;
		push(p, &e->items, x);
		skip(p, true);
		if (peekc(p, 0) == ',') {
			adv(p);
			continue;
		}
		if (peekc(p, 0) != ']') {
			perr(p, EBADMSG, "expected ',' or ']' in a tuple");
			return NULL;
		}
	}
	if (FAIL(p))
		return NULL;
	adv(p);
	p->nl = onl;
	finish(p, e);
	return e;
}

static struct mmr_hcl_expr *parse_object(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	adv(p); /* { */
	bool onl = p->nl;
	p->nl = false;
	skip(p, true);
	if (at_for(p)) {
		advn(p, 3);
		struct mmr_hcl_expr *f = parse_for(p, st, true);
		p->nl = onl;
		return f;
	}
	struct mmr_hcl_expr *e = node(p, MMR_HCL_OBJECT, st);
	while (e && !FAIL(p)) {
		skip(p, true);
		if (peekc(p, 0) == '}')
			break;
		struct mmr_hcl_expr *k = parse_expr(p);
		if (!k)
			return NULL;
		if (k->kind == MMR_HCL_VAR) {
			/* a bare identifier is a literal key */
			const char *nm = k->name;
			k->kind = MMR_HCL_STRING;
			k->str = nm;
			k->len = strlen(nm);
		}
		skip(p, false);
		if (peekc(p, 0) != '=' && peekc(p, 0) != ':') {
			perr(p, EBADMSG, "expected '=' or ':' after an object key");
			return NULL;
		}
		adv(p);
		skip(p, false);
		struct mmr_hcl_expr *v = parse_expr(p);
		if (!v)
			return NULL;
		push(p, &e->keys, k);
		push(p, &e->items, v);
		skip(p, false);
		if (peekc(p, 0) == ',' || peekc(p, 0) == '\n') {
			adv(p);
			continue;
		}
		if (peekc(p, 0) != '}') {
			perr(p, EBADMSG, "expected ',', a newline or '}' after an object item");
			return NULL;
		}
	}
	if (FAIL(p))
		return NULL;
	adv(p);
	p->nl = onl;
	finish(p, e);
	return e;
}

static struct mmr_hcl_expr *parse_primary(struct parser *p)
{
	struct mmr_hcl_pos st = here(p);
	int c = peekc(p, 0);
	if (c >= '0' && c <= '9')
		return parse_number(p);
	if (c == '"')
		return parse_quoted(p);
	if (c == '<' && peekc(p, 1) == '<')
		return parse_heredoc(p);
	if (c == '[')
		return parse_tuple(p);
	if (c == '{')
		return parse_object(p);
	if (c == '(') {
		adv(p);
		bool onl = p->nl;
		p->nl = true;
		skip(p, true);
		struct mmr_hcl_expr *in = parse_expr(p);
		if (!in)
			return NULL;
		skip(p, true);
		if (peekc(p, 0) != ')') {
			perr(p, EBADMSG, "expected ')'");
			return NULL;
		}
		adv(p);
		p->nl = onl;
		struct mmr_hcl_expr *e = node(p, MMR_HCL_PAREN, st);
		if (e)
			e->a = in;
		return e;
	}
	if (id_start(c)) {
		const char *name = ident(p);
		if (!name)
			return NULL;
		if (!strcmp(name, "true") || !strcmp(name, "false")) {
			struct mmr_hcl_expr *e = node(p, MMR_HCL_BOOL, st);
			if (e)
				e->bval = name[0] == 't';
			return e;
		}
		if (!strcmp(name, "null"))
			return node(p, MMR_HCL_NULL, st);
		/* provider::ns::fn( */
		while (lookat(p, "::") && id_start(peekc(p, 2))) {
			advn(p, 2);
			const char *more = ident(p);
			if (!more)
				return NULL;
			name = mmr_arena_printf(p->a, "%s::%s", name, more);
		}
		struct mmr_hcl_pos after = here(p);
		skip(p, false);
		if (peekc(p, 0) == '(') {
			adv(p);
			bool onl = p->nl;
			p->nl = true;
			struct mmr_hcl_expr *e = node(p, MMR_HCL_CALL, st);
			if (!e)
				return NULL;
			e->name = name;
			while (!FAIL(p)) {
				skip(p, true);
				if (peekc(p, 0) == ')')
					break;
				struct mmr_hcl_expr *x = parse_expr(p);
				if (!x)
					return NULL;
				push(p, &e->items, x);
				skip(p, true);
				if (lookat(p, "...")) {
					advn(p, 3);
					e->expand = true;
					skip(p, true);
					if (peekc(p, 0) == ',') {
						adv(p);
						skip(p, true);
					}
					if (peekc(p, 0) != ')') {
						perr(p, EBADMSG, "'...' must follow the last argument");
						return NULL;
					}
					break;
				}
				if (peekc(p, 0) == ',') {
					adv(p);
					continue;
				}
				if (peekc(p, 0) != ')') {
					perr(p, EBADMSG, "expected ',' or ')' in the arguments of %s()", name);
					return NULL;
				}
			}
			if (FAIL(p))
				return NULL;
			adv(p);
			p->nl = onl;
			finish(p, e);
			return e;
		}
		seek(p, after);
		struct mmr_hcl_expr *e = node(p, MMR_HCL_VAR, st);
		if (e)
			e->name = name;
		return e;
	}
	if (c < 0)
		perr(p, EBADMSG, "expected an expression, found the end of the file");
	else if (c >= 0x20 && c < 0x7f)
		perr(p, EBADMSG, "expected an expression, found '%c'", c);
	else
		perr(p, EBADMSG, "expected an expression, found byte 0x%02x", (unsigned)c);
	return NULL;
}

/* Traversal steps after a primary: .name .N .* [expr] [*] */
static struct mmr_hcl_expr *parse_postfix(struct parser *p, struct mmr_hcl_expr *e)
{
	struct mmr_hcl_pos st = e->range.start;
	struct mmr_hcl_expr *splat = NULL; /* open splat: steps go to its item chain */
	bool full = false;
	while (!FAIL(p)) {
		struct mmr_hcl_pos sv = here(p);
		skip(p, false);
		int c = peekc(p, 0);
		if (c == '.' && peekc(p, 1) != '.') {
			adv(p);
			skip(p, false);
			if (peekc(p, 0) == '*') {
				adv(p);
				struct mmr_hcl_expr *s = node(p, MMR_HCL_SPLAT, st);
				if (!s)
					return NULL;
				s->a = splat ? splat : e;
				struct mmr_hcl_expr *it = node(p, MMR_HCL_SPLAT_ITEM, here(p));
				if (!it)
					return NULL;
				s->b = it;
				splat = s;
				full = false;
				e = s;
				continue;
			}
			struct mmr_hcl_expr *base = splat ? splat->b : e;
			if (peekc(p, 0) >= '0' && peekc(p, 0) <= '9') {
				struct mmr_hcl_expr *n = parse_number(p);
				if (!n)
					return NULL;
				struct mmr_hcl_expr *ix = node(p, MMR_HCL_INDEX, st);
				if (!ix)
					return NULL;
				ix->a = base;
				ix->b = n;
				base = ix;
			} else {
				const char *nm = ident(p);
				if (!nm) {
					perr(p, EBADMSG, "expected an attribute name after '.'");
					return NULL;
				}
				struct mmr_hcl_expr *g = node(p, MMR_HCL_GETATTR, st);
				if (!g)
					return NULL;
				g->a = base;
				g->name = nm;
				base = g;
			}
			if (splat) {
				splat->b = base;
				finish(p, splat);
			} else {
				e = base;
			}
			continue;
		}
		if (c == '[') {
			adv(p);
			bool onl = p->nl;
			p->nl = true;
			skip(p, true);
			if (peekc(p, 0) == '*') {
				adv(p);
				skip(p, true);
				if (peekc(p, 0) != ']') {
					perr(p, EBADMSG, "expected ']' after [*");
					return NULL;
				}
				adv(p);
				p->nl = onl;
				struct mmr_hcl_expr *s = node(p, MMR_HCL_SPLAT, st);
				if (!s)
					return NULL;
				s->a = splat ? splat : e;
				s->b = node(p, MMR_HCL_SPLAT_ITEM, here(p));
				if (!s->b)
					return NULL;
				splat = s;
				full = true;
				e = s;
				continue;
			}
			struct mmr_hcl_expr *k = parse_expr(p);
			if (!k)
				return NULL;
			skip(p, true);
			if (peekc(p, 0) != ']') {
				perr(p, EBADMSG, "expected ']' after an index");
				return NULL;
			}
			adv(p);
			p->nl = onl;
			if (splat && !full) {
				/* an index ends an attribute splat */
				splat = NULL;
			}
			struct mmr_hcl_expr *ix = node(p, MMR_HCL_INDEX, st);
			if (!ix)
				return NULL;
			ix->a = splat ? splat->b : e;
			ix->b = k;
			if (splat) {
				splat->b = ix;
				finish(p, splat);
			} else {
				e = ix;
			}
			continue;
		}
		seek(p, sv);
		break;
	}
	return FAIL(p) ? NULL : e;
}

static struct mmr_hcl_expr *parse_unary(struct parser *p)
{
	if (enter(p) < 0)
		return NULL;
	struct mmr_hcl_expr *r;
	struct mmr_hcl_pos st = here(p);
	int c = peekc(p, 0);
	if (c == '!' || c == '-') {
		adv(p);
		skip(p, false);
		struct mmr_hcl_expr *x = parse_unary(p);
		r = NULL;
		if (x) {
			r = node(p, MMR_HCL_UNARY, st);
			if (r) {
				r->op = c == '!' ? MMR_HCL_OP_NOT : MMR_HCL_OP_NEG;
				r->a = x;
			}
		}
	} else {
		r = parse_primary(p);
		if (r)
			r = parse_postfix(p, r);
	}
	p->depth--;
	return r;
}

/* Binary operator at the cursor for this precedence level; advances past it. */
static enum mmr_hcl_op binop(struct parser *p, int level)
{
	int c = peekc(p, 0), d = peekc(p, 1);
	switch (level) {
	case 0:
		if (c == '|' && d == '|') { advn(p, 2); return MMR_HCL_OP_OR; }
		break;
	case 1:
		if (c == '&' && d == '&') { advn(p, 2); return MMR_HCL_OP_AND; }
		break;
	case 2:
		if (c == '=' && d == '=') { advn(p, 2); return MMR_HCL_OP_EQ; }
		if (c == '!' && d == '=') { advn(p, 2); return MMR_HCL_OP_NE; }
		break;
	case 3:
		if (c == '<' && d == '=') { advn(p, 2); return MMR_HCL_OP_LE; }
		if (c == '>' && d == '=') { advn(p, 2); return MMR_HCL_OP_GE; }
		if (c == '<' && d != '<') { adv(p); return MMR_HCL_OP_LT; }
		if (c == '>') { adv(p); return MMR_HCL_OP_GT; }
		break;
	case 4:
		if (c == '+') { adv(p); return MMR_HCL_OP_ADD; }
		if (c == '-') { adv(p); return MMR_HCL_OP_SUB; }
		break;
	case 5:
		if (c == '*') { adv(p); return MMR_HCL_OP_MUL; }
		if (c == '/' && d != '/' && d != '*') { adv(p); return MMR_HCL_OP_DIV; }
		if (c == '%') { adv(p); return MMR_HCL_OP_MOD; }
		break;
	}
	return MMR_HCL_OP_NONE;
}

static struct mmr_hcl_expr *parse_binary(struct parser *p, int level)
{
	if (level > 5)
		return parse_unary(p);
	/* six fixed levels per expression: depth is counted in parse_expr */
	struct mmr_hcl_expr *l = parse_binary(p, level + 1);
	while (l && !FAIL(p)) {
		struct mmr_hcl_pos sv = here(p);
		skip(p, false);
		enum mmr_hcl_op op = binop(p, level);
		if (op == MMR_HCL_OP_NONE) {
			seek(p, sv);
			break;
		}
		skip(p, false);
		struct mmr_hcl_expr *r = parse_binary(p, level + 1);
		if (!r) {
			l = NULL;
			break;
		}
		struct mmr_hcl_expr *b = node(p, MMR_HCL_BINARY, l->range.start);
		if (!b) {
			l = NULL;
			break;
		}
		b->op = op;
		b->a = l;
		b->b = r;
		l = b;
	}
	return l;
}

static struct mmr_hcl_expr *parse_expr(struct parser *p)
{
	if (enter(p) < 0)
		return NULL;
	struct mmr_hcl_expr *c = parse_binary(p, 0), *r = c;
	if (c) {
		struct mmr_hcl_pos sv = here(p);
		skip(p, false);
		if (peekc(p, 0) == '?') {
			adv(p);
			skip(p, false);
			struct mmr_hcl_expr *t = parse_expr(p), *f = NULL;
			if (t) {
				skip(p, false);
				if (peekc(p, 0) != ':') {
					perr(p, EBADMSG, "expected ':' in a conditional expression");
					t = NULL;
				} else {
					adv(p);
					skip(p, false);
					f = parse_expr(p);
				}
			}
			r = NULL;
			if (t && f) {
				r = node(p, MMR_HCL_COND, c->range.start);
				if (r) {
					r->a = c;
					r->b = t;
					r->c = f;
				}
			}
		} else {
			seek(p, sv);
		}
	}
	p->depth--;
	return FAIL(p) ? NULL : r;
}

/* ---- bodies ------------------------------------------------------------- */

static struct mmr_hcl_body *parse_body(struct parser *p, bool nested)
{
	if (enter(p) < 0)
		return NULL;
	struct mmr_hcl_body *b = mmr_arena_alloc(p->a, sizeof(*b));
	if (!b) {
		perr(p, ENOMEM, "out of memory");
		return NULL;
	}
	b->range.start = here(p);
	unsigned long open_line = p->line;
	struct mmr_map seen;
	mmr_map_init(&seen, p->a);
	while (!FAIL(p)) {
		skip(p, true);
		int c = peekc(p, 0);
		if (c < 0) {
			if (nested)
				perr(p, EBADMSG, "unclosed block: expected '}'");
			break;
		}
		if (c == '}') {
			if (!nested)
				perr(p, EBADMSG, "unexpected '}'");
			break;
		}
		struct mmr_hcl_pos st = here(p);
		const char *name = ident(p);
		if (!name) {
			if (c >= 0x20 && c < 0x7f)
				perr(p, EBADMSG, "expected an attribute or block, found '%c'", c);
			else
				perr(p, EBADMSG, "expected an attribute or block, found byte 0x%02x",
				     (unsigned)c);
			break;
		}
		struct mmr_hcl_pos name_end = here(p);
		skip(p, false);
		if (peekc(p, 0) == '=' && peekc(p, 1) != '=') {
			adv(p);
			skip(p, false);
			if (++p->nodes > p->max_nodes) {
				perr(p, E2BIG, "too many syntax nodes (limit %zu)", p->max_nodes);
				break;
			}
			struct mmr_hcl_attr *at = mmr_arena_alloc(p->a, sizeof(*at));
			if (!at) {
				perr(p, ENOMEM, "out of memory");
				break;
			}
			at->name = name;
			at->expr = parse_expr(p);
			if (!at->expr)
				break;
			at->range.start = st;
			at->range.end = at->expr->range.end;
			if (mmr_map_get(&seen, name)) {
				seek(p, st);
				perr(p, EBADMSG, "attribute '%s' redefined (first set on line %lu)", name,
				     ((struct mmr_hcl_attr *)mmr_map_get(&seen, name))->range.start.line);
				break;
			}
			mmr_map_put(&seen, name, at);
			push(p, &b->attrs, at);
			skip(p, false);
			c = peekc(p, 0);
			if (c >= 0 && c != '\n' && (c != '}' || p->line != open_line)) {
				perr(p, EBADMSG, "expected a newline after the value of '%s'", name);
				break;
			}
			continue;
		}
		if (++p->nodes > p->max_nodes) {
			perr(p, E2BIG, "too many syntax nodes (limit %zu)", p->max_nodes);
			break;
		}
		struct mmr_hcl_block *bl = mmr_arena_alloc(p->a, sizeof(*bl));
		if (!bl) {
			perr(p, ENOMEM, "out of memory");
			break;
		}
		bl->type = name;
		bl->type_range.start = st;
		bl->type_range.end = name_end;
		bl->range.start = st;
		while (!FAIL(p)) {
			c = peekc(p, 0);
			if (c == '"') {
				struct mmr_hcl_expr *l = parse_quoted(p);
				if (!l)
					break;
				if (l->kind != MMR_HCL_STRING) {
					seek(p, l->range.start);
					perr(p, EBADMSG, "a block label cannot contain interpolation");
					break;
				}
				push(p, &bl->labels, (void *)l->str);
			} else if (id_start(c)) {
				const char *l = ident(p);
				if (!l)
					break;
				push(p, &bl->labels, (void *)l);
			} else {
				break;
			}
			skip(p, false);
		}
		if (FAIL(p))
			break;
		if (peekc(p, 0) != '{') {
			if (bl->labels.n == 0 && peekc(p, 0) == '\n')
				perr(p, EBADMSG, "expected '=' or a block after '%s'", name);
			else
				perr(p, EBADMSG, "expected '{' to open the %s block", name);
			break;
		}
		adv(p);
		bool onl = p->nl;
		p->nl = false;
		bl->body = parse_body(p, true);
		p->nl = onl;
		if (!bl->body)
			break;
		adv(p); /* } */
		bl->range.end = here(p);
		bl->body->range.end = here(p);
		push(p, &b->blocks, bl);
		skip(p, false);
		c = peekc(p, 0);
		if (c >= 0 && c != '\n' && c != '}') {
			perr(p, EBADMSG, "expected a newline after the %s block", name);
			break;
		}
	}
	b->range.end = here(p);
	p->depth--;
	return FAIL(p) ? NULL : b;
}

static void pinit(struct parser *p, struct mmr_arena *a, const void *data, size_t len,
		  const char *name, const struct mmr_hcl_limits *lim, struct mmr_error *reterr)
{
	memset(p, 0, sizeof(*p));
	p->a = a;
	p->s = data;
	p->len = len;
	p->line = 1;
	p->col = 1;
	p->name = name;
	p->err = reterr;
	p->max_depth = lim && lim->max_depth ? lim->max_depth : 256;
	p->max_nodes = lim && lim->max_nodes ? lim->max_nodes : 4000000;
}

static int check_size(struct parser *p, const struct mmr_hcl_limits *lim)
{
	size_t max = lim && lim->max_size ? lim->max_size : (size_t)64 << 20;
	if (p->len > max)
		return perr(p, E2BIG, "file larger than %zu bytes (max-file-size)", max);
	/* skip a UTF-8 byte order mark */
	if (p->len >= 3 && memcmp(p->s, "\xEF\xBB\xBF", 3) == 0)
		p->i = 3;
	return 0;
}

int mmr_hcl_parse(struct mmr_arena *a, const void *data, size_t len, const char *name,
		  const struct mmr_hcl_limits *lim, struct mmr_hcl_file **ret,
		  struct mmr_error *reterr)
{
	struct parser p;
	pinit(&p, a, data, len, name, lim, reterr);
	if (check_size(&p, lim) < 0)
		return p.rc;
	struct mmr_hcl_file *f = mmr_arena_alloc(a, sizeof(*f));
	if (!f)
		return mmr_error_set(reterr, ENOMEM, name, 0, 0, "out of memory");
	f->name = mmr_arena_strdup(a, name);
	p.comments = &f->comments;
	f->body = parse_body(&p, false);
	if (p.rc < 0)
		return p.rc;
	*ret = f;
	return 0;
}

int mmr_hcl_parse_expr(struct mmr_arena *a, const void *data, size_t len, const char *name,
		       const struct mmr_hcl_limits *lim, struct mmr_hcl_expr **ret,
		       struct mmr_error *reterr)
{
	struct parser p;
	pinit(&p, a, data, len, name, lim, reterr);
	if (check_size(&p, lim) < 0)
		return p.rc;
	p.nl = true;
	skip(&p, true);
	struct mmr_hcl_expr *e = parse_expr(&p);
	if (e) {
		skip(&p, true);
		if (p.i < p.len)
			perr(&p, EBADMSG, "extra characters after the expression");
	}
	if (p.rc < 0)
		return p.rc;
	*ret = e;
	return 0;
}

int mmr_hcl_parse_template(struct mmr_arena *a, const char *s, size_t len, const char *name,
			   struct mmr_hcl_pos pos, const struct mmr_hcl_limits *lim,
			   struct mmr_hcl_expr **ret, struct mmr_error *reterr)
{
	struct parser p;
	pinit(&p, a, s, len, name, lim, reterr);
	p.line = pos.line ? pos.line : 1;
	p.col = pos.col ? pos.col : 1;
	struct tpl_seq q = { 0 };
	enum tpl_end t = parse_tpl_seq(&p, &q, false);
	if (!FAIL(&p) && t != END_EOF)
		perr(&p, EBADMSG, "template directive without its opening %%{if} or %%{for}");
	struct mmr_hcl_expr *e = FAIL(&p) ? NULL : seq_to_expr(&p, &q, here(&p), true);
	if (p.rc < 0)
		return p.rc;
	e->range.start = pos;
	e->range.end = pos;
	*ret = e;
	return 0;
}

/* ---- the raw parse as JSON (hcl2json's shape) --------------------------- */

static char *strndup_plain(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

static json_t *expr_json(const struct mmr_hcl_expr *e, const char *src, size_t len)
{
	switch (e->kind) {
	case MMR_HCL_NULL:
		return json_null();
	case MMR_HCL_BOOL:
		return json_boolean(e->bval);
	case MMR_HCL_NUMBER:
		if (e->num == floor(e->num) && fabs(e->num) < 9007199254740992.0)
			return json_integer((json_int_t)e->num);
		return json_real(e->num);
	case MMR_HCL_STRING:
		return json_stringn_nocheck(e->str, e->len);
	case MMR_HCL_UNARY:
		/* hcl2json folds a negated number literal */
		if (e->op == MMR_HCL_OP_NEG && e->a->kind == MMR_HCL_NUMBER) {
			struct mmr_hcl_expr n = *e->a;
			n.num = -n.num;
			return expr_json(&n, src, len);
		}
		break;
	case MMR_HCL_TUPLE: {
		json_t *a = json_array();
		for (size_t i = 0; i < e->items.n; i++)
			json_array_append_new(a, expr_json(e->items.v[i], src, len));
		return a;
	}
	case MMR_HCL_OBJECT: {
		json_t *o = json_object();
		for (size_t i = 0; i < e->items.n; i++) {
			const struct mmr_hcl_expr *k = e->keys.v[i];
			if (k->kind == MMR_HCL_STRING) {
				json_object_setn_new_nocheck(o, k->str, k->len,
							     expr_json(e->items.v[i], src, len));
			} else {
				/* other keys as their source text */
				size_t a = k->range.start.byte, b = k->range.end.byte;
				if (b > len || a > b)
					a = b = 0;
				char *key = strndup_plain(src + a, b - a);
				if (key) {
					json_object_set_new_nocheck(o, key,
								    expr_json(e->items.v[i], src, len));
					free(key);
				}
			}
		}
		return o;
	}
	default:
		break;
	}
	{
		size_t a = e->range.start.byte, b = e->range.end.byte;
		if (b > len || a > b)
			a = b = 0;
		/* templates keep their source without the quotes */
		if ((e->kind == MMR_HCL_TEMPLATE || e->kind == MMR_HCL_TEMPLATE_WRAP) && b - a >= 2 &&
		    src[a] == '"' && src[b - 1] == '"')
			return json_stringn_nocheck(src + a + 1, b - a - 2);
		char *s = NULL;
		json_t *r = NULL;
		if (asprintf(&s, "${%.*s}", (int)(b - a), src + a) > 0) {
			r = json_string_nocheck(s);
			free(s);
		}
		return r ? r : json_null();
	}
}

static json_t *body_json(const struct mmr_hcl_body *b, const char *src, size_t len)
{
	json_t *o = json_object();
	for (size_t i = 0; i < b->attrs.n; i++) {
		const struct mmr_hcl_attr *at = b->attrs.v[i];
		json_object_set_new_nocheck(o, at->name, expr_json(at->expr, src, len));
	}
	for (size_t i = 0; i < b->blocks.n; i++) {
		const struct mmr_hcl_block *bl = b->blocks.v[i];
		json_t *slot = o;
		const char *key = bl->type;
		for (size_t l = 0; l < bl->labels.n; l++) {
			json_t *n = json_object_get(slot, key);
			if (!json_is_object(n)) {
				n = json_object();
				json_object_set_new_nocheck(slot, key, n);
			}
			slot = n;
			key = bl->labels.v[l];
		}
		json_t *arr = json_object_get(slot, key);
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new_nocheck(slot, key, arr);
		}
		json_array_append_new(arr, body_json(bl->body, src, len));
	}
	return o;
}

json_t *mmr_hcl_to_json(const struct mmr_hcl_file *f, const char *src, size_t len)
{
	return body_json(f->body, src, len);
}

/* ---- traversals --------------------------------------------------------- */

static int trav(struct mmr_arena *a, const struct mmr_hcl_expr *e, struct mmr_vec *ret, int depth)
{
	if (!e || depth > 512)
		return 0;
	if (e->kind == MMR_HCL_VAR || e->kind == MMR_HCL_GETATTR || e->kind == MMR_HCL_INDEX) {
		/* walk down to the root collecting names */
		const struct mmr_hcl_expr *parts[64];
		size_t n = 0;
		const struct mmr_hcl_expr *x = e;
		while (x && n < 64 && (x->kind == MMR_HCL_GETATTR || x->kind == MMR_HCL_INDEX)) {
			parts[n++] = x;
			x = x->a;
		}
		if (x && x->kind == MMR_HCL_VAR) {
			struct mmr_buf b;
			mmr_buf_init(&b, 4096);
			mmr_buf_adds(&b, x->name);
			for (size_t i = n; i-- > 0;) {
				if (parts[i]->kind == MMR_HCL_GETATTR)
					mmr_buf_addf(&b, ".%s", parts[i]->name);
				else
					break;
			}
			char *s = mmr_arena_strndup(a, b.p, b.len);
			mmr_buf_release(&b);
			if (!s || mmr_vec_push(a, ret, s) < 0)
				return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			if (parts[i]->kind == MMR_HCL_INDEX)
				trav(a, parts[i]->b, ret, depth + 1);
		if (x && x->kind != MMR_HCL_VAR)
			return trav(a, x, ret, depth + 1);
		return 0;
	}
	trav(a, e->a, ret, depth + 1);
	trav(a, e->b, ret, depth + 1);
	trav(a, e->c, ret, depth + 1);
	trav(a, e->d, ret, depth + 1);
	for (size_t i = 0; i < e->items.n; i++)
		trav(a, e->items.v[i], ret, depth + 1);
	for (size_t i = 0; i < e->keys.n; i++)
		trav(a, e->keys.v[i], ret, depth + 1);
	return 0;
}

int mmr_hcl_expr_traversals(struct mmr_arena *a, const struct mmr_hcl_expr *e, struct mmr_vec *ret)
{
	return trav(a, e, ret, 0);
}
