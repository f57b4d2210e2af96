// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC emulation, modelled on the 82093AA datasheet (version 0x11:
 * no EOI register, the local APICs' EOI broadcast ends level interrupts).
 * Inputs come from the VMM's devices through DOMINO_IRQ_LINE; outputs are
 * interrupt messages to the local APICs (vmm/lapic.c).
 */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <asm/apicdef.h>

#include "domain.h"
#include "irqchip.h"
#include "alloc.h"

#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_VERSION		0x11

/* Redirection entry bits (82093AA 3.2.4). */
#define RTE_VECTOR		0xffULL
#define RTE_DELIVERY_MODE	(7ULL << 8)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_POLARITY_LOW	BIT_ULL(13)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* What the guest may write; delivery status and remote IRR are read-only. */
#define RTE_WRITABLE		(RTE_VECTOR | RTE_DELIVERY_MODE | RTE_DEST_LOGICAL | \
				 RTE_POLARITY_LOW | RTE_LEVEL | RTE_MASKED | \
				 (0xffULL << RTE_DEST_SHIFT))

struct domino_ioapic {
	spinlock_t lock;
	u32 regsel;
	u32 id;
	u64 rte[DOMINO_IOAPIC_PINS];
	DECLARE_BITMAP(line, DOMINO_IOAPIC_PINS);	/* input asserted */
};

/* Send pin @pin's message; caller holds the lock. */
static void ioapic_service(struct domino_domain *d, struct domino_ioapic *io,
			   unsigned int pin)
{
	u64 rte = io->rte[pin];
	struct domino_apic_irq irq = {
		.dest = rte >> RTE_DEST_SHIFT,
		.vector = rte & RTE_VECTOR,
		.delivery_mode = rte & RTE_DELIVERY_MODE,
		.logical = rte & RTE_DEST_LOGICAL,
		.level = rte & RTE_LEVEL,
		.assert = true,
	};

	if (rte & RTE_MASKED)
		return;
	if (irq.level) {
		/* Level: one message until the guest's EOI clears remote IRR. */
		if (rte & RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= RTE_REMOTE_IRR;
	}
	domino_apic_deliver(d, NULL, &irq);
}

int domino_ioapic_set_line(struct domino_domain *d, u32 gsi, bool level)
{
	struct domino_ioapic *io = d->ioapic;
	bool was;

	if (!io)
		return -ENXIO;
	if (gsi >= DOMINO_IOAPIC_PINS)
		return -EINVAL;
	spin_lock(&io->lock);
	was = test_bit(gsi, io->line);
	if (level)
		__set_bit(gsi, io->line);
	else
		__clear_bit(gsi, io->line);
	/* Edge pins fire on the rising edge, level pins while asserted. */
	if (level && (!was || (io->rte[gsi] & RTE_LEVEL)))
		ioapic_service(d, io, gsi);
	spin_unlock(&io->lock);
	return 0;
}

void domino_ioapic_eoi(struct domino_domain *d, u8 vector)
{
	struct domino_ioapic *io = d->ioapic;
	unsigned int pin;

	if (!io)
		return;
	spin_lock(&io->lock);
	for (pin = 0; pin < DOMINO_IOAPIC_PINS; pin++) {
		u64 rte = io->rte[pin];

		if ((rte & RTE_VECTOR) != vector || !(rte & RTE_LEVEL) ||
		    !(rte & RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		/* Still asserted: the device wants another interrupt. */
		if (test_bit(pin, io->line))
			ioapic_service(d, io, pin);
	}
	spin_unlock(&io->lock);
}

static u32 ioapic_read_reg(struct domino_ioapic *io)
{
	u32 reg = io->regsel & 0xff;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id << 24;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION | ((DOMINO_IOAPIC_PINS - 1) << 16);
	default:
		if (reg >= IOAPIC_REG_REDIR &&
		    reg < IOAPIC_REG_REDIR + 2 * DOMINO_IOAPIC_PINS) {
			u64 rte = io->rte[(reg - IOAPIC_REG_REDIR) / 2];

			return reg & 1 ? rte >> 32 : (u32)rte;
		}
		return 0xffffffff;	/* reserved registers float */
	}
}

static void ioapic_write_reg(struct domino_domain *d, struct domino_ioapic *io,
			     u32 val)
{
	u32 reg = io->regsel & 0xff;
	unsigned int pin;
	u64 rte, old;

	if (reg == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_REDIR ||
	    reg >= IOAPIC_REG_REDIR + 2 * DOMINO_IOAPIC_PINS)
		return;
	pin = (reg - IOAPIC_REG_REDIR) / 2;
	old = io->rte[pin];
	rte = reg & 1 ? (old & 0xffffffffULL) | ((u64)val << 32) :
			(old & ~0xffffffffULL) | val;
	rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	/* An edge pin has no remote IRR to keep. */
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	io->rte[pin] = rte;
	/* Unmasking a level pin that is still asserted delivers it. */
	if ((rte & RTE_LEVEL) && !(rte & RTE_MASKED) && test_bit(pin, io->line))
		ioapic_service(d, io, pin);
}

bool domino_ioapic_mmio(struct domino_domain *d, u64 gpa, unsigned int len,
			bool write, u64 *val)
{
	struct domino_ioapic *io = d->ioapic;
	u64 off = gpa - DOMINO_IOAPIC_BASE;

	if (!io || gpa < DOMINO_IOAPIC_BASE || off >= 0x100)
		return false;
	spin_lock(&io->lock);
	if (len != 4 || (off != IOAPIC_REGSEL && off != IOAPIC_WINDOW)) {
		/* Only aligned 32-bit accesses are defined; the rest float. */
		if (!write)
			*val = ~0ULL >> (64 - 8 * min(len, 8U));
	} else if (off == IOAPIC_REGSEL) {
		if (write)
			io->regsel = *val & 0xff;
		else
			*val = io->regsel;
	} else if (write) {
		ioapic_write_reg(d, io, *val);
	} else {
		*val = ioapic_read_reg(io);
	}
	spin_unlock(&io->lock);
	return true;
}

int domino_ioapic_create(struct domino_domain *d)
{
	struct domino_ioapic *io = domino_kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	unsigned int pin;

	if (!io)
		return -ENOMEM;
	spin_lock_init(&io->lock);
	for (pin = 0; pin < DOMINO_IOAPIC_PINS; pin++)
		io->rte[pin] = RTE_MASKED;
	d->ioapic = io;
	return 0;
}

void domino_ioapic_free(struct domino_domain *d)
{
	domino_kfree(d->ioapic);
	d->ioapic = NULL;
}
