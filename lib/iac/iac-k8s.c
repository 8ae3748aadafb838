/* iac-k8s.c - Kubernetes manifests into resource documents (iac-k8s.h).
 *
 * YAML is read one document at a time with libyaml's document loader and
 * turned into a jansson tree while a parallel map records, for every node,
 * its JSON Pointer and line range. Plain scalars are typed the way kubectl
 * reads them (sigs.k8s.io/yaml on go-yaml v2: YAML 1.1 booleans yes/no/on/
 * off included). Workloads then gain the normalised `pod` object. */
#include "iac/iac-k8s.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/core-buf.h"
#include "core/core-json.h"
#include "model/model.h"

struct k8s {
	struct mmr_iac_set *set;
	struct mmr_arena *a;
	const char *file;
	const char *src;
	size_t srclen;
	size_t max_depth, nodes, objects;
	yaml_document_t *doc;
	json_t *pos; /* pointer -> [start, end] for the current YAML document */
	int err;
};

/* ---- JSON Pointers ---------------------------------------------------------- */

/* JSON Pointers of positions (lib/iac/iac.c), capped at 64 KiB */
#define ptr_join(parent, tok) mmr_iac_ptr_join((parent), (tok), 1u << 16)
#define ptr_idx(parent, i) mmr_iac_ptr_idx((parent), (i), 1u << 16)

/* ---- YAML into jansson with positions --------------------------------------- */

static bool eq_any(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* Last line of a scalar: its end mark is exclusive; a block scalar's end mark
 * sits at column 0 of the line after it. */
static unsigned long scalar_end(const yaml_node_t *n)
{
	unsigned long e = n->end_mark.line + 1;
	if (n->end_mark.column == 0 && n->end_mark.line > n->start_mark.line)
		e--;
	return e;
}

static void put_range(struct k8s *k, const char *ptr, unsigned long s, unsigned long e)
{
	if (e < s)
		e = s;
	json_t *r = json_pack("[II]", (json_int_t)s, (json_int_t)e);
	if (r)
		json_object_set_new(k->pos, ptr, r);
}

/* Convert node `id` at pointer `ptr`; *ret_end gets its last line. */
static json_t *conv(struct k8s *k, int id, const char *ptr, size_t depth, unsigned long *ret_end)
{
	yaml_node_t *n = yaml_document_get_node(k->doc, id);
	if (!n) {
		k->err = -EBADMSG;
		return NULL;
	}
	if (depth > k->max_depth || ++k->nodes > MMR_K8S_MAX_NODES) {
		k->err = -E2BIG;
		return NULL;
	}
	unsigned long end = n->start_mark.line + 1;
	json_t *v = NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		size_t len = n->data.scalar.length;
		/* the loader gives every untagged scalar the str tag, so an explicit
		 * !!str cannot be told apart: plain scalars are typed */
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			v = mmr_yaml_scalar(s, len, MMR_YAML_BOOL11 | MMR_YAML_NO_LEADING_ZERO_FLOAT);
		else
			v = json_stringn(s, len);
		end = scalar_end(n);
		break;
	}
	case YAML_SEQUENCE_NODE: {
		v = json_array();
		size_t i = 0;
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     v && it < n->data.sequence.items.top; it++, i++) {
			char *cp = ptr_idx(ptr, i);
			yaml_node_t *cn = yaml_document_get_node(k->doc, *it);
			unsigned long ce = 0;
			json_t *c = cp && cn ? conv(k, *it, cp, depth + 1, &ce) : NULL;
			if (!c) {
				free(cp);
				json_decref(v);
				if (!k->err)
					k->err = -ENOMEM;
				return NULL;
			}
			put_range(k, cp, cn->start_mark.line + 1, ce);
			free(cp);
			json_array_append_new(v, c);
			if (ce > end)
				end = ce;
		}
		if (n->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
			end = scalar_end(n);
		break;
	}
	case YAML_MAPPING_NODE: {
		v = json_object();
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     v && pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(k->doc, pr->key);
			yaml_node_t *vn = yaml_document_get_node(k->doc, pr->value);
			if (!kn || !vn)
				continue;
			if (kn->type != YAML_SCALAR_NODE) {
				if (++k->nodes > MMR_K8S_MAX_NODES) {
					k->err = -E2BIG;
					json_decref(v);
					return NULL;
				}
				continue; /* complex keys have no JSON form */
			}
			/* merge keys (<<) are rare in manifests: read literally */
			char key[1024];
			size_t kl = kn->data.scalar.length < sizeof(key) - 1 ? kn->data.scalar.length
									  : sizeof(key) - 1;
			memcpy(key, kn->data.scalar.value, kl);
			key[kl] = 0;
			if (strlen(key) != kl) /* NUL inside a key */
				continue;
			char *cp = ptr_join(ptr, key);
			unsigned long ce = 0;
			json_t *c = cp ? conv(k, pr->value, cp, depth + 1, &ce) : NULL;
			if (!c) {
				free(cp);
				json_decref(v);
				if (!k->err)
					k->err = -ENOMEM;
				return NULL;
			}
			put_range(k, cp, kn->start_mark.line + 1, ce);
			free(cp);
			json_object_set_new(v, key, c);
			if (ce > end)
				end = ce;
		}
		if (n->data.mapping.style == YAML_FLOW_MAPPING_STYLE)
			end = scalar_end(n);
		break;
	}
	default:
		v = json_null();
		break;
	}
	if (!v && !k->err)
		k->err = -ENOMEM;
	*ret_end = end;
	return v;
}

