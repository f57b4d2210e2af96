// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of vmm/x86_insn.c, the MMIO instruction decoder, as KTAP.
 *
 * The byte strings are reference encodings from GNU as (.code16/.code32/
 * .code64), plus hand-made ones for what as never emits (REX before a
 * legacy prefix, LOCK on MOV, 15-byte limits). Every decode reads from the
 * end of a page followed by an inaccessible one, so a read past @avail
 * crashes the test instead of passing silently.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kshim.h"
#include "x86_insn.h"

#define M16	X86_MODE_16
#define M32	X86_MODE_32
#define M64	X86_MODE_64

/* What a read returns from MMIO: top bit set in every width, for MOVSX. */
#define MEM_VALUE	0x0123456789abcdefULL

enum kind { WRITE, READ, FAIL };

struct tcase {
	const char *name;
	enum x86_insn_mode mode;
	const char *bytes;
	unsigned int n;		/* bytes handed to the decoder */
	enum kind kind;
	int ret;		/* FAIL: the errno expected */
	unsigned int len;
	unsigned int size;
	int reg;		/* READ: the register completed */
	u64 expect;		/* WRITE: value stored; READ: register after */
	enum x86_mmio_string string;
};

#define W(m, nm, b, l, s, v) \
	{ nm, m, b, sizeof(b) - 1, WRITE, 0, l, s, -1, v, X86_STRING_NONE }
#define WS(m, nm, b, l, s, v) \
	{ nm, m, b, sizeof(b) - 1, WRITE, 0, l, s, -1, v, X86_STRING_STOS }
#define R(m, nm, b, l, s, r, v) \
	{ nm, m, b, sizeof(b) - 1, READ, 0, l, s, r, v, X86_STRING_NONE }
#define F(m, nm, b, err) \
	{ nm, m, b, sizeof(b) - 1, FAIL, -(err), 0, 0, -1, 0, X86_STRING_NONE }

#define P9	"\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e"
#define M64_8	"\x88\x77\x66\x55\x44\x33\x22\x11"

