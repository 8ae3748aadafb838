/* iac-dockerfile.c - a Dockerfile parser written from the Dockerfile
 * reference (docs.docker.com/reference/dockerfile), producing the document
 * iac-dockerfile.h describes. */
#include "iac/iac-dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core-buf.h"
#include "model/model.h"

struct df {
	struct mmr_iac_set *set;
	struct mmr_arena *a;
	const char *file;
	const char *p, *end; /* cursor over the source */
	unsigned long line;  /* line number of the line at p */
	size_t max_line;
	char esc;
	bool directives_open;
	json_t *doc, *pos, *stages, *all, *args, *globals, *directives;
	json_t *stage; /* current stage (borrowed from stages), or NULL before the first FROM */
	size_t ninstr, nerr;
	size_t early_unknown;      /* unknown instructions before the first known one */
	unsigned long early_line;  /* the first of them */
	char early_cmd[32];
	struct mmr_iac_resource *r;
	int err;
};

static const char *const known[] = { "FROM",	   "RUN",     "CMD",	    "LABEL",  "MAINTAINER",
				     "EXPOSE",	   "ENV",     "ADD",	    "COPY",   "ENTRYPOINT",
				     "VOLUME",	   "USER",    "WORKDIR",    "ARG",    "ONBUILD",
				     "STOPSIGNAL", "HEALTHCHECK", "SHELL", NULL };

static bool is_known(const char *c)
{
	for (size_t i = 0; known[i]; i++)
		if (!strcmp(c, known[i]))
			return true;
	return false;
}

