// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN/OUT go to the VMM through the run area; the string
 * forms (INS/OUTS, with or without REP) move their data between guest
 * memory and the run area here, a bounded batch per exit.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "vcpu.h"
#include "exit.h"
#include "gmem.h"
#include "io.h"

/* Guest address registers wrap at the address size (SDM INS/OUTS). */
static u64 addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

static void reg_write_sized(u64 *reg, u64 val, u8 size)
{
	if (size == 8)
		*reg = val;
	else if (size == 4)
		*reg = (u32)val;	/* 32-bit writes zero-extend (SDM 3.4.1.1) */
	else
		*reg = (*reg & ~addr_mask(size)) | (val & addr_mask(size));
}

/*
 * How many items of a string I/O go out in this exit: what REP asks for,
 * within the run area and without crossing a guest page, so each batch is
 * one contiguous guest-physical range.
 */
static u32 string_count(struct domino_vcpu *v, const struct domino_exit *e,
			u64 gva)
{
	u64 count = e->io.rep ? v->gpr[GPR_RCX] & addr_mask(e->io.addr_size) : 1;
	u64 room = DOMINO_RUN_IO_DATA_MAX / e->io.size;
	bool down = v->rflags & X86_EFLAGS_DF;
	u64 in_page = down ? (gva & ~PAGE_MASK) / e->io.size + 1 :
			     (PAGE_SIZE - (gva & ~PAGE_MASK)) / e->io.size;

	count = min(count, room);
	/* Backwards, one at a time keeps the batch inside one page. */
	count = min(count, down ? 1ULL : max(in_page, 1ULL));
	return count;
}

/*
 * The address size and segment of INS/OUTS from the instruction's own
 * prefixes, for hardware that leaves them out of the exit information
 * (QEMU's SVM reports neither). REP comes from the exit in both cases.
 */
static int io_string_decode(struct domino_vcpu *v, u8 *addr_size, u8 *seg)
{
	static const u8 seg_prefix[] = {
		[DOMINO_SEG_ES] = 0x26, [DOMINO_SEG_CS] = 0x2e,
		[DOMINO_SEG_SS] = 0x36, [DOMINO_SEG_DS] = 0x3e,
		[DOMINO_SEG_FS] = 0x64, [DOMINO_SEG_GS] = 0x65,
	};
	struct domino_sregs s;
	u8 bytes[15];
	size_t n, i, j;
	bool long64, a67 = false;

	n = domino_guest_fetch_insn(v, bytes, &s);
	*seg = DOMINO_SEG_DS;
	long64 = domino_guest_long64(&s);
	for (i = 0; i < n; i++) {
		if (bytes[i] == 0x67) {
			a67 = true;
			continue;
		}
		for (j = 0; j < ARRAY_SIZE(seg_prefix); j++)
			if (bytes[i] == seg_prefix[j])
				break;
		if (j < ARRAY_SIZE(seg_prefix)) {
			*seg = j;
			continue;
		}
		if (bytes[i] == 0x66 || bytes[i] == 0xf2 || bytes[i] == 0xf3 ||
		    bytes[i] == 0xf0 || (long64 && (bytes[i] & 0xf0) == 0x40))
			continue;
		break;
	}
	/* SDM 2.2 / 3.6: the default address size, flipped by 0x67. */
	if (long64)
		*addr_size = a67 ? 4 : 8;
	else if ((s.cr0 & X86_CR0_PE) && s.cs.db)
		*addr_size = a67 ? 2 : 4;
	else
		*addr_size = a67 ? 4 : 2;
	return i < n && bytes[i] >= 0x6c && bytes[i] <= 0x6f ? 0 : -EIO;
}

