// SPDX-License-Identifier: GPL-2.0
/*
 * Debian 12's libxenctrl (Xen 4.17), linked in whole, against Domino's
 * /dev/xen/privcmd: xc_interface_open as xenstored and lsevtchn call it,
 * xc_version, xc_domain_getinfo as xenstored uses it (one domain, its id
 * checked) for a live guest, a crashed one, domain 0 and a destroyed one,
 * xc_domain_getinfolist, xc_evtchn_status over a guest's ports as
 * lsevtchn walks them, and libxenforeignmemory's map of guest frames (a
 * hole among them must not send it retrying forever) and of the grant
 * table (map_resource). Built without the library (no libxen-dev), it
 * skips and says so.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

#ifdef DOMINO_NO_LIBXEN
int main(void)
{
	ktap_print_header();
	/* The lab builds with make deps done: there, a missing library fails. */
	ktap_exit_missing("built without Debian's libxenctrl (libxen-dev: make deps)");
}
#else
#include <sys/mman.h>
#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "xen_hcall.h"

#define HC_SCHED_OP	29
#define HC_EVTCHN_OP	32
#define MAP_GFN		0x300ULL	/* guest RAM the test maps */
#define HOLE_GFN	0xc0000ULL	/* no RAM there */

/* A port left for domain 0, VIRQ_TIMER's; then a crash. */
static void guest_main(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct sched_shutdown sd = { .reason = SHUTDOWN_crash };
	long r1, r2;

	xen_hcall_page_setup();
	r1 = xen_hcall(HC_EVTCHN_OP, EVTCHNOP_alloc_unbound, (uintptr_t)&a);
	r2 = xen_hcall(HC_EVTCHN_OP, EVTCHNOP_bind_virq, (uintptr_t)&b);
	guest_ucall(UCALL_SYNC, r1 ? r1 : a.port, r2 ? r2 : b.port, 0, 0);
	GUEST_SYNC(xen_hcall(HC_SCHED_OP, SCHEDOP_shutdown, (uintptr_t)&sd));
}

