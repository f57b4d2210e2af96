// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile VMM: several threads at once open /dev/domino, create and
 * close domains and vCPUs, change memory regions while vCPUs fault on
 * them, unmap and discard the backing under running guests, run vCPUs
 * while others close their fds, signal the runners, set random registers,
 * MSRs, CPUID and XSAVE images, inject random events, call random ioctl
 * numbers with random and bad pointers, mmap the fds every way, and pass
 * fds to other processes (inherited and through SCM_RIGHTS), which must
 * get nothing from them.
 *
 *   fuzz_uapi [-s SEED] [-t SECONDS] [-j THREADS]
 * (defaults: a seed from the clock, 15 s, 4 threads; DOMINO_FUZZ_SEED and
 * DOMINO_FUZZ_SECONDS in the environment override the defaults)
 *
 * Each call's result is checked against what the UAPI documents for its
 * arguments: the answer is worked out first, from the arguments and what
 * the fuzzer knows of the vCPU and the host, and a valid call must then
 * succeed, an invalid one fail with the documented errno. Where the answer
 * depends on what userspace cannot see (an x2APIC register's mode, whether
 * a random user address is mapped), only the documented set of answers is
 * accepted, and the call is counted as loosely checked. With -j 1 a seed
 * replays the same sequence of calls.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

#define MAX_DOMS	6
#define MAX_VCPUS	12
#define MAX_BACKINGS	8
#define EXTRA_GPA	0x4000000ULL	/* 64 MiB: where extra slots go */

/* The header's limits that have no macro of their own. */
#define MSRS_MAX	256		/* struct domino_msrs: nr <= 256 */

/* Architectural bits the answers depend on (SDM vol. 3, APM vol. 2). */
#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_NW	(1ULL << 29)
#define X86_CR0_CD	(1ULL << 30)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_BASE	0x7ffULL	/* VME..OSXMMEXCPT: every x86-64 CPU */
#define X86_CR4_UMIP	(1ULL << 11)
#define X86_CR4_LA57	(1ULL << 12)
#define X86_CR4_VMXE	(1ULL << 13)
#define X86_CR4_SMXE	(1ULL << 14)
#define X86_CR4_FSGSBASE (1ULL << 16)
#define X86_CR4_PCIDE	(1ULL << 17)
#define X86_CR4_OSXSAVE	(1ULL << 18)
#define X86_CR4_SMEP	(1ULL << 20)
#define X86_CR4_SMAP	(1ULL << 21)
#define X86_CR4_PKE	(1ULL << 22)
#define X86_CR4_CET	(1ULL << 23)
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NX		(1ULL << 11)
#define EFER_FFXSR	(1ULL << 14)
#define RFLAGS_FIXED	(1ULL << 1)
#define RFLAGS_IF	(1ULL << 9)
#define RFLAGS_VM	(1ULL << 17)
#define RFLAGS_DEFINED	0x3f7fd5ULL	/* CF..ID, the reserved bits clear */
#define XSTATE_LEGACY	0x7ULL		/* x87, SSE, AVX: the ones MXCSR goes with */
#define XSTATE_XTILEDATA (1ULL << 18)	/* AMX: only on request, never for guests */
#define MSR_IA32_VMX_CR4_FIXED1	0x489

/* An injected event, as far as the fuzzer can tell. */
enum fz_event {
	/*
	 * None queued and no STI or MOV SS shadow: a new vCPU, or one whose
	 * last run reported its interrupt window open (the header's
	 * run->irq_window_open: nothing queued, no shadow, IF set).
	 */
	EV_NONE,
	EV_QUEUED,	/* one waits for the next entry */
	EV_MAYBE,	/* the vCPU ran: taken, or still there, or a shadow */
};

struct fz_vcpu {
	int fd;
	int dom;		/* index in doms[] at creation */
	bool irqchip;		/* its domain has the in-kernel APIC */
	/*
	 * Held by the ops that check answers depending on vCPU state
	 * (grab_vcpu_locked) and by runs: the kernel serializes a vCPU's
	 * ioctls anyway, and so the state a check reads is still the state
	 * when the call it predicts comes. A slot is emptied only under it,
	 * so what follows belongs to the vCPU in fd while it is held.
	 */
	pthread_mutex_t lock;
	int cpuid_nr;		/* entries in its CPUID policy; -1: not known */
	enum fz_event event;
};

struct fz_backing {
	uint8_t *addr;
	size_t size;
};

static struct {
	pthread_mutex_t lock;
	struct dvm *doms[MAX_DOMS];
	uint32_t dom_flags[MAX_DOMS];
	struct fz_vcpu vcpus[MAX_VCPUS];
	struct fz_backing backings[MAX_BACKINGS];
	pthread_t threads[16];
	int nthreads;
	int helper_sock;	/* to the process forked before any domain */
	pthread_barrier_t start;	/* every thread id known before any op */
	volatile bool stop;
} fz = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * What the answers depend on besides the arguments: the backend, and what
 * the host CPU and kernel offer, read where the module reads them.
 */
static struct {
	uint32_t vendor;	/* enum domino_vendor */
	uint64_t cr4_ok;	/* CR4 bits SET_SREGS accepts */
	bool cr4_known;		/* false: VMX without IA32_VMX_CR4_FIXED1 */
	bool la57;		/* canonical addresses have 57 bits */
	bool xsave;		/* the host kernel uses XSAVE */
	bool spec_ctrl;		/* the host CPU has speculation-control MSRs */
	uint64_t xstate_ok;	/* XSTATE_BV bits SET_XSAVE accepts */
	uint32_t mxcsr_mask;	/* MXCSR bits that may be set */
	int mxcsr_unused;	/* see xsave_answer(); -1: not seen yet */
} host = { .mxcsr_unused = -1 };

enum fz_op {
	OP_CREATE_DOMAIN, OP_CREATE_RAW, OP_CLOSE_DOMAIN, OP_REGION, OP_BACKING,
	OP_CREATE_VCPU, OP_CLOSE_VCPU, OP_RUN, OP_SIGNAL, OP_REGS, OP_SREGS,
	OP_MSRS, OP_CPUID, OP_XSAVE, OP_EVENT, OP_IRQ_LINE, OP_INFO,
	OP_GARBAGE, OP_MMAP, OP_CHILD, OP_PASS_FD, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"create-domain", "create-raw", "close-domain", "set-region", "backing",
	"create-vcpu", "close-vcpu", "run", "signal", "regs", "sregs", "msrs",
	"cpuid", "xsave", "event", "irq-line", "info", "garbage-ioctl", "mmap",
	"child", "pass-fd",
};

static struct {
	uint64_t calls[NR_OPS];
	uint64_t unexpected[NR_OPS];
	uint64_t loose[NR_OPS];	/* answers checked against a set only */
	uint64_t exits, runs;
} stats;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd_next(s) % n;
}

static void fill_random(uint64_t *s, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = rnd_next(s);
}

