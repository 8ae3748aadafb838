/* fuzz-manifest.c - OCI/Docker manifest and index parsing, platform
 * selection, and image config diff_ids. The first byte picks the input's
 * role; the rest is the document. */
#include "fuzz.h"

#include <string.h>

#include "core/core-arena.h"
#include "image/image-registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const plats[] = { NULL, "linux/amd64", "linux/arm64", "linux/arm/v6",
					     "linux/aarch64/8", "windows/amd64" };
	if (size < 1)
		return 0;
	struct mmr_arena *a = mmr_arena_new(256 << 20);
	struct mmr_error e;
	uint8_t sel = data[0];
	data++;
	size--;
	if (sel & 0x80) {
		const char **ids = NULL;
		size_t n = 0;
		mmr_registry_parse_config(a, data, size, "config", &ids, &n, &e);
	} else {
		struct mmr_registry_manifest *m = NULL;
		const char *ct = (sel & 1) ? "application/vnd.oci.image.index.v1+json" : NULL;
		if (mmr_registry_parse_manifest(a, data, size, ct, "manifest", &m, &e) == 0 &&
		    m->is_index) {
			size_t i;
			const char *p = plats[(sel >> 1) % (sizeof(plats) / sizeof(plats[0]))];
			if (mmr_registry_select_platform(m, p, &i, &e) == 0)
				(void)strlen(m->descs[i].digest);
		}
	}
	mmr_arena_free(a);
	return 0;
}
