/* fuzz-cvss.c - the CVSS vector parser and scorers on arbitrary bytes. */
#include "fuzz.h"
#include "vulndb/vulndb-cvss.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MMR_CVSS_MAX_LEN + 8];
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = 0;
	struct mmr_cvss c;
	struct mmr_error e = { 0 };
	if (mmr_cvss_parse(buf, &c, &e) == 0) {
		/* every score is a one-decimal number in [0, 10] */
		const double s[] = { c.base, c.temporal, c.environmental, c.score };
		for (size_t i = 0; i < 4; i++)
			if (!(s[i] >= 0 && s[i] <= 10))
				abort();
		if (c.version != 30 && c.version != 31 && c.version != 40)
			abort();
		(void)mmr_cvss_severity(c.score);
	}
	return 0;
}
