// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's VMM must not make domain 0's tools wait on it through
 * /dev/xen/privcmd. This process is B's VMM: it backs a second memory
 * slot with a private memfd mapping registered with userfaultfd and never
 * serves it; B's guest gives a frame of that slot back
 * (XENMEM_decrease_reservation), so B's slots_lock is held while the
 * VMM's memory behind it waits in the userfaultfd (as in
 * xen_grant_kill_test). Meanwhile, from other processes:
 *
 *   getdomaininfo of B, getdomaininfolist and EVTCHNOP_status of B's
 *   port answer at once (xenstored's cues must never stall);
 *   MMAPBATCH_V2 of B's RAM waits for the lock, but killably: the
 *   mapper, killed, is gone within a second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../pvops/xen_dom0_abi.h"
#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define HC_SYSCTL		35
#define HC_DOMCTL		36
#define XENMEM_decrease_reservation	1
#define STALL_GPA		(64ULL << 20)	/* the userfaultfd slot */
#define STALL_SIZE		(2ULL << 20)
#define MAP_GFN			0x300ULL

struct pc_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

struct pc_mmapbatch_v2 {
	uint32_t num;
	uint16_t dom;
	uint64_t addr;
	const uint64_t *arr;
	int *err;
};

#define PC_HYPERCALL	_IOC(_IOC_NONE, 'P', 0, sizeof(struct pc_hypercall))
#define PC_MMAPBATCH_V2	_IOC(_IOC_NONE, 'P', 4, sizeof(struct pc_mmapbatch_v2))

struct reservation {
	uint64_t extent_start, nr_extents;	/* cppcheck-suppress unusedStructMember */
	uint32_t extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
	uint16_t domid;				/* cppcheck-suppress unusedStructMember */
};

static uint64_t stall_list[1] = { STALL_GPA >> 12 };

/* XENMEM_add_to_physmap: shared_info at the slot's second page. */
static struct {
	uint16_t domid, size;	/* cppcheck-suppress unusedStructMember */
	uint32_t space;		/* cppcheck-suppress unusedStructMember */
	uint64_t idx, gpfn;	/* cppcheck-suppress unusedStructMember */
} shinfo_map = { DOMID_SELF, 0, 0, 0, (STALL_GPA >> 12) + 1 };

static void guest_b(void)
{
	struct reservation r = { (uintptr_t)stall_list, 1, 0, 0, DOMID_SELF };

	xen_hcall_page_setup();
	GUEST_SYNC(alloc_unbound(DOMID_SELF, 0));
	/* Waits in our VMM's userfaultfd with B's slots_lock held. */
	GUEST_SYNC(xen_hcall(HC_MEMORY_OP, XENMEM_decrease_reservation, (uintptr_t)&r));
	/* Writing shared_info there waits in it with B's Xen locks held. */
	GUEST_SYNC(xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&shinfo_map));
}

static struct dvcpu *vb;
static struct ucall ub;

static void *b_thread(void *arg)
{
	(void)arg;
	dvcpu_run_ucall(vb, &ub);
	return NULL;
}

static long hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
	struct pc_hypercall h = { .op = op, .arg = { a0, a1 } };
	long r = ioctl(fd, PC_HYPERCALL, &h);

	return r < 0 ? -errno : r;
}

/*
 * Child: domain 0's queries about B, their results down @out as one
 * word: bit 0 getdomaininfo found B, bit 1 getdomaininfolist listed it,
 * bit 2 EVTCHNOP_status saw its port unbound for domain 0 (asked only
 * with a port).
 */
