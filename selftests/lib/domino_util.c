// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <cpuid.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"

#define DOMINO_SYSFS "/sys/class/misc/domino/"

bool ioctl_fails_with(int fd, unsigned long cmd, void *arg, int err)
{
	int r;

	errno = 0;
	r = ioctl(fd, cmd, arg);
	if (r >= 0) {
		ktap_print_msg("ioctl %#lx succeeded (%d), expected errno %d",
			       cmd, r, err);
		if (r > 2)
			close(r);	/* it may have created an fd */
		return false;
	}
	if (errno != err) {
		ktap_print_msg("ioctl %#lx failed with errno %d (%s), expected %d (%s)",
			       cmd, errno, strerror(errno), err, strerror(err));
		return false;
	}
	return true;
}

int domino_open_dev(void)
{
	int fd = open(DOMINO_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		ktap_exit_missing("%s is missing: domino.ko is not loaded", DOMINO_DEVICE_PATH);
	TEST_ASSERT(fd >= 0, "open %s", DOMINO_DEVICE_PATH);
	return fd;
}

void domino_get_caps(int dev, struct domino_caps *caps)
{
	memset(caps, 0xa5, sizeof(*caps));
	TEST_ASSERT(ioctl(dev, DOMINO_GET_CAPS, caps) == 0, "DOMINO_GET_CAPS");
}

int domino_domain_create_raw(int dev, struct domino_create_domain *args)
{
	return ioctl(dev, DOMINO_CREATE_DOMAIN, args);
}

int domino_domain_create(int dev, uint32_t want_domid, uint32_t *domid)
{
	struct domino_create_domain args = { .domid = want_domid };
	int fd = domino_domain_create_raw(dev, &args);

	TEST_ASSERT(fd >= 0, "DOMINO_CREATE_DOMAIN domid %u", want_domid);
	if (domid)
		*domid = args.domid;
	return fd;
}

void domino_sysfs_str(const char *name, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DOMINO_SYSFS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open %s", path);
	n = read(fd, buf, len - 1);
	TEST_ASSERT(n > 0, "read %s", path);
	close(fd);
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

long long domino_sysfs_num(const char *name)
{
	char buf[64], *end;
	long long v;

	domino_sysfs_str(name, buf, sizeof(buf));
	errno = 0;
	v = strtoll(buf, &end, 0);
	TEST_ASSERT(!errno && end != buf && !*end, "sysfs %s='%s' is not a number",
		    name, buf);
	return v;
}

void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
		uint32_t *c, uint32_t *d)
{
	__cpuid_count(leaf, sub, *a, *b, *c, *d);
}

int host_online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

bool host_rdmsr(int cpu, uint32_t msr, uint64_t *val)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, val, sizeof(*val), msr);
	close(fd);
	return n == sizeof(*val);
}

bool host_msr_required(void)
{
	const char *e = getenv("DOMINO_REQUIRE_MSR");

	return e && !strcmp(e, "1");
}

bool domino_counters_back(long long objs, long long pages)
{
	int i;

	for (i = 0; i < 50 && domino_sysfs_num("domains") != 0; i++)
		usleep(100000);
	return domino_sysfs_num("domains") == 0 &&
	       domino_sysfs_num("alloc_objects") == objs &&
	       domino_sysfs_num("alloc_pages") == pages;
}

void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}
