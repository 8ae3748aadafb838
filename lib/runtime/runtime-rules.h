/* runtime-rules.h - Falco-compatible rule engine.
 *
 * Load one or more Falco rule files (rule, macro, list,
 * required_engine_version, append / override, enabled, exceptions,
 * priority, tags, output), compile them once, then evaluate events
 * (runtime-event.h) against them. Rules are indexed by the event types
 * their condition admits, so an event only visits the rules that can
 * match it.
 *
 * Lifecycle: mmr_rt_rules_new() -> mmr_rt_rules_load_*() (any number,
 * later files append/override earlier ones) -> mmr_rt_rules_compile() ->
 * mmr_rt_rules_eval() many times -> mmr_rt_rules_free(). Not thread-safe
 * during load/compile; eval is read-only on the rules (one
 * struct mmr_rt_ectx per thread is used internally on the stack).
 *
 * A rule whose condition or output uses a field we do not support is not
 * active; it is listed by mmr_rt_rules_skipped() with the field name. It
 * is never dropped silently.
 *
 * Limits (struct mmr_rt_rules_limits): file size, items per file, list
 * items, macro nesting depth (cycles are errors), condition length. */
#ifndef MMR_RUNTIME_RULES_H
#define MMR_RUNTIME_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime-event.h"

struct mmr_error;

enum mmr_rt_priority {
	MMR_RT_PRIO_EMERGENCY,
	MMR_RT_PRIO_ALERT,
	MMR_RT_PRIO_CRITICAL,
	MMR_RT_PRIO_ERROR,
	MMR_RT_PRIO_WARNING,
	MMR_RT_PRIO_NOTICE,
	MMR_RT_PRIO_INFORMATIONAL,
	MMR_RT_PRIO_DEBUG,
};
/* "Warning" etc. as Falco prints them. */
const char *mmr_rt_priority_name(enum mmr_rt_priority p);
/* Case-insensitive; "info" accepted. -EINVAL if unknown. */
int mmr_rt_priority_parse(const char *s, enum mmr_rt_priority *ret);

struct mmr_rt_rules_limits {
	size_t max_file_size;   /* default 16 MiB */
	size_t max_items;       /* top-level items per file, default 100000 */
	size_t max_list_items;  /* items in one list after expansion, default 65536 */
	unsigned max_depth;     /* macro nesting, default 64 */
	size_t max_cond_len;    /* one condition after appends, default 1 MiB */
};

/* What the evaluator reads besides the event. */
struct mmr_rt_env {
	const struct mmr_rt_proctab *procs;  /* may be NULL */
	const struct mmr_rt_conttab *conts;  /* may be NULL */
	const char *hostname;                /* for outputs */
	uint64_t now;                        /* ns since the epoch, 0 = event ts */
};

/* A compiled rule (read-only for callers). */
struct mmr_rt_rule {
	const char *name, *desc, *output, *source;
	const char *file;
	unsigned long line;
	enum mmr_rt_priority priority;
	const char *const *tags;
	size_t ntags;
	bool enabled;  /* from the file */
	bool active;   /* enabled and compiled */
	unsigned index;
};

struct mmr_rt_skipped {
	const char *rule;
	const char *field;   /* unsupported field, or NULL */
	const char *reason;  /* human readable */
};

struct mmr_rt_rules;

struct mmr_rt_rules *mmr_rt_rules_new(const struct mmr_rt_rules_limits *limits);
void mmr_rt_rules_free(struct mmr_rt_rules *r);

/* Parse a rules file (YAML) and merge it. -EBADMSG malformed (reterr has
 * file:line), -E2BIG limit, -EPROTO required_engine_version too new,
 * -errno on I/O. */
int mmr_rt_rules_load_file(struct mmr_rt_rules *r, const char *path, struct mmr_error *reterr);
int mmr_rt_rules_load_buf(struct mmr_rt_rules *r, const char *name, const void *data, size_t len,
			  struct mmr_error *reterr);

/* Compile every rule. Rules with unsupported fields become inactive and
 * are listed by mmr_rt_rules_skipped(); a syntax error in a rule or macro
 * a rule uses, an undefined macro or a macro cycle fails with file:line. */
int mmr_rt_rules_compile(struct mmr_rt_rules *r, struct mmr_error *reterr);

size_t mmr_rt_rules_count(const struct mmr_rt_rules *r);
const struct mmr_rt_rule *mmr_rt_rules_get(const struct mmr_rt_rules *r, size_t i);
const struct mmr_rt_rule *mmr_rt_rules_find(const struct mmr_rt_rules *r, const char *name);
size_t mmr_rt_rules_active(const struct mmr_rt_rules *r);
const struct mmr_rt_skipped *mmr_rt_rules_skipped(const struct mmr_rt_rules *r, size_t *ret_n);

/* Enable/disable a rule by name after loading (before compile). */
int mmr_rt_rules_set_enabled(struct mmr_rt_rules *r, const char *name, bool enabled);

/* Called for each rule that matches. Return nonzero to stop. */
typedef int (*mmr_rt_match_fn)(const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
			       void *ud);

/* Evaluate one event; returns the number of matching rules (callback
 * called for each, in file order). */
int mmr_rt_rules_eval(const struct mmr_rt_rules *r, const struct mmr_rt_env *env,
		      const struct mmr_rt_event *ev, mmr_rt_match_fn fn, void *ud);

/* true when an active rule can match events of this type
 * (enum mmr_rt_evt_type); after compile. */
bool mmr_rt_rules_needs_type(const struct mmr_rt_rules *r, unsigned type);

/* Rule files built into the binary (the YAML files of rules/runtime, embedded at
 * build time by runtime-embed.py): name "builtin:FILE", NUL-terminated. */
struct mmr_rt_builtin_file {
	const char *name;
	const char *data;
	size_t len;
};
extern const struct mmr_rt_builtin_file mmr_rt_builtin_rules[];
extern const size_t mmr_rt_builtin_rules_n;

/* ---- outputs (runtime-output.c) ---- */

/* The rule's output with %field substituted as Falco does ("<NA>" for
 * absent values), NUL-terminated, truncated to buflen. Returns length. */
size_t mmr_rt_output_format(const struct mmr_rt_rules *r, const struct mmr_rt_rule *rule,
			    const struct mmr_rt_env *env, const struct mmr_rt_event *ev, char *buf,
			    size_t buflen);
/* One Falco alert JSON line (no trailing newline), malloc'd; NULL ENOMEM.
 * Keys: hostname, output, output_fields, priority, rule, source, tags, time. */
char *mmr_rt_output_json(const struct mmr_rt_rules *r, const struct mmr_rt_rule *rule,
			 const struct mmr_rt_env *env, const struct mmr_rt_event *ev);

#endif
