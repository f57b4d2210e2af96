// SPDX-License-Identifier: GPL-2.0
/*
 * SVM vCPUs: the VMCB, the world switch around VMRUN, and the translation
 * of #VMEXIT codes into Domino's vendor-neutral exits.
 */
#define pr_fmt(fmt) "domino: svm: " fmt

#include <linux/mm.h>
#include <linux/io.h>
#include <linux/sched.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>
#include <asm/trapnr.h>

#include "domain.h"
#include "vcpu.h"
#include "exit.h"
#include "world_switch.h"
#include "alloc.h"
#include "tdp.h"
#include "svm.h"

/* Reset values: DR7 bit 10 reads as 1 (SDM 17.2.4); PAT (SDM 11.12.4). */
#define DR7_RESET		0x400ULL
#define PAT_RESET		0x0007040600070406ULL
/* #PF-style error code bits in EXITINFO1 of a nested page fault. */
#define NPF_WRITE		BIT_ULL(1)
#define NPF_RSVD		BIT_ULL(3)
#define NPF_FETCH		BIT_ULL(4)

static inline struct svm_vcpu *to_svm(struct domino_vcpu *v)
{
	return v->arch;
}

/*
 * NPT entries are ordinary long-mode page-table entries (APM 15.25.5).
 * Nested walks count as user accesses, so every level needs U/S set.
 */
static u64 npt_leaf(u64 pa, bool writable, unsigned int level)
{
	return pa | _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED |
	       (writable ? _PAGE_RW | _PAGE_DIRTY : 0) |
	       (level > 1 ? _PAGE_PSE : 0);
}

static u64 npt_table(u64 pa)
{
	return pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
}

static bool npt_present(u64 e)
{
	return e & _PAGE_PRESENT;
}

static bool npt_large(u64 e)
{
	return e & _PAGE_PSE;
}

const struct domino_tdp_format svm_tdp_format = {
	.leaf = npt_leaf,
	.table = npt_table,
	.present = npt_present,
	.large = npt_large,
};

/* VMCB segment attributes (APM 15.5.1): type, S, DPL, P, AVL, L, DB, G. */
#define SEG_ATTR(type, s, dpl, p, avl, l, db, g) \
	((type) | (s) << 4 | (dpl) << 5 | (p) << 7 | (avl) << 8 | (l) << 9 | \
	 (db) << 10 | (g) << 11)

static void seg_init(struct vmcb_seg *seg, u16 sel, u64 base, u32 limit,
		     u16 attrib)
{
	seg->selector = sel;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = attrib;
}

static void set_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] |= 1U << (bit % 32);
}

static void vmcb_init_control(struct domino_vcpu *v, struct vmcb *vmcb)
{
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_INIT,
		INTERCEPT_CPUID, INTERCEPT_HLT, INTERCEPT_INVD,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		/* APM 15.5.1: VMRUN must be intercepted or VMRUN fails. */
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_INVLPGA, INTERCEPT_RDPRU,
		INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_MWAIT_COND,
		INTERCEPT_XSETBV, INTERCEPT_TASK_SWITCH,
		/*
		 * CR0/CR4: only states the CPU accepts and bits Domino
		 * virtualizes (QEMU's SVM lets a guest load what VMRUN then
		 * refuses); CR8: the APIC's TPR.
		 */
		INTERCEPT_CR0_WRITE, INTERCEPT_CR4_WRITE, INTERCEPT_CR8_WRITE,
		/*
		 * WBINVD stalls the physical CPU's caches for everyone; RDPMC
		 * would read the host's counters (guests get no PMU).
		 */
		INTERCEPT_WBINVD, INTERCEPT_RDPMC,
	};
	struct vmcb_control_area *c = &vmcb->control;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		set_intercept(vmcb, intercepts[i]);
	/* Debug registers are emulated: the hardware ones stay the host's. */
	for (i = INTERCEPT_DR0_READ; i <= INTERCEPT_DR7_WRITE; i++)
		set_intercept(vmcb, i);

	/*
	 * #DB and #AC can recur inside their own delivery and loop in the
	 * CPU without an exit (vmm/exit.c, handle_exception); #MC in guest
	 * mode must reach the host's handler.
	 */
	c->intercepts[INTERCEPT_EXCEPTION] = BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
					     BIT(X86_TRAP_MC);

	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	/* Physical interrupts always exit; guest IF masks only virtual ones. */
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = domino_tdp_root_pa(&v->d->tdp);
	/* The domain's one TSC, which started near zero. */
	c->tsc_offset = v->tsc_offset;
}

