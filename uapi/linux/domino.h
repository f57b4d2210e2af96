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
 *   1  the first.
 *   2  per-domain limits: max_memory and max_vcpus in struct
 *      domino_create_domain (were reserved) and in domino_domain_info.
 *   3  tdp_large_maps in struct domino_domain_info (was reserved[0]).
 *   4  DOMINO_DOMAIN_XEN: the guest sees Xen's CPUID leaves, hypercall
 *      page and hypercalls; DOMINO_EXIT_XEN_SHUTDOWN.
 *   5  Xen event channels: DOMINO_DOMAIN_XEN_NO_FIFO; the host's end of a
 *      guest's port (DOMINO_XEN_EVTCHN_BIND/UNBIND, eventfds both ways);
 *      the toolstack's HVM parameters (DOMINO_XEN_SET_PARAM/GET_PARAM);
 *      CONSOLEIO_write's bytes for the VMM (DOMINO_EXIT_XEN_CONSOLE).
 *   6  the dom0 side: DOMINO_XEN_EVTCHN_ALLOC_UNBOUND (a guest's port for
 *      another domain, as xenstored's), DOMINO_XEN_GNTTAB_SEED (the
 *      reserved grant entries); the grant table's limits in struct
 *      domino_create_domain (max_grant_frames, max_maptrack_frames, were
 *      reserved[0]).
 */
