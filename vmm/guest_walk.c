// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walker (see guest_walk.h).
 *
 * One walk is a loop over at most five levels, top down, reading one entry
 * per level: a guest that points a table at itself (or anywhere else) only
 * changes what the next read sees, never how many reads there are. Every
 * entry is checked for P and reserved bits before anything in it is used,
 * so a hostile entry can only produce a fault, never a translation outside
 * what the leaf entry allows.
 *
 * Rule references are to the Intel SDM vol. 3, chapter 4 ("Paging") and
 * the AMD APM vol. 2, chapter 5 ("Page Translation and Protection"). Where
 * they differ the SDM is followed: AMD also reserves bit 8 of PML4Es and
 * PML5Es (APM 5.3.3), which we do not check since we do not know which
 * vendor the guest thinks it runs on.
 */
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/bits.h>
#else
#include "kshim.h"
#endif

#include "guest_walk.h"

#define GW_CR0_PE	BIT_ULL(0)
#define GW_CR0_WP	BIT_ULL(16)
#define GW_CR0_PG	BIT_ULL(31)
#define GW_CR4_PSE	BIT_ULL(4)
#define GW_CR4_PAE	BIT_ULL(5)
#define GW_CR4_LA57	BIT_ULL(12)
#define GW_CR4_SMEP	BIT_ULL(20)
#define GW_CR4_SMAP	BIT_ULL(21)
#define GW_EFER_LMA	BIT_ULL(10)
#define GW_EFER_NXE	BIT_ULL(11)

#define GW_PTE_P	BIT_ULL(0)
#define GW_PTE_RW	BIT_ULL(1)
#define GW_PTE_US	BIT_ULL(2)
#define GW_PTE_A	BIT_ULL(5)
#define GW_PTE_D	BIT_ULL(6)
#define GW_PTE_PS	BIT_ULL(7)
#define GW_PTE_XD	BIT_ULL(63)

/* Bits hi..lo of a u64; empty when hi < lo (e.g. 51:52 for MAXPHYADDR 52). */
#define GW_MASK(hi, lo)	((~0ULL >> (63 - (hi))) & (~0ULL << (lo)))

#define GW_SIZE_4K	0x1000ULL
#define GW_SIZE_2M	0x200000ULL
#define GW_SIZE_4M	0x400000ULL
#define GW_SIZE_1G	0x40000000ULL

#define GW_MAX_LEVELS	5

#define GW_ACCESS_ALL	(GUEST_ACCESS_READ | GUEST_ACCESS_WRITE | \
			 GUEST_ACCESS_FETCH | GUEST_ACCESS_USER)

/* SDM 4.1.1, table 4-1: the paging mode from CR0.PG, CR4.PAE, LMA, LA57. */
enum gw_mode {
	GW_MODE_NONE,
	GW_MODE_32,	/* 32-bit paging, 4-byte entries (SDM 4.3) */
	GW_MODE_PAE,	/* PAE paging (SDM 4.4) */
	GW_MODE_LM4,	/* 4-level paging (SDM 4.5) */
	GW_MODE_LM5,	/* 5-level paging (SDM 4.5) */
};

struct gw_walk {
	const struct guest_paging *pg;
	u64 la;
	unsigned int access;
	enum gw_mode mode;
	int top;		/* level of the table CR3 points to */
	unsigned int maxphy;	/* MAXPHYADDR */
	u64 addr_mask;		/* physical-address bits MAXPHYADDR-1:12 */
	/* What the last pass read, for the A/D update; nr <= top <= 5. */
	int nr;
	u64 word_gpa[GW_MAX_LEVELS];	/* the 8-byte word holding each entry */
	u64 word[GW_MAX_LEVELS];
	unsigned int shift[GW_MAX_LEVELS];	/* entry's bit offset in word */
	/* Rights accumulated over all levels (SDM 4.6). */
	bool user, writable, xd;
};

static bool gw_long_mode(const struct gw_walk *w)
{
	return w->mode == GW_MODE_LM4 || w->mode == GW_MODE_LM5;
}

/*
 * SDM 4.1.1 / APM 5.1: states the CPU refuses to enter (MOV CR0/CR4 #GP,
 * VM-entry checks) are -EINVAL, not something to translate. LMA without
 * LME is not checked: hypervisors sometimes synthesize EFER from LMA alone.
 */
