// SPDX-License-Identifier: GPL-2.0
/*
 * Guest writes to control registers that the vendor code intercepts so
 * that a guest can only set what Domino virtualizes: on SVM, CR4 (left
 * alone, a guest could set bits the hardware has but Domino hides from
 * CPUID, such as PKE, or hand VMRUN a state it refuses), and CR8, the
 * local APIC's task priority, which the in-kernel APIC must see (and
 * QEMU's SVM, written by a guest with a virtual interrupt pending, aborts
 * on: docs/lab.md, "Traps").
 */
#include <linux/kernel.h>
#include <asm/trapnr.h>

#include "irqchip.h"
#include "vcpu.h"
#include "x86_insn.h"
#include "vendor_ops.h"
#include "exit.h"
#include "gmem.h"
#include "cr.h"

/*
 * The CR0 write intercept also stops CLTS (0F 06) and LMSW (0F 01 /6), which
 * carry no decode assist. CLTS clears TS; LMSW loads PE (never clearing it),
 * MP, EM and TS from a register (SDM vol. 2A). LMSW from memory is not
 * emulated (#UD). Returns false when it handled the instruction.
 */
static bool cr0_legacy_write(struct domino_vcpu *v, const struct domino_sregs *s,
			     const u8 *b, size_t n, bool long64)
{
	unsigned int len;
	int op = x86_decode_cr0_legacy(b, n, long64, &len);
	u64 val;

	if (op < 0)
		return true;
	if (op == X86_CLTS)
		val = s->cr0 & ~(u64)X86_CR0_TS;
	else
		val = (s->cr0 & ~0xeULL) | (v->gpr[op] & 0xf) | (s->cr0 & X86_CR0_PE);
	if (s->ss.dpl || domino_vendor_set_cr(v, 0, val))
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
	else
		domino_vcpu_skip(v, len);
	return false;
}

int domino_cr_write_exit(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_sregs s;
	unsigned int len = e->insn_len, dlen = 0, reg = e->cr.cr;
	int gpr = e->cr.gpr;
	bool long64;
	u64 val;

	domino_vendor_get_sregs(v, &s);
	long64 = domino_guest_long64(&s);
	if (gpr < 0) {
		u8 b[X86_MAX_INSN_LEN];
		size_t n = domino_guest_fetch_insn(v, b, &s);

		/* MOV CRn, r (0F 22 /r); the exit already named the CR. */
		gpr = x86_decode_mov_ctl(b, n, long64, 0x22, &dlen, &reg);
		if (gpr < 0 && e->cr.cr == 0 && !cr0_legacy_write(v, &s, b, n, long64))
			return 1;
		if (gpr < 0 || reg != e->cr.cr) {
			domino_vcpu_queue_exception(v, X86_TRAP_UD, false, 0);
			return 1;
		}
		if (!len)
			len = dlen;
	}
	/* Only CPL 0 may write control registers (SDM: #GP(0)). */
	if (s.ss.dpl) {
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	}
	/* Outside 64-bit mode the operand is 32 bits (SDM vol. 2B MOV CR). */
	val = long64 ? v->gpr[gpr] : (u32)v->gpr[gpr];
	/* SDM 10.8.6.1: CR8 is TPR[7:4]; bits 63:4 are reserved, #GP. */
	if (e->cr.cr == 8 && val > 15) {
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	}
	if (domino_vendor_set_cr(v, e->cr.cr, val)) {
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	}
	if (e->cr.cr == 8 && v->lapic)
		domino_lapic_set_cr8(v, val);
	domino_vcpu_skip(v, len);
	return 1;
}
