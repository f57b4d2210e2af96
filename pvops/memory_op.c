// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_memory_op(cmd, arg) (include/xen/interface/memory.h). cmd's
 * low MEMOP_EXTENT_SHIFT bits name the command; the bits above carry a
 * continuation's progress.
 *
 *   XENMEM_add_to_physmap  IN arg: struct xen_add_to_physmap
 *       domid: DOMID_SELF or the caller's own id (another domain's:
 *       -EPERM, that needs privilege; no such domain: -ESRCH); space
 *       XENMAPSPACE_shared_info with idx 0 places shared_info at gpfn,
 *       which must be guest RAM (-EINVAL otherwise, a frame given back
 *       included; idx != 0: -EINVAL). Placing it again moves it, contents
 *       and all. XENMAPSPACE_grant_table: grant_table.c. Other spaces:
 *       -ENOSYS for now. Progress bits above 16 bits: -EDOM.
 *   XENMEM_memory_map  IN/OUT arg: struct xen_memory_map {nr_entries,
 *       buffer}: the domain's E820 map, as many entries as nr_entries
 *       allows (the rest are left out, nr_entries says how many were
 *       written). Domino's module is not told the map the VMM gives the
 *       guest (the PVH start info's, in guest memory), so it derives it
 *       from the memory slots: their ranges in address order, adjacent
 *       ones of a kind merged, writable RAM as E820_TYPE_RAM and
 *       read-only slots (ROM) as E820_TYPE_RESERVED. Frames given back
 *       stay in it, as in Xen's map. No slots: -ENOSYS (Xen's answer
 *       for a domain without a map); bad pointers -EFAULT.
 *   XENMEM_decrease_reservation, XENMEM_populate_physmap,
 *   XENMEM_current_reservation, XENMEM_maximum_reservation: balloon.c.
 * Other commands, and progress bits on commands that take none: -ENOSYS.
 *
 * 32-bit callers pass the compat layouts: idx and gpfn are 32 bits wide,
 * and so is the memory map's buffer pointer.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/bootparam.h>
#include <asm/e820/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>

#include "domain.h"
#include "vcpu.h"
#include "alloc.h"
#include "hypercall.h"
#include "memory_op.h"
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
	/* Senders write the old place under this lock: none mid-move. */
	mutex_lock(&x->evtchn.lock);
	/* A move takes the contents along (pending events, masks). */
	if (x->shared_info_gpa != XEN_NO_GPA && x->shared_info_gpa != gpa &&
	    domino_guest_read(d, x->shared_info_gpa, page, PAGE_SIZE))
		memset(page, 0, PAGE_SIZE);
	r = domino_guest_write(d, gpa, page, PAGE_SIZE);
	if (!r) {
		x->shared_info_gpa = gpa;
		r = xen_time_publish(d, gpa);
	}
	mutex_unlock(&x->evtchn.lock);
	mutex_unlock(&x->lock);
	domino_kfree(page);
	/* Not guest RAM (or no longer): the guest's argument was wrong. */
	return r == -ENOMEM ? r : r ? -EINVAL : 0;
}

static long xen_add_to_physmap(struct xen_call *c)
{
	struct xen_add_to_physmap_compat c32;
	struct xen_add_to_physmap a;
	int r;

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
	r = xen_domid_check(c, a.domid);
	if (r)
		return r;
	switch (a.space) {
	case XENMAPSPACE_shared_info:
		if (a.idx)
			return -EINVAL;
		/* A frame number the guest's physical address width can hold. */
		if (a.gpfn >= BIT_ULL(52 - PAGE_SHIFT))
			return -EINVAL;
		return xen_place_shared_info(c->v->d, (u64)a.gpfn << PAGE_SHIFT);
	case XENMAPSPACE_grant_table:
		return xen_gnttab_add_to_physmap(c->v->d, a.idx, a.gpfn);
	default:
		return -ENOSYS;
	}
}

/* struct xen_memory_map for 32-bit callers. */
struct xen_memory_map_compat {
	u32 nr_entries;
	u32 buffer;
};

/* The E820 map the slots describe, in @e (DOMINO_MAX_MEMORY_SLOTS entries). */
static unsigned int xen_e820_from_slots(struct domino_domain *d,
					struct boot_e820_entry *e)
{
	unsigned int i, n = 0;
	u64 from = 0;

	mutex_lock(&d->slots_lock);
	for (;;) {
		const struct domino_memslot *next = NULL;
		u32 type;

		/* Slots do not overlap: the next one starts at or after @from. */
		for (i = 0; i < DOMINO_MAX_MEMORY_SLOTS; i++) {
			const struct domino_memslot *s = &d->slots[i];

			if (s->size && s->gpa >= from && (!next || s->gpa < next->gpa))
				next = s;
		}
		if (!next)
			break;
		type = next->flags & DOMINO_MEM_READONLY ? E820_TYPE_RESERVED :
							     E820_TYPE_RAM;
		if (n && e[n - 1].type == type &&
		    e[n - 1].addr + e[n - 1].size == next->gpa) {
			e[n - 1].size += next->size;
		} else {
			e[n].addr = next->gpa;
			e[n].size = next->size;
			e[n].type = type;
			n++;
		}
		from = next->gpa + next->size;
	}
	mutex_unlock(&d->slots_lock);
	return n;
}

static long xen_memory_map(struct xen_call *c)
{
	struct xen_memory_map_compat m32;
	struct xen_memory_map m64;
	struct boot_e820_entry *e;
	unsigned int nr, n;
	u64 buffer;
	long r = 0;

	if (c->compat) {
		if (c->copy_from(c, c->arg[1], &m32, sizeof(m32)))
			return -EFAULT;
		nr = m32.nr_entries;
		buffer = m32.buffer;
	} else {
		if (c->copy_from(c, c->arg[1], &m64, sizeof(m64)))
			return -EFAULT;
		nr = m64.nr_entries;
		buffer = (u64)(uintptr_t)m64.buffer;
	}
	e = domino_kzalloc(DOMINO_MAX_MEMORY_SLOTS * sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	n = xen_e820_from_slots(c->v->d, e);
	if (!n) {
		r = -ENOSYS;
		goto out;
	}
	/* As Xen: fewer entries when the buffer is smaller, never an error. */
	nr = min(nr, n);
	m32.nr_entries = nr;
	m64.nr_entries = nr;
	if (c->copy_to(c, buffer, e, nr * sizeof(*e)) ||
	    (c->compat ? c->copy_to(c, c->arg[1], &m32, sizeof(m32)) :
			 c->copy_to(c, c->arg[1], &m64, sizeof(m64))))
		r = -EFAULT;
out:
	domino_kfree(e);
	return r;
}

long xen_memory_op(struct xen_call *c)
{
	unsigned int op = c->arg[0] & MEMOP_CMD_MASK;
	unsigned long start = c->arg[0] >> MEMOP_EXTENT_SHIFT;

	switch (op) {
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return xen_reservation_op(c, op, start);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return xen_reservation_query(c, op, start);
	case XENMEM_add_to_physmap:
		/* Progress for XENMAPSPACE_gmfn_range, a 16-bit count in Xen. */
		if (start > U16_MAX)
			return -EDOM;
		return xen_add_to_physmap(c);
	case XENMEM_memory_map:
		/* Xen's arch_memory_op() matches the whole cmd. */
		return start ? -ENOSYS : xen_memory_map(c);
	default:
		return -ENOSYS;
	}
}
