/* test-vulndb-version.c - version schemes against their own rules and
 * examples, and dpkg against the real `dpkg --compare-versions` on
 * generated pairs. */
#include "test-util.h"

#include "vulndb/vulndb-version.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

struct pair {
	const char *a, *b;
	int want;
};

static void check(const char *scheme, const struct pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = 99, back = 99;
		int r = mmr_version_cmp(scheme, p[i].a, p[i].b, &got);
		if (r < 0 || got != p[i].want) {
			print_error("%s: cmp(%s, %s) = %d (rc %d), want %d\n", scheme, p[i].a, p[i].b, got, r,
				    p[i].want);
			fail();
		}
		assert_int_equal(mmr_version_cmp(scheme, p[i].b, p[i].a, &back), 0);
		assert_int_equal(back, -got);
	}
}

static void test_dpkg_examples(void **state)
{
	static const struct pair p[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0~rc1", "1.0", -1 },          /* tilde before the end */
		{ "1.0~rc1", "1.0~rc1~1", 1 },
		{ "1.0", "1.0-0", 0 },              /* an absent revision equals "0" */
		{ "1:1.0", "2.0", 1 },              /* epoch wins */
		{ "1.0a", "1.0", 1 },
		{ "1.0+b1", "1.0", 1 },
		{ "1.0.1", "1.0a", 1 },             /* letters sort before other characters */
		{ "2:1.20.11-1+deb11u5", "2:1.20.11-1+deb11u6", -1 },
		{ "1.2.3-1ubuntu1", "1.2.3-1", 1 },
		{ "0.9", "0.10", -1 },
		{ "1.0-1", "1.0-1~bpo1", 1 },
		{ "7.76.0-6", "7.76.00-6", 0 },
	};
	check("dpkg", p, sizeof(p) / sizeof(p[0]));
	int r;
	assert_int_equal(mmr_version_cmp("dpkg", "", "1", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("dpkg", "a:1", "1", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("dpkg", "1.0 x", "1", &r), -EINVAL);
}

/* Differential: our dpkg order against dpkg itself on generated pairs. */
static int dpkg_says(const char *a, const char *op, const char *b)
{
	char *argv[] = { (char *)"dpkg", (char *)"--compare-versions", (char *)a, (char *)op, (char *)b,
			 NULL };
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "dpkg", &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void gen(unsigned *seed, char *out, size_t len)
{
	static const char *const atoms[] = { "0", "1", "2", "10", "01", "a", "b", "z", "~", "~rc1",
					     "+", ".", "+deb11u1", "ubuntu", "~bpo", "A", "9" };
	size_t o = 0;
	if (rand_r(seed) % 4 == 0)
		o += (size_t)snprintf(out, len, "%u:", rand_r(seed) % 3);
	out[o++] = (char)('0' + rand_r(seed) % 10);
	int parts = 1 + rand_r(seed) % 5;
	for (int i = 0; i < parts && o + 12 < len; i++) {
		const char *a = atoms[rand_r(seed) % (sizeof(atoms) / sizeof(atoms[0]))];
		o += (size_t)snprintf(out + o, len - o, "%s", a);
	}
	if (rand_r(seed) % 2 && o + 8 < len)
		o += (size_t)snprintf(out + o, len - o, "-%u%s", rand_r(seed) % 3,
				      rand_r(seed) % 2 ? "ubuntu1" : "");
	out[o] = 0;
}

static void test_dpkg_differential(void **state)
{
	if (dpkg_says("1", "eq", "1") != 0) {
		print_message("dpkg not runnable here\n");
		skip();
	}
	unsigned seed = 12345;
	int compared = 0;
	for (int i = 0; i < 600; i++) {
		char a[64], b[64];
		gen(&seed, a, sizeof(a));
		if (i % 3 == 0)
			snprintf(b, sizeof(b), "%s", a), b[strlen(b) - 1] = (char)('0' + rand_r(&seed) % 10);
		else
			gen(&seed, b, sizeof(b));
		int ours;
		if (mmr_version_cmp("dpkg", a, b, &ours) < 0)
			continue; /* not a valid version for us: dpkg may still warn-and-accept */
		int lt = dpkg_says(a, "lt", b), eq = dpkg_says(a, "eq", b);
		if (lt < 0 || lt > 1 || eq < 0 || eq > 1)
			continue;
		int theirs = lt == 0 ? -1 : eq == 0 ? 0 : 1;
		if (ours != theirs) {
			print_error("dpkg disagrees: %s vs %s: ours %d, dpkg %d\n", a, b, ours, theirs);
			fail();
		}
		compared++;
	}
	print_message("compared %d pairs with dpkg\n", compared);
	assert_true(compared > 300);
}

static void test_rpm_examples(void **state)
{
	/* from rpm's own test suite semantics (rpmvercmp) */
	static const struct pair p[] = {
		{ "1.0", "1.0", 0 },       { "1.0", "2.0", -1 },        { "2.0.1", "2.0.1a", -1 },
		{ "5.5p1", "5.5p2", -1 },  { "5.5p10", "5.5p1", 1 },    { "10xyz", "10.1xyz", -1 },
		{ "xyz10", "xyz10.1", -1 }, { "1.0", "1.0a", -1 },      { "10.0001", "10.1", 0 },
		{ "10.0001", "10.0039", -1 }, { "4.999.9", "5.0", -1 }, { "20101121", "20101122", -1 },
		{ "2_0", "2_0", 0 },       { "2.0", "2_0", 0 },         { "a", "a", 0 },
		{ "a+", "a_", 0 },         { "+", "_", 0 },             { "1.0~rc1", "1.0", -1 },
		{ "1.0~rc1", "1.0~rc2", -1 }, { "1.0~rc1~git123", "1.0~rc1", -1 },
		{ "1.0^", "1.0", 1 },      { "1.0^git1", "1.0", 1 },    { "1.0^git1", "1.01", -1 },
		{ "1.0^20160101", "1.0.1", -1 }, { "1.0~rc1^git1", "1.0~rc1", 1 },
		{ "1:1.0-1", "2.0-1", 1 }, { "7.76.0-6.cm2", "7.76.0-7.cm2", -1 },
		{ "1.0-1", "1.0", 0 },     /* missing release matches any */
	};
	check("rpm", p, sizeof(p) / sizeof(p[0]));
}

static void test_apk_examples(void **state)
{
	static const struct pair p[] = {
		{ "1.0", "1.0", 0 },           { "1.0_alpha", "1.0_beta", -1 }, { "1.0_beta", "1.0_pre", -1 },
		{ "1.0_pre", "1.0_rc", -1 },   { "1.0_rc1", "1.0", -1 },        { "1.0", "1.0_p1", -1 },
		{ "1.0_p1", "1.0-r1", 1 },     { "1.0-r1", "1.0-r2", -1 },      { "1.0a", "1.0", 1 },
		{ "1.0a", "1.0b", -1 },        { "1.0.1", "1.0", 1 },           { "1.1.1d-r2", "1.1.1d-r3", -1 },
		{ "1.1.1c-r0", "1.1.1d-r0", -1 }, { "2.9.11_pre20061021-r2", "2.9.11-r0", -1 },
		{ "1.01", "1.1", -1 },         { "1.10", "1.9", 1 },            { "1.0_cvs1", "1.0_p1", -1 },
		{ "1.31.1-r9", "1.31.1-r10", -1 },
	};
	check("apk", p, sizeof(p) / sizeof(p[0]));
	int r;
	assert_int_equal(mmr_version_cmp("apk", "1.0_bogus", "1.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("apk", "x", "1.0", &r), -EINVAL);
}

static void test_semver_spec(void **state)
{
	/* SemVer 2.0.0 §11 example chain */
	static const char *const chain[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
					     "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
					     "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1" };
	size_t n = sizeof(chain) / sizeof(chain[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int r;
			assert_int_equal(mmr_version_cmp("semver", chain[i], chain[j], &r), 0);
			assert_int_equal(r, i < j ? -1 : i > j);
		}
	static const struct pair p[] = {
		{ "1.0.0+build.1", "1.0.0+build.2", 0 },
		{ "v1.2.3", "1.2.3", 0 },
		{ "v0.0.0-20210121094942-22b2f8951d46", "v0.0.0", -1 }, /* Go pseudo-version */
	};
	check("semver", p, sizeof(p) / sizeof(p[0]));
	int r;
	assert_int_equal(mmr_version_cmp("semver", "01.0.0", "1.0.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("semver", "1.0", "1.0.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("semver", "1.0.0-", "1.0.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("semver", "1.0.0-01", "1.0.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("nope", "1", "1", &r), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_examples), cmocka_unit_test(test_dpkg_differential),
		cmocka_unit_test(test_rpm_examples),  cmocka_unit_test(test_apk_examples),
		cmocka_unit_test(test_semver_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
