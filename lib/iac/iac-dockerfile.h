/* iac-dockerfile.h - Dockerfiles (and Containerfiles) into one resource
 * document each (iac.h).
 *
 * Syntax read (Dockerfile reference, BuildKit frontend 1.x): instructions in
 * any case, line continuations with the escape character (`\`, or the one a
 * `# escape=` parser directive sets), comment lines (also inside a
 * continuation), blank lines, exec (JSON array) and shell forms, leading
 * `--flag[=value]` options, heredocs (`<<EOF`, `<<-EOF`, quoted words) for
 * RUN/COPY/ADD, multi-stage `FROM [--platform=] image [AS name]` with ARGs
 * declared before the first FROM substituted into the image, and ONBUILD.
 *
 * The resource: type and raw_type "dockerfile", source "dockerfile",
 * address = the file path, doc (docs/iac/dockerfile.md):
 *   { "args": [ARG instructions before the first FROM],
 *     "stages": [ { "index", "name", "from": {image, tag, digest, platform,
 *                   alias, stage (true when FROM names an earlier stage),
 *                   scratch}, "instructions": [instr...],
 *                   "user": effective USER at the end of the stage (inherited
 *                   from the stage it builds on) } ],
 *     "instructions": [every instruction, in order] }
 *   instr = { cmd (upper case), args (list of strings), value (the text
 *             after the flags), form ("exec"|"shell"), flags {name: value},
 *             original, line_start, line_end, stage, heredocs [{name,
 *             content}], vars [{key, value}] for ENV/ARG/LABEL, trigger (the
 *             instruction an ONBUILD holds) }
 * pos: /stages/i/instructions/j, /instructions/k, /stages/i/from,
 * /stages/i/user and /args/k -> the instruction's line range.
 *
 * Inline suppressions: comments `# mamori:ignore:<rule-id> <reason>` (and
 * trivy:ignore:, checkov:skip=) anywhere in the file apply to the file's
 * resource.
 *
 * Limits: max_file_size, max_line for one logical line (continuations and
 * heredocs included), MMR_DF_MAX_INSTRUCTIONS per file. */
#ifndef MMR_IAC_DOCKERFILE_H
#define MMR_IAC_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-limits.h"
#include "iac/iac.h"

#define MMR_DF_MAX_INSTRUCTIONS 100000

/* Dockerfile, Containerfile, *.dockerfile, *.Dockerfile, Dockerfile.* (and
 * Containerfile.*); base name only. */
bool mmr_dockerfile_is_name(const char *basename);

/* Parse one Dockerfile into one resource appended to set. Problems that
 * BuildKit rejects (unknown instruction, instruction before FROM, bad
 * exec-form JSON, unterminated heredoc) go to set->errors as "file:line:
 * message" and parsing goes on; -E2BIG (reterr) when a limit is hit,
 * -EBADMSG when the file holds no instruction at all but is not empty of
 * text (not a Dockerfile). limits may be NULL (defaults). */
int mmr_dockerfile_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
			 const struct mmr_limits *limits, struct mmr_error *reterr);

/* One file or a directory tree: every file whose name matches
 * mmr_dockerfile_is_name(). */
int mmr_dockerfile_scan(struct mmr_iac_set *set, const char *path,
			const struct mmr_limits *limits, struct mmr_error *reterr);

#endif
