// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's per-vCPU timers, which raise VIRQ_TIMER:
 *
 *   VCPUOP_set_singleshot_timer IN {timeout_abs_ns, flags}: one expiry at
 *       guest system time timeout_abs_ns (the clock in vcpu_time_info).
 *       With VCPU_SSHOTTMR_future a deadline already past is -ETIME, else
 *       it fires at once. Deadlines past 2^50 ns from now are brought in
 *       to that (Xen's wrap guard).
 *   VCPUOP_stop_singleshot_timer
 *   VCPUOP_set_periodic_timer IN {period_ns}: 1 ms to 2^62 ns (-EINVAL)
 *   VCPUOP_stop_periodic_timer
 *   set_timer_op(timeout): the single-shot timer without the flag; 0
 *       stops it.
 * The hrtimer only notes the expiry and kicks the vCPU; the vCPU's own
 * thread raises the VIRQ on its way into the guest (guest memory is its
 * VMM's).
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <xen/interface/xen.h>

#include "domain.h"
#include "irqchip.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

#define XEN_TIMER_HORIZON	BIT_ULL(50)
#define XEN_PERIOD_MIN		NSEC_PER_MSEC
#define XEN_PERIOD_MAX		BIT_ULL(62)

u64 xen_guest_time_ns(struct domino_domain *d)
{
	return ktime_get_ns() - d->pvclock_base_ns;
}

static enum hrtimer_restart xen_timer_fn(struct hrtimer *t)
{
	struct domino_xen_vcpu *xv = container_of(t, struct domino_xen_vcpu, timer);

	atomic_set(&xv->timer_fired, 1);
	domino_vcpu_kick(xv->v);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart xen_periodic_fn(struct hrtimer *t)
{
	struct domino_xen_vcpu *xv = container_of(t, struct domino_xen_vcpu, periodic);

	atomic_set(&xv->timer_fired, 1);
	domino_vcpu_kick(xv->v);
	hrtimer_forward_now(t, ns_to_ktime(xv->period_ns));
	return HRTIMER_RESTART;
}

void xen_timer_init(struct domino_xen_vcpu *xv)
{
	hrtimer_init(&xv->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	xv->timer.function = xen_timer_fn;
	hrtimer_init(&xv->periodic, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	xv->periodic.function = xen_periodic_fn;
}

void xen_timer_stop_all(struct domino_xen_vcpu *xv)
{
	hrtimer_cancel(&xv->timer);
	hrtimer_cancel(&xv->periodic);
}

long xen_set_singleshot(struct domino_xen_vcpu *xv, u64 deadline, bool future)
{
	struct domino_domain *d = xv->v->d;
	u64 now = xen_guest_time_ns(d);

	if (future && deadline < now)
		return -ETIME;
	if (deadline > now && deadline - now > XEN_TIMER_HORIZON)
		deadline = now + XEN_TIMER_HORIZON;
	xv->timer_ns = deadline;
	hrtimer_start(&xv->timer, ns_to_ktime(deadline + d->pvclock_base_ns),
		      HRTIMER_MODE_ABS_HARD);
	return 0;
}

void xen_stop_singleshot(struct domino_xen_vcpu *xv)
{
	hrtimer_cancel(&xv->timer);
}

long xen_set_periodic(struct domino_xen_vcpu *xv, u64 period_ns)
{
	if (!period_ns) {
		hrtimer_cancel(&xv->periodic);
		return 0;
	}
	if (period_ns < XEN_PERIOD_MIN || period_ns > XEN_PERIOD_MAX)
		return -EINVAL;
	hrtimer_cancel(&xv->periodic);
	xv->period_ns = period_ns;
	hrtimer_start(&xv->periodic, ns_to_ktime(period_ns), HRTIMER_MODE_REL_HARD);
	return 0;
}

long xen_set_timer_op(struct xen_call *c)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(c->v);
	u64 timeout = c->arg[0];

	/* A 32-bit caller passes the 64-bit deadline in two registers. */
	if (c->compat)
		timeout = (u64)(u32)c->arg[1] << 32 | (u32)c->arg[0];
	if (!timeout) {
		xen_stop_singleshot(xv);
		return 0;
	}
	return xen_set_singleshot(xv, timeout, false);
}
