/* policy.h - the rule language and its evaluator (docs/policy-language.md).
 *
 * A rule set is loaded from YAML rule files (rules/iac/ and below, plus the
 * user's --rules directories), each rule's condition compiled once to an
 * AST. Evaluation runs every enabled rule over every resource of an
 * struct mmr_iac_set whose type (normalised or raw) the rule lists.
 *
 * A condition describes the violation: true -> FAIL (a finding), false ->
 * PASS, and a condition that depends on a value only known after apply
 * ({"$unknown": true}) -> UNKNOWN (Kleene three-valued logic), which is
 * reported as such, never as pass or fail.
 *
 * Ownership: the set owns its arena; rules, their strings and compiled
 * conditions die with mmr_policy_set_free(). Errors in rule files fill
 * reterr with the rule file and the line:column inside it (for conditions,
 * the position of the offending token inside the YAML file).
 *
 * Limits: a condition is at most MMR_POLICY_MAX_EXPR bytes and nests at
 * most MMR_POLICY_MAX_DEPTH deep; one rule on one resource evaluates at
 * most MMR_POLICY_MAX_STEPS steps (then UNKNOWN, with a diagnostic);
 * regular expressions run under PCRE2 match and depth limits. */
#ifndef MMR_POLICY_H
#define MMR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "iac/iac.h"
#include "model/model.h"

#define MMR_POLICY_MAX_EXPR (64 * 1024)
#define MMR_POLICY_MAX_DEPTH 64
#define MMR_POLICY_MAX_VARS 16
#define MMR_POLICY_MAX_STEPS 1000000UL
#define MMR_POLICY_MAX_RULE_FILE (1024 * 1024)

struct mmr_policy_expr; /* compiled condition (opaque) */

struct mmr_policy_fix {
	const char *source;  /* "terraform", "cloudformation", "kubernetes", "dockerfile" */
	const char *snippet;
};

struct mmr_policy_rule {
	const char *id;          /* "MMR-AWS-S3-001" */
	const char *title;
	const char *description;
	enum mmr_severity severity;
	enum mmr_severity default_severity;
	const char *remediation;
	const char *file;        /* rule file it came from */
	unsigned long line;      /* line of the rule's first key */
	const char *condition_text;
	struct mmr_policy_expr *cond;
	struct mmr_vec types;      /* const char *: resource types (normalised or raw) */
	struct mmr_vec peers;      /* const char *: peer ids (CKV_AWS_20, AVD-AWS-0086, ...) */
	struct mmr_vec references; /* const char * */
	struct mmr_vec controls;   /* const char *: "framework:control" */
	struct mmr_vec fixes;      /* struct mmr_policy_fix * */
	bool disabled;             /* --skip */
	json_t *examples;          /* {"bad": [...], "good": [...]} for self-tests, or NULL */
};

struct mmr_policy_set {
	struct mmr_arena *arena;
	struct mmr_vec rules;     /* struct mmr_policy_rule * */
	struct mmr_vec regexes;   /* pcre2_code * compiled at load, freed with the set */
	struct mmr_vec literals;  /* json_t * of the conditions' literals, released with the set */
};

int mmr_policy_set_new(struct mmr_policy_set **ret);
void mmr_policy_set_free(struct mmr_policy_set *s); /* NULL is a no-op */

/* Load one rule file (one rule as a mapping, or `rules:` with a list of them).
 * -EBADMSG with reterr naming file:line:col on a bad rule; -EEXIST when a
 * rule id is already loaded (user rules may not shadow built-ins silently). */
int mmr_policy_load_buffer(struct mmr_policy_set *s, const void *data, size_t len,
			   const char *file, struct mmr_error *reterr);
int mmr_policy_load_file(struct mmr_policy_set *s, const char *path, struct mmr_error *reterr);
/* Every *.yaml / *.yml below dir (recursively, sorted for stable order). */
int mmr_policy_load_dir(struct mmr_policy_set *s, const char *dir, struct mmr_error *reterr);
/* Load from several directories into a new set. */
int mmr_policy_load(const char *const *dirs, size_t ndirs, struct mmr_policy_set **ret,
		    struct mmr_error *reterr);

struct mmr_policy_rule *mmr_policy_find(const struct mmr_policy_set *s, const char *id);
/* --skip ID: -ENOENT if no such rule. */
int mmr_policy_skip(struct mmr_policy_set *s, const char *id);
/* --severity-override ID=LEVEL: -EINVAL on bad syntax/level, -ENOENT on unknown id. */
int mmr_policy_severity_override(struct mmr_policy_set *s, const char *assignment);

/* Compile a condition on its own (tests, tools). file/line/col: where the
 * text starts, for messages. The expression lives in s->arena. */
int mmr_policy_compile(struct mmr_policy_set *s, const char *text, size_t len, const char *file,
		       unsigned long line, unsigned long col, struct mmr_policy_expr **ret,
		       struct mmr_error *reterr);

enum mmr_policy_result {
	MMR_POLICY_PASS,
	MMR_POLICY_FAIL,
	MMR_POLICY_UNKNOWN,
};
const char *mmr_policy_result_name(enum mmr_policy_result r);

/* Evaluate one compiled condition against one resource of a set. */
enum mmr_policy_result mmr_policy_eval_expr(const struct mmr_policy_expr *e,
					    const struct mmr_iac_set *set,
					    const struct mmr_iac_resource *res);

/* One rule on one resource. */
struct mmr_policy_outcome {
	const struct mmr_policy_rule *rule;
	const struct mmr_iac_resource *res;
	enum mmr_policy_result result;
	const char *suppressed_by; /* the inline ignore that matched, or NULL */
	unsigned long line_start, line_end; /* most specific attribute touched */
	const char *file;          /* the file those lines are in: res->file, or the
				    * satellite's file a normalised value came from */
	const char *note;          /* why UNKNOWN when the budget ran out, else NULL */
};

typedef void (*mmr_policy_outcome_fn)(const struct mmr_policy_outcome *o, void *userdata);

struct mmr_policy_stats {
	size_t evaluated, passed, failed, unknown, suppressed;
};

/* Run every enabled rule on every matching resource; cb sees each outcome. */
int mmr_policy_eval(const struct mmr_policy_set *s, const struct mmr_iac_set *set,
		    mmr_policy_outcome_fn cb, void *userdata, struct mmr_policy_stats *ret_stats);

/* Same, adding a MISCONFIGURATION finding per FAIL to the report (result per
 * file, class "config", type = the resource's source); suppressed ones are
 * kept with suppressed=true; UNKNOWN ones become report diagnostics. */
int mmr_policy_eval_report(const struct mmr_policy_set *s, const struct mmr_iac_set *set,
			   struct mmr_report *r, struct mmr_policy_stats *ret_stats);

/* True when the inline ignore `ig` ("<id> reason", optionally prefixed with
 * mamori:ignore:, checkov:skip=, trivy:ignore:, tfsec:ignore:) names the
 * rule or one of its peers. */
bool mmr_policy_ignore_matches(const struct mmr_policy_rule *rule, const char *ig);

#endif
