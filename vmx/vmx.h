/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_VMX_H
#define DOMINO_VMX_H

#include <linux/types.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>	/* struct vmx_msr_entry: the MSR-area format */

struct domino_tdp_format;
struct domino_vcpu;
struct domino_exit;
struct domino_sregs;
struct domino_event;

extern const struct domino_tdp_format vmx_ept_format;

/* VMCS controls chosen at probe time from the capability MSRs. */
struct vmx_ctls {
	u32 pin, proc, sec, exit, entry;
	u32 vmcs_revision;
	bool ok;		/* every required control is allowed */
	bool vpid, inout_info, invept_single, invvpid_single;
	u64 eptp_flags;		/* walk length, memory type, A/D */
	u32 preempt_ticks;	/* VMX-preemption timer for 1 ms, 0: none */
};
extern struct vmx_ctls vmx_ctls;

/* MSRs VMX does not switch itself: moved by the VM-entry/exit MSR areas. */
#define VMX_SWAP_MSRS	5
#define VMX_SWAP_KGS	4	/* MSR_KERNEL_GS_BASE's slot in the list */
/*
 * Behind them in the entry-load and exit-load areas: the host perf MSRs
 * perf_guest_get_msrs() asks to switch (at most X86_PMC_IDX_MAX of them).
 */
#define VMX_PERF_MSRS	64

/* Per-vCPU VMX state. The VMCS is current only inside a load/put pair. */
/*
 * The CR0/CR4 bits a guest changes without an exit (SDM 25.3, guest/host
 * masks): the few that shape nothing the host relies on, as KVM's
 * KVM_POSSIBLE_CR*_GUEST_BITS. Every other bit (PE, PG, CD, NW, PAE, LA57,
 * PCIDE, SMEP, SMAP, PKE, CET, OSXSAVE, ...) goes through vmx_cr_write's
 * checks, so a guest cannot enable protection keys or CET behind
 * Domino's back and reach host state such as the VMM thread's PKRU.
 */
#define VMX_CR0_GUEST_OWNED	X86_CR0_TS
#define VMX_CR4_GUEST_OWNED	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_PCE | \
				 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
				 X86_CR4_PGE | X86_CR4_TSD | X86_CR4_FSGSBASE)

struct vmx_vcpu {
	struct page *vmcs_page;
	u64 vmcs_pa;
	bool vmcs_ready;	/* controls and constant fields written */
	u16 vpid;
	int last_cpu;
	u64 cr2;
	/*
	 * Guest's view of CR0/CR4 (the hardware ones add the fixed bits),
	 * refreshed from the VMCS after every exit.
	 */
	u64 cr0, cr4;
	u8 cr8;			/* without an in-kernel APIC: CR8 as written */
	struct page *msr_page;	/* guest load/store and host load areas */
	struct vmx_msr_entry *guest_msrs, *host_msrs;
	u32 nr_load_msrs;	/* entries in the entry/exit load areas */
	u32 insn_error;		/* last VMX instruction error, for reports */
};

int vmx_vcpu_init(struct domino_vcpu *v);
void vmx_vcpu_free(struct domino_vcpu *v);
int vmx_vcpu_enter(struct domino_vcpu *v, struct domino_exit *exit);
void vmx_get_sregs(struct domino_vcpu *v, struct domino_sregs *s);
int vmx_set_sregs(struct domino_vcpu *v, const struct domino_sregs *s);
u8 vmx_read_cr8(struct domino_vcpu *v);
int vmx_get_msr(struct domino_vcpu *v, u32 index, u64 *val);
int vmx_set_msr(struct domino_vcpu *v, u32 index, u64 val, bool host);
void vmx_inject_event(struct domino_vcpu *v, const struct domino_event *e);
bool vmx_irq_window_open(struct domino_vcpu *v);
void vmx_cancel_events(struct domino_vcpu *v);
bool vmx_in_interrupt_shadow(struct domino_vcpu *v);
void vmx_set_irq_window_exit(struct domino_vcpu *v, bool on);
void vmx_clear_interrupt_shadow(struct domino_vcpu *v);
void vmx_set_cr2(struct domino_vcpu *v, u64 cr2);
int vmx_set_cr(struct domino_vcpu *v, unsigned int cr, u64 val);
/* With the VMCS current: a guest MOV to CR0/CR4. */
int vmx_cr_write(struct domino_vcpu *v, unsigned int cr, u64 val);

/* vmx_vmcs.c: VMCS access; failures are recorded, never ignored. */
void vmx_vmcs_load(struct vmx_vcpu *x);
void vmx_vmcs_put(struct vmx_vcpu *x);
/* VMX operation is on for this CPU (the reboot notifier turns it off). */
bool vmx_cpu_on(void);
u64 vmcs_read(unsigned long field);
void vmcs_write(unsigned long field, u64 val);
void vmcs_set_bits(unsigned long field, u64 bits);
void vmcs_clear_bits(unsigned long field, u64 bits);
u32 vmx_take_error(void);
int vmx_vpid_alloc(void);
void vmx_vpid_free(u16 vpid);

/* vmenter.S: 0 after a VM exit, 1 if VMLAUNCH failed. */
int domino_vmx_vmlaunch(u64 *gprs);

#endif /* DOMINO_VMX_H */
