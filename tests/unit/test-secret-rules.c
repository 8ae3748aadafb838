/* test-secret-rules.c - the built-in rules: each rule's true positive (`tp`)
 * is found by that rule and its near miss (`fp`) is not; every rule of
 * gitleaks' default config has a counterpart; the config loader's errors. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

#include "core/core-toml.h"
#include "secret/secret.h"

/* gitleaks rule id -> ours, where the names differ (none today: our ids
 * follow gitleaks' so that reports line up). */
static const char *const id_map[][2] = {
	{ NULL, NULL },
};

static const char *map_id(const char *gl)
{
	for (size_t i = 0; id_map[i][0]; i++)
		if (strcmp(id_map[i][0], gl) == 0)
			return id_map[i][1];
	return gl;
}

struct hits {
	const char *want;
	int n;
	char secret[512];
};

static const uint8_t *g_data;

static int on_hit(void *ud, const struct mmr_secret_hit *h)
{
	struct hits *x = ud;
	if (strcmp(h->rule_id, x->want) == 0) {
		x->n++;
		size_t n = h->secret_end - h->secret_start;
		if (n >= sizeof(x->secret))
			n = sizeof(x->secret) - 1;
		memcpy(x->secret, g_data + h->secret_start, n);
		x->secret[n] = 0;
	}
	return 0;
}

static int count_hits(const struct mmr_secret_rules *rs, struct mmr_secret_scratch *s,
		      const char *rule, const char *path, const char *text)
{
	struct hits x = { .want = rule };
	g_data = (const uint8_t *)text;
	int rc = mmr_secret_scan(rs, s, path, NULL, (const uint8_t *)text, strlen(text), on_hit, &x);
	assert_true(rc >= 0);
	return x.n;
}

