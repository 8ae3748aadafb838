/* iac-hcl.h - HCL2 native syntax (hashicorp/hcl hclsyntax spec) and the
 * HCL JSON syntax, parsed into one AST with positions on every node.
 *
 * Everything is allocated from the caller's arena and dies with it. The
 * parser never prints; a syntax error fills reterr with file:line:col and
 * returns -EBADMSG. Limits: nesting depth (max_depth, bodies + expressions),
 * input size (max_size) and node count (max_nodes) give -E2BIG.
 *
 * Literal values are kept as written (strings with escapes decoded, numbers
 * as text and double); no json_t lives in the AST. */
#ifndef MMR_IAC_HCL_H
#define MMR_IAC_HCL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/core-vec.h"

struct mmr_arena;
struct mmr_error;

struct mmr_hcl_pos {
	unsigned long line, col, byte; /* line/col from 1, byte from 0 */
};
struct mmr_hcl_range {
	struct mmr_hcl_pos start, end; /* end is one past the last byte */
};

enum mmr_hcl_kind {
	MMR_HCL_NULL,
	MMR_HCL_BOOL,
	MMR_HCL_NUMBER,
	MMR_HCL_STRING,   /* a template with no interpolation, or a literal key */
	MMR_HCL_TEMPLATE, /* parts: items (STRING literals and expressions) */
	MMR_HCL_TEMPLATE_WRAP, /* "${x}" alone: the value of x, not a string */
	MMR_HCL_TPL_IF,   /* a: condition, b: then template, c: else template or NULL */
	MMR_HCL_TPL_FOR,  /* kvar, vvar, a: collection, b: body template */
	MMR_HCL_TUPLE,    /* items */
	MMR_HCL_OBJECT,   /* keys[i] = items[i] */
	MMR_HCL_VAR,      /* name: root of a traversal (var, local, aws_x, each...) */
	MMR_HCL_GETATTR,  /* a.name */
	MMR_HCL_INDEX,    /* a[b] (also legacy a.0: b is a NUMBER literal) */
	MMR_HCL_SPLAT,    /* a: source, b: per-element expression over SPLAT_ITEM */
	MMR_HCL_SPLAT_ITEM,
	MMR_HCL_CALL,     /* name(items...), expand: last argument is `...` */
	MMR_HCL_UNARY,    /* op ('!' or '-'), a */
	MMR_HCL_BINARY,   /* op, a, b */
	MMR_HCL_COND,     /* a ? b : c */
	MMR_HCL_FOR,      /* kvar (may be NULL), vvar, a: collection, b: key (object
			   * form) or NULL, c: value, d: condition or NULL,
			   * is_object, group (`...`) */
	MMR_HCL_PAREN,    /* (a): kept so object keys in parens are expressions */
};

enum mmr_hcl_op {
	MMR_HCL_OP_NONE,
	MMR_HCL_OP_OR, MMR_HCL_OP_AND,
	MMR_HCL_OP_EQ, MMR_HCL_OP_NE,
	MMR_HCL_OP_LT, MMR_HCL_OP_LE, MMR_HCL_OP_GT, MMR_HCL_OP_GE,
	MMR_HCL_OP_ADD, MMR_HCL_OP_SUB,
	MMR_HCL_OP_MUL, MMR_HCL_OP_DIV, MMR_HCL_OP_MOD,
	MMR_HCL_OP_NOT, MMR_HCL_OP_NEG,
};

struct mmr_hcl_expr {
	enum mmr_hcl_kind kind;
	struct mmr_hcl_range range;
	enum mmr_hcl_op op;
	bool bval;            /* BOOL */
	double num;           /* NUMBER */
	const char *str;      /* STRING bytes (NUL-terminated, may hold NULs), NUMBER text */
	size_t len;           /* STRING length */
	const char *name;     /* VAR, GETATTR, CALL */
	struct mmr_hcl_expr *a, *b, *c, *d;
	struct mmr_vec items; /* struct mmr_hcl_expr *: TUPLE, OBJECT values, CALL args, TEMPLATE parts */
	struct mmr_vec keys;  /* struct mmr_hcl_expr *: OBJECT keys */
	const char *kvar, *vvar; /* FOR, TPL_FOR */
	bool expand, is_object, group;
};

struct mmr_hcl_body;

struct mmr_hcl_attr {
	const char *name;
	struct mmr_hcl_expr *expr;
	struct mmr_hcl_range range;
};

struct mmr_hcl_block {
	const char *type;
	struct mmr_vec labels; /* const char * */
	struct mmr_hcl_body *body;
	struct mmr_hcl_range range, type_range;
};

struct mmr_hcl_body {
	struct mmr_vec attrs;  /* struct mmr_hcl_attr *, in source order */
	struct mmr_vec blocks; /* struct mmr_hcl_block *, in source order */
	struct mmr_hcl_range range;
};

struct mmr_hcl_comment {
	unsigned long line, end_line;
	const char *text; /* without the comment markers, trimmed */
};

struct mmr_hcl_file {
	const char *name;
	struct mmr_hcl_body *body;
	struct mmr_vec comments; /* struct mmr_hcl_comment * */
};

struct mmr_hcl_limits {
	size_t max_depth; /* 0: 256 */
	size_t max_size;  /* bytes; 0: 64 MiB */
	size_t max_nodes; /* AST nodes; 0: 4,000,000 */
};

/* Parse a native-syntax file (.tf, .tfvars). */
int mmr_hcl_parse(struct mmr_arena *a, const void *data, size_t len, const char *name,
		  const struct mmr_hcl_limits *lim, struct mmr_hcl_file **ret,
		  struct mmr_error *reterr);
/* Parse a single expression (TF_VAR_ values, -var). */
int mmr_hcl_parse_expr(struct mmr_arena *a, const void *data, size_t len, const char *name,
		       const struct mmr_hcl_limits *lim, struct mmr_hcl_expr **ret,
		       struct mmr_error *reterr);
/* Parse the inside of a string as a template ("${a}-b"), as the JSON
 * syntax needs. pos gives the position of the first byte (for messages). */
int mmr_hcl_parse_template(struct mmr_arena *a, const char *s, size_t len, const char *name,
			   struct mmr_hcl_pos pos, const struct mmr_hcl_limits *lim,
			   struct mmr_hcl_expr **ret, struct mmr_error *reterr);

/* The JSON syntax (.tf.json, .tfvars.json), mapped to the same AST with
 * Terraform's schema for the top-level blocks (iac-hcl-json.c). */
int mmr_hcl_json_parse(struct mmr_arena *a, const void *data, size_t len, const char *name,
		       const struct mmr_hcl_limits *lim, struct mmr_hcl_file **ret,
		       struct mmr_error *reterr);

/* The raw parse as JSON in hcl2json's shape (blocks as nested label objects
 * ending in arrays of bodies; literal values as JSON values; any other
 * expression as "${source text}"). src must be the parsed bytes. For the
 * differential test and `iac-parse`. */
json_t *mmr_hcl_to_json(const struct mmr_hcl_file *f, const char *src, size_t len);

/* Variables referenced by an expression: each traversal root with its
 * static attribute/index steps, as "var.x", "aws_s3_bucket.b.id"... */
int mmr_hcl_expr_traversals(struct mmr_arena *a, const struct mmr_hcl_expr *e,
			    struct mmr_vec *ret);

#endif
