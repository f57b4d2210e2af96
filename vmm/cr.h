/* SPDX-License-Identifier: GPL-2.0 */
/* Intercepted guest writes to control registers (vmm/cr.c). */
#ifndef DOMINO_CR_H
#define DOMINO_CR_H

struct domino_vcpu;
struct domino_exit;

int domino_cr_write_exit(struct domino_vcpu *v, const struct domino_exit *e);

#endif /* DOMINO_CR_H */
