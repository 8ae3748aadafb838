/* secret-engine.c - one Vectorscan database for every rule, PCRE2 to confirm.
 * (The scheme is described in secret.h.) */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "secret/secret-internal.h"

/* ---- compiling ---- */

/* A keyword as a Vectorscan regex: every byte that is not alphanumeric
 * escaped as \xHH. */
static char *keyword_regex(const char *kw)
{
	size_t n = strlen(kw);
	char *out = malloc(n * 4 + 1), *p = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)kw[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			*p++ = (char)c;
		} else {
			static const char hex[] = "0123456789abcdef";
			*p++ = '\\';
			*p++ = 'x';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = 0;
	return out;
}

struct pats {
	char **expr;
	unsigned *flags, *ids, *kwlen;
	size_t n, cap;
};

static int pats_add(struct pats *p, char *expr, unsigned flags, unsigned rule, unsigned kwlen)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		char **e = realloc(p->expr, cap * sizeof(*e));
		if (e)
			p->expr = e;
		unsigned *f = realloc(p->flags, cap * sizeof(*f));
		if (f)
			p->flags = f;
		unsigned *i = realloc(p->ids, cap * sizeof(*i));
		if (i)
			p->ids = i;
		unsigned *k = realloc(p->kwlen, cap * sizeof(*k));
		if (k)
			p->kwlen = k;
		if (!e || !f || !i || !k)
			return -ENOMEM;
		p->cap = cap;
	}
	p->expr[p->n] = expr;
	p->flags[p->n] = flags;
	p->ids[p->n] = rule;
	p->kwlen[p->n] = kwlen;
	p->n++;
	return 0;
}

static void pats_release(struct pats *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->expr[i]);
	free(p->expr);
	free(p->flags);
	free(p->ids);
	free(p->kwlen);
}

/* Drop every pattern of rule `rule` from the list. */
static void pats_drop_rule(struct pats *p, unsigned rule)
{
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->ids[i] == rule) {
			free(p->expr[i]);
			continue;
		}
		p->expr[k] = p->expr[i];
		p->flags[k] = p->flags[i];
		p->ids[k] = p->ids[i];
		p->kwlen[k] = p->kwlen[i];
		k++;
	}
	p->n = k;
}

static int set_note(struct mmr_secret_rule *r, const char *msg)
{
	free(r->note);
	r->note = strdup(msg);
	return r->note ? 0 : -ENOMEM;
}

/* Does every match of the regex start with one of its keywords? True when
 * it begins with a group of plain alternatives, `(?i)(?:key|api|token)`, each
 * a keyword, the group not optional and no `|` outside groups after it; and
 * no keyword of the rule lies inside another (so keyword ends come in the
 * order of their starts). Such a rule is tried only where a keyword starts
 * (PCRE2_ANCHORED), not at every byte of the window. Sets *is_start[k] for
 * the keywords the regex can start with. */
static bool starts_with_keyword(const struct mmr_secret_rule *r, bool *is_start)
{
	const char *p = r->regex;
	if (r->multiline || !p || !r->nkeywords)
		return false;
	for (size_t a = 0; a < r->nkeywords; a++)
		for (size_t b = 0; b < r->nkeywords; b++)
			if (a != b && strstr(r->keywords[a], r->keywords[b]))
				return false;
	if (strncmp(p, "(?i)", 4) == 0)
		p += 4;
	if (strncmp(p, "(?:", 3) != 0)
		return false;
	p += 3;
	memset(is_start, 0, r->nkeywords * sizeof(*is_start));
	for (;;) {
		size_t n = 0;
		char lit[64];
		while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
		       (p[n] >= '0' && p[n] <= '9') || p[n] == '_') {
			if (n + 1 >= sizeof(lit))
				return false;
			lit[n] = (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] - 'A' + 'a' : p[n]);
			n++;
		}
		lit[n] = 0;
		bool found = false;
		for (size_t k = 0; n && k < r->nkeywords; k++)
			if (strcmp(r->keywords[k], lit) == 0)
				found = is_start[k] = true;
		if (!found)
			return false;
		p += n;
		if (*p == ')')
			break;
		if (*p != '|')
			return false;
		p++;
	}
	p++;
	if (*p == '?' || *p == '*' || *p == '{')
		return false;
	/* no alternative at the top level after the group */
	int depth = 0;
	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return false;
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				if (*p++ == '\\' && *p)
					p++;
			if (!*p)
				return false;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (--depth < 0)
				return false;
		} else if (*p == '|' && depth == 0) {
			return false;
		}
	}
	return true;
}

