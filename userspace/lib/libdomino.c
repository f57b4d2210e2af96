// SPDX-License-Identifier: LGPL-2.1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libdomino.h"

const char *domino_device_path(void)
{
	const char *p = getenv("DOMINO_DEVICE");

	return p && *p ? p : DOMINO_DEVICE_PATH;
}

int domino_dev_open(void)
{
	int fd = open(domino_device_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int domino_dev_api_version(int dev)
{
	int v = ioctl(dev, DOMINO_GET_API_VERSION, 0);

	return v < 0 ? -errno : v;
}

int domino_dev_caps(int dev, struct domino_caps *caps)
{
	return ioctl(dev, DOMINO_GET_CAPS, caps) ? -errno : 0;
}

const char *domino_vendor_name(uint32_t vendor)
{
	switch (vendor) {
	case DOMINO_VENDOR_SVM:
		return "svm";
	case DOMINO_VENDOR_VMX:
		return "vmx";
	default:
		return "none";
	}
}

static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ DOMINO_FEAT_TDP,			"tdp" },
	{ DOMINO_FEAT_TDP_2M,			"tdp_2m" },
	{ DOMINO_FEAT_TDP_1G,			"tdp_1g" },
	{ DOMINO_FEAT_TDP_AD,			"tdp_ad" },
	{ DOMINO_FEAT_TAGGED_TLB,		"tagged_tlb" },
	{ DOMINO_FEAT_VNMI,			"vnmi" },
	{ DOMINO_FEAT_TSC_SCALING,		"tsc_scaling" },
	{ DOMINO_FEAT_PAUSE_EXITS,		"pause_exits" },
	{ DOMINO_FEAT_APIC_VIRT,		"apic_virt" },
	{ DOMINO_FEAT_SVM_NRIPS,		"nrips" },
	{ DOMINO_FEAT_SVM_DECODE_ASSISTS,	"decode_assists" },
	{ DOMINO_FEAT_SVM_VMCB_CLEAN,		"vmcb_clean" },
	{ DOMINO_FEAT_SVM_FLUSH_BY_ASID,	"flush_by_asid" },
	{ DOMINO_FEAT_SVM_LBRV,			"lbrv" },
	{ DOMINO_FEAT_SVM_VGIF,			"vgif" },
	{ DOMINO_FEAT_SVM_V_VMSAVE_VMLOAD,	"v_vmsave_vmload" },
	{ DOMINO_FEAT_VMX_UNRESTRICTED,		"unrestricted_guest" },
	{ DOMINO_FEAT_VMX_PREEMPT_TIMER,	"preemption_timer" },
	{ DOMINO_FEAT_VMX_PML,			"pml" },
	{ DOMINO_FEAT_VMX_SHADOW_VMCS,		"shadow_vmcs" },
	{ DOMINO_FEAT_VMX_INVEPT,		"invept" },
	{ DOMINO_FEAT_VMX_INVVPID,		"invvpid" },
	{ DOMINO_FEAT_VMX_TRUE_CTLS,		"true_ctls" },
	{ DOMINO_FEAT_VMX_EPT_EXEC_ONLY,	"ept_exec_only" },
};

const char *domino_feature_name(uint64_t bit)
{
	size_t i;

	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (feature_names[i].bit == bit)
			return feature_names[i].name;
	return NULL;
}

size_t domino_features_format(uint64_t features, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	if (!len)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < 64; i++) {
		const char *name = domino_feature_name(1ULL << i);
		char unknown[8];
		int n;

		if (!(features & (1ULL << i)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", i);
			name = unknown;
		}
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += n;
	}
	return used;
}

int domino_sysfs_read(const char *name, long long *val)
{
	char path[256], text[64], *end;
	FILE *f;

	if (strchr(name, '/'))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/class/misc/domino/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(text, sizeof(text), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	*val = strtoll(text, &end, 0);
	if (errno || end == text)
		return -EINVAL;
	return 0;
}
