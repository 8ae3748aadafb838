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


struct rcase {
	const char *expr, *version;
	int want; /* 1 in, 0 out, -1 -EINVAL */
};

static void check_ranges(const char *scheme, const struct rcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool m = false;
		int r = mmr_version_range_match(scheme, c[i].expr, c[i].version, &m);
		int got = r < 0 ? -1 : m;
		if (got != c[i].want || (r < 0 && r != -EINVAL && r != -E2BIG)) {
			print_error("%s: %s in \"%s\" = %d (rc %d), want %d\n", scheme, c[i].version, c[i].expr, got,
				    r, c[i].want);
			fail();
		}
	}
}

static void check_invalid(const char *scheme, const char *const *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = 99;
		if (mmr_version_cmp(scheme, bad[i], bad[i], &r) != -EINVAL) {
			print_error("%s: \"%s\" accepted (%d)\n", scheme, bad[i], r);
			fail();
		}
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

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


static void test_distro_ranges(void **state)
{
	static const struct rcase d[] = {
		{ "< 1.2-3", "1.2-2", 1 },           { "< 1.2-3", "1.2-3", 0 },
		{ ">= 1.0, < 2.0", "1.5-1", 1 },     { ">= 1.0, < 2.0", "2.0~rc1", 1 },
		{ ">= 1.0, < 2.0", "2.0", 0 },       { "= 1:2.3", "1:2.3-0", 1 },
		{ "!= 1.0", "1.0", 0 },              { "<< 1.0", "0.9", 1 },
		{ ">> 1.0", "1.0", 0 },              { "<> 1.0", "1.0", -1 },
		{ "", "1.0", -1 },                   { ">= 1.0,", "1.0", -1 },
	};
	check_ranges("dpkg", d, N(d));
	static const struct rcase r[] = { { "< 7.76.0-7.cm2", "7.76.0-6.cm2", 1 }, { ">= 1.0^git1", "1.0", 0 } };
	check_ranges("rpm", r, N(r));
	static const struct rcase a[] = { { "< 1.1.1d-r3", "1.1.1d-r2", 1 }, { "<= 1.0_rc1", "1.0", 0 } };
	check_ranges("apk", a, N(a));
	static const struct rcase sv[] = { { ">= 1.0.0, < 1.2.3", "1.2.3-rc.1", 1 }, { "< 1.0.0", "1.0.0", 0 } };
	check_ranges("semver", sv, N(sv));
}

/* PEP 440 "Summary of permitted suffixes and relative ordering" and
 * "Normalization" sections; the full differential against python3-packaging
 * is tests/cli/test_version_differential.py. */
static void test_pep440(void **state)
{
	static const char *const chain[] = { "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
					     "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
					     "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
					     "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1" };
	for (size_t i = 0; i < N(chain); i++)
		for (size_t j = 0; j < N(chain); j++) {
			int r;
			assert_int_equal(mmr_version_cmp("pep440", chain[i], chain[j], &r), 0);
			if (r != (i < j ? -1 : i > j)) {
				print_error("pep440: %s vs %s = %d\n", chain[i], chain[j], r);
				fail();
			}
		}
	static const struct pair p[] = {
		{ "1.0", "1.0.0", 0 },          { "1.1RC1", "1.1rc1", 0 },    { "1.1c1", "1.1rc1", 0 },
		{ "1.1.alpha1", "1.1a1", 0 },   { "1.1-beta.2", "1.1b2", 0 }, { "1.1.preview", "1.1rc0", 0 },
		{ "1.0-1", "1.0.post1", 0 },    { "1.0.r", "1.0.post0", 0 },  { "1.0rev4", "1.0.post4", 0 },
		{ "1.0-dev", "1.0.dev0", 0 },   { "v1.0", "1.0", 0 },         { " 1.0\n", "1.0", 0 },
		{ "1!0.1", "2.0", 1 },          { "1.0+ubuntu-1", "1.0+ubuntu.1", 0 },
		{ "1.0+abc", "1.0+1", -1 },     { "1.0+01", "1.0+1", 0 },     { "1.01", "1.1", 0 },
	};
	check("pep440", p, N(p));
	static const char *const bad[] = { "", "1.0+", "1..0", "a1", "1.0-", "1.0+a..b", "1.0 1", "1.0.*",
					   "1.0a1a1", "99999999999999999999999.0" };
	check_invalid("pep440", bad, N(bad));
	static const struct rcase c[] = {
		{ "~=2.2", "2.3", 1 },            { "~=2.2", "3.0", 0 },            { "~=1.4.5a4", "1.4.6", 1 },
		{ "~=1.4.5a4", "1.5.0", 0 },      { "==1.1.*", "1.1.post1", 1 },    { "==1.1.*", "1.10", 0 },
		{ "!=1.1.*", "1.2", 1 },          { "<1.0", "1.0rc1", 0 },          { "<1.0rc2", "1.0rc1", 1 },
		{ "<2.1", "2.0b1", 1 },           /* installed pre-releases stay in the set */
		{ ">1.7", "1.7.post2", 0 },       { ">1.7.post2", "1.7.post3", 1 }, { ">1.7", "1.7+local", 0 },
		{ "==1.0", "1.0+local", 1 },      { "==1.0+local", "1.0", 0 },      { "===1.0", "1.0", 1 },
		{ "===1.0", "1.0.0", 0 },         { ">=1.0, <2.0", "1.5", 1 },      { ">=1.0,<2.0,!=1.5", "1.5", 0 },
		{ "", "1.0", 1 },                 { "<=2.0", "2.0+abc", 1 },        { "=1.0", "1.0", -1 },
		{ ">=1.0 <2.0", "1.0", -1 },      { "~=1", "1.0", -1 },             { "==1.*.2", "1.0", -1 },
		{ "<1.0+local", "0.5", -1 },      { ">=1.0", "not a version", -1 },
	};
	check_ranges("pep440", c, N(c));
}

/* node-semver README ("Ranges", "Prerelease Tags", "Advanced Range Syntax") */
static void test_npm(void **state)
{
	static const struct pair p[] = { { "=v1.2.3", "1.2.3", 0 }, { " 1.2.3 ", "1.2.3", 0 },
					 { "1.2.3-alpha.10", "1.2.3-alpha.9", 1 }, { "1.2.3+b1", "1.2.3+b2", 0 } };
	check("npm", p, N(p));
	static const char *const bad[] = { "1.2", "01.2.3", "1.2.3-01", "9007199254740992.0.0", "1.2.3.4", "" };
	check_invalid("npm", bad, N(bad));
	static const struct rcase c[] = {
		{ ">1.2.3-alpha.3", "1.2.3-alpha.7", 1 }, { ">1.2.3-alpha.3", "3.4.5-alpha.9", 0 },
		{ ">1.2.3-alpha.3", "3.4.5", 1 },         { "1.2.3 - 2.3.4", "2.3.4", 1 },
		{ "1.2 - 2.3.4", "1.2.0", 1 },            { "1.2.3 - 2.3", "2.3.9", 1 },
		{ "1.2.3 - 2.3", "2.4.0", 0 },            { "1.2.3 - 2", "2.9.9", 1 },
		{ "*", "1.0.0", 1 },                      { "*", "1.0.0-beta", 0 },
		{ "1.x", "1.9.9", 1 },                    { "1.x", "2.0.0", 0 },
		{ "1.2.x", "1.2.9", 1 },                  { "", "1.0.0", 1 },
		{ "~1.2.3", "1.2.9", 1 },                 { "~1.2.3", "1.3.0", 0 },
		{ "~1.2", "1.2.9", 1 },                   { "~1", "1.9.0", 1 },
		{ "~0.2.3", "0.3.0", 0 },                 { "~1.2.3-beta.2", "1.2.3-beta.4", 1 },
		{ "~1.2.3-beta.2", "1.2.4-beta.2", 0 },   { "^1.2.3", "1.9.9", 1 },
		{ "^1.2.3", "2.0.0", 0 },                 { "^0.2.3", "0.2.9", 1 },
		{ "^0.2.3", "0.3.0", 0 },                 { "^0.0.3", "0.0.4", 0 },
		{ "^1.2.3-beta.2", "1.2.3-beta.4", 1 },   { "^1.2.3-beta.2", "1.2.4-beta.2", 0 },
		{ "^0.0.x", "0.0.9", 1 },                 { "^0.0", "0.1.0", 0 },
		{ "^1.x", "1.9.0", 1 },                   { "^0.x", "0.9.0", 1 },
		{ ">1.2", "1.2.9", 0 },                   { ">1.2", "1.3.0", 1 },
		{ "<=1.2", "1.2.9", 1 },                  { "<1.2", "1.2.0-0", 0 },
		{ ">=1.2.7 <1.3.0", "1.2.8", 1 },         { ">=1.2.7 <1.3.0", "1.3.0", 0 },
		{ "1.2.7 || >=1.2.9 <2.0.0", "1.2.10", 1 }, { "1.2.7 || >=1.2.9 <2.0.0", "1.2.8", 0 },
		{ "> 1.2.3", "1.2.4", 1 },                { "^ 1.2", "1.5.0", 1 },
		{ "1.x.3", "1.0.3", -1 },                 { "1.2.3 | 2", "1.2.3", -1 },
		{ ">=1.2.3 <", "1.2.3", -1 },             { ">==1.2.3", "1.2.3", -1 },
	};
	check_ranges("npm", c, N(c));
}

/* golang.org/ref/mod#versions and #pseudo-versions */
static void test_go(void **state)
{
	static const struct pair p[] = {
		{ "v1.2", "v1.2.0", 0 },
		{ "v1", "v1.0.0", 0 },
		{ "v2.0.0+incompatible", "v2.0.0", 0 },
		{ "1.2.3", "v1.2.3", 0 }, /* OSV leaves the v out */
		{ "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0", -1 },
		{ "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1 },
		{ "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1 },
		{ "v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", 1 },
		{ "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa", -1 },
	};
	check("go", p, N(p));
	static const char *const bad[] = { "v1.2-pre", "v01.2.3", "vv1.2.3", "v1.2.3.4", "" };
	check_invalid("go", bad, N(bad));
	static const struct rcase c[] = { { ">= 1.2.0, < 1.4.1", "v1.3.0", 1 }, { "< v0.0.0-20200101000000-aaaaaaaaaaaa",
										      "v0.0.0-20191109021931-daa7c04131f5", 1 } };
	check_ranges("go", c, N(c));
}

/* The Cargo Book, "Specifying Dependencies" (caret, tilde, wildcard,
 * comparison and multiple requirements tables) */
static void test_cargo(void **state)
{
	static const struct rcase c[] = {
		{ "1.2.3", "1.9.9", 1 },     { "1.2.3", "2.0.0", 0 },   { "1.2", "1.2.0", 1 },
		{ "1", "1.99.0", 1 },        { "0.2.3", "0.2.99", 1 },  { "0.2.3", "0.3.0", 0 },
		{ "0.2", "0.2.0", 1 },       { "0.0.3", "0.0.3", 1 },   { "0.0.3", "0.0.4", 0 },
		{ "0.0", "0.0.9", 1 },       { "0.0", "0.1.0", 0 },     { "0", "0.9.9", 1 },
		{ "^1.2.3", "1.2.2", 0 },    { "~1.2.3", "1.2.9", 1 },  { "~1.2.3", "1.3.0", 0 },
		{ "~1.2", "1.2.9", 1 },      { "~1", "1.9.0", 1 },      { "*", "5.0.0", 1 },
		{ "1.*", "1.9.0", 1 },       { "1.2.*", "1.3.0", 0 },   { ">= 1.2.0", "1.2.0", 1 },
		{ "> 1", "1.9.0", 0 },       { "< 2", "1.9.0", 1 },     { "= 1.2.3", "1.2.3", 1 },
		{ ">= 1.2, < 1.5", "1.4.9", 1 }, { ">= 1.2, < 1.5", "1.5.0", 0 },
		{ "^1.2.3-alpha", "1.2.3-beta", 1 }, { "^1.2.3-alpha", "1.2.4-beta", 0 },
		{ ">=1.0.0", "1.5.0-rc.1", 0 }, /* pre-releases need a comparator naming one */
		{ "*", "1.0.0-rc.1", 0 },    { "v1.2.3", "1.2.3", -1 }, { "*, >1", "2.0.0", -1 },
		{ "1.*.3", "1.0.3", -1 },    { "", "1.0.0", -1 },       { ">=01.0.0", "1.0.0", -1 },
	};
	check_ranges("cargo", c, N(c));
}

/* Maven POM reference, "Version Order Specification"; the differential
 * against ComparableVersion is in tests/cli/test_version_differential.py */
static void test_maven(void **state)
{
	static const struct pair p[] = {
		{ "1", "1.1", -1 },           { "1-snapshot", "1", -1 },    { "1", "1-sp", -1 },
		{ "1-foo2", "1-foo10", -1 },  { "1.foo", "1-foo", 0 },      { "1-foo", "1-1", -1 },
		{ "1-1", "1.1", -1 },         { "1.ga", "1-ga", 0 },        { "1-ga", "1-0", 0 },
		{ "1-0", "1.0", 0 },          { "1.0", "1", 0 },            { "1-sp", "1-ga", 1 },
		{ "1-sp.1", "1-ga.1", 1 },    { "1-sp-1", "1-ga-1", -1 },   { "1-a1", "1-alpha-1", 0 },
		{ "1.0-alpha1", "1.0-ALPHA1", 0 }, { "1.0-cr1", "1.0-rc1", 0 }, { "1.0-alpha", "1.0-beta", -1 },
		{ "1.0-beta", "1.0-milestone", -1 }, { "1.0-rc", "1.0-snapshot", -1 }, { "1.0-snapshot", "1.0", -1 },
		{ "1.0.final", "1.0", 0 },    { "2.0.0.RELEASE", "2.0.0", 0 }, { "1.0-jre", "1.0-android", 1 },
		{ "31.1-jre", "31.1-android", 1 }, { "1.0.0.0.0.0.0.0.0.0.0.0.0.0.1", "1", 1 },
		{ "123456789012345678901234567890", "123456789012345678901234567891", -1 },
	};
	check("maven", p, N(p));
	static const char *const bad[] = { "", "1.0 beta", "1.0\xc3\xa9" };
	check_invalid("maven", bad, N(bad));
	static const struct rcase c[] = {
		{ "[1.0,2.0)", "1.5", 1 },   { "[1.0,2.0)", "2.0", 0 },    { "[1.0,2.0)", "1.0", 1 },
		{ "(1.0,2.0)", "1.0", 0 },   { "(,1.0]", "1.0", 1 },       { "(,1.0]", "1.0.1", 0 },
		{ "[1.5,)", "99", 1 },       { "[1.2]", "1.2.0", 1 },      { "[1.2]", "1.2.1", 0 },
		{ "(,1.0],[1.2,)", "1.1", 0 }, { "(,1.0],[1.2,)", "1.3", 1 }, { "[1.0,2.0)", "2.0-SNAPSHOT", 1 },
		{ "1.0", "1.0", -1 },        { "(1.0)", "1.0", -1 },       { "[1.0,2.0", "1.5", -1 },
		{ "[1.0,2.0)x", "1.5", -1 },
	};
	check_ranges("maven", c, N(c));
}

/* RubyGems guides, "Patterns: Semantic versioning" and Gem::Version docs */
static void test_gem(void **state)
{
	static const struct pair p[] = {
		{ "1.0", "1.0.0", 0 },       { "1.0.a", "1.0", -1 },       { "1.0.0.pre", "1.0.0", -1 },
		{ "1.0.b1", "1.0.a2", 1 },   { "1.0.rc1", "1.0.rc2", -1 }, { "1.0.a.0", "1.0.a", 0 },
		{ "5.2.4.3", "5.2.4.10", -1 }, { "1.0-rc1", "1.0.rc1", -1 }, /* '-' reads as ".pre." */
		{ "1.0.A", "1.0.a", -1 },    { "2.0.0.rc1", "1.9.9", 1 },  { " 1.2 ", "1.2", 0 },
	};
	check("gem", p, N(p));
	static const char *const bad[] = { "", "a1", "1..2", "1.0-", "1.0 2", "1.0_1" };
	check_invalid("gem", bad, N(bad));
	static const struct rcase c[] = {
		{ "~> 2.2", "2.9", 1 },      { "~> 2.2", "3.0", 0 },       { "~> 2.2.0", "2.2.9", 1 },
		{ "~> 2.2.0", "2.3.0", 0 },  { "~> 2", "2.9", 1 },         { "~> 2", "3.0", 0 },
		{ ">= 1.0, < 2.0", "1.5", 1 }, { "!= 1.0", "1.0.0", 0 },   { "1.0", "1.0.0", 1 },
		{ "~> 5.2.4, >= 5.2.4.3", "5.2.4.2", 0 }, { "~> 5.2.4, >= 5.2.4.3", "5.2.4.3", 1 },
		{ "~> 1.0.0.rc1", "1.0.0", 1 }, { "~> 1.0.9", "1.0.10", 1 }, { "~> 9", "10.0", 0 },
		{ "~> 1.9", "2.0.0.rc1", 0 }, /* release part 2.0.0 is not < 2 */
		{ "=~ 1.0", "1.0", -1 },    { ">= ", "1.0", -1 },
	};
	check_ranges("gem", c, N(c));
}

/* getcomposer.org/doc/articles/versions.md (ranges, hyphen, wildcard,
 * tilde, caret, stability) */
static void test_composer(void **state)
{
	static const struct pair p[] = {
		{ "1.0.0", "1.0", 0 },             { "v2.0", "2.0.0.0", 0 },        { "1.0.0-beta2", "1.0.0", -1 },
		{ "1.0.0-dev", "1.0.0-alpha", -1 }, { "1.0.0-alpha", "1.0.0-beta", -1 }, { "1.0.0-b1", "1.0.0-beta1", 0 },
		{ "1.0.0-beta", "1.0.0-RC", -1 },  { "1.0.0-RC1", "1.0.0-rc1", 0 },  { "1.0.0-rc1", "1.0.0", -1 },
		{ "1.0.0", "1.0.0-patch1", -1 },   { "1.0.0-p1", "1.0.0-pl1", 0 },   { "1.0-beta.2", "1.0-beta.10", -1 },
		{ "1.0.0-beta1-dev", "1.0.0-beta1", -1 }, { "1.0.0+build", "1.0.0", 0 }, { "1.0.0.1", "1.0.0", 1 },
	};
	check("composer", p, N(p));
	static const char *const bad[] = { "", "dev-main", "1.x-dev", "20100102", "1.0.0.0.0", "1.0-foo" };
	check_invalid("composer", bad, N(bad));
	static const struct rcase c[] = {
		{ ">=1.0", "1.0.0", 1 },        { ">=1.0 <1.1 || >=1.2", "1.1.0", 0 }, { ">=1.0 <1.1 || >=1.2", "1.2.1", 1 },
		{ ">=1.0,<1.1|>=1.2", "1.0.5", 1 }, { "<2.0", "2.0.0-beta1", 0 },    { "<=2.0", "2.0.0-beta1", 1 },
		{ "1.0 - 2.0", "2.0.9", 1 },    { "1.0 - 2.0", "2.1.0", 0 },          { "1.0.0 - 2.1.0", "2.1.0", 1 },
		{ "1.0.0 - 2.1.0", "2.1.1", 0 }, { "1.0.*", "1.0.99", 1 },            { "1.0.*", "1.1.0", 0 },
		{ "~1.2", "1.9.9", 1 },         { "~1.2", "2.0.0", 0 },               { "~1.2.3", "1.2.9", 1 },
		{ "~1.2.3", "1.3.0", 0 },       { "^1.2.3", "1.9.0", 1 },             { "^1.2.3", "2.0.0-beta1", 0 },
		{ "^0.3", "0.3.9", 1 },         { "^0.3", "0.4.0", 0 },               { "^0.0.3", "0.0.4", 0 },
		{ "*", "3.0", 1 },              { ">=2.0.0,<2.0.9", "2.0.8", 1 },     { "!=1.0", "1.0.0", 0 },
		{ "1.0.0@dev", "1.0.0", 1 },    { "> 1.0", "1.0.1", 1 },              { "~", "1.0", -1 },
		{ "1.0 @foo", "1.0", -1 },      { "", "1.0", -1 },                    { "~>1.2", "1.2", -1 },
		/* composer/semver VersionParser::parseConstraint details */
		{ "<1.0-beta1", "1.0.0-beta1-dev", 1 }, { "<1.0beta1", "1.0.0-beta1-dev", 0 },
		{ ">1.0@beta", "1.0.0-RC1", 1 }, { ">1.0", "1.0.0-RC1", 0 },          { "@dev", "0.1", 1 },
		{ ">=1.0-stable", "1.0.0-RC1", 0 }, { ">=1.0", "1.0.0-RC1", 1 },
	};
	check_ranges("composer", c, N(c));
}

/* learn.microsoft.com/nuget/concepts/package-versioning */
static void test_nuget(void **state)
{
	static const struct pair p[] = {
		{ "1.0", "1.0.0.0", 0 },           { "1.0.0-Beta", "1.0.0-beta", 0 }, { "1.0.0-alpha.2", "1.0.0-alpha.10", -1 },
		{ "1.0.0.1", "1.0.0", 1 },         { "1.0.0-rc", "1.0.0", -1 },       { "1.0.0+meta", "1.0.0", 0 },
		{ "1.0.0-alpha", "1.0.0-alpha.1", -1 }, { "1.0.0-1", "1.0.0-a", -1 },
	};
	check("nuget", p, N(p));
	static const char *const bad[] = { "", "1.0.0.0.0", "2147483648.0", "1.0-", "a.b" };
	check_invalid("nuget", bad, N(bad));
	static const struct rcase c[] = {
		{ "1.0", "1.0", 1 },         { "1.0", "0.9", 0 },         { "[1.0]", "1.0.0", 1 },
		{ "(1.0,)", "1.0", 0 },      { "(1.0,)", "1.0.1", 1 },    { "(,1.0]", "1.0", 1 },
		{ "(,1.0)", "1.0", 0 },      { "[1.0,2.0]", "2.0", 1 },   { "(1.0,2.0)", "2.0", 0 },
		{ "[1.0,2.0)", "2.0-beta", 1 }, { "[1.0, 2.0)", "1.5", 1 }, { "(1.0)", "1.0", -1 },
		{ "1.*", "1.0", -1 },        { "[1.0,2.0", "1.0", -1 },   { "(,)", "1.0", -1 },
	};
	check_ranges("nuget", c, N(c));
}

/* Hostile input: caps, overflow, bounded work. */
static void test_limits(void **state)
{
	static const char *const schemes[] = { "dpkg", "rpm", "apk", "semver", "pep440", "npm", "go",
					       "cargo", "maven", "gem", "composer", "nuget" };
	char big[400];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	char dots[300];
	for (size_t i = 0; i + 1 < sizeof(dots); i++)
		dots[i] = i % 2 ? '.' : '1';
	dots[sizeof(dots) - 1] = 0;
	for (size_t i = 0; i < N(schemes); i++) {
		int r;
		bool m;
		assert_int_equal(mmr_version_cmp(schemes[i], big, "1", &r), -EINVAL);
		assert_int_equal(mmr_version_cmp(schemes[i], dots, "1", &r), -EINVAL);
		/* 2^64 overflows every 64-bit scheme; maven and the digit-
		 * string schemes compare it exactly instead */
		int rc = mmr_version_cmp(schemes[i], "18446744073709551616.0.0", "1.0.0", &r);
		assert_true(rc == -EINVAL || (rc == 0 && r == 1));
		int rr = mmr_version_range_match(schemes[i], ">= 1.0.0", big, &m);
		assert_true(rr == -EINVAL || rr == -ENOTSUP);
	}
	int r;
	assert_int_equal(mmr_version_cmp("semver", "18446744073709551616.0.0", "1.0.0", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("pep440", "18446744073709551616", "1", &r), -EINVAL);
	assert_int_equal(mmr_version_cmp("cargo", "1.0.18446744073709551616", "1.0.0", &r), -EINVAL);
	/* an expression over the cap */
	static char expr[5000];
	for (size_t i = 0; i + 1 < sizeof(expr); i++)
		expr[i] = i % 8 == 7 ? ',' : ">=1.0.0"[i % 8];
	bool m;
	assert_int_equal(mmr_version_range_match("pep440", expr, "1.0", &m), -EINVAL);
	assert_int_equal(mmr_version_range_match("npm", "1.2.3", big, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_examples), cmocka_unit_test(test_dpkg_differential),
		cmocka_unit_test(test_rpm_examples),  cmocka_unit_test(test_apk_examples),
		cmocka_unit_test(test_semver_spec),
		cmocka_unit_test(test_distro_ranges), cmocka_unit_test(test_pep440),
		cmocka_unit_test(test_npm),           cmocka_unit_test(test_go),
		cmocka_unit_test(test_cargo),         cmocka_unit_test(test_maven),
		cmocka_unit_test(test_gem),           cmocka_unit_test(test_composer),
		cmocka_unit_test(test_nuget),         cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
