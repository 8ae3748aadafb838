/* cmd-rescan.h - gating options the scanning commands share (ignore file,
 * VEX input, history store) and `mamori db rescan` (cmd-rescan.c).
 *
 * A scanning command keeps a struct mmr_cli_gate_opts, adds
 * MMR_CLI_GATE_OPTIONS to its getopt table, hands the MMR_CLI_OPT_* cases
 * to mmr_cli_gate_option(), and calls mmr_cli_gate_apply() after
 * vulnerability matching and before writing the report. */
#ifndef MMR_CMD_RESCAN_H
#define MMR_CMD_RESCAN_H

#include <stdbool.h>
#include <stddef.h>

struct mmr_report;
struct mmr_cli_vuln_opts;

#define MMR_CLI_GATE_MAX_VEX 64

struct mmr_cli_gate_opts {
	const char *ignorefile;  /* --ignorefile; NULL: .mamoriignore.yaml if present */
	const char *vex[MMR_CLI_GATE_MAX_VEX];
	size_t n_vex;
	const char *db_store;    /* --db-store or $MAMORI_DB_STORE; NULL: none */
};

enum {
	MMR_CLI_OPT_IGNOREFILE = 900,
	MMR_CLI_OPT_VEX,
	MMR_CLI_OPT_DB_STORE,
};

#define MMR_CLI_GATE_OPTIONS                                                   \
	{ "ignorefile", required_argument, NULL, MMR_CLI_OPT_IGNOREFILE },     \
		{ "vex", required_argument, NULL, MMR_CLI_OPT_VEX },           \
		{ "db-store", required_argument, NULL, MMR_CLI_OPT_DB_STORE },

extern const char mmr_cli_usage_gate[];
void mmr_cli_gate_opts_init(struct mmr_cli_gate_opts *o);
/* One MMR_CLI_OPT_* option; EXIT_OK or EXIT_USAGE (message printed). */
int mmr_cli_gate_option(struct mmr_cli_gate_opts *o, const char *cmd, int opt, const char *arg);
/* After matching: VEX statements, then the ignore file, then (with a
 * history store) the asset, its SBOM and — when a vulnerability database
 * was used — its evaluation are stored. EXIT_OK, EXIT_USAGE (a bad ignore
 * or VEX file, message printed) or EXIT_INTERNAL. */
int mmr_cli_gate_apply(struct mmr_report *r, const struct mmr_cli_gate_opts *o,
		       const struct mmr_cli_vuln_opts *vo, const char *cmd);

/* mamori db rescan; argv[0] is "rescan". */
int mmr_cli_db_rescan(int argc, char **argv);

#endif
