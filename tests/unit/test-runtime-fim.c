/* test-runtime-fim.c - file integrity monitoring on a tree the test builds
 * in a temporary directory: baseline, then add/modify/delete/chmod/chown/
 * symlink retarget and a check that finds exactly those; live re-checks
 * from hand-built events; glob roots; limits; unreadable files; the
 * SQLite round trip and its errors; findings. */
#include "test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-hash.h"
#include "model/model.h"
#include "runtime/runtime-fim.h"

static char root[256];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static const char *P(const char *rel)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) & 3;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, rel);
	return buf[k];
}

static void put(const char *rel, const char *content)
{
	FILE *fp = fopen(P(rel), "we");
	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/mmr-fim-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	chmod(root, 0755);
	mkdir(P("etc"), 0755);
	mkdir(P("etc/sub"), 0755);
	mkdir(P("etc/sub/deep"), 0755);
	put("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
	put("etc/hosts", "127.0.0.1 localhost\n");
	put("etc/sub/a.conf", "a=1\n");
	put("etc/sub/deep/b.conf", "b=2\n");
	put("etc/keep", "unchanged\n");
	chmod(P("etc/keep"), 0644);
	if (symlink("passwd", P("etc/link")) < 0)
		return -1;
	mkdir(P("home"), 0755);
	mkdir(P("home/alice"), 0755);
	mkdir(P("home/alice/.ssh"), 0700);
	put("home/alice/.ssh/authorized_keys", "ssh-ed25519 AAAA alice\n");
	put("home/alice/.ssh/id_ed25519", "secret\n");
	mkdir(P("outside"), 0755);
	put("outside/x", "x\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Changes collected as "kind path-relative-to-root" lines, in order. */
struct got {
	char text[8192];
	size_t off;
	int n;
};

static int on_change(void *ud, const struct mmr_rt_fim_change *c)
{
	struct got *g = ud;
	const char *p = c->path;
	size_t rl = strlen(root);
	if (strncmp(p, root, rl) == 0)
		p += rl + 1;
	int w = snprintf(g->text + g->off, sizeof(g->text) - g->off, "%s %s\n", mmr_rt_fim_change_name(c->kind), p);
	assert_true(w > 0 && (size_t)w < sizeof(g->text) - g->off);
	g->off += (size_t)w;
	g->n++;
	assert_non_null(c->detail[0] ? c->detail : NULL);
	return 0;
}

static struct mmr_rt_fim *fim_for(const char *rel, size_t max_files)
{
	const char *paths[1] = { P(rel) };
	struct mmr_rt_fim_opts o = { .paths = paths, .npaths = 1, .max_files = max_files };
	struct mmr_rt_fim *f = mmr_rt_fim_new(&o);
	assert_non_null(f);
	return f;
}

static void test_check_finds_exactly_the_changes(void **state)
{
	(void)state;
	char db[300];
	snprintf(db, sizeof(db), "%s/fim.db", root);
	struct mmr_rt_fim *f = fim_for("etc", 0);
	int n = mmr_rt_fim_build(f);
	/* etc, sub, deep, passwd, hosts, a.conf, b.conf, keep, link */
	assert_int_equal(n, 9);
	const struct mmr_rt_fim_entry *e = mmr_rt_fim_get(f, P("etc/link"));
	assert_non_null(e);
	assert_int_equal(e->type, MMR_RT_FIM_SYMLINK);
	assert_string_equal(e->target, "passwd");
	assert_string_equal(e->sha256, "");
	e = mmr_rt_fim_get(f, P("etc/hosts"));
	char want[65];
	assert_int_equal(mmr_sha256_hex("127.0.0.1 localhost\n", 20, want), 0);
	assert_string_equal(e->sha256, want);
	assert_int_equal(e->size, 20);
	assert_int_equal(mmr_rt_fim_save(f, db), 0);
	mmr_rt_fim_free(f);

	/* nothing changed yet: the loaded baseline (its stored roots) checks clean */
	f = mmr_rt_fim_new(NULL);
	assert_int_equal(mmr_rt_fim_load(f, db, NULL), 0);
	const char *const *roots;
	assert_int_equal(mmr_rt_fim_roots(f, &roots), 1);
	assert_string_equal(roots[0], P("etc"));
	assert_int_equal(mmr_rt_fim_count(f), 9);
	struct got g = { 0 };
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 0);

	/* change the tree */
	put("etc/hosts", "127.0.0.1 evil\n");                 /* modified */
	put("etc/sub/new.conf", "n\n");                        /* added */
	assert_int_equal(unlink(P("etc/sub/deep/b.conf")), 0); /* deleted */
	assert_int_equal(chmod(P("etc/passwd"), 0666), 0);    /* perms */
	assert_int_equal(unlink(P("etc/link")), 0);            /* symlink retarget */
	assert_int_equal(symlink("hosts", P("etc/link")), 0);
	bool root_user = geteuid() == 0;
	if (root_user)
		assert_int_equal(chown(P("etc/sub/a.conf"), 1234, 5678), 0); /* owner */
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, P("etc/keep"), ts, 0), 0); /* mtime only: not a change */
	put("outside/x", "changed\n");                                  /* not watched */

	memset(&g, 0, sizeof(g));
	n = mmr_rt_fim_check(f, false, on_change, &g);
	const char *expect_root = "modified etc/hosts\n"
				  "modified etc/link\n"
				  "perms etc/passwd\n"
				  "perms etc/sub/a.conf\n"
				  "deleted etc/sub/deep/b.conf\n"
				  "added etc/sub/new.conf\n";
	const char *expect_user = "modified etc/hosts\n"
				  "modified etc/link\n"
				  "perms etc/passwd\n"
				  "deleted etc/sub/deep/b.conf\n"
				  "added etc/sub/new.conf\n";
	/* sorted by path: "etc/sub/a.conf" < "etc/sub/deep/b.conf" < "etc/sub/new.conf" */
	assert_string_equal(g.text, root_user ? expect_root : expect_user);
	assert_int_equal(n, root_user ? 6 : 5);

	/* check without update is repeatable; with update it accepts the state */
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, true, on_change, &g), n);
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 0);
	assert_int_equal(mmr_rt_fim_count(f), 9);
	mmr_rt_fim_free(f);

	/* the stored baseline is unchanged by the in-memory update */
	f = mmr_rt_fim_new(NULL);
	assert_int_equal(mmr_rt_fim_load(f, db, NULL), 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), n);
	mmr_rt_fim_free(f);
}

