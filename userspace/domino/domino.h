/* SPDX-License-Identifier: GPL-2.0 */
/* The `domino` tool: git-style subcommands, one file each. */
#ifndef DOMINO_TOOL_H
#define DOMINO_TOOL_H

#include <stdint.h>

struct domino_cmd {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
};

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
#define DOMINO_EXIT_FAIL	1
#define DOMINO_EXIT_USAGE	2

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_mem_set(int argc, char **argv);
int cmd_vcpu_set(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_info(int argc, char **argv);

/* Relay the terminal to domain @domid's console until it ends or ^]. */
int console_attach(uint32_t domid);
/* "domino: no domain 'DOM'" for -ENOENT, else the error. */
void domino_report_domain(const char *dom, int err);

/* Print "domino: <msg>: <strerror(-err)>" and a hint for common errnos. */
void domino_report_error(const char *what, int err);

#endif /* DOMINO_TOOL_H */
