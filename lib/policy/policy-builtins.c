/* policy-builtins.c - the condition language's functions, one table row
 * each (Suricata sigmatch_table style). The parser checks names and arity
 * against the table; docs/policy-language.md lists every row.
 *
 * Unless a row says takes_unknown, an UNKNOWN argument makes the call
 * UNKNOWN without running it. Regular expressions are PCRE2 with a match
 * limit and a depth limit, compiled once when the pattern is a literal. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core-str.h"
#include "policy/policy-internal.h"

#define POL_REGEX_MATCH_LIMIT 100000
#define POL_REGEX_DEPTH_LIMIT 1000
#define POL_REGEX_MAX_PATTERN 4096
#define POL_MAX_DECODE (1024 * 1024)

struct pol_regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
};

void mmr_pol_regex_free(void *p);
void mmr_pol_regex_free(void *p)
{
	struct pol_regex *re = p;
	if (!re)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->mctx);
}

static int regex_compile(const char *pat, struct pol_regex *re, char *err, size_t errlen,
			 size_t *ret_off)
{
	int ec;
	PCRE2_SIZE off;
	re->code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
	if (!re->code) {
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)err, errlen);
		*ret_off = off;
		return -EBADMSG;
	}
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->mctx) {
		pcre2_code_free(re->code);
		re->code = NULL;
		return -ENOMEM;
	}
	pcre2_set_match_limit(re->mctx, POL_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, POL_REGEX_DEPTH_LIMIT);
	return 0;
}

/* 1 match, 0 no match, -1 error (limit hit: treated as unknown). */
static int regex_match(const struct pol_regex *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
	if (!md)
		return -1;
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, strlen(s), 0, PCRE2_NO_UTF_CHECK, md,
			     re->mctx);
	pcre2_match_data_free(md);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int mmr_pol_builtin_prepare(struct mmr_policy_set *s, struct pol_node *call, const char *file,
			    struct mmr_error *reterr)
{
	if (strcmp(call->name, "matches") != 0 || call->nargs < 2 || call->args[1]->op != POL_LIT)
		return 0;
	const struct pol_node *pn = call->args[1];
	if (!json_is_string(pn->lit))
		return mmr_error_set(reterr, EBADMSG, file, pn->line, pn->col,
				     "matches() needs a string pattern");
	const char *pat = json_string_value(pn->lit);
	if (strlen(pat) > POL_REGEX_MAX_PATTERN)
		return mmr_error_set(reterr, E2BIG, file, pn->line, pn->col,
				     "regular expression longer than %d bytes",
				     POL_REGEX_MAX_PATTERN);
	struct pol_regex *re = mmr_arena_alloc(s->arena, sizeof(*re));
	char err[256];
	size_t off = 0;
	if (!re)
		return -ENOMEM;
	int r = regex_compile(pat, re, err, sizeof(err), &off);
	if (r == -EBADMSG)
		return mmr_error_set(reterr, EBADMSG, file, pn->line, pn->col,
				     "bad regular expression at offset %zu: %s", off, err);
	if (r < 0)
		return r;
	if (mmr_vec_push(s->arena, &s->regexes, re) < 0) {
		mmr_pol_regex_free(re);
		return -ENOMEM;
	}
	call->cache = re;
	return 0;
}

/* ---- helpers ---- */

static struct pv unknown(void)
{
	return (struct pv){ .k = PV_UNKNOWN, .ptr = -1 };
}

static struct pv tri_v(enum tri t)
{
	return t == T_UNK ? unknown() : mmr_pv_bool(t == T_TRUE);
}

/* ---- generic ---- */

static int fn_len(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		  struct pv *ret)
{
	if (a[0].k == PV_STR) {
		*ret = mmr_pv_numv((double)json_string_length(a[0].j));
		return 0;
	}
	long l = mmr_pv_len(&a[0]);
	*ret = l < 0 ? unknown() : mmr_pv_numv((double)l);
	return 0;
}

