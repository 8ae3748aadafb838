/* report.h - writing a report in each output format.
 *
 * Writers are rows of a table (report.c): json (mamori's versioned schema,
 * docs/schema/report-v1.schema.json), table (human), cyclonedx (1.6 JSON),
 * spdx (2.3 JSON). A writer only reads the report. Returns 0 or -errno
 * (-EIO when the stream fails). */
#ifndef MMR_REPORT_H
#define MMR_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "model/model.h"

struct mmr_report_opts {
	bool color;          /* ANSI colours (table) */
	unsigned width;      /* terminal width for the table; 0: 120 */
	const char *command; /* the subcommand, for tool metadata */
};

struct mmr_report_writer {
	const char *name;        /* --format value */
	const char *description; /* one line for --help */
	int (*write)(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);
};

/* NULL-terminated table of writers (report-writers.def). */
extern const struct mmr_report_writer *const mmr_report_writers[];
const struct mmr_report_writer *mmr_report_writer_find(const char *name);

/* The JSON report as a jansson tree (caller owns it). */
json_t *mmr_report_to_json(const struct mmr_report *r, const struct mmr_report_opts *o);

int mmr_report_write_json(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);
int mmr_report_write_table(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);
int mmr_report_write_cyclonedx(const struct mmr_report *r, FILE *out,
			       const struct mmr_report_opts *o);
int mmr_report_write_spdx(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);
int mmr_report_write_sarif(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);
int mmr_report_write_junit(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o);

#endif