int mmr_secret_compile_engine(struct mmr_secret_rules *rs, struct mmr_error *reterr)
{
	int rc = 0;
	struct pats p = { 0 };
	if (!(rs->mctx = pcre2_match_context_create(NULL)))
		return -ENOMEM;
	pcre2_set_match_limit(rs->mctx, MMR_SECRET_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, MMR_SECRET_DEPTH_LIMIT);

	for (size_t i = 0; i < rs->n; i++) {
		struct mmr_secret_rule *r = &rs->rules[i];
		if (!r->re) {
			r->pf = MMR_SECRET_PF_PATH;
			continue;
		}
		if (r->nkeywords) {
			r->pf = MMR_SECRET_PF_KEYWORDS;
			bool *is_start = calloc(r->nkeywords, sizeof(*is_start));
			if (!is_start) {
				rc = -ENOMEM;
				goto out;
			}
			r->anchored = starts_with_keyword(r, is_start);
			if (r->anchored) {
				/* compiled anchored for JIT (PCRE2_ANCHORED at match
				 * time would run the interpreter) */
				int ec;
				PCRE2_SIZE eo;
				r->re_at = pcre2_compile((PCRE2_SPTR)r->regex, PCRE2_ZERO_TERMINATED,
							 PCRE2_DOLLAR_ENDONLY | PCRE2_ANCHORED, &ec, &eo,
							 NULL);
				if (r->re_at)
					(void)pcre2_jit_compile(r->re_at, PCRE2_JIT_COMPLETE);
				else
					r->anchored = false;
			}
			for (size_t k = 0; k < r->nkeywords; k++) {
				char *e = keyword_regex(r->keywords[k]);
				unsigned kl = r->anchored && is_start[k] ? (unsigned)strlen(r->keywords[k]) : 0;
				if (!e || pats_add(&p, e, HS_FLAG_CASELESS, (unsigned)i, kl) < 0) {
					free(e);
					free(is_start);
					rc = -ENOMEM;
					goto out;
				}
			}
			free(is_start);
			continue;
		}
		/* no keywords: the regex itself as a prefilter, when Vectorscan
		 * can take it and it cannot match the empty string */
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *ce = NULL;
		if (hs_expression_info(r->regex, HS_FLAG_PREFILTER, &info, &ce) != HS_SUCCESS) {
			r->pf = MMR_SECRET_PF_NONE;
			rc = set_note(r, ce && ce->message ? ce->message : "not accepted by Vectorscan");
			hs_free_compile_error(ce);
			if (rc < 0)
				goto out;
			continue;
		}
		bool empty = info->min_width == 0;
		free(info);
		if (empty) {
			r->pf = MMR_SECRET_PF_NONE;
			if ((rc = set_note(r, "the regex can match an empty string")) < 0)
				goto out;
			continue;
		}
		char *e = strdup(r->regex);
		r->pf = MMR_SECRET_PF_HS;
		if (!e || pats_add(&p, e, HS_FLAG_PREFILTER, (unsigned)i, 0) < 0) {
			free(e);
			rc = -ENOMEM;
			goto out;
		}
	}

	/* compile; a pattern Vectorscan still refuses moves its rule to PCRE2 */
	while (p.n) {
		hs_compile_error_t *ce = NULL;
		hs_database_t *db = NULL;
		unsigned *seq = malloc(p.n * sizeof(*seq));
		if (!seq) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < p.n; i++)
			seq[i] = (unsigned)i;
		hs_error_t he = hs_compile_multi((const char *const *)p.expr, p.flags, seq,
						 (unsigned)p.n, HS_MODE_BLOCK, NULL, &db, &ce);
		free(seq);
		if (he == HS_SUCCESS) {
			rs->db = db;
			break;
		}
		if (!ce || ce->expression < 0 || (size_t)ce->expression >= p.n) {
			rc = mmr_error_set(reterr, EINVAL, NULL, 0, 0, "Vectorscan: %s",
					   ce && ce->message ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			goto out;
		}
		unsigned rule = p.ids[ce->expression];
		struct mmr_secret_rule *r = &rs->rules[rule];
		if (r->pf == MMR_SECRET_PF_KEYWORDS) {
			/* a literal keyword cannot fail; treat as fatal */
			rc = mmr_error_set(reterr, EINVAL, NULL, 0, 0, "Vectorscan: keyword of rule '%s': %s",
					   r->id, ce->message);
			hs_free_compile_error(ce);
			goto out;
		}
		r->pf = MMR_SECRET_PF_NONE;
		rc = set_note(r, ce->message);
		hs_free_compile_error(ce);
		if (rc < 0)
			goto out;
		pats_drop_rule(&p, rule);
	}
	if (p.n) {
		if (!(rs->hs_rule = malloc(p.n * sizeof(*rs->hs_rule)))) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(rs->hs_rule, p.ids, p.n * sizeof(*rs->hs_rule));
		if (!(rs->hs_kwlen = malloc(p.n * sizeof(*rs->hs_kwlen)))) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(rs->hs_kwlen, p.kwlen, p.n * sizeof(*rs->hs_kwlen));
		rs->nhs = p.n;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].pf == MMR_SECRET_PF_NONE) {
			size_t *v = realloc(rs->always, (rs->nalways + 1) * sizeof(*v));
			if (!v) {
				rc = -ENOMEM;
				goto out;
			}
			rs->always = v;
			rs->always[rs->nalways++] = i;
		}
