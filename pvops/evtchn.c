// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_event_channel_op(cmd, arg) (include/xen/interface/event_channel.h),
 * for unprivileged domains: every dom/remote_dom naming another domain
 * than the caller's own is refused where Xen asks for privilege.
 *
 *   EVTCHNOP_alloc_unbound   IN {dom, remote_dom} OUT {port}
 *       dom: self, else -EPERM. remote_dom (DOMID_SELF: self) may later
 *       bind the port. No free port (1023 per domain, xl's default
 *       max_event_channels; any bind): -ENOSPC.
 *   EVTCHNOP_bind_interdomain IN {remote_dom, remote_port} OUT {local_port}
 *       remote_dom: a live Xen domain (-ESRCH), whose remote_port is
 *       unbound and names the caller (-EINVAL otherwise); domain 0: a
 *       port of /dev/xen/evtchn unbound for the caller (-EINVAL otherwise).
 *   EVTCHNOP_bind_virq       IN {virq, vcpu} OUT {port}
 *       virq < NR_VIRQS (-EINVAL); a global VIRQ only on vCPU 0
 *       (-EINVAL); vcpu exists (-ENOENT); bound already: -EEXIST.
 *   EVTCHNOP_bind_ipi        IN {vcpu} OUT {port}; vcpu exists (-ENOENT).
 *   EVTCHNOP_close           IN {port}: an interdomain peer's port goes
 *       back to unbound (naming us). Bad or free port: -EINVAL.
 *   EVTCHNOP_send            IN {port}: interdomain: the peer's port;
 *       IPI: the port itself; unbound: dropped; others: -EINVAL.
 *   EVTCHNOP_status          IN {dom, port} OUT {status, vcpu, u}
 *       Free ports and port 0 read as closed; a port past the buckets
 *       made so far (Xen's valid_evtchns) is -EINVAL.
 *   EVTCHNOP_bind_vcpu       IN {port, vcpu}: unbound, interdomain or a
 *       global VIRQ's port moves to vcpu (-ENOENT: none; -EINVAL others).
 *   EVTCHNOP_unmask          IN {port}: the ABI's unmask (may notify).
 *   EVTCHNOP_reset           IN {dom}: dom self; closes every port and
 *       returns to the 2-level ABI.
 *   EVTCHNOP_init_control, expand_array, set_priority: FIFO
 *       (pvops/evtchn_fifo.c).
 * A port beyond those in use: -EINVAL. Others: -ENOSYS.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>

#include "alloc.h"
#include "domain.h"
#include "irqchip.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

/* ---- guest words ---- */

static int guest_word_update(struct domino_domain *d, u64 gpa, unsigned int bit,
			     bool set)
{
	u64 word_gpa = gpa + (bit / 64) * 8, old, new, mask = BIT_ULL(bit % 64);
	int r;

	unsigned int tries;

	if (domino_guest_read(d, word_gpa, &old, sizeof(old)))
		return -EFAULT;
	/*
	 * Only the guest changes the other bits under us; one that keeps
	 * doing so gets its event dropped rather than a host CPU.
	 */
	for (tries = 0; tries < XEN_GUEST_CMPXCHG_TRIES; tries++) {
		new = set ? old | mask : old & ~mask;
		if (new == old)
			return !!(old & mask);
		r = domino_guest_cmpxchg(d, word_gpa, 8, &old, new);
		if (r <= 0)
			return r < 0 ? r : !!(old & mask);
	}
	return -EAGAIN;
}

int xen_guest_test_and_set_bit(struct domino_domain *d, u64 gpa, unsigned int bit)
{
	return guest_word_update(d, gpa, bit, true);
}

int xen_guest_test_and_clear_bit(struct domino_domain *d, u64 gpa, unsigned int bit)
{
	return guest_word_update(d, gpa, bit, false);
}

int xen_guest_test_bit(struct domino_domain *d, u64 gpa, unsigned int bit)
{
	u64 word;

	if (domino_guest_read(d, gpa + (bit / 64) * 8, &word, sizeof(word)))
		return -EFAULT;
	return !!(word & BIT_ULL(bit % 64));
}

/* ---- upcalls ---- */

u64 xen_vcpu_info_gpa(struct domino_domain *d, u32 id)
{
	struct domino_xen *x = d->xen;
	u64 gpa, si;

	if (id >= DOMINO_MAX_VCPUS)
		return XEN_NO_GPA;
	gpa = READ_ONCE(x->vcpu_info_gpa[id]);
	if (gpa != XEN_NO_GPA)
		return gpa;
	si = READ_ONCE(x->shared_info_gpa);
	if (si == XEN_NO_GPA || id >= MAX_VIRT_CPUS)
		return XEN_NO_GPA;
	return si + offsetof(struct shared_info, vcpu_info[id]);
}

/*
 * Xen's vcpu_mark_events_pending: the upcall byte goes to 1; a per-vCPU
 * vector is raised on that edge only, as an edge-triggered LAPIC
 * interrupt the guest EOIs. The domain's callback vector is owed for as
 * long as the byte stays set (entry reads it), so it is noted and the
 * vCPU kicked even when the guest set the byte itself.
 */
void xen_vcpu_mark_events_pending(struct domino_domain *d, u32 id)
{
	struct domino_xen_vcpu *xv;
	u64 gpa = xen_vcpu_info_gpa(d, id), old = 0;
	int r;

	lockdep_assert_held(&d->xen->evtchn.lock);
	xv = id < DOMINO_MAX_VCPUS ? d->xen->vcpu[id] : NULL;
	if (gpa == XEN_NO_GPA || !xv)
		return;
	r = domino_guest_cmpxchg(d, gpa + offsetof(struct vcpu_info,
						   evtchn_upcall_pending),
				 1, &old, 1);
	if (r < 0)
		return;
	if (xv->upcall_vector) {
		if (r == 0)
			domino_lapic_raise(xv->v, xv->upcall_vector);
		return;
	}
	atomic_set(&xv->upcall, 1);
	domino_vcpu_kick(xv->v);
}

/* A vector just set: an upcall already owed comes through it (Xen's). */
void xen_vcpu_upcall_resend(struct domino_domain *d, u32 id)
{
	struct domino_xen_vcpu *xv;
	u64 gpa = xen_vcpu_info_gpa(d, id);
	u8 pending;

	lockdep_assert_held(&d->xen->evtchn.lock);
	xv = id < DOMINO_MAX_VCPUS ? d->xen->vcpu[id] : NULL;
	if (!xv || gpa == XEN_NO_GPA ||
	    domino_guest_read(d, gpa + offsetof(struct vcpu_info, evtchn_upcall_pending),
			      &pending, 1) || !pending)
		return;
	if (xv->upcall_vector) {
		domino_lapic_raise(xv->v, xv->upcall_vector);
	} else {
		atomic_set(&xv->upcall, 1);
		domino_vcpu_kick(xv->v);
	}
}

/* ---- ports ---- */

struct xen_evtchn *xen_evtchn_port(struct xen_evtchn_domain *ed, u32 port)
{
	struct xen_evtchn *b;

	if (port >= ed->nr_ports)
		return NULL;
	port = array_index_nospec(port, ed->nr_ports);
	b = ed->buckets[port / XEN_EVTCHN_BUCKET];
	return b ? &b[port % XEN_EVTCHN_BUCKET] : NULL;
}

/* A port in use: bound or waiting (not free, not port 0). */
static struct xen_evtchn *evtchn_live(struct xen_evtchn_domain *ed, u32 port)
{
	struct xen_evtchn *e = xen_evtchn_port(ed, port);

	return e && e->state != XEN_ECS_FREE && e->state != XEN_ECS_RESERVED ?
	       e : NULL;
}

int evtchn_alloc_port(struct domino_domain *d, u32 *portp)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	unsigned int max = min_t(unsigned int, ed->ops->max_ports(d),
				 XEN_EVTCHN_DOMAIN_PORTS);
	u32 port;

	for (port = 1; port < max; port++) {
		struct xen_evtchn **b = &ed->buckets[port / XEN_EVTCHN_BUCKET];

		if (!*b) {
			struct xen_evtchn *nb;

			nb = domino_kzalloc(sizeof(*nb) * XEN_EVTCHN_BUCKET,
					    GFP_KERNEL_ACCOUNT);
			if (!nb)
				return -ENOMEM;
			if (port / XEN_EVTCHN_BUCKET == 0)
				nb[0].state = XEN_ECS_RESERVED;
			/* Lockless senders read it (xen_evtchn_raise). */
			smp_store_release(b, nb);
		}
		if ((*b)[port % XEN_EVTCHN_BUCKET].state == XEN_ECS_FREE) {
			struct xen_evtchn *e = &(*b)[port % XEN_EVTCHN_BUCKET];
			/* The queue it was last on outlives it (Xen's last_vcpu_id). */
			u32 q_vcpu = e->fifo_q_vcpu;
			u8 q_prio = e->fifo_q_prio;

			memset(e, 0, sizeof(*e));
			e->fifo_q_vcpu = q_vcpu;
			e->fifo_q_prio = q_prio;
			e->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
			ed->nr_ports = max_t(u32, ed->nr_ports, port + 1);
			*portp = port;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Wake the vCPUs polling @port (SCHEDOP_poll), Xen's evtchn_check_pollers. */
static void evtchn_check_pollers(struct domino_domain *d, u32 port)
{
	struct domino_xen *x = d->xen;
	unsigned int i;

	if (!atomic_read(&x->nr_pollers))
		return;
	for (i = 0; i < DOMINO_MAX_VCPUS; i++) {
		struct domino_xen_vcpu *xv = x->vcpu[i];
		u32 p;

		if (!xv)
			continue;
		p = READ_ONCE(xv->poll_port);
		if (p && (p == port || p == XEN_POLL_ANY)) {
			atomic_set(&xv->poll_wake, 1);
			domino_vcpu_kick(xv->v);
		}
	}
}

static void evtchn_set_pending(struct domino_domain *d, u32 port,
			       struct xen_evtchn *e)
{
	lockdep_assert_held(&d->xen->evtchn.lock);
	d->xen->evtchn.ops->set_pending(d, port, e);
	evtchn_check_pollers(d, port);
}

void xen_evtchn_raise(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *b, *e;
	u32 vcpu;

	if (domino_domain_own_mm(d)) {
		mutex_lock(&ed->lock);
		e = evtchn_live(ed, port);
		if (e)
			evtchn_set_pending(d, port, e);
		mutex_unlock(&ed->lock);
		return;
	}
	/*
	 * Not our memory, and not our lock either: its holder may be a
	 * thread the domain's VMM stalls (guest memory under a userfaultfd),
	 * and a sender elsewhere must never wait for that. Buckets only ever
	 * appear (published with a release) and go with the domain, whose
	 * reference the caller holds; the port's state is checked again
	 * when a vCPU of @d drains the bitmap.
	 */
	if (port >= XEN_EVTCHN_MAX_PORTS)
		return;
	port = array_index_nospec(port, XEN_EVTCHN_MAX_PORTS);
	b = smp_load_acquire(&ed->buckets[port / XEN_EVTCHN_BUCKET]);
	if (!b)
		return;
	vcpu = READ_ONCE(b[port % XEN_EVTCHN_BUCKET].vcpu);
	set_bit(port, ed->deliver);
	smp_mb__before_atomic();
	atomic_set(&ed->deliver_queued, 1);
	domino_domain_kick_vcpu(d, vcpu);
}

void xen_evtchn_deliver_queued(struct domino_domain *d)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	unsigned long port;

	if (!atomic_xchg(&ed->deliver_queued, 0))
		return;
	mutex_lock(&ed->lock);
	for_each_set_bit(port, ed->deliver, ed->nr_ports) {
		struct xen_evtchn *e;

		clear_bit(port, ed->deliver);
		e = evtchn_live(ed, port);
		if (e)
			evtchn_set_pending(d, port, e);
	}
	mutex_unlock(&ed->lock);
}

void xen_evtchn_send_virq(struct domino_domain *d, u32 id, u32 virq)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct domino_xen_vcpu *xv;
	struct xen_evtchn *e;

	mutex_lock(&ed->lock);
	xv = id < DOMINO_MAX_VCPUS ? d->xen->vcpu[id] : NULL;
	if (xv && virq < NR_VIRQS && xv->virq_port[virq]) {
		e = evtchn_live(ed, xv->virq_port[virq]);
		if (e && e->state == XEN_ECS_VIRQ && e->virq == virq)
			evtchn_set_pending(d, xv->virq_port[virq], e);
	}
	mutex_unlock(&ed->lock);
}

int xen_evtchn_port_pending(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	int r;

	mutex_lock(&ed->lock);
	r = xen_evtchn_port(ed, port) && port ? ed->ops->is_pending(d, port) : -EINVAL;
	mutex_unlock(&ed->lock);
	return r;
}

/* Xen's VIRQs that belong to the domain, not to one vCPU. */
static bool virq_is_global(u32 virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return false;
	default:
		return true;
	}
}

