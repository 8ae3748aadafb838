/* core-limits.c - named limits (see core-limits.h). */
#include "core/core-limits.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define KiB ((uint64_t)1 << 10)
#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

static const struct {
	const char *key;
	size_t off;
	uint64_t def;
} table[] = {
	{ "max-file-size", offsetof(struct mmr_limits, max_file_size), 512 * MiB },
	{ "max-layer-bytes", offsetof(struct mmr_limits, max_layer_bytes), 16 * GiB },
	{ "max-image-bytes", offsetof(struct mmr_limits, max_image_bytes), 64 * GiB },
	{ "max-ratio", offsetof(struct mmr_limits, max_ratio), 200 },
	{ "max-entries", offsetof(struct mmr_limits, max_entries), 2000000 },
	{ "max-archive-depth", offsetof(struct mmr_limits, max_archive_depth), 4 },
	{ "max-json-depth", offsetof(struct mmr_limits, max_json_depth), 256 },
	{ "max-line", offsetof(struct mmr_limits, max_line), 1 * MiB },
	{ "max-packages", offsetof(struct mmr_limits, max_packages), 1000000 },
	{ "max-walk-depth", offsetof(struct mmr_limits, max_walk_depth), 128 },
	{ "max-blob-size", offsetof(struct mmr_limits, max_blob_size), 16 * GiB },
};

void mmr_limits_default(struct mmr_limits *l)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		*(uint64_t *)((char *)l + table[i].off) = table[i].def;
}

int mmr_limits_set(struct mmr_limits *l, const char *as)
{
	const char *eq = strchr(as, '=');
	if (!eq || eq == as || !eq[1])
		return -EINVAL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t kl = strlen(table[i].key);
		if ((size_t)(eq - as) != kl || strncmp(as, table[i].key, kl) != 0)
			continue;
		uint64_t v = 0, mul = 1;
		const char *p = eq + 1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - 9) / 10)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (p == eq + 1)
			return -EINVAL;
		if (*p == 'k' || *p == 'K')
			mul = KiB;
		else if (*p == 'm' || *p == 'M')
			mul = MiB;
		else if (*p == 'g' || *p == 'G')
			mul = GiB;
		else if (*p)
			return -EINVAL;
		if (*p && p[1])
			return -EINVAL;
		if (v > UINT64_MAX / mul)
			return -EINVAL;
		*(uint64_t *)((char *)l + table[i].off) = v * mul;
		return 0;
	}
	return -EINVAL;
}

const char *mmr_limits_key(const struct mmr_limits *l, const uint64_t *field)
{
	size_t off = (size_t)((const char *)field - (const char *)l);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].off == off)
			return table[i].key;
	return "?";
}
