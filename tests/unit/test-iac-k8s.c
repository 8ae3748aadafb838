/* test-iac-k8s.c - Kubernetes front end (iac-k8s.c) and the built-in
 * Kubernetes rules: parsing, normalisation, positions, suppressions, limits;
 * every rule's own examples; oracles from trivy-checks (good/bad manifests),
 * KICS (expected lines), Kubescape (expected failing objects) and a
 * kubernetes-goat smoke scan. */
#include "test-util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core-buf.h"
#include "core/core-json.h"
#include "iac/iac-k8s.h"
#include "model/model.h"
#include "policy/policy.h"

#define K8S_RULES MMR_SOURCE_ROOT "/rules/iac/kubernetes"

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

static int parse(struct fx *f, const char *text, struct mmr_error *e)
{
	return mmr_k8s_parse(&f->s, text, strlen(text), "m.yaml", NULL, e);
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

/* Value at a pointer without escapes, as compact JSON ("<absent>"). */
static const char *at(const json_t *doc, const char *ptr)
{
	const json_t *v = doc;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", ptr);
	char *p = buf + 1;
	while (v && *ptr) {
		char *e = strchr(p, '/');
		if (e)
			*e = 0;
		v = json_is_array(v) ? json_array_get(v, strtoul(p, NULL, 10)) : json_object_get(v, p);
		if (!e)
			break;
		p = e + 1;
	}
	static char out[2048];
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
	snprintf(out, sizeof(out), "%s", s ? s : "<absent>");
	free(s);
	return out;
}

static long pos_line(const struct mmr_iac_resource *r, const char *ptr, int which)
{
	json_t *p = json_object_get(r->pos, ptr);
	return p ? (long)json_integer_value(json_array_get(p, (size_t)which)) : -1;
}

/* ---- parsing ---------------------------------------------------------------- */

static const char *multi =
	"# leading comment\n"                                     /* 1 */
	"apiVersion: apps/v1\n"                                  /* 2 */
	"kind: Deployment\n"                                     /* 3 */
	"metadata:\n"                                            /* 4 */
	"  name: web\n"                                          /* 5 */
	"  namespace: shop\n"                                    /* 6 */
	"spec:\n"                                                /* 7 */
	"  template:\n"                                          /* 8 */
	"    metadata:\n"                                        /* 9 */
	"      labels: {app: web}\n"                             /* 10 */
	"      annotations:\n"                                   /* 11 */
	"        container.apparmor.security.beta.kubernetes.io/app: unconfined\n" /* 12 */
	"        seccomp.security.alpha.kubernetes.io/pod: runtime/default\n"     /* 13 */
	"    spec:\n"                                            /* 14 */
	"      serviceAccount: legacy\n"                         /* 15 */
	"      securityContext:\n"                               /* 16 */
	"        runAsUser: 1000\n"                              /* 17 */
	"        runAsNonRoot: yes\n"                            /* 18 */
	"      initContainers:\n"                                /* 19 */
	"      - name: init\n"                                   /* 20 */
	"        image: busybox\n"                               /* 21 */
	"      containers:\n"                                    /* 22 */
	"      - name: app\n"                                    /* 23 */
	"        image: reg.example.com:5000/team/app:1.2@sha256:ab\n" /* 24 */
	"        securityContext:\n"                             /* 25 */
	"          runAsUser: 0\n"                               /* 26 */
	"          privileged: true\n"                           /* 27 */
	"      ephemeralContainers:\n"                           /* 28 */
	"      - name: dbg\n"                                    /* 29 */
	"        image: busybox:latest\n"                        /* 30 */
	"---\n"                                                  /* 31 */
	"apiVersion: v1\n"                                       /* 32 */
	"kind: List\n"                                           /* 33 */
	"items:\n"                                               /* 34 */
	"- apiVersion: v1\n"                                     /* 35 */
	"  kind: Service\n"                                      /* 36 */
	"  metadata: {name: s1}\n"                               /* 37 */
	"  spec: {type: NodePort}\n"                             /* 38 */
	"- apiVersion: rbac.authorization.k8s.io/v1\n"           /* 39 */
	"  kind: ClusterRole\n"                                  /* 40 */
	"  metadata:\n"                                          /* 41 */
	"    name: cr\n"                                         /* 42 */
	"  rules:\n"                                             /* 43 */
	"  - apiGroups: [\"*\"]\n"                               /* 44 */
	"    resources: [\"*\"]\n"                               /* 45 */
	"    verbs: [\"*\"]   # trivy:ignore:KSV046 accepted\n"  /* 46 */
	"---\n"                                                  /* 47 */
	"# just a comment document\n"                            /* 48 */
	"---\n"                                                  /* 49 */
	"apiVersion: batch/v1\n"                                 /* 50 */
	"kind: CronJob\n"                                        /* 51 */
	"metadata:\n"                                            /* 52 */
	"  name: cj\n"                                           /* 53 */
	"  annotations:\n"                                       /* 54 */
	"    mamori.io/ignore: \"MMR-K8S-036 pinned by policy; MMR-K8S-030\"\n" /* 55 */
	"spec:\n"                                                /* 56 */
	"  jobTemplate:\n"                                       /* 57 */
	"    spec:\n"                                            /* 58 */
	"      template:\n"                                      /* 59 */
	"        spec:\n"                                        /* 60 */
	"          containers:\n"                                /* 61 */
	"          - name: c\n"                                  /* 62 */
	"            image: nginx\n";                            /* 63 */

static void test_parse_multi(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct mmr_error e = { 0 };
	assert_int_equal(parse(&f, multi, &e), 0);
	assert_int_equal(f.s.resources.n, 4);

	struct mmr_iac_resource *d = res(&f, "Deployment/shop/web");
	assert_non_null(d);
	assert_string_equal(d->type, "k8s.workload");
	assert_string_equal(d->raw_type, "apps/v1/Deployment");
	assert_string_equal(d->source, "kubernetes");
	assert_int_equal(d->line_start, 2);
	assert_int_equal(d->line_end, 30);
	/* containers: init first, then containers, then ephemeral, each tagged */
	assert_string_equal(at(d->doc, "/pod/containers/0/kind"), "\"initContainer\"");
	assert_string_equal(at(d->doc, "/pod/containers/1/kind"), "\"container\"");
	assert_string_equal(at(d->doc, "/pod/containers/2/kind"), "\"ephemeralContainer\"");
	assert_string_equal(at(d->doc, "/pod/kind"), "\"Deployment\"");
	/* precedence: the container's runAsUser wins, runAsNonRoot inherited (yes = true) */
	assert_string_equal(at(d->doc, "/pod/containers/1/securityContext/runAsUser"), "0");
	assert_string_equal(at(d->doc, "/pod/containers/1/securityContext/runAsNonRoot"), "true");
	assert_string_equal(at(d->doc, "/pod/containers/0/securityContext/runAsUser"), "1000");
	/* privileged is not inherited, and not invented */
	assert_string_equal(at(d->doc, "/pod/containers/0/securityContext/privileged"), "<absent>");
	/* legacy annotations folded in */
	assert_string_equal(at(d->doc, "/pod/containers/1/securityContext/appArmorProfile/type"),
			    "\"Unconfined\"");
	assert_string_equal(at(d->doc, "/pod/containers/0/securityContext/seccompProfile/type"),
			    "\"RuntimeDefault\"");
	assert_string_equal(at(d->doc, "/pod/containers/0/securityContext/appArmorProfile"),
			    "<absent>");
	/* image reference */
	assert_string_equal(at(d->doc, "/pod/containers/1/image_ref"),
			    "{\"digest\":\"sha256:ab\",\"registry\":\"reg.example.com:5000\","
			    "\"repository\":\"team/app\",\"tag\":\"1.2\"}");
	assert_string_equal(at(d->doc, "/pod/containers/2/image_ref/tag"), "\"latest\"");
	assert_string_equal(at(d->doc, "/pod/serviceAccountName"), "\"legacy\"");
	assert_string_equal(at(d->doc, "/pod/labels/app"), "\"web\"");
	/* the document as written is kept */
	assert_string_equal(at(d->doc, "/spec/template/spec/containers/0/name"), "\"app\"");
	/* positions: value lines, mapped pod pointers, inherited ones point at the pod level */
	assert_int_equal(pos_line(d, "/spec/template/spec/containers/0/securityContext/privileged", 0), 27);
	assert_int_equal(pos_line(d, "/pod/containers/1/securityContext/privileged", 0), 27);
	assert_int_equal(pos_line(d, "/pod/containers/1/securityContext/runAsNonRoot", 0), 18);
	assert_int_equal(pos_line(d, "/pod/containers/1/securityContext/appArmorProfile", 0), 12);
	assert_int_equal(pos_line(d, "/pod/containers/0", 0), 20);
	assert_int_equal(pos_line(d, "/pod/containers/0", 1), 21);
	assert_int_equal(pos_line(d, "/pod/containers/2", 0), 29);
	assert_int_equal(pos_line(d, "/spec/template/spec", 0), 14);
	assert_int_equal(pos_line(d, "/spec/template/spec", 1), 30);
	/* no stale pointers for the spec's own container lists */
	assert_int_equal(pos_line(d, "/pod/initContainers/0", 0), -1);

	struct mmr_iac_resource *s = res(&f, "Service/default/s1");
	assert_non_null(s);
	assert_string_equal(s->type, "k8s.service");
	assert_int_equal(s->line_start, 35);
	assert_int_equal(s->line_end, 38);
	assert_int_equal(pos_line(s, "/spec/type", 0), 38);

	struct mmr_iac_resource *cr = res(&f, "ClusterRole/cr");
	assert_non_null(cr);
	assert_string_equal(cr->type, "k8s.role");
	assert_int_equal(pos_line(cr, "/rules/0/verbs", 0), 46);
	assert_int_equal(cr->ignores.n, 1);
	assert_string_equal(cr->ignores.v[0], "trivy:ignore:KSV046 accepted");

	struct mmr_iac_resource *cj = res(&f, "CronJob/default/cj");
	assert_non_null(cj);
	assert_string_equal(at(cj->doc, "/pod/containers/0/name"), "\"c\"");
	assert_int_equal(pos_line(cj, "/pod/containers/0/image", 0), 63);
	assert_int_equal(cj->ignores.n, 2);
	assert_string_equal(cj->ignores.v[0], "MMR-K8S-036 pinned by policy");
	assert_string_equal(cj->ignores.v[1], "MMR-K8S-030");
	fx_done(&f);
}

static void test_parse_json_and_sniff(void **state)
{
	(void)state;
	const char *j = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\","
			" \"namespace\": \"x\"}, \"spec\": {\"hostPID\": true, \"containers\": []}}";
	assert_true(mmr_k8s_is_manifest(j, strlen(j)));
	assert_true(mmr_k8s_is_manifest(multi, strlen(multi)));
	const char *helm = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n";
	assert_false(mmr_k8s_is_manifest(helm, strlen(helm)));
	const char *cfn = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n";
	assert_false(mmr_k8s_is_manifest(cfn, strlen(cfn)));
	const char *compose = "services:\n  web:\n    image: nginx\n";
	assert_false(mmr_k8s_is_manifest(compose, strlen(compose)));
	struct fx f;
	fx_init(&f);
	assert_int_equal(parse(&f, j, NULL), 0);
	struct mmr_iac_resource *p = res(&f, "Pod/x/p");
	assert_non_null(p);
	assert_string_equal(at(p->doc, "/pod/hostPID"), "true");
	assert_int_equal(pos_line(p, "/spec/hostPID", 0), 1);
	fx_done(&f);
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct mmr_error e = { 0 };
	/* the first document's objects are kept, the error names line and column */
	const char *bad = "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\n"
			  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n";
	assert_int_equal(parse(&f, bad, &e), -EBADMSG);
	assert_string_equal(e.file, "m.yaml");
	assert_int_equal(e.line, 9);
	assert_true(e.col >= 1);
	assert_non_null(res(&f, "Namespace/ok"));
	assert_string_equal(res(&f, "Namespace/ok")->type, "k8s.namespace");
	fx_done(&f);

	/* billion laughs: aliases expanded under a node budget */
	fx_init(&f);
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	mmr_buf_adds(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++)
		mmr_buf_addf(&b, "  a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			     i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	assert_int_equal(mmr_k8s_parse(&f.s, b.p, b.len, "bomb.yaml", NULL, &e), -E2BIG);
	mmr_buf_release(&b);
	fx_done(&f);

	/* nesting past max_json_depth */
	fx_init(&f);
	mmr_buf_init(&b, 1 << 20);
	mmr_buf_adds(&b, "apiVersion: v1\nkind: ConfigMap\ndata: ");
	for (int i = 0; i < 1000; i++)
		mmr_buf_addc(&b, '[');
	for (int i = 0; i < 1000; i++)
		mmr_buf_addc(&b, ']');
	mmr_buf_addc(&b, '\n');
	assert_int_equal(mmr_k8s_parse(&f.s, b.p, b.len, "deep.yaml", NULL, &e), -E2BIG);
	mmr_buf_release(&b);
	fx_done(&f);

	/* documents that are not objects are skipped quietly */
	fx_init(&f);
	assert_int_equal(parse(&f, "just: data\n---\n- 1\n- 2\n---\nkind: Pod\n", &e), 0);
	assert_int_equal(f.s.resources.n, 0);
	fx_done(&f);
}

/* ---- rules ------------------------------------------------------------------ */

static struct mmr_policy_set *load_rules(void)
{
	struct mmr_policy_set *ps = NULL;
	struct mmr_error e = { 0 };
	const char *dirs[] = { K8S_RULES };
	char m[1200];
	if (mmr_policy_load(dirs, 1, &ps, &e) < 0)
		fail_msg("loading %s: %s", K8S_RULES, mmr_error_format(&e, m, sizeof(m)));
	return ps;
}

static enum mmr_policy_result run_example(const struct mmr_policy_rule *rule, json_t *ex)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_iac_resource *r = mmr_arena_alloc(a, sizeof(*r));
	r->type = r->raw_type = rule->types.v[0];
	r->address = "example";
	r->source = "kubernetes";
	r->file = "x.yaml";
	r->doc = json_incref(ex);
	mmr_vec_push(a, &set.resources, r);
	enum mmr_policy_result res = mmr_policy_eval_expr(rule->cond, &set, r);
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
	return res;
}

static void test_rule_examples(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	size_t n = 0, bad = 0;
	for (size_t i = 0; i < ps->rules.n; i++) {
		struct mmr_policy_rule *rule = ps->rules.v[i];
		assert_non_null(rule->examples);
		json_t *b = json_object_get(rule->examples, "bad"), *g = json_object_get(rule->examples, "good"), *ex;
		size_t k;
		assert_true(json_array_size(b) > 0);
		assert_true(json_array_size(g) > 0);
		json_array_foreach(b, k, ex) {
			if (run_example(rule, ex) != MMR_POLICY_FAIL) {
				print_message("%s: bad example %zu does not fail\n", rule->id, k);
				bad++;
			}
		}
		json_array_foreach(g, k, ex) {
			if (run_example(rule, ex) != MMR_POLICY_PASS) {
				print_message("%s: good example %zu does not pass\n", rule->id, k);
				bad++;
			}
		}
		n++;
	}
	assert_true(n >= 30);
	assert_int_equal(bad, 0);
	mmr_policy_set_free(ps);
}

struct outcomes {
	struct mmr_arena *a;
	struct mmr_vec v; /* "RULE address line" strings for FAIL */
	const char *only; /* rule id filter, or NULL */
};

static void collect(const struct mmr_policy_outcome *o, void *ud)
{
	struct outcomes *out = ud;
	if (o->result != MMR_POLICY_FAIL || o->suppressed_by)
		return;
	if (out->only) {
		size_t l = strlen(o->rule->id);
		const char *p = strstr(out->only, o->rule->id);
		if (!p || (p[l] != 0 && p[l] != ' '))
			return;
	}
	mmr_vec_push(out->a, &out->v,
		     mmr_arena_printf(out->a, "%s %s %lu", o->rule->id, o->res->address, o->line_start));
}

static bool has(const struct outcomes *o, const char *s)
{
	for (size_t i = 0; i < o->v.n; i++)
		if (!strcmp(o->v.v[i], s))
			return true;
	return false;
}

/* The front end and the rules together, with lines and suppressions. */
static void test_rules_on_manifest(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	struct fx f;
	fx_init(&f);
	assert_int_equal(parse(&f, multi, NULL), 0);
	struct outcomes o = { .a = f.a };
	assert_int_equal(mmr_policy_eval(ps, &f.s, collect, &o, NULL), 0);
	assert_true(has(&o, "MMR-K8S-001 Deployment/shop/web 27"));
	assert_true(has(&o, "MMR-K8S-013 Deployment/shop/web 26"));
	assert_true(has(&o, "MMR-K8S-018 Deployment/shop/web 12"));
	assert_true(has(&o, "MMR-K8S-036 Deployment/shop/web 21"));
	assert_true(has(&o, "MMR-K8S-056 Service/default/s1 38"));
	assert_true(has(&o, "MMR-K8S-058 Service/default/s1 37"));
	assert_false(has(&o, "MMR-K8S-058 Deployment/shop/web 6"));
	assert_false(has(&o, "MMR-K8S-012 Deployment/shop/web 18")); /* runAsNonRoot inherited */
	/* the trivy:ignore names a peer of MMR-K8S-050: suppressed */
	for (size_t i = 0; i < o.v.n; i++)
		assert_null(strstr(o.v.v[i], "MMR-K8S-050"));
	assert_true(has(&o, "MMR-K8S-051 ClusterRole/cr 44"));
	/* annotation suppressions on the CronJob */
	for (size_t i = 0; i < o.v.n; i++) {
		assert_null(strstr(o.v.v[i], "MMR-K8S-036 CronJob"));
		assert_null(strstr(o.v.v[i], "MMR-K8S-030 CronJob"));
	}
	assert_true(has(&o, "MMR-K8S-037 CronJob/default/cj 63"));
	/* Jobs need no probes */
	assert_false(has(&o, "MMR-K8S-034 CronJob/default/cj 60"));
	fx_done(&f);
	mmr_policy_set_free(ps);
}

/* ---- oracles ------------------------------------------------------------------ */

static const struct {
	const char *file, *peer;
} trivy_map[] = {
	{ "CPU_not_limited", "KSV011" },
	{ "CPU_requests_not_specified", "KSV015" },
	{ "SYS_ADMIN_capability", "KSV005" },
	{ "access_to_host_ports", "KSV024" },
	{ "apparmor_policy_disabled", "KSV002" },
	{ "can_elevate_its_own_privileges", "KSV001" },
	{ "capabilities_no_drop_all", "KSV003" },
	{ "configMap_with_secrets", "KSV01010" },
	{ "file_system_not_read_only", "KSV014" },
	{ "host_ipc", "KSV008" },
	{ "host_network", "KSV009" },
	{ "host_pid", "KSV010" },
	{ "hostpath_volumes_mounted", "KSV023" },
	{ "insecure_ingress_nginx", "KSV0113" },
	{ "memory_not_limited", "KSV018" },
	{ "memory_requests_not_specified", "KSV016" },
	{ "mounts_docker_socket", "KSV006" },
	{ "non_core_volume_types", "KSV028" },
	{ "non_default_proc_masks_set", "KSV027" },
	{ "privileged", "KSV017" },
	{ "protect_core_components_namespace", "KSV037" },
	{ "runs_as_root", "KSV012" },
	{ "runs_with_GID_le_10000", "KSV021" },
	{ "runs_with_UID_le_10000", "KSV020" },
	{ "runtime_default_seccomp_profile_not_set", "KSV030" },
	{ "selinux_custom_options_set", "KSV025" },
	{ "tiller_is_deployed", "KSV102" },
	{ "unsafe_sysctl_options_set", "KSV026" },
	{ "uses_image_tag_latest", "KSV013" },
};

static bool rule_has_peer(const struct mmr_policy_rule *r, const char *peer)
{
	for (size_t i = 0; i < r->peers.n; i++)
		if (!strcmp(r->peers.v[i], peer))
			return true;
	return false;
}

struct peer_ud {
	const char *peer;
	int fails;
};

static void count_peer(const struct mmr_policy_outcome *o, void *ud)
{
	struct peer_ud *p = ud;
	if (o->result == MMR_POLICY_FAIL && rule_has_peer(o->rule, p->peer))
		p->fails++;
}

/* One manifest text: how many findings of rules naming `peer`. */
static int peer_fails(struct mmr_policy_set *ps, const char *text, const char *peer)
{
	struct fx f;
	fx_init(&f);
	struct mmr_error e = { 0 };
	int r = mmr_k8s_parse(&f.s, text, strlen(text), "ex.yaml", NULL, &e);
	assert_int_equal(r, 0);
	assert_true(f.s.resources.n > 0);
	struct peer_ud ud = { .peer = peer };
	mmr_policy_eval(ps, &f.s, count_peer, &ud, NULL);
	fx_done(&f);
	return ud.fails;
}

static void test_oracle_trivy(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	size_t cases = 0, agree = 0;
	for (size_t i = 0; i < sizeof(trivy_map) / sizeof(trivy_map[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "iac/trivy-checks/checks/kubernetes/%s.yaml", trivy_map[i].file);
		size_t len;
		uint8_t *data = mmr_test_read(mmr_test_corpus(rel), &len);
		json_t *doc = NULL;
		assert_int_equal(mmr_yaml_parse(data, len, rel, 0, 0, 0, &doc, NULL), 0);
		free(data);
		json_t *k = json_object_get(doc, "kubernetes");
		bool any_rule = false;
		for (size_t j = 0; j < ps->rules.n; j++)
			any_rule |= rule_has_peer(ps->rules.v[j], trivy_map[i].peer);
		assert_true(any_rule);
		for (int g = 0; g < 2; g++) {
			json_t *list = json_object_get(k, g ? "good" : "bad"), *ex;
			size_t n;
			json_array_foreach(list, n, ex) {
				int fails = peer_fails(ps, json_string_value(ex), trivy_map[i].peer);
				bool ok = g ? fails == 0 : fails > 0;
				cases++;
				if (ok)
					agree++;
				else
					print_message("trivy %s %s[%zu]: %d findings\n", trivy_map[i].file,
						      g ? "good" : "bad", n, fails);
			}
		}
		json_decref(doc);
	}
	print_message("trivy-checks kubernetes: %zu/%zu examples agree\n", agree, cases);
	assert_true(cases >= 60);
	assert_int_equal(agree, cases);
	mmr_policy_set_free(ps);
}

/* KICS "Privilege Escalation Allowed": the objects and the line of the first
 * offending container (KICS reports every container; we report the
 * resource once, at its first offending attribute). */
static void test_oracle_kics(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	struct fx f;
	fx_init(&f);
	const char *dir = mmr_test_corpus("iac/kics-samples/k8s/privilege_escalation_allowed/test");
	assert_int_equal(mmr_k8s_scan(&f.s, dir, NULL, NULL), 0);
	assert_int_equal(f.s.resources.n, 2);
	assert_int_equal(f.s.errors.n, 0);
	struct outcomes o = { .a = f.a, .only = "MMR-K8S-014" };
	mmr_policy_eval(ps, &f.s, collect, &o, NULL);
	assert_int_equal(o.v.n, 2);
	/* positive_expected_result.json: pod2 lines 10 and 21, example-priv 9, 13, 17 */
	assert_true(has(&o, "MMR-K8S-014 Pod/default/pod2 10"));
	assert_true(has(&o, "MMR-K8S-014 Pod/default/example-priv 9"));
	fx_done(&f);
	mmr_policy_set_free(ps);
}

/* Kubescape rule tests: the failing objects (kind/name) must be exactly the
 * expected.json alert objects. */
static const struct {
	const char *rule, *ours;
} kubescape_map[] = {
	{ "rule-privileged-container", "MMR-K8S-001 MMR-K8S-011" }, /* privileged or SYS_ADMIN */
	{ "host-network-access", "MMR-K8S-002" },
	{ "host-pid-privileges", "MMR-K8S-003" },
	{ "host-ipc-privileges", "MMR-K8S-004" },
	{ "alert-any-hostpath", "MMR-K8S-005" },
	{ "container-hostPort", "MMR-K8S-006" },
	{ "rule-allow-privilege-escalation", "MMR-K8S-014" },
	{ "immutable-container-filesystem", "MMR-K8S-015" },
	{ "containers-mounting-docker-socket", "MMR-K8S-024" },
	{ "configured-liveness-probe", "MMR-K8S-034" },
	{ "configured-readiness-probe", "MMR-K8S-035" },
	{ "rule-secrets-in-env-var", "MMR-K8S-041" },
	{ "set-sysctls-params", "MMR-K8S-020" },
};

static void expected_objects(json_t *exp, char *out, size_t outlen)
{
	/* sorted "Kind/name" list, comma separated */
	char *items[64];
	size_t n = 0;
	size_t i;
	json_t *al;
	json_array_foreach(exp, i, al) {
		json_t *objs = json_object_get(json_object_get(al, "alertObject"), "k8sApiObjects");
		size_t j;
		json_t *ob;
		json_array_foreach(objs, j, ob) {
			const char *kind = json_string_value(json_object_get(ob, "kind"));
			const char *name = json_string_value(json_object_get(json_object_get(ob, "metadata"), "name"));
			if (kind && name && n < 64) {
				char b[256];
				snprintf(b, sizeof(b), "%s/%s", kind, name);
				items[n++] = strdup(b);
			}
		}
	}
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (strcmp(items[a], items[b]) > 0) {
				char *t = items[a];
				items[a] = items[b];
				items[b] = t;
			}
	out[0] = 0;
	for (size_t a = 0; a < n; a++)
		if (!a || strcmp(items[a], items[a - 1]))
			snprintf(out + strlen(out), outlen - strlen(out), "%s%s", out[0] ? "," : "", items[a]);
	for (size_t a = 0; a < n; a++)
		free(items[a]);
}

static void test_oracle_kubescape(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	size_t cases = 0, agree = 0;
	for (size_t i = 0; i < sizeof(kubescape_map) / sizeof(kubescape_map[0]); i++) {
		char rel[512];
		snprintf(rel, sizeof(rel), "kspm/kubescape-regolibrary/rules/%s/test", kubescape_map[i].rule);
		const char *tdir = mmr_test_corpus(rel);
		char tcopy[1024];
		snprintf(tcopy, sizeof(tcopy), "%s", tdir);
		DIR *d = opendir(tcopy);
		assert_non_null(d);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char in[1300], ex[1300];
			snprintf(in, sizeof(in), "%s/%s/input", tcopy, de->d_name);
			snprintf(ex, sizeof(ex), "%s/%s/expected.json", tcopy, de->d_name);
			struct stat st;
			if (stat(in, &st) < 0 || stat(ex, &st) < 0)
				continue;
			size_t len;
			uint8_t *data = mmr_test_read(ex, &len);
			json_t *exp = NULL;
			assert_int_equal(mmr_json_parse(data, len, ex, &exp, NULL), 0);
			free(data);
			char want[2048];
			expected_objects(exp, want, sizeof(want));
			json_decref(exp);

			struct fx f;
			fx_init(&f);
			assert_int_equal(mmr_k8s_scan(&f.s, in, NULL, NULL), 0);
			struct outcomes o = { .a = f.a, .only = kubescape_map[i].ours };
			mmr_policy_eval(ps, &f.s, collect, &o, NULL);
			char *got[64];
			size_t n = 0;
			for (size_t k = 0; k < o.v.n && n < 64; k++) {
				/* "ID Kind/ns/name line" -> "Kind/name" */
				char kind[128], ns[128], name[256];
				if (sscanf(o.v.v[k], "%*s %127[^/]/%127[^/]/%255s", kind, ns, name) == 3)
					got[n++] = mmr_arena_printf(f.a, "%s/%s", kind, name);
				else if (sscanf(o.v.v[k], "%*s %127[^/]/%255s", kind, name) == 2)
					got[n++] = mmr_arena_printf(f.a, "%s/%s", kind, name);
			}
			for (size_t a = 0; a < n; a++)
				for (size_t b = a + 1; b < n; b++)
					if (strcmp(got[a], got[b]) > 0) {
						char *t = got[a];
						got[a] = got[b];
						got[b] = t;
					}
			char have[2048] = "";
			for (size_t a = 0; a < n; a++)
				if (!a || strcmp(got[a], got[a - 1]))
					snprintf(have + strlen(have), sizeof(have) - strlen(have), "%s%s",
						 have[0] ? "," : "", got[a]);
			cases++;
			if (!strcmp(have, want))
				agree++;
			else
				print_message("kubescape %s/%s (%s): want [%s] got [%s]\n",
					      kubescape_map[i].rule, de->d_name, kubescape_map[i].ours, want, have);
			fx_done(&f);
		}
		closedir(d);
	}
	print_message("kubescape: %zu/%zu test cases agree\n", agree, cases);
	assert_true(cases >= 30);
	assert_int_equal(agree, cases);
	mmr_policy_set_free(ps);
}

struct tally {
	char id[64];
	size_t n;
};

static void count_rule(const struct mmr_policy_outcome *o, void *ud)
{
	struct tally *t = ud;
	if (o->result != MMR_POLICY_FAIL)
		return;
	for (size_t i = 0; i < 128; i++) {
		if (!t[i].id[0])
			snprintf(t[i].id, sizeof(t[i].id), "%s", o->rule->id);
		if (!strcmp(t[i].id, o->rule->id)) {
			t[i].n++;
			return;
		}
	}
}

static void test_goat_smoke(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_k8s_scan(&f.s, mmr_test_corpus("iac/kubernetes-goat"), NULL, NULL), 0);
	for (size_t i = 0; i < f.s.errors.n; i++)
		print_message("error: %s\n", ((struct mmr_diag *)f.s.errors.v[i])->message);
	assert_int_equal(f.s.errors.n, 0);
	size_t workloads = 0;
	for (size_t i = 0; i < f.s.resources.n; i++)
		workloads += !strcmp(((struct mmr_iac_resource *)f.s.resources.v[i])->type, "k8s.workload");
	struct tally t[128];
	memset(t, 0, sizeof(t));
	struct mmr_policy_stats st;
	assert_int_equal(mmr_policy_eval(ps, &f.s, count_rule, t, &st), 0);
	print_message("kubernetes-goat: %zu objects (%zu workloads), %zu findings, %zu unknown\n",
		      f.s.resources.n, workloads, st.failed, st.unknown);
	for (size_t i = 0; i < 128 && t[i].id[0]; i++)
		print_message("  %s %zu\n", t[i].id, t[i].n);
	assert_true(workloads >= 12);
	assert_int_equal(st.unknown, 0);
	/* the goat's known holes */
	size_t priv = 0, hostpid = 0, sock = 0;
	for (size_t i = 0; i < 128 && t[i].id[0]; i++) {
		if (!strcmp(t[i].id, "MMR-K8S-001"))
			priv = t[i].n;
		if (!strcmp(t[i].id, "MMR-K8S-003"))
			hostpid = t[i].n;
		if (!strcmp(t[i].id, "MMR-K8S-024"))
			sock = t[i].n;
	}
	assert_true(priv >= 1);
	assert_true(hostpid >= 1);
	assert_true(sock >= 1);
	fx_done(&f);
	mmr_policy_set_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_multi),
		cmocka_unit_test(test_parse_json_and_sniff),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_rule_examples),
		cmocka_unit_test(test_rules_on_manifest),
		cmocka_unit_test(test_oracle_trivy),
		cmocka_unit_test(test_oracle_kics),
		cmocka_unit_test(test_oracle_kubescape),
		cmocka_unit_test(test_goat_smoke),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
