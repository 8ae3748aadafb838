/* vulndb-feed-epss.c - FIRST EPSS scores: the daily CSV
 * (epss_scores-YYYY-MM-DD.csv, usually .gz):
 *
 *   #model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.01140,0.84158
 *
 * gzip input (magic 1f 8b) is inflated with a cap (MAX_INFLATED). Lines
 * starting with '#' are comments; the header row is skipped. A row whose
 * CVE id, score or percentile (a number in [0, 1]) is malformed, or that
 * is longer than MAX_ROW bytes, is rejected. */
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INFLATED ((size_t)512 << 20)
#define MAX_ROW 256

static bool cve_ok(struct mmr_str s)
{
	if (s.len < 13 || s.len > 28 || memcmp(s.p, "CVE-", 4) != 0 || s.p[8] != '-')
		return false;
	for (size_t i = 4; i < s.len; i++)
		if (i != 8 && (s.p[i] < '0' || s.p[i] > '9'))
			return false;
	return true;
}

/* A decimal number in [0, 1], the whole field. */
static bool prob(struct mmr_str s, double *ret)
{
	char buf[40];
	if (!s.len || s.len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') || s.p[i] == '.' || s.p[i] == 'e' ||
		      s.p[i] == 'E' || s.p[i] == '-' || s.p[i] == '+'))
			return false;
	memcpy(buf, s.p, s.len);
	buf[s.len] = 0;
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (errno || end != buf + s.len || !isfinite(d) || d < 0 || d > 1)
		return false;
	*ret = d;
	return true;
}

static int epss_csv(struct mmr_vulndb_sink *s, const char *path, const uint8_t *data, size_t len)
{
	struct mmr_lines it;
	struct mmr_str ln;
	mmr_lines_init(&it, data, len);
	bool header = false;
	int col_cve = 0, col_epss = 1, col_pct = 2;
	char cve[32];
	while (mmr_lines_next(&it, &ln)) {
		struct mmr_str t = mmr_str_trim(ln);
		if (!t.len || t.p[0] == '#')
			continue;
		if (t.len > MAX_ROW) {
			mmr_vulndb_reject(s, path, it.lineno, "row longer than %d bytes", MAX_ROW);
			continue;
		}
		struct mmr_str f[3];
		size_t nf = 0;
		const char *p = t.p, *end = t.p + t.len;
		for (;;) {
			const char *c = memchr(p, ',', (size_t)(end - p));
			if (nf < 3)
				f[nf] = mmr_str_trim(
					(struct mmr_str){ p, (size_t)((c ? c : end) - p) });
			nf++;
			if (!c)
				break;
			p = c + 1;
		}
		if (!header && nf == 3 && !cve_ok(f[0]) && !cve_ok(f[1]) && !cve_ok(f[2])) {
			/* header row: find the columns by name */
			header = true;
			col_cve = col_epss = col_pct = -1;
			for (int i = 0; i < 3; i++) {
				if (mmr_str_eqc(f[i], "cve"))
					col_cve = i;
				else if (mmr_str_eqc(f[i], "epss"))
					col_epss = i;
				else if (mmr_str_eqc(f[i], "percentile"))
					col_pct = i;
			}
			if (col_cve < 0 || col_epss < 0 || col_pct < 0)
				return -EBADMSG;
			continue;
		}
		header = true;
		double sc, pct;
		if (nf != 3) {
			mmr_vulndb_reject(s, path, it.lineno, "row does not have 3 fields");
			continue;
		}
		if (!cve_ok(f[col_cve])) {
			mmr_vulndb_reject(s, path, it.lineno, "not a CVE id");
			continue;
		}
		if (!prob(f[col_epss], &sc) || !prob(f[col_pct], &pct)) {
			mmr_vulndb_reject(s, path, it.lineno,
					  "score or percentile is not a number in [0, 1]");
			continue;
		}
		memcpy(cve, f[col_cve].p, f[col_cve].len);
		cve[f[col_cve].len] = 0;
		int r;
		if (s->epss && (r = s->epss(s->ud, cve, sc, pct)) < 0)
			return r;
		s->accepted++;
	}
	return 0;
}

static int epss_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		      const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	(void)a;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	int r = mmr_vulndb_gunzip(data, len, MAX_INFLATED, &raw, &rawlen, reterr, path);
	if (r < 0)
		return r;
	r = raw ? epss_csv(s, path, raw, rawlen) : epss_csv(s, path, data, data ? len : 0);
	free(raw);
	if (r == -EBADMSG)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0,
				     "not an EPSS CSV: the header must name cve, epss, percentile");
	return r;
}

static bool epss_detect(const char *path, const uint8_t *head, size_t len)
{
	const char *b = mmr_path_base(path ? path : "");
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return strstr(b, "epss") != NULL;
	if (len >= 14 && (memcmp(head, "#model_version", 14) == 0))
		return true;
	if (mmr_vulndb_head_has(head, len < 512 ? len : 512, "cve,epss,percentile"))
		return true;
	return false;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_epss = {
	.name = "epss",
	.description = "FIRST EPSS scores (CSV, optionally gzip-compressed)",
	.detect = epss_detect,
	.parse = epss_parse,
};
