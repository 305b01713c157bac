/*
 * test_engine.c - the cue engine driven by a fake clock: fade values at
 * exact times (and after a late tick), tracking, HTP/LTP merge, BACK/GOTO,
 * wait/follow timing, PAUSE/RESUME, STOP, masters, 16-bit render, events.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/show_test.h"

#define S(x) ((uint64_t)((x) * 1e9))

static struct gl_fixture_type dimmer_type(void)
{
	struct gl_fixture_type t = { .name = "dimmer", .channel_count = 1 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1, .default_value = 0.0f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

static struct gl_fixture_type mover_type(void)
{
	struct gl_fixture_type t = { .name = "mover", .channel_count = 3,
				     .pan_range_deg = 540, .tilt_range_deg = 270 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 2, .default_value = 0.5f, .offset = 0 };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_TILT, .bytes = 2, .default_value = 0.5f, .offset = 0 };
	t.channels[2] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1, .default_value = 0.0f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

/* Finalizes e and ticks it once at time 0: universe 1 as it first goes
 * out (defaults, and cues without a fade). */
static const uint8_t *first_frame(struct gl_engine *e)
{
	assert_int_equal(gl_engine_finalize(e), 0);
	gl_engine_tick(e, 0);
	return gl_engine_dmx(e, 0);
}

struct rig {
	struct gl_engine *e;
	int dim[2];    /* two dimmers at 1/1 and 1/2 */
	int mover;     /* at 1/10 */
	int list;
};

static int dim_param(struct rig *r, int i)
{
	return gl_engine_param(r->e, r->dim[i], GL_ATTR_INTENSITY);
}

static void rig_init(struct rig *r, double back_time)
{
	struct gl_engine_config cfg = { .rate_hz = 40, .back_time_s = back_time };
	r->e = gl_engine_create(&cfg);
	assert_non_null(r->e);
	struct gl_fixture_type d = dimmer_type(), m = mover_type();
	r->dim[0] = gl_engine_add_fixture(r->e, &d, "dim 1", 1, 1, NULL);
	r->dim[1] = gl_engine_add_fixture(r->e, &d, "dim 2", 1, 2, NULL);
	r->mover = gl_engine_add_fixture(r->e, &m, "mover", 1, 10, NULL);
	assert_true(r->dim[0] >= 0 && r->dim[1] >= 0 && r->mover >= 0);
	r->list = gl_engine_add_cuelist(r->e, "Main", false);
	assert_true(r->list >= 0);
}

/* The rig, made by setup and destroyed by teardown (so a failing test
 * leaves no engine behind). BACK fades in 1 s, or in the seconds the
 * test's initial state points at. */
static struct rig the_rig;

static int rig_setup(void **state)
{
	rig_init(&the_rig, *state ? *(const double *)*state : 1);
	*state = &the_rig;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	gl_engine_destroy(r->e);
	return 0;
}

static void add_cue(struct rig *r, int list, double number, double fade_in, double fade_out,
		    const struct gl_cue_change *ch, int n)
{
	struct gl_cue_def d = cue_def(number, fade_in, ch, n);
	d.fade_out_s = fade_out;
	assert_true(gl_engine_add_cue(r->e, list, &d) >= 0);
}

static void cmd(struct rig *r, enum gl_cmd_type type, int list, int index, float value)
{
	struct gl_cmd c = { type, list, index, value };
	assert_int_equal(gl_engine_command(r->e, &c), 0);
}

static float val(struct rig *r, int param)
{
	return gl_engine_param_value(r->e, param);
}

static void test_fade_exact_times(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change c1[] = { { dim_param(r, 0), 1.0f } };
	struct gl_cue_change c2[] = { { dim_param(r, 0), 0.0f } };
	add_cue(r, r->list, 1, 2.0, 4.0, c1, 1);
	add_cue(r, r->list, 2, 2.0, 4.0, c2, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	uint64_t t0 = S(100);
	gl_engine_tick(r->e, t0);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, t0);                   /* GO at t0 */
	assert_float_equal(val(r, dim_param(r, 0)), 0.0f, 1e-6);
	gl_engine_tick(r->e, t0 + S(0.5));
	assert_float_equal(val(r, dim_param(r, 0)), 0.25f, 1e-5);
	/* a late tick: the value is the one for its time, not one step on */
	gl_engine_tick(r->e, t0 + S(1.7));
	assert_float_equal(val(r, dim_param(r, 0)), 0.85f, 1e-5);
	gl_engine_tick(r->e, t0 + S(2.0));
	assert_float_equal(val(r, dim_param(r, 0)), 1.0f, 1e-6);
	assert_int_equal(gl_engine_dmx(r->e, 0)[0], 255);

	/* falling intensity uses the fade-out time (4 s) */
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, t0 + S(3));
	gl_engine_tick(r->e, t0 + S(4));
	assert_float_equal(val(r, dim_param(r, 0)), 0.75f, 1e-5);
	gl_engine_tick(r->e, t0 + S(10));           /* far past the end */
	assert_float_equal(val(r, dim_param(r, 0)), 0.0f, 1e-6);
}

