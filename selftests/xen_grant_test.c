// SPDX-License-Identifier: GPL-2.0
/*
 * Xen grant tables from tiny guests, with Xen 4.17's answers: query_size,
 * set_version/get_version (version 1; 2 refused as for max_grant_version
 * 1), the table's frames placed with XENMEM_add_to_physmap in a hole, on
 * RAM (given back to the host, the reservation one lower, and a hole once
 * the frame moves on) and over another frame (unhooked), with their
 * contents kept; setup_table's frame list; swap_grant_ref; the commands
 * Domino refuses. Then three domains: A grants pages to B (in another
 * process) and to C (in this one); B copies with GNTTABOP_copy from A's
 * read-only grant and into A's writable one, is refused A's read-only
 * grant as a destination, a revoked ref, C's grant, refs past the table,
 * unknown domains, frames named without DOMID_SELF, ranges past the page
 * and frames that are not RAM, each with Xen's GNTST_* in its op; a batch
 * with mixed statuses; 1024 ops in one call, continued (uop and count move
 * on); bad pointers. While B copies from A's grant in a loop, A sees
 * GTF_reading in its entry; once B is done and raises an interdomain event
 * channel, A finds B's data, no in-use flag left, and ends access as
 * Linux does. C may use only its own grant. Allocations return.
 */
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define HC_GRANT_TABLE_OP	20
#define GNTTABOP_map_grant_ref	0
#define GNTTABOP_setup_table	2
#define GNTTABOP_copy		5
#define GNTTABOP_query_size	6
#define GNTTABOP_set_version	8
#define GNTTABOP_get_status_frames	9
#define GNTTABOP_get_version	10
#define GNTTABOP_swap_grant_ref	11
#define GNTCOPY_source_gref	1
#define GNTCOPY_dest_gref	2
#define GTF_permit_access	1
#define GTF_readonly		4
#define GTF_reading		8
#define GTF_writing		16
#define GNTST_okay		0
#define GNTST_general_error	(-1)
#define GNTST_bad_domain	(-2)
#define GNTST_bad_gntref	(-3)
#define GNTST_bad_virt_addr	(-5)
#define GNTST_permission_denied	(-8)
#define GNTST_bad_page		(-9)
#define GNTST_bad_copy_arg	(-10)
#define XENMAPSPACE_grant_table	1
#define XENMAPIDX_grant_table_status	0x80000000ULL
#define XENMEM_current_reservation	3
#define XENMEM_populate_physmap	6
#define DOMID_IO		0x7ff1
#define NO_DOMAIN		0x7000
#define XEN_ENOMEM		12

#define HOLE_GFN		0x80000ULL	/* 2 GiB: neither RAM nor MMIO */
#define RAM_GFN			0x1800ULL	/* 24 MiB: RAM the test does not use */
#define BAD_GFN			0x90000ULL	/* a hole: no page to copy */
#define UNMAPPED_GVA		(4ULL << 30)	/* beyond the guest's identity map */
#define NO_GFN			(~0ULL)
#define MAX_FRAMES		64
#define NR_HUGE			1024
#define NR_STRESS		256
#define GNT0			((volatile struct gnt_entry *)(HOLE_GFN << 12))

/* include/xen/interface/grant_table.h, 64-bit layouts. */
struct gnt_entry {
	uint16_t flags, domid;		/* cppcheck-suppress unusedStructMember */
	uint32_t frame;
};


struct gnt_copy32 {
	uint32_t src;
	uint16_t src_dom, src_off;
	uint32_t dst;
	uint16_t dst_dom, dst_off;
	uint16_t len, flags;
	int16_t status;
	uint16_t pad;			/* cppcheck-suppress unusedStructMember */
};

struct query_size {
	uint16_t dom, pad;		/* cppcheck-suppress unusedStructMember */
	uint32_t nr_frames, max_nr_frames;
	int16_t status, pad2;		/* cppcheck-suppress unusedStructMember */
};

struct setup_table {
	uint16_t dom, pad;		/* cppcheck-suppress unusedStructMember */
	uint32_t nr_frames;
	int16_t status, pad2;		/* cppcheck-suppress unusedStructMember */
	uint32_t pad3;			/* cppcheck-suppress unusedStructMember */
	uint64_t frame_list;
};

struct setup_table32 {
	uint16_t dom, pad;		/* cppcheck-suppress unusedStructMember */
	uint32_t nr_frames;		/* cppcheck-suppress unusedStructMember */
	int16_t status, pad2;		/* cppcheck-suppress unusedStructMember */
	uint32_t frame_list;		/* cppcheck-suppress unusedStructMember */
};

struct swap_ref {
	uint32_t a, b;			/* cppcheck-suppress unusedStructMember */
	int16_t status, pad;		/* cppcheck-suppress unusedStructMember */
};

