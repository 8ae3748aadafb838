/* iac-baseline.h - accept today's misconfigurations, gate on new ones
 * (`mamori iac --write-baseline FILE`, then `--baseline FILE`).
 *
 * A baseline is JSON: {"version": 1, "findings": [{"file", "resource",
 * "rule"}, ...]} with one entry per open (not suppressed) misconfiguration
 * finding. An entry matches a finding only when all three agree: the file
 * (relative to the scanned root, so the scan may run from elsewhere), the
 * resource address and the rule id. A new violation of the same rule on
 * another resource of the same file is therefore not absorbed
 * (checkov#7647). Matched findings are kept, suppressed ("baseline: FILE").
 *
 * Limits: MMR_IAC_BASELINE_MAX_FILE bytes, MMR_IAC_BASELINE_MAX_ENTRIES
 * entries (-E2BIG). Errors: -ENOENT/-EIO, -EBADMSG/-EPROTO with reterr
 * naming file:line:col. */
#ifndef MMR_IAC_BASELINE_H
#define MMR_IAC_BASELINE_H

#include "core/core-error.h"
#include "model/model.h"

#define MMR_IAC_BASELINE_MAX_FILE ((size_t)64 << 20)
#define MMR_IAC_BASELINE_MAX_ENTRIES 1000000

/* root: the path that was scanned (file or directory), to relativise. */
int mmr_iac_baseline_write(const struct mmr_report *r, const char *root, const char *path,
			   struct mmr_error *reterr);
/* Returns the number of findings suppressed, or -errno. */
int mmr_iac_baseline_apply(struct mmr_report *r, const char *root, const char *path,
			   struct mmr_error *reterr);

#endif
