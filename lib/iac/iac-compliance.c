/* iac-compliance.c - per-control PASS/FAIL/UNKNOWN/MANUAL view
 * (iac-compliance.h). */
#include "iac/iac-compliance.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-str.h"
#include "policy/policy.h"

const char *const mmr_iac_frameworks[] = {
	"cis-aws-1.5", "nist-800-53-r5", "pci-dss-4.0", "soc2", "iso-27001-2022", NULL,
};

static const char *const framework_titles[] = {
	"CIS Amazon Web Services Foundations Benchmark v1.5.0",
	"NIST SP 800-53 Revision 5",
	"PCI DSS v4.0",
	"SOC 2 (Trust Services Criteria)",
	"ISO/IEC 27001:2022 Annex A",
};

struct ctrl_def {
	const char *id, *title;
};

/* CIS AWS Foundations 1.5: control numbers with short topic names of our
 * own (the benchmark's text is CIS's). */
static const struct ctrl_def cis_aws_15[] = {
	{ "1.1", "Account contact details are current" },
	{ "1.2", "Security contact is registered" },
	{ "1.3", "Security questions are registered" },
	{ "1.4", "No access keys for the root user" },
	{ "1.5", "MFA on the root user" },
	{ "1.6", "Hardware MFA on the root user" },
	{ "1.7", "Root user not used for daily work" },
	{ "1.8", "Password policy: length 14 or more" },
	{ "1.9", "Password policy: no reuse" },
	{ "1.10", "MFA for console users" },
	{ "1.11", "No access keys created at user setup" },
	{ "1.12", "Credentials unused for 45 days disabled" },
	{ "1.13", "At most one active access key per user" },
	{ "1.14", "Access keys rotated within 90 days" },
	{ "1.15", "Users get permissions only through groups" },
	{ "1.16", "No policies granting full *:* admin" },
	{ "1.17", "A support role for incidents exists" },
	{ "1.18", "Instance roles used for access from instances" },
	{ "1.19", "Expired server certificates removed from IAM" },
	{ "1.20", "IAM Access Analyzer enabled in all regions" },
	{ "1.21", "Users managed centrally (federation / Organizations)" },
	{ "2.1.1", "S3 buckets encrypted at rest" },
	{ "2.1.2", "S3 bucket policies deny plain HTTP" },
	{ "2.1.3", "MFA delete on S3 buckets" },
	{ "2.1.4", "S3 data discovered and classified" },
	{ "2.1.5", "S3 Block Public Access on buckets" },
	{ "2.2.1", "EBS encryption by default in all regions" },
	{ "2.3.1", "RDS instances encrypted" },
	{ "2.3.2", "RDS auto minor version upgrade" },
	{ "2.3.3", "RDS instances not publicly accessible" },
	{ "2.4.1", "EFS file systems encrypted" },
	{ "3.1", "CloudTrail enabled in all regions" },
	{ "3.2", "CloudTrail log file validation" },
	{ "3.3", "CloudTrail log bucket not public" },
	{ "3.4", "CloudTrail sends to CloudWatch Logs" },
	{ "3.5", "AWS Config enabled in all regions" },
	{ "3.6", "Access logging on the CloudTrail bucket" },
	{ "3.7", "CloudTrail logs encrypted with KMS keys" },
	{ "3.8", "Rotation of customer-managed symmetric keys" },
	{ "3.9", "VPC flow logs in every VPC" },
	{ "3.10", "S3 object-level logging of writes" },
	{ "3.11", "S3 object-level logging of reads" },
	{ "4.1", "Alarm: unauthorized API calls" },
	{ "4.2", "Alarm: console sign-in without MFA" },
	{ "4.3", "Alarm: root user activity" },
	{ "4.4", "Alarm: IAM policy changes" },
	{ "4.5", "Alarm: CloudTrail configuration changes" },
	{ "4.6", "Alarm: console authentication failures" },
	{ "4.7", "Alarm: disabling or deleting customer keys" },
	{ "4.8", "Alarm: S3 bucket policy changes" },
	{ "4.9", "Alarm: AWS Config changes" },
	{ "4.10", "Alarm: security group changes" },
	{ "4.11", "Alarm: network ACL changes" },
	{ "4.12", "Alarm: network gateway changes" },
	{ "4.13", "Alarm: route table changes" },
	{ "4.14", "Alarm: VPC changes" },
	{ "4.15", "Alarm: AWS Organizations changes" },
	{ "4.16", "Security Hub enabled" },
	{ "5.1", "No NACL ingress from 0.0.0.0/0 to admin ports" },
	{ "5.2", "No security group ingress from 0.0.0.0/0 to admin ports" },
	{ "5.3", "No security group ingress from ::/0 to admin ports" },
	{ "5.4", "Default security groups restrict all traffic" },
	{ "5.5", "VPC peering routes are least access" },
	{ NULL, NULL },
};

