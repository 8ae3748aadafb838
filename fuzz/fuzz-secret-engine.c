/* fuzz-secret-engine.c - random text through the built-in rules (compiled
 * once), as the file scanner sees it. */
#include "fuzz.h"

#include <stdlib.h>

#include "secret/secret.h"

static struct mmr_secret_rules *rs;
static struct mmr_secret_scratch *scratch;

static int on_hit(void *ud, const struct mmr_secret_hit *h)
{
	size_t len = *(size_t *)ud;
	if (h->secret_end > len || h->secret_start > h->secret_end || h->match_end > len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rs) {
		struct mmr_error e = { 0 };
		if (mmr_secret_rules_builtin(&rs, &e) < 0 || mmr_secret_scratch_new(rs, &scratch) < 0)
			abort();
	}
	mmr_secret_scan(rs, scratch, "a/b.txt", NULL, data, size, on_hit, &size);
	return 0;
}
