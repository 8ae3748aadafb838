/* cmd-secret.c - secret options of the scan commands, and `mamori secret`:
 *
 *   mamori secret rules [--secret-config FILE] [--check]
 *     list the rules (id, severity, prefilter, description); with --check,
 *     only validate the config and list the rules Vectorscan could not take
 *     (they run on PCRE2 alone, slower), with the reason. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-log.h"
#include "secret/secret.h"
#include "src/cli.h"
#include "src/cmd-secret.h"

const char mmr_cli_usage_secret[] =
	"Secrets (--scanners secret):\n"
	"      --secret-config F  a gitleaks TOML config instead of the built-in rules\n"
	"                         ([extend] useDefault = true adds the built-in rules)\n"
	"      --secret-baseline F  suppress findings whose fingerprint is listed in F\n"
	"                         (one per line, '#' comments)\n"
	"      --show-secrets     put the whole secret in the report (default: the first\n"
	"                         4 characters, then '…')\n"
	"\n";

int mmr_cli_secret_option(struct mmr_cli_secret_opts *o, int opt, const char *arg)
{
	if (opt == MMR_CLI_OPT_SECRET_CONFIG)
		o->config = arg;
	else if (opt == MMR_CLI_OPT_SECRET_BASELINE)
		o->baseline = arg;
	else if (opt == MMR_CLI_OPT_SHOW_SECRETS)
		o->show = true;
	return EXIT_OK;
}

static int load_rules(const char *config, struct mmr_secret_rules **ret)
{
	struct mmr_error e = { 0 };
	int rc = config ? mmr_secret_rules_load(config, ret, &e) : mmr_secret_rules_builtin(ret, &e);
	if (rc < 0) {
		char msg[1200];
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-rc));
		mmr_err("secret rules: %s", mmr_error_format(&e, msg, sizeof(msg)));
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	return EXIT_OK;
}

int mmr_cli_secret_start(struct mmr_cli_secret_opts *o, const struct mmr_file_scanner **ret)
{
	int rc = load_rules(o->config, &o->rules);
	if (rc != EXIT_OK)
		return rc;
	struct mmr_secret_scanner_opts so = { .show_secrets = o->show, .baseline = o->baseline };
	struct mmr_error e = { 0 };
	int r = mmr_secret_scanner_new(o->rules, &so, &o->scanner, &e);
	if (r < 0) {
		char msg[1200];
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-r));
		mmr_err("secret baseline: %s", mmr_error_format(&e, msg, sizeof(msg)));
		mmr_secret_rules_free(o->rules);
		o->rules = NULL;
		return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	*ret = mmr_secret_scanner_get(o->scanner);
	return EXIT_OK;
}

void mmr_cli_secret_finish(struct mmr_cli_secret_opts *o, struct mmr_report *r)
{
	if (o->scanner && r && r->asset.kind == MMR_ASSET_IMAGE) {
		int rc = mmr_secret_scan_image_config(o->scanner, r);
		if (rc < 0)
			mmr_warn("secret scan of the image config failed: %s", strerror(-rc));
	}
	mmr_secret_scanner_free(o->scanner);
	mmr_secret_rules_free(o->rules);
	o->scanner = NULL;
	o->rules = NULL;
}

static const char usage_secret_cmd[] =
	"usage: mamori secret rules [--secret-config FILE] [--check]\n"
	"\n"
	"List the secret rules: id, severity, prefilter, description. The prefilter\n"
	"is how a file reaches the rule's regex: 'keywords' (a keyword occurs),\n"
	"'vectorscan' (the regex in prefilter mode), 'path' (the file name alone),\n"
	"or 'pcre2' (no prefilter: the regex runs over every file - slow).\n"
	"\n"
	"      --secret-config F  a gitleaks TOML config instead of the built-in rules\n"
	"      --check            validate the config; list only the rules without a\n"
	"                         prefilter, with the reason Vectorscan gave\n";

int mmr_cli_secret(int argc, char **argv, const char *cmd)
{
	const char *config = NULL;
	bool check = false;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_secret_cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "rules") != 0)
		return mmr_cli_usage_error(cmd, "unknown subcommand '%s' (rules)", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = true;
		else if (strcmp(argv[i], "--secret-config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strncmp(argv[i], "--secret-config=", 16) == 0)
			config = argv[i] + 16;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_secret_cmd, stdout);
			return EXIT_OK;
		} else
			return mmr_cli_usage_error(cmd, "unknown argument '%s'", argv[i]);
	}
	struct mmr_secret_rules *rs = NULL;
	int rc = load_rules(config, &rs);
	if (rc != EXIT_OK)
		return rc;
	size_t n = mmr_secret_rules_count(rs), slow = 0;
	for (size_t i = 0; i < n; i++) {
		struct mmr_secret_rule_info ri;
		mmr_secret_rule_info(rs, i, &ri);
		bool nopf = strcmp(ri.prefilter, "pcre2") == 0;
		slow += nopf;
		if (check) {
			if (nopf)
				printf("%s\tpcre2 only: %s\n", ri.id, ri.note ? ri.note : "no prefilter");
			continue;
		}
		printf("%-45s %-8s %-10s %s\n", ri.id, mmr_severity_name(ri.severity), ri.prefilter,
		       ri.description);
	}
	if (check)
		printf("%zu rules, %zu without a prefilter: config ok\n", n, slow);
	mmr_secret_rules_free(rs);
	return EXIT_OK;
}
