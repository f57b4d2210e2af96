// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the ACPI table builder (lib/acpi_tables.c), as KTAP.
 * The tables are read back through raw offsets written out from the ACPI
 * 6.3 specification, not through the library's structures, so a layout
 * mistake there shows up here. When iasl (acpica-tools) is installed, it
 * disassembles the tables as an outside opinion on their encoding.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_tables.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define GPA		0xe0000ull
#define BUF_SIZE	8192
#define HDR_LEN		36

/* FADT offsets (ACPI 6.3 table 5.9). */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_PM_PROFILE		45
#define FADT_SCI_INT		46
#define FADT_SMI_CMD		48
#define FADT_PM1A_EVT		56
#define FADT_PM1A_CNT		64
#define FADT_PM_TMR		76
#define FADT_GPE0		80
#define FADT_GPE1		84
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_PM_TMR_LEN		91
#define FADT_GPE0_LEN		92
#define FADT_GPE1_LEN		93
#define FADT_BOOT_ARCH		109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_X_FIRMWARE_CTRL	132
#define FADT_X_DSDT		140
#define FADT_X_PM1A_EVT		148
#define FADT_X_PM1A_CNT		172
#define FADT_X_PM_TMR		208
#define FADT_LEN		276

static int cur_failed;
static const char *skip_reason;
static char err[256];
static uint8_t buf[BUF_SIZE];

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

