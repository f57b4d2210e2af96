/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware virtualization backends (svm/, vmx/) and the calls the
 * generic code makes into them.
 *
 * Generic code never asks which vendor it runs on and never reaches into
 * struct domino_vendor_ops itself: it calls the domino_vendor_*() wrappers
 * below, one per hook, so that an optional hook's NULL check sits here
 * once and a later change of dispatch (static calls) touches one file.
 */
#ifndef DOMINO_VENDOR_OPS_H
#define DOMINO_VENDOR_OPS_H

#include <linux/types.h>
#include <linux/domino.h>

struct domino_vcpu;
struct domino_exit;
struct domino_tdp_format;

/*
 * struct domino_vendor_ops - one hardware virtualization backend.
 *
 * @name:        "svm" or "vmx", as logged and published in sysfs.
 * @competitor:  the KVM module that may already own the hardware, named in
 *               the log line that tells the user how to free it.
 * @probe:       decide whether this CPU has the vendor's extensions in a
 *               usable state and fill @caps. Returns -ENODEV for "not this
 *               vendor" (silently), another errno after logging why the
 *               hardware is present but unusable.
 * @setup:       allocate per-CPU state before the first enable (may sleep).
 * @teardown:    free it after the last disable.
 * @cpu_busy:    true if someone else already has virtualization switched on
 *               on this CPU. Called with interrupts off.
 * @cpu_enable:  switch virtualization on, on this CPU (interrupts off).
 *               Returns -EBUSY if another hypervisor holds it.
 * @cpu_disable: switch it off again (interrupts off).
 *
 * Every hook is mandatory unless its comment says optional.
 */
struct domino_vendor_ops {
	const char *name;
	const char *competitor;
	/* L1TF: the guest's nested walk may forward from L1D (VMX). */
	bool needs_l1d_flush;
	int (*probe)(struct domino_caps *caps);
	int (*setup)(void);
	void (*teardown)(void);
	bool (*cpu_busy)(void);
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	/* Nested page table entry format (ept/). */
	const struct domino_tdp_format *tdp_format;

	/*
	 * vCPUs. vcpu_init puts the vCPU in its INIT state (real mode,
	 * CS:IP f000:fff0). vcpu_enter runs the guest once, interrupts and
	 * preemption handled inside, and describes the exit. Registers in
	 * struct domino_vcpu (GPRs, RIP, RFLAGS) are authoritative outside
	 * vcpu_enter; everything else lives in vendor state.
	 */
	int (*vcpu_init)(struct domino_vcpu *v);
	void (*vcpu_free)(struct domino_vcpu *v);
	int (*vcpu_enter)(struct domino_vcpu *v, struct domino_exit *exit);
	void (*get_sregs)(struct domino_vcpu *v, struct domino_sregs *sregs);
	int (*set_sregs)(struct domino_vcpu *v, const struct domino_sregs *sregs);
	/* MSRs kept in vendor state; -ENOENT if the vendor has no such MSR. */
	int (*get_msr)(struct domino_vcpu *v, u32 index, u64 *val);
	int (*set_msr)(struct domino_vcpu *v, u32 index, u64 val, bool host);
	/* Queue an event for the next entry (validated by the caller). */
	void (*inject_event)(struct domino_vcpu *v, const struct domino_event *e);
	bool (*irq_window_open)(struct domino_vcpu *v);
	void (*set_irq_window_exit)(struct domino_vcpu *v, bool on);
	void (*clear_interrupt_shadow)(struct domino_vcpu *v);
	/* After STI or MOV SS: interrupts wait one more instruction. */
	bool (*in_interrupt_shadow)(struct domino_vcpu *v);
	/* CR2 for a #PF the module queues (guest page walks). */
	void (*set_cr2)(struct domino_vcpu *v, u64 cr2);
	/*
	 * A guest MOV to CR0/CR4/CR8 the vendor intercepted: check @val as
	 * the CPU would (-EINVAL: the guest takes #GP) and load it.
	 */
	int (*set_cr)(struct domino_vcpu *v, unsigned int cr, u64 val);
	/*
	 * Optional: clear CPUID feature bits of the default policy that
	 * guests of this vendor cannot use (instructions that #UD without
	 * a control the CPU does not offer).
	 */
	void (*cpuid_mask)(struct domino_cpuid_entry *e);
	/*
	 * Drop every event queued for the next entry, an interrupt shadow
	 * and an interrupt-window request: INIT leaves none of them.
	 */
	void (*cancel_events)(struct domino_vcpu *v);
	/* The vendor's 3-byte hypercall instruction, for Xen's hypercall page. */
	void (*write_hypercall)(u8 insn[3]);
};

