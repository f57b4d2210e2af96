/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_DOMAIN_H
#define DOMINO_DOMAIN_H

#include <linux/kref.h>
#include <linux/workqueue.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <linux/domino.h>

#include "../ept/tdp.h"

struct domino_vcpu;
struct domino_ioapic;

/* One guest-physical range backed by VMM memory. */
struct domino_memslot {
	u64 gpa;
	u64 size;		/* 0: slot unused */
	u64 hva;
	u32 flags;		/* DOMINO_MEM_* */
};

/*
 * struct domino_domain - one guest domain.
 *
 * Lives as long as a reference does: the domain fd holds one, each vCPU
 * fd another. The last put destroys it.
 *
 * Guest memory: slots map GPA ranges onto the VMM's address space (mm).
 * Nested tables are filled lazily on faults and zapped by the MMU notifier
 * when the VMM's mapping changes. mmu_lock guards the tables, the slots
 * and the notifier sequence; slots_lock serialises slot updates.
 */
struct domino_domain {
	struct kref ref;
	/* domino_domain_put_deferred(): the destruction, on a worker. */
	struct work_struct destroy_work;
	u32 domid;
	u64 serial;			/* unique for the module's life (IBPB) */
	u32 flags;			/* DOMINO_DOMAIN_* from creation */
	/* Limits from creation (Xen's maxmem, max_vcpus); 0 memory: none. */
	u64 max_memory;
	u32 max_vcpus;

	struct mm_struct *mm;		/* the creating VMM's; ioctls only from it */
	struct mmu_notifier mn;

	struct mutex slots_lock;
	spinlock_t mmu_lock;
	struct domino_memslot slots[DOMINO_MAX_MEMORY_SLOTS];
	u64 memory;			/* bytes the slots map (slots_lock) */
	unsigned long mmu_seq;		/* bumped when a mapping may be stale */
	long mmu_in_progress;		/* invalidations under way */
	/* The last invalidation that zapped something, for post-mortems. */
	unsigned long zaps;
	u64 last_zap_start, last_zap_end;
	ktime_t last_zap_time;
	struct domino_tdp tdp;
	atomic_long_t large_maps;	/* 2 MiB nested mappings made */
	atomic64_t tlb_gen;		/* bumped after zapping: vCPUs flush */

	struct mutex vcpus_lock;
	spinlock_t vcpus_kick_lock;	/* vcpus[] for kicks (non-sleeping) */
	struct domino_vcpu *vcpus[DOMINO_MAX_VCPUS];
	unsigned int nr_vcpus;

	/* One guest TSC for all vCPUs: offsets differing would warp it. */
	s64 tsc_offset;
	/* DOMINO_DOMAIN_IRQCHIP: the I/O APIC and the paravirtual clock. */
	struct domino_ioapic *ioapic;
	u64 pvclock_base_ns;		/* host time at guest system time 0 */
	u64 pvclock_wall_msr;
	/* Domain 0 mapped its memory (pvops/dev_privcmd.c logs it once). */
	atomic_t foreign_mapped;
	/* DOMINO_DOMAIN_XEN: Xen's per-domain state (pvops/), its limits. */
	struct domino_xen *xen;
	u32 max_grant_frames;
	u32 max_maptrack_frames;
};

/* vmm/domain.c */
int domino_domain_create(struct domino_create_domain __user *uarg);
unsigned int domino_domain_count(void);
void domino_domain_exit(void);
/*
 * Whether this thread is the domain's VMM (its address space holds the
 * guest's memory): what every guest-memory access needs. A domain being
 * torn down has no mm; a kernel thread has none either.
 */
static inline bool domino_domain_own_mm(const struct domino_domain *d)
{
	return d->mm && current->mm == d->mm;
}

void domino_domain_get(struct domino_domain *d);
/*
 * For a reference dropped where the destruction must not run: under a
 * process's mmap_lock (gntdev's and privcmd's mmap and VMA close), whose
 * holder the destruction could wait for. The last one destroys the
 * domain on domino's workqueue.
 */
void domino_domain_put_deferred(struct domino_domain *d);
/* Module load and unload: the workqueue; unload waits for its work. */
int domino_domain_init(void);
void domino_domain_put(struct domino_domain *d);
struct domino_domain *domino_domain_find(u32 domid);
struct domino_domain *domino_domain_find_next(u32 *domid);
/* Whether a domain has id @domid right now (a hint: it may go at once). */
bool domino_domain_exists(u32 domid);

/* vmm/memory.c */
int domino_memory_init(struct domino_domain *d);
void domino_memory_destroy(struct domino_domain *d);
int domino_memory_set_region(struct domino_domain *d,
			     struct domino_memory_region __user *uarg);

enum domino_fault_result {
	DOMINO_FAULT_MAPPED,		/* retry the access */
	DOMINO_FAULT_MMIO,		/* not RAM (or a write to ROM): emulate */
	DOMINO_FAULT_BAD_BACKING,	/* the VMM's mapping is gone */
};
int domino_memory_fault(struct domino_domain *d, struct domino_tdp_cache *cache,
			u64 gpa, bool write);
long domino_memory_large_maps(void);
/* Copy to/from guest-physical memory through the slots (RAM only). */
int domino_guest_read(struct domino_domain *d, u64 gpa, void *buf, size_t len);
void domino_memory_audit(struct domino_domain *d, u64 gpa, const char *what);
int domino_guest_write(struct domino_domain *d, u64 gpa, const void *buf,
		       size_t len);
int domino_guest_cmpxchg(struct domino_domain *d, u64 gpa, unsigned int size,
			 u64 *old, u64 new);
/*
 * Under slots_lock: is all of [gpa, gpa + len) writable RAM? And the
 * guest gives such a range back: its nested mappings go at once and the
 * VMM's memory behind it returns to the host (zeros on the next touch).
 * The caller keeps the range from being faulted in again (a Xen domain's
 * absent frames, pvops/balloon.c). From the VMM's context.
 */
bool domino_memory_ram_range(struct domino_domain *d, u64 gpa, u64 len);
void domino_memory_discard(struct domino_domain *d, u64 gpa, u64 len);
/*
 * Guest frame @gfn maps something else now (pvops placed a page of its
 * own there, domino_xen_frame_pa(), or took it away): its nested mapping
 * goes, and faults racing with the change look again. Any context.
 */
void domino_memory_zap_gfn(struct domino_domain *d, u64 gfn);
/*
 * The page behind guest RAM at @gpa, referenced, from any context: 0,
 * -EFAULT (not RAM), or -EAGAIN (not resident: it would have to wait).
 */
int domino_guest_get_page(struct domino_domain *d, u64 gpa, bool write,
			  struct page **pagep);
/* The same, pinned for long: released with unpin_user_page(). */
int domino_guest_pin_page(struct domino_domain *d, u64 gpa, bool write,
			  struct page **pagep);

#endif /* DOMINO_DOMAIN_H */
