/*
 * opendmx.c - the Enttec Open DMX output (type = "open-dmx"): a plain
 * FT232R whose UART is the DMX line, driven through libftdi (via the seam
 * in opendmx.h). The console makes every frame itself: BREAK with
 * ftdi_set_line_property2(BREAK_ON), MAB, then start code + slots at
 * 250 kbaud 8N2, at its own rate (default 40 Hz) on an absolute monotonic
 * schedule.
 *
 * Threads: configure() on the loading thread; the rest on the output's own
 * thread (dedicated_thread); the status is read by any thread. Break and MAB are
 * timed by spinning on CLOCK_MONOTONIC from the moment the line call
 * returned (a sleep could overshoot by a scheduler tick, and undershoot is
 * what breaks fixtures), so each is at least its configured width. A write
 * returning is not bytes on the wire: the next break waits until the last
 * frame has had its wire time. A device that fails or disappears is closed
 * and reopened with back-off (0.5 s doubling to 5 s).
 */
#include "outputs/dmx/output.h"
#include "dmxusb.h"
#include "opendmx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPENDMX_BAUD 250000
#define OPENDMX_WIRE_MARGIN_NS 100000ull      /* after the last stop bit */
#define OPENDMX_USB_WRITE_TIMEOUT_MS 100

static const char *real_error_string(struct ftdi_context *f)
{
	return ftdi_get_error_string(f);
}

const struct opendmx_ftdi opendmx_libftdi = {
	.version = 1,
	.new_ctx = ftdi_new,
	.free_ctx = ftdi_free,
	.usb_open_string = ftdi_usb_open_string,
	.usb_close = ftdi_usb_close,
	.usb_reset = ftdi_usb_reset,
	.set_baudrate = ftdi_set_baudrate,
	.set_line_property2 = ftdi_set_line_property2,
	.setflowctrl = ftdi_setflowctrl,
	.tcioflush = ftdi_tcioflush,
	.setrts = ftdi_setrts,
	.write_data = ftdi_write_data,
	.get_error_string = real_error_string,
};

static const struct opendmx_ftdi *ftdi_ops = &opendmx_libftdi;

void opendmx_set_ftdi(const struct opendmx_ftdi *ops)
{
	ftdi_ops = ops ? ops : &opendmx_libftdi;
}

struct opendmx_output {
	struct gl_output_status status;   /* first: see output.h */
	/* options (opendmx_opts), fixed at configure() */
	char device[256];
	int universe;
	int break_us, mab_us, rate;
	int slot_count;
	uint64_t break_ns, mab_ns, period_ns;

	/* runtime, output thread */
	struct ftdi_context *ftdi;         /* NULL while disconnected */
	int frame_index;                   /* gl_frame_slots()'s cache */
	char spec[192];                    /* the libftdi string opened */
	struct dmxusb_backoff backoff;
	uint64_t last_now;
	uint64_t next_frame_ns;            /* schedule: the next break */
	uint64_t wire_free_ns;             /* the last frame's bytes are out */
	bool have_frame;
	uint8_t frame[1 + GL_DMX_SLOTS];   /* start code + slots */

};

static struct opendmx_output *to_odmx(struct gl_output *out)
{
	return (struct opendmx_output *)out;
}

/* DMX512-A: break >= 92 µs, MAB >= 12 µs (receivers must accept 88/8,
 * but some hazers fail below 92). */
static const struct gl_opt opendmx_opts[] = {
	{ "device", GL_OPT_TEXT, 1, 255, "auto", GL_OPT_AT(struct opendmx_output, device),
	  .help = "\"auto\", a USB serial number, or a libftdi string like "
	  "\"s:0x0403:0x6001:A1B2C3\"" },
	{ "break_us", GL_OPT_INT, 92, 1000000, "176", GL_OPT_AT(struct opendmx_output, break_us),
	  .help = "BREAK in µs (timed on the monotonic clock, never shorter)" },
	{ "mab_us", GL_OPT_INT, 12, 1000000, "16", GL_OPT_AT(struct opendmx_output, mab_us),
	  .help = "mark after break in µs" },
	{ "rate", GL_OPT_INT, 1, 44, "40", GL_OPT_AT(struct opendmx_output, rate),
	  .help = "frames per second, on the output's own schedule" },
	{ "slots", GL_OPT_INT, 24, GL_DMX_SLOTS, GL_OPT_STR(GL_DMX_SLOTS),
	  GL_OPT_AT(struct opendmx_output, slot_count), .help = "slots sent per frame" },
	{ NULL },
};

static const struct gl_opt_table opendmx_options = {
	"open-dmx", "Enttec Open DMX (a bare FT232R; ghostlight makes the signal)",
	opendmx_opts,
};

