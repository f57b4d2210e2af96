// SPDX-License-Identifier: GPL-2.0
/*
 * Domino switches VMX/SVM on only while it has domains: on every online CPU
 * from the first domain, off on every CPU after the last. On SVM the
 * hardware state itself (EFER.SVME, VM_HSAVE_PA) is read back through
 * /dev/cpu/N/msr; VMX state (CR4.VMXE) is not visible from userspace, so
 * there the module's own count is checked.
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

int main(void)
{
	struct domino_caps caps;
	int dev, d1, d2, ncpus, hw;
	bool svm;

	ktap_print_header();
	dev = domino_open_dev();
	ktap_set_plan(7);
	domino_get_caps(dev, &caps);
	ncpus = host_online_cpus();
	svm = caps.vendor == DOMINO_VENDOR_SVM;

	ktap_test_result(domino_sysfs_num("virt_cpus") == 0,
			 "no domains: virtualization off on every CPU");

	d1 = domino_domain_create(dev, 0, NULL);
	ktap_test_result(domino_sysfs_num("virt_cpus") == ncpus,
			 "first domain: on for all %d online CPUs", ncpus);
	hw = svm ? svm_cpus_on(ncpus) : -1;
	if (!svm)
		ktap_test_skip("EFER.SVME read-back: VMX keeps its state in CR4, not in an MSR");
	else if (hw < 0)
		ktap_test_skip("EFER.SVME read-back: /dev/cpu/N/msr unavailable (msr.ko)");
	else
		ktap_test_result(hw == ncpus, "EFER.SVME and VM_HSAVE_PA set on %d/%d CPUs",
				 hw, ncpus);

	d2 = domino_domain_create(dev, 0, NULL);
	close(d1);
	ktap_test_result(domino_sysfs_num("virt_cpus") == ncpus,
			 "stays on while one domain remains");
	close(d2);
	ktap_test_result(domino_sysfs_num("virt_cpus") == 0,
			 "last domain gone: off everywhere");
	hw = svm ? svm_cpus_on(ncpus) : -1;
	if (svm && hw >= 0)
		ktap_test_result(hw == 0, "EFER.SVME clear again on every CPU (%d left)", hw);
	else
		ktap_test_skip("EFER.SVME read-back: %s", svm ? "msr.ko unavailable" :
			       "VMX keeps its state in CR4, not in an MSR");
	ktap_test_result(domino_sysfs_num("alloc_pages") == 0,
			 "per-CPU hardware pages freed with the last domain");
	close(dev);
	ktap_finished();
}
