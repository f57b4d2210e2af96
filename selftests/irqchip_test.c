// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip of a DOMINO_DOMAIN_IRQCHIP domain, seen from the
 * guest and from the VMM: the CPUID it announces, the API rules around
 * it, the local APIC (xAPIC and x2APIC registers, one-shot and
 * TSC-deadline timer, self IPIs, the error status register), the I/O APIC
 * driven through DOMINO_IRQ_LINE (edge and level), INIT/SIPI bring-up of
 * a second vCPU, and the KVM-ABI paravirtual clock.
 *
 * Interrupts land in the library's stubs, which report UCALL_EXCEPTION
 * with the vector and never return: each scenario gets a fresh domain and
 * ends with the interrupt it expects. Every run that waits for an
 * interrupt runs on a thread with a deadline, so a lost interrupt fails
 * its check instead of hanging the program.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "domino_util.h"
#include "guest.h"

/* Generous: the lab's emulators are slow. */
#define WAIT_S			30

/* xAPIC register offsets (SDM vol. 3A table 10-1). */
#define APIC_ID			0x020
#define APIC_SVR		0x0f0
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0

#define APIC_SVR_ENABLE		0x100
#define APIC_ICR_SELF		(1U << 18)	/* destination shorthand 01b */
#define APIC_ESR_SEND_ILLEGAL	(1U << 5)
#define LVTT_TSC_DEADLINE	(2U << 17)

#define MSR_IA32_TSC		0x10
#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_ID		0x802
#define MSR_X2APIC_VERSION	0x803
#define MSR_X2APIC_LDR		0x80d
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_EN		(1ULL << 11)

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

/* I/O APIC registers behind IOREGSEL/IOWIN (82093AA datasheet 3.2). */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REDIR_LO(n)	(0x10 + 2 * (n))
#define IOAPIC_REDIR_HI(n)	(0x11 + 2 * (n))
#define RTE_REMOTE_IRR		(1U << 14)
#define RTE_LEVEL		(1U << 15)

#define VEC_TIMER		40
#define VEC_DEADLINE		41
#define VEC_SELF_IPI		42
#define VEC_IOAPIC_EDGE		43
#define VEC_IOAPIC_LEVEL	44
#define PIN_EDGE		5
#define PIN_LEVEL		6
#define ONESHOT_COUNT		2000000U	/* 2 ms at the 1 GHz bus clock */

/* ---- guest side ---- */

/*
 * Register accesses as single MOV instructions, so the module's MMIO
 * decoder sees exactly one 32-bit access (SDM 10.4.1: the registers are
 * 32 bits wide and 16-byte aligned).
 */
static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline uint32_t apic_read(uint32_t off)
{
	return mmio_read32(DOMINO_LAPIC_BASE + off);
}

static inline void apic_write(uint32_t off, uint32_t v)
{
	mmio_write32(DOMINO_LAPIC_BASE + off, v);
}

static inline uint32_t ioapic_read(uint32_t reg)
{
	mmio_write32(DOMINO_IOAPIC_BASE + IOAPIC_REGSEL, reg);
	return mmio_read32(DOMINO_IOAPIC_BASE + IOAPIC_WIN);
}

static inline void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(DOMINO_IOAPIC_BASE + IOAPIC_REGSEL, reg);
	mmio_write32(DOMINO_IOAPIC_BASE + IOAPIC_WIN, v);
}

/* SDM 10.4.7.1: the spurious vector register's bit 8 software-enables. */
static void guest_apic_enable(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/* Where the guest stands right after its HLT: an interrupt that woke it. */
extern const char guest_after_hlt[];

/*
 * Wait for the interrupt with IF set. STI's shadow covers the HLT (SDM
 * 6.8.3), so an interrupt already pending is taken at the HLT; one that
 * arrives while halted is taken after it (SDM vol. 2A HLT).
 */
static void __attribute__((noinline, noreturn)) guest_halt_loop(void)
{
	for (;;)
		__asm__ volatile("sti; hlt\n\t"
				 ".globl guest_after_hlt\n"
				 "guest_after_hlt:\n\t"
				 "cli" : : : "memory");
}

/* What the guest saw arming the timer, for the host to judge. */
static volatile uint32_t guest_tmcct;
static volatile uint64_t guest_tsc_elapsed;

static void guest_oneshot_timer(void)
{
	uint64_t t0;

	guest_apic_enable();
	/* SDM 10.5.4: divide by 1 (0xb), one-shot, then the count arms it. */
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, VEC_TIMER);
	t0 = __rdtsc();
	apic_write(APIC_TMICT, ONESHOT_COUNT);
	guest_tmcct = apic_read(APIC_TMCCT);
	guest_tsc_elapsed = __rdtsc() - t0;
	guest_halt_loop();
}