static const struct tcase cases[] = {
	/* 64-bit mode: stores from registers. */
	W(M64, "mov %eax,(%rbx)", "\x89\x03", 2, 4, 0xf4f3f2f1),
	W(M64, "mov %rax,(%rbx)", "\x48\x89\x03", 3, 8, 0xf8f7f6f5f4f3f2f1),
	W(M64, "mov %ax,(%rbx)", "\x66\x89\x03", 3, 2, 0xf2f1),
	W(M64, "mov %al,(%rbx)", "\x88\x03", 2, 1, 0xf1),
	W(M64, "mov %ah,(%rbx)", "\x88\x23", 2, 1, 0xf2),
	W(M64, "mov %bh,(%rbx)", "\x88\x3b", 2, 1, 0xf1),
	W(M64, "mov %spl,(%rbx) (REX 40: not AH)", "\x40\x88\x23", 3, 1, 0xf5),
	W(M64, "mov %r8b,(%rbx)", "\x44\x88\x03", 3, 1, 0xf9),
	W(M64, "mov %r8,(%rbx) (REX.R)", "\x4c\x89\x03", 3, 8,
	  0xf0fffefdfcfbfaf9),
	W(M64, "mov %r15,(%r12) (SIB)", "\x4d\x89\x3c\x24", 4, 8,
	  0xf7f8f9fafbfcfdfe),
	W(M64, "movb $0x5a,(%rbx)", "\xc6\x03\x5a", 3, 1, 0x5a),
	W(M64, "movl $0x12345678,(%rbx)", "\xc7\x03\x78\x56\x34\x12", 6, 4,
	  0x12345678),
	W(M64, "movq $-2,(%rbx) (imm32 sign-extended)",
	  "\x48\xc7\x03\xfe\xff\xff\xff", 7, 8, 0xfffffffffffffffe),
	W(M64, "movq $0x7fffffff,(%rbx)", "\x48\xc7\x03\xff\xff\xff\x7f", 7, 8,
	  0x7fffffff),
	W(M64, "movw $0x1234,(%rbx)", "\x66\xc7\x03\x34\x12", 5, 2, 0x1234),
	W(M64, "mov %eax,0x1000(%rip)", "\x89\x05\x00\x10\x00\x00", 6, 4,
	  0xf4f3f2f1),
	W(M64, "movl $1,0x10(%rip)", "\xc7\x05\x10\x00\x00\x00\x01\x00\x00\x00",
	  10, 4, 1),
	W(M64, "mov %eax,0x1000(%rip) with REX.B (still RIP-relative)",
	  "\x41\x89\x05\x00\x10\x00\x00", 7, 4, 0xf4f3f2f1),
	W(M64, "movabs %eax,moffs64", "\xa3" M64_8, 9, 4, 0xf4f3f2f1),
	W(M64, "movabs %rax,moffs64", "\x48\xa3" M64_8, 10, 8,
	  0xf8f7f6f5f4f3f2f1),
	W(M64, "addr32 mov %eax,moffs32", "\x67\xa3\x44\x33\x22\x11", 6, 4,
	  0xf4f3f2f1),
	W(M64, "mov %eax,0x12345678(,%rcx,4) (SIB no base)",
	  "\x89\x04\x8d\x78\x56\x34\x12", 7, 4, 0xf4f3f2f1),
	W(M64, "mov %eax,0x12345678 (SIB absolute)",
	  "\x89\x04\x25\x78\x56\x34\x12", 7, 4, 0xf4f3f2f1),
	W(M64, "SIB base=101 mod=00 with REX.B (still disp32)",
	  "\x41\x89\x04\x25\x78\x56\x34\x12", 8, 4, 0xf4f3f2f1),
	W(M64, "mov %eax,0x12(%rbx,%rsi,2)", "\x89\x44\x73\x12", 4, 4,
	  0xf4f3f2f1),
	W(M64, "mov %eax,0(%rbp) (disp8)", "\x89\x45\x00", 3, 4, 0xf4f3f2f1),
	W(M64, "mov %eax,0(%r13)", "\x41\x89\x45\x00", 4, 4, 0xf4f3f2f1),
	W(M64, "mov %eax,0x1000(%r13) (disp32)",
	  "\x41\x89\x85\x00\x10\x00\x00", 7, 4, 0xf4f3f2f1),
	W(M64, "mov %eax,%fs:(%rbx)", "\x64\x89\x03", 3, 4, 0xf4f3f2f1),
	W(M64, "REX.W then 66: REX ignored", "\x48\x66\x89\x03", 4, 2, 0xf2f1),
	W(M64, "66 then REX.W: REX.W wins", "\x66\x48\x89\x03", 4, 8,
	  0xf8f7f6f5f4f3f2f1),
	W(M64, "REX then DS: REX ignored, reg 4 is AH",
	  "\x40\x3e\x88\x23", 4, 1, 0xf2),
	W(M64, "cs data16 addr32 mov %ax,(%ebx)", "\x2e\x66\x67\x89\x03", 5, 2,
	  0xf2f1),
	W(M64, "xrelease mov %eax,(%rbx)", "\xf3\x89\x03", 3, 4, 0xf4f3f2f1),
	W(M64, "xacquire mov %al,(%rbx)", "\xf2\x88\x03", 3, 1, 0xf1),
	W(M64, "15 bytes: 9 prefixes + movl imm32",
	  P9 "\xc7\x03\x78\x56\x34\x12", 15, 4, 0x12345678),
	W(M64, "movnti %eax,(%rbx)", "\x0f\xc3\x03", 3, 4, 0xf4f3f2f1),
	W(M64, "movnti %r11,(%rbx)", "\x4c\x0f\xc3\x1b", 4, 8,
	  0xf3fcfdfefff8f9fa),
	WS(M64, "stosb", "\xaa", 1, 1, 0xf1),
	WS(M64, "stosq", "\x48\xab", 2, 8, 0xf8f7f6f5f4f3f2f1),
	WS(M64, "addr32 stosl", "\x67\xab", 2, 4, 0xf4f3f2f1),

	/* 64-bit mode: loads. */
	R(M64, "mov (%rbx),%eax (zero-extends)", "\x8b\x03", 2, 4, X86_RAX,
	  0x89abcdef),
	R(M64, "mov (%rbx),%al", "\x8a\x03", 2, 1, X86_RAX, 0xf8f7f6f5f4f3f2ef),
	R(M64, "mov (%rbx),%ah", "\x8a\x23", 2, 1, X86_RAX, 0xf8f7f6f5f4f3eff1),
	R(M64, "mov (%rbx),%ax", "\x66\x8b\x03", 3, 2, X86_RAX,
	  0xf8f7f6f5f4f3cdef),
	R(M64, "mov (%rbx),%r9", "\x4c\x8b\x0b", 3, 8, X86_R9, MEM_VALUE),
	R(M64, "mov (%rbx),%sil", "\x40\x8a\x33", 3, 1, X86_RSI,
	  0xfef1f0f3f2f5f4ef),
	R(M64, "mov (%rbx),%dh", "\x8a\x33", 2, 1, X86_RDX, 0xfaf5f4f7f6f1eff3),
	R(M64, "mov (%rbx),%r8b", "\x44\x8a\x03", 3, 1, X86_R8,
	  0xf0fffefdfcfbfaef),
	R(M64, "mov (%rbx),%r12d", "\x44\x8b\x23", 3, 4, X86_R12, 0x89abcdef),
	R(M64, "mov (%rsp),%eax (SIB)", "\x8b\x04\x24", 3, 4, X86_RAX,
	  0x89abcdef),
	R(M64, "mov 0x10(%rip),%rax", "\x48\x8b\x05\x10\x00\x00\x00", 7, 8,
	  X86_RAX, MEM_VALUE),
	R(M64, "movabs moffs64,%al", "\xa0" M64_8, 9, 1, X86_RAX,
	  0xf8f7f6f5f4f3f2ef),
	R(M64, "movabs moffs64,%rax", "\x48\xa1" M64_8, 10, 8, X86_RAX,
	  MEM_VALUE),
	R(M64, "addr32 mov moffs32,%eax", "\x67\xa1\x44\x33\x22\x11", 6, 4,
	  X86_RAX, 0x89abcdef),
	R(M64, "movzbl (%rbx),%eax", "\x0f\xb6\x03", 3, 1, X86_RAX, 0xef),
	R(M64, "movzbw (%rbx),%cx", "\x66\x0f\xb6\x0b", 4, 1, X86_RCX,
	  0xf9f6f7f4f5f200ef),
	R(M64, "movzwq (%rbx),%r10", "\x4c\x0f\xb7\x13", 4, 2, X86_R10, 0xcdef),
	R(M64, "movsbl (%rbx),%ecx", "\x0f\xbe\x0b", 3, 1, X86_RCX, 0xffffffef),
	R(M64, "movsbw (%rbx),%ax", "\x66\x0f\xbe\x03", 4, 1, X86_RAX,
	  0xf8f7f6f5f4f3ffef),
	R(M64, "movswq (%rbx),%rdx", "\x48\x0f\xbf\x13", 4, 2, X86_RDX,
	  0xffffffffffffcdef),
	R(M64, "movslq (%rbx),%rax (MOVSXD)", "\x48\x63\x03", 3, 4, X86_RAX,
	  0xffffffff89abcdef),
	R(M64, "movsxd without REX.W is a 32-bit load", "\x63\x03", 2, 4,
	  X86_RAX, 0x89abcdef),

	/* 64-bit mode: refused. */
	F(M64, "lock mov %eax,(%rbx)", "\xf0\x89\x03", EINVAL),
	F(M64, "lock movzbl", "\xf0\x0f\xb6\x03", EINVAL),
	F(M64, "lock movb $0,(%rbx)", "\xf0\xc6\x03\x00", EINVAL),
	F(M64, "rep stosb", "\xf3\xaa", EOPNOTSUPP),
	F(M64, "repne stosq", "\xf2\x48\xab", EOPNOTSUPP),
	F(M64, "mov %eax,%ebx (register operand)", "\x89\xd8", EINVAL),
	F(M64, "movb $0,%al (C6 mod=11)", "\xc6\xc0\x00", EINVAL),
	F(M64, "C7 /1 with memory (#UD)", "\xc7\x0b\x00\x00\x00\x00", EINVAL),
	F(M64, "xabort (C6 F8)", "\xc6\xf8\x00", EINVAL),
	F(M64, "add %eax,(%rbx)", "\x01\x03", EOPNOTSUPP),
	F(M64, "movsb", "\xa4", EOPNOTSUPP),
	F(M64, "ud2", "\x0f\x0b", EOPNOTSUPP),
	F(M64, "66 movnti (NP: #UD)", "\x66\x0f\xc3\x03", EINVAL),
	F(M64, "F3 0F B6 (mandatory-prefix map)", "\xf3\x0f\xb6\x03",
	  EOPNOTSUPP),
	F(M64, "16 bytes: 10 prefixes + movl imm32",
	  P9 "\x2e\xc7\x03\x78\x56\x34\x12", EINVAL),
	F(M64, "15 prefixes, no opcode",
	  "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66",
	  EINVAL),
	F(M64, "REX only", "\x48", EINVAL),
	F(M64, "nothing", "", EINVAL),

	/* 32-bit mode. */
	W(M32, "mov %eax,(%ebx)", "\x89\x03", 2, 4, 0xf4f3f2f1),
	W(M32, "mov %ax,(%ebx)", "\x66\x89\x03", 3, 2, 0xf2f1),
	W(M32, "movl $0x12345678,(%ebx)", "\xc7\x03\x78\x56\x34\x12", 6, 4,
	  0x12345678),
	W(M32, "mov %eax,moffs32", "\xa3\x78\x56\x34\x12", 5, 4, 0xf4f3f2f1),
	W(M32, "mov %eax,0x12345678 (mod=00 rm=101 absolute)",
	  "\x89\x05\x78\x56\x34\x12", 6, 4, 0xf4f3f2f1),
	W(M32, "mov %eax,0x10(%esp)", "\x89\x44\x24\x10", 4, 4, 0xf4f3f2f1),
	W(M32, "mov %eax,0(,%ecx,4)", "\x89\x04\x8d\x00\x00\x00\x00", 7, 4,
	  0xf4f3f2f1),
	W(M32, "mov %eax,0x12345678(%ebp)", "\x89\x85\x78\x56\x34\x12", 6, 4,
	  0xf4f3f2f1),
	W(M32, "addr16 mov %eax,(%bx)", "\x67\x89\x07", 3, 4, 0xf4f3f2f1),
	W(M32, "mov %ch,(%ebx)", "\x88\x2b", 2, 1, 0xf3),
	W(M32, "movnti %eax,(%ebx)", "\x0f\xc3\x03", 3, 4, 0xf4f3f2f1),
	WS(M32, "stosl", "\xab", 1, 4, 0xf4f3f2f1),
	WS(M32, "data16 stosw", "\x66\xab", 2, 2, 0xf2f1),
	R(M32, "mov (%ebx),%eax", "\x8b\x03", 2, 4, X86_RAX, 0x89abcdef),
	R(M32, "mov (%ebx),%ah", "\x8a\x23", 2, 1, X86_RAX, 0xf8f7f6f5f4f3eff1),
	R(M32, "mov (%ebx),%ax", "\x66\x8b\x03", 3, 2, X86_RAX,
	  0xf8f7f6f5f4f3cdef),
	R(M32, "addr16 mov moffs16,%eax", "\x67\xa1\x34\x12", 4, 4, X86_RAX,
	  0x89abcdef),
	R(M32, "movzbl (%ebx),%eax", "\x0f\xb6\x03", 3, 1, X86_RAX, 0xef),
	R(M32, "movswl (%ebx),%ecx", "\x0f\xbf\x0b", 3, 2, X86_RCX, 0xffffcdef),
	F(M32, "48 is DEC, not REX.W", "\x48\x89\x03", EOPNOTSUPP),
	F(M32, "63 is ARPL", "\x63\x03", EOPNOTSUPP),
	F(M32, "lock mov %al,(%ebx)", "\xf0\x88\x03", EINVAL),
	F(M32, "rep stosl", "\xf3\xab", EOPNOTSUPP),

	/* 16-bit mode. */
	W(M16, "mov %ax,(%bx)", "\x89\x07", 2, 2, 0xf2f1),
	W(M16, "mov %eax,(%bx)", "\x66\x89\x07", 3, 4, 0xf4f3f2f1),
	W(M16, "mov %ah,(%bx)", "\x88\x27", 2, 1, 0xf2),
	W(M16, "mov %al,moffs16", "\xa2\x34\x12", 3, 1, 0xf1),
	W(M16, "addr32 mov %ax,moffs32", "\x67\xa3\x78\x56\x34\x12", 6, 2,
	  0xf2f1),
	W(M16, "mov %ax,0x1234 (mod=00 rm=110 disp16)", "\x89\x06\x34\x12", 4,
	  2, 0xf2f1),
	W(M16, "mov %ax,0x12(%bp)", "\x89\x46\x12", 3, 2, 0xf2f1),
	W(M16, "mov %ax,0x1234(%bx,%si)", "\x89\x80\x34\x12", 4, 2, 0xf2f1),
	W(M16, "mov %ax,(%bp,%di)", "\x89\x03", 2, 2, 0xf2f1),
	W(M16, "movw $0x1234,(%bx)", "\xc7\x07\x34\x12", 4, 2, 0x1234),
	W(M16, "movl $0x12345678,(%bx)", "\x66\xc7\x07\x78\x56\x34\x12", 7, 4,
	  0x12345678),
	W(M16, "addr32 mov %ax,0x12345678(,%ecx,4)",
	  "\x67\x89\x04\x8d\x78\x56\x34\x12", 8, 2, 0xf2f1),
	WS(M16, "stosw", "\xab", 1, 2, 0xf2f1),
	WS(M16, "stosb", "\xaa", 1, 1, 0xf1),
	R(M16, "mov moffs16,%ax", "\xa1\x34\x12", 3, 2, X86_RAX,
	  0xf8f7f6f5f4f3cdef),
	R(M16, "mov (%bx),%ah", "\x8a\x27", 2, 1, X86_RAX, 0xf8f7f6f5f4f3eff1),
	R(M16, "mov (%bx),%eax", "\x66\x8b\x07", 3, 4, X86_RAX, 0x89abcdef),
	R(M16, "movzbw (%bx),%ax", "\x0f\xb6\x07", 3, 1, X86_RAX,
	  0xf8f7f6f5f4f300ef),
	R(M16, "movsbl (%bx),%edx", "\x66\x0f\xbe\x17", 4, 1, X86_RDX,
	  0xffffffef),
	F(M16, "lock movw $0x1234,(%bx)", "\xf0\xc7\x07\x34\x12", EINVAL),
	F(M16, "mov %ax,%ax", "\x8b\xc0", EINVAL),
	F(M16, "rep stosw", "\xf3\xab", EOPNOTSUPP),
};

