/* fuzz-sensor-decode: raw ring-buffer record bytes -> struct mmr_rt_event.
 *
 * The decoder must take any record (short, unknown type, unterminated
 * strings, huge lengths, hostile dirfds and pids) without reading past it.
 * The input is copied into a buffer of exactly its size (ASan sees overreads)
 * and decoded against one host whose tables persist across inputs, as in the
 * agent; the rules are not involved. Pids are folded into a small range so
 * the table sees reuse and exits without walking all of /proc. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "bpf/sensor.h"
#include "runtime/runtime-event.h"
#include "runtime/runtime-proc.h"

static struct mmr_rt_host host;
static struct mmr_rt_event ev;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		if (mmr_rt_host_init(&host, 256) < 0)
			return 0;
		host.resolve_containers = false;
		ready = 1;
	}
	if (size > 1 << 16)
		return 0;
	uint8_t *rec = malloc(size ? size : 1);
	if (!rec)
		return 0;
	memcpy(rec, data, size);
	if (size >= sizeof(struct mmr_sensor_hdr)) {
		struct mmr_sensor_hdr *h = (struct mmr_sensor_hdr *)rec;
		/* pids 4000000+ (never live): /proc lookups miss fast */
		h->pid = 4000000 + h->pid % 64;
		h->ppid = 4000000 + h->ppid % 64;
		if (h->type == MMR_SENSOR_FORK && size >= sizeof(struct mmr_sensor_fork)) {
			struct mmr_sensor_fork *f = (struct mmr_sensor_fork *)rec;
			f->child_pid = 4000000 + f->child_pid % 64;
		}
	}
	if (mmr_rt_host_decode(&host, rec, size, &ev) == 0) {
		/* touch what the evaluator reads */
		volatile size_t sink = strlen(ev.fd.name) + strlen(ev.fd.nameraw);
		for (uint32_t i = 0; i < ev.nargs && i < MMR_RT_EVT_ARGS_N; i++)
			sink += strlen(ev.args[i].value) + strlen(ev.args[i].name);
		if (ev.proc)
			sink += strlen(ev.proc->exepath) + strlen(ev.proc->cwd) + strlen(ev.proc->comm) +
				ev.proc->args_len;
		(void)sink;
	}
	free(rec);
	return 0;
}
