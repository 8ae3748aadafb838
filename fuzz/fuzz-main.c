/* fuzz-main.c - replay a harness on files or directories of seeds, without
 * libFuzzer (Suricata onefile.c). Exit 0 when every input ran. */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int run_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return -1;
	}
	uint8_t *d = malloc((size_t)st.st_size + 1);
	size_t off = 0;
	while (d && off < (size_t)st.st_size) {
		ssize_t n = read(fd, d + off, (size_t)st.st_size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (!d)
		return -1;
	LLVMFuzzerTestOneInput(d, off);
	free(d);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		DIR *dir = opendir(argv[i]);
		struct dirent *de;
		while (dir && (de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
			if (run_file(p) < 0)
				return 1;
			n++;
		}
		if (dir)
			closedir(dir);
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
