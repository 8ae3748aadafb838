/* iac.c - the resource set shared by the IaC front ends, and the unknown
 * marker. */
#include "iac/iac.h"

#include <string.h>

void mmr_iac_set_init(struct mmr_iac_set *s, struct mmr_arena *a)
{
	memset(s, 0, sizeof(*s));
	s->arena = a;
}

void mmr_iac_set_release(struct mmr_iac_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->resources.n; i++) {
		struct mmr_iac_resource *r = s->resources.v[i];
		json_decref(r->doc);
		json_decref(r->pos);
		r->doc = r->pos = NULL;
	}
	s->resources.n = 0;
}

json_t *mmr_iac_unknown(void)
{
	json_t *o = json_object();
	if (o)
		json_object_set_new(o, "$unknown", json_true());
	return o;
}

bool mmr_iac_is_unknown(const json_t *v)
{
	return json_is_object(v) && json_object_size(v) == 1 &&
	       json_is_true(json_object_get(v, "$unknown"));
}
