/* core-arena.c - region allocator (see core-arena.h). */
#include "core/core-arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN ((size_t)64 << 10)
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct mmr_arena {
	struct chunk *head;
	size_t cap, handed;
};

struct mmr_arena *mmr_arena_new(size_t cap)
{
	struct mmr_arena *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->cap = cap ? cap : MMR_ARENA_DEFAULT_CAP;
	return a;
}

void mmr_arena_free(struct mmr_arena *a)
{
	if (!a)
		return;
	struct chunk *c = a->head;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a);
}

void *mmr_arena_alloc(struct mmr_arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		return NULL;
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n > a->cap - a->handed || a->handed > a->cap)
		return NULL;
	struct chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t sz = n > CHUNK_MIN / 4 ? n : CHUNK_MIN;
		struct chunk *nc = malloc(sizeof(*nc) + sz);
		if (!nc)
			return NULL;
		nc->size = sz;
		nc->used = 0;
		if (n > CHUNK_MIN / 4 && c) {
			/* big block: keep the current chunk at the head for small ones */
			nc->next = c->next;
			c->next = nc;
		} else {
			nc->next = c;
			a->head = nc;
		}
		c = nc;
	}
	void *p = c->data + c->used;
	c->used += n;
	a->handed += n;
	memset(p, 0, n);
	return p;
}

void *mmr_arena_calloc(struct mmr_arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return mmr_arena_alloc(a, n * size);
}

void *mmr_arena_memdup(struct mmr_arena *a, const void *p, size_t n)
{
	void *d = mmr_arena_alloc(a, n);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

void *mmr_arena_realloc(struct mmr_arena *a, void *old, size_t oldn, size_t newn)
{
	if (newn <= oldn)
		return old;
	void *d = mmr_arena_alloc(a, newn);
	if (d && old && oldn)
		memcpy(d, old, oldn);
	return d;
}

char *mmr_arena_strndup(struct mmr_arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	if (n == SIZE_MAX)
		return NULL;
	char *d = mmr_arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

char *mmr_arena_strdup(struct mmr_arena *a, const char *s)
{
	return s ? mmr_arena_strndup(a, s, strlen(s)) : NULL;
}

char *mmr_arena_vprintf(struct mmr_arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return NULL;
	char *d = mmr_arena_alloc(a, (size_t)n + 1);
	if (d)
		vsnprintf(d, (size_t)n + 1, fmt, ap);
	return d;
}

char *mmr_arena_printf(struct mmr_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *d = mmr_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return d;
}

size_t mmr_arena_used(const struct mmr_arena *a)
{
	return a->handed;
}
