// SPDX-License-Identifier: GPL-2.0
/*
 * One domain's VMM must not make another domain's vCPU thread unkillable
 * through GNTTABOP_copy (a hostile review proved it could).
 *
 * B (this process) grants a page to A (a child process). B's VMM backs a
 * second memory slot with a private memfd mapping registered with
 * userfaultfd and never serves it; B's guest gives a frame of that slot
 * back (XENMEM_decrease_reservation), so xen_extent_out() holds B's
 * slots_lock while memory_discard_host() zeroes it with clear_user(),
 * which waits in the userfaultfd. A's guest then copies from B's grant:
 * gnt_acquire() takes B's table lock, and domino_guest_get_page() waits
 * in mutex_lock(&B->slots_lock), uninterruptibly. SIGKILL to A does
 * nothing until B's VMM serves the fault.
 *
 * The check: A, killed, is gone within a second while B still stalls.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define HC_GRANT_TABLE_OP	20
#define GNTTABOP_copy		5
#define GNTCOPY_source_gref	1
#define GTF_permit_access	1
#define GTF_readonly		4
#define XENMAPSPACE_grant_table	1
#define XENMEM_decrease_reservation	1
#define HOLE_GFN		0x80000ULL
#define STALL_GPA		(64ULL << 20)	/* the userfaultfd slot */
#define STALL_SIZE		(2ULL << 20)
#define GNT0			((volatile struct gnt_entry *)(HOLE_GFN << 12))

struct gnt_entry {
	uint16_t flags, domid;		/* cppcheck-suppress unusedStructMember */
	uint32_t frame;		/* cppcheck-suppress unusedStructMember */
};


struct reservation {
	uint64_t extent_start, nr_extents;	/* cppcheck-suppress unusedStructMember */
	uint32_t extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
	uint16_t domid;				/* cppcheck-suppress unusedStructMember */
};

static volatile uint64_t peer;	/* B: A's domid; A: B's */
static uint8_t data_page[4096] __attribute__((aligned(4096)));
static uint8_t local[4096] __attribute__((aligned(4096)));
static uint64_t stall_list[1] = { STALL_GPA >> 12 };

static void guest_b(void)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, HOLE_GFN };
	struct reservation r = { (uintptr_t)stall_list, 1, 0, 0, DOMID_SELF };

	xen_setup();
	GUEST_ASSERT(!xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m));
	data_page[0] = 0x5a;
	GNT0[1].frame = (uintptr_t)data_page >> 12;
	GNT0[1].domid = peer;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	GNT0[1].flags = GTF_permit_access | GTF_readonly;
	GUEST_SYNC(0);
	/* Waits in B's VMM's userfaultfd with B's slots_lock held. */
	GUEST_SYNC(xen_hcall(HC_MEMORY_OP, XENMEM_decrease_reservation, (uintptr_t)&r));
}

static void guest_a(void)
{
	struct gnt_copy o = { 1, (uint16_t)peer, 0, 0, (uintptr_t)local >> 12,
			      DOMID_SELF, 0, 0, 4096, GNTCOPY_source_gref, 1, 0 };

	xen_setup();
	GUEST_SYNC(xen_hcall3(HC_GRANT_TABLE_OP, GNTTABOP_copy, (uintptr_t)&o, 1));
	GUEST_SYNC(o.status);
}

/* Child: domain A. Sends its domid, waits for B's, copies. */
static int run_a(int in, int out)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	uint64_t id = vm->domid, idb;
	struct ucall uc;

	dvcpu_setup_long64(vcpu, guest_a);
	if (write(out, &id, sizeof(id)) != sizeof(id) ||
	    read(in, &idb, sizeof(idb)) != sizeof(idb))
		return 2;
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&peer) = idb;
	dvcpu_run_ucall(vcpu, &uc);
	return 0;
}

static struct dvcpu *vb;
static struct ucall ub;

static void *b_thread(void *arg)
{
	(void)arg;
	dvcpu_run_ucall(vb, &ub);
	return NULL;
}

static char task_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

static void task_wchan(pid_t pid, char *out, size_t len)
{
	char path[64];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(out, 1, len - 1, f);
		fclose(f);
	}
	out[n] = 0;
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffd_msg msg;
	struct pollfd pfd;
	int to_a[2], from_a[2], st, uffd;
	uint64_t ida, idb;
	char st_before, st_after, wchan[64];
	pthread_t t;
	struct dvm *b;
	pid_t pid;
	bool gone;
	int i;

	ktap_print_header();
	ktap_set_plan(1);

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		ktap_test_skip("userfaultfd unavailable here (%s)", strerror(errno));
		ktap_finished();
	}

	TEST_ASSERT(pipe(to_a) == 0 && pipe(from_a) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(to_a[1]);
		close(from_a[0]);
		_exit(run_a(to_a[0], from_a[1]));
	}
	close(to_a[0]);
	close(from_a[1]);
	TEST_ASSERT(read(from_a[0], &ida, sizeof(ida)) == sizeof(ida), "A's domid");

	b = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vb = dvcpu_add(b, 0);
	dvcpu_setup_long64(vb, guest_b);
	*(uint64_t *)dvm_gpa(b, (uintptr_t)&peer) = ida;

	dvm_add_uffd_slot(b, uffd, 5, STALL_GPA, STALL_SIZE);

	TEST_ASSERT(dvcpu_run_ucall(vb, &ub) == UCALL_SYNC, "B grants");
	TEST_ASSERT(pthread_create(&t, NULL, b_thread, NULL) == 0, "thread");
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	TEST_ASSERT(poll(&pfd, 1, 5000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT,
		    "B's decrease_reservation did not reach the userfaultfd");
	ktap_print_msg("B stalls in clear_user at %#llx with its slots_lock held\n",
		       (unsigned long long)msg.arg.pagefault.address);

	idb = b->domid;
	TEST_ASSERT(write(to_a[1], &idb, sizeof(idb)) == sizeof(idb), "to A");
	sleep(2);
	st_before = task_state(pid);
	task_wchan(pid, wchan, sizeof(wchan));
	kill(pid, SIGKILL);
	gone = false;
	for (i = 0; i < 20 && !gone; i++) {
		usleep(50000);
		gone = waitpid(pid, &st, WNOHANG) == pid;
	}
	st_after = gone ? 'X' : task_state(pid);
	ktap_print_msg("A before SIGKILL: state %c wchan %s; 1 s after: %s (state %c)\n",
		       st_before, wchan, gone ? "reaped" : "still there", st_after);

	/* Serve the fault: B goes on, and so does A (then dies). */
	{
		static uint8_t zero[4096] __attribute__((aligned(4096)));
		struct uffdio_copy cp = {
			.dst = msg.arg.pagefault.address & ~4095ULL,
			.src = (uintptr_t)zero, .len = 4096,
		};

		TEST_ASSERT(ioctl(uffd, UFFDIO_COPY, &cp) == 0, "UFFDIO_COPY: %s",
			    strerror(errno));
	}
	if (!gone)
		TEST_ASSERT(waitpid(pid, &st, 0) == pid, "waitpid");
	pthread_join(t, NULL);

	ktap_test_result(gone, "a copier killed while the granter's VMM stalls its slots_lock exits (A was %c in %s, %s after SIGKILL)",
			 st_before, wchan[0] ? wchan : "?", gone ? "gone" : "still there 1 s");
	dvcpu_free(vb);
	dvm_free(b);
	ktap_finished();
}
