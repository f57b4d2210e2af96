// SPDX-License-Identifier: GPL-2.0
/*
 * What happens at the edges of guest memory and of the ISA: code fetched
 * from no RAM, writes to read-only memory, backing the VMM unmapped, MSRs
 * nobody handles (#GP, or an exit when the domain asked), events injected
 * by the VMM, and a triple fault.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "domino_util.h"
#include "guest.h"

#define RO_GPA		0x2000000ULL	/* 32 MiB: a read-only slot */
#define HOLE_GPA	0x3000000ULL	/* 48 MiB: a slot whose backing goes away */
#define NOWHERE		0x5000000ULL	/* no slot at all */
#define MSR_BOGUS	0x4b564d99

static void guest_ro(void)
{
	volatile uint64_t *ro = (volatile uint64_t *)RO_GPA;

	GUEST_SYNC(ro[0]);	/* read: plain RAM */
	ro[1] = 0x5555;		/* write: an MMIO exit */
	GUEST_SYNC(ro[1]);
	GUEST_DONE();
}

static void guest_hole(void)
{
	GUEST_SYNC(*(volatile uint64_t *)HOLE_GPA);
	GUEST_SYNC(*(volatile uint64_t *)(HOLE_GPA + 4096));
	GUEST_DONE();
}

static void guest_jump_nowhere(void)
{
	((void (*)(void))NOWHERE)();
}

static void guest_msr(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_BOGUS));
	GUEST_DONE();
}

static void guest_spin_ud(void)
{
	GUEST_SYNC(0);
	for (;;)
		__asm__ volatile("pause");
}

static void guest_triple(void)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idt = { 0, 0 };

	__asm__ volatile("lidt %0; ud2" : : "m"(idt));
}

static struct dvm *vm_with(void (*code)(void), struct dvcpu **vcpu, uint32_t flags)
{
	struct dvm *vm = dvm_create(flags);

	*vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(*vcpu, code);
	return vm;
}

static int add_slot(struct dvm *vm, uint32_t slot, uint64_t gpa, void *hva,
		    uint64_t size, uint32_t flags)
{
	struct domino_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r);
}

int main(void)
{
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint64_t *ro, *hole, cmd;
	uint32_t reason;
	struct domino_event ev = { .type = DOMINO_EVENT_EXCEPTION, .vector = 6 };

	ktap_print_header();
	vm = vm_with(guest_ro, &vcpu, 0);
	ktap_set_plan(12);

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	TEST_ASSERT(add_slot(vm, 1, RO_GPA, ro, 4096, DOMINO_MEM_READONLY) == 0, "RO slot");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0,
			 "read-only slot: the guest reads it (backed by a PROT_READ mapping)");
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_MMIO && vcpu->run->mmio.is_write &&
			 vcpu->run->mmio.phys_addr == RO_GPA + 8 &&
			 vcpu->run->mmio.len == 8,
			 "a write to it exits as an MMIO write at %#llx",
			 (unsigned long long)vcpu->run->mmio.phys_addr);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0 && ro[1] == 0,
			 "and the read-only memory kept its content");
	dvcpu_free(vcpu);
	dvm_free(vm);

	vm = vm_with(guest_hole, &vcpu, 0);
	hole = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(hole != MAP_FAILED, "mmap");
	hole[0] = 0x77;
	TEST_ASSERT(add_slot(vm, 1, HOLE_GPA, hole, 2 * 4096, 0) == 0, "slot");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x77, "slot backed by VMM memory");
	munmap(hole + 512, 4096);
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_MEMORY_FAULT &&
			 vcpu->run->fault.gpa == HOLE_GPA + 4096 &&
			 vcpu->run->fault.flags == DOMINO_FAULT_READ,
			 "backing unmapped by the VMM: MEMORY_FAULT at %#llx",
			 (unsigned long long)vcpu->run->fault.gpa);
	dvcpu_free(vcpu);
	dvm_free(vm);
	munmap(hole, 4096);

	vm = vm_with(guest_jump_nowhere, &vcpu, 0);
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_MEMORY_FAULT &&
			 vcpu->run->fault.gpa == NOWHERE &&
			 vcpu->run->fault.flags == DOMINO_FAULT_EXEC,
			 "code fetched where no RAM is: MEMORY_FAULT (exec)");
	dvcpu_free(vcpu);
	dvm_free(vm);

	vm = vm_with(guest_msr, &vcpu, 0);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_EXCEPTION && uc.args[0] == 13 && uc.args[1] == 0,
			 "unknown MSR: #GP(0) in the guest");
	dvcpu_free(vcpu);
	dvm_free(vm);

	vm = vm_with(guest_msr, &vcpu, DOMINO_DOMAIN_MSR_EXITS);
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_MSR && vcpu->run->msr.index == MSR_BOGUS &&
			 !vcpu->run->msr.is_write,
			 "with DOMINO_DOMAIN_MSR_EXITS it exits to the VMM");
	vcpu->run->msr.data = 0x1122334455667788ULL;
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x1122334455667788ULL,
			 "and the guest reads the VMM's value");
	dvcpu_free(vcpu);
	dvm_free(vm);

	vm = vm_with(guest_spin_ud, &vcpu, 0);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "sync");
	ktap_test_result(ioctl(vcpu->fd, DOMINO_INJECT_EVENT, &ev) == 0 &&
			 ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EBUSY),
			 "INJECT_EVENT queues #UD; a second one is EBUSY");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_EXCEPTION && uc.args[0] == 6,
			 "the guest takes the injected #UD");
	dvcpu_free(vcpu);
	dvm_free(vm);

	vm = vm_with(guest_triple, &vcpu, 0);
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_SHUTDOWN,
			 "#UD with no IDT escalates to a triple fault: SHUTDOWN exit (%s)",
			 exit_reason_str(reason));
	dvcpu_free(vcpu);
	dvm_free(vm);
	munmap(ro, 4096);
	ktap_finished();
}
