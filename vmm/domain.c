// SPDX-License-Identifier: GPL-2.0
/*
 * Domains: creation through /dev/domino, Xen-style ids, the domain fd.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <asm/msr.h>
#include <xen/interface/xen.h>

#include "domino.h"
#include "domain.h"
#include "irqchip.h"
#include "virt.h"
#include "alloc.h"
#include "vcpu.h"
#include "xen.h"

/*
 * Live domains by id. xa_alloc_cyclic hands out ids in increasing order
 * and wraps, as Xen does, so a just-freed id is not handed to the next
 * domain while tools may still refer to the old one.
 */
static DEFINE_XARRAY_ALLOC1(domino_domains);
static u32 domino_next_domid;
static atomic_t domino_nr_domains = ATOMIC_INIT(0);
static atomic64_t domain_serial = ATOMIC64_INIT(0);

static_assert(DOMINO_DOMID_MAX == DOMID_FIRST_RESERVED - 1);

unsigned int domino_domain_count(void)
{
	return atomic_read(&domino_nr_domains);
}

bool domino_domain_exists(u32 domid)
{
	return domid && domid <= DOMINO_DOMID_MAX && xa_load(&domino_domains, domid);
}

static void domino_domain_destroy(struct kref *ref)
{
	struct domino_domain *d = container_of(ref, struct domino_domain, ref);

	xa_erase(&domino_domains, d->domid);
	domino_ioapic_free(d);
	/* Before the memory: Xen's host ends and their work still name it. */
	domino_xen_domain_free(d);
	domino_memory_destroy(d);
	domino_kfree(d);
	atomic_dec(&domino_nr_domains);
	domino_virt_put();
	/* Gone from every lookup: domain 0's tools find it dead (Xen's order). */
	domino_xen_dom_exc();
}

/* A live domain by id, with a reference the caller puts; NULL if none. */
struct domino_domain *domino_domain_find(u32 domid)
{
	struct domino_domain *d;

	xa_lock(&domino_domains);
	d = xa_load(&domino_domains, domid);
	if (d && !kref_get_unless_zero(&d->ref))
		d = NULL;
	xa_unlock(&domino_domains);
	return d;
}

/*
 * The live domain with the lowest id >= *@domid, referenced, its id in
 * *@domid; NULL when none is left. Ids reserved for a domain still being
 * made read as none (xa_find skips them).
 */
struct domino_domain *domino_domain_find_next(u32 *domid)
{
	unsigned long id = *domid;
	struct domino_domain *d;

	xa_lock(&domino_domains);
	for (;;) {
		d = xa_find(&domino_domains, &id, DOMINO_DOMID_MAX, XA_PRESENT);
		if (!d || kref_get_unless_zero(&d->ref))
			break;
		/* Its last reference is going: as good as gone. */
		if (id++ >= DOMINO_DOMID_MAX) {
			d = NULL;
			break;
		}
	}
	xa_unlock(&domino_domains);
	if (d)
		*domid = id;
	return d;
}

void domino_domain_get(struct domino_domain *d)
{
	kref_get(&d->ref);
}

void domino_domain_put(struct domino_domain *d)
{
	kref_put(&d->ref, domino_domain_destroy);
}

static struct workqueue_struct *domino_destroy_wq;

static void domino_domain_destroy_work(struct work_struct *work)
{
	struct domino_domain *d = container_of(work, struct domino_domain, destroy_work);

	domino_domain_destroy(&d->ref);
}

/* No lookup hands the domain out any more (kref_get_unless_zero fails). */
static void domino_domain_release_deferred(struct kref *ref)
{
	struct domino_domain *d = container_of(ref, struct domino_domain, ref);

	INIT_WORK(&d->destroy_work, domino_domain_destroy_work);
	queue_work(domino_destroy_wq, &d->destroy_work);
}

void domino_domain_put_deferred(struct domino_domain *d)
{
	kref_put(&d->ref, domino_domain_release_deferred);
}