struct reservation {
	uint64_t extent_start, nr_extents;	/* cppcheck-suppress unusedStructMember */
	uint32_t extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
	uint16_t domid;				/* cppcheck-suppress unusedStructMember */
};

_Static_assert(sizeof(struct gnt_copy) == 40, "gnttab_copy");
_Static_assert(sizeof(struct gnt_copy32) == 24, "compat gnttab_copy");
_Static_assert(sizeof(struct setup_table) == 24, "gnttab_setup_table");

/* Set by the hosts before the guests need them. */
static volatile uint64_t dom_a, dom_b, dom_c, port_a, stop;

/* A's pages: granted to B read-only, to B writable, to B read-only, to C. */
static uint8_t data_page[4096] __attribute__((aligned(4096)));
static uint8_t recv_page[4096] __attribute__((aligned(4096)));
static uint8_t ro_page[4096] __attribute__((aligned(4096)));
static uint8_t c_page[4096] __attribute__((aligned(4096)));
/* The copiers' own pages. */
static uint8_t local[4096] __attribute__((aligned(4096)));
static uint8_t send_page[4096] __attribute__((aligned(4096)));
static struct gnt_copy ops[NR_HUGE];

static inline uint8_t pattern(unsigned int i, unsigned int seed)
{
	return (uint8_t)(i * 7 + seed);
}

static void fill(uint8_t *p, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		p[i] = pattern(i, seed);
}

static bool matches(const uint8_t *p, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (p[i] != pattern(i, seed))
			return false;
	return true;
}

static inline long gnttab(uint64_t cmd, const void *uop, uint64_t count)
{
	return xen_hcall3(HC_GRANT_TABLE_OP, cmd, (uintptr_t)uop, count);
}

/* The same, leaving uop and count as the call left them in RSI and RDX. */
static inline long gnttab_regs(uint64_t cmd, uint64_t *uop, uint64_t *count)
{
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = 0;
	uint64_t a1 = cmd, a2 = *uop, a3 = *count;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(xen_hcall_page + HC_GRANT_TABLE_OP * XEN_STUB_SIZE)
			 : "rcx", "r11", "memory");
	*uop = a2;
	*count = a3;
	return ret;
}

/* grant_table_op from 32-bit code (compatibility mode), as xen_memory_test does. */
static long gnttab32(uint32_t cmd, const void *uop, uint32_t count)
{
	return xen_hcall32(HC_GRANT_TABLE_OP, &cmd, (uint32_t)(uintptr_t)uop, count);
}

static long physmap(uint16_t domid, uint64_t idx, uint64_t gfn)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		domid, 0, XENMAPSPACE_grant_table, idx, gfn };

	return xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m);
}

static long reservation(void)
{
	uint16_t self = DOMID_SELF;

	return xen_hcall(HC_MEMORY_OP, XENMEM_current_reservation, (uintptr_t)&self);
}

static struct query_size query(uint16_t dom, long *rc)
{
	struct query_size q = { dom, 0, 0, 0, 0, 0 };

	*rc = gnttab(GNTTABOP_query_size, &q, 1);
	return q;
}

static long setup(uint16_t dom, uint32_t nr, uint64_t list, long *rc)
{
	struct setup_table s = { dom, 0, nr, 1, 0, 0, list };

	*rc = gnttab(GNTTABOP_setup_table, &s, 1);
	return s.status;
}

static long version(uint32_t cmd, uint16_t dom, uint32_t v, uint32_t *out)
{
	struct { uint16_t dom, pad; uint32_t version; } a = { dom, 0, v };
	long r = gnttab(cmd, cmd == GNTTABOP_set_version ? (void *)&a.version : (void *)&a, 1);

	*out = a.version;
	return r;
}

static void grant(uint32_t ref, uint16_t flags, uint64_t domid, const void *page)
{
	GNT0[ref].frame = (uintptr_t)page >> 12;
	GNT0[ref].domid = domid;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	GNT0[ref].flags = flags;
}

static struct gnt_copy op(uint64_t src, uint16_t sdom, uint16_t soff, uint64_t dst,
			  uint16_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
	struct gnt_copy o = { src, sdom, soff, 0, dst, ddom, doff, 0, len, flags, 1, 0 };

	return o;
}

/* One op alone: its status, or the call's error in the high half. */
static long copy1(struct gnt_copy o)
{
	long r = gnttab(GNTTABOP_copy, &o, 1);

	return r ? r << 16 : o.status;
}

/* From A's grant @ref to our page (0 on success). */
static long copy_in(uint32_t ref, uint64_t domid)
{
	return copy1(op(ref, domid, 0, (uintptr_t)local >> 12, DOMID_SELF, 0, 4096,
			GNTCOPY_source_gref));
}