/* A call did what the UAPI does not allow: count it and say what. */
static void unexpected(enum fz_op op, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void unexpected(enum fz_op op, const char *fmt, ...)
{
	pthread_mutex_lock(&stats_lock);
	if (stats.unexpected[op]++ < 5) {
		va_list ap;

		printf("# %s: ", op_names[op]);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		fflush(stdout);
	}
	pthread_mutex_unlock(&stats_lock);
}

/* An fd of the table, dup'ed so another thread's close cannot pull it away. */
static int grab_vcpu(uint64_t *s, int *dom)
{
	int i = rnd_below(s, MAX_VCPUS), fd = -1;

	pthread_mutex_lock(&fz.lock);
	if (fz.vcpus[i].fd >= 0) {
		fd = dup(fz.vcpus[i].fd);
		if (dom)
			*dom = fz.vcpus[i].dom;
	}
	pthread_mutex_unlock(&fz.lock);
	return fd;
}

static int grab_domain(uint64_t *s)
{
	int i = rnd_below(s, MAX_DOMS), fd = -1;

	pthread_mutex_lock(&fz.lock);
	if (fz.doms[i])
		fd = dup(fz.doms[i]->dom);
	pthread_mutex_unlock(&fz.lock);
	return fd;
}

/* A check that could not predict one answer, only the set it is in. */
static void loose(enum fz_op op)
{
	__atomic_add_fetch(&stats.loose[op], 1, __ATOMIC_RELAXED);
}

/* A call's answer: 0 for success, else its errno. */
static int answer(long ret)
{
	return ret < 0 ? errno : 0;
}

static const char *answer_name(int err)
{
	const char *name = err ? strerrorname_np(err) : "success";

	return name ? name : "an unknown errno";
}

/* Whether @got is the answer @want the UAPI gives; says what it was if not. */
static bool expect(enum fz_op op, const char *call, int got, int want)
{
	if (got == want)
		return true;
	unexpected(op, "%s: %s (%d), not %s", call, answer_name(got), got, answer_name(want));
	return false;
}

/*
 * A vCPU fd of the table, with its slot held (struct fz_vcpu): what the
 * slot knows stays true until put_vcpu_locked().
 */
static int grab_vcpu_locked(uint64_t *s, struct fz_vcpu **vp)
{
	struct fz_vcpu *v = &fz.vcpus[rnd_below(s, MAX_VCPUS)];
	int fd = -1;

	pthread_mutex_lock(&v->lock);
	pthread_mutex_lock(&fz.lock);
	if (v->fd >= 0)
		fd = dup(v->fd);
	pthread_mutex_unlock(&fz.lock);
	if (fd < 0) {
		pthread_mutex_unlock(&v->lock);
		return -1;
	}
	*vp = v;
	return fd;
}

static void put_vcpu_locked(struct fz_vcpu *v, int fd)
{
	close(fd);
	pthread_mutex_unlock(&v->lock);
}

/* Whether the kernel can reach [@p, +@len): a buffer of ours, none, or not known. */
enum uptr { UPTR_OK, UPTR_BAD, UPTR_MAYBE };

/* The fuzzer maps nothing below mmap_min_addr or above 2^47. */
#define USER_LOW	0x10000ULL
#define USER_TOP	(1ULL << 47)

static enum uptr uptr_class(uint64_t p, uint64_t len, const void *own, size_t own_len)
{
	uint64_t base = (uintptr_t)own;

	/* copy_{from,to}_user() of nothing succeeds whatever the address */
	if (!len || (p >= base && p - base <= own_len && len <= own_len - (p - base)))
		return UPTR_OK;
	if (p < USER_LOW || p >= USER_TOP || len > USER_TOP - p)
		return UPTR_BAD;
	return UPTR_MAYBE;
}

/* CREATE_DOMAIN's rules (the header): flags, id, reserved, limits. */
static bool create_domain_valid(const struct domino_create_domain *a)
{
	/* Xen's ABI needs the in-kernel platform. */
	if ((a->flags & DOMINO_DOMAIN_XEN) && !(a->flags & DOMINO_DOMAIN_IRQCHIP))
		return false;
	/* Grant limits: Xen domains only, within the maxima. */
	if (!(a->flags & DOMINO_DOMAIN_XEN) && (a->max_grant_frames || a->max_maptrack_frames))
		return false;
	return !(a->flags & ~DOMINO_DOMAIN_FLAGS_VALID) && a->domid <= DOMINO_DOMID_MAX &&
	       !a->reserved && !a->pad && !(a->max_memory & 0xfff) &&
	       a->max_vcpus <= DOMINO_MAX_VCPUS &&
	       a->max_grant_frames <= DOMINO_XEN_MAX_GRANT_FRAMES &&
	       a->max_maptrack_frames <= DOMINO_XEN_MAX_MAPTRACK_FRAMES;
}

/* A GET that fills *@arg: it succeeds unless @arg cannot be written. */
static void check_get(enum fz_op op, int fd, unsigned long cmd, const char *call,
		      void *arg, bool good)
{
	expect(op, call, answer(ioctl(fd, cmd, arg)), good ? 0 : EFAULT);
}

static void check_create_domain(enum fz_op op, int dev, struct domino_create_domain *a,
				bool good)
{
	bool valid = good && create_domain_valid(a);
	int fd = ioctl(dev, DOMINO_CREATE_DOMAIN, a), got = answer(fd);

	if (fd >= 0)
		close(fd);
	if (!good)
		expect(op, "CREATE_DOMAIN", got, EFAULT);
	else if (!valid)
		expect(op, "CREATE_DOMAIN", got, EINVAL);
	else if (got && got != EEXIST && got != ENOSPC && got != EINTR)
		unexpected(op, "CREATE_DOMAIN flags %#x domid %u: %s", a->flags, a->domid,
			   answer_name(got));
}

/* CREATE_VCPU: ids below the domain's max_vcpus, no flags, reserved zero. */
static void check_create_vcpu(enum fz_op op, int dom, struct domino_create_vcpu *a, bool good)
{
	struct domino_domain_info info;
	bool valid;
	int fd, got;

	if (ioctl(dom, DOMINO_DOMAIN_GET_INFO, &info)) {
		unexpected(op, "GET_INFO: %s", answer_name(errno));
		return;
	}
	valid = good && !a->flags && !a->reserved[0] && !a->reserved[1] &&
		a->vcpu_id < (info.max_vcpus ? info.max_vcpus : DOMINO_MAX_VCPUS);
	fd = ioctl(dom, DOMINO_CREATE_VCPU, a);
	got = answer(fd);
	if (fd >= 0)
		close(fd);	/* not in the table: nobody sets it up */
	if (!good)
		expect(op, "CREATE_VCPU", got, EFAULT);
	else if (!valid)
		expect(op, "CREATE_VCPU", got, EINVAL);
	else if (got && got != EEXIST)
		unexpected(op, "CREATE_VCPU id %u: %s", a->vcpu_id, answer_name(got));
}

/* IRQ_LINE: ENXIO without the irqchip, whatever the line; then the line's rules. */
static void check_irq_line(enum fz_op op, int dom, const struct domino_irq_line *l, bool good)
{
	struct domino_domain_info info;
	char call[96] = "IRQ_LINE";
	int want;

	if (ioctl(dom, DOMINO_DOMAIN_GET_INFO, &info)) {
		unexpected(op, "GET_INFO: %s", answer_name(errno));
		return;
	}
	if (!good)
		want = EFAULT;
	else if (!(info.flags & DOMINO_DOMAIN_IRQCHIP))
		want = ENXIO;
	else if (l->gsi >= DOMINO_IOAPIC_PINS || l->level > 1 || l->reserved)
		want = EINVAL;
	else
		want = 0;
	if (good)
		snprintf(call, sizeof(call), "IRQ_LINE gsi %u level %u reserved %#llx, irqchip %d",
			 l->gsi, l->level, (unsigned long long)l->reserved,
			 !!(info.flags & DOMINO_DOMAIN_IRQCHIP));
	expect(op, call, answer(ioctl(dom, DOMINO_IRQ_LINE, l)), want);
}

/* RFLAGS.VM only in 32-bit protected mode (DOMINO_SET_REGS). */
static bool rflags_fit(uint64_t rflags, uint64_t cr0, uint64_t efer)
{
	return !(rflags & RFLAGS_VM) || ((cr0 & X86_CR0_PE) && !(efer & EFER_LMA));
}

/* SET_REGS: EINVAL only for RFLAGS.VM outside 32-bit protected mode. */
static void check_set_regs(enum fz_op op, int fd, const struct domino_regs *r, bool good)
{
	struct domino_sregs sr;
	struct domino_regs back;
	char call[96] = "SET_REGS";
	int got, want;

	if (ioctl(fd, DOMINO_GET_SREGS, &sr)) {
		unexpected(op, "GET_SREGS: %s", answer_name(errno));
		return;
	}
	want = !good ? EFAULT : rflags_fit(r->rflags, sr.cr0, sr.efer) ? 0 : EINVAL;
	if (good)
		snprintf(call, sizeof(call), "SET_REGS rflags %#llx, cr0 %#llx efer %#llx",
			 (unsigned long long)r->rflags, (unsigned long long)sr.cr0,
			 (unsigned long long)sr.efer);
	got = answer(ioctl(fd, DOMINO_SET_REGS, r));
	if (!expect(op, call, got, want) || got)
		return;
	/* What was set reads back: the GPRs, RIP, and RFLAGS' defined bits. */
	if (ioctl(fd, DOMINO_GET_REGS, &back))
		unexpected(op, "GET_REGS: %s", answer_name(errno));
	else if (memcmp(&back, r, offsetof(struct domino_regs, rflags)) ||
		 back.rflags != ((r->rflags & RFLAGS_DEFINED) | RFLAGS_FIXED))
		unexpected(op, "SET_REGS then GET_REGS: rip %#llx rflags %#llx, set %#llx %#llx",
			   (unsigned long long)back.rip, (unsigned long long)back.rflags,
			   (unsigned long long)r->rip, (unsigned long long)r->rflags);
}

/*
 * SET_SREGS (the header): 0 or EINVAL, -1 where the CR4 bits VMX allows
 * are not known here. EFER.LMA becomes LME && PG before the mode checks.
 */
static int sregs_answer(const struct domino_sregs *sr, uint64_t rflags)
{
	uint64_t efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
	bool lma = (sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG);
	unsigned int i;

	if (host.vendor == DOMINO_VENDOR_SVM)
		efer_ok |= EFER_FFXSR;	/* an AMD feature: VMX refuses it */
	const struct domino_segment *segs[] = {
		&sr->cs, &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss, &sr->tr, &sr->ldt,
	};
	unsigned int j;

	for (i = 0; i < ARRAY_SIZE(sr->reserved); i++)
		if (sr->reserved[i])
			return EINVAL;
	/* Padding is reserved as well. */
	for (i = 0; i < ARRAY_SIZE(segs); i++)
		for (j = 0; j < sizeof(segs[i]->pad); j++)
			if (segs[i]->pad[j])
				return EINVAL;
	for (j = 0; j < ARRAY_SIZE(sr->gdt.pad); j++)
		if (sr->gdt.pad[j] || sr->idt.pad[j])
			return EINVAL;
	if (sr->cr0 >> 32 || ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE)) ||
	    ((sr->cr0 & X86_CR0_NW) && !(sr->cr0 & X86_CR0_CD)))
		return EINVAL;
	if ((sr->efer & ~efer_ok) || sr->cr8 > 15 ||
	    ((sr->efer & EFER_LMA) && !(sr->efer & EFER_LME)))
		return EINVAL;
	if (lma && !(sr->cr4 & X86_CR4_PAE))
		return EINVAL;
	if ((rflags & RFLAGS_VM) && (!(sr->cr0 & X86_CR0_PE) || lma))
		return EINVAL;
	if (host.vendor == DOMINO_VENDOR_SVM && !lma && sr->cr3 >> 32)
		return EINVAL;
	if (sr->cr4 & ~host.cr4_ok)
		return host.cr4_known ? EINVAL : -1;
	return 0;
}

static void check_set_sregs(enum fz_op op, int fd, const struct domino_sregs *sr, bool good)
{
	struct domino_regs regs;
	char call[160] = "SET_SREGS";
	int got, want;

	if (ioctl(fd, DOMINO_GET_REGS, &regs)) {
		unexpected(op, "GET_REGS: %s", answer_name(errno));
		return;
	}
	want = good ? sregs_answer(sr, regs.rflags) : EFAULT;
	if (good)
		snprintf(call, sizeof(call),
			 "SET_SREGS cr0 %#llx cr3 %#llx cr4 %#llx cr8 %#llx efer %#llx, rflags %#llx",
			 (unsigned long long)sr->cr0, (unsigned long long)sr->cr3,
			 (unsigned long long)sr->cr4, (unsigned long long)sr->cr8,
			 (unsigned long long)sr->efer, (unsigned long long)regs.rflags);
	got = answer(ioctl(fd, DOMINO_SET_SREGS, sr));
	if (want < 0) {
		loose(op);
		if (got && got != EINVAL)
			unexpected(op, "%s: %s", call, answer_name(got));
	} else {
		expect(op, call, got, want);
	}
}

/* An entry of GET/SET_MSRS: done, refused (the list stops), or not known. */
enum { MSR_DONE, MSR_REFUSED, MSR_MAYBE };

static bool canonical(uint64_t a)
{
	int bits = host.la57 ? 57 : 48;

	return (int64_t)(a << (64 - bits)) >> (64 - bits) == (int64_t)a;
}

