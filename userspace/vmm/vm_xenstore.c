// SPDX-License-Identifier: GPL-2.0
/*
 * A Xen domain's xenstore connection, set up as Xen's toolstack sets it up
 * before the domain first runs: a ring page in guest memory that the
 * memory map reserves (just below the PV console's), a port of the guest
 * left unbound for domain 0, both in the guest's HVM parameters
 * (STORE_PFN, STORE_EVTCHN), the reserved grant entries seeded for
 * domain 0 (GNTTAB_RESERVED_XENSTORE, and the console's), then the
 * domain's paths and XS_INTRODUCE (xenstore_dom.c). Xenstored maps the
 * ring by its grant through /dev/xen/gntdev and binds the port through
 * /dev/xen/evtchn.
 *
 * Without a xenstored to be had (none installed, or it will not start)
 * the guest gets no store parameters: its xenbus then reports xenstore
 * as absent and the guest boots without it, as under a toolstack that
 * never introduced it. The reason goes to the console log.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/grant_table.h>
#include <xen/hvm/params.h>

#include "vm_priv.h"
#include "xenstore_dom.h"

static int set_param(int dom, uint32_t index, uint64_t value)
{
	struct domino_xen_param p = { .index = index, .value = value };

	return ioctl(dom, DOMINO_XEN_SET_PARAM, &p) ? -errno : 0;
}

static int seed(int dom, uint32_t ref, uint64_t gfn)
{
	struct domino_xen_gnttab_seed s = {
		.ref = ref, .domid = 0, .flags = GTF_permit_access, .gfn = gfn,
	};

	return ioctl(dom, DOMINO_XEN_GNTTAB_SEED, &s) ? -errno : 0;
}

void vm_uuid_random(uint8_t uuid[16], char str[37])
{
	FILE *f = fopen("/dev/urandom", "re");

	if (!f || fread(uuid, 1, 16, f) != 16) {
		unsigned int i;

		for (i = 0; i < 16; i++)
			uuid[i] = (uint8_t)rand();
	}
	if (f)
		fclose(f);
	uuid[6] = (uuid[6] & 0x0f) | 0x40;
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	snprintf(str, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
		 uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

int vm_xenstore_setup(struct vm *vm, const struct domcfg *cfg, char *err, size_t errlen)
{
	struct domino_xen_evtchn_alloc a = { .remote_dom = 0 };
	struct xenstore_dom_info in = {
		.domid = vm->domid, .name = cfg->name, .uuid = vm->uuid,
		.target_kib = cfg->memory << 10, .max_kib = cfg->maxmem << 10,
		.vcpus = cfg->vcpus, .max_vcpus = cfg->maxvcpus,
	};
	char why[256];
	int r;

	vm->max_mib = cfg->maxmem;
	if (cfg->has_uuid) {
		snprintf(vm->uuid, sizeof(vm->uuid), "%s", cfg->uuid_str);
	} else {
		uint8_t raw[16];

		vm_uuid_random(raw, vm->uuid);
	}
	vm->xs = xenstore_dom_connect(why, sizeof(why));
	if (!vm->xs) {
		snprintf(vm->xs_absent, sizeof(vm->xs_absent), "no xenstore for this domain: %s", why);
		return 0;
	}
	vm->xenstore_gpa = vm->xencons_gpa - VM_PAGE_SIZE;
	memset(vm->ram + vm->xenstore_gpa, 0, VM_PAGE_SIZE);
	if (ioctl(vm->dom, DOMINO_XEN_EVTCHN_ALLOC_UNBOUND, &a)) {
		r = -errno;
		snprintf(err, errlen, "xenstore: DOMINO_XEN_EVTCHN_ALLOC_UNBOUND: %s", strerror(-r));
		return r;
	}
	r = set_param(vm->dom, HVM_PARAM_STORE_PFN, vm->xenstore_gpa >> 12);
	if (!r)
		r = set_param(vm->dom, HVM_PARAM_STORE_EVTCHN, a.port);
	if (!r)
		r = seed(vm->dom, GNTTAB_RESERVED_XENSTORE, vm->xenstore_gpa >> 12);
	if (!r && vm->xencons)
		r = seed(vm->dom, GNTTAB_RESERVED_CONSOLE, vm->xencons_gpa >> 12);
	if (r) {
		snprintf(err, errlen, "xenstore: the domain's parameters and grants: %s",
			 strerror(-r));
		return r;
	}
	in.store_gfn = vm->xenstore_gpa >> 12;
	in.store_port = a.port;
	if (vm->xencons) {
		in.console_gfn = vm->xencons_gpa >> 12;
		in.console_port = xencons_port(vm->xencons);
	}
	return xenstore_dom_introduce(vm->xs, &in, err, errlen);
}

int vm_request_shutdown(struct vm *vm, bool reboot)
{
	if (vm->xs)
		return xenstore_dom_set(vm->xs, "control/shutdown", reboot ? "reboot" : "poweroff");
	return reboot ? -EOPNOTSUPP : vm_power_button(vm);
}

int vm_set_memory_target(struct vm *vm, uint64_t mib)
{
	char kib[32];

	if (!vm->xs)
		return -EOPNOTSUPP;
	if (!mib || mib > vm->max_mib)
		return -EINVAL;
	snprintf(kib, sizeof(kib), "%llu", (unsigned long long)(mib << 10));
	return xenstore_dom_set(vm->xs, "memory/target", kib);
}

int vm_set_vcpus_online(struct vm *vm, unsigned int n)
{
	char node[48];
	unsigned int i;
	int r = 0;

	if (!vm->xs)
		return -EOPNOTSUPP;
	if (!n || n > vm->nr_vcpus)
		return -EINVAL;
	for (i = 0; !r && i < vm->nr_vcpus; i++) {
		snprintf(node, sizeof(node), "cpu/%u/availability", i);
		r = xenstore_dom_set(vm->xs, node, i < n ? "online" : "offline");
	}
	return r;
}
