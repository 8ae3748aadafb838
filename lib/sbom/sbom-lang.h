/* sbom-lang.h - helpers shared by the language lockfile analyzers
 * (npm, yarn, pnpm, composer, nuget): where in a JSON or YAML text an
 * entry starts and ends, so packages can carry line_start/line_end.
 *
 * jansson and the YAML loader give no positions, so these scan the raw
 * text once more. They never fail on malformed input: what cannot be
 * located simply gets no lines (0). */
#ifndef MMR_SBOM_LANG_H
#define MMR_SBOM_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-str.h"
#include "core/core-vec.h"

struct mmr_arena;

/* Line range of one entry, 1-based, inclusive. */
struct mmr_sbom_loc {
	unsigned long start, end;
};

/* Locate JSON objects. For every object or array value whose key path from
 * the root is accepted by want(), the joined path ("k1\x1fk2\x1f3": object
 * keys as written in the text, array elements as their decimal index) is
 * put into ret_map with a struct mmr_sbom_loc * value. Nesting beyond
 * max_depth is skipped. Keys written with escapes are kept raw. Returns 0 or
 * -ENOMEM. */
struct mmr_sbom_json_path {
	struct mmr_str key; /* raw key text; p == NULL for an array element */
	size_t idx;
};
typedef bool (*mmr_sbom_json_want_fn)(const struct mmr_sbom_json_path *path, size_t depth);
int mmr_sbom_json_locate(struct mmr_arena *a, const void *data, size_t len, size_t max_depth,
			 mmr_sbom_json_want_fn want, struct mmr_map *ret_map);
/* Look up a location by path elements (NULL-terminated list of keys;
 * use mmr_sbom_json_idx() for array elements). NULL when unknown. */
const struct mmr_sbom_loc *mmr_sbom_json_loc(struct mmr_arena *a, const struct mmr_map *m,
					     const char *const *keys);
/* Decimal string for an array index, arena-allocated. */
const char *mmr_sbom_json_idx(struct mmr_arena *a, size_t idx);

/* Locate the keys of a block-style YAML mapping whose keys sit at exactly
 * `indent` spaces, below the top-level key `section` (NULL: the top level
 * itself, indent must then be 0). Each key (unquoted, without the ':') maps
 * to its line range: from the key line to the last non-blank line before
 * the next key at that indent or a shallower line. */
int mmr_sbom_yaml_locate(struct mmr_arena *a, const void *data, size_t len, const char *section,
			 size_t indent, struct mmr_map *ret_map);

/* Copy a slice into the arena only if it is plain text for a name or a
 * version: no control bytes. NULL otherwise. */
bool mmr_sbom_text_ok(const char *s);

#endif
