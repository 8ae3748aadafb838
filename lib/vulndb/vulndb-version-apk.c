/* vulndb-version-apk.c - Alpine (apk) version comparison:
 *   N(.N)*[letter](_suffix[N])*[-rN]
 * suffixes _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p;
 * numeric parts after the first that start with '0' compare as decimal
 * fractions (as strings), others numerically; more parts is newer. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define MAX_PARTS 32
#define MAX_SUFFIX 8

struct part {
	const char *p;
	size_t len; /* digits, leading zeros kept */
};

struct av {
	struct part num[MAX_PARTS];
	size_t nnum;
	char letter;
	int sfx[MAX_SUFFIX];
	uint64_t sfxn[MAX_SUFFIX];
	size_t nsfx;
	uint64_t rev;
};

static const char *const suffixes[] = { "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p" };
#define NONE_RANK 4

static int num_cmp(struct part a, struct part b, bool first)
{
	if (!first && ((a.len && a.p[0] == '0') || (b.len && b.p[0] == '0'))) {
		size_t n = a.len < b.len ? a.len : b.len;
		int c = memcmp(a.p, b.p, n);
		if (c)
			return c < 0 ? -1 : 1;
		return a.len == b.len ? 0 : a.len < b.len ? -1 : 1;
	}
	while (a.len > 1 && a.p[0] == '0') {
		a.p++;
		a.len--;
	}
	while (b.len > 1 && b.p[0] == '0') {
		b.p++;
		b.len--;
	}
	if (a.len != b.len)
		return a.len < b.len ? -1 : 1;
	int c = memcmp(a.p, b.p, a.len);
	return c < 0 ? -1 : c > 0;
}

static int digits(const char **s, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*ret = v;
	return 0;
}

static int parse(const char *s, struct av *v)
{
	if (strnlen(s, MMR_VERSION_MAX_LEN + 1) > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	for (;;) {
		if (!isdigit((unsigned char)*s) || v->nnum == MAX_PARTS)
			return -EINVAL;
		const char *st = s;
		while (isdigit((unsigned char)*s))
			s++;
		v->num[v->nnum++] = (struct part){ st, (size_t)(s - st) };
		if (*s != '.')
			break;
		s++;
	}
	if (islower((unsigned char)*s))
		v->letter = *s++;
	while (*s == '_') {
		s++;
		int k = -1;
		size_t best = 0;
		for (int i = 0; i < (int)(sizeof(suffixes) / sizeof(suffixes[0])); i++) {
			size_t l = strlen(suffixes[i]);
			if (l && l > best && strncmp(s, suffixes[i], l) == 0) {
				k = i;
				best = l;
			}
		}
		if (k < 0 || v->nsfx == MAX_SUFFIX)
			return -EINVAL;
		s += best;
		v->sfx[v->nsfx] = k;
		if (isdigit((unsigned char)*s) && digits(&s, &v->sfxn[v->nsfx]) < 0)
			return -EINVAL;
		v->nsfx++;
	}
	if (*s == '-') {
		if (s[1] != 'r')
			return -EINVAL;
		s += 2;
		if (digits(&s, &v->rev) < 0)
			return -EINVAL;
	}
	return *s ? -EINVAL : 0;
}

static int apk_cmp(const char *a, const char *b, int *ret)
{
	struct av x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	int r = 0;
	size_t n = x.nnum < y.nnum ? x.nnum : y.nnum;
	for (size_t i = 0; i < n && !r; i++)
		r = num_cmp(x.num[i], y.num[i], i == 0);
	if (!r && x.nnum != y.nnum)
		r = x.nnum < y.nnum ? -1 : 1;
	if (!r && x.letter != y.letter)
		r = x.letter < y.letter ? -1 : 1;
	for (size_t i = 0; !r && (i < x.nsfx || i < y.nsfx); i++) {
		int ka = i < x.nsfx ? x.sfx[i] : NONE_RANK, kb = i < y.nsfx ? y.sfx[i] : NONE_RANK;
		if (ka != kb)
			r = ka < kb ? -1 : 1;
		else if (i < x.nsfx && i < y.nsfx && x.sfxn[i] != y.sfxn[i])
			r = x.sfxn[i] < y.sfxn[i] ? -1 : 1;
	}
	if (!r && x.rev != y.rev)
		r = x.rev < y.rev ? -1 : 1;
	*ret = r;
	return 0;
}

/* Comparator lists ("< 1.2-3", ">= 1.0, < 2.0"): distributions mostly
 * publish a fixed version only, but some feeds write ranges this way. */
static int apk_range_match(const char *expr, const char *version, bool *ret)
{
	return mmr_version_oplist_match(expr, version, apk_cmp, ret);
}

const struct mmr_version_scheme mmr_version_apk = { "apk", apk_cmp, apk_range_match };
