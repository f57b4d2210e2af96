// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: creation from a domain fd, the vCPU fd with its mmap'd run area,
 * register access, and the run loop that drives the vendor's world switch.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/ratelimit.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "domino.h"
#include "domain.h"
#include "irqchip.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "exit.h"
#include "cpuid.h"
#include "msr.h"
#include "dr.h"
#include "gmem.h"
#include "alloc.h"
#include "tdp.h"
#include "xen.h"

u64 domino_host_xcr0;

void domino_vcpu_skip(struct domino_vcpu *v, u32 len)
{
	v->rip += len;
	/* The instruction completed: an STI/MOV SS shadow ends with it. */
	domino_vendor_clear_interrupt_shadow(v);
}

void domino_vcpu_queue_exception(struct domino_vcpu *v, u8 vector,
				 bool has_error, u32 error)
{
	struct domino_event e = {
		.type = DOMINO_EVENT_EXCEPTION,
		.vector = vector,
		.has_error_code = has_error,
		.error_code = error,
	};

	/* An exception raised while delivering another would be #DF: keep it simple, the first wins. */
	if (v->event_pending)
		return;
	v->event = e;
	v->event_pending = true;
	domino_vendor_inject_event(v, &e);
}

/*
 * New work for @v (an interrupt, INIT, SIPI): wake it if it sleeps, and
 * if it is in guest mode on another CPU, make it exit. Any context,
 * hard interrupts included. Pairs with the check before each entry
 * (domino_vcpu_entry_cancelled): either that check sees the flag or this
 * sees VCPU_IN_GUEST.
 */
void domino_vcpu_kick(struct domino_vcpu *v)
{
	int cpu;

	WRITE_ONCE(v->kicked, true);
	smp_mb();
	wake_up_interruptible(&v->wq);
	if (READ_ONCE(v->mode) == VCPU_IN_GUEST) {
		cpu = READ_ONCE(v->cpu);
		if (cpu >= 0 && cpu != raw_smp_processor_id())
			smp_send_reschedule(cpu);
	}
}

void domino_domain_kick_vcpu(struct domino_domain *d, u32 id)
{
	struct domino_vcpu *v;

	if (id >= DOMINO_MAX_VCPUS)
		return;
	spin_lock(&d->vcpus_kick_lock);
	v = d->vcpus[array_index_nospec(id, DOMINO_MAX_VCPUS)];
	if (v)
		domino_vcpu_kick(v);
	spin_unlock(&d->vcpus_kick_lock);
}

static void vcpu_kick_ipi(void *unused)
{
	/* The IPI itself forced the #VMEXIT: nothing to do. */
}

/*
 * Make every vCPU of @d leave guest mode at least once, so that it sees
 * new state (a bumped tlb_gen) before its next entry. A vCPU that is not
 * in guest mode checks that state before it enters.
 */
void domino_domain_kick_all(struct domino_domain *d)
{
	unsigned int i;

	smp_mb();	/* the caller's update before reading the modes */
	spin_lock(&d->vcpus_kick_lock);
	for (i = 0; i < DOMINO_MAX_VCPUS; i++) {
		struct domino_vcpu *v = d->vcpus[i];

		if (v && READ_ONCE(v->mode) == VCPU_IN_GUEST)
			smp_call_function_single(READ_ONCE(v->cpu),
						 vcpu_kick_ipi, NULL, 1);
	}
	spin_unlock(&d->vcpus_kick_lock);
}

static void vcpu_set_segment(struct domino_segment *seg, u16 sel, u64 base,
			     u8 type, bool system)
{
	seg->selector = sel;
	seg->base = base;
	seg->limit = 0xffff;
	seg->type = type;
	seg->present = 1;
	seg->s = !system;	/* type 11 is a code segment or a busy TSS */
}

