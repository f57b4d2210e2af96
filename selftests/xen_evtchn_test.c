// SPDX-License-Identifier: GPL-2.0
/*
 * Xen event channels from a tiny guest: an IPI port raised with IF clear
 * shows in shared_info (pending bit, selector, upcall byte) and arrives
 * as the callback vector once IF is set; a masked port stays quiet until
 * EVTCHNOP_unmask; VIRQ_TIMER from the single-shot timer wakes HLT and
 * SCHEDOP_block; SCHEDOP_poll waits for a masked port or its timeout;
 * a loopback interdomain pair; the per-vCPU upcall vector through the
 * LAPIC; the runstate area's blocked time; FIFO (init_control,
 * expand_array, the event word and queue head); EVTCHNOP_reset; and a
 * port between two domains of two processes, which also shows that a
 * dying domain leaves its peer's port unbound. Every refusal with Xen's
 * code, and the allocations returned.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define FIFO_PENDING		(1U << 31)
#define FIFO_MASKED		(1U << 30)
#define FIFO_LINKED		(1U << 29)
#define FIFO_LINK_MASK		((1U << 17) - 1)

struct init_control {
	uint64_t gfn;			/* cppcheck-suppress unusedStructMember */
	uint32_t offset, vcpu;		/* cppcheck-suppress unusedStructMember */
	uint8_t link_bits, pad[7];	/* cppcheck-suppress unusedStructMember */
};

static uint8_t ctrl_page[4096] __attribute__((aligned(4096)));
static uint32_t array_page[1024] __attribute__((aligned(4096)));
static struct runstate runstate __attribute__((aligned(64)));

/* Set by the host before the guest runs (the peer's domid, its port). */
static volatile uint64_t peer_domid, peer_port;

