/* iac-parse - the raw HCL parse of each FILE as JSON (hcl2json's shape),
 * one line per file: {"file": ..., "json": ...} or {"file": ..., "error": ...}.
 * For the differential test against HashiCorp's parser.
 *
 * iac-parse --eval PATH [--var-file F]... [--var k=v]...: the evaluated
 * resources of a Terraform tree as one JSON object {"resources": [...],
 * "unresolved": [...], "errors": [...]}; with --summary only the number
 * of resources (for bench/iac-hcl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "iac/iac-hcl.h"
#include "iac/iac-terraform.h"
#include "model/model.h"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
		}
	}
	fclose(f);
	*ret_len = n;
	return b;
}

static int eval_main(int argc, char **argv)
{
	const char *vf[64], *vars[64];
	size_t nvf = 0, nv = 0;
	const char *path = NULL;
	int summary = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--summary"))
			summary = 1;
		else if (!strcmp(argv[i], "--var-file") && i + 1 < argc && nvf < 64)
			vf[nvf++] = argv[++i];
		else if (!strcmp(argv[i], "--var") && i + 1 < argc && nv < 64)
			vars[nv++] = argv[++i];
		else
			path = argv[i];
	}
	if (!path)
		return 2;
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_tf_options o = { .var_files = vf, .n_var_files = nvf, .vars = vars, .n_vars = nv };
	struct mmr_error e = { 0 };
	int r = mmr_tf_scan(&set, path, &o, &e);
	json_t *out = json_object();
	if (r < 0) {
		char msg[1200];
		json_object_set_new(out, "fatal", json_string(mmr_error_format(&e, msg, sizeof(msg))));
	}
	json_t *res = json_array();
	for (size_t i = 0; !summary && i < set.resources.n; i++) {
		struct mmr_iac_resource *x = set.resources.v[i];
		json_t *j = json_object();
		json_object_set_new(j, "type", json_string(x->type));
		json_object_set_new(j, "address", json_string(x->address));
		json_object_set_new(j, "file", json_string(x->file));
		json_object_set_new(j, "lines", json_pack("[ii]", (int)x->line_start, (int)x->line_end));
		json_object_set(j, "doc", x->doc);
		json_object_set(j, "pos", x->pos);
		json_t *refs = json_array(), *ign = json_array();
		for (size_t k = 0; k < x->refs.n; k++)
			json_array_append_new(refs, json_string(x->refs.v[k]));
		for (size_t k = 0; k < x->ignores.n; k++)
			json_array_append_new(ign, json_string(x->ignores.v[k]));
		json_object_set_new(j, "refs", refs);
		json_object_set_new(j, "ignores", ign);
		json_array_append_new(res, j);
	}
	if (summary) {
		json_decref(res);
		res = json_integer((json_int_t)set.resources.n);
	}
	json_object_set_new(out, "resources", res);
	const char *names[] = { "unresolved", "errors" };
	struct mmr_vec *vecs[] = { &set.unresolved, &set.errors };
	for (int k = 0; k < 2; k++) {
		json_t *l = json_array();
		for (size_t i = 0; !summary && i < vecs[k]->n; i++) {
			struct mmr_diag *d = vecs[k]->v[i];
			json_array_append_new(l, json_pack("{ss ss}", "where", d->where ? d->where : "",
							   "message", d->message ? d->message : ""));
		}
		json_object_set_new(out, names[k], l);
	}
	char *s = json_dumps(out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	if (s)
		puts(s);
	free(s);
	json_decref(out);
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc > 1 && !strcmp(argv[1], "--eval"))
		return eval_main(argc, argv);
	for (int i = 1; i < argc; i++) {
		size_t len = 0;
		char *d = slurp(argv[i], &len);
		json_t *out = json_object();
		json_object_set_new(out, "file", json_string(argv[i]));
		if (!d) {
			json_object_set_new(out, "error", json_string("cannot read"));
			rc = 1;
		} else {
			struct mmr_arena *a = mmr_arena_new(0);
			struct mmr_error e = { 0 };
			struct mmr_hcl_file *f = NULL;
			int r = strlen(argv[i]) > 5 && !strcmp(argv[i] + strlen(argv[i]) - 5, ".json")
					? mmr_hcl_json_parse(a, d, len, argv[i], NULL, &f, &e)
					: mmr_hcl_parse(a, d, len, argv[i], NULL, &f, &e);
			if (r < 0) {
				char msg[1200];
				json_object_set_new(out, "error",
						    json_string(mmr_error_format(&e, msg, sizeof(msg))));
				rc = 1;
			} else {
				json_object_set_new(out, "json", mmr_hcl_to_json(f, d, len));
			}
			mmr_arena_free(a);
			free(d);
		}
		char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
		json_decref(out);
	}
	return rc;
}
