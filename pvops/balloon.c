// SPDX-License-Identifier: GPL-2.0
/*
 * The domain's reservation: HYPERVISOR_memory_op's ballooning commands
 * (include/xen/interface/memory.h) and the frames a guest gave back.
 *
 *   XENMEM_decrease_reservation, XENMEM_populate_physmap
 *       IN arg: struct xen_memory_reservation {extent_start, nr_extents,
 *       extent_order, mem_flags (the kernel calls it address_bits), domid}
 *       extent_start lists guest frame numbers, each the first of an
 *       extent of 2^extent_order frames (orders 0 to 9, a domU's limit in
 *       Xen). Returns the number of extents done, counting those of the
 *       calls before a continuation: the first extent that cannot be done
 *       ends the call there, and so does anything wrong with the request
 *       itself (a bad pointer, another domain, more extents than the
 *       continuation can count, an order above 9): 0 extents then, never
 *       an error code, as Xen answers.
 *   XENMEM_current_reservation, XENMEM_maximum_reservation
 *       IN arg: domid_t. Pages: the RAM the slots map less the frames given
 *       back; the domain's max_memory, or without one the RAM it has.
 *       Another domain -EPERM, none such -ESRCH, a bad pointer -EFAULT,
 *       progress bits in cmd -EINVAL.
 *
 * Decreasing takes an extent of present guest RAM (writable slots only),
 * marks its frames absent, zaps their nested mappings and gives the VMM's
 * memory behind them back to the host (vmm/memory.c). An absent frame is
 * what Xen calls a missing p2m entry: a guest access there goes to the VMM
 * (DOMINO_EXIT_MMIO, or DOMINO_EXIT_MEMORY_FAULT for an instruction fetch)
 * and never brings the VMM's memory back; the module's accessors refuse
 * it (hypercall arguments there are -EFAULT). A frame already absent, not
 * RAM, or ROM ends the call. Each extent is done whole or not at all (Xen
 * can leave part of a failed extent removed).
 *
 * Populating makes absent frames RAM again, within the maximum; the
 * memory comes back zeroed on first touch. Guest RAM is the VMM's slots:
 * only frames given back can be populated (Xen could allocate a frame
 * anywhere below the maximum), so a present frame or one outside the
 * slots ends the call. mem_flags as Xen takes them from a domU: address
 * bits 1-12 or an exact node request (without XENMEMF_vnode) end the
 * call, populate-on-demand on oneself too; the rest means nothing for a
 * guest's own frames.
 *
 * A call does at most XEN_MEMOP_BUDGET pages per entry and continues
 * (the progress in cmd's bits from MEMOP_EXTENT_SHIFT, as Xen encodes
 * it), sooner if the host wants the CPU. The extent list is read once,
 * into a local copy, page by page; every frame in it is checked.
 *
 * 32-bit callers pass the compat layout: a 32-bit list pointer, count,
 * and 32-bit frame numbers.
 */
#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/sched/signal.h>
#include <linux/xarray.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>

#include "alloc.h"
#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "memory_op.h"
#include "xen.h"
#include "xen_domain.h"

/* A domU's largest extent in Xen (CONFIG_DOMU_MAX_ORDER on x86): 2 MiB. */
#define XEN_MEMOP_MAX_ORDER	9
/* Pages one hypercall entry gives back or takes before it continues. */
#define XEN_MEMOP_BUDGET	512
/* Extents read from the guest's list at once (never across its pages). */
#define XEN_MEMOP_BATCH		64
#define XEN_GFN_LIMIT		BIT_ULL(DOMINO_GUEST_PHYS_BITS - PAGE_SHIFT)

/* mem_flags (Xen's public memory.h; the kernel's copy lacks them). */
#define XENMEMF_get_address_bits(x)	((x) & 0xffu)
#define XENMEMF_get_node(x)		((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand	(1U << 16)
#define XENMEMF_exact_node_request	(1U << 17)
#define XENMEMF_vnode			(1U << 18)
#define XEN_NUMA_NO_NODE		0xffu

/* struct xen_memory_reservation for 32-bit callers (Xen's compat layout). */
struct xen_memory_reservation_compat {
	u32 extent_start;
	u32 nr_extents;
	u32 extent_order;
	u32 mem_flags;
	u16 domid;
	u16 pad;
};

/* The request, whichever layout it came in. */
struct xen_resv {
	u64 list;
	u64 nr;
	u32 order;
	u32 flags;
	u16 domid;
};

void xen_balloon_init(struct xen_balloon *b)
{
	xa_init(&b->chunks);
	b->nr_absent = 0;
}

void xen_balloon_free(struct xen_balloon *b)
{
	unsigned long idx;
	unsigned long *bits;

	xa_for_each(&b->chunks, idx, bits)
		domino_kfree(bits);
	xa_destroy(&b->chunks);
}

