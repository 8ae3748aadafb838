/* runtime-baseline.h - learned behaviour baselines per workload.
 *
 * A workload is keyed by (in this order): the container label
 * "io.mamori.workload" ("workload:NAME"), the image repository without tag
 * ("image:REPO", the digest kept beside it), the container name
 * ("container:NAME"); a host process by its executable ("host:/usr/sbin/x").
 * For each workload the baseline holds items of these kinds:
 *   exec        executable path
 *   exec_parent "PARENT_EXE>EXE"
 *   user        user name (or "uid:N" when the name is unknown)
 *   listen      "tcp/8080" (bind/listen/accept server port)
 *   peer        "203.0.113.7:443" (connect server end)
 *   dns         DNS name of a connect's server address (fd.sip.name)
 *   write_dir   directory of a file opened for write/create/truncate
 * Each item comes from learning, a manual allow or a manual deny; the
 * effective policy is learned ∪ allow − deny.
 * Modes: learn (every new item is added) → monitor (an item outside the
 * policy is a deviation) → protect (monitor; the enforcement layer reads
 * the mode). A workload leaves learn after opts.learn_ns since its first
 * event or after opts.stable_ns without a new item (whichever is set and
 * first), measured on event time. When the image digest of a workload
 * changes, its learned items are dropped and it learns again.
 * Limits: max_workloads, max_items per workload (further items in learn
 * mode are not added; counted). Errors: -ENOMEM, -EINVAL, -EBADMSG (YAML),
 * -EPROTO (schema version), -EIO (SQLite). The library never prints. */
#ifndef MMR_RUNTIME_BASELINE_H
#define MMR_RUNTIME_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core-buf.h"
#include "runtime/runtime-event.h"

struct mmr_arena;
struct mmr_error;
struct mmr_finding;

enum mmr_rt_bl_mode { MMR_RT_BL_LEARN, MMR_RT_BL_MONITOR, MMR_RT_BL_PROTECT };
const char *mmr_rt_bl_mode_name(enum mmr_rt_bl_mode m);
int mmr_rt_bl_mode_from_name(const char *s); /* -EINVAL when unknown */

#define MMR_RT_BL_KINDS(X) X(EXEC, "exec") X(EXEC_PARENT, "exec_parent") X(USER, "user") \
	X(LISTEN, "listen") X(PEER, "peer") X(DNS, "dns") X(WRITE_DIR, "write_dir")
enum mmr_rt_bl_kind {
#define MMR_RT_BL_X(id, name) MMR_RT_BL_##id,
	MMR_RT_BL_KINDS(MMR_RT_BL_X)
#undef MMR_RT_BL_X
	MMR_RT_BL__COUNT
};
const char *mmr_rt_bl_kind_name(enum mmr_rt_bl_kind k);
int mmr_rt_bl_kind_from_name(const char *s); /* -EINVAL when unknown */

struct mmr_rt_baseline_opts {
	uint64_t learn_ns;        /* learning window; 0 = none */
	uint64_t stable_ns;       /* stable after this long without a new item; 0 = none */
	enum mmr_rt_bl_mode after_learning; /* MONITOR (default 0 → MONITOR) or PROTECT */
	size_t max_workloads;     /* 0 = 4096 */
	size_t max_items;         /* per workload; 0 = 4096 */
	enum mmr_rt_bl_mode new_mode; /* mode of a workload first seen in an event (default LEARN) */
};

#define MMR_RT_BL_KEY_MAX (MMR_RT_PATH_MAX + 16)
#define MMR_RT_BL_ITEM_MAX (2 * MMR_RT_PATH_MAX + 2)

/* What an event did that its workload's policy does not allow. */
struct mmr_rt_deviation {
	char workload[MMR_RT_BL_KEY_MAX];
	char digest[MMR_RT_NAME_MAX * 2];
	enum mmr_rt_bl_kind kind;
	enum mmr_rt_bl_mode mode;
	bool denied;                      /* on the manual deny list (else: not learned) */
	char item[MMR_RT_BL_ITEM_MAX];
	uint64_t ts, seq;
	int32_t pid;
	char container_id[MMR_RT_CONTAINER_ID_MAX];
};

struct mmr_rt_baselines;

struct mmr_rt_baselines *mmr_rt_baselines_new(const struct mmr_rt_baseline_opts *opts);
void mmr_rt_baselines_free(struct mmr_rt_baselines *b); /* NULL no-op */

/* Workload key of an event (see above). */
void mmr_rt_baseline_key(const struct mmr_rt_event *ev, char *out, size_t size);

