/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest exits (vmm/exit.c): what a vendor's vcpu_enter reports, in
 * vendor-neutral terms, and the generic handler that acts on it.
 */
#ifndef DOMINO_EXIT_H
#define DOMINO_EXIT_H

#include <linux/types.h>

struct domino_vcpu;

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

/* Returns 1 to enter again, 0 to return to userspace, <0 error. */
int domino_handle_exit(struct domino_vcpu *v, const struct domino_exit *e);
/* Intercepted exceptions since load, for docs/security.md's tests. */
struct domino_exit_stats {
	long db, ac, mc;
};
void domino_exit_stats(struct domino_exit_stats *st);
/* A machine check that exited the guest: the host's handler takes it. */
void domino_host_machine_check(void);
int domino_complete_userspace_exit(struct domino_vcpu *v);

#endif /* DOMINO_EXIT_H */
