// SPDX-License-Identifier: GPL-2.0
/*
 * The domain daemon's connections: one request each on the control
 * socket, or a console that stays. Replies are single short lines sent at
 * once; console output is queued per client in a bounded ring and sent
 * as the client takes it, console input waits in the client until the
 * guest takes it (see daemon.c for the design).
 */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon_priv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int ring_init(struct ring *r, size_t size)
{
	r->buf = malloc(size);
	r->size = size;
	r->head = r->len = 0;
	return r->buf ? 0 : -ENOMEM;
}

/* Append what fits; returns the bytes stored. */
static size_t ring_put(struct ring *r, const uint8_t *p, size_t n)
{
	size_t done = 0;

	while (done < n && r->len < r->size) {
		size_t tail = (r->head + r->len) % r->size;
		size_t chunk = tail < r->head ? r->head - tail : r->size - tail;

		if (chunk > n - done)
			chunk = n - done;
		memcpy(r->buf + tail, p + done, chunk);
		r->len += chunk;
		done += chunk;
	}
	return done;
}

void ring_put_over(struct ring *r, const uint8_t *p, size_t n)
{
	if (n >= r->size) {
		p += n - r->size;
		n = r->size;
	}
	if (r->len + n > r->size) {
		size_t drop = r->len + n - r->size;

		r->head = (r->head + drop) % r->size;
		r->len -= drop;
	}
	ring_put(r, p, n);
}

/* The oldest contiguous run of bytes. */
static size_t ring_peek(const struct ring *r, const uint8_t **p)
{
	size_t n = r->size - r->head;

	*p = r->buf + r->head;
	return n < r->len ? n : r->len;
}

