/* test-iac-normalise.c - normalised resource documents from Terraform and
 * CloudFormation. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-json.h"
#include "iac/iac-cfn.h"
#include "iac/iac-normalise.h"
#include "iac/iac-terraform.h"

struct fx {
	struct mmr_arena *a;
	struct mmr_iac_set s;
	char dir[256];
};

static void fx_init(struct fx *f)
{
	f->a = mmr_arena_new(0);
	mmr_iac_set_init(&f->s, f->a);
	snprintf(f->dir, sizeof(f->dir), "/tmp/mmr-test-nz-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
}

static void fx_done(struct fx *f)
{
	char cmd[400];
	mmr_iac_set_release(&f->s);
	mmr_arena_free(f->a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(struct fx *f, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void tf(struct fx *f)
{
	struct mmr_tf_options o = { .no_env = true };
	assert_int_equal(mmr_tf_scan(&f->s, f->dir, &o, NULL), 0);
	assert_int_equal(mmr_iac_normalise(&f->s, NULL), 0);
}

static void cfn(struct fx *f, const char *text)
{
	struct mmr_error e = { 0 };
	int r = mmr_cfn_parse(&f->s, text, strlen(text), "t.yaml", NULL, &e);
	if (r < 0)
		fail_msg("%s:%lu:%lu: %s", e.file, e.line, e.col, e.msg);
	assert_int_equal(mmr_iac_normalise(&f->s, NULL), 0);
}

static struct mmr_iac_resource *res(struct fx *f, const char *addr)
{
	for (size_t i = 0; i < f->s.resources.n; i++) {
		struct mmr_iac_resource *r = f->s.resources.v[i];
		if (!strcmp(r->address, addr))
			return r;
	}
	fail_msg("no resource %s", addr);
	return NULL;
}

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
	static char out[8192];
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	snprintf(out, sizeof(out), "%s", s ? s : "<absent>");
	free(s);
	return out;
}

static char *pos(const struct mmr_iac_resource *r, const char *ptr)
{
	static char out[600];
	json_t *p = json_object_get(r->pos, ptr);
	char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
	snprintf(out, sizeof(out), "%s", s ? s : "<absent>");
	free(s);
	return out;
}

static void test_tf_s3_satellites(void **state)
{
	struct fx f;
	fx_init(&f);
	write_file(&f, "main.tf",
		   "resource \"aws_s3_bucket\" \"data\" {\n"                       /* 1 */
		   "  bucket = \"data-bucket\"\n"                                  /* 2 */
		   "}\n"                                                           /* 3 */
		   "resource \"aws_s3_bucket\" \"logs\" {\n"                       /* 4 */
		   "  bucket = \"log-bucket\"\n"                                   /* 5 */
		   "  acl    = \"log-delivery-write\"\n"                           /* 6 */
		   "  versioning {\n"                                              /* 7 */
		   "    enabled = true\n"                                          /* 8 */
		   "  }\n"                                                         /* 9 */
		   "}\n"                                                           /* 10 */
		   "resource \"aws_s3_bucket_logging\" \"l\" {\n"                  /* 11 */
		   "  bucket        = aws_s3_bucket.data.id\n"                     /* 12 */
		   "  target_bucket = aws_s3_bucket.logs.id\n"                     /* 13 */
		   "  target_prefix = \"data/\"\n"                                 /* 14 */
		   "}\n");                                                         /* 15 */
	write_file(&f, "sat.tf",
		   "resource \"aws_s3_bucket_public_access_block\" \"p\" {\n"      /* 1 */
		   "  bucket                  = aws_s3_bucket.data.id\n"           /* 2 */
		   "  block_public_acls       = true\n"                            /* 3 */
		   "  block_public_policy     = true\n"                            /* 4 */
		   "  ignore_public_acls      = false\n"                           /* 5 */
		   "}\n"                                                           /* 6 */
		   "resource \"aws_s3_bucket_versioning\" \"v\" {\n"               /* 7 */
		   "  bucket = \"data-bucket\"\n"                                  /* 8 */
		   "  versioning_configuration {\n"                                /* 9 */
		   "    status     = \"Enabled\"\n"                                /* 10 */
		   "    mfa_delete = \"Disabled\"\n"                               /* 11 */
		   "  }\n"                                                         /* 12 */
		   "}\n"                                                           /* 13 */
		   "resource \"aws_s3_bucket_server_side_encryption_configuration\" \"e\" {\n"
		   "  bucket = aws_s3_bucket.data.bucket\n"                        /* 15 */
		   "  rule {\n"                                                    /* 16 */
		   "    apply_server_side_encryption_by_default {\n"               /* 17 */
		   "      sse_algorithm     = \"aws:kms\"\n"                       /* 18 */
		   "      kms_master_key_id = aws_kms_key.k.arn\n"                 /* 19 */
		   "    }\n"                                                       /* 20 */
		   "  }\n"                                                         /* 21 */
		   "}\n"                                                           /* 22 */
		   "resource \"aws_kms_key\" \"k\" {\n"                            /* 23 */
		   "  enable_key_rotation = true\n"                                /* 24 */
		   "}\n"                                                           /* 25 */
		   "resource \"aws_s3_bucket_policy\" \"pol\" {\n"                 /* 26 */
		   "  bucket = aws_s3_bucket.data.id\n"                            /* 27 */
		   "  policy = jsonencode({\n"                                     /* 28 */
		   "    Version = \"2012-10-17\"\n"                                /* 29 */
		   "    Statement = [{Effect = \"Deny\", Principal = \"*\", Action = \"s3:*\",\n"
		   "      Resource = \"*\", Condition = {Bool = {\"aws:SecureTransport\" = \"false\"}}}]\n"
		   "  })\n"                                                        /* 32 */
		   "}\n");                                                         /* 33 */
	tf(&f);
	struct mmr_iac_resource *d = res(&f, "aws_s3_bucket.data");
	assert_string_equal(d->type, "aws.s3.bucket");
	assert_string_equal(d->raw_type, "aws_s3_bucket");
	assert_string_equal(at(d->doc, "/name"), "\"data-bucket\"");
	assert_string_equal(at(d->doc, "/acl"), "\"private\"");
	assert_string_equal(at(d->doc, "/public_access_block"),
			    "{\"block_public_acls\":true,\"block_public_policy\":true,"
			    "\"ignore_public_acls\":false,\"restrict_public_buckets\":false}");
	assert_string_equal(at(d->doc, "/versioning"), "{\"enabled\":true,\"mfa_delete\":false}");
	assert_string_equal(at(d->doc, "/encryption/enabled"), "true");
	assert_string_equal(at(d->doc, "/encryption/algorithm"), "\"aws:kms\"");
	assert_string_equal(at(d->doc, "/encryption/kms_key_id"), "{\"$unknown\":true}");
	assert_string_equal(at(d->doc, "/logging/enabled"), "true");
	assert_string_equal(at(d->doc, "/logging/target_prefix"), "\"data/\"");
	assert_string_equal(at(d->doc, "/policy/statements/0/effect"), "\"Deny\"");
	assert_string_equal(at(d->doc, "/policy/statements/0/principals"), "{\"AWS\":[\"*\"]}");
	assert_string_equal(at(d->doc, "/policy/statements/0/actions"), "[\"s3:*\"]");
	assert_string_equal(at(d->doc, "/policy/statements/0/conditions/Bool/aws:SecureTransport"),
			    "\"false\"");
	/* the raw attribute stays */
	assert_string_equal(at(d->doc, "/bucket"), "\"data-bucket\"");
	/* positions point at the satellites' lines, in their file */
	char sat[600];
	snprintf(sat, sizeof(sat), "[3,3,\"%s/sat.tf\"]", f.dir);
	assert_string_equal(pos(d, "/public_access_block/block_public_acls"), sat);
	snprintf(sat, sizeof(sat), "[10,10,\"%s/sat.tf\"]", f.dir);
	assert_string_equal(pos(d, "/versioning/enabled"), sat);
	assert_string_equal(pos(d, "/logging/target_prefix"), "[14,14]");
	assert_string_equal(pos(d, "/name"), "[2,2]");
	assert_string_equal(pos(d, "/public_access_block/restrict_public_buckets"), "<absent>");

	/* the logging target is not joined to its own logging */
	struct mmr_iac_resource *l = res(&f, "aws_s3_bucket.logs");
	assert_string_equal(at(l->doc, "/logging/enabled"), "false");
	assert_string_equal(at(l->doc, "/acl"), "\"log-delivery-write\"");
	assert_string_equal(at(l->doc, "/versioning/enabled"), "true");
	assert_string_equal(pos(l, "/versioning/enabled"), "[8,8]");
	assert_string_equal(at(l->doc, "/public_access_block/block_public_acls"), "false");
	/* satellites stay in the set, raw */
	assert_string_equal(res(&f, "aws_s3_bucket_versioning.v")->type, "aws_s3_bucket_versioning");
	assert_string_equal(res(&f, "aws_kms_key.k")->type, "aws.kms.key");
	assert_string_equal(at(res(&f, "aws_kms_key.k")->doc, "/rotation_enabled"), "true");
	/* idempotent */
	assert_int_equal(mmr_iac_normalise(&f.s, NULL), 0);
	assert_string_equal(at(d->doc, "/versioning/enabled"), "true");
	fx_done(&f);
}