static int fw_index(const char *fw)
{
	for (int i = 0; fw && mmr_iac_frameworks[i]; i++)
		if (strcmp(fw, mmr_iac_frameworks[i]) == 0)
			return i;
	return -1;
}

int mmr_iac_framework_valid(const char *framework)
{
	return fw_index(framework) >= 0;
}

const char *mmr_iac_ctrl_status_name(enum mmr_iac_ctrl_status s)
{
	switch (s) {
	case MMR_IAC_CTRL_FAIL:
		return "FAIL";
	case MMR_IAC_CTRL_UNKNOWN:
		return "UNKNOWN";
	case MMR_IAC_CTRL_PASS:
		return "PASS";
	case MMR_IAC_CTRL_MANUAL:
		return "MANUAL";
	}
	return "?";
}

struct build {
	struct mmr_arena *a;
	struct mmr_iac_compliance *c;
	struct mmr_map by_id; /* control id -> struct mmr_iac_control * */
};

static struct mmr_iac_control *control(struct build *b, const char *id, const char *title)
{
	struct mmr_iac_control *x = mmr_map_get(&b->by_id, id);
	if (x) {
		if (title && *title && (!x->title || !*x->title))
			x->title = mmr_arena_strdup(b->a, title);
		return x;
	}
	x = mmr_arena_alloc(b->a, sizeof(*x));
	if (!x || !(x->id = mmr_arena_strdup(b->a, id)))
		return NULL;
	x->title = mmr_arena_strdup(b->a, title ? title : "");
	x->status = MMR_IAC_CTRL_MANUAL;
	if (!x->title || mmr_map_put(&b->by_id, x->id, x) < 0 ||
	    mmr_vec_push(b->a, &b->c->controls, x) < 0)
		return NULL;
	return x;
}

static int builtin_catalogue(struct build *b, int fw)
{
	char id[16];
	if (fw == 0) {
		for (const struct ctrl_def *d = cis_aws_15; d->id; d++)
			if (!control(b, d->id, d->title))
				return -ENOMEM;
	} else if (fw == 4) { /* ISO 27001:2022 Annex A: 5.1-5.37, 6.1-6.8, 7.1-7.14, 8.1-8.34 */
		static const int last[] = { 37, 8, 14, 34 };
		for (int t = 0; t < 4; t++)
			for (int k = 1; k <= last[t]; k++) {
				snprintf(id, sizeof(id), "A.%d.%d", t + 5, k);
				if (!control(b, id, NULL))
					return -ENOMEM;
			}
	} else if (fw == 3) { /* SOC 2 common criteria CC1-CC9 */
		static const int last[] = { 5, 3, 4, 2, 3, 8, 5, 1, 2 };
		for (int t = 0; t < 9; t++)
			for (int k = 1; k <= last[t]; k++) {
				snprintf(id, sizeof(id), "CC%d.%d", t + 1, k);
				if (!control(b, id, NULL))
					return -ENOMEM;
			}
	}
	return 0;
}

