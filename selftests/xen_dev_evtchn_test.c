// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/evtchn, domain 0's event channels with Linux's evtchn ABI,
 * against tiny Xen guests: bound to a guest's port left for domain 0 (the
 * new port reads once at once, as Xen sets it pending); the guest's send
 * reads as the port, once until it is unmasked by a write, again then if
 * it fired meanwhile; IOCTL_EVTCHN_NOTIFY raises the guest's port, from
 * this process and from another; a port left unbound for a guest that the
 * guest binds (EVTCHNOP_bind_interdomain naming domain 0); poll, a
 * blocking read, the ring's overflow and reset; unbind and close leave
 * the guest's port waiting for domain 0 again, and a guest's close or
 * death leaves domain 0's port unbound; VIRQ_DOM_EXC on a shutdown and on
 * each domain's destruction; RESTRICT_DOMID's confinement; the port space
 * exhausted; every refusal with Linux's and Xen's codes; and every
 * allocation returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "dom0_evtchn.h"
#include "xen_evtchn_guest.h"

#define SCHEDOP_shutdown	2
#define VIRQ_DOM_EXC		3
#define NR_VIRQS		24
#define DOM0_PORTS		4096
#define OVERFLOW_SENDS		70
/* Linux 6.2's IOCTL_EVTCHN_BIND_STATIC, which 6.1 does not know. */
#define IOCTL_BIND_STATIC	_IOC(_IOC_NONE, 'E', 7, sizeof(unsigned int))

/* Set by the host before the guest runs on: domain 0's ports to bind. */
static volatile uint64_t arg0, arg1;

static void guest_main(void)
{
	uint32_t u1 = 0;
	long q, g, r, s, again;
	int i;

	xen_setup();
	/* 1: a port left for domain 0. */
	q = alloc_unbound(DOMID_SELF, 0);
	GUEST_SYNC(q);
	/* 2: domain 0 bound it: what we see, then a send; 3: a second send. */
	s = status(DOMID_SELF, q, &u1);
	r = port_op(EVTCHNOP_send, q);
	guest_ucall(UCALL_SYNC, r, s, u1, 0);
	GUEST_SYNC(port_op(EVTCHNOP_send, q));
	/* 4: domain 0's notify; 5-6: once more, from another process. */
	hlt_until(q);
	GUEST_SYNC(upcalls);
	clear_port(q);
	GUEST_SYNC(0);
	hlt_until(q);
	GUEST_SYNC(1);
	/* 7: bind domain 0's port left for us, and refusals. */
	g = bind_interdomain(0, arg0);
	r = bind_interdomain(0, arg1);
	again = bind_interdomain(0, arg0);
	guest_ucall(UCALL_SYNC, g, bit(SHINFO->evtchn_pending, g), r,
		    PACK2(again, bind_interdomain(0, DOM0_PORTS + 5)));
	/* 8: send on it; 9: domain 0's notify arrives. */
	clear_port(g);
	GUEST_SYNC2(port_op(EVTCHNOP_send, g), status(DOMID_SELF, g, &u1));
	hlt_until(g);
	GUEST_SYNC(u1);
	/* 10: domain 0 let go of q: it waits for domain 0 again. */
	GUEST_SYNC2(status(DOMID_SELF, q, NULL), port_op(EVTCHNOP_send, q));
	/* 11: we close g; 12: and bind domain 0's port again. */
	GUEST_SYNC(port_op(EVTCHNOP_close, g));
	g = bind_interdomain(0, arg0);
	GUEST_SYNC(g);
	/* 13: sends while domain 0 unmasks without reading. */
	for (i = 0; i < OVERFLOW_SENDS; i++)
		GUEST_SYNC(port_op(EVTCHNOP_send, g));
	/* 14: q is domain 0's again (a restricted descriptor's). */
	s = status(DOMID_SELF, q, &u1);
	GUEST_SYNC2(s, u1);
	/* 15: shut down: VIRQ_DOM_EXC. */
	r = 0;
	xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, (uintptr_t)&r);
	GUEST_SYNC(0);
}

