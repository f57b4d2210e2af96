// SPDX-License-Identifier: GPL-2.0
/*
 * Domino's layouts of Xen 4.17's control structures (pvops/xen_dom0_abi.h)
 * against Xen's own installed headers (libxen-dev): a build-time check,
 * compiled into xen_privcmd_test and xen_libxenctrl_test. Nothing runs.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "../../pvops/xen_dom0_abi.h"

#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/sys/privcmd.h>

#define SAME_FIELD(a, b, f) \
	static_assert(offsetof(struct a, f) == offsetof(struct b, f), #f)
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, flags);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, tot_pages);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, max_pages);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, shared_info_frame);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, cpu_time);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, nr_online_vcpus);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, max_vcpu_id);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, handle);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, cpupool);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, gpaddr_bits);
SAME_FIELD(xen417_dominfo, xen_domctl_getdomaininfo, arch_config);
static_assert(sizeof(struct xen417_dominfo) == sizeof(struct xen_domctl_getdomaininfo), "dominfo");
SAME_FIELD(xen417_domctl, xen_domctl, interface_version);
SAME_FIELD(xen417_domctl, xen_domctl, domain);
SAME_FIELD(xen417_domctl, xen_domctl, u);
static_assert(sizeof(struct xen417_domctl) == sizeof(struct xen_domctl), "domctl");
SAME_FIELD(xen417_sysctl, xen_sysctl, u);
static_assert(sizeof(struct xen417_sysctl) == sizeof(struct xen_sysctl), "sysctl");
SAME_FIELD(xen417_sysctl, xen_sysctl, u.getdomaininfolist.max_domains);
SAME_FIELD(xen417_sysctl, xen_sysctl, u.getdomaininfolist.buffer);
SAME_FIELD(xen417_sysctl, xen_sysctl, u.getdomaininfolist.num_domains);
static_assert(XEN417_DOMCTL_VERSION == XEN_DOMCTL_INTERFACE_VERSION, "domctl version");
static_assert(XEN417_SYSCTL_VERSION == XEN_SYSCTL_INTERFACE_VERSION, "sysctl version");
static_assert(XEN417_DOMCTL_getdomaininfo == XEN_DOMCTL_getdomaininfo, "getdomaininfo");
static_assert(XEN417_SYSCTL_getdomaininfolist == XEN_SYSCTL_getdomaininfolist, "list");
static_assert(XEN417_DOMINF_shutdown == XEN_DOMINF_shutdown &&
	      XEN417_DOMINF_hvm_guest == XEN_DOMINF_hvm_guest &&
	      XEN417_DOMINF_hap == XEN_DOMINF_hap &&
	      XEN417_DOMINF_blocked == XEN_DOMINF_blocked &&
	      XEN417_DOMINF_running == XEN_DOMINF_running &&
	      XEN417_DOMINF_dying == XEN_DOMINF_dying, "flags");

/* Linux's privcmd ioctls as the selftests spell them. */
static_assert(IOCTL_PRIVCMD_HYPERCALL == _IOC(_IOC_NONE, 'P', 0, 48), "HYPERCALL");
static_assert(IOCTL_PRIVCMD_DM_OP == _IOC(_IOC_NONE, 'P', 5, 16), "DM_OP");
static_assert(IOCTL_PRIVCMD_RESTRICT == _IOC(_IOC_NONE, 'P', 6, 2), "RESTRICT");

/* An object file must declare something. */
int xen417_abi_checked;