static u8 *guard_page;
static long page_size;
static int failures;
static int test_no;

static void __attribute__((format(printf, 2, 3)))
report(bool ok, const char *fmt, ...)
{
	va_list ap;

	test_no++;
	printf("%s %d ", ok ? "ok" : "not ok", test_no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

/* A page whose end is followed by an inaccessible page. */
static int setup_guard_page(void)
{
	u8 *p;

	page_size = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	if (mprotect(p + page_size, page_size, PROT_NONE))
		return -1;
	guard_page = p;
	return 0;
}

/* Decode @n bytes placed right before the guard: nothing readable follows. */
static int decode_at_edge(const u8 *bytes, unsigned int n,
			  enum x86_insn_mode mode, struct x86_mmio_insn *insn)
{
	u8 *at = guard_page + page_size - n;

	memcpy(at, bytes, n);
	return x86_decode_mmio(at, n, mode, insn);
}

static void init_gprs(u64 *gprs)
{
	unsigned int i;

	for (i = 0; i < X86_NR_GPRS; i++)
		gprs[i] = 0xf8f7f6f5f4f3f2f1ULL ^ (i * 0x0101010101010101ULL);
}

static bool same_insn(const struct x86_mmio_insn *a,
		      const struct x86_mmio_insn *b)
{
	return a->len == b->len && a->size == b->size &&
	       a->is_write == b->is_write && a->high_byte == b->high_byte &&
	       a->reg == b->reg && a->dst_size == b->dst_size &&
	       a->addr_size == b->addr_size && a->operand == b->operand &&
	       a->ext == b->ext && a->string == b->string && a->imm == b->imm;
}

static bool check_fields(const struct tcase *c, const struct x86_mmio_insn *in)
{
	bool ok = true;

	if (in->len != c->len || in->size != c->size ||
	    in->is_write != (c->kind == WRITE) || in->string != c->string) {
		printf("# %s: len %u size %u write %d string %d\n", c->name,
		       in->len, in->size, in->is_write, in->string);
		ok = false;
	}
	return ok;
}

/* The value side: write value, or read completion touching only one reg. */
static bool check_value(const struct tcase *c, const struct x86_mmio_insn *in)
{
	u64 gprs[X86_NR_GPRS], ref[X86_NR_GPRS], got;
	int i;

	init_gprs(gprs);
	init_gprs(ref);
	if (c->kind == WRITE) {
		got = x86_mmio_write_value(in, gprs);
	} else {
		x86_mmio_complete_read(in, gprs, MEM_VALUE);
		got = gprs[c->reg];
		ref[c->reg] = gprs[c->reg];
	}
	if (got != c->expect) {
		printf("# %s: value %#llx, want %#llx\n", c->name,
		       (unsigned long long)got, (unsigned long long)c->expect);
		return false;
	}
	for (i = 0; i < X86_NR_GPRS; i++) {
		if (gprs[i] != ref[i]) {
			printf("# %s: register %d clobbered\n", c->name, i);
			return false;
		}
	}
	return true;
}

/*
 * Every shorter prefix of a valid encoding is -EINVAL, and decoding from
 * exactly @len bytes gives what decoding from more did.
 */
static bool check_truncation(const struct tcase *c,
			     const struct x86_mmio_insn *full,
			     unsigned int *checked)
{
	struct x86_mmio_insn in;
	unsigned int n;
	int ret;

	for (n = 0; n < full->len; n++) {
		ret = decode_at_edge((const u8 *)c->bytes, n, c->mode, &in);
		(*checked)++;
		if (ret != -EINVAL) {
			printf("# %s: %u of %u bytes gave %d\n", c->name, n,
			       full->len, ret);
			return false;
		}
	}
	ret = decode_at_edge((const u8 *)c->bytes, full->len, c->mode, &in);
	if (ret || !same_insn(&in, full)) {
		printf("# %s: exact-length decode differs (%d)\n", c->name,
		       ret);
		return false;
	}
	return true;
}

static bool run_case(const struct tcase *c, unsigned int *checked)
{
	struct x86_mmio_insn in;
	int ret;

	ret = decode_at_edge((const u8 *)c->bytes, c->n, c->mode, &in);
	if (c->kind == FAIL) {
		if (ret != c->ret)
			printf("# %s: returned %d, want %d\n", c->name, ret,
			       c->ret);
		return ret == c->ret && in.len == 0;
	}
	if (ret) {
		printf("# %s: returned %d\n", c->name, ret);
		return false;
	}
	return check_fields(c, &in) && check_value(c, &in) &&
	       check_truncation(c, &in, checked);
}

static const char *const mode_name[] = { "16-bit", "32-bit", "64-bit" };

static void run_cases(void)
{
	unsigned int i, checked = 0;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ok = run_case(&cases[i], &checked);
		report(ok, "decode %s: %s", mode_name[cases[i].mode],
		       cases[i].name);
	}
	report(checked > 0, "%u truncated encodings all gave -EINVAL", checked);
}

struct stos_case {
	const char *name;
	enum x86_insn_mode mode;
	const char *bytes;
	bool df;
	u64 rdi, expect;
};

static const struct stos_case stos_cases[] = {
	{ "64-bit stosq DF=0", M64, "\x48\xab", false, 0x1000, 0x1008 },
	{ "64-bit stosq DF=1", M64, "\x48\xab", true, 0x1000, 0xff8 },
	{ "64-bit stosb DF=1 wraps", M64, "\xaa", true, 0, ~0ULL },
	{ "64-bit addr32 stosl wraps EDI, zero-extends", M64, "\x67\xab",
	  false, 0xdead0000fffffffcULL, 0 },
	{ "32-bit stosl wraps EDI", M32, "\xab", false, 0xfffffffe, 2 },
	{ "32-bit stosl DF=1", M32, "\xab", true, 0, 0xfffffffc },
	{ "32-bit addr16 stosl updates only DI", M32, "\x67\xab", false,
	  0x1234fffe, 0x12340002 },
	{ "16-bit stosw DI wraps, upper bits kept", M16, "\xab", false,
	  0x12340000ffffULL, 0x123400000001ULL },
	{ "16-bit stosw DF=1 DI wraps", M16, "\xab", true, 0x12340000,
	  0x1234fffe },
	{ "16-bit addr32 stosb uses EDI", M16, "\x67\xaa", false, 0xffff,
	  0x10000 },
};

static bool run_stos_case(const struct stos_case *c)
{
	struct x86_mmio_insn in;
	u64 gprs[X86_NR_GPRS], ref[X86_NR_GPRS];

	if (decode_at_edge((const u8 *)c->bytes, strlen(c->bytes), c->mode,
			   &in))
		return false;
	init_gprs(gprs);
	gprs[X86_RDI] = c->rdi;
	memcpy(ref, gprs, sizeof(ref));
	ref[X86_RDI] = c->expect;
	x86_mmio_string_advance(&in, gprs, c->df);
	if (memcmp(gprs, ref, sizeof(ref))) {
		printf("# %s: rdi %#llx\n", c->name,
		       (unsigned long long)gprs[X86_RDI]);
		return false;
	}
	return true;
}

static void run_stos_cases(void)
{
	struct x86_mmio_insn in;
	u64 gprs[X86_NR_GPRS], ref[X86_NR_GPRS];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stos_cases); i++)
		report(run_stos_case(&stos_cases[i]), "string advance %s",
		       stos_cases[i].name);

	init_gprs(gprs);
	init_gprs(ref);
	x86_decode_mmio((const u8 *)"\x89\x03", 2, M64, &in);
	x86_mmio_string_advance(&in, gprs, true);
	report(!memcmp(gprs, ref, sizeof(ref)),
	       "string advance leaves registers alone for a plain MOV");
}

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 xorshift64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Prefixes and opcodes the decoder cares about, to reach deep paths. */
static const u8 interesting[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
	0x40, 0x41, 0x44, 0x48, 0x4c, 0x4f, 0x0f, 0x63, 0x88, 0x89, 0x8a,
	0x8b, 0xa0, 0xa1, 0xa2, 0xa3, 0xaa, 0xab, 0xc6, 0xc7, 0xb6, 0xb7,
	0xbe, 0xbf, 0xc3, 0x04, 0x05, 0x25, 0x44, 0x84, 0x06, 0x24,
};

