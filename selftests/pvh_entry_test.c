// SPDX-License-Identifier: GPL-2.0
/*
 * An unmodified Linux kernel (the lab's own vmlinuz) loaded as a PVH
 * domain: the loader places it, the vCPU starts at its XEN_ELFNOTE_PHYS32
 * entry in flat 32-bit mode with EBX = hvm_start_info, and the kernel runs
 * its early boot far enough to print its banner on the early serial console
 * (port I/O to a minimal 16550 served here). Booting to init needs the
 * in-kernel APIC and timers (issue 5); this checks the entry path only.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "pvh_loader.h"

#define RAM_SIZE	(256ULL << 20)
#define BOOT_INFO	0x6000ULL
#define COM1		0x3f8
#define LSR_THRE_TEMT	0x60	/* transmitter empty: always ready */
#define MAX_SECONDS	120

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	TEST_ASSERT(fstat(fd, &st) == 0 && st.st_size > 0, "stat %s", path);
	buf = malloc(st.st_size);
	TEST_ASSERT(buf && read(fd, buf, st.st_size) == st.st_size, "read %s", path);
	close(fd);
	*len = st.st_size;
	return buf;
}

/* Serve the guest's port I/O: COM1 output is kept, everything else inert. */
static void serve_io(struct dvcpu *vcpu, char *out, size_t *n, size_t max)
{
	struct domino_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t bytes = run->io.size * run->io.count;

	if (run->io.direction == DOMINO_IO_OUT) {
		if (run->io.port == COM1)
			for (uint32_t i = 0; i < bytes && *n + 1 < max; i++)
				out[(*n)++] = data[i];
		return;
	}
	memset(data, 0xff, bytes);
	if (run->io.port == COM1 + 5)
		memset(data, LSR_THRE_TEMT, bytes);
}

int main(void)
{
	const char *path = getenv("DOMINO_GUEST_KERNEL") ?: "/domino/vmlinuz";
	struct pvh_layout layout = {
		.low = { 0xa0000, 0x60000 },
		.boot_info_paddr = BOOT_INFO, .boot_info_size = 0x1000,
	};
	static char console[65536];
	struct domino_regs regs;
	struct pvh_boot boot;
	struct dvcpu *vcpu;
	struct dvm *vm;
	uint8_t *img, *elf;
	size_t img_len, elf_len, n = 0;
	unsigned long exits = 0;
	uint32_t reason = 0;
	char err[256];
	time_t t0;
	int r;

	ktap_print_header();
	img = read_file(path, &img_len);
	if (!img)
		ktap_exit_missing("no kernel image at %s (set DOMINO_GUEST_KERNEL)", path);
	vm = dvm_create_sized(0, RAM_SIZE, false);
	vcpu = dvcpu_add(vm, 0);
	ktap_set_plan(4);

	r = pvh_image_to_elf(img, img_len, &elf, &elf_len, err, sizeof(err));
	if (!r)
		r = pvh_load(vm->mem, vm->mem_size, elf, elf_len, NULL, 0,
			     "console=ttyS0 earlyprintk=serial,ttyS0,115200 loglevel=7",
			     &layout, &boot, err, sizeof(err));
	ktap_test_result(!r, "PVH loader placed %s (entry %#llx, start_info %#llx)%s%s",
			 path, (unsigned long long)boot.entry,
			 (unsigned long long)boot.start_info_paddr, r ? ": " : "",
			 r ? err : "");
	TEST_ASSERT(!r, "load");

	/* Xen's PVH ABI: 32-bit flat protected mode, paging off, EBX. */
	dvcpu_setup_prot32(vcpu, boot.entry, false);
	dvcpu_get_regs(vcpu, &regs);
	regs.rbx = boot.start_info_paddr;
	dvcpu_set_regs(vcpu, &regs);

	t0 = time(NULL);
	/* Run until the banner line is complete, or the time is up. */
	while (!(strstr(console, "Linux version") &&
		 strchr(strstr(console, "Linux version"), '\n')) &&
	       time(NULL) - t0 < MAX_SECONDS) {
		reason = dvcpu_run(vcpu);
		exits++;
		if (reason == DOMINO_EXIT_IO)
			serve_io(vcpu, console, &n, sizeof(console));
		else if (reason == DOMINO_EXIT_MMIO && !vcpu->run->mmio.is_write)
			memset(vcpu->run->mmio.data, 0xff, sizeof(vcpu->run->mmio.data));
		else if (reason != DOMINO_EXIT_MMIO)
			break;
	}
	ktap_print_msg("%lu exits to the VMM in %ld s, last %s, rip %#llx",
		       exits, (long)(time(NULL) - t0), exit_reason_str(reason),
		       (unsigned long long)vcpu->run->rip);
	ktap_test_result(exits > 1, "the kernel ran from its PVH entry and made exits");
	ktap_test_result(n > 0, "it wrote to the early serial console (%zu bytes)", n);
	{
		char *banner = strstr(console, "Linux version");

		if (banner) {
			char *eol = strchr(banner, '\n');

			if (eol)
				*eol = '\0';
			ktap_print_msg("%s", banner);
		} else {
			ktap_print_msg("console tail: %s", n > 200 ? console + n - 200 : console);
		}
		ktap_test_result(banner != NULL, "its banner reached the console: Linux is running");
	}
	free(elf);
	free(img);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_finished();
}
