// SPDX-License-Identifier: GPL-2.0
/*
 * VMX vCPUs: the VMCS, the world switch around VMLAUNCH, and the
 * translation of VM exits into Domino's vendor-neutral exits.
 */
#define pr_fmt(fmt) "domino: vmx: " fmt

#include <linux/mm.h>
#include <linux/io.h>
#include <linux/sched.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr-index.h>
#include <asm/perf_event.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>

#include "domain.h"
#include "vcpu.h"
#include "exit.h"
#include "world_switch.h"
#include "alloc.h"
#include "tdp.h"
#include "vmx.h"

static inline struct vmx_vcpu *to_vmx(struct domino_vcpu *v)
{
	return v->arch;
}

/* Guest MSRs not in the VMCS, switched through the MSR areas (SDM 24.7.2). */
static const u32 vmx_swap_msrs[VMX_SWAP_MSRS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE,
};

/* VMX access rights from segment fields (SDM 24.4.1 table 24-2). */
static u32 vmx_ar(u8 type, u8 s, u8 dpl, u8 p, u8 avl, u8 l, u8 db, u8 g,
		  bool unusable)
{
	if (unusable)
		return 1 << 16;
	return type | s << 4 | dpl << 5 | p << 7 | avl << 12 | l << 13 |
	       db << 14 | g << 15;
}

struct vmx_seg_fields {
	unsigned long sel, base, limit, ar;
};

static const struct vmx_seg_fields vmx_segs[] = {
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
	{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES },
};

enum { VS_ES, VS_CS, VS_SS, VS_DS, VS_FS, VS_GS, VS_TR, VS_LDTR };

static void vmx_seg_write(int i, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmcs_write(vmx_segs[i].sel, sel);
	vmcs_write(vmx_segs[i].base, base);
	vmcs_write(vmx_segs[i].limit, limit);
	vmcs_write(vmx_segs[i].ar, ar);
}

/* The state after INIT (SDM 10.1.1 table 10-1), real mode. */
static void vmx_init_guest_state(struct vmx_vcpu *x)
{
	u32 data = vmx_ar(3, 1, 0, 1, 0, 0, 0, 0, false);

	vmx_seg_write(VS_CS, 0xf000, 0xffff0000, 0xffff,
		      vmx_ar(0xb, 1, 0, 1, 0, 0, 0, 0, false));
	vmx_seg_write(VS_DS, 0, 0, 0xffff, data);
	vmx_seg_write(VS_ES, 0, 0, 0xffff, data);
	vmx_seg_write(VS_FS, 0, 0, 0xffff, data);
	vmx_seg_write(VS_GS, 0, 0, 0xffff, data);
	vmx_seg_write(VS_SS, 0, 0, 0xffff, data);
	/* SDM 26.3.1.2: TR must be a busy TSS even in real mode. */
	vmx_seg_write(VS_TR, 0, 0, 0xffff, vmx_ar(0xb, 0, 0, 1, 0, 0, 0, 0, false));
	vmx_seg_write(VS_LDTR, 0, 0, 0xffff, vmx_ar(2, 0, 0, 1, 0, 0, 0, 0, false));
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	x->cr0 = X86_CR0_ET | X86_CR0_NW | X86_CR0_CD;
	x->cr4 = 0;
	/* CR0.NE and CR4.VMXE are fixed to 1 in VMX operation (SDM 23.8). */
	vmcs_write(GUEST_CR0, x->cr0 | X86_CR0_NE);
	vmcs_write(CR0_READ_SHADOW, x->cr0);
	vmcs_write(CR0_GUEST_HOST_MASK, ~VMX_CR0_GUEST_OWNED);
	vmcs_write(GUEST_CR4, x->cr4 | X86_CR4_VMXE);
	vmcs_write(CR4_READ_SHADOW, x->cr4);
	vmcs_write(CR4_GUEST_HOST_MASK, ~VMX_CR4_GUEST_OWNED);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_DR7, 0x400);
	/* Loaded with DR7 ("load debug controls"): no LBR, no BTF. */
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* SDM 26.3.1.5: no shadow VMCS: the link pointer must be all ones. */
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

