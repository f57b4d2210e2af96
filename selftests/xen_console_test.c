// SPDX-License-Identifier: GPL-2.0
/*
 * console_io from a Xen domain: CONSOLEIO_write's bytes reach the VMM
 * (DOMINO_EXIT_XEN_CONSOLE) whole and in order, a long buffer in chunks
 * of DOMINO_XEN_CONSOLE_CHUNK through continuations, and the call then
 * returns 0; a bad buffer is -EFAULT (after the chunks before it), a
 * count of 0 writes nothing; CONSOLEIO_read and unknown commands are
 * -EPERM, as Xen answers a domU. The rate limit: a 1 MiB flood gets its
 * burst and what the rate allows in the time it took, the rest dropped
 * and counted in the next exit; another domain's budget is its own.
 */
#include <time.h>
#include <unistd.h>

#include "domino_util.h"
#include "guest.h"
#include "xen_guest.h"

#define HC_CONSOLE_IO		18
#define CONSOLEIO_write		0
#define CONSOLEIO_read		1
#define XEN_EPERM		1
#define XEN_EFAULT		14

#define LONG_LEN		3000
#define FLOOD_LEN		(1u << 20)
#define FLOOD_GVA		0x100000ULL	/* guest RAM; its contents do not matter */
/* What the domain wrote before its flood: the burst it has left. */
#define SENT_BEFORE		(13 + LONG_LEN + 1024)

static uint8_t long_msg[LONG_LEN];
static char small_buf[64];

static long console(unsigned int cmd, uint64_t count, const void *buf)
{
	return xen_hcall3(HC_CONSOLE_IO, cmd, count, (uintptr_t)buf);
}

static uint8_t pattern(unsigned int i)
{
	return 'A' + i % 26 + (i / 1024) % 3;
}

static void guest_console(void)
{
	unsigned int i;

	xen_hcall_page_setup();
	GUEST_SYNC(console(CONSOLEIO_write, 13, "hello, xen!\r\n"));
	for (i = 0; i < LONG_LEN; i++)
		long_msg[i] = pattern(i);
	GUEST_SYNC(console(CONSOLEIO_write, LONG_LEN, long_msg));
	guest_ucall(UCALL_SYNC,
		    console(CONSOLEIO_write, 16, (void *)0x7ff000000000ULL),
		    console(CONSOLEIO_read, sizeof(small_buf), small_buf),
		    console(2, 0, NULL),
		    console(CONSOLEIO_write, 0, NULL));
	/* The first chunk is RAM, the second past its end. */
	GUEST_SYNC(console(CONSOLEIO_write, 2048, (void *)(GUEST_MEM_SIZE - 1024)));
	GUEST_SYNC(console(CONSOLEIO_write, FLOOD_LEN, (void *)FLOOD_GVA));
	GUEST_SYNC(console(CONSOLEIO_write, 4, "tail"));
}

static void guest_witness(void)
{
	xen_hcall_page_setup();
	GUEST_SYNC(console(CONSOLEIO_write, DOMINO_XEN_CONSOLE_BURST, (void *)FLOOD_GVA));
}

/* What the VMM got from console_io exits. */
struct sink {
	uint8_t buf[4096];
	uint64_t len, dropped;
	unsigned int exits, lens[8];
	bool bad;
};

