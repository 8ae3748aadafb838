/* cmd-db.c - `mamori db update|import|info`: the vulnerability database
 * (lib/vulndb/vulndb-update.h does the work; docs/cli/db.md). */
#include "src/cli.h"

#include "core/core-arena.h"
#include "core/core-log.h"
#include "scan/scan.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb-update.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage_db[] =
	"usage: mamori db <subcommand> [<options>]\n"
	"\n"
	"The vulnerability database scans match packages against (one SQLite file,\n"
	"default $XDG_DATA_HOME/mamori/vuln.db). It is rebuilt into a new file and\n"
	"swapped in atomically: scans running meanwhile keep the old one, and a\n"
	"failed build leaves the old one in place.\n"
	"\n"
	"Subcommands:\n"
	"   update    download the configured sources (HTTPS, validators, cache) and rebuild\n"
	"   import    build from files, directories or URLs given here (air-gapped machines)\n"
	"   info      path, schema, age, size, open time, records and sources\n"
	"   rescan    re-match the SBOMs kept by scans with --db-store (mamori db rescan --help)\n"
	"\n"
	"  mamori db update [--config FILE] [--source NAME=URL]... [--list-sources]\n"
	"  mamori db import [--append] [--format-hint FEED] <file|dir|url>...\n"
	"  mamori db info\n"
	"\n"
	"Options:\n"
	"      --db PATH          the database file (default $XDG_DATA_HOME/mamori/vuln.db)\n"
	"  -f, --format FORMAT    table (default) or json, for the summary / info\n"
	"      --allow-partial    commit even when an input or source failed (it is left out)\n"
	"      --insecure         allow plain http:// URLs (mirrors on loopback)\n"
	"      --config FILE      sources config (default $XDG_CONFIG_HOME/mamori/sources.yaml)\n"
	"      --source NAME=URL  add a source or replace the URL of one (repeatable)\n"
	"      --list-sources     print the sources update would fetch, and exit\n"
	"      --cache-dir DIR    raw downloads with their ETag/Last-Modified\n"
	"                         (default $XDG_CACHE_HOME/mamori/vulndb)\n"
	"      --no-cache         no conditional requests, no cached downloads\n"
	"      --append           import: keep the records of the existing database\n"
	"      --format-hint FEED import: parse every input as this feed (no detection)\n"
	"      --retries N        HTTP retries with backoff (default 3)\n"
	"  -q, --quiet            only errors on stderr\n"
	"  -v, --verbose          progress on stderr (twice: debug)\n"
	"\n"
	"Inputs of import: JSON or JSONL files, gzip files, zip archives (osv.dev all.zip:\n"
	"every member), tar archives, directories (walked; hidden files skipped), and\n"
	"https:// URLs. The format of each file is detected; files that are not a feed\n"
	"are rejected and named in the summary.\n"
	"\n"
	"Exit codes: 0 the database was built (or info shown); 2 nothing usable, an\n"
	"input or source failed (the old database is kept), or a usage error; 3 internal error.\n";

enum {
	OPT_DB = 256,
	OPT_ALLOW_PARTIAL,
	OPT_INSECURE,
	OPT_CONFIG,
	OPT_SOURCE,
	OPT_LIST_SOURCES,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_APPEND,
	OPT_FORMAT_HINT,
	OPT_RETRIES,
};

static const struct option db_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "format", required_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "list-sources", no_argument, NULL, OPT_LIST_SOURCES },
	{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "format-hint", required_argument, NULL, OPT_FORMAT_HINT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ NULL, 0, NULL, 0 },
};

struct dbcli {
	const char *sub, *db, *config, *cache_dir, *format_hint;
	bool json, quiet, allow_partial, insecure, no_cache, append, list_sources;
	int verbose;
	unsigned retries;
	const char *sources[64];
	size_t n_sources;
};

static void log_sink(enum mmr_log_level level, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "mamori: %s: %s\n", mmr_log_level_name(level), msg);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int exit_for(int r)
{
	return r == -ENOMEM || r == -EIO || r == -ENOSPC ? EXIT_INTERNAL : EXIT_USAGE;
}

