/* core-error.h - error details a user must read (git api-error-handling).
 *
 * Fallible functions return -errno. Where the cause is in user input they
 * also fill an optional `struct mmr_error *reterr` (last parameter) with a
 * message and the file/line/column it concerns. reterr may be NULL; it is
 * left untouched on success. */
#ifndef MMR_CORE_ERROR_H
#define MMR_CORE_ERROR_H

#include <stdarg.h>

struct mmr_error {
	char msg[512];
	char file[512]; /* "" when unknown */
	unsigned long line, col; /* 0 when unknown */
};

/* Fill reterr (if non-NULL) and return -err (err is a positive errno). */
int mmr_error_set(struct mmr_error *reterr, int err, const char *file, unsigned long line,
		  unsigned long col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Prefix context to an existing message: "ctx: old message". */
void mmr_error_prefix(struct mmr_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "file:line:col: msg" (parts that are unknown are left out). */
const char *mmr_error_format(const struct mmr_error *e, char *out, unsigned long outlen);

#endif
