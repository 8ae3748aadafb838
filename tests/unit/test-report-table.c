/* test-report-table.c - the human table: display widths (wide and combining
 * characters), alignment, truncation on character boundaries, sorting,
 * escaping of control characters, colours, summary and warnings. */
#include "test-util.h"

#include "report/report-spdx.h"
#include "report/report.h"

#include "core/core-buf.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct mmr_package *pkg(struct mmr_report *r, struct mmr_result *res, enum mmr_ecosystem eco,
			       const char *name, const char *version, const char *lic)
{
	struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
	assert_non_null(p);
	p->eco = eco;
	p->name = name;
	p->version = version;
	if (lic)
		mmr_vec_push(r->arena, &p->licenses, (void *)lic);
	assert_int_equal(mmr_vec_push(r->arena, &res->packages, p), 0);
	assert_int_equal(mmr_package_finish(r->arena, p, NULL), 0);
	return p;
}

/* noinline: gcc -O3 otherwise takes the result for a pointer to the local
 * `buf` (a -Wdangling-pointer false positive with open_memstream). */
__attribute__((noinline)) static char *render(const struct mmr_report *r, unsigned width, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct mmr_report_opts o = { .width = width, .color = color };
	assert_int_equal(mmr_report_write_table(r, f, &o), 0);
	fclose(f);
	return buf;
}

static bool table_line(const char *l)
{
	return strncmp(l, "┌", 3) == 0 || strncmp(l, "├", 3) == 0 || strncmp(l, "│", 3) == 0 ||
	       strncmp(l, "└", 3) == 0;
}

/* Check that every table (run of box lines) has lines of one display
 * width, at most max; returns the number of table lines. */
