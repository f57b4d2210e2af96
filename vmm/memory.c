// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: slots mapping guest-physical ranges onto the VMM's virtual
 * memory, the nested-page-fault path that fills the tables lazily, the MMU
 * notifier that zaps them when the VMM's mapping changes, and the checked
 * accessors every kernel read or write of guest memory goes through (from
 * the VMM's context, or for another domain's grant copy a page taken with
 * domino_guest_get_page()).
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "domino.h"
#include "domain.h"
#include "vendor_ops.h"
#include "tdp.h"
#include "vcpu.h"
#include "xen.h"

#define GPA_LIMIT	(1ULL << DOMINO_GUEST_PHYS_BITS)

/* The slot holding @gpa, or NULL. Caller holds mmu_lock or slots_lock. */
static const struct domino_memslot *memslot_find(struct domino_domain *d,
						 u64 gpa)
{
	unsigned int i;

	for (i = 0; i < DOMINO_MAX_MEMORY_SLOTS; i++) {
		const struct domino_memslot *s = &d->slots[i];

		if (s->size && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* Zap the nested mappings of the HVA range in every slot that maps it. */
static bool memory_zap_hva(struct domino_domain *d, unsigned long start,
			   unsigned long end)
{
	bool zapped = false;
	unsigned int i;

	for (i = 0; i < DOMINO_MAX_MEMORY_SLOTS; i++) {
		const struct domino_memslot *s = &d->slots[i];
		u64 lo, hi;

		if (!s->size || end <= s->hva || start >= s->hva + s->size)
			continue;
		lo = max_t(u64, start, s->hva) - s->hva + s->gpa;
		hi = min_t(u64, end, s->hva + s->size) - s->hva + s->gpa;
		if (domino_tdp_unmap(&d->tdp, lo, hi)) {
			zapped = true;
			d->zaps++;
			d->last_zap_start = lo;
			d->last_zap_end = hi;
			d->last_zap_time = ktime_get();
		}
	}
	return zapped;
}

/* After zapping: no vCPU may use a stale translation on its next entry. */
static void memory_flush(struct domino_domain *d)
{
	atomic64_inc(&d->tlb_gen);
	domino_domain_kick_all(d);
}

static int memory_invalidate_start(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	struct domino_domain *d = container_of(mn, struct domino_domain, mn);
	bool zapped;

	spin_lock(&d->mmu_lock);
	d->mmu_in_progress++;
	zapped = memory_zap_hva(d, range->start, range->end);
	spin_unlock(&d->mmu_lock);
	if (zapped)
		memory_flush(d);
	return 0;
}

static void memory_invalidate_end(struct mmu_notifier *mn,
				  const struct mmu_notifier_range *range)
{
	struct domino_domain *d = container_of(mn, struct domino_domain, mn);

	spin_lock(&d->mmu_lock);
	d->mmu_seq++;
	d->mmu_in_progress--;
	spin_unlock(&d->mmu_lock);
}

/* The VMM's address space is going away: nothing stays mapped. */
static void memory_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct domino_domain *d = container_of(mn, struct domino_domain, mn);

	spin_lock(&d->mmu_lock);
	d->mmu_seq++;
	domino_tdp_unmap(&d->tdp, 0, GPA_LIMIT);
	spin_unlock(&d->mmu_lock);
	memory_flush(d);
}

static const struct mmu_notifier_ops domino_mmu_notifier_ops = {
	.invalidate_range_start	= memory_invalidate_start,
	.invalidate_range_end	= memory_invalidate_end,
	.release		= memory_release,
};

int domino_memory_init(struct domino_domain *d)
{
	int r;

	mutex_init(&d->slots_lock);
	spin_lock_init(&d->mmu_lock);
	r = domino_tdp_init(&d->tdp, domino_vendor_tdp_format(),
			    domino_caps.tdp_levels);
	if (r)
		return r;
	d->mm = current->mm;
	mmgrab(d->mm);
	d->mn.ops = &domino_mmu_notifier_ops;
	r = mmu_notifier_register(&d->mn, d->mm);
	if (r) {
		mmdrop(d->mm);
		d->mm = NULL;
		domino_tdp_destroy(&d->tdp);
	}
	return r;
}

void domino_memory_destroy(struct domino_domain *d)
{
	if (d->mm) {
		mmu_notifier_unregister(&d->mn, d->mm);
		mmdrop(d->mm);
		d->mm = NULL;
	}
	domino_tdp_destroy(&d->tdp);
}

static int memory_check_region(struct domino_domain *d,
			       const struct domino_memory_region *r)
{
	unsigned int i;

	if (r->slot >= DOMINO_MAX_MEMORY_SLOTS || r->flags & ~DOMINO_MEM_READONLY)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(r->reserved); i++)
		if (r->reserved[i])
			return -EINVAL;
	if (!r->memory_size)
		return 0;
	if (!PAGE_ALIGNED(r->guest_phys_addr) || !PAGE_ALIGNED(r->memory_size) ||
	    !PAGE_ALIGNED(r->userspace_addr))
		return -EINVAL;
	if (r->guest_phys_addr >= GPA_LIMIT ||
	    r->memory_size > GPA_LIMIT - r->guest_phys_addr)
		return -EINVAL;
	/* The whole range must be a user address range (no wrap, no kernel). */
	if (r->userspace_addr + r->memory_size < r->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)r->userspace_addr,
		       r->memory_size))
		return -EFAULT;

	for (i = 0; i < DOMINO_MAX_MEMORY_SLOTS; i++) {
		const struct domino_memslot *s = &d->slots[i];

		if (i == r->slot || !s->size)
			continue;
		if (r->guest_phys_addr < s->gpa + s->size &&
		    s->gpa < r->guest_phys_addr + r->memory_size)
			return -EEXIST;
	}
	return 0;
}

