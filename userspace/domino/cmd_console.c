// SPDX-License-Identifier: GPL-2.0
/*
 * domino console DOM: attach to a domain's console, as xl console: the
 * UART's output and, on Xen's path, the PV console's (hvc0) and
 * console_io's, in one stream; input goes to hvc0 once the guest uses it.
 * Ctrl-] detaches. With stdin not a terminal, its end only stops input:
 * output is followed until the domain goes away, so a script can wait on
 * `domino console NAME </dev/null`.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "domctl.h"
#include "domino.h"

#define ESCAPE_CHAR	0x1d	/* Ctrl-] */

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
	tio_saved = false;
}

static void on_fatal_signal(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void raw_tty(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	cfmakeraw(&tio);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &tio))
		return;
	tio_saved = true;
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* 0 when the domain went away or we detached, 1 on an error. */
static int relay(int sock)
{
	char in[1024], out[4096];
	size_t in_off = 0, in_len = 0;
	bool stdin_open = true;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sock, .events = POLLIN | (in_len ? POLLOUT : 0) },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		/* Read no more keys until the daemon took the last ones. */
		int n = stdin_open && !in_len ? 2 : 1;
		ssize_t r;

		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(sock, out, sizeof(out));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return errno == ECONNRESET ? 0 : 1;
			if (!r)
				return 0;
			if (write_all(STDOUT_FILENO, out, r))
				return 1;
		}
		if (in_len && (p[0].revents & POLLOUT)) {
			r = send(sock, in + in_off, in_len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return 0;	/* the daemon is gone */
			if (r > 0) {
				in_off += r;
				in_len -= r;
			}
		}
		if (n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			char *esc;

			r = read(STDIN_FILENO, in, sizeof(in));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				stdin_open = false;
				continue;
			}
			esc = memchr(in, ESCAPE_CHAR, r);
			if (esc) {
				/* Type what came before the escape, then leave. */
				if (esc > in)
					write_all(sock, in, esc - in);
				return 0;
			}
			in_off = 0;
			in_len = r;
		}
	}
}

int console_attach(uint32_t domid)
{
	int sock, r;

	fflush(stdout);
	sock = domctl_console_open(domid);
	if (sock < 0) {
		fprintf(stderr, "domino: console of domain %u: %s\n", domid,
			strerror(-sock));
		return DOMINO_EXIT_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);
	raw_tty();
	r = relay(sock);
	restore_tty();
	close(sock);
	return r;
}

int cmd_console(int argc, char **argv)
{
	uint32_t domid;
	int r;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: domino console DOMAIN\n");
		return DOMINO_EXIT_USAGE;
	}
	r = domctl_find(argv[1], &domid);
	if (r) {
		domino_report_domain(argv[1], r);
		return DOMINO_EXIT_FAIL;
	}
	return console_attach(domid);
}
