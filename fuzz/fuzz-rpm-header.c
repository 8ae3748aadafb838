/* fuzz-rpm-header.c - rpm header blobs: framing and every tag accessor. */
#include "fuzz.h"
#include "sbom/sbom-rpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t tags[] = {
		MMR_RPMTAG_NAME,      MMR_RPMTAG_VERSION,     MMR_RPMTAG_RELEASE,
		MMR_RPMTAG_EPOCH,     MMR_RPMTAG_ARCH,        MMR_RPMTAG_SOURCERPM,
		MMR_RPMTAG_LICENSE,   MMR_RPMTAG_VENDOR,      MMR_RPMTAG_SIZE,
		MMR_RPMTAG_SIGMD5,    MMR_RPMTAG_PROVIDENAME, MMR_RPMTAG_REQUIRENAME,
	};
	struct mmr_rpm_header h;
	if (mmr_rpm_header_parse(data, size, &h) < 0)
		return 0;
	volatile size_t sink = 0;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct mmr_str s;
		struct mmr_rpm_strings it;
		uint32_t u;
		const uint8_t *b;
		size_t n;
		if (mmr_rpm_header_string(&h, tags[i], &s))
			for (size_t k = 0; k < s.len; k++)
				sink += (unsigned char)s.p[k];
		if (mmr_rpm_header_strings(&h, tags[i], &it))
			while (mmr_rpm_header_strings_next(&it, &s))
				sink += s.len ? (unsigned char)s.p[s.len - 1] : 0;
		if (mmr_rpm_header_u32(&h, tags[i], &u))
			sink += u;
		if (mmr_rpm_header_bin(&h, tags[i], &b, &n) && n)
			sink += b[n - 1];
	}
	(void)sink;
	return 0;
}
