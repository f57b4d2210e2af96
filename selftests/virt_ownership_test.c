// SPDX-License-Identifier: GPL-2.0
/*
 * Domino switches VMX/SVM on only while it has domains: on every online CPU
 * from the first domain, off on every CPU after the last. On SVM the
 * hardware state itself (EFER.SVME, VM_HSAVE_PA) is read back through
 * /dev/cpu/N/msr; VMX state (CR4.VMXE) is not visible from userspace, so
 * there only the module's own count is checked (two results fewer).
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"

#define MSR_EFER	0xc0000080
#define EFER_SVME	(1ULL << 12)
#define MSR_VM_HSAVE_PA	0xc0010117

/* Returns the number of CPUs with SVME set and a host save area, or -1. */
static int svm_cpus_on(int ncpus)
{
	uint64_t efer, hsave;
	int cpu, on = 0;

	for (cpu = 0; cpu < ncpus; cpu++) {
		if (!host_rdmsr(cpu, MSR_EFER, &efer) ||
		    !host_rdmsr(cpu, MSR_VM_HSAVE_PA, &hsave))
			return -1;
		if ((efer & EFER_SVME) && hsave && !(hsave & 0xfff))
			on++;
	}
	return on;
}

static void msr_unreadable(const char *check)
{
	if (host_msr_required())
		ktap_test_result(false, "%s: /dev/cpu/N/msr unreadable, and the lab loads msr.ko",
				 check);
	else
		ktap_test_skip("%s: /dev/cpu/N/msr unavailable (msr.ko)", check);
}

int main(void)
{
	struct domino_caps caps;
	int dev, d1, d2, ncpus, hw;
	long long pages;
	bool svm;

	ktap_print_header();
	dev = domino_open_dev();
	domino_get_caps(dev, &caps);
	ncpus = host_online_cpus();
	svm = caps.vendor == DOMINO_VENDOR_SVM;
	/* The two hardware read-backs exist on SVM only. */
	ktap_set_plan(svm ? 7 : 5);

	ktap_test_result(domino_sysfs_num("virt_cpus") == 0,
			 "no domains: virtualization off on every CPU");
	/* What the module holds for its own life (domain 0's xenbus ring). */
	pages = domino_sysfs_num("alloc_pages");

	d1 = domino_domain_create(dev, 0, NULL);
	ktap_test_result(domino_sysfs_num("virt_cpus") == ncpus,
			 "first domain: on for all %d online CPUs", ncpus);
	if (svm) {
		hw = svm_cpus_on(ncpus);
		if (hw >= 0)
			ktap_test_result(hw == ncpus, "EFER.SVME and VM_HSAVE_PA set on %d/%d CPUs",
					 hw, ncpus);
		else
			msr_unreadable("EFER.SVME and VM_HSAVE_PA set on every CPU");
	}

	d2 = domino_domain_create(dev, 0, NULL);
	close(d1);
	ktap_test_result(domino_sysfs_num("virt_cpus") == ncpus,
			 "stays on while one domain remains");
	close(d2);
	ktap_test_result(domino_sysfs_num("virt_cpus") == 0,
			 "last domain gone: off everywhere");
	if (svm) {
		hw = svm_cpus_on(ncpus);
		if (hw >= 0)
			ktap_test_result(hw == 0, "EFER.SVME clear again on every CPU (%d left)", hw);
		else
			msr_unreadable("EFER.SVME clear again on every CPU");
	}
	ktap_test_result(domino_sysfs_num("alloc_pages") == pages,
			 "per-CPU hardware pages freed with the last domain (%lld pages, %lld before)",
			 domino_sysfs_num("alloc_pages"), pages);
	close(dev);
	ktap_finished();
}
