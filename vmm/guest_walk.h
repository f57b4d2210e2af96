/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest page-table walker: translates a guest linear address to a
 * guest-physical address the way the guest's MMU would (Intel SDM vol. 3,
 * chapter 4; AMD APM vol. 2, chapter 5), for instruction fetch during MMIO
 * emulation and for hypercall arguments.
 *
 * The guest's page tables are untrusted: the walk reads at most one entry
 * per level (five at most), never follows anything it has not checked, and
 * reports either a guest-visible #PF (with the error code the guest should
 * see), a non-canonical address (#GP on real hardware), or a page-table
 * address that is not guest RAM.
 *
 * Pure logic: no kernel API beyond types and errno, so the same file is
 * unit-tested in userspace (userspace/tests/guest_walk_test.c).
 *
 * Not modelled: TLBs and paging-structure caches (the walk sees memory as
 * it is now, like a CPU after INVLPG), protection keys (CR4.PKE/PKS), CET
 * shadow-stack accesses, linear-address masking (LAM), HLAT, SGX, and the
 * memory type (PWT/PCD/PAT), which does not affect the translation.
 */
#ifndef DOMINO_GUEST_WALK_H
#define DOMINO_GUEST_WALK_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kshim.h"
#endif

/*
 * struct guest_paging - the guest's paging state, from the vCPU.
 *
 * @cr0, @cr3, @cr4, @efer: as the guest last loaded them. The mode comes
 *               from CR0.PG, CR4.PAE, EFER.LMA (not LME), CR4.LA57; CR4.PSE,
 *               CR0.WP, CR4.SMEP, CR4.SMAP and EFER.NXE refine it.
 * @maxphyaddr:  the guest's physical-address width (CPUID.80000008H:EAX[7:0]);
 *               0 means 52. Must be 32..52.
 * @ac:          RFLAGS.AC at the access, for SMAP (SDM 4.6.1).
 * @gbpages:     the guest CPU has 1-GByte pages (CPUID.80000001H:EDX[26]);
 *               without it PS in a PDPTE is a reserved bit.
 */
struct guest_paging {
	u64 cr0, cr3, cr4, efer;
	u8 maxphyaddr;
	bool ac;
	bool gbpages;
};

/*
 * Reads the 8-byte guest-physical word at @gpa into @val. The walker only
 * ever asks for 8-byte-aligned words, so one read never straddles a page;
 * for 32-bit paging's 4-byte entries it picks the half it needs. Returns 0,
 * or -EFAULT when @gpa is not guest RAM.
 */
typedef int (*guest_read_phys_fn)(void *ctx, u64 gpa, u64 *val);

/*
 * Sets accessed/dirty bits as the hardware would: atomically replace the
 * 8-byte-aligned word at @entry_gpa with @new if it still holds @old
 * (compare-exchange). Returns 0, -EAGAIN if the word changed (the walker then
 * walks again, at most GUEST_WALK_MAX_TRIES times in all), or -EFAULT when
 * @entry_gpa is not guest RAM.
 */
typedef int (*guest_set_bits_fn)(void *ctx, u64 entry_gpa, u64 old, u64 new);

enum guest_access {
	GUEST_ACCESS_READ = 1,
	GUEST_ACCESS_WRITE = 2,
	GUEST_ACCESS_FETCH = 4,
	GUEST_ACCESS_USER = 8,	/* CPL 3 */
};

/* #PF error-code bits (SDM 4.7, APM 8.4.2). */
#define GUEST_PFEC_P		BIT(0)	/* protection violation, not "not present" */
#define GUEST_PFEC_W		BIT(1)	/* the access was a write */
#define GUEST_PFEC_U		BIT(2)	/* the access was a user-mode (CPL 3) access */
#define GUEST_PFEC_RSVD		BIT(3)	/* a reserved bit was set in some entry */
#define GUEST_PFEC_ID		BIT(4)	/* instruction fetch (when SMEP or PAE+NXE) */

/* Walks tried before guest_walk_ad() gives up on racing A/D updates. */
#define GUEST_WALK_MAX_TRIES	4

/*
 * struct guest_walk_result - what a walk found.
 *
 * @gpa:          the guest-physical address (on success).
 * @page_size:    size of the final mapping: 4K, 2M, 4M or 1G (on success;
 *                4K without paging, so callers splitting accesses at page
 *                boundaries stay correct).
 * @pf_error:     on a guest #PF, the error code the guest should see.
 * @level:        level at which the walk stopped: 1 = PTE, 2 = PDE,
 *                3 = PDPTE, 4 = PML4E, 5 = PML5E; 0 when no entry was read.
 * @phys_fault:   a page-table address was not guest RAM (the read or set
 *                callback failed); not a guest #PF, pf_error is 0.
 * @noncanonical: the address is not canonical: the CPU raises #GP (or #SS),
 *                not #PF; pf_error is 0.
 */
struct guest_walk_result {
	u64 gpa;
	u64 page_size;
	u32 pf_error;
	int level;
	bool phys_fault;
	bool noncanonical;
};

/*
 * guest_walk() - translate linear address @la for @access (GUEST_ACCESS_*;
 * at most one of WRITE and FETCH; neither means a read).
 *
 * Returns 0 on success; -EFAULT for a guest-visible fault (pf_error filled,
 * or noncanonical set) or a page-table address outside guest RAM
 * (phys_fault set); -EINVAL for paging state the hardware would not allow
 * (CR0.PG without PE, EFER.LMA without PG or PAE, MAXPHYADDR outside 32..52)
 * or a bad @access: an internal error for the hypervisor.
 *
 * guest_walk() leaves accessed/dirty bits alone; guest_walk_ad() sets them
 * through @set_bits (may be NULL) once the walk has succeeded, and returns
 * -EAGAIN if the entries kept changing under it.
 */
int guest_walk(const struct guest_paging *pg, u64 la, unsigned int access,
	       guest_read_phys_fn read, void *ctx,
	       struct guest_walk_result *res);
int guest_walk_ad(const struct guest_paging *pg, u64 la, unsigned int access,
		  guest_read_phys_fn read, guest_set_bits_fn set_bits,
		  void *ctx, struct guest_walk_result *res);

#endif /* DOMINO_GUEST_WALK_H */
