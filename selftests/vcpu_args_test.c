// SPDX-License-Identifier: GPL-2.0
/*
 * Every argument of the memory and vCPU ioctls is checked: bad slots,
 * alignment, sizes, wrap-around, overlap, addresses outside the caller,
 * vCPU ids, run-area mappings, register and CPUID/MSR arrays, events, and
 * use from a process other than the VMM. Nothing is left behind.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

static bool region_fails(struct dvm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
			 uint64_t hva, uint32_t flags, int err)
{
	struct domino_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};

	return ioctl_fails_with(vm->dom, DOMINO_SET_MEMORY_REGION, &r, err);
}

static int region_set(struct dvm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		      uint64_t hva)
{
	struct domino_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = hva,
	};

	return ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r);
}

static bool from_child(int fd, unsigned long cmd, void *arg, int err)
{
	int status;
	pid_t pid = fork();

	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(ioctl(fd, cmd, arg) < 0 && errno == err ? 0 : 1);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	struct domino_create_vcpu cv = { 0 };
	struct domino_sregs sregs;
	struct domino_regs regs;
	struct domino_event ev;
	struct domino_cpuid cpuid = { 0 };
	struct domino_msrs msrs = { 0 };
	struct domino_msr_entry me[2] = { { .index = 0xc0000082 }, { .index = 0x4b564d99 } };
	struct dvcpu *vcpu;
	struct dvm *vm;
	uintptr_t hva;
	long long objs, pages, objs_after, pages_after;
	bool e2big;
	void *p, *ro;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(25);
	/* What the domain and its vCPU hold: the calls below must add nothing. */
	objs = domino_sysfs_num("alloc_objects");
	pages = domino_sysfs_num("alloc_pages");
	hva = (uintptr_t)vm->mem;

	ktap_test_result(region_fails(vm, DOMINO_MAX_MEMORY_SLOTS, 1 << 30, 4096, hva, 0, EINVAL),
			 "slot number out of range -> EINVAL");
	ktap_test_result(region_fails(vm, 1, (1 << 30) + 1, 4096, hva, 0, EINVAL) &&
			 region_fails(vm, 1, 1 << 30, 4095, hva, 0, EINVAL) &&
			 region_fails(vm, 1, 1 << 30, 4096, hva + 1, 0, EINVAL),
			 "unaligned GPA, size or HVA -> EINVAL");
	ktap_test_result(region_fails(vm, 1, 1 << 30, 4096, hva, 2, EINVAL),
			 "unknown flags -> EINVAL");
	ktap_test_result(region_fails(vm, 1, -4096ULL, 8192, hva, 0, EINVAL) &&
			 region_fails(vm, 1, 1ULL << DOMINO_GUEST_PHYS_BITS, 4096, hva, 0, EINVAL),
			 "GPA range wrapping or beyond 2^%d -> EINVAL", DOMINO_GUEST_PHYS_BITS);
	ktap_test_result(region_fails(vm, 1, 0, 1ULL << 47, hva, 0, EINVAL),
			 "a huge size (128 TiB) -> EINVAL");
	ktap_test_result(region_fails(vm, 1, 1 << 30, 4096, 0xffff800000000000ULL, 0, EFAULT) &&
			 region_fails(vm, 1, 1 << 30, 8192, -4096ULL, 0, EFAULT),
			 "kernel or wrapping HVA -> EFAULT");
	ktap_test_result(region_fails(vm, 1, GUEST_MEM_SIZE - 4096, 8192, hva, 0, EEXIST),
			 "overlap with another slot -> EEXIST");
	p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_test_result(region_set(vm, 1, 1 << 30, 4096, (uintptr_t)p) == 0 &&
			 region_set(vm, 1, 0, 0, 0) == 0,
			 "a slot over an inaccessible mapping is accepted (faults report it), and deleted");
	munmap(p, 4096);	/* now unmapped: a pointer into nothing */

	cv.vcpu_id = DOMINO_MAX_VCPUS;
	ktap_test_result(ioctl_fails_with(vm->dom, DOMINO_CREATE_VCPU, &cv, EINVAL),
			 "vCPU id out of range -> EINVAL");
	cv.vcpu_id = 0;
	ktap_test_result(ioctl_fails_with(vm->dom, DOMINO_CREATE_VCPU, &cv, EEXIST),
			 "a vCPU id twice -> EEXIST");
	cv.vcpu_id = 1;
	cv.flags = 1;
	ktap_test_result(ioctl_fails_with(vm->dom, DOMINO_CREATE_VCPU, &cv, EINVAL),
			 "vCPU flags -> EINVAL");

	ktap_test_result(mmap(NULL, 8192, PROT_READ, MAP_SHARED, vcpu->fd, 0) == MAP_FAILED &&
			 mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu->fd, 4096) == MAP_FAILED &&
			 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, vcpu->fd, 0) == MAP_FAILED,
			 "run area: wrong size, offset or a private mapping refused");

	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_GET_REGS, NULL, EFAULT) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_SET_SREGS, (void *)-4096L, EFAULT) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_GET_SREGS, p, EFAULT),
			 "register ioctls with NULL, kernel or unmapped pointers -> EFAULT");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_GET_REGS, ro, EFAULT) &&
			 ioctl(vcpu->fd, DOMINO_SET_REGS, ro) == 0,
			 "GET_REGS into a read-only page -> EFAULT; SET_REGS may read it");
	{
		struct domino_regs r;

		dvcpu_get_regs(vcpu, &r);
		r.rflags |= 1ULL << 17;	/* VM: virtual-8086 mode */
		ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_REGS, &r, EINVAL),
				 "RFLAGS.VM outside 32-bit protected mode -> EINVAL");
	}
	dvcpu_get_sregs(vcpu, &sregs);
	sregs.cr0 = 0x80000000;	/* PG without PE */
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_SREGS, &sregs, EINVAL),
			 "CR0.PG without PE -> EINVAL");
	dvcpu_get_sregs(vcpu, &sregs);
	sregs.efer = 1ULL << 20;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_SREGS, &sregs, EINVAL),
			 "reserved EFER bits -> EINVAL");

	cpuid.nr = DOMINO_MAX_CPUID_ENTRIES + 1;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_CPUID, &cpuid, EINVAL),
			 "too many CPUID entries -> EINVAL");
	cpuid.nr = 1;
	/* Apart: the message must show nr after the call, not before it. */
	e2big = ioctl_fails_with(vcpu->fd, DOMINO_GET_CPUID, &cpuid, E2BIG);
	ktap_test_result(e2big && cpuid.nr > 1,
			 "GET_CPUID with too small an array -> E2BIG and the size (%u)", cpuid.nr);

	msrs.nr = 2;
	msrs.entries = (uintptr_t)me;
	ktap_test_result(ioctl(vcpu->fd, DOMINO_GET_MSRS, &msrs) == 1,
			 "GET_MSRS stops at the first unknown MSR (1 of 2)");
	msrs.nr = 100000;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS, &msrs, EINVAL),
			 "MSR array too large -> EINVAL");

	memset(&ev, 0, sizeof(ev));
	ev.type = DOMINO_EVENT_EXCEPTION;
	ev.vector = 32;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL),
			 "exception vector 32 -> EINVAL");
	ev.type = 9;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL),
			 "unknown event type -> EINVAL");

	ktap_test_result(from_child(vcpu->fd, DOMINO_GET_REGS, &regs, EIO) &&
			 from_child(vm->dom, DOMINO_CREATE_VCPU, &cv, EIO),
			 "vCPU and domain fds used from another process -> EIO");
	objs_after = domino_sysfs_num("alloc_objects");
	pages_after = domino_sysfs_num("alloc_pages");
	ktap_test_result(objs_after == objs && pages_after == pages,
			 "the calls above left nothing allocated (objects %lld -> %lld, pages %lld -> %lld)",
			 objs, objs_after, pages, pages_after);
	munmap(ro, 4096);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
