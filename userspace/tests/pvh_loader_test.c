// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the PVH loader's kernel-image side (lib/pvh_loader.c),
 * as KTAP. The real Debian cloud kernel is unpacked and laid out in a
 * 256 MiB buffer standing in for guest RAM (GPA == offset); then
 * synthetic ELFs and bzImages built here are broken one field at a time,
 * and random inputs must never crash the loader (run it under ASan/UBSan).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "pvh_loader.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIB		(1ull << 20)
/*
 * The lab's own L1 kernel, named by tests/run.sh (DOMINO_REAL_KERNEL, from
 * scripts/lab/kver.sh): a real Debian bzImage for the loader to unpack.
 */
static const char *real_kernel;
#define REAL_RAM	(256 * MIB)

/* Written out from the specs rather than shared with the loader. */
#define PHYS32_NOTE	18		/* Xen elfnote.h */
#define START_MAGIC	0x336ec578u	/* Xen start_info.h */
#define LOW_BASE	0xa0000ull
#define LOW_SIZE	(0x100000ull - LOW_BASE)
#define BOOT_INFO	0x6000ull

static int cur_failed;
static const char *skip_reason;
static char err[256];
static unsigned long long rng = 0x9e3779b97f4a7c15ull;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, #cond);			\
		cur_failed = 1;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long a_ = (a), b_ = (b);				\
	if (a_ != b_) {							\
		printf("# %s:%d: %s == 0x%llx, expected %s == 0x%llx\n",\
		       __FILE__, __LINE__, #a, a_, #b, b_);		\
		cur_failed = 1;						\
	}								\
} while (0)

/* A call that must fail with @rc_expect, and say why. */
#define CHECK_FAILS(call, rc_expect) do {				\
	int rc_ = (call);						\
	if (rc_ != (rc_expect)) {					\
		printf("# %s:%d: %s returned %d, expected %d (%s)\n",	\
		       __FILE__, __LINE__, #call, rc_, (rc_expect), err);\
		cur_failed = 1;						\
	} else if (!err[0]) {						\
		printf("# %s:%d: %s gave no reason\n",			\
		       __FILE__, __LINE__, #call);			\
		cur_failed = 1;						\
	}								\
	err[0] = 0;							\
} while (0)

static unsigned long long xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

static void default_layout(struct pvh_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->low.base = LOW_BASE;
	l->low.size = LOW_SIZE;
	l->boot_info_paddr = BOOT_INFO;
	l->boot_info_size = 4096;
}

/* ---- The real kernel, unpacked once and shared ---- */

static uint8_t *real_img, *real_elf;
static size_t real_img_len, real_elf_len;
static double real_unpack_s;

static bool need_real(void)
{
	if (!real_img)
		skip_reason = "the lab kernel (DOMINO_REAL_KERNEL) is not readable";
	else if (!real_elf)
		skip_reason = "real kernel did not unpack";
	return real_elf != NULL;
}

static void t_real_compressor(void)
{
	const char *name;

	if (!real_img) {
		skip_reason = "the lab kernel (DOMINO_REAL_KERNEL) is not readable";
		return;
	}
	name = pvh_bzimage_compressor(real_img, real_img_len);
	printf("# %s: %zu bytes, payload compressed with %s\n", real_kernel,
	       real_img_len, name ? name : "(unknown)");
	CHECK(name != NULL);
}

static void t_real_unpack(void)
{
	const Elf64_Ehdr *eh;
	double t0;
	int rc;

	if (!real_img) {
		skip_reason = "the lab kernel (DOMINO_REAL_KERNEL) is not readable";
		return;
	}
	t0 = now();
	rc = pvh_image_to_elf(real_img, real_img_len, &real_elf, &real_elf_len,
			      err, sizeof(err));
	real_unpack_s = now() - t0;
	if (rc) {
		printf("# unpack: %d %s\n", rc, err);
		CHECK(rc == 0);
		return;
	}
	printf("# unpacked to a %zu-byte ELF in %.1f ms\n", real_elf_len,
	       real_unpack_s * 1e3);
	eh = (const Elf64_Ehdr *)real_elf;
	CHECK(real_elf_len > sizeof(*eh));
	CHECK(!memcmp(eh->e_ident, ELFMAG, SELFMAG));
	CHECK_EQ(eh->e_ident[EI_CLASS], ELFCLASS64);
	CHECK_EQ(eh->e_machine, EM_X86_64);
	CHECK_EQ(eh->e_type, ET_EXEC);
}

/* The test's own phdr reader, for checking the loader's work. */
static const Elf64_Phdr *phdr(const uint8_t *elf, unsigned int i)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;

	return (const Elf64_Phdr *)(elf + eh->e_phoff) + i;
}

static void t_real_entry(void)
{
	const Elf64_Ehdr *eh;
	uint32_t entry = 0;
	int inside = 0;
	unsigned int i;

	if (!need_real())
		return;
	eh = (const Elf64_Ehdr *)real_elf;
	CHECK_EQ(pvh_elf_entry(real_elf, real_elf_len, &entry, err,
			       sizeof(err)), 0);
	printf("# PHYS32 entry %#x, %u program headers\n", entry, eh->e_phnum);
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(real_elf, i);

		if (ph->p_type == PT_LOAD && entry >= ph->p_paddr &&
		    entry < ph->p_paddr + ph->p_filesz && (ph->p_flags & PF_X))
			inside++;
	}
	CHECK_EQ(inside, 1);
}

static void t_real_passthrough(void)
{
	uint8_t *copy = NULL;
	size_t len = 0;

	if (!need_real())
		return;
	CHECK_EQ(pvh_image_to_elf(real_elf, real_elf_len, &copy, &len, err,
				  sizeof(err)), 0);
	CHECK_EQ(len, real_elf_len);
	CHECK(copy && copy != real_elf && !memcmp(copy, real_elf, len));
	free(copy);
}

/* Memory map: sorted, contiguous from 0, RAM total as expected. */
static void check_memmap(const uint8_t *ram, const struct hvm_start_info *si,
			 uint64_t ram_size, uint64_t expect_ram)
{
	struct hvm_memmap_table_entry m;
	uint64_t next = 0, total = 0;
	unsigned int i;

	CHECK(si->memmap_entries >= 1);
	for (i = 0; i < si->memmap_entries; i++) {
		memcpy(&m, ram + si->memmap_paddr + i * sizeof(m), sizeof(m));
		printf("# memmap %u: [%#llx, +%#llx) type %u\n", i,
		       (unsigned long long)m.addr, (unsigned long long)m.size,
		       m.type);
		CHECK(m.size > 0);
		CHECK(m.type == XEN_HVM_MEMMAP_TYPE_RAM ||
		      m.type == XEN_HVM_MEMMAP_TYPE_RESERVED);
		CHECK_EQ(m.reserved, 0);
		CHECK(m.addr >= next);
		if (m.type == XEN_HVM_MEMMAP_TYPE_RAM) {
			CHECK(m.addr + m.size <= ram_size);
			total += m.size;
		}
		next = m.addr + m.size;
	}
	CHECK_EQ(total, expect_ram);
}

