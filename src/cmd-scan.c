/* cmd-scan.c - the scanning commands: image, rootfs, fs, host. */
#include "src/cli.h"

#include "core/core-log.h"
#include "malware/malware.h"
#include "src/cmd-secret.h"
#include "model/model.h"
#include "report/report.h"
#include "scan/scan.h"
#include "vulndb/vulndb-match.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct cli {
	const char *format;
	const char *output;
	bool quiet, json_log, progress;
	int verbose;
	struct mmr_scan_opts scan;
	struct mmr_cli_vuln_opts vuln;
	struct mmr_cli_gate_opts gate;
	struct mmr_malware_opts malware; /* --yara-rules, --malware-hashes */
	const char *yara_dirs[32], *hash_files[32];
	struct mmr_cli_secret_opts secret; /* --secret-config, --secret-baseline, --show-secrets */
};

/* ---- logging to stderr ---- */

static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	const struct cli *c = ud;
	if (c->json_log) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
			mmr_log_level_name(level));
		json_escape(stderr, msg);
		fputs("\"}\n", stderr);
	} else {
		fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
	}
}

static void progress(void *ud, const char *stage, uint64_t done, uint64_t total)
{
	(void)ud;
	if (total)
		fprintf(stderr, "\r\033[K%s %llu/%llu", stage, (unsigned long long)done,
			(unsigned long long)total);
	else
		fprintf(stderr, "\r\033[K%s %llu", stage, (unsigned long long)done);
	if (total && done >= total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* ---- help ---- */

const char mmr_cli_usage_main[] =
	"usage: mamori <command> [<options>] [<target>]\n"
	"\n"
	"mamori is a cloud-native application protection platform. It reads what\n"
	"is inside images, root filesystems, hosts and source trees, and reports\n"
	"what it finds in one model, in the formats security tools exchange.\n"
	"Scans report the known vulnerabilities of the packages they find when a\n"
	"vulnerability database exists ('mamori db update', or offline 'mamori db import').\n"
	"\n"
	"Commands:\n";

const char mmr_cli_usage_main_tail[] =
	"   version   print the version\n"
	"   help      show help for a command: mamori help <command>\n"
	"\n"
	"Exit codes: 0 ok, 1 findings over the threshold, 2 usage or input error, 3 internal error.\n"
	"See 'mamori <command> --help' for the options of a command.\n";

const char mmr_cli_usage_vuln[] =
	"Vulnerabilities:\n"
	"      --scanners LIST    what to report besides the SBOM: vuln,secret,malware (default\n"
	"                         all), or none\n"
	"      --db PATH          vulnerability database (default $XDG_DATA_HOME/mamori/vuln.db)\n"
	"      --severity LIST    only these severities: CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN\n"
	"      --ignore-unfixed   leave out vulnerabilities that have no fixed version\n"
	"      --pkg-types LIST   match os packages, library packages, or both (default os,library)\n"
	"      --exit-code N      exit N when a vulnerability remains after the filters (CI gating)\n"
	"\n";

const char mmr_cli_usage_common[] =
	"Output:\n"
	"  -f, --format FORMAT    table (default), json, cyclonedx, spdx (also spdx-json), sarif, junit\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"\n"
	"Limits and caching:\n"
	"      --limit KEY=VALUE  change a named limit (k/m/g suffixes), repeatable:\n"
	"                         max-file-size, max-layer-bytes, max-image-bytes, max-ratio,\n"
	"                         max-entries, max-archive-depth, max-json-depth, max-line,\n"
	"                         max-packages, max-walk-depth, max-blob-size\n"
	"      --cache-dir DIR    layer cache (default $XDG_CACHE_HOME/mamori)\n"
	"      --no-cache         neither read nor write the cache\n"
	"\n"
	"Logging:\n"
	"  -q, --quiet            only errors on stderr; no progress\n"
	"  -v, --verbose          more detail on stderr (twice: debug)\n"
	"      --log-format FMT   text (default) or json (one object per line)\n"
	"      --no-progress      no progress display (it is shown only on a terminal)\n";

static const char usage_image[] =
	"usage: mamori image [<options>] <image>\n"
	"\n"
	"Build the software bill of materials of a container image.\n"
	"\n"
	"<image> is one of:\n"
	"  REPO[:TAG][@DIGEST]       pull from a registry (docker.io if no host is given)\n"
	"  docker-archive:PATH       a 'docker save' / 'podman save' tar (gzip/zstd allowed)\n"
	"  oci-archive:PATH          an OCI image layout in a tar\n"
	"  oci:DIR[:TAG]             an OCI image layout directory\n"
	"  podman:NAME               an image in the local podman store\n"
	"  PATH                      a file or directory, format detected\n"
	"\n"
	"Registry:\n"
	"      --platform OS/ARCH[/VARIANT]  which image of a multi-platform index (default: this host's)\n"
	"      --insecure          allow plain HTTP (registries on loopback or named explicitly)\n"
	"      --username USER     registry user (or MAMORI_USERNAME)\n"
	"      --password PASS     registry password (or MAMORI_PASSWORD, preferred: not in ps)\n"
	"      --docker-config F   a docker config.json to take credentials from\n"
	"\n"
	"Credentials are otherwise read from $REGISTRY_AUTH_FILE,\n"
	"$XDG_RUNTIME_DIR/containers/auth.json and ~/.docker/config.json.\n"
	"Layers are streamed, never unpacked; each analysed layer is cached by its\n"
	"diff ID so rescans and images sharing base layers cost nothing twice.\n"
	"\n";

static const char usage_rootfs[] =
	"usage: mamori rootfs [<options>] <dir>\n"
	"\n"
	"Build the software bill of materials of an installed root filesystem:\n"
	"OS package databases (dpkg, apk, rpm), installed language packages\n"
	"(Python dist-info, node_modules, gemspecs, jars, Go and Rust binaries).\n"
	"\n";

static const char usage_fs[] =
	"usage: mamori fs [<options>] <dir>\n"
	"\n"
	"Build the software bill of materials of a source tree from its lockfiles\n"
	"and manifests (npm, yarn, pnpm, pip, Pipfile, poetry, uv, go.mod, Cargo,\n"
	"Gemfile, composer, NuGet, Gradle, Maven, jars). .git is skipped.\n"
	"\n";

static const char usage_host[] =
	"usage: mamori host [<options>]\n"
	"\n"
	"Build the software bill of materials of this machine: like 'mamori rootfs /'\n"
	"but /proc, /sys, /dev and /run are left out.\n"
	"\n";

const char *mmr_cli_usage_for(const char *cmd)
{
	if (strcmp(cmd, "image") == 0)
		return usage_image;
	if (strcmp(cmd, "rootfs") == 0)
		return usage_rootfs;
	if (strcmp(cmd, "fs") == 0)
		return usage_fs;
	if (strcmp(cmd, "host") == 0)
		return usage_host;
	return NULL;
}

static const char usage_malware[] =
	"Malware (--scanners malware):\n"
	"      --yara-rules PATH  also use the YARA rules in PATH (a .yar file or a directory of\n"
	"                         .yar/.yara files), repeatable; bundled rules are always on\n"
	"      --malware-hashes F hash signatures: ClamAV .hdb (MD5:size:name), .hsb\n"
	"                         (SHA1/SHA256:size:name) or a list of '<sha256>  name' lines;\n"
	"                         repeatable\n"
	"\n";

void mmr_cli_print_usage(FILE *f, const char *cmd)
{
	const char *u = cmd ? mmr_cli_usage_for(cmd) : NULL;
	if (!u) {
		mmr_cli_print_main_usage(f);
		return;
	}
	fputs(u, f);
	fputs(mmr_cli_usage_vuln, f);
	fputs(usage_malware, f);
	fputs(mmr_cli_usage_secret, f);
	fputs(mmr_cli_usage_gate, f);
	fputs(mmr_cli_usage_common, f);
}

/* ---- shared by the commands that build a report ---- */

int mmr_cli_fail(int rc, struct mmr_error *e, const char *what)
{
	char msg[1200];
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s", strerror(-rc));
	mmr_error_format(e, msg, sizeof(msg));
	if (what)
		mmr_err("%s: %s", what, msg);
	else
		mmr_err("%s", msg);
	return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

void mmr_cli_show_diags(const struct mmr_report *r, int verbose)
{
	const size_t max_shown = verbose ? (size_t)-1 : 20;
	for (size_t i = 0; i < r->diags.n && i < max_shown; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		mmr_warn("%s: %s", d->where, d->message);
	}
	if (r->diags.n > max_shown)
		mmr_warn("%zu more warnings (all are in the JSON report; -v shows them here)",
			 r->diags.n - max_shown);
	mmr_info("%zu packages in %zu results", mmr_report_package_count(r), r->results.n);
}

/* ---- vulnerabilities (shared with the other commands that build a report) ---- */

void mmr_cli_vuln_opts_init(struct mmr_cli_vuln_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->enabled = true;
	o->secret = true;
	o->malware = true;
	o->exit_code = -1;
}

int mmr_cli_vuln_option(struct mmr_cli_vuln_opts *o, const char *cmd, const char *name,
			const char *arg)
{
	if (strcmp(name, "scanners") == 0) {
		/* a list; "vuln" is the only scanner of this kind today */
		bool vuln = false, none = false, secret = false, malware = false;
		const char *p = arg;
		while (*p) {
			size_t n = strcspn(p, ",");
			if (n == 4 && strncmp(p, "vuln", 4) == 0)
				vuln = true;
			else if (n == 4 && strncmp(p, "none", 4) == 0)
				none = true;
			else if (n == 6 && strncmp(p, "secret", 6) == 0)
				secret = true;
			else if (n == 7 && strncmp(p, "malware", 7) == 0)
				malware = true;
			else if (n)
				return mmr_cli_usage_error(cmd,
							   "unknown scanner in '%s' (vuln, secret, malware, none)",
							   arg);
			p += n;
			if (*p == ',')
				p++;
		}
		if ((vuln || secret || malware) && none)
			return mmr_cli_usage_error(cmd, "--scanners '%s': 'none' cannot be combined", arg);
		o->enabled = vuln;
		o->secret = secret;
		o->malware = malware;
	} else if (strcmp(name, "db") == 0) {
		o->db = arg;
	} else if (strcmp(name, "severity") == 0) {
		if (mmr_match_severities_parse(arg, &o->match.severities) < 0)
			return mmr_cli_usage_error(cmd,
						   "bad --severity '%s' (comma-separated: CRITICAL, HIGH, "
						   "MEDIUM, LOW, UNKNOWN)",
						   arg);
	} else if (strcmp(name, "ignore-unfixed") == 0) {
		o->match.ignore_unfixed = true;
	} else if (strcmp(name, "pkg-types") == 0) {
		if (mmr_match_pkg_types_parse(arg, &o->match.pkg_types) < 0)
			return mmr_cli_usage_error(cmd, "bad --pkg-types '%s' (os, library)", arg);
	} else if (strcmp(name, "exit-code") == 0) {
		char *end;
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || v > 255)
			return mmr_cli_usage_error(cmd, "bad --exit-code '%s' (0-255)", arg);
		o->exit_code = (int)v;
	} else {
		return mmr_cli_usage_error(cmd, "unknown option '%s'", name);
	}
	return EXIT_OK;
}

int mmr_cli_vuln_match(struct mmr_report *r, const struct mmr_cli_vuln_opts *o)
{
	if (!o->enabled)
		return EXIT_OK;
	char buf[4096];
	const char *path = o->db ? o->db : mmr_vulndb_default_path(buf, sizeof(buf));
	struct stat sb;
	if (!path || stat(path, &sb) < 0) {
		mmr_warn("no vulnerability database at %s: only the SBOM is reported. Get one with "
			 "'mamori db update' (online), or copy the feed files over and run "
			 "'mamori db import <files>' (offline); '--scanners none' silences this",
			 path ? path : "(no default path: set XDG_DATA_HOME or HOME)");
		return EXIT_OK;
	}
	struct mmr_vulndb *db = NULL;
	struct mmr_error e = { 0 };
	int rc = mmr_vulndb_open(path, &db, &e);
	if (rc < 0) {
		char msg[1200];
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-rc));
		mmr_err("cannot open the vulnerability database %s: %s (rebuild it with 'mamori db update' "
			"or 'mamori db import')",
			path, mmr_error_format(&e, msg, sizeof(msg)));
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	struct mmr_match_stats st;
	rc = mmr_vulndb_match(db, r, &o->match, &st);
	mmr_vulndb_close(db);
	if (rc < 0) {
		mmr_err("vulnerability matching failed: %s", strerror(-rc));
		return EXIT_INTERNAL;
	}
	/* the matcher's own diag (versions a scheme refused) */
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		if (strcmp(d->where, "vulnerability matching") == 0)
			mmr_warn("%s: %s", d->where, d->message);
	}
	mmr_info("%llu vulnerabilities in %llu packages (%llu without an advisory namespace, "
		 "%llu filtered out)",
		 (unsigned long long)st.findings, (unsigned long long)st.packages,
		 (unsigned long long)st.no_ecosystem, (unsigned long long)st.filtered);
	return EXIT_OK;
}

