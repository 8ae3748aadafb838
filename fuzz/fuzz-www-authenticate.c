/* fuzz-www-authenticate.c - the WWW-Authenticate challenge parser. */
#include "fuzz.h"

#include <string.h>

#include "core/core-arena.h"
#include "image/image-registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new(64 << 20);
	struct mmr_auth_challenge *c = NULL;
	size_t n = 0;
	if (mmr_auth_parse_challenges(a, (const char *)data, size, &c, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			(void)strlen(c[i].scheme);
			(void)mmr_auth_param(&c[i], "realm");
			for (size_t k = 0; k < c[i].n_params; k++)
				(void)strlen(c[i].params[k].value);
		}
	}
	mmr_arena_free(a);
	return 0;
}