#ifndef _UAPI_LINUX_DOMINO_H
#define _UAPI_LINUX_DOMINO_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DOMINO_API_VERSION	6

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
 * max_memory: the most guest memory its slots may map together, in bytes
 *        (a multiple of 4096); 0: no limit of its own. Like Xen's maxmem.
 * max_vcpus: vCPU ids are below it (1..DOMINO_MAX_VCPUS); 0: the
 *        maximum, DOMINO_MAX_VCPUS.
 * max_grant_frames: a DOMINO_DOMAIN_XEN domain's grant table may grow to
 *        this many frames (1..DOMINO_XEN_MAX_GRANT_FRAMES; 512 entries
 *        each); 0: DOMINO_XEN_DEFAULT_GRANT_FRAMES, Xen 4.17's default.
 *        xl.cfg's max_grant_frames. Must be 0 for other domains.
 * max_maptrack_frames: xl.cfg's max_maptrack_frames, the grants of other
 *        domains this one may map at once (in frames of 512 handles,
 *        0..DOMINO_XEN_MAX_MAPTRACK_FRAMES; 0: Xen's default, 1024).
 *        Domino guests map no grants yet (GNTTABOP_map_grant_ref is
 *        -ENOSYS), so the limit is kept and holds trivially.
 *
 * Errors: EINVAL (bad flags, reserved bits, domid out of range, limits
 *         malformed),
 *         EEXIST (that domid is taken), ENOSPC (max_domains reached),
 *         EBUSY (another hypervisor holds VMX/SVM on some CPU; the kernel
 *         log names it and the fix), ENOMEM, EINTR (a signal arrived while
 *         the module registered with the caller's address space; retry).
 *
 * The first domain switches hardware virtualization on, on every CPU; when
 * the last domain is gone it is switched off again.
 */
struct domino_create_domain {
	__u32 flags;		/* DOMINO_DOMAIN_*, below */
	__u32 domid;		/* in/out, see above */
	__u64 max_memory;	/* bytes; 0: no limit (API version 2) */
	__u32 max_vcpus;	/* 0: DOMINO_MAX_VCPUS (API version 2) */
	__u32 pad;		/* zero */
	__u32 max_grant_frames;	/* Xen domains; 0: the default (API version 6) */
	__u32 max_maptrack_frames; /* Xen domains; 0: the default (API version 6) */
	__u64 reserved;		/* zero */
};

#define DOMINO_CREATE_DOMAIN	_IOWR(DOMINO_IOCTL_TYPE, 0x02, struct domino_create_domain)
#define DOMINO_XEN_DEFAULT_GRANT_FRAMES		64
#define DOMINO_XEN_MAX_GRANT_FRAMES		64
#define DOMINO_XEN_DEFAULT_MAPTRACK_FRAMES	1024
#define DOMINO_XEN_MAX_MAPTRACK_FRAMES		1024

/*
 * DOMINO_DOMAIN_GET_INFO - domain fd
 * Reports the domain's identity and state.
 *
 * tdp_large_maps: how many times since creation a guest access was mapped
 *        with one 2 MiB nested page (DOMINO_FEAT_TDP_2M) rather than 4 KiB
 *        ones; a frame mapped again after the VMM's mapping changed counts
 *        again. Whether this domain's large pages work, whatever other
 *        domains do.
 */
struct domino_domain_info {
	__u32 domid;
	__u32 flags;		/* DOMINO_DOMAIN_* it was created with */
	__u64 max_memory;	/* its limits, as created (0: none) */
	__u32 max_vcpus;
	__u32 pad;
	__u64 memory;		/* bytes its slots map now */
	__u64 tdp_large_maps;	/* see above (API version 3) */
	__u64 reserved[2];	/* written as zero */
};

#define DOMINO_DOMAIN_GET_INFO	_IOR(DOMINO_IOCTL_TYPE, 0x40, struct domino_domain_info)

/* Flags of struct domino_create_domain. */
/* MSRs the module does not handle exit to the VMM instead of raising #GP. */
#define DOMINO_DOMAIN_MSR_EXITS		(1U << 0)
/*
 * The module emulates the platform's interrupt controllers and timers, as
 * Xen does for HVM and PVH guests:
 *  - a local APIC per vCPU (APIC id = vCPU id), xAPIC at DOMINO_LAPIC_BASE
 *    and x2APIC through MSRs, with its timer (one-shot, periodic and
 *    TSC-deadline; the bus clock is 1 GHz) and IPIs, INIT and SIPI included;
 *  - an I/O APIC with DOMINO_IOAPIC_PINS inputs at DOMINO_IOAPIC_BASE (id 0
 *    by default), driven by the VMM through DOMINO_IRQ_LINE;
 *  - the paravirtual clock of KVM's ABI (MSRs 0x4b564d00/01) and CPUID
 *    leaves 0x40000000-1 announcing it, so a guest knows the TSC rate.
 * In such a domain HLT sleeps in the kernel until an interrupt can be
 * delivered (no DOMINO_EXIT_HLT); vCPUs other than 0 start waiting for
 * INIT/SIPI inside DOMINO_RUN; DOMINO_INJECT_EVENT refuses interrupts.
 */
#define DOMINO_DOMAIN_IRQCHIP		(1U << 1)
/*
 * The guest sees Xen (docs/xen.md): CPUID leaves 0x40000000-0x40000004 say
 * "XenVMMXenVMM" instead of KVM's, the MSR that leaf 0x40000002 names
 * fills a hypercall page, and VMCALL/VMMCALL are hypercalls (each handled
 * in the module; from guest user mode they fail with -EPERM). Requires
 * DOMINO_DOMAIN_IRQCHIP. Without it VMCALL/VMMCALL raise #UD.
 */
#define DOMINO_DOMAIN_XEN		(1U << 2)
/*
 * With DOMINO_DOMAIN_XEN: the guest is refused the FIFO event channel ABI
 * (EVTCHNOP_init_control fails with -ENOSYS, as on a Xen without it), so
 * it uses the 2-level one. Requires DOMINO_DOMAIN_XEN.
 */
#define DOMINO_DOMAIN_XEN_NO_FIFO	(1U << 3)
/*
 * run->xen_shutdown.code before any SCHEDOP_shutdown_code (which refuses
 * this value). The code is the guest's own word, not checked further.
 */
#define DOMINO_XEN_NO_CODE		0xffffffffU
#define DOMINO_DOMAIN_FLAGS_VALID	(DOMINO_DOMAIN_MSR_EXITS | DOMINO_DOMAIN_IRQCHIP | \
					 DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_XEN_NO_FIFO)

#define DOMINO_LAPIC_BASE		0xfee00000ULL
#define DOMINO_IOAPIC_BASE		0xfec00000ULL
#define DOMINO_IOAPIC_PINS		24

/*
 * DOMINO_IRQ_LINE - domain fd, DOMINO_DOMAIN_IRQCHIP domains only
 * Sets I/O APIC input @gsi to @level (0 or 1). An edge-triggered pin
 * delivers on 0->1; a level-triggered one while it is 1 and the guest has
 * not yet acknowledged it (EOI). Safe from any thread.
 * Errors: ENXIO (the domain has no in-kernel irqchip, whatever the
 *         arguments, as KVM_IRQ_LINE), EINVAL (gsi >= DOMINO_IOAPIC_PINS,
 *         level > 1, reserved).
 */
struct domino_irq_line {
	__u32 gsi;
	__u32 level;
	__u64 reserved;		/* zero */
};

#define DOMINO_IRQ_LINE		_IOW(DOMINO_IOCTL_TYPE, 0x43, struct domino_irq_line)

/*
 * DOMINO_XEN_EVTCHN_BIND - domain fd, DOMINO_DOMAIN_XEN domains only
 * The host's end of an event channel of the guest: what Xen's toolstack
 * gets with EVTCHNOP_alloc_unbound for dom0 and dom0's bind_interdomain,
 * for this process (the VMM, its backends). The guest sees the port as
 * interdomain with domain 0.
 *
 * port:      IN 0: a new port of the guest, bound; IN n: the guest's
 *            port n, which it left unbound for domain 0
 *            (EVTCHNOP_alloc_unbound with remote_dom 0). OUT: the port.
 * vcpu:      for a new port, the guest vCPU it notifies (the guest may
 *            move it with EVTCHNOP_bind_vcpu).
 * raise_fd:  an eventfd, or -1: each write to it raises the port in the
 *            guest (KVM's irqfd pattern), from any thread or process
 *            that holds it.
 * notify_fd: an eventfd, or -1: signalled each time the guest sends on
 *            the port (KVM's ioeventfd pattern).
 * Permission: only the process that created the domain (its VMM) binds
 * its ports; a descriptor it passes on lets another process raise or
 * hear one port, nothing more.
 * Errors: ENODEV (not a Xen domain), EINVAL (flags or pad set; port n
 *         not unbound for domain 0; vcpu absent), ENOSPC (no free port),
 *         EBADF (a descriptor that is not an eventfd), EIO (not the
 *         domain's creator).
 */
struct domino_xen_evtchn_bind {
	__u32 port;
	__u32 vcpu;
	__s32 raise_fd;
	__s32 notify_fd;
	__u32 flags;		/* zero */
	__u32 pad;		/* zero */
};

#define DOMINO_XEN_EVTCHN_BIND	_IOWR(DOMINO_IOCTL_TYPE, 0x44, struct domino_xen_evtchn_bind)

/*
 * DOMINO_XEN_EVTCHN_UNBIND - domain fd
 * Closes the host's end of @port: the eventfds are let go and the guest's
 * port waits, unbound, for domain 0 again (as a dom0 close leaves it).
 * Errors: ENODEV, EINVAL (pad set, or not a port the host holds).
 */
struct domino_xen_evtchn_unbind {
	__u32 port;
	__u32 pad;		/* zero */
};

#define DOMINO_XEN_EVTCHN_UNBIND _IOW(DOMINO_IOCTL_TYPE, 0x45, struct domino_xen_evtchn_unbind)

/*
 * DOMINO_XEN_SET_PARAM / DOMINO_XEN_GET_PARAM - domain fd, Xen domains
 * The toolstack's side of Xen's HVM parameters (HVMOP_set_param from
 * dom0): index is an HVM_PARAM_* of Xen's hvm/params.h, below
 * DOMINO_XEN_NR_PARAMS. The host sets the ones a guest may only read
 * (the xenstore and console pages and ports, ...); the guest's own
 * HVM_PARAM_CALLBACK_IRQ it may read, not set.
 * Errors: ENODEV, EINVAL (index out of range, pad set), EPERM (setting
 *         CALLBACK_IRQ).
 */
#define DOMINO_XEN_NR_PARAMS		19	/* HVM_NR_PARAMS of the kernel's Xen headers */

struct domino_xen_param {
	__u32 index;
	__u32 pad;		/* zero */
	__u64 value;
};

#define DOMINO_XEN_SET_PARAM	_IOW(DOMINO_IOCTL_TYPE, 0x46, struct domino_xen_param)
#define DOMINO_XEN_GET_PARAM	_IOWR(DOMINO_IOCTL_TYPE, 0x47, struct domino_xen_param)

/*
 * DOMINO_XEN_EVTCHN_ALLOC_UNBOUND - domain fd, Xen domains (API version 6)
 * A new port of the guest, unbound, that domain @remote_dom may bind: what
 * Xen's toolstack gets with EVTCHNOP_alloc_unbound naming the guest
 * (xc_evtchn_alloc_unbound), e.g. the guest's xenstore port, which the
 * toolstack hands to xenstored (HVM_PARAM_STORE_EVTCHN, XS_INTRODUCE).
 * Domain 0 binds it with /dev/xen/evtchn's IOCTL_EVTCHN_BIND_INTERDOMAIN,
 * another guest with EVTCHNOP_bind_interdomain. It notifies vCPU 0.
 *
 * remote_dom: IN, 0 (domain 0) to DOMINO_DOMID_MAX; the domain need not
 *             exist yet, as in Xen.
 * port:       OUT.
 * Errors: ENODEV (not a Xen domain), EINVAL (remote_dom out of range),
 *         ENOSPC (no free port), EIO (not the domain's creator).
 */
struct domino_xen_evtchn_alloc {
	__u32 remote_dom;
	__u32 port;
};

#define DOMINO_XEN_EVTCHN_ALLOC_UNBOUND _IOWR(DOMINO_IOCTL_TYPE, 0x48, struct domino_xen_evtchn_alloc)

/*
 * DOMINO_XEN_GNTTAB_SEED - domain fd, Xen domains (API version 6)
 * Writes one of the guest's reserved grant entries, as Xen's toolstack
 * seeds them before the guest boots (xc_dom_gnttab_seed): entry
 * GNTTAB_RESERVED_CONSOLE (0) grants the console ring and
 * GNTTAB_RESERVED_XENSTORE (1) the xenstore ring to the backends' domain,
 * so that xenstored maps the ring by grant (gntdev) rather than by a
 * privileged foreign mapping. The guest owns the entry from then on.
 *
 * ref:    IN, below DOMINO_XEN_GNTTAB_RESERVED (Xen's
 *         GNTTAB_NR_RESERVED_ENTRIES, which guests never hand out).
 * domid:  IN, the domain granted (0: domain 0).
 * flags:  IN, GTF_permit_access (1), optionally with GTF_readonly (4);
 *         or 0, which clears the entry.
 * gfn:    IN, the granted guest frame.
 * Errors: ENODEV, EINVAL (ref, flags or domid out of range, gfn beyond
 *         the guest's physical address width), EBUSY (the entry is in
 *         use: mapped or being copied), EIO (not the domain's creator).
 */
#define DOMINO_XEN_GNTTAB_RESERVED	8

struct domino_xen_gnttab_seed {
	__u32 ref;
	__u16 domid;
	__u16 flags;
	__u64 gfn;
};

#define DOMINO_XEN_GNTTAB_SEED	_IOW(DOMINO_IOCTL_TYPE, 0x49, struct domino_xen_gnttab_seed)

/*
 * DOMINO_SET_MEMORY_REGION - domain fd
 * Maps guest-physical [guest_phys_addr, +memory_size) onto the caller's
 * virtual range [userspace_addr, +memory_size): any mapping the VMM owns
 * (anonymous, memfd, file). The module follows the mapping: if the host
 * unmaps, migrates or swaps the backing, the guest sees the new page on its
 * next access. Guest accesses outside every region exit as MMIO, and so
 * do a DOMINO_DOMAIN_XEN guest's accesses to frames it gave back
 * (XENMEM_decrease_reservation, docs/xen.md) until it populates them
 * again; the module then discards the memory behind them (zaps private
 * anonymous memory, punches a hole in a shared file, zeroes the rest).
 *
 * slot:   0..DOMINO_MAX_MEMORY_SLOTS-1; setting a used slot replaces it,
 *         memory_size 0 deletes it. Safe while vCPUs run.
 * flags:  DOMINO_MEM_READONLY: guest writes exit as MMIO writes.
 * All addresses and the size are page aligned; ranges must not wrap, must
 * lie below 2^DOMINO_GUEST_PHYS_BITS, and must not overlap another slot.
 *
 * Errors: EINVAL (alignment, size, wrap, flags, reserved, slot number),
 *         EEXIST (overlaps another slot), EFAULT (userspace range not
 *         within the caller's address space), ENOSPC (the slots would map
 *         more than the domain's max_memory).
 */
struct domino_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 reserved[2];
};

