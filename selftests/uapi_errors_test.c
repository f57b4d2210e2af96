// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI's rules for every ioctl, as the header states them: a known
 * number with the wrong size or direction is EINVAL (on domain and vCPU
 * fds too), an unknown number ENOTTY; non-zero reserved and padding fields
 * are EINVAL and change nothing; and every pointer an ioctl takes, the
 * nested ones included, gives EFAULT when it points nowhere, leaving
 * nothing behind.
 */
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

struct ioc {
	const char *name;
	unsigned long cmd;
};

#define IOC(c)	{ #c, c }

static const struct ioc vcpu_iocs[] = {
	IOC(DOMINO_GET_REGS), IOC(DOMINO_SET_REGS), IOC(DOMINO_GET_SREGS),
	IOC(DOMINO_SET_SREGS), IOC(DOMINO_GET_MSRS), IOC(DOMINO_SET_MSRS),
	IOC(DOMINO_GET_CPUID), IOC(DOMINO_SET_CPUID), IOC(DOMINO_GET_XSAVE),
	IOC(DOMINO_SET_XSAVE), IOC(DOMINO_INJECT_EVENT),
};

static const struct ioc domain_iocs[] = {
	IOC(DOMINO_DOMAIN_GET_INFO), IOC(DOMINO_SET_MEMORY_REGION),
	IOC(DOMINO_CREATE_VCPU), IOC(DOMINO_IRQ_LINE),
};

static const struct ioc system_iocs[] = {
	IOC(DOMINO_GET_CAPS), IOC(DOMINO_CREATE_DOMAIN),
};

/* Big enough for any argument, zero: harmless if a call wrongly went on. */
static uint8_t arg[8192] __attribute__((aligned(64)));

static unsigned long ioc_size(unsigned long cmd, int delta)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd) + delta);
}

static unsigned long ioc_other_dir(unsigned long cmd)
{
	return _IOC(_IOC_DIR(cmd) == _IOC_READ ? _IOC_WRITE : _IOC_READ,
		    _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd));
}

static void check_sizes(int fd, const struct ioc *iocs, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned long cmd = iocs[i].cmd;

		memset(arg, 0, sizeof(arg));
		ktap_test_result(ioctl_fails_with(fd, ioc_size(cmd, 8), arg, EINVAL) &&
				 ioctl_fails_with(fd, ioc_size(cmd, -4), arg, EINVAL) &&
				 ioctl_fails_with(fd, ioc_other_dir(cmd), arg, EINVAL) &&
				 ioctl_fails_with(fd, _IOC(_IOC_NONE, DOMINO_IOCTL_TYPE,
							   _IOC_NR(cmd), 0), arg, EINVAL),
				 "%s fd: %s larger, smaller, the other direction, no argument -> EINVAL",
				 what, iocs[i].name);
	}
}

/* Both a pointer into page 0 and one to a page unmapped again. */
static bool both_fault(int fd, unsigned long cmd, void *unmapped)
{
	return ioctl_fails_with(fd, cmd, (void *)1, EFAULT) &&
	       ioctl_fails_with(fd, cmd, unmapped, EFAULT);
}

static void check_efault(int fd, const struct ioc *iocs, size_t n, const char *what,
			 void *unmapped)
{
	size_t i;

	for (i = 0; i < n; i++)
		ktap_test_result(both_fault(fd, iocs[i].cmd, unmapped),
				 "%s fd: %s at (void *)1 or an unmapped page -> EFAULT",
				 what, iocs[i].name);
}

static const size_t seg_offsets[] = {
	offsetof(struct domino_sregs, cs), offsetof(struct domino_sregs, ds),
	offsetof(struct domino_sregs, es), offsetof(struct domino_sregs, fs),
	offsetof(struct domino_sregs, gs), offsetof(struct domino_sregs, ss),
	offsetof(struct domino_sregs, tr), offsetof(struct domino_sregs, ldt),
};

static bool sregs_refused(struct dvcpu *vcpu, const struct domino_sregs *s)
{
	return ioctl_fails_with(vcpu->fd, DOMINO_SET_SREGS, (void *)s, EINVAL);
}