int domino_memory_set_region(struct domino_domain *d,
			     struct domino_memory_region __user *uarg)
{
	struct domino_memory_region r;
	struct domino_memslot *s;
	u64 old_gpa, old_size;
	int err;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;

	mutex_lock(&d->slots_lock);
	err = memory_check_region(d, &r);
	if (err)
		goto out;
	s = &d->slots[r.slot];
	/* The domain's own limit, over all its slots (Xen's maxmem). */
	if (d->max_memory && d->memory - s->size + r.memory_size > d->max_memory) {
		err = -ENOSPC;
		goto out;
	}
	d->memory += r.memory_size - s->size;

	spin_lock(&d->mmu_lock);
	old_gpa = s->gpa;
	old_size = s->size;
	s->gpa = r.guest_phys_addr;
	s->size = r.memory_size;
	s->hva = r.userspace_addr;
	s->flags = r.flags;
	/* Faults racing with this see the new seq and retry. */
	d->mmu_seq++;
	if (old_size)
		domino_tdp_unmap(&d->tdp, old_gpa, old_gpa + old_size);
	spin_unlock(&d->mmu_lock);
	if (old_size) {
		memory_flush(d);
		/* New backing: frames a Xen guest gave back there are RAM again. */
		domino_xen_memory_changed(d, old_gpa, old_size);
	}
out:
	mutex_unlock(&d->slots_lock);
	return err;
}

bool domino_memory_ram_range(struct domino_domain *d, u64 gpa, u64 len)
{
	lockdep_assert_held(&d->slots_lock);
	while (len) {
		const struct domino_memslot *s = memslot_find(d, gpa);
		u64 chunk;

		if (!s || (s->flags & DOMINO_MEM_READONLY))
			return false;
		chunk = min(len, s->gpa + s->size - gpa);
		gpa += chunk;
		len -= chunk;
	}
	return true;
}

/*
 * Hand the VMM's memory behind [start, end) back to the host, so that
 * whoever touches it next finds zeros. Private anonymous memory (what
 * Domino's VMM maps) is zapped as MADV_DONTNEED would: its pages are
 * freed. A shared writable file (memfd, shmem) gets a hole punched, as
 * MADV_REMOVE would. Anything else (mlocked or hugetlb memory, private
 * file mappings, a file that cannot punch holes) is zeroed instead: the
 * contents are gone, the memory stays the VMM's. PFN and I/O mappings
 * are left alone: guest RAM is never mapped from them (the fault path
 * cannot pin their pages). From the VMM's own context, mmap_lock not held.
 */