static void print_error(const char *sub, int r, struct mmr_error *e)
{
	char msg[1200];
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s", strerror(-r));
	fprintf(stderr, "mamori db %s: %s\n", sub, mmr_error_format(e, msg, sizeof(msg)));
}

/* ---- summary ---- */

static void summary_json(const struct mmr_vulndb_summary *s, const char *db, int rc, const char *err)
{
	json_t *root = json_object(), *arr = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct mmr_vulndb_input_result *r = &s->v[i];
		json_t *o = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:b}",
				      "name", r->name, "url", r->url, "feeds", r->feeds ? r->feeds : "",
				      "files", (json_int_t)r->files, "bytes", (json_int_t)r->bytes,
				      "vulns", (json_int_t)r->vulns, "affected", (json_int_t)r->affected,
				      "kev", (json_int_t)r->kev, "epss", (json_int_t)r->epss,
				      "rejected", (json_int_t)r->rejected, "not_modified", r->not_modified,
				      "downloaded", r->downloaded);
		if (o && r->first_reject[0])
			json_object_set_new(o, "first_reject", json_string(r->first_reject));
		if (o && r->error < 0)
			json_object_set_new(o, "error", json_string(r->errmsg[0] ? r->errmsg : strerror(-r->error)));
		if (o)
			json_array_append_new(arr, o);
	}
	json_object_set_new(root, "database", json_string(db));
	json_object_set_new(root, "committed", json_boolean(s->committed));
	json_object_set_new(root, "seconds", json_real(s->seconds));
	json_object_set_new(root, "inputs", arr);
	json_object_set_new(root, "totals",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:i}", "vulns", (json_int_t)s->vulns,
				      "affected", (json_int_t)s->affected, "kev", (json_int_t)s->kev,
				      "epss", (json_int_t)s->epss, "rejected", (json_int_t)s->rejected,
				      "failed", s->failed));
	if (rc < 0 && err)
		json_object_set_new(root, "error", json_string(err));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(root);
}

static void summary_table(const struct mmr_vulndb_summary *s, const char *db)
{
	printf("%-28s %-22s %8s %9s %6s %7s %8s  %s\n", "INPUT", "FORMAT", "ADVISORY", "PACKAGES", "KEV",
	       "EPSS", "REJECTED", "STATUS");
	for (size_t i = 0; i < s->n; i++) {
		const struct mmr_vulndb_input_result *r = &s->v[i];
		const char *st = r->error < 0 ? "FAILED" :
				 !(r->vulns + r->affected + r->kev + r->epss) ? "nothing usable" :
				 r->not_modified ? "ok (not modified)" :
				 r->downloaded ? "ok (downloaded)" :
							"ok";
		printf("%-28.*s %-22.22s %8llu %9llu %6llu %7llu %8llu  %s\n", 28, r->name,
		       r->feeds && r->feeds[0] ? r->feeds : "-", (unsigned long long)r->vulns,
		       (unsigned long long)r->affected, (unsigned long long)r->kev,
		       (unsigned long long)r->epss, (unsigned long long)r->rejected, st);
		if (r->error < 0)
			printf("    error: %s\n", r->errmsg[0] ? r->errmsg : strerror(-r->error));
		if (r->first_reject[0])
			printf("    first rejected: %s\n", r->first_reject);
	}
	printf("\n%llu advisories, %llu package entries, %llu KEV, %llu EPSS; %llu rejected; %.2f s\n",
	       (unsigned long long)s->vulns, (unsigned long long)s->affected, (unsigned long long)s->kev,
	       (unsigned long long)s->epss, (unsigned long long)s->rejected, s->seconds);
	if (s->committed)
		printf("database written: %s\n", db);
	else
		printf("database NOT changed: %s\n", db);
}

