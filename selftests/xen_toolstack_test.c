// SPDX-License-Identifier: GPL-2.0
/*
 * What the toolstack sets up for xenstore, and what Debian's xenstored
 * finds of domain 0 when it starts:
 * - DOMINO_XEN_EVTCHN_ALLOC_UNBOUND gives the guest a port unbound for
 *   domain 0 (the guest sees it so; domain 0 binds it through
 *   /dev/xen/evtchn) or for another guest, which binds it itself;
 * - DOMINO_XEN_GNTTAB_SEED writes the reserved entries (the guest reads
 *   them in its table), clears them, and refuses refs past the reserved
 *   ones, bad flags, reserved domids and frames past 32 bits;
 * - max_grant_frames at creation bounds the table (query_size, physmap);
 * - domain 0's loopback ports: BIND_UNBOUND_PORT(0) then
 *   BIND_INTERDOMAIN(0, port), each end's notify fires the other, a close
 *   leaves the other end unbound for domain 0 again;
 * - EVTCHNOP_status reads port 0 closed and every port in use before the
 *   first -EINVAL, as lsevtchn walks them;
 * - /proc/xen: xsd_port names domain 0's xenbus port, which binds as
 *   xenstored binds it (once at a time); xsd_kva maps one shared page and
 *   nothing else; capabilities says control_d.
 * Allocations return.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "dom0_evtchn.h"
#include "xen_evtchn_guest.h"

#define HC_GRANT_TABLE_OP	20
#define GNTTABOP_query_size	6
#define XENMAPSPACE_grant_table	1
#define GTF_permit_access	1
#define GTF_accept_transfer	2
#define GTF_readonly		4
#define HOLE_GFN		0x80000ULL	/* 2 GiB: neither RAM nor MMIO */
#define GRANT_FRAMES		4
#define SEED_GFN		0x1234ULL

struct gnt_entry {
	uint16_t flags, domid;
	uint32_t frame;
};

/* Set by the host: the ports it allocated for the guest. */
static volatile uint64_t port_dom0, port_peer, peer_id;

static long physmap(uint64_t idx, uint64_t gfn)
{
	struct { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; } m = {
		DOMID_SELF, 0, XENMAPSPACE_grant_table, idx, gfn };

	return xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&m);
}

static uint64_t entry(unsigned int ref)
{
	volatile struct gnt_entry *e = (volatile struct gnt_entry *)(HOLE_GFN << 12);

	return (uint64_t)e[ref].flags | (uint64_t)e[ref].domid << 16 |
	       (uint64_t)e[ref].frame << 32;
}

static void guest_main(void)
{
	struct { uint16_t dom, pad; uint32_t nr, max; int16_t st, pad2; } q = {
		DOMID_SELF, 0, 0, 0, 0, 0 };
	uint32_t u1 = 0, p, open = 0;
	long s0, s1;

	xen_setup();
	/* 1: the table's size and limit; frame 0 placed, the last too. */
	GUEST_ASSERT(!xen_hcall3(HC_GRANT_TABLE_OP, GNTTABOP_query_size, (uintptr_t)&q, 1));
	guest_ucall(UCALL_SYNC, q.st, q.nr, q.max,
		    PACK2(physmap(GRANT_FRAMES, HOLE_GFN + 8), physmap(GRANT_FRAMES - 1, HOLE_GFN + 4)));
	GUEST_ASSERT(!physmap(0, HOLE_GFN));
	/* 2: the seeded entries and the ports as the toolstack left them. */
	s0 = status(DOMID_SELF, port_dom0, &u1);
	s1 = status(DOMID_SELF, port_peer, NULL);
	guest_ucall(UCALL_SYNC, entry(0), entry(1), s0, s1);
	/* 3: domain 0 bound its port; the seeds cleared. */
	s0 = status(DOMID_SELF, port_dom0, &u1);
	guest_ucall(UCALL_SYNC, s0, u1, entry(0), entry(1));
	/* 4: lsevtchn's walk: from port 0 until -EINVAL. */
	for (p = 0; p < 5000; p++) {
		s0 = status(DOMID_SELF, p, NULL);
		if (s0 == -XEN_EINVAL)
			break;
		open += s0 >> 32 != EVTCHNSTAT_closed;
	}
	guest_ucall(UCALL_SYNC, status(DOMID_SELF, 0, NULL), p, open, 0);
}

/* The other guest binds the port left for it. */
static void peer_main(void)
{
	xen_setup();
	GUEST_SYNC(bind_interdomain(peer_id >> 32, (uint32_t)peer_id));
}

static void step(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

static void set_arg(struct dvm *vm, volatile uint64_t *where, uint64_t v)
{
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)where) = v;
}

static long seed(struct dvm *vm, uint32_t ref, uint16_t domid, uint16_t flags, uint64_t gfn)
{
	struct domino_xen_gnttab_seed s = { .ref = ref, .domid = domid, .flags = flags, .gfn = gfn };

	return ioctl(vm->dom, DOMINO_XEN_GNTTAB_SEED, &s) ? -errno : 0;
}

