// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs from both sides: values SET_MSRS writes are what GET_MSRS and
 * the guest's RDMSR read, and what the guest's WRMSR writes is what
 * GET_MSRS reads; what GET/SET_MSRS refuse and how; unknown MSRs and
 * refused values raising #GP in the guest, in long mode and in real mode
 * (where no error code goes on the stack); and a DOMINO_DOMAIN_MSR_EXITS
 * domain's exits to the VMM: reads, writes, and the VMM's #GP.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_DEBUGCTL	0x1d9
#define MSR_IA32_CR_PAT		0x277
#define MSR_IA32_APICBASE	0x1b
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
/* In the KVM paravirtual range, unused: nobody handles these. */
#define MSR_BOGUS		0x4b564d99
#define MSR_BOGUS2		0x4b564d98

/* Not canonical with 48- nor 57-bit linear addresses (bit 56 set, 63:57 clear). */
#define NONCANONICAL		0x0100000000000000ULL

/* Values the VMM sets (each within the MSR's width, so it reads back as is). */
static const struct domino_msr_entry host_vals[] = {
	{ .index = MSR_STAR,		  .data = 0x0013000800000000ULL },
	{ .index = MSR_LSTAR,		  .data = 0xffffffff81a00000ULL },
	{ .index = MSR_CSTAR,		  .data = 0xffffffff81a00100ULL },
	{ .index = MSR_SYSCALL_MASK,	  .data = 0x47700 },
	{ .index = MSR_KERNEL_GS_BASE,	  .data = 0xffff888012340000ULL },
	{ .index = MSR_IA32_SYSENTER_CS,  .data = 0x10 },
	{ .index = MSR_IA32_SYSENTER_ESP, .data = 0xffffc90000004000ULL },
	{ .index = MSR_IA32_SYSENTER_EIP, .data = 0xffffffff81a00200ULL },
	/* PA0 stays write-back: the guest's own mappings use it. */
	{ .index = MSR_IA32_CR_PAT,	  .data = 0x0105040600070406ULL },
	{ .index = MSR_TSC_AUX,		  .data = 0x2a },
	{ .index = MSR_IA32_MISC_ENABLE,  .data = 0x800001 },
};
#define NR_VALS	ARRAY_SIZE(host_vals)

/* Values the guest writes. */
static const struct domino_msr_entry guest_vals[] = {
	{ .index = MSR_STAR,		  .data = 0x0023001000000000ULL },
	{ .index = MSR_LSTAR,		  .data = 0xffffffff81b00000ULL },
	{ .index = MSR_KERNEL_GS_BASE,	  .data = 0x00007fff00001000ULL },
	{ .index = MSR_IA32_SYSENTER_EIP, .data = 0xffffffff81b00200ULL },
	{ .index = MSR_IA32_CR_PAT,	  .data = 0x0007040600070406ULL },
	{ .index = MSR_TSC_AUX,		  .data = 0x7 },
};

/* What the guest's RDMSRs returned, in guest memory. */
static uint64_t guest_read[NR_VALS];

static void guest_msrs(void)
{
	unsigned int i;

	for (i = 0; i < NR_VALS; i++)
		guest_read[i] = guest_rdmsr(host_vals[i].index);
	GUEST_SYNC(0);
	for (i = 0; i < ARRAY_SIZE(guest_vals); i++)
		guest_wrmsr(guest_vals[i].index, guest_vals[i].data);
	GUEST_DONE();
}

/* Each faulting instruction carries a label: the #GP must point at it. */
extern const char gp_rdmsr[], gp_wrmsr[], gp_lstar[], exit_rdmsr_gp[], exit_wrmsr_gp[];

static void guest_gp_rdmsr(void)
{
	__asm__ volatile(".globl gp_rdmsr\ngp_rdmsr: rdmsr"
			 : : "c"(MSR_BOGUS) : "rax", "rdx");
	GUEST_DONE();
}

static void guest_gp_wrmsr(void)
{
	__asm__ volatile(".globl gp_wrmsr\ngp_wrmsr: wrmsr"
			 : : "c"(MSR_BOGUS), "a"(1), "d"(0));
	GUEST_DONE();
}