/* ---- normalisation ---------------------------------------------------------- */

static const char *const workload_kinds[] = { "Pod",	     "Deployment", "StatefulSet",
					      "DaemonSet",   "ReplicaSet", "Job",
					      "CronJob",     "ReplicationController", NULL };

static const char *const cluster_kinds[] = {
	"Namespace",	  "Node",	 "PersistentVolume",	     "ClusterRole",
	"ClusterRoleBinding", "StorageClass", "CustomResourceDefinition", "PodSecurityPolicy",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PriorityClass",
	"APIService",	  "CSIDriver",	 "IngressClass",	     "RuntimeClass",
	"ClusterIssuer",	  NULL
};

/* Copy every pos entry at or below src (a pointer) to dst + rest. */
static void map_pos(json_t *pos, const char *src, const char *dst)
{
	size_t sl = strlen(src);
	const char *key;
	json_t *val;
	json_t *add = json_object();
	if (!add)
		return;
	json_object_foreach(pos, key, val)
	{
		if (strncmp(key, src, sl) != 0 || (key[sl] != 0 && key[sl] != '/'))
			continue;
		char *nk = NULL;
		size_t dl = strlen(dst), rl = strlen(key + sl);
		nk = malloc(dl + rl + 1);
		if (!nk)
			break;
		memcpy(nk, dst, dl);
		memcpy(nk + dl, key + sl, rl + 1);
		json_object_set(add, nk, val);
		free(nk);
	}
	json_object_update(pos, add);
	json_decref(add);
}

static void copy_pos1(json_t *pos, const char *src, const char *dst)
{
	json_t *r = json_object_get(pos, src);
	if (r)
		json_object_set(pos, dst, r);
}

/* "registry/repo:tag@digest" -> {registry, repository, tag, digest}. */
static json_t *image_ref(const char *img)
{
	json_t *o = json_object();
	if (!o || !img)
		return o;
	const char *at = strchr(img, '@');
	size_t n = at ? (size_t)(at - img) : strlen(img);
	if (at)
		json_object_set_new(o, "digest", json_string(at + 1));
	const char *slash = memchr(img, '/', n);
	const char *name = img;
	if (slash) {
		size_t fl = (size_t)(slash - img);
		if (memchr(img, '.', fl) || memchr(img, ':', fl) ||
		    (fl == 9 && !memcmp(img, "localhost", 9))) {
			json_object_set_new(o, "registry", json_stringn(img, fl));
			name = slash + 1;
		}
	}
	const char *last = name;
	for (const char *p = name; p < img + n; p++)
		if (*p == '/')
			last = p + 1;
	const char *colon = memchr(last, ':', (size_t)(img + n - last));
	size_t rl = (size_t)((colon ? colon : img + n) - name);
	json_object_set_new(o, "repository", json_stringn(name, rl));
	if (colon)
		json_object_set_new(o, "tag", json_stringn(colon + 1, (size_t)(img + n - colon - 1)));
	return o;
}

