/*
 * test_dmxusb_opendmx.c - the Open DMX output over a recording fake of
 * libftdi (the seam in outputs/dmxusb/opendmx.h): the setup calls and their
 * order, 250 kbaud 8N2, BREAK_ON / BREAK_OFF / write per frame with break
 * and MAB at least as wide as configured (measured from the fake's
 * timestamps, printed), the newest frame wins, the next break never comes
 * before the last frame's wire time, and a failing device is dropped and
 * reopened with growing back-off. Bounds, never wall-clock assertions.
 * The output a test configures is closed by teardown (close_output() in
 * the test when it wants the close itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "outputs/dmx/dmxusb/opendmx.h"
#include "outputs/dmx/output.h"

enum call_kind {
	C_NEW, C_FREE, C_OPEN, C_CLOSE, C_RESET, C_BAUD, C_LINE, C_FLOW, C_FLUSH, C_RTS, C_WRITE,
};

struct call {
	enum call_kind kind;
	uint64_t t_ns;
	int a, b, c, d;            /* arguments */
	char text[64];
	uint8_t data[513];
};

#define MAX_CALLS 4096
static struct call calls[MAX_CALLS];
static int call_count;
static int fail_opens;         /* usb_open_string fails this many times */
static int fail_writes;        /* write_data fails this many times */

static struct call *record(enum call_kind k)
{
	struct call *c = &calls[call_count < MAX_CALLS ? call_count++ : MAX_CALLS - 1];
	memset(c, 0, sizeof *c);
	c->kind = k;
	c->t_ns = gl_now_ns();
	return c;
}

static struct ftdi_context *f_new(void)
{
	record(C_NEW);
	return calloc(1, sizeof(struct ftdi_context));
}
static void f_free(struct ftdi_context *f)
{
	record(C_FREE);
	free(f);
}
static int f_open(struct ftdi_context *f, const char *s)
{
	snprintf(record(C_OPEN)->text, 64, "%s", s);
	if (fail_opens > 0) {
		fail_opens--;
		return -3;
	}
	return 0;
}
static int f_close(struct ftdi_context *f) { record(C_CLOSE); return 0; }
static int f_reset(struct ftdi_context *f) { record(C_RESET); return 0; }
static int f_baud(struct ftdi_context *f, int b) { record(C_BAUD)->a = b; return 0; }
static int f_line(struct ftdi_context *f, enum ftdi_bits_type bits, enum ftdi_stopbits_type sb,
		  enum ftdi_parity_type par, enum ftdi_break_type brk)
{
	struct call *c = record(C_LINE);
	c->a = bits;
	c->b = sb;
	c->c = par;
	c->d = brk;
	return 0;
}
static int f_flow(struct ftdi_context *f, int fl) { record(C_FLOW)->a = fl; return 0; }
static int f_flush(struct ftdi_context *f) { record(C_FLUSH); return 0; }
static int f_rts(struct ftdi_context *f, int s) { record(C_RTS)->a = s; return 0; }
static int f_write(struct ftdi_context *f, const unsigned char *buf, int size)
{
	struct call *c = record(C_WRITE);
	c->a = size;
	memcpy(c->data, buf, size > 513 ? 513 : (size_t)size);
	if (fail_writes > 0) {
		fail_writes--;
		return -1;
	}
	return size;
}
static const char *f_err(struct ftdi_context *f) { return "fake error"; }

static const struct opendmx_ftdi fake = {
	.version = 1, .new_ctx = f_new, .free_ctx = f_free, .usb_open_string = f_open,
	.usb_close = f_close, .usb_reset = f_reset, .set_baudrate = f_baud,
	.set_line_property2 = f_line, .setflowctrl = f_flow, .tcioflush = f_flush,
	.setrts = f_rts, .write_data = f_write, .get_error_string = f_err,
};

static struct gl_output *held;   /* the test's output, for teardown */
static const struct gl_output_ops *odmx(void);

static int setup(void **state)
{
	held = NULL;
	call_count = 0;
	fail_opens = fail_writes = 0;
	opendmx_set_ftdi(&fake);
	return 0;
}

static int teardown(void **state)
{
	if (held)
		odmx()->close(held);
	held = NULL;
	opendmx_set_ftdi(NULL);
	return 0;
}

static const struct gl_output_ops *odmx(void)
{
	const struct gl_output_ops *ops = gl_output_find("open-dmx");
	assert_non_null(ops);
	assert_true(ops->dedicated_thread);
	return ops;
}

