/* core-time.h - timestamps as text. */
#ifndef MMR_CORE_TIME_H
#define MMR_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" and its NUL. */
#define MMR_TIME_ISO_SIZE 31

/* A UTC time in nanoseconds since the epoch as ISO 8601 with nanoseconds,
 * "2024-05-01T12:34:56.000000123Z", truncated to fit size (always
 * NUL-terminated when size > 0). Returns out. */
char *mmr_time_iso(uint64_t ns, char *out, size_t size);

#endif
