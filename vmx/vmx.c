// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VMX backend: detection from the capability MSRs and per-CPU
 * VMXON/VMXOFF.
 */
#define pr_fmt(fmt) "domino: vmx: " fmt

#include <linux/percpu.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include <asm/vmx.h>

#include "domino.h"
#include "vendor_ops.h"
#include "alloc.h"
#include "tdp.h"
#include "vmx.h"

/* IA32_VMX_BASIC[30:0], the VMCS revision id (SDM vol. 3, A.1). */
#define VMX_BASIC_REVISION_MASK		0x7fffffffULL

/* Processor-based control: "activate secondary controls" (SDM 24.6.2). */
#define VMX_PROC_SECONDARY		BIT(31)

static u32 vmx_revision;
static bool vmx_has_invept_global;
struct vmx_ctls vmx_ctls;

/*
 * A control value from its capability MSR (SDM A.3): bits clear in the
 * allowed-1 half cannot be set, bits set in the allowed-0 half must be.
 * Returns false if a required bit cannot be had.
 */
static bool vmx_adjust(u32 msr, u32 required, u32 optional, u32 *out)
{
	u64 cap;
	u32 ctl;

	rdmsrl(msr, cap);
	ctl = ((required | optional) & (u32)(cap >> 32)) | (u32)cap;
	*out = ctl;
	return (ctl & required) == required;
}

/* The controls vCPUs run with: exits for everything Domino emulates. */
static void vmx_probe_ctls(u64 basic, u64 ept_vpid, unsigned int levels)
{
	bool t = basic & VMX_BASIC_TRUE_CTLS, ok;
	struct vmx_ctls *c = &vmx_ctls;

	ok = vmx_adjust(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
			PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
			PIN_BASED_VMX_PREEMPTION_TIMER, &c->pin);
	ok &= vmx_adjust(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
			 CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			 CPU_BASED_USE_TSC_OFFSETTING |
			 CPU_BASED_MOV_DR_EXITING | CPU_BASED_MWAIT_EXITING |
			 CPU_BASED_MONITOR_EXITING | CPU_BASED_RDPMC_EXITING |
			 /*
			  * SDM 25.3: without CR8 exiting and a TPR shadow, MOV
			  * CR8 reaches the physical APIC's TPR: the host's.
			  */
			 CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
			 CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0, &c->proc);
	ok &= vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			 SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST,
			 SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_ENABLE_RDTSCP |
			 SECONDARY_EXEC_ENABLE_INVPCID |
			 /* WBINVD would stall every cache of the CPU (vmm/exit.c). */
			 SECONDARY_EXEC_WBINVD_EXITING, &c->sec);
	ok &= vmx_adjust(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
			 /* SDM 27.3.1: DR7 saved, so guest breakpoints persist. */
			 VM_EXIT_SAVE_DEBUG_CONTROLS |
			 VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
			 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
			 VM_EXIT_LOAD_IA32_PAT, 0, &c->exit);
	ok &= vmx_adjust(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
			 /* SDM 26.3.2.1: GUEST_DR7 is loaded only with this. */
			 VM_ENTRY_LOAD_DEBUG_CONTROLS |
			 VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT, 0,
			 &c->entry);
	/* CR3 accesses stay the guest's with EPT (SDM 25.1.3). */
	if (c->proc & (CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING))
		ok = false;
	c->entry &= ~VM_ENTRY_IA32E_MODE;
	c->vpid = c->sec & SECONDARY_EXEC_ENABLE_VPID;
	if (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		u64 misc;

		/* SDM 25.5.1: the timer counts TSC >> IA32_VMX_MISC[4:0]. */
		rdmsrl(MSR_IA32_VMX_MISC, misc);
		c->preempt_ticks = max_t(u64, (u64)tsc_khz >> (misc & 0x1f), 1);
	}
	c->inout_info = basic & VMX_BASIC_INOUT;
	c->invept_single = ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT;
	c->invvpid_single = ept_vpid & ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32);
	/* SDM 24.6.11 EPTP: write-back tables, walk length, A/D where offered. */
	c->eptp_flags = VMX_EPTP_MT_WB | (levels == 5 ? VMX_EPTP_PWL_5 : VMX_EPTP_PWL_4);
	if (ept_vpid & VMX_EPT_AD_BIT)
		c->eptp_flags |= VMX_EPTP_AD_ENABLE_BIT;
	c->vmcs_revision = vmx_revision;
	c->ok = ok && (ept_vpid & VMX_EPT_INVEPT_BIT);
	if (!c->ok)
		pr_warn("VMCS controls Domino needs are not all offered: no vCPUs on this CPU\n");
}

