/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the Xen-domain selftests (DOMINO_DOMAIN_XEN): the
 * hypercall page Domino fills, and hypercalls through it with Xen's
 * 64-bit convention (RDI, RSI, RDX, R10, R8; result in RAX). One test
 * binary includes this once, so the page is its own.
 */
#ifndef DOMINO_SELFTEST_XEN_GUEST_H
#define DOMINO_SELFTEST_XEN_GUEST_H

#include <stdint.h>
#include <x86intrin.h>

#include "guest.h"

#include "xen_hcall.h"
#include "xen_gnt_copy.h"

/*
 * Hypercall @nr through its stub from 32-bit code (compatibility mode):
 * a far return into the 32-bit code segment (0x18), the call (the stub's
 * ret pops 4 bytes there), a far jump back. Arguments in EBX, ECX, EDX
 * (Xen's 32-bit convention); *@ebx is EBX as the call left it (a
 * continuation's progress).
 */
static inline long xen_hcall32(unsigned int nr, uint32_t *ebx, uint32_t ecx,
			       uint32_t edx)
{
	uint32_t stub = (uint32_t)(uintptr_t)(xen_hcall_page + nr * XEN_STUB_SIZE);
	uint64_t ret;

	__asm__ volatile("pushq $0x18\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n\t"
			 ".code32\n"
			 "1:\tcall *%%esi\n\t"
			 "ljmp $0x08, $2f\n\t"
			 ".code64\n"
			 "2:"
			 : "=&a"(ret), "+b"(*ebx), "+c"(ecx), "+d"(edx), "+S"(stub)
			 : : "rdi", "memory");
	return (int32_t)ret;
}

/* The 64-bit layouts of include/xen/interface/xen.h. */
struct time_info {
	uint32_t version, pad0;		/* cppcheck-suppress unusedStructMember */
	uint64_t tsc_timestamp, system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags, pad[2];		/* cppcheck-suppress unusedStructMember */
};

struct vcpu_info {
	uint8_t upcall_pending, upcall_mask;
	uint64_t pending_sel;
	uint64_t cr2, pad;		/* cppcheck-suppress unusedStructMember */
	struct time_info time;
};

struct shared_info {
	struct vcpu_info vcpu_info[32];
	uint64_t evtchn_pending[64], evtchn_mask[64];
	uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;	/* cppcheck-suppress unusedStructMember */
};

/* Xen system time in ns, as Linux's pvclock_clocksource_read() does. */
static inline uint64_t xen_time_read(const volatile struct time_info *t)
{
	uint32_t v;
	uint64_t ns;

	do {
		uint64_t delta;

		v = t->version;
		__asm__ volatile("" ::: "memory");
		delta = __rdtsc() - t->tsc_timestamp;
		if (t->shift < 0)
			delta >>= -t->shift;
		else
			delta <<= t->shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((v & 1) || v != t->version);
	return ns;
}

#endif /* DOMINO_SELFTEST_XEN_GUEST_H */