/*
 * The peer of an interdomain port, locked after ours by address order.
 * Killable: the peer's lock may be held by a thread its VMM stalls, and a
 * vCPU waiting for it must still die with its process.
 */
static int evtchn_lock_pair(struct xen_evtchn_domain *a, struct xen_evtchn_domain *b)
{
	struct xen_evtchn_domain *first = a < b ? a : b, *second = a < b ? b : a;

	if (mutex_lock_killable(&first->lock))
		return -EINTR;
	if (a != b && mutex_lock_killable_nested(&second->lock, SINGLE_DEPTH_NESTING)) {
		mutex_unlock(&first->lock);
		return -EINTR;
	}
	return 0;
}

/* Teardown's: it cannot give up. */
static void evtchn_lock_pair_always(struct xen_evtchn_domain *a, struct xen_evtchn_domain *b)
{
	struct xen_evtchn_domain *first = a < b ? a : b, *second = a < b ? b : a;

	mutex_lock(&first->lock);
	if (a != b)
		mutex_lock_nested(&second->lock, SINGLE_DEPTH_NESTING);
}

static void evtchn_unlock_pair(struct xen_evtchn_domain *a, struct xen_evtchn_domain *b)
{
	mutex_unlock(&a->lock);
	if (a != b)
		mutex_unlock(&b->lock);
}

