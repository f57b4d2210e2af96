/* SPDX-License-Identifier: GPL-2.0 */
/* MMIO exits, emulated in the kernel or by userspace (vmm/mmio.c). */
#ifndef DOMINO_MMIO_H
#define DOMINO_MMIO_H

#include <linux/types.h>

struct domino_vcpu;

int domino_mmio_exit(struct domino_vcpu *v, u64 gpa, bool write);
void domino_mmio_complete(struct domino_vcpu *v);

#endif /* DOMINO_MMIO_H */
