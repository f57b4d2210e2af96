// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement tool, not a test: exit costs in the manner of kvm-unit-tests'
 * vmexit, on Domino and on KVM, with the same real-mode guest code in the
 * same L1 boot. Each workload is a loop of N iterations; the cost of one
 * iteration is read with the host's TSC (under QEMU's -icount shift=0 it
 * counts L1 instructions, lab-notes.md) and with CLOCK_MONOTONIC.
 * evtchn-ping-pong is the exception: N round trips between two guests in
 * two processes (see its section below).
 *
 *   bench_exits domino|kvm [N [WORKLOAD]]
 *
 * prints one line per workload:
 *   bench exit WORKLOAD HV tsc=T ns=NS n=N [the workload's own counts]
 *   bench exit WORKLOAD HV none "why"      (what that hypervisor lacks)
 *
 * A workload whose own check fails exits 1 with no bench line: hlt-wake
 * (the lab's no-lost-wake-up check, hlt_check()), the hypercalls (every
 * result is the one the ABI promises) and the ping-pong (every round trip
 * answered once).
 */
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

/*
 * Real-mode guest code at CODE_GPA, DS = SS = 0, ESI = iterations. Every
 * workload ends with OUT to DONE_PORT; the I/O workload's own port is
 * LOOP_PORT. The irqchip workloads switch the local APIC to x2APIC mode
 * and take their interrupts through the real-mode IVT.
 */
#define CODE_GPA	0x1000
#define STACK_TOP	0x7000
#define MEM_SIZE	0x80000		/* RAM below; MMIO_GPA has none */
#define MMIO_GPA	0x90000
#define LOOP_PORT	0x80
#define DONE_PORT	0xf4
#define IPI_VECTOR	0x40
#define TIMER_VECTOR	0x41
/*
 * The KVM ping-pong: each guest's "send" is an OUT to PP_PORT (an
 * ioeventfd), its "event" the interrupt at PP_VECTOR that the other's
 * eventfd raises through an irqfd on PP_GSI, an MSI route to the LAPIC.
 */
#define PP_PORT		0xe0
#define PP_VECTOR	0x42
#define PP_GSI		24
/* The one-shot timer of the HLT workload: 10 us at the 1 GHz bus both use. */
#define TIMER_COUNT	10000
/*
 * hlt-wake's counters in guest memory (DS = 0), below the code: the
 * handler's runs, and the rounds whose HLT did not end with exactly one.
 */
#define HLT_HANDLED	0x500
#define HLT_BAD		0x504
/* The hypercall loops: results other than EDI, and the last such result. */
#define HC_BAD		0x508
#define HC_LAST		0x50c
/* The KVM ping-pong guests: interrupts taken (each one an event). */
#define PP_GOT		0x510
#define STR(x)		#x
#define XSTR(x)		STR(x)

#define X2APIC_SETUP							\
	"	mov $0x1b, %ecx\n"	/* IA32_APIC_BASE: EN | EXTD */	\
	"	rdmsr\n"							\
	"	or $0xc00, %eax\n"						\
	"	wrmsr\n"							\
	"	mov $0x80f, %ecx\n"	/* spurious vector register: on */	\
	"	mov $0x1ff, %eax\n"						\
	"	xor %edx, %edx\n"						\
	"	wrmsr\n"

#define EOI_HANDLER(name)						\
	#name ":\n"							\
	"	push %eax\n"							\
	"	push %ecx\n"							\
	"	push %edx\n"							\
	"	mov $0x80b, %ecx\n"	/* x2APIC EOI */			\
	"	xor %eax, %eax\n"						\
	"	xor %edx, %edx\n"						\
	"	wrmsr\n"							\
	"	pop %edx\n"							\
	"	pop %ecx\n"							\
	"	pop %eax\n"							\
	"	iret\n"

extern const char w_cpuid[], w_cpuid_end[], w_vmmcall[], w_vmmcall_end[],
	w_vmcall[], w_vmcall_end[], w_pio_kernel[], w_pio_kernel_end[],
	w_pio_user[], w_pio_user_end[], w_mmio_user[], w_mmio_user_end[],
	w_self_ipi[], w_self_ipi_end[], w_hlt_wake[], w_hlt_wake_end[],
	w_self_ipi_handler[], w_hlt_wake_handler[], w_pp_a[], w_pp_a_handler[],
	w_pp_a_end[], w_pp_b[], w_pp_b_handler[], w_pp_b_end[];

__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"w_cpuid:\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_cpuid_end:\n"
	/*
	 * A hypercall answered in the kernel: number EBP, EBX = ECX = 0 (with
	 * Xen's 32-bit convention xen_version's cmd XENVER_version and arg),
	 * the result checked against EDI; a round with another result is
	 * counted at HC_BAD, the result kept at HC_LAST.
	 */
	"w_vmmcall:\n"
	"1:	mov %ebp, %eax\n"
	"	xor %ebx, %ebx\n"
	"	xor %ecx, %ecx\n"
	"	vmmcall\n"
	"	cmp %edi, %eax\n"
	"	je 2f\n"
	"	incl " XSTR(HC_BAD) "\n"
	"	mov %eax, " XSTR(HC_LAST) "\n"
	"2:	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_vmmcall_end:\n"
	"w_vmcall:\n"
	"1:	mov %ebp, %eax\n"
	"	xor %ebx, %ebx\n"
	"	xor %ecx, %ecx\n"
	"	vmcall\n"
	"	cmp %edi, %eax\n"
	"	je 2f\n"
	"	incl " XSTR(HC_BAD) "\n"
	"	mov %eax, " XSTR(HC_LAST) "\n"
	"2:	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_vmcall_end:\n"
	/* The PIC's mask register, a device the kernel emulates. */
	"w_pio_kernel:\n"
	"1:	in $0x21, %al\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_pio_kernel_end:\n"
	"w_pio_user:\n"
	"1:	out %al, $0x80\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_pio_user_end:\n"
	"w_mmio_user:\n"
	"	mov $0x9000, %ax\n"
	"	mov %ax, %es\n"
	"1:	movb %al, %es:0\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_mmio_user_end:\n"
	/* Send an IPI to itself, take it, EOI it. */
	"w_self_ipi:\n"
	X2APIC_SETUP
	"	sti\n"
	"1:	mov $0x83f, %ecx\n"	/* x2APIC SELF IPI */
	"	mov $0x40, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	cli\n"
	"	out %al, $0xf4\n"
	EOI_HANDLER(w_self_ipi_handler)
	"w_self_ipi_end:\n"
	/*
	 * Arm a one-shot timer of EDI bus ticks, halt, wake on its interrupt,
	 * EOI it. Interrupts are on only for `sti; hlt`, so the handler runs
	 * exactly once a round unless the HLT ended without the interrupt (it
	 * never slept) or an interrupt came twice; such rounds are counted.
	 * Before the end, interrupts are opened once more: an extra one still
	 * pending then is counted too.
	 */
	"w_hlt_wake:\n"
	X2APIC_SETUP
	"	mov $0x83e, %ecx\n"	/* divide by 1 */
	"	mov $0xb, %eax\n"
	"	wrmsr\n"
	"	mov $0x832, %ecx\n"	/* LVT timer: one-shot, vector 0x41 */
	"	mov $0x41, %eax\n"
	"	wrmsr\n"
	"1:	mov " XSTR(HLT_HANDLED) ", %ebx\n"
	"	mov $0x838, %ecx\n"	/* initial count */
	"	mov %edi, %eax\n"
	"	wrmsr\n"
	"	sti\n"
	"	hlt\n"
	"	cli\n"
	"	mov " XSTR(HLT_HANDLED) ", %eax\n"
	"	sub %ebx, %eax\n"
	"	cmp $1, %eax\n"
	"	je 2f\n"
	"	incl " XSTR(HLT_BAD) "\n"
	"2:	dec %esi\n"
	"	jnz 1b\n"
	"	sti\n"
	"	nop\n"
	"	cli\n"
	"	out %al, $0xf4\n"
	"w_hlt_wake_handler:\n"
	"	incl " XSTR(HLT_HANDLED) "\n"
	"	push %eax\n"
	"	push %ecx\n"
	"	push %edx\n"
	"	mov $0x80b, %ecx\n"	/* x2APIC EOI */
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %edx\n"
	"	pop %ecx\n"
	"	pop %eax\n"
	"	iret\n"
	"w_hlt_wake_end:\n"
	/*
	 * evtchn-ping-pong's KVM anchor. A: EDI warm-up rounds, an exit to
	 * LOOP_PORT (the host's clock starts), ESI timed rounds, the end. A
	 * round sends (OUT to PP_PORT: B's interrupt), then halts until the
	 * handler has taken the answer (PP_GOT grew).
	 */
	"w_pp_a:\n"
	X2APIC_SETUP
	"1:	call 3f\n"
	"	dec %edi\n"
	"	jnz 1b\n"
	"	out %al, $" XSTR(LOOP_PORT) "\n"
	"2:	call 3f\n"
	"	dec %esi\n"
	"	jnz 2b\n"
	"	out %al, $0xf4\n"
	"3:	mov " XSTR(PP_GOT) ", %ebx\n"
	"	inc %ebx\n"
	"	out %al, $" XSTR(PP_PORT) "\n"
	"4:	sti\n"
	"	hlt\n"
	"	cli\n"
	"	cmp " XSTR(PP_GOT) ", %ebx\n"
	"	ja 4b\n"
	"	ret\n"
	"w_pp_a_handler:\n"
	"	incl " XSTR(PP_GOT) "\n"
	"	push %eax\n"
	"	push %ecx\n"
	"	push %edx\n"
	"	mov $0x80b, %ecx\n"	/* x2APIC EOI */
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %edx\n"
	"	pop %ecx\n"
	"	pop %eax\n"
	"	iret\n"
	"w_pp_a_end:\n"
	/*
	 * B: ready (an exit to LOOP_PORT once its LAPIC takes interrupts),
	 * then halt until ESI events came; the handler answers each at once.
	 */
	"w_pp_b:\n"
	X2APIC_SETUP
	"	out %al, $" XSTR(LOOP_PORT) "\n"
	"1:	sti\n"
	"	hlt\n"
	"	cli\n"
	"	cmp " XSTR(PP_GOT) ", %esi\n"
	"	ja 1b\n"
	"	out %al, $0xf4\n"
	"w_pp_b_handler:\n"
	"	incl " XSTR(PP_GOT) "\n"
	"	out %al, $" XSTR(PP_PORT) "\n"
	"	push %eax\n"
	"	push %ecx\n"
	"	push %edx\n"
	"	mov $0x80b, %ecx\n"	/* x2APIC EOI */
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %edx\n"
	"	pop %ecx\n"
	"	pop %eax\n"
	"	iret\n"
	"w_pp_b_end:\n"
	".code64\n"
	".popsection\n");

