/* vulndb-feed-ubuntu.c - Ubuntu CVE Tracker files (ubuntu-uct).
 *
 * One file per CVE (active/CVE-2020-0009 in ubuntu-cve-tracker), RFC 822
 * style: "Field: value" with continuation lines that start with a space:
 *   Candidate: CVE-2020-0009
 *   PublicDate: 2020-01-08 16:15:00 UTC
 *   References: / Description: / Ubuntu-Description: (continued below)
 *   Priority: low                       (negligible|low|medium|high|critical)
 *   CVSS:  " nvd: CVSS:3.1/AV:L/..."
 *   Patches_<pkg>: / Tags_<pkg>: / Priority_<pkg>: medium
 *   <release>_<pkg>: <status> [(<version or note>)]
 * Several files may be concatenated (a blank line between them does not end
 * a record; a new "Candidate:" does).
 *
 * Releases map to "ubuntu:<YY.MM>" by the codename table below; ESM
 * variants ("trusty/esm", "esm-infra/xenial", "esm-apps/jammy",
 * "esm-infra-legacy/trusty") map to the same version as their release.
 * "upstream", "devel", "snap", "fips*", "ros-esm" and unknown names are
 * skipped. When a package has both a standard and an ESM line for one
 * version, the more definite one is kept (released/not-affected over
 * pending/needed/deferred over needs-triage over ignored; between two
 * releases the lower fixed version).
 *
 * Statuses: released (V) -> fixed (introduced "0", fixed V); needed,
 * pending, deferred, active -> unfixed; needs-triage -> under investigation;
 * not-affected -> not affected; ignored -> will not fix; DNE -> no record.
 * The severity of a package is its Priority_<pkg> when present, else the
 * CVE's Priority. UCT names source packages, as the matcher wants.
 *
 * Counting: sink->accepted counts CVE files, sink->rejected malformed
 * files (no Candidate) and malformed status lines. */
#include "vulndb/vulndb-feed.h"

#include <errno.h>
#include <string.h>

#include "core/core-str.h"
#include "core/core-vec.h"
#include "vulndb/vulndb-version.h"

#define UCT_MAX_REFS 256
#define UCT_MAX_PKGS 4096

static const struct {
	const char *codename, *version;
} ubuntu_releases[] = {
	{ "warty", "4.10" },    { "hoary", "5.04" },	{ "breezy", "5.10" },   { "dapper", "6.06" },
	{ "edgy", "6.10" },     { "feisty", "7.04" },	{ "gutsy", "7.10" },    { "hardy", "8.04" },
	{ "intrepid", "8.10" }, { "jaunty", "9.04" },	{ "karmic", "9.10" },   { "lucid", "10.04" },
	{ "maverick", "10.10" }, { "natty", "11.04" },	{ "oneiric", "11.10" }, { "precise", "12.04" },
	{ "quantal", "12.10" }, { "raring", "13.04" },	{ "saucy", "13.10" },   { "trusty", "14.04" },
	{ "utopic", "14.10" },  { "vivid", "15.04" },	{ "wily", "15.10" },    { "xenial", "16.04" },
	{ "yakkety", "16.10" }, { "zesty", "17.04" },	{ "artful", "17.10" },  { "bionic", "18.04" },
	{ "cosmic", "18.10" },  { "disco", "19.04" },	{ "eoan", "19.10" },    { "focal", "20.04" },
	{ "groovy", "20.10" },  { "hirsute", "21.04" }, { "impish", "21.10" },  { "jammy", "22.04" },
	{ "kinetic", "22.10" }, { "lunar", "23.04" },	{ "mantic", "23.10" },  { "noble", "24.04" },
	{ "oracular", "24.10" }, { "plucky", "25.04" }, { "questing", "25.10" }, { "resolute", "26.04" },
};

/* "jammy", "trusty/esm", "esm-infra/xenial" -> "22.04"...; *ret_esm says
 * whether it is an ESM variant. NULL for anything else. */