static void random_bytes(u8 *buf)
{
	unsigned int i;
	u64 r;

	for (i = 0; i < X86_MAX_INSN_LEN; i++) {
		r = xorshift64();
		if (r & 1)
			buf[i] = interesting[(r >> 8) % sizeof(interesting)];
		else
			buf[i] = r >> 16;
	}
}

static bool sane_insn(const struct x86_mmio_insn *in, unsigned int avail)
{
	bool pow2 = in->size == 1 || in->size == 2 || in->size == 4 ||
		    in->size == 8;

	if (!in->len || in->len > avail || !pow2 ||
	    in->reg >= X86_NR_GPRS || (in->high_byte && in->reg >= 4))
		return false;
	if (!in->is_write && (in->dst_size < in->size ||
			      in->operand != X86_OPND_REG))
		return false;
	return in->addr_size == 2 || in->addr_size == 4 || in->addr_size == 8;
}

/* Exercise the completion side on whatever decoded. */
static void use_insn(const struct x86_mmio_insn *in)
{
	u64 gprs[X86_NR_GPRS];

	init_gprs(gprs);
	if (in->is_write)
		gprs[0] ^= x86_mmio_write_value(in, gprs);
	else
		x86_mmio_complete_read(in, gprs, xorshift64());
	x86_mmio_string_advance(in, gprs, gprs[0] & 1);
}

