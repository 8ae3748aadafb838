/* cmd-iac.c - `mamori iac [<options>] <path>` (alias `mamori config`):
 * misconfigurations in Terraform, CloudFormation, Kubernetes manifests and
 * Dockerfiles (docs/cli/iac.md). The work is mmr_iac_scan(); this file
 * parses options, sets up logging, applies baseline / ignore file /
 * severity filter, writes the report and picks the exit code. */
#include "src/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core-log.h"
#include "core/core-str.h"
#include "iac/iac-baseline.h"
#include "iac/iac-compliance.h"
#include "iac/iac-scan.h"
#include "model/model.h"
#include "policy/policy.h"
#include "report/report.h"

#define MAX_MULTI 64
#define SNIPPET_LINES 10

struct iac_cli {
	const char *format, *output;
	bool quiet, json_log;
	int verbose;
	const char *rules[MAX_MULTI];
	size_t n_rules;
	const char *skip[MAX_MULTI * 4];
	size_t n_skip;
	const char *overrides[MAX_MULTI];
	size_t n_overrides;
	const char *var_files[MAX_MULTI];
	size_t n_var_files;
	unsigned severities;
	int exit_code;
	const char *compliance, *catalogue;
	const char *baseline, *write_baseline;
	bool no_builtin;
	struct mmr_limits limits;
	struct mmr_cli_gate_opts gate;
};

static const char usage_iac[] =
	"usage: mamori iac [<options>] <path>\n"
	"       mamori config [<options>] <path>\n"
	"\n"
	"Find misconfigurations in infrastructure as code: Terraform (.tf, .tf.json,\n"
	"tfvars, plan JSON from 'terraform show -json'), CloudFormation and SAM (JSON,\n"
	"YAML), Kubernetes manifests and Dockerfiles. <path> is a file or a directory\n"
	"tree; each directory with .tf files is a Terraform module, and the modules no\n"
	"other module calls are evaluated as roots. Findings name the file, the line\n"
	"range of the offending attribute and the resource address. A syntax error is\n"
	"a warning naming file:line:col; the other files are still scanned.\n"
	"\n"
	"Rules:\n"
	"      --rules PATH       also load the rule files in PATH (a .yaml file or a\n"
	"                         directory), repeatable\n"
	"      --no-builtin-rules only the --rules given\n"
	"      --skip ID          do not run rule ID (repeatable; ID,ID accepted)\n"
	"      --severity-override ID=LEVEL  change a rule's severity (repeatable)\n"
	"      --var-file FILE    Terraform variables file, repeatable (after\n"
	"                         terraform.tfvars and *.auto.tfvars)\n"
	"\n"
	"Results:\n"
	"      --severity LIST    only these severities: CRITICAL,HIGH,MEDIUM,LOW,INFO,UNKNOWN\n"
	"      --exit-code N      exit N when a finding remains after the filters\n"
	"      --baseline FILE    accept the findings recorded in FILE (file + resource\n"
	"                         address + rule id); new ones still count\n"
	"      --write-baseline FILE  record the open findings of this scan in FILE\n"
	"      --ignorefile FILE  accepted findings by rule id, paths and expiry (default\n"
	"                         ./.mamoriignore.yaml when present)\n"
	"      --compliance FW    print a per-control PASS/FAIL/UNKNOWN/MANUAL table for FW:\n"
	"                         cis-aws-1.5, nist-800-53-r5, pci-dss-4.0, soc2,\n"
	"                         iso-27001-2022\n"
	"      --compliance-catalogue FILE  the framework's full control list (Prowler\n"
	"                         compliance JSON), so unmapped controls show as MANUAL\n"
	"\n"
	"Inline suppressions: '# mamori:ignore:<rule-id> <reason>' in or right above a\n"
	"resource (also checkov:skip=, trivy:ignore:, tfsec:ignore: with their ids).\n"
	"\n"
	"Output:\n"
	"  -f, --format FORMAT    table (default; shows the offending lines), json, sarif, junit\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"      --limit KEY=VALUE  change a named limit (max-file-size, max-json-depth, ...)\n"
	"\n"
	"Logging:\n"
	"  -q, --quiet            only errors on stderr\n"
	"  -v, --verbose          more detail: every unresolved value, every unknown outcome\n"
	"                         and what was unknown (twice: debug)\n"
	"      --log-format FMT   text (default) or json\n"
	"\n"
	"Exit codes: 0 ok, N (--exit-code) findings remain, 2 usage or input error,\n"
	"3 internal error.\n";

