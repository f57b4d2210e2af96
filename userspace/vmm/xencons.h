/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen's PV console for a Xen domain (DOMINO_DOMAIN_XEN), served from the
 * VMM as xenconsoled serves it on Xen: one guest page holds two rings
 * (struct xencons_interface), and an event channel carries the
 * notifications both ways. The guest finds both through its HVM
 * parameters HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN, and
 * Linux's hvc_xen makes it hvc0.
 *
 * The page is guest RAM that the memory map marks reserved (the VMM
 * picks it; the guest memremaps it, as Xen's "special pages"). A thread
 * of our own sleeps on the port's notify eventfd; each time the guest
 * sends, it moves what the guest wrote (one ring, 2 KiB at most, per
 * wake-up: bounded work however hard the guest floods) to ops->out, frees
 * the ring and raises the port. Input goes into the other ring.
 *
 * Index rules (Xen's io/console.h): free-running 32-bit producer and
 * consumer indexes, the byte of index i at ring[i % size]. The guest
 * owns out_prod and in_cons, the host out_cons and in_prod; each pass
 * reads each index once, and indexes more than a ring apart mark the
 * console broken (ops->note says so once; it serves nothing after).
 */
#ifndef DOMINO_VMM_XENCONS_H
#define DOMINO_VMM_XENCONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The page's layout, struct xencons_interface of Xen's public
 * io/console.h, spelt out here because no userspace header carries it
 * (pinned by static asserts in xencons.c).
 */
#define XENCONS_IN_SIZE		1024
#define XENCONS_OUT_SIZE	2048

struct xencons_interface {
	char in[XENCONS_IN_SIZE];
	char out[XENCONS_OUT_SIZE];
	uint32_t in_cons, in_prod;
	uint32_t out_cons, out_prod;
};

/* Xen's hvm/params.h: where the guest looks for its console. */
#define HVM_PARAM_CONSOLE_PFN		17
#define HVM_PARAM_CONSOLE_EVTCHN	18

/*
 * The ring logic, on a page in memory (unit tested). Read: moves what the
 * guest wrote into @buf (room for XENCONS_OUT_SIZE bytes), frees it in
 * the ring and returns its length. Write: puts up to @len bytes into the
 * input ring, returns how many fit. Both: -EPROTO when the guest's
 * indexes are more than a ring apart (nothing is moved then).
 */
int xencons_ring_read(struct xencons_interface *intf, uint8_t *buf);
int xencons_ring_write(struct xencons_interface *intf, const uint8_t *p,
		       size_t len);

struct xencons;

struct xencons_ops {
	/* Bytes the guest wrote to its console; on the console's thread. */
	void (*out)(void *opaque, const uint8_t *buf, size_t len);
	/* A line about the console itself (it broke); on any thread. */
	void (*note)(void *opaque, const char *msg);
};

/*
 * The console of domain fd @dom on @page (guest-physical @gpa), zeroed
 * here: binds a new port of the guest to vCPU 0 (DOMINO_XEN_EVTCHN_BIND)
 * and sets the two HVM parameters, so it must come before the vCPUs run.
 * NULL with a one-line reason in @err.
 */
struct xencons *xencons_new(int dom, void *page, uint64_t gpa,
			    const struct xencons_ops *ops, void *opaque,
			    char *err, size_t errlen);
/* Start serving (the thread). 0 or -errno. */
int xencons_start(struct xencons *c);
/*
 * Console input for the guest: the bytes that fit in its ring (0 when it
 * is full, or the console broke), then the port is raised.
 */
size_t xencons_input(struct xencons *c, const uint8_t *buf, size_t len);
/* The guest has written to its PV console and it is not broken. */
bool xencons_in_use(const struct xencons *c);
/* The guest's port of the console (HVM_PARAM_CONSOLE_EVTCHN). */
uint32_t xencons_port(const struct xencons *c);
/*
 * Stop: a last pass takes what the guest left in the ring (call it once
 * the vCPUs have stopped), then the port and the thread go.
 */
void xencons_free(struct xencons *c);

#endif /* DOMINO_VMM_XENCONS_H */