struct hv;

struct workload {
	const char *name;
	const char *start, *end;
	const char *handler;		/* IVT entry for the irqchip ones */
	uint8_t vector;
	bool irqchip;			/* needs the in-kernel APIC */
	bool xen;			/* Domino's side is a Xen domain */
	bool hlt_counts;		/* hlt-wake: check its counters */
	/* The hypercalls: their number and the result to expect, per side. */
	void (*hypercall)(struct hv *h);
	/* Not a loop of exits: measures itself (evtchn-ping-pong). */
	void (*own)(bool kvm, uint32_t n);
	const char *domino_lacks;	/* Domino has no such path yet */
};

struct hv {
	const char *name;
	bool kvm;
	int vm, vcpu;
	uint8_t *mem;
	void *run_area;
	/*
	 * The loop's parameters: EDI is hlt-wake's timer in bus ticks, a
	 * hypercall's expected result, the ping-pong's warm-up rounds; EBP
	 * a hypercall's number.
	 */
	uint32_t edi, ebp;
	bool (*run)(struct hv *h);	/* true: the loop's own exit, false: done */
	void (*reset)(struct hv *h, uint32_t n);
};

/* Xen's public xen.h and version.h. */
#define XEN_HC_XEN_VERSION	17
#define XEN_CPUID_VERSION	0x40000001

