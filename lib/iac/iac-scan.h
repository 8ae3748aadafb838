/* iac-scan.h - the IaC scan as one library call: walk a file or directory
 * tree, hand each file to its front end, normalise, evaluate the rules and
 * turn the outcomes into report findings (what `mamori iac` runs).
 *
 * Dispatch (by name, then content):
 *   - Terraform: every directory holding .tf / .tf.json files is a module;
 *     the root modules (those no other directory calls) are evaluated by
 *     mmr_tf_scan() with tfvars, --var-file and TF_VAR_*;
 *   - plan JSON (`terraform show -json`): *.json that mmr_tf_is_plan();
 *   - CloudFormation / SAM: *.json, *.yaml, *.yml, *.template that
 *     mmr_cfn_is_template() (AWSTemplateFormatVersion, or Resources with
 *     AWS:: types);
 *   - Kubernetes manifests and Dockerfiles once their front ends exist
 *     (rows of the front-end table in iac-scan.c).
 * Directories and files whose names start with '.' are not walked.
 *
 * Report: one result per scanned file that produced a resource (class
 * "misconfiguration", type = the front end: "terraform", "cloudformation",
 * "kubernetes", "dockerfile"), a MISCONFIGURATION finding per failed rule
 * with the file, the line range of the offending attribute and the resource
 * address; inline suppressions keep the finding with suppressed=true.
 * Syntax errors and values left unresolved become report diagnostics
 * ("file:line:col: message") and the scan goes on with the other files.
 *
 * Ownership: findings live in the report's arena; the rule tallies in
 * ret->arena (the report's). Library code never prints. */
#ifndef MMR_IAC_SCAN_H
#define MMR_IAC_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-error.h"
#include "core/core-limits.h"
#include "core/core-vec.h"
#include "model/model.h"

struct mmr_policy_set;

/* Built-in rule files, embedded at build time from rules/iac/ (generated
 * by iac-rules-embed.py); the array ends with a NULL name. */
struct mmr_iac_rule_file {
	const char *name; /* "rules/iac/aws/s3.yaml" */
	const char *text;
	size_t len;
};
const struct mmr_iac_rule_file *mmr_iac_builtin_rules(void);

/* Load the built-in rules and then every directory in dirs (--rules) into
 * a new set. -EBADMSG / -EEXIST with reterr naming the rule file:line:col. */
int mmr_iac_rules_load(const char *const *dirs, size_t ndirs, bool builtin,
		       struct mmr_policy_set **ret, struct mmr_error *reterr);

struct mmr_iac_scan_opts {
	const struct mmr_limits *limits;  /* NULL: defaults */
	const char *const *var_files;     /* Terraform --var-file, in order */
	size_t n_var_files;
	bool no_env;                      /* ignore TF_VAR_* */
};

/* What one rule did over the whole scan (for the compliance view). */
struct mmr_iac_rule_tally {
	const char *rule_id;
	size_t passed, failed, unknown, suppressed;
};

/* An UNKNOWN outcome: which rule on which resource, and why. */
struct mmr_iac_unknown {
	const char *rule_id, *file, *address;
	unsigned long line;
	const char *why;
};

struct mmr_iac_scan_stats {
	size_t files, resources, syntax_errors, unresolved;
	size_t evaluated, passed, failed, unknown, suppressed;
	struct mmr_vec tallies;  /* struct mmr_iac_rule_tally *, in rule order */
	struct mmr_vec unknowns; /* struct mmr_iac_unknown * */
	struct mmr_vec sources;  /* const char *: "terraform", ... per file (parallel to files_seen) */
	struct mmr_vec files_seen; /* const char *: every file that produced a resource or an error */
};

/* Scan path (file or directory) with the rule set, adding results,
 * findings and diagnostics to r (asset kind FS, name = path, unless the
 * caller set one). ret_stats (optional) is filled from r->arena.
 * Returns 0, or -errno when the scan as a whole failed (path unreadable:
 * -ENOENT with reterr; -ENOMEM; -E2BIG). */
int mmr_iac_scan(struct mmr_report *r, const char *path, const struct mmr_policy_set *rules,
		 const struct mmr_iac_scan_opts *o, struct mmr_iac_scan_stats *ret_stats,
		 struct mmr_error *reterr);

#endif
