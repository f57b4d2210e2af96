// SPDX-License-Identifier: GPL-2.0
/* A Xen domain's state (struct domino_xen): made with the domain, freed with it. */
#include <linux/kernel.h>

#include "domino.h"
#include "domain.h"
#include "xen.h"
#include "xen_domain.h"

int domino_xen_domain_init(struct domino_domain *d)
{
	struct domino_xen *x;
	unsigned int i;

	if (!domino_xen_domain(d))
		return 0;
	x = domino_kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	mutex_init(&x->lock);
	x->shared_info_gpa = XEN_NO_GPA;
	x->shutdown_code = DOMINO_XEN_NO_CODE;
	for (i = 0; i < DOMINO_MAX_VCPUS; i++)
		x->vcpu_info_gpa[i] = XEN_NO_GPA;
	xen_balloon_init(&x->balloon);
	d->xen = x;
	return 0;
}

void domino_xen_vcpu_free(struct domino_domain *d, unsigned int id)
{
	struct domino_xen *x = d->xen;

	if (!x || id >= DOMINO_MAX_VCPUS)
		return;
	mutex_lock(&x->lock);
	x->vcpu_info_gpa[id] = XEN_NO_GPA;
	mutex_unlock(&x->lock);
}

void domino_xen_domain_free(struct domino_domain *d)
{
	if (d->xen)
		xen_balloon_free(&d->xen->balloon);
	domino_kfree(d->xen);
	d->xen = NULL;
}