#define DOMINO_MEM_READONLY		(1U << 0)
#define DOMINO_MAX_MEMORY_SLOTS		64
#define DOMINO_GUEST_PHYS_BITS		46

#define DOMINO_SET_MEMORY_REGION _IOW(DOMINO_IOCTL_TYPE, 0x41, struct domino_memory_region)

/*
 * DOMINO_CREATE_VCPU - domain fd
 * Creates vCPU vcpu_id (below the domain's max_vcpus, each once; EINVAL
 * otherwise, EEXIST for an id taken) and returns its
 * fd (O_CLOEXEC). The vCPU holds a reference on its domain. Its state
 * starts as after INIT (real mode at f000:fff0), with the default CPUID
 * policy derived from the host.
 */
struct domino_create_vcpu {
	__u32 vcpu_id;
	__u32 flags;		/* must be 0 */
	__u64 reserved[2];
};

#define DOMINO_MAX_VCPUS	128
#define DOMINO_CREATE_VCPU	_IOW(DOMINO_IOCTL_TYPE, 0x42, struct domino_create_vcpu)

/*
 * The vCPU run area: mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ|PROT_WRITE,
 * MAP_SHARED, vcpu_fd, 0). DOMINO_RUN fills exit_reason and the matching
 * member of the union; port I/O data lives in the same area, at
 * io.data_offset.
 */
