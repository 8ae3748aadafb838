/* core-hash.c - digests through OpenSSL (see core-hash.h). */
#include "core/core-hash.h"

#include <errno.h>
#include <openssl/evp.h>

static void to_hex(const unsigned char *d, unsigned n, char *hex)
{
	static const char x[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = x[d[i] >> 4];
		hex[2 * i + 1] = x[d[i] & 15];
	}
	hex[2 * n] = 0;
}

int mmr_sha256_init(struct mmr_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -EIO;
	}
	h->ctx = c;
	return 0;
}

void mmr_sha256_update(struct mmr_sha256 *h, const void *data, size_t n)
{
	if (h->ctx && n)
		EVP_DigestUpdate(h->ctx, data, n);
}

int mmr_sha256_final_hex(struct mmr_sha256 *h, char hex[MMR_SHA256_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!h->ctx)
		return -EINVAL;
	int ok = EVP_DigestFinal_ex(h->ctx, d, &n);
	mmr_sha256_release(h);
	if (ok != 1 || n != MMR_SHA256_LEN)
		return -EIO;
	to_hex(d, n, hex);
	return 0;
}

void mmr_sha256_release(struct mmr_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int mmr_sha256_hex(const void *data, size_t n, char hex[MMR_SHA256_HEX_LEN + 1])
{
	return mmr_digest_hex("sha256", data, n, hex, MMR_SHA256_HEX_LEN + 1);
}

int mmr_digest_hex(const char *algo, const void *data, size_t n, char *hex, size_t hexlen)
{
	const EVP_MD *md = EVP_get_digestbyname(algo);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dn = 0;
	if (!md)
		return -ENOTSUP;
	if (EVP_Digest(data, n, d, &dn, md, NULL) != 1)
		return -EIO;
	if (hexlen < 2 * (size_t)dn + 1)
		return -E2BIG;
	to_hex(d, dn, hex);
	return 0;
}

uint64_t mmr_hash64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}