enum {
	O_RULES = 300,
	O_NO_BUILTIN,
	O_SKIP,
	O_SEV_OVERRIDE,
	O_VAR_FILE,
	O_SEVERITY,
	O_EXIT_CODE,
	O_BASELINE,
	O_WRITE_BASELINE,
	O_COMPLIANCE,
	O_CATALOGUE,
	O_LIMIT,
	O_LOG_FORMAT,
};

static const struct option iac_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "rules", required_argument, NULL, O_RULES },
	{ "no-builtin-rules", no_argument, NULL, O_NO_BUILTIN },
	{ "skip", required_argument, NULL, O_SKIP },
	{ "severity-override", required_argument, NULL, O_SEV_OVERRIDE },
	{ "var-file", required_argument, NULL, O_VAR_FILE },
	{ "severity", required_argument, NULL, O_SEVERITY },
	{ "exit-code", required_argument, NULL, O_EXIT_CODE },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "write-baseline", required_argument, NULL, O_WRITE_BASELINE },
	{ "compliance", required_argument, NULL, O_COMPLIANCE },
	{ "compliance-catalogue", required_argument, NULL, O_CATALOGUE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "log-format", required_argument, NULL, O_LOG_FORMAT },
	{ "ignorefile", required_argument, NULL, MMR_CLI_OPT_IGNOREFILE },
	{ NULL, 0, NULL, 0 },
};

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	const struct iac_cli *c = ud;
	if (c->json_log) {
		json_t *o = json_pack("{s:s, s:s}", "level", mmr_log_level_name(level), "msg", msg);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s)
			fprintf(stderr, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
	}
}

static int push(const char **v, size_t *n, size_t cap, const char *arg, const char *cmd,
		const char *opt)
{
	if (*n >= cap)
		return mmr_cli_usage_error(cmd, "too many %s options", opt);
	v[(*n)++] = arg;
	return EXIT_OK;
}

static void print_error(const struct mmr_error *e, int rc, const char *what)
{
	char msg[1200];
	struct mmr_error c = *e;
	if (!c.msg[0])
		snprintf(c.msg, sizeof(c.msg), "%s", strerror(-rc));
	mmr_err("%s%s%s", what ? what : "", what ? ": " : "", mmr_error_format(&c, msg, sizeof(msg)));
}

/* ---- the table: per file, each finding with the offending lines ---- */

struct file_lines {
	const char *file;
	char *data;
	size_t len;
	size_t *starts; /* byte offset of each line */
	size_t n;
};