static void guest_x2apic(void)
{
	uint64_t base = guest_rdmsr(MSR_APIC_BASE);

	/* SDM 10.12.1: EXTD with EN set switches to x2APIC mode. */
	guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	guest_ucall(UCALL_SYNC, guest_rdmsr(MSR_X2APIC_ID),
		    guest_rdmsr(MSR_X2APIC_VERSION), guest_rdmsr(MSR_X2APIC_LDR),
		    guest_rdmsr(MSR_APIC_BASE));
	/* SDM 10.12.1.2: the x2APIC LDR is read-only, a WRMSR raises #GP. */
	guest_wrmsr(MSR_X2APIC_LDR, 2);
	GUEST_DONE();
}

static void guest_tsc_deadline(void)
{
	uint64_t far;

	guest_apic_enable();
	/* SDM 10.5.4.1: LVT timer mode 10b arms the timer through the MSR. */
	apic_write(APIC_LVTT, VEC_DEADLINE | LVTT_TSC_DEADLINE);
	far = __rdtsc() + (1ULL << 40);
	guest_wrmsr(MSR_TSC_DEADLINE, far);
	guest_ucall(UCALL_SYNC, far, guest_rdmsr(MSR_TSC_DEADLINE),
		    apic_read(APIC_LVTT), 0);
	/* The near deadline replaces the far one. */
	guest_wrmsr(MSR_TSC_DEADLINE, __rdtsc() + 1000000);
	guest_halt_loop();
}

static void guest_self_ipi(void)
{
	uint32_t esr;

	guest_apic_enable();
	/* SDM 10.5.3: write the ESR to clear errors before sending. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	/* Vector 5 is illegal for a fixed IPI: not sent, "send illegal" set. */
	apic_write(APIC_ICR, APIC_ICR_SELF | 5);
	/* A write latches the errors so far into the readable ESR. */
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	GUEST_SYNC2(esr, apic_read(APIC_IRR));
	/* Nothing may be pending: a window with IF set takes nothing. */
	__asm__ volatile("sti; nop; nop; cli" : : : "memory");
	apic_write(APIC_ICR, APIC_ICR_SELF | VEC_SELF_IPI);
	guest_halt_loop();
}

static void guest_ioapic_edge(void)
{
	guest_apic_enable();
	/* Destination first, then the low half, which unmasks the pin. */
	ioapic_write(IOAPIC_REDIR_HI(PIN_EDGE), 0);	/* APIC id 0 */
	ioapic_write(IOAPIC_REDIR_LO(PIN_EDGE), VEC_IOAPIC_EDGE); /* fixed, phys, edge */
	guest_ucall(UCALL_SYNC, ioapic_read(IOAPIC_REG_VERSION),
		    ioapic_read(IOAPIC_REDIR_LO(PIN_EDGE)),
		    ioapic_read(IOAPIC_REDIR_HI(PIN_EDGE)), 0);
	guest_halt_loop();
}

static void guest_ioapic_level(void)
{
	guest_apic_enable();
	ioapic_write(IOAPIC_REDIR_HI(PIN_LEVEL), 0);
	ioapic_write(IOAPIC_REDIR_LO(PIN_LEVEL), VEC_IOAPIC_LEVEL | RTE_LEVEL);
	GUEST_SYNC(1);
	/*
	 * The VMM raised the line: the message is in the IRR with its TMR
	 * bit (SDM 10.8.4) and the pin's remote IRR waits for the EOI.
	 */
	guest_ucall(UCALL_SYNC, ioapic_read(IOAPIC_REDIR_LO(PIN_LEVEL)),
		    apic_read(APIC_IRR + 0x10 * (VEC_IOAPIC_LEVEL / 32)),
		    apic_read(APIC_TMR + 0x10 * (VEC_IOAPIC_LEVEL / 32)), 0);
	guest_halt_loop();
}

/* SDM 8.4.4.1: INIT, INIT de-assert, then two start-up IPIs to APIC 1. */
static void guest_start_ap(void)
{
	static const uint32_t icr[] = {
		0xc500,		/* INIT, level triggered, assert */
		0x8500,		/* INIT level de-assert */
		0x4608,		/* start-up, vector 08h: 0800:0000 */
		0x4608,
	};
	unsigned int i;

	guest_apic_enable();
	for (i = 0; i < ARRAY_SIZE(icr); i++) {
		apic_write(APIC_ICR2, 1U << 24);
		apic_write(APIC_ICR, icr[i]);
	}
	GUEST_DONE();
}

/* KVM's struct pvclock_vcpu_time_info (Documentation/virt/kvm/x86/msr.rst). */
struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed, aligned(32)));

struct pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed, aligned(4)));

static struct pvclock_time guest_pvti;
static struct pvclock_wall guest_wall;