/* Every PT_LOAD is in RAM byte for byte, its tail zeroed. */
static void check_segments(const uint8_t *ram, const uint8_t *elf)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	unsigned int i;
	uint64_t j;

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(elf, i);

		if (ph->p_type != PT_LOAD)
			continue;
		CHECK(!memcmp(ram + ph->p_paddr, elf + ph->p_offset,
			      ph->p_filesz));
		for (j = ph->p_filesz; j < ph->p_memsz; j++)
			if (ram[ph->p_paddr + j]) {
				printf("# segment %u byte %#llx not zeroed\n",
				       i, (unsigned long long)j);
				cur_failed = 1;
				break;
			}
	}
}

static bool in_boot_info(uint64_t gpa, uint64_t size)
{
	return gpa >= BOOT_INFO && gpa + size <= BOOT_INFO + 4096;
}

static void t_real_load(void)
{
	static const char cmdline[] = "console=hvc0 earlyprintk=xen root=/dev/vda ro";
	uint8_t initrd[10000];
	struct hvm_modlist_entry mod;
	struct hvm_start_info si;
	struct pvh_layout l;
	struct pvh_boot b;
	uint32_t entry = 0;
	uint8_t *ram;
	size_t i;

	if (!need_real())
		return;
	ram = malloc(REAL_RAM);
	CHECK(ram != NULL);
	if (!ram)
		return;
	memset(ram, 0xa5, REAL_RAM);	/* stale bytes the loader must clear */
	for (i = 0; i < sizeof(initrd); i++)
		initrd[i] = xorshift();
	default_layout(&l);
	/* e.g. ACPI tables in the top MiB, and the IOAPIC above RAM */
	l.reserved[0] = (struct pvh_range){ REAL_RAM - MIB, MIB };
	l.reserved[1] = (struct pvh_range){ 0xfec00000ull, 0x1000 };
	l.nr_reserved = 2;
	l.rsdp_paddr = REAL_RAM - MIB;
	pvh_elf_entry(real_elf, real_elf_len, &entry, NULL, 0);

	CHECK_EQ(pvh_load(ram, REAL_RAM, real_elf, real_elf_len, initrd,
			  sizeof(initrd), cmdline, &l, &b, err, sizeof(err)), 0);
	if (cur_failed) {
		printf("# %s\n", err);
		free(ram);
		return;
	}
	printf("# kernel [%#llx, %#llx), initrd at %#llx\n",
	       (unsigned long long)b.kernel_start,
	       (unsigned long long)b.kernel_end,
	       (unsigned long long)b.initrd_paddr);
	CHECK_EQ(b.entry, entry);
	CHECK_EQ(b.start_info_paddr, BOOT_INFO);
	CHECK(b.kernel_start >= LOW_BASE + LOW_SIZE);
	CHECK_EQ(b.initrd_paddr % 4096, 0);
	CHECK(b.initrd_paddr >= b.kernel_end && b.initrd_paddr < b.kernel_end + 4096);
	CHECK_EQ(b.initrd_size, sizeof(initrd));

	memcpy(&si, ram + BOOT_INFO, sizeof(si));
	CHECK_EQ(si.magic, START_MAGIC);
	CHECK_EQ(si.version, 1);
	CHECK_EQ(si.flags, 0);
	CHECK_EQ(si.nr_modules, 1);
	CHECK_EQ(si.rsdp_paddr, REAL_RAM - MIB);
	CHECK_EQ(si.reserved, 0);
	CHECK_EQ(si.memmap_entries, b.memmap_entries);
	/* Everything the guest reads must lie in the boot info page. */
	CHECK(in_boot_info(si.modlist_paddr, sizeof(mod)));
	CHECK(in_boot_info(si.cmdline_paddr, sizeof(cmdline)));
	CHECK(in_boot_info(si.memmap_paddr, si.memmap_entries * 24ull));

	memcpy(&mod, ram + si.modlist_paddr, sizeof(mod));
	CHECK_EQ(mod.paddr, b.initrd_paddr);
	CHECK_EQ(mod.size, sizeof(initrd));
	CHECK_EQ(mod.cmdline_paddr, 0);
	CHECK_EQ(mod.reserved, 0);
	CHECK(!memcmp(ram + mod.paddr, initrd, sizeof(initrd)));
	CHECK(!memcmp(ram + si.cmdline_paddr, cmdline, sizeof(cmdline)));

	/* RAM: all of it but the low hole and the top MiB. */
	check_memmap(ram, &si, REAL_RAM, REAL_RAM - LOW_SIZE - MIB);
	check_segments(ram, real_elf);
	free(ram);
}

/* ---- Synthetic ELFs ---- */

/*
 * ehdr | 2 phdrs | PT_NOTE (a GNU note, then the Xen one) | code.
 * The PT_LOAD covers the code, which ends the file, so every truncation
 * leaves some header pointing past the end.
 */
#define S_PHOFF		64
#define S_NOTE_OFF	(S_PHOFF + 2 * 56)
#define S_NOTE_LEN	(16 + 20)
#define S_CODE_OFF	(S_NOTE_OFF + S_NOTE_LEN)
#define S_CODE_LEN	64
#define S_LEN		(S_CODE_OFF + S_CODE_LEN)
#define S_PADDR		0x200000ull
#define S_MEMSZ		0x3000ull
#define S_ENTRY		(S_PADDR + 16)
#define S_RAM		(4 * MIB)

struct synth {
	uint8_t b[S_LEN];
};

static Elf64_Ehdr *s_eh(struct synth *s)
{
	return (Elf64_Ehdr *)s->b;
}

static Elf64_Phdr *s_ph(struct synth *s, int i)
{
	return (Elf64_Phdr *)(s->b + S_PHOFF) + i;
}

/* Note words at @off: namesz, descsz, type. */
static void put_note(uint8_t *p, uint32_t namesz, uint32_t descsz,
		     uint32_t type)
{
	memcpy(p, &namesz, 4);
	memcpy(p + 4, &descsz, 4);
	memcpy(p + 8, &type, 4);
}