static long alloc_for(struct dvm *vm, uint32_t remote)
{
	struct domino_xen_evtchn_alloc a = { .remote_dom = remote };

	return ioctl(vm->dom, DOMINO_XEN_EVTCHN_ALLOC_UNBOUND, &a) ? -errno : (long)a.port;
}

static long read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static void check_loopback(int fd)
{
	long u, l, l2;
	bool ok;

	u = bind_unbound(fd, 0);
	l = bind_idom(fd, 0, u);
	ok = u > 0 && l > 0 && l != u && reads_one(fd, l) && unmask(fd, l) &&
	     notify_dev(fd, l) == 0 && reads_one(fd, u) && unmask(fd, u) &&
	     notify_dev(fd, u) == 0 && reads_one(fd, l) && unmask(fd, l) && reads_none(fd) &&
	     bind_idom(fd, 0, u) == -EINVAL && bind_idom(fd, 0, l) == -EINVAL &&
	     bind_idom(fd, 0, 0) == -EINVAL && bind_idom(fd, 0, 5000) == -EINVAL;
	/* Closing one end leaves the other waiting for domain 0 again. */
	ok &= unbind_dev(fd, l) == 0 && notify_dev(fd, u) == 0 && reads_none(fd);
	l2 = bind_idom(fd, 0, u);
	ok &= l2 > 0 && reads_one(fd, l2) && unmask(fd, l2) && notify_dev(fd, l2) == 0 &&
	      reads_one(fd, u) && unmask(fd, u) &&
	      unbind_dev(fd, l2) == 0 && unbind_dev(fd, u) == 0;
	ktap_test_result(ok, "domain 0's loopback: BIND_UNBOUND_PORT(0) = %ld, BIND_INTERDOMAIN(0, %ld) = %ld, each end's notify reads on the other, a bound or absent port refused (EINVAL), a closed end leaves the other unbound for domain 0",
			 u, u, l);
}

