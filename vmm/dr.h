/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's debug registers (vmm/dr.c). */
#ifndef DOMINO_DR_H
#define DOMINO_DR_H

struct domino_vcpu;
struct domino_exit;

int domino_dr_exit(struct domino_vcpu *v, const struct domino_exit *e);
void domino_dr_reset(struct domino_vcpu *v);

#endif /* DOMINO_DR_H */
