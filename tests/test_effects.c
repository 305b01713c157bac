/*
 * test_effects.c - effects and timecode in the engine, on a fake clock:
 * waveform values and phase offsets (spread, groups, blocks, wings) at
 * exact times, rate changes and tap tempo without a jump, fade in and out,
 * pan/tilt shapes in degrees, random waves reproducible from their seed,
 * effects in cues (tracked, GOTO, STOP), faders on size and rate, the
 * sound input's level and beat, pixel waves on a matrix and an image; and
 * timecode lists: cues at their times, a jump backwards or forwards gives
 * the state a linear playback has there, a code that stops freewheels and
 * then holds. Last, the show's side: effect_start() and friends and
 * timecode() from a handler, and their errors; and a list on timecode =
 * "mtc" fed what the MIDI adapter's chase reports (struct gl_timecode, as
 * the control loop hands it over): running, a jump, freewheel, stopped.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "outputs/control/control.h"
#include "scripts/show.h"
#include "tools/scratch.h"
#include "tools/show_test.h"

#define S(x) ((uint64_t)llround((x) * 1e9))
#define PI 3.14159265358979323846

static struct gl_fixture_type dimmer_type(void)
{
	struct gl_fixture_type t = { .name = "dimmer", .channel_count = 1 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

static struct gl_fixture_type mover_type(void)
{
	struct gl_fixture_type t = { .name = "mover", .channel_count = 3,
				     .pan_range_deg = 540, .tilt_range_deg = 270 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 2, .default_value = 0.5f };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_TILT, .bytes = 2, .default_value = 0.5f };
	t.channels[2] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

static struct gl_fixture_type rgb_type(void)
{
	struct gl_fixture_type t = { .name = "rgb", .channel_count = 4 };
	enum gl_attr a[4] = { GL_ATTR_INTENSITY, GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE };
	for (int c = 0; c < 4; c++)
		t.channels[c] = (struct gl_channel){ .attr = a[c], .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

/* n fixtures of one type on universe 1, ids 0..n-1. */
static struct gl_engine *rig(const struct gl_fixture_type *t, int n, int *ids)
{
	struct gl_engine_config cfg = { .rate_hz = 40 };
	struct gl_engine *e = gl_engine_create(&cfg);
	assert_non_null(e);
	for (int i = 0; i < n; i++) {
		char label[16];
		snprintf(label, sizeof label, "f %d", i + 1);
		ids[i] = gl_engine_add_fixture(e, t, label, 1, 1 + i * t->footprint, NULL);
		assert_true(ids[i] >= 0);
	}
	return e;
}

static struct gl_effect_def effect(const char *name, enum gl_wave wave, enum gl_attr attr,
				   const int *ids, int n)
{
	struct gl_effect_def d = { .wave = wave, .attr = attr, .fixtures = ids, .fixture_count = n,
				   .rate_hz = 1.0, .size = 1.0f, .duty = 0.5f };
	snprintf(d.name, sizeof d.name, "%s", name);
	return d;
}

/* rig() with the one effect d running on all n fixtures from the first
 * tick (d's fixtures and start are set here), finalized. */
static struct gl_engine *rig_running(const struct gl_fixture_type *t, int n, int *ids,
				     struct gl_effect_def *d)
{
	struct gl_engine *e = rig(t, n, ids);

	d->fixtures = ids;
	d->fixture_count = n;
	d->start = true;
	assert_int_equal(gl_engine_add_effect(e, d), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

static void command(struct gl_engine *e, enum gl_cmd_type type, int list, int index, float value)
{
	struct gl_cmd c = { type, list, index, value };
	assert_int_equal(gl_engine_command(e, &c), 0);
}

static float value(struct gl_engine *e, int fixture, enum gl_attr attr)
{
	return gl_engine_param_value(e, gl_engine_param(e, fixture, attr));
}

static void drain(struct gl_engine *e)
{
	struct gl_event ev;
	while (gl_engine_next_event(e, &ev))
		;
}

/* ---- waveforms -------------------------------------------------------------- */

static void test_waves_at_exact_times(void **state)
{
	struct gl_fixture_type t = dimmer_type();
	int ids[4];
	struct gl_engine *e = rig(&t, 4, ids);
	static const enum gl_wave waves[] = { GL_WAVE_SINE, GL_WAVE_TRIANGLE, GL_WAVE_RAMP_UP,
					      GL_WAVE_RAMP_DOWN, GL_WAVE_SQUARE, GL_WAVE_STEP };
	/* one effect per wave, each on its own fixture: 1 Hz, size 0.8 over 0.1 */
	for (int w = 0; w < 4; w++) {
		struct gl_effect_def d = effect(gl_wave_name(waves[w]), waves[w], GL_ATTR_INTENSITY,
						&ids[w], 1);
		d.size = 0.8f;
		d.offset = 0.1f;
		d.start = true;
		assert_int_equal(gl_engine_add_effect(e, &d), w);
	}
	assert_int_equal(gl_engine_finalize(e), 0);
	const double times[] = { 0, 0.125, 0.25, 0.5, 0.75, 0.9, 1.25, 7.5 };
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		double tt = times[i], p = tt - floor(tt);
		gl_engine_tick(e, S(tt));
		double want[4] = { 0.5 + 0.5 * sin(2 * PI * p), p < 0.5 ? 2 * p : 2 - 2 * p, p,
				   1 - p };
		for (int w = 0; w < 4; w++)
			assert_float_equal(value(e, ids[w], GL_ATTR_INTENSITY), 0.1 + 0.8 * want[w],
					   1e-5);
	}
	gl_engine_destroy(e);

	/* square with a duty of 0.25; step through 3 values */
	e = rig(&t, 2, ids);
	struct gl_effect_def sq = effect("sq", GL_WAVE_SQUARE, GL_ATTR_INTENSITY, &ids[0], 1);
	sq.duty = 0.25f;
	sq.start = true;
	struct gl_effect_def st = effect("st", GL_WAVE_STEP, GL_ATTR_INTENSITY, &ids[1], 1);
	st.step_count = 3;
	st.steps[0] = 0.2f, st.steps[1] = 1.0f, st.steps[2] = 0.6f;
	st.rate_hz = 0.5;    /* a cycle of 2 s: 2/3 s a step */
	st.start = true;
	assert_int_equal(gl_engine_add_effect(e, &sq), 0);
	assert_int_equal(gl_engine_add_effect(e, &st), 1);
	assert_int_equal(gl_engine_finalize(e), 0);
	const struct { double t, sq, st; } at[] = {
		{ 0, 1, 0.2f }, { 0.24, 1, 0.2f }, { 0.26, 0, 0.2f }, { 0.7, 0, 1.0f },
		{ 1.0, 1, 1.0f }, { 1.5, 0, 0.6f }, { 2.1, 1, 0.2f },
	};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		gl_engine_tick(e, S(at[i].t));
		assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), at[i].sq, 1e-6);
		assert_float_equal(value(e, ids[1], GL_ATTR_INTENSITY), at[i].st, 1e-6);
	}
	gl_engine_destroy(e);
}