#define DOMINO_RUN_AREA_SIZE	4096

enum domino_exit_reason {
	DOMINO_EXIT_NONE = 0,
	DOMINO_EXIT_IO = 1,		/* port I/O: io */
	DOMINO_EXIT_MMIO = 2,		/* access to unmapped/read-only GPA: mmio */
	DOMINO_EXIT_HLT = 3,
	DOMINO_EXIT_SHUTDOWN = 4,	/* triple fault */
	DOMINO_EXIT_FAIL_ENTRY = 5,	/* the hardware refused the state: hw */
	DOMINO_EXIT_INTERNAL_ERROR = 6,	/* the module could not go on: internal */
	DOMINO_EXIT_MSR = 7,		/* MSR access for the VMM: msr */
	DOMINO_EXIT_MEMORY_FAULT = 8,	/* guest access it cannot complete: fault */
	DOMINO_EXIT_IRQ_WINDOW = 9,	/* guest can take an interrupt now */
	DOMINO_EXIT_XEN_SHUTDOWN = 10,	/* SCHEDOP_shutdown (DOMINO_DOMAIN_XEN): xen_shutdown */
	DOMINO_EXIT_XEN_CONSOLE = 11,	/* CONSOLEIO_write (DOMINO_DOMAIN_XEN): xen_console */
};