out:
	pats_release(&p);
	return rc;
}

/* ---- scanning ---- */

struct mmr_secret_scratch {
	hs_scratch_t *hs;
	pcre2_match_data *md;
	size_t nrules;
	size_t *done_until;  /* per rule: confirmed up to this offset */
	size_t *last_end;    /* per rule: end of the last hit */
	signed char *path_ok;/* per rule: 1 path matches (or none), 0 not */
	/* the scan in progress */
	const struct mmr_secret_rules *rs;
	const uint8_t *data;
	size_t len;
	const char *path, *commit;
	mmr_secret_hit_fn fn;
	void *ud;
	int rc, nhits;
	size_t line_pos;
	unsigned long line_no;
};

int mmr_secret_scratch_new(const struct mmr_secret_rules *rs, struct mmr_secret_scratch **ret)
{
	struct mmr_secret_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->nrules = rs->n;
	size_t n = rs->n ? rs->n : 1;
	s->done_until = calloc(n, sizeof(*s->done_until));
	s->last_end = calloc(n, sizeof(*s->last_end));
	s->path_ok = calloc(n, 1);
	s->md = pcre2_match_data_create(100, NULL);
	if (!s->done_until || !s->last_end || !s->path_ok || !s->md ||
	    (rs->db && hs_alloc_scratch(rs->db, &s->hs) != HS_SUCCESS)) {
		mmr_secret_scratch_free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

void mmr_secret_scratch_free(struct mmr_secret_scratch *s)
{
	if (!s)
		return;
	if (s->hs)
		hs_free_scratch(s->hs);
	pcre2_match_data_free(s->md);
	free(s->done_until);
	free(s->last_end);
	free(s->path_ok);
	free(s);
}

static bool re_match(const pcre2_code *re, const struct mmr_secret_rules *rs,
		     struct mmr_secret_scratch *s, const char *p, size_t n)
{
	return pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, s->md, rs->mctx) >= 0;
}

static bool contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (!m)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m) {
			unsigned char c = (unsigned char)hay[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if (c != (unsigned char)needle[k])
				break;
			k++;
		}
		if (k == m)
			return true;
	}
	return false;
}

struct cand {
	const char *secret, *match, *line;
	size_t nsecret, nmatch, nline;
};

static bool allowlist_allows(const struct mmr_secret_allowlist *al, const struct mmr_secret_rules *rs,
			     struct mmr_secret_scratch *s, const struct cand *c)
{
	bool any = false, all = true;
	if (al->ncommits) {
		bool ok = false;
		for (size_t i = 0; s->commit && i < al->ncommits; i++)
			if (strcmp(al->commits[i], s->commit) == 0)
				ok = true;
		any |= ok;
		all &= ok;
	}
	if (al->npaths) {
		bool ok = false;
		for (size_t i = 0; s->path && !ok && i < al->npaths; i++)
			ok = re_match(al->paths[i], rs, s, s->path, strlen(s->path));
		any |= ok;
		all &= ok;
	}
	if (al->nregexes) {
		bool ok = false;
		const char *t = al->target == MMR_SECRET_T_MATCH ? c->match :
				al->target == MMR_SECRET_T_LINE	 ? c->line :
								   c->secret;
		size_t tn = al->target == MMR_SECRET_T_MATCH ? c->nmatch :
			    al->target == MMR_SECRET_T_LINE  ? c->nline :
							       c->nsecret;
		for (size_t i = 0; !ok && i < al->nregexes; i++)
			ok = re_match(al->regexes[i], rs, s, t, tn);
		any |= ok;
		all &= ok;
	}
	if (al->nstopwords) {
		bool ok = false;
		for (size_t i = 0; !ok && i < al->nstopwords; i++)
			ok = contains_ci(c->secret, c->nsecret, al->stopwords[i]);
		any |= ok;
		all &= ok;
	}
	return al->and ? all : any;
}

