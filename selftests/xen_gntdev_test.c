// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/gntdev, domain 0's grant mappings with Linux's gntdev ABI,
 * against a tiny Xen guest that grants its pages to domain 0 (read-write
 * and read-only) and does what the test asks between runs: data flows
 * both ways through the mapping (the guest's own page); while mapped, the
 * guest's entry shows GTF_reading (and GTF_writing for a writable map) and
 * its gnttab_end_foreign_access cmpxchg fails, then succeeds after
 * munmap; refused with nothing left pinned: a ref never granted, one
 * granted to another domain, one past the table, a read-only grant mapped
 * writable (and mprotect may not make a read-only map writable later, nor
 * the guest a read-only grant writable between MAP_GRANT_REF and mmap), a
 * private writable map, a second mmap of a range; a guest that overwrites
 * its entry while mapped; UNMAP_GRANT_REF before munmap; a process that
 * dies with a mapping; GET_OFFSET_FOR_VADDR; SET_MAX_GRANTS; the unmap
 * notifications (a byte cleared, an event sent through /dev/xen/evtchn);
 * GRANT_COPY both ways with Xen's statuses for a read-only destination,
 * a bad ref, another domain's grant and no such domain, and Linux's
 * refusals; a mapped page the guest gives back; a fork of the VMM with a
 * mapping (the pinned page stays the guest's); a mapping split and moved;
 * refused ioctl arguments; a domain destroyed while its page is mapped
 * and another thread maps its grant in a loop (the data stays readable
 * until munmap, and a new domain with its id is left alone); every
 * allocation returned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntdev.h>

#include "xen_gntdev_guest.h"

#define GNTCOPY_source_gref	1
#define GNTCOPY_dest_gref	2
#define GNTST_okay		0
#define GNTST_general_error	(-1)
#define GNTST_bad_domain	(-2)
#define GNTST_bad_gntref	(-3)
#define GNTST_eagain		(-12)

static long xioctl(int fd, unsigned long cmd_, void *arg)
{
	long r = ioctl(fd, cmd_, arg);

	return r < 0 ? -errno : r;
}

/* MAP_GRANT_REF of @n refs of @dom: the offset, or -errno. */
static long map_refs(int fd, uint32_t dom, const uint32_t *refs, unsigned int n)
{
	struct ioctl_gntdev_map_grant_ref *op;
	unsigned int i;
	long r;

	op = calloc(1, sizeof(*op) + n * sizeof(op->refs[0]));
	TEST_ASSERT(op, "calloc");
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = dom;
		op->refs[i].ref = refs[i];
	}
	r = xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (!r)
		r = op->index;
	free(op);
	return r;
}

static long map_one(int fd, uint32_t dom, uint32_t ref)
{
	return map_refs(fd, dom, &ref, 1);
}

static long unmap_range(int fd, uint64_t index, uint32_t count)
{
	struct ioctl_gntdev_unmap_grant_ref u = { .index = index, .count = count };

	return xioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

/* mmap of a range: the address, or NULL with errno. */
static uint8_t *map_at(int fd, long index, unsigned int n, int prot, int flags)
{
	void *p = mmap(NULL, (size_t)n * PG, prot, flags, fd, index);

	return p == MAP_FAILED ? NULL : p;
}

/* A ref mapped and refused at mmap: nothing left pinned (flags as before). */
static bool refused(int fd, uint32_t dom, uint32_t ref, int prot, int *err)
{
	long idx = map_one(fd, dom, ref);
	uint8_t *p;

	*err = 0;
	if (idx < 0) {
		*err = (int)-idx;
		return false;
	}
	p = map_at(fd, idx, 1, prot, MAP_SHARED);
	*err = errno;
	if (p)
		munmap(p, PG);
	return !p && unmap_range(fd, idx, 1) == 0;
}

static long copy_segs(int fd, struct gntdev_grant_copy_segment *s, unsigned int n)
{
	struct ioctl_gntdev_grant_copy c = { .count = n, .segments = s };

	return xioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &c);
}

static void seg_ref(struct gntdev_grant_copy_segment *s, bool src, uint32_t ref,
		    uint16_t dom, uint16_t off)
{
	if (src) {
		s->source.foreign.ref = ref;
		s->source.foreign.domid = dom;
		s->source.foreign.offset = off;
		s->flags |= GNTCOPY_source_gref;
	} else {
		s->dest.foreign.ref = ref;
		s->dest.foreign.domid = dom;
		s->dest.foreign.offset = off;
		s->flags |= GNTCOPY_dest_gref;
	}
}

/* A thread that maps and unmaps ref 1 over and over (the last test). */
static volatile int hammer_stop;
static volatile long hammer_ok, hammer_fail;
static int hammer_fd;
static uint32_t hammer_dom;

static void *hammer(void *arg)
{
	(void)arg;
	while (!hammer_stop) {
		long i = map_one(hammer_fd, hammer_dom, 1);
		uint8_t *m = i >= 0 ? map_at(hammer_fd, i, 1, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;

		if (m) {
			m[2]++;
			munmap(m, PG);
			hammer_ok++;
		} else {
			hammer_fail++;
		}
		if (i >= 0)
			unmap_range(hammer_fd, i, 1);
	}
	return NULL;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages_before = domino_sysfs_num("alloc_pages");
	uint16_t rw = GTF_permit_access, ro = GTF_permit_access | GTF_readonly;
	static uint8_t buf[4 * PG] __attribute__((aligned(PG)));
	struct gntdev_grant_copy_segment segs[8];
	int fd, efd, err[6], st, pfd[2];
	uint64_t f1, f2, e1, e2;
	uint32_t dom, refs[3];
	long idx, idx2, r;
	uint8_t *p, *q;
	bool ok;
	pid_t pid;
	int i;

	ktap_print_header();
	fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		ktap_exit_skip("no /dev/xen/gntdev (%s): this domino.ko registers none, or a Xen dom0 driver holds the name",
			       strerror(errno));
	ktap_set_plan(25);

	gnt_guest_start();
	dom = vm->domid;
	grant(1, 0, 0, rw);
	grant(2, 1, 0, ro);
	grant(3, 2, 0, rw);
	grant(4, 3, OTHER_DOM, rw);
	grant(5, 4, 0, rw);

	/* 1: a writable map: both ways, and the guest's entry while mapped. */
	gcall(C_WRITE, 0, 10, 0x5a);
	idx = map_one(fd, dom, 1);
	p = idx >= 0 ? map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	TEST_ASSERT(p, "MAP_GRANT_REF + mmap of a writable grant (%ld)", idx);
	f1 = gcall(C_FLAGS, 1, 0, 0);
	e1 = gcall(C_END, 1, 0, 0);
	e2 = gcall(C_SWAP, 1, 8, 0);
	p[20] = 0xa5;
	ok = p[10] == 0x5a && gcall(C_READ, 0, 20, 0) == 0xa5;
	gcall(C_WRITE, 0, 30, 0x33);
	ok = ok && p[30] == 0x33;
	ktap_test_result(ok && f1 == (rw | GTF_reading | GTF_writing) && e1 == f1 &&
			 (int64_t)e2 == GNTST_eagain,
			 "a writable grant mapped: the guest's page both ways; its entry shows GTF_reading|GTF_writing (%#llx), its end-access cmpxchg fails, swap_grant_ref GNTST_eagain (%lld)",
			 (unsigned long long)f1, (long long)(int64_t)e2);

	/* 2: munmap, then UNMAP_GRANT_REF: the flags go with the second. */
	TEST_ASSERT(munmap(p, PG) == 0, "munmap");
	f2 = gcall(C_FLAGS, 1, 0, 0);
	r = unmap_range(fd, idx, 1);
	e2 = gcall(C_END, 1, 0, 0);
	ktap_test_result(f2 == f1 && r == 0 && e2 == 1 && gcall(C_FLAGS, 1, 0, 0) == 0,
			 "munmap leaves the range pinned (%#llx) until UNMAP_GRANT_REF (0), as Linux; then the flags are clear and the guest ends access",
			 (unsigned long long)f2);
	grant(1, 0, 0, rw);

	/* 3: a read-only grant: mapped read-only, never writable. */
	gcall(C_WRITE, 1, 0, 0x77);
	ok = refused(fd, dom, 2, PROT_READ | PROT_WRITE, &err[0]) && err[0] == EINVAL &&
	     gcall(C_FLAGS, 2, 0, 0) == ro;
	idx = map_one(fd, dom, 2);
	p = idx >= 0 ? map_at(fd, idx, 1, PROT_READ, MAP_SHARED) : NULL;
	TEST_ASSERT(p, "read-only map of a read-only grant");
	f1 = gcall(C_FLAGS, 2, 0, 0);
	e1 = gcall(C_END, 2, 0, 0);
	r = mprotect(p, PG, PROT_READ | PROT_WRITE) ? errno : 0;
	ktap_test_result(ok && p[0] == 0x77 && f1 == (ro | GTF_reading) && e1 == f1 && r == EACCES,
			 "a read-only grant: a writable mmap EINVAL with nothing pinned; read-only it maps (GTF_reading only, %#llx, end-access fails), mprotect to write %s",
			 (unsigned long long)f1, strerror(r));
	munmap(p, PG);
	unmap_range(fd, idx, 1);

	/* 4: refusals at mmap. */
	ok = refused(fd, dom, 7, PROT_READ, &err[0]) &&
	     refused(fd, dom, 4, PROT_READ, &err[1]) &&
	     refused(fd, dom, 100000, PROT_READ, &err[2]) &&
	     refused(fd, NO_SUCH_DOM, 1, PROT_READ, &err[3]) &&
	     refused(fd, 0, 1, PROT_READ, &err[4]);
	ktap_test_result(ok && err[0] == EINVAL && err[1] == EINVAL && err[2] == EINVAL &&
			 err[3] == EINVAL && err[4] == EINVAL && gcall(C_FLAGS, 4, 0, 0) == rw &&
			 gcall(C_FLAGS, 7, 0, 0) == 0,
			 "mmap refused (EINVAL), the entries untouched: a ref never granted, one granted to domain %d, one past the table, no such domain, domain 0",
			 OTHER_DOM);

	/* 5: a range of three with one bad grant maps nothing. */
	refs[0] = 1;
	refs[1] = 4;
	refs[2] = 3;
	idx = map_refs(fd, dom, refs, 3);
	p = idx >= 0 ? map_at(fd, idx, 3, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	r = errno;
	ok = !p && r == EINVAL && gcall(C_FLAGS, 1, 0, 0) == rw && gcall(C_FLAGS, 3, 0, 0) == rw;
	refs[1] = 5;
	idx2 = map_refs(fd, dom, refs, 3);
	q = idx2 >= 0 ? map_at(fd, idx2, 3, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	ok = ok && q && gcall(C_FLAGS, 5, 0, 0) == (rw | GTF_reading | GTF_writing);
	ktap_test_result(ok && idx2 != idx,
			 "three grants, one granted elsewhere: mmap EINVAL, the good two left unpinned; three good ones map at a new offset (%ld after %ld)",
			 idx2, idx);
	unmap_range(fd, idx, 3);

	/* 6: refusals of the mmap itself. */
	ok = map_at(fd, idx2, 3, PROT_READ, MAP_SHARED) == NULL && errno == EINVAL;
	idx = map_one(fd, dom, 3);
	ok = ok && map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE) == NULL && errno == EINVAL;
	ok = ok && map_at(fd, idx, 2, PROT_READ, MAP_SHARED) == NULL && errno == EINVAL;
	ok = ok && map_at(fd, idx + PG, 1, PROT_READ, MAP_SHARED) == NULL && errno == EINVAL;
	unmap_range(fd, idx, 1);
	ktap_test_result(ok && unmap_range(fd, idx, 1) == -ENOENT && unmap_range(fd, 12345 * PG, 1) == -ENOENT,
			 "a range mapped twice, a private writable map, a wrong size or offset: EINVAL; UNMAP_GRANT_REF of no range ENOENT");

	/* 7: GET_OFFSET_FOR_VADDR. */
	{
		struct ioctl_gntdev_get_offset_for_vaddr o = { .vaddr = (uintptr_t)q + PG };

		r = xioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &o);
		ok = r == 0 && o.offset == (uint64_t)idx2 && o.count == 3;
		o.vaddr = (uintptr_t)buf;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &o) == -EINVAL;
		ktap_test_result(ok, "GET_OFFSET_FOR_VADDR: the range's offset and count from a page inside it; EINVAL for memory that is not a mapping");
	}

	/* 8: UNMAP_GRANT_REF first: the pages stay mapped until munmap. */
	q[PG + 5] = 0x42;
	r = unmap_range(fd, idx2, 3);
	f1 = gcall(C_FLAGS, 5, 0, 0);
	ok = r == 0 && q[PG + 5] == 0x42 && gcall(C_READ, 4, 5, 0) == 0x42 &&
	     f1 == (rw | GTF_reading | GTF_writing);
	munmap(q, 3 * PG);
	ktap_test_result(ok && gcall(C_FLAGS, 5, 0, 0) == rw && gcall(C_FLAGS, 1, 0, 0) == rw,
			 "UNMAP_GRANT_REF before munmap: still mapped and pinned (%#llx) until munmap, then unpinned",
			 (unsigned long long)f1);

	/* 9: the same grant mapped twice: pinned until both go. */
	idx = map_one(fd, dom, 3);
	idx2 = map_one(fd, dom, 3);
	p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	q = map_at(fd, idx2, 1, PROT_READ, MAP_SHARED);
	TEST_ASSERT(p && q, "two maps of one grant");
	p[0] = 0x99;
	munmap(p, PG);
	unmap_range(fd, idx, 1);
	f1 = gcall(C_FLAGS, 3, 0, 0);
	ok = q[0] == 0x99;
	munmap(q, PG);
	unmap_range(fd, idx2, 1);
	ktap_test_result(ok && f1 == (rw | GTF_reading) && gcall(C_FLAGS, 3, 0, 0) == rw,
			 "one grant mapped writable and read-only: the writer gone leaves GTF_reading (%#llx), the reader gone nothing",
			 (unsigned long long)f1);

	/* 10: a guest that overwrites its entry while mapped. */
	idx = map_one(fd, dom, 3);
	p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	TEST_ASSERT(p, "map ref 3");
	gcall(C_FORCE, 3, 0, 0);
	p[1] = 0x11;
	ok = gcall(C_READ, 2, 1, 0) == 0x11;
	munmap(p, PG);
	unmap_range(fd, idx, 1);
	ktap_test_result(ok && gcall(C_FLAGS, 3, 0, 0) == 0,
			 "a guest that stores over its pinned entry: the mapping stays its page until munmap, which leaves the entry as the guest wrote it");
	grant(3, 2, 0, rw);

	/* 11: SET_MAX_GRANTS. */
	{
		struct ioctl_gntdev_set_max_grants m = { .count = 2 };

		ok = xioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &m) == 0;
		refs[0] = 1;
		refs[1] = 3;
		refs[2] = 5;
		ok = ok && map_refs(fd, dom, refs, 3) == -EINVAL;
		idx = map_refs(fd, dom, refs, 2);
		ok = ok && idx >= 0 && map_one(fd, dom, 5) == -EINVAL;
		ok = ok && unmap_range(fd, idx, 2) == 0;
		idx = map_one(fd, dom, 5);
		ok = ok && idx >= 0 && unmap_range(fd, idx, 1) == 0;
		ok = ok && map_refs(fd, dom, refs, 0) == -EINVAL;
		m.count = 1 << 20;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &m) == -EINVAL;
		m.count = 0x7ff0;	/* xenstored's DOMID_FIRST_RESERVED */
		ok = ok && xioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &m) == 0;
		ktap_test_result(ok, "SET_MAX_GRANTS 2: three refs EINVAL, two map, a third while they are held EINVAL, again once they go; count 0 EINVAL; 2^20 EINVAL, xenstored's 32752 accepted");
	}

	/* 12: SET_UNMAP_NOTIFY: the byte. */
	{
		struct ioctl_gntdev_unmap_notify n = { .action = UNMAP_NOTIFY_CLEAR_BYTE };

		idx = map_one(fd, dom, 1);
		p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
		TEST_ASSERT(p, "map ref 1");
		p[100] = 0xff;
		n.index = idx + 100;
		ok = xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == 0;
		n.action = 4;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == -EINVAL;
		n.action = UNMAP_NOTIFY_CLEAR_BYTE;
		n.index = idx + 5 * PG;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == -ENOENT;
		n.action = UNMAP_NOTIFY_SEND_EVENT;
		n.index = idx;
		n.event_channel_port = 4000;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == -EINVAL;
		ok = ok && gcall(C_READ, 0, 100, 0) == 0xff;
		munmap(p, PG);
		ok = ok && gcall(C_READ, 0, 100, 0) == 0xff;
		unmap_range(fd, idx, 1);
		e1 = gcall(C_READ, 0, 100, 0);
		/* A read-only map may not clear a byte. */
		idx = map_one(fd, dom, 2);
		p = map_at(fd, idx, 1, PROT_READ, MAP_SHARED);
		n.action = UNMAP_NOTIFY_CLEAR_BYTE;
		n.index = idx;
		ok = ok && p && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == -EINVAL;
		munmap(p, PG);
		unmap_range(fd, idx, 1);
		ktap_test_result(ok && e1 == 0,
				 "SET_UNMAP_NOTIFY: the byte is cleared when the range goes (after munmap and UNMAP_GRANT_REF); unknown action bits, a port not open EINVAL; no range ENOENT; on a read-only map EINVAL");
	}

	/* 13: SET_UNMAP_NOTIFY: the event, through domain 0's port. */
	efd = open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (efd < 0) {
		ktap_test_skip("no /dev/xen/evtchn (%s): the event half needs a domain 0 port",
			       strerror(errno));
		ktap_test_skip("no /dev/xen/evtchn: the loopback event needs domain 0's ports");
	} else {
		struct ioctl_evtchn_bind_interdomain b = { .remote_domain = dom };
		struct ioctl_gntdev_unmap_notify n = { .action = UNMAP_NOTIFY_SEND_EVENT };
		uint64_t before, after;
		long port;

		b.remote_port = gcall(C_UNBOUND, 0, 0, 0);
		port = xioctl(efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
		TEST_ASSERT(port > 0, "bind domain 0's port to the guest's %u", b.remote_port);
		gcall(C_PENDING, b.remote_port, 0, 0);
		idx = map_one(fd, dom, 1);
		p = map_at(fd, idx, 1, PROT_READ, MAP_SHARED);
		n.index = idx;
		n.event_channel_port = port;
		ok = p && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == 0;
		/* The range first: the last user is the munmap, under mmap_lock. */
		unmap_range(fd, idx, 1);
		usleep(100000);
		before = gcall(C_PENDING, b.remote_port, 0, 0);
		munmap(p, PG);
		/* Sent by a worker: it may land a little later. */
		for (i = 0, after = 0; i < 100 && !after; i++) {
			after = gcall(C_PENDING, b.remote_port, 0, 0);
			if (!after)
				usleep(10000);
		}
		ktap_test_result(ok && before == 0 && after == 1,
				 "SET_UNMAP_NOTIFY with domain 0's port %ld: the guest's port %u goes pending when the mapping goes (UNMAP_GRANT_REF, then munmap), not before",
				 port, b.remote_port);

		/*
		 * 14: the event on one end of a loopback pair of domain 0's
		 * ports (libxenvchan with both ends in domain 0) reads on the
		 * other end.
		 */
		{
			struct ioctl_evtchn_bind_unbound_port ub = { .remote_domain = 0 };
			struct ioctl_evtchn_bind_interdomain lb = { .remote_domain = 0 };
			uint32_t got = 0, l32;
			long u, l;

			u = xioctl(efd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
			lb.remote_port = u;
			l = u > 0 ? xioctl(efd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &lb) : u;
			TEST_ASSERT(u > 0 && l > 0, "a loopback pair (%ld, %ld)", u, l);
			/*
			 * The binder's end starts pending (as test 13's did):
			 * read all that fired, then unmask it.
			 */
			l32 = l;
			ok = false;
			while (read(efd, &got, 4) == 4)
				ok |= got == l32;
			ok = ok && write(efd, &l32, 4) == 4;
			idx = map_one(fd, dom, 1);
			p = map_at(fd, idx, 1, PROT_READ, MAP_SHARED);
			n.index = idx;
			n.event_channel_port = l;
			ok = ok && p && xioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &n) == 0;
			unmap_range(fd, idx, 1);
			if (p)
				munmap(p, PG);
			got = 0;
			for (i = 0; i < 100 && read(efd, &got, 4) != 4; i++)
				usleep(10000);
			ktap_test_result(ok && got == (uint32_t)u,
					 "SET_UNMAP_NOTIFY with domain 0's port %ld, bound to its own port %ld: the unmap's event reads on %ld (%u)",
					 l, u, u, got);
		}
		close(efd);
	}

	/* 15: GRANT_COPY both ways. */
	memset(segs, 0, sizeof(segs));
	for (i = 0; i < PG; i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	gcall(C_WRITE, 2, 300, 0xc3);
	seg_ref(&segs[0], false, 3, dom, 0);		/* buf -> ref 3 */
	segs[0].source.virt = buf;
	segs[0].len = PG;
	seg_ref(&segs[1], true, 1, dom, 50);		/* ref 1 + 50 -> buf + 2 PG - 10 */
	segs[1].dest.virt = buf + 2 * PG - 10;
	segs[1].len = 100;
	gcall(C_WRITE, 0, 50, 0xe1);
	gcall(C_WRITE, 0, 149, 0xe2);
	r = copy_segs(fd, segs, 2);
	ok = r == 0 && segs[0].status == GNTST_okay && segs[1].status == GNTST_okay &&
	     gcall(C_READ, 2, 0, 0) == 1 && gcall(C_READ, 2, 300, 0) == (uint8_t)(300 * 3 + 1) &&
	     gcall(C_READ, 2, PG - 1, 0) == (uint8_t)((PG - 1) * 3 + 1) &&
	     buf[2 * PG - 10] == 0xe1 && buf[2 * PG + 89] == 0xe2;
	ktap_test_result(ok, "GRANT_COPY: a page into a writable grant, 100 bytes out of one across a page boundary of ours (%ld, %d %d)",
			 r, segs[0].status, segs[1].status);

	/* 16: GRANT_COPY statuses. */
	memset(segs, 0, sizeof(segs));
	seg_ref(&segs[0], false, 2, dom, 0);		/* into a read-only grant */
	seg_ref(&segs[1], true, 100000, dom, 0);	/* past the table */
	seg_ref(&segs[2], true, 4, dom, 0);		/* granted to another domain */
	seg_ref(&segs[3], true, 1, NO_SUCH_DOM, 0);	/* no such domain */
	seg_ref(&segs[4], true, 7, dom, 0);		/* never granted */
	seg_ref(&segs[5], true, 2, dom, 0);		/* out of a read-only grant */
	for (i = 0; i < 6; i++) {
		segs[i].len = 16;
		if (segs[i].flags & GNTCOPY_source_gref)
			segs[i].dest.virt = buf;
		else
			segs[i].source.virt = buf;
	}
	r = copy_segs(fd, segs, 6);
	ok = r == 0 && segs[0].status == GNTST_general_error && segs[1].status == GNTST_bad_gntref &&
	     segs[2].status == GNTST_general_error && segs[3].status == GNTST_bad_domain &&
	     segs[4].status == GNTST_general_error && segs[5].status == GNTST_okay &&
	     gcall(C_FLAGS, 2, 0, 0) == ro && gcall(C_FLAGS, 4, 0, 0) == rw;
	ktap_test_result(ok, "GRANT_COPY statuses: a read-only grant as destination %d, a ref past the table %d, another domain's grant %d, no such domain %d, never granted %d; a read-only grant as source %d",
			 segs[0].status, segs[1].status, segs[2].status, segs[3].status,
			 segs[4].status, segs[5].status);

	/* 17: GRANT_COPY refusals. */
	memset(segs, 0, sizeof(segs));
	segs[0].source.virt = buf;
	segs[0].dest.virt = buf + PG;
	segs[0].len = 8;
	ok = copy_segs(fd, segs, 1) == -EINVAL;
	memset(segs, 0, sizeof(segs));
	seg_ref(&segs[0], true, 1, dom, PG - 8);
	segs[0].dest.virt = buf;
	segs[0].len = 16;
	ok = ok && copy_segs(fd, segs, 1) == -EINVAL;
	segs[0].source.foreign.offset = 0;
	segs[0].dest.virt = (void *)8;
	ok = ok && copy_segs(fd, segs, 1) == -EFAULT;
	ok = ok && copy_segs(fd, (void *)8, 1) == -EFAULT && copy_segs(fd, NULL, 0) == 0;
	ktap_test_result(ok, "GRANT_COPY refused: no grant on either side, a grant's range past its page EINVAL; an address not mapped, a segment list not mapped EFAULT; count 0 does nothing");

	/* 18: a process that dies with a writable mapping. */
	TEST_ASSERT(pipe(pfd) == 0, "pipe");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		int cfd = open("/dev/xen/gntdev", O_RDWR);
		long ci = map_one(cfd, dom, 3);
		uint8_t *cp = ci >= 0 ? map_at(cfd, ci, 1, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;

		if (cp)
			cp[7] = 0x77;
		if (write(pfd[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ok = read(pfd[0], buf, 1) == 1;
	f1 = gcall(C_FLAGS, 3, 0, 0);
	ok = ok && gcall(C_READ, 2, 7, 0) == 0x77;
	kill(pid, SIGKILL);
	ok = ok && waitpid(pid, &st, 0) == pid;
	close(pfd[0]);
	ktap_test_result(ok && f1 == (rw | GTF_reading | GTF_writing) && gcall(C_FLAGS, 3, 0, 0) == rw &&
			 gcall(C_END, 3, 0, 0) == 1,
			 "a process killed with a writable mapping: its write reached the guest, the pin (%#llx) goes with it, the guest ends access",
			 (unsigned long long)f1);

	grant(3, 2, 0, rw);

	/* 19: a mapped page given back by the guest (ballooned out). */
	grant(6, 5, 0, rw);
	gcall(C_WRITE, 5, 0, 0xb1);
	idx = map_one(fd, dom, 6);
	p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	TEST_ASSERT(p, "map ref 6");
	e1 = gcall(C_BALLOON, 5, 0, 0);
	ok = p[0] == 0xb1;
	p[1] = 0xb2;
	e2 = gcall(C_POPULATE, 5, 0, 0);
	ok = ok && gcall(C_READ, 5, 0, 0) == 0 && gcall(C_READ, 5, 1, 0) == 0 && p[1] == 0xb2;
	f1 = gcall(C_FLAGS, 6, 0, 0);
	munmap(p, PG);
	unmap_range(fd, idx, 1);
	ktap_test_result(ok && e1 == 1 && e2 == 1 && f1 == (rw | GTF_reading | GTF_writing) &&
			 gcall(C_FLAGS, 6, 0, 0) == rw,
			 "the guest gives a mapped page back (%llu) and populates the frame again (%llu): the mapping keeps the old page, the guest gets a zeroed one, the entry stays pinned until unmapped",
			 (unsigned long long)e1, (unsigned long long)e2);

	/*
	 * 20: fork, by the guest's VMM (this process): the child has no
	 * mapping, and the guest keeps the very page mapped (a page only
	 * referenced, not pinned, would be copied on the guest's next write).
	 */
	idx = map_one(fd, dom, 1);
	p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	TEST_ASSERT(p, "map ref 1");
	fflush(stdout);
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid)
		_exit(p[0] == 0x42);
	ok = waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
	gcall(C_WRITE, 0, 50, 0x5f);
	p[51] = 0x6f;
	ok = ok && p[50] == 0x5f && gcall(C_READ, 0, 51, 0) == 0x6f;
	munmap(p, PG);
	unmap_range(fd, idx, 1);
	ktap_test_result(ok && gcall(C_FLAGS, 1, 0, 0) == rw,
			 "fork: the child has no mapping (SIGSEGV); afterwards the guest and the mapping still share the page both ways; the unmap unpins");

	/* 21: a mapping split by a partial munmap, then moved. */
	refs[0] = 1;
	refs[1] = 3;
	refs[2] = 5;
	idx = map_refs(fd, dom, refs, 3);
	p = idx >= 0 ? map_at(fd, idx, 3, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	TEST_ASSERT(p, "map three");
	unmap_range(fd, idx, 3);
	ok = munmap(p + PG, PG) == 0;
	q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(q != MAP_FAILED, "a place to move to");
	q = mremap(p + 2 * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ok = ok && q != MAP_FAILED;
	if (q != MAP_FAILED)
		q[9] = 0x19;
	p[9] = 0x18;
	f1 = gcall(C_FLAGS, 1, 0, 0);
	ok = ok && gcall(C_READ, 4, 9, 0) == 0x19 && gcall(C_READ, 0, 9, 0) == 0x18;
	munmap(p, PG);
	f2 = gcall(C_FLAGS, 5, 0, 0);
	if (q != MAP_FAILED)
		munmap(q, PG);
	ktap_test_result(ok && f1 == (rw | GTF_reading | GTF_writing) && f2 == f1 &&
			 gcall(C_FLAGS, 1, 0, 0) == rw && gcall(C_FLAGS, 3, 0, 0) == rw &&
			 gcall(C_FLAGS, 5, 0, 0) == rw,
			 "a range split by munmap of its middle page and a piece moved by mremap: each piece still the guest's page, all pinned until the last piece goes");

	/* 22: arguments refused. */
	{
		struct ioctl_gntdev_map_grant_ref mg = { .count = 0xffffffff };
		struct ioctl_gntdev_map_grant_ref *big;

		ok = xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &mg) == -EINVAL;
		mg.count = 16385;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &mg) == -EINVAL;
		ok = ok && xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, (void *)8) == -EFAULT;
		/* Two refs claimed, the second past the end of readable memory. */
		big = (void *)(buf + 3 * PG - sizeof(*big));
		big->count = 2;
		big->refs[0].domid = dom;
		big->refs[0].ref = 1;
		TEST_ASSERT(mprotect(buf + 3 * PG, PG, PROT_NONE) == 0, "mprotect");
		ok = ok && xioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, big) == -EFAULT;
		TEST_ASSERT(mprotect(buf + 3 * PG, PG, PROT_READ | PROT_WRITE) == 0, "mprotect");
		ok = ok && xioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, (void *)8) == -EFAULT &&
		     xioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, (void *)8) == -EFAULT &&
		     xioctl(fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, buf) == -ENOTTY &&
		     xioctl(fd, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, buf) == -ENOTTY &&
		     xioctl(fd, _IO('G', 99), buf) == -ENOTTY &&
		     unmap_range(fd, 1, 1) == -ENOENT;
		ktap_test_result(ok, "refused: MAP_GRANT_REF of 2^32-1 or 16385 refs EINVAL, a bad pointer or refs past readable memory EFAULT (nothing kept); bad pointers EFAULT; the DMABUF ioctls and unknown ones ENOTTY (Linux without DMABUF); an offset not page-aligned ENOENT");
	}

	/*
	 * 23: a read-only grant the guest makes writable after MAP_GRANT_REF:
	 * its page was looked up for reading only (it could be the zero page
	 * or a file's page the VMM maps privately), so no writable mmap.
	 */
	gcall(C_WRITE, 1, 0, 0x78);
	idx = map_one(fd, dom, 2);
	grant(2, 1, 0, rw);
	p = idx >= 0 ? map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	r = p ? 0 : errno;
	if (p)
		munmap(p, PG);
	f1 = gcall(C_FLAGS, 2, 0, 0);
	q = idx >= 0 ? map_at(fd, idx, 1, PROT_READ, MAP_SHARED) : NULL;
	ok = idx >= 0 && !p && r == EINVAL && f1 == rw && q && q[0] == 0x78;
	if (q)
		munmap(q, PG);
	unmap_range(fd, idx, 1);
	/* Looked up again now that it is writable: it maps writable. */
	idx = map_one(fd, dom, 2);
	p = idx >= 0 ? map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED) : NULL;
	if (p) {
		p[1] = 0x79;
		ok = ok && gcall(C_READ, 1, 1, 0) == 0x79;
		munmap(p, PG);
	}
	unmap_range(fd, idx, 1);
	ok = ok && p && gcall(C_FLAGS, 2, 0, 0) == rw;
	grant(2, 1, 0, ro);
	ktap_test_result(ok, "a read-only grant made writable by the guest after MAP_GRANT_REF: a writable mmap %s with nothing pinned (%#llx), a read-only one maps; MAP_GRANT_REF again maps it writable",
			 strerror((int)r), (unsigned long long)f1);

	/* 24: the domain destroyed while mapped. */
	{
		struct domino_create_domain args = {
			.flags = DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP,
		};
		long long domains;
		int dev = domino_open_dev(), dom2;

		long ok_before, fail_after;
		pthread_t t;

		gcall(C_WRITE, 0, 0, 0xd0);
		idx = map_one(fd, dom, 1);
		p = map_at(fd, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
		TEST_ASSERT(p, "map ref 1");
		/* Another thread maps the same grant over and over meanwhile. */
		hammer_fd = fd;
		hammer_dom = dom;
		TEST_ASSERT(pthread_create(&t, NULL, hammer, NULL) == 0, "thread");
		for (i = 0; i < 500 && hammer_ok < 20; i++)
			usleep(10000);
		ok_before = hammer_ok;
		dvcpu_free(vcpu);
		dvm_free(vm);
		for (i = 0; i < 50 && domino_sysfs_num("domains"); i++)
			usleep(100000);
		domains = domino_sysfs_num("domains");
		fail_after = hammer_fail;
		for (i = 0; i < 500 && hammer_fail < fail_after + 20; i++)
			usleep(10000);
		hammer_stop = 1;
		pthread_join(t, NULL);
		ktap_print_msg("the other thread: %ld maps before the destruction, %ld in all, %ld refused\n",
			       ok_before, hammer_ok, hammer_fail);
		ok = domains == 0 && p[0] == 0xd0 && ok_before >= 20 && hammer_fail >= fail_after + 20;
		p[1] = 0xd1;
		ok = ok && p[1] == 0xd1;
		/* A new domain with the same id: the unmap must leave it alone. */
		args.domid = dom;
		dom2 = domino_domain_create_raw(dev, &args);
		ok = ok && dom2 >= 0;
		munmap(p, PG);
		ok = ok && unmap_range(fd, idx, 1) == 0;
		if (dom2 >= 0)
			close(dom2);
		close(dev);
		ktap_test_result(ok, "domain %u destroyed while mapped and while another thread maps its grant in a loop: gone at once (%lld domains), the thread's maps refused after, the page readable and writable here until munmap; munmap with a new domain %u in its place",
				 dom, domains, dom);
	}

	close(fd);
	ktap_test_result(domino_counters_back(objs, pages_before),
			 "every allocation returned after close");
	ktap_finished();
}