/* Legacy profile annotation value -> {type, localhostProfile}. */
static json_t *profile_from_annotation(const char *v)
{
	if (!v)
		return NULL;
	if (!strcmp(v, "runtime/default") || !strcmp(v, "docker/default"))
		return json_pack("{ss}", "type", "RuntimeDefault");
	if (!strcmp(v, "unconfined"))
		return json_pack("{ss}", "type", "Unconfined");
	if (!strncmp(v, "localhost/", 10))
		return json_pack("{ssss}", "type", "Localhost", "localhostProfile", v + 10);
	return json_pack("{ss}", "type", v);
}

/* Fields a container's securityContext inherits from the pod's. */
static const char *const inherited[] = { "runAsUser",	   "runAsGroup",     "runAsNonRoot",
					 "seLinuxOptions", "seccompProfile", "windowsOptions",
					 "appArmorProfile", NULL };

static void add_container(json_t *list, json_t *pos, const json_t *c, const char *kind,
			  const char *sptr, const json_t *podsc, const json_t *ann)
{
	if (!json_is_object(c))
		return;
	size_t k = json_array_size(list);
	char *dptr = ptr_idx("/pod/containers", k);
	json_t *nc = json_deep_copy(c);
	if (!dptr || !nc) {
		free(dptr);
		json_decref(nc);
		return;
	}
	map_pos(pos, sptr, dptr);
	json_object_set_new(nc, "kind", json_string(kind));
	const char *img = json_string_value(json_object_get(c, "image"));
	json_object_set_new(nc, "image_ref", image_ref(img));
	char *ir = ptr_join(dptr, "image_ref"), *ip = ptr_join(dptr, "image");
	if (ir && ip)
		copy_pos1(pos, ip, ir);
	free(ir);
	free(ip);

	json_t *sc = json_object_get(nc, "securityContext");
	bool had = json_is_object(sc);
	if (!had)
		sc = json_object();
	else
		json_incref(sc);
	char *scp = ptr_join(dptr, "securityContext");
	bool added = false;
	for (size_t i = 0; inherited[i] && json_is_object(podsc); i++) {
		if (json_object_get(sc, inherited[i]))
			continue;
		json_t *pv = json_object_get(podsc, inherited[i]);
		if (!pv)
			continue;
		json_object_set(sc, inherited[i], pv);
		added = true;
		char *s = ptr_join("/pod/securityContext", inherited[i]);
		char *d = scp ? ptr_join(scp, inherited[i]) : NULL;
		if (s && d)
			map_pos(pos, s, d);
		free(s);
		free(d);
	}
	/* legacy annotations, when no field says otherwise */
	const char *name = json_string_value(json_object_get(c, "name"));
	char akey[512];
	static const struct {
		const char *field, *cprefix, *podkey;
	} legacy[] = {
		{ "seccompProfile", "container.seccomp.security.alpha.kubernetes.io/",
		  "seccomp.security.alpha.kubernetes.io/pod" },
		{ "appArmorProfile", "container.apparmor.security.beta.kubernetes.io/", NULL },
	};
	for (size_t i = 0; i < 2 && json_is_object(ann); i++) {
		if (json_object_get(sc, legacy[i].field))
			continue;
		const char *used = NULL;
		const char *v = NULL;
		if (name) {
			snprintf(akey, sizeof(akey), "%s%s", legacy[i].cprefix, name);
			v = json_string_value(json_object_get(ann, akey));
			if (v)
				used = akey;
		}
		if (!v && legacy[i].podkey) {
			v = json_string_value(json_object_get(ann, legacy[i].podkey));
			if (v)
				used = legacy[i].podkey;
		}
		json_t *p = profile_from_annotation(v);
		if (!p)
			continue;
		json_object_set_new(sc, legacy[i].field, p);
		added = true;
		char *s = ptr_join("/pod/annotations", used);
		char *d = scp ? ptr_join(scp, legacy[i].field) : NULL;
		if (s && d)
			map_pos(pos, s, d);
		free(s);
		free(d);
	}
	if (had || added) {
		json_object_set_new(nc, "securityContext", sc);
		if (!had && scp && json_is_object(pos) && !json_object_get(pos, scp))
			copy_pos1(pos, "/pod/securityContext", scp);
	} else {
		json_decref(sc);
	}
	free(scp);
	json_array_append_new(list, nc);
	free(dptr);
}

