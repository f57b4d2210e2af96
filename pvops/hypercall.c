// SPDX-License-Identifier: GPL-2.0
/*
 * Xen hypercalls from guests: the hypercall page, the calling
 * conventions, and the one dispatch table every caller goes through.
 *
 * A guest registers its hypercall page by writing the page's address to
 * the MSR that CPUID leaf 0x40000002 names (EBX); Domino fills it with 32
 * byte stubs "mov $nr, %eax; vmcall/vmmcall; ret", as Xen does for HVM
 * guests. A guest may also issue the instruction itself. Arguments are in
 * RDI, RSI, RDX, R10, R8 (64-bit callers) or EBX, ECX, EDX, ESI, EDI
 * (32-bit), the result in RAX (Xen's public xen.h). Error codes are Xen's,
 * whose values are Linux's on x86 for every code used here.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <asm/unaligned.h>
#include <xen/interface/xen.h>

#include "domain.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "gmem.h"
#include "alloc.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

/* Leaf 0x40000002 EBX: where Xen's MSRs start; +0 writes the hypercall page. */
#define XEN_MSR_HYPERCALL_PAGE	0x40000000
#define XEN_STUB_SIZE		32
#define XEN_NR_HYPERCALLS	(PAGE_SIZE / XEN_STUB_SIZE)

typedef long (*xen_hypercall_fn)(struct xen_call *c);

/* Indexed by hypercall number; a hole is -ENOSYS. */
static const xen_hypercall_fn xen_hypercalls[XEN_NR_HYPERCALLS] = {
	[__HYPERVISOR_xen_version] = xen_version_op,
	[__HYPERVISOR_memory_op] = xen_memory_op,
	[__HYPERVISOR_hvm_op] = xen_hvm_op,
	[__HYPERVISOR_sched_op] = xen_sched_op,
	[__HYPERVISOR_vcpu_op] = xen_vcpu_op,
	[__HYPERVISOR_event_channel_op] = xen_event_channel_op,
	[__HYPERVISOR_set_timer_op] = xen_set_timer_op,
	[__HYPERVISOR_vm_assist] = xen_vm_assist,
	[__HYPERVISOR_console_io] = xen_console_io,
	[__HYPERVISOR_grant_table_op] = xen_grant_table_op,
};

bool xen_domid_self(struct xen_call *c, u32 domid)
{
	return domid == DOMID_SELF || domid == c->v->d->domid;
}

/*
 * As Xen's rcu_lock_domain_by_any_id() then its XSM check for an
 * unprivileged caller: no such domain is -ESRCH, another one -EPERM.
 * dom0, the host's, always exists.
 */
int xen_domid_check(struct xen_call *c, u32 domid)
{
	if (xen_domid_self(c, domid))
		return 0;
	return domid == 0 || domino_domain_exists(domid) ? -EPERM : -ESRCH;
}

void xen_call_set_arg(struct xen_call *c, unsigned int i, u64 val)
{
	static const u8 regs64[] = { GPR_RDI, GPR_RSI, GPR_RDX, GPR_R10, GPR_R8 };
	static const u8 regs32[] = { GPR_RBX, GPR_RCX, GPR_RDX, GPR_RSI, GPR_RDI };

	if (WARN_ON_ONCE(i >= ARRAY_SIZE(c->arg)))
		return;
	if (c->compat)
		val = (u32)val;
	c->arg[i] = val;
	c->v->gpr[c->compat ? regs32[i] : regs64[i]] = val;
}

bool domino_xen_domain(const struct domino_domain *d)
{
	return d->flags & DOMINO_DOMAIN_XEN;
}

/*
 * The page: int3 everywhere but the stubs, so a call into the middle of
 * one or past the last traps. No stub for iret, which HVM guests do not
 * have (Xen leaves it out too).
 */
static int xen_write_hypercall_page(struct domino_vcpu *v, u64 gpa)
{
	u8 *page, *p;
	unsigned int i;
	int r;

	page = domino_kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!page)
		return -ENOMEM;
	memset(page, 0xcc, PAGE_SIZE);
	for (i = 0; i < XEN_NR_HYPERCALLS; i++) {
		if (i == __HYPERVISOR_iret)
			continue;
		p = page + i * XEN_STUB_SIZE;
		p[0] = 0xb8;			/* mov $i, %eax */
		put_unaligned_le32(i, p + 1);
		domino_vendor_write_hypercall(p + 5);	/* 3 bytes */
		p[8] = 0xc3;			/* ret */
	}
	r = domino_guest_write(v->d, gpa, page, PAGE_SIZE);
	domino_kfree(page);
	return r;
}