static void lines_load(struct file_lines *fl, const char *file)
{
	free(fl->data);
	free(fl->starts);
	memset(fl, 0, sizeof(*fl));
	fl->file = file;
	if (!file)
		return; /* just release */
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		close(fd);
		return;
	}
	fl->data = malloc((size_t)st.st_size + 1);
	size_t len = 0;
	while (fl->data && len < (size_t)st.st_size) {
		ssize_t k = read(fd, fl->data + len, (size_t)st.st_size - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	if (!fl->data)
		return;
	fl->data[len] = 0;
	fl->len = len;
	size_t cap = 64;
	fl->starts = malloc(cap * sizeof(*fl->starts));
	if (!fl->starts)
		return;
	fl->starts[fl->n++] = 0;
	for (size_t i = 0; i < len; i++) {
		if (fl->data[i] != '\n' || i + 1 >= len)
			continue;
		if (fl->n == cap) {
			size_t *p = realloc(fl->starts, cap * 2 * sizeof(*p));
			if (!p)
				return;
			fl->starts = p;
			cap *= 2;
		}
		fl->starts[fl->n++] = i + 1;
	}
}

static void print_line(FILE *out, const struct file_lines *fl, unsigned long ln, const char *mark)
{
	size_t s = fl->starts[ln - 1];
	size_t e = ln < fl->n ? fl->starts[ln] : fl->len;
	while (e > s && (fl->data[e - 1] == '\n' || fl->data[e - 1] == '\r'))
		e--;
	if (e - s > 200)
		e = s + 200;
	fprintf(out, "  %5lu %s ", ln, mark);
	for (size_t i = s; i < e; i++) {
		unsigned char ch = (unsigned char)fl->data[i];
		fputc(ch == '\t' ? ' ' : ch < 0x20 ? '?' : ch, out);
	}
	fputc('\n', out);
}

static void snippet(FILE *out, const struct file_lines *fl, unsigned long a, unsigned long b)
{
	if (!fl->starts || !a || a > fl->n)
		return;
	if (b < a)
		b = a;
	if (b > fl->n)
		b = fl->n;
	unsigned long shown = b - a + 1 > SNIPPET_LINES ? SNIPPET_LINES : b - a + 1;
	for (unsigned long ln = a; ln < a + shown; ln++)
		print_line(out, fl, ln, a == b ? "|" : ln == a ? "\u250c" : ln == b ? "\u2514" : "\u2502");
	if (shown < b - a + 1)
		fprintf(out, "        \u2502 ... %lu more lines (to line %lu)\n", b - a + 1 - shown, b);
}

static int cmp_finding(const void *x, const void *y)
{
	const struct mmr_finding *a = *(const struct mmr_finding *const *)x;
	const struct mmr_finding *b = *(const struct mmr_finding *const *)y;
	if (a->suppressed != b->suppressed)
		return a->suppressed ? 1 : -1;
	if (a->loc.line_start != b->loc.line_start)
		return a->loc.line_start < b->loc.line_start ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	return strcmp(a->rule_id, b->rule_id);
}

static int write_table(const struct mmr_report *r, FILE *out, const struct mmr_iac_scan_stats *st)
{
	struct file_lines fl = { 0 };
	size_t total[MMR_SEV_CRITICAL + 1] = { 0 }, open_n = 0, sup = 0, files_with = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		if (strcmp(res->class, "misconfiguration") != 0 || !res->findings.n)
			continue;
		files_with++;
		const struct mmr_finding **rows = malloc(res->findings.n * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		memcpy(rows, res->findings.v, res->findings.n * sizeof(*rows));
		qsort(rows, res->findings.n, sizeof(*rows), cmp_finding);
		size_t cnt[MMR_SEV_CRITICAL + 1] = { 0 }, nopen = 0;
		for (size_t k = 0; k < res->findings.n; k++) {
			if (rows[k]->suppressed)
				continue;
			nopen++;
			cnt[rows[k]->severity <= MMR_SEV_CRITICAL ? rows[k]->severity : 0]++;
		}
		int hl = fprintf(out, "%s (%s)\n", res->target, res->type) - 1;
		for (int k = 0; k < hl; k++)
			fputc('=', out);
		fprintf(out, "\nFindings: %zu", nopen);
		const char *sep = " (";
		for (int s = MMR_SEV_CRITICAL; s >= 0; s--) {
			if (!cnt[s])
				continue;
			fprintf(out, "%s%s: %zu", sep, mmr_severity_name((enum mmr_severity)s), cnt[s]);
			sep = ", ";
			total[s] += cnt[s];
		}
		fputs(*sep == ',' ? ")" : "", out);
		if (res->findings.n > nopen)
			fprintf(out, ", %zu suppressed", res->findings.n - nopen);
		fputs("\n\n", out);
		open_n += nopen;
		sup += res->findings.n - nopen;
		if (!fl.file || strcmp(fl.file, res->target) != 0)
			lines_load(&fl, res->target);
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = rows[k];
			fprintf(out, "%s %s: %s\n", mmr_severity_name(f->severity), f->rule_id,
				f->title ? f->title : "");
			if (f->loc.line_end > f->loc.line_start)
				fprintf(out, "  %s  %s:%lu-%lu\n", f->loc.resource ? f->loc.resource : "",
					res->target, f->loc.line_start, f->loc.line_end);
			else
				fprintf(out, "  %s  %s:%lu\n", f->loc.resource ? f->loc.resource : "",
					res->target, f->loc.line_start);
			if (f->suppressed) {
				fprintf(out, "  suppressed: %s\n\n", f->suppressed_by ? f->suppressed_by : "");
				continue;
			}
			snippet(out, &fl, f->loc.line_start, f->loc.line_end);
			if (f->remediation && *f->remediation)
				fprintf(out, "  fix: %s\n", f->remediation);
			if (f->references.n)
				fprintf(out, "  see: %s\n", (const char *)f->references.v[0]);
			fputc('\n', out);
		}
		free(rows);
	}
	lines_load(&fl, NULL);
	fprintf(out, "Summary: %zu files, %zu resources, %zu checks run: %zu passed, %zu failed "
		     "(%zu open",
		st->files, st->resources, st->evaluated, st->passed, st->failed, open_n);
	const char *sep = ": ";
	for (int s = MMR_SEV_CRITICAL; s >= 0; s--) {
		if (!total[s])
			continue;
		fprintf(out, "%s%s %zu", sep, mmr_severity_name((enum mmr_severity)s), total[s]);
		sep = ", ";
	}
	fprintf(out, ", %zu suppressed), %zu unknown\n", sup, st->unknown);
	(void)files_with;
	return ferror(out) ? -EIO : 0;
}

