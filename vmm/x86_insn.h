/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction decoding for MMIO emulation.
 *
 * A nested page fault on an MMIO address tells the hypervisor which
 * guest-physical address was touched, but (on Intel always, on AMD without
 * decode assists) not what the instruction did. The caller fetches up to 15
 * bytes at the guest RIP and x86_decode_mmio() says how wide the access is,
 * whether it reads or writes, where the written value comes from or where a
 * read value goes, and how long the instruction is so RIP can move past it.
 *
 * The bytes come from the guest and are hostile: every byte sequence gets
 * an answer, and nothing is read past @avail. Only the MOV-like forms that
 * drivers use for MMIO are supported; the effective address is not computed
 * (the faulting GPA is already known), only the length of its encoding.
 *
 * Pure logic: builds in the kernel and, for host unit tests, in userspace
 * through userspace/tests/kshim.h.
 */
#ifndef DOMINO_X86_INSN_H
#define DOMINO_X86_INSN_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "kshim.h"
#endif

/* Architectural upper bound on an instruction's length (SDM vol. 2 2.3.11). */
#define X86_MAX_INSN_LEN	15

/* Decoding mode: default operand/address size of the code segment. */
enum x86_insn_mode {
	X86_MODE_16,	/* real mode, vm86, 16-bit protected mode (CS.D=0) */
	X86_MODE_32,	/* 32-bit protected or compatibility mode (CS.D=1) */
	X86_MODE_64,	/* 64-bit mode (CS.L=1) */
};

/* GPR numbering = x86 encoding order (ModRM.reg with REX.R as bit 3). */
enum {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX,
	X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11,
	X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NR_GPRS
};

/* Where a write's value comes from. Reads always go to a register. */
enum x86_mmio_operand {
	X86_OPND_REG,	/* @reg (and @high_byte) */
	X86_OPND_IMM,	/* @imm */
};

/* How a read's @size bytes widen to @dst_size bytes of the register. */
enum x86_mmio_ext {
	X86_EXT_NONE,	/* plain MOV: @size == @dst_size */
	X86_EXT_ZERO,	/* MOVZX */
	X86_EXT_SIGN,	/* MOVSX, MOVSXD */
};

/* String instructions: the caller must also step the index registers. */
enum x86_mmio_string {
	X86_STRING_NONE,
	X86_STRING_STOS,	/* writes rAX's low @size bytes to ES:rDI */
};

/*
 * struct x86_mmio_insn - one decoded MMIO access.
 *
 * @len:       total instruction length in bytes, prefixes included.
 * @size:      bytes accessed in memory: 1, 2, 4 or 8.
 * @is_write:  memory is written (else read).
 * @operand:   for a write, where the value comes from; reads are always
 *             X86_OPND_REG.
 * @reg:       the register operand, X86_RAX..X86_R15: the source of a
 *             write or the destination of a read.
 * @high_byte: @reg names AH/CH/DH/BH, bits 15:8 of RAX/RCX/RDX/RBX (a byte
 *             register 4-7 without any REX prefix).
 * @dst_size:  for a read, bytes of @reg written: 1, 2, 4 or 8.
 * @ext:       for a read, how @size widens to @dst_size.
 * @string:    string instruction kind; see x86_mmio_string_advance().
 * @addr_size: address size in effect, 2, 4 or 8 bytes; decides how the
 *             string index registers wrap.
 * @imm:       for X86_OPND_IMM, the immediate, already sign-extended to 64
 *             bits where the instruction does so (C7 with REX.W).
 */
struct x86_mmio_insn {
	u8 len;
	u8 size;
	bool is_write;
	bool high_byte;
	u8 reg;
	u8 dst_size;
	u8 addr_size;
	enum x86_mmio_operand operand;
	enum x86_mmio_ext ext;
	enum x86_mmio_string string;
	u64 imm;
};

/*
 * Decode @bytes[0..@avail) (@avail <= 15; fewer when the fetch stopped at an
 * unmapped page; more is treated as 15). Returns 0 on success; -EINVAL for
 * malformed or truncated input, including when more than @avail bytes would
 * be needed and encodings the CPU would refuse with #UD or #GP (LOCK on a
 * MOV, a register operand where memory is needed, over 15 bytes);
 * -EOPNOTSUPP for a valid instruction that is not a supported MMIO access
 * form. On failure *@insn is zeroed.
 */
int x86_decode_mmio(const u8 *bytes, unsigned int avail,
		    enum x86_insn_mode mode, struct x86_mmio_insn *insn);

/*
 * For a write: the value that goes to memory (the low @insn->size bytes;
 * the rest are zero). @gprs is indexed by X86_RAX..X86_R15.
 */
u64 x86_mmio_write_value(const struct x86_mmio_insn *insn, const u64 *gprs);

/*
 * For a read: put @value (the low @insn->size bytes of it) read from memory
 * into the destination register, with the x86 partial-register rules.
 */
void x86_mmio_complete_read(const struct x86_mmio_insn *insn, u64 *gprs,
			    u64 value);

/*
 * After a string instruction completes: step rDI (and rSI where the
 * instruction reads through it) by @insn->size, down when RFLAGS.DF (@df)
 * is set, wrapping at the address size. A no-op for other instructions.
 */
void x86_mmio_string_advance(const struct x86_mmio_insn *insn, u64 *gprs,
			     bool df);

/*
 * MOV to/from a control or debug register (0F 20-23 /r): @opcode is the
 * second opcode byte, 0x20-0x23, or 0 for any of them. Skips legacy prefixes
 * (and REX in 64-bit mode); the ModRM r/m field names the GPR whatever mod
 * says (SDM vol. 2B, MOV-Move to/from Control/Debug Registers). Returns the
 * GPR (X86_RAX..X86_R15) and sets *@len and *@reg (the CR/DR number, REX.R
 * included; LOCK MOV CR0, AMD's alternative encoding, is CR8), or -EINVAL.
 */
int x86_decode_mov_ctl(const u8 *bytes, unsigned int avail, bool long64,
		       u8 opcode, unsigned int *len, unsigned int *reg);

/*
 * The legacy CR0 writers, after the same prefixes: CLTS (0F 06), returned
 * as X86_CLTS, and LMSW from a register (0F 01 /6, mod 3), returned as its
 * source GPR. *@len is the instruction's length. LMSW from memory, LOCK
 * and anything else: -EINVAL.
 */
#define X86_CLTS	16
int x86_decode_cr0_legacy(const u8 *bytes, unsigned int avail, bool long64,
			  unsigned int *len);

/*
 * WBINVD (0F 09) or WBNOINVD (F3 0F 09) after the same prefixes: 0 and its
 * length in *@len; LOCK or anything else: -EINVAL.
 */
int x86_decode_wbinvd(const u8 *bytes, unsigned int avail, bool long64,
		      unsigned int *len);

#endif /* DOMINO_X86_INSN_H */
