/* report.c - the table of output writers (see report.h, report-writers.def). */
#include "report/report.h"

#include <string.h>

#define W(n, fn, desc) static const struct mmr_report_writer w_##fn = { n, desc, fn };
#include "report/report-writers.def"
#undef W

const struct mmr_report_writer *const mmr_report_writers[] = {
#define W(n, fn, desc) &w_##fn,
#include "report/report-writers.def"
#undef W
	NULL,
};

const struct mmr_report_writer *mmr_report_writer_find(const char *name)
{
	if (strcmp(name, "spdx-json") == 0)
		name = "spdx";
	for (size_t i = 0; mmr_report_writers[i]; i++)
		if (strcmp(mmr_report_writers[i]->name, name) == 0)
			return mmr_report_writers[i];
	return NULL;
}
