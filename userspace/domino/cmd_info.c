// SPDX-License-Identifier: GPL-2.0
/*
 * domino info: what the hypervisor runs on, like `xl info`'s host part.
 */
#include <stdio.h>
#include <unistd.h>

#include "domino.h"
#include "libdomino.h"

static void print_sysfs(const char *label, const char *name)
{
	long long v;

	if (!domino_sysfs_read(name, &v))
		printf("%-20s: %lld\n", label, v);
}

int cmd_info(int argc, char **argv)
{
	struct domino_caps caps;
	char features[1024];
	int dev, version, r;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: domino info\n");
		return DOMINO_EXIT_USAGE;
	}
	dev = domino_dev_open();
	if (dev < 0) {
		domino_report_error(domino_device_path(), -dev);
		return DOMINO_EXIT_FAIL;
	}
	version = domino_dev_api_version(dev);
	r = version < 0 ? version : domino_dev_caps(dev, &caps);
	close(dev);
	if (r < 0) {
		domino_report_error("querying the module", -r);
		return DOMINO_EXIT_FAIL;
	}

	domino_features_format(caps.features, features, sizeof(features));
	printf("%-20s: %d (tool built for %d)\n", "api_version", version,
	       DOMINO_API_VERSION);
	printf("%-20s: %s\n", "backend", domino_vendor_name(caps.vendor));
	printf("%-20s: %u\n", "vendor_revision", caps.vendor_revision);
	printf("%-20s: %u\n", "nested_paging_levels", caps.tdp_levels);
	printf("%-20s: %u\n", "tlb_tags", caps.nr_tlb_tags);
	printf("%-20s: %u\n", "nr_cpus", caps.nr_cpus);
	printf("%-20s: %u\n", "max_domains", caps.max_domains);
	printf("%-20s: %s\n", "features", features);
	print_sysfs("domains", "domains");
	print_sysfs("virt_cpus", "virt_cpus");
	return 0;
}