static void test_s_curve_and_delay(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change c1[] = { { dim_param(r, 0), 1.0f } };
	struct gl_cue_def d = cue_def(1, 0, c1, 1);
	d.fade_in_s = 2;
	d.delay_in_s = 1;
	d.curve = GL_CURVE_S;
	assert_int_equal(gl_engine_add_cue(r->e, r->list, &d), 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(10));
	gl_engine_tick(r->e, S(10.9));
	assert_float_equal(val(r, dim_param(r, 0)), 0.0f, 1e-6); /* still in delay */
	gl_engine_tick(r->e, S(11.5));              /* x = 0.25: 3x^2 - 2x^3 */
	assert_float_equal(val(r, dim_param(r, 0)), 0.15625f, 1e-4);
	gl_engine_tick(r->e, S(12));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-4);
}

static void test_tracking(void **state)
{
	struct rig *r = *state;
	int pan = gl_engine_param(r->e, r->mover, GL_ATTR_PAN);
	struct gl_cue_change c1[] = { { dim_param(r, 0), 0.5f }, { pan, 0.25f } };
	struct gl_cue_change c2[] = { { dim_param(r, 1), 0.8f } };     /* tracks dim 1 + pan */
	struct gl_cue_change c3[] = { { dim_param(r, 0), 0.0f } };
	add_cue(r, r->list, 1, 0, 0, c1, 2);
	add_cue(r, r->list, 1.5, 0, 0, c2, 1);
	add_cue(r, r->list, 2, 0, 0, c3, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(2));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.8f, 1e-6);
	assert_float_equal(val(r, pan), 0.25f, 1e-6);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(3));
	assert_float_equal(val(r, dim_param(r, 0)), 0.0f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.8f, 1e-6); /* tracked */
	assert_float_equal(val(r, pan), 0.25f, 1e-6);

	/* GOTO cue 1 (index 0): dim 2 was never set there, so it goes out */
	cmd(r, GL_CMD_GOTO, r->list, 0, 0);
	gl_engine_tick(r->e, S(4));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.0f, 1e-6);
}

static void test_back_and_goto(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change c1[] = { { dim_param(r, 0), 0.2f } };
	struct gl_cue_change c2[] = { { dim_param(r, 0), 0.6f } };
	struct gl_cue_change c3[] = { { dim_param(r, 0), 1.0f } };
	add_cue(r, r->list, 1, 0, 0, c1, 1);
	add_cue(r, r->list, 2, 0, 0, c2, 1);
	add_cue(r, r->list, 3, 5, 5, c3, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	struct gl_list_status ls;
	struct gl_snapshot snap = { .lists = &ls };

	/* BACK on a list at its first cue does nothing */
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_BACK, r->list, 0, 0);
	gl_engine_tick(r->e, S(2));
	assert_int_equal(gl_engine_snapshot(r->e, &snap), 0);
	assert_int_equal(ls.active, 0);

	cmd(r, GL_CMD_GOTO, r->list, 2, 0);        /* cue 3, its own 5 s fade */
	gl_engine_tick(r->e, S(10));
	gl_engine_tick(r->e, S(12.5));
	assert_float_equal(val(r, dim_param(r, 0)), 0.6f, 1e-5); /* 0.2 + 0.8/2 */
	gl_engine_tick(r->e, S(15));
	assert_float_equal(val(r, dim_param(r, 0)), 1.0f, 1e-6);

	cmd(r, GL_CMD_BACK, r->list, 0, 0);        /* to cue 2 in the back time */
	gl_engine_tick(r->e, S(20));
	gl_engine_tick(r->e, S(21));
	assert_float_equal(val(r, dim_param(r, 0)), 0.8f, 1e-5);
	gl_engine_tick(r->e, S(22));
	assert_float_equal(val(r, dim_param(r, 0)), 0.6f, 1e-6);
	assert_int_equal(gl_engine_snapshot(r->e, &snap), 0);
	assert_int_equal(ls.active, 1);
	assert_int_equal(ls.standby, 2);
}

