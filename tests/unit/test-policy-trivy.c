/* test-policy-trivy.c - oracle: for each trivy-checks check that one of our
 * rules corresponds to, every Terraform `bad` example (evaluated by the
 * Terraform front end) must give our finding and every `good` one must not. */
#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-json.h"
#include "iac/iac-terraform.h"
#include "policy/policy.h"

static const struct {
	const char *check; /* under iac/trivy-checks/checks/cloud/aws/ */
	const char *rule;
} map[] = {
	{ "s3/enable_versioning.yaml", "MMR-AWS-S3-001" },
	{ "s3/enable_bucket_encryption.yaml", "MMR-AWS-S3-002" },
	{ "s3/enable_logging.yaml", "MMR-AWS-S3-003" },
	{ "s3/no_public_access_with_acl.yaml", "MMR-AWS-S3-004" },
	{ "s3/block_public_acls.yaml", "MMR-AWS-S3-005" },
	{ "s3/block_public_policy.yaml", "MMR-AWS-S3-006" },
	{ "s3/ignore_public_acls.yaml", "MMR-AWS-S3-007" },
	{ "s3/no_public_buckets.yaml", "MMR-AWS-S3-008" },
	{ "s3/encryption_customer_key.yaml", "MMR-AWS-S3-009" },
	{ "ec2/no_public_ingress_sgr.yaml", "MMR-AWS-EC2-005" },
	{ "ec2/no_public_egress_sgr.yaml", "MMR-AWS-EC2-006" },
	{ "ec2/enforce_http_token_imds.yaml", "MMR-AWS-EC2-009" },
	{ "ec2/enable_volume_encryption.yaml", "MMR-AWS-EC2-013" },
	{ "ec2/encryption_customer_key.yaml", "MMR-AWS-EC2-014" },
	{ "ec2/require_vpc_flow_logs_for_all_vpcs.yaml", "MMR-AWS-EC2-016" },
	{ "ec2/add_description_to_security_group.yaml", "MMR-AWS-EC2-007" },
	{ "ec2/add_description_to_security_group_rule.yaml", "MMR-AWS-EC2-007" },
	{ "ec2/no_public_ip.yaml", "MMR-AWS-EC2-011" },
	{ "ec2/no_secrets_in_user_data.yaml", "MMR-AWS-EC2-012" },
	{ "ec2/enable_at_rest_encryption.yaml", "MMR-AWS-EC2-010" },
	{ "rds/disable_public_access.yaml", "MMR-AWS-RDS-002" },
	{ "rds/encrypt_cluster_storage_data.yaml", "MMR-AWS-RDS-001" },
	{ "rds/performance_insights_encryption_customer_key.yaml", "MMR-AWS-RDS-006" },
	{ "eks/no_public_cluster_access_to_cidr.yaml", "MMR-AWS-EKS-001" },
	{ "iam/no_user_attached_policies.yaml", "MMR-AWS-IAM-003" },
	{ "iam/no_password_reuse.yaml", "MMR-AWS-IAM-005" },
	{ "iam/set_minimum_password_length.yaml", "MMR-AWS-IAM-004" },
	{ "rds/encrypt_instance_storage_data.yaml", "MMR-AWS-RDS-001" },
	{ "rds/specify_backup_retention.yaml", "MMR-AWS-RDS-003" },
	{ "kms/auto_rotate_keys.yaml", "MMR-AWS-KMS-001" },
	{ "cloudtrail/enable_log_validation.yaml", "MMR-AWS-CT-001" },
	{ "cloudtrail/enable_all_regions.yaml", "MMR-AWS-CT-002" },
	{ "cloudtrail/encryption_customer_key.yaml", "MMR-AWS-CT-003" },
	{ "cloudtrail/ensure_cloudwatch_integration.yaml", "MMR-AWS-CT-004" },
	{ "cloudwatch/log_group_customer_key.yaml", "MMR-AWS-CW-001" },
	{ "eks/encrypt_secrets.yaml", "MMR-AWS-EKS-002" },
	{ "eks/enable_control_plane_logging.yaml", "MMR-AWS-EKS-003" },
	{ "lambda/enable_tracing.yaml", "MMR-AWS-LAMBDA-001" },
	{ "lambda/restrict_source_arn.yaml", "MMR-AWS-LAMBDA-003" },
	{ "elb/http_not_used.yaml", "MMR-AWS-ELB-001" },
	{ "elb/use_secure_tls_policy.yaml", "MMR-AWS-ELB-002" },
	{ "elb/drop_invalid_headers.yaml", "MMR-AWS-ELB-003" },
	{ "sns/enable_topic_encryption.yaml", "MMR-AWS-SNS-001" },
	{ "sns/topic_encryption_with_cmk.yaml", "MMR-AWS-SNS-002" },
	{ "sqs/enable_queue_encryption.yaml", "MMR-AWS-SQS-001" },
	{ "sqs/no_wildcards_in_policy_documents.yaml", "MMR-AWS-SQS-002" },
	{ "dynamodb/enable_recovery.yaml", "MMR-AWS-DDB-001" },
	{ "dynamodb/table_customer_key.yaml", "MMR-AWS-DDB-002" },
	{ "ecr/enforce_immutable_repository.yaml", "MMR-AWS-ECR-001" },
	{ "ecr/enable_image_scans.yaml", "MMR-AWS-ECR-002" },
	{ "ecr/repository_customer_key.yaml", "MMR-AWS-ECR-003" },
	{ "iam/no_policy_wildcards.yaml", "MMR-AWS-IAM-002" },
	{ "apigateway/enable_access_logging.yaml", "MMR-AWS-APIGW-001" },
	{ "apigateway/use_secure_tls_policy.yaml", "MMR-AWS-APIGW-002" },
	{ "apigateway/enable_tracing.yaml", "MMR-AWS-APIGW-003" },
	{ "cloudfront/enforce_https.yaml", "MMR-AWS-CF-001" },
	{ "cloudfront/use_secure_tls_policy.yaml", "MMR-AWS-CF-002" },
	{ "cloudfront/enable_waf.yaml", "MMR-AWS-CF-003" },
	{ "cloudfront/enable_logging.yaml", "MMR-AWS-CF-004" },
	{ "elasticsearch/enable_domain_encryption.yaml", "MMR-AWS-ES-001" },
	{ "elasticsearch/enable_in_transit_encryption.yaml", "MMR-AWS-ES-002" },
	{ "elasticsearch/enforce_https.yaml", "MMR-AWS-ES-003" },
	{ "elasticsearch/use_secure_tls_policy.yaml", "MMR-AWS-ES-004" },
	{ "elasticache/enable_in_transit_encryption.yaml", "MMR-AWS-ELASTICACHE-001" },
	{ "elasticache/enable_at_rest_encryption.yaml", "MMR-AWS-ELASTICACHE-002" },
	{ "efs/enable_at_rest_encryption.yaml", "MMR-AWS-EFS-001" },
	{ "neptune/enable_storage_encryption.yaml", "MMR-AWS-NEPTUNE-001" },
	{ "documentdb/enable_storage_encryption.yaml", "MMR-AWS-DOCDB-001" },
	{ "msk/enable_in_transit_encryption.yaml", "MMR-AWS-MSK-001" },
	{ "athena/enable_at_rest_encryption.yaml", "MMR-AWS-ATHENA-001" },
	{ "kinesis/enable_in_transit_encryption.yaml", "MMR-AWS-KINESIS-001" },
	{ "workspaces/enable_disk_encryption.yaml", "MMR-AWS-WORKSPACES-001" },
	{ "ssm/secret_use_customer_key.yaml", "MMR-AWS-SM-001" },
	/* Azure and GCP checks, relative to the aws directory */
	{ "../azure/storage/enforce_https.yaml", "MMR-AZURE-001" },
	{ "../azure/storage/use_secure_tls_policy.yaml", "MMR-AZURE-002" },
	{ "../azure/storage/no_public_access.yaml", "MMR-AZURE-004" },
	{ "../azure/storage/default_action_deny.yaml", "MMR-AZURE-005" },
	{ "../azure/storage/queue_services_logging_enabled.yaml", "MMR-AZURE-006" },
	{ "../azure/storage/infrastructure_encryption_enabled.yaml", "MMR-AZURE-007" },
	{ "../azure/network/ssh_blocked_from_internet.yaml", "MMR-AZURE-008" },
	{ "../azure/network/disable_rdp_from_internet.yaml", "MMR-AZURE-009" },
	{ "../azure/keyvault/no_purge.yaml", "MMR-AZURE-011" },
	{ "../azure/keyvault/specify_network_acl.yaml", "MMR-AZURE-012" },
	{ "../azure/keyvault/ensure_key_expiry.yaml", "MMR-AZURE-013" },
	{ "../azure/keyvault/ensure_secret_expiry.yaml", "MMR-AZURE-014" },
	{ "../azure/database/enable_audit.yaml", "MMR-AZURE-015" },
	{ "../azure/database/no_public_access.yaml", "MMR-AZURE-016" },
	{ "../azure/database/no_public_firewall_access.yaml", "MMR-AZURE-017" },
	{ "../azure/container/use_rbac_permissions.yaml", "MMR-AZURE-018" },
	{ "../azure/container/configured_network_policy.yaml", "MMR-AZURE-019" },
	{ "../azure/container/limit_authorized_ips.yaml", "MMR-AZURE-020" },
	{ "../azure/appservice/enforce_https.yaml", "MMR-AZURE-022" },
	{ "../azure/appservice/use_secure_tls_policy.yaml", "MMR-AZURE-023" },
	{ "../azure/appservice/enforce_ftps.yaml", "MMR-AZURE-024" },
	{ "../azure/appservice/account_identity_registered.yaml", "MMR-AZURE-025" },
	{ "../azure/compute/disable_password_authentication.yaml", "MMR-AZURE-026" },
	{ "../azure/monitor/activity_log_retention_set.yaml", "MMR-AZURE-028" },
	{ "../google/storage/enable_ubla.yaml", "MMR-GCP-001" },
	{ "../google/storage/no_public_access.yaml", "MMR-GCP-003" },
	{ "../google/storage/enable_bucket_versioning.yaml", "MMR-GCP-004" },
	{ "../google/storage/enable_bucket_logging.yaml", "MMR-GCP-005" },
	{ "../google/compute/restrict_ssh_access.yaml", "MMR-GCP-006" },
	{ "../google/compute/no_open_rdp_access.yaml", "MMR-GCP-007" },
	{ "../google/compute/no_default_service_account.yaml", "MMR-GCP-009" },
	{ "../google/compute/enable_shielded_vm_sb.yaml", "MMR-GCP-011" },
	{ "../google/compute/no_oslogin_override.yaml", "MMR-GCP-012" },
	{ "../google/compute/no_serial_port.yaml", "MMR-GCP-013" },
	{ "../google/compute/no_project_wide_ssh_keys.yaml", "MMR-GCP-014" },
	{ "../google/compute/no_ip_forwarding.yaml", "MMR-GCP-015" },
	{ "../google/compute/no_public_ip.yaml", "MMR-GCP-016" },
	{ "../google/compute/disk_encryption_no_plaintext_key.yaml", "MMR-GCP-017" },
	{ "../google/gke/enable_private_cluster.yaml", "MMR-GCP-018" },
	{ "../google/gke/use_rbac_permissions.yaml", "MMR-GCP-019" },
	{ "../google/gke/no_legacy_authentication.yaml", "MMR-GCP-020" },
	{ "../google/gke/enable_master_networks.yaml", "MMR-GCP-021" },
	{ "../google/gke/enable_network_policy.yaml", "MMR-GCP-022" },
	{ "../google/gke/node_shielding_enabled.yaml", "MMR-GCP-023" },
	{ "../google/gke/enable_auto_repair.yaml", "MMR-GCP-024" },
	{ "../google/gke/enable_auto_upgrade.yaml", "MMR-GCP-025" },
	{ "../google/sql/no_public_access.yaml", "MMR-GCP-027" },
	{ "../google/sql/encrypt_in_transit_data.yaml", "MMR-GCP-028" },
	{ "../google/sql/enable_backup.yaml", "MMR-GCP-029" },
	{ "../google/sql/pg_log_connections.yaml", "MMR-GCP-030" },
	{ "../google/kms/rotate_kms_keys.yaml", "MMR-GCP-031" },
	{ "../google/iam/no_user_granted_permissions.yaml", "MMR-GCP-032" },
	{ "../google/dns/enable_dnssec.yaml", "MMR-GCP-034" },
	{ "../google/dns/no_rsa_sha1.yaml", "MMR-GCP-035" },
	{ "../google/bigquery/no_public_access.yaml", "MMR-GCP-036" },
};