static void guest_pvclock(void)
{
	volatile struct pvclock_time *t = &guest_pvti;
	volatile struct pvclock_wall *w = &guest_wall;

	uint64_t t1, msr, t2;

	/* SDM 17.17: RDTSC and RDMSR of IA32_TSC read the same counter. */
	t1 = __rdtsc();
	msr = guest_rdmsr(MSR_IA32_TSC);
	t2 = __rdtsc();
	guest_ucall(UCALL_SYNC, t1, msr, t2, 0);

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uintptr_t)&guest_pvti | 1);
	guest_ucall(UCALL_SYNC, t->version, t->tsc_to_system_mul,
		    (uint64_t)(int64_t)t->tsc_shift, t->system_time);
	/* tsc_timestamp is a reading of this vCPU's TSC: now is later. */
	guest_ucall(UCALL_SYNC, t->tsc_timestamp, __rdtsc(), 0, 0);
	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uintptr_t)&guest_wall);
	guest_ucall(UCALL_SYNC, w->version, w->sec, w->nsec, 0);
	GUEST_DONE();
}

/* ---- host side ---- */

/* One DOMINO_RUN sequence on its own thread, up to a ucall or other exit. */
struct vrun {
	struct dvcpu *vcpu;
	pthread_t thread;
	bool joined;
	int err;		/* errno of a failed DOMINO_RUN, else 0 */
	uint32_t reason;	/* the exit that ended it */
	unsigned int hlt_exits;	/* HLT exits seen (and resumed) on the way */
	uint64_t cmd;		/* ucall, or UCALL_NONE */
	struct ucall uc;
	double secs;		/* wall time of the whole sequence */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *vrun_thread(void *arg)
{
	struct vrun *r = arg;
	double t0 = now_s();

	for (;;) {
		if (ioctl(r->vcpu->fd, DOMINO_RUN, 0)) {
			r->err = errno;
			break;
		}
		r->reason = r->vcpu->run->exit_reason;
		/* An IRQCHIP domain halts in the kernel: count, do not fail here. */
		if (r->reason == DOMINO_EXIT_HLT) {
			r->hlt_exits++;
			continue;
		}
		r->cmd = dvcpu_get_ucall(r->vcpu, &r->uc);
		break;
	}
	r->secs = now_s() - t0;
	return NULL;
}

static void vrun_start(struct vrun *r, struct dvcpu *vcpu)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	TEST_ASSERT(!pthread_create(&r->thread, NULL, vrun_thread, r), "thread");
}

static bool vrun_join_within(struct vrun *r, double secs)
{
	struct timespec ts;
	long ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = ts.tv_nsec + (long)((secs - (long)secs) * 1e9);
	ts.tv_sec += (long)secs + ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	if (pthread_timedjoin_np(r->thread, NULL, &ts))
		return false;
	r->joined = true;
	return true;
}

/*
 * Wait up to @secs for the run to end. Past that, signal the thread out
 * of DOMINO_RUN (it returns EINTR) and report false.
 */
static bool vrun_wait(struct vrun *r, double secs)
{
	if (vrun_join_within(r, secs))
		return true;
	ktap_print_msg("vCPU %u still inside DOMINO_RUN after %.1f s: interrupting it",
		       r->vcpu->id, secs);
	while (!r->joined) {
		pthread_kill(r->thread, SIGUSR1);
		vrun_join_within(r, 0.1);
	}
	return false;
}

static const char *guest_str(struct dvm *vm, const char *gva)
{
	uint64_t a = (uintptr_t)gva;

	return a && a < vm->mem_size ? (const char *)vm->mem + a : "?";
}

/* Say what the run ended with, for a failing check. */
static void vrun_describe(struct vrun *r)
{
	struct domino_run *run = r->vcpu->run;

	if (r->err) {
		ktap_print_msg("DOMINO_RUN failed: %s", strerror(r->err));
		return;
	}
	switch (r->cmd) {
	case UCALL_NONE:
		ktap_print_msg("exit %s (%u) at rip %#llx, hw %#llx/%#llx",
			       exit_reason_str(r->reason), r->reason,
			       (unsigned long long)run->rip,
			       (unsigned long long)run->hw.hardware_reason,
			       (unsigned long long)run->hw.qualification);
		break;
	case UCALL_ASSERT:
		ktap_print_msg("guest assertion '%s' failed at %s:%llu",
			       guest_str(r->vcpu->vm, r->uc.msg),
			       guest_str(r->vcpu->vm, r->uc.file),
			       (unsigned long long)r->uc.line);
		break;
	case UCALL_EXCEPTION:
		ktap_print_msg("guest took vector %llu (error %#llx) at rip %#llx",
			       (unsigned long long)r->uc.args[0],
			       (unsigned long long)r->uc.args[1],
			       (unsigned long long)r->uc.args[2]);
		break;
	default:
		ktap_print_msg("ucall %llu [%#llx %#llx %#llx %#llx]",
			       (unsigned long long)r->cmd,
			       (unsigned long long)r->uc.args[0],
			       (unsigned long long)r->uc.args[1],
			       (unsigned long long)r->uc.args[2],
			       (unsigned long long)r->uc.args[3]);
		break;
	}
	if (r->hlt_exits)
		ktap_print_msg("%u DOMINO_EXIT_HLT exits reached userspace", r->hlt_exits);
}

