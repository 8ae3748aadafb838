/* test-core-http.c - the libcurl wrapper against a Python fake server on
 * loopback: redirects (Authorization dropped cross-origin), caps, retries,
 * streaming with SHA-256, header capture, scheme policy, helpers. */
#include "test-util.h"

#include "core/core-hash.h"
#include "core/core-http.h"
#include "core/core-error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Serves on 127.0.0.1:<random>; prints the port. Paths:
 *   /echo-auth        body = the Authorization header it got (or "none")
 *   /redir-same       302 -> /echo-auth (same origin)
 *   /redir-cross      302 -> http://localhost:PORT/echo-auth (other host)
 *   /redir-loop       302 -> /redir-loop
 *   /big              2 MiB of 'x'
 *   /flaky            503 twice, then "ok" (counter per server)
 *   /e404             404 with a JSON error body
 *   /hdr              200, X-Test: value, body "hdr" */
static const char server_py[] =
	"import http.server,sys\n"
	"n={'flaky':0}\n"
	"class H(http.server.BaseHTTPRequestHandler):\n"
	"  def log_message(self,*a): pass\n"
	"  def out(self,code,body,hdrs=()):\n"
	"    self.send_response(code)\n"
	"    for k,v in hdrs: self.send_header(k,v)\n"
	"    self.send_header('Content-Length',str(len(body)))\n"
	"    self.end_headers()\n"
	"    if self.command!='HEAD': self.wfile.write(body)\n"
	"  def do_HEAD(self): self.do_GET()\n"
	"  def do_GET(self):\n"
	"    p=self.path; port=self.server.server_address[1]\n"
	"    if p=='/echo-auth': self.out(200,(self.headers.get('Authorization') or 'none').encode())\n"
	"    elif p=='/redir-same': self.out(302,b'',[('Location','/echo-auth')])\n"
	"    elif p=='/redir-cross': self.out(302,b'',[('Location','http://localhost:%d/echo-auth'%port)])\n"
	"    elif p=='/redir-loop': self.out(302,b'',[('Location','/redir-loop')])\n"
	"    elif p=='/big': self.out(200,b'x'*(2<<20))\n"
	"    elif p=='/flaky':\n"
	"      n['flaky']+=1\n"
	"      self.out(503,b'busy') if n['flaky']<=2 else self.out(200,b'ok')\n"
	"    elif p=='/e404': self.out(404,b'{\"errors\":[{\"code\":\"NOPE\"}]}')\n"
	"    elif p=='/hdr': self.out(200,b'hdr',[('X-Test','  value  ')])\n"
	"    else: self.out(404,b'')\n"
	"class S(http.server.ThreadingHTTPServer):\n"
	"  def handle_error(self,*a): pass\n"
	"s=S(('127.0.0.1',0),H)\n"
	"print(s.server_address[1],flush=True)\n"
	"s.serve_forever()\n";

static pid_t server_pid;
static int server_port;
static int server_fd = -1;

static int setup(void **state)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	server_pid = fork();
	if (server_pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execlp("python3", "python3", "-c", server_py, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	/* read the port line; the pipe stays open until teardown */
	char buf[32] = "";
	size_t off = 0;
	while (off < sizeof(buf) - 1 && !strchr(buf, '\n')) {
		ssize_t n = read(pfd[0], buf + off, sizeof(buf) - 1 - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
		buf[off] = 0;
	}
	server_fd = pfd[0];
	char *end;
	server_port = (int)strtol(buf, &end, 10);
	return server_port > 0 && *end == '\n' ? 0 : -1;
}

static int teardown(void **state)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	if (server_fd >= 0)
		close(server_fd);
	return 0;
}

static char *url(const char *path)
{
	static char b[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(b[i], sizeof(b[i]), "http://127.0.0.1:%d%s", server_port, path);
	return b[i];
}

static int get(const char *path, const char *authz, struct mmr_http_resp *resp,
	       struct mmr_error *e)
{
	struct mmr_http_req req;
	mmr_http_req_init(&req, url(path));
	req.allow_http = true;
	req.authorization = authz;
	req.backoff_ms = 10;
	mmr_http_resp_init(resp);
	return mmr_http_do(&req, resp, e);
}

static void test_auth_same_origin_redirect(void **state)
{
	struct mmr_http_resp resp;
	assert_int_equal(get("/redir-same", "Bearer sekrit", &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.p, "Bearer sekrit");
	assert_string_equal(resp.effective_url, url("/echo-auth"));
	mmr_http_resp_release(&resp);
}

static void test_auth_dropped_cross_host(void **state)
{
	struct mmr_http_resp resp;
	assert_int_equal(get("/redir-cross", "Bearer sekrit", &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.p, "none"); /* the token did not leave its origin */
	assert_non_null(strstr(resp.effective_url, "localhost"));
	mmr_http_resp_release(&resp);
	/* a caller-supplied Authorization line is dropped as well */
	struct mmr_http_req req;
	const char *hdrs[] = { "Authorization: Basic Zm9vOmJhcg==", NULL };
	mmr_http_req_init(&req, url("/redir-cross"));
	req.allow_http = true;
	req.headers = hdrs;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, NULL), 0);
	assert_string_equal(resp.body.p, "none");
	mmr_http_resp_release(&resp);
}

static void test_redirect_loop(void **state)
{
	struct mmr_http_resp resp;
	struct mmr_error e = { 0 };
	assert_int_equal(get("/redir-loop", NULL, &resp, &e), -EPROTO);
	assert_non_null(strstr(e.msg, "redirects"));
	mmr_http_resp_release(&resp);
}

static void test_body_cap(void **state)
{
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	struct mmr_error e = { 0 };
	mmr_http_req_init(&req, url("/big"));
	req.allow_http = true;
	req.max_body = 1 << 20;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "larger than 1048576"));
	mmr_http_resp_release(&resp);
	req.max_body = 3 << 20;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, &e), 0);
	assert_int_equal(resp.body.len, 2 << 20);
	mmr_http_resp_release(&resp);
}

