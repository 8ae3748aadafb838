/* vulndb-vex.h - VEX input: statements that a product is (not) affected by
 * a vulnerability, applied to a report's findings.
 *
 * Formats, detected from the content (docs/cli/ignore-and-vex.md):
 *   OpenVEX (v0.0.x and v0.2.0): statements[] with vulnerability (name,
 *     @id, aliases; URL aliases reduced to the id they end in), products
 *     (@id or identifiers.purl, with subcomponents), status, justification,
 *     impact_statement, timestamp (document timestamp when absent).
 *   CycloneDX VEX: a BOM's vulnerabilities[] with analysis.state and
 *     justification, affects[].ref resolved through components' bom-ref to
 *     purls (a ref that is itself a purl is used as is), references[] as
 *     aliases; timestamp analysis.lastUpdated / firstIssued / updated.
 *   CSAF VEX (2.0): vulnerabilities[].product_status product ids resolved
 *     through product_tree branches, full_product_names and relationships
 *     to purls (product_identification_helper.purl); justification from
 *     flags[].label (product_ids or group_ids), else the "impact" threat's
 *     details; timestamp document.tracking.current_release_date.
 *
 * Status mapping: not_affected (CycloneDX not_affected, false_positive;
 * CSAF known_not_affected) suppresses the finding as "vex: not_affected
 * (<justification>)"; fixed (CycloneDX resolved*, CSAF fixed/first_fixed)
 * suppresses it as "vex: fixed"; affected (exploitable, known_affected) and
 * under_investigation (in_triage) keep it with the status noted in
 * vuln->vex_status. For one finding the statement with the latest timestamp
 * wins (ties: the one loaded last).
 *
 * A statement names a finding when its vulnerability id or an alias equals
 * the finding's id or an alias, and its product purl names the finding's
 * package (mmr_vulndb_purl_match: qualifiers ignored, versionless purls
 * match every version, arch=source/src names the source package). With
 * OpenVEX subcomponents, a subcomponent must name the package and the
 * product must name the scanned asset (pkg:oci by digest or repository
 * name; a product that is not an oci purl is taken to be the asset).
 *
 * Ownership: statements live in the arena given to mmr_vulndb_vex_init.
 * Errors: -EBADMSG (bad JSON or structure, reterr names file:line), -EPROTO
 * (not a VEX format we know), -E2BIG (limits below), -ENOMEM. */
#ifndef MMR_VULNDB_VEX_H
#define MMR_VULNDB_VEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "model/model.h"
#include "vulndb/vulndb-ignore.h"

#define MMR_VULNDB_VEX_MAX_FILE ((size_t)256 << 20)
#define MMR_VULNDB_VEX_MAX_STATEMENTS 5000000 /* product x vulnerability pairs, all files */
#define MMR_VULNDB_VEX_MAX_DEPTH 64            /* JSON nesting, CSAF branch depth */

enum mmr_vex_status {
	MMR_VEX_NOT_AFFECTED,
	MMR_VEX_AFFECTED,
	MMR_VEX_FIXED,
	MMR_VEX_UNDER_INVESTIGATION,
};
const char *mmr_vex_status_name(enum mmr_vex_status s); /* "not_affected", ... */

/* One (vulnerability, product) statement. */
struct mmr_vex_statement {
	const char *vuln_id;
	const char *const *aliases;
	size_t n_aliases;
	const char *product;                   /* purl or other identifier */
	struct mmr_vulndb_purl product_purl;   /* type NULL when product is no purl */
	const struct mmr_vulndb_purl *subs;    /* OpenVEX subcomponents (purls) */
	size_t n_subs;
	enum mmr_vex_status status;
	const char *justification;  /* the format's justification label, or NULL */
	const char *impact;         /* free text (impact_statement, detail, threat) */
	int64_t timestamp;          /* unix seconds; INT64_MIN when unknown */
	const char *source;         /* "<file> (openvex|cyclonedx|csaf)" */
	const char *format;         /* "openvex", "cyclonedx", "csaf" */
	size_t seq;                 /* load order */
};

struct mmr_vulndb_vex {
	struct mmr_arena *arena;
	struct mmr_vec statements; /* struct mmr_vex_statement * */
	struct mmr_map by_id;      /* upper-cased id/alias -> struct mmr_vex_ref * chain */
};

void mmr_vulndb_vex_init(struct mmr_vulndb_vex *vx, struct mmr_arena *a);
/* Parse one document (format detected). `file` names it in messages. */
int mmr_vulndb_vex_parse(struct mmr_vulndb_vex *vx, const char *file, const void *data, size_t len,
			 struct mmr_error *reterr);
/* Read and parse a file (at most MMR_VULNDB_VEX_MAX_FILE bytes). */
int mmr_vulndb_vex_load(struct mmr_vulndb_vex *vx, const char *path, struct mmr_error *reterr);

/* Apply the statements to r's vulnerability findings (see above). Sets
 * vuln->vex_status, vex_justification, vex_source (and vuln->status to
 * "not_affected" for not_affected). A finding already suppressed keeps its
 * suppressed_by. Returns the number of findings newly suppressed, or
 * -ENOMEM. */
int mmr_vulndb_vex_apply(struct mmr_report *r, const struct mmr_vulndb_vex *vx);

/* RFC 3339 / ISO 8601 date-time -> unix seconds; INT64_MIN if malformed. */
int64_t mmr_vulndb_parse_time(const char *s);

#endif