/* Is any frame of [gfn, gfn + nr) absent (@absent) or present (!@absent)? */
static bool balloon_any(struct xen_balloon *b, u64 gfn, u64 nr, bool absent)
{
	while (nr) {
		unsigned long off = gfn % XEN_BALLOON_CHUNK_BITS;
		unsigned long n = min_t(u64, nr, XEN_BALLOON_CHUNK_BITS - off);
		unsigned long *bits = xa_load(&b->chunks, gfn / XEN_BALLOON_CHUNK_BITS);

		if (absent ? bits && find_next_bit(bits, off + n, off) < off + n :
			     !bits || find_next_zero_bit(bits, off + n, off) < off + n)
			return true;
		gfn += n;
		nr -= n;
	}
	return false;
}

/* Bitmaps for all of [gfn, gfn + nr), so that marking it cannot fail. */
static int balloon_reserve(struct xen_balloon *b, u64 gfn, u64 nr)
{
	u64 idx, last = (gfn + nr - 1) / XEN_BALLOON_CHUNK_BITS;
	unsigned long *bits;
	int r;

	for (idx = gfn / XEN_BALLOON_CHUNK_BITS; idx <= last; idx++) {
		if (xa_load(&b->chunks, idx))
			continue;
		bits = domino_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
		if (!bits)
			return -ENOMEM;
		r = xa_insert(&b->chunks, idx, bits, GFP_KERNEL_ACCOUNT);
		if (r) {
			domino_kfree(bits);
			return r;
		}
	}
	return 0;
}

/* Under slots_lock. Marking absent needs balloon_reserve() first. */
static void balloon_mark(struct xen_balloon *b, u64 gfn, u64 nr, bool absent)
{
	unsigned long changed = 0;

	while (nr) {
		unsigned long off = gfn % XEN_BALLOON_CHUNK_BITS;
		unsigned long end = off + min_t(u64, nr, XEN_BALLOON_CHUNK_BITS - off);
		unsigned long *bits = xa_load(&b->chunks, gfn / XEN_BALLOON_CHUNK_BITS);
		unsigned long k;

		/* Without a bitmap nothing there was ever absent. */
		if (bits && absent) {
			for (k = find_next_zero_bit(bits, end, off); k < end;
			     k = find_next_zero_bit(bits, end, k + 1)) {
				set_bit(k, bits);
				changed++;
			}
		} else if (bits) {
			for (k = find_next_bit(bits, end, off); k < end;
			     k = find_next_bit(bits, end, k + 1)) {
				clear_bit(k, bits);
				changed++;
			}
		}
		WARN_ON_ONCE(!bits && absent);
		gfn += end - off;
		nr -= end - off;
	}
	WRITE_ONCE(b->nr_absent, absent ? b->nr_absent + changed : b->nr_absent - changed);
}

bool domino_xen_absent(struct domino_domain *d, u64 gfn, u64 nr)
{
	struct domino_xen *x = d->xen;

	/*
	 * Lockless: bits are set before the nested mappings go (under
	 * mmu_lock, with mmu_seq bumped), so a fault that finds a frame
	 * present here either maps it before the zap or retries after it.
	 */
	if (!x)
		return false;
	if (xen_gnttab_placed(&x->gnttab, gfn, nr))
		return true;
	if (!READ_ONCE(x->balloon.nr_absent))
		return false;
	return balloon_any(&x->balloon, gfn, nr, true);
}

void domino_xen_memory_changed(struct domino_domain *d, u64 gpa, u64 size)
{
	struct domino_xen *x = d->xen;

	lockdep_assert_held(&d->slots_lock);
	if (x && x->balloon.nr_absent)
		balloon_mark(&x->balloon, gpa >> PAGE_SHIFT, size >> PAGE_SHIFT, false);
}

static long xen_reservation_pages(struct domino_domain *d, bool maximum)
{
	long pages;

	lockdep_assert_held(&d->slots_lock);
	if (maximum)
		return (d->max_memory ?: d->memory) >> PAGE_SHIFT;
	pages = d->memory >> PAGE_SHIFT;
	return pages - d->xen->balloon.nr_absent;
}

long xen_reservation_query(struct xen_call *c, unsigned int op, unsigned long start)
{
	struct domino_domain *d = c->v->d;
	domid_t domid;
	long pages;
	int r;

	if (start)
		return -EINVAL;
	if (c->copy_from(c, c->arg[1], &domid, sizeof(domid)))
		return -EFAULT;
	r = xen_domid_check(c, domid);
	if (r)
		return r;
	mutex_lock(&d->slots_lock);
	pages = xen_reservation_pages(d, op == XENMEM_maximum_reservation);
	mutex_unlock(&d->slots_lock);
	return pages;
}

/* One extent back to the host: all of it present RAM, or nothing done. */
bool xen_extent_out(struct domino_domain *d, u64 gfn, u64 nr)
{
	struct xen_balloon *b = &d->xen->balloon;
	bool ok;

	/* Only the VMM's own context reaches its memory to give it back. */
	if (!domino_domain_own_mm(d))
		return false;
	mutex_lock(&d->slots_lock);
	ok = domino_memory_ram_range(d, gfn << PAGE_SHIFT, nr << PAGE_SHIFT) &&
	     !balloon_any(b, gfn, nr, true) && !balloon_reserve(b, gfn, nr);
	if (ok) {
		balloon_mark(b, gfn, nr, true);
		domino_memory_discard(d, gfn << PAGE_SHIFT, nr << PAGE_SHIFT);
	}
	mutex_unlock(&d->slots_lock);
	return ok;
}

