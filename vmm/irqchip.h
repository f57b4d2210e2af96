/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel platform of a DOMINO_DOMAIN_IRQCHIP domain: a local APIC
 * per vCPU (vmm/lapic.c), one I/O APIC (vmm/ioapic.c) and the paravirtual
 * clock (vmm/pvclock.c). Vendor-neutral: interrupts reach the guest
 * through the vendor's inject_event and interrupt-window hooks.
 *
 * Locking: a LAPIC's lock guards what other threads and its timer touch
 * (IRR/ISR/TMR and the pending NMI/INIT/SIPI); its registers are written
 * only by its own vCPU thread. Delivery to other vCPUs walks d->vcpus[]
 * under d->vcpus_kick_lock. Order: ioapic->lock, vcpus_kick_lock, lapic
 * lock; a LAPIC's lock is never held while calling out.
 */
#ifndef DOMINO_IRQCHIP_H
#define DOMINO_IRQCHIP_H

#include <linux/types.h>

struct domino_domain;
struct domino_vcpu;

/* An interrupt message, as an IPI or an I/O APIC redirection sends it. */
struct domino_apic_irq {
	u32 dest;		/* APIC id / logical destination */
	u32 delivery_mode;	/* APIC_DM_* (ICR bits 10:8, in place) */
	u32 shorthand;		/* APIC_DEST_SELF/ALLINC/ALLBUT or 0 */
	u8 vector;
	bool logical;
	bool level;		/* level-triggered (TMR set on accept) */
	bool assert;		/* INIT level de-assert is a no-op */
};

/* vmm/lapic.c */
int domino_lapic_create(struct domino_vcpu *v);
void domino_lapic_free(struct domino_vcpu *v);
void domino_apic_deliver(struct domino_domain *d, struct domino_vcpu *src,
			 const struct domino_apic_irq *irq);
/* An edge-triggered fixed interrupt to @v alone (Xen's per-vCPU upcall). */
void domino_lapic_raise(struct domino_vcpu *v, u8 vector);
/* The highest vector the guest may take now (IRR above PPR), or -1. */
int domino_lapic_pending_vector(struct domino_vcpu *v);
/* The guest took @vector: IRR -> ISR. */
void domino_lapic_ack(struct domino_vcpu *v, int vector);
/* Something would end a HLT: a deliverable interrupt (with IF), NMI, INIT. */
bool domino_lapic_wakes_halt(struct domino_vcpu *v, bool if_flag);
/* Take a pending NMI / INIT / SIPI (vector in *sipi); true if there was one. */
bool domino_lapic_take_nmi(struct domino_vcpu *v);
bool domino_lapic_take_init(struct domino_vcpu *v);
bool domino_lapic_take_sipi(struct domino_vcpu *v, u8 *vector);
bool domino_lapic_has_sipi(struct domino_vcpu *v);
bool domino_lapic_has_init(struct domino_vcpu *v);
/* xAPIC page accesses; false if @gpa is not this vCPU's APIC page. */
bool domino_lapic_mmio(struct domino_vcpu *v, u64 gpa, unsigned int len,
		       bool write, u64 *val);
/* x2APIC MSRs 0x800-0x8ff and TSC_DEADLINE; -ENOENT if not ours, -EINVAL: #GP. */
int domino_lapic_msr_get(struct domino_vcpu *v, u32 index, u64 *val);
int domino_lapic_msr_set(struct domino_vcpu *v, u32 index, u64 val);
/* MOV to CR8 (0-15): TPR[7:4], TPR[3:0] cleared (SDM 10.8.6.1). */
void domino_lapic_set_cr8(struct domino_vcpu *v, u64 cr8);
u8 domino_lapic_get_cr8(struct domino_vcpu *v);
/* IA32_APIC_BASE changed (enable, x2APIC mode, relocation). */
int domino_lapic_set_base(struct domino_vcpu *v, u64 val, bool host);

/* vmm/ioapic.c */
int domino_ioapic_create(struct domino_domain *d);
void domino_ioapic_free(struct domino_domain *d);
int domino_ioapic_set_line(struct domino_domain *d, u32 gsi, bool level);
bool domino_ioapic_mmio(struct domino_domain *d, u64 gpa, unsigned int len,
			bool write, u64 *val);
/* A LAPIC EOI of a level-triggered @vector reaches the I/O APIC. */
void domino_ioapic_eoi(struct domino_domain *d, u8 vector);

/* vmm/pvclock.c: KVM's paravirtual clock ABI. */
#define DOMINO_MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define DOMINO_MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
void domino_pvclock_init(struct domino_domain *d);
int domino_pvclock_msr_get(struct domino_vcpu *v, u32 index, u64 *val);
int domino_pvclock_msr_set(struct domino_vcpu *v, u32 index, u64 val);
/* The clock structures themselves, shared with Xen's (pvops/time.c). */
struct pvclock_vcpu_time_info;
struct pvclock_wall_clock;
void domino_pvclock_fill(struct domino_domain *d, s64 tsc_offset,
			 struct pvclock_vcpu_time_info *t);
int domino_pvclock_publish(struct domino_domain *d, u64 gpa,
			   struct pvclock_vcpu_time_info *t);
void domino_pvclock_wall(struct domino_domain *d, struct pvclock_wall_clock *w);

#endif /* DOMINO_IRQCHIP_H */
