// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the guest page-table walker (vmm/guest_walk.c), as
 * KTAP. Guest memory is a 16 MiB array where gpa == offset; reads outside
 * it fail like a gpa that is not guest RAM. Page tables are built in it by
 * hand for each paging mode, then walked; the constants below are written
 * out from the SDM on purpose instead of shared with the walker.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kshim.h"
#include "guest_walk.h"

#define CR0_PE		BIT_ULL(0)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define CR4_SMEP	BIT_ULL(20)
#define CR4_SMAP	BIT_ULL(21)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NXE	BIT_ULL(11)

#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define A	BIT_ULL(5)
#define D	BIT_ULL(6)
#define PS	BIT_ULL(7)
#define XD	BIT_ULL(63)

#define RD	GUEST_ACCESS_READ
#define WR	GUEST_ACCESS_WRITE
#define EX	GUEST_ACCESS_FETCH
#define USR	GUEST_ACCESS_USER

#define PF_P	GUEST_PFEC_P
#define PF_W	GUEST_PFEC_W
#define PF_U	GUEST_PFEC_U
#define PF_RSVD	GUEST_PFEC_RSVD
#define PF_ID	GUEST_PFEC_ID

#define SZ_4K	0x1000ULL
#define SZ_2M	0x200000ULL
#define SZ_4M	0x400000ULL
#define SZ_1G	0x40000000ULL

#define MEM_SIZE	(16ULL << 20)
#define ADDR_MASK	0x000ffffffffff000ULL

static u8 mem[MEM_SIZE] __attribute__((aligned(4096)));
static u64 next_free;

/* What the callbacks saw, and how they should misbehave. */
struct fake {
	int reads;
	int misaligned;
	u64 last_gpa;
	u64 last_val;
	int sets;
	int eagain;		/* -EAGAIN replies left; -1: forever */
	bool eagain_random;	/* fuzz: -EAGAIN one time in four */
	bool set_efault;
	u64 mutate_gpa;		/* written with mutate_val at the first set */
	u64 mutate_val;
	int bad_sets;		/* a set that changed more than A/D */
};

static struct fake fk;
static int cur_failed;
static u64 rng = 0x2545f4914f6cdd1dULL;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, #cond);			\
		cur_failed = 1;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long a_ = (a), b_ = (b);				\
	if (a_ != b_) {							\
		printf("# %s:%d: %s == 0x%llx, expected %s == 0x%llx\n",\
		       __FILE__, __LINE__, #a, a_, #b, b_);		\
		cur_failed = 1;						\
	}								\
} while (0)

static u64 xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, mem + gpa, 8);
	return v;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(mem + gpa, &v, 8);
}

static u32 get32(u64 gpa)
{
	u32 v;

	memcpy(&v, mem + gpa, 4);
	return v;
}

static void put32(u64 gpa, u32 v)
{
	memcpy(mem + gpa, &v, 4);
}

static int fake_read(void *ctx, u64 gpa, u64 *val)
{
	struct fake *f = ctx;

	f->reads++;
	if (gpa & 7) {
		f->misaligned++;
		return -EFAULT;
	}
	if (gpa >= MEM_SIZE)
		return -EFAULT;
	*val = get64(gpa);
	f->last_gpa = gpa;
	f->last_val = *val;
	return 0;
}

/* Only A and D, in either 4-byte half, may ever be turned on. */
static bool ad_only(u64 old, u64 new)
{
	u64 ad = A | D | ((A | D) << 32);

	return (old & ~new) == 0 && ((new & ~old) & ~ad) == 0;
}

static int fake_set(void *ctx, u64 gpa, u64 old, u64 new)
{
	struct fake *f = ctx;

	f->sets++;
	if (f->eagain) {
		if (f->eagain > 0)
			f->eagain--;
		return -EAGAIN;
	}
	if (f->mutate_gpa) {
		put64(f->mutate_gpa, f->mutate_val);
		f->mutate_gpa = 0;
	}
	if (f->eagain_random && (xorshift() & 3) == 0)
		return -EAGAIN;
	if (f->set_efault || (gpa & 7) || gpa >= MEM_SIZE)
		return -EFAULT;
	if (!ad_only(old, new))
		f->bad_sets++;
	if (get64(gpa) != old)
		return -EAGAIN;
	put64(gpa, new);
	return 0;
}

static void reset(void)
{
	memset(mem, 0, MEM_SIZE);
	memset(&fk, 0, sizeof(fk));
	next_free = 0x100000;
}

static u64 alloc_page(void)
{
	u64 p = next_free;

	next_free += SZ_4K;
	return p;
}

static int walk(const struct guest_paging *pg, u64 la, unsigned int acc,
		struct guest_walk_result *r)
{
	return guest_walk(pg, la, acc, fake_read, &fk, r);
}

static int walk_ad(const struct guest_paging *pg, u64 la, unsigned int acc,
		   struct guest_walk_result *r)
{
	return guest_walk_ad(pg, la, acc, fake_read, fake_set, &fk, r);
}

/* --- building page tables ---------------------------------------------- */

/* Where map64()/map32() put each level's entry for the last address. */
static u64 ent_at[6];

static struct guest_paging pg_32(bool pse)
{
	struct guest_paging pg = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP,
		.cr3 = alloc_page(),
		.cr4 = pse ? CR4_PSE : 0,
		.maxphyaddr = 40,
	};
	return pg;
}

/* The PDPT sits 32 bytes into its page to test CR3[31:5] addressing. */
static struct guest_paging pg_pae(void)
{
	struct guest_paging pg = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP,
		.cr3 = alloc_page() + 0x20,
		.cr4 = CR4_PAE,
		.efer = EFER_NXE,
	};
	return pg;
}

static struct guest_paging pg_lm(bool la57)
{
	struct guest_paging pg = {
		.cr0 = CR0_PE | CR0_PG | CR0_WP,
		.cr3 = alloc_page(),
		.cr4 = CR4_PAE | (la57 ? CR4_LA57 : 0),
		.efer = EFER_LME | EFER_LMA | EFER_NXE,
		.gbpages = true,
	};
	return pg;
}

