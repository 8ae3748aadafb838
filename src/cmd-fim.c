/* cmd-fim.c - `mamori agent fim init|check`: file integrity baseline and
 * check (lib/runtime/runtime-fim.h). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core-error.h"
#include "model/model.h"
#include "report/report.h"
#include "runtime/runtime-fim.h"
#include "src/agent-baseline.h"
#include "src/cli.h"

static const char usage_fim[] =
	"Usage: mamori agent fim init  [--paths P,...] [--db PATH] [--max-files N]\n"
	"       mamori agent fim check [--paths P,...] [--db PATH] [--format table|json]\n"
	"                              [--exit-code N] [--update] [--max-files N]\n"
	"\n"
	"File integrity monitoring: `init` records a baseline of the watched paths\n"
	"(SHA-256 of each regular file, mode, owner, size, mtime, symlink targets;\n"
	"symlinks are never followed); `check` walks them again and reports\n"
	"additions (fim/added), content or type changes (fim/modified), deletions\n"
	"(fim/deleted) and mode/owner changes (fim/perms).\n"
	"\n"
	"Options:\n"
	"  --paths P,...   absolute paths or glob patterns to watch (default: /etc,\n"
	"                  /bin, /sbin, /usr/bin, /usr/sbin, /boot, /root/.ssh and\n"
	"                  /home/*/.ssh authorized_keys[2]); check defaults to the\n"
	"                  paths the baseline was built with\n"
	"  --db PATH       baseline database (default $XDG_DATA_HOME/mamori/fim.db)\n"
	"  --format F      table (default) or json (mamori report)\n"
	"  --exit-code N   exit N when anything changed (default 0)\n"
	"  --update        check: store the current state as the new baseline\n"
	"  --max-files N   most files in a baseline (default 1000000)\n"
	"\n"
	"Unreadable files are warnings on stderr; their content is not compared.\n";

#define MAX_PATHS MMR_RT_FIM_MAX_ROOTS

struct fim_cli {
	const char *cmd;
	char *paths_buf;
	const char *paths[MAX_PATHS];
	size_t npaths;
	const char *db;
	char db_default[PATH_MAX + 16];
	bool json, update;
	int exit_code;
	size_t max_files;
	size_t nwarn;
};

static void on_warn(void *ud, const char *path, int err)
{
	struct fim_cli *c = ud;
	c->nwarn++;
	if (c->nwarn <= 100)
		fprintf(stderr, "mamori %s: warning: %s: %s\n", c->cmd, path, strerror(err));
	else if (c->nwarn == 101)
		fprintf(stderr, "mamori %s: warning: more unreadable entries (not shown)\n", c->cmd);
}

static int default_db(struct fim_cli *c, bool create_dir);

