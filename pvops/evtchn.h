/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: Xen event channels. A domain's ports live in the module
 * (struct xen_evtchn); their pending and mask state lives where the guest
 * reads it, in its shared_info (2-level) or its event array (FIFO). The
 * port ABI is a table of operations (struct xen_evtchn_port_ops), as in
 * Xen's evtchn_port_ops: evtchn_2l.c and evtchn_fifo.c.
 *
 * Guest memory is written only from a thread of the domain's own VMM
 * (the accessors need its mm). A sender elsewhere (a timer, another
 * domain, a host endpoint) marks the port in the domain's delivery
 * bitmap and kicks a vCPU, which sets the port pending on its next way
 * into the guest (xen_evtchn_deliver_queued).
 *
 * Locking: xen_evtchn_domain.lock (a mutex: guest memory may fault)
 * guards the ports and the ABI's queues. Taken inside domino_xen.lock
 * where both are held, never the other way round.
 */
#ifndef DOMINO_PVOPS_EVTCHN_H
#define DOMINO_PVOPS_EVTCHN_H

#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <xen/interface/event_channel.h>

struct domino_domain;
struct domino_vcpu;
struct eventfd_ctx;
struct xen_call;
struct xen_evtchn_domain;

/* Ports are kept in buckets of this many, allocated as they are first used. */
#define XEN_EVTCHN_BUCKET	64
#define XEN_EVTCHN_MAX_PORTS	EVTCHN_FIFO_NR_CHANNELS
#define XEN_EVTCHN_BUCKETS	(XEN_EVTCHN_MAX_PORTS / XEN_EVTCHN_BUCKET)
/*
 * Ports a domain may have open: xl's default max_event_channels (1023),
 * so a guest cannot make the module keep 2^17 of them.
 */
#define XEN_EVTCHN_DOMAIN_PORTS	1024

enum xen_evtchn_state {
	XEN_ECS_FREE,
	XEN_ECS_RESERVED,	/* port 0: never valid (Xen's) */
	XEN_ECS_UNBOUND,	/* alloc_unbound: waits for remote_dom */
	XEN_ECS_INTERDOMAIN,
	XEN_ECS_VIRQ,
	XEN_ECS_IPI,
	XEN_ECS_HOST,		/* interdomain with the host (pvops/evtchn_host.c) */
};

struct xen_evtchn_host;

/*
 * struct xen_evtchn - one port of a domain.
 *
 * @vcpu:        the vCPU it notifies (bind_vcpu moves it).
 * @priority:    FIFO's queue (EVTCHN_FIFO_PRIORITY_*).
 * @remote_dom:  UNBOUND: who may bind it; INTERDOMAIN: the peer.
 * @remote_port: INTERDOMAIN: the peer's port; HOST: domain 0's port
 *               (/dev/xen/evtchn), 0 for the VMM's eventfds.
 * @virq:        VIRQ: which.
 * @fifo_q_vcpu, @fifo_q_prio: FIFO: the queue it was last linked on.
 * @fifo_pending: FIFO: raised while its event word had no page yet; set
 *               pending when the guest adds that page (Xen's).
 */
struct xen_evtchn {
	u8 state;
	u8 priority;
	u8 fifo_q_prio;
	u16 remote_dom;
	u32 vcpu;
	u32 remote_port;
	u32 virq;
	u32 fifo_q_vcpu;
	bool fifo_pending;
	struct xen_evtchn_host *host;	/* HOST: the host's end */
};

/*
 * struct xen_evtchn_port_ops - one port ABI (2-level or FIFO).
 *
 * @max_ports:   ports the ABI can name in this domain now.
 * @set_pending: make @port pending and, unless masked, notify its vCPU.
 * @clear_pending, @unmask, @is_pending, @is_masked: the port's bits.
 * @reset:       forget the ABI's guest structures (EVTCHNOP_reset).
 * Each runs under xen_evtchn_domain.lock, from the domain's own threads;
 * a guest word that is not RAM any more makes the port dead, not an error.
 */