static int top_level(const struct guest_paging *pg)
{
	if (!(pg->efer & EFER_LMA))
		return 3;
	return (pg->cr4 & CR4_LA57) ? 5 : 4;
}

/*
 * Maps la to pa with a leaf at @leaf (1 = 4K, 2 = 2M, 3 = 1G) in the
 * 8-byte-entry tree of @pg; missing tables get P|RW|US (PAE PDPTEs: P).
 */
static void map64(const struct guest_paging *pg, u64 la, int leaf, u64 pa,
		  u64 flags)
{
	int top = top_level(pg);
	u64 table = top == 3 ? (pg->cr3 & 0xffffffe0) : (pg->cr3 & ADDR_MASK);
	int level;

	for (level = top; level > leaf; level--) {
		u64 idx = (la >> (12 + 9 * (level - 1))) & 0x1ff;
		u64 e;

		if (top == 3 && level == 3)
			idx = (la >> 30) & 3;
		ent_at[level] = table + idx * 8;
		e = get64(ent_at[level]);
		if (!(e & P)) {
			e = alloc_page() | (top == 3 && level == 3 ? P : P | RW | US);
			put64(ent_at[level], e);
		}
		table = e & ADDR_MASK;
	}
	ent_at[leaf] = table + ((la >> (12 + 9 * (leaf - 1))) & 0x1ff) * 8;
	put64(ent_at[leaf], pa | flags | (leaf > 1 ? PS : 0));
}

static void map32(const struct guest_paging *pg, u64 la, int leaf, u64 pa,
		  u32 flags)
{
	u64 pd = pg->cr3 & 0xfffff000;
	u32 pde;

	ent_at[2] = pd + ((la >> 22) & 0x3ff) * 4;
	if (leaf == 2) {
		put32(ent_at[2], (u32)pa | flags | PS | ((pa >> 32) << 13));
		return;
	}
	pde = get32(ent_at[2]);
	if (!(pde & P)) {
		pde = (u32)alloc_page() | P | RW | US;
		put32(ent_at[2], pde);
	}
	ent_at[1] = (pde & 0xfffff000) + ((la >> 12) & 0x3ff) * 4;
	put32(ent_at[1], (u32)pa | flags);
}

static void set_ent(int level, u64 set, u64 clear)
{
	put64(ent_at[level], (get64(ent_at[level]) | set) & ~clear);
}

static void set_ent32(int level, u32 set, u32 clear)
{
	put32(ent_at[level], (get32(ent_at[level]) | set) & ~clear);
}

/* Expects a guest #PF with @pfec at @level. */
static void expect_pf(const struct guest_paging *pg, u64 la, unsigned int acc,
		      u32 pfec, int level)
{
	struct guest_walk_result r;

	CHECK_EQ(walk(pg, la, acc, &r), -EFAULT);
	CHECK_EQ(r.pf_error, pfec);
	CHECK_EQ(r.level, level);
	CHECK(!r.phys_fault && !r.noncanonical);
}

static void expect_ok(const struct guest_paging *pg, u64 la, unsigned int acc,
		      u64 gpa, u64 size)
{
	struct guest_walk_result r;

	CHECK_EQ(walk(pg, la, acc, &r), 0);
	CHECK_EQ(r.gpa, gpa);
	CHECK_EQ(r.page_size, size);
}

/* --- no paging, bad state ---------------------------------------------- */

static void t_no_paging(void)
{
	struct guest_paging pg = { .cr0 = CR0_PE };
	struct guest_walk_result r;

	CHECK_EQ(walk(&pg, 0x123456789abcULL, RD, &r), 0);
	CHECK_EQ(r.gpa, 0x56789abcULL);
	CHECK_EQ(fk.reads, 0);
	pg.cr0 = 0;
	CHECK_EQ(walk(&pg, 0xfffff000, WR | USR, &r), 0);
	CHECK_EQ(r.gpa, 0xfffff000);
}

static void t_invalid_state(void)
{
	struct guest_paging pg = { .cr0 = CR0_PG, .cr4 = CR4_PAE };
	struct guest_walk_result r;

	CHECK_EQ(walk(&pg, 0, RD, &r), -EINVAL);	/* PG without PE */
	pg.cr0 = CR0_PE;
	pg.efer = EFER_LMA;
	CHECK_EQ(walk(&pg, 0, RD, &r), -EINVAL);	/* LMA without PG */
	pg.cr0 = CR0_PE | CR0_PG;
	pg.cr4 = 0;
	CHECK_EQ(walk(&pg, 0, RD, &r), -EINVAL);	/* LMA without PAE */
	pg.cr4 = CR4_PAE;
	pg.maxphyaddr = 53;
	CHECK_EQ(walk(&pg, 0, RD, &r), -EINVAL);
	pg.maxphyaddr = 31;
	CHECK_EQ(walk(&pg, 0, RD, &r), -EINVAL);
	pg.maxphyaddr = 0;
	CHECK_EQ(walk(&pg, 0, WR | EX, &r), -EINVAL);
	CHECK_EQ(walk(&pg, 0, 0x10, &r), -EINVAL);
	CHECK_EQ(fk.reads, 0);
}

/* --- 32-bit paging ----------------------------------------------------- */

static void t_32_4k(void)
{
	struct guest_paging pg = pg_32(false);

	map32(&pg, 0xc0801000, 1, 0x00abc000, P | RW);
	map32(&pg, 0xc0802000, 1, 0x00def000, P);	/* the odd 4-byte slot */
	expect_ok(&pg, 0xc0801234, RD, 0x00abc234, SZ_4K);
	expect_ok(&pg, 0xc0802fff, RD, 0x00deffff, SZ_4K);
	/* Upper 32 bits of la are not part of a 32-bit linear address. */
	expect_ok(&pg, 0x77c0801234ULL, RD, 0x00abc234, SZ_4K);
}

