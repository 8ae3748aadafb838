/* sbom-java.h - helpers shared by the Java analyzers (sbom-java.c,
 * sbom-pom.c). */
#ifndef MMR_SBOM_JAVA_H
#define MMR_SBOM_JAVA_H

#include <stddef.h>

#include "core/core-arena.h"
#include "core/core-vec.h"

/* The <licenses><license><name> values of a pom.xml (an embedded
 * META-INF/maven/<g>/<a>/pom.xml), appended to ret as arena strings. Same
 * XML rules as the pom analyzer: no DTD, no entities, no network.
 * Returns 0, -EBADMSG on malformed XML, -ENOMEM. */
int mmr_sbom_pom_licenses(struct mmr_arena *a, const void *data, size_t len,
			  struct mmr_vec *ret);

#endif