static void test_wait_and_follow(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change c1[] = { { dim_param(r, 0), 1.0f } };
	struct gl_cue_change c2[] = { { dim_param(r, 1), 1.0f } };
	struct gl_cue_change c3[] = { { dim_param(r, 0), 0.0f } };
	struct gl_cue_def d = cue_def(1, 0, c1, 1);
	d.fade_in_s = 2;
	d.continue_mode = GL_CONTINUE_FOLLOW;  /* next 1 s after the 2 s fade */
	d.wait_s = 1;
	assert_int_equal(gl_engine_add_cue(r->e, r->list, &d), 0);
	d = cue_def(2, 0, c2, 1);
	d.fade_in_s = 1;
	d.continue_mode = GL_CONTINUE_WAIT;    /* next 0.5 s after its GO */
	d.wait_s = 0.5;
	assert_int_equal(gl_engine_add_cue(r->e, r->list, &d), 1);
	add_cue(r, r->list, 3, 0, 2, c3, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(0));
	gl_engine_tick(r->e, S(2.9));
	assert_float_equal(val(r, dim_param(r, 1)), 0.0f, 1e-6);
	/* a tick 0.2 s after the follow instant (3 s): cue 2 went at exactly
	 * 3 s, so it is 0.2 of its 1 s fade in */
	gl_engine_tick(r->e, S(3.2));
	assert_float_equal(val(r, dim_param(r, 1)), 0.2f, 1e-5);
	/* cue 3 went at 3.5 s exactly: 2 s fade out of dim 1 */
	gl_engine_tick(r->e, S(4.5));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-5);

	struct gl_event ev;
	int fired[3] = { 0 }, done = 0, end = 0;
	uint64_t fired_at[3] = { 0 };
	while (gl_engine_next_event(r->e, &ev)) {
		if (ev.type == GL_EV_CUE_FIRED) {
			fired[ev.cue]++;
			fired_at[ev.cue] = ev.time_ns;
		}
		done += ev.type == GL_EV_CUE_DONE;
		end += ev.type == GL_EV_LIST_END;
	}
	assert_int_equal(fired[0] + fired[1] + fired[2], 3);
	assert_int_equal(fired_at[1], S(3));
	assert_int_equal(fired_at[2], S(3.5));
	assert_int_equal(done, 2);       /* cues 1 and 2 */
	assert_int_equal(end, 0);
}

/* The show one cue taking dim 1 to `level` over `fade` s, finalized and
 * GOne at 0 s. */
static void go_one_cue(struct rig *r, float level, double fade)
{
	struct gl_cue_change c1[] = { { dim_param(r, 0), level } };

	add_cue(r, r->list, 1, fade, fade, c1, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(0));
}

static void test_pause_resume(void **state)
{
	struct rig *r = *state;
	go_one_cue(r, 1.0f, 4);
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_PAUSE, -1, 0, 0);
	gl_engine_tick(r->e, S(1));
	gl_engine_tick(r->e, S(30));
	assert_float_equal(val(r, dim_param(r, 0)), 0.25f, 1e-5);
	cmd(r, GL_CMD_RESUME, r->list, 0, 0);
	gl_engine_tick(r->e, S(30));
	gl_engine_tick(r->e, S(31));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-5);
}

