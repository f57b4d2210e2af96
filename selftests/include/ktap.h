/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP output for Domino's selftests, in the manner of the kernel's
 * kselftest.h: one test program is one KTAP document whose subtests are
 * the individual checks.
 */
#ifndef DOMINO_KTAP_H
#define DOMINO_KTAP_H

#include <stdarg.h>
#include <stdbool.h>

/* Exit codes understood by kselftest runners. */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

void ktap_print_header(void);
void ktap_set_plan(unsigned int n);
void ktap_print_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_test_result(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktap_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the totals and exit: FAIL if any check failed, SKIP if all skipped. */
void ktap_finished(void) __attribute__((noreturn));
/* Skip the whole program with a reason. */
void ktap_exit_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * A prerequisite is missing: a skip with the reason, except in the lab
 * (DOMINO_LAB=1), which provides every one of them, where it fails.
 */
void ktap_exit_missing(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* DOMINO_KTAP_H */