/* SDM 9.1.1 table 9-1: the state INIT leaves, CS:IP f000:fff0. */
static void vcpu_reset_to_init(struct domino_vcpu *v)
{
	struct domino_sregs s = {};
	u32 eax, ebx, ecx, edx;

	vcpu_set_segment(&s.cs, 0xf000, 0xffff0000, 11, false);
	vcpu_set_segment(&s.ds, 0, 0, 3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	vcpu_set_segment(&s.tr, 0, 0, 11, true);
	vcpu_set_segment(&s.ldt, 0, 0, 2, true);
	s.gdt.limit = 0xffff;
	s.idt.limit = 0xffff;
	s.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	domino_vendor_set_sregs(v, &s);
	memset(v->gpr, 0, sizeof(v->gpr));
	domino_cpuid_lookup(v, 1, 0, &eax, &ebx, &ecx, &edx);
	v->gpr[GPR_RDX] = eax;	/* family, model, stepping */
	v->rip = 0xfff0;
	v->rflags = X86_EFLAGS_FIXED;
	v->xcr0 = XFEATURE_MASK_FP;
	v->event_pending = false;
	domino_vendor_cancel_events(v);
	v->pending = PENDING_NONE;
	domino_dr_reset(v);
}

/* SDM 10.4.4.1 / 8.4.4: a start-up IPI runs the AP in real mode at VV00:0000. */
static void vcpu_start_at_sipi(struct domino_vcpu *v, u8 vector)
{
	struct domino_sregs s;

	domino_vendor_get_sregs(v, &s);
	s.cs.selector = vector << 8;
	s.cs.base = (u64)vector << 12;
	domino_vendor_set_sregs(v, &s);
	v->rip = 0;
}

/* An interrupt the guest would take now (IF set) ends its HLT. */
static bool vcpu_halt_ends(struct domino_vcpu *v)
{
	bool if_flag = v->rflags & X86_EFLAGS_IF;

	return domino_lapic_wakes_halt(v, if_flag) ||
	       (if_flag && domino_xen_pending_callback(v) >= 0) ||
	       domino_xen_block_ends(v);
}

static bool vcpu_can_wake(struct domino_vcpu *v)
{
	/* Xen timers and events from afar: prepare them, then look again. */
	if (domino_xen_has_work(v))
		return true;
	switch (v->mp_state) {
	case MP_HALTED:
		return vcpu_halt_ends(v);
	case MP_WAIT_SIPI:
		return domino_lapic_has_sipi(v) || domino_lapic_has_init(v);
	default:
		return true;
	}
}

/*
 * In-kernel irqchip: act on INIT and SIPI, and sleep while the vCPU is
 * halted or waits for a SIPI. 0: enter the guest; -EINTR: back to the VMM
 * (a signal or immediate_exit), the vCPU stays halted/waiting.
 */
static int vcpu_wait_runnable(struct domino_vcpu *v)
{
	u8 vector;

	for (;;) {
		bool was_runnable = v->mp_state == MP_RUNNABLE;

		domino_xen_vcpu_prepare(v);
		if (domino_lapic_take_init(v)) {
			vcpu_reset_to_init(v);
			/* INIT puts an AP to wait; the BSP restarts at once. */
			v->mp_state = v->id ? MP_WAIT_SIPI : MP_RUNNABLE;
		}
		if (domino_lapic_take_sipi(v, &vector) &&
		    v->mp_state == MP_WAIT_SIPI) {
			vcpu_start_at_sipi(v, vector);
			v->mp_state = MP_RUNNABLE;
		}
		if (v->mp_state == MP_HALTED && vcpu_halt_ends(v))
			v->mp_state = MP_RUNNABLE;
		if (v->mp_state == MP_RUNNABLE) {
			/* Running again: the runstate area says so. */
			if (!was_runnable)
				domino_xen_vcpu_prepare(v);
			return 0;
		}
		/* Slept: other tasks ran here meanwhile (L1TF). */
		v->l1d_flush = true;
		if (wait_event_interruptible(v->wq, READ_ONCE(v->run->immediate_exit) ||
					     vcpu_can_wake(v)))
			return -EINTR;
		if (READ_ONCE(v->run->immediate_exit))
			return -EINTR;
	}
}

static void vcpu_queue_event(struct domino_vcpu *v, u8 type, u8 vector)
{
	struct domino_event e = { .type = type, .vector = vector };

	v->event = e;
	v->event_pending = true;
	domino_vendor_inject_event(v, &e);
}

/*
 * `sti; hlt` with an interrupt pending: hardware executes the HLT (the
 * STI shadow covers it) and the interrupt then wakes it, returning after
 * the HLT. An exit inside that shadow would have us wait for the window,
 * and an implementation that drops the shadow across VMRUN (QEMU's SVM)
 * opens it before the HLT: the interrupt lands first, and the HLT then
 * sleeps with nothing left to wake it. Doing the HLT's part here keeps
 * the hardware's order: step over it, and the window is open.
 */
static bool vcpu_complete_sti_hlt(struct domino_vcpu *v)
{
	struct domino_sregs s;
	u8 insn[15];

	if (!(v->rflags & X86_EFLAGS_IF) || v->event_pending ||
	    !domino_vendor_in_interrupt_shadow(v))
		return false;
	if (!domino_guest_fetch_insn(v, insn, &s) || insn[0] != 0xf4)
		return false;
	domino_vcpu_skip(v, 1);
	return true;
}

/*
 * Deliver what the local APIC has for the guest, or ask the hardware to
 * exit as soon as the guest can take it (SDM 6.8.1 / APM 15.21.4).
 * NMIs wait for an open window too: without virtual-NMI tracking that is
 * the only way to know the guest is not inside another handler's entry.
 */
static void vcpu_deliver_interrupts(struct domino_vcpu *v)
{
	bool open = !v->event_pending && domino_vendor_irq_window_open(v);
	int vec;

	if (open && domino_lapic_take_nmi(v)) {
		vcpu_queue_event(v, DOMINO_EVENT_NMI, 2);
		return;
	}
	/* Xen's callback vector ranks above the LAPIC (Xen's hvm_intr_assist). */
	vec = domino_xen_pending_callback(v);
	if (vec >= 0) {
		if (!open && vcpu_complete_sti_hlt(v))
			open = domino_vendor_irq_window_open(v);
		if (open)
			vcpu_queue_event(v, DOMINO_EVENT_INTERRUPT, vec);
		else
			domino_vendor_set_irq_window_exit(v, true);
		return;
	}
	vec = domino_lapic_pending_vector(v);
	if (vec < 0)
		return;
	if (!open && vcpu_complete_sti_hlt(v))
		open = domino_vendor_irq_window_open(v);
	if (open) {
		domino_lapic_ack(v, vec);
		vcpu_queue_event(v, DOMINO_EVENT_INTERRUPT, vec);
	} else {
		domino_vendor_set_irq_window_exit(v, true);
	}
}

static void vcpu_trace_exit(struct domino_vcpu *v, const struct domino_exit *e)
{
	struct domino_exit_record *t = &v->trace[v->trace_next];

	t->code = e->code;
	t->rip = v->rip;
	t->rflags = v->rflags;
	t->injected = e->injected;
	t->vectoring = e->vectoring;
	v->trace_next = (v->trace_next + 1) % DOMINO_EXIT_TRACE_LEN;
}

/*
 * The memory a dying guest needed to deliver its exception: its page
 * tables' root, the code, the stack and the IDT, each checked against the
 * VMM's backing (a stale nested mapping would show as a mismatch).
 */
static void vcpu_dump_memory(struct domino_vcpu *v, const struct domino_sregs *s)
{
	const struct { const char *name; u64 la; } at[] = {
		{ "rip", v->rip }, { "rsp", v->gpr[GPR_RSP] }, { "idt", s->idt.base },
	};
	unsigned int i;
	u64 gpa;

	if (!(s->cr0 & X86_CR0_PG))
		return;
	domino_memory_audit(v->d, s->cr3 & PHYSICAL_PAGE_MASK, "cr3");
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		if (domino_guest_translate(v, at[i].la, &gpa))
			pr_info("d%u %s %#llx: the guest's page tables do not map it\n",
				v->d->domid, at[i].name, at[i].la);
		else
			domino_memory_audit(v->d, gpa, at[i].name);
	}
}

