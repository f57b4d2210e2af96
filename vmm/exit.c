// SPDX-License-Identifier: GPL-2.0
/*
 * Exit handling common to both vendors: the vendor's world switch reports
 * a struct domino_exit, handled here either in the kernel (CPUID, MSRs the
 * module owns, nested faults on RAM) or by filling the run area for the
 * VMM (port I/O, MMIO, HLT, shutdown, ...).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/kernel.h>
#include <asm/cpu.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>

#include "xen.h"
#include "domain.h"
#include "vcpu.h"
#include "x86_insn.h"
#include "vendor_ops.h"
#include "cpuid.h"
#include "msr.h"
#include "dr.h"
#include "cr.h"
#include "io.h"
#include "gmem.h"
#include "mmio.h"
#include "exit.h"

/*
 * Without NRIPS the hardware does not say how long the instruction was;
 * these have one encoding a guest uses (prefixed forms are legal but
 * unused, and would only mislead the guest itself).
 */
#define LEN_CPUID	2
#define LEN_RDMSR	2
#define LEN_HLT		1
#define LEN_XSETBV	3

/* DR6 bits an exception sets (SDM 17.2.3): B0-B3, BD, BS, BT. */
#define DR6_EXCEPTION_BITS	(0xfULL | BIT_ULL(13) | BIT_ULL(14) | BIT_ULL(15))

static atomic_long_t exit_stat_db, exit_stat_ac, exit_stat_mc;

void domino_exit_stats(struct domino_exit_stats *st)
{
	st->db = atomic_long_read(&exit_stat_db);
	st->ac = atomic_long_read(&exit_stat_ac);
	st->mc = atomic_long_read(&exit_stat_mc);
}

/*
 * #MC is intercepted so that a machine check in guest mode reaches the
 * host's handler (the hardware hands it to the hypervisor, not the host's
 * IDT); the host decides what dies. Kernels without MCE support have no
 * handler to call.
 */
void domino_host_machine_check(void)
{
	atomic_long_inc(&exit_stat_mc);
	if (IS_ENABLED(CONFIG_X86_MCE))
		asm volatile("int $0x12");
}

static u32 insn_len(const struct domino_exit *e, u32 fallback)
{
	return e->insn_len ? e->insn_len : fallback;
}

static int handle_cpuid(struct domino_vcpu *v, const struct domino_exit *e)
{
	u32 a, b, c, d;

	domino_cpuid_lookup(v, v->gpr[GPR_RAX], v->gpr[GPR_RCX], &a, &b, &c, &d);
	v->gpr[GPR_RAX] = a;
	v->gpr[GPR_RBX] = b;
	v->gpr[GPR_RCX] = c;
	v->gpr[GPR_RDX] = d;
	domino_vcpu_skip(v, insn_len(e, LEN_CPUID));
	return 1;
}

static int handle_msr(struct domino_vcpu *v, const struct domino_exit *e,
		      bool write)
{
	u32 index = v->gpr[GPR_RCX];
	u64 val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];
	int r;

	r = write ? domino_msr_set(v, index, val, false) :
		    domino_msr_get(v, index, &val, false);
	if (!r) {
		if (!write) {
			v->gpr[GPR_RAX] = (u32)val;
			v->gpr[GPR_RDX] = val >> 32;
		}
		domino_vcpu_skip(v, insn_len(e, LEN_RDMSR));
		return 1;
	}
	if (r == -ENOENT && (v->d->flags & DOMINO_DOMAIN_MSR_EXITS)) {
		v->run->exit_reason = DOMINO_EXIT_MSR;
		v->run->msr.index = index;
		v->run->msr.is_write = write;
		v->run->msr.error = 0;
		v->run->msr.data = write ? val : 0;
		v->pending = write ? PENDING_MSR_WRITE : PENDING_MSR_READ;
		v->pending_len = insn_len(e, LEN_RDMSR);
		return 0;
	}
	/* Unknown MSR or bad value: what real hardware does (SDM RDMSR). */
	domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
	return 1;
}

