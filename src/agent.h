/* agent.h - the parts of `mamori agent` (src/cmd-agent.c is the loop).
 *
 * The agent loop (cmd-agent.c) owns the sensor, the process/container
 * tables and the rule evaluator. Everything else it does — learned
 * baselines, the network map, file integrity, enforcement, forensics,
 * extra outputs (syslog, webhook) — is an agent module: a file
 * src/agent-NAME.c defining `const struct mmr_agent_module
 * mmr_agent_mod_NAME` and listed in src/agent-modules.def. The loop calls
 * every module's hooks in that order; a hook left NULL is skipped.
 *
 * Modules keep their state in their own file (one agent per process).
 * A module that has something to say as an alert (a baseline deviation,
 * an enforcement, a FIM change) builds it with mmr_agent_alert_json()
 * and hands it to mmr_agent_emit(), which writes it to the agent's output
 * and passes it to every module's `alert` hook, exactly like a rule
 * match. Subcommands (`mamori agent fim ...`) are listed in the same .def
 * file with MMR_AGENT_SUBCMD. */
#ifndef MMR_AGENT_H
#define MMR_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/runtime-event.h"
#include "runtime/runtime-proc.h"
#include "runtime/runtime-rules.h"
#include "runtime/runtime-sensor.h"

/* What the loop shares with the modules (read-only unless said). */
struct mmr_agent {
	struct mmr_rt_host *host;         /* process + container tables */
	struct mmr_rt_rules *rules;       /* NULL with --print-events */
	struct mmr_rt_env *env;
	struct mmr_rt_sensor *sensor;     /* NULL before `start` returns */
	struct mmr_rt_sensor_opts *sensor_opts; /* modules may widen type_mask in `start` */
	const char *hostname;
	FILE *out;                        /* alert JSON lines */
	bool dry_run;                     /* --dry-run: enforcement only reports */
	uint64_t now_ns;                  /* time of the current event (or of the tick) */
};

struct mmr_agent_module {
	const char *name;
	/* Option lines for `mamori agent --help` (each line starts with 6
	 * spaces, ends with \n); NULL = none. */
	const char *usage;
	/* argv[*i] is an option not known to the loop: return 1 when it is
	 * this module's (advance *i past a value), 0 when not, -1 after
	 * printing a usage error (mmr_cli_usage_error). */
	int (*option)(int argc, char **argv, int *i, const char *cmd);
	/* After the rules are compiled, before the sensor opens: check the
	 * options, open databases, widen ag->sensor_opts->type_mask for the
	 * events the module needs. < 0 stops the agent (print why first). */
	int (*start)(struct mmr_agent *ag);
	/* After the sensor opened (ag->sensor set): e.g. attach own programs. */
	int (*ready)(struct mmr_agent *ag);
	/* Every decoded event, before the rules see it. */
	void (*event)(struct mmr_agent *ag, const struct mmr_rt_event *ev);
	/* Every alert: a rule match (rule != NULL) or an mmr_agent_emit()
	 * (rule == NULL); ev may be NULL for alerts not tied to an event;
	 * json is the Falco-shaped alert line (no newline). */
	void (*alert)(struct mmr_agent *ag, const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
		      const char *json);
	/* About every 200 ms and at stop. */
	void (*tick)(struct mmr_agent *ag);
	/* Once at exit, after the last tick and before the final stats:
	 * deliver what is queued (bounded wait), so the stats are final. */
	void (*finish)(struct mmr_agent *ag);
	/* Add the module's counters to the stats object (SIGUSR1 and exit). */
	void (*stats)(struct mmr_agent *ag, json_t *o);
	/* At exit (also after a failed start): flush, save, release. */
	void (*stop)(struct mmr_agent *ag);
};

#define MMR_AGENT_MODULE(name) extern const struct mmr_agent_module mmr_agent_mod_##name;
#define MMR_AGENT_SUBCMD(name, fn, summary) int fn(int argc, char **argv, const char *cmd);
#include "src/agent-modules.def"
#undef MMR_AGENT_MODULE
#undef MMR_AGENT_SUBCMD

/* A Falco-shaped alert (hostname, output, output_fields, priority, rule,
 * source "mamori", tags, time) for an alert a module raises. fields and
 * tags are stolen (may be NULL); ev (may be NULL) adds the process and
 * container fields Falco puts in output_fields (proc.*, container.*).
 * Returns a malloc'd line, NULL on ENOMEM. */
char *mmr_agent_alert_json(const struct mmr_agent *ag, const char *rule, const char *priority,
			   const char *output, json_t *fields, json_t *tags, const struct mmr_rt_event *ev);
/* Write an alert line to the output and hand it to every module's
 * `alert` hook (rule NULL). */
void mmr_agent_emit(struct mmr_agent *ag, const struct mmr_rt_event *ev, const char *json);

#endif
