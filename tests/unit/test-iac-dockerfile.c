/* test-iac-dockerfile.c - Dockerfile front end (iac-dockerfile.c) and the
 * built-in Dockerfile rules: syntax (continuations, escape directive,
 * heredocs, exec/shell forms, flags, stages, ARG substitution, ONBUILD),
 * positions, errors, rule examples, and the trivy-checks docker good/bad
 * oracle plus the kubernetes-goat Dockerfiles. */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-json.h"
#include "iac/iac-dockerfile.h"
#include "model/model.h"
#include "policy/policy.h"

#define DF_RULES MMR_SOURCE_ROOT "/rules/iac/dockerfile"

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

static const char *src =
	"# syntax=docker/dockerfile:1\n"                       /* 1 */
	"# escape=\\\n"                                         /* 2 */
	"ARG BASE=golang\n"                                    /* 3 */
	"ARG TAG\n"                                            /* 4 */
	"FROM --platform=$BUILDPLATFORM ${BASE}:1.21 AS build\n" /* 5 */
	"run apt-get update && \\\n"                           /* 6 */
	"    # a comment inside\n"                             /* 7 */
	"    apt-get install -y curl \\\n"                     /* 8 */
	"\n"                                                   /* 9 */
	"    && rm -rf /var/lib/apt/lists/*\n"                 /* 10 */
	"COPY --from=x --chown=1:1 <<EOF /app/run.sh\n"        /* 11 */
	"#!/bin/sh\n"                                          /* 12 */
	"echo hi\n"                                            /* 13 */
	"EOF\n"                                                /* 14 */
	"USER app\n"                                           /* 15 */
	"FROM build AS second\n"                               /* 16 */
	"ENV A=1 B=\"two words\" PASSWORD=hunter2\n"           /* 17 */
	"ENV LEGACY value with spaces\n"                       /* 18 */
	"FROM ubuntu:${TAG}\n"                                 /* 19 */
	"FROM scratch\n"                                       /* 20 */
	"CMD [\"/app\", \"-x\"]\n"                             /* 21 */
	"ONBUILD RUN echo hi\n"                                /* 22 */
	"# mamori:ignore:MMR-DF-001 static binary\n"           /* 23 */
	"HEALTHCHECK --interval=5s CMD curl -f http://localhost/\n"; /* 24 */

static void test_parse(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_dockerfile_parse(&f.s, src, strlen(src), "Dockerfile", NULL, &e), 0);
	assert_int_equal(f.s.resources.n, 1);
	assert_int_equal(f.s.errors.n, 0);
	struct mmr_iac_resource *r = f.s.resources.v[0];
	assert_string_equal(r->type, "dockerfile");
	assert_string_equal(r->source, "dockerfile");
	assert_string_equal(r->address, "Dockerfile");
	assert_int_equal(r->line_end, 24);
	json_t *d = r->doc;
	assert_string_equal(at(d, "/directives/syntax"), "\"docker/dockerfile:1\"");
	assert_string_equal(at(d, "/args/0/vars/0"), "{\"key\":\"BASE\",\"value\":\"golang\"}");
	/* ARG substituted into FROM, flags, alias */
	assert_string_equal(at(d, "/stages/0/from/image"), "\"golang\"");
	assert_string_equal(at(d, "/stages/0/from/tag"), "\"1.21\"");
	assert_string_equal(at(d, "/stages/0/from/platform"), "\"$BUILDPLATFORM\"");
	assert_string_equal(at(d, "/stages/0/name"), "\"build\"");
	/* continuation joined, comment and blank line inside dropped, case folded */
	assert_string_equal(at(d, "/stages/0/instructions/1/cmd"), "\"RUN\"");
	assert_string_equal(at(d, "/stages/0/instructions/1/value"),
			    "\"apt-get update &&     apt-get install -y curl     && rm -rf /var/lib/apt/lists/*\"");
	assert_int_equal(pos_line(r, "/stages/0/instructions/1", 0), 6);
	assert_int_equal(pos_line(r, "/stages/0/instructions/1", 1), 10);
	/* heredoc */
	assert_string_equal(at(d, "/stages/0/instructions/2/heredocs/0"),
			    "{\"content\":\"#!/bin/sh\\necho hi\\n\",\"name\":\"EOF\"}");
	assert_string_equal(at(d, "/stages/0/instructions/2/flags"), "{\"chown\":\"1:1\",\"from\":\"x\"}");
	assert_int_equal(pos_line(r, "/stages/0/instructions/2", 1), 14);
	/* USER, inherited by a stage built on it */
	assert_string_equal(at(d, "/stages/0/user"), "\"app\"");
	assert_string_equal(at(d, "/stages/1/from/stage"), "true");
	assert_string_equal(at(d, "/stages/1/user"), "\"app\"");
	assert_int_equal(pos_line(r, "/stages/1/user", 0), 15);
	/* ENV forms */
	assert_string_equal(at(d, "/stages/1/instructions/1/vars"),
			    "[{\"key\":\"A\",\"value\":\"1\"},{\"key\":\"B\",\"value\":\"two words\"},"
			    "{\"key\":\"PASSWORD\",\"value\":\"hunter2\"}]");
	assert_string_equal(at(d, "/stages/1/instructions/2/vars"),
			    "[{\"key\":\"LEGACY\",\"value\":\"value with spaces\"}]");
	/* a build argument without default: unknown, and reported */
	assert_string_equal(at(d, "/stages/2/from/tag"), "{\"$unknown\":true}");
	assert_int_equal(f.s.unresolved.n, 1);
	/* scratch, exec form, ONBUILD trigger */
	assert_string_equal(at(d, "/stages/3/from/scratch"), "true");
	assert_string_equal(at(d, "/stages/3/instructions/1/form"), "\"exec\"");
	assert_string_equal(at(d, "/stages/3/instructions/1/args"), "[\"/app\",\"-x\"]");
	assert_string_equal(at(d, "/stages/3/instructions/2/trigger/cmd"), "\"RUN\"");
	assert_string_equal(at(d, "/stages/3/instructions/3/flags/interval"), "\"5s\"");
	assert_string_equal(at(d, "/instructions/13/cmd"), "\"HEALTHCHECK\"");
	assert_int_equal(pos_line(r, "/instructions/13", 0), 24);
	/* suppression comment */
	assert_int_equal(r->ignores.n, 1);
	assert_string_equal(r->ignores.v[0], "MMR-DF-001 static binary");
	fx_done(&f);
}

