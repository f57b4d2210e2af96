// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID policy: what CPUID returns in the guest. The default is the
 * host's, minus what Domino does not virtualize; the VMM may replace it.
 * CPUID exits are answered here, in the kernel, from this table.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/fpu/xstate.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>

#include "domain.h"
#include "spec_ctrl.h"
#include "xen.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "alloc.h"
#include "cpuid.h"

/* CPUID.1 ECX/EDX and others (SDM vol. 2A CPUID, APM vol. 3 E.3). */
#define C1_ECX_MONITOR		BIT(3)
#define C1_ECX_VMX		BIT(5)
#define C1_ECX_SMX		BIT(6)
#define C1_ECX_EST		BIT(7)
#define C1_ECX_TM2		BIT(8)
#define C1_ECX_PDCM		BIT(15)
#define C1_ECX_X2APIC		BIT(21)
#define C1_ECX_TSC_DEADLINE	BIT(24)
#define C1_ECX_OSXSAVE		BIT(27)
#define C1_ECX_HYPERVISOR	BIT(31)
#define C1_EDX_MCE		BIT(7)
#define C1_EDX_MTRR		BIT(12)
#define C1_EDX_MCA		BIT(14)
#define C1_EDX_ACPI		BIT(22)
#define C1_EDX_TM		BIT(29)
#define C7_EBX_RTM		BIT(11)
#define C7_EBX_HLE		BIT(4)
#define CD1_EAX_XSAVES		BIT(3)
#define C7_ECX_PKU		BIT(3)
#define C7_ECX_OSPKE		BIT(4)
#define C7_ECX_WAITPKG		BIT(5)
#define E1_ECX_SVM		BIT(2)
#define E1_ECX_SKINIT		BIT(12)
#define E1_ECX_WDT		BIT(13)
#define E1_ECX_TOPOEXT		BIT(22)
#define E1_ECX_PERFCTR_CORE	BIT(23)

/* Leaves that carry a subleaf index. */
static bool leaf_indexed(u32 func)
{
	return func == 4 || func == 7 || func == 0xb || func == 0xd ||
	       func == 0xf || func == 0x10 || func == 0x12 || func == 0x14 ||
	       func == 0x17 || func == 0x18 || func == 0x1f ||
	       func == 0x8000001d;
}

#define FBIT(f)			BIT((f) % 32)

/*
 * Guests get the XSAVE state components the host enabled in its XCR0,
 * no more (XSETBV refuses the rest), and no instructions whose state is
 * missing: a CPU model whose CPUID offers more than its kernel enabled
 * (Bochs) would otherwise have the guest fault on its own XSETBV.
 */