static const char *ubuntu_release(struct mmr_str rel, bool *ret_esm)
{
	static const char *const esm_prefixes[] = { "esm-infra/", "esm-apps/", "esm-infra-legacy/" };
	*ret_esm = false;
	for (size_t i = 0; i < sizeof(esm_prefixes) / sizeof(esm_prefixes[0]); i++)
		if (mmr_str_starts(rel, esm_prefixes[i])) {
			size_t n = strlen(esm_prefixes[i]);
			rel.p += n;
			rel.len -= n;
			*ret_esm = true;
			break;
		}
	if (!*ret_esm && mmr_str_ends(rel, "/esm")) {
		rel.len -= 4;
		*ret_esm = true;
	}
	for (size_t i = 0; i < sizeof(ubuntu_releases) / sizeof(ubuntu_releases[0]); i++)
		if (mmr_str_eqc(rel, ubuntu_releases[i].codename))
			return ubuntu_releases[i].version;
	return NULL;
}

static int emit_vuln(struct mmr_vulndb_sink *s, const struct mmr_vuln *v)
{
	return s->vuln ? s->vuln(s->ud, v) : 0;
}

static int emit_affected(struct mmr_vulndb_sink *s, const struct mmr_vuln_affected *a)
{
	return s->affected ? s->affected(s->ud, a) : 0;
}

static bool uct_detect(const char *path, const uint8_t *head, size_t len)
{
	(void)path;
	bool cand = (len >= 10 && memcmp(head, "Candidate:", 10) == 0) ||
		    mmr_vulndb_head_has(head, len, "\nCandidate:");
	return cand &&
	       (mmr_vulndb_head_has(head, len, "PublicDate:") ||
		mmr_vulndb_head_has(head, len, "Priority:"));
}

/* One (release version, package) status. */
struct uct_status {
	const char *eco, *pkg, *fixed;
	enum mmr_vuln_status status;
	int rank; /* higher is more definite */
};

struct uct {
	unsigned long line;
	const char *id, *published, *priority, *cvss3;
	char *desc;
	size_t desc_len;
	struct mmr_vec refs;     /* const char * */
	struct mmr_vec statuses; /* struct uct_status * */
	struct mmr_map prio;     /* pkg -> priority */
	struct mmr_map slot;     /* "eco\x1fpkg" -> struct uct_status * */
	bool bad;
};

enum field { F_NONE, F_DESC, F_REFS, F_CVSS, F_OTHER };

static int uct_flush(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     struct uct *u)
{
	if (u->bad)
		return 0;
	if (!u->id) {
		if (u->line && (u->statuses.n || u->desc_len))
			mmr_vulndb_reject(s, path, u->line, "UCT record without a Candidate");
		return 0;
	}
	if (u->desc && !mmr_utf8_valid(u->desc, u->desc_len))
		u->desc = NULL;
	struct mmr_vuln v = { .id = u->id, .source = "ubuntu",
			      .description = u->desc,
			      .published = u->published, .severity = u->priority,
			      .cvss3_vector = u->cvss3, .cvss3_score = -1, .cvss4_score = -1,
			      .references = (const char *const *)u->refs.v, .n_references = u->refs.n };
	int r = emit_vuln(s, &v);
	for (size_t i = 0; r >= 0 && i < u->statuses.n; i++) {
		struct uct_status *st = u->statuses.v[i];
		struct mmr_vuln_range rg = { .introduced = "0", .fixed = st->fixed };
		const char *sev = mmr_map_get(&u->prio, st->pkg);
		struct mmr_vuln_affected af = {
			.vuln_id = u->id, .source = "ubuntu", .ecosystem = st->eco,
			.package = st->pkg, .scheme = "dpkg",
			.ranges = st->status == MMR_VULN_NOT_AFFECTED ? NULL : &rg,
			.n_ranges = st->status == MMR_VULN_NOT_AFFECTED ? 0 : 1,
			.status = st->status, .severity = sev ? sev : u->priority,
		};
		r = emit_affected(s, &af);
	}
	if (r >= 0)
		s->accepted++;
	return r;
}