static void t_32_4m(void)
{
	struct guest_paging pg = pg_32(true);

	map32(&pg, 0x80000000, 2, 0x12c00000, P | RW);
	expect_ok(&pg, 0x803fffff, RD, 0x12ffffff, SZ_4M);
	expect_ok(&pg, 0x80012345, WR, 0x12c12345, SZ_4M);
}

static void t_32_pse36(void)
{
	struct guest_paging pg = pg_32(true);

	/* PDE bits 20:13 are physical bits 39:32. */
	map32(&pg, 0x40000000, 2, 0xab00400000ULL, P);
	expect_ok(&pg, 0x40123456, RD, 0xab00523456ULL, SZ_4M);
	/* With MAXPHYADDR 36 only bits 16:13 are address, 21:17 reserved. */
	pg.maxphyaddr = 36;
	expect_pf(&pg, 0x40123456, RD, PF_P | PF_RSVD, 2);
	map32(&pg, 0x40000000, 2, 0xb00400000ULL, P);
	expect_ok(&pg, 0x40123456, RD, 0xb00523456ULL, SZ_4M);
	set_ent32(2, 1u << 21, 0);	/* bit 21 is always reserved */
	pg.maxphyaddr = 52;
	expect_pf(&pg, 0x40123456, RD, PF_P | PF_RSVD, 2);
}

static void t_32_ps_without_pse(void)
{
	struct guest_paging pg = pg_32(false);

	/* CR4.PSE=0: PS is ignored, the PDE points at a page table. */
	map32(&pg, 0x00401000, 1, 0x00333000, P);
	set_ent32(2, PS, 0);
	expect_ok(&pg, 0x00401010, RD, 0x00333010, SZ_4K);
}

static void t_32_not_present(void)
{
	struct guest_paging pg = pg_32(true);

	expect_pf(&pg, 0x1000, RD, 0, 2);
	expect_pf(&pg, 0x1000, WR | USR, PF_W | PF_U, 2);
	map32(&pg, 0x1000, 1, 0x5000, 0xfffffffe & 0xfff);	/* P clear */
	expect_pf(&pg, 0x1000, RD, 0, 1);
}

static void t_32_fetch_id(void)
{
	struct guest_paging pg = pg_32(false);

	/* I/D is reported only with SMEP or PAE+NXE (SDM 4.7). */
	pg.efer = EFER_NXE;
	expect_pf(&pg, 0x2000, EX, 0, 2);
	pg.cr4 |= CR4_SMEP;
	expect_pf(&pg, 0x2000, EX, PF_ID, 2);
}

static void t_32_perms(void)
{
	struct guest_paging pg = pg_32(false);

	map32(&pg, 0x3000, 1, 0x7000, P | US);
	expect_pf(&pg, 0x3000, WR, PF_P | PF_W, 1);
	expect_pf(&pg, 0x3000, WR | USR, PF_P | PF_W | PF_U, 1);
	pg.cr0 &= ~CR0_WP;
	expect_ok(&pg, 0x3000, WR, 0x7000, SZ_4K);
	expect_ok(&pg, 0x3000, EX | USR, 0x7000, SZ_4K);	/* no NX here */
}

/* --- PAE paging -------------------------------------------------------- */

static void t_pae_4k_2m(void)
{
	struct guest_paging pg = pg_pae();

	map64(&pg, 0xbfe01000, 1, 0x123456000ULL, P | RW);
	map64(&pg, 0x40200000, 2, 0x7ffe00000ULL, P);
	expect_ok(&pg, 0xbfe01abc, RD, 0x123456abcULL, SZ_4K);
	expect_ok(&pg, 0x402fedcb, RD, 0x7ffefedcbULL, SZ_2M);
	CHECK_EQ(fk.reads, 5);	/* 3 levels for 4K, 2 for 2M */
}

static void t_pae_pdpte_not_present(void)
{
	struct guest_paging pg = pg_pae();

	map64(&pg, 0x00001000, 1, 0x9000, P);
	expect_pf(&pg, 0xc0001000, RD, 0, 3);
	expect_ok(&pg, 0x00001000, RD, 0x9000, SZ_4K);
}

static void t_pae_pdpte_rsvd(void)
{
	static const u64 bits[] = { RW, US, A, PS, BIT_ULL(8), XD, BIT_ULL(52) };
	struct guest_paging pg = pg_pae();
	unsigned int i;

	map64(&pg, 0x00001000, 1, 0x9000, P);
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		set_ent(3, bits[i], 0);
		expect_pf(&pg, 0x00001000, RD, PF_P | PF_RSVD, 3);
		set_ent(3, 0, bits[i]);
	}
	expect_ok(&pg, 0x00001000, RD, 0x9000, SZ_4K);
}

static void t_pae_rsvd(void)
{
	struct guest_paging pg = pg_pae();

	map64(&pg, 0x00001000, 1, 0x9000, P | XD);
	expect_ok(&pg, 0x00001000, RD, 0x9000, SZ_4K);
	pg.efer = 0;	/* XD is reserved without NXE */
	expect_pf(&pg, 0x00001000, RD, PF_P | PF_RSVD, 1);
	pg.efer = EFER_NXE;
	set_ent(1, BIT_ULL(62), 0);	/* PAE reserves 62:MAXPHYADDR */
	expect_pf(&pg, 0x00001000, RD, PF_P | PF_RSVD, 1);
	map64(&pg, 0x00200000, 2, 0x400000, P | BIT_ULL(13));
	expect_pf(&pg, 0x00200000, RD, PF_P | PF_RSVD, 2);
	set_ent(2, BIT_ULL(12), BIT_ULL(13));	/* bit 12 is PAT: fine */
	expect_ok(&pg, 0x00200000, RD, 0x400000, SZ_2M);
}

