/* test-iac-cfn.c - CloudFormation / SAM front end. */
#include "test-util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-json.h"
#include "iac/iac-cfn.h"
#include "model/model.h"

struct fx {
	struct mmr_arena *a;
	struct mmr_iac_set s;
};

static void fx_init(struct fx *f)
{
	f->a = mmr_arena_new(0);
	mmr_iac_set_init(&f->s, f->a);
}

static void fx_done(struct fx *f)
{
	mmr_iac_set_release(&f->s);
	mmr_arena_free(f->a);
}

static struct mmr_iac_resource *res(struct fx *f, const char *addr)
{
	for (size_t i = 0; i < f->s.resources.n; i++) {
		struct mmr_iac_resource *r = f->s.resources.v[i];
		if (!strcmp(r->address, addr))
			return r;
	}
	return NULL;
}

/* The value at a JSON Pointer (no escapes) in doc, as compact JSON text. */
static char *at(const json_t *doc, const char *ptr)
{
	const json_t *v = doc;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", ptr);
	for (char *p = buf + 1; v && *ptr;) {
		char *e = strchr(p, '/');
		if (e)
			*e = 0;
		if (json_is_array(v))
			v = json_array_get(v, (size_t)strtoul(p, NULL, 10));
		else
			v = json_object_get(v, p);
		if (!e)
			break;
		p = e + 1;
	}
	static char out[4096];
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	snprintf(out, sizeof(out), "%s", s ? s : "<absent>");
	free(s);
	return out;
}

static void assert_lines(const struct mmr_iac_resource *r, const char *ptr, long s, long e)
{
	json_t *p = json_object_get(r->pos, ptr);
	if (!json_is_array(p))
		fail_msg("no position for %s", ptr);
	assert_int_equal(json_integer_value(json_array_get(p, 0)), s);
	assert_int_equal(json_integer_value(json_array_get(p, 1)), e);
}

static bool has_ref(const struct mmr_iac_resource *r, const char *id)
{
	for (size_t i = 0; i < r->refs.n; i++)
		if (!strcmp(r->refs.v[i], id))
			return true;
	return false;
}

