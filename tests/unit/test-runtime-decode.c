/* test-runtime-decode: sensor records -> struct mmr_rt_event (runtime-proc.c).
 *
 * The decoder formats event arguments in place (no snprintf) and resets a
 * reused event without clearing its buffers: these tests decode records
 * into one event struct in turn and check every argument Falco rules read,
 * and that nothing of an earlier event shows through. */
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-util.h"

#include "bpf/sensor.h"
#include "runtime/runtime-event.h"
#include "runtime/runtime-proc.h"
#include "runtime/runtime-sensor.h"

#define PID_GONE 4000123 /* never a live pid: /proc lookups miss */

static void hdr(struct mmr_sensor_hdr *h, uint32_t type, uint32_t nr, int64_t ret)
{
	memset(h, 0, sizeof(*h));
	h->seq = 7;
	h->type = type;
	h->pid = h->tid = PID_GONE;
	h->ppid = 1;
	h->loginuid = (uint32_t)-1;
	h->syscall = nr;
	h->ret = ret;
	memcpy(h->comm, "writer", 7);
}

static const char *arg(const struct mmr_rt_event *ev, const char *name)
{
	const struct mmr_rt_evt_arg *a = mmr_rt_event_arg(ev, name);
	return a ? a->value : NULL;
}

static void test_open_then_setuid(void **state)
{
	(void)state;
	struct mmr_rt_host h;
	assert_int_equal(mmr_rt_host_init(&h, 64), 0);
	h.resolve_containers = false;
	static struct mmr_rt_event ev;
	mmr_rt_event_init(&ev);

	struct mmr_sensor_file f;
	memset(&f, 0, sizeof(f));
	hdr(&f.h, MMR_SENSOR_OPEN, MMR_NR_openat, 5);
	f.dirfd = -100;
	f.a0 = 01 | 0100 | 01000 | 02000000; /* O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC */
	f.a1 = 0600;
	snprintf(f.path, sizeof(f.path), "%s", "/tmp/mmr-decode/file");
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_int_equal(ev.type, MMR_RT_EVT_OPENAT);
	assert_int_equal(ev.nargs, 5);
	assert_string_equal(arg(&ev, "fd"), "5");
	assert_string_equal(arg(&ev, "name"), "/tmp/mmr-decode/file");
	assert_string_equal(arg(&ev, "flags"), "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
	assert_int_equal(mmr_rt_event_arg(&ev, "flags")->num, (int64_t)f.a0);
	assert_string_equal(arg(&ev, "mode"), "384");
	assert_string_equal(arg(&ev, "dirfd"), "-100");
	assert_int_equal(ev.fd.num, 5);
	assert_int_equal(ev.fd.typechar, 'f');
	assert_string_equal(ev.fd.name, "/tmp/mmr-decode/file");

	/* read-only, every flag name */
	hdr(&f.h, MMR_SENSOR_OPEN, MMR_NR_open, -2);
	f.a0 = 0 | 0100 | 0200 | 0400 | 01000 | 02000 | 04000 | 010000 | 040000 | 0100000 | 0200000 |
	       0400000 | 01000000 | 02000000 | 04000000 | 010000000 | 020000000;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_int_equal(ev.type, MMR_RT_EVT_OPEN);
	assert_int_equal(ev.nargs, 4); /* open(2) has no dirfd */
	assert_string_equal(arg(&ev, "fd"), "-2");
	assert_int_equal(ev.fd.num, -1);
	assert_string_equal(arg(&ev, "flags"),
			    "O_RDONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_DSYNC|"
			    "O_DIRECT|O_LARGEFILE|O_DIRECTORY|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_SYNC|"
			    "O_PATH|O_TMPFILE");
	assert_int_equal(ev.fd.typechar, 'd');

	/* the same event struct, refilled by a record with other arguments */
	hdr(&f.h, MMR_SENSOR_SETUID, MMR_NR_setresuid, INT64_MIN);
	memset(f.path, 0, sizeof(f.path));
	f.a0 = 0;
	f.a1 = 1000;
	f.a2 = 0;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_int_equal(ev.type, MMR_RT_EVT_SETRESUID);
	assert_int_equal(ev.nargs, 3);
	assert_string_equal(arg(&ev, "res"), "-9223372036854775808");
	assert_string_equal(arg(&ev, "euid"), "0");
	assert_string_equal(arg(&ev, "ruid"), "1000");
	assert_null(arg(&ev, "fd"));
	assert_null(arg(&ev, "flags"));
	assert_int_equal(ev.res, INT64_MIN);
	assert_int_equal(ev.fd.num, -1);
	assert_int_equal(ev.fd.typechar, 0);
	assert_int_equal(ev.fd.open_flags, 0);
	assert_string_equal(ev.fd.name, "");
	assert_string_equal(ev.fd.nameraw, "");
	assert_string_equal(ev.fd.sip_name, "");
	assert_int_equal(ev.fd.cport, 0);
	assert_int_equal(ev.fd.sip.family, 0);

	/* extreme numbers: res of an unlink */
	hdr(&f.h, MMR_SENSOR_UNLINK, MMR_NR_unlink, INT64_MIN);
	snprintf(f.path, sizeof(f.path), "%s", "/tmp/gone");
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "res"), "-9223372036854775808");
	assert_string_equal(arg(&ev, "path"), "/tmp/gone");
	hdr(&f.h, MMR_SENSOR_UNLINK, MMR_NR_unlink, INT64_MAX);
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "res"), "9223372036854775807");

	/* unshare: flag names without a zero name */
	hdr(&f.h, MMR_SENSOR_UNSHARE, 272, 0);
	f.a0 = 0x00020000 | 0x40000000;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "flags"), "CLONE_NEWNS|CLONE_NEWNET");
	f.a0 = 0;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "flags"), "");
	assert_string_equal(arg(&ev, "res"), "0");

	mmr_rt_host_release(&h);
}

