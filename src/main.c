/* main.c - the mamori program: subcommand dispatch (filled in below). */
#include "mmr-config.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("mamori %s\n", MMR_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: mamori <command> [<args>]\n");
	return 2;
}
