/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's side of the /dev/xen/evtchn selftests: Linux's evtchn driver
 * ioctls (include/uapi/xen/evtchn.h) with their answers as values or
 * -errno, and its read/write protocol for pending and unmasked ports.
 */
#ifndef DOMINO_SELFTEST_DOM0_EVTCHN_H
#define DOMINO_SELFTEST_DOM0_EVTCHN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef uint16_t domid_t;
#include <xen/evtchn.h>

static inline int dev_open(void)
{
	return open("/dev/xen/evtchn", O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

/* An ioctl's answer: its value, or -errno. */
static inline long xioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static inline long bind_idom(int fd, uint32_t dom, uint32_t port)
{
	struct ioctl_evtchn_bind_interdomain b = { .remote_domain = dom, .remote_port = port };

	return xioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
}

static inline long bind_unbound(int fd, uint32_t dom)
{
	struct ioctl_evtchn_bind_unbound_port b = { .remote_domain = dom };

	return xioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b);
}

static inline long bind_virq_dev(int fd, uint32_t virq)
{
	struct ioctl_evtchn_bind_virq b = { .virq = virq };

	return xioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &b);
}

static inline long unbind_dev(int fd, uint32_t port)
{
	struct ioctl_evtchn_unbind u = { .port = port };

	return xioctl(fd, IOCTL_EVTCHN_UNBIND, &u);
}

static inline long notify_dev(int fd, uint32_t port)
{
	struct ioctl_evtchn_notify n = { .port = port };

	return xioctl(fd, IOCTL_EVTCHN_NOTIFY, &n);
}

static inline long restrict_dev(int fd, uint16_t dom)
{
	struct ioctl_evtchn_restrict_domid r = { .domid = dom };

	return xioctl(fd, IOCTL_EVTCHN_RESTRICT_DOMID, &r);
}

/*
 * What a non-blocking read gives: the number of ports read into @ports
 * (at most @max), or -errno.
 */
static inline long read_ports(int fd, uint32_t *ports, unsigned int max)
{
	ssize_t n = read(fd, ports, max * sizeof(*ports));

	return n < 0 ? -errno : n / (long)sizeof(*ports);
}

/* Exactly @port is pending, once. */
static inline bool reads_one(int fd, uint32_t port)
{
	uint32_t got[4] = { 0 };

	return read_ports(fd, got, 4) == 1 && got[0] == port;
}

static inline bool reads_none(int fd)
{
	uint32_t got[4];

	return read_ports(fd, got, 4) == -EAGAIN;
}

static inline bool unmask(int fd, uint32_t port)
{
	return write(fd, &port, sizeof(port)) == sizeof(port);
}

static inline short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/* Something to read within 5 s. */
static inline bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 5000) == 1 && (p.revents & POLLIN);
}

#endif /* DOMINO_SELFTEST_DOM0_EVTCHN_H */