/* The state after INIT (APM 14.1.3, SDM 10.1.1 table 10-1). */
static void vmcb_init_save(struct vmcb *vmcb)
{
	struct vmcb_save_area *s = &vmcb->save;
	u16 data = SEG_ATTR(3, 1, 0, 1, 0, 0, 0, 0);

	seg_init(&s->cs, 0xf000, 0xffff0000, 0xffff, SEG_ATTR(0xb, 1, 0, 1, 0, 0, 0, 0));
	seg_init(&s->ds, 0, 0, 0xffff, data);
	seg_init(&s->es, 0, 0, 0xffff, data);
	seg_init(&s->fs, 0, 0, 0xffff, data);
	seg_init(&s->gs, 0, 0, 0xffff, data);
	seg_init(&s->ss, 0, 0, 0xffff, data);
	seg_init(&s->gdtr, 0, 0, 0xffff, 0);
	seg_init(&s->idtr, 0, 0, 0xffff, 0);
	seg_init(&s->ldtr, 0, 0, 0xffff, SEG_ATTR(2, 0, 0, 1, 0, 0, 0, 0));
	seg_init(&s->tr, 0, 0, 0xffff, SEG_ATTR(0xb, 0, 0, 1, 0, 0, 0, 0));
	s->cr0 = X86_CR0_ET | X86_CR0_NW | X86_CR0_CD;
	/* APM 15.5.1: EFER.SVME must be set in the guest's VMCB. */
	s->efer = EFER_SVME;
	s->dr6 = DR6_RESERVED;
	s->dr7 = DR7_RESET;
	s->g_pat = PAT_RESET;
}

/*
 * APM 15.11 (SHUTDOWN intercept): the VMCB's contents are undefined after
 * it. Whatever the VMM does next (a dump, a reset through SET_SREGS, a
 * destroy), the next VMRUN must not take control bits from the wreck: the
 * control area starts over. The save area keeps what the CPU left, for the
 * post-mortem; SET_SREGS/SET_REGS validate whatever replaces it.
 */
static void svm_vmcb_reinit_control(struct domino_vcpu *v, struct svm_vcpu *s)
{
	memset(&s->vmcb->control, 0, sizeof(s->vmcb->control));
	vmcb_init_control(v, s->vmcb);
	s->asid_cpu = -1;
	s->virq_outstanding = false;
	s->window_wanted = false;
	v->event_pending = false;
}

int svm_vcpu_init(struct domino_vcpu *v)
{
	struct svm_vcpu *s = domino_kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return -ENOMEM;
	s->vmcb_page = domino_alloc_page(GFP_KERNEL_ACCOUNT);
	if (!s->vmcb_page) {
		domino_kfree(s);
		return -ENOMEM;
	}
	s->vmcb = page_address(s->vmcb_page);
	s->vmcb_pa = page_to_phys(s->vmcb_page);
	s->asid_cpu = -1;
	v->arch = s;
	vmcb_init_control(v, s->vmcb);
	vmcb_init_save(s->vmcb);
	v->rip = 0xfff0;
	v->rflags = X86_EFLAGS_FIXED;
	return 0;
}

void svm_vcpu_free(struct domino_vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	domino_free_page(s->vmcb_page);
	domino_kfree(s);
	v->arch = NULL;
}

static void decode_ioio(struct domino_exit *e, u64 info1)
{
	e->kind = DX_IO;
	e->io.in = info1 & SVM_IOIO_TYPE_MASK;
	e->io.string = info1 & SVM_IOIO_STR_MASK;
	e->io.rep = info1 & SVM_IOIO_REP_MASK;
	/* APM 15.10.2: SZ8/16/32 and A16/32/64 are one-hot. */
	e->io.size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7;
	e->io.addr_size = ((info1 >> SVM_IOIO_ASIZE_SHIFT) & 7) << 1;
	e->io.seg = (info1 >> 10) & 7;
	e->io.port = info1 >> 16;
}

