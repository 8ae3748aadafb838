/* cmd-secret.h - secret scanning for the scan commands (cmd-scan.c adds
 * MMR_CLI_SECRET_OPTIONS to its getopt table, hands the MMR_CLI_OPT_SECRET_*
 * cases to mmr_cli_secret_option(), calls mmr_cli_secret_start() before the
 * scan, mmr_cli_secret_finish() after it) and the `mamori secret` command. */
#ifndef MMR_CMD_SECRET_H
#define MMR_CMD_SECRET_H

#include <getopt.h>
#include <stdbool.h>

#include "model/model.h"
#include "sbom/sbom.h"

struct mmr_secret_rules;
struct mmr_secret_scanner;

struct mmr_cli_secret_opts {
	const char *config;   /* --secret-config: a gitleaks TOML; NULL: built-in rules */
	const char *baseline; /* --secret-baseline: fingerprints to suppress */
	bool show;            /* --show-secrets */
	bool git_history;     /* --git-history (fs) */
	struct mmr_secret_rules *rules;
	struct mmr_secret_scanner *scanner;
};

enum {
	MMR_CLI_OPT_SECRET_CONFIG = 950,
	MMR_CLI_OPT_SECRET_BASELINE,
	MMR_CLI_OPT_SHOW_SECRETS,
	MMR_CLI_OPT_GIT_HISTORY,
};

#define MMR_CLI_SECRET_OPTIONS                                                          \
	{ "secret-config", required_argument, NULL, MMR_CLI_OPT_SECRET_CONFIG },        \
		{ "secret-baseline", required_argument, NULL, MMR_CLI_OPT_SECRET_BASELINE }, \
		{ "show-secrets", no_argument, NULL, MMR_CLI_OPT_SHOW_SECRETS },        \
		{ "git-history", no_argument, NULL, MMR_CLI_OPT_GIT_HISTORY },

extern const char mmr_cli_usage_secret[];
/* One MMR_CLI_OPT_SECRET_* option; EXIT_OK. */
int mmr_cli_secret_option(struct mmr_cli_secret_opts *o, int opt, const char *arg);
/* Load the rules and make the scanner; EXIT_OK (with *ret set) or an exit
 * code after printing the error. */
int mmr_cli_secret_start(struct mmr_cli_secret_opts *o, const struct mmr_file_scanner **ret);
/* After the scan: the image config (images), then free the engine. */
void mmr_cli_secret_finish(struct mmr_cli_secret_opts *o, struct mmr_report *r);

#endif
