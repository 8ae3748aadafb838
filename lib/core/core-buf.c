/* core-buf.c - capped growable buffer (see core-buf.h). */
#include "core/core-buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char empty[1];

void mmr_buf_init(struct mmr_buf *b, size_t max)
{
	b->p = empty;
	b->len = b->cap = 0;
	b->max = max;
}

void mmr_buf_release(struct mmr_buf *b)
{
	if (b->cap)
		free(b->p);
	mmr_buf_init(b, b->max);
}

void mmr_buf_reset(struct mmr_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = 0;
}

static int grow(struct mmr_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -E2BIG;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need)
		nc = nc > (b->max + 1) / 2 ? b->max + 1 : nc * 2;
	char *np = b->cap ? realloc(b->p, nc) : malloc(nc);
	if (!np)
		return -ENOMEM;
	if (!b->cap)
		np[0] = 0;
	b->p = np;
	b->cap = nc;
	return 0;
}

int mmr_buf_add(struct mmr_buf *b, const void *data, size_t n)
{
	int r = grow(b, n);
	if (r < 0)
		return r;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int mmr_buf_adds(struct mmr_buf *b, const char *s)
{
	return mmr_buf_add(b, s, strlen(s));
}

int mmr_buf_addc(struct mmr_buf *b, char c)
{
	return mmr_buf_add(b, &c, 1);
}

int mmr_buf_vaddf(struct mmr_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	int r = grow(b, (size_t)n);
	if (r < 0)
		return r;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int mmr_buf_addf(struct mmr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = mmr_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *mmr_buf_detach(struct mmr_buf *b, size_t *ret_len)
{
	char *p = b->cap ? b->p : strdup("");
	if (ret_len)
		*ret_len = b->cap ? b->len : 0;
	mmr_buf_init(b, b->max);
	return p;
}

int mmr_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	struct stat st;
	size_t cap = 4096;
	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (uint64_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	else if (cap > max + 1)
		cap = max + 1;
	char *buf = malloc(cap);
	size_t len = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) { /* max bytes read, and maybe more to come */
				char c;
				ssize_t k;
				while ((k = read(fd, &c, 1)) < 0 && errno == EINTR)
					;
				if (k == 0)
					break;
				free(buf);
				return k < 0 ? -errno : -EFBIG;
			}
			size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	*ret = buf;
	*ret_len = len;
	return 0;
}
