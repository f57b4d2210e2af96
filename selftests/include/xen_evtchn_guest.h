/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of the event channel selftests: Xen's shared_info and
 * vcpu_info layouts (64-bit), an upcall handler for the callback vector
 * and a per-vCPU LAPIC vector that counts upcalls and takes the upcall
 * byte and selector as a 2-level guest does, and the hypercalls as small
 * wrappers. One test binary includes this once.
 */
#ifndef DOMINO_SELFTEST_XEN_EVTCHN_GUEST_H
#define DOMINO_SELFTEST_XEN_EVTCHN_GUEST_H

#include <stdint.h>
#include <x86intrin.h>

#include "guest.h"
#include "xen_guest.h"

#define HC_SET_TIMER_OP		15
#define HC_VM_ASSIST		21
#define HC_VCPU_OP		24
#define HC_MEMORY_OP		12
#define HC_SCHED_OP		29
#define HC_EVTCHN_OP		32
#define HC_HVM_OP		34

#define EVTCHNOP_bind_interdomain	0
#define EVTCHNOP_bind_virq	1
#define EVTCHNOP_close		3
#define EVTCHNOP_send		4
#define EVTCHNOP_status		5
#define EVTCHNOP_alloc_unbound	6
#define EVTCHNOP_bind_ipi	7
#define EVTCHNOP_unmask		9
#define EVTCHNOP_reset		10
#define EVTCHNOP_init_control	11
#define EVTCHNOP_expand_array	12
#define EVTCHNOP_set_priority	13
#define EVTCHNSTAT_closed	0
#define EVTCHNSTAT_unbound	1
#define EVTCHNSTAT_interdomain	2

#define VCPUOP_register_runstate_memory_area	5
#define VCPUOP_set_singleshot_timer	8
#define VCPUOP_stop_singleshot_timer	9
#define VCPU_SSHOTTMR_future	1
#define SCHEDOP_block		1
#define SCHEDOP_poll		3
#define XENMEM_add_to_physmap	7
#define HVMOP_set_param		0
#define HVMOP_set_evtchn_upcall_vector	23
#define VIRQ_TIMER		0
#define VIRQ_CONSOLE		2
#define VMASST_TYPE_runstate_update_flag	5
#define DOMID_SELF		0x7ff0

#define XEN_EPERM		1
#define XEN_ENOENT		2
#define XEN_ESRCH		3
#define XEN_EFAULT		14
#define XEN_EEXIST		17
#define XEN_EINVAL		22
#define XEN_ENOSPC		28
#define XEN_ENOSYS		38
#define XEN_ETIME		62

#define VEC_CALLBACK		0x3e
#define VEC_PERCPU		0x3d
#define MS			1000000ULL

/* Two results in one word: each as its low 32 bits. */
#define PACK2(a, b)		((uint64_t)(uint32_t)(a) | (uint64_t)(uint32_t)(b) << 32)


/* The 64-bit layout of include/xen/interface/vcpu.h. */
struct runstate {
	int32_t state;
	uint64_t entry_time;
	uint64_t time[4];
};

struct fifo_control {
	uint32_t ready, rsvd;		/* cppcheck-suppress unusedStructMember */
	uint32_t head[16];
};

static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));

#define SHINFO	((volatile struct shared_info *)shinfo_page)
#define VCPU0	(&SHINFO->vcpu_info[0])


static volatile uint64_t upcalls, last_vector;

/*
 * An upcall: count it, take the event byte and the selector word as a
 * 2-level guest does (ports stay pending for the test to see), and EOI
 * a LAPIC vector.
 */
void upcall_handler(uint64_t vector);
void upcall_handler(uint64_t vector)
{
	upcalls++;
	last_vector = vector;
	VCPU0->upcall_pending = 0;
	__atomic_exchange_n(&VCPU0->pending_sel, 0, __ATOMIC_SEQ_CST);
	if (vector == VEC_PERCPU)
		*(volatile uint32_t *)(uintptr_t)(DOMINO_LAPIC_BASE + 0xb0) = 0;
}

/* RSP is 16-aligned before the 40-byte frame: +8 vector +72 registers +8. */
__asm__(".pushsection .text\n"
	"upcall_stub_cb:\n\t"
	"pushq $0x3e\n\t"
	"jmp upcall_common\n"
	"upcall_stub_apic:\n\t"
	"pushq $0x3d\n"
	"upcall_common:\n\t"
	"push %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"
	"push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\t"
	"movq 72(%rsp), %rdi\n\t"
	"subq $8, %rsp\n\t"
	"call upcall_handler\n\t"
	"addq $8, %rsp\n\t"
	"pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\tpop %rdi\n\t"
	"pop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n\t"
	"addq $8, %rsp\n\t"
	"iretq\n"
	".popsection");
extern const char upcall_stub_cb[], upcall_stub_apic[];

