/* runtime-alertout.c - pure helpers of the agent's alert outputs (see the header). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "runtime/runtime-alertout.h"

int mmr_rt_syslog_facility_from_name(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} f[] = { { "kern", 0 },      { "user", 1 },	  { "mail", 2 },      { "daemon", 3 },
		  { "auth", 4 },      { "security", 4 }, { "syslog", 5 },    { "lpr", 6 },
		  { "news", 7 },      { "uucp", 8 },	  { "cron", 9 },      { "authpriv", 10 },
		  { "ftp", 11 },      { "local0", 16 },	  { "local1", 17 },   { "local2", 18 },
		  { "local3", 19 },   { "local4", 20 },	  { "local5", 21 },   { "local6", 22 },
		  { "local7", 23 } };
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcasecmp(name, f[i].name) == 0)
			return f[i].code;
	return -1;
}

static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

int mmr_rt_http_header_check(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i > 128 || i >= len || line[i] != ':')
		return -EINVAL;
	if (len - i - 1 > 8192)
		return -EINVAL;
	for (size_t j = i + 1; j < len; j++)
		if (line[j] == '\r' || line[j] == '\n' || line[j] == 0)
			return -EINVAL;
	return 0;
}

int mmr_rt_hostport_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port)
{
	if (!s || !*s)
		return -EINVAL;
	const char *hs, *he, *colon;
	if (s[0] == '[') {
		he = strchr(s, ']');
		if (!he || he[1] != ':')
			return -EINVAL;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL; /* a bare IPv6 address needs brackets */
		hs = s;
		he = colon;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= host_size)
		return -EINVAL;
	const char *p = colon + 1;
	unsigned long port = 0;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return -EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return -EINVAL;
	memcpy(host, hs, hl);
	host[hl] = 0;
	*ret_port = (uint16_t)port;
	return 0;
}

/* Append at most n bytes of s to out (cap size), never splitting a UTF-8
 * sequence; control characters become spaces. */
static size_t put_msg(char *out, size_t o, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p && o + 1 < size) {
		unsigned char c = *p;
		size_t l = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
		if (o + l >= size)
			break;
		bool ok = true;
		for (size_t k = 1; k < l && ok; k++) /* stops at the NUL, too */
			if ((p[k] & 0xc0) != 0x80)
				ok = false;
		if (!ok || (l == 1 && c >= 0x80)) {
			out[o++] = '?';
			p++;
			continue;
		}
		if (l == 1 && (c < 0x20 || c == 0x7f))
			out[o++] = ' ';
		else
			memcpy(out + o, p, l), o += l;
		p += l;
	}
	return o;
}

/* RFC 3339 with at most 6 fraction digits into t; false if not that shape. */
static bool rfc3339(const char *in, char *t, size_t size)
{
	/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (!in || size < 40)
		return false;
	size_t i = 0;
	for (; shape[i]; i++) {
		char c = in[i];
		if (shape[i] == 'd' ? !(c >= '0' && c <= '9') : c != shape[i])
			return false;
	}
	memcpy(t, in, i);
	size_t o = i;
	if (in[i] == '.') {
		t[o++] = '.';
		i++;
		size_t nd = 0;
		while (in[i] >= '0' && in[i] <= '9') {
			if (nd < 6)
				t[o++] = in[i];
			nd++;
			i++;
		}
		if (nd == 0)
			return false;
	}
	if (in[i] == 'Z' && in[i + 1] == 0) {
		t[o++] = 'Z';
	} else if ((in[i] == '+' || in[i] == '-') && strlen(in + i) == 6 && in[i + 3] == ':') {
		memcpy(t + o, in + i, 6);
		o += 6;
	} else {
		return false;
	}
	t[o] = 0;
	return true;
}

size_t mmr_rt_syslog_format(char *out, size_t out_size, int facility, int severity, const char *time,
			    const char *host, long procid, const char *msg)
{
	if (!out || out_size == 0)
		return 0;
	if (facility < 0 || facility > 23)
		facility = 1;
	if (severity < 0 || severity > 7)
		severity = 5;
	char ts[48];
	if (!rfc3339(time, ts, sizeof(ts)))
		snprintf(ts, sizeof(ts), "-");
	char h[256];
	size_t hl = 0;
	for (const char *p = host ? host : ""; *p && hl < 255; p++)
		if (*p >= 33 && *p <= 126)
			h[hl++] = *p;
	h[hl] = 0;
	int n = snprintf(out, out_size, "<%d>1 %s %s mamori %ld alert - ", facility * 8 + severity, ts,
			 hl ? h : "-", procid);
	if (n < 0)
		return 0;
	size_t o = (size_t)n < out_size ? (size_t)n : out_size - 1;
	o = put_msg(out, o, out_size, msg ? msg : "");
	out[o] = 0;
	return o;
}

int mmr_rt_uuid4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}
