/* SPDX-License-Identifier: GPL-2.0 */
/* Guest MSR accesses, from exits and from userspace (vmm/msr.c). */
#ifndef DOMINO_MSR_H
#define DOMINO_MSR_H

#include <linux/types.h>
#include <linux/domino.h>

struct domino_vcpu;

int domino_msr_get(struct domino_vcpu *v, u32 index, u64 *val, bool host);
int domino_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host);
void domino_msr_reset(struct domino_vcpu *v);
int domino_msrs_ioctl(struct domino_vcpu *v, struct domino_msrs __user *uarg,
		      bool set);

#endif /* DOMINO_MSR_H */
