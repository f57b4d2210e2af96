// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_hvm_op(cmd, arg) (include/xen/interface/hvm/hvm_op.h).
 *
 *   HVMOP_set_param  IN arg: struct xen_hvm_param {domid, index, value}
 *   HVMOP_get_param  IN/OUT arg: the same, value filled in
 *       domid: DOMID_SELF or the caller's own id, else -EPERM; index
 *       below HVM_NR_PARAMS, else -EINVAL. A guest may set only
 *       HVM_PARAM_CALLBACK_IRQ, and only to 0 (off) or a vector (type
 *       HVM_PARAM_CALLBACK_TYPE_VECTOR, vector 0x10-0xff): the other
 *       parameters (store and console pages and ports, ...) are the
 *       toolstack's, -EPERM. Reading any of them is allowed.
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

static bool xen_callback_valid(u64 val)
{
	u64 vector = val & 0xff;

	if (!val)
		return true;
	return val >> CALLBACK_TYPE_SHIFT == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
	       !(val & GENMASK_ULL(CALLBACK_TYPE_SHIFT - 1, 8)) && vector >= 0x10;
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

long xen_hvm_op(struct xen_call *c)
{
	switch (c->arg[0]) {
	case HVMOP_set_param:
		return xen_hvm_param(c, true);
	case HVMOP_get_param:
		return xen_hvm_param(c, false);
	default:
		return -ENOSYS;
	}
}