extern const struct domino_vendor_ops domino_svm_ops;
extern const struct domino_vendor_ops domino_vmx_ops;

/* The backend chosen at load (vmm/main.c). Set once in init. */
extern const struct domino_vendor_ops *domino_vendor;

static inline const char *domino_vendor_name(void)
{
	return domino_vendor->name;
}

static inline const char *domino_vendor_competitor(void)
{
	return domino_vendor->competitor;
}

static inline bool domino_vendor_needs_l1d_flush(void)
{
	return domino_vendor->needs_l1d_flush;
}

static inline const struct domino_tdp_format *domino_vendor_tdp_format(void)
{
	return domino_vendor->tdp_format;
}

static inline int domino_vendor_setup(void)
{
	return domino_vendor->setup();
}

static inline void domino_vendor_teardown(void)
{
	domino_vendor->teardown();
}

static inline bool domino_vendor_cpu_busy(void)
{
	return domino_vendor->cpu_busy();
}

static inline int domino_vendor_cpu_enable(void)
{
	return domino_vendor->cpu_enable();
}

static inline void domino_vendor_cpu_disable(void)
{
	domino_vendor->cpu_disable();
}

static inline int domino_vendor_vcpu_init(struct domino_vcpu *v)
{
	return domino_vendor->vcpu_init(v);
}

static inline void domino_vendor_vcpu_free(struct domino_vcpu *v)
{
	domino_vendor->vcpu_free(v);
}

static inline int domino_vendor_vcpu_enter(struct domino_vcpu *v,
					   struct domino_exit *exit)
{
	return domino_vendor->vcpu_enter(v, exit);
}

static inline void domino_vendor_get_sregs(struct domino_vcpu *v,
					   struct domino_sregs *sregs)
{
	domino_vendor->get_sregs(v, sregs);
}

static inline int domino_vendor_set_sregs(struct domino_vcpu *v,
					  const struct domino_sregs *sregs)
{
	return domino_vendor->set_sregs(v, sregs);
}

static inline int domino_vendor_get_msr(struct domino_vcpu *v, u32 index,
					u64 *val)
{
	return domino_vendor->get_msr(v, index, val);
}

static inline int domino_vendor_set_msr(struct domino_vcpu *v, u32 index,
					u64 val, bool host)
{
	return domino_vendor->set_msr(v, index, val, host);
}

static inline void domino_vendor_inject_event(struct domino_vcpu *v,
					      const struct domino_event *e)
{
	domino_vendor->inject_event(v, e);
}

static inline bool domino_vendor_irq_window_open(struct domino_vcpu *v)
{
	return domino_vendor->irq_window_open(v);
}

static inline void domino_vendor_set_irq_window_exit(struct domino_vcpu *v,
						     bool on)
{
	domino_vendor->set_irq_window_exit(v, on);
}

static inline void domino_vendor_clear_interrupt_shadow(struct domino_vcpu *v)
{
	domino_vendor->clear_interrupt_shadow(v);
}

static inline bool domino_vendor_in_interrupt_shadow(struct domino_vcpu *v)
{
	return domino_vendor->in_interrupt_shadow(v);
}

static inline void domino_vendor_set_cr2(struct domino_vcpu *v, u64 cr2)
{
	domino_vendor->set_cr2(v, cr2);
}

static inline int domino_vendor_set_cr(struct domino_vcpu *v, unsigned int cr,
				       u64 val)
{
	return domino_vendor->set_cr(v, cr, val);
}

static inline void domino_vendor_cpuid_mask(struct domino_cpuid_entry *e)
{
	if (domino_vendor->cpuid_mask)
		domino_vendor->cpuid_mask(e);
}

static inline void domino_vendor_cancel_events(struct domino_vcpu *v)
{
	domino_vendor->cancel_events(v);
}

static inline void domino_vendor_write_hypercall(u8 insn[3])
{
	domino_vendor->write_hypercall(insn);
}

#endif /* DOMINO_VENDOR_OPS_H */
