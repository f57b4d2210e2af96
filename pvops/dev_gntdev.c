// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/xen/gntdev: domain 0 maps and copies its guests' grants, with the
 * ioctls of Linux's gntdev driver (include/uapi/xen/gntdev.h), so that
 * Xen's libxengnttab and its clients (xenstored, qemu's backends) work
 * unchanged against Domino's guests. The host plays domain 0.
 *
 *   MAP_GRANT_REF  {count, refs[count] = {domid, ref}} OUT {index}:
 *       reserves count pages of the file's offsets (the first gap, as
 *       Linux does) and looks up each granted page now (see below);
 *       count 0 or past the file's limit -EINVAL, past the host's limit
 *       -ENOSPC. A bad grant does not fail here: the mmap does.
 *   mmap(MAP_SHARED, offset index, count pages): maps the guest's own
 *       pages, each grant pinned as Xen pins a host mapping (GTF_reading,
 *       GTF_writing for PROT_WRITE, kept while mapped): every grant must
 *       be a permit_access grant to domain 0 of the frame looked up,
 *       writable ones without GTF_readonly now and at MAP_GRANT_REF, or
 *       the mmap is -EINVAL with nothing left pinned. A range maps
 *       once; a writable private mapping is -EINVAL; a read-only one can
 *       never become writable.
 *   UNMAP_GRANT_REF {index, count}: the range goes; pages mapped stay
 *       until munmap (Linux's). -ENOENT for no such range.
 *   GET_OFFSET_FOR_VADDR {vaddr} OUT {offset, count}: of the mapping
 *       there, -EINVAL when none.
 *   SET_MAX_GRANTS {count}: grants the file may hold at once (reserved
 *       or still mapped); above GNTDEV_FILE_MAX -EINVAL.
 *   SET_UNMAP_NOTIFY {index, action, event_channel_port}: when the range
 *       containing offset index is unmapped, clear the byte at index
 *       (writable mappings only; a read-only one -EINVAL) and/or send on
 *       domain 0's port (one open in /dev/xen/evtchn, else -EINVAL; sent
 *       by a worker just after the pages are unpinned, to whatever port
 *       domain 0's port is bound to then: a guest's, or domain 0's own
 *       other end of a loopback pair).
 *   GRANT_COPY {count, segments}: GNTTABOP_copy for domain 0, each
 *       segment a grant (ref, offset, domid) or a virtual address of the
 *       caller's on each side (at least one grant; a grant's range within
 *       its page, else -EINVAL); a segment's status is Xen's for its
 *       first op that failed. An address that cannot be read or written:
 *       -EFAULT.
 *   The DMABUF ioctls: -ENOTTY, as Linux without CONFIG_XEN_GNTDEV_DMABUF.
 *
 * Domain 0's mmap runs under its own mmap_lock, where no guest's memory
 * may be waited for (the caller may be that guest's VMM): MAP_GRANT_REF
 * looks the pages up (xen_gnttab_peek_dom0) and the mmap only pins
 * (xen_gnttab_pin_dom0), checking that the grant still names the frame
 * looked up. So a grant must exist when MAP_GRANT_REF is called, where
 * Linux looks at it only at mmap time.
 *
 * A mapping holds page references and, per grant, (domid, serial, ref):
 * not the domain. A domain destroyed while mapped goes at once, its pages
 * staying readable here until munmap; the unmap then finds nothing to
 * unpin (or another domain with the id reused, which it leaves alone).
 * The pages are mapped as raw frames (VM_PFNMAP): guest RAM may be the
 * VMM's anonymous memory, which vm_insert_page() refuses.
 *
 * Locking: the file's lock guards its ranges and counts; it is taken
 * under mmap_lock (mmap, munmap) and never held across a grant's pin or
 * unpin, nor across a user copy (a fault takes mmap_lock).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <uapi/xen/gntdev.h>

#include "alloc.h"
#include "evtchn.h"
#include "grant_table.h"
#include "xen.h"

/* Grants one file may hold at once by default (Linux's limit) and at most. */
#define GNTDEV_FILE_DEFAULT	65536
#define GNTDEV_FILE_MAX		65536
/* Grants in one range: its array is one allocation. */
#define GNTDEV_MAP_MAX		16384
/* Grants all files together may hold: 1 GiB of guest pages. */
#define GNTDEV_TOTAL_MAX	262144
/* Offsets the ranges may use, in pages: an offset's bytes fit in 63 bits. */
#define GNTDEV_INDEX_LIMIT	(1ULL << 40)
/* Waits of 10 ms for pages not resident (GNTST_eagain), per MAP_GRANT_REF. */
#define GNTDEV_EAGAIN_WAITS	100

static atomic_t gntdev_total = ATOMIC_INIT(0);
/* Sends the unmap events (gntdev_map_free()); drained at module exit. */
static struct workqueue_struct *gntdev_wq;

struct gntdev_grant {
	u32 ref;
	u16 domid;
	s16 status;		/* of the look-up: GNTST_okay with @page */
	bool pinned;
	bool ro;		/* @page looked up for reading only */
	u64 serial;
	u64 gfn;
	struct page *page;
};

/*
 * struct gntdev_map - one range of offsets (MAP_GRANT_REF).
 *
 * @users:  the file's list (until UNMAP_GRANT_REF or close) and each VMA
 *          that maps it (a split VMA is two).
 * @mapped: mmap done (once): @readonly says how.
 * @notify_*: SET_UNMAP_NOTIFY, done when the last user goes.
 * @notify_work: sends the event, then frees the map.
 */
struct gntdev_map {
	struct list_head node;
	struct gntdev_file *f;
	refcount_t users;
	u64 index;
	u32 count;
	bool mapped;
	bool readonly;
	u32 notify_flags;
	u64 notify_off;
	u32 notify_port;
	struct work_struct notify_work;
	struct gntdev_grant g[];
};

struct gntdev_file {
	struct mutex lock;
	struct list_head maps;	/* by index */
	u32 used;		/* grants of the maps that exist */
	u32 limit;
};

/* ---- ranges ---- */

/* Under the file's lock: the range at @index of @count pages (any if 0). */
static struct gntdev_map *gntdev_find(struct gntdev_file *f, u64 index, u32 count)
{
	struct gntdev_map *m;

	list_for_each_entry(m, &f->maps, node)
		if (m->index == index && (!count || m->count == count))
			return m;
	return NULL;
}

/* Under the file's lock: the first gap of @count pages, kept in order. */
static int gntdev_place(struct gntdev_file *f, struct gntdev_map *m)
{
	struct list_head *pos = &f->maps;
	struct gntdev_map *it;
	u64 index = 0;

	list_for_each_entry(it, &f->maps, node) {
		if (index + m->count <= it->index) {
			pos = &it->node;
			break;
		}
		index = it->index + it->count;
	}
	if (index + m->count > GNTDEV_INDEX_LIMIT)
		return -ENOSPC;
	m->index = index;
	list_add_tail(&m->node, pos);
	return 0;
}

static void gntdev_notify_work(struct work_struct *work)
{
	struct gntdev_map *m = container_of(work, struct gntdev_map, notify_work);

	xen_dom0_port_send(m->notify_port);
	domino_kvfree(m);
}

/*
 * The last user went: the byte cleared, the pins and pages dropped, the
 * event sent, as Linux's unmap does in that order.
 */
static void gntdev_map_free(struct gntdev_map *m)
{
	struct gntdev_file *f = m->f;
	u32 i;

	if ((m->notify_flags & UNMAP_NOTIFY_CLEAR_BYTE) && m->mapped && !m->readonly) {
		struct gntdev_grant *g = &m->g[m->notify_off >> PAGE_SHIFT];
		u8 *p;

		if (g->page) {
			p = kmap_local_page(g->page);
			WRITE_ONCE(p[m->notify_off & ~PAGE_MASK], 0);
			kunmap_local(p);
		}
	}
	for (i = 0; i < m->count; i++) {
		struct gntdev_grant *g = &m->g[i];

		if (g->pinned)
			xen_gnttab_unpin_dom0(g->domid, g->serial, g->ref, m->readonly);
		if (g->page)
			unpin_user_pages_dirty_lock(&g->page, 1, m->mapped && !m->readonly);
	}
	mutex_lock(&f->lock);
	f->used -= m->count;
	mutex_unlock(&f->lock);
	atomic_sub(m->count, &gntdev_total);
	/*
	 * From a worker: here may be munmap, under the caller's mmap_lock,
	 * and the caller may be the guest's VMM, whose event delivery
	 * writes guest memory at once under the guest's event lock.
	 */
	if (m->notify_flags & UNMAP_NOTIFY_SEND_EVENT) {
		INIT_WORK(&m->notify_work, gntdev_notify_work);
		queue_work(gntdev_wq, &m->notify_work);
		return;
	}
	domino_kvfree(m);
}

static void gntdev_map_put(struct gntdev_map *m)
{
	if (refcount_dec_and_test(&m->users))
		gntdev_map_free(m);
}

/* ---- MAP_GRANT_REF, UNMAP_GRANT_REF ---- */

/*
 * Look a grant's page up, waiting (killably) for one not resident: 10 ms
 * at a time, out of @waits for the whole MAP_GRANT_REF.
 */
static void gntdev_peek(struct gntdev_grant *g, unsigned int *waits)
{
	for (;;) {
		g->status = xen_gnttab_peek_dom0(g->domid, g->ref, &g->serial,
						 &g->gfn, &g->page, &g->ro);
		if (g->status != GNTST_eagain || !*waits ||
		    schedule_timeout_killable(msecs_to_jiffies(10)) ||
		    fatal_signal_pending(current))
			break;
		(*waits)--;
	}
	if (g->status)
		g->page = NULL;
}

static long gntdev_map_grant_ref(struct gntdev_file *f,
				 struct ioctl_gntdev_map_grant_ref __user *u)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct ioctl_gntdev_grant_ref ref;
	unsigned int waits = GNTDEV_EAGAIN_WAITS;
	struct gntdev_map *m;
	long r;
	u32 i;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (!op.count || op.count > GNTDEV_MAP_MAX || op.count > READ_ONCE(f->limit))
		return -EINVAL;
	if (atomic_add_return(op.count, &gntdev_total) > GNTDEV_TOTAL_MAX) {
		atomic_sub(op.count, &gntdev_total);
		return -ENOSPC;
	}
	m = domino_kvzalloc(struct_size(m, g, op.count), GFP_KERNEL_ACCOUNT);
	if (!m) {
		atomic_sub(op.count, &gntdev_total);
		return -ENOMEM;
	}
	m->f = f;
	m->count = op.count;
	refcount_set(&m->users, 1);

	mutex_lock(&f->lock);
	if (f->used + op.count > f->limit) {
		mutex_unlock(&f->lock);
		atomic_sub(op.count, &gntdev_total);
		domino_kvfree(m);
		return -EINVAL;
	}
	f->used += op.count;
	mutex_unlock(&f->lock);

	for (i = 0; i < op.count; i++) {
		if (copy_from_user(&ref, &u->refs[i], sizeof(ref))) {
			r = -EFAULT;
			goto out_put;
		}
		m->g[i].domid = ref.domid < DOMID_FIRST_RESERVED ? ref.domid : DOMID_INVALID;
		m->g[i].ref = ref.ref;
	}
	for (i = 0; i < op.count; i++) {
		if (fatal_signal_pending(current)) {
			r = -EINTR;
			goto out_put;
		}
		gntdev_peek(&m->g[i], &waits);
		cond_resched();
	}

	mutex_lock(&f->lock);
	r = gntdev_place(f, m);
	/* Ours while the index goes out: the range is listed from here. */
	if (!r)
		refcount_inc(&m->users);
	mutex_unlock(&f->lock);
	if (r)
		goto out_put;
	/*
	 * Not under the file's lock: a fault here takes mmap_lock, which
	 * munmap and mmap hold while they take the file's lock.
	 */
	op.index = m->index << PAGE_SHIFT;
	if (copy_to_user(u, &op, sizeof(op))) {
		r = -EFAULT;
		/* Unreserved again, unless another thread found it meanwhile. */
		mutex_lock(&f->lock);
		if (!m->mapped && gntdev_find(f, m->index, m->count) == m) {
			list_del(&m->node);
			refcount_dec(&m->users);
		}
		mutex_unlock(&f->lock);
	}
out_put:
	gntdev_map_put(m);
	return r;
}

