/* SPDX-License-Identifier: GPL-2.0 */
/* Guest virtual memory as the vCPU sees it (vmm/gmem.c). */
#ifndef DOMINO_GMEM_H
#define DOMINO_GMEM_H

#include <linux/types.h>
#include <linux/domino.h>

struct domino_vcpu;

enum { DOMINO_SEG_ES, DOMINO_SEG_CS, DOMINO_SEG_SS, DOMINO_SEG_DS,
       DOMINO_SEG_FS, DOMINO_SEG_GS };
/* seg:offset -> linear address (segment base added, limits not checked). */
int domino_guest_seg_linear(struct domino_vcpu *v, int seg, u64 offset,
			    u64 *linear);
/*
 * Copy to/from guest linear memory through the guest's page tables.
 * Returns 0; 1 when the guest took a fault instead (#PF or #GP queued,
 * the instruction will be retried); -errno when the module cannot go on.
 */
int domino_guest_linear_copy(struct domino_vcpu *v, u64 gva, void *buf,
			     size_t len, bool write);
int domino_guest_linear_access(struct domino_vcpu *v, u64 gva, void *buf,
			       size_t len, bool write);
size_t domino_guest_fetch(struct domino_vcpu *v, u64 gva, u8 *buf, size_t len);
int domino_guest_translate(struct domino_vcpu *v, u64 gva, u64 *gpa);
size_t domino_guest_fetch_insn(struct domino_vcpu *v, u8 bytes[15],
			       struct domino_sregs *s);
bool domino_guest_long64(const struct domino_sregs *s);

#endif /* DOMINO_GMEM_H */