static void test_cfn_s3(void **state)
{
	struct fx f;
	fx_init(&f);
	cfn(&f, "Resources:\n"                                   /* 1 */
		"  B:\n"                                         /* 2 */
		"    Type: AWS::S3::Bucket\n"                    /* 3 */
		"    Properties:\n"                              /* 4 */
		"      BucketName: b1\n"                         /* 5 */
		"      AccessControl: PublicRead\n"              /* 6 */
		"      PublicAccessBlockConfiguration:\n"        /* 7 */
		"        BlockPublicAcls: true\n"                /* 8 */
		"      BucketEncryption:\n"                      /* 9 */
		"        ServerSideEncryptionConfiguration:\n"   /* 10 */
		"          - ServerSideEncryptionByDefault:\n"   /* 11 */
		"              SSEAlgorithm: AES256\n"           /* 12 */
		"      VersioningConfiguration:\n"               /* 13 */
		"        Status: Suspended\n"                    /* 14 */
		"      LoggingConfiguration:\n"                  /* 15 */
		"        DestinationBucketName: !Ref Logs\n"     /* 16 */
		"  Logs:\n"                                      /* 17 */
		"    Type: AWS::S3::Bucket\n"                    /* 18 */
		"  Pol:\n"                                       /* 19 */
		"    Type: AWS::S3::BucketPolicy\n"              /* 20 */
		"    Properties:\n"                              /* 21 */
		"      Bucket: !Ref B\n"                         /* 22 */
		"      PolicyDocument:\n"                        /* 23 */
		"        Statement:\n"                           /* 24 */
		"          - Effect: Allow\n"                    /* 25 */
		"            Principal: {AWS: arn:aws:iam::1:root}\n"
		"            Action: [s3:GetObject]\n"           /* 27 */
		"            Resource: !Sub 'arn:aws:s3:::${B}/*'\n");
	struct mmr_iac_resource *b = res(&f, "B");
	assert_string_equal(b->type, "aws.s3.bucket");
	assert_string_equal(at(b->doc, "/acl"), "\"public-read\"");
	assert_string_equal(pos(b, "/acl"), "[6,6]");
	assert_string_equal(at(b->doc, "/public_access_block"),
			    "{\"block_public_acls\":true,\"block_public_policy\":false,"
			    "\"ignore_public_acls\":false,\"restrict_public_buckets\":false}");
	assert_string_equal(pos(b, "/public_access_block/block_public_policy"), "[7,8]");
	assert_string_equal(at(b->doc, "/encryption/algorithm"), "\"AES256\"");
	assert_string_equal(pos(b, "/encryption/algorithm"), "[12,12]");
	assert_string_equal(at(b->doc, "/versioning/enabled"), "false");
	assert_string_equal(pos(b, "/versioning/enabled"), "[14,14]");
	assert_string_equal(at(b->doc, "/logging/enabled"), "true");
	assert_string_equal(at(b->doc, "/logging/target_bucket"), "{\"$unknown\":true}");
	assert_string_equal(at(b->doc, "/policy/statements/0/principals/AWS"),
			    "[\"arn:aws:iam::1:root\"]");
	/* a single unknown value: unknown, not a list of one */
	assert_string_equal(at(b->doc, "/policy/statements/0/resources"), "{\"$unknown\":true}");
	assert_string_equal(pos(b, "/policy"), "[23,28]");
	struct mmr_iac_resource *l = res(&f, "Logs");
	assert_string_equal(at(l->doc, "/policy"), "null");
	assert_string_equal(at(l->doc, "/logging/enabled"), "false");
	assert_string_equal(at(l->doc, "/encryption/enabled"), "false");
	fx_done(&f);
}

