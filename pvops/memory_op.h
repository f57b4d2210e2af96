/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: what memory_op.c (the command dispatch, the memory map,
 * shared_info's place) and balloon.c (the reservation) share.
 */
#ifndef DOMINO_PVOPS_MEMORY_OP_H
#define DOMINO_PVOPS_MEMORY_OP_H

#include <linux/types.h>

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
/* XENMEM_current_reservation and XENMEM_maximum_reservation: pages. */
long xen_reservation_query(struct xen_call *c, unsigned int op, unsigned long start);

#endif /* DOMINO_PVOPS_MEMORY_OP_H */
