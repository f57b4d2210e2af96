// SPDX-License-Identifier: GPL-2.0
/*
 * A Xen domain places its shared_info page (XENMEM_add_to_physmap) and
 * finds Xen's clocks there: the wall clock and vcpu_time_info, which the
 * guest turns into time the way Linux's xen clocksource does and which
 * must agree with the host's clock; events start masked. Also the HVM
 * parameters a guest may set and read, vcpu_info moved by
 * VCPUOP_register_vcpu_info, and every refusal with Xen's
 * error code: another domain's id, an unknown map space, a second
 * shared_info index, a frame that is not RAM, unknown commands.
 */
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_MEMORY_OP		12
#define HC_HVM_OP		34
#define HC_VCPU_OP		24
#define VCPUOP_register_vcpu_info	10
#define XENMEM_add_to_physmap	7
#define XENMAPSPACE_shared_info	0
#define XENMAPSPACE_gmfn	2
#define HVMOP_set_param		0
#define HVMOP_get_param		1
#define HVM_PARAM_CALLBACK_IRQ	0
#define HVM_PARAM_STORE_PFN	1
#define HVM_NR_PARAMS		19
#define DOMID_SELF		0x7ff0
#define CALLBACK_VECTOR(v)	(2ULL << 56 | (v))
#define XEN_EPERM		1
#define XEN_ENOENT		2
#define XEN_EINVAL		22
#define XEN_ENOSYS		38

/* The 64-bit layouts of include/xen/interface/{memory,hvm_op}.h. */
struct add_to_physmap {
	uint16_t domid, size;
	uint32_t space;
	uint64_t idx, gpfn;
};

struct hvm_param {
	uint16_t domid, pad;
	uint32_t index;
	uint64_t value;
};

static uint8_t shinfo_page[4096] __attribute__((aligned(4096)));
static uint8_t vinfo_page[4096] __attribute__((aligned(4096)));

struct register_vcpu_info {
	uint64_t mfn;
	uint32_t offset, rsvd;
};

static long register_vcpu_info(uint32_t vcpu, uint64_t mfn, uint32_t offset)
{
	struct register_vcpu_info r = { mfn, offset, 0 };

	return xen_hcall3(HC_VCPU_OP, VCPUOP_register_vcpu_info, vcpu, (uintptr_t)&r);
}


static long add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	struct add_to_physmap a = { domid, 0, space, idx, gpfn };

	return xen_hcall(HC_MEMORY_OP, XENMEM_add_to_physmap, (uintptr_t)&a);
}

static long hvm_param(int op, uint16_t domid, uint32_t index, uint64_t *value)
{
	struct hvm_param p = { domid, 0, index, *value };
	long r = xen_hcall(HC_HVM_OP, op, (uintptr_t)&p);

	*value = p.value;
	return r;
}

static void guest_shinfo(void)
{
	volatile struct shared_info *s = (volatile struct shared_info *)shinfo_page;
	uint64_t t0, t1, val;
	long r;

	xen_hcall_page_setup();
	memset(shinfo_page, 0xaa, sizeof(shinfo_page));

	r = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
			   (uintptr_t)shinfo_page >> 12);
	GUEST_SYNC2(r, s->vcpu_info[0].time.version | (uint64_t)s->wc_version << 32);
	guest_ucall(UCALL_SYNC, s->vcpu_info[0].upcall_mask, s->vcpu_info[31].upcall_mask,
		    s->vcpu_info[0].upcall_pending | s->evtchn_pending[0] | s->evtchn_mask[0],
		    s->vcpu_info[0].time.mul);

	/* The time, now and 100 ms of TSC later, with the wall clock base. */
	t0 = xen_time_read(&s->vcpu_info[0].time);
	guest_ucall(UCALL_SYNC, t0, s->wc_sec, s->wc_nsec, 0);
	t1 = __rdtsc();
	while (xen_time_read(&s->vcpu_info[0].time) < t0 + 100000000ULL)
		;
	GUEST_SYNC2(xen_time_read(&s->vcpu_info[0].time), __rdtsc() - t1);

	/* The refusals. */
	guest_ucall(UCALL_SYNC,
		    add_to_physmap(0, XENMAPSPACE_shared_info, 0, (uintptr_t)shinfo_page >> 12),
		    add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0,
				   (uintptr_t)shinfo_page >> 12),
		    add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1,
				   (uintptr_t)shinfo_page >> 12),
		    add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
				   GUEST_MMIO_BASE >> 12));
	GUEST_SYNC(xen_hcall(HC_MEMORY_OP, 99, 0));

	/* HVM parameters. */
	val = CALLBACK_VECTOR(0xf3);
	r = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val);
	val = 0;
	GUEST_SYNC2(r, hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val) ?:
		    (long)val);
	val = 0x1234;
	r = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &val);
	val = 64;		/* GSI 64: there are 48 */
	guest_ucall(UCALL_SYNC, r,
		    hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &val),
		    hvm_param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &val),
		    hvm_param(HVMOP_get_param, 0, HVM_PARAM_CALLBACK_IRQ, &val));
	GUEST_SYNC(xen_hcall(HC_HVM_OP, 99, 0));

	/* vcpu_info moved to a page of the guest's choosing. */
	{
		volatile struct vcpu_info *vi = (volatile struct vcpu_info *)(vinfo_page + 64);
		uint64_t mfn = (uintptr_t)vinfo_page >> 12;

		memset(vinfo_page, 0xaa, sizeof(vinfo_page));
		/* Something of the guest's in the legacy slot must move along. */
		s->vcpu_info[0].cr2 = 0x5eed5eed;
		r = register_vcpu_info(0, mfn, 64);
		guest_ucall(UCALL_SYNC, r, vi->upcall_mask | (vi->cr2 == 0x5eed5eed) << 1,
			    vi->time.version, vi->time.mul);
		guest_ucall(UCALL_SYNC, register_vcpu_info(0, mfn, 128),
			    register_vcpu_info(5, mfn, 64),
			    register_vcpu_info(0, mfn, 4090),
			    register_vcpu_info(0, GUEST_MMIO_BASE >> 12, 0));
		GUEST_SYNC(xen_hcall3(HC_VCPU_OP, 99, 0, 0));
	}
}