/* Each IA32_PAT entry names a memory type: 0, 1, 4-7 (SDM 11.12.2). */
static bool pat_valid(uint64_t pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		uint8_t t = pat >> (8 * i);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * The MSRs Domino knows (vmm/msr.c, the vendors', the APIC's and the
 * paravirtual clock's) and the values a VMM's write may hold; any other
 * index is unknown and stops the list. The x2APIC registers depend on the
 * APIC's mode, a paravirtual clock page on guest memory: not known here.
 */
static int msr_outcome(const struct fz_vcpu *v, uint32_t index, uint64_t val, bool set)
{
	switch (index) {
	case 0x10:		/* TSC */
	case 0x3b:		/* TSC_ADJUST */
	case 0x8b:		/* UCODE_REV */
	case 0x174:		/* SYSENTER_CS */
	case 0x1a0:		/* MISC_ENABLE */
	case 0xc0000081:	/* STAR */
	case 0xc0000084:	/* SYSCALL_MASK */
		return MSR_DONE;
	case 0x175: case 0x176:	/* SYSENTER_ESP, _EIP */
	case 0xc0000082:	/* LSTAR */
	case 0xc0000083:	/* CSTAR */
	case 0xc0000100:	/* FS_BASE */
	case 0xc0000101:	/* GS_BASE */
	case 0xc0000102:	/* KERNEL_GS_BASE */
		return !set || canonical(val) ? MSR_DONE : MSR_REFUSED;
	case 0x277:		/* PAT */
		return !set || pat_valid(val) ? MSR_DONE : MSR_REFUSED;
	case 0x1d9:		/* DEBUGCTL: no LBR or BTF */
	case 0xc0010055:	/* K8_INT_PENDING_MSG */
		return !set || !val ? MSR_DONE : MSR_REFUSED;
	case 0xc0000103:	/* TSC_AUX */
		return !set || !(val >> 32) ? MSR_DONE : MSR_REFUSED;
	case 0xc0000080:	/* EFER: a VMM's write may change LME under paging */
		return !set || !(val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX |
					 (host.vendor == DOMINO_VENDOR_SVM ? EFER_FFXSR : 0))) ?
		       MSR_DONE : MSR_REFUSED;
	case 0x1b:		/* APIC_BASE: base, BSP (ignored), x2APIC, enable */
		if (!set)
			return MSR_DONE;
		if (val & ~(0x000ffffffffff000ULL | 1ULL << 11 | 1ULL << 10 | 1ULL << 8))
			return MSR_REFUSED;
		if ((val & 1ULL << 10) && (!v->irqchip || !(val & 1ULL << 11)))
			return MSR_REFUSED;
		return MSR_DONE;
	case 0x6e0:		/* TSC_DEADLINE: the in-kernel APIC's */
		return v->irqchip ? MSR_DONE : MSR_REFUSED;
	case 0x4b564d00:	/* KVM wall clock: written into guest memory */
		return !v->irqchip ? MSR_REFUSED : set ? MSR_MAYBE : MSR_DONE;
	case 0x4b564d01:	/* KVM system time: enable bit, 4-byte aligned */
		if (!v->irqchip)
			return MSR_REFUSED;
		if (!set)
			return MSR_DONE;
		if (val & 6)
			return MSR_REFUSED;
		return val & 1 ? MSR_MAYBE : MSR_DONE;
	case 0x48:		/* SPEC_CTRL: the bits the host CPU has */
	case 0x10a:		/* ARCH_CAPABILITIES: the host's, cut down */
	case 0x49:		/* PRED_CMD, FLUSH_CMD: write-only commands */
	case 0x10b:
		/* Which of them exist follows the host CPU's speculation flags. */
		return host.spec_ctrl ? MSR_MAYBE : MSR_REFUSED;
	case 0x40000000:	/* Xen's hypercall page: Xen domains; reads as 0 */
		return MSR_MAYBE;
	default:
		if (index >= 0x800 && index <= 0x8ff)	/* x2APIC */
			return v->irqchip ? MSR_MAYBE : MSR_REFUSED;
		return MSR_REFUSED;
	}
}

/*
 * GET/SET_MSRS: EINVAL for pad or nr above 256 and for an entry's pad,
 * EFAULT for the array out of reach, else the number of entries done up
 * to the first unknown MSR or refused value.
 */
static void check_msrs(enum fz_op op, int fd, const struct fz_vcpu *v, bool set,
		       const struct domino_msrs *m, bool good, const void *own, size_t own_len)
{
	const char *call = set ? "SET_MSRS" : "GET_MSRS";
	unsigned long cmd = set ? DOMINO_SET_MSRS : DOMINO_GET_MSRS;
	const struct domino_msr_entry *e;
	uint32_t i, lo, hi;
	enum uptr where;
	int ret;

	if (!good || m->pad || m->nr > MSRS_MAX) {
		expect(op, call, answer(ioctl(fd, cmd, m)), good ? EINVAL : EFAULT);
		return;
	}
	where = uptr_class(m->entries, (uint64_t)m->nr * sizeof(*e), own, own_len);
	if (where != UPTR_OK) {
		int got;

		ret = ioctl(fd, cmd, m);
		got = answer(ret);
		if (where == UPTR_BAD) {
			expect(op, call, got, EFAULT);
			return;
		}
		loose(op);
		if (got ? got != EFAULT && got != EINVAL : (uint32_t)ret > m->nr)
			unexpected(op, "%s of %u from a random address: %d (%s)", call, m->nr, ret,
				   answer_name(got));
		return;
	}
	e = (const struct domino_msr_entry *)(uintptr_t)m->entries;
	for (i = 0; i < m->nr; i++)
		if (e[i].pad) {
			expect(op, call, answer(ioctl(fd, cmd, m)), EINVAL);
			return;
		}
	lo = hi = m->nr;
	for (i = 0; i < m->nr; i++) {
		int o = msr_outcome(v, e[i].index, e[i].data, set);

		if (o == MSR_REFUSED) {
			lo = hi = i;
			break;
		}
		if (o == MSR_MAYBE) {
			lo = i;
			loose(op);
			break;
		}
	}
	ret = ioctl(fd, cmd, m);
	if (ret < 0 || (uint32_t)ret < lo || (uint32_t)ret > hi)
		unexpected(op, "%s of %u: %d (%s), not %u..%u (entry %u: msr %#x data %#llx)",
			   call, m->nr, ret, answer_name(answer(ret)), lo, hi, lo,
			   lo < m->nr ? e[lo].index : 0,
			   lo < m->nr ? (unsigned long long)e[lo].data : 0ULL);
}

/*
 * GET_CPUID: EINVAL for pad; E2BIG with nr set to the policy's size if it
 * does not fit, else the policy and its size. The size is known once read
 * or set.
 */
static void check_get_cpuid(enum fz_op op, int fd, struct fz_vcpu *v, struct domino_cpuid *c,
			    bool good, const void *own, size_t own_len)
{
	const struct domino_cpuid in = good ? *c : (struct domino_cpuid){ 0 };
	enum uptr where;
	int got, k = v->cpuid_nr;

	if (!good || in.pad) {
		expect(op, "GET_CPUID", answer(ioctl(fd, DOMINO_GET_CPUID, c)),
		       good ? EINVAL : EFAULT);
		return;
	}
	where = uptr_class(in.entries, (uint64_t)(k >= 0 ? k : DOMINO_MAX_CPUID_ENTRIES) *
			   sizeof(struct domino_cpuid_entry), own, own_len);
	got = answer(ioctl(fd, DOMINO_GET_CPUID, c));
	if (k >= 0) {
		int want = in.nr < (uint32_t)k ? E2BIG : where == UPTR_OK ? 0 :
			   where == UPTR_BAD ? EFAULT : -1;

		if (want < 0) {
			loose(op);
			if (got && got != EFAULT)
				unexpected(op, "GET_CPUID to a random address: %s", answer_name(got));
		} else if (expect(op, "GET_CPUID", got, want) && want != EFAULT &&
			   c->nr != (uint32_t)k) {
			unexpected(op, "GET_CPUID of %u: nr %u, the policy has %d", in.nr, c->nr, k);
		}
		return;
	}
	/* The size not known yet: the answer must agree with the one it gives. */
	if ((got == E2BIG && c->nr > in.nr) || (!got && c->nr <= in.nr)) {
		v->cpuid_nr = c->nr;
	} else if (got != EFAULT || where == UPTR_OK) {
		unexpected(op, "GET_CPUID of %u: %s, nr %u", in.nr, answer_name(got), c->nr);
	}
}

/* SET_CPUID: EINVAL for pad, nr above the maximum, an entry's flags or pad. */
static void check_set_cpuid(enum fz_op op, int fd, struct fz_vcpu *v,
			    const struct domino_cpuid *c, bool good, const void *own, size_t own_len)
{
	enum uptr where = UPTR_OK;
	int got, want = 0;

	if (!good)
		want = EFAULT;
	else if (c->pad || c->nr > DOMINO_MAX_CPUID_ENTRIES)
		want = EINVAL;
	else
		where = uptr_class(c->entries, (uint64_t)c->nr * sizeof(struct domino_cpuid_entry),
				   own, own_len);
	if (!want && where == UPTR_BAD)
		want = EFAULT;
	if (!want && where == UPTR_OK) {
		const struct domino_cpuid_entry *e =
			(const struct domino_cpuid_entry *)(uintptr_t)c->entries;
		uint32_t i;

		for (i = 0; i < c->nr && !want; i++)
			if ((e[i].flags & ~DOMINO_CPUID_INDEXED) || e[i].pad)
				want = EINVAL;
	}
	got = answer(ioctl(fd, DOMINO_SET_CPUID, c));
	if (!want && where == UPTR_MAYBE) {
		loose(op);
		if (got && got != EFAULT && got != EINVAL)
			unexpected(op, "SET_CPUID from a random address: %s", answer_name(got));
	} else {
		char call[64] = "SET_CPUID";

		if (good)
			snprintf(call, sizeof(call), "SET_CPUID nr %u pad %#x", c->nr, c->pad);
		expect(op, call, got, want);
	}
	if (!got && good)
		v->cpuid_nr = c->nr;
}

/*
 * SET_XSAVE: EINVAL for an XSTATE_BV bit beyond the host's user XCR0,
 * XCOMP_BV (the compacted format) or the header's reserved bytes not zero,
 * and reserved MXCSR bits where the legacy state is loaded; 0 otherwise.
 * With XSTATE_BV naming none of x87/SSE/AVX, Linux versions differ on
 * whether MXCSR is looked at: -1, and the first answer seen must be the
 * one this kernel always gives.
 */
static int xsave_answer(const struct domino_xsave *x)
{
	const uint8_t *b = (const uint8_t *)x->region;
	uint64_t bv, comp;
	uint32_t mxcsr;
	bool mxcsr_bad;
	int i;

	memcpy(&mxcsr, b + 24, sizeof(mxcsr));
	memcpy(&bv, b + 512, sizeof(bv));
	memcpy(&comp, b + 520, sizeof(comp));
	mxcsr_bad = mxcsr & ~host.mxcsr_mask;
	if (!host.xsave)
		return (bv & ~3ULL) || mxcsr_bad ? EINVAL : 0;
	if ((bv & ~host.xstate_ok) || comp)
		return EINVAL;
	for (i = 528; i < 576; i++)
		if (b[i])
			return EINVAL;
	if (!mxcsr_bad)
		return 0;
	return bv & XSTATE_LEGACY ? EINVAL : -1;
}

static void check_set_xsave(enum fz_op op, int fd, const struct domino_xsave *x, bool good)
{
	int want = good ? xsave_answer(x) : EFAULT;
	int got = answer(ioctl(fd, DOMINO_SET_XSAVE, x)), seen;

	if (want >= 0) {
		expect(op, "SET_XSAVE", got, want);
		return;
	}
	seen = -1;
	if (got && got != EINVAL)
		unexpected(op, "SET_XSAVE, reserved MXCSR bits unused: %s", answer_name(got));
	else if (!__atomic_compare_exchange_n(&host.mxcsr_unused, &seen, got, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED) && seen != got)
		unexpected(op, "SET_XSAVE, reserved MXCSR bits unused: %s, before %s",
			   answer_name(got), answer_name(seen));
}

/* #DF, #TS, #NP, #SS, #GP, #PF and #AC push an error code (SDM 6.13). */
static bool exception_has_error(uint8_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

/*
 * INJECT_EVENT (the header): EINVAL for a malformed event, an exception
 * vector above 31 or 2, an exception's error code where the CPU pushes
 * none (or none where it does, or above 16 bits), an interrupt below 32, with an error code, or into
 * an in-kernel APIC, an NMI with an error code; then EAGAIN for an
 * interrupt while the guest's window is shut, EBUSY while an event waits.
 */
static void check_inject(enum fz_op op, int fd, struct fz_vcpu *v,
			 const struct domino_event *e, bool good)
{
	struct domino_regs regs;
	char call[128] = "INJECT_EVENT";
	bool bad = false;
	int got;

	if (good) {
		bad = e->pad || e->reserved || e->has_error_code > 1;
		switch (e->type) {
		case DOMINO_EVENT_EXCEPTION:
			bad |= e->vector > 31 || e->vector == 2;
			/* An error code exactly where the CPU pushes one, 16 bits. */
			if (e->has_error_code <= 1)
				bad |= e->has_error_code != exception_has_error(e->vector) ||
				       (e->has_error_code && e->error_code > 0xffff);
			break;
		case DOMINO_EVENT_INTERRUPT:
			bad |= e->vector < 32 || e->has_error_code || v->irqchip;
			break;
		case DOMINO_EVENT_NMI:
			bad |= e->has_error_code;
			break;
		default:
			bad = true;
		}
		snprintf(call, sizeof(call),
			 "INJECT_EVENT type %u vector %u error code %u/%#x pad %#x reserved %#llx",
			 e->type, e->vector, e->has_error_code, e->error_code, e->pad,
			 (unsigned long long)e->reserved);
	}
	if (!good || bad) {
		expect(op, call, answer(ioctl(fd, DOMINO_INJECT_EVENT, e)), good ? EINVAL : EFAULT);
		return;
	}
	if (ioctl(fd, DOMINO_GET_REGS, &regs)) {
		unexpected(op, "GET_REGS: %s", answer_name(errno));
		return;
	}
	got = answer(ioctl(fd, DOMINO_INJECT_EVENT, e));
	if (e->type == DOMINO_EVENT_INTERRUPT) {
		int want;

		/* An event waiting shuts the window too (EV_NONE: no shadow either). */
		if (!(regs.rflags & RFLAGS_IF) || v->event == EV_QUEUED)
			want = EAGAIN;
		else if (v->event == EV_NONE)
			want = 0;
		else
			want = -1;	/* an STI or MOV SS shadow from the last run? */
		if (want < 0) {
			loose(op);
			if (got && got != EAGAIN)
				unexpected(op, "%s: %s", call, answer_name(got));
		} else {
			expect(op, call, got, want);
		}
	} else if (v->event == EV_MAYBE) {
		loose(op);
		if (got && got != EBUSY)
			unexpected(op, "%s: %s", call, answer_name(got));
	} else {
		expect(op, call, got, v->event == EV_QUEUED ? EBUSY : 0);
	}
	if (!got || got == EBUSY)
		v->event = EV_QUEUED;
}

static void guest_toucher(void)
{
	/* RAM above the test binary, and the region that comes and goes */
	volatile uint64_t *ram = (volatile uint64_t *)0x800000;
	volatile uint64_t *extra = (volatile uint64_t *)EXTRA_GPA;
	uint64_t i;

	for (i = 0;; i++) {
		ram[(i * 4096) % 0x1000000 / 8] += i;
		(void)extra[(i * 4096 % 0x100000) / 8];
		if (!(i & 63))
			guest_outb(0x80, i);
		if (!(i & 1023))
			__asm__ volatile("hlt");
	}
}

static void op_create_domain(uint64_t *s)
{
	struct dvm *vm;
	int i = rnd_below(s, MAX_DOMS);

	(void)s;
	sigset_t usr1, old;

	/* the library asserts success: no EINTR from the ticker here */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old);
	pthread_mutex_lock(&fz.lock);
	if (!fz.doms[i]) {
		uint32_t flags = rnd_below(s, 2) ? DOMINO_DOMAIN_IRQCHIP : 0;

		vm = dvm_create(flags);
		fz.doms[i] = vm;
		fz.dom_flags[i] = flags;
	}
	pthread_mutex_unlock(&fz.lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* CREATE_DOMAIN with arguments from anywhere: EINVAL unless they are valid. */
static void op_create_raw(uint64_t *s)
{
	struct domino_create_domain a = { 0 };
	int dev = domino_open_dev(), fd;
	bool valid;

	if (rnd_below(s, 3) == 0)
		a.flags = rnd_next(s);
	else
		a.flags = rnd_below(s, 4);
	switch (rnd_below(s, 4)) {
	case 0: a.domid = 0; break;
	case 1: a.domid = 1 + rnd_below(s, 40); break;
	case 2: a.domid = DOMINO_DOMID_MAX + rnd_below(s, 3) - 1; break;
	default: a.domid = rnd_next(s); break;
	}
	if (rnd_below(s, 4) == 0)
		a.reserved = rnd_next(s) | 1;
	if (rnd_below(s, 4) == 0)
		a.max_grant_frames = rnd_below(s, 4) ? rnd_below(s, DOMINO_XEN_MAX_GRANT_FRAMES + 2) : rnd_next(s);
	if (rnd_below(s, 4) == 0)
		a.max_maptrack_frames = rnd_below(s, 4) ? rnd_below(s, DOMINO_XEN_MAX_MAPTRACK_FRAMES + 2) : rnd_next(s);
	if (rnd_below(s, 8) == 0)
		a.pad = rnd_next(s);
	if (rnd_below(s, 2))
		a.max_memory = rnd_below(s, 4) ? rnd_below(s, 1 << 20) << 12 : rnd_next(s);
	if (rnd_below(s, 2))
		a.max_vcpus = rnd_below(s, 4) ? rnd_below(s, DOMINO_MAX_VCPUS + 2) : rnd_next(s);
	valid = create_domain_valid(&a);
	fd = ioctl(dev, DOMINO_CREATE_DOMAIN, rnd_below(s, 16) ? (void *)&a : (void *)8);
	if (fd >= 0) {
		if (!valid)
			unexpected(OP_CREATE_RAW, "flags %#x domid %u reserved %#llx accepted",
				   a.flags, a.domid, (unsigned long long)a.reserved);
		close(fd);
	} else if (valid ? errno != EEXIST && errno != ENOSPC && errno != EFAULT &&
			   errno != EINTR
			 : errno != EINVAL && errno != EFAULT) {
		unexpected(OP_CREATE_RAW, "flags %#x domid %u: errno %d", a.flags, a.domid, errno);
	}
	close(dev);
}

static void op_close_domain(uint64_t *s)
{
	int i = rnd_below(s, MAX_DOMS), v;
	struct dvm *vm;

	pthread_mutex_lock(&fz.lock);
	vm = fz.doms[i];
	fz.doms[i] = NULL;
	/* vCPUs keep the domain alive; a vCPU of a freed dvm can't be set up */
	for (v = 0; v < MAX_VCPUS; v++)
		if (fz.vcpus[v].fd >= 0 && fz.vcpus[v].dom == i)
			fz.vcpus[v].dom = -1;
	pthread_mutex_unlock(&fz.lock);
	if (vm)
		dvm_free(vm);	/* unmaps the RAM under any vCPU still running */
}

static uint64_t pick_hva(uint64_t *s, uint64_t size)
{
	struct fz_backing *b = &fz.backings[rnd_below(s, MAX_BACKINGS)];

	switch (rnd_below(s, 8)) {
	case 0: return rnd_next(s) & ~0xfffULL;			/* anywhere */
	case 1: return 0xffff888000000000ULL;			/* the kernel's */
	case 2: return (rnd_next(s) & ~0xfffULL) | rnd_below(s, 4096); /* unaligned */
	case 3: return 0x7ffffffff000ULL - (size & ~0xfffULL);	/* the top */
	default:
		/* a backing we own (maybe partly unmapped since) */
		return b->addr ? (uintptr_t)b->addr + (rnd_below(s, b->size / 4096) << 12) :
				 (uintptr_t)fz.backings[0].addr;
	}
}

/* SET_MEMORY_REGION with the result the UAPI promises for its arguments. */
static void op_region(uint64_t *s)
{
	struct domino_memory_region r = { 0 };
	int fd = grab_domain(s);
	bool bad;
	int ret;

	if (fd < 0)
		return;
	r.slot = rnd_below(s, 8) ? 1 + rnd_below(s, 4) : rnd_below(s, 80);
	switch (rnd_below(s, 5)) {
	case 0: r.guest_phys_addr = rnd_next(s); break;
	case 1: r.guest_phys_addr = (1ULL << DOMINO_GUEST_PHYS_BITS) - 4096 * rnd_below(s, 3); break;
	default: r.guest_phys_addr = EXTRA_GPA + (rnd_below(s, 64) << 12); break;
	}
	switch (rnd_below(s, 5)) {
	case 0: r.memory_size = 0; break;
	case 1: r.memory_size = rnd_next(s); break;
	default: r.memory_size = (1 + rnd_below(s, 256)) << 12; break;
	}
	r.userspace_addr = pick_hva(s, r.memory_size);
	r.flags = rnd_below(s, 8) ? rnd_below(s, 2) : (uint32_t)rnd_next(s);
	if (rnd_below(s, 16) == 0)
		r.reserved[rnd_below(s, 2)] = 1;
	bad = r.slot >= DOMINO_MAX_MEMORY_SLOTS || (r.flags & ~DOMINO_MEM_READONLY) ||
	      r.reserved[0] || r.reserved[1];
	if (r.memory_size)
		bad |= (r.guest_phys_addr | r.memory_size | r.userspace_addr) & 0xfff ||
		       r.guest_phys_addr >= (1ULL << DOMINO_GUEST_PHYS_BITS) ||
		       r.memory_size > (1ULL << DOMINO_GUEST_PHYS_BITS) - r.guest_phys_addr;
	ret = ioctl(fd, DOMINO_SET_MEMORY_REGION, &r);
	if (!ret && bad)
		unexpected(OP_REGION, "slot %u gpa %#llx size %#llx hva %#llx flags %#x accepted",
			   r.slot, (unsigned long long)r.guest_phys_addr,
			   (unsigned long long)r.memory_size,
			   (unsigned long long)r.userspace_addr, r.flags);
	else if (ret && bad && errno != EINVAL)
		unexpected(OP_REGION, "invalid region: errno %d, not EINVAL", errno);
	else if (ret && !bad && errno != EEXIST && errno != EFAULT && errno != ENOSPC)
		unexpected(OP_REGION, "slot %u gpa %#llx size %#llx hva %#llx: errno %d",
			   r.slot, (unsigned long long)r.guest_phys_addr,
			   (unsigned long long)r.memory_size,
			   (unsigned long long)r.userspace_addr, errno);
	close(fd);
}

/* The VMM's own memory changes under the guests. */
static void op_backing(uint64_t *s)
{
	struct fz_backing *b;
	int i = rnd_below(s, MAX_BACKINGS);
	uint64_t off;

	pthread_mutex_lock(&fz.lock);
	b = &fz.backings[i];
	off = (rnd_below(s, b->size / 4096)) << 12;
	switch (rnd_below(s, 5)) {
	case 0:		/* a fresh backing in its place */
		munmap(b->addr, b->size);
		b->size = (1 + rnd_below(s, 256)) << 12;
		b->addr = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(b->addr != MAP_FAILED, "mmap");
		break;
	case 1:
		/*
		 * The page is unmapped under the guests (the notifier fires)
		 * but its address stays reserved: a hole could be handed to
		 * another thread's mmap, which the mprotect below would hit.
		 */
		mmap(b->addr + off, 4096, PROT_NONE,
		     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		break;
	case 2:
		madvise(b->addr + off, 4096, MADV_DONTNEED);
		break;
	case 3:
		mprotect(b->addr + off, 4096, rnd_below(s, 2) ? PROT_NONE : PROT_READ);
		break;
	default: {
		/* a guest's RAM beyond its code: discarded, or gone */
		struct dvm *vm = fz.doms[rnd_below(s, MAX_DOMS)];

		if (vm)
			madvise(vm->mem + 0x800000 + (rnd_below(s, 0x1000) << 12), 4096,
				rnd_below(s, 2) ? MADV_DONTNEED : MADV_PAGEOUT);
		break;
	}
	}
	pthread_mutex_unlock(&fz.lock);
}

static void op_create_vcpu(uint64_t *s)
{
	struct domino_create_vcpu a = { 0 };
	int d = rnd_below(s, MAX_DOMS), slot = -1, i, fd;
	struct dvm *vm;
	bool valid;

	switch (rnd_below(s, 4)) {
	case 0: a.vcpu_id = rnd_next(s); break;
	case 1: a.vcpu_id = DOMINO_MAX_VCPUS - 1 + rnd_below(s, 3); break;
	default: a.vcpu_id = rnd_below(s, 3); break;
	}
	if (rnd_below(s, 8) == 0)
		a.flags = rnd_next(s) | 1;
	valid = a.vcpu_id < DOMINO_MAX_VCPUS && !a.flags;

	pthread_mutex_lock(&fz.lock);
	vm = fz.doms[d];
	for (i = 0; i < MAX_VCPUS; i++)
		if (fz.vcpus[i].fd < 0)
			slot = i;
	if (!vm || slot < 0) {
		pthread_mutex_unlock(&fz.lock);
		return;
	}
	fd = ioctl(vm->dom, DOMINO_CREATE_VCPU, &a);
	if (fd >= 0) {
		struct dvcpu vcpu = { .vm = vm, .fd = fd, .id = a.vcpu_id % 4 };

		if (!valid)
			unexpected(OP_CREATE_VCPU, "id %u flags %#x accepted", a.vcpu_id, a.flags);
		dvcpu_setup_long64(&vcpu, guest_toucher);
		/* Nobody holds an empty slot's state (struct fz_vcpu). */
		fz.vcpus[slot].fd = fd;
		fz.vcpus[slot].dom = d;
		fz.vcpus[slot].irqchip = fz.dom_flags[d] & DOMINO_DOMAIN_IRQCHIP;
		fz.vcpus[slot].cpuid_nr = -1;
		fz.vcpus[slot].event = EV_NONE;
	} else if (valid ? errno != EEXIST : errno != EINVAL) {
		unexpected(OP_CREATE_VCPU, "id %u flags %#x: errno %d", a.vcpu_id, a.flags, errno);
	}
	pthread_mutex_unlock(&fz.lock);
}

static void op_close_vcpu(uint64_t *s)
{
	struct fz_vcpu *v = &fz.vcpus[rnd_below(s, MAX_VCPUS)];
	int fd;

	/* Not under a check that holds the slot: its state goes with the fd. */
	pthread_mutex_lock(&v->lock);
	pthread_mutex_lock(&fz.lock);
	fd = v->fd;
	v->fd = -1;
	pthread_mutex_unlock(&fz.lock);
	pthread_mutex_unlock(&v->lock);
	if (fd >= 0)
		close(fd);
}

/* Run a vCPU for a few exits, completing what can be completed. */
static void op_run(uint64_t *s)
{
	struct domino_run *run;
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v), n;

	if (fd < 0)
		return;
	run = mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		unexpected(OP_RUN, "mmap of the run area: errno %d", errno);
		put_vcpu_locked(v, fd);
		return;
	}
	/* The guest may take a queued event, or raise one, from here on. */
	v->event = EV_MAYBE;
	run->immediate_exit = rnd_below(s, 16) == 0;
	for (n = 0; n < 20 && !fz.stop; n++) {
		int ret;

		/* Not 0 or 1: what the kernel writes there at the end of a run. */
		run->irq_window_open = 0xff;
		ret = ioctl(fd, DOMINO_RUN, 0);

		__atomic_add_fetch(&stats.runs, 1, __ATOMIC_RELAXED);
		if (ret) {
			/* a signal, or a guest killed before (bad VMM state) */
			if (errno != EINTR && errno != EIO && errno != EBUSY)
				unexpected(OP_RUN, "errno %d", errno);
			break;
		}
		__atomic_add_fetch(&stats.exits, 1, __ATOMIC_RELAXED);
		if (run->exit_reason == DOMINO_EXIT_IO && run->io.direction == DOMINO_IO_IN &&
		    run->io.data_offset + run->io.size * run->io.count > DOMINO_RUN_AREA_SIZE) {
			unexpected(OP_RUN, "IO data outside the run area");
			break;
		}
		if (run->exit_reason == DOMINO_EXIT_MMIO && run->mmio.len > 8) {
			unexpected(OP_RUN, "MMIO of %u bytes", run->mmio.len);
			break;
		}
		if (run->exit_reason != DOMINO_EXIT_IO && run->exit_reason != DOMINO_EXIT_MMIO &&
		    run->exit_reason != DOMINO_EXIT_HLT && run->exit_reason != DOMINO_EXIT_MSR)
			break;	/* faults, shutdowns, bad state: nothing to complete */
	}
	if (run->irq_window_open == 1)
		v->event = EV_NONE;
	munmap(run, DOMINO_RUN_AREA_SIZE);
	put_vcpu_locked(v, fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void op_signal(uint64_t *s)
{
	pthread_kill(fz.threads[rnd_below(s, fz.nthreads)], SIGUSR1);
}

static void op_regs(uint64_t *s)
{
	struct domino_regs r;
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v);

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_REGS, &r)) {
		unexpected(OP_REGS, "GET_REGS: %s", answer_name(errno));
	} else {
		((uint64_t *)&r)[rnd_below(s, sizeof(r) / 8)] = rnd_next(s);
		if (rnd_below(s, 16))
			check_set_regs(OP_REGS, fd, &r, true);
		else
			check_set_regs(OP_REGS, fd, (void *)-4096L, false);
	}
	put_vcpu_locked(v, fd);
}

static void op_sregs(uint64_t *s)
{
	struct domino_sregs r;
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v);

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_SREGS, &r)) {
		unexpected(OP_SREGS, "GET_SREGS: %s", answer_name(errno));
	} else {
		uint8_t *b = (uint8_t *)&r;
		int i, n = 1 + rnd_below(s, 3);

		for (i = 0; i < n; i++)
			b[rnd_below(s, sizeof(r))] ^= 1 << rnd_below(s, 8);
		if (rnd_below(s, 4) == 0)
			r.cr0 ^= 1ULL << rnd_below(s, 64);
		if (rnd_below(s, 4) == 0)
			r.cr4 ^= 1ULL << rnd_below(s, 64);
		if (rnd_below(s, 4) == 0)
			r.efer ^= 1ULL << rnd_below(s, 64);
		if (rnd_below(s, 16))
			check_set_sregs(OP_SREGS, fd, &r, true);
		else
			check_set_sregs(OP_SREGS, fd, (void *)-4096L, false);
	}
	put_vcpu_locked(v, fd);
}

