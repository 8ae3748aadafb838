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

/* Helpers of the baseline, netmap and fim modules: a duration "500ms",
 * "30s", "10m", "2h", "1d" or plain seconds (> 0) in ns (-EINVAL); create
 * the missing parent directories of path with mode 0700 (-errno). */
int mmr_agent_parse_duration(const char *s, uint64_t *ret_ns);
int mmr_agent_mkdir_parents(const char *path);
/* The default database of `mamori agent fim` ($XDG_DATA_HOME/mamori/fim.db,
 * ~/.local/share/mamori/fim.db, else /var/lib/mamori/fim.db; cmd-fim.c). */
int mmr_cli_fim_default_db(char *out, size_t size);

#endif
