// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables: the in-use flags and what uses them (pvops/grant_table.c
 * has the table and the guest's other commands). Xen's pins of a grant
 * (GTF_reading while anyone reads through it, GTF_writing while anyone
 * writes), set and dropped with the locked instructions the guest uses
 * on its side; GNTTABOP_copy between domains (see gnt_copy_one()); and
 * domain 0's maps and copies for /dev/xen/gntdev, which pin a grant the
 * way Xen pins a host mapping.
 */
#include <linux/highmem.h>
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

/*
 * Xen's bound on compare-and-exchange retries on an entry the guest keeps
 * changing: the guest could otherwise hold the CPU (_set_status_v1).
 */
#define XEN_GNT_CMPXCHG_TRIES	5

/* struct gnttab_copy for 32-bit callers (Xen's compat layout). */
struct gnttab_copy_compat {
	struct {
		u32 u;		/* ref or gmfn */
		u16 domid;
		u16 offset;
	} source, dest;
	u16 len;
	u16 flags;
	s16 status;
	u16 pad;
};

static_assert(sizeof(struct gnttab_copy) == 40 &&
	      offsetof(struct gnttab_copy, status) == 36);
static_assert(sizeof(struct gnttab_copy_compat) == 24 &&
	      offsetof(struct gnttab_copy_compat, status) == 20);

/* One side of a copy: whose memory, and what is held of it. */
struct gnt_buf {
	struct domino_domain *d;
	bool put;		/* a reference on @d to put */
	bool pinned;		/* grant @ref of @d's is pinned */
	u32 ref;
	struct page *page;	/* held */
};

/* ---- pins: Xen's _set_status_v1 and reduce_status_for_pin ---- */

/*
 * Check the entry for a first pin (@pinned false: a permit_access grant to
 * @ldom) and set GTF_reading, with GTF_writing unless @readonly (refused
 * on a read-only grant), in one compare-and-exchange with what was read.
 */
static s16 gnt_set_status(u32 *word, bool pinned, bool readonly, u16 ldom)
{
	u32 cur = READ_ONCE(*word), new;
	unsigned int tries;

	for (tries = 1;; tries++) {
		u16 flags = cur;

		if (!pinned && ((flags & GTF_type_mask) != GTF_permit_access ||
				(u16)(cur >> 16) != ldom))
			return GNTST_general_error;
		new = cur | GTF_reading;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			new |= GTF_writing;
		}
		if (try_cmpxchg(word, &cur, new))
			return GNTST_okay;
		/* The guest keeps changing it: give up, as Xen does. */
		if (tries == XEN_GNT_CMPXCHG_TRIES)
			return GNTST_general_error;
	}
}

/*
 * The flags no pin needs any more go: GTF_writing once no writer is
 * left, GTF_reading once nobody is. One locked AND, so a guest that keeps
 * changing the word cannot stall it.
 */
static void gnt_reduce(u32 *word, const struct xen_gnt_active *act, bool readonly)
{
	u32 clear = 0;

	if (!act->readers && !act->writers)
		clear |= GTF_reading;
	if (!readonly && !act->writers)
		clear |= GTF_writing;
	if (clear)
		atomic_andnot(clear, (atomic_t *)word);
}

/*
 * The page behind guest frame @gfn of b->d's, held in @b: GNTST_bad_page
 * when it is not RAM (or not writable RAM to write), GNTST_eagain when it
 * is not resident and would have to be waited for (Xen's answer for a
 * frame paged out; Linux retries).
 */
static s16 gnt_lookup_page(struct gnt_buf *b, u64 gfn, bool readonly, bool pin)
{
	int r;

	if (gfn >= XEN_GNT_GFN_LIMIT)
		return GNTST_bad_page;
	r = pin ? domino_guest_pin_page(b->d, gfn << PAGE_SHIFT, !readonly, &b->page) :
		  domino_guest_get_page(b->d, gfn << PAGE_SHIFT, !readonly, &b->page);
	if (r)
		b->page = NULL;
	return !r ? GNTST_okay : r == -EAGAIN ? GNTST_eagain :
	       r == -EINTR ? GNTST_general_error : GNTST_bad_page;
}

static s16 gnt_get_page(struct gnt_buf *b, u64 gfn, bool readonly)
{
	return gnt_lookup_page(b, gfn, readonly, false);
}

/*
 * Xen's acquire_grant_for_copy for a v1 entry, the pin's half: pin grant
 * @ref of @gt for @ldom (for writing unless @readonly) and say which frame
 * it grants. Statuses: GNTST_bad_gntref (past the table),
 * GNTST_general_error (not a permit_access grant to @ldom, revoked, a
 * read-only grant to write, pinned by another domain, the entry unstable,
 * a fatal signal). The lock is not held across anything that waits for
 * guest memory: domain 0 pins under its own mmap_lock (dev_gntdev.c).
 */
