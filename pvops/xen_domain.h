/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: a Xen domain's state, one object (struct domino_xen) so
 * that save/restore can later serialise it whole, as Xen's HVM save
 * records do.
 */
#ifndef DOMINO_PVOPS_XEN_DOMAIN_H
#define DOMINO_PVOPS_XEN_DOMAIN_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/params.h>

struct domino_domain;

#define XEN_NO_GPA	(~0ULL)

/* Guest frames one bitmap chunk of struct xen_balloon covers (128 MiB). */
#define XEN_BALLOON_CHUNK_BITS	(PAGE_SIZE * BITS_PER_BYTE)

/*
 * struct xen_balloon - the frames the guest gave back with
 * XENMEM_decrease_reservation and has not populated again: Xen's absent
 * p2m entries. One bit per guest frame, in page-sized bitmaps indexed by
 * gfn / XEN_BALLOON_CHUNK_BITS, made when first needed and freed only with
 * the domain, so that the fault path tests bits without a lock. Bits and
 * @nr_absent change under the domain's slots_lock (the slots and this set
 * describe the guest's RAM together). For save/restore: the set bits are
 * the whole state.
 *
 * @chunks:    gfn / XEN_BALLOON_CHUNK_BITS -> unsigned long bitmap.
 * @nr_absent: bits set, for the reservation counts.
 */
struct xen_balloon {
	struct xarray chunks;
	unsigned long nr_absent;
};

/*
 * struct domino_xen - what Xen keeps per domain, for Domino's guests.
 *
 * @lock:            serialises the hypercalls that change what is here.
 * @shared_info_gpa: where the guest placed its shared_info page
 *                   (XENMEM_add_to_physmap), or XEN_NO_GPA. The guest's
 *                   own RAM page there holds it, as with KVM's Xen
 *                   support: the module writes it through the checked
 *                   guest-memory accessors and never maps it.
 * @params:          the HVM parameters (HVMOP_set_param/get_param).
 * @shutdown_code:   SCHEDOP_shutdown_code's last value, reported with the
 *                   shutdown exit.
 * @vcpu_info_gpa:   per vCPU id, where VCPUOP_register_vcpu_info put its
 *                   vcpu_info (XEN_NO_GPA: the legacy slot in shared_info,
 *                   for ids below 32).
 * @balloon:         the frames given back (pvops/balloon.c); under the
 *                   domain's slots_lock, not @lock.
 */
struct domino_xen {
	struct mutex lock;
	u64 shared_info_gpa;
	u64 params[HVM_NR_PARAMS];
	u32 shutdown_code;	/* SCHEDOP_shutdown_code, DOMINO_XEN_NO_CODE */
	u64 vcpu_info_gpa[DOMINO_MAX_VCPUS];
	struct xen_balloon balloon;
};

/* pvops/time.c: the clocks in shared_info, for every vCPU slot. */
int xen_time_publish(struct domino_domain *d, u64 shared_info_gpa);
/* ... and in one vcpu_info wherever it is. */
int xen_time_publish_vcpu_info(struct domino_domain *d, u64 vcpu_info_gpa);

/* pvops/balloon.c: the balloon's state, with the domain. */
void xen_balloon_init(struct xen_balloon *b);
void xen_balloon_free(struct xen_balloon *b);

#endif /* DOMINO_PVOPS_XEN_DOMAIN_H */
