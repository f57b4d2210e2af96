// SPDX-License-Identifier: GPL-2.0
/*
 * A 64-bit guest running C code of this test: ucalls, guest writes seen by
 * the host and host writes seen by the guest, the CPUID policy the VMM sets,
 * and MSRs the module handles in the kernel.
 */
#include <sys/ioctl.h>

#include "domino_util.h"
#include "guest.h"

#define MSR_LSTAR	0xc0000082
#define MSR_TSC		0x10
#define MSR_EFER	0xc0000080
#define TEST_LEAF	0x4000abcd

static volatile uint64_t shared[2];

static void guest_code(void)
{
	uint32_t a, b, c, d;
	uint64_t t0, t1;

	GUEST_SYNC(1);
	GUEST_ASSERT(shared[0] == 0x1234567890abcdefULL);
	shared[1] = 0xfeedface;
	GUEST_SYNC(2);

	guest_cpuid(TEST_LEAF, 0, &a, &b, &c, &d);
	GUEST_SYNC2(((uint64_t)b << 32) | a, ((uint64_t)d << 32) | c);
	guest_cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC2(a, b);

	guest_wrmsr(MSR_LSTAR, 0xffffffff81234560ULL);
	GUEST_ASSERT(guest_rdmsr(MSR_LSTAR) == 0xffffffff81234560ULL);
	t0 = guest_rdmsr(MSR_TSC);
	t1 = guest_rdmsr(MSR_TSC);
	GUEST_ASSERT(t1 > t0);
	GUEST_SYNC(guest_rdmsr(MSR_EFER));

	/* Debug registers: emulated per vCPU, the host's stay untouched. */
	{
		uint64_t dr0, dr7;

		__asm__ volatile("mov %1, %%dr0; mov %%dr0, %0"
				 : "=r"(dr0) : "r"(0x12345000ULL));
		__asm__ volatile("mov %1, %%dr7; mov %%dr7, %0"
				 : "=r"(dr7) : "r"(0x1ULL));
		GUEST_SYNC2(dr0, dr7);
	}
	GUEST_DONE();
}

static bool set_test_leaf(struct dvcpu *vcpu)
{
	static struct domino_cpuid_entry e[DOMINO_MAX_CPUID_ENTRIES];
	struct domino_cpuid c = { .nr = DOMINO_MAX_CPUID_ENTRIES,
				  .entries = (uintptr_t)e };

	if (ioctl(vcpu->fd, DOMINO_GET_CPUID, &c) || c.nr >= DOMINO_MAX_CPUID_ENTRIES)
		return false;
	e[c.nr] = (struct domino_cpuid_entry){ .function = TEST_LEAF,
		.eax = 0x11111111, .ebx = 0x22222222, .ecx = 0x33333333,
		.edx = 0x44444444 };
	c.nr++;
	return ioctl(vcpu->fd, DOMINO_SET_CPUID, &c) == 0;
}

int main(void)
{
	volatile uint64_t *gshared;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint32_t a, b, c, d;
	uint64_t cmd;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(8);
	dvcpu_setup_long64(vcpu, guest_code);
	gshared = dvm_gpa(vm, (uintptr_t)shared);

	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1,
			 "64-bit guest runs C code and calls the host");
	gshared[0] = 0x1234567890abcdefULL;
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2 &&
			 gshared[1] == 0xfeedface,
			 "host writes reach the guest, guest writes reach the host");

	ktap_test_result(set_test_leaf(vcpu), "GET_CPUID + SET_CPUID accept an added leaf");
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC &&
			 uc.args[0] == 0x2222222211111111ULL &&
			 uc.args[1] == 0x4444444433333333ULL,
			 "the guest's CPUID returns the VMM's leaf");
	host_cpuid(0, 0, &a, &b, &c, &d);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == b,
			 "default policy: leaf 0 vendor matches the host (max leaf %llu)",
			 (unsigned long long)uc.args[0]);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC &&
			 (uc.args[0] & 0x500) == 0x500 && !(uc.args[0] & (1 << 12)),
			 "EFER shows LME|LMA and hides SVME (%#llx); LSTAR and TSC MSRs work",
			 (unsigned long long)uc.args[0]);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x12345000 && uc.args[1] == 0x401,
			 "MOV to/from DR0 and DR7 read back (DR7 %#llx)",
			 (unsigned long long)uc.args[1]);
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest done");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