/*
 * Explain a guest's death in the host log, as Xen does on a triple fault:
 * the registers that matter for exception delivery and the last exits,
 * oldest first. Events print in the DOMINO_EVENT_INFO layout.
 */
void domino_vcpu_dump(struct domino_vcpu *v, const char *why)
{
	/*
	 * Guests can crash at will: two dumps per 10 s, and the count of those
	 * left out goes into the next one (at info level, as the dump: the
	 * ratelimit's own "callbacks suppressed" line would be a warning).
	 */
	static struct ratelimit_state rs = {
		.lock = __RAW_SPIN_LOCK_UNLOCKED(rs.lock),
		.interval = 10 * HZ, .burst = 2,
		.flags = RATELIMIT_MSG_ON_RELEASE,
	};
	static atomic_t skipped = ATOMIC_INIT(0);
	struct domino_sregs s;
	unsigned int i;

	if (!__ratelimit(&rs)) {
		atomic_inc(&skipped);
		return;
	}
	domino_vendor_get_sregs(v, &s);
	pr_info("d%u vCPU %u %s: rip %#llx rsp %#llx rflags %#llx (%d dumps left out before)\n",
		v->d->domid, v->id, why, v->rip, v->gpr[GPR_RSP], v->rflags,
		atomic_xchg(&skipped, 0));
	pr_info("d%u vCPU %u  cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx\n",
		v->d->domid, v->id, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	/*
	 * A guest whose saved CR3 is the VMM's own had the host's state
	 * stored as its own (an emulator fault, docs/security.md): say so
	 * without printing host addresses.
	 */
	if (s.cr3 == __read_cr3())
		pr_info("d%u vCPU %u  its CR3 is the host's: the CPU saved host state as the guest's\n",
			v->d->domid, v->id);
	pr_info("d%u vCPU %u  cs %#x ss %#x tr %#x idt %#llx+%#x gdt %#llx+%#x\n",
		v->d->domid, v->id, s.cs.selector, s.ss.selector, s.tr.selector,
		s.idt.base, s.idt.limit, s.gdt.base, s.gdt.limit);
	vcpu_dump_memory(v, &s);
	for (i = 0; i < DOMINO_EXIT_TRACE_LEN; i++) {
		const struct domino_exit_record *t =
			&v->trace[(v->trace_next + i) % DOMINO_EXIT_TRACE_LEN];

		if (!t->code && !t->rip)
			continue;
		pr_info("d%u vCPU %u  exit %#llx rip %#llx rflags %#x injected %#x vectoring %#x\n",
			v->d->domid, v->id, t->code, t->rip, t->rflags,
			t->injected, t->vectoring);
	}
}

static int vcpu_run(struct domino_vcpu *v)
{
	struct domino_exit exit;
	int r;

	r = domino_complete_userspace_exit(v);
	if (r <= 0)
		return r;

	fpu_swap_kvm_fpstate(&v->fpu, true);
	/* Userspace ran on this CPU since the last entry (L1TF, vmm/switch.c). */
	v->l1d_flush = true;
	for (;;) {
		if (READ_ONCE(v->run->immediate_exit) || signal_pending(current)) {
			r = -EINTR;
			break;
		}
		/* Scheduled out: another task's data may be in L1D (L1TF). */
		if (need_resched())
			v->l1d_flush = true;
		cond_resched();
		if (v->lapic) {
			/* Looked at from here on: a later kick cancels the entry. */
			WRITE_ONCE(v->kicked, false);
			smp_mb();
			r = vcpu_wait_runnable(v);
			if (r)
				break;
			vcpu_deliver_interrupts(v);
		}

		v->run->exit_reason = DOMINO_EXIT_NONE;
		memset(&exit, 0, sizeof(exit));
		r = domino_vendor_vcpu_enter(v, &exit);
		if (r)
			break;
		vcpu_trace_exit(v, &exit);
		r = domino_handle_exit(v, &exit);
		if (r <= 0)
			break;
	}
	fpu_swap_kvm_fpstate(&v->fpu, false);

	v->run->rip = v->rip;
	v->run->if_flag = !!(v->rflags & X86_EFLAGS_IF);
	v->run->irq_window_open = domino_vendor_irq_window_open(v);
	return r;
}

static long vcpu_get_regs(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_regs r = {
		.rax = v->gpr[GPR_RAX], .rbx = v->gpr[GPR_RBX],
		.rcx = v->gpr[GPR_RCX], .rdx = v->gpr[GPR_RDX],
		.rsi = v->gpr[GPR_RSI], .rdi = v->gpr[GPR_RDI],
		.rsp = v->gpr[GPR_RSP], .rbp = v->gpr[GPR_RBP],
		.r8 = v->gpr[GPR_R8], .r9 = v->gpr[GPR_R9],
		.r10 = v->gpr[GPR_R10], .r11 = v->gpr[GPR_R11],
		.r12 = v->gpr[GPR_R12], .r13 = v->gpr[GPR_R13],
		.r14 = v->gpr[GPR_R14], .r15 = v->gpr[GPR_R15],
		.rip = v->rip, .rflags = v->rflags,
	};

	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

/*
 * Virtual-8086 mode exists only in protected mode outside IA-32e mode (SDM
 * 20.2, 26.3.1.4: a VM entry to IA-32e mode with RFLAGS.VM fails; QEMU's
 * SVM runs such a state into a CPU that answers nothing, NMIs included).
 */
static bool vcpu_rflags_fit(u64 rflags, u64 cr0, u64 efer)
{
	return !(rflags & X86_EFLAGS_VM) || ((cr0 & X86_CR0_PE) && !(efer & EFER_LMA));
}

static long vcpu_set_regs(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_sregs s;
	struct domino_regs r;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	domino_vendor_get_sregs(v, &s);
	if (!vcpu_rflags_fit(r.rflags, s.cr0, s.efer))
		return -EINVAL;
	v->gpr[GPR_RAX] = r.rax;
	v->gpr[GPR_RBX] = r.rbx;
	v->gpr[GPR_RCX] = r.rcx;
	v->gpr[GPR_RDX] = r.rdx;
	v->gpr[GPR_RSI] = r.rsi;
	v->gpr[GPR_RDI] = r.rdi;
	v->gpr[GPR_RSP] = r.rsp;
	v->gpr[GPR_RBP] = r.rbp;
	v->gpr[GPR_R8] = r.r8;
	v->gpr[GPR_R9] = r.r9;
	v->gpr[GPR_R10] = r.r10;
	v->gpr[GPR_R11] = r.r11;
	v->gpr[GPR_R12] = r.r12;
	v->gpr[GPR_R13] = r.r13;
	v->gpr[GPR_R14] = r.r14;
	v->gpr[GPR_R15] = r.r15;
	v->rip = r.rip;
	/* Bit 1 is always 1; the reserved bits must stay 0 (SDM 3.4.3). */
	v->rflags = (r.rflags & 0x3f7fd5ULL) | X86_EFLAGS_FIXED;
	/*
	 * New registers abandon a half-done userspace exit, and a HLT the
	 * vCPU sleeps in: the VMM moved it on (a vCPU waiting for SIPI keeps
	 * waiting; only a SIPI starts it).
	 */
	v->pending = PENDING_NONE;
	if (v->mp_state == MP_HALTED)
		v->mp_state = MP_RUNNABLE;
	return 0;
}

static long vcpu_get_sregs(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_sregs s;

	memset(&s, 0, sizeof(s));
	domino_vendor_get_sregs(v, &s);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

#define SREGS_EFER_BITS	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_FFXSR)

/*
 * What no x86 CPU accepts is refused here for both vendors; the vendor
 * then checks its own fixed bits, and the hardware's entry checks catch the
 * rest as a FAIL_ENTRY exit. EFER.LMA is made consistent: long mode is
 * active exactly when LME and paging are (SDM 9.8.5, APM 14.6).
 */
static int vcpu_check_sregs(struct domino_sregs *s)
{
	const struct domino_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;
	/* Padding is reserved too: a later version may give it a meaning. */
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (memchr_inv(segs[i]->pad, 0, sizeof(segs[i]->pad)))
			return -EINVAL;
	if (memchr_inv(s->gdt.pad, 0, sizeof(s->gdt.pad)) ||
	    memchr_inv(s->idt.pad, 0, sizeof(s->idt.pad)))
		return -EINVAL;
	if (s->cr0 >> 32 || ((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE)) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if ((s->efer & ~SREGS_EFER_BITS) || s->cr8 > 15)
		return -EINVAL;
	if ((s->efer & EFER_LMA) && !(s->efer & EFER_LME))
		return -EINVAL;
	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		if (!(s->cr4 & X86_CR4_PAE))
			return -EINVAL;
		s->efer |= EFER_LMA;
	} else {
		s->efer &= ~EFER_LMA;
	}
	return 0;
}

static long vcpu_set_sregs(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_sregs s;
	int r;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	r = vcpu_check_sregs(&s);
	if (!r && !vcpu_rflags_fit(v->rflags, s.cr0, s.efer))
		r = -EINVAL;
	return r ? r : domino_vendor_set_sregs(v, &s);
}

static long vcpu_get_xsave(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_xsave *x = kzalloc(sizeof(*x), GFP_KERNEL);
	long r = 0;

	if (!x)
		return -ENOMEM;
	/* Guests get no protection keys (CR4.PKE is refused): PKRU is 0. */
	fpu_copy_guest_fpstate_to_uabi(&v->fpu, x->region, sizeof(x->region),
				       domino_host_xcr0, 0);
	if (copy_to_user(uarg, x, sizeof(*x)))
		r = -EFAULT;
	kfree(x);
	return r;
}

static long vcpu_set_xsave(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_xsave *x = memdup_user(uarg, sizeof(*x));
	u32 pkru = 0;
	long r;

	if (IS_ERR(x))
		return PTR_ERR(x);
	/* The core validates the header and features against xcr0. */
	r = fpu_copy_uabi_to_guest_fpstate(&v->fpu, x->region,
					   domino_host_xcr0, &pkru);
	kfree(x);
	return r;
}

/* #DF, #TS, #NP, #SS, #GP, #PF and #AC push an error code (SDM 6.13). */
static bool vcpu_exception_has_error(u8 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static long vcpu_inject(struct domino_vcpu *v, void __user *uarg)
{
	struct domino_event e;

	if (copy_from_user(&e, uarg, sizeof(e)))
		return -EFAULT;
	if (e.pad || e.reserved || e.has_error_code > 1)
		return -EINVAL;
	switch (e.type) {
	case DOMINO_EVENT_EXCEPTION:
		/*
		 * Vectors 0-31 only; an error code exactly where the SDM has
		 * one, and of 16 bits: VM entry refuses anything else (SDM
		 * 26.2.1.3), so the VMM hears of it here, not as FAIL_ENTRY.
		 */
		if (e.vector > 31 || e.vector == 2 ||
		    e.has_error_code != vcpu_exception_has_error(e.vector) ||
		    (e.has_error_code && e.error_code > 0xffff))
			return -EINVAL;
		break;
	case DOMINO_EVENT_INTERRUPT:
		/* With an in-kernel APIC, interrupts go through it. */
		if (e.vector < 32 || e.has_error_code || v->lapic)
			return -EINVAL;
		if (!domino_vendor_irq_window_open(v))
			return -EAGAIN;
		break;
	case DOMINO_EVENT_NMI:
		if (e.has_error_code)
			return -EINVAL;
		e.vector = 2;
		break;
	default:
		return -EINVAL;
	}
	if (v->event_pending)
		return -EBUSY;
	v->event = e;
	v->event_pending = true;
	domino_vendor_inject_event(v, &e);
	return 0;
}

#define VCPU_IOCTL(nr, fn) \
	case _IOC_NR(nr): \
		r = domino_ioctl_check(cmd, nr); \
		return r ? r : fn(v, uarg)

static long vcpu_ioctl_locked(struct domino_vcpu *v, unsigned int cmd,
			      void __user *uarg)
{
	long r;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(DOMINO_RUN):
		r = domino_ioctl_check(cmd, DOMINO_RUN);
		return r ? r : vcpu_run(v);
	VCPU_IOCTL(DOMINO_GET_REGS, vcpu_get_regs);
	VCPU_IOCTL(DOMINO_SET_REGS, vcpu_set_regs);
	VCPU_IOCTL(DOMINO_GET_SREGS, vcpu_get_sregs);
	VCPU_IOCTL(DOMINO_SET_SREGS, vcpu_set_sregs);
	VCPU_IOCTL(DOMINO_GET_XSAVE, vcpu_get_xsave);
	VCPU_IOCTL(DOMINO_SET_XSAVE, vcpu_set_xsave);
	VCPU_IOCTL(DOMINO_INJECT_EVENT, vcpu_inject);
	case _IOC_NR(DOMINO_GET_MSRS):
		r = domino_ioctl_check(cmd, DOMINO_GET_MSRS);
		return r ? r : domino_msrs_ioctl(v, uarg, false);
	case _IOC_NR(DOMINO_SET_MSRS):
		r = domino_ioctl_check(cmd, DOMINO_SET_MSRS);
		return r ? r : domino_msrs_ioctl(v, uarg, true);
	case _IOC_NR(DOMINO_GET_CPUID):
		r = domino_ioctl_check(cmd, DOMINO_GET_CPUID);
		return r ? r : domino_cpuid_get(v, uarg);
	case _IOC_NR(DOMINO_SET_CPUID):
		r = domino_ioctl_check(cmd, DOMINO_SET_CPUID);
		return r ? r : domino_cpuid_set(v, uarg);
	default:
		return -ENOTTY;
	}
}

static long vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct domino_vcpu *v = file->private_data;
	long r;

	if (_IOC_TYPE(cmd) != DOMINO_IOCTL_TYPE || _IOC_NR(cmd) < 0x80)
		return -ENOTTY;
	/* A vCPU runs only in the address space its guest memory lives in. */
	if (current->mm != v->d->mm)
		return -EIO;
	if (mutex_lock_killable(&v->lock))
		return -EINTR;
	r = vcpu_ioctl_locked(v, cmd, (void __user *)arg);
	mutex_unlock(&v->lock);
	return r;
}

static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct domino_vcpu *v = file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_SHARED) || current->mm != v->d->mm)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return vm_insert_page(vma, vma->vm_start, v->run_page);
}