static void test_security_groups(void **state)
{
	struct fx f;
	fx_init(&f);
	write_file(&f, "sg.tf",
		   "resource \"aws_security_group\" \"web\" {\n"           /* 1 */
		   "  name = \"web\"\n"                                    /* 2 */
		   "  ingress {\n"                                         /* 3 */
		   "    from_port   = 22\n"                                /* 4 */
		   "    to_port     = 22\n"                                /* 5 */
		   "    protocol    = \"tcp\"\n"                           /* 6 */
		   "    cidr_blocks = [\"0.0.0.0/0\"]\n"                   /* 7 */
		   "  }\n"                                                 /* 8 */
		   "  egress {\n"                                          /* 9 */
		   "    from_port = 0\n"                                   /* 10 */
		   "    to_port   = 0\n"                                   /* 11 */
		   "    protocol  = \"-1\"\n"                              /* 12 */
		   "  }\n"                                                 /* 13 */
		   "}\n"                                                   /* 14 */
		   "resource \"aws_security_group_rule\" \"r\" {\n"        /* 15 */
		   "  type              = \"ingress\"\n"                   /* 16 */
		   "  security_group_id = aws_security_group.web.id\n"     /* 17 */
		   "  from_port         = 3389\n"                          /* 18 */
		   "  to_port           = 3389\n"                          /* 19 */
		   "  protocol          = \"6\"\n"                         /* 20 */
		   "  ipv6_cidr_blocks  = [\"::/0\"]\n"                    /* 21 */
		   "}\n");
	tf(&f);
	struct mmr_iac_resource *g = res(&f, "aws_security_group.web");
	assert_string_equal(g->type, "aws.ec2.security_group");
	assert_string_equal(at(g->doc, "/ingress/0"),
			    "{\"cidr_blocks\":[\"0.0.0.0/0\"],\"description\":null,\"from_port\":22,"
			    "\"ipv6_cidr_blocks\":[],\"prefix_lists\":[],\"protocol\":\"tcp\","
			    "\"security_groups\":[],\"self\":false,\"to_port\":22}");
	assert_string_equal(pos(g, "/ingress/0"), "[3,8]");
	assert_string_equal(at(g->doc, "/ingress/1/from_port"), "3389");
	assert_string_equal(at(g->doc, "/ingress/1/protocol"), "\"tcp\"");
	assert_string_equal(at(g->doc, "/ingress/1/ipv6_cidr_blocks"), "[\"::/0\"]");
	assert_string_equal(pos(g, "/ingress/1"), "[15,22]");
	assert_string_equal(at(g->doc, "/egress/0/protocol"), "\"-1\"");
	assert_string_equal(at(g->doc, "/egress/0/to_port"), "65535");
	fx_done(&f);

	fx_init(&f);
	cfn(&f, "Resources:\n"
		"  Sg:\n"
		"    Type: AWS::EC2::SecurityGroup\n"
		"    Properties:\n"
		"      GroupDescription: web\n"
		"      SecurityGroupIngress:\n"
		"        - IpProtocol: tcp\n"
		"          FromPort: '22'\n"
		"          ToPort: '22'\n"
		"          CidrIp: 0.0.0.0/0\n"
		"  In:\n"
		"    Type: AWS::EC2::SecurityGroupIngress\n"
		"    Properties:\n"
		"      GroupId: !GetAtt Sg.GroupId\n"
		"      IpProtocol: -1\n"
		"      CidrIpv6: ::/0\n"
		"  Other:\n"
		"    Type: AWS::EC2::SecurityGroup\n"
		"    Properties:\n"
		"      GroupDescription: other\n");
	g = res(&f, "Sg");
	assert_string_equal(g->type, "aws.ec2.security_group");
	assert_string_equal(at(g->doc, "/description"), "\"web\"");
	assert_string_equal(at(g->doc, "/ingress/0/from_port"), "22");
	assert_string_equal(at(g->doc, "/ingress/0/cidr_blocks"), "[\"0.0.0.0/0\"]");
	assert_string_equal(pos(g, "/ingress/0"), "[7,10]");
	assert_string_equal(at(g->doc, "/ingress/1/protocol"), "\"-1\"");
	assert_string_equal(at(g->doc, "/ingress/1/ipv6_cidr_blocks"), "[\"::/0\"]");
	assert_string_equal(pos(g, "/ingress/1"), "[11,16]");
	assert_string_equal(at(res(&f, "Other")->doc, "/ingress"), "[]");
	fx_done(&f);
}