static void test_type_change_and_dir_removal(void **state)
{
	(void)state;
	mkdir(P("etc/t"), 0755);
	put("etc/t/f1", "1");
	put("etc/t/f2", "2");
	put("etc/t/x", "file");
	struct mmr_rt_fim *f = fim_for("etc/t", 0);
	assert_int_equal(mmr_rt_fim_build(f), 4);
	unlink(P("etc/t/x"));
	mkdir(P("etc/t/x"), 0755); /* file -> dir */
	struct got g = { 0 };
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 1);
	assert_string_equal(g.text, "modified etc/t/x\n");
	unlink(P("etc/t/f1"));
	unlink(P("etc/t/f2"));
	rmdir(P("etc/t/x"));
	rmdir(P("etc/t"));
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 4);
	assert_string_equal(g.text, "deleted etc/t\ndeleted etc/t/f1\ndeleted etc/t/f2\ndeleted etc/t/x\n");
	mmr_rt_fim_free(f);
}

static void ev_path(struct mmr_rt_event *e, unsigned type, const char *name, const char *v, const char *name2,
		    const char *v2)
{
	mmr_rt_event_init(e);
	e->type = (uint16_t)type;
	if (name)
		assert_int_equal(mmr_rt_event_add_arg(e, name, v, 0, false), 0);
	if (name2)
		assert_int_equal(mmr_rt_event_add_arg(e, name2, v2, 0, false), 0);
}

