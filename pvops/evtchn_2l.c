// SPDX-License-Identifier: GPL-2.0
/*
 * The 2-level event channel ABI: a port's pending and mask bits are in
 * shared_info (evtchn_pending[], evtchn_mask[]), and a vCPU learns which
 * word to look at from evtchn_pending_sel in its vcpu_info. 64-bit
 * guests have 64 * 64 ports. The guest changes these words with locked
 * instructions; so does Domino (xen_guest_test_and_*_bit).
 */
#include <linux/kernel.h>
#include <xen/interface/xen.h>

#include "domain.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

#define XEN_2L_PORTS	(64 * 64)

static u64 shinfo(struct domino_domain *d)
{
	return READ_ONCE(d->xen->shared_info_gpa);
}

#define PENDING(si)	((si) + offsetof(struct shared_info, evtchn_pending))
#define MASK(si)	((si) + offsetof(struct shared_info, evtchn_mask))

static unsigned int evtchn_2l_max_ports(struct domino_domain *d)
{
	return XEN_2L_PORTS;
}

/* The port's word is news for its vCPU: select it, and upcall on the edge. */
static void evtchn_2l_notify(struct domino_domain *d, u32 port, struct xen_evtchn *e)
{
	u64 vi = xen_vcpu_info_gpa(d, e->vcpu);

	if (vi == XEN_NO_GPA)
		return;
	if (xen_guest_test_and_set_bit(d, vi + offsetof(struct vcpu_info,
							evtchn_pending_sel),
				       port / 64) == 0)
		xen_vcpu_mark_events_pending(d, e->vcpu);
}

static void evtchn_2l_set_pending(struct domino_domain *d, u32 port,
				  struct xen_evtchn *e)
{
	u64 si = shinfo(d);

	if (si == XEN_NO_GPA || port >= XEN_2L_PORTS)
		return;
	if (xen_guest_test_and_set_bit(d, PENDING(si), port) != 0)
		return;
	if (xen_guest_test_bit(d, MASK(si), port) == 0)
		evtchn_2l_notify(d, port, e);
}

static void evtchn_2l_clear_pending(struct domino_domain *d, u32 port)
{
	u64 si = shinfo(d);

	if (si != XEN_NO_GPA && port < XEN_2L_PORTS)
		xen_guest_test_and_clear_bit(d, PENDING(si), port);
}

static void evtchn_2l_unmask(struct domino_domain *d, u32 port, struct xen_evtchn *e)
{
	u64 si = shinfo(d);

	if (si == XEN_NO_GPA || port >= XEN_2L_PORTS)
		return;
	/* Unmasked with an event waiting: it is delivered now (Xen's order). */
	if (xen_guest_test_and_clear_bit(d, MASK(si), port) == 1 &&
	    xen_guest_test_bit(d, PENDING(si), port) == 1)
		evtchn_2l_notify(d, port, e);
}

static bool evtchn_2l_is_pending(struct domino_domain *d, u32 port)
{
	u64 si = shinfo(d);

	return si != XEN_NO_GPA && port < XEN_2L_PORTS &&
	       xen_guest_test_bit(d, PENDING(si), port) == 1;
}

static bool evtchn_2l_is_masked(struct domino_domain *d, u32 port)
{
	u64 si = shinfo(d);

	/* A port the guest cannot see reads as masked, as nothing reaches it. */
	return si == XEN_NO_GPA || port >= XEN_2L_PORTS ||
	       xen_guest_test_bit(d, MASK(si), port) != 0;
}

static void evtchn_2l_reset(struct domino_domain *d)
{
}

const struct xen_evtchn_port_ops xen_evtchn_2l_ops = {
	.max_ports	= evtchn_2l_max_ports,
	.set_pending	= evtchn_2l_set_pending,
	.clear_pending	= evtchn_2l_clear_pending,
	.unmask		= evtchn_2l_unmask,
	.is_pending	= evtchn_2l_is_pending,
	.is_masked	= evtchn_2l_is_masked,
	.reset		= evtchn_2l_reset,
};