/* MSR values: anything, small numbers, canonical addresses, zero. */
static uint64_t msr_value(uint64_t *s)
{
	switch (rnd_below(s, 4)) {
	case 0: return rnd_next(s);
	case 1: return rnd_below(s, 0x1000);
	case 2: return (uint64_t)((int64_t)(rnd_next(s) << 16) >> 16);
	default: return 0;
	}
}

static void op_msrs(uint64_t *s)
{
	/* Every MSR Domino knows, and one beyond each of its ranges. */
	static const uint32_t known[] = {
		0x10, 0x1b, 0x3b, 0x8b, 0x174, 0x175, 0x176, 0x1a0, 0x1d9, 0x277,
		0x6e0, 0x800, 0x802, 0x808, 0x80b, 0x830, 0x8ff, 0x900,
		0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000085,
		0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010055,
		0x4b564d00, 0x4b564d01, 0x4b564d02,
		0x48, 0x49, 0x10a, 0x10b, 0x40000000,
	};
	static __thread struct domino_msr_entry e[MSRS_MAX];
	struct domino_msrs m = { .entries = (uintptr_t)e };
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v);
	uint32_t i;

	if (fd < 0)
		return;
	switch (rnd_below(s, 4)) {
	case 0: m.nr = rnd_next(s); break;
	case 1: m.entries = rnd_below(s, 2) ? 0 : 0xffff888000000000ULL; m.nr = 1; break;
	default: m.nr = 1 + rnd_below(s, 8); break;
	}
	if (rnd_below(s, 16) == 0)
		m.pad = rnd_next(s) | 1;
	for (i = 0; m.nr <= MSRS_MAX && i < m.nr; i++) {
		e[i].index = rnd_below(s, 4) ? known[rnd_below(s, ARRAY_SIZE(known))] :
			     (uint32_t)rnd_next(s);
		e[i].pad = rnd_below(s, 64) ? 0 : rnd_next(s) | 1;
		e[i].data = msr_value(s);
	}
	check_msrs(OP_MSRS, fd, v, rnd_below(s, 2), &m, true, e, sizeof(e));
	put_vcpu_locked(v, fd);
}