static int report(struct dbcli *c, const struct mmr_vulndb_summary *s, const char *db, int r,
		  struct mmr_error *e)
{
	char msg[1200] = "";
	if (r < 0) {
		if (!e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", strerror(-r));
		mmr_error_format(e, msg, sizeof(msg));
	}
	if (c->json)
		summary_json(s, db, r, msg);
	else if (!c->quiet || r < 0)
		summary_table(s, db);
	fflush(stdout);
	if (r < 0) {
		fprintf(stderr, "mamori db %s: %s\n", c->sub, msg);
		return exit_for(r);
	}
	if (s->failed) /* --allow-partial committed without them */
		fprintf(stderr, "mamori db %s: warning: %d inputs failed and were left out\n", c->sub,
			s->failed);
	return EXIT_OK;
}

/* ---- subcommands ---- */

static const char *cache_dir(struct dbcli *c, char *buf, size_t len)
{
	if (c->no_cache)
		return NULL;
	if (c->cache_dir)
		return c->cache_dir;
	struct mmr_scan_opts so;
	mmr_scan_opts_default(&so);
	return mmr_scan_cache_dir(&so, buf, len);
}

static int do_update(struct dbcli *c, const char *db)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vec list = { 0 };
	struct mmr_error e = { 0 };
	char cfgbuf[PATH_MAX], cachebuf[PATH_MAX];
	int r, rc;
	if (!a || mmr_vulndb_sources_default(a, &list) < 0) {
		mmr_arena_free(a);
		fputs("mamori db update: out of memory\n", stderr);
		return EXIT_INTERNAL;
	}
	const char *cfg = c->config;
	bool explicit = cfg != NULL;
	if (!cfg)
		cfg = mmr_vulndb_sources_default_config(cfgbuf, sizeof(cfgbuf));
	if (cfg) {
		FILE *f = fopen(cfg, "re");
		if (!f && (explicit || errno != ENOENT)) {
			fprintf(stderr, "mamori db update: cannot read %s: %s\n", cfg, strerror(errno));
			rc = EXIT_USAGE;
			goto out;
		}
		if (f) {
			char *data = malloc(1 << 20);
			size_t n = data ? fread(data, 1, 1 << 20, f) : 0;
			bool big = n == (1 << 20);
			fclose(f);
			if (!data || big) {
				free(data);
				fprintf(stderr, "mamori db update: %s: %s\n", cfg,
					big ? "larger than 1 MiB" : "out of memory");
				rc = big ? EXIT_USAGE : EXIT_INTERNAL;
				goto out;
			}
			r = mmr_vulndb_sources_parse(a, data, n, cfg, &list, &e);
			free(data);
			if (r < 0) {
				print_error("update", r, &e);
				rc = exit_for(r);
				goto out;
			}
			mmr_info("sources from %s", cfg);
		}
	}
	for (size_t i = 0; i < c->n_sources; i++) {
		if ((r = mmr_vulndb_sources_set(a, &list, c->sources[i], &e)) < 0) {
			print_error("update", r, &e);
			rc = exit_for(r);
			goto out;
		}
	}
	if (c->list_sources) {
		for (size_t i = 0; i < list.n; i++) {
			const struct mmr_vulndb_source *s = list.v[i];
			printf("%-24s %-8s %-15s %s\n", s->name, s->enabled ? "enabled" : "disabled",
			       s->format ? s->format : "(detected)", s->url ? s->url : "-");
		}
		rc = EXIT_OK;
		goto out;
	}
	size_t enabled = 0;
	for (size_t i = 0; i < list.n; i++)
		enabled += ((struct mmr_vulndb_source *)list.v[i])->enabled;
	if (!enabled) {
		fputs("mamori db update: no source is enabled (see --list-sources)\n", stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	struct mmr_vulndb_update_opts o;
	mmr_vulndb_update_opts_init(&o, db);
	o.allow_partial = c->allow_partial;
	o.allow_http = c->insecure;
	o.cache_dir = cache_dir(c, cachebuf, sizeof(cachebuf));
	o.max_retries = c->retries;
	o.format_hint = c->format_hint;
	struct mmr_vulndb_summary s;
	r = mmr_vulndb_update(&o, (struct mmr_vulndb_source *const *)list.v, list.n, a, &s, &e);
	rc = report(c, &s, db, r, &e);
out:
	mmr_arena_free(a);
	return rc;
}

static int do_import(struct dbcli *c, const char *db, char **inputs, size_t n)
{
	if (!n)
		return mmr_cli_usage_error("db import", "%s", "at least one file, directory or URL is required");
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return EXIT_INTERNAL;
	struct mmr_vulndb_update_opts o;
	mmr_vulndb_update_opts_init(&o, db);
	o.allow_partial = c->allow_partial;
	o.allow_http = c->insecure;
	o.append = c->append;
	o.format_hint = c->format_hint;
	o.max_retries = c->retries;
	struct mmr_vulndb_summary s;
	struct mmr_error e = { 0 };
	int r = mmr_vulndb_import(&o, (const char *const *)inputs, n, a, &s, &e);
	int rc = report(c, &s, db, r, &e);
	mmr_arena_free(a);
	return rc;
}

static const char *human_size(uint64_t n, char *buf, size_t len)
{
	if (n >= (uint64_t)1 << 30)
		snprintf(buf, len, "%.1f GiB", (double)n / (double)(1u << 30));
	else if (n >= (uint64_t)1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)n / (double)(1u << 20));
	else if (n >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	return buf;
}

/* Seconds since an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ", -1 if unknown. */
static long long age_of(const char *ts)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!ts)
		return -1;
	const char *end = strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	time_t t = timegm(&tm);
	time_t now = time(NULL);
	return t == (time_t)-1 ? -1 : (long long)(now - t);
}