/* Run to the next ucall, with a deadline; true if it is @cmd. */
static bool run_expect(struct dvcpu *vcpu, uint64_t cmd, struct vrun *r)
{
	vrun_start(r, vcpu);
	if (!vrun_wait(r, WAIT_S) || r->err || r->cmd != cmd || r->hlt_exits) {
		vrun_describe(r);
		return false;
	}
	return true;
}

/* Run on until the guest takes @vector (and never exited for HLT). */
static bool run_expect_vector(struct dvcpu *vcpu, unsigned int vector,
			      struct vrun *r)
{
	if (!run_expect(vcpu, UCALL_EXCEPTION, r))
		return false;
	if (r->uc.args[0] != vector) {
		vrun_describe(r);
		return false;
	}
	return true;
}

static struct dvm *irqchip_vm(struct dvcpu **vcpu, void (*guest)(void))
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);

	*vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(*vcpu, guest);
	return vm;
}

static void vm_done(struct dvm *vm, struct dvcpu *vcpu)
{
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static const struct domino_cpuid_entry *
cpuid_find(const struct domino_cpuid_entry *e, uint32_t nr, uint32_t function)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (e[i].function == function && e[i].index == 0)
			return &e[i];
	return NULL;
}

static void test_cpuid(void)
{
	static struct domino_cpuid_entry e[DOMINO_MAX_CPUID_ENTRIES];
	static const char sig[12] = "KVMKVMKVM\0\0\0";
	uint32_t flags[2] = { DOMINO_DOMAIN_IRQCHIP, 0 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct domino_cpuid c = { .nr = DOMINO_MAX_CPUID_ENTRIES,
					  .entries = (uintptr_t)e };
		const struct domino_cpuid_entry *l1, *h0, *h1;
		struct dvm *vm = dvm_create(flags[i]);
		struct dvcpu *vcpu = dvcpu_add(vm, 0);
		bool x2apic, deadline, ok;
		char got[12];

		TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_CPUID, &c) == 0, "GET_CPUID");
		l1 = cpuid_find(e, c.nr, 1);
		h0 = cpuid_find(e, c.nr, 0x40000000);
		h1 = cpuid_find(e, c.nr, 0x40000001);
		TEST_ASSERT(l1, "no leaf 1 in the policy");
		x2apic = l1->ecx & (1U << 21);
		deadline = l1->ecx & (1U << 24);
		if (h0) {
			memcpy(got, &h0->ebx, 4);
			memcpy(got + 4, &h0->ecx, 4);
			memcpy(got + 8, &h0->edx, 4);
		}
		if (flags[i]) {
			ok = x2apic && deadline && h0 && h1 &&
			     !memcmp(got, sig, sizeof(sig)) &&
			     h0->eax >= 0x40000001 &&
			     (h1->eax & (1U << 3)) && (h1->eax & (1U << 24));
			if (!ok)
				ktap_print_msg("leaf 1 ecx %#x; 0x40000000 %s eax %#x; 0x40000001 %s eax %#x",
					       l1->ecx, h0 ? "present" : "absent",
					       h0 ? h0->eax : 0, h1 ? "present" : "absent",
					       h1 ? h1->eax : 0);
			ktap_test_result(ok, "IRQCHIP CPUID: x2APIC, TSC-deadline, KVM signature, clocksource2 + stable bits");
		} else {
			ok = !x2apic && !deadline && !h0 && !h1;
			if (!ok)
				ktap_print_msg("leaf 1 ecx %#x; 0x40000000 %s; 0x40000001 %s",
					       l1->ecx, h0 ? "present" : "absent",
					       h1 ? "present" : "absent");
			ktap_test_result(ok, "a domain without IRQCHIP announces none of them");
		}
		vm_done(vm, vcpu);
	}
}

