// SPDX-License-Identifier: GPL-2.0
/*
 * The domain daemon's control protocol, client side: the info line's
 * strict parser (good lines, malformed ones, overlong ones), its round
 * trip through the formatter, and domctl_list()/domctl_find() against a
 * fake daemon, a stale socket and a daemon that answers garbage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domctl.h"

#include "unit_tap.h"

#define GOOD "domid=7 name=web-01 memory=1024 vcpus=2 state=blocked " \
	     "cputime_ns=123456789 stop_reason=none"

static bool parses(const char *line, struct domctl_info *info)
{
	int r = domctl_parse_info(line, info);

	return !r || diag("rejected (%d): '%s'", r, line);
}

static bool rejects(const char *line)
{
	struct domctl_info info;
	int r = domctl_parse_info(line, &info);

	return r < 0 || diag("accepted: '%s'", line);
}

static void test_valid(void)
{
	struct domctl_info i;
	bool ok;

	ok = parses(GOOD, &i) && i.domid == 7 && !strcmp(i.name, "web-01") &&
	     i.memory_mib == 1024 && i.vcpus == 2 &&
	     i.state == DOMCTL_STATE_BLOCKED && i.cputime_ns == 123456789 &&
	     i.stop_reason == DOMCTL_STOP_NONE;
	ok = ok && parses(GOOD "\n", &i) && i.domid == 7;
	/* Any order; the largest values; every state and reason. */
	ok = ok && parses("stop_reason=crash state=crashed cputime_ns=18446744073709551615 "
			  "vcpus=4294967295 memory=18446744073709551615 name=A_b.c-9 "
			  "domid=4294967295", &i) &&
	     i.domid == UINT32_MAX && i.vcpus == UINT32_MAX &&
	     i.memory_mib == UINT64_MAX && i.cputime_ns == UINT64_MAX &&
	     i.state == DOMCTL_STATE_CRASHED && i.stop_reason == DOMCTL_STOP_CRASH;
	ok = ok && parses("domid=0 name=x memory=0 vcpus=0 state=shutdown cputime_ns=0 "
			  "stop_reason=poweroff", &i) &&
	     i.state == DOMCTL_STATE_SHUTDOWN && i.stop_reason == DOMCTL_STOP_POWEROFF;
	ok = ok && parses("domid=0 name=x memory=0 vcpus=0 state=paused cputime_ns=0 "
			  "stop_reason=reboot", &i) &&
	     i.state == DOMCTL_STATE_PAUSED && i.stop_reason == DOMCTL_STOP_REBOOT;
	result(ok, "valid info lines parse, in any order, up to the type limits");

	ok = parses(GOOD " future_key=some.value", &i) && i.domid == 7;
	ok = ok && rejects(GOOD " future_key=") && rejects(GOOD " Future=1") &&
	     rejects(GOOD " =1") && rejects(GOOD " future_key=a\tb");
	result(ok, "unknown key=value fields are skipped, malformed ones are not");
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		"domid=7",
		/* each field missing in turn */
		"name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=running stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=running cputime_ns=0",
		/* duplicates, spacing, empty values */
		GOOD " domid=8",
		GOOD " name=other",
		" " GOOD,
		GOOD " ",
		"domid=7  name=web-01 memory=1024 vcpus=2 state=blocked cputime_ns=1 stop_reason=none",
		"domid= name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		GOOD "\n\n",
		GOOD "\r",
		/* numbers: signs, hex, overflow, junk */
		"domid=-1 name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=+1 name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=0x1 name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=4294967296 name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=18446744073709551616 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=4294967296 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=running cputime_ns=99999999999999999999 stop_reason=none",
		"domid=1a name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1.5 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		/* names */
		"domid=1 name=a/b memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=a=b memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=\"a\" memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		"domid=1 name=0123456789012345678901234567890123456789012345678901234567890123 "
		"memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=none",
		/* enums */
		"domid=1 name=a memory=1 vcpus=1 state=dying cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=Running cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=running2 cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state= cputime_ns=0 stop_reason=none",
		"domid=1 name=a memory=1 vcpus=1 state=running cputime_ns=0 stop_reason=halt",
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok = rejects(bad[i]) && ok;
	result(ok, "malformed info lines are refused");
}

