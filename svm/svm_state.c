// SPDX-License-Identifier: GPL-2.0
/*
 * SVM guest state the VMM reads and writes: segment and control registers,
 * the MSRs that live in the VMCB, event injection and interrupt windows.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>

#include "vcpu.h"
#include "svm.h"

static inline struct svm_vcpu *to_svm(struct domino_vcpu *v)
{
	return v->arch;
}

static void seg_to_user(const struct vmcb_seg *in, struct domino_segment *out)
{
	u16 a = in->attrib;

	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->type = a & 0xf;
	out->s = (a >> 4) & 1;
	out->dpl = (a >> 5) & 3;
	out->present = (a >> 7) & 1;
	out->avl = (a >> 8) & 1;
	out->l = (a >> 9) & 1;
	out->db = (a >> 10) & 1;
	out->g = (a >> 11) & 1;
	/* SVM has no "unusable" bit: a non-present segment is the same. */
	out->unusable = !out->present;
}

static void seg_from_user(const struct domino_segment *in, struct vmcb_seg *out)
{
	out->base = in->base;
	out->limit = in->limit;
	out->selector = in->selector;
	out->attrib = in->unusable ? 0 :
		(in->type & 0xf) | (in->s & 1) << 4 | (in->dpl & 3) << 5 |
		(in->present & 1) << 7 | (in->avl & 1) << 8 | (in->l & 1) << 9 |
		(in->db & 1) << 10 | (in->g & 1) << 11;
}

void svm_get_sregs(struct domino_vcpu *v, struct domino_sregs *sr)
{
	const struct vmcb_save_area *s = &to_svm(v)->vmcb->save;

	seg_to_user(&s->cs, &sr->cs);
	seg_to_user(&s->ds, &sr->ds);
	seg_to_user(&s->es, &sr->es);
	seg_to_user(&s->fs, &sr->fs);
	seg_to_user(&s->gs, &sr->gs);
	seg_to_user(&s->ss, &sr->ss);
	/*
	 * The CPL is the VMCB's, not SS's DPL: AMD's SYSRET loads CPL 3 but
	 * leaves SS's hidden attributes as SYSCALL set them (APM vol. 3,
	 * SYSRET), so SS.DPL can read 0 in user mode. Callers take CPL from
	 * SS.DPL (SDM 5.5), as KVM's svm_get_segment() arranges too.
	 */
	sr->ss.dpl = s->cpl;
	seg_to_user(&s->tr, &sr->tr);
	seg_to_user(&s->ldtr, &sr->ldt);
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = to_svm(v)->vmcb->control.int_ctl & V_TPR_MASK;
	/* SVME is the host's business: the guest never set it. */
	sr->efer = s->efer & ~EFER_SVME;
}

/* CR4 bits a guest may own: those the host CPU has (SDM 2.5, APM 3.1.3). */
static u64 svm_cr4_allowed(void)
{
	u64 ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_UMIP))
		ok |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_LA57))
		ok |= X86_CR4_LA57;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		ok |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		ok |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		ok |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		ok |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		ok |= X86_CR4_SMAP;
	return ok;
}

/*
 * MOV to CR0 (SDM vol. 2B MOV CR, 9.8.5; APM 14.6): #GP for bits 63:32,
 * PG without PE, NW without CD, PG with LME but not PAE, and clearing PG
 * in 64-bit code or with PCIDE; paging on or off with LME set enters or
 * leaves long mode (EFER.LMA), as the CPU would. A change to PG, PE, WP,
 * CD or NW drops the guest's TLB entries (a fresh ASID).
 */
