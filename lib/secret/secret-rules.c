/* secret-rules.c - gitleaks TOML configs into our rule model.
 *
 * Keys read (gitleaks v8 names): title; [extend] useDefault, disabledRules;
 * [[rules]] id, description, regex, secretGroup, entropy, keywords, path,
 * tags, severity (ours: CRITICAL/HIGH/MEDIUM/LOW), [rules.allowlist] or
 * [[rules.allowlists]]; global [allowlist] or [[allowlists]] (targetRules).
 * Allowlists: description, condition (OR/AND), commits, paths, regexes,
 * regexTarget (secret/match/line), stopwords. Unknown keys are ignored, as
 * gitleaks does. `[extend] path` (another file) is not followed: -ENOTSUP.
 *
 * Regexes are Go RE2 syntax. PCRE2 accepts nearly all of it; what differs is
 * translated: `\z` stays (PCRE2 has it), `$` keeps its RE2 meaning (end of
 * text) through PCRE2_DOLLAR_ENDONLY, and `(?P<name>` is accepted by PCRE2 as
 * is. RE2 has no backtracking, so a pattern's cost in PCRE2 is bounded by
 * match and depth limits instead. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-toml.h"
#include "secret/secret-internal.h"

pcre2_code *mmr_secret_pcre_compile(const char *pattern, char *err, size_t errlen)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_DOLLAR_ENDONLY, &ec, &eo, NULL);
	if (!re) {
		PCRE2_UCHAR buf[256];
		pcre2_get_error_message(ec, buf, sizeof(buf));
		snprintf(err, errlen, "%s at offset %zu", (const char *)buf, (size_t)eo);
		return NULL;
	}
	/* JIT is an optimisation: without it the interpreter runs */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static char *xstrdup_lower(const char *s, bool lower)
{
	char *d = strdup(s);
	if (d && lower)
		for (char *p = d; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return d;
}

static void allowlist_release(struct mmr_secret_allowlist *al)
{
	for (size_t i = 0; i < al->nregexes; i++)
		pcre2_code_free(al->regexes[i]);
	for (size_t i = 0; i < al->npaths; i++)
		pcre2_code_free(al->paths[i]);
	for (size_t i = 0; i < al->nstopwords; i++)
		free(al->stopwords[i]);
	for (size_t i = 0; i < al->ncommits; i++)
		free(al->commits[i]);
	for (size_t i = 0; i < al->ntarget_rules; i++)
		free(al->target_rules[i]);
	free(al->regexes);
	free(al->paths);
	free(al->stopwords);
	free(al->commits);
	free(al->target_rules);
}

static void rule_release(struct mmr_secret_rule *r)
{
	free(r->id);
	free(r->description);
	for (size_t i = 0; r->tags && r->tags[i]; i++)
		free(r->tags[i]);
	free(r->tags);
	for (size_t i = 0; i < r->nkeywords; i++)
		free(r->keywords[i]);
	free(r->keywords);
	free(r->regex);
	pcre2_code_free(r->re);
	pcre2_code_free(r->re_at);
	pcre2_code_free(r->path);
	free(r->note);
	for (size_t i = 0; i < r->nal; i++)
		allowlist_release(&r->al[i]);
	free(r->al);
}

void mmr_secret_rules_free(struct mmr_secret_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->nal; i++)
		allowlist_release(&rs->al[i]);
	free(rs->al);
	if (rs->db)
		hs_free_database(rs->db);
	free(rs->hs_rule);
	free(rs->hs_kwlen);
	free(rs->always);
	pcre2_match_context_free(rs->mctx);
	free(rs);
}

/* ---- reading the jansson tree ---- */

struct load {
	const char *file;
	struct mmr_error *reterr;
	const char *where; /* "rule 'x'" or "global allowlist" */
};

static int bad(struct load *l, const char *what)
{
	return mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0, "%s: %s", l->where, what);
}

