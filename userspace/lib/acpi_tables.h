/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * ACPI tables describing a PVH guest machine to Linux: RSDP, XSDT, FADT,
 * FACS, DSDT and MADT, laid out in one buffer the VMM copies into guest
 * memory. Pure logic on a byte buffer, so it is unit tested on the host.
 * The guest finds the RSDP through hvm_start_info.rsdp_paddr.
 *
 * Every call returns 0 or a negative errno and, on failure, writes a
 * one-line reason into @err (if @err is not NULL and @errlen > 0).
 *
 * The hardware these tables promise, which the VMM must emulate:
 *  - PM1a event block at pm1a_evt_port, 4 bytes: PM1_STS (word, write 1
 *    to clear) then PM1_EN (word). PWRBTN_STS/PWRBTN_EN (bit 8) is the
 *    fixed-feature power button; raising it asserts the SCI.
 *  - PM1a control block at pm1a_cnt_port, a word: SCI_EN (bit 0) must
 *    read as 1, since there is no SMI command port and ACPI is always on.
 *    Writing SLP_TYP (bits 10-12) = 5 with SLP_EN (bit 13), i.e. 0x3400,
 *    means power off (the DSDT's \_S5 package).
 *  - the SCI on ISA IRQ sci_irq, level triggered, active high.
 *  - a byte write of reset_value to reset_port resets the machine.
 *  - no PM timer, no GPE blocks, no CMOS RTC, no VGA, no i8042, no
 *    legacy ISA devices other than the COM1 described in the DSDT.
 * The memory map should mark the tables' range reserved (or ACPI).
 */
#ifndef ACPI_TABLES_H
#define ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Most vCPUs the MADT describes: xAPIC ids fit in 8 bits. */
#define ACPI_MAX_CPUS		128
/* Bytes acpi_build() uses at most (ACPI_MAX_CPUS, every device). */
#define ACPI_TABLES_MAX_SIZE	4096

struct acpi_machine {
	unsigned int nr_cpus;	/* 1..ACPI_MAX_CPUS; LAPIC ids 0..nr_cpus-1 */
	uint64_t lapic_base;	/* 0xfee00000 */
	uint64_t ioapic_base;	/* 0xfec00000 */
	uint8_t ioapic_id;	/* e.g. nr_cpus: >= nr_cpus and not 0xff */
	uint32_t ioapic_gsi_base;	/* 0: ISA IRQs route to this I/O APIC */
	uint16_t pm1a_evt_port;	/* PM1a event block: 4 bytes */
	uint16_t pm1a_cnt_port;	/* PM1a control block: 2 bytes */
	uint8_t sci_irq;	/* 9: ISA IRQ, level, active high */
	uint16_t reset_port;	/* FADT reset register: I/O, 1 byte */
	uint8_t reset_value;
	uint16_t pvpanic_port;	/* 0: none; else "QEMU0001", 1 I/O port */
	uint16_t com1_port;	/* 0: none; else PNP0501, 8 I/O ports */
	uint8_t com1_irq;	/* ISA IRQ of COM1, edge, active high */
	char oem_id[7];		/* "DOMINO"; NUL-terminated, "" = "DOMINO" */
};

/*
 * Lay all tables out in @buf, which the VMM copies to guest-physical
 * @gpa (16-byte aligned, not 0: a zero rsdp_paddr means "none" in PVH).
 * The RSDP is first, so *@rsdp_gpa == @gpa; *@used is how many bytes of
 * @buf were written. Everything is checked before @buf is written.
 * Errors: -EINVAL (bad machine or gpa), -ERANGE (tables would not end
 * below 4 GiB, where the 32-bit pointers must reach), -ENOSPC (@len too
 * small).
 */
int acpi_build(uint8_t *buf, size_t len, uint64_t gpa,
	       const struct acpi_machine *m, uint64_t *rsdp_gpa, size_t *used,
	       char *err, size_t errlen);

#endif /* ACPI_TABLES_H */