static void test_bounds(void)
{
	char line[2 * DOMCTL_LINE_MAX], name[DOMCTL_NAME_MAX + 2];
	struct domctl_info i;
	size_t pad;
	bool ok;

	/* A 63-byte name is the longest, and fits. */
	memset(name, 'n', DOMCTL_NAME_MAX);
	name[DOMCTL_NAME_MAX] = '\0';
	snprintf(line, sizeof(line), "domid=1 name=%s memory=1 vcpus=1 state=running "
		 "cputime_ns=0 stop_reason=none", name);
	ok = parses(line, &i) && !strcmp(i.name, name);
	strcat(name, "n");
	snprintf(line, sizeof(line), "domid=1 name=%s memory=1 vcpus=1 state=running "
		 "cputime_ns=0 stop_reason=none", name);
	ok = ok && rejects(line);

	/* Padding with an unknown field: DOMCTL_LINE_MAX - 1 bytes fit. */
	pad = DOMCTL_LINE_MAX - 1 - strlen(GOOD " x=");
	snprintf(line, sizeof(line), GOOD " x=%0*d", (int)pad, 0);
	ok = ok && strlen(line) == DOMCTL_LINE_MAX - 1 && parses(line, &i);
	snprintf(line, sizeof(line), GOOD " x=%0*d", (int)pad + 1, 0);
	ok = ok && domctl_parse_info(line, &i) == -E2BIG;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	ok = ok && domctl_parse_info(line, &i) == -E2BIG;
	result(ok, "names up to 63 bytes and lines up to DOMCTL_LINE_MAX - 1 bytes");
}

static void test_roundtrip(void)
{
	struct domctl_info in = {
		.domid = 42, .name = "db.primary", .memory_mib = 4096,
		.vcpus = 8, .state = DOMCTL_STATE_SHUTDOWN,
		.cputime_ns = 987654321012ull, .stop_reason = DOMCTL_STOP_POWEROFF,
	}, out;
	char line[DOMCTL_LINE_MAX];
	bool ok;

	ok = domctl_format_info(&in, line, sizeof(line)) > 0 &&
	     !domctl_parse_info(line, &out) && out.domid == in.domid &&
	     !strcmp(out.name, in.name) && out.memory_mib == in.memory_mib &&
	     out.vcpus == in.vcpus && out.state == in.state &&
	     out.cputime_ns == in.cputime_ns &&
	     out.stop_reason == in.stop_reason;
	in.state = DOMCTL_STATE_NR;
	ok = ok && domctl_format_info(&in, line, sizeof(line)) == -EINVAL;
	in.state = DOMCTL_STATE_RUNNING;
	strcpy(in.name, "bad name");
	ok = ok && domctl_format_info(&in, line, sizeof(line)) == -EINVAL;
	strcpy(in.name, "x");
	ok = ok && domctl_format_info(&in, line, 20) == -ENOSPC;
	ok = ok && !strcmp(domctl_errno_name(EBUSY), "EBUSY") &&
	     domctl_errno_value("EBUSY") == EBUSY &&
	     !strcmp(domctl_errno_name(12345), "EIO") &&
	     domctl_errno_value("ENOTAREALERRNO") == EIO;
	result(ok, "format and parse round-trip; bad fields do not format");
}

static char run_dir[64];

