/* test-vulndb-feed-rustsec.c - RustSec advisories: the JSON form in
 * corpora and the native Markdown + TOML form. */
#include "test-vulndb-feed-sink.h"

static void test_corpus(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(
		tsink_parse_corpus(&t, a, "rustsec", "vuln/native/rustsec.native.jsonl", NULL), 0);
	assert_int_equal(t.s.accepted, 1225);
	assert_int_equal(t.s.rejected, 0);
	assert_int_equal(t.affected.n, 1225 - 13); /* 13 withdrawn */

	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "RUSTSEC-2020-0105");
	assert_non_null(v);
	assert_string_equal(v->source, "rustsec");
	assert_string_equal(v->title, "Update unsound DrainFilter and RString::retain");
	assert_true(mmr_cstr_starts(v->description, "Affected versions of this crate"));
	assert_string_equal(v->published, "2020-12-21");
	assert_string_equal(v->cvss3_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
	assert_int_equal(v->n_aliases, 4);
	assert_true(tsink_has(v->aliases, v->n_aliases, "CVE-2020-36213"));
	assert_int_equal(v->n_references, 1);
	assert_string_equal(v->references[0], "https://github.com/rodrimati1992/abi_stable_crates/issues/44");
	const struct mmr_vuln_affected *x = tsink_aff(&t, "RUSTSEC-2020-0105", 0);
	assert_non_null(x);
	assert_string_equal(x->ecosystem, "crates.io");
	assert_string_equal(x->package, "abi_stable");
	assert_string_equal(x->scheme, "cargo");
	assert_string_equal(x->expr, "not:>= 0.9.1");
	assert_int_equal(x->n_ranges, 0);

	/* patched empty, no unaffected: every version */
	x = tsink_aff(&t, "RUSTSEC-2021-0120", 0);
	assert_non_null(x);
	assert_null(x->expr);
	assert_int_equal(x->n_ranges, 1);
	assert_string_equal(x->ranges[0].introduced, "0");
	assert_null(x->ranges[0].fixed);
	v = tsink_vuln_by_id(&t, "RUSTSEC-2021-0120");
	assert_string_equal(v->severity, "informational:unsound");

	/* toolchain advisory: patched and unaffected */
	x = tsink_aff(&t, "CVE-2021-28879", 0);
	assert_non_null(x);
	assert_string_equal(x->ecosystem, "rust");
	assert_string_equal(x->package, "std");
	assert_string_equal(x->expr, "not:>= 1.52.0;< 1.14.0");
	mmr_arena_free(a);
}

static const char md[] = "```toml\n"
			 "[advisory]\n"
			 "id = \"RUSTSEC-2099-0001\"\n"
			 "package = \"demo-crate\"\n"
			 "date = \"2099-01-02\"\n"
			 "aliases = [\"CVE-2099-1\", \"GHSA-aaaa-bbbb-cccc\"]\n"
			 "cvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\n"
			 "references = [\"https://example.invalid/a\"]\n"
			 "\n"
			 "[versions]\n"
			 "patched = [\">= 1.2.3, < 2.0.0\", \">= 2.0.1\"]\n"
			 "unaffected = [\"< 0.5.0\"]\n"
			 "```\n"
			 "\n"
			 "# Demo flaw in demo-crate\n"
			 "\n"
			 "Body text.\n";

static void test_markdown(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const struct mmr_vulndb_feed *f = mmr_vulndb_feed_detect(
		"crates/demo-crate/RUSTSEC-2099-0001.md", (const uint8_t *)md, sizeof(md) - 1);
	assert_non_null(f);
	assert_string_equal(f->name, "rustsec");
	assert_int_equal(tsink_parse_mem(&t, a, "rustsec", "crates/demo-crate/RUSTSEC-2099-0001.md",
					 md, NULL),
			 0);
	assert_int_equal(t.s.accepted, 1);
	const struct mmr_vuln *v = tsink_vuln_by_id(&t, "RUSTSEC-2099-0001");
	assert_non_null(v);
	assert_string_equal(v->title, "Demo flaw in demo-crate");
	assert_string_equal(v->description, "Body text.\n");
	assert_int_equal(v->n_aliases, 2);
	assert_int_equal(v->n_references, 1);
	const struct mmr_vuln_affected *x = tsink_aff(&t, "RUSTSEC-2099-0001", 0);
	assert_string_equal(x->ecosystem, "crates.io");
	assert_string_equal(x->expr, "not:>= 1.2.3, < 2.0.0;>= 2.0.1;< 0.5.0");
	mmr_arena_free(a);
}

static void test_malformed(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	const char *jl =
		"{\"advisory\":{\"id\":\"RUSTSEC-1\",\"package\":\"a\"},\"versions\":{\"patched\":[]}}\n"
		"{\"advisory\":{\"id\":\"RUSTSEC-2\"},\"versions\":{}}\n"
		"{\"advisory\":{\"id\":\"RUSTSEC-3\",\"package\":\"a\"},\"versions\":{\"patched\":\">=1\"}}\n"
		"{\"advisory\":{\"id\":\"RUSTSEC-4\",\"package\":\"a\"},\"versions\":{\"patched\":[\"a;b\"]}}\n"
		"{\"advisory\":{\"id\":\"RUSTSEC-5\",\"package\":\"a\",\"date\":5}}\n"
		"{\"advisory\":[]}\n"
		"not json\n"
		"{\"advisory\":{\"id\":\"RUSTSEC-6\",\"package\":\"b\"},\"versions\":{\"patched\":[\"^1.2\"]}}\n";
	assert_int_equal(tsink_parse_mem(&t, a, "rustsec", "r.jsonl", jl, NULL), 0);
	assert_int_equal(t.s.accepted, 2);
	assert_int_equal(t.s.rejected, 6);
	assert_string_equal(t.s.first_reject, "r.jsonl:2: RUSTSEC-2: advisory without a package");
	assert_string_equal(tsink_aff(&t, "RUSTSEC-6", 0)->expr, "not:^1.2");

	/* bad TOML: the advisory is rejected with its line */
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "rustsec", "x.md",
					 "```toml\n[advisory]\nid = \"X\"\nid = \"Y\"\n```\n# t\n", NULL),
			 0);
	assert_int_equal(t.s.rejected, 1);
	assert_true(mmr_cstr_starts(t.s.first_reject, "x.md:4: "));
	/* no front matter at all: not this format */
	struct mmr_error e = { 0 };
	assert_int_equal(tsink_parse_mem(&t, a, "rustsec", "y.md", "```toml\n[advisory]\n", &e),
			 -EBADMSG);
	assert_string_equal(e.file, "y.md");
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