/*
 * What the guest's xen_version(XENVER_version) must return: the version
 * that Domino's CPUID leaf 0x40000001 shows this vCPU (major << 16 |
 * minor, the same word on Xen).
 */
static uint32_t domino_xen_version_leaf(struct hv *h)
{
	static struct domino_cpuid_entry e[DOMINO_MAX_CPUID_ENTRIES];
	struct domino_cpuid c = { .nr = DOMINO_MAX_CPUID_ENTRIES,
				  .entries = (uintptr_t)e };
	uint32_t i;

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_GET_CPUID, &c) == 0, "DOMINO_GET_CPUID");
	for (i = 0; i < c.nr; i++)
		if (e[i].function == XEN_CPUID_VERSION)
			return e[i].eax;
	TEST_ASSERT(false, "a Xen domain without CPUID leaf %#x", XEN_CPUID_VERSION);
	return 0;
}

/*
 * An unknown number: both kernels answer it with their ENOSYS (KVM's
 * -KVM_ENOSYS, Xen's -ENOSYS, whose value is Linux's).
 */
static void hc_unknown(struct hv *h)
{
	h->ebp = 0x7fff;
	h->edi = h->kvm ? -KVM_ENOSYS : -ENOSYS;
}

/*
 * A hypercall that succeeds with a value, answered in the kernel: on
 * Domino Xen's xen_version(XENVER_version); on KVM KVM_HC_VAPIC_POLL_IRQ,
 * KVM's one hypercall that does nothing but return (0), so that neither
 * side pays for more than the call (docs/performance.md).
 */
static void hc_value(struct hv *h)
{
	h->ebp = h->kvm ? KVM_HC_VAPIC_POLL_IRQ : XEN_HC_XEN_VERSION;
	h->edi = h->kvm ? 0 : domino_xen_version_leaf(h);
}

static void pingpong(bool kvm, uint32_t n);

static const struct workload workloads[] = {
	{ .name = "cpuid", .start = w_cpuid, .end = w_cpuid_end },
	{ .name = "hypercall", .start = w_vmmcall, .end = w_vmmcall_end,
	  .irqchip = true, .xen = true, .hypercall = hc_unknown },
	{ .name = "xen-version", .start = w_vmmcall, .end = w_vmmcall_end,
	  .irqchip = true, .xen = true, .hypercall = hc_value },
	{ .name = "pio-kernel", .start = w_pio_kernel, .end = w_pio_kernel_end,
	  .irqchip = true,
	  .domino_lacks = "no port device is emulated in the kernel yet" },
	{ .name = "pio-user", .start = w_pio_user, .end = w_pio_user_end },
	{ .name = "mmio-user", .start = w_mmio_user, .end = w_mmio_user_end },
	{ .name = "self-ipi", .start = w_self_ipi, .end = w_self_ipi_end,
	  .handler = w_self_ipi_handler, .vector = IPI_VECTOR, .irqchip = true },
	{ .name = "hlt-wake", .start = w_hlt_wake, .end = w_hlt_wake_end,
	  .handler = w_hlt_wake_handler, .vector = TIMER_VECTOR, .irqchip = true,
	  .hlt_counts = true },
	{ .name = "evtchn-ping-pong", .own = pingpong },
};

