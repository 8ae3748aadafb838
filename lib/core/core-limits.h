/* core-limits.h - every size an input controls has a named limit here.
 *
 * Each field has a config key (the same name, with '-' for '_') settable
 * with `--limit KEY=VALUE` on the command line. A limit that is hit gives
 * -E2BIG and a message that names the key. */
#ifndef MMR_CORE_LIMITS_H
#define MMR_CORE_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct mmr_limits {
	uint64_t max_file_size;     /* one file read for analysis */
	uint64_t max_layer_bytes;   /* uncompressed bytes in one layer */
	uint64_t max_image_bytes;   /* uncompressed bytes in one image */
	uint64_t max_ratio;         /* uncompressed / compressed, per layer */
	uint64_t max_entries;       /* entries in one archive or layer */
	uint64_t max_archive_depth; /* nested archives (jar in war in ...) */
	uint64_t max_json_depth;    /* nesting of JSON/YAML/TOML documents */
	uint64_t max_line;          /* one line of a text format */
	uint64_t max_packages;      /* packages one file may declare */
	uint64_t max_walk_depth;    /* directory depth of fs/rootfs/host walks */
	uint64_t max_blob_size;     /* one blob downloaded from a registry */
};

void mmr_limits_default(struct mmr_limits *l);
/* "key=value" with optional k/m/g suffix; -EINVAL on unknown key or bad value. */
int mmr_limits_set(struct mmr_limits *l, const char *assignment);
/* Name of the limit that lives at this field, for messages. */
const char *mmr_limits_key(const struct mmr_limits *l, const uint64_t *field);

#endif
