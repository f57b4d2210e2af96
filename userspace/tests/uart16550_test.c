// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A model against what Linux's 8250 driver does to it: the
 * autoconfig probe that must end in "16550A" (and no variant), the THRE
 * interrupt tests of serial8250_do_startup(), then each register's rules,
 * the FIFO, overrun, interrupt priorities and the IRQ line itself.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "uart16550.h"

#include "unit_tap.h"

/* Register bits, as the 8250 driver names them (serial_reg.h values). */
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
#define IER_UUE		0x40
#define IIR_NO_INT	0x01
#define IIR_ID		0x0e
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_RX_TIMEOUT	0x0c
#define IIR_64BYTE	0x20
#define IIR_FIFO_MASK	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_CLEAR_TX	0x04
#define FCR_64BYTE	0x20
#define FCR_TRIGGER_14	0xc0
#define LCR_WLEN8	0x03
#define LCR_CONF_MODE_A	0x80	/* DLAB */
#define LCR_CONF_MODE_B	0xbf	/* what opens EFR on 16650s */
#define LCR_NS_BANK2	0xe0
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_STATUS	0xf0

static bool numeq(const char *what, unsigned long got, unsigned long want)
{
	return got == want || diag("%s: got %#lx, want %#lx", what, got, want);
}

/* What the callbacks saw. */
struct rec {
	pthread_mutex_t lock;
	uint8_t tx[4096];
	unsigned int nr_tx;
	int irq;
	unsigned int irq_calls;
	bool irq_repeat;	/* set_irq called without a change */
};

static void rec_tx(void *opaque, uint8_t byte)
{
	struct rec *r = opaque;

	pthread_mutex_lock(&r->lock);
	if (r->nr_tx < sizeof(r->tx))
		r->tx[r->nr_tx] = byte;
	r->nr_tx++;
	pthread_mutex_unlock(&r->lock);
}

static void rec_irq(void *opaque, int level)
{
	struct rec *r = opaque;

	if (level == r->irq)
		r->irq_repeat = true;
	r->irq = level;
	r->irq_calls++;
}

static const struct uart16550_ops rec_ops = {
	.tx = rec_tx,
	.set_irq = rec_irq,
};

static struct uart16550 *setup(struct rec *r)
{
	struct uart16550 *u;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	u = uart16550_new(&rec_ops, r);
	if (!u)
		diag("uart16550_new failed");
	return u;
}

static void teardown(struct uart16550 *u, struct rec *r)
{
	uart16550_free(u);
	pthread_mutex_destroy(&r->lock);
}

static uint8_t in(struct uart16550 *u, unsigned int off)
{
	return uart16550_read(u, off);
}

static void out(struct uart16550 *u, unsigned int off, uint8_t v)
{
	uart16550_write(u, off, v);
}

static bool irq_is(const struct rec *r, int level, unsigned int calls)
{
	if (r->irq_repeat)
		return diag("set_irq called without a level change");
	return numeq("irq level", r->irq, level) &&
	       numeq("set_irq calls", r->irq_calls, calls);
}

static void test_reset_state(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	ok = ok && numeq("IER", in(u, UART_IER), 0) &&
	     numeq("IIR", in(u, UART_IIR), IIR_NO_INT) &&
	     numeq("LCR", in(u, UART_LCR), 0) &&
	     numeq("MCR", in(u, UART_MCR), 0) &&
	     numeq("LSR", in(u, UART_LSR), LSR_THRE | LSR_TEMT) &&
	     numeq("MSR", in(u, UART_MSR), MSR_CTS | MSR_DSR | MSR_DCD) &&
	     numeq("SCR", in(u, UART_SCR), 0) &&
	     numeq("offset 8", in(u, 8), 0xff) &&
	     numeq("offset 100", in(u, 100), 0xff) &&
	     irq_is(&r, 0, 0);
	if (u) {
		out(u, 8, 0x55);
		ok = ok && numeq("SCR after offset 8", in(u, UART_SCR), 0);
	}
	teardown(u, &r);
	result(ok, "reset state; offsets past 7 read 0xff and ignore writes");
}

