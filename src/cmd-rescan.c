/* cmd-rescan.c - ignore file, VEX and history-store options of the scanning
 * commands, and `mamori db rescan` (docs/cli/rescan.md). */
#include "src/cli.h"
#include "src/cmd-rescan.h"

#include "core/core-log.h"
#include "model/model.h"
#include "vulndb/vulndb-history.h"
#include "vulndb/vulndb-ignore.h"
#include "vulndb/vulndb-match.h"
#include "vulndb/vulndb-vex.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_IGNOREFILE ".mamoriignore.yaml"

const char mmr_cli_usage_gate[] =
	"Suppressions and history:\n"
	"      --ignorefile FILE  accepted findings: YAML (id, purls, paths, expires, reason) or a\n"
	"                         .trivyignore list (default ./.mamoriignore.yaml when present)\n"
	"      --vex FILE         OpenVEX, CycloneDX VEX or CSAF VEX statements (repeatable);\n"
	"                         not_affected and fixed suppress, the justification is shown\n"
	"      --db-store PATH    keep this scan's SBOM and findings for 'mamori db rescan'\n"
	"                         (or MAMORI_DB_STORE)\n"
	"\n";

void mmr_cli_gate_opts_init(struct mmr_cli_gate_opts *o)
{
	memset(o, 0, sizeof(*o));
	const char *env = secure_getenv("MAMORI_DB_STORE");
	if (env && *env)
		o->db_store = env;
}

int mmr_cli_gate_option(struct mmr_cli_gate_opts *o, const char *cmd, int opt, const char *arg)
{
	switch (opt) {
	case MMR_CLI_OPT_IGNOREFILE:
		if (!*arg)
			return mmr_cli_usage_error(cmd, "%s", "--ignorefile needs a file name");
		o->ignorefile = arg;
		return EXIT_OK;
	case MMR_CLI_OPT_VEX:
		if (o->n_vex >= MMR_CLI_GATE_MAX_VEX)
			return mmr_cli_usage_error(cmd, "too many --vex files (%s at most)", "64");
		o->vex[o->n_vex++] = arg;
		return EXIT_OK;
	case MMR_CLI_OPT_DB_STORE:
		if (!*arg)
			return mmr_cli_usage_error(cmd, "%s", "--db-store needs a path");
		o->db_store = arg;
		return EXIT_OK;
	}
	return mmr_cli_usage_error(cmd, "%s", "unknown option");
}

static void print_error(const struct mmr_error *e, int rc)
{
	char msg[1200];
	struct mmr_error c = *e;
	if (!c.msg[0])
		snprintf(c.msg, sizeof(c.msg), "%s", strerror(-rc));
	mmr_err("%s", mmr_error_format(&c, msg, sizeof(msg)));
}

/* VEX then the ignore file. The sets live in `a`; suppression texts are
 * copied into the report. */
static int apply_suppressions(struct mmr_report *r, const struct mmr_cli_gate_opts *o,
			      struct mmr_arena *a)
{
	struct mmr_error e = { 0 };
	int rc;
	if (o->n_vex) {
		struct mmr_vulndb_vex vx;
		mmr_vulndb_vex_init(&vx, a);
		for (size_t i = 0; i < o->n_vex; i++) {
			if ((rc = mmr_vulndb_vex_load(&vx, o->vex[i], &e)) < 0) {
				print_error(&e, rc);
				return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			}
		}
		if ((rc = mmr_vulndb_vex_apply(r, &vx)) < 0) {
			mmr_err("applying VEX statements failed: %s", strerror(-rc));
			return EXIT_INTERNAL;
		}
		mmr_info("%zu VEX statements; %d findings suppressed by them", vx.statements.n, rc);
	}
	const char *ig_path = o->ignorefile;
	struct stat sb;
	if (!ig_path && stat(DEFAULT_IGNOREFILE, &sb) == 0)
		ig_path = DEFAULT_IGNOREFILE;
	if (ig_path) {
		struct mmr_vulndb_ignore ig = { 0 };
		if ((rc = mmr_vulndb_ignore_load(a, &ig, ig_path, &e)) < 0) {
			print_error(&e, rc);
			return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		}
		if ((rc = mmr_vulndb_ignore_apply(r, &ig, 0)) < 0) {
			mmr_err("applying the ignore file failed: %s", strerror(-rc));
			return EXIT_INTERNAL;
		}
		for (size_t i = 0; i < ig.entries.n; i++) {
			const struct mmr_vulndb_ignore_entry *x = ig.entries.v[i];
			if (x->expired)
				mmr_warn("%s:%lu: ignore entry for %s expired on %s; it no longer applies",
					 x->file, x->line, x->id, x->expires);
		}
		mmr_info("%zu ignore entries; %d findings suppressed by them", ig.entries.n, rc);
	}
	return EXIT_OK;
}

