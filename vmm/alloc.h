/* SPDX-License-Identifier: GPL-2.0 */
/* Every allocation the module makes is counted (vmm/alloc.c). */
#ifndef DOMINO_ALLOC_H
#define DOMINO_ALLOC_H

#include <linux/gfp.h>
#include <linux/types.h>

struct page;

void *domino_kzalloc(size_t size, gfp_t gfp);
void domino_kfree(const void *ptr);
void *domino_kvzalloc(size_t size, gfp_t gfp);
void domino_kvfree(const void *ptr);
struct page *domino_alloc_page(gfp_t gfp);
void domino_free_page(struct page *page);
struct page *domino_alloc_pages_order(gfp_t gfp, unsigned int order);
void domino_free_pages_order(struct page *page, unsigned int order);
long domino_alloc_objects(void);
long domino_alloc_pages(void);

#endif /* DOMINO_ALLOC_H */
