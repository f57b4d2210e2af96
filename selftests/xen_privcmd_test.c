// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/privcmd with raw ioctls, as Xen 4.17's libraries issue them:
 * xen_version as domain 0 sees it (the same version the guest sees);
 * XEN_DOMCTL_getdomaininfo of live test domains (ids, vCPUs online and
 * the highest id, pages, flags), of a free id (the next domain) and past
 * the last (ESRCH), of a domain that shut down and one that crashed
 * (Xen's reason in the flags); XEN_SYSCTL_getdomaininfolist; a wrong
 * interface version (EACCES); bad pointers (NULL, a kernel address, an
 * unmapped page, a read-only buffer: EFAULT); unsupported calls (ENOSYS);
 * EVTCHNOP_status of a guest's ports; DM_OP's checks; RESTRICT's rules;
 * and every allocation returned. Our structure layouts are checked
 * against Xen's installed headers when libxen-dev is there
 * (lib/xen417_abi_check.c, compiled with this test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../pvops/xen_dom0_abi.h"
#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

/* Linux's evtchn.h IOCTL_EVTCHN_BIND_UNBOUND_PORT (its header clashes with Xen's). */
struct bind_unbound { unsigned int remote_domain; };
#define IOCTL_BIND_UNBOUND	_IOC(_IOC_NONE, 'E', 2, sizeof(struct bind_unbound))


/* Linux's include/uapi/xen/privcmd.h (no <xen/interface/xen.h> here). */
struct pc_hypercall {
	uint64_t op;
	uint64_t arg[5];
};

struct pc_dm_op_buf {
	void *uptr;
	size_t size;
};

struct pc_dm_op {
	uint16_t dom;
	uint16_t num;
	const struct pc_dm_op_buf *ubufs;
};

struct pc_mmapbatch_v2 {
	uint32_t num;
	uint16_t dom;
	uint64_t addr;
	const uint64_t *arr;
	int *err;
};

struct pc_mmap_resource {
	uint16_t dom;
	uint32_t type;
	uint32_t id;
	uint32_t idx;
	uint64_t num;
	uint64_t addr;
};

#define PC_HYPERCALL	_IOC(_IOC_NONE, 'P', 0, sizeof(struct pc_hypercall))
#define PC_MMAPBATCH_V2	_IOC(_IOC_NONE, 'P', 4, sizeof(struct pc_mmapbatch_v2))
#define PC_MMAP_RESOURCE _IOC(_IOC_NONE, 'P', 7, sizeof(struct pc_mmap_resource))
#define PC_DM_OP	_IOC(_IOC_NONE, 'P', 5, sizeof(struct pc_dm_op))
#define PC_RESTRICT	_IOC(_IOC_NONE, 'P', 6, sizeof(uint16_t))


#define HC_XEN_VERSION		17
#define HC_SYSCTL		35
#define HC_DOMCTL		36
#define XENVER_version		0
#define XENVER_extraversion	1
#define XENVER_get_features	6
#define XENVER_pagesize		7
#define XENVER_commandline	9
#define XENFEAT_dom0		11
#define SCHEDOP_shutdown	2
#define SHUTDOWN_poweroff	0
#define SHUTDOWN_crash		3
#define EVTCHNSTAT_virq		4
#define DOMID_INVALID		0x7ff4
#define KERNEL_PTR		0xffffffff81000000ULL
#define HVMOP_get_param		1

/* struct xen_hvm_param */
struct hvm_param {
	uint16_t domid;
	uint16_t pad;		/* cppcheck-suppress unusedStructMember */
	uint32_t index;
	uint64_t value;
};
#define XENMAPSPACE_grant_table	1
#define HOLE_GFN		0x80000ULL
#define GNT0			((volatile struct gnt_entry *)(HOLE_GFN << 12))
#define GNT_MARK		0x5eedf00dU
#define MAP_GFN			0x300ULL	/* guest RAM the tests map */
#define RES_GRANT_TABLE		1
#define NOBODY			65534

struct gnt_entry {
	uint16_t flags, domid;	/* cppcheck-suppress unusedStructMember */
	uint32_t frame;		/* cppcheck-suppress unusedStructMember */
};

/* Set by the host: guest A stops spinning. */
static volatile uint64_t release;

/*
 * Guest A: its version, a port left for domain 0, VIRQ_TIMER; poweroff;
 * then it spins until released and sleeps in HLT for its timer.
 */
static void guest_a(void)
{
	uint32_t sd = SHUTDOWN_poweroff;
	long q, t;

	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, HOLE_GFN };

	xen_setup();
	q = alloc_unbound(DOMID_SELF, 0);
	t = bind_virq(VIRQ_TIMER, 0);
	/* Grant frame 0 in a hole, entry 1 marked: MMAP_RESOURCE shows it. */
	GUEST_ASSERT(!xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m));
	GNT0[1].frame = GNT_MARK;
	guest_ucall(UCALL_SYNC, xen_hcall(HC_XEN_VERSION, XENVER_version, 0), q, t, 0);
	GUEST_SYNC(xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, (uintptr_t)&sd));
	while (!release)
		__asm__ volatile("pause");
	clear_port(t);
	GUEST_SYNC(singleshot(xen_now() + 300 * MS, 0) | hlt_until(t) << 8);
}

/* Guest B: crashes. */
static void guest_b(void)
{
	uint32_t sd = SHUTDOWN_crash;

	xen_hcall_page_setup();
	GUEST_SYNC(xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, (uintptr_t)&sd));
}

static int pfd;

