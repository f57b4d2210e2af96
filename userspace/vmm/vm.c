// SPDX-License-Identifier: GPL-2.0
/*
 * The per-domain VMM: creates a DOMINO_DOMAIN_IRQCHIP domain (interrupt
 * controllers, timers and HLT live in the kernel), runs one thread per
 * vCPU, and serves the few exits left to userspace: the legacy ports of
 * the platform (COM1, ACPI PM, reset, pvpanic), a Xen guest's
 * console_io writes, and the guest stopping. A Xen guest's PV console
 * (hvc0) has a thread of its own (xencons.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "libdomino.h"
#include "platform.h"
#include "uart16550.h"
#include "vm_priv.h"
#include "xencons.h"
#include "xenstore_dom.h"

/* The signal that pulls a vCPU thread out of DOMINO_RUN; its handler does nothing. */
#define VM_KICK_SIGNAL	SIGUSR1

/* Below this a stock kernel does not get far; above 3 GiB needs a memory map with high RAM. */
#define VM_MEM_MIN_MIB	32U
#define VM_MEM_MAX_MIB	3072U

static void vm_kick_handler(int sig)
{
	(void)sig;
}

static void vm_set_irq(struct vm *vm, uint32_t gsi, int level)
{
	struct domino_irq_line l = { .gsi = gsi, .level = !!level };

	if (ioctl(vm->dom, DOMINO_IRQ_LINE, &l))
		fprintf(stderr, "domino-vmm: DOMINO_IRQ_LINE %u: %s\n", gsi,
			strerror(errno));
}

/* Make every vCPU thread leave DOMINO_RUN and look at vm->paused/stopping. */
static void vm_kick_all(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vm_vcpu *c = &vm->vcpus[i];

		if (!c->run)
			continue;
		__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (c->started && !atomic_load(&c->exited))
			pthread_kill(c->thread, VM_KICK_SIGNAL);
	}
}

/* The guest stopped itself: record why (first reason wins), stop everyone. */
static void vm_stop(struct vm *vm, enum vm_stop_reason why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vm_stop(struct vm *vm, enum vm_stop_reason why, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->stopping)) {
		pthread_mutex_unlock(&vm->lock);
		return;
	}
	vm->stop_reason = why;
	vm->stop_report = true;
	va_start(ap, fmt);
	vsnprintf(vm->stop_detail, sizeof(vm->stop_detail), fmt, ap);
	va_end(ap);
	atomic_store(&vm->stopping, true);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
}

/* A "[domino] ..." line of the VMM's own among the console output. */
static void vm_console_note(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void vm_console_note(struct vm *vm, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "\r\n[domino] ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 3)
		n = sizeof(buf) - 3;
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	vm->cb->console_out(vm->opaque, (const uint8_t *)buf, n);
}

/* ---- devices ---- */

static void uart_tx(void *opaque, uint8_t byte)
{
	struct vm *vm = opaque;

	vm->cb->console_out(vm->opaque, &byte, 1);
}

static void uart_irq(void *opaque, int level)
{
	vm_set_irq(opaque, VM_COM1_IRQ, level);
}

static const struct uart16550_ops vm_uart_ops = {
	.tx = uart_tx,
	.set_irq = uart_irq,
};

static void platform_sci(void *opaque, int level)
{
	vm_set_irq(opaque, VM_SCI_IRQ, level);
}

static void platform_poweroff(void *opaque)
{
	vm_stop(opaque, VM_STOP_POWEROFF, "ACPI S5 power off");
}

static void platform_reset(void *opaque)
{
	vm_stop(opaque, VM_STOP_REBOOT, "reset requested");
}

static void platform_crash(void *opaque, const char *why)
{
	vm_stop(opaque, VM_STOP_CRASH, "%s", why);
}

static const struct platform_ops vm_platform_ops = {
	.set_sci = platform_sci,
	.poweroff = platform_poweroff,
	.reset = platform_reset,
	.crash = platform_crash,
};

static void xencons_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct vm *vm = opaque;

	vm->cb->console_out(vm->opaque, buf, len);
}

static void xencons_note(void *opaque, const char *msg)
{
	vm_console_note(opaque, "%s", msg);
}

static const struct xencons_ops vm_xencons_ops = {
	.out = xencons_out,
	.note = xencons_note,
};

/* ---- exits ---- */

static void vm_port_io(struct vm *vm, struct domino_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == DOMINO_IO_OUT;
	unsigned int size = run->io.size, i;

	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset + (uint64_t)size * run->io.count > DOMINO_RUN_AREA_SIZE)
		return;
	for (i = 0; i < run->io.count; i++, data += size) {
		uint32_t val = 0xffffffff;
		uint16_t port = run->io.port;

		if (out)
			memcpy(&val, data, size);
		if (port >= VM_COM1_PORT && port < VM_COM1_PORT + 8 && size == 1) {
			if (out)
				uart16550_write(vm->uart, port - VM_COM1_PORT, val);
			else
				val = uart16550_read(vm->uart, port - VM_COM1_PORT);
		} else {
			/* Unclaimed ports float high and drop writes, as on a PC. */
			platform_io(vm->platform, port, out, size, &val);
		}
		if (!out)
			memcpy(data, &val, size);
	}
}