static void vmx_init_controls(struct domino_vcpu *v, struct vmx_vcpu *x)
{
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_ctls.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_ctls.proc);
	/* SDM 26.2.1.1: with "enable VPID" the VPID must not be 0: all 65535 taken. */
	vmcs_write(SECONDARY_VM_EXEC_CONTROL,
		   x->vpid ? vmx_ctls.sec : vmx_ctls.sec & ~SECONDARY_EXEC_ENABLE_VPID);
	vmcs_write(VM_EXIT_CONTROLS, vmx_ctls.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_ctls.entry);
	/*
	 * #DB and #AC can recur inside their own delivery without an exit
	 * (vmm/exit.c, handle_exception); #MC belongs to the host.
	 */
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
		   BIT(X86_TRAP_MC));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(EPT_POINTER, domino_tdp_root_pa(&v->d->tdp) | vmx_ctls.eptp_flags);
	if (x->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, x->vpid);
	vmcs_write(TSC_OFFSET, v->tsc_offset);
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, page_to_phys(x->msr_page));
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, VMX_SWAP_MSRS);
	vmcs_write(VM_EXIT_MSR_STORE_ADDR, page_to_phys(x->msr_page));
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, VMX_SWAP_MSRS);
	vmcs_write(VM_EXIT_MSR_LOAD_ADDR, page_to_phys(x->msr_page) + PAGE_SIZE / 2);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, VMX_SWAP_MSRS);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
}

int vmx_vcpu_init(struct domino_vcpu *v)
{
	struct vmx_vcpu *x;
	unsigned long flags;
	unsigned int i;
	u32 err;

	if (!vmx_ctls.ok)
		return -EOPNOTSUPP;
	x = domino_kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	x->vmcs_page = domino_alloc_page(GFP_KERNEL_ACCOUNT);
	x->msr_page = domino_alloc_page(GFP_KERNEL_ACCOUNT);
	if (!x->vmcs_page || !x->msr_page) {
		domino_free_page(x->vmcs_page);
		domino_free_page(x->msr_page);
		domino_kfree(x);
		return -ENOMEM;
	}
	x->vmcs_pa = page_to_phys(x->vmcs_page);
	/* SDM 24.2: a VMCS starts with the revision id. */
	*(u32 *)page_address(x->vmcs_page) = vmx_ctls.vmcs_revision;
	x->guest_msrs = page_address(x->msr_page);
	x->host_msrs = page_address(x->msr_page) + PAGE_SIZE / 2;
	for (i = 0; i < VMX_SWAP_MSRS; i++) {
		x->guest_msrs[i].index = vmx_swap_msrs[i];
		x->host_msrs[i].index = vmx_swap_msrs[i];
	}
	BUILD_BUG_ON((VMX_SWAP_MSRS + VMX_PERF_MSRS) * sizeof(*x->guest_msrs) > PAGE_SIZE / 2);
	x->nr_load_msrs = VMX_SWAP_MSRS;
	x->vpid = vmx_vpid_alloc();
	x->last_cpu = -1;
	v->arch = x;
	v->rip = 0xfff0;
	v->rflags = X86_EFLAGS_FIXED;

	local_irq_save(flags);
	vmx_vmcs_put(x);	/* SDM 24.11.3: VMCLEAR before first use */
	vmx_vmcs_load(x);
	vmx_init_controls(v, x);
	vmx_init_guest_state(x);
	vmx_vmcs_put(x);
	err = vmx_take_error();
	local_irq_restore(flags);
	if (err) {
		pr_err("VMCS setup failed, VM-instruction error %u\n", err);
		vmx_vcpu_free(v);
		return -EIO;
	}
	return 0;
}

void vmx_vcpu_free(struct domino_vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	vmx_vpid_free(x->vpid);
	domino_free_page(x->vmcs_page);
	domino_free_page(x->msr_page);
	domino_kfree(x);
	v->arch = NULL;
}

/* Segment base from a GDT descriptor (SDM 3.4.5), for HOST_TR_BASE. */
static unsigned long vmx_host_tr_base(void)
{
	struct desc_ptr gdt;
	const u8 *d;
	unsigned long base;
	u16 tr;

	native_store_gdt(&gdt);
	asm volatile("str %0" : "=r"(tr));
	d = (const u8 *)gdt.address + (tr & ~7);
	base = d[2] | d[3] << 8 | d[4] << 16 | (unsigned long)d[7] << 24;
	base |= (unsigned long)*(const u32 *)(d + 8) << 32;
	return base;
}