static void synth_build(struct synth *s)
{
	uint32_t entry = S_ENTRY;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	int i;

	memset(s, 0, sizeof(*s));
	eh = s_eh(s);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0xffffffff81000000ull;
	eh->e_phoff = S_PHOFF;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;

	ph = s_ph(s, 0);
	ph->p_type = PT_NOTE;
	ph->p_offset = S_NOTE_OFF;
	ph->p_filesz = ph->p_memsz = S_NOTE_LEN;
	ph->p_align = 4;
	/* GNU build-id-like note: name "GNU\0", 0-byte desc */
	put_note(s->b + S_NOTE_OFF, 4, 0, 3);
	memcpy(s->b + S_NOTE_OFF + 12, "GNU", 4);
	put_note(s->b + S_NOTE_OFF + 16, 4, 4, PHYS32_NOTE);
	memcpy(s->b + S_NOTE_OFF + 28, "Xen", 4);
	memcpy(s->b + S_NOTE_OFF + 32, &entry, 4);

	ph = s_ph(s, 1);
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = S_CODE_OFF;
	ph->p_vaddr = 0xffffffff81000000ull;
	ph->p_paddr = S_PADDR;
	ph->p_filesz = S_CODE_LEN;
	ph->p_memsz = S_MEMSZ;
	ph->p_align = 0x1000;
	for (i = 0; i < S_CODE_LEN; i++)
		s->b[S_CODE_OFF + i] = 0x90 + i;
}

/* Parse and load a heap copy of exactly @len bytes, so ASan sees overreads. */
static int try_elf(const uint8_t *p, size_t len, uint8_t *ram, size_t ram_size)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct pvh_layout l;
	struct pvh_boot b;
	uint32_t entry;
	int rc1, rc2;

	memcpy(copy, p, len);
	default_layout(&l);
	rc1 = pvh_elf_entry(copy, len, &entry, err, sizeof(err));
	rc2 = pvh_load(ram, ram_size, copy, len, NULL, 0, "x", &l, &b, err,
		       sizeof(err));
	free(copy);
	/* The two must agree on parsing; pvh_load only adds layout checks. */
	if (rc1 && !rc2) {
		printf("# pvh_load accepted what pvh_elf_entry refused\n");
		cur_failed = 1;
	}
	return rc2;
}

static uint8_t small_ram[S_RAM];

static void t_synth_ok(void)
{
	static const char cmdline[] = "console=ttyS0";
	uint8_t initrd[5000];
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct synth s;
	struct pvh_layout l;
	struct pvh_boot b;
	uint32_t entry = 0;

	synth_build(&s);
	memset(initrd, 0x5a, sizeof(initrd));
	memset(small_ram, 0xa5, sizeof(small_ram));
	CHECK_EQ(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), 0);
	CHECK_EQ(entry, S_ENTRY);
	default_layout(&l);
	CHECK_EQ(pvh_load(small_ram, S_RAM, s.b, S_LEN, initrd, sizeof(initrd),
			  cmdline, &l, &b, err, sizeof(err)), 0);
	CHECK_EQ(b.entry, S_ENTRY);
	CHECK_EQ(b.kernel_start, S_PADDR);
	CHECK_EQ(b.kernel_end, S_PADDR + S_MEMSZ);
	CHECK_EQ(b.initrd_paddr, S_PADDR + S_MEMSZ);
	check_segments(small_ram, s.b);
	memcpy(&si, small_ram + BOOT_INFO, sizeof(si));
	CHECK_EQ(si.magic, START_MAGIC);
	CHECK_EQ(si.nr_modules, 1);
	CHECK_EQ(si.memmap_entries, 3);
	memcpy(&mod, small_ram + si.modlist_paddr, sizeof(mod));
	CHECK_EQ(mod.paddr, b.initrd_paddr);
	CHECK(!memcmp(small_ram + si.cmdline_paddr, cmdline, sizeof(cmdline)));
	check_memmap(small_ram, &si, S_RAM, S_RAM - LOW_SIZE);

	/* No initrd, no cmdline: no module, cmdline_paddr 0. */
	CHECK_EQ(pvh_load(small_ram, S_RAM, s.b, S_LEN, NULL, 0, NULL, &l, &b,
			  err, sizeof(err)), 0);
	memcpy(&si, small_ram + BOOT_INFO, sizeof(si));
	CHECK_EQ(si.nr_modules, 0);
	CHECK_EQ(si.modlist_paddr, 0);
	CHECK_EQ(si.cmdline_paddr, 0);
	CHECK_EQ(b.initrd_paddr, 0);

	/* Caller-placed initrd. */
	l.initrd_paddr = 0x300000;
	CHECK_EQ(pvh_load(small_ram, S_RAM, s.b, S_LEN, initrd, sizeof(initrd),
			  "", &l, &b, err, sizeof(err)), 0);
	CHECK_EQ(b.initrd_paddr, 0x300000);
	CHECK(!memcmp(small_ram + 0x300000, initrd, sizeof(initrd)));
}

/*
 * The same image as ELF32 (EM_386), as small PVH kernels and unikernels
 * ship: ehdr (52) | 2 phdrs (32 each) | the notes | code.
 */
#define S32_PHOFF	52
#define S32_NOTE_OFF	(S32_PHOFF + 2 * 32)
#define S32_CODE_OFF	(S32_NOTE_OFF + S_NOTE_LEN)
#define S32_LEN		(S32_CODE_OFF + S_CODE_LEN)

static void synth32_build(uint8_t *b)
{
	uint32_t entry = S_ENTRY;
	Elf32_Ehdr eh = { 0 };
	Elf32_Phdr ph[2] = { { 0 } };
	int i;

	memset(b, 0, S32_LEN);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_entry = S_ENTRY;
	eh.e_phoff = S32_PHOFF;
	eh.e_ehsize = sizeof(Elf32_Ehdr);
	eh.e_phentsize = sizeof(Elf32_Phdr);
	eh.e_phnum = 2;
	memcpy(b, &eh, sizeof(eh));

	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = S32_NOTE_OFF;
	ph[0].p_filesz = ph[0].p_memsz = S_NOTE_LEN;
	ph[0].p_align = 4;
	put_note(b + S32_NOTE_OFF, 4, 0, 3);
	memcpy(b + S32_NOTE_OFF + 12, "GNU", 4);
	put_note(b + S32_NOTE_OFF + 16, 4, 4, PHYS32_NOTE);
	memcpy(b + S32_NOTE_OFF + 28, "Xen", 4);
	memcpy(b + S32_NOTE_OFF + 32, &entry, 4);
	ph[1].p_type = PT_LOAD;
	ph[1].p_flags = PF_R | PF_X;
	ph[1].p_offset = S32_CODE_OFF;
	ph[1].p_vaddr = S_PADDR;
	ph[1].p_paddr = S_PADDR;
	ph[1].p_filesz = S_CODE_LEN;
	ph[1].p_memsz = S_MEMSZ;
	ph[1].p_align = 0x1000;
	memcpy(b + S32_PHOFF, ph, sizeof(ph));
	for (i = 0; i < S_CODE_LEN; i++)
		b[S32_CODE_OFF + i] = 0x90 + i;
}