/* One extent back to the guest: all of it given back before, within the maximum. */
static bool xen_extent_in(struct domino_domain *d, u64 gfn, u64 nr)
{
	struct xen_balloon *b = &d->xen->balloon;
	bool ok;

	mutex_lock(&d->slots_lock);
	ok = xen_reservation_pages(d, false) + nr <= xen_reservation_pages(d, true) &&
	     domino_memory_ram_range(d, gfn << PAGE_SHIFT, nr << PAGE_SHIFT) &&
	     !balloon_any(b, gfn, nr, false);
	/* Zeros on first touch: the memory went back to the host when given. */
	if (ok)
		balloon_mark(b, gfn, nr, false);
	mutex_unlock(&d->slots_lock);
	return ok;
}

static int xen_read_reservation(struct xen_call *c, struct xen_resv *r)
{
	struct xen_memory_reservation_compat r32;
	struct xen_memory_reservation r64;

	if (c->compat) {
		if (c->copy_from(c, c->arg[1], &r32, sizeof(r32)))
			return -EFAULT;
		r->list = r32.extent_start;
		r->nr = r32.nr_extents;
		r->order = r32.extent_order;
		r->flags = r32.mem_flags;
		r->domid = r32.domid;
		return 0;
	}
	if (c->copy_from(c, c->arg[1], &r64, sizeof(r64)))
		return -EFAULT;
	r->list = (u64)(uintptr_t)r64.extent_start;
	r->nr = r64.nr_extents;
	r->order = r64.extent_order;
	r->flags = r64.address_bits;
	r->domid = r64.domid;
	return 0;
}

/* The flags a domU may pass (Xen's construct_memop_from_reservation). */
static bool xen_memflags_ok(u32 flags, bool populate)
{
	u32 bits = XENMEMF_get_address_bits(flags);

	if (bits && bits <= PAGE_SHIFT)
		return false;
	if (!(flags & XENMEMF_vnode) && (flags & XENMEMF_exact_node_request) &&
	    XENMEMF_get_node(flags) != XEN_NUMA_NO_NODE)
		return false;
	/* Populate-on-demand is for another domain's memory, never one's own. */
	return !(populate && (flags & XENMEMF_populate_on_demand));
}

/*
 * Frame numbers @i.. of the list, at most @max, never past the end of
 * the guest page that holds entry @i (one that straddles two pages comes
 * alone): a read that fails stops where Xen's one-by-one reads would.
 */
static unsigned int xen_read_extents(struct xen_call *c, const struct xen_resv *r,
				     u64 i, u64 *gfns, unsigned int max)
{
	unsigned int size = c->compat ? sizeof(u32) : sizeof(u64);
	u32 list32[XEN_MEMOP_BATCH];
	u64 addr = r->list + i * size;
	unsigned int n, k;

	if (addr < r->list)
		return 0;
	n = min_t(u64, max, (PAGE_SIZE - (addr & ~PAGE_MASK)) / size);
	n = max(n, 1U);
	if (c->compat) {
		if (c->copy_from(c, addr, list32, n * size))
			return 0;
		for (k = 0; k < n; k++)
			gfns[k] = list32[k];
	} else if (c->copy_from(c, addr, gfns, n * size)) {
		return 0;
	}
	return n;
}

long xen_reservation_op(struct xen_call *c, unsigned int op, unsigned long start)
{
	struct domino_domain *d = c->v->d;
	u64 gfns[XEN_MEMOP_BATCH];
	unsigned long pages = 0;
	unsigned int n = 0, k = 0;
	struct xen_resv r;
	u64 i, nr;

	/* Anything wrong with the request: nothing (more) done, as in Xen. */
	if (xen_read_reservation(c, &r) ||
	    r.nr > (UINT_MAX >> MEMOP_EXTENT_SHIFT) || start >= r.nr ||
	    xen_domid_check(c, r.domid) || r.order > XEN_MEMOP_MAX_ORDER ||
	    !xen_memflags_ok(r.flags, op == XENMEM_populate_physmap))
		return start;
	nr = 1ULL << r.order;

	for (i = start; i < r.nr; i++, k++) {
		/* Give the CPU back between extents: the guest calls again. */
		if (i != start && (pages >= XEN_MEMOP_BUDGET || need_resched() ||
				   signal_pending(current))) {
			xen_call_set_arg(c, 0, op | i << MEMOP_EXTENT_SHIFT);
			return XEN_HC_CONTINUE;
		}
		if (k == n) {
			n = xen_read_extents(c, &r, i, gfns,
					     min_t(u64, r.nr - i, XEN_MEMOP_BATCH));
			k = 0;
			if (!n)
				break;
		}
		if (gfns[k] >= XEN_GFN_LIMIT || nr > XEN_GFN_LIMIT - gfns[k])
			break;
		if (!(op == XENMEM_decrease_reservation ? xen_extent_out(d, gfns[k], nr) :
							   xen_extent_in(d, gfns[k], nr)))
			break;
		pages += nr;
	}
	return i;
}
