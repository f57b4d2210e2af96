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
 * arguments: a valid call must succeed, an invalid one must fail with the
 * documented errno. With -j 1 a seed replays the same sequence of calls.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <fcntl.h>
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

struct fz_vcpu {
	int fd;
	int dom;		/* index in doms[] at creation */
};

struct fz_backing {
	uint8_t *addr;
	size_t size;
};

static struct {
	pthread_mutex_t lock;
	struct dvm *doms[MAX_DOMS];
	struct fz_vcpu vcpus[MAX_VCPUS];
	struct fz_backing backings[MAX_BACKINGS];
	pthread_t threads[16];
	int nthreads;
	int helper_sock;	/* to the process forked before any domain */
	pthread_barrier_t start;	/* every thread id known before any op */
	volatile bool stop;
} fz = { .lock = PTHREAD_MUTEX_INITIALIZER };

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
		vm = dvm_create(rnd_below(s, 2) ? DOMINO_DOMAIN_IRQCHIP : 0);
		fz.doms[i] = vm;
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
		a.reserved[rnd_below(s, 2)] = rnd_next(s) | 1;
	if (rnd_below(s, 8) == 0)
		a.pad = rnd_next(s);
	if (rnd_below(s, 2))
		a.max_memory = rnd_below(s, 4) ? rnd_below(s, 1 << 20) << 12 : rnd_next(s);
	if (rnd_below(s, 2))
		a.max_vcpus = rnd_below(s, 4) ? rnd_below(s, DOMINO_MAX_VCPUS + 2) : rnd_next(s);
	valid = !(a.flags & ~DOMINO_DOMAIN_FLAGS_VALID) && a.domid <= DOMINO_DOMID_MAX &&
		!a.reserved[0] && !a.reserved[1] && !a.pad && !(a.max_memory & 0xfff) &&
		a.max_vcpus <= DOMINO_MAX_VCPUS;
	fd = ioctl(dev, DOMINO_CREATE_DOMAIN, rnd_below(s, 16) ? (void *)&a : (void *)8);
	if (fd >= 0) {
		if (!valid)
			unexpected(OP_CREATE_RAW, "flags %#x domid %u reserved %#llx accepted",
				   a.flags, a.domid, (unsigned long long)a.reserved[0]);
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
		fz.vcpus[slot].fd = fd;
		fz.vcpus[slot].dom = d;
	} else if (valid ? errno != EEXIST : errno != EINVAL) {
		unexpected(OP_CREATE_VCPU, "id %u flags %#x: errno %d", a.vcpu_id, a.flags, errno);
	}
	pthread_mutex_unlock(&fz.lock);
}

static void op_close_vcpu(uint64_t *s)
{
	int i = rnd_below(s, MAX_VCPUS), fd;

	pthread_mutex_lock(&fz.lock);
	fd = fz.vcpus[i].fd;
	fz.vcpus[i].fd = -1;
	pthread_mutex_unlock(&fz.lock);
	if (fd >= 0)
		close(fd);
}

/* Run a vCPU for a few exits, completing what can be completed. */
static void op_run(uint64_t *s)
{
	int fd = grab_vcpu(s, NULL), n;
	struct domino_run *run;

	if (fd < 0)
		return;
	run = mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		unexpected(OP_RUN, "mmap of the run area: errno %d", errno);
		close(fd);
		return;
	}
	run->immediate_exit = rnd_below(s, 16) == 0;
	for (n = 0; n < 20 && !fz.stop; n++) {
		int ret = ioctl(fd, DOMINO_RUN, 0);

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
	munmap(run, DOMINO_RUN_AREA_SIZE);
	close(fd);
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
	int fd = grab_vcpu(s, NULL);

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_REGS, &r)) {
		unexpected(OP_REGS, "GET_REGS: errno %d", errno);
	} else {
		((uint64_t *)&r)[rnd_below(s, sizeof(r) / 8)] = rnd_next(s);
		if (ioctl(fd, DOMINO_SET_REGS, rnd_below(s, 16) ? (void *)&r : (void *)-4096L) &&
		    errno != EINVAL && errno != EFAULT)
			unexpected(OP_REGS, "SET_REGS: errno %d", errno);
	}
	close(fd);
}

