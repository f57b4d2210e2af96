// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/evtchn: domain 0's event channels, with the ioctls and the
 * read/write protocol of Linux's evtchn driver (include/uapi/xen/evtchn.h),
 * so that Xen's libxenevtchn and its clients (xenstored, lsevtchn) work
 * unchanged against Domino's guests. The host plays domain 0.
 *
 * Domain 0's ports are numbered across the host, as a real dom0's are:
 * 1 to XEN_DOM0_PORTS - 1, the lowest free first (Xen's get_free_port),
 * whichever file holds them; a guest names one in EVTCHNOP_bind_interdomain
 * and sees it in EVTCHNOP_status. Each file owns the ports it bound.
 *
 * A port bound to a guest's is that port's host end (XEN_ECS_HOST, struct
 * xen_evtchn_host of the kind xen_dom0_host_ops): the guest's send lands
 * in the owning file's ring, and IOCTL_EVTCHN_NOTIFY raises the guest's
 * port. Each port fires once, then waits for userspace to unmask it by
 * writing its number; one that fired meanwhile fires again then (Linux's
 * lateeoi with the event channel's pending bit).
 *
 * Locking, outermost first: the file's bind_lock (binds and unbinds of
 * one file); a guest's evtchn lock; dom0_ports' xa_lock (a spinlock: the
 * ports, their states and their links with the guests' host ends); the
 * file's ring_lock. read_lock serialises readers with a ring's resize and
 * reset. A guest sending to domain 0 takes only the two spinlocks, which
 * no one holds across anything userspace controls; domain 0 takes a
 * guest's lock killably, and only to bind: it lets go of a guest's port
 * without it (the host end is marked closed and the guest's port counts
 * as waiting for domain 0 again, xen_evtchn_waits_for_dom0).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>
#include <xen/evtchn.h>

#include "alloc.h"
#include "domain.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

/* Domain 0's ports: a 2-level dom0's 4096, port 0 never valid. */
#define XEN_DOM0_PORTS		4096
/* Linux's UNRESTRICTED_DOMID. */
#define DOM0_UNRESTRICTED	((u16)-1)
/* A new file's ring; it doubles so each bound port always has a slot. */
#define DOM0_RING_MIN		64

enum dom0_port_state {
	DOM0_NEW,		/* numbered, not yet bound: invisible */
	DOM0_UNBOUND,		/* waits for @remote_dom to bind it */
	DOM0_INTERDOMAIN,	/* bound to a guest's port (@h) */
	DOM0_VIRQ,
	DOM0_LOCAL,		/* bound to another port of domain 0 (@peer) */
};

struct dom0_file;

/*
 * struct dom0_port - one port of domain 0 (under dom0_ports' lock, but
 * @node, which the file's bind_lock guards).
 *
 * @enabled: it may fire (Linux's unmasked); @pending: it fired while not.
 * @remote_dom: UNBOUND, INTERDOMAIN: the guest (who may bind it / who did);
 *            0 for a port of domain 0's own (loopback, as xenstored binds
 *            the host's xenbus port, /proc/xen/xsd_port).
 */
struct dom0_port {
	struct list_head node;
	struct dom0_file *f;
	struct xen_evtchn_host *h;
	struct dom0_port *peer;
	u32 port;
	u32 virq;
	u16 remote_dom;
	u8 state;
	bool enabled, pending;
};

/*
 * struct dom0_file - one open /dev/xen/evtchn.
 *
 * The ring holds the ports that fired, free-running indexes: the producer
 * (ring_lock) writes at @prod while room is left, the reader (read_lock)
 * copies from @cons and moves it on once copied, as Linux's driver does.
 */
struct dom0_file {
	struct mutex bind_lock;
	struct list_head ports;
	unsigned int nr_ports;
	u16 restrict_domid;

	spinlock_t ring_lock;
	struct mutex read_lock;
	u32 *ring;
	unsigned int ring_size;
	unsigned int cons, prod;
	bool overflow;
	wait_queue_head_t wait;
	struct fasync_struct *fasync;
};

static DEFINE_XARRAY_ALLOC1(dom0_ports);
/* The VIRQs domain 0 bound (all on its vCPU 0): their ports. */
static struct dom0_port *dom0_virq[NR_VIRQS];

/* ---- the ring ---- */

static void dom0_ring_push(struct dom0_file *f, u32 port)
{
	unsigned int prod, cons;

	spin_lock(&f->ring_lock);
	prod = f->prod;
	cons = READ_ONCE(f->cons);
	if (prod - cons < f->ring_size) {
		f->ring[prod & (f->ring_size - 1)] = port;
		/* The slot before the index that shows it. */
		smp_wmb();
		WRITE_ONCE(f->prod, prod + 1);
		if (cons == prod) {
			wake_up_interruptible(&f->wait);
			kill_fasync(&f->fasync, SIGIO, POLL_IN);
		}
	} else {
		WRITE_ONCE(f->overflow, true);
		wake_up_interruptible(&f->wait);
	}
	spin_unlock(&f->ring_lock);
}

/* Room for @nr ports (bind_lock held). */
static int dom0_ring_grow(struct dom0_file *f, unsigned int nr)
{
	unsigned int size, i;
	u32 *ring, *old;

	if (nr <= f->ring_size)
		return 0;
	size = f->ring_size ? f->ring_size * 2 : DOM0_RING_MIN;
	ring = domino_kzalloc(size * sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return -ENOMEM;
	/* A reader may sit in copy_to_user on a stalled buffer: killable. */
	if (mutex_lock_killable(&f->read_lock)) {
		domino_kfree(ring);
		return -EINTR;
	}
	spin_lock(&f->ring_lock);
	for (i = f->cons; i != f->prod; i++)
		ring[i & (size - 1)] = f->ring[i & (f->ring_size - 1)];
	old = f->ring;
	f->ring = ring;
	f->ring_size = size;
	spin_unlock(&f->ring_lock);
	mutex_unlock(&f->read_lock);
	domino_kfree(old);
	return 0;
}

/* @dp fires (dom0_ports' lock held): into its file's ring, or pending. */
static void dom0_port_fire(struct dom0_port *dp)
{
	if (!dp->enabled) {
		dp->pending = true;
		return;
	}
	dp->enabled = false;
	dom0_ring_push(dp->f, dp->port);
}

/* ---- the guest's side: the host end's ops ---- */

static void dom0_host_notify(struct xen_evtchn_host *h)
{
	xa_lock(&dom0_ports);
	if (h->priv)
		dom0_port_fire(h->priv);
	xa_unlock(&dom0_ports);
}

/* The guest closed its port or is going: ours stays, unbound, as on Xen. */
static void dom0_host_release(struct xen_evtchn_host *h)
{
	struct dom0_port *dp;

	xa_lock(&dom0_ports);
	dp = h->priv;
	if (dp) {
		WRITE_ONCE(h->priv, NULL);
		dp->h = NULL;
		dp->state = DOM0_UNBOUND;
	}
	xa_unlock(&dom0_ports);
}

static bool dom0_host_closed(const struct xen_evtchn_host *h)
{
	return !READ_ONCE(h->priv);
}

const struct xen_evtchn_host_ops xen_dom0_host_ops = {
	.notify		= dom0_host_notify,
	.release	= dom0_host_release,
	.closed		= dom0_host_closed,
};

/* Both locks held: @dp and the guest's port @e become a pair through @h. */
static void dom0_link(struct dom0_port *dp, struct xen_evtchn_host *h,
		      struct xen_evtchn *e)
{
	dp->h = h;
	dp->state = DOM0_INTERDOMAIN;
	dp->remote_dom = h->d->domid;
	WRITE_ONCE(h->priv, dp);
	e->state = XEN_ECS_HOST;
	e->host = h;
	e->remote_dom = 0;
	e->remote_port = dp->port;
}

long xen_dom0_bind_guest(struct xen_evtchn_host *h, struct xen_evtchn *e,
			 u32 dom0_port)
{
	struct dom0_port *dp;
	long r = -EINVAL;

	xa_lock(&dom0_ports);
	dp = dom0_port < XEN_DOM0_PORTS ? xa_load(&dom0_ports, dom0_port) : NULL;
	if (dp && dp->state == DOM0_UNBOUND && dp->remote_dom == h->d->domid) {
		dom0_link(dp, h, e);
		r = 0;
	}
	xa_unlock(&dom0_ports);
	return r;
}

void domino_xen_dom_exc(void)
{
	xa_lock(&dom0_ports);
	if (dom0_virq[VIRQ_DOM_EXC])
		dom0_port_fire(dom0_virq[VIRQ_DOM_EXC]);
	xa_unlock(&dom0_ports);
}

/* ---- domain 0's ports ---- */

/* A port numbered for @f, not yet bound (bind_lock held). */
static struct dom0_port *dom0_port_new(struct dom0_file *f)
{
	struct dom0_port *dp;
	int r;

	r = dom0_ring_grow(f, f->nr_ports + 1);
	if (r)
		return ERR_PTR(r);
	dp = domino_kzalloc(sizeof(*dp), GFP_KERNEL_ACCOUNT);
	if (!dp)
		return ERR_PTR(-ENOMEM);
	dp->f = f;
	dp->state = DOM0_NEW;
	dp->enabled = true;
	r = xa_alloc(&dom0_ports, &dp->port, dp, XA_LIMIT(1, XEN_DOM0_PORTS - 1),
		     GFP_KERNEL_ACCOUNT);
	if (r) {
		domino_kfree(dp);
		return ERR_PTR(r == -EBUSY ? -ENOSPC : r);
	}
	return dp;
}

/* The bind worked: @f holds @dp; its number is the ioctl's answer. */
static long dom0_port_add(struct dom0_file *f, struct dom0_port *dp)
{
	list_add_tail(&dp->node, &f->ports);
	f->nr_ports++;
	return dp->port;
}

/* A port that never got bound. */
static void dom0_port_discard(struct dom0_port *dp)
{
	xa_erase(&dom0_ports, dp->port);
	domino_kfree(dp);
}

/*
 * Close @dp (bind_lock held). A guest's port bound to it is let go
 * without the guest's lock: its host end is marked closed, the guest's
 * port waits for domain 0 again, and the end goes with that port.
 */
static void dom0_port_close(struct dom0_file *f, struct dom0_port *dp)
{
	xa_lock(&dom0_ports);
	if (dp->h) {
		WRITE_ONCE(dp->h->priv, NULL);
		dp->h = NULL;
	}
	if (dp->state == DOM0_VIRQ && dom0_virq[dp->virq] == dp)
		dom0_virq[dp->virq] = NULL;
	if (dp->peer) {
		/* Its other end waits for domain 0 again, as a guest's would. */
		dp->peer->peer = NULL;
		dp->peer->state = DOM0_UNBOUND;
		dp->peer = NULL;
	}
	__xa_erase(&dom0_ports, dp->port);
	xa_unlock(&dom0_ports);
	list_del(&dp->node);
	f->nr_ports--;
	domino_kfree(dp);
}

/* @f's port @port, or NULL (bind_lock held: it stays). */
static struct dom0_port *dom0_file_port(struct dom0_file *f, u32 port)
{
	struct dom0_port *dp;

	if (port >= XEN_DOM0_PORTS)
		return NULL;
	xa_lock(&dom0_ports);
	dp = xa_load(&dom0_ports, port);
	if (dp && (dp->f != f || dp->state == DOM0_NEW))
		dp = NULL;
	xa_unlock(&dom0_ports);
	return dp;
}

static long dom0_bind_virq(struct dom0_file *f, u32 virq)
{
	struct dom0_port *dp;
	long r = 0;

	/* Domino raises no other VIRQ for domain 0. */
	if (virq != VIRQ_DOM_EXC)
		return -EINVAL;
	dp = dom0_port_new(f);
	if (IS_ERR(dp))
		return PTR_ERR(dp);
	xa_lock(&dom0_ports);
	if (dom0_virq[virq]) {
		r = -EEXIST;	/* Xen's: one port per VIRQ and vCPU */
	} else {
		dp->state = DOM0_VIRQ;
		dp->virq = virq;
		dom0_virq[virq] = dp;
	}
	xa_unlock(&dom0_ports);
	if (r) {
		dom0_port_discard(dp);
		return r;
	}
	return dom0_port_add(f, dp);
}

static long dom0_bind_unbound(struct dom0_file *f, u32 remote_dom)
{
	struct dom0_port *dp;

	/*
	 * As Xen, the domain need not exist yet; domain 0 itself is allowed
	 * (a loopback pair, as a dom0 kernel's xenbus port for xenstored);
	 * the reserved ids are refused.
	 */
	if (remote_dom > DOMINO_DOMID_MAX)
		return -EINVAL;
	dp = dom0_port_new(f);
	if (IS_ERR(dp))
		return PTR_ERR(dp);
	xa_lock(&dom0_ports);
	dp->state = DOM0_UNBOUND;
	dp->remote_dom = remote_dom;
	xa_unlock(&dom0_ports);
	return dom0_port_add(f, dp);
}

/*
 * Bind to domain 0's own port @remote_port, left unbound for domain 0
 * (BIND_UNBOUND_PORT with remote domain 0, or the host's xenbus port): a
 * loopback pair, each end's notify firing the other.
 */
static long dom0_bind_local(struct dom0_file *f, u32 remote_port)
{
	struct dom0_port *dp, *peer;
	long r = -EINVAL;

	dp = dom0_port_new(f);
	if (IS_ERR(dp))
		return PTR_ERR(dp);
	xa_lock(&dom0_ports);
	peer = remote_port && remote_port < XEN_DOM0_PORTS ?
	       xa_load(&dom0_ports, remote_port) : NULL;
	if (peer && peer->state == DOM0_UNBOUND && peer->remote_dom == 0) {
		peer->state = DOM0_LOCAL;
		peer->peer = dp;
		dp->state = DOM0_LOCAL;
		dp->peer = peer;
		/* As for a guest's port: the binder's new port starts pending. */
		dom0_port_fire(dp);
		r = 0;
	}
	xa_unlock(&dom0_ports);
	if (r) {
		dom0_port_discard(dp);
		return r;
	}
	return dom0_port_add(f, dp);
}

static long dom0_bind_interdomain(struct dom0_file *f, u32 remote_dom, u32 remote_port)
{
	struct xen_evtchn_host *h, *old = NULL;
	struct xen_evtchn_domain *ed;
	struct domino_domain *d;
	struct dom0_port *dp;
	struct xen_evtchn *e;
	long r;

	if (remote_dom == 0)
		return dom0_bind_local(f, remote_port);
	d = remote_dom <= DOMINO_DOMID_MAX ? domino_domain_find(remote_dom) : NULL;
	if (!d)
		return -ESRCH;
	r = -ESRCH;	/* a domain without Xen has no event channels */
	if (!d->xen)
		goto out;
	r = -ENOMEM;
	h = xen_evtchn_host_new(d, &xen_dom0_host_ops);
	if (!h)
		goto out;
	dp = dom0_port_new(f);
	if (IS_ERR(dp)) {
		r = PTR_ERR(dp);
		goto out_host;
	}
	ed = &d->xen->evtchn;
	/* The guest's VMM may stall its lock: we may at least be killed. */
	if (mutex_lock_killable(&ed->lock)) {
		r = -EINTR;
		goto out_port;
	}
	e = xen_evtchn_port(ed, remote_port);
	if (!e || !remote_port || !xen_evtchn_waits_for_dom0(e)) {
		r = -EINVAL;
	} else {
		if (e->state == XEN_ECS_HOST)
			old = e->host;	/* closed by domain 0 before */
		h->port = remote_port;
		xa_lock(&dom0_ports);
		dom0_link(dp, h, e);
		/*
		 * Xen sets the binder's new port pending: notifications sent
		 * while the guest's port was unbound are not lost.
		 */
		dom0_port_fire(dp);
		xa_unlock(&dom0_ports);
		h = NULL;
		r = 0;
	}
	mutex_unlock(&ed->lock);
	if (!r)
		r = dom0_port_add(f, dp);
out_port:
	if (r < 0)
		dom0_port_discard(dp);
out_host:
	xen_evtchn_host_free(h);
	xen_evtchn_host_free(old);
out:
	domino_domain_put(d);
	return r;
}

/*
 * EVTCHNOP_status naming domain 0, from domain 0's own tools (privcmd):
 * what Xen reports of a dom0 port. Every port below XEN_DOM0_PORTS is
 * valid (free ones, and 0, read closed); past them -EINVAL, where
 * lsevtchn's walk ends.
 */
long xen_dom0_evtchn_status(struct evtchn_status *s)
{
	struct dom0_port *dp;

	if (s->port >= XEN_DOM0_PORTS)
		return -EINVAL;
	memset(&s->u, 0, sizeof(s->u));
	s->vcpu = 0;
	s->status = EVTCHNSTAT_closed;
	xa_lock(&dom0_ports);
	dp = xa_load(&dom0_ports, s->port);
	if (dp) {
		switch (dp->state) {
		case DOM0_UNBOUND:
			s->status = EVTCHNSTAT_unbound;
			s->u.unbound.dom = dp->remote_dom;
			break;
		case DOM0_INTERDOMAIN:
			s->status = EVTCHNSTAT_interdomain;
			s->u.interdomain.dom = dp->remote_dom;
			s->u.interdomain.port = dp->h ? dp->h->port : 0;
			break;
		case DOM0_LOCAL:
			s->status = EVTCHNSTAT_interdomain;
			s->u.interdomain.dom = 0;
			s->u.interdomain.port = dp->peer->port;
			break;
		case DOM0_VIRQ:
			s->status = EVTCHNSTAT_virq;
			s->u.virq = dp->virq;
			break;
		}
	}
	xa_unlock(&dom0_ports);
	return 0;
}

/* IOCTL_EVTCHN_NOTIFY: the guest's end, if bound, is raised. */
static long dom0_notify(struct dom0_file *f, u32 port)
{
	/* Our bind_lock keeps the port ours until the send is done. */
	if (!dom0_file_port(f, port))
		return -ENOTCONN;
	xen_dom0_port_send(port);
	return 0;
}

bool xen_dom0_port_open(u32 port)
{
	struct dom0_port *dp;
	bool open;

	if (port >= XEN_DOM0_PORTS)
		return false;
	xa_lock(&dom0_ports);
	dp = xa_load(&dom0_ports, port);
	open = dp && dp->state != DOM0_NEW;
	xa_unlock(&dom0_ports);
	return open;
}

void xen_dom0_port_send(u32 port)
{
	struct domino_domain *d = NULL;
	struct dom0_port *dp;
	u32 gport = 0;

	if (port >= XEN_DOM0_PORTS)
		return;
	xa_lock(&dom0_ports);
	dp = xa_load(&dom0_ports, port);
	/* A loopback pair's other end fires. */
	if (dp && dp->peer)
		dom0_port_fire(dp->peer);
	/* A domain on its way out still has its ends until they are freed. */
	if (dp && dp->h && kref_get_unless_zero(&dp->h->d->ref)) {
		d = dp->h->d;
		gport = dp->h->port;
	}
	xa_unlock(&dom0_ports);
	/* Unbound or VIRQ: nothing to raise (Xen drops it; Linux says 0). */
	if (d) {
		xen_evtchn_raise(d, gport);
		domino_domain_put(d);
	}
}

static void dom0_reset(struct dom0_file *f)
{
	mutex_lock(&f->read_lock);
	spin_lock(&f->ring_lock);
	WRITE_ONCE(f->cons, 0);
	WRITE_ONCE(f->prod, 0);
	WRITE_ONCE(f->overflow, false);
	spin_unlock(&f->ring_lock);
	mutex_unlock(&f->read_lock);
}

/* Linux's order of checks and answers, command by command. */
static long dom0_evtchn_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct dom0_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct ioctl_evtchn_bind_virq virq;
		struct ioctl_evtchn_bind_interdomain interdomain;
		struct ioctl_evtchn_bind_unbound_port unbound;
		struct ioctl_evtchn_unbind unbind;
		struct ioctl_evtchn_notify notify;
		struct ioctl_evtchn_restrict_domid restrict_domid;
	} u;
	bool restricted;
	struct dom0_port *dp;
	long r;

	if (mutex_lock_killable(&f->bind_lock))
		return -EINTR;
	restricted = f->restrict_domid != DOM0_UNRESTRICTED;
	switch (cmd) {
	case IOCTL_EVTCHN_BIND_VIRQ:
		r = -EACCES;
		if (restricted)
			break;
		r = -EFAULT;
		if (copy_from_user(&u.virq, uarg, sizeof(u.virq)))
			break;
		r = dom0_bind_virq(f, u.virq.virq);
		break;
	case IOCTL_EVTCHN_BIND_INTERDOMAIN:
		r = -EFAULT;
		if (copy_from_user(&u.interdomain, uarg, sizeof(u.interdomain)))
			break;
		r = -EACCES;
		if (restricted && f->restrict_domid != u.interdomain.remote_domain)
			break;
		r = dom0_bind_interdomain(f, u.interdomain.remote_domain,
					  u.interdomain.remote_port);
		break;
	case IOCTL_EVTCHN_BIND_UNBOUND_PORT:
		r = -EACCES;
		if (restricted)
			break;
		r = -EFAULT;
		if (copy_from_user(&u.unbound, uarg, sizeof(u.unbound)))
			break;
		r = dom0_bind_unbound(f, u.unbound.remote_domain);
		break;
	case IOCTL_EVTCHN_UNBIND:
		r = -EFAULT;
		if (copy_from_user(&u.unbind, uarg, sizeof(u.unbind)))
			break;
		r = -EINVAL;
		if (u.unbind.port >= XEN_DOM0_PORTS)
			break;
		r = -ENOTCONN;
		dp = dom0_file_port(f, u.unbind.port);
		if (!dp)
			break;
		dom0_port_close(f, dp);
		r = 0;
		break;
	case IOCTL_EVTCHN_NOTIFY:
		r = -EFAULT;
		if (copy_from_user(&u.notify, uarg, sizeof(u.notify)))
			break;
		r = dom0_notify(f, u.notify.port);
		break;
	case IOCTL_EVTCHN_RESET:
		dom0_reset(f);
		r = 0;
		break;
	case IOCTL_EVTCHN_RESTRICT_DOMID:
		r = -EACCES;
		if (restricted)
			break;
		r = -EFAULT;
		if (copy_from_user(&u.restrict_domid, uarg, sizeof(u.restrict_domid)))
			break;
		r = -EINVAL;
		if (u.restrict_domid.domid == 0 || u.restrict_domid.domid >= DOMID_FIRST_RESERVED)
			break;
		f->restrict_domid = u.restrict_domid.domid;
		r = 0;
		break;
	default:
		/* Linux 6.1's answer, IOCTL_EVTCHN_BIND_STATIC included. */
		r = -ENOSYS;
		break;
	}
	mutex_unlock(&f->bind_lock);
	return r;
}

/* Ports that fired, 4 bytes each; at most a page at a time (Linux's). */
static ssize_t dom0_evtchn_read(struct file *file, char __user *buf, size_t count,
				loff_t *ppos)
{
	struct dom0_file *f = file->private_data;
	unsigned int c, p, n, first, mask;
	ssize_t r;

	count &= ~(sizeof(u32) - 1);
	if (!count)
		return 0;
	count = min_t(size_t, count, PAGE_SIZE);
	for (;;) {
		if (mutex_lock_interruptible(&f->read_lock))
			return -ERESTARTSYS;
		r = -EFBIG;
		if (READ_ONCE(f->overflow))
			goto unlock;
		c = f->cons;
		p = READ_ONCE(f->prod);
		if (c != p)
			break;
		mutex_unlock(&f->read_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		r = wait_event_interruptible(f->wait,
					     READ_ONCE(f->cons) != READ_ONCE(f->prod) ||
					     READ_ONCE(f->overflow));
		if (r)
			return r;
	}
	n = min_t(unsigned int, p - c, count / sizeof(u32));
	mask = f->ring_size - 1;
	first = min(n, f->ring_size - (c & mask));
	/* The index before the slots it shows. */
	smp_rmb();
	r = -EFAULT;
	if (copy_to_user(buf, f->ring + (c & mask), first * sizeof(u32)) ||
	    copy_to_user(buf + first * sizeof(u32), f->ring, (n - first) * sizeof(u32)))
		goto unlock;
	WRITE_ONCE(f->cons, c + n);
	r = n * sizeof(u32);
unlock:
	mutex_unlock(&f->read_lock);
	return r;
}

/* Unmask the ports written (the file's own; others are ignored, as Linux). */
static ssize_t dom0_evtchn_write(struct file *file, const char __user *buf, size_t count,
				 loff_t *ppos)
{
	struct dom0_file *f = file->private_data;
	u32 ports[64];
	size_t done, n, i;

	count &= ~(sizeof(u32) - 1);
	count = min_t(size_t, count, PAGE_SIZE);
	for (done = 0; done < count; done += n * sizeof(u32)) {
		n = min_t(size_t, (count - done) / sizeof(u32), ARRAY_SIZE(ports));
		if (copy_from_user(ports, buf + done, n * sizeof(u32)))
			return done ? done : -EFAULT;
		xa_lock(&dom0_ports);
		for (i = 0; i < n; i++) {
			struct dom0_port *dp;

			if (ports[i] >= XEN_DOM0_PORTS)
				continue;
			dp = xa_load(&dom0_ports, ports[i]);
			if (!dp || dp->f != f || dp->state == DOM0_NEW || dp->enabled)
				continue;
			dp->enabled = true;
			if (dp->pending) {
				dp->pending = false;
				dom0_port_fire(dp);
			}
		}
		xa_unlock(&dom0_ports);
	}
	return count;
}

static __poll_t dom0_evtchn_poll(struct file *file, poll_table *pt)
{
	struct dom0_file *f = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &f->wait, pt);
	if (READ_ONCE(f->cons) != READ_ONCE(f->prod))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(f->overflow))
		mask = EPOLLERR;
	return mask;
}

