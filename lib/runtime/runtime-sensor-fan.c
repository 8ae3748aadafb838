/* runtime-sensor-fan.c - fallback file events from fanotify (no eBPF).
 *
 * Two notification groups (FAN_CLASS_NOTIF: nothing is ever blocked):
 *  - writes: FAN_CLOSE_WRITE with an fd per event (its path from
 *    /proc/self/fd), marked on the root file system (FAN_MARK_FILESYSTEM,
 *    else a mount mark on /);
 *  - directory entries: FAN_REPORT_DFID_NAME with FAN_CREATE, FAN_DELETE,
 *    FAN_RENAME (FAN_ONDIR for mkdir), on the root file system; the
 *    directory is found again by open_by_handle_at() on a descriptor of /.
 * Each event becomes a bpf/sensor.h record flagged MMR_SENSOR_F_FANOTIFY:
 * a write or a creation an MMR_SENSOR_OPEN (openat, O_WRONLY / O_CREAT,
 * fd number unknown: res 0), a deletion MMR_SENSOR_UNLINK (unlinkat), a
 * rename MMR_SENSOR_RENAME (renameat2), a directory creation
 * MMR_SENSOR_MKDIR. The process is the one fanotify names (header from
 * /proc; gone processes keep only their pid).
 *
 * Not seen this way: reads (FAN_OPEN on a whole file system is too
 * chatty for a fallback), chmod/chown, links, other file systems than the
 * root one (e.g. containers' overlay mounts, tmpfs), and the syscall's own
 * flags and return value. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "runtime/runtime-event.h"
#include "runtime/runtime-sensor.h"

struct mmr_rt_sensor_fan {
	int wfd;   /* FAN_CLOSE_WRITE, fd events; -1 none */
	int dfd;   /* FAN_REPORT_DFID_NAME: create/delete/rename; -1 none */
	int root;  /* descriptor of / for open_by_handle_at (not O_PATH: EBADF) */
	uint32_t self;
	union {
		struct mmr_sensor_file rec;
		char raw[sizeof(struct mmr_sensor_file)];
	} r;
};

static void note_add(char *note, size_t notelen, const char *fmt, const char *what, int err)
{
	if (!note || !notelen)
		return;
	size_t used = strlen(note);
	if (used + 1 >= notelen)
		return;
	snprintf(note + used, notelen - used, fmt, what, strerror(err));
}

int mmr_rt_sensor_fan_open(uint32_t self_pid, struct mmr_rt_sensor_fan **ret, char *note, size_t notelen)
{
	struct mmr_rt_sensor_fan *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->wfd = f->dfd = f->root = -1;
	f->self = self_pid ? self_pid : (uint32_t)getpid();
	if (note && notelen)
		note[0] = 0;
	f->wfd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (f->wfd < 0) {
		int e = errno;
		note_add(note, notelen, "; fanotify: %s: %s", "fanotify_init", e);
		free(f);
		return -e;
	}
	if (fanotify_mark(f->wfd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE, AT_FDCWD, "/") < 0 &&
	    fanotify_mark(f->wfd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_WRITE, AT_FDCWD, "/") < 0) {
		int e = errno;
		note_add(note, notelen, "; fanotify: %s: %s", "mark /", e);
		close(f->wfd);
		free(f);
		return -e;
	}
	f->root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->dfd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME,
			       O_RDONLY | O_CLOEXEC);
	if (f->dfd < 0 || f->root < 0) {
		note_add(note, notelen, "; fanotify: no %s (%s): creations, deletions and renames are lost",
			 "FAN_REPORT_DFID_NAME", errno);
	} else if (fanotify_mark(f->dfd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				 FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ONDIR, AT_FDCWD, "/") < 0 &&
		   fanotify_mark(f->dfd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				 FAN_CREATE | FAN_DELETE | FAN_ONDIR, AT_FDCWD, "/") < 0) {
		note_add(note, notelen, "; fanotify: %s: %s: creations, deletions and renames are lost",
			 "file system mark", errno);
		close(f->dfd);
		f->dfd = -1;
	}
	*ret = f;
	return 0;
}