static long gntdev_unmap_grant_ref(struct gntdev_file *f,
				   struct ioctl_gntdev_unmap_grant_ref __user *u)
{
	struct ioctl_gntdev_unmap_grant_ref op;
	struct gntdev_map *m;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.index & ~PAGE_MASK)
		return -ENOENT;
	mutex_lock(&f->lock);
	m = gntdev_find(f, op.index >> PAGE_SHIFT, op.count);
	if (m)
		list_del(&m->node);
	mutex_unlock(&f->lock);
	if (!m)
		return -ENOENT;
	gntdev_map_put(m);
	return 0;
}

/* ---- mmap ---- */

static void gntdev_vma_open(struct vm_area_struct *vma)
{
	struct gntdev_map *m = vma->vm_private_data;

	/* A split or a move: each VMA puts what it holds. */
	refcount_inc(&m->users);
}

static void gntdev_vma_close(struct vm_area_struct *vma)
{
	gntdev_map_put(vma->vm_private_data);
}

/* The pages go in as they are touched: each is held and pinned already. */
static vm_fault_t gntdev_vma_fault(struct vm_fault *vmf)
{
	struct gntdev_map *m = vmf->vma->vm_private_data;
	u64 i = vmf->pgoff - m->index;

	if (vmf->pgoff < m->index || i >= m->count)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(m->g[i].page));
}

