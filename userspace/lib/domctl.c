// SPDX-License-Identifier: LGPL-2.1
/*
 * domctl: the client side of the domain daemon's control socket, and the
 * pieces of the protocol the daemon shares (paths, names, the info line).
 */
#define _GNU_SOURCE	/* struct ucred */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "domctl.h"

/* A daemon that does not answer `list` in this long is skipped. */
#define LIST_TIMEOUT_MS	3000

static const char *const state_names[DOMCTL_STATE_NR] = {
	[DOMCTL_STATE_RUNNING]	= "running",
	[DOMCTL_STATE_BLOCKED]	= "blocked",
	[DOMCTL_STATE_PAUSED]	= "paused",
	[DOMCTL_STATE_SHUTDOWN]	= "shutdown",
	[DOMCTL_STATE_CRASHED]	= "crashed",
};

static const char *const stop_names[DOMCTL_STOP_NR] = {
	[DOMCTL_STOP_NONE]	= "none",
	[DOMCTL_STOP_POWEROFF]	= "poweroff",
	[DOMCTL_STOP_REBOOT]	= "reboot",
	[DOMCTL_STOP_CRASH]	= "crash",
};

/* The errnos a daemon is likely to report; the rest travel as EIO. */
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
	{ ENOSYS, "ENOSYS" }, { EPROTO, "EPROTO" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EALREADY, "EALREADY" },
	{ EINPROGRESS, "EINPROGRESS" }, { ECANCELED, "ECANCELED" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *env_dir(const char *var, const char *def)
{
	const char *p = getenv(var);

	return p && *p ? p : def;
}

const char *domctl_run_dir(void)
{
	return env_dir("DOMINO_RUN_DIR", DOMCTL_RUN_DIR);
}

const char *domctl_log_dir(void)
{
	return env_dir("DOMINO_LOG_DIR", DOMCTL_LOG_DIR);
}

int domctl_path(char *buf, size_t len, uint32_t domid, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%" PRIu32 "%s", domctl_run_dir(),
			 domid, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int domctl_log_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s.log", domctl_log_dir(), name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int domctl_mkdir(const char *dir, mode_t mode)
{
	struct stat st;

	if (!mkdir(dir, mode))
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

bool domctl_valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= DOMCTL_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return i > 0;
}

const char *domctl_state_name(enum domctl_state s)
{
	return (unsigned int)s < DOMCTL_STATE_NR ? state_names[s] : NULL;
}

const char *domctl_stop_name(enum domctl_stop s)
{
	return (unsigned int)s < DOMCTL_STOP_NR ? stop_names[s] : NULL;
}

const char *domctl_errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return "EIO";
}

int domctl_errno_value(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (!strcmp(errno_names[i].name, name))
			return errno_names[i].err;
	return EIO;
}

int domctl_format_info(const struct domctl_info *info, char *buf, size_t len)
{
	const char *state = domctl_state_name(info->state);
	const char *stop = domctl_stop_name(info->stop_reason);
	int n;

	if (!state || !stop || !domctl_valid_name(info->name))
		return -EINVAL;
	n = snprintf(buf, len, "domid=%" PRIu32 " name=%s memory=%" PRIu64
		     " vcpus=%u state=%s cputime_ns=%" PRIu64
		     " stop_reason=%s", info->domid, info->name,
		     info->memory_mib, info->vcpus, state, info->cputime_ns,
		     stop);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/* Decimal digits only, no sign or spaces, at most @max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_enum(const char *s, const char *const *names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

enum { F_DOMID, F_NAME, F_MEMORY, F_VCPUS, F_STATE, F_CPUTIME, F_STOP, F_NR };

static const char *const field_names[F_NR] = {
	"domid", "name", "memory", "vcpus", "state", "cputime_ns",
	"stop_reason",
};

static int parse_field(struct domctl_info *info, int f, const char *val)
{
	uint64_t v = 0;
	int r = 0;

	switch (f) {
	case F_DOMID:
		r = parse_u64(val, UINT32_MAX, &v);
		info->domid = v;
		break;
	case F_NAME:
		if (!domctl_valid_name(val))
			return -EINVAL;
		strcpy(info->name, val);	/* length checked just above */
		break;
	case F_MEMORY:
		r = parse_u64(val, UINT64_MAX, &info->memory_mib);
		break;
	case F_VCPUS:
		r = parse_u64(val, UINT32_MAX, &v);
		info->vcpus = v;
		break;
	case F_STATE:
		r = parse_enum(val, state_names, DOMCTL_STATE_NR);
		info->state = r;
		break;
	case F_CPUTIME:
		r = parse_u64(val, UINT64_MAX, &info->cputime_ns);
		break;
	case F_STOP:
		r = parse_enum(val, stop_names, DOMCTL_STOP_NR);
		info->stop_reason = r;
		break;
	}
	return r < 0 ? r : 0;
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == '_' ||
		      (*k >= '0' && *k <= '9')))
			return false;
	return true;
}

