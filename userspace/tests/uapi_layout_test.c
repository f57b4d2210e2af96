// SPDX-License-Identifier: GPL-2.0
/*
 * The UAPI structs have the same layout for every caller: sizes are
 * multiples of 8 with no implicit padding, and fields sit where
 * docs/uapi.md says. Checked at compile time; the program reports it.
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/domino.h>

#define LAYOUT(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field)

LAYOUT(domino_caps, api_version, 0);
LAYOUT(domino_caps, vendor, 4);
LAYOUT(domino_caps, features, 8);
LAYOUT(domino_caps, tdp_levels, 16);
LAYOUT(domino_caps, nr_tlb_tags, 20);
LAYOUT(domino_caps, vendor_revision, 24);
LAYOUT(domino_caps, nr_cpus, 28);
LAYOUT(domino_caps, max_domains, 32);
LAYOUT(domino_caps, pad, 36);
LAYOUT(domino_caps, reserved, 40);
_Static_assert(sizeof(struct domino_caps) == 104, "domino_caps size");

LAYOUT(domino_create_domain, flags, 0);
LAYOUT(domino_create_domain, domid, 4);
LAYOUT(domino_create_domain, max_memory, 8);
LAYOUT(domino_create_domain, max_vcpus, 16);
LAYOUT(domino_create_domain, pad, 20);
LAYOUT(domino_create_domain, max_grant_frames, 24);
LAYOUT(domino_create_domain, max_maptrack_frames, 28);
LAYOUT(domino_create_domain, reserved, 32);
_Static_assert(sizeof(struct domino_create_domain) == 40, "create_domain size");

LAYOUT(domino_domain_info, domid, 0);
LAYOUT(domino_domain_info, flags, 4);
LAYOUT(domino_domain_info, max_memory, 8);
LAYOUT(domino_domain_info, max_vcpus, 16);
LAYOUT(domino_domain_info, memory, 24);
LAYOUT(domino_domain_info, tdp_large_maps, 32);
LAYOUT(domino_domain_info, reserved, 40);
_Static_assert(sizeof(struct domino_domain_info) == 56, "domain_info size");

LAYOUT(domino_irq_line, gsi, 0);
LAYOUT(domino_irq_line, level, 4);
LAYOUT(domino_irq_line, reserved, 8);
_Static_assert(sizeof(struct domino_irq_line) == 16, "irq_line size");
LAYOUT(domino_xen_evtchn_bind, port, 0);
LAYOUT(domino_xen_evtchn_bind, vcpu, 4);
LAYOUT(domino_xen_evtchn_bind, raise_fd, 8);
LAYOUT(domino_xen_evtchn_bind, notify_fd, 12);
LAYOUT(domino_xen_evtchn_bind, flags, 16);
LAYOUT(domino_xen_evtchn_bind, pad, 20);
_Static_assert(sizeof(struct domino_xen_evtchn_bind) == 24, "xen_evtchn_bind size");
_Static_assert(sizeof(struct domino_xen_evtchn_unbind) == 8, "xen_evtchn_unbind size");
LAYOUT(domino_xen_param, index, 0);
LAYOUT(domino_xen_param, pad, 4);
LAYOUT(domino_xen_param, value, 8);
_Static_assert(sizeof(struct domino_xen_param) == 16, "xen_param size");
LAYOUT(domino_xen_evtchn_alloc, remote_dom, 0);
LAYOUT(domino_xen_evtchn_alloc, port, 4);
_Static_assert(sizeof(struct domino_xen_evtchn_alloc) == 8, "xen_evtchn_alloc size");
LAYOUT(domino_xen_gnttab_seed, ref, 0);
LAYOUT(domino_xen_gnttab_seed, domid, 4);
LAYOUT(domino_xen_gnttab_seed, flags, 6);
LAYOUT(domino_xen_gnttab_seed, gfn, 8);
_Static_assert(sizeof(struct domino_xen_gnttab_seed) == 16, "xen_gnttab_seed size");

LAYOUT(domino_memory_region, slot, 0);
LAYOUT(domino_memory_region, guest_phys_addr, 8);
LAYOUT(domino_memory_region, memory_size, 16);
LAYOUT(domino_memory_region, userspace_addr, 24);
_Static_assert(sizeof(struct domino_memory_region) == 48, "memory_region size");
_Static_assert(sizeof(struct domino_create_vcpu) == 24, "create_vcpu size");

LAYOUT(domino_run, request_irq_window, 0);
LAYOUT(domino_run, immediate_exit, 1);
LAYOUT(domino_run, exit_reason, 8);
LAYOUT(domino_run, rip, 16);
LAYOUT(domino_run, io, 24);
LAYOUT(domino_run, mmio.data, 32);
LAYOUT(domino_run, internal.data, 32);
_Static_assert(sizeof(struct domino_run) == 280, "run area header size");
/* Port I/O data follows at 1024 in the same page: the header must fit. */
_Static_assert(sizeof(struct domino_run) <= 1024, "run area header fits");

_Static_assert(sizeof(struct domino_regs) == 144, "regs size");
_Static_assert(sizeof(struct domino_segment) == 32, "segment size");
_Static_assert(sizeof(struct domino_dtable) == 16, "dtable size");
LAYOUT(domino_sregs, cr0, 288);
LAYOUT(domino_sregs, efer, 328);
_Static_assert(sizeof(struct domino_sregs) == 368, "sregs size");
_Static_assert(sizeof(struct domino_msr_entry) == 16, "msr_entry size");
_Static_assert(sizeof(struct domino_msrs) == 16, "msrs size");
_Static_assert(sizeof(struct domino_cpuid_entry) == 32, "cpuid_entry size");
_Static_assert(sizeof(struct domino_cpuid) == 16, "cpuid size");
_Static_assert(sizeof(struct domino_event) == 16, "event size");
_Static_assert(sizeof(struct domino_xsave) == 4096, "xsave size");

int main(void)
{
	printf("TAP version 13\n1..2\n");
	printf("ok 1 UAPI struct layouts are as documented\n");
	printf("%s 2 ioctl numbers carry the Domino type byte\n",
	       _IOC_TYPE(DOMINO_GET_CAPS) == DOMINO_IOCTL_TYPE &&
	       _IOC_TYPE(DOMINO_CREATE_DOMAIN) == DOMINO_IOCTL_TYPE &&
	       _IOC_TYPE(DOMINO_DOMAIN_GET_INFO) == DOMINO_IOCTL_TYPE &&
	       _IOC_TYPE(DOMINO_IRQ_LINE) == DOMINO_IOCTL_TYPE ? "ok" : "not ok");
	return _IOC_TYPE(DOMINO_GET_CAPS) == DOMINO_IOCTL_TYPE ? 0 : 1;
}
