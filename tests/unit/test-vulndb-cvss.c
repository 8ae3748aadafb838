/* test-vulndb-cvss.c - CVSS v3.1 and v4.0 scoring against published scores.
 *
 * v3.1: the FIRST "CVSS v3.1 Examples" document (base scores of real
 * CVEs), plus base/temporal/environmental triples computed by the FIRST
 * calculator. v4.0: scores of the FIRST v4.0 calculator (the reference
 * implementation of the specification's §8 method), base-only, with
 * threat (E) and with environmental metrics. */
#include "test-util.h"

#include "vulndb/vulndb-cvss.h"

#include <errno.h>
#include <math.h>
#include <string.h>

struct v3case {
	const char *vector;
	double base, temporal, environmental;
};

/* FIRST CVSS v3.1 Examples (base score, the document's vector). */
static const struct v3case v31_examples[] = {
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, 6.1, 6.1 },  /* CVE-2013-1937 phpMyAdmin XSS */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, 6.4, 6.4 },  /* CVE-2013-0375 MySQL */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, 3.1, 3.1 },  /* CVE-2014-3566 POODLE */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, 9.9, 10.0 }, /* CVE-2012-1516 VMware */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, 4.2, 4.2 },  /* CVE-2009-0783 Tomcat */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, 8.8, 8.8 },  /* CVE-2012-0384 Cisco IOS */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, 7.8, 7.8 },  /* CVE-2015-1098 iWork */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, 7.5, 7.5 },  /* CVE-2014-0160 Heartbleed */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, 9.8, 9.8 },  /* CVE-2014-6271 Shellshock */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, 7.4, 7.4 },  /* CVE-2014-0224 OpenSSL CCS */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, 9.6, 9.7 },  /* CVE-2012-5376 Chrome IPC */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, 8.8, 8.8 },  /* CVE-2016-1645 PDFium */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8, 6.8, 6.8 },  /* CVE-2016-0128 Badlock */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5, 7.5, 7.5 },  /* CVE-2016-2118 Samba */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, 6.8, 6.8 },  /* CVE-2014-2005 Sophos */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, 5.8, 5.8 },  /* CVE-2010-0467 Joomla */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8, 5.8, 5.8 },  /* CVE-2012-1342 Cisco ASA */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3, 9.3, 9.3 },  /* CVE-2013-6014 Juniper */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4, 5.4, 5.4 },  /* CVE-2014-9253 DokuWiki */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, 8.8, 8.8 },  /* CVE-2011-1265 Bluetooth */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6, 4.6, 4.6 },  /* CVE-2014-2019 iOS */
	/* FIRST calculator triples: scope-changed environmental differs (v3.1 §7.3) */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0, 9.0, 9.1 },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:L/A:L", 8.3, 8.3, 8.3 },
	{ "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:L", 6.7, 6.7, 6.7 },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0, 0.0, 0.0 },
	/* temporal: Roundup(7.5 x 0.94) = Roundup(7.05) = 7.1; 9.4 x 0.95 = 8.93 -> 9.0 */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:P", 7.5, 7.1, 7.1 },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:H/A:H/RL:O", 9.4, 9.0, 9.0 },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:U/RC:U", 9.8, 8.3, 8.3 },
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H/RL:O/RC:C", 9.8, 9.4, 9.4 },
	/* environmental: MPR weight follows the modified scope */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/MS:C", 8.8, 8.8, 10.0 },
};

/* CVSS v3.0 (the FIRST calculator's v3.0 equations). */
static const struct v3case v30_examples[] = {
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:C/CR:H/IR:H/AR:H/MAV:N/MAC:L/MPR:L/MUI:N/MS:C/MC:H/MI:H/MA:H",
	  9.3, 8.9, 9.5 },
	{ "CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X", 3.8, 3.7, 3.7 },
};

struct v4case {
	const char *vector;
	double score;
};

static const struct v4case v40_examples[] = {
	/* base only (CVSS-B) */
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 9.2 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 7.8 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N", 6.9 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 7.9 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N", 8.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L", 5.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.6 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:H/SC:H/SI:H/SA:L", 8.4 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:H/SI:N/SA:L", 8.4 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:H", 6.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L", 7.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N", 4.8 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 2.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N", 1.8 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L", 9.4 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 4.0 },
	{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 9.5 },
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L", 1.0 },
	{ "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N", 6.9 },
	{ "CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:P/VC:L/VI:H/VA:L/SC:H/SI:L/SA:N", 7.1 },
	{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:H/SC:L/SI:N/SA:N", 4.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 5.3 },
	/* with supplemental metrics: no effect on the score */
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:A/V:D/RE:L/U:Red", 9.3 },
	/* threat (CVSS-BT) */
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 7.3 },
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:P", 5.9 },
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U", 4.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 8.1 },
	/* environmental (CVSS-BE, CVSS-BTE) */
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:H/IR:H/AR:M", 7.2 },
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:M/IR:M/AR:M", 5.5 },
	{ "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:L/IR:L/AR:L", 5.4 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/CR:H/IR:H/AR:H", 0.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:M", 8.8 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MSI:S/MSA:S", 10.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P/MAC:H", 5.4 },
	/* the rounding of 8.6 - 0.05 (macrovector 101100) is 8.5 */
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:H/SC:H/SI:H/SA:H", 8.5 },
};

