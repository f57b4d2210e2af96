/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: what memory_op.c (the command dispatch, the memory map,
 * shared_info's place) and balloon.c (the reservation) share.
 */
#ifndef DOMINO_PVOPS_MEMORY_OP_H
#define DOMINO_PVOPS_MEMORY_OP_H

#include <linux/types.h>

struct domino_domain;
struct xen_call;

/*
 * memory_op's cmd: the command in the low bits, above them how many
 * extents a preempted call had done (Xen's xen/hypercall.h; the kernel's
 * interface headers leave it out, since guests only pass it back).
 */
#define MEMOP_EXTENT_SHIFT	6
#define MEMOP_CMD_MASK		((1U << MEMOP_EXTENT_SHIFT) - 1)

/*
 * XENMEM_decrease_reservation and XENMEM_populate_physmap from extent
 * @start on: the number of extents done, or XEN_HC_CONTINUE.
 */
long xen_reservation_op(struct xen_call *c, unsigned int op, unsigned long start);
/*
 * Give guest frames [gfn, gfn + nr) back to the host, as
 * XENMEM_decrease_reservation does: all of them present RAM, or nothing
 * done (false). From the domain's VMM context.
 */
bool xen_extent_out(struct domino_domain *d, u64 gfn, u64 nr);
/* XENMEM_current_reservation and XENMEM_maximum_reservation: pages. */
long xen_reservation_query(struct xen_call *c, unsigned int op, unsigned long start);

#endif /* DOMINO_PVOPS_MEMORY_OP_H */
