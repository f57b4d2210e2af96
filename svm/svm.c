// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM backend: detection and per-CPU enable/disable.
 */
#define pr_fmt(fmt) "domino: svm: " fmt

#include <linux/percpu.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "domino.h"

/* CPUID Fn8000_000A EDX: SVM feature identification (APM vol. 3, E.4.9). */
#define SVM_CPUID_NPT			BIT(0)
#define SVM_CPUID_LBRV			BIT(1)
#define SVM_CPUID_NRIPS			BIT(3)
#define SVM_CPUID_TSC_RATE		BIT(4)
#define SVM_CPUID_VMCB_CLEAN		BIT(5)
#define SVM_CPUID_FLUSH_BY_ASID		BIT(6)
#define SVM_CPUID_DECODE_ASSISTS	BIT(7)
#define SVM_CPUID_PAUSE_FILTER		BIT(10)
#define SVM_CPUID_AVIC			BIT(13)
#define SVM_CPUID_V_VMSAVE_VMLOAD	BIT(15)
#define SVM_CPUID_VGIF			BIT(16)
#define SVM_CPUID_VNMI			BIT(25)

/* Fn8000_000A EDX bit -> Domino feature bit. */
static const struct {
	u32 cpuid;
	u64 feat;
} svm_feature_map[] = {
	{ SVM_CPUID_NPT,		DOMINO_FEAT_TDP | DOMINO_FEAT_TDP_2M |
					DOMINO_FEAT_TDP_AD },
	{ SVM_CPUID_LBRV,		DOMINO_FEAT_SVM_LBRV },
	{ SVM_CPUID_NRIPS,		DOMINO_FEAT_SVM_NRIPS },
	{ SVM_CPUID_TSC_RATE,		DOMINO_FEAT_TSC_SCALING },
	{ SVM_CPUID_VMCB_CLEAN,		DOMINO_FEAT_SVM_VMCB_CLEAN },
	{ SVM_CPUID_FLUSH_BY_ASID,	DOMINO_FEAT_SVM_FLUSH_BY_ASID },
	{ SVM_CPUID_DECODE_ASSISTS,	DOMINO_FEAT_SVM_DECODE_ASSISTS },
	{ SVM_CPUID_PAUSE_FILTER,	DOMINO_FEAT_PAUSE_EXITS },
	{ SVM_CPUID_AVIC,		DOMINO_FEAT_APIC_VIRT },
	{ SVM_CPUID_V_VMSAVE_VMLOAD,	DOMINO_FEAT_SVM_V_VMSAVE_VMLOAD },
	{ SVM_CPUID_VGIF,		DOMINO_FEAT_SVM_VGIF },
	{ SVM_CPUID_VNMI,		DOMINO_FEAT_VNMI },
};

/* Host save areas, one page per CPU, only while virtualization is on. */
static DEFINE_PER_CPU(struct page *, svm_hsave);

static int svm_probe(struct domino_caps *caps)
{
	u32 eax, ebx, ecx, edx;
	unsigned int i;
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;

	/* APM 15.4: firmware may lock SVM off through VM_CR.SVMDIS. */
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & (1ULL << SVM_VM_CR_SVM_DISABLE)) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS); enable it in the BIOS setup\n");
		return -EPERM;
	}

	cpuid(0x8000000a, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_CPUID_NPT)) {
		pr_err("this CPU has SVM without nested paging, which Domino requires\n");
		return -EOPNOTSUPP;
	}

	caps->vendor = DOMINO_VENDOR_SVM;
	caps->vendor_revision = eax & 0xff;
	/* ASID 0 belongs to the host (APM 15.16): guests get the rest. */
	caps->nr_tlb_tags = ebx ? ebx - 1 : 0;
	if (caps->nr_tlb_tags)
		caps->features |= DOMINO_FEAT_TAGGED_TLB;
	for (i = 0; i < ARRAY_SIZE(svm_feature_map); i++)
		if (edx & svm_feature_map[i].cpuid)
			caps->features |= svm_feature_map[i].feat;
	/* NPT maps 1 GiB pages where the host paging has them. */
	if (boot_cpu_has(X86_FEATURE_GBPAGES))
		caps->features |= DOMINO_FEAT_TDP_1G;
	caps->tdp_levels = domino_tdp_host_levels();
	return 0;
}

static int svm_setup(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = domino_alloc_page(GFP_KERNEL);

		if (!page) {
			for_each_possible_cpu(cpu) {
				domino_free_page(per_cpu(svm_hsave, cpu));
				per_cpu(svm_hsave, cpu) = NULL;
			}
			return -ENOMEM;
		}
		per_cpu(svm_hsave, cpu) = page;
	}
	return 0;
}

static void svm_teardown(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		domino_free_page(per_cpu(svm_hsave, cpu));
		per_cpu(svm_hsave, cpu) = NULL;
	}
}

static bool svm_cpu_busy(void)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	return efer & EFER_SVME;
}

static int svm_cpu_enable(void)
{
	u64 efer;

	/* Somebody else's SVME: their VM_HSAVE_PA must not be touched. */
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;

	/* APM 15.4: EFER.SVME must be 1 before any other SVM instruction. */
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	/* APM 15.30.4: VMRUN saves host state to the page VM_HSAVE_PA names. */
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(__this_cpu_read(svm_hsave)));
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	/* APM 15.17: set GIF before leaving SVM so interrupts stay deliverable. */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

const struct domino_vendor_ops domino_svm_ops = {
	.name		= "svm",
	.competitor	= "kvm_amd",
	.probe		= svm_probe,
	.setup		= svm_setup,
	.teardown	= svm_teardown,
	.cpu_busy	= svm_cpu_busy,
	.cpu_enable	= svm_cpu_enable,
	.cpu_disable	= svm_cpu_disable,
};
