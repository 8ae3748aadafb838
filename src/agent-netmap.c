/* agent-netmap.c - the network map in `mamori agent`
 * (lib/runtime/runtime-netmap.h), and `mamori agent netmap`.
 *
 * Off unless --netmap or --netmap-db is given. Every connect/accept event
 * goes to the map; the map is a JSON file (the format of `mamori agent
 * netmap --format json`), read at start so that runs accumulate, written
 * (to a temporary file, then renamed) every few seconds when it changed,
 * and at stop. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-buf.h"
#include "core/core-error.h"
#include "runtime/runtime-netmap.h"
#include "runtime/runtime-sensor.h"
#include "src/agent-baseline.h"
#include "src/agent.h"
#include "src/cli.h"

#define NM_DEFAULT_DB "/var/lib/mamori/netmap.json"
#define NM_SAVE_EVERY_NS (5ull * 1000000000ull)
#define NM_FILE_MAX (256u << 20)

static struct {
	bool enabled;
	const char *db;
	struct mmr_rt_netmap *m;
	uint64_t added, saved_added, last_save_ns, saves, save_errors, full;
} nm = { .db = NM_DEFAULT_DB };

/* Load path into m (a missing file is an empty map). 0, or -errno after
 * printing. */
static int load(struct mmr_rt_netmap *m, const char *path, const char *who)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		fprintf(stderr, "mamori %s: %s: %s\n", who, path, strerror(e));
		return -e;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_size > (off_t)NM_FILE_MAX) {
		close(fd);
		fprintf(stderr, "mamori %s: %s: larger than %u MiB\n", who, path, NM_FILE_MAX >> 20);
		return -E2BIG;
	}
	json_error_t je;
	json_t *doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	close(fd);
	if (!doc) {
		fprintf(stderr, "mamori %s: %s:%d:%d: not a network map: %s\n", who, path, je.line, je.column, je.text);
		return -EBADMSG;
	}
	struct mmr_error e = { 0 };
	int rc = mmr_rt_netmap_merge_json(m, doc, path, &e);
	json_decref(doc);
	if (rc < 0) {
		char msg[1200];
		fprintf(stderr, "mamori %s: %s\n", who, e.msg[0] ? mmr_error_format(&e, msg, sizeof(msg)) : strerror(-rc));
		return rc;
	}
	return 0;
}