#define DOMINO_IO_IN		0
#define DOMINO_IO_OUT		1

/* Sub-reasons of DOMINO_EXIT_INTERNAL_ERROR. */
#define DOMINO_INTERNAL_DECODE		1	/* MMIO instruction not decodable */
#define DOMINO_INTERNAL_UNHANDLED_EXIT	2	/* hardware exit code in data[0] */

struct domino_run {
	/* in */
	__u8 request_irq_window;	/* exit as soon as an interrupt fits */
	__u8 immediate_exit;		/* return -EINTR before entering */
	__u8 pad0[6];
	/* out */
	__u32 exit_reason;		/* enum domino_exit_reason */
	__u8 irq_window_open;		/* an interrupt can be injected now */
	__u8 if_flag;			/* guest RFLAGS.IF */
	__u16 pad1;
	__u64 rip;			/* guest RIP at the exit */
	union {
		/* DOMINO_EXIT_IO: count items of size bytes at data_offset. */
		struct {
			__u8 direction;		/* DOMINO_IO_IN / _OUT */
			__u8 size;		/* 1, 2 or 4 */
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		/* DOMINO_EXIT_MMIO: one access of len (1..8) bytes. */
		struct {
			__u64 phys_addr;
			__u8 data[8];		/* write: the value; read: VMM fills */
			__u32 len;
			__u8 is_write;
			__u8 pad[3];
		} mmio;
		/* DOMINO_EXIT_MSR: read (VMM fills data) or write. */
		struct {
			__u32 index;
			__u8 is_write;
			__u8 error;		/* VMM sets 1: the guest gets #GP */
			__u16 pad;
			__u64 data;
		} msr;
		/* DOMINO_EXIT_MEMORY_FAULT */
		struct {
			__u64 gpa;
			__u64 flags;		/* DOMINO_FAULT_* */
		} fault;
		/* DOMINO_EXIT_FAIL_ENTRY */
		struct {
			__u64 hardware_reason;	/* VMEXIT code / VM-instruction error */
			__u64 qualification;
		} hw;
		/* DOMINO_EXIT_INTERNAL_ERROR */
		/*
		 * DOMINO_EXIT_XEN_SHUTDOWN: the guest asked to stop. reason is
		 * Xen's SHUTDOWN_poweroff (0), _reboot (1), _crash (3) or
		 * _watchdog (4); code is what SCHEDOP_shutdown_code last set
		 * (DOMINO_XEN_NO_CODE if never). Running the vCPU again
		 * returns 0 from the hypercall.
		 */
		struct {
			__u32 reason;
			__u32 code;
		} xen_shutdown;
		/*
		 * DOMINO_EXIT_XEN_CONSOLE: the guest wrote len bytes (1 to
		 * DOMINO_XEN_CONSOLE_CHUNK) with HYPERVISOR_console_io
		 * (CONSOLEIO_write) for the domain's console log; they are
		 * at data_offset in the run area. dropped: the bytes the
		 * domain's rate limit discarded since the previous such exit.
		 * Running the vCPU again goes on with the call (the rest of
		 * its buffer, or its return).
		 */
		struct {
			__u32 len;
			__u32 pad;
			__u64 data_offset;
			__u64 dropped;
		} xen_console;
		struct {
			__u32 suberror;		/* DOMINO_INTERNAL_* */
			__u32 ndata;
			__u64 data[8];
		} internal;
		__u8 padding[256];
	};
};

/*
 * CONSOLEIO_write, per domain: a burst of DOMINO_XEN_CONSOLE_BURST bytes,
 * then DOMINO_XEN_CONSOLE_RATE bytes a second; what is over is dropped
 * (the call still succeeds, as Xen's does) and counted in the next
 * DOMINO_EXIT_XEN_CONSOLE. One exit carries at most
 * DOMINO_XEN_CONSOLE_CHUNK bytes.
 */
#define DOMINO_XEN_CONSOLE_BURST	65536
#define DOMINO_XEN_CONSOLE_RATE		16384
#define DOMINO_XEN_CONSOLE_CHUNK	1024

#define DOMINO_FAULT_READ	(1ULL << 0)
#define DOMINO_FAULT_WRITE	(1ULL << 1)
#define DOMINO_FAULT_EXEC	(1ULL << 2)

/*
 * DOMINO_RUN - vCPU fd
 * Runs the vCPU until an exit the VMM must handle. Returns 0 with the run
 * area filled; -1/EINTR if a signal is pending (the vCPU state is intact and
 * the next DOMINO_RUN continues); other errors are fatal for that call.
 * An MMIO read or IO IN exit is completed by the next DOMINO_RUN, with the
 * data the VMM wrote into the run area.
 */
#define DOMINO_RUN		_IO(DOMINO_IOCTL_TYPE, 0x80)

struct domino_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/*
 * DOMINO_GET_REGS / DOMINO_SET_REGS - vCPU fd
 * SET_REGS also ends a HLT the vCPU sleeps in (DOMINO_DOMAIN_IRQCHIP): the
 * VMM has moved it on. A vCPU waiting for INIT/SIPI keeps waiting.
 * EINVAL: RFLAGS.VM (virtual-8086 mode) outside 32-bit protected mode;
 * SET_SREGS refuses such a mode while RFLAGS.VM is set.
 */
#define DOMINO_GET_REGS		_IOR(DOMINO_IOCTL_TYPE, 0x81, struct domino_regs)
#define DOMINO_SET_REGS		_IOW(DOMINO_IOCTL_TYPE, 0x82, struct domino_regs)

struct domino_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present, dpl, db, s, l, g, avl;
	__u8 unusable;
	__u8 pad[5];
};