/* A file record without path2/aux (the sensor's short form) decodes from
 * exactly its bytes (a malloc'ed copy: ASan sees any read past it); one
 * byte less is malformed; a rename keeps the full form. */
static void test_short_file_record(void **state)
{
	(void)state;
	struct mmr_rt_host h;
	assert_int_equal(mmr_rt_host_init(&h, 64), 0);
	h.resolve_containers = false;
	static struct mmr_rt_event ev;
	mmr_rt_event_init(&ev);
	struct mmr_sensor_file f;
	memset(&f, 0x41, sizeof(f)); /* path2 and aux: not NUL-terminated garbage */
	hdr(&f.h, MMR_SENSOR_OPEN, MMR_NR_openat, 3);
	f.dirfd = -100;
	f.a0 = 01 | 0100;
	f.a1 = 0644;
	snprintf(f.path, sizeof(f.path), "%s", "/tmp/short");
	uint8_t *rec = malloc(MMR_SENSOR_FILE_SHORT);
	assert_non_null(rec);
	memcpy(rec, &f, MMR_SENSOR_FILE_SHORT);
	assert_int_equal(mmr_rt_host_decode(&h, rec, MMR_SENSOR_FILE_SHORT, &ev), 0);
	assert_int_equal(ev.type, MMR_RT_EVT_OPENAT);
	assert_string_equal(arg(&ev, "name"), "/tmp/short");
	assert_string_equal(arg(&ev, "flags"), "O_WRONLY|O_CREAT");
	assert_string_equal(ev.fd.name, "/tmp/short");
	assert_int_equal(mmr_rt_host_decode(&h, rec, MMR_SENSOR_FILE_SHORT - 1, &ev), -EBADMSG);
	free(rec);

	hdr(&f.h, MMR_SENSOR_RENAME, MMR_NR_rename, 0);
	snprintf(f.path, sizeof(f.path), "%s", "/tmp/a");
	snprintf(f.path2, sizeof(f.path2), "%s", "/tmp/b");
	f.aux[0] = 0;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "oldpath"), "/tmp/a");
	assert_string_equal(arg(&ev, "newpath"), "/tmp/b");
	/* the same rename cut short reads as having no new path */
	assert_int_equal(mmr_rt_host_decode(&h, &f, MMR_SENSOR_FILE_SHORT, &ev), 0);
	assert_string_equal(arg(&ev, "newpath"), "");
	mmr_rt_host_release(&h);
}

