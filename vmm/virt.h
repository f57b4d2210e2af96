/* SPDX-License-Identifier: GPL-2.0 */
/* Hardware virtualization, on while somebody needs it (vmm/virt.c). */
#ifndef DOMINO_VIRT_H
#define DOMINO_VIRT_H

int domino_virt_init(void);
void domino_virt_exit(void);
int domino_virt_check_free(void);
int domino_virt_get(void);
void domino_virt_put(void);
unsigned int domino_virt_cpus(void);

#endif /* DOMINO_VIRT_H */