static const char tpl[] =
	"AWSTemplateFormatVersion: \"2010-09-09\"\n"                         /* 1 */
	"Parameters:\n"                                                     /* 2 */
	"  Env:\n"                                                          /* 3 */
	"    Type: String\n"                                                /* 4 */
	"    Default: prod\n"                                               /* 5 */
	"  Subnets:\n"                                                      /* 6 */
	"    Type: CommaDelimitedList\n"                                    /* 7 */
	"    Default: \"a, b,c\"\n"                                         /* 8 */
	"  NoDef:\n"                                                        /* 9 */
	"    Type: String\n"                                                /* 10 */
	"Mappings:\n"                                                       /* 11 */
	"  RegionMap:\n"                                                    /* 12 */
	"    prod:\n"                                                       /* 13 */
	"      Ami: ami-123\n"                                              /* 14 */
	"Conditions:\n"                                                     /* 15 */
	"  IsProd: !Equals [!Ref Env, prod]\n"                              /* 16 */
	"  IsDev: !Not [!Condition IsProd]\n"                               /* 17 */
	"  Unk: !Equals [!Ref NoDef, x]\n"                                  /* 18 */
	"  Both: !And [!Condition IsProd, !Or [!Condition Unk, true]]\n"    /* 19 */
	"Resources:\n"                                                      /* 20 */
	"  # mamori:ignore:MMR-AWS-S3-001 logs bucket\n"                    /* 21 */
	"  Bucket:\n"                                                       /* 22 */
	"    Type: AWS::S3::Bucket\n"                                       /* 23 */
	"    Metadata:\n"                                                   /* 24 */
	"      checkov:\n"                                                  /* 25 */
	"        skip:\n"                                                   /* 26 */
	"          - id: CKV_AWS_18\n"                                      /* 27 */
	"            comment: no logging\n"                                 /* 28 */
	"    Properties:\n"                                                 /* 29 */
	"      BucketName: !Sub \"${Env}-${AWS::Partition}-${!Literal}\"\n" /* 30 */
	"      Tags:\n"                                                     /* 31 */
	"        - Key: env\n"                                              /* 32 */
	"          Value: !Ref Env\n"                                       /* 33 */
	"        - !If [IsDev, {Key: dev, Value: x}, !Ref AWS::NoValue]\n"  /* 34 */
	"      VersioningConfiguration:\n"                                  /* 35 */
	"        Status: !If [IsProd, Enabled, Suspended]\n"                /* 36 */
	"      Other: !If [Unk, a, b]\n"                                    /* 37 */
	"      Ami: !FindInMap [RegionMap, !Ref Env, Ami]\n"                /* 38 */
	"      Arn: !GetAtt Role.Arn\n"                                     /* 39 */
	"      Join: !Join [\"-\", [a, !Select [1, !Ref Subnets], c]]\n"    /* 40 */
	"      Split: !Split [\",\", \"x,y\"]\n"                            /* 41 */
	"      Cidr: !Cidr [\"10.0.0.0/16\", 3, 8]\n"                       /* 42 */
	"      UserData: !Base64 |\n"                                       /* 43 */
	"        #!/bin/bash\n"                                             /* 44 */
	"        echo hi\n"                                                 /* 45 */
	"      Sub2: !Sub\n"                                                /* 46 */
	"        - \"arn:${X}:${AWS::Region}\"\n"                           /* 47 */
	"        - X: !Ref Env\n"                                           /* 48 */
	"      Sub3: !Sub [\"${X}-${Y}\", {X: !Ref Env, Y: 1}]\n"           /* 49 */
	"      Gone: !Ref AWS::NoValue\n"                                   /* 50 */
	"      Both: !If [Both, yes, no]\n"                                 /* 51 */
	"      Imp: !ImportValue shared-vpc\n"                              /* 52 */
	"      Azs: !GetAZs \"\"\n"                                         /* 53 */
	"  DevOnly:\n"                                                      /* 54 */
	"    Type: AWS::SNS::Topic\n"                                       /* 55 */
	"    Condition: IsDev\n"                                            /* 56 */
	"  Role:\n"                                                         /* 57 */
	"    Type: AWS::IAM::Role\n"                                        /* 58 */
	"    Condition: Unk\n"                                              /* 59 */
	"    Properties:\n"                                                 /* 60 */
	"      RoleName: !Join [\"\", [!Ref \"AWS::StackName\", -r]]\n"     /* 61 */
	"      Path: !GetAtt [Bucket, Arn]\n"                               /* 62 */
	"      Policies:\n"                                                 /* 63 */
	"        - PolicyName: p\n"                                         /* 64 */
	"          PolicyDocument:\n"                                       /* 65 */
	"            Statement:\n"                                          /* 66 */
	"              - Effect: Allow\n"                                   /* 67 */
	"                Action: \"*\"\n";                                  /* 68 */

