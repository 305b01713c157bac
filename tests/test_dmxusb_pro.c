/*
 * test_dmxusb_pro.c - the Enttec Pro output against the widget emulator on
 * a pty (tests/tools/pro_widget_emu.c): handshake and parameters, DMX that
 * arrives byte for byte, garbage from the widget rejected without harm,
 * received DMX as input, a stalled widget reported and recovered, and
 * unplug / re-plug under a running engine while a second output on another
 * thread keeps receiving every frame. Discovery (device = "auto" and serial
 * numbers) runs on a fake sysfs. Waits are bounded, never timed assertions.
 * What a test starts (emulator, outputs, engine, output threads, the fake
 * sysfs) is kept in its state and stopped by teardown, so a test that fails
 * half-way leaves no thread running into the next one.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "outputs/dmx/dmxusb/dmxusb.h"
#include "outputs/dmx/outthread.h"
#include "tools/pro_widget_emu.h"
#include "tools/out_test.h"

#define EMU_SERIAL 0x12345678u

static char tmpdir[32];
static char link_path[64];

struct gl_output;

/* What a test started, for teardown to stop in order: the engine thread,
 * the output threads (which close their outputs), an output the test
 * drives itself, the recording output and the widget emulator. */
struct run {
	struct pro_emu *emu;
	struct gl_output *pro;          /* driven by the test (no thread) */
	struct gl_engine *e;
	struct gl_outthread *t1, *t2;
	struct gl_output *rec;          /* the recording output (t2's) */
	bool env;                       /* GHOSTLIGHT_SYSFS / _DEVDIR set */
};

static void rec_free(struct gl_output *rec);

static int setup(void **state)
{
	struct run *r = calloc(1, sizeof *r);

	if (!r || scratch_make(tmpdir, sizeof tmpdir, "gl-dmxusb") != 0) {
		free(r);
		return -1;
	}
	snprintf(link_path, sizeof link_path, "%s/widget", tmpdir);
	*state = r;
	return 0;
}

static const struct gl_output_ops *pro_ops(void);

static int teardown(void **state)
{
	struct run *r = *state;

	if (r->e)
		gl_engine_stop(r->e);
	gl_outthread_stop(r->t1);
	gl_outthread_stop(r->t2);
	if (r->pro)
		pro_ops()->close(r->pro);
	if (r->e)
		gl_engine_destroy(r->e);
	if (r->rec)
		rec_free(r->rec);
	if (r->emu)
		pro_emu_stop(r->emu);
	if (r->env) {
		unsetenv("GHOSTLIGHT_SYSFS");
		unsetenv("GHOSTLIGHT_DEVDIR");
	}
	free(r);
	return scratch_remove(tmpdir);
}

/* The widget emulator at link_path, stopped by teardown. */
static struct pro_emu *start_emu(struct run *r)
{
	r->emu = pro_emu_start(link_path, EMU_SERIAL);
	assert_non_null(r->emu);
	return r->emu;
}

static const struct gl_output_ops *pro_ops(void)
{
	const struct gl_output_ops *ops = gl_output_find("enttec-pro");
	assert_non_null(ops);
	assert_true(ops->dedicated_thread);
	return ops;
}

static struct gl_output_config make_config(int *universes, int count)
{
	struct gl_output_config cfg;
	memset(&cfg, 0, sizeof cfg);
	snprintf(cfg.name, sizeof cfg.name, "desk");
	snprintf(cfg.type, sizeof cfg.type, "enttec-pro");
	cfg.universes = universes;
	cfg.universe_count = count;
	return cfg;
}

static void add_option(struct gl_output_config *cfg, const char *key, const char *value)
{
	struct gl_option *o = &cfg->options[cfg->option_count++];
	snprintf(o->key, sizeof o->key, "%s", key);
	snprintf(o->value, sizeof o->value, "%s", value);
	o->line = 7;
}

static struct gl_output *configure_pro(const char *device, const char *k1, const char *v1)
{
	static int universe = 3;
	struct gl_output_config cfg = make_config(&universe, 1);
	char err[256] = "";
	add_option(&cfg, "device", device);
	if (k1)
		add_option(&cfg, k1, v1);
	struct gl_output *out = pro_ops()->configure(&cfg, err, sizeof err);
	if (!out)
		fail_msg("configure: %s", err);
	return out;
}

