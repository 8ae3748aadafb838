/* vuln-match-time.c - times the parts of vulnerability matching that
 * bench/vuln-match reports, inside one process, apart from everything
 * else a scan does (SBOM building, report writing):
 *
 *     vuln-match-time DB SBOM.json [REPEAT]
 *
 * open_ms   mmr_vulndb_open() + mmr_vulndb_close(), best and median of 20
 * match_ms  mmr_vulndb_match() on the imported SBOM, best and median of
 *           REPEAT (default 5) runs, each on a freshly imported report
 *           and a freshly opened DB (so no SQLite page cache is carried
 *           over from one run to the next within the connection)
 * peak_rss_mb  of this process (getrusage), after everything
 *
 * Prints one JSON object on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "model/model.h"
#include "sbom/sbom-import.h"
#include "vulndb/vulndb-match.h"
#include "vulndb/vulndb.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int die(const char *what, int r, const struct mmr_error *e)
{
	fprintf(stderr, "vuln-match-time: %s: %s\n", what, e && e->msg[0] ? e->msg : strerror(-r));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vuln-match-time DB SBOM.json [REPEAT]\n");
		return 2;
	}
	const char *dbp = argv[1], *sbom = argv[2];
	int repeat = 5;
	if (argc > 3) {
		char *end;
		long v = strtol(argv[3], &end, 10);
		if (*end || v < 1 || v > 1000) {
			fprintf(stderr, "vuln-match-time: bad REPEAT '%s'\n", argv[3]);
			return 2;
		}
		repeat = (int)v;
	}
	struct mmr_error e = { 0 };
	double opens[20], matches[1000];
	for (int i = 0; i < 20; i++) {
		struct mmr_vulndb *db = NULL;
		double t0 = now_ms();
		int r = mmr_vulndb_open(dbp, &db, &e);
		if (r < 0)
			return die(dbp, r, &e);
		mmr_vulndb_close(db);
		opens[i] = now_ms() - t0;
	}
	size_t packages = 0, findings = 0;
	for (int i = 0; i < repeat; i++) {
		struct mmr_report *rep = mmr_report_new();
		if (!rep)
			return die("report", -ENOMEM, NULL);
		int r = mmr_sbom_import_file(rep, sbom, NULL, &e);
		if (r < 0)
			return die(sbom, r, &e);
		struct mmr_vulndb *db = NULL;
		if ((r = mmr_vulndb_open(dbp, &db, &e)) < 0)
			return die(dbp, r, &e);
		struct mmr_match_stats st;
		double t0 = now_ms();
		r = mmr_vulndb_match(db, rep, NULL, &st);
		matches[i] = now_ms() - t0;
		if (r < 0)
			return die("match", r, NULL);
		packages = st.packages + st.no_ecosystem;
		findings = st.findings;
		mmr_vulndb_close(db);
		mmr_report_free(rep);
	}
	qsort(opens, 20, sizeof(double), cmp_d);
	qsort(matches, (size_t)repeat, sizeof(double), cmp_d);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("{\"open_ms\": %.2f, \"open_median_ms\": %.2f, \"match_ms\": %.2f, "
	       "\"match_median_ms\": %.2f, \"packages\": %zu, \"findings\": %zu, "
	       "\"peak_rss_mb\": %.1f}\n",
	       opens[0], opens[10], matches[0], matches[repeat / 2], packages, findings,
	       (double)ru.ru_maxrss / 1024.0);
	return 0;
}