/* The phase of member i of 8 with a ramp up at 1 Hz, read at t = 0 (the
 * ramp's value is its phase). */
static void phases(const struct gl_effect_def *base, float out[8])
{
	struct gl_fixture_type t = dimmer_type();
	int ids[8];
	struct gl_effect_def d = *base;
	struct gl_engine *e = rig_running(&t, 8, ids, &d);
	gl_engine_tick(e, 0);
	for (int i = 0; i < 8; i++)
		out[i] = value(e, ids[i], GL_ATTR_INTENSITY);
	gl_engine_destroy(e);
}

static void test_phase_spread_groups_blocks_wings(void **state)
{
	struct gl_effect_def d = effect("r", GL_WAVE_RAMP_UP, GL_ATTR_INTENSITY, NULL, 0);
	float p[8];

	d.spread_deg = 360;               /* evenly over a cycle */
	phases(&d, p);
	for (int i = 0; i < 8; i++)
		assert_float_equal(p[i], i / 8.0, 1e-6);

	d.phase_deg = 90;                 /* the whole pattern starts a quarter on */
	phases(&d, p);
	for (int i = 0; i < 8; i++)
		assert_float_equal(p[i], fmod(0.25 + i / 8.0, 1.0), 1e-6);

	d.phase_deg = 0;
	d.groups = 4;                     /* repeats every 4: 0 1/4 1/2 3/4 0 ... */
	phases(&d, p);
	for (int i = 0; i < 8; i++)
		assert_float_equal(p[i], (i % 4) / 4.0, 1e-6);

	d.groups = 0;
	d.blocks = 2;                     /* pairs share: 0 0 1/4 1/4 ... */
	phases(&d, p);
	for (int i = 0; i < 8; i++)
		assert_float_equal(p[i], (i / 2) / 4.0, 1e-6);

	d.blocks = 0;
	d.wings = 2;                      /* mirrored: 0 1/4 1/2 3/4 3/4 1/2 1/4 0 */
	phases(&d, p);
	for (int i = 0; i < 8; i++)
		assert_float_equal(p[i], (i < 4 ? i : 7 - i) / 4.0, 1e-6);
}

static void test_rate_change_and_tap_without_jump(void **state)
{
	struct gl_fixture_type t = dimmer_type();
	int ids[1];
	struct gl_effect_def d = effect("r", GL_WAVE_RAMP_UP, GL_ATTR_INTENSITY, NULL, 0);
	d.rate_hz = 0.25;    /* 15 BPM: the ramp's value is the phase */
	struct gl_engine *e = rig_running(&t, 1, ids, &d);
	gl_engine_tick(e, 0);
	gl_engine_tick(e, S(1.0));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.25, 1e-6);
	/* to 30 BPM at t = 1: the phase goes on from 0.25, twice as fast */
	command(e, GL_CMD_FX_RATE, -1, 0, 0.5f);
	gl_engine_tick(e, S(1.0));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.25, 1e-6);
	gl_engine_tick(e, S(1.5));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.5, 1e-6);
	/* a late tick (3 periods missed) lands where it should */
	gl_engine_tick(e, S(1.9));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.7, 1e-6);

	/* tap tempo: taps 0.4 s apart -> 2.5 Hz, the phase going on */
	const double taps[] = { 2.0, 2.4, 2.8 };
	for (int i = 0; i < 3; i++) {
		command(e, GL_CMD_FX_TAP, -1, 0, 0);
		gl_engine_tick(e, S(taps[i]));
	}
	/* until the second tap at 0.5 Hz: phase at 2.4 = 0.25 + 0.5 * 1.4 = 0.95;
	 * then 2.5 Hz: at 2.8, 0.95 + 1.0 = 1.95 */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.95, 1e-5);
	gl_engine_tick(e, S(3.0));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.45, 1e-5);
	gl_engine_destroy(e);
}