static int svm_set_cr0(struct svm_vcpu *s, u64 val)
{
	struct vmcb_save_area *save = &s->vmcb->save;
	u64 old = save->cr0, efer = save->efer;

	if (val >> 32 || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(save->cr4 & X86_CR4_PAE))
			return -EINVAL;
		efer |= EFER_LMA;
	}
	if (!(val & X86_CR0_PG) && (old & X86_CR0_PG)) {
		/* CS.L is attrib bit 9 in the VMCB's segment format. */
		if (((efer & EFER_LMA) && (save->cs.attrib & BIT(9))) ||
		    (save->cr4 & X86_CR4_PCIDE))
			return -EINVAL;
		efer &= ~EFER_LMA;
	}
	/* ET is fixed to 1; reserved bits in 31:0 are ignored (SDM 2.5). */
	val &= X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_NE |
	       X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG;
	save->cr0 = val | X86_CR0_ET;
	save->efer = efer;
	if ((val ^ old) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP | X86_CR0_CD | X86_CR0_NW))
		s->asid_cpu = -1;
	return 0;
}

/*
 * MOV to CR8: the virtual TPR. MOV to CR4 (APM 3.1.3, SDM vol. 2B MOV
 * CR): #GP for a bit Domino does not virtualize, for clearing PAE or
 * changing LA57 in long mode, and for setting PCIDE outside long mode or
 * with CR3[11:0] not zero. A change to a bit that shapes translations
 * drops the guest's TLB entries, as the CPU would have (SDM 4.10.4.1):
 * the vCPU takes a fresh ASID.
 */
int svm_set_cr(struct domino_vcpu *v, unsigned int cr, u64 val)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	struct vmcb_save_area *save = &vmcb->save;
	u64 old = save->cr4;
	bool lma = save->efer & EFER_LMA;

	/* CR8 (checked 0-15 by the caller) is V_TPR (APM 15.21.1). */
	if (cr == 8) {
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) | (val & 0xf);
		return 0;
	}
	if (cr == 0)
		return svm_set_cr0(to_svm(v), val);
	if (cr != 4 || (val & ~svm_cr4_allowed()))
		return -EINVAL;
	if (lma && (!(val & X86_CR4_PAE) || ((val ^ old) & X86_CR4_LA57)))
		return -EINVAL;
	if ((val & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!lma || (save->cr3 & 0xfff)))
		return -EINVAL;
	save->cr4 = val;
	if ((val ^ old) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PCIDE |
			   X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_LA57))
		to_svm(v)->asid_cpu = -1;
	return 0;
}

int svm_set_sregs(struct domino_vcpu *v, const struct domino_sregs *sr)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;
	u64 efer = sr->efer;	/* checked and made consistent by the caller */

	/* The generic checks ran; these are SVM's own (APM 15.5.1). */
	if (sr->cr4 & ~svm_cr4_allowed())
		return -EINVAL;
	if (!(efer & EFER_LMA) && (sr->cr3 >> 32))
		return -EINVAL;

	seg_from_user(&sr->cs, &s->cs);
	seg_from_user(&sr->ds, &s->ds);
	seg_from_user(&sr->es, &s->es);
	seg_from_user(&sr->fs, &s->fs);
	seg_from_user(&sr->gs, &s->gs);
	seg_from_user(&sr->ss, &s->ss);
	seg_from_user(&sr->tr, &s->tr);
	seg_from_user(&sr->ldt, &s->ldtr);
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	s->efer = efer | EFER_SVME;
	/* APM 15.5.1: CPL follows the stack segment's DPL. */
	s->cpl = (s->ss.attrib >> 5) & 3;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) | sr->cr8;
	return 0;
}

int svm_get_msr(struct domino_vcpu *v, u32 index, u64 *val)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	switch (index) {
	case MSR_EFER:		*val = s->efer & ~EFER_SVME; break;
	case MSR_STAR:		*val = s->star; break;
	case MSR_LSTAR:		*val = s->lstar; break;
	case MSR_CSTAR:		*val = s->cstar; break;
	case MSR_SYSCALL_MASK:	*val = s->sfmask; break;
	case MSR_KERNEL_GS_BASE: *val = s->kernel_gs_base; break;
	case MSR_FS_BASE:	*val = s->fs.base; break;
	case MSR_GS_BASE:	*val = s->gs.base; break;
	case MSR_IA32_SYSENTER_CS:  *val = s->sysenter_cs; break;
	case MSR_IA32_SYSENTER_ESP: *val = s->sysenter_esp; break;
	case MSR_IA32_SYSENTER_EIP: *val = s->sysenter_eip; break;
	case MSR_IA32_CR_PAT:	*val = s->g_pat; break;
	case MSR_IA32_TSC:	*val = rdtsc() + v->tsc_offset; break;
	case MSR_IA32_DEBUGCTLMSR: *val = 0; break;
	default:
		return -ENOENT;
	}
	return 0;
}

