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

struct mmr_rt_fdent;
struct mmr_rt_dnsent;

struct mmr_rt_host {
	struct mmr_rt_proctab *procs;
	struct mmr_rt_conttab *conts;
	/* fd cache: what open/connect/accept/dup/memfd_create returned, keyed
	 * by (pid, fd, process start), direct-mapped (MMR_RT_FDCACHE_N slots,
	 * a newer fd overwrites): fd.* on later events that carry only the
	 * number (fchmod, fchown, close, dup of a known fd). */
	struct mmr_rt_fdent *fdcache;
	/* DNS answers seen (A/AAAA address -> queried name), direct-mapped
	 * (MMR_RT_DNSCACHE_N): fd.sip.name on later connects. */
	struct mmr_rt_dnsent *dnscache;
	uint64_t fd_hits, fd_misses, dns_queries, dns_answers;
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
/* uid's name in the text of a passwd(5) file (a container's /etc/passwd:
 * user.name of container processes); false when it is not there. */
bool mmr_rt_passwd_name(const char *text, size_t len, uint32_t uid, char *out, size_t size);

#define MMR_RT_FDCACHE_N 4096
#define MMR_RT_DNSCACHE_N 1024
#define MMR_RT_DNS_NAME_MAX 256

/* fd cache (see struct mmr_rt_host); put copies the type, tuple and name. */
void mmr_rt_host_fd_put(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd,
			const struct mmr_rt_fd *v);
/* true with *ret filled (num = fd) when (p, fd) is cached. */
bool mmr_rt_host_fd_get(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd,
			struct mmr_rt_fd *ret);
void mmr_rt_host_fd_drop(struct mmr_rt_host *h, const struct mmr_rt_proc *p, int64_t fd);
/* Name an address was resolved from (DNS answers seen), or NULL. */
const char *mmr_rt_host_dns_name(const struct mmr_rt_host *h, const struct mmr_rt_addr *a);

/* Parse a DNS message (RFC 1035; stream = TCP with its 2-byte length):
 * the first question's name (dotted, lower case as sent) into qname, its
 * type, and up to max_addrs A/AAAA answer addresses. Bounded: names of at
 * most 255 bytes, compression pointers followed at most 16 times, counts
 * capped. 0, or -EBADMSG for a malformed message. */
int mmr_rt_dns_parse(const uint8_t *msg, size_t len, bool stream, char *qname, size_t qnamelen,
		     uint16_t *ret_qtype, struct mmr_rt_addr *addrs, unsigned max_addrs,
		     unsigned *ret_naddrs, bool *ret_response);

/* Decode one sensor record. 0 with *ev filled; -EBADMSG for a short or
 * unknown record. ev->proc/ev->container borrow from the tables. */
int mmr_rt_host_decode(struct mmr_rt_host *h, const void *rec, size_t len, struct mmr_rt_event *ev);

#endif
