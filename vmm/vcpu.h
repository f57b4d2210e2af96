/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_VCPU_H
#define DOMINO_VCPU_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "domain.h"

/* Generic register numbering: the x86 encoding order. */
enum {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	NR_GPRS
};

/* A userspace exit whose result the next DOMINO_RUN must fold back in. */
enum domino_pending {
	PENDING_NONE,
	PENDING_IO_IN,
	PENDING_IO_OUT,
	PENDING_MMIO_READ,
	PENDING_MMIO_WRITE,
	PENDING_MSR_READ,
	PENDING_MSR_WRITE,
};

enum { VCPU_OUTSIDE_GUEST, VCPU_IN_GUEST };

/* Whether the vCPU executes (irqchip domains; others are always runnable). */
enum domino_mp_state {
	MP_RUNNABLE,
	MP_HALTED,		/* HLT: sleeps until an interrupt wakes it */
	MP_WAIT_SIPI,		/* after INIT, an AP waits for a start-up IPI */
};

struct domino_lapic;
struct domino_xen_vcpu;
struct domino_cpuid_policy;

/*
 * The last exits of a vCPU, kept so that a guest's death (a triple fault)
 * can be explained from the host log.
 */
#define DOMINO_EXIT_TRACE_LEN	16

struct domino_exit_record {
	u64 code;
	u64 rip;			/* after the exit */
	u32 rflags;
	u32 injected, vectoring;	/* DOMINO_EVENT_INFO layout */
};

struct domino_vcpu {
	struct domino_domain *d;
	u32 id;
	struct mutex lock;		/* one ioctl at a time */
	struct page *run_page;
	struct domino_run *run;

	u64 gpr[NR_GPRS];
	u64 rip, rflags;
	u64 xcr0;
	struct fpu_guest fpu;
	struct domino_cpuid_policy *cpuid;

	/* Debug registers as the guest sees them; DR0-3/DR7 in the hardware while it runs with breakpoints armed (vmm/switch.c). */
	u64 dr[4], dr6, dr7;

	/* MSRs kept here rather than in vendor state. */
	u64 apic_base, misc_enable, tsc_aux, tsc_adjust;
	u64 spec_ctrl, arch_caps;	/* vmm/spec_ctrl.c */
	u8 spec_cmds;			/* IBPB / L1D flush owed before entry */
	bool tsc_aux_loaded;		/* the guest's is in the MSR now */
	bool l1d_flush;			/* came from outside: flush L1D (L1TF) */
	s64 tsc_offset;			/* guest TSC = host TSC + this */
	u64 pvclock_msr;		/* MSR_KVM_SYSTEM_TIME_NEW */

	/* In-kernel local APIC (DOMINO_DOMAIN_IRQCHIP), else NULL. */
	struct domino_lapic *lapic;
	/* Xen's per-vCPU state (DOMINO_DOMAIN_XEN, pvops/), else NULL. */
	struct domino_xen_vcpu *xen;
	enum domino_mp_state mp_state;
	bool kicked;			/* new work since the last look */
	wait_queue_head_t wq;		/* sleeps in HLT / wait-for-SIPI */

	/* Event queued by DOMINO_INJECT_EVENT for the next entry. */
	bool event_pending;
	struct domino_event event;

	/* Completion of the last userspace exit. */
	enum domino_pending pending;
	u32 pending_len;		/* instruction length to skip */
	u8 pending_reg_info[64];	/* decoded MMIO instruction, opaque */
	u32 io_count;			/* string I/O items in this exit */
	u64 io_gva;			/* string I/O guest address */
	bool io_string, io_rep;
	u8 io_size, io_addr_size;

	int mode;			/* VCPU_*_GUEST, for kicks */
	int cpu;			/* where it last ran */
	u64 tlb_gen;			/* domain tlb_gen last flushed for */

	struct domino_tdp_cache tdp_cache;	/* pages for nested faults */

	struct domino_exit_record trace[DOMINO_EXIT_TRACE_LEN];
	unsigned int trace_next;

	void *arch;			/* vendor state (VMCB, VMCS, ...) */
};

/* Architectural checks both vendors share (SDM vol. 3, APM vol. 2). */
static inline bool domino_canonical(u64 addr)
{
	unsigned int bits = boot_cpu_has(X86_FEATURE_LA57) ? 57 : 48;

	return (s64)(addr << (64 - bits)) >> (64 - bits) == (s64)addr;
}

/* Each IA32_PAT entry must name a memory type (SDM 11.12.2). */
static inline bool domino_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

/* vmm/vcpu.c */
void domino_vcpu_skip(struct domino_vcpu *v, u32 len);
/*
 * Vendors call this with interrupts off, after publishing VCPU_IN_GUEST
 * and a full barrier: true means a kick raced with the entry, which must
 * be abandoned (exit kind DX_NONE) so the new work is looked at first.
 */
static inline bool domino_vcpu_entry_cancelled(struct domino_vcpu *v)
{
	return READ_ONCE(v->kicked);
}
void domino_vcpu_queue_exception(struct domino_vcpu *v, u8 vector,
				 bool has_error, u32 error);
void domino_vcpu_dump(struct domino_vcpu *v, const char *why);
extern u64 domino_host_xcr0;
int domino_vcpu_create(struct domino_domain *d,
		       struct domino_create_vcpu __user *uarg);
/* Make @v notice new work (interrupt, INIT...) soon. */
void domino_vcpu_kick(struct domino_vcpu *v);
/* Kick vCPU @id of @d if it exists (any context that may spin). */
void domino_domain_kick_vcpu(struct domino_domain *d, u32 id);
void domino_domain_kick_all(struct domino_domain *d);

#endif /* DOMINO_VCPU_H */