static int gw_select_mode(const struct guest_paging *pg, enum gw_mode *mode)
{
	bool paging = pg->cr0 & GW_CR0_PG;
	bool lma = pg->efer & GW_EFER_LMA;

	if (paging && !(pg->cr0 & GW_CR0_PE))
		return -EINVAL;
	if (!paging) {
		if (lma)
			return -EINVAL;
		*mode = GW_MODE_NONE;
		return 0;
	}
	if (lma) {
		if (!(pg->cr4 & GW_CR4_PAE))
			return -EINVAL;
		/* CR4.LA57 only matters in IA-32e mode (SDM 4.1.1). */
		*mode = (pg->cr4 & GW_CR4_LA57) ? GW_MODE_LM5 : GW_MODE_LM4;
		return 0;
	}
	*mode = (pg->cr4 & GW_CR4_PAE) ? GW_MODE_PAE : GW_MODE_32;
	return 0;
}

static int gw_setup(struct gw_walk *w, const struct guest_paging *pg,
		    u64 la, unsigned int access)
{
	static const int top[] = {
		[GW_MODE_NONE] = 0, [GW_MODE_32] = 2, [GW_MODE_PAE] = 3,
		[GW_MODE_LM4] = 4, [GW_MODE_LM5] = 5,
	};
	int ret;

	if (access & ~GW_ACCESS_ALL)
		return -EINVAL;
	if ((access & GUEST_ACCESS_WRITE) && (access & GUEST_ACCESS_FETCH))
		return -EINVAL;
	w->pg = pg;
	w->access = access;
	w->maxphy = pg->maxphyaddr ? pg->maxphyaddr : 52;
	/* 52 is the architectural limit (SDM 4.1.4); every CPU has >= 36. */
	if (w->maxphy < 32 || w->maxphy > 52)
		return -EINVAL;
	w->addr_mask = GW_MASK(w->maxphy - 1, 12);
	ret = gw_select_mode(pg, &w->mode);
	if (ret)
		return ret;
	w->top = top[w->mode];
	/* Outside IA-32e mode linear addresses are 32 bits (SDM 3.3.6). */
	w->la = gw_long_mode(w) ? la : (u32)la;
	return 0;
}

/*
 * SDM 4.5.1 / APM 5.3.1: bits 63:47 (63:56 with LA57) must all equal the
 * top implemented bit, or the access takes #GP/#SS before any walk.
 */
static bool gw_canonical(const struct gw_walk *w)
{
	unsigned int bits = w->mode == GW_MODE_LM5 ? 57 : 48;
	s64 sext = (s64)(w->la << (64 - bits)) >> (64 - bits);

	return !gw_long_mode(w) || (u64)sext == w->la;
}

static unsigned int gw_entry_size(const struct gw_walk *w)
{
	return w->mode == GW_MODE_32 ? 4 : 8;
}

/* Index of la's entry in the table at @level (SDM 4.3, 4.4.2, 4.5.4). */
static u64 gw_index(const struct gw_walk *w, int level)
{
	if (w->mode == GW_MODE_32)
		return (w->la >> (12 + 10 * (level - 1))) & 0x3ff;
	if (w->mode == GW_MODE_PAE && level == 3)
		return (w->la >> 30) & 3;
	return (w->la >> (12 + 9 * (level - 1))) & 0x1ff;
}

/*
 * The table CR3 points to. PAE: the PDPT is 32-byte aligned at CR3[31:5]
 * (SDM 4.4.1). Real CPUs load the four PDPTEs at MOV CR3 (and VM entry
 * may take them from the VMCS); reading them now instead only differs if
 * the guest edited its PDPT without reloading CR3, which the SDM leaves
 * undefined anyway. CR3 bits above MAXPHYADDR #GP on load, so are dropped.
 */
static u64 gw_root(const struct gw_walk *w)
{
	if (w->mode == GW_MODE_32)
		return w->pg->cr3 & 0xfffff000ULL;
	if (w->mode == GW_MODE_PAE)
		return w->pg->cr3 & 0xffffffe0ULL;
	return w->pg->cr3 & w->addr_mask;
}

static u64 gw_next_table(const struct gw_walk *w, u64 e)
{
	if (w->mode == GW_MODE_32)
		return e & 0xfffff000ULL;
	return e & w->addr_mask;
}

