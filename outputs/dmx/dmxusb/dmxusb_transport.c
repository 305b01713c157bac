/*
 * dmxusb_transport.c - the byte transports of USB DMX widgets (see
 * dmxusb.h): a serial tty (termios, non-blocking) and an FTDI chip through
 * libftdi (bounded USB timeouts), plus the reconnect back-off.
 *
 * A transport belongs to the thread that opened it. Neither kind ever
 * waits long: the tty is O_NONBLOCK, and libftdi waits at most its USB
 * timeouts (write 100 ms, read one latency period of 2 ms).
 */
#include "dmxusb.h"

#include <errno.h>
#include <fcntl.h>
#include <ftdi.h>
#include <libusb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define FTDI_WRITE_TIMEOUT_MS 100
#define FTDI_READ_TIMEOUT_MS 20
#define FTDI_LATENCY_MS 2
#define FTDI_BAUD 250000

/* ---- back-off ----------------------------------------------------------- */

void dmxusb_backoff_fail(struct dmxusb_backoff *b, uint64_t now_ns)
{
	if (b->delay_ns < DMXUSB_BACKOFF_MIN_NS)
		b->delay_ns = DMXUSB_BACKOFF_MIN_NS;
	b->next_try_ns = now_ns + b->delay_ns;
	b->delay_ns *= 2;
	if (b->delay_ns > DMXUSB_BACKOFF_MAX_NS)
		b->delay_ns = DMXUSB_BACKOFF_MAX_NS;
}

void dmxusb_backoff_reset(struct dmxusb_backoff *b)
{
	b->delay_ns = 0;
	b->next_try_ns = 0;
}

bool dmxusb_backoff_due(const struct dmxusb_backoff *b, uint64_t now_ns)
{
	return now_ns >= b->next_try_ns;
}

void dmxusb_backoff_fail_report(struct dmxusb_backoff *b, struct gl_report_text *error,
				uint64_t now_ns, const char *fmt, ...)
{
	char what[GL_REPORT_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	dmxusb_backoff_fail(b, now_ns);
	gl_report_set(error, now_ns, "%s; retrying in %.1f s", what,
		      (double)(b->next_try_ns - now_ns) / 1e9);
}

/* ---- transports --------------------------------------------------------- */

struct dmxusb_transport {
	int fd;                       /* tty, else -1 */
	struct ftdi_context *ftdi;    /* libftdi, else NULL */
	char name[192];
};

struct dmxusb_transport *dmxusb_tty_open(const char *path, char *err, size_t err_len)
{
	struct dmxusb_transport *t;
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!isatty(fd)) {
		snprintf(err, err_len, "%s: not a serial port", path);
		close(fd);
		return NULL;
	}
	/* One owner: a second ghostlight (or `devices` probing) gets EBUSY
	 * instead of interleaving frames with ours. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		/* TIOCEXCL does not bind root; the lock does. */
		snprintf(err, err_len, "%s: %s (in use by another program)", path,
			 strerror(EBUSY));
		close(fd);
		return NULL;
	}
	if (ioctl(fd, TIOCEXCL) != 0 || tcgetattr(fd, &tio) != 0) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD | CSTOPB;   /* 8N2 */
	tio.c_cflag &= ~(tcflag_t)CRTSCTS;
	/* VMIN 1: a non-blocking read with nothing there is EAGAIN, so a read
	 * of 0 bytes means hang-up (VMIN 0 would make both look the same). */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	/* The Pro's FT245 ignores the rate; FT232R-based Pro clones use 115200
	 * like the other open implementations set. */
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(fd, TCSANOW, &tio) != 0) {
		snprintf(err, err_len, "%s: cannot set serial mode: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	tcflush(fd, TCIOFLUSH);
	t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, err_len, "out of memory");
		close(fd);
		return NULL;
	}
	t->fd = fd;
	snprintf(t->name, sizeof t->name, "%s", path);
	return t;
}

struct dmxusb_transport *dmxusb_ftdi_open(const char *spec, char *err, size_t err_len)
{
	struct dmxusb_transport *t;
	struct ftdi_context *f = ftdi_new();
	int rc;

