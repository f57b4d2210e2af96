// SPDX-License-Identifier: GPL-2.0
/*
 * Where the VMM backs guest RAM with transparent huge pages, aligned, the
 * nested tables map 2 MiB at once, and every 4 KiB of it is still the
 * right memory. The proof is this domain's own count of 2 MiB mappings
 * (DOMAIN_GET_INFO), which no other domain's faults can move.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "domino_util.h"
#include "guest.h"

#define HUGE_GPA	0x4000000ULL	/* 64 MiB, 2 MiB aligned */
#define HUGE		(2ULL << 20)

static void guest_read_huge(void)
{
	volatile uint64_t *p = (volatile uint64_t *)HUGE_GPA;

	/*
	 * First without touching the slot: the code, stack and tables this
	 * needs are mapped now (they may sit in huge pages of their own), so
	 * the count moves next only for the slot.
	 */
	GUEST_SYNC(0);
	GUEST_SYNC2(p[0], p[0x123000 / 8]);
	GUEST_SYNC(p[(HUGE - 8) / 8]);
	GUEST_DONE();
}

/* Does the VMA holding @addr have transparent huge pages now? */
static long anon_huge_kb(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long lo, hi, a = (uintptr_t)addr;
	char line[256];
	bool in = false;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = a >= lo && a < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static long long large_maps(struct dvm *vm)
{
	struct domino_domain_info info;

	TEST_ASSERT(ioctl(vm->dom, DOMINO_DOMAIN_GET_INFO, &info) == 0, "GET_INFO");
	return info.tdp_large_maps;
}

int main(void)
{
	struct domino_memory_region r = { .slot = 2, .guest_phys_addr = HUGE_GPA,
					  .memory_size = HUGE };
	long long before, after;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm, *other;
	uint8_t *raw, *mem;
	uint64_t cmd;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	raw = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(raw != MAP_FAILED, "mmap");
	mem = (uint8_t *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	if (madvise(mem, HUGE, MADV_HUGEPAGE))
		ktap_exit_skip("MADV_HUGEPAGE refused: no transparent huge pages here");
	memset(mem, 0, HUGE);
	if (anon_huge_kb(mem) < 2048)
		ktap_exit_skip("the kernel gave no huge page for the backing (AnonHugePages %ld kB)",
			       anon_huge_kb(mem));
	ktap_set_plan(5);
	other = dvm_create(0);
	*(uint64_t *)mem = 0x1111;
	*(uint64_t *)(mem + 0x123000) = 0x2222;
	*(uint64_t *)(mem + HUGE - 8) = 0x3333;
	r.userspace_addr = (uintptr_t)mem;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r) == 0, "slot");
	dvcpu_setup_long64(vcpu, guest_read_huge);

	cmd = dvcpu_run_ucall(vcpu, &uc);
	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == 0, "the guest's first sync");
	before = large_maps(vm);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	after = large_maps(vm);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x1111 && uc.args[1] == 0x2222,
			 "the guest reads the huge-page-backed slot at two offsets");
	ktap_test_result(after > before,
			 "reading the slot made a 2 MiB nested mapping in this domain (%lld -> %lld)",
			 before, after);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 0x3333,
			 "the last 8 bytes of the 2 MiB frame are the right memory");
	ktap_test_result(large_maps(vm) == after,
			 "no second mapping was needed inside the frame (%lld)", large_maps(vm));
	ktap_test_result(large_maps(other) == 0,
			 "a domain that ran nothing counts none of them (%lld)", large_maps(other));
	dvcpu_run_ucall(vcpu, &uc);
	dvcpu_free(vcpu);
	dvm_free(other);
	dvm_free(vm);
	munmap(raw, 2 * HUGE);
	ktap_finished();
}