static void ev_open(struct mmr_rt_event *e, const char *path, uint32_t flags)
{
	mmr_rt_event_init(e);
	e->type = MMR_RT_EVT_OPENAT;
	e->res = 3;
	e->fd.num = 3;
	e->fd.open_flags = flags;
	mmr_rt_strlcpy(e->fd.name, path, sizeof(e->fd.name));
}

static void test_live_recheck(void **state)
{
	(void)state;
	mkdir(P("etc/live"), 0755);
	mkdir(P("etc/live/d"), 0755);
	put("etc/live/w", "w0");
	put("etc/live/gone", "g");
	put("etc/live/perm", "p");
	put("etc/live/silent", "s");
	put("etc/live/d/in", "i");
	put("etc/live/ro", "r");
	struct mmr_rt_fim *f = fim_for("etc/live", 0);
	assert_int_equal(mmr_rt_fim_build(f), 8);

	put("etc/live/w", "w1");
	unlink(P("etc/live/gone"));
	chmod(P("etc/live/perm"), 04755);
	put("etc/live/silent", "s2"); /* changed, but no event: a recheck must not see it */
	rename(P("etc/live/d"), P("etc/live/d2"));
	put("etc/live/new", "n");
	put("outside/x", "o");

	struct mmr_rt_event e;
	ev_open(&e, P("etc/live/w"), O_WRONLY | O_TRUNC);
	assert_int_equal(mmr_rt_fim_event(f, &e), 1);
	ev_open(&e, P("etc/live/ro"), O_RDONLY); /* a read: not marked */
	assert_int_equal(mmr_rt_fim_event(f, &e), 0);
	ev_open(&e, P("etc/live/new"), O_WRONLY | O_CREAT);
	assert_int_equal(mmr_rt_fim_event(f, &e), 1);
	ev_open(&e, P("outside/x"), O_WRONLY); /* not under a root */
	assert_int_equal(mmr_rt_fim_event(f, &e), 0);
	ev_path(&e, MMR_RT_EVT_UNLINKAT, "name", P("etc/live/gone"), NULL, NULL);
	assert_int_equal(mmr_rt_fim_event(f, &e), 1);
	ev_path(&e, MMR_RT_EVT_FCHMODAT, "filename", P("etc/live/perm"), "mode", "2541");
	assert_int_equal(mmr_rt_fim_event(f, &e), 1);
	ev_path(&e, MMR_RT_EVT_RENAMEAT2, "oldpath", P("etc/live/d"), "newpath", P("etc/live/d2"));
	assert_int_equal(mmr_rt_fim_event(f, &e), 2);
	ev_path(&e, MMR_RT_EVT_CHMOD, "filename", P("etc/live/silent"), NULL, NULL);
	e.res = -EPERM; /* failed: nothing changed */
	assert_int_equal(mmr_rt_fim_event(f, &e), 0);
	ev_open(&e, P("etc/live/w"), O_RDWR); /* marked twice: reported once */
	assert_int_equal(mmr_rt_fim_event(f, &e), 0);
	assert_int_equal(mmr_rt_fim_marked(f), 6);

	struct got g = { 0 };
	int n = mmr_rt_fim_recheck(f, on_change, &g);
	assert_string_equal(g.text, "deleted etc/live/d\n"
				    "deleted etc/live/d/in\n"
				    "added etc/live/d2\n"
				    "added etc/live/d2/in\n"
				    "deleted etc/live/gone\n"
				    "added etc/live/new\n"
				    "perms etc/live/perm\n"
				    "modified etc/live/w\n");
	assert_int_equal(n, 8);
	assert_int_equal(mmr_rt_fim_marked(f), 0);
	/* taken into the baseline: a second recheck of the same paths is quiet */
	ev_open(&e, P("etc/live/w"), O_WRONLY);
	mmr_rt_fim_event(f, &e);
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_recheck(f, on_change, &g), 0);
	assert_non_null(mmr_rt_fim_get(f, P("etc/live/d2/in")));
	assert_null(mmr_rt_fim_get(f, P("etc/live/d/in")));
	/* the full check still sees the silent change (and only that) */
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 1);
	assert_string_equal(g.text, "modified etc/live/silent\n");
	mmr_rt_fim_free(f);
}