static int dom0_evtchn_fasync(int fd, struct file *file, int on)
{
	struct dom0_file *f = file->private_data;

	return fasync_helper(fd, file, on, &f->fasync);
}

static void dom0_file_init(struct dom0_file *f)
{
	mutex_init(&f->bind_lock);
	INIT_LIST_HEAD(&f->ports);
	f->restrict_domid = DOM0_UNRESTRICTED;
	spin_lock_init(&f->ring_lock);
	mutex_init(&f->read_lock);
	init_waitqueue_head(&f->wait);
}

static void dom0_file_close_all(struct dom0_file *f)
{
	struct dom0_port *dp, *tmp;

	mutex_lock(&f->bind_lock);
	list_for_each_entry_safe(dp, tmp, &f->ports, node)
		dom0_port_close(f, dp);
	mutex_unlock(&f->bind_lock);
	domino_kfree(f->ring);
	f->ring = NULL;
}

static int dom0_evtchn_open(struct inode *inode, struct file *file)
{
	struct dom0_file *f = domino_kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	dom0_file_init(f);
	file->private_data = f;
	return stream_open(inode, file);
}

static int dom0_evtchn_release(struct inode *inode, struct file *file)
{
	struct dom0_file *f = file->private_data;

	dom0_file_close_all(f);
	domino_kfree(f);
	return 0;
}

