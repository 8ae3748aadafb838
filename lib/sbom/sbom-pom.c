/* sbom-pom.c - Maven project files (pom.xml).
 *
 * One pom.xml gives the project itself (MMR_DEP_ROOT, with its declared
 * licenses) and its direct dependencies (MMR_DEP_DIRECT, with the lines of
 * their <dependency> element), skipping the test and provided scopes as
 * Trivy does. ${...} references are replaced from <properties>, the
 * project's own coordinates (project.groupId/artifactId/version, the legacy
 * pom.* and bare forms) and its <parent> coordinates; versions missing from
 * a dependency come from <dependencyManagement>. The analyzer sees one file
 * only: a parent pom's properties, imported BOMs and transitive
 * dependencies (which need the local repository or the network) are not
 * resolved; such a version stays as written and a warning names it.
 *
 * XML: libxml2 with no network, no DTD loading and no entity substitution;
 * a document with a DOCTYPE is refused outright (no XXE, no entity
 * expansion bombs). Element depth is bounded by libxml2's default limit
 * (256), each resolved value by 4 KiB and 16 levels of references. */
#include "core/core-buf.h"
#include "core/core-str.h"
#include "sbom/sbom-java.h"
#include "sbom/sbom.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define POM_VALUE_MAX 4096
#define POM_REF_DEPTH 16

static bool pom_match(const char *path, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return strcmp(mmr_path_base(path), "pom.xml") == 0;
}

struct pom {
	struct mmr_sbom_ctx *ctx;
	const struct mmr_sbom_file *f;
	struct mmr_map props;   /* name -> const char * (raw) */
	struct mmr_map managed; /* "g:a" -> xmlNode * <dependency> */
	const char *group, *artifact, *version;
	const char *pgroup, *partifact, *pversion;
};

static bool is_el(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is_el(c, name))
			return c;
	return NULL;
}

/* Trimmed text of an element, in the arena; NULL when absent. */
static const char *text(struct mmr_arena *a, const xmlNode *n)
{
	if (!n)
		return NULL;
	xmlChar *t = xmlNodeGetContent(n);
	if (!t)
		return NULL;
	char *s = mmr_str_dup(a, mmr_str_trim(mmr_str_from((const char *)t)));
	xmlFree(t);
	return s;
}

static const char *child_text(struct mmr_arena *a, const xmlNode *n, const char *name)
{
	return text(a, child(n, name));
}

static const char *builtin(const struct pom *p, const char *name)
{
	static const char *const pre[] = { "project.", "pom.", "", NULL };
	for (size_t i = 0; pre[i]; i++) {
		size_t n = strlen(pre[i]);
		if (strncmp(name, pre[i], n) != 0)
			continue;
		const char *k = name + n;
		if (strcmp(k, "groupId") == 0)
			return p->group;
		if (strcmp(k, "artifactId") == 0)
			return p->artifact;
		if (strcmp(k, "version") == 0)
			return p->version;
		if (strcmp(k, "parent.groupId") == 0)
			return p->pgroup;
		if (strcmp(k, "parent.artifactId") == 0)
			return p->partifact;
		if (strcmp(k, "parent.version") == 0)
			return p->pversion;
	}
	return NULL;
}

/* Append s with ${...} replaced; unknown references stay as written. */
static int subst(const struct pom *p, struct mmr_buf *b, const char *s, unsigned depth,
		 bool *ret_unresolved)
{
	while (*s) {
		const char *st = strstr(s, "${");
		const char *en = st ? strchr(st + 2, '}') : NULL;
		if (!st || !en)
			return mmr_buf_adds(b, s);
		int r = mmr_buf_add(b, s, (size_t)(st - s));
		if (r < 0)
			return r;
		char name[256];
		size_t nl = (size_t)(en - st - 2);
		const char *val = NULL;
		if (nl < sizeof(name)) {
			memcpy(name, st + 2, nl);
			name[nl] = 0;
			val = mmr_map_get(&p->props, name);
			if (!val)
				val = builtin(p, name);
		}
		if (val && depth < POM_REF_DEPTH)
			r = subst(p, b, val, depth + 1, ret_unresolved);
		else {
			*ret_unresolved = true;
			r = mmr_buf_add(b, st, (size_t)(en - st + 1));
		}
		if (r < 0)
			return r;
		s = en + 1;
	}
	return 0;
}

static const char *resolve(struct pom *p, const char *s, bool *ret_unresolved)
{
	if (!s || !strstr(s, "${"))
		return s;
	struct mmr_buf b;
	mmr_buf_init(&b, POM_VALUE_MAX);
	bool unres = false;
	int r = subst(p, &b, s, 0, &unres);
	const char *out = r < 0 ? s : mmr_arena_strdup(p->ctx->arena, b.p);
	mmr_buf_release(&b);
	if (r < 0 || unres)
		*ret_unresolved = true;
	return out;
}

