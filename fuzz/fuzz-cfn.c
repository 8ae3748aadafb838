/* fuzz-cfn.c - the CloudFormation reader and evaluator, then normalisation. */
#include "fuzz.h"

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "iac/iac-cfn.h"
#include "iac/iac-normalise.h"

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
	if (mmr_cfn_parse(&s, data, size, "fuzz.yaml", &lim, &e) == 0)
		mmr_iac_normalise(&s, &e);
	mmr_iac_set_release(&s);
	mmr_arena_free(a);
	return 0;
}