static s16 gnt_pin(struct xen_gnttab *gt, u32 ref, u16 ldom, bool readonly, u64 *gfn)
{
	struct xen_gnt_active *act;
	bool pinned;
	u32 *word;
	s16 st;

	/* Perhaps another domain's: a fatal signal for us ends the wait. */
	if (mutex_lock_killable(&gt->lock))
		return GNTST_general_error;
	if (ref >= gnt_nr_entries(gt)) {
		st = GNTST_bad_gntref;
		goto out;
	}
	ref = array_index_nospec(ref, gnt_nr_entries(gt));
	act = gnt_active(gt, ref);
	word = gnt_word(gt, ref);
	pinned = act->readers || act->writers;
	if (pinned && (act->domid != ldom ||
		       (readonly ? act->readers : act->writers) == U16_MAX)) {
		st = GNTST_general_error;
		goto out;
	}
	if (!pinned || (!readonly && !act->writers)) {
		st = gnt_set_status(word, pinned, readonly, ldom);
		if (st)
			goto out;
		if (!pinned) {
			act->domid = ldom;
			act->gfn = READ_ONCE(gnt_entry(gt, ref)->frame);
		}
	}
	if (readonly)
		act->readers++;
	else
		act->writers++;
	*gfn = act->gfn;
	st = GNTST_okay;
out:
	mutex_unlock(&gt->lock);
	return st;
}

/* One pin of gnt_pin() goes, and the flags no pin needs any more. */
static void gnt_unpin(struct xen_gnttab *gt, u32 ref, bool readonly)
{
	struct xen_gnt_active *act;

	mutex_lock(&gt->lock);
	act = gnt_active(gt, ref);
	if (readonly)
		act->readers--;
	else
		act->writers--;
	gnt_reduce(gnt_word(gt, ref), act, readonly);
	mutex_unlock(&gt->lock);
}

/*
 * Pin grant @ref of b->d's for @ldom (gnt_pin()) and hold the page it
 * grants: GNTST_bad_page or GNTST_eagain from gnt_get_page() undo the pin.
 * The granter sees the pin while the page is looked up, as in Xen.
 */
static s16 gnt_acquire(struct gnt_buf *b, u32 ref, u16 ldom, bool readonly)
{
	struct xen_gnttab *gt = &b->d->xen->gnttab;
	u64 gfn;
	s16 st;

	st = gnt_pin(gt, ref, ldom, readonly, &gfn);
	if (st)
		return st;
	ref = array_index_nospec(ref, gnt_nr_entries(gt));
	st = gnt_get_page(b, gfn, readonly);
	if (st) {
		gnt_unpin(gt, ref, readonly);
		return st;
	}
	b->pinned = true;
	b->ref = ref;
	return GNTST_okay;
}

static void gnt_release(struct gnt_buf *b, bool readonly)
{
	if (b->pinned)
		gnt_unpin(&b->d->xen->gnttab, b->ref, readonly);
	if (b->page) {
		if (!readonly)
			set_page_dirty_lock(b->page);
		put_page(b->page);
	}
	if (b->put)
		domino_domain_put(b->d);
}

/* ---- GNTTABOP_copy ---- */

/*
 * Xen's gnttab_copy_lock_domain: a frame number is only for the caller's
 * own memory, named DOMID_SELF (else GNTST_permission_denied); a grant may
 * be any Xen domain's, the caller's included (none such, or one without
 * Xen: GNTST_bad_domain). Domain 0, the host, has no grant table yet.
 */
static s16 gnt_buf_domain(struct domino_domain *ld, u16 domid, bool is_ref,
			  struct gnt_buf *b)
{
	if (domid != DOMID_SELF && !is_ref)
		return GNTST_permission_denied;
	if (domid == DOMID_SELF || domid == ld->domid) {
		b->d = ld;
		return GNTST_okay;
	}
	b->d = domid && domid < DOMID_FIRST_RESERVED ? domino_domain_find(domid) : NULL;
	if (!b->d)
		return GNTST_bad_domain;
	b->put = true;
	return b->d->xen ? GNTST_okay : GNTST_bad_domain;
}

static s16 gnt_claim(struct domino_domain *ld, struct gnt_buf *b, bool is_ref,
		     u64 ptr, bool readonly)
{
	if (is_ref)
		return gnt_acquire(b, (u32)ptr, ld->domid, readonly);
	return gnt_get_page(b, ptr, readonly);
}

