// SPDX-License-Identifier: GPL-2.0
/*
 * Two vCPUs of one domain running at once on two threads, on two CPUs;
 * two domains that cannot see each other's memory; and the VMM changing
 * its mapping under a running guest (the MMU notifier must make the guest
 * see the new page).
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "domino_util.h"
#include "guest.h"

#define ROUNDS		200
/* How long a guest waits for the other to reach its round: a bound only. */
#define SPIN		(1u << 20)
#define PROBE_GPA	0x1800000ULL	/* 24 MiB, inside RAM */

static volatile uint64_t counters[2];
/* SPIN, or 0 with one CPU: nothing to show, and every wait would time out. */
static volatile uint64_t spin_limit;

/*
 * The vCPU id comes in RDI, the first argument, from the host. Each round
 * the guest waits, a bounded while and without leaving the guest, for the
 * other vCPU to reach the same round. Seeing the other's counter move
 * during that wait means the other guest ran while this one was inside
 * the same DOMINO_RUN: the ucall reports it in args[2]. A module that ran
 * one vCPU of a domain at a time would never let that happen.
 */
static void guest_count(uint64_t id)
{
	uint64_t i, k;

	for (i = 1; i <= ROUNDS; i++) {
		uint64_t moved = 0;

		counters[id] = i;
		if (counters[id ^ 1] < i) {
			for (k = 0; k < spin_limit; k++) {
				if (counters[id ^ 1] >= i) {
					moved = 1;
					break;
				}
			}
		}
		guest_ucall(UCALL_SYNC, id, i, moved, 0);
	}
	GUEST_DONE();
}

struct runner {
	struct dvcpu *vcpu;
	uint64_t syncs;
	uint64_t overlaps;	/* rounds the other guest moved during this run */
	bool pin;
	bool ok;
};

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;
	struct ucall uc;
	uint64_t cmd;

	/* A CPU each: the other's progress cannot come from running in our place. */
	if (r->pin)
		pin_to_cpu(r->vcpu->id);
	r->ok = true;
	while ((cmd = dvcpu_run_ucall(r->vcpu, &uc)) == UCALL_SYNC) {
		if (uc.args[0] != r->vcpu->id || uc.args[1] != r->syncs + 1)
			r->ok = false;
		r->overlaps += uc.args[2];
		r->syncs++;
	}
	r->ok &= cmd == UCALL_DONE;
	return NULL;
}

#define SLOT_GPA	0x6000000ULL	/* 96 MiB: a slot removed under the guest */

static void guest_slot_reader(void)
{
	GUEST_SYNC(*(volatile uint64_t *)SLOT_GPA);
	GUEST_SYNC(*(volatile uint64_t *)SLOT_GPA);
	GUEST_DONE();
}

static void guest_probe(void)
{
	GUEST_SYNC(*(volatile uint64_t *)PROBE_GPA);
	*(volatile uint64_t *)PROBE_GPA = 0xdead0000 + 1;
	GUEST_SYNC(*(volatile uint64_t *)PROBE_GPA);
	GUEST_SYNC(*(volatile uint64_t *)PROBE_GPA);
	GUEST_DONE();
}

