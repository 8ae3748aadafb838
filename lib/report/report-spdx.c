/* report-spdx.c - SPDX 2.3 JSON writer (docs/cli/formats.md), and the
 * licence/UUID/JSON helpers the SBOM writers share (report-spdx.h).
 *
 * Document layout: DOCUMENT DESCRIBES the asset package; the asset CONTAINS
 * one package per result that is not the asset itself (the OS, each
 * lockfile); that CONTAINS the result's packages; DEPENDS_ON edges between
 * packages of one result. SPDXIDs are sanitised names made unique with a
 * numeric suffix; free-text licences become LicenseRef-* entries in
 * hasExtractedLicensingInfos. */
#include "report/report-spdx.h"
#include "report/report.h"

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "mmr-config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

/* ---- licence list ------------------------------------------------------ */

const char *const mmr_spdx_license_ids[] = {
	"0BSD", "AFL-2.1", "AFL-3.0", "AGPL-1.0", "AGPL-3.0", "AGPL-3.0-only",
	"AGPL-3.0-or-later", "Apache-1.0", "Apache-1.1", "Apache-2.0", "APSL-2.0", "Artistic-1.0",
	"Artistic-1.0-Perl", "Artistic-2.0", "Beerware", "BlueOak-1.0.0", "BSD-1-Clause",
	"BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause", "BSD-3-Clause-Clear",
	"BSD-3-Clause-LBNL", "BSD-4-Clause", "BSD-Source-Code", "BSL-1.0", "bzip2-1.0.6",
	"CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1",
	"CPL-1.0", "curl", "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2", "FTL", "GFDL-1.2-only",
	"GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-1.0", "GPL-1.0+",
	"GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only",
	"GPL-2.0-or-later", "GPL-2.0-with-classpath-exception", "GPL-3.0", "GPL-3.0+",
	"GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ICU", "IJG", "ISC", "LGPL-2.0", "LGPL-2.0+",
	"LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+", "LGPL-2.1-only",
	"LGPL-2.1-or-later", "LGPL-3.0", "LGPL-3.0+", "LGPL-3.0-only", "LGPL-3.0-or-later",
	"Libpng", "libtiff", "MirOS", "MIT", "MIT-0", "MIT-CMU", "MPL-1.1", "MPL-2.0",
	"MPL-2.0-no-copyleft-exception", "MS-PL", "MS-RL", "NCSA", "OFL-1.1", "OpenSSL", "OSL-3.0",
	"PHP-3.0", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby", "Sleepycat",
	"Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "Vim", "W3C", "WTFPL", "X11",
	"Zlib", "ZPL-2.1", NULL,
};

static const char *const exception_ids[] = {
	"Autoconf-exception-2.0", "Autoconf-exception-3.0", "Bison-exception-2.2",
	"Bootloader-exception", "Classpath-exception-2.0", "FLTK-exception", "Font-exception-2.0",
	"GCC-exception-2.0", "GCC-exception-3.1", "GPL-3.0-linking-exception",
	"GPL-3.0-linking-source-exception", "Libtool-exception", "Linux-syscall-note",
	"LLVM-exception", "LZMA-exception", "OCaml-LGPL-linking-exception",
	"openvpn-openssl-exception", "Qt-GPL-exception-1.0", "Qt-LGPL-exception-1.1",
	"Universal-FOSS-exception-1.0", "WxWindows-exception-3.1", "u-boot-exception-2.0", NULL,
};

static const char *lookup(const char *const *list, const char *s, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], s, n) == 0)
			return list[i];
	return NULL;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

const char *mmr_spdx_license_id(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	trim(&s, &n);
	return n ? lookup(mmr_spdx_license_ids, s, n) : NULL;
}

/* ---- expressions ------------------------------------------------------- */

#define EXPR_MAX_DEPTH 32
#define EXPR_MAX_TOKENS 256

enum tok_kind { T_LP, T_RP, T_AND, T_OR, T_WITH, T_WORD };
struct tok {
	enum tok_kind k;
	const char *p;
	size_t n;
};
struct parser {
	struct tok t[EXPR_MAX_TOKENS];
	size_t n, i;
	struct mmr_buf *out;
	unsigned ops; /* operators, '+', WITH, refs seen */
};

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == ':';
}

static bool idstring(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-')
			return false;
	return true;
}

