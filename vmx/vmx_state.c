// SPDX-License-Identifier: GPL-2.0
/*
 * VMX guest state the VMM reads and writes: segment and control registers,
 * MSRs in the VMCS or the MSR areas, event injection, interrupt windows,
 * and guest writes to the CR0/CR4 bits VMX owns.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "irqchip.h"
#include "vcpu.h"
#include "vmx.h"

static inline struct vmx_vcpu *to_vmx(struct domino_vcpu *v)
{
	return v->arch;
}

/*
 * Every access makes the VMCS current on this CPU for its duration; a VMX
 * instruction failure in between is a Domino bug and is logged as such.
 */
static void vmx_vmcs_done(struct vmx_vcpu *x)
{
	u32 err;

	vmx_vmcs_put(x);
	err = vmx_take_error();
	if (err)
		pr_err_ratelimited("domino: vmx: VMCS access failed, VM-instruction error %u\n",
				   err);
}

static unsigned long vmx_begin(struct vmx_vcpu *x)
{
	unsigned long flags;

	local_irq_save(flags);
	vmx_vmcs_load(x);
	return flags;
}

static void vmx_end(struct vmx_vcpu *x, unsigned long flags)
{
	vmx_vmcs_done(x);
	local_irq_restore(flags);
}

static const unsigned long seg_sel[] = {
	GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR,
	GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
	GUEST_TR_SELECTOR, GUEST_LDTR_SELECTOR,
};

/* Field n+2 is the limit, n+4 the AR bytes... the encodings are apart. */
static const unsigned long seg_base[] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE,
	GUEST_FS_BASE, GUEST_GS_BASE, GUEST_TR_BASE, GUEST_LDTR_BASE,
};
static const unsigned long seg_limit[] = {
	GUEST_ES_LIMIT, GUEST_CS_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT,
	GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_TR_LIMIT, GUEST_LDTR_LIMIT,
};
static const unsigned long seg_ar[] = {
	GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES,
	GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES,
	GUEST_TR_AR_BYTES, GUEST_LDTR_AR_BYTES,
};

