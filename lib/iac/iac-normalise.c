/* iac-normalise.c - normalised resource documents (see iac-normalise.h and
 * docs/iac/resource-types.md).
 *
 * Each normalised type has a builder that reads the primary resource and
 * its satellites through get() (a path whose steps descend into the first
 * element of Terraform's block lists) and writes through put(), which also
 * copies the source position. Simple one-resource types are rows of a
 * field table. */
#include "iac/iac-normalise.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-json.h"
#include "core/core-vec.h"

#define MAX_PTR 512

struct nz {
	struct mmr_iac_set *s;
	struct mmr_arena *a;
	struct mmr_map by_type; /* raw type -> struct mmr_vec * of resources */
	struct mmr_map files;   /* path -> file text (for attribute text), or "" */
	struct mmr_iac_resource *prim;
	json_t *doc, *pos;      /* the normalised document being built */
	int err;
};

/* ---- reading sources ---------------------------------------------------- */

/* Value at path ("a/b/c"), descending into the first element of arrays on
 * the way (Terraform blocks); NULL if absent. An unknown on the way is
 * returned as is. ptr receives the JSON Pointer of what was found. */
static json_t *get(const struct mmr_iac_resource *r, const char *path, char *ptr)
{
	json_t *v = r->doc;
	size_t pl = 0;
	ptr[0] = 0;
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (json_is_array(v)) {
			if (!json_array_size(v) || pl + 3 >= MAX_PTR)
				return NULL;
			v = json_array_get(v, 0);
			memcpy(ptr + pl, "/0", 3);
			pl += 2;
		}
		if (mmr_iac_is_unknown(v))
			return v;
		if (!json_is_object(v) || n >= 128 || pl + n + 2 >= MAX_PTR)
			return NULL;
		char key[128];
		memcpy(key, p, n);
		key[n] = 0;
		v = json_object_get(v, key);
		if (!v)
			return NULL;
		ptr[pl++] = '/';
		memcpy(ptr + pl, key, n + 1);
		pl += n;
		p = e ? e + 1 : p + n;
	}
	return v;
}

/* Same, without descending into a final array (lists stay lists). */
static json_t *getv(const struct mmr_iac_resource *r, const char *path)
{
	char ptr[MAX_PTR];
	return get(r, path, ptr);
}

static json_t *pos_of(const struct mmr_iac_resource *r, const char *ptr)
{
	char p[MAX_PTR];
	snprintf(p, sizeof(p), "%s", ptr);
	while (p[0]) {
		json_t *x = json_object_get(r->pos, p);
		if (json_is_array(x))
			return x;
		char *sl = strrchr(p, '/');
		if (!sl)
			break;
		*sl = 0;
	}
	return NULL;
}

/* ---- writing the normalised document ----------------------------------- */

static void put_pos(struct nz *z, const char *dpath, const struct mmr_iac_resource *src,
		    const char *sptr)
{
	json_t *r = src && sptr[0] ? pos_of(src, sptr) : NULL;
	json_t *np;
	if (r)
		np = json_pack("[OO]", json_array_get(r, 0), json_array_get(r, 1));
	else if (src && !sptr[0] && src->line_start) /* the whole resource */
		np = json_pack("[II]", (json_int_t)src->line_start, (json_int_t)src->line_end);
	else
		return;
	if (!np)
		return;
	if (src->file && z->prim->file && strcmp(src->file, z->prim->file))
		json_array_append_new(np, json_string(src->file));
	char dp[MAX_PTR];
	snprintf(dp, sizeof(dp), "/%s", dpath);
	json_object_set_new(z->pos, dp, np);
}

/* Set doc[dpath] = v (stolen), creating objects on the way. */
static void put(struct nz *z, const char *dpath, json_t *v, const struct mmr_iac_resource *src,
		const char *sptr)
{
	if (!v)
		return;
	json_t *o = z->doc;
	const char *p = dpath;
	for (;;) {
		const char *e = strchr(p, '/');
		if (!e) {
			json_object_set_new(o, p, v);
			break;
		}
		char key[128];
		size_t n = (size_t)(e - p);
		if (n >= sizeof(key)) {
			json_decref(v);
			return;
		}
		memcpy(key, p, n);
		key[n] = 0;
		json_t *c = json_object_get(o, key);
		if (!json_is_object(c) || mmr_iac_is_unknown(c)) {
			c = json_object();
			json_object_set_new(o, key, c);
		}
		o = c;
		p = e + 1;
	}
	if (sptr)
		put_pos(z, dpath, src, sptr);
}

/* put() the value found at spath in src, if any. */
static bool copy(struct nz *z, const char *dpath, const struct mmr_iac_resource *src,
		 const char *spath)
{
	char ptr[MAX_PTR];
	json_t *v = src ? get(src, spath, ptr) : NULL;
	if (!v)
		return false;
	put(z, dpath, json_deep_copy(v), src, ptr);
	return true;
}

static void put_default(struct nz *z, const char *dpath, json_t *v)
{
	char dp[MAX_PTR];
	json_t *o = z->doc;
	snprintf(dp, sizeof(dp), "%s", dpath);
	/* only when nothing was put there */
	for (char *p = dp;;) {
		char *e = strchr(p, '/');
		if (e)
			*e = 0;
		json_t *c = json_object_get(o, p);
		if (!c)
			break;
		if (!e) {
			json_decref(v);
			return;
		}
		if (!json_is_object(c) || mmr_iac_is_unknown(c)) {
			json_decref(v);
			return;
		}
		o = c;
		p = e + 1;
	}
	put(z, dpath, v, NULL, NULL);
}

/* Truth of a source value: bool, "true"/"false", or equality to `on`
 * ("Enabled") for strings; unknown stays unknown; NULL when not a truth. */
static json_t *truth(const json_t *v, const char *on)
{
	if (!v)
		return NULL;
	if (mmr_iac_is_unknown(v))
		return mmr_iac_unknown();
	if (json_is_boolean(v))
		return json_incref((json_t *)v);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (on && !strcasecmp(s, on))
			return json_true();
		if (!strcasecmp(s, "true"))
			return json_true();
		if (!strcasecmp(s, "false") || on)
			return json_false();
	}
	if (json_is_integer(v))
		return json_boolean(json_integer_value(v) != 0);
	return NULL;
}

static bool put_truth(struct nz *z, const char *dpath, const struct mmr_iac_resource *src,
		      const char *spath, const char *on)
{
	char ptr[MAX_PTR];
	json_t *v = src ? get(src, spath, ptr) : NULL;
	json_t *t = truth(v, on);
	if (!t)
		return false;
	put(z, dpath, t, src, ptr);
	return true;
}

/* Number from a number or numeric string (CloudFormation ports); else a copy. */
static json_t *num(const json_t *v)
{
	if (json_is_string(v)) {
		char *end;
		const char *s = json_string_value(v);
		long long x = strtoll(s, &end, 10);
		if (end != s && !*end)
			return json_integer(x);
	}
	return json_deep_copy(v);
}

/* A list from a list, a single value, or nothing. */
static json_t *as_list(const json_t *v)
{
	if (!v)
		return json_array();
	if (json_is_array(v) || mmr_iac_is_unknown(v))
		return json_deep_copy(v);
	return json_pack("[O]", v);
}

/* ---- finding satellites ------------------------------------------------- */

static struct mmr_vec *of_type(struct nz *z, const char *t)
{
	return mmr_map_get(&z->by_type, t);
}

/* ref names addr: equal, addr is an instance of ref ("x.b" / "x.b[0]"), or
 * ref is an attribute of addr ("x.b.id"). */
static bool ref_names(const char *ref, const char *addr)
{
	size_t rl = strlen(ref), al = strlen(addr);
	if (rl == al)
		return !strcmp(ref, addr);
	if (rl < al)
		return !strncmp(ref, addr, rl) && addr[rl] == '[';
	return !strncmp(ref, addr, al) && (ref[al] == '.' || ref[al] == '[');
}

static const char *file_text(struct nz *z, const char *path)
{
	if (!path)
		return NULL;
	const char *t = mmr_map_get(&z->files, path);
	if (t)
		return *t ? t : NULL;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (64 << 20)) {
		buf = mmr_arena_alloc(z->a, (size_t)st.st_size + 1);
		size_t got = 0;
		while (buf && got < (size_t)st.st_size) {
			ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		if (buf)
			buf[got] = 0;
	}
	if (fd >= 0)
		close(fd);
	char *key = mmr_arena_strdup(z->a, path);
	if (key)
		mmr_map_put(&z->files, key, buf ? buf : (char *)"");
	return buf;
}

/* Does the source text of sat's attribute `attr` name prim (its address
 * without the module prefix)? -1 when the text is not available. */
static int attr_names(struct nz *z, const struct mmr_iac_resource *sat, const char *attr,
		      const struct mmr_iac_resource *prim)
{
	char p[MAX_PTR];
	snprintf(p, sizeof(p), "/%s", attr);
	json_t *r = json_object_get(sat->pos, p);
	const char *t = file_text(z, sat->file);
	if (!json_is_array(r) || !t)
		return -1;
	unsigned long s = (unsigned long)json_integer_value(json_array_get(r, 0));
	unsigned long e = (unsigned long)json_integer_value(json_array_get(r, 1));
	const char *a = prim->address, *m;
	while ((m = strstr(a, "module.")) == a) {
		const char *dot = strchr(a + 7, '.');
		if (!dot)
			break;
		a = dot + 1;
	}
	char base[256];
	snprintf(base, sizeof(base), "%.*s", (int)strcspn(a, "["), a);
	unsigned long line = 1;
	for (const char *q = t; *q && line <= e;) {
		const char *nl = strchr(q, '\n');
		size_t n = nl ? (size_t)(nl - q) : strlen(q);
		if (line >= s) {
			const char *f = memmem(q, n, base, strlen(base));
			if (f) {
				char after = f[strlen(base)];
				if (after != '_' && !(after >= 'a' && after <= 'z') &&
				    !(after >= 'A' && after <= 'Z') && !(after >= '0' && after <= '9') &&
				    after != '-')
					return 1;
			}
		}
		if (!nl)
			break;
		q = nl + 1;
		line++;
	}
	return 0;
}