struct domino_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

struct domino_sregs {
	struct domino_segment cs, ds, es, fs, gs, ss;
	struct domino_segment tr, ldt;
	struct domino_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 reserved[4];
};

/*
 * DOMINO_GET_SREGS / DOMINO_SET_SREGS - vCPU fd
 * SET_SREGS refuses (EINVAL) what no CPU of the backend's kind could hold:
 * reserved not zero; CR0 bits 63:32, PG without PE, NW without CD; EFER
 * bits other than SCE, LME, LMA, NX (and FFXSR on SVM), LMA without LME;
 * LME and PG without CR4.PAE; CR8 above 15; CR4 bits the host CPU lacks
 * or Domino does not virtualize; on SVM, CR3 bits 63:32 outside long mode;
 * and RFLAGS.VM set (DOMINO_SET_REGS) with long mode or without PE. EFER.LMA
 * is then made LME && PG. What else the hardware refuses shows at the next
 * DOMINO_RUN as DOMINO_EXIT_FAIL_ENTRY.
 */
#define DOMINO_GET_SREGS	_IOR(DOMINO_IOCTL_TYPE, 0x83, struct domino_sregs)
#define DOMINO_SET_SREGS	_IOW(DOMINO_IOCTL_TYPE, 0x84, struct domino_sregs)

