/* core-elf.h - bounds-checked reading of ELF files held in memory.
 *
 * ELF32 and ELF64, little and big endian. Only what the binary readers need:
 * the header, section lookup by name, section contents, and reading bytes at
 * a virtual address (through the allocated sections, else the PT_LOAD
 * program headers). Every offset and size comes from hostile input and is
 * checked against the image before use; nothing here allocates.
 *
 * Errors: -EBADMSG malformed (header or table past the end, bad string
 * index), -ENOTSUP not ELF or an unknown class/encoding, -ENOENT section or
 * address not present. */
#ifndef MMR_CORE_ELF_H
#define MMR_CORE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many section or program headers are looked at. */
#define MMR_ELF_MAX_HEADERS 65536u

struct mmr_elf {
	const uint8_t *data;
	size_t len;
	bool is64, be;
	uint16_t type, machine;
	uint64_t entry;
	uint64_t shoff, phoff;
	uint32_t shnum, phnum;   /* after clamping to what fits in the file */
	uint16_t shentsize, phentsize, shstrndx;
};

struct mmr_elf_section {
	const char *name; /* NUL-terminated inside the image, "" when none */
	uint32_t type;    /* SHT_* */
	uint64_t flags, addr, offset, size;
};

/* True when data starts with the ELF magic. */
bool mmr_elf_is_elf(const void *data, size_t len);

/* Parse the ELF header of an image (not copied: data must outlive e). */
int mmr_elf_open(struct mmr_elf *e, const void *data, size_t len);

/* Section i (0 <= i < e->shnum). */
int mmr_elf_section(const struct mmr_elf *e, uint32_t i, struct mmr_elf_section *ret);
/* First section with this name. */
int mmr_elf_section_by_name(const struct mmr_elf *e, const char *name,
			    struct mmr_elf_section *ret);
/* Bytes of a section inside the image (-ENOENT for SHT_NOBITS, -EBADMSG
 * when it runs past the end of the file). */
int mmr_elf_section_data(const struct mmr_elf *e, const struct mmr_elf_section *s,
			 const uint8_t **ret, size_t *ret_len);
/* n bytes at virtual address addr, all inside one section or segment. */
int mmr_elf_read_vaddr(const struct mmr_elf *e, uint64_t addr, size_t n, const uint8_t **ret);

/* Integers in the file's byte order. */
uint16_t mmr_elf_u16(const struct mmr_elf *e, const uint8_t *p);
uint32_t mmr_elf_u32(const struct mmr_elf *e, const uint8_t *p);
uint64_t mmr_elf_u64(const struct mmr_elf *e, const uint8_t *p);

#endif
