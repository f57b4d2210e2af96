/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-domain VMM: one struct vm is one running domain on /dev/domino,
 * its vCPU threads and its device models. It lives inside the domain's
 * daemon (userspace/vmm/daemon.c), which owns the control socket and the
 * console log; the `domino` commands talk to that daemon.
 *
 * Threads: one per vCPU, one for a Xen guest's PV console, plus the
 * daemon's own. Callbacks come from vCPU threads and the console's; they
 * must not call back into vm_*() except vm_console_in().
 */
#ifndef DOMINO_VMM_VM_H
#define DOMINO_VMM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domcfg.h"

struct vm;

/* Why the guest stopped running on its own (xl's shutdown reasons). */
enum vm_stop_reason {
	VM_STOP_NONE,
	VM_STOP_POWEROFF,	/* ACPI S5 */
	VM_STOP_REBOOT,		/* reset register, keyboard controller, CF9 */
	VM_STOP_CRASH,		/* triple fault, pvpanic, a vCPU the VMM cannot run */
};

struct vm_callbacks {
	/*
	 * Bytes the guest wrote to its console: ttyS0, and on Xen's path
	 * hvc0 (the PV console) and console_io, all in one stream.
	 */
	void (*console_out)(void *opaque, const uint8_t *buf, size_t len);
	/*
	 * The guest stopped: every vCPU has left the guest and will not run
	 * again. @detail is a short human-readable reason ("triple fault on
	 * vCPU 1"). Called once per vm, from a vCPU thread.
	 */
	void (*stopped)(void *opaque, enum vm_stop_reason why,
			const char *detail);
};

/*
 * Create the domain described by @cfg (type must be PVH): memory, kernel,
 * initrd, ACPI tables, devices and vCPUs, all ready but not running.
 * Returns NULL with a one-line reason in @err.
 */
struct vm *vm_create(const struct domcfg *cfg, const struct vm_callbacks *cb,
		     void *opaque, char *err, size_t errlen);
/* Start the vCPU threads. 0 or -errno. */
int vm_start(struct vm *vm);
/* Stop every vCPU at its next exit and keep it stopped / let it go on. */
int vm_pause(struct vm *vm);
int vm_unpause(struct vm *vm);
bool vm_paused(const struct vm *vm);
/* Press the ACPI power button (what `xl shutdown` does to a non-PV guest). */
int vm_power_button(struct vm *vm);
/*
 * Ask the guest to power off or reboot: through control/shutdown in
 * XenStore when it has one (xl's way), else the ACPI power button
 * (poweroff only: -EOPNOTSUPP for a reboot).
 */
int vm_request_shutdown(struct vm *vm, bool reboot);
/*
 * The guest's balloon target (memory/target), 1 MiB to maxmem; and how
 * many of its vCPUs should be online (cpu/I/availability), 1 to maxvcpus.
 * -EOPNOTSUPP without XenStore, -EINVAL out of range.
 */
int vm_set_memory_target(struct vm *vm, uint64_t mib);
int vm_set_vcpus_online(struct vm *vm, unsigned int n);
/* A random (version 4) UUID, raw and as 8-4-4-4-12 lower-case text. */
void vm_uuid_random(uint8_t uuid[16], char str[37]);
/* Feed console input to the guest; returns the bytes accepted (may be 0). */
size_t vm_console_in(struct vm *vm, const uint8_t *buf, size_t len);

uint32_t vm_domid(const struct vm *vm);
unsigned int vm_nr_vcpus(const struct vm *vm);
uint64_t vm_memory_mib(const struct vm *vm);
/* CPU time the vCPU threads have used, in nanoseconds. */
uint64_t vm_cpu_time_ns(const struct vm *vm);
/* True when every running vCPU sleeps in HLT (xl's "b"locked state). */
bool vm_blocked(const struct vm *vm);

/* Stop the vCPU threads, close the domain and free everything. */
void vm_destroy(struct vm *vm);

#endif /* DOMINO_VMM_VM_H */
