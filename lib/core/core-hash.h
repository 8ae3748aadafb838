/* core-hash.h - SHA-256 (OpenSSL EVP) and a fast non-cryptographic hash. */
#ifndef MMR_CORE_HASH_H
#define MMR_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define MMR_SHA256_LEN 32
#define MMR_SHA256_HEX_LEN 64

struct mmr_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int mmr_sha256_init(struct mmr_sha256 *h);
void mmr_sha256_update(struct mmr_sha256 *h, const void *data, size_t n);
/* Writes 64 hex chars + NUL into hex (65 bytes) and releases the context. */
int mmr_sha256_final_hex(struct mmr_sha256 *h, char hex[MMR_SHA256_HEX_LEN + 1]);
void mmr_sha256_release(struct mmr_sha256 *h); /* without final; idempotent */
int mmr_sha256_hex(const void *data, size_t n, char hex[MMR_SHA256_HEX_LEN + 1]);

/* Generic digest by OpenSSL name ("md5", "sha1", "sha256", "sha512"). */
int mmr_digest_hex(const char *algo, const void *data, size_t n, char *hex, size_t hexlen);

uint64_t mmr_hash64(const void *data, size_t n); /* FNV-1a, for hash tables */

#endif