/*
 * Reads the entry at @gpa through its 8-byte-aligned word, so the callback
 * never sees a read straddling a page; a 4-byte entry is one half of it.
 */
static int gw_read_entry(struct gw_walk *w, guest_read_phys_fn read,
			 void *ctx, u64 gpa, u64 *e)
{
	u64 word_gpa = gpa & ~7ULL;
	unsigned int shift = (unsigned int)(gpa & 4) * 8;
	u64 word;
	int i = w->nr;

	if (read(ctx, word_gpa, &word))
		return -EFAULT;
	*e = word;
	if (gw_entry_size(w) == 4)
		*e = (u32)(word >> shift);
	else
		shift = 0;
	w->word_gpa[i] = word_gpa;
	w->word[i] = word;
	w->shift[i] = shift;
	w->nr = i + 1;
	return 0;
}

/*
 * 32-bit paging 4-MByte PDE (SDM 4.3, table 4-4): bits 20:13 hold physical
 * bits 39:32, as many as min(MAXPHYADDR, 40) allows (PSE-36); the rest of
 * 20:13, and bit 21, are reserved.
 */
static unsigned int gw_pse36_bits(const struct gw_walk *w)
{
	return (w->maxphy > 40 ? 40 : w->maxphy) - 32;
}

static u64 gw_rsvd_32(const struct gw_walk *w, int level, u64 e)
{
	/* With CR4.PSE=0 the PS bit is ignored (SDM 4.3): no large page. */
	if (level != 2 || !(e & GW_PTE_PS) || !(w->pg->cr4 & GW_CR4_PSE))
		return 0;
	return GW_MASK(21, 13) & ~GW_MASK(12 + gw_pse36_bits(w), 13);
}

/* PAE paging: SDM 4.4.1 (PDPTE, table 4-8) and 4.4.2 (tables 4-9..4-11). */
static u64 gw_rsvd_pae(const struct gw_walk *w, int level, u64 e)
{
	u64 rsvd;

	/* PDPTEs have no R/W, U/S, A, PS or XD: those bits are reserved. */
	if (level == 3)
		return GW_MASK(63, w->maxphy) | GW_MASK(8, 5) | GW_MASK(2, 1);
	rsvd = GW_MASK(62, w->maxphy);
	if (!(w->pg->efer & GW_EFER_NXE))
		rsvd |= GW_PTE_XD;
	if (level == 2 && (e & GW_PTE_PS))
		rsvd |= GW_MASK(20, 13);	/* 2-MByte page: bit 12 is PAT */
	return rsvd;
}

/*
 * 4-/5-level paging: SDM 4.5.4, tables 4-14..4-20. Bits 62:52 are ignored
 * (or protection keys, not modelled), 51:MAXPHYADDR reserved.
 */
static u64 gw_rsvd_lm(const struct gw_walk *w, int level, u64 e)
{
	u64 rsvd = GW_MASK(51, w->maxphy);

	if (!(w->pg->efer & GW_EFER_NXE))
		rsvd |= GW_PTE_XD;
	if (level >= 4)
		return rsvd | GW_PTE_PS;	/* no 512-GByte pages */
	if (!(e & GW_PTE_PS) || level == 1)
		return rsvd;			/* bit 7 of a PTE is PAT */
	if (level == 3)		/* PS is reserved without 1-GByte pages */
		return rsvd | (w->pg->gbpages ? GW_MASK(29, 13) : GW_PTE_PS);
	return rsvd | GW_MASK(20, 13);
}

static u64 gw_rsvd(const struct gw_walk *w, int level, u64 e)
{
	if (w->mode == GW_MODE_32)
		return gw_rsvd_32(w, level, e);
	if (w->mode == GW_MODE_PAE)
		return gw_rsvd_pae(w, level, e);
	return gw_rsvd_lm(w, level, e);
}

/* Called only after gw_rsvd() passed, so PS here is a legal large page. */
static bool gw_is_leaf(const struct gw_walk *w, int level, u64 e)
{
	if (level == 1)
		return true;
	if (!(e & GW_PTE_PS))
		return false;
	if (level == 2)
		return w->mode != GW_MODE_32 || (w->pg->cr4 & GW_CR4_PSE);
	return level == 3 && gw_long_mode(w);
}

