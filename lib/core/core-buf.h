/* core-buf.h - growable byte buffer with a hard cap (curl dynbuf, git strbuf).
 *
 * The buffer is never NULL after init (it points at a static "" until the
 * first append) and always NUL-terminated. Appends past `max` fail with
 * -E2BIG and leave the buffer as it was; -ENOMEM likewise. */
#ifndef MMR_CORE_BUF_H
#define MMR_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mmr_buf {
	char *p;
	size_t len, cap, max;
};

void mmr_buf_init(struct mmr_buf *b, size_t max);
void mmr_buf_release(struct mmr_buf *b);
void mmr_buf_reset(struct mmr_buf *b); /* length 0, memory kept */
int mmr_buf_add(struct mmr_buf *b, const void *data, size_t n);
int mmr_buf_adds(struct mmr_buf *b, const char *s);
int mmr_buf_addc(struct mmr_buf *b, char c);
int mmr_buf_addf(struct mmr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mmr_buf_vaddf(struct mmr_buf *b, const char *fmt, va_list ap);
/* Hand the malloc'ed string to the caller; the buffer is re-initialised. */
char *mmr_buf_detach(struct mmr_buf *b, size_t *ret_len);

/* Read fd to its end into a malloc'ed, NUL-terminated buffer (*ret,
 * *ret_len; free()) of at most max bytes: -EFBIG when there is more, the
 * read errno, or -ENOMEM. EINTR is retried; fd stays open. */
int mmr_read_fd(int fd, size_t max, char **ret, size_t *ret_len);

#endif