static bool is_vmx(void)
{
	uint32_t a, b, c, d;

	host_cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 5);
}

static bool domino_run(struct hv *h)
{
	struct domino_run *run = h->run_area;

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_RUN, 0) == 0, "DOMINO_RUN");
	if (run->exit_reason == DOMINO_EXIT_IO) {
		if (run->io.port == DONE_PORT)
			return false;
		TEST_ASSERT(run->io.port == LOOP_PORT, "port %#x", run->io.port);
		return true;
	}
	TEST_ASSERT(run->exit_reason == DOMINO_EXIT_MMIO, "exit %u", run->exit_reason);
	TEST_ASSERT(run->mmio.phys_addr == MMIO_GPA, "mmio at %#llx",
		    (unsigned long long)run->mmio.phys_addr);
	return true;
}

static void domino_reset(struct hv *h, uint32_t n)
{
	struct domino_sregs s;
	struct domino_regs r = { .rip = CODE_GPA, .rflags = 2, .rsi = n,
				 .rdi = h->edi, .rbp = h->ebp, .rsp = STACK_TOP };

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_GET_SREGS, &s) == 0, "GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_SREGS, &s) == 0, "SET_SREGS");
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_REGS, &r) == 0, "SET_REGS");
}

static void domino_open(struct hv *h, uint32_t flags)
{
	struct dvm *vm = dvm_create_sized(flags, MEM_SIZE, false);
	struct dvcpu *v = dvcpu_add(vm, 0);

	h->vm = vm->dom;
	h->vcpu = v->fd;
	h->mem = vm->mem;
	h->run_area = v->run;
	h->run = domino_run;
	h->reset = domino_reset;
}

static bool kvm_run_once(struct hv *h)
{
	struct kvm_run *run = h->run_area;

	TEST_ASSERT(ioctl(h->vcpu, KVM_RUN, 0) == 0, "KVM_RUN");
	if (run->exit_reason == KVM_EXIT_IO) {
		if (run->io.port == DONE_PORT)
			return false;
		TEST_ASSERT(run->io.port == LOOP_PORT, "port %#x", run->io.port);
		return true;
	}
	TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO, "exit %u", run->exit_reason);
	return true;
}

static void kvm_reset(struct hv *h, uint32_t n)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE_GPA, .rflags = 2, .rsi = n,
			      .rdi = h->edi, .rbp = h->ebp, .rsp = STACK_TOP };

	TEST_ASSERT(ioctl(h->vcpu, KVM_GET_SREGS, &s) == 0, "KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	TEST_ASSERT(ioctl(h->vcpu, KVM_SET_SREGS, &s) == 0, "KVM_SET_SREGS");
	TEST_ASSERT(ioctl(h->vcpu, KVM_SET_REGS, &r) == 0, "KVM_SET_REGS");
}

/* The CPUID KVM supports, x2APIC included, as a VMM would set it. */
static void kvm_set_cpuid(int kvm, int vcpu)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} cpuid = { .c.nent = 100 };

	TEST_ASSERT(ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) == 0,
		    "KVM_GET_SUPPORTED_CPUID");
	TEST_ASSERT(ioctl(vcpu, KVM_SET_CPUID2, &cpuid) == 0, "KVM_SET_CPUID2");
}

static void kvm_open(struct hv *h, bool irqchip)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;
	struct kvm_userspace_memory_region region = { .memory_size = MEM_SIZE };

	TEST_ASSERT(kvm >= 0, "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM");
	h->vm = vm;
	if (irqchip)
		TEST_ASSERT(ioctl(vm, KVM_CREATE_IRQCHIP, 0) == 0, "KVM_CREATE_IRQCHIP");
	h->mem = mmap(NULL, region.memory_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(h->mem != MAP_FAILED, "mmap");
	region.userspace_addr = (uintptr_t)h->mem;
	TEST_ASSERT(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) == 0, "region");
	h->vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	TEST_ASSERT(h->vcpu >= 0, "KVM_CREATE_VCPU");
	kvm_set_cpuid(kvm, h->vcpu);
	h->run_area = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
			   PROT_READ | PROT_WRITE, MAP_SHARED, h->vcpu, 0);
	TEST_ASSERT(h->run_area != MAP_FAILED, "mmap kvm_run");
	h->run = kvm_run_once;
	h->reset = kvm_reset;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One run of the loop; returns how many times it exited to us. */
static uint32_t run_loop(struct hv *h, uint32_t n)
{
	uint32_t exits = 0;

	h->reset(h, n);
	while (h->run(h))
		exits++;
	return exits;
}