/* Feed one event (procs optional, for the parent of an exec). Learns, or
 * checks; on deviations calls on_dev once per unexpected item (a single
 * event may break several: exec and user). Returns the number of
 * deviations, or -ENOMEM. */
typedef void (*mmr_rt_baseline_dev_fn)(void *ud, const struct mmr_rt_deviation *d);
int mmr_rt_baselines_event(struct mmr_rt_baselines *b, const struct mmr_rt_event *ev,
			   const struct mmr_rt_proctab *procs, mmr_rt_baseline_dev_fn on_dev, void *ud);
/* The same under an explicit workload key (NULL or "": the key above),
 * e.g. a name the user gave to the containers of a glob. */
int mmr_rt_baselines_event_as(struct mmr_rt_baselines *b, const char *workload, const struct mmr_rt_event *ev,
			      const struct mmr_rt_proctab *procs, mmr_rt_baseline_dev_fn on_dev, void *ud);

/* Manual policy: origin "allow" or "deny" (replaces a learned item of the
 * same kind and value). The workload is created in learn mode when absent. */
int mmr_rt_baselines_set(struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_kind kind,
			 const char *item, bool deny);
/* Setting learn restarts the learning window at the workload's next event. */
int mmr_rt_baselines_set_mode(struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_mode m);
/* Drop the learned items and the digest, keep the manual ones, learn
 * again. -ENOENT when the workload is unknown. */
int mmr_rt_baselines_reset(struct mmr_rt_baselines *b, const char *workload);
/* A counter that grows with every change worth saving (items, modes). */
uint64_t mmr_rt_baselines_changes(const struct mmr_rt_baselines *b);
/* The workloads in order of creation: i < mmr_rt_baselines_n(). Strings
 * borrowed from b. -ENOENT past the end. */
struct mmr_rt_bl_info {
	const char *key, *digest;
	enum mmr_rt_bl_mode mode;
	size_t learned, allowed, denied;
};
size_t mmr_rt_baselines_n(const struct mmr_rt_baselines *b);
int mmr_rt_baselines_info(const struct mmr_rt_baselines *b, size_t i, struct mmr_rt_bl_info *ret);
/* -ENOENT when the workload is unknown. */
int mmr_rt_baselines_get_mode(const struct mmr_rt_baselines *b, const char *workload,
			      enum mmr_rt_bl_mode *ret_mode);
/* Whether the effective policy of workload allows item. */
bool mmr_rt_baselines_allows(const struct mmr_rt_baselines *b, const char *workload,
			     enum mmr_rt_bl_kind kind, const char *item);
size_t mmr_rt_baselines_count(const struct mmr_rt_baselines *b, const char *workload);
/* Every item of one kind of a workload, in no particular order, with where
 * it comes from. -ENOENT when the workload is unknown, -EINVAL on a bad
 * kind; else the number of items given to fn. */
enum mmr_rt_bl_origin { MMR_RT_BL_LEARNED, MMR_RT_BL_ALLOWED, MMR_RT_BL_DENIED };
int mmr_rt_baselines_foreach(const struct mmr_rt_baselines *b, const char *workload, enum mmr_rt_bl_kind kind,
			     void (*fn)(void *ud, const char *item, enum mmr_rt_bl_origin origin), void *ud);

/* SQLite (WAL, table schema_version = 1): save replaces the stored state;
 * load merges the stored workloads into b. */
int mmr_rt_baselines_save(const struct mmr_rt_baselines *b, const char *path);
int mmr_rt_baselines_load(struct mmr_rt_baselines *b, const char *path, struct mmr_error *reterr);

/* YAML: {version: 1, workloads: [{key, digest, mode, learned: {KIND: [..]},
 * allow: {..}, deny: {..}}]}. Import merges (file names the errors). */
int mmr_rt_baselines_export_yaml(const struct mmr_rt_baselines *b, struct mmr_buf *out);
/* Only one workload (NULL: all); -ENOENT when it is unknown. */
int mmr_rt_baselines_export_yaml_one(const struct mmr_rt_baselines *b, const char *workload, struct mmr_buf *out);
int mmr_rt_baselines_import_yaml(struct mmr_rt_baselines *b, const void *data, size_t len,
				 const char *file, struct mmr_error *reterr);

/* The deviation as a finding (kind RUNTIME, rule "baseline/KIND"), and as
 * a one-line alert text ("unexpected exec /bin/nc in workload image:x
 * (mode monitor; not in the learned baseline)"). */
int mmr_rt_deviation_finding(struct mmr_arena *a, const struct mmr_rt_deviation *d,
			     struct mmr_finding **ret);
void mmr_rt_deviation_text(const struct mmr_rt_deviation *d, char *out, size_t size);

#endif
