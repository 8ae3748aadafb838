/* fuzz-rt-procnet: a /proc/net/{tcp,udp}[6] table and an environ block ->
 * the forensics parsers (rows, socket addresses, secret redaction). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime/runtime-forensics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_rt_sock rows[16];
	size_t bad = 0;
	size_t n = mmr_rt_forensics_parse_net((const char *)data, size, rows, 16, &bad);
	char buf[80];
	for (size_t i = 0; i < n && i < 16; i++) {
		mmr_rt_forensics_sock_addr(&rows[i].laddr, rows[i].lport, buf, sizeof(buf));
		mmr_rt_forensics_sock_addr(&rows[i].raddr, rows[i].rport, buf, sizeof(buf));
		mmr_rt_forensics_tcp_state(rows[i].state);
	}
	json_t *env = mmr_rt_forensics_environ_json((const char *)data, size);
	json_decref(env);
	char slug[49];
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = 0;
		mmr_rt_forensics_slug(s, slug, sizeof(slug));
		free(s);
	}
	return 0;
}
