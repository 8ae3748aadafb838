/* core-arena.h - region allocator: one per scan or request.
 *
 * Everything a scan allocates comes from its arena and is released in one
 * call (nginx pools). Allocations are zeroed and 16-byte aligned. An arena
 * has a hard cap on the total bytes it hands out (a named limit): once it is
 * reached every allocation returns NULL, so hostile input cannot exhaust the
 * machine through one scan. */
#ifndef MMR_CORE_ARENA_H
#define MMR_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct mmr_arena;

/* cap: most bytes the arena may hand out (0: MMR_ARENA_DEFAULT_CAP). */
#define MMR_ARENA_DEFAULT_CAP ((size_t)4 << 30)

struct mmr_arena *mmr_arena_new(size_t cap);
void mmr_arena_free(struct mmr_arena *a); /* NULL is a no-op */

void *mmr_arena_alloc(struct mmr_arena *a, size_t n);           /* zeroed */
void *mmr_arena_calloc(struct mmr_arena *a, size_t n, size_t size);
void *mmr_arena_memdup(struct mmr_arena *a, const void *p, size_t n);
/* Grow an allocation made from this arena (old contents kept). */
void *mmr_arena_realloc(struct mmr_arena *a, void *old, size_t oldn, size_t newn);
char *mmr_arena_strdup(struct mmr_arena *a, const char *s);     /* NULL -> NULL */
char *mmr_arena_strndup(struct mmr_arena *a, const char *s, size_t n);
char *mmr_arena_printf(struct mmr_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *mmr_arena_vprintf(struct mmr_arena *a, const char *fmt, va_list ap);

size_t mmr_arena_used(const struct mmr_arena *a);

#endif