/* The Pro at device, configured and opened; driven by the test, closed by
 * teardown. */
static struct gl_output *open_pro(struct run *r, const char *device, const char *k1,
				  const char *v1)
{
	r->pro = configure_pro(device, k1, v1);
	assert_int_equal(pro_ops()->open(r->pro), 0);
	return r->pro;
}

/* Drives a driver without an output thread: service() every ms until
 * cond holds, for at most 20 s (a bound, not a timing). */
#define DRIVE_UNTIL(out, cond)                                                    \
	do {                                                                      \
		for (int i_ = 0; i_ < 10000 && !(cond); i_++) {                   \
			pro_ops()->service((out), gl_now_ns());                   \
			out_test_sleep_ms(2);                                     \
		}                                                                 \
		assert_true(cond);                                                \
	} while (0)

static uint64_t engine_tick(struct gl_engine *e)
{
	struct gl_snapshot s = { 0 };
	assert_int_equal(gl_engine_snapshot(e, &s), 0);
	return s.tick;
}

static int emu_frames(struct pro_emu *e)
{
	struct pro_emu_stats st;
	pro_emu_stats(e, &st);
	return st.frames;
}

static bool emu_last_is(struct pro_emu *e, const uint8_t *slots)
{
	struct pro_emu_frame f;
	return pro_emu_frame(e, -1, &f) == 0 && f.start_code == 0 && f.slot_count == 512 &&
	       memcmp(f.slots, slots, 512) == 0;
}

static struct gl_frame one_universe_frame(int number, uint8_t *dmx, uint64_t tick)
{
	static int numbers[1];
	numbers[0] = number;
	return (struct gl_frame){ .tick = tick, .universe_count = 1, .numbers = numbers, .dmx = dmx };
}

static void test_configure_checks(void **state)
{
	int two[2] = { 1, 2 }, one = 1;
	char err[256];
	struct gl_output_config cfg = make_config(two, 2);
	assert_null(pro_ops()->configure(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "one universe"));

	cfg = make_config(&one, 1);
	add_option(&cfg, "break_us", "50");
	assert_null(pro_ops()->configure(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "break_us: must be a whole number 96..1355, not \"50\""));

	cfg = make_config(&one, 1);
	add_option(&cfg, "rate", "41");
	assert_null(pro_ops()->configure(&cfg, err, sizeof err));

	cfg = make_config(&one, 1);
	add_option(&cfg, "devcie", "auto");
	assert_null(pro_ops()->configure(&cfg, err, sizeof err));
	assert_non_null(strstr(err, "unknown option 'devcie'"));

	cfg = make_config(&one, 1);   /* all defaults: device = "auto" */
	struct gl_output *out = pro_ops()->configure(&cfg, err, sizeof err);
	assert_non_null(out);
	pro_ops()->close(out);        /* never opened: frees */
}

static void test_handshake_params_and_frames(void **state)
{
	struct run *r = *state;
	struct pro_emu *e = start_emu(r);
	struct gl_output *out = open_pro(r, link_path, "break_us", "200");
	const struct gl_output_ops *ops = pro_ops();
	struct pro_emu_stats st;

	assert_string_equal(GL_REPORT_TEXT(&gl_output_status(out)->error), "");
	/* asked for parameters and serial; break differs from the widget's
	 * 9 units, so it is set (200 µs -> 19 units), and read back */
	DRIVE_UNTIL(out, (pro_emu_stats(e, &st), st.set_params == 1 && st.get_params >= 2));
	assert_true(st.get_serial >= 1);
	assert_int_equal(st.break_units, 19);
	assert_int_equal(st.mab_units, 1);     /* not configured: left alone */
	assert_int_equal(st.rate_hz, 40);

	uint8_t dmx[512];
	for (int i = 0; i < 512; i++)
		dmx[i] = (uint8_t)(255 - i);
	struct gl_frame fr = one_universe_frame(3, dmx, 1);
	ops->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_frames(e) >= 1);
	assert_true(emu_last_is(e, dmx));

	/* the newest frame follows, byte for byte */
	dmx[0] = 1;
	dmx[511] = 0x7E;   /* framing bytes inside the data */
	dmx[100] = 0xE7;
	fr.tick = 2;
	ops->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_frames(e) >= 2);
	assert_true(emu_last_is(e, dmx));
	pro_emu_stats(e, &st);
	assert_int_equal(st.bad_frames, 0);
	assert_int_equal(st.unknown_labels, 0);
	assert_string_equal(GL_REPORT_TEXT(&gl_output_status(out)->error), "");

	/* a second opener is refused while we hold the port */
	struct dmxusb_device d = { .transport = "tty" };
	snprintf(d.path, sizeof d.path, "%s", link_path);
	assert_int_equal(dmxusb_probe(&d, 200), GL_EIO);   /* root too: flock */
	assert_non_null(strstr(d.state, "in use"));
}