static void test_fade_in_out_and_relative(void **state)
{
	struct gl_fixture_type t = dimmer_type();
	int ids[1];
	struct gl_engine *e = rig(&t, 1, ids);
	int list = gl_engine_add_cuelist(e, "L", false);
	struct gl_cue_change ch = { gl_engine_param(e, ids[0], GL_ATTR_INTENSITY), 0.4f };
	struct gl_cue_def c = cue_def(1, 0, &ch, 1);
	assert_int_equal(gl_engine_add_cue(e, list, &c), 0);
	struct gl_effect_def d = effect("sq", GL_WAVE_SQUARE, GL_ATTR_INTENSITY, ids, 1);
	d.fade_in_s = 2;
	d.fade_out_s = 1;
	assert_int_equal(gl_engine_add_effect(e, &d), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	command(e, GL_CMD_GO, list, 0, 0);
	gl_engine_tick(e, 0);
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.4, 1e-6);
	command(e, GL_CMD_FX_START, -1, 0, 0);
	gl_engine_tick(e, S(1.0));     /* started at 1: level 0 */
	assert_float_equal(gl_engine_effect_level(e, 0), 0.0, 1e-6);
	gl_engine_tick(e, S(2.0));     /* half in; the square is on: 0.4 + (1 - 0.4) / 2 */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.7, 1e-6);
	gl_engine_tick(e, S(2.5));     /* off half of the cycle: 0.4 + (0 - 0.4) * 0.75 */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.1, 1e-6);
	gl_engine_tick(e, S(3.0));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 1.0, 1e-6);
	command(e, GL_CMD_FX_STOP, -1, 0, 0);
	gl_engine_tick(e, S(4.0));     /* stop at 4 (on): fades out over 1 s */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 1.0, 1e-6);
	gl_engine_tick(e, S(4.75));    /* off part: 0.4 * (1 - 0.25) */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.3, 1e-6);
	gl_engine_tick(e, S(5.0));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.4, 1e-6);
	assert_float_equal(gl_engine_effect_level(e, 0), 0.0, 1e-6);
	gl_engine_tick(e, S(5.1));     /* gone: the cue's value stays */
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.4, 1e-6);
	gl_engine_destroy(e);
}

static void test_shapes_in_degrees(void **state)
{
	struct gl_fixture_type t = mover_type();
	int ids[2];
	struct gl_effect_def c = effect("circle", GL_WAVE_CIRCLE, GL_ATTR_PAN, NULL, 0);
	c.size = 90;                    /* a circle 90 degrees across */
	c.spread_deg = 360;             /* the second mover opposite: 1/2 cycle on */
	c.relative = true;              /* around where the cues put them (centre) */
	struct gl_engine *e = rig_running(&t, 2, ids, &c);
	for (double tt = 0; tt < 2; tt += 0.125) {
		gl_engine_tick(e, S(tt));
		for (int i = 0; i < 2; i++) {
			double p = tt + i * 0.5;
			double pan = 0.5 + 45 * sin(2 * PI * p) / 540, tilt = 0.5 + 45 * cos(2 * PI * p) / 270;
			assert_float_equal(value(e, ids[i], GL_ATTR_PAN), pan, 1e-5);
			assert_float_equal(value(e, ids[i], GL_ATTR_TILT), tilt, 1e-5);
		}
	}
	gl_engine_destroy(e);

	/* a figure eight: tilt at twice the pan's frequency; a line at 90
	 * degrees moves tilt only */
	e = rig(&t, 2, ids);
	struct gl_effect_def eight = effect("8", GL_WAVE_EIGHT, GL_ATTR_PAN, &ids[0], 1);
	eight.size = 54;
	eight.start = true;
	struct gl_effect_def line = effect("l", GL_WAVE_LINE, GL_ATTR_PAN, &ids[1], 1);
	line.size = 27;
	line.angle_deg = 90;
	line.offset = 27;               /* the line's middle 27 degrees off the centre */
	line.start = true;
	assert_int_equal(gl_engine_add_effect(e, &eight), 0);
	assert_int_equal(gl_engine_add_effect(e, &line), 1);
	assert_int_equal(gl_engine_finalize(e), 0);
	gl_engine_tick(e, 0);           /* start = true: from the first tick */
	gl_engine_tick(e, S(0.125));
	assert_float_equal(value(e, ids[0], GL_ATTR_PAN), 0.5 + 27 * sin(PI / 4) / 540, 1e-5);
	assert_float_equal(value(e, ids[0], GL_ATTR_TILT), 0.5 + 27 * sin(PI / 2) / 270, 1e-5);
	gl_engine_tick(e, S(0.25));
	assert_float_equal(value(e, ids[1], GL_ATTR_PAN), 0.5 + 27.0 / 540, 1e-5);
	assert_float_equal(value(e, ids[1], GL_ATTR_TILT), 0.5 + (27 + 13.5) / 270, 1e-5);
	gl_engine_destroy(e);
}

/* Random waves: 64 values of 8 members from a seed. */
static void random_values(enum gl_wave wave, uint32_t seed, float out[64])
{
	struct gl_fixture_type t = dimmer_type();
	int ids[8];
	struct gl_effect_def d = effect("r", wave, GL_ATTR_INTENSITY, NULL, 0);
	d.seed = seed;
	d.rate_hz = 4;
	struct gl_engine *e = rig_running(&t, 8, ids, &d);
	for (int k = 0; k < 8; k++) {
		gl_engine_tick(e, S(k * 0.3));
		for (int i = 0; i < 8; i++)
			out[k * 8 + i] = value(e, ids[i], GL_ATTR_INTENSITY);
	}
	gl_engine_destroy(e);
}

