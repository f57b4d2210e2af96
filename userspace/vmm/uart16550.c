// SPDX-License-Identifier: GPL-2.0
/*
 * NS16550A UART model. References are to the register descriptions of
 * the National Semiconductor PC16550D datasheet ("UART with FIFOs").
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "uart16550.h"

/* IER: bits 7:4 are always 0 on the 16550A. */
#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* THR empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */
#define IER_MASK	0x0f

/* IIR, "Interrupt Control Functions" table. */
#define IIR_NO_INT	0x01
#define IIR_MSR		0x00
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_RLS		0x06
#define IIR_TIMEOUT	0x0c
#define IIR_FIFO	0xc0	/* both set while FCR0 is 1 */

/* FCR */
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_TRIGGER	0xc0

#define LCR_DLAB	0x80

/* MCR: bits 7:5 are always 0. */
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

/* LSR */
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

/* MSR: deltas in bits 3:0, line states in bits 7:4. */
#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_DELTAS	0x0f
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

/* A terminal on the other end: clear to send, ready, carrier. */
#define MSR_CONNECTED	(MSR_CTS | MSR_DSR | MSR_DCD)

struct uart16550 {
	pthread_mutex_t lock;
	const struct uart16550_ops *ops;
	void *opaque;

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;		/* FCR_ENABLE and FCR_TRIGGER as last set */
	uint8_t lsr_err;	/* LSR_OE until LSR is read */
	uint8_t msr;		/* line states and pending deltas */
	bool thre_pending;	/* THRE interrupt latched (IIR text) */
	int irq;		/* level last given to ops->set_irq */

	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	uint8_t rbr_last;	/* what RBR reads once the FIFO is empty */
};

