/* report-junit.c - JUnit XML writer for CI systems (docs/cli/formats.md).
 *
 * <testsuites> holds one <testsuite> per result (target); each package of
 * the result is a <testcase> (classname the target, name "name@version").
 * A package with vulnerability findings that are not suppressed fails:
 * <failure message="ids" type="highest severity"> with one line per
 * finding. Suppressed findings are listed in the test case's <system-out>
 * and do not fail it. There are no errors.
 *
 * Everything from scanned data is escaped for XML 1.0: & < > " ' as
 * entities; in attributes also tab/CR/LF as character references;
 * characters XML 1.0 forbids (C0 controls, U+FFFE/U+FFFF) and bytes that
 * are not valid UTF-8 become U+FFFD, so the document always parses. */
#include "report/report.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-vec.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 sequence at s; returns its length and sets *cp, or
 * returns 1 with *cp = -1 when invalid. */
static size_t utf8_dec(const unsigned char *s, int32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	int32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
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

/* Append s escaped for XML text (attr false) or a double-quoted attribute. */
static void xml_esc(struct mmr_buf *b, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		int32_t cp;
		size_t n = utf8_dec(p, &cp);
		if (cp == '&')
			mmr_buf_adds(b, "&amp;");
		else if (cp == '<')
			mmr_buf_adds(b, "&lt;");
		else if (cp == '>')
			mmr_buf_adds(b, "&gt;");
		else if (cp == '"')
			mmr_buf_adds(b, "&quot;");
		else if (cp == '\'')
			mmr_buf_adds(b, "&apos;");
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			attr ? mmr_buf_addf(b, "&#%d;", (int)cp) : mmr_buf_addc(b, (char)cp);
		else if (cp < 0x20 || cp == 0xfffe || cp == 0xffff) /* also cp == -1 */
			mmr_buf_adds(b, "\xef\xbf\xbd");
		else
			mmr_buf_add(b, p, n);
		p += n;
	}
}

static void attr(struct mmr_buf *b, const char *name, const char *v)
{
	mmr_buf_addf(b, " %s=\"", name);
	xml_esc(b, v, true);
	mmr_buf_addc(b, '"');
}

static void attr_n(struct mmr_buf *b, const char *name, size_t v)
{
	mmr_buf_addf(b, " %s=\"%zu\"", name, v);
}

struct pkg_findings {
	struct mmr_vec open, suppressed; /* const struct mmr_finding * */
};

static int flush(struct mmr_buf *b, FILE *out)
{
	int ret = fwrite(b->p, 1, b->len, out) == b->len ? 0 : -EIO;
	mmr_buf_reset(b);
	return ret;
}

static void finding_line(struct mmr_buf *b, struct mmr_arena *a, const struct mmr_finding *f)
{
	const struct mmr_vuln_info *v = f->vuln;
	mmr_buf_addc(b, '[');
	xml_esc(b, mmr_severity_name(f->severity), false);
	mmr_buf_adds(b, "] ");
	xml_esc(b, f->rule_id, false);
	if (v && v->kev)
		mmr_buf_adds(b, " (KEV)");
	if (v) {
		mmr_buf_adds(b, ": installed ");
		xml_esc(b, v->installed, false);
		if (v->fixed.n) {
			mmr_buf_adds(b, ", fixed in ");
			for (size_t i = 0; i < v->fixed.n; i++) {
				if (i)
					mmr_buf_adds(b, ", ");
				xml_esc(b, v->fixed.v[i], false);
			}
		} else {
			mmr_buf_adds(b, ", no fix");
		}
	}
	if (f->title && *f->title) {
		mmr_buf_adds(b, " - ");
		xml_esc(b, f->title, false);
	}
	if (f->suppressed) {
		mmr_buf_adds(b, " [suppressed: ");
		xml_esc(b, f->suppressed_by ? f->suppressed_by : "", false);
		mmr_buf_addc(b, ']');
	}
	if (f->references.n && f->references.v[0]) {
		mmr_buf_adds(b, " ");
		xml_esc(b, f->references.v[0], false);
	}
	mmr_buf_addc(b, '\n');
	(void)a;
}

