/*
 * pro.c - the Enttec DMX USB Pro output (type = "enttec-pro"), for the Pro
 * and every widget that speaks its protocol (DMXking ultraDMX, clones),
 * through a serial tty (ftdi_sio, cdc_acm) or libftdi. Frames come from
 * pro_wire.c.
 *
 * Threads: configure() on the loading thread (no I/O); everything else on
 * the output thread of its own (dedicated_thread), except the status and
 * pro_output_input(), which any thread may call.
 *
 * The device comes and goes; the output does not. open() always succeeds:
 * connecting is this file's business, retried with back-off (0.5 s doubling
 * to 5 s). Nothing here waits long: tty writes are non-blocking and a frame
 * that does not fit stays pending (the newest frame replaces the one behind
 * it); a write that makes no progress for 2 s, or a widget that stops
 * answering the once-a-second parameter request, is a stall: reported,
 * closed, and reopened with back-off. Invariant: out_buf holds only whole
 * frames, so a frame is never cut except by closing the device.
 */
#include "outputs/dmx/output.h"
#include "dmxusb.h"
#include "pro_wire.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRO_MS (1000000ull)
#define PRO_STALL_NS (2000ull * PRO_MS)       /* no write progress / no reply */
#define PRO_HANDSHAKE_NS (1000ull * PRO_MS)   /* first reply expected within */
#define PRO_PING_NS (1000ull * PRO_MS)        /* parameter request while idle */
#define PRO_KEEPALIVE_NS (1000ull * PRO_MS)   /* resend unchanged DMX */
#define PRO_RETRY_WRITE_NS (2ull * PRO_MS)    /* pending bytes: try again */
#define PRO_FTDI_READ_NS (10ull * PRO_MS)     /* libftdi has no fd to poll */

struct pro_output {
	struct gl_output_status status;   /* first: see output.h */
	/* options (pro_opts), fixed at configure() */
	char device[256];
	int universe;
	int input_universe;          /* 0 = the input is not read */
	int slot_count;              /* slots sent, 24..512 */
	int break_us, mab_us, rate;
	bool want_break, want_mab, want_rate;
	uint8_t break_units, mab_units, rate_hz;

	/* runtime, output thread */
	struct dmxusb_transport *t;
	int frame_index;             /* gl_frame_slots()'s cache */
	struct dmxusb_backoff backoff;
	struct pro_parser parser;
	uint64_t last_now;
	uint64_t connected_ns;
	bool answered;               /* this connection answered get-params */
	bool ever_answered;          /* some connection did: silence is a stall */
	bool warned_silent;
	bool params_set;             /* set-params sent on this connection */
	uint64_t ping_sent_ns;       /* outstanding get-params, 0 none */
	uint64_t next_ping_ns;
	uint64_t progress_ns;        /* last write progress (or queue start) */
	uint8_t out_buf[2 * PRO_FRAME_MAX];
	size_t out_len;              /* whole frames queued, out_off written */
	size_t out_off;
	uint8_t slots[GL_DMX_SLOTS];
	bool have_frame, dirty;
	uint64_t next_keepalive_ns;
	uint64_t disconnects;

	/* what the widget told us */
	struct pro_params params;
	char widget_serial[9];
	uint8_t hw_version;

	/* input (label 5), read by any thread */
	pthread_mutex_t in_lock;
	uint8_t in_slots[GL_DMX_SLOTS];
	int in_count;
	uint64_t in_frames;

};

static struct pro_output *to_pro(struct gl_output *out)
{
	return (struct pro_output *)out;
}

/* ---- options ------------------------------------------------------------ */

