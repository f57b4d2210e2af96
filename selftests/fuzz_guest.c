// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile guest: op after op of port and string I/O, MMIO in many
 * instruction forms (unaligned, page-crossing, read-modify-write, string,
 * SSE) to holes, read-only memory, the APICs and ordinary MMIO, MSR reads
 * and writes over the index space, CPUID, control-register, descriptor-table
 * and segment loads, debug registers, exceptions, INT n, hypercalls with
 * random numbers and, in Xen domains, Xen hypercalls with arguments of
 * their shape (memory_op's reservations give frames of an unused window
 * back and take them again; grant_table_op copies between frames and
 * grants of its own, of other domains and of none, after grant frames
 * placed and entries written at random), the instructions a hypervisor must intercept, and now and
 * then a triple fault. The guest may crash itself; the host must not
 * notice, and a witness domain running next to it must not either.
 *
 *   fuzz_guest [-s SEED] [-t SECONDS] [-n OPS] [-o FIRST -d FLAGS] [-k KINDS]
 * (-o/-d replay from op FIRST in a domain with those DOMINO_DOMAIN_*
 * flags, as the kernel log's "fuzz_guest: seed ..., domain ..." lines say;
 * -k a mask of the op kinds to run: 1 MMIO, 2 port I/O, 4 MSRs, 8 CPUID,
 * 0x10 control/segment/debug registers, 0x20 traps, 0x40 instructions)
 * (defaults: a seed from the clock, 20 s; DOMINO_FUZZ_SEED and
 * DOMINO_FUZZ_SECONDS in the environment override the defaults)
 *
 * Each op draws its randomness from (seed, op index) alone, so a run
 * replays exactly from its seed. An op that faults is abandoned by the
 * guest itself (its IDT points at recovery stubs); an op that kills the
 * vCPU (triple fault, entry failure, a sleep nothing wakes) makes the host
 * reset it, or build a new domain, and go on with the next op.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_gnt_copy.h"

#define RO_GPA		0x2000000ULL	/* right after RAM: one read-only page */
#define HOLE_GPA	0x2001000ULL	/* no slot from here to the MMIO base */
#define IOAPIC_GPA	0xfec00000ULL
#define LAPIC_GPA	0xfee00000ULL
#define WITNESS_GPA	0x1000000ULL	/* the witness's checked area: 16 MiB */
#define WITNESS_SIZE	0x400000ULL
/* Frames a Xen guest's memory_op gives back and takes again: unused RAM. */
#define BALLOON_GFN	0x1800ULL	/* 24 MiB */
#define BALLOON_GFNS	1024
/* Where a Xen guest places its grant frames (a hole past the fuzzed one). */
#define GNT_GFN		0x3800ULL	/* 56 MiB */
#define NR_VECTORS	GUEST_IDT_VECTORS
#define OPS_PER_DOMAIN	3000		/* a new domain (and flags) this often */

/*
 * Shared with the guest: the guest's copy lives in its RAM. The scratch
 * area that ops write through (string I/O, XSAVE, BTS with a bit offset)
 * has a page of slack after it, so no op reaches the bookkeeping.
 */
#define SCRATCH_SIZE	8192
static uint8_t fuzz_scratch[SCRATCH_SIZE + 4096] __attribute__((aligned(4096)));
static volatile uint64_t fuzz_cur_op;
static volatile uint64_t fuzz_flags;		/* the domain's DOMINO_DOMAIN_* */
static volatile uint64_t fuzz_line;		/* source line of the op's form */
static volatile uint64_t fuzz_arg;		/* and the value it loads, if any */
static volatile uint64_t fuzz_saved_rsp;
static volatile uint64_t fuzz_vectors[NR_VECTORS];

/* --- guest side ----------------------------------------------------- */

static inline uint64_t rnd_next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd_next(s) % n;
}

/*
 * fuzz_guarded(fn, seed, op) calls fn(seed, op) and returns 0; if fn takes
 * an exception or interrupt, the stub for its vector counts it, unwinds to
 * the saved stack and fuzz_guarded returns 1.
 */
uint64_t fuzz_guarded(void (*fn)(uint64_t, uint64_t), uint64_t seed, uint64_t op);
__asm__(
	".text\n"
	".globl fuzz_guarded\n"
	"fuzz_guarded:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rsp, fuzz_saved_rsp(%rip)\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	call *%rax\n"
	"	xor %eax, %eax\n"
	"fuzz_unwind:\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	"fuzz_recover:\n"
	"	mov fuzz_saved_rsp(%rip), %rsp\n"
	"	cld\n"
	"	lea fuzz_vectors(%rip), %rax\n"
	"	incq (%rax,%rdi,8)\n"
	"	cmp $32, %edi\n"		/* an interrupt: EOI to the local APIC */
	"	jb 1f\n"
	"	mov $0xfee000b0, %eax\n"
	"	movl $0, (%rax)\n"
	"1:\n"
	"	mov $1, %eax\n"
	"	jmp fuzz_unwind\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63\n"
	"fuzz_stub_\\v:\n"
	"	mov $\\v, %edi\n"
	"	jmp fuzz_recover\n"
	".endr\n"
	".section .rodata\n"
	".balign 8\n"
	"fuzz_stubs:\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63\n"
	"	.quad fuzz_stub_\\v\n"
	".endr\n"
	".text\n");
extern const uint64_t fuzz_stubs[NR_VECTORS];

/* An address for a memory op: each kind of place an access can land. */
static uint64_t fuzz_addr(uint64_t *s)
{
	uint64_t k = rnd_below(s, 8);

	switch (rnd_below(s, 10)) {
	case 0: return GUEST_MMIO_BASE + rnd_below(s, 0x3000);
	case 1: return GUEST_MMIO_BASE + 0x1000 - 1 - k;	/* page-crossing */
	case 2: return RO_GPA + rnd_below(s, 4096);
	case 3: return RO_GPA - 1 - k;				/* RAM -> RO */
	case 4: return HOLE_GPA - 1 - k;			/* RO -> hole */
	case 5: return HOLE_GPA + rnd_below(s, 1 << 24);
	case 6: return LAPIC_GPA + (rnd_below(s, 0x1000) & ~(rnd_below(s, 2) ? 0xfULL : 0));
	case 7: return IOAPIC_GPA + (rnd_below(s, 4) ? rnd_below(s, 2) * 0x10 : rnd_below(s, 0x1000));
	case 8: return (uintptr_t)fuzz_scratch + rnd_below(s, SCRATCH_SIZE - 64);
	default:	/* anywhere but the guest's own RAM (code, tables) */
		k = rnd_next(s) & (rnd_below(s, 2) ? 0xffffffffULL : ~0ULL);
		return k < RO_GPA ? k + RO_GPA : k;
	}
}