static void t_synth_elf32(void)
{
	static uint8_t b[S32_LEN];
	struct pvh_layout l;
	struct pvh_boot bt;
	uint32_t entry = 0, v;
	uint64_t j;
	size_t len;

	synth32_build(b);
	memset(small_ram, 0xa5, sizeof(small_ram));
	CHECK_EQ(pvh_elf_entry(b, S32_LEN, &entry, err, sizeof(err)), 0);
	CHECK_EQ(entry, S_ENTRY);
	default_layout(&l);
	CHECK_EQ(pvh_load(small_ram, S_RAM, b, S32_LEN, NULL, 0, "x", &l, &bt,
			  err, sizeof(err)), 0);
	CHECK_EQ(bt.entry, S_ENTRY);
	CHECK_EQ(bt.kernel_start, S_PADDR);
	CHECK_EQ(bt.kernel_end, S_PADDR + S_MEMSZ);
	CHECK(!memcmp(small_ram + S_PADDR, b + S32_CODE_OFF, S_CODE_LEN));
	for (j = S_CODE_LEN; j < S_MEMSZ; j++)
		if (small_ram[S_PADDR + j]) {
			printf("# ELF32 segment byte %#llx not zeroed\n", (unsigned long long)j);
			cur_failed = 1;
			break;
		}

	/* EM_X86_64 in ELF32 (x32), ELF64-sized headers, no phdrs: refused. */
	v = EM_X86_64;
	memcpy(b + offsetof(Elf32_Ehdr, e_machine), &v, 2);
	CHECK_EQ(try_elf(b, S32_LEN, small_ram, S_RAM), -ENOEXEC);
	synth32_build(b);
	v = sizeof(Elf64_Phdr);
	memcpy(b + offsetof(Elf32_Ehdr, e_phentsize), &v, 2);
	CHECK_EQ(try_elf(b, S32_LEN, small_ram, S_RAM), -ENOEXEC);
	synth32_build(b);
	v = 0;
	memcpy(b + offsetof(Elf32_Ehdr, e_phnum), &v, 2);
	CHECK_EQ(try_elf(b, S32_LEN, small_ram, S_RAM), -ENOEXEC);
	/* Program headers past the end, and every truncation. */
	synth32_build(b);
	v = S32_LEN - 16;
	memcpy(b + offsetof(Elf32_Ehdr, e_phoff), &v, 4);
	CHECK_EQ(try_elf(b, S32_LEN, small_ram, S_RAM), -ENOEXEC);
	synth32_build(b);
	for (len = 0; len < S32_LEN; len++)
		if (try_elf(b, len, small_ram, S_RAM) != -ENOEXEC) {
			printf("# ELF32 truncated to %zu bytes not refused\n", len);
			cur_failed = 1;
			break;
		}
	err[0] = 0;
}

static void t_truncated(void)
{
	struct synth s;
	size_t len;

	synth_build(&s);
	for (len = 0; len < S_LEN; len++) {
		if (try_elf(s.b, len, small_ram, S_RAM) == 0) {
			printf("# truncated to %zu bytes: accepted\n", len);
			cur_failed = 1;
		}
	}
	CHECK_EQ(try_elf(s.b, S_LEN, small_ram, S_RAM), 0);
}

static void t_bad_ehdr(void)
{
	struct synth s;
	size_t i;
	static const struct {
		size_t off;
		unsigned int size;
		unsigned long long val;
	} bad[] = {
		{ EI_MAG0, 1, 0x7e },
		{ EI_CLASS, 1, ELFCLASS32 },
		{ EI_DATA, 1, ELFDATA2MSB },
		{ EI_VERSION, 1, 0 },
		{ offsetof(Elf64_Ehdr, e_type), 2, ET_DYN },
		{ offsetof(Elf64_Ehdr, e_machine), 2, EM_386 },
		{ offsetof(Elf64_Ehdr, e_version), 4, 2 },
		{ offsetof(Elf64_Ehdr, e_ehsize), 2, 52 },
		{ offsetof(Elf64_Ehdr, e_phentsize), 2, 32 },
		{ offsetof(Elf64_Ehdr, e_phentsize), 2, 64 },
		{ offsetof(Elf64_Ehdr, e_phnum), 2, 0 },
		{ offsetof(Elf64_Ehdr, e_phnum), 2, 3 },	/* runs past */
		{ offsetof(Elf64_Ehdr, e_phnum), 2, 0xffff },	/* PN_XNUM */
		{ offsetof(Elf64_Ehdr, e_phoff), 8, S_LEN },
		{ offsetof(Elf64_Ehdr, e_phoff), 8, S_LEN - 56 },
		{ offsetof(Elf64_Ehdr, e_phoff), 8, ~0ull - 8 },	/* wraps */
		{ offsetof(Elf64_Ehdr, e_phoff), 8, 1ull << 63 },
	};

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		synth_build(&s);
		memcpy(s.b + bad[i].off, &bad[i].val, bad[i].size);
		if (try_elf(s.b, S_LEN, small_ram, S_RAM) != -ENOEXEC) {
			printf("# case %zu (offset %zu = %#llx) not refused\n",
			       i, bad[i].off, bad[i].val);
			cur_failed = 1;
		}
		err[0] = 0;
	}
}

static void t_bad_phdr(void)
{
	struct synth s;

	synth_build(&s);
	s_ph(&s, 1)->p_offset = ~0ull - 5;	/* p_offset + p_filesz wraps */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 1)->p_offset = S_LEN;		/* past the end */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 1)->p_filesz = ~0ull;
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 1)->p_memsz = S_CODE_LEN - 1;	/* filesz > memsz */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 1)->p_paddr = ~0ull - 0x1000;	/* paddr + memsz wraps */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 0)->p_filesz = S_LEN;		/* note beyond the file */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 1)->p_type = PT_DYNAMIC;	/* nothing to load */
	CHECK_FAILS(try_elf(s.b, S_LEN, small_ram, S_RAM), -ENOEXEC);
}

