/* test-vulndb-feed-kev.c - CISA KEV catalogue, checked against its schema. */
#include "test-vulndb-feed-sink.h"

#include "core/core-json.h"

static const struct tkev *kev_of(const struct tsink *t, const char *cve)
{
	for (size_t i = 0; i < t->kev.n; i++) {
		const struct tkev *k = t->kev.v[i];
		if (strcmp(k->cve, cve) == 0)
			return k;
	}
	return NULL;
}

static void test_catalogue(void **state)
{
	(void)state;
	struct mmr_arena *a = mmr_arena_new(0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(
		tsink_parse_corpus(&t, a, "kev", "vuln/kev/known_exploited_vulnerabilities.json", NULL),
		0);
	assert_int_equal(t.s.accepted, 1404);
	assert_int_equal(t.kev.n, 1404);
	assert_int_equal(t.s.rejected, 0);
	size_t known = 0;
	for (size_t i = 0; i < t.kev.n; i++)
		known += ((const struct tkev *)t.kev.v[i])->ransomware;
	assert_int_equal(known, 293);
	const struct tkev *k = kev_of(&t, "CVE-2025-48384");
	assert_non_null(k);
	assert_string_equal(k->added, "2025-08-25");
	assert_string_equal(k->due, "2025-09-15");
	assert_false(k->ransomware);
	k = kev_of(&t, "CVE-2025-49704");
	assert_string_equal(k->added, "2025-07-22");
	assert_string_equal(k->due, "2025-07-23");
	assert_true(k->ransomware);
	k = kev_of(&t, "CVE-2020-29583");
	assert_string_equal(k->due, "2022-05-03");
	mmr_arena_free(a);
}

/* The parser's rules follow the schema file: every required field of an
 * entry, when missing, rejects the entry; cveID's pattern. */
static void test_schema(void **state)
{
	(void)state;
	size_t len;
	uint8_t *d = mmr_test_read(
		mmr_test_corpus("vuln/kev/known_exploited_vulnerabilities_schema.json"), &len);
	json_t *schema;
	assert_int_equal(mmr_json_parse(d, len, "schema", &schema, NULL), 0);
	free(d);
	json_t *def = json_object_get(json_object_get(schema, "$defs"), "vulnerability");
	assert_non_null(def);
	json_t *props = json_object_get(def, "properties");
	assert_string_equal(mmr_json_str(json_object_get(props, "cveID"), "pattern"),
			    "^CVE-[0-9]{4}-[0-9]{4,19}$");
	assert_string_equal(mmr_json_str(json_object_get(props, "dateAdded"), "format"), "date");
	assert_string_equal(mmr_json_str(json_object_get(props, "dueDate"), "format"), "date");
	json_t *req = json_object_get(def, "required");
	assert_true(json_array_size(req) >= 8);
	/* a complete valid entry, with every schema property */
	json_t *base = json_object();
	const char *k;
	json_t *p;
	json_object_foreach(props, k, p)
	{
		const char *type = mmr_json_str(p, "type");
		if (strcmp(type, "array") == 0)
			json_object_set_new(base, k, json_pack("[s]", "CWE-79"));
		else
			json_object_set_new(base, k, json_string("x"));
	}
	json_object_set_new(base, "cveID", json_string("CVE-2024-12345"));
	json_object_set_new(base, "dateAdded", json_string("2024-02-29"));
	json_object_set_new(base, "dueDate", json_string("2024-03-21"));
	json_object_set_new(base, "knownRansomwareCampaignUse", json_string("Known"));

	struct mmr_arena *a = mmr_arena_new(0);
	size_t i;
	json_t *r;
	json_t *vulns = json_array();
	json_array_append(vulns, base);
	json_array_foreach(req, i, r)
	{
		json_t *e = json_deep_copy(base);
		json_object_del(e, json_string_value(r));
		json_array_append_new(vulns, e);
	}
	static const char *const badcve[] = { "CVE-24-12345", "CVE-2024-123", "cve-2024-12345",
					      "CVE-2024-12345x", "CVE-2024-12345678901234567890" };
	for (i = 0; i < sizeof(badcve) / sizeof(badcve[0]); i++) {
		json_t *e = json_deep_copy(base);
		json_object_set_new(e, "cveID", json_string(badcve[i]));
		json_array_append_new(vulns, e);
	}
	static const char *const baddate[] = { "2023-02-29", "2024-13-01", "2024-1-01", "20240101",
					       "2024-04-31" };
	for (i = 0; i < sizeof(baddate) / sizeof(baddate[0]); i++) {
		json_t *e = json_deep_copy(base);
		json_object_set_new(e, "dueDate", json_string(baddate[i]));
		json_array_append_new(vulns, e);
	}
	json_t *e = json_deep_copy(base);
	json_object_set_new(e, "cwes", json_string("CWE-1"));
	json_array_append_new(vulns, e);
	json_array_append_new(vulns, json_integer(3));
	json_t *doc = json_pack("{s:s, s:s, s:i, s:o}", "catalogVersion", "1", "dateReleased",
				"2024-01-01T00:00:00.000Z", "count", 1, "vulnerabilities", vulns);
	char *txt = json_dumps(doc, 0);
	struct tsink t;
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "kev", "kev.json", txt, NULL), 0);
	assert_int_equal(t.s.accepted, 1);
	assert_int_equal(t.s.rejected, json_array_size(req) + 5 + 5 + 2);
	assert_true(((const struct tkev *)t.kev.v[0])->ransomware);
	free(txt);
	json_decref(doc);
	json_decref(base);
	json_decref(schema);

	/* not a catalogue at all */
	struct mmr_error err = { 0 };
	tsink_init(&t, a);
	assert_int_equal(tsink_parse_mem(&t, a, "kev", "k.json", "{\"title\":1}", &err), -EBADMSG);
	assert_int_equal(tsink_parse_mem(&t, a, "kev", "k.json", "{\"title\":", &err), -EBADMSG);
	assert_string_equal(err.file, "k.json");
	mmr_arena_free(a);
}

static void test_detect(void **state)
{
	(void)state;
	const char *h = "{\n    \"title\": \"CISA Catalog of Known Exploited Vulnerabilities\",\n"
			"    \"catalogVersion\": \"2025.08.25\",";
	const struct mmr_vulndb_feed *f =
		mmr_vulndb_feed_detect("x/kev.json", (const uint8_t *)h, strlen(h));
	assert_non_null(f);
	assert_string_equal(f->name, "kev");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