static void errorf(struct df *d, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errorf(struct df *d, unsigned long line, const char *fmt, ...)
{
	d->nerr++;
	if (d->set->errors.n >= 100000)
		return;
	struct mmr_diag *g = mmr_arena_alloc(d->a, sizeof(*g));
	if (!g)
		return;
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	g->where = d->file;
	g->message = mmr_arena_printf(d->a, "%s:%lu: %s", d->file, line, m);
	mmr_vec_push(d->a, &d->set->errors, g);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Physical line at the cursor: [*ret_s, *ret_e) without the newline; the
 * cursor moves past it. false at the end of input. */
static bool next_line(struct df *d, const char **ret_s, const char **ret_e)
{
	if (d->p >= d->end)
		return false;
	const char *nl = memchr(d->p, '\n', (size_t)(d->end - d->p));
	*ret_s = d->p;
	*ret_e = nl ? nl : d->end;
	d->p = nl ? nl + 1 : d->end;
	d->line++;
	return true;
}

static const char *skip_blank(const char *s, const char *e)
{
	while (s < e && blank(*s))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *e)
{
	while (e > s && blank(e[-1]))
		e--;
	return e;
}

/* ---- suppressions in comments ---------------------------------------------- */

static const struct {
	const char *mark, *prefix;
} marks[] = { { "mamori:ignore:", "" },
	      { "checkov:skip=", "checkov:skip=" },
	      { "trivy:ignore:", "trivy:ignore:" } };

static void comment_marks(struct df *d, const char *h, const char *e)
{
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t ml = strlen(marks[i].mark);
		const char *m = NULL;
		for (const char *p = h; p + ml <= e; p++)
			if (!memcmp(p, marks[i].mark, ml)) {
				m = p;
				break;
			}
		if (!m || d->r->ignores.n >= 256)
			continue;
		const char *id = m + ml, *ie = id;
		while (ie < e && !blank(*ie) && *ie != ',' && !(*ie == ':' && i != 1))
			ie++;
		if (ie == id)
			continue;
		const char *rest = ie;
		while (rest < e && (blank(*rest) || *rest == ':' || *rest == ','))
			rest++;
		const char *re = trim_end(rest, e);
		char *s = re > rest ? mmr_arena_printf(d->a, "%s%.*s %.*s", marks[i].prefix,
						       (int)(ie - id), id, (int)(re - rest), rest)
				    : mmr_arena_printf(d->a, "%s%.*s", marks[i].prefix,
						       (int)(ie - id), id);
		if (s)
			mmr_vec_push(d->a, &d->r->ignores, s);
	}
}

/* ---- words, quotes, variables ---------------------------------------------- */

/* Split on blanks outside quotes; quotes are removed, escapes kept literal
 * except \" inside double quotes. */
static json_t *split_words(const char *s, size_t max)
{
	json_t *arr = json_array();
	struct mmr_buf b;
	mmr_buf_init(&b, max + 1);
	const char *p = s;
	while (arr && *p) {
		while (blank(*p) || *p == '\n')
			p++;
		if (!*p)
			break;
		mmr_buf_reset(&b);
		char q = 0;
		for (; *p && (q || !(blank(*p) || *p == '\n')); p++) {
			if (q) {
				if (*p == q) {
					q = 0;
					continue;
				}
				if (q == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
					p++;
				}
			} else if (*p == '"' || *p == '\'') {
				q = *p;
				continue;
			}
			if (mmr_buf_addc(&b, *p) < 0)
				break;
		}
		json_array_append_new(arr, json_string(b.len ? b.p : ""));
		if (json_array_size(arr) > 100000)
			break;
	}
	mmr_buf_release(&b);
	return arr;
}

/* ${NAME}, $NAME, ${NAME:-default}, ${NAME:+alt} against the global ARGs.
 * *ret_unknown when a referenced ARG has no value. */
static char *substitute(struct df *d, const char *s, bool *ret_unknown)
{
	struct mmr_buf b;
	mmr_buf_init(&b, d->max_line + 1);
	for (const char *p = s; *p; p++) {
		if (*p == d->esc && p[1] == '$') {
			mmr_buf_addc(&b, '$');
			p++;
			continue;
		}
		if (*p != '$' || !(p[1] == '{' || isalpha((unsigned char)p[1]) || p[1] == '_')) {
			mmr_buf_addc(&b, *p);
			continue;
		}
		const char *n = p + 1;
		bool brace = *n == '{';
		if (brace)
			n++;
		const char *ne = n;
		while (isalnum((unsigned char)*ne) || *ne == '_')
			ne++;
		char name[256];
		size_t nl = (size_t)(ne - n) < sizeof(name) - 1 ? (size_t)(ne - n) : sizeof(name) - 1;
		memcpy(name, n, nl);
		name[nl] = 0;
		const char *op = NULL, *word = NULL, *close = ne;
		if (brace) {
			close = strchr(ne, '}');
			if (!close) { /* literal */
				mmr_buf_addc(&b, *p);
				continue;
			}
			if (ne[0] == ':' && (ne[1] == '-' || ne[1] == '+')) {
				op = ne + 1;
				word = ne + 2;
			}
		}
		json_t *v = json_object_get(d->globals, name);
		const char *val = json_string_value(v);
		bool set = val != NULL;
		if (op && *op == '-') {
			if (set && *val)
				mmr_buf_adds(&b, val);
			else
				mmr_buf_add(&b, word, (size_t)(close - word));
		} else if (op && *op == '+') {
			if (set && *val)
				mmr_buf_add(&b, word, (size_t)(close - word));
		} else if (set) {
			mmr_buf_adds(&b, val);
		} else if (json_is_null(v)) {
			*ret_unknown = true; /* declared without a default: a build argument */
		}
		p = brace ? close : ne - 1;
	}
	return mmr_buf_detach(&b, NULL);
}

/* ENV/LABEL: k=v pairs (quotes removed), or the legacy `ENV key value`. ARG:
 * name[=default] words. */
static json_t *parse_vars(const char *cmd, const char *v, size_t max)
{
	json_t *out = json_array();
	if (!out)
		return NULL;
	const char *sp = v;
	while (*sp && !blank(*sp) && *sp != '=')
		sp++;
	if (strcmp(cmd, "ARG") != 0 && *sp != '=') { /* ENV key value */
		const char *val = sp;
		while (blank(*val))
			val++;
		json_array_append_new(out, json_pack("{s:s%,s:s}", "key", v, (size_t)(sp - v),
						     "value", val));
		return out;
	}
	json_t *words = split_words(v, max);
	size_t i;
	json_t *w;
	json_array_foreach(words, i, w)
	{
		const char *s = json_string_value(w);
		const char *eq = strchr(s, '=');
		json_t *e = eq ? json_pack("{s:s%,s:s}", "key", s, (size_t)(eq - s), "value", eq + 1)
			       : json_pack("{s:s,s:n}", "key", s, "value");
		if (e)
			json_array_append_new(out, e);
	}
	json_decref(words);
	return out;
}

/* "image[:tag][@digest]" into from (registry kept in image). */
static void split_image(json_t *from, const char *img)
{
	const char *at = strchr(img, '@');
	size_t n = at ? (size_t)(at - img) : strlen(img);
	if (at)
		json_object_set_new(from, "digest", json_string(at + 1));
	const char *last = img;
	for (const char *p = img; p < img + n; p++)
		if (*p == '/')
			last = p + 1;
	const char *colon = memchr(last, ':', (size_t)(img + n - last));
	json_object_set_new(from, "image",
			    json_stringn(img, (size_t)((colon ? colon : img + n) - img)));
	if (colon)
		json_object_set_new(from, "tag", json_stringn(colon + 1, (size_t)(img + n - colon - 1)));
}

/* ---- instructions ---------------------------------------------------------- */

static bool takes_flags(const char *cmd)
{
	return !strcmp(cmd, "FROM") || !strcmp(cmd, "RUN") || !strcmp(cmd, "COPY") ||
	       !strcmp(cmd, "ADD") || !strcmp(cmd, "HEALTHCHECK");
}

static bool has_exec_form(const char *cmd)
{
	return !strcmp(cmd, "RUN") || !strcmp(cmd, "CMD") || !strcmp(cmd, "ENTRYPOINT") ||
	       !strcmp(cmd, "SHELL") || !strcmp(cmd, "VOLUME") || !strcmp(cmd, "COPY") ||
	       !strcmp(cmd, "ADD");
}

/* Heredoc words in a RUN/COPY/ADD line: <<EOF, <<-EOF, <<"EOF", <<'EOF'. */
static json_t *heredoc_names(const char *v)
{
	json_t *names = json_array();
	for (const char *p = v ? v : ""; names && (p = strstr(p, "<<")); p += 2) {
		const char *w = p + 2;
		bool dash = *w == '-';
		if (dash)
			w++;
		char q = (*w == '"' || *w == '\'') ? *w : 0;
		if (q)
			w++;
		const char *we = w;
		while (isalnum((unsigned char)*we) || *we == '_' || *we == '-' || *we == '.')
			we++;
		if (we == w || (q && *we != q))
			continue;
		json_t *h = json_pack("{s:s%,s:b}", "name", w, (size_t)(we - w), "strip_tabs", dash);
		if (h)
			json_array_append_new(names, h);
		if (json_array_size(names) >= 64)
			break;
	}
	return names;
}

/* cmd/rest -> instruction object (without line fields). */
static json_t *parse_instr(struct df *d, const char *cmd, const char *rest, int depth)
{
	json_t *in = json_object();
	if (!in)
		return NULL;
	json_object_set_new(in, "cmd", json_string(cmd));
	const char *v = rest;
	json_t *flags = json_object();
	if (takes_flags(cmd)) {
		while (v[0] == '-' && v[1] == '-' && flags) {
			const char *we = v;
			while (*we && !blank(*we) && *we != '\n')
				we++;
			const char *eq = memchr(v, '=', (size_t)(we - v));
			char name[128];
			size_t nl = (size_t)((eq ? eq : we) - v - 2);
			if (nl >= sizeof(name))
				nl = sizeof(name) - 1;
			memcpy(name, v + 2, nl);
			name[nl] = 0;
			json_t *prev = json_object_get(flags, name);
			json_t *val = eq ? json_stringn(eq + 1, (size_t)(we - eq - 1)) : json_true();
			if (prev && json_is_string(prev) && json_is_string(val)) { /* --mount twice */
				char *j = mmr_arena_printf(d->a, "%s %s", json_string_value(prev),
							   json_string_value(val));
				json_decref(val);
				val = json_string(j ? j : "");
			}
			json_object_set_new(flags, name, val);
			v = we;
			while (blank(*v) || *v == '\n')
				v++;
		}
	}
	json_object_set_new(in, "flags", flags ? flags : json_object());
	json_object_set_new(in, "value", json_string(v));
	json_t *args = NULL;
	const char *form = "shell";
	if (has_exec_form(cmd) && *v == '[') {
		json_error_t je;
		json_t *j = json_loads(v, JSON_REJECT_DUPLICATES, &je);
		bool ok = json_is_array(j);
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e) ok = ok && json_is_string(e);
		if (ok) {
			args = j;
			form = "exec";
		} else {
			json_decref(j);
		}
	}
	if (!args) {
		if (!strcmp(cmd, "RUN") || !strcmp(cmd, "CMD") || !strcmp(cmd, "ENTRYPOINT")) {
			args = json_array();
			if (args && *v)
				json_array_append_new(args, json_string(v));
		} else {
			args = split_words(v, d->max_line);
		}
	}
	json_object_set_new(in, "args", args ? args : json_array());
	json_object_set_new(in, "form", json_string(form));
	if (!strcmp(cmd, "ENV") || !strcmp(cmd, "ARG") || !strcmp(cmd, "LABEL"))
		json_object_set_new(in, "vars", parse_vars(cmd, v, d->max_line));
	if (!strcmp(cmd, "ONBUILD") && depth == 0) {
		const char *t = v, *te = v;
		while (*te && !blank(*te) && *te != '\n')
			te++;
		char tc[32];
		size_t tl = (size_t)(te - t) < sizeof(tc) - 1 ? (size_t)(te - t) : sizeof(tc) - 1;
		for (size_t i = 0; i < tl; i++)
			tc[i] = (char)toupper((unsigned char)t[i]);
		tc[tl] = 0;
		while (blank(*te))
			te++;
		if (tl && is_known(tc) && strcmp(tc, "ONBUILD") && strcmp(tc, "FROM") &&
		    strcmp(tc, "MAINTAINER"))
			json_object_set_new(in, "trigger", parse_instr(d, tc, te, 1));
	}
	return in;
}

