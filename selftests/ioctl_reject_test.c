// SPDX-License-Identifier: GPL-2.0
/*
 * Bad ioctl numbers, sizes, directions, pointers and arguments are refused
 * with the errno the UAPI header documents, on every kind of fd, and
 * leave nothing behind.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "domino_util.h"

/* Only their sizes matter: they encode wrong sizes into ioctl numbers. */
struct caps_too_small { char b[8]; };		/* cppcheck-suppress unusedStructMember */
struct caps_too_big { struct domino_caps c; uint64_t extra; };	/* cppcheck-suppress unusedStructMember */

int main(void)
{
	struct domino_create_domain args;
	struct domino_caps caps;
	long long objects;
	int dev, dom;
	void *ro;

	ktap_print_header();
	dev = domino_open_dev();
	ktap_set_plan(17);
	objects = domino_sysfs_num("alloc_objects");

	ktap_test_result(ioctl_fails_with(dev, _IO(0xAE, 0x00), NULL, ENOTTY),
			 "foreign type byte (KVM's) -> ENOTTY");
	ktap_test_result(ioctl_fails_with(dev, _IO(DOMINO_IOCTL_TYPE, 0x3f), NULL, ENOTTY),
			 "unknown number -> ENOTTY");
	ktap_test_result(ioctl_fails_with(dev, _IOR(DOMINO_IOCTL_TYPE, 0x01, struct caps_too_small),
					  &caps, EINVAL),
			 "GET_CAPS with a smaller size -> EINVAL");
	ktap_test_result(ioctl_fails_with(dev, _IOR(DOMINO_IOCTL_TYPE, 0x01, struct caps_too_big),
					  &caps, EINVAL),
			 "GET_CAPS with a larger size -> EINVAL");
	ktap_test_result(ioctl_fails_with(dev, _IOW(DOMINO_IOCTL_TYPE, 0x01, struct domino_caps),
					  &caps, EINVAL),
			 "GET_CAPS with the wrong direction -> EINVAL");
	ktap_test_result(ioctl_fails_with(dev, _IOR(DOMINO_IOCTL_TYPE, 0x00, int), NULL, EINVAL),
			 "GET_API_VERSION with a size -> EINVAL");
	ktap_test_result(ioctl_fails_with(dev, DOMINO_GET_CAPS, NULL, EFAULT),
			 "GET_CAPS to NULL -> EFAULT");

	/* A read-only page: the module must not write through it. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(ro != MAP_FAILED, "mmap");
	ktap_test_result(ioctl_fails_with(dev, DOMINO_GET_CAPS, ro, EFAULT),
			 "GET_CAPS to a read-only page -> EFAULT");
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, ro, EFAULT),
			 "CREATE_DOMAIN whose result cannot be written back -> EFAULT");
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, (void *)-4096L, EFAULT),
			 "CREATE_DOMAIN from a kernel address -> EFAULT");

	memset(&args, 0, sizeof(args));
	args.flags = 0x80000000;
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, EINVAL),
			 "CREATE_DOMAIN with unknown flags -> EINVAL");
	memset(&args, 0, sizeof(args));
	args.reserved = 1;
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, EINVAL),
			 "CREATE_DOMAIN with reserved bits -> EINVAL");
	memset(&args, 0, sizeof(args));
	args.domid = DOMINO_DOMID_MAX + 1;	/* Xen's DOMID_FIRST_RESERVED */
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, EINVAL),
			 "CREATE_DOMAIN with a reserved domid (0x7ff0) -> EINVAL");
	args.domid = 0xffffffff;
	ktap_test_result(ioctl_fails_with(dev, DOMINO_CREATE_DOMAIN, &args, EINVAL),
			 "CREATE_DOMAIN with domid 0xffffffff -> EINVAL");

	dom = domino_domain_create(dev, 0, NULL);
	ktap_test_result(ioctl_fails_with(dom, DOMINO_GET_CAPS, &caps, ENOTTY) &&
			 ioctl_fails_with(dom, DOMINO_CREATE_DOMAIN, &args, ENOTTY),
			 "system ioctls on a domain fd -> ENOTTY");
	ktap_test_result(ioctl_fails_with(dev, DOMINO_DOMAIN_GET_INFO, &args, ENOTTY) &&
			 ioctl_fails_with(dom, _IOR(DOMINO_IOCTL_TYPE, 0x40, struct caps_too_big),
					  &caps, EINVAL),
			 "domain ioctl on the system fd -> ENOTTY, wrong size -> EINVAL");
	close(dom);

	ktap_test_result(domino_sysfs_num("alloc_objects") == objects &&
			 domino_sysfs_num("domains") == 0,
			 "failed calls left no allocations or domains behind");
	munmap(ro, 4096);
	close(dev);
	ktap_finished();
}