/* Was a vulnerability database used for r (mmr_cli_vuln_match's rule)? */
static bool db_used(const struct mmr_cli_vuln_opts *vo)
{
	if (!vo || !vo->enabled)
		return false;
	char buf[4096];
	const char *path = vo->db ? vo->db : mmr_vulndb_default_path(buf, sizeof(buf));
	struct stat sb;
	return path && stat(path, &sb) == 0;
}

int mmr_cli_gate_apply(struct mmr_report *r, const struct mmr_cli_gate_opts *o,
		       const struct mmr_cli_vuln_opts *vo, const char *cmd)
{
	(void)cmd;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a) {
		mmr_err("out of memory");
		return EXIT_INTERNAL;
	}
	int rc = apply_suppressions(r, o, a);
	mmr_arena_free(a);
	if (rc != EXIT_OK || !o->db_store)
		return rc;
	struct mmr_vulndb_history *h = NULL;
	struct mmr_error e = { 0 };
	int r2 = mmr_vulndb_history_open(o->db_store, &h, &e);
	bool evaluated = db_used(vo);
	if (r2 >= 0)
		r2 = mmr_vulndb_history_put(h, r, evaluated, NULL, &e);
	mmr_vulndb_history_close(h);
	if (r2 < 0) {
		print_error(&e, r2);
		return r2 == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	mmr_info("stored the SBOM%s in %s", evaluated ? " and its findings" : "", o->db_store);
	return EXIT_OK;
}

/* ---- mamori db rescan ---- */

static const char usage_rescan[] =
	"usage: mamori db rescan [<options>]\n"
	"\n"
	"Re-match every SBOM kept in the history store (scans run with --db-store)\n"
	"against the current vulnerability database, without touching the images,\n"
	"filesystems or hosts they came from. For each asset it reports what is new,\n"
	"what got fixed (gone), and what changed severity or KEV listing since the\n"
	"last evaluation, and stores this evaluation as the new last one.\n"
	"\n"
	"Options:\n"
	"      --db PATH          vulnerability database (default $XDG_DATA_HOME/mamori/vuln.db)\n"
	"      --db-store PATH    the history store (or MAMORI_DB_STORE); required\n"
	"  -f, --format FORMAT    table (default) or json\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"      --exit-code N      exit N when a finding is new or newly in KEV (CI)\n"
	"      --severity LIST    only these severities (CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN)\n"
	"      --ignore-unfixed   leave out vulnerabilities that have no fixed version\n"
	"      --pkg-types LIST   os, library\n"
	"      --ignorefile FILE  ignore file (default ./.mamoriignore.yaml when present)\n"
	"      --vex FILE         VEX statements (repeatable)\n"
	"      --dry-run          report the changes but do not store the evaluation\n"
	"  -q, --quiet            only errors on stderr\n"
	"  -v, --verbose          more detail on stderr\n"
	"\n"
	"An asset never evaluated before (stored without a database) reports all its\n"
	"findings as new. Suppressed findings (ignore file, VEX) count as absent.\n"
	"\n"
	"Exit codes: 0 done (nothing new, or no --exit-code); N with --exit-code N when\n"
	"something is new; 2 usage or input error; 3 internal error.\n";

enum {
	R_OPT_DB = 256,
	R_OPT_EXIT_CODE,
	R_OPT_SEVERITY,
	R_OPT_IGNORE_UNFIXED,
	R_OPT_PKG_TYPES,
	R_OPT_DRY_RUN,
};

static const struct option rescan_options[] = {
	{ "db", required_argument, NULL, R_OPT_DB },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "exit-code", required_argument, NULL, R_OPT_EXIT_CODE },
	{ "severity", required_argument, NULL, R_OPT_SEVERITY },
	{ "ignore-unfixed", no_argument, NULL, R_OPT_IGNORE_UNFIXED },
	{ "pkg-types", required_argument, NULL, R_OPT_PKG_TYPES },
	{ "dry-run", no_argument, NULL, R_OPT_DRY_RUN },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	MMR_CLI_GATE_OPTIONS{ NULL, 0, NULL, 0 },
};

static void rescan_log(enum mmr_log_level level, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
}

