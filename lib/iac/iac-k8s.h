/* iac-k8s.h - Kubernetes manifests into resource documents (iac.h).
 *
 * Input: YAML (or JSON) manifests, several documents per file (`---`), and
 * `List` kinds (kind: List or any *List with `items`), which is also what
 * `helm template` and `kustomize build` print.
 *
 * Every object becomes one resource: raw_type "<apiVersion>/<kind>"
 * ("apps/v1/Deployment", "v1/Pod"), source "kubernetes", address
 * "<kind>/<namespace>/<name>" (namespace "default" when a namespaced kind
 * leaves it out; cluster-scoped kinds have "<kind>/<name>"), doc = the
 * object as written, pos = JSON Pointer (into doc) -> [line_start, line_end]
 * for every node (a mapping value's range starts at its key).
 *
 * Normalised types (docs/iac/kubernetes.md has the shapes):
 *   k8s.workload      Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
 *                     CronJob, ReplicationController; doc gains `pod`, the pod
 *                     spec with every container (containers, initContainers,
 *                     ephemeralContainers, each tagged `kind`) carrying its
 *                     effective securityContext (container value over pod
 *                     value for the fields both levels have; legacy seccomp
 *                     and AppArmor annotations folded in), `image_ref`
 *                     {registry, repository, tag, digest}
 *   k8s.role          Role, ClusterRole        k8s.rolebinding  RoleBinding, ClusterRoleBinding
 *   k8s.service, k8s.networkpolicy, k8s.ingress, k8s.namespace, and
 *   k8s.<kind in lower case> for every other kind.
 * pos also holds the `pod` pointers, mapped to the lines they came from.
 *
 * Inline suppressions (resource->ignores): annotations
 * `mamori.io/ignore: "<rule-id> <reason>"` (several separated by ';' or new
 * lines), and comments `# mamori:ignore:<rule-id> <reason>` (also
 * trivy:ignore:, checkov:skip=, kics-scan ignore-line is not read) inside
 * the object's lines or on the comment lines right above it.
 *
 * Limits: max_file_size per file, max_json_depth nesting, MMR_K8S_MAX_NODES
 * nodes per file after alias expansion, MMR_K8S_MAX_OBJECTS objects per file. */
#ifndef MMR_IAC_K8S_H
#define MMR_IAC_K8S_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core-limits.h"
#include "iac/iac.h"

#define MMR_K8S_MAX_NODES 2000000
#define MMR_K8S_MAX_OBJECTS 100000

/* Cheap sniff on raw bytes: a top-level `apiVersion:` and `kind:` (or the
 * JSON keys), and no unrendered Helm `{{`. */
bool mmr_k8s_is_manifest(const void *data, size_t len);

/* Parse one file, appending its objects to set. A document that is not a
 * Kubernetes object (no kind/apiVersion) is skipped. -EBADMSG (reterr:
 * file:line:col) on a YAML syntax error (objects of the documents before it
 * are kept), -E2BIG on a limit. limits may be NULL (defaults). */
int mmr_k8s_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		  const struct mmr_limits *limits, struct mmr_error *reterr);

/* One file or a directory tree: every .yaml/.yml/.json file that sniffs as a
 * manifest; errors go to set->errors and the walk goes on. */
int mmr_k8s_scan(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 struct mmr_error *reterr);

#endif
