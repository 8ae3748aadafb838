/* iac-scan.c - walk, dispatch to the front ends, normalise, evaluate,
 * report (iac-scan.h). */
#include "iac/iac-scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-hash.h"
#include "core/core-str.h"
#include "iac/iac-cfn.h"
#include "iac/iac-dockerfile.h"
#include "iac/iac-k8s.h"
#include "iac/iac-normalise.h"
#include "iac/iac-terraform.h"
#include "iac/iac.h"
#include "policy/policy.h"

#define IAC_MAX_UNKNOWN_PTRS 4

/* ---- rules ---- */

int mmr_iac_rules_load(const char *const *dirs, size_t ndirs, bool builtin,
		       struct mmr_policy_set **ret, struct mmr_error *reterr)
{
	struct mmr_policy_set *s = NULL;
	int rc = mmr_policy_set_new(&s);
	if (rc < 0)
		return rc;
	if (builtin) {
		for (const struct mmr_iac_rule_file *f = mmr_iac_builtin_rules(); f->name; f++) {
			rc = mmr_policy_load_buffer(s, f->text, f->len, f->name, reterr);
			if (rc < 0)
				goto fail;
		}
	}
	for (size_t i = 0; i < ndirs; i++) {
		struct stat st;
		if (stat(dirs[i], &st) < 0) {
			rc = mmr_error_set(reterr, errno, dirs[i], 0, 0, "rules: %s", strerror(errno));
			goto fail;
		}
		rc = S_ISDIR(st.st_mode) ? mmr_policy_load_dir(s, dirs[i], reterr)
					 : mmr_policy_load_file(s, dirs[i], reterr);
		if (rc < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	mmr_policy_set_free(s);
	return rc;
}

/* ---- front ends for single files (Terraform directories go to mmr_tf_scan) ---- */

typedef int (*parse_fn)(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
			const struct mmr_limits *limits, struct mmr_error *reterr);

struct frontend {
	const char *source;
	bool (*wants_name)(const char *base); /* worth reading */
	bool (*claims)(const void *data, size_t len);
	parse_fn parse;
};

static bool name_json(const char *b)
{
	return mmr_cstr_ends(b, ".json") && !mmr_cstr_ends(b, ".tf.json") &&
	       !mmr_cstr_ends(b, ".tfvars.json");
}

static bool name_cfn(const char *b)
{
	return name_json(b) || mmr_cstr_ends(b, ".yaml") || mmr_cstr_ends(b, ".yml") ||
	       mmr_cstr_ends(b, ".template");
}

static bool any_content(const void *data, size_t len)
{
	(void)data;
	(void)len;
	return true;
}

/* In order: the first whose name test and sniff agree takes the file. */
static const struct frontend frontends[] = {
	{ "terraform", name_json, mmr_tf_is_plan, mmr_tf_plan_parse },
	{ "cloudformation", name_cfn, mmr_cfn_is_template, mmr_cfn_parse },
	{ "kubernetes", name_cfn, mmr_k8s_is_manifest, mmr_k8s_parse },
	{ "dockerfile", mmr_dockerfile_is_name, any_content, mmr_dockerfile_parse },
};
#define N_FRONTENDS (sizeof(frontends) / sizeof(frontends[0]))

struct scan_ctx {
	struct mmr_report *r;
	struct mmr_iac_set *set;
	const struct mmr_iac_scan_opts *o;
	struct mmr_limits lim;
	struct mmr_arena *a; /* the report's */
	int err;
};

static char *join(struct mmr_arena *a, const char *dir, const char *name)
{
	if (!*dir)
		return mmr_arena_strdup(a, name);
	size_t n = strlen(dir);
	return mmr_arena_printf(a, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

static int read_capped(const char *path, size_t max, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -E2BIG;
	}
	size_t cap = (size_t)st.st_size, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < cap) {
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = 0;
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void set_error(struct scan_ctx *c, const char *file, const char *fmt, const char *msg)
{
	struct mmr_diag *d = mmr_arena_alloc(c->set->arena, sizeof(*d));
	if (!d)
		return;
	d->where = mmr_arena_strdup(c->set->arena, file);
	d->message = mmr_arena_printf(c->set->arena, fmt, msg);
	if (d->where && d->message)
		mmr_vec_push(c->set->arena, &c->set->errors, d);
}

static int cmpstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* One file: the first front end whose name test and content sniff agree. */
static void scan_file(struct scan_ctx *c, const char *path)
{
	const char *base = mmr_path_base(path);
	bool want = false;
	for (size_t i = 0; i < N_FRONTENDS && !want; i++)
		want = frontends[i].wants_name(base);
	if (!want)
		return;
	char *data = NULL;
	size_t len = 0;
	int rc = read_capped(path, (size_t)c->lim.max_file_size, &data, &len);
	if (rc == -E2BIG) {
		set_error(c, path, "%s", "file larger than max-file-size: not scanned");
		return;
	}
	if (rc < 0) {
		set_error(c, path, "cannot read: %s", strerror(-rc));
		return;
	}
	for (size_t i = 0; i < N_FRONTENDS; i++) {
		const struct frontend *fe = &frontends[i];
		if (!fe->wants_name(base) || !fe->claims(data, len))
			continue;
		struct mmr_error e = { 0 };
		rc = fe->parse(c->set, data, len, path, &c->lim, &e);
		if (rc == -ENOMEM) {
			c->err = rc;
		} else if (rc < 0 && rc != -EPROTO) {
			char msg[1200];
			if (!e.msg[0])
				snprintf(e.msg, sizeof(e.msg), "%s", strerror(-rc));
			if (!e.file[0])
				snprintf(e.file, sizeof(e.file), "%s", path);
			set_error(c, path, "%s", mmr_error_format(&e, msg, sizeof(msg)));
		}
		break;
	}
	free(data);
}

static void walk(struct scan_ctx *c, const char *dir, size_t depth)
{
	if (depth > c->lim.max_walk_depth || c->err)
		return;
	DIR *d = opendir(dir);
	if (!d) {
		set_error(c, dir, "cannot read the directory: %s", strerror(errno));
		return;
	}
	struct mmr_vec names = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *n = mmr_arena_strdup(c->set->arena, de->d_name);
		if (!n || mmr_vec_push(c->set->arena, &names, n) < 0) {
			c->err = -ENOMEM;
			break;
		}
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(void *), cmpstr);
	for (size_t i = 0; i < names.n && !c->err; i++) {
		char *p = join(c->set->arena, dir, names.v[i]);
		struct stat st;
		if (!p || lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(c, p, depth + 1);
		else if (S_ISREG(st.st_mode))
			scan_file(c, p);
	}
}

/* ---- outcomes -> findings ---- */

struct eval_ud {
	struct scan_ctx *c;
	struct mmr_iac_scan_stats *st;
	struct mmr_map tally;   /* rule id -> struct mmr_iac_rule_tally * */
	struct mmr_map results; /* "source\nfile" -> struct mmr_result * */
	struct mmr_map texts;   /* rule id -> struct rule_texts * */
};

/* A rule's id, texts, references, controls and peers, copied once into the
 * report's arena and shared by all its findings (cap == n: a push
 * reallocates): thousands of findings of one rule hold one copy. */
struct rule_texts {
	const char *id, *title, *remediation;
	struct mmr_vec refs, controls, aliases;
	struct mmr_vec fix_sources, fixes; /* const char *: fix snippet per source, parallel */
};

static int copy_vec(struct mmr_arena *a, struct mmr_vec *dst, const struct mmr_vec *src)
{
	for (size_t i = 0; i < src->n; i++) {
		char *s = mmr_arena_strdup(a, src->v[i]);
		if (!s || mmr_vec_push(a, dst, s) < 0)
			return -ENOMEM;
	}
	dst->cap = dst->n;
	return 0;
}

static const struct rule_texts *rule_texts(struct eval_ud *u, const struct mmr_policy_rule *rule)
{
	struct mmr_arena *a = u->c->a;
	struct rule_texts *t = mmr_map_get(&u->texts, rule->id);
	if (t)
		return t;
	t = mmr_arena_alloc(a, sizeof(*t));
	if (!t || !(t->id = mmr_arena_strdup(a, rule->id)) ||
	    (rule->title && !(t->title = mmr_arena_strdup(a, rule->title))) ||
	    (rule->remediation && !(t->remediation = mmr_arena_strdup(a, rule->remediation))) ||
	    copy_vec(a, &t->refs, &rule->references) < 0 ||
	    copy_vec(a, &t->controls, &rule->controls) < 0 ||
	    copy_vec(a, &t->aliases, &rule->peers) < 0)
		return NULL;
	for (size_t i = 0; i < rule->fixes.n; i++) {
		const struct mmr_policy_fix *fx = rule->fixes.v[i];
		char *src = mmr_arena_strdup(a, fx->source), *snip = mmr_arena_strdup(a, fx->snippet);
		if (!src || (fx->snippet && !snip) || mmr_vec_push(a, &t->fix_sources, src) < 0 ||
		    mmr_vec_push(a, &t->fixes, snip) < 0)
			return NULL;
	}
	if (mmr_map_put(&u->texts, t->id, t) < 0)
		return NULL;
	return t;
}

/* mmr_report_result() searches the results one by one: a map in front */
static struct mmr_result *result_for(struct eval_ud *u, const char *file, const char *src)
{
	struct scan_ctx *c = u->c;
	char kb[1024];
	int n = snprintf(kb, sizeof(kb), "%s\n%s", src, file);
	if (n < 0 || (size_t)n >= sizeof(kb)) /* a very long path: no cache */
		return mmr_report_result(c->r, file, "misconfiguration", src);
	struct mmr_result *r = mmr_map_get(&u->results, kb);
	if (r)
		return r;
	r = mmr_report_result(c->r, file, "misconfiguration", src);
	char *key = r ? mmr_arena_strdup(c->a, kb) : NULL;
	if (!key || mmr_map_put(&u->results, key, r) < 0)
		return NULL;
	return r;
}

/* JSON Pointers of the unknown values inside v (at most max), for -v. */
static void unknown_ptrs(struct mmr_buf *b, const json_t *v, char *ptr, size_t plen, size_t cap,
			 int *left, int depth)
{
	if (*left <= 0 || depth > 64)
		return;
	if (mmr_iac_is_unknown(v)) {
		mmr_buf_addf(b, "%s%s", b->len ? ", " : "", plen ? ptr : "/");
		(*left)--;
		return;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			int n = snprintf(ptr + plen, cap - plen, "/%s", k);
			if (n > 0 && (size_t)n < cap - plen)
				unknown_ptrs(b, x, ptr, plen + (size_t)n, cap, left, depth + 1);
			ptr[plen] = 0;
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int n = snprintf(ptr + plen, cap - plen, "/%zu", i);
			if (n > 0 && (size_t)n < cap - plen)
				unknown_ptrs(b, json_array_get(v, i), ptr, plen + (size_t)n, cap, left,
					     depth + 1);
			ptr[plen] = 0;
		}
	}
}

static void on_outcome(const struct mmr_policy_outcome *o, void *userdata)
{
	struct eval_ud *u = userdata;
	struct scan_ctx *c = u->c;
	struct mmr_arena *a = c->a;
	const struct mmr_policy_rule *rule = o->rule;
	const struct mmr_iac_resource *res = o->res;
	if (c->err)
		return;
	struct mmr_iac_rule_tally *t = mmr_map_get(&u->tally, rule->id);
	if (o->result == MMR_POLICY_PASS) {
		if (t)
			t->passed++;
		return;
	}
	if (o->result == MMR_POLICY_UNKNOWN) {
		if (t)
			t->unknown++;
		struct mmr_iac_unknown *x = mmr_arena_alloc(a, sizeof(*x));
		if (!x) {
			c->err = -ENOMEM;
			return;
		}
		x->rule_id = rule->id;
		x->file = mmr_arena_strdup(a, res->file ? res->file : "");
		x->address = mmr_arena_strdup(a, res->address ? res->address : "");
		x->line = o->line_start;
		if (o->note) {
			x->why = mmr_arena_strdup(a, o->note);
		} else {
			struct mmr_buf b;
			char ptr[512] = "";
			int left = IAC_MAX_UNKNOWN_PTRS;
			mmr_buf_init(&b, 4096);
			unknown_ptrs(&b, res->doc, ptr, 0, sizeof(ptr), &left, 0);
			x->why = mmr_arena_printf(a, "known only after apply%s%s",
						  b.len ? ": " : "", b.len ? b.p : "");
			mmr_buf_release(&b);
		}
		if (!x->why || mmr_vec_push(a, &u->st->unknowns, x) < 0)
			c->err = -ENOMEM;
		return;
	}
	if (t) {
		t->failed++;
		t->suppressed += o->suppressed_by != NULL;
	}
	/* a value from a satellite in another file points at that file */
	const char *file = o->file ? o->file : (res->file ? res->file : "");
	struct mmr_result *result = result_for(u, file, res->source ? res->source : "iac");
	struct mmr_finding *f = mmr_arena_alloc(a, sizeof(*f));
	const struct rule_texts *rt = rule_texts(u, rule);
	if (!result || !f || !rt) {
		c->err = -ENOMEM;
		return;
	}
	f->kind = MMR_FINDING_MISCONFIGURATION;
	f->rule_id = rt->id;
	f->title = rt->title;
	f->severity = rule->severity;
	f->score = -1;
	/* the result's target is this file, in the report's arena already */
	f->loc.file = result->target && !strcmp(result->target, file) ? result->target
								      : mmr_arena_strdup(a, file);
	f->loc.line_start = o->line_start;
	f->loc.line_end = o->line_end >= o->line_start ? o->line_end : o->line_start;
	f->loc.resource = mmr_arena_strdup(a, res->address);
	f->remediation = rt->remediation;
	for (size_t i = 0; i < rt->fix_sources.n; i++) {
		if (res->source && strcmp(rt->fix_sources.v[i], res->source) == 0) {
			f->fix = rt->fixes.v[i];
			break;
		}
	}
	f->evidence = mmr_arena_printf(a, "%s %s", res->raw_type ? res->raw_type : "",
				       res->address ? res->address : "");
	f->references = rt->refs;
	f->controls = rt->controls;
	f->aliases = rt->aliases;
	if (o->suppressed_by) {
		f->suppressed = true;
		f->suppressed_by = mmr_arena_printf(a, "inline: %s", o->suppressed_by);
	}
	char hex[MMR_SHA256_HEX_LEN + 1];
	struct mmr_buf key; /* hashed, then dropped */
	mmr_buf_init(&key, (size_t)1 << 20);
	if (mmr_buf_addf(&key, "misconfiguration\n%s\n%s\n%s", rule->id, res->file ? res->file : "",
			 res->address ? res->address : "") >= 0 &&
	    mmr_sha256_hex(key.p, key.len, hex) == 0)
		f->fingerprint = mmr_arena_strdup(a, hex);
	mmr_buf_release(&key);
	if (mmr_vec_push(a, &result->findings, f) < 0)
		c->err = -ENOMEM;
}

/* Every file that produced a resource gets its result, findings or not. */
static int file_results(struct scan_ctx *c, struct mmr_iac_scan_stats *st)
{
	struct mmr_map seen;
	mmr_map_init(&seen, c->set->arena);
	for (size_t i = 0; i < c->set->resources.n; i++) {
		const struct mmr_iac_resource *res = c->set->resources.v[i];
		const char *file = res->file ? res->file : "";
		if (mmr_map_has(&seen, file))
			continue;
		if (mmr_map_put(&seen, file, (void *)file) < 0)
			return -ENOMEM;
		const char *src = res->source ? res->source : "iac";
		if (!mmr_report_result(c->r, file, "misconfiguration", src))
			return -ENOMEM;
		char *f = mmr_arena_strdup(c->a, file), *s = mmr_arena_strdup(c->a, src);
		if (!f || !s || mmr_vec_push(c->a, &st->files_seen, f) < 0 ||
		    mmr_vec_push(c->a, &st->sources, s) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < c->set->errors.n; i++) {
		const struct mmr_diag *d = c->set->errors.v[i];
		if (!d->where || mmr_map_has(&seen, d->where))
			continue;
		if (mmr_map_put(&seen, d->where, (void *)d->where) < 0)
			return -ENOMEM;
		char *f = mmr_arena_strdup(c->a, d->where), *s = mmr_arena_strdup(c->a, "");
		if (!f || !s || mmr_vec_push(c->a, &st->files_seen, f) < 0 ||
		    mmr_vec_push(c->a, &st->sources, s) < 0)
			return -ENOMEM;
	}
	st->files = st->files_seen.n;
	return 0;
}

/* Resources only relate inside one unit: a Terraform root module (its
 * state), a CloudFormation template (its stack), a plan file, a Dockerfile;
 * Kubernetes objects of one tree relate as one cluster. Joining across
 * units (the same address module.x.aws_s3_bucket.this in two root
 * modules, the logical id "Bucket" in two templates) would be wrong and
 * quadratic. The Terraform front end appends each root module's resources
 * together, and addresses are unique inside a root module, so a repeated
 * address starts the next root. */
static const char *unit_key(const struct mmr_iac_resource *r)
{
	const char *src = r->source ? r->source : "";
	const char *f = r->file ? r->file : "";
	if (strcmp(src, "kubernetes") == 0)
		return "kubernetes";
	if (strcmp(src, "terraform") == 0 && (mmr_cstr_ends(f, ".tf") || mmr_cstr_ends(f, ".tf.json")))
		return "terraform";
	return f;
}

static int split_units(struct mmr_arena *a, const struct mmr_vec *all, struct mmr_vec *ret)
{
	struct mmr_vec *cur = NULL;
	const char *key = NULL;
	struct mmr_map seen;
	for (size_t i = 0; i < all->n; i++) {
		struct mmr_iac_resource *r = all->v[i];
		const char *k = unit_key(r);
		const char *addr = r->address ? r->address : "";
		bool tf = strcmp(k, "terraform") == 0;
		if (!cur || strcmp(k, key) != 0 || (tf && mmr_map_has(&seen, addr))) {
			cur = mmr_arena_alloc(a, sizeof(*cur));
			if (!cur || mmr_vec_push(a, ret, cur) < 0)
				return -ENOMEM;
			key = k;
			mmr_map_init(&seen, a);
		}
		if ((tf && mmr_map_put(&seen, addr, r) < 0) || mmr_vec_push(a, cur, r) < 0)
			return -ENOMEM;
	}
	return 0;
}

int mmr_iac_scan(struct mmr_report *r, const char *path, const struct mmr_policy_set *rules,
		 const struct mmr_iac_scan_opts *o, struct mmr_iac_scan_stats *ret_stats,
		 struct mmr_error *reterr)
{
	static const struct mmr_iac_scan_opts none = { 0 };
	struct mmr_iac_scan_stats st = { 0 };
	if (!r || !path || !rules)
		return -EINVAL;
	if (!o)
		o = &none;
	struct stat sb;
	if (stat(path, &sb) < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot scan: %s", strerror(errno));
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return mmr_error_set(reterr, EINVAL, path, 0, 0,
				     "cannot scan: not a file or directory");
	if (!r->asset.name) {
		r->asset.kind = MMR_ASSET_FS;
		r->asset.name = mmr_arena_strdup(r->arena, path);
	}
	struct mmr_arena *sa = mmr_arena_new(0);
	if (!sa)
		return -ENOMEM;
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, sa);
	struct scan_ctx c = { .r = r, .set = &set, .o = o, .a = r->arena };
	if (o->limits)
		c.lim = *o->limits;
	else
		mmr_limits_default(&c.lim);
	int rc = 0;

	/* Terraform: modules by directory (or the one file) */
	const char *base = mmr_path_base(path);
	bool tf_file = mmr_cstr_ends(base, ".tf") || mmr_cstr_ends(base, ".tf.json");
	if (S_ISDIR(sb.st_mode) || tf_file) {
		struct mmr_tf_options to = { .limits = &c.lim,
					     .var_files = o->var_files,
					     .n_var_files = o->n_var_files,
					     .no_env = o->no_env };
		rc = mmr_tf_scan(&set, path, &to, reterr);
		if (rc < 0)
			goto out;
	}
	/* everything else, file by file */
	if (S_ISDIR(sb.st_mode))
		walk(&c, path, 0);
	else if (!tf_file)
		scan_file(&c, path);
	if ((rc = c.err) < 0)
		goto out;
	struct mmr_vec units = { 0 };
	if ((rc = split_units(sa, &set.resources, &units)) < 0)
		goto out;
	/* units are normalised just before their rules run (below), and their
	 * documents released right after: normalisation touches only the
	 * documents and types of its own unit, so the peak holds the raw
	 * documents, not every unit's normalised one and the findings too */

	/* syntax errors and unresolved values: diagnostics, the scan goes on */
	for (size_t i = 0; i < set.errors.n; i++) {
		const struct mmr_diag *d = set.errors.v[i];
		if (mmr_report_diag(r, d->where ? d->where : path, "%s", d->message) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < set.unresolved.n; i++) {
		const struct mmr_diag *d = set.unresolved.v[i];
		if (mmr_report_diag(r, d->where ? d->where : path, "unresolved: %s", d->message) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	st.syntax_errors = set.errors.n;
	st.unresolved = set.unresolved.n;
	st.resources = set.resources.n;
	if ((rc = file_results(&c, &st)) < 0)
		goto out;

	struct eval_ud u = { .c = &c, .st = &st };
	mmr_map_init(&u.tally, r->arena);
	mmr_map_init(&u.results, r->arena);
	mmr_map_init(&u.texts, r->arena);
	for (size_t i = 0; i < rules->rules.n; i++) {
		const struct mmr_policy_rule *rule = rules->rules.v[i];
		if (rule->disabled)
			continue;
		struct mmr_iac_rule_tally *t = mmr_arena_alloc(r->arena, sizeof(*t));
		if (!t || !(t->rule_id = mmr_arena_strdup(r->arena, rule->id)) ||
		    mmr_map_put(&u.tally, t->rule_id, t) < 0 ||
		    mmr_vec_push(r->arena, &st.tallies, t) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < units.n; i++) {
		struct mmr_iac_set sub = { .arena = sa, .resources = *(struct mmr_vec *)units.v[i] };
		struct mmr_policy_stats ps = { 0 };
		if ((rc = mmr_iac_normalise(&sub, reterr)) < 0)
			goto out;
		rc = mmr_policy_eval(rules, &sub, on_outcome, &u, &ps);
		if (rc >= 0 && c.err)
			rc = c.err;
		if (rc < 0)
			goto out;
		/* the findings hold copies: this unit's documents can go */
		for (size_t j = 0; j < sub.resources.n; j++) {
			struct mmr_iac_resource *res = sub.resources.v[j];
			json_decref(res->doc);
			json_decref(res->pos);
			res->doc = res->pos = NULL;
		}
		st.evaluated += ps.evaluated;
		st.passed += ps.passed;
		st.failed += ps.failed;
		st.unknown += ps.unknown;
		st.suppressed += ps.suppressed;
	}
	rc = 0;
	if (ret_stats)
		*ret_stats = st;
out:
	mmr_iac_set_release(&set);
	mmr_arena_free(sa);
	return rc;
}
