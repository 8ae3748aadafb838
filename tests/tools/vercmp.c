/* vercmp - compare versions and match ranges with mamori's version schemes
 * (lib/vulndb/vulndb-version.h); a helper for differential tests.
 *
 *   vercmp SCHEME A B            prints -1, 0 or 1 (or "error")
 *   vercmp -r SCHEME EXPR V      prints 1 or 0 (or "error")
 *   vercmp -b                    batch: each stdin line is
 *                                "c<TAB>SCHEME<TAB>A<TAB>B" or
 *                                "r<TAB>SCHEME<TAB>EXPR<TAB>V";
 *                                prints one answer per line. */
#include "vulndb/vulndb-version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void answer_cmp(const char *scheme, const char *a, const char *b)
{
	int r;
	if (mmr_version_cmp(scheme, a, b, &r) < 0)
		puts("error");
	else
		printf("%d\n", r < 0 ? -1 : r > 0);
}

static void answer_range(const char *scheme, const char *expr, const char *v)
{
	bool m;
	if (mmr_version_range_match(scheme, expr, v, &m) < 0)
		puts("error");
	else
		printf("%d\n", m ? 1 : 0);
}

int main(int argc, char **argv)
{
	if (argc == 4) {
		answer_cmp(argv[1], argv[2], argv[3]);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "-r") == 0) {
		answer_range(argv[2], argv[3], argv[4]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-b") == 0) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, stdin)) >= 0) {
			if (n && line[n - 1] == '\n')
				line[--n] = 0;
			char *f[4];
			char *p = line;
			int k = 0;
			for (; k < 4; k++) {
				f[k] = p;
				char *t = k < 3 ? strchr(p, '\t') : NULL;
				if (k < 3 && !t)
					break;
				if (t)
					*t = 0, p = t + 1;
			}
			if (k < 4)
				puts("error");
			else if (f[0][0] == 'c')
				answer_cmp(f[1], f[2], f[3]);
			else
				answer_range(f[1], f[2], f[3]);
		}
		free(line);
		return 0;
	}
	fprintf(stderr, "usage: vercmp SCHEME A B | vercmp -r SCHEME EXPR V | vercmp -b\n");
	return 2;
}
