/* fuzz-hdb.c - the hash-signature loader: ClamAV .hdb/.hsb and plain lists.
 * The first byte picks the format; the rest is the file. */
#include "fuzz.h"

#include "malware/malware.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "f.hdb", "f.hsb", "f.sha256" };
	if (!size)
		return 0;
	struct mmr_hashsig_set *s = mmr_hashsig_new();
	if (!s)
		return 0;
	struct mmr_error e = { 0 };
	if (mmr_hashsig_parse(s, names[data[0] % 3], data + 1, size - 1, &e) >= 0 &&
	    mmr_hashsig_finish(s) >= 0) {
		uint8_t d[32];
		memset(d, 0, sizeof(d));
		memcpy(d, data, size < sizeof(d) ? size : sizeof(d));
		for (int a = 0; a < MMR_HASHSIG__COUNT; a++) {
			(void)mmr_hashsig_size_wanted(s, (enum mmr_hashsig_algo)a, size);
			(void)mmr_hashsig_lookup(s, (enum mmr_hashsig_algo)a, d, size);
		}
		(void)mmr_hashsig_digest(s);
	}
	mmr_hashsig_free(s);
	return 0;
}
