// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/domino may be opened many times, each open independent of the
 * others, and only by root (docs/uapi.md: who may open what).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domino_util.h"

static bool unprivileged_open_refused(void)
{
	int status;
	pid_t pid = fork();

	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(DOMINO_DEVICE_PATH, O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	int dev1, dev2, dom;
	uint32_t domid;

	ktap_print_header();
	dev1 = domino_open_dev();
	ktap_set_plan(5);

	dev2 = open(DOMINO_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ktap_test_result(dev2 >= 0, "a second open of /dev/domino succeeds");
	TEST_ASSERT(dev2 >= 0, "second open");
	ktap_test_result(ioctl(dev2, DOMINO_GET_API_VERSION, 0) == DOMINO_API_VERSION &&
			 ioctl(dev1, DOMINO_GET_API_VERSION, 0) == DOMINO_API_VERSION,
			 "both opens answer ioctls");

	dom = domino_domain_create(dev2, 0, &domid);
	close(dev2);
	ktap_test_result(ioctl(dom, DOMINO_DOMAIN_GET_INFO,
			       &(struct domino_domain_info){ 0 }) == 0,
			 "a domain outlives the system fd that created it");
	close(dom);

	ktap_test_result(ioctl(dev1, DOMINO_GET_API_VERSION, 0) == DOMINO_API_VERSION,
			 "the first open still works after the second closed");
	ktap_test_result(unprivileged_open_refused(),
			 "an unprivileged user cannot open /dev/domino (EACCES)");
	close(dev1);
	ktap_finished();
}
