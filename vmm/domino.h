/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domino core: what every part of the module (vmm/, ept/, pvops/ and the
 * vendor backends) shares. Each vmm/ file's own API is in its own header;
 * the vendor backends' hooks and the wrappers generic code calls them
 * through are in vendor_ops.h.
 */
#ifndef DOMINO_CORE_H
#define DOMINO_CORE_H

#include <linux/errno.h>
#include <linux/types.h>
#include <linux/domino.h>

#define DOMINO_LOG_PREFIX "domino: "

/* What the chosen backend detected (vmm/main.c). Set once in init. */
extern struct domino_caps domino_caps;

/*
 * Every ioctl dispatcher matches the type byte and number first; a known
 * number whose direction or size disagrees with this module's header is a
 * caller built against another layout: EINVAL, never a guess.
 */
static inline int domino_ioctl_check(unsigned int cmd, unsigned int expected)
{
	return cmd == expected ? 0 : -EINVAL;
}

#endif /* DOMINO_CORE_H */