/* Runs to the next ucall, taking the console exits on the way. */
static void collect(struct dvcpu *vcpu, struct ucall *uc, struct sink *s)
{
	struct domino_run *run = vcpu->run;

	memset(s, 0, sizeof(*s));
	for (;;) {
		uint32_t why = dvcpu_run(vcpu);
		uint64_t off = run->xen_console.data_offset;
		uint32_t len = run->xen_console.len;

		if (why != DOMINO_EXIT_XEN_CONSOLE) {
			TEST_ASSERT(dvcpu_get_ucall(vcpu, uc) == UCALL_SYNC,
				    "exit %s at rip %#llx", exit_reason_str(why),
				    (unsigned long long)run->rip);
			return;
		}
		if (!len || len > DOMINO_XEN_CONSOLE_CHUNK || off < sizeof(*run) ||
		    off + len > DOMINO_RUN_AREA_SIZE) {
			printf("# console exit: %u bytes at %llu\n", len,
			       (unsigned long long)off);
			s->bad = true;
			continue;
		}
		if (s->len + len <= sizeof(s->buf))
			memcpy(s->buf + s->len, (uint8_t *)run + off, len);
		if (s->exits < ARRAY_SIZE(s->lens))
			s->lens[s->exits] = len;
		s->exits++;
		s->len += len;
		s->dropped += run->xen_console.dropped;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	long long objs = domino_sysfs_num("alloc_objects");
	long long pages = domino_sysfs_num("alloc_pages");
	struct dvcpu *vcpu, *wvcpu;
	struct dvm *vm, *witness;
	uint64_t flood_len, flood_dropped, limit;
	struct sink s;
	struct ucall uc;
	double t0, secs;
	bool ok;

	ktap_print_header();
	ktap_set_plan(8);
	vm = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	vcpu = dvcpu_add(vm, 0);
	dvcpu_setup_long64(vcpu, guest_console);
	witness = dvm_create(DOMINO_DOMAIN_XEN | DOMINO_DOMAIN_IRQCHIP);
	wvcpu = dvcpu_add(witness, 0);
	dvcpu_setup_long64(wvcpu, guest_witness);

	collect(vcpu, &uc, &s);
	ktap_test_result(uc.args[0] == 0 && !s.bad && s.exits == 1 && s.len == 13 &&
			 !memcmp(s.buf, "hello, xen!\r\n", 13) && s.dropped == 0,
			 "CONSOLEIO_write: one DOMINO_EXIT_XEN_CONSOLE with the 13 bytes, then the call returns 0 (%lld, %u exits, %llu bytes)",
			 (long long)uc.args[0], s.exits, (unsigned long long)s.len);

	collect(vcpu, &uc, &s);
	ok = uc.args[0] == 0 && !s.bad && s.exits == 3 && s.len == LONG_LEN &&
	     s.lens[0] == DOMINO_XEN_CONSOLE_CHUNK && s.lens[1] == DOMINO_XEN_CONSOLE_CHUNK;
	for (unsigned int i = 0; ok && i < LONG_LEN; i++)
		ok = s.buf[i] == pattern(i);
	ktap_test_result(ok, "%u bytes: %u exits of %u, %u, %u bytes, in order, then 0 once",
			 LONG_LEN, s.exits, s.lens[0], s.lens[1], s.lens[2]);

	collect(vcpu, &uc, &s);
	ktap_test_result((long)uc.args[0] == -XEN_EFAULT && (long)uc.args[1] == -XEN_EPERM &&
			 (long)uc.args[2] == -XEN_EPERM && uc.args[3] == 0 && s.exits == 0,
			 "a bad buffer -EFAULT, CONSOLEIO_read and command 2 -EPERM, count 0 returns 0; no exit (%lld %lld %lld %lld, %u exits)",
			 (long long)uc.args[0], (long long)uc.args[1], (long long)uc.args[2],
			 (long long)uc.args[3], s.exits);

	collect(vcpu, &uc, &s);
	ktap_test_result((long)uc.args[0] == -XEN_EFAULT && s.exits == 1 && s.len == 1024 &&
			 !memcmp(s.buf, (uint8_t *)dvm_gpa(vm, GUEST_MEM_SIZE - 1024), 1024),
			 "a buffer that runs off the end of RAM: its first chunk reaches the VMM, then -EFAULT (%lld, %u exits)",
			 (long long)uc.args[0], s.exits);

	/* The flood: the burst, and what the rate allows while it lasts. */
	t0 = now_s();
	collect(vcpu, &uc, &s);
	secs = now_s() - t0;
	flood_len = s.len;
	flood_dropped = s.dropped;
	limit = DOMINO_XEN_CONSOLE_BURST + (uint64_t)(DOMINO_XEN_CONSOLE_RATE * secs) + 1;
	ktap_test_result(uc.args[0] == 0 && !s.bad && flood_len >= DOMINO_XEN_CONSOLE_BURST - SENT_BEFORE &&
			 flood_len <= limit && flood_len < FLOOD_LEN,
			 "a %u-byte flood returns 0 and logs %llu bytes in %.2f s: what was left of the %u-byte burst, at most %u/s more (limit %llu)",
			 FLOOD_LEN, (unsigned long long)flood_len, secs, DOMINO_XEN_CONSOLE_BURST,
			 DOMINO_XEN_CONSOLE_RATE, (unsigned long long)limit);

	/* Another domain, right after: its budget is whole. */
	collect(wvcpu, &uc, &s);
	ktap_test_result(uc.args[0] == 0 && s.len == DOMINO_XEN_CONSOLE_BURST && s.dropped == 0,
			 "another domain's burst right after: all %llu bytes, none dropped",
			 (unsigned long long)s.len);

	/* Paid back after a second: the next write reports what was dropped. */
	usleep(1200 * 1000);
	collect(vcpu, &uc, &s);
	ktap_test_result(uc.args[0] == 0 && s.len == 4 && !memcmp(s.buf, "tail", 4) &&
			 flood_len + flood_dropped + s.dropped == FLOOD_LEN,
			 "after a pause the next write gets through and counts the flood's dropped bytes (%llu + %llu + %llu of %u)",
			 (unsigned long long)flood_len, (unsigned long long)flood_dropped,
			 (unsigned long long)s.dropped, FLOOD_LEN);

	dvcpu_free(wvcpu);
	dvm_free(witness);
	dvcpu_free(vcpu);
	dvm_free(vm);
	ktap_test_result(domino_counters_back(objs, pages), "every allocation returned");
	ktap_finished();
}
