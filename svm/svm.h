/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_SVM_H
#define DOMINO_SVM_H

#include <linux/types.h>
#include <asm/svm.h>

struct domino_vcpu;
struct domino_exit;
struct domino_sregs;
struct domino_event;

/* Per-vCPU SVM state. */
struct svm_vcpu {
	struct page *vmcb_page;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	u64 asid_gen;
	int asid_cpu;
	/*
	 * An external interrupt handed to the guest through V_IRQ (see
	 * svm_inject_event) that the guest has not taken yet, and whether an
	 * interrupt-window exit was asked for meanwhile.
	 */
	bool virq_outstanding;
	bool window_wanted;
};



/* svm.c: per-CPU resources the world switch uses. */
u64 svm_host_save_pa(void);
void svm_assign_asid(struct svm_vcpu *s, bool flush);
extern u64 svm_iopm_pa, svm_msrpm_pa;
extern bool svm_has_nrips, svm_has_decode_assists;

/* svm_vcpu.c */
extern const struct domino_tdp_format svm_tdp_format;
int svm_vcpu_init(struct domino_vcpu *v);
void svm_vcpu_free(struct domino_vcpu *v);
int svm_vcpu_enter(struct domino_vcpu *v, struct domino_exit *exit);
void svm_get_sregs(struct domino_vcpu *v, struct domino_sregs *s);
int svm_set_sregs(struct domino_vcpu *v, const struct domino_sregs *s);
int svm_get_msr(struct domino_vcpu *v, u32 index, u64 *val);
int svm_set_msr(struct domino_vcpu *v, u32 index, u64 val, bool host);
void svm_inject_event(struct domino_vcpu *v, const struct domino_event *e);
bool svm_irq_window_open(struct domino_vcpu *v);
void svm_virq_after_exit(struct domino_vcpu *v);
void svm_cancel_events(struct domino_vcpu *v);
void svm_inject_virq(struct svm_vcpu *s, u8 vector);
bool svm_in_interrupt_shadow(struct domino_vcpu *v);
void svm_set_irq_window_exit(struct domino_vcpu *v, bool on);
void svm_clear_interrupt_shadow(struct domino_vcpu *v);
void svm_set_cr2(struct domino_vcpu *v, u64 cr2);
int svm_set_cr(struct domino_vcpu *v, unsigned int cr, u64 val);

/* vmenter.S */
void domino_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa);

#endif /* DOMINO_SVM_H */
