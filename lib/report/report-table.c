/* report-table.c - the human table (docs/cli/formats.md).
 *
 * One section per result: a header "target (type)", then a box-drawn table
 * of its packages sorted by name; a summary of counts per ecosystem; the
 * scan's warnings last. Column widths are display widths (wcwidth(); the
 * caller sets the locale, UTF-8 assumed); cells too wide for o->width are
 * cut on character boundaries and end in "…". Control characters, bidi
 * overrides and invalid UTF-8 from the scanned data are shown as '?', so a
 * hostile package name cannot drive the terminal.
 *
 * When the report has vulnerability findings, each result shows them
 * instead of its package list: counts per severity, a table Library |
 * Vulnerability (with a [KEV] badge) | Severity | Status | Installed |
 * Fixed | Title sorted by package then severity, and the suppressed ones
 * with their reason after it; the summary adds report-wide counts.
 *
 * The table engine (struct table) is generic; cells may carry a colour. */
#include "report/report.h"
#include "report/report-spdx.h"

#include "core/core-buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_COLS 8
#define MIN_COL 6

#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_BRED "\033[1;31m"
#define C_BLUE "\033[34m"
#define C_RESET "\033[0m"

/* ---- display width ----------------------------------------------------- */

/* Decode one UTF-8 character; returns its length (1-4) and the code point,
 * or length 1 and cp = -1 when the byte does not start a valid sequence. */
static size_t utf8_next(const unsigned char *s, int32_t *cp)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t n;
	int32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*cp = -1;
		return 1;
	}
	*cp = v;
	return n;
}

/* Characters we never pass to the terminal. */
static bool unsafe(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

/* East Asian wide ranges, for when wcwidth() knows nothing (C locale). */
static bool wide_fallback(int32_t cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	       (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/* Width of one decoded character as we print it (unsafe ones print '?'). */
static unsigned char_width(int32_t cp)
{
	if (cp < 0 || unsafe(cp))
		return 1;
	if (cp < 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	if (w >= 0)
		return (unsigned)w;
	return wide_fallback(cp) ? 2 : 1;
}

size_t mmr_report_display_width(const char *s)
{
	size_t w = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		int32_t cp;
		p += utf8_next(p, &cp);
		w += char_width(cp);
	}
	return w;
}

/* Append s to b in exactly `width` columns: cut with "…" when too wide
 * (never inside a character), padded with spaces. */
static void put_cell(struct mmr_buf *b, const char *s, size_t width)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	bool cut = mmr_report_display_width(s) > width;
	size_t room = cut ? (width ? width - 1 : 0) : width, used = 0;
	while (*p) {
		int32_t cp;
		size_t n = utf8_next(p, &cp);
		unsigned w = char_width(cp);
		if (used + w > room)
			break;
		if (cp < 0 || unsafe(cp))
			mmr_buf_addc(b, '?');
		else
			mmr_buf_add(b, p, n);
		used += w;
		p += n;
	}
	if (cut && width) {
		while (used < room) { /* a wide character did not fit */
			mmr_buf_addc(b, ' ');
			used++;
		}
		mmr_buf_adds(b, "…");
		used++;
	}
	for (; used < width; used++)
		mmr_buf_addc(b, ' ');
}

/* ---- generic table ----------------------------------------------------- */

struct table {
	size_t ncols;
	const char *titles[MAX_COLS];
	size_t min[MAX_COLS];      /* narrowest a column may be squeezed to */
	struct mmr_vec rows;       /* const char *[ncols] */
	struct mmr_arena *a;
};

/* A row: ncols cells, then ncols colours (ANSI sequences or NULL). */
static int table_row_c(struct table *t, const char *const *cells, const char *const *colors)
{
	const char **row = mmr_arena_calloc(t->a, 2 * t->ncols, sizeof(char *));
	if (!row)
		return -ENOMEM;
	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = cells[i] ? cells[i] : "";
		row[t->ncols + i] = colors ? colors[i] : NULL;
	}
	return mmr_vec_push(t->a, &t->rows, row);
}

static int table_row(struct table *t, const char *const *cells)
{
	return table_row_c(t, cells, NULL);
}

static void rule(struct mmr_buf *b, const size_t *w, size_t n, const char *l, const char *m,
		 const char *r)
{
	mmr_buf_adds(b, l);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i] + 2; k++)
			mmr_buf_adds(b, "─");
		mmr_buf_adds(b, i + 1 < n ? m : r);
	}
	mmr_buf_addc(b, '\n');
}

