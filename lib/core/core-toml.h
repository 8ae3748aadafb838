/* core-toml.h - TOML 1.0 documents as jansson trees.
 *
 * Tables become objects, arrays (and arrays of tables) arrays, strings
 * strings, integers integers (64-bit), floats reals; inf and nan, which JSON
 * cannot hold, become the strings "inf", "-inf", "nan"; offset date-times,
 * local date-times, dates and times stay strings as written (with a 'T' or
 * space separator as in the input).
 *
 * The parser is strict about what TOML 1.0 forbids and a lockfile could use
 * to smuggle meaning: duplicate keys, redefined tables, dotted keys that
 * reopen an explicitly defined table, appending to inline tables or static
 * arrays, invalid UTF-8, control characters, bad escapes, integer overflow.
 *
 * Limits: nesting (inline tables and arrays inside each other, plus the
 * parts of a key or table header) is bounded by max_depth (0: 256); the
 * input length is the caller's to bound (it is read once, in memory).
 * Errors give -EBADMSG (or -E2BIG for the depth limit, -ENOMEM) and fill
 * reterr with file:line:col of the offending byte. */
#ifndef MMR_CORE_TOML_H
#define MMR_CORE_TOML_H

#include <jansson.h>
#include <stddef.h>

struct mmr_error;

/* file: name used in messages. On success *ret is a new reference to the
 * root object, owned by the caller (json_decref). */
int mmr_toml_parse(const void *data, size_t len, const char *file, size_t max_depth, json_t **ret,
		   struct mmr_error *reterr);

#endif
