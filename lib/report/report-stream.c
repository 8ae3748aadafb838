/* report-stream.c - indented JSON written one element at a time
 * (report-stream.h). */
#include "report/report-stream.h"

#include <errno.h>
#include <string.h>

#define INDENT 2

void mmr_jw_put(struct mmr_jw *w, const char *s, size_t n)
{
	if (!w->err && n && fwrite(s, 1, n, w->out) != n)
		w->err = -EIO;
}

static void newline(struct mmr_jw *w, unsigned depth)
{
	static const char sp[] = "                                ";
	mmr_jw_put(w, "\n", 1);
	for (size_t n = (size_t)depth * INDENT; n > 0;) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
		mmr_jw_put(w, sp, k);
		n -= k;
	}
}

struct rebase {
	struct mmr_jw *w;
	unsigned depth;
};

static int rebase_cb(const char *buf, size_t n, void *data)
{
	struct rebase *rb = data;
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) : n;
		mmr_jw_put(rb->w, buf, k);
		if (nl) {
			newline(rb->w, rb->depth);
			k++;
		}
		buf += k;
		n -= k;
	}
	return rb->w->err ? -1 : 0;
}

struct mmr_jlevel mmr_jw_open(struct mmr_jw *w, unsigned depth, char open)
{
	mmr_jw_put(w, &open, 1);
	return (struct mmr_jlevel){w, depth, false, open == '{' ? '}' : ']'};
}

void mmr_jw_member(struct mmr_jlevel *l, const char *key)
{
	if (l->any)
		mmr_jw_put(l->w, ",", 1);
	l->any = true;
	newline(l->w, l->depth + 1);
	if (key) {
		mmr_jw_put(l->w, "\"", 1);
		mmr_jw_put(l->w, key, strlen(key));
		mmr_jw_put(l->w, "\": ", 3);
	}
}

void mmr_jw_add(struct mmr_jlevel *l, const char *key, json_t *v)
{
	if (!v)
		return;
	mmr_jw_member(l, key);
	struct rebase rb = {l->w, l->depth + 1};
	if (json_dump_callback(v, rebase_cb, &rb, MMR_JW_FLAGS | JSON_ENCODE_ANY) != 0 &&
	    !l->w->err)
		l->w->err = -ENOMEM;
	json_decref(v);
}

void mmr_jw_close(struct mmr_jlevel *l)
{
	if (l->any)
		newline(l->w, l->depth);
	mmr_jw_put(l->w, &l->close, 1);
}

int mmr_jw_finish(struct mmr_jw *w)
{
	if (!w->err && (fflush(w->out) == EOF || ferror(w->out)))
		w->err = -EIO;
	return w->err;
}