static void test_api_rules(void)
{
	struct domino_event ev = { .type = DOMINO_EVENT_INTERRUPT, .vector = 48 };
	struct domino_irq_line line = { .gsi = 1, .level = 1 };
	struct dvcpu *vcpu;
	struct dvm *vm;
	bool ok;

	vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL),
			 "INJECT_EVENT of an interrupt with an in-kernel APIC -> EINVAL");
	ok = ioctl(vm->dom, DOMINO_IRQ_LINE, &line) == 0;
	if (!ok)
		ktap_print_msg("IRQ_LINE gsi 1 level 1: %s", strerror(errno));
	line.gsi = DOMINO_IOAPIC_PINS;
	ok &= ioctl_fails_with(vm->dom, DOMINO_IRQ_LINE, &line, EINVAL);
	line.gsi = 1;
	line.level = 2;
	ok &= ioctl_fails_with(vm->dom, DOMINO_IRQ_LINE, &line, EINVAL);
	line.level = 0;
	line.reserved = 1;
	ok &= ioctl_fails_with(vm->dom, DOMINO_IRQ_LINE, &line, EINVAL);
	vm_done(vm, vcpu);

	vm = dvm_create(0);
	line.reserved = 0;
	ok &= ioctl_fails_with(vm->dom, DOMINO_IRQ_LINE, &line, ENXIO);
	dvm_free(vm);
	ktap_test_result(ok, "IRQ_LINE: gsi >= %d, level 2, reserved -> EINVAL; no irqchip -> ENXIO",
			 DOMINO_IOAPIC_PINS);
}

static void test_oneshot_timer(uint64_t host_khz)
{
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_oneshot_timer);
	bool ok = run_expect_vector(vcpu, VEC_TIMER, &r);
	uint32_t ccr = *(uint32_t *)dvm_gpa(vm, (uintptr_t)&guest_tmcct);
	uint64_t tsc = *(uint64_t *)dvm_gpa(vm, (uintptr_t)&guest_tsc_elapsed);
	uint64_t ns = host_khz ? tsc * 1000000 / host_khz : 0;

	ktap_print_msg("one-shot timer of %u ns: current count %u read %llu ns after arming; the run took %.2f ms; taken %s",
		       ONESHOT_COUNT, ccr, (unsigned long long)ns, r.secs * 1e3,
		       r.uc.args[2] == (uintptr_t)guest_after_hlt ?
		       "after waking from HLT" : "at the HLT (already pending)");
	/*
	 * SDM 10.5.4: the count runs down from the initial count. It may
	 * only read 0 if the period really was over (slow emulators).
	 */
	if (ccr >= ONESHOT_COUNT || (!ccr && ns < ONESHOT_COUNT)) {
		ktap_print_msg("current count %u is not between 0 and %u exclusive",
			       ccr, ONESHOT_COUNT);
		ok = false;
	}
	ktap_test_result(ok, "xAPIC one-shot timer: counting down, vector %d, no HLT exit",
			 VEC_TIMER);
	vm_done(vm, vcpu);
}

static void test_x2apic(void)
{
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_x2apic);
	bool ok = run_expect(vcpu, UCALL_SYNC, &r);

	if (ok) {
		ktap_print_msg("x2APIC id %#llx version %#llx LDR %#llx APIC_BASE %#llx",
			       (unsigned long long)r.uc.args[0],
			       (unsigned long long)r.uc.args[1],
			       (unsigned long long)r.uc.args[2],
			       (unsigned long long)r.uc.args[3]);
		/* SDM 10.12.10.2: LDR of id 0 is cluster 0, member bit 0. */
		ok = r.uc.args[0] == 0 && (r.uc.args[1] & 0xff) == 0x14 &&
		     r.uc.args[2] == 1 &&
		     (r.uc.args[3] & (APIC_BASE_EXTD | APIC_BASE_EN)) ==
		     (APIC_BASE_EXTD | APIC_BASE_EN);
	}
	ktap_test_result(ok, "x2APIC mode: id 0, version 0x14, LDR 1 through MSRs");
	ktap_test_result(run_expect_vector(vcpu, 13, &r),
			 "x2APIC: WRMSR to the read-only LDR raises #GP");
	vm_done(vm, vcpu);
}

static void test_tsc_deadline(void)
{
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_tsc_deadline);
	bool ok = run_expect(vcpu, UCALL_SYNC, &r);

	if (ok && (r.uc.args[1] != r.uc.args[0] ||
		   (r.uc.args[2] & ((3U << 17) | 0xff)) != (LVTT_TSC_DEADLINE | VEC_DEADLINE))) {
		ktap_print_msg("wrote deadline %#llx, read back %#llx; LVT timer %#llx",
			       (unsigned long long)r.uc.args[0],
			       (unsigned long long)r.uc.args[1],
			       (unsigned long long)r.uc.args[2]);
		ok = false;
	}
	ktap_test_result(ok, "TSC-deadline mode: IA32_TSC_DEADLINE reads back the armed deadline");
	ok = run_expect_vector(vcpu, VEC_DEADLINE, &r);
	ktap_print_msg("deadline 1M TSC cycles ahead: the run took %.2f ms", r.secs * 1e3);
	ktap_test_result(ok, "TSC-deadline timer: vector %d wakes the halted guest",
			 VEC_DEADLINE);
	vm_done(vm, vcpu);
}