/* A call that must fail with @rc_expect, say why, and leave buf alone. */
#define CHECK_FAILS(call, rc_expect) do {				\
	int rc_;							\
	memset(buf, 0xa5, sizeof(buf));					\
	rc_ = (call);							\
	if (rc_ != (rc_expect)) {					\
		printf("# %s:%d: %s returned %d, expected %d (%s)\n",	\
		       __FILE__, __LINE__, #call, rc_, (rc_expect), err);\
		cur_failed = 1;						\
	} else if (!err[0]) {						\
		printf("# %s:%d: %s gave no reason\n",			\
		       __FILE__, __LINE__, #call);			\
		cur_failed = 1;						\
	} else {							\
		printf("# %s: %s\n", #rc_expect, err);			\
	}								\
	CHECK(untouched(buf, sizeof(buf)));				\
	err[0] = 0;							\
} while (0)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static bool untouched(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++ != 0xa5)
			return false;
	return true;
}

static const uint8_t *memmem_(const uint8_t *hay, size_t len,
			      const void *needle, size_t n)
{
	size_t i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

/* The machine the VMM describes, QEMU's choices of ports. */
static struct acpi_machine machine(unsigned int nr_cpus)
{
	struct acpi_machine m = {
		.nr_cpus = nr_cpus,
		.lapic_base = 0xfee00000,
		.ioapic_base = 0xfec00000,
		.ioapic_id = (uint8_t)nr_cpus,
		.ioapic_gsi_base = 0,
		.pm1a_evt_port = 0x600,
		.pm1a_cnt_port = 0x604,
		.sci_irq = 9,
		.reset_port = 0xcf9,
		.reset_value = 0x06,
		.pvpanic_port = 0x505,
		.com1_port = 0x3f8,
		.com1_irq = 4,
		.oem_id = "DOMINO",
	};

	return m;
}

struct built {
	uint64_t gpa;
	size_t used;
	const uint8_t *xsdt, *fadt, *facs, *dsdt, *madt;
};

/* @gpa's table, or NULL (with a diagnostic) unless it lies in buf. */
static const uint8_t *table_at(const struct built *b, uint64_t gpa,
			       const char *sig, size_t min_len)
{
	uint64_t off = gpa - b->gpa;
	const uint8_t *t;

	if (gpa < b->gpa || off > b->used || b->used - off < min_len) {
		printf("# %s at 0x%llx is outside the tables\n", sig,
		       (unsigned long long)gpa);
		return NULL;
	}
	t = buf + off;
	if (memcmp(t, sig, 4)) {
		printf("# 0x%llx is not a %s\n", (unsigned long long)gpa, sig);
		return NULL;
	}
	if (rd32(t + 4) < min_len || rd32(t + 4) > b->used - off) {
		printf("# %s length %u does not fit\n", sig, rd32(t + 4));
		return NULL;
	}
	return t;
}

/* Headers the builder fills the same way in every table. */
static void check_header(const uint8_t *t, const char *sig, uint8_t rev)
{
	CHECK(!memcmp(t, sig, 4));
	CHECK_EQ(t[8], rev);
	CHECK_EQ(sum8(t, rd32(t + 4)), 0);
	CHECK(!memcmp(t + 10, buf + 9, 6));	/* the RSDP's OEM id */
	CHECK(!memcmp(t + 16, "DOMINOVM", 8));
	CHECK(!memcmp(t + 28, "DMNO", 4));
}

/* Build @m at @gpa and find every table through the RSDP and XSDT. */
static bool build(const struct acpi_machine *m, uint64_t gpa,
		  struct built *b)
{
	uint64_t rsdp_gpa = 0, xsdt, fadt, madt;
	int ret;

	memset(b, 0, sizeof(*b));
	memset(buf, 0xa5, sizeof(buf));
	ret = acpi_build(buf, sizeof(buf), gpa, m, &rsdp_gpa, &b->used, err,
			 sizeof(err));
	if (ret) {
		printf("# acpi_build: %d (%s)\n", ret, err);
		cur_failed = 1;
		return false;
	}
	b->gpa = gpa;
	CHECK_EQ(rsdp_gpa, gpa);
	CHECK(b->used <= ACPI_TABLES_MAX_SIZE);
	CHECK(untouched(buf + b->used, sizeof(buf) - b->used));
	CHECK(!memcmp(buf, "RSD PTR ", 8));
	CHECK_EQ(sum8(buf, 20), 0);
	CHECK_EQ(sum8(buf, 36), 0);
	xsdt = rd64(buf + 24);
	b->xsdt = table_at(b, xsdt, "XSDT", HDR_LEN + 16);
	if (!b->xsdt)
		goto bad;
	check_header(b->xsdt, "XSDT", 1);
	CHECK_EQ(rd32(b->xsdt + 4), HDR_LEN + 16);
	fadt = rd64(b->xsdt + HDR_LEN);
	madt = rd64(b->xsdt + HDR_LEN + 8);
	b->fadt = table_at(b, fadt, "FACP", FADT_LEN);
	b->madt = table_at(b, madt, "APIC", 44);
	if (!b->fadt || !b->madt)
		goto bad;
	b->facs = table_at(b, rd64(b->fadt + FADT_X_FIRMWARE_CTRL), "FACS",
			   64);
	b->dsdt = table_at(b, rd64(b->fadt + FADT_X_DSDT), "DSDT", HDR_LEN);
	if (!b->facs || !b->dsdt)
		goto bad;
	check_header(b->fadt, "FACP", 6);
	check_header(b->dsdt, "DSDT", 2);
	check_header(b->madt, "APIC", 5);
	return true;
bad:
	cur_failed = 1;
	return false;
}

/* ---- Tests ---- */

static void test_rsdp(void)
{
	struct acpi_machine m = machine(2);
	struct built b;

	if (!build(&m, GPA, &b))
		return;
	CHECK_EQ(buf[15], 2);			/* revision */
	CHECK(!memcmp(buf + 9, "DOMINO", 6));
	CHECK_EQ(rd32(buf + 16), 0);		/* no RSDT */
	CHECK_EQ(rd32(buf + 20), 36);		/* length */
	CHECK_EQ(rd64(buf + 24), GPA + (uint64_t)(b.xsdt - buf));
	CHECK_EQ(buf[33] | buf[34] | buf[35], 0);
	CHECK_EQ(GPA % 16, 0);
}

static void test_xsdt(void)
{
	struct acpi_machine m = machine(4);
	struct built b;

	if (!build(&m, GPA, &b))
		return;
	/* Exactly the FADT and the MADT, found by build(). */
	CHECK_EQ(rd32(b.xsdt + 4), HDR_LEN + 2 * 8);
	CHECK(b.fadt != b.madt);
}

static void test_fadt(void)
{
	struct acpi_machine m = machine(2);
	const uint8_t *f;
	struct built b;

	if (!build(&m, GPA, &b))
		return;
	f = b.fadt;
	CHECK_EQ(rd32(f + 4), FADT_LEN);
	CHECK_EQ(f[131], 3);			/* minor version */
	CHECK_EQ(rd32(f + FADT_FIRMWARE_CTRL),
		 rd64(f + FADT_X_FIRMWARE_CTRL));
	CHECK_EQ(rd32(f + FADT_DSDT), rd64(f + FADT_X_DSDT));
	CHECK_EQ(rd64(f + FADT_X_FIRMWARE_CTRL) % 64, 0);
	CHECK_EQ(rd32(b.facs + 4), 64);
	CHECK_EQ(b.facs[32], 2);		/* FACS version */
	CHECK_EQ(f[FADT_PM_PROFILE], 0);
	CHECK_EQ(rd16(f + FADT_SCI_INT), 9);
	CHECK_EQ(rd32(f + FADT_SMI_CMD), 0);
	CHECK_EQ(f[52] | f[53], 0);		/* ACPI_ENABLE/DISABLE */
	CHECK_EQ(rd32(f + FADT_PM1A_EVT), 0x600);
	CHECK_EQ(rd32(f + FADT_PM1A_EVT + 4), 0);	/* PM1b */
	CHECK_EQ(rd32(f + FADT_PM1A_CNT), 0x604);
	CHECK_EQ(rd32(f + FADT_PM1A_CNT + 4), 0);	/* PM1b */
	CHECK_EQ(rd32(f + FADT_PM_TMR), 0);
	CHECK_EQ(rd32(f + FADT_GPE0) | rd32(f + FADT_GPE1), 0);
	CHECK_EQ(f[FADT_PM1_EVT_LEN], 4);
	CHECK_EQ(f[FADT_PM1_CNT_LEN], 2);
	CHECK_EQ(f[FADT_PM_TMR_LEN], 0);
	CHECK_EQ(f[FADT_GPE0_LEN] | f[FADT_GPE1_LEN], 0);
	/* X_PM1a_EVT_BLK: system I/O, 32 bits, word access. */
	CHECK_EQ(f[FADT_X_PM1A_EVT], 1);
	CHECK_EQ(f[FADT_X_PM1A_EVT + 1], 32);
	CHECK_EQ(f[FADT_X_PM1A_EVT + 2], 0);
	CHECK_EQ(f[FADT_X_PM1A_EVT + 3], 2);
	CHECK_EQ(rd64(f + FADT_X_PM1A_EVT + 4), 0x600);
	CHECK_EQ(f[FADT_X_PM1A_CNT], 1);
	CHECK_EQ(f[FADT_X_PM1A_CNT + 1], 16);
	CHECK_EQ(rd64(f + FADT_X_PM1A_CNT + 4), 0x604);
	CHECK_EQ(rd64(f + FADT_X_PM_TMR + 4), 0);
	/* WBINVD | PROC_C1 | SLP_BUTTON | RESET_REG_SUP; PWR_BUTTON clear. */
	CHECK_EQ(rd32(f + FADT_FLAGS), 0x425);
	CHECK_EQ(rd32(f + FADT_FLAGS) & (1u << 4), 0);
	/* NO_VGA | NO_CMOS_RTC; LEGACY_DEVICES and 8042 clear. */
	CHECK_EQ(rd16(f + FADT_BOOT_ARCH), 0x24);
	/* RESET_REG: system I/O, 8 bits, byte access. */
	CHECK_EQ(f[FADT_RESET_REG], 1);
	CHECK_EQ(f[FADT_RESET_REG + 1], 8);
	CHECK_EQ(f[FADT_RESET_REG + 2], 0);
	CHECK_EQ(f[FADT_RESET_REG + 3], 1);
	CHECK_EQ(rd64(f + FADT_RESET_REG + 4), 0xcf9);
	CHECK_EQ(f[FADT_RESET_VALUE], 6);
	/* No sleep registers (not hardware-reduced), no vendor id. */
	CHECK_EQ(sum8(f + 244, 32), 0);
}

/* The FACS is 64-byte aligned in guest memory, wherever the tables go. */
static void test_facs_alignment(void)
{
	struct acpi_machine m = machine(1);
	uint64_t gpa;
	struct built b;

	for (gpa = GPA; gpa < GPA + 128; gpa += 16) {
		if (!build(&m, gpa, &b))
			return;
		CHECK_EQ(rd64(b.fadt + FADT_X_FIRMWARE_CTRL) % 64, 0);
		CHECK_EQ(rd32(b.fadt + FADT_FIRMWARE_CTRL) % 64, 0);
	}
}

/* Walk the MADT's entries against what @m describes. */
static void check_madt(unsigned int nr_cpus)
{
	struct acpi_machine m = machine(nr_cpus);
	unsigned int lapics = 0, ioapics = 0, isos = 0, nmis = 0;
	const uint8_t *t, *e, *end;
	struct built b;

	if (!build(&m, GPA, &b))
		return;
	t = b.madt;
	CHECK_EQ(rd32(t + 4), 44 + 8 * nr_cpus + 12 + 2 * 10 + 6);
	CHECK_EQ(rd32(t + 36), 0xfee00000);
	CHECK_EQ(rd32(t + 40), 1);		/* PCAT_COMPAT */
	end = t + rd32(t + 4);
	for (e = t + 44; e < end; e += e[1]) {
		if (e[1] < 2 || e + e[1] > end) {
			printf("# MADT entry at +%td has length %u\n",
			       e - t, e[1]);
			cur_failed = 1;
			return;
		}
		switch (e[0]) {
		case 0:				/* processor local APIC */
			CHECK_EQ(e[1], 8);
			CHECK_EQ(e[2], lapics);	/* UID */
			CHECK_EQ(e[3], lapics);	/* APIC id */
			CHECK_EQ(rd32(e + 4), 1);	/* enabled */
			lapics++;
			break;
		case 1:				/* I/O APIC */
			CHECK_EQ(e[1], 12);
			CHECK_EQ(e[2], nr_cpus);
			CHECK_EQ(rd32(e + 4), 0xfec00000);
			CHECK_EQ(rd32(e + 8), 0);
			ioapics++;
			break;
		case 2:				/* interrupt source override */
			CHECK_EQ(e[1], 10);
			CHECK_EQ(e[2], 0);	/* ISA */
			if (isos == 0) {
				CHECK_EQ(e[3], 0);
				CHECK_EQ(rd32(e + 4), 2);
				CHECK_EQ(rd16(e + 8), 0);
			} else {
				CHECK_EQ(e[3], 9);
				CHECK_EQ(rd32(e + 4), 9);
				CHECK_EQ(rd16(e + 8), 0x000d);
			}
			isos++;
			break;
		case 4:				/* local APIC NMI */
			CHECK_EQ(e[1], 6);
			CHECK_EQ(e[2], 0xff);
			CHECK_EQ(rd16(e + 3), 0x0005);
			CHECK_EQ(e[5], 1);	/* LINT1 */
			nmis++;
			break;
		default:
			printf("# unexpected MADT entry type %u\n", e[0]);
			cur_failed = 1;
		}
	}
	CHECK(e == end);
	CHECK_EQ(lapics, nr_cpus);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(isos, 2);
	CHECK_EQ(nmis, 1);
}

static void test_madt_1(void)
{
	check_madt(1);
}

static void test_madt_2(void)
{
	check_madt(2);
}

static void test_madt_128(void)
{
	check_madt(128);
}

/* Every vCPU count, with and without devices, sums to zero everywhere. */
static void test_checksums(void)
{
	struct acpi_machine m;
	unsigned int n, dev;
	struct built b;

	for (n = 1; n <= ACPI_MAX_CPUS && !cur_failed; n++) {
		for (dev = 0; dev < 4; dev++) {
			m = machine(n);
			m.pvpanic_port = dev & 1 ? 0x505 : 0;
			m.com1_port = dev & 2 ? 0x3f8 : 0;
			/* build() checks the RSDP and every header's sum. */
			if (!build(&m, GPA + 16 * n, &b))
				return;
		}
	}
}

/* PkgLength (ACPI 6.3 20.2.4), decoded independently of the builder. */
static size_t pkglen(const uint8_t *p, size_t *nbytes)
{
	size_t n = (p[0] >> 6) + 1, len, i;

	*nbytes = n;
	if (n == 1)
		return p[0] & 0x3f;
	len = p[0] & 0x0f;
	for (i = 1; i < n; i++)
		len |= (size_t)p[i] << (4 + 8 * (i - 1));
	return len;
}

static const uint8_t s5[] = {
	0x08, '_', 'S', '5', '_',	/* Name (_S5, */
	0x12, 0x08, 0x04,		/* Package (4) { */
	0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,	/* 5, 5, 0, 0 }) */
};

/* Resource templates sum to zero, end tag included. */
static void check_crs(const uint8_t *aml, size_t len, const uint8_t *res,
		      size_t res_len)
{
	const uint8_t *p = memmem_(aml, len, res, res_len);

	CHECK(p != NULL);
	if (p) {
		CHECK_EQ(p[res_len], 0x79);
		CHECK_EQ(sum8(p, res_len + 2), 0);
	}
}

static void test_dsdt(void)
{
	static const uint8_t pevt_io[] = { 0x47, 0x01, 0x05, 0x05, 0x05, 0x05,
					   0x01, 0x01 };
	static const uint8_t com1_res[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03,
					    0x00, 0x08, 0x22, 0x10, 0x00 };
	static const uint8_t hid_pnp0501[] = { 0x08, '_', 'H', 'I', 'D', 0x0c,
					       0x41, 0xd0, 0x05, 0x01 };
	static const uint8_t hid_qemu[] = "\x08_HID\x0dQEMU0001";
	static const uint8_t uid1[] = { 0x08, '_', 'U', 'I', 'D', 0x01 };
	struct acpi_machine m = machine(2);
	const uint8_t *aml, *scope;
	size_t len, n, body;
	struct built b;

	if (!build(&m, GPA, &b))
		return;
	aml = b.dsdt + HDR_LEN;
	len = rd32(b.dsdt + 4) - HDR_LEN;
	CHECK(len > sizeof(s5) && !memcmp(aml, s5, sizeof(s5)));
	/* Scope (\_SB) holds the rest, with a two-byte PkgLength. */
	scope = aml + sizeof(s5);
	CHECK_EQ(scope[0], 0x10);
	body = pkglen(scope + 1, &n);
	CHECK_EQ(n, 2);
	CHECK_EQ(1 + body, len - sizeof(s5));
	CHECK(!memcmp(scope + 1 + n, "\\_SB_", 5));
	CHECK(memmem_(aml, len, "\x5b\x82", 2) != NULL);
	CHECK(memmem_(aml, len, "PEVT", 4) != NULL);
	CHECK(memmem_(aml, len, hid_qemu, sizeof(hid_qemu)) != NULL);
	CHECK(memmem_(aml, len, "COM1", 4) != NULL);
	CHECK(memmem_(aml, len, hid_pnp0501, sizeof(hid_pnp0501)) != NULL);
	CHECK(memmem_(aml, len, uid1, sizeof(uid1)) != NULL);
	check_crs(aml, len, pevt_io, sizeof(pevt_io));
	check_crs(aml, len, com1_res, sizeof(com1_res));

	/* Without devices, only the _S5 package. */
	m.pvpanic_port = 0;
	m.com1_port = 0;
	if (!build(&m, GPA, &b))
		return;
	CHECK_EQ(rd32(b.dsdt + 4), HDR_LEN + sizeof(s5));
	CHECK(!memcmp(b.dsdt + HDR_LEN, s5, sizeof(s5)));

	/* Only COM1, at COM2's resources. */
	m.com1_port = 0x2f8;
	m.com1_irq = 3;
	if (!build(&m, GPA, &b))
		return;
	aml = b.dsdt + HDR_LEN;
	len = rd32(b.dsdt + 4) - HDR_LEN;
	CHECK(memmem_(aml, len, "QEMU0001", 8) == NULL);
	CHECK(memmem_(aml, len, "\x47\x01\xf8\x02\xf8\x02\x00\x08\x22\x08\x00",
		      11) != NULL);
	/* Short enough for a one-byte PkgLength. */
	scope = aml + sizeof(s5);
	CHECK_EQ(scope[0], 0x10);
	body = pkglen(scope + 1, &n);
	CHECK_EQ(n, 1);
	CHECK_EQ(1 + body, len - sizeof(s5));
}

static void test_oem_id(void)
{
	struct acpi_machine m = machine(1);
	struct built b;

	memcpy(m.oem_id, "AB", 3);
	if (!build(&m, GPA, &b))
		return;
	/* Space padded, in the RSDP and every header. */
	CHECK(!memcmp(buf + 9, "AB    ", 6));
	CHECK(!memcmp(b.madt + 10, "AB    ", 6));
	CHECK_EQ(sum8(b.madt, rd32(b.madt + 4)), 0);
	m.oem_id[0] = 0;
	if (!build(&m, GPA, &b))
		return;
	CHECK(!memcmp(buf + 9, "DOMINO", 6));
}

static void test_errors(void)
{
	struct acpi_machine m = machine(2);
	uint64_t rsdp = 0, hi;
	size_t used = 0, need;

	if (acpi_build(buf, sizeof(buf), GPA, &m, &rsdp, &need, err,
		       sizeof(err))) {
		printf("# acpi_build: %s\n", err);
		cur_failed = 1;
		return;
	}
	CHECK_FAILS(acpi_build(buf, need - 1, GPA, &m, &rsdp, &used, err,
			       sizeof(err)), -ENOSPC);
	CHECK_FAILS(acpi_build(buf, 0, GPA, &m, &rsdp, &used, err,
			       sizeof(err)), -ENOSPC);
	CHECK_EQ(used, 0);	/* failures leave the outputs alone */
	CHECK_EQ(rsdp, GPA);
	/* Tables must end at or below 4 GiB. */
	hi = (0x100000000ull - need) & ~63ull;
	CHECK_EQ(acpi_build(buf, sizeof(buf), hi, &m, &rsdp, &used, err,
			    sizeof(err)), 0);
	CHECK_EQ(used, need);
	CHECK(hi + used <= 0x100000000ull);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), hi + 64, &m, &rsdp, &used,
			       err, sizeof(err)), -ERANGE);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), 0x100000000ull, &m, &rsdp,
			       &used, err, sizeof(err)), -ERANGE);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), ~0ull & ~15ull, &m, &rsdp,
			       &used, err, sizeof(err)), -ERANGE);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), 0, &m, &rsdp, &used, err,
			       sizeof(err)), -EINVAL);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), GPA + 8, &m, &rsdp, &used,
			       err, sizeof(err)), -EINVAL);
	CHECK_FAILS(acpi_build(NULL, sizeof(buf), GPA, &m, &rsdp, &used, err,
			       sizeof(err)), -EINVAL);
	CHECK_FAILS(acpi_build(buf, sizeof(buf), GPA, NULL, &rsdp, &used, err,
			       sizeof(err)), -EINVAL);
	/* No err buffer is fine too. */
	CHECK_EQ(acpi_build(buf, 1, GPA, &m, &rsdp, &used, NULL, 0), -ENOSPC);
}

