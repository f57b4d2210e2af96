// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_memory_op(cmd, arg) (include/xen/interface/memory.h).
 *
 *   XENMEM_add_to_physmap  IN arg: struct xen_add_to_physmap
 *       domid: DOMID_SELF or the caller's own id (another domain's:
 *       -EPERM, that needs privilege); space XENMAPSPACE_shared_info
 *       with idx 0 places shared_info at gpfn, which must be guest RAM
 *       (-EINVAL otherwise; idx != 0: -EINVAL). Placing it again moves
 *       it, contents and all. Other spaces: -ENOSYS for now.
 * Other commands: -ENOSYS (ballooning, the memory map and reservations
 * come with the next steps, docs/xen.md).
 *
 * 32-bit callers pass the compat layout: idx and gpfn are 32 bits wide.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>

#include "domain.h"
#include "vcpu.h"
#include "alloc.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

/* xen_add_to_physmap for 32-bit callers (Xen's compat layout). */
struct xen_add_to_physmap_compat {
	u16 domid;
	u16 size;
	u32 space;
	u32 idx;
	u32 gpfn;
};

static int xen_place_shared_info(struct domino_domain *d, u64 gpa)
{
	struct domino_xen *x = d->xen;
	u8 *page;
	int r;

	page = domino_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!page)
		return -ENOMEM;
	mutex_lock(&x->lock);
	/* A move takes the contents along (pending events, masks). */
	if (x->shared_info_gpa != XEN_NO_GPA && x->shared_info_gpa != gpa &&
	    domino_guest_read(d, x->shared_info_gpa, page, PAGE_SIZE))
		memset(page, 0, PAGE_SIZE);
	r = domino_guest_write(d, gpa, page, PAGE_SIZE);
	if (!r) {
		x->shared_info_gpa = gpa;
		r = xen_time_publish(d, gpa);
	}
	mutex_unlock(&x->lock);
	domino_kfree(page);
	/* Not guest RAM (or no longer): the guest's argument was wrong. */
	return r == -ENOMEM ? r : r ? -EINVAL : 0;
}

static long xen_add_to_physmap(struct xen_call *c)
{
	struct xen_add_to_physmap_compat c32;
	struct xen_add_to_physmap a;

	if (c->compat) {
		if (c->copy_from(c, c->arg[1], &c32, sizeof(c32)))
			return -EFAULT;
		a.domid = c32.domid;
		a.size = c32.size;
		a.space = c32.space;
		a.idx = c32.idx;
		a.gpfn = c32.gpfn;
	} else if (c->copy_from(c, c->arg[1], &a, sizeof(a))) {
		return -EFAULT;
	}
	if (!xen_domid_self(c, a.domid))
		return -EPERM;
	switch (a.space) {
	case XENMAPSPACE_shared_info:
		if (a.idx)
			return -EINVAL;
		/* A frame number the guest's physical address width can hold. */
		if (a.gpfn >= BIT_ULL(52 - PAGE_SHIFT))
			return -EINVAL;
		return xen_place_shared_info(c->v->d, (u64)a.gpfn << PAGE_SHIFT);
	default:
		return -ENOSYS;
	}
}

long xen_memory_op(struct xen_call *c)
{
	/* Bits above the command carry a continuation's progress in Xen. */
	switch (c->arg[0]) {
	case XENMEM_add_to_physmap:
		return xen_add_to_physmap(c);
	default:
		return -ENOSYS;
	}
}