/* HYPERVISOR_console_io(CONSOLEIO_write): into the console log, as the UART's. */
static void vm_xen_console_write(struct vm *vm, struct domino_run *run)
{
	uint64_t off = run->xen_console.data_offset, len = run->xen_console.len;

	if (run->xen_console.dropped)
		vm_console_note(vm, "%llu bytes of the guest's console_io output dropped (over %u bytes/s)",
				(unsigned long long)run->xen_console.dropped,
				DOMINO_XEN_CONSOLE_RATE);
	if (off < sizeof(*run) || len > DOMINO_RUN_AREA_SIZE - off)
		return;
	vm->cb->console_out(vm->opaque, (const uint8_t *)run + off, len);
}

/* Returns false when the vCPU cannot go on. */
static bool vm_handle_exit(struct vm_vcpu *c)
{
	struct domino_run *run = c->run;
	struct vm *vm = c->vm;

	switch (run->exit_reason) {
	case DOMINO_EXIT_IO:
		vm_port_io(vm, run);
		return true;
	case DOMINO_EXIT_MMIO:
		/* Nothing is mapped there: reads see all ones, writes vanish. */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		return true;
	case DOMINO_EXIT_SHUTDOWN:
		vm_stop(vm, VM_STOP_CRASH, "triple fault on vCPU %u at rip 0x%llx",
			c->id, (unsigned long long)run->rip);
		return false;
	case DOMINO_EXIT_FAIL_ENTRY:
		vm_stop(vm, VM_STOP_CRASH, "vCPU %u: entry failed (hardware reason 0x%llx)",
			c->id, (unsigned long long)run->hw.hardware_reason);
		return false;
	case DOMINO_EXIT_INTERNAL_ERROR:
		vm_stop(vm, VM_STOP_CRASH, "vCPU %u: internal error %u (0x%llx 0x%llx)",
			c->id, run->internal.suberror,
			(unsigned long long)run->internal.data[0],
			(unsigned long long)run->internal.data[1]);
		return false;
	case DOMINO_EXIT_MEMORY_FAULT:
		vm_stop(vm, VM_STOP_CRASH, "vCPU %u: access to 0x%llx outside guest memory",
			c->id, (unsigned long long)run->fault.gpa);
		return false;
	case DOMINO_EXIT_XEN_SHUTDOWN:
		/* Xen's SHUTDOWN_* (sched.h): 0 poweroff, 1 reboot, 3 crash, 4 watchdog. */
		switch (run->xen_shutdown.reason) {
		case 0:
			vm_stop(vm, VM_STOP_POWEROFF, "SCHEDOP_shutdown poweroff");
			break;
		case 1:
			vm_stop(vm, VM_STOP_REBOOT, "SCHEDOP_shutdown reboot");
			break;
		default:
			if (run->xen_shutdown.code == DOMINO_XEN_NO_CODE)
				vm_stop(vm, VM_STOP_CRASH, "SCHEDOP_shutdown %s",
					run->xen_shutdown.reason == 4 ? "watchdog" : "crash");
			else
				vm_stop(vm, VM_STOP_CRASH, "SCHEDOP_shutdown %s (code %u)",
					run->xen_shutdown.reason == 4 ? "watchdog" : "crash",
					run->xen_shutdown.code);
			break;
		}
		return false;
	case DOMINO_EXIT_XEN_CONSOLE:
		vm_xen_console_write(vm, run);
		return true;
	case DOMINO_EXIT_HLT:
	case DOMINO_EXIT_IRQ_WINDOW:
		return true;
	default:
		vm_stop(vm, VM_STOP_CRASH, "vCPU %u: unexpected exit %u", c->id,
			run->exit_reason);
		return false;
	}
}

static void vm_vcpu_wait_unpaused(struct vm_vcpu *c)
{
	struct vm *vm = c->vm;

	pthread_mutex_lock(&vm->lock);
	while (vm->paused && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->cond, &vm->lock);
	/* Cleared under the lock: a pause after this kicks again. */
	if (!atomic_load(&vm->stopping))
		__atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->lock);
}