static int tokenize(struct parser *ps, const char *s)
{
	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		if (ps->n == EXPR_MAX_TOKENS)
			return -1;
		struct tok *t = &ps->t[ps->n++];
		t->p = s;
		if (*s == '(' || *s == ')') {
			t->k = *s == '(' ? T_LP : T_RP;
			t->n = 1;
			s++;
			continue;
		}
		while (word_char(*s))
			s++;
		t->n = (size_t)(s - t->p);
		if (!t->n)
			return -1;
		t->k = t->n == 3 && strncasecmp(t->p, "AND", 3) == 0	  ? T_AND :
		       t->n == 2 && strncasecmp(t->p, "OR", 2) == 0	  ? T_OR :
		       t->n == 4 && strncasecmp(t->p, "WITH", 4) == 0 ? T_WITH :
									    T_WORD;
	}
	return 0;
}

static struct tok *peek(struct parser *ps)
{
	return ps->i < ps->n ? &ps->t[ps->i] : NULL;
}

/* One licence reference: listed id, id+, LicenseRef-x, DocumentRef-x:LicenseRef-y. */
static int license_ref(struct parser *ps, const struct tok *t)
{
	const char *p = t->p;
	size_t n = t->n;
	const char *id;
	if (n > 11 && strncmp(p, "LicenseRef-", 11) == 0 && idstring(p + 11, n - 11)) {
		ps->ops++;
		return mmr_buf_add(ps->out, p, n);
	}
	if (n > 12 && strncmp(p, "DocumentRef-", 12) == 0) {
		const char *c = memchr(p, ':', n);
		if (!c || !idstring(p + 12, (size_t)(c - p) - 12))
			return -1;
		size_t rest = n - (size_t)(c + 1 - p);
		if (rest <= 11 || strncmp(c + 1, "LicenseRef-", 11) != 0 ||
		    !idstring(c + 12, rest - 11))
			return -1;
		ps->ops++;
		return mmr_buf_add(ps->out, p, n);
	}
	if ((id = lookup(mmr_spdx_license_ids, p, n)))
		return mmr_buf_adds(ps->out, id);
	if (n > 1 && p[n - 1] == '+' && (id = lookup(mmr_spdx_license_ids, p, n - 1)) &&
	    id[strlen(id) - 1] != '+') {
		ps->ops++;
		mmr_buf_adds(ps->out, id);
		return mmr_buf_addc(ps->out, '+');
	}
	return -1;
}

static int parse_or(struct parser *ps, unsigned depth);

static int parse_primary(struct parser *ps, unsigned depth)
{
	struct tok *t = peek(ps);
	if (!t)
		return -1;
	if (t->k == T_LP) {
		if (depth >= EXPR_MAX_DEPTH)
			return -1;
		ps->i++;
		mmr_buf_addc(ps->out, '(');
		if (parse_or(ps, depth + 1) < 0)
			return -1;
		t = peek(ps);
		if (!t || t->k != T_RP)
			return -1;
		ps->i++;
		return mmr_buf_addc(ps->out, ')');
	}
	if (t->k != T_WORD)
		return -1;
	ps->i++;
	if (license_ref(ps, t) < 0)
		return -1;
	t = peek(ps);
	if (t && t->k == T_WITH) {
		ps->i++;
		t = peek(ps);
		const char *ex;
		if (!t || t->k != T_WORD || !(ex = lookup(exception_ids, t->p, t->n)))
			return -1;
		ps->i++;
		ps->ops++;
		mmr_buf_adds(ps->out, " WITH ");
		return mmr_buf_adds(ps->out, ex);
	}
	return 0;
}

static int parse_and(struct parser *ps, unsigned depth)
{
	if (parse_primary(ps, depth) < 0)
		return -1;
	struct tok *t;
	while ((t = peek(ps)) && t->k == T_AND) {
		ps->i++;
		ps->ops++;
		mmr_buf_adds(ps->out, " AND ");
		if (parse_primary(ps, depth) < 0)
			return -1;
	}
	return 0;
}

static int parse_or(struct parser *ps, unsigned depth)
{
	if (parse_and(ps, depth) < 0)
		return -1;
	struct tok *t;
	while ((t = peek(ps)) && t->k == T_OR) {
		ps->i++;
		ps->ops++;
		mmr_buf_adds(ps->out, " OR ");
		if (parse_and(ps, depth) < 0)
			return -1;
	}
	return 0;
}

