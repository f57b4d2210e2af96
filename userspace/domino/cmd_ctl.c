// SPDX-License-Identifier: GPL-2.0
/*
 * domino pause|unpause|shutdown|destroy DOM: one request to the domain's
 * daemon each. destroy does not trust the daemon to answer: one that
 * hangs is killed, and the kernel frees the domain when its fds close.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domctl.h"
#include "domino.h"

#define DESTROY_TIMEOUT_MS	5000
#define KILL_WAIT_MS		5000
#define POLL_INTERVAL_US	100000

void domino_report_domain(const char *dom, int err)
{
	if (err == -ENOENT)
		fprintf(stderr, "domino: no domain '%s'\n", dom);
	else
		fprintf(stderr, "domino: domain '%s': %s\n", dom, strerror(-err));
}

/* A reply's errno, with the daemon's own message when it sent one. */
static void report_reply(const char *verb, const char *dom, int err,
			 const char *msg)
{
	fprintf(stderr, "domino: %s %s: %s\n", verb, dom,
		*msg ? msg : strerror(-err));
}

static int find(const char *dom, uint32_t *domid)
{
	int r = domctl_find(dom, domid);

	if (r)
		domino_report_domain(dom, r);
	return r;
}

/* pause and unpause: the request is the command's name. */
static int simple_request(const char *verb, int argc, char **argv)
{
	char reply[DOMCTL_LINE_MAX];
	uint32_t domid;
	int r;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: domino %s DOMAIN\n", verb);
		return DOMINO_EXIT_USAGE;
	}
	if (find(argv[1], &domid))
		return DOMINO_EXIT_FAIL;
	r = domctl_request(domid, verb, reply, sizeof(reply));
	if (r) {
		report_reply(verb, argv[1], r, reply);
		return DOMINO_EXIT_FAIL;
	}
	return 0;
}

int cmd_pause(int argc, char **argv)
{
	return simple_request("pause", argc, argv);
}

int cmd_unpause(int argc, char **argv)
{
	return simple_request("unpause", argc, argv);
}

/* Until the domain is gone or sits shut down (on_poweroff=preserve). */
static int wait_shutdown(uint32_t domid)
{
	char reply[DOMCTL_LINE_MAX];
	struct domctl_info info;

	for (;;) {
		int r = domctl_request(domid, "info", reply, sizeof(reply));

		if (r == -ENOENT || r == -ECONNREFUSED || r == -ECONNRESET)
			return 0;
		if (!r && domctl_parse_info(reply, &info))
			r = -EPROTO;
		if (!r && (info.state == DOMCTL_STATE_SHUTDOWN ||
			   info.state == DOMCTL_STATE_CRASHED))
			return 0;
		if (r && r != -ETIMEDOUT) {
			fprintf(stderr, "domino: waiting for domain %u: %s\n",
				domid, strerror(-r));
			return r;
		}
		usleep(POLL_INTERVAL_US);
	}
}

int cmd_shutdown(int argc, char **argv)
{
	char reply[DOMCTL_LINE_MAX];
	const char *dom = NULL;
	bool wait = false;
	uint32_t domid;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w")) {
			wait = true;
		} else if (argv[i][0] == '-' || dom) {
			dom = NULL;
			break;
		} else {
			dom = argv[i];
		}
	}
	if (!dom) {
		fprintf(stderr, "usage: domino shutdown DOMAIN [-w]\n");
		return DOMINO_EXIT_USAGE;
	}
	if (find(dom, &domid))
		return DOMINO_EXIT_FAIL;
	fprintf(stderr, "Shutting down domain %u\n", domid);
	r = domctl_request(domid, "shutdown", reply, sizeof(reply));
	if (r) {
		report_reply("shutdown", dom, r, reply);
		return DOMINO_EXIT_FAIL;
	}
	if (wait) {
		fprintf(stderr, "Waiting for domain %u to shut down\n", domid);
		if (wait_shutdown(domid))
			return DOMINO_EXIT_FAIL;
		fprintf(stderr, "Domain %u has been shut down\n", domid);
	}
	return 0;
}

/* Dead, or a zombie nobody reaped yet: either way its fds are closed. */
static bool process_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void remove_files(uint32_t domid)
{
	char path[4096];

	if (!domctl_path(path, sizeof(path), domid, ".sock"))
		unlink(path);
	if (!domctl_path(path, sizeof(path), domid, ".pid"))
		unlink(path);
}

static int kill_daemon(uint32_t domid, pid_t pid)
{
	int waited;

	fprintf(stderr, "domino: the daemon of domain %u (pid %ld) does not answer, killing it\n",
		domid, (long)pid);
	if (kill(pid, SIGKILL) && errno != ESRCH) {
		fprintf(stderr, "domino: kill %ld: %s\n", (long)pid,
			strerror(errno));
		return -errno;
	}
	for (waited = 0; !process_gone(pid); waited += POLL_INTERVAL_US / 1000) {
		if (waited >= KILL_WAIT_MS) {
			fprintf(stderr, "domino: pid %ld survives SIGKILL\n",
				(long)pid);
			return -EBUSY;
		}
		usleep(POLL_INTERVAL_US);
	}
	remove_files(domid);
	return 0;
}

int cmd_destroy(int argc, char **argv)
{
	char reply[DOMCTL_LINE_MAX];
	pid_t pid = 0;
	uint32_t domid;
	int fd, r;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: domino destroy DOMAIN\n");
		return DOMINO_EXIT_USAGE;
	}
	if (find(argv[1], &domid))
		return DOMINO_EXIT_FAIL;
	fd = domctl_connect(domid);
	if (fd == -ECONNREFUSED) {
		/* The daemon, and with it the domain, is already gone. */
		remove_files(domid);
		return 0;
	}
	if (fd < 0) {
		domino_report_domain(argv[1], fd);
		return DOMINO_EXIT_FAIL;
	}
	/* The listening process itself; the pid file if the kernel says not. */
	if (domctl_peer_pid(fd, &pid))
		domctl_read_pid(domid, &pid);
	r = domctl_transact(fd, "destroy", reply, sizeof(reply),
			    DESTROY_TIMEOUT_MS);
	close(fd);
	if (!r)
		return 0;
	if (pid <= 1) {
		report_reply("destroy", argv[1], r, reply);
		return DOMINO_EXIT_FAIL;
	}
	if (process_gone(pid)) {
		/* It died on the way (its fds, and so the domain, with it). */
		remove_files(domid);
		return 0;
	}
	return kill_daemon(domid, pid) ? DOMINO_EXIT_FAIL : 0;
}
