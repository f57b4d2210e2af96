/* SPDX-License-Identifier: GPL-2.0 */
/* A vCPU's CPUID policy (vmm/cpuid.c). */
#ifndef DOMINO_CPUID_H
#define DOMINO_CPUID_H

#include <linux/types.h>
#include <linux/domino.h>

struct domino_vcpu;

struct domino_cpuid_policy {
	unsigned int nr;
	struct domino_cpuid_entry entries[DOMINO_MAX_CPUID_ENTRIES];
};

int domino_cpuid_init(struct domino_vcpu *v);
struct domino_cpuid_entry *domino_cpuid_append(struct domino_vcpu *v, u32 func,
					       u32 index, bool indexed);
void domino_cpuid_lookup(struct domino_vcpu *v, u32 func, u32 index,
			 u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
int domino_cpuid_get(struct domino_vcpu *v, struct domino_cpuid __user *uarg);
int domino_cpuid_set(struct domino_vcpu *v, struct domino_cpuid __user *uarg);

#endif /* DOMINO_CPUID_H */
