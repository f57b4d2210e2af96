/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Domino: the /dev/domino ioctl API.
 *
 * This header is the versioned contract between domino.ko and every VMM
 * that drives it. Userspace includes it unchanged (-I uapi, then
 * #include <linux/domino.h>).
 *
 * Object model (KVM-style file descriptors, Xen-style objects):
 *
 *   open("/dev/domino")       system fd: version, capabilities, domain
 *                             creation. Any number of opens may coexist;
 *                             each is independent.
 *   DOMINO_CREATE_DOMAIN      returns a domain fd. The domain lives as long
 *                             as a reference to it does (the fd, and later
 *                             its vCPU fds); closing the last one destroys
 *                             it and frees everything it held.
 *
 * Rules every ioctl follows:
 *   - An ioctl number whose type byte is not DOMINO_IOCTL_TYPE, or whose
 *     number is unknown on that kind of fd, fails with ENOTTY.
 *   - A known number with the wrong direction or argument size (an old or
 *     new header that disagrees about a struct) fails with EINVAL.
 *   - Reserved fields and unknown flag bits must be zero (EINVAL otherwise),
 *     so that later versions can give them a meaning.
 *   - Structures use fixed-width types and explicit padding: 32-bit and
 *     64-bit callers see the same layout.
 *
 * Versioning: DOMINO_GET_API_VERSION returns DOMINO_API_VERSION. A new
 * version only adds ioctls, flags and meanings for reserved fields; what is
 * documented here keeps its meaning.
 */
#ifndef _UAPI_LINUX_DOMINO_H
#define _UAPI_LINUX_DOMINO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DOMINO_API_VERSION	1

/* The ioctl type byte of every Domino ioctl. */
#define DOMINO_IOCTL_TYPE	0xDE

/* Path of the system device node. */
#define DOMINO_DEVICE_PATH	"/dev/domino"

/*
 * Domain ids follow Xen: 0 is the host (dom0), guests get 1..DOMINO_DOMID_MAX,
 * and the values from Xen's DOMID_FIRST_RESERVED (0x7FF0) up are reserved
 * for special meanings (DOMID_SELF, DOMID_IO, ...).
 */
#define DOMINO_DOMID_HOST	0
#define DOMINO_DOMID_MAX	0x7FEF

/* Which hardware virtualization the module drives. */
enum domino_vendor {
	DOMINO_VENDOR_NONE = 0,
	DOMINO_VENDOR_SVM = 1,		/* AMD SVM with nested paging (NPT) */
	DOMINO_VENDOR_VMX = 2		/* Intel VT-x with EPT */
};

/*
 * Feature bits of struct domino_caps.features.
 *
 * Bits 0-15 describe a capability in vendor-neutral terms. Bits 16-31 are
 * SVM features (CPUID Fn8000_000A), bits 32-47 VMX features (the
 * IA32_VMX_* capability MSRs). A bit is set when the hardware offers the
 * feature and the module will use it where it helps; the module never
 * requires an optional one.
 */
#define DOMINO_FEAT_TDP			(1ULL << 0)  /* nested paging: NPT/EPT */
#define DOMINO_FEAT_TDP_2M		(1ULL << 1)  /* 2 MiB nested mappings */
#define DOMINO_FEAT_TDP_1G		(1ULL << 2)  /* 1 GiB nested mappings */
#define DOMINO_FEAT_TDP_AD		(1ULL << 3)  /* accessed/dirty bits */
#define DOMINO_FEAT_TAGGED_TLB		(1ULL << 4)  /* ASIDs / VPIDs */
#define DOMINO_FEAT_VNMI		(1ULL << 5)  /* virtual NMI masking */
#define DOMINO_FEAT_TSC_SCALING		(1ULL << 6)
#define DOMINO_FEAT_PAUSE_EXITS		(1ULL << 7)  /* pause filter / PLE */
#define DOMINO_FEAT_APIC_VIRT		(1ULL << 8)  /* AVIC / APIC-register virt. */

#define DOMINO_FEAT_SVM_NRIPS		(1ULL << 16) /* next RIP saved on exit */
#define DOMINO_FEAT_SVM_DECODE_ASSISTS	(1ULL << 17)
#define DOMINO_FEAT_SVM_VMCB_CLEAN	(1ULL << 18)
#define DOMINO_FEAT_SVM_FLUSH_BY_ASID	(1ULL << 19)
#define DOMINO_FEAT_SVM_LBRV		(1ULL << 20)
#define DOMINO_FEAT_SVM_VGIF		(1ULL << 21)
#define DOMINO_FEAT_SVM_V_VMSAVE_VMLOAD	(1ULL << 22)

#define DOMINO_FEAT_VMX_UNRESTRICTED	(1ULL << 32) /* real mode guests */
#define DOMINO_FEAT_VMX_PREEMPT_TIMER	(1ULL << 33)
#define DOMINO_FEAT_VMX_PML		(1ULL << 34) /* page-modification log */
#define DOMINO_FEAT_VMX_SHADOW_VMCS	(1ULL << 35)
#define DOMINO_FEAT_VMX_INVEPT		(1ULL << 36)
#define DOMINO_FEAT_VMX_INVVPID		(1ULL << 37)
#define DOMINO_FEAT_VMX_TRUE_CTLS	(1ULL << 38) /* IA32_VMX_TRUE_*_CTLS */
#define DOMINO_FEAT_VMX_EPT_EXEC_ONLY	(1ULL << 39)

/*
 * DOMINO_GET_API_VERSION - system fd
 * Returns DOMINO_API_VERSION as the ioctl's return value. No argument.
 */
#define DOMINO_GET_API_VERSION	_IO(DOMINO_IOCTL_TYPE, 0x00)

/*
 * DOMINO_GET_CAPS - system fd
 * Fills struct domino_caps with what the loaded module detected on this
 * machine. The same facts are published read-only under
 * /sys/class/misc/domino/.
 */
struct domino_caps {
	__u32 api_version;	/* DOMINO_API_VERSION */
	__u32 vendor;		/* enum domino_vendor */
	__u64 features;		/* DOMINO_FEAT_* */
	__u32 tdp_levels;	/* depth of the nested page tables (4 or 5) */
	__u32 nr_tlb_tags;	/* usable ASIDs (SVM) or VPIDs (VMX); 0: none */
	__u32 vendor_revision;	/* SVM revision (Fn8000_000A EAX[7:0]) or
				 * VMCS revision id (IA32_VMX_BASIC[30:0]) */
	__u32 nr_cpus;		/* CPUs online when the module loaded */
	__u32 max_domains;	/* limit on live guest domains */
	__u32 pad;
	__u64 reserved[8];	/* zero */
};

#define DOMINO_GET_CAPS		_IOR(DOMINO_IOCTL_TYPE, 0x01, struct domino_caps)

/*
 * DOMINO_CREATE_DOMAIN - system fd
 * Creates a guest domain and returns a new domain fd (O_CLOEXEC).
 *
 * domid: in, 0 to let the module allocate one (Xen-style: ids are handed
 *        out in increasing order and wrap, so a freed id is not reused at
 *        once), or a specific id in 1..DOMINO_DOMID_MAX (restore and
 *        migration keep ids). Out: the domain's id.
 *
 * Errors: EINVAL (bad flags, reserved bits, domid out of range),
 *         EEXIST (that domid is taken), ENOSPC (max_domains reached),
 *         EBUSY (another hypervisor holds VMX/SVM on some CPU; the kernel
 *         log names it and the fix), ENOMEM.
 *
 * The first domain switches hardware virtualization on, on every CPU; when
 * the last domain is gone it is switched off again.
 */
struct domino_create_domain {
	__u32 flags;		/* none defined yet: must be 0 */
	__u32 domid;		/* in/out, see above */
	__u64 reserved[4];	/* zero */
};

#define DOMINO_CREATE_DOMAIN	_IOWR(DOMINO_IOCTL_TYPE, 0x02, struct domino_create_domain)

/*
 * DOMINO_DOMAIN_GET_INFO - domain fd
 * Reports the domain's identity and state.
 */
struct domino_domain_info {
	__u32 domid;
	__u32 flags;		/* none defined yet: 0 */
	__u64 reserved[6];	/* written as zero */
};

#define DOMINO_DOMAIN_GET_INFO	_IOR(DOMINO_IOCTL_TYPE, 0x40, struct domino_domain_info)

#endif /* _UAPI_LINUX_DOMINO_H */
