/* runtime-container.h - which container a process is in, and what it is.
 *
 * The id comes from the cgroup path (or its leaf name, as the eBPF sensor
 * reports it): "libpod-<64hex>[.scope]" (podman), "docker-<hex>.scope" and
 * "/docker/<hex>" (docker), "cri-containerd-<hex>.scope" (containerd),
 * "crio-<hex>.scope" (CRI-O), and a bare 64-hex leaf below a kubepods or
 * docker parent (cgroupfs drivers); cgroup v1 and v2 paths look alike.
 *
 * Metadata (name, image, image digest, labels, privileged, start time,
 * Kubernetes pod/namespace from the CRI labels) comes from the runtime's own
 * state: for podman, `podman container inspect ID` run by fork/exec with an
 * argv (no shell) and a 5 s timeout, parsed by
 * mmr_rt_container_parse_podman(). Results (also failures) are cached per
 * id in the container table, so each container costs one lookup. */
#ifndef MMR_RUNTIME_CONTAINER_H
#define MMR_RUNTIME_CONTAINER_H

#include <stddef.h>

#include "runtime/runtime-event.h"

/* The container id (64 hex, lower case) in a cgroup path or leaf, and the
 * runtime it names ("podman", "docker", "containerd", "cri-o", "" when
 * unknown). 1 found, 0 not a container. */
int mmr_rt_container_id_from_cgroup(const char *cgroup, char ret_id[MMR_RT_CONTAINER_ID_MAX],
				    const char **ret_runtime);

/* The container id of a process from /proc/PID/cgroup: 1 found, 0 none,
 * -errno when the file cannot be read. */
int mmr_rt_container_id_of_pid(int pid, char ret_id[MMR_RT_CONTAINER_ID_MAX],
			       const char **ret_runtime);

/* Fill c from the JSON of `podman container inspect` (an array of one
 * object). -EBADMSG when it is not that shape. */
int mmr_rt_container_parse_podman(const char *json, size_t len, struct mmr_rt_container *c);

/* The table entry of id, its metadata looked up on first sight (runtime
 * tells which runtime to ask; unknown ones keep only the id). The entry is
 * valid until the next upsert on t. NULL only for an empty id. */
struct mmr_rt_container *mmr_rt_container_resolve(struct mmr_rt_conttab *t, const char *id,
						  const char *runtime);

#endif
