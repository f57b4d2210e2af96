// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging (EPT and NPT) shared by both vendors. The table
 * formats differ only in their entry bits (struct domino_tdp_format); the
 * walk, the lazy fill and the zapping are written once here.
 */
#include <linux/mm.h>
#include <linux/io.h>
#include <asm/pgtable.h>

#include "tdp.h"
#include "alloc.h"

#define TDP_ENTRIES		512
#define TDP_PA_MASK		GENMASK_ULL(51, 12)

/*
 * NPT walks the nested tables in the host's own paging mode (APM vol. 2,
 * 15.25.5: nested paging uses host CR4.LA57), so the depth must follow the
 * host: 5 levels when the kernel runs with LA57, else 4. EPT picks its depth
 * in the EPTP; using the same depth keeps one table walker for both.
 */
unsigned int domino_tdp_host_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

static unsigned int tdp_index(u64 gpa, unsigned int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static u64 *tdp_table_va(u64 entry)
{
	return phys_to_virt(entry & TDP_PA_MASK);
}

int domino_tdp_init(struct domino_tdp *tdp, const struct domino_tdp_format *fmt,
		    unsigned int levels)
{
	tdp->fmt = fmt;
	tdp->levels = levels;
	tdp->root = domino_alloc_page(GFP_KERNEL_ACCOUNT);
	return tdp->root ? 0 : -ENOMEM;
}

u64 domino_tdp_root_pa(const struct domino_tdp *tdp)
{
	return page_to_phys(tdp->root);
}

/* Tables are at most 5 deep: the recursion is bounded by tdp->levels. */
static void tdp_free_table(struct domino_tdp *tdp, u64 *table,
			   unsigned int level)
{
	unsigned int i;

	if (level == 1)
		return;
	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 e = table[i];

		if (!tdp->fmt->present(e) || tdp->fmt->large(e))
			continue;
		tdp_free_table(tdp, tdp_table_va(e), level - 1);
		domino_free_page(virt_to_page(tdp_table_va(e)));
	}
}

void domino_tdp_destroy(struct domino_tdp *tdp)
{
	if (!tdp->root)
		return;
	tdp_free_table(tdp, page_address(tdp->root), tdp->levels);
	domino_free_page(tdp->root);
	tdp->root = NULL;
}

int domino_tdp_cache_topup(struct domino_tdp_cache *cache, unsigned int need)
{
	while (cache->nr < need && cache->nr < DOMINO_TDP_CACHE_PAGES) {
		struct page *page = domino_alloc_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

void domino_tdp_cache_free(struct domino_tdp_cache *cache)
{
	while (cache->nr)
		domino_free_page(cache->pages[--cache->nr]);
}

int domino_tdp_map(struct domino_tdp *tdp, struct domino_tdp_cache *cache,
		   u64 gpa, u64 pa, unsigned int level, bool writable)
{
	const struct domino_tdp_format *fmt = tdp->fmt;
	u64 *table = page_address(tdp->root);
	unsigned int l;

	for (l = tdp->levels; l > level; l--) {
		u64 *e = &table[tdp_index(gpa, l)];

		/* A large leaf in the way was zapped before a smaller map. */
		if (fmt->present(*e) && fmt->large(*e))
			WRITE_ONCE(*e, 0);
		if (!fmt->present(*e)) {
			struct page *page;

			if (!cache->nr)
				return -ENOMEM;
			page = cache->pages[--cache->nr];
			WRITE_ONCE(*e, fmt->table(page_to_phys(page)));
		}
		table = tdp_table_va(*e);
	}
	/* A large leaf never replaces a table: the caller maps 4 KiB instead. */
	if (level > 1 && fmt->present(table[tdp_index(gpa, level)]) &&
	    !fmt->large(table[tdp_index(gpa, level)]))
		return -EEXIST;
	WRITE_ONCE(table[tdp_index(gpa, level)], fmt->leaf(pa, writable, level));
	return 0;
}

/*
 * The host physical address @gpa translates to, or 0 if nothing maps it.
 * Under the caller's table lock. @level: the leaf's level (1: 4 KiB).
 */
u64 domino_tdp_lookup(struct domino_tdp *tdp, u64 gpa, unsigned int *level)
{
	const struct domino_tdp_format *fmt = tdp->fmt;
	u64 *table = page_address(tdp->root);
	unsigned int l;

	for (l = tdp->levels; l >= 1; l--) {
		u64 e = READ_ONCE(table[tdp_index(gpa, l)]);
		u64 span = 1ULL << (12 + 9 * (l - 1));

		if (!fmt->present(e))
			return 0;
		if (l == 1 || fmt->large(e)) {
			*level = l;
			return (e & TDP_PA_MASK & ~(span - 1)) | (gpa & (span - 1));
		}
		table = tdp_table_va(e);
	}
	return 0;
}

static bool tdp_unmap_level(struct domino_tdp *tdp, u64 *table,
			    unsigned int level, u64 base, u64 start, u64 end)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));
	bool zapped = false;
	unsigned int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 lo = base + i * span, hi = lo + span;
		u64 e = table[i];

		if (hi <= start || lo >= end || !tdp->fmt->present(e))
			continue;
		if (level == 1 || tdp->fmt->large(e)) {
			WRITE_ONCE(table[i], 0);
			zapped = true;
			continue;
		}
		zapped |= tdp_unmap_level(tdp, tdp_table_va(e), level - 1, lo,
					  start, end);
	}
	return zapped;
}

bool domino_tdp_unmap(struct domino_tdp *tdp, u64 start, u64 end)
{
	return tdp_unmap_level(tdp, page_address(tdp->root), tdp->levels, 0,
			       start, end);
}