static long hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
	struct pc_hypercall h = { .op = op, .arg = { a0, a1 } };
	long r = ioctl(fd, PC_HYPERCALL, &h);

	return r < 0 ? -errno : r;
}

static long domctl_raw(struct xen417_domctl *op)
{
	return hcall(pfd, HC_DOMCTL, (uintptr_t)op, 0);
}

/* XEN_DOMCTL_getdomaininfo of @domid into @op; 0 or -errno. */
static long getinfo(uint32_t domid, struct xen417_domctl *op)
{
	memset(op, 0, sizeof(*op));
	op->cmd = XEN417_DOMCTL_getdomaininfo;
	op->interface_version = XEN417_DOMCTL_VERSION;
	op->domain = domid;
	return domctl_raw(op);
}

static long getlist(uint32_t first, uint32_t max, struct xen417_dominfo *buf,
		    struct xen417_sysctl *op)
{
	memset(op, 0, sizeof(*op));
	op->cmd = XEN417_SYSCTL_getdomaininfolist;
	op->interface_version = XEN417_SYSCTL_VERSION;
	op->u.getdomaininfolist.first_domain = first;
	op->u.getdomaininfolist.max_domains = max;
	op->u.getdomaininfolist.buffer = (uintptr_t)buf;
	return hcall(pfd, HC_SYSCTL, (uintptr_t)op, 0);
}

/* EVTCHNOP_status of @dom's @port: status << 32 | u's first word, or -errno. */
static long evtchn_status(int fd, uint16_t dom, uint32_t port)
{
	struct { uint16_t dom, pad; uint32_t port, status, vcpu, u[2]; } a = {
		dom, 0, port, 0, 0, { 0, 0 } };
	long r = hcall(fd, HC_EVTCHN_OP, EVTCHNOP_status, (uintptr_t)&a);

	return r ? r : (long)a.status << 32 | a.u[0];
}

static long restrict_fd(int fd, uint16_t dom)
{
	return ioctl(fd, PC_RESTRICT, &dom) < 0 ? -errno : 0;
}

static long dm_op(int fd, uint16_t dom, uint16_t num, const struct pc_dm_op_buf *bufs)
{
	struct pc_dm_op op = { .dom = dom, .num = num, .ubufs = bufs };

	return ioctl(fd, PC_DM_OP, &op) < 0 ? -errno : 0;
}

static long mmapbatch(int fd, uint16_t dom, void *addr, const uint64_t *gfns, int *errs,
		      uint32_t num)
{
	struct pc_mmapbatch_v2 m = { .num = num, .dom = dom, .addr = (uintptr_t)addr,
				     .arr = gfns, .err = errs };

	return ioctl(fd, PC_MMAPBATCH_V2, &m) < 0 ? -errno : 0;
}

static long mmap_resource(int fd, uint16_t dom, uint32_t type, uint32_t id, uint32_t idx,
			  uint64_t *num, void *addr)
{
	struct pc_mmap_resource m = { .dom = dom, .type = type, .id = id, .idx = idx,
				      .num = *num, .addr = (uintptr_t)addr };
	long r = ioctl(fd, PC_MMAP_RESOURCE, &m) < 0 ? -errno : 0;

	*num = m.num;
	return r;
}

/* The kernel log from now on (root's /dev/kmsg), or -1. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Records logged since kmsg_open() that contain @text. */
static int kmsg_count(int fd, const char *text)
{
	char rec[1024];
	int count = 0;

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip them */
		if (n <= 0)
			break;
		rec[n] = 0;
		count += strstr(rec, text) != NULL;
	}
	return count;
}