static const struct vm_operations_struct gntdev_vm_ops = {
	.open	= gntdev_vma_open,
	.close	= gntdev_vma_close,
	.fault	= gntdev_vma_fault,
};

/*
 * Pin every grant of @m, or none. A page looked up for reading only was
 * not made the guest's own (it may be the zero page, or a page of a file
 * the VMM maps privately): it is never mapped writable, even when the
 * guest has made its grant writable since MAP_GRANT_REF.
 */
static int gntdev_pin_all(struct gntdev_map *m, bool readonly)
{
	u32 i;

	for (i = 0; i < m->count; i++) {
		struct gntdev_grant *g = &m->g[i];

		if (g->status || (g->ro && !readonly) ||
		    xen_gnttab_pin_dom0(g->domid, g->serial, g->ref, g->gfn, readonly))
			goto undo;
		g->pinned = true;
	}
	return 0;
undo:
	while (i--) {
		xen_gnttab_unpin_dom0(m->g[i].domid, m->g[i].serial, m->g[i].ref,
				      readonly);
		m->g[i].pinned = false;
	}
	return -EINVAL;
}

static int gntdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gntdev_file *f = file->private_data;
	bool readonly = !(vma->vm_flags & VM_WRITE);
	unsigned long count = vma_pages(vma);
	struct gntdev_map *m;
	int r;

	if (!readonly && !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&f->lock);
	m = count <= GNTDEV_MAP_MAX ? gntdev_find(f, vma->vm_pgoff, count) : NULL;
	if (!m || m->mapped) {
		mutex_unlock(&f->lock);
		return -EINVAL;
	}
	/* Claimed before the pins, which run without the lock. */
	m->mapped = true;
	m->readonly = readonly;
	refcount_inc(&m->users);
	mutex_unlock(&f->lock);

	r = gntdev_pin_all(m, readonly);
	if (r) {
		mutex_lock(&f->lock);
		m->mapped = false;
		mutex_unlock(&f->lock);
		gntdev_map_put(m);
		return r;
	}
	/* Nothing fails from here: mmap_region() would not close the VMA. */
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_IO | VM_PFNMAP;
	/* Never writable later: the grant may be read-only. */
	if (readonly)
		vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_private_data = m;
	vma->vm_ops = &gntdev_vm_ops;
	return 0;
}

