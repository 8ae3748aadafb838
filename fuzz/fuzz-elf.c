/* fuzz-elf.c - the ELF reader and the binary analyzers (Go build info,
 * cargo-auditable) on arbitrary bytes. */
#include "fuzz.h"
#include "core/core-elf.h"
#include "sbom/sbom.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mmr_elf e;
	if (mmr_elf_open(&e, data, size) == 0) {
		for (uint32_t i = 0; i < e.shnum && i < 64; i++) {
			struct mmr_elf_section s;
			const uint8_t *p;
			size_t n;
			if (mmr_elf_section(&e, i, &s) == 0 && mmr_elf_section_data(&e, &s, &p, &n) == 0 && n)
				(void)p[n - 1];
			if (mmr_elf_read_vaddr(&e, s.addr, 16, &p) == 0)
				(void)p[15];
		}
	}
	struct mmr_limits lim;
	mmr_limits_default(&lim);
	static const struct mmr_sbom_analyzer *const an[] = { &mmr_sbom_analyzer_gobinary,
							      &mmr_sbom_analyzer_rust_binary };
	for (size_t i = 0; i < 2; i++) {
		struct mmr_arena *a = mmr_arena_new(256u << 20);
		if (!a)
			return 0;
		struct mmr_sbom_ctx ctx;
		mmr_sbom_ctx_init(&ctx, a, &lim, MMR_SBOM_INSTALLED, NULL);
		struct mmr_sbom_file f = { .path = "usr/bin/x", .data = data, .len = size,
					   .mode = 0100755 };
		struct mmr_error err = { 0 };
		an[i]->parse(&ctx, &f, &err);
		mmr_arena_free(a);
	}
	return 0;
}
