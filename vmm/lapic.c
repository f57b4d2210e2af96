// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC emulation (SDM vol. 3A chapter 10 / chapter 11 in newer
 * editions), xAPIC through the MMIO page and x2APIC through MSRs, with its
 * timer in one-shot, periodic and TSC-deadline modes, and interrupt
 * messages between vCPUs (fixed, lowest priority, NMI, INIT, SIPI).
 *
 * Every register value comes from the guest: none is trusted, none
 * reaches a BUG_ON, and out-of-range vectors are reported through the ESR
 * as the hardware does.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/bitmap.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/spinlock.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "domain.h"
#include "irqchip.h"
#include "xen.h"
#include "vcpu.h"
#include "alloc.h"

#define LAPIC_NR_REGS		64	/* one per 16-byte slot of the page */
#define LAPIC_VERSION		0x14	/* integrated APIC */
#define LAPIC_MAX_LVT		5	/* timer, thermal, perf, LINT0/1, error */
#define LAPIC_ESR_RECV_ILLEGAL	BIT(6)
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)
#define LAPIC_ESR_ILLEGAL_REG	BIT(7)
#define LAPIC_TIMER_MODE_MASK	(3 << 17)
#define LAPIC_SHORTHAND_MASK	(APIC_DEST_SELF | APIC_DEST_ALLINC)	/* ICR 19:18 */
/* A periodic timer faster than this would only let the guest load the host. */
#define LAPIC_MIN_PERIOD_NS	100000ULL
#define X2APIC_MSR_BASE		0x800
#define X2APIC_MSR_LAST		0x8ff

#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_EXTD		BIT_ULL(10)
#define APIC_BASE_EN		BIT_ULL(11)

struct domino_lapic {
	struct domino_vcpu *v;
	raw_spinlock_t lock;		/* taken by the timer in hard irq context */
	u32 reg[LAPIC_NR_REGS];		/* by offset >> 4; IRR/ISR/TMR apart */
	DECLARE_BITMAP(irr, 256);
	DECLARE_BITMAP(isr, 256);
	DECLARE_BITMAP(tmr, 256);
	bool nmi_pending, init_pending, sipi_pending;
	u8 sipi_vector;
	u32 esr_pending;		/* errors since the last ESR write */

	struct hrtimer timer;
	u64 period_ns;			/* 0: one-shot or deadline */
	ktime_t expires;
	u64 tsc_deadline;
};

#define R(off) ((off) >> 4)

static struct domino_lapic *lapic(struct domino_vcpu *v)
{
	return v->lapic;
}

static bool lapic_hw_enabled(struct domino_vcpu *v)
{
	return v->apic_base & APIC_BASE_EN;
}