static void test_random_is_reproducible(void **state)
{
	float a[64], b[64], c[64];
	random_values(GL_WAVE_RANDOM, 7, a);
	random_values(GL_WAVE_RANDOM, 7, b);
	random_values(GL_WAVE_RANDOM, 8, c);
	assert_memory_equal(a, b, sizeof a);
	int same = 0, distinct = 0;
	for (int i = 0; i < 64; i++) {
		assert_true(a[i] >= 0.0f && a[i] < 1.0f);
		same += a[i] == c[i];
		distinct += i > 0 && a[i] != a[i - 1];
	}
	assert_true(same < 4);       /* another seed, other values */
	assert_true(distinct > 48);  /* members and cycles differ */
	random_values(GL_WAVE_SMOOTH_RANDOM, 7, a);
	random_values(GL_WAVE_SMOOTH_RANDOM, 7, b);
	assert_memory_equal(a, b, sizeof a);

	/* smooth random is continuous: small steps, small changes */
	struct gl_fixture_type t = dimmer_type();
	int id;
	struct gl_effect_def d = effect("s", GL_WAVE_SMOOTH_RANDOM, GL_ATTR_INTENSITY, NULL, 0);
	struct gl_engine *e = rig_running(&t, 1, &id, &d);
	float prev = -1;
	for (int k = 0; k < 400; k++) {
		gl_engine_tick(e, S(k * 0.01));
		float v = value(e, id, GL_ATTR_INTENSITY);
		if (prev >= 0)
			assert_true(fabsf(v - prev) < 0.02f);
		prev = v;
	}
	gl_engine_destroy(e);
}

/* ---- effects in cues, on faders, from the sound input ------------------------------ */

static void test_effects_in_cues_are_tracked(void **state)
{
	struct gl_fixture_type t = dimmer_type();
	int ids[2];
	struct gl_engine *e = rig(&t, 2, ids);
	int list = gl_engine_add_cuelist(e, "L", false);
	for (int q = 1; q <= 4; q++) {
		struct gl_cue_change ch = { gl_engine_param(e, ids[1], GL_ATTR_INTENSITY), q / 10.0f };
		struct gl_cue_def c = cue_def(q, 0, &ch, 1);
		assert_int_equal(gl_engine_add_cue(e, list, &c), q - 1);
	}
	struct gl_effect_def d = effect("sq", GL_WAVE_SQUARE, GL_ATTR_INTENSITY, ids, 1);
	d.duty = 1.0f;                   /* always on: 1 while it runs */
	assert_int_equal(gl_engine_add_effect(e, &d), 0);
	assert_int_equal(gl_engine_cue_effect(e, list, 1, 0, true), 0);   /* cue 2 starts it */
	assert_int_equal(gl_engine_cue_effect(e, list, 3, 0, false), 0);  /* cue 4 stops it */
	assert_int_equal(gl_engine_finalize(e), 0);
	const float want[4] = { 0, 1, 1, 0 };   /* cue 3 says nothing: it runs on */
	for (int q = 0; q < 4; q++) {
		command(e, GL_CMD_GO, list, 0, 0);
		gl_engine_tick(e, S(q + 0.5));
		assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), want[q], 1e-6);
	}
	command(e, GL_CMD_GOTO, list, 2, 0);   /* GOTO 3: it ran there */
	gl_engine_tick(e, S(5));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 1, 1e-6);
	command(e, GL_CMD_GOTO, list, 0, 0);   /* GOTO 1: it did not */
	gl_engine_tick(e, S(6));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0, 1e-6);
	command(e, GL_CMD_GOTO, list, 1, 0);
	gl_engine_tick(e, S(7));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 1, 1e-6);
	command(e, GL_CMD_STOP, list, 0, 0);   /* the list's effects stop with it */
	gl_engine_tick(e, S(8));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0, 1e-6);
	/* one started by hand is not the list's: a cue that stops it does not */
	command(e, GL_CMD_FX_START, -1, 0, 0);
	command(e, GL_CMD_GOTO, list, 3, 0);
	gl_engine_tick(e, S(9));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 1, 1e-6);
	drain(e);
	gl_engine_destroy(e);
}

static void test_faders_and_sound_input(void **state)
{
	struct gl_fixture_type t = dimmer_type();
	int ids[3];
	struct gl_engine *e = rig(&t, 3, ids);
	struct gl_effect_def a = effect("a", GL_WAVE_RAMP_UP, GL_ATTR_INTENSITY, &ids[0], 1);
	a.start = true;
	a.rate_hz = 0.1;
	struct gl_effect_def b = a;
	snprintf(b.name, sizeof b.name, "b");
	b.fixtures = &ids[1];
	struct gl_effect_def c = a;
	snprintf(c.name, sizeof c.name, "c");
	c.fixtures = &ids[2];
	c.size_from_level = true;
	c.beat_sync = true;
	c.rate_hz = 0.25;                 /* a cycle every 4 beats */
	assert_int_equal(gl_engine_add_effect(e, &a), 0);
	assert_int_equal(gl_engine_add_effect(e, &b), 1);
	assert_int_equal(gl_engine_add_effect(e, &c), 2);
	assert_int_equal(gl_engine_add_fader(e, 1, GL_FADER_EFFECT_SIZE, 0, "size", 0.5f), 0);
	assert_int_equal(gl_engine_add_fader(e, 2, GL_FADER_EFFECT_RATE, 1, "rate", 1.0f), 0);
	assert_int_equal(gl_engine_add_fader(e, 3, GL_FADER_EFFECT_RATE, 7, "none", 1.0f),
			 GL_ENOENT);
	assert_int_equal(gl_engine_finalize(e), 0);
	gl_engine_tick(e, 0);
	gl_engine_tick(e, S(2));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.1, 1e-6);   /* 0.2 * 0.5 */
	assert_float_equal(value(e, ids[1], GL_ATTR_INTENSITY), 0.2, 1e-6);
	command(e, GL_CMD_FADER, -1, 1, 1.0f);
	command(e, GL_CMD_FADER, -1, 2, 0.5f);   /* half the rate from t = 2, no jump */
	gl_engine_tick(e, S(2));
	gl_engine_tick(e, S(4));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0.4, 1e-6);
	assert_float_equal(value(e, ids[1], GL_ATTR_INTENSITY), 0.3, 1e-6);

	/* the level scales the size; a beat sets the tempo and the phase on
	 * a whole beat (a quarter cycle here) */
	assert_float_equal(value(e, ids[2], GL_ATTR_INTENSITY), 0, 1e-6);   /* no level */
	gl_engine_sound_input(e, 0.5f, 1, 120.0f);
	gl_engine_tick(e, S(4.5));          /* phase 1.125 -> 1.25 at the beat */
	assert_float_equal(value(e, ids[2], GL_ATTR_INTENSITY), 0.125, 1e-6);
	gl_engine_tick(e, S(5.0));          /* 120 BPM, 4 beats a cycle: +0.25 */
	assert_float_equal(value(e, ids[2], GL_ATTR_INTENSITY), 0.25, 1e-6);
	gl_engine_destroy(e);
}

