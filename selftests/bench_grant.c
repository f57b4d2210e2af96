// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement tool, not a test: the costs of Xen's grant paths on Domino,
 * printed as bench_exits prints its rows (scripts/lab/l1-bench.sh runs
 * both, scripts/bench-report.sh reads them):
 *
 *   bench_grant domino|kvm N WORKLOAD      (or "list")
 *
 *   gnttab-copy-4k    one GNTTABOP_copy of 4 KiB from another domain's
 *                     grant into the caller's own frame, per hypercall
 *                     (what netback and blkback do per packet or
 *                     segment). KVM: no analogue; nothing there copies
 *                     between two guests' memory for them.
 *   gntdev-map-unmap  domain 0 maps a guest's grant through
 *                     /dev/xen/gntdev (MAP_GRANT_REF, mmap, one read,
 *                     munmap, UNMAP_GRANT_REF): what a backend in
 *                     userspace does per request it cannot keep mapped.
 *                     KVM: no analogue; a VMM maps all guest memory once.
 *
 * Each result is checked (every copy's status and bytes, every mapping's
 * contents); a failed check exits 1 with no bench line.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/gntdev.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_evtchn_guest.h"

#define HC_GRANT_TABLE_OP	20
#define GNTTABOP_copy		5
#define GNTCOPY_source_gref	1
#define GTF_permit_access	1
#define XENMAPSPACE_grant_table	1
#define HOLE_GFN		0x80000ULL	/* 2 GiB: neither RAM nor MMIO */
#define GRANT_REF		8		/* the first one guests hand out */
#define WARM			16

/* Set by the host: who gets the grant, how many copies. */
static volatile uint64_t grantee, granter, rounds;

static uint8_t granted[4096] __attribute__((aligned(4096)));
static uint8_t local[4096] __attribute__((aligned(4096)));

static inline uint8_t pattern(unsigned int i)
{
	return (uint8_t)(i * 13 + 7);
}

/* The granter: its table's first frame placed, one entry for @grantee. */
static void granter_main(void)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, HOLE_GFN };
	volatile uint32_t *e = (volatile uint32_t *)(HOLE_GFN << 12) + GRANT_REF * 2;
	unsigned int i;

	for (i = 0; i < sizeof(granted); i++)
		granted[i] = pattern(i);
	xen_hcall_page_setup();
	GUEST_ASSERT(!xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m));
	e[1] = (uint32_t)((uintptr_t)granted >> 12);
	__atomic_store_n(&e[0], GTF_permit_access | (uint32_t)grantee << 16, __ATOMIC_RELEASE);
	GUEST_SYNC(GRANT_REF);
	GUEST_SYNC(0);
}

static long copy_once(void)
{
	struct gnt_copy op = {
		.src = GRANT_REF, .src_dom = (uint16_t)granter,
		.dst = (uintptr_t)local >> 12, .dst_dom = DOMID_SELF,
		.len = sizeof(local), .flags = GNTCOPY_source_gref,
	};
	long r = xen_hcall3(HC_GRANT_TABLE_OP, GNTTABOP_copy, (uintptr_t)&op, 1);

	return r ? r : op.status;
}