int domino_io_exit(struct domino_vcpu *v, const struct domino_exit *e_hw)
{
	struct domino_exit ex = *e_hw, *e = &ex;
	struct domino_run *run = v->run;
	u8 *data = (u8 *)run + DOMINO_RUN_IO_DATA_OFFSET;
	u64 gva = 0;
	u32 count = 1;
	int r;

	if (e->io.size != 1 && e->io.size != 2 && e->io.size != 4)
		return -EIO;
	if (e->io.string && !e->io.addr_size &&
	    io_string_decode(v, &e->io.addr_size, &e->io.seg)) {
		/* The guest changed or unmapped the instruction: tell the VMM. */
		run->exit_reason = DOMINO_EXIT_INTERNAL_ERROR;
		run->internal.suberror = DOMINO_INTERNAL_DECODE;
		run->internal.ndata = 2;
		run->internal.data[0] = e->io.port;
		run->internal.data[1] = v->rip;
		return 0;
	}
	if (e->io.string) {
		u64 reg = e->io.in ? v->gpr[GPR_RDI] : v->gpr[GPR_RSI];

		if (e->io.rep && !(v->gpr[GPR_RCX] & addr_mask(e->io.addr_size))) {
			/* REP with a zero count does nothing. */
			domino_vcpu_skip(v, e->insn_len);
			return 1;
		}
		r = domino_guest_seg_linear(v, e->io.in ? DOMINO_SEG_ES : e->io.seg,
					    reg & addr_mask(e->io.addr_size), &gva);
		if (r)
			return r;
		count = string_count(v, e, gva);
		if (!e->io.in) {
			r = domino_guest_linear_copy(v, gva, data,
						     count * e->io.size, false);
			if (r)
				return r > 0 ? 1 : r;	/* 1: #PF queued */
		}
	} else if (!e->io.in) {
		memcpy(data, &v->gpr[GPR_RAX], e->io.size);
	}

	run->exit_reason = DOMINO_EXIT_IO;
	run->io.direction = e->io.in ? DOMINO_IO_IN : DOMINO_IO_OUT;
	run->io.size = e->io.size;
	run->io.port = e->io.port;
	run->io.count = count;
	run->io.data_offset = DOMINO_RUN_IO_DATA_OFFSET;

	v->pending = e->io.in ? PENDING_IO_IN : PENDING_IO_OUT;
	v->pending_len = e->insn_len;
	v->io_count = count;
	v->io_gva = gva;
	v->io_string = e->io.string;
	v->io_rep = e->io.rep;
	v->io_size = e->io.size;
	v->io_addr_size = e->io.addr_size;
	return 0;
}

/* Fold the VMM's answer back in and move the registers on. */
void domino_io_complete(struct domino_vcpu *v)
{
	const u8 *data = (const u8 *)v->run + DOMINO_RUN_IO_DATA_OFFSET;
	u64 mask = addr_mask(v->io_addr_size);
	u64 bytes = (u64)v->io_count * v->io_size;
	bool in = v->pending == PENDING_IO_IN;
	u64 *reg;

	if (!v->io_string) {
		if (in) {
			u64 val = 0;

			memcpy(&val, data, v->io_size);
			reg_write_sized(&v->gpr[GPR_RAX], val, v->io_size);
		}
		domino_vcpu_skip(v, v->pending_len);
		return;
	}

	/* On a fault the guest gets it and retries the instruction. */
	if (in && domino_guest_linear_copy(v, v->io_gva, (void *)data, bytes,
					   true))
		return;

	reg = in ? &v->gpr[GPR_RDI] : &v->gpr[GPR_RSI];
	if (v->rflags & X86_EFLAGS_DF)
		reg_write_sized(reg, *reg - bytes, v->io_addr_size);
	else
		reg_write_sized(reg, *reg + bytes, v->io_addr_size);
	if (v->io_rep) {
		u64 left = (v->gpr[GPR_RCX] & mask) - v->io_count;

		reg_write_sized(&v->gpr[GPR_RCX], left, v->io_addr_size);
		/* More to do: execute the same instruction again. */
		if (left)
			return;
	}
	domino_vcpu_skip(v, v->pending_len);
}