static size_t line_start(const uint8_t *d, size_t pos, size_t cap)
{
	size_t lim = pos > cap ? pos - cap : 0;
	const uint8_t *nl = pos > lim ? memrchr(d + lim, '\n', pos - lim) : NULL;
	return nl ? (size_t)(nl - d) + 1 : lim;
}

static size_t line_end(const uint8_t *d, size_t len, size_t pos, size_t cap)
{
	size_t lim = len - pos > cap ? pos + cap : len;
	const uint8_t *nl = memchr(d + pos, '\n', lim - pos);
	return nl ? (size_t)(nl - d) : lim;
}

static unsigned long line_of(struct mmr_secret_scratch *s, size_t pos)
{
	if (pos < s->line_pos) {
		s->line_pos = 0;
		s->line_no = 1;
	}
	const uint8_t *p = s->data + s->line_pos, *end = s->data + pos;
	unsigned long n = s->line_no;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	s->line_pos = pos;
	s->line_no = n;
	return n;
}

static bool inline_allowed(const uint8_t *d, size_t a, size_t b)
{
	static const char *const marks[] = { "mamori:allow-secret", "gitleaks:allow" };
	for (size_t i = 0; i < 2; i++) {
		size_t m = strlen(marks[i]);
		if (b - a >= m && memmem(d + a, b - a, marks[i], m))
			return true;
	}
	return false;
}

static bool has_digit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= '0' && p[i] <= '9')
			return true;
	return false;
}

/* Examine one regex match; emit a hit unless something allows it. */
static int consider(struct mmr_secret_scratch *s, size_t ri, const PCRE2_SIZE *ov, int ngroups)
{
	const struct mmr_secret_rules *rs = s->rs;
	const struct mmr_secret_rule *r = &rs->rules[ri];
	size_t ms = ov[0], me = ov[1], ss = ms, se = me;
	if (r->secret_group > 0) {
		if (r->secret_group >= ngroups || ov[2 * r->secret_group] == PCRE2_UNSET)
			return 0;
		ss = ov[2 * r->secret_group];
		se = ov[2 * r->secret_group + 1];
	} else {
		for (int g = 1; g < ngroups; g++)
			if (ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g]) {
				ss = ov[2 * g];
				se = ov[2 * g + 1];
				break;
			}
	}
	if (se <= ss)
		return 0;
	const char *d = (const char *)s->data;
	double ent = mmr_secret_entropy(d + ss, se - ss);
	if (r->entropy > 0) {
		if (ent <= r->entropy)
			return 0;
		if (strncmp(r->id, "generic", 7) == 0 && !has_digit(d + ss, se - ss))
			return 0;
	}
	size_t ls = line_start(s->data, ms, MMR_SECRET_LINE_WINDOW);
	size_t le = line_end(s->data, s->len, me > ms ? me - 1 : me, MMR_SECRET_LINE_WINDOW);
	if (inline_allowed(s->data, ls, le))
		return 0;
	struct cand c = { d + ss, d + ms, d + ls, se - ss, me - ms, le - ls };
	for (size_t i = 0; i < r->nal; i++)
		if (allowlist_allows(&r->al[i], rs, s, &c))
			return 0;
	for (size_t i = 0; i < rs->nal; i++) {
		const struct mmr_secret_allowlist *al = &rs->al[i];
		if (al->ntarget_rules) {
			bool t = false;
			for (size_t k = 0; !t && k < al->ntarget_rules; k++)
				t = strcmp(al->target_rules[k], r->id) == 0;
			if (!t)
				continue;
		}
		if (allowlist_allows(al, rs, s, &c))
			return 0;
	}
	struct mmr_secret_hit h = {
		.rule = ri,
		.rule_id = r->id,
		.match_start = ms,
		.match_end = me,
		.secret_start = ss,
		.secret_end = se,
		.entropy = ent,
	};
	h.line = line_of(s, ss);
	h.col = ss - line_start(s->data, ss, SIZE_MAX) + 1;
	h.end_line = line_of(s, se);
	s->nhits++;
	int rc = s->fn ? s->fn(s->ud, &h) : 0;
	if (rc < 0)
		s->rc = rc;
	return rc;
}

