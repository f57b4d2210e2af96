// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO from a 64-bit guest: accesses of 1, 2, 4 and 8 bytes to guest-physical
 * addresses with no RAM, in the instruction forms drivers use, each decoded
 * by the module, handed to the VMM, and completed with the VMM's data.
 */
#include "domino_util.h"
#include "guest.h"

#define DEV_SIZE	0x40

static uint8_t dev[DEV_SIZE];		/* the VMM's emulated registers */

#define M8(off)		(*(volatile uint8_t *)(GUEST_MMIO_BASE + (off)))
#define M16(off)	(*(volatile uint16_t *)(GUEST_MMIO_BASE + (off)))
#define M32(off)	(*(volatile uint32_t *)(GUEST_MMIO_BASE + (off)))
#define M64(off)	(*(volatile uint64_t *)(GUEST_MMIO_BASE + (off)))

static void guest_code(void)
{
	uint64_t v, rdi;
	int64_t s;

	/* Writes: immediates and registers of each width. */
	M8(0x00) = 0x11;
	M16(0x02) = 0x2233;
	M32(0x04) = 0x44556677;
	M64(0x08) = 0x8899aabbccddeeffULL;
	__asm__ volatile("movb %%ah, %0" : "=m"(M8(0x10)) : "a"(0x5a00));
	__asm__ volatile("movabs %%eax, 0xc0000014" : : "a"(0xcafef00d));
	rdi = GUEST_MMIO_BASE + 0x18;
	__asm__ volatile("cld; stosl" : "+D"(rdi) : "a"(0x600df00d) : "memory");
	GUEST_SYNC2(1, rdi);

	/* Reads: zero- and sign-extending forms and plain moves. */
	GUEST_SYNC2(2, M8(0x20));
	GUEST_SYNC2(3, M16(0x20));
	GUEST_SYNC2(4, M32(0x20));
	GUEST_SYNC2(5, M64(0x20));
	__asm__ volatile("movsbq %1, %0" : "=r"(s) : "m"(M8(0x28)));
	GUEST_SYNC2(6, s);
	__asm__ volatile("movswl %1, %k0" : "=r"(v) : "m"(M16(0x28)));
	GUEST_SYNC2(7, v);
	v = 0xffffffffffffffffULL;
	__asm__ volatile("movl %1, %k0" : "+r"(v) : "m"(M32(0x20)));
	GUEST_SYNC2(8, v);
	GUEST_DONE();
}

static uint64_t dev_get(unsigned int off, unsigned int len)
{
	uint64_t v = 0;

	memcpy(&v, &dev[off], len);
	return v;
}

/* Run, serving MMIO against dev[], until the guest's next ucall. */
static uint64_t run_serving(struct dvcpu *vcpu, struct ucall *uc, unsigned int *mmio)
{
	for (;;) {
		struct domino_run *run = vcpu->run;
		uint32_t reason = dvcpu_run(vcpu);
		uint64_t off;

		if (reason != DOMINO_EXIT_MMIO)
			break;
		(*mmio)++;
		off = run->mmio.phys_addr - GUEST_MMIO_BASE;
		TEST_ASSERT(off + run->mmio.len <= DEV_SIZE && run->mmio.len <= 8,
			    "MMIO at %#llx len %u", (unsigned long long)run->mmio.phys_addr,
			    run->mmio.len);
		if (run->mmio.is_write)
			memcpy(&dev[off], run->mmio.data, run->mmio.len);
		else
			memcpy(run->mmio.data, &dev[off], run->mmio.len);
	}
	TEST_ASSERT(dvcpu_get_ucall(vcpu, uc) != UCALL_NONE, "exit %s",
		    exit_reason_str(vcpu->run->exit_reason));
	if (uc->cmd == UCALL_ASSERT || uc->cmd == UCALL_EXCEPTION)
		printf("# guest failed: cmd %llu args %#llx %#llx %#llx\n",
		       (unsigned long long)uc->cmd, (unsigned long long)uc->args[0],
		       (unsigned long long)uc->args[1], (unsigned long long)uc->args[2]);
	return uc->cmd;
}

int main(void)
{
	unsigned int mmio = 0;
	struct dvcpu *vcpu;
	struct ucall uc;
	struct dvm *vm;
	uint64_t cmd;
	bool ok;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(12);
	dvcpu_setup_long64(vcpu, guest_code);

	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == 1 && mmio == 7,
			 "7 MMIO writes exited to the VMM (%u)", mmio);
	ktap_test_result(dev_get(0, 1) == 0x11 && dev_get(2, 2) == 0x2233 &&
			 dev_get(4, 4) == 0x44556677 &&
			 dev_get(8, 8) == 0x8899aabbccddeeffULL,
			 "MOV imm8/reg16/imm32/reg64 wrote the right bytes");
	ktap_test_result(dev_get(0x10, 1) == 0x5a, "MOV from AH writes bits 15:8 of RAX");
	ktap_test_result(dev_get(0x14, 4) == 0xcafef00d, "MOV moffs64, EAX (movabs)");
	ktap_test_result(dev_get(0x18, 4) == 0x600df00d &&
			 uc.args[1] == GUEST_MMIO_BASE + 0x1c,
			 "STOSL writes EAX and advances RDI by 4");

	memcpy(&dev[0x20], "\x81\x82\x83\x84\x85\x86\x87\x88", 8);
	memcpy(&dev[0x28], "\xf0\xff", 2);
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == 0x81, "8-bit read");
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == 0x8281, "16-bit read");
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == 0x84838281, "32-bit read");
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == 0x8887868584838281ULL,
			 "64-bit read");
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == (uint64_t)-16,
			 "MOVSX byte sign-extends (%#llx)", (unsigned long long)uc.args[1]);
	cmd = run_serving(vcpu, &uc, &mmio);
	ok = cmd == UCALL_SYNC && uc.args[1] == 0xfffffff0ULL;
	ktap_test_result(ok, "MOVSX word to a 32-bit register zero-extends to 64 (%#llx)",
			 (unsigned long long)uc.args[1]);
	cmd = run_serving(vcpu, &uc, &mmio);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[1] == 0x84838281ULL,
			 "32-bit MOV read clears bits 63:32 of the destination");
	TEST_ASSERT(run_serving(vcpu, &uc, &mmio) == UCALL_DONE, "guest done");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