static void test_htp_ltp_merge(void **state)
{
	struct rig *r = *state;
	int l2 = gl_engine_add_cuelist(r->e, "Second", false);
	int pan = gl_engine_param(r->e, r->mover, GL_ATTR_PAN);
	struct gl_cue_change a[] = { { dim_param(r, 0), 0.7f }, { pan, 0.1f } };
	struct gl_cue_change b[] = { { dim_param(r, 0), 0.4f }, { pan, 0.9f } };
	struct gl_cue_change a2[] = { { dim_param(r, 0), 0.3f } };
	add_cue(r, r->list, 1, 0, 0, a, 2);
	add_cue(r, r->list, 2, 0, 0, a2, 1);
	add_cue(r, l2, 1, 0, 0, b, 2);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_GO, l2, 0, 0);
	gl_engine_tick(r->e, S(2));
	assert_float_equal(val(r, dim_param(r, 0)), 0.7f, 1e-6);    /* HTP: highest */
	assert_float_equal(val(r, pan), 0.9f, 1e-6);                 /* LTP: latest */

	/* Main goes to cue 2: dim lower than Second's; pan only tracked in
	 * Main, so Second keeps it */
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(3));
	assert_float_equal(val(r, dim_param(r, 0)), 0.4f, 1e-6);
	assert_float_equal(val(r, pan), 0.9f, 1e-6);

	/* list master scales its intensity only */
	cmd(r, GL_CMD_LIST_MASTER, l2, 0, 0.5f);
	gl_engine_tick(r->e, S(4));
	assert_float_equal(val(r, dim_param(r, 0)), 0.3f, 1e-6);    /* max(0.3, 0.2) */
	assert_float_equal(val(r, pan), 0.9f, 1e-6);

	/* releasing Second hands pan back to Main */
	cmd(r, GL_CMD_STOP, l2, 0, 0);
	gl_engine_tick(r->e, S(5));
	assert_float_equal(val(r, pan), 0.1f, 1e-6);
}

static void test_masters_and_blackout(void **state)
{
	struct rig *r = *state;
	int pan = gl_engine_param(r->e, r->mover, GL_ATTR_PAN);
	int members[] = { r->dim[1] };
	int g = gl_engine_add_group(r->e, "back", members, 1);
	assert_true(g >= 0);
	assert_int_equal(gl_engine_add_fader(r->e, 1, GL_FADER_GROUP, g, "Back", 1.0f), 0);
	assert_int_equal(gl_engine_add_fader(r->e, 2, GL_FADER_CUELIST, r->list, "Main", 1.0f), 0);
	struct gl_cue_change c1[] = { { dim_param(r, 0), 1.0f }, { dim_param(r, 1), 1.0f },
				      { pan, 0.75f } };
	add_cue(r, r->list, 1, 0, 0, c1, 3);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	cmd(r, GL_CMD_GRAND_MASTER, -1, 0, 0.5f);
	cmd(r, GL_CMD_FADER, -1, 1, 0.5f);
	gl_engine_tick(r->e, S(1));
	assert_float_equal(val(r, dim_param(r, 0)), 0.5f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.25f, 1e-6);
	cmd(r, GL_CMD_FADER, -1, 2, 0.5f);           /* cue list master */
	gl_engine_tick(r->e, S(2));
	assert_float_equal(val(r, dim_param(r, 0)), 0.25f, 1e-6);
	cmd(r, GL_CMD_BLACKOUT, -1, 1, 0);
	gl_engine_tick(r->e, S(3));
	assert_float_equal(val(r, dim_param(r, 0)), 0.0f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.0f, 1e-6);
	assert_float_equal(val(r, pan), 0.75f, 1e-6);     /* intensity only */
	cmd(r, GL_CMD_BLACKOUT, -1, 0, 0);
	gl_engine_tick(r->e, S(4));
	assert_float_equal(val(r, dim_param(r, 0)), 0.25f, 1e-6);

	/* a bad fader number and an out-of-range level are refused */
	struct gl_cmd bad = { GL_CMD_FADER, -1, 9, 0.5f };
	assert_int_equal(gl_engine_command(r->e, &bad), GL_EINVAL);
	struct gl_cmd bad2 = { GL_CMD_GRAND_MASTER, -1, 0, 1.5f };
	assert_int_equal(gl_engine_command(r->e, &bad2), GL_ERANGE);
}

static void test_render_16bit_and_defaults(void **state)
{
	struct rig *r = *state;
	int pan = gl_engine_param(r->e, r->mover, GL_ATTR_PAN);
	struct gl_cue_change c1[] = { { pan, 0.3f } };
	add_cue(r, r->list, 1, 0, 0, c1, 1);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	gl_engine_tick(r->e, S(0));
	const uint8_t *dmx = gl_engine_dmx(r->e, 0);
	/* defaults: pan/tilt 0.5 = 32768 = 0x80 0x00 */
	assert_int_equal(dmx[9], 0x80);
	assert_int_equal(dmx[10], 0x00);
	assert_int_equal(dmx[11], 0x80);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(1));
	uint32_t w = (uint32_t)lrint((double)0.3f * 65535.0); /* 19661 = 0x4CCD */
	assert_int_equal(dmx[9], w >> 8);
	assert_int_equal(dmx[10], w & 0xff);
	assert_int_equal(dmx[9], 0x4C);
	assert_int_equal(dmx[10], 0xCD);
}

