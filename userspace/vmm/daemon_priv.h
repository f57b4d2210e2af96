/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the domain daemon: its state, shared by daemon.c (the domain's
 * lifecycle and the poll loop) and daemon_client.c (the connections).
 * Everything here belongs to the daemon thread unless marked otherwise.
 */
#ifndef DOMINO_VMM_DAEMON_PRIV_H
#define DOMINO_VMM_DAEMON_PRIV_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "domcfg.h"
#include "domctl.h"
#include "vm.h"

#define DAEMON_RESTART_MAX	5		/* in RESTART_WINDOW_MS, then destroy */

#define MAX_CLIENTS		64
#define CLIENT_OUT_SIZE		(128 * 1024)	/* replay ring + some live */
#define CLIENT_IN_SIZE		512
#define PENDING_MAX		(256 * 1024)	/* vCPU -> daemon queue */
#define REQUEST_TIMEOUT_MS	5000
#define FINAL_FLUSH_MS		1000

struct ring {
	uint8_t *buf;
	size_t size, head, len;		/* head: oldest byte */
};

enum client_kind { CLIENT_REQUEST, CLIENT_CONSOLE };

struct client {
	int fd;				/* -1 once closed */
	enum client_kind kind;
	int64_t deadline;		/* a request must arrive by then */
	char line[DOMCTL_LINE_MAX];
	size_t line_len;
	struct ring out;		/* console output not yet sent */
	uint64_t dropped;		/* output lost to a full ring */
	uint8_t in[CLIENT_IN_SIZE];	/* input the guest has not taken */
	size_t in_off, in_len;
	bool in_eof;
};

struct daemon {
	const struct domcfg *cfg;
	struct vm *vm;
	uint32_t domid;
	int listen_fd, wake_fd, sig_fd, log_fd;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char pid_path[4096];
	struct ring history;
	bool at_line_start;
	struct client *clients[MAX_CLIENTS];
	bool preserved;			/* stopped and kept: no vCPU runs */
	enum vm_stop_reason stop_why;
	int64_t restart_ms[DAEMON_RESTART_MAX];
	unsigned int nr_restarts;
	bool quit;
	int exit_code;

	/* Shared with the vCPU threads. */
	pthread_mutex_t lock;
	uint8_t *pending;
	size_t pending_len;
	uint64_t pending_lost;
	bool stop_seen;
	enum vm_stop_reason stop_seen_why;
	char stop_detail[128];
};

int64_t now_ms(void);

/* Console output: into the history, the log and every console client. */
void emit(struct daemon *d, const uint8_t *p, size_t n);
/* One "[domino] ..." line of the daemon's own among the output. */
__attribute__((format(printf, 2, 3)))
void emit_msg(struct daemon *d, const char *fmt, ...);
/* Destroy the vm, remove the socket and pid file, and make serve() end. */
void teardown(struct daemon *d, const char *why);

int ring_init(struct ring *r, size_t size);
/* Append, forgetting the oldest bytes to make room. */
void ring_put_over(struct ring *r, const uint8_t *p, size_t n);

void client_close(struct client *c);
/* Queue console output; what does not fit is counted as dropped. */
void client_queue(struct client *c, const uint8_t *p, size_t n);
/* Hand queued input to the guest; true when some is still waiting. */
bool client_feed_input(struct daemon *d, struct client *c);
void client_event(struct daemon *d, struct client *c, short revents);
void client_accept(struct daemon *d);
/* Free the clients closed since the last call. */
void clients_reap(struct daemon *d);
/* Give consoles a moment to take the last output, then close them all. */
void clients_final_flush(struct daemon *d);

#endif /* DOMINO_VMM_DAEMON_PRIV_H */
