// SPDX-License-Identifier: GPL-2.0
/*
 * A Xen domain's state (struct domino_xen) and its vCPUs' (struct
 * domino_xen_vcpu): made with them, freed with them; and what the core
 * asks of it on each way into the guest.
 */
#include <linux/kernel.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/params.h>

#include "domain.h"
#include "alloc.h"
#include "vcpu.h"
#include "irqchip.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

#define CALLBACK_TYPE_SHIFT	56

int domino_xen_domain_init(struct domino_domain *d)
{
	struct domino_xen *x;
	unsigned int i;
	int r;

	if (!domino_xen_domain(d))
		return 0;
	x = domino_kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	mutex_init(&x->lock);
	x->shared_info_gpa = XEN_NO_GPA;
	x->shutdown_code = DOMINO_XEN_NO_CODE;
	x->shutdown_reason = XEN_NOT_SHUT_DOWN;
	for (i = 0; i < DOMINO_MAX_VCPUS; i++)
		x->vcpu_info_gpa[i] = XEN_NO_GPA;
	xen_balloon_init(&x->balloon);
	d->xen = x;
	r = xen_evtchn_domain_init(d);
	if (r)
		goto out_free;
	r = xen_gnttab_init(d);
	if (!r)
		return 0;
	xen_evtchn_domain_free(d);
out_free:
	domino_kfree(x);
	d->xen = NULL;
	return r;
}

int domino_xen_vcpu_init(struct domino_vcpu *v)
{
	struct domino_xen *x = v->d->xen;
	struct domino_xen_vcpu *xv;
	int r = 0;

	if (!x)
		return 0;
	xv = domino_kzalloc(sizeof(*xv), GFP_KERNEL_ACCOUNT);
	if (!xv)
		return -ENOMEM;
	xv->v = v;
	xen_timer_init(xv);
	mutex_lock(&x->lock);
	mutex_lock(&x->evtchn.lock);
	if (x->vcpu[v->id]) {
		r = -EBUSY;	/* the last vCPU with this id is not gone yet */
	} else {
		/* A vCPU with a reused id starts from Xen's defaults. */
		x->vcpu_info_gpa[v->id] = XEN_NO_GPA;
		x->vcpu[v->id] = xv;
		v->xen = xv;
	}
	mutex_unlock(&x->evtchn.lock);
	mutex_unlock(&x->lock);
	if (r)
		domino_kfree(xv);
	return r;
}

void domino_xen_vcpu_free(struct domino_vcpu *v)
{
	struct domino_xen *x = v->d->xen;
	struct domino_xen_vcpu *xv = v->xen;

	if (!x || !xv)
		return;
	mutex_lock(&x->lock);
	mutex_lock(&x->evtchn.lock);
	if (x->vcpu[v->id] == xv) {
		x->vcpu[v->id] = NULL;
		x->vcpu_info_gpa[v->id] = XEN_NO_GPA;
		xen_evtchn_fifo_vcpu_free(v->d, v->id);
	}
	mutex_unlock(&x->evtchn.lock);
	mutex_unlock(&x->lock);
	/*
	 * Unreachable now: other vCPUs arm timers only through x->vcpu[],
	 * its own thread does not run. The last expiry is waited for.
	 */
	xen_timer_stop_all(xv);
	/* Domain 0's getdomaininfo reads xv under this lock alone. */
	spin_lock(&v->d->vcpus_kick_lock);
	WRITE_ONCE(v->xen, NULL);
	spin_unlock(&v->d->vcpus_kick_lock);
	domino_kfree(xv);
}

void domino_xen_domain_free(struct domino_domain *d)
{
	if (!d->xen)
		return;
	xen_balloon_free(&d->xen->balloon);
	xen_gnttab_free(d);
	xen_evtchn_domain_free(d);
	domino_kfree(d->xen);
	d->xen = NULL;
}

struct domino_xen_vcpu *xen_vcpu_self(struct domino_vcpu *v)
{
	return v->xen;
}

/* The domain-wide callback vector, or 0 when upcalls do not use it. */
static u8 xen_callback_vector(struct domino_xen *x)
{
	u64 cb = READ_ONCE(x->params[HVM_PARAM_CALLBACK_IRQ]);

	return cb >> CALLBACK_TYPE_SHIFT == HVM_PARAM_CALLBACK_TYPE_VECTOR ? cb & 0xff : 0;
}

/*
 * The guest may have taken the upcall since Domino set it (clearing
 * evtchn_upcall_pending): then nothing is owed. Cleared first, so that a
 * sender setting it again meanwhile is not lost.
 */
static void xen_upcall_refresh(struct domino_vcpu *v, struct domino_xen_vcpu *xv)
{
	u64 gpa;
	u8 pending;

	if (!atomic_read(&xv->upcall))
		return;
	atomic_set(&xv->upcall, 0);
	smp_mb__after_atomic();
	gpa = xen_vcpu_info_gpa(v->d, v->id);
	if (gpa == XEN_NO_GPA || xv->upcall_vector ||
	    !xen_callback_vector(v->d->xen) ||
	    domino_guest_read(v->d, gpa + offsetof(struct vcpu_info,
						  evtchn_upcall_pending),
			      &pending, 1) || !pending)
		return;
	atomic_set(&xv->upcall, 1);
}

void domino_xen_vcpu_prepare(struct domino_vcpu *v)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);

	if (!xv)
		return;
	xen_evtchn_deliver_queued(v->d);
	if (atomic_xchg(&xv->timer_fired, 0))
		xen_evtchn_send_virq(v->d, v->id, VIRQ_TIMER);
	xen_upcall_refresh(v, xv);
	if (v->mp_state == MP_RUNNABLE)
		WRITE_ONCE(xv->blocked, false);
	xen_runstate_update(xv, v->mp_state == MP_RUNNABLE ? RUNSTATE_running :
			    v->mp_state == MP_HALTED ? RUNSTATE_blocked :
			    RUNSTATE_offline);
}

bool domino_xen_has_work(struct domino_vcpu *v)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);

	return xv && (atomic_read(&xv->timer_fired) ||
		      atomic_read(&v->d->xen->evtchn.deliver_queued));
}

bool domino_xen_block_ends(struct domino_vcpu *v)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);

	return xv && READ_ONCE(xv->blocked) &&
	       (atomic_read(&xv->upcall) || domino_lapic_pending_vector(v) >= 0);
}

int domino_xen_pending_callback(struct domino_vcpu *v)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);
	u8 vector;

	if (!xv || xv->upcall_vector || !atomic_read(&xv->upcall))
		return -1;
	vector = xen_callback_vector(v->d->xen);
	return vector ? vector : -1;
}

/* A hypercall returns: an upcall the guest raised itself may be owed. */
void xen_upcall_recheck(struct domino_vcpu *v)
{
	struct domino_xen_vcpu *xv = xen_vcpu_self(v);

	if (xv && !xv->upcall_vector && xen_callback_vector(v->d->xen))
		atomic_set(&xv->upcall, 1);
}

void domino_xen_apic_enabled(struct domino_vcpu *v)
{
	struct domino_xen *x = v->d->xen;

	if (!x)
		return;
	mutex_lock(&x->evtchn.lock);
	if (x->vcpu[v->id] && x->vcpu[v->id]->upcall_vector)
		xen_vcpu_upcall_resend(v->d, v->id);
	mutex_unlock(&x->evtchn.lock);
}
