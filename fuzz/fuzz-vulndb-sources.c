/* fuzz-vulndb-sources.c - the `db update` sources config parser
 * (mmr_vulndb_sources_parse) and NAME=URL assignments on arbitrary bytes. */
#include "fuzz.h"
#include "vulndb/vulndb-update.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new(256u << 20);
	if (!a)
		return 0;
	struct mmr_vec list = { 0 };
	if (mmr_vulndb_sources_default(a, &list) < 0)
		abort();
	struct mmr_error e = { 0 };
	if (mmr_vulndb_sources_parse(a, data, size, "sources.yaml", &list, &e) == 0) {
		if (list.n > MMR_VULNDB_MAX_SOURCES + 64)
			abort();
		/* every enabled source is usable: a name and a URL */
		for (size_t i = 0; i < list.n; i++) {
			const struct mmr_vulndb_source *s = list.v[i];
			if (!s->name || !s->name[0] || (s->enabled && !s->url))
				abort();
		}
	} else if (!e.msg[0]) {
		abort(); /* every refusal says why */
	}
	/* the same bytes as a --source NAME=URL argument */
	char *arg = malloc(size + 1);
	if (arg) {
		memcpy(arg, data, size);
		arg[size] = 0;
		mmr_vulndb_sources_set(a, &list, arg, &e);
		free(arg);
	}
	mmr_arena_free(a);
	return 0;
}
