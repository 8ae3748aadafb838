/* fuzz-secret-config.c - a gitleaks TOML config through the loader and,
 * when it compiles, the engine over the config text itself. */
#include "fuzz.h"

#include "secret/secret.h"

static int on_hit(void *ud, const struct mmr_secret_hit *h)
{
	(void)h;
	(*(int *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_secret_rules *rs = NULL;
	struct mmr_error e = { 0 };
	if (mmr_secret_rules_new(data, size, "fuzz.toml", &rs, &e) < 0)
		return 0;
	struct mmr_secret_scratch *s = NULL;
	if (mmr_secret_scratch_new(rs, &s) == 0) {
		int n = 0;
		mmr_secret_scan(rs, s, "fuzz/.env", NULL, data, size, on_hit, &n);
		mmr_secret_scratch_free(s);
	}
	mmr_secret_rules_free(rs);
	return 0;
}