/* ---- pixels -------------------------------------------------------------------- */

static void test_pixel_waves(void **state)
{
	struct gl_fixture_type t = rgb_type();
	int ids[4];
	struct gl_engine *e = rig(&t, 4, ids);
	/* a 2 x 2 matrix: rainbow along x, an image of 2 x 2 pixels, 2 frames */
	const float xy[8] = { 0.25f, 0.25f, 0.75f, 0.25f, 0.25f, 0.75f, 0.75f, 0.75f };
	struct gl_effect_def r = effect("rainbow", GL_WAVE_RAINBOW, GL_ATTR_RED, ids, 4);
	r.xy = xy;
	r.scale = 1;
	r.rate_hz = 0.5;
	static const uint8_t img[2 * 2 * 2 * 3] = {
		255, 0, 0,   0, 255, 0,   0, 0, 255,   255, 255, 255,     /* frame 1 */
		10, 20, 30,  40, 50, 60,  70, 80, 90,  100, 110, 120,     /* frame 2 */
	};
	struct gl_effect_def im = effect("image", GL_WAVE_IMAGE, GL_ATTR_RED, ids, 4);
	im.xy = xy;
	im.image = img;
	im.image_w = im.image_h = 2;
	im.image_frames = 2;
	im.rate_hz = 2;    /* frames per second */
	assert_int_equal(gl_engine_add_effect(e, &r), 0);
	assert_int_equal(gl_engine_add_effect(e, &im), 1);
	assert_int_equal(gl_engine_finalize(e), 0);
	command(e, GL_CMD_FX_START, -1, 0, 0);
	gl_engine_tick(e, 0);
	/* u: 0 for the left column, 1 for the right; hue = u - phase */
	assert_float_equal(value(e, ids[0], GL_ATTR_RED), 1, 1e-6);
	assert_float_equal(value(e, ids[0], GL_ATTR_GREEN), 0, 1e-6);
	gl_engine_tick(e, S(1.0 / 3.0));   /* phase 1/6: hue 5/6 on the left: magenta-red */
	assert_float_equal(value(e, ids[0], GL_ATTR_RED), 1, 1e-5);
	assert_float_equal(value(e, ids[0], GL_ATTR_BLUE), 1, 1e-5);
	assert_float_equal(value(e, ids[0], GL_ATTR_GREEN), 0, 1e-5);
	command(e, GL_CMD_FX_STOP, -1, 0, 0);
	command(e, GL_CMD_FX_START, -1, 1, 0);
	gl_engine_tick(e, S(1));
	const uint8_t *f1 = img;
	for (int i = 0; i < 4; i++)
		for (int c = 0; c < 3; c++)
			assert_float_equal(value(e, ids[i], GL_ATTR_RED + c), f1[i * 3 + c] / 255.0,
					   1e-6);
	gl_engine_tick(e, S(1.5));          /* the second frame */
	for (int i = 0; i < 4; i++)
		for (int c = 0; c < 3; c++)
			assert_float_equal(value(e, ids[i], GL_ATTR_RED + c),
					   img[12 + i * 3 + c] / 255.0, 1e-6);
	/* what the engine renders is the same on every run */
	const uint8_t *dmx = gl_engine_dmx(e, 0);
	assert_int_equal(dmx[1], 10);
	assert_int_equal(dmx[2], 20);
	gl_engine_destroy(e);
}

/* ---- timecode ------------------------------------------------------------------ */

/* A list of 4 cues at 1, 3, 5 and 8 s on 3 dimmers (each cue fades 1 s),
 * the last also moving a mover's pan; on timecode (internal or not). */