/* The copier: WARM copies, then the timed ones; failures counted. */
static void copier_main(void)
{
	uint64_t i, bad = 0;

	xen_hcall_page_setup();
	for (i = 0; i < WARM; i++)
		bad += copy_once() != 0;
	GUEST_SYNC(bad);
	for (i = 0; i < rounds; i++)
		bad += copy_once() != 0;
	for (i = 0; i < sizeof(local); i++)
		bad += local[i] != pattern(i);
	GUEST_SYNC(bad);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void set_var(struct dvm *vm, volatile uint64_t *var, uint64_t val)
{
	*(volatile uint64_t *)dvm_gpa(vm, (uintptr_t)var) = val;
}

/* A granter domain, its grant made for @to. */
static struct dvm *make_granter(uint32_t to, struct dvcpu **vp)
{
	struct dvm *vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct ucall uc;

	*vp = dvcpu_add(vm, 0);
	set_var(vm, &grantee, to);
	dvcpu_setup_long64(*vp, granter_main);
	TEST_ASSERT(dvcpu_run_ucall(*vp, &uc) == UCALL_SYNC && uc.args[0] == GRANT_REF,
		    "the granter's grant");
	return vm;
}

static void bench_copy(uint32_t n)
{
	struct dvm *b = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	struct dvcpu *va, *vb = dvcpu_add(b, 0);
	struct dvm *a = make_granter(b->domid, &va);
	uint64_t t0, t1, ns0, ns1;
	struct ucall uc;

	set_var(b, &granter, a->domid);
	set_var(b, &rounds, n);
	dvcpu_setup_long64(vb, copier_main);
	TEST_ASSERT(dvcpu_run_ucall(vb, &uc) == UCALL_SYNC && !uc.args[0],
		    "gnttab-copy-4k: %llu warm-up copies failed", (unsigned long long)uc.args[0]);
	ns0 = now_ns();
	t0 = __rdtsc();
	TEST_ASSERT(dvcpu_run_ucall(vb, &uc) == UCALL_SYNC, "gnttab-copy-4k: the copies");
	t1 = __rdtsc();
	ns1 = now_ns();
	TEST_ASSERT(!uc.args[0], "gnttab-copy-4k: %llu of %u copies failed or differ",
		    (unsigned long long)uc.args[0], n);
	printf("bench exit gnttab-copy-4k domino tsc=%llu ns=%llu n=%u ok=%u/%u\n",
	       (unsigned long long)((t1 - t0) / n), (unsigned long long)((ns1 - ns0) / n),
	       n, n, n);
	dvcpu_free(va);
	dvm_free(a);
	dvcpu_free(vb);
	dvm_free(b);
}

/* One map, read, unmap through gntdev: the byte read, or -1. */
static int map_once(int fd, uint32_t domid)
{
	struct ioctl_gntdev_map_grant_ref map = { .count = 1 };
	struct ioctl_gntdev_unmap_grant_ref unmap = { .count = 1 };
	volatile uint8_t *p;
	int byte;

	map.refs[0].domid = domid;
	map.refs[0].ref = GRANT_REF;
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map))
		return -1;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, map.index);
	byte = p == MAP_FAILED ? -1 : p[100];
	if (p != MAP_FAILED)
		munmap((void *)p, 4096);
	unmap.index = map.index;
	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap))
		return -1;
	return byte;
}

static void bench_gntdev(uint32_t n)
{
	int fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	uint64_t t0, t1, ns0, ns1, bad = 0;
	struct dvcpu *va;
	struct dvm *a;
	uint32_t i;

	if (fd < 0) {
		printf("bench exit gntdev-map-unmap domino none \"no /dev/xen/gntdev: %s\"\n",
		       strerror(errno));
		return;
	}
	a = make_granter(0, &va);
	for (i = 0; i < WARM; i++)
		bad += map_once(fd, a->domid) != pattern(100);
	TEST_ASSERT(!bad, "gntdev-map-unmap: %llu warm-up maps failed", (unsigned long long)bad);
	ns0 = now_ns();
	t0 = __rdtsc();
	for (i = 0; i < n; i++)
		bad += map_once(fd, a->domid) != pattern(100);
	t1 = __rdtsc();
	ns1 = now_ns();
	TEST_ASSERT(!bad, "gntdev-map-unmap: %llu of %u maps failed or read wrong",
		    (unsigned long long)bad, n);
	printf("bench exit gntdev-map-unmap domino tsc=%llu ns=%llu n=%u ok=%u/%u\n",
	       (unsigned long long)((t1 - t0) / n), (unsigned long long)((ns1 - ns0) / n),
	       n, n, n);
	close(fd);
	dvcpu_free(va);
	dvm_free(a);
}

static const struct {
	const char *name;
	void (*domino)(uint32_t n);
	const char *kvm_none;
} workloads[] = {
	{ "gnttab-copy-4k", bench_copy,
	  "no analogue: KVM copies nothing between two guests for them (a backend copies through its own mappings)" },
	{ "gntdev-map-unmap", bench_gntdev,
	  "no analogue: a KVM VMM maps all guest memory once, never page by page" },
};

int main(int argc, char **argv)
{
	unsigned int i;
	bool kvm;
	long n;

	if (argc == 4 && !strcmp(argv[3], "list")) {
		for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
			printf("%s\n", workloads[i].name);
		return 0;
	}
	if (argc != 4 || (strcmp(argv[1], "domino") && strcmp(argv[1], "kvm")) ||
	    (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_grant domino|kvm N WORKLOAD|list\n");
		return 2;
	}
	kvm = !strcmp(argv[1], "kvm");
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		if (strcmp(argv[3], workloads[i].name))
			continue;
		if (kvm)
			printf("bench exit %s kvm none \"%s\"\n", workloads[i].name,
			       workloads[i].kvm_none);
		else
			workloads[i].domino((uint32_t)n);
		return 0;
	}
	fprintf(stderr, "bench_grant: no workload '%s'\n", argv[3]);
	return 2;
}
