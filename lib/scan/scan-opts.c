/* scan-opts.c - scan option defaults and the cache directory. */
#include "scan/scan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void mmr_scan_opts_default(struct mmr_scan_opts *o)
{
	memset(o, 0, sizeof(*o));
	mmr_limits_default(&o->limits);
}

static int mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, mode);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -errno;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

const char *mmr_scan_cache_dir(const struct mmr_scan_opts *o, char *buf, unsigned long len)
{
	int n;
	if (!o || o->no_cache || !buf || len == 0)
		return NULL;
	if (o->cache_dir && *o->cache_dir) {
		n = snprintf(buf, len, "%s", o->cache_dir);
	} else {
		const char *xdg = secure_getenv("XDG_CACHE_HOME");
		const char *home = secure_getenv("HOME");
		if (xdg && xdg[0] == '/')
			n = snprintf(buf, len, "%s/mamori", xdg);
		else if (home && home[0] == '/')
			n = snprintf(buf, len, "%s/.cache/mamori", home);
		else
			return NULL;
	}
	if (n <= 0 || (unsigned long)n >= len)
		return NULL;
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	if (mkdir_p(buf, 0700) < 0)
		return NULL;
	struct stat st;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return buf;
}
