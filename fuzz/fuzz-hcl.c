/* fuzz-hcl.c - the HCL2 native and JSON syntax parsers on arbitrary bytes,
 * and the raw-parse JSON rendering of what parses. */
#include "fuzz.h"
#include "core/core-arena.h"
#include "core/core-error.h"
#include "iac/iac-hcl.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_hcl_limits lim = { .max_depth = 64, .max_nodes = 200000 };
	for (int mode = 0; mode < 3; mode++) {
		struct mmr_arena *a = mmr_arena_new(256u << 20);
		if (!a)
			return 0;
		struct mmr_error e = { 0 };
		struct mmr_hcl_file *f = NULL;
		struct mmr_hcl_expr *x = NULL;
		int r;
		if (mode == 0)
			r = mmr_hcl_parse(a, data, size, "f.tf", &lim, &f, &e);
		else if (mode == 1)
			r = mmr_hcl_json_parse(a, data, size, "f.tf.json", &lim, &f, &e);
		else
			r = mmr_hcl_parse_expr(a, data, size, "expr", &lim, &x, &e);
		if (r == 0 && f) {
			json_t *j = mmr_hcl_to_json(f, (const char *)data, size);
			char *s = json_dumps(j, JSON_ENCODE_ANY);
			free(s);
			json_decref(j);
		} else if (r < 0 && (e.line == 0 || e.msg[0] == 0)) {
			abort(); /* every error names its line */
		}
		mmr_arena_free(a);
	}
	return 0;
}