/* Free @e (lock held); an interdomain peer in @peer (locked) goes back to unbound. */
static void evtchn_free(struct domino_domain *d, u32 port, struct xen_evtchn *e,
			struct domino_domain *peer)
{
	struct domino_xen_vcpu *xv;
	u32 id;

	switch (e->state) {
	case XEN_ECS_VIRQ:
		/* A global VIRQ is vCPU 0's wherever bind_vcpu moved it. */
		id = virq_is_global(e->virq) ? 0 : e->vcpu;
		xv = id < DOMINO_MAX_VCPUS ? d->xen->vcpu[id] : NULL;
		if (xv && e->virq < NR_VIRQS && xv->virq_port[e->virq] == port)
			xv->virq_port[e->virq] = 0;
		break;
	case XEN_ECS_INTERDOMAIN:
		if (peer) {
			struct xen_evtchn *pe = evtchn_live(&peer->xen->evtchn,
							    e->remote_port);

			if (pe && pe->state == XEN_ECS_INTERDOMAIN &&
			    pe->remote_dom == d->domid && pe->remote_port == port) {
				pe->state = XEN_ECS_UNBOUND;
				pe->remote_port = 0;
			}
		}
		break;
	default:
		break;
	}
	/* Xen's evtchn_free: a stale pending bit would fire on reuse. */
	if (domino_domain_own_mm(d))
		d->xen->evtchn.ops->clear_pending(d, port);
	clear_bit(port, d->xen->evtchn.deliver);
	e->state = XEN_ECS_FREE;
}

