/* sbom-rpm-header.c - rpm header blobs (the "immutable region" rpm stores
 * in its database), read with bounds checks on every index entry. */
#include "sbom/sbom-rpm.h"

#include <errno.h>
#include <string.h>

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int mmr_rpm_header_parse(const void *blob, size_t len, struct mmr_rpm_header *ret)
{
	const uint8_t *b = blob;
	if (!b || len < 8)
		return -EBADMSG;
	uint32_t il = be32(b), dl = be32(b + 4);
	if (il == 0 || il > MMR_RPM_HEADER_TAGS_MAX || dl > MMR_RPM_HEADER_DATA_MAX)
		return -EBADMSG;
	uint64_t need = 8 + (uint64_t)il * 16 + dl;
	if (need > len)
		return -EBADMSG;
	ret->index = b + 8;
	ret->il = il;
	ret->data = b + 8 + (size_t)il * 16;
	ret->dl = dl;
	return 0;
}

/* The index entry of tag: type, offset (< dl) and count. */
static bool find(const struct mmr_rpm_header *h, uint32_t tag, uint32_t *type, uint32_t *off,
		 uint32_t *count)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const uint8_t *e = h->index + (size_t)i * 16;
		if (be32(e) != tag)
			continue;
		*type = be32(e + 4);
		*off = be32(e + 8);
		*count = be32(e + 12);
		return *off < h->dl && *count > 0;
	}
	return false;
}

bool mmr_rpm_header_strings(const struct mmr_rpm_header *h, uint32_t tag,
			    struct mmr_rpm_strings *ret)
{
	uint32_t type, off, count;
	if (!find(h, tag, &type, &off, &count))
		return false;
	if (type == MMR_RPM_STRING)
		count = 1; /* rpm stores count 1; be strict about it */
	else if (type != MMR_RPM_STRING_ARRAY && type != MMR_RPM_I18NSTRING)
		return false;
	ret->p = h->data + off;
	ret->end = h->data + h->dl;
	ret->left = count;
	return true;
}

bool mmr_rpm_header_strings_next(struct mmr_rpm_strings *it, struct mmr_str *ret)
{
	if (!it->left || it->p >= it->end)
		return false;
	const uint8_t *nul = memchr(it->p, 0, (size_t)(it->end - it->p));
	if (!nul) {
		it->left = 0;
		return false;
	}
	*ret = (struct mmr_str){ (const char *)it->p, (size_t)(nul - it->p) };
	it->p = nul + 1;
	it->left--;
	return true;
}

bool mmr_rpm_header_string(const struct mmr_rpm_header *h, uint32_t tag, struct mmr_str *ret)
{
	struct mmr_rpm_strings it;
	return mmr_rpm_header_strings(h, tag, &it) && mmr_rpm_header_strings_next(&it, ret);
}

bool mmr_rpm_header_u32(const struct mmr_rpm_header *h, uint32_t tag, uint32_t *ret)
{
	uint32_t type, off, count;
	if (!find(h, tag, &type, &off, &count) || type != MMR_RPM_INT32)
		return false;
	if ((uint64_t)off + 4 > h->dl)
		return false;
	*ret = be32(h->data + off);
	return true;
}

bool mmr_rpm_header_bin(const struct mmr_rpm_header *h, uint32_t tag, const uint8_t **ret,
			size_t *ret_len)
{
	uint32_t type, off, count;
	if (!find(h, tag, &type, &off, &count) || type != MMR_RPM_BIN)
		return false;
	if ((uint64_t)off + count > h->dl)
		return false;
	*ret = h->data + off;
	*ret_len = count;
	return true;
}