static void cpuid_mask_xstate(struct domino_cpuid_entry *e)
{
	u64 xcr0 = domino_host_xcr0 & ~XFEATURE_MASK_PKRU;
	bool ymm = xcr0 & XFEATURE_MASK_YMM;
	bool zmm = (xcr0 & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512;
	u32 a, b, c, d, i;

	/* A host kernel that turned XSAVE off has no XCR0 to share. */
	if (e->function == 1 && !boot_cpu_has(X86_FEATURE_OSXSAVE))
		e->ecx &= ~FBIT(X86_FEATURE_XSAVE);
	if (e->function == 0xd && !boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		e->eax = e->ebx = e->ecx = e->edx = 0;
		return;
	}
	if (e->function == 1 && !ymm)
		e->ecx &= ~(FBIT(X86_FEATURE_AVX) | FBIT(X86_FEATURE_FMA) |
			    FBIT(X86_FEATURE_F16C));
	if (e->function == 7 && e->index == 0) {
		if (!ymm)
			e->ebx &= ~FBIT(X86_FEATURE_AVX2);
		if (!(xcr0 & XFEATURE_MASK_BNDREGS))
			e->ebx &= ~FBIT(X86_FEATURE_MPX);
		if (!zmm) {
			e->ebx &= ~(FBIT(X86_FEATURE_AVX512F) | FBIT(X86_FEATURE_AVX512DQ) |
				    FBIT(X86_FEATURE_AVX512IFMA) | FBIT(X86_FEATURE_AVX512PF) |
				    FBIT(X86_FEATURE_AVX512ER) | FBIT(X86_FEATURE_AVX512CD) |
				    FBIT(X86_FEATURE_AVX512BW) | FBIT(X86_FEATURE_AVX512VL));
			e->ecx &= ~(FBIT(X86_FEATURE_AVX512VBMI) | FBIT(X86_FEATURE_AVX512_VBMI2) |
				    FBIT(X86_FEATURE_AVX512_VNNI) | FBIT(X86_FEATURE_AVX512_BITALG) |
				    FBIT(X86_FEATURE_AVX512_VPOPCNTDQ));
			e->edx &= ~(FBIT(X86_FEATURE_AVX512_4VNNIW) | FBIT(X86_FEATURE_AVX512_4FMAPS) |
				    FBIT(X86_FEATURE_AVX512_VP2INTERSECT) | FBIT(X86_FEATURE_AVX512_FP16));
		}
	}
	if (e->function == 7 && e->index == 1 && !zmm)
		e->eax &= ~FBIT(X86_FEATURE_AVX512_BF16);
	if (e->function == 0xd && e->index == 0) {
		e->eax &= (u32)xcr0;
		e->edx &= xcr0 >> 32;
		/* ECX: the XSAVE area for every component offered. */
		e->ecx = 512 + 64;
		for (i = 2; i < 64; i++) {
			if (!(xcr0 & BIT_ULL(i)))
				continue;
			cpuid_count(0xd, i, &a, &b, &c, &d);
			e->ecx = max(e->ecx, a + b);
		}
	}
}

/* What the guest may not be told: features Domino does not provide. */
static void cpuid_mask(struct domino_vcpu *v, struct domino_cpuid_entry *e)
{
	cpuid_mask_xstate(e);
	/* Speculation controls: where the MSRs are handled (spec_ctrl.c). */
	domino_spec_ctrl_cpuid(e);

	switch (e->function) {
	case 1:
		e->ecx &= ~(C1_ECX_MONITOR | C1_ECX_VMX | C1_ECX_SMX |
			    C1_ECX_EST | C1_ECX_TM2 | C1_ECX_PDCM |
			    C1_ECX_X2APIC | C1_ECX_TSC_DEADLINE |
			    C1_ECX_OSXSAVE);
		e->ecx |= C1_ECX_HYPERVISOR;
		e->edx &= ~(C1_EDX_MCE | C1_EDX_MTRR | C1_EDX_MCA |
			    C1_EDX_ACPI | C1_EDX_TM);
		/* Initial APIC id = vCPU id; one logical CPU per package. */
		e->ebx = (e->ebx & 0xffff) | (1 << 16) | (v->id << 24);
		break;
	case 6: case 0xa: case 0xb: case 0x1f:
		/* Power, PMU and topology leaves describe the host: hide. */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 7:
		if (e->index == 0) {
			e->ebx &= ~(C7_EBX_RTM | C7_EBX_HLE);
			e->ecx &= ~(C7_ECX_WAITPKG | C7_ECX_PKU | C7_ECX_OSPKE);
		}
		break;
	case 0x80000001:
		e->ecx &= ~(E1_ECX_SVM | E1_ECX_SKINIT | E1_ECX_WDT |
			    E1_ECX_TOPOEXT | E1_ECX_PERFCTR_CORE);
		break;
	case 0x8000000a:
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0xd:
		/* No protection keys (CPUID.7 hides PKU): no PKRU state either. */
		if (e->index == 0)
			e->eax &= ~XFEATURE_MASK_PKRU;
		/* No IA32_XSS for guests: no XSAVES and no supervisor states. */
		if (e->index == 1) {
			e->eax &= ~CD1_EAX_XSAVES;
			e->ecx = e->edx = 0;
		}
		break;
	}
	/* What the vendor cannot give guests (instructions needing controls). */
	domino_vendor_cpuid_mask(e);
}

/* A zeroed entry at the policy's end, or NULL when it is full. */
struct domino_cpuid_entry *domino_cpuid_append(struct domino_vcpu *v, u32 func,
					       u32 index, bool indexed)
{
	struct domino_cpuid_policy *p = v->cpuid;
	struct domino_cpuid_entry *e;

	if (p->nr >= DOMINO_MAX_CPUID_ENTRIES)
		return NULL;
	e = &p->entries[p->nr++];
	memset(e, 0, sizeof(*e));
	e->function = func;
	e->index = index;
	e->flags = indexed ? DOMINO_CPUID_INDEXED : 0;
	return e;
}

static int cpuid_add(struct domino_vcpu *v, u32 func, u32 index)
{
	struct domino_cpuid_entry *e = domino_cpuid_append(v, func, index, leaf_indexed(func));

	if (!e)
		return -E2BIG;
	cpuid_count(func, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	cpuid_mask(v, e);
	return 0;
}

/* Subleaves a default policy carries for an indexed leaf. */
static u32 leaf_subleaves(u32 func)
{
	switch (func) {
	case 4: case 0xd: case 0x8000001d:
		return 64;
	case 7:
		return 2;
	default:
		return 1;
	}
}

static int cpuid_range(struct domino_vcpu *v, u32 base)
{
	u32 max, func, sub, a, b, c, d;
	int r;

	cpuid(base, &max, &b, &c, &d);
	max = min(max, base + 0x20);
	for (func = base; func <= max; func++) {
		for (sub = 0; sub < leaf_subleaves(func); sub++) {
			/* Deterministic-cache and XSAVE lists end at a zero entry. */
			if (sub && (func == 4 || func == 0x8000001d)) {
				cpuid_count(func, sub, &a, &b, &c, &d);
				if (!(a & 0x1f))
					break;
			}
			if (sub > 1 && func == 0xd) {
				cpuid_count(func, sub, &a, &b, &c, &d);
				if (!a)
					continue;
			}
			r = cpuid_add(v, func, sub);
			if (r)
				return r;
		}
	}
	return 0;
}

/* "KVMKVMKVM\0\0\0": the signature guests look for (KVM's cpuid.rst). */
#define KVM_SIGNATURE_EBX	0x4b4d564b
#define KVM_SIGNATURE_ECX	0x564b4d56
#define KVM_SIGNATURE_EDX	0x0000004d
#define KVM_FEATURE_CLOCKSOURCE2	BIT(3)
#define KVM_FEATURE_CLOCKSOURCE_STABLE	BIT(24)
#define C6_EAX_ARAT		BIT(2)

static struct domino_cpuid_entry *cpuid_find(struct domino_vcpu *v, u32 func)
{
	unsigned int i;

	for (i = 0; i < v->cpuid->nr; i++)
		if (v->cpuid->entries[i].function == func)
			return &v->cpuid->entries[i];
	return NULL;
}

/*
 * What the in-kernel platform adds: x2APIC and the TSC-deadline timer,
 * an APIC timer that always runs (ARAT), and the paravirtual clock that
 * tells the guest its TSC rate.
 */
static int cpuid_add_irqchip(struct domino_vcpu *v)
{
	struct domino_cpuid_entry *e;

	e = cpuid_find(v, 1);
	if (e)
		e->ecx |= C1_ECX_X2APIC | C1_ECX_TSC_DEADLINE;
	e = cpuid_find(v, 6);
	if (e)
		e->eax |= C6_EAX_ARAT;
	/* A Xen domain finds Xen there instead (pvops/cpuid_leaves.c). */
	if (domino_xen_domain(v->d))
		return domino_xen_cpuid_init(v);
	e = domino_cpuid_append(v, 0x40000000, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = 0x40000001;
	e->ebx = KVM_SIGNATURE_EBX;
	e->ecx = KVM_SIGNATURE_ECX;
	e->edx = KVM_SIGNATURE_EDX;
	e = domino_cpuid_append(v, 0x40000001, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE;
	return 0;
}

int domino_cpuid_init(struct domino_vcpu *v)
{
	int r;

	v->cpuid = domino_kzalloc(sizeof(*v->cpuid), GFP_KERNEL_ACCOUNT);
	if (!v->cpuid)
		return -ENOMEM;
	r = cpuid_range(v, 0);
	if (!r)
		r = cpuid_range(v, 0x80000000);
	if (!r && (v->d->flags & DOMINO_DOMAIN_IRQCHIP))
		r = cpuid_add_irqchip(v);
	return r;
}

static u32 cpuid_xsave_size(struct domino_vcpu *v)
{
	u32 size = 512 + 64, a, b, c, d;	/* legacy area and header */
	unsigned int i;

	for (i = 2; i < 64; i++) {
		if (!(v->xcr0 & BIT_ULL(i)))
			continue;
		/* Subleaf i: EAX size, EBX offset in the standard format. */
		domino_cpuid_lookup(v, 0xd, i, &a, &b, &c, &d);
		size = max(size, a + b);
	}
	return size;
}

void domino_cpuid_lookup(struct domino_vcpu *v, u32 func, u32 index,
			 u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	const struct domino_cpuid_policy *p = v->cpuid;
	unsigned int i;

	*eax = *ebx = *ecx = *edx = 0;
	for (i = 0; i < p->nr; i++) {
		const struct domino_cpuid_entry *e = &p->entries[i];

		if (e->function != func ||
		    ((e->flags & DOMINO_CPUID_INDEXED) && e->index != index))
			continue;
		*eax = e->eax;
		*ebx = e->ebx;
		*ecx = e->ecx;
		*edx = e->edx;
		break;
	}
	/*
	 * SDM CPUID.0DH.0: EBX is the XSAVE area size for the features
	 * enabled in XCR0 now, the guest's, not the host's.
	 */
	if (func == 0xd && index == 0)
		*ebx = cpuid_xsave_size(v);
	/* OSXSAVE mirrors the guest's CR4 (SDM CPUID.1:ECX[27]). */
	if (func == 1 && (*ecx & C1_ECX_OSXSAVE) == 0) {
		struct domino_sregs s;

		domino_vendor_get_sregs(v, &s);
		if (s.cr4 & X86_CR4_OSXSAVE)
			*ecx |= C1_ECX_OSXSAVE;
	}
}

int domino_cpuid_get(struct domino_vcpu *v, struct domino_cpuid __user *uarg)
{
	struct domino_cpuid c;
	u32 nr = v->cpuid->nr;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.pad)
		return -EINVAL;
	if (c.nr < nr) {
		c.nr = nr;
		return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : -E2BIG;
	}
	if (copy_to_user(u64_to_user_ptr(c.entries), v->cpuid->entries,
			 nr * sizeof(v->cpuid->entries[0])))
		return -EFAULT;
	c.nr = nr;
	return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : 0;
}

int domino_cpuid_set(struct domino_vcpu *v, struct domino_cpuid __user *uarg)
{
	struct domino_cpuid_policy *p;
	struct domino_cpuid c;
	unsigned int i;

	if (copy_from_user(&c, uarg, sizeof(c)))
		return -EFAULT;
	if (c.pad || c.nr > DOMINO_MAX_CPUID_ENTRIES)
		return -EINVAL;
	p = domino_kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	if (copy_from_user(p->entries, u64_to_user_ptr(c.entries),
			   c.nr * sizeof(p->entries[0]))) {
		domino_kfree(p);
		return -EFAULT;
	}
	for (i = 0; i < c.nr; i++) {
		if (p->entries[i].flags & ~DOMINO_CPUID_INDEXED ||
		    p->entries[i].pad) {
			domino_kfree(p);
			return -EINVAL;
		}
	}
	p->nr = c.nr;
	domino_kfree(v->cpuid);
	v->cpuid = p;
	return 0;
}
