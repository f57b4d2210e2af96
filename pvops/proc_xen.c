// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/xen: the part of a Xen dom0 kernel's xenfs that Debian's xenstored
 * reads when it starts (tools/xenstore/xenstored_posix.c, dom0_init), so
 * that it runs unchanged on Domino:
 *
 *   xsd_port      domain 0's own xenbus port, unbound for domain 0 (text,
 *                 as Linux prints xen_store_evtchn). Xenstored binds it
 *                 with IOCTL_EVTCHN_BIND_INTERDOMAIN(0, port).
 *   xsd_kva       domain 0's xenstore ring: one zeroed page, mapped
 *                 shared by mmap() at offset 0.
 *   capabilities  "control_d": this kernel is the control domain (Xen's
 *                 init scripts test it before they start the daemons).
 *
 * The ring is the module's page, as a dom0 kernel's is its own; the module
 * never puts requests on it, so xenstored sees an idle domain 0, and its
 * clients reach it over its UNIX socket as on any Xen host. Root only
 * (0400/0600), as xenfs's. A host that runs under Xen keeps its own
 * /proc/xen (the xenfs mount point its xenbus driver makes): Domino logs
 * it and does without, rather than have procfs warn of a duplicate name.
 */
#define pr_fmt(fmt) "domino: " fmt

#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <xen/xen.h>

#include "alloc.h"
#include "xen.h"

static struct proc_dir_entry *proc_xen_dir;
static struct page *proc_xen_ring;

static int xsd_port_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u", domino_xen_xenbus_port());
	return 0;
}

static int capabilities_show(struct seq_file *m, void *v)
{
	seq_puts(m, "control_d\n");
	return 0;
}

static int xsd_kva_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	/* A fork's copy would share the ring behind xenstored's back. */
	vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND;
	return vm_insert_page(vma, vma->vm_start, proc_xen_ring);
}

static const struct proc_ops xsd_kva_ops = {
	.proc_mmap	= xsd_kva_mmap,
	.proc_lseek	= noop_llseek,
};

void domino_xen_proc_init(void)
{
	if (!domino_xen_xenbus_port())
		return;
	if (xen_domain()) {
		pr_info("running under Xen: /proc/xen is its own, xenstored belongs there\n");
		return;
	}
	proc_xen_ring = domino_alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!proc_xen_ring)
		goto fail;
	proc_xen_dir = proc_mkdir("xen", NULL);
	if (!proc_xen_dir)
		goto fail;
	if (!proc_create_single("xsd_port", 0400, proc_xen_dir, xsd_port_show) ||
	    !proc_create_single("capabilities", 0444, proc_xen_dir, capabilities_show) ||
	    !proc_create("xsd_kva", 0600, proc_xen_dir, &xsd_kva_ops))
		goto fail;
	return;
fail:
	pr_warn("/proc/xen not created: xenstored cannot start on this host\n");
	domino_xen_proc_exit();
}

void domino_xen_proc_exit(void)
{
	/* Waits for open files; xenstored's mapping keeps its page reference. */
	if (proc_xen_dir)
		proc_remove(proc_xen_dir);
	proc_xen_dir = NULL;
	domino_free_page(proc_xen_ring);
	proc_xen_ring = NULL;
}
