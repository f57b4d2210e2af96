// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables, the guest's side (the in-use flags, copies and domain 0's
 * maps are pvops/grant_copy.c's): HYPERVISOR_grant_table_op(cmd, uop,
 * count) (include/xen/interface/grant_table.h) and the table's frames
 * (XENMEM_add_to_physmap with XENMAPSPACE_grant_table), with Xen 4.17's
 * answers to an HVM or PVH domU. As Xen's hvm_grant_table_op does, only
 * the commands below reach the table; any other, and a cmd with bits
 * above the command, is -ENOSYS. A count that is negative as an int is
 * -EINVAL (Xen's do_grant_table_op).
 *
 *   GNTTABOP_query_size   IN {dom} OUT {nr_frames, max_nr_frames, status}
 *       count must be 1 (-EINVAL). dom: the caller's; no such domain:
 *       status GNTST_bad_domain; another one: GNTST_permission_denied.
 *   GNTTABOP_setup_table  IN {dom, nr_frames, frame_list} OUT {status}
 *       count 1 (-EINVAL; a 32-bit caller's 0 does nothing, as in Xen's
 *       compat layer). Grows the table to nr_frames (more than the
 *       maximum: GNTST_general_error) and writes where each frame is
 *       placed, ~0 for one the guest has not placed (Xen's INVALID_GFN);
 *       a list Domino cannot write: GNTST_bad_virt_addr. A PVH Linux
 *       places its frames with add_to_physmap instead.
 *   GNTTABOP_set_version  IN/OUT {version}: 1 is accepted (0); 2 is
 *       -ENOMEM, what Xen answers a domain created with
 *       max_grant_version = 1, which every Domino domain is; others
 *       -EINVAL. The version in force (1) is written back each time.
 *   GNTTABOP_get_version  IN {dom} OUT {version}: 1; another domain
 *       -EPERM, none such -ESRCH.
 *   GNTTABOP_copy         count struct gnttab_copy: see gnt_copy_one().
 *       Each op's status is written into it; the call returns 0, or
 *       -EFAULT when an op cannot be read or its status written (the ops
 *       before it are done).
 *   GNTTABOP_swap_grant_ref  count {ref_a, ref_b, status}: swaps two of
 *       the caller's entries; a ref past the table GNTST_bad_gntref, one
 *       in use by a copy GNTST_eagain.
 *   GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref: -ENOSYS. Xen maps
 *       the granted frame into an HVM caller's physmap at host_addr;
 *       Domino does not map grants into a domain yet (dom0's mappings come
 *       through /dev/xen/gntdev), and Linux takes -ENOSYS as a failed map.
 * copy and swap_grant_ref do at most XEN_GNT_BUDGET ops per entry (sooner
 * when the host wants the CPU) and continue as Xen does: uop moved past
 * the ops done, count lowered by them, and the guest executes the call
 * again.
 *
 * The table is version 1 (struct grant_entry_v1: flags, domid, frame).
 * Its frames are pages of the module (pvops/grant_table.h); the first
 * exists from creation (Xen's INITIAL_NR_GRANT_FRAMES), up to
 * XEN_GNTTAB_MAX_FRAMES. XENMEM_add_to_physmap places frame idx at gpfn:
 *   idx at or past the maximum (XENMAPIDX_grant_table_status included:
 *   version 2 only) or a gpfn past the guest's physical address width:
 *   -EINVAL. What was at gpfn goes, as in Xen's add_to_physmap: guest RAM
 *   goes back to the host as if given back with decrease_reservation (the
 *   reservation drops by one; populate_physmap brings it back once the
 *   frame moves on), another grant frame is unhooked (not placed), a hole
 *   stays a hole behind the frame. A frame placed before leaves its old
 *   place, which becomes whatever is there without it (a frame given back
 *   stays given back), and keeps its contents.
 * 32-bit callers pass the compat layouts of copy and setup_table (32-bit
 * frame numbers and list pointer).
 */
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>

#include "alloc.h"
#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "memory_op.h"
#include "xen.h"
#include "xen_domain.h"

/* The grant table's version: the only one (max_grant_version 1). */
#define XEN_GNT_VERSION		1

/* struct gnttab_setup_table for 32-bit callers. */
struct gnttab_setup_table_compat {
	u16 dom;
	u32 nr_frames;
	s16 status;
	u32 frame_list;
};

static_assert(offsetof(struct gnttab_setup_table, status) == 8 &&
	      offsetof(struct gnttab_setup_table_compat, status) == 8);
static_assert(offsetof(struct gnttab_swap_grant_ref, status) == 8);
static_assert(sizeof(struct grant_entry_v1) == 8);

/* ---- the table ---- */
/* Frames up to @n exist (lock held, or the table not yet shared). */
static int gnttab_grow(struct xen_gnttab *gt, unsigned int n)
{
	while (gt->nr_frames < n) {
		struct page *page = domino_alloc_page(GFP_KERNEL_ACCOUNT);
		struct xen_gnt_active *act =
			domino_kzalloc(sizeof(*act) * XEN_GNTTAB_PER_FRAME,
				       GFP_KERNEL_ACCOUNT);

		if (!page || !act) {
			domino_free_page(page);
			domino_kfree(act);
			return -ENOMEM;
		}
		gt->frame[gt->nr_frames] = page;
		gt->active[gt->nr_frames] = act;
		gt->nr_frames++;
	}
	return 0;
}

int xen_gnttab_init(struct domino_domain *d)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	unsigned int i;

	mutex_init(&gt->lock);
	xa_init(&gt->placed);
	/* xl.cfg's max_grant_frames, checked against ours at creation. */
	gt->max_frames = min_t(u32, d->max_grant_frames, XEN_GNTTAB_MAX_FRAMES);
	for (i = 0; i < XEN_GNTTAB_MAX_FRAMES; i++)
		gt->gfn[i] = XEN_NO_GFN;
	/* Xen's INITIAL_NR_GRANT_FRAMES: query_size reports one at once. */
	if (gnttab_grow(gt, 1)) {
		xa_destroy(&gt->placed);
		return -ENOMEM;
	}
	return 0;
}

/*
 * With the domain: no vCPU runs and no copy holds it. Its nested tables
 * still name the frames until the memory goes next, but nothing reads
 * through them (no vCPU, and a new one flushes on entry).
 */
void xen_gnttab_free(struct domino_domain *d)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	unsigned int i;

	for (i = 0; i < gt->nr_frames; i++) {
		domino_free_page(gt->frame[i]);
		domino_kfree(gt->active[i]);
	}
	gt->nr_frames = 0;
	xa_destroy(&gt->placed);
}

bool xen_gnttab_placed(struct xen_gnttab *gt, u64 gfn, u64 nr)
{
	unsigned long idx = gfn;

	if (!nr || xa_empty(&gt->placed))
		return false;
	return xa_find(&gt->placed, &idx, gfn + nr - 1, XA_PRESENT) != NULL;
}

u64 domino_xen_frame_pa(struct domino_domain *d, u64 gfn)
{
	struct page *page;

	if (!d->xen)
		return 0;
	page = xa_load(&d->xen->gnttab.placed, gfn);
	return page ? page_to_phys(page) : 0;
}

long xen_gnttab_add_to_physmap(struct domino_domain *d, u64 idx, u64 gfn)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	bool give_back = false;
	unsigned int i;
	void *prev;
	u64 old;
	int r;

	if (idx >= gt->max_frames || gfn >= XEN_GNT_GFN_LIMIT)
		return -EINVAL;
	idx = array_index_nospec(idx, gt->max_frames);
	mutex_lock(&gt->lock);
	r = gnttab_grow(gt, idx + 1);
	old = gt->gfn[idx];
	if (r || old == gfn)
		goto out;
	give_back = false;
	prev = xa_store(&gt->placed, gfn, gt->frame[idx], GFP_KERNEL_ACCOUNT);
	r = xa_err(prev);
	if (r)
		goto out;
	if (prev) {
		/* Another frame was there: unhooked, as Xen does with its pages. */
		for (i = 0; i < gt->nr_frames; i++)
			if (i != idx && gt->gfn[i] == gfn)
				gt->gfn[i] = XEN_NO_GFN;
	} else {
		/*
		 * Xen frees the domain's page it replaces. RAM goes back to the
		 * host as a frame given back; a hole or a frame given back
		 * before (what Linux uses) has nothing to give. Done once the
		 * lock is dropped: other domains' copies wait on it, and giving
		 * memory back may wait on this domain's VMM.
		 */
		give_back = true;
	}
	if (old != XEN_NO_GFN)
		xa_erase(&gt->placed, old);
	gt->gfn[idx] = gfn;
	domino_memory_zap_gfn(d, gfn);
	if (old != XEN_NO_GFN)
		domino_memory_zap_gfn(d, old);
out:
	mutex_unlock(&gt->lock);
	if (give_back)
		xen_extent_out(d, gfn, 1);
	return r;
}

