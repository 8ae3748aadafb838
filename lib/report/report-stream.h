/* report-stream.h - writing an indented JSON document one element at a
 * time (report-json.c, report-sarif.c). Internal to lib/report.
 *
 * The output is what json_dumpf(tree, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
 * writes for the whole tree, byte for byte, but only one element's subtree
 * exists at a time: build it, dump it, free it. A subtree dumped on its own
 * starts at depth 0; jansson escapes newlines inside strings, so every raw
 * newline in its dump is formatting, and the writer follows each with the
 * indentation of the subtree's real depth. A NULL value (json_string of NULL
 * or of invalid UTF-8, a failed allocation) is left out, as
 * json_object_set_new and json_array_append_new leave it out of a tree. */
#ifndef MMR_REPORT_STREAM_H
#define MMR_REPORT_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define MMR_JW_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

struct mmr_jw {
	FILE *out;
	int err; /* first error: -EIO (stream) or -ENOMEM (dump) */
};

/* one open object or array */
struct mmr_jlevel {
	struct mmr_jw *w;
	unsigned depth; /* of the container itself; the root is 0 */
	bool any;	/* a member has been written */
	char close;
};

/* Writes '{' or '[' and returns the level at `depth`. */
struct mmr_jlevel mmr_jw_open(struct mmr_jw *w, unsigned depth, char open);
/* Starts a member of l: separator, newline and indentation, then `"key": `
 * when key is not NULL (keys are ASCII constants: not escaped). Follow it
 * with mmr_jw_open at l->depth + 1, or use mmr_jw_add. */
void mmr_jw_member(struct mmr_jlevel *l, const char *key);
/* A member whose value is v (consumed; NULL: nothing is written). */
void mmr_jw_add(struct mmr_jlevel *l, const char *key, json_t *v);
/* Writes the closing bracket ("{}" / "[]" when empty, as jansson does). */
void mmr_jw_close(struct mmr_jlevel *l);
/* Raw bytes (the final newline). */
void mmr_jw_put(struct mmr_jw *w, const char *s, size_t n);
/* 0, or the first error; flushes the stream. */
int mmr_jw_finish(struct mmr_jw *w);

#endif