static void t_pae_nx(void)
{
	struct guest_paging pg = pg_pae();

	map64(&pg, 0x00001000, 1, 0x9000, P | XD);
	expect_pf(&pg, 0x00001000, EX, PF_P | PF_ID, 1);
	expect_pf(&pg, 0x00002000, EX, PF_ID, 1);	/* not present */
}

static void t_pae_la57_ignored(void)
{
	struct guest_paging pg = pg_pae();

	pg.cr4 |= CR4_LA57;	/* only meaningful in IA-32e mode */
	map64(&pg, 0x00001000, 1, 0x9000, P);
	expect_ok(&pg, 0x00001000, RD, 0x9000, SZ_4K);
}

/* --- 4-level paging ---------------------------------------------------- */

#define LA4	0x00007fabcdef1234ULL

static void t_lm_4k(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);
	CHECK_EQ(fk.reads, 4);
}

static void t_lm_2m(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 2, 0x123400000ULL, P | RW);
	expect_ok(&pg, LA4, RD, 0x123400000ULL | (LA4 & (SZ_2M - 1)), SZ_2M);
}

static void t_lm_1g(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 3, 0xabc40000000ULL, P | RW);
	expect_ok(&pg, LA4, RD, 0xabc40000000ULL | (LA4 & (SZ_1G - 1)), SZ_1G);
}

static void t_lm_high_half(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, 0xffffffff81000000ULL, 2, 0x1000000, P | RW);
	expect_ok(&pg, 0xffffffff81012345ULL, RD, 0x1012345, SZ_2M);
}

static void t_lm_not_present_each_level(void)
{
	int level;

	for (level = 4; level >= 1; level--) {
		struct guest_paging pg;

		reset();
		pg = pg_lm(false);
		map64(&pg, LA4, 1, 0x50000000, P | RW);
		/* Everything but P set: none of it may be looked at. */
		put64(ent_at[level], ~P);
		expect_pf(&pg, LA4, RD, 0, level);
		expect_pf(&pg, LA4, WR | USR, PF_W | PF_U, level);
		expect_pf(&pg, LA4, EX, PF_ID, level);
	}
}

static void t_lm_1g_without_gbpages(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 3, 0x40000000, P);
	pg.gbpages = false;
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 3);
}

static void t_lm_large_rsvd(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 3, 0x40000000, P | BIT_ULL(13));
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 3);
	set_ent(3, BIT_ULL(29), BIT_ULL(13));
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 3);
	set_ent(3, BIT_ULL(12), BIT_ULL(29));	/* PAT */
	expect_ok(&pg, LA4, RD, 0x40000000 | (LA4 & (SZ_1G - 1)), SZ_1G);
	put64(ent_at[3], 0);
	map64(&pg, LA4, 2, 0x200000, P | BIT_ULL(20));
	expect_pf(&pg, LA4, WR, PF_P | PF_W | PF_RSVD, 2);
}

static void t_lm_ps_in_pml4e(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P);
	set_ent(4, PS, 0);
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 4);
}

static void t_lm_maxphyaddr(void)
{
	struct guest_paging pg = pg_lm(false);

	pg.maxphyaddr = 36;
	map64(&pg, LA4, 1, 0x800000000ULL, P);	/* bit 35: the top one */
	expect_ok(&pg, LA4, RD, 0x800000234ULL, SZ_4K);
	set_ent(1, BIT_ULL(52) | BIT_ULL(62), 0);	/* ignored in IA-32e */
	expect_ok(&pg, LA4, RD, 0x800000234ULL, SZ_4K);
	set_ent(1, BIT_ULL(36), 0);
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 1);
	set_ent(1, 0, BIT_ULL(36));
	set_ent(3, BIT_ULL(51), 0);	/* non-leaf entries too */
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 3);
}

static void t_lm_xd_without_nxe(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P);
	set_ent(4, XD, 0);
	pg.efer &= ~EFER_NXE;
	expect_pf(&pg, LA4, RD, PF_P | PF_RSVD, 4);
	pg.efer |= EFER_NXE;
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);
}

static void t_lm_noncanonical(void)
{
	static const u64 bad[] = {
		0x0000800000000000ULL, 0xffff7fffffffffffULL,
		0x8000000000000000ULL, 0x0001000000000000ULL,
	};
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(walk(&pg, bad[i], RD, &r), -EFAULT);
		CHECK(r.noncanonical);
		CHECK_EQ(r.pf_error, 0);
		CHECK(!r.phys_fault);
	}
	CHECK_EQ(fk.reads, 0);
}

static void t_lm_phys_fault(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	map64(&pg, LA4, 1, 0x50000000, P);
	put64(ent_at[2], 0x7f000000 | P | RW);	/* PT outside guest RAM */
	CHECK_EQ(walk(&pg, LA4, RD, &r), -EFAULT);
	CHECK(r.phys_fault);
	CHECK_EQ(r.pf_error, 0);
	CHECK_EQ(r.level, 1);
	pg.cr3 = 0xfff000000ULL;		/* root outside guest RAM */
	CHECK_EQ(walk(&pg, LA4, RD, &r), -EFAULT);
	CHECK(r.phys_fault && r.level == 4);
}

static void t_lm_self_reference(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;
	u64 la = 0;	/* index 0 at every level */
	int ret;

	/* PML4[0] -> PML4: the PML4 serves as every level, leaf included. */
	put64(pg.cr3, pg.cr3 | P | RW | US);
	ret = walk(&pg, la | 0x123, RD, &r);
	CHECK_EQ(ret, 0);
	CHECK_EQ(r.gpa, pg.cr3 | 0x123);
	CHECK_EQ(fk.reads, 4);
	/* With PS at level 2 it is a 2M page; in the PML4E that is reserved. */
	put64(pg.cr3, pg.cr3 | P | PS);
	fk.reads = 0;
	expect_pf(&pg, la, RD, PF_P | PF_RSVD, 4);
	CHECK(fk.reads <= 4);
}