static void test_garbage_rejected_and_input(void **state)
{
	struct run *r = *state;
	struct pro_emu *e = start_emu(r);
	struct gl_output *out = open_pro(r, link_path, "input_universe", "9");
	const struct gl_output_ops *ops = pro_ops();
	struct pro_emu_stats st;

	DRIVE_UNTIL(out, (pro_emu_stats(e, &st), st.get_params >= 1 && st.rx_mode == 1));
	assert_int_equal(st.rx_on_change, 0);   /* every received frame, not changes */

	/* garbage: random bytes, start bytes with absurd lengths, a frame
	 * with a wrong end byte, an unknown label */
	uint8_t junk[4096];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	for (size_t i = 0; i < sizeof junk; i += 97)
		junk[i] = 0x7E;
	pro_emu_inject(e, junk, sizeof junk);
	static const uint8_t bad[] = { 0x7E, 6, 0xFF, 0x7F, 0x7E, 3, 1, 0, 9, 0x00,
				       0x7E, 99, 1, 0, 5, 0xE7 };
	pro_emu_inject(e, bad, sizeof bad);
	/* then received DMX, which must come through intact */
	uint8_t in[512];
	for (int i = 0; i < 512; i++)
		in[i] = (uint8_t)(i * 3);
	pro_emu_send_rx_dmx(e, 0, in, 512);
	uint8_t got[512];
	uint64_t frames = 0;
	DRIVE_UNTIL(out, pro_output_input(out, got, &frames) == 512 && frames >= 1 &&
			 memcmp(got, in, 512) == 0);
	assert_true(gl_output_status(out)->packets_malformed > 0);

	/* a frame the widget flags as overrun is not taken as input */
	uint8_t other[24] = { 1, 2, 3 };
	pro_emu_send_rx_dmx(e, 0x02, other, 24);
	pro_emu_send_rx_dmx(e, 0, other, 24);
	DRIVE_UNTIL(out, pro_output_input(out, got, &frames) == 24);
	assert_int_equal(frames, 2);
	assert_int_equal(got[2], 3);
	assert_int_equal(got[30], 0);

	/* and output still works */
	uint8_t dmx[512];
	memset(dmx, 0x5A, sizeof dmx);
	struct gl_frame fr = one_universe_frame(3, dmx, 1);
	ops->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_last_is(e, dmx));
}

static void test_stall_reported_and_recovered(void **state)
{
	struct run *r = *state;
	struct pro_emu *e = start_emu(r);
	struct gl_output *out = open_pro(r, link_path, NULL, NULL);
	const struct gl_output_ops *ops = pro_ops();
	struct pro_emu_stats st;
	uint8_t dmx[512] = { 10, 20, 30 };
	struct gl_frame fr = one_universe_frame(3, dmx, 1);

	ops->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_last_is(e, dmx));
	DRIVE_UNTIL(out, (pro_emu_stats(e, &st), st.get_params >= 1));

	pro_emu_set_stall(e, true);
	/* keep sending changing frames: none may block this thread for long */
	for (int i = 0; i < 10000 && !strstr(GL_REPORT_TEXT(&gl_output_status(out)->error), "stalled"); i++) {
		dmx[0] = (uint8_t)i;
		uint64_t before = gl_now_ns();
		ops->send(out, &fr, before);
		ops->service(out, gl_now_ns());
		out_test_sleep_ms(2);
	}
	printf("# stall reported: %s\n", GL_REPORT_TEXT(&gl_output_status(out)->error));
	assert_non_null(strstr(GL_REPORT_TEXT(&gl_output_status(out)->error), "stalled"));
	uint64_t errors = gl_output_status(out)->send_errors;
	assert_true(errors >= 1);

	pro_emu_set_stall(e, false);
	dmx[0] = 200;
	dmx[1] = 201;
	ops->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_last_is(e, dmx) && GL_REPORT_TEXT(&gl_output_status(out)->error)[0] == '\0');
}