static void guest_main(void)
{
	long ipi, timer, pollp, a, b, r1, r2, r3;
	uint64_t t0, u0, slept;
	uint32_t u1;

	xen_setup();

	/* 1-2: an IPI port, raised with IF clear, then taken. */
	ipi = bind_ipi(0);
	r1 = port_op(EVTCHNOP_send, ipi);
	guest_ucall(UCALL_SYNC, ipi, r1,
		    bit(SHINFO->evtchn_pending, ipi) | bit(&VCPU0->pending_sel, ipi / 64) << 1 |
		    VCPU0->upcall_pending << 2, upcalls);
	irq_window();
	GUEST_SYNC2(upcalls | last_vector << 8, VCPU0->upcall_pending);

	/* 3: masked: quiet until unmasked. */
	clear_port(ipi);
	bit_set(SHINFO->evtchn_mask, ipi, 1);
	u0 = upcalls;
	port_op(EVTCHNOP_send, ipi);
	irq_window();
	r1 = bit(SHINFO->evtchn_pending, ipi) | (VCPU0->pending_sel != 0) << 1 |
	     VCPU0->upcall_pending << 2 | (upcalls - u0) << 3;
	r2 = port_op(EVTCHNOP_unmask, ipi);
	r3 = bit(SHINFO->evtchn_mask, ipi) | (VCPU0->pending_sel != 0) << 1 |
	     VCPU0->upcall_pending << 2;
	irq_window();
	guest_ucall(UCALL_SYNC, r1, r2, r3, upcalls - u0);

	/* 4: VIRQ_TIMER from a single-shot timer 20 ms away wakes HLT. */
	timer = bind_virq(VIRQ_TIMER, 0);
	r1 = singleshot(xen_now() + 20 * MS, VCPU_SSHOTTMR_future);
	slept = hlt_until(timer);
	r2 = singleshot(xen_now() - MS, VCPU_SSHOTTMR_future);
	r3 = singleshot(xen_now() + (1ULL << 62), 0);
	r3 = PACK2(r3, xen_hcall3(HC_VCPU_OP, VCPUOP_stop_singleshot_timer, 0, 0));
	guest_ucall(UCALL_SYNC, timer, r1, slept, r2);
	GUEST_SYNC(r3);

	/* 5: SCHEDOP_block with IF set, woken by the timer's upcall. */
	clear_port(timer);
	u0 = upcalls;
	t0 = xen_now();
	r1 = xen_hcall(HC_SET_TIMER_OP, xen_now() + 10 * MS, 0);
	__asm__ volatile("sti" : : : "memory");
	r2 = xen_hcall(HC_SCHED_OP, SCHEDOP_block, 0);
	__asm__ volatile("nop; cli" : : : "memory");
	guest_ucall(UCALL_SYNC, r1, r2, xen_now() - t0, upcalls - u0);

	/* 6: poll on a masked port: the timeout, then a pending port at once. */
	pollp = bind_ipi(0);
	bit_set(SHINFO->evtchn_mask, pollp, 1);
	t0 = xen_now();
	r1 = poll1(pollp, t0 + 30 * MS);
	slept = xen_now() - t0;
	port_op(EVTCHNOP_send, pollp);
	t0 = xen_now();
	r2 = poll1(pollp, 0);
	guest_ucall(UCALL_SYNC, r1, slept, r2, xen_now() - t0);
	GUEST_SYNC(poll1(4000, 0));

	/* 7-9: refusals. */
	guest_ucall(UCALL_SYNC, bind_virq(24, 0), bind_virq(VIRQ_TIMER, 0),
		    bind_virq(VIRQ_CONSOLE, 1), bind_ipi(7));
	a = bind_ipi(0);
	r1 = port_op(EVTCHNOP_close, a);
	guest_ucall(UCALL_SYNC, port_op(EVTCHNOP_close, 4000),
		    PACK2(r1, port_op(EVTCHNOP_close, a)),
		    port_op(EVTCHNOP_send, timer), status(0, ipi, NULL));
	guest_ucall(UCALL_SYNC, alloc_unbound(0, DOMID_SELF), bind_interdomain(0x7000, 1),
		    evtchn(99, &a), evtchn(EVTCHNOP_send, (void *)0x7ff000000000ULL));

	/* 10: loopback interdomain. */
	a = alloc_unbound(DOMID_SELF, DOMID_SELF);
	b = bind_interdomain(DOMID_SELF, a);
	r1 = status(DOMID_SELF, b, &u1);
	clear_port(a);
	port_op(EVTCHNOP_send, b);
	r2 = bit(SHINFO->evtchn_pending, a);
	port_op(EVTCHNOP_close, a);
	r3 = status(DOMID_SELF, b, NULL);
	guest_ucall(UCALL_SYNC, PACK2(a, b), r1, u1 == (uint32_t)a, PACK2(r2, r3 >> 32));

	/* 11: the per-vCPU upcall vector, through the LAPIC. */
	*(volatile uint32_t *)(uintptr_t)(DOMINO_LAPIC_BASE + 0xf0) = 0x1ff;
	{
		struct { uint32_t vcpu; uint8_t vector, pad[3]; } uv = { 0, VEC_PERCPU, { 0 } };
		struct { uint32_t vcpu; uint8_t vector, pad[3]; } bad1 = { 0, 0x0f, { 0 } };
		struct { uint32_t vcpu; uint8_t vector, pad[3]; } bad2 = { 9, VEC_PERCPU, { 0 } };

		r2 = PACK2(xen_hcall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&bad1),
			   xen_hcall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&bad2));
		r1 = xen_hcall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, (uintptr_t)&uv);
	}
	clear_port(ipi);
	u0 = upcalls;
	port_op(EVTCHNOP_send, ipi);
	irq_window();
	guest_ucall(UCALL_SYNC, r1, r2, upcalls - u0, last_vector);

	/* 12: the runstate area counts 20 ms asleep as blocked. */
	{
		uint64_t addr = (uintptr_t)&runstate, blocked0;

		r1 = xen_hcall3(HC_VCPU_OP, VCPUOP_register_runstate_memory_area, 0,
				(uintptr_t)&addr);
		r2 = PACK2(xen_hcall(HC_VM_ASSIST, 0, VMASST_TYPE_runstate_update_flag),
			   xen_hcall(HC_VM_ASSIST, 0, 1));
		r3 = runstate.state | (runstate.entry_time >> 63) << 8;
		blocked0 = runstate.time[2];
		clear_port(timer);
		singleshot(xen_now() + 20 * MS, 0);
		hlt_until(timer);
		guest_ucall(UCALL_SYNC, r1, r2, r3 | runstate.state << 16 |
			    (runstate.entry_time >> 63) << 24, runstate.time[2] - blocked0);
	}

	/* 13-14: FIFO. */
	{
		struct init_control ic = { (uintptr_t)ctrl_page >> 12, 0, 0, 0, { 0 } };
		struct init_control ic2 = ic, ic3 = ic;
		volatile struct fifo_control *cb = (volatile struct fifo_control *)ctrl_page;
		uint64_t bad = GUEST_MMIO_BASE >> 12, good = (uintptr_t)array_page >> 12;
		uint32_t sp[2] = { 0, 16 };
		long p2;
		unsigned int i;

		for (i = 0; i < 1024; i++)
			array_page[i] = FIFO_MASKED;
		r1 = evtchn(EVTCHNOP_init_control, &ic);
		ic3.vcpu = 3;
		r2 = PACK2(evtchn(EVTCHNOP_init_control, &ic2), evtchn(EVTCHNOP_init_control, &ic3));
		r3 = PACK2(evtchn(EVTCHNOP_expand_array, &bad), evtchn(EVTCHNOP_expand_array, &good));
		guest_ucall(UCALL_SYNC, r1, ic.link_bits, r2, r3);

		p2 = bind_ipi(0);
		array_page[ipi] = 0;
		array_page[p2] = 0;
		u0 = upcalls;
		port_op(EVTCHNOP_send, ipi);
		port_op(EVTCHNOP_send, p2);
		irq_window();
		sp[0] = ipi;
		r1 = evtchn(EVTCHNOP_set_priority, sp);
		sp[1] = 3;
		r2 = evtchn(EVTCHNOP_set_priority, sp);
		guest_ucall(UCALL_SYNC, PACK2(array_page[ipi], array_page[p2]),
			    PACK2(cb->ready, cb->head[7]), PACK2(upcalls - u0, p2), PACK2(r1, r2));
	}

	/* 15: ports run out at xl's default of 1023; 16: reset closes them all. */
	{
		uint16_t dom = DOMID_SELF;
		long n = 0, last = 0;

		while ((r1 = bind_ipi(0)) > 0 && n < 200000) {
			last = r1;
			n++;
		}
		GUEST_SYNC2(r1, last);

		r1 = evtchn(EVTCHNOP_reset, &dom);
		GUEST_SYNC2(r1, status(DOMID_SELF, ipi, NULL));
	}

	/* 16: a port to a domain of another process, then that domain's death. */
	a = bind_interdomain(peer_domid, peer_port);
	r1 = bit(SHINFO->evtchn_pending, a);
	r2 = port_op(EVTCHNOP_send, a);
	GUEST_SYNC2(a, PACK2(r1, r2));
	GUEST_SYNC(status(DOMID_SELF, a, NULL));
	GUEST_DONE();
}

