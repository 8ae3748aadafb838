/* fuzz-policy-parser.c - the rule language: conditions are compiled and
 * evaluated against a small document set (with unknowns and relations);
 * inputs starting with "R\n" are loaded as a whole YAML rule file. */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "policy/policy.h"

static const char *const docs[][3] = {
	{ "aws_s3_bucket", "aws_s3_bucket.a",
	  "{\"bucket\":\"a\",\"acl\":{\"$unknown\":true},\"versioning\":[{\"enabled\":true}],"
	  "\"tags\":{\"k\":\"v\"},\"ingress\":[{\"from_port\":22,\"cidr_blocks\":[\"0.0.0.0/0\","
	  "{\"$unknown\":true}]}],\"policy\":\"{\\\"Statement\\\":[{\\\"Action\\\":\\\"*\\\"}]}\"}" },
	{ "aws_s3_bucket_public_access_block", "aws_s3_bucket_public_access_block.a",
	  "{\"bucket\":{\"$unknown\":true},\"block_public_acls\":true}" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_policy_set *ps = NULL;
	struct mmr_arena *a;
	struct mmr_iac_set set;
	struct mmr_iac_resource res[2];

	if (mmr_policy_set_new(&ps) < 0)
		return 0;
	a = mmr_arena_new(0);
	memset(&set, 0, sizeof(set));
	memset(res, 0, sizeof(res));
	set.arena = a;
	for (int i = 0; i < 2; i++) {
		res[i].type = res[i].raw_type = docs[i][0];
		res[i].address = docs[i][1];
		res[i].source = "terraform";
		res[i].file = "main.tf";
		res[i].doc = json_loads(docs[i][2], 0, NULL);
		mmr_vec_push(a, &set.resources, &res[i]);
	}
	mmr_vec_push(a, &res[1].refs, (void *)"aws_s3_bucket.a.id");

	if (size >= 2 && data[0] == 'R' && data[1] == '\n') {
		if (mmr_policy_load_buffer(ps, data + 2, size - 2, "fuzz.yaml", NULL) == 0)
			mmr_policy_eval(ps, &set, NULL, NULL, NULL);
	} else {
		struct mmr_policy_expr *e = NULL;
		if (mmr_policy_compile(ps, (const char *)data, size, "fuzz", 1, 1, &e, NULL) == 0)
			for (int i = 0; i < 2; i++)
				(void)mmr_policy_eval_expr(e, &set, &res[i]);
	}
	for (int i = 0; i < 2; i++)
		json_decref(res[i].doc);
	mmr_policy_set_free(ps);
	mmr_arena_free(a);
	return 0;
}