static void memory_discard_host(struct mm_struct *mm, unsigned long start,
				unsigned long end)
{
	unsigned long addr = start;

	while (addr < end) {
		struct vm_area_struct *vma;
		struct file *file = NULL;
		unsigned long lo, hi;
		bool zero = false;
		loff_t off = 0;

		mmap_read_lock(mm);
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end) {
			mmap_read_unlock(mm);
			return;
		}
		lo = max(addr, vma->vm_start);
		hi = min(end, vma->vm_end);
		if (vma->vm_flags & (VM_PFNMAP | VM_IO)) {
			/* not memory the guest could have had */
		} else if (vma->vm_flags & (VM_LOCKED | VM_HUGETLB)) {
			zero = true;
		} else if (vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED)) {
			zap_page_range(vma, lo, hi - lo);
		} else if (vma->vm_file &&
			   (vma->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE)) {
			file = get_file(vma->vm_file);
			off = (loff_t)(lo - vma->vm_start) +
			      ((loff_t)vma->vm_pgoff << PAGE_SHIFT);
		} else {
			zero = true;
		}
		mmap_read_unlock(mm);
		/* The hole is punched without mmap_lock, as madvise_remove() does. */
		if (file) {
			zero = vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					     off, hi - lo) != 0;
			fput(file);
		}
		/* Best effort: a range the VMM made unwritable stays as it is. */
		if (zero && clear_user((void __user *)lo, hi - lo))
			pr_debug("cannot zero discarded guest memory at %#lx-%#lx\n",
				 lo, hi);
		addr = hi;
		cond_resched();
	}
}

void domino_memory_discard(struct domino_domain *d, u64 gpa, u64 len)
{
	u64 end = gpa + len;

	lockdep_assert_held(&d->slots_lock);
	/*
	 * The caller made these frames absent first: a fault racing with this
	 * sees the new seq, looks again and finds them gone.
	 */
	spin_lock(&d->mmu_lock);
	d->mmu_seq++;
	domino_tdp_unmap(&d->tdp, gpa, end);
	spin_unlock(&d->mmu_lock);
	memory_flush(d);

	if (!domino_domain_own_mm(d))
		return;
	while (gpa < end) {
		const struct domino_memslot *s = memslot_find(d, gpa);
		u64 chunk;

		if (!s)
			return;
		chunk = min(end - gpa, s->gpa + s->size - gpa);
		memory_discard_host(d->mm, s->hva + (gpa - s->gpa),
				    s->hva + (gpa - s->gpa) + chunk);
		gpa += chunk;
	}
}

static atomic_long_t domino_large_maps = ATOMIC_LONG_INIT(0);

long domino_memory_large_maps(void)
{
	return atomic_long_read(&domino_large_maps);
}

/*
 * Is @hva mapped by a PMD-sized leaf in the VMM's page tables? Read
 * locklessly with interrupts off, as GUP-fast does; the answer is only
 * a hint, and the mmu_seq check after it catches any change.
 */
static bool memory_host_pmd_mapped(struct mm_struct *mm, unsigned long hva,
				   bool writable)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || pud_bad(pud))
		goto out;
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_large(pmd) && (!writable || pmd_write(pmd));
out:
	local_irq_restore(flags);
	return huge;
}

/*
 * Map 2 MiB at once where everything lines up: the 2 MiB guest frame lies
 * in the slot, guest and host addresses are congruent modulo 2 MiB, and
 * the host maps the backing with one PMD. Returns the level to map at and
 * the physical address of the frame's first byte.
 */
static unsigned int memory_map_level(struct domino_domain *d,
				     const struct domino_memslot *slot,
				     u64 gpa, unsigned long hva,
				     struct page *page, bool writable, u64 *pa)
{
	u64 base = gpa & PMD_MASK;
	struct page *head;

	*pa = page_to_phys(page);
	if (!(domino_caps.features & DOMINO_FEAT_TDP_2M) ||
	    base < slot->gpa || base + PMD_SIZE > slot->gpa + slot->size ||
	    (slot->hva - slot->gpa) & ~PMD_MASK)
		return 1;
	/* A frame the guest gave back must stay out of reach (pvops/balloon.c). */
	if (domino_xen_absent(d, base >> PAGE_SHIFT, PTRS_PER_PMD))
		return 1;
	head = compound_head(page);
	if (!PageTransCompound(page) || compound_order(head) != PMD_SHIFT - PAGE_SHIFT ||
	    page - head != ((hva & ~PMD_MASK) >> PAGE_SHIFT) ||
	    !memory_host_pmd_mapped(d->mm, hva, writable))
		return 1;
	*pa = page_to_phys(head);
	return 2;
}