static const struct gl_opt pro_opts[] = {
	{ "device", GL_OPT_TEXT, 1, 255, "auto", GL_OPT_AT(struct pro_output, device),
	  .help = "\"auto\", a serial number, a path like /dev/ttyUSB0, or a libftdi "
	  "string \"s:0x0403:0x6001:SERIAL\"" },
	/* The widget counts in 10.67 µs units, 9..127: 96..1355 µs. */
	{ "break_us", GL_OPT_INT, 96, 1355, .def_help = "the widget's",
	  GL_OPT_AT(struct pro_output, break_us), GL_OPT_GIVEN(struct pro_output, want_break),
	  .help = "BREAK in µs, written to the widget when it differs" },
	{ "mab_us", GL_OPT_INT, 11, 1355, .def_help = "the widget's",
	  GL_OPT_AT(struct pro_output, mab_us), GL_OPT_GIVEN(struct pro_output, want_mab),
	  .help = "mark after break in µs, written to the widget when it differs" },
	{ "rate", GL_OPT_INT, PRO_RATE_MIN, PRO_RATE_MAX, .def_help = "the widget's",
	  GL_OPT_AT(struct pro_output, rate), GL_OPT_GIVEN(struct pro_output, want_rate),
	  .help = "the widget's own output rate, frames/s" },
	{ "slots", GL_OPT_INT, 24, GL_DMX_SLOTS, GL_OPT_STR(GL_DMX_SLOTS),
	  GL_OPT_AT(struct pro_output, slot_count), .help = "slots sent per frame" },
	{ "input_universe", GL_OPT_INT, GL_UNIVERSE_MIN, GL_UNIVERSE_MAX, .def_help = "none",
	  GL_OPT_AT(struct pro_output, input_universe),
	  .help = "read the widget's DMX in as this input universe" },
	{ NULL },
};

static const struct gl_opt_table pro_options = {
	"enttec-pro", "Enttec DMX USB Pro and compatibles (tty or libftdi)", pro_opts,
};

static void pro_free(struct pro_output *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->in_lock);
	free(p);
}

extern const struct gl_output_ops gl_output_enttec_pro;

static struct gl_output *pro_configure(const struct gl_output_config *cfg,
				       char *err, size_t err_len)
{
	struct pro_output *p = gl_output_new(&gl_output_enttec_pro, cfg, sizeof *p, err, err_len);

	if (!p)
		return NULL;
	pthread_mutex_init(&p->in_lock, NULL);
	p->universe = cfg->universes[0];
	p->frame_index = -1;
	p->break_units = pro_break_units((unsigned)p->break_us);
	p->mab_units = pro_mab_units((unsigned)p->mab_us);
	p->rate_hz = (uint8_t)p->rate;
	return (struct gl_output *)p;
}

/* ---- connection --------------------------------------------------------- */

static void pro_disconnect(struct pro_output *p, uint64_t now_ns, const char *why)
{
	dmxusb_transport_close(p->t);
	p->t = NULL;
	p->out_len = p->out_off = 0;
	p->disconnects++;
	/* no device, no input signal: the show's input stops merging */
	pthread_mutex_lock(&p->in_lock);
	if (p->in_count) {
		p->in_count = 0;
		p->in_frames++;
	}
	pthread_mutex_unlock(&p->in_lock);
	gl_count(&p->status.send_errors, 1);
	dmxusb_backoff_fail_report(&p->backoff, &p->status.error, now_ns, "enttec-pro %s: %s",
				   p->device, why);
}

/* Appends a whole frame to out_buf when it fits; false when it does not
 * (the caller retries once the pending bytes have gone). */
static bool queue_frame(struct pro_output *p, const uint8_t *frame, int len, uint64_t now_ns)
{
	if (len <= 0)
		return false;
	if (p->out_off > 0) {
		memmove(p->out_buf, p->out_buf + p->out_off, p->out_len - p->out_off);
		p->out_len -= p->out_off;
		p->out_off = 0;
	}
	if (p->out_len + (size_t)len > sizeof p->out_buf)
		return false;
	if (p->out_len == 0)
		p->progress_ns = now_ns;   /* the stall clock starts with the queue */
	memcpy(p->out_buf + p->out_len, frame, (size_t)len);
	p->out_len += (size_t)len;
	return true;
}

static void queue_request(struct pro_output *p, int (*build)(uint8_t *, size_t),
			  uint64_t now_ns)
{
	uint8_t buf[16];

	queue_frame(p, buf, build(buf, sizeof buf), now_ns);
}