/* ---- A: the granting domain ---- */

static void guest_a(void)
{
	struct query_size q;
	uint64_t list[4], t0;
	uint32_t v1, v2;
	long rc, r1, r2, r3, r4;

	xen_setup();

	/* 1-2: query_size. */
	q = query(DOMID_SELF, &rc);
	guest_ucall(UCALL_SYNC, rc, q.status, q.nr_frames, q.max_nr_frames);
	{
		struct query_size two[2] = { { DOMID_SELF, 0, 0, 0, 0, 0 } };
		struct query_size none = query(NO_DOMAIN, &r1), dom0 = query(0, &r2);

		guest_ucall(UCALL_SYNC, gnttab(GNTTABOP_query_size, two, 2),
			    PACK2(r1, none.status), PACK2(r2, dom0.status),
			    gnttab(GNTTABOP_query_size, (void *)UNMAPPED_GVA, 1));
	}

	/* 3: versions. */
	r1 = version(GNTTABOP_get_version, DOMID_SELF, 0, &v1);
	r2 = version(GNTTABOP_set_version, 0, 1, &v2);
	r3 = version(GNTTABOP_set_version, 0, 2, &v2);
	guest_ucall(UCALL_SYNC, PACK2(r1, v1), PACK2(r2, r3), PACK2(v2, version(GNTTABOP_set_version, 0, 3, &v1)),
		    PACK2(version(GNTTABOP_get_version, 0, 0, &v1),
			  version(GNTTABOP_get_version, NO_DOMAIN, 0, &v1)));

	/* 4-5: frames in a hole, the limits. */
	r1 = physmap(DOMID_SELF, 0, HOLE_GFN);
	t0 = 0;
	for (v1 = 0; v1 < 512; v1++)
		t0 |= GNT0[v1].flags | GNT0[v1].domid | GNT0[v1].frame;
	r2 = physmap(DOMID_SELF, MAX_FRAMES - 1, HOLE_GFN + MAX_FRAMES - 1);
	q = query(DOMID_SELF, &rc);
	guest_ucall(UCALL_SYNC, PACK2(r1, t0), PACK2(r2, q.nr_frames),
		    PACK2(physmap(DOMID_SELF, MAX_FRAMES, HOLE_GFN + MAX_FRAMES),
			  physmap(DOMID_SELF, XENMAPIDX_grant_table_status, HOLE_GFN + 2)),
		    PACK2(physmap(DOMID_SELF, 2, 1ULL << 34), physmap(0, 2, HOLE_GFN + 2)));
	GUEST_SYNC(physmap(NO_DOMAIN, 2, HOLE_GFN + 2));

	/* 6: on RAM, then moved to a hole: its contents go with it. */
	{
		volatile struct gnt_entry *ram = (volatile struct gnt_entry *)(RAM_GFN << 12);
		volatile struct gnt_entry *hole = (volatile struct gnt_entry *)((HOLE_GFN + 1) << 12);
		uint64_t one[1] = { RAM_GFN };
		struct reservation pop = { (uintptr_t)one, 1, 0, 0, DOMID_SELF };
		long c0 = reservation(), c1, c2, rp;
		uint64_t moved, gone, back;

		r1 = physmap(DOMID_SELF, 1, RAM_GFN);
		c1 = reservation();
		ram[5].frame = 0x12345678;
		r2 = physmap(DOMID_SELF, 1, HOLE_GFN + 1);
		moved = hole[5].frame;
		gone = *(volatile uint64_t *)(RAM_GFN << 12);	/* the VMM answers */
		rp = xen_hcall(HC_MEMORY_OP, XENMEM_populate_physmap, (uintptr_t)&pop);
		back = *(volatile uint64_t *)(RAM_GFN << 12);
		c2 = reservation();
		guest_ucall(UCALL_SYNC, PACK2(r1, r2), PACK2(c0 - c1, c2 - c0), moved,
			    PACK2(gone == ~0ULL, back | rp << 8));
	}

	/* 7: setup_table's list. */
	list[2] = 0;
	r1 = setup(DOMID_SELF, 3, (uintptr_t)list, &rc);
	guest_ucall(UCALL_SYNC, PACK2(rc, r1), list[0] == HOLE_GFN && list[1] == HOLE_GFN + 1,
		    list[2], 0);
	r2 = setup(DOMID_SELF, MAX_FRAMES + 1, (uintptr_t)list, &rc);
	r3 = setup(0, 1, (uintptr_t)list, &r4);
	r2 = PACK2(rc, r2);
	r1 = setup(DOMID_SELF, 1, UNMAPPED_GVA, &rc);
	guest_ucall(UCALL_SYNC, r2, PACK2(r4, r3), PACK2(r1, rc),
		    PACK2(gnttab(GNTTABOP_setup_table, list, 0),
			  gnttab(GNTTABOP_setup_table, (void *)UNMAPPED_GVA, 1)));
	{
		uint32_t l32[3] = { 0, 0, 0 };
		struct setup_table32 s32 = { DOMID_SELF, 0, 3, 1, 0, (uint32_t)(uintptr_t)l32 };

		rc = gnttab32(GNTTABOP_setup_table, &s32, 1);
		guest_ucall(UCALL_SYNC, PACK2(rc, s32.status), l32[0], l32[2],
			    gnttab32(GNTTABOP_setup_table, &s32, 0));
	}

	/* 8: a frame placed over another unhooks it; contents kept. */
	GNT0[7].frame = 0xabcd;
	r1 = physmap(DOMID_SELF, 2, HOLE_GFN);
	t0 = GNT0[7].frame;
	setup(DOMID_SELF, 3, (uintptr_t)list, &rc);
	r2 = physmap(DOMID_SELF, 0, HOLE_GFN);
	guest_ucall(UCALL_SYNC, PACK2(r1, r2), t0,
		    PACK2(list[0] == NO_GFN, list[2] == HOLE_GFN), GNT0[7].frame);

	/* 9: swap_grant_ref; what Domino refuses. */
	grant(13, GTF_permit_access, 5, (void *)(0x1313ULL << 12));
	grant(14, GTF_permit_access, 6, (void *)(0x1414ULL << 12));
	{
		struct swap_ref sw[2] = { { 13, 14, 1, 0 }, { 13, 40000, 1, 0 } };
		struct gnt_copy any = op(0, DOMID_SELF, 0, 0, DOMID_SELF, 0, 0, 0);

		rc = gnttab(GNTTABOP_swap_grant_ref, sw, 2);
		guest_ucall(UCALL_SYNC, PACK2(rc, sw[0].status),
			    PACK2(sw[1].status, GNT0[13].frame == 0x1414 && GNT0[14].frame == 0x1313 &&
				  GNT0[13].domid == 6),
			    PACK2(gnttab(GNTTABOP_map_grant_ref, &any, 1),
				  gnttab(GNTTABOP_get_status_frames, &any, 1)),
			    PACK2(gnttab(GNTTABOP_copy | 1 << 12, &any, 1),
				  gnttab(GNTTABOP_copy, &any, 0x80000000ULL)));
	}

	/* 10: a 32-bit caller's copies (compat layout) within its own memory. */
	{
		struct gnt_copy32 c32[2] = {
			{ (uint32_t)((uintptr_t)c_page >> 12), DOMID_SELF, 0,
			  (uint32_t)((uintptr_t)local >> 12), DOMID_SELF, 0, 4096, 0, 1, 0 },
			{ 40000, DOMID_SELF, 0, (uint32_t)((uintptr_t)local >> 12), DOMID_SELF, 0,
			  16, GNTCOPY_source_gref, 1, 0 },
		};

		fill(c_page, 3);
		memset(local, 0, sizeof(local));
		rc = gnttab32(GNTTABOP_copy, c32, 2);
		guest_ucall(UCALL_SYNC, rc, PACK2(c32[0].status, c32[1].status), matches(local, 3), 0);
	}

	/* 11: grants for B and C, and a port for B. */
	fill(data_page, 1);
	fill(ro_page, 9);
	memset(recv_page, 0, sizeof(recv_page));
	grant(8, GTF_permit_access | GTF_readonly, dom_b, data_page);
	grant(9, GTF_permit_access, dom_b, recv_page);
	grant(10, GTF_permit_access, dom_b, data_page);
	GNT0[10].flags = 0;				/* revoked */
	grant(11, GTF_permit_access, dom_c, c_page);
	grant(12, GTF_permit_access | GTF_readonly, dom_b, ro_page);
	grant(15, GTF_permit_access, dom_b, (void *)(BAD_GFN << 12));
	port_a = alloc_unbound(DOMID_SELF, dom_b);
	GUEST_SYNC(port_a);

	/* 12: B copies from ref 8 over and over: the entry shows it. */
	t0 = xen_now();
	while (!((v1 = GNT0[8].flags) & GTF_reading) && xen_now() - t0 < 10000 * MS)
		_mm_pause();
	GUEST_SYNC2(v1, xen_now() - t0);

	/* 13: B is done and says so: its data, no flag left, access ended. */
	hlt_until(port_a);
	{
		uint32_t word = GTF_permit_access | GTF_readonly | (uint32_t)dom_b << 16;
		uint32_t *w8 = (uint32_t *)&GNT0[8];
		bool ended = __atomic_compare_exchange_n(w8, &word, 0, false, __ATOMIC_SEQ_CST,
							 __ATOMIC_SEQ_CST);

		guest_ucall(UCALL_SYNC, matches(recv_page, 2),
			    PACK2(GNT0[9].flags, GNT0[12].flags), PACK2(ended, word),
			    matches(ro_page, 9));
	}
	GUEST_DONE();
}

