/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: a Xen domain's state, one object (struct domino_xen) so
 * that save/restore can later serialise it whole, as Xen's HVM save
 * records do.
 */
#ifndef DOMINO_PVOPS_XEN_DOMAIN_H
#define DOMINO_PVOPS_XEN_DOMAIN_H

#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/params.h>

#include "evtchn.h"
#include "grant_table.h"

struct domino_domain;
struct domino_vcpu;
struct xen_call;

/*
 * struct domino_xen_vcpu - what Xen keeps per vCPU (made with the vCPU,
 * freed with it under xen_evtchn_domain.lock, so another vCPU's sender
 * finds it whole or not at all).
 *
 * @v:            the vCPU, valid as long as this is.
 * @upcall:       its evtchn_upcall_pending was set by Domino and the
 *                callback vector may still be owed (the guest clears the
 *                byte when it takes the upcall; entry looks).
 * @upcall_vector: HVMOP_set_evtchn_upcall_vector's vector (through the
 *                LAPIC), 0 for the domain's callback vector.
 * @virq_port:    its VIRQs' ports, 0 when unbound.
 * @timer:        the single-shot timer (VCPUOP_set_singleshot_timer,
 *                set_timer_op), @timer_ns its deadline in guest time.
 * @periodic:     VCPUOP_set_periodic_timer's, @period_ns apart.
 * @timer_fired:  a timer expired: VIRQ_TIMER owed (hrtimer -> vCPU).
 * @poll_port:    SCHEDOP_poll waits for this port (XEN_POLL_ANY: one of
 *                several), 0 when not polling; @poll_wake says one fired.
 * @runstate:     VCPUOP_register_runstate_memory_area (pvops/runstate.c).
 */
struct domino_xen_vcpu {
	struct domino_vcpu *v;
	atomic_t upcall;
	u8 upcall_vector;
	u32 virq_port[NR_VIRQS];

	struct hrtimer timer;
	u64 timer_ns;
	struct hrtimer periodic;
	u64 period_ns;
	atomic_t timer_fired;

	u32 poll_port;
	atomic_t poll_wake;
	bool blocked;		/* in SCHEDOP_block: any event ends it */

	u64 runstate_gpa[2];	/* the structure may cross a page */
	u32 runstate_split;	/* bytes in the first page */
	bool runstate_on;
	struct vcpu_runstate_info runstate;
	u64 runstate_since;	/* host ns of the last account */
	u64 run_delay;		/* the thread's sched_info.run_delay then */
};

#define XEN_POLL_ANY	U32_MAX

#define XEN_NOT_SHUT_DOWN	U32_MAX

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
 * @shutdown_reason: what domain 0 sees of a shutdown (XEN_DOMCTL_getdomaininfo),
 *                   XEN_NOT_SHUT_DOWN until the first SCHEDOP_shutdown;
 *                   it stays, as the domain stays shut down in Xen until
 *                   it is destroyed (under @lock, read without it).
 * @vcpu_info_gpa:   per vCPU id, where VCPUOP_register_vcpu_info put its
 *                   vcpu_info (XEN_NO_GPA: the legacy slot in shared_info,
 *                   for ids below 32).
 * @vcpu:            per vCPU id, its Xen state (under evtchn.lock).
 * @evtchn:          the event channels (pvops/evtchn.c).
 * @nr_pollers:      vCPUs inside SCHEDOP_poll, so senders skip the look.
 * @runstate_flag:   VMASST_TYPE_runstate_update_flag is on.
 * @balloon:         the frames given back (pvops/balloon.c); under the
 *                   domain's slots_lock, not @lock.
 * @console:         CONSOLEIO_write's rate limit (pvops/console_io.c),
 *                   under @lock: the bytes of the burst spent, since
 *                   when they were last paid back, and the bytes dropped
 *                   that no exit has reported yet.
 * @gnttab:          the grant table (pvops/grant_table.c), its own lock.
 */
struct domino_xen {
	struct mutex lock;
	u64 shared_info_gpa;
	u64 params[HVM_NR_PARAMS];
	u32 shutdown_code;	/* SCHEDOP_shutdown_code, DOMINO_XEN_NO_CODE */
	u32 shutdown_reason;
	u64 vcpu_info_gpa[DOMINO_MAX_VCPUS];
	struct domino_xen_vcpu *vcpu[DOMINO_MAX_VCPUS];
	struct xen_evtchn_domain evtchn;
	atomic_t nr_pollers;
	bool runstate_flag;
	struct xen_balloon balloon;
	struct {
		u64 spent;
		u64 stamp_ns;
		u64 dropped;
	} console;
	struct xen_gnttab gnttab;
};

/* pvops/time.c: the clocks in shared_info, for every vCPU slot. */
int xen_time_publish(struct domino_domain *d, u64 shared_info_gpa);
/* ... and in one vcpu_info wherever it is. */
int xen_time_publish_vcpu_info(struct domino_domain *d, u64 vcpu_info_gpa);

/* pvops/timer.c */
void xen_timer_init(struct domino_xen_vcpu *xv);
void xen_timer_stop_all(struct domino_xen_vcpu *xv);
/* Guest system time now, in ns (the clock shared_info publishes). */
u64 xen_guest_time_ns(struct domino_domain *d);
long xen_set_singleshot(struct domino_xen_vcpu *xv, u64 deadline, bool future);
void xen_stop_singleshot(struct domino_xen_vcpu *xv);
long xen_set_periodic(struct domino_xen_vcpu *xv, u64 period_ns);

/* pvops/runstate.c */
long xen_register_runstate(struct xen_call *c, struct domino_xen_vcpu *xv);
void xen_runstate_update(struct domino_xen_vcpu *xv, int state);

/* pvops/xen_domain.c: a hypercall returns (the guest may await an upcall). */
void xen_upcall_recheck(struct domino_vcpu *v);

/* A running vCPU's own Xen state (its thread needs no lock for it). */
struct domino_xen_vcpu *xen_vcpu_self(struct domino_vcpu *v);

/* pvops/hvm_op.c: DOMINO_XEN_SET_PARAM/GET_PARAM. */
struct domino_xen_param;
long xen_host_param(struct domino_domain *d, struct domino_xen_param *p, bool set);
/* pvops/balloon.c: the balloon's state, with the domain. */
void xen_balloon_init(struct xen_balloon *b);
void xen_balloon_free(struct xen_balloon *b);

#endif /* DOMINO_PVOPS_XEN_DOMAIN_H */