static bool fuzz_one(const u8 *buf, unsigned int avail,
		     enum x86_insn_mode mode, unsigned long *decoded)
{
	struct x86_mmio_insn in, again;
	int ret;

	ret = decode_at_edge(buf, avail, mode, &in);
	if (ret == -EINVAL || ret == -EOPNOTSUPP)
		return true;
	if (ret || !sane_insn(&in, avail))
		return false;
	(*decoded)++;
	use_insn(&in);
	/* Bytes past len must not matter, and len-1 bytes must not do. */
	if (decode_at_edge(buf, in.len, mode, &again) ||
	    !same_insn(&in, &again))
		return false;
	return decode_at_edge(buf, in.len - 1, mode, &again) == -EINVAL;
}

static void run_fuzz(void)
{
	unsigned long iter, decoded[3] = { 0 }, bad = 0;
	u8 buf[X86_MAX_INSN_LEN];
	unsigned int mode, avail;

	for (iter = 0; iter < 300000; iter++) {
		mode = iter % 3;
		avail = xorshift64() % (X86_MAX_INSN_LEN + 1);
		random_bytes(buf);
		if (!fuzz_one(buf, avail, mode, &decoded[mode]) && bad++ < 5)
			printf("# bad decode, mode %u avail %u\n", mode, avail);
	}
	printf("# decoded %lu/%lu/%lu (16/32/64-bit) of %lu\n", decoded[0],
	       decoded[1], decoded[2], iter);
	report(!bad && decoded[0] && decoded[1] && decoded[2],
	       "%lu pseudo-random byte strings decode within bounds", iter);
}

