// SPDX-License-Identifier: GPL-2.0
/*
 * Domains: Xen-style ids (1.., handed out in increasing order, a chosen id
 * honoured once), the domain fd, the max_domains limit, and no trace left
 * once every fd is closed.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "domino_util.h"

static long long read_param(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	TEST_ASSERT(f, "open %s", path);
	TEST_ASSERT(fscanf(f, "%lld", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

static bool fill_to_limit(int dev, long long max)
{
	struct rlimit rl = { max + 64, max + 64 };
	int *fds = calloc(max + 1, sizeof(*fds));
	struct domino_create_domain args;
	long long n, i;
	bool ok;

	TEST_ASSERT(fds, "calloc");
	TEST_ASSERT(setrlimit(RLIMIT_NOFILE, &rl) == 0, "RLIMIT_NOFILE %lld", max + 64);
	for (n = 0; n < max; n++) {
		memset(&args, 0, sizeof(args));
		fds[n] = domino_domain_create_raw(dev, &args);
		if (fds[n] < 0)
			break;
	}
	memset(&args, 0, sizeof(args));
	ok = n == max && ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, ENOSPC);
	if (n != max)
		ktap_print_msg("only %lld of %lld domains created (errno %d)", n, max, errno);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return ok;
}

int main(void)
{
	struct domino_domain_info info;
	long long objects, pages, max;
	uint32_t id1, id2, id3, id4;
	int dev, d1, d2, d3, d4, r;

	ktap_print_header();
	dev = domino_open_dev();
	ktap_set_plan(11);
	objects = domino_sysfs_num("alloc_objects");
	pages = domino_sysfs_num("alloc_pages");

	d1 = domino_domain_create(dev, 0, &id1);
	ktap_test_result(id1 >= 1 && id1 <= DOMINO_DOMID_MAX,
			 "first domain gets a guest id (%u), never dom0's", id1);
	memset(&info, 0xff, sizeof(info));
	r = ioctl(d1, DOMINO_DOMAIN_GET_INFO, &info);
	ktap_test_result(r == 0 && info.domid == id1 && !info.flags && !info.reserved[0],
			 "DOMAIN_GET_INFO reports domid %u", info.domid);
	ktap_test_result((fcntl(d1, F_GETFD) & FD_CLOEXEC) != 0,
			 "domain fd is close-on-exec");

	d2 = domino_domain_create(dev, 0, &id2);
	ktap_test_result(id2 > id1, "next id is larger (%u after %u)", id2, id1);
	ktap_test_result(domino_sysfs_num("domains") == 2, "sysfs counts 2 domains");

	close(d2);
	d3 = domino_domain_create(dev, 0, &id3);
	ktap_test_result(id3 != id2 && id3 > id2,
			 "a freed id is not reused at once (%u after freeing %u)", id3, id2);

	d4 = domino_domain_create(dev, 4242, &id4);
	ktap_test_result(id4 == 4242, "a chosen free id is honoured (%u)", id4);
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN,
					  &(struct domino_create_domain){ .domid = 4242 }, EEXIST),
			 "a taken id is refused with EEXIST");
	close(d4);
	close(d3);
	close(d1);
	ktap_test_result(domino_sysfs_num("domains") == 0, "all domains gone after close");

	max = read_param("/sys/module/domino/parameters/max_domains");
	ktap_test_result(fill_to_limit(dev, max),
			 "max_domains=%lld domains can exist, one more gets ENOSPC", max);

	ktap_test_result(domino_sysfs_num("alloc_objects") == objects &&
			 domino_sysfs_num("alloc_pages") == pages &&
			 domino_sysfs_num("domains") == 0,
			 "allocation counters back to baseline (%lld objects, %lld pages)",
			 domino_sysfs_num("alloc_objects"), domino_sysfs_num("alloc_pages"));
	close(dev);
	ktap_finished();
}
