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
 *       EVTCHNOP_status of any guest's port or domain 0's own, __HYPERVISOR_hvm_op
 *       HVMOP_get_param/HVMOP_set_param of a guest (the toolstack's
 *       parameters, as the domain fd's DOMINO_XEN_GET/SET_PARAM: the
 *       guest's callback is its own, -EPERM; domain 0 or DOMID_SELF,
 *       which is no HVM domain: -EINVAL). Anything else: -ENOSYS and a
 *       rate-limited log line naming the call and its first argument.
 *       A restricted descriptor: -EPERM (as Linux).
 *   IOCTL_PRIVCMD_RESTRICT (domid_t): from now on the descriptor acts
 *       for that domain only (DM_OP and maps naming it, else -EPERM);
 *       again with the same id: 0, another: -EINVAL. Domain 0 and
 *       reserved ids: -EINVAL (Linux takes any id; DOMID_INVALID would
 *       leave the descriptor unrestricted).
 *   IOCTL_PRIVCMD_DM_OP {dom, num, ubufs}: num 0 is libxendevicemodel's
 *       probe (0); more than 16 buffers or one above 4096 bytes: -E2BIG
 *       (Linux's limits); buffers not readable: -EFAULT; a domain not
 *       running Xen: -ESRCH; the op itself: -ENOSYS for now, logged.
 *   IOCTL_PRIVCMD_MMAPBATCH_V2 {num, dom, addr, arr, err}: guest frames
 *       arr[0..num) of dom into the caller's privcmd VMA at addr, one page
 *       each; err[i] 0 or the frame's error, as Xen's foreign map gives
 *       them: -EINVAL for a frame with no RAM (a hole, or given back),
 *       -ENOENT for one not resident now (Xen's paged-out frame: its I/O
 *       is started, and libxenforeignmemory retries such frames until
 *       they map, so a hole must never read as -ENOENT); with any -ENOENT
 *       the call fails with ENOENT, as Linux's. A domain not running Xen:
 *       -ESRCH. The first map into a VMA covers it whole; later ones fill
 *       slots still empty (-EINVAL otherwise), as Linux's. It waits,
 *       killably, while the guest's VMM changes its memory (slots_lock).
 *   IOCTL_PRIVCMD_MMAP_RESOURCE {dom, type, id, idx, num, addr}:
 *       XENMEM_resource_grant_table, id shared: the grant table's frames
 *       [idx, idx + num) (those the guest has now; -EINVAL beyond), or
 *       with addr and num 0 how many it may have (num is written).
 *       The status frames (a v2 table's): -EINVAL, Domino's tables are v1.
 *       Other types (ioreq servers, vmtrace): -EOPNOTSUPP, as Xen without
 *       them.
 *   Other ioctls: -ENOTTY.
 *
 * A mapping holds a reference on each page it maps (a guest's RAM page,
 * from its VMM's memory, or a grant table frame) until the VMA goes, not
 * one on the domain: a domain destroyed meanwhile is gone at once, its
 * mapped pages live on until the unmap; so does a page the guest gives
 * back or its VMM replaces meanwhile (the map shows the old page, as a
 * Xen foreign map keeps its page). Pages go in as PFN maps (VM_PFNMAP |
 * VM_IO, never copied on fork, never split, never dumped, moved whole by
 * mremap); a private mapping is refused (-EINVAL at mmap: it could not
 * be copied on write), and one that was read-only when a map went in
 * never turns writable.
 *
 * No /dev/xen/hypercall: libxencall falls back to locked anonymous
 * buffers when the node is absent (ENOENT), which copy_from_user reads as
 * well.
 *
 * Who may: the node is root's (0600), as Linux's; the descriptor, once
 * open, is the capability for hypercalls, as on a Xen dom0. Mapping a
 * domain's memory takes more: CAP_SYS_ADMIN on an unrestricted descriptor
 * (any domain, logged once per domain), or a descriptor restricted to
 * that domain (a device model that dropped its privileges keeps its own
 * guest's memory, and only it).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/memory.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/privcmd.h>

#include "alloc.h"
#include "domain.h"
#include "hypercall.h"
#include "xen.h"
#include "xen_domain.h"
#include "evtchn.h"
#include "grant_table.h"

/* Linux's privcmd_dm_op_max_num and privcmd_dm_op_buf_max_size defaults. */
#define PRIVCMD_DM_OP_MAX_BUFS	16
#define PRIVCMD_DM_OP_MAX_SIZE	4096

/* Pages one MMAPBATCH_V2 or MMAP_RESOURCE may map (4 GiB). */
#define PRIVCMD_MAP_MAX		(1UL << 20)

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

/* EVTCHNOP_status of a port (lsevtchn); the rest is a guest's own. */
static long privcmd_evtchn_op(struct xen_call *c)
{
	struct evtchn_status st;
	struct domino_domain *d;
	long r;

	if (c->arg[0] != EVTCHNOP_status)
		return -ENOSYS;
	if (c->copy_from(c, c->arg[1], &st, sizeof(st)))
		return -EFAULT;
	/* Domain 0's own ports are /dev/xen/evtchn's (`lsevtchn` with no id). */
	if (st.dom == DOMID_SELF || st.dom == 0) {
		r = xen_dom0_evtchn_status(&st);
	} else {
		d = domino_domain_find(st.dom);
		if (!d)
			return -ESRCH;
		r = d->xen ? xen_evtchn_status(d, &st) : -ESRCH;
		domino_domain_put(d);
	}
	if (!r && c->copy_to(c, c->arg[1], &st, sizeof(st)))
		r = -EFAULT;
	return r;
}

/* HVMOP_get_param/set_param of a guest; the guest's own hvm_op is its. */
static long privcmd_hvm_op(struct xen_call *c)
{
	bool set = c->arg[0] == HVMOP_set_param;
	struct domino_xen_param dp = {};
	struct xen_hvm_param p;
	struct domino_domain *d;
	long r;

	if (!set && c->arg[0] != HVMOP_get_param)
		return -ENOSYS;
	if (c->copy_from(c, c->arg[1], &p, sizeof(p)))
		return -EFAULT;
	/* Domain 0 itself is no HVM domain (Xen's answer to a PV dom0). */
	if (p.domid == DOMID_SELF || !p.domid)
		return -EINVAL;
	d = domino_domain_find(p.domid);
	if (!d)
		return -ESRCH;
	dp.index = p.index;
	dp.value = p.value;
	r = d->xen ? xen_host_param(d, &dp, set) : -ESRCH;
	domino_domain_put(d);
	if (r || set)
		return r;
	p.value = dp.value;
	return c->copy_to(c, c->arg[1], &p, sizeof(p));
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
	case __HYPERVISOR_hvm_op:
		r = privcmd_hvm_op(&c);
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

/* ---- mappings ---- */

/*
 * struct privcmd_map - what a privcmd VMA maps: a slot per page of it,
 * the page referenced while mapped (NULL: nothing there). Made by the
 * first map, which covers the VMA whole; freed with the VMA.
 */
struct privcmd_map {
	refcount_t users;	/* VMAs holding it: two while mremap moves one */
	unsigned long nr;
	struct page *pages[];
};

static const struct vm_operations_struct privcmd_vm_ops;

/*
 * mremap copies the VMA (open on the copy, its page table entries moved
 * there) and then closes the old one: the copy keeps the slots and the
 * page references, so each VMA holding them counts.
 */
static void privcmd_vma_open(struct vm_area_struct *vma)
{
	struct privcmd_map *map = vma->vm_private_data;

	if (map)
		refcount_inc(&map->users);
}

/* The page table entries are gone at the last close: the pages may go. */
static void privcmd_vma_close(struct vm_area_struct *vma)
{
	struct privcmd_map *map = vma->vm_private_data;
	unsigned long i;

	if (!map || !refcount_dec_and_test(&map->users))
		return;
	for (i = 0; i < map->nr; i++)
		if (map->pages[i])
			put_page(map->pages[i]);
	domino_kvfree(map);
}

/* One slot array per VMA: a split would free it twice. */
static int privcmd_vma_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

/* A slot never mapped (or a frame that failed) reads as a bus error. */
static vm_fault_t privcmd_vma_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct privcmd_vm_ops = {
	.open		= privcmd_vma_open,
	.close		= privcmd_vma_close,
	.may_split	= privcmd_vma_may_split,
	.fault		= privcmd_vma_fault,
};

static int privcmd_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* remap_pfn_range cannot make copy-on-write copies of these. */
	if (is_cow_mapping(vma->vm_flags))
		return -EINVAL;
	/*
	 * Read-only stays read-only: frames looked up without breaking the
	 * VMM's copy-on-write sharing must never turn writable (mprotect).
	 */
	if (!(vma->vm_flags & VM_WRITE))
		vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &privcmd_vm_ops;
	vma->vm_private_data = NULL;
	return 0;
}

/*
 * Who may map @dom's memory: a descriptor restricted to it, or root's
 * (CAP_SYS_ADMIN) unrestricted one, which is logged once per domain.
 */
static int privcmd_may_map(struct privcmd_file *f, struct domino_domain *d)
{
	u32 r = READ_ONCE(f->restrict_domid);

	if (r != DOMID_INVALID)
		return r == d->domid ? 0 : -EPERM;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!atomic_xchg(&d->foreign_mapped, 1))
		pr_info("privcmd: %s (pid %d) maps domain %u's memory\n",
			current->comm, task_pid_nr(current), d->domid);
	return 0;
}

/*
 * The Xen domain @dom that a map names, referenced, if this descriptor
 * may map it; else NULL and *@r: -ESRCH (none, or no Xen) or -EPERM.
 */
static struct domino_domain *privcmd_map_target(struct privcmd_file *f, u16 dom, long *r)
{
	struct domino_domain *d = domino_domain_find(dom);

	*r = -ESRCH;
	if (d && d->xen)
		*r = privcmd_may_map(f, d);
	if (d && *r) {
		domino_domain_put(d);
		d = NULL;
	}
	return d;
}

/* Whether [addr, addr + nr pages) may take a map in @vma; makes its slots. */
static int privcmd_vma_slots(struct vm_area_struct *vma, unsigned long addr,
			     unsigned long nr)
{
	struct privcmd_map *map;
	unsigned long first, i;

	if (!vma || vma->vm_ops != &privcmd_vm_ops || addr < vma->vm_start ||
	    nr > (vma->vm_end - addr) >> PAGE_SHIFT)
		return -EINVAL;
	map = vma->vm_private_data;
	if (!map) {
		/* The first map covers the VMA, as Linux's. */
		if (addr != vma->vm_start || addr + (nr << PAGE_SHIFT) != vma->vm_end)
			return -EINVAL;
		map = domino_kvzalloc(struct_size(map, pages, nr), GFP_KERNEL_ACCOUNT);
		if (!map)
			return -ENOMEM;
		refcount_set(&map->users, 1);
		map->nr = nr;
		vma->vm_private_data = map;
		return 0;
	}
	first = (addr - vma->vm_start) >> PAGE_SHIFT;
	for (i = 0; i < nr; i++)
		if (map->pages[first + i])
			return -EINVAL;
	return 0;
}

/*
 * Map @pages (NULL where @errs says why not) at @addr of the caller's
 * privcmd VMA; each page mapped moves into the VMA's slots (NULL here).
 * A page that cannot be mapped gets its error in @errs.
 */
static int privcmd_map_pages(unsigned long addr, struct page **pages, int *errs,
			     unsigned long nr, bool *writable)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct privcmd_map *map;
	unsigned long i, first;
	int r;

	mmap_write_lock(mm);
	vma = find_vma(mm, addr);
	r = privcmd_vma_slots(vma, addr, nr);
	if (r)
		goto out;
	if (writable && !(vma->vm_flags & VM_WRITE) != !*writable) {
		/* The frames were looked up for another protection: again. */
		*writable = vma->vm_flags & VM_WRITE;
		r = -EAGAIN;
		goto out;
	}
	/*
	 * Frames looked up for reading (the zero page, a page the VMM shares
	 * copy-on-write, a private file's cached page) must never turn
	 * writable: a VMA made writable and then mprotected read-only still
	 * has VM_MAYWRITE, which would let mprotect make them writable.
	 */
	if (writable && !*writable)
		vma->vm_flags &= ~VM_MAYWRITE;
	map = vma->vm_private_data;
	first = (addr - vma->vm_start) >> PAGE_SHIFT;
	for (i = 0; i < nr; i++) {
		if (!pages[i])
			continue;
		r = remap_pfn_range(vma, addr + (i << PAGE_SHIFT), page_to_pfn(pages[i]),
				    PAGE_SIZE, vma->vm_page_prot);
		if (r) {
			errs[i] = r;
			continue;
		}
		map->pages[first + i] = pages[i];
		pages[i] = NULL;
	}
	r = 0;
out:
	mmap_write_unlock(mm);
	return r;
}

static void privcmd_put_pages(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (pages[i])
			put_page(pages[i]);
}

/* Whether the caller's VMA at @addr maps writably (a hint; checked again). */
static bool privcmd_vma_writable(unsigned long addr)
{
	struct vm_area_struct *vma;
	bool w = false;

	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	if (vma && vma->vm_ops == &privcmd_vm_ops)
		w = vma->vm_flags & VM_WRITE;
	mmap_read_unlock(current->mm);
	return w;
}

static long privcmd_mmapbatch(struct privcmd_file *f, void __user *uarg)
{
	struct privcmd_mmapbatch_v2 m;
	struct domino_domain *d;
	struct page **pages = NULL;
	xen_pfn_t *gfns = NULL;
	int *errs = NULL;
	unsigned long i;
	bool writable, any_absent = false;
	long r;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (privcmd_restricted(f) && m.dom != READ_ONCE(f->restrict_domid))
		return -EPERM;
	if (!m.num || m.num > PRIVCMD_MAP_MAX || offset_in_page(m.addr))
		return -EINVAL;
	d = privcmd_map_target(f, m.dom, &r);
	if (!d)
		goto out;
	r = -ENOMEM;
	gfns = domino_kvzalloc(m.num * sizeof(*gfns), GFP_KERNEL_ACCOUNT);
	errs = domino_kvzalloc(m.num * sizeof(*errs), GFP_KERNEL_ACCOUNT);
	pages = domino_kvzalloc(m.num * sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!gfns || !errs || !pages)
		goto out;
	r = -EFAULT;
	if (copy_from_user(gfns, m.arr, m.num * sizeof(*gfns)) ||
	    clear_user(m.err, m.num * sizeof(*errs)))
		goto out;

	writable = privcmd_vma_writable(m.addr);
again:
	/* Outside our mmap lock: the guest's VMM may be this process. */
	for (i = 0; i < m.num; i++) {
		r = -EINVAL;
		if (gfns[i] < (~0ULL >> PAGE_SHIFT))
			r = domino_guest_get_page(d, gfns[i] << PAGE_SHIFT, writable, &pages[i]);
		if (fatal_signal_pending(current)) {
			if (!r)
				put_page(pages[i]);
			pages[i] = NULL;
			r = -EINTR;
			goto out;
		}
		if (r)
			pages[i] = NULL;
		errs[i] = !r ? 0 : r == -EAGAIN ? -ENOENT : -EINVAL;
	}
	r = privcmd_map_pages(m.addr, pages, errs, m.num, &writable);
	if (r == -EAGAIN) {
		privcmd_put_pages(pages, m.num);
		memset(pages, 0, m.num * sizeof(*pages));
		goto again;
	}
	if (r)
		goto out;
	for (i = 0; i < m.num; i++)
		any_absent |= errs[i] == -ENOENT;
	r = copy_to_user(m.err, errs, m.num * sizeof(*errs)) ? -EFAULT :
	    any_absent ? -ENOENT : 0;
out:
	if (pages)
		privcmd_put_pages(pages, m.num);
	domino_kvfree(pages);
	domino_kvfree(errs);
	domino_kvfree(gfns);
	if (d)
		domino_domain_put(d);
	return r;
}

/* The grant table's frames [idx, idx + nr), referenced into @pages. */
static int privcmd_gnttab_frames(struct domino_domain *d, u64 idx, u64 nr,
				 struct page **pages)
{
	struct xen_gnttab *gt = &d->xen->gnttab;
	u64 i;
	int r = 0;

	mutex_lock(&gt->lock);
	if (idx > gt->nr_frames || nr > gt->nr_frames - idx) {
		r = -EINVAL;
	} else {
		for (i = 0; i < nr; i++) {
			pages[i] = gt->frame[idx + i];
			get_page(pages[i]);
		}
	}
	mutex_unlock(&gt->lock);
	return r;
}

static long privcmd_mmap_resource(struct privcmd_file *f,
				  struct privcmd_mmap_resource __user *uarg)
{
	struct privcmd_mmap_resource k;
	struct domino_domain *d;
	struct page **pages = NULL;
	int *errs = NULL;
	u64 i;
	long r;

	if (copy_from_user(&k, uarg, sizeof(k)))
		return -EFAULT;
	if (privcmd_restricted(f) && k.dom != READ_ONCE(f->restrict_domid))
		return -EPERM;
	if (!k.addr != !k.num || k.num > PRIVCMD_MAP_MAX || offset_in_page(k.addr))
		return -EINVAL;
	d = privcmd_map_target(f, k.dom, &r);
	if (!d)
		goto out;
	if (k.type != XENMEM_resource_grant_table) {
		r = -EOPNOTSUPP;
		goto out;
	}
	r = -EINVAL;
	if (k.id != XENMEM_resource_grant_table_id_shared)
		goto out;
	if (!k.num) {
		r = put_user((u64)READ_ONCE(d->xen->gnttab.max_frames), &uarg->num);
		goto out;
	}
	r = -ENOMEM;
	pages = domino_kvzalloc(k.num * sizeof(*pages), GFP_KERNEL_ACCOUNT);
	errs = domino_kvzalloc(k.num * sizeof(*errs), GFP_KERNEL_ACCOUNT);
	if (!pages || !errs)
		goto out;
	r = privcmd_gnttab_frames(d, k.idx, k.num, pages);
	if (r)
		goto out;
	r = privcmd_map_pages(k.addr, pages, errs, k.num, NULL);
	for (i = 0; !r && i < k.num; i++)
		r = errs[i];
out:
	if (pages)
		privcmd_put_pages(pages, k.num);
	domino_kvfree(pages);
	domino_kvfree(errs);
	if (d)
		domino_domain_put(d);
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
	case IOCTL_PRIVCMD_MMAPBATCH_V2:
		return privcmd_mmapbatch(f, uarg);
	case IOCTL_PRIVCMD_MMAP_RESOURCE:
		return privcmd_mmap_resource(f, uarg);
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
	.mmap		= privcmd_mmap,
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
