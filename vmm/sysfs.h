/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/class/misc/domino attributes (vmm/sysfs.c). */
#ifndef DOMINO_SYSFS_H
#define DOMINO_SYSFS_H

struct attribute_group;

extern const struct attribute_group *domino_dev_groups[];

#endif /* DOMINO_SYSFS_H */
