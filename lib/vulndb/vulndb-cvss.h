/* vulndb-cvss.h - CVSS vectors: parse and score v3.0, v3.1 and v4.0.
 *
 * v3.x: the base, temporal and environmental equations of the FIRST CVSS
 * v3.1 specification (§7; v3.0's simpler Roundup and scope-changed
 * environmental exponent for "CVSS:3.0/" vectors).
 * v4.0: the macrovector method of the FIRST CVSS v4.0 specification (§8):
 * the six equivalence classes, the published lookup table of macrovector
 * scores, and the severity-distance interpolation inside a macrovector.
 *
 * A vector must start with its "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/"
 * prefix, name every mandatory base metric once, and use only the metrics
 * and values of its version (supplemental v4.0 metrics are accepted and do
 * not change the score). Anything else is -EBADMSG with reterr saying
 * which metric; nothing is guessed. Vectors longer than MMR_CVSS_MAX_LEN
 * are -E2BIG. No allocation. */
#ifndef MMR_VULNDB_CVSS_H
#define MMR_VULNDB_CVSS_H

#include "core/core-error.h"
#include "model/model.h"

#define MMR_CVSS_MAX_LEN 1024

struct mmr_cvss {
	int version;          /* 30, 31 or 40 */
	/* v3.x: the base, temporal and environmental scores (temporal and
	 * environmental equal what the vector's metrics give; with none set
	 * they equal the base score).
	 * v4.0: base = CVSS-B (base metrics only), temporal = CVSS-BT (with
	 * the threat metric), environmental = CVSS-BTE (everything). */
	double base, temporal, environmental;
	/* The score the vector as written denotes: v3.x the base score,
	 * v4.0 CVSS-BTE (v4.0 has one score, named by the metrics present). */
	double score;
	char macrovector[7];  /* v4.0 only: "EQ1..EQ6" of the full vector, else "" */
};

int mmr_cvss_parse(const char *vector, struct mmr_cvss *ret, struct mmr_error *reterr);

/* The qualitative rating of a score (both versions): 0.0 "none" is
 * MMR_SEV_INFO, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0-10.0
 * critical; a negative score (none known) is MMR_SEV_UNKNOWN. */
enum mmr_severity mmr_cvss_severity(double score);

#endif