static void op_mmio(uint64_t *s)
{
	volatile uint8_t *p = (volatile uint8_t *)fuzz_addr(s);
	uint64_t v = rnd_next(s), r = 0;
	void *scr = fuzz_scratch + 256;

	switch (rnd_below(s, 22)) {
	case 0: fuzz_line = __LINE__; r = *p; break;
	case 1: fuzz_line = __LINE__; r = *(volatile uint16_t *)p; break;
	case 2: fuzz_line = __LINE__; r = *(volatile uint32_t *)p; break;
	case 3: fuzz_line = __LINE__; r = *(volatile uint64_t *)p; break;
	case 4: fuzz_line = __LINE__; *p = v; break;
	case 5: fuzz_line = __LINE__; *(volatile uint16_t *)p = v; break;
	case 6: fuzz_line = __LINE__; *(volatile uint32_t *)p = v; break;
	case 7: fuzz_line = __LINE__; *(volatile uint64_t *)p = v; break;
	case 8: fuzz_line = __LINE__; __asm__ volatile("addq %1, %0" : "+m"(*(uint64_t *)p) : "r"(v)); break;
	case 9: fuzz_line = __LINE__; __asm__ volatile("orl %1, %0" : "+m"(*(uint32_t *)p) : "r"((uint32_t)v)); break;
	case 10: fuzz_line = __LINE__; __asm__ volatile("xchg %0, %1" : "+m"(*(uint64_t *)p), "+r"(v)); break;
	case 11: fuzz_line = __LINE__; __asm__ volatile("lock cmpxchg %2, %0" : "+m"(*(uint64_t *)p), "+a"(r) : "r"(v)); break;
	case 12: fuzz_line = __LINE__; __asm__ volatile("movzbl %1, %k0" : "=r"(r) : "m"(*p)); break;
	case 13: fuzz_line = __LINE__; __asm__ volatile("movswq %1, %0" : "=r"(r) : "m"(*(uint16_t *)p)); break;
	case 14: fuzz_line = __LINE__; {
		uint64_t n = rnd_below(s, 16);
		void *d = (void *)p;

		__asm__ volatile("rep movsb" : "+D"(d), "+S"(scr), "+c"(n) : : "memory");
		break;
	}
	case 15: fuzz_line = __LINE__; {
		uint64_t n = rnd_below(s, 16);
		const void *src = (const void *)p;

		__asm__ volatile("rep movsb" : "+D"(scr), "+S"(src), "+c"(n) : : "memory");
		break;
	}
	case 16: fuzz_line = __LINE__; {
		uint64_t n = rnd_below(s, 4);
		void *d = (void *)p;

		__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
		break;
	}
	case 17: fuzz_line = __LINE__; __asm__ volatile("movdqu %0, %%xmm1" : : "m"(*(char (*)[16])p) : "xmm1"); break;
	case 18: fuzz_line = __LINE__; __asm__ volatile("movdqu %%xmm1, %0" : "=m"(*(char (*)[16])p) : : "xmm1"); break;
	case 19: fuzz_line = __LINE__; __asm__ volatile("pushq %0; popq %0" : "+m"(*(uint64_t *)p)); break;
	case 20: fuzz_line = __LINE__; __asm__ volatile("btsq %1, %0" : "+m"(*(uint64_t *)p) : "r"(v & 0xfff) : "cc"); break;
	default: fuzz_line = __LINE__; __asm__ volatile("cmpq %1, %0" : : "m"(*(uint64_t *)p), "r"(v) : "cc"); break;
	}
	fuzz_scratch[0] = r;
}

static uint16_t fuzz_port(uint64_t *s)
{
	static const uint16_t known[] = { 0x20, 0x21, 0x40, 0x43, 0x60, 0x61, 0x64,
		0x70, 0x71, 0x80, 0x92, 0xa0, 0xcf8, 0xcfc, 0x3f8, 0x3fd, 0x402,
		0x501, 0x510, 0x600, 0xb000, 0xcf9, 0xffff };
	uint16_t port;

	do
		port = rnd_below(s, 2) ? known[rnd_below(s, ARRAY_SIZE(known))] :
					 (uint16_t)rnd_next(s);
	while (port == UCALL_PORT);
	return port;
}

static void op_pio(uint64_t *s)
{
	uint16_t port = fuzz_port(s);
	uint32_t v = rnd_next(s);
	uint64_t n = rnd_below(s, 33);
	void *buf = fuzz_scratch + 1024 + rnd_below(s, 1024);
	bool down = rnd_below(s, 4) == 0;

	if (down)
		__asm__ volatile("std");
	switch (rnd_below(s, 12)) {
	case 0: fuzz_line = __LINE__; __asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port)); break;
	case 1: fuzz_line = __LINE__; __asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"(port)); break;
	case 2: fuzz_line = __LINE__; __asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port)); break;
	case 3: fuzz_line = __LINE__; __asm__ volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port)); break;
	case 4: fuzz_line = __LINE__; __asm__ volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port)); break;
	case 5: fuzz_line = __LINE__; __asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port)); break;
	case 6: fuzz_line = __LINE__; __asm__ volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory"); break;
	case 7: fuzz_line = __LINE__; __asm__ volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory"); break;
	case 8: fuzz_line = __LINE__; __asm__ volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "memory"); break;
	case 9: fuzz_line = __LINE__; __asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory"); break;
	case 10: fuzz_line = __LINE__; __asm__ volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory"); break;
	default: fuzz_line = __LINE__; __asm__ volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory"); break;
	}
	__asm__ volatile("cld");
	fuzz_scratch[1] = v;
}

static uint32_t fuzz_msr_index(uint64_t *s)
{
	static const uint32_t known[] = { 0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b,
		0xe7, 0xe8, 0xfe, 0x10a, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x1a0,
		0x1d9, 0x200, 0x201, 0x250, 0x277, 0x2ff, 0x480, 0x48d, 0x4d0,
		0x6e0, 0x802, 0x808, 0x80b, 0x80f, 0x830, 0x832, 0x838, 0x83e,
		0xda0, 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
		0xc0000101, 0xc0000102, 0xc0000103, 0xc0010015, 0xc0010055,
		0xc0010114, 0xc0010117, 0xc0011029, 0x4b564d00, 0x4b564d01,
		0x4b564d02, 0x4b564d03, 0x4b564d04, 0x40000000, 0x40000001 };

	switch (rnd_below(s, 6)) {
	case 0: return known[rnd_below(s, ARRAY_SIZE(known))];
	case 1: return rnd_below(s, 0x2000);
	case 2: return 0xc0000000 + rnd_below(s, 0x200);
	case 3: return 0xc0010000 + rnd_below(s, 0x1200);
	case 4: return 0x40000000 + rnd_below(s, 0x200);
	default: return rnd_next(s);
	}
}

static void op_msr(uint64_t *s)
{
	uint32_t msr = fuzz_msr_index(s);
	uint64_t v;

	switch (rnd_below(s, 4)) {
	case 0: fuzz_line = __LINE__;
		fuzz_scratch[2] = guest_rdmsr(msr);
		break;
	case 1: fuzz_line = __LINE__;		/* write back what was read: only ever legal */
		guest_wrmsr(msr, guest_rdmsr(msr));
		break;
	case 2: fuzz_line = __LINE__;		/* one bit flipped */
		v = guest_rdmsr(msr);
		guest_wrmsr(msr, v ^ (1ULL << rnd_below(s, 64)));
		break;
	default: fuzz_line = __LINE__;
		v = rnd_next(s);
		/* guest-physical addresses for the MSRs that take one */
		if (rnd_below(s, 2))
			v &= rnd_below(s, 2) ? 0x3ffffffULL : 0xffffffffffULL;
		guest_wrmsr(msr, v);
		break;
	}
}

static void op_cpuid(uint64_t *s)
{
	static const uint32_t bases[] = { 0, 0x40000000, 0x80000000, 0x8fffff00, 0xc0000000 };
	uint32_t a, b, c, d, leaf = bases[rnd_below(s, ARRAY_SIZE(bases))] + rnd_below(s, 0x30);

	if (rnd_below(s, 8) == 0)
		leaf = rnd_next(s);
	guest_cpuid(leaf, rnd_below(s, 2) ? rnd_below(s, 64) : (uint32_t)rnd_next(s),
		    &a, &b, &c, &d);
	fuzz_scratch[3] = a ^ b ^ c ^ d;
}