/* ---- the other ioctls ---- */

static long gntdev_offset_for_vaddr(struct gntdev_file *f,
				    struct ioctl_gntdev_get_offset_for_vaddr __user *u)
{
	struct ioctl_gntdev_get_offset_for_vaddr op;
	struct vm_area_struct *vma;
	struct gntdev_map *m;
	long r = -EINVAL;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (mmap_read_lock_killable(current->mm))
		return -EINTR;
	vma = vma_lookup(current->mm, op.vaddr);
	if (vma && vma->vm_ops == &gntdev_vm_ops) {
		m = vma->vm_private_data;
		/* Only this file's: another's offsets mean nothing here. */
		if (m->f == f) {
			op.offset = m->index << PAGE_SHIFT;
			op.count = m->count;
			r = 0;
		}
	}
	mmap_read_unlock(current->mm);
	if (!r && copy_to_user(u, &op, sizeof(op)))
		return -EFAULT;
	return r;
}

static long gntdev_set_max_grants(struct gntdev_file *f,
				  struct ioctl_gntdev_set_max_grants __user *u)
{
	struct ioctl_gntdev_set_max_grants op;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.count > GNTDEV_FILE_MAX)
		return -EINVAL;
	mutex_lock(&f->lock);
	WRITE_ONCE(f->limit, op.count);
	mutex_unlock(&f->lock);
	return 0;
}

