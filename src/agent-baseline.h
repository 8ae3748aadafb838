/* agent-baseline.h - what the baseline module of `mamori agent` offers the
 * other modules (src/agent-baseline.c; the library is
 * lib/runtime/runtime-baseline.h).
 *
 * The enforcement module asks, for an exec in a workload in protect mode,
 * whether the learned baseline allows it. All functions are safe to call
 * when the baseline module is not enabled (no --baseline-db/--learn/--mode
 * given): then nothing is known, every exec is allowed and no workload is
 * protected. */
#ifndef MMR_AGENT_BASELINE_H
#define MMR_AGENT_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime-baseline.h"
#include "runtime/runtime-event.h"

/* The workload key the baseline module files an event under: a --workload
 * NAME whose glob matches the container's name or image ("workload:NAME"),
 * else mmr_rt_baseline_key() ("workload:LABEL", "image:REPO",
 * "container:NAME", "host:/exe"). Always NUL-terminated. */
void mmr_agent_baseline_key(const struct mmr_rt_event *ev, char *out, size_t size);

/* Whether the effective policy (learned ∪ allow − deny) of the workload
 * lets it execute exe_path. true when the module is off, the workload is
 * unknown or still learning. */
bool mmr_agent_baseline_allows_exec(const char *workload_key, const char *exe_path);

/* Whether the workload is in protect mode (false when the module is off or
 * the workload is unknown). */
bool mmr_agent_baseline_protects(const char *workload_key);

/* For threads other than the agent loop (the enforcement module's fanotify
 * thread): an immutable view of the exec items of every workload in
 * protect mode, rebuilt by the loop (at start and on the tick after the
 * baselines changed) and swapped under a mutex; readers hold the mutex only
 * for the lookup. */
enum mmr_agent_bl_verdict {
	MMR_AGENT_BL_UNPROTECTED, /* workload unknown or not in protect mode */
	MMR_AGENT_BL_ALLOWED,     /* some name is learned or allowed, none denied */
	MMR_AGENT_BL_NOT_LEARNED, /* no name in the effective policy */
	MMR_AGENT_BL_DENY_LISTED, /* some name is on the workload's deny list */
};
/* names: the path the process gave and the file it resolves to (either
 * may be what was learned: the sensor records /proc/PID/exe while the
 * process lives, else the path given). Thread-safe. */
enum mmr_agent_bl_verdict mmr_agent_baseline_exec_verdict(const char *workload_key, const char *const *names,
							   size_t n);
const char *mmr_agent_bl_verdict_text(enum mmr_agent_bl_verdict v);
/* Whether a workload may be in protect mode during this run (one is now,
 * or learning ends in protect, or new workloads start in protect). Valid
 * after the baseline module's start hook. */
bool mmr_agent_baseline_may_protect(void);
/* The key of a container known only by name and image (no labels, no
 * repository): the --workload globs, else "image:REPO", "container:NAME".
 * Thread-safe. */
void mmr_agent_baseline_key_of(const char *name, const char *image, char *out, size_t size);
/* Window in which identical deviation or enforcement alerts (same
 * workload, kind and item) are raised once (--alert-dedup; 0 = off). */
uint64_t mmr_agent_alert_dedup_ns(void);

/* Helpers of the baseline, netmap and fim modules: a duration "500ms",
 * "30s", "10m", "2h", "1d" or plain seconds (> 0) in ns (-EINVAL); create
 * the missing parent directories of path with mode 0700 (-errno). */
int mmr_agent_parse_duration(const char *s, uint64_t *ret_ns);
int mmr_agent_mkdir_parents(const char *path);
/* The default database of `mamori agent fim` ($XDG_DATA_HOME/mamori/fim.db,
 * ~/.local/share/mamori/fim.db, else /var/lib/mamori/fim.db; cmd-fim.c). */
int mmr_cli_fim_default_db(char *out, size_t size);

#endif
