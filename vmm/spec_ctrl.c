// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's speculation controls, offered where the host CPU has them
 * so that a guest can protect its own processes as it would on bare
 * metal: IA32_SPEC_CTRL (IBRS, STIBP, SSBD), the IA32_PRED_CMD (IBPB) and
 * IA32_FLUSH_CMD (L1D flush) commands, and the read-only
 * IA32_ARCH_CAPABILITIES. Every access to them exits (neither vendor's
 * MSR map lets them through): the guest's SPEC_CTRL lives here and the
 * world switch loads it around guest execution (world_switch.h), as KVM
 * does; the commands run just before the next entry, on the CPU the
 * guest will run on.
 */
#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "spec_ctrl.h"
#include "vcpu.h"
#include "world_switch.h"

DEFINE_PER_CPU(u64, domino_guest_spec_ctrl);

/* CPUID bits (SDM vol. 2A, CPUID leaf 7 EDX; APM vol. 3, E.4.17). */
#define C7_EDX_SPEC_CTRL	BIT(26)	/* IBRS and IBPB */
#define C7_EDX_STIBP		BIT(27)
#define C7_EDX_L1D_FLUSH	BIT(28)
#define C7_EDX_ARCH_CAPS	BIT(29)
#define C7_EDX_CORE_CAPS	BIT(30)
#define C7_EDX_SSBD		BIT(31)
#define E8_EBX_IBPB		BIT(12)
#define E8_EBX_IBRS		BIT(14)
#define E8_EBX_STIBP		BIT(15)
#define E8_EBX_IBRS_HINTS	(BIT(16) | BIT(17) | BIT(18) | BIT(19))
#define E8_EBX_SSBD		BIT(24)
#define E8_EBX_VIRT_SSBD	BIT(25)

/*
 * What ARCH_CAPABILITIES may pass on: the "not affected" and "how it
 * behaves" bits. Not TSX_CTRL (its MSR is not emulated), nor the bits
 * that describe controls for a hypervisor (SKIP_VMENTRY_L1DFLUSH,
 * FB_CLEAR_CTRL, GDS_CTRL): guests get no VMX.
 */
#define ARCH_CAPS_PASSED	(ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_RSBA | \
				 ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | \
				 ARCH_CAP_TAA_NO | ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | \
				 ARCH_CAP_PSDP_NO | ARCH_CAP_FB_CLEAR | ARCH_CAP_RRSBA | \
				 ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | ARCH_CAP_GDS_NO | \
				 ARCH_CAP_RFDS_NO | ARCH_CAP_RFDS_CLEAR)

/* The SPEC_CTRL bits a guest may set: those the host CPU implements. */
static u64 spec_ctrl_valid(void)
{
	u64 m = 0;

	/* The host kernel uses the MSR: the world switch swaps it. */
	if (!boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL))
		return 0;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL) || boot_cpu_has(X86_FEATURE_AMD_IBRS))
		m |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_INTEL_STIBP) || boot_cpu_has(X86_FEATURE_AMD_STIBP))
		m |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD) || boot_cpu_has(X86_FEATURE_AMD_SSBD))
		m |= SPEC_CTRL_SSBD;
	return m;
}

static bool spec_ctrl_ibpb(void)
{
	return boot_cpu_has(X86_FEATURE_SPEC_CTRL) || boot_cpu_has(X86_FEATURE_AMD_IBPB);
}

/* The host's ARCH_CAPABILITIES, cut down to what guests may be told. */
static u64 spec_ctrl_arch_caps(void)
{
	/* Read by the world switch's setup with the first domain. */
	u64 caps = domino_switch_arch_caps() & ARCH_CAPS_PASSED;

	/* Enhanced IBRS means something only with IBRS in SPEC_CTRL. */
	if (!(spec_ctrl_valid() & SPEC_CTRL_IBRS))
		caps &= ~ARCH_CAP_IBRS_ALL;
	return caps;
}

void domino_spec_ctrl_reset(struct domino_vcpu *v)
{
	v->spec_ctrl = 0;
	v->arch_caps = spec_ctrl_arch_caps();
}

/*
 * What CPUID may say: each speculation bit only where the MSR behind it
 * is handled here on this host. Leaf 7 EDX and AMD's leaf 0x80000008 EBX
 * arrive holding the host's bits.
 */