/*
 * A page of the module's own that the guest placed at @gpa's frame (a Xen
 * grant table frame): looked up and mapped under one hold of mmu_lock, so
 * a page moved away meanwhile (its zap comes after, under the same lock)
 * is never mapped after its zap. 0 when mapped, 1 when none is there any
 * more, or an error.
 */
static int memory_map_own_page(struct domino_domain *d,
			       struct domino_tdp_cache *cache, u64 gpa)
{
	u64 pa;
	int r;

	r = domino_tdp_cache_topup(cache, d->tdp.levels - 1);
	if (r)
		return r;
	spin_lock(&d->mmu_lock);
	pa = domino_xen_frame_pa(d, gpa >> PAGE_SHIFT);
	if (pa)
		r = domino_tdp_map(&d->tdp, cache, gpa & PAGE_MASK, pa, 1, true);
	spin_unlock(&d->mmu_lock);
	return pa ? r : 1;
}

/*
 * Resolve a nested page fault at @gpa. Called from the vCPU run loop with
 * preemption on, in the VMM's context (domino_domain_own_mm(d)).
 */
int domino_memory_fault(struct domino_domain *d, struct domino_tdp_cache *cache,
			u64 gpa, bool write)
{
	struct domino_memslot slot;
	const struct domino_memslot *s;
	struct page *page;
	unsigned long seq, hva;
	unsigned int level;
	bool writable, own;
	u64 pa;
	long n;
	int r;

	for (;;) {
		seq = READ_ONCE(d->mmu_seq);
		smp_rmb();	/* seq before the slot and the page lookup */

		spin_lock(&d->mmu_lock);
		/* Placed over RAM or a hole, such a page hides what was there. */
		own = domino_xen_frame_pa(d, gpa >> PAGE_SHIFT) != 0;
		s = own ? NULL : memslot_find(d, gpa);
		if (s)
			slot = *s;
		spin_unlock(&d->mmu_lock);
		if (own) {
			r = memory_map_own_page(d, cache, gpa);
			if (r > 0)
				continue;	/* moved away meanwhile: look again */
			return r ? r : DOMINO_FAULT_MAPPED;
		}
		if (!s)
			return DOMINO_FAULT_MMIO;
		/*
		 * A frame a Xen guest gave back is not RAM until it populates
		 * it again: as where Xen's p2m has no entry, the access goes to
		 * the VMM, which must not fault its memory back in for it.
		 */
		if (domino_xen_absent(d, gpa >> PAGE_SHIFT, 1))
			return DOMINO_FAULT_MMIO;
		writable = !(slot.flags & DOMINO_MEM_READONLY);
		if (write && !writable)
			return DOMINO_FAULT_MMIO;

		hva = slot.hva + ((gpa & PAGE_MASK) - slot.gpa);
		n = get_user_pages_unlocked(hva, 1, &page,
					    writable ? FOLL_WRITE : 0);
		if (n != 1)
			return DOMINO_FAULT_BAD_BACKING;

		r = domino_tdp_cache_topup(cache, d->tdp.levels - 1);
		if (r) {
			put_page(page);
			return r;
		}

		spin_lock(&d->mmu_lock);
		if (d->mmu_in_progress || seq != d->mmu_seq) {
			/* The mapping changed under us: look again. */
			spin_unlock(&d->mmu_lock);
			put_page(page);
			cond_resched();
			continue;
		}
		level = memory_map_level(d, &slot, gpa, hva, page, writable, &pa);
		r = domino_tdp_map(&d->tdp, cache,
				   gpa & (level == 2 ? PMD_MASK : PAGE_MASK),
				   pa, level, writable);
		if (r == -EEXIST) {
			level = 1;
			r = domino_tdp_map(&d->tdp, cache, gpa & PAGE_MASK,
					   page_to_phys(page), 1, writable);
		}
		spin_unlock(&d->mmu_lock);
		put_page(page);
		if (!r && level == 2) {
			atomic_long_inc(&domino_large_maps);
			atomic_long_inc(&d->large_maps);
		}
		return r ? r : DOMINO_FAULT_MAPPED;
	}
}

/*
 * Does the nested mapping of @gpa still point at the page that backs it
 * in the VMM? For post-mortems (a guest that died): prints both, and the
 * first bytes the guest sees there. From the VMM's context.
 */