static int fn_exists(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		     struct pv *ret)
{
	*ret = mmr_pv_bool(a[0].k != PV_ABSENT && a[0].k != PV_NULL);
	return 0;
}

static int fn_is_unknown(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			 struct pv *ret)
{
	*ret = mmr_pv_bool(a[0].k == PV_UNKNOWN);
	return 0;
}

static int fn_is_empty(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		       struct pv *ret)
{
	switch (a[0].k) {
	case PV_UNKNOWN: *ret = unknown(); break;
	case PV_ABSENT:
	case PV_NULL: *ret = mmr_pv_bool(true); break;
	case PV_STR: *ret = mmr_pv_bool(json_string_length(a[0].j) == 0); break;
	case PV_ARR:
	case PV_OBJ:
	case PV_RESLIST: *ret = mmr_pv_bool(mmr_pv_len(&a[0]) == 0); break;
	default: *ret = mmr_pv_bool(false); break;
	}
	return 0;
}

static int fn_default(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		      struct pv *ret)
{
	*ret = mmr_pv_copy(a[0].k == PV_ABSENT || a[0].k == PV_NULL ? &a[1] : &a[0]);
	return 0;
}

static int fn_type_of(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		      struct pv *ret)
{
	static const char *const names[] = { "absent", "unknown", "null",  "bool",     "number",
					      "string", "list",    "object", "resource", "list" };
	*ret = mmr_pv_strv(names[a[0].k]);
	return 0;
}

/* ---- strings ---- */

static int fn_starts_with(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			  size_t n, struct pv *ret)
{
	const char *s = mmr_pv_str(&a[0]), *p = mmr_pv_str(&a[1]);
	*ret = mmr_pv_bool(s && p && strncmp(s, p, strlen(p)) == 0);
	return 0;
}

static int fn_ends_with(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			struct pv *ret)
{
	const char *s = mmr_pv_str(&a[0]), *p = mmr_pv_str(&a[1]);
	bool r = false;
	if (s && p) {
		size_t sl = strlen(s), pl = strlen(p);
		r = sl >= pl && memcmp(s + sl - pl, p, pl) == 0;
	}
	*ret = mmr_pv_bool(r);
	return 0;
}

static int fn_contains(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		       struct pv *ret)
{
	enum tri t = T_FALSE;
	if (a[0].k == PV_UNKNOWN) {
		*ret = unknown();
		return 0;
	}
	if (a[0].k == PV_STR) {
		if (a[1].k == PV_UNKNOWN)
			t = T_UNK;
		else if (a[1].k == PV_STR)
			t = strstr(json_string_value(a[0].j), json_string_value(a[1].j)) ? T_TRUE
											  : T_FALSE;
	} else if (a[0].k == PV_ARR || a[0].k == PV_RESLIST) {
		long len = mmr_pv_len(&a[0]);
		for (long i = 0; i < len && t != T_TRUE; i++) {
			struct pv e = mmr_pv_elem(c, &a[0], (size_t)i);
			enum tri x = mmr_pv_equal(&e, &a[1]);
			mmr_pv_release(&e);
			if (x == T_TRUE)
				t = T_TRUE;
			else if (x == T_UNK)
				t = T_UNK;
		}
	} else if (a[0].k == PV_OBJ) {
		if (a[1].k == PV_UNKNOWN)
			t = T_UNK;
		else if (a[1].k == PV_STR)
			t = json_object_get(a[0].j, json_string_value(a[1].j)) ? T_TRUE : T_FALSE;
	}
	*ret = tri_v(t);
	return 0;
}