int mmr_rt_sensor_fan_fds(const struct mmr_rt_sensor_fan *f, int fds[2])
{
	int n = 0;
	if (f && f->wfd >= 0)
		fds[n++] = f->wfd;
	if (f && f->dfd >= 0)
		fds[n++] = f->dfd;
	return n;
}

bool mmr_rt_sensor_fan_dirents(const struct mmr_rt_sensor_fan *f)
{
	return f && f->dfd >= 0;
}

static struct mmr_sensor_file *rec_start(struct mmr_rt_sensor_fan *f, uint32_t type, uint32_t nr, int pid)
{
	struct mmr_sensor_file *r = &f->r.rec;
	memset(f->r.raw, 0, sizeof(f->r.raw));
	mmr_rt_sensor_proc_hdr(&r->h, type, pid, pid);
	r->h.seq = 0; /* the decoder numbers records without one */
	r->h.flags = MMR_SENSOR_F_FANOTIFY;
	r->h.syscall = nr;
	r->h.pid = (uint32_t)pid;
	r->h.tid = (uint32_t)pid;
	r->dirfd = -100;
	return r;
}

/* Path of an open descriptor (this process's view). */
static bool fd_path(int fd, char *out, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n <= 0)
		return false;
	out[n] = 0;
	return true;
}

static int read_writes(struct mmr_rt_sensor_fan *f, mmr_rt_sensor_fn fn, void *ctx)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	int count = 0;
	for (int round = 0; round < 64; round++) {
		ssize_t len = read(f->wfd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			if (m->vers != FANOTIFY_METADATA_VERSION)
				return -EPROTO;
			if (m->fd < 0)
				continue;
			char path[MMR_SENSOR_PATH_MAX * 2];
			bool ok = fd_path(m->fd, path, sizeof(path));
			close(m->fd);
			if (!ok || (uint32_t)m->pid == f->self || !(m->mask & FAN_CLOSE_WRITE))
				continue;
			struct mmr_sensor_file *r = rec_start(f, MMR_SENSOR_OPEN, MMR_NR_openat, m->pid);
			r->a0 = 01; /* O_WRONLY: it was open for writing */
			if (strlen(path) >= sizeof(r->path))
				r->h.flags |= MMR_SENSOR_F_TRUNC;
			mmr_rt_strlcpy(r->path, path, sizeof(r->path));
			int rc = fn(ctx, r, sizeof(*r));
			if (rc < 0)
				return rc;
			count++;
		}
	}
	return count;
}

/* The path of a DFID_NAME info record: the directory found by its handle
 * plus the name. false when the directory is gone. */
/* fid: an info record of len bytes, at any alignment (records with names
 * are padded to 4 bytes only), so every header is copied before use. */
static bool dfid_path(struct mmr_rt_sensor_fan *f, const char *fid, size_t len, char *out, size_t size)
{
	const size_t fixed = sizeof(struct fanotify_event_info_fid) + sizeof(struct file_handle);
	if (len < fixed)
		return false;
	/* open_by_handle_at wants a writable, aligned handle */
	union {
		struct file_handle h;
		char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} copy;
	memcpy(&copy.h, fid + sizeof(struct fanotify_event_info_fid), sizeof(struct file_handle));
	size_t hlen = fixed + copy.h.handle_bytes;
	if (copy.h.handle_bytes > MAX_HANDLE_SZ || hlen >= len)
		return false;
	const char *name = fid + hlen;
	size_t maxname = len - hlen;
	if (!memchr(name, 0, maxname))
		return false;
	memcpy(copy.b + sizeof(struct file_handle), fid + fixed, copy.h.handle_bytes);
	int dfd = open_by_handle_at(f->root, &copy.h, O_PATH | O_CLOEXEC);
	if (dfd < 0)
		return false;
	char dir[MMR_SENSOR_PATH_MAX * 2];
	bool ok = fd_path(dfd, dir, sizeof(dir));
	close(dfd);
	if (!ok)
		return false;
	/* dir + "/" + name, cut at size (a cut path is still reported) */
	size_t o = mmr_rt_strlcpy(out, dir, size);
	if (strcmp(name, ".") == 0 || !name[0] || o + 1 >= size)
		return true;
	if (strcmp(dir, "/") != 0)
		out[o++] = '/';
	out[o] = 0;
	mmr_rt_strlcpy(out + o, name, size - o);
	return true;
}