int domino_xen_msr_get(struct domino_vcpu *v, u32 index, u64 *val)
{
	if (!domino_xen_domain(v->d) || index != XEN_MSR_HYPERCALL_PAGE)
		return -ENOENT;
	/* A write-only command: reads as zero, as on Xen. */
	*val = 0;
	return 0;
}

int domino_xen_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host)
{
	if (!domino_xen_domain(v->d) || index != XEN_MSR_HYPERCALL_PAGE)
		return -ENOENT;
	/* Bits 11:0 pick the page; there is one (leaf 0x40000002 EAX). */
	if (val & ~PAGE_MASK)
		return -EINVAL;
	/* Not guest RAM: the guest takes #GP and the host loses nothing. */
	return xen_write_hypercall_page(v, val) ? -EINVAL : 0;
}

/* A guest's memory: its linear addresses, through its page tables. */
static int xen_guest_copy_from(struct xen_call *c, u64 ptr, void *buf, size_t len)
{
	if (c->compat && (ptr + len > BIT_ULL(32) || ptr + len < ptr))
		return -EFAULT;
	return domino_guest_linear_access(c->v, ptr, buf, len, false) ? -EFAULT : 0;
}

static int xen_guest_copy_to(struct xen_call *c, u64 ptr, const void *buf, size_t len)
{
	if (c->compat && (ptr + len > BIT_ULL(32) || ptr + len < ptr))
		return -EFAULT;
	return domino_guest_linear_access(c->v, ptr, (void *)buf, len, true) ? -EFAULT : 0;
}

int domino_xen_hypercall(struct domino_vcpu *v, u32 insn_len)
{
	struct xen_call c = {
		.v = v,
		.copy_from = xen_guest_copy_from,
		.copy_to = xen_guest_copy_to,
	};
	xen_hypercall_fn fn;
	struct domino_sregs s;
	bool to_vmm;
	long ret;

	domino_vendor_get_sregs(v, &s);
	/*
	 * Only the guest's kernel may call: from CPL > 0 the call fails with
	 * -EPERM (Xen's hvm_hypercall). CPL is SS.DPL (SDM 5.5).
	 */
	if (s.ss.dpl) {
		v->gpr[GPR_RAX] = (u64)-EPERM;
		domino_vcpu_skip(v, insn_len);
		return 1;
	}
	c.compat = !domino_guest_long64(&s);
	c.nr = min_t(u64, c.compat ? (u32)v->gpr[GPR_RAX] : v->gpr[GPR_RAX],
		     XEN_NR_HYPERCALLS);
	if (c.compat) {
		c.arg[0] = (u32)v->gpr[GPR_RBX];
		c.arg[1] = (u32)v->gpr[GPR_RCX];
		c.arg[2] = (u32)v->gpr[GPR_RDX];
		c.arg[3] = (u32)v->gpr[GPR_RSI];
		c.arg[4] = (u32)v->gpr[GPR_RDI];
	} else {
		c.arg[0] = v->gpr[GPR_RDI];
		c.arg[1] = v->gpr[GPR_RSI];
		c.arg[2] = v->gpr[GPR_RDX];
		c.arg[3] = v->gpr[GPR_R10];
		c.arg[4] = v->gpr[GPR_R8];
	}
	fn = NULL;
	if (c.nr < XEN_NR_HYPERCALLS)
		fn = xen_hypercalls[array_index_nospec(c.nr, XEN_NR_HYPERCALLS)];
	ret = fn ? fn(&c) : -ENOSYS;
	/* Linux forces a look at a pending upcall with any hypercall. */
	xen_upcall_recheck(v);
	/* A continuation runs the same instruction again, arguments as left. */
	if (ret == XEN_HC_CONTINUE)
		return 1;
	if (ret == XEN_HC_CONTINUE_TO_VMM)
		return 0;
	to_vmm = ret == XEN_HC_TO_VMM;
	if (to_vmm)
		ret = c.ret;
	v->gpr[GPR_RAX] = c.compat ? (u32)ret : (u64)ret;
	domino_vcpu_skip(v, insn_len);
	return to_vmm ? 0 : 1;
}
