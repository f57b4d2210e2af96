/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: a domain's grant table (pvops/grant_table.c), one object
 * inside struct domino_xen.
 *
 * The table's frames are pages of the module, as Xen's are pages of its
 * own heap: the guest places each at a guest frame of its choosing with
 * XENMEM_add_to_physmap (XENMAPSPACE_grant_table), usually a hole or a
 * frame it ballooned out (Linux PVH takes unpopulated address space), and
 * the fault path maps the page there. The module reads and updates the
 * entries in its own mapping of the page, from any domain's thread, with
 * the locked instructions the guest uses on its side.
 *
 * Locking: xen_gnttab.lock (a mutex) guards the frames, their places and
 * the active entries. It is taken before the domain's mmu_lock, never
 * inside it, and only one domain's at a time. It is never held across a
 * wait for guest memory (slots_lock, a VMM's mmap_lock): domain 0 pins
 * grants under its own mmap_lock (pvops/dev_gntdev.c's mmap).
 */
#ifndef DOMINO_PVOPS_GRANT_TABLE_H
#define DOMINO_PVOPS_GRANT_TABLE_H

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <xen/interface/grant_table.h>
#include <linux/domino.h>

struct domino_domain;
struct page;

/*
 * Frames a domain may have: Xen 4.17's default max_grant_frames (xl.cfg
 * leaves it to the hypervisor's gnttab_max_frames, 64), 32768 v1 entries.
 */
#define XEN_GNTTAB_MAX_FRAMES	DOMINO_XEN_MAX_GRANT_FRAMES
#define XEN_GNTTAB_PER_FRAME	(PAGE_SIZE / sizeof(struct grant_entry_v1))

/*
 * struct xen_gnt_active - what Xen's active grant entry keeps: who has the
 * entry pinned and for what, while a copy runs.
 *
 * @readers, @writers: pins for reading (a copy's source) and writing (its
 *            destination). GTF_reading is set in the guest's entry while
 *            either is nonzero, GTF_writing while @writers is.
 * @domid:    the domain holding the pins (the grant's domid).
 * @gfn:      the granted frame, as the entry named it at the first pin.
 */
struct xen_gnt_active {
	u16 readers;
	u16 writers;
	u16 domid;
	u64 gfn;
};

/*
 * struct xen_gnttab - a domain's grant table (version 1 only).
 *
 * @max_frames: the limit: xl.cfg's max_grant_frames (domino_create_domain).
 * @nr_frames:  frames that exist (Xen's nr_grant_frames): 1 from creation,
 *              grown by setup_table and add_to_physmap, never shrunk.
 * @frame:      their pages, zeroed when made.
 * @gfn:        where the guest placed each, or XEN_NO_GFN.
 * @active:     per frame, XEN_GNTTAB_PER_FRAME active entries.
 * @placed:     gfn -> page of the frames placed, for the fault path
 *              (lockless reads; changed under @lock, each change then
 *              zapped with domino_memory_zap_gfn()).
 * For save/restore: @nr_frames, the pages' contents and @gfn are the
 * state; pins exist only while a hypercall runs.
 */
struct xen_gnttab {
	struct mutex lock;
	u32 max_frames;
	u32 nr_frames;
	struct page *frame[XEN_GNTTAB_MAX_FRAMES];
	u64 gfn[XEN_GNTTAB_MAX_FRAMES];
	struct xen_gnt_active *active[XEN_GNTTAB_MAX_FRAMES];
	struct xarray placed;
};

#define XEN_NO_GFN	(~0ULL)

int xen_gnttab_init(struct domino_domain *d);
void xen_gnttab_free(struct domino_domain *d);

/* XENMEM_add_to_physmap, XENMAPSPACE_grant_table: frame @idx at @gfn. */
long xen_gnttab_add_to_physmap(struct domino_domain *d, u64 idx, u64 gfn);

/* DOMINO_XEN_GNTTAB_SEED: a reserved entry, written by the toolstack. */
long xen_gnttab_seed(struct domino_domain *d, const struct domino_xen_gnttab_seed *s);

/* Whether a grant frame is placed in [gfn, gfn + nr). Lockless. */
bool xen_gnttab_placed(struct xen_gnttab *gt, u64 gfn, u64 nr);

/* One copy op of GNTTABOP_copy, whichever layout it came in. */
struct xen_gnt_copy_op {
	u64 src, dst;		/* a ref or a gfn */
	u16 src_dom, dst_dom;
	u16 src_off, dst_off;
	u16 len, flags;
};

/*
 * Domain 0's side (pvops/dev_gntdev.c). Domain 0 is the host: it has no
 * table of its own and names each grant by (domid, ref).
 *
 * Mapping is in two steps, as the caller's mmap runs under its mmap_lock,
 * where a guest's memory (perhaps the same process's) cannot be waited
 * for:
 *
 * xen_gnttab_peek_dom0 (no mmap_lock held; killable): grant @ref of
 * domain @domid must be a permit_access grant to domain 0; *@pagep is the
 * page it names now, pinned for long (FOLL_PIN | FOLL_LONGTERM: the
 * caller releases it with unpin_user_page(); looked up for writing
 * unless the grant is GTF_readonly, which *@readonly says: such a page
 * may be one the guest's VMM shares, the zero page or a file's, and must
 * never be mapped writable, whatever the grant says later), *@gfn that
 * frame and *@serial the domain's. The grant is not pinned (its flags
 * untouched).
 * Statuses as GNTTABOP_copy's:
 * GNTST_bad_domain, GNTST_bad_gntref, GNTST_general_error (not granted to
 * domain 0), GNTST_bad_page, GNTST_eagain (not resident: try again).
 *
 * xen_gnttab_pin_dom0 (may run under an mmap_lock; waits only for the
 * table's lock): pins the grant as Xen pins a host mapping: GTF_reading,
 * and GTF_writing unless @readonly (refused on a GTF_readonly grant), set
 * in the guest's entry and kept until unpinned, so the guest cannot end
 * access. GNTST_bad_domain when the domain is not the one @serial names;
 * GNTST_general_error when the grant is not (or no longer) a grant of
 * frame @gfn to domain 0 or is read-only for a writable pin.
 *
 * xen_gnttab_unpin_dom0: drops one such pin, if the domain is still the
 * one @serial names (a domain gone took its pins with it; a reused domid
 * is left alone).
 *
 * xen_gnttab_copy_dom0: one GNTTABOP_copy op for domain 0: a side whose
 * page is given is domain 0's own memory (the page's reference passes to
 * the call), the other side a grant (ref, domid) to domain 0. The
 * statuses of GNTTABOP_copy. Killable.
 */
s16 xen_gnttab_peek_dom0(u16 domid, u32 ref, u64 *serial, u64 *gfn,
			 struct page **pagep, bool *readonly);
s16 xen_gnttab_pin_dom0(u16 domid, u64 serial, u32 ref, u64 gfn, bool readonly);
void xen_gnttab_unpin_dom0(u16 domid, u64 serial, u32 ref, bool readonly);
s16 xen_gnttab_copy_dom0(const struct xen_gnt_copy_op *op, struct page *src_page,
			 struct page *dst_page);

/* ---- between grant_table.c and grant_copy.c ---- */

struct xen_call;

#define XEN_GNT_GFN_LIMIT	BIT_ULL(DOMINO_GUEST_PHYS_BITS - PAGE_SHIFT)
/* Copy or swap ops one hypercall entry does before it continues. */
#define XEN_GNT_BUDGET		64

static inline unsigned int gnt_nr_entries(const struct xen_gnttab *gt)
{
	return gt->nr_frames * XEN_GNTTAB_PER_FRAME;
}

/* Ref @ref's entry (lock held, @ref checked against the table). */
static inline struct grant_entry_v1 *gnt_entry(struct xen_gnttab *gt, u32 ref)
{
	struct grant_entry_v1 *e = page_address(gt->frame[ref / XEN_GNTTAB_PER_FRAME]);

	return &e[ref % XEN_GNTTAB_PER_FRAME];
}

/*
 * The entry's first 32 bits, flags and domid, which the guest changes
 * with compare-and-exchange as one word (Linux's gnttab_end_foreign_access
 * and Xen's grant_combo): Domino changes them the same way.
 */
static inline u32 *gnt_word(struct xen_gnttab *gt, u32 ref)
{
	return (u32 *)gnt_entry(gt, ref);
}

static inline struct xen_gnt_active *gnt_active(struct xen_gnttab *gt, u32 ref)
{
	return &gt->active[ref / XEN_GNTTAB_PER_FRAME][ref % XEN_GNTTAB_PER_FRAME];
}

/*
 * Whether op @i and those after it wait for the guest's next entry (the
 * @i before it are done in this one): then uop and count are left for it.
 */
bool xen_gnt_preempt(struct xen_call *c, u32 i, u32 count, size_t size);
/* GNTTABOP_copy (grant_copy.c). */
long xen_gnttab_copy(struct xen_call *c, u32 count);

#endif /* DOMINO_PVOPS_GRANT_TABLE_H */
