/* runtime-output.c - rule outputs: %field substitution and Falco alert JSON.
 *
 * JSON shape (Falco json_output): {"hostname", "output", "output_fields",
 * "priority", "rule", "source", "tags", "time"}. "output" is prefixed with
 * the event time and priority like Falco's default ("%evt.time: Warning
 * ..."); output_fields map each %field to its value (numbers as numbers,
 * null when absent) plus evt.time. */
#include "runtime/runtime-internal.h"
#include "core/core-time.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t field_key(const struct mmr_rt_fref *f, char *buf, size_t len)
{
	int w;
	if (f->index >= 0)
		w = snprintf(buf, len, "%s[%d]", f->def->name, f->index);
	else if (f->arg && strcmp(f->def->name, "evt.arg") == 0)
		w = snprintf(buf, len, "%s.%s", f->def->name, f->arg);
	else if (f->arg)
		w = snprintf(buf, len, "%s[%s]", f->def->name, f->arg);
	else
		w = snprintf(buf, len, "%s", f->def->name);
	return w < 0 ? 0 : (size_t)w;
}

size_t mmr_rt_output_format(const struct mmr_rt_rules *r, const struct mmr_rt_rule *rule,
			    const struct mmr_rt_env *env, const struct mmr_rt_event *ev, char *buf,
			    size_t buflen)
{
	size_t nf = 0, off = 0, pos = 0;
	const struct mmr_rt_ofield *fs = mmr_rt_rule_ofields(r, rule, &nf);
	if (!buflen)
		return 0;
	buf[0] = '\0';
	struct mmr_rt_ectx *cx = malloc(sizeof(*cx));
	if (!cx || !rule || !rule->output)
		goto out;
	mmr_rt_ectx_init(cx, ev, env);
	const char *o = rule->output;
	size_t ol = strlen(o);
	for (size_t i = 0; i <= nf && off + 1 < buflen; i++) {
		size_t upto = i < nf ? fs[i].start : ol;
		size_t c = upto > pos ? upto - pos : 0;
		if (c > buflen - 1 - off)
			c = buflen - 1 - off;
		memcpy(buf + off, o + pos, c);
		off += c;
		if (i == nf || off + 1 >= buflen)
			break;
		off += mmr_rt_field_render(&fs[i].ref, cx, buf + off, buflen - off, NULL);
		pos = fs[i].start + fs[i].len;
	}
	buf[off] = '\0';
out:
	free(cx);
	return off;
}

static json_t *field_json(const struct mmr_rt_fref *f, struct mmr_rt_ectx *cx)
{
	struct mmr_rt_val v = { 0 };
	if (f->def->fn(f, cx, 0, &v) <= 0)
		return json_null();
	switch (f->def->type) {
	case MMR_RT_FT_NUM:
		return json_integer(v.n);
	case MMR_RT_FT_BOOL:
		return json_boolean(v.n != 0);
	default:
		return json_stringn_nocheck(v.s ? v.s : "", v.len);
	}
}

char *mmr_rt_output_json(const struct mmr_rt_rules *r, const struct mmr_rt_rule *rule,
			 const struct mmr_rt_env *env, const struct mmr_rt_event *ev)
{
	char *text = malloc(16384), *res = NULL;
	struct mmr_rt_ectx *cx = malloc(sizeof(*cx));
	json_t *j = json_object(), *fields = json_object(), *tags = json_array();
	if (!text || !cx || !j || !fields || !tags)
		goto out;
	mmr_rt_ectx_init(cx, ev, env);
	/* "HH:MM:SS.nnnnnnnnn: Priority output": the time of day of the ISO time */
	char iso[MMR_TIME_ISO_SIZE], ts[32];
	mmr_time_iso(ev->ts, iso, sizeof(iso));
	snprintf(ts, sizeof(ts), "%.18s", iso[0] ? iso + 11 : "");
	int w = snprintf(text, 16384, "%s: %s ", ts, mmr_rt_priority_name(rule->priority));
	size_t off = w > 0 && w < 16384 ? (size_t)w : 0;
	mmr_rt_output_format(r, rule, env, ev, text + off, 16384 - off);
	size_t nf = 0;
	const struct mmr_rt_ofield *fs = mmr_rt_rule_ofields(r, rule, &nf);
	json_object_set_new(fields, "evt.time", json_integer((json_int_t)ev->ts));
	for (size_t i = 0; i < nf; i++) {
		char key[256];
		field_key(&fs[i].ref, key, sizeof(key));
		json_object_set_new(fields, key, field_json(&fs[i].ref, cx));
	}
	/* Falco's default append_output: the container's identity on every
	 * alert, whether or not the rule's output names it */
	static const char *const always[] = { "container.id", "container.name", "container.image.repository",
					      "container.image.tag", NULL };
	for (size_t i = 0; always[i]; i++) {
		if (json_object_get(fields, always[i]))
			continue;
		struct mmr_rt_fref ref;
		size_t unk = 0;
		if (mmr_rt_field_parse(NULL, always[i], strlen(always[i]), &ref, &unk) > 0)
			json_object_set_new(fields, always[i], field_json(&ref, cx));
	}
	for (size_t i = 0; i < rule->ntags; i++)
		json_array_append_new(tags, json_string(rule->tags[i]));
	json_object_set_new(j, "hostname", json_string(env && env->hostname ? env->hostname : ""));
	json_object_set_new(j, "output", json_stringn_nocheck(text, strlen(text)));
	json_object_set(j, "output_fields", fields);
	json_object_set_new(j, "priority", json_string(mmr_rt_priority_name(rule->priority)));
	json_object_set_new(j, "rule", json_string(rule->name));
	json_object_set_new(j, "source", json_string(rule->source ? rule->source : "syscall"));
	json_object_set(j, "tags", tags);
	json_object_set_new(j, "time", json_string(iso));
	res = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
out:
	json_decref(j);
	json_decref(fields);
	json_decref(tags);
	free(cx);
	free(text);
	return res;
}
