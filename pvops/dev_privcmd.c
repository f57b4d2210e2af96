// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/privcmd: domain 0's hypercalls, with the ioctls of Linux's
 * privcmd driver (include/uapi/xen/privcmd.h), so that Debian 12's Xen
 * 4.17 libraries (libxencall, libxenctrl, libxenforeignmemory,
 * libxendevicemodel) and their clients (xenstored, lsevtchn) work
 * unchanged. The host plays domain 0: a call here is served by Domino as
 * Xen serves its domain 0, with user pointers of the calling process,
 * each checked and copied once.
 *
 *   IOCTL_PRIVCMD_HYPERCALL {op, arg[5]}: the hypercall's result.
 *       __HYPERVISOR_xen_version (pvops/version.c, as domain 0 sees it),
 *       __HYPERVISOR_domctl and __HYPERVISOR_sysctl (pvops/dom0_ctl.c:
 *       getdomaininfo, getdomaininfolist), __HYPERVISOR_event_channel_op
 *       EVTCHNOP_status of any guest's port. Anything else: -ENOSYS and
 *       a rate-limited log line naming the call and its first argument.
 *       A restricted descriptor: -EPERM (as Linux).
 *   IOCTL_PRIVCMD_RESTRICT (domid_t): from now on the descriptor acts
 *       for that domain only (DM_OP naming it); again with the same id: 0,
 *       another: -EINVAL. Domain 0 and reserved ids: -EINVAL.
 *   IOCTL_PRIVCMD_DM_OP {dom, num, ubufs}: num 0 is libxendevicemodel's
 *       probe (0); more than 16 buffers or one above 4096 bytes: -E2BIG
 *       (Linux's limits); buffers not readable: -EFAULT; a domain not
 *       running Xen: -ESRCH; the op itself: -ENOSYS for now, logged.
 *   Other ioctls: -ENOTTY.
 *
 * No /dev/xen/hypercall: libxencall falls back to locked anonymous
 * buffers when the node is absent (ENOENT), which copy_from_user reads as
 * well.
 *
 * Who may: the node is root's (0600), as Linux's; the descriptor, once
 * open, is the capability, as on a Xen dom0.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>
#include <xen/privcmd.h>

#include "alloc.h"
#include "domain.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"

/* Linux's privcmd_dm_op_max_num and privcmd_dm_op_buf_max_size defaults. */
#define PRIVCMD_DM_OP_MAX_BUFS	16
#define PRIVCMD_DM_OP_MAX_SIZE	4096

/* struct privcmd_file - one open /dev/xen/privcmd. */
struct privcmd_file {
	u32 restrict_domid;	/* DOMID_INVALID: unrestricted; set once */
};

static bool privcmd_restricted(struct privcmd_file *f)
{
	return READ_ONCE(f->restrict_domid) != DOMID_INVALID;
}

/* The caller's memory: user addresses of the calling process. */
static int privcmd_copy_from(struct xen_call *c, u64 ptr, void *buf, size_t len)
{
	if (ptr != (unsigned long)ptr)
		return -EFAULT;
	return copy_from_user(buf, u64_to_user_ptr(ptr), len) ? -EFAULT : 0;
}

static int privcmd_copy_to(struct xen_call *c, u64 ptr, const void *buf, size_t len)
{
	if (ptr != (unsigned long)ptr)
		return -EFAULT;
	return copy_to_user(u64_to_user_ptr(ptr), buf, len) ? -EFAULT : 0;
}

static const char *privcmd_hypercall_name(u64 op)
{
	switch (op) {
	case __HYPERVISOR_memory_op:		return "memory_op";
	case __HYPERVISOR_hvm_op:		return "hvm_op";
	case __HYPERVISOR_dm_op:		return "dm_op";
	case __HYPERVISOR_grant_table_op:	return "grant_table_op";
	case __HYPERVISOR_sched_op:		return "sched_op";
	case __HYPERVISOR_vcpu_op:		return "vcpu_op";
	case __HYPERVISOR_physdev_op:		return "physdev_op";
	case __HYPERVISOR_platform_op:		return "platform_op";
	case __HYPERVISOR_xsm_op:		return "xsm_op";
	case __HYPERVISOR_event_channel_op:	return "event_channel_op";
	case __HYPERVISOR_xen_version:		return "xen_version";
	default:				return "?";
	}
}

/* EVTCHNOP_status of a guest's port (lsevtchn); the rest is a guest's own. */
static long privcmd_evtchn_op(struct xen_call *c)
{
	struct evtchn_status st;
	struct domino_domain *d;
	long r;

	if (c->arg[0] != EVTCHNOP_status)
		return -ENOSYS;
	if (c->copy_from(c, c->arg[1], &st, sizeof(st)))
		return -EFAULT;
	/* Domain 0's own ports are /dev/xen/evtchn's, not listed here yet. */
	if (st.dom == DOMID_SELF || st.dom == 0)
		return -ENOSYS;
	d = domino_domain_find(st.dom);
	if (!d)
		return -ESRCH;
	r = d->xen ? xen_evtchn_status(d, &st) : -ESRCH;
	domino_domain_put(d);
	if (!r && c->copy_to(c, c->arg[1], &st, sizeof(st)))
		r = -EFAULT;
	return r;
}

static long privcmd_hypercall(struct privcmd_file *f, void __user *uarg)
{
	struct privcmd_hypercall h;
	struct xen_call c = {
		.copy_from = privcmd_copy_from,
		.copy_to = privcmd_copy_to,
	};
	long r;

	if (privcmd_restricted(f))
		return -EPERM;
	if (copy_from_user(&h, uarg, sizeof(h)))
		return -EFAULT;
	c.nr = min_t(u64, h.op, UINT_MAX);
	memcpy(c.arg, h.arg, sizeof(c.arg));

	switch (h.op) {
	case __HYPERVISOR_xen_version:
		r = xen_version_op(&c);
		break;
	case __HYPERVISOR_domctl:
		/* Logs its own unsupported commands. */
		return xen_dom0_domctl(&c);
	case __HYPERVISOR_sysctl:
		return xen_dom0_sysctl(&c);
	case __HYPERVISOR_event_channel_op:
		r = privcmd_evtchn_op(&c);
		break;
	default:
		r = -ENOSYS;
		break;
	}
	if (r == -ENOSYS)
		pr_info_ratelimited("privcmd: %s: hypercall %llu (%s) op %llu not supported (-ENOSYS)\n",
				    current->comm, h.op, privcmd_hypercall_name(h.op), h.arg[0]);
	return r;
}

static long privcmd_restrict(struct privcmd_file *f, void __user *uarg)
{
	domid_t dom;
	u32 old;

	if (copy_from_user(&dom, uarg, sizeof(dom)))
		return -EFAULT;
	if (!dom || dom >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	old = cmpxchg(&f->restrict_domid, DOMID_INVALID, dom);
	return old == DOMID_INVALID || old == dom ? 0 : -EINVAL;
}

/* The first buffer starts with struct xen_dm_op's op. */
static long privcmd_dm_op(struct privcmd_file *f, void __user *uarg)
{
	struct privcmd_dm_op_buf *bufs;
	struct privcmd_dm_op op;
	struct domino_domain *d;
	unsigned int i;
	u32 cmd;
	long r;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (privcmd_restricted(f) && op.dom != READ_ONCE(f->restrict_domid))
		return -EPERM;
	if (!op.num)
		return 0;
	if (op.num > PRIVCMD_DM_OP_MAX_BUFS)
		return -E2BIG;
	bufs = domino_kzalloc(op.num * sizeof(*bufs), GFP_KERNEL_ACCOUNT);
	if (!bufs)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(bufs, op.ubufs, op.num * sizeof(*bufs)))
		goto out;
	for (i = 0; i < op.num; i++) {
		r = -E2BIG;
		if (bufs[i].size > PRIVCMD_DM_OP_MAX_SIZE)
			goto out;
		r = -EFAULT;
		if (!access_ok(bufs[i].uptr, bufs[i].size))
			goto out;
	}
	/* Xen's dm_op: the first buffer holds at least the op. */
	if (bufs[0].size < sizeof(cmd) || copy_from_user(&cmd, bufs[0].uptr, sizeof(cmd)))
		goto out;
	d = domino_domain_find(op.dom);
	r = d && d->xen ? -ENOSYS : -ESRCH;
	if (d)
		domino_domain_put(d);
	if (r == -ENOSYS)
		pr_info_ratelimited("privcmd: %s: dm_op %u for domain %u not supported (-ENOSYS)\n",
				    current->comm, cmd, op.dom);
out:
	domino_kfree(bufs);
	return r;
}

static long privcmd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct privcmd_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOCTL_PRIVCMD_HYPERCALL:
		return privcmd_hypercall(f, uarg);
	case IOCTL_PRIVCMD_RESTRICT:
		return privcmd_restrict(f, uarg);
	case IOCTL_PRIVCMD_DM_OP:
		return privcmd_dm_op(f, uarg);
	default:
		return -ENOTTY;
	}
}