/* MOV to/from CR/DR: the GPR, the register, the length; junk refused. */
static void run_mov_ctl_cases(void)
{
	static const u8 cr4_rax[] = { 0x0f, 0x22, 0xe0 };	/* mov %rax,%cr4 */
	static const u8 cr4_r11[] = { 0x41, 0x0f, 0x22, 0xe3 };	/* mov %r11,%cr4 */
	static const u8 cr8_rcx[] = { 0x44, 0x0f, 0x22, 0xc1 };	/* mov %rcx,%cr8 */
	static const u8 dr7_rdx[] = { 0x66, 0x0f, 0x23, 0xfa };	/* mov %edx,%dr7 */
	static const u8 not_mov[] = { 0x0f, 0x24, 0xe0 };
	static const u8 lock_cr0[] = { 0xf0, 0x0f, 0x22, 0xc2 };	/* mov %rdx,%cr8 (AMD) */
	static const u8 lock_dr0[] = { 0xf0, 0x0f, 0x23, 0xc2 };
	unsigned int len = 0, reg = 0;
	bool ok;

	ok = x86_decode_mov_ctl(cr4_rax, 3, true, 0x22, &len, &reg) == X86_RAX &&
	     len == 3 && reg == 4;
	ok = ok && x86_decode_mov_ctl(cr4_r11, 4, true, 0x22, &len, &reg) == X86_R11 &&
	     len == 4 && reg == 4;
	ok = ok && x86_decode_mov_ctl(cr8_rcx, 4, true, 0x22, &len, &reg) == X86_RCX &&
	     reg == 8;
	/* outside 64-bit mode 0x41 is INC, not a REX prefix */
	ok = ok && x86_decode_mov_ctl(cr4_r11, 4, false, 0x22, &len, &reg) < 0;
	ok = ok && x86_decode_mov_ctl(dr7_rdx, 4, false, 0, &len, &reg) == X86_RDX &&
	     len == 4 && reg == 7;
	ok = ok && x86_decode_mov_ctl(dr7_rdx, 4, false, 0x22, &len, &reg) < 0;
	ok = ok && x86_decode_mov_ctl(not_mov, 3, true, 0, &len, &reg) < 0;
	ok = ok && x86_decode_mov_ctl(lock_cr0, 4, true, 0x22, &len, &reg) == X86_RDX &&
	     reg == 8 && len == 4;
	ok = ok && x86_decode_mov_ctl(lock_dr0, 4, true, 0, &len, &reg) < 0;
	ok = ok && x86_decode_mov_ctl(cr4_rax, 2, true, 0x22, &len, &reg) < 0;
	report(ok, "MOV CR/DR decoding: GPR, register and length; REX only in 64-bit mode; "
	       "LOCK MOV CR0 is CR8; other opcodes and truncated bytes refused");
}

