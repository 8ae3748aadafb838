/* vulndb-version.c - the scheme table (see vulndb-version.h). */
#include "vulndb/vulndb-version.h"

#include <errno.h>
#include <string.h>

static const struct mmr_version_scheme *const schemes[] = {
#define V(n) &mmr_version_##n,
#include "vulndb/vulndb-version.def"
#undef V
	NULL,
};

const struct mmr_version_scheme *mmr_version_scheme_find(const char *name)
{
	for (size_t i = 0; schemes[i]; i++)
		if (strcmp(schemes[i]->name, name) == 0)
			return schemes[i];
	return NULL;
}

int mmr_version_cmp(const char *scheme, const char *a, const char *b, int *ret)
{
	const struct mmr_version_scheme *s = mmr_version_scheme_find(scheme);
	if (!s)
		return -ENOTSUP;
	return s->cmp(a, b, ret);
}

int mmr_version_range_match(const char *scheme, const char *expr, const char *version, bool *ret)
{
	const struct mmr_version_scheme *s = mmr_version_scheme_find(scheme);
	if (!s || !s->range_match)
		return -ENOTSUP;
	return s->range_match(expr, version, ret);
}
