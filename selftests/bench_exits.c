// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement tool, not a test: exit costs in the manner of kvm-unit-tests'
 * vmexit, on Domino and on KVM, with the same real-mode guest code in the
 * same L1 boot. Each workload is a loop of N iterations; the cost of one
 * iteration is read with the host's TSC (under QEMU's -icount shift=0 it
 * counts L1 instructions, lab-notes.md) and with CLOCK_MONOTONIC.
 *
 *   bench_exits domino|kvm [N [WORKLOAD]]
 *
 * prints one line per workload:
 *   bench exit WORKLOAD HV tsc=T ns=NS n=N [hlt-wake's counts, below]
 *   bench exit WORKLOAD HV none "why"      (what that hypervisor lacks)
 *
 * hlt-wake is also the lab's no-lost-wake-up check, so it fails (exit 1,
 * no bench line) unless its counts show the property; see hlt_check().
 */
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>

#include "domino_util.h"
#include "guest.h"

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
/* The one-shot timer of the HLT workload: 10 us at the 1 GHz bus both use. */
#define TIMER_COUNT	10000
/*
 * hlt-wake's counters in guest memory (DS = 0), below the code: the
 * handler's runs, and the rounds whose HLT did not end with exactly one.
 */
#define HLT_HANDLED	0x500
#define HLT_BAD		0x504
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
	w_self_ipi_handler[], w_hlt_wake_handler[];

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
	/* An unknown hypercall number: answered in the kernel with an error. */
	"w_vmmcall:\n"
	"1:	mov $0x7fff, %eax\n"
	"	vmmcall\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	out %al, $0xf4\n"
	"w_vmmcall_end:\n"
	"w_vmcall:\n"
	"1:	mov $0x7fff, %eax\n"
	"	vmcall\n"
	"	dec %esi\n"
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
	".code64\n"
	".popsection\n");

struct workload {
	const char *name;
	const char *start, *end;
	const char *handler;		/* IVT entry for the irqchip ones */
	uint8_t vector;
	bool irqchip;			/* needs the in-kernel APIC */
	bool hlt_counts;		/* hlt-wake: check its counters */
	const char *domino_lacks;	/* Domino has no such path yet */
};

static const struct workload workloads[] = {
	{ .name = "cpuid", .start = w_cpuid, .end = w_cpuid_end },
	{ .name = "hypercall", .start = w_vmmcall, .end = w_vmmcall_end,
	  .domino_lacks = "hypercalls arrive with the Xen guest ABI" },
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
};

struct hv {
	const char *name;
	int vcpu;
	uint8_t *mem;
	void *run_area;
	uint32_t timer;			/* hlt-wake's timer in bus ticks (EDI) */
	bool (*run)(struct hv *h);	/* true: the loop's own exit, false: done */
	void (*reset)(struct hv *h, uint32_t n);
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
				 .rdi = h->timer, .rsp = STACK_TOP };

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_GET_SREGS, &s) == 0, "GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_SREGS, &s) == 0, "SET_SREGS");
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_REGS, &r) == 0, "SET_REGS");
}

static void domino_open(struct hv *h, bool irqchip)
{
	struct dvm *vm = dvm_create_sized(irqchip ? DOMINO_DOMAIN_IRQCHIP : 0,
					  MEM_SIZE, false);
	struct dvcpu *v = dvcpu_add(vm, 0);

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
			      .rdi = h->timer, .rsp = STACK_TOP };

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
	h->timer = timer;
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
	h->timer = TIMER_COUNT;
	run_loop(h, 16);	/* warm up: page faults, first-use paths */
	if (w->hlt_counts)
		memset(h->mem + HLT_HANDLED, 0, 8);
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
	printf("bench exit %s %s tsc=%llu ns=%llu n=%u%s%s\n", w->name, h->name,
	       (unsigned long long)((t1 - t0) / n),
	       (unsigned long long)((ns1 - ns0) / n), n, *counts ? " " : "", counts);
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
		struct hv h = { .name = argv[1] };

		if (argc > 3 && strcmp(argv[3], w.name))
			continue;
		if (!kvm && w.domino_lacks) {
			printf("bench exit %s %s none \"%s\"\n", w.name, h.name,
			       w.domino_lacks);
			continue;
		}
		if (!strcmp(w.name, "hypercall") && is_vmx()) {
			w.start = w_vmcall;
			w.end = w_vmcall_end;
		}
		if (kvm)
			kvm_open(&h, w.irqchip);
		else
			domino_open(&h, w.irqchip);
		measure(&h, &w, n);
		fflush(stdout);
	}
	return 0;
}
