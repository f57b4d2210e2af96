// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers. The hardware's stay the host's: guest MOV to/from
 * DR0-DR7 is intercepted and served from per-vCPU copies, so guests that
 * set up DR7 at boot (Linux does) work and never see host breakpoints.
 * Guest breakpoints do not fire (no guest debugging yet).
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vcpu.h"
#include "x86_insn.h"
#include "vendor_ops.h"
#include "exit.h"
#include "gmem.h"
#include "dr.h"

#define DR6_RESET	0xffff0ff0ULL
#define DR7_RESET	0x400ULL

void domino_dr_reset(struct domino_vcpu *v)
{
	memset(v->dr, 0, sizeof(v->dr));
	v->dr6 = DR6_RESET;
	v->dr7 = DR7_RESET;
}

/* MOV DRn, r / MOV r, DRn (0F 21 /r, 0F 23 /r): the GPR and the length. */
static int dr_decode(struct domino_vcpu *v, bool long64, u32 *len)
{
	struct domino_sregs s;
	unsigned int reg;
	u8 b[15];
	size_t n;
	int gpr;

	n = domino_guest_fetch_insn(v, b, &s);
	gpr = x86_decode_mov_ctl(b, n, long64, 0, len, &reg);
	if (gpr < 0 || (b[*len - 2] != 0x21 && b[*len - 2] != 0x23))
		return -EINVAL;
	return gpr;
}

int domino_dr_exit(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_sregs s;
	unsigned int dr = e->dr.dr;
	bool long64;
	u32 len = e->insn_len;
	int gpr = e->dr.gpr, dlen = 0;
	u64 val;

	domino_vendor_get_sregs(v, &s);
	long64 = domino_guest_long64(&s);
	if (gpr < 0) {
		gpr = dr_decode(v, long64, (u32 *)&dlen);
		if (gpr < 0) {
			domino_vcpu_queue_exception(v, X86_TRAP_UD, false, 0);
			return 1;
		}
		if (!len)
			len = dlen;
	}
	/* SDM 17.2.2: DR4/5 alias DR6/7 unless CR4.DE; then #UD. */
	if (dr == 4 || dr == 5) {
		if (s.cr4 & X86_CR4_DE) {
			domino_vcpu_queue_exception(v, X86_TRAP_UD, false, 0);
			return 1;
		}
		dr += 2;
	}
	/* Only CPL 0 may touch them (the SDM's #GP(0)). */
	if (s.ss.dpl) {
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	}

	if (e->dr.write) {
		val = long64 ? v->gpr[gpr] : (u32)v->gpr[gpr];
		if (dr >= 6 && (val >> 32)) {
			domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
			return 1;
		}
		if (dr < 4)
			v->dr[dr] = val;
		else if (dr == 6)
			v->dr6 = (val & 0x1e00f) | DR6_RESET;
		else
			v->dr7 = (val & 0xffff2fffULL) | DR7_RESET;
	} else {
		val = dr < 4 ? v->dr[dr] : dr == 6 ? v->dr6 : v->dr7;
		v->gpr[gpr] = long64 ? val : (u32)val;
	}
	domino_vcpu_skip(v, len);
	return 1;
}