/*
 * SDM 25.3: without "enable RDTSCP" RDTSCP and RDPID raise #UD in the
 * guest, without "enable INVPCID" INVPCID does: a guest must not be
 * told they exist when the CPU does not offer the control.
 */
static void vmx_cpuid_mask(struct domino_cpuid_entry *e)
{
	bool rdtscp = vmx_ctls.sec & SECONDARY_EXEC_ENABLE_RDTSCP;

	if (e->function == 7 && e->index == 0) {
		if (!(vmx_ctls.sec & SECONDARY_EXEC_ENABLE_INVPCID))
			e->ebx &= ~BIT(X86_FEATURE_INVPCID % 32);
		if (!rdtscp)
			e->ecx &= ~BIT(X86_FEATURE_RDPID % 32);
	}
	if (e->function == 0x80000001 && !rdtscp)
		e->edx &= ~BIT(X86_FEATURE_RDTSCP % 32);
}

static DEFINE_PER_CPU(struct page *, vmx_vmxon_region);

/* The allowed-1 half of a VMX control capability MSR (SDM A.3). */
static u32 vmx_allowed1(u32 msr)
{
	u64 v;

	rdmsrl(msr, v);
	return v >> 32;
}

/* SDM 23.7: VMXON needs IA32_FEATURE_CONTROL locked with VMX enabled. */
static int vmx_check_feature_control(void)
{
	u64 fc;

	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED)) {
		pr_err("IA32_FEATURE_CONTROL is not locked; the firmware left VMX unconfigured\n");
		return -EPERM;
	}
	if (!(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL); enable VT-x in the BIOS setup\n");
		return -EPERM;
	}
	return 0;
}

static void vmx_probe_ept(struct domino_caps *caps, u64 ept_vpid, u32 sec)
{
	unsigned int host = domino_tdp_host_levels();

	caps->features |= DOMINO_FEAT_TDP;
	/* EPT's depth is chosen per EPTP: follow the host where EPT can. */
	caps->tdp_levels = host == 5 && (ept_vpid & VMX_EPT_PAGE_WALK_5_BIT) ? 5 : 4;
	if (ept_vpid & VMX_EPT_2MB_PAGE_BIT)
		caps->features |= DOMINO_FEAT_TDP_2M;
	if (ept_vpid & VMX_EPT_1GB_PAGE_BIT)
		caps->features |= DOMINO_FEAT_TDP_1G;
	if (ept_vpid & VMX_EPT_AD_BIT)
		caps->features |= DOMINO_FEAT_TDP_AD;
	if (ept_vpid & VMX_EPT_EXECUTE_ONLY_BIT)
		caps->features |= DOMINO_FEAT_VMX_EPT_EXEC_ONLY;
	if (ept_vpid & VMX_EPT_INVEPT_BIT)
		caps->features |= DOMINO_FEAT_VMX_INVEPT;
	vmx_has_invept_global = (ept_vpid & VMX_EPT_INVEPT_BIT) &&
				(ept_vpid & VMX_EPT_EXTENT_GLOBAL_BIT);

	if (sec & SECONDARY_EXEC_ENABLE_VPID) {
		/* VPID 0 is the host's (SDM 28.1): 16-bit ids 1..65535. */
		caps->nr_tlb_tags = 0xffff;
		caps->features |= DOMINO_FEAT_TAGGED_TLB;
		if (ept_vpid & ((u64)VMX_VPID_INVVPID_BIT << 32))
			caps->features |= DOMINO_FEAT_VMX_INVVPID;
	}
}