/* size_fifo() of 8250_port.c: loopback at divisor 1, count what comes back. */
static unsigned int size_fifo(struct uart16550 *u)
{
	uint8_t old_lcr, old_fcr, old_mcr, old_dll, old_dlm;
	unsigned int count;

	old_lcr = in(u, UART_LCR);
	out(u, UART_LCR, 0);
	old_fcr = in(u, UART_FCR);	/* really IIR, as the driver does */
	old_mcr = in(u, UART_MCR);
	out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	out(u, UART_MCR, MCR_LOOP);
	out(u, UART_LCR, LCR_CONF_MODE_A);
	old_dll = in(u, UART_DLL);
	old_dlm = in(u, UART_DLM);
	out(u, UART_DLL, 1);
	out(u, UART_DLM, 0);
	out(u, UART_LCR, LCR_WLEN8);
	for (count = 0; count < 256; count++)
		out(u, UART_THR, count);
	for (count = 0; (in(u, UART_LSR) & LSR_DR) && count < 256; count++)
		in(u, UART_RBR);
	out(u, UART_FCR, old_fcr);
	out(u, UART_MCR, old_mcr);
	out(u, UART_LCR, LCR_CONF_MODE_A);
	out(u, UART_DLL, old_dll);
	out(u, UART_DLM, old_dlm);
	out(u, UART_LCR, old_lcr);
	return count;
}

/*
 * autoconfig() and autoconfig_16550a() of 8250_port.c with
 * CONFIG_SERIAL_8250_16550A_VARIANTS, step by step: every variant test
 * must fail for the port to stay a plain 16550A.
 */
