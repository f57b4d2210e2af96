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
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domctl.h"
#include "xenstore_dom.h"
#include "domino.h"

#define DESTROY_TIMEOUT_MS	5000
#define KILL_WAIT_MS		5000
#define POLL_INTERVAL_US	100000
#define SHUTDOWN_TIMEOUT_S	60

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

static int destroy(const char *dom, uint32_t domid);

/*
 * Until the domain is gone or sits shut down (on_poweroff=preserve):
 * 0, -ETIMEDOUT after @timeout_ms, or another -errno.
 */
static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int wait_shutdown(uint32_t domid, long timeout_ms)
{
	/* Wall time: a daemon slow to answer (up to DOMCTL_TIMEOUT_MS a request) counts. */
	long long deadline = mono_ms() + timeout_ms;
	char reply[DOMCTL_LINE_MAX];
	struct domctl_info info;

	for (;;) {
		if (mono_ms() >= deadline)
			return -ETIMEDOUT;
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

/*
 * shutdown and reboot: xl's, through the guest's control/shutdown (the
 * ACPI power button for a guest without XenStore). With -w, wait until
 * the domain is down; one still up after -t SECONDS (default
 * SHUTDOWN_TIMEOUT_S) is destroyed, and the command says so and fails.
 */
static int shutdown_or_reboot(const char *verb, int argc, char **argv)
{
	char reply[DOMCTL_LINE_MAX], *end;
	const char *dom = NULL;
	long timeout_s = SHUTDOWN_TIMEOUT_S;
	bool wait = false, timed = false, usage = false;
	uint32_t domid;
	int i, r;

	for (i = 1; i < argc && !usage; i++) {
		if (!strcmp(argv[i], "-w")) {
			wait = true;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			timed = true;
			timeout_s = strtol(argv[++i], &end, 10);
			usage = *end || timeout_s <= 0 || timeout_s > 86400;
		} else if (argv[i][0] == '-' || dom) {
			usage = true;
		} else {
			dom = argv[i];
		}
	}
	/* A reboot has nothing to wait for: the domain comes back. */
	if (!dom || usage || (verb[0] == 'r' && (wait || timed))) {
		if (verb[0] == 'r')
			fprintf(stderr, "usage: domino reboot DOMAIN\n");
		else
			fprintf(stderr, "usage: domino shutdown DOMAIN [-w] [-t SECONDS]\n");
		return DOMINO_EXIT_USAGE;
	}
	if (find(dom, &domid))
		return DOMINO_EXIT_FAIL;
	fprintf(stderr, "%s domain %u\n", verb[0] == 's' ? "Shutting down" : "Rebooting", domid);
	r = domctl_request(domid, verb, reply, sizeof(reply));
	if (r) {
		report_reply(verb, dom, r, reply);
		return DOMINO_EXIT_FAIL;
	}
	if (!wait)
		return 0;
	fprintf(stderr, "Waiting for domain %u to shut down\n", domid);
	r = wait_shutdown(domid, timeout_s * 1000);
	if (r == -ETIMEDOUT) {
		fprintf(stderr, "domino: domain %u did not shut down in %ld s: destroying it\n",
			domid, timeout_s);
		destroy(dom, domid);
		return DOMINO_EXIT_FAIL;
	}
	if (r)
		return DOMINO_EXIT_FAIL;
	fprintf(stderr, "Domain %u has been shut down\n", domid);
	return 0;
}

int cmd_shutdown(int argc, char **argv)
{
	return shutdown_or_reboot("shutdown", argc, argv);
}

int cmd_reboot(int argc, char **argv)
{
	return shutdown_or_reboot("reboot", argc, argv);
}

/* mem-set DOMAIN MB and vcpu-set DOMAIN N: a count for the daemon. */
static int set_count(const char *verb, const char *what, int argc, char **argv)
{
	char req[64], reply[DOMCTL_LINE_MAX], *end;
	unsigned long long n;
	uint32_t domid;
	int r;

	if (argc != 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: domino %s DOMAIN %s\n", verb, what);
		return DOMINO_EXIT_USAGE;
	}
	errno = 0;
	n = strtoull(argv[2], &end, 10);
	/* xl takes a unit suffix on mem-set: m (the default), g. */
	if (verb[0] == 'm' && (*end == 'm' || *end == 'M') && !end[1])
		end++;
	else if (verb[0] == 'm' && (*end == 'g' || *end == 'G') && !end[1] && n < (1ULL << 30))
		n <<= 10, end++;
	if (errno || *end || end == argv[2] || !n || argv[2][0] < '0' || argv[2][0] > '9') {
		fprintf(stderr, "domino: %s: '%s' is not a positive %s\n", verb, argv[2], what);
		return DOMINO_EXIT_USAGE;
	}
	if (find(argv[1], &domid))
		return DOMINO_EXIT_FAIL;
	snprintf(req, sizeof(req), "%s %llu", verb, n);
	r = domctl_request(domid, req, reply, sizeof(reply));
	if (r) {
		report_reply(verb, argv[1], r, reply);
		return DOMINO_EXIT_FAIL;
	}
	return 0;
}

int cmd_mem_set(int argc, char **argv)
{
	return set_count("mem-set", "MB", argc, argv);
}

int cmd_vcpu_set(int argc, char **argv)
{
	return set_count("vcpu-set", "VCPUS", argc, argv);
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

static int destroy(const char *dom, uint32_t domid)
{
	char reply[DOMCTL_LINE_MAX];
	pid_t pid = 0;
	int fd, r;

	fd = domctl_connect(domid);
	if (fd == -ECONNREFUSED) {
		/* The daemon, and with it the domain, is already gone. */
		remove_files(domid);
		xenstore_dom_forget(domid);
		return 0;
	}
	if (fd < 0) {
		domino_report_domain(dom, fd);
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
		report_reply("destroy", dom, r, reply);
		return DOMINO_EXIT_FAIL;
	}
	if (process_gone(pid)) {
		/* It died on the way (its fds, and so the domain, with it). */
		remove_files(domid);
		xenstore_dom_forget(domid);
		return 0;
	}
	if (kill_daemon(domid, pid))
		return DOMINO_EXIT_FAIL;
	/* What it would have released in XenStore, as xl destroy does. */
	xenstore_dom_forget(domid);
	return 0;
}

int cmd_destroy(int argc, char **argv)
{
	uint32_t domid;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: domino destroy DOMAIN\n");
		return DOMINO_EXIT_USAGE;
	}
	if (find(argv[1], &domid))
		return DOMINO_EXIT_FAIL;
	return destroy(argv[1], domid);
}

