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
extern const char mmr_cli_usage_common[];
/* The help page of a command, or NULL when there is none. */
const char *mmr_cli_usage_for(const char *cmd);
void mmr_cli_print_usage(FILE *f, const char *cmd);
/* "mamori CMD: <message>\nSee 'mamori CMD --help'." on stderr; returns EXIT_USAGE. */
int mmr_cli_usage_error(const char *cmd, const char *fmt, const char *arg);

#endif