/* Line of the </dependency> that closes the element starting on `line`. */
static unsigned long end_line(const struct mmr_sbom_file *f, unsigned long line)
{
	const char *d = (const char *)f->data, *end = d + f->len;
	unsigned long l = 1;
	const char *p = d;
	while (p < end && l < line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return line;
		p = nl + 1;
		l++;
	}
	const char *close = memmem(p, (size_t)(end - p), "</dependency", 12);
	if (!close)
		return line;
	for (; p < close; p++)
		l += *p == '\n';
	return l;
}

static int add_dep(struct pom *p, struct mmr_sbom_group *g, struct mmr_package *root,
		   const xmlNode *dep)
{
	struct mmr_arena *a = p->ctx->arena;
	bool unres = false;
	const char *grp = resolve(p, child_text(a, dep, "groupId"), &unres);
	const char *art = resolve(p, child_text(a, dep, "artifactId"), &unres);
	const char *ver = child_text(a, dep, "version");
	const char *scope = child_text(a, dep, "scope");
	unsigned long line = (unsigned long)xmlGetLineNo(dep);
	if (!grp || !*grp || !art || !*art) {
		mmr_sbom_warn(p->ctx, p->f->path, "pom analyzer: %s:%lu: dependency without groupId or artifactId: skipped",
			      p->f->path, line);
		return 0;
	}
	const char *key = mmr_arena_printf(a, "%s:%s", grp, art);
	if (!key)
		return -ENOMEM;
	const xmlNode *m = mmr_map_get(&p->managed, key);
	if ((!ver || !*ver) && m)
		ver = child_text(a, m, "version");
	if (!scope && m)
		scope = child_text(a, m, "scope");
	scope = resolve(p, scope, &unres);
	if (scope && (strcmp(scope, "test") == 0 || strcmp(scope, "provided") == 0))
		return 0;
	ver = resolve(p, ver ? ver : "", &unres);
	if (unres || !*ver)
		mmr_sbom_warn(p->ctx, p->f->path,
			      "pom analyzer: %s:%lu: %s: version %s not resolved from this file",
			      p->f->path, line, key, *ver ? ver : "(none)");
	struct mmr_package *pkg = mmr_sbom_package_new(p->ctx, g, MMR_ECO_MAVEN, key, ver);
	if (!pkg)
		return -E2BIG;
	pkg->id = *ver ? mmr_arena_printf(a, "%s@%s", key, ver) : pkg->name;
	pkg->relation = MMR_DEP_DIRECT;
	if (line > 0) {
		pkg->line_start = line;
		pkg->line_end = end_line(p->f, line);
	}
	if (root && pkg->id && mmr_sbom_add_dep(p->ctx, root, pkg->id) < 0)
		return -ENOMEM;
	return 0;
}

/* The first XML error (libxml2 goes on and reports more after it). */
struct pom_xml_err {
	bool set;
	char msg[256];
	int line, col;
};

static void pom_xml_error(void *data, xmlErrorPtr e)
{
	xmlParserCtxtPtr pc = data;
	struct pom_xml_err *pe = pc ? pc->_private : NULL;
	if (!pe || pe->set || !e || e->level < XML_ERR_ERROR)
		return;
	pe->set = true;
	snprintf(pe->msg, sizeof(pe->msg), "%s", e->message ? e->message : "XML syntax error");
	size_t n = strlen(pe->msg);
	while (n && (pe->msg[n - 1] == '\n' || pe->msg[n - 1] == ' '))
		pe->msg[--n] = 0;
	pe->line = e->line;
	pe->col = e->int2;
}

