// SPDX-License-Identifier: GPL-2.0
/*
 * What a domain can reach: only its own regions (probed at the edges and
 * across the holes of the whole 4 GiB it maps), nothing of another
 * domain's memory or registers, nothing left behind by a destroyed
 * domain in the pages and registers a new one gets; its fds are no use to
 * another process, even one given them by SCM_RIGHTS; and its limits
 * (max_vcpus, max_memory) hold.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"

#define SECRET		0x5ec2e75ec2e75ec2ULL
#define SLOT_GPA	0x4000000ULL	/* 64 MiB: a 2-page region, holes around */
#define PROBE_STEP	0x200000ULL	/* every 2 MiB of the identity map */

/* Read one qword per 2 MiB of the low 4 GiB, and the edges of each region. */
static void guest_probe(void)
{
	static const uint64_t edges[] = {
		GUEST_MEM_SIZE - 8, GUEST_MEM_SIZE, SLOT_GPA - 8, SLOT_GPA,
		SLOT_GPA + 0x2000 - 8, SLOT_GPA + 0x2000,
	};
	uint64_t gpa, i;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		GUEST_SYNC2(edges[i], *(volatile uint64_t *)edges[i]);
	for (gpa = PROBE_STEP; gpa < (4ULL << 30); gpa += PROBE_STEP)
		GUEST_SYNC2(gpa, *(volatile uint64_t *)gpa);
	GUEST_DONE();
}

/* Fill the registers with the secret, leave it in the run area, spin. */
static void guest_leave_secret(void)
{
	static uint64_t buf[32];
	uint64_t i, n = sizeof(buf);

	for (i = 0; i < 32; i++)
		buf[i] = SECRET;
	__asm__ volatile("movq %0, %%xmm0\n"
			 "pshufd $0x44, %%xmm0, %%xmm0\n"
			 "movdqa %%xmm0, %%xmm1; movdqa %%xmm0, %%xmm2; movdqa %%xmm0, %%xmm3\n"
			 "movdqa %%xmm0, %%xmm4; movdqa %%xmm0, %%xmm5; movdqa %%xmm0, %%xmm6\n"
			 "movdqa %%xmm0, %%xmm7; movdqa %%xmm0, %%xmm8; movdqa %%xmm0, %%xmm9\n"
			 "movdqa %%xmm0, %%xmm10; movdqa %%xmm0, %%xmm11; movdqa %%xmm0, %%xmm12\n"
			 "movdqa %%xmm0, %%xmm13; movdqa %%xmm0, %%xmm14; movdqa %%xmm0, %%xmm15\n"
			 "mov %0, %%r8; mov %0, %%r9; mov %0, %%r10; mov %0, %%r11\n"
			 "mov %0, %%r12; mov %0, %%r13; mov %0, %%r14; mov %0, %%r15\n"
			 "mov %0, %%rbx; mov %0, %%rbp\n"
			 "rep outsb\n"
			 "1: pause; jmp 1b"
			 : : "r"(SECRET), "S"(buf), "c"(n), "d"(0x510)
			 : "memory");
}

/* Report what the vector registers hold before anything set them. */
static void guest_show_regs(void)
{
	uint64_t x[16];

	__asm__ volatile("movq %%xmm0, %0; movq %%xmm1, %1; movq %%xmm2, %2; movq %%xmm3, %3\n"
			 "movq %%xmm4, %4; movq %%xmm5, %5; movq %%xmm6, %6; movq %%xmm7, %7"
			 : "=m"(x[0]), "=m"(x[1]), "=m"(x[2]), "=m"(x[3]),
			   "=m"(x[4]), "=m"(x[5]), "=m"(x[6]), "=m"(x[7]));
	__asm__ volatile("movq %%xmm8, %0; movq %%xmm9, %1; movq %%xmm10, %2; movq %%xmm11, %3\n"
			 "movq %%xmm12, %4; movq %%xmm13, %5; movq %%xmm14, %6; movq %%xmm15, %7"
			 : "=m"(x[8]), "=m"(x[9]), "=m"(x[10]), "=m"(x[11]),
			   "=m"(x[12]), "=m"(x[13]), "=m"(x[14]), "=m"(x[15]));
	for (int i = 0; i < 16; i++)
		GUEST_SYNC2(i, x[i]);
	GUEST_DONE();
}

