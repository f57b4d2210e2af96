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

/* What a vendor's world switch reports, in vendor-neutral terms. */
enum domino_hw_exit {
	DX_NONE,		/* handled or spurious: enter again */
	DX_IO,
	DX_CPUID,
	DX_HLT,
	DX_MSR_READ,
	DX_MSR_WRITE,
	DX_NPF,			/* nested page fault */
	DX_SHUTDOWN,
	DX_IRQ_WINDOW,
	DX_XSETBV,
	DX_UD,			/* an instruction the guest may not use: #UD */
	DX_DR,			/* MOV to/from a debug register */
	DX_CR_WRITE,		/* MOV to a control register, to check */
	DX_GP,			/* the instruction takes #GP(0) */
	DX_EXCEPTION,		/* an intercepted guest exception: reflect it */
	DX_WBINVD,		/* WBINVD/WBNOINVD: a no-op for guests */
	DX_HYPERCALL,		/* VMCALL/VMMCALL, 3 bytes */
	DX_FAIL_ENTRY,
	DX_UNHANDLED,
};

/*
 * Events in the layout SVM's EVENTINJ/EXITINTINFO and VMX's entry
 * interruption / IDT-vectoring information share: vector in 7:0, type in
 * 10:8, error code valid in 11, valid in 31.
 */
#define DOMINO_EVENT_INFO_VALID		(1U << 31)

/* exit.code of an entry abandoned before the guest ran (a kick raced). */
#define DOMINO_EXIT_CODE_CANCELLED	(~0ULL)

struct domino_exit {
	enum domino_hw_exit kind;
	u32 insn_len;		/* 0: unknown */
	u64 code;		/* the vendor's exit reason, for traces */
	u32 injected;		/* event the entry delivered (EVENT_INFO) */
	u32 vectoring;		/* event whose delivery the exit interrupted */
	union {
		struct {
			u16 port;
			u8 size;	/* 1, 2, 4 */
			u8 addr_size;	/* 2, 4, 8 (string forms) */
			bool in, string, rep;
			u8 seg;		/* segment of the source (OUTS) */
		} io;
		struct {
			u64 gpa;
			bool write, fetch;
		} npf;
		struct {
			u8 dr;		/* 0-7 */
			bool write;
			s8 gpr;		/* -1: decode it from the instruction */
		} dr;
		struct {
			u8 cr;		/* 0, 4 or 8 */
			s8 gpr;		/* -1: decode it from the instruction */
		} cr;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u64 dr6;	/* #DB: the DR6 bits it set (B0-3, BD, BS) */
		} exc;
		struct {
			u64 reason, info1, info2;
		} hw;
	};
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

struct domino_cpuid_policy {
	unsigned int nr;
	struct domino_cpuid_entry entries[DOMINO_MAX_CPUID_ENTRIES];
};

enum { VCPU_OUTSIDE_GUEST, VCPU_IN_GUEST };

/* Whether the vCPU executes (irqchip domains; others are always runnable). */
enum domino_mp_state {
	MP_RUNNABLE,
	MP_HALTED,		/* HLT: sleeps until an interrupt wakes it */
	MP_WAIT_SIPI,		/* after INIT, an AP waits for a start-up IPI */
};

struct domino_lapic;

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

/* Port I/O data in the run area starts here (after struct domino_run). */
#define DOMINO_RUN_IO_DATA_OFFSET	1024
#define DOMINO_RUN_IO_DATA_MAX		(DOMINO_RUN_AREA_SIZE - DOMINO_RUN_IO_DATA_OFFSET)

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

/*
 * vmm/switch.c, with interrupts off around the vendor's world switch:
 * to_guest returns the DR7 the guest runs with.
 */
u64 domino_switch_to_guest(struct domino_vcpu *v);
void domino_switch_from_guest(struct domino_vcpu *v);

/* vmm/cpuid.c */
int domino_cpuid_init(struct domino_vcpu *v);
struct domino_cpuid_entry *domino_cpuid_append(struct domino_vcpu *v, u32 func,
					       u32 index, bool indexed);
void domino_cpuid_lookup(struct domino_vcpu *v, u32 func, u32 index,
			 u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
int domino_cpuid_get(struct domino_vcpu *v, struct domino_cpuid __user *uarg);
int domino_cpuid_set(struct domino_vcpu *v, struct domino_cpuid __user *uarg);

/* vmm/msr.c */
int domino_msr_get(struct domino_vcpu *v, u32 index, u64 *val, bool host);
int domino_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host);
void domino_msr_reset(struct domino_vcpu *v);
int domino_msrs_ioctl(struct domino_vcpu *v, struct domino_msrs __user *uarg,
		      bool set);

/* vmm/exit.c: returns 1 to enter again, 0 to return to userspace, <0 error */
int domino_handle_exit(struct domino_vcpu *v, const struct domino_exit *e);
/* Intercepted exceptions since load, for docs/security.md's tests. */
struct domino_exit_stats {
	long db, ac, mc;
};
void domino_exit_stats(struct domino_exit_stats *st);
/* A machine check that exited the guest: the host's handler takes it. */
void domino_host_machine_check(void);
int domino_complete_userspace_exit(struct domino_vcpu *v);

/* vmm/dr.c */
int domino_dr_exit(struct domino_vcpu *v, const struct domino_exit *e);
int domino_cr_write_exit(struct domino_vcpu *v, const struct domino_exit *e);
void domino_dr_reset(struct domino_vcpu *v);

/* vmm/io.c */
int domino_io_exit(struct domino_vcpu *v, const struct domino_exit *e);
void domino_io_complete(struct domino_vcpu *v);

/* vmm/gmem.c: guest virtual memory as the vCPU sees it. */
enum { DOMINO_SEG_ES, DOMINO_SEG_CS, DOMINO_SEG_SS, DOMINO_SEG_DS,
       DOMINO_SEG_FS, DOMINO_SEG_GS };
/* seg:offset -> linear address (segment base added, limits not checked). */
int domino_guest_seg_linear(struct domino_vcpu *v, int seg, u64 offset,
			    u64 *linear);
/*
 * Copy to/from guest linear memory through the guest's page tables.
 * Returns 0; 1 when the guest took a fault instead (#PF or #GP queued,
 * the instruction will be retried); -errno when the module cannot go on.
 */
int domino_guest_linear_copy(struct domino_vcpu *v, u64 gva, void *buf,
			     size_t len, bool write);
int domino_guest_linear_access(struct domino_vcpu *v, u64 gva, void *buf,
			       size_t len, bool write);
size_t domino_guest_fetch(struct domino_vcpu *v, u64 gva, u8 *buf, size_t len);
int domino_guest_translate(struct domino_vcpu *v, u64 gva, u64 *gpa);
size_t domino_guest_fetch_insn(struct domino_vcpu *v, u8 bytes[15],
			       struct domino_sregs *s);
bool domino_guest_long64(const struct domino_sregs *s);

/* vmm/mmio.c */
int domino_mmio_exit(struct domino_vcpu *v, u64 gpa, bool write);
void domino_mmio_complete(struct domino_vcpu *v);

#endif /* DOMINO_VCPU_H */