/* The object at a pointer without escapes (ours), or NULL. */
static json_t *walk_ptr(json_t *doc, const char *p)
{
	json_t *v = doc;
	const char *s = p;
	while (v && *s == '/') {
		const char *e = strchr(s + 1, '/');
		size_t l = e ? (size_t)(e - s - 1) : strlen(s + 1);
		char seg[64];
		if (l >= sizeof(seg))
			return NULL;
		memcpy(seg, s + 1, l);
		seg[l] = 0;
		v = json_object_get(v, seg);
		s = e ? e : s + 1 + l;
	}
	return v;
}

/* The pod spec at spec_ptr / metadata at meta_ptr -> doc.pod. */
static void normalise_workload(json_t *doc, json_t *pos, const char *kind, const char *spec_ptr,
			       const char *meta_ptr)
{
	json_t *spec = walk_ptr(doc, spec_ptr), *meta = walk_ptr(doc, meta_ptr);
	if (!json_is_object(spec))
		spec = NULL;
	json_t *pod = spec ? json_deep_copy(spec) : json_object();
	if (!pod)
		return;
	if (spec)
		map_pos(pos, spec_ptr, "/pod");
	json_object_set_new(pod, "kind", json_string(kind));
	json_t *ann = json_object_get(meta, "annotations");
	if (json_is_object(ann)) {
		json_object_set(pod, "annotations", ann);
		char *ap = ptr_join(meta_ptr, "annotations");
		if (ap)
			map_pos(pos, ap, "/pod/annotations");
		free(ap);
	}
	json_t *labels = json_object_get(meta, "labels");
	if (json_is_object(labels))
		json_object_set(pod, "labels", labels);
	/* containers: remove the mapped pointers first, then re-add merged */
	json_t *list = json_array();
	json_t *podsc = json_object_get(pod, "securityContext");
	static const struct {
		const char *field, *kind;
	} groups[] = { { "initContainers", "initContainer" },
		       { "containers", "container" },
		       { "ephemeralContainers", "ephemeralContainer" } };
	/* the spec's container pointers were copied under /pod with their old
	 * indexes: drop them, add_container maps each container afresh */
	const char *key;
	json_t *val;
	void *tmp;
	json_object_foreach_safe(pos, tmp, key, val)
	{
		if (!strncmp(key, "/pod/containers", 15) || !strncmp(key, "/pod/initContainers", 19) ||
		    !strncmp(key, "/pod/ephemeralContainers", 24))
			json_object_del(pos, key);
	}
	for (size_t g = 0; g < 3 && spec && list; g++) {
		json_t *arr = json_object_get(spec, groups[g].field);
		size_t i;
		json_t *c;
		json_array_foreach(arr, i, c)
		{
			char *gp = ptr_join(spec_ptr, groups[g].field);
			char *sp = gp ? ptr_idx(gp, i) : NULL;
			if (sp)
				add_container(list, pos, c, groups[g].kind, sp, podsc, ann);
			free(gp);
			free(sp);
		}
	}
	json_object_del(pod, "initContainers");
	json_object_del(pod, "ephemeralContainers");
	if (list) {
		json_object_set_new(pod, "containers", list);
		char *cp = ptr_join(spec_ptr, "containers");
		if (cp)
			copy_pos1(pos, cp, "/pod/containers");
		free(cp);
	}
	/* serviceAccount is the deprecated spelling */
	if (!json_object_get(pod, "serviceAccountName") && json_object_get(pod, "serviceAccount")) {
		json_object_set(pod, "serviceAccountName", json_object_get(pod, "serviceAccount"));
		copy_pos1(pos, "/pod/serviceAccount", "/pod/serviceAccountName");
	}
	json_object_set_new(doc, "pod", pod);
}

/* ---- suppressions ------------------------------------------------------------ */