/* A domain created without FIFO: init_control is refused. */
static void guest_nofifo(void)
{
	struct init_control ic = { (uintptr_t)ctrl_page >> 12, 0, 0, 0, { 0 } };

	xen_setup();
	GUEST_SYNC(evtchn(EVTCHNOP_init_control, &ic));
}

/* The other domain: a port for the first one, then wait for its event. */
static void guest_peer(void)
{
	long port;

	xen_setup();
	port = alloc_unbound(DOMID_SELF, peer_domid);
	GUEST_SYNC(port);
	hlt_until(port);
	GUEST_SYNC2(upcalls, last_vector);
}

/* Child: domain B; reports its domid and port down @fd, then its verdict. */
static int run_peer(uint32_t domid_a, int fd)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	struct ucall uc;
	uint64_t msg[2];

	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&peer_domid) = domid_a;
	dvcpu_setup_long64(vcpu, guest_peer);
	if (dvcpu_run_ucall(vcpu, &uc) != UCALL_SYNC || (long)uc.args[0] <= 0)
		return 1;
	msg[0] = vm->domid;
	msg[1] = uc.args[0];
	if (write(fd, msg, sizeof(msg)) != sizeof(msg))
		return 1;
	if (dvcpu_run_ucall(vcpu, &uc) != UCALL_SYNC)
		return 1;
	return uc.args[0] >= 1 && uc.args[1] == VEC_CALLBACK ? 0 : 2;
}

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