static bool holds_secret(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 8 <= len; i++)
		if (*(const uint64_t *)(b + i) == SECRET)
			return true;
	return false;
}

/* Probes: RAM and the slot read their own bytes, everything else exits. */
static void test_edges_and_holes(void)
{
	struct domino_memory_region r = {
		.slot = 1, .guest_phys_addr = SLOT_GPA, .memory_size = 0x2000,
	};
	struct dvm *vm = dvm_create(0), *other = dvm_create(0);
	struct dvcpu *vcpu = dvcpu_add(vm, 0);
	uint64_t *slot, *ram = (uint64_t *)vm->mem, i, probes = 0, wrong = 0;
	uint64_t mmio_read = 0xfeedfacecafe0000ULL;
	struct ucall uc;
	bool edges_ok = true;

	slot = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(slot != MAP_FAILED, "mmap");
	for (i = 0; i < 0x2000 / 8; i++)
		slot[i] = 0x51070000 + i;
	r.userspace_addr = (uintptr_t)slot;
	TEST_ASSERT(ioctl(vm->dom, DOMINO_SET_MEMORY_REGION, &r) == 0, "slot");
	/* The other domain's memory holds the secret at every probe point. */
	for (i = 0; i < GUEST_MEM_SIZE; i += PROBE_STEP)
		*(uint64_t *)(other->mem + i) = SECRET;
	ram[(GUEST_MEM_SIZE - 8) / 8] = 0xa11ceeed;	/* past the test binary */
	dvcpu_setup_long64(vcpu, guest_probe);

	for (;;) {
		uint32_t reason = dvcpu_run(vcpu);
		uint64_t gpa, val, want;
		bool in_ram, in_slot;

		if (reason == DOMINO_EXIT_MMIO && !vcpu->run->mmio.is_write) {
			/* no memory there: the VMM answers, as for a device */
			memcpy(vcpu->run->mmio.data, &mmio_read, 8);
			mmio_read++;
			continue;
		}
		if (dvcpu_get_ucall(vcpu, &uc) == UCALL_DONE)
			break;
		TEST_ASSERT(uc.cmd == UCALL_SYNC, "guest exit %s",
			    exit_reason_str(vcpu->run->exit_reason));
		gpa = uc.args[0];
		val = uc.args[1];
		in_ram = gpa + 8 <= GUEST_MEM_SIZE;
		in_slot = gpa >= SLOT_GPA && gpa + 8 <= SLOT_GPA + 0x2000;
		want = in_ram ? ram[gpa / 8] : in_slot ? slot[(gpa - SLOT_GPA) / 8] : 0;
		probes++;
		if ((in_ram || in_slot) ? val != want : (val >> 16) != 0xfeedfacecafeULL) {
			if (wrong++ < 5)
				printf("# probe %#llx read %#llx\n", (unsigned long long)gpa,
				       (unsigned long long)val);
			if (probes <= 6)
				edges_ok = false;
		}
	}
	ktap_test_result(edges_ok, "region edges: the last qword of RAM and of the slot read "
			 "their own bytes, the first qword past each is the VMM's MMIO");
	ktap_test_result(probes > 2000 && wrong == 0,
			 "%llu probes across 4 GiB: only its RAM and slot hold memory, the "
			 "rest exits to the VMM, never another domain's bytes (%llu wrong)",
			 (unsigned long long)probes, (unsigned long long)wrong);
	dvcpu_free(vcpu);
	dvm_free(vm);
	dvm_free(other);
	munmap(slot, 0x2000);
}

