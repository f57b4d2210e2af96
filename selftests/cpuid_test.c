// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID policy a VMM sets is what the guest's CPUID returns: for the
 * leaves whose subleaf index matters (4, 7, 0xd) each subleaf its own
 * entry, whatever their order in the array; a subleaf or leaf the policy
 * does not list reads as zero; a leaf without DOMINO_CPUID_INDEXED
 * ignores ECX. The one value the module computes itself is checked
 * against the SDM: CPUID.(0xd,0).EBX, the XSAVE area size for the guest's
 * XCR0 (x87 only here: 512 + 64 bytes).
 */
#include <sys/ioctl.h>

#include "domino_util.h"
#include "guest.h"

#define IDX	DOMINO_CPUID_INDEXED
#define E(f, i, fl)	{ .function = (f), .index = (i), .flags = (fl),		\
			  .eax = 0xa0000000 | (f) << 8 | (i),			\
			  .ebx = 0xb0000000 | (f) << 8 | (i),			\
			  .ecx = 0xc0000000 | (f) << 8 | (i),			\
			  .edx = 0xd0000000 | (f) << 8 | (i) }

/* Leaf 4's subleaves out of order: a lookup must match the index. */
static const struct domino_cpuid_entry policy[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	E(4, 2, IDX), E(4, 0, IDX), E(4, 1, IDX),
	E(7, 0, IDX), E(7, 1, IDX),
	E(0xd, 0, IDX), E(0xd, 1, IDX), E(0xd, 2, IDX),
	E(0x80000000, 0, 0),
};

struct query {
	uint32_t leaf, sub;
};

static const struct query queries[] = {
	{ 4, 0 }, { 4, 1 }, { 4, 2 }, { 7, 0 }, { 7, 1 }, { 0xd, 1 }, { 0xd, 2 },
	{ 0xd, 0 },
	{ 4, 3 }, { 7, 5 },			/* subleaves not in the policy */
	{ 0x80000000, 0 }, { 0x80000000, 9 },	/* not indexed */
	{ 1, 0 }, { 2, 0 },			/* leaves not in the policy */
};

/* What the guest's CPUID returned, in guest memory. */
static uint32_t results[ARRAY_SIZE(queries)][4];

static void guest_code(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(queries); i++)
		guest_cpuid(queries[i].leaf, queries[i].sub, &results[i][0],
			    &results[i][1], &results[i][2], &results[i][3]);
	GUEST_DONE();
}

static const struct domino_cpuid_entry *find(uint32_t leaf, uint32_t sub)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(policy); i++)
		if (policy[i].function == leaf && policy[i].index == sub)
			return &policy[i];
	TEST_ASSERT(false, "no policy entry %#x.%u", leaf, sub);
	return NULL;
}

/* Queries [first, last] returned exactly their policy entries. */
static bool returned_entries(const uint32_t (*r)[4], unsigned int first, unsigned int last)
{
	unsigned int i;
	bool ok = true;

	for (i = first; i <= last; i++) {
		const struct domino_cpuid_entry *e = find(queries[i].leaf, queries[i].sub);

		if (r[i][0] != e->eax || r[i][1] != e->ebx || r[i][2] != e->ecx ||
		    r[i][3] != e->edx) {
			ktap_print_msg("CPUID %#x.%u: %08x %08x %08x %08x", queries[i].leaf,
				       queries[i].sub, r[i][0], r[i][1], r[i][2], r[i][3]);
			ok = false;
		}
	}
	return ok;
}

static bool returned_zero(const uint32_t (*r)[4], unsigned int i)
{
	if (r[i][0] || r[i][1] || r[i][2] || r[i][3]) {
		ktap_print_msg("CPUID %#x.%u: %08x %08x %08x %08x, expected zeros",
			       queries[i].leaf, queries[i].sub, r[i][0], r[i][1], r[i][2], r[i][3]);
		return false;
	}
	return true;
}

int main(void)
{
	static struct domino_cpuid_entry got[DOMINO_MAX_CPUID_ENTRIES];
	struct domino_cpuid c = { .nr = ARRAY_SIZE(policy), .entries = (uintptr_t)policy };
	const struct domino_cpuid_entry *d0;
	const uint32_t (*r)[4];
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	unsigned int i;
	bool ok;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(9);
	dvcpu_setup_long64(vcpu, guest_code);

	ktap_test_result(ioctl(vcpu->fd, DOMINO_SET_CPUID, &c) == 0,
			 "SET_CPUID of %zu entries, indexed ones among them", ARRAY_SIZE(policy));
	c.nr = DOMINO_MAX_CPUID_ENTRIES;
	c.entries = (uintptr_t)got;
	ok = ioctl(vcpu->fd, DOMINO_GET_CPUID, &c) == 0 && c.nr == ARRAY_SIZE(policy);
	for (i = 0; ok && i < ARRAY_SIZE(policy); i++)
		ok = !memcmp(&got[i], &policy[i], sizeof(got[i]));
	ktap_test_result(ok, "GET_CPUID returns that policy as set, flags included (nr %u)", c.nr);

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest CPUIDs");
	r = dvm_gpa(vm, (uintptr_t)results);
	ktap_test_result(returned_entries(r, 0, 2),
			 "leaf 4: subleaves 0, 1 and 2 each return their own entry");
	ktap_test_result(returned_entries(r, 3, 4), "leaf 7: subleaves 0 and 1 likewise");
	ktap_test_result(returned_entries(r, 5, 6), "leaf 0xd: subleaves 1 and 2 likewise");
	d0 = find(0xd, 0);
	ktap_test_result(r[7][0] == d0->eax && r[7][2] == d0->ecx && r[7][3] == d0->edx &&
			 r[7][1] == 512 + 64,
			 "leaf 0xd subleaf 0: EAX/ECX/EDX as set, EBX %u = the XSAVE size for XCR0 = x87",
			 r[7][1]);
	ktap_test_result(returned_zero(r, 8) && returned_zero(r, 9),
			 "a subleaf of an indexed leaf not in the policy reads as zero");
	ktap_test_result(returned_entries(r, 10, 10) && !memcmp(r[11], r[10], sizeof(r[10])),
			 "a leaf without DOMINO_CPUID_INDEXED ignores ECX");
	ktap_test_result(returned_zero(r, 12) && returned_zero(r, 13),
			 "leaves the policy does not list read as zero (SET_CPUID replaced all)");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