/* Divergences not fixed yet (see the report): "check kind index". */
static const char *const known[] = {
	/* source_tags beside 0.0.0.0/0 do not narrow it: GCP allows the union */
	"../google/compute/no_open_rdp_access.yaml good 2",
};

static bool is_known(const char *check, int bad, size_t k)
{
	char key[256];
	snprintf(key, sizeof(key), "%s %s %zu", check, bad ? "bad" : "good", k);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i], key) == 0)
			return true;
	return false;
}

struct count {
	const char *rule;
	size_t fail, unknown;
};

static void on_outcome(const struct mmr_policy_outcome *o, void *ud)
{
	struct count *c = ud;
	if (strcmp(o->rule->id, c->rule) != 0)
		return;
	if (o->result == MMR_POLICY_FAIL)
		c->fail++;
	else if (o->result == MMR_POLICY_UNKNOWN)
		c->unknown++;
}

static int scan_snippet(struct mmr_policy_set *ps, const char *rule, const char *hcl,
			struct count *ret)
{
	char dir[] = "/tmp/mmr-trivy-XXXXXX", path[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.tf", dir);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(hcl, f);
	fclose(f);
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	int r = mmr_tf_scan(&set, dir, NULL, NULL);
	struct count c = { .rule = rule };
	if (r == 0 && set.errors.n == 0)
		r = mmr_policy_eval(ps, &set, on_outcome, &c, NULL);
	else if (r == 0)
		r = -EBADMSG;
	*ret = c;
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
	unlink(path);
	rmdir(dir);
	return r;
}

static void test_trivy_examples(void **state)
{
	struct mmr_policy_set *ps = NULL;
	const char *dirs[] = { MMR_SOURCE_ROOT "/rules/iac" };
	char rel[512];
	size_t checked = 0, wrong = 0, skipped = 0, stale = 0;
	assert_int_equal(mmr_policy_load(dirs, 1, &ps, NULL), 0);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(rel, sizeof(rel), "iac/trivy-checks/checks/cloud/aws/%s", map[i].check);
		size_t len;
		uint8_t *data = mmr_test_read(mmr_test_corpus(rel), &len);
		json_t *doc = NULL;
		assert_int_equal(mmr_yaml_parse(data, len, rel, 0, 0, 0, &doc, NULL), 0);
		free(data);
		assert_non_null(mmr_policy_find(ps, map[i].rule));
		json_t *tf = json_object_get(doc, "terraform");
		for (int bad = 0; bad < 2; bad++) {
			json_t *list = json_object_get(tf, bad ? "bad" : "good"), *ex;
			size_t k;
			json_array_foreach(list, k, ex) {
				struct count c;
				if (scan_snippet(ps, map[i].rule, json_string_value(ex), &c) < 0) {
					skipped++;
					continue;
				}
				checked++;
				if ((bad && c.fail > 0) || (!bad && c.fail == 0)) {
					if (is_known(map[i].check, bad, k)) {
						stale++; /* agrees now: drop it from known */
						print_message("# stale known: %s %s %zu\n", map[i].check,
							      bad ? "bad" : "good", k);
					}
				} else {
					if (!is_known(map[i].check, bad, k))
						wrong++;
					print_message("# %s %s %s[%zu]: %zu fail, %zu unknown\n",
						      map[i].rule, map[i].check, bad ? "bad" : "good",
						      k, c.fail, c.unknown);
				}
			}
		}
		json_decref(doc);
	}
	print_message("# %zu trivy-checks examples checked, %zu wrong (beside %zu known), %zu not "
		      "parsed\n", checked, wrong, sizeof(known) / sizeof(known[0]), skipped);
	assert_true(checked >= 130);
	mmr_policy_set_free(ps);
	assert_int_equal(wrong, 0);
	assert_int_equal(stale, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trivy_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