/* Permissions (SDM 4.6), on 4-level paging. */
static void t_perm_wp(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P);
	expect_pf(&pg, LA4, WR, PF_P | PF_W, 1);
	pg.cr0 &= ~CR0_WP;
	expect_ok(&pg, LA4, WR, 0x50000234, SZ_4K);
	/* User writes ignore WP. */
	set_ent(1, US, 0);
	expect_pf(&pg, LA4, WR | USR, PF_P | PF_W | PF_U, 1);
}

static void t_perm_rw_upper_level(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	expect_ok(&pg, LA4, WR, 0x50000234, SZ_4K);
	set_ent(3, 0, RW);
	expect_pf(&pg, LA4, WR, PF_P | PF_W, 1);
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);
}

static void t_perm_user_supervisor(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	expect_pf(&pg, LA4, RD | USR, PF_P | PF_U, 1);
	set_ent(1, US, 0);
	expect_ok(&pg, LA4, WR | USR, 0x50000234, SZ_4K);
	set_ent(4, 0, US);	/* U/S must be 1 at every level */
	expect_pf(&pg, LA4, RD | USR, PF_P | PF_U, 1);
}

static void t_perm_smep(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | US);
	expect_ok(&pg, LA4, EX, 0x50000234, SZ_4K);
	pg.cr4 |= CR4_SMEP;
	expect_pf(&pg, LA4, EX, PF_P | PF_ID, 1);
	expect_ok(&pg, LA4, EX | USR, 0x50000234, SZ_4K);
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);	/* data unaffected */
	set_ent(1, 0, US);
	expect_ok(&pg, LA4, EX, 0x50000234, SZ_4K);
}

static void t_perm_smap(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | US | RW);
	pg.cr4 |= CR4_SMAP;
	expect_pf(&pg, LA4, RD, PF_P, 1);
	expect_pf(&pg, LA4, WR, PF_P | PF_W, 1);
	expect_ok(&pg, LA4, EX, 0x50000234, SZ_4K);	/* SMAP: data only */
	expect_ok(&pg, LA4, RD | USR, 0x50000234, SZ_4K);
	pg.ac = true;
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);
	expect_ok(&pg, LA4, WR, 0x50000234, SZ_4K);
	pg.ac = false;
	set_ent(1, 0, US);
	expect_ok(&pg, LA4, RD, 0x50000234, SZ_4K);
}

static void t_perm_nx(void)
{
	struct guest_paging pg = pg_lm(false);

	map64(&pg, LA4, 1, 0x50000000, P | US | XD);
	expect_pf(&pg, LA4, EX, PF_P | PF_ID, 1);
	expect_pf(&pg, LA4, EX | USR, PF_P | PF_U | PF_ID, 1);
	expect_ok(&pg, LA4, RD | USR, 0x50000234, SZ_4K);
	set_ent(1, 0, XD);
	set_ent(4, XD, 0);	/* XD at any level disables execution */
	expect_pf(&pg, LA4, EX, PF_P | PF_ID, 1);
	set_ent(4, 0, XD);
	expect_ok(&pg, LA4, EX, 0x50000234, SZ_4K);
}

/* --- 5-level paging ---------------------------------------------------- */

#define LA5	0x00f6543210fedcbaULL

static void t_la57_4k(void)
{
	struct guest_paging pg = pg_lm(true);

	map64(&pg, LA5, 1, 0x60000000, P | RW);
	expect_ok(&pg, LA5, RD, 0x60000cba, SZ_4K);
	CHECK_EQ(fk.reads, 5);
	map64(&pg, 0xff00000000200000ULL, 2, 0xa00000, P);
	expect_ok(&pg, 0xff000000002abcdeULL, RD, 0xaabcde, SZ_2M);
}

static void t_la57_canonical(void)
{
	struct guest_paging pg = pg_lm(true);
	struct guest_walk_result r;

	/* Canonical for 57 bits although not for 48. */
	map64(&pg, 0x0000800000000000ULL, 1, 0x61000000, P);
	expect_ok(&pg, 0x0000800000000010ULL, RD, 0x61000010, SZ_4K);
	CHECK_EQ(walk(&pg, 0x0100000000000000ULL, RD, &r), -EFAULT);
	CHECK(r.noncanonical && r.pf_error == 0);
	CHECK_EQ(walk(&pg, 0xfeffffffffffffffULL, RD, &r), -EFAULT);
	CHECK(r.noncanonical);
}

static void t_la57_ps_in_pml5e(void)
{
	struct guest_paging pg = pg_lm(true);

	map64(&pg, LA5, 1, 0x60000000, P);
	set_ent(5, PS, 0);
	expect_pf(&pg, LA5, RD, PF_P | PF_RSVD, 5);
	set_ent(5, 0, PS | P);
	expect_pf(&pg, LA5, RD, 0, 5);
}

/* --- accessed/dirty bits (SDM 4.8) ------------------------------------- */

static void t_ad_read(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;
	int level;

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	CHECK_EQ(walk_ad(&pg, LA4, RD, &r), 0);
	for (level = 1; level <= 4; level++) {
		CHECK(get64(ent_at[level]) & A);
		CHECK(!(get64(ent_at[level]) & D));
	}
	CHECK_EQ(fk.sets, 4);
	CHECK_EQ(fk.bad_sets, 0);
}

static void t_ad_write_leaf_only(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;
	int level;

	map64(&pg, LA4, 2, 0x400000, P | RW);
	CHECK_EQ(walk_ad(&pg, LA4, WR, &r), 0);
	CHECK(get64(ent_at[2]) & D);
	for (level = 2; level <= 4; level++)
		CHECK(get64(ent_at[level]) & A);
	for (level = 3; level <= 4; level++)
		CHECK(!(get64(ent_at[level]) & D));
	CHECK_EQ(fk.bad_sets, 0);
}