static void add_ignore(struct k8s *k, struct mmr_iac_resource *r, const char *prefix,
		       const char *id, size_t idlen, const char *reason, size_t rlen)
{
	if (!idlen || r->ignores.n >= 256)
		return;
	while (rlen && (reason[rlen - 1] == '\r' || reason[rlen - 1] == ' ' ||
			reason[rlen - 1] == '\t'))
		rlen--;
	char *s = rlen ? mmr_arena_printf(k->a, "%s%.*s %.*s", prefix, (int)idlen, id, (int)rlen,
					  reason)
		       : mmr_arena_printf(k->a, "%s%.*s", prefix, (int)idlen, id);
	if (s)
		mmr_vec_push(k->a, &r->ignores, s);
}

/* `mamori.io/ignore: "ID reason; ID2 reason"` (';' or new lines between). */
static void annotation_ignores(struct k8s *k, struct mmr_iac_resource *r, const json_t *doc)
{
	const char *v = json_string_value(
		json_object_get(json_object_get(json_object_get(doc, "metadata"), "annotations"),
				"mamori.io/ignore"));
	while (v && *v) {
		while (*v == ' ' || *v == '\t' || *v == ';' || *v == '\n' || *v == '\r')
			v++;
		size_t n = strcspn(v, ";\n");
		size_t il = strcspn(v, " \t;\n");
		if (il > n)
			il = n;
		const char *rs = v + il;
		while (rs < v + n && (*rs == ' ' || *rs == '\t'))
			rs++;
		add_ignore(k, r, "", v, il, rs, (size_t)(v + n - rs));
		v += n;
	}
}

static const struct {
	const char *mark, *prefix;
} marks[] = { { "mamori:ignore:", "" },
	      { "checkov:skip=", "checkov:skip=" },
	      { "trivy:ignore:", "trivy:ignore:" } };

/* Markers in one comment [h, e). */
static void comment_marks(struct k8s *k, struct mmr_iac_resource *r, const char *h, const char *e)
{
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		size_t ml = strlen(marks[i].mark);
		const char *m = NULL;
		for (const char *p = h; p + ml <= e; p++)
			if (!memcmp(p, marks[i].mark, ml)) {
				m = p;
				break;
			}
		if (!m)
			continue;
		const char *id = m + ml, *ie = id;
		while (ie < e && *ie != ' ' && *ie != '\t' && *ie != ',' && *ie != '\r' &&
		       !(*ie == ':' && i != 1))
			ie++;
		const char *rest = ie;
		while (rest < e && (*rest == ' ' || *rest == '\t' || *rest == ':' || *rest == ','))
			rest++;
		add_ignore(k, r, marks[i].prefix, id, (size_t)(ie - id), rest, (size_t)(e - rest));
	}
}

/* The comment on a line ('#' at its start or after a blank), or NULL. */
static const char *line_comment(const char *p, const char *le, bool *ret_only)
{
	const char *q = p;
	while (q < le && (*q == ' ' || *q == '\t'))
		q++;
	*ret_only = q < le && *q == '#';
	for (const char *h = q; h < le; h++)
		if (*h == '#' && (h == q || h[-1] == ' ' || h[-1] == '\t'))
			return h;
	return NULL;
}

/* Comments inside the object's lines and the comment-only lines right above
 * it. line_index: start of each line (1-based; index 0 unused). */
static void comment_ignores(struct k8s *k, struct mmr_iac_resource *r)
{
	const char *p = k->src, *end = k->src + k->srclen;
	unsigned long line = 1;
	const char *run[64];
	size_t nrun = 0;
	while (p < end && line <= r->line_end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		bool only;
		const char *h = line_comment(p, le, &only);
		if (line < r->line_start) {
			if (h && only) {
				if (nrun < 64)
					run[nrun++] = h;
			} else {
				nrun = 0;
			}
		} else {
			if (line == r->line_start)
				for (size_t i = 0; i < nrun; i++) {
					const char *rl = memchr(run[i], '\n', (size_t)(end - run[i]));
					comment_marks(k, r, run[i], rl ? rl : end);
				}
			if (h)
				comment_marks(k, r, h, le);
		}
		if (!nl)
			break;
		p = nl + 1;
		line++;
	}
}

/* ---- objects ---------------------------------------------------------------- */