static bool sregs_pad_refused(struct dvcpu *vcpu, const struct domino_sregs *good)
{
	struct domino_sregs s, now;
	unsigned int i, b;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(good->reserved); i++) {
		s = *good;
		s.reserved[i] = 1;
		ok &= sregs_refused(vcpu, &s);
	}
	/* The first and the last padding byte of each segment. */
	for (i = 0; i < ARRAY_SIZE(seg_offsets); i++) {
		for (b = 0; b < sizeof(s.cs.pad); b += sizeof(s.cs.pad) - 1) {
			struct domino_segment *seg;

			s = *good;
			seg = (struct domino_segment *)((uint8_t *)&s + seg_offsets[i]);
			seg->pad[b] = 0x80;
			if (!sregs_refused(vcpu, &s)) {
				ktap_print_msg("segment %u: pad[%u] accepted", i, b);
				ok = false;
			}
		}
	}
	s = *good;
	s.gdt.pad[0] = 1;
	ok &= sregs_refused(vcpu, &s);
	s = *good;
	s.idt.pad[2] = 0x100;
	ok &= sregs_refused(vcpu, &s);
	dvcpu_get_sregs(vcpu, &now);
	return ok && !memcmp(&now, good, sizeof(now));
}

/* SET_CPUID of leaf 0 (valid) and @bad: EINVAL. */
static bool cpuid_set_fails(struct dvcpu *vcpu, const struct domino_cpuid_entry *bad)
{
	struct domino_cpuid_entry e[2] = { { .function = 0 }, *bad };
	struct domino_cpuid c = { .nr = 2, .entries = (uintptr_t)e };

	return ioctl_fails_with(vcpu->fd, DOMINO_SET_CPUID, &c, EINVAL);
}