static void test_self_ipi(void)
{
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_self_ipi);
	bool ok = run_expect(vcpu, UCALL_SYNC, &r);

	if (ok && !(r.uc.args[0] & APIC_ESR_SEND_ILLEGAL)) {
		ktap_print_msg("ESR %#llx after a fixed self IPI with vector 5 (IRR 0-31 %#llx)",
			       (unsigned long long)r.uc.args[0],
			       (unsigned long long)r.uc.args[1]);
		ok = false;
	}
	ktap_test_result(ok, "an IPI with illegal vector 5 sets the ESR's send-illegal bit");
	ktap_test_result(run_expect_vector(vcpu, VEC_SELF_IPI, &r),
			 "self IPI through the ICR (shorthand self): vector %d, nothing before it",
			 VEC_SELF_IPI);
	vm_done(vm, vcpu);
}

static void test_ioapic(void)
{
	struct domino_irq_line line = { .gsi = PIN_EDGE, .level = 1 };
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_ioapic_edge);
	bool ok = run_expect(vcpu, UCALL_SYNC, &r);

	if (ok && ((r.uc.args[0] & 0xff) != 0x11 ||
		   ((r.uc.args[0] >> 16) & 0xff) != DOMINO_IOAPIC_PINS - 1 ||
		   r.uc.args[1] != VEC_IOAPIC_EDGE || r.uc.args[2] != 0)) {
		ktap_print_msg("I/O APIC version %#llx, pin %d entry %#llx:%#llx",
			       (unsigned long long)r.uc.args[0], PIN_EDGE,
			       (unsigned long long)r.uc.args[2],
			       (unsigned long long)r.uc.args[1]);
		ok = false;
	}
	ktap_test_result(ok, "I/O APIC: version 0x11, %d pins, redirection entry reads back",
			 DOMINO_IOAPIC_PINS);

	/* Raise the pin while the guest sleeps in HLT: the line must wake it. */
	vrun_start(&r, vcpu);
	usleep(100 * 1000);
	ok = ioctl(vm->dom, DOMINO_IRQ_LINE, &line) == 0;
	if (!ok)
		ktap_print_msg("IRQ_LINE gsi %d: %s", PIN_EDGE, strerror(errno));
	if (!vrun_wait(&r, WAIT_S) || r.err || r.cmd != UCALL_EXCEPTION ||
	    r.uc.args[0] != VEC_IOAPIC_EDGE || r.hlt_exits) {
		vrun_describe(&r);
		ok = false;
	}
	ktap_test_result(ok, "I/O APIC edge pin %d raised by the VMM wakes the guest with vector %d",
			 PIN_EDGE, VEC_IOAPIC_EDGE);
	vm_done(vm, vcpu);

	vm = irqchip_vm(&vcpu, guest_ioapic_level);
	line.gsi = PIN_LEVEL;
	ok = run_expect(vcpu, UCALL_SYNC, &r);
	if (ok && ioctl(vm->dom, DOMINO_IRQ_LINE, &line)) {
		ktap_print_msg("IRQ_LINE gsi %d: %s", PIN_LEVEL, strerror(errno));
		ok = false;
	}
	if (ok && run_expect(vcpu, UCALL_SYNC, &r)) {
		uint32_t bit = 1U << (VEC_IOAPIC_LEVEL % 32);

		if (!(r.uc.args[0] & RTE_REMOTE_IRR) || !(r.uc.args[1] & bit) ||
		    !(r.uc.args[2] & bit)) {
			ktap_print_msg("pin %d entry %#llx (remote IRR %s), IRR %#llx, TMR %#llx",
				       PIN_LEVEL, (unsigned long long)r.uc.args[0],
				       r.uc.args[0] & RTE_REMOTE_IRR ? "set" : "clear",
				       (unsigned long long)r.uc.args[1],
				       (unsigned long long)r.uc.args[2]);
			ok = false;
		}
	} else {
		ok = false;
	}
	ok = ok && run_expect_vector(vcpu, VEC_IOAPIC_LEVEL, &r);
	ktap_test_result(ok, "I/O APIC level pin %d: remote IRR and TMR set, vector %d taken",
			 PIN_LEVEL, VEC_IOAPIC_LEVEL);
	vm_done(vm, vcpu);
}

/* Real mode at 0800:0000: mov $0x5a, %al; out %al, $0x80; 1: jmp 1b */
static const uint8_t ap_blob[] = { 0xb0, 0x5a, 0xe6, 0x80, 0xeb, 0xfe };

