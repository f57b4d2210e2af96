/* SPDX-License-Identifier: GPL-2.0 */
/* What vm.c and vm_boot.c share about a struct vm; nobody else looks inside. */
#ifndef DOMINO_VMM_VM_PRIV_H
#define DOMINO_VMM_VM_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <linux/domino.h>

#include "vm.h"
#include "xencons.h"

/*
 * The guest-physical map of a PVH machine (docs/architecture.md):
 *   [0, 0xa0000)            RAM (Linux's real-mode trampoline lives here)
 *   [0xa0000, 1 MiB)        reserved: boot information, ACPI tables
 *   [1 MiB, low_end)        RAM: kernel, initrd, the rest
 *   [low_end - 4 KiB, low_end)  on Xen's path: the PV console's ring
 *                           page, guest memory the memory map reserves
 *   [low_end - 8 KiB, -4 KiB)   on Xen's path with xenstore: its ring
 *   [3 GiB, 4 GiB)          MMIO hole: I/O APIC, local APICs
 *   [4 GiB, ...)            RAM beyond what fits below the hole
 */
#define VM_LOW_RESERVED		0xa0000ULL
#define VM_LOW_RESERVED_SIZE	0x60000ULL
#define VM_BOOT_INFO_GPA	0xa0000ULL
#define VM_BOOT_INFO_SIZE	0x10000ULL
#define VM_ACPI_GPA		0xe0000ULL
#define VM_ACPI_SIZE		0x20000ULL
#define VM_HOLE_START		0xc0000000ULL
#define VM_HIGH_START		0x100000000ULL
#define VM_PAGE_SIZE		4096ULL

/* Legacy ports of the platform (see platform.h and the ACPI tables). */
#define VM_COM1_PORT		0x3f8
#define VM_COM1_IRQ		4
#define VM_PM1A_EVT_PORT	0x600
#define VM_PM1A_CNT_PORT	0x604
#define VM_RESET_PORT		0x608
#define VM_RESET_VALUE		0x01
#define VM_PVPANIC_PORT		0x505
#define VM_SCI_IRQ		9

struct vm_vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct domino_run *run;
	pthread_t thread;
	bool started;
	clockid_t clock;
	_Atomic uint64_t cpu_ns_at_exit;	/* CPU time once the thread ended */
	_Atomic bool exited;
};

struct vm {
	const struct vm_callbacks *cb;
	void *opaque;
	int dev, dom;
	uint32_t domid;
	uint64_t mem_bytes;
	uint8_t *ram;			/* GPA 0 .. low_bytes, then the high part */
	uint64_t low_bytes, high_bytes;

	unsigned int nr_vcpus;
	struct vm_vcpu *vcpus;

	struct uart16550 *uart;
	struct platform *platform;
	bool xen;			/* DOMINO_DOMAIN_XEN: the guest sees Xen */
	struct xencons *xencons;	/* Xen's PV console (hvc0), or NULL */
	uint64_t xencons_gpa;
	struct xenstore_dom *xs;	/* its XenStore entries, or NULL */
	uint64_t xenstore_gpa;		/* the store ring, when xs */
	char uuid[37];
	uint64_t max_mib;		/* xl's maxmem */
	char xs_absent[320];		/* why xs is NULL on Xen's path */

	pthread_mutex_t lock;		/* paused, stop state */
	pthread_cond_t cond;
	bool paused;
	_Atomic bool stopping;
	_Atomic int running_threads;
	enum vm_stop_reason stop_reason;
	char stop_detail[128];
	bool stop_report;		/* call cb->stopped when the last thread ends */
};

/* vm_boot.c: guest memory, the kernel image and the boot vCPU's state. */
int vm_boot_memory(struct vm *vm, char *err, size_t errlen);
int vm_boot_load(struct vm *vm, const struct domcfg *cfg, char *err,
		 size_t errlen);

/* vm_xenstore.c: the store ring, its port and grant, the domain's paths. */
int vm_xenstore_setup(struct vm *vm, const struct domcfg *cfg, char *err, size_t errlen);

#endif /* DOMINO_VMM_VM_PRIV_H */
