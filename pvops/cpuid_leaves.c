// SPDX-License-Identifier: GPL-2.0
/*
 * How a guest finds Xen: the hypervisor leaves from 0x40000000 (Xen's
 * public arch-x86/cpuid.h, in the kernel as asm/xen/cpuid.h), in place of
 * KVM's, which a Xen domain does not see.
 *   0x40000000  max leaf, "XenVMMXenVMM"
 *   0x40000001  version
 *   0x40000002  one hypercall page, Xen's MSRs from 0x40000000, no
 *               PV-only features
 *   0x40000003  time: subleaf 0 the TSC mode and rate, 2 the host's rate
 *               (subleaf 1, the scaling of an emulated TSC, stays zero:
 *               guests run on the host's TSC)
 *   0x40000004  HVM features: this vCPU's id and the domain's id
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>
#include <asm/xen/cpuid.h>

#include "domain.h"
#include "vcpu.h"
#include "cpuid.h"
#include "xen.h"

#define XEN_CPUID_TSC_STABLE	BIT(1)	/* leaf 3.0 EAX: host TSC reliable */
#define XEN_TSC_MODE_NATIVE	2	/* leaf 3.0 EBX: never emulated */

static struct domino_cpuid_entry *xen_leaf(struct domino_vcpu *v, u32 leaf,
					   u32 index)
{
	/* Leaf 3 is the one with subleaves. */
	return domino_cpuid_append(v, XEN_CPUID_LEAF(leaf), index, leaf == 3);
}

int domino_xen_cpuid_init(struct domino_vcpu *v)
{
	struct domino_cpuid_entry *e[6];
	unsigned int i;

	e[0] = xen_leaf(v, 0, 0);
	e[1] = xen_leaf(v, 1, 0);
	e[2] = xen_leaf(v, 2, 0);
	e[3] = xen_leaf(v, 3, 0);
	e[4] = xen_leaf(v, 3, 2);
	e[5] = xen_leaf(v, 4, 0);
	for (i = 0; i < ARRAY_SIZE(e); i++)
		if (!e[i])
			return -E2BIG;

	e[0]->eax = XEN_CPUID_LEAF(4);
	e[0]->ebx = XEN_CPUID_SIGNATURE_EBX;
	e[0]->ecx = XEN_CPUID_SIGNATURE_ECX;
	e[0]->edx = XEN_CPUID_SIGNATURE_EDX;

	e[1]->eax = DOMINO_XEN_MAJOR << 16 | DOMINO_XEN_MINOR;

	e[2]->eax = 1;
	e[2]->ebx = XEN_CPUID_FIRST_LEAF;

	if (boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	    boot_cpu_has(X86_FEATURE_NONSTOP_TSC))
		e[3]->eax = XEN_CPUID_TSC_STABLE;
	e[3]->ebx = XEN_TSC_MODE_NATIVE;
	e[3]->ecx = tsc_khz;
	e[4]->eax = tsc_khz;

	/* Per-vCPU upcall vectors: HVMOP_set_evtchn_upcall_vector (hvm_op.c). */
	e[5]->eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
		    XEN_HVM_CPUID_UPCALL_VECTOR;
	e[5]->ebx = v->id;
	e[5]->ecx = v->d->domid;
	return 0;
}