/* A well-formed ELF that does not fit the layout; RAM stays untouched. */
static void expect_layout_refusal(struct synth *s, const struct pvh_layout *l,
				  const char *cmdline, size_t initrd_len,
				  int rc_expect, int line)
{
	static uint8_t initrd[S_RAM + 1];
	struct pvh_boot b;
	size_t i;
	int rc;

	memset(small_ram, 0xa5, S_RAM);
	rc = pvh_load(small_ram, S_RAM, s->b, S_LEN, initrd, initrd_len,
		      cmdline, l, &b, err, sizeof(err));
	if (rc != rc_expect || !err[0]) {
		printf("# line %d: rc %d, expected %d (%s)\n", line, rc,
		       rc_expect, err);
		cur_failed = 1;
	}
	for (i = 0; i < S_RAM; i++)
		if (small_ram[i] != 0xa5) {
			printf("# line %d: RAM written at %#zx on failure\n",
			       line, i);
			cur_failed = 1;
			break;
		}
	err[0] = 0;
}

static void t_layout(void)
{
	static char long_cmdline[3000];
	struct pvh_layout l;
	struct synth s;

	synth_build(&s);
	default_layout(&l);
	s_ph(&s, 1)->p_paddr = S_RAM - 0x1000;	/* runs past RAM */
	expect_layout_refusal(&s, &l, NULL, 0, -ENOSPC, __LINE__);
	s_ph(&s, 1)->p_paddr = S_RAM * 4;	/* wholly outside */
	expect_layout_refusal(&s, &l, NULL, 0, -ENOSPC, __LINE__);
	s_ph(&s, 1)->p_paddr = 0xff000;		/* into the low area */
	expect_layout_refusal(&s, &l, NULL, 0, -EBUSY, __LINE__);

	synth_build(&s);
	l.reserved[0] = (struct pvh_range){ S_PADDR + 0x2000, 0x1000 };
	l.nr_reserved = 1;			/* over the .bss */
	expect_layout_refusal(&s, &l, NULL, 0, -EBUSY, __LINE__);

	default_layout(&l);
	l.boot_info_paddr = S_PADDR + 0x1000;	/* inside the kernel */
	expect_layout_refusal(&s, &l, NULL, 0, -EBUSY, __LINE__);
	default_layout(&l);
	l.boot_info_paddr = BOOT_INFO + 4;	/* misaligned */
	expect_layout_refusal(&s, &l, NULL, 0, -EINVAL, __LINE__);
	default_layout(&l);
	l.boot_info_size = 64;			/* too small */
	expect_layout_refusal(&s, &l, NULL, 0, -ENOSPC, __LINE__);
	default_layout(&l);
	l.boot_info_paddr = S_RAM - 0x800;	/* ends past RAM */
	expect_layout_refusal(&s, &l, NULL, 0, -ENOSPC, __LINE__);

	default_layout(&l);
	memset(long_cmdline, 'a', sizeof(long_cmdline) - 1);
	expect_layout_refusal(&s, &l, long_cmdline, 0, -E2BIG, __LINE__);
	expect_layout_refusal(&s, &l, NULL, S_RAM, -ENOSPC, __LINE__);
	l.initrd_paddr = 0x300800;		/* not page-aligned */
	expect_layout_refusal(&s, &l, NULL, 100, -EINVAL, __LINE__);
	l.initrd_paddr = S_PADDR;		/* over the kernel */
	expect_layout_refusal(&s, &l, NULL, 100, -EBUSY, __LINE__);
	l.initrd_paddr = 0x80000;		/* into the low area */
	expect_layout_refusal(&s, &l, NULL, 0x40000, -EBUSY, __LINE__);
	l.initrd_paddr = 0;
	l.nr_reserved = PVH_MAX_RESERVED + 1;
	expect_layout_refusal(&s, &l, NULL, 0, -EINVAL, __LINE__);
	l.nr_reserved = 1;
	l.reserved[0] = (struct pvh_range){ ~0ull - 10, 100 };
	expect_layout_refusal(&s, &l, NULL, 0, -EINVAL, __LINE__);

	/* Entry in no segment, and in the .bss only. */
	default_layout(&l);
	synth_build(&s);
	memcpy(s.b + S_NOTE_OFF + 32, &(uint32_t){ 0x100000 }, 4);
	expect_layout_refusal(&s, &l, NULL, 0, -ENOEXEC, __LINE__);
	memcpy(s.b + S_NOTE_OFF + 32, &(uint32_t){ S_PADDR + 0x2000 }, 4);
	expect_layout_refusal(&s, &l, NULL, 0, -ENOEXEC, __LINE__);
}

static void t_memmap_merge(void)
{
	struct hvm_start_info si;
	struct pvh_layout l;
	struct pvh_boot b;
	struct synth s;

	synth_build(&s);
	default_layout(&l);
	/* Unsorted, overlapping, abutting, empty and above-RAM ranges. */
	l.reserved[0] = (struct pvh_range){ 0x380000, 0x10000 };
	l.reserved[1] = (struct pvh_range){ 0x300000, 0x80000 };	/* abuts 0 */
	l.reserved[2] = (struct pvh_range){ 0x310000, 0x1000 };		/* inside 1 */
	l.reserved[3] = (struct pvh_range){ 0x123000, 0 };		/* empty */
	l.reserved[4] = (struct pvh_range){ S_RAM - 0x1000, 0x3000 };	/* straddles the end */
	l.reserved[5] = (struct pvh_range){ 0xfee00000ull, 0x1000 };
	l.nr_reserved = 6;
	CHECK_EQ(pvh_load(small_ram, S_RAM, s.b, S_LEN, NULL, 0, NULL, &l, &b,
			  err, sizeof(err)), 0);
	memcpy(&si, small_ram + BOOT_INFO, sizeof(si));
	/* RAM, low, RAM, [0x300000,0x390000), RAM, top, MMIO */
	CHECK_EQ(si.memmap_entries, 7);
	check_memmap(small_ram, &si, S_RAM,
		     S_RAM - LOW_SIZE - 0x90000 - 0x1000);
}

