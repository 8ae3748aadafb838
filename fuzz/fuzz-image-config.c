/* fuzz-image-config.c - image config JSON, OCI manifest / index JSON and
 * the layer cache format (the first byte picks the parser). */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "image/image-cache.h"
#include "image/image.h"

static const uint8_t *blob;
static size_t blob_len;

static int get(void *ud, const char *name, uint8_t **ret, size_t *ret_len, struct mmr_error *e)
{
	(void)ud;
	(void)name;
	(void)e;
	/* every blob is the input: its digest will not match except by chance,
	 * index.json is parsed */
	*ret = malloc(blob_len + 1);
	if (!*ret)
		return -12;
	memcpy(*ret, blob, blob_len);
	*ret_len = blob_len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_arena *a = mmr_arena_new((size_t)64 << 20);
	struct mmr_error e = { 0 };
	struct mmr_limits lim;
	if (!a || size < 1)
		goto out;
	mmr_limits_default(&lim);
	switch (data[0] % 4) {
	case 0: {
		struct mmr_image_config cfg;
		struct mmr_vec ids = { 0 };
		(void)mmr_image_config_parse(a, data + 1, size - 1, "config", &cfg, &ids, &e);
		break;
	}
	case 1: {
		struct mmr_oci_manifest m;
		(void)mmr_oci_manifest_parse(a, data + 1, size - 1, "manifest", &m, &e);
		break;
	}
	case 2: {
		struct mmr_oci_manifest m;
		const char *d = NULL;
		blob = data + 1;
		blob_len = size - 1;
		(void)mmr_oci_resolve(a, get, NULL, size > 8 && data[1] == 't' ? "latest" : NULL,
				      "linux/amd64", &d, &m, &e);
		break;
	}
	default: {
		struct mmr_sbom_ctx *ctx = NULL;
		if (mmr_image_cache_parse(a, &lim, NULL, data + 1, size - 1, &ctx) == 0) {
			char *js = mmr_image_cache_dump(ctx);
			free(js);
		}
		break;
	}
	}
out:
	mmr_arena_free(a);
	return 0;
}
