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
 * Locking: xen_gnttab.lock (a mutex: a copy pins guest pages under it)
 * guards the frames, their places and the active entries. It is taken
 * before the domain's slots_lock and mmu_lock, never inside them; and
 * only one domain's at a time.
 */
#ifndef DOMINO_PVOPS_GRANT_TABLE_H
#define DOMINO_PVOPS_GRANT_TABLE_H

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

#endif /* DOMINO_PVOPS_GRANT_TABLE_H */
