// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_memory_op beyond shared_info: the E820 map a Xen domain gets
 * from its memory slots (XENMEM_memory_map), its current and maximum
 * reservation, and ballooning: XENMEM_decrease_reservation gives 16 MiB
 * back page by page in one call that the host preempts and the guest
 * continues (the progress in cmd's high bits, as in Xen), the VMM's
 * resident memory drops by that much, the frames exit to the VMM when
 * touched instead of faulting memory back in, and
 * XENMEM_populate_physmap brings them back zeroed, as 2 MiB extents and
 * page by page. Then every refusal, with Xen's answer (the number of
 * extents done, or an error code for the queries): bad pointers, counts
 * too large to continue, other domains (a witness domain whose memory
 * stays as it was), frames outside RAM, in ROM, given back twice or
 * populated while present, more than the maximum, orders above 9, the
 * memory flags a domU may not use; and the same calls from 32-bit code
 * (the compat layouts, continued through EBX). RAM the VMM shares (a memfd)
 * gets a hole punched; locked RAM is zeroed and stays the VMM's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_MEMORY_OP			12
#define XENMEM_decrease_reservation	1
#define XENMEM_current_reservation	3
#define XENMEM_maximum_reservation	4
#define XENMEM_populate_physmap		6
#define XENMEM_memory_map		9
#define MEMOP_EXTENT_SHIFT		6
#define XENMEMF_populate_on_demand	(1U << 16)
#define XENMEMF_exact_node(n)		(((n) + 1U) << 8 | 1U << 17)
#define DOMID_SELF			0x7ff0
#define DOMID_IO			0x7ff1
#define XEN_EPERM			1
#define XEN_ESRCH			3
#define XEN_EFAULT			14
#define XEN_EINVAL			22
#define XEN_ENOSYS			38

#define MIB			(1ULL << 20)
#define RAM_SIZE		(64 * MIB)
#define MAX_MEMORY		(96 * MIB)
#define EXTRA_SIZE		(2 * MIB)	/* a slot right after RAM: one E820 entry */
#define ROM_GPA			0xffff0000ULL
#define ROM_SIZE		(64 * 1024)
#define HIGH_GPA		(4ULL << 30)
#define HIGH_SIZE		(2 * MIB)
#define BALLOON_BASE		(32 * MIB)	/* plus up to 2 MiB, see balloon_gpa */
#define BALLOON_PAGES		4096		/* 16 MiB */
#define SPARE_GFN		((56 * MIB) >> 12)	/* the refusals' frames */
#define MMIO_GFN		(GUEST_MMIO_BASE >> 12)
#define UNMAPPED_GVA		(4ULL << 30)	/* beyond the guest's identity map */
#define COMPAT_PAGES		600
#define NR_HOSTILE		32

/* The 64-bit layouts of include/xen/interface/memory.h. */
struct reservation {
	uint64_t extent_start, nr_extents;	/* cppcheck-suppress unusedStructMember */
	uint32_t extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
	uint16_t domid;				/* cppcheck-suppress unusedStructMember */
};

struct memory_map {
	uint32_t nr_entries;
	uint64_t buffer;
};

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/* The 32-bit (compat) layouts. */
struct reservation32 {
	uint32_t extent_start, nr_extents, extent_order, mem_flags;	/* cppcheck-suppress unusedStructMember */
	uint16_t domid;			/* cppcheck-suppress unusedStructMember */
};

struct memory_map32 {
	uint32_t nr_entries, buffer;	/* cppcheck-suppress unusedStructMember */
};

/*
 * Set by the host before the guest runs. The ballooned range starts where
 * the VMM's mapping is 2 MiB aligned, so that it covers whole transparent
 * huge pages of the host: a part of one would go back only when the host
 * splits it under memory pressure.
 */
static volatile uint64_t own_domid, witness_domid, balloon_gpa;

static struct e820 map_buf[8], map_small[2], map_buf32[8];
static uint64_t list0[BALLOON_PAGES], list9[8], hl[4];
static uint32_t list32[COMPAT_PAGES];
static volatile long hostile[NR_HOSTILE];

