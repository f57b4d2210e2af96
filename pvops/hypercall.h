/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside pvops/: one hypercall in flight, and how its handlers reach the
 * caller's memory. The core never includes this (it has pvops/xen.h).
 */
#ifndef DOMINO_PVOPS_HYPERCALL_H
#define DOMINO_PVOPS_HYPERCALL_H

#include <linux/errno.h>
#include <linux/types.h>

struct domino_vcpu;

/*
 * A handler's answer that completes the call (its result is in @ret) and
 * then stops in the VMM, which @c->v->run describes.
 */
#define XEN_HC_TO_VMM		(-ERESTARTNOHAND)

/*
 * A handler's answer that asks for the same call again (a continuation,
 * Xen's -ERESTART): the guest executes the instruction once more, with
 * the arguments the handler left in its registers.
 */
#define XEN_HC_CONTINUE		(-ERESTART)

/*
 * Both: the call is to be continued (arguments as the handler left them,
 * xen_call_set_arg) but the vCPU first stops in the VMM, which
 * @c->v->run describes; the guest executes the instruction again when
 * the VMM runs it again.
 */
#define XEN_HC_CONTINUE_TO_VMM	(-ERESTARTNOINTR)

/*
 * struct xen_call - one hypercall being served.
 *
 * @v:       the calling vCPU; NULL for a domain 0 process's privcmd call
 *           (pvops/dev_privcmd.c), which reaches only the handlers that
 *           say they take one.
 * @nr:      the hypercall number (include/xen/interface/xen.h).
 * @arg:     its arguments, zero-extended from 32 bits for 32-bit callers.
 * @compat:  a 32-bit caller: structures with longs or pointers have their
 *           32-bit layout.
 * @copy_from, @copy_to: the caller's memory: for a guest, its linear
 *           addresses through its own page tables. 0 or -EFAULT; never
 *           a fault injected into the guest (Xen's copy_from_guest).
 */
struct xen_call {
	struct domino_vcpu *v;
	unsigned int nr;
	u64 arg[5];
	bool compat;
	long ret;	/* with XEN_HC_TO_VMM: the call's own result */
	int (*copy_from)(struct xen_call *c, u64 ptr, void *buf, size_t len);
	int (*copy_to)(struct xen_call *c, u64 ptr, const void *buf, size_t len);
};

/* Handlers: a Xen error (-EPERM ...), a result >= 0, or XEN_HC_CONTINUE. */
long xen_version_op(struct xen_call *c);
long xen_memory_op(struct xen_call *c);
long xen_hvm_op(struct xen_call *c);
long xen_sched_op(struct xen_call *c);
long xen_vcpu_op(struct xen_call *c);
long xen_event_channel_op(struct xen_call *c);
long xen_grant_table_op(struct xen_call *c);
long xen_set_timer_op(struct xen_call *c);
long xen_vm_assist(struct xen_call *c);
long xen_console_io(struct xen_call *c);
/* Domain 0's only (c->v NULL): pvops/dom0_ctl.c. */
long xen_dom0_domctl(struct xen_call *c);
long xen_dom0_sysctl(struct xen_call *c);

/* A domid argument naming the caller's own domain (DOMID_SELF or its id). */
bool xen_domid_self(struct xen_call *c, u32 domid);
/* 0 for the caller's own domain, else Xen's answer: -ESRCH or -EPERM. */
int xen_domid_check(struct xen_call *c, u32 domid);

/*
 * Argument @i as the guest finds it when it executes the call again: a
 * continuation (XEN_HC_CONTINUE) records its progress there, as Xen's
 * hypercall_create_continuation() does.
 */
void xen_call_set_arg(struct xen_call *c, unsigned int i, u64 val);

#endif /* DOMINO_PVOPS_HYPERCALL_H */