static void op_creg(uint64_t *s)
{
	uint64_t cr, bit = 1ULL << rnd_below(s, 64);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) dt, old;
	uint16_t sel = rnd_below(s, 2) ? rnd_below(s, 0x40) : (uint16_t)rnd_next(s);
	uint32_t lo, hi;

	switch (rnd_below(s, 16)) {
	case 0: fuzz_line = __LINE__;
		__asm__ volatile("mov %%cr0, %0" : "=r"(cr));
		fuzz_arg = cr ^ bit;
		__asm__ volatile("mov %0, %%cr0; mov %1, %%cr0" : : "r"(cr ^ bit), "r"(cr));
		break;
	case 1: fuzz_line = __LINE__;
		__asm__ volatile("mov %%cr4, %0" : "=r"(cr));
		fuzz_arg = cr ^ bit;
		__asm__ volatile("mov %0, %%cr4; mov %1, %%cr4" : : "r"(cr ^ bit), "r"(cr));
		break;
	case 2: fuzz_line = __LINE__;
		__asm__ volatile("mov %%cr3, %0" : "=r"(cr));
		if (rnd_below(s, 8) == 0)	/* tables elsewhere: likely fatal */
			cr = rnd_next(s) & 0xfffff000ULL;
		__asm__ volatile("mov %0, %%cr3" : : "r"(cr) : "memory");
		break;
	case 3: fuzz_line = __LINE__;
		__asm__ volatile("mov %0, %%cr8; mov %1, %%cr8" : : "r"(rnd_below(s, 20)), "r"(0ULL));
		break;
	case 4: fuzz_line = __LINE__;
		__asm__ volatile("mov %0, %%cr2" : : "r"(rnd_next(s)));
		break;
	case 5: fuzz_line = __LINE__;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		cr = rnd_below(s, 2) ? rnd_next(s) & 0x2ff : rnd_next(s);
		__asm__ volatile("xsetbv" : : "a"((uint32_t)cr), "d"((uint32_t)(cr >> 32)),
				 "c"(rnd_below(s, 8) ? 0 : (uint32_t)rnd_next(s)));
		__asm__ volatile("xsetbv" : : "a"(lo), "d"(hi), "c"(0));
		break;
	case 6: fuzz_line = __LINE__;
		__asm__ volatile("sidt %0" : "=m"(old));
		dt.limit = rnd_next(s);
		dt.base = rnd_next(s);
		__asm__ volatile("lidt %0; lidt %1" : : "m"(dt), "m"(old));
		break;
	case 7: fuzz_line = __LINE__;
		__asm__ volatile("sgdt %0" : "=m"(old));
		dt.limit = rnd_below(s, 0x40);
		dt.base = old.base;
		__asm__ volatile("lgdt %0; lgdt %1" : : "m"(dt), "m"(old));
		break;
	case 8: fuzz_line = __LINE__; __asm__ volatile("lldt %0" : : "r"(sel)); break;
	case 9: fuzz_line = __LINE__; __asm__ volatile("ltr %0" : : "r"(sel)); break;
	case 10: fuzz_line = __LINE__;
		__asm__ volatile("mov %0, %%ds; mov %1, %%ds" : : "r"(sel), "r"((uint16_t)0x10));
		break;
	case 11: fuzz_line = __LINE__;
		__asm__ volatile("mov %0, %%ss; mov %1, %%ss" : : "r"(sel), "r"((uint16_t)0x10));
		break;
	case 12: fuzz_line = __LINE__;
		__asm__ volatile("mov %0, %%fs; mov %1, %%fs" : : "r"(sel), "r"((uint16_t)0x10));
		break;
	case 13: fuzz_line = __LINE__;	/* a random breakpoint, armed, then disarmed */
		__asm__ volatile("mov %0, %%dr0; mov %1, %%dr7" : : "r"(fuzz_addr(s)),
				 "r"(rnd_next(s) & 0xffff03ffULL));
		__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ULL));
		break;
	case 14: fuzz_line = __LINE__;
		__asm__ volatile("mov %%dr6, %0; mov %0, %%dr6" : "=r"(cr));
		__asm__ volatile("mov %0, %%dr6" : : "r"(rnd_next(s)));
		break;
	default: fuzz_line = __LINE__;
		__asm__ volatile("lmsw %0" : : "r"((uint16_t)(rnd_next(s) | 1)));
		break;
	}
}

static void op_trap(uint64_t *s)
{
	uint64_t v = rnd_below(s, 256);

	switch (rnd_below(s, 8)) {
	case 0: fuzz_line = __LINE__; __asm__ volatile("int3"); break;
	case 1: fuzz_line = __LINE__; __asm__ volatile("ud2"); break;
	case 2: fuzz_line = __LINE__; __asm__ volatile(".byte 0xf1"); break;		/* INT1 (ICEBP) */
	case 3: fuzz_line = __LINE__; {
		uint64_t z = rnd_below(s, 2), q = 1;

		__asm__ volatile("xor %%edx, %%edx; divq %1" : "+a"(q) : "r"(z) : "rdx");
		break;
	}
	case 4: fuzz_line = __LINE__; {
		/* INT n for any n: a generated "int $n" from a table of stubs */
		const uint8_t code[3] = { 0xcd, (uint8_t)v, 0xc3 };
		uint8_t *at = fuzz_scratch + 4096;

		at[0] = code[0];
		at[1] = code[1];
		at[2] = code[2];
		((void (*)(void))at)();
		break;
	}
	case 5: fuzz_line = __LINE__;		/* popf with random flags: TF, AC, NT, IOPL */
		__asm__ volatile("pushq %0; popfq; nop; pushq $2; popfq" : : "r"(v << 8 | 2));
		break;
	case 6: fuzz_line = __LINE__;		/* iretq through a garbage frame */
		__asm__ volatile("pushq %0; pushq %1; pushq %2; pushq %3; pushq %4; iretq"
				 : : "r"(rnd_next(s) & 0xffff), "r"(rnd_next(s)),
				   "r"(rnd_next(s) & 0x3fffff), "r"(rnd_next(s) & 0xffff),
				   "r"(rnd_next(s)));
		break;
	default: fuzz_line = __LINE__;	/* a deliberate triple fault: no IDT, then #UD */
		if (rnd_below(s, 16) == 0) {
			static const struct { uint16_t l; uint64_t b; } __attribute__((packed)) none;

			__asm__ volatile("lidt %0; ud2" : : "m"(none));
		}
		break;
	}
}