int mmr_cli_fim_default_db(char *out, size_t size)
{
	struct fim_cli c = { .cmd = "agent fim" };
	int rc = default_db(&c, false);
	if (rc < 0)
		return rc;
	int w = snprintf(out, size, "%s", c.db_default);
	return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

static int default_db(struct fim_cli *c, bool create_dir)
{
	const char *x = secure_getenv("XDG_DATA_HOME");
	const char *home = secure_getenv("HOME");
	char dir[PATH_MAX];
	int w;
	if (x && x[0] == '/')
		w = snprintf(dir, sizeof(dir), "%s/mamori", x);
	else if (home && home[0] == '/')
		w = snprintf(dir, sizeof(dir), "%s/.local/share/mamori", home);
	else
		w = snprintf(dir, sizeof(dir), "/var/lib/mamori");
	if (w < 0 || (size_t)w >= sizeof(dir) - 8)
		return -ENAMETOOLONG;
	snprintf(c->db_default, sizeof(c->db_default), "%s/fim.db", dir);
	c->db = c->db_default;
	if (!create_dir)
		return 0;
	/* mkdir -p */
	for (char *p = dir + 1;; p++) {
		if (*p == '/' || *p == 0) {
			char save = *p;
			*p = 0;
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return -errno;
			*p = save;
			if (!save)
				break;
		}
	}
	return 0;
}

static int parse_paths(struct fim_cli *c, const char *val)
{
	free(c->paths_buf);
	c->paths_buf = strdup(val);
	c->npaths = 0;
	if (!c->paths_buf)
		return -ENOMEM;
	char *save = NULL;
	for (char *t = strtok_r(c->paths_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (t[0] != '/')
			return mmr_cli_usage_error(c->cmd, "--paths needs absolute paths: '%s'", t);
		if (c->npaths >= MAX_PATHS)
			return mmr_cli_usage_error(c->cmd, "too many --paths (max 256): '%s'", t);
		c->paths[c->npaths++] = t;
	}
	if (!c->npaths)
		return mmr_cli_usage_error(c->cmd, "empty --paths '%s'", val);
	return 0;
}

static int parse_num(const char *cmd, const char *opt, const char *val, long max, long *ret)
{
	char *end;
	errno = 0;
	long v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < 0 || v > max) {
		char msg[128];
		snprintf(msg, sizeof(msg), "bad %s '%%s' (0..%ld)", opt, max);
		return mmr_cli_usage_error(cmd, msg, val);
	}
	*ret = v;
	return 0;
}

struct collect {
	struct mmr_report *r;
	struct mmr_result *res;
	size_t count[4];
	int err;
};

static int on_change(void *ud, const struct mmr_rt_fim_change *ch)
{
	struct collect *col = ud;
	struct mmr_finding *f;
	int rc = mmr_rt_fim_change_finding(col->r->arena, ch, &f);
	if (rc == 0)
		rc = mmr_vec_push(col->r->arena, &col->res->findings, f);
	if (rc < 0)
		return col->err = rc;
	col->count[ch->kind < 4 ? ch->kind : 0]++;
	return 0;
}

static int write_table(const struct collect *col, FILE *out)
{
	const struct mmr_vec *v = &col->res->findings;
	if (v->n) {
		fprintf(out, "%-14s %-8s %s\n", "RULE", "SEVERITY", "PATH / CHANGE");
		for (size_t i = 0; i < v->n; i++) {
			const struct mmr_finding *f = v->v[i];
			fprintf(out, "%-14s %-8s %s\n%24s%s\n", f->rule_id, mmr_severity_name(f->severity), f->loc.file,
				"", f->evidence);
		}
	}
	fprintf(out, "File integrity: %zu change%s (%zu added, %zu modified, %zu deleted, %zu perms)\n", v->n,
		v->n == 1 ? "" : "s", col->count[MMR_RT_FIM_ADDED], col->count[MMR_RT_FIM_MODIFIED],
		col->count[MMR_RT_FIM_DELETED], col->count[MMR_RT_FIM_PERMS]);
	return ferror(out) ? -EIO : 0;
}

static int run(struct fim_cli *c, bool init)
{
	struct mmr_rt_fim_opts o = { .max_files = c->max_files };
	if (c->npaths) {
		o.paths = c->paths;
		o.npaths = c->npaths;
	}
	struct mmr_rt_fim *f = mmr_rt_fim_new(&o);
	if (!f) {
		fprintf(stderr, "mamori %s: out of memory\n", c->cmd);
		return EXIT_INTERNAL;
	}
	mmr_rt_fim_set_warn(f, on_warn, c);
	int ret = EXIT_INTERNAL, rc;
	struct mmr_report *r = NULL;
	if (init) {
		rc = mmr_rt_fim_build(f);
		if (rc == -E2BIG) {
			fprintf(stderr, "mamori %s: more than %zu files below the watched paths (raise --max-files)\n",
				c->cmd, c->max_files ? c->max_files : (size_t)MMR_RT_FIM_MAX_FILES_DEFAULT);
			ret = EXIT_USAGE;
			goto out;
		}
		if (rc < 0)
			goto fail;
		int n = rc;
		if ((rc = mmr_rt_fim_save(f, c->db)) < 0)
			goto fail;
		fprintf(stderr, "mamori %s: baseline of %d entries written to %s%s\n", c->cmd, n, c->db,
			c->nwarn ? " (with warnings)" : "");
		ret = EXIT_OK;
		goto out;
	}
	struct mmr_error err = { 0 };
	if ((rc = mmr_rt_fim_load(f, c->db, &err)) < 0) {
		char msg[1200];
		fprintf(stderr, "mamori %s: %s\n", c->cmd, mmr_error_format(&err, msg, sizeof(msg)));
		ret = rc == -ENOENT || rc == -EPROTO || rc == -EBADMSG ? EXIT_USAGE : EXIT_INTERNAL;
		goto out;
	}
	r = mmr_report_new();
	struct collect col = { .r = r };
	if (!r)
		goto fail_mem;
	r->asset.kind = MMR_ASSET_HOST;
	r->asset.name = "file integrity";
	col.res = mmr_report_result(r, "file integrity", "runtime", "fim");
	if (!col.res)
		goto fail_mem;
	rc = mmr_rt_fim_check(f, c->update, on_change, &col);
	if (rc == -E2BIG) {
		fprintf(stderr, "mamori %s: more than %zu files below the watched paths (raise --max-files)\n", c->cmd,
			c->max_files ? c->max_files : (size_t)MMR_RT_FIM_MAX_FILES_DEFAULT);
		ret = EXIT_USAGE;
		goto out;
	}
	if (rc < 0 || col.err < 0) {
		rc = rc < 0 ? rc : col.err;
		goto fail;
	}
	if (c->update && (rc = mmr_rt_fim_save(f, c->db)) < 0)
		goto fail;
	struct mmr_report_opts ro = { .command = "agent fim check" };
	rc = c->json ? mmr_report_write_json(r, stdout, &ro) : write_table(&col, stdout);
	if (rc < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "mamori %s: cannot write the report\n", c->cmd);
		goto out;
	}
	ret = col.res->findings.n && c->exit_code > 0 ? c->exit_code : EXIT_OK;
	goto out;
fail_mem:
	rc = -ENOMEM;
fail:
	fprintf(stderr, "mamori %s: %s: %s\n", c->cmd, c->db, strerror(-rc));
out:
	mmr_report_free(r);
	mmr_rt_fim_free(f);
	return ret;
}

