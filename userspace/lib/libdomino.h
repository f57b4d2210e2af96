/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libdomino: the toolstack's thin layer over /dev/domino. Every call
 * returns 0 or a negative errno and never exits, so both the `domino` tool
 * and long-running daemons can use it.
 */
#ifndef LIBDOMINO_H
#define LIBDOMINO_H

#include <stddef.h>
#include <stdint.h>
#include <linux/domino.h>

/* The device node; the DOMINO_DEVICE environment variable overrides it. */
const char *domino_device_path(void);

/* Open the system fd; -errno on failure. */
int domino_dev_open(void);
int domino_dev_api_version(int dev);
int domino_dev_caps(int dev, struct domino_caps *caps);

/* Names of enum domino_vendor values and of single DOMINO_FEAT_* bits. */
const char *domino_vendor_name(uint32_t vendor);
const char *domino_feature_name(uint64_t bit);

/*
 * Write the names of the bits set in @features, space separated, into
 * @buf; unknown bits appear as "bitN". Returns the length written (which
 * is truncated to fit, always NUL-terminated).
 */
size_t domino_features_format(uint64_t features, char *buf, size_t len);

/* Read /sys/class/misc/domino/NAME as an integer; -errno on failure. */
int domino_sysfs_read(const char *name, long long *val);

#endif /* LIBDOMINO_H */