static const char *human_age(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "unknown");
	else if (s < 120)
		snprintf(buf, len, "%lld seconds", s);
	else if (s < 7200)
		snprintf(buf, len, "%lld minutes", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lld hours", s / 3600);
	else
		snprintf(buf, len, "%lld days", s / 86400);
	return buf;
}

static int do_info(struct dbcli *c, const char *db_path)
{
	struct mmr_vulndb *db = NULL;
	struct mmr_error e = { 0 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = mmr_vulndb_open(db_path, &db, &e);
	double open_ms = ms_since(&t0);
	if (r < 0) {
		print_error("info", r, &e);
		return exit_for(r);
	}
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_vulndb_info in;
	r = a ? mmr_vulndb_info(db, a, &in) : -ENOMEM;
	if (r < 0) {
		fprintf(stderr, "mamori db info: %s: %s\n", db_path, strerror(-r));
		mmr_arena_free(a);
		mmr_vulndb_close(db);
		return exit_for(r);
	}
	long long age = age_of(in.built_at);
	if (c->json) {
		json_t *srcs = json_array();
		for (size_t i = 0; i < in.n_sources; i++) {
			const struct mmr_vulndb_source_info *s = &in.sources[i];
			json_array_append_new(srcs, json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:I, s:I}", "name",
							      s->name, "url", s->url, "etag", s->etag,
							      "last_modified", s->last_modified, "fetched_at",
							      s->fetched_at, "accepted", (json_int_t)s->accepted,
							      "rejected", (json_int_t)s->rejected));
		}
		json_t *root = json_pack(
			"{s:s, s:i, s:s?, s:s?, s:I, s:I, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o}", "path",
			in.path, "schema_version", in.schema_version, "built_at", in.built_at, "generator",
			in.generator, "age_seconds", (json_int_t)age, "size", (json_int_t)in.size, "open_ms",
			open_ms, "counts", "vulns", (json_int_t)in.vulns, "affected", (json_int_t)in.affected,
			"package_names", (json_int_t)in.names, "aliases", (json_int_t)in.aliases, "kev",
			(json_int_t)in.kev, "epss", (json_int_t)in.epss, "sources", srcs);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		char b1[32], b2[32];
		printf("Database:        %s\n", in.path);
		printf("Schema version:  %d\n", in.schema_version);
		printf("Built:           %s (%s ago) by %s\n", in.built_at ? in.built_at : "?",
		       human_age(age, b1, sizeof(b1)), in.generator ? in.generator : "?");
		printf("Size:            %s\n", human_size(in.size, b2, sizeof(b2)));
		printf("Open time:       %.2f ms\n", open_ms);
		printf("Advisories:      %llu (%llu aliases)\n", (unsigned long long)in.vulns,
		       (unsigned long long)in.aliases);
		printf("Package entries: %llu (%llu package names)\n", (unsigned long long)in.affected,
		       (unsigned long long)in.names);
		printf("KEV entries:     %llu\n", (unsigned long long)in.kev);
		printf("EPSS scores:     %llu\n", (unsigned long long)in.epss);
		printf("Sources:\n");
		printf("  %-28s %9s %9s  %-20s  %s\n", "NAME", "RECORDS", "REJECTED", "FETCHED", "URL");
		for (size_t i = 0; i < in.n_sources; i++) {
			const struct mmr_vulndb_source_info *s = &in.sources[i];
			printf("  %-28s %9llu %9llu  %-20s  %s\n", s->name, (unsigned long long)s->accepted,
			       (unsigned long long)s->rejected, s->fetched_at ? s->fetched_at : "-",
			       s->url ? s->url : "-");
		}
	}
	mmr_arena_free(a);
	mmr_vulndb_close(db);
	return EXIT_OK;
}