static void test_yaml_intrinsics(void **state)
{
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_cfn_parse(&f.s, tpl, strlen(tpl), "t.yaml", NULL, NULL), 0);
	assert_int_equal(f.s.resources.n, 2); /* DevOnly dropped: IsDev is false */
	assert_null(res(&f, "DevOnly"));
	struct mmr_iac_resource *b = res(&f, "Bucket");
	assert_non_null(b);
	assert_string_equal(b->raw_type, "AWS::S3::Bucket");
	assert_string_equal(b->source, "cloudformation");
	assert_string_equal(b->file, "t.yaml");
	assert_int_equal(b->line_start, 22);
	assert_int_equal(b->line_end, 53);
	assert_string_equal(at(b->doc, "/BucketName"), "\"prod-aws-${Literal}\"");
	assert_string_equal(at(b->doc, "/Tags"), "[{\"Key\":\"env\",\"Value\":\"prod\"}]");
	assert_string_equal(at(b->doc, "/VersioningConfiguration/Status"), "\"Enabled\"");
	assert_string_equal(at(b->doc, "/Other"), "{\"$unknown\":true}");
	assert_string_equal(at(b->doc, "/Ami"), "\"ami-123\"");
	assert_string_equal(at(b->doc, "/Arn"), "{\"$unknown\":true}");
	assert_string_equal(at(b->doc, "/Join"), "\"a-b-c\"");
	assert_string_equal(at(b->doc, "/Split"), "[\"x\",\"y\"]");
	assert_string_equal(at(b->doc, "/Cidr"),
			    "[\"10.0.0.0/24\",\"10.0.1.0/24\",\"10.0.2.0/24\"]");
	assert_string_equal(at(b->doc, "/UserData"), "\"#!/bin/bash\\necho hi\\n\"");
	assert_string_equal(at(b->doc, "/Sub2"), "{\"$unknown\":true}"); /* AWS::Region */
	assert_string_equal(at(b->doc, "/Sub3"), "\"prod-1\"");
	assert_string_equal(at(b->doc, "/Gone"), "<absent>");
	/* And(true, Or(unknown, true)) = true */
	assert_string_equal(at(b->doc, "/Both"), "\"yes\"");
	assert_string_equal(at(b->doc, "/Imp"), "{\"$unknown\":true}");
	assert_string_equal(at(b->doc, "/Azs"), "{\"$unknown\":true}");
	assert_true(has_ref(b, "Role"));
	assert_int_equal(b->refs.n, 1);
	/* positions of properties, nested ones and list items */
	assert_lines(b, "/BucketName", 30, 30);
	assert_lines(b, "/Tags", 31, 34);
	assert_lines(b, "/Tags/0/Value", 33, 33);
	assert_lines(b, "/VersioningConfiguration", 35, 36);
	assert_lines(b, "/VersioningConfiguration/Status", 36, 36);
	assert_lines(b, "/UserData", 43, 45);
	assert_lines(b, "/Sub2", 46, 48);
	assert_null(json_object_get(b->pos, "/Gone"));
	/* suppressions: the comment above and checkov metadata */
	assert_int_equal(b->ignores.n, 2);
	assert_string_equal(b->ignores.v[0], "checkov:CKV_AWS_18 no logging");
	assert_string_equal(b->ignores.v[1], "MMR-AWS-S3-001 logs bucket");

	/* Role: Condition unknown -> kept; StackName unknown */
	struct mmr_iac_resource *r = res(&f, "Role");
	assert_non_null(r);
	assert_string_equal(at(r->doc, "/RoleName"), "{\"$unknown\":true}");
	assert_string_equal(at(r->doc, "/Policies/0/PolicyDocument/Statement/0/Action"), "\"*\"");
	assert_lines(r, "/Policies/0/PolicyDocument/Statement/0/Action", 68, 68);
	assert_true(has_ref(r, "Bucket"));
	/* the parameter without a default is recorded as unresolved */
	bool found = false;
	for (size_t i = 0; i < f.s.unresolved.n; i++) {
		const struct mmr_diag *d = f.s.unresolved.v[i];
		if (strstr(d->message, "NoDef"))
			found = true;
	}
	assert_true(found);
	assert_int_equal(f.s.errors.n, 0);
	fx_done(&f);
}

static void test_json_template(void **state)
{
	const char j[] = "{\n"
			 "  \"Parameters\": {\"Port\": {\"Type\": \"Number\", \"Default\": 22}},\n"
			 "  \"Resources\": {\n"
			 "    \"Sg\": {\n"
			 "      \"Type\": \"AWS::EC2::SecurityGroup\",\n"
			 "      \"Properties\": {\n"
			 "        \"GroupDescription\": {\"Fn::Join\": [\" \", [\"port\", {\"Ref\": \"Port\"}]]},\n"
			 "        \"SecurityGroupIngress\": [\n"
			 "          {\"IpProtocol\": \"tcp\", \"FromPort\": {\"Ref\": \"Port\"},\n"
			 "           \"ToPort\": 22, \"CidrIp\": \"0.0.0.0/0\"}\n"
			 "        ],\n"
			 "        \"VpcId\": {\"Fn::GetAtt\": [\"Vpc\", \"VpcId\"]}\n"
			 "      }\n"
			 "    },\n"
			 "    \"Vpc\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"}}\n"
			 "  }\n"
			 "}\n";
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_cfn_parse(&f.s, j, strlen(j), "t.json", NULL, NULL), 0);
	assert_int_equal(f.s.resources.n, 2);
	struct mmr_iac_resource *sg = res(&f, "Sg");
	assert_string_equal(at(sg->doc, "/GroupDescription"), "\"port 22\"");
	assert_string_equal(at(sg->doc, "/SecurityGroupIngress/0/FromPort"), "22");
	assert_string_equal(at(sg->doc, "/VpcId"), "{\"$unknown\":true}");
	assert_true(has_ref(sg, "Vpc"));
	assert_int_equal(sg->line_start, 4);
	assert_int_equal(sg->line_end, 14);
	assert_lines(sg, "/SecurityGroupIngress/0", 9, 10);
	assert_lines(sg, "/VpcId", 12, 12);
	fx_done(&f);
}

