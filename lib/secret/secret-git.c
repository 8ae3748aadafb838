/* secret-git.c - secrets in git history through libgit2 (see secret.h).
 *
 * Like gitleaks' `detect` (git log -p -U0 --full-history --all): every
 * commit reachable from the walk's starting points is diffed against its
 * first parent (a root commit against the empty tree) with no context
 * lines and rename detection on, and only the added lines are scanned, hunk
 * by hunk, so a secret is reported in the commit that added it (and again
 * in any later commit that adds it again), at its line in the new file.
 * Merge commits are skipped, as `git log -p` shows no diff for them: their
 * changes are reported in the commits that made them. Binary files are
 * skipped (archives are opened, see secret-archive.c).
 *
 * Limits: max_commits (commits examined; the walk stops with a diag),
 * max_blob (a larger file is treated as binary and skipped). A commit or
 * tree that cannot be read (corrupt object) gives a diag and the walk goes
 * on with the next commit. */
#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/core-buf.h"
#include "secret/secret-internal.h"

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* "2021-11-02T18:37:53-05:00" from a git time. */
static void fmt_time(char *out, size_t n, const git_time *t)
{
	time_t s = (time_t)(t->time + (git_time_t)t->offset * 60);
	struct tm tm;
	if (!gmtime_r(&s, &tm)) {
		snprintf(out, n, "%lld", (long long)t->time);
		return;
	}
	int off = t->offset < 0 ? -t->offset : t->offset;
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t->offset < 0 ? '-' : '+', off / 60,
		 off % 60);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* "YYYY-MM-DD" with an optional "[T ]HH:MM[:SS]" (UTC): seconds since the
 * epoch. Returns 0 on success, -EINVAL when it is not a date. */