/* ---- C: the third domain ---- */

static void guest_c(void)
{
	long st8, st11;

	xen_setup();
	memset(local, 0, sizeof(local));
	st8 = copy_in(8, dom_a);
	st11 = copy_in(11, dom_a);
	guest_ucall(UCALL_SYNC, st8, st11, matches(local, 3), 0);
}

/* ---- B: the copying domain, in another process ---- */

static void guest_b(void)
{
	const uint64_t me = (uintptr_t)local >> 12, out = (uintptr_t)send_page >> 12;
	const uint16_t sref = GNTCOPY_source_gref, dref = GNTCOPY_dest_gref;
	long port, r1, r2, r3;
	unsigned int i;

	xen_setup();
	port = bind_interdomain(dom_a, port_a);

	/* 1: from A's read-only grant; into A's writable one. */
	memset(local, 0, sizeof(local));
	fill(send_page, 2);
	r1 = copy_in(8, dom_a);
	r2 = matches(local, 1);
	r3 = copy1(op(out, DOMID_SELF, 0, 9, dom_a, 0, 4096, dref));
	guest_ucall(UCALL_SYNC, port, r1, r2, r3);

	/* 2: a read-only grant to write, a revoked one, C's. */
	guest_ucall(UCALL_SYNC, copy1(op(out, DOMID_SELF, 0, 12, dom_a, 0, 16, dref)),
		    copy_in(10, dom_a), copy_in(11, dom_a), 0);

	/* 3: refs and domains that are not. */
	guest_ucall(UCALL_SYNC, copy_in(40000, dom_a),
		    PACK2(copy_in(8, NO_DOMAIN), copy_in(8, DOMID_IO)),
		    PACK2(copy1(op(me, dom_a, 0, me, DOMID_SELF, 0, 16, 0)),
			  copy1(op(me, DOMID_SELF, 0, me, dom_b, 0, 16, 0))),
		    copy1(op(me, DOMID_SELF, 0, me, DOMID_SELF, 0, 16, 0)));

	/* 4: past the page; frames that hold nothing. */
	guest_ucall(UCALL_SYNC, copy1(op(8, dom_a, 4000, me, DOMID_SELF, 0, 200, sref)),
		    copy1(op(BAD_GFN, DOMID_SELF, 0, me, DOMID_SELF, 0, 16, 0)),
		    copy_in(15, dom_a),
		    copy1(op(me, DOMID_SELF, 0, BAD_GFN, DOMID_SELF, 0, 16, 0)));

	/* 5: a batch: each op its own status. */
	ops[0] = op(8, dom_a, 0, me, DOMID_SELF, 0, 64, sref);
	ops[1] = op(40000, dom_a, 0, me, DOMID_SELF, 0, 64, sref);
	ops[2] = op(out, DOMID_SELF, 64, 9, dom_a, 64, 64, dref);
	r1 = gnttab(GNTTABOP_copy, ops, 3);
	guest_ucall(UCALL_SYNC, r1, ops[0].status, ops[1].status, ops[2].status);

	/* 6: 1024 ops in one call: the call continues, uop and count move on. */
	{
		uint64_t uop = (uintptr_t)ops, count = NR_HUGE;
		unsigned int ok = 0;

		memset(local, 0, sizeof(local));
		for (i = 0; i < NR_HUGE; i++)
			ops[i] = op(8, dom_a, (i * 4) % 4096, me, DOMID_SELF, (i * 4) % 4096, 4,
				    sref);
		r1 = gnttab_regs(GNTTABOP_copy, &uop, &count);
		for (i = 0; i < NR_HUGE; i++)
			ok += ops[i].status == GNTST_okay;
		guest_ucall(UCALL_SYNC, PACK2(r1, ok), uop - (uintptr_t)ops, count,
			    matches(local, 1));
	}

	/* 7: bad pointers and counts; the op before a bad one is done. */
	{
		struct gnt_copy *edge = (struct gnt_copy *)(GUEST_MEM_SIZE - sizeof(*edge));

		*edge = op(8, dom_a, 0, me, DOMID_SELF, 0, 16, sref);
		r1 = gnttab(GNTTABOP_copy, edge, 2);
		guest_ucall(UCALL_SYNC, gnttab(GNTTABOP_copy, (void *)UNMAPPED_GVA, 1),
			    PACK2(r1, edge->status), gnttab(GNTTABOP_copy, ops, 0xffffffffULL),
			    gnttab(GNTTABOP_copy, ops, 0));
	}

	/* 8: copy from A's grant until told to stop, then tell A. */
	for (i = 0; i < NR_STRESS; i++)
		ops[i] = op(8, dom_a, 0, me, DOMID_SELF, 0, 4096, sref);
	for (r1 = 0; !stop; r1++)
		GUEST_SYNC(gnttab(GNTTABOP_copy, ops, NR_STRESS));
	GUEST_SYNC2(0xd0e, port_op(EVTCHNOP_send, port));
}