/* Fit the columns into `width` terminal columns: shrink the widest column
 * one step at a time down to its minimum, then, if that is not enough, down
 * to its title's width. */
static void fit(size_t *w, const size_t *min, const size_t *floor, size_t n, size_t width)
{
	size_t total = 1;
	for (size_t i = 0; i < n; i++)
		total += w[i] + 3;
	for (int pass = 0; pass < 2; pass++) {
		const size_t *lim = pass ? floor : min;
		while (total > width) {
			size_t best = n;
			for (size_t i = 0; i < n; i++)
				if (w[i] > lim[i] && (best == n || w[i] > w[best]))
					best = i;
			if (best == n)
				break;
			w[best]--;
			total--;
		}
	}
}

static int table_render(FILE *out, const struct table *t, size_t width, bool color)
{
	size_t w[MAX_COLS], min[MAX_COLS], floor[MAX_COLS];
	for (size_t i = 0; i < t->ncols; i++) {
		w[i] = mmr_report_display_width(t->titles[i]);
		floor[i] = w[i] > 3 ? w[i] : 3;
		min[i] = t->min[i] ? t->min[i] : MIN_COL;
		if (min[i] < w[i])
			min[i] = w[i];
		for (size_t r = 0; r < t->rows.n; r++) {
			const char *const *row = t->rows.v[r];
			size_t cw = mmr_report_display_width(row[i]);
			if (cw > w[i])
				w[i] = cw;
		}
		if (min[i] > w[i])
			min[i] = w[i];
		if (floor[i] > min[i])
			floor[i] = min[i];
	}
	fit(w, min, floor, t->ncols, width);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	rule(&b, w, t->ncols, "┌", "┬", "┐");
	mmr_buf_adds(&b, "│");
	for (size_t i = 0; i < t->ncols; i++) {
		mmr_buf_addc(&b, ' ');
		if (color)
			mmr_buf_adds(&b, C_BOLD);
		put_cell(&b, t->titles[i], w[i]);
		if (color)
			mmr_buf_adds(&b, C_RESET);
		mmr_buf_adds(&b, " │");
	}
	mmr_buf_addc(&b, '\n');
	rule(&b, w, t->ncols, "├", "┼", "┤");
	int ret = 0;
	for (size_t r = 0; r < t->rows.n; r++) {
		const char *const *row = t->rows.v[r];
		mmr_buf_adds(&b, "│");
		for (size_t i = 0; i < t->ncols; i++) {
			const char *col = color ? row[t->ncols + i] : NULL;
			mmr_buf_addc(&b, ' ');
			if (col)
				mmr_buf_adds(&b, col);
			put_cell(&b, row[i], w[i]);
			if (col)
				mmr_buf_adds(&b, C_RESET);
			mmr_buf_adds(&b, " │");
		}
		mmr_buf_addc(&b, '\n');
		if (b.len > (1 << 19)) { /* flush long tables as we go */
			if (fwrite(b.p, 1, b.len, out) != b.len)
				ret = -EIO;
			mmr_buf_reset(&b);
		}
	}
	rule(&b, w, t->ncols, "└", "┴", "┘");
	if (fwrite(b.p, 1, b.len, out) != b.len)
		ret = -EIO;
	mmr_buf_release(&b);
	return ret;
}

/* ---- package sections -------------------------------------------------- */

static int cmp_pkg(const void *x, const void *y)
{
	const struct mmr_package *a = *(const struct mmr_package *const *)x;
	const struct mmr_package *b = *(const struct mmr_package *const *)y;
	int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
	if (c)
		return c;
	c = strcmp(a->version ? a->version : "", b->version ? b->version : "");
	if (c)
		return c;
	return strcmp(a->file ? a->file : "", b->file ? b->file : "");
}

static const char *short_layer(struct mmr_arena *a, const char *diff_id)
{
	if (!diff_id || !*diff_id)
		return "";
	const char *c = strchr(diff_id, ':');
	const char *h = c ? c + 1 : diff_id;
	return mmr_arena_strndup(a, h, strnlen(h, 12));
}

static const char *join(struct mmr_arena *a, const struct mmr_vec *v, const char *sep)
{
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	for (size_t i = 0; i < v->n; i++) {
		if (!v->v[i])
			continue;
		if (b.len)
			mmr_buf_adds(&b, sep);
		mmr_buf_adds(&b, v->v[i]);
	}
	char *s = mmr_arena_strndup(a, b.p, b.len);
	mmr_buf_release(&b);
	return s;
}