int mmr_cli_agent_fim(int argc, char **argv, const char *cmd)
{
	struct fim_cli c = { .cmd = "agent fim", .exit_code = 0 };
	(void)cmd;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_fim, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	bool init = strcmp(argv[1], "init") == 0;
	if (!init && strcmp(argv[1], "check") != 0)
		return mmr_cli_usage_error(c.cmd, "unknown subcommand '%s' (init or check)", argv[1]);
	int ret = EXIT_OK;
	for (int i = 2; i < argc && ret == EXIT_OK; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		long n = 0;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_fim, stdout);
			free(c.paths_buf);
			return EXIT_OK;
		} else if (strcmp(a, "--paths") == 0 && val) {
			int rc = parse_paths(&c, val);
			ret = rc == -ENOMEM ? EXIT_INTERNAL : rc ? EXIT_USAGE : EXIT_OK;
			i++;
		} else if (strcmp(a, "--db") == 0 && val) {
			c.db = val;
			i++;
		} else if (strcmp(a, "--format") == 0 && val && !init) {
			if (strcmp(val, "json") == 0)
				c.json = true;
			else if (strcmp(val, "table") != 0)
				ret = mmr_cli_usage_error(c.cmd, "unknown --format '%s' (table or json)", val);
			i++;
		} else if (strcmp(a, "--exit-code") == 0 && val && !init) {
			ret = parse_num(c.cmd, "--exit-code", val, 255, &n) ? EXIT_USAGE : EXIT_OK;
			c.exit_code = (int)n;
			i++;
		} else if (strcmp(a, "--max-files") == 0 && val) {
			ret = parse_num(c.cmd, "--max-files", val, 100000000, &n) ? EXIT_USAGE : EXIT_OK;
			c.max_files = (size_t)n;
			i++;
		} else if (strcmp(a, "--update") == 0 && !init) {
			c.update = true;
		} else {
			ret = mmr_cli_usage_error(c.cmd, "unknown or incomplete argument '%s'", a);
		}
	}
	if (ret == EXIT_OK && !c.db) {
		int rc = default_db(&c, init);
		if (rc < 0) {
			fprintf(stderr, "mamori %s: cannot create the data directory for %s: %s\n", c.cmd,
				c.db_default[0] ? c.db_default : "fim.db", strerror(-rc));
			ret = EXIT_INTERNAL;
		}
	}
	if (ret == EXIT_OK)
		ret = run(&c, init);
	free(c.paths_buf);
	return ret;
}
