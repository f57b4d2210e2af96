// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's own client of /dev/xen/evtchn, unchanged: Debian's libxenevtchn
 * (libxen-dev's libxenevtchn.a, linked in whole) against a tiny Xen
 * guest. xenevtchn_bind_interdomain to the guest's port left for domain
 * 0, xenevtchn_pending and xenevtchn_unmask for the guest's sends,
 * xenevtchn_notify to the guest, xenevtchn_bind_unbound_port that the
 * guest binds, xenevtchn_bind_virq(VIRQ_DOM_EXC) firing on the guest's
 * shutdown, xenevtchn_restrict, xenevtchn_unbind and xenevtchn_close.
 * Built without the library (no libxen-dev), it skips and says so.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define SCHEDOP_shutdown	2
#define VIRQ_DOM_EXC		3

#ifdef DOMINO_NO_LIBXEN
int main(void)
{
	ktap_print_header();
	/* The lab builds with make deps done: there, a missing library fails. */
	ktap_exit_missing("built without Debian's libxenevtchn (libxen-dev: make deps)");
}
#else
/*
 * libxenevtchn's API as its xenevtchn.h declares it: that header brings
 * Xen's public xen.h, whose structs the guest side defines its own way.
 */
typedef struct xenevtchn_handle xenevtchn_handle;
typedef int xenevtchn_port_or_error_t;
struct xentoollog_logger;

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags);
int xenevtchn_close(xenevtchn_handle *xce);
int xenevtchn_fd(xenevtchn_handle *xce);
int xenevtchn_notify(xenevtchn_handle *xce, uint32_t port);
xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid);
xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     uint32_t remote_port);
xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq);
int xenevtchn_unbind(xenevtchn_handle *xce, uint32_t port);
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce);
int xenevtchn_unmask(xenevtchn_handle *xce, uint32_t port);
int xenevtchn_restrict(xenevtchn_handle *xce, uint16_t domid);

/* Domain 0's unbound port for the guest, set before it runs on. */
static volatile uint64_t dom0_port;

static void guest_main(void)
{
	long q, g, r;

	xen_setup();
	q = alloc_unbound(DOMID_SELF, 0);
	GUEST_SYNC(q);
	/* 2: bound by domain 0: send; 3: domain 0's notify arrives. */
	GUEST_SYNC(port_op(EVTCHNOP_send, q));
	hlt_until(q);
	GUEST_SYNC(1);
	/* 4: bind domain 0's unbound port and send on it. */
	g = bind_interdomain(0, dom0_port);
	GUEST_SYNC2(g, g > 0 ? port_op(EVTCHNOP_send, g) : -1);
	/* 5: shut down. */
	r = 0;
	xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, (uintptr_t)&r);
	GUEST_SYNC(0);
}

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

/* The next pending port through the library, -1 if none within 5 s. */
static long next_pending(xenevtchn_handle *xce)
{
	struct pollfd p = { .fd = xenevtchn_fd(xce), .events = POLLIN };

	if (poll(&p, 1, 5000) != 1 || !(p.revents & POLLIN))
		return -1;
	return xenevtchn_pending(xce);
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	xenevtchn_handle *xce, *xr;
	long P, U, X, q, first;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	bool ok;

	ktap_print_header();
	if (access("/dev/xen/evtchn", F_OK))
		ktap_exit_missing("no /dev/xen/evtchn (domino.ko provides it)");
	ktap_set_plan(6);
	xce = xenevtchn_open(NULL, 0);
	TEST_ASSERT(xce, "xenevtchn_open");

	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);
	step(vcpu, &uc, "unbound for dom0");
	q = uc.args[0];

	/* 1: bind; the new port is pending at once, as on Xen. */
	P = xenevtchn_bind_interdomain(xce, vm->domid, q);
	first = next_pending(xce);
	ok = P > 0 && first == P && xenevtchn_unmask(xce, P) == 0;
	ktap_test_result(ok, "xenevtchn_bind_interdomain(%u, %ld): port %ld, pending at once (%ld), unmasked",
			 vm->domid, q, P, first);

	/* 2: the guest's send; 3: notify the guest. */
	step(vcpu, &uc, "send");
	first = next_pending(xce);
	ok = uc.args[0] == 0 && first == P && xenevtchn_unmask(xce, P) == 0;
	ktap_test_result(ok, "the guest's send: xenevtchn_pending returns %ld, xenevtchn_unmask re-arms it", first);
	ok = xenevtchn_notify(xce, P) == 0;
	step(vcpu, &uc, "notified");
	ktap_test_result(ok && uc.args[0] == 1, "xenevtchn_notify: the guest's HLT ends on its port");

	/* 4: an unbound port the guest binds; VIRQ_DOM_EXC. */
	U = xenevtchn_bind_unbound_port(xce, vm->domid);
	X = xenevtchn_bind_virq(xce, VIRQ_DOM_EXC);
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&dom0_port) = U;
	step(vcpu, &uc, "guest binds");
	first = next_pending(xce);
	ok = U > 0 && (int64_t)uc.args[0] > 0 && uc.args[1] == 0 && first == U &&
	     xenevtchn_unmask(xce, U) == 0;
	ktap_test_result(ok, "xenevtchn_bind_unbound_port: port %ld, which the guest binds naming domain 0; its send is pending (%ld)",
			 U, first);

	/* 5: the guest's shutdown, through VIRQ_DOM_EXC. */
	if (X < 0 && errno == EEXIST) {
		ktap_test_skip("VIRQ_DOM_EXC is bound by another process (xenstored?)");
		TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_XEN_SHUTDOWN, "shutdown exit");
	} else {
		TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_XEN_SHUTDOWN, "shutdown exit");
		first = next_pending(xce);
		ktap_test_result(X > 0 && first == X && xenevtchn_unmask(xce, X) == 0,
				 "xenevtchn_bind_virq(VIRQ_DOM_EXC): port %ld, pending after the guest's shutdown (%ld)",
				 X, first);
	}

	/* 6: restrict, unbind, close. */
	xr = xenevtchn_open(NULL, 0);
	TEST_ASSERT(xr, "second handle");
	ok = xenevtchn_restrict(xr, vm->domid + 1) == 0 &&
	     xenevtchn_bind_interdomain(xr, vm->domid, q) < 0 && errno == EACCES &&
	     xenevtchn_bind_unbound_port(xr, vm->domid + 1) < 0 && errno == EACCES &&
	     xenevtchn_unbind(xr, P) < 0 && errno == ENOTCONN &&
	     xenevtchn_unbind(xce, P) == 0 && xenevtchn_unbind(xce, P) < 0 && errno == ENOTCONN;
	xenevtchn_close(xr);
	xenevtchn_close(xce);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(ok && domino_counters_back(objs, pages),
			 "xenevtchn_restrict confines a handle (EACCES), xenevtchn_unbind (ENOTCONN twice), xenevtchn_close with ports bound; every allocation returned");
	ktap_finished();
}
#endif