/* Print s on its own line, sanitised (no cutting). */
static void put_line(struct mmr_buf *b, const char *s, const char *pre, const char *post)
{
	if (pre)
		mmr_buf_adds(b, pre);
	put_cell(b, s, mmr_report_display_width(s));
	if (post)
		mmr_buf_adds(b, post);
	mmr_buf_addc(b, '\n');
}

/* ---- vulnerability sections ------------------------------------------- */

struct vrow {
	const struct mmr_finding *f;
	const struct mmr_package *p;
	const char *name; /* package name (or id) */
};

static int cmp_vrow(const void *x, const void *y)
{
	const struct vrow *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	const char *ia = a->f->vuln && a->f->vuln->installed ? a->f->vuln->installed : "";
	const char *ib = b->f->vuln && b->f->vuln->installed ? b->f->vuln->installed : "";
	if ((c = strcmp(ia, ib)))
		return c;
	if (a->f->severity != b->f->severity)
		return a->f->severity > b->f->severity ? -1 : 1;
	return strcmp(a->f->rule_id ? a->f->rule_id : "", b->f->rule_id ? b->f->rule_id : "");
}

static const char *sev_color(enum mmr_severity s)
{
	switch (s) {
	case MMR_SEV_CRITICAL:
		return C_BRED;
	case MMR_SEV_HIGH:
		return C_RED;
	case MMR_SEV_MEDIUM:
		return C_YELLOW;
	case MMR_SEV_LOW:
		return C_BLUE;
	default:
		return C_DIM;
	}
}

/* "12 (CRITICAL: 1, HIGH: 4, MEDIUM: 5, LOW: 2, UNKNOWN: 0)"; INFO only
 * when there is one. */
static void sev_counts(struct mmr_buf *b, const size_t *count, size_t total)
{
	mmr_buf_addf(b, "%zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, LOW: %zu", total,
		     count[MMR_SEV_CRITICAL], count[MMR_SEV_HIGH], count[MMR_SEV_MEDIUM],
		     count[MMR_SEV_LOW]);
	if (count[MMR_SEV_INFO])
		mmr_buf_addf(b, ", INFO: %zu", count[MMR_SEV_INFO]);
	mmr_buf_addf(b, ", UNKNOWN: %zu)", count[MMR_SEV_UNKNOWN]);
}

static const char *first_line(struct mmr_arena *a, const char *s)
{
	if (!s)
		return "";
	size_t n = strcspn(s, "\r\n");
	return n == strlen(s) ? s : mmr_arena_strndup(a, s, n);
}