static bool lapic_x2apic(struct domino_vcpu *v)
{
	return (v->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool lapic_sw_enabled(struct domino_lapic *a)
{
	return READ_ONCE(a->reg[R(APIC_SPIV)]) & APIC_SPIV_APIC_ENABLED;
}

static u32 lapic_id(struct domino_lapic *a)
{
	u32 id = READ_ONCE(a->reg[R(APIC_ID)]);

	return lapic_x2apic(a->v) ? id : id >> 24;
}

/* The 32 bits of @map from @bit (a multiple of 32), as an ISR/TMR/IRR word. */
static u32 bitmap_word32(const unsigned long *map, unsigned int bit)
{
	return map[bit / BITS_PER_LONG] >> (bit % BITS_PER_LONG);
}

static int bitmap_highest(const unsigned long *map)
{
	unsigned long bit = find_last_bit(map, 256);

	return bit < 256 ? (int)bit : -1;
}

/* SDM 10.8.3.1: the processor priority is the higher of TPR and ISR class. */
static u32 lapic_ppr(struct domino_lapic *a)
{
	u32 tpr = READ_ONCE(a->reg[R(APIC_TASKPRI)]) & 0xff;
	int isrv = bitmap_highest(a->isr);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* SDM 10.6.2: does this APIC take a message sent to @dest? */
static bool lapic_match_dest(struct domino_lapic *a, u32 dest, bool logical)
{
	bool x2 = lapic_x2apic(a->v);
	u32 ldr, dfr;

	if (!logical) {
		if (x2)
			return dest == 0xffffffff || dest == lapic_id(a);
		return (dest & 0xff) == 0xff || (dest & 0xff) == lapic_id(a);
	}
	ldr = READ_ONCE(a->reg[R(APIC_LDR)]);
	if (x2) {
		/* SDM 10.12.10.2: cluster in 31:16, member bitmap in 15:0. */
		if (dest == 0xffffffff)
			return true;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	ldr >>= 24;
	dfr = READ_ONCE(a->reg[R(APIC_DFR)]);
	if ((dfr >> 28) == 0xf)		/* flat model */
		return dest & ldr;
	/* Cluster model: high nibble names the cluster, low the members. */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/* Accept a message on @v (caller holds the vcpus_kick_lock). */
static void lapic_accept(struct domino_vcpu *v, const struct domino_apic_irq *irq)
{
	struct domino_lapic *a = lapic(v);
	unsigned long flags;
	bool kick = true;

	raw_spin_lock_irqsave(&a->lock, flags);
	switch (irq->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (irq->vector < 16) {
			/* SDM 10.5.3: vectors 0-15 are illegal, the message is dropped. */
			a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
			kick = false;
			break;
		}
		/* A software-disabled APIC keeps fixed interrupts out (10.4.7.2). */
		if (!lapic_sw_enabled(a)) {
			kick = false;
			break;
		}
		__set_bit(irq->vector, a->irr);
		if (irq->level)
			__set_bit(irq->vector, a->tmr);
		else
			__clear_bit(irq->vector, a->tmr);
		break;
	case APIC_DM_NMI:
		a->nmi_pending = true;
		break;
	case APIC_DM_INIT:
		/* The level de-assert form only synchronises arbitration ids. */
		if (irq->level && !irq->assert) {
			kick = false;
			break;
		}
		a->init_pending = true;
		/* Only a SIPI after this INIT may start the AP. */
		a->sipi_pending = false;
		break;
	case APIC_DM_STARTUP:
		a->sipi_vector = irq->vector;
		a->sipi_pending = true;
		break;
	default:
		/* SMI and ExtINT have no source in this platform. */
		kick = false;
		break;
	}
	raw_spin_unlock_irqrestore(&a->lock, flags);
	if (kick)
		domino_vcpu_kick(v);
}

void domino_apic_deliver(struct domino_domain *d, struct domino_vcpu *src,
			 const struct domino_apic_irq *irq)
{
	bool lowest = irq->delivery_mode == APIC_DM_LOWEST && !irq->shorthand;
	unsigned int i;

	spin_lock(&d->vcpus_kick_lock);
	for (i = 0; i < DOMINO_MAX_VCPUS; i++) {
		struct domino_vcpu *v = d->vcpus[i];
		bool match;

		if (!v || !v->lapic || !lapic_hw_enabled(v))
			continue;
		switch (irq->shorthand) {
		case APIC_DEST_SELF:
			match = v == src;
			break;
		case APIC_DEST_ALLINC:
			match = true;
			break;
		case APIC_DEST_ALLBUT:
			match = v != src;
			break;
		default:
			match = lapic_match_dest(lapic(v), irq->dest, irq->logical);
			break;
		}
		if (!match)
			continue;
		lapic_accept(v, irq);
		/*
		 * Lowest priority goes to one of the targets (SDM 10.6.2.4
		 * lets the chipset choose): the first is as good as any.
		 */
		if (lowest)
			break;
	}
	spin_unlock(&d->vcpus_kick_lock);
}

void domino_lapic_raise(struct domino_vcpu *v, u8 vector)
{
	struct domino_apic_irq irq = {
		.delivery_mode = APIC_DM_FIXED, .vector = vector, .assert = true,
	};

	spin_lock(&v->d->vcpus_kick_lock);
	if (v->lapic)
		lapic_accept(v, &irq);
	spin_unlock(&v->d->vcpus_kick_lock);
}

int domino_lapic_pending_vector(struct domino_vcpu *v)
{
	struct domino_lapic *a = lapic(v);
	unsigned long flags;
	int vec;

	raw_spin_lock_irqsave(&a->lock, flags);
	vec = bitmap_highest(a->irr);
	if (vec >= 0 && (u32)(vec & 0xf0) <= (lapic_ppr(a) & 0xf0))
		vec = -1;
	raw_spin_unlock_irqrestore(&a->lock, flags);
	return vec;
}

void domino_lapic_ack(struct domino_vcpu *v, int vector)
{
	struct domino_lapic *a = lapic(v);
	unsigned long flags;

	raw_spin_lock_irqsave(&a->lock, flags);
	__clear_bit(vector, a->irr);
	__set_bit(vector, a->isr);
	raw_spin_unlock_irqrestore(&a->lock, flags);
}

bool domino_lapic_wakes_halt(struct domino_vcpu *v, bool if_flag)
{
	struct domino_lapic *a = lapic(v);
	bool wake;

	wake = READ_ONCE(a->nmi_pending) || READ_ONCE(a->init_pending);
	return wake || (if_flag && domino_lapic_pending_vector(v) >= 0);
}

static bool lapic_take(struct domino_lapic *a, bool *flag)
{
	unsigned long flags;
	bool was;

	raw_spin_lock_irqsave(&a->lock, flags);
	was = *flag;
	*flag = false;
	raw_spin_unlock_irqrestore(&a->lock, flags);
	return was;
}

bool domino_lapic_take_nmi(struct domino_vcpu *v)
{
	return READ_ONCE(lapic(v)->nmi_pending) &&
	       lapic_take(lapic(v), &lapic(v)->nmi_pending);
}

bool domino_lapic_take_init(struct domino_vcpu *v)
{
	struct domino_lapic *a = lapic(v);
	unsigned long flags;
	bool was;

	if (!READ_ONCE(a->init_pending))
		return false;
	/* INIT resets the APIC's interrupt state but keeps id and base. */
	raw_spin_lock_irqsave(&a->lock, flags);
	was = a->init_pending;
	a->init_pending = false;
	if (was) {
		bitmap_zero(a->irr, 256);
		bitmap_zero(a->isr, 256);
		bitmap_zero(a->tmr, 256);
		a->nmi_pending = false;
	}
	raw_spin_unlock_irqrestore(&a->lock, flags);
	return was;
}

bool domino_lapic_has_init(struct domino_vcpu *v)
{
	return READ_ONCE(lapic(v)->init_pending);
}

bool domino_lapic_has_sipi(struct domino_vcpu *v)
{
	return READ_ONCE(lapic(v)->sipi_pending);
}

bool domino_lapic_take_sipi(struct domino_vcpu *v, u8 *vector)
{
	struct domino_lapic *a = lapic(v);
	unsigned long flags;
	bool was;

	raw_spin_lock_irqsave(&a->lock, flags);
	was = a->sipi_pending;
	a->sipi_pending = false;
	*vector = a->sipi_vector;
	raw_spin_unlock_irqrestore(&a->lock, flags);
	return was;
}

/* SDM 10.8.5: EOI retires the highest in-service vector. */
static void lapic_eoi(struct domino_lapic *a)
{
	unsigned long flags;
	bool level = false;
	int vec;

	raw_spin_lock_irqsave(&a->lock, flags);
	vec = bitmap_highest(a->isr);
	if (vec >= 0) {
		__clear_bit(vec, a->isr);
		level = test_bit(vec, a->tmr);
	}
	raw_spin_unlock_irqrestore(&a->lock, flags);
	if (level)
		domino_ioapic_eoi(a->v->d, vec);
}

/* ---- timer (SDM 10.5.4) ---- */

static u32 lapic_timer_divide(struct domino_lapic *a)
{
	u32 tdcr = a->reg[R(APIC_TDCR)];
	u32 idx = (tdcr & 3) | ((tdcr & 8) >> 1);

	return idx == 7 ? 1 : 2U << idx;
}

static u32 lapic_timer_mode(struct domino_lapic *a)
{
	return READ_ONCE(a->reg[R(APIC_LVTT)]) & LAPIC_TIMER_MODE_MASK;
}

static void lapic_timer_fire(struct domino_lapic *a)
{
	u32 lvtt = READ_ONCE(a->reg[R(APIC_LVTT)]);
	unsigned long flags;

	if (lvtt & APIC_LVT_MASKED)
		return;
	raw_spin_lock_irqsave(&a->lock, flags);
	if ((lvtt & 0xff) >= 16) {
		__set_bit(lvtt & 0xff, a->irr);
		__clear_bit(lvtt & 0xff, a->tmr);
	} else {
		a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL;
	}
	raw_spin_unlock_irqrestore(&a->lock, flags);
	domino_vcpu_kick(a->v);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct domino_lapic *a = container_of(t, struct domino_lapic, timer);

	lapic_timer_fire(a);
	if (lapic_timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE)
		WRITE_ONCE(a->tsc_deadline, 0);
	if (a->period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(a->period_ns));
		a->expires = hrtimer_get_expires(t);
		return HRTIMER_RESTART;
	}
	return HRTIMER_NORESTART;
}

/* Called from the owning vCPU thread only: the timer fields are its own. */
static void lapic_timer_stop(struct domino_lapic *a)
{
	hrtimer_cancel(&a->timer);
	a->period_ns = 0;
	a->expires = 0;
}

static void lapic_timer_start_count(struct domino_lapic *a)
{
	u32 count = a->reg[R(APIC_TMICT)];
	u64 ns;

	lapic_timer_stop(a);
	if (!count || lapic_timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	/* The bus clock is 1 GHz: one tick per nanosecond before division. */
	ns = (u64)count * lapic_timer_divide(a);
	if (lapic_timer_mode(a) == APIC_LVT_TIMER_PERIODIC)
		a->period_ns = max(ns, LAPIC_MIN_PERIOD_NS);
	a->expires = ktime_add_ns(ktime_get(), ns);
	hrtimer_start(&a->timer, a->expires, HRTIMER_MODE_ABS_HARD);
}

static u32 lapic_timer_current(struct domino_lapic *a)
{
	s64 left;

	if (!a->reg[R(APIC_TMICT)] || !a->expires ||
	    lapic_timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE)
		return 0;
	left = ktime_to_ns(ktime_sub(a->expires, ktime_get()));
	if (left <= 0) {
		if (!a->period_ns)
			return 0;
		/* The timer callback is late: the count has wrapped. */
		left = a->period_ns - (u64)(-left) % a->period_ns;
	}
	return div_u64(left, lapic_timer_divide(a));
}

static u64 lapic_guest_tsc(struct domino_vcpu *v)
{
	return rdtsc() + v->tsc_offset;
}

static void lapic_set_tsc_deadline(struct domino_lapic *a, u64 deadline)
{
	u64 now;

	if (lapic_timer_mode(a) != APIC_LVT_TIMER_TSCDEADLINE)
		return;		/* SDM 10.5.4.1: ignored in other modes */
	lapic_timer_stop(a);
	a->tsc_deadline = deadline;
	if (!deadline)
		return;
	now = lapic_guest_tsc(a->v);
	if ((s64)(deadline - now) <= 0 || !tsc_khz) {
		a->tsc_deadline = 0;
		lapic_timer_fire(a);
		return;
	}
	/* A deadline decades away must not overflow ktime: a year will do. */
	a->expires = ktime_add_ns(ktime_get(),
				  min_t(u64, mul_u64_u32_div(deadline - now, 1000000, tsc_khz),
					365ULL * 24 * 3600 * NSEC_PER_SEC));
	hrtimer_start(&a->timer, a->expires, HRTIMER_MODE_ABS_HARD);
}

/* ---- registers ---- */

static void lapic_error(struct domino_lapic *a, u32 bits)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&a->lock, flags);
	a->esr_pending |= bits;
	raw_spin_unlock_irqrestore(&a->lock, flags);
}

static void lapic_send_ipi(struct domino_lapic *a, u32 low, u32 dest)
{
	struct domino_apic_irq irq = {
		.dest = dest,
		.vector = low & 0xff,
		.delivery_mode = low & APIC_DM_EXTINT,
		.logical = low & APIC_DEST_LOGICAL,
		.level = low & APIC_INT_LEVELTRIG,
		.assert = low & APIC_INT_ASSERT,
		.shorthand = low & LAPIC_SHORTHAND_MASK,
	};

	/* SDM 10.6.1: fixed IPIs with an illegal vector are not sent. */
	if ((irq.delivery_mode == APIC_DM_FIXED ||
	     irq.delivery_mode == APIC_DM_LOWEST) && irq.vector < 16) {
		lapic_error(a, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	domino_apic_deliver(a->v->d, a->v, &irq);
}

/* An LVT write: writable bits per entry; masked while software-disabled. */
static u32 lapic_lvt_value(struct domino_lapic *a, u32 off, u32 val)
{
	u32 mask;

	switch (off) {
	case APIC_LVTT:
		mask = 0xff | APIC_LVT_MASKED | LAPIC_TIMER_MODE_MASK;
		/* Deadline mode only where CPUID advertises it: always here. */
		if ((val & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_MODE_MASK)
			val &= ~LAPIC_TIMER_MODE_MASK;
		break;
	case APIC_LVT0:
	case APIC_LVT1:
		mask = 0xff | (7 << 8) | APIC_INPUT_POLARITY | APIC_LVT_LEVEL_TRIGGER |
		       APIC_LVT_MASKED;
		break;
	case APIC_LVTERR:
		mask = 0xff | APIC_LVT_MASKED;
		break;
	default:		/* thermal, performance counters */
		mask = 0xff | (7 << 8) | APIC_LVT_MASKED;
		break;
	}
	val &= mask;
	if (!lapic_sw_enabled(a))
		val |= APIC_LVT_MASKED;
	return val;
}

static u32 lapic_ldr_x2apic(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

/* Read the 32-bit register at @off; false if it does not exist. */
static bool lapic_read(struct domino_lapic *a, u32 off, u32 *val)
{
	unsigned long flags;

	switch (off) {
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70: {
		const unsigned long *map = off >= APIC_IRR ? a->irr :
					   off >= APIC_TMR ? a->tmr : a->isr;
		unsigned int word = ((off & 0x7f) >> 4) * 32;

		if (off & 0xf)
			return false;
		raw_spin_lock_irqsave(&a->lock, flags);
		*val = bitmap_word32(map, word);
		raw_spin_unlock_irqrestore(&a->lock, flags);
		return true;
	}
	case APIC_PROCPRI:
		raw_spin_lock_irqsave(&a->lock, flags);
		*val = lapic_ppr(a);
		raw_spin_unlock_irqrestore(&a->lock, flags);
		return true;
	case APIC_TMCCT:
		*val = lapic_timer_current(a);
		return true;
	case APIC_ARBPRI:
	case APIC_RRR:
		*val = 0;
		return true;
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_LDR: case APIC_ESR:
	case APIC_DFR: case APIC_SPIV: case APIC_ICR: case APIC_ICR2:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TDCR:
		*val = a->reg[R(off)];
		return true;
	default:
		return false;
	}
}

/* Write the 32-bit register at @off; false if it is not writable. */
static bool lapic_write(struct domino_lapic *a, u32 off, u32 val)
{
	bool x2 = lapic_x2apic(a->v), enabling;
	unsigned long flags;
	unsigned int i;

	switch (off) {
	case APIC_ID:
		if (x2)
			return false;
		a->reg[R(off)] = val & 0xff000000;
		break;
	case APIC_TASKPRI:
		WRITE_ONCE(a->reg[R(off)], val & 0xff);
		break;
	case APIC_EOI:
		lapic_eoi(a);
		break;
	case APIC_LDR:
		if (x2)
			return false;
		WRITE_ONCE(a->reg[R(off)], val & 0xff000000);
		break;
	case APIC_DFR:
		if (x2)
			return false;
		WRITE_ONCE(a->reg[R(off)], val | 0x0fffffff);
		break;
	case APIC_SPIV:
		enabling = !lapic_sw_enabled(a) && (val & APIC_SPIV_APIC_ENABLED);
		WRITE_ONCE(a->reg[R(off)], val & 0x3ff);
		if (!(val & APIC_SPIV_APIC_ENABLED)) {
			/* SDM 10.4.7.2: software disable masks every LVT. */
			for (i = R(APIC_LVTT); i <= R(APIC_LVTERR); i++)
				a->reg[i] |= APIC_LVT_MASKED;
		}
		/* A Xen upcall owed while the APIC was off comes now (Xen's). */
		if (enabling)
			domino_xen_apic_enabled(a->v);
		break;
	case APIC_ESR:
		/* SDM 10.5.3: a write latches the errors so far and clears them. */
		raw_spin_lock_irqsave(&a->lock, flags);
		a->reg[R(off)] = a->esr_pending;
		a->esr_pending = 0;
		raw_spin_unlock_irqrestore(&a->lock, flags);
		break;
	case APIC_ICR:
		a->reg[R(off)] = val & ~APIC_ICR_BUSY;
		lapic_send_ipi(a, val, x2 ? 0 : a->reg[R(APIC_ICR2)] >> 24);
		break;
	case APIC_ICR2:
		if (x2)
			return false;
		a->reg[R(off)] = val & 0xff000000;
		break;
	case APIC_LVTT:
		val = lapic_lvt_value(a, off, val);
		if ((a->reg[R(off)] ^ val) & LAPIC_TIMER_MODE_MASK) {
			/* A mode change disarms the timer (SDM 10.5.4.1). */
			lapic_timer_stop(a);
			a->reg[R(APIC_TMICT)] = 0;
			a->tsc_deadline = 0;
		}
		WRITE_ONCE(a->reg[R(off)], val);
		break;
	case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1:
	case APIC_LVTERR:
		WRITE_ONCE(a->reg[R(off)], lapic_lvt_value(a, off, val));
		break;
	case APIC_TMICT:
		if (lapic_timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE)
			break;
		a->reg[R(off)] = val;
		lapic_timer_start_count(a);
		break;
	case APIC_TDCR:
		a->reg[R(off)] = val & 0xb;
		break;
	case APIC_SELF_IPI:
		if (!x2)
			return false;
		lapic_send_ipi(a, (val & 0xff) | APIC_DEST_SELF, 0);
		break;
	default:
		return false;
	}
	return true;
}

bool domino_lapic_mmio(struct domino_vcpu *v, u64 gpa, unsigned int len,
		       bool write, u64 *val)
{
	struct domino_lapic *a = lapic(v);
	u64 base = v->apic_base & PAGE_MASK & ((1ULL << 52) - 1);
	u32 off = gpa - base, r32 = 0;

	if (!a || !lapic_hw_enabled(v) || lapic_x2apic(v) ||
	    gpa < base || gpa >= base + PAGE_SIZE)
		return false;
	/*
	 * SDM 10.4.1: registers are 32 bits wide at 16-byte alignment and
	 * must be accessed as such; anything else reads 0 and is dropped.
	 */
	if (len != 4 || (off & 0xf)) {
		if (!write)
			*val = 0;
		return true;
	}
	if (write) {
		if (!lapic_write(a, off, *val))
			lapic_error(a, LAPIC_ESR_ILLEGAL_REG);
	} else {
		if (!lapic_read(a, off, &r32) && off != APIC_EOI)
			lapic_error(a, LAPIC_ESR_ILLEGAL_REG);
		*val = r32;
	}
	return true;
}

int domino_lapic_msr_get(struct domino_vcpu *v, u32 index, u64 *val)
{
	struct domino_lapic *a = lapic(v);
	u32 r32;

	if (!a)
		return -ENOENT;
	if (index == MSR_IA32_TSC_DEADLINE) {
		*val = READ_ONCE(a->tsc_deadline);
		return 0;
	}
	if (index < X2APIC_MSR_BASE || index > X2APIC_MSR_LAST)
		return -ENOENT;
	/* SDM 10.12.1.2: the MSRs exist only in x2APIC mode; else #GP. */
	if (!lapic_x2apic(v))
		return -EINVAL;
	if (index == X2APIC_MSR_BASE + R(APIC_ICR)) {
		*val = a->reg[R(APIC_ICR)] | ((u64)a->reg[R(APIC_ICR2)] << 32);
		return 0;
	}
	if (index == X2APIC_MSR_BASE + R(APIC_DFR) ||
	    index == X2APIC_MSR_BASE + R(APIC_ICR2) ||
	    !lapic_read(a, (index - X2APIC_MSR_BASE) << 4, &r32))
		return -EINVAL;
	*val = r32;
	return 0;
}

int domino_lapic_msr_set(struct domino_vcpu *v, u32 index, u64 val)
{
	struct domino_lapic *a = lapic(v);
	u32 off = (index - X2APIC_MSR_BASE) << 4;

	if (!a)
		return -ENOENT;
	if (index == MSR_IA32_TSC_DEADLINE) {
		lapic_set_tsc_deadline(a, val);
		return 0;
	}
	if (index < X2APIC_MSR_BASE || index > X2APIC_MSR_LAST)
		return -ENOENT;
	if (!lapic_x2apic(v))
		return -EINVAL;
	/* SDM 10.12.1.2: writes to read-only registers #GP. */
	if (off == APIC_ICR) {
		a->reg[R(APIC_ICR2)] = val >> 32;
		a->reg[R(APIC_ICR)] = (u32)val;
		lapic_send_ipi(a, (u32)val, val >> 32);
		return 0;
	}
	if (val >> 32 || (off == APIC_EOI && val) ||
	    off == APIC_ID || off == APIC_LDR || off == APIC_DFR ||
	    off == APIC_ICR2 || off == APIC_LVR)
		return -EINVAL;
	return lapic_write(a, off, val) ? 0 : -EINVAL;
}

void domino_lapic_set_cr8(struct domino_vcpu *v, u64 cr8)
{
	struct domino_lapic *a = lapic(v);

	if (a)
		WRITE_ONCE(a->reg[R(APIC_TASKPRI)], (cr8 & 0xf) << 4);
}

/* SDM 10.8.6.1: CR8 reads TPR[7:4]. */
u8 domino_lapic_get_cr8(struct domino_vcpu *v)
{
	struct domino_lapic *a = lapic(v);

	return a ? (READ_ONCE(a->reg[R(APIC_TASKPRI)]) >> 4) & 0xf : 0;
}

int domino_lapic_set_base(struct domino_vcpu *v, u64 val, bool host)
{
	struct domino_lapic *a = lapic(v);
	u64 old = v->apic_base;
	bool was_x2 = lapic_x2apic(v);

	if (!a)
		return -ENOENT;
	/* SDM 10.12.5: x2APIC without enable is invalid, as is x2APIC -> xAPIC. */
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN))
		return -EINVAL;
	if (!host && was_x2 && (val & APIC_BASE_EN) && !(val & APIC_BASE_EXTD))
		return -EINVAL;
	v->apic_base = val;
	if (lapic_x2apic(v) && !was_x2) {
		/* SDM 10.12.5.1: the x2APIC id is the full id, LDR derived. */
		WRITE_ONCE(a->reg[R(APIC_ID)], v->id);
		WRITE_ONCE(a->reg[R(APIC_LDR)], lapic_ldr_x2apic(v->id));
	} else if (!lapic_x2apic(v) && (was_x2 || !(old & APIC_BASE_EN))) {
		WRITE_ONCE(a->reg[R(APIC_ID)], v->id << 24);
		WRITE_ONCE(a->reg[R(APIC_LDR)], 0);
	}
	return 0;
}

static void lapic_reset(struct domino_lapic *a)
{
	unsigned int i;

	memset(a->reg, 0, sizeof(a->reg));
	a->reg[R(APIC_ID)] = a->v->id << 24;
	a->reg[R(APIC_LVR)] = LAPIC_VERSION | (LAPIC_MAX_LVT << 16);
	a->reg[R(APIC_DFR)] = 0xffffffff;
	a->reg[R(APIC_SPIV)] = 0xff;
	for (i = R(APIC_LVTT); i <= R(APIC_LVTERR); i++)
		a->reg[i] = APIC_LVT_MASKED;
}

int domino_lapic_create(struct domino_vcpu *v)
{
	struct domino_lapic *a = domino_kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);

	if (!a)
		return -ENOMEM;
	a->v = v;
	raw_spin_lock_init(&a->lock);
	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	a->timer.function = lapic_timer_fn;
	lapic_reset(a);
	v->lapic = a;
	return 0;
}

void domino_lapic_free(struct domino_vcpu *v)
{
	struct domino_lapic *a = lapic(v);

	if (!a)
		return;
	hrtimer_cancel(&a->timer);
	v->lapic = NULL;
	domino_kfree(a);
}