void domino_memory_audit(struct domino_domain *d, u64 gpa, const char *what)
{
	const struct domino_memslot *s;
	unsigned int level = 0;
	struct page *page;
	unsigned long hva = 0;
	u64 mapped, backing = 0, seen = 0;

	spin_lock(&d->mmu_lock);
	mapped = domino_tdp_lookup(&d->tdp, gpa, &level);
	s = memslot_find(d, gpa);
	if (s)
		hva = s->hva + ((gpa & PAGE_MASK) - s->gpa);
	spin_unlock(&d->mmu_lock);
	if (hva && get_user_pages_unlocked(hva, 1, &page, 0) == 1) {
		backing = page_to_phys(page) | (gpa & ~PAGE_MASK);
		put_page(page);
	}
	if (mapped && pfn_valid(PHYS_PFN(mapped)))
		seen = *(u64 *)phys_to_virt(mapped & ~7ULL);
	if (!strcmp(what, "cr3"))
		pr_info("d%u nested mappings zapped %lu times, last %lld ms ago: gpa %#llx-%#llx\n",
			d->domid, d->zaps,
			ktime_ms_delta(ktime_get(), d->last_zap_time),
			d->last_zap_start, d->last_zap_end);
	pr_info("d%u %s gpa %#llx: nested map -> %#llx (level %u), VMM backing -> %#llx%s, reads %#llx\n",
		d->domid, what, gpa, mapped, level, backing,
		mapped && backing && mapped != backing ? " MISMATCH" : "", seen);
}

/*
 * The one path by which kernel code reads or writes guest RAM: the range
 * is resolved through the slots and copied with the user-access helpers,
 * so a VMM mapping that vanished is an error, never a host fault. Only
 * from the VMM's own context.
 */