/* A field of struct acpi_machine set to a bad value. */
struct bad_field {
	const char *what;
	size_t offset;
	size_t size;
	uint64_t value;
};

#define BAD(field, val) {						\
	#field " = " #val, offsetof(struct acpi_machine, field),	\
	sizeof(((struct acpi_machine *)NULL)->field), (val)		\
}

/* Each broken field of a good machine is refused with a reason. */
static void test_bad_machine(void)
{
	static const struct bad_field cases[] = {
		BAD(nr_cpus, 0),
		BAD(nr_cpus, 129),
		BAD(nr_cpus, 1000),
		BAD(ioapic_id, 1),		/* LAPIC id of CPU 1 */
		BAD(ioapic_id, 0xff),
		BAD(ioapic_gsi_base, 24),
		BAD(lapic_base, 0),
		BAD(lapic_base, 0x100000000ull),
		BAD(lapic_base, 0xfee00800),
		BAD(ioapic_base, 0),
		BAD(ioapic_base, 0x1fec00000ull),
		BAD(pm1a_evt_port, 0),
		BAD(pm1a_cnt_port, 0),
		BAD(reset_port, 0),
		BAD(pm1a_evt_port, 0xfffe),	/* 4 bytes run past 0xffff */
		BAD(pm1a_cnt_port, 0x602),	/* inside the event block */
		BAD(reset_port, 0x605),		/* inside the control block */
		BAD(pvpanic_port, 0x3ff),	/* inside COM1 */
		BAD(sci_irq, 0),
		BAD(sci_irq, 2),
		BAD(sci_irq, 16),
		BAD(com1_irq, 0),
		BAD(com1_irq, 9),		/* the SCI's */
		BAD(com1_irq, 16),
		BAD(oem_id[6], 'X'),		/* seven characters */
		BAD(oem_id[1], '\n'),
	};
	const struct bad_field *c;
	struct acpi_machine m;
	uint64_t rsdp;
	size_t used;

	for (c = cases; c < cases + ARRAY_SIZE(cases); c++) {
		m = machine(2);
		/* Little-endian: the low bytes of value are the field's. */
		memcpy((uint8_t *)&m + c->offset, &c->value, c->size);
		printf("# %s\n", c->what);
		CHECK_FAILS(acpi_build(buf, sizeof(buf), GPA, &m, &rsdp, &used,
				       err, sizeof(err)), -EINVAL);
	}
	/* An I/O APIC id clashing with CPU 127's LAPIC id. */
	m = machine(128);
	m.ioapic_id = 127;
	CHECK_FAILS(acpi_build(buf, sizeof(buf), GPA, &m, &rsdp, &used, err,
			       sizeof(err)), -EINVAL);
	/* Absent devices need no IRQ. */
	m = machine(1);
	m.com1_port = 0;
	m.com1_irq = 0;
	CHECK_EQ(acpi_build(buf, sizeof(buf), GPA, &m, &rsdp, &used, err,
			    sizeof(err)), 0);
}

