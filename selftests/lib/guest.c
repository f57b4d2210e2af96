// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the guest library: domains with RAM at GPA 0, vCPUs in real,
 * 32-bit and 64-bit mode, the run loop and ucall decoding.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <sys/ioctl.h>
#include <linux/userfaultfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

/* Segment descriptors (SDM 3.4.5): flat 4 GiB, present, DPL 0. */
#define GDT_CODE64	0x00af9b000000ffffULL
#define GDT_DATA	0x00cf93000000ffffULL
#define GDT_CODE32	0x00cf9b000000ffffULL
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static int load_segment(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct dvm *vm = arg;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t va = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		TEST_ASSERT(va + ph->p_memsz <= vm->mem_size,
			    "test binary segment %#lx+%#lx beyond guest RAM",
			    (unsigned long)va, (unsigned long)ph->p_memsz);
		memcpy(vm->mem + va, (void *)va, ph->p_memsz);
	}
	return 1;	/* the executable only */
}

struct dvm *dvm_create(uint32_t flags)
{
	return dvm_create_sized(flags, GUEST_MEM_SIZE, true);
}

struct dvm *dvm_create_sized(uint32_t flags, size_t mem_size, bool load_self)
{
	return dvm_create_max(flags, mem_size, 0, load_self);
}

struct dvm *dvm_create_max(uint32_t flags, size_t mem_size, uint64_t max_memory,
			   bool load_self)
{
	struct domino_create_domain args = { .flags = flags, .max_memory = max_memory };

	return dvm_create_args(&args, mem_size, load_self);
}

struct dvm *dvm_create_args(const struct domino_create_domain *a, size_t mem_size, bool load_self)
{
	struct domino_create_domain args = *a;
	struct domino_memory_region region = { 0 };
	struct dvm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "calloc");
	vm->dev = domino_open_dev();
	vm->dom = domino_domain_create_raw(vm->dev, &args);
	TEST_ASSERT(vm->dom >= 0, "DOMINO_CREATE_DOMAIN");
	vm->domid = args.domid;
	vm->mem_size = mem_size;
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(vm->mem != MAP_FAILED, "mmap guest RAM");
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &region) == 0,
		    "DOMINO_SET_MEMORY_REGION");
	/* The test binary itself, at its own addresses, for 64-bit guests. */
	if (load_self)
		dl_iterate_phdr(load_segment, vm);
	return vm;
}

void dvm_free(struct dvm *vm)
{
	close(vm->dom);
	close(vm->dev);
	munmap(vm->mem, vm->mem_size);
	free(vm);
}

void *dvm_gpa(struct dvm *vm, uint64_t gpa)
{
	TEST_ASSERT(gpa < vm->mem_size, "gpa %#lx outside RAM", (unsigned long)gpa);
	return vm->mem + gpa;
}

void dvm_load(struct dvm *vm, uint64_t gpa, const void *start, const void *end)
{
	size_t len = (const uint8_t *)end - (const uint8_t *)start;

	TEST_ASSERT(gpa + len <= vm->mem_size, "blob beyond RAM");
	memcpy(vm->mem + gpa, start, len);
}

struct dvcpu *dvcpu_add(struct dvm *vm, uint32_t id)
{
	struct domino_create_vcpu args = { .vcpu_id = id };
	struct dvcpu *vcpu = calloc(1, sizeof(*vcpu));

	TEST_ASSERT(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->dom, DOMINO_CREATE_VCPU, &args);
	TEST_ASSERT(vcpu->fd >= 0, "DOMINO_CREATE_VCPU %u", id);
	vcpu->run = mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap run area");
	return vcpu;
}

void dvcpu_free(struct dvcpu *vcpu)
{
	munmap(vcpu->run, DOMINO_RUN_AREA_SIZE);
	close(vcpu->fd);
	free(vcpu);
}

void dvcpu_get_regs(struct dvcpu *vcpu, struct domino_regs *regs)
{
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_REGS, regs) == 0, "GET_REGS");
}

void dvcpu_set_regs(struct dvcpu *vcpu, const struct domino_regs *regs)
{
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_SET_REGS, regs) == 0, "SET_REGS");
}

void dvcpu_get_sregs(struct dvcpu *vcpu, struct domino_sregs *sregs)
{
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_SREGS, sregs) == 0, "GET_SREGS");
}

void dvcpu_set_sregs(struct dvcpu *vcpu, const struct domino_sregs *sregs)
{
	TEST_ASSERT(ioctl(vcpu->fd, DOMINO_SET_SREGS, sregs) == 0, "SET_SREGS");
}

void guest_seg_flat(struct domino_segment *s, uint16_t sel, uint8_t type,
		    bool code64, bool db, uint8_t dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->dpl = dpl;
	s->s = 1;
	s->l = code64;
	s->db = db;
	s->g = 1;
}

