/* test-core-elf.c - bounds-checked ELF reading. */
#include "test-util.h"

#include "core/core-elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Store v in n bytes at p, big or little endian. */
static void put(uint8_t *p, uint64_t v, int n, bool be)
{
	for (int i = 0; i < n; i++)
		p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* ELF32 big-endian image: sections NULL, .data (addr 0x8000, 16 bytes at
 * offset 100), .shstrtab; one PT_LOAD mapping offset 200.. at 0x9000. */
static size_t elf32be(uint8_t *o)
{
	memset(o, 0, 1024);
	memcpy(o, "\x7f" "ELF\x01\x02\x01", 7);
	put(o + 16, 2, 2, true);
	put(o + 18, 8, 2, true); /* MIPS */
	put(o + 28, 52, 4, true);  /* phoff */
	put(o + 32, 512, 4, true); /* shoff */
	put(o + 42, 32, 2, true);
	put(o + 44, 1, 2, true);
	put(o + 46, 40, 2, true);
	put(o + 48, 3, 2, true);
	put(o + 50, 2, 2, true);
	/* phdr: PT_LOAD off 200 vaddr 0x9000 filesz 16 */
	put(o + 52, 1, 4, true);
	put(o + 56, 200, 4, true);
	put(o + 60, 0x9000, 4, true);
	put(o + 68, 16, 4, true);
	memcpy(o + 100, "0123456789abcdef", 16);
	memcpy(o + 200, "ABCDEFGHIJKLMNOP", 16);
	memcpy(o + 300, "\0.data\0.shstrtab", 17);
	uint8_t *s1 = o + 512 + 40, *s2 = o + 512 + 80;
	put(s1, 1, 4, true);
	put(s1 + 4, 1, 4, true);
	put(s1 + 8, 3, 4, true);
	put(s1 + 12, 0x8000, 4, true);
	put(s1 + 16, 100, 4, true);
	put(s1 + 20, 16, 4, true);
	put(s2, 7, 4, true);
	put(s2 + 4, 3, 4, true);
	put(s2 + 16, 300, 4, true);
	put(s2 + 20, 17, 4, true);
	return 512 + 3 * 40;
}

static void test_elf32be(void **state)
{
	uint8_t img[1024];
	size_t len = elf32be(img);
	struct mmr_elf e;
	struct mmr_elf_section s;
	const uint8_t *p;
	size_t n;
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_false(e.is64);
	assert_true(e.be);
	assert_int_equal(e.machine, 8);
	assert_int_equal(mmr_elf_section_by_name(&e, ".data", &s), 0);
	assert_int_equal(s.addr, 0x8000);
	assert_int_equal(mmr_elf_section_data(&e, &s, &p, &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(p, "0123456789abcdef", 16);
	assert_int_equal(mmr_elf_section_by_name(&e, ".text", &s), -ENOENT);
	/* virtual addresses: through the section, then the segment */
	assert_int_equal(mmr_elf_read_vaddr(&e, 0x8004, 4, &p), 0);
	assert_memory_equal(p, "4567", 4);
	assert_int_equal(mmr_elf_read_vaddr(&e, 0x800e, 4, &p), -ENOENT); /* straddles the end */
	assert_int_equal(mmr_elf_read_vaddr(&e, 0x9008, 8, &p), 0);
	assert_memory_equal(p, "IJKLMNOP", 8);
	assert_int_equal(mmr_elf_read_vaddr(&e, UINT32_MAX, 2, &p), -ENOENT);
	assert_int_equal(mmr_elf_u32(&e, (const uint8_t *)"\x01\x02\x03\x04"), 0x01020304);
}

static void test_hostile(void **state)
{
	uint8_t img[1024];
	size_t len = elf32be(img);
	struct mmr_elf e;
	struct mmr_elf_section s;
	const uint8_t *p;
	size_t n;
	/* section data past EOF */
	put(img + 512 + 40 + 20, 0xfffffff0u, 4, true);
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_int_equal(mmr_elf_section_by_name(&e, ".data", &s), 0);
	assert_int_equal(mmr_elf_section_data(&e, &s, &p, &n), -EBADMSG);
	/* a huge vaddr range inside that section maps past the file */
	assert_int_equal(mmr_elf_read_vaddr(&e, 0x8000, 4096, &p), -EBADMSG);
	/* name index past the string table: the section has no name */
	len = elf32be(img);
	put(img + 512 + 40, 5000, 4, true);
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_int_equal(mmr_elf_section_by_name(&e, ".data", &s), -ENOENT);
	/* string table without a terminating NUL */
	len = elf32be(img);
	put(img + 512 + 80 + 20, 3, 4, true);
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_int_equal(mmr_elf_section_by_name(&e, ".data", &s), -ENOENT);
	/* section header table past EOF, huge counts: no sections */
	len = elf32be(img);
	put(img + 48, 0xffff, 2, true);
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_int_equal(e.shnum, 0);
	put(img + 32, 0xffffff00u, 4, true);
	put(img + 48, 3, 2, true);
	assert_int_equal(mmr_elf_open(&e, img, len), 0);
	assert_int_equal(e.shnum, 0);
	/* truncated header, other magic, unknown class */
	assert_int_equal(mmr_elf_open(&e, img, 40), -EBADMSG);
	assert_int_equal(mmr_elf_open(&e, "MZ\x90\x00", 4), -ENOTSUP);
	img[4] = 7;
	assert_int_equal(mmr_elf_open(&e, img, len), -ENOTSUP);
	assert_false(mmr_elf_is_elf("\x7f" "EL", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32be),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
