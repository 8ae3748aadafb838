/* report-spdx.h - helpers shared by the SBOM writers (report-spdx.c,
 * report-cyclonedx.c): the built-in SPDX licence list, licence expression
 * checking, LicenseRef naming, random UUIDs, and JSON strings that are
 * always valid UTF-8. Internal to lib/report. */
#ifndef MMR_REPORT_SPDX_H
#define MMR_REPORT_SPDX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/core-vec.h"
#include "model/model.h"

struct mmr_arena;

/* Canonical spelling of an SPDX licence id from the built-in list of common
 * ids (case-insensitive match, surrounding blanks ignored), or NULL. Every id
 * in the list is on the SPDX licence list (checked by the unit test against
 * the CycloneDX copy of it). */
const char *mmr_spdx_license_id(const char *s);
/* NULL-terminated built-in list (for the tests). */
extern const char *const mmr_spdx_license_ids[];

enum mmr_spdx_kind {
	MMR_SPDX_NONE = 0, /* empty */
	MMR_SPDX_ID,       /* one listed id; norm is its canonical spelling */
	MMR_SPDX_EXPR,     /* a valid SPDX expression (operators, '+', LicenseRef, WITH) */
	MMR_SPDX_NAME,     /* free text */
};
/* Classify one licence string; *ret_norm gets the id/normalised expression
 * (operators upper-cased, ids in canonical case) or the trimmed name.
 * Arena-allocated. -ENOMEM. */
int mmr_spdx_classify(struct mmr_arena *a, const char *s, enum mmr_spdx_kind *ret_kind,
		      const char **ret_norm);

/* LicenseRef-<idstring> names for free-text licences, unique per document:
 * the same text always gets the same ref, different texts never share one. */
struct mmr_spdx_refs {
	struct mmr_arena *a;
	struct mmr_map by_text; /* text -> ref */
	struct mmr_map by_ref;  /* ref -> text */
	struct mmr_vec texts;   /* in order of first use */
	struct mmr_vec refs;
};
void mmr_spdx_refs_init(struct mmr_spdx_refs *r, struct mmr_arena *a);
const char *mmr_spdx_refs_get(struct mmr_spdx_refs *r, const char *text); /* NULL: -ENOMEM */

/* Sanitise to the SPDX idstring alphabet [A-Za-z0-9.-] (others -> '-'),
 * at most max bytes. Never returns an empty string ("x" instead). */
char *mmr_spdx_idstring(struct mmr_arena *a, const char *s, size_t max);

/* A package's licences as one SPDX expression (several are ANDed; free text
 * becomes LicenseRef-... registered in refs), or NULL when it has none. */
const char *mmr_spdx_package_expression(struct mmr_arena *a, struct mmr_spdx_refs *refs,
					const struct mmr_package *p);

/* Random version-4 UUID from getrandom(2), lower-case, 36 chars + NUL. */
int mmr_report_uuid4(char out[37]);

/* A JSON string of s; bytes that are not valid UTF-8, and NUL, become
 * U+FFFD. NULL s gives "". Returns NULL only when out of memory. */
json_t *mmr_report_jstr(const char *s);

/* For each package of res: true when it is a top package of its result
 * (relation root/workspace/direct, or unknown relation and not indirect
 * and no package of the result depends on it). Caller frees. */
bool *mmr_report_tops(struct mmr_arena *a, const struct mmr_result *res);

/* Terminal columns s takes in the table writer (report-table.c): wcwidth()
 * per character; control characters and invalid bytes count 1 (shown as
 * '?'). */
size_t mmr_report_display_width(const char *s);

#endif
