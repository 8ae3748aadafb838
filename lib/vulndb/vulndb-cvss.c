/* vulndb-cvss.c - CVSS v3.0/v3.1/v4.0 vectors: parse and score
 * (see vulndb-cvss.h). Written from the FIRST specifications: v3.1 §7
 * (equations, Roundup from Appendix A), v4.0 §8 (equivalence classes,
 * macrovector lookup table, severity distances). */
#include "vulndb/vulndb-cvss.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- the vector grammar ---- */

/* One metric: its abbreviation and the values it takes, each value one
 * letter, except U (v4.0 supplemental "Provider Urgency") which takes
 * words, listed in `words`. `mandatory` for the base metrics. */
struct metric {
	const char *name;
	const char *values;
	bool mandatory;
	const char *const *words;
};

static const char *const urgency_words[] = { "X", "Clear", "Green", "Amber", "Red", NULL };

enum {
	V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A,
	V3_E, V3_RL, V3_RC,
	V3_CR, V3_IR, V3_AR, V3_MAV, V3_MAC, V3_MPR, V3_MUI, V3_MS, V3_MC, V3_MI, V3_MA,
	V3__N,
};

static const struct metric v3_metrics[V3__N] = {
	[V3_AV] = { "AV", "NALP", true, NULL },  [V3_AC] = { "AC", "LH", true, NULL },
	[V3_PR] = { "PR", "NLH", true, NULL },   [V3_UI] = { "UI", "NR", true, NULL },
	[V3_S] = { "S", "UC", true, NULL },      [V3_C] = { "C", "HLN", true, NULL },
	[V3_I] = { "I", "HLN", true, NULL },     [V3_A] = { "A", "HLN", true, NULL },
	[V3_E] = { "E", "XUPFH", false, NULL },  [V3_RL] = { "RL", "XOTWU", false, NULL },
	[V3_RC] = { "RC", "XURC", false, NULL }, [V3_CR] = { "CR", "XLMH", false, NULL },
	[V3_IR] = { "IR", "XLMH", false, NULL }, [V3_AR] = { "AR", "XLMH", false, NULL },
	[V3_MAV] = { "MAV", "XNALP", false, NULL }, [V3_MAC] = { "MAC", "XLH", false, NULL },
	[V3_MPR] = { "MPR", "XNLH", false, NULL },  [V3_MUI] = { "MUI", "XNR", false, NULL },
	[V3_MS] = { "MS", "XUC", false, NULL },     [V3_MC] = { "MC", "XNLH", false, NULL },
	[V3_MI] = { "MI", "XNLH", false, NULL },    [V3_MA] = { "MA", "XNLH", false, NULL },
};

enum {
	V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA,
	V4_E,
	V4_CR, V4_IR, V4_AR, V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI,
	V4_MVC, V4_MVI, V4_MVA, V4_MSC, V4_MSI, V4_MSA,
	V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U,
	V4__N,
};

static const struct metric v4_metrics[V4__N] = {
	[V4_AV] = { "AV", "NALP", true, NULL },   [V4_AC] = { "AC", "LH", true, NULL },
	[V4_AT] = { "AT", "NP", true, NULL },     [V4_PR] = { "PR", "NLH", true, NULL },
	[V4_UI] = { "UI", "NPA", true, NULL },    [V4_VC] = { "VC", "HLN", true, NULL },
	[V4_VI] = { "VI", "HLN", true, NULL },    [V4_VA] = { "VA", "HLN", true, NULL },
	[V4_SC] = { "SC", "HLN", true, NULL },    [V4_SI] = { "SI", "HLN", true, NULL },
	[V4_SA] = { "SA", "HLN", true, NULL },    [V4_E] = { "E", "XAPU", false, NULL },
	[V4_CR] = { "CR", "XHML", false, NULL },  [V4_IR] = { "IR", "XHML", false, NULL },
	[V4_AR] = { "AR", "XHML", false, NULL },  [V4_MAV] = { "MAV", "XNALP", false, NULL },
	[V4_MAC] = { "MAC", "XLH", false, NULL }, [V4_MAT] = { "MAT", "XNP", false, NULL },
	[V4_MPR] = { "MPR", "XNLH", false, NULL }, [V4_MUI] = { "MUI", "XNPA", false, NULL },
	[V4_MVC] = { "MVC", "XHLN", false, NULL }, [V4_MVI] = { "MVI", "XHLN", false, NULL },
	[V4_MVA] = { "MVA", "XHLN", false, NULL }, [V4_MSC] = { "MSC", "XHLN", false, NULL },
	[V4_MSI] = { "MSI", "XSHLN", false, NULL }, [V4_MSA] = { "MSA", "XSHLN", false, NULL },
	[V4_S] = { "S", "XNP", false, NULL },     [V4_AU] = { "AU", "XNY", false, NULL },
	[V4_R] = { "R", "XAUI", false, NULL },    [V4_V] = { "V", "XDC", false, NULL },
	[V4_RE] = { "RE", "XLMH", false, NULL },  [V4_U] = { "U", NULL, false, urgency_words },
};

