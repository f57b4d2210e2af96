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

#include "domino.h"
#include "domain.h"
#include "vcpu.h"

#define DR6_RESET	0xffff0ff0ULL
#define DR7_RESET	0x400ULL

void domino_dr_reset(struct domino_vcpu *v)
{
	memset(v->dr, 0, sizeof(v->dr));
	v->dr6 = DR6_RESET;
	v->dr7 = DR7_RESET;
}

/*
 * MOV DRn, r / MOV r, DRn (0F 21 /r, 0F 23 /r): the ModRM r/m field names
 * the GPR whatever mod says (SDM vol. 2B MOV-Move to/from Debug Registers).
 * Returns the GPR and instruction length, or -EINVAL.
 */
static int dr_decode(struct domino_vcpu *v, bool long64, u32 *len)
{
	struct domino_sregs s;
	u8 b[15];
	size_t n, i;
	u8 rex = 0;

	n = domino_guest_fetch_insn(v, b, &s);
	for (i = 0; i < n; i++) {
		if (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
		    b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
		    b[i] == 0x64 || b[i] == 0x65) {
			rex = 0;
			continue;
		}
		if (long64 && (b[i] & 0xf0) == 0x40) {
			rex = b[i];
			continue;
		}
		break;
	}
	if (i + 3 > n || b[i] != 0x0f || (b[i + 1] != 0x21 && b[i + 1] != 0x23))
		return -EINVAL;
	*len = i + 3;
	return (b[i + 2] & 7) | (rex & 1 ? 8 : 0);
}

int domino_dr_exit(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_sregs s;
	unsigned int dr = e->dr.dr;
	bool long64;
	u32 len = e->insn_len;
	int gpr = e->dr.gpr, dlen = 0;
	u64 val;

	domino_vendor->get_sregs(v, &s);
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
