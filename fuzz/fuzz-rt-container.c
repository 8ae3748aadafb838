/* fuzz-rt-container: the container state-file readers of
 * lib/runtime/runtime-container.c. The first byte picks the reader:
 *   0 OCI spec (config.json)      1 containers/storage containers.json
 *   2 images.json                 3 libpod config NUL state
 *   4 docker config.v2 NUL hostconfig NUL repositories.json
 *   5 a BoltDB image: get ctr/<id>/config and state, each over labels */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime/runtime-container.h"

#define FID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int count_cb(const char *k, size_t kl, const char *v, size_t vl, void *ctx)
{
	(void)k;
	(void)v;
	*(size_t *)ctx += kl + vl;
	return 0;
}

/* Part i of p (parts separated by NUL), as a NUL-terminated copy. */
static char *part(const uint8_t *p, size_t n, int i, size_t *ret_len)
{
	size_t s = 0;
	for (int k = 0; k < i; k++) {
		const uint8_t *z = memchr(p + s, 0, n - s);
		if (!z)
			return NULL;
		s = (size_t)(z - p) + 1;
	}
	const uint8_t *z = memchr(p + s, 0, n - s);
	size_t e = z ? (size_t)(z - p) : n;
	char *r = malloc(e - s + 1);
	if (!r)
		return NULL;
	memcpy(r, p + s, e - s);
	r[e - s] = 0;
	*ret_len = e - s;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	struct mmr_rt_container *c = calloc(1, sizeof(*c));
	if (!c)
		return 0;
	memcpy(c->id, FID, sizeof(FID));
	memcpy(c->image_id, FID, sizeof(FID));
	size_t l0 = 0, l1 = 0, l2 = 0;
	char *a = NULL, *b = NULL, *d = NULL;
	switch (data[0] % 6) {
	case 0:
		mmr_rt_container_parse_spec((const char *)p, n, c);
		break;
	case 1:
		mmr_rt_container_parse_storage((const char *)p, n, c);
		break;
	case 2:
		mmr_rt_container_parse_images((const char *)p, n, c);
		break;
	case 3:
		a = part(p, n, 0, &l0);
		b = part(p, n, 1, &l1);
		mmr_rt_container_parse_libpod(a, l0, b, l1, c);
		break;
	case 4:
		a = part(p, n, 0, &l0);
		b = part(p, n, 1, &l1);
		d = part(p, n, 2, &l2);
		if (a)
			mmr_rt_container_parse_docker(a, l0, b, l1, d, l2, c);
		break;
	default: {
		struct mmr_rt_bolt *bolt;
		if (mmr_rt_bolt_open_mem(p, n, &bolt) == 0) {
			const char *cp[] = { "ctr", FID, "config" };
			const char *sp[] = { "ctr", FID, "state" };
			const char *lp[] = { "ctr", FID };
			char *v;
			size_t vl, sum = 0;
			if (mmr_rt_bolt_get(bolt, cp, 3, &v, &vl) == 0)
				free(v);
			if (mmr_rt_bolt_get(bolt, sp, 3, &v, &vl) == 0)
				free(v);
			mmr_rt_bolt_each(bolt, lp, 2, count_cb, &sum);
			mmr_rt_bolt_each(bolt, lp, 0, count_cb, &sum);
			mmr_rt_bolt_free(bolt);
		}
		break;
	}
	}
	free(a);
	free(b);
	free(d);
	free(c);
	return 0;
}