int mmr_cli_db(int argc, char **argv, const char *cmd)
{
	struct dbcli c = { .retries = 3 };
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_db, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	c.sub = argv[1];
	if (!strcmp(c.sub, "rescan"))
		return mmr_cli_db_rescan(argc - 1, argv + 1);
	if (strcmp(c.sub, "update") && strcmp(c.sub, "import") && strcmp(c.sub, "info"))
		return mmr_cli_usage_error(cmd, "unknown subcommand '%s' (update, import, info, rescan)", c.sub);
	argc--;
	argv++;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:qvh", db_options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "json"))
				c.json = true;
			else if (strcmp(optarg, "table"))
				return mmr_cli_usage_error(cmd, "unknown format '%s' (table, json)", optarg);
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'v':
			c.verbose++;
			break;
		case 'h':
			fputs(usage_db, stdout);
			return EXIT_OK;
		case OPT_DB:
			c.db = optarg;
			break;
		case OPT_ALLOW_PARTIAL:
			c.allow_partial = true;
			break;
		case OPT_INSECURE:
			c.insecure = true;
			break;
		case OPT_CONFIG:
			c.config = optarg;
			break;
		case OPT_SOURCE:
			if (c.n_sources >= sizeof(c.sources) / sizeof(c.sources[0]))
				return mmr_cli_usage_error(cmd, "%s", "too many --source options (64 at most)");
			c.sources[c.n_sources++] = optarg;
			break;
		case OPT_LIST_SOURCES:
			c.list_sources = true;
			break;
		case OPT_CACHE_DIR:
			c.cache_dir = optarg;
			break;
		case OPT_NO_CACHE:
			c.no_cache = true;
			break;
		case OPT_APPEND:
			c.append = true;
			break;
		case OPT_FORMAT_HINT:
			if (!mmr_vulndb_feed_find(optarg)) {
				fprintf(stderr, "mamori db: unknown feed '%s'; known feeds:", optarg);
				for (size_t i = 0; mmr_vulndb_feeds[i]; i++)
					fprintf(stderr, " %s", mmr_vulndb_feeds[i]->name);
				fputc('\n', stderr);
				return EXIT_USAGE;
			}
			c.format_hint = optarg;
			break;
		case OPT_RETRIES: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v > 20)
				return mmr_cli_usage_error(cmd, "bad --retries '%s' (0-20)", optarg);
			c.retries = (unsigned)v;
			break;
		}
		default:
			fprintf(stderr, "See 'mamori db --help'.\n");
			return EXIT_USAGE;
		}
	}
	mmr_log_set_sink(log_sink, &c);
	mmr_log_set_level(c.quiet ? MMR_LOG_ERROR :
			  c.verbose >= 2 ? MMR_LOG_DEBUG :
			  c.verbose ? MMR_LOG_INFO :
				      MMR_LOG_WARN);
	char dbbuf[PATH_MAX];
	const char *db = c.db ? c.db : mmr_vulndb_default_path(dbbuf, sizeof(dbbuf));
	if (!db) {
		fputs("mamori db: no database path: set --db, XDG_DATA_HOME or HOME\n", stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(c.sub, "import"))
		return do_import(&c, db, argv + optind, (size_t)(argc - optind));
	if (optind < argc)
		return mmr_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!strcmp(c.sub, "update"))
		return do_update(&c, db);
	return do_info(&c, db);
}