static void t_ad_no_update_when_set(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	map64(&pg, LA4, 1, 0x50000000, P | RW | A | D);
	set_ent(2, A, 0);
	set_ent(3, A, 0);
	set_ent(4, A, 0);
	CHECK_EQ(walk_ad(&pg, LA4, WR, &r), 0);
	CHECK_EQ(fk.sets, 0);
	set_ent(1, 0, D);
	CHECK_EQ(walk_ad(&pg, LA4, RD, &r), 0);
	CHECK_EQ(fk.sets, 0);	/* a read never sets D */
}

static void t_ad_not_on_fault(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;
	int level;

	map64(&pg, LA4, 1, 0x50000000, P);
	CHECK_EQ(walk_ad(&pg, LA4, WR, &r), -EFAULT);
	CHECK_EQ(r.pf_error, PF_P | PF_W);
	CHECK_EQ(fk.sets, 0);
	for (level = 1; level <= 4; level++)
		CHECK(!(get64(ent_at[level]) & (A | D)));
}

static void t_ad_eagain_forever(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	fk.eagain = -1;
	CHECK_EQ(walk_ad(&pg, LA4, RD, &r), -EAGAIN);
	CHECK_EQ(fk.sets, GUEST_WALK_MAX_TRIES);
	CHECK_EQ(fk.reads, 4 * GUEST_WALK_MAX_TRIES);
}

static void t_ad_eagain_once(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	fk.eagain = 1;
	CHECK_EQ(walk_ad(&pg, LA4, WR, &r), 0);
	CHECK_EQ(r.gpa, 0x50000234);
	CHECK(get64(ent_at[1]) & D);
	CHECK(get64(ent_at[4]) & A);
	CHECK_EQ(fk.sets, 5);
}

static void t_ad_changed_entry(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	/*
	 * Another vCPU remaps the page while A bits go in: the PTE's
	 * compare-exchange fails and the retry sees the new mapping.
	 */
	map64(&pg, LA4, 1, 0x50000000, P | RW);
	fk.mutate_gpa = ent_at[1];
	fk.mutate_val = 0x70000000 | P | RW;
	CHECK_EQ(walk_ad(&pg, LA4, RD, &r), 0);
	CHECK_EQ(r.gpa, 0x70000234);
	CHECK_EQ(get64(ent_at[1]), 0x70000000 | P | RW | A);
	CHECK_EQ(fk.sets, 5);	/* 4 levels (the PTE refused), the PTE again */
}

static void t_ad_set_efault(void)
{
	struct guest_paging pg = pg_lm(false);
	struct guest_walk_result r;

	map64(&pg, LA4, 1, 0x50000000, P | RW);
	fk.set_efault = true;
	CHECK_EQ(walk_ad(&pg, LA4, RD, &r), -EFAULT);
	CHECK(r.phys_fault && r.pf_error == 0);
}

static void t_ad_32bit_halves(void)
{
	struct guest_paging pg = pg_32(false);
	struct guest_walk_result r;
	u64 pte;

	map32(&pg, 0x00000000, 1, 0x8000, P | RW);
	map32(&pg, 0x00001000, 1, 0x9000, P | RW);	/* same word, high half */
	CHECK_EQ(walk_ad(&pg, 0x00001004, WR, &r), 0);
	CHECK_EQ(r.gpa, 0x9004);
	pte = get64(ent_at[1] & ~7ULL);
	CHECK_EQ(pte, ((u64)(0x9000 | P | RW | A | D) << 32) | 0x8000 | P | RW);
	CHECK(get32(ent_at[2]) & A);
	CHECK(!(get32(ent_at[2]) & D));
	CHECK_EQ(fk.bad_sets, 0);
}

static void t_ad_pae_pdpte_untouched(void)
{
	struct guest_paging pg = pg_pae();
	struct guest_walk_result r;

	map64(&pg, 0x00001000, 1, 0x9000, P | RW);
	CHECK_EQ(walk_ad(&pg, 0x00001000, WR, &r), 0);
	CHECK_EQ(get64(ent_at[3]), get64(ent_at[3]) & ~(A | D));
	CHECK(get64(ent_at[2]) & A);
	CHECK((get64(ent_at[1]) & (A | D)) == (A | D));
	/* And the PDPTE is still valid: a second walk succeeds. */
	CHECK_EQ(walk_ad(&pg, 0x00001000, RD, &r), 0);
}

/* --- random garbage ---------------------------------------------------- */

static u64 ptr_bits(u64 r)
{
	return r & 0xfff000;	/* a page inside guest RAM */
}

/* Mostly present entries pointing into RAM, so walks go deep. */
static void fill_garbage(void)
{
	u64 off;

	for (off = 0; off < MEM_SIZE; off += 8) {
		u64 r = xorshift(), s = xorshift(), v;

		switch (r & 7) {
		case 0:
			v = s;
			break;
		case 1:
			v = 0;
			break;
		case 2:
		case 3:	/* two 32-bit-paging entries */
			v = (ptr_bits(s) | (s & 0xfff) | P) |
			    ((ptr_bits(s >> 24) | ((s >> 12) & 0xfff) | P) << 32);
			break;
		default:
			v = ptr_bits(s) | (s & 0xfff) | (s & XD) | P;
			if ((r & 0x18) == 0)	/* some high garbage */
				v |= s & 0x7ff0000000000000ULL;
			break;
		}
		put64(off, v);
	}
}

enum { FZ_NONE, FZ_32, FZ_PAE, FZ_LM4, FZ_LM5, FZ_GARBAGE, FZ_NR };