static inline void idt_set(unsigned int vec, const void *fn)
{
	volatile uint64_t *idt = (volatile uint64_t *)(uintptr_t)GUEST_IDT;
	uint64_t off = (uintptr_t)fn;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[vec * 2] = (off & 0xffff) | (uint64_t)cs << 16 | 0x8eULL << 40 |
		       ((off >> 16) & 0xffff) << 48;
	idt[vec * 2 + 1] = off >> 32;
}

/* A window for a pending interrupt: STI's shadow ends after the NOP. */
static inline void irq_window(void)
{
	__asm__ volatile("sti; nop; nop; cli" : : : "memory");
}

static inline uint64_t xen_now(void)
{
	return xen_time_read(&VCPU0->time);
}

static inline long evtchn(unsigned int cmd, void *arg)
{
	return xen_hcall(HC_EVTCHN_OP, cmd, (uintptr_t)arg);
}

/* Returns the port, or the (negative) error. */
static inline long bind_ipi(uint32_t vcpu)
{
	uint32_t a[2] = { vcpu, 0 };
	long r = evtchn(EVTCHNOP_bind_ipi, a);

	return r ? r : a[1];
}

static inline long bind_virq(uint32_t virq, uint32_t vcpu)
{
	uint32_t a[3] = { virq, vcpu, 0 };
	long r = evtchn(EVTCHNOP_bind_virq, a);

	return r ? r : a[2];
}

static inline long port_op(unsigned int cmd, uint32_t port)
{
	return evtchn(cmd, &port);
}

static inline long alloc_unbound(uint16_t dom, uint16_t remote)
{
	struct { uint16_t dom, remote; uint32_t port; } a = { dom, remote, 0 };
	long r = evtchn(EVTCHNOP_alloc_unbound, &a);

	return r ? r : a.port;
}

static inline long bind_interdomain(uint16_t remote, uint32_t port)
{
	struct { uint16_t remote, pad; uint32_t rport, lport; } a = { remote, 0, port, 0 };
	long r = evtchn(EVTCHNOP_bind_interdomain, &a);

	return r ? r : a.lport;
}

/* Status: (status << 32 | u's first word), or the error. */
static inline long status(uint16_t dom, uint32_t port, uint32_t *u1)
{
	struct { uint16_t dom, pad; uint32_t port, status, vcpu, u[2]; } a = {
		dom, 0, port, 0, 0, { 0, 0 } };
	long r = evtchn(EVTCHNOP_status, &a);

	if (u1)
		*u1 = a.u[1];
	return r ? r : (long)a.status << 32 | a.u[0];
}

static inline long singleshot(uint64_t deadline, uint32_t flags)
{
	struct { uint64_t t; uint32_t flags, pad; } a = { deadline, flags, 0 };

	return xen_hcall3(HC_VCPU_OP, VCPUOP_set_singleshot_timer, 0, (uintptr_t)&a);
}

static inline long poll1(uint32_t port, uint64_t timeout)
{
	uint32_t ports[1] = { port };
	struct { uint64_t ports; uint32_t nr, pad; uint64_t timeout; } a = {
		(uintptr_t)ports, 1, 0, timeout };

	return xen_hcall(HC_SCHED_OP, SCHEDOP_poll, (uintptr_t)&a);
}

static inline int bit(const volatile uint64_t *map, uint32_t b)
{
	return !!(map[b / 64] & (1ULL << (b % 64)));
}

static inline void bit_set(volatile uint64_t *map, uint32_t b, int on)
{
	if (on)
		__atomic_or_fetch(&map[b / 64], 1ULL << (b % 64), __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&map[b / 64], ~(1ULL << (b % 64)), __ATOMIC_SEQ_CST);
}

static inline void clear_port(uint32_t p)
{
	bit_set(SHINFO->evtchn_pending, p, 0);
	VCPU0->pending_sel = 0;
}

static inline void xen_setup(void)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, 0, 0, (uintptr_t)shinfo_page >> 12 };
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } p = {
		DOMID_SELF, 0, 0, 2ULL << 56 | VEC_CALLBACK };

	xen_hcall_page_setup();
	GUEST_ASSERT(!xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m));
	idt_set(VEC_CALLBACK, upcall_stub_cb);
	idt_set(VEC_PERCPU, upcall_stub_apic);
	GUEST_ASSERT(!xen_hcall(HC_HVM_OP, HVMOP_set_param, (uintptr_t)&p));
}

/* Sleep in HLT until @port is pending; guest ns slept. */
static inline uint64_t hlt_until(uint32_t port)
{
	uint64_t t0 = xen_now();

	while (!bit(SHINFO->evtchn_pending, port))
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	/* Raised while IF was clear: its upcall is owed, take it. */
	irq_window();
	return xen_now() - t0;
}

#endif /* DOMINO_SELFTEST_XEN_EVTCHN_GUEST_H */