extern const struct gl_output_ops gl_output_open_dmx;

static struct gl_output *opendmx_configure(const struct gl_output_config *cfg,
					   char *err, size_t err_len)
{
	struct opendmx_output *o = gl_output_new(&gl_output_open_dmx, cfg, sizeof *o, err, err_len);
	uint64_t wire_ns;

	if (!o)
		return NULL;
	o->universe = cfg->universes[0];
	o->frame_index = -1;
	o->break_ns = (uint64_t)o->break_us * 1000ull;
	o->mab_ns = (uint64_t)o->mab_us * 1000ull;
	o->period_ns = GL_NS_PER_S / (uint64_t)o->rate;
	wire_ns = o->break_ns + o->mab_ns + (uint64_t)(1 + o->slot_count) * OPENDMX_SLOT_NS +
		  OPENDMX_WIRE_MARGIN_NS;
	if (o->period_ns < wire_ns) {
		snprintf(err, err_len, "rate: %d is too fast for %d slots with these break and "
			 "MAB times (a frame takes %.2f ms on the wire)", o->rate, o->slot_count,
			 (double)wire_ns / 1e6);
		goto fail;
	}
	return (struct gl_output *)o;
fail:
	free(o);
	return NULL;
}

/* Closes the device; the back-off counts from now, after the close. */
static void opendmx_drop(struct opendmx_output *o, const char *what)
{
	char why[128];
	uint64_t now_ns;

	snprintf(why, sizeof why, "%s", o->ftdi ? ftdi_ops->get_error_string(o->ftdi) : "");
	if (o->ftdi) {
		ftdi_ops->usb_close(o->ftdi);
		ftdi_ops->free_ctx(o->ftdi);
		o->ftdi = NULL;
	}
	now_ns = gl_now_ns();
	gl_count(&o->status.send_errors, 1);
	dmxusb_backoff_fail_report(&o->backoff, &o->status.error, now_ns, "open-dmx %s: %s: %s",
				   o->spec, what, why);
}

/* Opens and sets up the chip in the order PROTOCOLS.md gives. */
static void opendmx_connect(struct opendmx_output *o, uint64_t now_ns)
{
	char transport[8], err[256] = "";

	if (dmxusb_resolve(o->device, false, 0, transport, sizeof transport, o->spec,
			   sizeof o->spec, err, sizeof err) != 0 || strcmp(transport, "usb") != 0) {
		if (!err[0])
			snprintf(err, sizeof err, "'%.64s' is a tty: the Open DMX needs libftdi "
				 "(give its serial number or \"auto\")", o->device);
		dmxusb_backoff_fail_report(&o->backoff, &o->status.error, now_ns, "open-dmx: %s", err);
		return;
	}
	o->ftdi = ftdi_ops->new_ctx();
	if (!o->ftdi) {
		dmxusb_backoff_fail(&o->backoff, now_ns);
		gl_report_set(&o->status.error, now_ns, "open-dmx: libftdi: out of memory");
		return;
	}
	if (ftdi_ops->usb_open_string(o->ftdi, o->spec) < 0) {
		opendmx_drop(o, "cannot open");
		return;
	}
	/* Bounded: a chip that stops taking data costs one timeout per frame,
	 * then the write fails and the device is reopened. */
	o->ftdi->usb_write_timeout = OPENDMX_USB_WRITE_TIMEOUT_MS;
	if (ftdi_ops->usb_reset(o->ftdi) < 0 ||
	    ftdi_ops->set_baudrate(o->ftdi, OPENDMX_BAUD) < 0 ||
	    ftdi_ops->set_line_property2(o->ftdi, BITS_8, STOP_BIT_2, NONE, BREAK_OFF) < 0 ||
	    ftdi_ops->setflowctrl(o->ftdi, SIO_DISABLE_FLOW_CTRL) < 0 ||
	    ftdi_ops->tcioflush(o->ftdi) < 0 ||
	    ftdi_ops->setrts(o->ftdi, 0) < 0) {
		opendmx_drop(o, "setup failed");
		return;
	}
	dmxusb_backoff_reset(&o->backoff);
	o->next_frame_ns = now_ns;
	o->wire_free_ns = now_ns;
	gl_report_clear(&o->status.error);
}

static uint64_t spin_until(uint64_t t)
{
	uint64_t now;

	while ((now = gl_now_ns()) < t)
		;
	return now;
}

