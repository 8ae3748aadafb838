/* fuzz-falco-rules: Falco rule files -> load, compile, evaluate one event. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/core-error.h"
#include "runtime/runtime-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_rt_rules_limits lim = { .max_file_size = 1 << 20, .max_list_items = 4096 };
	struct mmr_rt_rules *r = mmr_rt_rules_new(&lim);
	struct mmr_error e = { 0 };
	if (!r)
		return 0;
	if (mmr_rt_rules_load_buf(r, "fuzz.yaml", data, size, &e) == 0 &&
	    mmr_rt_rules_compile(r, &e) == 0) {
		struct mmr_rt_proctab *t = mmr_rt_proctab_new(8);
		struct mmr_rt_event ev;
		struct mmr_rt_env env = { .procs = t, .hostname = "h" };
		const char *argv[] = { "sh", "-c", "cat /etc/shadow", NULL };
		struct mmr_rt_proc *p = mmr_rt_proctab_upsert(t, 2);
		p->ppid = 1;
		mmr_rt_strlcpy(p->comm, "sh", sizeof(p->comm));
		mmr_rt_proc_set_argv(p, argv, 3);
		mmr_rt_strlcpy(mmr_rt_proctab_upsert(t, 1)->comm, "init", 16);
		p = mmr_rt_proctab_get(t, 2);
		unsigned types[] = { MMR_RT_EVT_EXECVE, MMR_RT_EVT_OPENAT, MMR_RT_EVT_CONNECT };
		for (unsigned i = 0; i < 3; i++) {
			mmr_rt_event_init(&ev);
			ev.seq = 1;
			ev.type = (uint16_t)types[i];
			ev.proc = p;
			ev.fd.num = 3;
			ev.fd.typechar = i == 2 ? '4' : 'f';
			mmr_rt_strlcpy(ev.fd.name, "/etc/shadow", sizeof(ev.fd.name));
			mmr_rt_event_add_arg(&ev, "flags", "O_RDONLY", 0, true);
			mmr_rt_rules_eval(r, &env, &ev, NULL, NULL);
			for (size_t k = 0; k < mmr_rt_rules_count(r); k++) {
				const struct mmr_rt_rule *rule = mmr_rt_rules_get(r, k);
				if (!rule->active)
					continue;
				char out[512];
				mmr_rt_output_format(r, rule, &env, &ev, out, sizeof(out));
				free(mmr_rt_output_json(r, rule, &env, &ev));
				break;
			}
		}
		mmr_rt_proctab_free(t);
	}
	mmr_rt_rules_free(r);
	return 0;
}