static void test_init_sipi(void)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *bsp = dvcpu_add(vm, 0), *ap = dvcpu_add(vm, 1);
	struct domino_run *run = ap->run;
	struct domino_sregs s;
	struct vrun rb, ra;
	bool ok, waited;

	memcpy(dvm_gpa(vm, GUEST_LOW_CODE), ap_blob, sizeof(ap_blob));
	dvcpu_setup_long64(bsp, guest_start_ap);

	/* SDM 8.4.1: an AP waits for INIT/SIPI; it does not run before. */
	run->immediate_exit = 1;
	ok = ioctl_fails_with(ap->fd, DOMINO_RUN, NULL, EINTR);
	run->immediate_exit = 0;
	vrun_start(&ra, ap);
	waited = !vrun_join_within(&ra, 0.5);
	if (!waited) {
		ktap_print_msg("vCPU 1 returned from DOMINO_RUN before any SIPI");
		vrun_describe(&ra);
		ok = false;
	}
	ktap_test_result(ok, "vCPU 1 waits for SIPI inside DOMINO_RUN (immediate_exit -> EINTR)");

	if (!waited)
		vrun_start(&ra, ap);
	if (!run_expect(bsp, UCALL_DONE, &rb)) {
		ktap_print_msg("vCPU 0 did not finish sending INIT/SIPI");
		ok = false;
	}
	if (!vrun_wait(&ra, WAIT_S) || ra.err || ra.reason != DOMINO_EXIT_IO ||
	    run->io.port != 0x80 || run->io.direction != DOMINO_IO_OUT ||
	    run->io.size != 1 || *((uint8_t *)run + run->io.data_offset) != 0x5a) {
		vrun_describe(&ra);
		if (!ra.err && ra.reason == DOMINO_EXIT_IO)
			ktap_print_msg("port %#x dir %u size %u value %#x",
				       run->io.port, run->io.direction, run->io.size,
				       *((uint8_t *)run + run->io.data_offset));
		ok = false;
	} else {
		dvcpu_get_sregs(ap, &s);
		/*
		 * SDM 9.1.1 table 9-1 and 8.4.4.1: CS = VV00h, base VV000h,
		 * an accessed read/execute code segment; data segments
		 * read/write. Both are code/data (S=1), never system ones.
		 * After the guest ran, a VMX implementation may report a
		 * real-mode CS as read/write data (type 3), which VM entry
		 * accepts with unrestricted guest (SDM 26.3.1.2).
		 */
		if (s.cs.selector != 0x0800 || s.cs.base != 0x8000 ||
		    !s.cs.s || !s.cs.present ||
		    ((s.cs.type & 0xa) != 0xa && s.cs.type != 3) ||
		    !s.ss.s || !s.ds.s) {
			ktap_print_msg("vCPU 1 CS %#x base %#llx type %#x S %u P %u; SS S %u; DS S %u",
				       s.cs.selector, (unsigned long long)s.cs.base,
				       s.cs.type, s.cs.s, s.cs.present, s.ss.s, s.ds.s);
			ok = false;
		}
	}
	ktap_test_result(ok, "INIT + SIPI vector 08h start vCPU 1 in real mode at 0800:0000");
	dvcpu_free(ap);
	dvcpu_free(bsp);
	dvm_free(vm);
}

/*
 * The same bring-up with all the messages latched before the AP's thread
 * looks at them: the VMM enters DOMINO_RUN on vCPU 1 only once the BSP is
 * done, as a loaded host that is slow to schedule that thread does. The
 * INIT must still be followed by the SIPIs sent after it (SDM 8.4.4.1:
 * an AP in wait-for-SIPI state honours the start-up IPI).
 */
static void test_init_sipi_latched(void)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *bsp = dvcpu_add(vm, 0), *ap = dvcpu_add(vm, 1);
	struct domino_run *run = ap->run;
	struct vrun rb, ra;
	bool ok;

	memcpy(dvm_gpa(vm, GUEST_LOW_CODE), ap_blob, sizeof(ap_blob));
	dvcpu_setup_long64(bsp, guest_start_ap);
	ok = run_expect(bsp, UCALL_DONE, &rb);
	if (!ok)
		ktap_print_msg("vCPU 0 did not finish sending INIT/SIPI");
	vrun_start(&ra, ap);
	if (!vrun_wait(&ra, WAIT_S) || ra.err || ra.reason != DOMINO_EXIT_IO ||
	    run->io.port != 0x80) {
		vrun_describe(&ra);
		ok = false;
	}
	ktap_test_result(ok, "INIT, de-assert and both SIPIs pending before vCPU 1 first runs: it starts");
	dvcpu_free(ap);
	dvcpu_free(bsp);
	dvm_free(vm);
}

/*
 * The host's TSC rate in kHz against CLOCK_MONOTONIC: the median of five
 * 20 ms windows, so that one preemption on a loaded host does not skew it.
 */
static uint64_t host_tsc_khz(void)
{
	uint64_t khz[5];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(khz); i++) {
		double t0 = now_s();
		uint64_t c0 = __rdtsc(), c1;

		usleep(20 * 1000);
		c1 = __rdtsc();
		khz[i] = (uint64_t)((c1 - c0) / (now_s() - t0) / 1000);
		for (j = i; j > 0 && khz[j - 1] > khz[j]; j--) {
			uint64_t t = khz[j];

			khz[j] = khz[j - 1];
			khz[j - 1] = t;
		}
	}
	return khz[ARRAY_SIZE(khz) / 2];
}

