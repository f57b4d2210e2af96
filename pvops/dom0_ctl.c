// SPDX-License-Identifier: GPL-2.0
/*
 * Domain 0's control hypercalls, as Debian 12's Xen 4.17 tools issue them
 * through /dev/xen/privcmd (pvops/dev_privcmd.c), with the structures of
 * xen_dom0_abi.h:
 *
 *   __HYPERVISOR_domctl(struct xen417_domctl *)
 *       interface_version other than 0x15: -EACCES (a tool built for
 *       another Xen), as Xen's do_domctl.
 *       XEN_DOMCTL_getdomaininfo: the domain with the lowest id at or
 *           above domain (domain 0 is the host), copied back whole with
 *           domain set to that id; -ESRCH when none is left, -EINVAL for
 *           a reserved id (DOMID_FIRST_RESERVED and up).
 *       Others: -ENOSYS, logged.
 *   __HYPERVISOR_sysctl(struct xen417_sysctl *)
 *       interface_version other than 0x15: -EACCES.
 *       XEN_SYSCTL_getdomaininfolist: up to max_domains domains from
 *           first_domain on, in id order, into buffer; num_domains says
 *           how many. A buffer entry not writable: -EFAULT, and the
 *           structure is not copied back.
 *       Others: -ENOSYS, logged.
 *
 * What a domain's entry says (Xen's getdomaininfo()): every Domino guest
 * is a hardware domain with nested paging (hvm_guest, hap); running if a
 * vCPU is in the guest now, blocked if every online vCPU sleeps in HLT or
 * SCHEDOP_block; shutdown with the reason once the guest called
 * SCHEDOP_shutdown. Bits 16 and up carry the shutdown code, ~0 while none
 * is set, as Xen's SHUTDOWN_CODE_INVALID shifted there (so a live domain
 * reads 0xffff0000 up there, as on Xen). Online vCPUs are those not
 * waiting for a start-up IPI; cpu_time sums the runstate areas' running
 * time (vCPUs that registered none count nothing). A destroyed domain is
 * gone from every lookup at once: Domino has no dying state to report.
 * Domain 0 is the host: its online CPUs and RAM, running.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"
#include "xen_dom0_abi.h"

/* Xen's INVALID_M2P_ENTRY: where a shared_info not placed yet sits. */
#define XEN_NO_FRAME		(~0ULL)
#define XEN_NO_SHUTDOWN_CODE	(~0U)

static void dominfo_common(struct xen417_dominfo *info, u32 domid)
{
	memset(info, 0, sizeof(*info));
	info->domain = domid;
	info->max_vcpu_id = XEN417_INVALID_MAX_VCPU_ID;
	info->shared_info_frame = XEN_NO_FRAME;
	info->gpaddr_bits = boot_cpu_data.x86_phys_bits;
}

static void dominfo_dom0(struct xen417_dominfo *info)
{
	unsigned int cpus = num_online_cpus();

	dominfo_common(info, 0);
	info->flags = XEN417_DOMINF_running |
		      XEN_NO_SHUTDOWN_CODE << XEN417_DOMINF_shutdownshift;
	info->nr_online_vcpus = cpus;
	info->max_vcpu_id = cpus - 1;
	info->tot_pages = totalram_pages();
	info->max_pages = info->tot_pages;
}

