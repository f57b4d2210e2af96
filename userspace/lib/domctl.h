/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * domctl: talking to a domain's daemon (userspace/vmm/daemon.c).
 *
 * Every domain is owned by one daemon process, which listens on the UNIX
 * stream socket RUN_DIR/<domid>.sock (RUN_DIR is $DOMINO_RUN_DIR, default
 * /run/domino). One request per connection, one line each way:
 *
 *   info      -> "domid=N name=NAME memory=MIB vcpus=N state=STATE
 *                 cputime_ns=N stop_reason=REASON" (one line)
 *   pause, unpause, shutdown, reboot, destroy, mem-set MIB, vcpu-set N
 *             -> "ok" or "error ENAME message"
 *   console   -> "ok", then the connection is the raw console: recent
 *                output first, then live output; what the client sends
 *                is typed into the guest.
 *
 * Everything read from a socket is bounded and parsed strictly: the peer
 * may be a stale, hung or hostile process.
 */
#ifndef DOMCTL_H
#define DOMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DOMCTL_RUN_DIR		"/run/domino"
#define DOMCTL_LOG_DIR		"/var/log/domino"
#define DOMCTL_LINE_MAX		256		/* one line, '\n' included */
#define DOMCTL_NAME_MAX		63		/* as DOMCFG_NAME_MAX */
#define DOMCTL_RING_SIZE	(64 * 1024)	/* console output replayed */
#define DOMCTL_TIMEOUT_MS	10000		/* default for a request */

enum domctl_state {
	DOMCTL_STATE_RUNNING,
	DOMCTL_STATE_BLOCKED,
	DOMCTL_STATE_PAUSED,
	DOMCTL_STATE_SHUTDOWN,
	DOMCTL_STATE_CRASHED,
	DOMCTL_STATE_NR
};

/* Why a preserved domain stopped (none while it runs). */
enum domctl_stop {
	DOMCTL_STOP_NONE,
	DOMCTL_STOP_POWEROFF,
	DOMCTL_STOP_REBOOT,
	DOMCTL_STOP_CRASH,
	DOMCTL_STOP_NR
};

struct domctl_info {
	uint32_t domid;
	char name[DOMCTL_NAME_MAX + 1];
	uint64_t memory_mib;
	unsigned int vcpus;
	enum domctl_state state;
	uint64_t cputime_ns;
	enum domctl_stop stop_reason;
};

/* $DOMINO_RUN_DIR / $DOMINO_LOG_DIR or the defaults. */
const char *domctl_run_dir(void);
const char *domctl_log_dir(void);
/* "RUN_DIR/<domid><suffix>" and "LOG_DIR/<name>.log"; 0 or -ENAMETOOLONG. */
int domctl_path(char *buf, size_t len, uint32_t domid, const char *suffix);
int domctl_log_path(char *buf, size_t len, const char *name);
/* mkdir -p of the last component only; an existing directory is fine. */
int domctl_mkdir(const char *dir, mode_t mode);

/* [A-Za-z0-9_.-]{1,63}, so names need no quoting on the wire. */
bool domctl_valid_name(const char *name);
const char *domctl_state_name(enum domctl_state s);
const char *domctl_stop_name(enum domctl_stop s);
/* "EINVAL" for EINVAL and back; unknown values give "EIO" / EIO. */
const char *domctl_errno_name(int err);
int domctl_errno_value(const char *name);

/* The info line without '\n'; returns its length or -ENOSPC. */
int domctl_format_info(const struct domctl_info *info, char *buf, size_t len);
/*
 * Parse an info line (an optional trailing '\n' is allowed). Every field
 * is required once; unknown keys of the same key=value form are skipped
 * so that a newer daemon can add some. 0 or -EINVAL (-E2BIG if overlong).
 */
int domctl_parse_info(const char *line, struct domctl_info *info);

/* Connect to domain @domid's daemon: a blocking fd or -errno. */
int domctl_connect(uint32_t domid);
/*
 * Send @req ("info", without '\n') on @fd and read one reply line into
 * @reply (without '\n'), waiting at most @timeout_ms. Returns 0 for a
 * reply other than "error ...", -errno for "error ENAME message" (@reply
 * then holds the message), -ETIMEDOUT, -EPROTO for a malformed reply, or
 * another -errno when the connection fails.
 */
int domctl_transact(int fd, const char *req, char *reply, size_t len,
		    int timeout_ms);
/* domctl_connect() + domctl_transact() with DOMCTL_TIMEOUT_MS. */
int domctl_request(uint32_t domid, const char *req, char *reply, size_t len);
/* Connect and ask for the console: the raw stream's fd or -errno. */
int domctl_console_open(uint32_t domid);
/* Pid of the process at the other end of @fd, or -errno. */
int domctl_peer_pid(int fd, pid_t *pid);
/* The pid the daemon wrote into RUN_DIR/<domid>.pid. */
int domctl_read_pid(uint32_t domid, pid_t *pid);

/*
 * Every live domain, sorted by id, in a malloc'ed array (NULL when none).
 * Sockets whose daemon is gone are removed; daemons that do not answer
 * are skipped. 0 or -errno (a missing run directory is an empty list).
 */
int domctl_list(struct domctl_info **out, size_t *n);
/* A domain id, or a name looked up through domctl_list(); -ENOENT. */
int domctl_find(const char *name_or_id, uint32_t *domid);

#endif /* DOMCTL_H */
