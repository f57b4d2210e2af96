// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_vcpu_op(cmd, vcpuid, arg) (include/xen/interface/vcpu.h),
 * on vCPUs of the caller's own domain.
 *
 *   VCPUOP_register_vcpu_info  IN arg: struct vcpu_register_vcpu_info
 *       {mfn, offset, rsvd}: the vCPU's vcpu_info moves to that guest
 *       frame and offset, its contents (from the legacy shared_info slot
 *       where there is one) and its time with it. Once per vCPU (again:
 *       -EINVAL); the structure must fit in the page, 8-byte aligned, in
 *       guest RAM (-EINVAL otherwise).
 *   VCPUOP_set_singleshot_timer, stop_singleshot_timer,
 *   VCPUOP_set_periodic_timer, stop_periodic_timer: pvops/timer.c; the
 *       single-shot ones only on the calling vCPU (-EINVAL, as Xen).
 *   VCPUOP_register_runstate_memory_area: pvops/runstate.c.
 *   VCPUOP_get_runstate_info  OUT arg: the vCPU's runstate as last
 *       accounted (zero until it registered an area).
 *   VCPUOP_is_up: 1 unless the vCPU waits for its start-up IPI.
 * A vcpuid with no vCPU: -ENOENT. Other commands (up, down, initialise:
 * PVH vCPUs start through their LAPIC) -ENOSYS.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

static long xen_register_vcpu_info(struct xen_call *c, unsigned int id)
{
	struct domino_domain *d = c->v->d;
	struct domino_xen *x = d->xen;
	struct vcpu_register_vcpu_info r;
	struct vcpu_info vi;
	u64 gpa;
	long ret;

	if (c->copy_from(c, c->arg[2], &r, sizeof(r)))
		return -EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(vi) || (r.offset & 7) ||
	    r.mfn >= BIT_ULL(52 - PAGE_SHIFT))
		return -EINVAL;
	gpa = (r.mfn << PAGE_SHIFT) + r.offset;

	mutex_lock(&x->lock);
	/* Senders write the old place under this lock: none mid-move. */
	mutex_lock(&x->evtchn.lock);
	if (x->vcpu_info_gpa[id] != XEN_NO_GPA) {
		ret = -EINVAL;
		goto out;
	}
	memset(&vi, 0, sizeof(vi));
	vi.evtchn_upcall_mask = 1;
	if (id < MAX_VIRT_CPUS && x->shared_info_gpa != XEN_NO_GPA &&
	    domino_guest_read(d, x->shared_info_gpa +
			      offsetof(struct shared_info, vcpu_info[id]), &vi, sizeof(vi))) {
		ret = -EINVAL;
		goto out;
	}
	/* Not guest RAM, or read-only: the guest's argument was wrong. */
	if (domino_guest_write(d, gpa, &vi, sizeof(vi)) ||
	    xen_time_publish_vcpu_info(d, gpa)) {
		ret = -EINVAL;
		goto out;
	}
	x->vcpu_info_gpa[id] = gpa;
	ret = 0;
out:
	mutex_unlock(&x->evtchn.lock);
	mutex_unlock(&x->lock);
	return ret;
}

/* Ops on another vCPU's timers and state: its Xen state held still. */
static long xen_vcpu_op_locked(struct xen_call *c, unsigned int id)
{
	struct domino_domain *d = c->v->d;
	struct domino_xen_vcpu *xv = d->xen->vcpu[id];
	struct vcpu_set_periodic_timer pt;
	struct vcpu_runstate_info rs;
	struct domino_vcpu *v;

	if (!xv)
		return -ENOENT;
	v = xv->v;
	switch (c->arg[0]) {
	case VCPUOP_set_periodic_timer:
		if (c->copy_from(c, c->arg[2], &pt, sizeof(pt)))
			return -EFAULT;
		return pt.period_ns ? xen_set_periodic(xv, pt.period_ns) : -EINVAL;
	case VCPUOP_stop_periodic_timer:
		return xen_set_periodic(xv, 0);
	case VCPUOP_get_runstate_info:
		rs = xv->runstate;
		return c->copy_to(c, c->arg[2], &rs, sizeof(rs)) ? -EFAULT : 0;
	case VCPUOP_is_up:
		return READ_ONCE(v->mp_state) != MP_WAIT_SIPI;
	default:
		return -ENOSYS;
	}
}

long xen_vcpu_op(struct xen_call *c)
{
	struct domino_domain *d = c->v->d;
	struct domino_xen_vcpu *self = xen_vcpu_self(c->v);
	struct vcpu_set_singleshot_timer st;
	u64 id = c->arg[1];
	long r;

	if (id >= DOMINO_MAX_VCPUS || !READ_ONCE(d->vcpus[array_index_nospec(id, DOMINO_MAX_VCPUS)]))
		return -ENOENT;
	id = array_index_nospec(id, DOMINO_MAX_VCPUS);
	switch (c->arg[0]) {
	case VCPUOP_register_vcpu_info:
		return xen_register_vcpu_info(c, id);
	case VCPUOP_set_singleshot_timer:
		if (id != c->v->id)
			return -EINVAL;
		if (c->copy_from(c, c->arg[2], &st, sizeof(st)))
			return -EFAULT;
		return xen_set_singleshot(self, st.timeout_abs_ns,
					  st.flags & VCPU_SSHOTTMR_future);
	case VCPUOP_stop_singleshot_timer:
		if (id != c->v->id)
			return -EINVAL;
		xen_stop_singleshot(self);
		return 0;
	case VCPUOP_register_runstate_memory_area:
		if (id != c->v->id)
			return -EINVAL;
		return xen_register_runstate(c, self);
	default:
		mutex_lock(&d->xen->evtchn.lock);
		r = xen_vcpu_op_locked(c, id);
		mutex_unlock(&d->xen->evtchn.lock);
		return r;
	}
}
