/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_DOMAIN_H
#define DOMINO_DOMAIN_H

#include <linux/kref.h>
#include <linux/types.h>

/*
 * struct domino_domain - one guest domain.
 *
 * Lives as long as a reference does: the domain fd holds one, and later
 * vCPU fds each hold another. The last put destroys it.
 */
struct domino_domain {
	struct kref ref;
	u32 domid;
};

void domino_domain_put(struct domino_domain *d);

#endif /* DOMINO_DOMAIN_H */
