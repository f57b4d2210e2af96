// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement helper, not a test: the cost of one CPUID exit (handled in
 * the kernel) and of one port-I/O exit to userspace, on Domino and on KVM,
 * with the same real-mode guest code. Costs are read with the host's TSC:
 * under QEMU's -icount shift=0 it counts L1 instructions (lab-notes.md).
 *   exit_cost domino|kvm [N]     prints "<hv> cpuid <tsc/exit> io <tsc/exit>"
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>

#include "domino_util.h"
#include "guest.h"

extern const char cost_cpuid[], cost_cpuid_end[], cost_io[], cost_io_end[];

/* ESI counts down; the loop overhead (dec/jnz) is 2 instructions. */
__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"cost_cpuid:\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"cost_cpuid_end:\n"
	"cost_io:\n"
	"1:	out %al, $0x80\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"	hlt\n"
	"cost_io_end:\n"
	".code64\n"
	".popsection\n");

#define CODE_GPA	0x1000

struct hv {
	int vcpu;
	uint8_t *mem;
	uint32_t (*run)(struct hv *h);	/* returns 1 for I/O, 2 for HLT */
	void (*reset)(struct hv *h, uint32_t n);
	void *run_area;
};

static uint32_t domino_run(struct hv *h)
{
	struct domino_run *run = h->run_area;

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_RUN, 0) == 0, "DOMINO_RUN");
	if (run->exit_reason == DOMINO_EXIT_IO)
		return 1;
	TEST_ASSERT(run->exit_reason == DOMINO_EXIT_HLT, "exit %u", run->exit_reason);
	return 2;
}

static void domino_reset(struct hv *h, uint32_t n)
{
	struct domino_sregs s;
	struct domino_regs r = { .rip = CODE_GPA, .rflags = 2, .rsi = n };

	TEST_ASSERT(ioctl(h->vcpu, DOMINO_GET_SREGS, &s) == 0, "GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_SREGS, &s) == 0, "SET_SREGS");
	TEST_ASSERT(ioctl(h->vcpu, DOMINO_SET_REGS, &r) == 0, "SET_REGS");
}

static void domino_open(struct hv *h)
{
	struct dvm *vm = dvm_create(0);
	struct dvcpu *v = dvcpu_add(vm, 0);

	h->vcpu = v->fd;
	h->mem = vm->mem;
	h->run_area = v->run;
	h->run = domino_run;
	h->reset = domino_reset;
}

static uint32_t kvm_run_once(struct hv *h)
{
	struct kvm_run *run = h->run_area;

	TEST_ASSERT(ioctl(h->vcpu, KVM_RUN, 0) == 0, "KVM_RUN");
	if (run->exit_reason == KVM_EXIT_IO)
		return 1;
	TEST_ASSERT(run->exit_reason == KVM_EXIT_HLT, "exit %u", run->exit_reason);
	return 2;
}

static void kvm_reset(struct hv *h, uint32_t n)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE_GPA, .rflags = 2, .rsi = n };

	TEST_ASSERT(ioctl(h->vcpu, KVM_GET_SREGS, &s) == 0, "KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	TEST_ASSERT(ioctl(h->vcpu, KVM_SET_SREGS, &s) == 0, "KVM_SET_SREGS");
	TEST_ASSERT(ioctl(h->vcpu, KVM_SET_REGS, &r) == 0, "KVM_SET_REGS");
}

static void kvm_open(struct hv *h)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;
	struct kvm_userspace_memory_region region = { .memory_size = 0x100000 };

	TEST_ASSERT(kvm >= 0, "/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm >= 0, "KVM_CREATE_VM");
	h->mem = mmap(NULL, region.memory_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region.userspace_addr = (uintptr_t)h->mem;
	TEST_ASSERT(ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) == 0, "region");
	h->vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	TEST_ASSERT(h->vcpu >= 0, "KVM_CREATE_VCPU");
	h->run_area = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
			   PROT_READ | PROT_WRITE, MAP_SHARED, h->vcpu, 0);
	TEST_ASSERT(h->run_area != MAP_FAILED, "mmap kvm_run");
	h->run = kvm_run_once;
	h->reset = kvm_reset;
}

/* TSC per iteration of one loop, after a warm-up run of the same code. */
static uint64_t measure(struct hv *h, const char *start, const char *end,
			uint32_t n)
{
	uint64_t t0, t1;
	uint32_t exits = 0;

	memcpy(h->mem + CODE_GPA, start, end - start);
	h->reset(h, 16);
	while (h->run(h) == 1)
		;
	h->reset(h, n);
	t0 = __rdtsc();
	while (h->run(h) == 1)
		exits++;
	t1 = __rdtsc();
	TEST_ASSERT(exits == 0 || exits == n, "%u exits for %u loops", exits, n);
	return (t1 - t0) / n;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 10000;
	struct hv h = { 0 };
	uint64_t cpuid, io;

	if (argc < 2 || (strcmp(argv[1], "domino") && strcmp(argv[1], "kvm"))) {
		fprintf(stderr, "usage: %s domino|kvm [N]\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "kvm"))
		kvm_open(&h);
	else
		domino_open(&h);
	cpuid = measure(&h, cost_cpuid, cost_cpuid_end, n);
	io = measure(&h, cost_io, cost_io_end, n);
	printf("%s cpuid %llu io %llu (TSC per exit, %u exits)\n", argv[1],
	       (unsigned long long)cpuid, (unsigned long long)io, n);
	return 0;
}