/* Xen's getdomaininfo() for one of Domino's domains (referenced). */
static void dominfo_fill(struct domino_domain *d, struct xen417_dominfo *info)
{
	struct domino_xen *x = d->xen;
	u32 flags = XEN417_DOMINF_blocked, code = XEN_NO_SHUTDOWN_CODE;
	u64 cpu_time = 0, memory, absent;
	unsigned int i;

	dominfo_common(info, d->domid);

	/*
	 * vCPUs and their Xen state stay while vcpus_kick_lock is held. Not
	 * vcpus_lock: a vCPU's creation or release holds that while it waits
	 * for the guest's Xen locks, which a vCPU thread of the guest's VMM
	 * can hold across a fault on memory it never serves (userfaultfd).
	 */
	spin_lock(&d->vcpus_kick_lock);
	for (i = 0; i < DOMINO_MAX_VCPUS; i++) {
		struct domino_vcpu *v = d->vcpus[i];
		struct domino_xen_vcpu *xv;
		enum domino_mp_state mp;

		if (!v)
			continue;
		info->max_vcpu_id = v->id;
		xv = READ_ONCE(v->xen);
		if (xv)
			cpu_time += READ_ONCE(xv->runstate.time[RUNSTATE_running]);
		mp = READ_ONCE(v->mp_state);
		if (mp == MP_WAIT_SIPI)
			continue;
		if (mp != MP_HALTED)
			flags &= ~XEN417_DOMINF_blocked;
		if (READ_ONCE(v->mode) == VCPU_IN_GUEST)
			flags |= XEN417_DOMINF_running;
		info->nr_online_vcpus++;
	}
	spin_unlock(&d->vcpus_kick_lock);
	info->cpu_time = cpu_time;
	if (!info->nr_online_vcpus)
		flags = 0;
	flags |= XEN417_DOMINF_hvm_guest | XEN417_DOMINF_hap;

	if (x) {
		u32 reason = READ_ONCE(x->shutdown_reason);
		u32 set = READ_ONCE(x->shutdown_code);
		u64 si = READ_ONCE(x->shared_info_gpa);

		if (reason != XEN_NOT_SHUT_DOWN) {
			flags |= XEN417_DOMINF_shutdown;
			code = reason;
		} else if (set != DOMINO_XEN_NO_CODE) {
			code = (u8)set;
		}
		if (si != XEN_NO_GPA)
			info->shared_info_frame = si >> PAGE_SHIFT;
	}
	info->flags = flags | code << XEN417_DOMINF_shutdownshift;

	/*
	 * The reservation, as XENMEM_current/maximum_reservation count it,
	 * read without slots_lock: a guest's VMM can hold that across a
	 * stalled fault, and domain 0's tools must not wait on a guest. A
	 * snapshot taken mid-change may be off by that change.
	 */
	memory = READ_ONCE(d->memory) >> PAGE_SHIFT;
	absent = x ? READ_ONCE(x->balloon.nr_absent) : 0;
	info->tot_pages = memory > absent ? memory - absent : 0;
	info->max_pages = (d->max_memory ?: memory << PAGE_SHIFT) >> PAGE_SHIFT;

	if (d->flags & DOMINO_DOMAIN_IRQCHIP)
		info->arch_config.emulation_flags = XEN417_X86_EMU_LAPIC;
	if (d->ioapic)
		info->arch_config.emulation_flags |= XEN417_X86_EMU_IOAPIC;
}

/*
 * The entry of the domain with the lowest id >= *@domid, that id in
 * *@domid; -ESRCH when there is none.
 */
static int dominfo_next(u32 *domid, struct xen417_dominfo *info)
{
	struct domino_domain *d;
	u32 id = *domid;

	if (!id) {
		dominfo_dom0(info);
		return 0;
	}
	d = domino_domain_find_next(&id);
	if (!d)
		return -ESRCH;
	dominfo_fill(d, info);
	domino_domain_put(d);
	*domid = id;
	return 0;
}

long xen_dom0_domctl(struct xen_call *c)
{
	struct xen417_domctl op;
	u32 domid;
	int r;

	if (c->copy_from(c, c->arg[0], &op, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN417_DOMCTL_VERSION)
		return -EACCES;
	switch (op.cmd) {
	case XEN417_DOMCTL_getdomaininfo:
		if (op.domain >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		domid = op.domain;
		r = dominfo_next(&domid, &op.u.getdomaininfo);
		if (r)
			return r;
		op.domain = domid;
		return c->copy_to(c, c->arg[0], &op, sizeof(op));
	default:
		pr_info_ratelimited("privcmd: %s: domctl %u not supported (-ENOSYS)\n",
				    current->comm, op.cmd);
		return -ENOSYS;
	}
}

static long dom0_getdomaininfolist(struct xen_call *c, struct xen417_sysctl *op)
{
	struct xen417_dominfo info;
	u32 n = 0, domid = op->u.getdomaininfolist.first_domain;
	u64 buf = op->u.getdomaininfolist.buffer;

	while (n < op->u.getdomaininfolist.max_domains && domid < DOMID_FIRST_RESERVED) {
		if (dominfo_next(&domid, &info))
			break;
		if (c->copy_to(c, buf + (u64)n * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		n++;
		domid++;
	}
	op->u.getdomaininfolist.num_domains = n;
	return 0;
}

long xen_dom0_sysctl(struct xen_call *c)
{
	struct xen417_sysctl op;
	long r;

	if (c->copy_from(c, c->arg[0], &op, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN417_SYSCTL_VERSION)
		return -EACCES;
	switch (op.cmd) {
	case XEN417_SYSCTL_getdomaininfolist:
		r = dom0_getdomaininfolist(c, &op);
		break;
	default:
		pr_info_ratelimited("privcmd: %s: sysctl %u not supported (-ENOSYS)\n",
				    current->comm, op.cmd);
		return -ENOSYS;
	}
	if (!r && c->copy_to(c, c->arg[0], &op, sizeof(op)))
		r = -EFAULT;
	return r;
}
