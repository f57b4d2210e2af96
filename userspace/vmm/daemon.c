// SPDX-License-Identifier: GPL-2.0
/*
 * The domain daemon. Every domain is owned by its own process, as QEMU or
 * kvmtool own one VM each: `domino create` forks, the child detaches and
 * lands here, and the domain lives as long as this process does (the
 * kernel frees it when our /dev/domino fds close, however we die).
 *
 * The daemon holds the struct vm and serves RUN_DIR/<domid>.sock with the
 * line protocol of lib/domctl.h, one request per connection. A poll()
 * loop on this, the only non-vCPU thread, does all the I/O: the vm
 * callbacks run on vCPU threads and only queue console bytes (or note
 * that the guest stopped) under a mutex and kick an eventfd, so a slow
 * console client or log disk never stalls a vCPU. SIGTERM and SIGINT
 * arrive through a signalfd and destroy the domain. The connections
 * themselves are handled in daemon_client.c.
 *
 * Console output goes to three places: a ring of the last 64 KiB that a
 * newly attached console replays, the append-only log LOG_DIR/<name>.log
 * (kept after the domain is gone), and every attached console client,
 * each with its own bounded buffer (a client that falls too far behind
 * loses output, never the guest's time). Console input is handed to
 * vm_console_in(); what it does not take yet stays queued and the client
 * is not read again until it all went in (backpressure to the client).
 *
 * When the guest stops we apply the cfg's on_poweroff/on_reboot/on_crash:
 * destroy (exit), restart (a fresh vm from the same cfg, with a new domid
 * as in Xen, so the socket and pid file are renamed) or preserve (keep
 * the stopped vm until `destroy`). More than RESTART_MAX restarts within
 * RESTART_WINDOW_MS is taken for a boot loop and ends in destroy.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_priv.h"
#include "domctl.h"
#include "vm.h"

#define RESTART_MAX		DAEMON_RESTART_MAX
#define RESTART_WINDOW_MS	10000
#define INPUT_RETRY_MS		10		/* the guest's input FIFO was full */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Console output, on the daemon thread: history, log, every console. */
void emit(struct daemon *d, const uint8_t *p, size_t n)
{
	size_t i;

	if (!n)
		return;
	ring_put_over(&d->history, p, n);
	if (d->log_fd >= 0) {
		size_t off = 0;

		while (off < n) {
			ssize_t w = write(d->log_fd, p + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;	/* a full disk must not stop the domain */
			off += w;
		}
	}
	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];

		if (c && c->fd >= 0 && c->kind == CLIENT_CONSOLE)
			client_queue(c, p, n);
	}
	d->at_line_start = p[n - 1] == '\n';
}