/* A string array (or absent). Fills a malloc'd array of malloc'd strings. */
static int str_array(struct load *l, json_t *o, const char *key, bool lower, char ***ret,
		     size_t *retn)
{
	json_t *a = json_object_get(o, key);
	*ret = NULL;
	*retn = 0;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0, "%s: '%s' must be an array of strings",
				     l->where, key);
	size_t n = json_array_size(a);
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0,
					     "%s: '%s' must be an array of strings", l->where, key);
		}
		if (!(v[i] = xstrdup_lower(s, lower))) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	*retn = n;
	return 0;
}

static int regex_array(struct load *l, json_t *o, const char *key, pcre2_code ***ret, size_t *retn)
{
	char **s;
	size_t n;
	int rc = str_array(l, o, key, false, &s, &n);
	if (rc < 0)
		return rc;
	*ret = NULL;
	*retn = 0;
	if (!n) {
		free(s);
		return 0;
	}
	pcre2_code **v = calloc(n, sizeof(*v));
	if (!v)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char err[300];
		if (!(v[i] = mmr_secret_pcre_compile(s[i], err, sizeof(err)))) {
			rc = mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0, "%s: bad regex in '%s': %s",
					   l->where, key, err);
			for (size_t k = 0; k < i; k++)
				pcre2_code_free(v[k]);
			free(v);
			v = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(s[i]);
	free(s);
	if (rc < 0)
		return rc;
	*ret = v;
	*retn = n;
	return 0;
}

static int allowlist_parse(struct load *l, json_t *o, bool global, struct mmr_secret_allowlist *al)
{
	memset(al, 0, sizeof(*al));
	if (!json_is_object(o))
		return bad(l, "an allowlist must be a table");
	const char *cond = json_string_value(json_object_get(o, "condition"));
	if (cond && strcasecmp(cond, "AND") == 0)
		al->and = true;
	else if (cond && strcasecmp(cond, "OR") != 0 && cond[0])
		return bad(l, "allowlist condition must be OR or AND");
	const char *tgt = json_string_value(json_object_get(o, "regexTarget"));
	if (!tgt || !tgt[0] || strcmp(tgt, "secret") == 0)
		al->target = MMR_SECRET_T_SECRET;
	else if (strcmp(tgt, "match") == 0)
		al->target = MMR_SECRET_T_MATCH;
	else if (strcmp(tgt, "line") == 0)
		al->target = MMR_SECRET_T_LINE;
	else
		return mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0,
				     "%s: unknown allowlist regexTarget '%s' (secret, match, line)",
				     l->where, tgt);
	int rc;
	if ((rc = regex_array(l, o, "regexes", &al->regexes, &al->nregexes)) < 0 ||
	    (rc = regex_array(l, o, "paths", &al->paths, &al->npaths)) < 0 ||
	    (rc = str_array(l, o, "stopwords", true, &al->stopwords, &al->nstopwords)) < 0 ||
	    (rc = str_array(l, o, "commits", false, &al->commits, &al->ncommits)) < 0 ||
	    (global && (rc = str_array(l, o, "targetRules", false, &al->target_rules,
				       &al->ntarget_rules)) < 0)) {
		allowlist_release(al);
		memset(al, 0, sizeof(*al));
		return rc;
	}
	if (!al->nregexes && !al->npaths && !al->nstopwords && !al->ncommits) {
		allowlist_release(al);
		memset(al, 0, sizeof(*al));
		return bad(l, "an allowlist must have commits, paths, regexes or stopwords");
	}
	return 0;
}

/* `[allowlist]` (old, one table) or `[[allowlists]]`, not both. */
static int allowlists_parse(struct load *l, json_t *o, bool global, struct mmr_secret_allowlist **ret,
			    size_t *retn)
{
	json_t *old = json_object_get(o, "allowlist");
	json_t *new = json_object_get(o, "allowlists");
	*ret = NULL;
	*retn = 0;
	if (old && new)
		return bad(l, "both 'allowlist' and 'allowlists' are given; use 'allowlists'");
	if (!old && !new)
		return 0;
	if (new && !json_is_array(new))
		return bad(l, "'allowlists' must be an array of tables");
	size_t n = old ? 1 : json_array_size(new);
	struct mmr_secret_allowlist *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int rc = allowlist_parse(l, old ? old : json_array_get(new, i), global, &v[i]);
		if (rc < 0) {
			for (size_t k = 0; k < i; k++)
				allowlist_release(&v[k]);
			free(v);
			return rc;
		}
	}
	*ret = v;
	*retn = n;
	return 0;
}