static void test_iam(void **state)
{
	struct fx f;
	fx_init(&f);
	write_file(&f, "iam.tf",
		   "resource \"aws_iam_role\" \"r\" {\n"
		   "  name = \"r\"\n"
		   "  assume_role_policy = <<EOF\n"
		   "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\",\n"
		   " \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}}\n"
		   "EOF\n"
		   "}\n"
		   "resource \"aws_iam_role_policy\" \"p\" {\n"
		   "  role   = aws_iam_role.r.id\n"
		   "  policy = jsonencode({Statement = [{Effect = \"Allow\", Action = [\"*\"], Resource = \"*\"}]})\n"
		   "}\n");
	tf(&f);
	struct mmr_iac_resource *r = res(&f, "aws_iam_role.r");
	assert_string_equal(r->type, "aws.iam.role");
	assert_string_equal(at(r->doc, "/assume_role_policy/statements/0/principals"),
			    "{\"Service\":[\"ec2.amazonaws.com\"]}");
	assert_string_equal(at(r->doc, "/assume_role_policy/statements/0/actions"),
			    "[\"sts:AssumeRole\"]");
	assert_string_equal(at(r->doc, "/inline_policies/0/policy/statements/0/actions"), "[\"*\"]");
	assert_string_equal(pos(r, "/inline_policies/0"), "[10,10]");
	struct mmr_iac_resource *p = res(&f, "aws_iam_role_policy.p");
	assert_string_equal(p->type, "aws.iam.policy");
	assert_string_equal(at(p->doc, "/policy/statements/0/resources"), "[\"*\"]");
	fx_done(&f);

	fx_init(&f);
	cfn(&f, "Resources:\n"
		"  Role:\n"
		"    Type: AWS::IAM::Role\n"
		"    Properties:\n"
		"      AssumeRolePolicyDocument:\n"
		"        Statement:\n"
		"          - Effect: Allow\n"
		"            Principal: '*'\n"
		"            Action: sts:AssumeRole\n"
		"      Policies:\n"
		"        - PolicyName: all\n"
		"          PolicyDocument:\n"
		"            Statement:\n"
		"              - {Effect: Allow, NotAction: iam:*, Resource: '*'}\n"
		"      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n");
	r = res(&f, "Role");
	assert_string_equal(at(r->doc, "/assume_role_policy/statements/0/principals"),
			    "{\"AWS\":[\"*\"]}");
	assert_string_equal(at(r->doc, "/inline_policies/0/name"), "\"all\"");
	assert_string_equal(at(r->doc, "/inline_policies/0/policy/statements/0/not_actions"),
			    "[\"iam:*\"]");
	assert_string_equal(pos(r, "/inline_policies/0"), "[11,14]");
	assert_string_equal(at(r->doc, "/managed_policy_arns"),
			    "[\"arn:aws:iam::aws:policy/AdministratorAccess\"]");
	fx_done(&f);
}