int svm_set_msr(struct domino_vcpu *v, u32 index, u64 val, bool host)
{
	struct vmcb *vmcb = to_svm(v)->vmcb;
	struct vmcb_save_area *s = &vmcb->save;

	switch (index) {
	case MSR_EFER:
		if (val & ~(EFER_SCE | EFER_LME | EFER_NX | EFER_FFXSR | EFER_LMA))
			return -EINVAL;
		/* LMA is the CPU's to set; LME may not change under paging. */
		if (!host && (s->cr0 & X86_CR0_PG) &&
		    ((val ^ s->efer) & EFER_LME))
			return -EINVAL;
		val = (val & ~EFER_LMA) | (s->efer & EFER_LMA);
		s->efer = val | EFER_SVME;
		break;
	case MSR_STAR:		s->star = val; break;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!domino_canonical(val))
			return -EINVAL;
		switch (index) {
		case MSR_LSTAR:		s->lstar = val; break;
		case MSR_CSTAR:		s->cstar = val; break;
		case MSR_KERNEL_GS_BASE: s->kernel_gs_base = val; break;
		case MSR_FS_BASE:	s->fs.base = val; break;
		case MSR_GS_BASE:	s->gs.base = val; break;
		case MSR_IA32_SYSENTER_ESP: s->sysenter_esp = val; break;
		default:		s->sysenter_eip = val; break;
		}
		break;
	case MSR_SYSCALL_MASK:	s->sfmask = (u32)val; break;
	case MSR_IA32_SYSENTER_CS: s->sysenter_cs = (u16)val; break;
	case MSR_IA32_CR_PAT:
		if (!domino_pat_valid(val))
			return -EINVAL;
		s->g_pat = val;
		break;
	case MSR_IA32_TSC:
		v->tsc_offset = val - rdtsc();
		vmcb->control.tsc_offset = v->tsc_offset;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		/* No LBR or BTF virtualization: only 0 is accepted. */
		return val ? -EINVAL : 0;
	default:
		return -ENOENT;
	}
	return 0;
}

static void svm_set_vintr_intercept(struct vmcb *vmcb, bool on)
{
	u32 bit = 1U << (INTERCEPT_VINTR % 32);

	if (on)
		vmcb->control.intercepts[INTERCEPT_VINTR / 32] |= bit;
	else
		vmcb->control.intercepts[INTERCEPT_VINTR / 32] &= ~bit;
}

/*
 * External interrupts go through the virtual interrupt (V_IRQ with its
 * vector, APM 15.21.4), not EVENTINJ. The caller injects only when the
 * guest can take one (IF set, no shadow), so the guest takes it before
 * its first instruction, as with EVENTINJ, and the processor clears
 * V_IRQ when it does. V_IGN_TPR: the local APIC model already chose the
 * vector against the task priority.
 *
 * Why not EVENTINJ: QEMU's SVM (7.2 and later) delivers an EVENTINJ
 * interrupt but leaves it as the vCPU's pending exception, so the next
 * kick of that emulated CPU before an exit delivers it a second time,
 * whatever the guest's IF: a Linux guest then takes a nested interrupt
 * inside an entry path and triple-faults (docs/lab.md). The virtual
 * interrupt goes through the ordinary interrupt path there.
 */