/* A path that the rule's `path` accepts, for the examples. */
static const char *example_path(const char *id)
{
	static const struct {
		const char *id, *path;
	} p[] = {
		{ "freemius-secret-key", "src/freemius.php" },
		{ "hashicorp-tf-password", "infra/main.tf" },
		{ "kubernetes-secret-yaml", "deploy/secret.yaml" },
		{ "nuget-config-password", "NuGet.Config" },
		{ "pkcs12-file", "certs/client.p12" },
		{ "kubeconfig-token", "home/u/.kube/config" },
		{ "pypirc-password", "home/u/.pypirc" },
		{ "netrc-password", "home/u/.netrc" },
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (strcmp(p[i].id, id) == 0)
			return p[i].path;
	return "src/config.txt";
}

static void test_examples(void **state)
{
	size_t len;
	const char *toml = mmr_secret_builtin_toml(&len);
	json_t *root = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_toml_parse(toml, len, "mamori.toml", 64, &root, &e), 0);
	struct mmr_secret_rules *rs = NULL;
	assert_int_equal(mmr_secret_rules_builtin(&rs, &e), 0);
	struct mmr_secret_scratch *s = NULL;
	assert_int_equal(mmr_secret_scratch_new(rs, &s), 0);
	json_t *rules = json_object_get(root, "rules");
	assert_int_equal(json_array_size(rules), mmr_secret_rules_count(rs));
	int bad = 0;
	for (size_t i = 0; i < json_array_size(rules); i++) {
		json_t *r = json_array_get(rules, i);
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *tp = json_string_value(json_object_get(r, "tp"));
		const char *fp = json_string_value(json_object_get(r, "fp"));
		assert_non_null(tp);
		assert_non_null(fp);
		const char *path = example_path(id);
		if (strcmp(id, "pkcs12-file") == 0) {
			/* path-only: the file name is the finding */
			if (count_hits(rs, s, id, path, "x") != 1 ||
			    count_hits(rs, s, id, "certs/client.pem", "x") != 0)
				bad++, print_message("pkcs12-file: path rule\n");
			continue;
		}
		if (count_hits(rs, s, id, path, tp) < 1) {
			print_message("%s: true positive not found: %s\n", id, tp);
			bad++;
		}
		if (count_hits(rs, s, id, path, fp) != 0) {
			print_message("%s: near miss matched: %s\n", id, fp);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	mmr_secret_scratch_free(s);
	mmr_secret_rules_free(rs);
	json_decref(root);
}

static void test_gitleaks_coverage(void **state)
{
	size_t len;
	uint8_t *gl = mmr_test_read(mmr_test_corpus("secrets/gitleaks/gitleaks.toml"), &len);
	if (!gl)
		skip();
	json_t *root = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_toml_parse(gl, len, "gitleaks.toml", 64, &root, &e), 0);
	struct mmr_secret_rules *rs = NULL;
	assert_int_equal(mmr_secret_rules_builtin(&rs, &e), 0);
	json_t *rules = json_object_get(root, "rules");
	assert_int_equal(json_array_size(rules), 222);
	int missing = 0;
	for (size_t i = 0; i < json_array_size(rules); i++) {
		const char *id = map_id(json_string_value(json_object_get(json_array_get(rules, i), "id")));
		bool found = false;
		for (size_t k = 0; k < mmr_secret_rules_count(rs) && !found; k++) {
			struct mmr_secret_rule_info ri;
			assert_int_equal(mmr_secret_rule_info(rs, k, &ri), 0);
			found = strcmp(ri.id, id) == 0;
		}
		if (!found) {
			print_message("no rule for gitleaks' %s\n", id);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
	/* and the credential files beyond gitleaks */
	static const char *const extra[] = { "connection-string-password", "aws-secret-access-key",
					     "gcp-service-account-key", "gcp-adc-refresh-token",
					     "kubeconfig-client-key", "kubeconfig-token",
					     "npmrc-auth-token", "pypirc-password", "netrc-password",
					     "docker-config-auth", "putty-private-key" };
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < mmr_secret_rules_count(rs) && !found; k++) {
			struct mmr_secret_rule_info ri;
			mmr_secret_rule_info(rs, k, &ri);
			found = strcmp(ri.id, extra[i]) == 0;
		}
		assert_true(found);
	}
	mmr_secret_rules_free(rs);
	json_decref(root);
	free(gl);
}

/* gitleaks' own default config loads, and its rules work through us */
static void test_gitleaks_default_config(void **state)
{
	struct mmr_secret_rules *rs = NULL;
	struct mmr_error e = { 0 };
	int rc = mmr_secret_rules_load(mmr_test_corpus("secrets/gitleaks/gitleaks.toml"), &rs, &e);
	if (rc == -ENOENT)
		skip();
	if (rc < 0)
		print_message("%s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(mmr_secret_rules_count(rs), 222);
	struct mmr_secret_scratch *s = NULL;
	assert_int_equal(mmr_secret_scratch_new(rs, &s), 0);
	assert_int_equal(count_hits(rs, s, "github-pat", "a.go",
				    "tok := \"ghp_Zq8fT3mLx7Rv2Kp9Nw4YbH6cJd1sVg5eUa0W\"\n"),
			 1);
	/* its global allowlist: a lockfile path is skipped */
	assert_int_equal(count_hits(rs, s, "github-pat", "web/package-lock.json",
				    "tok := \"ghp_Zq8fT3mLx7Rv2Kp9Nw4YbH6cJd1sVg5eUa0W\"\n"),
			 0);
	mmr_secret_scratch_free(s);
	mmr_secret_rules_free(rs);
}

static int load_str(const char *toml, struct mmr_error *e)
{
	struct mmr_secret_rules *rs = NULL;
	int rc = mmr_secret_rules_new(toml, strlen(toml), "t.toml", &rs, e);
	mmr_secret_rules_free(rs);
	return rc;
}

static void test_invalid_configs(void **state)
{
	static const char *const names[] = {
		"allowlist_global_empty.toml",	     "allowlist_global_old_and_new.toml",
		"allowlist_global_regextarget.toml", "allowlist_global_target_rule_id.toml",
		"allowlist_rule_empty.toml",	     "allowlist_rule_old_and_new.toml",
		"allowlist_rule_regextarget.toml",   "rule_bad_entropy_group.toml",
		"rule_missing_id.toml",		     "rule_no_regex_or_path.toml",
		"extend_invalid_base.toml",	     "extend_invalid_ruleid.toml",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "secrets/gitleaks/testdata/config/invalid/%s", names[i]);
		struct mmr_secret_rules *rs = NULL;
		struct mmr_error e = { 0 };
		int rc = mmr_secret_rules_load(mmr_test_corpus(rel), &rs, &e);
		if (rc == -ENOENT)
			skip();
		if (rc >= 0)
			print_message("%s loaded\n", names[i]);
		assert_true(rc < 0);
		assert_true(e.msg[0] != 0);
		assert_non_null(strstr(e.file, names[i]));
	}
	struct mmr_error e = { 0 };
	assert_int_equal(load_str("[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n", &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "rule 'x'"));
	assert_int_equal(load_str("[[rules]]\nid = \"x\"\nregex = 'a'\nentropy = 'high'\n", &e),
			 -EBADMSG);
	assert_int_equal(load_str("[[rules]\n", &e), -EBADMSG);
	assert_true(e.line == 1);
}

static void test_valid_configs(void **state)
{
	static const char *const names[] = {
		"allowlist_global_multiple.toml",   "allowlist_global_old_compat.toml",
		"allowlist_global_regex.toml",	    "allowlist_global_target_rules.toml",
		"allowlist_rule_commit.toml",	    "allowlist_rule_old_compat.toml",
		"allowlist_rule_path.toml",	    "allowlist_rule_regex.toml",
		"rule_entropy_group.toml",	    "rule_path_only.toml",
		"rule_regex_escaped_character_group.toml",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "secrets/gitleaks/testdata/config/valid/%s", names[i]);
		struct mmr_secret_rules *rs = NULL;
		struct mmr_error e = { 0 };
		int rc = mmr_secret_rules_load(mmr_test_corpus(rel), &rs, &e);
		if (rc == -ENOENT)
			skip();
		if (rc < 0)
			print_message("%s: %s\n", names[i], e.msg);
		assert_int_equal(rc, 0);
		(void)mmr_secret_rules_count(rs);
		mmr_secret_rules_free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_gitleaks_coverage),
		cmocka_unit_test(test_gitleaks_default_config),
		cmocka_unit_test(test_invalid_configs),
		cmocka_unit_test(test_valid_configs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
