/* sbom-import.h - reading an SBOM document back into a report
 * (`mamori sbom <file>`; docs/cli/sbom.md).
 *
 * Formats: CycloneDX 1.4-1.6 JSON and SPDX 2.2/2.3 JSON, as written by
 * mamori, Syft or Trivy (or anyone following the specifications). Each
 * component/package with a package URL becomes a struct mmr_package whose
 * ecosystem, name, version (epoch and release split the way mamori's own
 * analyzers split them), arch and source package come from the purl, and
 * from the producer's properties where they say more (mamori:*,
 * aquasecurity:trivy:*, syft:*). Packages are grouped into results the way
 * the document groups them (an operating-system or application component /
 * package that contains them), else by the file they were found in, else
 * by ecosystem. The OS comes from an operating-system component or the
 * purl `distro` qualifier.
 *
 * Problems that do not make the document unusable (a component without a
 * purl, an unknown purl type, a dependency on a missing ref) become report
 * diags (warnings). Errors (-errno, reterr names the file and, for JSON
 * syntax errors, line and column):
 *   -EBADMSG  not JSON, or neither CycloneDX nor SPDX
 *   -EPROTO   a CycloneDX/SPDX version mamori does not read
 *   -E2BIG    a limit was hit: max-file-size, max-packages (components),
 *             max-json-depth (nesting of CycloneDX components)
 * Everything is allocated from r->arena. */
#ifndef MMR_SBOM_IMPORT_H
#define MMR_SBOM_IMPORT_H

#include <stddef.h>

#include "core/core-error.h"
#include "core/core-limits.h"
#include "model/model.h"

enum mmr_sbom_format {
	MMR_SBOM_FORMAT_UNKNOWN = 0,
	MMR_SBOM_FORMAT_CYCLONEDX,
	MMR_SBOM_FORMAT_SPDX,
};

/* Parse `data` (the contents of `file`, used in messages) into r: fills
 * r->asset and adds results. lim NULL: defaults. */
int mmr_sbom_import(struct mmr_report *r, const char *file, const void *data, size_t len,
		    const struct mmr_limits *lim, struct mmr_error *reterr);
/* Read the file (at most max-file-size bytes) and import it. */
int mmr_sbom_import_file(struct mmr_report *r, const char *path, const struct mmr_limits *lim,
			 struct mmr_error *reterr);

/* A parsed package URL (pkg:type/namespace/name@version?qualifiers#subpath),
 * components percent-decoded; NULL when absent. */
struct mmr_sbom_purl {
	const char *type; /* lower-cased */
	const char *ns, *name, *version, *subpath;
	const char *const *qkeys; /* lower-cased */
	const char *const *qvals;
	size_t nq;
};
/* -EBADMSG when s is not a purl. */
int mmr_sbom_purl_parse(struct mmr_arena *a, const char *s, struct mmr_sbom_purl *ret);
const char *mmr_sbom_purl_qualifier(const struct mmr_sbom_purl *p, const char *key);

#endif