static struct gl_engine *tc_rig(bool external, int *list, int *ids, int *mover)
{
	struct gl_fixture_type t = dimmer_type(), m = mover_type();
	struct gl_engine *e = rig(&t, 3, ids);
	*mover = gl_engine_add_fixture(e, &m, "mover", 2, 1, NULL);
	*list = gl_engine_add_cuelist(e, "TC", false);
	const float looks[4][3] = { { 1, 0, 0.5f }, { 0.2f, 1, -1 }, { -1, -1, 0 }, { 0, 0.3f, 1 } };
	const double times[4] = { 1, 3, 5, 8 };
	for (int q = 0; q < 4; q++) {
		struct gl_cue_change ch[4];
		int n = 0;
		for (int i = 0; i < 3; i++)
			if (looks[q][i] >= 0)
				ch[n++] = (struct gl_cue_change){
					gl_engine_param(e, ids[i], GL_ATTR_INTENSITY), looks[q][i] };
		if (q == 3)
			ch[n++] = (struct gl_cue_change){ gl_engine_param(e, *mover, GL_ATTR_PAN), 0.9f };
		struct gl_cue_def c = cue_def(q + 1, 1, ch, n);
		assert_int_equal(gl_engine_add_cue(e, *list, &c), q);
	}
	assert_int_equal(gl_engine_set_timecode(e, *list, external, 1.0), 0);
	for (int q = 0; q < 4; q++)
		assert_int_equal(gl_engine_cue_time(e, *list, q, times[q]), 0);
	assert_int_equal(gl_engine_cue_time(e, *list, 1, 9.0), GL_EINVAL);   /* out of order */
	assert_int_equal(gl_engine_finalize(e), 0);
	return e;
}

static void snapshot(struct gl_engine *e, const int *ids, int mover, float out[4])
{
	for (int i = 0; i < 3; i++)
		out[i] = value(e, ids[i], GL_ATTR_INTENSITY);
	out[3] = value(e, mover, GL_ATTR_PAN);
}

static void test_timecode_jumps_restore_state(void **state)
{
	int list, ids[3], mover;
	/* the reference: the internal clock running from 0, ticked at 40 Hz;
	 * what it shows at each probe instant */
	const double probes[] = { 0.5, 1.5, 2.5, 3.25, 4.0, 5.5, 6.0, 8.5, 9.0 };
	enum { NP = sizeof probes / sizeof probes[0] };
	float linear[NP][4];
	struct gl_engine *e = tc_rig(false, &list, ids, &mover);
	command(e, GL_CMD_GO, list, 0, 0);
	int p = 0;
	for (int k = 0; k <= 40 * 10 && p < NP; k++) {
		double tt = k / 40.0;
		gl_engine_tick(e, S(tt));
		if (fabs(tt - probes[p]) < 1e-9)
			snapshot(e, ids, mover, linear[p++]);
	}
	assert_int_equal(p, NP);
	assert_float_equal(linear[1][0], 0.5, 1e-6);     /* cue 1 half in at 1.5 */
	assert_float_equal(gl_engine_timecode_position(e, list), 9.0, 1e-9);
	drain(e);
	gl_engine_destroy(e);

	/* external timecode jumping about: forwards, backwards, back to the
	 * start; each position shows what the linear run showed there */
	e = tc_rig(true, &list, ids, &mover);
	const int order[] = { 8, 3, 5, 1, 7, 0, 6, 2, 4 };
	double now = 100;    /* the engine's clock: far from 0, like the monotonic one */
	for (int i = 0; i < NP; i++) {
		int q = order[i];
		now += 0.5;
		assert_int_equal(gl_engine_timecode(e, -1, probes[q], true), 0);
		gl_engine_tick(e, S(now));
		float got[4];
		snapshot(e, ids, mover, got);
		for (int c = 0; c < 4; c++)
			if (fabsf(got[c] - linear[q][c]) > 1e-5)
				fail_msg("jump to %g: value %d is %g, linear playback had %g",
					 probes[q], c, got[c], linear[q][c]);
		assert_float_equal(gl_engine_timecode_position(e, list), probes[q], 1e-6);
	}
	/* before the first cue: nothing of the list shows */
	assert_int_equal(gl_engine_timecode(e, -1, 0.2, true), 0);
	gl_engine_tick(e, S(now += 0.5));
	assert_float_equal(value(e, ids[0], GL_ATTR_INTENSITY), 0, 1e-6);
	assert_float_equal(value(e, mover, GL_ATTR_PAN), 0.5, 1e-6);
	drain(e);
	gl_engine_destroy(e);
}

static void test_timecode_freewheel_then_hold(void **state)
{
	int list, ids[3], mover;
	struct gl_engine *e = tc_rig(true, &list, ids, &mover);
	/* code runs 0 .. 2.5 s in 10 ms steps, as MTC quarter frames would */
	uint64_t now = S(100);
	for (int k = 0; k <= 250; k++) {
		assert_int_equal(gl_engine_timecode(e, -1, k * 0.01, true), 0);
		gl_engine_tick(e, now + S(k * 0.01));
	}
	struct gl_event ev;
	int fired = 0;
	while (gl_engine_next_event(e, &ev))
		if (ev.type == GL_EV_CUE_FIRED) {
			assert_int_equal(ev.cue, 0);
			/* at its time (to the code's ns rounding), not the tick's */
			assert_true(llabs((long long)(ev.time_ns - (now + S(1.0)))) < 1000);
			fired++;
		}
	assert_int_equal(fired, 1);
	/* the code stops at 2.5: 0.2 s dropout, 1 s freewheel, then hold */
	now += S(2.5);
	gl_engine_tick(e, now + S(0.1));
	assert_float_equal(gl_engine_timecode_position(e, list), 2.6, 1e-6);
	gl_engine_tick(e, now + S(1.0));
	assert_float_equal(gl_engine_timecode_position(e, list), 3.5, 1e-6);
	gl_engine_tick(e, now + S(2.0));   /* held at 2.5 + 1.2 */
	assert_float_equal(gl_engine_timecode_position(e, list), 3.7, 1e-6);
	gl_engine_tick(e, now + S(5.0));
	assert_float_equal(gl_engine_timecode_position(e, list), 3.7, 1e-6);
	/* cue 2 (at 3) fired while freewheeling, its fade frozen at 0.7 */
	float b = value(e, ids[1], GL_ATTR_INTENSITY);
	assert_float_equal(b, 0.7, 1e-5);
	/* the code comes back where it left off: on from the hold */
	assert_int_equal(gl_engine_timecode(e, -1, 3.75, true), 0);
	gl_engine_tick(e, now + S(5.05));
	assert_float_equal(value(e, ids[1], GL_ATTR_INTENSITY), 0.75, 1e-5);
	/* unlocked at once by the reader: freewheel starts now */
	assert_int_equal(gl_engine_timecode(e, -1, 3.75, false), 0);
	gl_engine_tick(e, now + S(5.5));
	assert_float_equal(gl_engine_timecode_position(e, list), 4.2, 1e-6);
	drain(e);
	gl_engine_destroy(e);
}