static int suite(struct mmr_buf *b, FILE *out, struct mmr_arena *a, const struct mmr_report *r,
		 const struct mmr_result *res, const char *timestamp)
{
	/* findings per package id, in package order */
	struct mmr_map by_id;
	mmr_map_init(&by_id, a);
	struct pkg_findings *pf = mmr_arena_calloc(a, res->packages.n + 1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	for (size_t i = 0; i < res->packages.n; i++) {
		const struct mmr_package *p = res->packages.v[i];
		if (p->id && !mmr_map_has(&by_id, p->id) && mmr_map_put(&by_id, p->id, &pf[i]) < 0)
			return -ENOMEM;
	}
	struct pkg_findings orphans = { 0 }; /* findings on no known package */
	size_t failures = 0;
	for (size_t k = 0; k < res->findings.n; k++) {
		const struct mmr_finding *f = res->findings.v[k];
		struct pkg_findings *t = f->loc.package ? mmr_map_get(&by_id, f->loc.package) : NULL;
		if (!t)
			t = &orphans;
		if (mmr_vec_push(a, f->suppressed ? &t->suppressed : &t->open, (void *)f) < 0)
			return -ENOMEM;
	}
	size_t tests = res->packages.n + (orphans.open.n || orphans.suppressed.n ? 1 : 0);
	for (size_t i = 0; i < res->packages.n; i++)
		failures += pf[i].open.n > 0;
	failures += orphans.open.n > 0;

	mmr_buf_adds(b, "  <testsuite");
	attr(b, "name", res->target);
	attr_n(b, "tests", tests);
	attr_n(b, "failures", failures);
	attr_n(b, "errors", 0);
	attr_n(b, "skipped", 0);
	attr(b, "time", "0");
	if (timestamp)
		attr(b, "timestamp", timestamp);
	mmr_buf_adds(b, ">\n    <properties>\n");
	const char *props[][2] = { { "type", res->type },
				   { "class", res->class },
				   { "artifact", r->asset.name } };
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (!props[i][1])
			continue;
		mmr_buf_adds(b, "      <property");
		attr(b, "name", props[i][0]);
		attr(b, "value", props[i][1]);
		mmr_buf_adds(b, "/>\n");
	}
	mmr_buf_adds(b, "    </properties>\n");
	for (size_t i = 0; i <= res->packages.n; i++) {
		const struct pkg_findings *t = i < res->packages.n ? &pf[i] : &orphans;
		const char *name;
		if (i < res->packages.n) {
			const struct mmr_package *p = res->packages.v[i];
			const char *fv = mmr_package_full_version(a, p);
			name = fv && *fv ? mmr_arena_printf(a, "%s@%s", p->name ? p->name : "", fv) :
					   p->name;
		} else {
			if (!t->open.n && !t->suppressed.n)
				break;
			name = "(findings without a package)";
		}
		mmr_buf_adds(b, "    <testcase");
		attr(b, "classname", res->target);
		attr(b, "name", name);
		attr(b, "time", "0");
		if (!t->open.n && !t->suppressed.n) {
			mmr_buf_adds(b, "/>\n");
		} else {
			mmr_buf_adds(b, ">\n");
			if (t->open.n) {
				enum mmr_severity worst = MMR_SEV_UNKNOWN;
				struct mmr_buf ids;
				mmr_buf_init(&ids, 1 << 20);
				for (size_t k = 0; k < t->open.n; k++) {
					const struct mmr_finding *f = t->open.v[k];
					if (f->severity > worst)
						worst = f->severity;
					if (k)
						mmr_buf_adds(&ids, ", ");
					mmr_buf_adds(&ids, f->rule_id ? f->rule_id : "?");
				}
				mmr_buf_adds(b, "      <failure");
				attr(b, "message", ids.p);
				attr(b, "type", mmr_severity_name(worst));
				mmr_buf_adds(b, ">");
				mmr_buf_release(&ids);
				for (size_t k = 0; k < t->open.n; k++)
					finding_line(b, a, t->open.v[k]);
				mmr_buf_adds(b, "</failure>\n");
			}
			if (t->suppressed.n) {
				mmr_buf_adds(b, "      <system-out>");
				for (size_t k = 0; k < t->suppressed.n; k++)
					finding_line(b, a, t->suppressed.v[k]);
				mmr_buf_adds(b, "</system-out>\n");
			}
			mmr_buf_adds(b, "    </testcase>\n");
		}
		if (b->len > (1 << 19) && flush(b, out) < 0)
			return -EIO;
	}
	mmr_buf_adds(b, "  </testsuite>\n");
	return flush(b, out);
}

int mmr_report_write_junit(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o)
{
	(void)o;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	struct mmr_buf b;
	mmr_buf_init(&b, (size_t)1 << 26);
	size_t tests = 0, failures = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		struct mmr_map fail, ids;
		mmr_map_init(&fail, a);
		mmr_map_init(&ids, a);
		bool orphan_fail = false, orphan_any = false;
		for (size_t j = 0; res->findings.n && j < res->packages.n; j++) {
			const struct mmr_package *p = res->packages.v[j];
			if (p->id && mmr_map_put(&ids, p->id, (void *)1) < 0) {
				mmr_buf_release(&b);
				mmr_arena_free(a);
				return -ENOMEM;
			}
		}
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			bool known = f->loc.package && mmr_map_has(&ids, f->loc.package);
			if (!known) {
				orphan_any = true;
				orphan_fail |= !f->suppressed;
			} else if (!f->suppressed && !mmr_map_has(&fail, f->loc.package)) {
				mmr_map_put(&fail, f->loc.package, (void *)1);
			}
		}
		tests += res->packages.n + orphan_any;
		failures += fail.n + orphan_fail;
	}
	mmr_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(&b, "name", r->asset.name ? r->asset.name : "mamori");
	attr_n(&b, "tests", tests);
	attr_n(&b, "failures", failures);
	attr_n(&b, "errors", 0);
	attr(&b, "time", "0");
	mmr_buf_adds(&b, ">\n");
	int ret = flush(&b, out);
	for (size_t i = 0; i < r->results.n && ret == 0; i++)
		ret = suite(&b, out, a, r, r->results.v[i], r->created);
	if (ret == 0) {
		mmr_buf_adds(&b, "</testsuites>\n");
		ret = flush(&b, out);
	}
	if (ret == 0 && (fflush(out) == EOF || ferror(out)))
		ret = -EIO;
	mmr_buf_release(&b);
	mmr_arena_free(a);
	return ret;
}
