// SPDX-License-Identifier: GPL-2.0
/*
 * sched_op from a Xen domain: yield returns, SCHEDOP_shutdown stops the
 * vCPU in the VMM with Xen's reason and the code SCHEDOP_shutdown_code
 * left (DOMINO_EXIT_XEN_SHUTDOWN), and running it again returns 0 from the
 * hypercall; the refusals: suspend and soft reset (-ENOSYS until
 * save/restore exists), an unknown reason (-EINVAL), a bad pointer
 * (-EFAULT), poll with a bad pointer (-EFAULT) or over 128 ports
 * (-EINVAL), a remote shutdown (-EPERM). Block and poll at work:
 * xen_evtchn_test.
 */
#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_SCHED_OP		29
#define SCHEDOP_yield		0
#define SCHEDOP_shutdown	2
#define SCHEDOP_poll		3
#define SCHEDOP_remote_shutdown	4
#define SCHEDOP_shutdown_code	5
#define XEN_EPERM		1
#define XEN_EFAULT		14
#define XEN_EINVAL		22
#define XEN_ENOSYS		38



static long sched(unsigned int cmd, uint32_t reason)
{
	uint32_t sd = reason;

	return xen_hcall(HC_SCHED_OP, cmd, (uintptr_t)&sd);
}

/* struct sched_poll with more ports than Xen allows. */
static struct {
	uint64_t ports;
	uint32_t nr_ports, pad;		/* cppcheck-suppress unusedStructMember */
	uint64_t timeout;		/* cppcheck-suppress unusedStructMember */
} poll129 = { 0x100000, 129, 0, 0 };

static void guest_sched(void)
{

	xen_hcall_page_setup();
	guest_ucall(UCALL_SYNC, xen_hcall(HC_SCHED_OP, SCHEDOP_yield, 0),
		    sched(SCHEDOP_shutdown_code, 0x5eed),
		    sched(SCHEDOP_shutdown_code, 0xffffffff), 0);
	GUEST_SYNC(sched(SCHEDOP_shutdown, 0));		/* poweroff */
	GUEST_SYNC(sched(SCHEDOP_shutdown, 3));		/* crash */
	guest_ucall(UCALL_SYNC, sched(SCHEDOP_shutdown, 2), sched(SCHEDOP_shutdown, 5),
		    sched(SCHEDOP_shutdown, 99),
		    xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, 0x7ff000000000ULL));
	guest_ucall(UCALL_SYNC, xen_hcall(HC_SCHED_OP, SCHEDOP_poll, 0x7ff000000000ULL),
		    xen_hcall(HC_SCHED_OP, SCHEDOP_poll, (uintptr_t)&poll129),
		    xen_hcall(HC_SCHED_OP, SCHEDOP_remote_shutdown, 0),
		    xen_hcall(HC_SCHED_OP, 99, 0));
}

/* Runs to the next exit; true if it is the shutdown of @reason and @code. */
static bool shutdown_exit(struct dvcpu *vcpu, uint32_t reason, uint32_t code)
{
	uint32_t why = dvcpu_run(vcpu);

	ktap_print_msg("exit %s, reason %u code %#x", exit_reason_str(why),
		       vcpu->run->xen_shutdown.reason, vcpu->run->xen_shutdown.code);
	return why == DOMINO_EXIT_XEN_SHUTDOWN && vcpu->run->xen_shutdown.reason == reason &&
	       vcpu->run->xen_shutdown.code == code;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	bool ok;

	ktap_print_header();
	ktap_set_plan(6);
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_sched);

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "yield");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == 0 && (long)uc.args[2] == -XEN_EINVAL,
			 "SCHEDOP_yield and SCHEDOP_shutdown_code return 0; the code meaning \"none\" -EINVAL");

	ok = shutdown_exit(vcpu, 0, 0x5eed);
	ok &= dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 0;
	ktap_test_result(ok, "SCHEDOP_shutdown(poweroff): DOMINO_EXIT_XEN_SHUTDOWN reason 0, code 0x5eed; 0 when run again");
	ok = shutdown_exit(vcpu, 3, 0x5eed);
	ok &= dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 0;
	ktap_test_result(ok, "SCHEDOP_shutdown(crash): reason 3");

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "refusals");
	ktap_test_result((long)uc.args[0] == -XEN_ENOSYS && (long)uc.args[1] == -XEN_ENOSYS &&
			 (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_EFAULT,
			 "shutdown: suspend and soft_reset -ENOSYS, reason 99 -EINVAL, a bad pointer -EFAULT (%lld %lld %lld %lld)",
			 (long long)uc.args[0], (long long)uc.args[1], (long long)uc.args[2],
			 (long long)uc.args[3]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "block");
	ktap_test_result((long)uc.args[0] == -XEN_EFAULT && (long)uc.args[1] == -XEN_EINVAL &&
			 (long)uc.args[2] == -XEN_EPERM && (long)uc.args[3] == -XEN_ENOSYS,
			 "poll: a bad pointer -EFAULT, 129 ports -EINVAL; remote_shutdown -EPERM, op 99 -ENOSYS (%lld %lld %lld %lld)",
			 (long long)uc.args[0], (long long)uc.args[1], (long long)uc.args[2],
			 (long long)uc.args[3]);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