/* Voluntary context switches: the times this (one-thread) process slept. */
static long sleeps(void)
{
	struct rusage ru;

	TEST_ASSERT(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage");
	return ru.ru_nvcsw;
}

struct hlt_counts {
	uint32_t rounds, handled, bad;
	long slept;
};

/* hlt-wake's loop of @n rounds with a timer of @timer bus ticks. */
static struct hlt_counts hlt_rounds(struct hv *h, uint32_t n, uint32_t timer)
{
	struct hlt_counts c = { .rounds = n };
	long s0;

	memset(h->mem + HLT_HANDLED, 0, 8);
	h->edi = timer;
	s0 = sleeps();
	TEST_ASSERT(run_loop(h, n) == 0, "hlt-wake exited to the VMM");
	c.slept = sleeps() - s0;
	memcpy(&c.handled, h->mem + HLT_HANDLED, 4);
	memcpy(&c.bad, h->mem + HLT_BAD, 4);
	return c;
}

/* Rounds of the HLT check, and its timer: 5 ms, far above an exit's cost. */
#define HLT_CHECK_ROUNDS	16
#define HLT_CHECK_TIMER		5000000

/*
 * The no-lost-wake-up check (scripts/lab/l1-suite.sh), on the measured
 * loop @c and on a second, short one with a long timer:
 *  - each round's HLT ended with exactly one run of the timer's handler,
 *    and no extra interrupt was left over (the guest's own counts);
 *  - in the long-timer rounds the HLT found its timer not yet due and the
 *    vCPU thread slept in the kernel (DOMINO_DOMAIN_IRQCHIP: HLT never
 *    reaches the VMM), seen as voluntary context switches of the process:
 *    at least one in two rounds, allowing for rounds the host delayed past
 *    5 ms. A HLT that spins, or returns at once, counts none.
 * The measured loop's own sleeps are reported, not checked: with a 10 us
 * timer the interrupt is often due before the HLT's exit is handled (the
 * plain TCG lab: 76 to 831 of 1000 slept), and then a correct HLT does
 * not sleep; KVM halt-polls for longer than 10 us and sleeps in none.
 * Prints the counts after the figures; exits 1 with them if one fails.
 */
static void hlt_check(struct hv *h, const struct hlt_counts *c, char *out, size_t len)
{
	struct hlt_counts l = hlt_rounds(h, HLT_CHECK_ROUNDS, HLT_CHECK_TIMER);

	snprintf(out, len, "handled=%u/%u one_per_round=%u/%u slept=%ld "
		 "check_handled=%u/%u check_one_per_round=%u/%u check_slept=%ld/%u",
		 c->handled, c->rounds, c->rounds - c->bad, c->rounds, c->slept,
		 l.handled, l.rounds, l.rounds - l.bad, l.rounds, l.slept, l.rounds);
	TEST_ASSERT(c->handled == c->rounds && !c->bad &&
		    l.handled == l.rounds && !l.bad && l.slept >= l.rounds / 2,
		    "hlt-wake %s: %s", h->name, out);
}

/* A hypercall loop's check: every one of the @n results was EDI. */
static void hc_check(struct hv *h, const struct workload *w, uint32_t n,
		     char *out, size_t len)
{
	uint32_t bad, last;

	memcpy(&bad, h->mem + HC_BAD, 4);
	memcpy(&last, h->mem + HC_LAST, 4);
	snprintf(out, len, "nr=%#x ret=%#x ok=%u/%u", h->ebp, h->edi, n - bad, n);
	TEST_ASSERT(!bad, "%s %s: %u of %u results were not %#x (last %#x)",
		    w->name, h->name, bad, n, h->edi, last);
}

static void measure(struct hv *h, const struct workload *w, uint32_t n)
{
	uint64_t t0, t1, ns0, ns1;
	struct hlt_counts c;
	char counts[256] = "";
	uint32_t exits;
	long s0;

	memcpy(h->mem + CODE_GPA, w->start, w->end - w->start);
	if (w->handler) {
		/* The IVT entry, segment 0: offset = where the handler landed. */
		uint16_t off = CODE_GPA + (w->handler - w->start);

		memcpy(h->mem + w->vector * 4, &off, 2);
		memset(h->mem + w->vector * 4 + 2, 0, 2);
	}
	h->edi = TIMER_COUNT;
	if (w->hypercall)
		w->hypercall(h);
	run_loop(h, 16);	/* warm up: page faults, first-use paths */
	if (w->hlt_counts)
		memset(h->mem + HLT_HANDLED, 0, 8);
	memset(h->mem + HC_BAD, 0, 8);
	s0 = sleeps();
	ns0 = now_ns();
	t0 = __rdtsc();
	exits = run_loop(h, n);
	t1 = __rdtsc();
	ns1 = now_ns();
	TEST_ASSERT(exits == 0 || exits == n, "%s: %u exits for %u loops",
		    w->name, exits, n);
	if (w->hlt_counts) {
		c = (struct hlt_counts){ .rounds = n, .slept = sleeps() - s0 };
		memcpy(&c.handled, h->mem + HLT_HANDLED, 4);
		memcpy(&c.bad, h->mem + HLT_BAD, 4);
		hlt_check(h, &c, counts, sizeof(counts));
	}
	if (w->hypercall)
		hc_check(h, w, n, counts, sizeof(counts));
	printf("bench exit %s %s tsc=%llu ns=%llu n=%u%s%s\n", w->name, h->name,
	       (unsigned long long)((t1 - t0) / n),
	       (unsigned long long)((ns1 - ns0) / n), n, *counts ? " " : "", counts);
}

/*
 * evtchn-ping-pong: N round trips between two one-vCPU guests of two
 * processes (the parent runs A, a child B), as two domains' VMMs would.
 *
 * Domino: two Xen domains (64-bit guests of the selftest library) joined
 * by an interdomain event channel, B's end allocated for A
 * (EVTCHNOP_alloc_unbound), A's bound to it. A sends (EVTCHNOP_send) and
 * HLTs until its upcall (the callback vector, as Linux on Xen takes it)
 * has taken the answer; B's upcall takes the event and sends it back at
 * once. Being in two processes, each event crosses to a domain its sender's
 * process does not run, as between real domains.
 *
 * KVM: two VMs with in-kernel irqchips (KVM_CREATE_IRQCHIP) and the
 * real-mode guests w_pp_a and w_pp_b. A guest's send is an OUT to an
 * ioeventfd whose eventfd is the other VM's irqfd, routed as an MSI to its
 * LAPIC (the path of vhost's interrupts, which KVM delivers from the
 * eventfd's wake-up without a worker): the round trip never reaches
 * userspace either. A HLTs until its handler has taken the answer, B's
 * handler answers at once; both write EOI, which Xen's callback vector
 * does not need.
 *
 * With two or more host CPUs, A's process runs on CPU 0 and B's on CPU 1,
 * as two domains' vCPUs on two physical CPUs, so that where the scheduler
 * puts the two threads is not one more variable. With one CPU both share
 * it.
 *
 * A's host times the N rounds after PP_WARM rounds of warm-up, from A's
 * exit that ends the warm-up to the one that ends the rounds. Checked: A
 * took exactly PP_WARM + N answers and B exactly PP_WARM + N events (a
 * lost one leaves a guest halted: the caller's time limit reports it),
 * and B's process ended well.
 */
#define PP_WARM		16

/* Domino's ping-pong guests: set by their host before they run. */
static volatile uint64_t pp_peer_domid, pp_peer_port, pp_warm, pp_rounds;
/* The guest's own: its port, whether its upcall answers, events taken. */
static volatile uint64_t pp_port, pp_echo, pp_got;

/* The upcall: take the port's event as a 2-level guest does; B answers. */
void pp_upcall(void);
void pp_upcall(void)
{
	uint64_t mask = 1ULL << (pp_port % 64);

	VCPU0->upcall_pending = 0;
	__atomic_exchange_n(&VCPU0->pending_sel, 0, __ATOMIC_SEQ_CST);
	if (!(__atomic_fetch_and(&SHINFO->evtchn_pending[pp_port / 64], ~mask,
				 __ATOMIC_SEQ_CST) & mask))
		return;
	pp_got++;
	if (pp_echo)
		port_op(EVTCHNOP_send, pp_port);
}

/* Nine registers on the 40-byte frame: RSP is 16-aligned at the call. */
__asm__(".pushsection .text\n"
	"pp_stub:\n\t"
	"push %rax\n\tpush %rcx\n\tpush %rdx\n\tpush %rsi\n\tpush %rdi\n\t"
	"push %r8\n\tpush %r9\n\tpush %r10\n\tpush %r11\n\t"
	"call pp_upcall\n\t"
	"pop %r11\n\tpop %r10\n\tpop %r9\n\tpop %r8\n\tpop %rdi\n\t"
	"pop %rsi\n\tpop %rdx\n\tpop %rcx\n\tpop %rax\n\t"
	"iretq\n"
	".popsection");
extern const char pp_stub[];

static void pp_wait(uint64_t want)
{
	while (pp_got < want)
		__asm__ volatile("sti; hlt; cli" : : : "memory");
}

static void pp_send_rounds(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t want = pp_got + 1;

		port_op(EVTCHNOP_send, pp_port);
		pp_wait(want);
	}
}