static void check_reserved(struct dvm *vm, struct dvcpu *vcpu)
{
	struct domino_memory_region mr = {
		.slot = 1, .guest_phys_addr = 1ULL << 30, .memory_size = 4096,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	struct domino_create_domain cd = { .pad = 1 };
	struct domino_create_vcpu cv = { .vcpu_id = 1 };
	struct domino_event ev = { .type = DOMINO_EVENT_EXCEPTION, .vector = 6 };
	struct domino_cpuid_entry ce = { .function = 0 };
	struct domino_cpuid cpuid = { .nr = 1, .entries = (uintptr_t)&ce };
	struct domino_irq_line line = { .gsi = 1, .reserved = 1 };
	struct dvm *irq_vm;
	struct domino_sregs good;
	bool ok;
	int fd;

	ok = ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.pad = 0;
	cd.reserved = 1;
	ok &= ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.reserved = 0;
	/* Grant limits: Xen domains only, within Domino's maxima. */
	cd.max_grant_frames = 1;
	ok &= ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.max_grant_frames = 0;
	cd.max_maptrack_frames = 1;
	ok &= ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.flags = DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP;
	cd.max_maptrack_frames = DOMINO_XEN_MAX_MAPTRACK_FRAMES + 1;
	ok &= ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.max_maptrack_frames = 0;
	cd.max_grant_frames = DOMINO_XEN_MAX_GRANT_FRAMES + 1;
	ok &= ioctl_fails_with(vm->dev, DOMINO_CREATE_DOMAIN, &cd, EINVAL);
	cd.max_grant_frames = 0;
	ktap_test_result(ok, "CREATE_DOMAIN: non-zero pad or reserved, grant limits on a domain without Xen or above the maxima -> EINVAL");

	mr.reserved[0] = 1;
	ok = ioctl_fails_with(vm->dom, DOMINO_SET_MEMORY_REGION, &mr, EINVAL);
	mr.reserved[0] = 0;
	mr.reserved[1] = 1;
	ok &= ioctl_fails_with(vm->dom, DOMINO_SET_MEMORY_REGION, &mr, EINVAL);
	mr.reserved[1] = 0;
	ok &= ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &mr) == 0;
	mr.memory_size = 0;
	ok &= ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &mr) == 0;
	ktap_test_result(ok, "SET_MEMORY_REGION: reserved[0] or [1] -> EINVAL; zeroed, the slot is set and deleted");

	cv.reserved[0] = 1;
	ok = ioctl_fails_with(vm->dom, DOMINO_CREATE_VCPU, &cv, EINVAL);
	cv.reserved[0] = 0;
	cv.reserved[1] = 1;
	ok &= ioctl_fails_with(vm->dom, DOMINO_CREATE_VCPU, &cv, EINVAL);
	cv.reserved[1] = 0;
	fd = ioctl(vm->dom, DOMINO_CREATE_VCPU, &cv);
	ok &= fd >= 0;
	if (fd >= 0)
		close(fd);
	ktap_test_result(ok, "CREATE_VCPU: reserved[0] or [1] -> EINVAL; zeroed, that id was still free");

	dvcpu_get_sregs(vcpu, &good);
	ktap_test_result(sregs_pad_refused(vcpu, &good),
			 "SET_SREGS: reserved[0-3], any segment's pad, GDT/IDT pad -> EINVAL; state unchanged");

	ev.pad = 1;
	ok = ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL);
	ev.pad = 0;
	ev.reserved = 1;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL);
	ev.reserved = 0;
	ev.has_error_code = 2;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_INJECT_EVENT, &ev, EINVAL);
	ev.has_error_code = 0;
	ok &= ioctl(vcpu->fd, DOMINO_INJECT_EVENT, &ev) == 0;
	ktap_test_result(ok, "INJECT_EVENT: pad, reserved, has_error_code 2 -> EINVAL; none of them queued an event");

	cpuid.pad = 1;
	ok = ioctl_fails_with(vcpu->fd, DOMINO_SET_CPUID, &cpuid, EINVAL) &&
	     ioctl_fails_with(vcpu->fd, DOMINO_GET_CPUID, &cpuid, EINVAL);
	ok &= cpuid_set_fails(vcpu, &(struct domino_cpuid_entry){ .function = 1, .pad = 1 });
	ok &= cpuid_set_fails(vcpu, &(struct domino_cpuid_entry){ .function = 1, .flags = 2 });
	ktap_test_result(ok, "GET/SET_CPUID: pad, an entry's pad or unknown flags -> EINVAL");

	/*
	 * IRQ_LINE's arguments are checked in a domain with the in-kernel
	 * platform; without it the answer is ENXIO first, as KVM's.
	 */
	ok = ioctl_fails_with(vm->dom, DOMINO_IRQ_LINE, &line, ENXIO);
	irq_vm = dvm_create(DOMINO_DOMAIN_IRQCHIP);
	ok &= ioctl_fails_with(irq_vm->dom, DOMINO_IRQ_LINE, &line, EINVAL);
	line.reserved = 0;
	line.level = 2;
	ok &= ioctl_fails_with(irq_vm->dom, DOMINO_IRQ_LINE, &line, EINVAL);
	line.level = 1;
	ok &= ioctl(irq_vm->dom, DOMINO_IRQ_LINE, &line) == 0;
	dvm_free(irq_vm);
	ktap_test_result(ok, "IRQ_LINE: without an irqchip ENXIO; with one, reserved or level 2 -> EINVAL, a valid line 0");
}

static void check_nested_efault(struct dvcpu *vcpu, void *unmapped)
{
	struct domino_msrs m = { .nr = 1 };
	struct domino_cpuid c = { .nr = DOMINO_MAX_CPUID_ENTRIES };
	bool ok = true;

	m.entries = 1;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS, &m, EFAULT) &&
	      ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS, &m, EFAULT);
	m.entries = (uintptr_t)unmapped;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_GET_MSRS, &m, EFAULT) &&
	      ioctl_fails_with(vcpu->fd, DOMINO_SET_MSRS, &m, EFAULT);
	ktap_test_result(ok, "GET/SET_MSRS with entries at (void *)1 or an unmapped page -> EFAULT");

	ok = true;
	c.entries = 1;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_GET_CPUID, &c, EFAULT) &&
	      ioctl_fails_with(vcpu->fd, DOMINO_SET_CPUID, &c, EFAULT);
	c.nr = DOMINO_MAX_CPUID_ENTRIES;
	c.entries = (uintptr_t)unmapped;
	ok &= ioctl_fails_with(vcpu->fd, DOMINO_GET_CPUID, &c, EFAULT) &&
	      ioctl_fails_with(vcpu->fd, DOMINO_SET_CPUID, &c, EFAULT);
	ktap_test_result(ok, "GET/SET_CPUID with entries at (void *)1 or an unmapped page -> EFAULT");
}