	if (!f) {
		snprintf(err, err_len, "libftdi: out of memory");
		return NULL;
	}
	/* libftdi detaches ftdi_sio by default (AUTO_DETACH_SIO_MODULE). */
	if ((rc = ftdi_usb_open_string(f, spec)) < 0) {
		snprintf(err, err_len, "usb %s: %s", spec, ftdi_get_error_string(f));
		ftdi_free(f);
		return NULL;
	}
	f->usb_write_timeout = FTDI_WRITE_TIMEOUT_MS;
	f->usb_read_timeout = FTDI_READ_TIMEOUT_MS;
	if (ftdi_usb_reset(f) < 0 || ftdi_set_baudrate(f, FTDI_BAUD) < 0 ||
	    ftdi_set_line_property(f, BITS_8, STOP_BIT_2, NONE) < 0 ||
	    ftdi_setflowctrl(f, SIO_DISABLE_FLOW_CTRL) < 0 ||
	    ftdi_set_latency_timer(f, FTDI_LATENCY_MS) < 0 ||
	    ftdi_tcioflush(f) < 0) {
		snprintf(err, err_len, "usb %s: setup: %s", spec, ftdi_get_error_string(f));
		ftdi_usb_close(f);
		ftdi_free(f);
		return NULL;
	}
	t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, err_len, "out of memory");
		ftdi_usb_close(f);
		ftdi_free(f);
		return NULL;
	}
	t->fd = -1;
	t->ftdi = f;
	snprintf(t->name, sizeof t->name, "usb %s", spec);
	return t;
}

void dmxusb_transport_close(struct dmxusb_transport *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->ftdi) {
		ftdi_usb_close(t->ftdi);
		ftdi_free(t->ftdi);
	}
	free(t);
}

int dmxusb_transport_write(struct dmxusb_transport *t, const uint8_t *buf, size_t len,
			   char *err, size_t err_len)
{
	if (!t)
		return GL_EINVAL;
	if (len == 0)
		return 0;
	if (t->fd >= 0) {
		ssize_t n = write(t->fd, buf, len);

		if (n >= 0)
			return (int)n;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		snprintf(err, err_len, "%s: write: %s", t->name, strerror(errno));
		return GL_EIO;
	}
	int n = ftdi_write_data(t->ftdi, buf, (int)len);

	if (n >= 0)
		return n;
	/* libftdi reports every failed bulk write as -1, a USB timeout (the
	 * widget is not taking data: a stall, which the caller times) among
	 * them; -666 is a device that has gone. An unplug also shows on the
	 * next read, which names the libusb error. */
	snprintf(err, err_len, "%s: write: %s", t->name, ftdi_get_error_string(t->ftdi));
	return n == -666 ? GL_EIO : 0;
}

int dmxusb_transport_read(struct dmxusb_transport *t, uint8_t *buf, size_t cap,
			  char *err, size_t err_len)
{
	if (!t)
		return GL_EINVAL;
	if (t->fd >= 0) {
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		ssize_t n;

		/* Data first: a widget's last words before a hang-up still count. */
		n = read(t->fd, buf, cap);
		if (n > 0)
			return (int)n;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
				snprintf(err, err_len, "%s: device hung up", t->name);
				return GL_EIO;
			}
			return 0;
		}
		snprintf(err, err_len, "%s: %s", t->name,
			 n == 0 ? "device hung up (unplugged?)" : strerror(errno));
		return GL_EIO;
	}
	int n = ftdi_read_data(t->ftdi, buf, (int)(cap > 4096 ? 4096 : cap));

	if (n >= 0)
		return n;
	if (n == LIBUSB_ERROR_TIMEOUT || n == LIBUSB_ERROR_INTERRUPTED)
		return 0;
	snprintf(err, err_len, "%s: read: %s (%s)", t->name, ftdi_get_error_string(t->ftdi),
		 libusb_error_name(n));
	return GL_EIO;
}

int dmxusb_transport_fd(const struct dmxusb_transport *t)
{
	return t ? t->fd : -1;
}

const char *dmxusb_transport_name(const struct dmxusb_transport *t)
{
	return t ? t->name : "";
}