/* A daemon stand-in: answers up to @n connections with @reply. */
static pid_t fake_daemon(uint32_t domid, const char *reply, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid;
	int fd;

	domctl_path(sa.sun_path, sizeof(sa.sun_path), domid, ".sock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 8))
		return -1;
	pid = fork();
	if (pid) {
		close(fd);
		return pid;
	}
	while (n--) {
		char buf[DOMCTL_LINE_MAX];
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			_exit(1);
		if (read(c, buf, sizeof(buf)) > 0 &&
		    write(c, reply, strlen(reply)) < 0)
			_exit(1);
		close(c);
	}
	_exit(0);
}

/* A socket whose owner is gone: bound, then closed without unlink. */
static bool stale_socket(uint32_t domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	domctl_path(sa.sun_path, sizeof(sa.sun_path), domid, ".sock");
	ok = fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

static bool sock_exists(uint32_t domid)
{
	char path[256];

	domctl_path(path, sizeof(path), domid, ".sock");
	return !access(path, F_OK);
}

static void test_list(void)
{
	struct domctl_info *v = NULL;
	char reply[DOMCTL_LINE_MAX], path[256];
	pid_t good, bad, err;
	uint32_t id = 0;
	size_t n = 9;
	bool ok;
	int r;

	snprintf(run_dir, sizeof(run_dir), "/tmp/domctl_test.%d", (int)getpid());
	setenv("DOMINO_RUN_DIR", run_dir, 1);
	ok = !domctl_list(&v, &n) && n == 0 && !v;	/* no directory yet */
	ok = ok && !domctl_mkdir(run_dir, 0700) && !domctl_mkdir(run_dir, 0700);
	ok = ok && !domctl_list(&v, &n) && n == 0;
	result(ok, "an empty or missing run directory lists nothing");

	good = fake_daemon(7, "domid=7 name=web memory=64 vcpus=1 state=running "
			   "cputime_ns=5 stop_reason=none\n", 100);
	bad = fake_daemon(8, "domid=8 name=bad state=weird\n", 100);
	err = fake_daemon(9, "error EBUSY the domain is busy\n", 100);
	ok = good > 0 && bad > 0 && err > 0 && stale_socket(5);
	/* Not ours: other names in the directory are left alone. */
	snprintf(path, sizeof(path), "%s/notes.txt", run_dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	ok = ok && !domctl_list(&v, &n) && n == 1 && v[0].domid == 7 &&
	     !strcmp(v[0].name, "web") && v[0].cputime_ns == 5;
	free(v);
	ok = ok && !sock_exists(5) && sock_exists(8) && !access(path, F_OK);
	result(ok, "list shows good daemons, skips garbage, removes stale sockets");

	ok = !domctl_find("web", &id) && id == 7;
	ok = ok && !domctl_find("8", &id) && id == 8;
	ok = ok && domctl_find("nosuch", &id) == -ENOENT &&
	     domctl_find("12", &id) == -ENOENT &&
	     domctl_find("../x", &id) == -ENOENT;
	r = domctl_request(7, "pause", reply, sizeof(reply));
	ok = ok && !r && !strncmp(reply, "domid=7 ", 8);
	r = domctl_request(9, "pause", reply, sizeof(reply));
	ok = ok && r == -EBUSY && !strcmp(reply, "the domain is busy");
	ok = ok && domctl_request(5, "info", reply, sizeof(reply)) == -ENOENT;
	result(ok, "find by name and id; requests pass error replies through");

	kill(good, SIGKILL);
	kill(bad, SIGKILL);
	kill(err, SIGKILL);
	waitpid(good, NULL, 0);
	waitpid(bad, NULL, 0);
	waitpid(err, NULL, 0);
	unlink(path);
	for (id = 5; id <= 9; id++) {
		domctl_path(path, sizeof(path), id, ".sock");
		unlink(path);
	}
	rmdir(run_dir);
}

int main(void)
{
	printf("TAP version 13\n1..8\n");
	test_valid();		/* 2 */
	test_malformed();	/* 1 */
	test_bounds();		/* 1 */
	test_roundtrip();	/* 1 */
	test_list();		/* 3 */
	return failed ? 1 : 0;
}