/* Host state for the exit (SDM 27.5): this CPU's, read now. */
static void vmx_write_host_state(struct vmx_vcpu *x, struct desc_ptr *gdt,
				 struct desc_ptr *idt)
{
	unsigned int i;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, __read_cr4());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_FS_BASE, v);
	vmcs_write(HOST_FS_BASE, v);
	rdmsrl(MSR_GS_BASE, v);
	vmcs_write(HOST_GS_BASE, v);
	vmcs_write(HOST_TR_BASE, vmx_host_tr_base());
	vmcs_write(HOST_GDTR_BASE, gdt->address);
	vmcs_write(HOST_IDTR_BASE, idt->address);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmcs_write(HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_ESP, v);
	vmcs_write(HOST_IA32_SYSENTER_ESP, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmcs_write(HOST_IA32_PAT, v);
	for (i = 0; i < VMX_SWAP_MSRS; i++)
		rdmsrl(x->host_msrs[i].index, x->host_msrs[i].value);
}

/*
 * Selectors a VM exit does not give back (SDM 27.5.2): it loads the null
 * selectors the VMCS names for DS, ES, FS and GS and a null LDTR. A
 * 64-bit VMM normally has all of them null; a compat task or one with an
 * LDT (modify_ldt) does not, and gets them back here, as KVM does.
 */
struct vmx_host_segs {
	u16 ds, es, fs, gs, ldt;
	unsigned long fs_base;
};

static void vmx_host_segs_save(struct vmx_host_segs *h)
{
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	asm volatile("sldt %0" : "=g"(h->ldt));
	h->fs_base = h->fs ? native_read_msr(MSR_FS_BASE) : 0;
}

static void vmx_host_segs_restore(struct vmx_vcpu *x,
				  const struct vmx_host_segs *h)
{
	/* The LDT first: DS or ES may name one of its descriptors. */
	if (unlikely(h->ldt))
		asm volatile("lldt %0" : : "rm"(h->ldt));
	if (unlikely(h->ds | h->es)) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	if (unlikely(h->fs)) {
		/* The selector reloads the base from the descriptor: put it back. */
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (unlikely(h->gs)) {
		/* load_gs_index sets the user GS base: the saved one returns. */
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, x->host_msrs[VMX_SWAP_KGS].value);
	}
}

/* Flush what this CPU may cache for the vCPU (SDM 28.3.3). */
static void vmx_flush_tlb(struct domino_vcpu *v, struct vmx_vcpu *x)
{
	struct { u64 eptp, gpa; } ept = {
		domino_tdp_root_pa(&v->d->tdp) | vmx_ctls.eptp_flags, 0 };
	struct { u64 vpid, gva; } vp = { x->vpid, 0 };

	asm volatile("invept %0, %1" : : "m"(ept),
		     "r"((u64)(vmx_ctls.invept_single ? VMX_EPT_EXTENT_CONTEXT :
			       VMX_EPT_EXTENT_GLOBAL)) : "cc", "memory");
	if (x->vpid)
		asm volatile("invvpid %0, %1" : : "m"(vp),
			     "r"((u64)(vmx_ctls.invvpid_single ?
				       VMX_VPID_EXTENT_SINGLE_CONTEXT :
				       VMX_VPID_EXTENT_ALL_CONTEXT)) : "cc", "memory");
}

static void vmx_decode_io(struct domino_exit *e, u64 qual, u32 info)
{
	e->kind = DX_IO;
	/* SDM 27.2.1 table 27-5: size-1, direction, string, REP, port. */
	e->io.size = (qual & 7) + 1;
	e->io.in = qual & 8;
	e->io.string = qual & 16;
	e->io.rep = qual & 32;
	e->io.port = qual >> 16;
	/* SDM 27.2.5: address size and segment, where VMX_BASIC[54] says so. */
	if (e->io.string && vmx_ctls.inout_info) {
		e->io.addr_size = 2 << ((info >> 7) & 7);
		e->io.seg = (info >> 15) & 7;
	}
}

/*
 * An intercepted exception (SDM 27.2.2): #DB with its DR6 bits in the exit
 * qualification (the hardware DR6 is not written, SDM 27.1), #AC with its
 * error code, #MC for the host. ICEBP's #DB is a "privileged software
 * exception": the exit leaves RIP on the instruction, which the
 * reflected #DB (a trap) must already be past.
 */
