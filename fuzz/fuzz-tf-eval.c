/* fuzz-tf-eval.c - the Terraform evaluator: the input is written as the
 * main.tf of a temporary module (with a child module and a tfvars file of
 * its own) and scanned; every document must serialise. */
#include "fuzz.h"
#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-limits.h"
#include "iac/iac-terraform.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void put(const char *name, const void *d, size_t n)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (n && write(fd, d, n) < 0) {
		/* nothing to do */
	}
	close(fd);
}

static void cleanup(void)
{
	static const char *const files[] = { "main.tf", "terraform.tfvars", "mod/main.tf", "mod", "" };
	char p[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		remove(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-tf-XXXXXX");
		if (!mkdtemp(dir))
			return 0;
		atexit(cleanup);
		char p[128];
		snprintf(p, sizeof(p), "%s/mod", dir);
		mkdir(p, 0755);
		const char *m = "variable \"v\" { default = 1 }\n"
				"output \"o\" { value = [var.v, var.v] }\n"
				"resource \"aws_s3_bucket\" \"m\" { bucket = \"${var.v}\" }\n";
		put("mod/main.tf", m, strlen(m));
	}
	/* the first line (up to 256 bytes) is terraform.tfvars, the rest main.tf */
	const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
	size_t cut = nl ? (size_t)(nl - data) + 1 : 0;
	put("terraform.tfvars", data, cut);
	put("main.tf", data + cut, size - cut);
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	lim.max_json_depth = 64;
	struct mmr_arena *a = mmr_arena_new(512u << 20);
	if (!a)
		return 0;
	struct mmr_iac_set set;
	mmr_iac_set_init(&set, a);
	struct mmr_tf_options o = { .limits = &lim, .no_env = true };
	struct mmr_error e = { 0 };
	mmr_tf_scan(&set, dir, &o, &e);
	for (size_t i = 0; i < set.resources.n; i++) {
		struct mmr_iac_resource *r = set.resources.v[i];
		char *s = json_dumps(r->doc, JSON_ENCODE_ANY);
		if (!s)
			abort();
		free(s);
		if (!r->address || !r->file)
			abort();
	}
	mmr_iac_set_release(&set);
	mmr_arena_free(a);
	return 0;
}