static struct gl_output *configure(const char *const *kv, char *err, size_t err_len)
{
	static int universe = 1;
	struct gl_output_config cfg;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.type, sizeof cfg.type, "open-dmx");
	cfg.universes = &universe;
	cfg.universe_count = 1;
	for (int i = 0; kv && kv[i]; i += 2) {
		struct gl_option *o = &cfg.options[cfg.option_count++];
		snprintf(o->key, sizeof o->key, "%s", kv[i]);
		snprintf(o->value, sizeof o->value, "%s", kv[i + 1]);
	}
	held = odmx()->configure(&cfg, err, err_len);
	return held;
}

/* Configured with kv and opened; held for teardown. */
static struct gl_output *open_output(const char *const *kv)
{
	char err[256] = "";
	struct gl_output *o = configure(kv, err, sizeof err);

	if (!o)
		fail_msg("configure: %s", err);
	assert_int_equal(odmx()->open(o), 0);
	return o;
}

static void close_output(void)
{
	odmx()->close(held);
	held = NULL;
}

static void sleep_us(long us)
{
	struct timespec ts = { 0, us * 1000L };
	nanosleep(&ts, NULL);
}

/* Runs the output as its thread would: service() when due. */
static void run_until_writes(struct gl_output *o, int writes)
{
	for (int i = 0; i < 200000; i++) {
		int n = 0;
		for (int k = 0; k < call_count; k++)
			n += calls[k].kind == C_WRITE;
		if (n >= writes)
			return;
		uint64_t now = gl_now_ns(), due = odmx()->next_service_ns(o);
		if (due && due <= now)
			odmx()->service(o, now);
		else
			sleep_us(200);
	}
	fail_msg("fewer than %d writes", writes);
}

static int find(enum call_kind k, int from)
{
	for (int i = from; i < call_count; i++)
		if (calls[i].kind == k)
			return i;
	return -1;
}

static void test_configure_limits(void **state)
{
	char err[256];
	static const char *const short_break[] = { "break_us", "80", NULL };
	static const char *const short_mab[] = { "mab_us", "8", NULL };
	static const char *const fast[] = { "rate", "45", NULL };
	static const char *const too_fast_for_slots[] = { "rate", "44", "break_us", "1000", NULL };
	assert_null(configure(short_break, err, sizeof err));
	assert_non_null(strstr(err, "break_us"));
	assert_null(configure(short_mab, err, sizeof err));
	assert_non_null(strstr(err, "mab_us"));
	assert_null(configure(fast, err, sizeof err));
	assert_null(configure(too_fast_for_slots, err, sizeof err));
	assert_non_null(strstr(err, "too fast"));
}

static void test_setup_order_and_line(void **state)
{
	static const char *const kv[] = { "device", "s:0x0403:0x6001:A1B2C3", NULL };
	struct gl_output *o = open_output(kv);
	static const enum call_kind order[] = {
		C_NEW, C_OPEN, C_RESET, C_BAUD, C_LINE, C_FLOW, C_FLUSH, C_RTS,
	};
	assert_int_equal(call_count, (int)(sizeof order / sizeof order[0]));
	for (int i = 0; i < call_count; i++)
		assert_int_equal(calls[i].kind, order[i]);
	assert_string_equal(calls[1].text, "s:0x0403:0x6001:A1B2C3");
	assert_int_equal(calls[3].a, 250000);
	assert_int_equal(calls[4].a, BITS_8);
	assert_int_equal(calls[4].b, STOP_BIT_2);
	assert_int_equal(calls[4].c, NONE);
	assert_int_equal(calls[4].d, BREAK_OFF);
	assert_int_equal(calls[5].a, SIO_DISABLE_FLOW_CTRL);
	assert_int_equal(calls[7].a, 0);          /* RTS low */
	assert_string_equal(GL_REPORT_TEXT(&gl_output_status(o)->error), "");
	close_output();
	assert_int_equal(calls[call_count - 2].kind, C_CLOSE);
	assert_int_equal(calls[call_count - 1].kind, C_FREE);
}

