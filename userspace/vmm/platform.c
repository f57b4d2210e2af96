// SPDX-License-Identifier: GPL-2.0
/*
 * Platform ports of a PVH machine: ACPI PM1a blocks, the reset paths,
 * pvpanic, a probe-only i8259 pair, CMOS/RTC, port 0x61 and 0x80.
 *
 * Every access is split into byte accesses, as the ISA bridge does for
 * byte-wide devices; ACPI lets OSPM access the PM1 blocks by byte or word
 * (ACPI 6.4, 4.8.4), and per-byte handling gives both for free.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* PM1_EN bits that exist: TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS. */
#define PM1_EN_MASK		0x4721
/* PM1_CNT bits that hold a value: BM_RLD and SLP_TYP (SCI_EN reads 1). */
#define PM1_CNT_MASK		0x1c02

/* Fixed legacy ports. */
#define PORT_PIC_MASTER		0x20
#define PORT_PIC_SLAVE		0xa0
#define PORT_SYS_CTRL_B		0x61
#define PORT_KBC_CMD		0x64
#define PORT_CMOS_INDEX		0x70
#define PORT_CMOS_DATA		0x71
#define PORT_POST		0x80
#define PORT_RST_CNT		0xcf9

/*
 * 8042 commands 0xf0-0xff pulse the output port bits that are 0 in bits
 * 3:0; bit 0 is the CPU reset line (0xfe is the usual one).
 */
#define KBC_PULSE_RESET(v)	(((v) & 0xf1) == 0xf0)

/* Reset Control Register 0xcf9 (Intel PCH): RST_CPU starts the reset. */
#define RST_CNT_RST_CPU		0x04

/* Port 0x61 reads: bit 4 refresh toggle, bit 5 PIT channel 2 output. */
#define SYS_CTRL_B_RW		0x0f
#define SYS_CTRL_B_TOGGLE	0x30

/* MC146818 registers (Motorola MC146818A datasheet, "Address Map"). */
#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* FADT CENTURY names it */
#define RTC_REG_A_UIP		0x80
#define RTC_REG_A_DEFAULT	0x26	/* 32.768 kHz base, 1024 Hz rate */
#define RTC_REG_B_SET		0x80
#define RTC_REG_B_DM		0x04	/* binary, not BCD */
#define RTC_REG_B_24H		0x02
#define RTC_REG_B_KEPT	(RTC_REG_B_SET | RTC_REG_B_DM | RTC_REG_B_24H)
#define RTC_REG_D_VRT		0x80	/* RAM and time valid */
#define CMOS_SIZE		128

/* i8259A ICW1 (Intel 8259A datasheet, "Initialization Command Words"). */
#define ICW1_IC4		0x01	/* ICW4 follows */
#define ICW1_SNGL		0x02	/* single, no ICW3 */
#define ICW1_INIT		0x10	/* ICW1, not OCW2/OCW3 */

/* What the next data port write is while initialising. */
enum pic_step { PIC_READY, PIC_ICW2, PIC_ICW3, PIC_ICW4 };

struct pic {
	uint8_t imr;
	uint8_t icw1;
	enum pic_step step;
};

/* Callbacks an access asks for, run after the lock is dropped. */
#define ACT_POWEROFF		0x01
#define ACT_RESET		0x02
#define ACT_PANIC		0x04
#define ACT_CRASH_LOADED	0x08

struct platform {
	pthread_mutex_t lock;
	struct platform_config cfg;
	const struct platform_ops *ops;
	void *opaque;

	uint16_t pm1_sts, pm1_en, pm1_cnt;
	int sci;			/* level last given to set_sci */
	uint8_t rst_cnt;		/* 0xcf9 */
	uint8_t sys_ctrl_b;		/* 0x61, bits 3:0 */
	uint8_t sys_ctrl_b_toggle;
	struct pic pic[2];
	uint8_t cmos_index;
	uint8_t cmos[CMOS_SIZE];
};

static bool in_block(uint16_t base, unsigned int len, unsigned int port)
{
	return base && port >= base && port < base + len;
}

static void update_sci(struct platform *p)
{
	int level = (p->pm1_sts & p->pm1_en) != 0;

	if (level == p->sci)
		return;
	p->sci = level;
	if (p->ops && p->ops->set_sci)
		p->ops->set_sci(p->opaque, level);
}

/* A byte lane of a 16-bit register: @off 0 is bits 7:0, 1 is 15:8. */
static uint16_t lane_set(uint16_t reg, unsigned int off, uint8_t v)
{
	unsigned int shift = off * 8;

	return (reg & ~(0xff << shift)) | (v << shift);
}

static uint8_t pm1_evt_read(struct platform *p, unsigned int off)
{
	uint16_t reg = off < 2 ? p->pm1_sts : p->pm1_en;

	return reg >> (off % 2 * 8);
}