static size_t check_tables(const char *out, size_t max)
{
	size_t n = 0, w = 0;
	bool in = false;
	char line[4096];
	for (const char *p = out; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		assert_true(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = 0;
		p += len + (e ? 1 : 0);
		if (!table_line(line)) {
			in = false;
			continue;
		}
		size_t lw = mmr_report_display_width(line);
		if (!in)
			w = lw;
		if (lw != w)
			print_error("ragged line (%zu vs %zu): %s\n", lw, w, line);
		assert_int_equal(lw, w);
		assert_true(lw <= max);
		in = true;
		n++;
	}
	return n;
}

static void test_width(void **state)
{
	assert_int_equal(mmr_report_display_width("abc"), 3);
	assert_int_equal(mmr_report_display_width(""), 0);
	assert_int_equal(mmr_report_display_width(NULL), 0);
	assert_int_equal(mmr_report_display_width("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 6);
	assert_int_equal(mmr_report_display_width("\xc3\xa9"), 1);        /* é */
	assert_int_equal(mmr_report_display_width("e\xcc\x81"), 1);       /* e + combining acute */
	assert_int_equal(mmr_report_display_width("\xef\xbc\xa1"), 2);     /* fullwidth A */
	assert_int_equal(mmr_report_display_width("\x1b[31m"), 5);         /* ESC shown as '?' */
	assert_int_equal(mmr_report_display_width("\xff\xfe"), 2);         /* invalid bytes */
	assert_int_equal(mmr_report_display_width("\xe2\x80\xae"), 1);     /* RLO shown as '?' */
	assert_int_equal(mmr_report_display_width("\xe6\x97"), 2);         /* cut sequence */
}

static struct mmr_report *sample(void)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_FS;
	r->asset.name = "proj";
	struct mmr_result *res = mmr_report_result(r, "app/package-lock.json", "lang-pkgs", "npm");
	pkg(r, res, MMR_ECO_NPM, "zeta", "1.0.0", "MIT");
	pkg(r, res, MMR_ECO_NPM, "alpha", "2.0.0",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\xa9\xe3\x82\xa4\xe3\x82\xbb"
	    "\xe3\x83\xb3\xe3\x82\xb9"); /* 日本語のライセンス */
	struct mmr_package *d = pkg(r, res, MMR_ECO_NPM, "m\xc3\xa9lange", "0.1.0", NULL);
	d->dev = true;
	mmr_vec_push(r->arena, &d->licenses, (void *)"Apache-2.0");
	mmr_vec_push(r->arena, &d->licenses, (void *)"BSD-3-Clause");
	return r;
}

static void test_layout(void **state)
{
	struct mmr_report *r = sample();
	char *out = render(r, 0, false);
	/* header, totals, sorted rows, summary */
	assert_non_null(strstr(out, "filesystem: proj\n"));
	assert_non_null(strstr(out, "app/package-lock.json (npm)\n===========================\n"));
	assert_non_null(strstr(out, "Total: 3 packages\n"));
	const char *a = strstr(out, "\xe2\x94\x82 alpha "), *m = strstr(out, "m\xc3\xa9lange"),
		   *z = strstr(out, "\xe2\x94\x82 zeta ");
	assert_non_null(a);
	assert_non_null(m);
	assert_non_null(z);
	assert_true(a < m && m < z);
	assert_non_null(strstr(out, "npm (dev)"));
	assert_non_null(strstr(out, "Apache-2.0, BSD-3-Clause"));
	assert_non_null(strstr(out, "\n\xe2\x94\x82 Package "));
	assert_null(strstr(out, "Layer"));
	assert_non_null(strstr(out, "Summary: 3 packages in 1 target (npm: 3)\n"));
	assert_null(strchr(out, '\033'));
	/* the Japanese licence is 18 columns: all lines line up */
	assert_int_equal(check_tables(out, 120), 7);
	free(out);
	mmr_report_free(r);
}

static void test_truncate(void **state)
{
	struct mmr_report *r = sample();
	struct mmr_result *res = r->results.v[0];
	/* a licence far wider than the terminal, of wide characters */
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	for (int i = 0; i < 40; i++)
		mmr_buf_adds(&b, "\xe6\x97\xa5\xe6\x9c\xac");
	pkg(r, res, MMR_ECO_NPM, "beta", "1.0.0", mmr_arena_strdup(r->arena, b.p));
	mmr_buf_release(&b);
	for (unsigned width = 40; width <= 61; width++) {
		char *out = render(r, width, false);
		/* valid UTF-8 throughout: no sequence cut in half */
		assert_true(mbstowcs(NULL, out, 0) != (size_t)-1);
		assert_non_null(strstr(out, "\xe2\x80\xa6")); /* … */
		assert_int_equal(check_tables(out, width), 8);
		free(out);
	}
	mmr_report_free(r);
}

static void test_hostile(void **state)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_FS;
	r->asset.name = "p\033]0;pwned\007";
	struct mmr_result *res = mmr_report_result(r, "x\033[2J/package-lock.json", "lang-pkgs", "npm");
	pkg(r, res, MMR_ECO_NPM, "evil\033[31m\xe2\x80\xae", "1\n2", "\xc2\x9b" "31m");
	pkg(r, res, MMR_ECO_NPM, "bad\xff", "1", NULL);
	mmr_report_diag(r, "layer \033x", "bad \033[1m thing");
	char *out = render(r, 0, false);
	assert_null(strchr(out, '\033'));
	assert_null(strstr(out, "\xe2\x80\xae"));
	assert_null(strstr(out, "\xc2\x9b"));
	assert_null(strchr(out, '\007'));
	assert_null(strchr(out, '\xff'));
	assert_non_null(strstr(out, "evil?[31m?"));
	assert_non_null(strstr(out, "1?2"));
	assert_non_null(strstr(out, "Warnings:\n  - layer ?x: bad ?[1m thing\n"));
	assert_true(mbstowcs(NULL, out, 0) != (size_t)-1);
	check_tables(out, 120);
	free(out);
	mmr_report_free(r);
}

static void test_image_color(void **state)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_IMAGE;
	r->asset.name = "alpine:3.19";
	r->asset.os.family = "alpine";
	r->asset.os.name = "alpine";
	r->asset.os.version = "3.19.1";
	struct mmr_result *res = mmr_report_result(r, "alpine 3.19.1", "os-pkgs", "apk");
	struct mmr_package *p = pkg(r, res, MMR_ECO_APK, "musl", "1.2.4-r2", "MIT");
	p->layer = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	pkg(r, res, MMR_ECO_APK, "busybox", "1.36.1-r15", "GPL-2.0-only");
	mmr_report_diag(r, "layer sha256:01", "unreadable file");
	char *out = render(r, 0, true);
	assert_non_null(strstr(out, "alpine 3.19.1 (alpine)"));
	assert_non_null(strstr(out, "Layer"));
	assert_non_null(strstr(out, " 0123456789ab "));
	assert_null(strstr(out, "0123456789abc "));
	assert_non_null(strstr(out, "\033[1m"));
	assert_non_null(strstr(out, "Warnings:"));
	assert_non_null(strstr(out, "unreadable file"));
	free(out);
	out = render(r, 0, false);
	assert_null(strchr(out, '\033'));
	assert_true(strstr(out, "busybox") < strstr(out, "musl"));
	free(out);
	mmr_report_free(r);
}

static void test_empty_and_error(void **state)
{
	struct mmr_report *r = mmr_report_new();
	r->asset.kind = MMR_ASSET_FS;
	r->asset.name = "empty";
	char *out = render(r, 0, false);
	assert_non_null(strstr(out, "No packages found."));
	assert_non_null(strstr(out, "Summary: 0 packages in 0 targets\n"));
	free(out);
	FILE *f = fopen("/dev/full", "we");
	if (f) {
		struct mmr_report_opts o = { 0 };
		assert_int_equal(mmr_report_write_table(r, f, &o), -EIO);
		fclose(f);
	}
	mmr_report_free(r);
}

int main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "en_US.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),	     cmocka_unit_test(test_layout),
		cmocka_unit_test(test_truncate),     cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_image_color),  cmocka_unit_test(test_empty_and_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