struct xen_evtchn_port_ops {
	unsigned int (*max_ports)(struct domino_domain *d);
	void (*set_pending)(struct domino_domain *d, u32 port, struct xen_evtchn *e);
	void (*clear_pending)(struct domino_domain *d, u32 port);
	void (*unmask)(struct domino_domain *d, u32 port, struct xen_evtchn *e);
	bool (*is_pending)(struct domino_domain *d, u32 port);
	bool (*is_masked)(struct domino_domain *d, u32 port);
	void (*reset)(struct domino_domain *d);
};

extern const struct xen_evtchn_port_ops xen_evtchn_2l_ops;
extern const struct xen_evtchn_port_ops xen_evtchn_fifo_ops;

/* pvops/evtchn_fifo.c: per-domain FIFO state, NULL until init_control. */
struct xen_evtchn_fifo;
/* EVTCHNOP_init_control, expand_array, set_priority (@u: the argument). */
long xen_evtchn_fifo_op(struct xen_call *c, u64 cmd, void *u);
void xen_evtchn_fifo_free(struct domino_domain *d);
void xen_evtchn_fifo_vcpu_free(struct domino_domain *d, u32 id);

/*
 * struct xen_evtchn_domain - the event channels of one domain.
 *
 * @ops:       the port ABI in use (2-level until init_control).
 * @buckets:   the ports, XEN_EVTCHN_BUCKET at a time.
 * @nr_ports:  ports below this may be allocated (the highest used + 1).
 * @deliver:   ports that a sender outside the domain's threads raised;
 *             set with atomic bit operations, drained by a vCPU.
 * @fifo:      FIFO's queues and event array, or NULL.
 * @no_fifo:   the domain was created with FIFO refused.
 */
struct xen_evtchn_domain {
	struct mutex lock;
	const struct xen_evtchn_port_ops *ops;
	struct xen_evtchn *buckets[XEN_EVTCHN_BUCKETS];
	u32 nr_ports;
	unsigned long *deliver;
	atomic_t deliver_queued;
	struct xen_evtchn_fifo *fifo;
	bool no_fifo;
};

int xen_evtchn_domain_init(struct domino_domain *d);
void xen_evtchn_domain_free(struct domino_domain *d);

/* A free port, its bucket allocated (lock held); -ENOSPC when none. */
int evtchn_alloc_port(struct domino_domain *d, u32 *portp);

/*
 * pvops/evtchn_host.c: the host's end of a guest's port (XEN_ECS_HOST),
 * owned by that port: made when the host binds it, freed when the port is
 * closed or unbound or the domain goes. Two kinds share it: the VMM's
 * eventfds (DOMINO_XEN_EVTCHN_BIND) and a /dev/xen/evtchn port of domain
 * 0 (pvops/dev_evtchn.c).
 *
 * @notify:  the guest sent; under the guest's evtchn lock, so it must not
 *           sleep nor wait for anything the host's userspace can hold.
 * @release: the guest's end is going (no lock held); @h is freed after.
 * @closed:  the host's side let go first: the guest's port waits for
 *           domain 0 again, as if unbound (NULL: never).
 */
struct xen_evtchn_host_ops {
	void (*notify)(struct xen_evtchn_host *h);
	void (*release)(struct xen_evtchn_host *h);
	bool (*closed)(const struct xen_evtchn_host *h);
};

/*
 * struct xen_evtchn_host - the host's end.
 *
 * @d, @port: the guest's domain and port (@d outlives @h).
 * @priv:     the kind's own (dev_evtchn.c: its domain 0 port, under its
 *            lock).
 * The rest: the eventfds and the raise work of the VMM's kind.
 */
struct xen_evtchn_host {
	const struct xen_evtchn_host_ops *ops;
	struct domino_domain *d;
	u32 port;
	void *priv;
	struct eventfd_ctx *raise, *notify;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct work;
};

struct xen_evtchn_host *xen_evtchn_host_new(struct domino_domain *d,
					    const struct xen_evtchn_host_ops *ops);