static bool fifo_on(const struct uart16550 *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned int rx_capacity(const struct uart16550 *u)
{
	return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

/* Receiver FIFO trigger levels 1, 4, 8, 14 (FCR bits 7:6). */
static unsigned int rx_trigger(const struct uart16550 *u)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return level[(u->fcr & FCR_TRIGGER) >> 6];
}

/*
 * The highest-priority pending interrupt as IIR bits 3:0 (datasheet's
 * "Interrupt Control Functions" table):
 * line status, then received data (or its character timeout), then THR
 * empty, then modem status.
 */
static uint8_t pending_id(const struct uart16550 *u)
{
	if ((u->ier & IER_ELSI) && u->lsr_err)
		return IIR_RLS;
	if ((u->ier & IER_ERBFI) && u->rx_count) {
		/*
		 * Below the trigger level a FIFO reports the character
		 * timeout instead; with no notion of character times here
		 * it is reported at once, so the guest never waits for data.
		 */
		if (fifo_on(u) && u->rx_count < rx_trigger(u))
			return IIR_TIMEOUT;
		return IIR_RDA;
	}
	if ((u->ier & IER_ETBEI) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
		return IIR_MSR;
	return IIR_NO_INT;
}

/* Recompute the IRQ output; tell ops->set_irq only when it changes. */
static void update_irq(struct uart16550 *u)
{
	int level = pending_id(u) != IIR_NO_INT &&
		    (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	if (level == u->irq)
		return;
	u->irq = level;
	if (u->ops && u->ops->set_irq)
		u->ops->set_irq(u->opaque, level);
}

/*
 * Modem inputs (MSR, MCR bit 4): in loopback DTR->DSR, RTS->CTS, OUT1->RI
 * and OUT2->DCD. A change sets the delta bits; RI only on its trailing
 * edge.
 */
static void update_msr(struct uart16550 *u)
{
	uint8_t old = u->msr & ~MSR_DELTAS, now = MSR_CONNECTED, chg;

	if (u->mcr & MCR_LOOP) {
		now = 0;
		if (u->mcr & MCR_DTR)
			now |= MSR_DSR;
		if (u->mcr & MCR_RTS)
			now |= MSR_CTS;
		if (u->mcr & MCR_OUT1)
			now |= MSR_RI;
		if (u->mcr & MCR_OUT2)
			now |= MSR_DCD;
	}
	chg = old ^ now;
	if (chg & MSR_CTS)
		u->msr |= MSR_DCTS;
	if (chg & MSR_DSR)
		u->msr |= MSR_DDSR;
	if (chg & old & MSR_RI)
		u->msr |= MSR_TERI;
	if (chg & MSR_DCD)
		u->msr |= MSR_DDCD;
	u->msr = (u->msr & MSR_DELTAS) | now;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/*
 * A received character. With the FIFO full it is lost and OE set; without
 * FIFOs it overwrites the unread one in RBR and sets OE (LSR bit 1).
 */
static void rx_push(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count == rx_capacity(u)) {
		u->lsr_err |= LSR_OE;
		if (fifo_on(u))
			return;
		u->rx[u->rx_head] = byte;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

static uint8_t rx_pop(struct uart16550 *u)
{
	if (u->rx_count) {
		u->rbr_last = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
		u->rx_count--;
	}
	return u->rbr_last;
}

static void write_fcr(struct uart16550 *u, uint8_t val)
{
	/* Switching the FIFOs on or off empties them (FCR bit 0). */
	if ((val ^ u->fcr) & FCR_ENABLE)
		rx_clear(u);
	/* The other bits are only programmed together with FCR0 = 1. */
	if (!(val & FCR_ENABLE)) {
		u->fcr &= ~FCR_ENABLE;
		return;
	}
	u->fcr = val & (FCR_ENABLE | FCR_TRIGGER);
	if (val & FCR_CLEAR_RX)
		rx_clear(u);
	/* FCR2 (clear TX) and FCR3 (DMA mode): nothing to do. */
}

static void write_ier(struct uart16550 *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & IER_MASK;
	/*
	 * THR is always empty, so enabling ETBEI raises THRE at once; Linux
	 * tests for exactly that (UART_BUG_THRE in 8250_port.c).
	 */
	if (!(old & IER_ETBEI) && (u->ier & IER_ETBEI))
		u->thre_pending = true;
	else if (!(u->ier & IER_ETBEI))
		u->thre_pending = false;
}

static void write_thr(struct uart16550 *u, uint8_t val)
{
	if (u->mcr & MCR_LOOP)
		rx_push(u, val);
	else if (u->ops && u->ops->tx)
		u->ops->tx(u->opaque, val);
	/*
	 * Writing THR clears the THRE interrupt, and the byte leaves at
	 * once, which empties THR and raises it again.
	 */
	u->thre_pending = u->ier & IER_ETBEI;
}

struct uart16550 *uart16550_new(const struct uart16550_ops *ops, void *opaque)
{
	struct uart16550 *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		return NULL;
	ret = pthread_mutex_init(&u->lock, NULL);
	if (ret) {
		free(u);
		errno = ret;
		return NULL;
	}
	u->ops = ops;
	u->opaque = opaque;
	/*
	 * Reset state ("UART Reset Configuration" table); the divisor has
	 * none, 12 is 9600 baud.
	 */
	u->dll = 12;
	u->msr = MSR_CONNECTED;
	return u;
}

void uart16550_free(struct uart16550 *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

uint8_t uart16550_read(struct uart16550 *u, unsigned int offset)
{
	uint8_t val = 0xff;

	if (offset >= UART_NR_REGS)
		return val;
	pthread_mutex_lock(&u->lock);
	switch (offset) {
	case UART_RBR:
		if (u->lcr & LCR_DLAB)
			val = u->dll;
		else
			val = rx_pop(u);
		break;
	case UART_IER:
		val = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR:
		val = pending_id(u);
		/* Reading IIR clears a THRE interrupt it reports. */
		if (val == IIR_THRE)
			u->thre_pending = false;
		if (fifo_on(u))
			val |= IIR_FIFO;
		break;
	case UART_LCR:
		val = u->lcr;
		break;
	case UART_MCR:
		val = u->mcr;
		break;
	case UART_LSR:
		val = LSR_THRE | LSR_TEMT | u->lsr_err;
		if (u->rx_count)
			val |= LSR_DR;
		/* Reading LSR clears the error bits. */
		u->lsr_err = 0;
		break;
	case UART_MSR:
		val = u->msr;
		u->msr &= ~MSR_DELTAS;
		break;
	case UART_SCR:
		val = u->scr;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return val;
}

void uart16550_write(struct uart16550 *u, unsigned int offset, uint8_t val)
{
	if (offset >= UART_NR_REGS)
		return;
	pthread_mutex_lock(&u->lock);
	switch (offset) {
	case UART_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR:
		write_fcr(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & MCR_MASK;
		update_msr(u);
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR writes are for factory testing only. */
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&u->lock);
	/* Loopback disconnects the serial input (MCR bit 4). */
	if (!(u->mcr & MCR_LOOP)) {
		while (n < len && u->rx_count < rx_capacity(u))
			rx_push(u, buf[n++]);
		update_irq(u);
	}
	pthread_mutex_unlock(&u->lock);
	return n;
}