static int vuln_section(FILE *out, struct mmr_arena *a, const struct mmr_result *res, size_t width,
			bool color)
{
	struct mmr_map pkgs;
	mmr_map_init(&pkgs, a);
	for (size_t i = 0; i < res->packages.n; i++) {
		const struct mmr_package *p = res->packages.v[i];
		if (p->id && !mmr_map_has(&pkgs, p->id) && mmr_map_put(&pkgs, p->id, (void *)p) < 0)
			return -ENOMEM;
	}
	size_t n = res->findings.n, nopen = 0, nsup = 0, count[MMR_SEV_CRITICAL + 1] = { 0 };
	struct vrow *open = calloc(n + 1, sizeof(*open)), *sup = calloc(n + 1, sizeof(*sup));
	int ret = 0;
	if (!open || !sup) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const struct mmr_finding *f = res->findings.v[k];
		if (f->kind != MMR_FINDING_VULNERABILITY)
			continue;
		const struct mmr_package *p = f->loc.package ? mmr_map_get(&pkgs, f->loc.package) : NULL;
		struct vrow v = { f, p, p && p->name ? p->name : f->loc.package ? f->loc.package : "" };
		if (f->suppressed) {
			sup[nsup++] = v;
		} else {
			open[nopen++] = v;
			count[f->severity <= MMR_SEV_CRITICAL ? f->severity : MMR_SEV_UNKNOWN]++;
		}
	}
	qsort(open, nopen, sizeof(*open), cmp_vrow);
	qsort(sup, nsup, sizeof(*sup), cmp_vrow);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	mmr_buf_adds(&b, "Vulnerabilities: ");
	sev_counts(&b, count, nopen);
	mmr_buf_addc(&b, '\n');
	if (nsup)
		mmr_buf_addf(&b, "%zu suppressed (listed after the table)\n", nsup);
	mmr_buf_addc(&b, '\n');
	ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	if (ret < 0 || (!nopen && !nsup))
		goto out;
	if (nopen) {
		struct table t = { .ncols = 7,
				   .titles = { "Library", "Vulnerability", "Severity", "Status",
					       "Installed", "Fixed", "Title" },
				   .min = { 10, 16, 8, 6, 9, 9, 12 },
				   .a = a };
		for (size_t i = 0; i < nopen && ret == 0; i++) {
			const struct mmr_finding *f = open[i].f;
			const struct mmr_vuln_info *v = f->vuln;
			bool kev = v && v->kev;
			const char *id = f->rule_id ? f->rule_id : "";
			const char *inst = v && v->installed ? v->installed :
					   open[i].p ? mmr_package_full_version(a, open[i].p) :
						       "";
			const char *cells[7] = {
				open[i].name,
				kev ? mmr_arena_printf(a, "%s [KEV]", id) : id,
				mmr_severity_name(f->severity),
				v && v->status ? v->status : "",
				inst,
				v ? join(a, &v->fixed, ", ") : (f->fix ? f->fix : ""),
				f->title && *f->title ? f->title :
							first_line(a, v ? v->description : NULL),
			};
			const char *colors[7] = { NULL, kev ? C_BRED : NULL, sev_color(f->severity) };
			ret = table_row_c(&t, cells, colors);
		}
		if (ret == 0)
			ret = table_render(out, &t, width, color);
		if (ret == 0 && fputc('\n', out) == EOF)
			ret = -EIO;
	}
	if (nsup && ret == 0) {
		if (fprintf(out, "%sSuppressed:%s\n", color ? C_DIM : "", color ? C_RESET : "") < 0) {
			ret = -EIO;
			goto out;
		}
		struct table t = { .ncols = 5,
				   .titles = { "Library", "Vulnerability", "Severity", "Installed",
					       "Reason" },
				   .min = { 10, 16, 8, 9, 16 },
				   .a = a };
		for (size_t i = 0; i < nsup && ret == 0; i++) {
			const struct mmr_finding *f = sup[i].f;
			const char *cells[5] = {
				sup[i].name,
				f->rule_id,
				mmr_severity_name(f->severity),
				f->vuln && f->vuln->installed ? f->vuln->installed : "",
				f->suppressed_by,
			};
			ret = table_row(&t, cells);
		}
		if (ret == 0)
			ret = table_render(out, &t, width, color);
		if (ret == 0 && fputc('\n', out) == EOF)
			ret = -EIO;
	}
out:
	free(open);
	free(sup);
	return ret;
}

static bool has_vulns(const struct mmr_report *r)
{
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++)
			if (((const struct mmr_finding *)res->findings.v[k])->kind ==
			    MMR_FINDING_VULNERABILITY)
				return true;
	}
	return false;
}

static int vuln_summary(FILE *out, const struct mmr_report *r, bool color)
{
	size_t count[MMR_SEV_CRITICAL + 1] = { 0 }, total = 0, sup = 0, kev = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (f->kind != MMR_FINDING_VULNERABILITY)
				continue;
			if (f->suppressed) {
				sup++;
				continue;
			}
			count[f->severity <= MMR_SEV_CRITICAL ? f->severity : MMR_SEV_UNKNOWN]++;
			total++;
			kev += f->vuln && f->vuln->kev;
		}
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	if (color)
		mmr_buf_adds(&b, C_BOLD);
	mmr_buf_adds(&b, "Vulnerabilities: ");
	sev_counts(&b, count, total);
	if (kev)
		mmr_buf_addf(&b, ", %zu in CISA KEV", kev);
	if (sup)
		mmr_buf_addf(&b, ", %zu suppressed", sup);
	if (color)
		mmr_buf_adds(&b, C_RESET);
	mmr_buf_addc(&b, '\n');
	int ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	return ret;
}

static int cmp_finding_row(const void *x, const void *y)
{
	const struct mmr_finding *a = *(const struct mmr_finding *const *)x;
	const struct mmr_finding *b = *(const struct mmr_finding *const *)y;
	if (a->suppressed != b->suppressed)
		return a->suppressed ? 1 : -1;
	if (a->loc.line_start != b->loc.line_start)
		return a->loc.line_start < b->loc.line_start ? -1 : 1;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	return strcmp(a->rule_id ? a->rule_id : "", b->rule_id ? b->rule_id : "");
}