static void test_escape_and_errors(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	/* backtick escape (Windows) keeps backslashes literal */
	const char *w = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
			"RUN dir c:\\ `\n    && echo done\nWORKDIR c:\\app\n";
	assert_int_equal(mmr_dockerfile_parse(&f.s, w, strlen(w), "Dockerfile", NULL, NULL), 0);
	struct mmr_iac_resource *r = f.s.resources.v[0];
	assert_string_equal(at(r->doc, "/stages/0/instructions/1/value"), "\"dir c:\\\\     && echo done\"");
	assert_string_equal(at(r->doc, "/stages/0/from/image"), "\"mcr.microsoft.com/windows/servercore\"");
	assert_string_equal(at(r->doc, "/stages/0/from/tag"), "\"ltsc2022\"");
	fx_done(&f);

	/* unknown instruction and instruction before FROM: errors with lines, parse goes on */
	fx_init(&f);
	const char *bad = "RUN echo early\nFROM alpine:3.19\nFOO bar\nRUN <<EOT\necho never closed\n";
	assert_int_equal(mmr_dockerfile_parse(&f.s, bad, strlen(bad), "Dockerfile", NULL, NULL), 0);
	assert_int_equal(f.s.errors.n, 3);
	assert_string_equal(((struct mmr_diag *)f.s.errors.v[0])->message, "Dockerfile:1: RUN before the first FROM");
	assert_string_equal(((struct mmr_diag *)f.s.errors.v[1])->message, "Dockerfile:3: unknown instruction: FOO");
	assert_string_equal(((struct mmr_diag *)f.s.errors.v[2])->message, "Dockerfile:4: heredoc EOT is not terminated");
	fx_done(&f);

	/* not a Dockerfile at all: one error, no resource */
	fx_init(&f);
	struct mmr_error e = { 0 };
	const char *txt = "hello world\nthis is prose\n";
	assert_int_equal(mmr_dockerfile_parse(&f.s, txt, strlen(txt), "Dockerfile", NULL, &e), -EBADMSG);
	assert_int_equal(e.line, 1);
	assert_int_equal(f.s.resources.n, 0);
	assert_int_equal(f.s.errors.n, 0);
	fx_done(&f);

	/* a line over max_line */
	fx_init(&f);
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_line = 64;
	char big[400];
	memset(big, 'a', sizeof(big));
	memcpy(big, "FROM x\nRUN ", 11);
	big[sizeof(big) - 1] = '\n';
	assert_int_equal(mmr_dockerfile_parse(&f.s, big, sizeof(big), "Dockerfile", &lim, &e), -E2BIG);
	fx_done(&f);

	/* names */
	assert_true(mmr_dockerfile_is_name("Dockerfile"));
	assert_true(mmr_dockerfile_is_name("Containerfile"));
	assert_true(mmr_dockerfile_is_name("Dockerfile.prod"));
	assert_true(mmr_dockerfile_is_name("api.dockerfile"));
	assert_false(mmr_dockerfile_is_name("Dockerfile.md"));
	assert_false(mmr_dockerfile_is_name("dockerfile-notes.txt"));
	assert_false(mmr_dockerfile_is_name("docker-compose.yml"));
}