static void test_glob_roots(void **state)
{
	(void)state;
	char pat[512];
	snprintf(pat, sizeof(pat), "%s/home/*/.ssh/authorized_keys", root);
	const char *paths[1] = { pat };
	struct mmr_rt_fim_opts o = { .paths = paths, .npaths = 1 };
	struct mmr_rt_fim *f = mmr_rt_fim_new(&o);
	assert_non_null(f);
	assert_int_equal(mmr_rt_fim_build(f), 1); /* id_ed25519 is not watched */
	mkdir(P("home/bob"), 0755);
	mkdir(P("home/bob/.ssh"), 0700);
	put("home/bob/.ssh/authorized_keys", "ssh-rsa AAAA mallory\n");
	put("home/bob/.ssh/other", "x");
	put("home/alice/.ssh/id_ed25519", "changed\n");
	struct got g = { 0 };
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 1);
	assert_string_equal(g.text, "added home/bob/.ssh/authorized_keys\n");
	/* live marks follow the pattern too */
	struct mmr_rt_event e;
	ev_open(&e, P("home/alice/.ssh/authorized_keys"), O_WRONLY | O_APPEND);
	assert_int_equal(mmr_rt_fim_event(f, &e), 1);
	ev_open(&e, P("home/alice/.ssh/id_ed25519"), O_WRONLY);
	assert_int_equal(mmr_rt_fim_event(f, &e), 0);
	mmr_rt_fim_free(f);
}

static void test_limits_and_large_file(void **state)
{
	(void)state;
	struct mmr_rt_fim *f = fim_for("etc", 3);
	assert_int_equal(mmr_rt_fim_build(f), -E2BIG);
	assert_int_equal(mmr_rt_fim_count(f), 0);
	mmr_rt_fim_free(f);

	/* a 5 MiB (sparse) file is hashed whole, in chunks */
	mkdir(P("big"), 0755);
	int fd = open(P("big/f"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 5 << 20), 0);
	assert_int_equal(pwrite(fd, "end", 3, (5 << 20) - 3), 3);
	close(fd);
	f = fim_for("big", 0);
	assert_int_equal(mmr_rt_fim_build(f), 2);
	struct mmr_sha256 h;
	static unsigned char zero[1 << 20];
	assert_int_equal(mmr_sha256_init(&h), 0);
	for (int i = 0; i < 5; i++)
		mmr_sha256_update(&h, zero, i == 4 ? sizeof(zero) - 3 : sizeof(zero));
	mmr_sha256_update(&h, "end", 3);
	char want[65];
	assert_int_equal(mmr_sha256_final_hex(&h, want), 0);
	const struct mmr_rt_fim_entry *e = mmr_rt_fim_get(f, P("big/f"));
	assert_non_null(e);
	assert_string_equal(e->sha256, want);
	assert_int_equal(e->size, 5 << 20);
	mmr_rt_fim_free(f);

	/* relative roots are refused */
	const char *rel[1] = { "etc" };
	struct mmr_rt_fim_opts o = { .paths = rel, .npaths = 1 };
	assert_null(mmr_rt_fim_new(&o));
}

struct warns {
	int n;
	int err;
	char path[512];
};

static void on_warn(void *ud, const char *path, int err)
{
	struct warns *w = ud;
	w->n++;
	w->err = err;
	snprintf(w->path, sizeof(w->path), "%s", path);
}