/* Close @port of @d; -EINVAL if it is not in use. */
static long evtchn_close_port(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_host *host = NULL;
	struct domino_domain *peer = NULL;
	struct xen_evtchn *e;
	u32 peer_id;
	long r = 0;

	/* Which peer to lock: read under our lock, checked again with both. */
	mutex_lock(&ed->lock);
	e = evtchn_live(ed, port);
	peer_id = e && e->state == XEN_ECS_INTERDOMAIN ? e->remote_dom : DOMID_INVALID;
	mutex_unlock(&ed->lock);
	if (!e)
		return -EINVAL;
	if (peer_id != DOMID_INVALID)
		peer = peer_id == d->domid ? d : domino_domain_find(peer_id);
	if (peer && !peer->xen) {
		domino_domain_put(peer);
		peer = NULL;
	}
	if (peer && evtchn_lock_pair(ed, &peer->xen->evtchn)) {
		if (peer != d)
			domino_domain_put(peer);
		return XEN_HC_CONTINUE;	/* killed: the call never returns */
	}
	if (!peer)
		mutex_lock(&ed->lock);
	e = evtchn_live(ed, port);
	if (!e)
		r = -EINVAL;
	else if (e->state == XEN_ECS_INTERDOMAIN && e->remote_dom != peer_id)
		r = -EAGAIN;	/* rebound meanwhile: the guest raced itself */
	else {
		/* The host's end is let go once the lock is dropped. */
		host = e->host;
		e->host = NULL;
		evtchn_free(d, port, e, peer);
	}
	if (peer) {
		evtchn_unlock_pair(ed, &peer->xen->evtchn);
		if (peer != d)
			domino_domain_put(peer);
	} else {
		mutex_unlock(&ed->lock);
	}
	xen_evtchn_host_free(host);
	return r;
}