/* Results of content scanners (secret, malware, misconfiguration): one row
 * per finding, in file order, suppressed ones last with their reason. */
static int findings_section(FILE *out, struct mmr_arena *a, const struct mmr_report *r,
			    const struct mmr_result *res, size_t width, bool color)
{
	size_t n = res->findings.n, nopen = 0, count[MMR_SEV_CRITICAL + 1] = { 0 };
	const struct mmr_finding **rows = malloc((n + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		rows[k] = res->findings.v[k];
		if (!rows[k]->suppressed) {
			nopen++;
			count[rows[k]->severity <= MMR_SEV_CRITICAL ? rows[k]->severity : 0]++;
		}
	}
	qsort(rows, n, sizeof(*rows), cmp_finding_row);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	const char *head = mmr_arena_printf(a, "%s (%s)", *res->target ? res->target : "-",
					    res->type);
	put_line(&b, head, color ? C_BOLD : NULL, color ? C_RESET : NULL);
	for (size_t i = mmr_report_display_width(head); i > 0; i--)
		mmr_buf_addc(&b, '=');
	mmr_buf_adds(&b, "\nFindings: ");
	sev_counts(&b, count, nopen);
	if (n > nopen)
		mmr_buf_addf(&b, ", %zu suppressed", n - nopen);
	mmr_buf_adds(&b, "\n\n");
	int ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	bool layers = r->asset.kind == MMR_ASSET_IMAGE;
	struct table t = { .ncols = layers ? 6 : 5,
			   .titles = { "Rule", "Severity", "Line", "Title", "Evidence", "Layer" },
			   .min = { 12, 8, 4, 12, 10, 12 },
			   .a = a };
	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct mmr_finding *f = rows[i];
		const char *line = f->loc.line_start ?
					   (f->loc.col ? mmr_arena_printf(a, "%lu:%lu", f->loc.line_start,
									  f->loc.col) :
							 mmr_arena_printf(a, "%lu", f->loc.line_start)) :
					   "";
		const char *ev = f->suppressed ? mmr_arena_printf(a, "suppressed: %s",
								   f->suppressed_by ? f->suppressed_by : "")
					       : (f->evidence ? f->evidence : "");
		const char *cells[6] = { f->rule_id ? f->rule_id : "", mmr_severity_name(f->severity),
					 line, f->title ? f->title : "", ev,
					 short_layer(a, f->loc.layer) };
		const char *colors[6] = { NULL, f->suppressed ? NULL : sev_color(f->severity) };
		ret = table_row_c(&t, cells, colors);
	}
	free(rows);
	if (ret == 0 && n)
		ret = table_render(out, &t, width, color);
	if (ret == 0 && fputc('\n', out) == EOF)
		ret = -EIO;
	return ret;
}

static int packages_section(FILE *out, struct mmr_arena *a, const struct mmr_report *r,
			    const struct mmr_result *res, size_t width, bool color, bool vulns)
{
	if (strcmp(res->class, "os-pkgs") != 0 && strcmp(res->class, "lang-pkgs") != 0)
		return findings_section(out, a, r, res, width, color);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	const char *kind = res->type;
	if (strcmp(res->class, "os-pkgs") == 0 && r->asset.os.family && *r->asset.os.family)
		kind = r->asset.os.family;
	const char *head = mmr_arena_printf(a, "%s (%s)", res->target, kind);
	put_line(&b, head, color ? C_BOLD : NULL, color ? C_RESET : NULL);
	for (size_t i = mmr_report_display_width(head); i > 0; i--)
		mmr_buf_addc(&b, '=');
	mmr_buf_addf(&b, "\nTotal: %zu package%s\n\n", res->packages.n,
		     res->packages.n == 1 ? "" : "s");
	int ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	if (ret == 0 && vulns) /* vulnerabilities replace the package list */
		return vuln_section(out, a, res, width, color);
	if (ret < 0 || !res->packages.n)
		return ret;

	bool layers = false;
	for (size_t i = 0; i < res->packages.n && !layers; i++)
		layers = ((const struct mmr_package *)res->packages.v[i])->layer != NULL;
	layers = layers && r->asset.kind == MMR_ASSET_IMAGE;
	struct table t = { .ncols = layers ? 5 : 4,
			   .titles = { "Package", "Version", "Type", "Licences", "Layer" },
			   .min = { 12, 10, 6, 8, 12 },
			   .a = a };
	const struct mmr_package **sorted = malloc(res->packages.n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, res->packages.v, res->packages.n * sizeof(*sorted));
	qsort(sorted, res->packages.n, sizeof(*sorted), cmp_pkg);
	for (size_t i = 0; i < res->packages.n && ret == 0; i++) {
		const struct mmr_package *p = sorted[i];
		const char *type = mmr_ecosystem_id(p->eco);
		if (p->dev)
			type = mmr_arena_printf(a, "%s (dev)", type);
		const char *cells[5] = { p->name, mmr_package_full_version(a, p), type,
					 join(a, &p->licenses, ", "), short_layer(a, p->layer) };
		ret = table_row(&t, cells);
	}
	free(sorted);
	if (ret == 0)
		ret = table_render(out, &t, width, color);
	if (ret == 0 && fputc('\n', out) == EOF)
		ret = -EIO;
	return ret;
}

