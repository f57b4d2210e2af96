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
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "domino.h"
#include "vendor_ops.h"
#include "alloc.h"
#include "tdp.h"
#include "svm.h"

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

/*
 * Per-CPU state, allocated while virtualization is on: the host save area
 * VMRUN uses (VM_HSAVE_PA), the page our VMSAVE/VMLOAD keep the host's
 * hidden state in, and the ASID allocator.
 */
struct svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u32 next_asid;
	u64 asid_gen;
};
static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);

/* I/O and MSR permission maps: every port and MSR intercepted. */
#define IOPM_ORDER	2	/* 12 KiB used (APM 15.10.1) */
#define MSRPM_ORDER	1	/* 8 KiB (APM 15.11) */
static struct page *svm_iopm, *svm_msrpm;
u64 svm_iopm_pa, svm_msrpm_pa;
bool svm_has_nrips, svm_has_decode_assists;
static u32 svm_max_asid;

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
	svm_has_nrips = edx & SVM_CPUID_NRIPS;
	svm_has_decode_assists = edx & SVM_CPUID_DECODE_ASSISTS;
	svm_max_asid = caps->nr_tlb_tags;
	return 0;
}

static void svm_free_cpus(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		domino_free_page(sc->hsave);
		domino_free_page(sc->host_save);
		sc->hsave = NULL;
		sc->host_save = NULL;
	}
	domino_free_pages_order(svm_iopm, IOPM_ORDER);
	domino_free_pages_order(svm_msrpm, MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

static int svm_setup(void)
{
	unsigned int cpu;

	svm_iopm = domino_alloc_pages_order(GFP_KERNEL, IOPM_ORDER);
	svm_msrpm = domino_alloc_pages_order(GFP_KERNEL, MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto fail;
	memset(page_address(svm_iopm), 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(page_address(svm_msrpm), 0xff, PAGE_SIZE << MSRPM_ORDER);
	svm_iopm_pa = page_to_phys(svm_iopm);
	svm_msrpm_pa = page_to_phys(svm_msrpm);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		sc->hsave = domino_alloc_page(GFP_KERNEL);
		sc->host_save = domino_alloc_page(GFP_KERNEL);
		if (!sc->hsave || !sc->host_save)
			goto fail;
		/*
		 * The TLB may still hold entries tagged by an earlier user of
		 * these ASIDs: the first assignment on each CPU flushes all.
		 */
		sc->next_asid = svm_max_asid + 1;
		sc->asid_gen = 1;
	}
	return 0;

fail:
	svm_free_cpus();
	return -ENOMEM;
}

static void svm_teardown(void)
{
	svm_free_cpus();
}

u64 svm_host_save_pa(void)
{
	return page_to_phys(this_cpu_ptr(&svm_cpus)->host_save);
}

/*
 * ASIDs are handed out per CPU in generations (APM 15.16): a vCPU keeps
 * its ASID while it stays on one CPU and the generation holds. When a CPU
 * runs out, it starts a new generation and flushes every ASID, so a reused
 * ASID never finds stale translations. A forced flush (nested tables
 * changed) simply takes a fresh ASID.
 */
void svm_assign_asid(struct svm_vcpu *s, bool flush)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	int cpu = smp_processor_id();

	s->vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	if (!flush && s->asid_cpu == cpu && s->asid_gen == sc->asid_gen)
		return;
	if (sc->next_asid > svm_max_asid) {
		sc->asid_gen++;
		sc->next_asid = 1;
		s->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	s->asid = sc->next_asid++;
	s->asid_gen = sc->asid_gen;
	s->asid_cpu = cpu;
	s->vmcb->control.asid = s->asid;
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
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(this_cpu_ptr(&svm_cpus)->hsave));
	/*
	 * Host perf events that exclude guests get the host-only bit from
	 * here on (AMD has no MSR switch on VMRUN), as under kvm_amd.
	 */
	amd_pmu_enable_virt();
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	amd_pmu_disable_virt();
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	/* APM 15.17: set GIF before leaving SVM so interrupts stay deliverable. */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/* VMMCALL (APM vol. 3): what a guest's hypercall page calls. */
static void svm_write_hypercall(u8 insn[3])
{
	insn[0] = 0x0f;
	insn[1] = 0x01;
	insn[2] = 0xd9;
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
	.tdp_format	= &svm_tdp_format,
	.vcpu_init	= svm_vcpu_init,
	.vcpu_free	= svm_vcpu_free,
	.vcpu_enter	= svm_vcpu_enter,
	.get_sregs	= svm_get_sregs,
	.set_sregs	= svm_set_sregs,
	.get_msr	= svm_get_msr,
	.set_msr	= svm_set_msr,
	.inject_event	= svm_inject_event,
	.irq_window_open = svm_irq_window_open,
	.in_interrupt_shadow = svm_in_interrupt_shadow,
	.set_irq_window_exit = svm_set_irq_window_exit,
	.clear_interrupt_shadow = svm_clear_interrupt_shadow,
	.set_cr2	= svm_set_cr2,
	.set_cr		= svm_set_cr,
	.cancel_events	= svm_cancel_events,
	.write_hypercall = svm_write_hypercall,
};
