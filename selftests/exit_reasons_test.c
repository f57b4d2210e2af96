// SPDX-License-Identifier: GPL-2.0
/*
 * The exits that say the module or the hardware could not go on, each
 * produced by a guest built for it:
 *  - FAIL_ENTRY: a 64-bit code segment with both L and D set, which
 *    SET_SREGS leaves to the hardware's entry checks (SDM 26.3.1.2, APM
 *    15.5.1); SVM reports VMEXIT_INVALID, VMX exit reason 33 with bit 31
 *    set. Corrected state runs again on the same vCPU.
 *  - INTERNAL_ERROR/DECODE: an MMIO access by an instruction the MMIO
 *    decoder does not emulate (ADD to memory), with the GPA and the
 *    instruction's bytes; the VMM can step over it.
 *  - INTERNAL_ERROR/UNHANDLED: a hardware exit the module has no handler
 *    for, a task switch (a 32-bit JMP to a TSS), with the vendor's exit
 *    code and the TSS selector.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

#define SVM_EXIT_ERR		(~0ULL)		/* VMEXIT_INVALID */
#define VMX_ENTRY_FAIL_STATE	0x80000021ULL	/* bit 31 | invalid guest state */
#define SVM_EXIT_TASK_SWITCH	0x7d
#define VMX_EXIT_TASK_SWITCH	9

#define TSS_SEL			0x30		/* GDT entry 6, after the library's */
#define TSS_GPA			0x5000ULL
#define TASK_PORT		0x50

static void guest_done(void)
{
	GUEST_DONE();
}

extern const char decode_insn[], decode_end[];

static void guest_decode(void)
{
	__asm__ volatile(".globl decode_insn\ndecode_insn: addl $1, (%0)\n"
			 ".globl decode_end\ndecode_end:"
			 : : "r"(GUEST_MMIO_BASE) : "memory", "cc");
	GUEST_DONE();
}

/* 32-bit: JMP to the TSS; the new task, if the CPU switched, reports. */
extern const char ts_start[], ts_task[], ts_end[];
#define TS_GPA(label)	(GUEST_LOW_CODE + ((uintptr_t)(label) - (uintptr_t)ts_start))

__asm__(
	".pushsection .rodata\n"
	".code32\n"
	"ts_start:\n"
	"	ljmp $0x30, $0\n"
	"	hlt\n"
	"ts_task:\n"
	"	mov $0x5a, %al\n"
	"	out %al, $0x50\n"
	"	hlt\n"
	"ts_end:\n"
	".code64\n"
	".popsection\n");

