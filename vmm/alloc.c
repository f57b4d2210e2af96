// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation accounting. The module's memory goes through these wrappers
 * so that tests (sysfs alloc_objects/alloc_pages) and module unload can
 * prove nothing was left behind: the lab's kernel has no kmemleak.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/atomic.h>

#include "alloc.h"

static atomic_long_t domino_objects = ATOMIC_LONG_INIT(0);
static atomic_long_t domino_pages = ATOMIC_LONG_INIT(0);

void *domino_kzalloc(size_t size, gfp_t gfp)
{
	void *ptr = kzalloc(size, gfp | __GFP_ACCOUNT);

	if (ptr)
		atomic_long_inc(&domino_objects);
	return ptr;
}

void domino_kfree(const void *ptr)
{
	if (!ptr)
		return;
	atomic_long_dec(&domino_objects);
	kfree(ptr);
}

/* Large arrays (one slot per page of a mapping): vmalloc when kmalloc can't. */
void *domino_kvzalloc(size_t size, gfp_t gfp)
{
	void *ptr = kvzalloc(size, gfp | __GFP_ACCOUNT);

	if (ptr)
		atomic_long_inc(&domino_objects);
	return ptr;
}

void domino_kvfree(const void *ptr)
{
	if (!ptr)
		return;
	atomic_long_dec(&domino_objects);
	kvfree(ptr);
}

struct page *domino_alloc_page(gfp_t gfp)
{
	struct page *page = alloc_page(gfp | __GFP_ZERO);

	if (page)
		atomic_long_inc(&domino_pages);
	return page;
}

void domino_free_page(struct page *page)
{
	if (!page)
		return;
	atomic_long_dec(&domino_pages);
	__free_page(page);
}

struct page *domino_alloc_pages_order(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp | __GFP_ZERO, order);

	if (page)
		atomic_long_add(1L << order, &domino_pages);
	return page;
}

void domino_free_pages_order(struct page *page, unsigned int order)
{
	if (!page)
		return;
	atomic_long_sub(1L << order, &domino_pages);
	__free_pages(page, order);
}

long domino_alloc_objects(void)
{
	return atomic_long_read(&domino_objects);
}

long domino_alloc_pages(void)
{
	return atomic_long_read(&domino_pages);
}