static const char *norm_type(struct k8s *k, const char *kind)
{
	if (eq_any(kind, workload_kinds))
		return "k8s.workload";
	if (!strcmp(kind, "Role") || !strcmp(kind, "ClusterRole"))
		return "k8s.role";
	if (!strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding"))
		return "k8s.rolebinding";
	char t[128];
	size_t n = 0;
	for (const char *p = kind; *p && n < sizeof(t) - 1; p++)
		t[n++] = (char)tolower((unsigned char)*p);
	t[n] = 0;
	return mmr_arena_printf(k->a, "k8s.%s", t);
}

/* One Kubernetes object (doc is stolen) whose pointer in the YAML document
 * is `base` ("" for the root, "/items/3" for a List item). */
static int emit(struct k8s *k, json_t *doc, const char *base)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	const char *api = json_string_value(json_object_get(doc, "apiVersion"));
	if (!kind || !api || !*kind) {
		json_decref(doc);
		return 0;
	}
	if (++k->objects > MMR_K8S_MAX_OBJECTS) {
		json_decref(doc);
		return -E2BIG;
	}
	struct mmr_iac_resource *r = mmr_arena_alloc(k->a, sizeof(*r));
	json_t *pos = json_object();
	if (!r || !pos) {
		json_decref(doc);
		json_decref(pos);
		return -ENOMEM;
	}
	/* positions relative to the object */
	size_t bl = strlen(base);
	const char *key;
	json_t *val;
	json_object_foreach(k->pos, key, val)
	{
		if (strncmp(key, base, bl) != 0 || (key[bl] != 0 && key[bl] != '/'))
			continue;
		json_object_set(pos, key + bl, val);
	}
	json_t *whole = json_object_get(pos, "");
	r->line_start = (unsigned long)json_integer_value(json_array_get(whole, 0));
	r->line_end = (unsigned long)json_integer_value(json_array_get(whole, 1));
	json_object_del(pos, "");

	json_t *md = json_object_get(doc, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	if (!name)
		name = json_string_value(json_object_get(md, "generateName"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	if (!name)
		name = "<unnamed>";
	if (eq_any(kind, cluster_kinds))
		r->address = mmr_arena_printf(k->a, "%s/%s", kind, name);
	else
		r->address = mmr_arena_printf(k->a, "%s/%s/%s", kind, ns && *ns ? ns : "default",
					      name);
	r->raw_type = mmr_arena_printf(k->a, "%s/%s", api, kind);
	r->type = norm_type(k, kind);
	r->source = "kubernetes";
	r->file = k->file;
	if (!r->address || !r->raw_type || !r->type) {
		json_decref(doc);
		json_decref(pos);
		return -ENOMEM;
	}
	if (!strcmp(r->type, "k8s.workload")) {
		if (!strcmp(kind, "Pod"))
			normalise_workload(doc, pos, kind, "/spec", "/metadata");
		else if (!strcmp(kind, "CronJob"))
			normalise_workload(doc, pos, kind, "/spec/jobTemplate/spec/template/spec",
					   "/spec/jobTemplate/spec/template/metadata");
		else
			normalise_workload(doc, pos, kind, "/spec/template/spec",
					   "/spec/template/metadata");
	}
	r->doc = doc;
	r->pos = pos;
	annotation_ignores(k, r, doc);
	if (k->src && r->line_start)
		comment_ignores(k, r);
	if (mmr_vec_push(k->a, &k->set->resources, r) < 0) {
		json_decref(r->doc);
		json_decref(r->pos);
		return -ENOMEM;
	}
	return 0;
}

static bool is_list(const json_t *doc)
{
	const char *kind = json_string_value(json_object_get(doc, "kind"));
	size_t n = kind ? strlen(kind) : 0;
	return n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(json_object_get(doc, "items"));
}

/* One YAML document's root. */
static int emit_doc(struct k8s *k, json_t *root)
{
	if (!json_is_object(root)) {
		json_decref(root);
		return 0;
	}
	if (!is_list(root))
		return emit(k, root, "");
	json_t *items = json_object_get(root, "items");
	size_t i;
	json_t *it;
	int r = 0;
	json_array_foreach(items, i, it)
	{
		char *b = ptr_idx("/items", i);
		if (!b) {
			r = -ENOMEM;
			break;
		}
		if (json_is_object(it)) {
			/* items of a List inherit nothing; a nested List is not a thing */
			r = emit(k, json_incref(it), b);
		}
		free(b);
		if (r < 0)
			break;
	}
	json_decref(root);
	return r;
}

int mmr_k8s_parse(struct mmr_iac_set *set, const void *data, size_t len, const char *file,
		  const struct mmr_limits *limits, struct mmr_error *reterr)
{
	struct mmr_limits def;
	int brc = mmr_iac_parse_begin(&limits, &def, &file, "<manifest>", "manifest", len, reterr);
	if (brc < 0)
		return brc;
	struct k8s k = {
		.set = set,
		.a = set->arena,
		.file = mmr_arena_strdup(set->arena, file),
		.src = data,
		.srclen = len,
		.max_depth = limits->max_json_depth ? (size_t)limits->max_json_depth : 256,
	};
	if (!k.file)
		return -ENOMEM;
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp))
		return -ENOMEM;
	yaml_parser_set_input_string(&yp, data, len);
	int r = 0;
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&yp, &doc)) {
			r = mmr_error_set(reterr, EBADMSG, file, yp.problem_mark.line + 1,
					  yp.problem_mark.column + 1, "YAML: %s%s%s",
					  yp.problem ? yp.problem : "syntax error",
					  yp.context ? " " : "", yp.context ? yp.context : "");
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) { /* end of stream */
			yaml_document_delete(&doc);
			break;
		}
		k.doc = &doc;
		k.pos = json_object();
		k.err = 0;
		unsigned long end = 0;
		json_t *v = k.pos ? conv(&k, 1, "", 0, &end) : NULL;
		if (v)
			put_range(&k, "", root->start_mark.line + 1, end);
		yaml_document_delete(&doc);
		if (!v) {
			json_decref(k.pos);
			int e = k.err ? k.err : -ENOMEM;
			if (e == -E2BIG)
				r = mmr_error_set(reterr, E2BIG, file, root ? 0 : 0, 0,
						  "manifest nests deeper than %zu or expands to more than %d nodes (max-json-depth)",
						  k.max_depth, MMR_K8S_MAX_NODES);
			else
				r = e;
			break;
		}
		r = emit_doc(&k, v);
		json_decref(k.pos);
		k.pos = NULL;
		if (r == -E2BIG)
			r = mmr_error_set(reterr, E2BIG, file, 0, 0, "more than %d objects in one file",
					  MMR_K8S_MAX_OBJECTS);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&yp);
	return r;
}

