/* core-time.c - timestamps as text (see core-time.h). */
#include "core/core-time.h"

#include <stdio.h>
#include <time.h>

char *mmr_time_iso(uint64_t ns, char *out, size_t size)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	if (size == 0)
		return out;
	/* a uint64_t of nanoseconds ends in 2554: gmtime_r cannot fail here */
	if (!gmtime_r(&s, &tm)) {
		out[0] = '\0';
		return out;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long long)(ns % 1000000000ull));
	return out;
}