/* ---- the other commands ---- */

/*
 * Whether op @i and those after it wait for the guest's next entry (the
 * @i before it are done in this one): then uop and count are left for it.
 */
bool xen_gnt_preempt(struct xen_call *c, u32 i, u32 count, size_t size)
{
	if (!i || (i < XEN_GNT_BUDGET && !need_resched() && !signal_pending(current)))
		return false;
	xen_call_set_arg(c, 1, c->arg[1] + (u64)i * size);
	xen_call_set_arg(c, 2, count - i);
	return true;
}

static s16 gnt_swap_one(struct domino_domain *d, u32 a, u32 b)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	const struct xen_gnt_active *aa, *ab;
	u64 *ea, *eb, va, vb;
	s16 st = GNTST_okay;

	mutex_lock(&gt->lock);
	if (a >= gnt_nr_entries(gt) || b >= gnt_nr_entries(gt)) {
		st = GNTST_bad_gntref;
		goto out;
	}
	a = array_index_nospec(a, gnt_nr_entries(gt));
	b = array_index_nospec(b, gnt_nr_entries(gt));
	if (a == b)
		goto out;
	aa = gnt_active(gt, a);
	ab = gnt_active(gt, b);
	if (aa->readers || aa->writers || ab->readers || ab->writers) {
		st = GNTST_eagain;
		goto out;
	}
	ea = (u64 *)gnt_entry(gt, a);
	eb = (u64 *)gnt_entry(gt, b);
	va = READ_ONCE(*ea);
	vb = READ_ONCE(*eb);
	WRITE_ONCE(*ea, vb);
	WRITE_ONCE(*eb, va);