static void op_cpuid(uint64_t *s)
{
	static __thread struct domino_cpuid_entry e[DOMINO_MAX_CPUID_ENTRIES + 4];
	struct domino_cpuid c = { .entries = (uintptr_t)e };
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v);

	if (fd < 0)
		return;
	c.nr = rnd_below(s, 4) ? DOMINO_MAX_CPUID_ENTRIES : (uint32_t)rnd_next(s);
	if (rnd_below(s, 16) == 0)
		c.pad = rnd_next(s) | 1;
	check_get_cpuid(OP_CPUID, fd, v, &c, true, e, sizeof(e));
	if (rnd_below(s, 2)) {
		uint32_t i;

		c.pad = rnd_below(s, 16) ? 0 : rnd_next(s) | 1;
		if (c.nr > DOMINO_MAX_CPUID_ENTRIES + 4 || rnd_below(s, 4) == 0)
			c.nr = rnd_below(s, DOMINO_MAX_CPUID_ENTRIES + 4);
		for (i = 0; i < 4; i++)
			fill_random(s, &e[rnd_below(s, DOMINO_MAX_CPUID_ENTRIES)], sizeof(e[0]) / 2);
		if (rnd_below(s, 16) == 0)
			c.entries = rnd_below(s, 2) ? 0 : 0xffff888000000000ULL;
		check_set_cpuid(OP_CPUID, fd, v, &c, true, e, sizeof(e));
	}
	put_vcpu_locked(v, fd);
}