static void set_range(struct df *d, const char *ptr, unsigned long s, unsigned long e)
{
	json_t *r = json_pack("[II]", (json_int_t)s, (json_int_t)e);
	if (r)
		json_object_set_new(d->pos, ptr, r);
}

/* Effective user of the stage a FROM names, when it names an earlier one. */
static json_t *stage_named(struct df *d, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(d->stages, i, s)
	{
		const char *n = json_string_value(json_object_get(s, "name"));
		if (n && !strcasecmp(n, name))
			return s;
	}
	/* FROM 0 (stage index) is not allowed by BuildKit for FROM; only names */
	return NULL;
}

static void begin_stage(struct df *d, json_t *in, unsigned long ls, unsigned long le)
{
	json_t *st = json_object();
	json_t *from = json_object();
	if (!st || !from) {
		json_decref(st);
		json_decref(from);
		return;
	}
	size_t idx = json_array_size(d->stages);
	json_t *w = json_object_get(in, "args");
	const char *img = json_string_value(json_array_get(w, 0));
	const char *as = json_string_value(json_array_get(w, 1));
	const char *alias = json_string_value(json_array_get(w, 2));
	if (!img) {
		errorf(d, ls, "FROM without an image");
		img = "";
	}
	if (as && strcasecmp(as, "AS") == 0 && alias) {
		json_object_set_new(from, "alias", json_string(alias));
		json_object_set_new(st, "name", json_string(alias));
	}
	const char *platform = json_string_value(json_object_get(json_object_get(in, "flags"),
								  "platform"));
	if (platform)
		json_object_set_new(from, "platform", json_string(platform));
	json_object_set_new(from, "original", json_string(img));
	bool unknown = false;
	char *sub = substitute(d, img, &unknown);
	const char *eff = sub ? sub : img;
	json_t *base = stage_named(d, eff);
	if (unknown) {
		json_object_set_new(from, "image", mmr_iac_unknown());
		json_object_set_new(from, "tag", mmr_iac_unknown());
		if (d->set->unresolved.n < 100000) {
			struct mmr_diag *g = mmr_arena_alloc(d->a, sizeof(*g));
			if (g) {
				g->where = d->file;
				g->message = mmr_arena_printf(
					d->a, "%s:%lu: FROM %s: a build argument without a default",
					d->file, ls, img);
				mmr_vec_push(d->a, &d->set->unresolved, g);
			}
		}
	} else if (base) {
		json_object_set_new(from, "image", json_string(eff));
		json_object_set_new(from, "stage", json_true());
		json_t *u = json_object_get(base, "user");
		if (u) {
			json_object_set(st, "user", u);
			char src[64], dst[64];
			snprintf(src, sizeof(src), "/stages/%lld/user",
				 (long long)json_integer_value(json_object_get(base, "index")));
			snprintf(dst, sizeof(dst), "/stages/%zu/user", idx);
			json_t *r = json_object_get(d->pos, src);
			if (r)
				json_object_set(d->pos, dst, r);
		}
	} else {
		split_image(from, eff);
		if (!strcasecmp(eff, "scratch"))
			json_object_set_new(from, "scratch", json_true());
	}
	free(sub);
	json_object_set_new(from, "line", json_integer((json_int_t)ls));
	json_object_set_new(st, "index", json_integer((json_int_t)idx));
	json_object_set_new(st, "from", from);
	json_object_set_new(st, "instructions", json_array());
	json_array_append_new(d->stages, st);
	d->stage = st;
	char p[64];
	snprintf(p, sizeof(p), "/stages/%zu/from", idx);
	set_range(d, p, ls, le);
	snprintf(p, sizeof(p), "/stages/%zu", idx);
	set_range(d, p, ls, le);
}

