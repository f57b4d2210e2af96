// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_sched_op(cmd, arg) (include/xen/interface/sched.h).
 *
 *   SCHEDOP_yield          give the CPU up for a moment; 0
 *   SCHEDOP_shutdown       IN arg: struct sched_shutdown {reason}
 *       SHUTDOWN_poweroff, _reboot, _crash, _watchdog: the vCPU stops
 *       in the VMM (DOMINO_EXIT_XEN_SHUTDOWN), which applies the domain's
 *       on_poweroff/on_reboot/on_crash; the call returns 0 if the vCPU
 *       runs again. _suspend and _soft_reset: -ENOSYS (no save/restore
 *       yet); a reason above SHUTDOWN_MAX: -EINVAL.
 *   SCHEDOP_shutdown_code  IN arg: struct sched_shutdown: the code the
 *       next shutdown exit reports; 0 (DOMINO_XEN_NO_CODE itself: -EINVAL)
 * SCHEDOP_block and SCHEDOP_poll wait for event channels: -ENOSYS until
 * they exist. SCHEDOP_remote_shutdown needs privilege: -EPERM. Others:
 * -ENOSYS.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
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
		x->shutdown_code = sd.reason;
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
	mutex_unlock(&x->lock);
	c->ret = 0;
	return XEN_HC_TO_VMM;
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
	default:
		return -ENOSYS;
	}
}