/* memory_op through the page; *@cmd_out: cmd as the call left it in RDI. */
static long memop(uint64_t cmd, const void *arg, uint64_t *cmd_out)
{
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = 0;
	uint64_t a2 = (uintptr_t)arg, a3 = 0;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(cmd), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(xen_hcall_page + HC_MEMORY_OP * XEN_STUB_SIZE)
			 : "rcx", "r11", "memory");
	if (cmd_out)
		*cmd_out = cmd;
	return ret;
}

static long resv(uint64_t cmd, const uint64_t *list, uint64_t nr, uint32_t order,
		 uint32_t flags, uint16_t domid, uint64_t *cmd_out)
{
	struct reservation r = { (uintptr_t)list, nr, order, flags, domid };

	return memop(cmd, &r, cmd_out);
}

static long query(unsigned int op, uint16_t domid)
{
	return memop(op, &domid, NULL);
}

/* memory_op from 32-bit code; *@ebx_out is cmd as the call left it. */
static long memop32(uint32_t cmd, const void *arg, uint32_t *ebx_out)
{
	long r = xen_hcall32(HC_MEMORY_OP, &cmd, (uint32_t)(uintptr_t)arg, 0);

	if (ebx_out)
		*ebx_out = cmd;
	return r;
}

/* Write every page of [gpa, +pages): each gets its own frame number. */
static void touch(uint64_t gpa, uint64_t pages)
{
	uint64_t k;

	for (k = 0; k < pages; k++)
		*(volatile uint64_t *)(gpa + k * 4096) = (gpa >> 12) + k;
}

static uint64_t or_all(uint64_t gpa, uint64_t len)
{
	uint64_t acc = 0, k;

	for (k = 0; k < len; k += 8)
		acc |= *(volatile uint64_t *)(gpa + k);
	return acc;
}

static void guest_hostile(void)
{
	const uint64_t g = SPARE_GFN, s = DOMID_SELF;
	const uint64_t dec = XENMEM_decrease_reservation, pop = XENMEM_populate_physmap;
	uint64_t one[1] = { g }, two[2] = { g, g + 1 }, eight[8];
	uint64_t bad_mmio[1] = { MMIO_GFN }, rom[1] = { ROM_GPA >> 12 };
	uint64_t far[1] = { 1ULL << 40 }, top[1] = { ~0ULL };
	int i = 0, k;

	for (k = 0; k < 8; k++)
		eight[k] = g + k;
	hl[0] = g;
	hl[1] = g + 1;
	hl[2] = MMIO_GFN;
	hostile[i++] = resv(dec, (const uint64_t *)UNMAPPED_GVA, 1, 0, 0, s, NULL);
	hostile[i++] = memop(dec, (const void *)UNMAPPED_GVA, NULL);
	hostile[i++] = resv(dec, one, 1ULL << 26, 0, 0, s, NULL);
	hostile[i++] = resv(dec, hl, (1ULL << 26) - 1, 0, 0, s, NULL);
	hostile[i++] = resv(pop, two, 2, 0, 0, s, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 0, witness_domid, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 0, 0, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 0, DOMID_IO, NULL);
	hostile[i++] = resv(dec, bad_mmio, 1, 0, 0, s, NULL);
	hostile[i++] = resv(dec, rom, 1, 0, 0, s, NULL);
	hostile[i++] = resv(dec, far, 1, 0, 0, s, NULL);
	hostile[i++] = resv(dec, top, 1, 9, 0, s, NULL);
	hostile[i++] = resv(dec, one, 1, 10, 0, s, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 12, s, NULL);		/* 13: address bits 12 */
	hostile[i++] = resv(dec, one, 1, 0, 32, s, NULL);		/* 32 bits: ignored */
	hostile[i++] = resv(pop, one, 1, 0, XENMEMF_populate_on_demand, s, NULL);
	hostile[i++] = resv(pop, one, 1, 0, XENMEMF_exact_node(0), s, NULL);
	hostile[i++] = resv(pop, one, 1, 0, 0, s, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 0, s, NULL);		/* 18: twice */
	hostile[i++] = resv(dec, one, 1, 0, 0, s, NULL);
	hostile[i++] = resv(pop, one, 1, 0, 0, s, NULL);
	hostile[i++] = resv(pop, one, 1, 0, 0, s, NULL);
	hostile[i++] = resv(dec, eight, 4, 0, 0, s, NULL);		/* 22: past maximum */
	hostile[i++] = resv(pop, eight, 8, 0, 0, s, NULL);
	hostile[i++] = resv(dec | 5 << MEMOP_EXTENT_SHIFT, one, 3, 0, 0, s, NULL);
	hl[0] = MMIO_GFN;
	hl[1] = MMIO_GFN;
	hl[2] = g;
	hl[3] = g + 1;
	hostile[i++] = resv(dec | 2 << MEMOP_EXTENT_SHIFT, hl, 4, 0, 0, s, NULL);
	hostile[i++] = resv(pop, two, 2, 0, 0, s, NULL);
	hostile[i++] = resv(dec, one, 1, 0, 0, s, NULL);		/* 27: whole extents */
	hostile[i++] = resv(dec, one, 1, 9, 0, s, NULL);
	hostile[i++] = resv(pop, one, 1, 9, 0, s, NULL);
	hostile[i++] = resv(pop, one, 1, 0, 0, s, NULL);
	hostile[i++] = query(XENMEM_current_reservation, DOMID_SELF);
	GUEST_SYNC(i);
}