/* One logical line [s, e) that began at line ls; reads heredoc bodies. */
static void instruction(struct df *d, const char *s, size_t n, unsigned long ls)
{
	const char *e = s + n;
	s = skip_blank(s, e);
	const char *ce = s;
	while (ce < e && !blank(*ce))
		ce++;
	char cmd[32];
	size_t cl = (size_t)(ce - s);
	if (cl >= sizeof(cmd))
		cl = sizeof(cmd) - 1; /* no instruction is that long: unknown below */
	for (size_t i = 0; i < cl; i++)
		cmd[i] = (char)toupper((unsigned char)s[i]);
	cmd[cl] = 0;
	if (!is_known(cmd)) {
		/* before any known instruction this may not be a Dockerfile at all:
		 * report once, at the end, rather than once per line */
		if (d->ninstr == 0) {
			if (!d->early_unknown++) {
				d->early_line = ls;
				snprintf(d->early_cmd, sizeof(d->early_cmd), "%s", cmd);
			}
			d->nerr++;
		} else {
			errorf(d, ls, "unknown instruction: %s", cmd);
		}
		return;
	}
	if (++d->ninstr > MMR_DF_MAX_INSTRUCTIONS) {
		d->err = -E2BIG;
		return;
	}
	const char *rest = skip_blank(ce, e);
	char *rs = mmr_arena_strndup(d->a, rest, (size_t)(trim_end(rest, e) - rest));
	json_t *in = rs ? parse_instr(d, cmd, rs, 0) : NULL;
	if (!in) {
		d->err = -ENOMEM;
		return;
	}
	unsigned long le = d->line;
	/* heredoc bodies follow the line */
	if (!strcmp(cmd, "RUN") || !strcmp(cmd, "COPY") || !strcmp(cmd, "ADD")) {
		json_t *names = heredoc_names(json_string_value(json_object_get(in, "value")));
		size_t i;
		json_t *h;
		json_array_foreach(names, i, h)
		{
			const char *name = json_string_value(json_object_get(h, "name"));
			bool strip = json_is_true(json_object_get(h, "strip_tabs"));
			struct mmr_buf b;
			mmr_buf_init(&b, d->max_line);
			const char *ps, *pe;
			bool done = false, big = false;
			while (next_line(d, &ps, &pe)) {
				const char *q = ps;
				if (strip)
					while (q < pe && *q == '\t')
						q++;
				const char *qe = pe > q && pe[-1] == '\r' ? pe - 1 : pe;
				if ((size_t)(qe - q) == strlen(name) && !memcmp(q, name, strlen(name))) {
					done = true;
					break;
				}
				if (mmr_buf_add(&b, q, (size_t)(pe - q)) < 0 ||
				    mmr_buf_addc(&b, '\n') < 0)
					big = true;
			}
			le = d->line;
			if (!done)
				errorf(d, ls, "heredoc %s is not terminated", name);
			if (big) {
				d->err = -E2BIG;
				mmr_buf_release(&b);
				json_decref(names);
				json_decref(in);
				return;
			}
			json_object_set_new(h, "content", json_string(b.len ? b.p : ""));
			json_object_del(h, "strip_tabs");
			mmr_buf_release(&b);
		}
		if (json_array_size(names))
			json_object_set_new(in, "heredocs", names);
		else
			json_decref(names);
	}
	char *orig = mmr_arena_strndup(d->a, s, (size_t)(trim_end(s, e) - s));
	json_object_set_new(in, "original", json_string(orig ? orig : ""));
	json_object_set_new(in, "line_start", json_integer((json_int_t)ls));
	json_object_set_new(in, "line_end", json_integer((json_int_t)le));

	char p[96];
	if (!strcmp(cmd, "FROM")) {
		begin_stage(d, in, ls, le);
	} else if (!d->stage) {
		if (strcmp(cmd, "ARG") != 0) {
			errorf(d, ls, "%s before the first FROM", cmd);
			json_decref(in);
			return;
		}
		json_t *vars = json_object_get(in, "vars");
		size_t i;
		json_t *v;
		json_array_foreach(vars, i, v)
		{
			const char *k = json_string_value(json_object_get(v, "key"));
			if (k)
				json_object_set(d->globals, k, json_object_get(v, "value"));
		}
		snprintf(p, sizeof(p), "/args/%zu", json_array_size(d->args));
		set_range(d, p, ls, le);
		json_array_append(d->args, in);
	}
	if (d->stage) {
		json_t *list = json_object_get(d->stage, "instructions");
		size_t si = json_array_size(d->stages) - 1;
		json_object_set_new(in, "stage", json_integer((json_int_t)si));
		snprintf(p, sizeof(p), "/stages/%zu/instructions/%zu", si, json_array_size(list));
		set_range(d, p, ls, le);
		json_array_append(list, in);
		snprintf(p, sizeof(p), "/stages/%zu", si);
		json_t *sr = json_object_get(d->pos, p);
		if (sr)
			json_array_set_new(sr, 1, json_integer((json_int_t)le));
		if (!strcmp(cmd, "USER")) {
			const char *u = json_string_value(json_array_get(json_object_get(in, "args"), 0));
			json_object_set_new(d->stage, "user", json_string(u ? u : ""));
			snprintf(p, sizeof(p), "/stages/%zu/user", si);
			set_range(d, p, ls, le);
		}
	}
	snprintf(p, sizeof(p), "/instructions/%zu", json_array_size(d->all));
	set_range(d, p, ls, le);
	json_array_append_new(d->all, in);
}