static void pro_connect(struct pro_output *p, uint64_t now_ns)
{
	char transport[8], path[192], err[256] = "", first_err[256] = "";

	/* "auto" with two widgets: when the first is taken (another output,
	 * another program), the next candidate is tried. */
	for (int nth = 0; nth < 8 && !p->t; nth++) {
		if (dmxusb_resolve(p->device, true, nth, transport, sizeof transport, path,
				   sizeof path, err, sizeof err) != 0) {
			if (nth == 0)
				snprintf(first_err, sizeof first_err, "%s", err);
			break;
		}
		p->t = strcmp(transport, "usb") == 0 ? dmxusb_ftdi_open(path, err, sizeof err)
						     : dmxusb_tty_open(path, err, sizeof err);
		if (!p->t && nth == 0)
			snprintf(first_err, sizeof first_err, "%s", err);
	}
	if (!p->t) {
		dmxusb_backoff_fail_report(&p->backoff, &p->status.error, now_ns, "enttec-pro: %s",
					   first_err);
		return;
	}
	pro_parser_init(&p->parser);
	p->out_len = p->out_off = 0;
	p->connected_ns = now_ns;
	p->answered = false;
	p->warned_silent = false;
	p->params_set = false;
	/* The handshake: parameters (also the liveness ping), the serial, and
	 * with an input universe, every received frame rather than changes. */
	queue_request(p, pro_wire_get_params, now_ns);
	p->ping_sent_ns = now_ns;
	p->next_ping_ns = now_ns + PRO_PING_NS;
	queue_request(p, pro_wire_get_serial, now_ns);
	if (p->input_universe) {
		uint8_t buf[16];

		queue_frame(p, buf, pro_wire_rx_on_change(buf, sizeof buf, false), now_ns);
	}
	p->dirty = p->have_frame;    /* the device gets the current look at once */
	gl_report_clear(&p->status.error);
}

/* Writes pending bytes, then the newest DMX when it is due. Returns 0, or
 * GL_EIO when the device was dropped (gone or stalled). */
static int pro_pump(struct pro_output *p, uint64_t now_ns)
{
	char err[256];

	for (int round = 0; round < 2 && p->t; round++) {
		if (p->out_off == p->out_len && (p->dirty || now_ns >= p->next_keepalive_ns) &&
		    p->have_frame) {
			uint8_t frame[PRO_FRAME_MAX];
			int len = pro_wire_tx_dmx(frame, sizeof frame, 0x00, p->slots,
						  (size_t)p->slot_count);

			if (queue_frame(p, frame, len, now_ns)) {
				p->dirty = false;
				p->next_keepalive_ns = now_ns + PRO_KEEPALIVE_NS;
				gl_count(&p->status.packets_sent, 1);
			}
		}
		if (p->out_off == p->out_len)
			return 0;
		int n = dmxusb_transport_write(p->t, p->out_buf + p->out_off,
					       p->out_len - p->out_off, err, sizeof err);

		if (n < 0) {
			pro_disconnect(p, now_ns, err);
			return GL_EIO;
		}
		if (n > 0) {
			p->out_off += (size_t)n;
			p->progress_ns = now_ns;
		}
		if (p->out_off < p->out_len) {
			if (now_ns - p->progress_ns >= PRO_STALL_NS) {
				pro_disconnect(p, now_ns, "stalled: the widget takes no data");
				return GL_EIO;
			}
			return GL_EAGAIN;
		}
		p->out_len = p->out_off = 0;
	}
	return 0;
}

static void pro_handle(struct pro_output *p, const struct pro_msg *m, uint64_t now_ns)
{
	struct pro_params params;
	uint32_t serial;
	uint8_t rx_status, start_code;
	const uint8_t *slots;
	size_t count;

	gl_count(&p->status.packets_received, 1);
	if (pro_wire_parse_params(m, &params) == 0) {
		p->params = params;
		p->answered = p->ever_answered = true;
		p->ping_sent_ns = 0;
		if (!p->params_set && ((p->want_break && params.break_units != p->break_units) ||
				       (p->want_mab && params.mab_units != p->mab_units) ||
				       (p->want_rate && params.rate_hz != p->rate_hz))) {
			struct pro_params want = params;
			uint8_t buf[16];

			if (p->want_break)
				want.break_units = p->break_units;
			if (p->want_mab)
				want.mab_units = p->mab_units;
			if (p->want_rate)
				want.rate_hz = p->rate_hz;
			/* Only when different: some widgets keep parameters in
			 * flash, which should not be rewritten at every start. */
			queue_frame(p, buf, pro_wire_set_params(buf, sizeof buf, &want), now_ns);
			queue_request(p, pro_wire_get_params, now_ns);
			p->ping_sent_ns = now_ns;
			p->params_set = true;
		}
	} else if (pro_wire_parse_serial(m, &serial) == 0) {
		pro_serial_format(serial, p->widget_serial);
	} else if (pro_wire_parse_hw_version(m, &p->hw_version) == 0) {
		/* recorded for display */
	} else if (pro_wire_parse_rx_dmx(m, &rx_status, &start_code, &slots, &count) == 0) {
		if (start_code != 0x00 || (rx_status & (PRO_RX_QUEUE_OVERFLOW | PRO_RX_OVERRUN)))
			return;   /* not dimmer data, or a frame the widget says is damaged */
		pthread_mutex_lock(&p->in_lock);
		memcpy(p->in_slots, slots, count);
		memset(p->in_slots + count, 0, GL_DMX_SLOTS - count);
		p->in_count = (int)count;
		p->in_frames++;
		pthread_mutex_unlock(&p->in_lock);
	} else if (m->label != PRO_LABEL_SET_PARAMS && m->label != PRO_LABEL_TX_DMX) {
		gl_count(&p->status.packets_malformed, 1);
	}
}

