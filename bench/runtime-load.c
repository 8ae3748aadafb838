/* runtime-load.c - bench/runtime's tight loops (built by the script with cc).
 *
 *   runtime-load openw DIR SECONDS   open(O_WRONLY|O_CREAT|O_TRUNC)+close
 *   runtime-load openr FILE SECONDS  open(O_RDONLY)+close (filtered in kernel)
 *
 * Prints "ops wall_seconds cpu_seconds" (the loop's own CPU, user+sys). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: runtime-load openw|openr PATH SECONDS\n");
		return 2;
	}
	char *end;
	double secs = strtod(argv[3], &end);
	if (*end || secs <= 0)
		return 2;
	int wr = strcmp(argv[1], "openw") == 0;
	char path[4096];
	if (wr)
		snprintf(path, sizeof(path), "%s/f", argv[2]);
	else
		snprintf(path, sizeof(path), "%s", argv[2]);
	int flags = wr ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
	unsigned long long ops = 0;
	double t0 = mono(), t = t0;
	while (t - t0 < secs) {
		for (int i = 0; i < 256; i++) {
			int fd = open(path, flags, 0600);
			if (fd < 0) {
				perror(path);
				return 1;
			}
			close(fd);
		}
		ops += 256;
		t = mono();
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("%llu %.6f %.6f\n", ops, t - t0, cpu);
	return 0;
}
