/* core-http.h - HTTP(S) GET/HEAD through libcurl, with hard limits.
 *
 * One call performs one logical request: it follows up to
 * MMR_HTTP_MAX_REDIRECTS redirects itself (so it decides what is sent where),
 * retries with exponential backoff on connection errors, 5xx and 429 (at
 * most req->max_retries times), and captures the final response's headers
 * (capped at MMR_HTTP_MAX_HEADER_BYTES) and body.
 *
 * Security properties:
 *  - TLS peer and host verification are always on; plain http:// is refused
 *    unless req->allow_http (also for redirect targets).
 *  - Only the http and https protocols are enabled.
 *  - req->authorization is sent only to the origin (scheme, host, port) of
 *    req->url: a redirect to another origin (e.g. blob storage) drops it.
 *  - A body never exceeds req->max_body bytes (-E2BIG); a body streamed to
 *    a file descriptor is hashed with SHA-256 while it is written.
 *  - Error messages name the URL with any userinfo redacted, never a
 *    credential or token.
 *  - Proxies: only libcurl's standard environment variables (http_proxy,
 *    https_proxy, no_proxy...).
 *
 * Errors: -EINVAL bad argument or URL, -EPERM scheme not allowed,
 * -ECONNREFUSED cannot connect, -EHOSTUNREACH cannot resolve, -ETIMEDOUT,
 * -EPROTO TLS or protocol failure, -E2BIG a cap was hit, -EIO on a write or
 * other transfer error, -ENOMEM. An HTTP error status is not an error of the
 * call: look at resp->status. */
#ifndef MMR_CORE_HTTP_H
#define MMR_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-buf.h"
#include "core/core-hash.h"
#include "core/core-str.h"

struct mmr_error;

#define MMR_HTTP_MAX_REDIRECTS 5
#define MMR_HTTP_MAX_HEADER_BYTES (64 * 1024)
#define MMR_HTTP_MAX_ERROR_BODY (64 * 1024)
#define MMR_HTTP_DEFAULT_RETRIES 3

struct mmr_http_req {
	const char *url;
	bool head;                   /* HEAD instead of GET */
	bool allow_http;             /* permit plain http:// (also on redirects) */
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
	const char *authorization;   /* "Bearer ..." / "Basic ...": same origin only */
	uint64_t max_body;           /* cap on the body (0: 1 MiB) */
	int out_fd;                  /* >= 0: a 2xx body goes to this fd (truncated
				      * and rewritten on a retry); else to resp->body */
	unsigned max_retries;        /* extra attempts on transient failures */
	unsigned backoff_ms;         /* first backoff (0: 250), doubled each time */
	long connect_timeout_s;      /* 0: 30 */
	long low_speed_time_s;       /* abort below 1 KiB/s for this long (0: 60) */
};

struct mmr_http_resp {
	long status;                 /* final HTTP status (0 when none) */
	struct mmr_buf headers;      /* raw header block of the final response */
	struct mmr_buf body;         /* memory body, or an error body (capped) when
				      * streaming and the status is not 2xx */
	uint64_t body_bytes;         /* bytes of the 2xx body received */
	char sha256[MMR_SHA256_HEX_LEN + 1]; /* of a 2xx body streamed to out_fd */
	char *effective_url;         /* malloc'ed: URL of the final response */
};

void mmr_http_req_init(struct mmr_http_req *req, const char *url);
void mmr_http_resp_init(struct mmr_http_resp *resp);
void mmr_http_resp_release(struct mmr_http_resp *resp);

/* Perform the request. 0 when a response was received (any status). */
int mmr_http_do(const struct mmr_http_req *req, struct mmr_http_resp *resp,
		struct mmr_error *reterr);

/* First header `name` (case-insensitive) of the final response, trimmed.
 * The slice points into resp->headers. */
bool mmr_http_header(const struct mmr_http_resp *resp, const char *name, struct mmr_str *ret);

/* Copy url into out with "user:pass@" replaced by "***@" (for messages). */
const char *mmr_http_redact_url(const char *url, char *out, size_t outlen);

/* Same origin (scheme, host, port; default ports filled in)? False when
 * either URL cannot be parsed. */
bool mmr_http_same_origin(const char *a, const char *b);

/* Percent-encode s for a query component (RFC 3986 unreserved kept). */
int mmr_http_escape(struct mmr_buf *out, const char *s);

/* Standard base64 (with padding). */
int mmr_base64_encode(struct mmr_buf *out, const void *data, size_t n);
/* Decode standard base64 (padding optional, no whitespace). -EBADMSG. */
int mmr_base64_decode(struct mmr_buf *out, const char *s, size_t n);

#endif
