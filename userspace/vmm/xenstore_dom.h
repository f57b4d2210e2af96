/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's life in XenStore, as Xen's toolstack (libxl) gives it one,
 * through Debian's own libxenstore and xenstored: the daemon is started if
 * none answers, the domain introduced (XS_INTRODUCE with its store ring's
 * frame and event channel) before it runs, its standard paths written, and
 * all of it released when it goes. The control plane of Xen's PV
 * protocols (control/shutdown, memory/target, cpu/N/availability) goes
 * through these paths, as xl's commands do.
 */
#ifndef DOMINO_VMM_XENSTORE_DOM_H
#define DOMINO_VMM_XENSTORE_DOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Debian's xen-utils-4.17 puts it here; XENSTORED overrides (tests). */
#define XENSTORED_PATH_DEFAULT	"/usr/lib/xen-4.17/bin/xenstored"
/* How long a xenstored we started may take to answer. */
#define XENSTORED_START_MS	5000

struct xenstore_dom_info {
	uint32_t domid;
	const char *name;
	const char *uuid;		/* 8-4-4-4-12, lower case */
	uint64_t store_gfn;
	uint32_t store_port;
	uint64_t console_gfn;		/* 0: none */
	uint32_t console_port;
	uint64_t target_kib, max_kib;
	unsigned int vcpus, max_vcpus;
};

struct xenstore_dom;

/*
 * Connects to xenstored, starting it if none answers; NULL with @err
 * set if there is none to be had.
 */
struct xenstore_dom *xenstore_dom_connect(char *err, size_t errlen);
/*
 * Before the domain first runs (xenstored resets the ring then): the
 * domain's paths, then XS_INTRODUCE. 0 or -errno with @err set.
 */
int xenstore_dom_introduce(struct xenstore_dom *x, const struct xenstore_dom_info *info,
			   char *err, size_t errlen);
/*
 * Writes @value at @node under /local/domain/N: control/shutdown
 * ("poweroff", "reboot", as xl shutdown/reboot write it; the guest's
 * xenbus clears it once it acts), memory/target (KiB, the balloon's),
 * cpu/I/availability ("online", "offline"). 0 or -errno.
 */
int xenstore_dom_set(struct xenstore_dom *x, const char *node, const char *value);
/* XS_RELEASE and the domain's paths removed; closes @x. NULL is fine. */
void xenstore_dom_release(struct xenstore_dom *x);
/*
 * The same for domain @domid whose VMM died before it could (`domino
 * destroy` of a daemon it had to kill), if a xenstored answers; it never
 * starts one.
 */
void xenstore_dom_forget(uint32_t domid);

#endif /* DOMINO_VMM_XENSTORE_DOM_H */