static int fn_matches(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		      struct pv *ret)
{
	const char *s = mmr_pv_str(&a[0]);
	const char *pat = mmr_pv_str(&a[1]);
	struct pol_regex tmp = { 0 };
	const struct pol_regex *re = call->cache;
	int m;

	if (!s || (!re && !pat)) {
		*ret = mmr_pv_bool(false);
		return 0;
	}
	if (!re) {
		char err[128];
		size_t off;
		if (strlen(pat) > POL_REGEX_MAX_PATTERN ||
		    regex_compile(pat, &tmp, err, sizeof(err), &off) < 0) {
			*ret = mmr_pv_bool(false);
			return 0;
		}
		re = &tmp;
	}
	m = regex_match(re, s);
	if (re == &tmp)
		mmr_pol_regex_free(&tmp);
	*ret = m < 0 ? unknown() : mmr_pv_bool(m == 1);
	return 0;
}

static int fn_glob(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		   struct pv *ret)
{
	const char *s = mmr_pv_str(&a[0]), *p = mmr_pv_str(&a[1]);
	*ret = mmr_pv_bool(s && p && fnmatch(p, s, 0) == 0);
	return 0;
}

static int map_case(struct pv *a, struct pv *ret, int upper)
{
	const char *s = mmr_pv_str(&a[0]);
	if (!s) {
		*ret = mmr_pv_copy(&a[0]);
		return 0;
	}
	size_t l = json_string_length(a[0].j);
	char *d = malloc(l + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < l; i++)
		d[i] = (char)(upper ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
	d[l] = 0;
	*ret = (struct pv){ .k = PV_STR, .ptr = -1, .j = json_stringn(d, l) };
	if (!ret->j)
		ret->k = PV_ABSENT;
	free(d);
	return 0;
}

static int fn_lower(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		    struct pv *ret)
{
	return map_case(a, ret, 0);
}

static int fn_upper(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		    struct pv *ret)
{
	return map_case(a, ret, 1);
}

static int fn_to_string(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			struct pv *ret)
{
	char buf[64];
	switch (a[0].k) {
	case PV_STR: *ret = mmr_pv_copy(&a[0]); break;
	case PV_BOOL: *ret = mmr_pv_strv(a[0].b ? "true" : "false"); break;
	case PV_NUM:
		if (a[0].n == floor(a[0].n) && fabs(a[0].n) < 1e15)
			snprintf(buf, sizeof(buf), "%.0f", a[0].n);
		else
			snprintf(buf, sizeof(buf), "%.17g", a[0].n);
		*ret = mmr_pv_strv(buf);
		break;
	default: *ret = (struct pv){ .k = PV_ABSENT, .ptr = -1 }; break;
	}
	return 0;
}

static int fn_to_number(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			struct pv *ret)
{
	double d;
	*ret = mmr_pv_num(&a[0], &d) ? mmr_pv_numv(d) : (struct pv){ .k = PV_ABSENT, .ptr = -1 };
	return 0;
}

static int fn_to_list(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		      struct pv *ret)
{
	if (a[0].k == PV_ARR || a[0].k == PV_RESLIST) {
		*ret = mmr_pv_copy(&a[0]);
		return 0;
	}
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	if (a[0].k == PV_STR || a[0].k == PV_OBJ)
		json_array_append(arr, a[0].j);
	else if (a[0].k == PV_NUM)
		json_array_append_new(arr, json_real(a[0].n));
	else if (a[0].k == PV_BOOL)
		json_array_append_new(arr, json_boolean(a[0].b));
	*ret = (struct pv){ .k = PV_ARR, .j = arr, .ptr = -1 };
	return 0;
}

static int fn_json_decode(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			  struct pv *ret)
{
	*ret = (struct pv){ .k = PV_ABSENT, .ptr = -1 };
	if (a[0].k == PV_OBJ || a[0].k == PV_ARR) { /* already decoded (jsonencode evaluated) */
		*ret = mmr_pv_copy(&a[0]);
		return 0;
	}
	if (a[0].k != PV_STR || json_string_length(a[0].j) > POL_MAX_DECODE)
		return 0;
	json_t *j = json_loadb(json_string_value(a[0].j), json_string_length(a[0].j),
			       JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	*ret = mmr_pv_from_json(j, -1);
	json_decref(j);
	return 0;
}

static int fn_keys(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		   struct pv *ret)
{
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	if (!arr)
		return -ENOMEM;
	if (a[0].k == PV_OBJ)
		json_object_foreach(a[0].j, k, v)
			json_array_append_new(arr, json_string(k));
	*ret = (struct pv){ .k = PV_ARR, .j = arr, .ptr = -1 };
	return 0;
}

static int fn_values(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		     struct pv *ret)
{
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	if (!arr)
		return -ENOMEM;
	if (a[0].k == PV_OBJ)
		json_object_foreach(a[0].j, k, v)
			json_array_append(arr, v);
	*ret = (struct pv){ .k = PV_ARR, .j = arr, .ptr = -1 };
	return 0;
}

/* ---- CIDR and ports ---- */

struct net {
	int fam; /* 4 or 6 */
	unsigned char addr[16];
	int bits;
};

static bool parse_net(const char *s, struct net *ret)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	if (al == 0 || al >= sizeof(buf))
		return false;
	memcpy(buf, s, al);
	buf[al] = 0;
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, buf, ret->addr) == 1)
		ret->fam = 4, ret->bits = 32;
	else if (inet_pton(AF_INET6, buf, ret->addr) == 1)
		ret->fam = 6, ret->bits = 128;
	else
		return false;
	if (slash) {
		uint64_t b;
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3 || !mmr_parse_u64(p, strlen(p), &b) ||
		    b > (uint64_t)ret->bits)
			return false;
		ret->bits = (int)b;
	}
	return true;
}


