// SPDX-License-Identifier: GPL-2.0
/*
 * EPT entry format (SDM 29.3.2) for the shared nested-table code in ept/.
 */
#include <asm/vmx.h>

#include "tdp.h"
#include "vmx.h"

/* Write-back memory type in bits 5:3 of a leaf (SDM 29.3.7). */
#define EPT_MT_WB	(6ULL << VMX_EPT_MT_EPTE_SHIFT)
#define EPT_LARGE	(1ULL << 7)

static u64 ept_leaf(u64 pa, bool writable, unsigned int level)
{
	return pa | VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
	       (writable ? VMX_EPT_WRITABLE_MASK : 0) | EPT_MT_WB |
	       (level > 1 ? EPT_LARGE : 0);
}

static u64 ept_table(u64 pa)
{
	return pa | VMX_EPT_RWX_MASK;
}

/* Any of R/W/X set makes an entry present (SDM 29.3.2). */
static bool ept_present(u64 e)
{
	return e & VMX_EPT_RWX_MASK;
}

static bool ept_large(u64 e)
{
	return e & EPT_LARGE;
}

const struct domino_tdp_format vmx_ept_format = {
	.leaf = ept_leaf,
	.table = ept_table,
	.present = ept_present,
	.large = ept_large,
};
