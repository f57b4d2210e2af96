/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen guest ABI (pvops/), as the core sees it: the only header vmm/
 * includes from here. A domain created with DOMINO_DOMAIN_XEN finds Xen in
 * CPUID, gets its hypercall page through Xen's MSR, and reaches the
 * dispatcher with VMCALL/VMMCALL. Nothing here is vendor-specific: the
 * vendor reports a DX_HYPERCALL exit and writes its instruction into the
 * page (domino_vendor_ops.write_hypercall).
 */
#ifndef DOMINO_PVOPS_XEN_H
#define DOMINO_PVOPS_XEN_H

#include <linux/types.h>

struct domino_domain;
struct domino_vcpu;

/* The Xen version Domino reports: Debian 12's, whose userspace it serves. */
#define DOMINO_XEN_MAJOR	4
#define DOMINO_XEN_MINOR	17

bool domino_xen_domain(const struct domino_domain *d);

/* The domain's Xen state, with it from creation to destruction. */
int domino_xen_domain_init(struct domino_domain *d);
void domino_xen_domain_free(struct domino_domain *d);
/* vCPU @v is going: its Xen state with it (once; idempotent). */
void domino_xen_vcpu_free(struct domino_vcpu *v);

/* vCPU @v was created: its Xen state (timers, upcall, runstate). */
int domino_xen_vcpu_init(struct domino_vcpu *v);

/*
 * On the vCPU's thread, before each entry and before it sleeps: events
 * that senders elsewhere queued, expired timers (VIRQ_TIMER), the
 * runstate area, and whether the callback vector is still owed.
 */
void domino_xen_vcpu_prepare(struct domino_vcpu *v);
/* Work for domino_xen_vcpu_prepare arrived (wakes a sleeping vCPU). */
bool domino_xen_has_work(struct domino_vcpu *v);
/*
 * The callback vector (HVM_PARAM_CALLBACK_IRQ of the vector type) while
 * an upcall is owed, else -1. Delivered like an interrupt, outside the
 * LAPIC (no EOI), and again after each entry while it is owed.
 */
int domino_xen_pending_callback(struct domino_vcpu *v);
/* In SCHEDOP_block with an event owed: the sleep ends, IF or not. */
bool domino_xen_block_ends(struct domino_vcpu *v);

/* The vCPU's LAPIC was software-enabled: a per-vCPU upcall owed is raised. */
void domino_xen_apic_enabled(struct domino_vcpu *v);

/*
 * The domain fd's Xen ioctls (DOMINO_XEN_*: the host's event channel
 * ends, the toolstack's HVM parameters); -ENOTTY for any other.
 */
long domino_xen_domain_ioctl(struct domino_domain *d, unsigned int cmd,
			     void __user *uarg);
/*
 * Guest frames [gfn, gfn + nr) include one the guest gave back
 * (XENMEM_decrease_reservation) and has not populated again, or one where
 * it placed a grant frame: the core maps no RAM there and its
 * guest-memory accessors refuse them, so the guest's accesses to a frame
 * given back exit to the VMM as if no RAM were there.
 * Lockless, for the fault path; false for a domain without Xen.
 */
bool domino_xen_absent(struct domino_domain *d, u64 gfn, u64 nr);
/*
 * The host physical address of the module's page that the guest placed
 * at guest frame @gfn (a grant table frame, XENMEM_add_to_physmap), or 0.
 * Such a page hides RAM or a hole there: the fault path maps it (4 KiB,
 * writable) and domino_xen_absent() counts its frame as not RAM. Under
 * the domain's mmu_lock or not, lockless; the page lives as long as the
 * domain, and leaves @gfn before domino_memory_zap_gfn().
 */
u64 domino_xen_frame_pa(struct domino_domain *d, u64 gfn);
/*
 * Under slots_lock: the VMM replaced or removed the slot that mapped
 * [gpa, gpa + size); frames given back there are forgotten (RAM again).
 */
void domino_xen_memory_changed(struct domino_domain *d, u64 gpa, u64 size);

/*
 * Domain 0's device nodes (pvops/dev_evtchn.c: /dev/xen/evtchn), from
 * module load to unload; a node that cannot be registered is logged and
 * left out.
 */
void domino_xen_dev_init(void);
void domino_xen_dev_exit(void);
/* Domain 0's xenbus port for xenstored (pvops/dev_evtchn.c), 0 if none. */
u32 domino_xen_xenbus_port(void);
/* /proc/xen (pvops/proc_xen.c), after domino_xen_dev_init, before its exit. */
void domino_xen_proc_init(void);
void domino_xen_proc_exit(void);
/* pvops/dev_gntdev.c: /dev/xen/gntdev, the same way. */
void domino_xen_gntdev_init(void);
void domino_xen_gntdev_exit(void);
/* pvops/dev_privcmd.c: /dev/xen/privcmd, the same way. */
void domino_xen_privcmd_init(void);
void domino_xen_privcmd_exit(void);
/*
 * A domain died or shut down: domain 0's VIRQ_DOM_EXC fires, if bound
 * (xenstored's cue to look for dead domains). Any process context.
 */
void domino_xen_dom_exc(void);

/* Adds the Xen leaves (0x40000000-0x40000004) to the vCPU's policy. */
int domino_xen_cpuid_init(struct domino_vcpu *v);

/* Xen's MSRs (the hypercall page): -ENOENT for any other. */
int domino_xen_msr_get(struct domino_vcpu *v, u32 index, u64 *val);
int domino_xen_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host);

/*
 * A VMCALL/VMMCALL exit of a Xen domain: runs the hypercall the guest's
 * registers name and moves RIP past the instruction, @insn_len bytes with
 * its prefixes (unless the call
 * is to be continued, when the guest executes it again). Returns 1 to
 * enter the guest again, 0 when the VMM must hear of it first (v->run
 * holds the exit).
 */
int domino_xen_hypercall(struct domino_vcpu *v, u32 insn_len);

#endif /* DOMINO_PVOPS_XEN_H */