/* ---- sniffing and walking --------------------------------------------------- */

static bool top_key(const char *p, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl < n; i++) {
		if ((i == 0 || p[i - 1] == '\n') && !memcmp(p + i, key, kl))
			return true;
		/* JSON: "key" anywhere */
		if (p[i] == '"' && i + kl + 1 < n && !memcmp(p + i + 1, key, kl - 1) &&
		    p[i + kl] == '"')
			return true;
	}
	return false;
}

bool mmr_k8s_is_manifest(const void *data, size_t len)
{
	const char *p = data;
	size_t n = len < (1 << 20) ? len : (1 << 20);
	if (!top_key(p, n, "apiVersion:") || !top_key(p, n, "kind:"))
		return false;
	if (memmem(p, n, "{{", 2) && memmem(p, n, "}}", 2)) /* an unrendered Helm template */
		return false;
	return !memmem(p, n, "AWSTemplateFormatVersion", 24);
}

static bool k8s_ext(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml") || !strcmp(dot, ".json"));
}

static void scan_file(struct mmr_iac_set *set, const char *path, const struct mmr_limits *lim)
{
	char *buf;
	size_t got;
	if (mmr_iac_read_file(path, lim, &buf, &got) < 0)
		return;
	if (mmr_k8s_is_manifest(buf, got)) {
		struct mmr_error e = { 0 };
		if (mmr_k8s_parse(set, buf, got, path, lim, &e) < 0)
			mmr_iac_add_error(set, path, &e);
	}
	free(buf);
}

int mmr_k8s_scan(struct mmr_iac_set *set, const char *path, const struct mmr_limits *limits,
		 struct mmr_error *reterr)
{
	return mmr_iac_walk(set, path, limits, k8s_ext, scan_file, reterr);
}
