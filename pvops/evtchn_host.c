// SPDX-License-Identifier: GPL-2.0
/*
 * The host's end of a guest's event channel (XEN_ECS_HOST). Two kinds
 * share struct xen_evtchn_host through its ops: the VMM's eventfds here,
 * and domain 0's ports of /dev/xen/evtchn (pvops/dev_evtchn.c).
 *
 * The VMM's kind (DOMINO_XEN_EVTCHN_BIND): the VMM and its backends play
 * Xen's dom0 here. Two eventfds carry the events, as KVM's irqfd and
 * ioeventfd do: a write to raise_fd raises the guest's port; the guest's
 * EVTCHNOP_send signals notify_fd.
 *
 * The eventfd's wake-up comes in atomic context with the eventfd's lock
 * held, so it only counts the write and queues work; the work raises the
 * port (xen_evtchn_raise queues it for a vCPU of the domain, whose VMM
 * memory it is). Teardown takes the entry off the eventfd's queue first,
 * so no new work comes, then waits for the work: never under the
 * domain's evtchn lock, which the work takes.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/interface/xen.h>

#include "alloc.h"
#include "domain.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"
#include "grant_table.h"

static void host_raise_work(struct work_struct *w)
{
	struct xen_evtchn_host *h = container_of(w, struct xen_evtchn_host, work);

	xen_evtchn_raise(h->d, h->port);
}

static int host_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
		       void *key)
{
	struct xen_evtchn_host *h = container_of(wait, struct xen_evtchn_host, wait);
	__poll_t flags = key_to_poll(key);
	u64 cnt;

	/* EPOLLHUP (the fd closed) needs nothing: we hold the context. */
	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(h->raise, &cnt);
		schedule_work(&h->work);
	}
	return 0;
}

static void host_ptable_queue(struct file *file, wait_queue_head_t *wqh,
			      poll_table *pt)
{
	struct xen_evtchn_host *h = container_of(pt, struct xen_evtchn_host, pt);

	add_wait_queue_priority(wqh, &h->wait);
}

static void host_eventfd_notify(struct xen_evtchn_host *h)
{
	if (h->notify)
		eventfd_signal(h->notify, 1);
}

static void host_eventfd_release(struct xen_evtchn_host *h)
{
	u64 cnt;

	if (h->raise) {
		eventfd_ctx_remove_wait_queue(h->raise, &h->wait, &cnt);
		cancel_work_sync(&h->work);
		eventfd_ctx_put(h->raise);
	}
	if (h->notify)
		eventfd_ctx_put(h->notify);
}

static const struct xen_evtchn_host_ops host_eventfd_ops = {
	.notify		= host_eventfd_notify,
	.release	= host_eventfd_release,
};

struct xen_evtchn_host *xen_evtchn_host_new(struct domino_domain *d,
					    const struct xen_evtchn_host_ops *ops)
{
	struct xen_evtchn_host *h = domino_kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);

	if (h) {
		h->ops = ops;
		h->d = d;
		INIT_WORK(&h->work, host_raise_work);
	}
	return h;
}

void xen_evtchn_host_free(struct xen_evtchn_host *h)
{
	if (!h)
		return;
	h->ops->release(h);
	domino_kfree(h);
}

void xen_evtchn_host_notify(struct xen_evtchn_host *h)
{
	if (h)
		h->ops->notify(h);
}

static long host_bind(struct domino_domain *d, struct domino_xen_evtchn_bind *b)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_host *h, *old = NULL;
	struct xen_evtchn *e;
	struct fd f = { };
	__poll_t events;
	u32 port = b->port;
	u64 cnt;
	long r;

	if (b->flags || b->pad)
		return -EINVAL;
	h = xen_evtchn_host_new(d, &host_eventfd_ops);
	if (!h)
		return -ENOMEM;
	if (b->notify_fd >= 0) {
		h->notify = eventfd_ctx_fdget(b->notify_fd);
		if (IS_ERR(h->notify)) {
			h->notify = NULL;
			r = -EBADF;
			goto fail;
		}
	}
	if (b->raise_fd >= 0) {
		f = fdget(b->raise_fd);
		h->raise = f.file ? eventfd_ctx_fileget(f.file) : ERR_PTR(-EBADF);
		if (IS_ERR(h->raise)) {
			h->raise = NULL;
			r = -EBADF;
			goto fail;
		}
	}

	if (h->raise) {
		init_waitqueue_func_entry(&h->wait, host_wakeup);
		init_poll_funcptr(&h->pt, host_ptable_queue);
	}
	mutex_lock(&ed->lock);
	if (!port) {
		r = -EINVAL;
		if (b->vcpu >= DOMINO_MAX_VCPUS ||
		    !d->xen->vcpu[array_index_nospec(b->vcpu, DOMINO_MAX_VCPUS)])
			goto unlock;
		r = evtchn_alloc_port(d, &port);
		if (r)
			goto unlock;
		e = xen_evtchn_port(ed, port);
		e->vcpu = b->vcpu;
	} else {
		e = xen_evtchn_port(ed, port);
		r = -EINVAL;
		if (!e || !xen_evtchn_waits_for_dom0(e))
			goto unlock;
		/* Domain 0 let go of it: the end it left goes now. */
		if (e->state == XEN_ECS_HOST)
			old = e->host;
	}
	h->port = port;
	/* Listening before the port is published: a close then finds it whole. */
	if (h->raise) {
		events = vfs_poll(f.file, &h->pt);
		/* Written before we listened: that write counts. */
		if (events & EPOLLIN) {
			eventfd_ctx_do_read(h->raise, &cnt);
			schedule_work(&h->work);
		}
	}
	e->state = XEN_ECS_HOST;
	e->remote_dom = 0;
	e->remote_port = 0;
	e->host = h;
	r = 0;
