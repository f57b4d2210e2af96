/* SPDX-License-Identifier: GPL-2.0 */
/* The `domino` tool: git-style subcommands, one file each. */
#ifndef DOMINO_TOOL_H
#define DOMINO_TOOL_H

struct domino_cmd {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
};

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
#define DOMINO_EXIT_FAIL	1
#define DOMINO_EXIT_USAGE	2

int cmd_info(int argc, char **argv);

/* Print "domino: <msg>: <strerror(-err)>" and a hint for common errnos. */
void domino_report_error(const char *what, int err);

#endif /* DOMINO_TOOL_H */