/* XSAVE images: the kernel must refuse what XRSTOR would fault on. */
static void op_xsave(uint64_t *s)
{
	static __thread struct domino_xsave x;
	int fd = grab_vcpu(s, NULL), i;

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_XSAVE, &x))
		unexpected(OP_XSAVE, "GET_XSAVE: %s", answer_name(errno));
	switch (rnd_below(s, 4)) {
	case 0: fill_random(s, &x, sizeof(x)); break;
	case 1: x.region[6] = rnd_next(s); break;			/* MXCSR */
	case 2: x.region[128 + rnd_below(s, 16)] = rnd_next(s); break; /* header */
	default:
		for (i = 0; i < 4; i++)
			x.region[rnd_below(s, 1024)] = rnd_next(s);
		break;
	}
	if (rnd_below(s, 16))
		check_set_xsave(OP_XSAVE, fd, &x, true);
	else
		check_set_xsave(OP_XSAVE, fd, (void *)-4096L, false);
	close(fd);
}

static void op_event(uint64_t *s)
{
	struct domino_event ev = { 0 };
	struct fz_vcpu *v;
	int fd = grab_vcpu_locked(s, &v);

	if (fd < 0)
		return;
	ev.type = rnd_below(s, 8) ? rnd_below(s, 3) : (uint8_t)rnd_next(s);
	ev.vector = rnd_below(s, 2) ? rnd_below(s, 34) : rnd_next(s);
	ev.has_error_code = rnd_below(s, 8) ? rnd_below(s, 2) : 2 + rnd_below(s, 254);
	ev.error_code = rnd_below(s, 4) ? rnd_below(s, 0x10000) : rnd_next(s);
	/* Often the error code the vector takes, so that exceptions get through. */
	if (ev.type == DOMINO_EVENT_EXCEPTION && rnd_below(s, 2))
		ev.has_error_code = exception_has_error(ev.vector);
	if (rnd_below(s, 16) == 0)
		ev.reserved = rnd_next(s) | 1;
	if (rnd_below(s, 16) == 0)
		ev.pad = rnd_next(s) | 1;
	check_inject(OP_EVENT, fd, v, &ev, true);
	put_vcpu_locked(v, fd);
}

static void op_irq_line(uint64_t *s)
{
	struct domino_irq_line l = { 0 };
	int fd = grab_domain(s);

	if (fd < 0)
		return;
	l.gsi = rnd_below(s, 4) ? rnd_below(s, DOMINO_IOAPIC_PINS) : (uint32_t)rnd_next(s);
	l.level = rnd_below(s, 4) ? rnd_below(s, 2) : (uint32_t)rnd_next(s);
	if (rnd_below(s, 16) == 0)
		l.reserved = rnd_next(s) | 1;
	if (rnd_below(s, 16))
		check_irq_line(OP_IRQ_LINE, fd, &l, true);
	else
		check_irq_line(OP_IRQ_LINE, fd, (void *)-4096L, false);
	close(fd);
}

static void op_info(uint64_t *s)
{
	struct domino_domain_info info;
	int fd = grab_domain(s);

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_DOMAIN_GET_INFO, &info))
		unexpected(OP_INFO, "GET_INFO: errno %d", errno);
	close(fd);
}

/* The kinds of fd, and the ioctl numbers the UAPI gives each. */
enum fz_fd { FD_SYS, FD_DOM, FD_VCPU };
static const char *const fd_names[] = { "system", "domain", "vCPU" };

static const struct {
	unsigned long cmd;
	enum fz_fd fd;
} uapi_cmds[] = {
	{ DOMINO_GET_API_VERSION, FD_SYS }, { DOMINO_GET_CAPS, FD_SYS },
	{ DOMINO_CREATE_DOMAIN, FD_SYS },
	{ DOMINO_DOMAIN_GET_INFO, FD_DOM }, { DOMINO_SET_MEMORY_REGION, FD_DOM },
	{ DOMINO_CREATE_VCPU, FD_DOM }, { DOMINO_IRQ_LINE, FD_DOM },
	{ DOMINO_RUN, FD_VCPU }, { DOMINO_GET_REGS, FD_VCPU }, { DOMINO_SET_REGS, FD_VCPU },
	{ DOMINO_GET_SREGS, FD_VCPU }, { DOMINO_SET_SREGS, FD_VCPU },
	{ DOMINO_GET_MSRS, FD_VCPU }, { DOMINO_SET_MSRS, FD_VCPU },
	{ DOMINO_GET_CPUID, FD_VCPU }, { DOMINO_SET_CPUID, FD_VCPU },
	{ DOMINO_GET_XSAVE, FD_VCPU }, { DOMINO_SET_XSAVE, FD_VCPU },
	{ DOMINO_INJECT_EVENT, FD_VCPU },
};

/* Numbers the VFS answers itself on every fd (fs/ioctl.c): not Domino's. */
static bool vfs_cmd(unsigned long cmd)
{
	static const unsigned long vfs[] = {
		FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIONREAD, FIFREEZE, FITHAW,
		FS_IOC_FIEMAP, FIGETBSZ, FICLONE, FICLONERANGE, FIDEDUPERANGE,
		FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vfs); i++)
		if ((uint32_t)cmd == (uint32_t)vfs[i])
			return true;
	return false;
}

static unsigned long pick_cmd(uint64_t *s, enum fz_fd kind)
{
	unsigned int i, n = 0, pick;

	for (i = 0; i < ARRAY_SIZE(uapi_cmds); i++)
		n += uapi_cmds[i].fd == kind;
	pick = rnd_below(s, n);
	for (i = 0; uapi_cmds[i].fd != kind || pick--; i++)
		;
	return uapi_cmds[i].cmd;
}

/*
 * What @cmd must answer on a @kind fd (the header's rules for every
 * ioctl): ENOTTY for a foreign type byte or a number unknown there,
 * EINVAL for a known number with another size or direction, and for the
 * exact number what that ioctl's own rules give @arg, EFAULT where it
 * cannot be reached.
 */