/* A parser directive line ("# name=value") at the top; false otherwise. */
static bool directive(struct df *d, const char *s, const char *e)
{
	s = skip_blank(s, e);
	if (s >= e || *s != '#')
		return false;
	s = skip_blank(s + 1, e);
	const char *ne = s;
	while (ne < e && isalpha((unsigned char)*ne))
		ne++;
	if (ne == s)
		return false;
	const char *eq = skip_blank(ne, e);
	if (eq >= e || *eq != '=')
		return false;
	const char *v = skip_blank(eq + 1, e);
	const char *ve = trim_end(v, e);
	char name[32];
	size_t nl = (size_t)(ne - s) < sizeof(name) - 1 ? (size_t)(ne - s) : sizeof(name) - 1;
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	name[nl] = 0;
	if (!strcmp(name, "escape")) {
		if (ve - v == 1 && (*v == '\\' || *v == '`'))
			d->esc = *v;
		else
			errorf(d, d->line, "invalid escape directive");
	}
	json_object_set_new(d->directives, name, json_stringn(v, (size_t)(ve - v)));
	return true;
}

static int run(struct df *d)
{
	struct mmr_buf lb;
	mmr_buf_init(&lb, d->max_line);
	const char *s, *e;
	bool cont = false;
	unsigned long start = 0;
	while (!d->err && next_line(d, &s, &e)) {
		const char *t = skip_blank(s, e);
		const char *te = trim_end(t, e);
		if (t < e && *t == '#') {
			comment_marks(d, t, e);
			if (d->directives_open && directive(d, s, e))
				continue;
			d->directives_open = false;
			continue; /* comments are dropped, also inside a continuation */
		}
		d->directives_open = false;
		if (t == te) {
			if (!cont)
				continue;
			continue; /* blank lines inside a continuation are skipped */
		}
		if (!cont) {
			mmr_buf_reset(&lb);
			start = d->line;
		}
		bool more = te > t && te[-1] == d->esc;
		const char *ce = more ? te - 1 : e;
		if (mmr_buf_add(&lb, s, (size_t)(ce - s)) < 0) {
			d->err = -E2BIG;
			break;
		}
		cont = more;
		if (!cont)
			instruction(d, lb.len ? lb.p : "", lb.len, start);
	}
	if (cont && !d->err)
		instruction(d, lb.len ? lb.p : "", lb.len, start);
	mmr_buf_release(&lb);
	return d->err;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *e)
{
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (!n || (size_t)(e - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 2 && c < 0xc2) || (n == 3 && c == 0xe0 && p[1] < 0xa0) ||
	    (n == 3 && c == 0xed && p[1] >= 0xa0) || (n == 4 && c == 0xf0 && p[1] < 0x90) ||
	    (n == 4 && (c > 0xf4 || (c == 0xf4 && p[1] >= 0x90))))
		return 0;
	return n;
}