/* Instructions a hypervisor intercepts, emulates or must refuse. */
static void op_insn(uint64_t *s)
{
	uint64_t a = rnd_next(s), b = rnd_next(s), c = rnd_next(s), d = rnd_next(s);
	void *p = fuzz_scratch + 2048 + (rnd_below(s, 16) << 6);

	switch (rnd_below(s, 40)) {
	case 39: {	/* grant_table_op, a grant frame placed, or an entry written */
		/* copy most often; query_size, setup_table, versions, swap, map */
		static const uint64_t cmds[] = { 5, 5, 5, 5, 6, 2, 8, 10, 11, 0 };
		struct gnt_copy *o = p;
		uint64_t *w = p, nr = 20, cmd = cmds[rnd_below(s, 10)], arg = (uintptr_t)p;
		/* At most 200 ops: their statuses stay inside the scratch area. */
		uint64_t count = rnd_below(s, 4) ? 1 + rnd_below(s, 4) :
				 rnd_below(s, 2) ? 100 + rnd_below(s, 100) : rnd_next(s) | 1ULL << 31;
		uint32_t ea, eb, domid, ed;
		unsigned int k;

		guest_cpuid(0x40000004, 0, &ea, &eb, &domid, &ed);
		switch (rnd_below(s, 4)) {
		case 0:		/* XENMEM_add_to_physmap, XENMAPSPACE_grant_table */
			nr = 12;
			cmd = 7;
			w[0] = (rnd_below(s, 8) ? 0x7ff0 : rnd_next(s) & 0xffff) | 1ULL << 32;
			w[1] = rnd_below(s, 4) ? rnd_below(s, 4) : rnd_below(s, 2) ? 60 + rnd_below(s, 8) :
			       rnd_next(s);
			w[2] = rnd_below(s, 2) ? GNT_GFN + w[1] % 4 :
			       rnd_below(s, 2) ? BALLOON_GFN + rnd_below(s, BALLOON_GFNS) : rnd_next(s);
			break;
		case 1:		/* an entry of frame 0 (MMIO if it is not placed) */
			k = rnd_below(s, 2048);
			fuzz_line = __LINE__;
			((volatile uint64_t *)(GNT_GFN << 12))[k % 512] =
				(rnd_below(s, 4) ? 1 | (rnd_below(s, 2) ? 4 : 0) : rnd_next(s) & 0xffff) |
				(uint64_t)(rnd_below(s, 4) ? domid : rnd_next(s) & 0xffff) << 16 |
				(rnd_below(s, 8) ? BALLOON_GFN + rnd_below(s, BALLOON_GFNS) : rnd_next(s)) << 32;
			cmd = 5;
			__attribute__((fallthrough));
		default:	/* arguments of each command's shape */
			for (k = 0; k < 4; k++) {
				o[k].flags = rnd_below(s, 8) ? rnd_below(s, 4) : rnd_next(s);
				o[k].src = o[k].flags & 1 ? rnd_below(s, 4) ? rnd_below(s, 2048) : rnd_next(s) :
					   rnd_below(s, 8) ? BALLOON_GFN + rnd_below(s, BALLOON_GFNS) : rnd_next(s);
				o[k].dst = o[k].flags & 2 ? rnd_below(s, 4) ? rnd_below(s, 2048) : rnd_next(s) :
					   rnd_below(s, 8) ? BALLOON_GFN + rnd_below(s, BALLOON_GFNS) : rnd_next(s);
				o[k].src_dom = rnd_below(s, 2) ? 0x7ff0 : rnd_below(s, 2) ? domid :
					       rnd_below(s, 2) ? rnd_below(s, 16) : rnd_next(s);
				o[k].dst_dom = rnd_below(s, 2) ? 0x7ff0 : rnd_below(s, 2) ? domid :
					       rnd_below(s, 2) ? rnd_below(s, 16) : rnd_next(s);
				o[k].src_off = rnd_below(s, 4) ? rnd_below(s, 4096) : rnd_next(s);
				o[k].dst_off = rnd_below(s, 4) ? rnd_below(s, 4096) : rnd_next(s);
				o[k].len = rnd_below(s, 4) ? rnd_below(s, 4097) : rnd_next(s);
			}
			if (cmd == 2) {		/* setup_table: at most 64 frames written */
				w[0] = (rnd_below(s, 4) ? 0x7ff0 : rnd_next(s) & 0xffff) |
				       rnd_below(s, 80) << 32;
				w[2] = rnd_below(s, 8) ? (uintptr_t)(w + 8) : rnd_next(s);
				count = rnd_below(s, 4) ? 1 : count;
			} else if (cmd != 5 && cmd != 11 && rnd_below(s, 2)) {
				w[0] = rnd_below(s, 2) ? 0x7ff0 : rnd_below(s, 2) ? 1 : rnd_next(s);
				count = 1;
			}
			break;
		}
		if (!rnd_below(s, 16))
			arg = a;
		fuzz_line = __LINE__;
		if (rnd_below(s, 2))
			__asm__ volatile("vmmcall" : "+a"(nr), "+D"(cmd), "+S"(arg), "+d"(count)
					 : : "memory");
		else
			__asm__ volatile("vmcall" : "+a"(nr), "+D"(cmd), "+S"(arg), "+d"(count)
					 : : "memory");
		break;
	}
	case 38: {	/* memory_op: a reservation, a memory map or a domid */
		/* decrease, populate, memory_map, current and maximum reservation */
		static const uint64_t cmds[] = { 1, 6, 9, 3, 4 };
		uint64_t *r = p, *list = (uint64_t *)((uint8_t *)p + 64);
		uint64_t nr = 12, cmd = cmds[rnd_below(s, 5)], arg = (uintptr_t)p;
		unsigned int k, n = 1 + rnd_below(s, 8);

		/* Mostly frames of the window; a frame past RAM ends the list. */
		for (k = 0; k < n; k++)
			list[k] = rnd_below(s, 8) ? BALLOON_GFN + rnd_below(s, BALLOON_GFNS - 512) :
				  rnd_next(s) | 1ULL << 20;
		list[n] = ~0ULL;
		if (cmd == 9) {
			r[0] = rnd_below(s, 4) ? rnd_below(s, 8) : rnd_next(s);
			r[1] = rnd_below(s, 4) ? (uintptr_t)list : rnd_next(s);
		} else if (cmd == 3 || cmd == 4) {
			r[0] = rnd_below(s, 4) ? 0x7ff0 : rnd_next(s);
		} else {
			r[0] = rnd_below(s, 8) ? (uintptr_t)list : rnd_next(s);
			r[1] = rnd_below(s, 8) ? n : rnd_next(s);
			r[2] = (rnd_below(s, 4) ? 0 : rnd_below(s, 2) ? 9 : rnd_next(s) & 0xff) |
			       (rnd_below(s, 4) ? 0 : rnd_next(s) << 32);
			r[3] = rnd_below(s, 8) ? 0x7ff0 : rnd_next(s) & 0xffff;
		}
		if (!rnd_below(s, 8))		/* a continuation's progress, or garbage */
			cmd |= (rnd_next(s) & 0xffff) << 6;
		if (!rnd_below(s, 16))
			arg = a;
		fuzz_line = __LINE__;
		if (rnd_below(s, 2))
			__asm__ volatile("vmmcall" : "+a"(nr), "+D"(cmd), "+S"(arg) : : "rdx", "memory");
		else
			__asm__ volatile("vmcall" : "+a"(nr), "+D"(cmd), "+S"(arg) : : "rdx", "memory");
		break;
	}
	case 36: case 37: {	/* a Xen hypercall with arguments of its shape */
		/* version, memory, hvm, sched, vcpu, event_channel, set_timer, vm_assist, console_io */
		static const uint64_t calls[] = { 17, 12, 34, 29, 24, 32, 32, 15, 21, 18 };
		uint64_t nr = rnd_below(s, 4) ? calls[rnd_below(s, 10)] : a;
		uint64_t cmd = rnd_below(s, 4) ? rnd_below(s, 32) : b;
		uint64_t arg = rnd_below(s, 4) ? (uintptr_t)p : c;
		uint64_t arg2 = rnd_below(s, 2) ? (uintptr_t)p : d;

		/* vcpu_op(cmd, vcpuid, arg): often a vCPU that exists. */
		if (nr == 24 && rnd_below(s, 2))
			arg = rnd_below(s, 3);
		/* event_channel_op: often a command that exists, on small ports. */
		if (nr == 32 && rnd_below(s, 2))
			cmd = rnd_below(s, 14);
		/* set_timer_op: often a deadline near now (it fires, VIRQ_TIMER). */
		if (nr == 15 && rnd_below(s, 2))
			cmd = rnd_below(s, 1ULL << 36);
		/* console_io(cmd, count, buffer): mostly a count that ends soon. */
		if (nr == 18 && rnd_below(s, 4))
			arg = rnd_below(s, 4096);

		if (rnd_below(s, 2))
			*(volatile uint64_t *)p = rnd_below(s, 2) ? d : d & 0xff;
		fuzz_line = __LINE__;
		if (rnd_below(s, 2))
			__asm__ volatile("vmmcall" : "+a"(nr), "+D"(cmd), "+S"(arg), "+d"(arg2) : : "memory");
		else
			__asm__ volatile("vmcall" : "+a"(nr), "+D"(cmd), "+S"(arg), "+d"(arg2) : : "memory");
		break;
	}
	case 0: fuzz_line = __LINE__; __asm__ volatile("invd"); break;
	case 1: fuzz_line = __LINE__; __asm__ volatile("wbinvd"); break;
	case 2: fuzz_line = __LINE__; __asm__ volatile("rdpmc" : "+a"(a), "=d"(d) : "c"(c)); break;
	case 3: fuzz_line = __LINE__; __asm__ volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c)); break;
	case 4: fuzz_line = __LINE__; __asm__ volatile("monitor; mwait" : : "a"(p), "c"(0), "d"(0)); break;
	case 5: fuzz_line = __LINE__;		/* now and then a sleep nothing will end */
		if (!(fuzz_flags & DOMINO_DOMAIN_IRQCHIP) || rnd_below(s, 8) == 0)
			__asm__ volatile("cli; hlt");
		break;
	case 6: fuzz_line = __LINE__; __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); break;
	case 7: fuzz_line = __LINE__; __asm__ volatile("invpcid (%0), %1" : : "r"(p), "r"(b & 7) : "memory"); break;
	case 8: fuzz_line = __LINE__; __asm__ volatile("clts"); break;
	case 9: fuzz_line = __LINE__; __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(c & 3)); break;
	case 10: fuzz_line = __LINE__; __asm__ volatile("vmmcall" : "+a"(a) : "b"(b), "c"(c), "d"(d), "S"(a), "D"(b)); break;
	case 11: fuzz_line = __LINE__; __asm__ volatile("vmcall" : "+a"(a) : "b"(b), "c"(c), "d"(d), "S"(a), "D"(b)); break;
	case 12: fuzz_line = __LINE__; __asm__ volatile("vmrun" : : "a"(a & 0xfffff000)); break;
	case 13: fuzz_line = __LINE__; __asm__ volatile("vmload" : : "a"(a & 0xfffff000)); break;
	case 14: fuzz_line = __LINE__; __asm__ volatile("vmsave" : : "a"(a & 0xfffff000) : "memory"); break;
	case 15: fuzz_line = __LINE__; __asm__ volatile("stgi; clgi; stgi"); break;
	case 16: fuzz_line = __LINE__; __asm__ volatile("skinit" : : "a"(a)); break;
	case 17: fuzz_line = __LINE__; __asm__ volatile("invlpga" : : "a"(a), "c"(c)); break;
	case 18: fuzz_line = __LINE__; __asm__ volatile("vmxon (%0)" : : "r"(p)); break;
	case 19: fuzz_line = __LINE__; __asm__ volatile("vmptrld (%0)" : : "r"(p)); break;
	case 20: fuzz_line = __LINE__; __asm__ volatile("vmread %1, %0" : "=r"(a) : "r"(b)); break;
	case 21: fuzz_line = __LINE__; __asm__ volatile("vmlaunch; vmresume; vmxoff"); break;
	case 22: fuzz_line = __LINE__; __asm__ volatile("getsec" : : "a"(a & 7)); break;
	case 23: fuzz_line = __LINE__;
		__asm__ volatile("xsave (%0)" : : "r"(p), "a"(a), "d"(d) : "memory");
		break;
	case 24: fuzz_line = __LINE__;	/* xrstor of whatever the scratch holds */
		*(volatile uint64_t *)((uint8_t *)p + 512) = rnd_below(s, 2) ? b : 0;
		*(volatile uint64_t *)((uint8_t *)p + 520) = rnd_below(s, 2) ? c : 0;
		__asm__ volatile("xrstor (%0)" : : "r"(p), "a"(a), "d"(d) : "memory");
		break;
	case 25: fuzz_line = __LINE__; __asm__ volatile("fxrstor (%0)" : : "r"(p)); break;
	case 26: fuzz_line = __LINE__; {
		uint32_t mx = rnd_below(s, 2) ? (a & 0xffff) : (uint32_t)a, def = 0x1f80;

		__asm__ volatile("ldmxcsr %0; ldmxcsr %1" : : "m"(mx), "m"(def));
		break;
	}
	case 27: fuzz_line = __LINE__; __asm__ volatile("rdrand %0" : "=r"(a) : : "cc"); break;
	case 28: fuzz_line = __LINE__; __asm__ volatile("swapgs; swapgs"); break;
	case 29: fuzz_line = __LINE__; __asm__ volatile("sysenter"); break;
	case 30: fuzz_line = __LINE__; __asm__ volatile("rsm"); break;
	case 31: fuzz_line = __LINE__; __asm__ volatile("wrpkru" : : "a"(0), "c"(0), "d"(0)); break;
	case 32: fuzz_line = __LINE__; __asm__ volatile("lar %1, %0" : "=r"(a) : "r"(b & 0xffff) : "cc"); break;
	case 33: fuzz_line = __LINE__; __asm__ volatile("verw %0" : : "r"((uint16_t)b) : "cc"); break;
	case 34: fuzz_line = __LINE__; __asm__ volatile("sti; nop; cli"); break;
	default: fuzz_line = __LINE__;
		if (fuzz_flags & DOMINO_DOMAIN_IRQCHIP) {
			volatile uint32_t *apic = (volatile uint32_t *)LAPIC_GPA;

			/* xAPIC mode, enabled, whatever earlier ops made of it */
			if ((guest_rdmsr(0x1b) & 0xc00) != 0x800) {
				guest_wrmsr(0x1b, DOMINO_LAPIC_BASE | 0x100);
				guest_wrmsr(0x1b, DOMINO_LAPIC_BASE | 0x900);
			}
			/* one-shot timer, vector 40, divide by 1 (SDM 11.5.4) */
			apic[0xf0 / 4] = 0x1ff;	/* software-enabled */
			apic[0x3e0 / 4] = 0xb;
			apic[0x320 / 4] = 40;
			apic[0x380 / 4] = 1 + rnd_below(s, 100000);
		}
		__asm__ volatile("sti; hlt; cli");
		break;
	}
	fuzz_scratch[4] = a ^ c ^ d;
}

