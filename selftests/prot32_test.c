// SPDX-License-Identifier: GPL-2.0
/*
 * A 32-bit protected-mode guest with paging on (4 MiB pages): port I/O,
 * an MMIO write and read through its page tables, then HLT. The MMIO
 * instructions are decoded in 32-bit mode.
 */
#include "domino_util.h"
#include "guest.h"

extern const char p32_start[], p32_end[];

__asm__(
	".pushsection .rodata\n"
	".code32\n"
	"p32_start:\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ds\n"
	"	movl $0x12345678, %eax\n"
	"	out %eax, $0x20\n"
	"	movl $0xa5a5a5a5, 0xc0000010\n"		/* C7 05 imm32: MMIO write */
	"	movw 0xc0000020, %bx\n"			/* 66 8B 1D: 16-bit MMIO read */
	"	mov %ebx, %eax\n"
	"	out %eax, $0x21\n"
	"	hlt\n"
	"p32_end:\n"
	".code64\n"
	".popsection\n");

int main(void)
{
	struct domino_sregs s;
	struct domino_run *run;
	struct dvcpu *vcpu;
	struct dvm *vm;
	uint32_t v;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(6);
	run = vcpu->run;
	dvm_load(vm, GUEST_LOW_CODE, p32_start, p32_end);
	dvcpu_setup_prot32(vcpu, GUEST_LOW_CODE, true);
	dvcpu_get_sregs(vcpu, &s);
	ktap_test_result((s.cr0 & 0x80000001) == 0x80000001 && s.cr3 == GUEST_PT32 && !s.efer,
			 "32-bit paged state accepted (CR0 %#llx)", (unsigned long long)s.cr0);

	dvcpu_run(vcpu);
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	ktap_test_result(run->exit_reason == DOMINO_EXIT_IO && run->io.port == 0x20 &&
			 run->io.size == 4 && v == 0x12345678,
			 "OUT EAX from 32-bit code");
	dvcpu_run(vcpu);
	memcpy(&v, run->mmio.data, 4);
	ktap_test_result(run->exit_reason == DOMINO_EXIT_MMIO && run->mmio.is_write &&
			 run->mmio.phys_addr == 0xc0000010 && run->mmio.len == 4 &&
			 v == 0xa5a5a5a5,
			 "MOV imm32 to a paged MMIO address");
	dvcpu_run(vcpu);
	ktap_test_result(run->exit_reason == DOMINO_EXIT_MMIO && !run->mmio.is_write &&
			 run->mmio.phys_addr == 0xc0000020 && run->mmio.len == 2,
			 "16-bit MMIO read with an operand-size prefix");
	run->mmio.data[0] = 0x34;
	run->mmio.data[1] = 0x12;
	dvcpu_run(vcpu);
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	ktap_test_result(run->exit_reason == DOMINO_EXIT_IO && run->io.port == 0x21 &&
			 (v & 0xffff) == 0x1234,
			 "the read value landed in BX (%#x)", v);
	ktap_test_result(dvcpu_run(vcpu) == DOMINO_EXIT_HLT, "HLT");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