void dvcpu_setup_real(struct dvcpu *vcpu, uint64_t entry)
{
	struct domino_sregs s;
	struct domino_regs r = { .rip = entry, .rflags = 2 };

	dvcpu_get_sregs(vcpu, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	dvcpu_set_sregs(vcpu, &s);
	r.rsp = 0x7000;
	dvcpu_set_regs(vcpu, &r);
}

static void gdt_init(struct dvm *vm)
{
	uint64_t *gdt = dvm_gpa(vm, GUEST_GDT);

	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = GDT_CODE64;
	gdt[SEL_DATA / 8] = GDT_DATA;
	gdt[SEL_CODE32 / 8] = GDT_CODE32;
	/* 64-bit TSS, busy (type 0xb), base GUEST_TSS, limit 0x67. */
	gdt[SEL_TSS / 8] = 0x67 | (GUEST_TSS & 0xffffff) << 16 | 0x8bULL << 40;
	gdt[SEL_TSS / 8 + 1] = 0;
}

static void sregs_flat(struct domino_sregs *s, bool long64)
{
	guest_seg_flat(&s->cs, long64 ? SEL_CODE64 : SEL_CODE32, 0xb, long64, !long64, 0);
	guest_seg_flat(&s->ds, SEL_DATA, 0x3, false, true, 0);
	s->es = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = SEL_TSS;
	s->tr.base = GUEST_TSS;
	s->tr.limit = 0x67;
	s->tr.type = 0xb;
	s->tr.present = 1;
	s->gdt.base = GUEST_GDT;
	s->gdt.limit = 6 * 8 - 1;
}

void dvcpu_setup_prot32(struct dvcpu *vcpu, uint64_t entry, bool paging)
{
	struct dvm *vm = vcpu->vm;
	struct domino_regs r = { .rip = entry, .rflags = 2, .rsp = GUEST_STACK_TOP };
	struct domino_sregs s;
	uint32_t *pd = dvm_gpa(vm, GUEST_PT32);
	unsigned int i;

	gdt_init(vm);
	/* Identity: 1024 entries of 4 MiB pages cover the 4 GiB (PSE). */
	for (i = 0; i < 1024; i++)
		pd[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS;
	dvcpu_get_sregs(vcpu, &s);
	sregs_flat(&s, false);
	s.tr.type = 0xb;
	s.cr0 = CR0_PE | CR0_ET | CR0_NE | (paging ? CR0_PG : 0);
	s.cr3 = paging ? GUEST_PT32 : 0;
	s.cr4 = paging ? CR4_PSE : 0;
	s.efer = 0;
	dvcpu_set_sregs(vcpu, &s);
	dvcpu_set_regs(vcpu, &r);
}

/* Exception stubs in the test binary (guest_exception.S). */
extern const uint64_t guest_exception_stubs[GUEST_IDT_VECTORS];

static void idt_init(struct dvm *vm)
{
	uint64_t *idt = dvm_gpa(vm, GUEST_IDT);
	unsigned int v;

	for (v = 0; v < GUEST_IDT_VECTORS; v++) {
		uint64_t off = guest_exception_stubs[v];

		/* 64-bit interrupt gate, present, DPL 0 (SDM 6.14.1). */
		idt[v * 2] = (off & 0xffff) | (uint64_t)SEL_CODE64 << 16 |
			     0x8eULL << 40 | ((off >> 16) & 0xffff) << 48;
		idt[v * 2 + 1] = off >> 32;
	}
}

void dvcpu_setup_long64(struct dvcpu *vcpu, void (*guest_code)(void))
{
	struct dvm *vm = vcpu->vm;
	struct domino_regs r = {
		.rip = (uintptr_t)guest_code, .rflags = 2,
		/* Each vCPU its own 64 KiB stack; 16-byte aligned minus a call. */
		.rsp = GUEST_STACK_TOP - vcpu->id * 0x10000 - 8,
	};
	uint64_t *pml4 = dvm_gpa(vm, GUEST_PT64);
	uint64_t *pdpt = dvm_gpa(vm, GUEST_PT64 + 0x1000);
	struct domino_sregs s;
	unsigned int i, j;

	gdt_init(vm);
	idt_init(vm);
	pml4[0] = (GUEST_PT64 + 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++) {
		uint64_t pd_gpa = GUEST_PT64 + 0x2000 + i * 0x1000;
		uint64_t *pd = dvm_gpa(vm, pd_gpa);

		pdpt[i] = pd_gpa | PTE_P | PTE_RW;
		for (j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i << 30 | (uint64_t)j << 21) |
				PTE_P | PTE_RW | PTE_PS;
	}
	dvcpu_get_sregs(vcpu, &s);
	sregs_flat(&s, true);
	s.idt.base = GUEST_IDT;
	s.idt.limit = GUEST_IDT_VECTORS * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	s.cr3 = GUEST_PT64;
	s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s.efer = EFER_LME | EFER_LMA;
	dvcpu_set_sregs(vcpu, &s);
	dvcpu_set_regs(vcpu, &r);
}

uint32_t dvcpu_run(struct dvcpu *vcpu)
{
	int r = ioctl(vcpu->fd, DOMINO_RUN, 0);

	TEST_ASSERT(r == 0, "DOMINO_RUN");
	return vcpu->run->exit_reason;
}

const char *exit_reason_str(uint32_t reason)
{
	static const char *const names[] = {
		[DOMINO_EXIT_NONE] = "NONE", [DOMINO_EXIT_IO] = "IO",
		[DOMINO_EXIT_MMIO] = "MMIO", [DOMINO_EXIT_HLT] = "HLT",
		[DOMINO_EXIT_SHUTDOWN] = "SHUTDOWN",
		[DOMINO_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[DOMINO_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[DOMINO_EXIT_MSR] = "MSR",
		[DOMINO_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
		[DOMINO_EXIT_IRQ_WINDOW] = "IRQ_WINDOW",
		[DOMINO_EXIT_XEN_SHUTDOWN] = "XEN_SHUTDOWN",
		[DOMINO_EXIT_XEN_CONSOLE] = "XEN_CONSOLE",
	};

	return reason < ARRAY_SIZE(names) && names[reason] ? names[reason] : "?";
}

static const char *guest_str(struct dvm *vm, const char *gva)
{
	uint64_t a = (uintptr_t)gva;

	return a && a < vm->mem_size ? (const char *)vm->mem + a : "?";
}

uint64_t dvcpu_get_ucall(struct dvcpu *vcpu, struct ucall *uc)
{
	struct domino_run *run = vcpu->run;
	struct domino_regs r;

	if (run->exit_reason != DOMINO_EXIT_IO || run->io.port != UCALL_PORT)
		return UCALL_NONE;
	dvcpu_get_regs(vcpu, &r);
	TEST_ASSERT(r.rdi + sizeof(*uc) <= vcpu->vm->mem_size,
		    "ucall pointer %#llx", (unsigned long long)r.rdi);
	memcpy(uc, vcpu->vm->mem + r.rdi, sizeof(*uc));
	return uc->cmd;
}

uint64_t dvcpu_run_ucall(struct dvcpu *vcpu, struct ucall *uc)
{
	uint32_t reason = dvcpu_run(vcpu);
	uint64_t cmd = dvcpu_get_ucall(vcpu, uc);

	if (cmd == UCALL_NONE) {
		struct domino_run *run = vcpu->run;

		printf("# unexpected exit %s (%u) at rip %#llx; hw %#llx/%#llx; internal %u [%#llx %#llx %#llx %#llx]\n",
		       exit_reason_str(reason), reason,
		       (unsigned long long)run->rip,
		       (unsigned long long)run->hw.hardware_reason,
		       (unsigned long long)run->hw.qualification,
		       run->internal.suberror,
		       (unsigned long long)run->internal.data[0],
		       (unsigned long long)run->internal.data[1],
		       (unsigned long long)run->internal.data[2],
		       (unsigned long long)run->internal.data[3]);
		TEST_ASSERT(false, "guest did not ucall");
	}
	if (cmd == UCALL_ASSERT)
		printf("# guest assertion '%s' failed at %s:%llu\n",
		       guest_str(vcpu->vm, uc->msg), guest_str(vcpu->vm, uc->file),
		       (unsigned long long)uc->line);
	if (cmd == UCALL_EXCEPTION)
		printf("# guest exception %llu (error %#llx) at rip %#llx\n",
		       (unsigned long long)uc->args[0],
		       (unsigned long long)uc->args[1],
		       (unsigned long long)uc->args[2]);
	return cmd;
}

/* Guest side. */

void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3)
{
	struct ucall uc = { .cmd = cmd, .args = { a0, a1, a2, a3 } };

	__asm__ volatile("outl %%eax, %%dx" : : "a"(0), "d"(UCALL_PORT),
			 "D"(&uc) : "memory");
}

void guest_assert_fail(const char *file, int line, const char *msg)
{
	struct ucall uc = { .cmd = UCALL_ASSERT, .file = file, .line = line,
			    .msg = msg };

	for (;;)
		__asm__ volatile("outl %%eax, %%dx" : : "a"(0), "d"(UCALL_PORT),
				 "D"(&uc) : "memory");
}

/* Called by the exception stubs with the vector, error code and RIP. */
void guest_exception(uint64_t vector, uint64_t error, uint64_t rip);
void guest_exception(uint64_t vector, uint64_t error, uint64_t rip)
{
	for (;;)
		guest_ucall(UCALL_EXCEPTION, vector, error, rip, 0);
}

void *dvm_add_uffd_slot(struct dvm *vm, int uffd, uint32_t slot, uint64_t gpa, size_t size)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct domino_memory_region region = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
	};
	int mfd = memfd_create("stall", MFD_CLOEXEC);
	void *mem;

	TEST_ASSERT(mfd >= 0 && ftruncate(mfd, size) == 0, "memfd");
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	close(mfd);
	reg.range.start = (uintptr_t)mem;
	reg.range.len = size;
	TEST_ASSERT(ioctl(uffd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s",
		    strerror(errno));
	region.userspace_addr = (uintptr_t)mem;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &region) == 0, "slot");
	return mem;
}