/*
 * The last step of a copy, both pages held: the range (beyond the page:
 * GNTST_bad_copy_arg), then the bytes, through the host's own mapping of
 * the two pages; a range that overlaps itself is copied as memmove()
 * would.
 */
static s16 gnt_copy_bytes(struct gnt_buf *src, struct gnt_buf *dst,
			  const struct xen_gnt_copy_op *op)
{
	u8 *from, *to;

	if (op->src_off + op->len > PAGE_SIZE || op->dst_off + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	/* The offsets checked above hold under speculation too. */
	barrier_nospec();
	from = kmap_local_page(src->page);
	to = kmap_local_page(dst->page);
	memmove(to + op->dst_off, from + op->src_off, op->len);
	kunmap_local(to);
	kunmap_local(from);
	return GNTST_okay;
}

/*
 * One copy of len bytes from source to dest, each either a frame of the
 * caller's (gmfn with domid DOMID_SELF) or a grant (ref of domain domid,
 * with GNTCOPY_source_gref / GNTCOPY_dest_gref). In Xen's order: both
 * domains, then the source's grant or frame, then the destination's, then
 * the range (beyond the page: GNTST_bad_copy_arg). A page that is not
 * resident (swapped out, a file's page not read yet, a userfaultfd range)
 * is GNTST_eagain, its I/O started: another domain's VMM never makes this
 * vCPU wait. A grant is pinned for
 * the copy's duration, so the granter sees GTF_reading (and GTF_writing
 * for a destination) and its gnttab_end_foreign_access() waits: source
 * grants for reading, destinations for writing. Then gnt_copy_bytes().
 */
static s16 gnt_copy_one(struct domino_domain *ld, const struct xen_gnt_copy_op *op)
{
	bool src_ref = op->flags & GNTCOPY_source_gref;
	bool dst_ref = op->flags & GNTCOPY_dest_gref;
	struct gnt_buf src = {}, dst = {};
	s16 st;

	st = gnt_buf_domain(ld, op->src_dom, src_ref, &src);
	if (!st)
		st = gnt_buf_domain(ld, op->dst_dom, dst_ref, &dst);
	if (!st)
		st = gnt_claim(ld, &src, src_ref, op->src, true);
	if (!st)
		st = gnt_claim(ld, &dst, dst_ref, op->dst, false);
	if (!st)
		st = gnt_copy_bytes(&src, &dst, op);
	gnt_release(&dst, false);
	gnt_release(&src, true);
	return st;
}

static int gnt_read_copy(struct xen_call *c, u64 addr, struct xen_gnt_copy_op *op)
{
	struct gnttab_copy_compat o32;
	struct gnttab_copy o;

	if (c->compat) {
		if (c->copy_from(c, addr, &o32, sizeof(o32)))
			return -EFAULT;
		op->src = o32.source.u;
		op->src_dom = o32.source.domid;
		op->src_off = o32.source.offset;
		op->dst = o32.dest.u;
		op->dst_dom = o32.dest.domid;
		op->dst_off = o32.dest.offset;
		op->len = o32.len;
		op->flags = o32.flags;
		return 0;
	}
	if (c->copy_from(c, addr, &o, sizeof(o)))
		return -EFAULT;
	op->src = o.source.u.gmfn;
	op->src_dom = o.source.domid;
	op->src_off = o.source.offset;
	op->dst = o.dest.u.gmfn;
	op->dst_dom = o.dest.domid;
	op->dst_off = o.dest.offset;
	op->len = o.len;
	op->flags = o.flags;
	return 0;
}


long xen_gnttab_copy(struct xen_call *c, u32 count)
{
	size_t size = c->compat ? sizeof(struct gnttab_copy_compat) :
				  sizeof(struct gnttab_copy);
	size_t status = c->compat ? offsetof(struct gnttab_copy_compat, status) :
				    offsetof(struct gnttab_copy, status);
	u64 uop = c->arg[1];
	struct xen_gnt_copy_op op;
	u32 i;
	s16 st;

	for (i = 0; i < count; i++) {
		if (xen_gnt_preempt(c, i, count, size))
			return XEN_HC_CONTINUE;
		if (gnt_read_copy(c, uop + (u64)i * size, &op))
			return -EFAULT;
		st = gnt_copy_one(c->v->d, &op);
		if (c->copy_to(c, uop + (u64)i * size + status, &st, sizeof(st)))
			return -EFAULT;
	}
	return 0;
}

/* ---- domain 0's maps and copies (pvops/dev_gntdev.c) ---- */

/*
 * A grant's domain for domain 0: a Xen domain other than the host (none
 * such, a reserved id, one without Xen: GNTST_bad_domain), referenced.
 */
static s16 gnt_dom0_domain(u16 domid, struct gnt_buf *b)
{
	if (!domid || domid >= DOMID_FIRST_RESERVED)
		return GNTST_bad_domain;
	b->d = domino_domain_find(domid);
	if (!b->d)
		return GNTST_bad_domain;
	b->put = true;
	return b->d->xen ? GNTST_okay : GNTST_bad_domain;
}

s16 xen_gnttab_peek_dom0(u16 domid, u32 ref, u64 *serial, u64 *gfn,
			 struct page **pagep, bool *readonlyp)
{
	struct gnt_buf b = {};
	struct xen_gnttab *gt;
	bool readonly = false;
	s16 st;
	u32 w;

	st = gnt_dom0_domain(domid, &b);
	if (st)
		goto out;
	gt = &b.d->xen->gnttab;
	if (mutex_lock_killable(&gt->lock)) {
		st = GNTST_general_error;
		goto out;
	}
	if (ref >= gnt_nr_entries(gt)) {
		st = GNTST_bad_gntref;
	} else {
		ref = array_index_nospec(ref, gnt_nr_entries(gt));
		w = READ_ONCE(*gnt_word(gt, ref));
		if ((w & GTF_type_mask) != GTF_permit_access || (w >> 16) != 0)
			st = GNTST_general_error;
		readonly = w & GTF_readonly;
		*gfn = READ_ONCE(gnt_entry(gt, ref)->frame);
	}
	mutex_unlock(&gt->lock);
	/* Pinned for long: domain 0 keeps it while mapped. */
	if (!st)
		st = gnt_lookup_page(&b, *gfn, readonly, true);
	if (!st) {
		*serial = b.d->serial;
		*pagep = b.page;
		*readonlyp = readonly;
	}
out:
	if (b.put)
		domino_domain_put(b.d);
	return st;
}

/* The domain @serial names, referenced, if it is still there. */
static struct domino_domain *gnt_dom0_same(u16 domid, u64 serial)
{
	struct domino_domain *d;

	d = domid && domid < DOMID_FIRST_RESERVED ? domino_domain_find(domid) : NULL;
	if (d && (d->serial != serial || !d->xen)) {
		domino_domain_put_deferred(d);
		d = NULL;
	}
	return d;
}

s16 xen_gnttab_pin_dom0(u16 domid, u64 serial, u32 ref, u64 gfn, bool readonly)
{
	struct domino_domain *d = gnt_dom0_same(domid, serial);
	struct xen_gnttab *gt;
	u64 now;
	s16 st;

	if (!d)
		return GNTST_bad_domain;
	gt = &d->xen->gnttab;
	st = gnt_pin(gt, ref, 0, readonly, &now);
	/* The guest granted another frame since the page was looked up. */
	if (!st && now != gfn) {
		gnt_unpin(gt, array_index_nospec(ref, gnt_nr_entries(gt)), readonly);
		st = GNTST_general_error;
	}
	/* Under the mapper's mmap_lock: the last reference destroys elsewhere. */
	domino_domain_put_deferred(d);
	return st;
}

void xen_gnttab_unpin_dom0(u16 domid, u64 serial, u32 ref, bool readonly)
{
	struct domino_domain *d = gnt_dom0_same(domid, serial);
	struct xen_gnttab *gt;

	/* Gone, or the id reused: the pins went with the table. */
	if (!d)
		return;
	gt = &d->xen->gnttab;
	/* The table never shrinks: a ref pinned once stays inside it. */
	if (ref < gnt_nr_entries(gt))
		gnt_unpin(gt, array_index_nospec(ref, gnt_nr_entries(gt)), readonly);
	domino_domain_put_deferred(d);
}

s16 xen_gnttab_copy_dom0(const struct xen_gnt_copy_op *op, struct page *src_page,
			 struct page *dst_page)
{
	struct gnt_buf src = { .page = src_page }, dst = { .page = dst_page };
	s16 st = GNTST_okay;

	/* Xen's order: both domains, the source's grant, the destination's. */
	if (!src_page)
		st = gnt_dom0_domain(op->src_dom, &src);
	if (!st && !dst_page)
		st = gnt_dom0_domain(op->dst_dom, &dst);
	if (!st && !src_page)
		st = gnt_acquire(&src, (u32)op->src, 0, true);
	if (!st && !dst_page)
		st = gnt_acquire(&dst, (u32)op->dst, 0, false);
	if (!st)
		st = gnt_copy_bytes(&src, &dst, op);
	gnt_release(&dst, false);
	gnt_release(&src, true);
	return st;
}