struct asset_out {
	const struct mmr_vulndb_history_asset *asset;
	struct mmr_vec changes; /* struct mmr_vulndb_change * */
	size_t findings;        /* unsuppressed findings now */
	size_t suppressed;
	bool had_eval;
};

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *change_json(const struct mmr_vulndb_change *c)
{
	const struct mmr_vulndb_history_finding *f = c->cur ? c->cur : c->old;
	json_t *o = json_object();
	json_object_set_new(o, "change", json_string(mmr_vulndb_change_name(c->kind)));
	json_object_set_new(o, "id", jstr(f->rule_id));
	json_object_set_new(o, "package", jstr(f->pkg_name));
	json_object_set_new(o, "packageId", jstr(f->pkg_id));
	json_object_set_new(o, "installed", jstr(f->installed));
	json_object_set_new(o, "target", jstr(f->target));
	json_object_set_new(o, "severity", json_string(mmr_severity_name(f->severity)));
	if (c->kind == MMR_CHANGE_SEVERITY)
		json_object_set_new(o, "previousSeverity", json_string(mmr_severity_name(c->old->severity)));
	json_object_set_new(o, "kev", json_boolean(f->kev));
	if (f->kev && f->kev_due)
		json_object_set_new(o, "kevDue", json_string(f->kev_due));
	if (c->kind == MMR_CHANGE_KEV)
		json_object_set_new(o, "previousKev", json_boolean(c->old->kev));
	json_object_set_new(o, "fixedVersion", jstr(f->fixed && *f->fixed ? f->fixed : NULL));
	json_object_set_new(o, "status", jstr(f->status));
	json_object_set_new(o, "fingerprint", jstr(f->fingerprint));
	return o;
}

static int write_json(FILE *out, const char *db, const char *store, struct asset_out *as, size_t n,
		      const size_t tot[4])
{
	json_t *root = json_object();
	json_object_set_new(root, "schemaVersion", json_integer(1));
	json_object_set_new(root, "database", json_string(db));
	json_object_set_new(root, "store", json_string(store));
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "kind", jstr(as[i].asset->kind));
		json_object_set_new(o, "name", jstr(as[i].asset->name));
		json_object_set_new(o, "key", jstr(as[i].asset->key));
		json_object_set_new(o, "scannedAt", jstr(as[i].asset->scanned_at));
		json_object_set_new(o, "previousEvaluation", jstr(as[i].asset->evaluated_at));
		json_object_set_new(o, "packages", json_integer((json_int_t)as[i].asset->packages));
		json_object_set_new(o, "findings", json_integer((json_int_t)as[i].findings));
		json_object_set_new(o, "suppressed", json_integer((json_int_t)as[i].suppressed));
		json_t *ch = json_array();
		for (size_t k = 0; k < as[i].changes.n; k++)
			json_array_append_new(ch, change_json(as[i].changes.v[k]));
		json_object_set_new(o, "changes", ch);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "assets", arr);
	json_t *s = json_object();
	json_object_set_new(s, "assets", json_integer((json_int_t)n));
	json_object_set_new(s, "new", json_integer((json_int_t)tot[MMR_CHANGE_NEW]));
	json_object_set_new(s, "fixed", json_integer((json_int_t)tot[MMR_CHANGE_FIXED]));
	json_object_set_new(s, "severityChanged", json_integer((json_int_t)tot[MMR_CHANGE_SEVERITY]));
	json_object_set_new(s, "kevChanged", json_integer((json_int_t)tot[MMR_CHANGE_KEV]));
	json_object_set_new(root, "summary", s);
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? 0 : -EIO;
	fputc('\n', out);
	json_decref(root);
	return rc;
}

