// SPDX-License-Identifier: GPL-2.0
/*
 * The host's end of a guest's event channel (DOMINO_XEN_EVTCHN_BIND):
 * a write to the raise eventfd, from this process or another that holds
 * it, reaches the guest as an event on its port; the guest's send makes
 * the notify eventfd readable; a port the guest left unbound for domain 0
 * can be bound; unbinding leaves the guest's port unbound for domain 0;
 * the toolstack's HVM parameters (DOMINO_XEN_SET_PARAM/GET_PARAM) are
 * what the guest reads. Every refusal, and a domain torn down with host
 * ends still bound gives back every allocation.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define HVMOP_get_param		1
#define HVM_PARAM_CONSOLE_PFN	17

/* Set by the host: the port it bound, before the guest runs on. */
static volatile uint64_t host_port;

static long get_param(uint32_t index, uint64_t *value)
{
	struct { uint16_t domid, pad; uint32_t index; uint64_t value; } p = {
		DOMID_SELF, 0, index, 0 };
	long r = xen_hcall(HC_HVM_OP, HVMOP_get_param, (uintptr_t)&p);

	*value = p.value;
	return r;
}

static void guest_host_end(void)
{
	uint64_t v = 0;
	long r, q;

	xen_setup();
	/* 1: a port left for domain 0. */
	q = alloc_unbound(DOMID_SELF, 0);
	GUEST_SYNC(q);
	/* 2: the host's raise arrives; 3: our send reaches the host. */
	hlt_until(host_port);
	GUEST_SYNC2(upcalls, last_vector);
	r = port_op(EVTCHNOP_send, host_port);
	GUEST_SYNC2(r, status(DOMID_SELF, host_port, NULL));
	/* 4: raised by another process, once the port is clear. */
	clear_port(host_port);
	GUEST_SYNC(0);
	hlt_until(host_port);
	GUEST_SYNC(1);
	/* 5: after the host's unbind; 6: a parameter the toolstack set. */
	GUEST_SYNC(status(DOMID_SELF, host_port, NULL));
	r = get_param(HVM_PARAM_CONSOLE_PFN, &v);
	GUEST_SYNC2(r, v);
	/* 7: the guest closes a port the host holds. */
	GUEST_SYNC(port_op(EVTCHNOP_close, q));
}

static int bind(struct dvm *vm, uint32_t port, uint32_t vcpu, int raise, int notify,
		uint32_t flags, uint32_t *out)
{
	struct domino_xen_evtchn_bind b = {
		.port = port, .vcpu = vcpu, .raise_fd = raise, .notify_fd = notify,
		.flags = flags,
	};
	int r = ioctl(vm->dom, DOMINO_XEN_EVTCHN_BIND, &b);

	if (out)
		*out = b.port;
	return r ? -errno : 0;
}

static int unbind(struct dvm *vm, uint32_t port)
{
	struct domino_xen_evtchn_unbind u = { .port = port };

	return ioctl(vm->dom, DOMINO_XEN_EVTCHN_UNBIND, &u) ? -errno : 0;
}

static int param(struct dvm *vm, unsigned long cmd, uint32_t index, uint64_t *value)
{
	struct domino_xen_param p = { .index = index, .value = *value };
	int r = ioctl(vm->dom, cmd, &p);

	*value = p.value;
	return r ? -errno : 0;
}

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