#define MAX_METRICS 32

/* Split "K:V/K:V..." (after the prefix) into values by metric index; a
 * metric not given stays 'X'. Values are stored as their letter (U: the
 * index into its words). */
static int parse_metrics(const char *s, const struct metric *tab, size_t n, char *val,
			 struct mmr_error *reterr)
{
	bool seen[MAX_METRICS] = { false };
	for (size_t i = 0; i < n; i++)
		val[i] = 'X';
	while (*s) {
		const char *colon = strchr(s, ':');
		const char *slash = strchr(s, '/');
		if (!slash)
			slash = s + strlen(s);
		if (!colon || colon > slash || colon == s || colon + 1 == slash)
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
					     "CVSS vector: malformed metric '%.*s' (want KEY:VALUE)",
					     (int)(slash - s > 40 ? 40 : slash - s), s);
		size_t klen = (size_t)(colon - s), vlen = (size_t)(slash - colon - 1);
		size_t m = 0;
		for (; m < n; m++)
			if (strlen(tab[m].name) == klen && memcmp(tab[m].name, s, klen) == 0)
				break;
		if (m == n)
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0, "CVSS vector: unknown metric '%.*s'",
					     (int)(klen > 16 ? 16 : klen), s);
		if (seen[m])
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0, "CVSS vector: metric %s given twice",
					     tab[m].name);
		seen[m] = true;
		bool ok = false;
		if (tab[m].words) {
			for (size_t w = 0; tab[m].words[w]; w++)
				if (strlen(tab[m].words[w]) == vlen &&
				    memcmp(tab[m].words[w], colon + 1, vlen) == 0) {
					val[m] = (char)('0' + w);
					ok = true;
				}
		} else if (vlen == 1 && colon[1] && strchr(tab[m].values, colon[1])) {
			val[m] = colon[1];
			ok = true;
		}
		if (!ok)
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
					     "CVSS vector: bad value '%.*s' for metric %s",
					     (int)(vlen > 16 ? 16 : vlen), colon + 1, tab[m].name);
		s = *slash ? slash + 1 : slash;
		if (*slash && !*s)
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0, "CVSS vector: trailing '/'");
	}
	for (size_t i = 0; i < n; i++)
		if (tab[i].mandatory && !seen[i])
			return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
					     "CVSS vector: base metric %s is missing", tab[i].name);
	return 0;
}

/* ---- v3.0 / v3.1 ---- */

/* Appendix A of v3.1: the smallest number with one decimal >= x, computed
 * on integers so that 4.000000000000001 is 4.0 and not 4.1. */