static int queries(int out, uint32_t domid, uint32_t port)
{
	struct { uint16_t dom, pad; uint32_t port, status, vcpu, u[2]; } st = {
		domid, 0, port, 0, 0, { 0, 0 } };
	struct xen417_dominfo list[8] = { 0 };
	struct xen417_domctl op = {
		.cmd = XEN417_DOMCTL_getdomaininfo,
		.interface_version = XEN417_DOMCTL_VERSION, .domain = domid,
	};
	struct xen417_sysctl sop = {
		.cmd = XEN417_SYSCTL_getdomaininfolist,
		.interface_version = XEN417_SYSCTL_VERSION,
	};
	int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	uint64_t res = 0;

	if (fd < 0)
		return 2;
	if (hcall(fd, HC_DOMCTL, (uintptr_t)&op, 0) == 0 && op.domain == domid)
		res |= 1;
	sop.u.getdomaininfolist.max_domains = 8;
	sop.u.getdomaininfolist.buffer = (uintptr_t)list;
	if (hcall(fd, HC_SYSCTL, (uintptr_t)&sop, 0) == 0)
		for (uint32_t i = 0; i < sop.u.getdomaininfolist.num_domains && i < 8; i++)
			if (list[i].domain == domid)
				res |= 2;
	if (port && hcall(fd, HC_EVTCHN_OP, EVTCHNOP_status, (uintptr_t)&st) == 0 &&
	    st.status == EVTCHNSTAT_unbound)
		res |= 4;
	return write(out, &res, sizeof(res)) == sizeof(res) ? 0 : 1;
}

/* Child: maps a page of B's RAM (waits for B's slots_lock). */
static int mapper(uint32_t domid)
{
	uint64_t gfn = MAP_GFN;
	int err = 0, fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	struct pc_mmapbatch_v2 m = { .num = 1, .dom = domid, .arr = &gfn, .err = &err };
	void *p;

	if (fd < 0)
		return 2;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 3;
	m.addr = (uintptr_t)p;
	return ioctl(fd, PC_MMAPBATCH_V2, &m) ? 4 : 0;
}

static pid_t spawn(int (*fn)(int, uint32_t, uint32_t), int out, uint32_t a, uint32_t b)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(fn(out, a, b));
	return pid;
}

static int run_queries(int out, uint32_t domid, uint32_t port)
{
	return queries(out, domid, port);
}

static int run_mapper(int out, uint32_t domid, uint32_t unused)
{
	(void)out;
	(void)unused;
	return mapper(domid);
}

static struct dvm *b;
static struct dvcpu *vb1;

/* Creating B's vCPU 1 holds B's vcpus_lock while it waits for its Xen locks. */
static void *add_thread(void *arg)
{
	(void)arg;
	vb1 = dvcpu_add(b, 1);
	return NULL;
}

