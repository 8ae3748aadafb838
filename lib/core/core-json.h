/* core-json.h - JSON (jansson) and YAML (libyaml) loading with limits.
 *
 * Both return a jansson tree the caller owns (json_decref). YAML is mapped to
 * the JSON data model: mappings -> objects (keys as strings), sequences ->
 * arrays, plain scalars typed as YAML 1.2 core schema (null, bool, int,
 * float), quoted scalars as strings. Aliases are expanded with a bound on the
 * total nodes produced (billion laughs). Errors name file:line:column. */
#ifndef MMR_CORE_JSON_H
#define MMR_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

struct mmr_error;

/* file: the name used in messages. max_depth 0: default (256). */
int mmr_json_parse(const void *data, size_t len, const char *file, json_t **ret,
		   struct mmr_error *reterr);
/* max_nodes 0: default (4,000,000). Multi-document YAML gives an array of
 * documents when all_docs is non-zero, else only the first document. */
int mmr_yaml_parse(const void *data, size_t len, const char *file, int all_docs, size_t max_depth,
		   size_t max_nodes, json_t **ret, struct mmr_error *reterr);

/* Type one plain (unquoted) YAML scalar `s` (len bytes, NUL-terminated) as
 * the core schema does: null, true/false, decimal integer, float; anything
 * else (or text with a NUL inside) is a string. New reference, NULL on ENOMEM.
 * Tags are the caller's business (mmr_yaml_parse keeps custom-tagged text). */
#define MMR_YAML_BOOL11 0x1u /* also YAML 1.1 booleans: yes/no/on/off/y/n (kubectl) */
#define MMR_YAML_NO_LEADING_ZERO_FLOAT 0x2u /* "01.5" stays a string */
json_t *mmr_yaml_scalar(const char *s, size_t len, unsigned flags);

/* Accessors that tolerate wrong types: NULL/0 when absent or not that type. */
const char *mmr_json_str(const json_t *obj, const char *key);
json_t *mmr_json_obj(const json_t *obj, const char *key);
json_t *mmr_json_arr(const json_t *obj, const char *key);
int mmr_json_bool(const json_t *obj, const char *key); /* 1, 0, or -1 if absent */

#endif
