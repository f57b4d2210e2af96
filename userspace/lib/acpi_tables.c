// SPDX-License-Identifier: LGPL-2.1
/*
 * ACPI tables of a PVH guest (see acpi_tables.h). Layouts are those of the
 * ACPI 6.3 specification: 5.2.5.3 (RSDP), 5.2.6 (table header), 5.2.8
 * (XSDT), 5.2.9 (FADT, revision 6), 5.2.10 (FACS), 5.2.12 (MADT, revision
 * 5), 5.2.3.2 (Generic Address Structure), 6.4 (resource descriptors) and
 * 20 (AML encoding). The structures are written out here and pinned by
 * static asserts rather than taken from ACPICA's headers, so the library
 * builds with nothing but a C compiler.
 *
 * Layout in the buffer, each table 8-byte aligned:
 *	RSDP, XSDT, FADT, FACS (64-byte aligned in guest memory), DSDT, MADT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "acpi_tables.h"

/* Guest tables are little-endian; the structures are copied raw. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 host only");

#define ACPI_OEM_TABLE_ID	"DOMINOVM"
#define ACPI_CREATOR_ID		"DMNO"
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_REVISION	1
#define ACPI_DEFAULT_OEM_ID	"DOMINO"

/* 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1
#define ACPI_GAS_ACCESS_WORD	2

/* 5.2.6: the header every table but the RSDP and FACS starts with. */
struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

/* 5.2.5.3: Root System Description Pointer, revision 2. */
struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+, has the XSDT */
	uint32_t rsdt_address;		/* 0: no RSDT, the XSDT is used */
	uint32_t length;		/* of the whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_CHECKSUM_LEN	20

/* 5.2.9: Fixed ACPI Description Table, revision 6. */
struct acpi_fadt {
	struct acpi_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

/* FADT Flags (table 5.10). */
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* set: control-method button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* set: no sleep button */
#define FADT_F_RESET_REG_SUP	(1u << 10)
/* IA-PC boot architecture flags (table 5.11). */
#define FADT_BOOT_LEGACY_DEVICES	(1u << 0)
#define FADT_BOOT_8042		(1u << 1)
#define FADT_BOOT_NO_VGA	(1u << 2)
#define FADT_BOOT_NO_CMOS_RTC	(1u << 5)

#define PM1_EVT_LEN		4	/* PM1_STS word, PM1_EN word */
#define PM1_CNT_LEN		2

/* 5.2.10: Firmware ACPI Control Structure. */
struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));

#define FACS_ALIGN		64

/* 5.2.12: Multiple APIC Description Table and its entries. */
struct acpi_madt {
	struct acpi_header hdr;
	uint32_t lapic_address;
	uint32_t flags;
} __attribute__((packed));

#define MADT_PCAT_COMPAT	(1u << 0)

struct madt_lapic {
	uint8_t type;		/* 0 */
	uint8_t length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

#define MADT_LAPIC_ENABLED	(1u << 0)

struct madt_ioapic {
	uint8_t type;		/* 1 */
	uint8_t length;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_iso {
	uint8_t type;		/* 2 */
	uint8_t length;
	uint8_t bus;		/* 0: ISA */
	uint8_t source;		/* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;		/* MPS INTI flags */
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type;		/* 4 */
	uint8_t length;
	uint8_t processor_uid;	/* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

#define MADT_TYPE_LAPIC		0
#define MADT_TYPE_IOAPIC	1
#define MADT_TYPE_ISO		2
#define MADT_TYPE_LAPIC_NMI	4
/* MPS INTI flags: polarity in bits 1:0, trigger mode in bits 3:2. */
#define MPS_CONFORMING		0x0
#define MPS_ACTIVE_HIGH		0x1
#define MPS_EDGE		(0x1 << 2)
#define MPS_LEVEL		(0x3 << 2)
#define MADT_ALL_PROCESSORS	0xff

/* The layouts are guest ABI: pin them. */
_Static_assert(sizeof(struct acpi_gas) == 12, "abi");
_Static_assert(sizeof(struct acpi_header) == 36, "abi");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "abi");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "abi");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "abi");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "abi");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "abi");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "abi");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "abi");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "abi");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "abi");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "abi");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "abi");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_cnt_blk) == 172, "abi");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "abi");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "abi");
_Static_assert(sizeof(struct acpi_fadt) == 276, "abi");
_Static_assert(offsetof(struct acpi_facs, x_firmware_waking_vector) == 24,
	       "abi");
