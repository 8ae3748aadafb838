/* test-sbom-osrelease.c - os-release parsing. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

static void test_debian(void **state)
{
	const char txt[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
			   "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "os-release", "etc/os-release", txt,
					      strlen(txt), NULL),
			 0);
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->os->name, "debian");
	assert_string_equal(g->os->version, "12");
	assert_string_equal(g->os->codename, "bookworm");
	assert_string_equal(g->os->pretty, "Debian GNU/Linux 12 (bookworm)");
	mmr_arena_free(a);
}

static void test_derivative(void **state)
{
	const char txt[] = "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=21\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "os-release", "etc/os-release", txt,
					      strlen(txt), NULL),
			 0);
	struct mmr_sbom_group *g = ctx.groups.v[0];
	assert_string_equal(g->os->family, "ubuntu");
	mmr_arena_free(a);
}

static void test_no_id(void **state)
{
	const char txt[] = "NAME=x\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "os-release", "etc/os-release", txt,
					      strlen(txt), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "etc/os-release");
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian),
		cmocka_unit_test(test_derivative),
		cmocka_unit_test(test_no_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
