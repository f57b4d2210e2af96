// SPDX-License-Identifier: GPL-2.0
/*
 * A Xen domain (DOMINO_DOMAIN_XEN) finds Xen and calls it: the CPUID
 * leaves, the hypercall page filled through Xen's MSR, xen_version through
 * the page and through the bare instruction, and the refusals: unknown
 * hypercalls (-ENOSYS), bad guest pointers (-EFAULT), bad arguments
 * (-EINVAL), privileged queries ("<denied>"), callers in guest user mode
 * (-EPERM), a hypercall page MSR write with index bits (#GP); and that a
 * domain without the flag still gets #UD, and the flag alone (without the
 * in-kernel platform) is refused.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_XEN_VERSION		17
#define XENVER_version		0
#define XENVER_extraversion	1
#define XENVER_get_features	6
#define XENVER_pagesize		7
#define XENVER_commandline	9
#define XENFEAT_auto_translated_physmap	2
#define XEN_EPERM		1
#define XEN_EFAULT		14
#define XEN_EINVAL		22
#define XEN_ENOSYS		38

#define SEL_USER_CODE64		0x33
#define SEL_USER_DATA		0x2b
#define PTE_US			0x4ULL

static char extraversion[16];
static char cmdline[1024];
static volatile uint64_t use_vmmcall;	/* set by the host: SVM */

struct feature_info {
	uint32_t submap_idx;
	uint32_t submap;
};

/* Through the page: stub nr is 32 bytes in (Xen's hypercall page layout). */

/* The instruction itself, without the page. */
static long hcall_direct(uint64_t nr, uint64_t a1, uint64_t a2)
{
	long ret;

	if (use_vmmcall)
		__asm__ volatile(".byte 0x0f, 0x01, 0xd9"
				 : "=a"(ret), "+D"(a1), "+S"(a2) : "a"(nr) : "memory");
	else
		__asm__ volatile(".byte 0x0f, 0x01, 0xc1"
				 : "=a"(ret), "+D"(a1), "+S"(a2) : "a"(nr) : "memory");
	return ret;
}

static void guest_xen(void)
{
	struct feature_info fi = { 0, 0 };
	uint32_t a, b, c, d, msr;
	long ret;

	guest_cpuid(XEN_LEAF(0), 0, &a, &b, &c, &d);
	guest_ucall(UCALL_SYNC, a, b, c, d);
	guest_cpuid(XEN_LEAF(4), 0, &a, &b, &c, &d);
	guest_ucall(UCALL_SYNC, a, b, c, 0);
	guest_cpuid(XEN_LEAF(2), 0, &a, &msr, &c, &d);
	guest_wrmsr(msr, (uintptr_t)xen_hcall_page);
	GUEST_SYNC2(a, msr);

	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_version, 0));
	GUEST_SYNC(hcall_direct(HC_XEN_VERSION, XENVER_version, 0));
	ret = xen_hcall(HC_XEN_VERSION, XENVER_get_features, (uintptr_t)&fi);
	GUEST_SYNC2(ret, fi.submap);
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_extraversion, (uintptr_t)extraversion));
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_pagesize, 0));
	/* An address no page table maps (the library maps the low 4 GiB). */
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_extraversion, 0x7ff000000000ULL));
	fi.submap_idx = 1;
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_get_features, (uintptr_t)&fi));
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, XENVER_commandline, (uintptr_t)cmdline));
	GUEST_SYNC(xen_hcall(HC_XEN_VERSION, 1000, 0));
	GUEST_SYNC2(xen_hcall(60, 0, 0), hcall_direct(1ULL << 40, 0, 0));
	/* Bits 11:0 would pick a second page: there is none. */
	guest_wrmsr(msr, (uintptr_t)xen_hcall_page | 1);
	GUEST_SYNC(0);		/* not reached: #GP */
}

/* Runs at CPL 3. */
static void guest_user(void)
{
	GUEST_SYNC(hcall_direct(HC_XEN_VERSION, XENVER_version, 0));
}

