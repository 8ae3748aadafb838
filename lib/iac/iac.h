/* iac.h - infrastructure as code: front ends turn source files into
 * resource documents; the policy engine (lib/policy/) checks documents.
 *
 *   Terraform (.tf, .tf.json, plan JSON)  \
 *   CloudFormation (JSON/YAML, SAM)        >  struct mmr_iac_resource  ->  lib/policy rules
 *   Kubernetes manifests, Dockerfiles     /
 *
 * A resource document is a jansson object of the resource's attributes,
 * after evaluation (variables, locals, functions, count/for_each expanded).
 * A value only known after apply is the object {"$unknown": true}; rules
 * over it yield "unknown", not pass or fail. Every document carries where
 * its attributes were written: `pos` maps an attribute path (JSON Pointer,
 * e.g. "/versioning/0/enabled") to its line range in `file`.
 *
 * Normalised types ("aws.s3.bucket") are what rules target: the front end
 * (or lib/iac/iac-normalise.c) merges satellite resources (aws_s3_bucket +
 * aws_s3_bucket_public_access_block + ..._versioning) and CloudFormation
 * AWS::S3::Bucket into one document of the normalised type; docs/iac/
 * documents each type's shape. Raw types stay available as `raw_type`. */
#ifndef MMR_IAC_H
#define MMR_IAC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "core/core-vec.h"

struct mmr_iac_pos {
	unsigned long line_start, line_end;
};

struct mmr_iac_resource {
	const char *type;     /* normalised type ("aws.s3.bucket"), or raw when not normalised */
	const char *raw_type; /* as written: "aws_s3_bucket", "AWS::S3::Bucket", "apps/v1/Deployment" */
	const char *source;   /* "terraform", "cloudformation", "kubernetes", "dockerfile" */
	const char *address;  /* module.vpc.aws_security_group.web["a"], Logical ID, kind/ns/name */
	const char *file;     /* path as scanned */
	unsigned long line_start, line_end;
	json_t *doc;          /* owned: released with the set */
	json_t *pos;          /* owned: {"<json pointer>": [start, end], ...} */
	struct mmr_vec refs;  /* const char *: addresses this resource references */
	struct mmr_vec ignores; /* const char *: inline suppressions "rule-id reason" */
};

/* All resources of one scan, plus what the front ends could not resolve. */
struct mmr_iac_set {
	struct mmr_arena *arena;
	struct mmr_vec resources;  /* struct mmr_iac_resource * */
	struct mmr_vec unresolved; /* struct mmr_diag *: each value left unknown, and why */
	struct mmr_vec errors;     /* struct mmr_diag *: syntax errors (file:line:col), per file */
};

void mmr_iac_set_init(struct mmr_iac_set *s, struct mmr_arena *a);
void mmr_iac_set_release(struct mmr_iac_set *s); /* json_decref of every doc/pos */

/* The unknown marker. */
json_t *mmr_iac_unknown(void);
bool mmr_iac_is_unknown(const json_t *v);

/* ---- shared by the file front ends (CloudFormation, Kubernetes, Dockerfile) ---- */

/* Read a regular file (opened O_NOFOLLOW) of at most lim->max_file_size
 * bytes into a malloc'ed, NUL-terminated buffer (*ret, *ret_len; free()).
 * -ELOOP on a symlink, -EISDIR/-EINVAL when not a regular file, -EFBIG over
 * the limit (also when it grew past it while read), -ENOMEM, or the
 * open/read errno. */
int mmr_iac_read_file(const char *path, const struct mmr_limits *lim, char **ret,
		      size_t *ret_len);

/* The common start of a front end's parse(): *limits NULL becomes the
 * defaults (stored in *def), *file NULL becomes deflt, and an input over
 * max-file-size is refused naming `what` ("template", "manifest", ...):
 * 0, or -E2BIG with reterr set. */
int mmr_iac_parse_begin(const struct mmr_limits **limits, struct mmr_limits *def,
			const char **file, const char *deflt, const char *what, size_t len,
			struct mmr_error *reterr);

/* JSON Pointer "<parent>/<tok>" with '~' and '/' escaped (RFC 6901), and
 * "<parent>/<index>". malloc'ed; NULL on ENOMEM or when longer than max. */
char *mmr_iac_ptr_join(const char *parent, const char *tok, size_t max);
char *mmr_iac_ptr_idx(const char *parent, size_t i, size_t max);

/* Record a front end's parse error for `path` in set->errors (the error's
 * file defaults to `path`). */
void mmr_iac_add_error(struct mmr_iac_set *set, const char *path, struct mmr_error *e);

/* Scan `path`: a file is handed to scan() whatever its name; a directory is
 * walked (entries starting with '.' and node_modules skipped, lstat: symlinks
 * not followed, at most lim->max_walk_depth levels down) and each regular
 * file whose name want() accepts is handed to scan(). limits NULL: defaults.
 * Errors only when `path` itself cannot be read. */
int mmr_iac_walk(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 bool (*want)(const char *name),
		 void (*scan)(struct mmr_iac_set *set, const char *path,
			      const struct mmr_limits *lim),
		 struct mmr_error *reterr);

#endif