/* socket() and userfaultfd(): Falco's argument renderings, fd types, and
 * the sensor bits the Falco event types turn on. */
static void test_socket_userfaultfd(void **state)
{
	(void)state;
	struct mmr_rt_host h;
	assert_int_equal(mmr_rt_host_init(&h, 64), 0);
	h.resolve_containers = false;
	static struct mmr_rt_event ev;
	mmr_rt_event_init(&ev);
	struct mmr_sensor_file f;
	memset(&f, 0, sizeof(f));
	hdr(&f.h, MMR_SENSOR_SOCKET, MMR_NR_socket, 4);
	f.dirfd = -1;
	f.a0 = 17;              /* AF_PACKET */
	f.a1 = 3 | 02000000;    /* SOCK_RAW|SOCK_CLOEXEC */
	f.a2 = 0x0300;          /* htons(ETH_P_ALL) */
	uint8_t *rec = malloc(MMR_SENSOR_FILE_SHORT);
	assert_non_null(rec);
	memcpy(rec, &f, MMR_SENSOR_FILE_SHORT);
	assert_int_equal(mmr_rt_host_decode(&h, rec, MMR_SENSOR_FILE_SHORT, &ev), 0);
	free(rec);
	assert_int_equal(ev.type, MMR_RT_EVT_SOCKET);
	assert_string_equal(mmr_rt_evt_type_name(ev.type), "socket");
	assert_int_equal(ev.nargs, 4);
	assert_string_equal(arg(&ev, "domain"), "AF_PACKET");
	assert_string_equal(arg(&ev, "type"), "SOCK_RAW");
	assert_string_equal(arg(&ev, "proto"), "768");
	assert_string_equal(arg(&ev, "res"), "4");
	assert_int_equal(mmr_rt_event_arg(&ev, "domain")->num, 17);
	assert_int_equal(ev.fd.num, 4);
	assert_int_equal(ev.fd.typechar, 'o');
	assert_int_equal(ev.fd.l4proto, MMR_RT_L4_RAW);
	/* a raw IPv6 socket, refused; an out-of-table domain */
	hdr(&f.h, MMR_SENSOR_SOCKET, MMR_NR_socket, -1);
	f.a0 = 10;
	f.a1 = 3;
	f.a2 = 58;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "domain"), "AF_INET6");
	assert_string_equal(arg(&ev, "proto"), "58");
	assert_int_equal(ev.fd.num, -1);
	assert_int_equal(ev.fd.typechar, '6');
	f.a0 = 4096;
	f.a1 = 0xf;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "domain"), "AF_UNKNOWN");
	assert_string_equal(arg(&ev, "type"), "SOCK_UNKNOWN");

	hdr(&f.h, MMR_SENSOR_USERFAULTFD, MMR_NR_userfaultfd, -1);
	memcpy(f.h.comm, "uffd", 5);
	f.a0 = 02000000 | 04000 | 1; /* O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY */
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_int_equal(ev.type, MMR_RT_EVT_USERFAULTFD);
	assert_int_equal(ev.nargs, 2);
	assert_string_equal(arg(&ev, "flags"), "O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY");
	assert_string_equal(arg(&ev, "res"), "-1");
	assert_null(arg(&ev, "domain"));
	assert_int_equal(ev.fd.typechar, 'U');
	f.a0 = 0;
	assert_int_equal(mmr_rt_host_decode(&h, &f, sizeof(f), &ev), 0);
	assert_string_equal(arg(&ev, "flags"), "");

	/* rules on evt.type=socket / userfaultfd turn the sensor bits on */
	assert_true(mmr_rt_sensor_mask_for_evt(MMR_RT_EVT_SOCKET) == 1ULL << MMR_SENSOR_SOCKET);
	assert_true(mmr_rt_sensor_mask_for_evt(MMR_RT_EVT_USERFAULTFD) == 1ULL << MMR_SENSOR_USERFAULTFD);
	assert_int_equal(mmr_rt_sensor_type_from_name("socket"), MMR_SENSOR_SOCKET);
	assert_int_equal(mmr_rt_sensor_type_from_name("userfaultfd"), MMR_SENSOR_USERFAULTFD);
	assert_string_equal(mmr_rt_sensor_type_name(MMR_SENSOR_USERFAULTFD), "userfaultfd");
	mmr_rt_host_release(&h);
}