int mmr_secret_git_parse_date(const char *s, int64_t *ret)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0;
	int n = 0;
	if (sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	const char *p = s + n;
	if (*p == 'T' || *p == ' ') {
		int k = 0;
		if (sscanf(p + 1, "%2u:%2u%n", &h, &mi, &k) != 2 || k != 5)
			return -EINVAL;
		p += 1 + k;
		if (*p == ':') {
			if (sscanf(p + 1, "%2u%n", &se, &k) != 1 || k != 2)
				return -EINVAL;
			p += 1 + k;
		}
		if (*p == 'Z')
			p++;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	*ret = (int64_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
	return 0;
}

struct walk {
	struct mmr_secret_scanner *sc;
	const struct mmr_secret_git_opts *o;
	struct mmr_report *r;
	struct mmr_secret_git_stats *st;
	git_repository *repo;
	const char *commit;      /* hex */
	const char *who;         /* "Name <email>, date" */
	/* the hunk being gathered */
	const git_diff_delta *delta;
	const char *path;
	struct mmr_buf hunk;
	unsigned long hunk_line; /* new-file line of the hunk's first added line */
	size_t hunk_no;          /* hunks of this file so far */
	bool hunk_big;
	int rc;                  /* a fatal error in a callback (-ENOMEM) */
	int64_t since_time;      /* INT64_MIN: none */
};

static int emit(struct walk *w, struct mmr_vec *found, bool first_hunk, unsigned long line0)
{
	if (!found->n)
		return 0;
	struct mmr_report *r = w->r;
	const char *target = mmr_arena_printf(r->arena, "%s @ %.12s (%s)", w->path, w->commit, w->who);
	if (!target)
		return -ENOMEM;
	struct mmr_result *res = NULL;
	for (size_t i = 0; i < found->n; i++) {
		struct mmr_finding *f = found->v[i];
		if (!f->loc.line_start && !first_hunk)
			continue; /* a path-only rule: once per file and commit */
		if (f->loc.line_start) {
			f->loc.line_start += line0 - 1;
			f->loc.line_end += line0 - 1;
		}
		if (!res && !(res = mmr_report_result(r, target, "secret", "secret")))
			return -ENOMEM;
		if (mmr_vec_push(r->arena, &res->findings, f) < 0)
			return -ENOMEM;
		w->st->findings++;
	}
	return 0;
}

static int flush_hunk(struct walk *w)
{
	if (!w->path || (!w->hunk.len && w->hunk_no))
		return 0;
	if (w->hunk_big) {
		mmr_report_diag(w->r, w->commit, "%s: added lines larger than %llu bytes: not scanned",
				w->path, (unsigned long long)w->o->max_blob);
		w->hunk_big = false;
		mmr_buf_reset(&w->hunk);
		return 0;
	}
	struct mmr_vec found = { 0 };
	int rc = mmr_secret_scan_to_findings(w->sc, w->r->arena, &found, w->path, NULL, w->commit,
					     (const uint8_t *)w->hunk.p, w->hunk.len);
	bool first = w->hunk_no == 0;
	w->hunk_no++;
	mmr_buf_reset(&w->hunk);
	if (rc < 0)
		return rc;
	return emit(w, &found, first, w->hunk_line);
}

/* A binary file: only archives are of interest (opened to the depth limit). */
static void git_archive_warn(void *ud, const char *where, const char *msg)
{
	struct walk *w = ud;
	mmr_report_diag(w->r, w->commit, "%s: %s", where, msg);
}

static int scan_binary(struct walk *w, const git_diff_delta *d)
{
	if (!w->o->max_archive_depth || d->new_file.size > w->o->max_blob)
		return 0;
	git_blob *b = NULL;
	if (git_blob_lookup(&b, w->repo, &d->new_file.id) < 0) {
		mmr_report_diag(w->r, w->commit, "%s: cannot read the blob: %s", d->new_file.path,
				git_msg());
		w->st->skipped++;
		return 0;
	}
	const uint8_t *data = git_blob_rawcontent(b);
	size_t len = (size_t)git_blob_rawsize(b);
	int rc = 0;
	if (data && len <= w->o->max_blob && mmr_secret_is_archive(data, len)) {
		struct mmr_secret_archive_opts ao = {
			.max_depth = w->o->max_archive_depth,
			.max_file_size = w->o->max_blob,
			.max_ratio = MMR_SECRET_GIT_MAX_RATIO,
			.max_entries = MMR_SECRET_GIT_MAX_ENTRIES,
			.commit = w->commit,
			.warn = git_archive_warn,
			.warn_ud = w,
		};
		struct mmr_vec found = { 0 };
		rc = mmr_secret_scan_archive(w->sc, w->r->arena, &found, d->new_file.path, data, len,
					     &ao);
		w->st->files++;
		if (rc >= 0) {
			w->path = d->new_file.path;
			rc = emit(w, &found, true, 1);
			w->path = NULL;
		}
	}
	git_blob_free(b);
	return rc;
}

static int on_file(const git_diff_delta *d, float progress, void *ud)
{
	(void)progress;
	struct walk *w = ud;
	int rc = flush_hunk(w);
	if (rc < 0)
		return w->rc = rc, GIT_EUSER;
	w->delta = d;
	w->path = NULL;
	w->hunk_no = 0;
	if (d->status != GIT_DELTA_ADDED && d->status != GIT_DELTA_MODIFIED &&
	    d->status != GIT_DELTA_RENAMED && d->status != GIT_DELTA_COPIED &&
	    d->status != GIT_DELTA_TYPECHANGE)
		return 0;
	if (!d->new_file.path || !S_ISREG(d->new_file.mode & 0170000))
		return 0;
	if (d->flags & GIT_DIFF_FLAG_BINARY) {
		rc = scan_binary(w, d);
		return rc < 0 ? (w->rc = rc, GIT_EUSER) : 0;
	}
	w->path = d->new_file.path;
	w->st->files++;
	return 0;
}

static int on_hunk(const git_diff_delta *d, const git_diff_hunk *h, void *ud)
{
	(void)d;
	struct walk *w = ud;
	if (!w->path)
		return 0;
	if (w->hunk.len || w->hunk_big) {
		int rc = flush_hunk(w);
		if (rc < 0)
			return w->rc = rc, GIT_EUSER;
	}
	w->hunk_line = h->new_start > 0 ? (unsigned long)h->new_start : 1;
	return 0;
}

static int on_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l, void *ud)
{
	(void)d;
	(void)h;
	struct walk *w = ud;
	if (!w->path || l->origin != GIT_DIFF_LINE_ADDITION || w->hunk_big)
		return 0;
	if (!w->hunk.len && l->new_lineno > 0)
		w->hunk_line = (unsigned long)l->new_lineno;
	if (mmr_buf_add(&w->hunk, l->content, l->content_len) < 0)
		w->hunk_big = true; /* over the cap: reported at the flush */
	return 0;
}

static int scan_commit(struct walk *w, git_commit *c)
{
	git_tree *tree = NULL, *ptree = NULL;
	git_diff *diff = NULL;
	int rc = 0;
	if (git_commit_tree(&tree, c) < 0) {
		mmr_report_diag(w->r, w->commit, "cannot read the tree: %s", git_msg());
		w->st->skipped++;
		return 0;
	}
	if (git_commit_parentcount(c) == 1) {
		git_commit *p = NULL;
		if (git_commit_parent(&p, c, 0) < 0 || git_commit_tree(&ptree, p) < 0) {
			mmr_report_diag(w->r, w->commit, "cannot read the parent: %s", git_msg());
			git_commit_free(p);
			git_tree_free(tree);
			w->st->skipped++;
			return 0;
		}
		git_commit_free(p);
	}
	git_diff_options dopt = GIT_DIFF_OPTIONS_INIT;
	dopt.context_lines = 0;
	dopt.interhunk_lines = 0;
	dopt.max_size = (git_off_t)w->o->max_blob;
	if (git_diff_tree_to_tree(&diff, w->repo, ptree, tree, &dopt) < 0) {
		mmr_report_diag(w->r, w->commit, "cannot diff: %s", git_msg());
		w->st->skipped++;
		goto out;
	}
	git_diff_find_options fopt = GIT_DIFF_FIND_OPTIONS_INIT;
	fopt.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &fopt) < 0)
		mmr_report_diag(w->r, w->commit, "rename detection failed: %s", git_msg());
	w->path = NULL;
	w->hunk_no = 0;
	mmr_buf_reset(&w->hunk);
	w->rc = 0;
	rc = git_diff_foreach(diff, on_file, NULL, on_hunk, on_line, w);
	if (w->rc < 0) {
		rc = w->rc; /* ours: fatal */
	} else if (rc != 0) {
		/* a libgit2 error (a corrupt blob): report, go on */
		mmr_report_diag(w->r, w->commit, "diff failed: %s", git_msg());
		w->st->skipped++;
		rc = 0;
	} else {
		rc = flush_hunk(w);
	}
	w->path = NULL;