static bool looks_like_id(const char *s)
{
	if (!s || !*s || strchr(s, ' '))
		return false;
	for (const char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return true;
	return false;
}

/* Prowler compliance JSON: Requirements[] {Id, Name, Description}. */
static int load_catalogue(struct build *b, const char *path, struct mmr_error *reterr)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return mmr_error_set(reterr, EBADMSG, path, (unsigned long)(je.line > 0 ? je.line : 0),
				     (unsigned long)(je.column > 0 ? je.column : 0),
				     "compliance catalogue: %s", je.text);
	json_t *reqs = json_object_get(root, "Requirements");
	int rc = 0;
	if (!json_is_array(reqs)) {
		rc = mmr_error_set(reterr, EBADMSG, path, 0, 0,
				   "compliance catalogue: no Requirements list (Prowler layout)");
		goto out;
	}
	size_t i;
	json_t *req;
	json_array_foreach(reqs, i, req) {
		const char *rid = json_string_value(json_object_get(req, "Id"));
		const char *name = json_string_value(json_object_get(req, "Name"));
		const char *desc = json_string_value(json_object_get(req, "Description"));
		if (!rid)
			continue;
		const char *id = looks_like_id(name) ? name : rid;
		const char *title = looks_like_id(name) ? desc : (name && strchr(name, ' ') ? name : desc);
		char t[120];
		snprintf(t, sizeof(t), "%s", title ? title : "");
		char *nl = strpbrk(t, "\r\n");
		if (nl)
			*nl = 0;
		if (!control(b, id, t)) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

static int cmp_control(const void *x, const void *y)
{
	const struct mmr_iac_control *a = *(const struct mmr_iac_control *const *)x;
	const struct mmr_iac_control *b = *(const struct mmr_iac_control *const *)y;
	return strverscmp(a->id, b->id);
}

int mmr_iac_compliance_build(struct mmr_arena *a, const char *framework,
			     const struct mmr_policy_set *rules,
			     const struct mmr_iac_scan_stats *st, const struct mmr_report *r,
			     const char *catalogue, struct mmr_iac_compliance **ret,
			     struct mmr_error *reterr)
{
	int fw = fw_index(framework);
	if (fw < 0)
		return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "unknown compliance framework '%s'",
				     framework ? framework : "");
	struct build b = { .a = a };
	b.c = mmr_arena_alloc(a, sizeof(*b.c));
	if (!b.c)
		return -ENOMEM;
	b.c->framework = mmr_iac_frameworks[fw];
	b.c->title = framework_titles[fw];
	mmr_map_init(&b.by_id, a);
	int rc = builtin_catalogue(&b, fw);
	if (rc < 0)
		return rc;
	if (catalogue && (rc = load_catalogue(&b, catalogue, reterr)) < 0)
		return rc;

	/* failures by rule id: findings that still count */
	struct mmr_map failed;
	mmr_map_init(&failed, a);
	for (size_t i = 0; r && i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t k = 0; k < res->findings.n; k++) {
			const struct mmr_finding *f = res->findings.v[k];
			if (f->kind != MMR_FINDING_MISCONFIGURATION || f->suppressed || !f->rule_id)
				continue;
			size_t *n = mmr_map_get(&failed, f->rule_id);
			if (!n) {
				if (!(n = mmr_arena_alloc(a, sizeof(*n))) ||
				    mmr_map_put(&failed, f->rule_id, n) < 0)
					return -ENOMEM;
			}
			(*n)++;
		}
	}
	struct mmr_map tally;
	mmr_map_init(&tally, a);
	for (size_t i = 0; st && i < st->tallies.n; i++) {
		struct mmr_iac_rule_tally *t = st->tallies.v[i];
		if (mmr_map_put(&tally, t->rule_id, t) < 0)
			return -ENOMEM;
	}

	size_t plen = strlen(b.c->framework);
	for (size_t i = 0; i < rules->rules.n; i++) {
		const struct mmr_policy_rule *rule = rules->rules.v[i];
		if (rule->disabled)
			continue;
		const struct mmr_iac_rule_tally *t = mmr_map_get(&tally, rule->id);
		const size_t *nf = mmr_map_get(&failed, rule->id);
		for (size_t k = 0; k < rule->controls.n; k++) {
			const char *cv = rule->controls.v[k];
			if (strncmp(cv, b.c->framework, plen) != 0 || cv[plen] != ':')
				continue;
			struct mmr_iac_control *x = control(&b, cv + plen + 1, NULL);
			char *rid = mmr_arena_strdup(a, rule->id);
			if (!x || !rid || mmr_vec_push(a, &x->rules, rid) < 0)
				return -ENOMEM;
			x->failed += nf ? *nf : 0;
			if (t) {
				x->passed += t->passed;
				x->unknown += t->unknown;
			}
		}
	}
	for (size_t i = 0; i < b.c->controls.n; i++) {
		struct mmr_iac_control *x = b.c->controls.v[i];
		if (!x->rules.n)
			x->status = MMR_IAC_CTRL_MANUAL;
		else if (x->failed)
			x->status = MMR_IAC_CTRL_FAIL;
		else if (x->unknown && !x->passed)
			x->status = MMR_IAC_CTRL_UNKNOWN;
		else
			x->status = MMR_IAC_CTRL_PASS;
		b.c->n[x->status]++;
	}
	if (b.c->controls.n)
		qsort(b.c->controls.v, b.c->controls.n, sizeof(void *), cmp_control);
	*ret = b.c;
	return 0;
}
