// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_hvm_op(cmd, arg) (include/xen/interface/hvm/hvm_op.h).
 *
 *   HVMOP_set_param  IN arg: struct xen_hvm_param {domid, index, value}
 *   HVMOP_get_param  IN/OUT arg: the same, value filled in
 *       domid: DOMID_SELF or the caller's own id, else -EPERM; index
 *       below HVM_NR_PARAMS, else -EINVAL. A guest may set only
 *       HVM_PARAM_CALLBACK_IRQ: 0 (off), a vector (type
 *       HVM_PARAM_CALLBACK_TYPE_VECTOR, vector 0x10-0xff), or a GSI
 *       (type 0, below 48): the other parameters (store and console
 *       pages and ports, ...) are the toolstack's, -EPERM. Reading any
 *       of them is allowed. Upcalls arrive through the callback vector
 *       or a per-vCPU vector; a GSI is recorded but not driven (Linux
 *       sets GSI 1 next to per-vCPU vectors only to look enlightened),
 *       so a guest relying on GSI delivery alone gets no upcalls.
 *   HVMOP_set_evtchn_upcall_vector  IN arg: {vcpu, vector}: that vCPU's
 *       upcalls come through its LAPIC at vector (edge-triggered, the
 *       guest EOIs), in preference to the callback. vector below 0x10:
 *       -EINVAL; no such vCPU: -ENOENT.
 * Other commands: -ENOSYS.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>

#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

#define CALLBACK_TYPE_SHIFT	56

#define XEN_CALLBACK_GSI_MAX	48

static bool xen_callback_valid(u64 val)
{
	u64 vector = val & 0xff;

	if (!val)
		return true;
	if (val >> CALLBACK_TYPE_SHIFT == HVM_PARAM_CALLBACK_TYPE_GSI)
		return val < XEN_CALLBACK_GSI_MAX;
	return val >> CALLBACK_TYPE_SHIFT == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
	       !(val & GENMASK_ULL(CALLBACK_TYPE_SHIFT - 1, 8)) && vector >= 0x10;
}

static long xen_set_upcall_vector(struct xen_call *c)
{
	struct domino_domain *d = c->v->d;
	struct xen_hvm_evtchn_upcall_vector uv;
	struct domino_xen_vcpu *xv;
	long r = -ENOENT;

	if (c->copy_from(c, c->arg[1], &uv, sizeof(uv)))
		return -EFAULT;
	if (uv.vector < 0x10)
		return -EINVAL;
	mutex_lock(&d->xen->evtchn.lock);
	xv = uv.vcpu < DOMINO_MAX_VCPUS ?
	     d->xen->vcpu[array_index_nospec(uv.vcpu, DOMINO_MAX_VCPUS)] : NULL;
	if (xv) {
		xv->upcall_vector = uv.vector;
		/* Events already waiting come through the new vector (Xen's). */
		xen_vcpu_upcall_resend(d, uv.vcpu);
		r = 0;
	}
	mutex_unlock(&d->xen->evtchn.lock);
	return r;
}

static long xen_hvm_param(struct xen_call *c, bool set)
{
	struct domino_xen *x = c->v->d->xen;
	struct xen_hvm_param p;
	u32 idx;

	if (c->copy_from(c, c->arg[1], &p, sizeof(p)))
		return -EFAULT;
	if (!xen_domid_self(c, p.domid))
		return -EPERM;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	idx = array_index_nospec(p.index, HVM_NR_PARAMS);
	if (set) {
		if (idx != HVM_PARAM_CALLBACK_IRQ)
			return -EPERM;
		if (!xen_callback_valid(p.value))
			return -EINVAL;
		mutex_lock(&x->lock);
		x->params[idx] = p.value;
		mutex_unlock(&x->lock);
		return 0;
	}
	mutex_lock(&x->lock);
	p.value = x->params[idx];
	mutex_unlock(&x->lock);
	return c->copy_to(c, c->arg[1], &p, sizeof(p));
}

static_assert(DOMINO_XEN_NR_PARAMS == HVM_NR_PARAMS);

long xen_host_param(struct domino_domain *d, struct domino_xen_param *p, bool set)
{
	struct domino_xen *x = d->xen;
	u32 idx;

	if (p->pad || p->index >= HVM_NR_PARAMS)
		return -EINVAL;
	idx = array_index_nospec(p->index, HVM_NR_PARAMS);
	/* The guest's own choice; the host reads it. */
	if (set && idx == HVM_PARAM_CALLBACK_IRQ)
		return -EPERM;
	/* A hypercall may hold it across a stalled access to guest memory. */
	if (mutex_lock_killable(&x->lock))
		return -EINTR;
	if (set)
		x->params[idx] = p->value;
	else
		p->value = x->params[idx];
	mutex_unlock(&x->lock);
	return 0;
}

long xen_hvm_op(struct xen_call *c)
{
	switch (c->arg[0]) {
	case HVMOP_set_param:
		return xen_hvm_param(c, true);
	case HVMOP_get_param:
		return xen_hvm_param(c, false);
	case HVMOP_set_evtchn_upcall_vector:
		return xen_set_upcall_vector(c);
	default:
		return -ENOSYS;
	}
}
