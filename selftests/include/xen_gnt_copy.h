/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's struct gnttab_copy (include/xen/interface/grant_table.h), 64-bit. */
#ifndef DOMINO_SELFTEST_XEN_GNT_COPY_H
#define DOMINO_SELFTEST_XEN_GNT_COPY_H

#include <stdint.h>

struct gnt_copy {
	uint64_t src;
	uint16_t src_dom, src_off;
	uint32_t pad0;			/* cppcheck-suppress unusedStructMember */
	uint64_t dst;
	uint16_t dst_dom, dst_off;
	uint32_t pad1;			/* cppcheck-suppress unusedStructMember */
	uint16_t len, flags;
	int16_t status;
	uint16_t pad2;			/* cppcheck-suppress unusedStructMember */
};

#endif /* DOMINO_SELFTEST_XEN_GNT_COPY_H */
