// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's PV console, the host's end (see xencons.h). The guest shares the
 * page with us and may change any of it at any moment: an index is read
 * once per pass into a local and checked there, and ring bytes are copied
 * out once, so a guest racing us can garble its own output and nothing
 * else.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/domino.h>

#include "xencons.h"

_Static_assert(offsetof(struct xencons_interface, out) == 1024, "abi");
_Static_assert(offsetof(struct xencons_interface, in_cons) == 3072, "abi");
_Static_assert(offsetof(struct xencons_interface, in_prod) == 3076, "abi");
_Static_assert(offsetof(struct xencons_interface, out_cons) == 3080, "abi");
_Static_assert(offsetof(struct xencons_interface, out_prod) == 3084, "abi");
_Static_assert(sizeof(struct xencons_interface) <= 4096, "one page");

struct xencons {
	int dom;
	struct xencons_interface *intf;
	uint32_t port;
	int raise_fd, notify_fd, stop_fd;
	const struct xencons_ops *ops;
	void *opaque;
	pthread_t thread;
	bool started;
	pthread_mutex_t in_lock;	/* input comes from any thread */
	_Atomic bool in_use;
	_Atomic bool broken;
};

/*
 * The guest's producer index with acquire (its ring bytes are read after
 * it), ours as the guest may have left it; our index is published with
 * release, after the bytes (the guest's mb()/wmb() pair with these).
 */
int xencons_ring_read(struct xencons_interface *intf, uint8_t *buf)
{
	uint32_t cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
	uint32_t prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
	uint32_t len = prod - cons, at, first;

	if (len > XENCONS_OUT_SIZE)
		return -EPROTO;
	at = cons % XENCONS_OUT_SIZE;
	first = len < XENCONS_OUT_SIZE - at ? len : XENCONS_OUT_SIZE - at;
	memcpy(buf, intf->out + at, first);
	memcpy(buf + first, intf->out, len - first);
	__atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELEASE);
	return len;
}

int xencons_ring_write(struct xencons_interface *intf, const uint8_t *p,
		       size_t len)
{
	uint32_t cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
	uint32_t used = prod - cons, at, n, first;

	if (used > XENCONS_IN_SIZE)
		return -EPROTO;
	n = XENCONS_IN_SIZE - used;
	if (len < n)
		n = len;
	at = prod % XENCONS_IN_SIZE;
	first = n < XENCONS_IN_SIZE - at ? n : XENCONS_IN_SIZE - at;
	memcpy(intf->in + at, p, first);
	memcpy(intf->in, p + first, n - first);
	__atomic_store_n(&intf->in_prod, prod + n, __ATOMIC_RELEASE);
	return n;
}

static void xencons_raise(struct xencons *c)
{
	uint64_t one = 1;

	if (write(c->raise_fd, &one, sizeof(one)) != sizeof(one)) {
		/* Only a counter at its maximum: the guest has a raise pending. */
	}
}

static void xencons_broke(struct xencons *c, const char *dir)
{
	char msg[160];

	if (atomic_exchange(&c->broken, true))
		return;
	snprintf(msg, sizeof(msg),
		 "the guest's PV console ring is corrupt (%s indexes more than a ring apart): hvc0 is no longer served",
		 dir);
	c->ops->note(c->opaque, msg);
}

/* One pass: what the guest wrote, out; room for more, raised. */
static void xencons_pass(struct xencons *c)
{
	uint8_t buf[XENCONS_OUT_SIZE];
	int n;

	if (atomic_load(&c->broken))
		return;
	n = xencons_ring_read(c->intf, buf);
	if (n < 0) {
		xencons_broke(c, "output");
		return;
	}
	if (!n)
		return;
	atomic_store(&c->in_use, true);
	c->ops->out(c->opaque, buf, n);
	xencons_raise(c);
}