static void test_stream_to_fd(void **state)
{
	char path[] = "/tmp/mmr-http-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	unlink(path);
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	mmr_http_req_init(&req, url("/big"));
	req.allow_http = true;
	req.max_body = 2 << 20;
	req.out_fd = fd;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.body_bytes, 2 << 20);
	assert_int_equal(lseek(fd, 0, SEEK_END), 2 << 20);
	char *x = malloc(2 << 20), hex[65];
	memset(x, 'x', 2 << 20);
	mmr_sha256_hex(x, 2 << 20, hex);
	free(x);
	assert_string_equal(resp.sha256, hex);
	mmr_http_resp_release(&resp);
	/* an error status: nothing written to the fd, body kept for messages */
	req.url = url("/e404");
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, NULL), 0);
	assert_int_equal(resp.status, 404);
	assert_int_equal(lseek(fd, 0, SEEK_END), 0);
	assert_non_null(strstr(resp.body.p, "NOPE"));
	mmr_http_resp_release(&resp);
	close(fd);
}

static void test_retry_5xx(void **state)
{
	struct mmr_http_resp resp;
	assert_int_equal(get("/flaky", NULL, &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.p, "ok");
	mmr_http_resp_release(&resp);
}

static void test_headers_and_head(void **state)
{
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	struct mmr_str v;
	mmr_http_req_init(&req, url("/hdr"));
	req.allow_http = true;
	req.head = true;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_true(mmr_http_header(&resp, "x-test", &v));
	assert_true(mmr_str_eqc(v, "value"));
	assert_false(mmr_http_header(&resp, "x-tes", &v));
	assert_int_equal(resp.body.len, 0);
	mmr_http_resp_release(&resp);
}

static void test_scheme_policy(void **state)
{
	struct mmr_http_req req;
	struct mmr_http_resp resp;
	struct mmr_error e = { 0 };
	mmr_http_req_init(&req, "http://user:pw@127.0.0.1:1/x");
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, &e), -EPERM);
	assert_non_null(strstr(e.msg, "--insecure"));
	assert_null(strstr(e.msg, "pw")); /* userinfo redacted */
	mmr_http_resp_release(&resp);
	mmr_http_req_init(&req, "ftp://127.0.0.1/x");
	req.allow_http = true;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, NULL), -EPERM);
	mmr_http_resp_release(&resp);
	/* nothing listening on port 1: refused after the retries */
	mmr_http_req_init(&req, "http://127.0.0.1:1/x");
	req.allow_http = true;
	req.backoff_ms = 1;
	mmr_http_resp_init(&resp);
	assert_int_equal(mmr_http_do(&req, &resp, &e), -ECONNREFUSED);
	assert_non_null(strstr(e.msg, "http://127.0.0.1:1/x"));
	mmr_http_resp_release(&resp);
}

static void test_helpers(void **state)
{
	char out[128];
	assert_string_equal(mmr_http_redact_url("https://u:p@h.example/x@y", out, sizeof(out)),
			    "https://***@h.example/x@y");
	assert_string_equal(mmr_http_redact_url("https://h/x", out, sizeof(out)), "https://h/x");
	assert_true(mmr_http_same_origin("https://A.example/x", "https://a.example:443/y"));
	assert_false(mmr_http_same_origin("https://a.example/x", "http://a.example/x"));
	assert_false(mmr_http_same_origin("https://a.example/x", "https://a.example:444/x"));
	assert_false(mmr_http_same_origin("https://a.example/x", "https://b.example/x"));

	struct mmr_buf b;
	mmr_buf_init(&b, 1024);
	assert_int_equal(mmr_http_escape(&b, "repository:a/b:pull"), 0);
	assert_string_equal(b.p, "repository%3Aa%2Fb%3Apull");
	mmr_buf_reset(&b);
	assert_int_equal(mmr_base64_encode(&b, "alice:s3cret!", 13), 0);
	assert_string_equal(b.p, "YWxpY2U6czNjcmV0IQ==");
	mmr_buf_reset(&b);
	assert_int_equal(mmr_base64_decode(&b, "YWxpY2U6czNjcmV0IQ==", 20), 0);
	assert_string_equal(b.p, "alice:s3cret!");
	mmr_buf_reset(&b);
	assert_int_equal(mmr_base64_decode(&b, "YWxp", 4), 0);
	assert_string_equal(b.p, "ali");
	assert_int_equal(mmr_base64_decode(&b, "Y$==", 4), -EBADMSG);
	assert_int_equal(mmr_base64_decode(&b, "YWxpY", 5), -EBADMSG);
	mmr_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_same_origin_redirect),
		cmocka_unit_test(test_auth_dropped_cross_host),
		cmocka_unit_test(test_redirect_loop),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_stream_to_fd),
		cmocka_unit_test(test_retry_5xx),
		cmocka_unit_test(test_headers_and_head),
		cmocka_unit_test(test_scheme_policy),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
