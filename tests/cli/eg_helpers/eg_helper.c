/* A static helper for tests/cli/test_agent_actions.py: the syscall-level
 * actions of falcosecurity/event-generator that busybox cannot perform.
 * Compiled by the test with `cc -static`, copied into containers.
 *
 *   eg_helper traceme      ptrace(PTRACE_TRACEME) in a child, child exits
 *   eg_helper attach       PTRACE_ATTACH to a sleeping child, detach, kill
 *   eg_helper packet       socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)
 *   eg_helper memfd        copy itself into a memfd, execve /proc/self/fd/N
 *   eg_helper setns        setns(0, 0) (fails; the attempt is the event)
 *   eg_helper uffd UID     setuid(UID), then userfaultfd(0)
 *   eg_helper setuid UID   setuid(UID), then setuid(0) (fails)
 *   eg_helper connect IP PORT  non-blocking TCP connect (EINPROGRESS), 300 ms
 *   eg_helper udp IP PORT  UDP connect + send one byte
 *   eg_helper create PATH  open(PATH, O_CREAT|O_WRONLY, 0755)
 *   eg_helper emptyargv PATH  execve(PATH) with an empty argv
 *   eg_helper noop         exit 0
 * Exit status 0 unless the helper itself could not run its action. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int traceme(void)
{
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}

static int attach(void)
{
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		pause();
		_exit(0);
	}
	usleep(100000);
	if (ptrace(PTRACE_ATTACH, c, NULL, NULL) == 0) {
		waitpid(c, NULL, 0);
		ptrace(PTRACE_DETACH, c, NULL, NULL);
	} else {
		perror("eg_helper: PTRACE_ATTACH");
	}
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}

static int packet(void)
{
	int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s < 0)
		perror("eg_helper: socket(AF_PACKET)");
	else
		close(s);
	return 0;
}

static int memfd(char *argv0)
{
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int mfd = memfd_create("program", 0);
	char buf[65536];
	ssize_t n;
	if (in < 0 || mfd < 0) {
		perror("eg_helper: memfd");
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			return 1;
	close(in);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	char *args[] = {argv0, "noop", NULL};
	execv(path, args);
	perror("eg_helper: execv memfd");
	return 1;
}

static int net(const char *ip, const char *port, int udp)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	if (*end || p > 65535 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return 2;
	sa.sin_port = htons((uint16_t)p);
	int s = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
	if (s < 0)
		return 1;
	int r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (udp && r == 0) {
		if (send(s, "x", 1, 0) < 0)
			perror("eg_helper: send");
	} else if (!udp) {
		struct pollfd pf = {.fd = s, .events = POLLOUT};
		poll(&pf, 1, 300);
	}
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 0)
		return 0; /* run with an empty argv (pkexec pattern) */
	if (argc < 2)
		return 0;
	const char *a = argv[1];
	if (!strcmp(a, "traceme"))
		return traceme();
	if (!strcmp(a, "attach"))
		return attach();
	if (!strcmp(a, "packet"))
		return packet();
	if (!strcmp(a, "memfd"))
		return memfd(argv[0]);
	if (!strcmp(a, "setns")) {
		setns(0, 0);
		return 0;
	}
	if ((!strcmp(a, "uffd") || !strcmp(a, "setuid")) && argc == 3) {
		char *end;
		unsigned long uid = strtoul(argv[2], &end, 10);
		if (*end || setuid((uid_t)uid) != 0) {
			perror("eg_helper: setuid");
			return 1;
		}
		if (!strcmp(a, "uffd")) {
			long fd = syscall(SYS_userfaultfd, 0);
			if (fd >= 0)
				close((int)fd);
		} else if (setuid(0) == 0) {
			return 1;
		}
		return 0;
	}
	if ((!strcmp(a, "connect") || !strcmp(a, "udp")) && argc == 4)
		return net(argv[2], argv[3], a[0] == 'u');
	if (!strcmp(a, "create") && argc == 3) {
		int fd = open(argv[2], O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
		if (fd < 0)
			return 1;
		close(fd);
		return 0;
	}
	if (!strcmp(a, "emptyargv") && argc == 3) {
		char *none[] = {NULL};
		execve(argv[2], none, environ);
		return 1;
	}
	if (!strcmp(a, "noop"))
		return 0;
	return 2;
}