struct domino_msr_entry {
	__u32 index;
	__u32 pad;
	__u64 data;
};

/* entries: user pointer to nr struct domino_msr_entry (nr <= 256). */
struct domino_msrs {
	__u32 nr;
	__u32 pad;
	__u64 entries;
};

/*
 * DOMINO_GET_MSRS / DOMINO_SET_MSRS - vCPU fd
 * Return the number of entries processed; stop at the first unknown MSR,
 * or (as KVM_SET_MSRS) the first value the MSR cannot hold. EINVAL for
 * pad, nr > 256 or any entry's pad not zero, before any entry is done.
 */
#define DOMINO_GET_MSRS		_IOWR(DOMINO_IOCTL_TYPE, 0x85, struct domino_msrs)
#define DOMINO_SET_MSRS		_IOW(DOMINO_IOCTL_TYPE, 0x86, struct domino_msrs)

struct domino_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;		/* DOMINO_CPUID_INDEXED: index matters */
	__u32 eax, ebx, ecx, edx;
	__u32 pad;
};

#define DOMINO_CPUID_INDEXED	(1U << 0)
#define DOMINO_MAX_CPUID_ENTRIES 256

/* entries: user pointer to nr struct domino_cpuid_entry. */
struct domino_cpuid {
	__u32 nr;
	__u32 pad;
	__u64 entries;
};

