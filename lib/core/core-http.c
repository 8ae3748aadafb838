/* core-http.c - libcurl wrapper with caps, manual redirects, retries
 * (see core-http.h). */
#include "core/core-http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core-error.h"
#include "core/core-log.h"
#include "mmr-config.h"

#define DEFAULT_MAX_BODY ((uint64_t)1 << 20)
#define MAX_BACKOFF_MS 8000u

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mmr_http_req_init(struct mmr_http_req *req, const char *url)
{
	memset(req, 0, sizeof(*req));
	req->url = url;
	req->out_fd = -1;
	req->max_retries = MMR_HTTP_DEFAULT_RETRIES;
}

void mmr_http_resp_init(struct mmr_http_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	mmr_buf_init(&resp->headers, MMR_HTTP_MAX_HEADER_BYTES);
	mmr_buf_init(&resp->body, MMR_HTTP_MAX_ERROR_BODY);
}

void mmr_http_resp_release(struct mmr_http_resp *resp)
{
	if (!resp)
		return;
	mmr_buf_release(&resp->headers);
	mmr_buf_release(&resp->body);
	free(resp->effective_url);
	resp->effective_url = NULL;
}

const char *mmr_http_redact_url(const char *url, char *out, size_t outlen)
{
	if (!outlen)
		return out;
	if (!url) {
		snprintf(out, outlen, "(null)");
		return out;
	}
	const char *sep = strstr(url, "://");
	const char *auth_start = sep ? sep + 3 : url;
	size_t hostlen = strcspn(auth_start, "/?#");
	const char *at = memrchr(auth_start, '@', hostlen);
	if (!at) {
		snprintf(out, outlen, "%s", url);
		return out;
	}
	snprintf(out, outlen, "%.*s***%s", (int)(auth_start - url), url, at);
	return out;
}

/* scheme, host, port of a URL (lower-cased by curl); 0 or -EINVAL. */
static int url_origin(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	int r = -EINVAL;
	*scheme = *host = *port = NULL;
	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	r = 0;
out:
	if (r < 0) {
		curl_free(*scheme);
		curl_free(*host);
		curl_free(*port);
		*scheme = *host = *port = NULL;
	}
	curl_url_cleanup(u);
	return r;
}

bool mmr_http_same_origin(const char *a, const char *b)
{
	char *s1, *h1, *p1, *s2, *h2, *p2;
	bool same = false;
	if (url_origin(a, &s1, &h1, &p1) < 0)
		return false;
	if (url_origin(b, &s2, &h2, &p2) == 0) {
		same = !strcasecmp(s1, s2) && !strcasecmp(h1, h2) && !strcmp(p1, p2);
		curl_free(s2);
		curl_free(h2);
		curl_free(p2);
	}
	curl_free(s1);
	curl_free(h1);
	curl_free(p1);
	return same;
}