static int summary(FILE *out, const struct mmr_report *r, bool color)
{
	size_t count[MMR_ECO__COUNT] = { 0 }, total = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t j = 0; j < res->packages.n; j++) {
			const struct mmr_package *p = res->packages.v[j];
			count[p->eco < MMR_ECO__COUNT ? p->eco : MMR_ECO_UNKNOWN]++;
			total++;
		}
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	if (color)
		mmr_buf_adds(&b, C_BOLD);
	mmr_buf_addf(&b, "Summary: %zu package%s in %zu target%s", total, total == 1 ? "" : "s",
		     r->results.n, r->results.n == 1 ? "" : "s");
	const char *sep = " (";
	for (int e = 1; e <= MMR_ECO__COUNT; e++) {
		int k = e == MMR_ECO__COUNT ? MMR_ECO_UNKNOWN : e; /* unknown last */
		if (!count[k])
			continue;
		mmr_buf_addf(&b, "%s%s: %zu", sep, mmr_ecosystem_id((enum mmr_ecosystem)k),
			     count[k]);
		sep = ", ";
	}
	if (strcmp(sep, ", ") == 0)
		mmr_buf_addc(&b, ')');
	if (color)
		mmr_buf_adds(&b, C_RESET);
	mmr_buf_addc(&b, '\n');
	int ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	return ret;
}

static int warnings(FILE *out, const struct mmr_report *r, bool color)
{
	if (!r->diags.n)
		return 0;
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 22);
	mmr_buf_addf(&b, "\n%sWarnings:%s\n", color ? C_YELLOW : "", color ? C_RESET : "");
	for (size_t i = 0; i < r->diags.n; i++) {
		const struct mmr_diag *d = r->diags.v[i];
		mmr_buf_adds(&b, "  - ");
		if (d->where && *d->where) {
			put_cell(&b, d->where, mmr_report_display_width(d->where));
			mmr_buf_adds(&b, ": ");
		}
		put_line(&b, d->message, NULL, NULL);
	}
	int ret = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -EIO;
	mmr_buf_release(&b);
	return ret;
}

int mmr_report_write_table(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o)
{
	size_t width = o && o->width ? o->width : 120;
	bool color = o && o->color;
	if (width < 40)
		width = 40;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	int ret = 0;
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	const struct mmr_asset *as = &r->asset;
	mmr_buf_addf(&b, "%s: ", mmr_asset_kind_name(as->kind));
	put_cell(&b, as->name, mmr_report_display_width(as->name));
	if (as->os.name && *as->os.name) {
		const char *os = mmr_arena_printf(a, " (%s %s)", as->os.name,
						  as->os.version ? as->os.version : "");
		put_cell(&b, os, mmr_report_display_width(os));
	}
	mmr_buf_adds(&b, "\n\n");
	if (fwrite(b.p, 1, b.len, out) != b.len)
		ret = -EIO;
	mmr_buf_release(&b);
	bool vulns = has_vulns(r);
	for (size_t i = 0; i < r->results.n && ret == 0; i++)
		ret = packages_section(out, a, r, r->results.v[i], width, color, vulns);
	if (ret == 0 && !r->results.n && fputs("No packages found.\n\n", out) == EOF)
		ret = -EIO;
	if (ret == 0)
		ret = summary(out, r, color);
	if (ret == 0 && vulns)
		ret = vuln_summary(out, r, color);
	if (ret == 0)
		ret = warnings(out, r, color);
	if (ret == 0 && (fflush(out) == EOF || ferror(out)))
		ret = -EIO;
	mmr_arena_free(a);
	return ret;
}