out:
	mutex_unlock(&gt->lock);
	return st;
}

static long gnt_swap(struct xen_call *c, u32 count)
{
	struct gnttab_swap_grant_ref s;
	u64 uop = c->arg[1];
	u32 i;

	for (i = 0; i < count; i++) {
		if (xen_gnt_preempt(c, i, count, sizeof(s)))
			return XEN_HC_CONTINUE;
		if (c->copy_from(c, uop + (u64)i * sizeof(s), &s, sizeof(s)))
			return -EFAULT;
		s.status = gnt_swap_one(c->v->d, s.ref_a, s.ref_b);
		if (c->copy_to(c, uop + (u64)i * sizeof(s) +
			       offsetof(struct gnttab_swap_grant_ref, status),
			       &s.status, sizeof(s.status)))
			return -EFAULT;
	}
	return 0;
}

/* Xen's status for a dom argument of query_size and setup_table. */
static s16 gnt_dom_status(struct xen_call *c, u16 dom)
{
	int r = xen_domid_check(c, dom);

	return !r ? GNTST_okay : r == -ESRCH ? GNTST_bad_domain :
	       GNTST_permission_denied;
}

static long gnt_query_size(struct xen_call *c, u32 count)
{
	struct xen_gnttab *gt = &c->v->d->xen->gnttab;
	struct gnttab_query_size q;

	if (count != 1)
		return -EINVAL;
	if (c->copy_from(c, c->arg[1], &q, sizeof(q)))
		return -EFAULT;
	q.status = gnt_dom_status(c, q.dom);
	if (q.status == GNTST_okay) {
		mutex_lock(&gt->lock);
		q.nr_frames = gt->nr_frames;
		q.max_nr_frames = gt->max_frames;
		mutex_unlock(&gt->lock);
	}
	return c->copy_to(c, c->arg[1], &q, sizeof(q)) ? -EFAULT : 0;
}

static long gnt_setup_table(struct xen_call *c, u32 count)
{
	struct xen_gnttab *gt = &c->v->d->xen->gnttab;
	struct gnttab_setup_table_compat s32;
	struct gnttab_setup_table s;
	u64 snap[XEN_GNTTAB_MAX_FRAMES];
	u64 list, gfn;
	u32 nr, i;
	s16 st;
	u16 dom;

	if (c->compat && count == 0)
		return 0;
	if (count != 1)
		return -EINVAL;
	if (c->compat) {
		if (c->copy_from(c, c->arg[1], &s32, sizeof(s32)))
			return -EFAULT;
		dom = s32.dom;
		nr = s32.nr_frames;
		list = s32.frame_list;
	} else {
		if (c->copy_from(c, c->arg[1], &s, sizeof(s)))
			return -EFAULT;
		dom = s.dom;
		nr = s.nr_frames;
		list = (u64)(uintptr_t)s.frame_list;
	}
	st = gnt_dom_status(c, dom);
	if (st == GNTST_okay && nr > gt->max_frames)
		st = GNTST_general_error;
	if (st == GNTST_okay) {
		/*
		 * A snapshot, written out after the lock: other domains' copies
		 * wait on it, and the guest's memory may stall (its VMM).
		 */
		mutex_lock(&gt->lock);
		if (gnttab_grow(gt, nr))
			st = GNTST_general_error;
		for (i = 0; st == GNTST_okay && i < nr; i++)
			snap[i] = gt->gfn[array_index_nospec(i, gt->max_frames)];
		mutex_unlock(&gt->lock);
	}
	for (i = 0; st == GNTST_okay && i < nr; i++) {
		u32 gfn32 = snap[i];

		gfn = snap[i];
		/* A 32-bit caller's list holds the low 32 bits, as in Xen. */
		if (c->compat ? c->copy_to(c, list + i * 4ULL, &gfn32, 4) :
				c->copy_to(c, list + i * 8ULL, &gfn, 8))
			st = GNTST_bad_virt_addr;
	}
	return c->copy_to(c, c->arg[1] + offsetof(struct gnttab_setup_table, status),
			  &st, sizeof(st)) ? -EFAULT : 0;
}