static void guest_gp_lstar(void)
{
	__asm__ volatile(".globl gp_lstar\ngp_lstar: wrmsr"
			 : : "c"(MSR_LSTAR), "a"(0), "d"((uint32_t)(NONCANONICAL >> 32)));
	GUEST_DONE();
}

/* In a DOMINO_DOMAIN_MSR_EXITS domain. */
static void guest_msr_exits(void)
{
	guest_wrmsr(MSR_BOGUS, 0x1122334455667788ULL);
	GUEST_SYNC(1);
	GUEST_SYNC2(2, guest_rdmsr(MSR_BOGUS2));
	/* A known MSR is the module's: no exit. */
	GUEST_SYNC2(3, guest_rdmsr(MSR_LSTAR));
	/* A value the module refuses for a known MSR is #GP, not an exit. */
	guest_wrmsr(MSR_LSTAR, NONCANONICAL);
	GUEST_DONE();
}

static void guest_exit_rdmsr_gp(void)
{
	__asm__ volatile(".globl exit_rdmsr_gp\nexit_rdmsr_gp: rdmsr"
			 : : "c"(MSR_BOGUS) : "rax", "rdx");
	GUEST_DONE();
}

static void guest_exit_wrmsr_gp(void)
{
	__asm__ volatile(".globl exit_wrmsr_gp\nexit_wrmsr_gp: wrmsr"
			 : : "c"(MSR_BOGUS), "a"(5), "d"(6));
	GUEST_DONE();
}

/*
 * Real mode: RDMSR of an unknown MSR, and a #GP handler in the IVT that
 * reports the IP and CS it finds on the stack. An error code pushed by
 * mistake would be read as the IP.
 */
extern const char rm_start[], rm_rdmsr[], rm_gp[], rm_end[];
#define RM_GPA(label)	(GUEST_LOW_CODE + ((uintptr_t)(label) - (uintptr_t)rm_start))

__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"rm_start:\n"
	"	mov $0x4b564d99, %ecx\n"
	"rm_rdmsr:\n"
	"	rdmsr\n"
	"	hlt\n"
	"rm_gp:\n"
	"	pop %ax\n"
	"	out %ax, $0x30\n"
	"	pop %ax\n"
	"	out %ax, $0x31\n"
	"	hlt\n"
	"rm_end:\n"
	".code64\n"
	".popsection\n");

static int msrs_ioctl(struct dvcpu *vcpu, unsigned long cmd,
		      struct domino_msr_entry *e, uint32_t nr)
{
	struct domino_msrs m = { .nr = nr, .entries = (uintptr_t)e };

	return ioctl(vcpu->fd, cmd, &m);
}

static uint64_t get_msr(struct dvcpu *vcpu, uint32_t index)
{
	struct domino_msr_entry e = { .index = index };

	TEST_ASSERT(msrs_ioctl(vcpu, DOMINO_GET_MSRS, &e, 1) == 1, "GET_MSRS %#x", index);
	return e.data;
}

static int set_msr(struct dvcpu *vcpu, uint32_t index, uint64_t data)
{
	struct domino_msr_entry e = { .index = index, .data = data };

	return msrs_ioctl(vcpu, DOMINO_SET_MSRS, &e, 1);
}

/* The guest took #GP(0) exactly at @insn. */
static bool took_gp_at(struct dvcpu *vcpu, const char *insn)
{
	struct ucall uc;
	uint64_t cmd = dvcpu_run_ucall(vcpu, &uc);

	if (cmd != UCALL_EXCEPTION || uc.args[0] != 13 || uc.args[1] != 0 ||
	    uc.args[2] != (uintptr_t)insn) {
		ktap_print_msg("ucall %llu vector %llu error %#llx rip %#llx, expected #GP(0) at %p",
			       (unsigned long long)cmd, (unsigned long long)uc.args[0],
			       (unsigned long long)uc.args[1],
			       (unsigned long long)uc.args[2], (const void *)insn);
		return false;
	}
	return true;
}