/* A destroyed domain's registers and run area do not reach the next one. */
static void test_scrubbed(void)
{
	struct domino_xsave *xs = calloc(1, sizeof(*xs));
	bool regs_clean = true, xsave_clean = true, run_clean = true;
	struct domino_regs regs;
	struct ucall uc;
	int round;

	TEST_ASSERT(xs, "calloc");
	pin_to_cpu(0);
	for (round = 0; round < 4; round++) {
		struct dvm *vm = dvm_create(0);
		struct dvcpu *vcpu = dvcpu_add(vm, 0);

		dvcpu_setup_long64(vcpu, guest_leave_secret);
		TEST_ASSERT(dvcpu_run(vcpu) == DOMINO_EXIT_IO, "secret out");
		TEST_ASSERT(holds_secret(vcpu->run, DOMINO_RUN_AREA_SIZE), "secret in run area");
		dvcpu_free(vcpu);
		dvm_free(vm);

		vm = dvm_create(0);
		vcpu = dvcpu_add(vm, 0);
		if (holds_secret(vcpu->run, DOMINO_RUN_AREA_SIZE))
			run_clean = false;
		dvcpu_get_regs(vcpu, &regs);
		if (holds_secret(&regs, sizeof(regs)))
			regs_clean = false;
		TEST_ASSERT(ioctl(vcpu->fd, DOMINO_GET_XSAVE, xs) == 0, "GET_XSAVE");
		if (holds_secret(xs, sizeof(*xs)))
			xsave_clean = false;
		dvcpu_setup_long64(vcpu, guest_show_regs);
		while (dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC)
			if (uc.args[1] == SECRET)
				regs_clean = false;
		dvcpu_free(vcpu);
		dvm_free(vm);
	}
	ktap_test_result(run_clean, "a new vCPU's run area holds nothing of a destroyed one's");
	ktap_test_result(regs_clean && xsave_clean,
			 "nor do its registers: GET_REGS, GET_XSAVE and the guest's own "
			 "XMM reads (4 rounds on one CPU)");
	free(xs);
}

static int send_fds(int sock, int a, int b)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fds[2] = { a, b };

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The receiving process: report how many calls got anything but a refusal. */
static int receiver(int sock)
{
	char cbuf[CMSG_SPACE(2 * sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct domino_memory_region r = { .slot = 5, .memory_size = 4096,
					  .userspace_addr = 0x10000, .guest_phys_addr = 0x8000000 };
	struct domino_create_vcpu cv = { .vcpu_id = 1 };
	struct domino_regs regs;
	struct cmsghdr *c;
	int fds[2], got = 0;

	if (recvmsg(sock, &msg, 0) != 1 || !(c = CMSG_FIRSTHDR(&msg)))
		return 100;
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	got += !(ioctl(fds[0], DOMINO_RUN, 0) < 0 && errno == EIO);
	got += !(ioctl(fds[0], DOMINO_GET_REGS, &regs) < 0 && errno == EIO);
	got += !(ioctl(fds[0], DOMINO_SET_REGS, &regs) < 0 && errno == EIO);
	got += mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0) != MAP_FAILED;
	got += !(ioctl(fds[1], DOMINO_SET_MEMORY_REGION, &r) < 0 && errno == EIO);
	got += !(ioctl(fds[1], DOMINO_CREATE_VCPU, &cv) < 0 && errno == EIO);
	close(fds[0]);
	close(fds[1]);
	return got;
}

static void test_passed_fds(void)
{
	struct dvcpu *vcpu;
	struct dvm *vm;
	struct ucall uc;
	int sv[2], status;
	pid_t pid;

	/* Forked first: its address space never had the domain's memory. */
	TEST_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		close(sv[0]);
		_exit(receiver(sv[1]));
	}
	close(sv[1]);
	vm = dvm_create(0);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_show_regs);
	TEST_ASSERT(send_fds(sv[0], vcpu->fd, vm->dom) == 0, "sendmsg");
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	ktap_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "vCPU and domain fds passed by SCM_RIGHTS: run, registers, run-area "
			 "mmap, memory and vCPU creation all refused to the other process (%d got through)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	ktap_test_result(dvcpu_run_ucall(vcpu, &uc) == UCALL_SYNC,
			 "and the domain still runs for its own VMM after the other closed them");
	close(sv[0]);
	dvcpu_free(vcpu);
	dvm_free(vm);
}

