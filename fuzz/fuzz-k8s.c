/* fuzz-k8s.c - the Kubernetes manifest reader (YAML with positions, List
 * items, workload normalisation, suppressions). */
#include "fuzz.h"

#include <stdlib.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "iac/iac-k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new(256 << 20);
	struct mmr_iac_set s;
	struct mmr_limits lim;
	struct mmr_error e;
	if (!a)
		return 0;
	mmr_limits_default(&lim);
	lim.max_json_depth = 64;
	mmr_iac_set_init(&s, a);
	(void)mmr_k8s_is_manifest(data, size);
	(void)mmr_k8s_parse(&s, data, size, "fuzz.yaml", &lim, &e);
	for (size_t i = 0; i < s.resources.n; i++) { /* touch every node */
		struct mmr_iac_resource *r = s.resources.v[i];
		free(json_dumps(r->doc, JSON_COMPACT));
	}
	mmr_iac_set_release(&s);
	mmr_arena_free(a);
	return 0;
}