/* ---- unplug under a running engine -------------------------------------- */

struct gl_output {            /* the recording output (a test double) */
	struct gl_output_status st;   /* first, as output.h asks */
	atomic_int frames;
	pthread_mutex_t lock;
	uint8_t last[512];
};

static int rec_open(struct gl_output *o) { return 0; }
static void rec_close(struct gl_output *o) { }

static int rec_send(struct gl_output *o, const struct gl_frame *fr, uint64_t now)
{
	pthread_mutex_lock(&o->lock);
	memcpy(o->last, fr->dmx, 512);
	pthread_mutex_unlock(&o->lock);
	atomic_fetch_add(&o->frames, 1);
	return 0;
}

static const struct gl_output_ops rec_ops = {
	.version = 1, .name = "record", .open = rec_open, .send = rec_send,
	.close = rec_close,
};

/* The recording output, on the heap (an output thread uses it until
 * teardown has stopped that thread). */
static struct gl_output *rec_new(struct run *r)
{
	r->rec = calloc(1, sizeof *r->rec);
	assert_non_null(r->rec);
	pthread_mutex_init(&r->rec->lock, NULL);
	return r->rec;
}

static void rec_free(struct gl_output *rec)
{
	pthread_mutex_destroy(&rec->lock);
	free(rec);
}

static bool emu_matches_engine(struct pro_emu *e, struct gl_output *rec)
{
	uint8_t want[512];
	pthread_mutex_lock(&rec->lock);
	memcpy(want, rec->last, 512);
	pthread_mutex_unlock(&rec->lock);
	return want[0] != 0 && emu_last_is(e, want);
}

static struct gl_engine *engine_with_look_input(int input_universe);

static struct gl_engine *engine_with_look(void)
{
	return engine_with_look_input(0);
}

/* Four dimmers on universe 3 at 255 191 128 64; with input_universe, that
 * input merges HTP into universe 3. */