_Static_assert(offsetof(struct acpi_facs, ospm_flags) == 36, "abi");
_Static_assert(sizeof(struct acpi_facs) == 64, "abi");
_Static_assert(sizeof(struct acpi_madt) == 44, "abi");
_Static_assert(sizeof(struct madt_lapic) == 8, "abi");
_Static_assert(sizeof(struct madt_ioapic) == 12, "abi");
_Static_assert(sizeof(struct madt_iso) == 10, "abi");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "abi");

#define FOUR_GIB		(1ull << 32)
#define MADT_NR_ISO		2	/* IRQ0 -> GSI 2, and the SCI */

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* ---- AML (ACPI 6.3 chapter 20), into a bounded scratch buffer ---- */

#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR		0x5c	/* '\' */

/* Small resource descriptors (6.4.2): tag byte = type << 3 | length. */
#define RES_IRQ_NOFLAGS		(0x04 << 3 | 2)
#define RES_IO			(0x08 << 3 | 7)
#define RES_END_TAG		(0x0f << 3 | 1)
#define RES_IO_DECODE16		0x01

/* Far more than the DSDT needs; overflowing it is a bug, not bad input. */
#define AML_MAX			512
#define PKGLEN_MAX		((1u << 28) - 1)

struct aml {
	uint8_t b[AML_MAX];
	size_t len;
	bool overflow;
};

static void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > AML_MAX - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->b + a->len, p, n);
	a->len += n;
}

static void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

/* A NameSeg is exactly four characters, '_'-padded by the caller. */
static void aml_nameseg(struct aml *a, const char *seg)
{
	aml_bytes(a, seg, 4);
}

/* The shortest encoding of an integer constant. */
static void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t le[8];
	unsigned int i;

	if (v == 0) {
		aml_byte(a, AML_ZERO_OP);
		return;
	}
	if (v == 1) {
		aml_byte(a, AML_ONE_OP);
		return;
	}
	for (i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_bytes(a, le, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_bytes(a, le, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_bytes(a, le, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_bytes(a, le, 8);
	}
}

static void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

/*
 * EisaId ("PNP0501"): three letters of five bits each, then four hex
 * digits, stored big-endian in a DWordConst. The callers' ids are
 * constants in the right form.
 */
static uint8_t hex_digit(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : c - 'A' + 10);
}

static void aml_eisa_id(struct aml *a, const char *id)
{
	uint16_t vendor = (uint16_t)((id[0] - 0x40) << 10 |
				     (id[1] - 0x40) << 5 | (id[2] - 0x40));
	uint8_t be[4];

	be[0] = vendor >> 8;
	be[1] = vendor & 0xff;
	be[2] = (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4]));
	be[3] = (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]));
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, be, 4);
}

/*
 * PkgLength (20.2.4) of a body of @body bytes. The encoded value counts
 * its own bytes too: one byte holds up to 63, else the lead byte gives the
 * number of bytes that follow (bits 7:6) and the low nibble (bits 3:0),
 * and each following byte the next eight bits. Returns the byte count.
 */
static size_t pkglen_encode(uint8_t out[4], size_t body)
{
	size_t n, i;

	if (body + 1 <= 0x3f) {
		out[0] = (uint8_t)(body + 1);
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		size_t total = body + n;

		if (total >= (1ul << (4 + 8 * (n - 1))))
			continue;
		out[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
		for (i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		return n;
	}
	return 0;
}

/*
 * Put the PkgLength of everything emitted since @start in front of it:
 * the body is written first because its size decides the length's.
 */
static void aml_close_pkg(struct aml *a, size_t start)
{
	uint8_t enc[4];
	size_t n = pkglen_encode(enc, a->len - start);

	if (a->overflow || !n || n > AML_MAX - a->len) {
		a->overflow = true;
		return;
	}
	memmove(a->b + start + n, a->b + start, a->len - start);
	memcpy(a->b + start, enc, n);
	a->len += n;
}

/* Name (_CRS, ResourceTemplate () { @res }), adding the end tag. */
static void aml_name_crs(struct aml *a, const uint8_t *res, size_t n)
{
	uint8_t end[2] = { RES_END_TAG, 0 };
	size_t start;

	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, "_CRS");
	aml_byte(a, AML_BUFFER_OP);
	start = a->len;
	aml_integer(a, n + sizeof(end));
	aml_bytes(a, res, n);
	/* The end tag's checksum makes the whole template sum to zero. */
	end[1] = (uint8_t)(checksum(res, n) - RES_END_TAG);
	aml_bytes(a, end, sizeof(end));
	aml_close_pkg(a, start);
}

/* IO (Decode16, @port, @port, @align, @len): one fixed range. */
static size_t res_io(uint8_t *r, uint16_t port, uint8_t align, uint8_t len)
{
	r[0] = RES_IO;
	r[1] = RES_IO_DECODE16;
	r[2] = port & 0xff;
	r[3] = port >> 8;
	r[4] = port & 0xff;
	r[5] = port >> 8;
	r[6] = align;
	r[7] = len;
	return 8;
}

/* IRQNoFlags () {@irq}: ISA, edge triggered, active high. */
static size_t res_irq(uint8_t *r, uint8_t irq)
{
	uint16_t mask = (uint16_t)(1u << irq);

	r[0] = RES_IRQ_NOFLAGS;
	r[1] = mask & 0xff;
	r[2] = mask >> 8;
	return 3;
}

/* Device (PEVT): QEMU's pvpanic ISA device, which Linux's driver binds. */
static void aml_pvpanic(struct aml *a, uint16_t port)
{
	uint8_t res[8];
	size_t start;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	start = a->len;
	aml_nameseg(a, "PEVT");
	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, "_HID");
	aml_string(a, "QEMU0001");
	aml_name_crs(a, res, res_io(res, port, 1, 1));
	aml_close_pkg(a, start);
}