int mmr_spdx_classify(struct mmr_arena *a, const char *s, enum mmr_spdx_kind *ret_kind,
		      const char **ret_norm)
{
	size_t n = s ? strlen(s) : 0;
	trim(&s, &n);
	if (!n) {
		*ret_kind = MMR_SPDX_NONE;
		*ret_norm = "";
		return 0;
	}
	const char *id = lookup(mmr_spdx_license_ids, s, n);
	if (id) {
		*ret_kind = MMR_SPDX_ID;
		*ret_norm = id;
		return 0;
	}
	char *txt = mmr_arena_strndup(a, s, n);
	if (!txt)
		return -ENOMEM;
	struct parser *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	struct mmr_buf out;
	mmr_buf_init(&out, 64 * 1024);
	ps->out = &out;
	int ok = tokenize(ps, txt) == 0 && parse_or(ps, 0) == 0 && ps->i == ps->n;
	char *norm = ok ? mmr_arena_strndup(a, out.p, out.len) : NULL;
	mmr_buf_release(&out);
	free(ps);
	if (ok && !norm)
		return -ENOMEM;
	*ret_kind = ok ? MMR_SPDX_EXPR : MMR_SPDX_NAME;
	*ret_norm = ok ? norm : txt;
	return 0;
}

/* ---- LicenseRef registry ----------------------------------------------- */

char *mmr_spdx_idstring(struct mmr_arena *a, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n > max)
		n = max;
	if (!n)
		return mmr_arena_strdup(a, "x");
	char *d = mmr_arena_strndup(a, s, n);
	if (!d)
		return NULL;
	for (char *p = d; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			*p = '-';
	return d;
}

void mmr_spdx_refs_init(struct mmr_spdx_refs *r, struct mmr_arena *a)
{
	memset(r, 0, sizeof(*r));
	r->a = a;
	mmr_map_init(&r->by_text, a);
	mmr_map_init(&r->by_ref, a);
}

const char *mmr_spdx_refs_get(struct mmr_spdx_refs *r, const char *text)
{
	const char *ref = mmr_map_get(&r->by_text, text);
	if (ref)
		return ref;
	char *base = mmr_spdx_idstring(r->a, text, 200);
	if (!base)
		return NULL;
	ref = mmr_arena_printf(r->a, "LicenseRef-%s", base);
	for (unsigned k = 2; ref && mmr_map_has(&r->by_ref, ref); k++)
		ref = mmr_arena_printf(r->a, "LicenseRef-%s-%u", base, k);
	const char *t = mmr_arena_strdup(r->a, text);
	if (!ref || !t || mmr_map_put(&r->by_text, t, (void *)ref) < 0 ||
	    mmr_map_put(&r->by_ref, ref, (void *)t) < 0 ||
	    mmr_vec_push(r->a, &r->texts, (void *)t) < 0 ||
	    mmr_vec_push(r->a, &r->refs, (void *)ref) < 0)
		return NULL;
	return ref;
}

const char *mmr_spdx_package_expression(struct mmr_arena *a, struct mmr_spdx_refs *refs,
					const struct mmr_package *p)
{
	struct mmr_vec parts = { 0 };
	for (size_t i = 0; i < p->licenses.n; i++) {
		enum mmr_spdx_kind k;
		const char *norm;
		if (mmr_spdx_classify(a, p->licenses.v[i], &k, &norm) < 0)
			return NULL;
		if (k == MMR_SPDX_NONE)
			continue;
		if (k == MMR_SPDX_NAME)
			norm = mmr_spdx_refs_get(refs, norm);
		if (!norm)
			return NULL;
		bool dup = false;
		for (size_t j = 0; j < parts.n && !dup; j++)
			dup = strcmp(parts.v[j], norm) == 0;
		if (!dup && mmr_vec_push(a, &parts, (void *)norm) < 0)
			return NULL;
	}
	if (!parts.n)
		return NULL;
	if (parts.n == 1)
		return parts.v[0];
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < parts.n; i++) {
		const char *x = parts.v[i];
		if (i)
			mmr_buf_adds(&b, " AND ");
		if (strchr(x, ' '))
			mmr_buf_addf(&b, "(%s)", x);
		else
			mmr_buf_adds(&b, x);
	}
	char *res = mmr_arena_strndup(a, b.p, b.len);
	mmr_buf_release(&b);
	return res;
}

/* ---- misc helpers ------------------------------------------------------ */

int mmr_report_uuid4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;
	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = 0;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