/* Does the regex mean to span lines? (`\s` crossing one line end is covered
 * by the line window, which takes the next line too.) */
static bool regex_multiline(const char *re)
{
	return strstr(re, "\\n") || strstr(re, "[\\s\\S]") || strstr(re, "(?s") ||
	       strstr(re, "-----BEGIN");
}

static int capture_count(const pcre2_code *re)
{
	uint32_t n = 0;
	pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
	return (int)n;
}

static bool default_high(const char *id, char *const *tags)
{
	static const char *const hi[] = { "private-key", "aws-", "gcp-", "azure-", "alibaba-",
					  "age-secret", "pkcs12", "kubeconfig", "credentials" };
	for (size_t i = 0; i < sizeof(hi) / sizeof(hi[0]); i++)
		if (strstr(id, hi[i]))
			return true;
	for (size_t i = 0; tags && tags[i]; i++)
		if (strcmp(tags[i], "private-key") == 0 || strcmp(tags[i], "cloud") == 0)
			return true;
	return false;
}

static int rule_parse(struct load *l, json_t *o, struct mmr_secret_rule *r)
{
	char where[300];
	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return bad(l, "a rule must be a table");
	const char *id = json_string_value(json_object_get(o, "id"));
	if (!id || !id[0])
		return bad(l, "a rule has no 'id'");
	snprintf(where, sizeof(where), "rule '%s'", id);
	l->where = where;
	int rc = -ENOMEM;
	const char *desc = json_string_value(json_object_get(o, "description"));
	const char *regex = json_string_value(json_object_get(o, "regex"));
	const char *path = json_string_value(json_object_get(o, "path"));
	if (regex && !regex[0])
		regex = NULL;
	if (path && !path[0])
		path = NULL;
	if (!(r->id = strdup(id)) || !(r->description = strdup(desc ? desc : "")))
		goto fail;
	if (!regex && !path) {
		rc = bad(l, "a rule needs a 'regex' or a 'path'");
		goto fail;
	}
	size_t ntags;
	if ((rc = str_array(l, o, "tags", false, &r->tags, &ntags)) < 0)
		goto fail;
	if (!r->tags && !(r->tags = calloc(1, sizeof(*r->tags)))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = str_array(l, o, "keywords", true, &r->keywords, &r->nkeywords)) < 0)
		goto fail;
	json_t *e = json_object_get(o, "entropy");
	if (e) {
		if (!json_is_number(e) || json_number_value(e) < 0 || json_number_value(e) > 64) {
			rc = bad(l, "'entropy' must be a number from 0 to 64");
			goto fail;
		}
		r->entropy = json_number_value(e);
	}
	json_t *sg = json_object_get(o, "secretGroup");
	if (sg) {
		if (!json_is_integer(sg) || json_integer_value(sg) < 0 || json_integer_value(sg) > 99) {
			rc = bad(l, "'secretGroup' must be an integer from 0 to 99");
			goto fail;
		}
		r->secret_group = (int)json_integer_value(sg);
	}
	char err[300];
	if (regex) {
		if (!(r->regex = strdup(regex))) {
			rc = -ENOMEM;
			goto fail;
		}
		if (!(r->re = mmr_secret_pcre_compile(regex, err, sizeof(err)))) {
			rc = mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0, "%s: bad regex: %s", where, err);
			goto fail;
		}
		if (r->secret_group > capture_count(r->re)) {
			rc = mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0,
					   "%s: secretGroup %d but the regex has %d groups", where,
					   r->secret_group, capture_count(r->re));
			goto fail;
		}
		r->multiline = regex_multiline(regex);
	}
	if (path && !(r->path = mmr_secret_pcre_compile(path, err, sizeof(err)))) {
		rc = mmr_error_set(l->reterr, EBADMSG, l->file, 0, 0, "%s: bad path regex: %s", where, err);
		goto fail;
	}
	const char *sev = json_string_value(json_object_get(o, "severity"));
	r->severity = sev ? mmr_severity_from_name(sev) : MMR_SEV_UNKNOWN;
	if (r->severity == MMR_SEV_UNKNOWN)
		r->severity = default_high(r->id, r->tags) ? MMR_SEV_HIGH : MMR_SEV_MEDIUM;
	if ((rc = allowlists_parse(l, o, false, &r->al, &r->nal)) < 0)
		goto fail;
	return 0;
