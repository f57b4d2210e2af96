// SPDX-License-Identifier: GPL-2.0
/*
 * The FIFO event channel ABI (Xen's event_fifo.c semantics): each port
 * has a 32-bit event word in an array of guest pages the guest hands over
 * with EVTCHNOP_expand_array; each vCPU has a control block (ready bits
 * and one queue head per priority, EVTCHNOP_init_control). A pending,
 * unmasked event is linked at the tail of its vCPU's queue for its
 * priority: the tail word's LINK field names it, or the queue's head in
 * the control block does when the queue was empty. The guest consumes
 * from the head, clearing LINKED as it goes.
 *
 *   EVTCHNOP_init_control IN {control_gfn, offset, vcpu} OUT {link_bits}
 *       The first call switches the domain from 2-level (ports pending
 *       then stay pending). vcpu exists (-ENOENT); once per vCPU
 *       (-EINVAL); offset 8-aligned with the block inside the page and
 *       the frame guest RAM (-EINVAL). A domain created with FIFO
 *       refused: -ENOSYS, as a Xen without FIFO, so guests use 2-level.
 *   EVTCHNOP_expand_array IN {array_gfn}: one more page of event words
 *       (1024 ports); before init_control -EOPNOTSUPP; past 128 pages
 *       -ENOSPC; not guest RAM -EINVAL.
 *   EVTCHNOP_set_priority IN {port, priority}: 0 (highest) to 15; bad
 *       port or priority -EINVAL; under 2-level -ENOSYS.
 *
 * The guest may change a LINKED word only by setting or clearing MASKED,
 * clearing PENDING, or clearing LINKED with LINK; linking to a tail marks
 * it BUSY so that the guest's unmask waits, bounding the cmpxchg retries.
 * All queue state is changed under the domain's evtchn lock.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>

#include "alloc.h"
#include "domain.h"
#include "vcpu.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

#define WORDS_PER_PAGE		(PAGE_SIZE / sizeof(event_word_t))
#define FIFO_MAX_PAGES		(EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)

#define W_PENDING		BIT(EVTCHN_FIFO_PENDING)
#define W_MASKED		BIT(EVTCHN_FIFO_MASKED)
#define W_LINKED		BIT(EVTCHN_FIFO_LINKED)
#define W_BUSY			BIT(EVTCHN_FIFO_BUSY)

struct fifo_vcpu {
	u64 control_gpa;		/* XEN_NO_GPA until init_control */
	u32 tail[EVTCHN_FIFO_MAX_QUEUES];
};

struct xen_evtchn_fifo {
	u64 array_gpa[FIFO_MAX_PAGES];
	u32 nr_pages;
	struct fifo_vcpu vcpu[DOMINO_MAX_VCPUS];
};

static struct xen_evtchn_fifo *fifo(struct domino_domain *d)
{
	return d->xen->evtchn.fifo;
}

/* The event word's guest address, or XEN_NO_GPA (no page for it yet). */
static u64 fifo_word(struct domino_domain *d, u32 port)
{
	struct xen_evtchn_fifo *f = fifo(d);
	u32 page = port / WORDS_PER_PAGE;

	if (!f || page >= f->nr_pages)
		return XEN_NO_GPA;
	page = array_index_nospec(page, f->nr_pages);
	return f->array_gpa[page] + (port % WORDS_PER_PAGE) * sizeof(event_word_t);
}

static int word_read(struct domino_domain *d, u64 gpa, u32 *w)
{
	return domino_guest_read(d, gpa, w, sizeof(*w)) ? -EFAULT : 0;
}

/* Set or clear @bits; the old word in *old. */
static int word_update(struct domino_domain *d, u64 gpa, u32 set, u32 clear,
		       u32 *oldp)
{
	u32 w;
	u64 old;
	int r;

	unsigned int tries;

	if (word_read(d, gpa, &w))
		return -EFAULT;
	old = w;
	for (tries = 0; tries < XEN_GUEST_CMPXCHG_TRIES; tries++) {
		u32 new = ((u32)old | set) & ~clear;

		if (new == (u32)old)
			break;
		r = domino_guest_cmpxchg(d, gpa, 4, &old, new);
		if (r < 0)
			return r;
		if (!r)
			break;
	}
	if (tries == XEN_GUEST_CMPXCHG_TRIES)
		return -EAGAIN;	/* the guest kept changing it: its event */
	*oldp = old;
	return 0;
}