/* Is b inside a (same family)? */
static bool net_contains(const struct net *a, const struct net *b)
{
	if (a->fam != b->fam || b->bits < a->bits)
		return false;
	int full = a->bits / 8, rem = a->bits % 8;
	if (memcmp(a->addr, b->addr, (size_t)full) != 0)
		return false;
	if (rem) {
		unsigned char mask = (unsigned char)(0xFF << (8 - rem));
		if ((a->addr[full] & mask) != (b->addr[full] & mask))
			return false;
	}
	return true;
}

static int fn_cidr_contains(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			    size_t n, struct pv *ret)
{
	struct net x, y;
	const char *s0 = mmr_pv_str(&a[0]), *s1 = mmr_pv_str(&a[1]);
	*ret = mmr_pv_bool(s0 && s1 && parse_net(s0, &x) && parse_net(s1, &y) &&
			   net_contains(&x, &y));
	return 0;
}

static const char *const private_nets[] = {
	"0.0.0.0/8",     "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",   "169.254.0.0/16",
	"172.16.0.0/12", "192.0.0.0/24",   "192.0.2.0/24",  "192.168.0.0/16", "198.18.0.0/15",
	"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
	"::/128",        "::1/128",        "fc00::/7",      "fe80::/10",     "ff00::/8",
	"2001:db8::/32",
};

static int fn_cidr_is_public(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			     size_t n, struct pv *ret)
{
	struct net x, p;
	const char *s = mmr_pv_str(&a[0]);
	bool pub = false;
	if (s && parse_net(s, &x)) {
		pub = true;
		for (size_t i = 0; i < sizeof(private_nets) / sizeof(private_nets[0]); i++)
			if (parse_net(private_nets[i], &p) && net_contains(&p, &x))
				pub = false;
	}
	*ret = mmr_pv_bool(pub);
	return 0;
}

static int fn_cidr_prefix(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			  size_t n, struct pv *ret)
{
	struct net x;
	const char *s = mmr_pv_str(&a[0]);
	*ret = s && parse_net(s, &x) ? mmr_pv_numv(x.bits) : (struct pv){ .k = PV_ABSENT, .ptr = -1 };
	return 0;
}

