// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_console_io(cmd, count, buffer) (include/xen/interface/xen.h).
 *
 *   CONSOLEIO_write  IN buffer: count bytes (Xen's unsigned int) for the
 *       domain's console log. The vCPU stops in the VMM
 *       (DOMINO_EXIT_XEN_CONSOLE) with up to DOMINO_XEN_CONSOLE_CHUNK
 *       bytes in its run area; a longer buffer is a continuation (the
 *       guest executes the call again for the rest), so no count holds a
 *       host CPU for longer than one chunk. 0 when all is written, as on
 *       Xen; a buffer that cannot be read: -EFAULT (the chunks before it
 *       were written). Per domain, a burst of DOMINO_XEN_CONSOLE_BURST
 *       bytes, then DOMINO_XEN_CONSOLE_RATE a second: what is over is
 *       dropped, still 0 for the guest, and the next exit counts it.
 *   Anything else (CONSOLEIO_read included): -EPERM. Xen lets a domain
 *       that is not its console domain write (in its debug builds, which
 *       is how Linux's earlyprintk=xen and xen_raw_console_write reach it)
 *       and refuses it every other command before looking at it (the
 *       XSM default policy, xsm_console_io).
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <xen/interface/xen.h>

#include "domain.h"
#include "vcpu.h"
#include "io.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"

static_assert(DOMINO_XEN_CONSOLE_CHUNK <= DOMINO_RUN_IO_DATA_MAX);

/* A whole burst is paid back after this long: the bucket is full. */
#define XEN_CONSOLE_REFILL_NS \
	((u64)DOMINO_XEN_CONSOLE_BURST * NSEC_PER_SEC / DOMINO_XEN_CONSOLE_RATE)

/*
 * Takes up to @want bytes from the domain's budget (a token bucket kept
 * as the bytes of the burst spent); returns how many it may log and, in
 * @dropped, the bytes dropped that the exit now reports.
 */
static u32 xen_console_take(struct domino_xen *x, u32 want, u64 *dropped)
{
	u64 now = ktime_get_ns(), back;
	u32 got;

	mutex_lock(&x->lock);
	if (now - x->console.stamp_ns >= XEN_CONSOLE_REFILL_NS) {
		x->console.spent = 0;
		x->console.stamp_ns = now;
	} else {
		back = div_u64((now - x->console.stamp_ns) * DOMINO_XEN_CONSOLE_RATE,
			       NSEC_PER_SEC);
		if (back >= x->console.spent) {
			x->console.spent = 0;
			x->console.stamp_ns = now;
		} else {
			/* Only the time paid for moves on: fractions add up. */
			x->console.spent -= back;
			x->console.stamp_ns += div_u64(back * NSEC_PER_SEC,
						       DOMINO_XEN_CONSOLE_RATE);
		}
	}
	got = min_t(u64, want, DOMINO_XEN_CONSOLE_BURST - x->console.spent);
	x->console.spent += got;
	x->console.dropped += want - got;
	*dropped = 0;
	if (got) {
		*dropped = x->console.dropped;
		x->console.dropped = 0;
	}
	mutex_unlock(&x->lock);
	return got;
}

static long xen_console_write(struct xen_call *c)
{
	struct domino_run *run = c->v->run;
	u8 *data = (u8 *)run + DOMINO_RUN_IO_DATA_OFFSET;
	u32 count = c->arg[1], n, got;
	u64 buf = c->arg[2], dropped;

	if (!count)
		return 0;
	n = min_t(u32, count, DOMINO_XEN_CONSOLE_CHUNK);
	/* Straight into the run area: the VMM's own page, nothing else. */
	if (c->copy_from(c, buf, data, n))
		return -EFAULT;
	got = xen_console_take(c->v->d->xen, n, &dropped);
	count -= n;
	if (count) {
		xen_call_set_arg(c, 1, count);
		xen_call_set_arg(c, 2, buf + n);
	}
	if (!got)
		return count ? XEN_HC_CONTINUE : 0;
	run->exit_reason = DOMINO_EXIT_XEN_CONSOLE;
	run->xen_console.len = got;
	run->xen_console.pad = 0;
	run->xen_console.data_offset = DOMINO_RUN_IO_DATA_OFFSET;
	run->xen_console.dropped = dropped;
	c->ret = 0;
	return count ? XEN_HC_CONTINUE_TO_VMM : XEN_HC_TO_VMM;
}

long xen_console_io(struct xen_call *c)
{
	if (c->arg[0] != CONSOLEIO_write)
		return -EPERM;
	return xen_console_write(c);
}