static struct gl_engine *engine_with_look_input(int input_universe)
{
	struct gl_engine_config cfg = { .rate_hz = 100 };
	struct gl_engine *e = gl_engine_create(&cfg);
	struct gl_fixture_type t = { .name = "dimmer", .channel_count = 1 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	struct gl_cue_change ch[4];
	for (int i = 0; i < 4; i++) {
		char label[16];
		snprintf(label, sizeof label, "dim %d", i + 1);
		int f = gl_engine_add_fixture(e, &t, label, 3, 1 + i, NULL);
		assert_true(f >= 0);
		ch[i] = (struct gl_cue_change){ gl_engine_param(e, f, GL_ATTR_INTENSITY),
						1.0f - 0.25f * (float)i };
	}
	int list = gl_engine_add_cuelist(e, "Main", false);
	struct gl_cue_def d;
	gl_cue_def_init(&d);
	d.number = 1;
	snprintf(d.number_text, sizeof d.number_text, "1");
	d.changes = ch;
	d.change_count = 4;
	assert_int_equal(gl_engine_add_cue(e, list, &d), 0);
	if (input_universe)
		assert_int_equal(gl_engine_add_input(e, input_universe, 3), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_cmd go = { .type = GL_CMD_GO, .list = list };
	assert_int_equal(gl_engine_command(e, &go), 0);
	return e;
}

/* As `play` does: the Pro on a thread and tap of its own, the recording
 * output on another; then the engine starts. */
static void start_threads(struct run *r, struct gl_output *pro)
{
	struct gl_outthread_output pro_out[] = { { pro_ops(), pro, NULL } };
	struct gl_outthread_output rec_out[] = { { &rec_ops, rec_new(r), NULL } };
	char err[128];

	r->t1 = gl_outthread_start(gl_engine_add_tap(r->e), pro_out, 1, err, sizeof err);
	if (!r->t1)
		pro_ops()->close(pro);       /* not taken: ours to free */
	assert_non_null(r->t1);
	r->t2 = gl_outthread_start(gl_engine_add_tap(r->e), rec_out, 1, err, sizeof err);
	assert_non_null(r->t2);
	assert_int_equal(gl_engine_start(r->e), 0);
}

static void test_unplug_replug_keeps_other_outputs(void **state)
{
	struct run *r = *state;
	struct pro_emu *emu = start_emu(r);
	struct gl_engine *e = r->e = engine_with_look();
	struct gl_output *pro = configure_pro(link_path, NULL, NULL);

	start_threads(r, pro);
	struct gl_output *rec = r->rec;

	/* the engine's values reach the widget */
	OUT_TEST_EVENTUALLY(emu_matches_engine(emu, rec));
	struct pro_emu_frame f;
	assert_int_equal(pro_emu_frame(emu, -1, &f), 0);
	printf("# slots 1-5 at the widget: %d %d %d %d %d\n", f.slots[0], f.slots[1], f.slots[2],
	       f.slots[3], f.slots[4]);
	assert_int_equal(f.slots[0], 255);
	assert_int_equal(f.slots[4], 0);

	/* unplug: reported, and the other output keeps its frames coming */
	pro_emu_unplug(emu);
	OUT_TEST_EVENTUALLY(GL_REPORT_TEXT(&gl_output_status(pro)->error)[0] != '\0');
	printf("# unplugged: %s\n", GL_REPORT_TEXT(&gl_output_status(pro)->error));
	struct gl_snapshot s0 = { 0 };
	int rec0 = atomic_load(&rec->frames);
	assert_int_equal(gl_engine_snapshot(e, &s0), 0);
	OUT_TEST_EVENTUALLY(atomic_load(&rec->frames) >= rec0 + 200);
	/* the engine ticks on too (checked on its own: frames the recorder
	 * had queued before s0 may count above, so the two need not agree) */
	OUT_TEST_EVENTUALLY(engine_tick(e) >= s0.tick + 200);
	/* ...while the Pro was still away (its back-off retries failed) */
	assert_true(GL_REPORT_TEXT(&gl_output_status(pro)->error)[0] != '\0');
	assert_true(gl_output_status(pro)->send_errors >= 1);

	/* re-plug: it reconnects by itself and gets the current look */
	pro_emu_clear_frames(emu);
	assert_int_equal(pro_emu_replug(emu), 0);
	OUT_TEST_EVENTUALLY(emu_frames(emu) >= 1 && emu_matches_engine(emu, rec));
	OUT_TEST_EVENTUALLY(GL_REPORT_TEXT(&gl_output_status(pro)->error)[0] == '\0');
}

static bool rec_slots_are(struct gl_output *rec, int s4, int s5)
{
	pthread_mutex_lock(&rec->lock);
	bool ok = rec->last[3] == s4 && rec->last[4] == s5;
	pthread_mutex_unlock(&rec->lock);
	return ok;
}

/* DMX into the widget reaches the engine's input universe and merges into
 * what every output sends; unplugged, the input lets go. */
static void test_input_merges_into_engine(void **state)
{
	struct run *r = *state;
	struct pro_emu *emu = start_emu(r);

	r->e = engine_with_look_input(9);
	start_threads(r, configure_pro(link_path, "input_universe", "9"));
	struct gl_output *rec = r->rec;
	OUT_TEST_EVENTUALLY(rec_slots_are(rec, 64, 0));   /* the cue alone */

	/* slot 4 (a dimmer at 64) and slot 5 (no fixture) from the desk */
	uint8_t in[5] = { 0, 0, 0, 100, 250 };
	OUT_TEST_EVENTUALLY((pro_emu_send_rx_dmx(emu, 0, in, 5), rec_slots_are(rec, 100, 250)));
	in[3] = 10;   /* below the cue: HTP keeps the cue */
	OUT_TEST_EVENTUALLY((pro_emu_send_rx_dmx(emu, 0, in, 5), rec_slots_are(rec, 64, 250)));

	pro_emu_unplug(emu);
	OUT_TEST_EVENTUALLY(rec_slots_are(rec, 64, 0));
}

/* ---- discovery on a fake sysfs ------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
	assert_int_equal(scratch_write(dir, name, text), 0);
}

static void test_discovery_auto_and_serial(void **state)
{
	struct run *r = *state;
	struct pro_emu *emu = start_emu(r);
	char sys[64], dev[64], usb[128], port[160], path[128];
	char cmd[1024];
	snprintf(sys, sizeof sys, "%s/sys", tmpdir);
	snprintf(dev, sizeof dev, "%s/dev", tmpdir);
	snprintf(usb, sizeof usb, "%s/devices/usb1/1-1", sys);
	snprintf(port, sizeof port, "%s/1-1:1.0/ttyUSB0", usb);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/class/tty/ttyUSB0' '%s' && "
		 "ln -s '%s' '%s/class/tty/ttyUSB0/device' && ln -s '%s' '%s/ttyUSB0'",
		 port, sys, dev, port, sys, link_path, dev);
	assert_int_equal(system(cmd), 0);
	write_file(usb, "idVendor", "0403\n");
	write_file(usb, "idProduct", "6001\n");
	write_file(usb, "serial", "EN123456\n");
	write_file(usb, "manufacturer", "ENTTEC\n");
	write_file(usb, "product", "DMX USB PRO\n");
	r->env = true;
	setenv("GHOSTLIGHT_SYSFS", sys, 1);
	setenv("GHOSTLIGHT_DEVDIR", dev, 1);

	struct dmxusb_device d[4];
	assert_int_equal(dmxusb_list_ttys(d, 4), 1);
	assert_int_equal(d[0].vid, 0x0403);
	assert_string_equal(d[0].usb_serial, "EN123456");
	assert_true(dmxusb_looks_like_dmx(&d[0]));
	assert_int_equal(dmxusb_probe(&d[0], 2000), 0);
	assert_int_equal(d[0].kind, DMXUSB_KIND_PRO);
	assert_string_equal(d[0].widget_serial, "12345678");
	assert_int_equal(d[0].firmware, (1 << 8) | 44);
	assert_int_equal(d[0].hw_version, 2);
	assert_string_equal(d[0].state, "ready");

	char transport[8], err[256];
	snprintf(path, sizeof path, "%s/ttyUSB0", dev);
	char got[PATH_MAX];
	assert_int_equal(dmxusb_resolve("auto", true, 0, transport, sizeof transport, got,
					sizeof got, err, sizeof err), 0);
	assert_string_equal(transport, "tty");
	assert_string_equal(got, path);
	assert_int_equal(dmxusb_resolve("en123456", true, 0, transport, sizeof transport, got,
					sizeof got, err, sizeof err), 0);
	assert_string_equal(got, path);
	/* the serial on the widget's label, which only the widget knows */
	assert_int_equal(dmxusb_resolve("12345678", true, 0, transport, sizeof transport, got,
					sizeof got, err, sizeof err), 0);
	assert_string_equal(got, path);
	assert_int_equal(dmxusb_resolve("99999999", true, 0, transport, sizeof transport, got,
					sizeof got, err, sizeof err), GL_ENOENT);
	assert_non_null(strstr(err, "99999999"));
	/* one candidate only: "auto" has no second one to fall back on */
	assert_int_equal(dmxusb_resolve("auto", true, 1, transport, sizeof transport, got,
					sizeof got, err, sizeof err), GL_ENOENT);

	/* and the driver finds it by itself */
	struct gl_output *out = open_pro(r, "auto", NULL, NULL);
	uint8_t dmx[512] = { 42 };
	struct gl_frame fr = one_universe_frame(3, dmx, 1);
	pro_ops()->send(out, &fr, gl_now_ns());
	DRIVE_UNTIL(out, emu_last_is(emu, dmx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure_checks),
		cmocka_unit_test_setup_teardown(test_handshake_params_and_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_rejected_and_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_merges_into_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_reported_and_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_replug_keeps_other_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discovery_auto_and_serial, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
