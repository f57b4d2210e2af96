// SPDX-License-Identifier: GPL-2.0
/*
 * Guest virtual memory as the vCPU sees it: segment bases and the guest's
 * own page tables (vmm/guest_walk.c) in front of the checked guest-physical
 * accessors (vmm/memory.c). Used to fetch instructions for MMIO emulation
 * and to move string I/O data.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "domain.h"
#include "vcpu.h"
#include "guest_walk.h"
#include "vendor_ops.h"
#include "gmem.h"

bool domino_guest_long64(const struct domino_sregs *s)
{
	return (s->efer & EFER_LMA) && s->cs.l;
}

int domino_guest_seg_linear(struct domino_vcpu *v, int seg, u64 offset,
			    u64 *linear)
{
	struct domino_sregs s;
	const struct domino_segment *segs[] = {
		[DOMINO_SEG_ES] = &s.es, [DOMINO_SEG_CS] = &s.cs,
		[DOMINO_SEG_SS] = &s.ss, [DOMINO_SEG_DS] = &s.ds,
		[DOMINO_SEG_FS] = &s.fs, [DOMINO_SEG_GS] = &s.gs,
	};
	bool long64;

	if (seg < 0 || seg >= (int)ARRAY_SIZE(segs))
		return -EINVAL;
	domino_vendor_get_sregs(v, &s);
	long64 = domino_guest_long64(&s);
	/* In 64-bit mode only FS and GS have a base (SDM 3.2.4). */
	if (long64 && seg != DOMINO_SEG_FS && seg != DOMINO_SEG_GS)
		*linear = offset;
	else if (long64)
		*linear = segs[seg]->base + offset;
	else
		*linear = (u32)(segs[seg]->base + offset);
	return 0;
}

static int gmem_read_phys(void *ctx, u64 gpa, u64 *val)
{
	return domino_guest_read(ctx, gpa, val, sizeof(*val)) ? -EFAULT : 0;
}

static void gmem_paging(struct domino_vcpu *v, struct guest_paging *pg,
			unsigned int *access)
{
	struct domino_sregs s;

	domino_vendor_get_sregs(v, &s);
	memset(pg, 0, sizeof(*pg));
	pg->cr0 = s.cr0;
	pg->cr3 = s.cr3;
	pg->cr4 = s.cr4;
	pg->efer = s.efer;
	pg->maxphyaddr = boot_cpu_data.x86_phys_bits;
	pg->ac = v->rflags & X86_EFLAGS_AC;
	pg->gbpages = boot_cpu_has(X86_FEATURE_GBPAGES);
	/* CPL is the SS DPL (SDM 5.5): user-mode accesses are checked as such. */
	if (s.ss.dpl == 3)
		*access |= GUEST_ACCESS_USER;
}

/*
 * Walk and copy page by page. With @inject, a guest-visible fault is
 * queued (#PF with CR2, or #GP for a non-canonical address) and 1 returned.
 */
static int gmem_linear_copy(struct domino_vcpu *v, u64 gva, void *buf,
			    size_t len, unsigned int access, bool inject)
{
	struct guest_walk_result res;
	struct guest_paging pg;
	int r;

	gmem_paging(v, &pg, &access);
	while (len) {
		size_t chunk = min_t(size_t, len, PAGE_SIZE - (gva & ~PAGE_MASK));

		r = guest_walk(&pg, gva, access, gmem_read_phys, v->d, &res);
		if (r == -EFAULT && !res.phys_fault) {
			if (!inject)
				return -EFAULT;
			if (res.noncanonical) {
				domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
			} else {
				domino_vendor_set_cr2(v, gva);
				domino_vcpu_queue_exception(v, X86_TRAP_PF, true,
							    res.pf_error);
			}
			return 1;
		}
		if (r)
			return -EFAULT;
		r = access & GUEST_ACCESS_WRITE ?
			domino_guest_write(v->d, res.gpa, buf, chunk) :
			domino_guest_read(v->d, res.gpa, buf, chunk);
		if (r)
			return r;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int domino_guest_linear_copy(struct domino_vcpu *v, u64 gva, void *buf,
			     size_t len, bool write)
{
	return gmem_linear_copy(v, gva, buf, len,
				write ? GUEST_ACCESS_WRITE : GUEST_ACCESS_READ,
				true);
}

/*
 * The same without a fault for the guest: -EFAULT where its page tables
 * map nothing usable (hypercall arguments: Xen's copy_from_guest).
 */
int domino_guest_linear_access(struct domino_vcpu *v, u64 gva, void *buf,
			       size_t len, bool write)
{
	return gmem_linear_copy(v, gva, buf, len,
				write ? GUEST_ACCESS_WRITE : GUEST_ACCESS_READ,
				false);
}

/* Where @gva points for a read, as the guest's own page tables say. */
int domino_guest_translate(struct domino_vcpu *v, u64 gva, u64 *gpa)
{
	unsigned int access = GUEST_ACCESS_READ;
	struct guest_walk_result res;
	struct guest_paging pg;
	int r;

	gmem_paging(v, &pg, &access);
	r = guest_walk(&pg, gva, access, gmem_read_phys, v->d, &res);
	if (!r)
		*gpa = res.gpa;
	return r;
}

/*
 * Fetch up to @len instruction bytes at @gva. A fault on a later page only
 * shortens the fetch: the instruction may end before it. Returns the
 * number of bytes fetched (0 when even the first page failed).
 */
size_t domino_guest_fetch(struct domino_vcpu *v, u64 gva, u8 *buf, size_t len)
{
	size_t first = min_t(size_t, len, PAGE_SIZE - (gva & ~PAGE_MASK));

	if (gmem_linear_copy(v, gva, buf, first, GUEST_ACCESS_FETCH, false))
		return 0;
	if (first == len ||
	    gmem_linear_copy(v, gva + first, buf + first, len - first,
			     GUEST_ACCESS_FETCH, false))
		return first;
	return len;
}

/*
 * The bytes of the instruction at CS:RIP, for the decoders (MMIO, string
 * I/O prefixes, MOV DR). Also returns the segment state they need.
 */
size_t domino_guest_fetch_insn(struct domino_vcpu *v, u8 bytes[15],
			       struct domino_sregs *s)
{
	u64 linear;

	domino_vendor_get_sregs(v, s);
	if (domino_guest_seg_linear(v, DOMINO_SEG_CS, v->rip, &linear))
		return 0;
	return domino_guest_fetch(v, linear, bytes, 15);
}