static void *xencons_thread(void *arg)
{
	struct xencons *c = arg;
	struct pollfd pfd[2] = {
		{ .fd = c->notify_fd, .events = POLLIN },
		{ .fd = c->stop_fd, .events = POLLIN },
	};
	uint64_t cnt;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		/* Read before the pass: a send during it wakes us again. */
		if (read(c->notify_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			break;
		xencons_pass(c);
	}
	/* The guest's last words (its vCPUs have stopped by now). */
	xencons_pass(c);
	return NULL;
}

static int set_param(int dom, uint32_t index, uint64_t value)
{
	struct domino_xen_param p = { .index = index, .value = value };

	return ioctl(dom, DOMINO_XEN_SET_PARAM, &p) ? -errno : 0;
}

struct xencons *xencons_new(int dom, void *page, uint64_t gpa,
			    const struct xencons_ops *ops, void *opaque,
			    char *err, size_t errlen)
{
	struct domino_xen_evtchn_bind b = { .port = 0, .vcpu = 0 };
	struct xencons *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->raise_fd = c->notify_fd = c->stop_fd = -1;
	c->dom = dom;
	c->intf = page;
	c->ops = ops;
	c->opaque = opaque;
	pthread_mutex_init(&c->in_lock, NULL);
	memset(page, 0, 4096);
	c->raise_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->raise_fd < 0 || c->notify_fd < 0 || c->stop_fd < 0) {
		snprintf(err, errlen, "PV console: eventfd: %s", strerror(errno));
		goto fail;
	}
	b.raise_fd = c->raise_fd;
	b.notify_fd = c->notify_fd;
	if (ioctl(dom, DOMINO_XEN_EVTCHN_BIND, &b)) {
		snprintf(err, errlen, "PV console: DOMINO_XEN_EVTCHN_BIND: %s",
			 strerror(errno));
		goto fail;
	}
	c->port = b.port;
	r = set_param(dom, HVM_PARAM_CONSOLE_PFN, gpa >> 12);
	if (!r)
		r = set_param(dom, HVM_PARAM_CONSOLE_EVTCHN, c->port);
	if (r) {
		snprintf(err, errlen, "PV console: DOMINO_XEN_SET_PARAM: %s",
			 strerror(-r));
		goto fail;
	}
	return c;
fail:
	xencons_free(c);
	return NULL;
}

int xencons_start(struct xencons *c)
{
	int r = -pthread_create(&c->thread, NULL, xencons_thread, c);

	c->started = !r;
	return r;
}

size_t xencons_input(struct xencons *c, const uint8_t *buf, size_t len)
{
	int n;

	if (atomic_load(&c->broken))
		return 0;
	pthread_mutex_lock(&c->in_lock);
	n = xencons_ring_write(c->intf, buf, len);
	pthread_mutex_unlock(&c->in_lock);
	if (n < 0) {
		xencons_broke(c, "input");
		return 0;
	}
	if (n)
		xencons_raise(c);
	return n;
}

uint32_t xencons_port(const struct xencons *c)
{
	return c->port;
}

bool xencons_in_use(const struct xencons *c)
{
	return atomic_load(&c->in_use) && !atomic_load(&c->broken);
}

void xencons_free(struct xencons *c)
{
	struct domino_xen_evtchn_unbind u;
	uint64_t one = 1;

	if (!c)
		return;
	if (c->started) {
		if (write(c->stop_fd, &one, sizeof(one)) != sizeof(one)) {
			/* Cannot fail: the counter is far from its maximum. */
		}
		pthread_join(c->thread, NULL);
	}
	if (c->port) {
		u = (struct domino_xen_evtchn_unbind){ .port = c->port };
		ioctl(c->dom, DOMINO_XEN_EVTCHN_UNBIND, &u);
	}
	if (c->raise_fd >= 0)
		close(c->raise_fd);
	if (c->notify_fd >= 0)
		close(c->notify_fd);
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	pthread_mutex_destroy(&c->in_lock);
	free(c);
}
