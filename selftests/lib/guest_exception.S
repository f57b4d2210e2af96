/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit exception and interrupt stubs (vectors 0-63) for selftest guests:
 * each pushes a dummy error code where the CPU pushes none (SDM 6.13),
 * then the common path calls
 * guest_exception(vector, error, rip), which reports to the host.
 */
	.text
	.code64

.macro stub vec
stub_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp exception_common
.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	stub \v
	.endr

exception_common:
	popq %rdi		/* vector */
	popq %rsi		/* error code */
	movq (%rsp), %rdx	/* RIP of the faulting instruction */
	andq $-16, %rsp
	call guest_exception
1:	hlt
	jmp 1b

	.section .rodata
	.balign 8
	.globl guest_exception_stubs
guest_exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63
	.quad stub_\v
	.endr

	.section .note.GNU-stack,"",@progbits