/*
 * SDM 4.6: a page is user-mode only if U/S is 1 at every level, writable
 * only if R/W is 1 at every level, and execute-disabled if XD is 1 at any
 * level (only with EFER.NXE; without it XD is reserved, see above). PAE
 * PDPTEs carry no rights (SDM 4.4.1).
 */
static void gw_accumulate(struct gw_walk *w, int level, u64 e)
{
	if (w->mode == GW_MODE_PAE && level == 3)
		return;
	w->user = w->user && (e & GW_PTE_US);
	w->writable = w->writable && (e & GW_PTE_RW);
	if (w->mode != GW_MODE_32 && (w->pg->efer & GW_EFER_NXE))
		w->xd = w->xd || (e & GW_PTE_XD);
}

/* SDM 4.7: W, U and I/D describe the access, whatever the fault. */
static u32 gw_pfec(const struct gw_walk *w, u32 bits)
{
	const struct guest_paging *pg = w->pg;

	if (w->access & GUEST_ACCESS_WRITE)
		bits |= GUEST_PFEC_W;
	if (w->access & GUEST_ACCESS_USER)
		bits |= GUEST_PFEC_U;
	/* I/D only when SMEP, or when PAE-style paging has NXE (SDM 4.7). */
	if ((w->access & GUEST_ACCESS_FETCH) &&
	    ((pg->cr4 & GW_CR4_SMEP) ||
	     ((pg->cr4 & GW_CR4_PAE) && (pg->efer & GW_EFER_NXE))))
		bits |= GUEST_PFEC_ID;
	return bits;
}

static int gw_page_fault(const struct gw_walk *w, struct guest_walk_result *res,
			 int level, u32 bits)
{
	res->pf_error = gw_pfec(w, bits);
	res->level = level;
	return -EFAULT;
}

static bool gw_user_denied(const struct gw_walk *w)
{
	unsigned int a = w->access;

	if (!w->user)
		return true;
	if ((a & GUEST_ACCESS_WRITE) && !w->writable)
		return true;
	return (a & GUEST_ACCESS_FETCH) && w->xd;
}

/*
 * SDM 4.6.1, supervisor (CPL < 3) accesses: SMEP forbids fetching from
 * user pages; SMAP forbids data accesses to user pages unless RFLAGS.AC
 * (implicit supervisor accesses, which ignore AC, are the caller's to
 * flag by clearing @ac); CR0.WP=0 lets supervisor writes ignore R/W.
 */
static bool gw_supervisor_denied(const struct gw_walk *w)
{
	const struct guest_paging *pg = w->pg;
	unsigned int a = w->access;
	bool fetch = a & GUEST_ACCESS_FETCH;

	if (w->user && fetch && (pg->cr4 & GW_CR4_SMEP))
		return true;
	if (w->user && !fetch && (pg->cr4 & GW_CR4_SMAP) && !pg->ac)
		return true;
	if ((a & GUEST_ACCESS_WRITE) && !w->writable && (pg->cr0 & GW_CR0_WP))
		return true;
	return fetch && w->xd;
}

static u64 gw_page_size(const struct gw_walk *w, int level)
{
	if (level == 3)
		return GW_SIZE_1G;
	if (level == 2)
		return w->mode == GW_MODE_32 ? GW_SIZE_4M : GW_SIZE_2M;
	return GW_SIZE_4K;
}

/* The page frame the leaf maps; its reserved bits have been checked. */
static u64 gw_frame(const struct gw_walk *w, int level, u64 e, u64 size)
{
	u64 hi;

	if (w->mode != GW_MODE_32)
		return e & w->addr_mask & ~(size - 1);
	if (level == 1)
		return e & 0xfffff000ULL;
	/* PSE-36: PDE bits 20:13 are physical bits 39:32 (SDM 4.3). */
	hi = (e >> 13) & ((1ULL << gw_pse36_bits(w)) - 1);
	return (e & 0xffc00000ULL) | (hi << 32);
}

static int gw_leaf(const struct gw_walk *w, int level, u64 e,
		   struct guest_walk_result *res)
{
	bool denied;
	u64 size;

