/* sbom-rpm-db.c - the three storage formats of the rpm database, read from
 * memory: BerkeleyDB hash (var/lib/rpm/Packages), SUSE's NDB (Packages.db)
 * and SQLite (rpmdb.sqlite). Each walker hands every stored header blob to a
 * callback.
 *
 * BerkeleyDB hash, as far as we need it (db-5.3 dbinc/db_page.h):
 *   page 0 is the hash metadata page: magic 0x061561 at byte 12 (in the
 *   writer's byte order, which the magic also tells us), page size at 20,
 *   page type 8 (HASHMETA) at 25, last page number at 32.
 *   Every page starts with a 26-byte header: pgno at 8, prev at 12, next at
 *   16, entries (u16) at 20, hf_offset (u16) at 22, level at 24, type at 25,
 *   followed on hash pages (type 2 or 13) by `entries` u16 item offsets.
 *   Items alternate key, data. An item starts with its kind: 1 KEYDATA (the
 *   bytes follow, up to the previous item's offset), 3 OFFPAGE (pgno at +4,
 *   total length at +8: the value lives on a chain of overflow pages, type 7,
 *   each holding hf_offset bytes after its header, linked by next).
 * NDB (rpm lib/backend/ndb/rpmpkg.c), little-endian:
 *   32-byte header: magic "RpmP", version 0, generation, slot page count;
 *   then 16-byte slots ("Slot", package index, block offset, block count)
 *   filling the slot pages (4096 bytes each; the header takes two slots).
 *   A blob starts at block offset * 16 with "BlbS", package index,
 *   checksum, length, then the header bytes.
 * SQLite: table Packages(hnum INTEGER PRIMARY KEY, blob BLOB). */
#include "sbom/sbom-rpm.h"
#include "core/core-buf.h"

#include <errno.h>
#include <sqlite3.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- BerkeleyDB hash ---- */

#define BDB_HASH_MAGIC 0x061561u
#define BDB_PAGE_HDR 26
#define P_HASH_UNSORTED 2
#define P_OVERFLOW 7
#define P_HASHMETA 8
#define P_HASH 13
#define H_KEYDATA 1
#define H_OFFPAGE 3

struct bdb {
	const uint8_t *d;
	size_t len;
	uint32_t pagesize, npages;
	bool swap; /* written big-endian */
};

static uint32_t bdb32(const struct bdb *b, const uint8_t *p)
{
	return b->swap ? be32(p) : le32(p);
}

static uint16_t bdb16(const struct bdb *b, const uint8_t *p)
{
	return b->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

bool mmr_rpm_is_bdb(const uint8_t *data, size_t len)
{
	return len >= 512 && (le32(data + 12) == BDB_HASH_MAGIC || be32(data + 12) == BDB_HASH_MAGIC);
}

bool mmr_rpm_is_ndb(const uint8_t *data, size_t len)
{
	return len >= 32 && memcmp(data, "RpmP", 4) == 0;
}

bool mmr_rpm_is_sqlite(const uint8_t *data, size_t len)
{
	return len >= 100 && memcmp(data, "SQLite format 3", 16) == 0;
}

/* Reassemble an overflow chain into out. */
static int bdb_overflow(const struct bdb *b, uint32_t pgno, uint32_t tlen, struct mmr_buf *out,
			const char *path, struct mmr_error *reterr)
{
	mmr_buf_reset(out);
	for (uint32_t hops = 0; pgno != 0; hops++) {
		if (hops >= b->npages)
			return mmr_error_set(reterr, EBADMSG, path, 0, 0,
					     "overflow chain loops (page %u)", pgno);
		if (pgno >= b->npages)
			return mmr_error_set(reterr, EBADMSG, path, 0, 0,
					     "overflow page %u past the end of the file (%u pages)",
					     pgno, b->npages);
		const uint8_t *pg = b->d + (size_t)pgno * b->pagesize;
		if (pg[25] != P_OVERFLOW)
			return mmr_error_set(reterr, EBADMSG, path, 0, 0,
					     "page %u: expected an overflow page, type %u", pgno,
					     pg[25]);
		uint32_t n = bdb16(b, pg + 22);
		if (n > b->pagesize - BDB_PAGE_HDR)
			return mmr_error_set(reterr, EBADMSG, path, 0, 0,
					     "page %u: overflow length %u past the page", pgno, n);
		if (out->len + n > tlen)
			n = tlen - (uint32_t)out->len;
		int r = mmr_buf_add(out, pg + BDB_PAGE_HDR, n);
		if (r < 0)
			return r == -E2BIG ? mmr_error_set(reterr, E2BIG, path, 0, 0,
							   "value over %zu bytes", out->max) :
					     r;
		if (out->len >= tlen)
			break;
		pgno = bdb32(b, pg + 16);
	}
	if (out->len != tlen)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0,
				     "overflow chain holds %zu of %u bytes", out->len, tlen);
	return 0;
}