static bool vcpu_exists(struct domino_domain *d, u32 id)
{
	return id < DOMINO_MAX_VCPUS && d->xen->vcpu[array_index_nospec(id, DOMINO_MAX_VCPUS)];
}

/* ---- the hypercalls ---- */

static long evtchn_alloc_unbound(struct domino_domain *d, struct evtchn_alloc_unbound *a)
{
	u32 port;
	long r;

	if (a->dom != DOMID_SELF && a->dom != d->domid)
		return -EPERM;
	if (a->remote_dom == DOMID_SELF)
		a->remote_dom = d->domid;
	else if (a->remote_dom >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	r = xen_evtchn_alloc_unbound(d, a->remote_dom, &port);
	if (!r)
		a->port = port;
	return r;
}

long xen_evtchn_alloc_unbound(struct domino_domain *d, u16 remote_dom, u32 *portp)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;
	u32 port;
	long r;

	/* The toolstack's call may meet a guest's VMM stalled in its lock. */
	if (mutex_lock_killable(&ed->lock))
		return -EINTR;
	r = evtchn_alloc_port(d, &port);
	if (!r) {
		e = xen_evtchn_port(ed, port);
		e->state = XEN_ECS_UNBOUND;
		e->remote_dom = remote_dom;
		*portp = port;
	}
	mutex_unlock(&ed->lock);
	return r;
}

bool xen_evtchn_waits_for_dom0(const struct xen_evtchn *e)
{
	if (e->state == XEN_ECS_UNBOUND)
		return e->remote_dom == 0;
	return e->state == XEN_ECS_HOST && e->host->ops->closed &&
	       e->host->ops->closed(e->host);
}

/*
 * Domain 0's end is a port of /dev/xen/evtchn (pvops/dev_evtchn.c): only
 * a spinlock of its own is taken under ours, never one that domain 0's
 * userspace can hold.
 */
static long evtchn_bind_dom0(struct domino_domain *d, struct evtchn_bind_interdomain *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_host *h;
	struct xen_evtchn *e;
	u32 port;
	long r;

	h = xen_evtchn_host_new(d, &xen_dom0_host_ops);
	if (!h)
		return -ENOMEM;
	mutex_lock(&ed->lock);
	r = evtchn_alloc_port(d, &port);
	if (!r) {
		e = xen_evtchn_port(ed, port);
		h->port = port;
		r = xen_dom0_bind_guest(h, e, b->remote_port);
		if (!r) {
			h = NULL;
			b->local_port = port;
			/* As below: the binding itself is news. */
			if (domino_domain_own_mm(d))
				evtchn_set_pending(d, port, e);
		}
	}
	mutex_unlock(&ed->lock);
	xen_evtchn_host_free(h);
	return r;
}

static long evtchn_bind_interdomain(struct domino_domain *d,
				    struct evtchn_bind_interdomain *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn, *red;
	struct domino_domain *rd;
	struct xen_evtchn *e, *re;
	u32 port;
	long r;

	if (b->remote_dom == 0)
		return evtchn_bind_dom0(d, b);
	if (b->remote_dom == DOMID_SELF)
		b->remote_dom = d->domid;
	rd = b->remote_dom == d->domid ? d : domino_domain_find(b->remote_dom);
	if (!rd)
		return -ESRCH;
	if (!rd->xen) {
		r = -ESRCH;
		goto out;
	}
	red = &rd->xen->evtchn;
	if (evtchn_lock_pair(ed, red)) {
		r = XEN_HC_CONTINUE;	/* killed: the call never returns */
		goto out;
	}
	re = evtchn_live(red, b->remote_port);
	if (!re || re->state != XEN_ECS_UNBOUND || re->remote_dom != d->domid) {
		r = -EINVAL;
		goto unlock;
	}
	r = evtchn_alloc_port(d, &port);
	if (r)
		goto unlock;
	/* Allocating may have grown our table; the remote entry is in rd's. */
	e = xen_evtchn_port(ed, port);
	e->state = XEN_ECS_INTERDOMAIN;
	e->remote_dom = rd->domid;
	e->remote_port = b->remote_port;
	re->state = XEN_ECS_INTERDOMAIN;
	re->remote_dom = d->domid;
	re->remote_port = port;
	b->local_port = port;
	/* Xen sets the new local port pending: the binding itself is news. */
	if (domino_domain_own_mm(d))
		evtchn_set_pending(d, port, e);
unlock:
	evtchn_unlock_pair(ed, red);
out:
	if (rd != d)
		domino_domain_put(rd);
	return r;
}