static void test_linux_autoconfig(void)
{
	uint8_t scratch, scratch2, scratch3, status1, status2, save_mcr;
	uint8_t save_lcr, iersave;
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	if (!u)
		goto out;
	/* The guest left some state behind that the probe must keep. */
	out(u, UART_SCR, 0x3c);

	/* Existence: IER bits 3:0 clear to 0 and set to 0xf. */
	scratch = in(u, UART_IER);
	out(u, UART_IER, 0);
	scratch2 = in(u, UART_IER) & 0x0f;
	out(u, UART_IER, 0x0f);
	scratch3 = in(u, UART_IER) & 0x0f;
	out(u, UART_IER, scratch);
	ok = ok && numeq("IER test scratch2", scratch2, 0) &&
	     numeq("IER test scratch3", scratch3, 0x0f);

	/* Loopback: MCR LOOP|OUT2|RTS gives DCD|CTS in MSR. */
	save_mcr = in(u, UART_MCR);
	save_lcr = in(u, UART_LCR);
	out(u, UART_MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	status1 = in(u, UART_MSR) & MSR_STATUS;
	out(u, UART_MCR, save_mcr);
	ok = ok && numeq("LOOP test", status1, MSR_DCD | MSR_CTS);

	/* EFR cleared through LCR 0xbf, then FIFOs on: IIR says 16550A. */
	out(u, UART_LCR, LCR_CONF_MODE_B);
	out(u, UART_FCR, 0);		/* the EFR on a 16650 */
	out(u, UART_LCR, 0);
	out(u, UART_FCR, FCR_ENABLE);
	ok = ok && numeq("IIR FIFO bits", in(u, UART_IIR) & IIR_FIFO_MASK,
			 IIR_FIFO_MASK);

	/* Not an ST16C650V1: EFR (IIR here) does not read 0 under DLAB. */
	out(u, UART_LCR, LCR_CONF_MODE_A);
	ok = ok && (in(u, UART_FCR) != 0 || diag("EFR read 0 in mode A"));
	/* Not an EFR part: nothing reads 0 under LCR 0xbf either. */
	out(u, UART_LCR, LCR_CONF_MODE_B);
	ok = ok && (in(u, UART_FCR) != 0 || diag("EFR read 0 in mode B"));

	/* Not an NS SuperIO: EXCR1 (IIR here) does not follow MCR LOOP. */
	out(u, UART_LCR, 0);
	status1 = in(u, UART_MCR);
	out(u, UART_LCR, LCR_NS_BANK2);
	status2 = in(u, 0x02);
	ok = ok && ((status1 ^ status2) & MCR_LOOP) == 0;
	out(u, UART_LCR, 0);
	out(u, UART_MCR, status1 ^ MCR_LOOP);
	out(u, UART_LCR, LCR_NS_BANK2);
	status2 = in(u, 0x02);
	out(u, UART_LCR, 0);
	out(u, UART_MCR, status1);
	ok = ok && (!((status2 ^ status1) & MCR_LOOP) ||
		    diag("looks like an NS SuperIO"));

	/* Not a TI16750: no 64-byte FIFO bit in IIR, DLAB or not. */
	out(u, UART_LCR, 0);
	out(u, UART_FCR, FCR_ENABLE | FCR_64BYTE);
	status1 = in(u, UART_IIR) & (IIR_64BYTE | IIR_FIFO_MASK);
	out(u, UART_FCR, FCR_ENABLE);
	out(u, UART_LCR, LCR_CONF_MODE_A);
	out(u, UART_FCR, FCR_ENABLE | FCR_64BYTE);
	status2 = in(u, UART_IIR) & (IIR_64BYTE | IIR_FIFO_MASK);
	out(u, UART_FCR, FCR_ENABLE);
	out(u, UART_LCR, 0);
	ok = ok && numeq("16750 status1", status1, IIR_FIFO_MASK) &&
	     numeq("16750 status2", status2, IIR_FIFO_MASK);

	/* Not an XScale: IER bit 6 (UUE) does not stick. */
	iersave = in(u, UART_IER);
	out(u, UART_IER, iersave & ~IER_UUE);
	ok = ok && !(in(u, UART_IER) & IER_UUE);
	out(u, UART_IER, iersave | IER_UUE);
	ok = ok && (!(in(u, UART_IER) & IER_UUE) || diag("UUE sticks"));
	out(u, UART_IER, iersave);

	/* Not a U6 16550A: the FIFO holds 16 bytes, not 64. */
	ok = ok && numeq("size_fifo", size_fifo(u), 16);

	/* The end of autoconfig(): restore and reset. */
	out(u, UART_LCR, save_lcr);
	out(u, UART_MCR, save_mcr);
	out(u, UART_FCR, FCR_ENABLE);
	out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	out(u, UART_FCR, 0);
	in(u, UART_RBR);
	out(u, UART_IER, 0);

	ok = ok && numeq("SCR kept", in(u, UART_SCR), 0x3c) &&
	     numeq("LSR after probe", in(u, UART_LSR), LSR_THRE | LSR_TEMT) &&
	     numeq("IIR after probe", in(u, UART_IIR), IIR_NO_INT) &&
	     numeq("bytes sent during the probe", r.nr_tx, 0) &&
	     irq_is(&r, 0, 0);
out:
	teardown(u, &r);
	result(ok, "Linux 8250 autoconfig finds a 16550A and no variant");
}

/* autoconfig_8250(): the scratch register holds what is written. */
static void test_scratch(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	if (u) {
		out(u, UART_SCR, 0xa5);
		ok = numeq("SCR 0xa5", in(u, UART_SCR), 0xa5);
		out(u, UART_SCR, 0x5a);
		ok = ok && numeq("SCR 0x5a", in(u, UART_SCR), 0x5a);
		/* DLAB does not move it. */
		out(u, UART_LCR, LCR_CONF_MODE_A);
		ok = ok && numeq("SCR under DLAB", in(u, UART_SCR), 0x5a);
	}
	teardown(u, &r);
	result(ok, "scratch register test");
}

static void test_divisor_latch(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	if (u) {
		out(u, UART_IER, IER_RDI | IER_MSI);
		out(u, UART_LCR, LCR_CONF_MODE_A | LCR_WLEN8);
		out(u, UART_DLL, 0x01);
		out(u, UART_DLM, 0x02);
		ok = numeq("DLL", in(u, UART_DLL), 0x01) &&
		     numeq("DLM", in(u, UART_DLM), 0x02) &&
		     numeq("LCR", in(u, UART_LCR), 0x83);
		out(u, UART_LCR, LCR_WLEN8);
		/* The same offsets are RBR/THR and IER again. */
		ok = ok && numeq("IER", in(u, UART_IER), IER_RDI | IER_MSI) &&
		     numeq("nothing sent", r.nr_tx, 0);
		out(u, UART_THR, 'x');
		out(u, UART_IER, 0);
		out(u, UART_LCR, LCR_CONF_MODE_A | LCR_WLEN8);
		ok = ok && numeq("DLL after THR", in(u, UART_DLL), 0x01) &&
		     numeq("DLM after IER", in(u, UART_DLM), 0x02) &&
		     numeq("sent", r.nr_tx, 1) && numeq("byte", r.tx[0], 'x');
	}
	teardown(u, &r);
	result(ok, "divisor latch behind LCR.DLAB");
}

static void test_tx(void)
{
	static const char msg[] = "Linux version 6.1\r\n";
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	if (u) {
		unsigned int i;

		/* Unprogrammed (LCR 0, 5 bits): bytes still go out whole. */
		for (i = 0; i < sizeof(msg) - 1; i++) {
			out(u, UART_THR, msg[i]);
			ok = ok && numeq("LSR", in(u, UART_LSR),
					 LSR_THRE | LSR_TEMT);
		}
		out(u, UART_THR, 0xff);
		ok = ok && numeq("sent", r.nr_tx, sizeof(msg)) &&
		     (!memcmp(r.tx, msg, sizeof(msg) - 1) ||
		      diag("bytes differ")) &&
		     numeq("8-bit byte", r.tx[sizeof(msg) - 1], 0xff);
	}
	teardown(u, &r);
	result(ok, "TX goes straight to the callback, THR always empty");
}

static void test_thre(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;
	uint8_t iir1, iir;

	if (!u)
		goto out;
	out(u, UART_FCR, FCR_ENABLE);

	/* serial8250_do_startup(): THRE must be reasserted (UART_BUG_THRE). */
	out(u, UART_IER, IER_THRI);
	iir1 = in(u, UART_IIR);
	out(u, UART_IER, 0);
	out(u, UART_IER, IER_THRI);
	iir = in(u, UART_IIR);
	out(u, UART_IER, 0);
	ok = numeq("iir1", iir1, IIR_FIFO_MASK | IIR_THRI) &&
	     numeq("iir", iir, IIR_FIFO_MASK | IIR_THRI);

	/* The UART_BUG_TXEN test: THRI on, LSR and IIR show THRE. */
	out(u, UART_IER, IER_THRI);
	ok = ok && numeq("LSR", in(u, UART_LSR), LSR_THRE | LSR_TEMT) &&
	     numeq("IIR", in(u, UART_IIR), IIR_FIFO_MASK | IIR_THRI);
	out(u, UART_IER, 0);
	/* With OUT2 clear none of that reached the IRQ line. */
	ok = ok && irq_is(&r, 0, 0);

	out(u, UART_MCR, MCR_OUT2 | MCR_DTR | MCR_RTS);
	out(u, UART_IER, IER_THRI);
	ok = ok && irq_is(&r, 1, 1);
	/* Reading IIR while THRE is the source clears it. */
	ok = ok && numeq("IIR", in(u, UART_IIR), IIR_FIFO_MASK | IIR_THRI) &&
	     irq_is(&r, 0, 2) &&
	     numeq("IIR again", in(u, UART_IIR), IIR_FIFO_MASK | IIR_NO_INT);
	/* Rewriting IER with THRI still set raises nothing. */
	out(u, UART_IER, IER_THRI);
	ok = ok && irq_is(&r, 0, 2);
	/* A THR write clears THRE and, the byte gone, raises it again. */
	out(u, UART_THR, 'a');
	ok = ok && irq_is(&r, 1, 3);
	out(u, UART_THR, 'b');
	ok = ok && irq_is(&r, 1, 3);
	/* The driver's stop_tx: THRI off drops it. */
	out(u, UART_IER, 0);
	ok = ok && irq_is(&r, 0, 4) &&
	     numeq("IIR", in(u, UART_IIR), IIR_FIFO_MASK | IIR_NO_INT);
out:
	teardown(u, &r);
	result(ok, "THRE interrupt: raised on ETBEI 0->1 and THR writes, cleared by IIR reads");
}

static void test_rx_fifo(void)
{
	uint8_t buf[20], got[16];
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;
	unsigned int i;

	if (!u)
		goto out;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'A' + i;
	out(u, UART_MCR, MCR_OUT2);
	out(u, UART_FCR, FCR_ENABLE | FCR_TRIGGER_14);
	out(u, UART_IER, IER_RDI);
	ok = irq_is(&r, 0, 0);

	/* Below the trigger level: character timeout. */
	ok = ok && numeq("accepted", uart16550_receive(u, buf, 3), 3) &&
	     irq_is(&r, 1, 1) &&
	     numeq("IIR timeout", in(u, UART_IIR),
		   IIR_FIFO_MASK | IIR_RX_TIMEOUT) &&
	     numeq("LSR", in(u, UART_LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	/* At it: received data available. */
	ok = ok && numeq("accepted", uart16550_receive(u, buf + 3, 17), 13) &&
	     numeq("IIR RDA", in(u, UART_IIR), IIR_FIFO_MASK | IIR_RDI) &&
	     numeq("full FIFO takes none", uart16550_receive(u, buf, 1), 0) &&
	     numeq("no overrun", in(u, UART_LSR) & LSR_OE, 0) &&
	     irq_is(&r, 1, 1);
	for (i = 0; i < 16; i++)
		got[i] = in(u, UART_RBR);
	ok = ok && (!memcmp(got, buf, 16) || diag("bytes differ")) &&
	     numeq("LSR empty", in(u, UART_LSR), LSR_THRE | LSR_TEMT) &&
	     numeq("IIR empty", in(u, UART_IIR), IIR_FIFO_MASK | IIR_NO_INT) &&
	     irq_is(&r, 0, 2);

	/* FCR clear RX empties it and drops the interrupt. */
	uart16550_receive(u, buf, 5);
	ok = ok && irq_is(&r, 1, 3);
	out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX);
	ok = ok && irq_is(&r, 0, 4) &&
	     numeq("LSR cleared", in(u, UART_LSR) & LSR_DR, 0);

	/* FIFOs off: one byte of room, no FIFO bits in IIR, RDA not timeout. */
	out(u, UART_FCR, 0);
	ok = ok && numeq("16450 takes one", uart16550_receive(u, buf, 4), 1) &&
	     numeq("16450 IIR", in(u, UART_IIR), IIR_RDI) &&
	     numeq("16450 RBR", in(u, UART_RBR), 'A') &&
	     irq_is(&r, 0, 6);
	/* Turning the FIFOs on empties the holding register too. */
	uart16550_receive(u, buf + 1, 1);
	out(u, UART_FCR, FCR_ENABLE);
	ok = ok && numeq("emptied", in(u, UART_LSR) & LSR_DR, 0) &&
	     irq_is(&r, 0, 8);
out:
	teardown(u, &r);
	result(ok, "RX FIFO: trigger level, timeout/RDA, capacity, clearing");
}

static void test_overrun(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;
	unsigned int i;

	if (!u)
		goto out;
	/* Loopback is the only way past a full FIFO: the host waits. */
	out(u, UART_FCR, FCR_ENABLE);
	out(u, UART_MCR, MCR_LOOP);
	for (i = 0; i < 17; i++)
		out(u, UART_THR, i);
	ok = numeq("LSR overrun", in(u, UART_LSR),
		   LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT) &&
	     numeq("OE cleared by the read", in(u, UART_LSR) & LSR_OE, 0);
	/* The FIFO keeps the first 16; the 17th is lost. */
	for (i = 0; i < 16 && ok; i++)
		ok = numeq("RBR", in(u, UART_RBR), i);
	ok = ok && numeq("empty", in(u, UART_LSR) & LSR_DR, 0);

	/* Without FIFOs the newest byte overwrites RBR. */
	out(u, UART_FCR, 0);
	out(u, UART_THR, 1);
	out(u, UART_THR, 2);
	ok = ok && numeq("16450 LSR", in(u, UART_LSR),
			 LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT) &&
	     numeq("16450 RBR", in(u, UART_RBR), 2) &&
	     numeq("nothing sent", r.nr_tx, 0);
out:
	teardown(u, &r);
	result(ok, "overrun sets LSR.OE until LSR is read");
}

static void test_loopback_msr(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	uint8_t b = 'z';
	bool ok = u != NULL;

	if (!u)
		goto out;
	out(u, UART_MCR, MCR_LOOP);
	/* Every input dropped: all four deltas. */
	ok = numeq("MSR all low", in(u, UART_MSR),
		   MSR_DCTS | MSR_DDSR | MSR_DDCD) &&
	     numeq("deltas cleared by the read", in(u, UART_MSR), 0);
	out(u, UART_MCR, MCR_LOOP | MCR_DTR);
	ok = ok && numeq("DTR->DSR", in(u, UART_MSR), MSR_DSR | MSR_DDSR);
	out(u, UART_MCR, MCR_LOOP | MCR_RTS);
	ok = ok && numeq("RTS->CTS", in(u, UART_MSR),
			 MSR_CTS | MSR_DCTS | MSR_DDSR);
	out(u, UART_MCR, MCR_LOOP | MCR_OUT1);
	/* RI rising sets no delta; its trailing edge sets TERI. */
	ok = ok && numeq("OUT1->RI", in(u, UART_MSR), MSR_RI | MSR_DCTS);
	out(u, UART_MCR, MCR_LOOP | MCR_OUT2);
	ok = ok && numeq("OUT2->DCD", in(u, UART_MSR),
			 MSR_DCD | MSR_TERI | MSR_DDCD);
	/* Serial input disconnected; output goes to RX, not the callback. */
	ok = ok && numeq("receive in loopback", uart16550_receive(u, &b, 1), 0);
	out(u, UART_THR, 'q');
	ok = ok && numeq("sent", r.nr_tx, 0) &&
	     numeq("looped", in(u, UART_RBR), 'q');
	/* Leaving loopback: a connected terminal again. */
	out(u, UART_MCR, 0);
	ok = ok && numeq("MSR", in(u, UART_MSR),
			 MSR_CTS | MSR_DSR | MSR_DCD | MSR_DCTS | MSR_DDSR) &&
	     numeq("receive", uart16550_receive(u, &b, 1), 1);
out:
	teardown(u, &r);
	result(ok, "loopback: MSR follows MCR with deltas, TX loops to RX");
}

static void test_priorities(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;
	unsigned int i;

	if (!u)
		goto out;
	out(u, UART_FCR, FCR_ENABLE);
	/* Overrun plus data (loopback), then a modem status change. */
	out(u, UART_MCR, MCR_LOOP);
	for (i = 0; i < 17; i++)
		out(u, UART_THR, 'x');
	out(u, UART_MCR, MCR_LOOP | MCR_RTS);
	out(u, UART_IER, IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
	ok = numeq("RLS first", in(u, UART_IIR), IIR_FIFO_MASK | IIR_RLSI) &&
	     numeq("LSR", in(u, UART_LSR) & LSR_OE, LSR_OE) &&
	     numeq("then RDA", in(u, UART_IIR), IIR_FIFO_MASK | IIR_RDI);
	out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX);
	ok = ok &&
	     numeq("then THRE", in(u, UART_IIR), IIR_FIFO_MASK | IIR_THRI) &&
	     numeq("then MSR", in(u, UART_IIR), IIR_FIFO_MASK | IIR_MSI) &&
	     numeq("MSR", in(u, UART_MSR) & MSR_DCTS, MSR_DCTS) &&
	     numeq("none", in(u, UART_IIR), IIR_FIFO_MASK | IIR_NO_INT);
	/* Disabled sources stay out of IIR. */
	out(u, UART_IER, 0);
	out(u, UART_MCR, MCR_LOOP);
	out(u, UART_THR, 'y');
	ok = ok && numeq("masked", in(u, UART_IIR), IIR_FIFO_MASK | IIR_NO_INT);
	/* Loopback forces OUT2 off, so the IRQ line never rose. */
	ok = ok && irq_is(&r, 0, 0);
out:
	teardown(u, &r);
	result(ok, "IIR priorities: RLS > RDA > THRE > MSR");
}

static void test_irq_line(void)
{
	struct rec r;
	struct uart16550 *u = setup(&r);
	uint8_t b = 'k';
	bool ok = u != NULL;

	if (!u)
		goto out;
	out(u, UART_IER, IER_RDI);
	uart16550_receive(u, &b, 1);
	/* Pending, but the PC's OUT2 gate is closed. */
	ok = numeq("IIR", in(u, UART_IIR), IIR_RDI) && irq_is(&r, 0, 0);
	out(u, UART_MCR, MCR_OUT2);
	ok = ok && irq_is(&r, 1, 1);
	/* Writes that change nothing about the line call nothing. */
	out(u, UART_MCR, MCR_OUT2 | MCR_DTR);
	out(u, UART_SCR, 1);
	out(u, UART_LCR, LCR_WLEN8);
	in(u, UART_LSR);
	in(u, UART_MSR);
	ok = ok && irq_is(&r, 1, 1);
	out(u, UART_MCR, MCR_OUT2 | MCR_LOOP);
	ok = ok && irq_is(&r, 0, 2);
	out(u, UART_MCR, MCR_OUT2);
	ok = ok && irq_is(&r, 1, 3);
	in(u, UART_RBR);
	ok = ok && irq_is(&r, 0, 4);
	/* No callbacks at all is fine. */
	uart16550_free(u);
	u = uart16550_new(NULL, NULL);
	ok = ok && u;
	if (u) {
		out(u, UART_MCR, MCR_OUT2);
		out(u, UART_IER, IER_THRI);
		out(u, UART_THR, 'n');
		ok = ok && numeq("IIR", in(u, UART_IIR), IIR_THRI);
	}
out:
	teardown(u, &r);
	result(ok, "IRQ line: gated by OUT2 and loopback, reported only on change");
}

struct writer {
	struct uart16550 *u;
	uint8_t byte;
};

static void *writer(void *arg)
{
	struct writer *w = arg;
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		uart16550_write(w->u, UART_THR, w->byte);
		uart16550_read(w->u, UART_LSR);
	}
	return NULL;
}

static void test_threads(void)
{
	struct writer w[4];
	pthread_t t[4];
	unsigned int i, started = 0, count[4] = { 0 };
	struct rec r;
	struct uart16550 *u = setup(&r);
	bool ok = u != NULL;

	for (i = 0; ok && i < 4; i++) {
		w[i].u = u;
		w[i].byte = i;
		ok = !pthread_create(&t[i], NULL, writer, &w[i]);
		started += ok;
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < r.nr_tx && i < sizeof(r.tx); i++)
		count[r.tx[i] & 3]++;
	ok = ok && numeq("sent", r.nr_tx, 4000) &&
	     numeq("from thread 0", count[0], 1000) &&
	     numeq("from thread 3", count[3], 1000);
	teardown(u, &r);
	result(ok, "concurrent writers lose no byte");
}

int main(void)
{
	printf("TAP version 13\n1..12\n");
	test_reset_state();
	test_linux_autoconfig();
	test_scratch();
	test_divisor_latch();
	test_tx();
	test_thre();
	test_rx_fifo();
	test_overrun();
	test_loopback_msr();
	test_priorities();
	test_irq_line();
	test_threads();
	return failed ? 1 : 0;
}
