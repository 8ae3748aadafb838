/* runtime-proc.h - the host view the sensor's records are decoded against.
 *
 * struct mmr_rt_host owns the process table (seeded from /proc at start,
 * kept by exec/fork/exit records) and the container table (runtime-
 * container.h). mmr_rt_host_decode() turns one bpf/sensor.h record into a
 * struct mmr_rt_event (runtime-event.h) with Falco's event type, arguments
 * and fd fields, and points event->proc / event->container into the tables.
 *
 * Exited processes stay in the table (flag MMR_RT_PROC_EXITED) until the
 * next exit record, so the procexit event still has its process; a fork
 * over a reused pid starts a fresh entry. */
#ifndef MMR_RUNTIME_PROC_H
#define MMR_RUNTIME_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/runtime-event.h"

struct mmr_rt_host {
	struct mmr_rt_proctab *procs;
	struct mmr_rt_conttab *conts;
	int64_t mono_to_epoch_ns;  /* add to CLOCK_MONOTONIC to get the epoch */
	bool resolve_containers;   /* ask the runtime for metadata (default true) */
	int32_t pending_exit;      /* pid to drop at the next record */
	uint64_t records, bad_records;
};

/* max_procs 0: 32768. -ENOMEM. */
int mmr_rt_host_init(struct mmr_rt_host *h, size_t max_procs);
void mmr_rt_host_release(struct mmr_rt_host *h);

/* Enter every process of /proc into the table; returns how many. */
int mmr_rt_proc_seed(struct mmr_rt_host *h);
/* (Re)read one process from /proc/PID (comm, ids, argv, exe, cwd, tty,
 * caps, container). -ENOENT when it is gone (the entry is left as it was). */
int mmr_rt_proc_load(struct mmr_rt_host *h, int32_t pid, struct mmr_rt_proc **ret);

/* Decode one sensor record. 0 with *ev filled; -EBADMSG for a short or
 * unknown record. ev->proc/ev->container borrow from the tables. */
int mmr_rt_host_decode(struct mmr_rt_host *h, const void *rec, size_t len, struct mmr_rt_event *ev);

#endif
