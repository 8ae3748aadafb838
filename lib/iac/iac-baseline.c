/* iac-baseline.c - the baseline file (iac-baseline.h). */
#include "iac/iac-baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-vec.h"

/* The finding's file relative to root: a directory root is stripped with
 * its slash; a file root keeps only the base name. */
static const char *rel_file(const char *root, const char *file)
{
	if (!file)
		return "";
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(file, root, n) == 0 && file[n] == '/')
		return file + n + 1;
	if (strcmp(file, root) == 0) {
		const char *s = strrchr(file, '/');
		return s ? s + 1 : file;
	}
	while (file[0] == '.' && file[1] == '/')
		file += 2;
	return file;
}

static bool counts(const struct mmr_finding *f)
{
	return f->kind == MMR_FINDING_MISCONFIGURATION && !f->suppressed && f->rule_id;
}

static int cmp_entry(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	static const char *const keys[] = { "file", "resource", "rule" };
	for (int i = 0; i < 3; i++) {
		int c = strcmp(json_string_value(json_object_get(a, keys[i])),
			       json_string_value(json_object_get(b, keys[i])));
		if (c)
			return c;
	}
	return 0;
}

int mmr_iac_baseline_write(const struct mmr_report *r, const char *root, const char *path,
			   struct mmr_error *reterr)
{
	size_t n = 0;
	for (size_t i = 0; i < r->results.n; i++)
		n += ((const struct mmr_result *)r->results.v[i])->findings.n;
	json_t **v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		return -ENOMEM;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct mmr_result *res = r->results.v[i];
		for (size_t j = 0; j < res->findings.n; j++) {
			const struct mmr_finding *f = res->findings.v[j];
			if (!counts(f))
				continue;
			v[k] = json_pack("{s:s, s:s, s:s}", "file", rel_file(root, f->loc.file),
					 "resource", f->loc.resource ? f->loc.resource : "", "rule",
					 f->rule_id);
			if (!v[k]) {
				rc = -ENOMEM;
				goto out;
			}
			k++;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_entry);
	json_t *arr = json_array(), *doc = NULL;
	if (!arr) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		if (i && cmp_entry(&v[i - 1], &v[i]) == 0)
			continue; /* same key twice (count instances): one entry */
		json_array_append(arr, v[i]);
	}
	doc = json_pack("{s:i, s:s, s:o}", "version", 1, "tool", "mamori", "findings", arr);
	if (!doc) {
		rc = -ENOMEM;
		goto out;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_ENSURE_ASCII) < 0 ||
	    rename(tmp, path) < 0) {
		rc = mmr_error_set(reterr, errno ? errno : EIO, path, 0, 0,
				   "cannot write the baseline: %s", strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	json_decref(doc);
out:
	for (size_t i = 0; i < k; i++)
		json_decref(v[i]);
	free(v);
	return rc;
}

int mmr_iac_baseline_apply(struct mmr_report *r, const char *root, const char *path,
			   struct mmr_error *reterr)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot read the baseline: %s",
				     strerror(errno));
	if ((size_t)st.st_size > MMR_IAC_BASELINE_MAX_FILE)
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "baseline larger than %zu bytes",
				     MMR_IAC_BASELINE_MAX_FILE);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		return mmr_error_set(reterr, EBADMSG, path, (unsigned long)(je.line > 0 ? je.line : 0),
				     (unsigned long)(je.column > 0 ? je.column : 0), "baseline: %s",
				     je.text);
	int rc = 0;
	json_t *arr = json_object_get(doc, "findings");
	json_t *ver = json_object_get(doc, "version");
	if (!json_is_array(arr) || !json_is_integer(ver) || json_integer_value(ver) != 1) {
		rc = mmr_error_set(reterr, EPROTO, path, 0, 0,
				   "not a mamori IaC baseline (want {\"version\": 1, \"findings\": [...]})");
		goto out;
	}
	if (json_array_size(arr) > MMR_IAC_BASELINE_MAX_ENTRIES) {
		rc = mmr_error_set(reterr, E2BIG, path, 0, 0, "more than %d baseline entries",
				   MMR_IAC_BASELINE_MAX_ENTRIES);
		goto out;
	}
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a) {
		rc = -ENOMEM;
		goto out;
	}
	struct mmr_map keys;
	mmr_map_init(&keys, a);
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		const char *f = json_string_value(json_object_get(e, "file"));
		const char *res = json_string_value(json_object_get(e, "resource"));
		const char *rule = json_string_value(json_object_get(e, "rule"));
		if (!f || !res || !rule) {
			rc = mmr_error_set(reterr, EBADMSG, path, 0, 0,
					   "baseline entry %zu: needs file, resource and rule strings", i);
			goto free_arena;
		}
		char *key = mmr_arena_printf(a, "%s\n%s\n%s", f, res, rule);
		if (!key || mmr_map_put(&keys, key, key) < 0) {
			rc = -ENOMEM;
			goto free_arena;
		}
	}
	const char *why = mmr_arena_printf(r->arena, "baseline: %s", path);
	if (!why) {
		rc = -ENOMEM;
		goto free_arena;
	}
	for (size_t ri = 0; ri < r->results.n; ri++) {
		struct mmr_result *res = r->results.v[ri];
		for (size_t k = 0; k < res->findings.n; k++) {
			struct mmr_finding *f = res->findings.v[k];
			if (!counts(f))
				continue;
			char *key = mmr_arena_printf(a, "%s\n%s\n%s", rel_file(root, f->loc.file),
						     f->loc.resource ? f->loc.resource : "", f->rule_id);
			if (!key) {
				rc = -ENOMEM;
				goto free_arena;
			}
			if (mmr_map_has(&keys, key)) {
				f->suppressed = true;
				f->suppressed_by = why;
				rc++;
			}
		}
	}
free_arena:
	mmr_arena_free(a);
out:
	json_decref(doc);
	return rc;
}
