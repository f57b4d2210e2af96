// SPDX-License-Identifier: GPL-2.0
/*
 * What both world switches do in C around guest execution, with
 * interrupts off: guest breakpoints and TSC_AUX in the hardware only while
 * the guest runs, an IBPB when a CPU moves to another domain, the L1D
 * flush where L1TF asks for it, and the VMSCAPE flag. The assembly half
 * (VERW, RSB, untraining, BHB) is vmm/world_switch.h; the policy follows
 * the host kernel's own mitigation choices (docs/security.md).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/smt.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/hw_breakpoint.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "domain.h"
#include "spec_ctrl.h"
#include "vcpu.h"
#include "vendor_ops.h"
#include "world_switch.h"
#include "alloc.h"

#define DR7_ENABLE_BITS		0xffULL		/* L0-L3, G0-G3 */
#define DR7_GD			BIT_ULL(13)
#define DR7_RESET		0x400ULL

/*
 * The domain whose vCPU ran last on each CPU (its unique serial, never
 * reused), and the host's TSC_AUX there (bit 63: read already).
 */
static DEFINE_PER_CPU(u64, switch_last_domain);
static DEFINE_PER_CPU(u64, switch_host_tsc_aux);
#define TSC_AUX_KNOWN		BIT_ULL(63)

static atomic_long_t switch_ibpbs, switch_l1d_flushes;
static u64 switch_arch_caps;

/* 64 KiB to read through where the CPU has no L1D flush command (SDM 2.4). */
#define L1D_FLUSH_ORDER		4
static struct page *switch_l1d_pages;

/* The host's IA32_ARCH_CAPABILITIES, read once (0 where it has none). */
u64 domino_switch_arch_caps(void)
{
	return switch_arch_caps;
}

static bool switch_l1tf_affected(void)
{
	return boot_cpu_has_bug(X86_BUG_L1TF) &&
	       l1tf_mitigation != L1TF_MITIGATION_OFF &&
	       !(switch_arch_caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

static bool switch_l1d_wanted(void)
{
	return domino_vendor_needs_l1d_flush() && switch_l1tf_affected();
}

int domino_switch_setup(void)
{
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &switch_arch_caps);
	/*
	 * The L1D flush cannot protect against the sibling thread, which
	 * shares L1D while the guest runs: say so, as KVM does when its
	 * first VM starts, unless the host asked for no warning (l1tf=
	 * flush,nowarn) or forced SMT off.
	 */
	if (switch_l1d_wanted() && sched_smt_active() &&
	    l1tf_mitigation != L1TF_MITIGATION_FLUSH_NOWARN &&
	    l1tf_mitigation != L1TF_MITIGATION_FULL_FORCE)
		pr_warn_once("L1TF CPU bug present and SMT on: a guest may read its sibling thread's L1D (docs/security.md)\n");
	if (switch_l1d_wanted() && !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		unsigned int i;

		switch_l1d_pages = domino_alloc_pages_order(GFP_KERNEL, L1D_FLUSH_ORDER);
		if (!switch_l1d_pages)
			return -ENOMEM;
		/*
		 * A different pattern in every page: under a hypervisor that
		 * merges identical pages (KSM) sixteen zero pages could be one
		 * physical page, and reading them would displace almost nothing.
		 */
		for (i = 0; i < (1 << L1D_FLUSH_ORDER); i++)
			memset(page_address(switch_l1d_pages + i), i + 1, PAGE_SIZE);
	}
	return 0;
}

void domino_switch_teardown(void)
{
	domino_free_pages_order(switch_l1d_pages, L1D_FLUSH_ORDER);
	switch_l1d_pages = NULL;
}

/*
 * L1TF (VMX only: SVM's nested walk never forwards from a non-present
 * entry): the guest could read what the host left in L1D. Flush it as
 * KVM's default "cond" policy does: when interrupts ran on this CPU or
 * the vCPU came from elsewhere (userspace, another CPU) since its last
 * entry; before every entry when the host booted with l1tf=full.
 */
static void switch_l1d_flush(struct domino_vcpu *v)
{
	bool always = l1tf_mitigation >= L1TF_MITIGATION_FULL;
	bool irqs = true;
	const u8 *p;
	unsigned int i;

#if IS_ENABLED(CONFIG_KVM_INTEL)
	irqs = kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#endif
	if (!always && !irqs && !v->l1d_flush)
		return;
	v->l1d_flush = false;
	atomic_long_inc(&switch_l1d_flushes);
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	if (WARN_ON_ONCE(!switch_l1d_pages))
		return;
	/*
	 * Touch every page first so the reads below do not miss the TLB, and
	 * serialize (CPUID) so the second pass does not start before the
	 * first is done: the software sequence KVM's vmx_l1d_flush() uses.
	 */
	p = page_address(switch_l1d_pages);
	for (i = 0; i < (PAGE_SIZE << L1D_FLUSH_ORDER); i += PAGE_SIZE)
		READ_ONCE(p[i]);
	native_cpuid_eax(0);
	for (i = 0; i < (PAGE_SIZE << L1D_FLUSH_ORDER); i += L1_CACHE_BYTES)
		READ_ONCE(p[i]);
	/* The reads done before the guest's first instruction. */
	rmb();
}

/*
 * What the world switch does on this host, one "name=on|off" per barrier,
 * and how often the counted ones ran (sysfs "mitigations").
 */
ssize_t domino_switch_show(char *buf)
{
	static const struct {
		const char *name;
		int feature;
	} f[] = {
		{ "verw",		X86_FEATURE_CLEAR_CPU_BUF },
		{ "verw_vm",		X86_FEATURE_CLEAR_CPU_BUF_VM },
		{ "rsb_fill",		X86_FEATURE_RSB_VMEXIT },
		{ "rsb_fill_lite",	X86_FEATURE_RSB_VMEXIT_LITE },
		{ "spec_ctrl_rewrite",	X86_FEATURE_KERNEL_IBRS },
		{ "guest_spec_ctrl",	X86_FEATURE_MSR_SPEC_CTRL },
		{ "untrain_ret",	X86_FEATURE_UNRET },
		{ "untrain_ret_srso",	X86_FEATURE_SRSO },
		{ "untrain_ret_srso_alias", X86_FEATURE_SRSO_ALIAS },
		{ "ibpb_entry",		X86_FEATURE_ENTRY_IBPB },
		{ "ibpb_vmexit",	X86_FEATURE_IBPB_ON_VMEXIT },
		{ "bhb_clear",		X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT },
		{ "ibpb_domain",	X86_FEATURE_USE_IBPB },
		{ "ibpb_exit_to_user",	X86_FEATURE_IBPB_EXIT_TO_USER },
	};
	ssize_t n = 0;
	unsigned int i;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) && !switch_arch_caps)
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &switch_arch_caps);

	for (i = 0; i < ARRAY_SIZE(f); i++)
		n += sysfs_emit_at(buf, n, "%s=%s\n", f[i].name,
				   boot_cpu_has(f[i].feature) ? "on" : "off");
	n += sysfs_emit_at(buf, n, "l1d_flush=%s\n", !switch_l1d_wanted() ? "off" :
			   boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? "msr" : "software");
	n += sysfs_emit_at(buf, n, "l1d_flush_policy=%s\n",
			   l1tf_mitigation >= L1TF_MITIGATION_FULL ? "always" : "cond");
	n += sysfs_emit_at(buf, n, "ibpb_domain_count=%ld\nl1d_flush_count=%ld\n",
			   atomic_long_read(&switch_ibpbs),
			   atomic_long_read(&switch_l1d_flushes));
	return n;
}