out:
	git_diff_free(diff);
	git_tree_free(ptree);
	git_tree_free(tree);
	return rc;
}

static int push_starts(struct walk *w, git_revwalk *rw, struct mmr_error *reterr)
{
	const struct mmr_secret_git_opts *o = w->o;
	if (o->branch) {
		git_object *obj = NULL;
		char ref[1024];
		snprintf(ref, sizeof(ref), "refs/heads/%s", o->branch);
		if (git_revparse_single(&obj, w->repo, ref) < 0 &&
		    git_revparse_single(&obj, w->repo, o->branch) < 0)
			return mmr_error_set(reterr, ENOENT, NULL, 0, 0, "no branch or revision '%s': %s",
					     o->branch, git_msg());
		git_object *peeled = NULL;
		int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
		if (rc < 0)
			return mmr_error_set(reterr, ENOENT, NULL, 0, 0, "'%s' is not a commit",
					     o->branch);
		rc = git_revwalk_push(rw, git_object_id(peeled));
		git_object_free(peeled);
		if (rc < 0)
			return mmr_error_set(reterr, EIO, NULL, 0, 0, "%s", git_msg());
	} else if (!o->head_only) {
		/* every ref, like `git log --all` (tags and remotes too) */
		if (git_revwalk_push_glob(rw, "refs/*") < 0)
			return mmr_error_set(reterr, EIO, NULL, 0, 0, "cannot walk the refs: %s",
					     git_msg());
		git_revwalk_push_head(rw); /* a detached HEAD; an unborn one is no error */
	} else if (git_revwalk_push_head(rw) < 0) {
		return mmr_error_set(reterr, ENOENT, NULL, 0, 0, "no HEAD: %s", git_msg());
	}
	w->since_time = INT64_MIN;
	if (o->since) {
		git_object *obj = NULL;
		if (mmr_secret_git_parse_date(o->since, &w->since_time) == 0)
			return 0;
		if (git_revparse_single(&obj, w->repo, o->since) < 0)
			return mmr_error_set(reterr, EINVAL, NULL, 0, 0,
					     "--since '%s' is neither a date (YYYY-MM-DD[THH:MM[:SS]]) "
					     "nor a revision",
					     o->since);
		git_object *peeled = NULL;
		int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
		git_object_free(obj);
		if (rc < 0)
			return mmr_error_set(reterr, EINVAL, NULL, 0, 0, "--since '%s' is not a commit",
					     o->since);
		rc = git_revwalk_hide(rw, git_object_id(peeled));
		git_object_free(peeled);
		if (rc < 0)
			return mmr_error_set(reterr, EIO, NULL, 0, 0, "%s", git_msg());
	}
	return 0;
}

