/* cmd-secret.c - secret options of the scan commands, and `mamori secret`:
 *
 *   mamori secret rules [--secret-config FILE] [--check]
 *     list the rules (id, severity, prefilter, description); with --check,
 *     only validate the config and list the rules Vectorscan could not take
 *     (they run on PCRE2 alone, slower), with the reason.
 *   mamori secret git REPO [--since DATE|REV] [--branch NAME] [--all] ...
 *     the added lines of every commit of a git repository (secret-git.c).
 * `--git-history` on `mamori fs` adds the history of the scanned
 * directory when it is a repository. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core-log.h"
#include "report/report.h"
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
	"      --git-history      fs: when the directory is a git repository, also scan\n"
	"                         the added lines of every commit (see 'mamori secret git')\n"
	"\n";

int mmr_cli_secret_option(struct mmr_cli_secret_opts *o, int opt, const char *arg)
{
	if (opt == MMR_CLI_OPT_SECRET_CONFIG)
		o->config = arg;
	else if (opt == MMR_CLI_OPT_SECRET_BASELINE)
		o->baseline = arg;
	else if (opt == MMR_CLI_OPT_SHOW_SECRETS)
		o->show = true;
	else if (opt == MMR_CLI_OPT_GIT_HISTORY)
		o->git_history = true;
	return EXIT_OK;
}

static int load_rules(const char *config, struct mmr_secret_rules **ret)
{
	struct mmr_error e = { 0 };
	int rc = config ? mmr_secret_rules_load(config, ret, &e) : mmr_secret_rules_builtin(ret, &e);
	if (rc < 0) {
		return mmr_cli_fail(rc, &e, "secret rules");
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

static void git_summary(const char *repo, const struct mmr_secret_git_stats *st)
{
	mmr_info("git history of %s: %zu commits, %zu file changes scanned, %zu unreadable, "
		 "%zu findings%s",
		 repo, st->commits, st->files, st->skipped, st->findings,
		 st->truncated ? " (walk cut short)" : "");
}

void mmr_cli_secret_finish(struct mmr_cli_secret_opts *o, struct mmr_report *r)
{
	if (o->scanner && r && r->asset.kind == MMR_ASSET_IMAGE) {
		int rc = mmr_secret_scan_image_config(o->scanner, r);
		if (rc < 0)
			mmr_warn("secret scan of the image config failed: %s", strerror(-rc));
	}
	if (o->scanner && r && o->git_history && r->asset.kind == MMR_ASSET_FS && r->asset.name) {
		struct mmr_error e = { 0 };
		struct mmr_secret_git_stats st;
		struct mmr_secret_git_opts go = { .max_archive_depth = 8 };
		int rc = mmr_secret_scan_git(o->scanner, r->asset.name, &go, r, &st, &e);
		if (rc < 0) {
			char msg[1200];
			if (!e.msg[0])
				snprintf(e.msg, sizeof(e.msg), "%s", strerror(-rc));
			mmr_warn("--git-history: %s", mmr_error_format(&e, msg, sizeof(msg)));
		} else {
			git_summary(r->asset.name, &st);
		}
	}
	mmr_secret_scanner_free(o->scanner);
	mmr_secret_rules_free(o->rules);
	o->scanner = NULL;
	o->rules = NULL;
}

static const char usage_secret_cmd[] =
	"usage: mamori secret rules [--secret-config FILE] [--check]\n"
	"       mamori secret git REPO [options]   (mamori secret git --help)\n"
	"\n"
	"List the secret rules: id, severity, prefilter, description. The prefilter\n"
	"is how a file reaches the rule's regex: 'keywords' (a keyword occurs),\n"
	"'vectorscan' (the regex in prefilter mode), 'path' (the file name alone),\n"
	"or 'pcre2' (no prefilter: the regex runs over every file - slow).\n"
	"\n"
	"      --secret-config F  a gitleaks TOML config instead of the built-in rules\n"
	"      --check            validate the config; list only the rules without a\n"
	"                         prefilter, with the reason Vectorscan gave\n";

static const char usage_secret_git[] =
	"usage: mamori secret git REPO [options]\n"
	"\n"
	"Scan the history of a git repository for secrets, like gitleaks: every commit\n"
	"reachable from every ref (branches, tags, remotes, HEAD) is diffed against its\n"
	"first parent and only the lines it adds are scanned. Merge commits are skipped\n"
	"(their changes are reported in the commits that made them); binary files are\n"
	"skipped, archives in them are opened. A finding names the commit, its author and\n"
	"date, the file and the line in the new file.\n"
	"\n"
	"      --since DATE|REV   only commits after DATE (YYYY-MM-DD[THH:MM[:SS]], UTC,\n"
	"                         committer date), or not reachable from revision REV\n"
	"      --branch NAME      only the history of branch (or revision) NAME\n"
	"      --all              every ref (the default; overrides an earlier --head)\n"
	"      --head             only the history of HEAD\n"
	"      --max-commits N    stop after N commits (default 1000000)\n"
	"      --max-blob-size N  skip file versions larger than N bytes (k/m/g; default 16m)\n"
	"      --secret-config F  a gitleaks TOML config instead of the built-in rules\n"
	"      --secret-baseline F  suppress findings whose fingerprint is listed in F\n"
	"      --show-secrets     the whole secret in the report\n"
	"  -f, --format FORMAT    table (default), json, sarif, junit\n"
	"  -o, --output FILE      write the report to FILE\n"
	"      --exit-code N      exit with N when a finding is not suppressed\n"
	"  -q, --quiet / -v, --verbose   fewer / more messages\n";

static int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}

static int write_git_report(struct mmr_report *r, const char *format, const char *output)
{
	const struct mmr_report_writer *w = mmr_report_writer_find(format);
	FILE *out = stdout;
	if (output) {
		int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			mmr_err("cannot write %s: %s", output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EXIT_USAGE;
		}
	}
	struct mmr_report_opts ro = { .color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
				      .command = "secret git" };
	int rc = w->write(r, out, &ro);
	if (fflush(out) != 0)
		rc = -EIO;
	if (out != stdout && fclose(out) != 0)
		rc = -EIO;
	if (rc < 0) {
		mmr_err("writing the %s report failed: %s", w->name, strerror(-rc));
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

static int secret_git(int argc, char **argv, const char *cmd)
{
	struct mmr_cli_secret_opts so = { 0 };
	struct mmr_secret_git_opts go = { .max_archive_depth = 8 };
	const char *format = "table", *output = NULL, *repo = NULL;
	int exit_code = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && (v ? (i++, true) : (missing = name, false)))
		const char *missing = NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_secret_git, stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--all") == 0) {
			go.head_only = false;
		} else if (strcmp(a, "--head") == 0) {
			go.head_only = true;
		} else if (strcmp(a, "--show-secrets") == 0) {
			so.show = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0 ||
			   strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			/* handled by mmr_cli_secret */
		} else if (ARG("--since")) {
			go.since = v;
		} else if (ARG("--branch")) {
			go.branch = v;
		} else if (ARG("--secret-config")) {
			so.config = v;
		} else if (ARG("--secret-baseline")) {
			so.baseline = v;
		} else if (ARG("-f") || ARG("--format")) {
			if (!mmr_report_writer_find(v))
				return mmr_cli_usage_error(cmd, "unknown format '%s'", v);
			format = v;
		} else if (ARG("-o") || ARG("--output")) {
			output = v;
		} else if (ARG("--max-commits")) {
			uint64_t n;
			if (parse_size(v, &n) < 0 || n > SIZE_MAX)
				return mmr_cli_usage_error(cmd, "bad --max-commits '%s'", v);
			go.max_commits = (size_t)n;
		} else if (ARG("--max-blob-size")) {
			if (parse_size(v, &go.max_blob) < 0)
				return mmr_cli_usage_error(cmd, "bad --max-blob-size '%s'", v);
		} else if (ARG("--exit-code")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (end == v || *end || n < 0 || n > 255)
				return mmr_cli_usage_error(cmd, "bad --exit-code '%s' (0-255)", v);
			exit_code = (int)n;
		} else if (missing) {
			return mmr_cli_usage_error(cmd, "%s needs a value", missing);
		} else if (a[0] == '-' && a[1]) {
			return mmr_cli_usage_error(cmd, "unknown option '%s' (see 'mamori secret git --help')", a);
		} else if (repo) {
			return mmr_cli_usage_error(cmd, "git takes one repository (got also '%s')", a);
		} else {
			repo = a;
		}
