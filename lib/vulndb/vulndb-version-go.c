/* vulndb-version-go.c - Go module versions (golang.org/ref/mod#versions,
 * golang.org/x/mod/semver): SemVer 2.0.0 with a "v" prefix, which OSV's Go
 * records leave out, so it is optional here. As in x/mod/semver, "v1" and
 * "v1.2" are shorthands for v1.0.0 and v1.2.0 (without pre-release or
 * build); "+incompatible" is build metadata and does not affect order.
 * Pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
 * v1.2.4-0.20191109021931-daa7c04131f5, vX.Y.Z-pre.0.yyyymmddhhmmss-abc)
 * are pre-releases and order by plain SemVer precedence, which is what the
 * go command does. Ranges: comma-separated comparator lists (">= 1.2.0,
 * < 1.4.1"); Go has no range grammar of its own. */
#include "vulndb/vulndb-version.h"
#include "vulndb/vulndb-version-util.h"

#include <errno.h>
#include <string.h>

static int parse(const char *s, struct mmr_semver *v)
{
	size_t n = strnlen(s, MMR_VERSION_MAX_LEN + 1);
	if (n > MMR_VERSION_MAX_LEN)
		return -EINVAL;
	const char *end = s + n;
	if (s < end && *s == 'v')
		s++;
	if (mmr_semver_parse(s, (size_t)(end - s), UINT64_MAX, v) == 0)
		return 0;
	/* shorthand: vMAJOR or vMAJOR.MINOR, nothing after */
	for (size_t parts = 1; parts <= 2; parts++) {
		const char *p = s;
		if (mmr_semver_parse_core(&p, end, UINT64_MAX, parts, v) == 0 && p == end) {
			v->pre = v->pre_end = NULL;
			return 0;
		}
	}
	return -EINVAL;
}

static int go_cmp(const char *a, const char *b, int *ret)
{
	struct mmr_semver x, y;
	if (parse(a, &x) < 0 || parse(b, &y) < 0)
		return -EINVAL;
	*ret = mmr_semver_order(&x, &y);
	return 0;
}

static int go_range_match(const char *expr, const char *version, bool *ret)
{
	return mmr_version_oplist_match(expr, version, go_cmp, ret);
}

const struct mmr_version_scheme mmr_version_go = { "go", go_cmp, go_range_match };
