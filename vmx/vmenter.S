/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX world switch. VM entry loads the guest's RSP, RIP and RFLAGS from
 * the VMCS; every other GPR (RAX included, unlike SVM) is ours to swap. A VM
 * exit lands at HOST_RIP with RSP = HOST_RSP, both written here.
 */
#include <linux/linkage.h>
#include <asm/asm.h>

#include "world_switch.h"

#define G_RAX	(0 * 8)
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

#define VMCS_HOST_RSP	0x6c14
#define VMCS_HOST_RIP	0x6c16

	.text
/*
 * int domino_vmx_vmlaunch(u64 *gprs)
 * Returns 0 after a VM exit, 1 when VMLAUNCH itself failed (VMfail, SDM
 * 30.3): then the VM-instruction error field says why.
 */
SYM_FUNC_START(domino_vmx_vmlaunch)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi		/* (%rsp): guest GPRs */

	/* SDM 27.5.3: after a VM exit RSP and RIP come from these fields. */
	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe .Lfail_early
	mov $VMCS_HOST_RIP, %rax
	lea .Lvmexit(%rip), %rdx
	vmwrite %rdx, %rax
	jbe .Lfail_early

	DOMINO_ENTRY_SPEC_CTRL
	mov G_RAX(%rdi), %rax
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RBX(%rdi), %rbx
	mov G_RBP(%rdi), %rbp
	mov G_RSI(%rdi), %rsi
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi

	DOMINO_CLEAR_CPU_BUFFERS
	vmlaunch
	/*
	 * VMfail sets CF or ZF (SDM 30.3); a successful VMLAUNCH never falls
	 * through, its VM exit arrives at .Lvmexit with this same stack.
	 */
	jbe .Lfail

.Lvmexit:
	/* RSP is ours (HOST_RSP); all GPRs but RSP are the guest's. */
	push %rdi
	mov 8(%rsp), %rdi
	mov %rax, G_RAX(%rdi)
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
	pop %rax
	mov %rax, G_RDI(%rdi)
	xor %eax, %eax
	jmp .Lout

.Lfail_early:
.Lfail:
	mov $1, %eax
.Lout:
	/*
	 * Leave no guest values in registers for speculation to use: the
	 * callee-saved ones are popped below, the rest cleared here. EAX
	 * holds the result across the barriers, which clobber it.
	 */
	mov %rax, (%rsp)
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
	pop %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(domino_vmx_vmlaunch)