static bool is_msr_exit(struct dvcpu *vcpu, uint32_t index, bool write)
{
	struct domino_run *run = vcpu->run;

	if (run->exit_reason != DOMINO_EXIT_MSR || run->msr.index != index ||
	    run->msr.is_write != write) {
		ktap_print_msg("exit %s index %#x write %u", exit_reason_str(run->exit_reason),
			       run->msr.index, run->msr.is_write);
		return false;
	}
	return true;
}

static void test_values(void)
{
	struct domino_msr_entry e[NR_VALS];
	const uint64_t *read;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	unsigned int i;
	bool ok;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_msrs);

	memcpy(e, host_vals, sizeof(e));
	ktap_test_result(msrs_ioctl(vcpu, DOMINO_SET_MSRS, e, NR_VALS) == (int)NR_VALS,
			 "SET_MSRS of %zu MSRs returns %zu", NR_VALS, NR_VALS);
	for (i = 0; i < NR_VALS; i++)
		e[i].data = 0xdeadbeefdeadbeefULL;
	ok = msrs_ioctl(vcpu, DOMINO_GET_MSRS, e, NR_VALS) == (int)NR_VALS;
	for (i = 0; ok && i < NR_VALS; i++) {
		if (e[i].index != host_vals[i].index || e[i].data != host_vals[i].data) {
			ktap_print_msg("GET_MSRS %#x: %#llx, set %#llx", host_vals[i].index,
				       (unsigned long long)e[i].data,
				       (unsigned long long)host_vals[i].data);
			ok = false;
		}
	}
	ktap_test_result(ok, "GET_MSRS reads back every value SET_MSRS wrote");

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "guest RDMSRs");
	read = dvm_gpa(vm, (uintptr_t)guest_read);
	ok = true;
	for (i = 0; i < NR_VALS; i++) {
		if (read[i] != host_vals[i].data) {
			ktap_print_msg("guest RDMSR %#x: %#llx, set %#llx", host_vals[i].index,
				       (unsigned long long)read[i],
				       (unsigned long long)host_vals[i].data);
			ok = false;
		}
	}
	ktap_test_result(ok, "the guest's RDMSR sees every value SET_MSRS wrote");

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE, "guest WRMSRs");
	ok = true;
	for (i = 0; i < ARRAY_SIZE(guest_vals); i++) {
		uint64_t v = get_msr(vcpu, guest_vals[i].index);

		if (v != guest_vals[i].data) {
			ktap_print_msg("GET_MSRS %#x after the guest's WRMSR: %#llx, wrote %#llx",
				       guest_vals[i].index, (unsigned long long)v,
				       (unsigned long long)guest_vals[i].data);
			ok = false;
		}
	}
	ktap_test_result(ok, "GET_MSRS sees what the guest's WRMSR wrote");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_refusals(void)
{
	struct domino_msr_entry e[3];
	struct domino_msrs m = { 0 };
	uint64_t star, lstar;
	struct dvcpu *vcpu;
	struct dvm *vm;
	int r;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	TEST_ASSERT(set_msr(vcpu, MSR_STAR, 0x1000) == 1 &&
		    set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000ULL) == 1, "SET_MSRS");

	e[0] = (struct domino_msr_entry){ .index = MSR_STAR, .data = 0x2000 };
	e[1] = (struct domino_msr_entry){ .index = MSR_BOGUS, .data = 1 };
	e[2] = (struct domino_msr_entry){ .index = MSR_LSTAR, .data = 0xffffffff82000000ULL };
	r = msrs_ioctl(vcpu, DOMINO_SET_MSRS, e, 3);
	ktap_test_result(r == 1 && get_msr(vcpu, MSR_STAR) == 0x2000 &&
			 get_msr(vcpu, MSR_LSTAR) == 0xffffffff81000000ULL,
			 "SET_MSRS stops at an unknown MSR: returns 1 of 3, the rest untouched (%d)", r);

	e[0] = (struct domino_msr_entry){ .index = MSR_LSTAR };
	e[1] = (struct domino_msr_entry){ .index = MSR_BOGUS };
	r = msrs_ioctl(vcpu, DOMINO_GET_MSRS, e, 2);
	ktap_test_result(r == 1 && e[0].data == 0xffffffff81000000ULL,
			 "GET_MSRS stops at an unknown MSR: returns 1 of 2, the first filled (%d)", r);

	lstar = get_msr(vcpu, MSR_LSTAR);
	ktap_test_result(set_msr(vcpu, MSR_LSTAR, NONCANONICAL) == 0 &&
			 set_msr(vcpu, MSR_IA32_SYSENTER_EIP, NONCANONICAL) == 0 &&
			 set_msr(vcpu, MSR_IA32_CR_PAT, 0x0007040600070408ULL) == 0 &&
			 set_msr(vcpu, MSR_TSC_AUX, 1ULL << 32) == 0 &&
			 set_msr(vcpu, MSR_IA32_DEBUGCTL, 1) == 0 &&
			 set_msr(vcpu, MSR_IA32_APICBASE, 0xfee00001ULL) == 0 &&
			 get_msr(vcpu, MSR_LSTAR) == lstar &&
			 get_msr(vcpu, MSR_IA32_CR_PAT) != 0x0007040600070408ULL &&
			 get_msr(vcpu, MSR_TSC_AUX) != 1ULL << 32,
			 "values the CPU would refuse (non-canonical, PAT type 8, TSC_AUX > 32 bits, DEBUGCTL, APIC base bit 0) stop SET_MSRS at 0, unchanged");

	star = get_msr(vcpu, MSR_STAR);
	e[0] = (struct domino_msr_entry){ .index = MSR_STAR, .data = star + 0x1000 };
	e[1] = (struct domino_msr_entry){ .index = MSR_LSTAR, .data = lstar, .pad = 1 };
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS,
					  &(struct domino_msrs){ .nr = 2, .entries = (uintptr_t)e },
					  EINVAL) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS,
					  &(struct domino_msrs){ .nr = 2, .entries = (uintptr_t)e },
					  EINVAL) &&
			 get_msr(vcpu, MSR_STAR) == star,
			 "an entry's non-zero pad -> EINVAL, and no entry before it took effect");

	e[0] = (struct domino_msr_entry){ .index = MSR_STAR, .data = star };
	m.nr = 1;
	m.entries = (uintptr_t)e;
	m.pad = 1;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS, &m, EINVAL) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS, &m, EINVAL),
			 "struct domino_msrs with a non-zero pad -> EINVAL");
	m.pad = 0;
	m.nr = 257;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS, &m, EINVAL),
			 "257 entries (above the documented 256) -> EINVAL");
	m.nr = 1;
	m.entries = 1;
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS, &m, EFAULT) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS, &m, EFAULT),
			 "an entries pointer to nowhere -> EFAULT");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_gp(void)
{
	struct dvcpu *vcpu;
	struct dvm *vm;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_gp_rdmsr);
	ktap_test_result(took_gp_at(vcpu, gp_rdmsr),
			 "RDMSR of an unknown MSR: #GP(0) at the RDMSR in the guest's handler");
	dvcpu_setup_long64(vcpu, guest_gp_wrmsr);
	ktap_test_result(took_gp_at(vcpu, gp_wrmsr),
			 "WRMSR of an unknown MSR: #GP(0) at the WRMSR");
	dvcpu_setup_long64(vcpu, guest_gp_lstar);
	TEST_ASSERT(set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000ULL) == 1, "SET_MSRS");
	ktap_test_result(took_gp_at(vcpu, gp_lstar) &&
			 get_msr(vcpu, MSR_LSTAR) == 0xffffffff81000000ULL,
			 "WRMSR of a non-canonical LSTAR: #GP(0), LSTAR unchanged");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static bool rm_out(struct dvcpu *vcpu, uint16_t port, uint16_t *val)
{
	struct domino_run *run = vcpu->run;

	dvcpu_run(vcpu);
	if (run->exit_reason != DOMINO_EXIT_IO || run->io.port != port || run->io.size != 2) {
		ktap_print_msg("exit %s (hw %#llx) port %#x, expected OUT to %#x",
			       exit_reason_str(run->exit_reason),
			       (unsigned long long)run->hw.hardware_reason, run->io.port, port);
		return false;
	}
	memcpy(val, (uint8_t *)run + run->io.data_offset, 2);
	return true;
}

