/* fuzz-rt-enforce.c - the enforcement policy parser (mamori agent --enforce)
 * and the queries on whatever it accepts. */
#include <stdint.h>
#include <string.h>

#include "core/core-error.h"
#include "fuzz.h"
#include "runtime/runtime-enforce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_rt_enforce_policy *p = NULL;
	struct mmr_error e = { 0 };
	if (mmr_rt_enforce_parse(data, size, "fuzz.yaml", &p, &e) < 0)
		return 0;
	struct mmr_rt_enforce_subject s = { .image = "img:1", .container = "c", .cgroup = "/libpod_parent/x" };
	struct mmr_rt_enforce_subject h = { .host = true };
	int i = mmr_rt_enforce_match(p, &s);
	int j = mmr_rt_enforce_match(p, &h);
	uint8_t ip[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 };
	const char *tags[] = { "T1059", "mamori" };
	for (size_t k = 0; k < p->n_wl; k++) {
		const struct mmr_rt_enforce_wl *w = &p->wl[k];
		(void)mmr_rt_enforce_exec_allowed(w, "/bin/sh");
		(void)mmr_rt_enforce_write_denied(w, "/etc/passwd");
		(void)mmr_rt_enforce_connect_allowed(w, ip, 80);
		(void)mmr_rt_enforce_kill_on(w, "rule", tags, 2);
	}
	(void)i;
	(void)j;
	mmr_rt_enforce_free(p);
	return 0;
}