/* The op kinds, by weight; -k picks some (a bit per kind, in this order). */
static void (*const fuzz_kinds[16])(uint64_t *) = {
	op_mmio, op_mmio, op_mmio, op_mmio, op_pio, op_pio, op_pio,
	op_msr, op_msr, op_msr, op_cpuid, op_creg, op_creg, op_trap,
	op_insn, op_insn,
};
static const uint8_t fuzz_kind_bit[16] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 4, 4, 5, 6, 6 };
static volatile uint64_t fuzz_kind_mask = ~0ULL;

static void fuzz_one(uint64_t seed, uint64_t op)
{
	uint64_t s = seed ^ (op + 1) * 0x9e3779b97f4a7c15ULL;
	unsigned int k;

	rnd_next(&s);
	k = rnd_below(&s, 16);
	if (fuzz_kind_mask & (1ULL << fuzz_kind_bit[k]))
		fuzz_kinds[k](&s);
}

static void guest_fuzz(uint64_t seed, uint64_t first, uint64_t end, uint64_t flags)
{
	uint64_t op;

	fuzz_flags = flags;
	for (op = first; op < end; op++) {
		fuzz_cur_op = op;
		fuzz_guarded(fuzz_one, seed, op);
	}
	fuzz_cur_op = end;
	GUEST_DONE();
}