void domino_spec_ctrl_cpuid(struct domino_cpuid_entry *e)
{
	u64 valid = spec_ctrl_valid();
	u32 keep;

	if (e->function == 7 && e->index == 0) {
		keep = 0;
		if ((valid & SPEC_CTRL_IBRS) && boot_cpu_has(X86_FEATURE_SPEC_CTRL))
			keep |= C7_EDX_SPEC_CTRL;
		if ((valid & SPEC_CTRL_STIBP) && boot_cpu_has(X86_FEATURE_INTEL_STIBP))
			keep |= C7_EDX_STIBP;
		if ((valid & SPEC_CTRL_SSBD) && boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
			keep |= C7_EDX_SSBD;
		if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
			keep |= C7_EDX_L1D_FLUSH;
		if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
			keep |= C7_EDX_ARCH_CAPS;
		/* IA32_CORE_CAPABILITIES is not emulated. */
		e->edx &= ~(C7_EDX_SPEC_CTRL | C7_EDX_STIBP | C7_EDX_L1D_FLUSH |
			    C7_EDX_ARCH_CAPS | C7_EDX_CORE_CAPS | C7_EDX_SSBD) | keep;
	} else if (e->function == 0x80000008) {
		keep = 0;
		if (boot_cpu_has(X86_FEATURE_AMD_IBPB))
			keep |= E8_EBX_IBPB;
		if ((valid & SPEC_CTRL_IBRS) && boot_cpu_has(X86_FEATURE_AMD_IBRS))
			keep |= E8_EBX_IBRS | E8_EBX_IBRS_HINTS;
		if ((valid & SPEC_CTRL_STIBP) && boot_cpu_has(X86_FEATURE_AMD_STIBP))
			keep |= E8_EBX_STIBP;
		if ((valid & SPEC_CTRL_SSBD) && boot_cpu_has(X86_FEATURE_AMD_SSBD))
			keep |= E8_EBX_SSBD;
		/* VIRT_SPEC_CTRL (VIRT_SSBD) is not emulated. */
		e->ebx &= ~(E8_EBX_IBPB | E8_EBX_IBRS | E8_EBX_STIBP | E8_EBX_IBRS_HINTS |
			    E8_EBX_SSBD | E8_EBX_VIRT_SSBD) | keep;
	}
}

/* With interrupts off, on the CPU the guest enters next. */
void domino_spec_ctrl_commands(struct domino_vcpu *v)
{
	if (v->spec_cmds & DOMINO_SPEC_CMD_IBPB)
		wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
	if (v->spec_cmds & DOMINO_SPEC_CMD_FLUSH)
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	v->spec_cmds = 0;
}

/* -ENOENT: not an MSR of this file (or not on this host); -EINVAL: #GP. */
int domino_spec_ctrl_msr_get(struct domino_vcpu *v, u32 index, u64 *val)
{
	switch (index) {
	case MSR_IA32_SPEC_CTRL:
		if (!spec_ctrl_valid())
			return -ENOENT;
		*val = v->spec_ctrl;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
			return -ENOENT;
		*val = v->arch_caps;
		return 0;
	case MSR_IA32_PRED_CMD:
		/* Write-only commands (SDM vol. 4, table 2-2). */
		return spec_ctrl_ibpb() ? -EINVAL : -ENOENT;
	case MSR_IA32_FLUSH_CMD:
		return boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? -EINVAL : -ENOENT;
	default:
		return -ENOENT;
	}
}

int domino_spec_ctrl_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host)
{
	u64 valid = spec_ctrl_valid();

	switch (index) {
	case MSR_IA32_SPEC_CTRL:
		if (!valid)
			return -ENOENT;
		if (val & ~valid)
			return -EINVAL;
		v->spec_ctrl = val;
		return 0;
	case MSR_IA32_PRED_CMD:
		if (!spec_ctrl_ibpb())
			return -ENOENT;
		if (val & ~(u64)PRED_CMD_IBPB)
			return -EINVAL;
		/*
		 * The barrier works on one CPU: the one the guest runs on next,
		 * which may not be this one once the exit handler is preempted.
		 */
		if (val && !host)
			v->spec_cmds |= DOMINO_SPEC_CMD_IBPB;
		return 0;
	case MSR_IA32_FLUSH_CMD:
		if (!boot_cpu_has(X86_FEATURE_FLUSH_L1D))
			return -ENOENT;
		if (val & ~(u64)L1D_FLUSH)
			return -EINVAL;
		if (val && !host)
			v->spec_cmds |= DOMINO_SPEC_CMD_FLUSH;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		if (!boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
			return -ENOENT;
		/*
		 * Read-only for the guest; the VMM may restore a value that
		 * claims no more than this host offers (migration).
		 */
		if (!host || (val & ~spec_ctrl_arch_caps()))
			return -EINVAL;
		v->arch_caps = val;
		return 0;
	default:
		return -ENOENT;
	}
}
