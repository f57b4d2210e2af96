// SPDX-License-Identifier: GPL-2.0
/*
 * VMCS access and VPIDs. A vCPU's VMCS is made current (VMPTRLD) for a
 * short, non-preemptible stretch and cleared (VMCLEAR) again, so it is never
 * active on two CPUs and needs no cross-CPU bookkeeping; the first failure
 * of any VMX instruction in a stretch is kept with its error number.
 */
#define pr_fmt(fmt) "domino: vmx: " fmt

#include <linux/bitmap.h>
#include <linux/spinlock.h>
#include <linux/percpu.h>
#include <asm/asm.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>

#include "vmx.h"

/* Error of the first failed VMX instruction on this CPU, 0 if none. */
static DEFINE_PER_CPU(u32, vmx_error);

static void vmx_record_failure(void)
{
	u64 err = 0;

	if (__this_cpu_read(vmx_error))
		return;
	/* VMfailValid leaves the reason in the VM-instruction error field. */
	asm volatile("vmread %1, %0" : "=rm"(err)
		     : "r"((unsigned long)VM_INSTRUCTION_ERROR) : "cc");
	__this_cpu_write(vmx_error, err ? (u32)err : ~0U);
}

u32 vmx_take_error(void)
{
	u32 err = __this_cpu_read(vmx_error);

	__this_cpu_write(vmx_error, 0);
	return err;
}

/*
 * A reboot or power-off switches VMX off on every CPU (the reboot notifier,
 * an IPI, so never inside one of our interrupts-off stretches) while a VMM
 * may still make ioctls: a VMX instruction would then #UD in the host.
 * Every one checks first and fails like a VMfail instead. The shadow CR4 is
 * a per-CPU read.
 */
static bool vmx_usable(void)
{
	if (likely(cr4_read_shadow() & X86_CR4_VMXE))
		return true;
	if (!__this_cpu_read(vmx_error))
		__this_cpu_write(vmx_error, ~0U);
	return false;
}

bool vmx_cpu_on(void)
{
	return cr4_read_shadow() & X86_CR4_VMXE;
}

u64 vmcs_read(unsigned long field)
{
	u64 val = 0;
	bool fail;

	if (!vmx_usable())
		return 0;

	/* SDM 30.3 VMREAD: CF or ZF set means VMfail. */
	asm volatile("vmread %2, %1" CC_SET(be)
		     : CC_OUT(be) (fail), "=rm"(val) : "r"(field) : "cc");
	if (fail)
		vmx_record_failure();
	return val;
}

void vmcs_write(unsigned long field, u64 val)
{
	bool fail;

	if (!vmx_usable())
		return;

	asm volatile("vmwrite %2, %1" CC_SET(be)
		     : CC_OUT(be) (fail) : "r"(field), "rm"(val) : "cc");
	if (fail)
		vmx_record_failure();
}

void vmcs_set_bits(unsigned long field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

void vmcs_clear_bits(unsigned long field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

/* Caller has interrupts off: the VMCS stays current on this CPU only. */
void vmx_vmcs_load(struct vmx_vcpu *x)
{
	bool fail;

	if (!vmx_usable())
		return;

	asm volatile("vmptrld %1" CC_SET(be)
		     : CC_OUT(be) (fail) : "m"(x->vmcs_pa) : "cc", "memory");
	if (fail)
		vmx_record_failure();
}

void vmx_vmcs_put(struct vmx_vcpu *x)
{
	bool fail;

	if (!vmx_usable())
		return;

	/* SDM 24.11.3: VMCLEAR writes the VMCS back and clears launch state. */
	asm volatile("vmclear %1" CC_SET(be)
		     : CC_OUT(be) (fail) : "m"(x->vmcs_pa) : "cc", "memory");
	if (fail)
		vmx_record_failure();
}

/* VPID 0 is the host's (SDM 28.1): guests get 1..65535. */
static DECLARE_BITMAP(vmx_vpids, 1 << 16);
static DEFINE_SPINLOCK(vmx_vpid_lock);

int vmx_vpid_alloc(void)
{
	unsigned long id;

	if (!vmx_ctls.vpid)
		return 0;
	spin_lock(&vmx_vpid_lock);
	id = find_next_zero_bit(vmx_vpids, 1 << 16, 1);
	if (id < (1 << 16))
		__set_bit(id, vmx_vpids);
	spin_unlock(&vmx_vpid_lock);
	return id < (1 << 16) ? id : 0;
}

void vmx_vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpids);
	spin_unlock(&vmx_vpid_lock);
}