static void t_notes(void)
{
	struct synth s;
	uint32_t entry;

	synth_build(&s);
	put_note(s.b + S_NOTE_OFF, 0xfffffff0, 0, 3);	/* namesz wraps */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	synth_build(&s);
	put_note(s.b + S_NOTE_OFF, 4, 0xffffffff, 3);	/* descsz huge */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	synth_build(&s);
	put_note(s.b + S_NOTE_OFF + 16, 4, 8, PHYS32_NOTE);	/* past segment */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	synth_build(&s);
	put_note(s.b + S_NOTE_OFF + 16, 4, 2, PHYS32_NOTE);	/* too short */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	synth_build(&s);
	put_note(s.b + S_NOTE_OFF + 16, 4, 4, 17);	/* other Xen note */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);
	CHECK(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)) &&
	      strstr(err, "PHYS32"));

	synth_build(&s);
	memcpy(s.b + S_NOTE_OFF + 28, "Xem", 4);	/* other owner */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	synth_build(&s);
	s_ph(&s, 0)->p_type = PT_NULL;			/* no PT_NOTE */
	CHECK_FAILS(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), -ENOEXEC);

	/* Trailing bytes shorter than a note header are padding. */
	synth_build(&s);
	s_ph(&s, 0)->p_filesz = S_NOTE_LEN + 8;
	CHECK_EQ(pvh_elf_entry(s.b, S_LEN, &entry, err, sizeof(err)), 0);
	CHECK_EQ(entry, S_ENTRY);
}

/* ---- Synthetic bzImages ---- */

enum comp { C_GZIP, C_XZ, C_LZMA, C_LZ4, C_ZSTD, NR_COMP };
static const char *const comp_names[] = { "gzip", "xz", "lzma", "lz4", "zstd" };

static size_t compress_gzip(const uint8_t *in, size_t len, uint8_t *out,
			    size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = out;
	z.avail_out = cap;
	n = deflate(&z, Z_FINISH) == Z_STREAM_END ? z.total_out : 0;
	deflateEnd(&z);
	return n;
}

static size_t compress_lzma_alone(const uint8_t *in, size_t len,
				  uint8_t *out, size_t cap)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	size_t n = 0;

	if (lzma_lzma_preset(&opt, 6) || lzma_alone_encoder(&s, &opt))
		return 0;
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	if (lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END)
		n = s.total_out;
	lzma_end(&s);
	return n;
}

/* lz4 legacy frame, as `lz4 -l` writes it: magic, then sized blocks. */
static size_t compress_lz4_legacy(const uint8_t *in, size_t len, uint8_t *out,
				  size_t cap)
{
	uint32_t magic = 0x184c2102, csize;
	size_t pos = 0, o = 4;

	memcpy(out, &magic, 4);
	while (pos < len) {
		size_t chunk = len - pos < (8u << 20) ? len - pos : (8u << 20);
		if (cap - o < 4 + (size_t)LZ4_compressBound(chunk))
			return 0;
		int n = LZ4_compress_default((const char *)in + pos,
					 (char *)out + o + 4, chunk, cap - o - 4);
		if (n <= 0)
			return 0;
		csize = n;
		memcpy(out + o, &csize, 4);
		o += 4 + n;
		pos += chunk;
	}
	return o;
}

/* With a checksum, as the zstd tool writes by default. */
static size_t compress_zstd(const uint8_t *in, size_t len, uint8_t *out,
			    size_t cap)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();
	size_t n;

	if (!z)
		return 0;
	ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 19);
	ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
	n = ZSTD_compress2(z, out, cap, in, len);
	ZSTD_freeCCtx(z);
	return ZSTD_isError(n) ? 0 : n;
}

static size_t compress_with(enum comp c, const uint8_t *in, size_t len,
			    uint8_t *out, size_t cap)
{
	size_t n = 0;

	switch (c) {
	case C_GZIP:
		return compress_gzip(in, len, out, cap);
	case C_XZ:
		if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len,
					    out, &n, cap) != LZMA_OK)
			return 0;
		return n;
	case C_LZMA:
		return compress_lzma_alone(in, len, out, cap);
	case C_LZ4:
		return compress_lz4_legacy(in, len, out, cap);
	case C_ZSTD:
		return compress_zstd(in, len, out, cap);
	default:
		return 0;
	}
}

#define BZ_SETUP_SECTS	4
#define BZ_PM_OFF	((BZ_SETUP_SECTS + 1) * 512)
#define BZ_PAYLOAD_AT	0x40		/* in the protected-mode part */

/*
 * A minimal bzImage: boot sector and setup header, then the protected
 * mode part holding the compressed payload and the kernel's size_append
 * trailer. Returns a malloc()ed image of *len bytes.
 */
static uint8_t *make_bzimage(enum comp c, const uint8_t *payload, size_t plen,
			     size_t *len)
{
	size_t cap = plen + plen / 2 + (1 << 16), clen, at = BZ_PM_OFF + BZ_PAYLOAD_AT;
	uint8_t *img = calloc(1, at + cap + 4);
	uint32_t v;

	if (!img)
		return NULL;
	clen = compress_with(c, payload, plen, img + at, cap);
	if (!clen) {
		free(img);
		return NULL;
	}
	v = plen;
	memcpy(img + at + clen, &v, 4);
	img[0x1f1] = BZ_SETUP_SECTS;
	memcpy(img + 0x1fe, &(uint16_t){ 0xaa55 }, 2);
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &(uint16_t){ 0x020f }, 2);
	memcpy(img + 0x248, &(uint32_t){ BZ_PAYLOAD_AT }, 4);
	memcpy(img + 0x24c, &(uint32_t){ clen + 4 }, 4);
	*len = at + clen + 4;
	return img;
}

static int try_image(const uint8_t *img, size_t len, size_t cap)
{
	uint8_t *elf = NULL, *copy = malloc(len ? len : 1);
	size_t elf_len = 0;
	int rc;

	memcpy(copy, img, len);
	rc = pvh_image_to_elf_capped(copy, len, cap, &elf, &elf_len, err,
				     sizeof(err));
	free(copy);
	if (rc == 0 && (!elf || elf_len == 0)) {
		printf("# success without an ELF\n");
		cur_failed = 1;
	}
	free(elf);
	return rc;
}

static void t_bz_roundtrip(void)
{
	struct synth s;
	uint8_t *elf;
	size_t len, elf_len;
	int c;

	synth_build(&s);
	for (c = 0; c < NR_COMP; c++) {
		uint8_t *img = make_bzimage(c, s.b, S_LEN, &len);

		CHECK(img != NULL);
		if (!img)
			continue;
		CHECK(pvh_bzimage_compressor(img, len) &&
		      !strcmp(pvh_bzimage_compressor(img, len), comp_names[c]));
		elf = NULL;
		if (pvh_image_to_elf(img, len, &elf, &elf_len, err,
				     sizeof(err))) {
			printf("# %s: %s\n", comp_names[c], err);
			cur_failed = 1;
		} else {
			CHECK_EQ(elf_len, S_LEN);
			CHECK(!memcmp(elf, s.b, S_LEN));
		}
		free(elf);
		free(img);
	}
}