static void vcpu_free(struct domino_vcpu *v)
{
	domino_xen_vcpu_free(v);
	domino_lapic_free(v);
	if (v->arch)
		domino_vendor_vcpu_free(v);
	fpu_free_guest_fpstate(&v->fpu);
	domino_tdp_cache_free(&v->tdp_cache);
	domino_kfree(v->cpuid);
	domino_free_page(v->run_page);
	domino_kfree(v);
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	struct domino_vcpu *v = file->private_data;
	struct domino_domain *d = v->d;

	mutex_lock(&d->vcpus_lock);
	/*
	 * Xen's state for this id goes while the id is still taken: a vCPU
	 * created with it next finds the slot empty, not this one's.
	 */
	domino_xen_vcpu_free(v);
	spin_lock(&d->vcpus_kick_lock);
	d->vcpus[v->id] = NULL;
	d->nr_vcpus--;
	spin_unlock(&d->vcpus_kick_lock);
	mutex_unlock(&d->vcpus_lock);
	vcpu_free(v);
	domino_domain_put(d);
	return 0;
}

static const struct file_operations domino_vcpu_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= vcpu_mmap,
	.release	= vcpu_release,
	.llseek		= noop_llseek,
};

static struct domino_vcpu *vcpu_alloc(struct domino_domain *d, u32 id)
{
	struct domino_vcpu *v = domino_kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->d = d;
	v->id = id;
	v->cpu = -1;
	v->tsc_offset = d->tsc_offset;
	mutex_init(&v->lock);
	init_waitqueue_head(&v->wq);
	v->run_page = domino_alloc_page(GFP_KERNEL_ACCOUNT);
	if (!v->run_page)
		goto fail;
	v->run = page_address(v->run_page);
	if (!fpu_alloc_guest_fpstate(&v->fpu))
		goto fail_page;
	if (domino_cpuid_init(v))
		goto fail_fpu;
	v->xcr0 = XFEATURE_MASK_FP;
	domino_msr_reset(v);
	domino_dr_reset(v);
	v->rflags = X86_EFLAGS_FIXED;
	v->tlb_gen = atomic64_read(&d->tlb_gen);
	if (domino_vendor_vcpu_init(v))
		goto fail_cpuid;
	if (d->flags & DOMINO_DOMAIN_IRQCHIP) {
		if (domino_lapic_create(v))
			goto fail_vendor;
		/* APs wait for INIT/SIPI from the BSP (SDM 8.4.1). */
		v->mp_state = id ? MP_WAIT_SIPI : MP_RUNNABLE;
	}
	if (domino_xen_vcpu_init(v))
		goto fail_lapic;
	return v;

fail_lapic:
	domino_lapic_free(v);
fail_vendor:
	domino_vendor_vcpu_free(v);
fail_cpuid:
	domino_kfree(v->cpuid);
fail_fpu:
	fpu_free_guest_fpstate(&v->fpu);
fail_page:
	domino_free_page(v->run_page);
fail:
	domino_kfree(v);
	return NULL;
}