static void check_garbage(enum fz_fd kind, int fd, struct fz_vcpu *v, unsigned long cmd,
			  void *arg, bool good, const void *own, size_t own_len)
{
	unsigned int i;
	char call[64];
	int ret, want = ENOTTY;

	snprintf(call, sizeof(call), "ioctl %#lx on a %s fd", cmd, fd_names[kind]);
	if (_IOC_TYPE(cmd) != DOMINO_IOCTL_TYPE && vfs_cmd(cmd))
		return;
	for (i = 0; i < ARRAY_SIZE(uapi_cmds) && _IOC_TYPE(cmd) == DOMINO_IOCTL_TYPE; i++)
		if (uapi_cmds[i].fd == kind && _IOC_NR(uapi_cmds[i].cmd) == _IOC_NR(cmd))
			want = uapi_cmds[i].cmd == cmd ? 0 : EINVAL;
	if (want) {
		expect(OP_GARBAGE, call, answer(ioctl(fd, cmd, arg)), want);
		return;
	}
	switch (cmd) {
	case DOMINO_GET_API_VERSION:
		ret = ioctl(fd, cmd, arg);
		if (ret != DOMINO_API_VERSION)
			unexpected(OP_GARBAGE, "%s: %d (%s)", call, ret, answer_name(answer(ret)));
		break;
	case DOMINO_GET_CAPS:
		check_get(OP_GARBAGE, fd, cmd, "GET_CAPS", arg, good);
		break;
	case DOMINO_CREATE_DOMAIN:
		check_create_domain(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_DOMAIN_GET_INFO:
		check_get(OP_GARBAGE, fd, cmd, "GET_INFO", arg, good);
		break;
	case DOMINO_CREATE_VCPU:
		check_create_vcpu(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_IRQ_LINE:
		check_irq_line(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_GET_REGS:
		check_get(OP_GARBAGE, fd, cmd, "GET_REGS", arg, good);
		break;
	case DOMINO_SET_REGS:
		check_set_regs(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_GET_SREGS:
		check_get(OP_GARBAGE, fd, cmd, "GET_SREGS", arg, good);
		break;
	case DOMINO_SET_SREGS:
		check_set_sregs(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_GET_MSRS:
	case DOMINO_SET_MSRS:
		check_msrs(OP_GARBAGE, fd, v, cmd == DOMINO_SET_MSRS, arg, good, own, own_len);
		break;
	case DOMINO_GET_CPUID:
		check_get_cpuid(OP_GARBAGE, fd, v, arg, good, own, own_len);
		break;
	case DOMINO_SET_CPUID:
		check_set_cpuid(OP_GARBAGE, fd, v, arg, good, own, own_len);
		break;
	case DOMINO_GET_XSAVE:
		check_get(OP_GARBAGE, fd, cmd, "GET_XSAVE", arg, good);
		break;
	case DOMINO_SET_XSAVE:
		check_set_xsave(OP_GARBAGE, fd, arg, good);
		break;
	case DOMINO_INJECT_EVENT:
		check_inject(OP_GARBAGE, fd, v, arg, good);
		break;
	default:
		unexpected(OP_GARBAGE, "%s: the fuzzer has no rule for it", call);
		break;
	}
}

/* Any ioctl number on any fd, with a pointer to anything. */
static void op_garbage(uint64_t *s)
{
	/* as large as any _IOC size: the kernel may fill all of it */
	static __thread uint8_t buf[1 << 14];
	enum fz_fd kind = rnd_below(s, 3);
	struct fz_vcpu *v = NULL;
	unsigned long cmd, arg;
	int fd;

	fd = kind == FD_SYS ? domino_open_dev() : kind == FD_DOM ? grab_domain(s) :
	     grab_vcpu_locked(s, &v);
	if (fd < 0)
		return;
	fill_random(s, buf, sizeof(buf));
	switch (rnd_below(s, 8)) {
	case 0: case 1:		/* any number at all */
		cmd = (uint32_t)rnd_next(s);
		break;
	case 2: case 3: case 4:	/* ours, any number, size and direction */
		cmd = _IOC(rnd_below(s, 4), DOMINO_IOCTL_TYPE, rnd_below(s, 256),
			   rnd_below(s, 2) ? rnd_below(s, 512) : rnd_below(s, 0x4000));
		break;
	case 5:			/* a UAPI number, on whichever fd */
		cmd = uapi_cmds[rnd_below(s, ARRAY_SIZE(uapi_cmds))].cmd;
		break;
	case 6:			/* one of this fd's */
		cmd = pick_cmd(s, kind);
		break;
	default:		/* one of this fd's, another size or direction */
		cmd = pick_cmd(s, kind) ^ (1UL << (rnd_below(s, 2) ?
			_IOC_SIZESHIFT + rnd_below(s, _IOC_SIZEBITS) :
			_IOC_DIRSHIFT + rnd_below(s, _IOC_DIRBITS)));
		break;
	}
	switch (rnd_below(s, 5)) {
	case 0: arg = 0; break;
	case 1: arg = 0xffff888000000000ULL; break;
	case 2: arg = rnd_next(s) | USER_TOP; break;	/* beyond user space */
	default: arg = (uintptr_t)buf; break;
	}
	/* creating things is fine, leaving them about is not */
	if (cmd == DOMINO_RUN || cmd == DOMINO_SET_MEMORY_REGION)
		cmd = DOMINO_GET_API_VERSION;
	check_garbage(kind, fd, v, cmd, (void *)arg, arg == (uintptr_t)buf, buf, sizeof(buf));
	if (v)
		put_vcpu_locked(v, fd);
	else
		close(fd);
}

static void op_mmap(uint64_t *s)
{
	int fd = rnd_below(s, 2) ? grab_vcpu(s, NULL) : grab_domain(s);
	size_t len = rnd_below(s, 4) ? 4096 : rnd_below(s, 4) << 12;
	off_t off = rnd_below(s, 4) ? 0 : rnd_below(s, 4) << 12;
	int prot = rnd_below(s, 8), flags = rnd_below(s, 2) ? MAP_SHARED : MAP_PRIVATE;
	void *p;

	if (fd < 0)
		return;
	p = mmap(NULL, len ? len : 4096, prot, flags, fd, off);
	if (p != MAP_FAILED) {
		if (prot & PROT_WRITE)
			((volatile uint8_t *)p)[0] = 0;	/* the run area: ours to use */
		else if (prot & PROT_READ)
			(void)((volatile uint8_t *)p)[0];
		munmap(p, len ? len : 4096);
	}
	close(fd);
}

/*
 * Another process holding our fds (@fd a vCPU or domain fd): every Domino
 * call on them must be refused (EIO), mmap too. Returns how many were not.
 */
static int foreign_calls(int vfd, int dfd)
{
	struct domino_regs regs = { 0 };
	struct domino_create_vcpu cv = { .vcpu_id = 3 };
	struct domino_memory_region r = { .slot = 9, .memory_size = 4096,
					  .userspace_addr = 0x10000, .guest_phys_addr = 0 };
	int bad = 0;

	if (vfd >= 0) {
		bad += !(ioctl(vfd, DOMINO_RUN, 0) < 0 && errno == EIO);
		bad += !(ioctl(vfd, DOMINO_GET_REGS, &regs) < 0 && errno == EIO);
		bad += !(ioctl(vfd, DOMINO_SET_REGS, &regs) < 0 && errno == EIO);
		bad += mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0) != MAP_FAILED;
	}
	if (dfd >= 0) {
		bad += !(ioctl(dfd, DOMINO_SET_MEMORY_REGION, &r) < 0 && errno == EIO);
		bad += !(ioctl(dfd, DOMINO_CREATE_VCPU, &cv) < 0 && errno == EIO);
	}
	return bad;
}

/* A child of the fuzzer inherits every fd: they are no use to it. */
static void op_child(uint64_t *s)
{
	int vfd = grab_vcpu(s, NULL), dfd = grab_domain(s), status;
	pid_t pid;

	if (vfd < 0 && dfd < 0)
		return;
	pid = fork();
	if (pid == 0)
		_exit(foreign_calls(vfd, dfd));
	if (pid > 0 && waitpid(pid, &status, 0) == pid &&
	    (!WIFEXITED(status) || WEXITSTATUS(status)))
		unexpected(OP_CHILD, "another process used a vCPU or domain fd (%d calls got through)",
			   WEXITSTATUS(status));
	if (vfd >= 0)
		close(vfd);
	if (dfd >= 0)
		close(dfd);
}

/* The helper, forked before any domain existed, gets fds by SCM_RIGHTS. */
static void helper_loop(int sock)
{
	for (;;) {
		char cbuf[CMSG_SPACE(2 * sizeof(int))], byte;
		struct iovec iov = { &byte, 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		int fds[2] = { -1, -1 };
		char bad;

		if (recvmsg(sock, &msg, 0) <= 0)
			_exit(0);
		c = CMSG_FIRSTHDR(&msg);
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(fds, CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0));
		bad = foreign_calls(fds[0], fds[1]);
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		if (write(sock, &bad, 1) != 1)
			_exit(1);
	}
}

static void op_pass_fd(uint64_t *s)
{
	int fds[2] = { grab_vcpu(s, NULL), grab_domain(s) };
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte = 0, bad = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (fds[0] < 0 || fds[1] < 0)
		goto out;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	/* one message in flight at a time: the helper answers each */
	pthread_mutex_lock(&fz.lock);
	if (sendmsg(fz.helper_sock, &msg, 0) == 1 && read(fz.helper_sock, &bad, 1) == 1 && bad)
		unexpected(OP_PASS_FD, "a process given the fds by SCM_RIGHTS used them (%d calls)", bad);
	pthread_mutex_unlock(&fz.lock);
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

static void (*const ops[NR_OPS])(uint64_t *) = {
	[OP_CREATE_DOMAIN] = op_create_domain, [OP_CREATE_RAW] = op_create_raw,
	[OP_CLOSE_DOMAIN] = op_close_domain, [OP_REGION] = op_region,
	[OP_BACKING] = op_backing, [OP_CREATE_VCPU] = op_create_vcpu,
	[OP_CLOSE_VCPU] = op_close_vcpu, [OP_RUN] = op_run, [OP_SIGNAL] = op_signal,
	[OP_REGS] = op_regs, [OP_SREGS] = op_sregs, [OP_MSRS] = op_msrs,
	[OP_CPUID] = op_cpuid, [OP_XSAVE] = op_xsave, [OP_EVENT] = op_event,
	[OP_IRQ_LINE] = op_irq_line, [OP_INFO] = op_info, [OP_GARBAGE] = op_garbage,
	[OP_MMAP] = op_mmap, [OP_CHILD] = op_child, [OP_PASS_FD] = op_pass_fd,
};

/* How often each op is drawn: runs and region changes most. */
static const uint8_t op_weight[NR_OPS] = {
	[OP_CREATE_DOMAIN] = 3, [OP_CREATE_RAW] = 3, [OP_CLOSE_DOMAIN] = 1,
	[OP_REGION] = 8, [OP_BACKING] = 4, [OP_CREATE_VCPU] = 4, [OP_CLOSE_VCPU] = 1,
	[OP_RUN] = 12, [OP_SIGNAL] = 3, [OP_REGS] = 3, [OP_SREGS] = 3, [OP_MSRS] = 3,
	[OP_CPUID] = 2, [OP_XSAVE] = 3, [OP_EVENT] = 2, [OP_IRQ_LINE] = 2,
	[OP_INFO] = 1, [OP_GARBAGE] = 6, [OP_MMAP] = 3, [OP_CHILD] = 1,
	[OP_PASS_FD] = 1,
};

/* The host's flags as its kernel reports them: what boot_cpu_has() says. */
static char cpu_flags[8192];

static bool cpu_flag(const char *name)
{
	char word[32];

	snprintf(word, sizeof(word), " %s ", name);
	return strstr(cpu_flags, word);
}

static void host_setup(void)
{
	uint8_t fx[512] __attribute__((aligned(16)));
	struct domino_caps caps;
	uint64_t fixed1;
	uint32_t mask;
	char *nl;
	FILE *f;
	int dev;

	dev = domino_open_dev();
	domino_get_caps(dev, &caps);
	close(dev);
	host.vendor = caps.vendor;

	f = fopen("/proc/cpuinfo", "r");
	TEST_ASSERT(f, "/proc/cpuinfo");
	cpu_flags[0] = ' ';
	while (fgets(cpu_flags + 1, sizeof(cpu_flags) - 2, f))
		if (!strncmp(cpu_flags + 1, "flags", 5))
			break;
	fclose(f);
	nl = strchr(cpu_flags, '\n');
	if (nl)
		strcpy(nl, " ");
	host.la57 = cpu_flag("la57");
	host.xsave = cpu_flag("xsave");
	host.spec_ctrl = cpu_flag("ibrs") || cpu_flag("ibpb") || cpu_flag("stibp") ||
			 cpu_flag("ssbd") || cpu_flag("flush_l1d") || cpu_flag("arch_capabilities");

	if (host.vendor == DOMINO_VENDOR_SVM) {
		/* svm_cr4_allowed(): the base set, and what the host kernel has */
		host.cr4_ok = X86_CR4_BASE | (cpu_flag("umip") ? X86_CR4_UMIP : 0) |
			      (host.la57 ? X86_CR4_LA57 : 0) |
			      (cpu_flag("fsgsbase") ? X86_CR4_FSGSBASE : 0) |
			      (cpu_flag("pcid") ? X86_CR4_PCIDE : 0) |
			      (host.xsave ? X86_CR4_OSXSAVE : 0) |
			      (cpu_flag("smep") ? X86_CR4_SMEP : 0) |
			      (cpu_flag("smap") ? X86_CR4_SMAP : 0);
		host.cr4_known = true;
	} else if (host_rdmsr(0, MSR_IA32_VMX_CR4_FIXED1, &fixed1)) {
		/* vmx_cr4_allowed(): what VMX allows, less what Domino does not offer */
		host.cr4_ok = fixed1 & ~(X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_PKE | X86_CR4_CET);
		host.cr4_known = true;
	} else {
		ktap_print_msg("no /dev/cpu/0/msr: the CR4 bits VMX allows are not known, "
			       "SET_SREGS with others is checked loosely");
	}

	/* The guest's XSTATE_BV: the host's XCR0, less AMX's data, never a guest's. */
	if (host.xsave) {
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		host.xstate_ok = ((uint64_t)hi << 32 | lo) & ~XSTATE_XTILEDATA;
	}
	/* MXCSR_MASK as the kernel reads it (FXSAVE; 0 means the default). */
	memset(fx, 0, sizeof(fx));
	__asm__ volatile("fxsave64 %0" : "=m"(fx));
	memcpy(&mask, fx + 28, sizeof(mask));
	host.mxcsr_mask = mask ? mask : 0xffbf;
	ktap_print_msg("host: %s, CR4 allowed %#llx, XSTATE_BV allowed %#llx, MXCSR mask %#x%s",
		       host.vendor == DOMINO_VENDOR_SVM ? "SVM" : "VMX",
		       (unsigned long long)host.cr4_ok, (unsigned long long)host.xstate_ok,
		       host.mxcsr_mask, host.la57 ? ", LA57" : "");
}

struct worker {
	uint64_t seed;
	double deadline;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static __thread int current_op = -1;
static uint64_t run_seed;

/* The fuzzer itself crashing must still say what it was doing. */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	void *bt[32];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "# fuzz_uapi: signal %d at %p during %s (seed %#llx)\n",
		     sig, si->si_addr, current_op >= 0 ? op_names[current_op] : "setup",
		     (unsigned long long)run_seed);
	if (write(1, msg, n) < 0)
		_exit(3);
	n = backtrace(bt, 32);
	backtrace_symbols_fd(bt, n, 1);
	_exit(3);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t s = w->seed | 1;
	unsigned int total = 0, i;

	for (i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	pthread_barrier_wait(&fz.start);
	while (!fz.stop && now_s() < w->deadline) {
		unsigned int pick = rnd_below(&s, total);

		for (i = 0; pick >= op_weight[i]; i++)
			pick -= op_weight[i];
		current_op = i;
		ops[i](&s);
		current_op = -1;
		__atomic_add_fetch(&stats.calls[i], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Signals against run: every worker is signalled every 20 ms, so a vCPU
 * asleep in HLT with nothing to wake it gives its thread back, and the
 * fuzzer can stop.
 */
static void *ticker(void *arg)
{
	int i;

	(void)arg;
	while (!fz.stop) {
		usleep(20000);
		for (i = 0; i < fz.nthreads; i++)
			pthread_kill(fz.threads[i], SIGUSR1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tick;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct worker w[16];
	uint64_t seed = 0, total = 0, bad = 0;
	double seconds = 15;
	long long objs0, pages0;
	int opt, i, sv[2];
	pid_t helper;
	char line[1024];
	int len = 0;

	if (getenv("DOMINO_FUZZ_SECONDS") && *getenv("DOMINO_FUZZ_SECONDS"))
		seconds = atof(getenv("DOMINO_FUZZ_SECONDS"));
	if (getenv("DOMINO_FUZZ_SEED") && *getenv("DOMINO_FUZZ_SEED"))
		seed = strtoull(getenv("DOMINO_FUZZ_SEED"), NULL, 0);
	fz.nthreads = 4;
	while ((opt = getopt(argc, argv, "s:t:j:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'j': fz.nthreads = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-j THREADS]\n", argv[0]);
			return 2;
		}
	}
	if (fz.nthreads < 1 || fz.nthreads > 16)
		fz.nthreads = 4;
	if (!seed)
		seed = ((uint64_t)time(NULL) * 2654435761ULL) ^ getpid();

	ktap_print_header();
	ktap_set_plan(3);
	ktap_print_msg("seed %#llx, %d threads (replay: fuzz_uapi -s %#llx -j %d)",
		       (unsigned long long)seed, fz.nthreads, (unsigned long long)seed,
		       fz.nthreads);
	close(domino_open_dev());	/* skips here if there is no /dev/domino */
	host_setup();
	objs0 = domino_sysfs_num("alloc_objects");
	pages0 = domino_sysfs_num("alloc_pages");

	TEST_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	helper = fork();
	TEST_ASSERT(helper >= 0, "fork");
	if (!helper) {
		close(sv[0]);
		helper_loop(sv[1]);
	}
	close(sv[1]);
	fz.helper_sock = sv[0];

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: runs end with EINTR */
	{
		struct sigaction fatal = { .sa_sigaction = on_fatal, .sa_flags = SA_SIGINFO };

		run_seed = seed;
		sigaction(SIGSEGV, &fatal, NULL);
		sigaction(SIGBUS, &fatal, NULL);
	}
	for (i = 0; i < MAX_VCPUS; i++) {
		fz.vcpus[i].fd = -1;
		pthread_mutex_init(&fz.vcpus[i].lock, NULL);
	}
	for (i = 0; i < MAX_BACKINGS; i++) {
		fz.backings[i].size = 64 << 12;
		fz.backings[i].addr = mmap(NULL, fz.backings[i].size, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		TEST_ASSERT(fz.backings[i].addr != MAP_FAILED, "mmap");
	}
	pthread_barrier_init(&fz.start, NULL, fz.nthreads + 1);
	for (i = 0; i < fz.nthreads; i++) {
		w[i].seed = seed + i * 0x9e3779b97f4a7c15ULL;
		w[i].deadline = now_s() + seconds;
		TEST_ASSERT(pthread_create(&fz.threads[i], NULL, worker, &w[i]) == 0, "thread");
	}
	pthread_barrier_wait(&fz.start);
	TEST_ASSERT(pthread_create(&tick, NULL, ticker, NULL) == 0, "ticker");
	for (i = 0; i < fz.nthreads; i++)
		pthread_join(fz.threads[i], NULL);
	fz.stop = true;
	pthread_join(tick, NULL);

	/* Tear down what is left: every domain must go with its last fd. */
	for (i = 0; i < MAX_VCPUS; i++)
		if (fz.vcpus[i].fd >= 0)
			close(fz.vcpus[i].fd);
	for (i = 0; i < MAX_DOMS; i++)
		if (fz.doms[i])
			dvm_free(fz.doms[i]);
	for (i = 0; i < MAX_BACKINGS; i++)
		munmap(fz.backings[i].addr, fz.backings[i].size);
	close(fz.helper_sock);
	waitpid(helper, NULL, 0);

	for (i = 0; i < NR_OPS; i++) {
		total += stats.calls[i];
		bad += stats.unexpected[i];
		if (len < (int)sizeof(line) - 40)
			len += snprintf(line + len, sizeof(line) - len, " %s %llu", op_names[i],
					(unsigned long long)stats.calls[i]);
	}
	ktap_print_msg("%llu operations in %.0f s:%s; %llu DOMINO_RUN calls, %llu exits",
		       (unsigned long long)total, seconds, line,
		       (unsigned long long)stats.runs, (unsigned long long)stats.exits);
	for (len = 0, i = 0; i < NR_OPS; i++)
		if (len < (int)sizeof(line) - 40)
			len += snprintf(line + len, sizeof(line) - len, " %s %llu", op_names[i],
					(unsigned long long)stats.unexpected[i]);
	ktap_print_msg("unexpected results by op:%s", line);
	for (len = 0, i = 0; i < NR_OPS; i++)
		if (stats.loose[i] && len < (int)sizeof(line) - 40)
			len += snprintf(line + len, sizeof(line) - len, " %s %llu", op_names[i],
					(unsigned long long)stats.loose[i]);
	ktap_print_msg("checked against a set of answers only (state the fuzzer cannot see):%s",
		       len ? line : " none");
	ktap_test_result(bad == 0 && total > 0,
			 "%llu operations of seed %#llx: every result as the UAPI documents (%llu not)",
			 (unsigned long long)total, (unsigned long long)seed,
			 (unsigned long long)bad);
	ktap_test_result(stats.unexpected[OP_CHILD] == 0 && stats.unexpected[OP_PASS_FD] == 0 &&
			 stats.calls[OP_CHILD] + stats.calls[OP_PASS_FD] > 0,
			 "fds inherited (%llu) or passed by SCM_RIGHTS (%llu) gave another process nothing",
			 (unsigned long long)stats.calls[OP_CHILD],
			 (unsigned long long)stats.calls[OP_PASS_FD]);
	ktap_test_result(domino_counters_back(objs0, pages0),
			 "every domain destroyed with its last fd: objects and pages back to %lld/%lld",
			 objs0, pages0);
	ktap_finished();
}
