/* iac-compliance.h - per-control view of a scan for one framework
 * (`mamori iac --compliance FRAMEWORK`).
 *
 * Frameworks are the keys rules use under `compliance:` (cis-aws-1.5,
 * nist-800-53-r5, pci-dss-4.0, soc2, iso-27001-2022). A control's status:
 *   FAIL     a rule mapped to it has a finding that is not suppressed;
 *   PASS     mapped rules ran and none failed (also when they found no
 *            resource of their types: nothing to violate);
 *   UNKNOWN  mapped rules ran, none failed, some outcome was unknown
 *            (values known only after apply) and none passed;
 *   MANUAL   no rule is mapped to it: it needs a person (or the cloud API).
 * The control catalogue is built in for cis-aws-1.5 (all 63 controls),
 * iso-27001-2022 (Annex A ids) and soc2 (common criteria ids); for the
 * others it is the set of controls the rules map to, unless a catalogue
 * file in Prowler's compliance JSON layout (Requirements[]: Id, Name,
 * Description) adds the full list and titles.
 *
 * Ownership: everything lives in the arena passed in. */
#ifndef MMR_IAC_COMPLIANCE_H
#define MMR_IAC_COMPLIANCE_H

#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-vec.h"
#include "iac/iac-scan.h"
#include "model/model.h"

struct mmr_policy_set;

enum mmr_iac_ctrl_status {
	MMR_IAC_CTRL_FAIL,
	MMR_IAC_CTRL_UNKNOWN,
	MMR_IAC_CTRL_PASS,
	MMR_IAC_CTRL_MANUAL,
};
const char *mmr_iac_ctrl_status_name(enum mmr_iac_ctrl_status s);

struct mmr_iac_control {
	const char *id, *title;
	enum mmr_iac_ctrl_status status;
	size_t failed, passed, unknown; /* outcomes of the mapped rules */
	struct mmr_vec rules;           /* const char *: mapped rule ids */
};

struct mmr_iac_compliance {
	const char *framework, *title;
	struct mmr_vec controls; /* struct mmr_iac_control *, in control order */
	size_t n[MMR_IAC_CTRL_MANUAL + 1]; /* per status */
};

/* The framework ids known here, NULL-terminated. */
extern const char *const mmr_iac_frameworks[];
/* True for a known framework id. */
int mmr_iac_framework_valid(const char *framework);

/* Build the view from the rules, the scan's tallies (passes, unknowns) and
 * the report's non-suppressed misconfiguration findings (failures).
 * catalogue: optional Prowler compliance JSON. -EINVAL for an unknown
 * framework, -EBADMSG/-ENOENT (reterr) for a bad catalogue, -ENOMEM. */
int mmr_iac_compliance_build(struct mmr_arena *a, const char *framework,
			     const struct mmr_policy_set *rules,
			     const struct mmr_iac_scan_stats *st, const struct mmr_report *r,
			     const char *catalogue, struct mmr_iac_compliance **ret,
			     struct mmr_error *reterr);

#endif