static struct mmr_policy_set *load_rules(void)
{
	struct mmr_policy_set *ps = NULL;
	struct mmr_error e = { 0 };
	const char *dirs[] = { DF_RULES };
	char m[1200];
	if (mmr_policy_load(dirs, 1, &ps, &e) < 0)
		fail_msg("loading %s: %s", DF_RULES, mmr_error_format(&e, m, sizeof(m)));
	return ps;
}

static enum mmr_policy_result run_example(const struct mmr_policy_rule *rule, json_t *ex)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_iac_resource *r = mmr_arena_alloc(a, sizeof(*r));
	r->type = r->raw_type = "dockerfile";
	r->address = r->file = "Dockerfile";
	r->source = "dockerfile";
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
	size_t bad = 0;
	for (size_t i = 0; i < ps->rules.n; i++) {
		struct mmr_policy_rule *rule = ps->rules.v[i];
		json_t *b = json_object_get(rule->examples, "bad"), *g = json_object_get(rule->examples, "good"), *ex;
		size_t k;
		assert_true(json_array_size(b) > 0 && json_array_size(g) > 0);
		json_array_foreach(b, k, ex) if (run_example(rule, ex) != MMR_POLICY_FAIL) {
			print_message("%s: bad example %zu does not fail\n", rule->id, k);
			bad++;
		}
		json_array_foreach(g, k, ex) if (run_example(rule, ex) != MMR_POLICY_PASS) {
			print_message("%s: good example %zu does not pass\n", rule->id, k);
			bad++;
		}
	}
	assert_true(ps->rules.n >= 10);
	assert_int_equal(bad, 0);
	mmr_policy_set_free(ps);
}

struct lines {
	struct mmr_arena *a;
	struct mmr_vec v;
};

static void collect(const struct mmr_policy_outcome *o, void *ud)
{
	struct lines *l = ud;
	if (o->result == MMR_POLICY_FAIL)
		mmr_vec_push(l->a, &l->v, mmr_arena_printf(l->a, "%s %lu%s", o->rule->id, o->line_start,
							  o->suppressed_by ? " suppressed" : ""));
}

static bool has(const struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->v.n; i++)
		if (!strcmp(l->v.v[i], s))
			return true;
	return false;
}

static void test_rules_on_file(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	struct fx f;
	fx_init(&f);
	const char *t = "FROM node\n"                              /* 1 */
			"MAINTAINER me@example.com\n"              /* 2 */
			"ADD https://example.com/x.tgz /opt/\n"     /* 3 */
			"RUN curl -fsSL https://get.example.com | sudo sh\n" /* 4 */
			"ARG NPM_TOKEN\n"                          /* 5 */
			"RUN apk add git\n"                        /* 6 */
			"WORKDIR app\n"                            /* 7 */
			"RUN cd /src && make\n"                    /* 8 */
			"EXPOSE 22 8080\n"                         /* 9 */
			"CMD a\n"                                  /* 10 */
			"CMD b\n";                                 /* 11 */
	assert_int_equal(mmr_dockerfile_parse(&f.s, t, strlen(t), "Dockerfile", NULL, NULL), 0);
	struct lines l = { .a = f.a };
	mmr_policy_eval(ps, &f.s, collect, &l, NULL);
	const char *want[] = { "MMR-DF-001 1", "MMR-DF-002 1",  "MMR-DF-003 3",  "MMR-DF-005 4",
			       "MMR-DF-006 5", "MMR-DF-010 6",  "MMR-DF-011 11",  "MMR-DF-012 4",
			       "MMR-DF-013 9", "MMR-DF-014 2",  "MMR-DF-015 11", "MMR-DF-017 7",
			       "MMR-DF-018 8" };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!has(&l, want[i]))
			print_message("missing %s\n", want[i]);
		assert_true(has(&l, want[i]));
	}
	assert_int_equal(l.v.n, sizeof(want) / sizeof(want[0]));
	fx_done(&f);
	mmr_policy_set_free(ps);
}