/* Translate the #VMEXIT in the VMCB. */
static void svm_decode_exit(struct domino_vcpu *v, struct domino_exit *e)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control_area *c = &s->vmcb->control;
	u64 code = ((u64)c->exit_code_hi << 32) | c->exit_code;

	/*
	 * APM 15.5.1: a VMRUN that fails its consistency checks exits with
	 * VMEXIT_INVALID (-1); some implementations (QEMU) store only the
	 * low 32 bits of it.
	 */
	if (c->exit_code == (u32)SVM_EXIT_ERR)
		code = SVM_EXIT_ERR;
	e->code = code;
	e->hw.reason = code;
	e->hw.info1 = c->exit_info_1;
	e->hw.info2 = c->exit_info_2;
	if (svm_has_nrips && c->next_rip > v->rip && c->next_rip - v->rip <= 15)
		e->insn_len = c->next_rip - v->rip;

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		e->kind = DX_NONE;
		break;
	case SVM_EXIT_VINTR:
		e->kind = DX_IRQ_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		e->kind = DX_CPUID;
		break;
	case SVM_EXIT_HLT:
		e->kind = DX_HLT;
		break;
	case SVM_EXIT_IOIO: {
		u64 info1 = c->exit_info_1;

		decode_ioio(e, info1);
		/* APM 15.10.2: EXITINFO2 holds the next RIP for IOIO. */
		e->insn_len = c->exit_info_2 - v->rip;
		if (e->insn_len == 0 || e->insn_len > 15)
			e->kind = DX_UNHANDLED;
		break;
	}
	case SVM_EXIT_MSR:
		e->kind = c->exit_info_1 ? DX_MSR_WRITE : DX_MSR_READ;
		break;
	case SVM_EXIT_NPF:
		/* APM 15.25.6: EXITINFO1 is a #PF-style error code. */
		if (c->exit_info_1 & NPF_RSVD) {
			e->kind = DX_UNHANDLED;
			break;
		}
		e->kind = DX_NPF;
		e->npf.gpa = c->exit_info_2;
		e->npf.write = c->exit_info_1 & NPF_WRITE;
		e->npf.fetch = c->exit_info_1 & NPF_FETCH;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = DX_SHUTDOWN;
		break;
	case SVM_EXIT_XSETBV:
		e->kind = DX_XSETBV;
		break;
	case SVM_EXIT_INVD:
		/* Dropping caches without write-back is not the guest's to do. */
		domino_vcpu_skip(v, 2);
		e->kind = DX_NONE;
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = DX_HYPERCALL;
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI: case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA: case SVM_EXIT_RDPRU:
	case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT: case SVM_EXIT_MWAIT_COND:
		e->kind = DX_UD;
		break;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7:
		e->kind = DX_DR;
		e->dr.write = code >= SVM_EXIT_WRITE_DR0;
		e->dr.dr = code & 7;
		/* APM 15.33 decode assists: EXITINFO1[3:0] is the GPR. */
		e->dr.gpr = svm_has_decode_assists ? c->exit_info_1 & 0xf : -1;
		break;
	case SVM_EXIT_WRITE_CR0:
	case SVM_EXIT_WRITE_CR4:
	case SVM_EXIT_WRITE_CR8:
		e->kind = DX_CR_WRITE;
		e->cr.cr = code - SVM_EXIT_WRITE_CR0;
		/* APM 15.33: with decode assists, EXITINFO1[63] valid, [3:0] GPR. */
		e->cr.gpr = svm_has_decode_assists && (c->exit_info_1 & BIT_ULL(63)) ?
			    c->exit_info_1 & 0xf : -1;
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		e->kind = DX_EXCEPTION;
		e->exc.vector = X86_TRAP_DB;
		/* APM 15.12: the intercept comes after DR6 was updated. */
		e->exc.dr6 = s->vmcb->save.dr6;
		s->vmcb->save.dr6 = DR6_RESERVED;
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		e->kind = DX_EXCEPTION;
		e->exc.vector = X86_TRAP_AC;
		e->exc.has_error = true;
		/* APM 15.12: EXITINFO1 holds the error code. */
		e->exc.error = c->exit_info_1;
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_MC:
		domino_host_machine_check();
		e->kind = DX_NONE;
		break;
	case SVM_EXIT_WBINVD:
		e->kind = DX_WBINVD;
		break;
	case SVM_EXIT_RDPMC:
		/* No counters exist for the guest: SDM RDPMC, #GP(0). */
		e->kind = DX_GP;
		break;
	case SVM_EXIT_ERR:
		e->kind = DX_FAIL_ENTRY;
		break;
	default:
		e->kind = DX_UNHANDLED;
		break;
	}
}

/*
 * An event the exit interrupted must be delivered on the next entry.
 * External interrupts go back through V_IRQ (svm_inject_event says why);
 * QEMU reports one it was delivering from V_IRQ as an "exception" with
 * its vector (>= 32), which EVENTINJ would refuse.
 */
static bool svm_requeue_event(struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;
	u32 info = c->exit_int_info, type = info & SVM_EXITINTINFO_TYPE_MASK;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	if (!(info & SVM_EXITINTINFO_VALID))
		return false;
	if (type == SVM_EXITINTINFO_TYPE_INTR ||
	    (type == SVM_EXITINTINFO_TYPE_EXEPT && vector >= 32)) {
		svm_inject_virq(s, vector);
		return false;
	}
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
	/* It holds EVENTINJ: nothing else may be queued over it. */
	return true;
}

