/* core-error.c - user-facing error details (see core-error.h). */
#include "core/core-error.h"

#include <stdio.h>
#include <string.h>

int mmr_error_set(struct mmr_error *reterr, int err, const char *file, unsigned long line,
		  unsigned long col, const char *fmt, ...)
{
	if (reterr) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
		va_end(ap);
		snprintf(reterr->file, sizeof(reterr->file), "%s", file ? file : "");
		reterr->line = line;
		reterr->col = col;
	}
	return -err;
}

void mmr_error_prefix(struct mmr_error *e, const char *fmt, ...)
{
	if (!e)
		return;
	char pre[256], old[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	size_t pl = strnlen(pre, sizeof(pre) - 1), ol = strnlen(old, sizeof(old) - 1);
	size_t o = 0, cap = sizeof(e->msg) - 1;
	for (size_t i = 0; i < pl && o < cap; i++)
		e->msg[o++] = pre[i];
	for (size_t i = 0; i < 2 && o < cap; i++)
		e->msg[o++] = ": "[i];
	for (size_t i = 0; i < ol && o < cap; i++)
		e->msg[o++] = old[i];
	e->msg[o] = 0;
}

const char *mmr_error_format(const struct mmr_error *e, char *out, unsigned long outlen)
{
	if (e->file[0] && e->line && e->col)
		snprintf(out, outlen, "%s:%lu:%lu: %s", e->file, e->line, e->col, e->msg);
	else if (e->file[0] && e->line)
		snprintf(out, outlen, "%s:%lu: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(out, outlen, "%s: %s", e->file, e->msg);
	else
		snprintf(out, outlen, "%s", e->msg);
	return out;
}