static void check_proc_xen(int fd)
{
	char buf[64], *end;
	long n, x, b, b2;
	void *p;
	bool ok;

	n = read_file("/proc/xen/xsd_port", buf, sizeof(buf));
	x = n > 0 ? strtol(buf, &end, 10) : 0;
	b = x > 0 && *end == 0 ? bind_idom(fd, 0, x) : -1;
	b2 = b > 0 ? bind_idom(fd, 0, x) : -1;
	ok = b > 0 && b2 == -EINVAL && reads_one(fd, b) && unmask(fd, b) &&
	     notify_dev(fd, b) == 0 && reads_none(fd) && unbind_dev(fd, b) == 0;
	/* Once let go, the port binds again, as a restarted xenstored's. */
	b2 = ok ? bind_idom(fd, 0, x) : -1;
	ok &= b2 > 0 && unbind_dev(fd, b2) == 0;
	ktap_test_result(ok, "/proc/xen/xsd_port: domain 0's xenbus port %ld binds (BIND_INTERDOMAIN(0, port) = %ld), once at a time, again after a close",
			 x, b);

	n = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	ok = n >= 0;
	if (ok) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, n, 0);
		ok = p != MAP_FAILED && !((volatile uint32_t *)p)[1];
		if (p != MAP_FAILED)
			munmap(p, 4096);
		p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, n, 0);
		ok &= p == MAP_FAILED && errno == EINVAL;
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, n, 4096);
		ok &= p == MAP_FAILED && errno == EINVAL;
		close(n);
	}
	ok &= read_file("/proc/xen/capabilities", buf, sizeof(buf)) > 0 &&
	      !strcmp(buf, "control_d\n");
	ktap_test_result(ok, "/proc/xen/xsd_kva maps one shared page (more, or another offset: EINVAL); capabilities says control_d");
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct domino_create_domain args = {
		.flags = DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP,
		.max_grant_frames = GRANT_FRAMES,
	};
	struct dvm *vm, *peer, *plain;
	struct dvcpu *vcpu, *vpeer;
	struct ucall uc;
	long pd, pp, bound;
	bool ok;
	int fd;

	ktap_print_header();
	fd = dev_open();
	if (fd < 0 && errno == ENOENT)
		ktap_exit_skip("no /dev/xen/evtchn (this domino.ko registers none, or a Xen dom0 driver holds the name)");
	TEST_ASSERT(fd >= 0, "open /dev/xen/evtchn");
	ktap_set_plan(9);

	vm = dvm_create_args(&args, GUEST_MEM_SIZE, true);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);
	peer = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vpeer = dvcpu_add(peer, 0);
	dvcpu_setup_long64(vpeer, peer_main);
	plain = dvm_create(DOMINO_DOMAIN_IRQCHIP);

	/* 1: the limit. */
	step(vcpu, &uc, "query_size");
	ktap_test_result(uc.args[0] == 0 && uc.args[1] == 1 && uc.args[2] == GRANT_FRAMES &&
			 uc.args[3] == PACK2(-XEN_EINVAL, 0),
			 "max_grant_frames = %d: query_size says 1 of %llu frames; frame %d is -EINVAL, frame %d placed",
			 GRANT_FRAMES, (unsigned long long)uc.args[2], GRANT_FRAMES, GRANT_FRAMES - 1);

	/* 2: ports and seeds, as the toolstack makes them. */
	pd = alloc_for(vm, 0);
	pp = alloc_for(vm, peer->domid);
	set_arg(vm, &port_dom0, pd);
	set_arg(vm, &port_peer, pp);
	ok = seed(vm, 0, 0, GTF_permit_access | GTF_readonly, SEED_GFN) == 0 &&
	     seed(vm, 1, 0, GTF_permit_access, SEED_GFN + 1) == 0;
	step(vcpu, &uc, "seeds and ports");
	ok &= uc.args[0] == (GTF_permit_access | GTF_readonly | SEED_GFN << 32) &&
	      uc.args[1] == (GTF_permit_access | (SEED_GFN + 1) << 32) &&
	      uc.args[2] == ((uint64_t)EVTCHNSTAT_unbound << 32) &&
	      uc.args[3] == ((uint64_t)EVTCHNSTAT_unbound << 32 | peer->domid);
	ktap_test_result(ok, "ALLOC_UNBOUND: ports %ld (for domain 0) and %ld (for domain %u) read unbound for them; GNTTAB_SEED: entries 0 (read-only) and 1 read as seeded",
			 pd, pp, peer->domid);

	/* 3: refusals. */
	ok = seed(vm, DOMINO_XEN_GNTTAB_RESERVED, 0, GTF_permit_access, 1) == -EINVAL &&
	     seed(vm, 0, 0, GTF_accept_transfer, 1) == -EINVAL &&
	     seed(vm, 0, 0, GTF_readonly, 1) == -EINVAL &&
	     seed(vm, 0, 0x7ff0, GTF_permit_access, 1) == -EINVAL &&
	     seed(vm, 0, 0, GTF_permit_access, 1ULL << 32) == -EINVAL &&
	     seed(plain, 0, 0, GTF_permit_access, 1) == -ENODEV &&
	     alloc_for(vm, DOMINO_DOMID_MAX + 1) == -EINVAL &&
	     alloc_for(plain, 0) == -ENODEV;
	ktap_test_result(ok, "GNTTAB_SEED refuses ref %d, transfer or flagless read-only entries, a reserved domid and a frame past 32 bits (EINVAL); ALLOC_UNBOUND a reserved domid (EINVAL); a domain without Xen has neither (ENODEV)",
			 DOMINO_XEN_GNTTAB_RESERVED);

	/* 4: domain 0 and the peer bind their ports. */
	bound = bind_idom(fd, vm->domid, pd);
	ok = bound > 0 && reads_one(fd, bound) && unmask(fd, bound) &&
	     seed(vm, 0, 0, 0, 0) == 0 && seed(vm, 1, 0, 0, 0) == 0;
	step(vcpu, &uc, "bound");
	ok &= uc.args[0] == ((uint64_t)EVTCHNSTAT_interdomain << 32) && uc.args[1] == (uint64_t)bound &&
	      uc.args[2] == 0 && uc.args[3] == 0;
	set_arg(peer, &peer_id, (uint64_t)vm->domid << 32 | (uint64_t)pp);
	step(vpeer, &uc, "peer binds");
	ok &= (long)uc.args[0] > 0;
	ktap_test_result(ok, "domain 0 binds the port left for it (its port %ld, the guest sees interdomain with domain 0), the peer binds its own (port %lld); seeds with flags 0 clear the entries",
			 bound, (long long)uc.args[0]);

	/* 5: status as lsevtchn reads it. */
	step(vcpu, &uc, "status walk");
	ktap_test_result(uc.args[0] == (uint64_t)EVTCHNSTAT_closed << 32 &&
			 uc.args[1] > (uint64_t)(pd > pp ? pd : pp) && uc.args[1] <= 1024 &&
			 uc.args[2] == 2,
			 "EVTCHNOP_status from port 0 (closed) up to the first -EINVAL (port %llu) finds the 2 ports in use, as lsevtchn walks them",
			 (unsigned long long)uc.args[1]);

	/* 6-8: domain 0's own ports. */
	check_loopback(fd);
	check_proc_xen(fd);

	dvm_free(plain);
	dvcpu_free(vpeer);
	dvm_free(peer);
	dvcpu_free(vcpu);
	dvm_free(vm);
	close(fd);
	ok = domino_counters_back(objs, pages);
	ktap_test_result(ok, "every domain and port gone, allocations back to before (objects %lld, pages %lld; were %lld, %lld)",
			 domino_sysfs_num("alloc_objects"), domino_sysfs_num("alloc_pages"), objs, pages);
	ktap_finished();
}