static int fn_port_in_range(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			    size_t n, struct pv *ret)
{
	double p, lo, hi;
	bool r = false;
	if (mmr_pv_num(&a[0], &p) && mmr_pv_num(&a[1], &lo) && mmr_pv_num(&a[2], &hi)) {
		/* -1 and 0..0 with protocol "-1" mean every port in AWS */
		if (lo == -1 || (lo == 0 && hi == 0 && n > 3 && mmr_pv_str(&a[3]) &&
				 strcmp(mmr_pv_str(&a[3]), "-1") == 0))
			r = true;
		else
			r = p >= lo && p <= hi;
	}
	*ret = mmr_pv_bool(r);
	return 0;
}

/* ---- relations ---- */

static int fn_resources(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			struct pv *ret)
{
	const char *t = mmr_pv_str(&a[0]);
	static struct mmr_vec empty;
	struct mmr_vec *v = t ? mmr_pol_resources_of(c, t) : &empty;
	*ret = (struct pv){ .k = PV_RESLIST, .rl = v, .ptr = -1 };
	return 0;
}

static bool refers(const struct mmr_iac_resource *from, const struct mmr_iac_resource *to)
{
	for (size_t i = 0; i < from->refs.n; i++)
		if (mmr_pol_ref_matches(from->refs.v[i], to->address))
			return true;
	return false;
}

static int related(struct pol_ctx *c, struct pv *a, struct pv *ret, bool incoming)
{
	const char *t = mmr_pv_str(&a[0]);
	struct mmr_vec *out = mmr_arena_alloc(c->arena, sizeof(*out));
	if (!out)
		return -ENOMEM;
	*ret = (struct pv){ .k = PV_RESLIST, .rl = out, .ptr = -1 };
	if (!t || !c->self->address)
		return 0;
	struct mmr_vec *all = mmr_pol_resources_of(c, t);
	for (size_t i = 0; i < all->n; i++) {
		const struct mmr_iac_resource *r = all->v[i];
		if (r == c->self || !r->address)
			continue;
		if (incoming ? refers(r, c->self) : refers(c->self, r))
			if (mmr_vec_push(c->arena, out, (void *)r) < 0)
				return -ENOMEM;
	}
	return 0;
}

static int fn_referenced_by(struct pol_ctx *c, const struct pol_node *call, struct pv *a,
			    size_t n, struct pv *ret)
{
	return related(c, a, ret, true);
}

static int fn_references(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
			 struct pv *ret)
{
	return related(c, a, ret, false);
}

/* attached(type, attr, self_attr): resources of `type` that reference self,
 * or whose `attr` is a known string equal to self's `self_attr` (a
 * satellite naming its bucket literally). An unknown `attr` does not
 * attach: had it pointed at self, self would be in its refs. */