int main(void)
{
	struct runner r[2] = { 0 };
	pthread_t t[2];
	struct domino_regs regs;
	struct dvm *vm, *a, *b;
	struct dvcpu *va, *vb;
	struct ucall uc;
	uint64_t cmd, *pa, *pb;
	bool two_cpus;
	int i;

	ktap_print_header();
	vm = dvm_create(0);
	r[0].vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(9);
	r[1].vcpu = dvcpu_add(vm, 1);
	two_cpus = host_online_cpus() >= 2;
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&spin_limit) = two_cpus ? SPIN : 0;
	for (i = 0; i < 2; i++) {
		r[i].pin = two_cpus;
		dvcpu_setup_long64(r[i].vcpu, (void (*)(void))guest_count);
		dvcpu_get_regs(r[i].vcpu, &regs);
		regs.rdi = i;
		dvcpu_set_regs(r[i].vcpu, &regs);
		TEST_ASSERT(!pthread_create(&t[i], NULL, run_vcpu, &r[i]), "thread");
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ktap_test_result(r[0].ok && r[1].ok && r[0].syncs == ROUNDS && r[1].syncs == ROUNDS,
			 "two vCPUs of one domain on two threads, %d ucalls each, in order", ROUNDS);
	if (!two_cpus)
		ktap_test_skip("the vCPUs ran at the same time: not shown, one CPU online");
	else
		ktap_test_result(r[0].overlaps + r[1].overlaps > 0,
				 "the vCPUs ran at the same time, on CPUs 0 and 1: a guest saw the other's counter move within one run in %llu of %d rounds",
				 (unsigned long long)(r[0].overlaps + r[1].overlaps), 2 * ROUNDS);
	ktap_test_result(*(uint64_t *)dvm_gpa(vm, (uintptr_t)&counters[0]) == ROUNDS &&
			 *(uint64_t *)dvm_gpa(vm, (uintptr_t)&counters[1]) == ROUNDS,
			 "both wrote the shared guest memory");
	dvcpu_free(r[0].vcpu);
	dvcpu_free(r[1].vcpu);
	dvm_free(vm);

	/* Two domains: the same GPA is different memory in each. */
	a = dvm_create(0);
	b = dvm_create(0);
	va = dvcpu_add(a, 0);
	vb = dvcpu_add(b, 0);
	dvcpu_setup_long64(va, guest_probe);
	dvcpu_setup_long64(vb, guest_probe);
	pa = dvm_gpa(a, PROBE_GPA);
	pb = dvm_gpa(b, PROBE_GPA);
	*pa = 0xaaaa;
	*pb = 0xbbbb;
	cmd = dvcpu_run_ucall(va, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0xaaaa, "domain A reads its own memory");
	cmd = dvcpu_run_ucall(vb, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0xbbbb, "domain B reads its own memory");
	dvcpu_run_ucall(va, &uc);
	cmd = dvcpu_run_ucall(vb, &uc);
	ktap_test_result(cmd == UCALL_SYNC && *pb == 0xdead0001 && *pa == 0xdead0001 &&
			 uc.args[0] == 0xdead0001,
			 "each write stays in its own domain");

	/*
	 * Replace the page under domain A's guest (MAP_FIXED over the same
	 * address): its next read must see the new page, not the old one
	 * still mapped in the nested tables.
	 */
	pa = mmap(pa, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	TEST_ASSERT(pa != MAP_FAILED, "mmap fixed");
	*pa = 0x600d;
	cmd = dvcpu_run_ucall(va, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x600d,
			 "after the VMM remaps the backing, the guest sees the new page (%#llx)",
			 (unsigned long long)uc.args[0]);
	ktap_test_result(dvcpu_run_ucall(va, &uc) == UCALL_DONE &&
			 dvcpu_run_ucall(vb, &uc) == UCALL_SYNC,
			 "both domains run on independently");
	dvcpu_free(va);
	dvcpu_free(vb);
	dvm_free(a);
	dvm_free(b);

	/* A slot removed while the guest has it mapped is gone at once. */
	{
		struct domino_memory_region reg = { .slot = 3, .guest_phys_addr = SLOT_GPA,
						    .memory_size = 4096 };
		uint64_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		vm = dvm_create(0);
		va = dvcpu_add(vm, 0);
		dvcpu_setup_long64(va, guest_slot_reader);
		*page = 0x51075107;
		reg.userspace_addr = (uintptr_t)page;
		TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &reg) == 0, "slot 3");
		cmd = dvcpu_run_ucall(va, &uc);
		TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == 0x51075107, "read slot");
		reg.memory_size = 0;
		TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &reg) == 0, "delete");
		ktap_test_result(dvcpu_run(va) == DOMINO_EXIT_MMIO &&
				 va->run->mmio.phys_addr == SLOT_GPA && !va->run->mmio.is_write,
				 "after the slot is deleted the same read exits as MMIO");
		dvcpu_free(va);
		dvm_free(vm);
		munmap(page, 4096);
	}
	ktap_finished();
}