/* Reads what the widget sent; false when the device was dropped. */
static bool pro_read(struct pro_output *p, uint64_t now_ns)
{
	uint8_t buf[1024];
	char err[256];
	struct pro_msg msg;
	uint64_t garbage = p->parser.garbage_bytes;

	/* Bounded: a widget streaming input cannot keep this thread here. */
	for (int round = 0; round < 16 && p->t; round++) {
		int n = dmxusb_transport_read(p->t, buf, sizeof buf, err, sizeof err);
		const uint8_t *in = buf;
		size_t left;

		if (n < 0) {
			pro_disconnect(p, now_ns, err);
			return false;
		}
		if (n == 0)
			break;
		left = (size_t)n;
		while (pro_parser_next(&p->parser, &in, &left, &msg))
			pro_handle(p, &msg, now_ns);
	}
	if (p->parser.garbage_bytes != garbage) {
		gl_count(&p->status.packets_malformed, 1);
		gl_report_set(&p->status.error, now_ns, "enttec-pro %s: %llu bytes of garbage from the widget ignored",
			 dmxusb_transport_name(p->t),
			 (unsigned long long)(p->parser.garbage_bytes - garbage));
	}
	return true;
}

/* Liveness: a widget that answered once must keep answering. */
static bool pro_check_alive(struct pro_output *p, uint64_t now_ns)
{
	if (!p->t)
		return false;
	if (!p->answered && !p->warned_silent && now_ns - p->connected_ns >= PRO_HANDSHAKE_NS) {
		if (p->ever_answered) {
			pro_disconnect(p, now_ns, "stalled: no reply to the parameter request");
			return false;
		}
		/* Never answered: perhaps a clone without requests; send anyway. */
		p->warned_silent = true;
		p->ping_sent_ns = 0;
		gl_report_set(&p->status.error, now_ns, "enttec-pro %s: no reply to the parameter request "
			 "(not a Pro-compatible widget?); sending DMX anyway",
			 dmxusb_transport_name(p->t));
	}
	if (p->ping_sent_ns && p->answered && now_ns - p->ping_sent_ns >= PRO_STALL_NS) {
		pro_disconnect(p, now_ns, "stalled: the widget stopped answering");
		return false;
	}
	if (p->ever_answered && !p->ping_sent_ns && now_ns >= p->next_ping_ns &&
	    p->out_off == p->out_len) {
		queue_request(p, pro_wire_get_params, now_ns);
		p->ping_sent_ns = now_ns;
		p->next_ping_ns = now_ns + PRO_PING_NS;
	}
	return true;
}

/* Without a device, a new attempt once the back-off allows it. Returns 0
 * when connected, GL_EAGAIN while waiting, GL_EIO when the attempt failed. */
static int pro_reconnect(struct pro_output *p, uint64_t now_ns)
{
	if (p->t)
		return 0;
	if (!dmxusb_backoff_due(&p->backoff, now_ns))
		return GL_EAGAIN;
	pro_connect(p, now_ns);
	return p->t ? 0 : GL_EIO;
}

/* ---- ops ---------------------------------------------------------------- */

static int pro_open(struct gl_output *out)
{
	struct pro_output *p = to_pro(out);
	uint64_t now = gl_now_ns();

	if (!p)
		return GL_EINVAL;
	p->last_now = now;
	dmxusb_backoff_reset(&p->backoff);
	pro_connect(p, now);
	if (p->t)
		pro_pump(p, now);
	/* Connected or not, the output is open: a missing device is retried
	 * here with back-off, not by the output thread's fixed retry. */
	return 0;
}