static int pom_parse(struct mmr_sbom_ctx *ctx, const struct mmr_sbom_file *f,
		     struct mmr_error *reterr)
{
	struct mmr_arena *a = ctx->arena;
	if (f->len > INT_MAX)
		return mmr_error_set(reterr, E2BIG, f->path, 0, 0, "pom.xml too large");
	if (memmem(f->data, f->len, "<!DOCTYPE", 9) || memmem(f->data, f->len, "<!ENTITY", 8))
		return mmr_error_set(reterr, EBADMSG, f->path, 0, 0,
				     "DOCTYPE/ENTITY declarations are not allowed in pom.xml");
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (!pc)
		return -ENOMEM;
	struct pom_xml_err xe = { 0 };
	pc->_private = &xe;
	pc->sax->serror = pom_xml_error;
	xmlDocPtr doc = xmlCtxtReadMemory(pc, (const char *)f->data, (int)f->len, f->path, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						  XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
	int ret = 0;
	if (!doc || xe.set) {
		ret = mmr_error_set(reterr, EBADMSG, f->path, xe.line > 0 ? (unsigned long)xe.line : 0,
				    xe.col > 0 ? (unsigned long)xe.col : 0, "%s",
				    xe.set ? xe.msg : "XML syntax error");
		goto out;
	}
	xmlNode *proj = xmlDocGetRootElement(doc);
	if (!is_el(proj, "project")) {
		ret = mmr_error_set(reterr, EBADMSG, f->path, proj ? (unsigned long)xmlGetLineNo(proj) : 0, 0,
				    "root element is not <project>");
		goto out;
	}
	struct pom p = { .ctx = ctx, .f = f };
	mmr_map_init(&p.props, a);
	mmr_map_init(&p.managed, a);
	xmlNode *parent = child(proj, "parent");
	p.pgroup = child_text(a, parent, "groupId");
	p.partifact = child_text(a, parent, "artifactId");
	p.pversion = child_text(a, parent, "version");
	p.group = child_text(a, proj, "groupId");
	p.artifact = child_text(a, proj, "artifactId");
	p.version = child_text(a, proj, "version");
	if (!p.group || !*p.group)
		p.group = p.pgroup;
	if (!p.version || !*p.version)
		p.version = p.pversion;
	for (xmlNode *c = child(proj, "properties") ? child(proj, "properties")->children : NULL; c;
	     c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		const char *k = mmr_arena_strdup(a, (const char *)c->name);
		const char *v = text(a, c);
		if (!k || !v || mmr_map_put(&p.props, k, (void *)v) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	}
	bool unres = false;
	p.group = resolve(&p, p.group, &unres);
	p.version = resolve(&p, p.version, &unres);
	p.artifact = resolve(&p, p.artifact, &unres);

	xmlNode *dm = child(child(proj, "dependencyManagement"), "dependencies");
	for (xmlNode *d = dm ? dm->children : NULL; d; d = d->next) {
		if (!is_el(d, "dependency"))
			continue;
		bool u = false;
		const char *g = resolve(&p, child_text(a, d, "groupId"), &u);
		const char *art = resolve(&p, child_text(a, d, "artifactId"), &u);
		const char *k = g && art ? mmr_arena_printf(a, "%s:%s", g, art) : NULL;
		if (k && !mmr_map_has(&p.managed, k) && mmr_map_put(&p.managed, k, d) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	}

	struct mmr_sbom_group *g = mmr_sbom_group_new(ctx, &mmr_sbom_analyzer_pom, f->path);
	if (!g) {
		ret = -ENOMEM;
		goto out;
	}
	struct mmr_package *root = NULL;
	if (p.group && *p.group && p.artifact && *p.artifact) {
		const char *name = mmr_arena_printf(a, "%s:%s", p.group, p.artifact);
		root = name ? mmr_sbom_package_new(ctx, g, MMR_ECO_MAVEN, name,
						   p.version ? p.version : "") :
			      NULL;
		if (!root) {
			ret = -ENOMEM;
			goto out;
		}
		root->id = *root->version ? mmr_arena_printf(a, "%s@%s", root->name, root->version) :
					    root->name;
		root->relation = MMR_DEP_ROOT;
		xmlNode *lics = child(proj, "licenses");
		for (xmlNode *l = lics ? lics->children : NULL; l; l = l->next) {
			if (!is_el(l, "license"))
				continue;
			const char *ln = child_text(a, l, "name");
			if (ln && *ln && mmr_sbom_add_license(ctx, root, ln) < 0) {
				ret = -ENOMEM;
				goto out;
			}
		}
	}
	xmlNode *deps = child(proj, "dependencies");
	for (xmlNode *d = deps ? deps->children : NULL; d; d = d->next) {
		if (!is_el(d, "dependency"))
			continue;
		if ((ret = add_dep(&p, g, root, d)) < 0) {
			if (ret == -E2BIG)
				ret = mmr_error_set(reterr, E2BIG, f->path,
						    (unsigned long)xmlGetLineNo(d), 0,
						    "package limit (max-packages) reached");
			break;
		}
	}
out:
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(pc);
	return ret;
}

int mmr_sbom_pom_licenses(struct mmr_arena *a, const void *data, size_t len,
			  struct mmr_vec *ret)
{
	if (len > INT_MAX || memmem(data, len, "<!DOCTYPE", 9) || memmem(data, len, "<!ENTITY", 8))
		return -EBADMSG;
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (!pc)
		return -ENOMEM;
	struct pom_xml_err xe = { 0 };
	pc->_private = &xe;
	pc->sax->serror = pom_xml_error;
	xmlDocPtr doc = xmlCtxtReadMemory(pc, data, (int)len, "pom.xml", NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						  XML_PARSE_NOCDATA);
	int r = 0;
	xmlNode *proj = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!doc || xe.set || !is_el(proj, "project")) {
		r = -EBADMSG;
	} else {
		xmlNode *lics = child(proj, "licenses");
		for (xmlNode *l = lics ? lics->children : NULL; l && r == 0; l = l->next) {
			if (!is_el(l, "license"))
				continue;
			const char *ln = child_text(a, l, "name");
			if (ln && *ln)
				r = mmr_vec_push(a, ret, (void *)ln);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(pc);
	return r;
}

const struct mmr_sbom_analyzer mmr_sbom_analyzer_pom = {
	.name = "pom",
	.class = "lang-pkgs",
	.targets = MMR_SBOM_SOURCE,
	.version = 1,
	.match = pom_match,
	.parse = pom_parse,
};