static void pp_guest_a(void)
{
	long port;

	xen_setup();
	idt_set(VEC_CALLBACK, pp_stub);
	port = bind_interdomain(pp_peer_domid, pp_peer_port);
	GUEST_ASSERT(port > 0);
	/* Binding leaves our own end pending, as on Xen: not an answer. */
	clear_port(port);
	VCPU0->upcall_pending = 0;
	pp_port = port;
	pp_send_rounds(pp_warm);
	GUEST_SYNC(pp_got);
	pp_send_rounds(pp_rounds);
	GUEST_SYNC(pp_got);
}

static void pp_guest_b(void)
{
	long port;

	xen_setup();
	idt_set(VEC_CALLBACK, pp_stub);
	port = alloc_unbound(DOMID_SELF, pp_peer_domid);
	GUEST_ASSERT(port > 0);
	pp_port = port;
	pp_echo = 1;
	GUEST_SYNC(port);
	pp_wait(pp_warm + pp_rounds);
	GUEST_SYNC(pp_got);	/* the host stops here */
}

struct pp_result {
	uint64_t tsc, ns, got_a, got_b;
};

static void pp_put(int fd, uint64_t a, uint64_t b)
{
	uint64_t m[2] = { a, b };

	TEST_ASSERT(write(fd, m, sizeof(m)) == sizeof(m), "evtchn-ping-pong: pipe");
}

static void pp_get(int fd, uint64_t *a, uint64_t *b, const char *what)
{
	uint64_t m[2];

	TEST_ASSERT(read(fd, m, sizeof(m)) == sizeof(m),
		    "evtchn-ping-pong: no %s from the other process", what);
	*a = m[0];
	if (b)
		*b = m[1];
}

