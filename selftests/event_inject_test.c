// SPDX-License-Identifier: GPL-2.0
/*
 * Events from the VMM (DOMINO_INJECT_EVENT) as the guest's handlers see
 * them: an NMI runs the NMI handler although the guest has IF=0;
 * exceptions that push an error code arrive with the VMM's code, the
 * others with none (the handler's frame holds the interrupted RIP where it
 * belongs); a real-mode guest takes #GP through its IVT without an error
 * code on the stack. Error codes where the CPU has none (or missing where
 * it has one, or wider than 16 bits) are refused: VM entry would fail.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

extern const char ev_spin[];
#define SPIN_PORT	0x44

/*
 * The guest loops on an OUT to SPIN_PORT with IF=0: at each exit the VMM
 * knows where the guest is, and an event injected then is delivered with
 * RIP on the JMP after the OUT (OUT imm8 is 2 bytes).
 */
static void guest_spin(void)
{
	__asm__ volatile(".globl ev_spin\nev_spin: outb %%al, %0\n\tjmp ev_spin"
			 : : "i"(SPIN_PORT));
}

/* Real mode: report, spin; the #GP handler reports the IP and CS it pops. */
extern const char rm_ev_start[], rm_ev_spin[], rm_ev_gp[], rm_ev_end[];
#define RM_GPA(label)	(GUEST_LOW_CODE + ((uintptr_t)(label) - (uintptr_t)rm_ev_start))

__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"rm_ev_start:\n"
	"	out %al, $0x40\n"
	"rm_ev_spin:\n"
	"	jmp rm_ev_spin\n"
	"rm_ev_gp:\n"
	"	pop %ax\n"
	"	out %ax, $0x41\n"
	"	pop %ax\n"
	"	out %ax, $0x42\n"
	"	hlt\n"
	"rm_ev_end:\n"
	".code64\n"
	".popsection\n");

static int inject(struct dvcpu *vcpu, uint8_t type, uint8_t vector, bool has_error,
		  uint32_t error)
{
	struct domino_event ev = {
		.type = type, .vector = vector, .has_error_code = has_error,
		.error_code = error,
	};

	return ioctl(vcpu->fd, DOMINO_INJECT_EVENT, &ev);
}

static bool inject_fails(struct dvcpu *vcpu, uint8_t type, uint8_t vector,
			 bool has_error, uint32_t error)
{
	struct domino_event ev = {
		.type = type, .vector = vector, .has_error_code = has_error,
		.error_code = error,
	};

	return ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL);
}

static bool at_spin(struct dvcpu *vcpu)
{
	return vcpu->run->exit_reason == DOMINO_EXIT_IO && vcpu->run->io.port == SPIN_PORT;
}

/* Start the guest over and run it into its loop. */
static void restart(struct dvcpu *vcpu)
{
	dvcpu_setup_long64(vcpu, guest_spin);
	dvcpu_run(vcpu);
	TEST_ASSERT(at_spin(vcpu), "guest in its loop (exit %s)",
		    exit_reason_str(vcpu->run->exit_reason));
}

/* The guest's handler for @vector ran, saw @error and the RIP after the OUT. */
static bool handled(struct dvcpu *vcpu, uint8_t vector, uint32_t error)
{
	uint64_t rip = (uintptr_t)ev_spin + 2, cmd;
	struct ucall uc = { 0 };

	dvcpu_run(vcpu);
	cmd = dvcpu_get_ucall(vcpu, &uc);
	if (cmd != UCALL_EXCEPTION || uc.args[0] != vector || uc.args[1] != error ||
	    uc.args[2] != rip) {
		ktap_print_msg("exit %s ucall %llu: vector %llu error %#llx rip %#llx; expected %u, %#x, %#llx",
			       exit_reason_str(vcpu->run->exit_reason), (unsigned long long)cmd,
			       (unsigned long long)uc.args[0], (unsigned long long)uc.args[1],
			       (unsigned long long)uc.args[2], vector, error,
			       (unsigned long long)rip);
		return false;
	}
	return true;
}