static void guest_non_xen(void)
{
	hcall_direct(HC_XEN_VERSION, XENVER_version, 0);
	GUEST_SYNC(0);		/* not reached: #UD */
}

static struct dvm *xen_vm(void (*code)(void), struct dvcpu **vcpu, uint32_t flags,
			  bool svm)
{
	struct dvm *vm = dvm_create(flags);

	*(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)&use_vmmcall) = svm;
	*vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(*vcpu, code);
	return vm;
}

/* The same guest at CPL 3: user segments, user pages, IOPL 3 for ucalls. */
static void to_user_mode(struct dvm *vm, struct dvcpu *vcpu)
{
	uint64_t *pt = dvm_gpa(vm, GUEST_PT64);
	struct domino_sregs s;
	struct domino_regs r;
	unsigned int i;

	/* PML4, PDPT and the four PDs of the identity map. */
	for (i = 0; i < 6 * 512; i++)
		if (pt[i] & 1)
			pt[i] |= PTE_US;
	dvcpu_get_sregs(vcpu, &s);
	guest_seg_flat(&s.cs, SEL_USER_CODE64, 0xb, true, false, 3);
	guest_seg_flat(&s.ss, SEL_USER_DATA, 0x3, false, true, 3);
	s.ds = s.es = s.fs = s.gs = s.ss;
	dvcpu_set_sregs(vcpu, &s);
	dvcpu_get_regs(vcpu, &r);
	r.rflags |= 3ULL << 12;
	dvcpu_set_regs(vcpu, &r);
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct domino_create_domain args = {
		.flags = DOMINO_DOMAIN_XEN,
	};
	struct domino_caps caps;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	const uint8_t *stub;
	uint8_t insn;
	uint64_t cmd;
	bool svm, ok;
	int dev, dom;

	ktap_print_header();
	ktap_set_plan(14);
	dev = domino_open_dev();
	domino_get_caps(dev, &caps);
	svm = caps.vendor == DOMINO_VENDOR_SVM;
	insn = svm ? 0xd9 : 0xc1;

	/* 1: the flag needs the in-kernel platform. */
	errno = 0;
	dom = ioctl(dev, DOMINO_CREATE_DOMAIN, &args);
	ktap_test_result(dom < 0 && errno == EINVAL,
			 "DOMINO_DOMAIN_XEN without DOMINO_DOMAIN_IRQCHIP -> EINVAL");
	if (dom >= 0)
		close(dom);
	close(dev);

	vm = xen_vm(guest_xen, &vcpu, DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP, svm);

	/* 2-3: CPUID says Xen, with this vCPU's and domain's ids. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "leaf 0x40000000");
	ktap_test_result(uc.args[0] >= XEN_LEAF(4) && uc.args[1] == 0x566e6558 &&
			 uc.args[2] == 0x65584d4d && uc.args[3] == 0x4d4d566e,
			 "CPUID 0x40000000: \"XenVMMXenVMM\", leaves up to %#llx",
			 (unsigned long long)uc.args[0]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "leaf 0x40000004");
	ktap_test_result((uc.args[0] & 0x18) == 0x18 && uc.args[1] == 0 &&
			 uc.args[2] == vm->domid,
			 "CPUID 0x40000004: vCPU id %llu and domain id %llu (domain %u)",
			 (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
			 vm->domid);

	/* 4: the hypercall page holds the vendor's stubs. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "hypercall page MSR");
	stub = dvm_gpa(vm, (uintptr_t)xen_hcall_page);
	ok = uc.args[0] == 1 && uc.args[1] == 0x40000000;
	ok &= stub[17 * 32] == 0xb8 && stub[17 * 32 + 1] == 17 &&
	      stub[17 * 32 + 5] == 0x0f && stub[17 * 32 + 6] == 0x01 &&
	      stub[17 * 32 + 7] == insn && stub[17 * 32 + 8] == 0xc3 &&
	      stub[17 * 32 + 9] == 0xcc;
	ok &= stub[23 * 32] == 0xcc;	/* no iret stub for HVM guests */
	ktap_test_result(ok, "hypercall page through MSR %#llx: mov $nr, %%eax; %s; ret",
			 (unsigned long long)uc.args[1], svm ? "vmmcall" : "vmcall");

	/* 5-6: xen_version through the page and the bare instruction. */
	dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(uc.args[0] == (4 << 16 | 17),
			 "xen_version(XENVER_version) through the page: %#llx",
			 (unsigned long long)uc.args[0]);
	dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(uc.args[0] == (4 << 16 | 17),
			 "xen_version(XENVER_version) with a bare %s", svm ? "VMMCALL" : "VMCALL");

	/* 7: get_features, extraversion, pagesize. */
	dvcpu_run_ucall(vcpu, &uc);
	ktap_print_msg("get_features: %lld, submap 0 %#llx", (long long)uc.args[0],
		       (unsigned long long)uc.args[1]);
	ok = uc.args[0] == 0 && (uc.args[1] & (1u << XENFEAT_auto_translated_physmap));
	dvcpu_run_ucall(vcpu, &uc);
	ok &= uc.args[0] == 0 &&
	      !strcmp(dvm_gpa(vm, (uintptr_t)extraversion), ".0-domino");
	dvcpu_run_ucall(vcpu, &uc);
	ktap_print_msg("pagesize: %lld", (long long)uc.args[0]);
	ok &= uc.args[0] == 4096;
	ktap_test_result(ok, "get_features (auto_translated_physmap), extraversion \"%s\", pagesize",
			 (char *)dvm_gpa(vm, (uintptr_t)extraversion));

	/* 8-11: the refusals, with Xen's error codes. */
	dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result((long)uc.args[0] == -XEN_EFAULT,
			 "an unmapped guest pointer -> -EFAULT (%lld)", (long long)uc.args[0]);
	dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result((long)uc.args[0] == -XEN_EINVAL,
			 "get_features submap 1 -> -EINVAL (%lld)", (long long)uc.args[0]);
	dvcpu_run_ucall(vcpu, &uc);
	ok = uc.args[0] == 0 && !strcmp(dvm_gpa(vm, (uintptr_t)cmdline), "<denied>");
	dvcpu_run_ucall(vcpu, &uc);
	ok &= (long)uc.args[0] == -XEN_ENOSYS;
	ktap_test_result(ok, "XENVER_commandline -> \"<denied>\" as Xen answers guests, an unknown XENVER_ -> -ENOSYS");
	dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result((long)uc.args[0] == -XEN_ENOSYS && (long)uc.args[1] == -XEN_ENOSYS,
			 "unknown hypercalls (60, 2^40) -> -ENOSYS (%lld, %lld)",
			 (long long)uc.args[0], (long long)uc.args[1]);

	/* 12: a second hypercall page does not exist. */
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_EXCEPTION && uc.args[0] == 13,
			 "hypercall page MSR with index bits -> #GP");
	dvcpu_free(vcpu);
	dvm_free(vm);

	/* 13: guest user mode cannot call. */
	vm = xen_vm(guest_user, &vcpu, DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP, svm);
	to_user_mode(vm, vcpu);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && (long)uc.args[0] == -XEN_EPERM,
			 "a hypercall from guest user mode (CPL 3) -> -EPERM (%s %lld)",
			 cmd == UCALL_SYNC ? "returned" : "exception", (long long)uc.args[0]);
	dvcpu_free(vcpu);
	dvm_free(vm);

	/* 14: without the flag the instruction is what it is on bare metal. */
	vm = xen_vm(guest_non_xen, &vcpu, DOMINO_DOMAIN_IRQCHIP, svm);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ok = cmd == UCALL_EXCEPTION && uc.args[0] == 6;
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(ok && domino_counters_back(objs, pages),
			 "without DOMINO_DOMAIN_XEN: #UD; every allocation returned");
	ktap_finished();
}
