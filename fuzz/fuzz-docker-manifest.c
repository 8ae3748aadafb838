/* fuzz-docker-manifest.c - docker-archive manifest.json. */
#include "fuzz.h"

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new((size_t)64 << 20);
	struct mmr_docker_manifest m;
	struct mmr_error e = { 0 };
	if (!a)
		return 0;
	(void)mmr_image_docker_manifest_parse(a, data, size, "manifest.json", &m, &e);
	mmr_arena_free(a);
	return 0;
}
