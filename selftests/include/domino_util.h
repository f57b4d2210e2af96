/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for Domino's selftests, in the manner of KVM's selftest library:
 * thin wrappers that abort the test with file, line and errno when a step
 * that is not under test fails, so each test reads as its scenario.
 */
#ifndef DOMINO_SELFTEST_UTIL_H
#define DOMINO_SELFTEST_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/domino.h>

#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Abort the whole test program: a precondition broke. */
#define TEST_ASSERT(cond, fmt, ...) do {					\
	if (!(cond)) {								\
		int __e = errno;						\
		printf("# %s:%d: assertion '%s' failed: " fmt " (errno %d: %s)\n", \
		       __FILE__, __LINE__, #cond, ##__VA_ARGS__, __e, strerror(__e)); \
		printf("Bail out! %s\n", #cond);				\
		fflush(stdout);							\
		exit(KSFT_FAIL);						\
	}									\
} while (0)

/*
 * Run an ioctl expected to fail and report whether it failed with exactly
 * @err; the returned bool feeds ktap_test_result().
 */
bool ioctl_fails_with(int fd, unsigned long cmd, void *arg, int err);

/* /dev/domino: opened read-write; skips the program if it is missing. */
int domino_open_dev(void);
void domino_get_caps(int dev, struct domino_caps *caps);

/* Create a domain; returns the domain fd and stores its id. */
int domino_domain_create(int dev, uint32_t want_domid, uint32_t *domid);
int domino_domain_create_raw(int dev, struct domino_create_domain *args);

/* /sys/class/misc/domino/NAME as a number / string. */
long long domino_sysfs_num(const char *name);
void domino_sysfs_str(const char *name, char *buf, size_t len);

/*
 * Whether every domain is gone (waiting up to 5 s for the last references)
 * and the module's object and page counts are back to @objs and @pages.
 */
bool domino_counters_back(long long objs, long long pages);

/* Run the calling thread on CPU @cpu only. */
void pin_to_cpu(int cpu);

/* Host facts the tests compare the module against. */
void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
		uint32_t *c, uint32_t *d);
int host_online_cpus(void);
/* Read an MSR through /dev/cpu/N/msr; false if msr.ko is unavailable. */
bool host_rdmsr(int cpu, uint32_t msr, uint64_t *val);
/*
 * The lab loads msr.ko and says so (DOMINO_REQUIRE_MSR=1): there, a check
 * that cannot read an MSR fails instead of skipping.
 */
bool host_msr_required(void);

#endif /* DOMINO_SELFTEST_UTIL_H */