static long evtchn_bind_virq(struct domino_domain *d, struct evtchn_bind_virq *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct domino_xen_vcpu *xv;
	struct xen_evtchn *e;
	u32 port, virq = b->virq;
	long r;

	if (virq >= NR_VIRQS)
		return -EINVAL;
	virq = array_index_nospec(virq, NR_VIRQS);
	if (virq_is_global(virq) && b->vcpu != 0)
		return -EINVAL;
	mutex_lock(&ed->lock);
	r = -ENOENT;
	if (!vcpu_exists(d, b->vcpu))
		goto out;
	xv = d->xen->vcpu[array_index_nospec(b->vcpu, DOMINO_MAX_VCPUS)];
	r = -EEXIST;
	if (xv->virq_port[virq])
		goto out;
	r = evtchn_alloc_port(d, &port);
	if (r)
		goto out;
	e = xen_evtchn_port(ed, port);
	e->state = XEN_ECS_VIRQ;
	e->virq = virq;
	e->vcpu = b->vcpu;
	xv->virq_port[virq] = port;
	b->port = port;
out:
	mutex_unlock(&ed->lock);
	return r;
}

static long evtchn_bind_ipi(struct domino_domain *d, struct evtchn_bind_ipi *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;
	u32 port;
	long r;

	mutex_lock(&ed->lock);
	r = -ENOENT;
	if (!vcpu_exists(d, b->vcpu))
		goto out;
	r = evtchn_alloc_port(d, &port);
	if (r)
		goto out;
	e = xen_evtchn_port(ed, port);
	e->state = XEN_ECS_IPI;
	e->vcpu = b->vcpu;
	b->port = port;
out:
	mutex_unlock(&ed->lock);
	return r;
}

static long evtchn_send(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct domino_domain *rd;
	struct xen_evtchn *e;
	u32 rdom, rport;

	mutex_lock(&ed->lock);
	e = evtchn_live(ed, port);
	if (!e) {
		mutex_unlock(&ed->lock);
		return -EINVAL;
	}
	switch (e->state) {
	case XEN_ECS_IPI:
		evtchn_set_pending(d, port, e);
		fallthrough;
	case XEN_ECS_UNBOUND:
		mutex_unlock(&ed->lock);
		return 0;
	case XEN_ECS_HOST:
		xen_evtchn_host_notify(e->host);
		mutex_unlock(&ed->lock);
		return 0;
	case XEN_ECS_INTERDOMAIN:
		rdom = e->remote_dom;
		rport = e->remote_port;
		break;
	default:
		mutex_unlock(&ed->lock);
		return -EINVAL;
	}
	if (rdom == d->domid) {
		e = evtchn_live(ed, rport);
		if (e)
			evtchn_set_pending(d, rport, e);
		mutex_unlock(&ed->lock);
		return 0;
	}
	mutex_unlock(&ed->lock);
	/* Another domain: its memory is its VMM's, so it is queued there. */
	rd = domino_domain_find(rdom);
	if (rd) {
		if (rd->xen)
			xen_evtchn_raise(rd, rport);
		domino_domain_put(rd);
	}
	return 0;
}

