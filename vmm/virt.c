// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware virtualization is switched on only while domains exist: the
 * first domino_virt_get() enables VMX/SVM on every online CPU, the last
 * domino_virt_put() disables it everywhere. CPUs that come online in
 * between are enabled by the hotplug callback, CPUs going offline are
 * disabled first, and a reboot switches everything off, as KVM does.
 *
 * Another hypervisor (kvm_amd, kvm_intel, VirtualBox) may hold the
 * hardware on some CPU. Taking it over would corrupt its state, so any CPU
 * that is busy makes the whole enable fail with -EBUSY and a log line
 * naming the fix.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <linux/smp.h>

#include "vendor_ops.h"
#include "world_switch.h"
#include "virt.h"

static DEFINE_MUTEX(virt_lock);
static unsigned int virt_users;		/* under virt_lock + cpus_read_lock */
static DEFINE_PER_CPU(bool, virt_enabled);
static atomic_t virt_cpus_on = ATOMIC_INIT(0);
static atomic_t virt_busy_cpus = ATOMIC_INIT(0);
static atomic_t virt_failed_cpus = ATOMIC_INIT(0);
static enum cpuhp_state virt_hp_state;
static bool virt_rebooting;

static void virt_report_busy(int cpu)
{
	pr_err("CPU%d: %s is already in use by another hypervisor; unload %s (or boot with kvm.enable_virt_at_load=0 on Linux 6.12+) and retry\n",
	       cpu, domino_vendor_name(), domino_vendor_competitor());
}

static int virt_enable_this_cpu(void)
{
	int r;

	if (__this_cpu_read(virt_enabled))
		return 0;
	r = domino_vendor_cpu_enable();
	if (r) {
		atomic_inc(r == -EBUSY ? &virt_busy_cpus : &virt_failed_cpus);
		return r;
	}
	__this_cpu_write(virt_enabled, true);
	atomic_inc(&virt_cpus_on);
	return 0;
}

static void virt_disable_this_cpu(void)
{
	if (!__this_cpu_read(virt_enabled))
		return;
	domino_vendor_cpu_disable();
	__this_cpu_write(virt_enabled, false);
	atomic_dec(&virt_cpus_on);
}

static void virt_enable_ipi(void *unused)
{
	int r = virt_enable_this_cpu();

	if (r == -EBUSY)
		virt_report_busy(smp_processor_id());
	else if (r)
		pr_err("CPU%d: enabling %s failed (%d)\n", smp_processor_id(),
		       domino_vendor_name(), r);
}

static void virt_disable_ipi(void *unused)
{
	virt_disable_this_cpu();
}

static void virt_busy_ipi(void *unused)
{
	if (domino_vendor_cpu_busy()) {
		atomic_inc(&virt_busy_cpus);
		virt_report_busy(smp_processor_id());
	}
}

/*
 * Called at load: a hypervisor that holds VMX/SVM now (Linux 6.12+ KVM
 * takes it when kvm_amd/kvm_intel load) makes loading fail, so the user
 * learns at modprobe time rather than at the first domain.
 */
int domino_virt_check_free(void)
{
	cpus_read_lock();
	atomic_set(&virt_busy_cpus, 0);
	on_each_cpu(virt_busy_ipi, NULL, 1);
	cpus_read_unlock();
	return atomic_read(&virt_busy_cpus) ? -EBUSY : 0;
}

int domino_virt_get(void)
{
	int r = 0;

	mutex_lock(&virt_lock);
	cpus_read_lock();
	if (virt_rebooting) {
		r = -EBUSY;
		goto out;
	}
	if (virt_users) {
		virt_users++;
		goto out;
	}

	r = domino_vendor_setup();
	if (r)
		goto out;
	r = domino_switch_setup();
	if (r) {
		domino_vendor_teardown();
		goto out;
	}
	atomic_set(&virt_busy_cpus, 0);
	atomic_set(&virt_failed_cpus, 0);
	on_each_cpu(virt_enable_ipi, NULL, 1);
	if (atomic_read(&virt_busy_cpus) || atomic_read(&virt_failed_cpus)) {
		r = atomic_read(&virt_busy_cpus) ? -EBUSY : -EIO;
		/* Undo only what this call did: busy CPUs stay untouched. */
		on_each_cpu(virt_disable_ipi, NULL, 1);
		domino_switch_teardown();
		domino_vendor_teardown();
		goto out;
	}
	virt_users = 1;
out:
	cpus_read_unlock();
	mutex_unlock(&virt_lock);
	return r;
}

void domino_virt_put(void)
{
	mutex_lock(&virt_lock);
	cpus_read_lock();
	if (!--virt_users) {
		on_each_cpu(virt_disable_ipi, NULL, 1);
		domino_switch_teardown();
		domino_vendor_teardown();
	}
	cpus_read_unlock();
	mutex_unlock(&virt_lock);
}

unsigned int domino_virt_cpus(void)
{
	return atomic_read(&virt_cpus_on);
}

/* Hotplug callbacks run on the CPU in question, with CPUs write-locked. */
static int virt_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (virt_users && !virt_rebooting) {
		local_irq_disable();
		r = virt_enable_this_cpu();
		local_irq_enable();
		if (r == -EBUSY)
			virt_report_busy(cpu);
	}
	return r;
}

static int virt_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	virt_disable_this_cpu();
	local_irq_enable();
	return 0;
}

static int virt_reboot(struct notifier_block *nb, unsigned long code,
		       void *unused)
{
	/* VMX/SVM left on across a warm reboot can wedge firmware. */
	mutex_lock(&virt_lock);
	cpus_read_lock();
	virt_rebooting = true;
	on_each_cpu(virt_disable_ipi, NULL, 1);
	cpus_read_unlock();
	mutex_unlock(&virt_lock);
	return NOTIFY_OK;
}

static struct notifier_block virt_reboot_nb = {
	.notifier_call = virt_reboot,
};

/*
 * Suspend and resume (syscore: one CPU left, interrupts off). The other
 * CPUs went through the hotplug callbacks already. Firmware may have
 * reset EFER/CR4 across suspend, so resume enables again from scratch; a
 * CPU that refuses leaves the domains unable to run there, with the error
 * in the log, never a host fault.
 */
static int virt_suspend(void)
{
	virt_disable_this_cpu();
	return 0;
}

static void virt_resume(void)
{
	int r;

	if (!virt_users || virt_rebooting)
		return;
	r = virt_enable_this_cpu();
	if (r)
		pr_err("CPU%d: %s could not be enabled after resume (%d)\n",
		       smp_processor_id(), domino_vendor_name(), r);
}

static struct syscore_ops virt_syscore_ops = {
	.suspend	= virt_suspend,
	.resume		= virt_resume,
};

int domino_virt_init(void)
{
	int r;

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "domino:online",
				      virt_cpu_online, virt_cpu_offline);
	if (r < 0)
		return r;
	virt_hp_state = r;
	register_reboot_notifier(&virt_reboot_nb);
	register_syscore_ops(&virt_syscore_ops);
	return 0;
}

void domino_virt_exit(void)
{
	unregister_syscore_ops(&virt_syscore_ops);
	unregister_reboot_notifier(&virt_reboot_nb);
	cpuhp_remove_state_nocalls(virt_hp_state);
}