/* CLTS and LMSW from a register; LMSW from memory, LOCK and junk refused. */
static void run_cr0_legacy_cases(void)
{
	static const u8 clts[] = { 0x0f, 0x06 };
	static const u8 clts_66[] = { 0x66, 0x0f, 0x06 };
	static const u8 lmsw_ax[] = { 0x0f, 0x01, 0xf0 };	/* lmsw %ax */
	static const u8 lmsw_r9[] = { 0x41, 0x0f, 0x01, 0xf1 };	/* lmsw %r9w */
	static const u8 lmsw_mem[] = { 0x0f, 0x01, 0x30 };	/* lmsw (%rax) */
	static const u8 lock_clts[] = { 0xf0, 0x0f, 0x06 };
	static const u8 smsw_ax[] = { 0x0f, 0x01, 0xe0 };	/* smsw %eax */
	unsigned int len = 0;
	bool ok;

	ok = x86_decode_cr0_legacy(clts, 2, true, &len) == X86_CLTS && len == 2;
	ok = ok && x86_decode_cr0_legacy(clts_66, 3, false, &len) == X86_CLTS && len == 3;
	ok = ok && x86_decode_cr0_legacy(lmsw_ax, 3, false, &len) == X86_RAX && len == 3;
	ok = ok && x86_decode_cr0_legacy(lmsw_r9, 4, true, &len) == X86_R9 && len == 4;
	/* outside 64-bit mode 0x41 is INC, not a REX prefix */
	ok = ok && x86_decode_cr0_legacy(lmsw_r9, 4, false, &len) < 0;
	ok = ok && x86_decode_cr0_legacy(lmsw_mem, 3, true, &len) < 0;
	ok = ok && x86_decode_cr0_legacy(lock_clts, 3, true, &len) < 0;
	ok = ok && x86_decode_cr0_legacy(smsw_ax, 3, true, &len) < 0;
	ok = ok && x86_decode_cr0_legacy(lmsw_ax, 2, true, &len) < 0;
	ok = ok && x86_decode_cr0_legacy(clts, 1, true, &len) < 0;
	report(ok, "CLTS and LMSW decoding: register source and length, REX.B in 64-bit "
	       "mode; LMSW from memory, LOCK, SMSW and truncated bytes refused");
}