int mmr_rpm_bdb_walk(const uint8_t *data, size_t len, size_t max_blob, mmr_rpm_blob_fn fn,
		     void *ud, const char *path, struct mmr_error *reterr)
{
	struct bdb b = { .d = data, .len = len };
	if (!mmr_rpm_is_bdb(data, len))
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "not a BerkeleyDB hash database");
	b.swap = le32(data + 12) != BDB_HASH_MAGIC;
	b.pagesize = bdb32(&b, data + 20);
	if (b.pagesize < 512 || b.pagesize > 65536 || (b.pagesize & (b.pagesize - 1)))
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "bad page size %u", b.pagesize);
	if (data[25] != P_HASHMETA)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "page 0 is not a hash metadata page");
	uint64_t last = bdb32(&b, data + 32);
	uint64_t in_file = len / b.pagesize;
	b.npages = (uint32_t)(last + 1 < in_file ? last + 1 : in_file);
	int err = 0;
	if (last + 1 > in_file)
		err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
				    "last page %llu past the end of the file (%llu pages)",
				    (unsigned long long)last, (unsigned long long)in_file);

	struct mmr_buf val;
	mmr_buf_init(&val, max_blob);
	for (uint32_t pgno = 1; pgno < b.npages; pgno++) {
		const uint8_t *pg = data + (size_t)pgno * b.pagesize;
		if (pg[25] != P_HASH && pg[25] != P_HASH_UNSORTED)
			continue;
		uint32_t entries = bdb16(&b, pg + 20);
		if (BDB_PAGE_HDR + (uint64_t)entries * 2 > b.pagesize) {
			if (!err)
				err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
						    "page %u: %u entries do not fit", pgno, entries);
			continue;
		}
		/* items: key at 2k, data at 2k+1 */
		for (uint32_t i = 1; i < entries; i += 2) {
			uint32_t off = bdb16(&b, pg + BDB_PAGE_HDR + i * 2);
			uint32_t prev = bdb16(&b, pg + BDB_PAGE_HDR + (i - 1) * 2);
			if (off < BDB_PAGE_HDR + entries * 2 || off >= b.pagesize) {
				if (!err)
					err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
							    "page %u: item %u at bad offset %u", pgno,
							    i, off);
				continue;
			}
			const uint8_t *it = pg + off;
			int r = 0;
			if (it[0] == H_OFFPAGE) {
				if (off + 12 > b.pagesize)
					continue;
				uint32_t opg = bdb32(&b, it + 4), tlen = bdb32(&b, it + 8);
				if (tlen > len) {
					if (!err)
						err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
								    "page %u: value of %u bytes in a "
								    "file of %zu",
								    pgno, tlen, len);
					continue;
				}
				struct mmr_error e2 = { 0 };
				r = bdb_overflow(&b, opg, tlen, &val, path, &e2);
				if (r < 0) {
					if (r == -ENOMEM)
						goto out;
					if (!err) {
						err = r;
						if (reterr)
							*reterr = e2;
					}
					continue;
				}
				r = fn(ud, (const uint8_t *)val.p, val.len);
			} else if (it[0] == H_KEYDATA) {
				/* the item runs up to the key stored before it */
				if (prev <= off || prev > b.pagesize)
					continue;
				r = fn(ud, it + 1, prev - off - 1);
			}
			if (r < 0) {
				err = r;
				goto out;
			}
		}
	}
out:
	mmr_buf_release(&val);
	return err;
}

/* ---- NDB ---- */

#define NDB_PAGE 4096u
#define NDB_SLOT 16u
#define NDB_MAX_SLOT_PAGES 2048u