static int fn_attached(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		       struct pv *ret)
{
	const char *t = mmr_pv_str(&a[0]), *attr = mmr_pv_str(&a[1]), *sattr = mmr_pv_str(&a[2]);
	struct mmr_vec *out = mmr_arena_alloc(c->arena, sizeof(*out));
	if (!out)
		return -ENOMEM;
	*ret = (struct pv){ .k = PV_RESLIST, .rl = out, .ptr = -1 };
	if (!t || !attr || !sattr)
		return 0;
	json_t *mine = json_object_get(c->self->doc, sattr);
	const char *name = json_is_string(mine) ? json_string_value(mine) : NULL;
	struct mmr_vec *all = mmr_pol_resources_of(c, t);
	for (size_t i = 0; i < all->n; i++) {
		const struct mmr_iac_resource *r = all->v[i];
		json_t *theirs = json_object_get(r->doc, attr);
		bool hit = r != c->self && ((c->self->address && refers(r, c->self)) ||
					    (name && json_is_string(theirs) &&
					     strcmp(json_string_value(theirs), name) == 0));
		if (hit && mmr_vec_push(c->arena, out, (void *)r) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int fn_refers(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		     struct pv *ret)
{
	*ret = mmr_pv_bool(a[0].k == PV_RES && a[1].k == PV_RES && a[1].res->address &&
			   refers(a[0].res, a[1].res));
	return 0;
}

static int fn_address(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		      struct pv *ret)
{
	*ret = a[0].k == PV_RES && a[0].res->address ? mmr_pv_strv(a[0].res->address)
						     : (struct pv){ .k = PV_ABSENT, .ptr = -1 };
	return 0;
}

static int fn_type(struct pol_ctx *c, const struct pol_node *call, struct pv *a, size_t n,
		   struct pv *ret)
{
	const char *t = a[0].k == PV_RES ? (a[0].res->raw_type ? a[0].res->raw_type : a[0].res->type)
					 : NULL;
	*ret = t ? mmr_pv_strv(t) : (struct pv){ .k = PV_ABSENT, .ptr = -1 };
	return 0;
}

const struct pol_builtin mmr_pol_builtins[] = {
	{ "len", 1, 1, false, fn_len, "length of a string, list or object (absent: 0)" },
	{ "length", 1, 1, false, fn_len, "same as len" },
	{ "count", 1, 1, false, fn_len, "number of elements (count(x in l: c) counts matches)" },
	{ "exists", 1, 1, true, fn_exists, "set and not null (unknown counts as set)" },
	{ "is_set", 1, 1, true, fn_exists, "same as exists" },
	{ "is_empty", 1, 1, true, fn_is_empty, "absent, null, \"\", [] or {}" },
	{ "is_unknown", 1, 1, true, fn_is_unknown, "known only after apply" },
	{ "default", 2, 2, true, fn_default, "the first argument, or the second when absent/null" },
	{ "type_of", 1, 1, true, fn_type_of, "absent, unknown, null, bool, number, string, list, object, resource" },
	{ "starts_with", 2, 2, false, fn_starts_with, "string prefix" },
	{ "ends_with", 2, 2, false, fn_ends_with, "string suffix" },
	{ "contains", 2, 2, true, fn_contains, "substring, list element or object key" },
	{ "matches", 2, 2, false, fn_matches, "PCRE2 regular expression search (bounded)" },
	{ "glob", 2, 2, false, fn_glob, "shell pattern match of the whole string (fnmatch)" },
	{ "lower", 1, 1, false, fn_lower, "ASCII lower case" },
	{ "upper", 1, 1, false, fn_upper, "ASCII upper case" },
	{ "to_string", 1, 1, false, fn_to_string, "string of a string, number or bool" },
	{ "to_number", 1, 1, false, fn_to_number, "number of a number or numeric string" },
	{ "to_list", 1, 1, false, fn_to_list, "a list as is, a single value as a one-element list" },
	{ "json_decode", 1, 1, false, fn_json_decode, "parse a JSON document held in a string" },
	{ "keys", 1, 1, false, fn_keys, "keys of an object" },
	{ "values", 1, 1, false, fn_values, "values of an object" },
	{ "cidr_contains", 2, 2, false, fn_cidr_contains, "network contains address or network" },
	{ "cidr_is_public", 1, 1, false, fn_cidr_is_public, "range holds a globally routable address" },
	{ "cidr_prefix", 1, 1, false, fn_cidr_prefix, "prefix length of a CIDR" },
	{ "port_in_range", 3, 4, false, fn_port_in_range, "from <= port <= to (from -1: all ports)" },
	{ "resources", 1, 1, false, fn_resources, "every resource of a type in the scan" },
	{ "referenced_by", 1, 1, false, fn_referenced_by, "resources of a type that reference self" },
	{ "references", 1, 1, false, fn_references, "resources of a type that self references" },
	{ "attached", 3, 3, false, fn_attached, "resources of a type referencing self or naming it in an attribute" },
	{ "refers", 2, 2, false, fn_refers, "resource a references resource b" },
	{ "address", 1, 1, false, fn_address, "a resource's address" },
	{ "type", 1, 1, false, fn_type, "a resource's type as written" },
	{ NULL, 0, 0, false, NULL, NULL },
};

const struct pol_builtin *mmr_pol_builtin_find(const char *name)
{
	for (const struct pol_builtin *b = mmr_pol_builtins; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}