static void test_unreadable_is_a_warning(void **state)
{
	(void)state;
	mkdir(P("ur"), 0755);
	put("ur/secret", "s");
	chmod(P("ur/secret"), 0600);
	chown(P("ur/secret"), 0, 0);
	put("ur/open", "o");
	chmod(P("ur/open"), 0644);
	struct mmr_rt_fim *f = fim_for("ur", 0);
	struct warns w = { 0 };
	mmr_rt_fim_set_warn(f, on_warn, &w);
	/* as root, check file access as nobody for this thread */
	int old = geteuid() == 0 ? setfsuid(65534) : -1;
	int n = mmr_rt_fim_build(f);
	if (old >= 0)
		setfsuid((uid_t)old);
	if (geteuid() != 0 && old < 0 && access(P("ur/secret"), R_OK) == 0) {
		mmr_rt_fim_free(f);
		skip();
	}
	assert_int_equal(n, 3);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.err, EACCES);
	assert_string_equal(w.path, P("ur/secret"));
	const struct mmr_rt_fim_entry *e = mmr_rt_fim_get(f, P("ur/secret"));
	assert_true(e->flags & MMR_RT_FIM_UNREADABLE);
	assert_string_equal(e->sha256, "");
	assert_int_equal(strlen(mmr_rt_fim_get(f, P("ur/open"))->sha256), 64);
	/* content of an unreadable file is not compared; its metadata is */
	put("ur/secret", "s2");
	struct got g = { 0 };
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 0);
	chmod(P("ur/secret"), 0644);
	memset(&g, 0, sizeof(g));
	assert_int_equal(mmr_rt_fim_check(f, false, on_change, &g), 1);
	assert_string_equal(g.text, "perms ur/secret\n");
	mmr_rt_fim_free(f);
}

static void test_db_errors(void **state)
{
	(void)state;
	struct mmr_rt_fim *f = mmr_rt_fim_new(NULL);
	struct mmr_error err = { 0 };
	char db[300];
	snprintf(db, sizeof(db), "%s/none.db", root);
	assert_int_equal(mmr_rt_fim_load(f, db, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "fim init"));
	/* a future schema version is refused */
	snprintf(db, sizeof(db), "%s/v2.db", root);
	sqlite3 *s;
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "CREATE TABLE schema_version(version INTEGER NOT NULL);"
					 "INSERT INTO schema_version VALUES(2);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(s);
	assert_int_equal(mmr_rt_fim_load(f, db, &err), -EPROTO);
	/* a corrupt row names the file */
	snprintf(db, sizeof(db), "%s/bad.db", root);
	assert_int_equal(mmr_rt_fim_save(f, db), 0);
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, "INSERT INTO files VALUES('rel','file',0,0,0,0,0,NULL,NULL,0)", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(s);
	assert_int_equal(mmr_rt_fim_load(f, db, &err), -EBADMSG);
	assert_string_equal(err.file, db);
	mmr_rt_fim_free(f);
	mmr_rt_fim_free(NULL);
}

static void test_finding(void **state)
{
	(void)state;
	struct mmr_rt_fim_entry old = { .path = (char *)"/etc/x", .type = MMR_RT_FIM_FILE, .mode = 0755 };
	struct mmr_rt_fim_entry cur = old;
	cur.mode = 04755;
	struct mmr_rt_fim_change c = { .kind = MMR_RT_FIM_PERMS, .path = "/etc/x", .old = &old, .cur = &cur };
	snprintf(c.detail, sizeof(c.detail), "mode 0755 -> 4755");
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_finding *fd = NULL;
	assert_int_equal(mmr_rt_fim_change_finding(a, &c, &fd), 0);
	assert_int_equal(fd->kind, MMR_FINDING_RUNTIME);
	assert_string_equal(fd->rule_id, "fim/perms");
	assert_string_equal(fd->loc.file, "/etc/x");
	assert_string_equal(fd->evidence, "mode 0755 -> 4755");
	assert_int_equal(fd->severity, MMR_SEV_HIGH); /* setuid appeared */
	assert_int_equal(strlen(fd->fingerprint), 64);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_finds_exactly_the_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_change_and_dir_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_recheck, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glob_roots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_large_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_is_a_warning, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_errors, setup, teardown),
		cmocka_unit_test(test_finding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
