/* policy-parse.c - the condition language: lexer and recursive-descent
 * parser to an AST with positions (grammar in docs/policy-language.md).
 *
 * Identifiers bound by a quantifier are resolved to variable slots at
 * compile time; any other bare identifier is a field of `self`. Calls are
 * checked against the built-in table (name and arity) here, so a typo in a
 * rule is a load error naming file:line:col, not a silent false. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-buf.h"
#include "core/core-str.h"
#include "policy/policy-internal.h"

enum tok_kind {
	TK_EOF,
	TK_IDENT,
	TK_NUM,
	TK_STR,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_COMMA,
	TK_DOT,
	TK_COLON,
	TK_STAR,
	TK_MINUS,
	TK_PLUS,
	TK_EQ,
	TK_NE,
	TK_LT,
	TK_LE,
	TK_GT,
	TK_GE,
	TK_AND,
	TK_OR,
	TK_NOT,
	TK_IN,
	TK_TRUE,
	TK_FALSE,
	TK_NULL,
};

struct tok {
	enum tok_kind k;
	unsigned long line, col;
	const char *s; /* IDENT/STR: arena copy (STR decoded) */
	size_t slen;
	double n;
};

struct parser {
	struct mmr_policy_set *set;
	const char *file;
	struct mmr_error *reterr;
	struct tok *toks;
	size_t ntoks, pos;
	int depth;
	const char *scope[MMR_POLICY_MAX_VARS]; /* bound variable names by slot */
	int nscope, maxslots;
	int err;
};

static int perr(struct parser *p, unsigned long line, unsigned long col, const char *fmt,
		const char *arg)
{
	if (p->err)
		return p->err;
	p->err = mmr_error_set(p->reterr, EBADMSG, p->file, line, col, fmt, arg);
	return p->err;
}