/* The witness: keeps a pattern in its memory and registers, and checks. */
static void guest_witness(uint64_t magic)
{
	volatile uint64_t *w = (volatile uint64_t *)WITNESS_GPA;
	uint64_t i, round, r15, x7;

	for (i = 0; i < WITNESS_SIZE / 8; i += 512)
		w[i] = magic ^ i;
	for (round = 1;; round++) {
		__asm__ volatile("mov %2, %%r15; movq %2, %%xmm7\n"
				 "mov $20000, %%ecx\n"
				 "1: pause; dec %%ecx; jnz 1b\n"
				 "mov %%r15, %0; movq %%xmm7, %1"
				 : "=r"(r15), "=r"(x7) : "r"(magic ^ round)
				 : "rcx", "r15", "xmm7");
		for (i = 0; i < WITNESS_SIZE / 8; i += 512)
			if (w[i] != (magic ^ i))
				break;
		GUEST_SYNC2(round, (r15 == (magic ^ round) && x7 == (magic ^ round) &&
				    i >= WITNESS_SIZE / 8));
	}
}

/* --- host side ------------------------------------------------------ */

struct fuzz_stats {
	uint64_t ops, resets, domains, exits[16], triple, internal[3], fail_entry;
	uint64_t stuck, vectors[NR_VECTORS];
	uint64_t host_errors;
	/* where (source line of the op form) each kind of stop happened */
	uint16_t line_stuck[1024], line_triple[1024], line_unhandled[1024];
};

static uint64_t host_rnd = 1;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static uint8_t *ro_page;

static void fuzz_idt(struct dvm *vm)
{
	uint64_t *idt = dvm_gpa(vm, GUEST_IDT);
	unsigned int v;

	/* 64-bit interrupt gates (SDM 6.14.1) to the recovery stubs. */
	for (v = 0; v < NR_VECTORS; v++) {
		uint64_t off = fuzz_stubs[v];

		idt[v * 2] = (off & 0xffff) | 0x08ULL << 16 | 0x8eULL << 40 |
			     ((off >> 16) & 0xffff) << 48;
		idt[v * 2 + 1] = off >> 32;
	}
}

/* Put the vCPU back at the start of op @first, all its state fresh. */
static uint64_t kind_mask = ~0ULL;

static void fuzz_reset(struct dvcpu *vcpu, uint64_t seed, uint64_t first, uint64_t end,
		       uint32_t flags)
{
	struct domino_regs r;

	dvcpu_setup_long64(vcpu, (void (*)(void))guest_fuzz);
	fuzz_idt(vcpu->vm);
	/* where the host reads progress: right before the guest runs too */
	*(uint64_t *)dvm_gpa(vcpu->vm, (uintptr_t)&fuzz_cur_op) = first;
	*(uint64_t *)dvm_gpa(vcpu->vm, (uintptr_t)&fuzz_kind_mask) = kind_mask;
	dvcpu_get_regs(vcpu, &r);
	r.rdi = seed;
	r.rsi = first;
	r.rdx = end;
	r.rcx = flags;
	dvcpu_set_regs(vcpu, &r);
}

static struct dvm *fuzz_domain(uint32_t flags, struct dvcpu **vcpu)
{
	struct domino_memory_region ro = {
		.slot = 1, .flags = DOMINO_MEM_READONLY, .guest_phys_addr = RO_GPA,
		.memory_size = 4096, .userspace_addr = (uintptr_t)ro_page,
	};
	sigset_t alrm, old;
	struct dvm *vm;

	/* the library asserts success: the ticks wait (CREATE_DOMAIN's EINTR) */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &old);
	vm = dvm_create(flags);
	sigprocmask(SIG_SETMASK, &old, NULL);
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &ro) == 0, "RO slot");
	*vcpu = dvcpu_add(vm, 0);
	return vm;
}

static uint64_t guest_u64(struct dvm *vm, volatile uint64_t *var)
{
	return *(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)var);
}

/* The DOMINO_DOMAIN_* flags the guest's domain was made with. */
static uint32_t guest_flags_of(struct dvcpu *vcpu)
{
	return guest_u64(vcpu->vm, &fuzz_flags);
}

static void host_fill(uint8_t *p, uint64_t len)
{
	while (len--)
		*p++ = rnd_next(&host_rnd);
}

/* Answer what the guest asked of its VMM with random data. */
static bool fuzz_complete_exit(struct dvcpu *vcpu)
{
	struct domino_run *run = vcpu->run;
	uint64_t len;

	switch (run->exit_reason) {
	case DOMINO_EXIT_IO:
		len = (uint64_t)run->io.size * run->io.count;
		if (run->io.data_offset < sizeof(*run) ||
		    run->io.data_offset + len > DOMINO_RUN_AREA_SIZE) {
			printf("# IO exit data %llu+%llu outside the run area\n",
			       (unsigned long long)run->io.data_offset,
			       (unsigned long long)len);
			return false;
		}
		if (run->io.direction == DOMINO_IO_IN)
			host_fill((uint8_t *)run + run->io.data_offset, len);
		return true;
	case DOMINO_EXIT_MMIO:
		if (run->mmio.len < 1 || run->mmio.len > 8) {
			printf("# MMIO exit of %u bytes\n", run->mmio.len);
			return false;
		}
		if (!run->mmio.is_write)
			host_fill(run->mmio.data, sizeof(run->mmio.data));
		return true;
	case DOMINO_EXIT_MSR:
		run->msr.error = rnd_next(&host_rnd) % 3 == 0;
		if (!run->msr.is_write)
			run->msr.data = rnd_next(&host_rnd);
		return true;
	case DOMINO_EXIT_HLT:
	case DOMINO_EXIT_IRQ_WINDOW:
		return true;
	case DOMINO_EXIT_XEN_SHUTDOWN:
		/* A Xen domain's SCHEDOP_shutdown: only the reasons that stop it. */
		if (!(guest_flags_of(vcpu) & DOMINO_DOMAIN_XEN) ||
		    (run->xen_shutdown.reason != 0 && run->xen_shutdown.reason != 1 &&
		     run->xen_shutdown.reason != 3 && run->xen_shutdown.reason != 4)) {
			printf("# Xen shutdown exit, reason %u, in a domain with flags %#x\n",
			       run->xen_shutdown.reason, guest_flags_of(vcpu));
			return false;
		}
		return true;
	case DOMINO_EXIT_XEN_CONSOLE:
		/* A Xen domain's CONSOLEIO_write: its bytes inside the run area. */
		if (!(guest_flags_of(vcpu) & DOMINO_DOMAIN_XEN) || !run->xen_console.len ||
		    run->xen_console.len > DOMINO_XEN_CONSOLE_CHUNK ||
		    run->xen_console.data_offset < sizeof(*run) ||
		    run->xen_console.data_offset + run->xen_console.len > DOMINO_RUN_AREA_SIZE) {
			printf("# Xen console exit, %u bytes at %llu, in a domain with flags %#x\n",
			       run->xen_console.len,
			       (unsigned long long)run->xen_console.data_offset,
			       guest_flags_of(vcpu));
			return false;
		}
		return true;
	default:
		return false;
	}
}