int domino_vcpu_create(struct domino_domain *d,
		       struct domino_create_vcpu __user *uarg)
{
	struct domino_create_vcpu args;
	struct domino_vcpu *v;
	struct file *file;
	int fd;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.reserved[0] || args.reserved[1] ||
	    args.vcpu_id >= d->max_vcpus)
		return -EINVAL;

	mutex_lock(&d->vcpus_lock);
	if (d->vcpus[args.vcpu_id]) {
		fd = -EEXIST;
		goto out;
	}
	v = vcpu_alloc(d, args.vcpu_id);
	if (!v) {
		fd = -ENOMEM;
		goto out;
	}
	/*
	 * Publish the vCPU before the fd becomes visible: once installed,
	 * another thread may close it at once.
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		vcpu_free(v);
		goto out;
	}
	domino_domain_get(d);
	file = anon_inode_getfile("domino-vcpu", &domino_vcpu_fops, v, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		domino_domain_put(d);
		vcpu_free(v);
		fd = PTR_ERR(file);
		goto out;
	}
	spin_lock(&d->vcpus_kick_lock);
	d->vcpus[args.vcpu_id] = v;
	d->nr_vcpus++;
	spin_unlock(&d->vcpus_kick_lock);
	fd_install(fd, file);
out:
	mutex_unlock(&d->vcpus_lock);
	return fd;
}
