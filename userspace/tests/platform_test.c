// SPDX-License-Identifier: GPL-2.0
/*
 * The platform ports: ACPI PM1 blocks (W1C status, SCI level, S5) in
 * every access width, the reset paths, pvpanic, the PIC probe Linux does,
 * the RTC in each encoding from a fixed clock, and what is not claimed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

#include "unit_tap.h"

#define EVT	0x600
#define CNT	0x604
#define RST	0x608
#define PVP	0x505

static bool numeq(const char *what, unsigned long got, unsigned long want)
{
	return got == want || diag("%s: got %#lx, want %#lx", what, got, want);
}

/* What the callbacks saw. */
static struct {
	int sci;
	unsigned int sci_calls, poweroffs, resets, crashes, logs;
	bool sci_repeat;
	char why[128], msg[128];
} seen;

static void on_sci(void *opaque, int level)
{
	(void)opaque;
	if (level == seen.sci)
		seen.sci_repeat = true;
	seen.sci = level;
	seen.sci_calls++;
}

static void on_poweroff(void *opaque)
{
	(void)opaque;
	seen.poweroffs++;
}

static void on_reset(void *opaque)
{
	(void)opaque;
	seen.resets++;
}

static void on_crash(void *opaque, const char *why)
{
	(void)opaque;
	seen.crashes++;
	snprintf(seen.why, sizeof(seen.why), "%s", why);
}

static void on_log(void *opaque, const char *msg)
{
	(void)opaque;
	seen.logs++;
	snprintf(seen.msg, sizeof(seen.msg), "%s", msg);
}

static const struct platform_ops ops = {
	.set_sci = on_sci,
	.poweroff = on_poweroff,
	.reset = on_reset,
	.crash = on_crash,
	.log = on_log,
};

/* 2024-02-29 13:45:07 UTC, a Thursday. */
static time_t clock_leap_day(void)
{
	return 1709214307;
}

/* 1999-12-31 00:05:59 UTC, a Friday. */
static time_t clock_y2k_eve(void)
{
	return 946598759;
}

static struct platform_config default_cfg(void)
{
	struct platform_config c = {
		.pm1a_evt_port = EVT,
		.pm1a_cnt_port = CNT,
		.reset_port = RST,
		.reset_value = 0x1,
		.pvpanic_port = PVP,
		.pic_present = true,
		.clock = clock_leap_day,
	};

	return c;
}

static struct platform *setup_cfg(const struct platform_config *c)
{
	struct platform *p;

	memset(&seen, 0, sizeof(seen));
	p = platform_new(c, &ops, NULL);
	if (!p)
		diag("platform_new: %s", strerror(errno));
	return p;
}

static struct platform *setup(void)
{
	struct platform_config c = default_cfg();

	return setup_cfg(&c);
}

