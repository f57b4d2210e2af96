// SPDX-License-Identifier: GPL-2.0
/*
 * Domino: module entry, backend selection and the /dev/domino system fd.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/cpumask.h>

#include <asm/fpu/xcr.h>

#include "domino.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "virt.h"
#include "alloc.h"
#include "sysfs.h"
#include "domain.h"
#include "xen.h"

const struct domino_vendor_ops *domino_vendor;
struct domino_caps domino_caps;

/* Probed in order; the first whose hardware is present wins. */
static const struct domino_vendor_ops *const domino_backends[] = {
	&domino_svm_ops,
	&domino_vmx_ops,
};

static long domino_dev_get_caps(void __user *uarg)
{
	if (copy_to_user(uarg, &domino_caps, sizeof(domino_caps)))
		return -EFAULT;
	return 0;
}

static long domino_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	int r;

	switch (_IOC_TYPE(cmd) == DOMINO_IOCTL_TYPE ? _IOC_NR(cmd) : -1) {
	case _IOC_NR(DOMINO_GET_API_VERSION):
		r = domino_ioctl_check(cmd, DOMINO_GET_API_VERSION);
		return r ? r : DOMINO_API_VERSION;
	case _IOC_NR(DOMINO_GET_CAPS):
		r = domino_ioctl_check(cmd, DOMINO_GET_CAPS);
		return r ? r : domino_dev_get_caps(uarg);
	case _IOC_NR(DOMINO_CREATE_DOMAIN):
		r = domino_ioctl_check(cmd, DOMINO_CREATE_DOMAIN);
		return r ? r : domino_domain_create(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations domino_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= domino_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/*
 * Root only for now: the whole host trusts whoever may create domains.
 * docs/uapi.md says who may open what.
 */
static struct miscdevice domino_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "domino",
	.fops	= &domino_dev_fops,
	.mode	= 0600,
	.groups	= domino_dev_groups,
};

static int __init domino_pick_backend(void)
{
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(domino_backends); i++) {
		memset(&domino_caps, 0, sizeof(domino_caps));
		r = domino_backends[i]->probe(&domino_caps);
		if (r == -ENODEV)
			continue;
		if (r)
			return r;
		domino_vendor = domino_backends[i];
		return 0;
	}
	pr_err("this CPU has neither Intel VT-x with EPT nor AMD SVM with nested paging; not loading\n");
	return -ENODEV;
}

static void __init domino_log_caps(void)
{
	pr_info("backend %s rev %u, %u-level nested paging, %u tagged-TLB ids, %u CPUs, features %#llx\n",
		domino_vendor_name(), domino_caps.vendor_revision,
		domino_caps.tdp_levels, domino_caps.nr_tlb_tags,
		domino_caps.nr_cpus, domino_caps.features);
}

static int max_domains = 256;
module_param(max_domains, int, 0444);
MODULE_PARM_DESC(max_domains, "Most guest domains alive at once (1-32751)");

static int __init domino_init(void)
{
	int r;

	if (max_domains < 1 || max_domains > DOMINO_DOMID_MAX) {
		pr_err("max_domains=%d out of range 1-%d\n", max_domains,
		       DOMINO_DOMID_MAX);
		return -EINVAL;
	}

	r = domino_pick_backend();
	if (r)
		return r;
	domino_caps.api_version = DOMINO_API_VERSION;
	domino_caps.nr_cpus = num_online_cpus();
	domino_caps.max_domains = max_domains;
	domino_log_caps();
	domino_host_xcr0 = boot_cpu_has(X86_FEATURE_OSXSAVE) ?
		xgetbv(XCR_XFEATURE_ENABLED_MASK) : XFEATURE_MASK_FP;

	/* Refuse to load next to a hypervisor that holds the hardware now. */
	r = domino_virt_check_free();
	if (r)
		return r;

	r = domino_virt_init();
	if (r)
		return r;

	r = domino_domain_init();
	if (r) {
		domino_virt_exit();
		return r;
	}
	r = misc_register(&domino_miscdev);
	if (r) {
		domino_domain_exit();
		domino_virt_exit();
		return r;
	}
	domino_xen_dev_init();
	domino_xen_proc_init();
	domino_xen_gntdev_init();
	domino_xen_privcmd_init();
	pr_info("loaded, API version %d, /dev/%s ready\n", DOMINO_API_VERSION,
		domino_miscdev.name);
	return 0;
}

static void __exit domino_exit(void)
{
	long objects, pages;

	domino_xen_gntdev_exit();
	domino_xen_privcmd_exit();
	domino_xen_proc_exit();
	domino_xen_dev_exit();
	misc_deregister(&domino_miscdev);
	domino_domain_exit();
	domino_virt_exit();

	objects = domino_alloc_objects();
	pages = domino_alloc_pages();
	if (objects || pages)
		pr_err("unloaded with leaks: %ld objects, %ld pages still allocated\n",
		       objects, pages);
	else
		pr_info("unloaded, all allocations returned\n");
}

module_init(domino_init);
module_exit(domino_exit);

MODULE_DESCRIPTION("Domino: a Xen-model hypervisor in a loadable module");
MODULE_LICENSE("GPL");