/* A "[domino] ..." line of our own, on a line of its own. */
void emit_msg(struct daemon *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = 0;

	if (!d->at_line_start)
		n = snprintf(buf, sizeof(buf), "\r\n");
	n += snprintf(buf + n, sizeof(buf) - n, "[domino] ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 3)
		n = sizeof(buf) - 3;
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	emit(d, (const uint8_t *)buf, n);
}

static void wake(struct daemon *d)
{
	uint64_t one = 1;

	if (write(d->wake_fd, &one, sizeof(one)) < 0) {
		/* Only EAGAIN is possible: the loop is already woken. */
	}
}

/* vCPU thread: queue the bytes, never wait for the daemon thread. */
static void cb_console_out(void *opaque, const uint8_t *buf, size_t len)
{
	struct daemon *d = opaque;
	bool was_empty;
	size_t room;

	pthread_mutex_lock(&d->lock);
	was_empty = !d->pending_len;
	room = PENDING_MAX - d->pending_len;
	if (len > room) {
		d->pending_lost += len - room;
		len = room;
	}
	memcpy(d->pending + d->pending_len, buf, len);
	d->pending_len += len;
	pthread_mutex_unlock(&d->lock);
	if (was_empty)
		wake(d);
}

static void cb_stopped(void *opaque, enum vm_stop_reason why,
		       const char *detail)
{
	struct daemon *d = opaque;

	pthread_mutex_lock(&d->lock);
	d->stop_seen = true;
	d->stop_seen_why = why;
	snprintf(d->stop_detail, sizeof(d->stop_detail), "%s",
		 detail ? detail : "");
	pthread_mutex_unlock(&d->lock);
	wake(d);
}

static const struct vm_callbacks callbacks = {
	.console_out = cb_console_out,
	.stopped = cb_stopped,
};

/*
 * Move what the vCPUs queued into the console streams. Returns true (and
 * the reason) when the guest has stopped since the last call.
 */
static bool drain(struct daemon *d, enum vm_stop_reason *why, char *detail,
		  size_t detail_len)
{
	static uint8_t buf[PENDING_MAX];
	uint64_t lost;
	size_t n;
	bool stopped;

	pthread_mutex_lock(&d->lock);
	n = d->pending_len;
	memcpy(buf, d->pending, n);
	d->pending_len = 0;
	lost = d->pending_lost;
	d->pending_lost = 0;
	stopped = d->stop_seen;
	d->stop_seen = false;
	*why = d->stop_seen_why;
	snprintf(detail, detail_len, "%s", d->stop_detail);
	pthread_mutex_unlock(&d->lock);

	emit(d, buf, n);
	if (lost)
		emit_msg(d, "%" PRIu64 " bytes of console output lost", lost);
	return stopped;
}

static const char *stop_name(enum vm_stop_reason why)
{
	switch (why) {
	case VM_STOP_POWEROFF:
		return "poweroff";
	case VM_STOP_REBOOT:
		return "reboot";
	case VM_STOP_CRASH:
		return "crash";
	default:
		return "none";
	}
}

/* "PID NAME": lets `domino destroy NAME` find a daemon too busy to answer. */
static int write_pid_file(const char *path, const char *name)
{
	char tmp[4096 + 8], buf[128];
	int fd, n, r = 0;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld %s\n", (long)getpid(), name);
	if (write(fd, buf, n) != n)
		r = -EIO;
	close(fd);
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

/*
 * Listen on a temporary name and rename it into place, so that nobody
 * ever connects to a socket that is bound but not yet listening (which
 * `list` would take for a stale one and remove).
 */
static int bind_socket(struct daemon *d, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r;

	if (domctl_path(d->sock_path, sizeof(d->sock_path), d->domid, ".sock") ||
	    domctl_path(sa.sun_path, sizeof(sa.sun_path), d->domid, ".sock.new") ||
	    domctl_path(d->pid_path, sizeof(d->pid_path), d->domid, ".pid")) {
		snprintf(err, errlen, "%s: path too long", domctl_run_dir());
		return -ENAMETOOLONG;
	}
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0)
		goto fail;
	unlink(sa.sun_path);
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	if (chmod(sa.sun_path, 0600) || listen(d->listen_fd, 16))
		goto fail_unlink;
	r = write_pid_file(d->pid_path, d->cfg->name);
	if (r) {
		errno = -r;
		goto fail_unlink;
	}
	if (rename(sa.sun_path, d->sock_path))
		goto fail_unlink;
	return 0;

fail_unlink:
	r = -errno;
	unlink(sa.sun_path);
	unlink(d->pid_path);
	errno = -r;
fail:
	r = -errno;
	snprintf(err, errlen, "control socket %s: %s", d->sock_path, strerror(-r));
	return r;
}

/* The domain got a new id: move the socket and pid file along. */
static int rename_socket(struct daemon *d, uint32_t domid)
{
	char sock[sizeof(d->sock_path)], pid[sizeof(d->pid_path)];

	if (domctl_path(sock, sizeof(sock), domid, ".sock") ||
	    domctl_path(pid, sizeof(pid), domid, ".pid"))
		return -ENAMETOOLONG;
	if (rename(d->pid_path, pid) || rename(d->sock_path, sock))
		return -errno;
	memcpy(d->sock_path, sock, sizeof(sock));
	memcpy(d->pid_path, pid, sizeof(pid));
	d->domid = domid;
	return 0;
}

static void destroy_vm(struct daemon *d)
{
	enum vm_stop_reason why;
	char detail[8];

	if (!d->vm)
		return;
	vm_destroy(d->vm);
	d->vm = NULL;
	/* No vCPU thread is left: take their last bytes, forget a stop. */
	drain(d, &why, detail, sizeof(detail));
	d->preserved = false;
}

/* A new vm from the same cfg, after the old one rebooted or crashed. */
static int restart(struct daemon *d)
{
	int64_t now = now_ms();
	char err[256];
	struct vm *vm;
	int r;

	if (d->nr_restarts >= RESTART_MAX &&
	    now - d->restart_ms[d->nr_restarts % RESTART_MAX] < RESTART_WINDOW_MS) {
		emit_msg(d, "more than %d restarts within %d seconds, destroying instead",
			 RESTART_MAX, RESTART_WINDOW_MS / 1000);
		return -ELOOP;
	}
	d->restart_ms[d->nr_restarts++ % RESTART_MAX] = now;

	destroy_vm(d);
	vm = vm_create(d->cfg, &callbacks, d, err, sizeof(err));
	if (!vm) {
		emit_msg(d, "restart of domain %s failed: %s", d->cfg->name, err);
		return -EIO;
	}
	d->vm = vm;
	r = rename_socket(d, vm_domid(vm));
	if (r) {
		emit_msg(d, "restart of domain %s failed: control socket: %s",
			 d->cfg->name, strerror(-r));
		return r;
	}
	emit_msg(d, "domain %s restarted as id %" PRIu32, d->cfg->name, d->domid);
	r = vm_start(vm);
	if (r)
		emit_msg(d, "restart of domain %s failed: cannot start: %s",
			 d->cfg->name, strerror(-r));
	return r;
}

/* The guest stopped by itself: do what the cfg says for @why. */
static void guest_stopped(struct daemon *d, enum vm_stop_reason why,
			  const char *detail)
{
	const struct domcfg *cfg = d->cfg;
	enum domcfg_action act;

	emit_msg(d, "domain %s (id %" PRIu32 ") stopped: %s (%s)", cfg->name,
		 d->domid, stop_name(why), *detail ? detail : "no detail");
	if (why == VM_STOP_REBOOT)
		act = cfg->on_reboot;
	else if (why == VM_STOP_CRASH)
		act = cfg->on_crash;
	else
		act = cfg->on_poweroff;

	switch (act) {
	case DOMCFG_ACTION_PRESERVE:
		emit_msg(d, "domain %s preserved; 'domino destroy %s' frees it",
			 cfg->name, cfg->name);
		d->preserved = true;
		d->stop_why = why;
		return;
	case DOMCFG_ACTION_COREDUMP_RESTART:
		emit_msg(d, "core dumps are not supported, restarting without one");
		/* fall through */
	case DOMCFG_ACTION_RESTART:
		if (!restart(d))
			return;
		d->exit_code = 1;
		break;
	case DOMCFG_ACTION_COREDUMP_DESTROY:
		emit_msg(d, "core dumps are not supported, destroying without one");
		break;
	case DOMCFG_ACTION_DESTROY:
		break;
	default:
		emit_msg(d, "action %s is not supported, destroying instead",
			 domcfg_action_name(act) ? domcfg_action_name(act) : "?");
		break;
	}
	d->quit = true;
}

/* The end of the domain: vm gone, socket gone, then we exit. */
void teardown(struct daemon *d, const char *why)
{
	if (why)
		emit_msg(d, "domain %s (id %" PRIu32 ") destroyed%s", d->cfg->name,
			 d->domid, why);
	destroy_vm(d);
	unlink(d->sock_path);
	unlink(d->pid_path);
	d->quit = true;
}

static void handle_wake(struct daemon *d)
{
	enum vm_stop_reason why;
	char detail[128];
	uint64_t v;

	/* Read the eventfd before draining, so no kick is lost. */
	if (read(d->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a spurious wake-up. */
	}
	if (drain(d, &why, detail, sizeof(detail)) && d->vm && !d->preserved)
		guest_stopped(d, why, detail);
	if (d->quit)
		teardown(d, NULL);
}

static void handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	teardown(d, si.ssi_signo == SIGTERM ? " (SIGTERM)" : " (SIGINT)");
}

static void serve(struct daemon *d)
{
	struct pollfd pfd[3 + MAX_CLIENTS];
	struct client *who[3 + MAX_CLIENTS];
	int i, timeout;

	while (!d->quit) {
		int64_t now = now_ms(), next = INT64_MAX;
		bool full = true;
		int n;

		pfd[0] = (struct pollfd){ d->wake_fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ d->sig_fd, POLLIN, 0 };
		n = 2;
		for (i = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];
			short ev = 0;

			if (!c) {
				full = false;
				continue;
			}
			if (c->kind == CLIENT_REQUEST) {
				if (now >= c->deadline) {
					client_close(c);
					continue;
				}
				ev = POLLIN;
				if (c->deadline < next)
					next = c->deadline;
			} else {
				if (c->in_len && client_feed_input(d, c) &&
				    now + INPUT_RETRY_MS < next)
					next = now + INPUT_RETRY_MS;
				if (!c->in_len && !c->in_eof)
					ev |= POLLIN;
				if (c->out.len)
					ev |= POLLOUT;
			}
			who[n] = c;
			pfd[n++] = (struct pollfd){ c->fd, ev, 0 };
		}
		if (!full)
			pfd[n++] = (struct pollfd){ d->listen_fd, POLLIN, 0 };
		timeout = next == INT64_MAX ? -1 :
			  next <= now ? 0 : (int)(next - now);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;

		if (pfd[1].revents)
			handle_signal(d);
		if (!d->quit && pfd[0].revents)
			handle_wake(d);
		for (i = 2; i < n && !d->quit; i++) {
			if (pfd[i].fd == d->listen_fd) {
				if (pfd[i].revents)
					client_accept(d);
			} else if (pfd[i].revents && who[i]->fd >= 0) {
				client_event(d, who[i], pfd[i].revents);
			}
		}
		clients_reap(d);
	}
	clients_final_flush(d);
}