/* One attempt to make the tail at @gpa link to @port: 1 done, 0 not LINKED, -EAGAIN. */
static int try_set_link(struct domino_domain *d, u64 gpa, u32 *w, u32 port)
{
	u64 old = *w;
	int r;

	if (!(*w & W_LINKED))
		return 0;
	r = domino_guest_cmpxchg(d, gpa, 4, &old,
				 (*w & ~(W_BUSY | EVTCHN_FIFO_LINK_MASK)) | port);
	*w = old;
	if (r < 0)
		return r;
	return r ? -EAGAIN : 1;
}

/*
 * Link @port after the tail word at @gpa if that is still LINKED. The
 * guest may change the word under us, but only in the ways listed at
 * the top; BUSY stops its unmasks, so a few tries suffice. True when
 * linked (or when the guest kept changing the word: Xen's answer too,
 * the event then waits for its next raise).
 */
static bool fifo_set_link(struct domino_domain *d, u64 gpa, u32 port)
{
	unsigned int try;
	u32 w, dummy;
	int r;

	if (word_read(d, gpa, &w))
		return false;
	r = try_set_link(d, gpa, &w, port);
	if (r >= 0)
		return r;
	if (r != -EAGAIN)
		return false;
	if (word_update(d, gpa, W_BUSY, 0, &dummy))
		return false;
	if (word_read(d, gpa, &w))
		return false;
	for (try = 0; try < 4; try++) {
		r = try_set_link(d, gpa, &w, port);
		if (r == 0 || r == -EFAULT)
			word_update(d, gpa, 0, W_BUSY, &dummy);
		if (r >= 0)
			return r;
		if (r != -EAGAIN)
			return false;
	}
	word_update(d, gpa, 0, W_BUSY, &dummy);
	return true;
}

/* The queue's head, in one store the guest cannot see half done. */
static void fifo_write_head(struct domino_domain *d, u64 gpa, u32 port)
{
	u32 w;
	u64 old;
	int r;

	unsigned int tries;

	if (word_read(d, gpa, &w))
		return;
	old = w;
	for (tries = 0; tries < XEN_GUEST_CMPXCHG_TRIES; tries++) {
		r = domino_guest_cmpxchg(d, gpa, 4, &old, port);
		if (r != 1)
			break;
	}
}

static void fifo_set_pending(struct domino_domain *d, u32 port, struct xen_evtchn *e)
{
	struct xen_evtchn_fifo *f = fifo(d);
	struct fifo_vcpu *fv, *old_fv;
	u64 word = fifo_word(d, port), tail_word;
	u32 old, prio = e->priority, vcpu = e->vcpu;
	bool linked = true;

	if (word == XEN_NO_GPA) {
		e->fifo_pending = true;
		return;
	}
	if (vcpu >= DOMINO_MAX_VCPUS)
		return;
	fv = &f->vcpu[vcpu];
	old_fv = &f->vcpu[e->fifo_q_vcpu < DOMINO_MAX_VCPUS ? e->fifo_q_vcpu : 0];
	if (word_update(d, word, W_PENDING, 0, &old))
		return;
	/*
	 * No control block: pending (poll and a later unmask see it), but
	 * linked nowhere; the guest cannot have unmasked it yet (Xen's).
	 */
	if (fv->control_gpa == XEN_NO_GPA)
		return;
	if (!(old & W_MASKED) && !(old & W_LINKED)) {
		if (word_update(d, word, W_LINKED, 0, &old) || (old & W_LINKED))
			goto notify;
		/* It was the old queue's tail: that queue is empty now. */
		if (old_fv->tail[e->fifo_q_prio] == port)
			old_fv->tail[e->fifo_q_prio] = 0;
		e->fifo_q_vcpu = vcpu;
		e->fifo_q_prio = prio;
		linked = false;
		if (fv->tail[prio]) {
			tail_word = fifo_word(d, fv->tail[prio]);
			if (tail_word != XEN_NO_GPA)
				linked = fifo_set_link(d, tail_word, port);
		}
		if (!linked)
			fifo_write_head(d, fv->control_gpa +
					offsetof(struct evtchn_fifo_control_block, head[prio]),
					port);
		fv->tail[prio] = port;
	}
notify:
	if (!linked && xen_guest_test_and_set_bit(d, fv->control_gpa +
						  offsetof(struct evtchn_fifo_control_block,
							   ready), prio) == 0)
		xen_vcpu_mark_events_pending(d, vcpu);
}

