/* iac-tfplan.c - Terraform plan JSON (`terraform show -json PLAN`) into
 * resource documents.
 *
 * resource_changes[].change.after is the planned state; after_unknown
 * mirrors it with `true` where a value is known only after apply, which
 * becomes {"$unknown": true}. Without resource_changes, planned_values
 * (root_module and child_modules, recursively) is used. Resources being
 * deleted and data sources are left out. Plans carry no line numbers. */
#include <errno.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-json.h"
#include "iac/iac-terraform.h"

static void mark_unknown(json_t *after, json_t *unk, int depth)
{
	if (depth > 128)
		return;
	if (json_is_object(unk)) {
		const char *k;
		json_t *u;
		json_object_foreach(unk, k, u) {
			if (json_is_true(u)) {
				if (json_is_object(after))
					json_object_set_new(after, k, mmr_iac_unknown());
			} else {
				mark_unknown(json_object_get(after, k), u, depth + 1);
			}
		}
	} else if (json_is_array(unk)) {
		size_t i;
		json_t *u;
		json_array_foreach(unk, i, u) {
			if (json_is_true(u)) {
				if (json_is_array(after) && i < json_array_size(after))
					json_array_set_new(after, i, mmr_iac_unknown());
				else if (json_is_array(after))
					json_array_append_new(after, mmr_iac_unknown());
			} else {
				mark_unknown(json_array_get(after, i), u, depth + 1);
			}
		}
	}
}

static int add(struct mmr_iac_set *set, const char *file, const char *addr, const char *type,
	       json_t *doc)
{
	struct mmr_arena *a = set->arena;
	struct mmr_iac_resource *r = mmr_arena_alloc(a, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->type = r->raw_type = mmr_arena_strdup(a, type);
	r->source = "terraform";
	r->address = mmr_arena_strdup(a, addr);
	r->file = mmr_arena_strdup(a, file);
	r->doc = doc;
	r->pos = json_object();
	return mmr_vec_push(a, &set->resources, r);
}

static int from_module(struct mmr_iac_set *set, const char *file, json_t *mod, int depth)
{
	if (depth > 64)
		return -E2BIG;
	size_t i;
	json_t *r;
	json_array_foreach(mmr_json_arr(mod, "resources"), i, r) {
		const char *mode = mmr_json_str(r, "mode"), *addr = mmr_json_str(r, "address"),
			   *type = mmr_json_str(r, "type");
		if (!addr || !type || (mode && strcmp(mode, "managed")))
			continue;
		json_t *v = mmr_json_obj(r, "values");
		int rc = add(set, file, addr, type, v ? json_deep_copy(v) : json_object());
		if (rc < 0)
			return rc;
	}
	json_t *c;
	json_array_foreach(mmr_json_arr(mod, "child_modules"), i, c) {
		int rc = from_module(set, file, c, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

bool mmr_tf_is_plan(const void *data, size_t len)
{
	size_t n = len < 4096 ? len : 4096;
	return memmem(data, n, "\"format_version\"", 16) &&
	       (memmem(data, len, "\"planned_values\"", 16) ||
		memmem(data, len, "\"resource_changes\"", 18));
}

int mmr_tf_plan_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		      const struct mmr_limits *limits, struct mmr_error *reterr)
{
	json_t *root = NULL;
	int rc = mmr_json_parse(data, len, file, &root, reterr);
	if (rc < 0)
		return rc;
	if (!json_is_object(root) || !mmr_json_str(root, "format_version") ||
	    (!mmr_json_obj(root, "planned_values") && !mmr_json_arr(root, "resource_changes"))) {
		json_decref(root);
		return mmr_error_set(reterr, EPROTO, file, 0, 0,
				     "not a Terraform plan (no format_version/planned_values)");
	}
	json_t *changes = mmr_json_arr(root, "resource_changes");
	if (changes && json_array_size(changes)) {
		size_t i;
		json_t *ch;
		json_array_foreach(changes, i, ch) {
			const char *mode = mmr_json_str(ch, "mode"), *addr = mmr_json_str(ch, "address"),
				   *type = mmr_json_str(ch, "type");
			json_t *change = mmr_json_obj(ch, "change");
			if (!addr || !type || (mode && strcmp(mode, "managed")) || !change)
				continue;
			json_t *after = json_object_get(change, "after");
			if (!json_is_object(after))
				continue; /* deleted */
			json_t *doc = json_deep_copy(after);
			mark_unknown(doc, json_object_get(change, "after_unknown"), 0);
			rc = add(set, file, addr, type, doc);
			if (rc < 0)
				break;
		}
	} else {
		rc = from_module(set, file, mmr_json_obj(mmr_json_obj(root, "planned_values"), "root_module"),
				 0);
	}
	json_decref(root);
	(void)limits;
	return rc < 0 ? rc : 0;
}
