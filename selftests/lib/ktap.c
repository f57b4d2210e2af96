// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"

static unsigned int ktap_nr, ktap_pass, ktap_fail, ktap_skip, ktap_plan;

void ktap_print_header(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

void ktap_set_plan(unsigned int n)
{
	ktap_plan = n;
	printf("1..%u\n", n);
	fflush(stdout);
}

void ktap_print_msg(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void ktap_result(const char *status, const char *directive,
			const char *fmt, va_list ap)
{
	printf("%s %u ", status, ++ktap_nr);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	printf("\n");
	fflush(stdout);
}

void ktap_test_result(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_result(pass ? "ok" : "not ok", NULL, fmt, ap);
	va_end(ap);
	if (pass)
		ktap_pass++;
	else
		ktap_fail++;
}

void ktap_test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_result("not ok", NULL, fmt, ap);
	va_end(ap);
	ktap_fail++;
}

void ktap_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_result("ok", "SKIP", fmt, ap);
	va_end(ap);
	ktap_skip++;
}

void ktap_finished(void)
{
	if (ktap_plan && ktap_nr != ktap_plan) {
		printf("# planned %u checks but ran %u\n", ktap_plan, ktap_nr);
		ktap_fail++;
	}
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       ktap_pass, ktap_fail, ktap_skip);
	fflush(stdout);
	if (ktap_fail)
		exit(KSFT_FAIL);
	if (ktap_skip && !ktap_pass)
		exit(KSFT_SKIP);
	exit(KSFT_PASS);
}

void ktap_exit_missing(const char *fmt, ...)
{
	const char *lab = getenv("DOMINO_LAB");
	va_list ap;

	if (!lab || strcmp(lab, "1")) {
		printf("1..0 # SKIP ");
	} else {
		printf("1..1\nnot ok 1 missing in the lab, which provides it: ");
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(lab && !strcmp(lab, "1") ? KSFT_FAIL : KSFT_SKIP);
}

void ktap_exit_skip(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_SKIP);
}
