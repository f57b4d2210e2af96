/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM world switch. VMRUN loads and saves only RAX, RSP, RIP, RFLAGS
 * and the system registers in the VMCB; every other GPR is ours to swap,
 * and VMLOAD/VMSAVE move the "hidden" state (FS/GS/TR/LDTR, the
 * SYSCALL/SYSENTER MSRs, KernelGSBase) that VMRUN leaves alone.
 */
#include <linux/linkage.h>
#include <asm/asm.h>

#include "world_switch.h"

/* Offsets in the GPR array: x86 encoding order (vmm/vcpu.h). */
#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)

	.text
/*
 * void domino_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *
 * Called with GIF clear (APM 15.17: no interrupt or NMI may land between
 * loading guest state and VMRUN, nor between #VMEXIT and restoring ours).
 */
SYM_FUNC_START(domino_svm_vmrun)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdx		/* 16(%rsp): host save area */
	push %rsi		/*  8(%rsp): guest GPRs */
	push %rdi		/*  0(%rsp): VMCB */

	DOMINO_ENTRY_SPEC_CTRL
	mov G_RCX(%rsi), %rcx
	mov G_RDX(%rsi), %rdx
	mov G_RBX(%rsi), %rbx
	mov G_RBP(%rsi), %rbp
	mov G_RDI(%rsi), %rdi
	mov G_R8(%rsi), %r8
	mov G_R9(%rsi), %r9
	mov G_R10(%rsi), %r10
	mov G_R11(%rsi), %r11
	mov G_R12(%rsi), %r12
	mov G_R13(%rsi), %r13
	mov G_R14(%rsi), %r14
	mov G_R15(%rsi), %r15
	mov G_RSI(%rsi), %rsi

	/* APM 15.5.1: VMRUN takes the VMCB's physical address in RAX. */
	mov (%rsp), %rax
	vmload %rax
	DOMINO_CLEAR_CPU_BUFFERS
	vmrun %rax
	vmsave %rax

	/* RAX and RSP are ours again (host save area); the rest is guest. */
	mov 8(%rsp), %rax
	mov %rcx, G_RCX(%rax)
	mov %rdx, G_RDX(%rax)
	mov %rbx, G_RBX(%rax)
	mov %rbp, G_RBP(%rax)
	mov %rsi, G_RSI(%rax)
	mov %rdi, G_RDI(%rax)
	mov %r8, G_R8(%rax)
	mov %r9, G_R9(%rax)
	mov %r10, G_R10(%rax)
	mov %r11, G_R11(%rax)
	mov %r12, G_R12(%rax)
	mov %r13, G_R13(%rax)
	mov %r14, G_R14(%rax)
	mov %r15, G_R15(%rax)

	mov 16(%rsp), %rax
	vmload %rax

	/*
	 * Leave no guest values in registers for speculation to use: the
	 * callee-saved ones are popped below, the rest cleared here.
	 */
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	DOMINO_EXIT_BARRIERS

	add $24, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(domino_svm_vmrun)