static void guest_compat(uint64_t cur0)
{
	struct memory_map32 m = { 8, (uint32_t)(uintptr_t)map_buf32 };
	struct reservation32 r = { (uint32_t)(uintptr_t)list32, COMPAT_PAGES, 0, 0, DOMID_SELF };
	uint16_t self = DOMID_SELF;
	uint32_t after, after2;
	long rm, rd, rp, cur;
	int k;

	rm = memop32(XENMEM_memory_map, &m, NULL);
	GUEST_SYNC2(rm, m.nr_entries);
	touch(balloon_gpa, COMPAT_PAGES);
	for (k = 0; k < COMPAT_PAGES; k++)
		list32[k] = (balloon_gpa >> 12) + k;
	rd = memop32(XENMEM_decrease_reservation, &r, &after);
	cur = memop32(XENMEM_current_reservation, &self, NULL);
	rp = memop32(XENMEM_populate_physmap, &r, &after2);
	guest_ucall(UCALL_SYNC, rd, after, cur0 - cur, rp | (uint64_t)after2 << 32);
	GUEST_SYNC(or_all(balloon_gpa, COMPAT_PAGES * 4096ULL));
}

static void guest_main(void)
{
	struct memory_map m = { 8, (uintptr_t)map_buf };
	uint64_t cur0, after, k;
	long r, r1, r2;
	uint16_t self = DOMID_SELF;

	xen_hcall_page_setup();

	/* 1: the memory map. */
	r = memop(XENMEM_memory_map, &m, NULL);
	GUEST_SYNC2(r, m.nr_entries);
	memset(map_small, 0xa5, sizeof(map_small));
	m.nr_entries = 1;
	m.buffer = (uintptr_t)map_small;
	r = memop(XENMEM_memory_map, &m, NULL);
	r1 = m.nr_entries;
	m.nr_entries = 0;
	r2 = memop(XENMEM_memory_map, &m, NULL);
	guest_ucall(UCALL_SYNC, r, r1, r2, m.nr_entries);
	m.nr_entries = 8;
	m.buffer = UNMAPPED_GVA;
	r = memop(XENMEM_memory_map, &m, NULL);
	m.buffer = (uintptr_t)map_buf;
	guest_ucall(UCALL_SYNC, r, memop(XENMEM_memory_map, (const void *)UNMAPPED_GVA, NULL),
		    memop(XENMEM_memory_map | 1 << MEMOP_EXTENT_SHIFT, &m, NULL), 0);

	/* 2: the reservation, and who may ask. */
	cur0 = query(XENMEM_current_reservation, DOMID_SELF);
	guest_ucall(UCALL_SYNC, cur0, query(XENMEM_maximum_reservation, DOMID_SELF),
		    query(XENMEM_current_reservation, own_domid),
		    query(XENMEM_maximum_reservation, own_domid));
	guest_ucall(UCALL_SYNC, query(XENMEM_current_reservation, witness_domid),
		    query(XENMEM_maximum_reservation, 0),
		    query(XENMEM_current_reservation, DOMID_IO),
		    memop(XENMEM_current_reservation, (const void *)UNMAPPED_GVA, NULL));
	GUEST_SYNC(memop(XENMEM_current_reservation | 1 << MEMOP_EXTENT_SHIFT, &self, NULL));

	/* 3: 16 MiB back to the host, page by page, in one call. */
	for (k = 0; k < BALLOON_PAGES; k++)
		list0[k] = (balloon_gpa >> 12) + k;
	for (k = 0; k < 8; k++)
		list9[k] = (balloon_gpa >> 12) + k * 512;
	touch(balloon_gpa, BALLOON_PAGES);
	GUEST_SYNC(0);
	r = resv(XENMEM_decrease_reservation, list0, BALLOON_PAGES, 0, 0, DOMID_SELF, &after);
	guest_ucall(UCALL_SYNC, r, after, query(XENMEM_current_reservation, DOMID_SELF), 0);

	/* Gone: a read and a write there go to the VMM; so would hypercalls. */
	r = *(volatile uint64_t *)(balloon_gpa + 5 * 4096);
	*(volatile uint64_t *)(balloon_gpa + 6 * 4096) = 0x5eed;
	m.nr_entries = 8;
	m.buffer = balloon_gpa + 7 * 4096;
	GUEST_SYNC2(r, memop(XENMEM_memory_map, &m, NULL));

	/* 4: back as 2 MiB extents, zeroed. */
	r = resv(XENMEM_populate_physmap, list9, 8, 9, 0, DOMID_SELF, &after);
	guest_ucall(UCALL_SYNC, r, after, or_all(balloon_gpa, BALLOON_PAGES * 4096ULL),
		    query(XENMEM_current_reservation, DOMID_SELF));

	/* 5: out as 2 MiB extents, back page by page. */
	touch(balloon_gpa, BALLOON_PAGES);
	GUEST_SYNC(0);
	r = resv(XENMEM_decrease_reservation, list9, 8, 9, 0, DOMID_SELF, &after);
	GUEST_SYNC2(r, query(XENMEM_current_reservation, DOMID_SELF));
	r = resv(XENMEM_populate_physmap, list0, BALLOON_PAGES, 0, 0, DOMID_SELF, &after);
	guest_ucall(UCALL_SYNC, r, after, or_all(balloon_gpa, BALLOON_PAGES * 4096ULL),
		    query(XENMEM_current_reservation, DOMID_SELF));

	/* 6: RAM the VMM backs otherwise: shared memory, locked memory. */
	list9[0] = HIGH_GPA >> 12;
	list9[1] = RAM_SIZE >> 12;
	r = resv(XENMEM_decrease_reservation, list9, 1, 9, 0, DOMID_SELF, NULL);
	r1 = resv(XENMEM_decrease_reservation, list9 + 1, 1, 4, 0, DOMID_SELF, NULL);
	GUEST_SYNC2(r, r1);
	r = resv(XENMEM_populate_physmap, list9, 1, 9, 0, DOMID_SELF, NULL);
	r1 = resv(XENMEM_populate_physmap, list9 + 1, 1, 4, 0, DOMID_SELF, NULL);
	GUEST_SYNC2(r, r1);

	/* 7: the refusals. */
	guest_hostile();

	/* 8: a 32-bit caller. */
	guest_compat(cur0);
	GUEST_DONE();
}