static int write_compliance(const struct mmr_iac_compliance *cp, FILE *out, bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < cp->controls.n; i++) {
			const struct mmr_iac_control *x = cp->controls.v[i];
			json_t *rules = json_array();
			for (size_t k = 0; k < x->rules.n; k++)
				json_array_append_new(rules, json_string(x->rules.v[k]));
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "id",
							     x->id, "title", x->title, "status",
							     mmr_iac_ctrl_status_name(x->status),
							     "failed", (json_int_t)x->failed, "passed",
							     (json_int_t)x->passed, "unknown",
							     (json_int_t)x->unknown, "rules", rules));
		}
		json_t *doc = json_pack("{s:s, s:s, s:o}", "framework", cp->framework, "title",
					cp->title, "controls", arr);
		int rc = doc && json_dumpf(doc, out, JSON_INDENT(2)) == 0 ? 0 : -EIO;
		fputc('\n', out);
		json_decref(doc);
		return rc;
	}
	fprintf(out, "%s (%s)\n", cp->title, cp->framework);
	fprintf(out, "Controls: %zu  PASS %zu  FAIL %zu  UNKNOWN %zu  MANUAL %zu\n\n",
		cp->controls.n, cp->n[MMR_IAC_CTRL_PASS], cp->n[MMR_IAC_CTRL_FAIL],
		cp->n[MMR_IAC_CTRL_UNKNOWN], cp->n[MMR_IAC_CTRL_MANUAL]);
	fprintf(out, "%-10s %-8s %6s  %-48s %s\n", "Control", "Status", "Issues", "Title", "Rules");
	for (size_t i = 0; i < cp->controls.n; i++) {
		const struct mmr_iac_control *x = cp->controls.v[i];
		fprintf(out, "%-10s %-8s %6zu  %-48.48s ", x->id, mmr_iac_ctrl_status_name(x->status),
			x->failed, x->title);
		for (size_t k = 0; k < x->rules.n; k++)
			fprintf(out, "%s%s", k ? "," : "", (const char *)x->rules.v[k]);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

static void filter_severity(struct mmr_report *r, unsigned sev)
{
	if (!sev)
		return;
	for (size_t i = 0; i < r->results.n; i++) {
		struct mmr_result *res = r->results.v[i];
		size_t k = 0;
		for (size_t j = 0; j < res->findings.n; j++) {
			struct mmr_finding *f = res->findings.v[j];
			if (sev & (1u << f->severity))
				res->findings.v[k++] = f;
		}
		res->findings.n = k;
	}
}

static int open_out(const char *path, FILE **ret)
{
	*ret = stdout;
	if (!path)
		return EXIT_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(*ret = fdopen(fd, "w"))) {
		mmr_err("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		*ret = NULL;
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int close_out(FILE *out, int rc)
{
	if (fflush(out) != 0)
		rc = -EIO;
	if (out != stdout && fclose(out) != 0)
		rc = -EIO;
	if (rc < 0) {
		mmr_err("writing the report failed: %s", strerror(-rc));
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

static int parse_args(struct iac_cli *c, int argc, char **argv, const char *cmd)
{
	int opt, rc;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:qvh", iac_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "sarif") != 0 && strcmp(optarg, "junit") != 0)
				return mmr_cli_usage_error(cmd, "unknown format '%s' (table, json, sarif, junit)",
							   optarg);
			c->format = optarg;
			break;
		case 'o':
			c->output = optarg;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			fputs(usage_iac, stdout);
			return -1;
		case O_RULES:
			if ((rc = push(c->rules, &c->n_rules, MAX_MULTI, optarg, cmd, "--rules")))
				return rc;
			break;
		case O_NO_BUILTIN:
			c->no_builtin = true;
			break;
		case O_SKIP: {
			const char *p = optarg;
			while (*p) {
				size_t n = strcspn(p, ",");
				if (n && (rc = push(c->skip, &c->n_skip, MAX_MULTI * 4, strndup(p, n), cmd,
						    "--skip")))
					return rc;
				p += n + (p[n] == ',');
			}
			break;
		}
		case O_SEV_OVERRIDE:
			if ((rc = push(c->overrides, &c->n_overrides, MAX_MULTI, optarg, cmd,
				       "--severity-override")))
				return rc;
			break;
		case O_VAR_FILE:
			if ((rc = push(c->var_files, &c->n_var_files, MAX_MULTI, optarg, cmd, "--var-file")))
				return rc;
			break;
		case O_SEVERITY: {
			/* INFO is a misconfiguration severity the vulnerability list lacks */
			unsigned bits = 0;
			const char *p = optarg;
			while (*p) {
				size_t n = strcspn(p, ",");
				char name[32];
				snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), p);
				enum mmr_severity s = mmr_severity_from_name(name);
				if (n && s == MMR_SEV_UNKNOWN && strcasecmp(name, "UNKNOWN") != 0)
					return mmr_cli_usage_error(cmd,
								   "bad --severity '%s' (CRITICAL, HIGH, "
								   "MEDIUM, LOW, INFO, UNKNOWN)",
								   optarg);
				if (n)
					bits |= 1u << s;
				p += n + (p[n] == ',');
			}
			c->severities = bits;
			break;
		}
		case O_EXIT_CODE: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 255)
				return mmr_cli_usage_error(cmd, "bad --exit-code '%s' (0-255)", optarg);
			c->exit_code = (int)v;
			break;
		}
		case O_BASELINE:
			c->baseline = optarg;
			break;
		case O_WRITE_BASELINE:
			c->write_baseline = optarg;
			break;
		case O_COMPLIANCE:
			if (!mmr_iac_framework_valid(optarg))
				return mmr_cli_usage_error(cmd,
							   "unknown framework '%s' (cis-aws-1.5, nist-800-53-r5, "
							   "pci-dss-4.0, soc2, iso-27001-2022)",
							   optarg);
			c->compliance = optarg;
			break;
		case O_CATALOGUE:
			c->catalogue = optarg;
			break;
		case O_LIMIT:
			if (mmr_limits_set(&c->limits, optarg) < 0)
				return mmr_cli_usage_error(cmd, "bad --limit '%s' (KEY=VALUE)", optarg);
			break;
		case O_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				c->json_log = true;
			else if (strcmp(optarg, "text") != 0)
				return mmr_cli_usage_error(cmd, "unknown log format '%s' (text, json)", optarg);
			break;
		case MMR_CLI_OPT_IGNOREFILE:
			if (mmr_cli_gate_option(&c->gate, cmd, opt, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		default:
			fprintf(stderr, "See 'mamori %s --help'.\n", cmd);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int prepare_rules(struct iac_cli *c, const char *cmd, struct mmr_policy_set **ret)
{
	struct mmr_error e = { 0 };
	int rc = mmr_iac_rules_load(c->rules, c->n_rules, !c->no_builtin, ret, &e);
	if (rc < 0) {
		print_error(&e, rc, "rules");
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	for (size_t i = 0; i < c->n_skip; i++) {
		if (mmr_policy_skip(*ret, c->skip[i]) < 0) {
			mmr_policy_set_free(*ret);
			return mmr_cli_usage_error(cmd, "--skip: no rule '%s'", c->skip[i]);
		}
	}
	for (size_t i = 0; i < c->n_overrides; i++) {
		int r = mmr_policy_severity_override(*ret, c->overrides[i]);
		if (r < 0) {
			mmr_policy_set_free(*ret);
			return mmr_cli_usage_error(cmd,
						   r == -ENOENT ? "--severity-override '%s': no such rule"
								: "bad --severity-override '%s' (ID=LEVEL)",
						   c->overrides[i]);
		}
	}
	return EXIT_OK;
}

static void log_diags(const struct mmr_report *r, const struct mmr_iac_scan_stats *st, int verbose)
{
	size_t shown = 0, unresolved = 0;
	const size_t max = verbose ? (size_t)-1 : 20;
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		if (mmr_cstr_starts(d->message, "unresolved: ")) {
			unresolved++;
			if (verbose)
				mmr_info("%s: %s", d->where, d->message);
			continue;
		}
		if (shown++ >= max)
			continue;
		/* syntax errors already read "file:line:col: message" */
		if (d->where && mmr_cstr_starts(d->message, d->where))
			mmr_warn("%s", d->message);
		else
			mmr_warn("%s: %s", d->where, d->message);
	}
	if (shown > max)
		mmr_warn("%zu more warnings (-v shows them; all are in the JSON report)", shown - max);
	if (unresolved && !verbose)
		mmr_info("%zu values left unresolved (-v lists them)", unresolved);
	for (size_t i = 0; i < st->unknowns.n; i++) {
		const struct mmr_iac_unknown *u = st->unknowns.v[i];
		if (verbose)
			mmr_info("unknown: %s on %s (%s:%lu): %s", u->rule_id, u->address, u->file, u->line,
				 u->why);
	}
	if (st->unknowns.n && !verbose)
		mmr_info("%zu checks unknown (values known only after apply; -v lists them)",
			 st->unknowns.n);
}

static void free_skips(struct iac_cli *c)
{
	for (size_t i = 0; i < c->n_skip; i++)
		free((void *)c->skip[i]);
	c->n_skip = 0;
}

int mmr_cli_iac(int argc, char **argv, const char *cmd)
{
	struct iac_cli c = { .format = "table", .exit_code = -1 };
	mmr_limits_default(&c.limits);
	mmr_cli_gate_opts_init(&c.gate);
	c.gate.db_store = NULL; /* the history store keeps SBOMs, not IaC results */
	int rc = parse_args(&c, argc, argv, cmd);
	if (rc != EXIT_OK) {
		free_skips(&c);
		return rc == -1 ? EXIT_OK : rc;
	}
	mmr_log_set_sink(log_sink, &c);
	mmr_log_set_level(c.quiet ? MMR_LOG_ERROR :
			  c.verbose >= 2 ? MMR_LOG_DEBUG :
			  c.verbose ? MMR_LOG_INFO :
				      MMR_LOG_WARN);
	if (optind >= argc || optind + 1 < argc) {
		free_skips(&c);
		return optind >= argc ? mmr_cli_usage_error(cmd, "%s", "a path is required")
				      : mmr_cli_usage_error(cmd, "takes one path (got also '%s')",
							    argv[optind + 1]);
	}
	const char *target = argv[optind];

	struct mmr_policy_set *rules = NULL;
	if ((rc = prepare_rules(&c, cmd, &rules)) != EXIT_OK) {
		free_skips(&c);
		return rc;
	}
	struct mmr_report *r = mmr_report_new();
	if (!r) {
		mmr_policy_set_free(rules);
		mmr_err("out of memory");
		return EXIT_INTERNAL;
	}
	struct mmr_iac_scan_opts so = { .limits = &c.limits,
					.var_files = c.var_files,
					.n_var_files = c.n_var_files };
	struct mmr_iac_scan_stats st = { 0 };
	struct mmr_error e = { 0 };
	int sr = mmr_iac_scan(r, target, rules, &so, &st, &e);
	if (sr < 0) {
		print_error(&e, sr, NULL);
		rc = sr == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	log_diags(r, &st, c.verbose);
	mmr_info("%zu files, %zu resources, %zu rules; %zu checks: %zu passed, %zu failed, %zu "
		 "unknown, %zu suppressed inline",
		 st.files, st.resources, rules->rules.n, st.evaluated, st.passed, st.failed,
		 st.unknown, st.suppressed);
	mmr_report_sort(r);
	if (c.baseline) {
		int n = mmr_iac_baseline_apply(r, target, c.baseline, &e);
		if (n < 0) {
			print_error(&e, n, NULL);
			rc = n == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
		mmr_info("baseline %s: %d findings accepted", c.baseline, n);
	}
	struct mmr_cli_vuln_opts vo;
	mmr_cli_vuln_opts_init(&vo);
	vo.enabled = false;
	if ((rc = mmr_cli_gate_apply(r, &c.gate, &vo, cmd)) != EXIT_OK)
		goto out;
	filter_severity(r, c.severities);

	FILE *out = NULL;
	if ((rc = open_out(c.output, &out)) != EXIT_OK)
		goto out;
	int wr;
	if (c.compliance) {
		struct mmr_iac_compliance *cp = NULL;
		wr = mmr_iac_compliance_build(r->arena, c.compliance, rules, &st, r, c.catalogue, &cp,
					      &e);
		if (wr < 0) {
			print_error(&e, wr, NULL);
			close_out(out, 0);
			rc = wr == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
		wr = write_compliance(cp, out, strcmp(c.format, "json") == 0);
	} else if (strcmp(c.format, "table") == 0) {
		wr = write_table(r, out, &st);
	} else {
		const struct mmr_report_writer *w = mmr_report_writer_find(c.format);
		struct mmr_report_opts ro = { .command = cmd };
		wr = w->write(r, out, &ro);
	}
	if ((rc = close_out(out, wr)) != EXIT_OK)
		goto out;
	if (c.write_baseline) {
		wr = mmr_iac_baseline_write(r, target, c.write_baseline, &e);
		if (wr < 0) {
			print_error(&e, wr, NULL);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	rc = EXIT_OK;
	if (c.exit_code >= 0) {
		for (size_t i = 0; i < r->results.n && rc == EXIT_OK; i++) {
			const struct mmr_result *res = r->results.v[i];
			for (size_t k = 0; k < res->findings.n; k++)
				if (!((const struct mmr_finding *)res->findings.v[k])->suppressed) {
					rc = c.exit_code;
					break;
				}
		}
	}
out:
	mmr_report_free(r);
	mmr_policy_set_free(rules);
	free_skips(&c);
	return rc;
}
