/*
 * dmxusb.h - USB DMX interfaces: the byte transports a widget is reached
 * through (a serial tty, as the kernel's ftdi_sio/cdc_acm drivers present
 * it, or libftdi talking to the FTDI chip directly), device discovery (used
 * by `ghostlight devices` and by device = "auto"), and the reconnect
 * back-off the drivers share.
 *
 * Threads: a transport belongs to one thread (the output thread of its
 * device, or the thread running `devices`). Discovery functions are
 * reentrant and may block for the probe timeout they are given; they are
 * never called from the engine thread.
 */
#ifndef GL_DMXUSB_H
#define GL_DMXUSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gl.h"
#include "outputs/report.h"

#define DMXUSB_FTDI_VID 0x0403
#define DMXUSB_FTDI_PID_FT232R 0x6001   /* Enttec Pro, Open DMX, ultraDMX, many clones */

/* ---- reconnect back-off ------------------------------------------------- */

#define DMXUSB_BACKOFF_MIN_NS (500ull * 1000000ull)
#define DMXUSB_BACKOFF_MAX_NS (5ull * GL_NS_PER_S)

struct dmxusb_backoff {
	uint64_t delay_ns;      /* next wait; 0 = the first failure is next */
	uint64_t next_try_ns;   /* 0 = try now */
};

/* After a failure at now_ns: the next attempt waits 0.5 s, doubling to 5 s. */
void dmxusb_backoff_fail(struct dmxusb_backoff *b, uint64_t now_ns);
/* After a success: the next failure starts again at 0.5 s. */
void dmxusb_backoff_reset(struct dmxusb_backoff *b);
bool dmxusb_backoff_due(const struct dmxusb_backoff *b, uint64_t now_ns);
/* dmxusb_backoff_fail(), and the error the output's status shows: what
 * failed (fmt) and "; retrying in N.N s", the wait it just set. */
void dmxusb_backoff_fail_report(struct dmxusb_backoff *b, struct gl_report_text *error,
				uint64_t now_ns, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- transports --------------------------------------------------------- */

struct dmxusb_transport;

/* Opens a serial tty raw (8N2, no flow control), non-blocking and
 * exclusive (TIOCEXCL: a second opener gets EBUSY). */
struct dmxusb_transport *dmxusb_tty_open(const char *path, char *err, size_t err_len);
/* Opens an FTDI device through libftdi. `spec` is a libftdi device string
 * ("s:0x0403:0x6001:SERIAL", "d:BUS/ADDR", "i:0x0403:0x6001[:INDEX]").
 * Sets 250000 baud 8N2, no flow control, latency 2 ms, bounded USB
 * timeouts (write 100 ms). Detaches ftdi_sio if it holds the device. */
struct dmxusb_transport *dmxusb_ftdi_open(const char *spec, char *err, size_t err_len);
void dmxusb_transport_close(struct dmxusb_transport *t);

/* Writes what it can without waiting long (a tty: never; libftdi: at most
 * its USB write timeout). Returns bytes written (0..len), GL_EIO when the
 * device is gone or failed (message in err). */
int dmxusb_transport_write(struct dmxusb_transport *t, const uint8_t *buf, size_t len,
			   char *err, size_t err_len);
/* Reads what is there without waiting. Returns bytes read (0 = none now),
 * GL_EIO when the device is gone (hang-up, unplug). */
int dmxusb_transport_read(struct dmxusb_transport *t, uint8_t *buf, size_t cap,
			  char *err, size_t err_len);
/* A pollable fd (tty), or -1 (libftdi: poll by time). */
int dmxusb_transport_fd(const struct dmxusb_transport *t);
/* "/dev/ttyUSB0" or "usb s:0x0403:0x6001:EN123456". */
const char *dmxusb_transport_name(const struct dmxusb_transport *t);

/* ---- discovery ---------------------------------------------------------- */

enum dmxusb_kind {
	DMXUSB_KIND_UNKNOWN,      /* a USB serial port or FTDI chip, not identified */
	DMXUSB_KIND_PRO,          /* answers the Enttec Pro protocol */
	DMXUSB_KIND_OPEN_DMX,     /* plain FT232R, no widget firmware (Open DMX) */
};

struct dmxusb_device {
	enum dmxusb_kind kind;
	char transport[8];        /* "tty" or "usb" (libftdi) */
	char path[160];           /* what to give as device: tty path or libftdi string */
	char tty[64];             /* the tty ftdi_sio made for it, "" none */
	uint16_t vid, pid;
	char usb_serial[64];      /* the USB descriptor's serial, "" none */
	char manufacturer[64];
	char product[64];
	/* filled by dmxusb_probe() */
	bool probed;
	bool answered;            /* spoke the Pro protocol */
	char widget_serial[9];    /* label 10, BCD digits; "" when not answered */
	uint16_t firmware;        /* label 3 */
	uint8_t hw_version;       /* label 14; 0 = no reply */
	unsigned break_us, mab_us, rate_hz;
	char state[128];          /* "ready", "busy (in use)", "no permission", ... */
};

/* USB serial ttys (ttyUSB*, ttyACM*) from sysfs. Root of sysfs and /dev are
 * "/sys" and "/dev" unless GHOSTLIGHT_SYSFS / GHOSTLIGHT_DEVDIR are set
 * (tests). Returns the count (up to max). */
int dmxusb_list_ttys(struct dmxusb_device *out, int max);
/* FTDI chips through libftdi (any kernel driver binding). A chip that also
 * has a tty (ftdi_sio) is reported once per interface, with tty filled by
 * dmxusb_list_all(). Returns the count, or GL_EIO when libusb fails. */
int dmxusb_list_ftdi(struct dmxusb_device *out, int max);
/* Both, merged: a chip seen as a tty and through libftdi is listed once,
 * as its tty. *ftdi_rc (when not NULL) gets dmxusb_list_ftdi()'s result,
 * negative when libusb could not list USB devices. */
int dmxusb_list_all(struct dmxusb_device *out, int max, int *ftdi_rc);
/* True when the USB strings say this is a DMX widget (ENTTEC, DMXking,
 * "DMX" in the product name). */
bool dmxusb_looks_like_dmx(const struct dmxusb_device *d);

/* Asks the device the Pro questions (parameters, serial, hardware version)
 * and waits up to timeout_ms for answers. Fills kind, answered, firmware,
 * widget_serial, state. Returns 0 when it answered, GL_ENOENT when it did
 * not (kind stays as it was), GL_EIO when it could not be opened (state
 * says why). */
int dmxusb_probe(struct dmxusb_device *d, int timeout_ms);

/* Resolves a `device` option ("auto", a serial number, a path) to what
 * dmxusb_*_open() takes. "auto" picks the nth candidate (0 first): devices
 * whose USB strings say DMX, then other FTDI chips, so a caller whose
 * first pick is in use can try the next; a serial number matches the USB
 * serial or (want_pro) the widget's own, probed. Returns 0 and fills
 * transport ("tty"/"usb") and path, or GL_ENOENT with a message in err. */
int dmxusb_resolve(const char *device, bool want_pro, int nth, char *transport,
		   size_t transport_len, char *path, size_t path_len, char *err, size_t err_len);

/* Pro output: the last DMX received (label 5) on its input, for an input
 * universe. Any thread (a seqlock). Returns the slot count (0 = nothing
 * received yet) and copies up to 512 slots; *frames counts receptions. */
struct gl_output;
int pro_output_input(struct gl_output *out, uint8_t slots[512], uint64_t *frames);

#endif