int mmr_rpm_ndb_walk(const uint8_t *data, size_t len, mmr_rpm_blob_fn fn, void *ud,
		     const char *path, struct mmr_error *reterr)
{
	if (!mmr_rpm_is_ndb(data, len))
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "not an NDB package database");
	uint32_t version = le32(data + 4), npages = le32(data + 12);
	if (version != 0)
		return mmr_error_set(reterr, EPROTO, path, 0, 0, "NDB version %u not supported",
				     version);
	if (npages == 0 || npages > NDB_MAX_SLOT_PAGES)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "bad NDB slot page count %u",
				     npages);
	int err = 0;
	uint64_t slots_end = (uint64_t)npages * NDB_PAGE;
	if (slots_end > len) {
		err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
				    "%u slot pages past the end of the file", npages);
		slots_end = len - len % NDB_SLOT;
	}
	for (uint64_t s = 32; s + NDB_SLOT <= slots_end; s += NDB_SLOT) {
		const uint8_t *sl = data + s;
		if (memcmp(sl, "Slot", 4) != 0) {
			if (!err)
				err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
						    "bad slot magic at offset %llu",
						    (unsigned long long)s);
			break;
		}
		uint32_t pkgidx = le32(sl + 4), blkoff = le32(sl + 8);
		if (pkgidx == 0)
			continue;
		uint64_t bo = (uint64_t)blkoff * 16;
		if (bo < slots_end || bo + 16 > len) {
			if (!err)
				err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
						    "package %u: blob offset %llu out of range",
						    pkgidx, (unsigned long long)bo);
			continue;
		}
		const uint8_t *bh = data + bo;
		uint32_t blen = le32(bh + 12);
		if (memcmp(bh, "BlbS", 4) != 0 || le32(bh + 4) != pkgidx || bo + 16 + blen > len) {
			if (!err)
				err = mmr_error_set(reterr, EBADMSG, path, 0, 0,
						    "package %u: bad blob at offset %llu", pkgidx,
						    (unsigned long long)bo);
			continue;
		}
		int r = fn(ud, bh + 16, blen);
		if (r < 0)
			return r;
	}
	return err;
}

/* ---- SQLite ---- */

static int sqlite_progress(void *ud)
{
	unsigned long *budget = ud;
	return (*budget)-- == 0; /* non-zero interrupts */
}

int mmr_rpm_sqlite_walk(const uint8_t *data, size_t len, mmr_rpm_blob_fn fn, void *ud,
			const char *path, struct mmr_error *reterr)
{
	if (!mmr_rpm_is_sqlite(data, len))
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "not an SQLite database");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	unsigned long budget = 1000000; /* progress callbacks of 1000 VM steps */

	rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		err = rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
		goto out;
	}
	/* the bytes are hostile: no triggers, views, or schema-defined functions */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, MMR_RPM_HEADER_DATA_MAX);
	sqlite3_progress_handler(db, 1000, sqlite_progress, &budget);

	/* sqlite owns a private copy: WAL-mode files (header bytes 18/19 == 2)
	 * must be marked rollback-journal to be read from memory */
	unsigned char *copy = sqlite3_malloc64(len);
	if (!copy) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(copy, data, len);
	if (copy[18] == 2)
		copy[18] = 1;
	if (copy[19] == 2)
		copy[19] = 1;
	rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
				 SQLITE_DESERIALIZE_READONLY | SQLITE_DESERIALIZE_FREEONCLOSE);
	if (rc != SQLITE_OK) {
		err = mmr_error_set(reterr, EBADMSG, path, 0, 0, "sqlite: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = sqlite3_prepare_v2(db, "SELECT blob FROM main.Packages", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = mmr_error_set(reterr, EBADMSG, path, 0, 0, "sqlite: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		if (!b || n <= 0)
			continue;
		int r = fn(ud, b, (size_t)n);
		if (r < 0) {
			err = r;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		err = rc == SQLITE_NOMEM ? -ENOMEM :
		      rc == SQLITE_INTERRUPT ?
					   mmr_error_set(reterr, E2BIG, path, 0, 0,
							 "sqlite: query took too long, stopped") :
					   mmr_error_set(reterr, EBADMSG, path, 0, 0, "sqlite: %s",
							 sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return err;
}
