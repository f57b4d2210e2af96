// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO emulation: a guest access to guest-physical memory that is not RAM
 * (or a write to read-only memory) is decoded from the instruction bytes
 * (vmm/x86_insn.c), handed to the VMM as a DOMINO_EXIT_MMIO, and completed
 * on the next DOMINO_RUN.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/kernel.h>
#include <asm/processor-flags.h>

#include "domain.h"
#include "irqchip.h"
#include "vcpu.h"
#include "x86_insn.h"
#include "gmem.h"
#include "mmio.h"

static_assert(sizeof(struct x86_mmio_insn) <=
	      sizeof(((struct domino_vcpu *)0)->pending_reg_info));
static_assert((int)X86_RAX == (int)GPR_RAX && (int)X86_R15 == (int)GPR_R15);

static enum x86_insn_mode mmio_mode(const struct domino_sregs *s)
{
	if (domino_guest_long64(s))
		return X86_MODE_64;
	/* Real mode and virtual-8086 code is 16-bit; else CS.D decides. */
	if (!(s->cr0 & X86_CR0_PE))
		return X86_MODE_16;
	return s->cs.db ? X86_MODE_32 : X86_MODE_16;
}

static int mmio_decode_failed(struct domino_vcpu *v, u64 gpa, const u8 *bytes,
			      size_t avail, int err)
{
	struct domino_run *run = v->run;

	/* A guest that walks off into no RAM usually dies here: explain it. */
	pr_info_ratelimited("d%u vCPU %u: no instruction to emulate for MMIO at gpa %#llx (%d)\n",
			    v->d->domid, v->id, gpa, err);
	domino_vcpu_dump(v, "MMIO access not decodable");
	run->exit_reason = DOMINO_EXIT_INTERNAL_ERROR;
	run->internal.suberror = DOMINO_INTERNAL_DECODE;
	run->internal.ndata = 4;
	run->internal.data[0] = gpa;
	run->internal.data[1] = avail;
	run->internal.data[2] = (u64)-err;
	run->internal.data[3] = 0;
	memcpy(&run->internal.data[3], bytes, min_t(size_t, avail, 8));
	return 0;
}

/* Retire the instruction: a read's value into its register, string regs on. */
static void mmio_finish(struct domino_vcpu *v, const struct x86_mmio_insn *insn,
			bool write, u64 val)
{
	if (!write)
		x86_mmio_complete_read(insn, v->gpr, val);
	x86_mmio_string_advance(insn, v->gpr, v->rflags & X86_EFLAGS_DF);
	domino_vcpu_skip(v, insn->len);
}

int domino_mmio_exit(struct domino_vcpu *v, u64 gpa, bool write)
{
	struct domino_run *run = v->run;
	struct x86_mmio_insn insn;
	struct domino_sregs s;
	u8 bytes[X86_MAX_INSN_LEN];
	size_t avail;
	int r;

	avail = domino_guest_fetch_insn(v, bytes, &s);
	r = x86_decode_mmio(bytes, avail, mmio_mode(&s), &insn);
	if (r)
		return mmio_decode_failed(v, gpa, bytes, avail, r);
	/* The hardware's view of the access must match the decoded one. */
	if (insn.is_write != write ||
	    (gpa & ~PAGE_MASK) + insn.size > PAGE_SIZE)
		return mmio_decode_failed(v, gpa, bytes, avail, -EOPNOTSUPP);

	/* The in-kernel APICs answer at once, without the VMM. */
	if (v->lapic) {
		u64 val = write ? x86_mmio_write_value(&insn, v->gpr) : 0;

		if (domino_lapic_mmio(v, gpa, insn.size, write, &val) ||
		    domino_ioapic_mmio(v->d, gpa, insn.size, write, &val)) {
			mmio_finish(v, &insn, write, val);
			return 1;
		}
	}

	run->exit_reason = DOMINO_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn.size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write) {
		u64 val = x86_mmio_write_value(&insn, v->gpr);

		memcpy(run->mmio.data, &val, insn.size);
	}
	memcpy(v->pending_reg_info, &insn, sizeof(insn));
	v->pending = write ? PENDING_MMIO_WRITE : PENDING_MMIO_READ;
	return 0;
}

void domino_mmio_complete(struct domino_vcpu *v)
{
	struct x86_mmio_insn insn;
	u64 val = 0;

	memcpy(&insn, v->pending_reg_info, sizeof(insn));
	if (v->pending == PENDING_MMIO_READ)
		memcpy(&val, v->run->mmio.data, insn.size);
	mmio_finish(v, &insn, v->pending == PENDING_MMIO_WRITE, val);
}