static double roundup31(double x)
{
	long long i = llround(x * 100000.0);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

static double roundup30(double x)
{
	return ceil(x * 10.0) / 10.0;
}

static double v3_av(char c)
{
	switch (c) {
	case 'N': return 0.85;
	case 'A': return 0.62;
	case 'L': return 0.55;
	default: return 0.2; /* P */
	}
}

static double v3_ac(char c)
{
	return c == 'L' ? 0.77 : 0.44;
}

static double v3_pr(char c, bool changed)
{
	switch (c) {
	case 'N': return 0.85;
	case 'L': return changed ? 0.68 : 0.62;
	default: return changed ? 0.5 : 0.27; /* H */
	}
}

static double v3_ui(char c)
{
	return c == 'N' ? 0.85 : 0.62;
}

static double v3_cia(char c)
{
	switch (c) {
	case 'H': return 0.56;
	case 'L': return 0.22;
	default: return 0.0;
	}
}

static double v3_req(char c)
{
	switch (c) {
	case 'H': return 1.5;
	case 'L': return 0.5;
	default: return 1.0; /* M, X */
	}
}

static double v3_e(char c)
{
	switch (c) {
	case 'U': return 0.91;
	case 'P': return 0.94;
	case 'F': return 0.97;
	default: return 1.0; /* H, X */
	}
}

static double v3_rl(char c)
{
	switch (c) {
	case 'O': return 0.95;
	case 'T': return 0.96;
	case 'W': return 0.97;
	default: return 1.0;
	}
}

static double v3_rc(char c)
{
	switch (c) {
	case 'U': return 0.92;
	case 'R': return 0.96;
	default: return 1.0;
	}
}

/* The modified metric if set, else the base one. */
static char v3_m(const char *v, int modified, int base)
{
	return v[modified] != 'X' ? v[modified] : v[base];
}

static void score_v3(const char *v, bool v31, struct mmr_cvss *out)
{
	double (*ru)(double) = v31 ? roundup31 : roundup30;
	bool changed = v[V3_S] == 'C';
	double iss = 1.0 - (1.0 - v3_cia(v[V3_C])) * (1.0 - v3_cia(v[V3_I])) * (1.0 - v3_cia(v[V3_A]));
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * v3_av(v[V3_AV]) * v3_ac(v[V3_AC]) * v3_pr(v[V3_PR], changed) * v3_ui(v[V3_UI]);
	double base;
	if (impact <= 0)
		base = 0;
	else if (changed)
		base = ru(fmin(1.08 * (impact + expl), 10.0));
	else
		base = ru(fmin(impact + expl, 10.0));
	double tm = v3_e(v[V3_E]) * v3_rl(v[V3_RL]) * v3_rc(v[V3_RC]);
	out->base = base;
	out->temporal = ru(base * tm);

	bool mchanged = v3_m(v, V3_MS, V3_S) == 'C';
	double miss = fmin(1.0 - (1.0 - v3_req(v[V3_CR]) * v3_cia(v3_m(v, V3_MC, V3_C))) *
					 (1.0 - v3_req(v[V3_IR]) * v3_cia(v3_m(v, V3_MI, V3_I))) *
					 (1.0 - v3_req(v[V3_AR]) * v3_cia(v3_m(v, V3_MA, V3_A))),
			   0.915);
	double mimpact;
	if (mchanged)
		mimpact = v31 ? 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13) :
				7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
	else
		mimpact = 6.42 * miss;
	double mexpl = 8.22 * v3_av(v3_m(v, V3_MAV, V3_AV)) * v3_ac(v3_m(v, V3_MAC, V3_AC)) *
		       v3_pr(v3_m(v, V3_MPR, V3_PR), mchanged) * v3_ui(v3_m(v, V3_MUI, V3_UI));
	if (mimpact <= 0)
		out->environmental = 0;
	else if (mchanged)
		out->environmental = ru(ru(fmin(1.08 * (mimpact + mexpl), 10.0)) * tm);
	else
		out->environmental = ru(ru(fmin(mimpact + mexpl, 10.0)) * tm);
	out->score = base;
}

/* ---- v4.0 ---- */

/* Scores of the 270 macrovectors, in tenths, indexed
 * [EQ1][EQ2][EQ3][EQ4][EQ5][EQ6]; -1 where the combination does not
 * exist (EQ3=2 with EQ6=0). The table of the v4.0 specification §8.2 /
 * its reference calculator's cvss_lookup data. */