/* ---- from a show's handlers ------------------------------------------------------ */

static const char fx_show[] =
	"show { name = \"fx\" }\n"
	"output { \"o\", type = \"sacn\", universes = {1} }\n"
	"patch { \"d\", type = \"generic/dimmer\", universe = 1, address = 1, count = 4 }\n"
	"effect { \"saw\", group = \"d\", wave = \"ramp_up\", rate = 0.5, spread = 360 }\n"
	"cuelist \"TC\" { timecode = \"internal\",\n"
	"  cue { 1, at = 1, look = { d = { intensity = 0.5 } } },\n"
	"  cue { 2, at = \"00:00:03:00\", look = { d = { intensity = 1 } } } }\n"
	"fader (1, { effect = \"saw\", label = \"Saw\" })\n"
	"on_osc(\"/t/*\", function(address, n)\n"
	"  if address == \"/t/start\" then effect_start(\"saw\")\n"
	"  elseif address == \"/t/size\" then effect_size(\"saw\", n)\n"
	"  elseif address == \"/t/bpm\" then effect_bpm(\"saw\", n)\n"
	"  elseif address == \"/t/stop\" then effect_stop()\n"
	"  elseif address == \"/t/tc\" then timecode(\"TC\", n)\n"
	"  elseif address == \"/t/nolist\" then timecode(\"Nope\", 1)\n"
	"  elseif address == \"/t/notc\" then timecode(\"Other\", 1)\n"
	"  elseif address == \"/t/noeffect\" then effect_start(\"nothing\") end\n"
	"end)\n"
	"cuelist \"Other\" { cue { 1, look = { d = { intensity = 0.1 } } } }\n";

static void osc(struct gl_show *s, const char *address, double n)
{
	struct gl_ctl_arg arg = { .type = 'f', .f = n };
	struct gl_ctl_msg msg = { .peer = "osc.udp://127.0.0.1:9000/", .address = address,
				  .argc = 1, .argv = &arg };
	assert_true(gl_show_handle_message(s, "osc", &msg));
}