static void random_paging(struct guest_paging *pg, int kind)
{
	static const u8 maxphy[] = { 0, 32, 36, 39, 40, 46, 52 };
	u64 r = xorshift();

	*pg = (struct guest_paging){
		.cr0 = CR0_PE | CR0_PG | (r & 1 ? CR0_WP : 0),
		.cr3 = r & 2 ? ptr_bits(xorshift()) : xorshift(),
		.cr4 = xorshift() & (CR4_PSE | CR4_SMEP | CR4_SMAP),
		.efer = r & 4 ? EFER_NXE : 0,
		.maxphyaddr = maxphy[(r >> 8) % ARRAY_SIZE(maxphy)],
		.ac = r & 8,
		.gbpages = r & 16,
	};
	if (kind == FZ_NONE)
		pg->cr0 &= ~CR0_PG;
	if (kind >= FZ_PAE)
		pg->cr4 |= CR4_PAE;
	if (kind == FZ_LM4 || kind == FZ_LM5)
		pg->efer |= EFER_LME | EFER_LMA;
	if (kind == FZ_LM5)
		pg->cr4 |= CR4_LA57;
	if (kind == FZ_GARBAGE) {
		pg->cr0 = xorshift();
		pg->cr4 = xorshift();
		pg->efer = xorshift();
		pg->maxphyaddr = (u8)xorshift();
	}
}

static int fuzz_kind(const struct guest_paging *pg)
{
	if (!(pg->cr0 & CR0_PG))
		return FZ_NONE;
	if (pg->efer & EFER_LMA)
		return (pg->cr4 & CR4_LA57) ? FZ_LM5 : FZ_LM4;
	return (pg->cr4 & CR4_PAE) ? FZ_PAE : FZ_32;
}

static u64 random_la(void)
{
	u64 r = xorshift();

	switch (r & 3) {
	case 0:
		return xorshift();
	case 1:
		return (u64)((s64)(xorshift() << 16) >> 16);
	case 2:
		return (u64)((s64)(xorshift() << 7) >> 7);
	default:
		return (u32)xorshift();
	}
}

/* The leaf (last entry read) must map gpa's page, allowing the access. */
static bool leaf_ok_64(const struct guest_paging *pg, unsigned int acc,
		       const struct guest_walk_result *r)
{
	u64 e = fk.last_val, size = r->page_size;
	unsigned int m = pg->maxphyaddr ? pg->maxphyaddr : 52;

	if (!(e & P) || (size > SZ_4K && !(e & PS)))
		return false;
	if ((e & ADDR_MASK & ~(size - 1)) != (r->gpa & ~(size - 1)))
		return false;
	if (r->gpa >> m)
		return false;
	if ((acc & USR) && !(e & US))
		return false;
	if ((acc & WR) && ((acc & USR) || (pg->cr0 & CR0_WP)) && !(e & RW))
		return false;
	return !((acc & EX) && (pg->efer & EFER_NXE) && (e & XD));
}

static bool leaf_ok_32(const struct guest_paging *pg, unsigned int acc,
		       const struct guest_walk_result *r)
{
	unsigned int m = pg->maxphyaddr ? pg->maxphyaddr : 52;
	int half;

	if (r->gpa >> (m < 40 ? m : 40))
		return false;
	for (half = 0; half < 2; half++) {
		u32 e = (u32)(fk.last_val >> (32 * half));
		u64 frame = r->page_size == SZ_4K ? (e & 0xfffff000) :
			(e & 0xffc00000) | ((u64)((e >> 13) & 0xff) << 32);

		if (!(e & P) || frame != (r->gpa & ~(r->page_size - 1)))
			continue;
		if ((acc & USR) && !(e & US))
			continue;
		if ((acc & WR) && ((acc & USR) || (pg->cr0 & CR0_WP)) && !(e & RW))
			continue;
		return true;
	}
	return false;
}

static const u64 valid_sizes[FZ_NR] = {
	[FZ_NONE] = SZ_4K, [FZ_32] = SZ_4K | SZ_4M, [FZ_PAE] = SZ_4K | SZ_2M,
	[FZ_LM4] = SZ_4K | SZ_2M | SZ_1G, [FZ_LM5] = SZ_4K | SZ_2M | SZ_1G,
};

static const int max_reads[FZ_NR] = {
	[FZ_NONE] = 0, [FZ_32] = 2, [FZ_PAE] = 3, [FZ_LM4] = 4, [FZ_LM5] = 5,
};

static bool success_ok(const struct guest_paging *pg, u64 la, unsigned int acc,
		       const struct guest_walk_result *r, bool ad)
{
	int kind = fuzz_kind(pg);
	u64 size = r->page_size;
	int reads = max_reads[kind] * (ad ? GUEST_WALK_MAX_TRIES : 1);

	if (kind == FZ_NONE)
		return r->gpa == (u32)la && fk.reads == 0;
	if (!(size & valid_sizes[kind]) || (size & (size - 1)))
		return false;
	if (fk.reads < 1 || fk.reads > reads)
		return false;
	if ((r->gpa & (size - 1)) != (la & (size - 1)))
		return false;
	if (kind == FZ_32)
		return leaf_ok_32(pg, acc, r);
	return leaf_ok_64(pg, acc, r);
}

static bool fault_ok(const struct guest_paging *pg, int ret,
		     const struct guest_walk_result *r, bool ad)
{
	int kind = fuzz_kind(pg);

	if (ret == -EAGAIN)
		return ad;
	if (ret != -EFAULT || r->level < 0 || r->level > 5)
		return false;
	if (r->pf_error & ~0x1fu)
		return false;
	if ((r->pf_error & PF_RSVD) && !(r->pf_error & PF_P))
		return false;
	if (r->noncanonical)
		return !r->phys_fault && !r->pf_error &&
		       (kind == FZ_LM4 || kind == FZ_LM5);
	if (r->phys_fault)
		return !r->pf_error;
	return kind != FZ_NONE && r->level >= 1 && r->level <= max_reads[kind];
}