static int desc_append(struct mmr_arena *a, struct uct *u, struct mmr_str t)
{
	if (u->desc_len + t.len + 2 > MMR_VULNDB_MAX_TEXT)
		return 0;
	char *n = mmr_arena_realloc(a, u->desc, u->desc ? u->desc_len + 1 : 0,
				    u->desc_len + t.len + 2);
	if (!n)
		return -ENOMEM;
	if (u->desc_len)
		n[u->desc_len++] = ' ';
	memcpy(n + u->desc_len, t.p, t.len);
	u->desc_len += t.len;
	n[u->desc_len] = 0;
	u->desc = n;
	return 0;
}

/* "2020-01-08 16:15:00 UTC" or "2020-01-08" -> RFC 3339. */
static const char *uct_date(struct mmr_arena *a, struct mmr_str v)
{
	uint64_t y, m, d, hh = 0, mm = 0, ss = 0;
	if (v.len < 10 || v.p[4] != '-' || v.p[7] != '-' || !mmr_parse_u64(v.p, 4, &y) ||
	    !mmr_parse_u64(v.p + 5, 2, &m) || !mmr_parse_u64(v.p + 8, 2, &d) || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return NULL;
	if (v.len >= 19 && v.p[10] == ' ' && v.p[13] == ':' && v.p[16] == ':') {
		if (!mmr_parse_u64(v.p + 11, 2, &hh) || !mmr_parse_u64(v.p + 14, 2, &mm) ||
		    !mmr_parse_u64(v.p + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
			hh = mm = ss = 0;
	}
	return mmr_arena_printf(a, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y, (unsigned)m,
				(unsigned)d, (unsigned)hh, (unsigned)mm, (unsigned)ss);
}

static bool pkg_ok(struct mmr_str p)
{
	if (!p.len || p.len > 256)
		return false;
	for (size_t i = 0; i < p.len; i++) {
		char c = p.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '+' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* "<release>_<pkg>: <status> [(<detail>)]" */
static int uct_status_line(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
			   unsigned long lineno, struct uct *u, struct mmr_str key, struct mmr_str val)
{
	long us = mmr_str_chr(key, '_');
	struct mmr_str rel = { key.p, (size_t)us }, pkg = { key.p + us + 1, key.len - (size_t)us - 1 };
	bool esm;
	const char *ver = ubuntu_release(rel, &esm);
	if (!ver)
		return 0; /* upstream, devel, snap, fips, unknown releases */
	if (!pkg_ok(pkg))
		goto bad;
	struct mmr_str st = val, detail = { NULL, 0 };
	long paren = mmr_str_chr(val, '(');
	if (paren >= 0) {
		st = mmr_str_trim((struct mmr_str){ val.p, (size_t)paren });
		struct mmr_str in = { val.p + paren + 1, val.len - (size_t)paren - 1 };
		long close = mmr_str_chr(in, ')');
		if (close < 0)
			goto bad;
		detail = mmr_str_trim((struct mmr_str){ in.p, (size_t)close });
	}
	enum mmr_vuln_status status;
	int rank;
	const char *fixed = NULL;
	if (mmr_str_eqc(st, "DNE"))
		return 0;
	if (mmr_str_eqc(st, "released")) {
		if (!detail.len || detail.len > MMR_VULNDB_MAX_ID || mmr_str_chr(detail, ' ') >= 0)
			goto bad;
		status = MMR_VULN_FIXED;
		rank = 4;
		fixed = mmr_str_dup(a, detail);
		if (!fixed)
			return -ENOMEM;
	} else if (mmr_str_eqc(st, "not-affected")) {
		status = MMR_VULN_NOT_AFFECTED;
		rank = 4;
	} else if (mmr_str_eqc(st, "needed") || mmr_str_eqc(st, "pending") ||
		   mmr_str_eqc(st, "deferred") || mmr_str_eqc(st, "active")) {
		status = MMR_VULN_UNFIXED;
		rank = 3;
	} else if (mmr_str_eqc(st, "needs-triage")) {
		status = MMR_VULN_UNDER_INVESTIGATION;
		rank = 2;
	} else if (mmr_str_eqc(st, "ignored")) {
		status = MMR_VULN_WONTFIX;
		rank = 1;
	} else {
		goto bad;
	}
	const char *eco = mmr_arena_printf(a, "ubuntu:%s", ver);
	const char *name = mmr_str_dup(a, pkg);
	const char *slotkey = mmr_arena_printf(a, "%s\x1f%s", eco ? eco : "", name ? name : "");
	if (!eco || !name || !slotkey)
		return -ENOMEM;
	struct uct_status *old = mmr_map_get(&u->slot, slotkey);
	if (old) {
		int c;
		if (rank < old->rank)
			return 0;
		if (rank == old->rank && !(status == MMR_VULN_FIXED && old->status == MMR_VULN_FIXED &&
					   mmr_version_cmp("dpkg", fixed, old->fixed, &c) == 0 && c < 0))
			return 0;
		old->status = status;
		old->rank = rank;
		old->fixed = fixed;
		return 0;
	}
	if (u->statuses.n >= UCT_MAX_PKGS) {
		mmr_vulndb_reject(s, path, lineno, "%s: more than %d package lines", u->id ? u->id : "?",
				  UCT_MAX_PKGS);
		return 0;
	}
	struct uct_status *n = mmr_arena_alloc(a, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = (struct uct_status){ .eco = eco, .pkg = name, .fixed = fixed, .status = status,
				  .rank = rank };
	int r = mmr_map_put(&u->slot, slotkey, n);
	return r < 0 ? r : mmr_vec_push(a, &u->statuses, n);
bad:
	mmr_vulndb_reject(s, path, lineno, "%s: malformed status line", u->id ? u->id : "UCT");
	return 0;
}

static const char *priority_ok(struct mmr_arena *a, struct mmr_str v)
{
	static const char *const prios[] = { "negligible", "low", "medium", "high", "critical",
					     "untriaged" };
	/* "medium" or "medium\n reason..." — only the first word counts */
	struct mmr_str w = v;
	long sp = mmr_str_chr(w, ' ');
	if (sp >= 0)
		w.len = (size_t)sp;
	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++)
		if (mmr_str_eqc(w, prios[i]))
			return strcmp(prios[i], "untriaged") == 0 ? NULL : mmr_str_dup(a, w);
	return NULL;
}

static int uct_parse(struct mmr_arena *a, struct mmr_vulndb_sink *s, const char *path,
		     const uint8_t *data, size_t len, struct mmr_error *reterr)
{
	struct mmr_lines it;
	struct mmr_str l;
	struct uct u = { 0 };
	enum field cur = F_NONE;
	bool any = false;
	int r;
	mmr_map_init(&u.prio, a);
	mmr_map_init(&u.slot, a);
	mmr_lines_init(&it, data, len);
	while (mmr_lines_next(&it, &l)) {
		if (l.len > MMR_VULNDB_MAX_TEXT) {
			mmr_vulndb_reject(s, path, it.lineno, "line longer than %zu bytes",
					  MMR_VULNDB_MAX_TEXT);
			continue;
		}
		if (!l.len || l.p[0] == '#')
			continue;
		if (l.p[0] == ' ' || l.p[0] == '\t') {
			struct mmr_str t = mmr_str_trim(l);
			if (!t.len)
				continue;
			if (cur == F_DESC) {
				if ((r = desc_append(a, &u, t)) < 0)
					return r;
			} else if (cur == F_REFS) {
				if (u.refs.n < UCT_MAX_REFS && t.len <= MMR_VULNDB_MAX_ID &&
				    mmr_utf8_valid(t.p, t.len)) {
					char *ref = mmr_str_dup(a, t);
					if (!ref || mmr_vec_push(a, &u.refs, ref) < 0)
						return -ENOMEM;
				}
			} else if (cur == F_CVSS) {
				long c = mmr_str_chr(t, ':');
				struct mmr_str vec = c >= 0 ? mmr_str_trim((struct mmr_str){
								      t.p + c + 1, t.len - (size_t)c - 1 })
							    : t;
				if (!u.cvss3 && mmr_str_starts(vec, "CVSS:3.") && vec.len <= 200 &&
				    !(u.cvss3 = mmr_str_dup(a, vec)))
					return -ENOMEM;
			}
			continue;
		}
		long colon = mmr_str_chr(l, ':');
		if (colon <= 0) {
			mmr_vulndb_reject(s, path, it.lineno, "not a \"Field: value\" line");
			cur = F_OTHER;
			continue;
		}
		struct mmr_str key = { l.p, (size_t)colon };
		struct mmr_str val = mmr_str_trim((struct mmr_str){ l.p + colon + 1, l.len - (size_t)colon - 1 });
		cur = F_OTHER;
		if (mmr_str_eqc(key, "Candidate")) {
			if ((r = uct_flush(a, s, path, &u)) < 0)
				return r;
			u = (struct uct){ .line = it.lineno };
			mmr_map_init(&u.prio, a);
			mmr_map_init(&u.slot, a);
			if (!val.len || val.len > 64 || mmr_str_chr(val, ' ') >= 0) {
				mmr_vulndb_reject(s, path, it.lineno, "bad Candidate id");
				u.bad = true;
				continue;
			}
			any = true;
			if (!(u.id = mmr_str_dup(a, val)))
				return -ENOMEM;
		} else if (!u.line) {
			u.line = it.lineno; /* fields before the Candidate line */
		}
		if (mmr_str_eqc(key, "Candidate")) {
			continue;
		} else if (mmr_str_eqc(key, "PublicDate")) {
			u.published = uct_date(a, val);
		} else if (mmr_str_eqc(key, "Description")) {
			cur = F_DESC;
			if (val.len && (r = desc_append(a, &u, val)) < 0)
				return r;
		} else if (mmr_str_eqc(key, "References")) {
			cur = F_REFS;
		} else if (mmr_str_eqc(key, "CVSS")) {
			cur = F_CVSS;
		} else if (mmr_str_eqc(key, "Priority")) {
			u.priority = priority_ok(a, val);
		} else if (mmr_str_starts(key, "Priority_")) {
			struct mmr_str pkg = { key.p + 9, key.len - 9 };
			const char *p = priority_ok(a, val);
			const char *name = mmr_str_dup(a, pkg);
			if (!name)
				return -ENOMEM;
			if (p && pkg_ok(pkg) && (r = mmr_map_put(&u.prio, name, (void *)p)) < 0)
				return r;
		} else if (mmr_str_starts(key, "Patches_") || mmr_str_starts(key, "Tags_")) {
			continue;
		} else if (mmr_str_chr(key, '_') > 0) {
			if ((r = uct_status_line(a, s, path, it.lineno, &u, key, val)) < 0)
				return r;
		}
		/* other fields (Notes, Bugs, Mitigation, Assigned-to ...) are not used */
	}
	if ((r = uct_flush(a, s, path, &u)) < 0)
		return r;
	if (!any && len)
		return mmr_error_set(reterr, EBADMSG, path, 0, 0, "no Candidate: in a UCT file");
	return 0;
}

const struct mmr_vulndb_feed mmr_vulndb_feed_ubuntu_uct = {
	.name = "ubuntu-uct",
	.description = "Ubuntu CVE Tracker files (ubuntu-cve-tracker active/CVE-*)",
	.detect = uct_detect,
	.parse = uct_parse,
};