/* ---- iasl, when installed ---- */

static bool write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(p, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n = -1;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0)
		n = ftell(f);
	if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		s = malloc(n + 1);
		if (s && fread(s, 1, n, f) == (size_t)n) {
			s[n] = 0;
		} else {
			free(s);
			s = NULL;
		}
	}
	fclose(f);
	return s;
}

/* Show a tool's output as diagnostics; @s is cut up. */
static void print_indented(char *s)
{
	char *l, *save = NULL;

	for (l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", l);
}

/* Run @cmd in @dir; its output goes to @dir/log, shown on failure. */
static bool run_in(const char *dir, const char *cmd)
{
	char line[1024], log[300];
	char *out;
	int rc;

	snprintf(line, sizeof(line), "cd '%s' && %s > log 2>&1", dir, cmd);
	rc = system(line);
	if (rc == 0)
		return true;
	snprintf(log, sizeof(log), "%s/log", dir);
	out = slurp(log);
	printf("# '%s' failed (%d):\n", cmd, rc);
	if (out)
		print_indented(out);
	free(out);
	return false;
}

/* @dir/@file contains each of the NULL-terminated @words. */
static void check_dsl(const char *dir, const char *file,
		      const char *const *words)
{
	char path[300];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	s = slurp(path);
	if (!s) {
		printf("# %s was not written\n", path);
		cur_failed = 1;
		return;
	}
	for (; *words; words++)
		if (!strstr(s, *words)) {
			printf("# %s lacks \"%s\"\n", file, *words);
			cur_failed = 1;
		}
	free(s);
}

/*
 * iasl's log must carry no diagnostic: a bad checksum is a "Firmware
 * Warning", AML problems are lines starting "Error" or "Warning", and a
 * compile ends with its counts (@summary, or NULL after a disassembly).
 */
static void check_log(const char *dir, const char *summary)
{
	static const char *const bad[] = {
		"Firmware Warning", "Firmware Error", "Incorrect checksum",
		"\nError", "\nWarning", NULL };
	const char *const *b;
	char path[300];
	char *s;

	snprintf(path, sizeof(path), "%s/log", dir);
	s = slurp(path);
	if (!s) {
		printf("# %s was not written\n", path);
		cur_failed = 1;
		return;
	}
	for (b = bad; *b; b++)
		if (strstr(s, *b))
			break;
	if (*b || (summary && !strstr(s, summary))) {
		printf("# iasl complained:\n");
		print_indented(s);
		cur_failed = 1;
	}
	free(s);
}

static void test_iasl(void)
{
	static const char *const dsdt_words[] = {
		"_S5", "Package (0x04)", "QEMU0001", "PNP0501",
		"IO (Decode16", "IRQNoFlags ()", "Device (COM1)",
		"Device (PEVT)", NULL };
	static const char *const fadt_words[] = {
		"Fixed ACPI Description Table", "Revision : 06",
		"FADT Minor Revision : 03", NULL };
	static const char *const madt_words[] = {
		"Multiple APIC Description Table", "Local APIC NMI",
		"Interrupt Source Override", NULL };
	struct acpi_machine m = machine(4);
	char dir[] = "/tmp/acpi_tables_test.XXXXXX";
	char path[300], rm[340];
	struct built b;

	if (system("command -v iasl > /dev/null 2>&1") != 0) {
		skip_reason = "iasl not installed";
		return;
	}
	if (!build(&m, GPA, &b))
		return;
	if (!mkdtemp(dir)) {
		printf("# mkdtemp: %s\n", strerror(errno));
		cur_failed = 1;
		return;
	}
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	CHECK(write_file(path, b.dsdt, rd32(b.dsdt + 4)));
	snprintf(path, sizeof(path), "%s/facp.dat", dir);
	CHECK(write_file(path, b.fadt, rd32(b.fadt + 4)));
	snprintf(path, sizeof(path), "%s/apic.dat", dir);
	CHECK(write_file(path, b.madt, rd32(b.madt + 4)));

	if (run_in(dir, "iasl -d dsdt.dat")) {
		check_log(dir, NULL);
		check_dsl(dir, "dsdt.dsl", dsdt_words);
		/* The disassembly must compile again, cleanly. */
		if (run_in(dir, "iasl -p recompiled dsdt.dsl"))
			check_log(dir, "0 Errors, 0 Warnings");
		else
			cur_failed = 1;
	} else {
		cur_failed = 1;
	}
	if (run_in(dir, "iasl -d facp.dat")) {
		check_log(dir, NULL);
		check_dsl(dir, "facp.dsl", fadt_words);
	} else {
		cur_failed = 1;
	}
	if (run_in(dir, "iasl -d apic.dat")) {
		check_log(dir, NULL);
		check_dsl(dir, "apic.dsl", madt_words);
	} else {
		cur_failed = 1;
	}

	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	if (system(rm) != 0)
		printf("# could not remove %s\n", dir);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "rsdp: revision 2, both checksums, XSDT pointer", test_rsdp },
	{ "xsdt: lists exactly the FADT and the MADT", test_xsdt },
	{ "fadt: pointers, PM1a blocks, SCI, reset register, flags",
	  test_fadt },
	{ "facs: 64-byte aligned in guest memory at any gpa",
	  test_facs_alignment },
	{ "madt: 1 cpu", test_madt_1 },
	{ "madt: 2 cpus", test_madt_2 },
	{ "madt: 128 cpus", test_madt_128 },
	{ "checksums: 1..128 cpus, with and without devices", test_checksums },
	{ "dsdt: _S5, pvpanic and COM1 AML", test_dsdt },
	{ "oem id: padded, defaulted", test_oem_id },
	{ "errors: buffer, gpa and arguments", test_errors },
	{ "errors: every bad machine field", test_bad_machine },
	{ "iasl disassembles DSDT, FADT and MADT", test_iasl },
};

static int deps_installed(void)
{
	const char *e = getenv("DOMINO_DEPS_INSTALLED");

	return e && !strcmp(e, "1");
}

int main(void)
{
	unsigned int i;
	int failed = 0;

	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		cur_failed = 0;
		skip_reason = NULL;
		err[0] = 0;
		tests[i].fn();
		/* Under `make check`, `make deps` installed iasl. */
		if (skip_reason && !cur_failed && deps_installed()) {
			printf("# %s, but make deps installs it (DOMINO_DEPS_INSTALLED)\n",
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
	return failed ? 1 : 0;
}
