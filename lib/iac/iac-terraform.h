/* iac-terraform.h - Terraform: module loading and evaluation into resource
 * documents (struct mmr_iac_resource, see iac.h), and plan JSON.
 *
 * A scan walks a directory tree, parses every .tf/.tf.json file (a syntax
 * error goes to set->errors and the scan goes on), finds the root modules
 * (directories no other directory calls as a module) and evaluates each:
 * variables, locals, module calls (local sources and those listed in
 * .terraform/modules/modules.json), count/for_each, dynamic blocks, the
 * built-in functions. Evaluation is lazy and memoised (each value is
 * computed once, when first needed), which reaches the same fixed point as
 * iterating to one, in one pass; a value that needs itself is a reference
 * cycle, reported with the cycle named. Anything left unknown is recorded in
 * set->unresolved with the reason. file()/templatefile() and module sources
 * cannot leave the scanned root.
 *
 * Limits: MMR_TF_MAX_INSTANCES resource instances per scan,
 * MMR_TF_MAX_MODULE_DEPTH nested module calls, max_json_depth for syntax
 * nesting, max_file_size per file. */
#ifndef MMR_IAC_TERRAFORM_H
#define MMR_IAC_TERRAFORM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/core-limits.h"
#include "iac/iac.h"

#define MMR_TF_MAX_INSTANCES 200000
#define MMR_TF_MAX_MODULE_DEPTH 32
#define MMR_TF_MAX_EVAL_DEPTH 400

struct mmr_tf_options {
	const struct mmr_limits *limits;  /* NULL: defaults */
	const char *const *var_files;     /* --var-file, in order (paths as given) */
	size_t n_var_files;
	const char *const *vars;          /* -var "name=value" */
	size_t n_vars;
	bool no_env;                      /* ignore TF_VAR_* */
};

/* Scan a directory tree or one .tf/.tf.json/plan .json file. Returns 0 (even
 * when files had syntax errors: those are in set->errors), or -errno when
 * the scan as a whole failed (unreadable root, -ENOMEM, -E2BIG). */
int mmr_tf_scan(struct mmr_iac_set *set, const char *path, const struct mmr_tf_options *o,
		struct mmr_error *reterr);

/* Plan JSON (`terraform show -json plan`): resource_changes[].change.after
 * (after_unknown marks -> {"$unknown": true}), or planned_values when no
 * resource_changes. -EPROTO when the JSON is not a plan. */
int mmr_tf_plan_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		      const struct mmr_limits *limits, struct mmr_error *reterr);
/* True if the bytes look like plan JSON (format_version + planned_values or
 * resource_changes near the start). */
bool mmr_tf_is_plan(const void *data, size_t len);

/* ---- shared by the evaluator and the functions (iac-tf-funcs.c) ---- */

struct mmr_tf_fnctx {
	const char *root;     /* absolute, resolved scan root */
	const char *module_dir; /* absolute directory of the calling module */
	size_t max_file;      /* file() size cap */
	char err[256];        /* message when a function fails */
};

/* Call built-in `name` on borrowed args. Returns a new value, or NULL with
 * c->err set. *ret_found false when no such function. */
json_t *mmr_tf_call(struct mmr_tf_fnctx *c, const char *name, json_t **args, size_t n,
		    bool *ret_found);

/* Read a file for file()/templatefile(): relative to c->module_dir, and
 * only inside c->root (-EPERM otherwise). malloc'ed, NUL-terminated. */
int mmr_tf_read_confined(struct mmr_tf_fnctx *c, const char *path, char **ret, size_t *ret_len);

json_t *mmr_tf_number(double d);           /* integer when integral */
bool mmr_tf_has_unknown(const json_t *v);  /* anywhere inside */
/* String form of a primitive (string, number, bool); malloc'ed; NULL if none. */
char *mmr_tf_strval(const json_t *v);
bool mmr_tf_numval(const json_t *v, double *ret);
bool mmr_tf_boolval(const json_t *v, bool *ret);

#endif