long xen_evtchn_status(struct domino_domain *d, struct evtchn_status *s)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;

	/* Domain 0 asks too: a guest's stalled VMM must not hold it forever. */
	if (mutex_lock_killable(&ed->lock))
		return -EINTR;
	/*
	 * Xen's port_is_valid: every port of the buckets made so far, port 0
	 * (reserved) and free ones included, which read as closed; lsevtchn
	 * walks from 0 until -EINVAL.
	 */
	e = xen_evtchn_port(ed, s->port);
	if (!e) {
		mutex_unlock(&ed->lock);
		return -EINVAL;
	}
	memset(&s->u, 0, sizeof(s->u));
	s->vcpu = e->vcpu;
	switch (e->state) {
	case XEN_ECS_UNBOUND:
		s->status = EVTCHNSTAT_unbound;
		s->u.unbound.dom = e->remote_dom;
		break;
	case XEN_ECS_HOST:
		if (xen_evtchn_waits_for_dom0(e)) {
			s->status = EVTCHNSTAT_unbound;
			s->u.unbound.dom = 0;
			break;
		}
		fallthrough;
	case XEN_ECS_INTERDOMAIN:
		s->status = EVTCHNSTAT_interdomain;
		s->u.interdomain.dom = e->remote_dom;
		s->u.interdomain.port = e->remote_port;
		break;
	case XEN_ECS_VIRQ:
		s->status = EVTCHNSTAT_virq;
		s->u.virq = e->virq;
		break;
	case XEN_ECS_IPI:
		s->status = EVTCHNSTAT_ipi;
		break;
	default:
		s->status = EVTCHNSTAT_closed;
		s->vcpu = 0;
		break;
	}
	mutex_unlock(&ed->lock);
	return 0;
}

static long evtchn_status(struct domino_domain *d, struct evtchn_status *s)
{
	if (s->dom != DOMID_SELF && s->dom != d->domid)
		return -EPERM;
	return xen_evtchn_status(d, s);
}

static long evtchn_bind_vcpu(struct domino_domain *d, struct evtchn_bind_vcpu *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;
	long r = 0;

	mutex_lock(&ed->lock);
	e = evtchn_live(ed, b->port);
	if (!e) {
		r = -EINVAL;
	} else if (!vcpu_exists(d, b->vcpu)) {
		r = -ENOENT;
	} else if (e->state == XEN_ECS_UNBOUND || e->state == XEN_ECS_INTERDOMAIN ||
		   e->state == XEN_ECS_HOST ||
		   (e->state == XEN_ECS_VIRQ && virq_is_global(e->virq))) {
		/* A global VIRQ's port is found through vCPU 0's table. */
		e->vcpu = b->vcpu;
	} else {
		r = -EINVAL;
	}
	mutex_unlock(&ed->lock);
	return r;
}

static long evtchn_unmask(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;

	mutex_lock(&ed->lock);
	e = xen_evtchn_port(ed, port);
	if (!e || !port) {
		mutex_unlock(&ed->lock);
		return -EINVAL;
	}
	ed->ops->unmask(d, port, e);
	mutex_unlock(&ed->lock);
	return 0;
}

/* Close every port (EVTCHNOP_reset, domain teardown); back to 2-level. */
static void evtchn_close_all(struct domino_domain *d)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	u32 port, nr;

	mutex_lock(&ed->lock);
	nr = ed->nr_ports;
	mutex_unlock(&ed->lock);
	for (port = 1; port < nr; port++)
		evtchn_close_port(d, port);
	mutex_lock(&ed->lock);
	ed->ops->reset(d);
	ed->ops = &xen_evtchn_2l_ops;
	mutex_unlock(&ed->lock);
}

static long evtchn_reset(struct domino_domain *d, struct evtchn_reset *r)
{
	if (r->dom != DOMID_SELF && r->dom != d->domid)
		return -EPERM;
	evtchn_close_all(d);
	return 0;
}

