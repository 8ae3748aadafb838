/* cli.h - what the command files of the mamori program share.
 *
 * A command is a row of cli-commands.def: C(name, function, summary) with
 * `int function(int argc, char **argv, const char *name)` getting argv from
 * the command name on. Help text for a command is returned by
 * mmr_cli_usage_for() (cmd-scan.c keeps the table of pages). */
#ifndef MMR_CLI_H
#define MMR_CLI_H

#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,
	EXIT_USAGE = 2,
	EXIT_INTERNAL = 3,
};

struct mmr_cli_command {
	const char *name;
	int (*run)(int argc, char **argv, const char *name);
	const char *summary;
};

#define C(name, fn, summary) int fn(int argc, char **argv, const char *cmd);
#include "src/cli-commands.def"
#undef C

extern const char mmr_cli_usage_main[];
extern const char mmr_cli_usage_main_tail[];
/* The top-level usage: intro, the command table with summaries, tail. (main.c) */
void mmr_cli_print_main_usage(FILE *f);
extern const char mmr_cli_usage_common[];
/* The help page of a command, or NULL when there is none. */
const char *mmr_cli_usage_for(const char *cmd);
void mmr_cli_print_usage(FILE *f, const char *cmd);
/* Log a failed library call (-errno rc, e filled or not; `what` prefixes the
 * message when non-NULL) and return the exit code for it: 3 for -ENOMEM,
 * else 2. */
struct mmr_error;
struct mmr_report;
int mmr_cli_fail(int rc, struct mmr_error *e, const char *what);
/* The report's warnings on stderr (the first 20 unless verbose), then a
 * one-line count at info level. */
void mmr_cli_show_diags(const struct mmr_report *r, int verbose);
/* "mamori CMD: <message>\nSee 'mamori CMD --help'." on stderr; returns EXIT_USAGE. */
int mmr_cli_usage_error(const char *cmd, const char *fmt, const char *arg);

/* Vulnerability matching for commands that build a report (cmd-scan.c):
 * --scanners, --db, --severity, --ignore-unfixed, --pkg-types, --exit-code.
 * mmr_cli_usage_vuln is their help text. */
#include "vulndb/vulndb-match.h"
struct mmr_cli_vuln_opts {
	bool enabled;             /* --scanners vuln (default) / none */
	bool secret, malware;     /* --scanners secret / malware (default on) */
	const char *db;           /* --db, NULL: mmr_vulndb_default_path() */
	struct mmr_match_opts match;
	int exit_code;            /* --exit-code, -1 when not given */
};
extern const char mmr_cli_usage_vuln[];
void mmr_cli_vuln_opts_init(struct mmr_cli_vuln_opts *o);
/* One option by its long name; EXIT_OK or EXIT_USAGE (message printed). */
int mmr_cli_vuln_option(struct mmr_cli_vuln_opts *o, const char *cmd, const char *name,
			const char *arg);
/* Match the report's packages when enabled and a DB exists (a missing DB
 * is a warning, not an error); EXIT_OK or the exit code to return. */
int mmr_cli_vuln_match(struct mmr_report *r, const struct mmr_cli_vuln_opts *o);
/* After the report is written: --exit-code when a non-suppressed
 * vulnerability finding remains, else EXIT_OK. */
int mmr_cli_vuln_exit(const struct mmr_report *r, const struct mmr_cli_vuln_opts *o);
#include "src/cmd-rescan.h" /* gating options, mmr_cli_db_rescan() */
int mmr_cli_agent_fim(int argc, char **argv, const char *cmd); /* agent fim init|check (cmd-fim.c) */

#endif