__attribute__((format(printf, 2, 3)))
static void report(int *ready_fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (*ready_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(*ready_fd, buf, n) != n) {
		/* The creator is gone; the domain runs on regardless. */
	}
	close(*ready_fd);
	*ready_fd = -1;
}

static int open_log(struct daemon *d, char *err, size_t errlen)
{
	char path[4096];
	int r;

	r = domctl_log_path(path, sizeof(path), d->cfg->name);
	if (!r)
		r = domctl_mkdir(domctl_log_dir(), 0750);
	if (!r) {
		d->log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
					O_NOCTTY, 0640);
		r = d->log_fd < 0 ? -errno : 0;
	}
	if (r)
		snprintf(err, errlen, "console log %.160s: %s", path, strerror(-r));
	return r;
}

/* Our fds and buffers; the vm comes after, from the cfg. */
static int setup(struct daemon *d, char *err, size_t errlen)
{
	sigset_t sigs;
	int r;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* Blocked before the vCPU threads exist, so they inherit it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d->sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->pending = malloc(PENDING_MAX);
	if (d->sig_fd < 0 || d->wake_fd < 0 || !d->pending ||
	    ring_init(&d->history, DOMCTL_RING_SIZE)) {
		snprintf(err, errlen, "daemon setup: %s", strerror(errno));
		return -ENOMEM;
	}
	r = domctl_mkdir(domctl_run_dir(), 0700);
	if (r) {
		snprintf(err, errlen, "%s: %s", domctl_run_dir(), strerror(-r));
		return r;
	}
	return open_log(d, err, errlen);
}