static bool no_fifo_refused(void)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP |
				    DOMINO_DOMAIN_XEN_NO_FIFO);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	struct ucall uc;
	bool ok;

	dvcpu_setup_long64(vcpu, guest_nofifo);
	ok = dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && (long)uc.args[0] == -XEN_ENOSYS;
	dvcpu_free(vcpu);
	dvm_free(vm);
	return ok;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	uint64_t msg[2];
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	int fds[2], st;
	uint64_t ipi, slept;
	pid_t pid;
	bool ok;

	ktap_print_header();
	ktap_set_plan(21);
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);

	step(vcpu, &uc, "send");
	ipi = uc.args[0];
	ktap_test_result((long)uc.args[0] > 0 && uc.args[1] == 0 && uc.args[2] == 7 && uc.args[3] == 0,
			 "bind_ipi -> port %lld; send with IF clear: pending bit, selector and upcall byte set, no upcall yet (%#llx)",
			 (long long)uc.args[0], (unsigned long long)uc.args[2]);
	step(vcpu, &uc, "window");
	ktap_test_result(uc.args[0] == (1 | VEC_CALLBACK << 8) && uc.args[1] == 0,
			 "the callback vector arrives once IF is set, and only once (%#llx)",
			 (unsigned long long)uc.args[0]);

	step(vcpu, &uc, "mask");
	ktap_test_result(uc.args[0] == 1 && uc.args[1] == 0 && uc.args[2] == 6 && uc.args[3] == 1,
			 "a masked port: pending but no selector, upcall or vector; EVTCHNOP_unmask delivers it (%#llx %#llx)",
			 (unsigned long long)uc.args[0], (unsigned long long)uc.args[2]);

	step(vcpu, &uc, "timer");
	/* The guest's clock may lag the host's by a rounding: 19 ms is 20. */
	ktap_test_result((long)uc.args[0] > 0 && uc.args[1] == 0 && uc.args[2] >= 19 * MS &&
			 uc.args[2] < 2000 * MS,
			 "VIRQ_TIMER: a single-shot timer 20 ms away woke HLT after %.1f ms",
			 uc.args[2] / 1e6);
	ok = (long)uc.args[3] == -XEN_ETIME;
	step(vcpu, &uc, "far timer");
	ktap_test_result(ok && uc.args[0] == PACK2(0, 0),
			 "a past deadline with VCPU_SSHOTTMR_future -ETIME; 2^62 ns away accepted, then stopped (%#llx)",
			 (unsigned long long)uc.args[0]);

	step(vcpu, &uc, "block");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == 0 && uc.args[2] >= 10 * MS && uc.args[3] >= 1,
			 "set_timer_op + SCHEDOP_block: woken by the timer's upcall after %.1f ms",
			 uc.args[2] / 1e6);

	step(vcpu, &uc, "poll");
	ok = uc.args[0] == 0 && uc.args[1] >= 29 * MS && uc.args[2] == 0 && uc.args[3] < 29 * MS;
	slept = uc.args[1];
	step(vcpu, &uc, "poll bad port");
	ktap_test_result(ok && (long)uc.args[0] == -XEN_EINVAL,
			 "SCHEDOP_poll: a masked port's 30 ms timeout after %.1f ms; a pending one at once; port 4000 -EINVAL",
			 slept / 1e6);

	step(vcpu, &uc, "bind refusals");
	ktap_test_result((long)uc.args[0] == -XEN_EINVAL && (long)uc.args[1] == -XEN_EEXIST &&
			 (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_ENOENT,
			 "bind_virq 24 -EINVAL, VIRQ_TIMER twice -EEXIST, a global VIRQ on vCPU 1 -EINVAL; bind_ipi to vCPU 7 -ENOENT");
	step(vcpu, &uc, "port refusals");
	ktap_test_result((long)uc.args[0] == -XEN_EINVAL && uc.args[1] == PACK2(0, -XEN_EINVAL) &&
			 (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_EPERM,
			 "close of port 4000 -EINVAL, a double close -EINVAL, send on a VIRQ -EINVAL, status of dom0's port -EPERM");
	step(vcpu, &uc, "domain refusals");
	ktap_test_result((long)uc.args[0] == -XEN_EPERM && (long)uc.args[1] == -XEN_ESRCH &&
			 (long)uc.args[2] == -XEN_ENOSYS && (long)uc.args[3] == -XEN_EFAULT,
			 "alloc_unbound for dom0 -EPERM, bind to a domain that does not exist -ESRCH, op 99 -ENOSYS, a bad pointer -EFAULT");

	step(vcpu, &uc, "loopback");
	ktap_test_result(uc.args[1] >> 32 == EVTCHNSTAT_interdomain && uc.args[2] == 1 &&
			 uc.args[3] == PACK2(1, EVTCHNSTAT_unbound),
			 "loopback interdomain: bound both ways, a send raises the peer, closing one leaves the other unbound (%#llx %#llx)",
			 (unsigned long long)uc.args[1], (unsigned long long)uc.args[3]);

	step(vcpu, &uc, "percpu vector");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == PACK2(-XEN_EINVAL, -XEN_ENOENT) &&
			 uc.args[2] == 1 && uc.args[3] == VEC_PERCPU,
			 "HVMOP_set_evtchn_upcall_vector: the event comes at %#llx through the LAPIC; vector 0x0f -EINVAL, vCPU 9 -ENOENT",
			 (unsigned long long)uc.args[3]);

	step(vcpu, &uc, "runstate");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == PACK2(0, -XEN_EINVAL) &&
			 uc.args[2] == 0 && uc.args[3] >= 15 * MS,
			 "runstate area: running (no update flag left set), and %.1f ms of a 20 ms HLT counted blocked; vm_assist runstate flag 0, type 1 -EINVAL",
			 uc.args[3] / 1e6);

	step(vcpu, &uc, "fifo init");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == 17 &&
			 uc.args[2] == PACK2(-XEN_EINVAL, -XEN_ENOENT) &&
			 uc.args[3] == PACK2(-XEN_EINVAL, 0),
			 "FIFO: init_control 0 (link_bits 17); again -EINVAL, vCPU 3 -ENOENT; expand_array on MMIO -EINVAL, on RAM 0");
	step(vcpu, &uc, "fifo events");
	{
		uint32_t w1 = uc.args[0], w2 = uc.args[0] >> 32, p2 = uc.args[2] >> 32;
		uint32_t head = uc.args[1] >> 32;

		ok = w1 == (FIFO_PENDING | FIFO_LINKED | p2) &&
		     w2 == (FIFO_PENDING | FIFO_LINKED) && (uint32_t)uc.args[1] == 1U << 7 &&
		     head == ipi && (uint32_t)uc.args[2] == 1 &&
		     uc.args[3] == PACK2(-XEN_EINVAL, 0);
		ktap_test_result(ok, "FIFO: two sends queue at priority 7 (head %u, which links to %u), ready bit 7, one upcall; set_priority 16 -EINVAL, 3 accepted (words %#x %#x)",
				 head, p2, w1, w2);
	}

	step(vcpu, &uc, "exhaustion");
	ktap_test_result((long)uc.args[0] == -XEN_ENOSPC && uc.args[1] == 1023,
			 "ports run out with -ENOSPC after port %llu (xl's max_event_channels)",
			 (unsigned long long)uc.args[1]);
	step(vcpu, &uc, "reset");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] >> 32 == EVTCHNSTAT_closed,
			 "EVTCHNOP_reset: 0, the IPI port closed");

	/* 16: domain B in a child process. */
	TEST_ASSERT(pipe(fds) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(fds[0]);
		_exit(run_peer(vm->domid, fds[1]));
	}
	/* Our copy of the write end closed: a child that fails is EOF here. */
	close(fds[1]);
	TEST_ASSERT(read(fds[0], msg, sizeof(msg)) == sizeof(msg), "peer's port");
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&peer_domid) = msg[0];
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&peer_port) = msg[1];
	step(vcpu, &uc, "interdomain");
	TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	ktap_test_result((long)uc.args[0] > 0 && uc.args[1] == PACK2(1, 0) && WIFEXITED(st) &&
			 WEXITSTATUS(st) == 0,
			 "a port to domain %llu of another process: bound (our end pending at once), the send woke its halted vCPU with an upcall (child %d)",
			 (unsigned long long)msg[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	step(vcpu, &uc, "peer gone");
	ktap_test_result(uc.args[0] >> 32 == EVTCHNSTAT_unbound,
			 "the peer domain gone: our port is unbound again (%#llx)",
			 (unsigned long long)uc.args[0]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "done");
	dvcpu_free(vcpu);
	dvm_free(vm);

	ktap_test_result(no_fifo_refused(), "DOMINO_DOMAIN_XEN_NO_FIFO: init_control -ENOSYS");
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