static long gntdev_set_unmap_notify(struct gntdev_file *f,
				    struct ioctl_gntdev_unmap_notify __user *u)
{
	struct ioctl_gntdev_unmap_notify op;
	struct gntdev_map *m;
	long r = -ENOENT;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return -EINVAL;
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) && !xen_dom0_port_open(op.event_channel_port))
		return -EINVAL;
	mutex_lock(&f->lock);
	list_for_each_entry(m, &f->maps, node) {
		u64 off = op.index - (m->index << PAGE_SHIFT);

		if (op.index < (m->index << PAGE_SHIFT) || off >= (u64)m->count << PAGE_SHIFT)
			continue;
		if ((op.action & UNMAP_NOTIFY_CLEAR_BYTE) && m->mapped && m->readonly) {
			r = -EINVAL;
			break;
		}
		m->notify_flags = op.action;
		m->notify_off = off;
		m->notify_port = op.event_channel_port;
		r = 0;
		break;
	}
	mutex_unlock(&f->lock);
	return r;
}

/* A page of the caller's at @addr, referenced (written to if @write). */
static int gntdev_user_page(u64 addr, bool write, struct page **pagep)
{
	if (get_user_pages_fast(addr & PAGE_MASK, 1, write ? FOLL_WRITE : 0, pagep) != 1)
		return -EFAULT;
	return 0;
}

/* One segment: ops of at most a page of the caller's each. */
static long gntdev_copy_seg(const struct gntdev_grant_copy_segment *seg, s16 *status)
{
	bool src_ref = seg->flags & GNTCOPY_source_gref;
	bool dst_ref = seg->flags & GNTCOPY_dest_gref;
	u16 done = 0;

	/* Other flag bits are ignored, as Linux builds each op's own. */
	if (!src_ref && !dst_ref)
		return -EINVAL;
	if (src_ref && seg->source.foreign.offset + seg->len > PAGE_SIZE)
		return -EINVAL;
	if (dst_ref && seg->dest.foreign.offset + seg->len > PAGE_SIZE)
		return -EINVAL;
	*status = GNTST_okay;
	while (done < seg->len) {
		struct page *sp = NULL, *dp = NULL;
		struct xen_gnt_copy_op op = {};
		u16 len = seg->len - done;
		u64 va;
		int r;

		if (src_ref) {
			op.src = seg->source.foreign.ref;
			op.src_dom = seg->source.foreign.domid;
			op.src_off = seg->source.foreign.offset + done;
		} else {
			va = (u64)(uintptr_t)seg->source.virt + done;
			op.src_off = va & ~PAGE_MASK;
			len = min_t(u32, len, PAGE_SIZE - op.src_off);
			r = gntdev_user_page(va, false, &sp);
			if (r)
				return r;
		}
		if (dst_ref) {
			op.dst = seg->dest.foreign.ref;
			op.dst_dom = seg->dest.foreign.domid;
			op.dst_off = seg->dest.foreign.offset + done;
		} else {
			va = (u64)(uintptr_t)seg->dest.virt + done;
			op.dst_off = va & ~PAGE_MASK;
			len = min_t(u32, len, PAGE_SIZE - op.dst_off);
			r = gntdev_user_page(va, true, &dp);
			if (r) {
				if (sp)
					put_page(sp);
				return r;
			}
		}
		op.len = len;
		op.flags = seg->flags & (GNTCOPY_source_gref | GNTCOPY_dest_gref);
		/* The pages' references pass to the copy. */
		*status = xen_gnttab_copy_dom0(&op, sp, dp);
		if (*status)
			break;
		done += len;
	}
	return 0;
}

