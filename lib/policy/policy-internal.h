/* policy-internal.h - the AST, values and built-in table shared by the
 * parser (policy-parse.c), the evaluator (policy-eval.c) and the built-ins
 * (policy-builtins.c). Not for use outside lib/policy. */
#ifndef MMR_POLICY_INTERNAL_H
#define MMR_POLICY_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

enum pol_op {
	POL_LIT,    /* lit */
	POL_LIST,   /* args */
	POL_SELF,
	POL_VAR,    /* slot */
	POL_FIELD,  /* a.name */
	POL_INDEX,  /* a[b] */
	POL_SPLAT,  /* a[*] */
	POL_CALL,   /* fn(args) */
	POL_QUANT,  /* quant(var in a: b) */
	POL_NOT,
	POL_AND,
	POL_OR,
	POL_CMP,    /* a cmp b */
	POL_IN,     /* a in b (negate: not in) */
	POL_NEG,    /* -a */
	POL_ADD,    /* a + b (numbers, strings, lists), a - b (sub = 1) */
};

enum pol_cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };
enum pol_quant { Q_ANY, Q_ALL, Q_NONE, Q_COUNT };

struct pol_builtin;

struct pol_node {
	enum pol_op op;
	unsigned long line, col;
	struct pol_node *a, *b;
	struct pol_node **args;
	size_t nargs;
	const char *name;      /* FIELD member, CALL name */
	json_t *lit;           /* LIT (owned by the set: kept in set->lits) */
	int slot;              /* VAR / QUANT variable slot */
	int sub;               /* enum pol_cmp / enum pol_quant / IN negate */
	const struct pol_builtin *fn;
	void *cache;           /* CALL: compiled regex for a literal pattern */
};

struct mmr_policy_expr {
	struct pol_node *root;
	const char *file;
	int nslots;
};

/* Values during evaluation. STR/ARR/OBJ hold a json_t reference. */
enum pv_kind {
	PV_ABSENT,  /* not set */
	PV_UNKNOWN, /* known only after apply */
	PV_NULL,
	PV_BOOL,
	PV_NUM,
	PV_STR,
	PV_ARR,
	PV_OBJ,
	PV_RES,     /* a resource handle (self, resources()) */
	PV_RESLIST, /* a list of resource handles */
};

struct pv {
	enum pv_kind k;
	bool b;
	bool proj;  /* ARR made by [*]: member access always projects */
	double n;
	json_t *j;  /* STR/ARR/OBJ: owned reference */
	const struct mmr_iac_resource *res;
	struct mmr_vec *rl; /* RESLIST (ctx arena) */
	int ptr;    /* index in ctx->ptrs of the JSON pointer into self's doc, or -1 */
};

enum tri { T_FALSE = 0, T_TRUE = 1, T_UNK = 2 };

#define POL_MAX_PTRS 64
#define POL_MAX_PTR_LEN 256

struct pol_ctx {
	const struct mmr_iac_set *set;
	const struct mmr_iac_resource *self;
	struct mmr_arena *arena; /* scratch for this evaluation run */
	struct mmr_map *by_type; /* type -> struct mmr_vec * of resources */
	struct pv vars[MMR_POLICY_MAX_VARS];
	unsigned long steps;
	bool budget_hit;
	char ptrs[POL_MAX_PTRS][POL_MAX_PTR_LEN];
	int nptrs;
};

typedef int (*pol_fn)(struct pol_ctx *c, const struct pol_node *call, struct pv *args,
		      size_t n, struct pv *ret);

struct pol_builtin {
	const char *name;
	int min_args, max_args;
	bool takes_unknown; /* else any UNKNOWN argument makes the result UNKNOWN */
	pol_fn fn;
	const char *doc;
};

extern const struct pol_builtin mmr_pol_builtins[];
const struct pol_builtin *mmr_pol_builtin_find(const char *name);
/* Called by the parser on a CALL node once its arguments are known: compile
 * literal regexes etc. -EBADMSG with reterr on a bad literal argument. */
int mmr_pol_builtin_prepare(struct mmr_policy_set *s, struct pol_node *call, const char *file,
			    struct mmr_error *reterr);

/* Values (policy-eval.c). */
void mmr_pv_release(struct pv *v);
struct pv mmr_pv_from_json(json_t *j, int ptr); /* takes a new reference */
struct pv mmr_pv_copy(const struct pv *v);
bool mmr_pv_json_is_unknown(const json_t *j);
enum tri mmr_pv_truth(const struct pv *v);
enum tri mmr_pv_equal(const struct pv *a, const struct pv *b);
const char *mmr_pv_str(const struct pv *v); /* STR contents or NULL */
/* Numbers, also from numeric strings. */
bool mmr_pv_num(const struct pv *v, double *ret);
struct pv mmr_pv_bool(bool b);
struct pv mmr_pv_numv(double n);
struct pv mmr_pv_strv(const char *s); /* copies */
/* Elements of a list-like value, as new values (ARR, RESLIST, OBJ values,
 * a scalar as itself; ABSENT/NULL -> none). Returns count or -1 on UNKNOWN. */
long mmr_pv_len(const struct pv *v);
struct pv mmr_pv_elem(struct pol_ctx *c, const struct pv *v, size_t i);
/* True when a resource address matches a reference string. */
bool mmr_pol_ref_matches(const char *ref, const char *addr);
struct mmr_vec *mmr_pol_resources_of(struct pol_ctx *c, const char *type);

#endif