static void t_bz_header(void)
{
	struct synth s;
	uint8_t *img;
	size_t len;

	synth_build(&s);
	img = make_bzimage(C_GZIP, s.b, S_LEN, &len);
	if (!img) {
		CHECK(img != NULL);
		return;
	}
	CHECK_EQ(try_image(img, len, PVH_MAX_ELF_SIZE), 0);

	img[0x202] = 'h';				/* bad magic */
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	img[0x202] = 'H';
	img[0x1fe] = 0;					/* bad boot_flag */
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	img[0x1fe] = 0x55;
	memcpy(img + 0x206, &(uint16_t){ 0x0207 }, 2);	/* no payload fields */
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	memcpy(img + 0x206, &(uint16_t){ 0x020f }, 2);
	memcpy(img + 0x248, &(uint32_t){ len }, 4);	/* payload outside */
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	memcpy(img + 0x248, &(uint32_t){ 0xffffffff }, 4);
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	memcpy(img + 0x248, &(uint32_t){ BZ_PAYLOAD_AT }, 4);
	memcpy(img + 0x24c, &(uint32_t){ 0xffffffff }, 4);	/* too long */
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	memcpy(img + 0x24c, &(uint32_t){ 0 }, 4);
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	/* boot.rst: setup_sects 0 means 4, which is what ours says. */
	memcpy(img + 0x24c, &(uint32_t){ len - BZ_PM_OFF - BZ_PAYLOAD_AT }, 4);
	CHECK_EQ(try_image(img, len, PVH_MAX_ELF_SIZE), 0);
	img[0x1f1] = 0;
	CHECK_EQ(try_image(img, len, PVH_MAX_ELF_SIZE), 0);
	img[0x1f1] = 5;		/* payload now starts 512 bytes later */
	CHECK(try_image(img, len, PVH_MAX_ELF_SIZE) != 0);
	free(img);

	/* Neither ELF nor bzImage; too short for a header; empty. */
	CHECK_FAILS(try_image((const uint8_t *)"MZ\x90\x00", 4, PVH_MAX_ELF_SIZE), -ENOEXEC);
	CHECK_FAILS(try_image((const uint8_t *)"", 0, PVH_MAX_ELF_SIZE), -ENOEXEC);
}

static void t_bz_payload(void)
{
	uint8_t junk[64] = { 0 };
	struct synth s;
	uint8_t *img, *payload;
	size_t len;
	int c;

	synth_build(&s);
	/* Unknown and unsupported compressors. */
	img = make_bzimage(C_GZIP, s.b, S_LEN, &len);
	if (!img) {
		CHECK(img != NULL);
		return;
	}
	payload = img + BZ_PM_OFF + BZ_PAYLOAD_AT;
	payload[0] = 0x00;
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	memcpy(payload, "BZh9", 4);
	CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOTSUP);
	free(img);

	/* A stream that decompresses fine but is not an ELF. */
	img = make_bzimage(C_ZSTD, junk, sizeof(junk), &len);
	CHECK(img != NULL);
	if (img)
		CHECK_FAILS(try_image(img, len, PVH_MAX_ELF_SIZE), -ENOEXEC);
	free(img);

	for (c = 0; c < NR_COMP; c++) {
		size_t plen, i;

		/* Corrupt the middle of the stream. */
		img = make_bzimage(c, s.b, S_LEN, &len);
		if (!img) {
			CHECK(img != NULL);
			continue;
		}
		payload = img + BZ_PM_OFF + BZ_PAYLOAD_AT;
		plen = len - BZ_PM_OFF - BZ_PAYLOAD_AT;
		for (i = plen / 3; i < plen / 3 + 8; i++)
			payload[i] ^= 0x55;
		if (try_image(img, len, PVH_MAX_ELF_SIZE) == 0) {
			printf("# %s: corrupt stream accepted\n", comp_names[c]);
			cur_failed = 1;
		}
		free(img);

		/* Truncate it (payload_length shrunk, file too). */
		img = make_bzimage(c, s.b, S_LEN, &len);
		if (!img)
			continue;
		plen = (len - BZ_PM_OFF - BZ_PAYLOAD_AT) / 2;
		memcpy(img + 0x24c, &(uint32_t){ plen }, 4);
		if (try_image(img, BZ_PM_OFF + BZ_PAYLOAD_AT + plen,
			      PVH_MAX_ELF_SIZE) != -EINVAL) {
			printf("# %s: truncated stream not -EINVAL (%s)\n",
			       comp_names[c], err);
			cur_failed = 1;
		}
		free(img);
		err[0] = 0;
	}
}

/* Over-cap output is refused with -E2BIG, by every decompressor. */
static void t_bz_bomb(void)
{
	size_t big = 3 * MIB, len;
	uint8_t *zeros = calloc(1, big);
	int c;

	if (!zeros) {
		CHECK(zeros != NULL);
		return;
	}
	memcpy(zeros, ELFMAG, SELFMAG);
	for (c = 0; c < NR_COMP; c++) {
		uint8_t *img = make_bzimage(c, zeros, big, &len);

		if (!img) {
			CHECK(img != NULL);
			continue;
		}
		printf("# %s: %zu zero bytes in %zu\n", comp_names[c], big, len);
		CHECK_FAILS(try_image(img, len, MIB), -E2BIG);
		CHECK_FAILS(try_image(img, len, big - 1), -E2BIG);
		CHECK_EQ(try_image(img, len, big), 0);
		free(img);
	}
	free(zeros);
}

/* The default cap: a gzip payload inflating to 257 MiB of zeros. */
static void t_bz_bomb_default_cap(void)
{
	static uint8_t chunk[1 << 20];
	size_t cap = 1 << 20, at = BZ_PM_OFF + BZ_PAYLOAD_AT, len;
	uint8_t *img = calloc(1, at + cap), *elf = NULL;
	z_stream z;
	int i;

	if (!img) {
		CHECK(img != NULL);
		return;
	}
	memset(&z, 0, sizeof(z));
	memcpy(chunk, ELFMAG, SELFMAG);
	CHECK_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
			      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = img + at;
	z.avail_out = cap;
	for (i = 0; i < 257; i++) {
		z.next_in = chunk;
		z.avail_in = sizeof(chunk);
		deflate(&z, i == 256 ? Z_FINISH : Z_NO_FLUSH);
		chunk[0] = 0;
	}
	len = at + z.total_out;
	deflateEnd(&z);
	img[0x1f1] = BZ_SETUP_SECTS;
	memcpy(img + 0x1fe, &(uint16_t){ 0xaa55 }, 2);
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &(uint16_t){ 0x020f }, 2);
	memcpy(img + 0x248, &(uint32_t){ BZ_PAYLOAD_AT }, 4);
	memcpy(img + 0x24c, &(uint32_t){ len - at }, 4);
	printf("# 257 MiB of zeros in a %zu-byte image\n", len);
	CHECK_FAILS(pvh_image_to_elf(img, len, &elf, &len, err, sizeof(err)),
		    -E2BIG);
	CHECK(elf == NULL);
	free(img);
}

