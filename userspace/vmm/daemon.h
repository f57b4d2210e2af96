/* SPDX-License-Identifier: GPL-2.0 */
/* The per-domain daemon: owns one struct vm and its control socket. */
#ifndef DOMINO_VMM_DAEMON_H
#define DOMINO_VMM_DAEMON_H

#include "domcfg.h"

/*
 * Create and start the domain @cfg describes, then serve its control
 * socket until it is destroyed. Writes "ok <domid>\n" or "error <message>\n"
 * to @ready_fd (if >= 0) once the domain runs or failed to, and closes it.
 * Returns the process exit status: 0 when the domain ended normally.
 * The caller has already detached from its terminal.
 */
int daemon_run(const struct domcfg *cfg, int ready_fd);

#endif /* DOMINO_VMM_DAEMON_H */
