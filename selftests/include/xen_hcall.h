/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest side: the Xen hypercall page and calls through it, alone, for
 * tests that include Xen's own public headers (which define the
 * shared_info structures xen_guest.h defines its own way).
 */
#ifndef DOMINO_SELFTEST_XEN_HCALL_H
#define DOMINO_SELFTEST_XEN_HCALL_H

#include <stdint.h>

#include "guest.h"

#define XEN_LEAF(i)		(0x40000000u + (i))
#define XEN_STUB_SIZE		32

static uint8_t xen_hcall_page[4096] __attribute__((aligned(4096)));

/* Leaf 0x40000002 names the MSR; writing the page's address fills it. */
static inline uint32_t xen_hcall_page_setup(void)
{
	uint32_t a, msr, c, d;

	guest_cpuid(XEN_LEAF(2), 0, &a, &msr, &c, &d);
	guest_wrmsr(msr, (uintptr_t)xen_hcall_page);
	return msr;
}

/* Hypercall @nr through its stub, with three arguments (the rest zero). */
static inline long xen_hcall3(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = 0;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(xen_hcall_page + nr * XEN_STUB_SIZE)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline long xen_hcall(unsigned int nr, uint64_t a1, uint64_t a2)
{
	return xen_hcall3(nr, a1, a2, 0);
}

#endif /* DOMINO_SELFTEST_XEN_HCALL_H */