static void seg_get(int i, struct domino_segment *s)
{
	u32 ar = vmcs_read(seg_ar[i]);

	s->selector = vmcs_read(seg_sel[i]);
	s->base = vmcs_read(seg_base[i]);
	s->limit = vmcs_read(seg_limit[i]);
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

static void seg_set(int i, const struct domino_segment *s)
{
	u32 ar = s->unusable || !s->present ? 1 << 16 :
		(s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		(s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
		(s->db & 1) << 14 | (s->g & 1) << 15;

	vmcs_write(seg_sel[i], s->selector);
	vmcs_write(seg_base[i], s->base);
	vmcs_write(seg_limit[i], s->limit);
	vmcs_write(seg_ar[i], ar);
}

void vmx_get_sregs(struct domino_vcpu *v, struct domino_sregs *sr)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;

	flags = vmx_begin(x);
	seg_get(0, &sr->es);
	seg_get(1, &sr->cs);
	seg_get(2, &sr->ss);
	seg_get(3, &sr->ds);
	seg_get(4, &sr->fs);
	seg_get(5, &sr->gs);
	seg_get(6, &sr->tr);
	seg_get(7, &sr->ldt);
	sr->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sr->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sr->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sr->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sr->cr3 = vmcs_read(GUEST_CR3);
	sr->efer = vmcs_read(GUEST_IA32_EFER);
	vmx_end(x, flags);
	sr->cr0 = x->cr0;
	sr->cr2 = x->cr2;
	sr->cr4 = x->cr4;
	sr->cr8 = vmx_read_cr8(v);
}

/* CR8: the in-kernel APIC's TPR[7:4] where there is one. */
u8 vmx_read_cr8(struct domino_vcpu *v)
{
	return v->lapic ? domino_lapic_get_cr8(v) : to_vmx(v)->cr8;
}

/* CR0/CR4/EFER into the VMCS: fixed bits added, IA-32e entry kept in step. */
static void vmx_load_crs(struct vmx_vcpu *x, u64 efer)
{
	vmcs_write(GUEST_CR0, x->cr0 | X86_CR0_NE);
	vmcs_write(CR0_READ_SHADOW, x->cr0);
	vmcs_write(CR0_GUEST_HOST_MASK, ~VMX_CR0_GUEST_OWNED);
	vmcs_write(GUEST_CR4, x->cr4 | X86_CR4_VMXE);
	vmcs_write(CR4_READ_SHADOW, x->cr4);
	vmcs_write(CR4_GUEST_HOST_MASK, ~VMX_CR4_GUEST_OWNED);
	vmcs_write(GUEST_IA32_EFER, efer);
	/* SDM 26.2.4: "IA-32e mode guest" must equal EFER.LMA. */
	if (efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

static u64 vmx_cr4_allowed(void)
{
	u64 fixed1;

	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1);
	/* What VMX allows, minus what Domino does not virtualize. */
	return fixed1 & ~(X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_PKE |
			  X86_CR4_CET);
}

/* CR0's defined bits (SDM 2.5): the others are reserved. */
#define CR0_DEFINED	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
			 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
			 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/* EFER bits a VMX guest may set (no FFXSR on Intel). */
#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

int vmx_set_sregs(struct domino_vcpu *v, const struct domino_sregs *sr)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	u64 efer = sr->efer;	/* checked and made consistent by the caller */

	/* The generic checks ran; these are VMX's own fixed bits (SDM A.8). */
	if ((sr->cr4 & ~vmx_cr4_allowed()) || (efer & ~EFER_ALLOWED))
		return -EINVAL;

	x->cr0 = sr->cr0;
	x->cr4 = sr->cr4;
	x->cr2 = sr->cr2;
	x->cr8 = sr->cr8 & 0xf;
	flags = vmx_begin(x);
	seg_set(0, &sr->es);
	seg_set(1, &sr->cs);
	seg_set(2, &sr->ss);
	seg_set(3, &sr->ds);
	seg_set(4, &sr->fs);
	seg_set(5, &sr->gs);
	seg_set(6, &sr->tr);
	seg_set(7, &sr->ldt);
	vmcs_write(GUEST_GDTR_BASE, sr->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sr->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sr->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sr->idt.limit);
	vmcs_write(GUEST_CR3, sr->cr3);
	vmx_load_crs(x, efer);
	vmx_end(x, flags);
	return 0;
}

static int vmx_swap_index(u32 msr)
{
	switch (msr) {
	case MSR_STAR: return 0;
	case MSR_LSTAR: return 1;
	case MSR_CSTAR: return 2;
	case MSR_SYSCALL_MASK: return 3;
	case MSR_KERNEL_GS_BASE: return 4;
	default: return -1;
	}
}

int vmx_get_msr(struct domino_vcpu *v, u32 index, u64 *val)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	int i = vmx_swap_index(index);
	int r = 0;

	if (i >= 0) {
		*val = x->guest_msrs[i].value;
		return 0;
	}
	flags = vmx_begin(x);
	switch (index) {
	case MSR_EFER:		*val = vmcs_read(GUEST_IA32_EFER); break;
	case MSR_FS_BASE:	*val = vmcs_read(GUEST_FS_BASE); break;
	case MSR_GS_BASE:	*val = vmcs_read(GUEST_GS_BASE); break;
	case MSR_IA32_SYSENTER_CS:  *val = vmcs_read(GUEST_SYSENTER_CS); break;
	case MSR_IA32_SYSENTER_ESP: *val = vmcs_read(GUEST_SYSENTER_ESP); break;
	case MSR_IA32_SYSENTER_EIP: *val = vmcs_read(GUEST_SYSENTER_EIP); break;
	case MSR_IA32_CR_PAT:	*val = vmcs_read(GUEST_IA32_PAT); break;
	case MSR_IA32_TSC:	*val = rdtsc() + v->tsc_offset; break;
	case MSR_IA32_DEBUGCTLMSR: *val = 0; break;
	default:		r = -ENOENT; break;
	}
	vmx_end(x, flags);
	return r;
}

int vmx_set_msr(struct domino_vcpu *v, u32 index, u64 val, bool host)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	int i = vmx_swap_index(index);
	int r = 0;

	if (i >= 0) {
		if (index != MSR_STAR && index != MSR_SYSCALL_MASK &&
		    !domino_canonical(val))
			return -EINVAL;
		x->guest_msrs[i].value = index == MSR_SYSCALL_MASK ? (u32)val : val;
		return 0;
	}
	switch (index) {
	case MSR_FS_BASE: case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
		if (!domino_canonical(val))
			return -EINVAL;
		break;
	case MSR_IA32_CR_PAT:
		if (!domino_pat_valid(val))
			return -EINVAL;
		break;
	case MSR_EFER:
		if (val & ~EFER_ALLOWED)
			return -EINVAL;
		break;
	case MSR_IA32_DEBUGCTLMSR:
		return val ? -EINVAL : 0;
	}
	flags = vmx_begin(x);
	switch (index) {
	case MSR_EFER: {
		u64 cur = vmcs_read(GUEST_IA32_EFER);

		/* LMA is the CPU's; LME may not change under paging. */
		if (!host && (x->cr0 & X86_CR0_PG) &&
		    ((val ^ cur) & EFER_LME)) {
			r = -EINVAL;
			break;
		}
		vmx_load_crs(x, (val & ~EFER_LMA) | (cur & EFER_LMA));
		break;
	}
	case MSR_FS_BASE:	vmcs_write(GUEST_FS_BASE, val); break;
	case MSR_GS_BASE:	vmcs_write(GUEST_GS_BASE, val); break;
	case MSR_IA32_SYSENTER_CS:  vmcs_write(GUEST_SYSENTER_CS, (u16)val); break;
	case MSR_IA32_SYSENTER_ESP: vmcs_write(GUEST_SYSENTER_ESP, val); break;
	case MSR_IA32_SYSENTER_EIP: vmcs_write(GUEST_SYSENTER_EIP, val); break;
	case MSR_IA32_CR_PAT:	vmcs_write(GUEST_IA32_PAT, val); break;
	case MSR_IA32_TSC:
		v->tsc_offset = val - rdtsc();
		vmcs_write(TSC_OFFSET, v->tsc_offset);
		break;
	default:		r = -ENOENT; break;
	}
	vmx_end(x, flags);
	return r;
}

