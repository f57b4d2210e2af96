/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixed ports of a PVH machine that are not a device of their own:
 *
 *   ACPI PM1a event and control blocks   power button, S5 poweroff
 *   ACPI reset register, 0xcf9, 0x64     reset
 *   pvpanic                              guest panic notification
 *   0x20-0x21, 0xa0-0xa1                 i8259 PIC pair, a stub to probe
 *   0x70-0x71                            CMOS RAM and RTC (host UTC time)
 *   0x61, 0x80                           system control port B, POST code
 *
 * Interrupts go through the I/O APIC, so the PIC stub never delivers any;
 * it only answers Linux's probe. The RTC never interrupts either.
 *
 * Thread-safe: every call takes the platform's own lock. ops->set_sci is
 * called with that lock held, so level changes arrive in order, and must
 * not call back into the platform; the other ops are called after it is
 * dropped, once per access that asks for them.
 */
#ifndef DOMINO_VMM_PLATFORM_H
#define DOMINO_VMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* ACPI fixed hardware register bits (ACPI 6.4, 4.8.4, tables 4.11-4.13). */
#define PM1_STS_PWRBTN		0x0100
#define PM1_EN_PWRBTN		0x0100
#define PM1_CNT_SCI_EN		0x0001
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP		0x1c00
#define PM1_CNT_SLP_EN		0x2000
/* The SLP_TYP the DSDT's \_S5 package must name. */
#define PLATFORM_SLP_TYP_S5	5

#define PM1_EVT_LEN		4	/* FADT PM1_EVT_LEN */
#define PM1_CNT_LEN		2	/* FADT PM1_CNT_LEN */

/* pvpanic event bits (QEMU's pvpanic device specification). */
#define PVPANIC_PANICKED	0x01
#define PVPANIC_CRASH_LOADED	0x02

struct platform;

struct platform_config {
	/* Port 0 leaves a block or register out. */
	uint16_t pm1a_evt_port, pm1a_cnt_port;	/* e.g. 0x600, 0x604 */
	uint16_t reset_port;			/* e.g. 0x608 */
	uint8_t reset_value;			/* e.g. 0x1 */
	uint16_t pvpanic_port;			/* e.g. 0x505 */
	/*
	 * false: the PIC ports read 0 and ignore writes, so Linux's probe
	 * (IMR write, read back) finds none. The MADT must then not set
	 * PCAT_COMPAT, or Linux assumes a PIC without probing.
	 */
	bool pic_present;
	/* Seconds since the epoch for the RTC; NULL: CLOCK_REALTIME. */
	time_t (*clock)(void);
};

struct platform_ops {
	/* The SCI line changed to @level (0 or 1); only on a change. */
	void (*set_sci)(void *opaque, int level);
	/* The guest entered S5. */
	void (*poweroff)(void *opaque);
	/* The guest reset the machine. */
	void (*reset)(void *opaque);
	/* The guest reported a panic; @why is a short message. */
	void (*crash)(void *opaque, const char *why);
	/* Optional: something worth a line in the log, nothing to act on. */
	void (*log)(void *opaque, const char *msg);
};

/*
 * NULL with errno: EINVAL if the configured ports overlap each other or
 * the fixed ones (but reset_port may be 0xcf9 or 0x64: a write of
 * reset_value there resets, and so does what resets there anyway), or a
 * block runs past port 0xffff.
 */
struct platform *platform_new(const struct platform_config *cfg,
			      const struct platform_ops *ops, void *opaque);
void platform_free(struct platform *p);

/*
 * A port access of @size 1, 2 or 4 bytes. Returns true if @port belongs
 * to the platform; the access then covers @port..@port+@size-1 byte by
 * byte, as the chipset splits wide accesses to byte-wide devices, and a
 * byte that belongs to nothing reads 0xff. *@val is in/out: an IN
 * replaces its low @size bytes. Unclaimed ports leave *@val untouched.
 * Port 0xcf9 is claimed for byte accesses only (0xcf8 is PCI's
 * CONFIG_ADDRESS).
 */
bool platform_io(struct platform *p, uint16_t port, bool is_write,
		 unsigned int size, uint32_t *val);

/* Press the power button: sets PWRBTN_STS, SCI if PWRBTN_EN is set. */
void platform_power_button(struct platform *p);

#endif /* DOMINO_VMM_PLATFORM_H */
