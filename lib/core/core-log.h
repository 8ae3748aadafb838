/* core-log.h - logging through a sink the front end installs.
 *
 * Library code never writes to stdout/stderr itself (systemd): it calls
 * mmr_log(), which does nothing until the program sets a sink with
 * mmr_log_set_sink(). Secrets must never be passed to the log. */
#ifndef MMR_CORE_LOG_H
#define MMR_CORE_LOG_H

enum mmr_log_level {
	MMR_LOG_ERROR,
	MMR_LOG_WARN,
	MMR_LOG_INFO,
	MMR_LOG_DEBUG,
};

typedef void (*mmr_log_sink_fn)(enum mmr_log_level level, const char *msg, void *userdata);

void mmr_log_set_sink(mmr_log_sink_fn fn, void *userdata);
void mmr_log_set_level(enum mmr_log_level max);
int mmr_log_enabled(enum mmr_log_level level);
void mmr_log(enum mmr_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *mmr_log_level_name(enum mmr_log_level level);

#define mmr_err(...) mmr_log(MMR_LOG_ERROR, __VA_ARGS__)
#define mmr_warn(...) mmr_log(MMR_LOG_WARN, __VA_ARGS__)
#define mmr_info(...) mmr_log(MMR_LOG_INFO, __VA_ARGS__)
#define mmr_debug(...) mmr_log(MMR_LOG_DEBUG, __VA_ARGS__)

#endif
