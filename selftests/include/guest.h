/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest side of Domino's selftest library, in the manner of KVM's
 * selftests: a test creates a domain with memory and vCPUs, puts guest code
 * in it (64-bit guests run C functions of the test binary itself, which is
 * copied into guest memory at its own addresses and identity-mapped;
 * real-mode and 32-bit guests run assembly next to the test), runs the
 * vCPU and decodes its exits. Guests report to the host with ucalls.
 */
#ifndef DOMINO_SELFTEST_GUEST_H
#define DOMINO_SELFTEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/domino.h>

/* Guest-physical layout the library uses (identity-mapped when paged). */
#define GUEST_MEM_SIZE		(32ULL << 20)	/* RAM at GPA 0 */
#define GUEST_GDT		0x1000ULL
#define GUEST_IDT		0x2000ULL
#define GUEST_TSS		0x3000ULL
#define GUEST_LOW_CODE		0x8000ULL	/* real-mode and 32-bit blobs */
#define GUEST_PT64		0x10000ULL	/* PML4, PDPT, 4 PDs */
#define GUEST_PT32		0x20000ULL	/* one 4 MiB-page directory */
#define GUEST_STACK_TOP		0x3f0000ULL
#define GUEST_MMIO_BASE		0xc0000000ULL	/* no RAM here: MMIO exits */

/* IDT entries the library installs: exceptions and vectors 32-63. */
#define GUEST_IDT_VECTORS	64

/* The port guests use to call the host. */
#define UCALL_PORT		0xde0

enum ucall_cmd {
	UCALL_NONE,
	UCALL_SYNC,		/* args[0..]: test-defined */
	UCALL_DONE,
	UCALL_ASSERT,		/* file, line, msg */
	UCALL_EXCEPTION,	/* args: vector, error code, rip (any vector < 64) */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[4];
	const char *file;
	uint64_t line;
	const char *msg;
};

struct dvm {
	int dev;
	int dom;
	uint32_t domid;
	uint8_t *mem;
	size_t mem_size;
};

struct dvcpu {
	struct dvm *vm;
	int fd;
	uint32_t id;
	struct domino_run *run;
};

/* Host side. */
struct dvm *dvm_create(uint32_t flags);
/* Any RAM size; without @load_self the RAM starts empty (foreign guests). */
struct dvm *dvm_create_sized(uint32_t flags, size_t mem_size, bool load_self);
/* The same with the domain's max_memory (0: no limit). */
struct dvm *dvm_create_max(uint32_t flags, size_t mem_size, uint64_t max_memory,
			   bool load_self);
/* From the whole CREATE_DOMAIN argument (which is not changed). */
struct dvm *dvm_create_args(const struct domino_create_domain *args, size_t mem_size,
			    bool load_self);
/*
 * Slot @slot: @size bytes at @gpa, a private memfd mapping registered with
 * userfaultfd @uffd for missing pages, so that whoever touches a page there
 * first waits until the test serves it (or forever). Returns the mapping.
 */
void *dvm_add_uffd_slot(struct dvm *vm, int uffd, uint32_t slot, uint64_t gpa, size_t size);
void dvm_free(struct dvm *vm);
void *dvm_gpa(struct dvm *vm, uint64_t gpa);
void dvm_load(struct dvm *vm, uint64_t gpa, const void *start, const void *end);
struct dvcpu *dvcpu_add(struct dvm *vm, uint32_t id);
void dvcpu_free(struct dvcpu *vcpu);

void dvcpu_setup_real(struct dvcpu *vcpu, uint64_t entry);
void dvcpu_setup_prot32(struct dvcpu *vcpu, uint64_t entry, bool paging);
/* A flat 4 GiB code (type 0xb) or data (3) segment at @dpl, present. */
void guest_seg_flat(struct domino_segment *s, uint16_t sel, uint8_t type,
		    bool code64, bool db, uint8_t dpl);
/* Long mode, identity-mapped low 4 GiB, IDT reporting exceptions. */
void dvcpu_setup_long64(struct dvcpu *vcpu, void (*guest_code)(void));

uint32_t dvcpu_run(struct dvcpu *vcpu);
void dvcpu_get_regs(struct dvcpu *vcpu, struct domino_regs *regs);
void dvcpu_set_regs(struct dvcpu *vcpu, const struct domino_regs *regs);
void dvcpu_get_sregs(struct dvcpu *vcpu, struct domino_sregs *sregs);
void dvcpu_set_sregs(struct dvcpu *vcpu, const struct domino_sregs *sregs);
const char *exit_reason_str(uint32_t reason);

/*
 * Run until the guest's next ucall and return it (copied out). Any other
 * exit fails the test, as does a guest assertion unless the caller takes
 * UCALL_ASSERT itself.
 */
uint64_t dvcpu_run_ucall(struct dvcpu *vcpu, struct ucall *uc);
/* If the current exit is a ucall, copy it and return its cmd, else 0. */
uint64_t dvcpu_get_ucall(struct dvcpu *vcpu, struct ucall *uc);

/* Guest side: C code that runs in the 64-bit guest. */
void guest_ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3);
void guest_assert_fail(const char *file, int line, const char *msg);

#define GUEST_SYNC(a)		guest_ucall(UCALL_SYNC, (a), 0, 0, 0)
#define GUEST_SYNC2(a, b)	guest_ucall(UCALL_SYNC, (a), (b), 0, 0)
#define GUEST_DONE()		guest_ucall(UCALL_DONE, 0, 0, 0, 0)
#define GUEST_ASSERT(c) do {						\
	if (!(c))							\
		guest_assert_fail(__FILE__, __LINE__, #c);		\
} while (0)

static inline void guest_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t guest_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void guest_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline void guest_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a,
			       uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

#endif /* DOMINO_SELFTEST_GUEST_H */
