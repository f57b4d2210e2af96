// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction decoding for MMIO emulation: prefixes, opcode, ModRM,
 * SIB, displacement and immediate of the MOV-like forms, and the register
 * side of completing the access. See x86_insn.h.
 *
 * Section numbers refer to the Intel SDM vol. 2A (chapter 2, "Instruction
 * Format") and the AMD APM vol. 3 (chapter 1, "Instruction Encoding").
 */
#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include "kshim.h"
#endif

#include "x86_insn.h"

#define REX_W	0x08
#define REX_R	0x04

#define MODRM_MOD(m)	((m) >> 6)
#define MODRM_REG(m)	(((m) >> 3) & 7)
#define MODRM_RM(m)	((m) & 7)
#define SIB_BASE(s)	((s) & 7)

/*
 * struct x86_decoder - decoding state of one instruction.
 *
 * @pos never exceeds @avail, and @avail never exceeds 15: every byte is
 * fetched through x86_fetch()/x86_skip(), which refuse to go past it.
 */
struct x86_decoder {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
	enum x86_insn_mode mode;
	u8 rex;			/* the REX byte, 0 if none is in effect */
	u8 rep;			/* last of F2/F3, 0 if none */
	bool opsize_prefix;	/* 66 */
	bool addrsize_prefix;	/* 67 */
	bool lock;		/* F0 */
	u8 modrm;
};

static int x86_fetch(struct x86_decoder *d, u8 *out)
{
	if (d->pos >= d->avail)
		return -EINVAL;
	*out = d->bytes[d->pos++];
	return 0;
}

/* Skip @n bytes (displacement, moffs): their value is not needed. */
static int x86_skip(struct x86_decoder *d, unsigned int n)
{
	if (n > d->avail - d->pos)
		return -EINVAL;
	d->pos += n;
	return 0;
}

/* Fetch an @n-byte (n <= 8) little-endian immediate. */
static int x86_fetch_le(struct x86_decoder *d, unsigned int n, u64 *out)
{
	u64 v = 0;
	unsigned int i;

	if (n > 8 || n > d->avail - d->pos)
		return -EINVAL;
	for (i = 0; i < n; i++)
		v |= (u64)d->bytes[d->pos + i] << (8 * i);
	d->pos += n;
	*out = v;
	return 0;
}

/*
 * Note one legacy prefix (SDM 2.1.1; APM 1.2). Returns false if @b is not
 * one. Prefixes may come in any order and repeat; for the REP group the
 * last one wins, as it does on hardware.
 */
static bool x86_legacy_prefix(struct x86_decoder *d, u8 b)
{
	switch (b) {
	case 0x66:
		d->opsize_prefix = true;
		break;
	case 0x67:
		d->addrsize_prefix = true;
		break;
	case 0xf0:
		d->lock = true;
		break;
	case 0xf2:
	case 0xf3:
		d->rep = b;
		break;
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x64:
	case 0x65:
		/* Segment override: only moves the linear address, and the
		 * faulting GPA is already known.
		 */
		break;
	default:
		return false;
	}
	return true;
}

/*
 * Consume the prefixes and return the first opcode byte. REX (40-4F) is a
 * prefix only in 64-bit mode (elsewhere INC/DEC), and only when it comes
 * right before the opcode: a REX followed by a legacy prefix is ignored
 * (SDM 2.2.1; APM 1.2.7). Of several REX bytes in a row the last counts.
 * The loop ends because x86_fetch() fails at @avail <= 15.
 */
static int x86_decode_prefixes(struct x86_decoder *d, u8 *opcode)
{
	u8 b;
	int ret;

	for (;;) {
		ret = x86_fetch(d, &b);
		if (ret)
			return ret;
		if (d->mode == X86_MODE_64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			continue;
		}
		if (!x86_legacy_prefix(d, b))
			break;
		d->rex = 0;
	}
	*opcode = b;
	return 0;
}

/*
 * Effective operand size in bytes for non-byte forms (SDM vol. 1 3.6 and
 * Table 3-4): REX.W selects 64 bits and beats 66; otherwise 66 toggles the
 * mode's default between 16 and 32 (64-bit mode defaults to 32).
 */
static unsigned int x86_operand_size(const struct x86_decoder *d)
{
	if (d->rex & REX_W)
		return 8;
	if (d->mode == X86_MODE_16)
		return d->opsize_prefix ? 4 : 2;
	return d->opsize_prefix ? 2 : 4;
}

/* Effective address size in bytes: 67 toggles 16/32, or 64/32 in 64-bit. */
static unsigned int x86_address_size(const struct x86_decoder *d)
{
	switch (d->mode) {
	case X86_MODE_16:
		return d->addrsize_prefix ? 4 : 2;
	case X86_MODE_32:
		return d->addrsize_prefix ? 2 : 4;
	default:
		return d->addrsize_prefix ? 4 : 8;
	}
}

/*
 * Displacement bytes after a 16-bit ModRM (SDM Table 2-1): mod=00 rm=110
 * is a bare disp16 instead of [BP]; mod=01 adds disp8, mod=10 disp16.
 */
static unsigned int x86_disp16_len(u8 modrm)
{
	switch (MODRM_MOD(modrm)) {
	case 0:
		return MODRM_RM(modrm) == 6 ? 2 : 0;
	case 1:
		return 1;
	default:
		return 2;
	}
}

/*
 * SIB and displacement after a 32/64-bit ModRM (SDM Tables 2-2 and 2-3,
 * 2.2.1.6): rm=100 means a SIB byte follows; mod=00 with rm=101 is disp32
 * (RIP-relative in 64-bit mode), and so is mod=00 with SIB base=101. These
 * look at the 3-bit fields only: REX.B does not change them (SDM Table 2-5).
 */
static int x86_skip_sib_disp32(struct x86_decoder *d)
{
	u8 mod = MODRM_MOD(d->modrm), rm = MODRM_RM(d->modrm), sib;
	unsigned int disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	int ret;

	if (rm == 4) {
		ret = x86_fetch(d, &sib);
		if (ret)
			return ret;
		if (mod == 0 && SIB_BASE(sib) == 5)
			disp = 4;
	} else if (mod == 0 && rm == 5) {
		disp = 4;
	}
	return x86_skip(d, disp);
}

/*
 * Fetch ModRM and skip the rest of its memory operand. mod=11 names a
 * register, not memory: an MMIO exit cannot come from such an instruction.
 */
static int x86_decode_modrm_mem(struct x86_decoder *d)
{
	int ret;

	ret = x86_fetch(d, &d->modrm);
	if (ret)
		return ret;
	if (MODRM_MOD(d->modrm) == 3)
		return -EINVAL;
	if (x86_address_size(d) == 2)
		return x86_skip(d, x86_disp16_len(d->modrm));
	return x86_skip_sib_disp32(d);
}

/*
 * The ModRM.reg operand. Byte registers 4-7 are AH/CH/DH/BH unless any REX
 * prefix is present, which makes them SPL/BPL/SIL/DIL (SDM 2.2.1.2 and
 * Table 3-1; APM 1.2.7).
 */
static void x86_modrm_reg(const struct x86_decoder *d, bool byte_reg,
			  struct x86_mmio_insn *insn)
{
	u8 reg = MODRM_REG(d->modrm) | ((d->rex & REX_R) ? 8 : 0);

	insn->operand = X86_OPND_REG;
	if (byte_reg && !d->rex && reg >= 4) {
		reg -= 4;
		insn->high_byte = true;
	}
	insn->reg = reg;
}

static void x86_set_write(struct x86_mmio_insn *insn, unsigned int size)
{
	insn->is_write = true;
	insn->size = size;
}

/* Read of @size bytes into a register @dst_size wide. */
static void x86_set_read(struct x86_mmio_insn *insn, unsigned int size,
			 unsigned int dst_size, enum x86_mmio_ext ext)
{
	insn->is_write = false;
	insn->size = size;
	insn->dst_size = dst_size;
	insn->ext = ext;
}

/*
 * 88/89: MOV r/m,r. 8A/8B: MOV r,r/m. F2/F3 here are the XACQUIRE/XRELEASE
 * hints on stores (SDM vol. 2B XACQUIRE/XRELEASE) and ignored on loads, so
 * they do not change the access.
 */
static int x86_decode_mov_modrm(struct x86_decoder *d, u8 op,
				struct x86_mmio_insn *insn)
{
	bool byte = !(op & 1);
	unsigned int size = byte ? 1 : x86_operand_size(d);
	int ret;

	ret = x86_decode_modrm_mem(d);
	if (ret)
		return ret;
	x86_modrm_reg(d, byte, insn);
	if (op & 2)
		x86_set_read(insn, size, size, X86_EXT_NONE);
	else
		x86_set_write(insn, size);
	return 0;
}

/*
 * C6 /0 ib: MOV r/m8,imm8. C7 /0: MOV r/m,imm16/32; with REX.W the imm32
 * is sign-extended to 64 bits (SDM vol. 2B MOV). The other /r of group 11
 * are #UD with a memory operand (SDM vol. 2D Table A-6).
 */
static int x86_decode_mov_imm(struct x86_decoder *d, u8 op,
			      struct x86_mmio_insn *insn)
{
	unsigned int size = op == 0xc6 ? 1 : x86_operand_size(d);
	u64 imm;
	int ret;

	ret = x86_decode_modrm_mem(d);
	if (ret)
		return ret;
	if (MODRM_REG(d->modrm) != 0)
		return -EINVAL;
	ret = x86_fetch_le(d, size > 4 ? 4 : size, &imm);
	if (ret)
		return ret;
	if (size == 8)
		imm = (u64)(s64)(s32)(u32)imm;
	x86_set_write(insn, size);
	insn->operand = X86_OPND_IMM;
	insn->imm = imm;
	return 0;
}

/*
 * A0-A3: MOV AL/rAX,moffs and MOV moffs,AL/rAX. No ModRM: the absolute
 * offset follows the opcode, as wide as the ADDRESS size (8 bytes in 64-bit
 * mode unless 67; SDM vol. 2B MOV, note on moffs).
 */
static int x86_decode_mov_moffs(struct x86_decoder *d, u8 op,
				struct x86_mmio_insn *insn)
{
	unsigned int size = (op & 1) ? x86_operand_size(d) : 1;
	int ret;

	ret = x86_skip(d, x86_address_size(d));
	if (ret)
		return ret;
	insn->operand = X86_OPND_REG;
	insn->reg = X86_RAX;
	if (op & 2)
		x86_set_write(insn, size);
	else
		x86_set_read(insn, size, size, X86_EXT_NONE);
	return 0;
}

/*
 * AA/AB: STOS m8/m16/m32/m64, storing AL/rAX at ES:rDI (the ES segment
 * cannot be overridden). With REP/REPNE it repeats: string MMIO with a
 * count is emulated elsewhere, not as a single access.
 */
static int x86_decode_stos(struct x86_decoder *d, u8 op,
			   struct x86_mmio_insn *insn)
{
	if (d->rep)
		return -EOPNOTSUPP;
	x86_set_write(insn, (op & 1) ? x86_operand_size(d) : 1);
	insn->operand = X86_OPND_REG;
	insn->reg = X86_RAX;
	insn->string = X86_STRING_STOS;
	return 0;
}

/*
 * 63 /r: MOVSXD in 64-bit mode. With REX.W it sign-extends m32 into r64;
 * without, it is a plain 16- or 32-bit load (SDM vol. 2B MOVSX/MOVSXD).
 * Outside 64-bit mode 63 is ARPL, a read-modify-write not supported here.
 */
static int x86_decode_movsxd(struct x86_decoder *d,
			     struct x86_mmio_insn *insn)
{
	unsigned int size = x86_operand_size(d);
	int ret;

	if (d->mode != X86_MODE_64)
		return -EOPNOTSUPP;
	ret = x86_decode_modrm_mem(d);
	if (ret)
		return ret;
	x86_modrm_reg(d, false, insn);
	if (size == 8)
		x86_set_read(insn, 4, 8, X86_EXT_SIGN);
	else
		x86_set_read(insn, size, size, X86_EXT_NONE);
	return 0;
}

/*
 * 0F B6/B7: MOVZX r,r/m8 and r,r/m16. 0F BE/BF: MOVSX likewise. The
 * destination takes the operand size. F2/F3 in front of the 0F map select
 * other instructions (e.g. F3 0F B8 is POPCNT, F3 0F BC TZCNT), so they
 * are not taken as ignorable here.
 */
static int x86_decode_movx(struct x86_decoder *d, u8 op,
			   struct x86_mmio_insn *insn)
{
	int ret;

	if (d->rep)
		return -EOPNOTSUPP;
	ret = x86_decode_modrm_mem(d);
	if (ret)
		return ret;
	x86_modrm_reg(d, false, insn);
	x86_set_read(insn, (op & 1) ? 2 : 1, x86_operand_size(d),
		     (op & 8) ? X86_EXT_SIGN : X86_EXT_ZERO);
	return 0;
}

/*
 * NP 0F C3 /r: MOVNTI m32,r32 (m64,r64 with REX.W). "NP": a 66, F2 or F3
 * prefix is #UD (SDM vol. 2A 3.1.1.1).
 */
static int x86_decode_movnti(struct x86_decoder *d,
			     struct x86_mmio_insn *insn)
{
	int ret;

	if (d->opsize_prefix || d->rep)
		return -EINVAL;
	ret = x86_decode_modrm_mem(d);
	if (ret)
		return ret;
	x86_modrm_reg(d, false, insn);
	x86_set_write(insn, x86_operand_size(d));
	return 0;
}

static bool x86_one_byte_supported(u8 op)
{
	switch (op) {
	case 0x63:
	case 0x88: case 0x89: case 0x8a: case 0x8b:
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
	case 0xaa: case 0xab:
	case 0xc6: case 0xc7:
		return true;
	default:
		return false;
	}
}

static bool x86_two_byte_supported(u8 op)
{
	switch (op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
	case 0xc3:
		return true;
	default:
		return false;
	}
}

static int x86_decode_two_byte(struct x86_decoder *d, u8 op,
			       struct x86_mmio_insn *insn)
{
	if (op == 0xc3)
		return x86_decode_movnti(d, insn);
	return x86_decode_movx(d, op, insn);
}

static int x86_decode_one_byte(struct x86_decoder *d, u8 op,
			       struct x86_mmio_insn *insn)
{
	switch (op) {
	case 0x63:
		return x86_decode_movsxd(d, insn);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		return x86_decode_mov_moffs(d, op, insn);
	case 0xaa: case 0xab:
		return x86_decode_stos(d, op, insn);
	case 0xc6: case 0xc7:
		return x86_decode_mov_imm(d, op, insn);
	default:
		return x86_decode_mov_modrm(d, op, insn);
	}
}

/*
 * Dispatch on the opcode. LOCK is #UD on every supported form: it is only
 * valid on the read-modify-write instructions listed under LOCK in SDM
 * vol. 2A, and no MOV is one of them.
 */
static int x86_decode_opcode(struct x86_decoder *d, u8 op,
			     struct x86_mmio_insn *insn)
{
	int ret;

	if (op != 0x0f) {
		if (!x86_one_byte_supported(op))
			return -EOPNOTSUPP;
		if (d->lock)
			return -EINVAL;
		return x86_decode_one_byte(d, op, insn);
	}
	ret = x86_fetch(d, &op);
	if (ret)
		return ret;
	if (!x86_two_byte_supported(op))
		return -EOPNOTSUPP;
	if (d->lock)
		return -EINVAL;
	return x86_decode_two_byte(d, op, insn);
}

int x86_decode_mmio(const u8 *bytes, unsigned int avail,
		    enum x86_insn_mode mode, struct x86_mmio_insn *insn)
{
	struct x86_decoder d = {
		.bytes = bytes,
		/* Over 15 bytes is #GP (SDM 2.3.11, APM vol. 3 1.1). */
		.avail = avail < X86_MAX_INSN_LEN ? avail : X86_MAX_INSN_LEN,
		.mode = mode,
	};
	u8 op;
	int ret;

	memset(insn, 0, sizeof(*insn));
	if ((unsigned int)mode > X86_MODE_64)
		return -EINVAL;
	ret = x86_decode_prefixes(&d, &op);
	if (!ret)
		ret = x86_decode_opcode(&d, op, insn);
	if (ret) {
		memset(insn, 0, sizeof(*insn));
		return ret;
	}
	insn->len = d.pos;
	insn->addr_size = x86_address_size(&d);
	return 0;
}

/* The low @size bytes of @v. */
static u64 x86_truncate(u64 v, unsigned int size)
{
	switch (size) {
	case 1:
		return (u8)v;
	case 2:
		return (u16)v;
	case 4:
		return (u32)v;
	default:
		return v;
	}
}

static u64 x86_sign_extend(u64 v, unsigned int size)
{
	switch (size) {
	case 1:
		return (u64)(s64)(s8)(u8)v;
	case 2:
		return (u64)(s64)(s16)(u16)v;
	case 4:
		return (u64)(s64)(s32)(u32)v;
	default:
		return v;
	}
}

u64 x86_mmio_write_value(const struct x86_mmio_insn *insn, const u64 *gprs)
{
	u64 v;

	if (insn->operand == X86_OPND_IMM)
		v = insn->imm;
	else if (insn->reg < X86_NR_GPRS)
		v = gprs[insn->reg] >> (insn->high_byte ? 8 : 0);
	else
		v = 0;
	return x86_truncate(v, insn->size);
}

/*
 * Register write with the partial-register rules (SDM vol. 1 3.4.1.1):
 * 8- and 16-bit writes keep the other bits, a 32-bit write zeroes bits
 * 63:32. Outside 64-bit mode those bits are not visible to the guest and
 * undefined across mode switches, so zeroing them there is also correct.
 */
static void x86_write_reg(u64 *reg, u64 v, unsigned int size, bool high)
{
	switch (size) {
	case 1:
		if (high)
			*reg = (*reg & ~0xff00ULL) | ((v & 0xff) << 8);
		else
			*reg = (*reg & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		*reg = (u32)v;
		break;
	default:
		*reg = v;
		break;
	}
}

void x86_mmio_complete_read(const struct x86_mmio_insn *insn, u64 *gprs,
			    u64 value)
{
	if (insn->is_write || insn->operand != X86_OPND_REG ||
	    insn->reg >= X86_NR_GPRS)
		return;
	value = x86_truncate(value, insn->size);
	if (insn->ext == X86_EXT_SIGN)
		value = x86_sign_extend(value, insn->size);
	x86_write_reg(&gprs[insn->reg], value, insn->dst_size,
		      insn->high_byte);
}

/*
 * Step a string index register by @delta, wrapping at the address size:
 * 16-bit addressing updates only DI/SI, 32-bit writes EDI/ESI, which
 * zero-extends into the full register.
 */
static void x86_step_index(u64 *reg, unsigned int size, bool df,
			   unsigned int addr_size)
{
	u64 next = df ? *reg - size : *reg + size;

	switch (addr_size) {
	case 2:
		*reg = (*reg & ~0xffffULL) | (next & 0xffff);
		break;
	case 4:
		*reg = (u32)next;
		break;
	default:
		*reg = next;
		break;
	}
}

void x86_mmio_string_advance(const struct x86_mmio_insn *insn, u64 *gprs,
			     bool df)
{
	if (insn->string == X86_STRING_STOS)
		x86_step_index(&gprs[X86_RDI], insn->size, df,
			       insn->addr_size);
}

/*
 * Legacy prefixes, LOCK and (in 64-bit mode) REX before the opcode of a
 * control-register instruction, within the first 15 bytes (*@avail is
 * cut to that): the opcode's offset, with the REX that counts (the last,
 * if nothing followed it) and whether LOCK was there.
 */
static unsigned int x86_skip_ctl_prefixes(const u8 *b, unsigned int *avail,
					  bool long64, u8 *rex, bool *lock)
{
	unsigned int i;

	if (*avail > X86_MAX_INSN_LEN)
		*avail = X86_MAX_INSN_LEN;
	*rex = 0;
	*lock = false;
	for (i = 0; i < *avail; i++) {
		if (b[i] == 0xf0) {
			*lock = true;
			*rex = 0;
			continue;
		}
		if (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
		    b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
		    b[i] == 0x64 || b[i] == 0x65) {
			*rex = 0;	/* a REX before a prefix is ignored */
			continue;
		}
		if (long64 && (b[i] & 0xf0) == 0x40) {
			*rex = b[i];
			continue;
		}
		break;
	}
	return i;
}

int x86_decode_cr0_legacy(const u8 *b, unsigned int avail, bool long64,
			  unsigned int *len)
{
	unsigned int i;
	bool lock;
	u8 rex;

	i = x86_skip_ctl_prefixes(b, &avail, long64, &rex, &lock);
	/* LOCK on either is #UD (SDM vol. 2A, CLTS and LMSW). */
	if (lock || i + 2 > avail || b[i] != 0x0f)
		return -EINVAL;
	if (b[i + 1] == 0x06) {
		*len = i + 2;
		return X86_CLTS;
	}
	if (i + 3 > avail || b[i + 1] != 0x01 || (b[i + 2] & 0xf8) != 0xf0)
		return -EINVAL;
	*len = i + 3;
	return (b[i + 2] & 7) | (rex & 1 ? 8 : 0);
}

int x86_decode_mov_ctl(const u8 *b, unsigned int avail, bool long64,
		       u8 opcode, unsigned int *len, unsigned int *reg)
{
	unsigned int i;
	bool lock;
	u8 rex;

	i = x86_skip_ctl_prefixes(b, &avail, long64, &rex, &lock);
	if (i + 3 > avail || b[i] != 0x0f || b[i + 1] < 0x20 || b[i + 1] > 0x23 ||
	    (opcode && b[i + 1] != opcode))
		return -EINVAL;
	*len = i + 3;
	*reg = ((b[i + 2] >> 3) & 7) | (rex & 4 ? 8 : 0);
	/* AMD's LOCK MOV CR0 is MOV CR8 (APM vol. 3, MOV CRn); LOCK on DRs #UDs */
	if (lock) {
		if ((b[i + 1] & 1) || *reg)
			return -EINVAL;
		*reg = 8;
	}
	return (b[i + 2] & 7) | (rex & 1 ? 8 : 0);
}

int x86_decode_wbinvd(const u8 *b, unsigned int avail, bool long64,
		      unsigned int *len)
{
	unsigned int i;
	bool lock;
	u8 rex;

	i = x86_skip_ctl_prefixes(b, &avail, long64, &rex, &lock);
	/* LOCK WBINVD is #UD (SDM vol. 2D, WBINVD). */
	if (lock || i + 2 > avail || b[i] != 0x0f || b[i + 1] != 0x09)
		return -EINVAL;
	*len = i + 2;
	return 0;
}
