// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's own client of /dev/xen/gntdev, unchanged: Debian's libxengnttab
 * (libxen-dev's libxengnttab.a, linked in whole) against a tiny Xen guest
 * that grants its pages to domain 0. xengnttab_map_grant_ref both ways
 * with the guest's entry pinned while mapped, xengnttab_unmap giving it
 * back; xengnttab_map_grant_refs and map_domain_grant_refs over several
 * grants, refused whole for a grant to another domain, a read-only grant
 * mapped writable, a ref never granted; xengnttab_map_grant_ref_notify's
 * byte cleared at unmap; xengnttab_grant_copy both ways with Xen's
 * statuses; xengnttab_set_max_grants; xengnttab_close with a mapping
 * left, which lives until munmap. Built without the library (no
 * libxen-dev), it skips and says so.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xen_gntdev_guest.h"

#ifdef DOMINO_NO_LIBXEN
int main(void)
{
	ktap_print_header();
	/* The lab builds with make deps done: there, a missing library fails. */
	ktap_exit_missing("built without Debian's libxengnttab (libxen-dev: make deps)");
}
#else
/*
 * libxengnttab's API as its xengnttab.h declares it: that header brings
 * Xen's public headers, whose structs the guest side defines its own way.
 */
typedef struct xengntdev_handle xengnttab_handle;
struct xentoollog_logger;

struct xengnttab_grant_copy_segment {
	union {
		void *virt;
		struct {
			uint32_t ref;
			uint16_t offset;
			uint16_t domid;
		} foreign;
	} source, dest;
	uint16_t len;
	uint16_t flags;
	int16_t status;
};

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned int open_flags);
int xengnttab_close(xengnttab_handle *xgt);
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot);
void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids,
			       uint32_t *refs, int prot);
void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid,
				      uint32_t *refs, int prot);
void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref,
				     int prot, uint32_t notify_offset, uint32_t notify_port);
int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count);
int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants);
int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			 struct xengnttab_grant_copy_segment *segs);