/* Is satellite `sat` attached to prim through its attribute `attr`?
 * name_attr: prim's attribute holding the name a literal would use. */
static bool joined(struct nz *z, const struct mmr_iac_resource *sat, const char *attr,
		   const struct mmr_iac_resource *prim, const char *name_attr)
{
	json_t *v = json_object_get(sat->doc, attr);
	if (json_is_string(v)) {
		const char *pn = name_attr ? mmr_json_str(prim->doc, name_attr) : NULL;
		if (pn && !strcmp(pn, json_string_value(v)))
			return true;
		if (!strcmp(prim->address, json_string_value(v)))
			return true;
	}
	/* by reference: prim among sat's refs; if sat references several
	 * resources of prim's type, the attribute's text decides */
	bool mine = false;
	size_t same = 0;
	for (size_t i = 0; i < sat->refs.n && !mine; i++)
		mine = ref_names(sat->refs.v[i], prim->address);
	if (!mine)
		return false;
	struct mmr_vec *pv = of_type(z, prim->raw_type);
	for (size_t i = 0; i < sat->refs.n && !same; i++) {
		const char *ref = sat->refs.v[i];
		for (size_t k = 0; pv && k < pv->n; k++) {
			const struct mmr_iac_resource *o = pv->v[k];
			if (o != prim && ref_names(ref, o->address)) {
				same++;
				break;
			}
		}
	}
	if (!mine)
		return false;
	if (json_is_string(v))
		return false; /* a literal name that is not prim's */
	if (!same)
		return true;
	return attr_names(z, sat, attr, prim) != 0;
}

static void note_ref(struct nz *z, const struct mmr_iac_resource *sat)
{
	struct mmr_vec *refs = &z->prim->refs;
	for (size_t i = 0; i < refs->n; i++)
		if (!strcmp(refs->v[i], sat->address))
			return;
	if (refs->n < 4096)
		mmr_vec_push(z->a, refs, (void *)sat->address);
}

/* Call fn for each satellite of type t attached to the primary. */
#define EACH_SAT(z, t, attr, name_attr, sat)                                                   \
	for (struct mmr_vec *sv_ = of_type(z, t); sv_; sv_ = NULL)                             \
		for (size_t si_ = 0; si_ < sv_->n; si_++)                                      \
			for (const struct mmr_iac_resource *sat = sv_->v[si_];                 \
			     sat && joined(z, sat, attr, z->prim, name_attr) && (note_ref(z, sat), 1); \
			     sat = NULL)

/* ---- policy documents -------------------------------------------------------- */

static json_t *decode_policy(const json_t *v)
{
	if (!v)
		return NULL;
	if (mmr_iac_is_unknown(v))
		return mmr_iac_unknown();
	if (json_is_string(v)) {
		json_error_t je;
		json_t *d = json_loads(json_string_value(v), JSON_DECODE_ANY, &je);
		if (!json_is_object(d)) {
			json_decref(d);
			return mmr_iac_unknown();
		}
		return d;
	}
	if (json_is_object(v))
		return json_deep_copy(v);
	return mmr_iac_unknown();
}

static json_t *list_of(const json_t *st, const char *key)
{
	json_t *v = json_object_get(st, key);
	return v ? as_list(v) : NULL;
}

/* {Version, Statement} -> {version, statements: [{sid, effect, actions,
 * not_actions, resources, not_resources, principals, not_principals,
 * conditions}]} with single values as lists and principals as
 * {"AWS": [...], "Service": [...]} ("*" -> {"AWS": ["*"]}). */
static json_t *norm_policy(const json_t *v)
{
	json_t *d = decode_policy(v);
	if (!d || mmr_iac_is_unknown(d))
		return d;
	json_t *out = json_object();
	json_t *ver = json_object_get(d, "Version");
	json_object_set(out, "version", ver ? ver : json_null());
	json_t *sts = json_array();
	json_t *src = json_object_get(d, "Statement");
	if (mmr_iac_is_unknown(src)) {
		json_decref(sts);
		json_object_set_new(out, "statements", mmr_iac_unknown());
		json_object_set_new(out, "document", d);
		return out;
	}
	json_t *l = as_list(src);
	size_t i;
	json_t *st;
	json_array_foreach(l, i, st)
	{
		if (!json_is_object(st)) {
			json_array_append_new(sts, mmr_iac_unknown());
			continue;
		}
		json_t *n = json_object();
		static const struct {
			const char *from, *to;
		} lists[] = { { "Action", "actions" }, { "NotAction", "not_actions" },
			      { "Resource", "resources" }, { "NotResource", "not_resources" } };
		json_t *e = json_object_get(st, "Effect");
		json_object_set_new(n, "effect", e ? json_deep_copy(e) : json_string("Allow"));
		json_t *sid = json_object_get(st, "Sid");
		if (sid)
			json_object_set_new(n, "sid", json_deep_copy(sid));
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			json_t *x = list_of(st, lists[k].from);
			json_object_set_new(n, lists[k].to, x ? x : json_array());
		}
		static const char *const pr[] = { "Principal", "NotPrincipal" };
		static const char *const prn[] = { "principals", "not_principals" };
		for (size_t k = 0; k < 2; k++) {
			json_t *p = json_object_get(st, pr[k]);
			json_t *np;
			if (!p)
				continue;
			if (json_is_string(p)) {
				np = json_pack("{s[O]}", "AWS", p);
			} else if (json_is_object(p) && !mmr_iac_is_unknown(p)) {
				np = json_object();
				const char *pk;
				json_t *pv;
				json_object_foreach(p, pk, pv)
				json_object_set_new(np, pk, as_list(pv));
			} else {
				np = json_deep_copy(p);
			}
			json_object_set_new(n, prn[k], np);
		}
		json_t *c = json_object_get(st, "Condition");
		json_object_set_new(n, "conditions", c ? json_deep_copy(c) : json_object());
		json_array_append_new(sts, n);
	}
	json_decref(l);
	json_object_set_new(out, "statements", sts);
	json_object_set_new(out, "document", d);
	return out;
}

static void put_policy(struct nz *z, const char *dpath, const struct mmr_iac_resource *src,
		       const char *spath)
{
	char ptr[MAX_PTR];
	json_t *v = get(src, spath, ptr);
	if (v)
		put(z, dpath, norm_policy(v), src, ptr);
}

/* ---- aws.s3.bucket ------------------------------------------------------------- */

static const char *cfn_acl(const char *s)
{
	static const char *const m[][2] = {
		{ "Private", "private" },
		{ "PublicRead", "public-read" },
		{ "PublicReadWrite", "public-read-write" },
		{ "AuthenticatedRead", "authenticated-read" },
		{ "LogDeliveryWrite", "log-delivery-write" },
		{ "BucketOwnerRead", "bucket-owner-read" },
		{ "BucketOwnerFullControl", "bucket-owner-full-control" },
		{ "AwsExecRead", "aws-exec-read" },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(s, m[i][0]))
			return m[i][1];
	return s;
}

static const char *const pab_keys[][3] = {
	{ "block_public_acls", "BlockPublicAcls" },
	{ "block_public_policy", "BlockPublicPolicy" },
	{ "ignore_public_acls", "IgnorePublicAcls" },
	{ "restrict_public_buckets", "RestrictPublicBuckets" },
};

static void s3_tf(struct nz *z)
{
	const struct mmr_iac_resource *b = z->prim;
	char d[128];
	copy(z, "name", b, "bucket");
	copy(z, "acl", b, "acl");
	/* inline (provider v3) blocks */
	const char *sse = "server_side_encryption_configuration/rule/apply_server_side_encryption_by_default";
	char sp[256];
	snprintf(sp, sizeof(sp), "%s/sse_algorithm", sse);
	if (copy(z, "encryption/algorithm", b, sp))
		put(z, "encryption/enabled", json_true(), b, "/server_side_encryption_configuration");
	snprintf(sp, sizeof(sp), "%s/kms_master_key_id", sse);
	copy(z, "encryption/kms_key_id", b, sp);
	put_truth(z, "encryption/bucket_key_enabled", b,
		  "server_side_encryption_configuration/rule/bucket_key_enabled", NULL);
	put_truth(z, "versioning/enabled", b, "versioning/enabled", NULL);
	put_truth(z, "versioning/mfa_delete", b, "versioning/mfa_delete", NULL);
	if (copy(z, "logging/target_bucket", b, "logging/target_bucket")) {
		put(z, "logging/enabled", json_true(), b, "/logging");
		copy(z, "logging/target_prefix", b, "logging/target_prefix");
	}
	put_policy(z, "policy", b, "policy");
	if (getv(b, "lifecycle_rule"))
		put(z, "lifecycle/enabled", json_true(), b, "/lifecycle_rule");
	put_truth(z, "object_lock/enabled", b, "object_lock_enabled", NULL);
	/* satellites (provider v4+) */
	EACH_SAT(z, "aws_s3_bucket_acl", "bucket", "bucket", s)
	{
		copy(z, "acl", s, "acl");
	}
	EACH_SAT(z, "aws_s3_bucket_public_access_block", "bucket", "bucket", s)
	{
		for (size_t i = 0; i < 4; i++) {
			snprintf(d, sizeof(d), "public_access_block/%s", pab_keys[i][0]);
			put_truth(z, d, s, pab_keys[i][0], NULL);
		}
	}
	EACH_SAT(z, "aws_s3_bucket_server_side_encryption_configuration", "bucket", "bucket", s)
	{
		if (copy(z, "encryption/algorithm", s,
			 "rule/apply_server_side_encryption_by_default/sse_algorithm"))
			put(z, "encryption/enabled", json_true(), s, "/rule");
		copy(z, "encryption/kms_key_id", s,
		     "rule/apply_server_side_encryption_by_default/kms_master_key_id");
		put_truth(z, "encryption/bucket_key_enabled", s, "rule/bucket_key_enabled", NULL);
	}
	EACH_SAT(z, "aws_s3_bucket_versioning", "bucket", "bucket", s)
	{
		put_truth(z, "versioning/enabled", s, "versioning_configuration/status", "Enabled");
		put_truth(z, "versioning/mfa_delete", s, "versioning_configuration/mfa_delete",
			  "Enabled");
	}
	EACH_SAT(z, "aws_s3_bucket_logging", "bucket", "bucket", s)
	{
		put(z, "logging/enabled", json_true(), s, "/bucket");
		copy(z, "logging/target_bucket", s, "target_bucket");
		copy(z, "logging/target_prefix", s, "target_prefix");
	}
	EACH_SAT(z, "aws_s3_bucket_policy", "bucket", "bucket", s)
	{
		put_policy(z, "policy", s, "policy");
	}
	EACH_SAT(z, "aws_s3_bucket_lifecycle_configuration", "bucket", "bucket", s)
	{
		put(z, "lifecycle/enabled", json_true(), s, "/rule");
	}
	EACH_SAT(z, "aws_s3_bucket_object_lock_configuration", "bucket", "bucket", s)
	{
		put_truth(z, "object_lock/enabled", s, "object_lock_enabled", "Enabled");
	}
}

