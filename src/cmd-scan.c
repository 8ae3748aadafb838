/* cmd-scan.c - the scanning commands: image, rootfs, fs, host. */
#include "src/cli.h"

#include "core/core-log.h"
#include "model/model.h"
#include "report/report.h"
#include "scan/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cli {
	const char *format;
	const char *output;
	bool quiet, json_log, progress;
	int verbose;
	struct mmr_scan_opts scan;
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
	"\n"
	"Scan targets (software bill of materials):\n"
	"   image     an image: registry reference, docker-archive, OCI layout or archive, podman store\n"
	"   rootfs    an installed root filesystem (package databases, installed metadata, binaries)\n"
	"   fs        a source tree (lockfiles and manifests)\n"
	"   host      this machine's root filesystem (/)\n"
	"\n"
	"Other commands:\n"
	"   version   print the version\n"
	"   help      show help for a command: mamori help <command>\n"
	"\n"
	"Exit codes: 0 ok, 1 findings over the threshold, 2 usage or input error, 3 internal error.\n"
	"See 'mamori <command> --help' for the options of a command.\n";

const char mmr_cli_usage_common[] =
	"Output:\n"
	"  -f, --format FORMAT    table (default), json, cyclonedx, spdx (also spdx-json)\n"
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

void mmr_cli_print_usage(FILE *f, const char *cmd)
{
	const char *u = cmd ? mmr_cli_usage_for(cmd) : NULL;
	if (!u) {
		fputs(mmr_cli_usage_main, f);
		return;
	}
	fputs(u, f);
	fputs(mmr_cli_usage_common, f);
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
	mmr_scan_opts_default(&c.scan);
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
				return mmr_cli_usage_error(cmd, "unknown format '%s' (table, json, cyclonedx, spdx)",
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
	if (rc < 0) {
		char msg[1200];
		if (!e.msg[0])
			snprintf(e.msg, sizeof(e.msg), "%s", strerror(-rc));
		mmr_err("%s", mmr_error_format(&e, msg, sizeof(msg)));
		mmr_report_free(r);
		return rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	const size_t max_shown = c.verbose ? (size_t)-1 : 20;
	for (size_t i = 0; i < r->diags.n && i < max_shown; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		mmr_warn("%s: %s", d->where, d->message);
	}
	if (r->diags.n > max_shown)
		mmr_warn("%zu more warnings (all are in the JSON report; -v shows them here)",
			 r->diags.n - max_shown);
	mmr_info("%zu packages in %zu results", mmr_report_package_count(r), r->results.n);
	rc = write_report(&c, r, cmd);
	mmr_report_free(r);
	return rc;
}

