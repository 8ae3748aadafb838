/* fuzz-rt-alertout: option values and alert fields -> the output helpers
 * (header check, host:port, syslog line). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime/runtime-alertout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mmr_rt_http_header_check((const char *)data, size);
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	char host[256];
	uint16_t port;
	mmr_rt_hostport_parse(s, host, sizeof(host), &port);
	mmr_rt_syslog_facility_from_name(s);
	/* first line: the time, second: the host, rest: the message */
	char *nl = strchr(s, '\n');
	const char *time = s, *h = "", *msg = "";
	if (nl) {
		*nl = 0;
		h = nl + 1;
		char *nl2 = strchr(nl + 1, '\n');
		if (nl2) {
			*nl2 = 0;
			msg = nl2 + 1;
		}
	}
	char line[512];
	size_t n = mmr_rt_syslog_format(line, sizeof(line), size % 30, (int)(size % 9) - 1, time, h, 42, msg);
	if (n >= sizeof(line) || strlen(line) != n)
		abort();
	free(s);
	return 0;
}