#undef ARG
	}
	if (!repo)
		return mmr_cli_usage_error(cmd, "%s", "git: a repository path is required");
	const struct mmr_file_scanner *fs;
	int rc = mmr_cli_secret_start(&so, &fs);
	if (rc != EXIT_OK)
		return rc;
	struct mmr_report *r = mmr_report_new();
	if (!r) {
		mmr_cli_secret_finish(&so, NULL);
		return EXIT_INTERNAL;
	}
	r->asset.kind = MMR_ASSET_FS;
	r->asset.name = mmr_arena_strdup(r->arena, repo);
	struct mmr_error e = { 0 };
	struct mmr_secret_git_stats st;
	int grc = mmr_secret_scan_git(so.scanner, repo, &go, r, &st, &e);
	mmr_cli_secret_finish(&so, NULL);
	if (grc < 0) {
		mmr_report_free(r);
		return mmr_cli_fail(grc, &e, NULL);
	}
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		mmr_warn("%s: %s", d->where, d->message);
	}
	git_summary(repo, &st);
	mmr_report_sort(r);
	rc = write_git_report(r, format, output);
	if (rc == EXIT_OK && exit_code >= 0) {
		for (size_t i = 0; i < r->results.n && rc == EXIT_OK; i++) {
			const struct mmr_result *res = r->results.v[i];
			for (size_t k = 0; k < res->findings.n; k++)
				if (!((const struct mmr_finding *)res->findings.v[k])->suppressed) {
					rc = exit_code;
					break;
				}
		}
	}
	mmr_report_free(r);
	return rc;
}

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
}

int mmr_cli_secret(int argc, char **argv, const char *cmd)
{
	bool verbose = false, quiet = false;
	for (int i = 1; i < argc; i++) {
		verbose |= strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0;
		quiet |= strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0;
	}
	mmr_log_set_sink(log_sink, NULL);
	mmr_log_set_level(quiet ? MMR_LOG_ERROR : verbose ? MMR_LOG_INFO : MMR_LOG_WARN);
	const char *config = NULL;
	bool check = false;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_secret_cmd, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "git") == 0)
		return secret_git(argc - 1, argv + 1, cmd);
	if (strcmp(argv[1], "rules") != 0)
		return mmr_cli_usage_error(cmd, "unknown subcommand '%s' (rules, git)", argv[1]);
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