/* WBINVD and WBNOINVD with their prefixes; LOCK and other opcodes refused. */
static void run_wbinvd_cases(void)
{
	static const u8 wbinvd[] = { 0x0f, 0x09 };
	static const u8 wbnoinvd[] = { 0xf3, 0x0f, 0x09 };
	static const u8 rex_seg[] = { 0x2e, 0x48, 0x0f, 0x09 };
	static const u8 lock_wbinvd[] = { 0xf0, 0x0f, 0x09 };
	static const u8 invd[] = { 0x0f, 0x08 };
	unsigned int len = 0;
	bool ok;

	ok = x86_decode_wbinvd(wbinvd, 2, true, &len) == 0 && len == 2;
	ok = ok && x86_decode_wbinvd(wbnoinvd, 3, false, &len) == 0 && len == 3;
	ok = ok && x86_decode_wbinvd(rex_seg, 4, true, &len) == 0 && len == 4;
	/* outside 64-bit mode 0x48 is DEC, not a REX prefix */
	ok = ok && x86_decode_wbinvd(rex_seg, 4, false, &len) < 0;
	ok = ok && x86_decode_wbinvd(lock_wbinvd, 3, true, &len) < 0;
	ok = ok && x86_decode_wbinvd(invd, 2, true, &len) < 0;
	ok = ok && x86_decode_wbinvd(wbinvd, 1, true, &len) < 0;
	report(ok, "WBINVD/WBNOINVD decoding: length over prefixes, REX only in 64-bit "
	       "mode; LOCK, INVD and truncated bytes refused");
}

int main(void)
{
	if (setup_guard_page()) {
		perror("guard page");
		return 1;
	}
	printf("TAP version 13\n");
	printf("1..%zu\n", ARRAY_SIZE(cases) + ARRAY_SIZE(stos_cases) + 6);
	run_cases();
	run_mov_ctl_cases();
	run_cr0_legacy_cases();
	run_wbinvd_cases();
	run_stos_cases();
	run_fuzz();
	return failures ? 1 : 0;
}
