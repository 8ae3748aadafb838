/* secret-scanner.c - the secret rules as a content scanner of targets
 * (struct mmr_file_scanner), findings, redaction, fingerprints, baselines.
 *
 * Skipped files: not regular, empty, larger than max_file_size (16 MiB by
 * default, and never more than the scan's max-file-size), binary (a NUL byte
 * in the first 8 KiB), or allowed by a global path allowlist.
 *
 * A finding: kind SECRET, rule_id, title (the rule's description), severity,
 * loc.file/line_start/line_end/col (1-based, the secret's first byte),
 * loc.layer (images), loc.resource "commit <sha>" (git history), evidence =
 * the secret's first 4 characters then "…" (fewer for secrets shorter than
 * 8: half of them) unless show_secrets, fingerprint = sha256 over rule id,
 * file, layer or commit, and the sha256 of the secret - never the secret.
 * A fingerprint listed in the baseline file marks the finding suppressed
 * ("baseline"). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core-hash.h"
#include "secret/secret-internal.h"

#define BINARY_PROBE 8192
/* Part of the scanner's key, hence of the image layer-cache key: bump it when
 * the findings for the same rules and input change (matching, redaction,
 * fingerprints, archive handling), so that cached layers are scanned again. */
#define ENGINE_VERSION "secret/2"
#define DEFAULT_MAX_FILE ((uint64_t)16 << 20)
#define MAX_BASELINE ((size_t)64 << 20)

struct mmr_secret_scanner {
	struct mmr_file_scanner fs;
	const struct mmr_secret_rules *rs;
	struct mmr_secret_scanner_opts o;
	char key[128]; /* rules digest, show_secrets, baseline digest, max_file_size */
	pthread_mutex_t mu;
	struct mmr_secret_scratch **pool;
	size_t npool, cappool;
	char **baseline; /* sorted */
	size_t nbaseline;
};

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int baseline_load(struct mmr_secret_scanner *sc, const char *path, struct mmr_error *reterr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mmr_error_set(reterr, errno, path, 0, 0, "cannot open the baseline: %s",
				     strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > MAX_BASELINE) {
		close(fd);
		return mmr_error_set(reterr, E2BIG, path, 0, 0, "baseline larger than %zu bytes",
				     MAX_BASELINE);
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	buf[got] = 0;
	int rc = 0;
	unsigned long lineno = 0;
	for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\r#");
		if (!len)
			continue;
		if (len != MMR_SHA256_HEX_LEN || strspn(p, "0123456789abcdef") < len) {
			rc = mmr_error_set(reterr, EBADMSG, path, lineno, 1,
					   "not a fingerprint (64 lower-case hex digits)");
			break;
		}
		char **v = realloc(sc->baseline, (sc->nbaseline + 1) * sizeof(*v));
		if (!v || !(p[len] = 0, v[sc->nbaseline] = strdup(p))) {
			if (v)
				sc->baseline = v;
			rc = -ENOMEM;
			break;
		}
		sc->baseline = v;
		sc->nbaseline++;
	}
	free(buf);
	if (rc == 0 && sc->nbaseline)
		qsort(sc->baseline, sc->nbaseline, sizeof(char *), cmpstr);
	return rc;
}

static bool in_baseline(const struct mmr_secret_scanner *sc, const char *fp)
{
	return sc->nbaseline &&
	       bsearch(&fp, sc->baseline, sc->nbaseline, sizeof(char *), cmpstr) != NULL;
}

static struct mmr_secret_scratch *scratch_get(struct mmr_secret_scanner *sc)
{
	struct mmr_secret_scratch *s = NULL;
	pthread_mutex_lock(&sc->mu);
	if (sc->npool)
		s = sc->pool[--sc->npool];
	pthread_mutex_unlock(&sc->mu);
	if (!s && mmr_secret_scratch_new(sc->rs, &s) < 0)
		return NULL;
	return s;
}

static void scratch_put(struct mmr_secret_scanner *sc, struct mmr_secret_scratch *s)
{
	pthread_mutex_lock(&sc->mu);
	if (sc->npool == sc->cappool) {
		size_t cap = sc->cappool ? sc->cappool * 2 : 8;
		struct mmr_secret_scratch **v = realloc(sc->pool, cap * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&sc->mu);
			mmr_secret_scratch_free(s);
			return;
		}
		sc->pool = v;
		sc->cappool = cap;
	}
	sc->pool[sc->npool++] = s;
	pthread_mutex_unlock(&sc->mu);
}