#define GNTCOPY_source_gref	1
#define GNTCOPY_dest_gref	2
#define GNTST_okay		0
#define GNTST_general_error	(-1)
#define GNTST_bad_gntref	(-3)

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages_before = domino_sysfs_num("alloc_pages");
	uint16_t rw = GTF_permit_access, ro = GTF_permit_access | GTF_readonly;
	static uint8_t buf[PG] __attribute__((aligned(PG)));
	struct xengnttab_grant_copy_segment s[4];
	uint32_t refs[3], doms[3];
	xengnttab_handle *xgt;
	uint64_t f1, e1;
	uint8_t *p, *q;
	int i, r;
	bool ok;

	ktap_print_header();
	if (access("/dev/xen/gntdev", F_OK))
		ktap_exit_missing("no /dev/xen/gntdev (domino.ko provides it)");
	ktap_set_plan(7);
	xgt = xengnttab_open(NULL, 0);
	TEST_ASSERT(xgt, "xengnttab_open");

	gnt_guest_start();
	grant(1, 0, 0, rw);
	grant(2, 1, 0, ro);
	grant(3, 2, 0, rw);
	grant(4, 3, OTHER_DOM, rw);

	/* 1: one writable grant. */
	gcall(C_WRITE, 0, 1, 0x61);
	p = xengnttab_map_grant_ref(xgt, vm->domid, 1, PROT_READ | PROT_WRITE);
	TEST_ASSERT(p, "xengnttab_map_grant_ref");
	p[2] = 0x62;
	f1 = gcall(C_FLAGS, 1, 0, 0);
	e1 = gcall(C_END, 1, 0, 0);
	ok = p[1] == 0x61 && gcall(C_READ, 0, 2, 0) == 0x62 &&
	     f1 == (rw | GTF_reading | GTF_writing) && e1 == f1;
	r = xengnttab_unmap(xgt, p, 1);
	ktap_test_result(ok && r == 0 && gcall(C_FLAGS, 1, 0, 0) == rw && gcall(C_END, 1, 0, 0) == 1,
			 "xengnttab_map_grant_ref(%u, 1, rw): the guest's page both ways, its entry pinned (%#llx, end-access fails); xengnttab_unmap gives it back, the guest ends access",
			 vm->domid, (unsigned long long)f1);
	grant(1, 0, 0, rw);

	/* 2: several at once. */
	refs[0] = 1;
	refs[1] = 3;
	doms[0] = doms[1] = vm->domid;
	p = xengnttab_map_grant_refs(xgt, 2, doms, refs, PROT_READ | PROT_WRITE);
	refs[0] = 2;
	q = xengnttab_map_domain_grant_refs(xgt, 1, vm->domid, refs, PROT_READ);
	ok = p && q && gcall(C_FLAGS, 1, 0, 0) == (rw | GTF_reading | GTF_writing) &&
	     gcall(C_FLAGS, 3, 0, 0) == (rw | GTF_reading | GTF_writing) &&
	     gcall(C_FLAGS, 2, 0, 0) == (ro | GTF_reading);
	if (p) {
		p[PG + 3] = 0x63;
		ok = ok && gcall(C_READ, 2, 3, 0) == 0x63 && xengnttab_unmap(xgt, p, 2) == 0;
	}
	ok = ok && q && xengnttab_unmap(xgt, q, 1) == 0;
	ktap_test_result(ok && gcall(C_FLAGS, 1, 0, 0) == rw && gcall(C_FLAGS, 3, 0, 0) == rw &&
			 gcall(C_FLAGS, 2, 0, 0) == ro,
			 "xengnttab_map_grant_refs (two writable) and map_domain_grant_refs (one read-only): pinned while mapped, unpinned after xengnttab_unmap");

	/* 3: refused whole. */
	refs[0] = 1;
	refs[1] = 4;
	p = xengnttab_map_domain_grant_refs(xgt, 2, vm->domid, refs, PROT_READ | PROT_WRITE);
	ok = !p && gcall(C_FLAGS, 1, 0, 0) == rw;
	ok = ok && !xengnttab_map_grant_ref(xgt, vm->domid, 2, PROT_READ | PROT_WRITE);
	ok = ok && !xengnttab_map_grant_ref(xgt, vm->domid, 9, PROT_READ);
	ok = ok && !xengnttab_map_grant_ref(xgt, NO_SUCH_DOM, 1, PROT_READ);
	ktap_test_result(ok && gcall(C_FLAGS, 2, 0, 0) == ro && gcall(C_FLAGS, 4, 0, 0) == rw,
			 "refused with nothing pinned: a list with a grant to domain %d, a read-only grant writable, a ref never granted, no such domain",
			 OTHER_DOM);

	/* 4: the byte cleared at unmap. */
	p = xengnttab_map_grant_ref_notify(xgt, vm->domid, 3, PROT_READ | PROT_WRITE, 200, -1);
	ok = p != NULL;
	if (p) {
		p[200] = 0xee;
		ok = gcall(C_READ, 2, 200, 0) == 0xee && xengnttab_unmap(xgt, p, 1) == 0;
	}
	ktap_test_result(ok && gcall(C_READ, 2, 200, 0) == 0,
			 "xengnttab_map_grant_ref_notify(offset 200): the byte the backend set is cleared when it unmaps");

	/* 5: grant copies. */
	memset(s, 0, sizeof(s));
	for (i = 0; i < PG; i++)
		buf[i] = (uint8_t)(i ^ 0x5c);
	s[0].source.virt = buf;
	s[0].dest.foreign.ref = 3;
	s[0].dest.foreign.domid = vm->domid;
	s[0].dest.foreign.offset = 16;
	s[0].len = 64;
	s[0].flags = GNTCOPY_dest_gref;
	gcall(C_WRITE, 1, 40, 0x4d);
	s[1].source.foreign.ref = 2;
	s[1].source.foreign.domid = vm->domid;
	s[1].source.foreign.offset = 40;
	s[1].dest.virt = buf + 1000;
	s[1].len = 1;
	s[1].flags = GNTCOPY_source_gref;
	s[2] = s[1];
	s[2].source.foreign.ref = 60000;
	s[3] = s[1];
	s[3].source.foreign.ref = 4;
	r = xengnttab_grant_copy(xgt, 4, s);
	ok = r == 0 && s[0].status == GNTST_okay && s[1].status == GNTST_okay &&
	     s[2].status == GNTST_bad_gntref && s[3].status == GNTST_general_error &&
	     gcall(C_READ, 2, 16, 0) == (0 ^ 0x5c) && gcall(C_READ, 2, 79, 0) == (63 ^ 0x5c) &&
	     buf[1000] == 0x4d;
	ktap_test_result(ok, "xengnttab_grant_copy: into a writable grant, out of a read-only one; a bad ref %d, another domain's grant %d",
			 s[2].status, s[3].status);

	/* 6: set_max_grants. */
	refs[0] = 1;
	refs[1] = 3;
	ok = xengnttab_set_max_grants(xgt, 1) == 0;
	p = xengnttab_map_domain_grant_refs(xgt, 2, vm->domid, refs, PROT_READ);
	ok = ok && !p;
	p = xengnttab_map_domain_grant_refs(xgt, 1, vm->domid, refs, PROT_READ);
	ok = ok && p && !xengnttab_map_grant_ref(xgt, vm->domid, 3, PROT_READ);
	ktap_test_result(ok, "xengnttab_set_max_grants(1): two grants refused, one maps, a second while it is held refused");

	/* 7: close with the mapping left: it lives until munmap. */
	r = xengnttab_close(xgt);
	f1 = gcall(C_FLAGS, 1, 0, 0);
	ok = r == 0 && p && f1 == (rw | GTF_reading);
	if (p) {
		gcall(C_WRITE, 0, 5, 0x55);
		ok = ok && p[5] == 0x55 && munmap(p, PG) == 0;
	}
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(ok && domino_counters_back(objs, pages_before),
			 "xengnttab_close with a mapping left: still the guest's page and pinned (%#llx) until munmap; every allocation returned",
			 (unsigned long long)f1);
	ktap_finished();
}
#endif
