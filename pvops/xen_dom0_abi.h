/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control structures that Debian 12's Xen 4.17 tools pass through
 * /dev/xen/privcmd (Xen's public domctl.h and sysctl.h at interface
 * version 0x15), laid out here from those headers' documented fields.
 * Plain __u types: selftests/xen_privcmd_test.c includes this too and
 * checks every offset against the installed <xen/domctl.h>.
 */
#ifndef DOMINO_PVOPS_XEN_DOM0_ABI_H
#define DOMINO_PVOPS_XEN_DOM0_ABI_H

#include <linux/types.h>

/* Xen 4.17's: a tool built for another Xen is refused (-EACCES). */
#define XEN417_DOMCTL_VERSION		0x15
#define XEN417_SYSCTL_VERSION		0x15

#define XEN417_DOMCTL_getdomaininfo	5
#define XEN417_SYSCTL_getdomaininfolist	6

/* struct xen417_dominfo.flags */
#define XEN417_DOMINF_dying		(1U << 0)
#define XEN417_DOMINF_hvm_guest		(1U << 1)
#define XEN417_DOMINF_shutdown		(1U << 2)
#define XEN417_DOMINF_paused		(1U << 3)
#define XEN417_DOMINF_blocked		(1U << 4)
#define XEN417_DOMINF_running		(1U << 5)
#define XEN417_DOMINF_debugged		(1U << 6)
#define XEN417_DOMINF_xs_domain		(1U << 7)
#define XEN417_DOMINF_hap		(1U << 8)
/* The shutdown reason (or code) sits in bits 16 and up. */
#define XEN417_DOMINF_shutdownshift	16
#define XEN417_DOMINF_shutdownmask	0xff

/* max_vcpu_id of a domain without vCPUs. */
#define XEN417_INVALID_MAX_VCPU_ID	0xffffffffU

/* arch_config.emulation_flags (x86) */
#define XEN417_X86_EMU_LAPIC		(1U << 0)
#define XEN417_X86_EMU_IOAPIC		(1U << 4)

/* XEN_DOMCTL_getdomaininfo's answer, and each getdomaininfolist entry. */
struct xen417_dominfo {
	__u16 domain;
	__u16 pad1;
	__u32 flags;
	__u64 tot_pages;
	__u64 max_pages;
	__u64 outstanding_pages;
	__u64 shr_pages;
	__u64 paged_pages;
	__u64 shared_info_frame;
	__u64 cpu_time;			/* ns */
	__u32 nr_online_vcpus;
	__u32 max_vcpu_id;
	__u32 ssidref;
	__u8 handle[16];
	__u32 cpupool;
	__u8 gpaddr_bits;
	__u8 pad2[7];
	struct {
		__u32 emulation_flags;
		__u32 misc_flags;
	} arch_config;
};

/* The argument of __HYPERVISOR_domctl. */
struct xen417_domctl {
	__u32 cmd;
	__u32 interface_version;
	__u16 domain;
	__u16 pad[3];
	union {
		struct xen417_dominfo getdomaininfo;
		__u8 raw[128];
	} u;
};

/* The argument of __HYPERVISOR_sysctl. */
struct xen417_sysctl {
	__u32 cmd;
	__u32 interface_version;
	union {
		struct {
			__u16 first_domain;
			__u16 pad;
			__u32 max_domains;
			__u64 buffer;	/* struct xen417_dominfo[max_domains] */
			__u32 num_domains;
			__u32 pad2;
		} getdomaininfolist;
		__u8 raw[128];
	} u;
};

#ifdef __KERNEL__
static_assert(sizeof(struct xen417_dominfo) == 112);
static_assert(sizeof(struct xen417_domctl) == 144);
static_assert(sizeof(struct xen417_sysctl) == 136);
#endif

#endif /* DOMINO_PVOPS_XEN_DOM0_ABI_H */
