/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An NS16550A UART (National PC16550D datasheet), the guest's ttyS0.
 *
 * Transmission is instant: every byte the guest writes to THR goes straight
 * to ops->tx, so THR, the transmit FIFO and the shift register always read
 * as empty (LSR.THRE and LSR.TEMT are always set). Baud rate, word length,
 * parity and stop bits are kept for the guest to read back but change
 * nothing. Reception goes through a 16-byte FIFO (1 byte with the FIFOs
 * off) that the host fills with uart16550_receive().
 *
 * The modem inputs read as a connected terminal (CTS, DSR, DCD asserted,
 * RI not) except in loopback mode, where they follow MCR and transmitted
 * bytes are received instead of reaching ops->tx.
 *
 * The IRQ output is wired as on a PC: the interrupt only reaches the
 * interrupt controller while MCR.OUT2 is set, and never in loopback mode
 * (the datasheet forces the OUT2 pin inactive there). Interrupts still show
 * in IIR either way.
 *
 * Thread-safe: every call takes the UART's own lock. ops->tx and
 * ops->set_irq are called with that lock held, so that bytes and IRQ level
 * changes reach them in order; they must not call back into the UART.
 */
#ifndef DOMINO_VMM_UART16550_H
#define DOMINO_VMM_UART16550_H

#include <stddef.h>
#include <stdint.h>

/* Register offsets from the base port. */
#define UART_RBR	0	/* read, DLAB=0: receive buffer */
#define UART_THR	0	/* write, DLAB=0: transmit holding */
#define UART_DLL	0	/* DLAB=1: divisor latch, low byte */
#define UART_IER	1	/* DLAB=0: interrupt enable */
#define UART_DLM	1	/* DLAB=1: divisor latch, high byte */
#define UART_IIR	2	/* read: interrupt identification */
#define UART_FCR	2	/* write: FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_MSR	6	/* modem status */
#define UART_SCR	7	/* scratch */
#define UART_NR_REGS	8

#define UART_FIFO_SIZE	16

struct uart16550;

struct uart16550_ops {
	/* The guest wrote a byte (not called in loopback mode). */
	void (*tx)(void *opaque, uint8_t byte);
	/* The IRQ output changed to @level (0 or 1); only on a change. */
	void (*set_irq)(void *opaque, int level);
};

/* A UART in its reset state, IRQ output low. NULL with errno on failure. */
struct uart16550 *uart16550_new(const struct uart16550_ops *ops, void *opaque);
void uart16550_free(struct uart16550 *u);

/*
 * One-byte port access at @offset (0..7) from the base. Other offsets read
 * 0xff and ignore writes. Accesses wider than a byte are the caller's to
 * refuse (read all ones, drop writes), as the ISA UART decodes bytes only.
 */
uint8_t uart16550_read(struct uart16550 *u, unsigned int offset);
void uart16550_write(struct uart16550 *u, unsigned int offset, uint8_t val);

/*
 * Host console input: queue up to @len bytes for the guest. Returns how
 * many fit in the receive FIFO now (0 while it is full or the UART is in
 * loopback mode); the caller keeps the rest and tries again later.
 */
size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len);

#endif /* DOMINO_VMM_UART16550_H */