/* Hand-built documents as another front end (or a test) would give them. */
static void test_hand_built(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set s;
	mmr_iac_set_init(&s, a);
	struct mmr_iac_resource *b = mmr_arena_alloc(a, sizeof(*b)),
				*v = mmr_arena_alloc(a, sizeof(*v)),
				*v2 = mmr_arena_alloc(a, sizeof(*v2));
	*b = (struct mmr_iac_resource){ .raw_type = "aws_s3_bucket", .source = "terraform",
					.address = "module.m.aws_s3_bucket.b", .file = "m/main.tf",
					.doc = json_pack("{ss}", "bucket", "x"), .pos = json_object() };
	*v = (struct mmr_iac_resource){ .raw_type = "aws_s3_bucket_versioning", .source = "terraform",
					.address = "module.m.aws_s3_bucket_versioning.v", .file = "m/main.tf",
					.doc = json_pack("{so s[{s{sb}}]}", "bucket", mmr_iac_unknown(),
							 "versioning_configuration", "status", "$unknown", 1),
					.pos = json_object() };
	/* another module's versioning with the same local name is not ours */
	*v2 = (struct mmr_iac_resource){ .raw_type = "aws_s3_bucket_versioning", .source = "terraform",
					 .address = "aws_s3_bucket_versioning.v", .file = "main.tf",
					 .doc = json_pack("{so s[{ss}]}", "bucket", mmr_iac_unknown(),
							  "versioning_configuration", "status", "Enabled"),
					 .pos = json_object() };
	mmr_vec_push(a, &v->refs, (char *)"module.m.aws_s3_bucket.b.id");
	mmr_vec_push(a, &v2->refs, (char *)"aws_s3_bucket.b");
	mmr_vec_push(a, &s.resources, b);
	mmr_vec_push(a, &s.resources, v);
	mmr_vec_push(a, &s.resources, v2);
	assert_int_equal(mmr_iac_normalise(&s, NULL), 0);
	assert_string_equal(b->type, "aws.s3.bucket");
	/* the status is unknown: so is versioning.enabled */
	assert_string_equal(at(b->doc, "/versioning/enabled"), "{\"$unknown\":true}");
	assert_int_equal(b->refs.n, 1);
	assert_string_equal(b->refs.v[0], "module.m.aws_s3_bucket_versioning.v");
	assert_string_equal(mmr_iac_normal_type("AWS::S3::Bucket"), "aws.s3.bucket");
	assert_string_equal(mmr_iac_normal_type("aws_instance"), "aws.ec2.instance");
	assert_null(mmr_iac_normal_type("aws_vpc"));
	mmr_iac_set_release(&s);
	mmr_arena_free(a);
}

