/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Domino core: what vmm/, ept/ and the vendor backends share.
 *
 * Generic code never asks which vendor it runs on: everything that differs
 * between VMX and SVM sits behind struct domino_vendor_ops, filled once by
 * vmx/ or svm/.
 */
#ifndef DOMINO_CORE_H
#define DOMINO_CORE_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/domino.h>

#define DOMINO_LOG_PREFIX "domino: "

/*
 * struct domino_vendor_ops - one hardware virtualization backend.
 *
 * @name:        "svm" or "vmx", as logged and published in sysfs.
 * @competitor:  the KVM module that may already own the hardware, named in
 *               the log line that tells the user how to free it.
 * @probe:       decide whether this CPU has the vendor's extensions in a
 *               usable state and fill @caps. Returns -ENODEV for "not this
 *               vendor" (silently), another errno after logging why the
 *               hardware is present but unusable.
 * @setup:       allocate per-CPU state before the first enable (may sleep).
 * @teardown:    free it after the last disable.
 * @cpu_busy:    true if someone else already has virtualization switched on
 *               on this CPU. Called with interrupts off.
 * @cpu_enable:  switch virtualization on, on this CPU (interrupts off).
 *               Returns -EBUSY if another hypervisor holds it.
 * @cpu_disable: switch it off again (interrupts off).
 */
struct domino_vendor_ops {
	const char *name;
	const char *competitor;
	int (*probe)(struct domino_caps *caps);
	int (*setup)(void);
	void (*teardown)(void);
	bool (*cpu_busy)(void);
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
};

extern const struct domino_vendor_ops domino_svm_ops;
extern const struct domino_vendor_ops domino_vmx_ops;

/* The backend chosen at load, and what it detected. Set once in init. */
extern const struct domino_vendor_ops *domino_vendor;
extern struct domino_caps domino_caps;

/* vmm/virt.c: hardware virtualization, on while somebody needs it. */
int domino_virt_init(void);
void domino_virt_exit(void);
int domino_virt_check_free(void);
int domino_virt_get(void);
void domino_virt_put(void);
unsigned int domino_virt_cpus(void);

/* vmm/alloc.c: every allocation the module makes is counted. */
void *domino_kzalloc(size_t size, gfp_t gfp);
void domino_kfree(const void *ptr);
struct page *domino_alloc_page(gfp_t gfp);
void domino_free_page(struct page *page);
long domino_alloc_objects(void);
long domino_alloc_pages(void);

/* vmm/domain.c */
int domino_domain_create(struct domino_create_domain __user *uarg);
unsigned int domino_domain_count(void);
void domino_domain_exit(void);

/* vmm/sysfs.c */
extern const struct attribute_group *domino_dev_groups[];

/*
 * Every ioctl dispatcher matches the type byte and number first; a known
 * number whose direction or size disagrees with this module's header is a
 * caller built against another layout: EINVAL, never a guess.
 */
static inline int domino_ioctl_check(unsigned int cmd, unsigned int expected)
{
	return cmd == expected ? 0 : -EINVAL;
}

/* ept/tdp.c */
unsigned int domino_tdp_host_levels(void);

#endif /* DOMINO_CORE_H */
