/* fuzz-docker-config.c - credentials lookup in a docker config.json /
 * containers auth.json. */
#include "fuzz.h"

#include "core/core-arena.h"
#include "image/image-registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const regs[][2] = {
		{ "registry-1.docker.io", "library/alpine" },
		{ "quay.io", "team/app" },
		{ "127.0.0.1:5000", "x" },
	};
	struct mmr_arena *a = mmr_arena_new(64 << 20);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		struct mmr_auth_cred c;
		struct mmr_error e;
		mmr_auth_file_lookup(a, data, size, "config.json", regs[i][0], regs[i][1], &c, &e);
	}
	mmr_arena_free(a);
	return 0;
}
