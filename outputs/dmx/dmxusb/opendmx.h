/*
 * opendmx.h - the seam between the Open DMX output (opendmx.c) and libftdi:
 * a const table of the libftdi calls the driver makes. The driver calls
 * only through the table in use, so tests can put a recording fake in
 * place of the chip (like SQLite's replaceable syscall table).
 *
 * opendmx_set_ftdi() is for tests, before any Open DMX output opens; the
 * table is read by the output threads afterwards without a lock.
 */
#ifndef GL_OPENDMX_H
#define GL_OPENDMX_H

#include <ftdi.h>

struct opendmx_ftdi {
	int version;    /* 1 */
	struct ftdi_context *(*new_ctx)(void);
	void (*free_ctx)(struct ftdi_context *ftdi);
	int (*usb_open_string)(struct ftdi_context *ftdi, const char *description);
	int (*usb_close)(struct ftdi_context *ftdi);
	int (*usb_reset)(struct ftdi_context *ftdi);
	int (*set_baudrate)(struct ftdi_context *ftdi, int baudrate);
	int (*set_line_property2)(struct ftdi_context *ftdi, enum ftdi_bits_type bits,
				  enum ftdi_stopbits_type sbit, enum ftdi_parity_type parity,
				  enum ftdi_break_type break_type);
	int (*setflowctrl)(struct ftdi_context *ftdi, int flowctrl);
	int (*tcioflush)(struct ftdi_context *ftdi);
	int (*setrts)(struct ftdi_context *ftdi, int state);
	int (*write_data)(struct ftdi_context *ftdi, const unsigned char *buf, int size);
	const char *(*get_error_string)(struct ftdi_context *ftdi);
};

/* The real libftdi. */
extern const struct opendmx_ftdi opendmx_libftdi;
/* Replaces the table (NULL: back to libftdi). Tests only. */
void opendmx_set_ftdi(const struct opendmx_ftdi *ops);

/* Wire timing of one slot at 250 kbaud 8N2: 11 bits of 4 µs. */
#define OPENDMX_SLOT_NS 44000ull

#endif