static int privcmd_open(struct inode *inode, struct file *file)
{
	struct privcmd_file *f = domino_kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	f->restrict_domid = DOMID_INVALID;
	file->private_data = f;
	return 0;
}

static int privcmd_release(struct inode *inode, struct file *file)
{
	domino_kfree(file->private_data);
	return 0;
}

static const struct file_operations privcmd_fops = {
	.owner		= THIS_MODULE,
	.open		= privcmd_open,
	.release	= privcmd_release,
	.unlocked_ioctl	= privcmd_ioctl,
	.llseek		= no_llseek,
};

/* Root's, as Linux's: docs/uapi.md says who may open what. */
static struct miscdevice privcmd_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xen/privcmd",
	.fops	= &privcmd_fops,
	.mode	= 0600,
};

static bool privcmd_registered;

void domino_xen_privcmd_init(void)
{
	int r = misc_register(&privcmd_dev);

	/* Linux's own driver (a real Xen dom0) keeps the name: we do without. */
	if (r)
		pr_warn("/dev/xen/privcmd not registered (%d); Xen's tools find no domain 0 here\n",
			r);
	privcmd_registered = !r;
}

void domino_xen_privcmd_exit(void)
{
	if (privcmd_registered)
		misc_deregister(&privcmd_dev);
}