/* Device (COM1): a 16550 UART, which 8250_pnp binds. */
static void aml_com1(struct aml *a, uint16_t port, uint8_t irq)
{
	uint8_t res[11];
	size_t start, n;

	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	start = a->len;
	aml_nameseg(a, "COM1");
	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, "_HID");
	aml_eisa_id(a, "PNP0501");
	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, "_UID");
	aml_integer(a, 1);
	n = res_io(res, port, 0, 8);
	n += res_irq(res + n, irq);
	aml_name_crs(a, res, n);
	aml_close_pkg(a, start);
}

/*
 * The DSDT's definition block, after its header:
 *	Name (_S5, Package (4) { 5, 5, 0, 0 })
 *	Scope (\_SB) { Device (PEVT) {...}  Device (COM1) {...} }
 */
static int build_dsdt_aml(struct aml *a, const struct acpi_machine *m)
{
	size_t start;

	/* SLP_TYPa, SLP_TYPb, reserved, reserved: the VMM powers off on 5. */
	aml_byte(a, AML_NAME_OP);
	aml_nameseg(a, "_S5_");
	aml_byte(a, AML_PACKAGE_OP);
	start = a->len;
	aml_byte(a, 4);		/* NumElements */
	aml_integer(a, 5);
	aml_integer(a, 5);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_close_pkg(a, start);

	if (m->pvpanic_port || m->com1_port) {
		aml_byte(a, AML_SCOPE_OP);
		start = a->len;
		aml_byte(a, AML_ROOT_CHAR);
		aml_nameseg(a, "_SB_");
		if (m->pvpanic_port)
			aml_pvpanic(a, m->pvpanic_port);
		if (m->com1_port)
			aml_com1(a, m->com1_port, m->com1_irq);
		aml_close_pkg(a, start);
	}
	return a->overflow ? -EOVERFLOW : 0;
}

/* ---- Input checks ---- */

struct io_range {
	const char *name;
	uint32_t base;
	uint32_t len;
};

/* An ISA IRQ a device may have: not 0 (the PIT) nor 2 (the cascade). */
static bool isa_irq_ok(uint8_t irq)
{
	return irq && irq != 2 && irq < 16;
}