unlock:
	mutex_unlock(&ed->lock);
	if (r)
		goto fail;
	if (f.file)
		fdput(f);
	xen_evtchn_host_free(old);
	b->port = port;
	return 0;

fail:
	if (f.file)
		fdput(f);
	if (h->raise)
		eventfd_ctx_put(h->raise);
	if (h->notify)
		eventfd_ctx_put(h->notify);
	domino_kfree(h);
	return r;
}

static long host_unbind(struct domino_domain *d, struct domino_xen_evtchn_unbind *u)
{
	struct xen_evtchn_domain *ed = &d->xen->evtchn;
	struct xen_evtchn_host *h = NULL;
	struct xen_evtchn *e;

	if (u->pad)
		return -EINVAL;
	mutex_lock(&ed->lock);
	e = xen_evtchn_port(ed, u->port);
	/* The VMM's own ends only: domain 0's are its /dev/xen/evtchn's. */
	if (e && u->port && e->state == XEN_ECS_HOST && e->host->ops == &host_eventfd_ops) {
		h = e->host;
		e->host = NULL;
		/* As a dom0 close leaves a domU's end: waiting for dom0 again. */
		e->state = XEN_ECS_UNBOUND;
		e->remote_dom = 0;
	}
	mutex_unlock(&ed->lock);
	if (!h)
		return -EINVAL;
	xen_evtchn_host_free(h);
	return 0;
}

long domino_xen_domain_ioctl(struct domino_domain *d, unsigned int cmd,
			     void __user *uarg)
{
	union {
		struct domino_xen_evtchn_bind bind;
		struct domino_xen_evtchn_unbind unbind;
		struct domino_xen_param param;
		struct domino_xen_evtchn_alloc alloc;
		struct domino_xen_gnttab_seed seed;
	} u;
	long r;

	switch (cmd) {
	case DOMINO_XEN_EVTCHN_BIND:
	case DOMINO_XEN_EVTCHN_UNBIND:
	case DOMINO_XEN_SET_PARAM:
	case DOMINO_XEN_GET_PARAM:
	case DOMINO_XEN_EVTCHN_ALLOC_UNBOUND:
	case DOMINO_XEN_GNTTAB_SEED:
		break;
	default:
		return -ENOTTY;
	}
	if (!d->xen)
		return -ENODEV;
	if (copy_from_user(&u, uarg, _IOC_SIZE(cmd)))
		return -EFAULT;
	switch (cmd) {
	case DOMINO_XEN_EVTCHN_BIND:
		r = host_bind(d, &u.bind);
		break;
	case DOMINO_XEN_EVTCHN_UNBIND:
		return host_unbind(d, &u.unbind);
	case DOMINO_XEN_SET_PARAM:
		return xen_host_param(d, &u.param, true);
	case DOMINO_XEN_GNTTAB_SEED:
		return xen_gnttab_seed(d, &u.seed);
	case DOMINO_XEN_EVTCHN_ALLOC_UNBOUND:
		if (u.alloc.remote_dom > DOMINO_DOMID_MAX)
			return -EINVAL;
		r = xen_evtchn_alloc_unbound(d, u.alloc.remote_dom, &u.alloc.port);
		break;
	default:
		r = xen_host_param(d, &u.param, false);
		break;
	}
	if (!r && copy_to_user(uarg, &u, _IOC_SIZE(cmd)))
		r = -EFAULT;
	return r;
}