static const int8_t v4_lookup[3][2][3][3][3][2] = {
	{ /* EQ1=0 */
		{ /* EQ2=0 */
			{ { { 100, 99 }, { 98, 95 }, { 95, 92 } }, { { 100, 96 }, { 93, 87 }, { 91, 81 } }, { { 93, 90 }, { 89, 80 }, { 81, 68 } } }, /* EQ3=0 */
			{ { { 98, 95 }, { 95, 92 }, { 90, 84 } }, { { 93, 92 }, { 89, 81 }, { 81, 65 } }, { { 88, 80 }, { 78, 70 }, { 69, 48 } } }, /* EQ3=1 */
			{ { { -1, 92 }, { -1, 82 }, { -1, 72 } }, { { -1, 79 }, { -1, 69 }, { -1, 50 } }, { { -1, 69 }, { -1, 55 }, { -1, 27 } } }, /* EQ3=2 */
		},
		{ /* EQ2=1 */
			{ { { 99, 97 }, { 95, 92 }, { 92, 85 } }, { { 95, 91 }, { 90, 83 }, { 84, 71 } }, { { 92, 81 }, { 82, 71 }, { 72, 53 } } }, /* EQ3=0 */
			{ { { 95, 93 }, { 92, 85 }, { 85, 73 } }, { { 92, 82 }, { 80, 72 }, { 70, 59 } }, { { 84, 70 }, { 71, 52 }, { 50, 30 } } }, /* EQ3=1 */
			{ { { -1, 86 }, { -1, 75 }, { -1, 52 } }, { { -1, 71 }, { -1, 52 }, { -1, 29 } }, { { -1, 63 }, { -1, 29 }, { -1, 17 } } }, /* EQ3=2 */
		},
	},
	{ /* EQ1=1 */
		{ /* EQ2=0 */
			{ { { 98, 95 }, { 94, 87 }, { 91, 81 } }, { { 94, 89 }, { 86, 74 }, { 77, 64 } }, { { 87, 75 }, { 74, 63 }, { 63, 49 } } }, /* EQ3=0 */
			{ { { 94, 89 }, { 88, 77 }, { 76, 67 } }, { { 86, 76 }, { 74, 58 }, { 59, 50 } }, { { 72, 57 }, { 57, 52 }, { 52, 25 } } }, /* EQ3=1 */
			{ { { -1, 83 }, { -1, 70 }, { -1, 54 } }, { { -1, 65 }, { -1, 58 }, { -1, 26 } }, { { -1, 53 }, { -1, 21 }, { -1, 13 } } }, /* EQ3=2 */
		},
		{ /* EQ2=1 */
			{ { { 95, 90 }, { 88, 76 }, { 76, 70 } }, { { 90, 77 }, { 75, 62 }, { 61, 53 } }, { { 77, 66 }, { 68, 59 }, { 52, 30 } } }, /* EQ3=0 */
			{ { { 89, 78 }, { 76, 67 }, { 62, 58 } }, { { 74, 59 }, { 57, 57 }, { 47, 23 } }, { { 61, 52 }, { 57, 29 }, { 24, 16 } } }, /* EQ3=1 */
			{ { { -1, 71 }, { -1, 59 }, { -1, 30 } }, { { -1, 58 }, { -1, 26 }, { -1, 15 } }, { { -1, 23 }, { -1, 13 }, { -1, 6 } } }, /* EQ3=2 */
		},
	},
	{ /* EQ1=2 */
		{ /* EQ2=0 */
			{ { { 93, 87 }, { 86, 72 }, { 75, 58 } }, { { 86, 74 }, { 74, 61 }, { 56, 34 } }, { { 70, 54 }, { 52, 40 }, { 40, 22 } } }, /* EQ3=0 */
			{ { { 85, 75 }, { 74, 55 }, { 62, 51 } }, { { 72, 57 }, { 55, 41 }, { 46, 19 } }, { { 53, 36 }, { 34, 19 }, { 19, 8 } } }, /* EQ3=1 */
			{ { { -1, 64 }, { -1, 51 }, { -1, 20 } }, { { -1, 47 }, { -1, 21 }, { -1, 11 } }, { { -1, 24 }, { -1, 9 }, { -1, 4 } } }, /* EQ3=2 */
		},
		{ /* EQ2=1 */
			{ { { 88, 75 }, { 73, 53 }, { 60, 50 } }, { { 73, 55 }, { 59, 40 }, { 41, 20 } }, { { 54, 43 }, { 45, 22 }, { 20, 11 } } }, /* EQ3=0 */
			{ { { 75, 55 }, { 58, 45 }, { 40, 21 } }, { { 61, 51 }, { 48, 18 }, { 20, 9 } }, { { 46, 18 }, { 17, 7 }, { 8, 2 } } }, /* EQ3=1 */
			{ { { -1, 53 }, { -1, 24 }, { -1, 14 } }, { { -1, 24 }, { -1, 12 }, { -1, 5 } }, { { -1, 10 }, { -1, 3 }, { -1, 1 } } }, /* EQ3=2 */
		},
	},
};