static void *vm_vcpu_thread(void *arg)
{
	struct vm_vcpu *c = arg;
	struct vm *vm = c->vm;
	struct timespec ts;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&vm->stopping)) {
		if (ioctl(c->fd, DOMINO_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN) {
				vm_vcpu_wait_unpaused(c);
				continue;
			}
			vm_stop(vm, VM_STOP_CRASH, "vCPU %u: DOMINO_RUN: %s", c->id,
				strerror(errno));
			break;
		}
		if (!vm_handle_exit(c))
			break;
	}
	if (!clock_gettime(c->clock, &ts))
		atomic_store(&c->cpu_ns_at_exit,
			     ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	atomic_store(&c->exited, true);
	/* The last vCPU out reports why the guest stopped. */
	if (atomic_fetch_sub(&vm->running_threads, 1) == 1 && vm->stop_report)
		vm->cb->stopped(vm->opaque, vm->stop_reason, vm->stop_detail);
	return NULL;
}

/* ---- lifecycle ---- */

static int vm_create_vcpus(struct vm *vm, char *err, size_t errlen)
{
	unsigned int i;

	vm->vcpus = calloc(vm->nr_vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct domino_create_vcpu args = { .vcpu_id = i };
		struct vm_vcpu *c = &vm->vcpus[i];
		void *run;

		c->vm = vm;
		c->id = i;
		c->fd = ioctl(vm->dom, DOMINO_CREATE_VCPU, &args);
		if (c->fd < 0) {
			snprintf(err, errlen, "DOMINO_CREATE_VCPU %u: %s", i,
				 strerror(errno));
			return -errno;
		}
		run = mmap(NULL, DOMINO_RUN_AREA_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, c->fd, 0);
		if (run == MAP_FAILED) {
			snprintf(err, errlen, "mapping vCPU %u's run area: %s", i,
				 strerror(errno));
			return -errno;
		}
		c->run = run;
	}
	return 0;
}

static int vm_create_devices(struct vm *vm, char *err, size_t errlen)
{
	struct platform_config pc = {
		.pm1a_evt_port = VM_PM1A_EVT_PORT,
		.pm1a_cnt_port = VM_PM1A_CNT_PORT,
		.reset_port = VM_RESET_PORT,
		.reset_value = VM_RESET_VALUE,
		.pvpanic_port = VM_PVPANIC_PORT,
		/* A PIC that answers the probe: Linux then masks it and uses the I/O APIC. */
		.pic_present = true,
	};

	vm->uart = uart16550_new(&vm_uart_ops, vm);
	vm->platform = platform_new(&pc, &vm_platform_ops, vm);
	if (!vm->uart || !vm->platform) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Xen's PV console: its page at the top of low RAM, reserved. */
	if (vm->xen) {
		vm->xencons_gpa = vm->low_bytes - VM_PAGE_SIZE;
		vm->xencons = xencons_new(vm->dom, vm->ram + vm->xencons_gpa,
					  vm->xencons_gpa, &vm_xencons_ops, vm,
					  err, errlen);
		if (!vm->xencons)
			return -EIO;
	}
	return 0;
}

