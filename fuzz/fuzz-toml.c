/* fuzz-toml.c - the TOML parser and the TOML lockfile analyzers (poetry,
 * uv, Cargo) on arbitrary bytes. */
#include "fuzz.h"
#include "core/core-toml.h"
#include "sbom/sbom.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL;
	struct mmr_error e = { 0 };
	if (mmr_toml_parse(data, size, "f.toml", 64, &j, &e) == 0) {
		/* the tree must serialise: valid UTF-8 strings, no NaN reals */
		char *s = json_dumps(j, JSON_ENCODE_ANY);
		if (!s)
			abort();
		free(s);
		json_decref(j);
	}
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_json_depth = 64;
	static const struct mmr_sbom_analyzer *const an[] = { &mmr_sbom_analyzer_poetry,
							      &mmr_sbom_analyzer_uv,
							      &mmr_sbom_analyzer_cargo };
	static const char *const paths[] = { "poetry.lock", "uv.lock", "Cargo.lock" };
	for (size_t i = 0; i < 3; i++) {
		struct mmr_arena *a = mmr_arena_new(256u << 20);
		if (!a)
			return 0;
		struct mmr_sbom_ctx ctx;
		mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_SOURCE, NULL);
		struct mmr_sbom_file f = { .path = paths[i], .data = data, .len = size,
					   .mode = 0100644 };
		an[i]->parse(&ctx, &f, &e);
		mmr_arena_free(a);
	}
	return 0;
}