/* A "Key:   value kB" line of a /proc file, in kB; -1 if missing. */
static long long proc_kb(const char *path, const char *key)
{
	size_t n = strlen(key);
	long long v = -1;
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n)) {
			v = atoll(line + n);
			break;
		}
	fclose(f);
	return v;
}

/*
 * The host's free memory: MemFree and the pages freed into the per-CPU
 * lists, which MemFree leaves out until they are drained to the buddy
 * allocator (2 MiB pages too, since 5.13).
 */
static long long host_free_kb(void)
{
	long long kb = proc_kb("/proc/meminfo", "MemFree:"), pcp = 0;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f || kb < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		if (!strncmp(p, "count:", 6))
			pcp += atoll(p + 6);
	}
	fclose(f);
	return kb + pcp * 4;
}

static long long rss_kb(void)
{
	return proc_kb("/proc/self/status", "RssAnon:");
}

static void next_sync(struct dvcpu *vcpu, struct ucall *uc, const char *what)
{
	TEST_ASSERT(dvcpu_run_ucall(vcpu, uc) == UCALL_SYNC, "%s", what);
}

/* A slot of anonymous memory, or of the file @fd shared (-1: anonymous). */
static uint8_t *add_slot(struct dvm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
			 uint32_t flags, int fd)
{
	struct domino_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
	};
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED, fd, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap slot %u", slot);
	r.userspace_addr = (uintptr_t)p;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r) == 0, "slot %u", slot);
	return p;
}

