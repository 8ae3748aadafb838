/* vulndb-version-util.c - helpers shared by the version schemes. */
#include "vulndb/vulndb-version-util.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

int mmr_version_u64(const char **s, uint64_t *ret)
{
	const char *p = *s;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*s = p;
	*ret = v;
	return 0;
}

int mmr_version_digits_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	while (la && *a == '0')
		a++, la--;
	while (lb && *b == '0')
		b++, lb--;
	if (la != lb)
		return la < lb ? -1 : 1;
	int c = memcmp(a, b, la);
	return c < 0 ? -1 : c > 0;
}

enum mmr_version_op mmr_version_read_op(const char **s)
{
	const char *p = *s;
	enum mmr_version_op op = MMR_VOP_EQ;
	if (p[0] == '=' && p[1] == '=')
		p += 2;
	else if (p[0] == '=')
		p += 1;
	else if (p[0] == '!' && p[1] == '=')
		op = MMR_VOP_NE, p += 2;
	else if (p[0] == '<' && p[1] == '<') /* Debian's strict forms */
		op = MMR_VOP_LT, p += 2;
	else if (p[0] == '>' && p[1] == '>')
		op = MMR_VOP_GT, p += 2;
	else if (p[0] == '<' && p[1] == '=')
		op = MMR_VOP_LE, p += 2;
	else if (p[0] == '>' && p[1] == '=')
		op = MMR_VOP_GE, p += 2;
	else if (p[0] == '<')
		op = MMR_VOP_LT, p += 1;
	else if (p[0] == '>')
		op = MMR_VOP_GT, p += 1;
	*s = p;
	return op;
}

bool mmr_version_op_holds(enum mmr_version_op op, int c)
{
	switch (op) {
	case MMR_VOP_EQ: return c == 0;
	case MMR_VOP_NE: return c != 0;
	case MMR_VOP_LT: return c < 0;
	case MMR_VOP_LE: return c <= 0;
	case MMR_VOP_GT: return c > 0;
	case MMR_VOP_GE: return c >= 0;
	}
	return false;
}

int mmr_version_oplist_match(const char *expr, const char *version,
			     int (*cmp)(const char *a, const char *b, int *ret), bool *ret)
{
	size_t n = strnlen(expr, MMR_VERSION_MAX_EXPR + 1);
	if (n > MMR_VERSION_MAX_EXPR)
		return -EINVAL;
	bool all = true;
	int count = 0;
	const char *p = expr, *end = expr + n;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		while (p < e && mmr_version_space(*p))
			p++;
		const char *q = p;
		enum mmr_version_op op = mmr_version_read_op(&q);
		while (q < e && mmr_version_space(*q))
			q++;
		const char *ve = e;
		while (ve > q && mmr_version_space(ve[-1]))
			ve--;
		if (ve == q || (size_t)(ve - q) > MMR_VERSION_MAX_LEN)
			return -EINVAL;
		char buf[MMR_VERSION_MAX_LEN + 1];
		memcpy(buf, q, (size_t)(ve - q));
		buf[ve - q] = 0;
		int c;
		int r = cmp(version, buf, &c);
		if (r < 0)
			return r;
		all &= mmr_version_op_holds(op, c);
		count++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (!count)
		return -EINVAL;
	*ret = all;
	return 0;
}