static void write_table(FILE *out, struct asset_out *as, size_t n, const size_t tot[4])
{
	for (size_t i = 0; i < n; i++) {
		const struct asset_out *x = &as[i];
		fprintf(out, "%s %s", x->asset->kind, x->asset->name);
		if (x->asset->evaluated_at)
			fprintf(out, "  (since %s)", x->asset->evaluated_at);
		else
			fputs("  (first evaluation)", out);
		fprintf(out, ": %zu findings", x->findings);
		if (x->suppressed)
			fprintf(out, ", %zu suppressed", x->suppressed);
		fputc('\n', out);
		if (!x->changes.n) {
			fputs("  no changes\n", out);
			continue;
		}
		for (size_t k = 0; k < x->changes.n; k++) {
			const struct mmr_vulndb_change *c = x->changes.v[k];
			const struct mmr_vulndb_history_finding *f = c->cur ? c->cur : c->old;
			static const char *const label[] = { "NEW", "FIXED", "SEVERITY", "KEV" };
			fprintf(out, "  %-8s  %-20s  ", label[c->kind], f->rule_id);
			if (c->kind == MMR_CHANGE_SEVERITY)
				fprintf(out, "%s -> %s", mmr_severity_name(c->old->severity),
					mmr_severity_name(f->severity));
			else
				fputs(mmr_severity_name(f->severity), out);
			fprintf(out, "  %s %s", f->pkg_name ? f->pkg_name : f->pkg_id ? f->pkg_id : "?",
				f->installed ? f->installed : "");
			if (c->kind == MMR_CHANGE_NEW && f->fixed && *f->fixed)
				fprintf(out, "  fixed in %s", f->fixed);
			if (c->kind == MMR_CHANGE_KEV)
				fputs(f->kev ? "  now in KEV" : "  removed from KEV", out);
			if (f->kev && f->kev_due)
				fprintf(out, "  [KEV due %s]", f->kev_due);
			else if (f->kev)
				fputs("  [KEV]", out);
			fputc('\n', out);
		}
	}
	fprintf(out, "%zu asset%s re-evaluated: %zu new, %zu fixed, %zu severity changes, %zu KEV changes\n",
		n, n == 1 ? "" : "s", tot[MMR_CHANGE_NEW], tot[MMR_CHANGE_FIXED], tot[MMR_CHANGE_SEVERITY],
		tot[MMR_CHANGE_KEV]);
}