static void test_patch_errors(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type m = mover_type();  /* footprint 5 */
	int other = -1;
	assert_int_equal(gl_engine_add_fixture(e, &m, "a", 1, 508, NULL), 0);
	assert_int_equal(gl_engine_add_fixture(e, &m, "b", 1, 509, NULL), GL_ERANGE);
	assert_int_equal(gl_engine_add_fixture(e, &m, "c", 1, 504, &other), GL_EEXIST);
	assert_int_equal(other, 0);
	assert_int_equal(gl_engine_add_fixture(e, &m, "d", 0, 1, NULL), GL_ERANGE);
	assert_int_equal(gl_engine_add_fixture(e, &m, "e", 64000, 1, NULL), GL_ERANGE);
	assert_int_equal(gl_engine_add_fixture(e, &m, "f", 2, 0, NULL), GL_ERANGE);
	int l = gl_engine_add_cuelist(e, "L", false);
	struct gl_cue_def d;
	gl_cue_def_init(&d);
	d.number = 2;
	assert_int_equal(gl_engine_add_cue(e, l, &d), 0);
	assert_int_equal(gl_engine_add_cue(e, l, &d), GL_EEXIST);
	d.number = 1;
	assert_int_equal(gl_engine_add_cue(e, l, &d), GL_EINVAL);
	gl_engine_destroy(e);
}

static void test_loop_and_stop(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type d = dimmer_type();
	int f = gl_engine_add_fixture(e, &d, "d", 3, 1, NULL);
	int p = gl_engine_param(e, f, GL_ATTR_INTENSITY);
	int l = gl_engine_add_cuelist(e, "Chase", true);
	struct gl_cue_change on[] = { { p, 1.0f } }, half[] = { { p, 0.5f } };
	struct gl_cue_def def = cue_def(1, 0, on, 1);
	def.continue_mode = GL_CONTINUE_WAIT;
	def.wait_s = 1;
	gl_engine_add_cue(e, l, &def);
	def.number = 2;
	def.changes = half;
	gl_engine_add_cue(e, l, &def);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_cmd go = { GL_CMD_GO, l, 0, 0 };
	gl_engine_command(e, &go);
	gl_engine_tick(e, S(0));
	gl_engine_tick(e, S(1.5));
	assert_float_equal(gl_engine_param_value(e, p), 0.5f, 1e-6);
	gl_engine_tick(e, S(2.5));   /* looped back to cue 1 */
	assert_float_equal(gl_engine_param_value(e, p), 1.0f, 1e-6);
	struct gl_cmd stop = { GL_CMD_STOP, l, 0, 0 };
	gl_engine_command(e, &stop);
	gl_engine_tick(e, S(2.6));
	assert_float_equal(gl_engine_param_value(e, p), 0.0f, 1e-6);
	gl_engine_tick(e, S(10));   /* stopped: no more waits fire */
	assert_float_equal(gl_engine_param_value(e, p), 0.0f, 1e-6);
	gl_engine_destroy(e);
}

static void test_frame_tap(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type d = dimmer_type();
	gl_engine_add_fixture(e, &d, "d", 7, 5, NULL);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	assert_non_null(tap);
	assert_null(gl_tap_read(tap));
	gl_engine_tick(e, S(1));
	gl_engine_tick(e, S(2));
	assert_true(gl_tap_wait(tap, 0));
	const struct gl_frame *fr = gl_tap_read(tap);
	assert_non_null(fr);
	assert_int_equal(fr->tick, 1);   /* the newest of the two */
	assert_int_equal(fr->time_ns, S(2));
	assert_int_equal(fr->universe_count, 1);
	assert_int_equal(fr->numbers[0], 7);
	assert_null(gl_tap_read(tap));
	gl_engine_destroy(e);
}