static void pm1_evt_write(struct platform *p, unsigned int off, uint8_t v)
{
	/* Status bits are write-1-to-clear (ACPI 6.4, 4.8.4.1.1). */
	if (off < 2)
		p->pm1_sts &= ~(v << (off * 8));
	else
		p->pm1_en = lane_set(p->pm1_en, off - 2, v) & PM1_EN_MASK;
}

static uint8_t pm1_cnt_read(struct platform *p, unsigned int off)
{
	/* No SMI_CMD: the machine is always in ACPI mode. */
	return (p->pm1_cnt | PM1_CNT_SCI_EN) >> (off * 8);
}

static unsigned int pm1_cnt_write(struct platform *p, unsigned int off,
				  uint8_t v)
{
	unsigned int slp_typ;

	p->pm1_cnt = lane_set(p->pm1_cnt, off, v) & PM1_CNT_MASK;
	/* SLP_EN and SLP_TYP share the high byte; SLP_EN reads 0. */
	if (!((v << (off * 8)) & PM1_CNT_SLP_EN))
		return 0;
	slp_typ = (p->pm1_cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT;
	/* Only S5 exists: the DSDT offers no other sleep state. */
	return slp_typ == PLATFORM_SLP_TYP_S5 ? ACT_POWEROFF : 0;
}

static struct pic *pic_of(struct platform *p, unsigned int port)
{
	return &p->pic[(port & ~1u) == PORT_PIC_SLAVE];
}

/*
 * The PIC answers the init sequence and keeps its mask so that a probe
 * finds it, but IRR and ISR stay empty: nothing is ever routed through it.
 */
static uint8_t pic_read(struct platform *p, unsigned int port)
{
	if (!p->cfg.pic_present || !(port & 1))
		return 0;	/* command port: IRR, ISR, poll all read 0 */
	return pic_of(p, port)->imr;
}

static void pic_write(struct platform *p, unsigned int port, uint8_t v)
{
	struct pic *pic = pic_of(p, port);

	if (!p->cfg.pic_present)
		return;
	if (!(port & 1)) {
		/* ICW1 clears IMR and starts the sequence; OCW2/3: no-op. */
		if (v & ICW1_INIT) {
			pic->icw1 = v;
			pic->imr = 0;
			pic->step = PIC_ICW2;
		}
		return;
	}
	switch (pic->step) {
	case PIC_READY:			/* OCW1 */
		pic->imr = v;
		break;
	case PIC_ICW2:
		if (!(pic->icw1 & ICW1_SNGL))
			pic->step = PIC_ICW3;
		else if (pic->icw1 & ICW1_IC4)
			pic->step = PIC_ICW4;
		else
			pic->step = PIC_READY;
		break;
	case PIC_ICW3:
		pic->step = (pic->icw1 & ICW1_IC4) ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW4:
		pic->step = PIC_READY;
		break;
	}
}

static time_t real_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static uint8_t rtc_encode(const struct platform *p, unsigned int bin)
{
	if (p->cmos[RTC_REG_B] & RTC_REG_B_DM)
		return bin;
	return (bin / 10) << 4 | bin % 10;
}

/* A time register, from the clock at the moment of the read. */
static uint8_t rtc_time_read(struct platform *p, unsigned int reg)
{
	time_t now = p->cfg.clock ? p->cfg.clock() : real_clock();
	unsigned int year, hour;
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	year = tm.tm_year + 1900;
	switch (reg) {
	case RTC_SECONDS:
		/* A leap second reads as :59, the RTC has no :60. */
		return rtc_encode(p, tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case RTC_MINUTES:
		return rtc_encode(p, tm.tm_min);
	case RTC_HOURS:
		if (p->cmos[RTC_REG_B] & RTC_REG_B_24H)
			return rtc_encode(p, tm.tm_hour);
		/* 12-hour mode: 12, 1..11 with bit 7 set for PM. */
		hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
		return rtc_encode(p, hour) | (tm.tm_hour >= 12 ? 0x80 : 0);
	case RTC_DAY_OF_WEEK:
		return rtc_encode(p, tm.tm_wday + 1);	/* Sunday is 1 */
	case RTC_DAY_OF_MONTH:
		return rtc_encode(p, tm.tm_mday);
	case RTC_MONTH:
		return rtc_encode(p, tm.tm_mon + 1);
	case RTC_YEAR:
		return rtc_encode(p, year % 100);
	default:	/* RTC_CENTURY */
		return rtc_encode(p, year / 100 % 100);
	}
}

static bool rtc_is_time(unsigned int reg)
{
	switch (reg) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		return true;
	}
	return false;
}

static uint8_t cmos_read(struct platform *p)
{
	unsigned int reg = p->cmos_index & 0x7f;

	if (rtc_is_time(reg))
		return rtc_time_read(p, reg);
	switch (reg) {
	case RTC_REG_A:
		/* Never inside an update cycle: UIP is always 0. */
		return p->cmos[reg] & ~RTC_REG_A_UIP;
	case RTC_REG_C:
		return 0;	/* no interrupt flags, ever */
	case RTC_REG_D:
		return RTC_REG_D_VRT;
	}
	/* Alarm registers, B and plain CMOS RAM. */
	return p->cmos[reg];
}

static void cmos_write(struct platform *p, uint8_t v)
{
	unsigned int reg = p->cmos_index & 0x7f;

	/* The time is the host's; C and D are read-only. */
	if (rtc_is_time(reg) || reg == RTC_REG_C || reg == RTC_REG_D)
		return;
	if (reg == RTC_REG_A)
		v &= ~RTC_REG_A_UIP;
	else if (reg == RTC_REG_B)
		v &= RTC_REG_B_KEPT;	/* no RTC interrupts to enable */
	p->cmos[reg] = v;
}

static uint8_t read_byte(struct platform *p, unsigned int port)
{
	const struct platform_config *c = &p->cfg;

	if (in_block(c->pm1a_evt_port, PM1_EVT_LEN, port))
		return pm1_evt_read(p, port - c->pm1a_evt_port);
	if (in_block(c->pm1a_cnt_port, PM1_CNT_LEN, port))
		return pm1_cnt_read(p, port - c->pm1a_cnt_port);
	if (in_block(c->pvpanic_port, 1, port))
		return PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
	switch (port) {
	case PORT_PIC_MASTER:
	case PORT_PIC_MASTER + 1:
	case PORT_PIC_SLAVE:
	case PORT_PIC_SLAVE + 1:
		return pic_read(p, port);
	case PORT_SYS_CTRL_B:
		/*
		 * Toggle the status bits on every read, so that a loop
		 * waiting for the PIT channel 2 output (Linux's
		 * pit_calibrate_tsc(), when it finds a PIC) ends at once.
		 */
		p->sys_ctrl_b_toggle ^= SYS_CTRL_B_TOGGLE;
		return p->sys_ctrl_b | p->sys_ctrl_b_toggle;
	case PORT_KBC_CMD:
		return 0;	/* both buffers empty, nothing to wait for */
	case PORT_CMOS_INDEX:
		return p->cmos_index;
	case PORT_CMOS_DATA:
		return cmos_read(p);
	case PORT_POST:
		return 0;
	case PORT_RST_CNT:
		return p->rst_cnt;
	}
	/* The ACPI reset register is write-only. */
	return in_block(c->reset_port, 1, port) ? 0 : 0xff;
}

/* Returns the ACT_* the write asks for. */
static unsigned int write_byte(struct platform *p, unsigned int port,
			       uint8_t v)
{
	const struct platform_config *c = &p->cfg;
	unsigned int act = 0;

	if (in_block(c->pm1a_evt_port, PM1_EVT_LEN, port)) {
		pm1_evt_write(p, port - c->pm1a_evt_port, v);
		return 0;
	}
	if (in_block(c->pm1a_cnt_port, PM1_CNT_LEN, port))
		return pm1_cnt_write(p, port - c->pm1a_cnt_port, v);
	if (in_block(c->pvpanic_port, 1, port)) {
		if (v & PVPANIC_PANICKED)
			act |= ACT_PANIC;
		if (v & PVPANIC_CRASH_LOADED)
			act |= ACT_CRASH_LOADED;
		return act;
	}
	/* The reset register may share 0xcf9 or 0x64; both then act. */
	if (in_block(c->reset_port, 1, port) && v == c->reset_value)
		act = ACT_RESET;
	switch (port) {
	case PORT_PIC_MASTER:
	case PORT_PIC_MASTER + 1:
	case PORT_PIC_SLAVE:
	case PORT_PIC_SLAVE + 1:
		pic_write(p, port, v);
		break;
	case PORT_SYS_CTRL_B:
		p->sys_ctrl_b = v & SYS_CTRL_B_RW;
		break;
	case PORT_KBC_CMD:
		if (KBC_PULSE_RESET(v))
			act |= ACT_RESET;
		break;
	case PORT_CMOS_INDEX:
		p->cmos_index = v;	/* bit 7 masks NMI: none to mask */
		break;
	case PORT_CMOS_DATA:
		cmos_write(p, v);
		break;
	case PORT_RST_CNT:
		/* The reset happens on RST_CPU; the bit itself reads 0. */
		if (v & RST_CNT_RST_CPU)
			act |= ACT_RESET;
		p->rst_cnt = v & ~RST_CNT_RST_CPU;
		break;
	}
	return act;
}

static bool claims(const struct platform *p, unsigned int port,
		   unsigned int size)
{
	const struct platform_config *c = &p->cfg;

	if (in_block(c->pm1a_evt_port, PM1_EVT_LEN, port) ||
	    in_block(c->pm1a_cnt_port, PM1_CNT_LEN, port) ||
	    in_block(c->pvpanic_port, 1, port) ||
	    in_block(c->reset_port, 1, port))
		return true;
	switch (port) {
	case PORT_PIC_MASTER:
	case PORT_PIC_MASTER + 1:
	case PORT_PIC_SLAVE:
	case PORT_PIC_SLAVE + 1:
	case PORT_SYS_CTRL_B:
	case PORT_KBC_CMD:
	case PORT_CMOS_INDEX:
	case PORT_CMOS_DATA:
	case PORT_POST:
		return true;
	case PORT_RST_CNT:
		return size == 1;
	}
	return false;
}

static void run_actions(struct platform *p, unsigned int act)
{
	const struct platform_ops *ops = p->ops;

	if (!ops)
		return;
	/* A kdump kernel takes over from here: worth a note, no action. */
	if ((act & ACT_CRASH_LOADED) && ops->log)
		ops->log(p->opaque, "guest crash kernel loaded (pvpanic)");
	if ((act & ACT_PANIC) && ops->crash)
		ops->crash(p->opaque, "guest panicked (pvpanic)");
	if ((act & ACT_POWEROFF) && ops->poweroff)
		ops->poweroff(p->opaque);
	if ((act & ACT_RESET) && ops->reset)
		ops->reset(p->opaque);
}

bool platform_io(struct platform *p, uint16_t port, bool is_write,
		 unsigned int size, uint32_t *val)
{
	unsigned int i, act = 0;
	uint32_t in = 0;

	if ((size != 1 && size != 2 && size != 4) || !claims(p, port, size))
		return false;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < size; i++) {
		unsigned int lane = port + i;

		/* Bytes past 0xffff or of nothing read 0xff, writes drop. */
		if (lane > 0xffff || !claims(p, lane, 1)) {
			in |= 0xffu << (i * 8);
			continue;
		}
		if (is_write)
			act |= write_byte(p, lane, *val >> (i * 8));
		else
			in |= (uint32_t)read_byte(p, lane) << (i * 8);
	}
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
	if (!is_write) {
		uint32_t mask = size == 4 ? 0xffffffff : (1u << (size * 8)) - 1;

		*val = (*val & ~mask) | in;
	}
	run_actions(p, act);
	return true;
}

