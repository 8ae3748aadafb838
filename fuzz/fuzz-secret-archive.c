/* fuzz-secret-archive.c - random bytes through the archive walker of the
 * secret scanner (libarchive from memory, nesting, budgets), with the
 * built-in rules. The first byte picks the depth limit. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "secret/secret.h"

static struct mmr_secret_rules *rs;
static struct mmr_secret_scanner *sc;

static void on_warn(void *ud, const char *where, const char *msg)
{
	(void)ud;
	if (!where || !msg)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rs) {
		struct mmr_error e = { 0 };
		if (mmr_secret_rules_builtin(&rs, &e) < 0 || mmr_secret_scanner_new(rs, NULL, &sc, &e) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	struct mmr_secret_archive_opts o = {
		.max_depth = 1 + data[0] % 4,
		.max_file_size = 1 << 20,
		.max_ratio = 50,
		.max_entries = 1000,
		.warn = on_warn,
	};
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	if (!a)
		abort();
	struct mmr_vec out = { 0 };
	int rc = mmr_secret_scan_archive(sc, a, &out, "x.zip", data + 1, size - 1, &o);
	if (rc < 0 && rc != -ENOMEM)
		abort();
	for (size_t i = 0; i < out.n; i++) {
		const struct mmr_finding *f = out.v[i];
		if (!f->loc.file || strncmp(f->loc.file, "x.zip!", 6) != 0)
			abort();
	}
	mmr_arena_free(a);
	return 0;
}