static void ring_consume(struct ring *r, size_t n)
{
	r->head = (r->head + n) % r->size;
	r->len -= n;
	if (!r->len)
		r->head = 0;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void client_queue(struct client *c, const uint8_t *p, size_t n)
{
	size_t put = ring_put(&c->out, p, n);

	c->dropped += n - put;
}

/* Send what the socket takes now; false when the client is gone. */
static bool client_flush(struct client *c)
{
	while (c->out.len) {
		const uint8_t *p;
		size_t n = ring_peek(&c->out, &p);
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		ring_consume(&c->out, w);
		if (!c->out.len && c->dropped) {
			char note[96];
			int len = snprintf(note, sizeof(note),
					   "\r\n[domino] %" PRIu64 " bytes of console output dropped\r\n",
					   c->dropped);

			c->dropped = 0;
			client_queue(c, (const uint8_t *)note, len);
		}
	}
	return true;
}

static enum domctl_state vm_state(const struct daemon *d)
{
	if (d->preserved)
		return d->stop_why == VM_STOP_CRASH ? DOMCTL_STATE_CRASHED :
						       DOMCTL_STATE_SHUTDOWN;
	if (vm_paused(d->vm))
		return DOMCTL_STATE_PAUSED;
	return vm_blocked(d->vm) ? DOMCTL_STATE_BLOCKED : DOMCTL_STATE_RUNNING;
}

static const enum domctl_stop stop_map[] = {
	[VM_STOP_NONE] = DOMCTL_STOP_NONE,
	[VM_STOP_POWEROFF] = DOMCTL_STOP_POWEROFF,
	[VM_STOP_REBOOT] = DOMCTL_STOP_REBOOT,
	[VM_STOP_CRASH] = DOMCTL_STOP_CRASH,
};

/* Short replies on a fresh socket fit its buffer: no need to queue. */
__attribute__((format(printf, 2, 3)))
static void reply(struct client *c, const char *fmt, ...)
{
	char buf[DOMCTL_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (send(c->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* The client left; nothing to tell it. */
	}
}

static void reply_result(struct client *c, int r)
{
	if (r)
		reply(c, "error %s %s", domctl_errno_name(-r), strerror(-r));
	else
		reply(c, "ok");
}

static void do_info(struct daemon *d, struct client *c)
{
	struct domctl_info info = {
		.domid = d->domid,
		.memory_mib = vm_memory_mib(d->vm),
		.vcpus = vm_nr_vcpus(d->vm),
		.state = vm_state(d),
		.cputime_ns = vm_cpu_time_ns(d->vm),
		.stop_reason = d->preserved &&
			       (unsigned int)d->stop_why < ARRAY_SIZE(stop_map) ?
			       stop_map[d->stop_why] : DOMCTL_STOP_NONE,
	};
	char line[DOMCTL_LINE_MAX];

	snprintf(info.name, sizeof(info.name), "%s", d->cfg->name);
	if (domctl_format_info(&info, line, sizeof(line)) < 0)
		reply(c, "error EIO cannot format the domain's info");
	else
		reply(c, "%s", line);
}

static void do_console(struct daemon *d, struct client *c)
{
	const uint8_t *p;
	struct ring h = d->history;
	size_t n;

	if (ring_init(&c->out, CLIENT_OUT_SIZE)) {
		reply(c, "error ENOMEM out of memory");
		client_close(c);
		return;
	}
	c->kind = CLIENT_CONSOLE;
	client_queue(c, (const uint8_t *)"ok\n", 3);
	while ((n = ring_peek(&h, &p))) {
		client_queue(c, p, n);
		ring_consume(&h, n);
	}
}

/* A decimal count, digits only, below 2^40: 0 or -EINVAL. */
static int parse_count(const char *s, uint64_t *n)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v >= (1ULL << 40) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*n = v;
	return 0;
}

static void do_request(struct daemon *d, struct client *c, const char *req)
{
	bool running = d->vm && !d->preserved;
	uint64_t n = 0;

	if (!strcmp(req, "info")) {
		do_info(d, c);
	} else if (!strcmp(req, "console")) {
		do_console(d, c);
		return;
	} else if (!strcmp(req, "destroy")) {
		teardown(d, "");
		reply(c, "ok");
	} else if (!strcmp(req, "pause") || !strcmp(req, "unpause") ||
		   !strcmp(req, "shutdown") || !strcmp(req, "reboot") ||
		   !strncmp(req, "mem-set ", 8) || !strncmp(req, "vcpu-set ", 9)) {
		if (!running)
			reply(c, "error EINVAL the domain has stopped");
		else if (!strcmp(req, "pause"))
			reply_result(c, vm_pause(d->vm));
		else if (!strcmp(req, "unpause"))
			reply_result(c, vm_unpause(d->vm));
		else if (!strcmp(req, "shutdown") || !strcmp(req, "reboot"))
			reply_result(c, vm_request_shutdown(d->vm, req[0] == 'r'));
		else if (req[0] == 'm')
			reply_result(c, parse_count(req + 8, &n) ? -EINVAL :
					vm_set_memory_target(d->vm, n));
		else
			reply_result(c, parse_count(req + 9, &n) || n > UINT32_MAX ? -EINVAL :
					vm_set_vcpus_online(d->vm, (unsigned int)n));
	} else {
		reply(c, "error EINVAL unknown request");
	}
	client_close(c);
}

static void read_request(struct daemon *d, struct client *c)
{
	ssize_t n = recv(c->fd, c->line + c->line_len,
			 sizeof(c->line) - c->line_len, MSG_DONTWAIT);
	char *nl;
	size_t i;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->line_len += n;
	nl = memchr(c->line, '\n', c->line_len);
	if (!nl) {
		if (c->line_len == sizeof(c->line)) {
			reply(c, "error EINVAL request too long");
			client_close(c);
		}
		return;
	}
	*nl = '\0';
	for (i = 0; c->line[i]; i++) {
		if (c->line[i] < ' ' || c->line[i] > '~') {
			reply(c, "error EINVAL malformed request");
			client_close(c);
			return;
		}
	}
	do_request(d, c, c->line);
}

bool client_feed_input(struct daemon *d, struct client *c)
{
	if (!d->vm || d->preserved) {
		c->in_len = 0;		/* no guest to type into */
		return false;
	}
	while (c->in_len) {
		size_t n = vm_console_in(d->vm, c->in + c->in_off, c->in_len);

		if (!n)
			return true;
		c->in_off += n;
		c->in_len -= n;
	}
	c->in_off = 0;
	return false;
}

static void read_console(struct daemon *d, struct client *c)
{
	ssize_t n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	if (!n) {
		/* Half-closed: it still wants output until it hangs up. */
		c->in_eof = true;
		return;
	}
	c->in_off = 0;
	c->in_len = n;
	client_feed_input(d, c);
}

void client_accept(struct daemon *d)
{
	struct client *c;
	int fd, i;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS && d->clients[i]; i++)
		;
	c = i < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->kind = CLIENT_REQUEST;
	c->deadline = now_ms() + REQUEST_TIMEOUT_MS;
	d->clients[i] = c;
}

void clients_reap(struct daemon *d)
{
	int i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = d->clients[i];

		if (c && c->fd < 0) {
			free(c->out.buf);
			free(c);
			d->clients[i] = NULL;
		}
	}
}

void client_event(struct daemon *d, struct client *c, short rev)
{
	if (c->kind == CLIENT_REQUEST) {
		if (rev & (POLLIN | POLLHUP | POLLERR))
			read_request(d, c);
		return;
	}
	if (rev & POLLERR) {
		client_close(c);
		return;
	}
	if ((rev & POLLIN) && !c->in_len && !c->in_eof)
		read_console(d, c);
	if (c->fd >= 0 && (rev & POLLOUT) && !client_flush(c))
		client_close(c);
	if (c->fd >= 0 && (rev & POLLHUP) && !(rev & POLLIN))
		client_close(c);
}

void clients_final_flush(struct daemon *d)
{
	int64_t deadline = now_ms() + FINAL_FLUSH_MS;
	struct pollfd pfd[MAX_CLIENTS];
	int i, n;

	do {
		for (i = n = 0; i < MAX_CLIENTS; i++) {
			struct client *c = d->clients[i];

			if (c && c->fd >= 0 && c->kind == CLIENT_CONSOLE &&
			    client_flush(c) && c->out.len)
				pfd[n++] = (struct pollfd){ c->fd, POLLOUT, 0 };
		}
	} while (n && poll(pfd, n, 50) >= 0 && now_ms() < deadline);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i])
			client_close(d->clients[i]);
	clients_reap(d);
}