/* xenstored's get_domain_info(): exactly that domain, or not there. */
static bool domain_info(xc_interface *xch, uint32_t domid, xc_dominfo_t *info)
{
	memset(info, 0, sizeof(*info));
	return xc_domain_getinfo(xch, domid, 1, info) == 1 && info->domid == domid;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	xc_domaininfo_t list[16];
	xenforeignmemory_resource_handle *res;
	xenforeignmemory_handle *fmem;
	xen_pfn_t mgfns[2];
	int merr[2];
	size_t gsize;
	void *gaddr;
	uint8_t *p;
	uint64_t pval;
	xen_extraversion_t extra;
	xc_evtchn_status_t st;
	struct dvcpu *vcpu, *ap;
	xc_interface *xch;
	xc_dominfo_t info;
	struct dvm *vm;
	struct ucall uc;
	uint32_t domid;
	int ver, n, i, port, live, seen_q = 0, seen_t = 0, err = 0;
	long q, t;
	bool ok;

	ktap_print_header();
	if (access("/dev/xen/privcmd", F_OK) && errno == ENOENT)
		ktap_exit_skip("no /dev/xen/privcmd (this domino.ko registers none)");
	ktap_set_plan(10);

	/* 1: open, as xenstored does. */
	xch = xc_interface_open(NULL, NULL, 0);
	ktap_test_result(xch != NULL, "xc_interface_open(0, 0, 0): libxencall, libxenforeignmemory and libxendevicemodel open /dev/xen/privcmd");
	if (!xch)
		ktap_exit_missing("no control interface");

	/* 2: xc_version. */
	memset(extra, 0, sizeof(extra));
	ver = xc_version(xch, XENVER_version, NULL);
	ok = ver == (4 << 16 | 17) && xc_version(xch, XENVER_extraversion, &extra) == 0 &&
	     memchr(extra, 0, sizeof(extra)) != NULL;
	ktap_test_result(ok, "xc_version: %d.%d%.16s", ver >> 16, ver & 0xffff, extra);

	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	ap = dvcpu_add(vm, 1);
	dvcpu_setup_long64(vcpu, guest_main);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest's ports");
	q = uc.args[0];
	t = uc.args[1];
	TEST_ASSERT(q > 0 && t > 0, "guest's ports %ld %ld", q, t);
	domid = vm->domid;

	/* 3: xc_domain_getinfo of the live guest and of domain 0. */
	ok = domain_info(xch, domid, &info) && info.hvm && info.hap && !info.shutdown &&
	     !info.crashed && !info.dying && info.nr_online_vcpus == 1 && info.max_vcpu_id == 1 &&
	     info.nr_pages == vm->mem_size / 4096;
	ok &= domain_info(xch, 0, &info) && !info.hvm && info.nr_online_vcpus > 0;
	ktap_test_result(ok, "xc_domain_getinfo(%u, 1): that domain, hvm and hap, 1 vCPU online of ids 0-1, its pages; domain 0 is there", domid);

	/* 4: HVM parameters, as QEMU's xc_get/set_hvm_param use them. */
	pval = 0;
	ok = xc_hvm_param_set(xch, domid, HVM_PARAM_STORE_EVTCHN, q) == 0 &&
	     xc_hvm_param_get(xch, domid, HVM_PARAM_STORE_EVTCHN, &pval) == 0 && pval == (uint64_t)q &&
	     xc_hvm_param_set(xch, domid, HVM_PARAM_CALLBACK_IRQ, 1) < 0 && errno == EPERM;
	ktap_test_result(ok, "xc_hvm_param_set/get(HVM_PARAM_STORE_EVTCHN): %llu back; the guest's callback refused (EPERM)",
			 (unsigned long long)pval);

	/* 5: lsevtchn's walk over the guest's ports. */
	live = 0;
	for (port = 0; port < 5000; port++) {
		memset(&st, 0, sizeof(st));
		st.dom = domid;
		st.port = port;
		if (xc_evtchn_status(xch, &st) < 0) {
			err = errno;
			break;
		}
		if (st.status == EVTCHNSTAT_closed)
			continue;
		live++;
		if (port == q && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0)
			seen_q = 1;
		if (port == t && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER)
			seen_t = 1;
	}
	ktap_test_result(err == EINVAL && port > t && port > q && live == 2 && seen_q && seen_t,
			 "xc_evtchn_status walk (lsevtchn): %d ports open (port %ld unbound for domain 0, port %ld VIRQ_TIMER), the walk ends with EINVAL at %d",
			 live, q, t, port);

	/* 6: xenforeignmemory_map: RAM and a hole. */
	fmem = xenforeignmemory_open(NULL, 0);
	TEST_ASSERT(fmem != NULL, "xenforeignmemory_open");
	memset(dvm_gpa(vm, MAP_GFN << 12), 0x3c, 4096);
	mgfns[0] = MAP_GFN;
	mgfns[1] = HOLE_GFN;
	merr[0] = merr[1] = 1;
	p = xenforeignmemory_map(fmem, domid, PROT_READ | PROT_WRITE, 2, mgfns, merr);
	ok = p != NULL && merr[0] == 0 && merr[1] == -EINVAL;
	if (p) {
		ok &= p[100] == 0x3c;
		p[200] = 0xc3;
		ok &= *(uint8_t *)dvm_gpa(vm, (MAP_GFN << 12) + 200) == 0xc3 &&
		      xenforeignmemory_unmap(fmem, p, 2) == 0;
	}
	ktap_test_result(ok, "xenforeignmemory_map(%u, 2 frames): guest RAM read and written; the hole's err -EINVAL (%d), no endless retry",
			 domid, merr[1]);

	/* 7: xenforeignmemory_map_resource: the grant table. */
	gsize = 0;
	res = NULL;
	ok = xenforeignmemory_resource_size(fmem, domid, XENMEM_resource_grant_table,
					    XENMEM_resource_grant_table_id_shared, &gsize) == 0 &&
	     gsize >= 4096;
	if (ok) {
		gaddr = NULL;
		res = xenforeignmemory_map_resource(fmem, domid, XENMEM_resource_grant_table,
						    XENMEM_resource_grant_table_id_shared, 0, 1,
						    &gaddr, PROT_READ, 0);
		ok = res != NULL && gaddr != NULL &&
		     xenforeignmemory_unmap_resource(fmem, res) == 0;
	}
	ok &= xenforeignmemory_close(fmem) == 0;
	ktap_test_result(ok, "xenforeignmemory_resource_size of the grant table: %zu bytes; its frame 0 maps with map_resource", gsize);

	/* 8: the guest crashes. */
	TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_XEN_SHUTDOWN, "crash");
	/* libxenctrl turns a shutdown for a crash into crashed alone. */
	ok = domain_info(xch, domid, &info) && !info.shutdown && info.crashed &&
	     info.shutdown_reason == SHUTDOWN_crash && !info.dying;
	ktap_test_result(ok, "after SCHEDOP_shutdown(crash): crashed (not shutdown: libxenctrl's split), reason %u (xenstored's @releaseDomain cue)",
			 info.shutdown_reason);

	/* 9: xc_domain_getinfolist. */
	n = xc_domain_getinfolist(xch, 0, 16, list);
	ok = n >= 2 && list[0].domain == 0;
	for (i = 0; ok && i < n && list[i].domain != domid; i++)
		;
	ok &= i < n && (list[i].flags & XEN_DOMINF_shutdown);
	ktap_test_result(ok, "xc_domain_getinfolist(0, 16): %d domains, domain 0 first, the guest among them, shut down", n);

	/* 10: destroyed: gone for xenstored. */
	dvcpu_free(vcpu);
	dvcpu_free(ap);
	dvm_free(vm);
	ok = !domain_info(xch, domid, &info);
	ok &= xc_interface_close(xch) == 0;
	ok &= domino_counters_back(objs, pages);
	ktap_test_result(ok, "a destroyed domain is gone for xc_domain_getinfo; xc_interface_close; every allocation returned");
	ktap_finished();
}
#endif