static void test_v31(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(v31_examples) / sizeof(v31_examples[0]); i++) {
		const struct v3case *c = &v31_examples[i];
		struct mmr_cvss s;
		struct mmr_error e = { 0 };
		int r = mmr_cvss_parse(c->vector, &s, &e);
		if (r < 0)
			fail_msg("%s: %s", c->vector, e.msg);
		if (fabs(s.base - c->base) > 1e-9 || fabs(s.temporal - c->temporal) > 1e-9 ||
		    fabs(s.environmental - c->environmental) > 1e-9)
			fail_msg("%s: got %.1f/%.1f/%.1f want %.1f/%.1f/%.1f", c->vector, s.base,
				 s.temporal, s.environmental, c->base, c->temporal, c->environmental);
		assert_int_equal(s.version, 31);
		assert_true(s.score == s.base);
	}
	assert_true(sizeof(v31_examples) / sizeof(v31_examples[0]) >= 20);
}

static void test_v30(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(v30_examples) / sizeof(v30_examples[0]); i++) {
		const struct v3case *c = &v30_examples[i];
		struct mmr_cvss s;
		assert_int_equal(mmr_cvss_parse(c->vector, &s, NULL), 0);
		if (fabs(s.base - c->base) > 1e-9 || fabs(s.temporal - c->temporal) > 1e-9 ||
		    fabs(s.environmental - c->environmental) > 1e-9)
			fail_msg("%s: got %.1f/%.1f/%.1f", c->vector, s.base, s.temporal, s.environmental);
		assert_int_equal(s.version, 30);
	}
}

static void test_v40(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(v40_examples) / sizeof(v40_examples[0]); i++) {
		const struct v4case *c = &v40_examples[i];
		struct mmr_cvss s;
		struct mmr_error e = { 0 };
		int r = mmr_cvss_parse(c->vector, &s, &e);
		if (r < 0)
			fail_msg("%s: %s", c->vector, e.msg);
		if (fabs(s.score - c->score) > 1e-9)
			fail_msg("%s: got %.1f want %.1f (macrovector %s)", c->vector, s.score, c->score,
				 s.macrovector);
		assert_int_equal(s.version, 40);
	}
	assert_true(sizeof(v40_examples) / sizeof(v40_examples[0]) >= 20);
}

static void test_v40_parts(void **state)
{
	(void)state;
	struct mmr_cvss s;
	/* base 9.3; E:U alone gives 8.1 (BT); the full vector is BTE */
	assert_int_equal(mmr_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MAV:P/MAC:H",
					 &s, NULL),
			 0);
	assert_true(fabs(s.base - 9.3) < 1e-9);
	assert_true(fabs(s.temporal - 8.1) < 1e-9);
	assert_true(s.environmental < s.temporal);
	assert_true(s.score == s.environmental);
	assert_int_equal(mmr_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", &s,
					 NULL),
			 0);
	assert_string_equal(s.macrovector, "000200");
}

static void test_bad_vectors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",               /* no prefix */
		"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          /* A missing */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",  /* twice */
		"CVSS:3.1/AV:Z/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      /* bad value */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",     /* trailing / */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", /* unknown metric */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:",
		"CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",       /* SA missing */
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",  /* S only in MSI */
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:Blue",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O", /* v3 metric */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mmr_cvss s = { .version = -1 };
		struct mmr_error e = { 0 };
		int r = mmr_cvss_parse(bad[i], &s, &e);
		if (r != -EBADMSG)
			fail_msg("'%s' gave %d, want -EBADMSG", bad[i], r);
		assert_true(e.msg[0] != 0);
		assert_int_equal(s.version, -1); /* untouched on failure */
	}
	char big[MMR_CVSS_MAX_LEN + 64];
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "CVSS:3.1/", 9);
	struct mmr_cvss s;
	assert_int_equal(mmr_cvss_parse(big, &s, NULL), -E2BIG);
}

static void test_severity(void **state)
{
	(void)state;
	assert_int_equal(mmr_cvss_severity(-1), MMR_SEV_UNKNOWN);
	assert_int_equal(mmr_cvss_severity(0.0), MMR_SEV_INFO);
	assert_int_equal(mmr_cvss_severity(0.1), MMR_SEV_LOW);
	assert_int_equal(mmr_cvss_severity(3.9), MMR_SEV_LOW);
	assert_int_equal(mmr_cvss_severity(4.0), MMR_SEV_MEDIUM);
	assert_int_equal(mmr_cvss_severity(6.9), MMR_SEV_MEDIUM);
	assert_int_equal(mmr_cvss_severity(7.0), MMR_SEV_HIGH);
	assert_int_equal(mmr_cvss_severity(8.9), MMR_SEV_HIGH);
	assert_int_equal(mmr_cvss_severity(9.0), MMR_SEV_CRITICAL);
	assert_int_equal(mmr_cvss_severity(10.0), MMR_SEV_CRITICAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v31),      cmocka_unit_test(test_v30),
		cmocka_unit_test(test_v40),      cmocka_unit_test(test_v40_parts),
		cmocka_unit_test(test_bad_vectors), cmocka_unit_test(test_severity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