static void s3_cfn(struct nz *z)
{
	const struct mmr_iac_resource *b = z->prim;
	char d[128], sp[128], ptr[MAX_PTR];
	copy(z, "name", b, "BucketName");
	json_t *acl = get(b, "AccessControl", ptr);
	if (json_is_string(acl))
		put(z, "acl", json_string(cfn_acl(json_string_value(acl))), b, ptr);
	else if (acl)
		put(z, "acl", json_deep_copy(acl), b, ptr);
	for (size_t i = 0; i < 4; i++) {
		snprintf(d, sizeof(d), "public_access_block/%s", pab_keys[i][0]);
		snprintf(sp, sizeof(sp), "PublicAccessBlockConfiguration/%s", pab_keys[i][1]);
		if (!put_truth(z, d, b, sp, NULL) && getv(b, "PublicAccessBlockConfiguration"))
			put(z, d, json_false(), b, "/PublicAccessBlockConfiguration");
	}
	const char *sse = "BucketEncryption/ServerSideEncryptionConfiguration/ServerSideEncryptionByDefault";
	snprintf(sp, sizeof(sp), "%s/SSEAlgorithm", sse);
	if (copy(z, "encryption/algorithm", b, sp))
		put(z, "encryption/enabled", json_true(), b, "/BucketEncryption");
	snprintf(sp, sizeof(sp), "%s/KMSMasterKeyID", sse);
	copy(z, "encryption/kms_key_id", b, sp);
	put_truth(z, "encryption/bucket_key_enabled", b,
		  "BucketEncryption/ServerSideEncryptionConfiguration/BucketKeyEnabled", NULL);
	put_truth(z, "versioning/enabled", b, "VersioningConfiguration/Status", "Enabled");
	if (getv(b, "LoggingConfiguration")) {
		put(z, "logging/enabled", json_true(), b, "/LoggingConfiguration");
		copy(z, "logging/target_bucket", b, "LoggingConfiguration/DestinationBucketName");
		copy(z, "logging/target_prefix", b, "LoggingConfiguration/LogFilePrefix");
	}
	json_t *rules = getv(b, "LifecycleConfiguration/Rules");
	if (json_is_array(rules) && json_array_size(rules))
		put(z, "lifecycle/enabled", json_true(), b, "/LifecycleConfiguration");
	put_truth(z, "object_lock/enabled", b, "ObjectLockEnabled", NULL);
	EACH_SAT(z, "AWS::S3::BucketPolicy", "Bucket", "BucketName", s)
	{
		put_policy(z, "policy", s, "PolicyDocument");
	}
}

static void s3_defaults(struct nz *z)
{
	for (size_t i = 0; i < 4; i++) {
		char d[128];
		snprintf(d, sizeof(d), "public_access_block/%s", pab_keys[i][0]);
		put_default(z, d, json_false());
	}
	put_default(z, "name", mmr_iac_unknown());
	put_default(z, "acl", json_string("private"));
	put_default(z, "encryption/enabled", json_false());
	put_default(z, "encryption/algorithm", json_null());
	put_default(z, "encryption/kms_key_id", json_null());
	put_default(z, "encryption/bucket_key_enabled", json_false());
	put_default(z, "versioning/enabled", json_false());
	put_default(z, "versioning/mfa_delete", json_false());
	put_default(z, "logging/enabled", json_false());
	put_default(z, "logging/target_bucket", json_null());
	put_default(z, "logging/target_prefix", json_null());
	put_default(z, "policy", json_null());
	put_default(z, "lifecycle/enabled", json_false());
	put_default(z, "object_lock/enabled", json_false());
}

static void s3(struct nz *z)
{
	if (!strcmp(z->prim->source, "cloudformation"))
		s3_cfn(z);
	else
		s3_tf(z);
	s3_defaults(z);
}

/* ---- aws.ec2.security_group ------------------------------------------------------- */