static uint32_t in(struct platform *p, uint16_t port, unsigned int size)
{
	uint32_t v = 0xdeadbeef;

	if (!platform_io(p, port, false, size, &v))
		diag("port %#x not claimed", port);
	return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

static bool out(struct platform *p, uint16_t port, unsigned int size,
		uint32_t v)
{
	return platform_io(p, port, true, size, &v) ||
	       diag("port %#x not claimed", port);
}

static bool sci_is(int level, unsigned int calls)
{
	if (seen.sci_repeat)
		return diag("set_sci called without a level change");
	return numeq("SCI", seen.sci, level) &&
	       numeq("set_sci calls", seen.sci_calls, calls);
}

static void test_unclaimed(void)
{
	static const uint16_t ports[] = {
		0x0, 0x40, 0x60, 0x3f8, 0x3fd, 0x606, 0x607, 0x609, 0x504,
		0x506, 0xcf8, 0xcfc, 0xffff,
	};
	struct platform *p = setup();
	bool ok = p != NULL;
	unsigned int i;
	uint32_t v;

	for (i = 0; ok && i < sizeof(ports) / sizeof(ports[0]); i++) {
		v = 0x12345678;
		ok = (!platform_io(p, ports[i], false, 1, &v) &&
		      !platform_io(p, ports[i], true, 1, &v) &&
		      v == 0x12345678) || diag("port %#x", ports[i]);
	}
	/* 0xcf9 is a byte register; wider accesses are PCI's. */
	v = 0x12345678;
	ok = ok && ((!platform_io(p, 0xcf9, false, 2, &v) &&
		     !platform_io(p, 0xcf9, true, 4, &v) &&
		     platform_io(p, 0xcf9, false, 1, &v)) ||
		    diag("0xcf9 by size"));
	/* Odd sizes are nobody's. */
	ok = ok && (!platform_io(p, EVT, false, 3, &v) || diag("size 3")) &&
	     (!platform_io(p, EVT, false, 0, &v) || diag("size 0")) &&
	     numeq("resets", seen.resets, 0);
	platform_free(p);
	result(ok, "unclaimed ports and sizes return false, *val untouched");
}

static void test_pm1_status(void)
{
	struct platform *p = setup();
	bool ok = p != NULL;

	if (!p)
		goto out;
	ok = numeq("PM1_STS at reset", in(p, EVT, 2), 0);
	platform_power_button(p);
	ok = ok && numeq("PWRBTN_STS", in(p, EVT, 2), PM1_STS_PWRBTN) &&
	     sci_is(0, 0);
	/* Writing 0s clears nothing; wrong lane clears nothing. */
	ok = ok && out(p, EVT, 2, 0) && out(p, EVT, 1, 0xff) &&
	     numeq("after 0 and low-byte 1s", in(p, EVT, 2), PM1_STS_PWRBTN);
	ok = ok && out(p, EVT, 2, PM1_STS_PWRBTN) &&
	     numeq("cleared by word", in(p, EVT, 2), 0);
	platform_power_button(p);
	ok = ok && out(p, EVT + 1, 1, 0x01) &&
	     numeq("cleared by byte", in(p, EVT, 2), 0);
	platform_power_button(p);
	ok = ok && out(p, EVT, 4, 0xffff) &&
	     numeq("cleared by dword", in(p, EVT, 4), 0);
out:
	platform_free(p);
	result(ok, "PM1_STS is write-1-to-clear in every width");
}

static void test_sci(void)
{
	struct platform *p = setup();
	bool ok = p != NULL;

	if (!p)
		goto out;
	/* Enabling with no status raises nothing. */
	ok = out(p, EVT + 2, 2, PM1_EN_PWRBTN) &&
	     numeq("PM1_EN", in(p, EVT + 2, 2), PM1_EN_PWRBTN) && sci_is(0, 0);
	platform_power_button(p);
	ok = ok && sci_is(1, 1);
	/* A second press while pending: the line is already up. */
	platform_power_button(p);
	ok = ok && sci_is(1, 1);
	/* Masking drops it, unmasking with the status still set raises it. */
	ok = ok && out(p, EVT + 2, 2, 0) && sci_is(0, 2) &&
	     out(p, EVT + 3, 1, PM1_EN_PWRBTN >> 8) && sci_is(1, 3);
	/* The guest's handler clears the status: the line goes low. */
	ok = ok && out(p, EVT, 2, PM1_STS_PWRBTN) && sci_is(0, 4);
	/* A press with PWRBTN_EN clear only sets the status. */
	ok = ok && out(p, EVT + 2, 2, 0);
	platform_power_button(p);
	ok = ok && sci_is(0, 4) &&
	     numeq("PM1_STS", in(p, EVT, 2), PM1_STS_PWRBTN);
	/* Reserved PM1_EN bits read 0. */
	ok = ok && out(p, EVT + 2, 2, 0xffff) &&
	     numeq("PM1_EN mask", in(p, EVT + 2, 2), 0x4721) && sci_is(1, 5);
out:
	platform_free(p);
	result(ok, "SCI level follows PM1_STS & PM1_EN, reported on change");
}

static void test_pm1_cnt(void)
{
	struct platform *p = setup();
	bool ok = p != NULL;
	uint16_t s5 = PLATFORM_SLP_TYP_S5 << PM1_CNT_SLP_TYP_SHIFT;

	if (!p)
		goto out;
	/* SCI_EN reads 1 and cannot be cleared. */
	ok = numeq("PM1_CNT", in(p, CNT, 2), PM1_CNT_SCI_EN) &&
	     out(p, CNT, 2, 0) &&
	     numeq("SCI_EN kept", in(p, CNT, 2), PM1_CNT_SCI_EN);
	/* ACPICA writes SLP_TYP alone first: no sleep yet. */
	ok = ok && out(p, CNT, 2, s5 | PM1_CNT_SCI_EN) &&
	     numeq("SLP_TYP", in(p, CNT, 2), s5 | PM1_CNT_SCI_EN) &&
	     numeq("no poweroff", seen.poweroffs, 0);
	/* SLP_TYP 0 (S0) with SLP_EN: nothing. */
	ok = ok && out(p, CNT, 2, PM1_CNT_SLP_EN) &&
	     numeq("S0 ignored", seen.poweroffs, 0) &&
	     numeq("SLP_EN reads 0", in(p, CNT, 2), PM1_CNT_SCI_EN);
	/* Other sleep types: nothing either. */
	ok = ok &&
	     out(p, CNT, 2, (3 << PM1_CNT_SLP_TYP_SHIFT) | PM1_CNT_SLP_EN) &&
	     numeq("S3 ignored", seen.poweroffs, 0);
	ok = ok && out(p, CNT, 2, s5 | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN) &&
	     numeq("S5 word", seen.poweroffs, 1) &&
	     numeq("SLP_EN reads 0", in(p, CNT, 2), s5 | PM1_CNT_SCI_EN);
	/* The high byte alone carries both fields. */
	ok = ok && out(p, CNT + 1, 1, (s5 | PM1_CNT_SLP_EN) >> 8) &&
	     numeq("S5 byte", seen.poweroffs, 2);
	/* A low-byte write never sleeps; high byte reads back alone. */
	ok = ok && out(p, CNT, 1, 0xff) &&
	     numeq("low byte", in(p, CNT, 1), 0x03) &&
	     numeq("high byte", in(p, CNT + 1, 1), s5 >> 8) &&
	     numeq("no more", seen.poweroffs, 2);
out:
	platform_free(p);
	result(ok, "PM1_CNT: SCI_EN always 1, S5 powers off, other SLP_TYP ignored");
}

static void test_pm1_widths(void)
{
	struct platform *p = setup();
	bool ok = p != NULL;
	uint32_t v = 0xaabbccdd;

	if (!p)
		goto out;
	platform_power_button(p);
	ok = out(p, EVT + 2, 1, 0x20) && out(p, EVT + 3, 1, 0x01) &&
	     numeq("dword", in(p, EVT, 4), 0x01200100) &&
	     numeq("byte 1", in(p, EVT + 1, 1), 0x01) &&
	     numeq("byte 2", in(p, EVT + 2, 1), 0x20) &&
	     numeq("word at 1", in(p, EVT + 1, 2), 0x2001);
	/* A byte IN replaces only the low byte of *val. */
	ok = ok && platform_io(p, EVT + 3, false, 1, &v) &&
	     numeq("IN keeps upper bytes", v, 0xaabbcc01);
	/* A dword across both blocks reaches each byte's register. */
	ok = ok && numeq("EVT+2..CNT+1", in(p, EVT + 2, 4), 0x00010120);
	/* Past the blocks: two bytes of nothing, then the reset register. */
	ok = ok && numeq("CNT+1..", in(p, CNT + 1, 4), 0x00ffff00);
out:
	platform_free(p);
	result(ok, "PM1 blocks by byte, word and dword at any offset");
}

static void test_reset(void)
{
	struct platform_config c = default_cfg();
	struct platform *p = setup();
	bool ok = p != NULL;

	if (!p)
		goto out;
	ok = out(p, RST, 1, 0x2) && numeq("wrong value", seen.resets, 0) &&
	     out(p, RST, 1, 0x1) && numeq("reset register", seen.resets, 1) &&
	     numeq("reads 0", in(p, RST, 1), 0);
	/* Linux's CF9 method: 0x02 then 0x06. */
	ok = ok && numeq("0xcf9 reads", in(p, 0xcf9, 1), 0) &&
	     out(p, 0xcf9, 1, 0x02) && numeq("0xcf9 arm", seen.resets, 1) &&
	     numeq("0xcf9 keeps SYS_RST", in(p, 0xcf9, 1), 0x02) &&
	     out(p, 0xcf9, 1, 0x06) && numeq("0xcf9 go", seen.resets, 2) &&
	     numeq("RST_CPU reads 0", in(p, 0xcf9, 1), 0x02);
	/* The keyboard controller: status never busy, 0xfe pulses reset. */
	ok = ok && numeq("0x64 status", in(p, 0x64, 1), 0) &&
	     out(p, 0x64, 1, 0x20) && out(p, 0x64, 1, 0xff) &&
	     numeq("0x64 other", seen.resets, 2) &&
	     out(p, 0x64, 1, 0xfe) && numeq("0x64 0xfe", seen.resets, 3);
	platform_free(p);

	/* The FADT may name 0xcf9 itself; it then resets on either rule. */
	c.reset_port = 0xcf9;
	c.reset_value = 0x06;
	p = setup_cfg(&c);
	ok = ok && p && out(p, 0xcf9, 1, 0x06) && numeq("both", seen.resets, 1);
out:
	platform_free(p);
	result(ok, "reset via reset register, 0xcf9 and 0x64");
}

static void test_pvpanic(void)
{
	struct platform_config c = default_cfg();
	struct platform *p = setup();
	bool ok = p != NULL;
	uint32_t v = 0;

	if (!p)
		goto out;
	ok = numeq("events", in(p, PVP, 1), 0x3) &&
	     out(p, PVP, 1, 0) && numeq("nothing", seen.crashes + seen.logs, 0);
	ok = ok && out(p, PVP, 1, PVPANIC_CRASH_LOADED) &&
	     numeq("crash loaded: no crash", seen.crashes, 0) &&
	     numeq("crash loaded: logged", seen.logs, 1) &&
	     (!strcmp(seen.msg, "guest crash kernel loaded (pvpanic)") ||
	      diag("log '%s'", seen.msg));
	ok = ok && out(p, PVP, 1, PVPANIC_PANICKED) &&
	     numeq("crashes", seen.crashes, 1) &&
	     (!strcmp(seen.why, "guest panicked (pvpanic)") ||
	      diag("why '%s'", seen.why));
	platform_free(p);

	/* Port 0: no pvpanic, and no log op is fine too. */
	c.pvpanic_port = 0;
	p = setup_cfg(&c);
	ok = ok && p && !platform_io(p, PVP, false, 1, &v);
	platform_free(p);
	p = platform_new(&c, NULL, NULL);
	ok = ok && p && out(p, 0x64, 1, 0xfe);
out:
	platform_free(p);
	result(ok, "pvpanic: events bitmap, crash on PANICKED, log on CRASH_LOADED");
}

/* probe_8259A() of arch/x86/kernel/i8259.c, then init_8259A(). */
static bool linux_pic_probe(struct platform *p)
{
	out(p, 0xa1, 1, 0xff);
	out(p, 0x21, 1, 0xfb);
	return in(p, 0x21, 1) == 0xfb;
}

static void test_pic(void)
{
	struct platform_config c = default_cfg();
	struct platform *p = setup();
	bool ok = p != NULL;

	if (!p)
		goto out;
	ok = linux_pic_probe(p) || diag("present PIC not found");
	/* ICW1..4 on both; ICW1 clears IMR, ICW2-4 do not set it. */
	ok = ok && out(p, 0x20, 1, 0x11) &&
	     numeq("IMR cleared by ICW1", in(p, 0x21, 1), 0) &&
	     out(p, 0x21, 1, 0x30) && out(p, 0x21, 1, 0x04) &&
	     out(p, 0x21, 1, 0x01) &&
	     numeq("IMR after ICWs", in(p, 0x21, 1), 0);
	ok = ok && out(p, 0xa0, 1, 0x11) && out(p, 0xa1, 1, 0x38) &&
	     out(p, 0xa1, 1, 0x02) && out(p, 0xa1, 1, 0x01);
	/* OCW1 masks; OCW2 EOI and OCW3 read select change no mask. */
	ok = ok && out(p, 0x21, 1, 0xfb) && out(p, 0xa1, 1, 0xff) &&
	     out(p, 0x20, 1, 0x20) && out(p, 0x20, 1, 0x0b) &&
	     numeq("ISR", in(p, 0x20, 1), 0) &&
	     out(p, 0xa0, 1, 0x0a) && numeq("IRR", in(p, 0xa0, 1), 0) &&
	     numeq("master IMR", in(p, 0x21, 1), 0xfb) &&
	     numeq("slave IMR", in(p, 0xa1, 1), 0xff);
	/* Single mode without ICW4: one data write ends the sequence. */
	ok = ok && out(p, 0x20, 1, 0x12) && out(p, 0x21, 1, 0x08) &&
	     out(p, 0x21, 1, 0x5a) && numeq("IMR", in(p, 0x21, 1), 0x5a);
	platform_free(p);

	c.pic_present = false;
	p = setup_cfg(&c);
	ok = ok && p && (!linux_pic_probe(p) || diag("absent PIC found")) &&
	     numeq("absent IMR", in(p, 0xa1, 1), 0) &&
	     numeq("absent cmd", in(p, 0x20, 1), 0);
out:
	platform_free(p);
	result(ok, "i8259: Linux's probe finds it when present, not when absent");
}

static uint8_t cmos(struct platform *p, uint8_t index)
{
	out(p, 0x70, 1, index);
	return in(p, 0x71, 1);
}

static void cmos_set(struct platform *p, uint8_t index, uint8_t v)
{
	out(p, 0x70, 1, index);
	out(p, 0x71, 1, v);
}

static void test_rtc(void)
{
	struct platform_config c = default_cfg();
	struct platform *p = setup();
	bool ok = p != NULL;

	if (!p)
		goto out;
	ok = numeq("A", cmos(p, 0x0a), 0x26) &&
	     numeq("B", cmos(p, 0x0b), 0x02) &&
	     numeq("C", cmos(p, 0x0c), 0) && numeq("D", cmos(p, 0x0d), 0x80);
	/* BCD, 24-hour (the default). */
	ok = ok && numeq("sec", cmos(p, 0x00), 0x07) &&
	     numeq("min", cmos(p, 0x02), 0x45) &&
	     numeq("hour", cmos(p, 0x04), 0x13) &&
	     numeq("wday", cmos(p, 0x06), 0x05) &&
	     numeq("mday", cmos(p, 0x07), 0x29) &&
	     numeq("month", cmos(p, 0x08), 0x02) &&
	     numeq("year", cmos(p, 0x09), 0x24) &&
	     numeq("century", cmos(p, 0x32), 0x20);
	/* NMI-disable bit in the index is ignored. */
	ok = ok && numeq("min via 0x82", cmos(p, 0x82), 0x45);
	/* 12-hour BCD: 1 PM. */
	cmos_set(p, 0x0b, 0x00);
	ok = ok && numeq("12h hour", cmos(p, 0x04), 0x81);
	/* Binary, 24-hour. */
	cmos_set(p, 0x0b, 0x06);
	ok = ok && numeq("bin sec", cmos(p, 0x00), 7) &&
	     numeq("bin min", cmos(p, 0x02), 45) &&
	     numeq("bin hour", cmos(p, 0x04), 13) &&
	     numeq("bin mday", cmos(p, 0x07), 29) &&
	     numeq("bin year", cmos(p, 0x09), 24) &&
	     numeq("bin century", cmos(p, 0x32), 20);
	/* Binary, 12-hour. */
	cmos_set(p, 0x0b, 0x04);
	ok = ok && numeq("bin 12h hour", cmos(p, 0x04), 0x81);
	/* B keeps SET, DM, 24/12 only; A never shows UIP. */
	cmos_set(p, 0x0b, 0xff);
	cmos_set(p, 0x0a, 0xa6);
	ok = ok && numeq("B kept bits", cmos(p, 0x0b), 0x86) &&
	     numeq("A without UIP", cmos(p, 0x0a), 0x26);
	/* Time writes are ignored, even under SET; C and D read-only. */
	cmos_set(p, 0x00, 0x30);
	cmos_set(p, 0x09, 0x99);
	cmos_set(p, 0x0c, 0xff);
	cmos_set(p, 0x0d, 0x00);
	ok = ok && numeq("sec after write", cmos(p, 0x00), 7) &&
	     numeq("year after write", cmos(p, 0x09), 24) &&
	     numeq("C", cmos(p, 0x0c), 0) && numeq("D", cmos(p, 0x0d), 0x80);
	/* Alarms and the rest are plain RAM. */
	cmos_set(p, 0x01, 0x11);
	cmos_set(p, 0x10, 0x5a);
	cmos_set(p, 0x7f, 0xa5);
	ok = ok && numeq("alarm", cmos(p, 0x01), 0x11) &&
	     numeq("RAM 0x10", cmos(p, 0x10), 0x5a) &&
	     numeq("RAM 0x7f via 0xff", cmos(p, 0xff), 0xa5) &&
	     numeq("RAM 0x11", cmos(p, 0x11), 0);
	/* A word write is index then data, as the bus splits it. */
	ok = ok && out(p, 0x70, 2, 0x6620) &&
	     numeq("word write", cmos(p, 0x20), 0x66) &&
	     numeq("index port", in(p, 0x70, 1), 0x20);
	platform_free(p);

	/* Midnight hour in 12-hour mode is 12 AM; the century turns over. */
	c.clock = clock_y2k_eve;
	p = setup_cfg(&c);
	ok = ok && p && numeq("y2k year", cmos(p, 0x09), 0x99) &&
	     numeq("y2k century", cmos(p, 0x32), 0x19) &&
	     numeq("y2k wday", cmos(p, 0x06), 0x06) &&
	     numeq("y2k sec", cmos(p, 0x00), 0x59);
	if (p)
		cmos_set(p, 0x0b, 0x00);
	ok = ok && numeq("12 AM", cmos(p, 0x04), 0x12);
	platform_free(p);

	/* The real clock: a sane BCD year. */
	c.clock = NULL;
	p = setup_cfg(&c);
	ok = ok && p && (cmos(p, 0x32) == 0x20 || diag("century %#x",
						       cmos(p, 0x32)));
out:
	platform_free(p);
	result(ok, "RTC: BCD and binary, 24 and 12 hour, from the injected clock");
}

static void test_misc_ports(void)
{
	struct platform *p = setup();
	bool ok = p != NULL;
	uint8_t a, b;

	if (!p)
		goto out;
	/* POST codes are swallowed. */
	ok = out(p, 0x80, 1, 0x55) && numeq("0x80", in(p, 0x80, 1), 0);
	/* Port 0x61: gate and speaker bits kept, PIT OUT2 toggles. */
	ok = ok && out(p, 0x61, 1, 0x01);
	a = in(p, 0x61, 1);
	b = in(p, 0x61, 1);
	ok = ok && numeq("0x61 low bits", a & 0x0f, 0x01) &&
	     numeq("0x61 toggles", (a ^ b) & 0x20, 0x20);
	ok = ok && numeq("callbacks", seen.resets + seen.poweroffs +
			 seen.crashes + seen.sci_calls, 0);
out:
	platform_free(p);
	result(ok, "port 0x80 swallowed, port 0x61 never stalls a PIT wait");
}

static void test_config(void)
{
	struct platform_config c = default_cfg();
	struct platform *p;
	bool ok;

	c.pm1a_cnt_port = EVT + 2;
	errno = 0;
	p = platform_new(&c, &ops, NULL);
	ok = (!p && errno == EINVAL) || diag("overlapping PM blocks accepted");
	platform_free(p);
	c = default_cfg();
	c.pvpanic_port = 0x71;
	p = platform_new(&c, &ops, NULL);
	ok = ok && (!p || diag("pvpanic on the RTC accepted"));
	platform_free(p);
	c = default_cfg();
	c.pm1a_evt_port = 0xfffe;
	p = platform_new(&c, &ops, NULL);
	ok = ok && (!p || diag("block past 0xffff accepted"));
	platform_free(p);
	c = default_cfg();
	c.reset_port = 0x64;
	c.reset_value = 0xfe;
	p = platform_new(&c, &ops, NULL);
	ok = ok && (p || diag("reset register on 0x64 refused"));
	platform_free(p);
	result(ok, "overlapping configurations are refused");
}

int main(void)
{
	printf("TAP version 13\n1..11\n");
	test_unclaimed();
	test_pm1_status();
	test_sci();
	test_pm1_cnt();
	test_pm1_widths();
	test_reset();
	test_pvpanic();
	test_pic();
	test_rtc();
	test_misc_ports();
	test_config();
	return failed ? 1 : 0;
}
