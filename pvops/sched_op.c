// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_sched_op(cmd, arg) (include/xen/interface/sched.h).
 *
 *   SCHEDOP_yield          give the CPU up for a moment; 0
 *   SCHEDOP_shutdown       IN arg: struct sched_shutdown {reason}
 *       SHUTDOWN_poweroff, _reboot, _crash, _watchdog: the vCPU stops
 *       in the VMM (DOMINO_EXIT_XEN_SHUTDOWN), which applies the domain's
 *       on_poweroff/on_reboot/on_crash; the call returns 0 if the vCPU
 *       runs again. Domain 0 sees the domain shut down from then on
 *       (XEN_DOMINF_shutdown and the reason, pvops/dom0_ctl.c). _suspend
 *       and _soft_reset: -ENOSYS (no save/restore yet); a reason above
 *       SHUTDOWN_MAX: -EINVAL.
 *   SCHEDOP_shutdown_code  IN arg: struct sched_shutdown: the code the
 *       next shutdown exit reports; 0 (DOMINO_XEN_NO_CODE itself: -EINVAL)
 *   SCHEDOP_block          sleep until an event or an interrupt arrives
 *       (with IF clear too, as Xen's vcpu_unblock), as HLT; 0
 *   SCHEDOP_poll           IN arg: struct sched_poll {ports, nr_ports,
 *       timeout}: sleep until one of the ports (masked or not) is
 *       pending, an interrupt is deliverable, or guest system time
 *       reaches timeout (0: none); 0 then. nr_ports above 128: -EINVAL;
 *       a bad port: -EINVAL; the list unreadable: -EFAULT. A signal for
 *       the VMM restarts the call afterwards (a continuation).
 * SCHEDOP_remote_shutdown needs privilege: -EPERM. Others: -ENOSYS.
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>

#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

static long xen_shutdown(struct xen_call *c, bool code_only)
{
	struct domino_xen *x = c->v->d->xen;
	struct domino_run *run = c->v->run;
	struct sched_shutdown sd;

	if (c->copy_from(c, c->arg[1], &sd, sizeof(sd)))
		return -EFAULT;
	if (code_only) {
		/* That value tells the VMM no code was ever set. */
		if (sd.reason == DOMINO_XEN_NO_CODE)
			return -EINVAL;
		mutex_lock(&x->lock);
		WRITE_ONCE(x->shutdown_code, sd.reason);
		mutex_unlock(&x->lock);
		return 0;
	}
	switch (sd.reason) {
	case SHUTDOWN_poweroff:
	case SHUTDOWN_reboot:
	case SHUTDOWN_crash:
	case SHUTDOWN_watchdog:
		break;
	case SHUTDOWN_suspend:
	case SHUTDOWN_soft_reset:
		return -ENOSYS;
	default:
		return -EINVAL;
	}
	run->exit_reason = DOMINO_EXIT_XEN_SHUTDOWN;
	run->xen_shutdown.reason = sd.reason;
	mutex_lock(&x->lock);
	run->xen_shutdown.code = x->shutdown_code;
	/*
	 * Domain 0 sees the first shutdown's reason, or the code the guest
	 * set before it, as Xen's domain_shutdown() keeps it (one byte).
	 */
	if (x->shutdown_reason == XEN_NOT_SHUT_DOWN)
		WRITE_ONCE(x->shutdown_reason, x->shutdown_code == DOMINO_XEN_NO_CODE ?
			   sd.reason : (u8)x->shutdown_code);
	mutex_unlock(&x->lock);
	domino_xen_dom_exc();
	c->ret = 0;
	return XEN_HC_TO_VMM;
}

#define XEN_POLL_MAX_PORTS	128

/* struct sched_poll as a 32-bit caller lays it out. */
struct sched_poll_compat {
	u32 ports;
	u32 nr_ports;
	u64 timeout;
} __packed;

/* 1: one of @ports is pending; 0: none; -EINVAL: a bad port. */
static int xen_poll_any_pending(struct domino_domain *d, const u32 *ports,
				unsigned int nr)
{
	unsigned int i;
	int r;

	for (i = 0; i < nr; i++) {
		r = xen_evtchn_port_pending(d, ports[i]);
		if (r)
			return r;
	}
	return 0;
}

static long xen_poll(struct xen_call *c)
{
	struct domino_vcpu *v = c->v;
	struct domino_domain *d = v->d;
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);
	struct sched_poll_compat p32;
	struct sched_poll p;
	u32 ports[XEN_POLL_MAX_PORTS];
	u64 now, list;
	long r;

	if (c->compat) {
		if (c->copy_from(c, c->arg[1], &p32, sizeof(p32)))
			return -EFAULT;
		list = p32.ports;
		p.nr_ports = p32.nr_ports;
		p.timeout = p32.timeout;
	} else {
		if (c->copy_from(c, c->arg[1], &p, sizeof(p)))
			return -EFAULT;
		list = (u64)(unsigned long)p.ports;
	}
	if (p.nr_ports > XEN_POLL_MAX_PORTS)
		return -EINVAL;
	if (c->copy_from(c, list, ports, p.nr_ports * sizeof(u32)))
		return -EFAULT;
	r = xen_poll_any_pending(d, ports, p.nr_ports);
	if (r)
		return r < 0 ? r : 0;

	/* No ports: a sleep until the timeout or any wake-up, as on Xen. */
	if (p.nr_ports)
		WRITE_ONCE(xv->poll_port, p.nr_ports == 1 ? ports[0] : XEN_POLL_ANY);
	atomic_inc(&d->xen->nr_pollers);
	smp_mb__after_atomic();
	/* A sender that missed our poll_port set the bit before we looked. */
	r = xen_poll_any_pending(d, ports, p.nr_ports);
	if (r == 0) {
		xen_runstate_update(xv, RUNSTATE_blocked);
		now = xen_guest_time_ns(d);
		if (p.timeout && p.timeout <= now)
			r = 0;
		else if (p.timeout)
			r = wait_event_interruptible_hrtimeout(v->wq,
				atomic_read(&xv->poll_wake) || READ_ONCE(v->kicked) ||
				domino_xen_has_work(v),
				ns_to_ktime(p.timeout - now));
		else
			r = wait_event_interruptible(v->wq,
				atomic_read(&xv->poll_wake) || READ_ONCE(v->kicked) ||
				domino_xen_has_work(v));
		xen_runstate_update(xv, RUNSTATE_running);
	}
	WRITE_ONCE(xv->poll_port, 0);
	atomic_dec(&d->xen->nr_pollers);
	atomic_set(&xv->poll_wake, 0);
	/* A signal for the VMM: the call runs again when the vCPU does. */
	if (r == -ERESTARTSYS)
		return XEN_HC_CONTINUE;
	return 0;
}

long xen_sched_op(struct xen_call *c)
{
	switch (c->arg[0]) {
	case SCHEDOP_yield:
		/* The vCPU thread is preemptible here: let others run. */
		cond_resched();
		return 0;
	case SCHEDOP_shutdown:
		return xen_shutdown(c, false);
	case SCHEDOP_shutdown_code:
		return xen_shutdown(c, true);
	case SCHEDOP_remote_shutdown:
		return -EPERM;
	case SCHEDOP_block:
		/*
		 * HLT's sleep, but an event ends it even with IF clear (Xen's
		 * vcpu_unblock on each upcall); it is taken once IF is set.
		 */
		WRITE_ONCE(xen_vcpu_self(c->v)->blocked, true);
		c->v->mp_state = MP_HALTED;
		return 0;
	case SCHEDOP_poll:
		return xen_poll(c);
	default:
		return -ENOSYS;
	}
}