static void vmx_decode_exception(struct domino_vcpu *v, struct domino_exit *e,
				 u32 intr, u64 qual)
{
	u8 vector = intr & INTR_INFO_VECTOR_MASK;

	switch (vector) {
	case X86_TRAP_DB:
		if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
			v->rip += e->insn_len;
			vmcs_clear_bits(GUEST_INTERRUPTIBILITY_INFO,
					GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		} else if ((v->rflags & X86_EFLAGS_TF) &&
			   (vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
			    (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))) {
			/*
			 * Single-stepping into an STI/MOV SS shadow: the entry
			 * check wants BS pending with TF set (SDM 26.3.1.5).
			 */
			vmcs_set_bits(GUEST_PENDING_DBG_EXCEPTIONS, DR_STEP);
		}
		e->kind = DX_EXCEPTION;
		e->exc.vector = X86_TRAP_DB;
		e->exc.dr6 = qual;
		break;
	case X86_TRAP_AC:
		e->kind = DX_EXCEPTION;
		e->exc.vector = X86_TRAP_AC;
		e->exc.has_error = true;
		e->exc.error = vmcs_read(VM_EXIT_INTR_ERROR_CODE);
		break;
	case X86_TRAP_MC:
		domino_host_machine_check();
		e->kind = DX_NONE;
		break;
	default:
		e->kind = DX_UNHANDLED;
		break;
	}
}

/*
 * An instruction emulated inside the decode is done: RIP past it, and an
 * STI or MOV SS shadow ends with it (SDM 26.3.1.5).
 */
static void vmx_retire(struct domino_vcpu *v, struct domino_exit *e)
{
	v->rip += e->insn_len;
	vmcs_clear_bits(GUEST_INTERRUPTIBILITY_INFO,
			GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	e->kind = DX_NONE;
}

static void vmx_decode_exit(struct domino_vcpu *v, struct vmx_vcpu *x,
			    struct domino_exit *e, u32 reason)
{
	u64 qual = vmcs_read(EXIT_QUALIFICATION);

	e->insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e->code = reason;
	e->hw.reason = reason;
	e->hw.info1 = qual;
	if (e->insn_len > 15)
		e->insn_len = 0;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		/* A machine check during entry is the host's (SDM 26.8). */
		if ((reason & 0xffff) == EXIT_REASON_MCE_DURING_VMENTRY)
			domino_host_machine_check();
		e->kind = DX_FAIL_ENTRY;
		return;
	}
	switch (reason & 0xffff) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		e->kind = DX_NONE;
		break;
	case EXIT_REASON_EXCEPTION_NMI: {
		u32 intr = vmcs_read(VM_EXIT_INTR_INFO);

		/* An NMI meant for the host: deliver it to the host now. */
		if ((intr & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
			asm volatile("int $2");
			e->kind = DX_NONE;
			break;
		}
		vmx_decode_exception(v, e, intr, qual);
		break;
	}
	case EXIT_REASON_WBINVD:
		e->kind = DX_WBINVD;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		e->kind = DX_SHUTDOWN;
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
		e->kind = DX_IRQ_WINDOW;
		break;
	case EXIT_REASON_CPUID:
		e->kind = DX_CPUID;
		break;
	case EXIT_REASON_HLT:
		e->kind = DX_HLT;
		break;
	case EXIT_REASON_INVD:
		/* Dropping caches without write-back is not the guest's to do. */
		vmx_retire(v, e);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		vmx_decode_io(e, qual, vmcs_read(VMX_INSTRUCTION_INFO));
		break;
	case EXIT_REASON_MSR_READ:
		e->kind = DX_MSR_READ;
		break;
	case EXIT_REASON_MSR_WRITE:
		e->kind = DX_MSR_WRITE;
		break;
	case EXIT_REASON_CR_ACCESS:
		/* SDM 27.2.1 table 27-3: CR, access type, GPR. */
		if (((qual >> 4) & 3) == 0 && (qual & 15) == 8) {
			e->kind = DX_CR_WRITE;
			e->cr.cr = 8;
			e->cr.gpr = (qual >> 8) & 15;
		} else if (((qual >> 4) & 3) == 1 && (qual & 15) == 8) {
			v->gpr[(qual >> 8) & 15] = vmx_read_cr8(v);
			vmx_retire(v, e);
		} else if (((qual >> 4) & 3) == 0 && ((qual & 15) == 0 || (qual & 15) == 4)) {
			if (vmx_cr_write(v, qual & 15, v->gpr[(qual >> 8) & 15])) {
				e->kind = DX_GP;
				break;
			}
			vmx_retire(v, e);
		} else if (((qual >> 4) & 3) == 3) {
			/*
			 * LMSW (SDM vol. 2A) touching a host-owned bit: loads
			 * PE (never clearing it), MP, EM and TS from the
			 * source data in bits 31:16.
			 */
			u64 src = (qual >> 16) & 0xf;
			u64 val = (x->cr0 & ~0xeULL) | src | (x->cr0 & X86_CR0_PE);

			if (vmx_cr_write(v, 0, val)) {
				e->kind = DX_GP;
				break;
			}
			vmx_retire(v, e);
		} else {
			e->kind = DX_UNHANDLED;
		}
		break;
	case EXIT_REASON_DR_ACCESS:
		/* SDM 27.2.1 table 27-4: DR number, direction, GPR. */
		e->kind = DX_DR;
		e->dr.dr = qual & 7;
		e->dr.write = !(qual & 16);
		e->dr.gpr = (qual >> 8) & 15;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		/* SDM 27.2.1 table 27-7: bit 0 read, 1 write, 2 fetch. */
		e->kind = DX_NPF;
		e->npf.gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
		e->npf.write = qual & 2;
		e->npf.fetch = qual & 4;
		break;
	case EXIT_REASON_XSETBV:
		e->kind = DX_XSETBV;
		break;
	case EXIT_REASON_VMCALL:
		e->kind = DX_HYPERCALL;
		break;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH: case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME: case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF: case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
	case EXIT_REASON_MWAIT_INSTRUCTION: case EXIT_REASON_MONITOR_INSTRUCTION:
		e->kind = DX_UD;
		break;
	case EXIT_REASON_RDPMC:
		/* No counters exist for the guest: SDM RDPMC, #GP(0). */
		e->kind = DX_GP;
		break;
	case EXIT_REASON_INVALID_STATE:
	case EXIT_REASON_MSR_LOAD_FAIL:
		e->kind = DX_FAIL_ENTRY;
		break;
	default:
		e->kind = DX_UNHANDLED;
		break;
	}
}