int domctl_parse_info(const char *line, struct domctl_info *info)
{
	char buf[DOMCTL_LINE_MAX];
	unsigned int seen = 0;
	size_t len = strnlen(line, sizeof(buf));
	char *tok, *next;

	if (len == sizeof(buf))
		return -E2BIG;
	memcpy(buf, line, len + 1);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	memset(info, 0, sizeof(*info));
	for (tok = buf; tok; tok = next) {
		char *eq;
		int f;

		/* Exactly one space between fields, none at either end. */
		next = strchr(tok, ' ');
		if (next)
			*next++ = '\0';
		eq = strchr(tok, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		if (!valid_key(tok) || !eq[1])
			return -EINVAL;
		f = parse_enum(tok, field_names, F_NR);
		if (f < 0) {
			/* An unknown field still has to be one word of print. */
			const char *c;

			for (c = eq + 1; *c; c++)
				if (*c <= ' ' || *c > '~')
					return -EINVAL;
			continue;
		}
		if (seen & (1u << f) || parse_field(info, f, eq + 1))
			return -EINVAL;
		seen |= 1u << f;
	}
	return seen == (1u << F_NR) - 1 ? 0 : -EINVAL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events on @fd until @deadline (now_ms() units). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int domctl_connect(uint32_t domid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + 1000;
	int fd, r, fl;

	r = domctl_path(sa.sun_path, sizeof(sa.sun_path), domid, ".sock");
	if (r)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Non-blocking, so a daemon with a full backlog cannot hang us. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		if (r == -EINTR)
			continue;
		if (r != -EAGAIN || now_ms() >= deadline) {
			close(fd);
			return r == -EAGAIN ? -ETIMEDOUT : r;
		}
		usleep(10000);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			int r = -errno;

			if (r == -EINTR)
				continue;
			if (r != -EAGAIN)
				return r;
			r = wait_fd(fd, POLLOUT, deadline);
			if (r)
				return r;
			continue;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * One line, a byte at a time so nothing after the '\n' (the console
 * stream) is consumed. Only printable ASCII is accepted.
 */
static int read_line(int fd, char *buf, size_t len, int64_t deadline)
{
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);

		if (r < 0) {
			int e = -errno;

			if (e == -EINTR)
				continue;
			if (e != -EAGAIN)
				return e;
			e = wait_fd(fd, POLLIN, deadline);
			if (e)
				return e;
			continue;
		}
		if (r == 0)
			return -ECONNRESET;
		if (c == '\n')
			break;
		if (c < ' ' || c > '~' || n + 1 >= len ||
		    n + 1 >= DOMCTL_LINE_MAX)
			return -EPROTO;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

int domctl_transact(int fd, const char *req, char *reply, size_t len,
		    int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char line[DOMCTL_LINE_MAX], out[DOMCTL_LINE_MAX];
	char *name, *msg;
	int n, r;

	if (len)
		reply[0] = '\0';
	n = snprintf(out, sizeof(out), "%s\n", req);
	if (n < 0 || (size_t)n >= sizeof(out))
		return -EINVAL;
	r = send_all(fd, out, n, deadline);
	if (!r)
		r = read_line(fd, line, sizeof(line), deadline);
	if (r)
		return r;
	if (strncmp(line, "error ", 6)) {
		if (len)
			snprintf(reply, len, "%s", line);
		return 0;
	}
	/* "error ENAME message": the name is upper case, the message free. */
	name = line + 6;
	msg = strchr(name, ' ');
	if (!msg || msg == name)
		return -EPROTO;
	*msg++ = '\0';
	if (len)
		snprintf(reply, len, "%s", msg);
	return -domctl_errno_value(name);
}

int domctl_request(uint32_t domid, const char *req, char *reply, size_t len)
{
	int fd = domctl_connect(domid), r;

	if (fd < 0) {
		if (len)
			reply[0] = '\0';
		return fd;
	}
	r = domctl_transact(fd, req, reply, len, DOMCTL_TIMEOUT_MS);
	close(fd);
	return r;
}

int domctl_console_open(uint32_t domid)
{
	char reply[DOMCTL_LINE_MAX];
	int fd = domctl_connect(domid), r;

	if (fd < 0)
		return fd;
	r = domctl_transact(fd, "console", reply, sizeof(reply),
			    DOMCTL_TIMEOUT_MS);
	if (!r && strcmp(reply, "ok"))
		r = -EPROTO;
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

int domctl_peer_pid(int fd, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -errno;
	if (cred.pid <= 0)
		return -ESRCH;
	*pid = cred.pid;
	return 0;
}

#define DOMCTL_NAME_BUF	64	/* names are at most 63 bytes (domcfg.h) */

static bool sock_name(const char *name, uint32_t *domid);

/* The pid file holds "PID NAME\n" (the daemon's pid, the domain's name). */
static int read_pid_file(uint32_t domid, pid_t *pid, char *name, size_t namelen)
{
	char path[4096], buf[128], *sp;
	uint64_t v;
	ssize_t n;
	int fd, r;

	r = domctl_path(path, sizeof(path), domid, ".pid");
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	r = -errno;
	close(fd);
	if (n < 0)
		return r;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	sp = strchr(buf, ' ');
	if (!sp || !domctl_valid_name(sp + 1) || strlen(sp + 1) >= namelen)
		return -EINVAL;
	*sp = '\0';
	if (parse_u64(buf, INT32_MAX, &v) || v < 2)
		return -EINVAL;
	*pid = v;
	strcpy(name, sp + 1);
	return 0;
}

int domctl_read_pid(uint32_t domid, pid_t *pid)
{
	char name[DOMCTL_NAME_BUF];

	return read_pid_file(domid, pid, name, sizeof(name));
}

/*
 * Name -> id from the pid files alone: a daemon busy restarting its
 * domain cannot answer, but must still be found (to be destroyed).
 */
static int find_by_pid_files(const char *name, uint32_t *domid)
{
	char found[DOMCTL_NAME_BUF];
	struct dirent *de;
	int r = -ENOENT;
	DIR *dir;

	dir = opendir(domctl_run_dir());
	if (!dir)
		return -ENOENT;
	while ((de = readdir(dir))) {
		uint32_t id;
		pid_t pid;

		if (!sock_name(de->d_name, &id) ||
		    read_pid_file(id, &pid, found, sizeof(found)) ||
		    strcmp(found, name) || kill(pid, 0))
			continue;
		*domid = id;
		r = 0;
		break;
	}
	closedir(dir);
	return r;
}

/* "<domid>.sock" names only; anything else in the directory is not ours. */
static bool sock_name(const char *name, uint32_t *domid)
{
	const char *dot = strchr(name, '.');
	char num[16];
	uint64_t v;

	if (!dot || strcmp(dot, ".sock") || dot == name ||
	    (size_t)(dot - name) >= sizeof(num) ||
	    (dot - name > 1 && name[0] == '0'))
		return false;
	memcpy(num, name, dot - name);
	num[dot - name] = '\0';
	if (parse_u64(num, UINT32_MAX, &v))
		return false;
	*domid = v;
	return true;
}

static void remove_stale(uint32_t domid)
{
	char path[4096];

	if (!domctl_path(path, sizeof(path), domid, ".sock"))
		unlink(path);
	if (!domctl_path(path, sizeof(path), domid, ".pid"))
		unlink(path);
}

static int query_info(uint32_t domid, struct domctl_info *info)
{
	char reply[DOMCTL_LINE_MAX];
	int fd = domctl_connect(domid), r;

	if (fd < 0)
		return fd;
	r = domctl_transact(fd, "info", reply, sizeof(reply), LIST_TIMEOUT_MS);
	close(fd);
	if (!r)
		r = domctl_parse_info(reply, info) ? -EPROTO : 0;
	return r;
}

static int cmp_info(const void *a, const void *b)
{
	const struct domctl_info *x = a, *y = b;

	return x->domid < y->domid ? -1 : x->domid > y->domid;
}

int domctl_list(struct domctl_info **out, size_t *n)
{
	struct domctl_info *v = NULL, info;
	size_t nr = 0, cap = 0;
	struct dirent *de;
	DIR *dir;

	*out = NULL;
	*n = 0;
	dir = opendir(domctl_run_dir());
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		uint32_t domid;
		int r;

		if (!sock_name(de->d_name, &domid))
			continue;
		r = query_info(domid, &info);
		if (r == -ECONNREFUSED)
			remove_stale(domid);
		/* A domain restarting renames its socket; skip the old name. */
		if (r || info.domid != domid)
			continue;
		if (nr == cap) {
			struct domctl_info *nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		v[nr++] = info;
	}
	closedir(dir);
	if (nr)
		qsort(v, nr, sizeof(*v), cmp_info);
	*out = v;
	*n = nr;
	return 0;
}

int domctl_find(const char *name_or_id, uint32_t *domid)
{
	struct domctl_info *v;
	size_t n, i;
	uint64_t id;
	int r;

	/* An id as xl takes it: the socket need only exist. */
	if (!parse_u64(name_or_id, UINT32_MAX, &id)) {
		char path[4096];

		r = domctl_path(path, sizeof(path), id, ".sock");
		if (r)
			return r;
		if (access(path, F_OK))
			return -ENOENT;
		*domid = id;
		return 0;
	}
	if (!domctl_valid_name(name_or_id))
		return -ENOENT;
	if (!find_by_pid_files(name_or_id, domid))
		return 0;
	r = domctl_list(&v, &n);
	if (r)
		return r;
	r = -ENOENT;
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].name, name_or_id)) {
			*domid = v[i].domid;
			r = 0;
			break;
		}
	}
	free(v);
	return r;
}