static void op_sregs(uint64_t *s)
{
	struct domino_sregs r;
	int fd = grab_vcpu(s, NULL);

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_SREGS, &r)) {
		unexpected(OP_SREGS, "GET_SREGS: errno %d", errno);
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
		if (ioctl(fd, DOMINO_SET_SREGS, &r) && errno != EINVAL)
			unexpected(OP_SREGS, "SET_SREGS: errno %d", errno);
	}
	close(fd);
}

static void op_msrs(uint64_t *s)
{
	struct domino_msr_entry e[8];
	struct domino_msrs m = { .entries = (uintptr_t)e };
	int fd = grab_vcpu(s, NULL), i, ret;

	if (fd < 0)
		return;
	for (i = 0; i < 8; i++) {
		e[i].index = rnd_below(s, 2) ? (uint32_t)rnd_next(s) :
			     (uint32_t[]){ 0x10, 0x1b, 0x174, 0x277, 0xc0000080, 0xc0000081,
					   0xc0000100, 0x6e0, 0x4b564d01 }[rnd_below(s, 9)];
		e[i].pad = 0;
		e[i].data = rnd_next(s);
	}
	switch (rnd_below(s, 4)) {
	case 0: m.nr = rnd_next(s); break;
	case 1: m.entries = rnd_below(s, 2) ? 0 : 0xffff888000000000ULL; m.nr = 1; break;
	default: m.nr = 1 + rnd_below(s, 8); break;
	}
	ret = ioctl(fd, rnd_below(s, 2) ? DOMINO_GET_MSRS : DOMINO_SET_MSRS, &m);
	if ((ret >= 0 && (uint32_t)ret > m.nr) ||
	    (ret < 0 && errno != EINVAL && errno != EFAULT && errno != E2BIG))
		unexpected(OP_MSRS, "nr %u: ret %d errno %d", m.nr, ret, errno);
	close(fd);
}

static void op_cpuid(uint64_t *s)
{
	static __thread struct domino_cpuid_entry e[DOMINO_MAX_CPUID_ENTRIES + 4];
	struct domino_cpuid c = { .entries = (uintptr_t)e };
	int fd = grab_vcpu(s, NULL);

	if (fd < 0)
		return;
	c.nr = rnd_below(s, 4) ? DOMINO_MAX_CPUID_ENTRIES : (uint32_t)rnd_next(s);
	if (ioctl(fd, DOMINO_GET_CPUID, &c) && errno != E2BIG && errno != EINVAL)
		unexpected(OP_CPUID, "GET_CPUID nr %u: errno %d", c.nr, errno);
	if (rnd_below(s, 2)) {
		uint32_t i;

		if (c.nr > DOMINO_MAX_CPUID_ENTRIES + 4 || rnd_below(s, 4) == 0)
			c.nr = rnd_below(s, DOMINO_MAX_CPUID_ENTRIES + 4);
		for (i = 0; i < 4; i++)
			fill_random(s, &e[rnd_below(s, DOMINO_MAX_CPUID_ENTRIES)], sizeof(e[0]) / 2);
		if (ioctl(fd, DOMINO_SET_CPUID, &c) && errno != EINVAL && errno != E2BIG)
			unexpected(OP_CPUID, "SET_CPUID nr %u: errno %d", c.nr, errno);
	}
	close(fd);
}