void platform_power_button(struct platform *p)
{
	pthread_mutex_lock(&p->lock);
	p->pm1_sts |= PM1_STS_PWRBTN;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

struct range {
	unsigned int base, len;
	bool reset;		/* the reset register may sit here */
};

/*
 * No configured register may overlap another or a fixed port, except
 * that the ACPI reset register may be 0xcf9 or 0x64, which reset anyway.
 */
static bool config_valid(const struct platform_config *c)
{
	const struct range r[] = {
		{ c->pm1a_evt_port, PM1_EVT_LEN, false },
		{ c->pm1a_cnt_port, PM1_CNT_LEN, false },
		{ c->reset_port, 1, false },
		{ c->pvpanic_port, 1, false },
		{ PORT_PIC_MASTER, 2, false },
		{ PORT_PIC_SLAVE, 2, false },
		{ PORT_SYS_CTRL_B, 1, false },
		{ PORT_KBC_CMD, 1, true },
		{ PORT_CMOS_INDEX, 2, false },
		{ PORT_POST, 1, false },
		{ PORT_RST_CNT, 1, true },
	};
	const unsigned int nr_cfg = 4, nr = sizeof(r) / sizeof(r[0]);
	const unsigned int reset = 2;
	unsigned int i, j;

	for (i = 0; i < nr_cfg; i++) {
		if (!r[i].base)
			continue;
		if (r[i].base + r[i].len - 1 > 0xffff)
			return false;
		for (j = 0; j < nr; j++) {
			if (j == i || !r[j].base || (i == reset && r[j].reset))
				continue;
			if (r[i].base < r[j].base + r[j].len &&
			    r[j].base < r[i].base + r[i].len)
				return false;
		}
	}
	return true;
}

struct platform *platform_new(const struct platform_config *cfg,
			      const struct platform_ops *ops, void *opaque)
{
	struct platform *p;
	int ret;

	if (!cfg || !config_valid(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	ret = pthread_mutex_init(&p->lock, NULL);
	if (ret) {
		free(p);
		errno = ret;
		return NULL;
	}
	p->cfg = *cfg;
	p->ops = ops;
	p->opaque = opaque;
	p->cmos[RTC_REG_A] = RTC_REG_A_DEFAULT;
	p->cmos[RTC_REG_B] = RTC_REG_B_24H;
	return p;
}

void platform_free(struct platform *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}