void xen_evtchn_host_free(struct xen_evtchn_host *h);
void xen_evtchn_host_notify(struct xen_evtchn_host *h);
/* Whether @e waits for domain 0 to bind it (lock held). */
bool xen_evtchn_waits_for_dom0(const struct xen_evtchn *e);
/* A new port of @d's, unbound for @remote_dom (checked by the caller). */
long xen_evtchn_alloc_unbound(struct domino_domain *d, u16 remote_dom, u32 *port);

/*
 * pvops/dev_evtchn.c: domain 0's ports (/dev/xen/evtchn). The guest binds
 * one that waits for it (EVTCHNOP_bind_interdomain naming domain 0): @h
 * becomes @e's host end (port @h->port, its lock held), or -EINVAL.
 */
long xen_dom0_bind_guest(struct xen_evtchn_host *h, struct xen_evtchn *e,
			 u32 dom0_port);
extern const struct xen_evtchn_host_ops xen_dom0_host_ops;
/* EVTCHNOP_status of domain 0's own port s->port (pvops/dev_evtchn.c). */
long xen_dom0_evtchn_status(struct evtchn_status *s);

/*
 * Domain 0's @port from outside /dev/xen/evtchn (dev_gntdev.c's unmap
 * notification): whether some file has it open, and raise the end it is
 * bound to now, if any: a guest's port, or domain 0's other port of a
 * loopback pair (process context, no lock held).
 */
bool xen_dom0_port_open(u32 port);
void xen_dom0_port_send(u32 port);

/* The port's entry (lock held), or NULL for a port never allocated. */
struct xen_evtchn *xen_evtchn_port(struct xen_evtchn_domain *ed, u32 port);

/*
 * Raise @port of @d from anywhere in the module (process context, a
 * reference on @d held): at once when called from one of @d's threads,
 * else through the delivery bitmap and a kick, without @d's lock.
 */
void xen_evtchn_raise(struct domino_domain *d, u32 port);
/* Drain the delivery bitmap (a thread of @d, lock not held). */
void xen_evtchn_deliver_queued(struct domino_domain *d);
/* VIRQ @virq of vCPU @id fires (its port, if bound). */
void xen_evtchn_send_virq(struct domino_domain *d, u32 id, u32 virq);
/* Whether @port is pending (SCHEDOP_poll), -EINVAL for a bad port. */
int xen_evtchn_port_pending(struct domino_domain *d, u32 port);

/* EVTCHNOP_status of @d's port s->port, whoever asks (domain 0 may). */
long xen_evtchn_status(struct domino_domain *d, struct evtchn_status *s);
long xen_event_channel_op(struct xen_call *c);

/*
 * Set vCPU @id's upcall pending in its vcpu_info and get the vCPU to take
 * it: through its upcall vector (LAPIC) or the domain's callback vector.
 */
void xen_vcpu_mark_events_pending(struct domino_domain *d, u32 id);
/* Deliver again an upcall already pending in vCPU @id's vcpu_info. */
void xen_vcpu_upcall_resend(struct domino_domain *d, u32 id);
/* Where vCPU @id's vcpu_info is, or XEN_NO_GPA. */
u64 xen_vcpu_info_gpa(struct domino_domain *d, u32 id);

/*
 * Atomic bit operations on guest RAM (the guest's 64-bit locked ops):
 * the old bit, or -EFAULT, or -EAGAIN when the guest changed the word
 * under every one of XEN_GUEST_CMPXCHG_TRIES compare-and-exchanges.
 */
#define XEN_GUEST_CMPXCHG_TRIES	32
int xen_guest_test_and_set_bit(struct domino_domain *d, u64 gpa, unsigned int bit);
int xen_guest_test_and_clear_bit(struct domino_domain *d, u64 gpa, unsigned int bit);
int xen_guest_test_bit(struct domino_domain *d, u64 gpa, unsigned int bit);

#endif /* DOMINO_PVOPS_EVTCHN_H */