static uint64_t max_size(const struct mmr_secret_scanner *sc)
{
	return sc->o.max_file_size ? sc->o.max_file_size : DEFAULT_MAX_FILE;
}

static bool wants(const struct mmr_file_scanner *fs, const char *path, uint32_t mode, uint64_t size)
{
	const struct mmr_secret_scanner *sc = fs->ud;
	return S_ISREG(mode) && size > 0 && size <= max_size(sc);
}

struct emit {
	struct mmr_secret_scanner *sc;
	struct mmr_secret_hit *hits; /* collected, then turned into findings */
	size_t nhits, caphits;
	struct mmr_arena *a;
	struct mmr_vec *out;
	const char *file, *layer, *commit, *resource;
	const uint8_t *data;
};

static char *redact(struct mmr_arena *a, const char *s, size_t n)
{
	size_t keep = n >= 8 ? 4 : n / 2;
	/* never cut a UTF-8 sequence */
	while (keep > 0 && keep < n && ((unsigned char)s[keep] & 0xC0) == 0x80)
		keep--;
	return mmr_arena_printf(a, "%.*s\xe2\x80\xa6", (int)keep, s);
}

static int collect(void *ud, const struct mmr_secret_hit *h)
{
	struct emit *e = ud;
	if (e->nhits == e->caphits) {
		size_t cap = e->caphits ? e->caphits * 2 : 16;
		struct mmr_secret_hit *v = realloc(e->hits, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->hits = v;
		e->caphits = cap;
	}
	e->hits[e->nhits++] = *h;
	return 0;
}

/* A generic-* hit whose secret overlaps a specific rule's is the same
 * secret found twice: the specific rule wins (as in gitleaks). */
static bool shadowed(const struct emit *e, const struct mmr_secret_hit *h)
{
	if (strncmp(h->rule_id, "generic", 7) != 0)
		return false;
	for (size_t i = 0; i < e->nhits; i++) {
		const struct mmr_secret_hit *o = &e->hits[i];
		if (o != h && strncmp(o->rule_id, "generic", 7) != 0 &&
		    o->secret_start < h->secret_end && h->secret_start < o->secret_end)
			return true;
	}
	return false;
}

static int on_hit(struct emit *e, const struct mmr_secret_hit *h)
{
	const struct mmr_secret_rules *rs = e->sc->rs;
	const struct mmr_secret_rule *r = &rs->rules[h->rule];
	struct mmr_finding *f = mmr_arena_alloc(e->a, sizeof(*f));
	if (!f)
		return -ENOMEM;
	const char *secret = (const char *)e->data + h->secret_start;
	size_t slen = h->secret_end - h->secret_start;
	char shash[MMR_SHA256_HEX_LEN + 1], fp[MMR_SHA256_HEX_LEN + 1];
	if (mmr_sha256_hex(secret, slen, shash) < 0)
		return -ENOMEM;
	struct mmr_sha256 st;
	if (mmr_sha256_init(&st) < 0)
		return -ENOMEM;
	const char *where = e->layer ? e->layer : e->commit ? e->commit : "";
	mmr_sha256_update(&st, r->id, strlen(r->id) + 1);
	mmr_sha256_update(&st, e->file, strlen(e->file) + 1);
	mmr_sha256_update(&st, where, strlen(where) + 1);
	if (e->resource)
		mmr_sha256_update(&st, e->resource, strlen(e->resource) + 1);
	mmr_sha256_update(&st, shash, MMR_SHA256_HEX_LEN);
	if (mmr_sha256_final_hex(&st, fp) < 0)
		return -ENOMEM;
	f->kind = MMR_FINDING_SECRET;
	f->fingerprint = mmr_arena_strdup(e->a, fp);
	f->rule_id = mmr_arena_strdup(e->a, r->id);
	f->title = mmr_arena_strdup(e->a, r->description[0] ? r->description : r->id);
	f->severity = r->severity;
	f->score = -1;
	f->loc.file = mmr_arena_strdup(e->a, e->file);
	f->loc.layer = e->layer ? mmr_arena_strdup(e->a, e->layer) : NULL;
	f->loc.line_start = h->line;
	f->loc.line_end = h->end_line;
	f->loc.col = h->col;
	if (e->commit)
		f->loc.resource = mmr_arena_printf(e->a, "commit %s", e->commit);
	else if (e->resource)
		f->loc.resource = mmr_arena_strdup(e->a, e->resource);
	if (!slen)
		f->evidence = mmr_arena_strdup(e->a, "(file name)");
	else if (e->sc->o.show_secrets)
		f->evidence = mmr_arena_strndup(e->a, secret, slen);
	else
		f->evidence = redact(e->a, secret, slen);
	f->remediation = mmr_arena_strdup(e->a, "Revoke the secret with its provider, remove it from "
						"the source and the history, and load it at run time");
	if (!f->fingerprint || !f->rule_id || !f->title || !f->loc.file || !f->evidence)
		return -ENOMEM;
	if (in_baseline(e->sc, fp)) {
		f->suppressed = true;
		f->suppressed_by = "baseline";
	}
	return mmr_vec_push(e->a, e->out, f) < 0 ? -ENOMEM : 0;
}

static bool is_binary(const uint8_t *d, size_t n)
{
	return memchr(d, 0, n < BINARY_PROBE ? n : BINARY_PROBE) != NULL;
}

static int scan_buf(struct mmr_secret_scanner *sc, struct emit *e, const char *path,
		    const uint8_t *data, size_t len)
{
	struct mmr_secret_scratch *s = scratch_get(sc);
	if (!s)
		return -ENOMEM;
	e->data = data;
	int rc = mmr_secret_scan(sc->rs, s, path, e->commit, data, len, collect, e);
	scratch_put(sc, s);
	for (size_t i = 0; rc >= 0 && i < e->nhits; i++)
		if (!shadowed(e, &e->hits[i]) && on_hit(e, &e->hits[i]) < 0)
			rc = -ENOMEM;
	free(e->hits);
	e->hits = NULL;
	e->nhits = e->caphits = 0;
	return rc;
}

static void archive_warn(void *ud, const char *where, const char *msg)
{
	mmr_sbom_warn(ud, where, "%s", msg);
}

static void scan(const struct mmr_file_scanner *fs, struct mmr_sbom_ctx *ctx,
		 const struct mmr_sbom_file *f)
{
	struct mmr_secret_scanner *sc = fs->ud;
	uint64_t cap = max_size(sc);
	if (ctx->limits && ctx->limits->max_file_size && ctx->limits->max_file_size < cap)
		cap = ctx->limits->max_file_size;
	if (!f->len || f->len > cap)
		return;
	int rc;
	if (mmr_secret_is_archive(f->data, f->len)) {
		if (!ctx->limits || !ctx->limits->max_archive_depth ||
		    mmr_secret_path_allowed(sc->rs, f->path))
			return;
		struct mmr_secret_archive_opts ao = {
			.max_depth = ctx->limits->max_archive_depth,
			.max_file_size = cap,
			.max_ratio = ctx->limits->max_ratio,
			.max_entries = ctx->limits->max_entries ? ctx->limits->max_entries : UINT64_MAX,
			.layer = ctx->layer,
			.warn = archive_warn,
			.warn_ud = ctx,
		};
		rc = mmr_secret_scan_archive(sc, ctx->arena, &ctx->findings, f->path, f->data, f->len,
					     &ao);
		if (rc < 0)
			mmr_sbom_warn(ctx, f->path, "secret scan failed: %s", strerror(-rc));
		return;
	}
	if (is_binary(f->data, f->len))
		return;
	struct emit e = { .sc = sc, .a = ctx->arena, .out = &ctx->findings, .file = f->path,
			  .layer = ctx->layer };
	rc = scan_buf(sc, &e, f->path, f->data, f->len);
	if (rc < 0)
		mmr_sbom_warn(ctx, f->path, "secret scan failed: %s", strerror(-rc));
}

int mmr_secret_scan_to_findings(struct mmr_secret_scanner *sc, struct mmr_arena *a,
				struct mmr_vec *out, const char *file, const char *layer,
				const char *commit, const uint8_t *data, size_t len)
{
	if (!len || len > max_size(sc) || is_binary(data, len))
		return 0;
	struct emit e = { .sc = sc, .a = a, .out = out, .file = file, .layer = layer, .commit = commit };
	return scan_buf(sc, &e, file, data, len);
}

static int scan_config_item(struct mmr_secret_scanner *sc, struct mmr_report *r, struct mmr_vec *out,
			    const char *resource, const char *text)
{
	if (!text || !*text)
		return 0;
	struct emit e = { .sc = sc, .a = r->arena, .out = out, .file = "image config",
			  .resource = resource };
	return scan_buf(sc, &e, NULL, (const uint8_t *)text, strlen(text));
}

int mmr_secret_scan_image_config(struct mmr_secret_scanner *sc, struct mmr_report *r)
{
	if (!r->asset.has_config)
		return 0;
	const struct mmr_image_config *c = &r->asset.config;
	struct mmr_vec out = { 0 };
	int rc = 0;
	for (size_t i = 0; rc >= 0 && i < c->env.n; i++) {
		const char *kv = c->env.v[i];
		const char *res = mmr_arena_printf(r->arena, "ENV %.*s", (int)strcspn(kv, "="), kv);
		rc = res ? scan_config_item(sc, r, &out, res, kv) : -ENOMEM;
	}
	for (size_t i = 0; rc >= 0 && i < c->label_keys.n && i < c->label_values.n; i++) {
		const char *k = c->label_keys.v[i], *v = c->label_values.v[i];
		const char *res = mmr_arena_printf(r->arena, "LABEL %s", k);
		const char *kv = mmr_arena_printf(r->arena, "%s=%s", k, v ? v : "");
		rc = res && kv ? scan_config_item(sc, r, &out, res, kv) : -ENOMEM;
	}
	for (size_t i = 0; rc >= 0 && i < c->history.n; i++) {
		const struct mmr_image_history *h = c->history.v[i];
		const char *res = mmr_arena_printf(r->arena, "history[%zu] created_by", i);
		rc = res ? scan_config_item(sc, r, &out, res, h->created_by) : -ENOMEM;
	}
	if (rc < 0)
		return rc;
	if (!out.n)
		return 0;
	struct mmr_result *res = mmr_report_result(r, "image config", "secret", "secret");
	if (!res)
		return -ENOMEM;
	for (size_t i = 0; i < out.n; i++)
		if (mmr_vec_push(r->arena, &res->findings, out.v[i]) < 0)
			return -ENOMEM;
	return (int)out.n;
}

int mmr_secret_scanner_new(const struct mmr_secret_rules *rs,
			   const struct mmr_secret_scanner_opts *o, struct mmr_secret_scanner **ret,
			   struct mmr_error *reterr)
{
	struct mmr_secret_scanner *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->rs = rs;
	if (o)
		sc->o = *o;
	sc->o.baseline = NULL;
	pthread_mutex_init(&sc->mu, NULL);
	sc->fs = (struct mmr_file_scanner){
		.name = "secret",
		.key = sc->key,
		.wants = wants,
		.scan = scan,
		.ud = sc,
		.threadsafe = true, /* scratch from the pool, findings into the caller's ctx */
	};
	if (o && o->baseline) {
		int rc = baseline_load(sc, o->baseline, reterr);
		if (rc < 0) {
			mmr_secret_scanner_free(sc);
			return rc;
		}
	}
	/* the key (part of the image layer-cache key) covers everything the
	 * findings depend on: a baseline marks findings suppressed at scan time */
	char bl[MMR_SHA256_HEX_LEN + 1] = "-";
	if (sc->nbaseline) {
		struct mmr_sha256 h;
		if (mmr_sha256_init(&h) < 0) {
			mmr_secret_scanner_free(sc);
			return -ENOMEM;
		}
		for (size_t i = 0; i < sc->nbaseline; i++)
			mmr_sha256_update(&h, sc->baseline[i], strlen(sc->baseline[i]) + 1);
		if (mmr_sha256_final_hex(&h, bl) < 0) {
			mmr_secret_scanner_free(sc);
			return -ENOMEM;
		}
	}
	snprintf(sc->key, sizeof(sc->key), "%s:%.16s:%d:%.16s:%llu", ENGINE_VERSION,
		 mmr_secret_rules_digest(rs), sc->o.show_secrets, bl,
		 (unsigned long long)max_size(sc));
	*ret = sc;
	return 0;
}

void mmr_secret_scanner_free(struct mmr_secret_scanner *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->npool; i++)
		mmr_secret_scratch_free(sc->pool[i]);
	free(sc->pool);
	for (size_t i = 0; i < sc->nbaseline; i++)
		free(sc->baseline[i]);
	free(sc->baseline);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}

const struct mmr_file_scanner *mmr_secret_scanner_get(const struct mmr_secret_scanner *sc)
{
	return &sc->fs;
}