struct witness {
	pthread_t thread;
	volatile bool stop;
	uint64_t rounds, bad;
	bool failed;
};

static void *witness_thread(void *arg)
{
	struct witness *w = arg;
	struct dvm *vm = dvm_create(0);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	uint64_t magic = 0x5157aa55d00d0000ULL ^ vm->domid, i;
	struct domino_regs r;
	struct ucall uc;

	pin_to_cpu(0);
	dvcpu_setup_long64(vcpu, (void (*)(void))guest_witness);
	dvcpu_get_regs(vcpu, &r);
	r.rdi = magic;
	dvcpu_set_regs(vcpu, &r);
	while (!w->stop) {
		if (ioctl(vcpu->fd, DOMINO_RUN, 0) && errno == EINTR)
			continue;
		if (dvcpu_get_ucall(vcpu, &uc) != UCALL_SYNC) {
			printf("# witness: exit %s at rip %#llx\n",
			       exit_reason_str(vcpu->run->exit_reason),
			       (unsigned long long)vcpu->run->rip);
			w->failed = true;
			break;
		}
		w->rounds = uc.args[0];
		if (!uc.args[1])
			w->bad++;
	}
	for (i = 0; i < WITNESS_SIZE / 8; i += 512)
		if (((uint64_t *)dvm_gpa(vm, WITNESS_GPA))[i] != (magic ^ i))
			w->bad++;
	dvcpu_free(vcpu);
	dvm_free(vm);
	return NULL;
}

