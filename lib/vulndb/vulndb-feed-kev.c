/* vulndb-feed-kev.c - the CISA Known Exploited Vulnerabilities catalogue
 * (known_exploited_vulnerabilities.json, schema
 * known_exploited_vulnerabilities_schema.json).
 *
 * Each entry becomes sink->kev(cveID, dateAdded, dueDate,
 * knownRansomwareCampaignUse == "Known"). An entry is checked against the
 * schema's rules: the required string fields are present, cveID matches
 * ^CVE-[0-9]{4}-[0-9]{4,19}$, dateAdded and dueDate are YYYY-MM-DD dates;
 * an entry that is not is rejected. A document without a
 * "vulnerabilities" array is not a catalogue (-EBADMSG). */
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "core/core-str.h"
#include "vulndb/vulndb-feed.h"
#include "vulndb/vulndb.h"

#include <errno.h>
#include <string.h>

static bool kev_cve_ok(const char *s)
{
	if (!s || strncmp(s, "CVE-", 4) != 0)
		return false;
	size_t i = 4, d = 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d != 4 || s[i++] != '-')
		return false;
	for (d = 0; s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	return d >= 4 && d <= 19 && s[i] == 0;
}

/* RFC 3339 full-date: YYYY-MM-DD with a real month and day. */
static bool date_ok(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

static int kev_entry(struct mmr_vulndb_sink *s, const char *path, size_t idx, json_t *e)
{
	/* the schema's $defs.vulnerability.required */
	static const char *const req[] = { "cveID",	       "vendorProject", "product",
					   "vulnerabilityName", "dateAdded",	 "shortDescription",
					   "requiredAction",	"dueDate" };
	if (!json_is_object(e)) {
		mmr_vulndb_reject(s, path, 0, "vulnerabilities[%zu] is not an object", idx);
		return 0;
	}
	const char *cve = mmr_json_str(e, "cveID");
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if (!mmr_json_str(e, req[i])) {
			mmr_vulndb_reject(s, path, 0, "vulnerabilities[%zu] (%.40s): \"%s\" missing or not a string",
					  idx, cve && mmr_vulndb_id_ok(cve) ? cve : "?", req[i]);
			return 0;
		}
	json_t *rw = json_object_get(e, "knownRansomwareCampaignUse");
	json_t *notes = json_object_get(e, "notes");
	json_t *cwes = json_object_get(e, "cwes");
	if ((rw && !json_is_string(rw)) || (notes && !json_is_string(notes)) ||
	    (cwes && !json_is_array(cwes))) {
		mmr_vulndb_reject(s, path, 0, "vulnerabilities[%zu] (%.40s): a field has the wrong type",
				  idx, mmr_vulndb_id_ok(cve) ? cve : "?");
		return 0;
	}
	if (!kev_cve_ok(cve)) {
		mmr_vulndb_reject(s, path, 0, "vulnerabilities[%zu]: \"%.40s\" is not a CVE id", idx,
				  mmr_vulndb_id_ok(cve) ? cve : "?");
		return 0;
	}
	const char *added = mmr_json_str(e, "dateAdded"), *due = mmr_json_str(e, "dueDate");
	if (!date_ok(added) || !date_ok(due)) {
		mmr_vulndb_reject(s, path, 0, "%s: dateAdded or dueDate is not a YYYY-MM-DD date", cve);
		return 0;
	}
	const char *rws = json_string_value(rw);
	int r;
	if (s->kev && (r = s->kev(s->ud, cve, added, due, rws && strcmp(rws, "Known") == 0)) < 0)
		return r;
	s->accepted++;
	return 0;
}

static int kev_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	(void)a;
	if (len > MMR_VULNDB_MAX_RECORD)
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "KEV catalogue larger than %zu bytes",
				     MMR_VULNDB_MAX_RECORD);
	json_t *doc;
	int r = mmr_json_parse(data ? (const void *)data : "", len, path, &doc, reterr);
	if (r < 0)
		return r;
	json_t *vulns = json_object_get(doc, "vulnerabilities");
	if (!json_is_object(doc) || !json_is_array(vulns)) {
		json_decref(doc);
		return mmr_error_set(reterr, EBADMSG, path, 0, 0,
				     "not a KEV catalogue: no \"vulnerabilities\" array");
	}
	size_t i;
	json_t *e;
	json_array_foreach(vulns, i, e)
	{
		if ((r = kev_entry(s, path, i, e)) < 0)
			break;
	}
	json_decref(doc);
	return r < 0 ? r : 0;
}

static bool kev_detect(const char *path, const uint8_t *head, size_t len)
{
	if (mmr_vulndb_first_byte(head, len) != '{' || mmr_vulndb_head_has(head, len, "\"$schema\""))
		return false; /* the catalogue's JSON schema names the same keys */
	if (mmr_vulndb_head_has(head, len, "\"catalogVersion\"") ||
	    (mmr_vulndb_head_has(head, len, "\"cveID\"") &&
	     mmr_vulndb_head_has(head, len, "\"dueDate\"")))
		return true;
	return strstr(mmr_path_base(path), "known_exploited_vulnerabilities") != NULL &&
	       !strstr(mmr_path_base(path), "schema");
}

const struct mmr_vulndb_feed mmr_vulndb_feed_kev = {
	.name = "kev",
	.description = "CISA Known Exploited Vulnerabilities catalogue (JSON)",
	.detect = kev_detect,
	.parse = kev_parse,
};
