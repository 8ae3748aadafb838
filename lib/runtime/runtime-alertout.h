/* runtime-alertout.h - pure helpers of the agent's alert outputs (syslog,
 * webhook; src/agent-outputs.c does the sending).
 *
 * Falco priorities (enum mmr_rt_priority, runtime-rules.h) are the syslog
 * severities by another name: Emergency 0 ... Debug 7. */
#ifndef MMR_RUNTIME_ALERTOUT_H
#define MMR_RUNTIME_ALERTOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Syslog facility code of "user", "daemon", "auth", "authpriv",
 * "local0".."local7" (also "kern", "syslog", "security"...): -1 unknown. */
int mmr_rt_syslog_facility_from_name(const char *name);

/* Check one "Name: value" header option: name an RFC 9110 token (at most
 * 128 bytes), value without CR, LF or NUL (at most 8 KiB). 0 good, else
 * -EINVAL. Never echoes the value (it may be a secret). */
int mmr_rt_http_header_check(const char *line, size_t len);

/* Split "host:port", "[v6]:port" into host and port (1..65535).
 * 0 or -EINVAL. */
int mmr_rt_hostport_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port);

/* An RFC 5424 line: "<PRI>1 TIMESTAMP HOST mamori PROCID alert - MSG".
 * time is the alert's RFC 3339 time (more than 6 fraction digits are cut,
 * "-" when it is not of that shape); host is cut to printable ASCII (at
 * most 255); msg has control characters replaced by spaces. The line is
 * cut to out_size-1 bytes (never inside a UTF-8 sequence). Returns its
 * length. */
size_t mmr_rt_syslog_format(char *out, size_t out_size, int facility, int severity, const char *time,
			    const char *host, long procid, const char *msg);

/* A random (version 4) UUID, 36 characters + NUL. 0 or -errno. */
int mmr_rt_uuid4(char out[37]);

#endif