static const struct file_operations dom0_evtchn_fops = {
	.owner		= THIS_MODULE,
	.open		= dom0_evtchn_open,
	.release	= dom0_evtchn_release,
	.read		= dom0_evtchn_read,
	.write		= dom0_evtchn_write,
	.poll		= dom0_evtchn_poll,
	.fasync		= dom0_evtchn_fasync,
	.unlocked_ioctl	= dom0_evtchn_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

/* Root's, as Linux's: docs/uapi.md says who may open what. */
static struct miscdevice dom0_evtchn_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xen/evtchn",
	.fops	= &dom0_evtchn_fops,
	.mode	= 0600,
};

static bool dom0_evtchn_registered;

/*
 * The host's xenbus end: what a Xen dom0 kernel allocates for its own
 * xenstore connection (xenstored_local_init) and shows as
 * /proc/xen/xsd_port. Xenstored binds it when it starts (dom0_init) and
 * serves domain 0's ring (/proc/xen/xsd_kva) through it; nothing in the
 * module talks on that ring, which keeps xenstored's dom0 bookkeeping as
 * on Xen. Its events land in this file's ring, read by nobody: a port
 * fires once until unmasked, so that costs one slot.
 */
static struct dom0_file dom0_xenbus_file;
static u32 dom0_xenbus_port;

u32 domino_xen_xenbus_port(void)
{
	return dom0_xenbus_port;
}

void domino_xen_dev_init(void)
{
	int r = misc_register(&dom0_evtchn_dev);
	long port;

	/* Linux's own driver (a real Xen dom0) keeps the name: we do without. */
	if (r)
		pr_warn("/dev/xen/evtchn not registered (%d); Domino's guests have no domain 0 ports\n",
			r);
	dom0_evtchn_registered = !r;

	dom0_file_init(&dom0_xenbus_file);
	mutex_lock(&dom0_xenbus_file.bind_lock);
	port = dom0_bind_unbound(&dom0_xenbus_file, 0);
	mutex_unlock(&dom0_xenbus_file.bind_lock);
	if (port < 0)
		pr_warn("no xenbus port for domain 0 (%ld): xenstored cannot start\n", port);
	dom0_xenbus_port = port > 0 ? port : 0;
}

void domino_xen_dev_exit(void)
{
	if (dom0_evtchn_registered)
		misc_deregister(&dom0_evtchn_dev);
	dom0_file_close_all(&dom0_xenbus_file);
	WARN_ON(!xa_empty(&dom0_ports));
}