static unsigned int fifo_max_ports(struct domino_domain *d)
{
	return EVTCHN_FIFO_NR_CHANNELS;
}

static void fifo_clear_pending(struct domino_domain *d, u32 port)
{
	u64 word = fifo_word(d, port);
	struct xen_evtchn *e = xen_evtchn_port(&d->xen->evtchn, port);
	u32 old;

	if (e)
		e->fifo_pending = false;
	if (word != XEN_NO_GPA)
		word_update(d, word, 0, W_PENDING, &old);
}

static void fifo_unmask(struct domino_domain *d, u32 port, struct xen_evtchn *e)
{
	u64 word = fifo_word(d, port);
	u32 old;

	if (word == XEN_NO_GPA)
		return;
	if (word_update(d, word, 0, W_MASKED, &old))
		return;
	/* Pending while masked: it joins its queue now. */
	if (old & W_PENDING)
		fifo_set_pending(d, port, e);
}

static bool fifo_word_bit(struct domino_domain *d, u32 port, u32 bit, bool none)
{
	u64 word = fifo_word(d, port);
	u32 w;

	if (word == XEN_NO_GPA || word_read(d, word, &w))
		return none;
	return w & bit;
}

static bool fifo_is_pending(struct domino_domain *d, u32 port)
{
	struct xen_evtchn *e = xen_evtchn_port(&d->xen->evtchn, port);

	if (fifo_word(d, port) == XEN_NO_GPA)
		return e && e->fifo_pending;
	return fifo_word_bit(d, port, W_PENDING, false);
}

static bool fifo_is_masked(struct domino_domain *d, u32 port)
{
	return fifo_word_bit(d, port, W_MASKED, true);
}

static void fifo_reset(struct domino_domain *d)
{
	domino_kfree(fifo(d));
	d->xen->evtchn.fifo = NULL;
}

const struct xen_evtchn_port_ops xen_evtchn_fifo_ops = {
	.max_ports	= fifo_max_ports,
	.set_pending	= fifo_set_pending,
	.clear_pending	= fifo_clear_pending,
	.unmask		= fifo_unmask,
	.is_pending	= fifo_is_pending,
	.is_masked	= fifo_is_masked,
	.reset		= fifo_reset,
};

/* A whole guest page of RAM at @gfn (mapped for writing by the VMM). */
static bool fifo_gfn_ok(struct domino_domain *d, u64 gfn)
{
	u8 probe;

	if (gfn >= BIT_ULL(52 - PAGE_SHIFT))
		return false;
	return !domino_guest_read(d, gfn << PAGE_SHIFT, &probe, 1) &&
	       !domino_guest_read(d, (gfn << PAGE_SHIFT) + PAGE_SIZE - 1, &probe, 1);
}