/* A privcmd VMA of @pages pages, shared, with @prot. */
static uint8_t *pc_map(int fd, unsigned int pages, int prot)
{
	void *p = mmap(NULL, pages * 4096UL, prot, MAP_SHARED, fd, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap /dev/xen/privcmd");
	return p;
}

/* In a child that gave root up: MMAPBATCH of one page of @dom via @fd. */
static long map_as_nobody(int fd, uint16_t dom)
{
	int st, pipefd[2];
	long r = -1;
	pid_t pid;

	TEST_ASSERT(pipe(pipefd) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		uint64_t gfn = MAP_GFN;
		int err = 0;
		void *p;

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		r = p == MAP_FAILED ? -errno : mmapbatch(fd, dom, p, &gfn, &err, 1);
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	TEST_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "child");
	TEST_ASSERT(read(pipefd[0], &r, sizeof(r)) == sizeof(r), "child's answer");
	close(pipefd[0]);
	close(pipefd[1]);
	return r;
}

static void *run_vcpu(void *arg)
{
	static struct ucall uc;

	return (void *)(uintptr_t)(dvcpu_run_ucall(arg, &uc) == UCALL_SYNC && !(uc.args[0] & 0xff));
}

/* Within 10 s, flags with @set and without @clear (a domain of ours). */
static bool flags_seen(uint32_t domid, uint32_t set, uint32_t clear)
{
	struct xen417_domctl op;
	int i;

	for (i = 0; i < 10000; i++) {
		if (getinfo(domid, &op) == 0 && (op.u.getdomaininfo.flags & set) == set &&
		    !(op.u.getdomaininfo.flags & clear))
			return true;
		usleep(1000);
	}
	return false;
}

static uint64_t domino_memory(struct dvm *vm)
{
	struct domino_domain_info info;

	TEST_ASSERT(ioctl(vm->dom, DOMINO_DOMAIN_GET_INFO, &info) == 0, "GET_INFO");
	return info.memory;
}

static uint32_t shutdown_reason(uint32_t flags)
{
	return flags >> XEN417_DOMINF_shutdownshift & XEN417_DOMINF_shutdownmask;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct xen417_dominfo list[16], *e;
	struct dvm *vm, *plain, *vmb;
	struct dvcpu *va, *vb, *pv0, *pv1, *ap1, *ap2;
	struct xen417_domctl op, op2;
	struct xen417_sysctl sop;
	struct pc_dm_op_buf bufs[17];
	uint64_t gfns[4], nres, one;
	struct domino_xen_param dparam = { 0 };
	struct hvm_param hp;
	char logline[64];
	int kmsg;
	pthread_t th;
	void *thr;
	bool ok2;
	int cpus;
	int errs[4];
	uint8_t *map, *map2;
	void *anon;
	long r2;
	char extra[16], cmdline[1024];
	uint32_t feat[2], dead_id, dm_hdr[4] = { 0 };
	long ver, q, t, r, u;
	struct bind_unbound ub = { 0 };
	int efd;
	struct ucall uc;
	struct stat sb;
	void *unmapped, *ro;
	uint8_t *moved;
	int fd2, i, n;
	bool ok;

	ktap_print_header();
	pfd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (pfd < 0 && errno == ENOENT)
		ktap_exit_skip("no /dev/xen/privcmd (this domino.ko registers none, or a Xen dom0 driver holds the name)");
	TEST_ASSERT(pfd >= 0, "open /dev/xen/privcmd");
	ktap_set_plan(25);

	/* 1: the node; no /dev/xen/hypercall (libxencall falls back). */
	ok = stat("/dev/xen/privcmd", &sb) == 0 && S_ISCHR(sb.st_mode) &&
	     (sb.st_mode & 0777) == 0600 && sb.st_uid == 0 &&
	     access("/dev/xen/hypercall", F_OK) != 0 && errno == ENOENT;
	ktap_test_result(ok, "/dev/xen/privcmd: a character device, mode 0600, root's (%o); no /dev/xen/hypercall (ENOENT: libxencall's fallback)",
			 (unsigned int)(sb.st_mode & 0777));

	/* A free id below the test domains, then the domains. */
	plain = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	dead_id = plain->domid;
	dvm_free(plain);
	vm = dvm_create_max(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP, GUEST_MEM_SIZE,
			    2 * GUEST_MEM_SIZE, true);
	va = dvcpu_add(vm, 0);
	ap1 = dvcpu_add(vm, 1);
	ap2 = dvcpu_add(vm, 2);
	dvcpu_setup_long64(va, guest_a);
	plain = dvm_create(0);
	pv0 = dvcpu_add(plain, 0);
	pv1 = dvcpu_add(plain, 1);
	vmb = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vb = dvcpu_add(vmb, 0);
	dvcpu_setup_long64(vb, guest_b);
	TEST_ASSERT(dvcpu_run_ucall(va, &uc) == UCALL_SYNC, "guest A set up");
	ver = uc.args[0];
	q = uc.args[1];
	t = uc.args[2];
	TEST_ASSERT(q > 0 && t > 0, "guest A's ports %ld %ld", q, t);

	/* 2: xen_version. */
	memset(extra, 0x55, sizeof(extra));
	memset(cmdline, 0x55, sizeof(cmdline));
	feat[0] = 0;
	feat[1] = 0;
	r = hcall(pfd, HC_XEN_VERSION, XENVER_version, 0);
	ok = r == ver && r >> 16 == 4 && (r & 0xffff) == 17 &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_extraversion, (uintptr_t)extra) == 0 &&
	     memchr(extra, 0, sizeof(extra)) &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_get_features, (uintptr_t)feat) == 0 &&
	     (feat[1] & (1U << XENFEAT_dom0)) &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_pagesize, 0) == sysconf(_SC_PAGESIZE) &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_commandline, (uintptr_t)cmdline) == 0 &&
	     strcmp(cmdline, "<denied>") != 0 && memchr(cmdline, 0, sizeof(cmdline));
	ktap_test_result(ok, "xen_version: %#lx (the guest sees %#lx), extraversion \"%.16s\", XENFEAT_dom0 in get_features (%#x), pagesize, a command line not denied to domain 0",
			 r, ver, extra, feat[1]);

	/* 3: a live Xen domain. */
	r = getinfo(vm->domid, &op);
	e = &op.u.getdomaininfo;
	ok = r == 0 && op.domain == vm->domid && e->domain == vm->domid &&
	     (e->flags & (XEN417_DOMINF_hvm_guest | XEN417_DOMINF_hap)) ==
	     (XEN417_DOMINF_hvm_guest | XEN417_DOMINF_hap) &&
	     !(e->flags & (XEN417_DOMINF_shutdown | XEN417_DOMINF_dying)) &&
	     shutdown_reason(e->flags) == 0xff &&
	     e->nr_online_vcpus == 1 && e->max_vcpu_id == 2 &&
	     e->tot_pages == domino_memory(vm) / 4096 && e->max_pages == 2 * GUEST_MEM_SIZE / 4096 &&
	     e->shared_info_frame == (uintptr_t)shinfo_page / 4096 &&
	     e->arch_config.emulation_flags == (XEN417_X86_EMU_LAPIC | XEN417_X86_EMU_IOAPIC) &&
	     e->cpupool == 0 && e->gpaddr_bits >= 32;
	ktap_test_result(ok, "getdomaininfo(%u): r %ld, flags %#x (hvm_guest, hap, no shutdown code: 0xff as Xen's ~0), %u vCPU online of ids 0-%u (APs wait for SIPI), %llu pages of %llu, shared_info at frame %#llx, LAPIC+IOAPIC, %u address bits",
			 vm->domid, r, e->flags, e->nr_online_vcpus, e->max_vcpu_id,
			 (unsigned long long)e->tot_pages, (unsigned long long)e->max_pages,
			 (unsigned long long)e->shared_info_frame, e->gpaddr_bits);

	/* 4: a plain domain, a free id, past the last, reserved ids, domain 0. */
	r = getinfo(plain->domid, &op);
	ok = r == 0 && e->domain == plain->domid && e->nr_online_vcpus == 2 &&
	     e->max_vcpu_id == 1 && e->arch_config.emulation_flags == 0 &&
	     e->shared_info_frame == ~0ULL;
	r = getinfo(dead_id, &op);
	ok &= r == 0 && op.domain == vm->domid && e->domain == vm->domid &&
	      getinfo(vmb->domid + 1, &op) == -ESRCH && getinfo(0x7ff0, &op) == -EINVAL &&
	      getinfo(0xffff, &op) == -EINVAL;
	r = getinfo(0, &op);
	ok &= r == 0 && op.domain == 0 && e->domain == 0 &&
	      e->nr_online_vcpus == (uint32_t)host_online_cpus() &&
	      !(e->flags & (XEN417_DOMINF_shutdown | XEN417_DOMINF_hvm_guest)) && e->tot_pages > 0;
	ktap_test_result(ok, "getdomaininfo: a domain without Xen (2 vCPUs online, no irqchip), a free id %u gives the next domain %u, past the last ESRCH, reserved ids EINVAL; domain 0 is the host (%u CPUs)",
			 dead_id, vm->domid, e->nr_online_vcpus);

	/* 5: shut down (poweroff), and crashed. */
	TEST_ASSERT(dvcpu_run(va) == DOMINO_EXIT_XEN_SHUTDOWN, "guest A's shutdown");
	r = getinfo(vm->domid, &op);
	ok = r == 0 && (e->flags & XEN417_DOMINF_shutdown) &&
	     shutdown_reason(e->flags) == SHUTDOWN_poweroff;
	TEST_ASSERT(dvcpu_run_ucall(va, &uc) == UCALL_SYNC && uc.args[0] == 0, "runs again");
	ok &= getinfo(vm->domid, &op) == 0 && (e->flags & XEN417_DOMINF_shutdown);
	ok &= getinfo(vmb->domid, &op) == 0 && !(e->flags & XEN417_DOMINF_shutdown);
	TEST_ASSERT(dvcpu_run(vb) == DOMINO_EXIT_XEN_SHUTDOWN, "guest B's crash");
	ok &= getinfo(vmb->domid, &op) == 0 && (e->flags & XEN417_DOMINF_shutdown) &&
	      shutdown_reason(e->flags) == SHUTDOWN_crash;
	ktap_test_result(ok, "a guest's SCHEDOP_shutdown: XEN_DOMINF_shutdown with reason poweroff, kept when it runs on; a crash reads reason 3 (libxenctrl's crashed), flags %#x",
			 e->flags);

	/* 6: running while the guest spins, blocked while it sleeps in HLT. */
	TEST_ASSERT(pthread_create(&th, NULL, run_vcpu, va) == 0, "vCPU thread");
	/* On one host CPU this poller runs only while the vCPU is out of the guest. */
	cpus = host_online_cpus();
	if (cpus > 1)
		ok = flags_seen(vm->domid, XEN417_DOMINF_running, XEN417_DOMINF_blocked);
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&release) = 1;
	ok2 = flags_seen(vm->domid, XEN417_DOMINF_blocked, XEN417_DOMINF_running);
	TEST_ASSERT(pthread_join(th, &thr) == 0, "join");
	if (cpus > 1)
		ktap_test_result(ok, "flags: running while the guest spins");
	else
		ktap_test_skip("flags: running needs a second host CPU to look while the vCPU is in the guest (%d here)",
			       cpus);
	ktap_test_result(ok2 && thr, "flags: blocked while its only online vCPU sleeps in HLT for its timer");

	/* 7: getdomaininfolist. */
	memset(list, 0xaa, sizeof(list));
	r = getlist(0, 16, list, &sop);
	n = sop.u.getdomaininfolist.num_domains;
	ok = r == 0 && n >= 4 && n < 16 && list[0].domain == 0;
	for (i = 1; ok && i < n; i++)
		ok = list[i].domain > list[i - 1].domain;
	for (i = 0; ok && i < n; i++)
		ok = getinfo(list[i].domain, &op) == 0 && e->flags == list[i].flags &&
		     e->tot_pages == list[i].tot_pages &&
		     e->max_vcpu_id == list[i].max_vcpu_id;
	ok &= list[n - 1].domain == vmb->domid && list[n].domain == 0xaaaa;
	ok &= getlist(vm->domid, 1, list, &sop) == 0 &&
	      sop.u.getdomaininfolist.num_domains == 1 && list[0].domain == vm->domid &&
	      getlist(plain->domid, 0, list, &sop) == 0 &&
	      sop.u.getdomaininfolist.num_domains == 0 &&
	      getlist(vmb->domid + 1, 16, list, &sop) == 0 &&
	      sop.u.getdomaininfolist.num_domains == 0;
	ktap_test_result(ok, "getdomaininfolist: %d domains from 0, domain 0 first, ids rising, each entry as getdomaininfo says; from an id with max 1: that one; max 0 and past the last: none",
			 n);

	/* 8: interface versions. */
	getinfo(vm->domid, &op);
	op.interface_version = 0x14;
	ok = domctl_raw(&op) == -EACCES;
	op.interface_version = 0x16;
	ok &= domctl_raw(&op) == -EACCES;
	getlist(0, 16, list, &sop);
	sop.interface_version = 0x14;
	ok &= hcall(pfd, HC_SYSCTL, (uintptr_t)&sop, 0) == -EACCES;
	ktap_test_result(ok, "domctl and sysctl at interface versions 0x14 and 0x16: EACCES (Xen 4.17's is 0x15)");

	/* 9: bad pointers. */
	unmapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(unmapped != MAP_FAILED && ro != MAP_FAILED && munmap(unmapped, 4096) == 0, "mmap");
	ok = ioctl(pfd, PC_HYPERCALL, NULL) == -1 && errno == EFAULT &&
	     ioctl(pfd, PC_HYPERCALL, (void *)KERNEL_PTR) == -1 && errno == EFAULT &&
	     hcall(pfd, HC_DOMCTL, 0, 0) == -EFAULT &&
	     hcall(pfd, HC_DOMCTL, KERNEL_PTR, 0) == -EFAULT &&
	     hcall(pfd, HC_DOMCTL, (uintptr_t)unmapped, 0) == -EFAULT &&
	     hcall(pfd, HC_SYSCTL, (uintptr_t)unmapped, 0) == -EFAULT &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_extraversion, KERNEL_PTR) == -EFAULT &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_extraversion, (uintptr_t)ro) == -EFAULT &&
	     hcall(pfd, HC_EVTCHN_OP, EVTCHNOP_status, (uintptr_t)unmapped) == -EFAULT;
	/* A domctl the kernel may read but not write back. */
	getinfo(vm->domid, &op);
	ok &= mprotect(ro, 4096, PROT_READ | PROT_WRITE) == 0;
	memcpy(ro, &op, sizeof(op));
	ok &= mprotect(ro, 4096, PROT_READ) == 0 && hcall(pfd, HC_DOMCTL, (uintptr_t)ro, 0) == -EFAULT;
	/* A list whose buffer is read-only: EFAULT, num_domains not written. */
	r = getlist(0, 16, ro, &sop);
	ok &= r == -EFAULT && sop.u.getdomaininfolist.num_domains == 0 &&
	      getlist(0, 16, (void *)KERNEL_PTR, &sop) == -EFAULT;
	ktap_test_result(ok, "bad pointers: the ioctl's argument and the hypercall's (NULL, a kernel address, an unmapped page, a read-only page for an OUT argument, a read-only list buffer): EFAULT");

	/* 10: unsupported calls. */
	getinfo(vm->domid, &op2);
	op2.cmd = 1;	/* XEN_DOMCTL_createdomain */
	getlist(0, 16, list, &sop);
	sop.cmd = 1;	/* XEN_SYSCTL_readconsole */
	ok = hcall(pfd, HC_MEMORY_OP, 0, 0) == -ENOSYS &&
	     hcall(pfd, HC_HVM_OP, 99, 0) == -ENOSYS &&
	     hcall(pfd, 41, 0, 0) == -ENOSYS &&
	     hcall(pfd, 1000, 0, 0) == -ENOSYS && hcall(pfd, ~0ULL, 0, 0) == -ENOSYS &&
	     domctl_raw(&op2) == -ENOSYS &&
	     hcall(pfd, HC_SYSCTL, (uintptr_t)&sop, 0) == -ENOSYS &&
	     hcall(pfd, HC_EVTCHN_OP, EVTCHNOP_send, (uintptr_t)&q) == -ENOSYS &&
	     hcall(pfd, HC_XEN_VERSION, 1000, 0) == -ENOSYS &&
	     ioctl(pfd, _IOC(_IOC_NONE, 'P', 99, 8), &q) == -1 && errno == ENOTTY;
	ktap_test_result(ok, "unsupported: memory_op, hvm_op 99, dm_op, hypercall 1000 and ~0, domctl createdomain, sysctl readconsole, EVTCHNOP_send, xen_version 1000: ENOSYS (logged); an unknown ioctl ENOTTY");

	/* 11: EVTCHNOP_status of a guest's ports. */
	ok = evtchn_status(pfd, vm->domid, q) == (long)EVTCHNSTAT_unbound << 32 &&
	     evtchn_status(pfd, vm->domid, t) == ((long)EVTCHNSTAT_virq << 32 | VIRQ_TIMER) &&
	     evtchn_status(pfd, vm->domid, 0) == (long)EVTCHNSTAT_closed << 32 &&
	     evtchn_status(pfd, vm->domid, 100000) == -EINVAL &&
	     evtchn_status(pfd, dead_id, 1) == -ESRCH &&
	     evtchn_status(pfd, plain->domid, 1) == -ESRCH;
	ktap_test_result(ok, "EVTCHNOP_status of guest %u's ports: %ld unbound for domain 0, %ld VIRQ_TIMER, port 0 closed (as Xen: lsevtchn starts there), beyond the table EINVAL; a free id or a domain without Xen ESRCH",
			 vm->domid, q, t);

	/* 11b: domain 0's own ports (/dev/xen/evtchn's), as `lsevtchn` lists them. */
	efd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(efd >= 0, "open /dev/xen/evtchn");
	ub.remote_domain = vm->domid;
	u = ioctl(efd, IOCTL_BIND_UNBOUND, &ub);
	ok = u > 0 && evtchn_status(pfd, 0, u) == ((long)EVTCHNSTAT_unbound << 32 | vm->domid) &&
	     evtchn_status(pfd, DOMID_SELF, u) == ((long)EVTCHNSTAT_unbound << 32 | vm->domid) &&
	     evtchn_status(pfd, 0, 0) == (long)EVTCHNSTAT_closed << 32 &&
	     evtchn_status(pfd, 0, 4096) == -EINVAL;
	close(efd);
	ok &= evtchn_status(pfd, 0, u) == (long)EVTCHNSTAT_closed << 32;
	ktap_test_result(ok, "EVTCHNOP_status of domain 0's port %ld (bound unbound for %u through /dev/xen/evtchn), port 0 closed, 4096 EINVAL; closed once its descriptor goes",
			 u, vm->domid);

	/* 12: HVM parameters of a guest, as the toolstack sets and reads them. */
	dparam.index = 1;	/* HVM_PARAM_STORE_PFN */
	dparam.value = 0xfeff0;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_XEN_SET_PARAM, &dparam) == 0, "SET_PARAM");
	hp = (struct hvm_param){ .domid = vm->domid, .index = 1 };
	ok = hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == 0 && hp.value == 0xfeff0;
	hp = (struct hvm_param){ .domid = vm->domid, .index = 2, .value = q };
	dparam.index = 2;	/* HVM_PARAM_STORE_EVTCHN */
	dparam.value = 0;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_set_param, (uintptr_t)&hp) == 0 &&
	      ioctl(vm->dom, DOMINO_XEN_GET_PARAM, &dparam) == 0 && dparam.value == (uint64_t)q;
	hp.index = 0;		/* HVM_PARAM_CALLBACK_IRQ: the guest's */
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_set_param, (uintptr_t)&hp) == -EPERM;
	hp.index = DOMINO_XEN_NR_PARAMS;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == -EINVAL;
	hp.index = 1;
	hp.domid = 0;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == -EINVAL;
	hp.domid = DOMID_SELF;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == -EINVAL;
	hp.domid = dead_id;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == -ESRCH;
	hp.domid = plain->domid;
	ok &= hcall(pfd, HC_HVM_OP, HVMOP_get_param, (uintptr_t)&hp) == -ESRCH &&
	      hcall(pfd, HC_HVM_OP, HVMOP_get_param, 0) == -EFAULT &&
	      hcall(pfd, HC_HVM_OP, HVMOP_get_param, KERNEL_PTR) == -EFAULT;
	ktap_test_result(ok, "hvm_op get/set_param of a guest: what the domain fd set reads back, what privcmd set the domain fd reads; the guest's callback EPERM; an index past %d, domain 0 or DOMID_SELF EINVAL; a free id or a domain without Xen ESRCH; bad pointers EFAULT",
			 DOMINO_XEN_NR_PARAMS);

	/* 13: DM_OP's checks. */
	for (i = 0; i < 17; i++) {
		bufs[i].uptr = dm_hdr;
		bufs[i].size = sizeof(dm_hdr);
	}
	ok = dm_op(pfd, DOMID_INVALID, 0, NULL) == 0 &&
	     dm_op(pfd, vm->domid, 17, bufs) == -E2BIG &&
	     dm_op(pfd, vm->domid, 1, NULL) == -EFAULT &&
	     ioctl(pfd, PC_DM_OP, NULL) == -1 && errno == EFAULT;
	bufs[1].size = 4097;
	ok &= dm_op(pfd, vm->domid, 2, bufs) == -E2BIG;
	bufs[1].size = 8;
	bufs[1].uptr = (void *)KERNEL_PTR;
	ok &= dm_op(pfd, vm->domid, 2, bufs) == -EFAULT;
	bufs[0].uptr = unmapped;
	ok &= dm_op(pfd, vm->domid, 1, bufs) == -EFAULT;
	bufs[0].uptr = dm_hdr;
	bufs[0].size = 2;
	ok &= dm_op(pfd, vm->domid, 1, bufs) == -EFAULT;
	bufs[0].size = sizeof(dm_hdr);
	ok &= dm_op(pfd, dead_id, 1, bufs) == -ESRCH && dm_op(pfd, plain->domid, 1, bufs) == -ESRCH &&
	      dm_op(pfd, vm->domid, 1, bufs) == -ENOSYS;
	ktap_test_result(ok, "DM_OP: no buffers is 0 (libxendevicemodel's probe); 17 buffers or one above 4096 bytes E2BIG; unreadable lists and buffers, a first buffer shorter than the op EFAULT; no such Xen domain ESRCH; a valid op ENOSYS for now");

	/* 14: RESTRICT. */
	fd2 = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(fd2 >= 0, "second descriptor");
	ok = restrict_fd(fd2, 0) == -EINVAL && restrict_fd(fd2, 0x7ff0) == -EINVAL &&
	     restrict_fd(fd2, DOMID_INVALID) == -EINVAL &&
	     hcall(fd2, HC_XEN_VERSION, XENVER_version, 0) == ver &&
	     restrict_fd(fd2, vm->domid) == 0 && restrict_fd(fd2, vm->domid) == 0 &&
	     restrict_fd(fd2, vmb->domid) == -EINVAL &&
	     hcall(fd2, HC_XEN_VERSION, XENVER_version, 0) == -EPERM &&
	     hcall(fd2, HC_DOMCTL, (uintptr_t)&op, 0) == -EPERM &&
	     evtchn_status(fd2, vm->domid, q) == -EPERM &&
	     dm_op(fd2, vmb->domid, 0, NULL) == -EPERM &&
	     dm_op(fd2, vmb->domid, 1, bufs) == -EPERM &&
	     dm_op(fd2, vm->domid, 0, NULL) == 0 &&
	     dm_op(fd2, vm->domid, 1, bufs) == -ENOSYS &&
	     hcall(pfd, HC_XEN_VERSION, XENVER_version, 0) == ver;
	close(fd2);
	ktap_test_result(ok, "RESTRICT: not to domain 0 or a reserved id (EINVAL); to a domain, twice the same is 0, another EINVAL; then every HYPERCALL EPERM (as Linux), DM_OP for another domain EPERM, for its own allowed; other descriptors unaffected");

	kmsg = kmsg_open();

	/* 15: MMAPBATCH_V2: guest RAM into our VMA, both ways; a hole. */
	for (i = 0; i < 4; i++)
		memset(dvm_gpa(vm, (MAP_GFN + i) << 12), 0x11 * (i + 1), 4096);
	map = pc_map(pfd, 4, PROT_READ | PROT_WRITE);
	gfns[0] = MAP_GFN;
	gfns[1] = MAP_GFN + 1;
	gfns[2] = GUEST_MMIO_BASE >> 12;	/* no RAM */
	gfns[3] = MAP_GFN + 3;
	memset(errs, 0x7f, sizeof(errs));
	r = mmapbatch(pfd, vm->domid, map, gfns, errs, 4);
	ok = r == 0 && errs[0] == 0 && errs[1] == 0 && errs[2] == -EINVAL && errs[3] == 0 &&
	     map[0] == 0x11 && map[4096 + 4095] == 0x22 && map[3 * 4096] == 0x44;
	map[5] = 0xa5;
	ok &= *(uint8_t *)dvm_gpa(vm, (MAP_GFN << 12) + 5) == 0xa5;
	gfns[0] = MAP_GFN + 2;
	r2 = mmapbatch(pfd, vm->domid, map + 2 * 4096, gfns, errs, 1);
	ok &= r2 == 0 && errs[0] == 0 && map[2 * 4096] == 0x33 &&
	      mmapbatch(pfd, vm->domid, map + 2 * 4096, gfns, errs, 1) == -EINVAL;
	gfns[0] = HOLE_GFN;
	ok &= mmapbatch(pfd, vm->domid, map + 2 * 4096, gfns, errs, 1) == -EINVAL;
	ktap_test_result(ok, "MMAPBATCH_V2: 3 of guest %u's frames map, read and written both ways; a frame with no RAM is err -EINVAL as Xen's (not -ENOENT, which libxenforeignmemory retries forever), the call %ld; mapped later into its empty slot (%ld); a slot taken EINVAL",
			 vm->domid, r, r2);

	/* 16: MMAPBATCH_V2 refusals and the VMA's rules. */
	map2 = pc_map(pfd, 2, PROT_READ);
	gfns[0] = MAP_GFN;
	gfns[1] = MAP_GFN + 1;
	anon = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(anon != MAP_FAILED, "anonymous mmap");
	ok = mmapbatch(pfd, vm->domid, map2, gfns, errs, 1) == -EINVAL &&
	     mmapbatch(pfd, vm->domid, anon, gfns, errs, 2) == -EINVAL &&
	     mmapbatch(pfd, vm->domid, map2 + 1, gfns, errs, 2) == -EINVAL &&
	     mmapbatch(pfd, vm->domid, map2, gfns, errs, 3) == -EINVAL &&
	     mmapbatch(pfd, vm->domid, map2, gfns, errs, 0) == -EINVAL &&
	     mmapbatch(pfd, vm->domid, map2, gfns, errs, (1U << 20) + 1) == -EINVAL &&
	     mmapbatch(pfd, dead_id, map2, gfns, errs, 2) == -ESRCH &&
	     mmapbatch(pfd, plain->domid, map2, gfns, errs, 2) == -ESRCH &&
	     mmapbatch(pfd, vm->domid, map2, unmapped, errs, 2) == -EFAULT &&
	     mmapbatch(pfd, vm->domid, map2, gfns, (int *)ro, 2) == -EFAULT &&
	     mmapbatch(pfd, vm->domid, map2, gfns, errs, 2) == 0 &&
	     map2[4096] == 0x22 &&
	     mprotect(map2, 8192, PROT_READ | PROT_WRITE) == -1 && errno == EACCES &&
	     munmap(map2, 4096) == -1 && errno == EINVAL &&
	     mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pfd, 0) == MAP_FAILED && errno == EINVAL;
	ok &= munmap(map2, 8192) == 0 && munmap(anon, 8192) == 0;
	ktap_test_result(ok, "MMAPBATCH_V2 refused: a first map not covering its VMA, memory not privcmd's, past the VMA, none (EINVAL); a free id or a domain without Xen (ESRCH); unreadable frames or unwritable errors (EFAULT); a read-only map stays read-only, is never split (EINVAL), a private mmap EINVAL");

	/* 17: who may map: root, or a descriptor restricted to the domain. */
	fd2 = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(fd2 >= 0 && restrict_fd(fd2, vm->domid) == 0, "restricted descriptor");
	map2 = pc_map(fd2, 1, PROT_READ);
	gfns[0] = MAP_GFN + 1;
	ok = mmapbatch(fd2, vmb->domid, map2, gfns, errs, 1) == -EPERM &&
	     mmapbatch(fd2, vm->domid, map2, gfns, errs, 1) == 0 && map2[0] == 0x22;
	r = map_as_nobody(pfd, vm->domid);
	r2 = map_as_nobody(fd2, vm->domid);
	ok &= r == -EPERM && r2 == 0 && map_as_nobody(fd2, vmb->domid) == -EPERM;
	one = 1;
	ok &= mmap_resource(fd2, vmb->domid, RES_GRANT_TABLE, 0, 0, &one, map2) == -EPERM;
	munmap(map2, 4096);
	close(fd2);
	ktap_test_result(ok, "who maps: without root an unrestricted descriptor is refused (%ld), one restricted to the domain maps it (%ld) and no other (EPERM)",
			 r, r2);

	/* 18: MMAP_RESOURCE: the grant table's frames. */
	nres = 0;
	r = mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 0, 0, &nres, NULL);
	map2 = pc_map(pfd, 1, PROT_READ);
	one = 1;
	ok = r == 0 && nres >= 1 &&
	     mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 0, 0, &one, map2) == 0 &&
	     ((volatile struct gnt_entry *)map2)[1].frame == GNT_MARK;
	one = 1;
	ok &= mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 0, 0, &one, map2) == -EINVAL;
	munmap(map2, 4096);
	map2 = pc_map(pfd, 1, PROT_READ);
	one = 1;
	ok &= mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 0, nres, &one, map2) == -EINVAL &&
	      mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 1, 0, &one, map2) == -EINVAL &&
	      mmap_resource(pfd, vm->domid, 0, 0, 0, &one, map2) == -EOPNOTSUPP &&
	      mmap_resource(pfd, vm->domid, 2, 0, 0, &one, map2) == -EOPNOTSUPP &&
	      mmap_resource(pfd, vm->domid, 99, 0, 0, &one, map2) == -EOPNOTSUPP &&
	      mmap_resource(pfd, dead_id, RES_GRANT_TABLE, 0, 0, &one, map2) == -ESRCH &&
	      mmap_resource(pfd, vm->domid, RES_GRANT_TABLE, 0, 0, &one, NULL) == -EINVAL;
	munmap(map2, 4096);
	ktap_test_result(ok, "MMAP_RESOURCE: the grant table may have %llu frames; frame 0 maps and shows the guest's entry; beyond the frames it has, the status frames (a v1 table) EINVAL; ioreq, vmtrace and unknown types EOPNOTSUPP; no such domain ESRCH",
			 (unsigned long long)nres);

	/*
	 * mremap moves a mapped VMA whole: the copy keeps its slots and page
	 * references (the old VMA's close must not free them under it).
	 */
	map2 = pc_map(pfd, 1, PROT_READ | PROT_WRITE);
	gfns[0] = MAP_GFN + 3;
	TEST_ASSERT(mmapbatch(pfd, vm->domid, map2, gfns, errs, 1) == 0, "map for mremap");
	anon = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(anon != MAP_FAILED, "anonymous mmap");
	q = domino_sysfs_num("alloc_objects");
	moved = mremap(map2, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, anon);
	t = domino_sysfs_num("alloc_objects");
	ok = moved == (void *)anon && t == q && moved[4095] == 0x44;
	if (moved == (void *)anon) {
		moved[9] = 0x5b;
		ok &= *(uint8_t *)dvm_gpa(vm, ((MAP_GFN + 3) << 12) + 9) == 0x5b &&
		      munmap(moved, 4096) == 0 && domino_sysfs_num("alloc_objects") == q - 1;
	} else {
		munmap(map2, 4096);
		munmap(anon, 4096);
	}
	ktap_test_result(ok, "mremap of a mapped VMA: its slots move with it (objects %ld then %ld), the guest's page reads and writes at the new address; freed at its unmap",
			 q, t);

	/*
	 * A VMA made writable, mprotected read-only and mapped then holds
	 * frames looked up for reading: it never turns writable again.
	 */
	map2 = pc_map(pfd, 1, PROT_READ | PROT_WRITE);
	gfns[0] = MAP_GFN + 1;
	ok = mprotect(map2, 4096, PROT_READ) == 0 &&
	     mmapbatch(pfd, vm->domid, map2, gfns, errs, 1) == 0 && map2[0] == 0x22 &&
	     mprotect(map2, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES;
	munmap(map2, 4096);
	ktap_test_result(ok, "a writable VMA mprotected read-only before its map holds frames looked up for reading: it never turns writable again (EACCES)");

	/* 19: the log says who mapped the domain's memory, once. */
	snprintf(logline, sizeof(logline), "maps domain %u's memory", vm->domid);
	n = kmsg < 0 ? -1 : kmsg_count(kmsg, logline);
	ktap_test_result(n == 1, "root's unrestricted mapping of domain %u's memory is logged once (%d lines) for all its maps; restricted and refused ones add none",
			 vm->domid, n);

	/* 20: a destroyed domain is gone at once; its mapped page lives on. */
	memset(dvm_gpa(vmb, MAP_GFN << 12), 0x99, 4096);
	map2 = pc_map(pfd, 1, PROT_READ);
	gfns[0] = MAP_GFN;
	TEST_ASSERT(mmapbatch(pfd, vmb->domid, map2, gfns, errs, 1) == 0, "map guest B");
	dvcpu_free(vb);
	dvm_free(vmb);
	ok = getinfo(vm->domid + 1, &op) == 0 && op.domain == plain->domid &&
	     getinfo(plain->domid + 1, &op) == -ESRCH && map2[4095] == 0x99;
	munmap(map2, 4096);
	ktap_test_result(ok, "a destroyed domain is gone from getdomaininfo at once; a page of it still mapped reads on until unmapped");

	munmap(map, 4 * 4096);
	dvcpu_free(va);
	dvcpu_free(ap1);
	dvcpu_free(ap2);
	dvm_free(vm);
	dvcpu_free(pv0);
	dvcpu_free(pv1);
	dvm_free(plain);
	close(pfd);
	if (kmsg >= 0)
		close(kmsg);
	munmap(ro, 4096);
	/* 22 */
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