static void test_break_mab_widths_and_frames(void **state)
{
	static const char *const kv[] = {
		"device", "s:0x0403:0x6001:A1", "break_us", "120", "mab_us", "20", NULL
	};
	struct gl_output *o = open_output(kv);
	int setup_calls = call_count;

	uint8_t dmx[512];
	int numbers[1] = { 1 };
	for (int i = 0; i < 512; i++)
		dmx[i] = (uint8_t)(i + 1);
	struct gl_frame fr = { .tick = 1, .universe_count = 1, .numbers = numbers, .dmx = dmx };
	uint64_t t0 = gl_now_ns();
	odmx()->send(o, &fr, t0);       /* the first frame goes out at once */
	/* two newer frames before the next one is due (same instant t0, so
	 * not due whatever the machine's load): the newest wins */
	dmx[0] = 0xBB;
	fr.tick = 2;
	odmx()->send(o, &fr, t0);
	dmx[0] = 0xAA;
	fr.tick = 3;
	odmx()->send(o, &fr, t0);
	run_until_writes(o, 12);

	double min_break = 1e9, max_break = 0, sum_break = 0, min_mab = 1e9, max_mab = 0, sum_mab = 0;
	int frames = 0, at = setup_calls;
	uint64_t prev_write = 0, min_gap = UINT64_MAX;
	for (;;) {
		int on = find(C_LINE, at);
		if (on < 0)
			break;
		int off = on + 1, wr = on + 2;
		assert_true(wr < call_count);
		assert_int_equal(calls[on].d, BREAK_ON);
		assert_int_equal(calls[off].kind, C_LINE);
		assert_int_equal(calls[off].d, BREAK_OFF);
		assert_int_equal(calls[off].b, STOP_BIT_2);
		assert_int_equal(calls[wr].kind, C_WRITE);
		assert_int_equal(calls[wr].a, 513);
		assert_int_equal(calls[wr].data[0], 0x00);         /* start code */
		assert_int_equal(calls[wr].data[1], frames == 0 ? 1 : 0xAA);
		assert_int_equal(calls[wr].data[512], 512 & 0xff);
		double brk = (double)(calls[off].t_ns - calls[on].t_ns) / 1e3;
		double mab = (double)(calls[wr].t_ns - calls[off].t_ns) / 1e3;
		/* behaviour: never shorter than configured */
		assert_true(brk >= 120.0);
		assert_true(mab >= 20.0);
		if (prev_write) {
			/* the next break waits for the last frame's 513 slots */
			uint64_t gap = calls[on].t_ns - prev_write;
			assert_true(gap >= 513 * OPENDMX_SLOT_NS);
			if (gap < min_gap)
				min_gap = gap;
		}
		prev_write = calls[wr].t_ns;
		min_break = brk < min_break ? brk : min_break;
		max_break = brk > max_break ? brk : max_break;
		min_mab = mab < min_mab ? mab : min_mab;
		max_mab = mab > max_mab ? mab : max_mab;
		sum_break += brk;
		sum_mab += mab;
		frames++;
		at = wr + 1;
	}
	assert_true(frames >= 12);
	printf("# open-dmx over %d frames: break %.1f/%.1f/%.1f us (min/mean/max, asked 120), "
	       "MAB %.1f/%.1f/%.1f us (asked 20), shortest write-to-break %.2f ms\n",
	       frames, min_break, sum_break / frames, max_break, min_mab, sum_mab / frames, max_mab,
	       (double)min_gap / 1e6);
	assert_int_equal(gl_output_status(o)->packets_sent, (uint64_t)frames);
	close_output();
}

static void test_failure_dropped_and_reopened_with_backoff(void **state)
{
	static const char *const kv[] = { "device", "s:0x0403:0x6001:A1", NULL };
	struct gl_output *o = open_output(kv);
	uint8_t dmx[512] = { 7 };
	int numbers[1] = { 1 };
	struct gl_frame fr = { .tick = 1, .universe_count = 1, .numbers = numbers, .dmx = dmx };

	fail_writes = 1;      /* the cable is pulled during a frame */
	fail_opens = 2;       /* and stays out for two attempts */
	odmx()->send(o, &fr, gl_now_ns());
	assert_non_null(strstr(GL_REPORT_TEXT(&gl_output_status(o)->error), "write failed"));
	assert_int_equal(gl_output_status(o)->send_errors, 1);
	int closed = find(C_CLOSE, 0);
	assert_true(closed >= 0);

	run_until_writes(o, 2);   /* reopened, and a frame went out */
	assert_string_equal(GL_REPORT_TEXT(&gl_output_status(o)->error), "");
	/* three opens after the drop: two failed, one worked; each waited at
	 * least its back-off (0.5 s, then 1 s) after the previous failure */
	int o1 = find(C_OPEN, closed), o2 = find(C_OPEN, o1 + 1), o3 = find(C_OPEN, o2 + 1);
	assert_true(o1 > 0 && o2 > 0 && o3 > 0);
	assert_true(calls[o1].t_ns - calls[closed].t_ns >= 500000000ull);
	assert_true(calls[o2].t_ns - calls[o1].t_ns >= 1000000000ull);
	assert_true(calls[o3].t_ns - calls[o2].t_ns >= 2000000000ull);
	close_output();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configure_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_order_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_break_mab_widths_and_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_dropped_and_reopened_with_backoff,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