static void test_pvclock(uint64_t host_khz)
{
	struct dvcpu *vcpu;
	struct vrun r;
	struct dvm *vm = irqchip_vm(&vcpu, guest_pvclock);
	time_t now;
	bool ok;

	ok = run_expect(vcpu, UCALL_SYNC, &r);
	if (ok && !(r.uc.args[0] <= r.uc.args[1] && r.uc.args[1] <= r.uc.args[2])) {
		ktap_print_msg("RDTSC %#llx, then RDMSR(IA32_TSC) %#llx, then RDTSC %#llx",
			       (unsigned long long)r.uc.args[0],
			       (unsigned long long)r.uc.args[1],
			       (unsigned long long)r.uc.args[2]);
		ok = false;
	}
	ktap_test_result(ok, "guest TSC: RDTSC and RDMSR(IA32_TSC) read the same counter");

	ok = run_expect(vcpu, UCALL_SYNC, &r);
	if (ok) {
		uint32_t version = r.uc.args[0], mul = r.uc.args[1];
		int shift = (int8_t)r.uc.args[2];
		uint64_t khz = 0;

		/* ns = ((tsc << shift) * mul) >> 32, so kHz = 10^6 * 2^32 / mul / 2^shift. */
		if (mul) {
			khz = (1000000ULL << 32) / mul;
			khz = shift < 0 ? khz << -shift : khz >> shift;
		}
		ktap_print_msg("pvclock version %u mul %#x shift %d: %llu kHz; host TSC %llu kHz; system time %llu ns",
			       version, mul, shift, (unsigned long long)khz,
			       (unsigned long long)host_khz,
			       (unsigned long long)r.uc.args[3]);
		ok = version && !(version & 1) && mul &&
		     khz * 10 >= host_khz * 9 && khz * 10 <= host_khz * 11 &&
		     r.uc.args[3] < 600ULL * 1000000000ULL;
	}
	/* The guest's next report comes whatever the verdict so far. */
	if (run_expect(vcpu, UCALL_SYNC, &r)) {
		int64_t ahead = r.uc.args[1] - r.uc.args[0];

		/* Generous: up to 30 s of emulated time between the two. */
		if (ahead < 0 || (uint64_t)ahead > host_khz * 1000 * 30) {
			ktap_print_msg("tsc_timestamp %#llx but the guest's RDTSC reads %#llx after it",
				       (unsigned long long)r.uc.args[0],
				       (unsigned long long)r.uc.args[1]);
			ok = false;
		}
	} else {
		ok = false;
	}
	ktap_test_result(ok, "pvclock system time: even version, TSC rate within 10%% of the host's, guest's TSC timebase");

	ok = run_expect(vcpu, UCALL_SYNC, &r);
	now = time(NULL);
	if (ok) {
		ktap_print_msg("wall clock version %llu: boot at %llu.%09llu, now %llu",
			       (unsigned long long)r.uc.args[0],
			       (unsigned long long)r.uc.args[1],
			       (unsigned long long)r.uc.args[2],
			       (unsigned long long)now);
		ok = r.uc.args[0] && !(r.uc.args[0] & 1) &&
		     (time_t)r.uc.args[1] <= now && (time_t)r.uc.args[1] >= now - 600 &&
		     r.uc.args[2] < 1000000000ULL;
	}
	ok = ok && run_expect(vcpu, UCALL_DONE, &r);
	ktap_test_result(ok, "pvclock wall clock: the domain's boot time, within 10 minutes of now");
	vm_done(vm, vcpu);
}

static void sigusr1(int sig)
{
	(void)sig;
}

int main(void)
{
	struct domino_create_domain probe = { .flags = DOMINO_DOMAIN_IRQCHIP };
	struct sigaction sa = { .sa_handler = sigusr1 };
	uint64_t host_khz;
	int dev, dom;

	ktap_print_header();
	/* No SA_RESTART: the signal ends a DOMINO_RUN that waits too long. */
	sigaction(SIGUSR1, &sa, NULL);
	dev = domino_open_dev();
	/* The UAPI declares the flag: refusing it is a failure, not a skip. */
	dom = domino_domain_create_raw(dev, &probe);
	TEST_ASSERT(dom >= 0, "DOMINO_CREATE_DOMAIN with IRQCHIP");
	close(dom);
	close(dev);

	ktap_set_plan(20);
	host_khz = host_tsc_khz();
	test_cpuid();
	test_api_rules();
	test_oneshot_timer(host_khz);
	test_x2apic();
	test_tsc_deadline();
	test_self_ipi();
	test_ioapic();
	test_init_sipi();
	test_init_sipi_latched();
	test_pvclock(host_khz);
	ktap_finished();
}
