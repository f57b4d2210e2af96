// SPDX-License-Identifier: GPL-2.0
/*
 * The PV console's rings (vmm/xencons.c) against what Linux's hvc_xen
 * does on the other side: output moved out in order and freed, across
 * the ring's end and the indexes' 32-bit wrap; input up to the free
 * room only; indexes a guest corrupted refused without a byte moved; and
 * a producer thread racing the reader loses and garbles nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "xencons.h"

#include "unit_tap.h"

static bool numeq(const char *what, long got, long want)
{
	return got == want || diag("%s: got %ld, want %ld", what, got, want);
}

static struct {
	struct xencons_interface intf;
} page;

/* What hvc_xen's __write_console does: bytes at out_prod, then the index. */
static unsigned int guest_write(const uint8_t *p, unsigned int n)
{
	struct xencons_interface *i = &page.intf;
	uint32_t cons = __atomic_load_n(&i->out_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = i->out_prod;
	unsigned int sent = 0;

	while (sent < n && prod - cons < XENCONS_OUT_SIZE)
		i->out[prod++ % XENCONS_OUT_SIZE] = p[sent++];
	__atomic_store_n(&i->out_prod, prod, __ATOMIC_RELEASE);
	return sent;
}

/* What domU_read_console does: bytes from in_cons, then the index. */
static unsigned int guest_read(uint8_t *p, unsigned int max)
{
	struct xencons_interface *i = &page.intf;
	uint32_t prod = __atomic_load_n(&i->in_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = i->in_cons;
	unsigned int got = 0;

	while (cons != prod && got < max)
		p[got++] = i->in[cons++ % XENCONS_IN_SIZE];
	__atomic_store_n(&i->in_cons, cons, __ATOMIC_RELEASE);
	return got;
}

static void reset(uint32_t out_idx, uint32_t in_idx)
{
	memset(&page, 0, sizeof(page));
	page.intf.out_cons = page.intf.out_prod = out_idx;
	page.intf.in_cons = page.intf.in_prod = in_idx;
}

static void pattern(uint8_t *p, unsigned int n, unsigned int seed)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static void test_layout(void)
{
	bool ok = numeq("out", offsetof(struct xencons_interface, out), 1024) &&
		  numeq("in_cons", offsetof(struct xencons_interface, in_cons), 3072) &&
		  numeq("out_prod", offsetof(struct xencons_interface, out_prod), 3084);

	result(ok, "struct xencons_interface has Xen's layout (io/console.h)");
}

static void test_read(void)
{
	uint8_t buf[XENCONS_OUT_SIZE], want[XENCONS_OUT_SIZE];
	bool ok;

	reset(0, 0);
	ok = numeq("empty", xencons_ring_read(&page.intf, buf), 0) &&
	     numeq("out_cons", page.intf.out_cons, 0);
	guest_write((const uint8_t *)"hello, hvc0", 11);
	ok = ok && numeq("read", xencons_ring_read(&page.intf, buf), 11) &&
	     (!memcmp(buf, "hello, hvc0", 11) || diag("bytes differ")) &&
	     numeq("out_cons", page.intf.out_cons, 11) &&
	     numeq("again", xencons_ring_read(&page.intf, buf), 0);
	result(ok, "output: what the guest wrote comes out once, and out_cons moves to out_prod");

	/* A full ring that crosses both the ring's end and 2^32. */
	reset(UINT32_MAX - 300, 0);
	pattern(want, sizeof(want), 3);
	ok = numeq("written", guest_write(want, sizeof(want)), XENCONS_OUT_SIZE) &&
	     numeq("ring full", guest_write(want, 1), 0) &&
	     numeq("read", xencons_ring_read(&page.intf, buf), XENCONS_OUT_SIZE) &&
	     (!memcmp(buf, want, sizeof(want)) || diag("bytes differ")) &&
	     numeq("out_cons", page.intf.out_cons, (uint32_t)(UINT32_MAX - 300 + XENCONS_OUT_SIZE)) &&
	     numeq("room again", guest_write(want, 5), 5);
	result(ok, "output: a full ring across the ring's end and the indexes' 32-bit wrap, in order");
}

static void test_read_corrupt(void)
{
	uint8_t buf[XENCONS_OUT_SIZE];
	bool ok;

	reset(100, 0);
	page.intf.out_prod = 100 + XENCONS_OUT_SIZE + 1;
	ok = numeq("one over", xencons_ring_read(&page.intf, buf), -EPROTO) &&
	     numeq("out_cons kept", page.intf.out_cons, 100);
	page.intf.out_prod = 99;
	ok = ok && numeq("behind", xencons_ring_read(&page.intf, buf), -EPROTO) &&
	     numeq("out_cons kept", page.intf.out_cons, 100);
	page.intf.out_prod = 100 + XENCONS_OUT_SIZE;
	ok = ok && numeq("exactly full", xencons_ring_read(&page.intf, buf), XENCONS_OUT_SIZE);
	result(ok, "output: out_prod more than a ring ahead, or behind out_cons: -EPROTO, nothing moved; exactly a ring is fine");
}

static void test_write(void)
{
	uint8_t in[1500], got[1500];
	bool ok;

	reset(0, UINT32_MAX - 10);
	pattern(in, sizeof(in), 9);
	ok = numeq("first", xencons_ring_write(&page.intf, in, sizeof(in)), XENCONS_IN_SIZE) &&
	     numeq("full", xencons_ring_write(&page.intf, in, 1), 0) &&
	     numeq("in_prod", page.intf.in_prod, (uint32_t)(UINT32_MAX - 10 + XENCONS_IN_SIZE)) &&
	     numeq("guest takes 100", guest_read(got, 100), 100) &&
	     numeq("room for 100", xencons_ring_write(&page.intf, in + XENCONS_IN_SIZE, 200), 100) &&
	     numeq("guest takes the rest", guest_read(got + 100, sizeof(got)), XENCONS_IN_SIZE) &&
	     (!memcmp(got, in, XENCONS_IN_SIZE + 100) || diag("bytes differ"));
	result(ok, "input: only what fits (1024 bytes), the rest when the guest has read; in order across the wrap");

	reset(0, 50);
	page.intf.in_cons = 50 + XENCONS_IN_SIZE + 1;	/* in_cons ahead of in_prod */
	ok = numeq("corrupt", xencons_ring_write(&page.intf, in, 10), -EPROTO) &&
	     numeq("in_prod kept", page.intf.in_prod, 50);
	result(ok, "input: in_cons past in_prod: -EPROTO, nothing written");
}

/* The guest's side in a thread: 256 KiB in random-sized writes, spinning when full. */
#define RACE_BYTES	(1u << 18)

static void *race_writer(void *arg)
{
	static uint8_t src[RACE_BYTES];
	unsigned int done = 0, step = 1;

	(void)arg;
	pattern(src, sizeof(src), 77);
	while (done < RACE_BYTES) {
		unsigned int n = step % 700 + 1;

		if (n > RACE_BYTES - done)
			n = RACE_BYTES - done;
		done += guest_write(src + done, n);
		step = step * 1103515245u + 12345u;
	}
	return NULL;
}

static void test_race(void)
{
	static uint8_t src[RACE_BYTES], dst[RACE_BYTES];
	uint8_t buf[XENCONS_OUT_SIZE];
	unsigned int got = 0;
	pthread_t t;
	bool ok = true;

	reset(0xfffff000u, 0);
	pattern(src, sizeof(src), 77);
	pthread_create(&t, NULL, race_writer, NULL);
	while (ok && got < RACE_BYTES) {
		int n = xencons_ring_read(&page.intf, buf);

		if (n < 0 || got + n > RACE_BYTES)
			ok = diag("read %d at %u", n, got);
		else
			memcpy(dst + got, buf, n);
		got += n > 0 ? n : 0;
	}
	pthread_join(t, NULL);
	ok = ok && (!memcmp(src, dst, RACE_BYTES) || diag("bytes differ"));
	result(ok, "a writer thread racing the reader: 256 KiB arrives whole and in order");
}

int main(void)
{
	printf("TAP version 13\n1..7\n");
	test_layout();
	test_read();
	test_read_corrupt();
	test_write();
	test_race();
	return failed ? 1 : 0;
}