static void pp_set(struct dvm *vm, volatile uint64_t *var, uint64_t val)
{
	*(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)var) = val;
}

static void pp_domino_b(int in, int out, uint32_t n)
{
	struct dvm *vm;
	struct dvcpu *v;
	struct ucall uc;
	uint64_t domid_a;

	pp_get(in, &domid_a, NULL, "domain id");
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	v = dvcpu_add(vm, 0);
	pp_set(vm, &pp_peer_domid, domid_a);
	pp_set(vm, &pp_warm, PP_WARM);
	pp_set(vm, &pp_rounds, n);
	dvcpu_setup_long64(v, pp_guest_b);
	TEST_ASSERT(dvcpu_run_ucall(v, &uc) == UCALL_SYNC && (long)uc.args[0] > 0,
		    "evtchn-ping-pong: B's port");
	pp_put(out, vm->domid, uc.args[0]);
	TEST_ASSERT(dvcpu_run_ucall(v, &uc) == UCALL_SYNC, "evtchn-ping-pong: B's events");
	pp_put(out, uc.args[0], 0);
}

static struct pp_result pp_domino_a(int in, int out, uint32_t n)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *v = dvcpu_add(vm, 0);
	struct pp_result r;
	uint64_t t0, ns0, domid_b, port_b;
	struct ucall uc;

	pp_put(out, vm->domid, 0);
	pp_get(in, &domid_b, &port_b, "port");
	pp_set(vm, &pp_peer_domid, domid_b);
	pp_set(vm, &pp_peer_port, port_b);
	pp_set(vm, &pp_warm, PP_WARM);
	pp_set(vm, &pp_rounds, n);
	dvcpu_setup_long64(v, pp_guest_a);
	TEST_ASSERT(dvcpu_run_ucall(v, &uc) == UCALL_SYNC, "evtchn-ping-pong: A's warm-up");
	ns0 = now_ns();
	t0 = __rdtsc();
	TEST_ASSERT(dvcpu_run_ucall(v, &uc) == UCALL_SYNC, "evtchn-ping-pong: A's rounds");
	r.tsc = __rdtsc() - t0;
	r.ns = now_ns() - ns0;
	r.got_a = uc.args[0];
	pp_get(in, &r.got_b, NULL, "count");
	dvcpu_free(v);
	dvm_free(vm);
	return r;
}

/* A KVM ping-pong guest: sends through @send_fd, hears @recv_fd. */
static void pp_kvm_open(struct hv *h, const char *start, const char *handler,
			const char *end, int send_fd, int recv_fd)
{
	struct kvm_ioeventfd io = { .addr = PP_PORT, .len = 1, .fd = send_fd,
				    .flags = KVM_IOEVENTFD_FLAG_PIO };
	struct kvm_irqfd irqfd = { .fd = recv_fd, .gsi = PP_GSI };
	struct kvm_irq_routing *rt = calloc(1, sizeof(*rt) + sizeof(rt->entries[0]));
	uint16_t off = CODE_GPA + (handler - start);

	TEST_ASSERT(rt, "calloc");
	kvm_open(h, true);
	/* Fixed delivery, edge, physical destination APIC id 0: the vCPU. */
	rt->nr = 1;
	rt->entries[0].gsi = PP_GSI;
	rt->entries[0].type = KVM_IRQ_ROUTING_MSI;
	rt->entries[0].u.msi.address_lo = 0xfee00000;
	rt->entries[0].u.msi.data = PP_VECTOR;
	TEST_ASSERT(ioctl(h->vm, KVM_SET_GSI_ROUTING, rt) == 0, "KVM_SET_GSI_ROUTING");
	free(rt);
	TEST_ASSERT(ioctl(h->vm, KVM_IRQFD, &irqfd) == 0, "KVM_IRQFD");
	TEST_ASSERT(ioctl(h->vm, KVM_IOEVENTFD, &io) == 0, "KVM_IOEVENTFD");
	memcpy(h->mem + CODE_GPA, start, end - start);
	memcpy(h->mem + PP_VECTOR * 4, &off, 2);
	memset(h->mem + PP_VECTOR * 4 + 2, 0, 2);
}

static void pp_kvm_b(int in, int out, int send_fd, int recv_fd, uint32_t n)
{
	struct hv h = { .name = "kvm", .kvm = true };
	uint32_t got;
	uint64_t hello;

	pp_get(in, &hello, NULL, "start");
	pp_kvm_open(&h, w_pp_b, w_pp_b_handler, w_pp_b_end, send_fd, recv_fd);
	h.reset(&h, PP_WARM + n);
	TEST_ASSERT(h.run(&h), "evtchn-ping-pong: B ended before it was ready");
	pp_put(out, 0, 0);
	TEST_ASSERT(!h.run(&h), "evtchn-ping-pong: B exited to its VMM");
	memcpy(&got, h.mem + PP_GOT, 4);
	pp_put(out, got, 0);
}

static struct pp_result pp_kvm_a(int in, int out, int send_fd, int recv_fd, uint32_t n)
{
	struct hv h = { .name = "kvm", .kvm = true };
	struct pp_result r;
	uint64_t t0, ns0, ready;
	uint32_t got;