static void test_gp_real_mode(void)
{
	uint16_t *ivt, ip = 0, cs = 0xffff;
	struct dvcpu *vcpu;
	struct dvm *vm;
	bool ok;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	dvm_load(vm, GUEST_LOW_CODE, rm_start, rm_end);
	ivt = dvm_gpa(vm, 13 * 4);
	ivt[0] = RM_GPA(rm_gp);
	ivt[1] = 0;
	dvcpu_setup_real(vcpu, GUEST_LOW_CODE);
	ok = rm_out(vcpu, 0x30, &ip) && ip == RM_GPA(rm_rdmsr) &&
	     rm_out(vcpu, 0x31, &cs) && cs == 0;
	ktap_test_result(ok, "real mode: RDMSR of an unknown MSR takes #GP through the IVT, IP %#x CS %#x on the stack and no error code",
			 ip, cs);
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_exits(void)
{
	struct domino_run *run;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint64_t cmd;

	vm = dvm_create(DOMINO_DOMAIN_MSR_EXITS);
	vcpu = dvcpu_add(vm, 0);
	run = vcpu->run;
	dvcpu_setup_long64(vcpu, guest_msr_exits);
	TEST_ASSERT(set_msr(vcpu, MSR_LSTAR, 0xffffffff81c00000ULL) == 1, "SET_MSRS");

	dvcpu_run(vcpu);
	ktap_test_result(is_msr_exit(vcpu, MSR_BOGUS, true) &&
			 run->msr.data == 0x1122334455667788ULL && !run->msr.error,
			 "WRMSR of an unknown MSR exits to the VMM with index and EDX:EAX");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 1,
			 "the VMM accepting it moves the guest past the WRMSR");
	dvcpu_run(vcpu);
	ktap_test_result(is_msr_exit(vcpu, MSR_BOGUS2, false), "RDMSR of an unknown MSR exits as a read");
	run->msr.data = 0xa5a5a5a55a5a5a5aULL;
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 2 &&
			 uc.args[1] == 0xa5a5a5a55a5a5a5aULL,
			 "the guest reads the VMM's value in EDX:EAX");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 3 &&
			 uc.args[1] == 0xffffffff81c00000ULL,
			 "an MSR the module handles does not exit (LSTAR read in the kernel)");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_EXCEPTION && uc.args[0] == 13 && uc.args[1] == 0,
			 "a value the module refuses for a known MSR is #GP(0), not an exit");

	dvcpu_setup_long64(vcpu, guest_exit_rdmsr_gp);
	dvcpu_run(vcpu);
	TEST_ASSERT(is_msr_exit(vcpu, MSR_BOGUS, false), "read exit");
	run->msr.error = 1;
	ktap_test_result(took_gp_at(vcpu, exit_rdmsr_gp),
			 "msr.error = 1 on a read: the guest takes #GP(0) at the RDMSR");

	dvcpu_setup_long64(vcpu, guest_exit_wrmsr_gp);
	dvcpu_run(vcpu);
	TEST_ASSERT(is_msr_exit(vcpu, MSR_BOGUS, true) && run->msr.data == 0x600000005ULL,
		    "write exit");
	run->msr.error = 1;
	ktap_test_result(took_gp_at(vcpu, exit_wrmsr_gp),
			 "msr.error = 1 on a write: the guest takes #GP(0) at the WRMSR");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

int main(void)
{
	ktap_print_header();
	close(domino_open_dev());
	ktap_set_plan(23);
	test_values();
	test_refusals();
	test_gp();
	test_gp_real_mode();
	test_exits();
	ktap_finished();
}
