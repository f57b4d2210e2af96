/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * PVH loader, kernel-image side: turns a vmlinux or a bzImage into the
 * guest-physical image and boot structures of the Xen PVH boot ABI. Pure
 * logic on byte buffers: no hypervisor calls, so it is unit tested on the
 * host. All inputs (kernel image, ELF, initrd) are treated as untrusted.
 *
 * Every call returns 0 or a negative errno and, on failure, writes a
 * one-line reason into @err (if @err is not NULL and @errlen > 0).
 *
 * Entry state the VMM must set up from struct pvh_boot, per the Xen PVH
 * boot ABI (xen.git docs/misc/pvh.pandoc, "x86/HVM direct boot ABI"):
 *  - rip = pvh_boot.entry (XEN_ELFNOTE_PHYS32_ENTRY), 32-bit protected
 *    mode, paging off: CR0 = PE only (other writable bits clear), CR4 = 0;
 *  - ebx = pvh_boot.start_info_paddr (struct hvm_start_info);
 *  - cs: 32-bit execute/read code segment, base 0, limit 0xffffffff;
 *    ds, es (and ss, in practice): 32-bit read/write data, base 0, limit
 *    0xffffffff; selector values unspecified;
 *  - tr: 32-bit busy TSS, base 0, limit 0x67;
 *  - eflags: VM, IF and TF clear.
 * The kernel sets up its own stack, GDT and IDT.
 */
#ifndef PVH_LOADER_H
#define PVH_LOADER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Boot structures of xen.git xen/include/public/arch-x86/hvm/start_info.h
 * (Linux: include/xen/interface/hvm/start_info.h). Written out here
 * because that header does not build standalone in userspace; the
 * layout is ABI and pinned by static asserts in pvh_loader.c.
 */
#define XEN_HVM_START_MAGIC_VALUE	0x336ec578
#define XEN_HVM_MEMMAP_TYPE_RAM		1
#define XEN_HVM_MEMMAP_TYPE_RESERVED	2

struct hvm_start_info {
	uint32_t magic;		/* XEN_HVM_START_MAGIC_VALUE */
	uint32_t version;	/* 1: memmap_* fields are valid */
	uint32_t flags;		/* SIF_*: none for a PVH domU */
	uint32_t nr_modules;
	uint64_t modlist_paddr;	/* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;	/* NUL-terminated; 0 = none */
	uint64_t rsdp_paddr;	/* ACPI RSDP; 0 = guest scans for it */
	uint64_t memmap_paddr;	/* struct hvm_memmap_table_entry[] */
	uint32_t memmap_entries;
	uint32_t reserved;	/* must be zero */
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;	/* 0 = none */
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* XEN_HVM_MEMMAP_TYPE_* */
	uint32_t reserved;	/* must be zero in version 1 */
};

/* Most bytes a bzImage payload may decompress to: the input is untrusted. */
#define PVH_MAX_ELF_SIZE	(256u << 20)
/* Program headers accepted; a vmlinux has about five. */
#define PVH_MAX_PHDRS		64
/* x86 Linux's COMMAND_LINE_SIZE, excluding the NUL. */
#define PVH_CMDLINE_MAX		2047
/* Caller-reserved ranges, besides the low area. */
#define PVH_MAX_RESERVED	8
/* Most memory-map entries pvh_load() can emit. */
#define PVH_MAX_MEMMAP		(2 * (PVH_MAX_RESERVED + 1) + 1)

struct pvh_range {
	uint64_t base;
	uint64_t size;		/* 0 = unused */
};

/*
 * Where things go in guest-physical memory (ram[0] is GPA 0).
 * @low: the low area the VMM keeps for itself (legacy VGA/BIOS hole,
 *	its own tables): no kernel segment or initrd may overlap it, and the
 *	memory map marks it reserved. A typical choice is [0xa0000, 1 MiB),
 *	which leaves RAM below 640 KiB for Linux's real-mode trampoline.
 * @reserved: further ranges the memory map marks reserved (ACPI tables,
 *	MMIO holes); they may lie above RAM. Loaded data may not overlap them.
 * @boot_info_paddr, @boot_info_size: where start_info, the module list,
 *	the memory map and the command line are written, in that order
 *	(8-byte aligned). Must be RAM; may lie inside @low.
 * @initrd_paddr: page-aligned GPA for the initrd; 0 = first page after
 *	the kernel's highest loaded byte.
 * @rsdp_paddr: copied into hvm_start_info.rsdp_paddr.
 */
struct pvh_layout {
	struct pvh_range low;
	struct pvh_range reserved[PVH_MAX_RESERVED];
	unsigned int nr_reserved;
	uint64_t boot_info_paddr;
	uint64_t boot_info_size;
	uint64_t initrd_paddr;
	uint64_t rsdp_paddr;
};

/* What the VMM needs to start the vCPU; see the entry state above. */
struct pvh_boot {
	uint64_t entry;			/* XEN_ELFNOTE_PHYS32_ENTRY: EIP */
	uint64_t start_info_paddr;	/* EBX */
	uint64_t kernel_start;		/* lowest loaded GPA */
	uint64_t kernel_end;		/* highest loaded GPA + 1 */
	uint64_t initrd_paddr;		/* 0 when no initrd */
	uint64_t initrd_size;
	uint32_t memmap_entries;
};

/*
 * Get the ELF vmlinux from a kernel image: an ELF is copied, a bzImage's
 * compressed payload (gzip, xz, lzma, lz4 or zstd) is decompressed. The
 * caller frees *@elf. The _capped variant bounds the output at @max_out
 * bytes instead of PVH_MAX_ELF_SIZE.
 */
int pvh_image_to_elf(const uint8_t *img, size_t len, uint8_t **elf,
		     size_t *elf_len, char *err, size_t errlen);
int pvh_image_to_elf_capped(const uint8_t *img, size_t len, size_t max_out,
			    uint8_t **elf, size_t *elf_len, char *err,
			    size_t errlen);

/* Name of the bzImage payload compressor ("gzip", ...), or NULL. */
const char *pvh_bzimage_compressor(const uint8_t *img, size_t len);

/* Validate an x86-64 ELF and find its XEN_ELFNOTE_PHYS32_ENTRY. */
int pvh_elf_entry(const uint8_t *elf, size_t len, uint32_t *entry,
		  char *err, size_t errlen);

/*
 * Lay out the kernel's PT_LOAD segments at their p_paddr, the initrd and
 * the boot structures in @ram, and fill @out. Everything is checked
 * before the first byte of @ram is written, so a failure leaves it as it
 * was. @initrd may be NULL (no module); @cmdline may be NULL (none).
 */
int pvh_load(uint8_t *ram, size_t ram_size, const uint8_t *elf,
	     size_t elf_len, const uint8_t *initrd, size_t initrd_len,
	     const char *cmdline, const struct pvh_layout *layout,
	     struct pvh_boot *out, char *err, size_t errlen);

#endif /* PVH_LOADER_H */