	if (w->access & GUEST_ACCESS_USER)
		denied = gw_user_denied(w);
	else
		denied = gw_supervisor_denied(w);
	if (denied)
		return gw_page_fault(w, res, level, GUEST_PFEC_P);
	size = gw_page_size(w, level);
	res->gpa = gw_frame(w, level, e, size) | (w->la & (size - 1));
	res->page_size = size;
	res->level = level;
	return 0;
}

/*
 * One pass, top down. The SDM order (4.7): a not-present entry faults
 * without its other bits being looked at; a present one with a reserved
 * bit faults with RSVD; rights are checked once the leaf is reached.
 */
static int gw_translate(struct gw_walk *w, guest_read_phys_fn read, void *ctx,
			struct guest_walk_result *res)
{
	u64 table = gw_root(w);
	int level;

	w->nr = 0;
	w->user = true;
	w->writable = true;
	w->xd = false;
	for (level = w->top; level >= 1; level--) {
		u64 gpa = table + gw_index(w, level) * gw_entry_size(w);
		u64 e;

		if (gw_read_entry(w, read, ctx, gpa, &e)) {
			res->phys_fault = true;
			res->level = level;
			return -EFAULT;
		}
		if (!(e & GW_PTE_P))
			return gw_page_fault(w, res, level, 0);
		if (e & gw_rsvd(w, level, e))
			return gw_page_fault(w, res, level,
					     GUEST_PFEC_P | GUEST_PFEC_RSVD);
		gw_accumulate(w, level, e);
		if (gw_is_leaf(w, level, e))
			return gw_leaf(w, level, e, res);
		table = gw_next_table(w, e);
	}
	return -EINVAL;		/* unreachable: a level-1 entry is a leaf */
}

/*
 * SDM 4.8: A in every entry used, D in the leaf for writes. PAE PDPTEs
 * have no A bit (bit 5 is reserved there). Top down, like the hardware,
 * so a retry after -EAGAIN finds the upper levels already done.
 */
static int gw_update_ad(const struct gw_walk *w, guest_set_bits_fn set_bits,
			void *ctx)
{
	int i;

	for (i = 0; i < w->nr; i++) {
		u64 need = GW_PTE_A;
		u64 bits;
		int ret;

		if (w->mode == GW_MODE_PAE && i == 0)
			continue;
		if (i == w->nr - 1 && (w->access & GUEST_ACCESS_WRITE))
			need |= GW_PTE_D;
		bits = need << w->shift[i];
		if ((w->word[i] & bits) == bits)
			continue;
		ret = set_bits(ctx, w->word_gpa[i], w->word[i],
			       w->word[i] | bits);
		if (ret)
			return ret;
	}
	return 0;
}

int guest_walk_ad(const struct guest_paging *pg, u64 la, unsigned int access,
		  guest_read_phys_fn read, guest_set_bits_fn set_bits,
		  void *ctx, struct guest_walk_result *res)
{
	struct gw_walk w;
	int tries, ret;

	*res = (struct guest_walk_result){ 0 };
	if (!pg || !read)
		return -EINVAL;
	ret = gw_setup(&w, pg, la, access);
	if (ret)
		return ret;
	if (w.mode == GW_MODE_NONE) {
		res->gpa = w.la;
		res->page_size = GW_SIZE_4K;
		return 0;
	}
	if (!gw_canonical(&w)) {
		res->noncanonical = true;
		return -EFAULT;
	}
	/*
	 * A failed compare-exchange means another vCPU changed an entry we
	 * used: walk again from the top, as the hardware's locked update
	 * would, but only a few times so a guest cannot keep us here.
	 */
	for (tries = 0; tries < GUEST_WALK_MAX_TRIES; tries++) {
		*res = (struct guest_walk_result){ 0 };
		ret = gw_translate(&w, read, ctx, res);
		if (ret || !set_bits)
			return ret;
		ret = gw_update_ad(&w, set_bits, ctx);
		if (!ret)
			return 0;
		if (ret != -EAGAIN)
			break;
	}
	*res = (struct guest_walk_result){ .level = res->level };
	if (ret == -EAGAIN)
		return -EAGAIN;
	res->phys_fault = true;
	return -EFAULT;
}

int guest_walk(const struct guest_paging *pg, u64 la, unsigned int access,
	       guest_read_phys_fn read, void *ctx,
	       struct guest_walk_result *res)
{
	return guest_walk_ad(pg, la, access, read, NULL, ctx, res);
}
