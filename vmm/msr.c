// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs. The vendor owns the ones its hardware switches (EFER, the
 * SYSCALL/SYSENTER MSRs, FS/GS bases, PAT, TSC); this file owns the few
 * others a guest needs, and decides what happens to the rest: #GP, or an
 * exit to the VMM if the domain asked for DOMINO_DOMAIN_MSR_EXITS.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>

#include "irqchip.h"
#include "spec_ctrl.h"
#include "xen.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "msr.h"

#define APIC_BASE_DEFAULT	0xfee00000ULL
#define APIC_BASE_BSP		BIT_ULL(8)
#define APIC_BASE_ENABLE	BIT_ULL(11)
#define APIC_BASE_EXTD		BIT_ULL(10)
/* Bits 12..51 hold the base; 8 is BSP (read-only), 10 x2APIC, 11 enable. */
#define APIC_BASE_VALID		(GENMASK_ULL(51, 12) | APIC_BASE_ENABLE | APIC_BASE_EXTD)

int domino_msr_get(struct domino_vcpu *v, u32 index, u64 *val, bool host)
{
	int r = domino_vendor_get_msr(v, index, val);

	if (r == -ENOENT)
		r = domino_lapic_msr_get(v, index, val);
	if (r == -ENOENT)
		r = domino_pvclock_msr_get(v, index, val);
	if (r == -ENOENT)
		r = domino_spec_ctrl_msr_get(v, index, val);
	if (r == -ENOENT)
		r = domino_xen_msr_get(v, index, val);
	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_TSC_ADJUST:
		*val = v->tsc_adjust;
		return 0;
	case MSR_IA32_APICBASE:
		*val = v->apic_base | (v->id == 0 ? APIC_BASE_BSP : 0);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = v->misc_enable;
		return 0;
	case MSR_TSC_AUX:
		*val = v->tsc_aux;
		return 0;
	case MSR_IA32_UCODE_REV:
		*val = 0;
		return 0;
	case MSR_K8_INT_PENDING_MSG:
		/* No C1E: Linux's AMD E400 check reads it unguarded. */
		*val = 0;
		return 0;
	default:
		return -ENOENT;
	}
}

int domino_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host)
{
	u64 tsc;
	int r = domino_vendor_set_msr(v, index, val, host);

	if (r == -ENOENT)
		r = domino_lapic_msr_set(v, index, val);
	if (r == -ENOENT)
		r = domino_pvclock_msr_set(v, index, val);
	if (r == -ENOENT)
		r = domino_spec_ctrl_msr_set(v, index, val, host);
	if (r == -ENOENT)
		r = domino_xen_msr_set(v, index, val, host);
	if (r != -ENOENT)
		return r;
	switch (index) {
	case MSR_IA32_APICBASE:
		if (val & ~(APIC_BASE_VALID | APIC_BASE_BSP))
			return -EINVAL;
		/* x2APIC mode exists only with the in-kernel APIC. */
		if (!v->lapic && (val & APIC_BASE_EXTD))
			return -EINVAL;
		if (v->lapic)
			return domino_lapic_set_base(v, val & APIC_BASE_VALID, host);
		v->apic_base = val & APIC_BASE_VALID;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		/* SDM 17.17.3: writing the adjust moves the TSC by the difference. */
		if (!host) {
			r = domino_vendor_get_msr(v, MSR_IA32_TSC, &tsc);
			if (!r)
				r = domino_vendor_set_msr(v, MSR_IA32_TSC,
							  tsc + val - v->tsc_adjust, true);
			if (r)
				return r;
		}
		v->tsc_adjust = val;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		v->misc_enable = val;
		return 0;
	case MSR_TSC_AUX:
		if (val >> 32)
			return -EINVAL;
		v->tsc_aux = val;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* Writing 0 before CPUID is how the SDM reads the revision. */
		return 0;
	case MSR_K8_INT_PENDING_MSG:
		return val ? -EINVAL : 0;
	default:
		return -ENOENT;
	}
}

void domino_msr_reset(struct domino_vcpu *v)
{
	v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE;
	v->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
	domino_spec_ctrl_reset(v);
}

#define DOMINO_MSRS_MAX	256

/* GET/SET_MSRS: returns how many entries were done; stops at the first failure. */
int domino_msrs_ioctl(struct domino_vcpu *v, struct domino_msrs __user *uarg,
		      bool set)
{
	struct domino_msr_entry *entries;
	struct domino_msrs m;
	size_t bytes;
	u32 i;
	int r;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.pad || m.nr > DOMINO_MSRS_MAX)
		return -EINVAL;
	bytes = m.nr * sizeof(*entries);
	entries = memdup_user(u64_to_user_ptr(m.entries), bytes);
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	/*
	 * A reserved field set anywhere is a malformed request, refused as a
	 * whole before any MSR changes, not an entry to stop at.
	 */
	for (i = 0; i < m.nr; i++) {
		if (entries[i].pad) {
			kfree(entries);
			return -EINVAL;
		}
	}
	for (i = 0; i < m.nr; i++) {
		r = set ? domino_msr_set(v, entries[i].index, entries[i].data, true) :
			  domino_msr_get(v, entries[i].index, &entries[i].data, true);
		if (r)
			break;
	}
	r = i;
	if (!set && copy_to_user(u64_to_user_ptr(m.entries), entries,
				 i * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}