static const struct {
	const char *file, *peer;
} trivy_map[] = {
	{ "add_instead_of_copy", "DS005" },
	{ "apt_get_missing_yes_flag_to_avoid_manual_input", "DS021" },
	{ "copy_from_references_current_from_alias", "DS006" },
	{ "latest_tag", "DS001" },
	{ "maintainer_is_deprecated", "DS022" },
	{ "missing_dnf_clean_all", "DS019" },
	{ "missing_zypper_clean", "DS020" },
	{ "multiple_cmd_instructions_listed", "DS016" },
	{ "multiple_entrypoint_instructions_listed", "DS007" },
	{ "port22", "DS004" },
	{ "root_user", "DS002" },
	{ "run_apt_get_dist_upgrade", "DS024" },
	{ "run_command_cd_instead_of_workdir", "DS013" },
	{ "run_using_sudo", "DS010" },
	{ "same_alias_in_different_froms", "DS012" },
	{ "unix_ports_out_of_range", "DS008" },
	{ "update_instruction_alone", "DS017" },
	{ "workdir_path_not_absolute", "DS009" },
	{ "yum_clean_all_missing", "DS015" },
};

struct peer_ud {
	const char *peer;
	int fails;
};

static void count_peer(const struct mmr_policy_outcome *o, void *ud)
{
	struct peer_ud *p = ud;
	if (o->result != MMR_POLICY_FAIL)
		return;
	for (size_t i = 0; i < o->rule->peers.n; i++)
		if (!strcmp(o->rule->peers.v[i], p->peer))
			p->fails++;
}

static void test_oracle_trivy(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	size_t cases = 0, agree = 0;
	for (size_t i = 0; i < sizeof(trivy_map) / sizeof(trivy_map[0]); i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "iac/trivy-checks/checks/docker/%s.yaml", trivy_map[i].file);
		size_t len;
		uint8_t *data = mmr_test_read(mmr_test_corpus(rel), &len);
		json_t *doc = NULL;
		assert_int_equal(mmr_yaml_parse(data, len, rel, 0, 0, 0, &doc, NULL), 0);
		free(data);
		json_t *k = json_object_get(doc, "dockerfile");
		for (int g = 0; g < 2; g++) {
			json_t *list = json_object_get(k, g ? "good" : "bad"), *ex;
			size_t n;
			json_array_foreach(list, n, ex) {
				const char *t = json_string_value(ex);
				struct fx f;
				fx_init(&f);
				assert_int_equal(mmr_dockerfile_parse(&f.s, t, strlen(t), "Dockerfile", NULL, NULL), 0);
				struct peer_ud ud = { .peer = trivy_map[i].peer };
				mmr_policy_eval(ps, &f.s, count_peer, &ud, NULL);
				fx_done(&f);
				bool ok = g ? ud.fails == 0 : ud.fails > 0;
				cases++;
				agree += ok;
				if (!ok)
					print_message("trivy %s %s[%zu]: %d findings\n", trivy_map[i].file,
						      g ? "good" : "bad", n, ud.fails);
			}
		}
		json_decref(doc);
	}
	print_message("trivy-checks docker: %zu/%zu examples agree\n", agree, cases);
	assert_true(cases >= 38);
	assert_int_equal(agree, cases);
	mmr_policy_set_free(ps);
}

static void test_goat_dockerfiles(void **state)
{
	(void)state;
	struct mmr_policy_set *ps = load_rules();
	struct fx f;
	fx_init(&f);
	assert_int_equal(mmr_dockerfile_scan(&f.s, mmr_test_corpus("iac/kubernetes-goat"), NULL, NULL), 0);
	for (size_t i = 0; i < f.s.errors.n; i++)
		print_message("error: %s\n", ((struct mmr_diag *)f.s.errors.v[i])->message);
	assert_int_equal(f.s.errors.n, 0);
	struct mmr_policy_stats st;
	struct lines l = { .a = f.a };
	assert_int_equal(mmr_policy_eval(ps, &f.s, collect, &l, &st), 0);
	print_message("kubernetes-goat: %zu Dockerfiles, %zu findings, %zu unknown\n", f.s.resources.n,
		      st.failed, st.unknown);
	assert_true(f.s.resources.n >= 5);
	assert_true(st.failed > 0);
	fx_done(&f);
	mmr_policy_set_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_escape_and_errors),
		cmocka_unit_test(test_rule_examples),
		cmocka_unit_test(test_rules_on_file),
		cmocka_unit_test(test_oracle_trivy),
		cmocka_unit_test(test_goat_dockerfiles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