static void test_nmi(void)
{
	struct domino_regs regs;
	struct dvcpu *vcpu;
	struct dvm *vm;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	restart(vcpu);
	dvcpu_get_regs(vcpu, &regs);
	ktap_test_result(!(regs.rflags & (1ULL << 9)) &&
			 inject_fails(vcpu, DOMINO_EVENT_NMI, 2, true, 0) &&
			 inject(vcpu, DOMINO_EVENT_NMI, 2, false, 0) == 0,
			 "with IF=0, an NMI is accepted (one with an error code is not)");
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT,
					  &(struct domino_event){ .type = DOMINO_EVENT_NMI },
					  EBUSY),
			 "a second event while the NMI is queued -> EBUSY");
	ktap_test_result(handled(vcpu, 2, 0), "the guest's NMI handler (vector 2) runs");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_exceptions(void)
{
	static const struct { uint8_t vector; uint16_t error; } with[] = {
		{ 8, 0 }, { 10, 0x18 }, { 11, 0x2a }, { 12, 0x33 }, { 13, 0xfffc },
		{ 14, 0x1f }, { 17, 0 },
	};
	static const uint8_t without[] = { 0, 6, 16, 19 };
	struct dvcpu *vcpu;
	struct dvm *vm;
	unsigned int i;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	for (i = 0; i < ARRAY_SIZE(with); i++) {
		restart(vcpu);
		ktap_test_result(inject(vcpu, DOMINO_EVENT_EXCEPTION, with[i].vector, true,
					with[i].error) == 0 &&
				 handled(vcpu, with[i].vector, with[i].error),
				 "exception %u with error code %#x: the handler sees that code",
				 with[i].vector, with[i].error);
	}
	for (i = 0; i < ARRAY_SIZE(without); i++) {
		restart(vcpu);
		/* The stub pushes 0 where the CPU pushes no error code. */
		ktap_test_result(inject(vcpu, DOMINO_EVENT_EXCEPTION, without[i], false, 0) == 0 &&
				 handled(vcpu, without[i], 0),
				 "exception %u without an error code: the frame holds the loop's RIP",
				 without[i]);
	}

	restart(vcpu);
	ktap_test_result(inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 6, true, 0) &&
			 inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 0, true, 0),
			 "an error code for #UD or #DE, which push none -> EINVAL");
	ktap_test_result(inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 13, false, 0) &&
			 inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 14, false, 0),
			 "#GP or #PF without their error code -> EINVAL");
	ktap_test_result(inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 13, true, 0x10000),
			 "an error code wider than 16 bits -> EINVAL");
	ktap_test_result(inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 2, false, 0) &&
			 inject_fails(vcpu, DOMINO_EVENT_EXCEPTION, 32, false, 0),
			 "exception vectors 2 (NMI's) and 32 -> EINVAL");
	/* None of the refused ones was queued: this one is not EBUSY. */
	ktap_test_result(inject(vcpu, DOMINO_EVENT_EXCEPTION, 6, false, 0) == 0 &&
			 handled(vcpu, 6, 0),
			 "the refused events left nothing queued: the next one is delivered");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static bool rm_out(struct dvcpu *vcpu, uint16_t port, uint16_t *val)
{
	struct domino_run *run = vcpu->run;

	dvcpu_run(vcpu);
	if (run->exit_reason != DOMINO_EXIT_IO || run->io.port != port) {
		ktap_print_msg("exit %s (hw %#llx) port %#x, expected OUT to %#x",
			       exit_reason_str(run->exit_reason),
			       (unsigned long long)run->hw.hardware_reason, run->io.port, port);
		return false;
	}
	*val = 0;
	memcpy(val, (uint8_t *)run + run->io.data_offset, run->io.size);
	return true;
}

static void test_real_mode(void)
{
	uint16_t *ivt, ip = 0, cs = 0xffff, v;
	struct dvcpu *vcpu;
	struct dvm *vm;
	bool ok;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	dvm_load(vm, GUEST_LOW_CODE, rm_ev_start, rm_ev_end);
	ivt = dvm_gpa(vm, 13 * 4);
	ivt[0] = RM_GPA(rm_ev_gp);
	ivt[1] = 0;
	dvcpu_setup_real(vcpu, GUEST_LOW_CODE);
	TEST_ASSERT(rm_out(vcpu, 0x40, &v), "real-mode guest started");
	ok = inject(vcpu, DOMINO_EVENT_EXCEPTION, 13, true, 0x1234) == 0 &&
	     rm_out(vcpu, 0x41, &ip) && ip == RM_GPA(rm_ev_spin) &&
	     rm_out(vcpu, 0x42, &cs) && cs == 0;
	ktap_test_result(ok, "real mode: #GP with an error code arrives through the IVT without it (IP %#x, CS %#x)",
			 ip, cs);
	dvcpu_free(vcpu);
	dvm_free(vm);
}

int main(void)
{
	ktap_print_header();
	close(domino_open_dev());
	ktap_set_plan(3 + 7 + 4 + 5 + 1);
	test_nmi();
	test_exceptions();
	test_real_mode();
	ktap_finished();
}