/* The highest-severity vectors of each equivalence class level (§8.2),
 * as values of the metrics the class covers, in the specification's
 * order; the first one the vector does not exceed is its reference. */
static const char *const eq1_max[3][3] = {
	{ "NNN" }, /* AV PR UI */
	{ "ANN", "NLN", "NNP" },
	{ "PNN", "ALP" },
};
static const char *const eq2_max[2][2] = {
	{ "LN" }, /* AC AT */
	{ "HN", "LP" },
};
static const char *const eq36_max[3][2][5] = {
	/* VC VI VA CR IR AR */
	{ { "HHHHHH" }, { "HHLMMH", "HHHMMM" } },
	{ { "LHHHHH", "HLHHHH" }, { "LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM" } },
	{ { NULL }, { "LLLHHH" } },
};
static const char *const eq4_max[3][1] = {
	{ "HSS" }, /* SC SI SA */
	{ "HHH" },
	{ "LLL" },
};

/* Largest severity distance inside each class level, in tenths (§8.2). */
static const int eq1_maxsev[3] = { 1, 4, 5 };
static const int eq2_maxsev[2] = { 1, 2 };
static const int eq36_maxsev[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };
static const int eq4_maxsev[3] = { 6, 5, 4 };

/* Severity level of a value, in tenths: 0 is the most severe. */
static int level(int metric, char c)
{
	switch (metric) {
	case V4_AV: return c == 'N' ? 0 : c == 'A' ? 1 : c == 'L' ? 2 : 3;
	case V4_PR: return c == 'N' ? 0 : c == 'L' ? 1 : 2;
	case V4_UI: return c == 'N' ? 0 : c == 'P' ? 1 : 2;
	case V4_AC: return c == 'L' ? 0 : 1;
	case V4_AT: return c == 'N' ? 0 : 1;
	case V4_VC: case V4_VI: case V4_VA: return c == 'H' ? 0 : c == 'L' ? 1 : 2;
	case V4_SC: case V4_SI: case V4_SA: return c == 'S' ? 0 : c == 'H' ? 1 : c == 'L' ? 2 : 3;
	case V4_CR: case V4_IR: case V4_AR: return c == 'H' ? 0 : c == 'M' ? 1 : 2;
	default: return 0;
	}
}

/* What the scoring sees of a vector: effective values of the metrics the
 * equations use. */
struct v4eff {
	char av, ac, at, pr, ui, vc, vi, va, sc, si, sa, e, cr, ir, ar;
};

static char v4_m(const char *v, int modified, int base, bool env)
{
	return env && v[modified] != 'X' ? v[modified] : v[base];
}

static void v4_effective(const char *v, bool threat, bool env, struct v4eff *m)
{
	m->av = v4_m(v, V4_MAV, V4_AV, env);
	m->ac = v4_m(v, V4_MAC, V4_AC, env);
	m->at = v4_m(v, V4_MAT, V4_AT, env);
	m->pr = v4_m(v, V4_MPR, V4_PR, env);
	m->ui = v4_m(v, V4_MUI, V4_UI, env);
	m->vc = v4_m(v, V4_MVC, V4_VC, env);
	m->vi = v4_m(v, V4_MVI, V4_VI, env);
	m->va = v4_m(v, V4_MVA, V4_VA, env);
	m->sc = v4_m(v, V4_MSC, V4_SC, env);
	m->si = v4_m(v, V4_MSI, V4_SI, env);
	m->sa = v4_m(v, V4_MSA, V4_SA, env);
	/* Unset threat and requirements take their worst case (§4.1, §5.1). */
	m->e = threat && v[V4_E] != 'X' ? v[V4_E] : 'A';
	m->cr = env && v[V4_CR] != 'X' ? v[V4_CR] : 'H';
	m->ir = env && v[V4_IR] != 'X' ? v[V4_IR] : 'H';
	m->ar = env && v[V4_AR] != 'X' ? v[V4_AR] : 'H';
}