static int pro_send(struct gl_output *out, const struct gl_frame *frame, uint64_t now_ns)
{
	struct pro_output *p = to_pro(out);
	const uint8_t *slots;
	int rc;

	if (!p || !frame)
		return GL_EINVAL;
	p->last_now = now_ns;
	gl_count(&p->status.frames_sent, 1);
	slots = gl_frame_slots(frame, p->universe, &p->frame_index);
	if (slots) {
		if (!p->have_frame || memcmp(slots, p->slots, GL_DMX_SLOTS) != 0)
			p->dirty = true;
		memcpy(p->slots, slots, GL_DMX_SLOTS);
	} else if (!p->have_frame) {
		memset(p->slots, 0, GL_DMX_SLOTS);  /* a universe without fixtures is dark */
		p->dirty = true;
	}
	p->have_frame = true;
	rc = pro_reconnect(p, now_ns);
	if (rc != 0)
		return rc;
	if (!pro_read(p, now_ns) || !pro_check_alive(p, now_ns))
		return GL_EIO;
	return pro_pump(p, now_ns);
}

static void pro_service(struct gl_output *out, uint64_t now_ns)
{
	struct pro_output *p = to_pro(out);

	if (!p)
		return;
	p->last_now = now_ns;
	if (pro_reconnect(p, now_ns) != 0)
		return;
	if (pro_read(p, now_ns) && pro_check_alive(p, now_ns))
		pro_pump(p, now_ns);
}

static uint64_t pro_next_service_ns(struct gl_output *out)
{
	struct pro_output *p = to_pro(out);
	uint64_t next, floor_ns;

	if (!p)
		return 0;
	floor_ns = p->last_now + PRO_MS;   /* never a busy loop */
	if (!p->t)
		return p->backoff.next_try_ns > floor_ns ? p->backoff.next_try_ns : floor_ns;
	next = p->have_frame ? p->next_keepalive_ns : p->last_now + PRO_KEEPALIVE_NS;
	if (p->out_off < p->out_len && p->last_now + PRO_RETRY_WRITE_NS < next)
		next = p->last_now + PRO_RETRY_WRITE_NS;
	if (!p->answered && !p->warned_silent && p->connected_ns + PRO_HANDSHAKE_NS < next)
		next = p->connected_ns + PRO_HANDSHAKE_NS;
	if (p->ping_sent_ns && p->ping_sent_ns + PRO_STALL_NS < next)
		next = p->ping_sent_ns + PRO_STALL_NS;
	if (p->ever_answered && !p->ping_sent_ns && p->next_ping_ns < next)
		next = p->next_ping_ns;
	if (dmxusb_transport_fd(p->t) < 0 && p->last_now + PRO_FTDI_READ_NS < next)
		next = p->last_now + PRO_FTDI_READ_NS;
	return next > floor_ns ? next : floor_ns;
}

static int pro_poll_fd(struct gl_output *out)
{
	struct pro_output *p = to_pro(out);

	return p && p->t ? dmxusb_transport_fd(p->t) : -1;
}

static void pro_close(struct gl_output *out)
{
	struct pro_output *p = to_pro(out);

	if (!p)
		return;
	/* The widget holds the last look, as a console's output does when the
	 * desk is shut down. */
	dmxusb_transport_close(p->t);
	pro_free(p);
}

int pro_output_input(struct gl_output *out, uint8_t slots[512], uint64_t *frames)
{
	struct pro_output *p = to_pro(out);
	int n;

	if (!p)
		return GL_EINVAL;
	pthread_mutex_lock(&p->in_lock);
	memcpy(slots, p->in_slots, GL_DMX_SLOTS);
	n = p->in_count;
	if (frames)
		*frames = p->in_frames;
	pthread_mutex_unlock(&p->in_lock);
	return n;
}

static int pro_input(struct gl_output *out, int *universe, uint8_t slots[GL_DMX_SLOTS],
		     uint64_t *frames)
{
	struct pro_output *p = to_pro(out);

	if (!p || !p->input_universe)
		return GL_ENOENT;
	*universe = p->input_universe;
	return pro_output_input(out, slots, frames);
}

const struct gl_output_ops gl_output_enttec_pro = {
	.version = 1,
	.name = "enttec-pro",
	.max_universes = 1,
	.options = &pro_options,
	.configure = pro_configure,
	.open = pro_open,
	.send = pro_send,
	.close = pro_close,
	.poll_fd = pro_poll_fd,
	.service = pro_service,
	.next_service_ns = pro_next_service_ns,
	.input = pro_input,
	.dedicated_thread = true,
};