/* XSAVE images: the kernel must refuse what XRSTOR would fault on. */
static void op_xsave(uint64_t *s)
{
	static __thread struct domino_xsave x;
	int fd = grab_vcpu(s, NULL), i;

	if (fd < 0)
		return;
	if (ioctl(fd, DOMINO_GET_XSAVE, &x))
		unexpected(OP_XSAVE, "GET_XSAVE: errno %d", errno);
	switch (rnd_below(s, 4)) {
	case 0: fill_random(s, &x, sizeof(x)); break;
	case 1: x.region[6] = rnd_next(s); break;			/* MXCSR */
	case 2: x.region[128 + rnd_below(s, 16)] = rnd_next(s); break; /* header */
	default:
		for (i = 0; i < 4; i++)
			x.region[rnd_below(s, 1024)] = rnd_next(s);
		break;
	}
	if (ioctl(fd, DOMINO_SET_XSAVE, &x) && errno != EINVAL)
		unexpected(OP_XSAVE, "SET_XSAVE: errno %d", errno);
	close(fd);
}

static void op_event(uint64_t *s)
{
	struct domino_event ev = { 0 };
	int fd = grab_vcpu(s, NULL);

	if (fd < 0)
		return;
	ev.type = rnd_below(s, 4) ? rnd_below(s, 3) : (uint8_t)rnd_next(s);
	ev.vector = rnd_next(s);
	ev.has_error_code = rnd_below(s, 3);
	ev.error_code = rnd_next(s);
	if (rnd_below(s, 8) == 0)
		ev.reserved = 1;
	if (ioctl(fd, DOMINO_INJECT_EVENT, &ev) && errno != EINVAL && errno != EBUSY &&
	    errno != EAGAIN)
		unexpected(OP_EVENT, "type %u vector %u: errno %d", ev.type, ev.vector, errno);
	close(fd);
}

static void op_irq_line(uint64_t *s)
{
	struct domino_irq_line l = { 0 };
	int fd = grab_domain(s);

	if (fd < 0)
		return;
	l.gsi = rnd_below(s, 4) ? rnd_below(s, DOMINO_IOAPIC_PINS) : (uint32_t)rnd_next(s);
	l.level = rnd_below(s, 4) ? rnd_below(s, 2) : (uint32_t)rnd_next(s);
	if (ioctl(fd, DOMINO_IRQ_LINE, &l) && errno != EINVAL && errno != ENXIO)
		unexpected(OP_IRQ_LINE, "gsi %u level %u: errno %d", l.gsi, l.level, errno);
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

/* Any ioctl number on any fd, with a pointer to anything. */
static void op_garbage(uint64_t *s)
{
	/* as large as any _IOC size: the kernel may fill all of it */
	static __thread uint8_t buf[1 << 14];
	int fd, ret, which = rnd_below(s, 3);
	unsigned long cmd, arg;

	fd = which == 0 ? domino_open_dev() : which == 1 ? grab_domain(s) : grab_vcpu(s, NULL);
	if (fd < 0)
		return;
	fill_random(s, buf, sizeof(buf));
	cmd = rnd_below(s, 4) ? _IOC(rnd_below(s, 4), DOMINO_IOCTL_TYPE, rnd_below(s, 256),
				     rnd_below(s, 2) ? rnd_below(s, 512) : rnd_below(s, 0x4000))
			      : (uint32_t)rnd_next(s);
	switch (rnd_below(s, 5)) {
	case 0: arg = 0; break;
	case 1: arg = 0xffff888000000000ULL; break;
	case 2: arg = rnd_next(s); break;
	default: arg = (uintptr_t)buf; break;
	}
	/* creating things is fine, leaving them about is not */
	if (_IOC_NR(cmd) == _IOC_NR(DOMINO_RUN) || _IOC_NR(cmd) == _IOC_NR(DOMINO_SET_MEMORY_REGION))
		cmd = DOMINO_GET_API_VERSION;
	ret = ioctl(fd, cmd, arg);
	if (ret > 2 && (_IOC_NR(cmd) == _IOC_NR(DOMINO_CREATE_DOMAIN) ||
			_IOC_NR(cmd) == _IOC_NR(DOMINO_CREATE_VCPU)))
		close(ret);
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
	for (i = 0; i < MAX_VCPUS; i++)
		fz.vcpus[i].fd = -1;
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