/* ---- Fuzz ---- */

static void fuzz_one(const uint8_t *p, size_t len, unsigned int *accepted)
{
	uint8_t *elf = NULL;
	size_t elf_len;

	if (try_elf(p, len, small_ram, S_RAM) == 0)
		(*accepted)++;
	if (try_image(p, len, 4 * MIB) == 0)
		(*accepted)++;
	/* Whatever unpacks must also survive the ELF side. */
	if (!pvh_image_to_elf_capped(p, len, 4 * MIB, &elf, &elf_len, NULL, 0))
		try_elf(elf, elf_len, small_ram, S_RAM);
	free(elf);
}

static void mutate(uint8_t *p, size_t len)
{
	unsigned int n = 1 + xorshift() % 8;

	while (n--) {
		unsigned long long r = xorshift();

		switch (r % 4) {
		case 0:	/* random byte */
			p[(r >> 8) % len] = r >> 40;
			break;
		case 1:	/* flip a bit */
			p[(r >> 8) % len] ^= 1 << ((r >> 40) % 8);
			break;
		case 2:	/* an interesting 32-bit value */
			if (len >= 4) {
				static const uint32_t v[] = { 0, 1, 0x7fffffff,
					0x80000000, 0xffffffff, 0xfffffff0, 56, 64 };
				memcpy(p + (r >> 8) % (len - 3),
				       &v[(r >> 40) % ARRAY_SIZE(v)], 4);
			}
			break;
		default: /* an all-ones 64-bit value */
			if (len >= 8)
				memset(p + (r >> 8) % (len - 7), 0xff, 8);
			break;
		}
	}
}

static void t_fuzz(void)
{
	unsigned int i, accepted = 0, n = 0;
	uint8_t buf[4096], *bz[NR_COMP];
	size_t bz_len[NR_COMP];
	struct synth s;
	int c;

	synth_build(&s);
	for (c = 0; c < NR_COMP; c++)
		bz[c] = make_bzimage(c, s.b, S_LEN, &bz_len[c]);
	for (i = 0; i < 1000; i++, n++) {	/* random bytes */
		size_t len = xorshift() % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = xorshift();
		if (i % 4 == 0 && len >= 4)	/* with ELF magic */
			memcpy(buf, ELFMAG, SELFMAG);
		fuzz_one(buf, len, &accepted);
	}
	for (i = 0; i < 2000; i++, n++) {	/* mutated synthetic ELF */
		memcpy(buf, s.b, S_LEN);
		mutate(buf, S_LEN);
		fuzz_one(buf, S_LEN, &accepted);
	}
	for (i = 0; i < 1000; i++, n++) {	/* mutated bzImages */
		c = i % NR_COMP;
		if (!bz[c] || bz_len[c] > sizeof(buf))
			continue;
		memcpy(buf, bz[c], bz_len[c]);
		mutate(buf + 0x1f0, bz_len[c] - 0x1f0);
		fuzz_one(buf, bz_len[c], &accepted);
	}
	for (c = 0; c < NR_COMP; c++)
		free(bz[c]);
	printf("# %u inputs, %u accepted\n", n, accepted);
}

static const struct {
	void (*fn)(void);
	const char *name;
} tests[] = {
	{ t_real_compressor, "real_bzimage_compressor" },
	{ t_real_unpack, "real_bzimage_unpacks_to_x86_64_elf" },
	{ t_real_entry, "real_elf_phys32_entry_in_text" },
	{ t_real_passthrough, "real_elf_passes_through" },
	{ t_real_load, "real_kernel_load_256m" },
	{ t_synth_ok, "synthetic_elf_loads" },
	{ t_synth_elf32, "synthetic_elf32_loads_and_checks" },
	{ t_truncated, "truncated_elf_every_length" },
	{ t_bad_ehdr, "bad_elf_header_fields" },
	{ t_bad_phdr, "bad_program_headers" },
	{ t_layout, "layout_refusals_leave_ram_untouched" },
	{ t_memmap_merge, "memmap_merges_reserved_ranges" },
	{ t_notes, "bad_and_missing_notes" },
	{ t_bz_roundtrip, "bzimage_roundtrip_each_compressor" },
	{ t_bz_header, "bzimage_bad_header_and_payload_bounds" },
	{ t_bz_payload, "bzimage_corrupt_and_truncated_streams" },
	{ t_bz_bomb, "bzimage_decompression_bomb_each_compressor" },
	{ t_bz_bomb_default_cap, "bzimage_decompression_bomb_256m_cap" },
	{ t_fuzz, "fuzz_never_crashes" },
};

int main(void)
{
	unsigned int i;
	int failed = 0;
	bool required;

	required = getenv("DOMINO_DEPS_INSTALLED") &&
		   *getenv("DOMINO_DEPS_INSTALLED") == '1';
	real_kernel = getenv("DOMINO_REAL_KERNEL");
	if (real_kernel && *real_kernel)
		real_img = read_file(real_kernel, &real_img_len);
	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		cur_failed = 0;
		skip_reason = NULL;
		err[0] = 0;
		tests[i].fn();
		/*
		 * Under `make check`, `make deps` installed the lab kernel: a
		 * check that cannot find it there fails rather than skips.
		 */
		if (skip_reason && !cur_failed && required) {
			printf("# %s, but make deps installed it (DOMINO_DEPS_INSTALLED)\n",
			       skip_reason);
			cur_failed = 1;
		}
		if (skip_reason && !cur_failed)
			printf("ok %u %s # SKIP %s\n", i + 1, tests[i].name,
			       skip_reason);
		else
			printf("%s %u %s\n", cur_failed ? "not ok" : "ok",
			       i + 1, tests[i].name);
		failed |= cur_failed;
	}
	free(real_img);
	free(real_elf);
	return failed ? 1 : 0;
}