int mmr_secret_scan_git(struct mmr_secret_scanner *sc, const char *path,
			const struct mmr_secret_git_opts *opts, struct mmr_report *r,
			struct mmr_secret_git_stats *ret_stats, struct mmr_error *reterr)
{
	struct mmr_secret_git_opts o = opts ? *opts : (struct mmr_secret_git_opts){ 0 };
	if (!o.max_commits)
		o.max_commits = MMR_SECRET_GIT_MAX_COMMITS;
	if (!o.max_blob)
		o.max_blob = MMR_SECRET_GIT_MAX_BLOB;
	struct mmr_secret_git_stats st = { 0 };
	struct walk w = { .sc = sc, .o = &o, .r = r, .st = &st };
	git_revwalk *rw = NULL;
	int rc = 0;
	git_libgit2_init(); /* reference counted by libgit2 */
	mmr_buf_init(&w.hunk, (size_t)o.max_blob);
	if (git_repository_open_ext(&w.repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		rc = mmr_error_set(reterr, ENOENT, path, 0, 0, "not a git repository: %s", git_msg());
		goto out;
	}
	if (git_revwalk_new(&rw, w.repo) < 0) {
		rc = mmr_error_set(reterr, EIO, path, 0, 0, "%s", git_msg());
		goto out;
	}
	git_revwalk_sorting(rw, GIT_SORT_TIME);
	if ((rc = push_starts(&w, rw, reterr)) < 0)
		goto out;
	git_oid id;
	int wr;
	while ((wr = git_revwalk_next(&id, rw)) == 0) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &id);
		if (st.commits >= o.max_commits) {
			mmr_report_diag(r, "git history",
					"stopped after %zu commits (max_commits; more are reachable)",
					st.commits);
			st.truncated = true;
			break;
		}
		git_commit *c = NULL;
		if (git_commit_lookup(&c, w.repo, &id) < 0) {
			mmr_report_diag(r, mmr_arena_strdup(r->arena, hex), "cannot read the commit: %s",
					git_msg());
			st.skipped++;
			continue;
		}
		const git_signature *au = git_commit_author(c);
		if (w.since_time != INT64_MIN && git_commit_time(c) < w.since_time) {
			git_commit_free(c);
			continue;
		}
		st.commits++;
		if (git_commit_parentcount(c) > 1) {
			git_commit_free(c);
			continue; /* merges: as git log -p */
		}
		char when[64] = "";
		if (au)
			fmt_time(when, sizeof(when), &au->when);
		w.commit = mmr_arena_strdup(r->arena, hex);
		w.who = mmr_arena_printf(r->arena, "%s <%s>, %s", au && au->name ? au->name : "?",
					 au && au->email ? au->email : "?", when);
		if (!w.commit || !w.who) {
			git_commit_free(c);
			rc = -ENOMEM;
			goto out;
		}
		rc = scan_commit(&w, c);
		git_commit_free(c);
		if (rc < 0)
			goto out;
	}
	if (wr < 0 && wr != GIT_ITEROVER) {
		mmr_report_diag(r, "git history", "the walk stopped: %s", git_msg());
		st.truncated = true;
	}
	rc = 0;
out:
	mmr_buf_release(&w.hunk);
	git_revwalk_free(rw);
	git_repository_free(w.repo);
	git_libgit2_shutdown();
	if (rc >= 0 && ret_stats)
		*ret_stats = st;
	return rc;
}