/* Run rule ri's regex over [ws, we) of the buffer. */
static int confirm(struct mmr_secret_scratch *s, size_t ri, size_t ws, size_t we)
{
	const struct mmr_secret_rule *r = &s->rs->rules[ri];
	uint32_t opts = we < s->len ? PCRE2_NOTEOL : 0;
	size_t off = ws;
	while (off <= we) {
		int n = pcre2_match(r->re, (PCRE2_SPTR)s->data, we, off, opts, s->md, s->rs->mctx);
		if (n < 0)
			break; /* no match, or a limit: bounded either way */
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		size_t ms = ov[0], me = ov[1];
		if (ms >= s->last_end[ri] || s->last_end[ri] == 0) {
			int rc = consider(s, ri, ov, n);
			if (rc < 0)
				return rc;
			if (me > ms)
				s->last_end[ri] = me;
			if (s->nhits >= MMR_SECRET_MAX_PER_FILE)
				return 1;
		}
		off = me > off ? me : off + 1;
	}
	return 0;
}

/* An anchored rule (starts_with_keyword) tried at one keyword start, the
 * subject ending where the window ends. Same results as confirm() over the
 * window: each match starts at some keyword, tried in the order they come. */
static int confirm_at(struct mmr_secret_scratch *s, size_t ri, size_t from, size_t we)
{
	const struct mmr_secret_rule *r = &s->rs->rules[ri];
	uint32_t opts = we < s->len ? PCRE2_NOTEOL : 0;
	if (from >= we)
		return 0;
	int n = pcre2_match(r->re_at, (PCRE2_SPTR)s->data, we, from, opts, s->md, s->rs->mctx);
	if (n < 0)
		return 0;
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	size_t ms = ov[0], me = ov[1];
	if (ms < s->last_end[ri] && s->last_end[ri] != 0)
		return 0;
	int rc = consider(s, ri, ov, n);
	if (rc < 0)
		return rc;
	if (me > ms)
		s->last_end[ri] = me;
	return s->nhits >= MMR_SECRET_MAX_PER_FILE ? 1 : 0;
}

static int on_hs(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		 void *ctx)
{
	(void)from;
	(void)flags;
	struct mmr_secret_scratch *s = ctx;
	size_t ri = s->rs->hs_rule[id];
	const struct mmr_secret_rule *r = &s->rs->rules[ri];
	if (!s->path_ok[ri])
		return 0;
	size_t hit = (size_t)to ? (size_t)to - 1 : 0;
	if (r->anchored && s->done_until[ri] && hit < s->done_until[ri]) {
		/* inside the window of an earlier keyword: tried with its end */
		unsigned kl = s->rs->hs_kwlen[id];
		return kl && to >= kl ? confirm_at(s, ri, (size_t)to - kl, s->done_until[ri]) != 0 : 0;
	}
	if (s->done_until[ri] && hit < s->done_until[ri])
		return 0;
	size_t ws, we;
	if (r->pf == MMR_SECRET_PF_KEYWORDS) {
		/* the keyword starts near the match: its line, then forward */
		ws = line_start(s->data, hit, MMR_SECRET_LINE_WINDOW);
		if (r->multiline) {
			we = s->len - hit > MMR_SECRET_MULTILINE_WINDOW ? hit + MMR_SECRET_MULTILINE_WINDOW :
									 s->len;
		} else {
			we = line_end(s->data, s->len, hit, MMR_SECRET_LINE_WINDOW);
			if (we < s->len)
				we = line_end(s->data, s->len, we + 1, MMR_SECRET_LINE_WINDOW);
			if (we < s->len)
				we++; /* the newline: `\s` and `$`-like ends see it */
		}
	} else {
		/* a prefilter match ends at `to`: look back */
		we = line_end(s->data, s->len, hit, MMR_SECRET_LINE_WINDOW);
		if (we < s->len)
			we++;
		if (r->multiline) {
			ws = hit > MMR_SECRET_MULTILINE_WINDOW ? hit - MMR_SECRET_MULTILINE_WINDOW : 0;
		} else {
			ws = line_start(s->data, hit, MMR_SECRET_LINE_WINDOW);
			if (ws > 0)
				ws = line_start(s->data, ws - 1, MMR_SECRET_LINE_WINDOW);
		}
		if (ws < s->last_end[ri])
			ws = s->last_end[ri];
	}
	s->done_until[ri] = we ? we : 1;
	if (r->anchored) {
		unsigned kl = s->rs->hs_kwlen[id];
		return kl && to >= kl ? confirm_at(s, ri, (size_t)to - kl, we) != 0 : 0;
	}
	int rc = confirm(s, ri, ws, we);
	return rc != 0; /* non-zero stops Vectorscan */
}