static void test_limits(void)
{
	struct domino_create_domain a = { .max_vcpus = 2,
					  .max_memory = GUEST_MEM_SIZE + 0x3000 };
	struct domino_memory_region r = { .slot = 0, .memory_size = GUEST_MEM_SIZE };
	struct domino_create_vcpu cv = { 0 };
	struct domino_domain_info info;
	int dev = domino_open_dev(), dom, v0, v1;
	uint8_t *mem;
	bool ok;

	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN,
					  &(struct domino_create_domain){ .max_memory = 4095 }, EINVAL) &&
			 ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN,
					  &(struct domino_create_domain){ .max_vcpus = DOMINO_MAX_VCPUS + 1 },
					  EINVAL),
			 "limits malformed (max_memory not page-sized, max_vcpus over %d) -> EINVAL",
			 DOMINO_MAX_VCPUS);
	dom = domino_domain_create_raw(dev, &a);
	TEST_ASSERT(dom >= 0, "CREATE_DOMAIN with limits");
	mem = mmap(NULL, GUEST_MEM_SIZE + 0x8000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap");

	cv.vcpu_id = 0;
	v0 = ioctl(dom, DOMINO_CREATE_VCPU, &cv);
	cv.vcpu_id = 1;
	v1 = ioctl(dom, DOMINO_CREATE_VCPU, &cv);
	cv.vcpu_id = 2;
	ktap_test_result(v0 >= 0 && v1 >= 0 && ioctl_fails_with(dom, DOMINO_CREATE_VCPU, &cv, EINVAL),
			 "max_vcpus=2: vCPUs 0 and 1 created, vCPU 2 -> EINVAL");

	r.userspace_addr = (uintptr_t)mem;
	ok = ioctl(dom, DOMINO_SET_MEMORY_REGION, &r) == 0;
	r = (struct domino_memory_region){ .slot = 1, .guest_phys_addr = 0x8000000,
		.memory_size = 0x3000, .userspace_addr = (uintptr_t)mem + GUEST_MEM_SIZE };
	ok = ok && ioctl(dom, DOMINO_SET_MEMORY_REGION, &r) == 0;
	r.slot = 2;
	r.guest_phys_addr = 0x9000000;
	r.memory_size = 0x1000;
	ok = ok && ioctl_fails_with(dom, DOMINO_SET_MEMORY_REGION, &r, ENOSPC);
	/* shrinking slot 1 makes room; growing it back past the limit does not */
	r.slot = 1;
	r.guest_phys_addr = 0x8000000;
	r.memory_size = 0x1000;
	ok = ok && ioctl(dom, DOMINO_SET_MEMORY_REGION, &r) == 0;
	r.slot = 2;
	r.guest_phys_addr = 0x9000000;
	r.memory_size = 0x2000;
	ok = ok && ioctl(dom, DOMINO_SET_MEMORY_REGION, &r) == 0;
	r.slot = 1;
	r.guest_phys_addr = 0x8000000;
	r.memory_size = 0x2000;
	ok = ok && ioctl_fails_with(dom, DOMINO_SET_MEMORY_REGION, &r, ENOSPC);
	ktap_test_result(ok, "max_memory=32 MiB + 12 KiB holds over all slots: ENOSPC past it, "
			 "room again after a slot shrinks");
	ok = ioctl(dom, DOMINO_DOMAIN_GET_INFO, &info) == 0;
	ktap_test_result(ok && info.max_vcpus == 2 && info.max_memory == a.max_memory &&
			 info.memory == GUEST_MEM_SIZE + 0x3000,
			 "GET_INFO reports the limits and the %llu bytes mapped",
			 (unsigned long long)info.memory);
	close(v0);
	close(v1);
	close(dom);
	close(dev);
	munmap(mem, GUEST_MEM_SIZE + 0x8000);
}

int main(void)
{
	long long objs, pages;

	ktap_print_header();
	ktap_set_plan(11);
	close(domino_open_dev());
	objs = domino_sysfs_num("alloc_objects");
	pages = domino_sysfs_num("alloc_pages");
	test_edges_and_holes();
	test_scrubbed();
	test_passed_fds();
	test_limits();
	ktap_test_result(domino_counters_back(objs, pages),
			 "nothing left: 0 domains, objects and pages back to %lld/%lld", objs, pages);
	ktap_finished();
}
