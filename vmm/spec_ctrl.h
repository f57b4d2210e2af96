/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's speculation-control MSRs (vmm/spec_ctrl.c). */
#ifndef DOMINO_SPEC_CTRL_H
#define DOMINO_SPEC_CTRL_H

#include <linux/percpu.h>
#include <linux/types.h>

struct domino_vcpu;
struct domino_cpuid_entry;

/* The running vCPU's SPEC_CTRL, which the world switch loads (world_switch.h). */
DECLARE_PER_CPU(u64, domino_guest_spec_ctrl);

/* Commands a guest wrote, run on the CPU it enters next (vcpu->spec_cmds). */
#define DOMINO_SPEC_CMD_IBPB	BIT(0)
#define DOMINO_SPEC_CMD_FLUSH	BIT(1)
void domino_spec_ctrl_commands(struct domino_vcpu *v);

void domino_spec_ctrl_reset(struct domino_vcpu *v);
int domino_spec_ctrl_msr_get(struct domino_vcpu *v, u32 index, u64 *val);
int domino_spec_ctrl_msr_set(struct domino_vcpu *v, u32 index, u64 val, bool host);
void domino_spec_ctrl_cpuid(struct domino_cpuid_entry *e);

#endif /* DOMINO_SPEC_CTRL_H */