int main(void)
{
	long long objects, domains;
	struct dvcpu *vcpu;
	struct dvm *vm;
	void *unmapped;

	ktap_print_header();
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	/*
	 * Reserved fields (7); sizes and directions on every fd, RUN, and
	 * unknown numbers (4); EFAULT for every pointer, nested ones (2);
	 * nothing left behind (1).
	 */
	ktap_set_plan(7 + ARRAY_SIZE(vcpu_iocs) + ARRAY_SIZE(domain_iocs) +
		      ARRAY_SIZE(system_iocs) + 4 +
		      ARRAY_SIZE(vcpu_iocs) + ARRAY_SIZE(domain_iocs) +
		      ARRAY_SIZE(system_iocs) + 2 + 1);

	check_reserved(vm, vcpu);

	objects = domino_sysfs_num("alloc_objects");
	domains = domino_sysfs_num("domains");
	check_sizes(vcpu->fd, vcpu_iocs, ARRAY_SIZE(vcpu_iocs), "vCPU");
	check_sizes(vm->dom, domain_iocs, ARRAY_SIZE(domain_iocs), "domain");
	check_sizes(vm->dev, system_iocs, ARRAY_SIZE(system_iocs), "system");
	ktap_test_result(ioctl_fails_with(vcpu->fd, _IOR(DOMINO_IOCTL_TYPE, 0x80, int), arg, EINVAL) &&
			 ioctl_fails_with(vcpu->fd, _IOW(DOMINO_IOCTL_TYPE, 0x80, uint64_t), arg, EINVAL) &&
			 vcpu->run->exit_reason == DOMINO_EXIT_NONE,
			 "vCPU fd: RUN with an argument size -> EINVAL, and it did not run");
	ktap_test_result(ioctl_fails_with(vcpu->fd, _IO(DOMINO_IOCTL_TYPE, 0x8c), NULL, ENOTTY) &&
			 ioctl_fails_with(vcpu->fd, _IOW(DOMINO_IOCTL_TYPE, 0xff, uint64_t), arg, ENOTTY) &&
			 ioctl_fails_with(vcpu->fd, _IO(0xAE, 0x80), NULL, ENOTTY),
			 "vCPU fd: unknown numbers and a foreign type byte -> ENOTTY");
	ktap_test_result(ioctl_fails_with(vcpu->fd, DOMINO_SET_MEMORY_REGION, arg, ENOTTY) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_CREATE_VCPU, arg, ENOTTY) &&
			 ioctl_fails_with(vcpu->fd, DOMINO_GET_CAPS, arg, ENOTTY),
			 "vCPU fd: domain and system ioctls -> ENOTTY");
	ktap_test_result(ioctl_fails_with(vm->dom, DOMINO_GET_REGS, arg, ENOTTY) &&
			 ioctl_fails_with(vm->dom, DOMINO_RUN, NULL, ENOTTY) &&
			 ioctl_fails_with(vm->dom, _IO(DOMINO_IOCTL_TYPE, 0x7f), NULL, ENOTTY),
			 "domain fd: vCPU ioctls and unknown numbers -> ENOTTY");

	unmapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(unmapped != MAP_FAILED, "mmap");
	munmap(unmapped, 4096);
	check_efault(vcpu->fd, vcpu_iocs, ARRAY_SIZE(vcpu_iocs), "vCPU", unmapped);
	check_efault(vm->dom, domain_iocs, ARRAY_SIZE(domain_iocs), "domain", unmapped);
	check_efault(vm->dev, system_iocs, ARRAY_SIZE(system_iocs), "system", unmapped);
	check_nested_efault(vcpu, unmapped);

	ktap_test_result(domino_sysfs_num("alloc_objects") == objects &&
			 domino_sysfs_num("domains") == domains,
			 "the refused calls left no allocations, domains or vCPUs behind");
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
