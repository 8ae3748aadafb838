/* fuzz-dockerfile.c - the Dockerfile parser (continuations, directives,
 * heredocs, flags, exec form, ARG substitution, stages). */
#include "fuzz.h"

#include <stdlib.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "iac/iac-dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new(256 << 20);
	struct mmr_iac_set s;
	struct mmr_limits lim;
	struct mmr_error e;
	if (!a)
		return 0;
	mmr_limits_default(&lim);
	lim.max_line = 1 << 16;
	mmr_iac_set_init(&s, a);
	(void)mmr_dockerfile_parse(&s, data, size, "Dockerfile", &lim, &e);
	for (size_t i = 0; i < s.resources.n; i++) {
		struct mmr_iac_resource *r = s.resources.v[i];
		free(json_dumps(r->doc, JSON_COMPACT));
	}
	mmr_iac_set_release(&s);
	mmr_arena_free(a);
	return 0;
}
