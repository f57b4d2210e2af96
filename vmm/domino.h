/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domino core: what vmm/, ept/ and the vendor backends share.
 *
 * Generic code never asks which vendor it runs on: everything that differs
 * between VMX and SVM sits behind struct domino_vendor_ops, filled once by
 * vmx/ or svm/.
 */
#ifndef DOMINO_CORE_H
#define DOMINO_CORE_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/domino.h>

#define DOMINO_LOG_PREFIX "domino: "

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
 */
struct domino_vcpu;
struct domino_exit;
struct domino_tdp_format;

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

/* The backend chosen at load, and what it detected. Set once in init. */
extern const struct domino_vendor_ops *domino_vendor;
extern struct domino_caps domino_caps;

/* vmm/virt.c: hardware virtualization, on while somebody needs it. */
int domino_virt_init(void);
void domino_virt_exit(void);
int domino_virt_check_free(void);
int domino_virt_get(void);
void domino_virt_put(void);
unsigned int domino_virt_cpus(void);

/* vmm/alloc.c: every allocation the module makes is counted. */
void *domino_kzalloc(size_t size, gfp_t gfp);
void domino_kfree(const void *ptr);
struct page *domino_alloc_page(gfp_t gfp);
void domino_free_page(struct page *page);
struct page *domino_alloc_pages_order(gfp_t gfp, unsigned int order);
void domino_free_pages_order(struct page *page, unsigned int order);
long domino_alloc_objects(void);
long domino_alloc_pages(void);

/* vmm/switch.c: the world switch's barriers (docs/security.md). */
int domino_switch_setup(void);
u64 domino_switch_arch_caps(void);
void domino_switch_teardown(void);
ssize_t domino_switch_show(char *buf);

/* vmm/domain.c */
int domino_domain_create(struct domino_create_domain __user *uarg);
unsigned int domino_domain_count(void);
/* Whether a domain has id @domid right now (a hint: it may go at once). */
bool domino_domain_exists(u32 domid);
void domino_domain_exit(void);

/* vmm/sysfs.c */
extern const struct attribute_group *domino_dev_groups[];

/*
 * Every ioctl dispatcher matches the type byte and number first; a known
 * number whose direction or size disagrees with this module's header is a
 * caller built against another layout: EINVAL, never a guess.
 */
static inline int domino_ioctl_check(unsigned int cmd, unsigned int expected)
{
	return cmd == expected ? 0 : -EINVAL;
}

/* ept/tdp.c */
unsigned int domino_tdp_host_levels(void);

#endif /* DOMINO_CORE_H */