/*
 * An event the exit interrupted must be delivered on the next entry; true
 * if there is one (it holds the event slot, SDM 27.2.4).
 */
static bool vmx_requeue_event(void)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);

	if (!(info & VECTORING_INFO_VALID_MASK))
		return false;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_UNBLOCK_NMI);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read(IDT_VECTORING_ERROR_CODE));
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
		   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	return true;
}

/*
 * Host perf events that must not count in the guest (exclude_guest), and
 * PEBS, which could write its records while the guest runs, are switched
 * off for the guest and back on at the exit through the MSR areas (SDM
 * 24.8.2, 24.7.2), with the values perf gives, as KVM's
 * atomic_switch_perf_msrs() does. With IRQs off: the values hold until
 * the exit.
 */
static void vmx_switch_perf_msrs(struct vmx_vcpu *x)
{
	struct perf_guest_switch_msr *msrs;
	u32 n = VMX_SWAP_MSRS;
	int nr = 0, i;

	msrs = perf_guest_get_msrs(&nr, NULL);
	for (i = 0; msrs && i < nr; i++) {
		if (msrs[i].host == msrs[i].guest)
			continue;
		if (n == VMX_SWAP_MSRS + VMX_PERF_MSRS) {
			pr_warn_once("more perf MSRs to switch than the MSR areas hold\n");
			break;
		}
		x->guest_msrs[n].index = msrs[i].msr;
		x->guest_msrs[n].value = msrs[i].guest;
		x->host_msrs[n].index = msrs[i].msr;
		x->host_msrs[n].value = msrs[i].host;
		n++;
	}
	if (n != x->nr_load_msrs) {
		vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, n);
		vmcs_write(VM_EXIT_MSR_LOAD_COUNT, n);
		x->nr_load_msrs = n;
	}
}