static json_t *proto(const json_t *v)
{
	if (!v)
		return json_string("-1");
	if (mmr_iac_is_unknown(v))
		return mmr_iac_unknown();
	char t[32];
	if (json_is_integer(v))
		snprintf(t, sizeof(t), "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(t, sizeof(t), "%s", json_string_value(v));
	else
		return json_deep_copy(v);
	for (char *p = t; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (!strcmp(t, "all") || !strcmp(t, "-1"))
		return json_string("-1");
	if (!strcmp(t, "6"))
		return json_string("tcp");
	if (!strcmp(t, "17"))
		return json_string("udp");
	if (!strcmp(t, "1"))
		return json_string("icmp");
	if (!strcmp(t, "58"))
		return json_string("icmpv6");
	return json_string(t);
}

/* One rule object from a source object (Terraform block/rule or CFN
 * ingress/egress entry); keys name the source's attributes. */
struct rule_keys {
	const char *proto, *from, *to, *cidr4, *cidr6, *sg, *self, *desc, *prefix;
};

static const struct rule_keys tf_keys = { "protocol", "from_port", "to_port", "cidr_blocks",
					  "ipv6_cidr_blocks", "security_groups", "self",
					  "description", "prefix_list_ids" };
static const struct rule_keys tf_rule_keys = { "protocol", "from_port", "to_port", "cidr_blocks",
					       "ipv6_cidr_blocks", "source_security_group_id", "self",
					       "description", "prefix_list_ids" };
static const struct rule_keys tf_vpc_keys = { "ip_protocol", "from_port", "to_port", "cidr_ipv4",
					      "cidr_ipv6", "referenced_security_group_id", NULL,
					      "description", "prefix_list_id" };
static const struct rule_keys cfn_keys = { "IpProtocol", "FromPort", "ToPort", "CidrIp",
					   "CidrIpv6", "SourceSecurityGroupId", NULL,
					   "Description", "SourcePrefixListId" };
static const struct rule_keys cfn_egress_keys = { "IpProtocol", "FromPort", "ToPort", "CidrIp",
						  "CidrIpv6", "DestinationSecurityGroupId", NULL,
						  "Description", "DestinationPrefixListId" };

static json_t *sg_rule(const json_t *o, const struct rule_keys *k)
{
	if (mmr_iac_is_unknown(o) || !json_is_object(o))
		return mmr_iac_unknown();
	json_t *r = json_object();
	json_t *p = proto(json_object_get(o, k->proto));
	bool all = json_is_string(p) && !strcmp(json_string_value(p), "-1");
	json_object_set_new(r, "protocol", p);
	json_t *f = json_object_get(o, k->from), *t = json_object_get(o, k->to);
	json_int_t fi = json_is_integer(f) ? json_integer_value(f) : 0;
	json_int_t ti = json_is_integer(t) ? json_integer_value(t) : 0;
	json_t *fn = f ? num(f) : NULL, *tn = t ? num(t) : NULL;
	if (fn && json_is_integer(fn))
		fi = json_integer_value(fn);
	if (tn && json_is_integer(tn))
		ti = json_integer_value(tn);
	if (all || (fi == -1 && ti == -1) || (!f && !t)) {
		json_object_set_new(r, "from_port", json_integer(0));
		json_object_set_new(r, "to_port", json_integer(65535));
		json_decref(fn);
		json_decref(tn);
	} else {
		json_object_set_new(r, "from_port", fn ? fn : json_integer(0));
		json_object_set_new(r, "to_port", tn ? tn : json_integer(65535));
	}
	json_object_set_new(r, "cidr_blocks", as_list(json_object_get(o, k->cidr4)));
	json_object_set_new(r, "ipv6_cidr_blocks", as_list(json_object_get(o, k->cidr6)));
	json_object_set_new(r, "security_groups", as_list(json_object_get(o, k->sg)));
	json_object_set_new(r, "prefix_lists", as_list(json_object_get(o, k->prefix)));
	json_t *self = k->self ? truth(json_object_get(o, k->self), NULL) : NULL;
	json_object_set_new(r, "self", self ? self : json_false());
	json_t *d = json_object_get(o, k->desc);
	json_object_set_new(r, "description", d ? json_deep_copy(d) : json_null());
	return r;
}

static void sg_add(struct nz *z, const char *dir, json_t *rule, const struct mmr_iac_resource *src,
		   const char *sptr)
{
	json_t *l = json_object_get(z->doc, dir);
	if (!json_is_array(l)) {
		l = json_array();
		json_object_set_new(z->doc, dir, l);
	}
	char dp[64];
	snprintf(dp, sizeof(dp), "%s/%zu", dir, json_array_size(l));
	json_array_append_new(l, rule);
	put_pos(z, dp, src, sptr);
}

/* Every element of the list at src's attribute `attr` as a rule. */
static void sg_list(struct nz *z, const char *dir, const struct mmr_iac_resource *src,
		    const char *attr, const struct rule_keys *k)
{
	json_t *l = json_object_get(src->doc, attr);
	if (!l)
		return;
	if (mmr_iac_is_unknown(l)) {
		sg_add(z, dir, mmr_iac_unknown(), src, "");
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(l, i, e)
	{
		char sp[MAX_PTR];
		snprintf(sp, sizeof(sp), "/%s/%zu", attr, i);
		sg_add(z, dir, sg_rule(e, k), src, sp);
	}
}

static void sg(struct nz *z)
{
	const struct mmr_iac_resource *g = z->prim;
	json_object_set_new(z->doc, "ingress", json_array());
	json_object_set_new(z->doc, "egress", json_array());
	if (!strcmp(g->source, "cloudformation")) {
		copy(z, "name", g, "GroupName");
		copy(z, "description", g, "GroupDescription");
		copy(z, "vpc_id", g, "VpcId");
		sg_list(z, "ingress", g, "SecurityGroupIngress", &cfn_keys);
		sg_list(z, "egress", g, "SecurityGroupEgress", &cfn_egress_keys);
		EACH_SAT(z, "AWS::EC2::SecurityGroupIngress", "GroupId", "GroupName", s)
		{
			sg_add(z, "ingress", sg_rule(s->doc, &cfn_keys), s, "");
		}
		EACH_SAT(z, "AWS::EC2::SecurityGroupEgress", "GroupId", "GroupName", s)
		{
			sg_add(z, "egress", sg_rule(s->doc, &cfn_egress_keys), s, "");
		}
	} else {
		copy(z, "name", g, "name");
		copy(z, "description", g, "description");
		copy(z, "vpc_id", g, "vpc_id");
		sg_list(z, "ingress", g, "ingress", &tf_keys);
		sg_list(z, "egress", g, "egress", &tf_keys);
		EACH_SAT(z, "aws_security_group_rule", "security_group_id", "name", s)
		{
			const char *t = mmr_json_str(s->doc, "type");
			sg_add(z, t && !strcmp(t, "egress") ? "egress" : "ingress",
			       sg_rule(s->doc, &tf_rule_keys), s, "");
		}
		EACH_SAT(z, "aws_vpc_security_group_ingress_rule", "security_group_id", "name", s)
		{
			sg_add(z, "ingress", sg_rule(s->doc, &tf_vpc_keys), s, "");
		}
		EACH_SAT(z, "aws_vpc_security_group_egress_rule", "security_group_id", "name", s)
		{
			sg_add(z, "egress", sg_rule(s->doc, &tf_vpc_keys), s, "");
		}
	}
	put_default(z, "name", json_null());
	put_default(z, "description", json_null());
	put_default(z, "vpc_id", json_null());
}

/* ---- aws.iam.policy / aws.iam.role ---------------------------------------------------- */

static void iam_policy(struct nz *z)
{
	const struct mmr_iac_resource *p = z->prim;
	if (!strcmp(p->source, "cloudformation")) {
		if (!copy(z, "name", p, "PolicyName"))
			copy(z, "name", p, "ManagedPolicyName");
		put_policy(z, "policy", p, "PolicyDocument");
		json_t *att = json_object();
		static const char *const k[][2] = {
			{ "Roles", "roles" }, { "Users", "users" }, { "Groups", "groups" }
		};
		for (size_t i = 0; i < 3; i++)
			json_object_set_new(att, k[i][1], as_list(json_object_get(p->doc, k[i][0])));
		put(z, "attached_to", att, NULL, NULL);
	} else {
		copy(z, "name", p, "name");
		put_policy(z, "policy", p, "policy");
		json_t *att = json_object();
		static const char *const k[][2] = { { "role", "roles" },
						    { "user", "users" },
						    { "group", "groups" } };
		for (size_t i = 0; i < 3; i++) {
			json_t *v = json_object_get(p->doc, k[i][0]);
			json_object_set_new(att, k[i][1], v ? as_list(v) : json_array());
		}
		put(z, "attached_to", att, NULL, NULL);
	}
	put_default(z, "name", json_null());
	put_default(z, "policy", mmr_iac_unknown());
}

static void iam_role(struct nz *z)
{
	const struct mmr_iac_resource *r = z->prim;
	json_t *inl = json_array(), *managed;
	json_object_set_new(z->doc, "inline_policies", inl);
	if (!strcmp(r->source, "cloudformation")) {
		copy(z, "name", r, "RoleName");
		put_policy(z, "assume_role_policy", r, "AssumeRolePolicyDocument");
		json_t *pl = json_object_get(r->doc, "Policies");
		size_t i;
		json_t *e;
		json_array_foreach(pl, i, e)
		{
			json_t *o = json_object();
			json_object_set(o, "name", json_object_get(e, "PolicyName") ?: json_null());
			json_t *pd = json_object_get(e, "PolicyDocument");
			json_object_set_new(o, "policy", pd ? norm_policy(pd) : mmr_iac_unknown());
			char dp[64], sp[64];
			snprintf(dp, sizeof(dp), "inline_policies/%zu", json_array_size(inl));
			snprintf(sp, sizeof(sp), "/Policies/%zu", i);
			json_array_append_new(inl, o);
			put_pos(z, dp, r, sp);
		}
		managed = as_list(json_object_get(r->doc, "ManagedPolicyArns"));
		put(z, "managed_policy_arns", managed, r, "/ManagedPolicyArns");
		copy(z, "permissions_boundary", r, "PermissionsBoundary");
	} else {
		copy(z, "name", r, "name");
		put_policy(z, "assume_role_policy", r, "assume_role_policy");
		json_t *pl = json_object_get(r->doc, "inline_policy");
		size_t i;
		json_t *e;
		json_array_foreach(pl, i, e)
		{
			json_t *o = json_object();
			json_object_set(o, "name", json_object_get(e, "name") ?: json_null());
			json_t *pd = json_object_get(e, "policy");
			json_object_set_new(o, "policy", pd ? norm_policy(pd) : mmr_iac_unknown());
			char dp[64], sp[64];
			snprintf(dp, sizeof(dp), "inline_policies/%zu", json_array_size(inl));
			snprintf(sp, sizeof(sp), "/inline_policy/%zu", i);
			json_array_append_new(inl, o);
			put_pos(z, dp, r, sp);
		}
		managed = as_list(json_object_get(r->doc, "managed_policy_arns"));
		put(z, "managed_policy_arns", managed, r, "/managed_policy_arns");
		copy(z, "permissions_boundary", r, "permissions_boundary");
		EACH_SAT(z, "aws_iam_role_policy", "role", "name", s)
		{
			json_t *o = json_object();
			json_object_set(o, "name", json_object_get(s->doc, "name") ?: json_null());
			json_t *pd = json_object_get(s->doc, "policy");
			json_object_set_new(o, "policy", pd ? norm_policy(pd) : mmr_iac_unknown());
			char dp[64];
			snprintf(dp, sizeof(dp), "inline_policies/%zu", json_array_size(inl));
			json_array_append_new(inl, o);
			put_pos(z, dp, s, "/policy");
		}
		EACH_SAT(z, "aws_iam_role_policy_attachment", "role", "name", s)
		{
			json_t *arn = json_object_get(s->doc, "policy_arn");
			json_t *m = json_object_get(z->doc, "managed_policy_arns");
			if (arn && json_is_array(m))
				json_array_append(m, arn);
		}
	}
	put_default(z, "name", json_null());
	put_default(z, "assume_role_policy", mmr_iac_unknown());
	put_default(z, "permissions_boundary", json_null());
}

/* ---- simple types: field tables -------------------------------------------------------- */

enum fkind { F_COPY, F_BOOL, F_NUM, F_LIST, F_PRESENT, F_POLICY };

struct field {
	const char *key;      /* normalised key (may contain '/') */
	enum fkind kind;
	const char *tf, *cfn; /* source paths, NULL when the source has none */
	const char *def;      /* JSON text of the default, NULL: none */
	const char *on;       /* F_BOOL: the string that means true ("Enabled") */
};

static void fields(struct nz *z, const struct field *f)
{
	bool cfn = !strcmp(z->prim->source, "cloudformation");
	for (; f->key; f++) {
		const char *path = cfn ? f->cfn : f->tf;
		char ptr[MAX_PTR];
		json_t *v = path ? get(z->prim, path, ptr) : NULL;
		if (v) {
			switch (f->kind) {
			case F_COPY:
				put(z, f->key, json_deep_copy(v), z->prim, ptr);
				break;
			case F_BOOL: {
				json_t *t = truth(v, f->on);
				put(z, f->key, t ? t : json_deep_copy(v), z->prim, ptr);
				break;
			}
			case F_NUM:
				put(z, f->key, num(v), z->prim, ptr);
				break;
			case F_LIST:
				put(z, f->key, as_list(v), z->prim, ptr);
				break;
			case F_PRESENT: /* `Logging: null` configures nothing */
				if (!json_is_null(v))
					put(z, f->key, json_true(), z->prim, ptr);
				break;
			case F_POLICY:
				put(z, f->key, norm_policy(v), z->prim, ptr);
				break;
			}
		}
		if (f->def) {
			json_error_t je;
			json_t *d = json_loads(f->def, JSON_DECODE_ANY, &je);
			if (d)
				put_default(z, f->key, d);
		}
	}
}

static const struct field rds_f[] = {
	{ "identifier", F_COPY, "identifier", "DBInstanceIdentifier", "null", NULL },
	{ "engine", F_COPY, "engine", "Engine", "null", NULL },
	{ "storage_encrypted", F_BOOL, "storage_encrypted", "StorageEncrypted", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ "publicly_accessible", F_BOOL, "publicly_accessible", "PubliclyAccessible", "false", NULL },
	{ "backup_retention_period", F_NUM, "backup_retention_period", "BackupRetentionPeriod", "1", NULL },
	{ "multi_az", F_BOOL, "multi_az", "MultiAZ", "false", NULL },
	{ "deletion_protection", F_BOOL, "deletion_protection", "DeletionProtection", "false", NULL },
	{ "iam_database_authentication", F_BOOL, "iam_database_authentication_enabled",
	  "EnableIAMDatabaseAuthentication", "false", NULL },
	{ "performance_insights/enabled", F_BOOL, "performance_insights_enabled",
	  "EnablePerformanceInsights", "false", NULL },
	{ "performance_insights/kms_key_id", F_COPY, "performance_insights_kms_key_id",
	  "PerformanceInsightsKMSKeyId", "null", NULL },
	{ "auto_minor_version_upgrade", F_BOOL, "auto_minor_version_upgrade",
	  "AutoMinorVersionUpgrade", "true", NULL },
	{ "monitoring_interval", F_NUM, "monitoring_interval", "MonitoringInterval", "0", NULL },
	{ "log_exports", F_LIST, "enabled_cloudwatch_logs_exports", "EnableCloudwatchLogsExports", "[]", NULL },
	{ "copy_tags_to_snapshot", F_BOOL, "copy_tags_to_snapshot", "CopyTagsToSnapshot", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field kms_f[] = {
	{ "description", F_COPY, "description", "Description", "null", NULL },
	{ "rotation_enabled", F_BOOL, "enable_key_rotation", "EnableKeyRotation", "false", NULL },
	{ "key_usage", F_COPY, "key_usage", "KeyUsage", "\"ENCRYPT_DECRYPT\"", NULL },
	{ "key_spec", F_COPY, "customer_master_key_spec", "KeySpec", "\"SYMMETRIC_DEFAULT\"", NULL },
	{ "enabled", F_BOOL, "is_enabled", "Enabled", "true", NULL },
	{ "deletion_window_days", F_NUM, "deletion_window_in_days", "PendingWindowInDays", "30", NULL },
	{ "multi_region", F_BOOL, "multi_region", "MultiRegion", "false", NULL },
	{ "policy", F_POLICY, "policy", "KeyPolicy", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field trail_f[] = {
	{ "name", F_COPY, "name", "TrailName", "null", NULL },
	{ "multi_region", F_BOOL, "is_multi_region_trail", "IsMultiRegionTrail", "false", NULL },
	{ "log_file_validation", F_BOOL, "enable_log_file_validation", "EnableLogFileValidation", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KMSKeyId", "null", NULL },
	/* the spelling trivy-checks' examples use; CloudFormation documents KMSKeyId */
	{ "kms_key_id", F_COPY, NULL, "KmsKeyId", NULL, NULL },
	{ "logging", F_BOOL, "enable_logging", "IsLogging", "true", NULL },
	{ "s3_bucket", F_COPY, "s3_bucket_name", "S3BucketName", "null", NULL },
	{ "cloudwatch_logs_group_arn", F_COPY, "cloud_watch_logs_group_arn", "CloudWatchLogsLogGroupArn", "null", NULL },
	{ "include_global_service_events", F_BOOL, "include_global_service_events",
	  "IncludeGlobalServiceEvents", "true", NULL },
	{ "sns_topic", F_COPY, "sns_topic_name", "SnsTopicName", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field eks_f[] = {
	{ "name", F_COPY, "name", "Name", "null", NULL },
	{ "version", F_COPY, "version", "Version", "null", NULL },
	{ "endpoint_public_access", F_BOOL, "vpc_config/endpoint_public_access",
	  "ResourcesVpcConfig/EndpointPublicAccess", "true", NULL },
	{ "endpoint_private_access", F_BOOL, "vpc_config/endpoint_private_access",
	  "ResourcesVpcConfig/EndpointPrivateAccess", "false", NULL },
	{ "public_access_cidrs", F_LIST, "vpc_config/public_access_cidrs",
	  "ResourcesVpcConfig/PublicAccessCidrs", "[\"0.0.0.0/0\"]", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

/* secrets_encryption: an encryption config covering "secrets" with a key */
static void eks(struct nz *z)
{
	bool cfn = !strcmp(z->prim->source, "cloudformation");
	char ptr[MAX_PTR], kptr[MAX_PTR];
	json_t *res = get(z->prim, cfn ? "EncryptionConfig/Resources" : "encryption_config/resources", ptr);
	json_t *key = get(z->prim, cfn ? "EncryptionConfig/Provider/KeyArn"
				       : "encryption_config/provider/key_arn", kptr);
	json_t *v;
	if (!res) {
		v = json_false();
	} else if (mmr_iac_is_unknown(res)) {
		v = mmr_iac_unknown();
	} else {
		bool sec = false;
		size_t i;
		json_t *e;
		json_array_foreach(res, i, e)
		{
			if (json_is_string(e) && !strcmp(json_string_value(e), "secrets"))
				sec = true;
		}
		if (json_is_string(res) && !strcmp(json_string_value(res), "secrets"))
			sec = true;
		/* a key known only after apply (a reference to a key) is a key */
		bool k = key && ((json_is_string(key) && json_string_length(key)) ||
				 mmr_iac_is_unknown(key));
		v = json_boolean(sec && k);
	}
	put(z, "secrets_encryption", v, z->prim, res ? ptr : "");
	/* log_types: CloudFormation lists {Type: api} objects */
	json_t *lt = get(z->prim, cfn ? "Logging/ClusterLogging/EnabledTypes" : "enabled_cluster_log_types", ptr);
	json_t *l = json_array();
	if (mmr_iac_is_unknown(lt)) {
		json_decref(l);
		l = mmr_iac_unknown();
	} else {
		json_t *all = cfn ? lt : json_object_get(z->prim->doc, "enabled_cluster_log_types");
		json_t *lst = as_list(all);
		size_t i;
		json_t *e;
		json_array_foreach(lst, i, e)
		{
			json_t *t = json_is_object(e) ? json_object_get(e, "Type") : e;
			if (t)
				json_array_append(l, t);
		}
		json_decref(lst);
	}
	put(z, "log_types", l, z->prim, lt ? ptr : NULL);
}

static const struct field lambda_f[] = {
	{ "name", F_COPY, "function_name", "FunctionName", "null", NULL },
	{ "runtime", F_COPY, "runtime", "Runtime", "null", NULL },
	{ "role", F_COPY, "role", "Role", "null", NULL },
	{ "tracing_mode", F_COPY, "tracing_config/mode", "TracingConfig/Mode", "\"PassThrough\"", NULL },
	{ "kms_key_arn", F_COPY, "kms_key_arn", "KmsKeyArn", "null", NULL },
	{ "environment", F_COPY, "environment/variables", "Environment/Variables", "{}", NULL },
	{ "in_vpc", F_PRESENT, "vpc_config", "VpcConfig", "false", NULL },
	{ "reserved_concurrency", F_NUM, "reserved_concurrent_executions",
	  "ReservedConcurrentExecutions", "null", NULL },
	{ "dead_letter_target", F_COPY, "dead_letter_config/target_arn", "DeadLetterConfig/TargetArn", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field ebs_f[] = {
	{ "encrypted", F_BOOL, "encrypted", "Encrypted", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ "size", F_NUM, "size", "Size", "null", NULL },
	{ "type", F_COPY, "type", "VolumeType", "\"gp2\"", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field sns_f[] = {
	{ "name", F_COPY, "name", "TopicName", "null", NULL },
	{ "kms_key_id", F_COPY, "kms_master_key_id", "KmsMasterKeyId", "null", NULL },
	{ "policy", F_POLICY, "policy", NULL, "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field sqs_f[] = {
	{ "name", F_COPY, "name", "QueueName", "null", NULL },
	{ "kms_key_id", F_COPY, "kms_master_key_id", "KmsMasterKeyId", "null", NULL },
	{ "sse_enabled", F_BOOL, "sqs_managed_sse_enabled", "SqsManagedSseEnabled", "true", NULL },
	{ "policy", F_POLICY, "policy", NULL, "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field ddb_f[] = {
	{ "name", F_COPY, "name", "TableName", "null", NULL },
	{ "encryption/enabled", F_BOOL, "server_side_encryption/enabled", "SSESpecification/SSEEnabled", "false", NULL },
	{ "encryption/kms_key_id", F_COPY, "server_side_encryption/kms_key_arn",
	  "SSESpecification/KMSMasterKeyId", "null", NULL },
	{ "point_in_time_recovery", F_BOOL, "point_in_time_recovery/enabled",
	  "PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled", "false", NULL },
	{ "deletion_protection", F_BOOL, "deletion_protection_enabled", "DeletionProtectionEnabled", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field ecr_f[] = {
	{ "name", F_COPY, "name", "RepositoryName", "null", NULL },
	{ "scan_on_push", F_BOOL, "image_scanning_configuration/scan_on_push",
	  "ImageScanningConfiguration/ScanOnPush", "false", NULL },
	{ "tag_immutable", F_BOOL, "image_tag_mutability", "ImageTagMutability", "false", "IMMUTABLE" },
	{ "encryption/type", F_COPY, "encryption_configuration/encryption_type",
	  "EncryptionConfiguration/EncryptionType", "\"AES256\"", NULL },
	{ "encryption/kms_key_id", F_COPY, "encryption_configuration/kms_key",
	  "EncryptionConfiguration/KmsKey", "null", NULL },
	{ "policy", F_POLICY, NULL, "RepositoryPolicyText", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field lb_f[] = {
	{ "name", F_COPY, "name", "Name", "null", NULL },
	{ "internal", F_BOOL, "internal", "Scheme", "false", "internal" },
	{ "type", F_COPY, "load_balancer_type", "Type", "\"application\"", NULL },
	{ "drop_invalid_headers", F_BOOL, "drop_invalid_header_fields", NULL, "false", NULL },
	{ "access_logs/enabled", F_BOOL, "access_logs/enabled", NULL, "false", NULL },
	{ "deletion_protection", F_BOOL, "enable_deletion_protection", NULL, "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field listener_f[] = {
	{ "protocol", F_COPY, "protocol", "Protocol", "null", NULL },
	{ "port", F_NUM, "port", "Port", "null", NULL },
	{ "ssl_policy", F_COPY, "ssl_policy", "SslPolicy", "null", NULL },
	{ "default_action_type", F_COPY, "default_action/type", "DefaultActions/Type", "null", NULL },
	{ "redirect_protocol", F_COPY, "default_action/redirect/protocol",
	  "DefaultActions/RedirectConfig/Protocol", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field az_storage_f[] = {
	{ "name", F_COPY, "name", NULL, "null", NULL },
	{ "https_only", F_BOOL, "enable_https_traffic_only", NULL, "true", NULL },
	{ "min_tls_version", F_COPY, "min_tls_version", NULL, "\"TLS1_2\"", NULL },
	{ "public_blob_access", F_BOOL, "allow_nested_items_to_be_public", NULL, "true", NULL },
	{ "public_network_access", F_BOOL, "public_network_access_enabled", NULL, "true", NULL },
	{ "network_default_action", F_COPY, "network_rules/default_action", NULL, "\"Allow\"", NULL },
	{ "replication_type", F_COPY, "account_replication_type", NULL, "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field az_kv_f[] = {
	{ "name", F_COPY, "name", NULL, "null", NULL },
	{ "purge_protection", F_BOOL, "purge_protection_enabled", NULL, "false", NULL },
	{ "soft_delete_retention_days", F_NUM, "soft_delete_retention_days", NULL, "90", NULL },
	{ "network_default_action", F_COPY, "network_acls/default_action", NULL, "\"Allow\"", NULL },
	{ "public_network_access", F_BOOL, "public_network_access_enabled", NULL, "true", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field gcs_f[] = {
	{ "name", F_COPY, "name", NULL, "null", NULL },
	{ "uniform_access", F_BOOL, "uniform_bucket_level_access", NULL, "false", NULL },
	{ "versioning", F_BOOL, "versioning/enabled", NULL, "false", NULL },
	{ "logging", F_PRESENT, "logging", NULL, "false", NULL },
	{ "kms_key_name", F_COPY, "encryption/default_kms_key_name", NULL, "null", NULL },
	{ "public_access_prevention", F_COPY, "public_access_prevention", NULL, "\"inherited\"", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field gce_f[] = {
	{ "name", F_COPY, "name", NULL, "null", NULL },
	{ "can_ip_forward", F_BOOL, "can_ip_forward", NULL, "false", NULL },
	{ "serial_port_enabled", F_BOOL, "metadata/serial-port-enable", NULL, "false", NULL },
	{ "os_login", F_BOOL, "metadata/enable-oslogin", NULL, "null", NULL },
	{ "block_project_ssh_keys", F_BOOL, "metadata/block-project-ssh-keys", NULL, "false", NULL },
	{ "shielded_vm/secure_boot", F_BOOL, "shielded_instance_config/enable_secure_boot", NULL, "false", NULL },
	{ "shielded_vm/vtpm", F_BOOL, "shielded_instance_config/enable_vtpm", NULL, "true", NULL },
	{ "shielded_vm/integrity_monitoring", F_BOOL,
	  "shielded_instance_config/enable_integrity_monitoring", NULL, "true", NULL },
	{ "service_account_email", F_COPY, "service_account/email", NULL, "null", NULL },
	{ "service_account_scopes", F_LIST, "service_account/scopes", NULL, "[]", NULL },
	{ "public_ip", F_PRESENT, "network_interface/access_config", NULL, "false", NULL },
	{ "disk_encryption_key", F_COPY, "boot_disk/disk_encryption_key_raw", NULL, "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static void gcp_fw(struct nz *z)
{
	const struct mmr_iac_resource *r = z->prim;
	copy(z, "name", r, "name");
	json_t *dir = json_object_get(r->doc, "direction");
	put(z, "direction", dir ? json_deep_copy(dir) : json_string("INGRESS"), r, "/direction");
	put(z, "source_ranges", as_list(json_object_get(r->doc, "source_ranges")), r, "/source_ranges");
	put(z, "destination_ranges", as_list(json_object_get(r->doc, "destination_ranges")), r,
	    "/destination_ranges");
	put_truth(z, "disabled", r, "disabled", NULL);
	put_default(z, "disabled", json_false());
	json_t *l = json_array();
	static const char *const kinds[] = { "allow", "deny" };
	for (size_t k = 0; k < 2; k++) {
		json_t *bl = json_object_get(r->doc, kinds[k]);
		size_t i;
		json_t *e;
		json_array_foreach(bl, i, e)
		{
			json_t *o = json_object();
			json_object_set_new(o, "action", json_string(kinds[k]));
			json_t *p = json_object_get(e, "protocol");
			json_object_set_new(o, "protocol", p ? proto(p) : json_string("-1"));
			json_object_set_new(o, "ports", as_list(json_object_get(e, "ports")));
			json_array_append_new(l, o);
		}
	}
	put(z, "rules", l, NULL, NULL);
	put_default(z, "name", json_null());
}

static void az_nsg(struct nz *z)
{
	const struct mmr_iac_resource *r = z->prim;
	copy(z, "name", r, "name");
	json_t *l = json_array();
	json_t *bl = json_object_get(r->doc, "security_rule");
	size_t i;
	json_t *e;
	json_array_foreach(bl, i, e)
	json_array_append(l, e);
	put(z, "rules", l, r, "/security_rule");
	json_t *rules = json_object_get(z->doc, "rules");
	EACH_SAT(z, "azurerm_network_security_rule", "network_security_group_name", "name", s)
	{
		json_array_append(rules, s->doc);
	}
	put_default(z, "name", json_null());
}

/* ---- more AWS services: keys named as the Terraform attributes ---------------------- */

static const struct field apigw_f[] = {
	{ "access_log_destination", F_COPY, "access_log_settings/destination_arn",
	  "AccessLogSetting/DestinationArn", "null", NULL },
	{ "tracing_enabled", F_BOOL, "xray_tracing_enabled", "TracingEnabled", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field apigw2_f[] = {
	{ "access_log_destination", F_COPY, "access_log_settings/destination_arn",
	  "AccessLogSettings/DestinationArn", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field athena_f[] = {
	{ "name", F_COPY, "name", "Name", "null", NULL },
	{ "encryption/enabled", F_PRESENT, "configuration/result_configuration/encryption_configuration",
	  "WorkGroupConfiguration/ResultConfiguration/EncryptionConfiguration", "false", NULL },
	{ "encryption/option", F_COPY,
	  "configuration/result_configuration/encryption_configuration/encryption_option",
	  "WorkGroupConfiguration/ResultConfiguration/EncryptionConfiguration/EncryptionOption", "null",
	  NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

#define CF_DC "DistributionConfig/"
static const struct field cloudfront_f[] = {
	{ "logging/enabled", F_PRESENT, "logging_config", CF_DC "Logging", "false", NULL },
	{ "logging/bucket", F_COPY, "logging_config/bucket", CF_DC "Logging/Bucket", "null", NULL },
	{ "web_acl_id", F_COPY, "web_acl_id", CF_DC "WebACLId", "null", NULL },
	{ "default_certificate", F_BOOL, "viewer_certificate/cloudfront_default_certificate",
	  CF_DC "ViewerCertificate/CloudFrontDefaultCertificate", "false", NULL },
	{ "minimum_protocol_version", F_COPY, "viewer_certificate/minimum_protocol_version",
	  CF_DC "ViewerCertificate/MinimumProtocolVersion", "\"TLSv1\"", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

/* viewer_protocol_policies: the default and every ordered cache behaviour's */
static void cloudfront(struct nz *z)
{
	bool cfn = !strcmp(z->prim->source, "cloudformation");
	json_t *dc = cfn ? json_object_get(z->prim->doc, "DistributionConfig") : z->prim->doc;
	const char *names[2] = { cfn ? "DefaultCacheBehavior" : "default_cache_behavior",
				 cfn ? "CacheBehaviors" : "ordered_cache_behavior" };
	const char *key = cfn ? "ViewerProtocolPolicy" : "viewer_protocol_policy";
	json_t *l = json_array();
	for (size_t k = 0; k < 2 && l; k++) {
		json_t *lst = as_list(json_object_get(dc, names[k]));
		size_t i;
		json_t *e;
		json_array_foreach(lst, i, e)
		{
			json_t *pp = json_object_get(e, key);
			if (pp)
				json_array_append(l, pp);
		}
		json_decref(lst);
	}
	put(z, "viewer_protocol_policies", l, NULL, NULL);
}
#undef CF_DC

static const struct field log_group_f[] = {
	{ "name", F_COPY, "name", "LogGroupName", "null", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ "retention_in_days", F_NUM, "retention_in_days", "RetentionInDays", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field db_cluster_f[] = {
	{ "identifier", F_COPY, "cluster_identifier", "DBClusterIdentifier", "null", NULL },
	{ "engine", F_COPY, "engine", "Engine", "null", NULL },
	{ "storage_encrypted", F_BOOL, "storage_encrypted", "StorageEncrypted", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ "backup_retention_period", F_NUM, "backup_retention_period", "BackupRetentionPeriod", "1", NULL },
	{ "deletion_protection", F_BOOL, "deletion_protection", "DeletionProtection", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

/* block_devices: [{device_name, encrypted, kms_key_id, snapshot_id}]; Terraform's
 * root device is always there (unencrypted unless said) */
static void ec2_block_devices(struct nz *z)
{
	const struct mmr_iac_resource *r = z->prim;
	json_t *l = json_array();
	if (!strcmp(r->source, "cloudformation")) {
		json_t *bdm = json_object_get(r->doc, "BlockDeviceMappings");
		size_t i;
		json_t *e;
		json_array_foreach(bdm, i, e)
		{
			json_t *ebs = json_object_get(e, "Ebs");
			if (!json_is_object(ebs))
				continue;
			json_t *enc = truth(json_object_get(ebs, "Encrypted"), NULL);
			json_t *d = json_pack("{s:O?, s:o, s:O?, s:O?}", "device_name",
					      json_object_get(e, "DeviceName"), "encrypted",
					      enc ? enc : json_false(), "kms_key_id",
					      json_object_get(ebs, "KmsKeyId"), "snapshot_id",
					      json_object_get(ebs, "SnapshotId"));
			if (d)
				json_array_append_new(l, d);
		}
		put(z, "block_devices", l, r, "/BlockDeviceMappings");
		return;
	}
	json_t *root = getv(r, "root_block_device");
	if (json_is_array(root))
		root = json_array_get(root, 0);
	json_t *enc = root ? truth(json_object_get(root, "encrypted"), NULL) : NULL;
	json_t *d = json_pack("{s:s, s:o, s:O?, s:n}", "device_name", "root", "encrypted",
			      enc ? enc : json_false(), "kms_key_id",
			      root ? json_object_get(root, "kms_key_id") : NULL, "snapshot_id");
	if (d)
		json_array_append_new(l, d);
	json_t *ebs = json_object_get(r->doc, "ebs_block_device");
	size_t i;
	json_t *e;
	json_array_foreach(ebs, i, e)
	{
		json_t *en = truth(json_object_get(e, "encrypted"), NULL);
		d = json_pack("{s:O?, s:o, s:O?, s:O?}", "device_name", json_object_get(e, "device_name"),
			      "encrypted", en ? en : json_false(), "kms_key_id",
			      json_object_get(e, "kms_key_id"), "snapshot_id",
			      json_object_get(e, "snapshot_id"));
		if (d)
			json_array_append_new(l, d);
	}
	put(z, "block_devices", l, NULL, NULL);
}

static const struct field instance_f[] = {
	{ "user_data", F_COPY, "user_data", "UserData", "null", NULL },
	{ "associate_public_ip_address", F_BOOL, "associate_public_ip_address",
	  "NetworkInterfaces/AssociatePublicIpAddress", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field launch_config_f[] = {
	{ "user_data", F_COPY, "user_data", "UserData", "null", NULL },
	{ "associate_public_ip_address", F_BOOL, "associate_public_ip_address",
	  "AssociatePublicIpAddress", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field launch_template_f[] = {
	{ "user_data", F_COPY, "user_data", "LaunchTemplateData/UserData", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field efs_f[] = {
	{ "encrypted", F_BOOL, "encrypted", "Encrypted", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field elasticache_f[] = {
	{ "at_rest_encryption_enabled", F_BOOL, "at_rest_encryption_enabled", "AtRestEncryptionEnabled",
	  "false", NULL },
	{ "transit_encryption_enabled", F_BOOL, "transit_encryption_enabled",
	  "TransitEncryptionEnabled", "false", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field search_f[] = {
	{ "encryption_at_rest", F_BOOL, "encrypt_at_rest/enabled", "EncryptionAtRestOptions/Enabled",
	  "false", NULL },
	{ "node_encryption", F_BOOL, "node_to_node_encryption/enabled",
	  "NodeToNodeEncryptionOptions/Enabled", "false", NULL },
	{ "https_enforced", F_BOOL, "domain_endpoint_options/enforce_https",
	  "DomainEndpointOptions/EnforceHTTPS", "false", NULL },
	{ "tls_policy", F_COPY, "domain_endpoint_options/tls_security_policy",
	  "DomainEndpointOptions/TLSSecurityPolicy", "\"Policy-Min-TLS-1-0-2019-07\"", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field kinesis_f[] = {
	{ "encryption_type", F_COPY, "encryption_type", "StreamEncryption/EncryptionType", "\"NONE\"", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "StreamEncryption/KeyId", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field lambda_perm_f[] = {
	{ "principal", F_COPY, "principal", "Principal", "null", NULL },
	{ "source_arn", F_COPY, "source_arn", "SourceArn", "null", NULL },
	{ "source_account", F_COPY, "source_account", "SourceAccount", "null", NULL },
	{ "principal_org_id", F_COPY, "principal_org_id", "PrincipalOrgID", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field msk_f[] = {
	{ "encryption_in_transit/client_broker", F_COPY,
	  "encryption_info/encryption_in_transit/client_broker",
	  "EncryptionInfo/EncryptionInTransit/ClientBroker", "\"TLS\"", NULL },
	{ "encryption_in_transit/in_cluster", F_BOOL, "encryption_info/encryption_in_transit/in_cluster",
	  "EncryptionInfo/EncryptionInTransit/InCluster", "true", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field secret_f[] = {
	{ "name", F_COPY, "name", "Name", "null", NULL },
	{ "kms_key_id", F_COPY, "kms_key_id", "KmsKeyId", "null", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

static const struct field workspace_f[] = {
	{ "root_volume_encryption_enabled", F_BOOL, "root_volume_encryption_enabled",
	  "RootVolumeEncryptionEnabled", "false", NULL },
	{ "user_volume_encryption_enabled", F_BOOL, "user_volume_encryption_enabled",
	  "UserVolumeEncryptionEnabled", "false", NULL },
	{ NULL, F_COPY, NULL, NULL, NULL, NULL },
};

/* CloudFormation load balancer attributes: [{Key, Value}] */
static void lb(struct nz *z)
{
	static const char *const keys[][2] = {
		{ "routing.http.drop_invalid_header_fields.enabled", "drop_invalid_headers" },
		{ "access_logs.s3.enabled", "access_logs/enabled" },
		{ "deletion_protection.enabled", "deletion_protection" },
	};
	if (strcmp(z->prim->source, "cloudformation"))
		return;
	json_t *attrs = json_object_get(z->prim->doc, "LoadBalancerAttributes");
	size_t i;
	json_t *e;
	json_array_foreach(attrs, i, e)
	{
		const char *k = json_string_value(json_object_get(e, "Key"));
		json_t *t = truth(json_object_get(e, "Value"), NULL);
		for (size_t j = 0; k && t && j < sizeof(keys) / sizeof(keys[0]); j++) {
			if (!strcmp(k, keys[j][0])) {
				char ptr[64];
				snprintf(ptr, sizeof(ptr), "/LoadBalancerAttributes/%zu", i);
				put(z, keys[j][1], json_incref(t), z->prim, ptr);
			}
		}
		json_decref(t);
	}
}

/* the queue policy: AWS::SQS::QueuePolicy naming the queue in Queues */
static void sqs(struct nz *z)
{
	if (strcmp(z->prim->source, "cloudformation"))
		return;
	EACH_SAT(z, "AWS::SQS::QueuePolicy", "Queues", "QueueName", s)
	{
		put_policy(z, "policy", s, "PolicyDocument");
	}
}

/* ---- the table ------------------------------------------------------------------------ */

struct ntype {
	const char *raw, *norm;
	void (*build)(struct nz *z);
	const struct field *fields;
};

static const struct ntype types[] = {
	{ "aws_s3_bucket", "aws.s3.bucket", s3, NULL },
	{ "AWS::S3::Bucket", "aws.s3.bucket", s3, NULL },
	{ "aws_security_group", "aws.ec2.security_group", sg, NULL },
	{ "AWS::EC2::SecurityGroup", "aws.ec2.security_group", sg, NULL },
	{ "aws_iam_policy", "aws.iam.policy", iam_policy, NULL },
	{ "aws_iam_role_policy", "aws.iam.policy", iam_policy, NULL },
	{ "aws_iam_user_policy", "aws.iam.policy", iam_policy, NULL },
	{ "aws_iam_group_policy", "aws.iam.policy", iam_policy, NULL },
	{ "AWS::IAM::Policy", "aws.iam.policy", iam_policy, NULL },
	{ "AWS::IAM::ManagedPolicy", "aws.iam.policy", iam_policy, NULL },
	{ "aws_iam_role", "aws.iam.role", iam_role, NULL },
	{ "AWS::IAM::Role", "aws.iam.role", iam_role, NULL },
	{ "aws_db_instance", "aws.rds.instance", NULL, rds_f },
	{ "AWS::RDS::DBInstance", "aws.rds.instance", NULL, rds_f },
	{ "aws_kms_key", "aws.kms.key", NULL, kms_f },
	{ "AWS::KMS::Key", "aws.kms.key", NULL, kms_f },
	{ "aws_cloudtrail", "aws.cloudtrail.trail", NULL, trail_f },
	{ "AWS::CloudTrail::Trail", "aws.cloudtrail.trail", NULL, trail_f },
	{ "aws_eks_cluster", "aws.eks.cluster", eks, eks_f },
	{ "AWS::EKS::Cluster", "aws.eks.cluster", eks, eks_f },
	{ "aws_lambda_function", "aws.lambda.function", NULL, lambda_f },
	{ "AWS::Lambda::Function", "aws.lambda.function", NULL, lambda_f },
	{ "AWS::Serverless::Function", "aws.lambda.function", NULL, lambda_f },
	{ "aws_ebs_volume", "aws.ebs.volume", NULL, ebs_f },
	{ "AWS::EC2::Volume", "aws.ebs.volume", NULL, ebs_f },
	{ "aws_sns_topic", "aws.sns.topic", NULL, sns_f },
	{ "AWS::SNS::Topic", "aws.sns.topic", NULL, sns_f },
	{ "aws_sqs_queue", "aws.sqs.queue", sqs, sqs_f },
	{ "AWS::SQS::Queue", "aws.sqs.queue", sqs, sqs_f },
	{ "aws_dynamodb_table", "aws.dynamodb.table", NULL, ddb_f },
	{ "AWS::DynamoDB::Table", "aws.dynamodb.table", NULL, ddb_f },
	{ "aws_ecr_repository", "aws.ecr.repository", NULL, ecr_f },
	{ "AWS::ECR::Repository", "aws.ecr.repository", NULL, ecr_f },
	{ "aws_lb", "aws.elb.load_balancer", lb, lb_f },
	{ "aws_alb", "aws.elb.load_balancer", lb, lb_f },
	{ "AWS::ElasticLoadBalancingV2::LoadBalancer", "aws.elb.load_balancer", lb, lb_f },
	{ "aws_lb_listener", "aws.elb.listener", NULL, listener_f },
	{ "aws_alb_listener", "aws.elb.listener", NULL, listener_f },
	{ "AWS::ElasticLoadBalancingV2::Listener", "aws.elb.listener", NULL, listener_f },
	{ "aws_api_gateway_stage", "aws.apigateway.stage", NULL, apigw_f },
	{ "AWS::ApiGateway::Stage", "aws.apigateway.stage", NULL, apigw_f },
	{ "aws_apigatewayv2_stage", "aws.apigateway.stage", NULL, apigw2_f },
	{ "AWS::ApiGatewayV2::Stage", "aws.apigateway.stage", NULL, apigw2_f },
	{ "aws_athena_workgroup", "aws.athena.workgroup", NULL, athena_f },
	{ "AWS::Athena::WorkGroup", "aws.athena.workgroup", NULL, athena_f },
	{ "aws_cloudfront_distribution", "aws.cloudfront.distribution", cloudfront, cloudfront_f },
	{ "AWS::CloudFront::Distribution", "aws.cloudfront.distribution", cloudfront, cloudfront_f },
	{ "aws_cloudwatch_log_group", "aws.logs.log_group", NULL, log_group_f },
	{ "AWS::Logs::LogGroup", "aws.logs.log_group", NULL, log_group_f },
	{ "aws_rds_cluster", "aws.rds.cluster", NULL, db_cluster_f },
	{ "AWS::RDS::DBCluster", "aws.rds.cluster", NULL, db_cluster_f },
	{ "aws_docdb_cluster", "aws.docdb.cluster", NULL, db_cluster_f },
	{ "AWS::DocDB::DBCluster", "aws.docdb.cluster", NULL, db_cluster_f },
	{ "aws_neptune_cluster", "aws.neptune.cluster", NULL, db_cluster_f },
	{ "AWS::Neptune::DBCluster", "aws.neptune.cluster", NULL, db_cluster_f },
	{ "aws_instance", "aws.ec2.instance", ec2_block_devices, instance_f },
	{ "AWS::EC2::Instance", "aws.ec2.instance", ec2_block_devices, instance_f },
	{ "aws_launch_configuration", "aws.ec2.launch_configuration", ec2_block_devices, launch_config_f },
	{ "AWS::AutoScaling::LaunchConfiguration", "aws.ec2.launch_configuration", ec2_block_devices,
	  launch_config_f },
	{ "aws_launch_template", "aws.ec2.launch_template", NULL, launch_template_f },
	{ "AWS::EC2::LaunchTemplate", "aws.ec2.launch_template", NULL, launch_template_f },
	{ "aws_efs_file_system", "aws.efs.file_system", NULL, efs_f },
	{ "AWS::EFS::FileSystem", "aws.efs.file_system", NULL, efs_f },
	{ "aws_elasticache_replication_group", "aws.elasticache.replication_group", NULL, elasticache_f },
	{ "AWS::ElastiCache::ReplicationGroup", "aws.elasticache.replication_group", NULL, elasticache_f },
	{ "aws_elasticsearch_domain", "aws.opensearch.domain", NULL, search_f },
	{ "aws_opensearch_domain", "aws.opensearch.domain", NULL, search_f },
	{ "AWS::Elasticsearch::Domain", "aws.opensearch.domain", NULL, search_f },
	{ "AWS::OpenSearchService::Domain", "aws.opensearch.domain", NULL, search_f },
	{ "aws_kinesis_stream", "aws.kinesis.stream", NULL, kinesis_f },
	{ "AWS::Kinesis::Stream", "aws.kinesis.stream", NULL, kinesis_f },
	{ "aws_lambda_permission", "aws.lambda.permission", NULL, lambda_perm_f },
	{ "AWS::Lambda::Permission", "aws.lambda.permission", NULL, lambda_perm_f },
	{ "aws_msk_cluster", "aws.msk.cluster", NULL, msk_f },
	{ "AWS::MSK::Cluster", "aws.msk.cluster", NULL, msk_f },
	{ "aws_secretsmanager_secret", "aws.secretsmanager.secret", NULL, secret_f },
	{ "AWS::SecretsManager::Secret", "aws.secretsmanager.secret", NULL, secret_f },
	{ "aws_workspaces_workspace", "aws.workspaces.workspace", NULL, workspace_f },
	{ "AWS::WorkSpaces::Workspace", "aws.workspaces.workspace", NULL, workspace_f },
	{ "azurerm_storage_account", "azure.storage.account", NULL, az_storage_f },
	{ "azurerm_network_security_group", "azure.network.nsg", az_nsg, NULL },
	{ "azurerm_key_vault", "azure.keyvault.vault", NULL, az_kv_f },
	{ "google_storage_bucket", "gcp.storage.bucket", NULL, gcs_f },
	{ "google_compute_firewall", "gcp.compute.firewall", gcp_fw, NULL },
	{ "google_compute_instance", "gcp.compute.instance", NULL, gce_f },
};

static const struct ntype *find_type(const char *raw)
{
	for (size_t i = 0; raw && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].raw, raw))
			return &types[i];
	return NULL;
}

const char *mmr_iac_normal_type(const char *raw_type)
{
	const struct ntype *t = find_type(raw_type);
	return t ? t->norm : NULL;
}

int mmr_iac_normalise(struct mmr_iac_set *s, struct mmr_error *reterr)
{
	struct nz z = { .s = s, .a = s->arena };
	mmr_map_init(&z.by_type, s->arena);
	mmr_map_init(&z.files, s->arena);
	for (size_t i = 0; i < s->resources.n; i++) {
		struct mmr_iac_resource *r = s->resources.v[i];
		if (!r->raw_type)
			continue;
		struct mmr_vec *v = mmr_map_get(&z.by_type, r->raw_type);
		if (!v) {
			v = mmr_arena_alloc(s->arena, sizeof(*v));
			if (!v || mmr_map_put(&z.by_type, r->raw_type, v) < 0)
				return mmr_error_set(reterr, ENOMEM, NULL, 0, 0, "out of memory");
		}
		if (mmr_vec_push(s->arena, v, r) < 0)
			return mmr_error_set(reterr, ENOMEM, NULL, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < s->resources.n; i++) {
		struct mmr_iac_resource *r = s->resources.v[i];
		const struct ntype *t = find_type(r->raw_type);
		if (!r->type)
			r->type = r->raw_type;
		if (!t || (r->type && !strcmp(r->type, t->norm)) || !json_is_object(r->doc))
			continue;
		z.prim = r;
		z.doc = json_object();
		z.pos = json_object();
		if (!z.doc || !z.pos) {
			json_decref(z.doc);
			json_decref(z.pos);
			return mmr_error_set(reterr, ENOMEM, NULL, 0, 0, "out of memory");
		}
		if (!r->source)
			r->source = "terraform";
		if (t->build)
			t->build(&z);
		if (t->fields)
			fields(&z, t->fields);
		/* the raw attributes stay where they do not collide; the
		 * document is updated in place when no one else holds it (no
		 * copy of every document), else copied */
		json_t *doc = r->doc->refcount == 1 ? json_incref(r->doc) : json_deep_copy(r->doc);
		json_t *pos = !json_is_object(r->pos) ? json_object()
			      : r->pos->refcount == 1 ? json_incref(r->pos)
						      : json_deep_copy(r->pos);
		if (!doc || !pos || json_object_update(doc, z.doc) < 0 ||
		    json_object_update(pos, z.pos) < 0) {
			json_decref(doc);
			json_decref(pos);
			json_decref(z.doc);
			json_decref(z.pos);
			return mmr_error_set(reterr, ENOMEM, NULL, 0, 0, "out of memory");
		}
		json_decref(z.doc);
		json_decref(z.pos);
		json_decref(r->doc);
		json_decref(r->pos);
		r->doc = doc;
		r->pos = pos;
		r->type = t->norm;
	}
	return 0;
}