static void test_fail_entry(uint32_t vendor)
{
	uint64_t want = vendor == DOMINO_VENDOR_SVM ? SVM_EXIT_ERR : VMX_ENTRY_FAIL_STATE;
	struct domino_sregs s;
	struct domino_run *run;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint32_t reason;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	run = vcpu->run;
	dvcpu_setup_long64(vcpu, guest_done);
	dvcpu_get_sregs(vcpu, &s);
	s.cs.db = 1;
	ktap_test_result(ioctl(vcpu->fd, DOMINO_SET_SREGS, &s) == 0,
			 "SET_SREGS takes CS.L=1 with CS.D=1 in long mode (left to the entry checks)");
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_FAIL_ENTRY && run->hw.hardware_reason == want &&
			 run->rip == (uintptr_t)guest_done,
			 "the hardware refuses it: FAIL_ENTRY, reason %#llx (qualification %#llx), RIP %#llx not moved",
			 (unsigned long long)run->hw.hardware_reason,
			 (unsigned long long)run->hw.qualification, (unsigned long long)run->rip);
	if (reason != DOMINO_EXIT_FAIL_ENTRY)
		ktap_print_msg("exit %s, expected FAIL_ENTRY with %#llx", exit_reason_str(reason),
			       (unsigned long long)want);
	dvcpu_setup_long64(vcpu, guest_done);
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE,
			 "with CS corrected the same vCPU runs its guest to the end");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_decode(void)
{
	size_t len = (uintptr_t)decode_end - (uintptr_t)decode_insn;
	struct domino_regs regs;
	struct domino_run *run;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint32_t reason;
	size_t avail;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	run = vcpu->run;
	dvcpu_setup_long64(vcpu, guest_decode);
	reason = dvcpu_run(vcpu);
	ktap_test_result(reason == DOMINO_EXIT_INTERNAL_ERROR &&
			 run->internal.suberror == DOMINO_INTERNAL_DECODE &&
			 run->internal.ndata == 4 && run->internal.data[0] == GUEST_MMIO_BASE &&
			 run->internal.data[2] != 0,
			 "ADD to MMIO: INTERNAL_ERROR/DECODE at GPA %#llx (exit %s, suberror %u, error %lld)",
			 (unsigned long long)run->internal.data[0], exit_reason_str(reason),
			 run->internal.suberror, (long long)run->internal.data[2]);
	avail = run->internal.data[1];
	ktap_test_result(reason == DOMINO_EXIT_INTERNAL_ERROR && avail >= len && avail <= 15 &&
			 !memcmp(&run->internal.data[3], decode_insn, len < 8 ? len : 8) &&
			 run->rip == (uintptr_t)decode_insn,
			 "it carries the instruction's %zu bytes (%zu fetched) and RIP on it", len, avail);
	dvcpu_get_regs(vcpu, &regs);
	regs.rip += len;
	dvcpu_set_regs(vcpu, &regs);
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_DONE,
			 "the VMM steps over it (SET_REGS) and the guest goes on");
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_unhandled(uint32_t vendor)
{
	uint64_t want = vendor == DOMINO_VENDOR_SVM ? SVM_EXIT_TASK_SWITCH : VMX_EXIT_TASK_SWITCH;
	uint32_t *tss = NULL;
	struct domino_sregs s;
	struct domino_run *run;
	struct dvcpu *vcpu;
	struct dvm *vm;
	uint64_t *gdt;
	uint32_t reason;

	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	run = vcpu->run;
	dvm_load(vm, GUEST_LOW_CODE, ts_start, ts_end);
	dvcpu_setup_prot32(vcpu, GUEST_LOW_CODE, true);
	/* An available 32-bit TSS (type 9), present, DPL 0 (SDM 7.2.2). */
	gdt = dvm_gpa(vm, GUEST_GDT);
	gdt[TSS_SEL / 8] = 0x67 | TSS_GPA << 16 | 0x89ULL << 40;
	/* Its task (SDM 7.2.1): CR3, EIP, EFLAGS, ESP, then ES CS SS DS FS GS. */
	tss = dvm_gpa(vm, TSS_GPA);
	memset(tss, 0, 0x68);
	tss[0x1c / 4] = GUEST_PT32;
	tss[0x20 / 4] = TS_GPA(ts_task);
	tss[0x24 / 4] = 2;
	tss[0x38 / 4] = GUEST_STACK_TOP;
	tss[0x48 / 4] = 0x10;
	tss[0x4c / 4] = 0x18;
	tss[0x50 / 4] = tss[0x54 / 4] = tss[0x58 / 4] = tss[0x5c / 4] = 0x10;
	tss[0x64 / 4] = 0x68 << 16;
	dvcpu_get_sregs(vcpu, &s);
	s.gdt.limit = TSS_SEL + 7;
	dvcpu_set_sregs(vcpu, &s);

	reason = dvcpu_run(vcpu);
	if (vendor == DOMINO_VENDOR_SVM && reason == DOMINO_EXIT_IO && run->io.port == TASK_PORT) {
		ktap_test_skip("this SVM implementation switched tasks itself: it has no TASK_SWITCH intercept (QEMU's TCG), so nothing exits here");
		ktap_test_skip("no UNHANDLED exit to check the selector and RIP of");
		goto out;
	}
	ktap_test_result(reason == DOMINO_EXIT_INTERNAL_ERROR &&
			 run->internal.suberror == DOMINO_INTERNAL_UNHANDLED_EXIT &&
			 run->internal.ndata == 3 && run->internal.data[0] == want,
			 "a task switch: INTERNAL_ERROR/UNHANDLED with exit code %#llx (exit %s, suberror %u)",
			 (unsigned long long)run->internal.data[0], exit_reason_str(reason),
			 run->internal.suberror);
	ktap_test_result(reason == DOMINO_EXIT_INTERNAL_ERROR &&
			 (run->internal.data[1] & 0xffff) == TSS_SEL && run->rip == GUEST_LOW_CODE,
			 "the exit information names TSS selector %#x (%#llx), RIP on the JMP (%#llx)",
			 TSS_SEL, (unsigned long long)run->internal.data[1],
			 (unsigned long long)run->rip);
out:
	dvcpu_free(vcpu);
	dvm_free(vm);
}

int main(void)
{
	struct domino_caps caps;
	int dev;

	ktap_print_header();
	dev = domino_open_dev();
	domino_get_caps(dev, &caps);
	close(dev);
	if (caps.vendor != DOMINO_VENDOR_SVM && caps.vendor != DOMINO_VENDOR_VMX)
		ktap_exit_skip("no SVM or VMX backend (vendor %u)", caps.vendor);
	ktap_set_plan(8);
	test_fail_entry(caps.vendor);
	test_decode();
	test_unhandled(caps.vendor);
	ktap_finished();
}