int vmx_vcpu_enter(struct domino_vcpu *v, struct domino_exit *exit)
{
	struct vmx_vcpu *x = to_vmx(v);
	struct desc_ptr gdt, idt;
	bool xcr0_switch, flush;
	struct vmx_host_segs segs;
	u64 debugctl;
	u32 reason = 0, err;
	int cpu, failed;
	u64 gen;

	local_irq_disable();
	/* As on SVM: the host switched VMX off (rebooting): refuse to enter. */
	if (unlikely(!vmx_cpu_on())) {
		local_irq_enable();
		pr_err_ratelimited("CPU%d: VMX was switched off under domain %u (host shutting down?)\n",
				   raw_smp_processor_id(), v->d->domid);
		return -EIO;
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cpu = smp_processor_id();
	WRITE_ONCE(v->cpu, cpu);
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
	flush = gen != v->tlb_gen || x->last_cpu != cpu;
	if (x->last_cpu != cpu)
		v->l1d_flush = true;
	v->tlb_gen = gen;
	x->last_cpu = cpu;

	native_store_gdt(&gdt);
	store_idt(&idt);
	vmx_host_segs_save(&segs);
	/* SDM 27.5.1: the exit clears IA32_DEBUGCTL; the host's comes back. */
	rdmsrl(MSR_IA32_DEBUGCTLMSR, debugctl);
	vmx_vmcs_load(x);
	vmx_write_host_state(x, &gdt, &idt);
	vmx_switch_perf_msrs(x);
	vmcs_write(GUEST_RSP, v->gpr[GPR_RSP]);
	vmcs_write(GUEST_RIP, v->rip);
	vmcs_write(GUEST_RFLAGS, v->rflags);
	if (flush)
		vmx_flush_tlb(v, x);
	/*
	 * Bound every guest run to 1 ms: an implementation that does not exit
	 * on host interrupts while the guest has IF=0 (Bochs) must not be able
	 * to keep signals and the scheduler waiting.
	 */
	if (vmx_ctls.preempt_ticks)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_ctls.preempt_ticks);

	vmcs_write(GUEST_DR7, domino_switch_to_guest(v));
	xcr0_switch = (x->cr4 & X86_CR4_OSXSAVE) && v->xcr0 != domino_host_xcr0;
	if (xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	/* CR2 is not in the VMCS: it is the guest's while the guest runs. */
	if (read_cr2() != x->cr2)
		write_cr2(x->cr2);

	exit->injected = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	err = vmx_take_error();
	failed = err ? 1 : domino_vmx_vmlaunch(v->gpr);

	x->cr2 = read_cr2();
	if (xcr0_switch)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, domino_host_xcr0);
	/* SDM 27.5.2: the exit left GDTR/IDTR limits at 0xffff, TR's at 0x67. */
	native_load_gdt(&gdt);
	native_load_idt(&idt);
	invalidate_tss_limit();
	vmx_host_segs_restore(x, &segs);
	if (debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, debugctl);

	if (!failed) {
		reason = vmcs_read(VM_EXIT_REASON);
		v->gpr[GPR_RSP] = vmcs_read(GUEST_RSP);
		v->rip = vmcs_read(GUEST_RIP);
		v->rflags = vmcs_read(GUEST_RFLAGS);
		/*
		 * The guest changes the CR0/CR4 bits it owns without exits:
		 * refresh the cached view (its bits from the hardware, the
		 * host-owned ones from the read shadows) before anything
		 * uses it.
		 */
		x->cr0 = (vmcs_read(GUEST_CR0) & VMX_CR0_GUEST_OWNED) |
			 (vmcs_read(CR0_READ_SHADOW) & ~VMX_CR0_GUEST_OWNED);
		x->cr4 = (vmcs_read(GUEST_CR4) & VMX_CR4_GUEST_OWNED) |
			 (vmcs_read(CR4_READ_SHADOW) & ~VMX_CR4_GUEST_OWNED);
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		exit->vectoring = vmcs_read(IDT_VECTORING_INFO_FIELD);
		v->event_pending = vmx_requeue_event();
		vmx_decode_exit(v, x, exit, reason);
		/* A CR write or INVD moved RIP on inside the decode. */
		vmcs_write(GUEST_RIP, v->rip);
	} else if (!err) {
		err = vmcs_read(VM_INSTRUCTION_ERROR);
	}
	vmx_vmcs_put(x);
	if (!err)
		err = vmx_take_error();
	WRITE_ONCE(v->mode, VCPU_OUTSIDE_GUEST);
	/* The exit set DR7 to 0x400 (SDM 27.5.1): the host's come back here. */
	domino_switch_from_guest(v);
	local_irq_enable();

	if (failed || err) {
		/* SDM 30.4: report the VM-instruction error number. */
		x->insn_error = err;
		exit->kind = DX_FAIL_ENTRY;
		exit->code = 0xffffffff;
		exit->hw.reason = 0xffffffff;
		exit->hw.info1 = err;
	}
	return 0;
}
