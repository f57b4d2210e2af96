// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's clocks in shared_info: the wall clock at system time 0 (wc_*)
 * and each vCPU's vcpu_time_info (the pvclock structure the KVM ABI uses
 * too, vmm/pvclock.c). Guests run on the host's TSC at one offset for the
 * whole domain, so one set of figures serves every vCPU slot and stays
 * right while the host's TSC is stable.
 */
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <asm/pvclock-abi.h>
#include <xen/interface/xen.h>

#include "domain.h"
#include "irqchip.h"
#include "xen.h"
#include "xen_domain.h"

/*
 * After the guest placed shared_info at @gpa (its contents zero or moved
 * there): the wall clock, then every legacy vCPU slot's time. Events
 * stay masked in each slot (evtchn_upcall_mask), as Xen starts them.
 */
int xen_time_publish_vcpu_info(struct domino_domain *d, u64 gpa)
{
	struct pvclock_vcpu_time_info t;

	domino_pvclock_fill(d, d->tsc_offset, &t);
	return domino_pvclock_publish(d, gpa + offsetof(struct vcpu_info, time), &t);
}

int xen_time_publish(struct domino_domain *d, u64 gpa)
{
	struct pvclock_vcpu_time_info t;
	struct pvclock_wall_clock w;
	unsigned int i;
	u32 sec_hi;
	u8 mask = 1;
	int r;

	domino_pvclock_fill(d, d->tsc_offset, &t);
	for (i = 0; i < MAX_VIRT_CPUS; i++) {
		u64 slot = gpa + offsetof(struct shared_info, vcpu_info[i]);

		r = domino_guest_write(d, slot + offsetof(struct vcpu_info, evtchn_upcall_mask),
				       &mask, sizeof(mask));
		if (!r)
			r = domino_pvclock_publish(d, slot + offsetof(struct vcpu_info, time), &t);
		if (r)
			return r;
	}

	domino_pvclock_wall(d, &w);
	sec_hi = 0;
	w.version = 1;
	r = domino_guest_write(d, gpa + offsetof(struct shared_info, wc), &w, sizeof(w));
	if (!r)
		r = domino_guest_write(d, gpa + offsetof(struct shared_info, wc_sec_hi),
				       &sec_hi, sizeof(sec_hi));
	if (r)
		return r;
	w.version = 2;
	return domino_guest_write(d, gpa + offsetof(struct shared_info, wc) +
				  offsetof(struct pvclock_wall_clock, version),
				  &w.version, sizeof(w.version));
}