static int read_dirents(struct mmr_rt_sensor_fan *f, mmr_rt_sensor_fn fn, void *ctx)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	int count = 0;
	for (int round = 0; round < 64; round++) {
		ssize_t len = read(f->dfd, buf, sizeof(buf));
		if (len <= 0)
			break;
		/* events with names are 4-byte padded: copy each header out */
		struct fanotify_event_metadata mh, *m = &mh;
		for (size_t at = 0; at + sizeof(mh) <= (size_t)len; at += mh.event_len) {
			memcpy(&mh, buf + at, sizeof(mh));
			if (mh.event_len < sizeof(mh) || at + mh.event_len > (size_t)len)
				break;
			if (m->vers != FANOTIFY_METADATA_VERSION)
				return -EPROTO;
			if ((uint32_t)m->pid == f->self)
				continue;
			char p1[MMR_SENSOR_PATH_MAX * 2] = "", p2[MMR_SENSOR_PATH_MAX * 2] = "";
			size_t off = m->metadata_len;
			struct fanotify_event_info_header ih;
			while (off + sizeof(ih) <= m->event_len) {
				const char *rec = buf + at + off;
				memcpy(&ih, rec, sizeof(ih));
				if (ih.len < sizeof(ih) || off + ih.len > m->event_len)
					break;
				if (ih.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
				    ih.info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)
					dfid_path(f, rec, ih.len, p1, sizeof(p1));
				else if (ih.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME)
					dfid_path(f, rec, ih.len, p2, sizeof(p2));
				off += ih.len;
			}
			if (!p1[0] && !p2[0])
				continue;
			struct mmr_sensor_file *r;
			bool dir = m->mask & FAN_ONDIR;
			if (m->mask & FAN_CREATE) {
				r = rec_start(f, dir ? MMR_SENSOR_MKDIR : MMR_SENSOR_OPEN,
					      dir ? MMR_NR_mkdirat : MMR_NR_openat, m->pid);
				if (!dir)
					r->a0 = 0100 | 01; /* O_CREAT|O_WRONLY */
			} else if (m->mask & FAN_DELETE) {
				r = rec_start(f, MMR_SENSOR_UNLINK, MMR_NR_unlinkat, m->pid);
				if (dir)
					r->a0 = 0x200; /* AT_REMOVEDIR */
			} else if (m->mask & FAN_RENAME) {
				r = rec_start(f, MMR_SENSOR_RENAME, MMR_NR_renameat2, m->pid);
				r->a0 = (uint64_t)-100; /* new dirfd: AT_FDCWD */
				mmr_rt_strlcpy(r->path2, p2, sizeof(r->path2));
			} else {
				continue;
			}
			mmr_rt_strlcpy(r->path, p1, sizeof(r->path));
			int rc = fn(ctx, r, sizeof(*r));
			if (rc < 0)
				return rc;
			count++;
		}
	}
	return count;
}

int mmr_rt_sensor_fan_poll(struct mmr_rt_sensor_fan *f, mmr_rt_sensor_fn fn, void *ctx)
{
	if (!f)
		return 0;
	int n = read_writes(f, fn, ctx);
	if (n < 0)
		return n;
	if (f->dfd >= 0) {
		int m = read_dirents(f, fn, ctx);
		if (m < 0)
			return m;
		n += m;
	}
	return n;
}

void mmr_rt_sensor_fan_free(struct mmr_rt_sensor_fan *f)
{
	if (!f)
		return;
	if (f->wfd >= 0)
		close(f->wfd);
	if (f->dfd >= 0)
		close(f->dfd);
	if (f->root >= 0)
		close(f->root);
	free(f);
}