int mmr_cli_vuln_exit(const struct mmr_report *r, const struct mmr_cli_vuln_opts *o)
{
	if (o->exit_code < 0)
		return EXIT_OK;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (!f->suppressed) /* any kind: vulnerability, secret, malware */
				return o->exit_code;
		}
	}
	return EXIT_OK;
}

/* ---- scanning commands ---- */

enum {
	OPT_LIMIT = 256,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_LOG_FORMAT,
	OPT_NO_PROGRESS,
	OPT_PLATFORM,
	OPT_INSECURE,
	OPT_USERNAME,
	OPT_PASSWORD,
	OPT_DOCKER_CONFIG,
	OPT_SCANNERS,
	OPT_DB,
	OPT_SEVERITY,
	OPT_IGNORE_UNFIXED,
	OPT_PKG_TYPES,
	OPT_EXIT_CODE,
	OPT_YARA_RULES,
	OPT_MALWARE_HASHES,
};

static const struct option scan_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "username", required_argument, NULL, OPT_USERNAME },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "docker-config", required_argument, NULL, OPT_DOCKER_CONFIG },
	{ "scanners", required_argument, NULL, OPT_SCANNERS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED },
	{ "pkg-types", required_argument, NULL, OPT_PKG_TYPES },
	{ "exit-code", required_argument, NULL, OPT_EXIT_CODE },
	{ "yara-rules", required_argument, NULL, OPT_YARA_RULES },
	{ "malware-hashes", required_argument, NULL, OPT_MALWARE_HASHES },
	MMR_CLI_SECRET_OPTIONS
	MMR_CLI_GATE_OPTIONS
	{ NULL, 0, NULL, 0 },
};