static int check_machine(const struct acpi_machine *m, char *oem,
			 char *err, size_t errlen)
{
	struct io_range io[5];
	unsigned int n = 0, i, j;
	size_t oem_len;

	if (m->nr_cpus < 1 || m->nr_cpus > ACPI_MAX_CPUS)
		return fail(err, errlen, -EINVAL,
			    "nr_cpus %u is outside 1..%u", m->nr_cpus,
			    ACPI_MAX_CPUS);
	/* The MADT's fields are 32-bit; no override entries are emitted. */
	if (!m->lapic_base || m->lapic_base >= FOUR_GIB ||
	    m->lapic_base & 0xfff)
		return fail(err, errlen, -EINVAL,
			    "local APIC base 0x%llx is not a page below 4 GiB",
			    (unsigned long long)m->lapic_base);
	if (!m->ioapic_base || m->ioapic_base >= FOUR_GIB ||
	    m->ioapic_base & 0xfff)
		return fail(err, errlen, -EINVAL,
			    "I/O APIC base 0x%llx is not a page below 4 GiB",
			    (unsigned long long)m->ioapic_base);
	if (m->ioapic_id < m->nr_cpus || m->ioapic_id == 0xff)
		return fail(err, errlen, -EINVAL,
			    "I/O APIC id %u clashes with the local APIC ids 0..%u or is 0xff",
			    m->ioapic_id, m->nr_cpus - 1);
	/* The ISA overrides name GSIs 0..15, which must be on this I/O APIC. */
	if (m->ioapic_gsi_base)
		return fail(err, errlen, -EINVAL,
			    "I/O APIC GSI base %u is not 0: ISA IRQs must route to it",
			    m->ioapic_gsi_base);
	if (!isa_irq_ok(m->sci_irq))
		return fail(err, errlen, -EINVAL,
			    "SCI IRQ %u is not an ISA IRQ other than 0 and 2",
			    m->sci_irq);
	if (!m->pm1a_evt_port || !m->pm1a_cnt_port || !m->reset_port)
		return fail(err, errlen, -EINVAL,
			    "the PM1a event, PM1a control and reset ports must be set");
	if (m->com1_port && !isa_irq_ok(m->com1_irq))
		return fail(err, errlen, -EINVAL,
			    "COM1 IRQ %u is not an ISA IRQ other than 0 and 2",
			    m->com1_irq);
	/* The SCI is level triggered, COM1 edge: they cannot share a pin. */
	if (m->com1_port && m->com1_irq == m->sci_irq)
		return fail(err, errlen, -EINVAL,
			    "COM1 IRQ %u is the SCI's", m->com1_irq);

	io[n++] = (struct io_range){ "PM1a event", m->pm1a_evt_port,
				     PM1_EVT_LEN };
	io[n++] = (struct io_range){ "PM1a control", m->pm1a_cnt_port,
				     PM1_CNT_LEN };
	io[n++] = (struct io_range){ "reset", m->reset_port, 1 };
	if (m->pvpanic_port)
		io[n++] = (struct io_range){ "pvpanic", m->pvpanic_port, 1 };
	if (m->com1_port)
		io[n++] = (struct io_range){ "COM1", m->com1_port, 8 };
	for (i = 0; i < n; i++) {
		if (io[i].base + io[i].len > 0x10000)
			return fail(err, errlen, -EINVAL,
				    "%s ports 0x%x+%u run past 0xffff",
				    io[i].name, io[i].base, io[i].len);
		for (j = 0; j < i; j++)
			if (io[i].base < io[j].base + io[j].len &&
			    io[j].base < io[i].base + io[i].len)
				return fail(err, errlen, -EINVAL,
					    "%s ports 0x%x+%u overlap %s ports 0x%x+%u",
					    io[i].name, io[i].base, io[i].len,
					    io[j].name, io[j].base, io[j].len);
	}

	/* Six printable characters, space-padded as the header wants. */
	oem_len = strnlen(m->oem_id, sizeof(m->oem_id));
	if (oem_len > 6)
		return fail(err, errlen, -EINVAL,
			    "OEM id is longer than 6 characters");
	if (!oem_len) {
		memcpy(oem, ACPI_DEFAULT_OEM_ID, 6);
		return 0;
	}
	memset(oem, ' ', 6);
	for (i = 0; i < oem_len; i++) {
		if (m->oem_id[i] < 0x20 || m->oem_id[i] > 0x7e)
			return fail(err, errlen, -EINVAL,
				    "OEM id has a non-printable character");
		oem[i] = m->oem_id[i];
	}
	return 0;
}

/* ---- Tables ---- */

static void fill_header(struct acpi_header *h, const char *sig,
			uint32_t len, uint8_t rev, const char *oem)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	h->checksum = 0;	/* set once the whole table is in place */
	memcpy(h->oem_id, oem, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = ACPI_CREATOR_REVISION;
}

/* The header's checksum byte makes the table sum to zero. */
static void seal(uint8_t *table)
{
	struct acpi_header h;

	memcpy(&h, table, sizeof(h));
	table[offsetof(struct acpi_header, checksum)] =
		checksum(table, h.length);
}

static struct acpi_gas gas_io(uint16_t port, uint8_t bytes, uint8_t access)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO,
		.bit_width = (uint8_t)(bytes * 8),
		.access_size = access,
		.address = port,
	};
}