/* ---- hosts ---- */

#define B_RESULTS	7

struct msg {
	uint64_t args[4];
};

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

/* Child: domain B. Reports its domid, then each result, then the last. */
static int run_b(int in, int out)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	struct pollfd pfd = { .fd = in, .events = POLLIN };
	uint64_t info[3], id = vm->domid;
	struct ucall uc;
	struct msg m;
	unsigned int i;

	dvcpu_setup_long64(vcpu, guest_b);
	if (write(out, &id, sizeof(id)) != sizeof(id) ||
	    read(in, info, sizeof(info)) != sizeof(info))
		return 1;
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&dom_a) = info[0];
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&port_a) = info[1];
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&dom_c) = info[2];
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&dom_b) = vm->domid;
	for (i = 0; i < B_RESULTS; i++) {
		if (dvcpu_run_ucall(vcpu, &uc) != UCALL_SYNC)
			return 2;
		memcpy(m.args, uc.args, sizeof(m.args));
		if (write(out, &m, sizeof(m)) != sizeof(m))
			return 1;
	}
	/* The stress loop, until the parent has seen what it waits for. */
	for (;;) {
		if (dvcpu_run_ucall(vcpu, &uc) != UCALL_SYNC)
			return 2;
		if (uc.args[0] == 0xd0e)
			break;
		if (uc.args[0] != 0)
			return 3;
		if (poll(&pfd, 1, 0) == 1)
			*(uint64_t *)dvm_gpa(vm, (uintptr_t)&stop) = 1;
	}
	memcpy(m.args, uc.args, sizeof(m.args));
	if (write(out, &m, sizeof(m)) != sizeof(m))
		return 1;
	dvcpu_free(vcpu);
	dvm_free(vm);
	return 0;
}

