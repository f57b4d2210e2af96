// SPDX-License-Identifier: GPL-2.0
/*
 * GET/SET_XSAVE images: what the guest put in MXCSR and its XMM registers
 * shows in the image; an image read and written back unchanged is kept
 * exactly; images the CPU could not load (reserved bits in the XSAVE
 * header, the compacted format, XSTATE_BV components beyond the host's
 * XCR0, reserved MXCSR bits) are refused with EINVAL and leave the state
 * as it was; and a valid edited image is what the guest then runs with.
 */
#include <sys/ioctl.h>

#include "domino_util.h"
#include "guest.h"

/* SDM 10.5.1 and 13.4: the legacy area, then the XSAVE header at 512. */
#define FX_MXCSR	24
#define FX_XMM(n)	(160 + (n) * 16)
#define XSTATE_BV	512
#define XCOMP_BV	520
#define XHDR_RESERVED	528
#define XFEATURE_FPSSE	3ULL

#define GUEST_MXCSR	0x7f80U		/* all masked, round toward zero */
#define VMM_MXCSR	0x3f80U		/* all masked, round up */
#define XMM5_LO		0x1122334455667788ULL
#define XMM5_HI		0x99aabbccddeeff00ULL
#define XMM6_LO		0xa1a2a3a4a5a6a7a8ULL
#define XMM6_HI		0xb1b2b3b4b5b6b7b8ULL

/*
 * XMM0 is the compiler's scratch in the ucall path: the test uses XMM5
 * (the guest's) and XMM6 (the VMM's).
 */
static void guest_code(void)
{
	uint32_t mxcsr = GUEST_MXCSR;
	uint64_t lo, hi;

	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("movq %0, %%xmm5; pinsrq $1, %1, %%xmm5"
			 : : "r"(XMM5_LO), "r"(XMM5_HI) : "xmm5");
	GUEST_SYNC(1);
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("movq %%xmm6, %0; pextrq $1, %%xmm6, %1" : "=r"(lo), "=r"(hi));
	guest_ucall(UCALL_SYNC, mxcsr, lo, hi, 0);
	__asm__ volatile("movq %%xmm5, %0; pextrq $1, %%xmm5, %1" : "=r"(lo), "=r"(hi));
	GUEST_SYNC2(lo, hi);
	GUEST_DONE();
}

static uint8_t *img(struct domino_xsave *x)
{
	return (uint8_t *)x->region;
}

static uint32_t get32(struct domino_xsave *x, size_t off)
{
	uint32_t v;

	memcpy(&v, img(x) + off, sizeof(v));
	return v;
}

static uint64_t get64(struct domino_xsave *x, size_t off)
{
	uint64_t v;

	memcpy(&v, img(x) + off, sizeof(v));
	return v;
}

static void put32(struct domino_xsave *x, size_t off, uint32_t v)
{
	memcpy(img(x) + off, &v, sizeof(v));
}

static void put64(struct domino_xsave *x, size_t off, uint64_t v)
{
	memcpy(img(x) + off, &v, sizeof(v));
}

static bool host_has_xsave(uint64_t *xcr0)
{
	uint32_t a, b, c, d, lo, hi;

	host_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1U << 27)))		/* OSXSAVE: the host kernel uses XSAVE */
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	*xcr0 = lo | (uint64_t)hi << 32;
	return true;
}

int main(void)
{
	static struct domino_xsave orig, x, back;
	bool xsave, ok;
	struct dvcpu *vcpu;
	uint64_t xcr0 = XFEATURE_FPSSE, cmd;
	struct ucall uc;
	struct dvm *vm;
	int bit;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(10);
	xsave = host_has_xsave(&xcr0);
	dvcpu_setup_long64(vcpu, guest_code);

	TEST_ASSERT(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "sync 1");
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_XSAVE, &orig) == 0, "GET_XSAVE");
	ktap_test_result(get32(&orig, FX_MXCSR) == GUEST_MXCSR &&
			 get64(&orig, FX_XMM(5)) == XMM5_LO &&
			 get64(&orig, FX_XMM(5) + 8) == XMM5_HI,
			 "GET_XSAVE shows the guest's MXCSR (%#x) and XMM5",
			 get32(&orig, FX_MXCSR));

	memset(&back, 0x5a, sizeof(back));
	ktap_test_result(ioctl(vcpu->fd, DOMINO_SET_XSAVE, &orig) == 0 &&
			 ioctl(vcpu->fd, DOMINO_GET_XSAVE, &back) == 0 &&
			 !memcmp(&orig, &back, sizeof(orig)),
			 "an image set back unchanged is accepted and reads back byte for byte");

	if (xsave) {
		x = orig;
		put64(&x, XHDR_RESERVED, 1ULL << 56);
		ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_XSAVE, &x, EINVAL),
				 "a reserved bit in the XSAVE header -> EINVAL");
		x = orig;
		put64(&x, XCOMP_BV, 1ULL << 63 | get64(&x, XSTATE_BV));
		ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_XSAVE, &x, EINVAL),
				 "XCOMP_BV set (the compacted format) -> EINVAL");
	} else {
		ktap_test_skip("the host does not use XSAVE: the image is FXSAVE's, with no header to check");
		ktap_test_skip("the host does not use XSAVE: no compacted format");
	}

	/* A state component the host did not enable: the highest one. */
	for (bit = 62; bit > 1 && (xcr0 & (1ULL << bit)); bit--)
		;
	x = orig;
	put64(&x, XSTATE_BV, get64(&x, XSTATE_BV) | 1ULL << bit);
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_XSAVE, &x, EINVAL),
			 "XSTATE_BV bit %d, beyond the host's XCR0 %#llx -> EINVAL", bit,
			 (unsigned long long)xcr0);

	x = orig;
	put32(&x, FX_MXCSR, get32(&x, FX_MXCSR) | 1U << 31);
	put64(&x, XSTATE_BV, get64(&x, XSTATE_BV) | XFEATURE_FPSSE);
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_XSAVE, &x, EINVAL),
			 "a reserved MXCSR bit (31) -> EINVAL");

	memset(&back, 0x5a, sizeof(back));
	ktap_test_result(ioctl(vcpu->fd, DOMINO_GET_XSAVE, &back) == 0 &&
			 !memcmp(&orig, &back, sizeof(orig)),
			 "the refused images left the state as it was");

	x = orig;
	put32(&x, FX_MXCSR, VMM_MXCSR);
	put64(&x, FX_XMM(6), XMM6_LO);
	put64(&x, FX_XMM(6) + 8, XMM6_HI);
	if (xsave)
		put64(&x, XSTATE_BV, get64(&x, XSTATE_BV) | XFEATURE_FPSSE);
	ktap_test_result(ioctl(vcpu->fd, DOMINO_SET_XSAVE, &x) == 0,
			 "an edited valid image (MXCSR %#x, XMM6) is accepted", VMM_MXCSR);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ok = cmd == UCALL_SYNC && uc.args[0] == VMM_MXCSR && uc.args[1] == XMM6_LO &&
	     uc.args[2] == XMM6_HI;
	ktap_test_result(ok, "the guest runs with the VMM's MXCSR (%#llx) and XMM6",
			 (unsigned long long)uc.args[0]);
	cmd = dvcpu_run_ucall(vcpu, &uc);
	ktap_test_result(cmd == UCALL_SYNC && uc.args[0] == XMM5_LO && uc.args[1] == XMM5_HI,
			 "and with its own XMM5, which the image carried");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