/* JSON strings must be UTF-8: a copy with every invalid byte replaced by
 * '?' (lines stay where they are), or NULL when data is valid. */
static char *utf8_fix(const char *data, size_t len, bool *ret_oom)
{
	const unsigned char *p = (const unsigned char *)data, *e = p + len;
	char *out = NULL;
	*ret_oom = false;
	while (p < e) {
		size_t n = utf8_len(p, e);
		if (n) {
			p += n;
			continue;
		}
		if (!out) {
			out = malloc(len ? len : 1);
			if (!out) {
				*ret_oom = true;
				return NULL;
			}
			memcpy(out, data, len);
		}
		out[p - (const unsigned char *)data] = '?';
		p++;
	}
	return out;
}

bool mmr_dockerfile_is_name(const char *n)
{
	if (!n)
		return false;
	if (!strcasecmp(n, "Dockerfile") || !strcasecmp(n, "Containerfile"))
		return true;
	if (!strncasecmp(n, "Dockerfile.", 11) || !strncasecmp(n, "Containerfile.", 14))
		return n[11] != 0 && strcasecmp(strrchr(n, '.'), ".md") != 0 &&
		       strcasecmp(strrchr(n, '.'), ".dockerignore") != 0;
	size_t l = strlen(n);
	return l > 11 && !strcasecmp(n + l - 11, ".dockerfile");
}

