/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host unit tests' TAP lines: result() numbers and counts them,
 * diag() prints a "# " line and is false, so checks chain with &&.
 * One test binary includes this once.
 */
#ifndef DOMINO_UNIT_TAP_H
#define DOMINO_UNIT_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int nr, failed;

static inline void result(bool ok, const char *what)
{
	printf("%s %u %s\n", ok ? "ok" : "not ok", ++nr, what);
	failed += !ok;
}

__attribute__((format(printf, 1, 2)))
static inline bool diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

#endif /* DOMINO_UNIT_TAP_H */