static const uint32_t domain_flags[] = {
	0, DOMINO_DOMAIN_MSR_EXITS, DOMINO_DOMAIN_IRQCHIP,
	DOMINO_DOMAIN_IRQCHIP | DOMINO_DOMAIN_MSR_EXITS,
	DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP,
	DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP | DOMINO_DOMAIN_MSR_EXITS,
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

struct fuzzer {
	uint64_t seed, nops, op;
	uint64_t domain_op;		/* the current domain's first op */
	uint32_t flags;
	struct dvm *vm;
	struct dvcpu *vcpu;
	struct fuzz_stats st;
};

static void fuzzer_collect(struct fuzzer *f)
{
	uint64_t op = guest_u64(f->vm, &fuzz_cur_op);
	unsigned int v;

	for (v = 0; v < NR_VECTORS; v++)
		f->st.vectors[v] += guest_u64(f->vm, &fuzz_vectors[v]);
	memset(dvm_gpa(f->vm, (uintptr_t)fuzz_vectors), 0, sizeof(fuzz_vectors));
	if (op > f->st.ops)
		f->st.ops = op;
}

/*
 * The kernel log gets the seed and where each domain starts: if the
 * emulator or the host dies under a guest op, the console keeps what
 * replays it (fuzz_guest -s SEED, ops from the last domain's first).
 */
static void kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kmsg(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	ssize_t n;
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = write(fd, buf, strlen(buf));	/* best effort: a log line */
	(void)n;
	close(fd);
}

/* Go on from the op after the current one, in a new domain if @rebuild. */
static void note_line(struct fuzzer *f, uint16_t *hist)
{
	uint64_t line = guest_u64(f->vm, &fuzz_line);

	if (hist == f->st.line_unhandled)
		printf("# op %llu: line %llu, value %#llx\n",
		       (unsigned long long)guest_u64(f->vm, &fuzz_cur_op),
		       (unsigned long long)line,
		       (unsigned long long)guest_u64(f->vm, &fuzz_arg));

	if (line < 1024)
		hist[line]++;
}

static void print_lines(const char *what, const uint16_t *hist)
{
	char buf[512];
	int len = 0, i;

	for (i = 0; i < 1024; i++)
		if (hist[i] && len < (int)sizeof(buf) - 16)
			len += snprintf(buf + len, sizeof(buf) - len, " %d:%u", i, hist[i]);
	if (len)
		ktap_print_msg("%s, by fuzz_guest.c line of the op form:%s", what, buf);
}

static void fuzzer_restart(struct fuzzer *f, bool rebuild)
{
	fuzzer_collect(f);
	f->op = guest_u64(f->vm, &fuzz_cur_op) + 1;
	if (rebuild) {
		dvcpu_free(f->vcpu);
		dvm_free(f->vm);
		f->flags = domain_flags[f->st.domains % ARRAY_SIZE(domain_flags)];
		f->vm = fuzz_domain(f->flags, &f->vcpu);
		f->st.domains++;
		f->domain_op = f->op;
		kmsg("fuzz_guest: seed %#llx, domain d%u (flags %#x) from op %llu\n",
		     (unsigned long long)f->seed, f->vm->domid, f->flags,
		     (unsigned long long)f->op);
	} else {
		f->st.resets++;
	}
	if (f->op > f->nops)
		f->op = f->nops;
	fuzz_reset(f->vcpu, f->seed, f->op, f->nops, f->flags);
}

/* One DOMINO_RUN and what follows; false once the guest is done. */
static bool fuzzer_step(struct fuzzer *f, bool *stuck)
{
	struct fuzz_stats *st = &f->st;
	struct domino_run *run = f->vcpu->run;
	uint64_t op;
	struct ucall uc;
	uint32_t reason;

	if (ioctl(f->vcpu->fd, DOMINO_RUN, 0)) {
		if (errno == EINTR) {
			if (*stuck) {	/* asleep with nothing to wake it */
				st->stuck++;
				note_line(f, st->line_stuck);
				fuzzer_restart(f, false);
			}
			return true;
		}
		printf("# DOMINO_RUN failed at op %llu: %s (replay: -s %#llx)\n",
		       (unsigned long long)guest_u64(f->vm, &fuzz_cur_op), strerror(errno),
		       (unsigned long long)f->seed);
		st->host_errors++;
		fuzzer_restart(f, true);
		return true;
	}
	reason = run->exit_reason;
	op = guest_u64(f->vm, &fuzz_cur_op);
	st->exits[reason < 16 ? reason : 0]++;
	switch (dvcpu_get_ucall(f->vcpu, &uc)) {
	case UCALL_DONE:
		return false;
	case UCALL_NONE:
		break;
	default:		/* code the op scribbled on: start afresh */
		fuzzer_restart(f, true);
		return true;
	}
	switch (reason) {
	case DOMINO_EXIT_SHUTDOWN:
		st->triple++;
		note_line(f, st->line_triple);
		fuzzer_restart(f, true);
		break;
	case DOMINO_EXIT_INTERNAL_ERROR:
		st->internal[run->internal.suberror < 3 ? run->internal.suberror : 0]++;
		if (run->internal.suberror != DOMINO_INTERNAL_DECODE)
			note_line(f, st->line_unhandled);
		if (run->internal.suberror != DOMINO_INTERNAL_DECODE)
			printf("# op %llu: internal error %u data %#llx (replay: -s %#llx)\n",
			       (unsigned long long)op, run->internal.suberror,
			       (unsigned long long)run->internal.data[0],
			       (unsigned long long)f->seed);
		fuzzer_restart(f, false);
		break;
	case DOMINO_EXIT_FAIL_ENTRY:
		st->fail_entry++;
		note_line(f, st->line_unhandled);
		printf("# op %llu: entry failed, hardware reason %#llx qualification %#llx (replay: -s %#llx)\n",
		       (unsigned long long)op, (unsigned long long)run->hw.hardware_reason,
		       (unsigned long long)run->hw.qualification, (unsigned long long)f->seed);
		fuzzer_restart(f, true);
		break;
	case DOMINO_EXIT_MEMORY_FAULT:
		fuzzer_restart(f, false);
		break;
	default:
		if (!fuzz_complete_exit(f->vcpu)) {
			printf("# op %llu: exit %s (%u) the VMM cannot complete\n",
			       (unsigned long long)op, exit_reason_str(reason), reason);
			st->host_errors++;
			fuzzer_restart(f, false);
		}
		break;
	}
	return true;
}

static void print_stats(const struct fuzz_stats *st, double seconds)
{
	uint64_t exc = 0;
	char line[600];
	int len = 0;
	unsigned int v;

	for (v = 0; v < NR_VECTORS; v++) {
		exc += st->vectors[v];
		if (st->vectors[v] && len < (int)sizeof(line) - 32)
			len += snprintf(line + len, sizeof(line) - len, " %u:%llu", v,
					(unsigned long long)st->vectors[v]);
	}
	ktap_print_msg("%llu guest ops in %.0f s, %llu domains, %llu vCPU resets; %llu exceptions/interrupts taken (vector:count%s)",
		       (unsigned long long)st->ops, seconds, (unsigned long long)st->domains,
		       (unsigned long long)st->resets, (unsigned long long)exc,
		       len ? line : " none");
	ktap_print_msg("exits: io %llu mmio %llu msr %llu hlt %llu memory-fault %llu; triple faults %llu, undecodable MMIO %llu, unhandled exits %llu, stuck vCPUs %llu",
		       (unsigned long long)st->exits[DOMINO_EXIT_IO],
		       (unsigned long long)st->exits[DOMINO_EXIT_MMIO],
		       (unsigned long long)st->exits[DOMINO_EXIT_MSR],
		       (unsigned long long)st->exits[DOMINO_EXIT_HLT],
		       (unsigned long long)st->exits[DOMINO_EXIT_MEMORY_FAULT],
		       (unsigned long long)st->triple,
		       (unsigned long long)st->internal[DOMINO_INTERNAL_DECODE],
		       (unsigned long long)st->internal[DOMINO_INTERNAL_UNHANDLED_EXIT],
		       (unsigned long long)st->stuck);
	print_lines("vCPUs stuck", st->line_stuck);
	print_lines("triple faults", st->line_triple);
	print_lines("entry failures and unhandled exits", st->line_unhandled);
}

int main(int argc, char **argv)
{
	struct itimerval tick = { { 0, 50000 }, { 0, 50000 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct fuzzer f = { .nops = ~0ULL - 1 };
	struct witness w = { 0 };
	double seconds = 20, t0, last_change;
	uint64_t last_op = ~0ULL;
	long long objs0, pages0;
	sigset_t set, old;
	int opt, i;

	/* The lab passes `make fuzz`'s budget and seed in the environment. */
	if (getenv("DOMINO_FUZZ_SECONDS") && *getenv("DOMINO_FUZZ_SECONDS"))
		seconds = atof(getenv("DOMINO_FUZZ_SECONDS"));
	if (getenv("DOMINO_FUZZ_SEED") && *getenv("DOMINO_FUZZ_SEED"))
		f.seed = strtoull(getenv("DOMINO_FUZZ_SEED"), NULL, 0);
	while ((opt = getopt(argc, argv, "s:t:n:o:d:k:")) != -1) {
		switch (opt) {
		case 'k': kind_mask = strtoull(optarg, NULL, 0); break;
		case 'o': f.op = strtoull(optarg, NULL, 0); break;
		case 'd': f.flags = strtoul(optarg, NULL, 0); break;
		case 's': f.seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'n': f.nops = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-n OPS]\n", argv[0]);
			return 2;
		}
	}
	if (!f.seed)
		f.seed = ((uint64_t)time(NULL) * 2654435761ULL) ^ getpid();
	host_rnd = f.seed | 1;

	ktap_print_header();
	ktap_set_plan(4);
	ktap_print_msg("seed %#llx (replay: fuzz_guest -s %#llx -n OPS)",
		       (unsigned long long)f.seed, (unsigned long long)f.seed);
	objs0 = domino_sysfs_num("alloc_objects");
	pages0 = domino_sysfs_num("alloc_pages");

	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro_page != MAP_FAILED, "mmap");
	sigaction(SIGALRM, &sa, NULL);
	pin_to_cpu(0);
	/* The witness runs with SIGALRM blocked: the ticks are the fuzzer's. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	TEST_ASSERT(pthread_create(&w.thread, NULL, witness_thread, &w) == 0, "witness");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);

	f.vm = fuzz_domain(f.flags, &f.vcpu);
	for (i = 0; i < (int)ARRAY_SIZE(domain_flags); i++)
		if (domain_flags[i] == f.flags)
			f.st.domains = i;	/* the next domains cycle on from it */
	f.st.domains++;
	fuzz_reset(f.vcpu, f.seed, f.op, f.nops, f.flags);
	f.domain_op = f.op;
	kmsg("fuzz_guest: seed %#llx, domain d%u (flags %#x) from op %llu\n",
	     (unsigned long long)f.seed, f.vm->domid, f.flags, (unsigned long long)f.op);
	t0 = last_change = now_s();
	for (;;) {
		double t = now_s();
		uint64_t op = guest_u64(f.vm, &fuzz_cur_op);
		bool stuck;

		if (t - t0 > seconds)
			break;
		if (op != last_op) {
			last_op = op;
			last_change = t;
		}
		stuck = t - last_change > 0.25;
		if (stuck)
			last_change = t;
		if (!fuzzer_step(&f, &stuck))
			break;
		if (op - f.domain_op >= OPS_PER_DOMAIN)
			fuzzer_restart(&f, true);
	}
	fuzzer_collect(&f);
	dvcpu_free(f.vcpu);
	dvm_free(f.vm);
	setitimer(ITIMER_REAL, &(struct itimerval){ 0 }, NULL);
	w.stop = true;
	pthread_join(w.thread, NULL);

	print_stats(&f.st, now_s() - t0);
	ktap_test_result(f.st.host_errors == 0 && f.st.ops > 0,
			 "%llu ops of seed %#llx: every exit well-formed, DOMINO_RUN never failed",
			 (unsigned long long)f.st.ops, (unsigned long long)f.seed);
	ktap_test_result(f.st.fail_entry == 0 &&
			 f.st.internal[DOMINO_INTERNAL_UNHANDLED_EXIT] == 0,
			 "the guest made no entry fail (%llu) and no exit Domino leaves unhandled (%llu)",
			 (unsigned long long)f.st.fail_entry,
			 (unsigned long long)f.st.internal[DOMINO_INTERNAL_UNHANDLED_EXIT]);
	ktap_test_result(!w.failed && w.rounds > 0 && w.bad == 0,
			 "a witness domain ran %llu rounds beside it, its memory and registers intact (%llu bad)",
			 (unsigned long long)w.rounds, (unsigned long long)w.bad);
	ktap_test_result(domino_counters_back(objs0, pages0),
			 "every domain destroyed: 0 domains, objects and pages back to %lld/%lld",
			 objs0, pages0);
	munmap(ro_page, 4096);
	ktap_finished();
}