int mmr_http_escape(struct mmr_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int r;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			r = mmr_buf_addc(out, (char)c);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = mmr_buf_add(out, e, 3);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int mmr_base64_encode(struct mmr_buf *out, const void *data, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t rem = n - i;
		if (rem > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (rem > 2)
			v |= p[i + 2];
		char q[4] = { tab[(v >> 18) & 63], tab[(v >> 12) & 63],
			      rem > 1 ? tab[(v >> 6) & 63] : '=', rem > 2 ? tab[v & 63] : '=' };
		int r = mmr_buf_add(out, q, 4);
		if (r < 0)
			return r;
	}
	return 0;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int mmr_base64_decode(struct mmr_buf *out, const char *s, size_t n)
{
	while (n && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -EBADMSG;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -EBADMSG;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			int r = mmr_buf_addc(out, (char)((acc >> bits) & 0xff));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

bool mmr_http_header(const struct mmr_http_resp *resp, const char *name, struct mmr_str *ret)
{
	struct mmr_lines it;
	struct mmr_str line;
	size_t nl = strlen(name);
	mmr_lines_init(&it, resp->headers.p, resp->headers.len);
	while (mmr_lines_next(&it, &line)) {
		if (line.len <= nl || line.p[nl] != ':' || strncasecmp(line.p, name, nl) != 0)
			continue;
		struct mmr_str v = { line.p + nl + 1, line.len - nl - 1 };
		*ret = mmr_str_trim(v);
		return true;
	}
	return false;
}

struct xfer {
	const struct mmr_http_req *req;
	struct mmr_http_resp *resp;
	CURL *c;
	struct mmr_sha256 h;
	uint64_t max_body;
	long status; /* of the response whose body is being received */
	bool too_big, hdr_too_big, write_err, err_body_cut;
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		mmr_buf_reset(&x->resp->headers); /* a new response starts */
		x->status = 0;
	}
	if (mmr_buf_add(&x->resp->headers, p, len) < 0) {
		x->hdr_too_big = true;
		return 0;
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (!x->status)
		curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status > 299) {
		/* error or redirect body: keep the start for messages */
		size_t room = MMR_HTTP_MAX_ERROR_BODY - 1 - x->resp->body.len;
		if (len > room) {
			mmr_buf_add(&x->resp->body, p, room);
			x->err_body_cut = true;
			return 0;
		}
		mmr_buf_add(&x->resp->body, p, len);
		return len;
	}
	if (x->resp->body_bytes + len > x->max_body || x->resp->body_bytes + len < len) {
		x->too_big = true;
		return 0;
	}
	x->resp->body_bytes += len;
	if (x->req->out_fd >= 0) {
		mmr_sha256_update(&x->h, p, len);
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(x->req->out_fd, p + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				x->write_err = true;
				return 0;
			}
			off += (size_t)w;
		}
		return len;
	}
	if (mmr_buf_add(&x->resp->body, p, len) < 0) {
		x->too_big = true;
		return 0;
	}
	return len;
}

static int curl_errno(CURLcode rc, const struct xfer *x)
{
	if (x->too_big || x->hdr_too_big)
		return E2BIG;
	if (x->write_err)
		return EIO;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return EPROTO;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return EPERM;
	case CURLE_URL_MALFORMAT:
		return EINVAL;
	case CURLE_FILESIZE_EXCEEDED:
		return E2BIG;
	case CURLE_OUT_OF_MEMORY:
		return ENOMEM;
	default:
		return EIO;
	}
}

static bool transient(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		return status >= 500 || status == 429;
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Reset per-attempt state; truncates the output file. */
static int attempt_reset(struct xfer *x)
{
	mmr_buf_reset(&x->resp->headers);
	mmr_buf_reset(&x->resp->body);
	x->resp->body_bytes = 0;
	x->resp->status = 0;
	x->status = 0;
	x->too_big = x->hdr_too_big = x->write_err = x->err_body_cut = false;
	mmr_sha256_release(&x->h);
	if (x->req->out_fd >= 0) {
		struct stat st;
		if (fstat(x->req->out_fd, &st) == 0 && S_ISREG(st.st_mode)) {
			if (ftruncate(x->req->out_fd, 0) < 0 ||
			    lseek(x->req->out_fd, 0, SEEK_SET) < 0)
				return -errno;
		}
		int r = mmr_sha256_init(&x->h);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool scheme_allowed(const char *url, bool allow_http)
{
	if (!strncasecmp(url, "https://", 8))
		return true;
	return allow_http && !strncasecmp(url, "http://", 7);
}

static struct curl_slist *build_headers(const struct mmr_http_req *req, bool send_auth, int *err)
{
	struct curl_slist *l = NULL, *t;
	*err = 0;
	for (const char *const *h = req->headers; h && *h; h++) {
		if (!send_auth && !strncasecmp(*h, "authorization:", 14))
			continue;
		if (!(t = curl_slist_append(l, *h)))
			goto oom;
		l = t;
	}
	if (send_auth && req->authorization) {
		struct mmr_buf b;
		mmr_buf_init(&b, 64 * 1024);
		if (mmr_buf_addf(&b, "Authorization: %s", req->authorization) < 0) {
			mmr_buf_release(&b);
			goto oom;
		}
		t = curl_slist_append(l, b.p);
		/* the header holds a secret: wipe our copy */
		explicit_bzero(b.p, b.len);
		mmr_buf_release(&b);
		if (!t)
			goto oom;
		l = t;
	}
	return l;
oom:
	curl_slist_free_all(l);
	*err = -ENOMEM;
	return NULL;
}

static void wipe_slist(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

int mmr_http_do(const struct mmr_http_req *req, struct mmr_http_resp *resp,
		struct mmr_error *reterr)
{
	char red[1024], errbuf[CURL_ERROR_SIZE];
	const char *method = req->head ? "HEAD" : "GET";
	int r = 0;

	if (!req->url)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "HTTP request without a URL");
	mmr_http_redact_url(req->url, red, sizeof(red));
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return mmr_error_set(reterr, EIO, NULL, 0, 0, "libcurl initialisation failed");

	struct xfer x = { .req = req, .resp = resp };
	x.max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
	if (req->out_fd < 0 && x.max_body < SIZE_MAX)
		resp->body.max = (size_t)x.max_body + 1;
	if (resp->body.max < MMR_HTTP_MAX_ERROR_BODY)
		resp->body.max = MMR_HTTP_MAX_ERROR_BODY;
	x.c = curl_easy_init();
	if (!x.c)
		return mmr_error_set(reterr, ENOMEM, NULL, 0, 0, "%s %s: cannot create a curl handle",
				     method, red);
	char *url = strdup(req->url);
	if (!url) {
		curl_easy_cleanup(x.c);
		return -ENOMEM;
	}

	CURL *c = x.c;
	errbuf[0] = 0;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, req->allow_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mamori/" MMR_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL); /* bytes as the server stores them */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 req->connect_timeout_s > 0 ? req->connect_timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
			 req->low_speed_time_s > 0 ? req->low_speed_time_s : 60L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_NOBODY, req->head ? 1L : 0L);
	/* no CURLOPT_MAXFILESIZE: it would also refuse a long error body; the
	 * cap is enforced on 2xx bodies in on_body() */

	for (unsigned hop = 0;; hop++) {
		if (!scheme_allowed(url, req->allow_http)) {
			mmr_http_redact_url(url, red, sizeof(red));
			r = mmr_error_set(reterr, EPERM, NULL, 0, 0,
					  "%s %s: only https:// is allowed (plain http needs --insecure)",
					  method, red);
			goto out;
		}
		bool send_auth = hop == 0 || mmr_http_same_origin(req->url, url);
		struct curl_slist *hl = build_headers(req, send_auth, &r);
		if (r < 0)
			goto out;
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

		CURLcode rc = CURLE_OK;
		unsigned backoff = req->backoff_ms ? req->backoff_ms : 250;
		for (unsigned attempt = 0;; attempt++) {
			if ((r = attempt_reset(&x)) < 0)
				break;
			errbuf[0] = 0;
			rc = curl_easy_perform(c);
			long st = 0;
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
			if (rc == CURLE_WRITE_ERROR && x.err_body_cut)
				rc = CURLE_OK; /* an error body we stopped reading */
			resp->status = st;
			if (!transient(rc, st) || attempt >= req->max_retries)
				break;
			mmr_debug("%s %s: %s, retrying in %u ms", method, red,
				  rc ? curl_easy_strerror(rc) : "server busy", backoff);
			sleep_ms(backoff);
			backoff = backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		wipe_slist(hl);
		if (r < 0) {
			r = mmr_error_set(reterr, -r, NULL, 0, 0, "%s %s: %s", method, red, strerror(-r));
			goto out;
		}
		if (rc != CURLE_OK) {
			int e = curl_errno(rc, &x);
			if (e == E2BIG && rc == CURLE_FILESIZE_EXCEEDED)
				x.too_big = true;
			if (e == E2BIG)
				r = mmr_error_set(reterr, E2BIG, NULL, 0, 0,
						  "%s %s: response larger than %llu bytes", method, red,
						  x.hdr_too_big ? (unsigned long long)MMR_HTTP_MAX_HEADER_BYTES
								: (unsigned long long)x.max_body);
			else
				r = mmr_error_set(reterr, e, NULL, 0, 0, "%s %s: %s", method, red,
						  errbuf[0] ? errbuf : curl_easy_strerror(rc));
			goto out;
		}
		long st = resp->status;
		if (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
			char *loc = NULL;
			if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
				if (hop + 1 > MMR_HTTP_MAX_REDIRECTS) {
					r = mmr_error_set(reterr, EPROTO, NULL, 0, 0,
							  "%s %s: more than %d redirects", method, red,
							  MMR_HTTP_MAX_REDIRECTS);
					goto out;
				}
				char *n = strdup(loc);
				if (!n) {
					r = -ENOMEM;
					goto out;
				}
				free(url);
				url = n;
				continue;
			}
		}
		break;
	}
	if (req->out_fd >= 0 && resp->status >= 200 && resp->status <= 299 && !req->head) {
		if ((r = mmr_sha256_final_hex(&x.h, resp->sha256)) < 0)
			goto out;
	}
	free(resp->effective_url);
	resp->effective_url = url;
	url = NULL;
	r = 0;
out:
	mmr_sha256_release(&x.h);
	free(url);
	curl_easy_cleanup(c);
	return r;
}
