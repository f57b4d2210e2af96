// SPDX-License-Identifier: GPL-2.0
/*
 * Domino and KVM on one host: whoever switched VMX/SVM on first keeps it.
 * Domino must notice KVM holding the hardware (EBUSY, nothing touched, KVM's
 * guests still run), and KVM must find Domino's ownership the same way.
 * On Linux 6.1 KVM holds the hardware while a VM exists, so a VM fd
 * stands in for "kvm_amd/kvm_intel loaded first".
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "domino_util.h"

#define GUEST_MEM	0x10000
#define GUEST_ENTRY	0x1000

struct kvm_vm {
	int vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

/* A real-mode guest that executes HLT at 0x1000. */
static void kvm_vm_create(int kvm, struct kvm_vm *v)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	v->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	TEST_ASSERT(v->vm >= 0, "KVM_CREATE_VM");
	v->mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(v->mem != MAP_FAILED, "mmap guest memory");
	((uint8_t *)v->mem)[GUEST_ENTRY] = 0xf4;	/* hlt */
	region.userspace_addr = (uintptr_t)v->mem;
	TEST_ASSERT(ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) == 0,
		    "KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	TEST_ASSERT(v->vcpu >= 0, "KVM_CREATE_VCPU");
	v->run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	TEST_ASSERT(v->run != MAP_FAILED, "mmap kvm_run");

	TEST_ASSERT(ioctl(v->vcpu, KVM_GET_SREGS, &sregs) == 0, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	TEST_ASSERT(ioctl(v->vcpu, KVM_SET_SREGS, &sregs) == 0, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_ENTRY;
	regs.rflags = 2;
	TEST_ASSERT(ioctl(v->vcpu, KVM_SET_REGS, &regs) == 0, "KVM_SET_REGS");
}

static bool kvm_vm_runs_to_hlt(struct kvm_vm *v)
{
	if (ioctl(v->vcpu, KVM_RUN, 0)) {
		ktap_print_msg("KVM_RUN failed: %s", strerror(errno));
		return false;
	}
	if (v->run->exit_reason != KVM_EXIT_HLT)
		ktap_print_msg("KVM exit reason %u, expected HLT", v->run->exit_reason);
	return v->run->exit_reason == KVM_EXIT_HLT;
}

/* KVM gives the hardware back only when every reference to the VM is gone. */
static void kvm_vm_destroy(struct kvm_vm *v)
{
	munmap(v->run, v->run_size);
	close(v->vcpu);
	close(v->vm);
	munmap(v->mem, GUEST_MEM);
}

int main(void)
{
	struct domino_create_domain args = { 0 };
	long long pages;
	struct kvm_vm v;
	int dev, kvm, dom, vm;

	ktap_print_header();
	dev = domino_open_dev();
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		ktap_exit_missing("/dev/kvm unavailable (kvm_amd/kvm_intel not loaded): %s",
			       strerror(errno));
	ktap_set_plan(7);
	TEST_ASSERT(domino_sysfs_num("domains") == 0, "test needs no other domains");
	/* What the module holds for its own life (domain 0's xenbus ring). */
	pages = domino_sysfs_num("alloc_pages");

	kvm_vm_create(kvm, &v);
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, EBUSY),
			 "domain creation fails with EBUSY while KVM holds the hardware");
	ktap_test_result(domino_sysfs_num("virt_cpus") == 0 &&
			 domino_sysfs_num("domains") == 0 &&
			 domino_sysfs_num("alloc_pages") == pages,
			 "the failed attempt left no CPU enabled and nothing allocated");
	ktap_test_result(kvm_vm_runs_to_hlt(&v), "KVM's guest still runs afterwards");
	kvm_vm_destroy(&v);

	dom = domino_domain_create_raw(dev, &args);
	ktap_test_result(dom >= 0, "once KVM lets go, Domino creates a domain (domid %u)",
			 args.domid);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ktap_test_result(vm < 0 && errno == EBUSY,
			 "KVM cannot take the hardware while Domino holds it (EBUSY)");
	if (vm >= 0)
		close(vm);
	if (dom >= 0)
		close(dom);

	kvm_vm_create(kvm, &v);
	ktap_test_result(kvm_vm_runs_to_hlt(&v),
			 "after Domino's last domain, KVM runs guests again");
	kvm_vm_destroy(&v);
	ktap_test_result(domino_sysfs_num("virt_cpus") == 0, "Domino holds no CPU at the end");
	close(kvm);
	close(dev);
	ktap_finished();
}
