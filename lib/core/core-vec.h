/* core-vec.h - arena-backed growable array of pointers, and a string map.
 *
 * Both take their memory from an arena and die with it; nothing to free. */
#ifndef MMR_CORE_VEC_H
#define MMR_CORE_VEC_H

#include <stdbool.h>
#include <stddef.h>

struct mmr_arena;

struct mmr_vec {
	void **v;
	size_t n, cap;
};

/* Returns 0 or -ENOMEM (arena exhausted). */
int mmr_vec_push(struct mmr_arena *a, struct mmr_vec *vec, void *item);
#define mmr_vec_at(vec, i) ((vec)->v[(i)])

/* Open-addressing hash map from NUL-terminated string keys to pointers.
 * Keys are not copied: they must live as long as the map (use the arena). */
struct mmr_map {
	struct mmr_arena *arena;
	struct mmr_map_slot {
		const char *key;
		void *val;
	} *slots;
	size_t n, cap;
};

void mmr_map_init(struct mmr_map *m, struct mmr_arena *a);
void *mmr_map_get(const struct mmr_map *m, const char *key);
bool mmr_map_has(const struct mmr_map *m, const char *key);
/* Insert or replace. 0 or -ENOMEM. */
int mmr_map_put(struct mmr_map *m, const char *key, void *val);
/* Remove; true if it was there. */
bool mmr_map_del(struct mmr_map *m, const char *key);

#endif
