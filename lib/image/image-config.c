/* image-config.c - an image config JSON (docker/OCI) into struct
 * mmr_image_config and the list of diff IDs. */
#include "image/image.h"
#include "core/core-json.h"

#include <errno.h>
#include <string.h>

bool mmr_image_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0)
		return false;
	d += 7;
	size_t i = 0;
	for (; d[i]; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return false;
	return i == 64;
}

static int str_array(struct mmr_arena *a, const json_t *arr, struct mmr_vec *out)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr))
		return 0;
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v))
			continue;
		char *s = mmr_arena_strdup(a, json_string_value(v));
		if (!s || mmr_vec_push(a, out, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int obj_keys(struct mmr_arena *a, const json_t *obj, struct mmr_vec *keys,
		    struct mmr_vec *vals)
{
	const char *k;
	json_t *v;
	if (!json_is_object(obj))
		return 0;
	json_object_foreach ((json_t *)obj, k, v) {
		char *ks = mmr_arena_strdup(a, k);
		if (!ks || mmr_vec_push(a, keys, ks) < 0)
			return -ENOMEM;
		if (vals) {
			char *vs = mmr_arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
			if (!vs || mmr_vec_push(a, vals, vs) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static const char *dup(struct mmr_arena *a, const char *s)
{
	return s ? mmr_arena_strdup(a, s) : NULL;
}

int mmr_image_config_parse(struct mmr_arena *a, const void *data, size_t len, const char *file,
			   struct mmr_image_config *cfg, struct mmr_vec *ret_diff_ids,
			   struct mmr_error *reterr)
{
	json_t *root = NULL;
	int r = mmr_json_parse(data, len, file, &root, reterr);
	if (r < 0)
		return r;
	if (!json_is_object(root)) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "image config is not a JSON object");
		goto out;
	}
	struct mmr_image_config c = { 0 };
	struct mmr_vec diffs = { 0 };
	c.architecture = dup(a, mmr_json_str(root, "architecture"));
	c.os = dup(a, mmr_json_str(root, "os"));
	c.variant = dup(a, mmr_json_str(root, "variant"));
	c.created = dup(a, mmr_json_str(root, "created"));
	json_t *cc = mmr_json_obj(root, "config");
	if (cc) {
		c.user = dup(a, mmr_json_str(cc, "User"));
		c.workdir = dup(a, mmr_json_str(cc, "WorkingDir"));
		if ((r = str_array(a, mmr_json_arr(cc, "Env"), &c.env)) < 0 ||
		    (r = str_array(a, mmr_json_arr(cc, "Entrypoint"), &c.entrypoint)) < 0 ||
		    (r = str_array(a, mmr_json_arr(cc, "Cmd"), &c.cmd)) < 0 ||
		    (r = obj_keys(a, mmr_json_obj(cc, "ExposedPorts"), &c.exposed_ports, NULL)) < 0 ||
		    (r = obj_keys(a, mmr_json_obj(cc, "Volumes"), &c.volumes, NULL)) < 0 ||
		    (r = obj_keys(a, mmr_json_obj(cc, "Labels"), &c.label_keys, &c.label_values)) < 0)
			goto out;
		json_t *hc = mmr_json_obj(cc, "Healthcheck");
		if (hc) {
			json_t *test = mmr_json_arr(hc, "Test");
			/* ["NONE"] disables a healthcheck inherited from the base */
			c.has_healthcheck = !(json_array_size(test) == 1 &&
					      json_is_string(json_array_get(test, 0)) &&
					      strcmp(json_string_value(json_array_get(test, 0)),
						     "NONE") == 0);
		}
	}
	json_t *hist = mmr_json_arr(root, "history");
	size_t i;
	json_t *h;
	json_array_foreach (hist, i, h) {
		if (!json_is_object(h))
			continue;
		struct mmr_image_history *e = mmr_arena_alloc(a, sizeof(*e));
		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		e->created = dup(a, mmr_json_str(h, "created"));
		e->created_by = dup(a, mmr_json_str(h, "created_by"));
		e->comment = dup(a, mmr_json_str(h, "comment"));
		e->empty_layer = mmr_json_bool(h, "empty_layer") == 1;
		if ((r = mmr_vec_push(a, &c.history, e)) < 0)
			goto out;
	}
	json_t *rootfs = mmr_json_obj(root, "rootfs");
	json_t *ids = rootfs ? mmr_json_arr(rootfs, "diff_ids") : NULL;
	if (!ids) {
		r = mmr_error_set(reterr, EBADMSG, file, 0, 0, "image config has no rootfs.diff_ids");
		goto out;
	}
	json_array_foreach (ids, i, h) {
		const char *d = json_string_value(h);
		if (!mmr_image_digest_valid(d)) {
			r = mmr_error_set(reterr, EBADMSG, file, 0, 0,
					  "rootfs.diff_ids[%zu] is not a sha256 digest", i);
			goto out;
		}
		char *ds = mmr_arena_strdup(a, d);
		if (!ds || (r = mmr_vec_push(a, &diffs, ds)) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (ret_diff_ids)
		*ret_diff_ids = diffs;
	*cfg = c;
	r = 0;
out:
	json_decref(root);
	return r;
}