static int vmx_probe(struct domino_caps *caps)
{
	u32 proc, sec, pin;
	u64 basic, ept_vpid;
	int r;

	if (!boot_cpu_has(X86_FEATURE_VMX))
		return -ENODEV;
	r = vmx_check_feature_control();
	if (r)
		return r;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	if ((basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT !=
	    VMX_BASIC_MEM_TYPE_WB || (basic & VMX_BASIC_64)) {
		pr_err("unsupported IA32_VMX_BASIC %#llx (needs write-back VMCS, 64-bit addresses)\n",
		       basic);
		return -EOPNOTSUPP;
	}
	vmx_revision = basic & VMX_BASIC_REVISION_MASK;

	/* The TRUE_* MSRs, where present, report what may really be cleared. */
	if (basic & VMX_BASIC_TRUE_CTLS) {
		caps->features |= DOMINO_FEAT_VMX_TRUE_CTLS;
		proc = vmx_allowed1(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		pin = vmx_allowed1(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
	} else {
		proc = vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS);
		pin = vmx_allowed1(MSR_IA32_VMX_PINBASED_CTLS);
	}
	sec = proc & VMX_PROC_SECONDARY ?
		vmx_allowed1(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	if (!(sec & SECONDARY_EXEC_ENABLE_EPT)) {
		pr_err("this CPU has VT-x without EPT, which Domino requires\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid);
	if (!(ept_vpid & VMX_EPT_PAGE_WALK_4_BIT) ||
	    !(ept_vpid & VMX_EPTP_WB_BIT)) {
		pr_err("EPT lacks 4-level walks or write-back tables (IA32_VMX_EPT_VPID_CAP %#llx)\n",
		       ept_vpid);
		return -EOPNOTSUPP;
	}

	caps->vendor = DOMINO_VENDOR_VMX;
	caps->vendor_revision = vmx_revision;
	vmx_probe_ept(caps, ept_vpid, sec);
	vmx_probe_ctls(basic, ept_vpid, caps->tdp_levels);
	if (sec & SECONDARY_EXEC_UNRESTRICTED_GUEST)
		caps->features |= DOMINO_FEAT_VMX_UNRESTRICTED;
	if (sec & SECONDARY_EXEC_ENABLE_PML)
		caps->features |= DOMINO_FEAT_VMX_PML;
	if (sec & SECONDARY_EXEC_SHADOW_VMCS)
		caps->features |= DOMINO_FEAT_VMX_SHADOW_VMCS;
	if (sec & SECONDARY_EXEC_TSC_SCALING)
		caps->features |= DOMINO_FEAT_TSC_SCALING;
	if (sec & SECONDARY_EXEC_PAUSE_LOOP_EXITING)
		caps->features |= DOMINO_FEAT_PAUSE_EXITS;
	if (sec & SECONDARY_EXEC_APIC_REGISTER_VIRT)
		caps->features |= DOMINO_FEAT_APIC_VIRT;
	if (pin & PIN_BASED_VIRTUAL_NMIS)
		caps->features |= DOMINO_FEAT_VNMI;
	if (pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		caps->features |= DOMINO_FEAT_VMX_PREEMPT_TIMER;
	return 0;
}

static void vmx_free_regions(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		domino_free_page(per_cpu(vmx_vmxon_region, cpu));
		per_cpu(vmx_vmxon_region, cpu) = NULL;
	}
}

static int vmx_setup(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page = domino_alloc_page(GFP_KERNEL);

		if (!page) {
			vmx_free_regions();
			return -ENOMEM;
		}
		/* SDM 24.11.5: the VMXON region starts with the VMCS revision. */
		*(u32 *)page_address(page) = vmx_revision;
		per_cpu(vmx_vmxon_region, cpu) = page;
	}
	return 0;
}

static bool vmx_cpu_busy(void)
{
	/* CR4.VMXE is only ever set by a hypervisor in VMX operation. */
	return __read_cr4() & X86_CR4_VMXE;
}

/* SDM 23.8: CR0 and CR4 must satisfy the VMX fixed-bit MSRs. */
static bool vmx_cr_fixed_ok(unsigned long val, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

static void vmx_invept_global(void)
{
	struct { u64 eptp, gpa; } desc = { 0, 0 };

	asm volatile("invept %0, %1"
		     : : "m"(desc), "r"((u64)VMX_EPT_EXTENT_GLOBAL)
		     : "cc", "memory");
}

static int vmx_cpu_enable(void)
{
	u64 pa = page_to_phys(__this_cpu_read(vmx_vmxon_region));

	if (vmx_cpu_busy())
		return -EBUSY;
	if (!vmx_cr_fixed_ok(read_cr0(), MSR_IA32_VMX_CR0_FIXED0,
		     MSR_IA32_VMX_CR0_FIXED1) ||
	    !vmx_cr_fixed_ok(__read_cr4() | X86_CR4_VMXE,
		     MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1)) {
		pr_err("CPU%d: CR0/CR4 violate the VMX fixed bits\n",
		       smp_processor_id());
		return -EIO;
	}

	cr4_set_bits(X86_CR4_VMXE);
	/* CF or ZF set: VMfailInvalid/VMfailValid (SDM 30.2). */
	asm goto("1: vmxon %[pa]\n\t"
		  "jbe %l[fail]\n\t"
		  _ASM_EXTABLE(1b, %l[fault])
		  : : [pa] "m"(pa) : "cc", "memory" : fail, fault);

	/* Drop EPT translations a previous VMX user may have left cached. */
	if (vmx_has_invept_global)
		vmx_invept_global();
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	pr_err("CPU%d: VMXON failed (VMfail)\n", smp_processor_id());
	return -EIO;
fault:
	cr4_clear_bits(X86_CR4_VMXE);
	pr_err("CPU%d: VMXON faulted\n", smp_processor_id());
	return -EIO;
}

static void vmx_cpu_disable(void)
{
	asm goto("1: vmxoff\n\t"
		  _ASM_EXTABLE(1b, %l[fault])
		  : : : "cc", "memory" : fault);
	cr4_clear_bits(X86_CR4_VMXE);
	return;

fault:
	/* Only reachable if something left VMX operation behind our back. */
	cr4_clear_bits(X86_CR4_VMXE);
	pr_err("CPU%d: VMXOFF faulted\n", smp_processor_id());
}

/* VMCALL (SDM vol. 2B): what a guest's hypercall page calls. */
static void vmx_write_hypercall(u8 insn[3])
{
	insn[0] = 0x0f;
	insn[1] = 0x01;
	insn[2] = 0xc1;
}

const struct domino_vendor_ops domino_vmx_ops = {
	.name		= "vmx",
	.needs_l1d_flush = true,
	.competitor	= "kvm_intel",
	.probe		= vmx_probe,
	.setup		= vmx_setup,
	.teardown	= vmx_free_regions,
	.cpu_busy	= vmx_cpu_busy,
	.cpu_enable	= vmx_cpu_enable,
	.cpu_disable	= vmx_cpu_disable,
	.tdp_format	= &vmx_ept_format,
	.vcpu_init	= vmx_vcpu_init,
	.vcpu_free	= vmx_vcpu_free,
	.vcpu_enter	= vmx_vcpu_enter,
	.get_sregs	= vmx_get_sregs,
	.set_sregs	= vmx_set_sregs,
	.get_msr	= vmx_get_msr,
	.set_msr	= vmx_set_msr,
	.inject_event	= vmx_inject_event,
	.irq_window_open = vmx_irq_window_open,
	.in_interrupt_shadow = vmx_in_interrupt_shadow,
	.set_irq_window_exit = vmx_set_irq_window_exit,
	.clear_interrupt_shadow = vmx_clear_interrupt_shadow,
	.set_cr2	= vmx_set_cr2,
	.set_cr		= vmx_set_cr,
	.cpuid_mask	= vmx_cpuid_mask,
	.cancel_events	= vmx_cancel_events,
	.write_hypercall = vmx_write_hypercall,
};
