/* test-core-toml.c - the TOML 1.0 parser on tricky documents. */
#include "test-util.h"

#include "core/core-toml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *ok(const char *doc)
{
	json_t *j = NULL;
	struct mmr_error e = { 0 };
	int r = mmr_toml_parse(doc, strlen(doc), "t.toml", 0, &j, &e);
	if (r < 0)
		print_error("unexpected error: %lu:%lu: %s\n", e.line, e.col, e.msg);
	assert_int_equal(r, 0);
	return j;
}

static void bad(const char *doc, unsigned long line)
{
	json_t *j = NULL;
	struct mmr_error e = { 0 };
	int r = mmr_toml_parse(doc, strlen(doc), "t.toml", 0, &j, &e);
	if (r == 0)
		print_error("accepted invalid document:\n%s\n", doc);
	assert_int_equal(r, -EBADMSG);
	assert_null(j);
	assert_string_equal(e.file, "t.toml");
	if (e.line != line)
		print_error("error %s at line %lu, wanted %lu\n", e.msg, e.line, line);
	assert_int_equal(e.line, line);
}

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}

static void same(const char *doc, const char *want)
{
	json_t *j = ok(doc);
	char *s = dump(j);
	if (strcmp(s, want) != 0)
		print_error("got  %s\nwant %s\n", s, want);
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

static void test_tables(void **state)
{
	same("# c\ntitle = \"x\" # c\n[owner]\nname = 'Tom'\n[a.b.c]\nd = 1\n[a]\ne = 2\n",
	     "{\"a\":{\"b\":{\"c\":{\"d\":1}},\"e\":2},\"owner\":{\"name\":\"Tom\"},\"title\":\"x\"}");
	same("[ x . \"y.z\" . 'w' ]\nk=1\n", "{\"x\":{\"y.z\":{\"w\":{\"k\":1}}}}");
	same("fruit.apple.color = \"red\"\nfruit.apple.taste.sweet = true\n[fruit.apple.texture]\n"
	     "smooth = true\n",
	     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},\"texture\":"
	     "{\"smooth\":true}}}}");
	same("3.14159 = \"pi\"\n\"\" = 1\n", "{\"\":1,\"3\":{\"14159\":\"pi\"}}");
}

static void test_array_tables(void **state)
{
	same("[[p]]\nname = \"a\"\n[p.dependencies]\nx = \"1\"\n[[p]]\nname = \"b\"\n"
	     "[[p.sub]]\nq = 1\n[[p.sub]]\nq = 2\n",
	     "{\"p\":[{\"dependencies\":{\"x\":\"1\"},\"name\":\"a\"},{\"name\":\"b\",\"sub\":[{\"q\":1},"
	     "{\"q\":2}]}]}");
}

static void test_strings(void **state)
{
	same("a = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600\"\n",
	     "{\"a\":\"tab\\there \\\"q\\\" \\\\ \\u00E9 \\uD83D\\uDE00\"}");
	same("a = \"\"\"\nline1\nline2 \\\n    continued\"\"\"\n",
	     "{\"a\":\"line1\\nline2 continued\"}");
	same("a = \"\"\"q\"\"\"\"\"\nb = '''x''''\n", "{\"a\":\"q\\\"\\\"\",\"b\":\"x'\"}");
	same("a = 'C:\\path\\n'\nb = '''\nraw \\n\n'''\n", "{\"a\":\"C:\\\\path\\\\n\",\"b\":\"raw \\\\n\\n\"}");
	same("a = \"\\u0000x\"\n", "{\"a\":\"\\u0000x\"}");
}

static void test_numbers(void **state)
{
	same("a = +99\nb = -17\nc = 1_000\nd = 0xDEAD_beef\ne = 0o755\nf = 0b1101\n"
	     "g = 9223372036854775807\nh = -9223372036854775808\n",
	     "{\"a\":99,\"b\":-17,\"c\":1000,\"d\":3735928559,\"e\":493,\"f\":13,"
	     "\"g\":9223372036854775807,\"h\":-9223372036854775808}");
	same("a = 1.5\nb = -2e3\nc = 6.626e-34\nd = 1_0.2_5\ne = inf\nf = -inf\ng = nan\nh = +nan\n"
	     "i = true\nj = false\n",
	     "{\"a\":1.5,\"b\":-2000.0,\"c\":6.6259999999999998e-34,\"d\":10.25,\"e\":\"inf\","
	     "\"f\":\"-inf\",\"g\":\"nan\",\"h\":\"nan\",\"i\":true,\"j\":false}");
}

