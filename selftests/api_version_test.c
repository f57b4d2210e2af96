// SPDX-License-Identifier: GPL-2.0
/*
 * The API version reported by the ioctl and by sysfs is the one this
 * header was written for, on every open.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "domino_util.h"

int main(void)
{
	int dev, v;

	ktap_print_header();
	dev = domino_open_dev();
	ktap_set_plan(3);

	v = ioctl(dev, DOMINO_GET_API_VERSION, 0);
	ktap_test_result(v == DOMINO_API_VERSION,
			 "DOMINO_GET_API_VERSION returns %d (got %d)",
			 DOMINO_API_VERSION, v);

	v = ioctl(dev, DOMINO_GET_API_VERSION, 0xdeadbeefUL);
	ktap_test_result(v == DOMINO_API_VERSION,
			 "the version ioctl ignores its unused argument");

	ktap_test_result(domino_sysfs_num("api_version") == DOMINO_API_VERSION,
			 "sysfs api_version matches");
	close(dev);
	ktap_finished();
}