static long fifo_init_control(struct domino_domain *d, struct evtchn_init_control *ic)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_fifo *f;
	unsigned int i, j;
	u32 vcpu = ic->vcpu;
	long r = 0;

	if (ed->no_fifo)
		return -ENOSYS;
	if (ic->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) ||
	    (ic->offset & 7))
		return -EINVAL;
	if (!fifo_gfn_ok(d, ic->control_gfn))
		return -EINVAL;
	mutex_lock(&ed->lock);
	if (vcpu >= DOMINO_MAX_VCPUS || !d->xen->vcpu[array_index_nospec(vcpu, DOMINO_MAX_VCPUS)]) {
		r = -ENOENT;
		goto out;
	}
	vcpu = array_index_nospec(vcpu, DOMINO_MAX_VCPUS);
	f = ed->fifo;
	if (!f) {
		f = domino_kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
		if (!f) {
			r = -ENOMEM;
			goto out;
		}
		for (i = 0; i < DOMINO_MAX_VCPUS; i++)
			f->vcpu[i].control_gpa = XEN_NO_GPA;
		/* Ports pending under 2-level stay pending (Xen's setup_ports). */
		for (i = 1; i < ed->nr_ports; i++) {
			struct xen_evtchn *e = xen_evtchn_port(ed, i);

			if (!e)
				continue;
			e->fifo_q_vcpu = e->vcpu;
			e->fifo_q_prio = e->priority;
			if (e->state != XEN_ECS_FREE && e->state != XEN_ECS_RESERVED &&
			    ed->ops->is_pending(d, i))
				e->fifo_pending = true;
		}
		ed->fifo = f;
		ed->ops = &xen_evtchn_fifo_ops;
	}
	if (f->vcpu[vcpu].control_gpa != XEN_NO_GPA) {
		r = -EINVAL;
		goto out;
	}
	f->vcpu[vcpu].control_gpa = (ic->control_gfn << PAGE_SHIFT) + ic->offset;
	for (j = 0; j < EVTCHN_FIFO_MAX_QUEUES; j++)
		f->vcpu[vcpu].tail[j] = 0;
	ic->link_bits = EVTCHN_FIFO_LINK_BITS;
out:
	mutex_unlock(&ed->lock);
	return r;
}

static long fifo_expand_array(struct domino_domain *d, struct evtchn_expand_array *ea)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_fifo *f;
	u32 first, port;
	long r = 0;

	if (!fifo_gfn_ok(d, ea->array_gfn))
		return -EINVAL;
	mutex_lock(&ed->lock);
	f = ed->fifo;
	if (!f) {
		r = -EOPNOTSUPP;
		goto out;
	}
	if (f->nr_pages >= FIFO_MAX_PAGES) {
		r = -ENOSPC;
		goto out;
	}
	f->array_gpa[f->nr_pages++] = ea->array_gfn << PAGE_SHIFT;
	/* Ports raised before their word existed are pending now. */
	first = (f->nr_pages - 1) * WORDS_PER_PAGE;
	for (port = max_t(u32, first, 1); port < first + WORDS_PER_PAGE &&
	     port < ed->nr_ports; port++) {
		struct xen_evtchn *e = xen_evtchn_port(ed, port);

		if (e && e->fifo_pending && e->state != XEN_ECS_FREE) {
			e->fifo_pending = false;
			fifo_set_pending(d, port, e);
		}
	}
out:
	mutex_unlock(&ed->lock);
	return r;
}

static long fifo_set_priority(struct domino_domain *d, struct evtchn_set_priority *sp)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn *e;
	long r = 0;

	mutex_lock(&ed->lock);
	e = xen_evtchn_port(ed, sp->port);
	if (!ed->fifo)
		r = -ENOSYS;
	else if (!e || !sp->port || sp->priority > EVTCHN_FIFO_PRIORITY_MIN)
		r = -EINVAL;
	else
		e->priority = sp->priority;	/* the next link uses it */
	mutex_unlock(&ed->lock);
	return r;
}

long xen_evtchn_fifo_op(struct xen_call *c, u64 cmd, void *u)
{
	struct domino_domain *d = c->v->d;

	switch (cmd) {
	case EVTCHNOP_init_control:
		return fifo_init_control(d, u);
	case EVTCHNOP_expand_array:
		return fifo_expand_array(d, u);
	case EVTCHNOP_set_priority:
		return fifo_set_priority(d, u);
	default:
		return -ENOSYS;
	}
}

void xen_evtchn_fifo_free(struct domino_domain *d)
{
	fifo_reset(d);
}

/* vCPU @id is gone: a new one with that id must init_control again. */
void xen_evtchn_fifo_vcpu_free(struct domino_domain *d, u32 id)
{
	struct xen_evtchn_fifo *f = fifo(d);

	if (!f || id >= DOMINO_MAX_VCPUS)
		return;
	memset(&f->vcpu[id], 0, sizeof(f->vcpu[id]));
	f->vcpu[id].control_gpa = XEN_NO_GPA;
}