static double lookup(int e1, int e2, int e3, int e4, int e5, int e6)
{
	if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1)
		return NAN;
	int t = v4_lookup[e1][e2][e3][e4][e5][e6];
	return t < 0 ? NAN : t / 10.0;
}

/* Distance of the vector from the first reference vector of the level it
 * does not exceed; -1 if it exceeds all (cannot happen for valid input). */
static int distance(const int *metrics, const char *vals, size_t n, const char *const *maxes,
		    size_t nmax)
{
	for (size_t k = 0; k < nmax && maxes[k]; k++) {
		int sum = 0;
		bool ok = true;
		for (size_t i = 0; i < n; i++) {
			int d = level(metrics[i], vals[i]) - level(metrics[i], maxes[k][i]);
			if (d < 0) {
				ok = false;
				break;
			}
			sum += d;
		}
		if (ok)
			return sum;
	}
	return -1;
}

static double round1(double x)
{
	/* Half up on the binary value, as the specification's reference
	 * calculator does: 8.6 - 0.05 is 8.549999... and rounds to 8.5. */
	return floor(x * 10.0 + 0.5) / 10.0;
}

static double score_v4(const char *v, bool threat, bool env, char macro[7])
{
	struct v4eff m;
	v4_effective(v, threat, env, &m);
	int eq1, eq2, eq3, eq4, eq5, eq6;
	if (m.av == 'N' && m.pr == 'N' && m.ui == 'N')
		eq1 = 0;
	else if ((m.av == 'N' || m.pr == 'N' || m.ui == 'N') && m.av != 'P')
		eq1 = 1;
	else
		eq1 = 2;
	eq2 = m.ac == 'L' && m.at == 'N' ? 0 : 1;
	if (m.vc == 'H' && m.vi == 'H')
		eq3 = 0;
	else if (m.vc == 'H' || m.vi == 'H' || m.va == 'H')
		eq3 = 1;
	else
		eq3 = 2;
	if (m.si == 'S' || m.sa == 'S')
		eq4 = 0;
	else if (m.sc == 'H' || m.si == 'H' || m.sa == 'H')
		eq4 = 1;
	else
		eq4 = 2;
	eq5 = m.e == 'A' ? 0 : m.e == 'P' ? 1 : 2;
	eq6 = (m.cr == 'H' && m.vc == 'H') || (m.ir == 'H' && m.vi == 'H') || (m.ar == 'H' && m.va == 'H') ?
		      0 : 1;
	if (macro) {
		macro[0] = (char)('0' + eq1);
		macro[1] = (char)('0' + eq2);
		macro[2] = (char)('0' + eq3);
		macro[3] = (char)('0' + eq4);
		macro[4] = (char)('0' + eq5);
		macro[5] = (char)('0' + eq6);
		macro[6] = 0;
	}
	/* No impact on any system: 0.0 (§8.2). */
	if (m.vc == 'N' && m.vi == 'N' && m.va == 'N' && m.sc == 'N' && m.si == 'N' && m.sa == 'N')
		return 0.0;

	double value = lookup(eq1, eq2, eq3, eq4, eq5, eq6);
	if (isnan(value))
		return 0.0; /* unreachable: every reachable macrovector is in the table */

	/* Score of the next lower macrovector along each class. */
	double lo1 = lookup(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
	double lo2 = lookup(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
	double lo36;
	if (eq3 == 0 && eq6 == 0) {
		double l = lookup(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
		double r = lookup(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
		lo36 = l > r ? l : r; /* the higher of the two paths; NaN compares false */
	} else if (eq3 == 1 && eq6 == 0) {
		lo36 = lookup(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
	} else if (eq6 == 1 && eq3 < 2) {
		lo36 = lookup(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
	} else {
		lo36 = NAN;
	}
	double lo4 = lookup(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
	double lo5 = lookup(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

	/* Where the vector sits inside its macrovector. */
	static const int m1[] = { V4_AV, V4_PR, V4_UI };
	static const int m2[] = { V4_AC, V4_AT };
	static const int m36[] = { V4_VC, V4_VI, V4_VA, V4_CR, V4_IR, V4_AR };
	static const int m4[] = { V4_SC, V4_SI, V4_SA };
	const char v1[] = { m.av, m.pr, m.ui };
	const char v2[] = { m.ac, m.at };
	const char v36[] = { m.vc, m.vi, m.va, m.cr, m.ir, m.ar };
	const char v4v[] = { m.sc, m.si, m.sa };
	int d1 = distance(m1, v1, 3, eq1_max[eq1], 3);
	int d2 = distance(m2, v2, 2, eq2_max[eq2], 2);
	int d36 = distance(m36, v36, 6, eq36_max[eq3][eq6], 5);
	int d4 = distance(m4, v4v, 3, eq4_max[eq4], 1);
	if (d1 < 0 || d2 < 0 || d36 < 0 || d4 < 0)
		d1 = d2 = d36 = d4 = 0;

	double sum = 0;
	int n = 0;
	if (!isnan(lo1)) {
		sum += (value - lo1) * ((d1 * 0.1) / (eq1_maxsev[eq1] * 0.1));
		n++;
	}
	if (!isnan(lo2)) {
		sum += (value - lo2) * ((d2 * 0.1) / (eq2_maxsev[eq2] * 0.1));
		n++;
	}
	if (!isnan(lo36)) {
		sum += (value - lo36) * ((d36 * 0.1) / (eq36_maxsev[eq3][eq6] * 0.1));
		n++;
	}
	if (!isnan(lo4)) {
		sum += (value - lo4) * ((d4 * 0.1) / (eq4_maxsev[eq4] * 0.1));
		n++;
	}
	if (!isnan(lo5))
		n++; /* EQ5 has no intra-level distance: it adds 0 but counts */
	if (n)
		value -= sum / n;
	if (value < 0)
		value = 0;
	if (value > 10)
		value = 10;
	return round1(value);
}

/* ---- entry points ---- */

int mmr_cvss_parse(const char *vector, struct mmr_cvss *ret, struct mmr_error *reterr)
{
	if (!vector || !ret)
		return -EINVAL;
	size_t len = strnlen(vector, MMR_CVSS_MAX_LEN + 1);
	if (len > MMR_CVSS_MAX_LEN)
		return mmr_error_set(reterr, E2BIG, NULL, 0, 0, "CVSS vector longer than %d bytes",
				     MMR_CVSS_MAX_LEN);
	char val[MAX_METRICS];
	struct mmr_cvss c = { 0 };
	int r;
	if (strncmp(vector, "CVSS:3.1/", 9) == 0 || strncmp(vector, "CVSS:3.0/", 9) == 0) {
		bool v31 = vector[7] == '1';
		r = parse_metrics(vector + 9, v3_metrics, V3__N, val, reterr);
		if (r < 0)
			return r;
		c.version = v31 ? 31 : 30;
		score_v3(val, v31, &c);
	} else if (strncmp(vector, "CVSS:4.0/", 9) == 0) {
		r = parse_metrics(vector + 9, v4_metrics, V4__N, val, reterr);
		if (r < 0)
			return r;
		c.version = 40;
		c.base = score_v4(val, false, false, NULL);
		c.temporal = score_v4(val, true, false, NULL);
		c.environmental = score_v4(val, true, true, c.macrovector);
		c.score = c.environmental;
	} else {
		return mmr_error_set(reterr, EBADMSG, NULL, 0, 0,
				     "not a CVSS v3.0, v3.1 or v4.0 vector (want the 'CVSS:3.1/' or 'CVSS:4.0/' prefix): '%.40s'",
				     vector);
	}
	*ret = c;
	return 0;
}

enum mmr_severity mmr_cvss_severity(double score)
{
	if (!(score >= 0))
		return MMR_SEV_UNKNOWN;
	/* compare in tenths: scores have one decimal */
	long t = lround(score * 10);
	if (t == 0)
		return MMR_SEV_INFO;
	if (t < 40)
		return MMR_SEV_LOW;
	if (t < 70)
		return MMR_SEV_MEDIUM;
	if (t < 90)
		return MMR_SEV_HIGH;
	return MMR_SEV_CRITICAL;
}
