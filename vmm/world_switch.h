/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The speculation barriers both world switches (svm/vmenter.S,
 * vmx/vmenter.S) place around guest execution. Each is patched in or out
 * by the host kernel's alternatives, so Domino does exactly what the
 * host's mitigations= / retbleed= / spec_rstack_overflow= choices ask of
 * a hypervisor, as KVM does; docs/security.md has the table.
 */
#ifndef DOMINO_WORLD_SWITCH_H
#define DOMINO_WORLD_SWITCH_H

#ifdef __ASSEMBLY__

#include <asm/alternative.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>

/*
 * Before entry, after the last host memory access: VERW clears the CPU
 * buffers the guest could sample (MDS, TAA, RFDS: CLEAR_CPU_BUF; TSA and
 * the VM-only choices: CLEAR_CPU_BUF_VM). Only the memory form flushes.
 * Clobbers EFLAGS.ZF.
 */
.macro DOMINO_CLEAR_CPU_BUFFERS
	ALTERNATIVE_2 "jmp .Lskip_verw_\@", "", X86_FEATURE_CLEAR_CPU_BUF, \
		      "", X86_FEATURE_CLEAR_CPU_BUF_VM
	verw x86_verw_sel(%rip)
.Lskip_verw_\@:
.endm

/*
 * Before loading guest registers: the guest's SPEC_CTRL (vmm/spec_ctrl.c;
 * this CPU's domino_guest_spec_ctrl) if it differs from the host's, as
 * KVM does, so the guest runs with the IBRS/STIBP/SSBD it chose. Clobbers
 * RAX, RCX, RDX and the flags.
 */
.macro DOMINO_ENTRY_SPEC_CTRL
	ALTERNATIVE "jmp .Lentry_spec_ctrl_done_\@", "", X86_FEATURE_MSR_SPEC_CTRL
	mov PER_CPU_VAR(domino_guest_spec_ctrl), %rax
	cmp PER_CPU_VAR(x86_spec_ctrl_current), %rax
	je .Lentry_spec_ctrl_done_\@
	mov $MSR_IA32_SPEC_CTRL, %ecx
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
.Lentry_spec_ctrl_done_\@:
.endm

/*
 * After the exit, with every guest register saved and cleared, before the
 * first RET: refill the return stack buffer the guest may have trained,
 * give SPEC_CTRL back to the host (always where legacy IBRS needs the
 * write itself as the barrier, else when the guest's value differs),
 * untrain the return predictor or IBPB (RETBleed, SRSO), and clear the
 * branch history (BHI). Clobbers RAX, RCX, RDX and the flags.
 */
.macro DOMINO_EXIT_BARRIERS
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	ALTERNATIVE "jmp .Lspec_ctrl_done_\@", "", X86_FEATURE_MSR_SPEC_CTRL
	mov PER_CPU_VAR(x86_spec_ctrl_current), %rdx
	ALTERNATIVE "", "jmp .Lspec_ctrl_write_\@", X86_FEATURE_KERNEL_IBRS
	cmp PER_CPU_VAR(domino_guest_spec_ctrl), %rdx
	je .Lspec_ctrl_done_\@
.Lspec_ctrl_write_\@:
	mov $MSR_IA32_SPEC_CTRL, %ecx
	mov %edx, %eax
	shr $32, %rdx
	wrmsr
.Lspec_ctrl_done_\@:
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
	CLEAR_BRANCH_HISTORY_VMEXIT
.endm

#else /* !__ASSEMBLY__ */

#include <linux/types.h>

struct domino_vcpu;

/* The C half (vmm/switch.c): setup, the sysfs report, per-entry work. */
int domino_switch_setup(void);
u64 domino_switch_arch_caps(void);
void domino_switch_teardown(void);
ssize_t domino_switch_show(char *buf);

/*
 * With interrupts off around the vendor's world switch:
 * to_guest returns the DR7 the guest runs with.
 */
u64 domino_switch_to_guest(struct domino_vcpu *v);
void domino_switch_from_guest(struct domino_vcpu *v);

#endif /* __ASSEMBLY__ */
#endif /* DOMINO_WORLD_SWITCH_H */