static uint64_t host_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint64_t t0, wc_sec, wc_nsec, real, mono0, mono1, tsc0, tsc1;
	double guest_s, host_s, tsc_s, off;
	bool ok, ok9;

	ktap_print_header();
	ktap_set_plan(9);
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_shinfo);

	/* 1-2: placed, initialised, events masked. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "add_to_physmap");
	ktap_test_result(uc.args[0] == 0 && (uc.args[1] & 0xffffffff) == 2 && uc.args[1] >> 32 == 2,
			 "XENMEM_add_to_physmap(shared_info) -> 0; time and wall clock versions even (%#llx)",
			 (unsigned long long)uc.args[1]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "masks");
	ktap_test_result(uc.args[0] == 1 && uc.args[1] == 1 && uc.args[2] == 0 && uc.args[3],
			 "shared_info zeroed, events masked in vCPU slots 0 and 31, time scale set (mul %#llx)",
			 (unsigned long long)uc.args[3]);

	/* 3: system time plus the wall clock base is the host's real time. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "time");
	real = host_ns(CLOCK_REALTIME);
	tsc0 = __rdtsc();
	mono0 = host_ns(CLOCK_MONOTONIC);
	t0 = uc.args[0];
	wc_sec = uc.args[1];
	wc_nsec = uc.args[2];
	off = ((double)wc_sec * 1e9 + (double)wc_nsec + (double)t0 - (double)real) / 1e9;
	ktap_test_result(off > -5 && off < 5,
			 "wall clock base + Xen system time = host real time (%.3f s apart)", off);

	/*
	 * 4: the clock runs at the TSC's real rate: the guest's 100 ms of Xen
	 * time against its TSC ticks over them, at the rate the host's TSC
	 * ran between the two exits (a scale off by 2x cannot pass).
	 */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "time later");
	tsc1 = __rdtsc();
	mono1 = host_ns(CLOCK_MONOTONIC);
	guest_s = (double)(uc.args[0] - t0) / 1e9;
	host_s = (double)(mono1 - mono0) / 1e9;
	tsc_s = (double)uc.args[1] / ((double)(tsc1 - tsc0) / host_s);
	ktap_test_result(guest_s >= 0.1 && tsc_s > 0 && guest_s / tsc_s > 0.9 && guest_s / tsc_s < 1.1,
			 "Xen system time runs at the TSC's rate: %.3f s by it, %.3f s of TSC ticks (%.3f s of host time between)",
			 guest_s, tsc_s, host_s);

	/* 5-6: memory_op refusals. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "refusals");
	ok = (long)uc.args[0] == -XEN_EPERM && (long)uc.args[1] == -XEN_ENOSYS &&
	     (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_EINVAL;
	ktap_test_result(ok, "add_to_physmap: dom0 (another domain) -EPERM, XENMAPSPACE_gmfn -ENOSYS, idx 1 -EINVAL, not RAM -EINVAL (%lld %lld %lld %lld)",
			 (long long)uc.args[0], (long long)uc.args[1], (long long)uc.args[2],
			 (long long)uc.args[3]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "memory_op 99");
	ktap_test_result((long)uc.args[0] == -XEN_ENOSYS, "an unknown memory_op -> -ENOSYS");

	/* 7: HVM parameters. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "set_param");
	ok = uc.args[0] == 0 && uc.args[1] == CALLBACK_VECTOR(0xf3);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "param refusals");
	ok &= (long)uc.args[0] == -XEN_EPERM && (long)uc.args[1] == -XEN_EINVAL &&
	      (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_EPERM;
	ktap_test_result(ok, "HVM params: CALLBACK_IRQ vector set and read back; STORE_PFN -EPERM, GSI 64 -EINVAL, index 19 -EINVAL, dom0's -EPERM");

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "hvm_op 99");
	ok = (long)uc.args[0] == -XEN_ENOSYS;

	/* 9: VCPUOP_register_vcpu_info. */
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "register_vcpu_info");
	ok9 = uc.args[0] == 0 && uc.args[1] == 3 && uc.args[2] == 2 && uc.args[3];
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "register refusals");
	ok9 &= (long)uc.args[0] == -XEN_EINVAL && (long)uc.args[1] == -XEN_ENOENT &&
	       (long)uc.args[2] == -XEN_EINVAL && (long)uc.args[3] == -XEN_EINVAL;
	ktap_print_msg("refusals %lld %lld %lld %lld", (long long)uc.args[0], (long long)uc.args[1],
		       (long long)uc.args[2], (long long)uc.args[3]);
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "vcpu_op 99");
	ok9 &= (long)uc.args[0] == -XEN_ENOSYS;
	ktap_test_result(ok9, "VCPUOP_register_vcpu_info: moved with its contents, time and mask; again -EINVAL, no vCPU 5 -ENOENT, crossing the page -EINVAL, not RAM -EINVAL; vcpu_op 99 -ENOSYS");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(ok && domino_counters_back(objs, pages),
			 "an unknown hvm_op -> -ENOSYS; every allocation returned");
	ktap_finished();
}
