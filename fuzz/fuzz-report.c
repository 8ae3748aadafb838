/* fuzz-report.c - the SBOM and table writers on hostile package data.
 *
 * Input: lines "name<TAB>version<TAB>licence|licence<TAB>dep-line-number".
 * Lines become packages of two results (the 2nd half in a second lockfile,
 * so purls collide); every licence string also goes through the SPDX
 * expression classifier. The CycloneDX and SPDX outputs must parse back as
 * JSON; the table must never pass an ESC through to the terminal. */
#include "fuzz.h"

#include "report/report-spdx.h"
#include "report/report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *field(char **s, char sep)
{
	char *f = *s, *e = f ? strchr(f, sep) : NULL;
	if (e) {
		*e = 0;
		*s = e + 1;
	} else {
		*s = NULL;
	}
	return f;
}

static void check_json(const struct mmr_report *r,
		       int (*fn)(const struct mmr_report *, FILE *, const struct mmr_report_opts *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	struct mmr_report_opts o = { 0 };
	int rc = fn(r, f, &o);
	fclose(f);
	if (rc == 0) {
		json_t *j = json_loadb(buf, len, 0, NULL);
		if (!j)
			abort(); /* the writer produced invalid JSON */
		json_decref(j);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	struct mmr_report *r = mmr_report_new();
	if (!r) {
		free(text);
		return 0;
	}
	r->asset.kind = (enum mmr_asset_kind)(size % 4);
	r->asset.name = "fuzz\033";
	r->asset.os.name = size % 3 ? "debian" : NULL;
	r->asset.os.version = "12";
	struct mmr_result *res[2] = {
		mmr_report_result(r, "a/package-lock.json", "lang-pkgs", "npm"),
		mmr_report_result(r, "debian 12", "os-pkgs", "dpkg"),
	};
	struct mmr_vec lines = { 0 };
	size_t n = 0;
	for (char *s = text, *line; s && n < 200; n++) {
		line = field(&s, '\n');
		mmr_vec_push(r->arena, &lines, line);
	}
	struct mmr_package **pk = mmr_arena_calloc(r->arena, n + 1, sizeof(*pk));
	for (size_t i = 0; pk && i < n; i++) {
		char *l = lines.v[i];
		struct mmr_package *p = mmr_arena_alloc(r->arena, sizeof(*p));
		if (!p)
			break;
		p->name = field(&l, '\t');
		p->version = l ? field(&l, '\t') : "";
		char *lic = l ? field(&l, '\t') : NULL;
		for (char *x = lic, *one; x;) {
			one = field(&x, '|');
			enum mmr_spdx_kind k;
			const char *norm;
			mmr_spdx_classify(r->arena, one, &k, &norm);
			mmr_vec_push(r->arena, &p->licenses, one);
		}
		p->eco = i & 1 ? MMR_ECO_NPM : (i & 2 ? MMR_ECO_MAVEN : MMR_ECO_DPKG);
		p->layer = i & 4 ? "sha256:0123456789abcdef" : NULL;
		p->maintainer = p->name;
		p->relation = (enum mmr_dep_relation)(i % 5);
		if (mmr_package_finish(r->arena, p, &(struct mmr_os){ .name = "debian", .version = "12" }) < 0)
			break;
		pk[i] = p;
		if (l && *l) {
			char *end;
			unsigned long d = strtoul(l, &end, 10);
			if (end != l && d < i && pk[d])
				mmr_vec_push(r->arena, &p->depends_on, (void *)pk[d]->id);
		}
		mmr_vec_push(r->arena, &res[i >= n / 2]->packages, p);
	}
	mmr_report_diag(r, text, "%s", text);
	check_json(r, mmr_report_write_cyclonedx);
	check_json(r, mmr_report_write_spdx);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f) {
		struct mmr_report_opts o = { .width = 40 + (unsigned)(size % 100) };
		mmr_report_write_table(r, f, &o);
		fclose(f);
		if (memchr(buf, '\033', len))
			abort(); /* terminal escape passed through */
		free(buf);
	}
	mmr_report_free(r);
	free(text);
	return 0;
}