static void test_dates(void **state)
{
	same("a = 1979-05-27T07:32:00Z\nb = 1979-05-27 00:32:00.999999-07:00\nc = 1979-05-27\n"
	     "d = 07:32:00\ne = 2024-02-29T00:00:00\n",
	     "{\"a\":\"1979-05-27T07:32:00Z\",\"b\":\"1979-05-27 00:32:00.999999-07:00\","
	     "\"c\":\"1979-05-27\",\"d\":\"07:32:00\",\"e\":\"2024-02-29T00:00:00\"}");
}

static void test_arrays_inline(void **state)
{
	same("a = [ 1, 2, # c\n  3, ]\nb = [[1, 2], [\"a\", 'b'], []]\n"
	     "c = { x = 1, y.z = \"w\" }\nd = {}\ne = [{a = 1}, {b = 2}]\n",
	     "{\"a\":[1,2,3],\"b\":[[1,2],[\"a\",\"b\"],[]],\"c\":{\"x\":1,\"y\":{\"z\":\"w\"}},"
	     "\"d\":{},\"e\":[{\"a\":1},{\"b\":2}]}");
	same("\xef\xbb\xbf" "a = 1\r\nb = 2\r\n", "{\"a\":1,\"b\":2}");
}

static void test_errors(void **state)
{
	bad("a = 1\na = 2\n", 2);                         /* duplicate key */
	bad("[a]\nx = 1\n[a]\ny = 2\n", 3);               /* table twice */
	bad("[a.b]\n[a]\nb = 1\n", 3);                    /* key over a table */
	bad("a = {x = 1}\n[a]\n", 2);                     /* extend inline table */
	bad("a = {x = 1}\na.y = 2\n", 2);                 /* extend inline via dotted key */
	bad("a = [1]\n[[a]]\n", 2);                       /* append to a static array */
	bad("[fruit]\napple.color = 1\n[fruit.apple]\n", 3);
	bad("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4);
	bad("a = \"unterminated\n", 1);
	bad("a = \"bad \\x escape\"\n", 1);
	bad("a = \"\\uD800\"\n", 1);
	bad("a = 01\n", 1);
	bad("a = 1__0\n", 1);
	bad("a = 9223372036854775808\n", 1);
	bad("a = 0x\n", 1);
	bad("a = 1.\n", 1);
	bad("a = .5\n", 1);
	bad("a = 1979-02-29\n", 1);
	bad("a = 1979-05-27T25:00:00\n", 1);
	bad("a = 1 b = 2\n", 1);
	bad("\n\na = {x = 1,}\n", 3);
	bad("a = {x = 1\n}\n", 1);
	bad("a = [1 2]\n", 1);
	bad("a =\n", 1);
	bad("= 1\n", 1);
	bad("[a\nb = 1\n", 1);
	bad("a = 1 # ok\nb = \"ctl\x01\"\n", 2);
	bad("a = 'x'\r b = 1\n", 1);
	bad("a = \"\xff\"\n", 1);
	bad("x = 1\ny = '''a''''''\n", 2);
	bad("a = truex\n", 1);
}

static void test_depth(void **state)
{
	char doc[2048];
	size_t n = 0;
	n += (size_t)snprintf(doc, sizeof(doc), "a = ");
	for (int i = 0; i < 300; i++)
		doc[n++] = '[';
	for (int i = 0; i < 300; i++)
		doc[n++] = ']';
	doc[n++] = '\n';
	json_t *j = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_toml_parse(doc, n, "d.toml", 256, &j, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "max-json-depth"));
	/* within the limit: fine */
	assert_int_equal(mmr_toml_parse(doc, n, "d.toml", 400, &j, &e), 0);
	json_decref(j);
	/* dotted keys count too */
	assert_int_equal(mmr_toml_parse("a.b.c.d = 1\n", 12, "d.toml", 3, &j, &e), -E2BIG);
	assert_int_equal(mmr_toml_parse("[a.b.c.d]\n", 10, "d.toml", 3, &j, &e), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_array_tables),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_arrays_inline),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