static void test_interleaved_heads_and_24bit(void **state)
{
	/* a two-head bar: head 1 uses slots 1 and 3, head 2 slots 2 and 4 */
	struct gl_fixture_type h1 = { .name = "h1", .channel_count = 2, .explicit_offsets = true };
	h1.channels[0] = (struct gl_channel){ .attr = GL_ATTR_RED, .bytes = 1, .default_value = 0.0f, .offset = 0 };
	h1.channels[1] = (struct gl_channel){ .attr = GL_ATTR_GREEN, .bytes = 1, .default_value = 0.0f, .offset = 2 };
	struct gl_fixture_type h2 = h1;
	h2.channels[0].offset = 1;
	h2.channels[1].offset = 3;
	assert_int_equal(gl_fixture_type_finish(&h1), 0);
	assert_int_equal(gl_fixture_type_finish(&h2), 0);
	assert_int_equal(h1.footprint, 3);
	assert_int_equal(h2.footprint, 4);
	struct gl_fixture_type clash = h1;
	clash.channels[1].offset = 0;
	assert_int_equal(gl_fixture_type_finish(&clash), GL_EINVAL);

	struct gl_fixture_type z = { .name = "z", .channel_count = 1 };
	z.channels[0] = (struct gl_channel){ .attr = GL_ATTR_ZOOM, .bytes = 3, .default_value = 0.5f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&z), 0);

	struct gl_engine *e = gl_engine_create(NULL);
	assert_int_equal(gl_engine_add_fixture(e, &h1, "bar 1", 1, 10, NULL), 0);
	assert_int_equal(gl_engine_add_fixture(e, &h2, "bar 2", 1, 10, NULL), 1);
	int other = -1;
	assert_int_equal(gl_engine_add_fixture(e, &z, "z", 1, 12, &other), GL_EEXIST);
	assert_int_equal(other, 0);
	assert_int_equal(gl_engine_add_fixture(e, &z, "z", 1, 14, NULL), 2);
	const uint8_t *dmx = first_frame(e);
	/* heads default to 0; 24-bit zoom 0.5 = 0x800000 (rounded up from
	 * 8388607.5) */
	assert_int_equal(dmx[13], 0x80);
	assert_int_equal(dmx[14], 0x00);
	assert_int_equal(dmx[15], 0x00);
	gl_engine_destroy(e);
}

static void test_inverted_and_fixed_channels(void **state)
{
	/* intensity; tilt 16-bit inverted; a second intensity and a second
	 * control, both fixed at their defaults */
	struct gl_fixture_type t = { .name = "inv", .channel_count = 5, .tilt_range_deg = 270 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_TILT, .bytes = 2,
					     .default_value = 0.25f, .inverted = true };
	t.channels[2] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1,
					     .default_value = 1.0f, .fixed = true };
	t.channels[3] = (struct gl_channel){ .attr = GL_ATTR_CONTROL, .bytes = 1 };
	t.channels[4] = (struct gl_channel){ .attr = GL_ATTR_CONTROL, .bytes = 1,
					     .default_value = 0.2f, .fixed = true };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	assert_int_equal(t.footprint, 6);
	/* a repeat that is not fixed is still refused */
	struct gl_fixture_type bad = t;
	bad.channels[4].fixed = false;
	assert_int_equal(gl_fixture_type_finish(&bad), GL_EINVAL);

	struct gl_engine *e = gl_engine_create(NULL);
	int f = gl_engine_add_fixture(e, &t, "a", 1, 1, NULL);
	assert_int_equal(f, 0);
	/* the addressable channels are the first of each attribute */
	assert_int_equal(gl_engine_param(e, f, GL_ATTR_INTENSITY), 0);
	assert_int_equal(gl_engine_param(e, f, GL_ATTR_CONTROL), 3);
	int list = gl_engine_add_cuelist(e, "L", false);
	struct gl_cue_change ch[] = { { 0, 1.0f }, { 1, 1.0f } };
	struct gl_cue_def def = cue_def(1, 0, ch, 2);
	assert_int_equal(gl_engine_add_cue(e, list, &def), 0);
	const uint8_t *dmx = first_frame(e);
	assert_int_equal(dmx[0], 0);
	/* tilt 0.25 inverted: 0.75 * 65535 = 49151.25 -> 0xbfff */
	assert_int_equal(dmx[1], 0xbf);
	assert_int_equal(dmx[2], 0xff);
	assert_int_equal(dmx[3], 255);      /* fixed intensity: its default, not 0 */
	assert_int_equal(dmx[4], 0);
	assert_int_equal(dmx[5], 51);       /* 0.2 */
	struct gl_cmd go = { .type = GL_CMD_GO, .list = list };
	assert_int_equal(gl_engine_command(e, &go), 0);
	gl_engine_tick(e, S(1));
	assert_int_equal(dmx[0], 255);
	assert_int_equal(dmx[1], 0);        /* tilt 1.0 inverted */
	assert_int_equal(dmx[2], 0);
	assert_int_equal(dmx[3], 255);
	gl_engine_destroy(e);
}