/* trivy-checks examples: each good example gives the good value at the
 * pointer on every resource of the type; each bad one a different value on
 * at least one. */
struct oracle {
	const char *check, *type, *ptr, *good;
	const char *exempt_ptr, *exempt; /* resources with this value do not count */
};

static const struct oracle oracles[] = {
	{ "s3/enable_versioning", "aws.s3.bucket", "/versioning/enabled", "true" },
	{ "s3/block_public_acls", "aws.s3.bucket", "/public_access_block/block_public_acls", "true" },
	{ "s3/block_public_policy", "aws.s3.bucket", "/public_access_block/block_public_policy", "true" },
	{ "s3/ignore_public_acls", "aws.s3.bucket", "/public_access_block/ignore_public_acls", "true" },
	{ "s3/enable_bucket_encryption", "aws.s3.bucket", "/encryption/enabled", "true" },
	{ "s3/enable_logging", "aws.s3.bucket", "/logging/enabled", "true", "/acl",
	  "\"log-delivery-write\"" },
	{ "kms/auto_rotate_keys", "aws.kms.key", "/rotation_enabled", "true", "/key_usage",
	  "\"SIGN_VERIFY\"" },
	{ "rds/encrypt_instance_storage_data", "aws.rds.instance", "/storage_encrypted", "true" },
	{ "ecr/enable_image_scans", "aws.ecr.repository", "/scan_on_push", "true" },
	{ "ecr/enforce_immutable_repository", "aws.ecr.repository", "/tag_immutable", "true" },
	{ "cloudtrail/enable_all_regions", "aws.cloudtrail.trail", "/multi_region", "true" },
	{ "cloudtrail/enable_log_validation", "aws.cloudtrail.trail", "/log_file_validation", "true" },
	{ "dynamodb/enable_recovery", "aws.dynamodb.table", "/point_in_time_recovery", "true" },
	{ "ec2/enable_volume_encryption", "aws.ebs.volume", "/encrypted", "true" },
	{ "eks/encrypt_secrets", "aws.eks.cluster", "/secrets_encryption", "true" },
};