void vmx_inject_event(struct domino_vcpu *v, const struct domino_event *e)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	u32 type = e->type == DOMINO_EVENT_EXCEPTION ? INTR_TYPE_HARD_EXCEPTION :
		   e->type == DOMINO_EVENT_NMI ? INTR_TYPE_NMI_INTR :
		   INTR_TYPE_EXT_INTR;

	/*
	 * SDM 26.6: the event is delivered on the next VM entry. Real-mode
	 * delivery pushes no error code, and VM entry refuses one there
	 * (26.2.1.3): a real-mode guest gets the exception without.
	 */
	flags = vmx_begin(x);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, e->vector | type |
		   INTR_INFO_VALID_MASK |
		   (e->has_error_code && (x->cr0 & X86_CR0_PE) ?
		    INTR_INFO_DELIVER_CODE_MASK : 0));
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, e->error_code);
	vmx_end(x, flags);
}

bool vmx_irq_window_open(struct domino_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	bool open = false;

	flags = vmx_begin(x);
	open = (v->rflags & X86_EFLAGS_IF) &&
	       !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
	       !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
	vmx_end(x, flags);
	return open;
}

/* SDM 25.3: "interrupt-window exiting" exits once the guest can take one. */
void vmx_set_irq_window_exit(struct domino_vcpu *v, bool on)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;

	flags = vmx_begin(x);
	if (on)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			      CPU_BASED_INTR_WINDOW_EXITING);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_INTR_WINDOW_EXITING);
	vmx_end(x, flags);
}