int domino_domain_init(void)
{
	domino_destroy_wq = alloc_workqueue("domino_destroy", 0, 0);
	return domino_destroy_wq ? 0 : -ENOMEM;
}

static long domino_domain_get_info(struct domino_domain *d, void __user *uarg)
{
	struct domino_domain_info info = {
		.domid = d->domid, .flags = d->flags,
		.max_memory = d->max_memory, .max_vcpus = d->max_vcpus,
		.tdp_large_maps = atomic_long_read(&d->large_maps),
	};

	mutex_lock(&d->slots_lock);
	info.memory = d->memory;
	mutex_unlock(&d->slots_lock);

	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long domino_domain_irq_line(struct domino_domain *d, void __user *uarg)
{
	struct domino_irq_line l;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	/* As KVM_IRQ_LINE: without the irqchip there is no line to check against. */
	if (!d->ioapic)
		return -ENXIO;
	if (l.level > 1 || l.reserved)
		return -EINVAL;
	return domino_ioapic_set_line(d, l.gsi, l.level);
}

static long domino_domain_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct domino_domain *d = file->private_data;
	void __user *uarg = (void __user *)arg;
	int r;

	if (_IOC_TYPE(cmd) != DOMINO_IOCTL_TYPE ||
	    _IOC_NR(cmd) < 0x40 || _IOC_NR(cmd) >= 0x80)
		return -ENOTTY;
	/* Guest memory is the creating VMM's: nobody else may change it. */
	if (!domino_domain_own_mm(d))
		return -EIO;

	switch (_IOC_NR(cmd)) {
	case _IOC_NR(DOMINO_DOMAIN_GET_INFO):
		r = domino_ioctl_check(cmd, DOMINO_DOMAIN_GET_INFO);
		return r ? r : domino_domain_get_info(d, uarg);
	case _IOC_NR(DOMINO_SET_MEMORY_REGION):
		r = domino_ioctl_check(cmd, DOMINO_SET_MEMORY_REGION);
		return r ? r : domino_memory_set_region(d, uarg);
	case _IOC_NR(DOMINO_CREATE_VCPU):
		r = domino_ioctl_check(cmd, DOMINO_CREATE_VCPU);
		return r ? r : domino_vcpu_create(d, uarg);
	case _IOC_NR(DOMINO_IRQ_LINE):
		r = domino_ioctl_check(cmd, DOMINO_IRQ_LINE);
		return r ? r : domino_domain_irq_line(d, uarg);
	default:
		/* Exact commands only: a size that differs is not ours. */
		return domino_xen_domain_ioctl(d, cmd, uarg);
	}
}

static int domino_domain_release(struct inode *inode, struct file *file)
{
	domino_domain_put(file->private_data);
	return 0;
}

static const struct file_operations domino_domain_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= domino_domain_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= domino_domain_release,
	.llseek		= noop_llseek,
};

static int domino_domain_check_args(const struct domino_create_domain *args)
{
	/* Xen's guest ABI sits on the in-kernel platform (its LAPIC, timers). */
	if ((args->flags & DOMINO_DOMAIN_XEN) && !(args->flags & DOMINO_DOMAIN_IRQCHIP))
		return -EINVAL;
	if ((args->flags & DOMINO_DOMAIN_XEN_NO_FIFO) && !(args->flags & DOMINO_DOMAIN_XEN))
		return -EINVAL;
	if (args->flags & ~DOMINO_DOMAIN_FLAGS_VALID)
		return -EINVAL;
	if (args->reserved)
		return -EINVAL;
	if (!(args->flags & DOMINO_DOMAIN_XEN) &&
	    (args->max_grant_frames || args->max_maptrack_frames))
		return -EINVAL;
	if (args->max_grant_frames > DOMINO_XEN_MAX_GRANT_FRAMES ||
	    args->max_maptrack_frames > DOMINO_XEN_MAX_MAPTRACK_FRAMES)
		return -EINVAL;
	if (args->pad || args->domid > DOMINO_DOMID_MAX)
		return -EINVAL;
	if (!PAGE_ALIGNED(args->max_memory) || args->max_vcpus > DOMINO_MAX_VCPUS)
		return -EINVAL;
	return 0;
}

