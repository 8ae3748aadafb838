/* fuzz-version.c - every version scheme's cmp and range_match on hostile
 * input (lib/vulndb/vulndb-version-*.c). Input: one byte choosing the
 * scheme, then "A\nB[\nC]". Checks reflexivity (cmp(a,a) == 0),
 * antisymmetry (cmp(a,b) == -cmp(b,a)), and that a version accepted by
 * cmp is accepted by range_match as the version (and vice versa for the
 * expression side nothing is assumed). */
#include "fuzz.h"

#include "vulndb/vulndb-version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const schemes[] = { "dpkg", "rpm", "apk",   "semver", "pep440",   "npm",
				       "go",   "cargo", "maven", "gem",   "composer", "nuget" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 12000)
		return 0;
	const char *scheme = schemes[data[0] % (sizeof(schemes) / sizeof(schemes[0]))];
	char *buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	char *a = buf, *b = strchr(a, '\n'), *c = NULL;
	if (b) {
		*b++ = 0;
		c = strchr(b, '\n');
		if (c)
			*c++ = 0;
	} else {
		b = a;
	}
	int x = 7, y = 7, z = 7;
	int ra = mmr_version_cmp(scheme, a, b, &x);
	int rb = mmr_version_cmp(scheme, b, a, &y);
	if (ra != rb)
		abort(); /* validity cannot depend on the order */
	if (ra == 0 && (x < -1 || x > 1 || x != -y))
		abort();
	if (mmr_version_cmp(scheme, a, a, &z) == 0 && z != 0)
		abort();
	bool m;
	int r1 = mmr_version_range_match(scheme, a, b, &m);
	if (r1 != 0 && r1 != -EINVAL && r1 != -E2BIG && r1 != -ENOTSUP)
		abort();
	if (c) {
		r1 = mmr_version_range_match(scheme, c, a, &m);
		if (r1 != 0 && r1 != -EINVAL && r1 != -E2BIG && r1 != -ENOTSUP)
			abort();
	}
	free(buf);
	return 0;
}