u64 domino_switch_to_guest(struct domino_vcpu *v)
{
	u64 dr7 = DR7_RESET, *host_aux = this_cpu_ptr(&switch_host_tsc_aux);

	/*
	 * Branch predictions one domain trained must not steer another's
	 * (or the host's on its behalf): IBPB when this CPU changes domain,
	 * if the host kernel uses IBPB at all.
	 */
	if (__this_cpu_read(switch_last_domain) != v->d->serial) {
		__this_cpu_write(switch_last_domain, v->d->serial);
		indirect_branch_prediction_barrier();
		if (boot_cpu_has(X86_FEATURE_USE_IBPB))
			atomic_long_inc(&switch_ibpbs);
	}
	if (switch_l1d_wanted())
		switch_l1d_flush(v);
	/* Loaded by the world switch itself, before the guest's registers. */
	__this_cpu_write(domino_guest_spec_ctrl, v->spec_ctrl);
	if (unlikely(v->spec_cmds))
		domino_spec_ctrl_commands(v);

	/* RDTSCP/RDPID in the guest read the guest's TSC_AUX. */
	if (boot_cpu_has(X86_FEATURE_RDTSCP) || boot_cpu_has(X86_FEATURE_RDPID)) {
		if (!(*host_aux & TSC_AUX_KNOWN)) {
			u64 aux;

			rdmsrl(MSR_TSC_AUX, aux);
			*host_aux = (u32)aux | TSC_AUX_KNOWN;
		}
		v->tsc_aux_loaded = v->tsc_aux != (u32)*host_aux;
		if (v->tsc_aux_loaded)
			wrmsrl(MSR_TSC_AUX, v->tsc_aux);
	}

	/*
	 * Guest breakpoints live in DR0-3 only while it runs; the exit puts
	 * DR7 back to 0x400 on both vendors, and the host's are restored
	 * after it. General detect stays off: DR accesses exit anyway.
	 */
	if (v->dr7 & DR7_ENABLE_BITS) {
		/* The host's breakpoints must not fire on guest addresses. */
		if (hw_breakpoint_active())
			set_debugreg(0UL, 7);
		set_debugreg(v->dr[0], 0);
		set_debugreg(v->dr[1], 1);
		set_debugreg(v->dr[2], 2);
		set_debugreg(v->dr[3], 3);
		dr7 = v->dr7 & ~DR7_GD;
	}
	return dr7;
}

void domino_switch_from_guest(struct domino_vcpu *v)
{
	if (v->tsc_aux_loaded)
		wrmsrl(MSR_TSC_AUX, (u32)__this_cpu_read(switch_host_tsc_aux));
	v->tsc_aux_loaded = false;
	/*
	 * VMSCAPE: the guest may have trained predictions userspace (the
	 * VMM) would use: IBPB before the next return to user mode, where
	 * the host kernel asks for it.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}