static void cleanup(struct daemon *d)
{
	destroy_vm(d);
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->log_fd >= 0)
		close(d->log_fd);
	free(d->pending);
	free(d->history.buf);
	pthread_mutex_destroy(&d->lock);
}

int daemon_run(const struct domcfg *given, int ready_fd)
{
	/*
	 * A cfg without a uuid gets one here, once: the domain keeps it
	 * across restarts (its /vm/UUID in XenStore), as xl's domains do.
	 */
	struct domcfg own = *given;
	const struct domcfg *cfg = &own;
	struct daemon d = {
		.cfg = cfg,
		.listen_fd = -1, .wake_fd = -1, .sig_fd = -1, .log_fd = -1,
		.at_line_start = true,
	};
	char err[256];
	int r;

	if (!own.has_uuid) {
		vm_uuid_random(own.uuid, own.uuid_str);
		own.has_uuid = true;
	}
	pthread_mutex_init(&d.lock, NULL);
	if (setup(&d, err, sizeof(err)))
		goto fail;
	d.vm = vm_create(cfg, &callbacks, &d, err, sizeof(err));
	if (!d.vm)
		goto fail;
	d.domid = vm_domid(d.vm);
	if (bind_socket(&d, err, sizeof(err)))
		goto fail;
	emit_msg(&d, "domain %s (id %" PRIu32 ") created", cfg->name, d.domid);
	r = vm_start(d.vm);
	if (r) {
		snprintf(err, sizeof(err), "cannot start the vCPUs: %s",
			 strerror(-r));
		unlink(d.sock_path);
		unlink(d.pid_path);
		goto fail;
	}
	report(&ready_fd, "ok %" PRIu32, d.domid);
	serve(&d);
	cleanup(&d);
	return d.exit_code;

fail:
	if (d.log_fd >= 0)
		emit_msg(&d, "domain %s not created: %s", cfg->name, err);
	report(&ready_fd, "error %s", err);
	cleanup(&d);
	return 1;
}