static void test_show_functions(void **state)
{
	char dir[64], path[128], err[1024], msg[512];
	assert_int_equal(scratch_make(dir, sizeof dir, "test_effects"), 0);
	snprintf(path, sizeof path, "%s/fx.lua", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(fx_show, f);
	fclose(f);
	struct gl_show *s = gl_show_load(path, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	struct gl_engine *e = gl_show_engine(s);
	int d1 = 0;     /* "d 1": the first fixture */
	gl_show_start(s);
	gl_engine_tick(e, S(100));
	osc(s, "/t/start", 0);
	gl_engine_tick(e, S(100));
	gl_engine_tick(e, S(100.5));    /* 0.5 Hz: a quarter */
	assert_float_equal(value(e, d1, GL_ATTR_INTENSITY), 0.25, 1e-6);
	osc(s, "/t/size", 0.5);
	osc(s, "/t/bpm", 60);           /* 1 Hz from here, on from the phase it had */
	gl_engine_tick(e, S(100.5));
	gl_engine_tick(e, S(101));
	assert_float_equal(value(e, d1, GL_ATTR_INTENSITY), 0.375, 1e-6);
	osc(s, "/t/stop", 0);
	osc(s, "/t/tc", 3.5);           /* the list jumps to 3.5 s: cue 2 */
	gl_engine_tick(e, S(101));
	assert_float_equal(value(e, d1, GL_ATTR_INTENSITY), 1, 1e-6);
	assert_false(gl_show_take_error(s, msg, sizeof msg));
	static const struct { const char *address, *want; } bad[] = {
		{ "/t/nolist", "timecode: no cuelist \"Nope\"" },
		{ "/t/notc", "\"Other\" is not a cue list on timecode" },
		{ "/t/noeffect", "effect_start: no effect \"nothing\"" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		osc(s, bad[i].address, 0);
		assert_true(gl_show_take_error(s, msg, sizeof msg));
		if (!strstr(msg, bad[i].want) || !strstr(msg, "fx.lua:"))
			fail_msg("%s: \"%s\", wanted \"%s\"", bad[i].address, msg, bad[i].want);
	}
	gl_show_destroy(s);

	/* at load, an effect is started by start = true or a cue: not by a call */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("show { name = \"x\" }\n"
	      "patch { \"d\", type = \"generic/dimmer\", universe = 1, address = 1 }\n"
	      "effect { \"saw\", group = \"d\", wave = \"ramp_up\" }\n"
	      "effect_start(\"saw\")\n", f);
	fclose(f);
	s = gl_show_load(path, err, sizeof err);
	gl_show_destroy(s);
	assert_null(s);
	assert_non_null(strstr(err, "fx.lua:4: effect_start: only in handlers"));
	assert_int_equal(scratch_remove(dir), 0);
}

/* A list on timecode = "mtc" follows what the adapters' chase reports, the
 * way app/play.c hands it over each time round its loop. */
static void test_show_follows_mtc_chase(void **state)
{
	char dir[64], path[128], err[1024];
	assert_int_equal(scratch_make(dir, sizeof dir, "test_effects"), 0);
	snprintf(path, sizeof path, "%s/mtc.lua", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("show { name = \"mtc\" }\n"
	      "output { \"o\", type = \"sacn\", universes = {1} }\n"
	      "midi { }\n"
	      "patch { \"d\", type = \"generic/dimmer\", universe = 1, address = 1, count = 2 }\n"
	      "cuelist \"Song\" { timecode = \"mtc\", freewheel = 0.5,\n"
	      "  cue { 1, at = 1, look = { [\"d 1\"] = { intensity = 0.5 } } },\n"
	      "  cue { 2, at = 3, look = { [\"d 1\"] = { intensity = 1 } } } }\n"
	      "cuelist \"Ext\" { timecode = \"external\",\n"
	      "  cue { 1, at = 0.5, look = { [\"d 2\"] = { intensity = 1 } } } }\n", f);
	fclose(f);
	struct gl_show *s = gl_show_load(path, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	struct gl_engine *e = gl_show_engine(s);
	int list = gl_engine_cuelist_find(e, "Song");
	gl_show_start(s);
	struct gl_timecode tc = { .state = GL_TC_LOCKED, .fps = 25 };
	uint64_t t0 = S(100);
	/* the chase runs 0 .. 2 s; the loop comes round every 5 ms */
	for (int k = 0; k <= 400; k++) {
		tc.seconds = k * 0.005;
		gl_show_timecode_input(s, &tc, t0 + S(k * 0.005));
		gl_engine_tick(e, t0 + S(k * 0.005));
	}
	assert_float_equal(gl_engine_timecode_position(e, list), 2.0, 0.001);
	assert_float_equal(value(e, 0, GL_ATTR_INTENSITY), 0.5, 1e-6);
	/* a list on "external" timecode moves only by timecode() */
	assert_float_equal(value(e, 1, GL_ATTR_INTENSITY), 0, 1e-6);
	/* the source jumps to 3.5: handed over at once, not at the next 20 ms */
	tc.seconds = 3.5;
	tc.jumps = 1;
	gl_show_timecode_input(s, &tc, t0 + S(2.001));
	gl_engine_tick(e, t0 + S(2.001));
	assert_float_equal(gl_engine_timecode_position(e, list), 3.5, 1e-6);
	assert_float_equal(value(e, 0, GL_ATTR_INTENSITY), 1, 1e-6);
	/* back to 1.5, then the chase freewheels (its quarter frames stopped):
	 * the list runs on its own freewheel = 0.5 s, then holds */
	tc.seconds = 1.5;
	tc.jumps = 2;
	gl_show_timecode_input(s, &tc, t0 + S(2.002));
	gl_engine_tick(e, t0 + S(2.002));
	assert_float_equal(value(e, 0, GL_ATTR_INTENSITY), 0.5, 1e-6);
	tc.state = GL_TC_FREEWHEEL;
	tc.seconds = 1.6;
	gl_show_timecode_input(s, &tc, t0 + S(2.1));
	gl_engine_tick(e, t0 + S(2.1));
	gl_engine_tick(e, t0 + S(3.0));
	gl_engine_tick(e, t0 + S(4.0));
	/* 1.5 at 2.002, told at 2.1 (at 1.598) that the code stopped */
	assert_float_equal(gl_engine_timecode_position(e, list), 1.598 + 0.5, 1e-6);
	/* no adapter chasing any more (NULL): nothing changes; the code back */
	gl_show_timecode_input(s, NULL, t0 + S(4.5));
	gl_engine_tick(e, t0 + S(4.5));
	assert_float_equal(gl_engine_timecode_position(e, list), 2.098, 1e-6);
	tc.state = GL_TC_LOCKING;
	tc.seconds = 3.2;
	gl_show_timecode_input(s, &tc, t0 + S(5));
	gl_engine_tick(e, t0 + S(5));
	assert_float_equal(gl_engine_timecode_position(e, list), 3.2, 1e-6);
	assert_float_equal(value(e, 0, GL_ATTR_INTENSITY), 1, 1e-6);
	drain(e);
	gl_show_destroy(s);

	/* "mtc" without midi { }: nothing would ever move it */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("show { name = \"mtc\" }\n"
	      "patch { \"d\", type = \"generic/dimmer\", universe = 1, address = 1 }\n"
	      "cuelist \"Song\" { timecode = \"mtc\", cue { 1, at = 1, look = { d = { intensity = 1 } } } }\n",
	      f);
	fclose(f);
	s = gl_show_load(path, err, sizeof err);
	gl_show_destroy(s);
	assert_null(s);
	assert_non_null(strstr(err, "mtc.lua:3: cuelist \"Song\": timecode = \"mtc\" follows MIDI "
				    "time code: declare midi { ... } too"));
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waves_at_exact_times),
		cmocka_unit_test(test_phase_spread_groups_blocks_wings),
		cmocka_unit_test(test_rate_change_and_tap_without_jump),
		cmocka_unit_test(test_fade_in_out_and_relative),
		cmocka_unit_test(test_shapes_in_degrees),
		cmocka_unit_test(test_random_is_reproducible),
		cmocka_unit_test(test_effects_in_cues_are_tracked),
		cmocka_unit_test(test_faders_and_sound_input),
		cmocka_unit_test(test_pixel_waves),
		cmocka_unit_test(test_timecode_jumps_restore_state),
		cmocka_unit_test(test_timecode_freewheel_then_hold),
		cmocka_unit_test(test_show_functions),
		cmocka_unit_test(test_show_follows_mtc_chase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