struct vm *vm_create(const struct domcfg *cfg, const struct vm_callbacks *cb,
		     void *opaque, char *err, size_t errlen)
{
	struct domino_create_domain args = { .flags = DOMINO_DOMAIN_IRQCHIP };
	struct sigaction sa = { .sa_handler = vm_kick_handler };
	struct vm *vm;

	if (cfg->type != DOMCFG_TYPE_PVH) {
		snprintf(err, errlen, "%s: type \"%s\" is not supported yet (only \"pvh\")",
			 cfg->filename, domcfg_type_name(cfg->type));
		return NULL;
	}
	if (cfg->memory < VM_MEM_MIN_MIB || cfg->memory > VM_MEM_MAX_MIB) {
		snprintf(err, errlen, "%s: memory = %llu: Domino supports %u to %u MiB",
			 cfg->filename, (unsigned long long)cfg->memory,
			 VM_MEM_MIN_MIB, VM_MEM_MAX_MIB);
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	vm->xen = cfg->hypervisor == DOMCFG_HYPERVISOR_XEN;
	if (vm->xen) {
		args.flags |= DOMINO_DOMAIN_XEN |
			      (cfg->evtchn_fifo ? 0 : DOMINO_DOMAIN_XEN_NO_FIFO);
		args.max_grant_frames = cfg->max_grant_frames;
		args.max_maptrack_frames = cfg->max_maptrack_frames;
	}
	vm->cb = cb;
	vm->opaque = opaque;
	vm->dev = -1;
	vm->dom = -1;
	vm->nr_vcpus = cfg->vcpus;
	vm->mem_bytes = cfg->memory << 20;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	/* No SA_RESTART: the kick must make DOMINO_RUN return EINTR. */
	sigaction(VM_KICK_SIGNAL, &sa, NULL);

	/* xl's maxmem and maxvcpus are the domain's limits, as in Xen. */
	args.max_memory = cfg->maxmem << 20;
	args.max_vcpus = cfg->maxvcpus;
	vm->dev = domino_dev_open();
	if (vm->dev < 0) {
		snprintf(err, errlen, "%s: %s%s", domino_device_path(),
			 strerror(-vm->dev),
			 vm->dev == -ENOENT ? " (is domino.ko loaded?)" : "");
		goto fail;
	}
	vm->dom = ioctl(vm->dev, DOMINO_CREATE_DOMAIN, &args);
	if (vm->dom < 0) {
		snprintf(err, errlen, "DOMINO_CREATE_DOMAIN: %s", strerror(errno));
		goto fail;
	}
	vm->domid = args.domid;
	if (vm_boot_memory(vm, err, errlen) ||
	    vm_create_vcpus(vm, err, errlen) ||
	    vm_create_devices(vm, err, errlen) ||
	    (vm->xen && vm_xenstore_setup(vm, cfg, err, errlen)) ||
	    vm_boot_load(vm, cfg, err, errlen))
		goto fail;
	if (vm->xs_absent[0])
		vm_console_note(vm, "%s", vm->xs_absent);
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

int vm_start(struct vm *vm)
{
	unsigned int i;
	sigset_t set, old;
	int r = 0;

	/* Threads start with the kick blocked and unblock it themselves. */
	sigemptyset(&set);
	sigaddset(&set, VM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	/* Serving before the guest can write: its first bytes fill no ring. */
	if (vm->xencons)
		r = xencons_start(vm->xencons);
	for (i = 0; !r && i < vm->nr_vcpus; i++) {
		struct vm_vcpu *c = &vm->vcpus[i];

		atomic_fetch_add(&vm->running_threads, 1);
		r = -pthread_create(&c->thread, NULL, vm_vcpu_thread, c);
		if (r) {
			atomic_fetch_sub(&vm->running_threads, 1);
			break;
		}
		c->started = true;
		if (pthread_getcpuclockid(c->thread, &c->clock))
			c->clock = CLOCK_THREAD_CPUTIME_ID;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		atomic_store(&vm->stopping, true);
		vm_kick_all(vm);
	}
	return r;
}

int vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->paused = true;
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	return 0;
}

int vm_unpause(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->paused = false;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

bool vm_paused(const struct vm *vm)
{
	return vm->paused;
}

int vm_power_button(struct vm *vm)
{
	platform_power_button(vm->platform);
	return 0;
}

/*
 * Input goes where the guest's console is: hvc0 once the guest has
 * written to it (Linux with console=hvc0 does at once), else the UART,
 * which is all there is early in the boot or with console=ttyS0.
 */
size_t vm_console_in(struct vm *vm, const uint8_t *buf, size_t len)
{
	if (vm->xencons && xencons_in_use(vm->xencons))
		return xencons_input(vm->xencons, buf, len);
	return uart16550_receive(vm->uart, buf, len);
}

uint32_t vm_domid(const struct vm *vm)
{
	return vm->domid;
}

unsigned int vm_nr_vcpus(const struct vm *vm)
{
	return vm->nr_vcpus;
}

uint64_t vm_memory_mib(const struct vm *vm)
{
	return vm->mem_bytes >> 20;
}

uint64_t vm_cpu_time_ns(const struct vm *vm)
{
	uint64_t total = 0;
	struct timespec ts;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vm_vcpu *c = &vm->vcpus[i];

		if (!c->started)
			continue;
		if (atomic_load(&c->exited))
			total += atomic_load(&c->cpu_ns_at_exit);
		else if (!clock_gettime(c->clock, &ts))
			total += ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	return total;
}

bool vm_blocked(const struct vm *vm)
{
	/* HLT sleeps in the kernel, which does not report it yet. */
	(void)vm;
	return false;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_lock(&vm->lock);
	atomic_store(&vm->stopping, true);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if (vm->vcpus) {
		unsigned int i;

		vm_kick_all(vm);
		for (i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i].started)
				pthread_join(vm->vcpus[i].thread, NULL);
		for (i = 0; i < vm->nr_vcpus; i++) {
			if (vm->vcpus[i].run)
				munmap(vm->vcpus[i].run, DOMINO_RUN_AREA_SIZE);
			if (vm->vcpus[i].fd >= 0)
				close(vm->vcpus[i].fd);
		}
		free(vm->vcpus);
	}
	/* No vCPU runs: xenstored lets go of the ring before the domain goes. */
	xenstore_dom_release(vm->xs);
	/* The console's last pass gets all there is. */
	xencons_free(vm->xencons);
	if (vm->dom >= 0)
		close(vm->dom);
	if (vm->dev >= 0)
		close(vm->dev);
	if (vm->ram)
		munmap(vm->ram, vm->mem_bytes);
	if (vm->uart)
		uart16550_free(vm->uart);
	if (vm->platform)
		platform_free(vm->platform);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