/* The notify eventfd's count, 0 if nothing was signalled. */
static uint64_t drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t n = 0;

	if (poll(&p, 1, 0) == 1 && read(fd, &n, sizeof(n)) != sizeof(n))
		n = 0;
	return n;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	int raise = eventfd(0, EFD_CLOEXEC), notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int pipefd[2], st;
	uint32_t port = 0, q, p2;
	struct dvcpu *vcpu;
	struct dvm *vm, *plain;
	struct ucall uc;
	uint64_t one = 1, val;
	pid_t pid;
	bool ok;

	ktap_print_header();
	ktap_set_plan(9);
	TEST_ASSERT(raise >= 0 && notify >= 0 && pipe(pipefd) == 0, "eventfds");
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_host_end);

	/* 1: refusals, then a new port with both eventfds. */
	step(vcpu, &uc, "unbound for dom0");
	q = uc.args[0];
	plain = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	ok = bind(plain, 0, 0, raise, notify, 0, NULL) == -ENODEV &&
	     bind(vm, 0, 0, raise, notify, 1, NULL) == -EINVAL &&
	     bind(vm, 0, 9, raise, notify, 0, NULL) == -EINVAL &&
	     bind(vm, 0, 0, pipefd[0], notify, 0, NULL) == -EBADF &&
	     bind(vm, 0, 0, raise, 1000, 0, NULL) == -EBADF &&
	     bind(vm, 4000, 0, raise, notify, 0, NULL) == -EINVAL &&
	     unbind(vm, 4000) == -EINVAL;
	dvm_free(plain);
	ktap_test_result(ok, "refused: a domain without Xen (ENODEV), flags, an absent vCPU, a pipe as eventfd, a closed fd, a port not waiting for dom0, unbinding a port the host does not hold");
	ok = bind(vm, 0, 0, raise, notify, 0, &port) == 0 && port > 0 && port != q &&
	     bind(vm, q, 0, -1, -1, 0, &p2) == 0 && p2 == q &&
	     bind(vm, q, 0, -1, -1, 0, NULL) == -EINVAL;
	ktap_test_result(ok, "a new port %u for the host; the guest's unbound port %u bound as is, and not twice",
			 port, q);

	/* 2-3: raise and notify. */
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&host_port) = port;
	TEST_ASSERT(write(raise, &one, sizeof(one)) == sizeof(one), "raise");
	step(vcpu, &uc, "raised");
	ktap_test_result(uc.args[0] >= 1 && uc.args[1] == VEC_CALLBACK,
			 "a write to the raise eventfd: the guest's HLT ends with the upcall (%llu)",
			 (unsigned long long)uc.args[0]);
	step(vcpu, &uc, "sent");
	val = drain(notify);
	ktap_test_result(uc.args[0] == 0 && val == 1 && uc.args[1] >> 32 == EVTCHNSTAT_interdomain &&
			 (uint16_t)uc.args[1] == 0,
			 "the guest's send: the notify eventfd counts 1 (%llu); the guest sees interdomain with domain 0",
			 (unsigned long long)val);

	/* 4: another process raises through the eventfd it inherited. */
	step(vcpu, &uc, "port clear");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(write(raise, &one, sizeof(one)) == sizeof(one) ? 0 : 1);
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	step(vcpu, &uc, "raised from a child");
	ktap_test_result(WIFEXITED(st) && WEXITSTATUS(st) == 0 && uc.args[0] == 1,
			 "a raise written by another process reaches the guest");

	/* 5: unbind; 6: parameters. */
	ok = unbind(vm, port) == 0 && unbind(vm, port) == -EINVAL;
	step(vcpu, &uc, "unbound");
	ktap_test_result(ok && uc.args[0] >> 32 == EVTCHNSTAT_unbound && (uint16_t)uc.args[0] == 0,
			 "unbind: the guest's port waits, unbound, for domain 0 again; a second unbind -EINVAL (%#llx)",
			 (unsigned long long)uc.args[0]);
	val = 0x1234;
	ok = param(vm, DOMINO_XEN_SET_PARAM, HVM_PARAM_CONSOLE_PFN, &val) == 0;
	val = 0x3e;
	ok &= param(vm, DOMINO_XEN_SET_PARAM, 0, &val) == -EPERM;
	ok &= param(vm, DOMINO_XEN_SET_PARAM, DOMINO_XEN_NR_PARAMS, &val) == -EINVAL;
	val = 0;
	ok &= param(vm, DOMINO_XEN_GET_PARAM, 0, &val) == 0 && val == (2ULL << 56 | VEC_CALLBACK);
	step(vcpu, &uc, "param");
	ktap_test_result(ok && uc.args[0] == 0 && uc.args[1] == 0x1234,
			 "DOMINO_XEN_SET_PARAM: CONSOLE_PFN set is what the guest reads; CALLBACK_IRQ is the guest's (EPERM), read back; index %u EINVAL",
			 DOMINO_XEN_NR_PARAMS);

	/* 7: the guest closes a port the host holds; a new bound port stays. */
	step(vcpu, &uc, "guest close");
	ktap_test_result(uc.args[0] == 0 && unbind(vm, q) == -EINVAL &&
			 bind(vm, 0, 0, raise, notify, 0, &port) == 0,
			 "the guest closes a port the host holds: the host's end is gone with it");

	/* Torn down with a host end still bound. */
	dvcpu_free(vcpu);
	dvm_free(vm);
	close(raise);
	close(notify);
	ktap_test_result(domino_counters_back(objs, pages),
			 "every allocation returned, a host end still bound at teardown included");
	ktap_finished();
}