json_t *mmr_report_jstr(const char *s)
{
	if (!s)
		s = "";
	json_t *j = json_string(s);
	if (j)
		return j;
	struct mmr_buf b;
	mmr_buf_init(&b, (size_t)1 << 30);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (n) {
			mmr_buf_add(&b, p, n);
			p += n;
		} else {
			mmr_buf_adds(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	j = json_stringn(b.p, b.len);
	mmr_buf_release(&b);
	return j;
}

bool *mmr_report_tops(struct mmr_arena *a, const struct mmr_result *res)
{
	bool *top = mmr_arena_calloc(a, res->packages.n + 1, sizeof(bool));
	if (!top)
		return NULL;
	struct mmr_map dep;
	mmr_map_init(&dep, a);
	for (size_t i = 0; i < res->packages.n; i++) {
		const struct mmr_package *p = res->packages.v[i];
		for (size_t j = 0; j < p->depends_on.n; j++)
			if (p->depends_on.v[j] && strcmp(p->depends_on.v[j], p->id ? p->id : "") != 0)
				mmr_map_put(&dep, p->depends_on.v[j], (void *)1);
	}
	for (size_t i = 0; i < res->packages.n; i++) {
		const struct mmr_package *p = res->packages.v[i];
		switch (p->relation) {
		case MMR_DEP_ROOT:
		case MMR_DEP_WORKSPACE:
		case MMR_DEP_DIRECT:
			top[i] = true;
			break;
		case MMR_DEP_INDIRECT:
			top[i] = false;
			break;
		default:
			top[i] = !p->indirect && !(p->id && mmr_map_has(&dep, p->id));
			break;
		}
	}
	return top;
}

/* ---- the SPDX writer --------------------------------------------------- */

struct spdx {
	struct mmr_arena *a;
	json_t *packages, *rels;
	struct mmr_map ids; /* SPDXIDs in use */
	struct mmr_spdx_refs refs;
};

static void set(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, mmr_report_jstr(v));
}

static const char *unique_id(struct spdx *s, const char *prefix, const char *name)
{
	char *base = mmr_spdx_idstring(s->a, name, 160);
	if (!base)
		return NULL;
	const char *id = mmr_arena_printf(s->a, "SPDXRef-%s-%s", prefix, base);
	for (unsigned k = 2; id && mmr_map_has(&s->ids, id); k++)
		id = mmr_arena_printf(s->a, "SPDXRef-%s-%s-%u", prefix, base, k);
	if (!id || mmr_map_put(&s->ids, id, (void *)1) < 0)
		return NULL;
	return id;
}

static void rel(struct spdx *s, const char *from, const char *type, const char *to)
{
	json_t *o = json_object();
	set(o, "spdxElementId", from);
	set(o, "relationshipType", type);
	set(o, "relatedSpdxElement", to);
	json_array_append_new(s->rels, o);
}

static json_t *base_package(const char *id, const char *name, const char *version,
			    const char *purpose)
{
	json_t *o = json_object();
	set(o, "SPDXID", id);
	set(o, "name", name && *name ? name : "unknown");
	if (version && *version)
		set(o, "versionInfo", version);
	set(o, "downloadLocation", "NOASSERTION");
	json_object_set_new(o, "filesAnalyzed", json_false());
	if (purpose)
		set(o, "primaryPackagePurpose", purpose);
	return o;
}

/* "Name <mail>" -> "Name (mail)", as SPDX writes an e-mail in supplier. */
static const char *party(struct mmr_arena *a, const char *kind, const char *who)
{
	char *d = mmr_arena_printf(a, "%s: %s", kind, who);
	for (char *p = d; p && *p; p++) {
		if (*p == '<')
			*p = '(';
		else if (*p == '>')
			*p = ')';
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	return d;
}

static void add_prop_comment(struct mmr_buf *b, const char *k, const char *v)
{
	if (v && *v)
		mmr_buf_addf(b, "%s%s: %s", b->len ? "; " : "", k, v);
}

static json_t *package_entry(struct spdx *s, const struct mmr_report *r, const char *id,
			     const struct mmr_package *p)
{
	json_t *o = base_package(id, p->name, mmr_package_full_version(s->a, p), NULL);
	const char *lic = mmr_spdx_package_expression(s->a, &s->refs, p);
	set(o, "licenseConcluded", "NOASSERTION");
	set(o, "licenseDeclared", lic ? lic : "NOASSERTION");
	set(o, "copyrightText", "NOASSERTION");
	if (p->vendor && *p->vendor) {
		set(o, "supplier", party(s->a, "Organization", p->vendor));
		if (p->maintainer && *p->maintainer)
			set(o, "originator", party(s->a, "Organization", p->maintainer));
	} else if (p->maintainer && *p->maintainer) {
		set(o, "supplier", party(s->a, "Organization", p->maintainer));
	}
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 16);
	add_prop_comment(&b, "found in", p->file);
	add_prop_comment(&b, "layer", p->layer);
	if (p->src_name && *p->src_name) {
		struct mmr_package src = { .name = p->src_name,
					   .version = p->src_version,
					   .epoch = p->src_epoch,
					   .has_epoch = p->src_epoch != 0,
					   .release = p->src_release,
					   .eco = p->eco };
		const char *sv = mmr_package_full_version(s->a, &src);
		add_prop_comment(&b, "source package",
				 sv && *sv ? mmr_arena_printf(s->a, "%s %s", p->src_name, sv) :
					     p->src_name);
	}
	if (b.len)
		set(o, "sourceInfo", b.p);
	mmr_buf_release(&b);
	if (p->purl && *p->purl) {
		json_t *refs = json_array(), *e = json_object();
		set(e, "referenceCategory", "PACKAGE-MANAGER");
		set(e, "referenceType", "purl");
		set(e, "referenceLocator", p->purl);
		json_array_append_new(refs, e);
		json_object_set_new(o, "externalRefs", refs);
	}
	(void)r;
	return o;
}

static bool asset_is_os(const struct mmr_report *r)
{
	return (r->asset.kind == MMR_ASSET_ROOTFS || r->asset.kind == MMR_ASSET_HOST) &&
	       r->asset.os.name && *r->asset.os.name;
}

static int build(struct spdx *s, const struct mmr_report *r, json_t *doc)
{
	const struct mmr_asset *as = &r->asset;
	const char *aname = as->name && *as->name ? as->name : "unknown";
	const char *kind, *purpose, *aversion = NULL;
	switch (as->kind) {
	case MMR_ASSET_IMAGE:
		kind = "ContainerImage";
		purpose = "CONTAINER";
		aversion = as->image_id;
		break;
	case MMR_ASSET_ROOTFS:
		kind = "RootFilesystem";
		purpose = "OPERATING_SYSTEM";
		aversion = as->os.version;
		break;
	case MMR_ASSET_HOST:
		kind = "Host";
		purpose = "OPERATING_SYSTEM";
		aversion = as->os.version;
		break;
	default:
		kind = "Filesystem";
		purpose = "SOURCE";
		break;
	}
	const char *asset_id = unique_id(s, kind, aname);
	if (!asset_id)
		return -ENOMEM;
	json_t *ap = base_package(asset_id, aname, aversion, purpose);
	set(ap, "licenseConcluded", "NOASSERTION");
	set(ap, "licenseDeclared", "NOASSERTION");
	set(ap, "copyrightText", "NOASSERTION");
	if (as->kind == MMR_ASSET_IMAGE) {
		struct mmr_buf b;
		mmr_buf_init(&b, 1 << 16);
		for (size_t i = 0; i < as->repo_digests.n; i++)
			add_prop_comment(&b, "repo digest", as->repo_digests.v[i]);
		for (size_t i = 0; i < as->repo_tags.n; i++)
			add_prop_comment(&b, "repo tag", as->repo_tags.v[i]);
		add_prop_comment(&b, "image ID", as->image_id);
		if (as->os.name)
			add_prop_comment(&b, "os", mmr_arena_printf(s->a, "%s %s", as->os.name,
								   as->os.version ? as->os.version : ""));
		if (b.len)
			set(ap, "comment", b.p);
		mmr_buf_release(&b);
	}
	json_array_append_new(s->packages, ap);
	rel(s, "SPDXRef-DOCUMENT", "DESCRIBES", asset_id);

	for (size_t ri = 0; ri < r->results.n; ri++) {
		const struct mmr_result *res = r->results.v[ri];
		bool os = strcmp(res->class, "os-pkgs") == 0;
		const char *parent = asset_id;
		if (!(os && asset_is_os(r))) {
			const char *name = res->target, *ver = NULL;
			if (os && as->os.name && *as->os.name) {
				name = as->os.name;
				ver = as->os.version;
			}
			const char *rid = unique_id(s, os ? "OperatingSystem" : "Application", name);
			if (!rid)
				return -ENOMEM;
			json_t *rp = base_package(rid, name, ver, os ? "OPERATING_SYSTEM" : "APPLICATION");
			set(rp, "licenseConcluded", "NOASSERTION");
			set(rp, "licenseDeclared", "NOASSERTION");
			set(rp, "copyrightText", "NOASSERTION");
			set(rp, "sourceInfo", mmr_arena_printf(s->a, "%s: %s (%s)", res->class,
								res->target, res->type));
			json_array_append_new(s->packages, rp);
			rel(s, parent, "CONTAINS", rid);
			parent = rid;
		}
		struct mmr_map by_pkg; /* package id -> SPDXID */
		mmr_map_init(&by_pkg, s->a);
		const char **ids = mmr_arena_calloc(s->a, res->packages.n + 1, sizeof(char *));
		if (!ids)
			return -ENOMEM;
		for (size_t i = 0; i < res->packages.n; i++) {
			const struct mmr_package *p = res->packages.v[i];
			const char *fv = mmr_package_full_version(s->a, p);
			ids[i] = unique_id(s, "Package",
					   mmr_arena_printf(s->a, "%s-%s-%s",
							    mmr_ecosystem_purl_type(p->eco), p->name,
							    fv ? fv : ""));
			if (!ids[i])
				return -ENOMEM;
			if (p->id && !mmr_map_has(&by_pkg, p->id))
				mmr_map_put(&by_pkg, p->id, (void *)ids[i]);
			json_array_append_new(s->packages, package_entry(s, r, ids[i], p));
			rel(s, parent, "CONTAINS", ids[i]);
		}
		for (size_t i = 0; i < res->packages.n; i++) {
			const struct mmr_package *p = res->packages.v[i];
			struct mmr_map seen;
			mmr_map_init(&seen, s->a);
			for (size_t j = 0; j < p->depends_on.n; j++) {
				const char *to = p->depends_on.v[j] ?
							 mmr_map_get(&by_pkg, p->depends_on.v[j]) :
							 NULL;
				if (!to || to == ids[i] || mmr_map_has(&seen, to))
					continue;
				mmr_map_put(&seen, to, (void *)1);
				rel(s, ids[i], "DEPENDS_ON", to);
			}
		}
	}
	if (s->refs.texts.n) {
		json_t *ex = json_array();
		for (size_t i = 0; i < s->refs.texts.n; i++) {
			json_t *o = json_object();
			set(o, "licenseId", s->refs.refs.v[i]);
			set(o, "name", s->refs.texts.v[i]);
			set(o, "extractedText", s->refs.texts.v[i]);
			json_array_append_new(ex, o);
		}
		json_object_set_new(doc, "hasExtractedLicensingInfos", ex);
	}
	return 0;
}

int mmr_report_write_spdx(const struct mmr_report *r, FILE *out, const struct mmr_report_opts *o)
{
	(void)o;
	char uuid[37];
	int ret = mmr_report_uuid4(uuid);
	if (ret < 0)
		return ret;
	struct mmr_arena *a = mmr_arena_new(0);
	if (!a)
		return -ENOMEM;
	struct spdx s = { .a = a, .packages = json_array(), .rels = json_array() };
	mmr_map_init(&s.ids, a);
	mmr_spdx_refs_init(&s.refs, a);
	json_t *doc = json_object();
	const char *name = r->asset.name && *r->asset.name ? r->asset.name : "mamori-scan";
	const char *ver = r->tool_version && *r->tool_version ? r->tool_version : MMR_VERSION;
	set(doc, "spdxVersion", "SPDX-2.3");
	set(doc, "dataLicense", "CC0-1.0");
	set(doc, "SPDXID", "SPDXRef-DOCUMENT");
	set(doc, "name", name);
	set(doc, "documentNamespace",
	    mmr_arena_printf(a, "https://mamori.invalid/spdx/%s-%s",
			     mmr_spdx_idstring(a, name, 100), uuid));
	json_t *ci = json_object(), *creators = json_array();
	json_array_append_new(creators, mmr_report_jstr(mmr_arena_printf(a, "Tool: mamori-%s", ver)));
	json_object_set_new(ci, "creators", creators);
	set(ci, "created", r->created);
	json_object_set_new(doc, "creationInfo", ci);
	if (!s.packages || !s.rels || !doc) {
		ret = -ENOMEM;
		goto out;
	}
	ret = build(&s, r, doc);
	if (ret < 0)
		goto out;
	json_object_set(doc, "packages", s.packages);
	json_object_set(doc, "relationships", s.rels);
	if (json_dumpf(doc, out, JSON_INDENT(2)) < 0 ||
	    fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out))
		ret = -EIO;
out:
	json_decref(s.packages);
	json_decref(s.rels);
	json_decref(doc);
	mmr_arena_free(a);
	return ret;
}
