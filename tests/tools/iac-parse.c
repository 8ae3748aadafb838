/* iac-parse - the raw HCL parse of each FILE as JSON (hcl2json's shape),
 * one line per file: {"file": ..., "json": ...} or {"file": ..., "error": ...}.
 * For the differential test against HashiCorp's parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "iac/iac-hcl.h"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	*ret_len = n;
	return b;
}

int main(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		char *d = slurp(argv[i], &len);
		json_t *out = json_object();
		json_object_set_new(out, "file", json_string(argv[i]));
		if (!d) {
			json_object_set_new(out, "error", json_string("cannot read"));
			rc = 1;
		} else {
			struct mmr_arena *a = mmr_arena_new(0);
			struct mmr_error e = { 0 };
			struct mmr_hcl_file *f = NULL;
			int r = strlen(argv[i]) > 5 && !strcmp(argv[i] + strlen(argv[i]) - 5, ".json")
					? mmr_hcl_json_parse(a, d, len, argv[i], NULL, &f, &e)
					: mmr_hcl_parse(a, d, len, argv[i], NULL, &f, &e);
			if (r < 0) {
				char msg[1200];
				json_object_set_new(out, "error",
						    json_string(mmr_error_format(&e, msg, sizeof(msg))));
				rc = 1;
			} else {
				json_object_set_new(out, "json", mmr_hcl_to_json(f, d, len));
			}
			mmr_arena_free(a);
			free(d);
		}
		char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
		json_decref(out);
	}
	return rc;
}
