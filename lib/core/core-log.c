/* core-log.c - log dispatch (see core-log.h). */
#include "core/core-log.h"

#include <stdarg.h>
#include <stdio.h>

static mmr_log_sink_fn sink;
static void *sink_data;
static enum mmr_log_level max_level = MMR_LOG_WARN;

void mmr_log_set_sink(mmr_log_sink_fn fn, void *userdata)
{
	sink = fn;
	sink_data = userdata;
}

void mmr_log_set_level(enum mmr_log_level max)
{
	max_level = max;
}

int mmr_log_enabled(enum mmr_log_level level)
{
	return sink && level <= max_level;
}

void mmr_log(enum mmr_log_level level, const char *fmt, ...)
{
	if (!mmr_log_enabled(level))
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink(level, msg, sink_data);
}

const char *mmr_log_level_name(enum mmr_log_level level)
{
	switch (level) {
	case MMR_LOG_ERROR:
		return "error";
	case MMR_LOG_WARN:
		return "warn";
	case MMR_LOG_INFO:
		return "info";
	case MMR_LOG_DEBUG:
		return "debug";
	}
	return "?";
}