static void test_settled_show_keeps_its_frame(void **state)
{
	struct rig *r = *state;
	go_one_cue(r, 0.6f, 1);
	gl_engine_tick(r->e, S(0.5));
	assert_int_equal(gl_engine_dmx(r->e, 0)[0], 77);  /* 0.3 * 255 = 76.5 */
	for (int i = 0; i < 100; i++)                      /* settles at 1 s */
		gl_engine_tick(r->e, S(1) + (uint64_t)i * S(0.025));
	assert_int_equal(gl_engine_dmx(r->e, 0)[0], 153);
	/* a master moved on a settled show still reaches the output */
	cmd(r, GL_CMD_GRAND_MASTER, -1, 0, 0.5f);
	gl_engine_tick(r->e, S(10));
	assert_int_equal(gl_engine_dmx(r->e, 0)[0], 77);
	gl_engine_tick(r->e, S(11));
	assert_int_equal(gl_engine_dmx(r->e, 0)[0], 77);
}

static void test_programmer_layer(void **state)
{
	struct rig *r = *state;
	int pan = gl_engine_param(r->e, r->mover, GL_ATTR_PAN);
	struct gl_cue_change c1[] = { { dim_param(r, 0), 0.8f }, { pan, 0.2f } };
	add_cue(r, r->list, 1, 0, 0, c1, 2);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	cmd(r, GL_CMD_SET_PARAM, -1, dim_param(r, 0), 0.3f);    /* below the cue: still wins */
	cmd(r, GL_CMD_SET_PARAM, -1, pan, 0.9f);
	cmd(r, GL_CMD_SET_PARAM, -1, dim_param(r, 1), 1.0f);
	cmd(r, GL_CMD_GRAND_MASTER, -1, 0, 0.5f);
	gl_engine_tick(r->e, S(1));
	assert_float_equal(val(r, dim_param(r, 0)), 0.15f, 1e-6);    /* masters still apply */
	assert_float_equal(val(r, dim_param(r, 1)), 0.5f, 1e-6);
	assert_float_equal(val(r, pan), 0.9f, 1e-6);
	cmd(r, GL_CMD_CLEAR_PARAM, -1, dim_param(r, 0), 0);        /* one released */
	gl_engine_tick(r->e, S(2));
	assert_float_equal(val(r, dim_param(r, 0)), 0.4f, 1e-6);
	assert_float_equal(val(r, dim_param(r, 1)), 0.5f, 1e-6);
	assert_float_equal(val(r, pan), 0.9f, 1e-6);
	cmd(r, GL_CMD_CLEAR_PARAM, -1, -1, 0);                    /* all released */
	gl_engine_tick(r->e, S(3));
	assert_float_equal(val(r, dim_param(r, 1)), 0.0f, 1e-6);
	assert_float_equal(val(r, pan), 0.2f, 1e-6);
	struct gl_cmd bad = { GL_CMD_SET_PARAM, -1, 9999, 0.5f };
	assert_int_equal(gl_engine_command(r->e, &bad), GL_EINVAL);
}

