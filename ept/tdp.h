/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Nested page tables (NPT and EPT) behind one walker. The vendors differ
 * only in entry bits, supplied as a struct domino_tdp_format.
 */
#ifndef DOMINO_TDP_H
#define DOMINO_TDP_H

#include <linux/types.h>

struct page;

/* Entry encodings of one vendor's nested tables. */
struct domino_tdp_format {
	/* A leaf mapping @pa at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB). */
	u64 (*leaf)(u64 pa, bool writable, unsigned int level);
	/* A non-leaf entry pointing at the table at @pa. */
	u64 (*table)(u64 pa);
	bool (*present)(u64 entry);
	bool (*large)(u64 entry);
};

#define DOMINO_TDP_CACHE_PAGES	5

/* Pages taken before the table lock is held, as the walk may need them. */
struct domino_tdp_cache {
	unsigned int nr;
	struct page *pages[DOMINO_TDP_CACHE_PAGES];
};

struct domino_tdp {
	const struct domino_tdp_format *fmt;
	unsigned int levels;
	struct page *root;
};

/* Levels of the host's own page tables, which nested tables match. */
unsigned int domino_tdp_host_levels(void);
int domino_tdp_init(struct domino_tdp *tdp, const struct domino_tdp_format *fmt,
		    unsigned int levels);
void domino_tdp_destroy(struct domino_tdp *tdp);
u64 domino_tdp_root_pa(const struct domino_tdp *tdp);

int domino_tdp_cache_topup(struct domino_tdp_cache *cache, unsigned int need);
void domino_tdp_cache_free(struct domino_tdp_cache *cache);

/*
 * Under the caller's table lock. Returns 0, -ENOMEM (cache empty), or
 * -EEXIST when a large mapping would cover an existing table.
 */
int domino_tdp_map(struct domino_tdp *tdp, struct domino_tdp_cache *cache,
		   u64 gpa, u64 pa, unsigned int level, bool writable);
/* Clears leaves in [start, end); true if anything was present. */
bool domino_tdp_unmap(struct domino_tdp *tdp, u64 start, u64 end);
u64 domino_tdp_lookup(struct domino_tdp *tdp, u64 gpa, unsigned int *level);

#endif /* DOMINO_TDP_H */
