// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/misc/domino/: what the module detected and what it holds,
 * one value per file, for tools and for the selftests' leak checks.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "domino.h"
#include "domain.h"
#include "vendor_ops.h"
#include "exit.h"
#include "world_switch.h"
#include "virt.h"
#include "alloc.h"
#include "sysfs.h"

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", domino_vendor_name());
}
static DEVICE_ATTR_RO(backend);

static ssize_t api_version_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", domino_caps.api_version);
}
static DEVICE_ATTR_RO(api_version);

static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%#llx\n", domino_caps.features);
}
static DEVICE_ATTR_RO(features);

static ssize_t tdp_levels_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", domino_caps.tdp_levels);
}
static DEVICE_ATTR_RO(tdp_levels);

static ssize_t virt_cpus_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", domino_virt_cpus());
}
static DEVICE_ATTR_RO(virt_cpus);

static ssize_t domains_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", domino_domain_count());
}
static DEVICE_ATTR_RO(domains);

static ssize_t alloc_objects_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", domino_alloc_objects());
}
static DEVICE_ATTR_RO(alloc_objects);

static ssize_t alloc_pages_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", domino_alloc_pages());
}
static DEVICE_ATTR_RO(alloc_pages);

/* Nested mappings made at 2 MiB since load: whether large pages work. */
static ssize_t tdp_large_maps_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", domino_memory_large_maps());
}
static DEVICE_ATTR_RO(tdp_large_maps);

/* The world switch's barriers on this host (docs/security.md). */
static ssize_t mitigations_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return domino_switch_show(buf);
}
static DEVICE_ATTR_RO(mitigations);

/* Guest exceptions intercepted since load: #DB, #AC reflected, #MC to the host. */
static ssize_t exceptions_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct domino_exit_stats st;

	domino_exit_stats(&st);
	return sysfs_emit(buf, "db=%ld\nac=%ld\nmc=%ld\n", st.db, st.ac, st.mc);
}
static DEVICE_ATTR_RO(exceptions);

static struct attribute *domino_dev_attrs[] = {
	&dev_attr_mitigations.attr,
	&dev_attr_exceptions.attr,
	&dev_attr_tdp_large_maps.attr,
	&dev_attr_backend.attr,
	&dev_attr_api_version.attr,
	&dev_attr_features.attr,
	&dev_attr_tdp_levels.attr,
	&dev_attr_virt_cpus.attr,
	&dev_attr_domains.attr,
	&dev_attr_alloc_objects.attr,
	&dev_attr_alloc_pages.attr,
	NULL,
};

static const struct attribute_group domino_dev_group = {
	.attrs = domino_dev_attrs,
};

const struct attribute_group *domino_dev_groups[] = {
	&domino_dev_group,
	NULL,
};