static long gntdev_grant_copy(struct ioctl_gntdev_grant_copy __user *u)
{
	struct ioctl_gntdev_grant_copy op;
	struct gntdev_grant_copy_segment seg;
	unsigned int i;
	long r;
	s16 st;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	for (i = 0; i < op.count; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (copy_from_user(&seg, &op.segments[i], sizeof(seg)))
			return -EFAULT;
		st = GNTST_okay;
		r = gntdev_copy_seg(&seg, &st);
		if (r)
			return r;
		if (put_user(st, &op.segments[i].status))
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

static long gntdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gntdev_file *f = file->private_data;
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return gntdev_map_grant_ref(f, p);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return gntdev_unmap_grant_ref(f, p);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return gntdev_offset_for_vaddr(f, p);
	case IOCTL_GNTDEV_SET_MAX_GRANTS:
		return gntdev_set_max_grants(f, p);
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return gntdev_set_unmap_notify(f, p);
	case IOCTL_GNTDEV_GRANT_COPY:
		return gntdev_grant_copy(p);
	default:
		/* DMABUF included: Linux without CONFIG_XEN_GNTDEV_DMABUF. */
		return -ENOTTY;
	}
}

static int gntdev_open(struct inode *inode, struct file *file)
{
	struct gntdev_file *f = domino_kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_LIST_HEAD(&f->maps);
	f->limit = GNTDEV_FILE_DEFAULT;
	file->private_data = f;
	return 0;
}

/* Every VMA is gone (each held the file): only the listed ranges are left. */
static int gntdev_release(struct inode *inode, struct file *file)
{
	struct gntdev_file *f = file->private_data;
	struct gntdev_map *m;

	for (;;) {
		mutex_lock(&f->lock);
		m = list_first_entry_or_null(&f->maps, struct gntdev_map, node);
		if (m)
			list_del(&m->node);
		mutex_unlock(&f->lock);
		if (!m)
			break;
		gntdev_map_put(m);
	}
	WARN_ON_ONCE(f->used);
	domino_kfree(f);
	return 0;
}

static const struct file_operations gntdev_fops = {
	.owner		= THIS_MODULE,
	.open		= gntdev_open,
	.release	= gntdev_release,
	.mmap		= gntdev_mmap,
	.unlocked_ioctl	= gntdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

/* Root's, as Linux's: docs/uapi.md says who may open what. */
static struct miscdevice gntdev_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "xen/gntdev",
	.fops	= &gntdev_fops,
	.mode	= 0600,
};

static bool gntdev_registered;

void domino_xen_gntdev_init(void)
{
	int r = -ENOMEM;

	gntdev_wq = alloc_workqueue("domino_gntdev", 0, 0);
	if (gntdev_wq) {
		r = misc_register(&gntdev_dev);
		if (r)
			destroy_workqueue(gntdev_wq);
	}

	if (r)
		pr_warn("/dev/xen/gntdev not registered (%d); domain 0 cannot map grants\n", r);
	gntdev_registered = !r;
}

void domino_xen_gntdev_exit(void)
{
	if (!gntdev_registered)
		return;
	misc_deregister(&gntdev_dev);
	/* The last events of files closed before the unload. */
	destroy_workqueue(gntdev_wq);
	WARN_ON(atomic_read(&gntdev_total));
}