/*
 * DOMINO_GET_CPUID / DOMINO_SET_CPUID - vCPU fd
 * The CPUID policy the guest sees: leaves not listed read as zero. GET
 * fills up to nr entries and sets nr to the policy's size (E2BIG if it did
 * not fit). SET replaces the whole policy: EINVAL for nr above
 * DOMINO_MAX_CPUID_ENTRIES, or flags other than DOMINO_CPUID_INDEXED or pad
 * not zero in any entry, and the policy stays as it was.
 */
#define DOMINO_GET_CPUID	_IOWR(DOMINO_IOCTL_TYPE, 0x87, struct domino_cpuid)
#define DOMINO_SET_CPUID	_IOW(DOMINO_IOCTL_TYPE, 0x88, struct domino_cpuid)

/*
 * DOMINO_GET_XSAVE / DOMINO_SET_XSAVE - vCPU fd
 * The legacy FXSAVE image followed by the XSAVE header and extended areas,
 * in the standard (not compacted) format, as KVM_GET/SET_XSAVE. SET
 * refuses (EINVAL) XSTATE_BV bits beyond the host's XCR0 (AMX tile data
 * included), a non-zero XCOMP_BV or reserved header bytes, and MXCSR bits
 * beyond MXCSR_MASK in an image that loads x87, SSE or AVX state.
 */
struct domino_xsave {
	__u32 region[1024];
};

#define DOMINO_GET_XSAVE	_IOR(DOMINO_IOCTL_TYPE, 0x89, struct domino_xsave)
#define DOMINO_SET_XSAVE	_IOW(DOMINO_IOCTL_TYPE, 0x8a, struct domino_xsave)

/*
 * DOMINO_INJECT_EVENT - vCPU fd
 * Queues an exception, external interrupt or NMI for the next entry.
 * EINVAL: pad, reserved or has_error_code above 1; an exception vector
 * above 31 or 2 (an NMI is DOMINO_EVENT_NMI); an exception whose error
 * code does not match its vector (it has one exactly when the CPU pushes
 * one: #DF, #TS, #NP, #SS, #GP, #PF and #AC, vectors 8, 10-14 and 17) or
 * does not fit 16 bits, since VM entry refuses the rest; an interrupt
 * vector below 32, with an error code, or into a DOMINO_DOMAIN_IRQCHIP
 * domain; an NMI with an error code. A guest in real mode takes an
 * exception without its error code, as real-mode delivery pushes none.
 * Then EAGAIN for an interrupt while the guest's window is shut
 * (run->irq_window_open: RFLAGS.IF clear, an STI or MOV SS shadow, or an
 * event still queued); EBUSY if an event is already queued.
 */
struct domino_event {
	__u8 type;		/* DOMINO_EVENT_* */
	__u8 vector;
	__u8 has_error_code;
	__u8 pad;
	__u32 error_code;
	__u64 reserved;
};

#define DOMINO_EVENT_EXCEPTION	0
#define DOMINO_EVENT_INTERRUPT	1
#define DOMINO_EVENT_NMI	2

#define DOMINO_INJECT_EVENT	_IOW(DOMINO_IOCTL_TYPE, 0x8b, struct domino_event)

#endif /* _UAPI_LINUX_DOMINO_H */