static void test_split_fine_bytes(void **state)
{
	/* pan coarse, tilt coarse, pan fine, tilt fine: the common layout of
	 * moving heads whose fine channels come after all the coarse ones */
	struct gl_fixture_type t = { .name = "split", .channel_count = 2, .explicit_offsets = true };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 2, .default_value = 0.5f,
					     .offset = 0, .fine_offset = { 2, 0 } };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_TILT, .bytes = 2, .default_value = 0.25f,
					     .offset = 1, .fine_offset = { 3, 0 } };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	assert_int_equal(t.footprint, 4);
	assert_int_equal(gl_channel_slot(&t.channels[0], 1), 2);
	struct gl_fixture_type clash = t;
	clash.channels[1].fine_offset[0] = 2;   /* two bytes on slot 3 */
	assert_int_equal(gl_fixture_type_finish(&clash), GL_EINVAL);

	struct gl_engine *e = gl_engine_create(NULL);
	assert_int_equal(gl_engine_add_fixture(e, &t, "m", 1, 1, NULL), 0);
	const uint8_t *dmx = first_frame(e);
	assert_int_equal(dmx[0], 0x80);   /* pan 0.5 = 0x8000 */
	assert_int_equal(dmx[1], 0x40);   /* tilt 0.25 = 0x4000 (16383.75 -> 16384) */
	assert_int_equal(dmx[2], 0x00);
	assert_int_equal(dmx[3], 0x00);
	gl_engine_destroy(e);
}

static void test_input_merge(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change c1[] = { { dim_param(r, 0), 0.5f } };
	add_cue(r, r->list, 1, 0, 0, c1, 1);
	assert_int_equal(gl_engine_add_input(r->e, 5, 1), 0);
	assert_int_equal(gl_engine_add_input(r->e, 5, 1), GL_EEXIST);
	assert_int_equal(gl_engine_add_input(r->e, 6, 9), GL_ENOENT); /* no universe 9 */
	assert_int_equal(gl_engine_add_input(r->e, 7, 0), 1);         /* kept, merged nowhere */
	assert_int_equal(gl_engine_finalize(r->e), 0);
	struct gl_frame_tap *tap = gl_engine_add_tap(r->e);
	cmd(r, GL_CMD_GO, r->list, 0, 0);
	gl_engine_tick(r->e, S(1));
	const uint8_t *dmx = gl_engine_dmx(r->e, 0);
	assert_int_equal(dmx[0], 128);

	uint8_t in[4] = { 50, 200, 0, 77 };  /* slot 4 is patched to nothing */
	assert_int_equal(gl_tap_input(tap, 5, in, 4), 0);
	gl_engine_tick(r->e, S(2));
	assert_int_equal(dmx[0], 128);       /* HTP: the cue is higher */
	assert_int_equal(dmx[1], 200);       /* the input is higher */
	assert_int_equal(dmx[3], 77);
	in[1] = 10;
	in[3] = 0;
	gl_tap_input(tap, 5, in, 4);         /* lower now: the input follows down */
	gl_engine_tick(r->e, S(3));
	assert_int_equal(dmx[1], 10);
	assert_int_equal(dmx[3], 0);
	gl_tap_input(tap, 5, in, 4);
	gl_tap_input(tap, 5, NULL, 0);       /* signal lost: only the newest counts */
	gl_engine_tick(r->e, S(4));
	assert_int_equal(dmx[0], 128);
	assert_int_equal(dmx[1], 0);
	assert_int_equal(gl_tap_input(tap, 8, in, 4), GL_ENOENT);
	struct gl_frame_tap *other = gl_engine_add_tap(r->e);
	assert_int_equal(gl_tap_input(other, 5, in, 4), GL_EEXIST);  /* one writer */
}

int main(void)
{
	static double back_2s = 2.0;     /* test_back_and_goto: BACK fades in 2 s */
#define RIG(test) cmocka_unit_test_setup_teardown(test, rig_setup, rig_teardown)
	const struct CMUnitTest tests[] = {
		RIG(test_fade_exact_times),
		RIG(test_s_curve_and_delay),
		RIG(test_tracking),
		cmocka_unit_test_prestate_setup_teardown(test_back_and_goto, rig_setup, rig_teardown,
							&back_2s),
		RIG(test_wait_and_follow),
		RIG(test_pause_resume),
		RIG(test_htp_ltp_merge),
		RIG(test_masters_and_blackout),
		RIG(test_render_16bit_and_defaults),
		cmocka_unit_test(test_patch_errors),
		cmocka_unit_test(test_loop_and_stop),
		cmocka_unit_test(test_frame_tap),
		cmocka_unit_test(test_interleaved_heads_and_24bit),
		cmocka_unit_test(test_inverted_and_fixed_channels),
		RIG(test_settled_show_keeps_its_frame),
		RIG(test_programmer_layer),
		cmocka_unit_test(test_split_fine_bytes),
		RIG(test_input_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