/* Each command's argument, copied in whole and back out if it has OUT fields. */
long xen_event_channel_op(struct xen_call *c)
{
	struct domino_domain *d = c->v->d;
	union {
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
		struct evtchn_reset reset;
		struct evtchn_init_control init_control;
		struct evtchn_expand_array expand_array;
		struct evtchn_set_priority set_priority;
	} u;
	size_t len;
	bool out = false;
	long r;

	switch (c->arg[0]) {
	case EVTCHNOP_alloc_unbound:	len = sizeof(u.alloc_unbound); out = true; break;
	case EVTCHNOP_bind_interdomain:	len = sizeof(u.bind_interdomain); out = true; break;
	case EVTCHNOP_bind_virq:	len = sizeof(u.bind_virq); out = true; break;
	case EVTCHNOP_bind_ipi:		len = sizeof(u.bind_ipi); out = true; break;
	case EVTCHNOP_close:		len = sizeof(u.close); break;
	case EVTCHNOP_send:		len = sizeof(u.send); break;
	case EVTCHNOP_status:		len = sizeof(u.status); out = true; break;
	case EVTCHNOP_bind_vcpu:	len = sizeof(u.bind_vcpu); break;
	case EVTCHNOP_unmask:		len = sizeof(u.unmask); break;
	case EVTCHNOP_reset:		len = sizeof(u.reset); break;
	case EVTCHNOP_init_control:	len = sizeof(u.init_control); out = true; break;
	case EVTCHNOP_expand_array:	len = sizeof(u.expand_array); break;
	case EVTCHNOP_set_priority:	len = sizeof(u.set_priority); break;
	default:
		return -ENOSYS;
	}
	if (c->copy_from(c, c->arg[1], &u, len))
		return -EFAULT;

	switch (c->arg[0]) {
	case EVTCHNOP_alloc_unbound:
		r = evtchn_alloc_unbound(d, &u.alloc_unbound);
		break;
	case EVTCHNOP_bind_interdomain:
		r = evtchn_bind_interdomain(d, &u.bind_interdomain);
		break;
	case EVTCHNOP_bind_virq:
		r = evtchn_bind_virq(d, &u.bind_virq);
		break;
	case EVTCHNOP_bind_ipi:
		r = evtchn_bind_ipi(d, &u.bind_ipi);
		break;
	case EVTCHNOP_close:
		r = evtchn_close_port(d, u.close.port);
		break;
	case EVTCHNOP_send:
		r = evtchn_send(d, u.send.port);
		break;
	case EVTCHNOP_status:
		r = evtchn_status(d, &u.status);
		break;
	case EVTCHNOP_bind_vcpu:
		r = evtchn_bind_vcpu(d, &u.bind_vcpu);
		break;
	case EVTCHNOP_unmask:
		r = evtchn_unmask(d, u.unmask.port);
		break;
	case EVTCHNOP_reset:
		r = evtchn_reset(d, &u.reset);
		break;
	default:
		r = xen_evtchn_fifo_op(c, c->arg[0], &u);
		break;
	}
	if (!r && out && c->copy_to(c, c->arg[1], &u, len))
		r = -EFAULT;
	return r;
}

/* ---- the domain ---- */

int xen_evtchn_domain_init(struct domino_domain *d)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;

	mutex_init(&ed->lock);
	ed->ops = &xen_evtchn_2l_ops;
	ed->no_fifo = !!(d->flags & DOMINO_DOMAIN_XEN_NO_FIFO);
	ed->deliver = domino_kzalloc(BITS_TO_LONGS(XEN_EVTCHN_MAX_PORTS) *
				     sizeof(long), GFP_KERNEL_ACCOUNT);
	return ed->deliver ? 0 : -ENOMEM;
}

/*
 * Teardown: nothing touches guest memory (the VMM's mm may be gone), but
 * interdomain peers are told, so their ports wait for a new partner.
 */
void xen_evtchn_domain_free(struct domino_domain *d)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	unsigned int i;
	u32 port;

	for (port = 1; port < ed->nr_ports; port++) {
		struct xen_evtchn *e = xen_evtchn_port(ed, port);
		struct domino_domain *peer;

		if (e && e->state == XEN_ECS_HOST) {
			xen_evtchn_host_free(e->host);
			e->host = NULL;
			continue;
		}
		if (!e || e->state != XEN_ECS_INTERDOMAIN || e->remote_dom == d->domid)
			continue;
		peer = domino_domain_find(e->remote_dom);
		if (!peer)
			continue;
		if (peer->xen) {
			evtchn_lock_pair_always(ed, &peer->xen->evtchn);
			evtchn_free(d, port, e, peer);
			evtchn_unlock_pair(ed, &peer->xen->evtchn);
		}
		domino_domain_put(peer);
	}
	xen_evtchn_fifo_free(d);
	for (i = 0; i < XEN_EVTCHN_BUCKETS; i++)
		domino_kfree(ed->buckets[i]);
	domino_kfree(ed->deliver);
}
