// SPDX-License-Identifier: GPL-2.0
/*
 * Building a PVH domain: guest memory, the kernel and initrd through the
 * PVH loader, the ACPI tables that describe the machine to the guest, and
 * the boot vCPU's entry state (Xen's docs/misc/pvh.pandoc).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi_tables.h"
#include "pvh_loader.h"
#include "vm_priv.h"

/* Kernel images and initrds above this are refused: inputs are untrusted. */
#define VM_FILE_MAX	(1ULL << 30)

static int set_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *hva)
{
	struct domino_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r) ? -errno : 0;
}

int vm_boot_memory(struct vm *vm, char *err, size_t errlen)
{
	int r;

	vm->low_bytes = vm->mem_bytes < VM_HOLE_START ? vm->mem_bytes : VM_HOLE_START;
	vm->high_bytes = vm->mem_bytes - vm->low_bytes;
	/* Untouched guest memory costs nothing until the guest uses it. */
	vm->ram = mmap(NULL, vm->mem_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		snprintf(err, errlen, "cannot map %llu MiB of guest memory: %s",
			 (unsigned long long)(vm->mem_bytes >> 20), strerror(errno));
		return -ENOMEM;
	}
	r = set_region(vm, 0, 0, vm->low_bytes, vm->ram);
	if (!r && vm->high_bytes)
		r = set_region(vm, 1, VM_HIGH_START, vm->high_bytes,
			       vm->ram + vm->low_bytes);
	if (r)
		snprintf(err, errlen, "DOMINO_SET_MEMORY_REGION: %s", strerror(-r));
	return r;
}

static uint8_t *read_file(const char *path, size_t *len, char *err,
			  size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > VM_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of 1 byte to 1 GiB", path);
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size);
	while (buf && done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			snprintf(err, errlen, "%s: short read", path);
			free(buf);
			buf = NULL;
			break;
		}
		done += n;
	}
	if (!buf && !done)
		snprintf(err, errlen, "%s: out of memory", path);
	close(fd);
	*len = done;
	return buf;
}

static void seg_flat(struct domino_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

/* pvh.pandoc: 32-bit flat protected mode, paging off, EBX = start info. */
static int boot_vcpu_state(struct vm *vm, const struct pvh_boot *boot)
{
	struct vm_vcpu *bsp = &vm->vcpus[0];
	struct domino_regs regs = {
		.rip = boot->entry,
		.rbx = boot->start_info_paddr,
		.rflags = 2,
	};
	struct domino_sregs s;

	if (ioctl(bsp->fd, DOMINO_GET_SREGS, &s))
		return -errno;
	seg_flat(&s.cs, 0x10, 0xb);
	seg_flat(&s.ds, 0x18, 0x3);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.type = 0xb;
	s.tr.present = 1;
	s.tr.limit = 0x67;
	s.cr0 = 0x11;		/* PE, ET */
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(bsp->fd, DOMINO_SET_SREGS, &s) ||
	    ioctl(bsp->fd, DOMINO_SET_REGS, &regs))
		return -errno;
	return 0;
}

static int build_acpi(struct vm *vm, uint64_t *rsdp, char *err, size_t errlen)
{
	struct acpi_machine m = {
		.nr_cpus = vm->nr_vcpus,
		.lapic_base = DOMINO_LAPIC_BASE,
		.ioapic_base = DOMINO_IOAPIC_BASE,
		.ioapic_id = 0,
		.ioapic_gsi_base = 0,
		.pm1a_evt_port = VM_PM1A_EVT_PORT,
		.pm1a_cnt_port = VM_PM1A_CNT_PORT,
		.sci_irq = VM_SCI_IRQ,
		.reset_port = VM_RESET_PORT,
		.reset_value = VM_RESET_VALUE,
		.pvpanic_port = VM_PVPANIC_PORT,
		.com1_port = VM_COM1_PORT,
		.com1_irq = VM_COM1_IRQ,
		.oem_id = "DOMINO",
	};
	size_t used;

	/* I/O APIC id 0 would clash with the boot CPU's APIC id 0. */
	m.ioapic_id = vm->nr_vcpus < 255 ? vm->nr_vcpus : 0xfe;
	return acpi_build(vm->ram + VM_ACPI_GPA, VM_ACPI_SIZE, VM_ACPI_GPA, &m,
			  rsdp, &used, err, errlen);
}

int vm_boot_load(struct vm *vm, const struct domcfg *cfg, char *err,
		 size_t errlen)
{
	struct pvh_layout layout = {
		.low = { VM_LOW_RESERVED, VM_LOW_RESERVED_SIZE },
		.reserved = {
			{ DOMINO_IOAPIC_BASE, 0x1000 },
			{ DOMINO_LAPIC_BASE, 0x1000 },
		},
		.nr_reserved = 2,
		.boot_info_paddr = VM_BOOT_INFO_GPA,
		.boot_info_size = VM_BOOT_INFO_SIZE,
	};
	uint8_t *img = NULL, *elf = NULL, *initrd = NULL;
	size_t img_len, elf_len, initrd_len = 0;
	struct pvh_boot boot;
	int r;

	/* Xen's "special pages" are outside the RAM the guest may allocate. */
	if (vm->xencons)
		layout.reserved[layout.nr_reserved++] =
			(struct pvh_range){ vm->xencons_gpa, VM_PAGE_SIZE };
	if (vm->xs)
		layout.reserved[layout.nr_reserved++] =
			(struct pvh_range){ vm->xenstore_gpa, VM_PAGE_SIZE };
	if (!cfg->kernel) {
		snprintf(err, errlen, "%s: no kernel given", cfg->filename);
		return -EINVAL;
	}
	r = build_acpi(vm, &layout.rsdp_paddr, err, errlen);
	if (r)
		return r;
	img = read_file(cfg->kernel, &img_len, err, errlen);
	if (!img)
		return -EINVAL;
	r = pvh_image_to_elf(img, img_len, &elf, &elf_len, err, errlen);
	free(img);
	if (r)
		return r;
	if (cfg->ramdisk) {
		initrd = read_file(cfg->ramdisk, &initrd_len, err, errlen);
		if (!initrd) {
			free(elf);
			return -EINVAL;
		}
	}
	/* Above 4 GiB is a second slot: the loader sees the low part only. */
	r = pvh_load(vm->ram, vm->low_bytes, elf, elf_len, initrd, initrd_len,
		     cfg->cmdline, &layout, &boot, err, errlen);
	free(elf);
	free(initrd);
	if (r)
		return r;
	r = boot_vcpu_state(vm, &boot);
	if (r)
		snprintf(err, errlen, "setting the boot vCPU: %s", strerror(-r));
	return r;
}
