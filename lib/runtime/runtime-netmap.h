/* runtime-netmap.h - network map of the runtime agent.
 *
 * Aggregates connect/accept events into edges "client node -> server node"
 * per transport, with the server ports seen, a connection count, the first
 * and last time seen and the DNS names the server address came from.
 * A node is a workload (container: name, else image, else the first 12
 * characters of its id; host process: "host:" + executable path) or an
 * external endpoint (its IP address). The local addresses of workloads
 * (client side of their connects, server side of their accepts) are
 * remembered, so that when both ends are workloads on this host the edge
 * joins the two workloads; a connection seen from both ends (connect in A,
 * accept in B) is counted once (the larger of the two counts).
 *
 * Limits: at most max_edges raw edges and as many address owners (new ones
 * are dropped and counted in mmr_rt_netmap_dropped()), MMR_RT_NETMAP_PORTS
 * ports and MMR_RT_NETMAP_NAMES DNS names per edge.
 * Errors: -ENOMEM. The library never prints. */
#ifndef MMR_RUNTIME_NETMAP_H
#define MMR_RUNTIME_NETMAP_H

#include <jansson.h>
#include <stdint.h>

#include "core/core-buf.h"
#include "runtime/runtime-event.h"

#define MMR_RT_NETMAP_PORTS 32
#define MMR_RT_NETMAP_NAMES 8

struct mmr_rt_netmap;

/* max_edges 0 picks 65536. NULL on ENOMEM. */
struct mmr_rt_netmap *mmr_rt_netmap_new(size_t max_edges);
void mmr_rt_netmap_free(struct mmr_rt_netmap *m); /* NULL no-op */

/* Feed one event: connect/accept/accept4 exits with res >= 0 (connect
 * -EINPROGRESS counts too) on IPv4/IPv6 fds; anything else is ignored.
 * Returns 1 when recorded, 0 when ignored, -E2BIG when the edge table is
 * full (the event is dropped and counted), -ENOMEM. */
int mmr_rt_netmap_add(struct mmr_rt_netmap *m, const struct mmr_rt_event *ev);

/* Workload key of the process/container of an event as used for nodes
 * (written to out, always NUL-terminated). */
void mmr_rt_netmap_node_name(const struct mmr_rt_event *ev, char *out, size_t size);

size_t mmr_rt_netmap_dropped(const struct mmr_rt_netmap *m);

/* The aggregated map, address owners resolved:
 *   {"nodes":[{"id","kind":"workload"|"external"}],
 *    "edges":[{"from","to","proto","ports":[..],"count","first_seen",
 *              "last_seen","dns":[..]}]}
 * sorted by from, to, proto. times are RFC 3339 UTC with nanoseconds.
 * NULL on ENOMEM. Caller json_decref()s. */
json_t *mmr_rt_netmap_json(const struct mmr_rt_netmap *m);

/* Merge a map written by mmr_rt_netmap_json() (e.g. saved by an earlier
 * run) into m: its edges are added as they are (counts, ports, times, DNS
 * names). 0, -EBADMSG (not that shape; reterr says where), -E2BIG (edge
 * table full; the rest is dropped and counted), -ENOMEM. */
struct mmr_error;
int mmr_rt_netmap_merge_json(struct mmr_rt_netmap *m, const json_t *doc, const char *file,
			     struct mmr_error *reterr);

/* The same as Graphviz DOT ("digraph mamori_netmap { ... }") appended to
 * out. 0, -E2BIG (buffer cap), -ENOMEM. */
int mmr_rt_netmap_dot(const struct mmr_rt_netmap *m, struct mmr_buf *out);

#endif