static bool path_match(const struct mmr_secret_rules *rs, struct mmr_secret_scratch *s,
		       const pcre2_code *re)
{
	return s->path && re_match(re, rs, s, s->path, strlen(s->path));
}

/* md: match data to use, or NULL (one is made) */
static bool path_allowed(const struct mmr_secret_rules *rs, const char *path, pcre2_match_data *md)
{
	/* only global allowlists that are paths alone, for every rule */
	pcre2_match_data *own = NULL;
	bool ok = false;
	size_t len = strlen(path);
	for (size_t i = 0; !ok && i < rs->nal; i++) {
		const struct mmr_secret_allowlist *al = &rs->al[i];
		if (al->ntarget_rules || !al->npaths)
			continue;
		if (al->and && (al->nregexes || al->nstopwords || al->ncommits))
			continue;
		if (!md && !(md = own = pcre2_match_data_create(1, NULL)))
			return false;
		for (size_t k = 0; !ok && k < al->npaths; k++)
			ok = pcre2_match(al->paths[k], (PCRE2_SPTR)path, len, 0, 0, md, rs->mctx) >= 0;
	}
	pcre2_match_data_free(own);
	return ok;
}

bool mmr_secret_path_allowed(const struct mmr_secret_rules *rs, const char *path)
{
	return path_allowed(rs, path, NULL);
}

int mmr_secret_scan(const struct mmr_secret_rules *rs, struct mmr_secret_scratch *s,
		    const char *path, const char *commit, const uint8_t *data, size_t len,
		    mmr_secret_hit_fn fn, void *ud)
{
	if (s->nrules != rs->n)
		return -EINVAL;
	if (len > UINT_MAX)
		len = UINT_MAX;
	s->rs = rs;
	s->data = data;
	s->len = len;
	s->path = path;
	s->commit = commit;
	s->fn = fn;
	s->ud = ud;
	s->rc = 0;
	s->nhits = 0;
	s->line_pos = 0;
	s->line_no = 1;
	memset(s->done_until, 0, rs->n * sizeof(*s->done_until));
	memset(s->last_end, 0, rs->n * sizeof(*s->last_end));
	bool path_only_hits = false;
	for (size_t i = 0; i < rs->n; i++) {
		const struct mmr_secret_rule *r = &rs->rules[i];
		s->path_ok[i] = r->path ? path_match(rs, s, r->path) : 1;
		if (r->pf == MMR_SECRET_PF_PATH && s->path_ok[i] && path)
			path_only_hits = true;
	}
	if (path && path_allowed(rs, path, s->md))
		return 0;
	/* path-only rules: the file's presence is the finding */
	for (size_t i = 0; path_only_hits && i < rs->n; i++) {
		const struct mmr_secret_rule *r = &rs->rules[i];
		if (r->pf != MMR_SECRET_PF_PATH || !s->path_ok[i])
			continue;
		struct mmr_secret_hit h = { .rule = i, .rule_id = r->id };
		s->nhits++;
		if (fn && (s->rc = fn(ud, &h)) < 0)
			return s->rc;
	}
	if (rs->db && len) {
		hs_error_t he = hs_scan(rs->db, (const char *)data, (unsigned)len, 0, s->hs, on_hs, s);
		if (s->rc < 0)
			return s->rc;
		(void)he; /* HS_SCAN_TERMINATED: the per-file cap */
	}
	for (size_t k = 0; k < rs->nalways && s->nhits < MMR_SECRET_MAX_PER_FILE; k++) {
		size_t ri = rs->always[k];
		if (!s->path_ok[ri])
			continue;
		int rc = confirm(s, ri, 0, len);
		if (rc < 0)
			return rc;
	}
	return s->nhits;
}