/* A second guest: a port for domain 0, then what it sees of it. */
static void guest_small(void)
{
	long q;

	xen_setup();
	q = alloc_unbound(DOMID_SELF, 0);
	GUEST_SYNC(q);
	GUEST_SYNC(status(DOMID_SELF, q, NULL));
	GUEST_SYNC(status(DOMID_SELF, q, NULL));
}

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

static void set_arg(struct dvm *vm, volatile uint64_t *where, uint64_t v)
{
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)where) = v;
}

/* A domain id that no domain has now. */
static uint32_t free_domid(void)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	uint32_t id = vm->domid;

	dvm_free(vm);
	return id;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct dvm *vm, *plain, *small;
	struct dvcpu *vcpu, *vsmall;
	uint32_t got[8], dead_id, domid;
	long P, U, V, P2, P3, X, q, sq, r, n;
	int fd, fd2, fd3, fdv, fd4, pipefd[2], st, i, flags;
	void *volatile bad = (void *)8;
	struct ucall uc;
	struct stat sb;
	pid_t pid;
	bool ok;

	ktap_print_header();
	fd = dev_open();
	if (fd < 0 && errno == ENOENT)
		ktap_exit_skip("no /dev/xen/evtchn (this domino.ko registers none, or a Xen dom0 driver holds the name)");
	TEST_ASSERT(fd >= 0, "open /dev/xen/evtchn");
	ktap_set_plan(16);

	/* 1: the node. */
	ok = stat("/dev/xen/evtchn", &sb) == 0 && S_ISCHR(sb.st_mode) &&
	     (sb.st_mode & 0777) == 0600 && sb.st_uid == 0;
	ktap_test_result(ok, "/dev/xen/evtchn: a character device, mode 0600, root's (%o)",
			 (unsigned int)(sb.st_mode & 0777));

	dead_id = free_domid();
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);
	plain = dvm_create(DOMINO_DOMAIN_IRQCHIP);

	/* 2: refusals of BIND_INTERDOMAIN. */
	step(vcpu, &uc, "unbound for dom0");
	q = uc.args[0];
	ok = bind_idom(fd, dead_id, 1) == -ESRCH &&
	     bind_idom(fd, DOMID_SELF, 1) == -ESRCH &&
	     bind_idom(fd, 0x10000 + vm->domid, q) == -ESRCH &&
	     bind_idom(fd, plain->domid, 1) == -ESRCH &&
	     bind_idom(fd, vm->domid, 0) == -EINVAL &&
	     bind_idom(fd, vm->domid, q + 1) == -EINVAL &&
	     bind_idom(fd, vm->domid, 200000) == -EINVAL &&
	     reads_none(fd);
	ktap_test_result(ok, "BIND_INTERDOMAIN refused: no such domain, DOMID_SELF, an id above 16 bits, a domain without Xen (ESRCH); port 0, a port not waiting for domain 0, a port beyond the table (EINVAL)");

	/* 3: bound; the new port reads once at once; the guest sees it. */
	P = bind_idom(fd, vm->domid, q);
	ok = P > 0 && P < DOM0_PORTS && read(fd, bad, 4) == -1 && errno == EFAULT &&
	     reads_one(fd, P) && reads_none(fd) && unmask(fd, P);
	step(vcpu, &uc, "status and send");
	ktap_test_result(ok && uc.args[0] == 0 &&
			 uc.args[1] == ((uint64_t)EVTCHNSTAT_interdomain << 32) && uc.args[2] == (uint64_t)P,
			 "BIND_INTERDOMAIN to the guest's port %ld: domain 0's port %ld, pending once at once (Xen's), kept by a read to a bad pointer (EFAULT); the guest sees interdomain with domain 0, port %llu",
			 q, P, (unsigned long long)uc.args[2]);

	/* 4: the guest's sends: once until unmasked, again after if it fired. */
	ok = (poll_events(fd) & (POLLIN | POLLOUT)) == (POLLIN | POLLOUT) &&
	     reads_one(fd, P) && reads_none(fd) && poll_events(fd) == POLLOUT;
	step(vcpu, &uc, "second send");
	ok &= uc.args[0] == 0 && reads_none(fd) && unmask(fd, P) && reads_one(fd, P) &&
	      unmask(fd, P) && reads_none(fd);
	ktap_test_result(ok, "the guest's send reads as port %ld (poll says POLLIN); a second send while masked reads nothing until the port is written back, then once", P);

	/* 5-6: NOTIFY raises the guest's port, here and from a child. */
	ok = notify_dev(fd, P) == 0;
	step(vcpu, &uc, "notified");
	ktap_test_result(ok && uc.args[0] >= 1, "IOCTL_EVTCHN_NOTIFY: the guest's HLT ends with the upcall on its port (%llu upcalls)",
			 (unsigned long long)uc.args[0]);
	step(vcpu, &uc, "port clear");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(notify_dev(fd, P) == 0 ? 0 : 1);
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	step(vcpu, &uc, "notified by a child");
	ktap_test_result(WIFEXITED(st) && WEXITSTATUS(st) == 0 && uc.args[0] == 1,
			 "NOTIFY from another process holding the descriptor reaches the guest");

	/* 7: a port left unbound for the guest, which binds it. */
	U = bind_unbound(fd, vm->domid);
	V = bind_unbound(fd, plain->domid);
	set_arg(vm, &arg0, U);
	set_arg(vm, &arg1, V);
	step(vcpu, &uc, "guest binds domain 0's port");
	ok = U > 0 && V > 0 && U != V && U != P && (int64_t)uc.args[0] > 0 && uc.args[1] == 1 &&
	     (int64_t)uc.args[2] == -XEN_EINVAL &&
	     uc.args[3] == PACK2(-XEN_EINVAL, -XEN_EINVAL) && reads_none(fd);
	ktap_test_result(ok, "BIND_UNBOUND_PORT %ld: the guest binds it naming domain 0 (its port %lld starts pending); one for another domain, a second bind and a port beyond domain 0's are -EINVAL",
			 U, (long long)uc.args[0]);

	/* 8: a blocking read wakes for the guest's send; 9: NOTIFY back. */
	flags = fcntl(fd, F_GETFL);
	TEST_ASSERT(pipe(pipefd) == 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0, "blocking");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		uint32_t v = 0;

		alarm(20);
		_exit(read(fd, &v, sizeof(v)) == sizeof(v) &&
		      write(pipefd[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
	}
	usleep(200000);
	step(vcpu, &uc, "guest sends on the bound port");
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	TEST_ASSERT(fcntl(fd, F_SETFL, flags) == 0, "non-blocking again");
	got[0] = 0;
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	     read(pipefd[0], got, sizeof(got[0])) == sizeof(got[0]) && got[0] == (uint32_t)U &&
	     uc.args[0] == 0 && uc.args[1] == ((uint64_t)EVTCHNSTAT_interdomain << 32);
	close(pipefd[0]);
	close(pipefd[1]);
	ok &= notify_dev(fd, U) == 0;
	step(vcpu, &uc, "notified on the guest's bound port");
	ktap_test_result(ok && uc.args[0] == (uint64_t)U,
			 "a blocking read in another process wakes with port %ld for the guest's send; NOTIFY reaches the guest's port, which names domain 0's port %llu",
			 U, (unsigned long long)uc.args[0]);

	/* 10: unbind; the guest's port waits for domain 0, and is bound again. */
	fd2 = dev_open();
	TEST_ASSERT(fd2 >= 0, "second descriptor");
	ok = unbind_dev(fd2, P) == -ENOTCONN && notify_dev(fd2, P) == -ENOTCONN &&
	     unbind_dev(fd, P) == 0 && unbind_dev(fd, P) == -ENOTCONN &&
	     notify_dev(fd, P) == -ENOTCONN && unbind_dev(fd, DOM0_PORTS) == -EINVAL &&
	     unbind_dev(fd, 0) == -ENOTCONN;
	step(vcpu, &uc, "q after unbind");
	ok &= uc.args[0] == ((uint64_t)EVTCHNSTAT_unbound << 32) && uc.args[1] == 0 && reads_none(fd);
	P2 = bind_idom(fd, vm->domid, q);
	ok &= P2 > 0 && reads_one(fd, P2) && unbind_dev(fd, P2) == 0;
	ktap_test_result(ok, "UNBIND: another descriptor cannot unbind or notify the port (ENOTCONN); after it the guest's port waits, unbound, for domain 0 and binds again (%ld); twice ENOTCONN, beyond the table EINVAL",
			 P2);

	/* 11: bad arguments. */
	ok = xioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, NULL) == -EFAULT &&
	     xioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, (void *)8) == -EFAULT &&
	     xioctl(fd, _IOC(_IOC_NONE, 'E', 1, 4), &got) == -ENOSYS &&
	     xioctl(fd, IOCTL_BIND_STATIC, &got) == -ENOSYS &&
	     xioctl(fd, _IOC(_IOC_NONE, 'F', 3, 4), &got) == -ENOSYS &&
	     bind_unbound(fd, DOMID_SELF) == -EINVAL &&
	     bind_virq_dev(fd, 0) == -EINVAL && bind_virq_dev(fd, NR_VIRQS) == -EINVAL &&
	     bind_virq_dev(fd, 1000000) == -EINVAL &&
	     restrict_dev(fd, 0) == -EINVAL && restrict_dev(fd, DOMID_SELF) == -EINVAL &&
	     read(fd, got, 3) == 0 && write(fd, got, 3) == 0 &&
	     write(fd, bad, 4) == -1 && errno == EFAULT;
	ktap_test_result(ok, "refused: bad pointers (EFAULT), a wrong size, BIND_STATIC and a foreign type (ENOSYS, as Linux 6.1), an unbound port for DOMID_SELF, VIRQs other than DOM_EXC, a restriction to 0 or a reserved id (EINVAL); reads and writes under 4 bytes do nothing");

	/* 12: the guest closes its end; domain 0's port stays; bound again. */
	step(vcpu, &uc, "guest closes");
	ok = uc.args[0] == 0 && notify_dev(fd, U) == 0 && reads_none(fd);
	step(vcpu, &uc, "guest binds again");
	ok &= (int64_t)uc.args[0] > 0 && reads_none(fd) && unmask(fd, U);
	ktap_test_result(ok, "the guest closes its port: domain 0's port %ld stays, unbound for it (NOTIFY is dropped), and the guest binds it again", U);

	/* 13: overflow: the guest's sends, each unmasked, none read. */
	ok = true;
	for (i = 0; i < OVERFLOW_SENDS; i++) {
		step(vcpu, &uc, "send");
		ok &= uc.args[0] == 0 && unmask(fd, U);
	}
	ok &= read_ports(fd, got, 8) == -EFBIG && poll_events(fd) == POLLERR &&
	      xioctl(fd, IOCTL_EVTCHN_RESET, NULL) == 0 && reads_none(fd) &&
	      poll_events(fd) == POLLOUT;
	ktap_test_result(ok, "%d sends, each unmasked but none read, overflow the ring: read EFBIG, poll POLLERR; IOCTL_EVTCHN_RESET empties it",
			 OVERFLOW_SENDS);

	/* 14: RESTRICT_DOMID. */
	fd3 = dev_open();
	TEST_ASSERT(fd3 >= 0, "third descriptor");
	ok = restrict_dev(fd3, vm->domid) == 0 && restrict_dev(fd3, vm->domid) == -EACCES &&
	     restrict_dev(fd3, plain->domid) == -EACCES &&
	     bind_unbound(fd3, vm->domid) == -EACCES && bind_virq_dev(fd3, VIRQ_DOM_EXC) == -EACCES &&
	     bind_idom(fd3, plain->domid, 1) == -EACCES && bind_idom(fd3, dead_id, 1) == -EACCES &&
	     bind_idom(fd3, 0x10000 + vm->domid, q) == -EACCES &&
	     bind_idom(fd3, vm->domid, 0) == -EINVAL &&
	     unbind_dev(fd3, U) == -ENOTCONN && notify_dev(fd3, U) == -ENOTCONN;
	P3 = bind_idom(fd3, vm->domid, q);
	ok &= P3 > 0 && reads_one(fd3, P3) && notify_dev(fd3, P3) == 0;
	step(vcpu, &uc, "q restricted");
	ktap_test_result(ok && uc.args[0] == ((uint64_t)EVTCHNSTAT_interdomain << 32) &&
			 uc.args[1] == (uint64_t)P3,
			 "RESTRICT_DOMID %u: only that domain's ports bind (another, a dead one, an id wrapping to it, unbound and VIRQ ports EACCES), other files' ports are not its own, no second restriction",
			 vm->domid);

	/* 15: VIRQ_DOM_EXC on shutdown and on each domain's destruction. */
	fdv = dev_open();
	TEST_ASSERT(fdv >= 0, "VIRQ descriptor");
	X = bind_virq_dev(fdv, VIRQ_DOM_EXC);
	if (X == -EEXIST) {
		ktap_test_skip("VIRQ_DOM_EXC is bound by another process (xenstored?)");
		TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_XEN_SHUTDOWN, "shutdown exit");
	} else {
		ok = X > 0 && bind_virq_dev(fdv, VIRQ_DOM_EXC) == -EEXIST &&
		     bind_virq_dev(fd, VIRQ_DOM_EXC) == -EEXIST && reads_none(fdv);
		TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_XEN_SHUTDOWN, "shutdown exit");
		ok &= reads_one(fdv, X) && unmask(fdv, X);
		dvm_free(plain);
		plain = NULL;
		ok &= readable(fdv) && reads_one(fdv, X) && unmask(fdv, X);
		ktap_test_result(ok, "VIRQ_DOM_EXC (port %ld, once per host: EEXIST again) fires on the guest's SCHEDOP_shutdown and on a domain's destruction",
				 X);
	}
	if (plain)
		dvm_free(plain);

	/* 16: the domain destroyed with ports bound. */
	domid = vm->domid;
	dvcpu_free(vcpu);
	dvm_free(vm);
	/* Its destruction is the last reference's: wait for it. */
	for (i = 0; i < 50 && domino_sysfs_num("domains") != 0; i++)
		usleep(100000);
	ok = true;
	if (X > 0)
		ok &= readable(fdv) && reads_one(fdv, X);
	ok &= notify_dev(fd, U) == 0 && notify_dev(fd3, P3) == 0 && reads_none(fd) &&
	      reads_none(fd3) && bind_idom(fd, domid, q) == -ESRCH && unbind_dev(fd, U) == 0 &&
	      unbind_dev(fd, V) == 0 && unbind_dev(fd3, P3) == 0;
	ktap_test_result(ok, "the domain destroyed while bound: domain 0's ports stay, unbound (NOTIFY dropped), and unbind; binding to it: ESRCH");

	/* 17: the port space exhausted; then closing with ports bound. */
	fd4 = dev_open();
	TEST_ASSERT(fd4 >= 0, "fourth descriptor");
	for (n = 0; (r = bind_unbound(fd4, 1)) > 0; n++)
		;
	ok = r == -ENOSPC && n > 0 && n < DOM0_PORTS && bind_unbound(fd2, 1) == -ENOSPC;
	close(fd4);
	small = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vsmall = dvcpu_add(small, 0);
	dvcpu_setup_long64(vsmall, guest_small);
	step(vsmall, &uc, "small guest's port");
	sq = uc.args[0];
	r = bind_idom(fd2, small->domid, sq);
	ok &= r > 0 && bind_unbound(fd2, small->domid) > 0 && reads_one(fd2, r);
	step(vsmall, &uc, "bound");
	ok &= uc.args[0] == ((uint64_t)EVTCHNSTAT_interdomain << 32);
	close(fd2);
	step(vsmall, &uc, "after close");
	ok &= uc.args[0] == ((uint64_t)EVTCHNSTAT_unbound << 32);
	r = bind_idom(fd, small->domid, sq);
	ok &= r > 0 && reads_one(fd, r);
	dvcpu_free(vsmall);
	dvm_free(small);
	close(fd);
	close(fd3);
	close(fdv);
	ktap_test_result(ok && domino_counters_back(objs, pages),
			 "%ld ports bound before ENOSPC, for every descriptor; a descriptor closed with ports bound leaves the guest's port waiting for domain 0, bound again by another; every allocation returned",
			 n);
	ktap_finished();
}