/* Reaped within @ms? */
static bool reaped(pid_t pid, int ms, int *st)
{
	int i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, st, WNOHANG) == pid)
			return true;
		usleep(10000);
	}
	return false;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct uffdio_api api = { .api = UFFD_API };
	/* What the fault is served with: zeros. */
	static uint8_t zero[4096] __attribute__((aligned(4096)));	/* cppcheck-suppress unassignedVariable */
	struct uffdio_copy cp = { .src = (uintptr_t)zero, .len = 4096 };
	struct uffd_msg msg;
	struct pollfd pfd;
	int pipefd[2], st, uffd;
	pid_t qpid, mpid;
	uint64_t res = 0;
	bool answered, stuck, gone;
	pthread_t t, ta;
	uint32_t port;
	void *slot;

	ktap_print_header();
	if (access("/dev/xen/privcmd", F_OK) && errno == ENOENT)
		ktap_exit_skip("no /dev/xen/privcmd (this domino.ko registers none)");
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		ktap_exit_skip("userfaultfd unavailable here (%s)", strerror(errno));
	ktap_set_plan(4);

	b = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vb = dvcpu_add(b, 0);
	dvcpu_setup_long64(vb, guest_b);
	slot = dvm_add_uffd_slot(b, uffd, 5, STALL_GPA, STALL_SIZE);

	TEST_ASSERT(dvcpu_run_ucall(vb, &ub) == UCALL_SYNC && (int64_t)ub.args[0] > 0, "B's port");
	port = ub.args[0];
	TEST_ASSERT(pthread_create(&t, NULL, b_thread, NULL) == 0, "thread");
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	TEST_ASSERT(poll(&pfd, 1, 5000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT,
		    "B's decrease_reservation did not reach the userfaultfd");

	/* 1: the queries answer while B stalls. */
	TEST_ASSERT(pipe(pipefd) == 0, "pipe");
	qpid = spawn(run_queries, pipefd[1], b->domid, port);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	answered = poll(&pfd, 1, 3000) == 1 && read(pipefd[0], &res, sizeof(res)) == sizeof(res);
	ktap_test_result(answered && res == 7, "while B's VMM stalls holding its slots_lock: getdomaininfo, getdomaininfolist and EVTCHNOP_status of B answer at once (%s, %#llx)",
			 answered ? "answered" : "no answer in 3 s", (unsigned long long)res);

	/* 2: a mapper waits, and dies when killed. */
	mpid = spawn(run_mapper, -1, b->domid, 0);
	stuck = !reaped(mpid, 1000, &st);
	kill(mpid, SIGKILL);
	gone = reaped(mpid, 1000, &st);
	ktap_test_result(stuck && gone && WIFSIGNALED(st), "MMAPBATCH_V2 of B waits for the lock (%s) but killably: gone within 1 s of SIGKILL (%s)",
			 stuck ? "waiting" : "did not wait", gone ? "gone" : "still there");

	/* Serve the fault: B goes on. */
	cp.dst = msg.arg.pagefault.address & ~4095ULL;
	TEST_ASSERT(ioctl(uffd, UFFDIO_COPY, &cp) == 0, "UFFDIO_COPY: %s", strerror(errno));
	pthread_join(t, NULL);
	if (!answered)
		waitpid(qpid, &st, 0);
	else
		TEST_ASSERT(waitpid(qpid, &st, 0) == qpid, "queries reaped");
	if (!gone)
		waitpid(mpid, &st, 0);

	/*
	 * 3: B's vCPU thread waits in the userfaultfd holding B's Xen locks,
	 * a vCPU's creation waits for them holding B's vcpus_lock: domain
	 * 0's getdomaininfo and getdomaininfolist still answer at once.
	 */
	TEST_ASSERT(pthread_create(&t, NULL, b_thread, NULL) == 0, "thread");
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	TEST_ASSERT(poll(&pfd, 1, 5000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT,
		    "B's shared_info write did not reach the userfaultfd");
	TEST_ASSERT(pthread_create(&ta, NULL, add_thread, NULL) == 0, "thread");
	usleep(300000);
	res = 0;
	qpid = spawn(run_queries, pipefd[1], b->domid, 0);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	answered = poll(&pfd, 1, 3000) == 1 && read(pipefd[0], &res, sizeof(res)) == sizeof(res);
	ktap_test_result(answered && res == 3, "while B's vCPU waits in its VMM's userfaultfd holding B's Xen locks and a vCPU's creation waits for them holding vcpus_lock: getdomaininfo and getdomaininfolist of B answer at once (%s, %#llx)",
			 answered ? "answered" : "no answer in 3 s", (unsigned long long)res);
	cp.dst = msg.arg.pagefault.address & ~4095ULL;
	TEST_ASSERT(ioctl(uffd, UFFDIO_COPY, &cp) == 0, "UFFDIO_COPY: %s", strerror(errno));
	pthread_join(t, NULL);
	pthread_join(ta, NULL);
	TEST_ASSERT(waitpid(qpid, &st, 0) == qpid, "queries reaped");
	close(pipefd[0]);
	close(pipefd[1]);
	dvcpu_free(vb1);
	dvcpu_free(vb);
	dvm_free(b);
	munmap(slot, STALL_SIZE);
	close(uffd);
	/* 3 */
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
