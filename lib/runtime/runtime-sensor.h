/* runtime-sensor.h - the kernel event source of the runtime agent.
 *
 * mmr_rt_sensor_open() loads the eBPF sensor (bpf/sensor.bpf.c: tp_btf
 * sched_process_exec/fork/exit and sys_enter/sys_exit) and, when that
 * cannot load (no BTF, no privilege, a kernel that refuses the programs, or
 * a build without -Dbpf), falls back to the netlink proc connector, which
 * sees exec, fork and exit only. Either way the records delivered to the
 * callback are the structs of bpf/sensor.h (the fallback fills what it
 * knows and leaves the rest zero), so one decoder (runtime-proc.c:
 * mmr_rt_host_decode) serves both.
 *
 * Loader order (libbpf-bootstrap): open -> configure rodata (own pid, enabled
 * event types, open_all) and map sizes -> load -> fill the sensitive-prefix
 * map -> attach; every failure unwinds through sensor_bpf__destroy(). No
 * setrlimit(RLIMIT_MEMLOCK): libbpf relies on memcg accounting (>= 5.11).
 * libbpf's messages go to mmr_log (debug, warnings as warnings).
 *
 * Errors: -errno; `why` (if non-NULL) receives a one-line reason the eBPF
 * path was not taken, for the coverage report. */
#ifndef MMR_RUNTIME_SENSOR_H
#define MMR_RUNTIME_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/sensor.h"

enum mmr_rt_sensor_kind {
	MMR_RT_SENSOR_NONE = 0,
	MMR_RT_SENSOR_EBPF,
	MMR_RT_SENSOR_PROC_CONNECTOR, /* + fanotify when it could be set up */
};

struct mmr_rt_sensor_opts {
	uint64_t type_mask;      /* bit (1 << MMR_SENSOR_*); 0 = every type */
	bool open_all;           /* report every open, not only writes/sensitive */
	uint32_t ringbuf_bytes;  /* power of two >= 4096; 0 = 16 MiB */
	uint32_t self_pid;       /* pid to ignore; 0 = getpid() */
	/* Absolute path prefixes whose opens are reported even read-only, and
	 * prefixes whose opens are never reported. NULL-terminated; NULL =
	 * the built-in lists (mmr_rt_sensor_default_sensitive). */
	const char *const *sensitive;
	const char *const *ignore;
	bool no_ebpf;            /* testing: go straight to the fallback */
	/* Wake the reader when this many bytes of file/net/dns records wait
	 * (exec/fork/exit always wake it; the reader also drains on every poll
	 * timeout): fewer wakeups under load. 0 = 32 KiB; 1 = every record. */
	uint32_t wakeup_bytes;
	bool no_fanotify;        /* fallback without the fanotify file events */
};

extern const char *const mmr_rt_sensor_default_sensitive[];
extern const char *const mmr_rt_sensor_default_ignore[];

/* One record (struct mmr_sensor_hdr first). Return < 0 to stop polling. */
typedef int (*mmr_rt_sensor_fn)(void *ctx, const void *rec, size_t len);

struct mmr_rt_sensor;

int mmr_rt_sensor_open(const struct mmr_rt_sensor_opts *opts, mmr_rt_sensor_fn fn, void *ctx,
		       struct mmr_rt_sensor **ret, char *why, size_t whylen);
/* Deliver what is ready, waiting up to timeout_ms; returns the number of
 * records delivered, or -errno (-EINTR when a signal interrupted). */
int mmr_rt_sensor_poll(struct mmr_rt_sensor *s, int timeout_ms);
enum mmr_rt_sensor_kind mmr_rt_sensor_kind(const struct mmr_rt_sensor *s);
const char *mmr_rt_sensor_kind_name(enum mmr_rt_sensor_kind k);
/* The event types this sensor can see (bit per MMR_SENSOR_*). */
uint64_t mmr_rt_sensor_coverage(const struct mmr_rt_sensor *s);
/* Records the kernel could not queue: per CPU into percpu[0..max) (count
 * in *ret_ncpu), total returned (or -errno). */
int64_t mmr_rt_sensor_drops(struct mmr_rt_sensor *s, uint64_t *percpu, unsigned max,
			    unsigned *ret_ncpu);
void mmr_rt_sensor_free(struct mmr_rt_sensor *s); /* NULL no-op */

/* "exec", "open", ... for MMR_SENSOR_*; "?" otherwise. */
const char *mmr_rt_sensor_type_name(unsigned type);
/* MMR_SENSOR_* by name, 0 if unknown. */
unsigned mmr_rt_sensor_type_from_name(const char *name);

/* The sensor types (bit per MMR_SENSOR_*) that produce Falco event type
 * evt (enum mmr_rt_evt_type); 0 when the sensor never produces it. */
uint64_t mmr_rt_sensor_mask_for_evt(unsigned evt);

/* What the fallback does not see, one line for the agent's "coverage lost"
 * report ("" with eBPF). */
const char *mmr_rt_sensor_fallback_note(const struct mmr_rt_sensor *s);

/* Fallback file events (runtime-sensor-fan.c): fanotify. Writes (close
 * after write), creations, deletions and renames, as MMR_SENSOR_OPEN /
 * UNLINK / RENAME / MKDIR records flagged MMR_SENSOR_F_FANOTIFY; `note`
 * receives what it could not cover. */
struct mmr_rt_sensor_fan;
int mmr_rt_sensor_fan_open(uint32_t self_pid, struct mmr_rt_sensor_fan **ret, char *note, size_t notelen);
int mmr_rt_sensor_fan_fds(const struct mmr_rt_sensor_fan *f, int fds[2]); /* count */
/* true when creations, deletions and renames are watched too. */
bool mmr_rt_sensor_fan_dirents(const struct mmr_rt_sensor_fan *f);
int mmr_rt_sensor_fan_poll(struct mmr_rt_sensor_fan *f, mmr_rt_sensor_fn fn, void *ctx);
void mmr_rt_sensor_fan_free(struct mmr_rt_sensor_fan *f);

/* A record header for pid/tid filled from /proc (comm, ppid, ids,
 * loginuid, cgroup leaf) and the time; seq left as it was. */
void mmr_rt_sensor_proc_hdr(struct mmr_sensor_hdr *h, uint32_t type, int pid, int tid);

/* Fallback source (runtime-sensor-cn.c): the proc connector. */
struct mmr_rt_sensor_cn;
int mmr_rt_sensor_cn_open(struct mmr_rt_sensor_cn **ret, char *why, size_t whylen);
int mmr_rt_sensor_cn_fd(const struct mmr_rt_sensor_cn *c);
int mmr_rt_sensor_cn_poll(struct mmr_rt_sensor_cn *c, int timeout_ms, mmr_rt_sensor_fn fn, void *ctx);
void mmr_rt_sensor_cn_free(struct mmr_rt_sensor_cn *c);

#endif
