/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny Xen guest for the domain 0 grant tests (xen_gntdev_test,
 * xen_libxengnttab_test): it places its grant table's first frame in a
 * hole, then loops doing what the host writes into its memory (gcall()):
 * grant one of its pages, end access as Linux does, read or write a byte
 * of a page, look at or overwrite an entry's flags, allocate a port for
 * domain 0, look at a port's pending bit, give a page back to the host
 * and populate it again, swap two entries. One test binary includes it
 * once: the guest's state is its own.
 */
#ifndef DOMINO_SELFTEST_XEN_GNTDEV_GUEST_H
#define DOMINO_SELFTEST_XEN_GNTDEV_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define XENMEM_decrease_reservation	1
#define XENMEM_populate_physmap	6
#define XENMAPSPACE_grant_table	1
#define HC_GRANT_TABLE_OP	20
#define GNTTABOP_swap_grant_ref	11
#define GTF_permit_access	1
#define GTF_readonly		4
#define GTF_reading		8
#define GTF_writing		16
#define HOLE_GFN		0x80000ULL	/* 2 GiB: neither RAM nor MMIO */
#define GNT0			((volatile struct gnt_entry *)(HOLE_GFN << 12))
#define NPAGES			6
#define PG			4096
#define OTHER_DOM		5	/* a domain the grants name that is not 0 */
#define NO_SUCH_DOM		0x7000

struct gnt_entry {
	uint16_t flags, domid;		/* cppcheck-suppress unusedStructMember */
	uint32_t frame;			/* cppcheck-suppress unusedStructMember */
};

/* What the host asks the guest to do next (written in its memory). */
enum { C_GRANT = 1, C_END, C_READ, C_WRITE, C_FLAGS, C_FORCE, C_UNBOUND, C_PENDING,
       C_BALLOON, C_POPULATE, C_SWAP };

struct gcmd {
	uint64_t op, a, b, c;
};

static volatile struct gcmd cmd;
static uint8_t pages[NPAGES][PG] __attribute__((aligned(PG)));

/* Linux's gnttab_end_foreign_access_ref (v1): 1 if ended, else the flags. */
static uint64_t end_access(uint32_t ref)
{
	volatile uint16_t *pflags = &GNT0[ref].flags;
	uint16_t flags = *pflags;

	do {
		if (flags & (GTF_reading | GTF_writing))
			return flags;
	} while (!__atomic_compare_exchange_n(pflags, &flags, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return 1;
}

/* Page @page out of the reservation (decrease) or back in (populate). */
static uint64_t reservation(unsigned int op, unsigned int page)
{
	uint64_t gfn = (uintptr_t)pages[page] >> 12;
	struct {
		uint64_t extent_start, nr_extents;
		uint32_t extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
		uint16_t domid;				/* cppcheck-suppress unusedStructMember */
	} r = { (uintptr_t)&gfn, 1, 0, 0, DOMID_SELF };

	return xen_hcall(HC_MEMORY_OP, op, (uintptr_t)&r);
}

static void guest_main(void)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, HOLE_GFN };
	uint64_t r;

	xen_setup();
	GUEST_ASSERT(!xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m));
	GUEST_SYNC(0);
	for (;;) {
		switch (cmd.op) {
		case C_GRANT:	/* a: ref, b: page (bits 16+: domid), c: flags */
			GNT0[cmd.a].frame = (uintptr_t)pages[cmd.b & 0xffff] >> 12;
			GNT0[cmd.a].domid = cmd.b >> 16;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			GNT0[cmd.a].flags = cmd.c;
			r = 0;
			break;
		case C_END:
			r = end_access(cmd.a);
			break;
		case C_READ:	/* a: page, b: offset */
			r = pages[cmd.a][cmd.b];
			break;
		case C_WRITE:	/* a: page, b: offset, c: byte */
			pages[cmd.a][cmd.b] = cmd.c;
			r = 0;
			break;
		case C_FLAGS:
			r = GNT0[cmd.a].flags;
			break;
		case C_FORCE:	/* a hostile guest: a plain store over its entry */
			GNT0[cmd.a].flags = 0;
			r = 0;
			break;
		case C_UNBOUND:
			r = alloc_unbound(DOMID_SELF, 0);
			break;
		case C_PENDING:	/* a: port; cleared after the look */
			r = bit(SHINFO->evtchn_pending, cmd.a);
			clear_port(cmd.a);
			break;
		case C_BALLOON:	/* a: page; the guest must not touch it until populated */
			r = reservation(XENMEM_decrease_reservation, cmd.a);
			break;
		case C_POPULATE:
			r = reservation(XENMEM_populate_physmap, cmd.a);
			break;
		case C_SWAP: {	/* a, b: refs; the op's status */
			struct { uint32_t a, b; int16_t status, pad; } sw = {
				(uint32_t)cmd.a, (uint32_t)cmd.b, 0, 0 };

			GUEST_ASSERT(!xen_hcall3(HC_GRANT_TABLE_OP, GNTTABOP_swap_grant_ref,
						 (uintptr_t)&sw, 1));
			r = (uint64_t)(int64_t)sw.status;
			break;
		}
		default:
			r = ~0ULL;
		}
		GUEST_SYNC(r);
	}
}

static struct dvm *vm;
static struct dvcpu *vcpu;

/* The guest, created and set up: its grant table in place. */
static void gnt_guest_start(void)
{
	struct ucall uc;

	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest setup");
}

/* One command run in the guest: its result. */
static uint64_t gcall(uint64_t op, uint64_t a, uint64_t b, uint64_t c)
{
	volatile struct gcmd *g = dvm_gpa(vm, (uintptr_t)&cmd);
	struct ucall uc;

	g->op = op;
	g->a = a;
	g->b = b;
	g->c = c;
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest command %llu",
		    (unsigned long long)op);
	return uc.args[0];
}

/* Grant @ref: guest page @page to @dom with @flags. */
static void grant(uint32_t ref, unsigned int page, uint16_t dom, uint16_t flags)
{
	gcall(C_GRANT, ref, page | (uint64_t)dom << 16, flags);
}

#endif /* DOMINO_SELFTEST_XEN_GNTDEV_GUEST_H */