static void build_fadt(uint8_t *p, const struct acpi_machine *m,
		       const char *oem, uint64_t facs, uint64_t dsdt)
{
	struct acpi_fadt f;

	memset(&f, 0, sizeof(f));
	fill_header(&f.hdr, "FACP", sizeof(f), 6, oem);
	f.minor_version = 3;	/* ACPI 6.3 */
	/* Both pointers are below 4 GiB, so the legacy fields agree. */
	f.firmware_ctrl = (uint32_t)facs;
	f.dsdt = (uint32_t)dsdt;
	f.x_firmware_ctrl = facs;
	f.x_dsdt = dsdt;
	f.preferred_pm_profile = 0;	/* unspecified */
	f.sci_int = m->sci_irq;
	/* No SMI command port: the machine is always in ACPI mode. */
	f.smi_cmd = 0;
	f.pm1a_evt_blk = m->pm1a_evt_port;
	f.pm1a_cnt_blk = m->pm1a_cnt_port;
	f.pm1_evt_len = PM1_EVT_LEN;
	f.pm1_cnt_len = PM1_CNT_LEN;
	f.x_pm1a_evt_blk = gas_io(m->pm1a_evt_port, PM1_EVT_LEN,
				  ACPI_GAS_ACCESS_WORD);
	f.x_pm1a_cnt_blk = gas_io(m->pm1a_cnt_port, PM1_CNT_LEN,
				  ACPI_GAS_ACCESS_WORD);
	/*
	 * PWR_BUTTON clear: the power button is the fixed feature in PM1.
	 * SLP_BUTTON set: there is no sleep button.
	 */
	f.flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
		  FADT_F_RESET_REG_SUP;
	/*
	 * LEGACY_DEVICES and 8042 clear, so Linux probes neither ISA
	 * PnP BIOS devices nor a PS/2 controller.
	 */
	f.iapc_boot_arch = FADT_BOOT_NO_VGA | FADT_BOOT_NO_CMOS_RTC;
	f.reset_reg = gas_io(m->reset_port, 1, ACPI_GAS_ACCESS_BYTE);
	f.reset_value = m->reset_value;
	memcpy(p, &f, sizeof(f));
	seal(p);
}

static void build_facs(uint8_t *p)
{
	struct acpi_facs f;

	memset(&f, 0, sizeof(f));
	memcpy(f.signature, "FACS", 4);
	f.length = sizeof(f);
	f.version = 2;
	memcpy(p, &f, sizeof(f));
}

static size_t madt_size(unsigned int nr_cpus)
{
	return sizeof(struct acpi_madt) +
	       nr_cpus * sizeof(struct madt_lapic) +
	       sizeof(struct madt_ioapic) +
	       MADT_NR_ISO * sizeof(struct madt_iso) +
	       sizeof(struct madt_lapic_nmi);
}

static void build_madt(uint8_t *p, const struct acpi_machine *m,
		       const char *oem)
{
	struct acpi_madt t;
	struct madt_ioapic io = {
		.type = MADT_TYPE_IOAPIC,
		.length = sizeof(io),
		.ioapic_id = m->ioapic_id,
		.address = (uint32_t)m->ioapic_base,
		.gsi_base = m->ioapic_gsi_base,
	};
	/* The PIT's IRQ0 is wired to pin 2, as on every PC since the 8254. */
	struct madt_iso iso[MADT_NR_ISO] = {
		{ .type = MADT_TYPE_ISO, .length = sizeof(iso[0]),
		  .source = 0, .gsi = 2, .flags = MPS_CONFORMING },
		{ .type = MADT_TYPE_ISO, .length = sizeof(iso[0]),
		  .source = m->sci_irq, .gsi = m->sci_irq,
		  .flags = MPS_LEVEL | MPS_ACTIVE_HIGH },
	};
	struct madt_lapic_nmi nmi = {
		.type = MADT_TYPE_LAPIC_NMI,
		.length = sizeof(nmi),
		.processor_uid = MADT_ALL_PROCESSORS,
		.flags = MPS_EDGE | MPS_ACTIVE_HIGH,
		.lint = 1,
	};
	size_t off = sizeof(t);
	unsigned int i;

	memset(&t, 0, sizeof(t));
	fill_header(&t.hdr, "APIC", (uint32_t)madt_size(m->nr_cpus), 5, oem);
	t.lapic_address = (uint32_t)m->lapic_base;
	t.flags = MADT_PCAT_COMPAT;
	memcpy(p, &t, sizeof(t));
	for (i = 0; i < m->nr_cpus; i++) {
		struct madt_lapic l = {
			.type = MADT_TYPE_LAPIC,
			.length = sizeof(l),
			.processor_uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = MADT_LAPIC_ENABLED,
		};

		memcpy(p + off, &l, sizeof(l));
		off += sizeof(l);
	}
	memcpy(p + off, &io, sizeof(io));
	off += sizeof(io);
	memcpy(p + off, iso, sizeof(iso));
	off += sizeof(iso);
	memcpy(p + off, &nmi, sizeof(nmi));
	seal(p);
}