static void test_syntax_errors(void **state)
{
	struct fx f;
	fx_init(&f);
	struct mmr_error e = { 0 };
	const char bad[] = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n   Properties: [\n";
	assert_int_equal(mmr_cfn_parse(&f.s, bad, strlen(bad), "bad.yaml", NULL, &e), -EBADMSG);
	assert_string_equal(e.file, "bad.yaml");
	assert_true(e.line >= 3);
	assert_true(e.col > 0);
	const char badj[] = "{\"Resources\": {\"A\": {\"Type\": \"AWS::S3::Bucket\"}}\n";
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_cfn_parse(&f.s, badj, strlen(badj), "bad.json", NULL, &e), -EBADMSG);
	assert_int_equal(e.line, 2);
	/* not a template */
	const char nt[] = "foo: bar\n";
	assert_int_equal(mmr_cfn_parse(&f.s, nt, strlen(nt), "x.yaml", NULL, NULL), -EPROTO);
	assert_false(mmr_cfn_is_template(nt, strlen(nt)));
	/* nesting and alias bombs are bounded */
	char deep[4000];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof(deep), "Resources: ");
	for (int i = 0; i < 600; i++)
		deep[n++] = '[';
	deep[n] = 0;
	memset(&e, 0, sizeof(e));
	int r = mmr_cfn_parse(&f.s, deep, n, "deep.yaml", NULL, &e);
	assert_true(r == -E2BIG || r == -EBADMSG);
	const char lol[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "Resources: {A: {Type: AWS::S3::Bucket, Properties: {X: *g}}}\n";
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_cfn_parse(&f.s, lol, strlen(lol), "lol.yaml", NULL, &e), -E2BIG);
	/* a self-referencing condition is an error, not a hang */
	const char cyc[] = "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n"
			   "Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Condition: A\n";
	assert_int_equal(mmr_cfn_parse(&f.s, cyc, strlen(cyc), "cyc.yaml", NULL, NULL), 0);
	assert_non_null(res(&f, "X"));
	assert_true(f.s.errors.n >= 1);
	fx_done(&f);
}