static bool e820_is(const struct e820 *e, uint64_t addr, uint64_t size, uint32_t type)
{
	return e->addr == addr && e->size == size && e->type == type;
}

/*
 * 16 MiB given back: at least 90% of it left the VMM's resident memory
 * and is free in the host.
 */
static bool host_got_back(long long rss0, long long rss1, long long free0,
			  long long free1, const char *how)
{
	long long want = BALLOON_PAGES * 4 * 9 / 10;

	ktap_print_msg("%s: the VMM's anonymous RSS %lld -> %lld kB (down %lld), the host's free memory (MemFree and per-CPU lists) %lld -> %lld kB (up %lld); want %lld kB of both",
		       how, rss0, rss1, rss0 - rss1, free0, free1, free1 - free0, want);
	return rss0 > 0 && rss1 >= 0 && rss0 - rss1 >= want &&
	       free0 > 0 && free1 - free0 >= want;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	static const long expect[NR_HOSTILE] = {
		0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
		0, 1, 1, 0, 1, 0, 4, 4, 5, 4, 2, 1, 0, 0, 1, -1,
	};
	struct domino_domain_info info0, info1;
	long long rss0, rss1, rss2, free0, free1;
	uint64_t cur0, want_pages, k, bad, gpa;
	uint8_t *wmem, *extra, *high, resident[16];
	struct dvm *vm, *witness;
	long long blocks0, blocks1;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct stat st;
	int memfd;
	bool ok;

	ktap_print_header();
	ktap_set_plan(13);

	/* The witness: another domain, its memory patterned. */
	witness = dvm_create_sized(0, 32 * MIB, false);
	wmem = dvm_gpa(witness, 0);
	for (k = 0; k < 32 * MIB; k += 4096)
		*(uint64_t *)(wmem + k) = k ^ 0x57a7e;
	TEST_ASSERT(ioctl(witness->dom, DOMINO_DOMAIN_GET_INFO, &info0) == 0, "witness info");

	vm = dvm_create_max(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP, RAM_SIZE, MAX_MEMORY, true);
	/* After RAM, locked; ROM; above 4 GiB, a memfd the VMM shares. */
	extra = add_slot(vm, 1, RAM_SIZE, EXTRA_SIZE, 0, -1);
	memset(extra, 0x5a, EXTRA_SIZE);
	TEST_ASSERT(mlock(extra, EXTRA_SIZE) == 0, "mlock");
	add_slot(vm, 2, ROM_GPA, ROM_SIZE, DOMINO_MEM_READONLY, -1);
	memfd = memfd_create("xen_memory_test", 0);
	TEST_ASSERT(memfd >= 0 && ftruncate(memfd, HIGH_SIZE) == 0, "memfd");
	high = add_slot(vm, 3, HIGH_GPA, HIGH_SIZE, 0, memfd);
	memset(high, 0x5a, HIGH_SIZE);
	want_pages = (RAM_SIZE + EXTRA_SIZE + ROM_SIZE + HIGH_SIZE) >> 12;
	gpa = BALLOON_BASE + (-(uintptr_t)dvm_gpa(vm, BALLOON_BASE) & (2 * MIB - 1));
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&balloon_gpa) = gpa;
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&own_domid) = vm->domid;
	*(uint64_t *)dvm_gpa(vm, (uintptr_t)&witness_domid) = witness->domid;
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_main);

	/* 1-2: the memory map. */
	next_sync(vcpu, &uc, "memory_map");
	{
		const struct e820 *e = dvm_gpa(vm, (uintptr_t)map_buf);

		ok = uc.args[0] == 0 && uc.args[1] == 3 &&
		     e820_is(&e[0], 0, RAM_SIZE + EXTRA_SIZE, 1) &&
		     e820_is(&e[1], ROM_GPA, ROM_SIZE, 2) &&
		     e820_is(&e[2], HIGH_GPA, HIGH_SIZE, 1);
		ktap_test_result(ok, "XENMEM_memory_map: %lld, %llu entries: RAM %#llx+%#llx (two slots merged), reserved %#llx+%#llx (ROM), RAM %#llx+%#llx",
				 (long long)uc.args[0], (unsigned long long)uc.args[1],
				 (unsigned long long)e[0].addr, (unsigned long long)e[0].size,
				 (unsigned long long)e[1].addr, (unsigned long long)e[1].size,
				 (unsigned long long)e[2].addr, (unsigned long long)e[2].size);
	}
	next_sync(vcpu, &uc, "memory_map sizes");
	{
		const struct e820 *e = dvm_gpa(vm, (uintptr_t)map_small);
		const uint8_t *after = (const uint8_t *)&e[1];

		ok = uc.args[0] == 0 && uc.args[1] == 1 && uc.args[2] == 0 && uc.args[3] == 0 &&
		     e820_is(&e[0], 0, RAM_SIZE + EXTRA_SIZE, 1);
		for (k = 0; k < sizeof(e[1]); k++)
			ok &= after[k] == 0xa5;
	}
	next_sync(vcpu, &uc, "memory_map refusals");
	ok &= (long)uc.args[0] == -XEN_EFAULT && (long)uc.args[1] == -XEN_EFAULT &&
	      (long)uc.args[2] == -XEN_ENOSYS;
	ktap_test_result(ok, "memory_map: room for 1 -> 1 entry and nothing past it, room for 0 -> 0; unmapped buffer, unmapped argument -EFAULT (%lld %lld), progress bits in cmd -ENOSYS (%lld)",
			 (long long)uc.args[0], (long long)uc.args[1], (long long)uc.args[2]);

	/* 3: the reservation. */
	next_sync(vcpu, &uc, "reservations");
	cur0 = uc.args[0];
	ok = uc.args[0] == want_pages && uc.args[1] == MAX_MEMORY >> 12 &&
	     uc.args[2] == want_pages && uc.args[3] == MAX_MEMORY >> 12;
	ktap_print_msg("current %llu pages (want %llu), maximum %llu (want %llu)",
		       (unsigned long long)uc.args[0], (unsigned long long)want_pages,
		       (unsigned long long)uc.args[1], (unsigned long long)(MAX_MEMORY >> 12));
	next_sync(vcpu, &uc, "reservation refusals");
	ok &= (long)uc.args[0] == -XEN_EPERM && (long)uc.args[1] == -XEN_EPERM &&
	      (long)uc.args[2] == -XEN_ESRCH && (long)uc.args[3] == -XEN_EFAULT;
	ktap_print_msg("witness d%u -> %lld, dom0 -> %lld, DOMID_IO -> %lld, unmapped -> %lld",
		       witness->domid, (long long)uc.args[0], (long long)uc.args[1],
		       (long long)uc.args[2], (long long)uc.args[3]);
	next_sync(vcpu, &uc, "reservation progress bits");
	ok &= (long)uc.args[0] == -XEN_EINVAL;
	ktap_test_result(ok, "current/maximum_reservation: the slots' pages and max_memory's, by DOMID_SELF and by id; another domain -EPERM, dom0 -EPERM, no such domain -ESRCH, unmapped -EFAULT, progress bits -EINVAL");

	/* 4-5: 16 MiB given back page by page. */
	next_sync(vcpu, &uc, "touched");
	rss0 = rss_kb();
	free0 = host_free_kb();
	next_sync(vcpu, &uc, "decreased");
	rss1 = rss_kb();
	free1 = host_free_kb();
	ok = uc.args[0] == BALLOON_PAGES && (uc.args[1] & 63) == XENMEM_decrease_reservation &&
	     uc.args[1] >> MEMOP_EXTENT_SHIFT > 0 &&
	     uc.args[1] >> MEMOP_EXTENT_SHIFT < BALLOON_PAGES &&
	     uc.args[2] == cur0 - BALLOON_PAGES;
	ktap_test_result(ok, "decrease_reservation of %d order-0 extents -> %lld, continued (cmd left %#llx: resumed at extent %llu), current %llu (was %llu)",
			 BALLOON_PAGES, (long long)uc.args[0], (unsigned long long)uc.args[1],
			 (unsigned long long)(uc.args[1] >> MEMOP_EXTENT_SHIFT),
			 (unsigned long long)uc.args[2], (unsigned long long)cur0);
	ok = host_got_back(rss0, rss1, free0, free1, "order 0");
	for (bad = 0, k = 0; k < BALLOON_PAGES; k++)
		bad += *(uint64_t *)dvm_gpa(vm, gpa + k * 4096) != 0;
	ktap_test_result(ok && !bad, "the host got the memory back: the VMM's RSS down and the host's free memory up by 90%%+ of 16 MiB; the VMM's view of the range reads zeros (%llu pages not)",
			 (unsigned long long)bad);

	/* 6: the frames are gone for the guest. */
	TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_MMIO, "read of a given-back frame: exit %s",
		    exit_reason_str(vcpu->run->exit_reason));
	ok = vcpu->run->mmio.phys_addr == gpa + 5 * 4096 && !vcpu->run->mmio.is_write &&
	     vcpu->run->mmio.len == 8;
	memcpy(vcpu->run->mmio.data, &(uint64_t){ 0x1122334455667788ULL }, 8);
	TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_MMIO, "write to a given-back frame: exit %s",
		    exit_reason_str(vcpu->run->exit_reason));
	ok &= vcpu->run->mmio.phys_addr == gpa + 6 * 4096 && vcpu->run->mmio.is_write &&
	      *(uint64_t *)vcpu->run->mmio.data == 0x5eed;
	next_sync(vcpu, &uc, "after the accesses");
	rss2 = rss_kb();
	ok &= uc.args[0] == 0x1122334455667788ULL && (long)uc.args[1] == -XEN_EFAULT &&
	      rss2 - rss1 < 256;
	ktap_test_result(ok, "a given-back frame: read and write exit to the VMM as MMIO at its address, a hypercall buffer there -EFAULT (%lld), and no memory came back (RSS %+lld kB)",
			 (long long)uc.args[1], rss2 - rss1);

	/* 7: populated again as 2 MiB extents. */
	next_sync(vcpu, &uc, "populated");
	ok = uc.args[0] == 8 && (uc.args[1] & 63) == XENMEM_populate_physmap &&
	     uc.args[1] >> MEMOP_EXTENT_SHIFT > 0 && uc.args[2] == 0 && uc.args[3] == cur0;
	ktap_test_result(ok, "populate_physmap of 8 order-9 extents -> %lld, continued (cmd left %#llx), zeroed (OR of the 16 MiB %#llx), current %llu again",
			 (long long)uc.args[0], (unsigned long long)uc.args[1],
			 (unsigned long long)uc.args[2], (unsigned long long)uc.args[3]);

	/* 8: the other way round. */
	next_sync(vcpu, &uc, "touched again");
	rss0 = rss_kb();
	free0 = host_free_kb();
	next_sync(vcpu, &uc, "decreased order 9");
	rss1 = rss_kb();
	free1 = host_free_kb();
	ok = uc.args[0] == 8 && uc.args[1] == cur0 - BALLOON_PAGES;
	ok &= host_got_back(rss0, rss1, free0, free1, "order 9");
	next_sync(vcpu, &uc, "populated order 0");
	ok &= uc.args[0] == BALLOON_PAGES && uc.args[1] >> MEMOP_EXTENT_SHIFT > 0 &&
	      uc.args[2] == 0 && uc.args[3] == cur0;
	ktap_test_result(ok, "decrease_reservation of 8 order-9 extents (RSS down, host free memory up, 90%%+ of 16 MiB), populate_physmap of %d order-0 extents -> %lld (continued, cmd %#llx), zeroed, current back",
			 BALLOON_PAGES, (long long)uc.args[0], (unsigned long long)uc.args[1]);

	/* 9: other backings. */
	TEST_ASSERT(fstat(memfd, &st) == 0, "fstat");
	blocks0 = st.st_blocks;
	next_sync(vcpu, &uc, "other backings given back");
	TEST_ASSERT(fstat(memfd, &st) == 0, "fstat");
	blocks1 = st.st_blocks;
	ok = uc.args[0] == 1 && uc.args[1] == 1 && blocks0 == HIGH_SIZE / 512 && blocks1 == 0;
	for (bad = 0, k = 0; k < HIGH_SIZE; k += 8)
		bad += *(uint64_t *)(high + k) != 0;
	for (k = 0; k < EXTRA_SIZE; k += 8)
		bad += *(uint64_t *)(extra + k) != (k < 16 * 4096 ? 0 : 0x5a5a5a5a5a5a5a5aULL);
	ok &= mincore(extra, 16 * 4096, resident) == 0;
	for (k = 0; k < 16; k++)
		ok &= resident[k] & 1;
	next_sync(vcpu, &uc, "other backings populated");
	ok &= uc.args[0] == 1 && uc.args[1] == 1;
	ktap_test_result(ok && !bad, "a memfd slot's 2 MiB extent given back punches a hole (%lld -> %lld blocks of 512 B), mlocked memory is zeroed and stays resident; both populate again (%llu bytes wrong)",
			 blocks0, blocks1, (unsigned long long)bad);

	/* 10-11: the refusals. */
	next_sync(vcpu, &uc, "hostile");
	TEST_ASSERT(uc.args[0] == NR_HOSTILE, "%llu hostile calls", (unsigned long long)uc.args[0]);
	{
		const volatile long *h = dvm_gpa(vm, (uintptr_t)hostile);
		char line[NR_HOSTILE * 12];
		int len = 0, i;
		bool ok9 = true, ok10 = true;

		for (i = 0; i < NR_HOSTILE; i++) {
			long want = i == NR_HOSTILE - 1 ? (long)cur0 : expect[i];

			len += snprintf(line + len, sizeof(line) - len, " %d:%ld", i, h[i]);
			if (i < 18)
				ok9 &= h[i] == want;
			else
				ok10 &= h[i] == want;
		}
		ktap_print_msg("extents done, by call:%s", line);
		ktap_test_result(ok9, "refused with 0 extents done, as Xen: unmapped list or argument, 2^26 extents, other domains (the witness, dom0, DOMID_IO), a hole, ROM, frame 2^40, ~0 at order 9, order 10, 12 address bits, populate-on-demand, an exact node; 2^26-1 extents stop at the first hole (2)");
		ktap_test_result(ok10, "given back twice -> 0, populated while present -> 0, 8 populated where 4 were given back -> 4, progress past the count -> itself (5), progress 2 resumes there (4), a 2 MiB extent with one frame gone -> 0 both ways; current back to %llu",
				 (unsigned long long)cur0);
	}

	/* 12: 32-bit callers. */
	next_sync(vcpu, &uc, "compat memory_map");
	{
		const struct e820 *e = dvm_gpa(vm, (uintptr_t)map_buf32);

		ok = uc.args[0] == 0 && uc.args[1] == 3 && e820_is(&e[0], 0, RAM_SIZE + EXTRA_SIZE, 1) &&
		     e820_is(&e[2], HIGH_GPA, HIGH_SIZE, 1);
	}
	next_sync(vcpu, &uc, "compat balloon");
	ok &= uc.args[0] == COMPAT_PAGES && (uc.args[1] & 63) == XENMEM_decrease_reservation &&
	      uc.args[1] >> MEMOP_EXTENT_SHIFT > 0 && uc.args[2] == COMPAT_PAGES &&
	      (uint32_t)uc.args[3] == COMPAT_PAGES;
	ktap_print_msg("compat: decrease -> %lld (EBX left %#llx), current down %lld, populate -> %lld (EBX left %#llx)",
		       (long long)uc.args[0], (unsigned long long)uc.args[1], (long long)uc.args[2],
		       (long long)(uint32_t)uc.args[3], (unsigned long long)(uc.args[3] >> 32));
	next_sync(vcpu, &uc, "compat zeroed");
	ok &= uc.args[0] == 0;
	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest done");
	ktap_test_result(ok, "32-bit callers: memory_map in the compat layout, %d extents from a 32-bit list given back and populated (continued through EBX), zeroed",
			 COMPAT_PAGES);

	/* 13: the witness was never touched; nothing leaks. */
	TEST_ASSERT(ioctl(witness->dom, DOMINO_DOMAIN_GET_INFO, &info1) == 0, "witness info");
	for (bad = 0, k = 0; k < 32 * MIB; k += 4096)
		bad += *(uint64_t *)(wmem + k) != (k ^ 0x57a7e);
	dvcpu_free(vcpu);
	dvm_free(vm);
	dvm_free(witness);
	munmap(extra, EXTRA_SIZE);
	munmap(high, HIGH_SIZE);
	close(memfd);
	ktap_test_result(!bad && info1.memory == info0.memory && domino_counters_back(objs, pages),
			 "the witness domain's memory is intact (%llu pages differ) and its size too; every allocation returned",
			 (unsigned long long)bad);
	ktap_finished();
}