/* One DMX frame: BREAK, MAB, start code + slots. Returns 0 or GL_EIO. */
static int opendmx_frame(struct opendmx_output *o)
{
	int len = 1 + o->slot_count, n;
	uint64_t t;

	/* The previous frame's last stop bit must be out before this break. */
	spin_until(o->wire_free_ns);
	if (ftdi_ops->set_line_property2(o->ftdi, BITS_8, STOP_BIT_2, NONE, BREAK_ON) < 0)
		goto fail;
	t = spin_until(gl_now_ns() + o->break_ns);
	if (ftdi_ops->set_line_property2(o->ftdi, BITS_8, STOP_BIT_2, NONE, BREAK_OFF) < 0)
		goto fail;
	t = spin_until(gl_now_ns() + o->mab_ns);
	n = ftdi_ops->write_data(o->ftdi, o->frame, len);
	if (n != len)
		goto fail;
	o->wire_free_ns = t + (uint64_t)len * OPENDMX_SLOT_NS + OPENDMX_WIRE_MARGIN_NS;
	gl_count(&o->status.packets_sent, 1);
	return 0;
fail:
	return GL_EIO;
}

/* Sends the frames that are due: at most one (a late schedule skips
 * ahead rather than bursting). */
static int opendmx_run(struct opendmx_output *o, uint64_t now_ns)
{
	if (!o->ftdi) {
		if (!dmxusb_backoff_due(&o->backoff, now_ns))
			return GL_EAGAIN;
		opendmx_connect(o, now_ns);
		if (!o->ftdi)
			return GL_EIO;
	}
	if (!o->have_frame || now_ns < o->next_frame_ns)
		return 0;
	if (opendmx_frame(o) != 0) {
		opendmx_drop(o, "write failed (unplugged?)");
		return GL_EIO;
	}
	o->next_frame_ns += o->period_ns;
	if (o->next_frame_ns <= now_ns)
		o->next_frame_ns = now_ns + o->period_ns;
	return 0;
}

static int opendmx_open(struct gl_output *out)
{
	struct opendmx_output *o = to_odmx(out);
	uint64_t now = gl_now_ns();

	if (!o)
		return GL_EINVAL;
	o->last_now = now;
	dmxusb_backoff_reset(&o->backoff);
	opendmx_connect(o, now);
	return 0;   /* reconnecting is ours (back-off), not the thread's */
}

static int opendmx_send(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns)
{
	struct opendmx_output *o = to_odmx(out);
	const uint8_t *slots;

	if (!o || !frame)
		return GL_EINVAL;
	o->last_now = now_ns;
	gl_count(&o->status.frames_sent, 1);
	/* The newest frame wins: it is copied, and sent on our own schedule. */
	o->frame[0] = 0x00;
	slots = gl_frame_slots(frame, o->universe, &o->frame_index);
	if (slots)
		memcpy(o->frame + 1, slots, GL_DMX_SLOTS);
	else
		memset(o->frame + 1, 0, GL_DMX_SLOTS);   /* not rendered: dark */
	o->have_frame = true;
	return opendmx_run(o, now_ns);
}

static void opendmx_service(struct gl_output *out, uint64_t now_ns)
{
	struct opendmx_output *o = to_odmx(out);

	if (!o)
		return;
	o->last_now = now_ns;
	opendmx_run(o, now_ns);
}

static uint64_t opendmx_next_service_ns(struct gl_output *out)
{
	struct opendmx_output *o = to_odmx(out);
	uint64_t floor_ns, next;

	if (!o)
		return 0;
	floor_ns = o->last_now + 1000000ull;
	if (!o->ftdi)
		next = o->backoff.next_try_ns;
	else if (o->have_frame)
		/* poll() rounds up to whole ms: ask a little early, and the
		 * frame is not due before its time anyway */
		return o->next_frame_ns > o->last_now ? o->next_frame_ns : o->last_now;
	else
		next = o->last_now + 100000000ull;
	return next > floor_ns ? next : floor_ns;
}

static void opendmx_close(struct gl_output *out)
{
	struct opendmx_output *o = to_odmx(out);

	if (!o)
		return;
	if (o->ftdi) {
		ftdi_ops->usb_close(o->ftdi);
		ftdi_ops->free_ctx(o->ftdi);
	}
	free(o);
}

static int opendmx_poll_fd(struct gl_output *out)
{
	(void)out;
	return -1;
}

const struct gl_output_ops gl_output_open_dmx = {
	.version = 1,
	.name = "open-dmx",
	.max_universes = 1,
	.options = &opendmx_options,
	.configure = opendmx_configure,
	.open = opendmx_open,
	.send = opendmx_send,
	.close = opendmx_close,
	.poll_fd = opendmx_poll_fd,
	.service = opendmx_service,
	.next_service_ns = opendmx_next_service_ns,
	.dedicated_thread = true,
};