static void test_sam_globals(void **state)
{
	const char *p = mmr_test_corpus("iac/checkov/tests/cloudformation/checks/resource/aws/"
					"example_LambdaEnvironmentCredentials/sam.yaml");
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_cfn_scan(&f.s, p, NULL, NULL), 0);
	assert_int_equal(f.s.errors.n, 0);
	struct mmr_iac_resource *r = res(&f, "NoProperties");
	assert_non_null(r);
	assert_string_equal(r->raw_type, "AWS::Serverless::Function");
	assert_string_equal(at(r->doc, "/Runtime"), "\"python3.9\"");
	assert_string_equal(at(r->doc, "/Handler"), "\"app.lambdaHandler\"");
	assert_lines(r, "/Runtime", 7, 7); /* points into Globals */
	r = res(&f, "Secret");
	assert_string_equal(at(r->doc, "/Environment/Variables/AWS_ACCESS_KEY_ID"),
			    "\"AKIAIOSFODNN7EXAMPLE\"");
	assert_int_equal(r->ignores.n, 1);
	assert_string_equal(r->ignores.v[0], "checkov:CKV_SECRET_2 test secret");
	fx_done(&f);

	/* maps merge, lists append (globals first), the resource wins */
	const char sam[] = "Transform: AWS::Serverless-2016-10-31\n"
			   "Globals:\n"
			   "  Function:\n"
			   "    Timeout: 3\n"
			   "    Layers: [g]\n"
			   "    Environment:\n"
			   "      Variables: {A: ga, B: gb}\n"
			   "Resources:\n"
			   "  F:\n"
			   "    Type: AWS::Serverless::Function\n"
			   "    Properties:\n"
			   "      Timeout: 9\n"
			   "      Layers: [r]\n"
			   "      Environment:\n"
			   "        Variables: {B: rb}\n";
	fx_init(&f);
	assert_int_equal(mmr_cfn_parse(&f.s, sam, strlen(sam), "sam.yaml", NULL, NULL), 0);
	r = res(&f, "F");
	assert_string_equal(at(r->doc, ""), "{\"Environment\":{\"Variables\":{\"A\":\"ga\",\"B\":\"rb\"}},"
					    "\"Layers\":[\"g\",\"r\"],\"Timeout\":9}");
	assert_lines(r, "/Layers/0", 5, 5);
	assert_lines(r, "/Layers/1", 13, 13);
	assert_lines(r, "/Environment/Variables/A", 7, 7);
	fx_done(&f);
}

/* Every CloudFormation example of trivy-checks parses without an error. */
static void test_trivy_snippets(void **state)
{
	const char *root = mmr_test_corpus("iac/trivy-checks/checks/cloud/aws");
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "find '%s' -name '*.yaml' | sort", root);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);
	char line[1024];
	size_t nsnip = 0, nres = 0;
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = 0;
		size_t len;
		uint8_t *data = mmr_test_read(line, &len);
		json_t *doc = NULL;
		if (mmr_yaml_parse(data, len, line, 0, 0, 0, &doc, NULL) < 0) {
			free(data);
			continue;
		}
		json_t *cf = json_object_get(doc, "cloudformation");
		static const char *const kinds[] = { "good", "bad" };
		for (int k = 0; k < 2; k++) {
			size_t i;
			json_t *sn;
			json_array_foreach(json_object_get(cf, kinds[k]), i, sn)
			{
				const char *t = json_string_value(sn);
				if (!t)
					continue;
				struct fx f;
				fx_init(&f);
				struct mmr_error e = { 0 };
				int r = mmr_cfn_parse(&f.s, t, strlen(t), line, NULL, &e);
				if (r < 0)
					fail_msg("%s %s[%zu]: %d %s:%lu:%lu %s", line, kinds[k], i, r,
						 e.file, e.line, e.col, e.msg);
				nsnip++;
				nres += f.s.resources.n;
				fx_done(&f);
			}
		}
		json_decref(doc);
		free(data);
	}
	pclose(fp);
	assert_true(nsnip >= 200);
	assert_true(nres >= nsnip);
}

/* checkov's CloudFormation test templates: the whole tree scans without a
 * syntax error, and the count is stable. */
static void test_checkov_tree(void **state)
{
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_cfn_scan(&f.s, mmr_test_corpus("iac/checkov/tests/cloudformation"),
				      NULL, NULL),
			 0);
	for (size_t i = 0; i < f.s.errors.n; i++) {
		const struct mmr_diag *d = f.s.errors.v[i];
		print_message("error: %s\n", d->message);
	}
	assert_int_equal(f.s.errors.n, 0);
	assert_true(f.s.resources.n >= 700);
	size_t with_pos = 0;
	for (size_t i = 0; i < f.s.resources.n; i++) {
		const struct mmr_iac_resource *r = f.s.resources.v[i];
		assert_true(r->line_start > 0 && r->line_end >= r->line_start);
		if (json_object_size(r->doc) == 0 || json_object_size(r->pos) > 0)
			with_pos++;
	}
	assert_int_equal(with_pos, f.s.resources.n);
	fx_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_intrinsics), cmocka_unit_test(test_json_template),
		cmocka_unit_test(test_syntax_errors),   cmocka_unit_test(test_sam_globals),
		cmocka_unit_test(test_trivy_snippets),  cmocka_unit_test(test_checkov_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