void svm_inject_virq(struct svm_vcpu *s, u8 vector)
{
	struct vmcb_control_area *c = &s->vmcb->control;

	c->int_vector = vector;
	c->int_ctl = (c->int_ctl & ~V_INTR_PRIO_MASK) | V_IRQ_MASK |
		     V_IGN_TPR_MASK | ((vector >> 4) << V_INTR_PRIO_SHIFT);
	/* With the VINTR intercept on, V_IRQ would exit instead of deliver. */
	svm_set_vintr_intercept(s->vmcb, false);
	s->virq_outstanding = true;
}

void svm_inject_event(struct domino_vcpu *v, const struct domino_event *e)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control_area *c = &s->vmcb->control;
	u32 type = e->type == DOMINO_EVENT_EXCEPTION ? SVM_EVTINJ_TYPE_EXEPT :
		   SVM_EVTINJ_TYPE_NMI;

	if (e->type == DOMINO_EVENT_INTERRUPT) {
		svm_inject_virq(s, e->vector);
		return;
	}
	/*
	 * APM 15.20: EVENTINJ delivers the event at the next VMRUN, and
	 * pushes an error code wherever EV says; real-mode delivery has none
	 * (SDM 20.1.4), so a real-mode guest gets it without.
	 */
	c->event_inj = e->vector | type | SVM_EVTINJ_VALID |
		       (e->has_error_code && (s->vmcb->save.cr0 & X86_CR0_PE) ?
			SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = e->error_code;
}

/*
 * After an exit: V_IRQ still set means the guest did not take the
 * interrupt (the exit came first); it stays armed for the next entry.
 * Once taken, an interrupt window asked for meanwhile can be armed.
 */
void svm_virq_after_exit(struct domino_vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control_area *c = &s->vmcb->control;

	/*
	 * An exit during the delivery itself (a nested page fault on the
	 * stack or the IDT) has been re-armed from EXITINTINFO: still set.
	 */
	if (!s->virq_outstanding || (c->int_ctl & V_IRQ_MASK))
		return;
	s->virq_outstanding = false;
	c->int_ctl &= ~(V_IGN_TPR_MASK | V_INTR_PRIO_MASK);
	if (s->window_wanted) {
		s->window_wanted = false;
		svm_set_irq_window_exit(v, true);
	}
}

bool svm_irq_window_open(struct domino_vcpu *v)
{
	const struct svm_vcpu *s = to_svm(v);
	const struct vmcb_control_area *c = &s->vmcb->control;

	return (v->rflags & X86_EFLAGS_IF) &&
	       !(c->int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       !(c->event_inj & SVM_EVTINJ_VALID) && !s->virq_outstanding;
}

/*
 * APM 15.21.4: a virtual interrupt (V_IRQ) with the VINTR intercept exits
 * as soon as the guest could take an interrupt. While a real one waits in
 * V_IRQ, the window is asked for once the guest has taken it.
 */
void svm_set_irq_window_exit(struct domino_vcpu *v, bool on)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;

	if (s->virq_outstanding) {
		s->window_wanted = on;
		return;
	}
	if (on) {
		vmcb->control.int_vector = 0;
		vmcb->control.int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK |
					 (0xf << V_INTR_PRIO_SHIFT);
	} else {
		vmcb->control.int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK |
					   V_INTR_PRIO_MASK);
	}
	svm_set_vintr_intercept(vmcb, on);
}

void svm_cancel_events(struct domino_vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	s->vmcb->control.event_inj = 0;
	s->vmcb->control.int_state = 0;
	s->virq_outstanding = false;
	s->window_wanted = false;
	svm_set_irq_window_exit(v, false);
}

void svm_clear_interrupt_shadow(struct domino_vcpu *v)
{
	to_svm(v)->vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

bool svm_in_interrupt_shadow(struct domino_vcpu *v)
{
	return to_svm(v)->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

void svm_set_cr2(struct domino_vcpu *v, u64 cr2)
{
	to_svm(v)->vmcb->save.cr2 = cr2;
}
