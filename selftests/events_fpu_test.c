// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from the VMM (refused while the guest cannot take one, an
 * interrupt-window exit once it can, delivery through the guest's IDT), and
 * the guest's FPU/SSE state read and written through GET/SET_XSAVE.
 */
#include <sys/ioctl.h>

#include "domino_util.h"
#include "guest.h"

#define VECTOR		48
/* SDM 10.5.1: XMMn at byte 160 + 16n of the image. XMM0 is the compiler's
 * scratch in the ucall path, so the test uses XMM5 and XMM6. */
#define FXSAVE_XMM5	(160 + 5 * 16)
#define FXSAVE_XMM6	(160 + 6 * 16)

static void guest_code(void)
{
	uint64_t lo, hi;

	/* XMM5 for the host to read; XMM6 for the host to write. */
	__asm__ volatile("movq %0, %%xmm5; pinsrq $1, %1, %%xmm5"
			 : : "r"(0x1122334455667788ULL), "r"(0x99aabbccddeeff00ULL)
			 : "xmm5");
	GUEST_SYNC(1);
	__asm__ volatile("movq %%xmm6, %0; pextrq $1, %%xmm6, %1" : "=r"(lo), "=r"(hi));
	GUEST_SYNC2(lo, hi);
	__asm__ volatile("sti");
	for (;;)
		__asm__ volatile("pause");
}

int main(void)
{
	struct domino_event ev = { .type = DOMINO_EVENT_INTERRUPT, .vector = VECTOR };
	static struct domino_xsave xs;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint64_t cmd, x[2];
	uint32_t reason;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(7);
	dvcpu_setup_long64(vcpu, guest_code);

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "sync 1");
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_XSAVE, &xs) == 0, "GET_XSAVE");
	memcpy(x, (uint8_t *)xs.region + FXSAVE_XMM5, 16);
	ktap_test_result(x[0] == 0x1122334455667788ULL && x[1] == 0x99aabbccddeeff00ULL,
			 "GET_XSAVE shows the guest's XMM5");
	x[0] = 0xa1a2a3a4a5a6a7a8ULL;
	x[1] = 0xb1b2b3b4b5b6b7b8ULL;
	memcpy((uint8_t *)xs.region + FXSAVE_XMM6, x, 16);
	ktap_test_result(ioctl(vcpu->fd, DOMINO_SET_XSAVE, &xs) == 0, "SET_XSAVE accepted");
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == x[0] && uc.args[1] == x[1],
			 "the guest sees the XMM6 the VMM wrote");

	/* The guest has IF=0 here: no interrupt fits. */
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EAGAIN),
			 "an interrupt while the guest has IF=0 -> EAGAIN");
	vcpu->run->request_irq_window = 1;
	reason = dvcpu_run(vcpu);
	vcpu->run->request_irq_window = 0;
	ktap_test_result(reason == DOMINO_EXIT_IRQ_WINDOW && vcpu->run->irq_window_open &&
			 vcpu->run->if_flag,
			 "request_irq_window: an IRQ_WINDOW exit once the guest did STI (%s)",
			 exit_reason_str(reason));
	ktap_test_result(ioctl(vcpu->fd, DOMINO_INJECT_EVENT, &ev) == 0,
			 "INJECT_EVENT of vector %d accepted", VECTOR);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_EXCEPTION && uc.args[0] == VECTOR,
			 "the guest takes interrupt %d through its IDT", VECTOR);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