static int parse_text(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		      const struct mmr_limits *limits, struct mmr_error *reterr);

int mmr_dockerfile_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
			 const struct mmr_limits *limits, struct mmr_error *reterr)
{
	struct mmr_limits def;
	int brc = mmr_iac_parse_begin(&limits, &def, &file, "Dockerfile", "Dockerfile", len, reterr);
	if (brc < 0)
		return brc;
	if (memchr(data, 0, len))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "binary data, not a Dockerfile");
	bool oom;
	char *fixed = utf8_fix(data, len, &oom);
	if (oom)
		return -ENOMEM;
	int r = parse_text(set, fixed ? fixed : data, len, file, limits, reterr);
	free(fixed);
	return r;
}

static int parse_text(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		      const struct mmr_limits *limits, struct mmr_error *reterr)
{
	struct df d = {
		.set = set,
		.a = set->arena,
		.file = mmr_arena_strdup(set->arena, file),
		.p = data,
		.end = (const char *)data + len,
		.max_line = limits->max_line ? (size_t)limits->max_line : (1 << 20),
		.esc = '\\',
		.directives_open = true,
	};
	d.r = mmr_arena_alloc(set->arena, sizeof(*d.r));
	d.doc = json_object();
	d.pos = json_object();
	d.stages = json_array();
	d.all = json_array();
	d.args = json_array();
	d.globals = json_object();
	d.directives = json_object();
	int r = -ENOMEM;
	if (!d.file || !d.r || !d.doc || !d.pos || !d.stages || !d.all || !d.args || !d.globals ||
	    !d.directives)
		goto fail;
	/* a UTF-8 byte order mark is allowed before the first line */
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		d.p += 3;
	r = run(&d);
	if (r == -E2BIG) {
		r = mmr_error_set(reterr, E2BIG, file, d.line, 0,
				  "line longer than %zu bytes or more than %d instructions (max-line)",
				  d.max_line, MMR_DF_MAX_INSTRUCTIONS);
		goto fail;
	}
	if (r < 0)
		goto fail;
	if (d.early_unknown && json_array_size(d.all))
		errorf(&d, d.early_line, "unknown instruction: %s", d.early_cmd);
	if (json_array_size(d.all) == 0) {
		/* blank or comment-only files are empty Dockerfiles; text without any
		 * instruction is something else */
		r = d.nerr ? mmr_error_set(reterr, EBADMSG, file, d.early_line, 1,
							  "no Dockerfile instruction found (first line: %s)",
							  d.early_cmd)
					    : 0;
		if (r == 0) {
			json_decref(d.stages);
			json_decref(d.all);
			json_decref(d.args);
			json_decref(d.globals);
			json_decref(d.directives);
			json_decref(d.doc);
			json_decref(d.pos);
			return 0;
		}
		goto fail;
	}
	json_object_set_new(d.doc, "directives", d.directives);
	json_object_set_new(d.doc, "args", d.args);
	json_object_set_new(d.doc, "stages", d.stages);
	json_object_set_new(d.doc, "instructions", d.all);
	json_decref(d.globals);
	d.r->type = d.r->raw_type = "dockerfile";
	d.r->source = "dockerfile";
	d.r->file = d.file;
	d.r->address = d.file;
	d.r->line_start = 1;
	d.r->line_end = d.line ? d.line : 1;
	d.r->doc = d.doc;
	d.r->pos = d.pos;
	if (mmr_vec_push(set->arena, &set->resources, d.r) < 0) {
		json_decref(d.doc);
		json_decref(d.pos);
		return -ENOMEM;
	}
	return 0;
fail:
	if (d.doc && json_object_get(d.doc, "stages") == NULL) {
		json_decref(d.stages);
		json_decref(d.all);
		json_decref(d.args);
		json_decref(d.directives);
	}
	json_decref(d.globals);
	json_decref(d.doc);
	json_decref(d.pos);
	return r;
}

/* ---- walking a tree ---------------------------------------------------------- */

static void scan_file(struct mmr_iac_set *set, const char *path, const struct mmr_limits *lim)
{
	char *buf;
	size_t got;
	if (mmr_iac_read_file(path, lim, &buf, &got) < 0)
		return;
	struct mmr_error e = { 0 };
	if (mmr_dockerfile_parse(set, buf, got, path, lim, &e) < 0)
		mmr_iac_add_error(set, path, &e);
	free(buf);
}

int mmr_dockerfile_scan(struct mmr_iac_set *set, const char *path,
			const struct mmr_limits *limits, struct mmr_error *reterr)
{
	return mmr_iac_walk(set, path, limits, mmr_dockerfile_is_name, scan_file, reterr);
}