/*
 * Run A, answering MMIO as Domino's VMM does (reads all ones), until its
 * next ucall: a SYNC, or DONE when @done.
 */
static void run_a(struct dvcpu *vcpu, struct ucall *uc, uint64_t *mmio_gpa,
		  unsigned int *mmio, bool done)
{
	for (;;) {
		struct domino_run *run = vcpu->run;
		uint32_t reason = dvcpu_run(vcpu);

		if (reason != DOMINO_EXIT_MMIO)
			break;
		(*mmio)++;
		*mmio_gpa = run->mmio.phys_addr;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	}
	TEST_ASSERT(dvcpu_get_ucall(vcpu, uc) == (done ? UCALL_DONE : UCALL_SYNC),
		    "exit %s, ucall %llu (%#llx %#llx)", exit_reason_str(vcpu->run->exit_reason),
		    (unsigned long long)uc->cmd, (unsigned long long)uc->args[0],
		    (unsigned long long)uc->args[1]);
}

static void read_b(int fd, struct msg *m)
{
	TEST_ASSERT(read(fd, m, sizeof(*m)) == sizeof(*m), "B's result");
}

static void poke(struct dvm *vm, volatile uint64_t *var, uint64_t val)
{
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)var) = val;
}

#define S(x)	((long)(int32_t)(x))
#define HI(x)	((long)(int32_t)((x) >> 32))

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	int to_b[2], from_b[2], st;
	struct dvcpu *va, *vc;
	struct dvm *a, *c;
	unsigned int mmio = 0;
	uint64_t gpa = 0, idb, info[3];
	struct ucall uc;
	struct msg m;
	pid_t pid;
	bool ok;

	ktap_print_header();
	ktap_set_plan(21);
	a = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	va = dvcpu_add(a, 0);
	dvcpu_setup_long64(va, guest_a);
	c = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vc = dvcpu_add(c, 0);
	dvcpu_setup_long64(vc, guest_c);

	TEST_ASSERT(pipe(to_b) == 0 && pipe(from_b) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(to_b[1]);
		close(from_b[0]);
		_exit(run_b(to_b[0], from_b[1]));
	}
	close(to_b[0]);
	close(from_b[1]);
	TEST_ASSERT(read(from_b[0], &idb, sizeof(idb)) == sizeof(idb), "B's domid");
	poke(a, &dom_b, idb);
	poke(a, &dom_c, c->domid);
	poke(c, &dom_a, a->domid);

	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == GNTST_okay && uc.args[2] == 1 &&
			 uc.args[3] == MAX_FRAMES,
			 "query_size: one frame from creation, at most %llu (Xen 4.17's max_grant_frames)",
			 (unsigned long long)uc.args[3]);
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result((long)uc.args[0] == -XEN_EINVAL &&
			 uc.args[1] == PACK2(0, GNTST_bad_domain) &&
			 uc.args[2] == PACK2(0, GNTST_permission_denied) &&
			 (long)uc.args[3] == -XEN_EFAULT,
			 "query_size: count 2 -EINVAL; no such domain GNTST_bad_domain, dom0 GNTST_permission_denied; a bad pointer -EFAULT");
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == PACK2(0, 1) && uc.args[1] == PACK2(0, -XEN_ENOMEM) &&
			 uc.args[2] == PACK2(1, -XEN_EINVAL) &&
			 uc.args[3] == PACK2(-XEN_EPERM, -XEN_ESRCH),
			 "version 1; set_version 1 accepted, 2 -ENOMEM (max_grant_version 1) with 1 written back, 3 -EINVAL; get_version of dom0 -EPERM, of none -ESRCH");

	run_a(va, &uc, &gpa, &mmio, false);
	ok = uc.args[0] == PACK2(0, 0) && uc.args[1] == PACK2(0, MAX_FRAMES) &&
	     uc.args[2] == PACK2(-XEN_EINVAL, -XEN_EINVAL) &&
	     uc.args[3] == PACK2(-XEN_EINVAL, -XEN_EPERM);
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(ok && (long)uc.args[0] == -XEN_ESRCH,
			 "add_to_physmap: frame 0 in a hole reads as zeros, frame 63 grows the table to 64; frame 64, a status frame, a gfn past 2^34 -EINVAL; dom0 -EPERM, none -ESRCH");

	mmio = 0;
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == PACK2(0, 0) && uc.args[1] == PACK2(1, 0) &&
			 uc.args[2] == 0x12345678 && uc.args[3] == PACK2(1, 1 << 8) &&
			 mmio == 1 && gpa == RAM_GFN << 12,
			 "a frame on RAM gives the page back (reservation -1), moves to a hole with its entries; the old place is a hole (MMIO exit at %#llx) until populated again, zeroed",
			 (unsigned long long)gpa);

	run_a(va, &uc, &gpa, &mmio, false);
	ok = uc.args[0] == PACK2(0, 0) && uc.args[1] == 1 && uc.args[2] == NO_GFN;
	run_a(va, &uc, &gpa, &mmio, false);
	ok = ok && uc.args[0] == PACK2(0, GNTST_general_error) &&
	     uc.args[1] == PACK2(0, GNTST_permission_denied) &&
	     uc.args[2] == PACK2(GNTST_bad_virt_addr, 0) &&
	     uc.args[3] == PACK2(-XEN_EINVAL, -XEN_EFAULT);
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(ok && uc.args[0] == PACK2(0, 0) && uc.args[1] == HOLE_GFN &&
			 uc.args[2] == (uint32_t)NO_GFN && uc.args[3] == 0,
			 "setup_table: where frames are (~0 for one not placed; 32-bit callers the low half); 65 frames GNTST_general_error, dom0 GNTST_permission_denied, a bad list GNTST_bad_virt_addr; count 0 -EINVAL, a bad pointer -EFAULT");

	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == PACK2(0, 0) && uc.args[1] == 0 &&
			 uc.args[2] == PACK2(1, 1) && uc.args[3] == 0xabcd,
			 "a frame placed over another unhooks it (not placed), and the first comes back with its entries");

	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == PACK2(0, GNTST_okay) &&
			 uc.args[1] == PACK2(GNTST_bad_gntref, 1) &&
			 uc.args[2] == PACK2(-XEN_ENOSYS, -XEN_ENOSYS) &&
			 uc.args[3] == PACK2(-XEN_ENOSYS, -XEN_EINVAL),
			 "swap_grant_ref swaps two entries, a ref past the table GNTST_bad_gntref; map_grant_ref, get_status_frames, bits above cmd -ENOSYS; a negative count -EINVAL");

	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == PACK2(GNTST_okay, GNTST_bad_gntref) &&
			 uc.args[2] == 1,
			 "a 32-bit caller's GNTTABOP_copy (compat layout): a frame copied, a bad ref GNTST_bad_gntref");

	run_a(va, &uc, &gpa, &mmio, false);
	TEST_ASSERT((long)uc.args[0] > 0, "A's port for B: %lld", (long long)uc.args[0]);
	info[0] = a->domid;
	info[1] = uc.args[0];
	info[2] = c->domid;

	/* C, in this process: refused B's grant, given its own. */
	step(vc, &uc, "C");
	ktap_test_result((long)uc.args[0] == GNTST_general_error && uc.args[1] == GNTST_okay &&
			 uc.args[2] == 1,
			 "a third domain: A's grant to B GNTST_general_error; A's grant to it copied");

	TEST_ASSERT(write(to_b[1], info, sizeof(info)) == sizeof(info), "to B");
	read_b(from_b[0], &m);
	ktap_test_result((long)m.args[0] > 0 && m.args[1] == GNTST_okay && m.args[2] == 1 &&
			 m.args[3] == GNTST_okay,
			 "B in another process: a page copied from A's read-only grant, another into A's writable grant");
	read_b(from_b[0], &m);
	ktap_test_result((long)m.args[0] == GNTST_general_error &&
			 (long)m.args[1] == GNTST_general_error &&
			 (long)m.args[2] == GNTST_general_error,
			 "A's read-only grant as a destination, a revoked ref, C's grant: GNTST_general_error, as Xen");
	read_b(from_b[0], &m);
	ktap_test_result((long)m.args[0] == GNTST_bad_gntref &&
			 m.args[1] == PACK2(GNTST_bad_domain, GNTST_bad_domain) &&
			 m.args[2] == PACK2(GNTST_permission_denied, GNTST_permission_denied) &&
			 m.args[3] == GNTST_okay,
			 "ref 40000 GNTST_bad_gntref; no such domain, DOMID_IO GNTST_bad_domain; a frame named by a domid, even its own, GNTST_permission_denied (DOMID_SELF works)");
	read_b(from_b[0], &m);
	ktap_test_result((long)m.args[0] == GNTST_bad_copy_arg && (long)m.args[1] == GNTST_bad_page &&
			 (long)m.args[2] == GNTST_bad_page && (long)m.args[3] == GNTST_bad_page,
			 "past the page GNTST_bad_copy_arg; a hole as source, as a grant's frame, as destination GNTST_bad_page");
	read_b(from_b[0], &m);
	ktap_test_result(m.args[0] == 0 && m.args[1] == GNTST_okay &&
			 (long)(int16_t)m.args[2] == GNTST_bad_gntref && m.args[3] == GNTST_okay,
			 "a batch of three: 0, each op its own status (%lld %lld %lld)",
			 (long long)(int16_t)m.args[1], (long long)(int16_t)m.args[2],
			 (long long)(int16_t)m.args[3]);
	read_b(from_b[0], &m);
	ktap_test_result(m.args[0] == PACK2(0, NR_HUGE) && m.args[1] > 0 &&
			 m.args[1] % sizeof(struct gnt_copy) == 0 && m.args[2] < NR_HUGE &&
			 m.args[1] / sizeof(struct gnt_copy) + m.args[2] == NR_HUGE && m.args[3] == 1,
			 "1024 ops in one call: all done, continued (uop moved on by %llu ops, count left %llu)",
			 (unsigned long long)(m.args[1] / sizeof(struct gnt_copy)),
			 (unsigned long long)m.args[2]);
	read_b(from_b[0], &m);
	ktap_test_result((long)m.args[0] == -XEN_EFAULT &&
			 m.args[1] == PACK2(-XEN_EFAULT, GNTST_okay) &&
			 (long)m.args[2] == -XEN_EINVAL && m.args[3] == 0,
			 "an op list not mapped -EFAULT, also after an op done before it; count 2^32-1 -EINVAL, count 0 does nothing");

	/* A watches its entry while B copies from it. */
	run_a(va, &uc, &gpa, &mmio, false);
	ktap_test_result(uc.args[0] & GTF_reading,
			 "while B copies, A's entry shows GTF_reading (flags %#llx after %.1f ms)",
			 (unsigned long long)uc.args[0], uc.args[1] / 1e6);
	TEST_ASSERT(write(to_b[1], "s", 1) == 1, "stop B");
	run_a(va, &uc, &gpa, &mmio, false);
	read_b(from_b[0], &m);
	ktap_test_result(uc.args[0] == 1 && uc.args[1] == PACK2(GTF_permit_access,
								 GTF_permit_access | GTF_readonly) &&
			 uc.args[2] == PACK2(1, GTF_permit_access | GTF_readonly | idb << 16) &&
			 uc.args[3] == 1 && m.args[1] == 0,
			 "B done, its event received: A has B's data, no GTF_reading/GTF_writing left, ends access with cmpxchg; the read-only page untouched");
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	ktap_test_result(WIFEXITED(st) && WEXITSTATUS(st) == 0, "B's process finished (%d)",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	run_a(va, &uc, &gpa, &mmio, true);

	dvcpu_free(vc);
	dvm_free(c);
	dvcpu_free(va);
	dvm_free(a);
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