int mmr_cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mamori %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nSee 'mamori %s --help'.\n", cmd);
	return EXIT_USAGE;
}

static int write_report(struct cli *c, struct mmr_report *r, const char *cmd)
{
	const struct mmr_report_writer *w = mmr_report_writer_find(c->format);
	if (!w)
		w = mmr_report_writers[0];
	FILE *out = stdout;
	int fd = -1;
	if (c->output) {
		fd = open(c->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || !(out = fdopen(fd, "w"))) {
			mmr_err("cannot write %s: %s", c->output, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EXIT_USAGE;
		}
	}
	struct mmr_report_opts o = {
		.color = !c->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"),
		.width = 0,
		.command = cmd,
	};
	const char *cols = getenv("COLUMNS");
	if (cols) {
		char *end;
		unsigned long v = strtoul(cols, &end, 10);
		if (*end == 0 && v >= 40 && v < 10000)
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

int mmr_cli_scan(int argc, char **argv, const char *cmd)
{
	struct cli c = { .format = "table", .progress = true };
	mmr_cli_vuln_opts_init(&c.vuln);
	mmr_cli_gate_opts_init(&c.gate);
	mmr_scan_opts_default(&c.scan);
	mmr_malware_opts_default(&c.malware);
	c.malware.yara_dirs = c.yara_dirs;
	c.malware.hash_files = c.hash_files;
	const char *user_env = secure_getenv("MAMORI_USERNAME");
	const char *pass_env = secure_getenv("MAMORI_PASSWORD");
	if (user_env && *user_env)
		c.scan.username = user_env;
	if (pass_env && *pass_env)
		c.scan.password = pass_env;

	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:o:qvh", scan_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!mmr_report_writer_find(optarg))
				return mmr_cli_usage_error(cmd, "unknown format '%s' (table, json, cyclonedx, spdx, sarif, junit)",
						   optarg);
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
			mmr_cli_print_usage(stdout, cmd);
			return EXIT_OK;
		case OPT_LIMIT:
			if (mmr_limits_set(&c.scan.limits, optarg) < 0)
				return mmr_cli_usage_error(cmd, "bad --limit '%s' (KEY=VALUE; see --help for keys)",
						   optarg);
			break;
		case OPT_CACHE_DIR:
			c.scan.cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			c.scan.no_cache = true;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				c.json_log = true;
			else if (strcmp(optarg, "text") != 0)
				return mmr_cli_usage_error(cmd, "unknown log format '%s' (text, json)", optarg);
			break;
		case OPT_NO_PROGRESS:
			c.progress = false;
			break;
		case OPT_PLATFORM:
			c.scan.platform = optarg;
			break;
		case OPT_INSECURE:
			c.scan.insecure = true;
			break;
		case OPT_USERNAME:
			c.scan.username = optarg;
			break;
		case OPT_PASSWORD:
			c.scan.password = optarg;
			break;
		case OPT_DOCKER_CONFIG:
			c.scan.docker_config = optarg;
			break;
		case OPT_SCANNERS:
		case OPT_DB:
		case OPT_SEVERITY:
		case OPT_IGNORE_UNFIXED:
		case OPT_PKG_TYPES:
		case OPT_EXIT_CODE: {
			static const char *const names[] = { "scanners", "db", "severity", "ignore-unfixed",
							     "pkg-types", "exit-code" };
			int vr = mmr_cli_vuln_option(&c.vuln, cmd, names[opt - OPT_SCANNERS], optarg);
			if (vr != EXIT_OK)
				return vr;
			break;
		}
		case OPT_YARA_RULES:
		case OPT_MALWARE_HASHES: {
			bool y = opt == OPT_YARA_RULES;
			size_t *n = y ? &c.malware.n_yara_dirs : &c.malware.n_hash_files;
			if (*n >= sizeof(c.yara_dirs) / sizeof(c.yara_dirs[0]))
				return mmr_cli_usage_error(cmd, "too many %s options (at most 32)",
							   y ? "--yara-rules" : "--malware-hashes");
			(y ? c.yara_dirs : c.hash_files)[(*n)++] = optarg;
			break;
		}
		case MMR_CLI_OPT_SECRET_CONFIG:
		case MMR_CLI_OPT_SECRET_BASELINE:
		case MMR_CLI_OPT_SHOW_SECRETS:
		case MMR_CLI_OPT_GIT_HISTORY:
			mmr_cli_secret_option(&c.secret, opt, optarg);
			break;
		case MMR_CLI_OPT_IGNOREFILE:
		case MMR_CLI_OPT_VEX:
		case MMR_CLI_OPT_DB_STORE:
			if (mmr_cli_gate_option(&c.gate, cmd, opt, optarg) != EXIT_OK)
				return EXIT_USAGE;
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

	bool host = strcmp(cmd, "host") == 0;
	const char *target = NULL;
	if (host) {
		if (optind < argc)
			return mmr_cli_usage_error(cmd, "takes no target (got '%s')", argv[optind]);
		target = "/";
	} else {
		if (optind >= argc)
			return mmr_cli_usage_error(cmd, "%s", "a target is required");
		if (optind + 1 < argc)
			return mmr_cli_usage_error(cmd, "takes one target (got also '%s')", argv[optind + 1]);
		target = argv[optind];
	}
	if (!c.quiet && c.progress && isatty(STDERR_FILENO) && !c.json_log) {
		c.scan.progress = progress;
		c.scan.progress_ud = &c;
	}

	struct mmr_report *r = mmr_report_new();
	if (!r) {
		mmr_err("out of memory");
		return EXIT_INTERNAL;
	}
	struct mmr_error e = { 0 };
	int rc;
	/* content scanners beside the SBOM, NULL-terminated */
	const struct mmr_file_scanner *scanners[8] = { 0 };
	size_t n_scanners = 0;
	struct mmr_malware *mw = NULL;
	if (c.vuln.malware) {
		char cbuf[4096];
		c.malware.cache_dir = c.scan.no_cache ? NULL :
							mmr_scan_cache_dir(&c.scan, cbuf, sizeof(cbuf));
		rc = mmr_malware_new(&c.malware, &mw, &e);
		if (rc < 0) {
			mmr_report_free(r);
			return mmr_cli_fail(rc, &e, "malware rules");
		}
		scanners[n_scanners++] = mmr_malware_scanner(mw);
	}
	if (c.vuln.secret) {
		rc = mmr_cli_secret_start(&c.secret, &scanners[n_scanners]);
		if (rc != EXIT_OK) {
			mmr_malware_free(mw);
			mmr_report_free(r);
			return rc;
		}
		n_scanners++;
	}
	c.scan.scanners = n_scanners ? scanners : NULL;
	if (strcmp(cmd, "image") == 0)
		rc = mmr_scan_image(r, target, &c.scan, &e);
	else
		rc = mmr_scan_dir(r, target,
				  host ? MMR_ASSET_HOST :
				  strcmp(cmd, "fs") == 0 ? MMR_ASSET_FS :
							   MMR_ASSET_ROOTFS,
				  &c.scan, &e);
	if (c.scan.progress)
		fputs("\r\033[K", stderr);
	mmr_cli_secret_finish(&c.secret, rc < 0 ? NULL : r);
	if (mw) { /* the findings live in the report: the engine can go */
		const struct mmr_malware_stats *ms = mmr_malware_stats(mw);
		mmr_info("malware: %u YARA rules, %zu hash signatures; %llu files, %llu contents "
			 "scanned, %llu repeated, %llu from the verdict cache, %llu findings",
			 mmr_malware_yara_rules(mw), mmr_malware_hash_sigs(mw),
			 (unsigned long long)ms->files, (unsigned long long)ms->scanned,
			 (unsigned long long)ms->dedup_hits, (unsigned long long)ms->cache_hits,
			 (unsigned long long)ms->hits);
		mmr_malware_free(mw);
		mw = NULL;
	}
	if (rc < 0) {
		mmr_report_free(r);
		return mmr_cli_fail(rc, &e, NULL);
	}
	mmr_cli_show_diags(r, c.verbose);
	int vrc = mmr_cli_vuln_match(r, &c.vuln);
	if (vrc != EXIT_OK) {
		mmr_report_free(r);
		return vrc;
	}
	if ((vrc = mmr_cli_gate_apply(r, &c.gate, &c.vuln, cmd)) != EXIT_OK) {
		mmr_report_free(r);
		return vrc;
	}
	rc = write_report(&c, r, cmd);
	if (rc == EXIT_OK)
		rc = mmr_cli_vuln_exit(r, &c.vuln);
	mmr_report_free(r);
	return rc;
}

