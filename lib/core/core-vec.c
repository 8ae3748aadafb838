/* core-vec.c - arena vectors and string maps (see core-vec.h). */
#include "core/core-vec.h"
#include "core/core-arena.h"
#include "core/core-hash.h"

#include <errno.h>
#include <string.h>

int mmr_vec_push(struct mmr_arena *a, struct mmr_vec *vec, void *item)
{
	if (vec->n == vec->cap) {
		size_t nc = vec->cap ? vec->cap * 2 : 8;
		void **nv = mmr_arena_realloc(a, vec->v, vec->cap * sizeof(void *), nc * sizeof(void *));
		if (!nv)
			return -ENOMEM;
		vec->v = nv;
		vec->cap = nc;
	}
	vec->v[vec->n++] = item;
	return 0;
}

/* Deleted slots keep their key pointer set to this marker. */
static const char tombstone[] = "";

void mmr_map_init(struct mmr_map *m, struct mmr_arena *a)
{
	memset(m, 0, sizeof(*m));
	m->arena = a;
}

static size_t find(const struct mmr_map *m, const char *key, bool *found)
{
	size_t mask = m->cap - 1, i = (size_t)mmr_hash64(key, strlen(key)) & mask;
	size_t first_free = (size_t)-1;
	for (;;) {
		const char *k = m->slots[i].key;
		if (!k) {
			*found = false;
			return first_free != (size_t)-1 ? first_free : i;
		}
		if (k == tombstone) {
			if (first_free == (size_t)-1)
				first_free = i;
		} else if (strcmp(k, key) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

void *mmr_map_get(const struct mmr_map *m, const char *key)
{
	bool found;
	if (!m->cap)
		return NULL;
	size_t i = find(m, key, &found);
	return found ? m->slots[i].val : NULL;
}

bool mmr_map_has(const struct mmr_map *m, const char *key)
{
	bool found = false;
	if (m->cap)
		find(m, key, &found);
	return found;
}

static int rehash(struct mmr_map *m, size_t nc)
{
	struct mmr_map_slot *old = m->slots;
	size_t oc = m->cap;
	m->slots = mmr_arena_calloc(m->arena, nc, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = nc;
	m->n = 0;
	for (size_t i = 0; i < oc; i++) {
		if (old[i].key && old[i].key != tombstone) {
			bool found;
			size_t j = find(m, old[i].key, &found);
			m->slots[j] = old[i];
			m->n++;
		}
	}
	return 0;
}

int mmr_map_put(struct mmr_map *m, const char *key, void *val)
{
	if ((m->n + 1) * 4 >= m->cap * 3) {
		int r = rehash(m, m->cap ? m->cap * 2 : 16);
		if (r < 0)
			return r;
	}
	bool found;
	size_t i = find(m, key, &found);
	if (!found) {
		m->slots[i].key = key;
		m->n++;
	}
	m->slots[i].val = val;
	return 0;
}

bool mmr_map_del(struct mmr_map *m, const char *key)
{
	bool found = false;
	if (!m->cap)
		return false;
	size_t i = find(m, key, &found);
	if (found) {
		m->slots[i].key = tombstone;
		m->slots[i].val = NULL;
	}
	return found;
}