static void test_reset_matches_init(void **state)
{
	(void)state;
	static struct mmr_rt_event a, b;
	memset(&a, 0x5a, sizeof(a));
	mmr_rt_event_reset(&a);
	mmr_rt_event_init(&b);
	assert_int_equal(a.seq, b.seq);
	assert_int_equal(a.ts, b.ts);
	assert_int_equal(a.type, b.type);
	assert_int_equal(a.dir, MMR_RT_DIR_EXIT);
	assert_int_equal(a.res, 0);
	assert_int_equal(a.tid, 0);
	assert_int_equal(a.pid, 0);
	assert_int_equal(a.nargs, 0);
	assert_null(a.proc);
	assert_null(a.container);
	assert_int_equal(a.fd.num, -1);
	assert_memory_equal(&a.fd, &b.fd, offsetof(struct mmr_rt_fd, name));
	assert_string_equal(a.fd.name, "");
	assert_string_equal(a.fd.nameraw, "");
	assert_string_equal(a.fd.sip_name, "");
	assert_memory_equal(&a.fd.cip, &b.fd.cip, sizeof(a.fd.cip));
	assert_memory_equal(&a.fd.sip, &b.fd.sip, sizeof(a.fd.sip));
	assert_int_equal(a.fd.cport, 0);
	assert_int_equal(a.fd.sport, 0);
	assert_int_equal(a.fd.ino, 0);
	assert_int_equal(a.fd.dev, 0);
	assert_null(mmr_rt_event_arg(&a, "fd"));
}

/* user.name of container processes: the container's own passwd(5) */
static void test_passwd_name(void **state)
{
	(void)state;
	static const char pw[] = "root:x:0:0:root:/root:/bin/sh\n"
				 "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				 "# comment\n"
				 "::7:7::/:\n"               /* empty name: skipped */
				 "bad:x:notanumber:1::/:\n"
				 "nginx:x:101:101:nginx user:/nonexistent:/bin/false\n"
				 "big:x:99999999999:1::/:\n" /* over 32 bits: never matches */
				 "last:x:4294967295:0::/:";   /* no final newline */
	char name[32];
	assert_true(mmr_rt_passwd_name(pw, strlen(pw), 101, name, sizeof(name)));
	assert_string_equal(name, "nginx");
	assert_true(mmr_rt_passwd_name(pw, strlen(pw), 1, name, sizeof(name)));
	assert_string_equal(name, "daemon");
	assert_true(mmr_rt_passwd_name(pw, strlen(pw), 4294967295u, name, sizeof(name)));
	assert_string_equal(name, "last");
	assert_false(mmr_rt_passwd_name(pw, strlen(pw), 7, name, sizeof(name)));
	assert_false(mmr_rt_passwd_name(pw, strlen(pw), 1215752191u, name, sizeof(name)));
	assert_false(mmr_rt_passwd_name(pw, strlen(pw), 1000, name, sizeof(name)));
	/* a name longer than the buffer is not cut: no match */
	char small[4];
	assert_false(mmr_rt_passwd_name(pw, strlen(pw), 101, small, sizeof(small)));
	/* the length bounds the read: "nginx" lies past it */
	assert_false(mmr_rt_passwd_name(pw, 40, 101, name, sizeof(name)));
	assert_false(mmr_rt_passwd_name("", 0, 0, name, sizeof(name)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_then_setuid),
		cmocka_unit_test(test_short_file_record),
		cmocka_unit_test(test_socket_userfaultfd),
		cmocka_unit_test(test_passwd_name),
		cmocka_unit_test(test_reset_matches_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