int mmr_cli_db_rescan(int argc, char **argv)
{
	const char *cmd = "db rescan";
	struct mmr_cli_gate_opts g;
	mmr_cli_gate_opts_init(&g);
	struct mmr_cli_vuln_opts vo;
	mmr_cli_vuln_opts_init(&vo);
	const char *format = "table", *output = NULL;
	bool quiet = false, dry = false;
	int verbose = 0, exit_code = -1, opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:qvh", rescan_options, NULL)) != -1) {
		int r = EXIT_OK;
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0)
				return mmr_cli_usage_error(cmd, "unknown format '%s' (table, json)", optarg);
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			fputs(usage_rescan, stdout);
			return EXIT_OK;
		case R_OPT_DB:
			vo.db = optarg;
			break;
		case R_OPT_EXIT_CODE: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 255)
				return mmr_cli_usage_error(cmd, "bad --exit-code '%s' (0-255)", optarg);
			exit_code = (int)v;
			break;
		}
		case R_OPT_SEVERITY:
			r = mmr_cli_vuln_option(&vo, cmd, "severity", optarg);
			break;
		case R_OPT_IGNORE_UNFIXED:
			r = mmr_cli_vuln_option(&vo, cmd, "ignore-unfixed", optarg);
			break;
		case R_OPT_PKG_TYPES:
			r = mmr_cli_vuln_option(&vo, cmd, "pkg-types", optarg);
			break;
		case R_OPT_DRY_RUN:
			dry = true;
			break;
		case MMR_CLI_OPT_IGNOREFILE:
		case MMR_CLI_OPT_VEX:
		case MMR_CLI_OPT_DB_STORE:
			r = mmr_cli_gate_option(&g, cmd, opt, optarg);
			break;
		default:
			fprintf(stderr, "See 'mamori %s --help'.\n", cmd);
			return EXIT_USAGE;
		}
		if (r != EXIT_OK)
			return r;
	}
	if (optind < argc)
		return mmr_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	mmr_log_set_sink(rescan_log, NULL);
	mmr_log_set_level(quiet ? MMR_LOG_ERROR : verbose ? MMR_LOG_INFO : MMR_LOG_WARN);
	if (!g.db_store)
		return mmr_cli_usage_error(cmd, "%s",
					   "which history store? --db-store PATH (or MAMORI_DB_STORE)");
	struct stat sb;
	if (stat(g.db_store, &sb) < 0) {
		mmr_err("no history store at %s: scan with '--db-store %s' first", g.db_store, g.db_store);
		return EXIT_USAGE;
	}
	char dbbuf[4096];
	const char *dbpath = vo.db ? vo.db : mmr_vulndb_default_path(dbbuf, sizeof(dbbuf));
	if (!dbpath || stat(dbpath, &sb) < 0) {
		mmr_err("no vulnerability database at %s: get one with 'mamori db update' or 'mamori db import'",
			dbpath ? dbpath : "(no default path: set XDG_DATA_HOME or HOME)");
		return EXIT_USAGE;
	}

	int rc = EXIT_OK, r;
	struct mmr_error e = { 0 };
	struct mmr_vulndb *db = NULL;
	struct mmr_vulndb_history *h = NULL;
	struct mmr_arena *a = mmr_arena_new(0);
	struct asset_out *outs = NULL;
	size_t n_out = 0, tot[4] = { 0 };
	bool trigger = false;
	if (!a) {
		mmr_err("out of memory");
		return EXIT_INTERNAL;
	}
	if ((r = mmr_vulndb_open(dbpath, &db, &e)) < 0 || (r = mmr_vulndb_history_open(g.db_store, &h, &e)) < 0) {
		print_error(&e, r);
		rc = r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	struct mmr_vec assets = { 0 };
	if ((r = mmr_vulndb_history_assets(h, a, &assets, &e)) < 0) {
		print_error(&e, r);
		rc = EXIT_INTERNAL;
		goto out;
	}
	outs = mmr_arena_calloc(a, assets.n ? assets.n : 1, sizeof(*outs));
	if (!outs) {
		rc = EXIT_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < assets.n; i++) {
		const struct mmr_vulndb_history_asset *as = assets.v[i];
		struct mmr_report *rep = NULL;
		if ((r = mmr_vulndb_history_load(h, as->id, &rep, &e)) < 0) {
			print_error(&e, r);
			rc = EXIT_INTERNAL;
			goto out;
		}
		struct mmr_match_stats st;
		if ((r = mmr_vulndb_match(db, rep, &vo.match, &st)) < 0) {
			mmr_err("matching %s failed: %s", as->key, strerror(-r));
			mmr_report_free(rep);
			rc = EXIT_INTERNAL;
			goto out;
		}
		struct mmr_arena *sa = mmr_arena_new(0);
		int gr = sa ? apply_suppressions(rep, &g, sa) : EXIT_INTERNAL;
		mmr_arena_free(sa);
		if (gr != EXIT_OK) {
			mmr_report_free(rep);
			rc = gr;
			goto out;
		}
		struct asset_out *x = &outs[n_out++];
		x->asset = as;
		struct mmr_vec old = { 0 }, cur = { 0 };
		if ((r = mmr_vulndb_history_last_eval(h, a, as->id, &old, &x->had_eval, &e)) < 0 ||
		    (r = mmr_vulndb_history_snapshot(a, rep, &cur)) < 0 ||
		    (r = mmr_vulndb_history_diff(a, &old, &cur, &x->changes)) < 0 ||
		    (!dry && (r = mmr_vulndb_history_set_eval(h, as->id, rep, &e)) < 0)) {
			print_error(&e, r);
			mmr_report_free(rep);
			rc = EXIT_INTERNAL;
			goto out;
		}
		for (size_t k = 0; k < cur.n; k++) {
			const struct mmr_vulndb_history_finding *f = cur.v[k];
			if (f->suppressed)
				x->suppressed++;
			else
				x->findings++;
		}
		for (size_t k = 0; k < x->changes.n; k++) {
			const struct mmr_vulndb_change *c = x->changes.v[k];
			tot[c->kind]++;
			if (c->kind == MMR_CHANGE_NEW || (c->kind == MMR_CHANGE_KEV && c->cur->kev))
				trigger = true;
		}
		mmr_info("%s: %llu packages looked up, %zu findings, %zu changes", as->key,
			 (unsigned long long)st.packages, x->findings, x->changes.n);
		mmr_report_free(rep);
	}
	FILE *out = stdout;
	if (output && !(out = fopen(output, "we"))) {
		mmr_err("cannot write %s: %s", output, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	r = 0;
	if (strcmp(format, "json") == 0)
		r = write_json(out, dbpath, g.db_store, outs, n_out, tot);
	else
		write_table(out, outs, n_out, tot);
	if (fflush(out) != 0)
		r = -EIO;
	if (out != stdout && fclose(out) != 0)
		r = -EIO;
	if (r < 0) {
		mmr_err("writing the rescan report failed: %s", strerror(-r));
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (!assets.n)
		mmr_warn("the history store %s holds no assets yet", g.db_store);
	rc = trigger && exit_code >= 0 ? exit_code : EXIT_OK;
out:
	mmr_vulndb_history_close(h);
	mmr_vulndb_close(db);
	mmr_arena_free(a);
	return rc;
}
