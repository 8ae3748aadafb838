/* sbom-rpm.h - internal to the rpm analyzer: the header blob parser and the
 * three rpmdb storage formats (BerkeleyDB hash, SUSE NDB, SQLite).
 *
 * All of them read untrusted bytes: every offset and count is checked
 * against the buffer before it is used, loops are bounded by the number of
 * pages or slots the buffer can hold, and nothing is written anywhere. */
#ifndef MMR_SBOM_RPM_H
#define MMR_SBOM_RPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-error.h"
#include "core/core-str.h"

/* Header tags we read (rpmtag.h). */
enum {
	MMR_RPMTAG_SIGMD5 = 261,
	MMR_RPMTAG_NAME = 1000,
	MMR_RPMTAG_VERSION = 1001,
	MMR_RPMTAG_RELEASE = 1002,
	MMR_RPMTAG_EPOCH = 1003,
	MMR_RPMTAG_SIZE = 1009,
	MMR_RPMTAG_VENDOR = 1011,
	MMR_RPMTAG_LICENSE = 1014,
	MMR_RPMTAG_PACKAGER = 1015,
	MMR_RPMTAG_ARCH = 1022,
	MMR_RPMTAG_SOURCERPM = 1044,
	MMR_RPMTAG_PROVIDENAME = 1047,
	MMR_RPMTAG_REQUIRENAME = 1049,
	MMR_RPMTAG_MODULARITYLABEL = 5096,
};

/* Tag data types. */
enum {
	MMR_RPM_NULL = 0,
	MMR_RPM_CHAR = 1,
	MMR_RPM_INT8 = 2,
	MMR_RPM_INT16 = 3,
	MMR_RPM_INT32 = 4,
	MMR_RPM_INT64 = 5,
	MMR_RPM_STRING = 6,
	MMR_RPM_BIN = 7,
	MMR_RPM_STRING_ARRAY = 8,
	MMR_RPM_I18NSTRING = 9,
};

#define MMR_RPM_HEADER_TAGS_MAX 0xffffu   /* rpm's own limits */
#define MMR_RPM_HEADER_DATA_MAX 0x0fffffffu

/* A header blob as stored in the rpmdb: be32 il, be32 dl, il 16-byte index
 * entries (tag, type, offset, count; all be32), dl bytes of data. */
struct mmr_rpm_header {
	const uint8_t *index;
	uint32_t il;
	const uint8_t *data;
	uint32_t dl;
};

/* Check the framing; -EBADMSG when il/dl do not fit the blob. */
int mmr_rpm_header_parse(const void *blob, size_t len, struct mmr_rpm_header *ret);
/* A STRING or I18NSTRING (first translation) tag, or the first element of a
 * STRING_ARRAY. false when absent or malformed. */
bool mmr_rpm_header_string(const struct mmr_rpm_header *h, uint32_t tag, struct mmr_str *ret);
/* The i-th string of a STRING_ARRAY (or i == 0 of a STRING). ret_count gets
 * the element count when non-NULL. Strings are walked in order, so call
 * mmr_rpm_header_strings_next for a full iteration instead. */
struct mmr_rpm_strings {
	const uint8_t *p, *end;
	uint32_t left;
};
bool mmr_rpm_header_strings(const struct mmr_rpm_header *h, uint32_t tag,
			    struct mmr_rpm_strings *ret);
bool mmr_rpm_header_strings_next(struct mmr_rpm_strings *it, struct mmr_str *ret);
bool mmr_rpm_header_u32(const struct mmr_rpm_header *h, uint32_t tag, uint32_t *ret);
bool mmr_rpm_header_bin(const struct mmr_rpm_header *h, uint32_t tag, const uint8_t **ret,
			size_t *ret_len);

/* Database walkers: call fn for every stored header blob. fn returns < 0 to
 * stop. A walker returns 0, fn's error, or -EBADMSG/-E2BIG with reterr set
 * (blobs found before the damage have been delivered). max_blob bounds one
 * reassembled value. */
typedef int (*mmr_rpm_blob_fn)(void *ud, const uint8_t *blob, size_t len);
int mmr_rpm_bdb_walk(const uint8_t *data, size_t len, size_t max_blob, mmr_rpm_blob_fn fn,
		     void *ud, const char *path, struct mmr_error *reterr);
int mmr_rpm_ndb_walk(const uint8_t *data, size_t len, mmr_rpm_blob_fn fn, void *ud,
		     const char *path, struct mmr_error *reterr);
int mmr_rpm_sqlite_walk(const uint8_t *data, size_t len, mmr_rpm_blob_fn fn, void *ud,
			const char *path, struct mmr_error *reterr);

bool mmr_rpm_is_bdb(const uint8_t *data, size_t len);
bool mmr_rpm_is_ndb(const uint8_t *data, size_t len);
bool mmr_rpm_is_sqlite(const uint8_t *data, size_t len);

#endif