static long gnt_set_version(struct xen_call *c)
{
	struct gnttab_set_version v;
	long r;

	if (c->copy_from(c, c->arg[1], &v, sizeof(v)))
		return -EFAULT;
	r = v.version == XEN_GNT_VERSION ? 0 : v.version == 2 ? -ENOMEM : -EINVAL;
	v.version = XEN_GNT_VERSION;
	return c->copy_to(c, c->arg[1], &v, sizeof(v)) ? -EFAULT : r;
}

static long gnt_get_version(struct xen_call *c)
{
	struct gnttab_get_version v;
	int r;

	if (c->copy_from(c, c->arg[1], &v, sizeof(v)))
		return -EFAULT;
	r = xen_domid_check(c, v.dom);
	if (r)
		return r;
	v.version = XEN_GNT_VERSION;
	return c->copy_to(c, c->arg[1] + offsetof(struct gnttab_get_version, version),
			  &v.version, sizeof(v.version)) ? -EFAULT : 0;
}

long xen_grant_table_op(struct xen_call *c)
{
	u32 cmd = c->arg[0], count = c->arg[2];

	/* Xen's hvm_grant_table_op: the whole cmd, before anything else. */
	switch (cmd) {
	case GNTTABOP_query_size:
	case GNTTABOP_setup_table:
	case GNTTABOP_set_version:
	case GNTTABOP_get_version:
	case GNTTABOP_copy:
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_swap_grant_ref:
		break;
	default:
		return -ENOSYS;
	}
	if ((int)count < 0)
		return -EINVAL;

	switch (cmd) {
	case GNTTABOP_query_size:
		return gnt_query_size(c, count);
	case GNTTABOP_setup_table:
		return gnt_setup_table(c, count);
	case GNTTABOP_set_version:
		return gnt_set_version(c);
	case GNTTABOP_get_version:
		return gnt_get_version(c);
	case GNTTABOP_copy:
		return xen_gnttab_copy(c, count);
	case GNTTABOP_swap_grant_ref:
		return gnt_swap(c, count);
	default:
		/* map and unmap: see the top of this file. */
		return -ENOSYS;
	}
}

/* ---- the toolstack's side ---- */

/*
 * DOMINO_XEN_GNTTAB_SEED (uapi/linux/domino.h). The entry is written as
 * the toolstack writes it into the guest's frame under Xen: frame and
 * domid first, then the flags that make it valid, so a mapper never sees
 * a permit_access entry with the old frame. An entry pinned right now
 * (a copy, a gntdev mapping) is refused: its pins name the old frame.
 */
long xen_gnttab_seed(struct domino_domain *d, const struct domino_xen_gnttab_seed *s)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	struct grant_entry_v1 *e;
	struct xen_gnt_active *act;
	long r = 0;
	u32 ref;

	if (s->ref >= DOMINO_XEN_GNTTAB_RESERVED || s->domid >= DOMID_FIRST_RESERVED ||
	    s->gfn >= XEN_GNT_GFN_LIMIT || s->gfn > U32_MAX)
		return -EINVAL;
	if (s->flags && s->flags != GTF_permit_access &&
	    s->flags != (GTF_permit_access | GTF_readonly))
		return -EINVAL;
	ref = array_index_nospec(s->ref, DOMINO_XEN_GNTTAB_RESERVED);
	if (mutex_lock_killable(&gt->lock))
		return -EINTR;
	e = gnt_entry(gt, ref);
	act = gnt_active(gt, ref);
	if (act->readers || act->writers ||
	    (READ_ONCE(e->flags) & (GTF_reading | GTF_writing))) {
		r = -EBUSY;
		goto out;
	}
	WRITE_ONCE(e->flags, 0);
	/* The entry is invalid before its frame and domid change. */
	smp_wmb();
	WRITE_ONCE(e->frame, (u32)s->gfn);
	WRITE_ONCE(e->domid, s->domid);
	smp_wmb();
	WRITE_ONCE(e->flags, s->flags);
out:
	mutex_unlock(&gt->lock);
	return r;
}