	pp_kvm_open(&h, w_pp_a, w_pp_a_handler, w_pp_a_end, send_fd, recv_fd);
	pp_put(out, 0, 0);
	pp_get(in, &ready, NULL, "readiness");
	h.edi = PP_WARM;
	h.reset(&h, n);
	TEST_ASSERT(h.run(&h), "evtchn-ping-pong: A ended before its warm-up did");
	ns0 = now_ns();
	t0 = __rdtsc();
	TEST_ASSERT(!h.run(&h), "evtchn-ping-pong: A exited to its VMM");
	r.tsc = __rdtsc() - t0;
	r.ns = now_ns() - ns0;
	memcpy(&got, h.mem + PP_GOT, 4);
	r.got_a = got;
	pp_get(in, &r.got_b, NULL, "count");
	return r;
}

static void pp_sigchld(int sig)
{
	static const char msg[] = "# evtchn-ping-pong: B's process ended before A's rounds did\n";

	(void)sig;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
}

static void pingpong(bool kvm, uint32_t n)
{
	struct sigaction sa = { .sa_handler = pp_sigchld };	/* no SA_RESTART */
	int down[2], up[2], ab = -1, ba = -1, st;
	const char *hv = kvm ? "kvm" : "domino";
	int cpu_b = host_online_cpus() > 1 ? 1 : 0;
	struct pp_result r;
	char c;
	pid_t pid;

	TEST_ASSERT(n > 0, "evtchn-ping-pong: no rounds");
	TEST_ASSERT(pipe(down) == 0 && pipe(up) == 0, "pipe");
	if (kvm) {
		ab = eventfd(0, EFD_CLOEXEC);	/* A's sends, B's interrupts */
		ba = eventfd(0, EFD_CLOEXEC);
		TEST_ASSERT(ab >= 0 && ba >= 0, "eventfd");
	}
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		/* B goes with A's process, however that ends. */
		TEST_ASSERT(prctl(PR_SET_PDEATHSIG, SIGKILL) == 0, "PR_SET_PDEATHSIG");
		pin_to_cpu(cpu_b);
		close(down[1]);
		close(up[0]);
		if (kvm)
			pp_kvm_b(down[0], up[1], ba, ab, n);
		else
			pp_domino_b(down[0], up[1], n);
		/* Until A's process has its figures: B's end must stay bound. */
		while (read(down[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	TEST_ASSERT(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction");
	pin_to_cpu(0);
	if (kvm)
		r = pp_kvm_a(up[0], down[1], ab, ba, n);
	else
		r = pp_domino_a(up[0], down[1], n);
	signal(SIGCHLD, SIG_DFL);
	close(down[1]);
	close(up[0]);
	if (kvm) {
		close(ab);
		close(ba);
	}
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "evtchn-ping-pong %s: B's process ended with status %#x", hv, st);
	TEST_ASSERT(r.got_a == PP_WARM + n && r.got_b == PP_WARM + n,
		    "evtchn-ping-pong %s: A took %llu answers and B %llu events, not %u",
		    hv, (unsigned long long)r.got_a, (unsigned long long)r.got_b,
		    PP_WARM + n);
	printf("bench exit evtchn-ping-pong %s tsc=%llu ns=%llu n=%u answers=%llu/%u events=%llu/%u processes=2 cpus=0,%d\n",
	       hv, (unsigned long long)(r.tsc / n), (unsigned long long)(r.ns / n), n,
	       (unsigned long long)r.got_a, PP_WARM + n,
	       (unsigned long long)r.got_b, PP_WARM + n, cpu_b);
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 10000;
	bool kvm;
	size_t i;

	if (argc < 2 || (strcmp(argv[1], "domino") && strcmp(argv[1], "kvm"))) {
		fprintf(stderr, "usage: %s domino|kvm [N [WORKLOAD]]\n", argv[0]);
		return 2;
	}
	/* One workload only: the caller puts a time limit on each. */
	if (argc > 3 && strcmp(argv[3], "list") == 0) {
		for (i = 0; i < ARRAY_SIZE(workloads); i++)
			printf("%s\n", workloads[i].name);
		return 0;
	}
	kvm = !strcmp(argv[1], "kvm");
	for (i = 0; i < ARRAY_SIZE(workloads); i++) {
		struct workload w = workloads[i];
		struct hv h = { .name = argv[1], .kvm = kvm };

		if (argc > 3 && strcmp(argv[3], w.name))
			continue;
		if (!kvm && w.domino_lacks) {
			printf("bench exit %s %s none \"%s\"\n", w.name, h.name,
			       w.domino_lacks);
			continue;
		}
		if (w.own) {
			w.own(kvm, n);
			fflush(stdout);
			continue;
		}
		if (w.start == w_vmmcall && is_vmx()) {
			w.start = w_vmcall;
			w.end = w_vmcall_end;
		}
		if (kvm)
			kvm_open(&h, w.irqchip);
		else
			domino_open(&h, (w.irqchip ? DOMINO_DOMAIN_IRQCHIP : 0) |
					(w.xen ? DOMINO_DOMAIN_XEN : 0));
		measure(&h, &w, n);
		fflush(stdout);
	}
	return 0;
}
