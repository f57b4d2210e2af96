// SPDX-License-Identifier: GPL-2.0
/*
 * A real-mode guest: port I/O in both directions, 8- and 16-bit, and the
 * string forms (REP OUTSB / REP INSB) moving data between guest memory
 * and the VMM, then HLT.
 */
#include <sys/ioctl.h>

#include "domino_util.h"
#include "guest.h"

extern const char real_start[], real_end[], real_msg[], real_buf[];

/* Offset of a label inside the blob, as the guest sees it at 0x8000. */
#define BLOB_GPA(label)	(GUEST_LOW_CODE + ((uintptr_t)(label) - (uintptr_t)real_start))

__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"real_start:\n"
	"	mov $0x42, %al\n"
	"	out %al, $0x10\n"
	"	mov $0x11, %dx\n"
	"	in %dx, %ax\n"
	"	out %ax, $0x12\n"
	"	mov $(real_msg - real_start + 0x8000), %si\n"
	"	mov $5, %cx\n"
	"	mov $0x13, %dx\n"
	"	cld\n"
	"	rep outsb\n"
	"	mov $(real_buf - real_start + 0x8000), %di\n"
	"	mov $4, %cx\n"
	"	mov $0x14, %dx\n"
	"	rep insb\n"
	"	hlt\n"
	"real_msg: .ascii \"hello\"\n"
	"real_buf: .skip 4\n"
	"real_end:\n"
	".code64\n"
	".popsection\n");

static uint8_t *io_data(struct dvcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

static bool io_is(struct dvcpu *vcpu, uint8_t dir, uint16_t port, uint8_t size,
		  uint32_t count)
{
	struct domino_run *run = vcpu->run;
	bool ok = run->exit_reason == DOMINO_EXIT_IO && run->io.direction == dir &&
		  run->io.port == port && run->io.size == size &&
		  run->io.count == count;

	if (!ok)
		ktap_print_msg("exit %s port %#x dir %u size %u count %u",
			       exit_reason_str(run->exit_reason), run->io.port,
			       run->io.direction, run->io.size, run->io.count);
	return ok;
}

int main(void)
{
	struct domino_regs regs;
	struct dvcpu *vcpu;
	struct dvm *vm;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(8);
	dvm_load(vm, GUEST_LOW_CODE, real_start, real_end);
	dvcpu_setup_real(vcpu, GUEST_LOW_CODE);

	dvcpu_run(vcpu);
	ktap_test_result(io_is(vcpu, DOMINO_IO_OUT, 0x10, 1, 1) && io_data(vcpu)[0] == 0x42,
			 "OUT imm8, AL: port 0x10 gets 0x42");

	dvcpu_run(vcpu);
	ktap_test_result(io_is(vcpu, DOMINO_IO_IN, 0x11, 2, 1), "IN AX, DX: a 16-bit read of port 0x11");
	io_data(vcpu)[0] = 0xef;
	io_data(vcpu)[1] = 0xbe;

	dvcpu_run(vcpu);
	ktap_test_result(io_is(vcpu, DOMINO_IO_OUT, 0x12, 2, 1) &&
			 io_data(vcpu)[0] == 0xef && io_data(vcpu)[1] == 0xbe,
			 "the value IN returned reaches the guest (echoed 0xbeef)");

	dvcpu_run(vcpu);
	ktap_test_result(io_is(vcpu, DOMINO_IO_OUT, 0x13, 1, 5) &&
			 !memcmp(io_data(vcpu), "hello", 5),
			 "REP OUTSB: 5 bytes of guest memory in one exit");

	dvcpu_run(vcpu);
	ktap_test_result(io_is(vcpu, DOMINO_IO_IN, 0x14, 1, 4), "REP INSB: 4 bytes asked for");
	memcpy(io_data(vcpu), "abcd", 4);

	ktap_test_result(dvcpu_run(vcpu) == DOMINO_EXIT_HLT, "guest reaches HLT");
	ktap_test_result(!memcmp(dvm_gpa(vm, BLOB_GPA(real_buf)),
				 "abcd", 4),
			 "REP INSB wrote the VMM's data into guest memory");
	dvcpu_get_regs(vcpu, &regs);
	ktap_test_result((regs.rcx & 0xffff) == 0 &&
			 (regs.rdi & 0xffff) == BLOB_GPA(real_buf) + 4 &&
			 regs.rip == BLOB_GPA(real_end) - 9,
			 "CX counted down, DI advanced, RIP after HLT (rip %#llx)",
			 (unsigned long long)regs.rip);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