static int domino_domain_assign_id(struct domino_domain *d, u32 wanted)
{
	int r;

	/*
	 * The id is reserved (a NULL entry, which xa_load reads as none) and
	 * the domain stored once nothing can fail: domino_domain_find never
	 * hands out a domain that creation may still free.
	 */
	if (wanted) {
		r = xa_insert(&domino_domains, wanted, NULL, GFP_KERNEL_ACCOUNT);
		return r == -EBUSY ? -EEXIST : r;
	}

	r = xa_alloc_cyclic(&domino_domains, &d->domid, NULL,
			    XA_LIMIT(1, DOMINO_DOMID_MAX), &domino_next_domid,
			    GFP_KERNEL_ACCOUNT);
	if (r == -EBUSY)
		return -ENOSPC;
	return r < 0 ? r : 0;
}

int domino_domain_create(struct domino_create_domain __user *uarg)
{
	struct domino_create_domain args;
	struct domino_domain *d;
	struct file *file;
	int r, fd;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	r = domino_domain_check_args(&args);
	if (r)
		return r;

	if (atomic_inc_return(&domino_nr_domains) > domino_caps.max_domains) {
		r = -ENOSPC;
		goto out_count;
	}

	r = domino_virt_get();
	if (r)
		goto out_count;

	d = domino_kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		r = -ENOMEM;
		goto out_virt;
	}
	kref_init(&d->ref);
	d->domid = args.domid;
	d->serial = atomic64_inc_return(&domain_serial);
	d->flags = args.flags;
	d->max_memory = args.max_memory;
	d->max_vcpus = args.max_vcpus ? args.max_vcpus : DOMINO_MAX_VCPUS;
	d->max_grant_frames = args.max_grant_frames ?: DOMINO_XEN_DEFAULT_GRANT_FRAMES;
	d->max_maptrack_frames = args.max_maptrack_frames ?: DOMINO_XEN_DEFAULT_MAPTRACK_FRAMES;
	mutex_init(&d->vcpus_lock);
	spin_lock_init(&d->vcpus_kick_lock);
	/* The guest's TSC starts near zero, the same on every vCPU. */
	d->tsc_offset = -(s64)rdtsc();
	if (d->flags & DOMINO_DOMAIN_IRQCHIP) {
		r = domino_ioapic_create(d);
		if (r)
			goto out_free;
		domino_pvclock_init(d);
	}
	r = domino_xen_domain_init(d);
	if (r)
		goto out_ioapic;
	r = domino_memory_init(d);
	if (r)
		goto out_xen;

	r = domino_domain_assign_id(d, args.domid);
	if (r)
		goto out_memory;

	args.domid = d->domid;
	if (copy_to_user(uarg, &args, sizeof(args))) {
		r = -EFAULT;
		goto out_erase;
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto out_erase;
	}
	file = anon_inode_getfile("domino-domain", &domino_domain_fops, d, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto out_erase;
	}
	/* Nothing fails from here: other domains may find it, userspace owns it. */
	xa_store(&domino_domains, d->domid, d, GFP_KERNEL_ACCOUNT);
	fd_install(fd, file);
	return fd;

out_erase:
	xa_erase(&domino_domains, d->domid);
out_memory:
	domino_memory_destroy(d);
out_xen:
	domino_xen_domain_free(d);
out_ioapic:
	domino_ioapic_free(d);
out_free:
	domino_kfree(d);
out_virt:
	domino_virt_put();
out_count:
	atomic_dec(&domino_nr_domains);
	return r;
}

void domino_domain_exit(void)
{
	/* Destructions deferred from munmap or a VMA close: done by now. */
	destroy_workqueue(domino_destroy_wq);
	/* Every domain fd pins the module, so none can be left at unload. */
	xa_destroy(&domino_domains);
}
