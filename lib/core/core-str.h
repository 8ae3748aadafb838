/* core-str.h - non-owning string slices and small string helpers. */
#ifndef MMR_CORE_STR_H
#define MMR_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmr_arena;

/* A view into someone else's bytes (nginx ngx_str_t). Not NUL-terminated. */
struct mmr_str {
	const char *p;
	size_t len;
};

#define MMR_STR(lit) ((struct mmr_str){ (lit), sizeof(lit) - 1 })

struct mmr_str mmr_str_from(const char *s);
bool mmr_str_eq(struct mmr_str a, struct mmr_str b);
bool mmr_str_eqc(struct mmr_str a, const char *s);
bool mmr_str_starts(struct mmr_str a, const char *prefix);
bool mmr_str_ends(struct mmr_str a, const char *suffix);
struct mmr_str mmr_str_trim(struct mmr_str s);  /* ASCII whitespace */
/* Position of c in s, or -1. */
long mmr_str_chr(struct mmr_str s, char c);
char *mmr_str_dup(struct mmr_arena *a, struct mmr_str s);

/* Line iteration over a buffer: strips "\n" and a trailing "\r".
 * Returns false at the end. *lineno counts from 1. */
struct mmr_lines {
	const char *p, *end;
	unsigned long lineno;
};
void mmr_lines_init(struct mmr_lines *it, const void *data, size_t len);
bool mmr_lines_next(struct mmr_lines *it, struct mmr_str *ret_line);

bool mmr_cstr_starts(const char *s, const char *prefix);
bool mmr_cstr_ends(const char *s, const char *suffix);
/* Base name of a slash-separated path (pointer into path). */
const char *mmr_path_base(const char *path);
/* Parse a whole decimal unsigned number; false on junk or overflow. */
bool mmr_parse_u64(const char *s, size_t len, uint64_t *ret);
/* The value of a hex digit (0-9, a-f, A-F), or -1 for any other c. */
int mmr_hex_digit(int c);
/* True when the bytes are valid UTF-8. */
bool mmr_utf8_valid(const void *data, size_t len);

#endif