void vmx_cancel_events(struct domino_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;

	flags = vmx_begin(x);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
	vmx_end(x, flags);
}

bool vmx_in_interrupt_shadow(struct domino_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	bool shadow;

	flags = vmx_begin(x);
	shadow = vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	vmx_end(x, flags);
	return shadow;
}

void vmx_clear_interrupt_shadow(struct domino_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;

	flags = vmx_begin(x);
	vmcs_clear_bits(GUEST_INTERRUPTIBILITY_INFO,
			GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	vmx_end(x, flags);
}

/* The vendor op: VMX handles its CR exits itself, the VMCS loaded. */
int vmx_set_cr(struct domino_vcpu *v, unsigned int cr, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);
	unsigned long flags;
	int r;

	/* CR8 (checked 0-15 by the caller): the APIC's part is generic. */
	if (cr == 8) {
		x->cr8 = val;
		return 0;
	}
	if (cr != 0 && cr != 4)
		return -EINVAL;
	flags = vmx_begin(x);
	r = vmx_cr_write(v, cr, val);
	vmx_end(x, flags);
	return r;
}

void vmx_set_cr2(struct domino_vcpu *v, u64 cr2)
{
	to_vmx(v)->cr2 = cr2;
}

/*
 * MOV to CR0/CR4 touching a bit VMX owns (NE, VMXE): keep the guest's
 * value in the read shadow, the fixed bits in hardware, and long mode in
 * step with paging (SDM 27.2.1 table 27-3, APM 14.6).
 */
int vmx_cr_write(struct domino_vcpu *v, unsigned int cr, u64 val)
{
	struct vmx_vcpu *x = to_vmx(v);
	u64 efer;

	efer = vmcs_read(GUEST_IA32_EFER);
	if (cr == 0) {
		/*
		 * SDM vol. 2B MOV CR, 2.5: #GP for bits 63:32, PG without PE,
		 * NW without CD, PG with LME but not PAE, and clearing PG in
		 * 64-bit code or with PCIDE; reserved bits in 31:0 are ignored
		 * and ET reads as 1. Anything else would be a state VM entry
		 * refuses (SDM 26.3.1.1), which the guest could then use to
		 * kill itself through the host: check it here.
		 */
		if (val >> 32 || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
		    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
			return -EINVAL;
		val = (val & CR0_DEFINED) | X86_CR0_ET;
		if ((val & X86_CR0_PG) && !(x->cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
			if (!(x->cr4 & X86_CR4_PAE))
				return -EINVAL;
			efer |= EFER_LMA;
		}
		if (!(val & X86_CR0_PG) && (x->cr0 & X86_CR0_PG)) {
			/* CS.L is bit 13 of the access rights (SDM 24.4.1). */
			if (((efer & EFER_LMA) && (vmcs_read(GUEST_CS_AR_BYTES) & BIT(13))) ||
			    (x->cr4 & X86_CR4_PCIDE))
				return -EINVAL;
			efer &= ~EFER_LMA;
		}
		x->cr0 = val;
		vmx_load_crs(x, efer);
		return 0;
	}
	/* As svm_set_cr: bits not virtualized, PAE, LA57 and PCIDE rules. */
	if (val & ~vmx_cr4_allowed())
		return -EINVAL;
	if ((efer & EFER_LMA) && (!(val & X86_CR4_PAE) || ((val ^ x->cr4) & X86_CR4_LA57)))
		return -EINVAL;
	if ((val & X86_CR4_PCIDE) && !(x->cr4 & X86_CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (vmcs_read(GUEST_CR3) & 0xfff)))
		return -EINVAL;
	x->cr4 = val;
	vmx_load_crs(x, efer);
	return 0;
}
