/* main.c - the mamori program: dispatch to the command table (cli.h).
 * All logic lives in libmamori (lib/); src/ only parses arguments, sets up
 * logging, writes output and chooses exit codes. */
#include "mmr-config.h"
#include "src/cli.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mmr_cli_command commands[] = {
#define C(name, fn, summary) { name, fn, summary },
#include "src/cli-commands.def"
#undef C
	{ NULL, NULL, NULL },
};

void mmr_cli_print_main_usage(FILE *f)
{
	fputs(mmr_cli_usage_main, f);
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "   %-9s %s\n", commands[i].name, commands[i].summary);
	fputs(mmr_cli_usage_main_tail, f);
}

static const struct mmr_cli_command *find(const char *name)
{
	for (size_t i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	/* With TZ unset glibc stats /etc/localtime on every mktime (libarchive
	 * calls it per zip entry: ~17,000 stats over /usr/share); naming the
	 * same zone explicitly keeps the semantics and drops the stats. */
	if (!getenv("TZ"))
		setenv("TZ", ":/etc/localtime", 0);
	if (argc < 2) {
		mmr_cli_print_main_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("mamori %s\n", MMR_VERSION);
		return EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		const char *sub = argc > 2 ? argv[2] : NULL;
		if (!sub) {
			mmr_cli_print_main_usage(stdout);
			return EXIT_OK;
		}
		const struct mmr_cli_command *c = find(sub);
		if (!c) {
			fprintf(stderr, "mamori: no help for '%s'\n", sub);
			return EXIT_USAGE;
		}
		/* every command answers --help with its own page */
		char *hargv[] = { (char *)sub, (char *)"--help", NULL };
		return c->run(2, hargv, sub);
	}
	const struct mmr_cli_command *c = find(cmd);
	if (c)
		return c->run(argc - 1, argv + 1, cmd);
	fprintf(stderr, "mamori: '%s' is not a mamori command. See 'mamori --help'.\n", cmd);
	return EXIT_USAGE;
}