static int guest_copy(struct domino_domain *d, u64 gpa, void *buf, size_t len,
		      bool write)
{
	while (len) {
		const struct domino_memslot *s;
		size_t chunk = min_t(size_t, len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		unsigned long hva;

		if (!domino_domain_own_mm(d))
			return -EFAULT;
		mutex_lock(&d->slots_lock);
		s = memslot_find(d, gpa);
		hva = s ? s->hva + (gpa - s->gpa) : 0;
		if (s && ((write && (s->flags & DOMINO_MEM_READONLY)) ||
			  domino_xen_absent(d, gpa >> PAGE_SHIFT, 1)))
			s = NULL;
		mutex_unlock(&d->slots_lock);
		if (!s)
			return -EFAULT;
		if (write ? copy_to_user((void __user *)hva, buf, chunk) :
			    copy_from_user(buf, (const void __user *)hva, chunk))
			return -EFAULT;
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * A compare-and-exchange on a guest RAM word that the guest updates
 * concurrently with locked instructions (Xen's event bitmaps and FIFO
 * words): LOCK CMPXCHG on the VMM's mapping, of the guest's own operand
 * size, so both sides see one atomic order (SDM 8.1.2.2 asks for the
 * same address and size). @size is 1, 4 or 8 and the word naturally
 * aligned. Returns 0 when swapped, 1 when the word held something else
 * (now in *old), -EFAULT when it is not guest RAM.
 */
int domino_guest_cmpxchg(struct domino_domain *d, u64 gpa, unsigned int size,
			 u64 *old, u64 new)
{
	const struct domino_memslot *s;
	unsigned long hva;
	bool ok;

	if ((size != 1 && size != 4 && size != 8) || (gpa & (size - 1)) ||
	    !domino_domain_own_mm(d))
		return -EFAULT;
	mutex_lock(&d->slots_lock);
	s = memslot_find(d, gpa);
	hva = s ? s->hva + (gpa - s->gpa) : 0;
	if (s && ((s->flags & DOMINO_MEM_READONLY) ||
		  domino_xen_absent(d, gpa >> PAGE_SHIFT, 1)))
		s = NULL;
	mutex_unlock(&d->slots_lock);
	if (!s)
		return -EFAULT;
	if (!user_access_begin((void __user *)hva, size))
		return -EFAULT;
	switch (size) {
	case 1: {
		u8 o = *old;

		ok = unsafe_try_cmpxchg_user((u8 __user *)hva, &o, (u8)new, fault);
		*old = o;
		break;
	}
	case 4: {
		u32 o = *old;

		ok = unsafe_try_cmpxchg_user((u32 __user *)hva, &o, (u32)new, fault);
		*old = o;
		break;
	}
	default: {
		u64 o = *old;

		ok = unsafe_try_cmpxchg_user((u64 __user *)hva, &o, new, fault);
		*old = o;
		break;
	}
	}
	user_access_end();
	return ok ? 0 : 1;
fault:
	user_access_end();
	return -EFAULT;
}

void domino_memory_zap_gfn(struct domino_domain *d, u64 gfn)
{
	bool zapped;

	/* Faults racing with this see the new seq and look again. */
	spin_lock(&d->mmu_lock);
	d->mmu_seq++;
	zapped = domino_tdp_unmap(&d->tdp, gfn << PAGE_SHIFT, (gfn + 1) << PAGE_SHIFT);
	spin_unlock(&d->mmu_lock);
	if (zapped)
		memory_flush(d);
}

/*
 * The page behind guest RAM at @gpa, with a reference, from any context:
 * get_user_pages on the VMM's mm, as access_process_vm() does, so that a
 * vCPU of one domain can copy to or from another domain's memory (a Xen
 * grant copy). Under slots_lock the slot cannot change while the page is
 * looked up; once held, the page outlives a later change (the copy then
 * goes to memory the guest no longer sees, as on Xen). @write needs
 * writable RAM and breaks copy-on-write; the caller dirties and puts the
 * page. -EFAULT for anything else: not RAM, given back, a grant frame,
 * the VMM's address space gone. Another VMM's memory must not make this
 * thread wait on it (a file that never answers, a userfaultfd nobody
 * serves): the fault never sleeps (FOLL_NOWAIT), and a page that needs
 * I/O or its userfaultfd is -EAGAIN, the I/O started (Xen's answer to a
 * paged-out frame is GNTST_eagain, and guests retry).
 */
static int guest_page(struct domino_domain *d, u64 gpa, bool write, bool pin,
		      struct page **pagep)
{
	unsigned int flags = FOLL_NOWAIT | (write ? FOLL_WRITE : 0);
	const struct domino_memslot *s;
	struct mm_struct *mm = NULL;
	unsigned long hva;
	long n;
	int r = -EFAULT;

	if (gpa >= GPA_LIMIT)
		return -EFAULT;
	/* The granter's VMM may hold it across a stalled fault: killable. */
	if (mutex_lock_killable(&d->slots_lock))
		return -EINTR;
	s = memslot_find(d, gpa);
	if (!s || (write && (s->flags & DOMINO_MEM_READONLY)) ||
	    domino_xen_absent(d, gpa >> PAGE_SHIFT, 1))
		goto out;
	hva = s->hva + ((gpa & PAGE_MASK) - s->gpa);
	if (!d->mm || !mmget_not_zero(d->mm))
		goto out;
	mm = d->mm;
	/* Another process's lock: a fatal signal for this one ends the wait. */
	if (mmap_read_lock_killable(mm))
		goto out;
	n = pin ? pin_user_pages_remote(mm, hva, 1, flags | FOLL_LONGTERM, pagep, NULL, NULL) :
		  get_user_pages_remote(mm, hva, 1, flags, pagep, NULL, NULL);
	mmap_read_unlock(mm);
	r = n == 1 ? 0 : n == 0 ? -EAGAIN : -EFAULT;
out:
	mutex_unlock(&d->slots_lock);
	/* Possibly the last user: its teardown runs without our lock. */
	if (mm)
		mmput(mm);
	return r;
}

int domino_guest_get_page(struct domino_domain *d, u64 gpa, bool write,
			  struct page **pagep)
{
	return guest_page(d, gpa, write, false, pagep);
}

/*
 * The same, pinned for long (FOLL_PIN | FOLL_LONGTERM, released with
 * unpin_user_page()): a fork of the VMM copies such a page for the child
 * rather than sharing it copy-on-write, so the guest keeps the very page
 * the pin holds (domain 0's grant mappings, pvops/dev_gntdev.c).
 */
int domino_guest_pin_page(struct domino_domain *d, u64 gpa, bool write,
			  struct page **pagep)
{
	return guest_page(d, gpa, write, true, pagep);
}

int domino_guest_read(struct domino_domain *d, u64 gpa, void *buf, size_t len)
{
	return guest_copy(d, gpa, buf, len, false);
}

int domino_guest_write(struct domino_domain *d, u64 gpa, const void *buf,
		       size_t len)
{
	return guest_copy(d, gpa, (void *)buf, len, true);
}
