/* runtime-container.h - which container a process is in, and what it is.
 *
 * The id comes from the cgroup path (or its leaf name, as the eBPF sensor
 * reports it): "libpod-<64hex>[.scope]" (podman), "docker-<hex>.scope" and
 * "/docker/<hex>" (docker), "cri-containerd-<hex>.scope" (containerd),
 * "crio-<hex>.scope" (CRI-O), and a bare 64-hex leaf below a kubepods or
 * docker parent (cgroupfs drivers); cgroup v1 and v2 paths look alike.
 *
 * Metadata (name, image, image digest, image id, labels, privileged, start
 * time, Kubernetes pod/namespace/uid) is read from the runtime's own state
 * files, never by running a program:
 *
 *  podman (libpod) and CRI-O share containers/storage, graphroot
 *    /var/lib/containers/storage, runroot /run/containers/storage:
 *    overlay-containers/containers.json   id -> names, image id, metadata
 *                                         {"image-name"}, created
 *    overlay-images/images.json           image id -> digest, names
 *    overlay-containers/ID/userdata/config.json (graphroot, then runroot)
 *                                         the OCI spec: annotations,
 *                                         capabilities, masked paths
 *    libpod/bolt_state.db (podman only)   BoltDB: bucket "ctr" / ID /
 *                                         "config" (JSON: labels, privileged)
 *                                         and "state" (JSON: startedTime)
 *    CRI-O's spec annotations: io.kubernetes.cri-o.ImageName / ImageRef /
 *    Image / Labels (a JSON object in a string), io.kubernetes.pod.name /
 *    namespace / uid, io.kubernetes.container.name.
 *  containerd: the shim bundle /run/containerd/io.containerd.runtime.v2.task/
 *    NS/ID/config.json (annotations io.kubernetes.cri.container-name,
 *    image-name, sandbox-name, sandbox-namespace, sandbox-uid) and the
 *    metadata store /var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db
 *    (BoltDB: "v1" / NS / "containers" / ID / "labels", "image"; "v1" / NS /
 *    "images" / NAME / "target" / "digest").
 *  docker: /var/lib/docker/containers/ID/config.v2.json (Name, Image,
 *    Config.Image, Config.Labels, State.StartedAt, Driver), hostconfig.json
 *    (Privileged), /var/lib/docker/image/DRIVER/repositories.json (digest).
 *
 * Privileged: the runtime's own flag where it has one (podman's
 * io.podman.annotations.privileged / libpod "privileged", docker
 * HostConfig.Privileged); otherwise from the OCI spec: CAP_SYS_ADMIN in
 * process.capabilities.bounding AND no linux.maskedPaths AND no
 * linux.readonlyPaths (what `--privileged` produces in runc-based runtimes;
 * a plain --cap-add SYS_ADMIN keeps the masked paths and is not privileged).
 *
 * Results (also misses) are cached per id in the container table
 * (bounded, oldest evicted). A runtime whose state files are absent gives
 * a container with only its id and logs one debug line per runtime. Every
 * file read is capped (MMR_RT_STATE_FILE_MAX), every JSON document depth-
 * limited, BoltDB walks bounded in depth and pages. */
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

/* Largest state file read (containers.json, images.json, config.json,
 * hostconfig.json, repositories.json). BoltDB files are read page by page. */
#define MMR_RT_STATE_FILE_MAX (64u << 20)

/* Fill c from the JSON of `podman container inspect` (an array of one
 * object). -EBADMSG when it is not that shape. (Kept as the test oracle.) */
int mmr_rt_container_parse_podman(const char *json, size_t len, struct mmr_rt_container *c);

/* The state files below `root` ("" or NULL = "/") for container id (full
 * 64 hex) of runtime ("podman", "cri-o", "docker", "containerd"; "" or
 * NULL = try them all). c is zeroed and filled. 0 found, -ENOENT no runtime
 * knows the id (c->id and c->runtime still set), -EINVAL bad id. */
int mmr_rt_container_lookup(const char *root, const char *id, const char *runtime,
			    struct mmr_rt_container *c);

/* State-file readers, exposed for tests and fuzzing. Each fills only what
 * its document holds; -EBADMSG when the document is not the expected shape,
 * -ENOENT when it has no entry for id. */
/* An OCI runtime spec (config.json): annotations, privileged rule. */
int mmr_rt_container_parse_spec(const char *json, size_t len, struct mmr_rt_container *c);
/* containers/storage containers.json (array of {id, names, image,
 * metadata, created}) entry for c->id. */
int mmr_rt_container_parse_storage(const char *json, size_t len, struct mmr_rt_container *c);
/* containers/storage images.json: digest (and name) of c->image_id. */
int mmr_rt_container_parse_images(const char *json, size_t len, struct mmr_rt_container *c);
/* libpod's container config / state JSON (from bolt_state.db). */
int mmr_rt_container_parse_libpod(const char *config, size_t clen, const char *state,
				  size_t slen, struct mmr_rt_container *c);
/* docker config.v2.json, hostconfig.json (may be NULL), repositories.json
 * (may be NULL). */
int mmr_rt_container_parse_docker(const char *config, size_t clen, const char *hostconfig,
				  size_t hlen, const char *repos, size_t rlen,
				  struct mmr_rt_container *c);

/* A read-only BoltDB reader (the format of go.etcd.io/bbolt: meta pages 0
 * and 1, branch/leaf pages, nested and inline buckets), over a file
 * descriptor or a memory image. path names nested buckets, the last element
 * a key. On 0, *ret_val is a malloc'd copy (NUL-terminated, length in
 * *ret_len) of the value, or of nothing for a bucket (*ret_bucket true).
 * -ENOENT missing, -EBADMSG corrupt, -E2BIG a walk limit. */
struct mmr_rt_bolt;
int mmr_rt_bolt_open_mem(const void *data, size_t len, struct mmr_rt_bolt **ret);
int mmr_rt_bolt_open_fd(int fd, struct mmr_rt_bolt **ret);
void mmr_rt_bolt_free(struct mmr_rt_bolt *b);
int mmr_rt_bolt_get(struct mmr_rt_bolt *b, const char *const *path, size_t npath,
		    char **ret_val, size_t *ret_len);
/* Call fn for each plain key/value of the bucket at path (bucket entries are
 * skipped); stops at the first non-zero return, which it returns. */
int mmr_rt_bolt_each(struct mmr_rt_bolt *b, const char *const *path, size_t npath,
		     int (*fn)(const char *k, size_t klen, const char *v, size_t vlen, void *ctx),
		     void *ctx);

/* Where mmr_rt_container_resolve() looks ("" = "/"); tests point it at a
 * fixture tree. Not thread-safe: set before the first resolve. */
void mmr_rt_container_set_root(const char *root);

/* The table entry of id, its metadata looked up on first sight with
 * mmr_rt_container_lookup() (runtime tells which runtime's state to read;
 * when nothing is found the entry keeps only the id). The entry is
 * valid until the next upsert on t. NULL only for an empty id. */
struct mmr_rt_container *mmr_rt_container_resolve(struct mmr_rt_conttab *t, const char *id,
						  const char *runtime);

#endif