fail:
	rule_release(r);
	memset(r, 0, sizeof(*r));
	return rc;
}

static bool in_list(const char *s, json_t *a)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *x = json_string_value(json_array_get(a, i));
		if (x && strcmp(x, s) == 0)
			return true;
	}
	return false;
}

/* Append the rules of one parsed document; a rule with an id already
 * present replaces it (extend semantics: the child wins). */
static int add_rules(struct mmr_secret_rules *rs, struct load *l, json_t *rules, json_t *disabled)
{
	if (!rules)
		return 0;
	if (!json_is_array(rules))
		return bad(l, "'rules' must be an array of tables ([[rules]])");
	size_t n = json_array_size(rules);
	if (rs->n + n > MMR_SECRET_MAX_RULES)
		return mmr_error_set(l->reterr, E2BIG, l->file, 0, 0, "more than %d rules",
				     MMR_SECRET_MAX_RULES);
	struct mmr_secret_rule *v = realloc(rs->rules, (rs->n + n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs->rules = v;
	for (size_t i = 0; i < n; i++) {
		struct mmr_secret_rule r;
		char where[64];
		snprintf(where, sizeof(where), "rule %zu", i + 1);
		l->where = where;
		int rc = rule_parse(l, json_array_get(rules, i), &r);
		if (rc < 0)
			return rc;
		if (disabled && in_list(r.id, disabled)) {
			rule_release(&r);
			continue;
		}
		size_t k;
		for (k = 0; k < rs->n; k++)
			if (strcmp(rs->rules[k].id, r.id) == 0)
				break;
		if (k < rs->n)
			rule_release(&rs->rules[k]);
		else
			rs->n++;
		rs->rules[k] = r;
	}
	return 0;
}

static int parse_doc(struct mmr_secret_rules *rs, const void *toml, size_t len, const char *file,
		     int depth, struct mmr_error *reterr)
{
	json_t *root = NULL;
	struct load l = { .file = file, .reterr = reterr, .where = "config" };
	int rc = mmr_toml_parse(toml, len, file, 64, &root, reterr);
	if (rc < 0)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return bad(&l, "not a table");
	}
	json_t *ext = json_object_get(root, "extend");
	json_t *disabled = NULL;
	if (ext) {
		disabled = json_object_get(ext, "disabledRules");
		if (json_string_value(json_object_get(ext, "path"))) {
			json_decref(root);
			return mmr_error_set(reterr, ENOTSUP, file, 0, 0,
					     "[extend] path is not supported: merge the files, or use "
					     "useDefault = true for the built-in rules");
		}
		if (json_is_true(json_object_get(ext, "useDefault")) && depth == 0) {
			size_t blen;
			const char *b = mmr_secret_builtin_toml(&blen);
			if ((rc = parse_doc(rs, b, blen, "<built-in rules>", depth + 1, reterr)) < 0) {
				json_decref(root);
				return rc;
			}
			/* disabledRules applies to the base's rules */
			for (size_t i = 0; disabled && i < rs->n;) {
				if (in_list(rs->rules[i].id, disabled)) {
					rule_release(&rs->rules[i]);
					memmove(&rs->rules[i], &rs->rules[i + 1],
						(rs->n - i - 1) * sizeof(rs->rules[0]));
					rs->n--;
				} else {
					i++;
				}
			}
		}
	}
	if ((rc = add_rules(rs, &l, json_object_get(root, "rules"), NULL)) < 0) {
		json_decref(root);
		return rc;
	}
	struct mmr_secret_allowlist *al;
	size_t nal;
	l.where = "global allowlist";
	if ((rc = allowlists_parse(&l, root, true, &al, &nal)) < 0) {
		json_decref(root);
		return rc;
	}
	json_decref(root);
	if (nal) {
		struct mmr_secret_allowlist *v = realloc(rs->al, (rs->nal + nal) * sizeof(*v));
		if (!v) {
			for (size_t i = 0; i < nal; i++)
				allowlist_release(&al[i]);
			free(al);
			return -ENOMEM;
		}
		memcpy(v + rs->nal, al, nal * sizeof(*al));
		rs->al = v;
		rs->nal += nal;
		free(al);
	}
	return 0;
}

int mmr_secret_rules_new(const void *toml, size_t len, const char *file,
			 struct mmr_secret_rules **ret, struct mmr_error *reterr)
{
	if (!file)
		file = "<config>";
	if (len > MMR_SECRET_MAX_CONFIG)
		return mmr_error_set(reterr, E2BIG, file, 0, 0, "config larger than %u bytes",
				     MMR_SECRET_MAX_CONFIG);
	struct mmr_secret_rules *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	int rc = parse_doc(rs, toml, len, file, 0, reterr);
	/* targetRules must name rules that exist */
	for (size_t i = 0; rc == 0 && i < rs->nal; i++)
		for (size_t k = 0; rc == 0 && k < rs->al[i].ntarget_rules; k++) {
			size_t j;
			for (j = 0; j < rs->n; j++)
				if (strcmp(rs->rules[j].id, rs->al[i].target_rules[k]) == 0)
					break;
			if (j == rs->n)
				rc = mmr_error_set(reterr, EBADMSG, file, 0, 0,
						   "global allowlist: targetRules names unknown rule '%s'",
						   rs->al[i].target_rules[k]);
		}
	if (rc == 0 && mmr_sha256_hex(toml, len, rs->digest) < 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = mmr_secret_compile_engine(rs, reterr);
	if (rc < 0) {
		mmr_secret_rules_free(rs);
		return rc;
	}
	*ret = rs;
	return 0;
}

int mmr_secret_rules_builtin(struct mmr_secret_rules **ret, struct mmr_error *reterr)
{
	size_t len;
	const char *t = mmr_secret_builtin_toml(&len);
	return mmr_secret_rules_new(t, len, "<built-in rules>", ret, reterr);
}

int mmr_secret_rules_load(const char *path, struct mmr_secret_rules **ret, struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mmr_error_set(reterr, EINVAL, path, 0, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > MMR_SECRET_MAX_CONFIG) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "config larger than %u bytes",
				     MMR_SECRET_MAX_CONFIG);
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	int rc = mmr_secret_rules_new(buf, got, path, ret, reterr);
	free(buf);
	return rc;
}

size_t mmr_secret_rules_count(const struct mmr_secret_rules *rs)
{
	return rs->n;
}

const char *mmr_secret_rules_digest(const struct mmr_secret_rules *rs)
{
	return rs->digest;
}

int mmr_secret_rule_info(const struct mmr_secret_rules *rs, size_t i,
			 struct mmr_secret_rule_info *ret)
{
	if (i >= rs->n)
		return -ENOENT;
	const struct mmr_secret_rule *r = &rs->rules[i];
	static const char *const pf[] = { "keywords", "vectorscan", "pcre2", "path" };
	*ret = (struct mmr_secret_rule_info){
		.id = r->id,
		.description = r->description,
		.severity = r->severity,
		.prefilter = pf[r->pf],
		.note = r->note,
		.nkeywords = r->nkeywords,
		.tags = (const char *const *)r->tags,
	};
	return 0;
}

double mmr_secret_entropy(const char *s, size_t n)
{
	if (!n)
		return 0;
	size_t cnt[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		cnt[(unsigned char)s[i]]++;
	double h = 0;
	for (size_t i = 0; i < 256; i++)
		if (cnt[i]) {
			double p = (double)cnt[i] / (double)n;
			h -= p * log2(p);
		}
	return h;
}