int svm_vcpu_enter(struct domino_vcpu *v, struct domino_exit *exit)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;
	bool xcr0_switch;
	u64 gen;

	vmcb->save.rax = v->gpr[GPR_RAX];
	vmcb->save.rsp = v->gpr[GPR_RSP];
	vmcb->save.rip = v->rip;
	vmcb->save.rflags = v->rflags;

	local_irq_disable();
	/*
	 * A host reboot or power-off switches SVM off on every CPU (the
	 * reboot notifier) even while domains still run: CLGI would then #UD
	 * in the host. Refuse to enter instead.
	 */
	if (unlikely(!(native_read_msr(MSR_EFER) & EFER_SVME))) {
		local_irq_enable();
		pr_err_ratelimited("CPU%d: SVM was switched off under domain %u (host shutting down?)\n",
				   raw_smp_processor_id(), v->d->domid);
		return -EIO;
	}
	/*
	 * A context switch or an interrupt that used the FPU since the guest's
	 * state was loaded leaves the registers stale (TIF_NEED_FPU_LOAD): the
	 * guest must get its own back before it runs.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	WRITE_ONCE(v->cpu, smp_processor_id());
	WRITE_ONCE(v->mode, VCPU_IN_GUEST);
	/* Pairs with the kicks: mode before tlb_gen and the kick flag. */
	smp_mb();
	if (domino_vcpu_entry_cancelled(v)) {
		WRITE_ONCE(v->mode, VCPU_OUTSIDE_GUEST);
		local_irq_enable();
		exit->kind = DX_NONE;
		exit->code = DOMINO_EXIT_CODE_CANCELLED;
		return 0;
	}
	gen = atomic64_read(&v->d->tlb_gen);
	svm_assign_asid(s, gen != v->tlb_gen);
	v->tlb_gen = gen;

	vmcb->save.dr7 = domino_switch_to_guest(v);
	xcr0_switch = (vmcb->save.cr4 & X86_CR4_OSXSAVE) &&
		      v->xcr0 != domino_host_xcr0;
	exit->injected = vmcb->control.event_inj;
	if (s->virq_outstanding)
		exit->injected = vmcb->control.int_vector | SVM_EVTINJ_VALID |
				 SVM_EVTINJ_TYPE_INTR;
	/* APM 15.17: GIF=0 holds interrupts and NMIs off across the switch. */
	asm volatile("clgi" ::: "memory");
	if (xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	/* VMRUN does not save FS/GS/TR/LDTR and the syscall MSRs: VMSAVE does. */
	asm volatile("vmsave %0" : : "a"(svm_host_save_pa()) : "memory");
	/*
	 * With V_INTR_MASKING, the host's RFLAGS.IF at VMRUN decides whether
	 * physical interrupts end the guest's run (APM 15.21.1): set it.
	 * GIF=0 keeps them pending until STGI.
	 */
	local_irq_enable();
	domino_svm_vmrun(s->vmcb_pa, v->gpr, svm_host_save_pa());
	local_irq_disable();
	/*
	 * Read the guest's XCR0 back: an SVM implementation that does not
	 * honour the XSETBV intercept (QEMU's) lets the guest change it.
	 */
	if (xcr0_switch || (vmcb->save.cr4 & X86_CR4_OSXSAVE)) {
		u64 xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

		v->xcr0 = xcr0;
		if (xcr0 != domino_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, domino_host_xcr0);
	}
	asm volatile("stgi" ::: "memory");
	WRITE_ONCE(v->mode, VCPU_OUTSIDE_GUEST);
	/* #VMEXIT left DR7 at its reset value: the host's come back here. */
	domino_switch_from_guest(v);
	local_irq_enable();

	/*
	 * After VMEXIT_INVALID the guest never ran: the registers it was
	 * entered with are still its own. (QEMU stores the RIP of the host's
	 * VMRUN in the save area then, which would reach the VMM.)
	 */
	if (vmcb->control.exit_code != (u32)SVM_EXIT_ERR) {
		v->gpr[GPR_RAX] = vmcb->save.rax;
		v->gpr[GPR_RSP] = vmcb->save.rsp;
		v->rip = vmcb->save.rip;
		v->rflags = vmcb->save.rflags;
	}
	vmcb->control.event_inj = 0;
	exit->vectoring = vmcb->control.exit_int_info;
	v->event_pending = svm_requeue_event(s);
	svm_virq_after_exit(v);
	svm_decode_exit(v, exit);
	if (exit->kind == DX_SHUTDOWN)
		svm_vmcb_reinit_control(v, s);
	return 0;
}
