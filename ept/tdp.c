// SPDX-License-Identifier: GPL-2.0
/*
 * Two-dimensional paging (EPT and NPT) shared by both vendors. The table
 * formats differ only in their entry bits; the walk, the lazy fill and the
 * dirty tracking will live here.
 */
#include <asm/pgtable.h>

#include "domino.h"

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
