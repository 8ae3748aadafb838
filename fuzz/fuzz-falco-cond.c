/* fuzz-falco-cond: one Falco filter condition -> compile, evaluate. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "core/core-arena.h"
#include "core/core-error.h"
#include "runtime/runtime-internal.h"

static const char *fz_macro(void *ud, const char *name, const char **f, unsigned long *l)
{
	(void)ud;
	*f = "m";
	*l = 1;
	if (!strcmp(name, "m1"))
		return "proc.name in (l1) and m2";
	if (!strcmp(name, "m2"))
		return "fd.name startswith /etc or m1"; /* cycle */
	if (!strcmp(name, "m3"))
		return "evt.type in (execve, openat)";
	return NULL;
}

static const char *const l1[] = { "bash", "'sh'", "l2" };
static const char *const l2[] = { "\"zsh\"", "l1" };

static const char *const *fz_list(void *ud, const char *name, size_t *n)
{
	(void)ud;
	if (!strcmp(name, "l1")) {
		*n = 3;
		return l1;
	}
	if (!strcmp(name, "l2")) {
		*n = 2;
		return l2;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct mmr_arena *a = mmr_arena_new(64u << 20);
	char *text = malloc(size + 1);
	if (!a || !text)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	struct mmr_rt_cond_env env;
	mmr_rt_cond_env_init(&env, a);
	env.macro = fz_macro;
	env.list = fz_list;
	env.max_list_items = 4096;
	struct mmr_rt_node *n = NULL;
	struct mmr_error e = { 0 };
	if (mmr_rt_cond_compile(&env, text, "f", 1, &n, &e) == 0) {
		struct mmr_rt_proctab *t = mmr_rt_proctab_new(8);
		struct mmr_rt_ectx *cx = malloc(sizeof(*cx));
		struct mmr_rt_event ev;
		struct mmr_rt_env renv = { .procs = t };
		const char *argv[] = { "bash", "-c", "x", NULL };
		struct mmr_rt_proc *p = mmr_rt_proctab_upsert(t, 5);
		p->ppid = 5; /* self-parent */
		mmr_rt_strlcpy(p->comm, "bash", 16);
		mmr_rt_proc_set_argv(p, argv, 3);
		mmr_rt_event_init(&ev);
		ev.type = MMR_RT_EVT_OPENAT;
		ev.proc = p;
		ev.fd.typechar = '6';
		ev.fd.sip.family = 10;
		mmr_rt_strlcpy(ev.fd.name, "/etc/passwd", sizeof(ev.fd.name));
		mmr_rt_event_add_arg(&ev, "flags", "O_RDONLY", 0, true);
		uint64_t types[MMR_RT_TYPE_WORDS];
		mmr_rt_cond_types(n, types);
		if (cx) {
			/* the tree optimised for the event's type answers the same */
			static const unsigned types_tried[] = { MMR_RT_EVT_OPENAT, MMR_RT_EVT_EXECVE,
								MMR_RT_EVT_CONNECT };
			for (size_t i = 0; i < sizeof(types_tried) / sizeof(types_tried[0]); i++) {
				ev.type = (uint16_t)types_tried[i];
				mmr_rt_ectx_init(cx, &ev, &renv);
				bool plain = mmr_rt_cond_eval(n, cx);
				struct mmr_rt_node *o = mmr_rt_cond_optimize(&env, n, ev.type);
				mmr_rt_ectx_init(cx, &ev, &renv);
				if (o && mmr_rt_cond_eval(o, cx) != plain)
					__builtin_trap();
			}
		}
		free(cx);
		mmr_rt_proctab_free(t);
	}
	mmr_rt_cond_env_release(&env);
out:
	free(text);
	mmr_arena_free(a);
	return 0;
}
