/* cmd-sbom.c - `mamori sbom [<options>] <file>`: read a CycloneDX or SPDX
 * JSON SBOM (from mamori, Syft or Trivy; lib/sbom/sbom-import.h) into a
 * report and write it in any output format (docs/cli/sbom.md). */
#include "src/cli.h"

#include "core/core-log.h"
#include "model/model.h"
#include "report/report.h"
#include "sbom/sbom-import.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_sbom[] =
	"usage: mamori sbom [<options>] <file>\n"
	"\n"
	"Read a software bill of materials and report on its packages: CycloneDX\n"
	"1.4-1.6 JSON or SPDX 2.2/2.3 JSON, as written by mamori, Syft, Trivy or any\n"
	"tool that follows the specifications ('-' reads standard input).\n"
	"Packages are identified by their package URL (purl); the OS by an\n"
	"operating-system component or the purl's distro qualifier.\n"
	"\n"
	"The packages are then matched against the vulnerability database like the\n"
	"packages of any scan.\n"
	"\n"
	"Output:\n"
	"  -f, --format FORMAT    table (default), json, cyclonedx, spdx, sarif, junit\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"\n"
	"Limits:\n"
	"      --limit KEY=VALUE  max-file-size (the SBOM), max-packages (components),\n"
	"                         max-json-depth (nested components); k/m/g suffixes\n"
	"\n"
	"Logging:\n"
	"  -q, --quiet            only errors on stderr\n"
	"  -v, --verbose          more detail on stderr (twice: debug)\n"
	"      --log-format FMT   text (default) or json (one object per line)\n"
	"\n"
	"Exit codes: 0 ok (N with --exit-code N when vulnerabilities remain), 2\n"
	"unreadable or malformed SBOM (the message names the file and the JSON\n"
	"line:column), 3 internal error.\n"
	"\n";

struct sbom_cli {
	const char *format, *output;
	bool quiet, json_log;
	int verbose;
	struct mmr_limits limits;
	struct mmr_cli_vuln_opts vuln;
};

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	const struct sbom_cli *c = ud;
	if (!c->json_log) {
		fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
		return;
	}
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
		mmr_log_level_name(level));
	for (const char *s = msg; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(stderr, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(stderr, "\\u%04x", ch);
		else
			fputc(ch, stderr);
	}
	fputs("\"}\n", stderr);
}

static int write_out(const struct sbom_cli *c, const struct mmr_report *r, const char *cmd)
{
	const struct mmr_report_writer *w = mmr_report_writer_find(c->format);
	FILE *out = stdout;
	if (c->output) {
		int fd = open(c->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			mmr_err("cannot write %s: %s", c->output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EXIT_USAGE;
		}
	}
	struct mmr_report_opts o = {
		.color = !c->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
		.command = cmd,
	};
	const char *cols = getenv("COLUMNS");
	if (cols) {
		char *end;
		unsigned long v = strtoul(cols, &end, 10);
		if (end != cols && *end == 0 && v >= 40 && v < 10000)
			o.width = (unsigned)v;
	}
	int rc = w->write(r, out, &o);
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

enum { OPT_LIMIT = 256, OPT_LOG_FORMAT, OPT_NO_PROGRESS, OPT_VULN };

static const struct option sbom_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	/* the vulnerability options every report-building command shares */
	{ "scanners", required_argument, NULL, OPT_VULN },
	{ "db", required_argument, NULL, OPT_VULN },
	{ "severity", required_argument, NULL, OPT_VULN },
	{ "ignore-unfixed", no_argument, NULL, OPT_VULN },
	{ "pkg-types", required_argument, NULL, OPT_VULN },
	{ "exit-code", required_argument, NULL, OPT_VULN },
	{ NULL, 0, NULL, 0 },
};

int mmr_cli_sbom(int argc, char **argv, const char *cmd)
{
	struct sbom_cli c = { .format = "table" };
	mmr_limits_default(&c.limits);
	mmr_cli_vuln_opts_init(&c.vuln);
	int opt, li = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:qvh", sbom_options, &li)) != -1) {
		switch (opt) {
		case 'f':
			if (!mmr_report_writer_find(optarg))
				return mmr_cli_usage_error(cmd, "unknown format '%s'", optarg);
			c.format = optarg;
			break;
		case 'o':
			c.output = optarg;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'v':
			c.verbose++;
			break;
		case 'h':
			fputs(usage_sbom, stdout);
			fputs(mmr_cli_usage_vuln, stdout);
			return EXIT_OK;
		case OPT_VULN: {
			int rc = mmr_cli_vuln_option(&c.vuln, cmd, sbom_options[li].name,
						     optarg ? optarg : "");
			if (rc != EXIT_OK)
				return rc;
			break;
		}
		case OPT_LIMIT:
			if (mmr_limits_set(&c.limits, optarg) < 0)
				return mmr_cli_usage_error(cmd, "bad --limit '%s' (KEY=VALUE)", optarg);
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				c.json_log = true;
			else if (strcmp(optarg, "text") != 0)
				return mmr_cli_usage_error(cmd, "unknown log format '%s' (text, json)", optarg);
			break;
		case OPT_NO_PROGRESS:
			break;
		default:
			fprintf(stderr, "See 'mamori %s --help'.\n", cmd);
			return EXIT_USAGE;
		}
	}
	mmr_log_set_sink(log_sink, &c);
	mmr_log_set_level(c.quiet ? MMR_LOG_ERROR :
			  c.verbose >= 2 ? MMR_LOG_DEBUG :
			  c.verbose ? MMR_LOG_INFO :
				      MMR_LOG_WARN);
	if (optind >= argc)
		return mmr_cli_usage_error(cmd, "%s", "an SBOM file is required");
	if (optind + 1 < argc)
		return mmr_cli_usage_error(cmd, "takes one file (got also '%s')", argv[optind + 1]);
	const char *path = argv[optind];

	struct mmr_report *r = mmr_report_new();
	if (!r) {
		mmr_err("out of memory");
		return EXIT_INTERNAL;
	}
	struct mmr_error e = { 0 };
	int rc = mmr_sbom_import_file(r, path, &c.limits, &e);
	if (rc < 0) {
		mmr_report_free(r);
		return mmr_cli_fail(rc, &e, NULL);
	}
	mmr_cli_show_diags(r, c.verbose);
	rc = mmr_cli_vuln_match(r, &c.vuln);
	if (rc == EXIT_OK)
		rc = write_out(&c, r, cmd);
	if (rc == EXIT_OK)
		rc = mmr_cli_vuln_exit(r, &c.vuln);
	mmr_report_free(r);
	return rc;
}
