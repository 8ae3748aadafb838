/* runtime-internal.h - contracts between the rule engine's files
 * (runtime-cond.c, runtime-fields.c, runtime-rules.c, runtime-output.c).
 * Not installed; callers use runtime-rules.h. */
#ifndef MMR_RUNTIME_INTERNAL_H
#define MMR_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-vec.h"
#include "runtime/runtime-event.h"
#include "runtime/runtime-rules.h"

struct mmr_arena;
struct mmr_error;

/* ---- fields (runtime-fields.c) ---- */

enum mmr_rt_ftype {
	MMR_RT_FT_STR,
	MMR_RT_FT_NUM,  /* int64 */
	MMR_RT_FT_BOOL,
	MMR_RT_FT_IP,   /* compared as addresses; "a.b.c.d/n" on the right is a network */
	MMR_RT_FT_NET,  /* an ip compared against networks */
};

enum mmr_rt_farg {
	MMR_RT_FARG_NONE,
	MMR_RT_FARG_INDEX_OPT, /* proc.aname, proc.aname[2] */
	MMR_RT_FARG_INDEX,     /* required [N] */
	MMR_RT_FARG_KEY,       /* evt.arg.NAME, evt.arg[N], container.label[KEY] */
};

/* One extracted value. Strings point into the event, the tables or the
 * scratch buffer given to the extractor; valid during one evaluation. */
struct mmr_rt_val {
	const char *s;
	size_t len;
	int64_t n;
	struct mmr_rt_addr ip;
};

struct mmr_rt_ectx; /* evaluation context, below */
struct mmr_rt_fref;

/* Extract value number idx (0 first) of a possibly multi-valued field.
 * Returns 1 with *out filled, 0 when there is no such value (absent). */
typedef int (*mmr_rt_extract_fn)(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx,
				 unsigned idx, struct mmr_rt_val *out);

struct mmr_rt_field_def {
	const char *name;
	enum mmr_rt_ftype type;
	enum mmr_rt_farg arg;
	mmr_rt_extract_fn fn;
	const char *desc;
};

/* A field as written in a condition or output: definition + argument. */
struct mmr_rt_fref {
	const struct mmr_rt_field_def *def;
	const char *arg;   /* key argument (arena), NULL none */
	int index;         /* index argument; -1 none */
};

/* Resolve "proc.aname[2]", "evt.arg.flags", "fd.name" from text at p
 * (len bytes available). On success fills ref, returns bytes consumed
 * (> 0). 0 when the text is not a known field (ret_unknown_len then gives
 * the length of the field-like token). -EINVAL on a bad argument. */
int mmr_rt_field_parse(struct mmr_arena *a, const char *p, size_t len, struct mmr_rt_fref *ref,
		       size_t *ret_unknown_len);
const struct mmr_rt_field_def *mmr_rt_field_table(size_t *ret_n);

#define MMR_RT_SCRATCH 8192

/* Per-event cache of values that cost a walk or a copy to compute
 * (ancestor chain, proc.cmdline, proc.args, proc.pcmdline): filled lazily
 * by the extractors on first use and reused by every rule that tests them
 * during one mmr_rt_rules_eval(). MMR_RT_C_* bits say what is valid. */
#define MMR_RT_C_ANC (1u << 0)
#define MMR_RT_C_CMDLINE (1u << 1)
#define MMR_RT_C_ARGS (1u << 2)
#define MMR_RT_C_PCMDLINE (1u << 3)
#define MMR_RT_CMDLINE_MAX (MMR_RT_ARGS_MAX + MMR_RT_COMM_MAX + 2)

struct mmr_rt_ectx {
	const struct mmr_rt_event *ev;
	const struct mmr_rt_env *env;
	uint32_t have; /* MMR_RT_C_* */
	bool ip_only;  /* the caller compares addresses: ip fields may skip their text */
	uint32_t nanc; /* anc[0..nanc): 0 = the process, 1 = parent, ... */
	const struct mmr_rt_proc *anc[MMR_RT_ANCESTRY_MAX + 1];
	size_t cmdline_len, args_len, pcmdline_len;
	char cmdline[MMR_RT_CMDLINE_MAX];
	char args[MMR_RT_ARGS_MAX];
	char pcmdline[MMR_RT_CMDLINE_MAX];
	/* scratch for composed strings; each extraction may overwrite it */
	char scratch[MMR_RT_SCRATCH];
};

/* Start evaluating ev: sets ev/env and empties the cache. Every ectx
 * must go through this before its first extraction. */
void mmr_rt_ectx_init(struct mmr_rt_ectx *cx, const struct mmr_rt_event *ev,
		      const struct mmr_rt_env *env);