static size_t check_snippet(const struct oracle *o, const char *src, const char *text, bool good)
{
	struct fx f;
	fx_init(&f);
	if (!strcmp(src, "terraform")) {
		write_file(&f, "main.tf", text);
		tf(&f);
	} else {
		cfn(&f, text);
	}
	size_t n = 0, good_n = 0, exempt = 0;
	for (size_t i = 0; i < f.s.resources.n; i++) {
		struct mmr_iac_resource *r = f.s.resources.v[i];
		if (strcmp(r->type, o->type))
			continue;
		if (o->exempt_ptr && !strcmp(at(r->doc, o->exempt_ptr), o->exempt)) {
			exempt++;
			continue;
		}
		n++;
		if (!strcmp(at(r->doc, o->ptr), o->good))
			good_n++;
	}
	if (n == 0 && exempt && good) {
		fx_done(&f);
		return 1;
	}
	if (n == 0)
		fail_msg("%s %s: no %s in\n%s", o->check, src, o->type, text);
	if (good && good_n != n)
		fail_msg("%s %s good: %s is not %s in\n%s", o->check, src, o->ptr, o->good, text);
	if (!good && good_n == n)
		fail_msg("%s %s bad: %s is %s in\n%s", o->check, src, o->ptr, o->good, text);
	fx_done(&f);
	return 1;
}

static void test_trivy_oracles(void **state)
{
	size_t total = 0;
	for (size_t i = 0; i < sizeof(oracles) / sizeof(oracles[0]); i++) {
		const struct oracle *o = &oracles[i];
		char rel[256];
		snprintf(rel, sizeof(rel), "iac/trivy-checks/checks/cloud/aws/%s.yaml", o->check);
		size_t len;
		uint8_t *data = mmr_test_read(mmr_test_corpus(rel), &len);
		json_t *doc = NULL;
		assert_int_equal(mmr_yaml_parse(data, len, rel, 0, 0, 0, &doc, NULL), 0);
		static const char *const srcs[] = { "terraform", "cloudformation" };
		for (int s = 0; s < 2; s++) {
			json_t *sec = json_object_get(doc, srcs[s]);
			for (int g = 0; g < 2; g++) {
				size_t k;
				json_t *sn;
				json_array_foreach(json_object_get(sec, g ? "bad" : "good"), k, sn)
				total += check_snippet(o, srcs[s], json_string_value(sn), !g);
			}
		}
		json_decref(doc);
		free(data);
	}
	print_message("%zu trivy-checks examples\n", total);
	assert_true(total >= 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tf_s3_satellites), cmocka_unit_test(test_cfn_s3),
		cmocka_unit_test(test_security_groups),  cmocka_unit_test(test_iam),
		cmocka_unit_test(test_hand_built),       cmocka_unit_test(test_trivy_oracles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