/* SDM 13.3: which XCR0 values XSETBV accepts, limited to what the host has. */
static bool xcr0_valid(u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || (xcr0 & ~domino_host_xcr0))
		return false;
	/* Guests get no protection keys (CPUID hides PKU and PKRU). */
	if (xcr0 & XFEATURE_MASK_PKRU)
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    ((xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	     !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	if (!!(xcr0 & XFEATURE_MASK_BNDREGS) != !!(xcr0 & XFEATURE_MASK_BNDCSR))
		return false;
	return true;
}

static int handle_xsetbv(struct domino_vcpu *v, const struct domino_exit *e)
{
	u64 val = (v->gpr[GPR_RDX] << 32) | (u32)v->gpr[GPR_RAX];

	if ((u32)v->gpr[GPR_RCX] != 0 || !xcr0_valid(val)) {
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	}
	v->xcr0 = val;
	domino_vcpu_skip(v, insn_len(e, LEN_XSETBV));
	return 1;
}

static int handle_npf(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_run *run = v->run;
	int r;

	r = domino_memory_fault(v->d, &v->tdp_cache, e->npf.gpa, e->npf.write);
	if (r == DOMINO_FAULT_MAPPED)
		return 1;
	if (r == DOMINO_FAULT_MMIO && !e->npf.fetch)
		return domino_mmio_exit(v, e->npf.gpa, e->npf.write);
	if (r < 0)
		return r;
	/* Code fetched from non-RAM, or the VMM unmapped its backing. */
	run->exit_reason = DOMINO_EXIT_MEMORY_FAULT;
	run->fault.gpa = e->npf.gpa;
	run->fault.flags = e->npf.fetch ? DOMINO_FAULT_EXEC :
			   e->npf.write ? DOMINO_FAULT_WRITE : DOMINO_FAULT_READ;
	return 0;
}

static int exit_internal(struct domino_vcpu *v, u32 suberror,
			 const struct domino_exit *e)
{
	struct domino_run *run = v->run;

	run->exit_reason = DOMINO_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = e->hw.reason;
	run->internal.data[1] = e->hw.info1;
	run->internal.data[2] = e->hw.info2;
	return 0;
}

/*
 * #DB and #AC are intercepted on both vendors and handed back to the guest
 * through event injection: delivering either can raise the same exception
 * again (a data breakpoint on the stack the delivery writes, an
 * unaligned stack at CPL 3), which without the intercept loops inside the
 * CPU and never exits (CVE-2015-8104, CVE-2015-5307). With it, every
 * round trip is an exit, so the vCPU stays preemptible and killable.
 */
static int handle_exception(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_sregs s;

	switch (e->exc.vector) {
	case X86_TRAP_DB:
		atomic_long_inc(&exit_stat_db);
		/* An event being delivered holds the slot: it goes first. */
		if (v->event_pending)
			return 1;
		/*
		 * The guest's DR6 is emulated: the hit lands there. B0-B3
		 * name this hit only (SDM 17.2.3 lets the CPU clear them, and
		 * KVM does); BD, BS and BT accumulate.
		 */
		v->dr6 = (v->dr6 & ~0xfULL) | (e->exc.dr6 & DR6_EXCEPTION_BITS);
		domino_vcpu_queue_exception(v, X86_TRAP_DB, false, 0);
		return 1;
	case X86_TRAP_AC:
		atomic_long_inc(&exit_stat_ac);
		/*
		 * An alignment check is the guest's only at CPL 3 with CR0.AM
		 * and RFLAGS.AC (SDM 6.15, #AC). Otherwise it is the host's
		 * split-lock detection catching a guest's locked access that
		 * spans two cache lines: the host's policy decides (warn and
		 * throttle, or refuse: then the VMM hears of it).
		 */
		domino_vendor_get_sregs(v, &s);
		if (s.ss.dpl == 3 && (s.cr0 & X86_CR0_AM) && (v->rflags & X86_EFLAGS_AC)) {
			domino_vcpu_queue_exception(v, X86_TRAP_AC, true, e->exc.error);
			return 1;
		}
		if (handle_guest_split_lock(v->rip))
			return 1;
		return exit_internal(v, DOMINO_INTERNAL_UNHANDLED_EXIT, e);
	default:
		return exit_internal(v, DOMINO_INTERNAL_UNHANDLED_EXIT, e);
	}
}

/*
 * WBINVD writes back and invalidates every cache of the physical CPU: a
 * guest could stall the host with it. No device gives a Domino guest
 * non-coherent DMA, so there is nothing for it to write back: skip it,
 * as KVM does without assigned devices.
 */
static int handle_wbinvd(struct domino_vcpu *v, const struct domino_exit *e)
{
	u32 len = e->insn_len;

	if (!len) {
		struct domino_sregs s;
		u8 b[X86_MAX_INSN_LEN];
		size_t n = domino_guest_fetch_insn(v, b, &s);

		if (x86_decode_wbinvd(b, n, domino_guest_long64(&s), &len)) {
			/* Not fetchable or not WBINVD any more: retry it. */
			return 1;
		}
	}
	domino_vcpu_skip(v, len);
	return 1;
}

int domino_handle_exit(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_run *run = v->run;

	switch (e->kind) {
	case DX_NONE:
		return 1;
	case DX_IO:
		v->l1d_flush = true;
		return domino_io_exit(v, e);
	case DX_CPUID:
		return handle_cpuid(v, e);
	case DX_MSR_READ:
		return handle_msr(v, e, false);
	case DX_MSR_WRITE:
		return handle_msr(v, e, true);
	case DX_XSETBV:
		return handle_xsetbv(v, e);
	case DX_NPF:
		/* The fault path walks host memory: L1D flush before entry. */
		v->l1d_flush = true;
		return handle_npf(v, e);
	case DX_HLT:
		domino_vcpu_skip(v, insn_len(e, LEN_HLT));
		/* With an in-kernel APIC the vCPU sleeps here until woken. */
		if (v->lapic) {
			v->mp_state = MP_HALTED;
			return 1;
		}
		run->exit_reason = DOMINO_EXIT_HLT;
		return 0;
	case DX_SHUTDOWN:
		domino_vcpu_dump(v, "shut down (triple fault)");
		run->exit_reason = DOMINO_EXIT_SHUTDOWN;
		return 0;
	case DX_IRQ_WINDOW:
		domino_vendor_set_irq_window_exit(v, false);
		/* The in-kernel APIC asked for it: inject on the next entry. */
		if (v->lapic && !READ_ONCE(run->request_irq_window))
			return 1;
		run->exit_reason = DOMINO_EXIT_IRQ_WINDOW;
		return 0;
	case DX_UD:
		domino_vcpu_queue_exception(v, X86_TRAP_UD, false, 0);
		return 1;
	case DX_DR:
		return domino_dr_exit(v, e);
	case DX_CR_WRITE:
		return domino_cr_write_exit(v, e);
	case DX_GP:
		domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
		return 1;
	case DX_EXCEPTION:
		return handle_exception(v, e);
	case DX_WBINVD:
		return handle_wbinvd(v, e);
	case DX_HYPERCALL:
		/* Xen's ABI (pvops/); elsewhere, as on bare metal, #UD. */
		if (domino_xen_domain(v->d))
			return domino_xen_hypercall(v, insn_len(e, 3));
		domino_vcpu_queue_exception(v, X86_TRAP_UD, false, 0);
		return 1;
	case DX_FAIL_ENTRY:
		run->exit_reason = DOMINO_EXIT_FAIL_ENTRY;
		run->hw.hardware_reason = e->hw.reason;
		run->hw.qualification = e->hw.info1;
		return 0;
	default:
		return exit_internal(v, DOMINO_INTERNAL_UNHANDLED_EXIT, e);
	}
}

int domino_complete_userspace_exit(struct domino_vcpu *v)
{
	struct domino_run *run = v->run;

	switch (v->pending) {
	case PENDING_NONE:
		break;
	case PENDING_IO_IN:
	case PENDING_IO_OUT:
		domino_io_complete(v);
		break;
	case PENDING_MMIO_READ:
	case PENDING_MMIO_WRITE:
		domino_mmio_complete(v);
		break;
	case PENDING_MSR_READ:
	case PENDING_MSR_WRITE:
		if (READ_ONCE(run->msr.error)) {
			domino_vcpu_queue_exception(v, X86_TRAP_GP, true, 0);
			break;
		}
		if (v->pending == PENDING_MSR_READ) {
			u64 data = READ_ONCE(run->msr.data);

			v->gpr[GPR_RAX] = (u32)data;
			v->gpr[GPR_RDX] = data >> 32;
		}
		domino_vcpu_skip(v, v->pending_len);
		break;
	}
	v->pending = PENDING_NONE;
	if (READ_ONCE(run->request_irq_window) &&
	    !domino_vendor_irq_window_open(v))
		domino_vendor_set_irq_window_exit(v, true);
	return 1;
}