/* Format value v of field ref for output (Falco's rendering) into buf;
 * returns bytes written (no NUL counted); "<NA>" when absent. */
size_t mmr_rt_field_render(const struct mmr_rt_fref *ref, struct mmr_rt_ectx *cx, char *buf,
			   size_t buflen, bool *ret_present);

/* A %field in a rule output: its text span [start, start+len) includes
 * the '%' (and the parentheses of %(field)). */
struct mmr_rt_ofield {
	struct mmr_rt_fref ref;
	size_t start, len;
};
const struct mmr_rt_ofield *mmr_rt_rule_ofields(const struct mmr_rt_rules *r,
						const struct mmr_rt_rule *rule, size_t *ret_n);

/* ---- conditions (runtime-cond.c) ---- */

struct mmr_rt_node;

/* Resolves names during compilation (macros, lists). */
struct mmr_rt_cond_env {
	struct mmr_arena *arena;
	/* Return the condition text of macro NAME (and its file/line), or NULL. */
	const char *(*macro)(void *ud, const char *name, const char **ret_file,
			     unsigned long *ret_line);
	/* Return the items of list NAME (count in *ret_n), or NULL. */
	const char *const *(*list)(void *ud, const char *name, size_t *ret_n);
	void *ud;
	/* Unsupported field found: name recorded here (first one). */
	char unsupported[128];
	unsigned max_depth;      /* macro nesting, default 64 */
	size_t max_list_items;   /* default 65536 */
	size_t max_nodes;        /* default 1 << 20 */
	size_t nodes;
	/* internal: compiled macros (name -> node), expansion stack, regexes
	 * to free (pcre2_code *), set up by mmr_rt_cond_env_init(). */
	struct mmr_map macros_done;
	const char *stack[128];
	unsigned depth;
	struct mmr_vec regexes;
	/* internal: mmr_rt_cond_optimize() memo, (node, type) -> node */
	struct mmr_rt_optmemo *memo;
	size_t memo_n, memo_cap;
};

void mmr_rt_cond_env_init(struct mmr_rt_cond_env *env, struct mmr_arena *a);
/* Free the regexes compiled through env (the arena frees the rest). */
void mmr_rt_cond_env_release(struct mmr_rt_cond_env *env);

/* Compile text into an evaluator tree. file/line locate the text for
 * errors. -EBADMSG syntax, -ENOTSUP unknown field (env->unsupported),
 * -ENOENT undefined macro, -ELOOP macro cycle, -E2BIG limits. */
int mmr_rt_cond_compile(struct mmr_rt_cond_env *env, const char *text, const char *file,
			unsigned long line, struct mmr_rt_node **ret, struct mmr_error *reterr);

/* Node constructors for exceptions. */
struct mmr_rt_node *mmr_rt_cond_and(struct mmr_rt_cond_env *env, struct mmr_rt_node *a,
				    struct mmr_rt_node *b);
struct mmr_rt_node *mmr_rt_cond_or(struct mmr_rt_cond_env *env, struct mmr_rt_node *a,
				   struct mmr_rt_node *b);
struct mmr_rt_node *mmr_rt_cond_not(struct mmr_rt_cond_env *env, struct mmr_rt_node *a);
/* field OP values (values: n strings; one value for scalar operators). */
int mmr_rt_cond_check(struct mmr_rt_cond_env *env, const char *field, const char *op,
		      const char *const *values, size_t n, struct mmr_rt_node **ret,
		      struct mmr_error *reterr);

bool mmr_rt_cond_eval(const struct mmr_rt_node *n, struct mmr_rt_ectx *cx);

/* The tree n specialised for events of type evt_type: evt.type tests
 * folded to constants, nested and/or flattened, same-field equality
 * alternatives merged into hash sets, and the operands of every and/or
 * ordered cheapest-and-most-decisive first. Conditions are two-valued and
 * side-effect free, so the result matches exactly the same events of that
 * type. Results are shared between rules (memoised in env). Returns NULL
 * on ENOMEM. */
struct mmr_rt_node *mmr_rt_cond_optimize(struct mmr_rt_cond_env *env, struct mmr_rt_node *n,
					 unsigned evt_type);
/* Constant value of an optimised tree: 1 always true, 0 always false,
 * -1 depends on the event. */
int mmr_rt_cond_const(const struct mmr_rt_node *n);

/* Event types the tree can match: bitmap of MMR_RT_EVT__COUNT bits;
 * all bits set when not restricted by evt.type. */
#define MMR_RT_TYPE_WORDS ((MMR_RT_EVT__COUNT + 63) / 64)
void mmr_rt_cond_types(const struct mmr_rt_node *n, uint64_t out[MMR_RT_TYPE_WORDS]);

#endif
