/* SPDX-License-Identifier: GPL-2.0 */
/* Port I/O exits, completed in the kernel or by userspace (vmm/io.c). */
#ifndef DOMINO_IO_H
#define DOMINO_IO_H

#include <linux/domino.h>

struct domino_vcpu;
struct domino_exit;

/* Port I/O data in the run area starts here (after struct domino_run). */
#define DOMINO_RUN_IO_DATA_OFFSET	1024
#define DOMINO_RUN_IO_DATA_MAX		(DOMINO_RUN_AREA_SIZE - DOMINO_RUN_IO_DATA_OFFSET)

int domino_io_exit(struct domino_vcpu *v, const struct domino_exit *e);
void domino_io_complete(struct domino_vcpu *v);

#endif /* DOMINO_IO_H */