static int save(void)
{
	json_t *doc = mmr_rt_netmap_json(nm.m);
	if (!doc)
		return -ENOMEM;
	char tmp[4200];
	int w = snprintf(tmp, sizeof(tmp), "%s.tmp", nm.db);
	if (w < 0 || (size_t)w >= sizeof(tmp)) {
		json_decref(doc);
		return -ENAMETOOLONG;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		json_decref(doc);
		return -errno;
	}
	int rc = json_dumpfd(doc, fd, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 && write(fd, "\n", 1) == 1 ? 0 : -EIO;
	json_decref(doc);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, nm.db) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static void maybe_save(bool force)
{
	if (nm.added == nm.saved_added && !force)
		return;
	int rc = save();
	if (rc < 0) {
		if (nm.save_errors++ == 0)
			fprintf(stderr, "mamori agent: saving the network map to %s: %s\n", nm.db, strerror(-rc));
		return;
	}
	nm.saves++;
	nm.saved_added = nm.added;
}

static int nm_option(int argc, char **argv, int *i, const char *cmd)
{
	const char *a = argv[*i];
	if (strcmp(a, "--netmap") == 0) {
		nm.enabled = true;
		return 1;
	}
	if (strcmp(a, "--netmap-db") != 0)
		return 0;
	if (*i + 1 >= argc) {
		mmr_cli_usage_error(cmd, "%s needs a path", a);
		return -1;
	}
	nm.db = argv[++*i];
	nm.enabled = true;
	return 1;
}

static int nm_start(struct mmr_agent *ag)
{
	if (!nm.enabled)
		return 0;
	nm.m = mmr_rt_netmap_new(0);
	if (!nm.m) {
		fprintf(stderr, "mamori agent: out of memory\n");
		return -ENOMEM;
	}
	int rc = mmr_agent_mkdir_parents(nm.db);
	if (rc < 0) {
		fprintf(stderr, "mamori agent: network map %s: cannot create its directory: %s\n", nm.db,
			strerror(-rc));
		return rc;
	}
	if ((rc = load(nm.m, nm.db, "agent")) < 0)
		return rc;
	if (ag->sensor_opts->type_mask)
		ag->sensor_opts->type_mask |= (1ULL << MMR_SENSOR_CONNECT) | (1ULL << MMR_SENSOR_ACCEPT);
	fprintf(stderr, "mamori agent: network map: %s\n", nm.db);
	return 0;
}

static void nm_event(struct mmr_agent *ag, const struct mmr_rt_event *ev)
{
	(void)ag;
	if (!nm.m)
		return;
	int rc = mmr_rt_netmap_add(nm.m, ev);
	if (rc > 0)
		nm.added++;
	else if (rc == -E2BIG)
		nm.full++;
}

static void nm_tick(struct mmr_agent *ag)
{
	if (!nm.m)
		return;
	if (ag->now_ns >= nm.last_save_ns + NM_SAVE_EVERY_NS) {
		nm.last_save_ns = ag->now_ns;
		maybe_save(false);
	}
}

static void nm_stats(struct mmr_agent *ag, json_t *o)
{
	(void)ag;
	if (!nm.m)
		return;
	json_t *s = json_object();
	json_object_set_new(s, "connections", json_integer((json_int_t)nm.added));
	json_object_set_new(s, "dropped", json_integer((json_int_t)mmr_rt_netmap_dropped(nm.m)));
	json_object_set_new(s, "saves", json_integer((json_int_t)nm.saves));
	json_object_set_new(s, "save_errors", json_integer((json_int_t)nm.save_errors));
	json_object_set_new(o, "netmap", s);
}

static void nm_stop(struct mmr_agent *ag)
{
	(void)ag;
	if (!nm.m)
		return;
	maybe_save(false);
	mmr_rt_netmap_free(nm.m);
	nm.m = NULL;
}

const struct mmr_agent_module mmr_agent_mod_netmap = {
	.name = "netmap",
	.usage = "\n"
		 "      Network map (`mamori agent netmap --help`):\n"
		 "      --netmap           record connections per workload pair / external peer\n"
		 "      --netmap-db PATH   JSON file of the map (default " NM_DEFAULT_DB ";\n"
		 "                         read at start, so runs accumulate)\n",
	.option = nm_option,
	.start = nm_start,
	.event = nm_event,
	.tick = nm_tick,
	.stats = nm_stats,
	.stop = nm_stop,
};

static const char usage_nm[] =
	"Usage: mamori agent netmap [--format json|dot] [--db PATH] [-o FILE]\n"
	"\n"
	"Print the network map `mamori agent --netmap` recorded (default " NM_DEFAULT_DB "):\n"
	"one edge per client -> server pair and transport, with the server ports, the\n"
	"connection count, first/last seen and the DNS names of the server address.\n"
	"Nodes are workloads (container name, else image; host processes as\n"
	"host:/path/of/exe) or external addresses. --format dot writes Graphviz\n"
	"(`mamori agent netmap --format dot | dot -Tsvg > map.svg`).\n";

int mmr_cli_agent_netmap(int argc, char **argv, const char *cmd_unused)
{
	(void)cmd_unused;
	const char *cmd = "agent netmap", *db = NM_DEFAULT_DB, *outfile = NULL;
	bool dot = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_nm, stdout);
			return EXIT_OK;
		} else if ((strcmp(a, "--db") == 0 || strcmp(a, "--netmap-db") == 0) && val) {
			db = val;
			i++;
		} else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && val) {
			outfile = val;
			i++;
		} else if (strcmp(a, "--format") == 0 && val) {
			if (strcmp(val, "dot") == 0)
				dot = true;
			else if (strcmp(val, "json") != 0)
				return mmr_cli_usage_error(cmd, "unknown --format '%s' (json or dot)", val);
			i++;
		} else {
			return mmr_cli_usage_error(cmd, "unknown or incomplete argument '%s'", a);
		}
	}
	if (access(db, F_OK) != 0) {
		fprintf(stderr, "mamori %s: no network map at %s (run `mamori agent --netmap`)\n", cmd, db);
		return EXIT_USAGE;
	}
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(0);
	if (!m) {
		fprintf(stderr, "mamori %s: out of memory\n", cmd);
		return EXIT_INTERNAL;
	}
	int ret = EXIT_INTERNAL;
	struct mmr_buf b;
	mmr_buf_init(&b, NM_FILE_MAX);
	int rc = load(m, db, cmd);
	if (rc < 0) {
		ret = rc == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
		goto out;
	}
	if (dot) {
		rc = mmr_rt_netmap_dot(m, &b);
	} else {
		json_t *doc = mmr_rt_netmap_json(m);
		char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		json_decref(doc);
		rc = s ? mmr_buf_adds(&b, s) : -ENOMEM;
		if (rc >= 0)
			rc = mmr_buf_addc(&b, '\n');
		free(s);
	}
	if (rc < 0) {
		fprintf(stderr, "mamori %s: %s\n", cmd, strerror(-rc));
		goto out;
	}
	FILE *f = outfile ? fopen(outfile, "we") : stdout;
	if (!f) {
		fprintf(stderr, "mamori %s: %s: %s\n", cmd, outfile, strerror(errno));
		ret = EXIT_USAGE;
		goto out;
	}
	bool ok = fwrite(b.p, 1, b.len, f) == b.len;
	ok &= outfile ? fclose(f) == 0 : fflush(f) == 0;
	if (!ok)
		fprintf(stderr, "mamori %s: cannot write the map\n", cmd);
	ret = ok ? EXIT_OK : EXIT_INTERNAL;
out:
	mmr_buf_release(&b);
	mmr_rt_netmap_free(m);
	return ret;
}
