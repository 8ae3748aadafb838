/* fuzz-rt-baseline.c - the files the agent reads back: a baseline YAML
 * import (`mamori agent baseline import`) when the first byte is even, a
 * saved network map JSON (--netmap-db) when odd. Whatever is accepted is
 * exported again (YAML, JSON, DOT). */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "core/core-buf.h"
#include "core/core-error.h"
#include "fuzz.h"
#include "runtime/runtime-baseline.h"
#include "runtime/runtime-netmap.h"

static void baseline(const uint8_t *data, size_t size)
{
	struct mmr_rt_baseline_opts o = { .max_workloads = 64, .max_items = 256 };
	struct mmr_rt_baselines *b = mmr_rt_baselines_new(&o);
	if (!b)
		return;
	struct mmr_error e = { 0 };
	if (mmr_rt_baselines_import_yaml(b, data, size, "fuzz.yaml", &e) >= 0) {
		struct mmr_buf out;
		mmr_buf_init(&out, 1 << 20);
		(void)mmr_rt_baselines_export_yaml(b, &out);
		mmr_buf_release(&out);
		struct mmr_rt_bl_info info;
		for (size_t i = 0; i < mmr_rt_baselines_n(b); i++)
			if (mmr_rt_baselines_info(b, i, &info) == 0)
				(void)mmr_rt_baselines_allows(b, info.key, MMR_RT_BL_EXEC, "/bin/sh");
	}
	mmr_rt_baselines_free(b);
}

static void netmap(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return;
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(256);
	struct mmr_error e = { 0 };
	if (m && mmr_rt_netmap_merge_json(m, doc, "fuzz.json", &e) >= 0) {
		json_t *again = mmr_rt_netmap_json(m);
		json_decref(again);
		struct mmr_buf out;
		mmr_buf_init(&out, 1 << 20);
		(void)mmr_rt_netmap_dot(m, &out);
		mmr_buf_release(&out);
	}
	mmr_rt_netmap_free(m);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		netmap(data + 1, size - 1);
	else
		baseline(data + 1, size - 1);
	return 0;
}