static const char *tok_name(enum tok_kind k)
{
	static const char *const names[] = {
		[TK_EOF] = "end of condition", [TK_IDENT] = "identifier", [TK_NUM] = "number",
		[TK_STR] = "string", [TK_LPAREN] = "'('", [TK_RPAREN] = "')'", [TK_LBRACK] = "'['",
		[TK_RBRACK] = "']'", [TK_COMMA] = "','", [TK_DOT] = "'.'", [TK_COLON] = "':'",
		[TK_STAR] = "'*'", [TK_MINUS] = "'-'", [TK_PLUS] = "'+'", [TK_EQ] = "'=='",
		[TK_NE] = "'!='", [TK_LT] = "'<'", [TK_LE] = "'<='", [TK_GT] = "'>'", [TK_GE] = "'>='",
		[TK_AND] = "'and'", [TK_OR] = "'or'", [TK_NOT] = "'not'", [TK_IN] = "'in'",
		[TK_TRUE] = "'true'", [TK_FALSE] = "'false'", [TK_NULL] = "'null'",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == TK_NULL + 1, "token names");
	return names[k];
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int push_tok(struct parser *p, size_t *cap, struct tok t)
{
	if (p->ntoks == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct tok *nt = mmr_arena_realloc(p->set->arena, p->toks, *cap * sizeof(*nt),
						   ncap * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		p->toks = nt;
		*cap = ncap;
	}
	p->toks[p->ntoks++] = t;
	return 0;
}

static void utf8_put(struct mmr_buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		mmr_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		mmr_buf_addc(b, (char)(0xC0 | (cp >> 6)));
		mmr_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		mmr_buf_addc(b, (char)(0xE0 | (cp >> 12)));
		mmr_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		mmr_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

static int lex(struct parser *p, const char *s, size_t len, unsigned long line, unsigned long col)
{
	size_t cap = 0, i = 0;
	struct mmr_buf b;
	int r;

	mmr_buf_init(&b, MMR_POLICY_MAX_EXPR);
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		struct tok t = { .line = line, .col = col };
		size_t start = i;

		if (c == '\n') {
			i++, line++, col = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++, col++;
			continue;
		}
		if (c == '#') { /* comment to end of line */
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		if (is_ident_start(c)) {
			while (i < len && is_ident_char((unsigned char)s[i]))
				i++;
			size_t n = i - start;
			static const struct {
				const char *w;
				enum tok_kind k;
			} kw[] = {
				{ "and", TK_AND },   { "or", TK_OR },       { "not", TK_NOT },
				{ "in", TK_IN },     { "true", TK_TRUE },   { "false", TK_FALSE },
				{ "null", TK_NULL },
			};
			t.k = TK_IDENT;
			for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
				if (strlen(kw[k].w) == n && memcmp(kw[k].w, s + start, n) == 0)
					t.k = kw[k].k;
			if (t.k == TK_IDENT) {
				t.s = mmr_arena_strndup(p->set->arena, s + start, n);
				if (!t.s)
					goto oom;
				t.slen = n;
			}
			col += n;
		} else if (c >= '0' && c <= '9') {
			char num[64];
			/* after '.', an index (a.0.b): digits only */
			bool after_dot = p->ntoks > 0 && p->toks[p->ntoks - 1].k == TK_DOT;
			while (i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
					   (s[i] == '.' && !after_dot && i + 1 < len &&
					    s[i + 1] >= '0' && s[i + 1] <= '9')))
				i++;
			if (!after_dot && i < len && (s[i] == 'e' || s[i] == 'E')) {
				i++;
				if (i < len && (s[i] == '+' || s[i] == '-'))
					i++;
				while (i < len && s[i] >= '0' && s[i] <= '9')
					i++;
			}
			size_t n = 0;
			for (size_t k = start; k < i && n < sizeof(num) - 1; k++)
				if (s[k] != '_')
					num[n++] = s[k];
			num[n] = 0;
			char *end = NULL;
			errno = 0;
			t.n = strtod(num, &end);
			if (i - start >= sizeof(num) || !end || *end || errno || !isfinite(t.n)) {
				mmr_buf_release(&b);
				return perr(p, line, col, "bad number%s", "");
			}
			t.k = TK_NUM;
			col += i - start;
		} else if (c == '"' || c == '\'') {
			char q = (char)c;
			mmr_buf_reset(&b);
			i++, col++;
			for (;;) {
				if (i >= len || s[i] == '\n') {
					mmr_buf_release(&b);
					return perr(p, t.line, t.col, "unterminated string%s", "");
				}
				char ch = s[i];
				if (ch == q) {
					i++, col++;
					break;
				}
				if (ch == '\\') {
					if (i + 1 >= len) {
						mmr_buf_release(&b);
						return perr(p, line, col, "unterminated string%s", "");
					}
					char e = s[i + 1];
					i += 2, col += 2;
					switch (e) {
					case 'n': r = mmr_buf_addc(&b, '\n'); break;
					case 't': r = mmr_buf_addc(&b, '\t'); break;
					case 'r': r = mmr_buf_addc(&b, '\r'); break;
					case '\\': case '"': case '\'': case '/':
						r = mmr_buf_addc(&b, e);
						break;
					case 'u': {
						unsigned long cp = 0;
						for (int k = 0; k < 4; k++) {
							int h = i < len ? mmr_hex_digit(s[i]) : -1;
							if (h < 0) {
								mmr_buf_release(&b);
								return perr(p, line, col,
									    "bad \\u escape%s", "");
							}
							cp = cp * 16 + (unsigned long)h;
							i++, col++;
						}
						if (cp == 0) {
							mmr_buf_release(&b);
							return perr(p, line, col, "\\u0000 in a string%s",
								    "");
						}
						utf8_put(&b, cp);
						r = 0;
						break;
					}
					default:
						mmr_buf_release(&b);
						return perr(p, line, col - 2,
							    "unknown escape in string%s", "");
					}
					if (r < 0)
						goto toobig;
					continue;
				}
				if (mmr_buf_addc(&b, ch) < 0)
					goto toobig;
				i++, col++;
			}
			t.k = TK_STR;
			t.s = mmr_arena_memdup(p->set->arena, b.p, b.len + 1);
			if (!t.s)
				goto oom;
			t.slen = b.len;
		} else {
			char c2 = i + 1 < len ? s[i + 1] : 0;
			size_t n = 1;
			switch (c) {
			case '(': t.k = TK_LPAREN; break;
			case ')': t.k = TK_RPAREN; break;
			case '[': t.k = TK_LBRACK; break;
			case ']': t.k = TK_RBRACK; break;
			case ',': t.k = TK_COMMA; break;
			case '.': t.k = TK_DOT; break;
			case ':': t.k = TK_COLON; break;
			case '*': t.k = TK_STAR; break;
			case '-': t.k = TK_MINUS; break;
			case '+': t.k = TK_PLUS; break;
			case '=':
				if (c2 != '=') {
					mmr_buf_release(&b);
					return perr(p, line, col, "'=' is not an operator (use '==')%s", "");
				}
				t.k = TK_EQ, n = 2;
				break;
			case '!':
				if (c2 == '=')
					t.k = TK_NE, n = 2;
				else
					t.k = TK_NOT;
				break;
			case '<':
				if (c2 == '=')
					t.k = TK_LE, n = 2;
				else
					t.k = TK_LT;
				break;
			case '>':
				if (c2 == '=')
					t.k = TK_GE, n = 2;
				else
					t.k = TK_GT;
				break;
			case '&':
				if (c2 != '&') {
					mmr_buf_release(&b);
					return perr(p, line, col, "unexpected '&' (use 'and')%s", "");
				}
				t.k = TK_AND, n = 2;
				break;
			case '|':
				if (c2 != '|') {
					mmr_buf_release(&b);
					return perr(p, line, col, "unexpected '|' (use 'or')%s", "");
				}
				t.k = TK_OR, n = 2;
				break;
			default: {
				char what[8];
				if (c >= 0x20 && c < 0x7f) {
					what[0] = (char)c;
					what[1] = 0;
				} else {
					what[0] = '?';
					what[1] = 0;
				}
				mmr_buf_release(&b);
				return perr(p, line, col, "unexpected character '%s'", what);
			}
			}
			i += n, col += n;
		}
		if (push_tok(p, &cap, t) < 0)
			goto oom;
	}
	mmr_buf_release(&b);
	struct tok eof = { .k = TK_EOF, .line = line, .col = col };
	if (push_tok(p, &cap, eof) < 0)
		return -ENOMEM;
	return 0;
toobig:
	mmr_buf_release(&b);
	return perr(p, line, col, "string too long%s", "");
oom:
	mmr_buf_release(&b);
	return -ENOMEM;
}

static struct tok *peek(struct parser *p)
{
	return &p->toks[p->pos];
}

static struct tok *peek2(struct parser *p)
{
	return p->pos + 1 < p->ntoks ? &p->toks[p->pos + 1] : &p->toks[p->ntoks - 1];
}

static struct tok *next(struct parser *p)
{
	struct tok *t = &p->toks[p->pos];
	if (t->k != TK_EOF)
		p->pos++;
	return t;
}

static bool accept(struct parser *p, enum tok_kind k)
{
	if (peek(p)->k == k) {
		next(p);
		return true;
	}
	return false;
}

static int expect(struct parser *p, enum tok_kind k)
{
	struct tok *t = peek(p);
	if (t->k == k) {
		next(p);
		return 0;
	}
	char msg[96];
	snprintf(msg, sizeof(msg), "expected %s, found %s", tok_name(k), tok_name(t->k));
	return perr(p, t->line, t->col, "%s", msg);
}

static struct pol_node *node(struct parser *p, enum pol_op op, const struct tok *at)
{
	struct pol_node *n = mmr_arena_alloc(p->set->arena, sizeof(*n));
	if (!n) {
		if (!p->err)
			p->err = -ENOMEM;
		return NULL;
	}
	n->op = op;
	n->line = at->line;
	n->col = at->col;
	n->slot = -1;
	return n;
}

static struct pol_node *lit(struct parser *p, const struct tok *at, json_t *j)
{
	struct pol_node *n;
	if (!j) {
		p->err = p->err ? p->err : -ENOMEM;
		return NULL;
	}
	/* Literals are owned by the set (released with it). */
	n = node(p, POL_LIT, at);
	if (!n || mmr_vec_push(p->set->arena, &p->set->literals, j) < 0) {
		json_decref(j);
		p->err = p->err ? p->err : -ENOMEM;
		return NULL;
	}
	n->lit = j;
	return n;
}

static struct pol_node *parse_expr(struct parser *p);

static int add_arg(struct parser *p, struct pol_node *n, struct pol_node *a, size_t *cap)
{
	if (n->nargs == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct pol_node **na = mmr_arena_realloc(p->set->arena, n->args,
							 *cap * sizeof(*na), nc * sizeof(*na));
		if (!na)
			return p->err = -ENOMEM;
		n->args = na;
		*cap = nc;
	}
	n->args[n->nargs++] = a;
	return 0;
}

static const char *const quant_names[] = { "any", "all", "none", "count" };

static struct pol_node *parse_quant(struct parser *p, struct tok *kw, int q)
{
	/* kw '(' already consumed; now: ident 'in' expr ':' expr ')' */
	struct tok *var = next(p);
	struct pol_node *n = node(p, POL_QUANT, kw);
	if (!n)
		return NULL;
	n->sub = q;
	n->name = quant_names[q];
	next(p); /* 'in' (checked by the caller's look-ahead) */
	n->a = parse_expr(p);
	if (!n->a || expect(p, TK_COLON))
		return NULL;
	if (p->nscope >= MMR_POLICY_MAX_VARS) {
		perr(p, var->line, var->col, "too many nested quantifiers%s", "");
		return NULL;
	}
	if (strcmp(var->s, "self") == 0) {
		perr(p, var->line, var->col, "'self' cannot be a quantifier variable%s", "");
		return NULL;
	}
	n->slot = p->nscope;
	p->scope[p->nscope++] = var->s;
	if (p->nscope > p->maxslots)
		p->maxslots = p->nscope;
	n->b = parse_expr(p);
	p->nscope--;
	if (!n->b || expect(p, TK_RPAREN))
		return NULL;
	return n;
}

static struct pol_node *parse_primary(struct parser *p)
{
	struct tok *t = peek(p);
	struct pol_node *n;

	switch (t->k) {
	case TK_NUM:
		next(p);
		return lit(p, t, json_real(t->n));
	case TK_STR:
		next(p);
		return lit(p, t, json_stringn(t->s, t->slen));
	case TK_TRUE:
		next(p);
		return lit(p, t, json_true());
	case TK_FALSE:
		next(p);
		return lit(p, t, json_false());
	case TK_NULL:
		next(p);
		return lit(p, t, json_null());
	case TK_LPAREN:
		next(p);
		n = parse_expr(p);
		if (!n || expect(p, TK_RPAREN))
			return NULL;
		return n;
	case TK_LBRACK: {
		size_t cap = 0;
		next(p);
		n = node(p, POL_LIST, t);
		if (!n)
			return NULL;
		if (accept(p, TK_RBRACK))
			return n;
		for (;;) {
			struct pol_node *e = parse_expr(p);
			if (!e || add_arg(p, n, e, &cap))
				return NULL;
			if (accept(p, TK_COMMA)) {
				if (accept(p, TK_RBRACK))
					return n;
				continue;
			}
			if (expect(p, TK_RBRACK))
				return NULL;
			return n;
		}
	}
	case TK_IDENT: {
		next(p);
		if (peek(p)->k == TK_LPAREN) {
			next(p);
			for (int q = 0; q < 4; q++)
				if (strcmp(t->s, quant_names[q]) == 0 && peek(p)->k == TK_IDENT &&
				    peek2(p)->k == TK_IN)
					return parse_quant(p, t, q);
			const struct pol_builtin *fn = mmr_pol_builtin_find(t->s);
			if (!fn) {
				perr(p, t->line, t->col, "unknown function '%s'", t->s);
				return NULL;
			}
			size_t cap = 0;
			n = node(p, POL_CALL, t);
			if (!n)
				return NULL;
			n->name = fn->name;
			n->fn = fn;
			if (!accept(p, TK_RPAREN)) {
				for (;;) {
					struct pol_node *e = parse_expr(p);
					if (!e || add_arg(p, n, e, &cap))
						return NULL;
					if (accept(p, TK_COMMA))
						continue;
					if (expect(p, TK_RPAREN))
						return NULL;
					break;
				}
			}
			if ((int)n->nargs < fn->min_args || (int)n->nargs > fn->max_args) {
				char msg[128];
				if (fn->min_args == fn->max_args)
					snprintf(msg, sizeof(msg), "%s() takes %d argument%s, got %zu",
						 fn->name, fn->min_args, fn->min_args == 1 ? "" : "s",
						 n->nargs);
				else
					snprintf(msg, sizeof(msg), "%s() takes %d to %d arguments, got %zu",
						 fn->name, fn->min_args, fn->max_args, n->nargs);
				perr(p, t->line, t->col, "%s", msg);
				return NULL;
			}
			int r = mmr_pol_builtin_prepare(p->set, n, p->file, p->reterr);
			if (r < 0) {
				p->err = r;
				return NULL;
			}
			return n;
		}
		if (strcmp(t->s, "self") == 0)
			return node(p, POL_SELF, t);
		for (int i = p->nscope - 1; i >= 0; i--) {
			if (strcmp(p->scope[i], t->s) == 0) {
				n = node(p, POL_VAR, t);
				if (n) {
					n->slot = i;
					n->name = t->s;
				}
				return n;
			}
		}
		/* A bare name: a field of self. */
		struct pol_node *s = node(p, POL_SELF, t);
		if (!s)
			return NULL;
		n = node(p, POL_FIELD, t);
		if (!n)
			return NULL;
		n->a = s;
		n->name = t->s;
		return n;
	}
	default: {
		char msg[96];
		snprintf(msg, sizeof(msg), "expected a value, found %s", tok_name(t->k));
		perr(p, t->line, t->col, "%s", msg);
		return NULL;
	}
	}
}

static struct pol_node *parse_postfix(struct parser *p)
{
	struct pol_node *n = parse_primary(p);
	while (n) {
		struct tok *t = peek(p);
		if (t->k == TK_DOT) {
			next(p);
			struct tok *m = next(p);
			if (m->k != TK_IDENT && m->k != TK_STR && m->k != TK_NUM &&
			    !(m->k >= TK_AND && m->k <= TK_NULL)) {
				perr(p, m->line, m->col, "expected a field name after '.'%s", "");
				return NULL;
			}
			struct pol_node *f;
			if (m->k == TK_NUM) { /* a.0: legacy index */
				f = node(p, POL_INDEX, t);
				if (!f)
					return NULL;
				f->a = n;
				f->b = lit(p, m, json_real(m->n));
				if (!f->b)
					return NULL;
				n = f;
				continue;
			}
			f = node(p, POL_FIELD, t);
			if (!f)
				return NULL;
			f->a = n;
			if (m->k == TK_IDENT || m->k == TK_STR) {
				f->name = m->s;
			} else { /* a keyword used as a field name: x.in, x.not */
				const char *kw = tok_name(m->k) + 1; /* "'and'" -> "and'" */
				f->name = mmr_arena_strndup(p->set->arena, kw, strlen(kw) - 1);
			}
			if (!f->name) {
				p->err = -ENOMEM;
				return NULL;
			}
			n = f;
		} else if (t->k == TK_LBRACK) {
			next(p);
			if (accept(p, TK_STAR)) {
				if (expect(p, TK_RBRACK))
					return NULL;
				struct pol_node *s = node(p, POL_SPLAT, t);
				if (!s)
					return NULL;
				s->a = n;
				n = s;
				continue;
			}
			struct pol_node *ix = node(p, POL_INDEX, t);
			if (!ix)
				return NULL;
			ix->a = n;
			if (++p->depth > MMR_POLICY_MAX_DEPTH) {
				perr(p, t->line, t->col, "condition nests too deep%s", "");
				return NULL;
			}
			ix->b = parse_expr(p);
			p->depth--;
			if (!ix->b || expect(p, TK_RBRACK))
				return NULL;
			n = ix;
		} else {
			break;
		}
	}
	return n;
}

static struct pol_node *parse_unary(struct parser *p)
{
	struct tok *t = peek(p);
	if (t->k == TK_MINUS) {
		next(p);
		if (++p->depth > MMR_POLICY_MAX_DEPTH) {
			perr(p, t->line, t->col, "condition nests too deep%s", "");
			return NULL;
		}
		struct pol_node *n = node(p, POL_NEG, t);
		if (n)
			n->a = parse_unary(p);
		p->depth--;
		return n && n->a ? n : NULL;
	}
	return parse_postfix(p);
}

static struct pol_node *parse_add(struct parser *p)
{
	struct pol_node *l = parse_unary(p);
	while (l && (peek(p)->k == TK_PLUS || peek(p)->k == TK_MINUS)) {
		struct tok *t = next(p);
		struct pol_node *n = node(p, POL_ADD, t);
		if (!n)
			return NULL;
		n->sub = t->k == TK_MINUS;
		n->a = l;
		n->b = parse_unary(p);
		if (!n->b)
			return NULL;
		l = n;
	}
	return l;
}

static struct pol_node *parse_cmp(struct parser *p)
{
	struct pol_node *l = parse_add(p);
	if (!l)
		return NULL;
	struct tok *t = peek(p);
	int cmp = -1;
	switch (t->k) {
	case TK_EQ: cmp = CMP_EQ; break;
	case TK_NE: cmp = CMP_NE; break;
	case TK_LT: cmp = CMP_LT; break;
	case TK_LE: cmp = CMP_LE; break;
	case TK_GT: cmp = CMP_GT; break;
	case TK_GE: cmp = CMP_GE; break;
	default: break;
	}
	struct pol_node *n;
	if (cmp >= 0) {
		next(p);
		n = node(p, POL_CMP, t);
		if (!n)
			return NULL;
		n->sub = cmp;
	} else if (t->k == TK_IN || (t->k == TK_NOT && peek2(p)->k == TK_IN)) {
		n = node(p, POL_IN, t);
		if (!n)
			return NULL;
		if (t->k == TK_NOT) {
			next(p);
			n->sub = 1;
		}
		next(p);
	} else {
		return l;
	}
	n->a = l;
	n->b = parse_add(p);
	if (!n->b)
		return NULL;
	struct tok *t2 = peek(p);
	if (t2->k >= TK_EQ && t2->k <= TK_GE) {
		perr(p, t2->line, t2->col,
		     "comparisons do not chain; use 'and' or parentheses%s", "");
		return NULL;
	}
	return n;
}

static struct pol_node *parse_not(struct parser *p)
{
	struct tok *t = peek(p);
	if (t->k == TK_NOT) {
		next(p);
		if (++p->depth > MMR_POLICY_MAX_DEPTH) {
			perr(p, t->line, t->col, "condition nests too deep%s", "");
			return NULL;
		}
		struct pol_node *n = node(p, POL_NOT, t);
		if (n)
			n->a = parse_not(p);
		p->depth--;
		return n && n->a ? n : NULL;
	}
	return parse_cmp(p);
}

static struct pol_node *parse_and(struct parser *p)
{
	struct pol_node *l = parse_not(p);
	while (l && peek(p)->k == TK_AND) {
		struct tok *t = next(p);
		struct pol_node *n = node(p, POL_AND, t);
		if (!n)
			return NULL;
		n->a = l;
		n->b = parse_not(p);
		if (!n->b)
			return NULL;
		l = n;
	}
	return l;
}

static struct pol_node *parse_expr(struct parser *p)
{
	struct tok *t0 = peek(p);
	if (++p->depth > MMR_POLICY_MAX_DEPTH) {
		perr(p, t0->line, t0->col, "condition nests too deep%s", "");
		return NULL;
	}
	struct pol_node *l = parse_and(p);
	while (l && peek(p)->k == TK_OR) {
		struct tok *t = next(p);
		struct pol_node *n = node(p, POL_OR, t);
		if (!n) {
			l = NULL;
			break;
		}
		n->a = l;
		n->b = parse_and(p);
		l = n->b ? n : NULL;
	}
	p->depth--;
	return l;
}

int mmr_policy_compile(struct mmr_policy_set *s, const char *text, size_t len, const char *file,
		       unsigned long line, unsigned long col, struct mmr_policy_expr **ret,
		       struct mmr_error *reterr)
{
	struct parser p = { .set = s, .file = file, .reterr = reterr };
	int r;

	if (!s || !text || !ret)
		return -EINVAL;
	if (len > MMR_POLICY_MAX_EXPR)
		return mmr_error_set(reterr, E2BIG, file, line, col,
				     "condition longer than %d bytes", MMR_POLICY_MAX_EXPR);
	if (memchr(text, 0, len))
		return mmr_error_set(reterr, EBADMSG, file, line, col, "NUL byte in condition");
	r = lex(&p, text, len, line ? line : 1, col ? col : 1);
	if (r < 0)
		return r;
	if (p.ntoks == 1)
		return mmr_error_set(reterr, EBADMSG, file, line, col, "empty condition");
	struct pol_node *root = parse_expr(&p);
	if (!root)
		return p.err ? p.err : -ENOMEM;
	if (peek(&p)->k != TK_EOF) {
		struct tok *t = peek(&p);
		char msg[96];
		snprintf(msg, sizeof(msg), "unexpected %s after the condition", tok_name(t->k));
		return mmr_error_set(reterr, EBADMSG, file, t->line, t->col, "%s", msg);
	}
	struct mmr_policy_expr *e = mmr_arena_alloc(s->arena, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->root = root;
	e->file = file;
	e->nslots = p.maxslots;
	*ret = e;
	return 0;
}
