/* fuzz-sbom-import.c - the CycloneDX / SPDX importer (lib/sbom/sbom-import.c)
 * on arbitrary bytes, with small limits so deep and wide documents hit
 * them; every imported report must then write as CycloneDX that parses. */
#include "fuzz.h"

#include "report/report.h"
#include "sbom/sbom-import.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_packages = 2000;
	lim.max_json_depth = 16;
	struct mmr_report *r = mmr_report_new();
	if (!r)
		return 0;
	struct mmr_error e = { 0 };
	if (mmr_sbom_import(r, "fuzz.json", data, size, &lim, &e) == 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (f) {
			struct mmr_report_opts o = { 0 };
			int rc = mmr_report_write_cyclonedx(r, f, &o);
			fclose(f);
			if (rc == 0) {
				json_t *j = json_loadb(buf, len, 0, NULL);
				if (!j)
					abort(); /* an imported report wrote invalid JSON */
				json_decref(j);
			}
			free(buf);
		}
	}
	mmr_report_free(r);
	return 0;
}