static void t_fuzz(void)
{
	static const unsigned int accs[] = {
		RD, WR, EX, RD | USR, WR | USR, EX | USR, 0,
	};
	int stats[4] = { 0 }, i, bad = 0;

	reset();
	for (i = 0; i < 40000; i++) {
		struct guest_paging pg;
		struct guest_walk_result r;
		int kind = (int)(xorshift() % FZ_NR);
		unsigned int acc = accs[xorshift() % ARRAY_SIZE(accs)];
		bool ad = xorshift() & 1;
		u64 la = random_la();
		bool ok;
		int ret;

		if (i % 2000 == 0)
			fill_garbage();
		random_paging(&pg, kind);
		fk.reads = 0;
		fk.eagain_random = true;
		ret = ad ? walk_ad(&pg, la, acc, &r) : walk(&pg, la, acc, &r);
		if (ret == 0)
			ok = success_ok(&pg, la, acc, &r, ad);
		else if (ret == -EINVAL)
			ok = kind == FZ_GARBAGE;
		else
			ok = fault_ok(&pg, ret, &r, ad);
		if (!ok && !bad++)
			printf("# first bad: ret %d kind %d la 0x%llx acc %u gpa 0x%llx size 0x%llx level %d pfec 0x%x\n",
			       ret, kind, (unsigned long long)la, acc,
			       (unsigned long long)r.gpa,
			       (unsigned long long)r.page_size, r.level,
			       r.pf_error);
		stats[ret == 0 ? 0 : ret == -EFAULT ? 1 : ret == -EINVAL ? 2 : 3]++;
	}
	printf("# fuzz: %d ok, %d faults, %d invalid, %d eagain\n",
	       stats[0], stats[1], stats[2], stats[3]);
	CHECK_EQ(bad, 0);
	CHECK_EQ(fk.misaligned, 0);
	CHECK_EQ(fk.bad_sets, 0);
	/* The garbage must have produced translations, or this proves little. */
	CHECK(stats[0] > 1000 && stats[1] > 1000);
}

/* --- runner ------------------------------------------------------------ */

static const struct {
	void (*fn)(void);
	const char *name;
} tests[] = {
	{ t_no_paging, "no paging: gpa is the 32-bit linear address" },
	{ t_invalid_state, "impossible paging state and bad access: -EINVAL" },
	{ t_32_4k, "32-bit: 4K pages, both 4-byte halves of a word" },
	{ t_32_4m, "32-bit: 4M pages with CR4.PSE" },
	{ t_32_pse36, "32-bit: PSE-36 high bits and their reserved bits" },
	{ t_32_ps_without_pse, "32-bit: PS ignored without CR4.PSE" },
	{ t_32_not_present, "32-bit: not present at PDE and PTE" },
	{ t_32_fetch_id, "32-bit: I/D only with SMEP" },
	{ t_32_perms, "32-bit: R/W with CR0.WP, no NX" },
	{ t_pae_4k_2m, "PAE: 4K and 2M pages above 4G" },
	{ t_pae_pdpte_not_present, "PAE: PDPTE not present" },
	{ t_pae_pdpte_rsvd, "PAE: PDPTE reserved bits" },
	{ t_pae_rsvd, "PAE: XD without NXE, bit 62, 2M bit 13 reserved" },
	{ t_pae_nx, "PAE: NX fetch fault with I/D" },
	{ t_pae_la57_ignored, "PAE: CR4.LA57 ignored outside IA-32e mode" },
	{ t_lm_4k, "4-level: 4K page" },
	{ t_lm_2m, "4-level: 2M page" },
	{ t_lm_1g, "4-level: 1G page" },
	{ t_lm_high_half, "4-level: high-half canonical address" },
	{ t_lm_not_present_each_level, "4-level: not present at each level" },
	{ t_lm_1g_without_gbpages, "4-level: 1G page without gbpages is RSVD" },
	{ t_lm_large_rsvd, "4-level: 1G bits 29:13 and 2M bits 20:13 RSVD" },
	{ t_lm_ps_in_pml4e, "4-level: PS in PML4E is RSVD" },
	{ t_lm_maxphyaddr, "4-level: bits above MAXPHYADDR are RSVD" },
	{ t_lm_xd_without_nxe, "4-level: XD without NXE is RSVD" },
	{ t_lm_noncanonical, "4-level: non-canonical is not a #PF" },
	{ t_lm_phys_fault, "4-level: table outside guest RAM is phys_fault" },
	{ t_lm_self_reference, "4-level: self-referencing PML4 terminates" },
	{ t_perm_wp, "perm: supervisor write to read-only with WP=0/1" },
	{ t_perm_rw_upper_level, "perm: R/W=0 at an upper level" },
	{ t_perm_user_supervisor, "perm: user access to supervisor page" },
	{ t_perm_smep, "perm: SMEP" },
	{ t_perm_smap, "perm: SMAP with RFLAGS.AC off and on" },
	{ t_perm_nx, "perm: NX at leaf and upper level" },
	{ t_la57_4k, "5-level: 4K and 2M pages" },
	{ t_la57_canonical, "5-level: 57-bit canonical addresses" },
	{ t_la57_ps_in_pml5e, "5-level: PS in PML5E is RSVD" },
	{ t_ad_read, "A/D: reads set A on every level, no D" },
	{ t_ad_write_leaf_only, "A/D: writes set D on the leaf only" },
	{ t_ad_no_update_when_set, "A/D: nothing to do when already set" },
	{ t_ad_not_on_fault, "A/D: untouched when the walk faults" },
	{ t_ad_eagain_forever, "A/D: -EAGAIN after bounded retries" },
	{ t_ad_eagain_once, "A/D: one -EAGAIN then success" },
	{ t_ad_changed_entry, "A/D: entry changed under the walk is re-walked" },
	{ t_ad_set_efault, "A/D: set callback failure is phys_fault" },
	{ t_ad_32bit_halves, "A/D: 32-bit entry updates only its half" },
	{ t_ad_pae_pdpte_untouched, "A/D: PAE PDPTE gets no A bit" },
	{ t_fuzz, "fuzz: 40000 walks over garbage tables" },
};

int main(void)
{
	unsigned int i;
	int failed = 0;

	printf("TAP version 13\n1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		reset();
		cur_failed = 0;
		tests[i].fn();
		printf("%s %u %s\n", cur_failed ? "not ok" : "ok", i + 1,
		       tests[i].name);
		failed |= cur_failed;
	}
	return failed ? 1 : 0;
}
