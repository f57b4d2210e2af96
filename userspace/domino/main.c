// SPDX-License-Identifier: GPL-2.0
/*
 * domino - Domino's toolstack, in the manner of xl: `domino COMMAND ...`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domino.h"

static int cmd_help(int argc, char **argv);

static const struct domino_cmd commands[] = {
	{ "create", "create a domain from an xl.cfg file", "create CFG [-c] [KEY=VALUE ...]", cmd_create },
	{ "list", "list the domains", "list [-l] [DOMAIN ...]", cmd_list },
	{ "console", "attach to a domain's console (Ctrl-] detaches)", "console DOMAIN", cmd_console },
	{ "pause", "pause a domain's vCPUs", "pause DOMAIN", cmd_pause },
	{ "unpause", "let a paused domain run again", "unpause DOMAIN", cmd_unpause },
	{ "shutdown", "ask a domain to power off (control/shutdown, or its power button)", "shutdown DOMAIN [-w] [-t SECONDS]", cmd_shutdown },
	{ "reboot", "ask a domain to reboot (control/shutdown)", "reboot DOMAIN", cmd_reboot },
	{ "mem-set", "set a domain's balloon target (memory/target)", "mem-set DOMAIN MB", cmd_mem_set },
	{ "vcpu-set", "set how many of a domain's vCPUs are online", "vcpu-set DOMAIN VCPUS", cmd_vcpu_set },
	{ "destroy", "end a domain at once", "destroy DOMAIN", cmd_destroy },
	{ "info", "show the hypervisor's backend and capabilities", "info", cmd_info },
	{ "help", "list the commands", "help [COMMAND]", cmd_help },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct domino_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	size_t i;

	if (argc > 1) {
		const struct domino_cmd *cmd = find_command(argv[1]);

		if (!cmd) {
			fprintf(stderr, "domino: unknown command '%s'\n", argv[1]);
			return DOMINO_EXIT_USAGE;
		}
		printf("usage: domino %s\n  %s\n", cmd->usage, cmd->summary);
		return 0;
	}
	printf("usage: domino COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	return 0;
}

void domino_report_error(const char *what, int err)
{
	fprintf(stderr, "domino: %s: %s\n", what, strerror(err));
	if (err == ENOENT)
		fprintf(stderr, "domino: is domino.ko loaded? (modprobe domino)\n");
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "domino: /dev/domino is for root\n");
}

int main(int argc, char **argv)
{
	const struct domino_cmd *cmd;

	if (argc < 2) {
		cmd_help(1, argv);
		return DOMINO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "domino: unknown command '%s' (try 'domino help')\n",
			argv[1]);
		return DOMINO_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
