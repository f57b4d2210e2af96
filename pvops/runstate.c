// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's runstate area (include/xen/interface/vcpu.h), where a guest
 * reads its steal time:
 *
 *   VCPUOP_register_runstate_memory_area IN {addr}: a guest virtual
 *       address in the caller's address space (Xen keeps the handle; here
 *       it is translated once, page by page, at registration: the guest's
 *       kernel mapping of it does not move). 0 unregisters. Not mapped:
 *       -EFAULT. Only the calling vCPU's own area (-EINVAL for another:
 *       its page tables could differ).
 *   vm_assist(VMASST_CMD_enable/disable, VMASST_TYPE_runstate_update_flag):
 *       updates set XEN_RUNSTATE_UPDATE in state_entry_time while the
 *       area is inconsistent. Other assists: -EINVAL (an HVM guest has
 *       only this one).
 *
 * Steal time is real: the time the vCPU's thread waited for a host CPU
 * (the scheduler's run_delay, as KVM's steal time uses) counts as
 * RUNSTATE_runnable; time asleep in HLT, SCHEDOP_block or SCHEDOP_poll
 * as RUNSTATE_blocked; the rest as RUNSTATE_running.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#include "domain.h"
#include "gmem.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

static void runstate_write(struct domino_xen_vcpu *xv, u32 off, const void *buf,
			   u32 len)
{
	struct domino_domain *d = xv->v->d;
	u32 first = 0;

	if (off < xv->runstate_split) {
		first = min(len, xv->runstate_split - off);
		domino_guest_write(d, xv->runstate_gpa[0] + off, buf, first);
	}
	if (first < len)
		domino_guest_write(d, xv->runstate_gpa[1] + off + first - xv->runstate_split,
				   buf + first, len - first);
}

static void runstate_publish(struct domino_xen_vcpu *xv)
{
	struct vcpu_runstate_info *rs = &xv->runstate;
	bool flag = READ_ONCE(xv->v->d->xen->runstate_flag);
	u64 entry = rs->state_entry_time;
	const u32 off = offsetof(struct vcpu_runstate_info, state_entry_time);

	if (flag) {
		u64 busy = entry | XEN_RUNSTATE_UPDATE;

		runstate_write(xv, off, &busy, sizeof(busy));
		smp_wmb();
		rs->state_entry_time = busy;
	}
	runstate_write(xv, 0, rs, sizeof(*rs));
	if (flag) {
		smp_wmb();
		rs->state_entry_time = entry;
		runstate_write(xv, off, &entry, sizeof(entry));
	}
}

/* Account the time since the last call and enter @state (the vCPU's thread). */
void xen_runstate_update(struct domino_xen_vcpu *xv, int state)
{
	struct vcpu_runstate_info *rs = &xv->runstate;
	u64 now = xen_guest_time_ns(xv->v->d);
	u64 delay = current->sched_info.run_delay;
	u64 elapsed, steal;

	if (!xv->runstate_on)
		return;
	steal = delay - xv->run_delay;
	if (state == rs->state && !steal)
		return;
	elapsed = now > rs->state_entry_time ? now - rs->state_entry_time : 0;
	steal = min(steal, elapsed);
	rs->time[rs->state] += elapsed - steal;
	rs->time[RUNSTATE_runnable] += steal;
	rs->state = state;
	rs->state_entry_time = now;
	xv->run_delay = delay;
	runstate_publish(xv);
}

long xen_register_runstate(struct xen_call *c, struct domino_xen_vcpu *xv)
{
	struct vcpu_register_runstate_memory_area a;
	const u32 len = sizeof(struct vcpu_runstate_info);
	u64 gva, gpa0, gpa1 = 0;
	u32 split;

	if (xv != xen_vcpu_self(c->v))
		return -EINVAL;
	if (c->copy_from(c, c->arg[2], &a, sizeof(a)))
		return -EFAULT;
	gva = c->compat ? (u32)a.addr.p : a.addr.p;
	if (!gva) {
		xv->runstate_on = false;
		return 0;
	}
	if (domino_guest_translate(c->v, gva, &gpa0))
		return -EFAULT;
	split = min_t(u64, len, PAGE_SIZE - (gva & ~PAGE_MASK));
	if (split < len && domino_guest_translate(c->v, gva + split, &gpa1))
		return -EFAULT;
	xv->runstate_gpa[0] = gpa0;
	xv->runstate_gpa[1] = gpa1;
	xv->runstate_split = split;
	if (!xv->runstate_on) {
		memset(&xv->runstate, 0, sizeof(xv->runstate));
		xv->runstate.state = RUNSTATE_running;
		xv->runstate.state_entry_time = xen_guest_time_ns(c->v->d);
		xv->run_delay = current->sched_info.run_delay;
		xv->runstate_on = true;
	}
	runstate_publish(xv);
	return 0;
}

long xen_vm_assist(struct xen_call *c)
{
	struct domino_xen *x = c->v->d->xen;

	if (c->arg[1] != VMASST_TYPE_runstate_update_flag)
		return -EINVAL;
	switch (c->arg[0]) {
	case VMASST_CMD_enable:
		WRITE_ONCE(x->runstate_flag, true);
		return 0;
	case VMASST_CMD_disable:
		WRITE_ONCE(x->runstate_flag, false);
		return 0;
	default:
		return -EINVAL;
	}
}
