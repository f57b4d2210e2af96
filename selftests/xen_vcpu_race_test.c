// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU closed while another with its id is created: the new one must
 * keep its own Xen state. (Freed by id after vcpu_release had let the id
 * go, the old vCPU's release once freed the new one's state and leaked
 * its own, hrtimers and all; the new vCPU's set_timer_op then oopsed the
 * host.) The window is held open by vCPU 0 stalling in
 * VCPUOP_register_vcpu_info (the domain's Xen lock held) on a userfaultfd
 * page, so the old vCPU 1's release waits there; the new vCPU 1 is
 * created meanwhile from another thread (it may wait for the release).
 * Then the host binds a port to vCPU 1, and the new vCPU 1 runs
 * set_timer_op(0) after its start-up IPI.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_SET_TIMER_OP			15
#define HC_VCPU_OP			24
#define VCPUOP_register_vcpu_info	10
#define STALL_GPA			0x4000000ULL

static struct {
	uint64_t mfn;
	uint32_t offset, rsvd;	/* cppcheck-suppress unusedStructMember */
} rvi = { STALL_GPA >> 12, 0, 0 };

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static void guest_stall(void)
{
	xen_hcall_page_setup();
	GUEST_SYNC(0);
	GUEST_SYNC(xen_hcall3(HC_VCPU_OP, VCPUOP_register_vcpu_info, 0, (uintptr_t)&rvi));
	/* INIT, SIPI 08h to APIC 1: the new vCPU 1 runs (the crash step). */
	mmio_write32(DOMINO_LAPIC_BASE + 0xf0, 0x1ff);
	mmio_write32(DOMINO_LAPIC_BASE + 0x310, 1U << 24);
	mmio_write32(DOMINO_LAPIC_BASE + 0x300, 0xc500);
	mmio_write32(DOMINO_LAPIC_BASE + 0x310, 1U << 24);
	mmio_write32(DOMINO_LAPIC_BASE + 0x300, 0x8500);
	mmio_write32(DOMINO_LAPIC_BASE + 0x310, 1U << 24);
	mmio_write32(DOMINO_LAPIC_BASE + 0x300, 0x4608);
	GUEST_DONE();
}

/* Real mode at 0800:0000: out %al, (%dx) with dx = 0xde0, then hlt. */
static const uint8_t ap_stub[] = { 0xba, 0xe0, 0x0d, 0xee, 0xf4 };

static void guest_timer(void)
{
	GUEST_SYNC(xen_hcall(HC_SET_TIMER_OP, 0, 0));
}

static struct dvcpu *vcpu0, *vcpu1;
static volatile int t1_done;

static void *run0(void *arg)
{
	struct ucall uc;

	(void)arg;
	dvcpu_run_ucall(vcpu0, &uc);
	return (void *)(uintptr_t)uc.args[0];
}

static volatile int new_fd = -2;

static void *create1(void *arg)
{
	struct domino_create_vcpu cv = { .vcpu_id = 1 };
	struct dvm *vm = arg;
	int fd = ioctl(vm->dom, DOMINO_CREATE_VCPU, &cv);

	new_fd = fd < 0 ? -errno : fd;
	return NULL;
}

static void *close1(void *arg)
{
	(void)arg;
	dvcpu_free(vcpu1);
	t1_done = 1;
	return NULL;
}

static int probe_bind(struct dvm *vm, uint32_t vcpu)
{
	struct domino_xen_evtchn_bind b = { .vcpu = vcpu, .raise_fd = -1, .notify_fd = -1 };

	return ioctl(vm->dom, DOMINO_XEN_EVTCHN_BIND, &b) ? -errno : (int)b.port;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	struct uffdio_zeropage zp = { 0 };
	struct domino_memory_region r = { 0 };
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t t0, t1, t2;
	struct ucall uc;
	struct dvm *vm;
	void *stall;
	int uffd, before, after, nfd;

	ktap_print_header();
	ktap_set_plan(3);
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		ktap_test_skip("no userfaultfd (errno %d)", errno);
		ktap_test_skip("no userfaultfd");
		ktap_test_skip("no userfaultfd");
		ktap_finished();
	}
	stall = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(stall != MAP_FAILED, "mmap");
	reg.range.start = (uintptr_t)stall;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	TEST_ASSERT(!ioctl(uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER");
	r.slot = 1;
	r.guest_phys_addr = STALL_GPA;
	r.memory_size = 4096;
	r.userspace_addr = (uintptr_t)stall;
	TEST_ASSERT(!ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r), "slot 1");

	vcpu0 = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu0, guest_stall);
	TEST_ASSERT(dvcpu_run_ucall(vcpu0, &uc) == UCALL_SYNC, "ready");
	vcpu1 = dvcpu_add(vm, 1);
	before = probe_bind(vm, 1);
	ktap_print_msg("bind with vcpu 1 before: %d", before);

	pthread_create(&t0, NULL, run0, NULL);
	pfd.fd = uffd;
	pfd.events = POLLIN;
	TEST_ASSERT(poll(&pfd, 1, 5000) == 1, "no userfault: the hypercall did not stall");
	TEST_ASSERT(read(uffd, &msg, sizeof(msg)) == sizeof(msg), "uffd msg");
	ktap_print_msg("vCPU 0 stalled in register_vcpu_info at %#llx",
		       (unsigned long long)msg.arg.pagefault.address);

	pthread_create(&t1, NULL, close1, NULL);
	usleep(300000);
	ktap_print_msg("old vCPU 1's close %s", t1_done ? "returned" : "waits (x->lock)");
	pthread_create(&t2, NULL, create1, vm);
	usleep(300000);
	ktap_print_msg("new vCPU 1's create %s", new_fd == -2 ? "waits" : "returned");

	zp.range.start = (uintptr_t)stall;
	zp.range.len = 4096;
	TEST_ASSERT(!ioctl(uffd, UFFDIO_ZEROPAGE, &zp), "UFFDIO_ZEROPAGE");
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	nfd = new_fd;
	ktap_print_msg("new vCPU 1 created: %d", nfd);

	after = probe_bind(vm, 1);
	ktap_print_msg("bind with vcpu 1 after: %d", after);
	ktap_test_result(before > 0, "control: the host binds a port to vCPU 1");
	ktap_test_result(nfd < 0 || after > 0,
			 "a vCPU 1 created while the old one's release waited keeps its Xen state (bind: %d)",
			 after);

	if (nfd >= 0) {
		struct dvcpu *v = calloc(1, sizeof(*v));

		TEST_ASSERT(v, "calloc");
		v->vm = vm;
		v->id = 1;
		v->fd = nfd;
		v->run = mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED, nfd, 0);
		TEST_ASSERT(v->run != MAP_FAILED, "run area");
		dvm_load(vm, 0x8000, ap_stub, ap_stub + sizeof(ap_stub));
		TEST_ASSERT(dvcpu_run_ucall(vcpu0, &uc) == UCALL_DONE, "INIT/SIPI sent");
		ktap_print_msg("new vCPU 1 after SIPI: exit %s", exit_reason_str(dvcpu_run(v)));
		dvcpu_setup_long64(v, guest_timer);
		ktap_test_result(dvcpu_run_ucall(v, &uc) == UCALL_SYNC && uc.args[0] == 0,
				 "the new vCPU 1's set_timer_op(0) works (%lld)",
				 (long long)uc.args[0]);
	} else {
		ktap_test_skip("the new vCPU 1 was refused (%d): nothing to run", nfd);
	}
	ktap_finished();
}
