// SPDX-License-Identifier: GPL-2.0
/*
 * HYPERVISOR_xen_version(cmd, arg): who the hypervisor is and what the
 * guest may rely on (include/xen/interface/version.h). Domino answers as
 * the Xen of Debian 12 would, and lists in get_features only what it
 * implements: a feature bit is a promise the guest acts on.
 *
 *   XENVER_version             OUT: major << 16 | minor
 *   XENVER_extraversion        OUT arg: char[16]
 *   XENVER_compile_info        OUT arg: struct xen_compile_info
 *   XENVER_capabilities        OUT arg: char[1024]
 *   XENVER_changeset           OUT arg: char[64]
 *   XENVER_platform_parameters OUT arg: virt_start (an xen_ulong_t)
 *   XENVER_get_features        IN/OUT arg: struct xen_feature_info
 *   XENVER_pagesize            OUT: 4096; arg must be NULL
 *   XENVER_guest_handle        OUT arg: the domain's 16-byte handle
 *   XENVER_commandline         OUT arg: char[1024], "<denied>" for guests,
 *                              empty for domain 0 (no Xen command line)
 *   XENVER_build_id            -EPERM for guests, -ENODATA for domain 0
 *                              (Xen built without one)
 * Domain 0's calls (pvops/dev_privcmd.c, c->v NULL) get the same answers
 * through the caller's accessors, and XENFEAT_dom0 in get_features.
 * Errors: -EFAULT (arg not mapped), -EINVAL (a bad submap or argument),
 * -ENOSYS (unknown cmd).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/features.h>
#include <xen/interface/version.h>

#include "alloc.h"
#include "hypercall.h"
#include "xen.h"

#define DOMINO_XEN_EXTRAVERSION	".0-domino"
#define DOMINO_XEN_CAPS		"hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"

/* What guests may count on today (grows with each Xen subsystem). */
static u32 xen_features(unsigned int submap, bool dom0)
{
	if (submap)
		return 0;
	if (dom0)
		return BIT(XENFEAT_auto_translated_physmap) | BIT(XENFEAT_dom0);
	/*
	 * Guests see guest-physical frames, never machine frames; the
	 * vcpu_time_info in shared_info is exact for HVM guests (pvops/time.c);
	 * upcalls may come through the callback vector (HVM_PARAM_CALLBACK_IRQ).
	 * Not hvm_pirqs: a PVH guest's interrupts stay on its own APICs.
	 */
	return BIT(XENFEAT_auto_translated_physmap) | BIT(XENFEAT_hvm_safe_pvclock) |
	       BIT(XENFEAT_hvm_callback_vector);
}

static long xen_version_string(struct xen_call *c, const char *text, size_t size)
{
	char *buf = domino_kzalloc(size, GFP_KERNEL_ACCOUNT);
	long r;

	if (!buf)
		return -ENOMEM;
	strscpy(buf, text, size);
	r = c->copy_to(c, c->arg[1], buf, size);
	domino_kfree(buf);
	return r;
}

long xen_version_op(struct xen_call *c)
{
	struct xen_compile_info ci = {};
	struct xen_feature_info fi;
	u64 virt_start = 0;
	u8 handle[16] = {};

	switch (c->arg[0]) {
	case XENVER_version:
		return DOMINO_XEN_MAJOR << 16 | DOMINO_XEN_MINOR;
	case XENVER_extraversion:
		return xen_version_string(c, DOMINO_XEN_EXTRAVERSION,
					  sizeof(struct xen_extraversion));
	case XENVER_compile_info:
		strscpy(ci.compiler, "domino.ko", sizeof(ci.compiler));
		strscpy(ci.compile_by, "domino", sizeof(ci.compile_by));
		return c->copy_to(c, c->arg[1], &ci, sizeof(ci));
	case XENVER_capabilities:
		return xen_version_string(c, DOMINO_XEN_CAPS,
					  sizeof(struct xen_capabilities_info));
	case XENVER_changeset:
		return xen_version_string(c, "unavailable",
					  sizeof(struct xen_changeset_info));
	case XENVER_platform_parameters:
		/* No hypervisor hole in an HVM guest's address space. */
		return c->copy_to(c, c->arg[1], &virt_start, c->compat ? 4 : 8);
	case XENVER_get_features:
		if (c->copy_from(c, c->arg[1], &fi, sizeof(fi)))
			return -EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -EINVAL;
		fi.submap = xen_features(fi.submap_idx, !c->v);
		return c->copy_to(c, c->arg[1], &fi, sizeof(fi));
	case XENVER_pagesize:
		return c->arg[1] ? -EINVAL : PAGE_SIZE;
	case XENVER_guest_handle:
		/* The toolstack sets no handle yet: all zeroes, as Xen's default. */
		return c->copy_to(c, c->arg[1], handle, sizeof(handle));
	case XENVER_commandline:
		/* Denied to guests as Xen denies it: the word, not an error. */
		return xen_version_string(c, c->v ? "<denied>" : "",
					  sizeof(struct xen_commandline));
	case XENVER_build_id:
		return c->v ? -EPERM : -ENODATA;
	default:
		return -ENOSYS;
	}
}