int acpi_build(uint8_t *buf, size_t len, uint64_t gpa,
	       const struct acpi_machine *m, uint64_t *rsdp_gpa, size_t *used,
	       char *err, size_t errlen)
{
	struct aml aml;
	struct acpi_header hdr;
	struct acpi_rsdp rsdp;
	size_t off_xsdt, xsdt_len, off_fadt, off_facs, off_dsdt, dsdt_len;
	size_t off_madt, total;
	uint64_t xsdt_entries[2];
	char oem[6];
	int ret;

	if (!buf || !m || !rsdp_gpa || !used)
		return fail(err, errlen, -EINVAL, "missing argument");
	ret = check_machine(m, oem, err, errlen);
	if (ret)
		return ret;
	if (!gpa || gpa & 15)
		return fail(err, errlen, -EINVAL,
			    "tables GPA 0x%llx is 0 or not 16-byte aligned",
			    (unsigned long long)gpa);
	if (gpa >= FOUR_GIB)
		return fail(err, errlen, -ERANGE,
			    "tables GPA 0x%llx is not below 4 GiB",
			    (unsigned long long)gpa);

	memset(&aml, 0, sizeof(aml));
	ret = build_dsdt_aml(&aml, m);
	if (ret)
		return fail(err, errlen, ret, "DSDT AML overflows %u bytes",
			    AML_MAX);

	off_xsdt = align_up(sizeof(rsdp), 8);
	xsdt_len = sizeof(struct acpi_header) + sizeof(xsdt_entries);
	off_fadt = align_up(off_xsdt + xsdt_len, 8);
	/* The FACS's alignment is in guest memory, not in the buffer. */
	off_facs = align_up(gpa + off_fadt + sizeof(struct acpi_fadt),
			    FACS_ALIGN) - gpa;
	off_dsdt = off_facs + sizeof(struct acpi_facs);
	dsdt_len = sizeof(struct acpi_header) + aml.len;
	off_madt = align_up(off_dsdt + dsdt_len, 8);
	total = off_madt + madt_size(m->nr_cpus);

	if (gpa + total > FOUR_GIB)
		return fail(err, errlen, -ERANGE,
			    "tables at 0x%llx+%zu do not end below 4 GiB",
			    (unsigned long long)gpa, total);
	if (len < total)
		return fail(err, errlen, -ENOSPC,
			    "tables need %zu bytes, buffer has %zu", total,
			    len);

	memset(buf, 0, total);

	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, oem, 6);
	rsdp.revision = 2;
	rsdp.length = sizeof(rsdp);
	rsdp.xsdt_address = gpa + off_xsdt;
	rsdp.checksum = checksum((const uint8_t *)&rsdp,
				 ACPI_RSDP_CHECKSUM_LEN);
	rsdp.extended_checksum = checksum((const uint8_t *)&rsdp,
					  sizeof(rsdp));
	memcpy(buf, &rsdp, sizeof(rsdp));

	fill_header(&hdr, "XSDT", (uint32_t)xsdt_len, 1, oem);
	memcpy(buf + off_xsdt, &hdr, sizeof(hdr));
	xsdt_entries[0] = gpa + off_fadt;
	xsdt_entries[1] = gpa + off_madt;
	memcpy(buf + off_xsdt + sizeof(hdr), xsdt_entries,
	       sizeof(xsdt_entries));
	seal(buf + off_xsdt);

	build_fadt(buf + off_fadt, m, oem, gpa + off_facs, gpa + off_dsdt);
	build_facs(buf + off_facs);

	/* Revision 2: AML integers are 64 bits wide. */
	fill_header(&hdr, "DSDT", (uint32_t)dsdt_len, 2, oem);
	memcpy(buf + off_dsdt, &hdr, sizeof(hdr));
	memcpy(buf + off_dsdt + sizeof(hdr), aml.b, aml.len);
	seal(buf + off_dsdt);

	build_madt(buf + off_madt, m, oem);

	*rsdp_gpa = gpa;
	*used = total;
	return 0;
}
