/* core-elf.c - bounds-checked ELF reading (see core-elf.h). Field offsets
 * are those of the System V gABI (Elf32_Ehdr/Elf64_Ehdr, Elf*_Shdr,
 * Elf*_Phdr). */
#include "core/core-elf.h"

#include <errno.h>
#include <string.h>

#define SHT_NOBITS 8
#define SHF_ALLOC 2
#define PT_LOAD 1

bool mmr_elf_is_elf(const void *data, size_t len)
{
	return len >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0;
}

uint16_t mmr_elf_u16(const struct mmr_elf *e, const uint8_t *p)
{
	return e->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t mmr_elf_u32(const struct mmr_elf *e, const uint8_t *p)
{
	if (e->be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

uint64_t mmr_elf_u64(const struct mmr_elf *e, const uint8_t *p)
{
	uint64_t hi = mmr_elf_u32(e, e->be ? p : p + 4), lo = mmr_elf_u32(e, e->be ? p + 4 : p);
	return hi << 32 | lo;
}

/* A word: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t word(const struct mmr_elf *e, const uint8_t *p)
{
	return e->is64 ? mmr_elf_u64(e, p) : mmr_elf_u32(e, p);
}

static bool in_file(const struct mmr_elf *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

int mmr_elf_open(struct mmr_elf *e, const void *data, size_t len)
{
	const uint8_t *d = data;
	struct mmr_elf x = { .data = d, .len = len };
	if (!mmr_elf_is_elf(data, len) || len < 16)
		return -ENOTSUP;
	if (d[4] != 1 && d[4] != 2)
		return -ENOTSUP;
	if (d[5] != 1 && d[5] != 2)
		return -ENOTSUP;
	x.is64 = d[4] == 2;
	x.be = d[5] == 2;
	size_t ehsize = x.is64 ? 64 : 52;
	if (len < ehsize)
		return -EBADMSG;
	x.type = mmr_elf_u16(&x, d + 16);
	x.machine = mmr_elf_u16(&x, d + 18);
	if (x.is64) {
		x.entry = mmr_elf_u64(&x, d + 24);
		x.phoff = mmr_elf_u64(&x, d + 32);
		x.shoff = mmr_elf_u64(&x, d + 40);
		x.phentsize = mmr_elf_u16(&x, d + 54);
		x.phnum = mmr_elf_u16(&x, d + 56);
		x.shentsize = mmr_elf_u16(&x, d + 58);
		x.shnum = mmr_elf_u16(&x, d + 60);
		x.shstrndx = mmr_elf_u16(&x, d + 62);
	} else {
		x.entry = mmr_elf_u32(&x, d + 24);
		x.phoff = mmr_elf_u32(&x, d + 28);
		x.shoff = mmr_elf_u32(&x, d + 32);
		x.phentsize = mmr_elf_u16(&x, d + 42);
		x.phnum = mmr_elf_u16(&x, d + 44);
		x.shentsize = mmr_elf_u16(&x, d + 46);
		x.shnum = mmr_elf_u16(&x, d + 48);
		x.shstrndx = mmr_elf_u16(&x, d + 50);
	}
	size_t shmin = x.is64 ? 64 : 40, phmin = x.is64 ? 56 : 32;
	/* Section headers: a table that does not fit is ignored (stripped or
	 * damaged files still have program headers). */
	if (x.shnum && (x.shentsize < shmin || !in_file(&x, x.shoff, (uint64_t)x.shnum * x.shentsize)))
		x.shnum = 0;
	if (x.phnum && (x.phentsize < phmin || !in_file(&x, x.phoff, (uint64_t)x.phnum * x.phentsize)))
		x.phnum = 0;
	*e = x;
	return 0;
}

int mmr_elf_section(const struct mmr_elf *e, uint32_t i, struct mmr_elf_section *ret)
{
	if (i >= e->shnum)
		return -ENOENT;
	const uint8_t *h = e->data + e->shoff + (uint64_t)i * e->shentsize;
	struct mmr_elf_section s = { .name = "" };
	uint32_t name = mmr_elf_u32(e, h);
	s.type = mmr_elf_u32(e, h + 4);
	if (e->is64) {
		s.flags = mmr_elf_u64(e, h + 8);
		s.addr = mmr_elf_u64(e, h + 16);
		s.offset = mmr_elf_u64(e, h + 24);
		s.size = mmr_elf_u64(e, h + 32);
	} else {
		s.flags = mmr_elf_u32(e, h + 8);
		s.addr = mmr_elf_u32(e, h + 12);
		s.offset = mmr_elf_u32(e, h + 16);
		s.size = mmr_elf_u32(e, h + 20);
	}
	/* the name, from the section-name string table */
	if (e->shstrndx && e->shstrndx < e->shnum) {
		const uint8_t *sh = e->data + e->shoff + (uint64_t)e->shstrndx * e->shentsize;
		uint64_t off = word(e, sh + (e->is64 ? 24 : 16));
		uint64_t size = word(e, sh + (e->is64 ? 32 : 20));
		if (in_file(e, off, size) && name < size) {
			const char *p = (const char *)e->data + off + name;
			if (memchr(p, 0, size - name))
				s.name = p;
		}
	}
	*ret = s;
	return 0;
}

int mmr_elf_section_by_name(const struct mmr_elf *e, const char *name,
			    struct mmr_elf_section *ret)
{
	for (uint32_t i = 0; i < e->shnum && i < MMR_ELF_MAX_HEADERS; i++) {
		struct mmr_elf_section s;
		if (mmr_elf_section(e, i, &s) == 0 && strcmp(s.name, name) == 0) {
			*ret = s;
			return 0;
		}
	}
	return -ENOENT;
}

int mmr_elf_section_data(const struct mmr_elf *e, const struct mmr_elf_section *s,
			 const uint8_t **ret, size_t *ret_len)
{
	if (s->type == SHT_NOBITS)
		return -ENOENT;
	if (!in_file(e, s->offset, s->size))
		return -EBADMSG;
	*ret = e->data + s->offset;
	*ret_len = (size_t)s->size;
	return 0;
}

/* Is [addr, addr+n) inside [base, base+size)? */
static bool covers(uint64_t base, uint64_t size, uint64_t addr, uint64_t n)
{
	return addr >= base && addr - base <= size && n <= size - (addr - base);
}

int mmr_elf_read_vaddr(const struct mmr_elf *e, uint64_t addr, size_t n, const uint8_t **ret)
{
	for (uint32_t i = 0; i < e->shnum && i < MMR_ELF_MAX_HEADERS; i++) {
		struct mmr_elf_section s;
		if (mmr_elf_section(e, i, &s) < 0 || !(s.flags & SHF_ALLOC) || s.type == SHT_NOBITS ||
		    !s.size || !covers(s.addr, s.size, addr, n))
			continue;
		uint64_t off = s.offset + (addr - s.addr);
		if (off < s.offset || !in_file(e, off, n))
			return -EBADMSG;
		*ret = e->data + off;
		return 0;
	}
	for (uint32_t i = 0; i < e->phnum && i < MMR_ELF_MAX_HEADERS; i++) {
		const uint8_t *h = e->data + e->phoff + (uint64_t)i * e->phentsize;
		uint64_t off, vaddr, filesz;
		if (mmr_elf_u32(e, h) != PT_LOAD)
			continue;
		if (e->is64) {
			off = mmr_elf_u64(e, h + 8);
			vaddr = mmr_elf_u64(e, h + 16);
			filesz = mmr_elf_u64(e, h + 32);
		} else {
			off = mmr_elf_u32(e, h + 4);
			vaddr = mmr_elf_u32(e, h + 8);
			filesz = mmr_elf_u32(e, h + 16);
		}
		if (!covers(vaddr, filesz, addr, n))
			continue;
		uint64_t fo = off + (addr - vaddr);
		if (fo < off || !in_file(e, fo, n))
			return -EBADMSG;
		*ret = e->data + fo;
		return 0;
	}
	return -ENOENT;
}
