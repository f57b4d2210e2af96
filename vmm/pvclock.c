// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual clock of KVM's guest ABI (Documentation/virt/kvm/x86/
 * msr.rst): the guest names a page for its wall clock and, per vCPU, one
 * for struct pvclock_vcpu_time_info; the host fills them so the guest can
 * turn its TSC into nanoseconds without calibrating against a timer chip.
 * The same structure is Xen's vcpu_time_info, which the Xen ABI will
 * reuse. Guest memory is written only through domino_guest_write().
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "domain.h"
#include "vcpu.h"
#include "irqchip.h"

#define PVCLOCK_ENABLE		BIT_ULL(0)

/*
 * A test hook, off in every real use: the lab's self-check (docs/lab.md)
 * sets it to show that its guest time check fails a clock that runs at
 * twice the host's rate. It applies to clocks a guest registers after it
 * is set.
 */
static bool test_clock_2x;
module_param(test_clock_2x, bool, 0644);
MODULE_PARM_DESC(test_clock_2x, "Test hook: guests' pvclock runs at twice the host's rate (default off)");

void domino_pvclock_init(struct domino_domain *d)
{
	/* Guest system time counts from domain creation. */
	d->pvclock_base_ns = ktime_get_ns();
}

/*
 * Scale so that ns = ((tsc_delta << shift) * mul) >> 32, shift possibly
 * negative (a right shift), with mul as large as fits for precision.
 */
static void pvclock_scale(u64 tsc_hz, u32 *mul, s8 *shift)
{
	u64 num = NSEC_PER_SEC, den = tsc_hz;
	int s = 0;

	while (den <= num) {
		num >>= 1;
		s++;
	}
	while (den > 2 * num) {
		den >>= 1;
		s--;
	}
	*mul = div64_u64(num << 32, den);
	*shift = s;
}

/*
 * The time a guest's clock starts from now, for a TSC @tsc_offset ahead
 * of the host's: KVM's kvmclock and Xen's vcpu_time_info alike.
 */
void domino_pvclock_fill(struct domino_domain *d, s64 tsc_offset,
			 struct pvclock_vcpu_time_info *t)
{
	unsigned long flags;
	u64 tsc, now;

	memset(t, 0, sizeof(*t));
	pvclock_scale((u64)tsc_khz * 1000, &t->tsc_to_system_mul, &t->tsc_shift);
	if (READ_ONCE(test_clock_2x))
		t->tsc_shift++;
	local_irq_save(flags);
	tsc = rdtsc();
	now = ktime_get_ns();
	local_irq_restore(flags);
	t->tsc_timestamp = tsc + tsc_offset;
	t->system_time = now - d->pvclock_base_ns;
	/* One TSC for all vCPUs, constant and running in every state. */
	if (boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	    boot_cpu_has(X86_FEATURE_NONSTOP_TSC))
		t->flags = PVCLOCK_TSC_STABLE_BIT;
}

/* Into guest memory, with an odd version while the fields change. */
int domino_pvclock_publish(struct domino_domain *d, u64 gpa,
			   struct pvclock_vcpu_time_info *t)
{
	int r;

	t->version = 1;
	r = domino_guest_write(d, gpa, t, sizeof(*t));
	if (r)
		return r;
	t->version = 2;
	return domino_guest_write(d, gpa, &t->version, sizeof(t->version));
}

/* Wall time at guest system time 0. */
void domino_pvclock_wall(struct domino_domain *d, struct pvclock_wall_clock *w)
{
	struct timespec64 boot;
	u64 up_ns;

	ktime_get_real_ts64(&boot);
	up_ns = ktime_get_ns() - d->pvclock_base_ns;
	boot = timespec64_sub(boot, ns_to_timespec64(up_ns));
	memset(w, 0, sizeof(*w));
	w->sec = boot.tv_sec;
	w->nsec = boot.tv_nsec;
}

static int pvclock_write_time(struct domino_vcpu *v, u64 gpa)
{
	struct pvclock_vcpu_time_info t;

	domino_pvclock_fill(v->d, v->tsc_offset, &t);
	return domino_pvclock_publish(v->d, gpa, &t);
}

static int pvclock_write_wall(struct domino_vcpu *v, u64 gpa)
{
	struct pvclock_wall_clock w;
	int r;

	domino_pvclock_wall(v->d, &w);
	w.version = 1;
	r = domino_guest_write(v->d, gpa, &w, sizeof(w));
	if (r)
		return r;
	w.version = 2;
	return domino_guest_write(v->d, gpa, &w.version, sizeof(w.version));
}

int domino_pvclock_msr_get(struct domino_vcpu *v, u32 index, u64 *val)
{
	if (!(v->d->flags & DOMINO_DOMAIN_IRQCHIP))
		return -ENOENT;
	switch (index) {
	case DOMINO_MSR_KVM_SYSTEM_TIME_NEW:
		*val = v->pvclock_msr;
		return 0;
	case DOMINO_MSR_KVM_WALL_CLOCK_NEW:
		*val = v->d->pvclock_wall_msr;
		return 0;
	default:
		return -ENOENT;
	}
}

int domino_pvclock_msr_set(struct domino_vcpu *v, u32 index, u64 val)
{
	if (!(v->d->flags & DOMINO_DOMAIN_IRQCHIP))
		return -ENOENT;
	switch (index) {
	case DOMINO_MSR_KVM_SYSTEM_TIME_NEW:
		/* Bit 0 enables; the structure is 32 bytes, 4-byte aligned. */
		if (val & 6)
			return -EINVAL;
		v->pvclock_msr = val;
		if (!(val & PVCLOCK_ENABLE))
			return 0;
		/* Memory that is not RAM: the guest gets #GP, the host nothing. */
		return pvclock_write_time(v, val & ~PVCLOCK_ENABLE) ? -EINVAL : 0;
	case DOMINO_MSR_KVM_WALL_CLOCK_NEW:
		v->d->pvclock_wall_msr = val;
		return pvclock_write_wall(v, val) ? -EINVAL : 0;
	default:
		return -ENOENT;
	}
}
