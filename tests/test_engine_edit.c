/*
 * test_engine_edit.c - the engine's additions for the console, on a fake
 * clock: cue lists replaced while they play (gl_engine_replace_cues: the
 * hand-over at a tick, the event that marks it, the active cue kept through
 * its origin, a deleted active cue, what the active cue now holds going on
 * stage, fades in progress going on, one edit at a time, a list moving
 * into another universe and the LTP owners with it, the effects a cue
 * starts and the times a timecode list fires its cues at kept by cue
 * identity, the live state's cue indices in step with the reader's), the
 * standby
 * command, the snapshot's countdown and programmer count, and a second
 * reader of the snapshot (with the engine thread running: label threaded).
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/show_test.h"

#define S(x) ((uint64_t)((x) * 1e9))

struct rig {
	struct gl_engine *e;
	int p[3];      /* intensity of three dimmers at 1/1..1/3 */
	int list;
	struct gl_cue_change ch[3];    /* the changes of three_cues() */
};

static void rig_init(struct rig *r)
{
	struct gl_engine_config cfg = { .rate_hz = 40 };
	struct gl_fixture_type t = { .name = "dimmer", .channel_count = 1 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	r->e = gl_engine_create(&cfg);
	assert_non_null(r->e);
	for (int i = 0; i < 3; i++) {
		char label[16];
		snprintf(label, sizeof label, "dim %d", i + 1);
		int f = gl_engine_add_fixture(r->e, &t, label, 1, i + 1, NULL);
		assert_true(f >= 0);
		r->p[i] = gl_engine_param(r->e, f, GL_ATTR_INTENSITY);
	}
	r->list = gl_engine_add_cuelist(r->e, "Main", false);
}

/* Each test's rig, made by setup and destroyed by teardown (so a failing
 * test leaves no engine behind). */
static struct rig the_rig;

static int rig_setup(void **state)
{
	rig_init(&the_rig);
	*state = &the_rig;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	gl_engine_destroy(r->e);
	return 0;
}

static void cmd(struct rig *r, enum gl_cmd_type type, int index)
{
	struct gl_cmd c = { type, r->list, index, 0 };
	assert_int_equal(gl_engine_command(r->e, &c), 0);
}

static float val(struct rig *r, int i)
{
	return gl_engine_param_value(r->e, r->p[i]);
}

/* Reads events until one of `type`; false when none is waiting. */
static bool next_of(struct rig *r, enum gl_event_type type, struct gl_event *ev)
{
	while (gl_engine_next_event(r->e, ev))
		if (ev->type == type)
			return true;
	return false;
}

/* List 0's status in the newest snapshot. */
static struct gl_list_status list_status(struct rig *r, struct gl_snapshot *snap)
{
	struct gl_list_status ls[1];
	float levels[1];
	*snap = (struct gl_snapshot){ .lists = ls, .fader_levels = levels };
	assert_int_equal(gl_engine_snapshot(r->e, snap), 0);
	snap->lists = NULL;
	snap->fader_levels = NULL;
	return ls[0];
}

/* List 0's active and standby cue indices in the newest snapshot. */
static void expect_cues(struct rig *r, int active, int standby)
{
	struct gl_snapshot snap;
	struct gl_list_status ls = list_status(r, &snap);

	assert_int_equal(ls.active, active);
	assert_int_equal(ls.standby, standby);
}

/* The rig with cues 1 (dim 1 full), 2 (dim 2 full), 3 (dim 3 full), all
 * snaps, finalized. */
static int three_cues_setup(void **state)
{
	struct rig *r;

	rig_setup(state);
	r = *state;
	for (int i = 0; i < 3; i++) {
		r->ch[i] = (struct gl_cue_change){ r->p[i], 1.0f };
		struct gl_cue_def d = cue_def(i + 1, 0, &r->ch[i], 1);
		assert_true(gl_engine_add_cue(r->e, r->list, &d) >= 0);
	}
	assert_int_equal(gl_engine_finalize(r->e), 0);
	return 0;
}

static void test_insert_keeps_active_and_tracks(void **state)
{
	struct rig *r = *state;
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_GOTO, 1);             /* cue 2: dims 1 and 2 tracked on */
	gl_engine_tick(r->e, S(1.1));
	assert_float_equal(val(r, 1), 1.0f, 1e-6);

	/* record 1.5 (dim 3 at half) between 1 and 2: the active cue is cue
	 * 2 still, now at index 2, and it tracks dim 3 from 1.5 */
	struct gl_cue_change half = { r->p[2], 0.5f };
	struct gl_cue_def defs[4] = { cue_def(1, 0, &r->ch[0], 1), cue_def(1.5, 0, &half, 1),
				      cue_def(2, 0, &r->ch[1], 1), cue_def(3, 0, &r->ch[2], 1) };
	int origin[4] = { 0, -1, 1, 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 4), 0);
	/* one at a time */
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 4), GL_EAGAIN);
	/* the control thread's view is the old list until the event */
	assert_int_equal(gl_engine_cue_count(r->e, r->list), 3);
	gl_engine_tick(r->e, S(1.2));
	struct gl_event ev;
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	assert_int_equal(ev.list, r->list);
	assert_int_equal(gl_engine_cue_count(r->e, r->list), 4);
	assert_string_equal(gl_engine_cue(r->e, r->list, 1)->number_text, "1.5");
	assert_int_equal(gl_engine_cue_origin(r->e, r->list, 1), -1);
	assert_int_equal(gl_engine_cue_origin(r->e, r->list, 2), 1);
	expect_cues(r, 2, 3);
	/* cue 2 now holds dim 3 at half (tracked from 1.5): on stage at once */
	assert_float_equal(val(r, 2), 0.5f, 1e-6);
	assert_float_equal(val(r, 0), 1.0f, 1e-6);
}

static void test_delete_active_and_fade_goes_on(void **state)
{
	struct rig *r = *state;
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_GOTO, 1);
	gl_engine_tick(r->e, S(1));
	/* delete the active cue 2: playback hands over to cue 1, values stay
	 * until the next GO, which fires cue 3 */
	struct gl_cue_def defs[2] = { cue_def(1, 0, &r->ch[0], 1), cue_def(3, 0, &r->ch[2], 1) };
	int origin[2] = { 0, 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 2), 0);
	gl_engine_tick(r->e, S(2));
	struct gl_event ev;
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	expect_cues(r, 0, 1);
	/* cue 1 as it stands holds dim 1 only: dim 2 (set by the deleted cue)
	 * is released */
	assert_float_equal(val(r, 0), 1.0f, 1e-6);
	assert_float_equal(val(r, 1), 0.0f, 1e-6);
	cmd(r, GL_CMD_GO, 0);
	gl_engine_tick(r->e, S(3));
	struct gl_snapshot snap;
	struct gl_list_status ls = list_status(r, &snap);
	assert_int_equal(ls.active, 1);
	assert_string_equal(gl_engine_cue(r->e, r->list, ls.active)->number_text, "3");
}

static void test_fade_in_progress_goes_on(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change ch[3];
	ch[0] = (struct gl_cue_change){ r->p[0], 1.0f };
	struct gl_cue_def d = cue_def(1, 4, &ch[0], 1);
	assert_true(gl_engine_add_cue(r->e, r->list, &d) >= 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);
	gl_engine_tick(r->e, S(10));
	cmd(r, GL_CMD_GO, 0);
	gl_engine_tick(r->e, S(10));       /* GO at 10 s: 4 s fade up */
	gl_engine_tick(r->e, S(11));
	assert_float_equal(val(r, 0), 0.25f, 1e-5);
	/* a cue added after it does not touch the running fade */
	ch[1] = (struct gl_cue_change){ r->p[1], 1.0f };
	struct gl_cue_def defs[2] = { cue_def(1, 4, &ch[0], 1), cue_def(2, 0, &ch[1], 1) };
	int origin[2] = { 0, -1 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 2), 0);
	gl_engine_tick(r->e, S(12));
	assert_float_equal(val(r, 0), 0.5f, 1e-5);
	gl_engine_tick(r->e, S(14));
	assert_float_equal(val(r, 0), 1.0f, 1e-6);
	assert_float_equal(val(r, 1), 0.0f, 1e-6);
}

static void test_bad_edits_change_nothing(void **state)
{
	struct rig *r = *state;
	struct gl_cue_def defs[2] = { cue_def(2, 0, &r->ch[0], 1), cue_def(1, 0, &r->ch[1], 1) };
	int origin[2] = { 0, 1 };
	/* numbers must ascend; origins in range and used once */
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 2), GL_EINVAL);
	defs[0].number = 1;
	defs[1].number = 2;
	int twice[2] = { 0, 0 }, out_of_range[2] = { 0, 7 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, twice, 2), GL_EINVAL);
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, out_of_range, 2), GL_EINVAL);
	struct gl_cue_change bad = { r->p[0], 2.0f };
	struct gl_cue_def worse = cue_def(1, 0, &bad, 1);
	int zero = 0;
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, &worse, &zero, 1), GL_EINVAL);
	assert_int_equal(gl_engine_replace_cues(r->e, 5, defs, origin, 2), GL_ENOENT);
	gl_engine_tick(r->e, S(1));
	struct gl_event ev;
	assert_false(next_of(r, GL_EV_CUES_REPLACED, &ev));
	assert_int_equal(gl_engine_cue_count(r->e, r->list), 3);
	/* a list may lose every cue; GO then ends the list */
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, NULL, NULL, 0), 0);
	gl_engine_tick(r->e, S(2));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	assert_int_equal(gl_engine_cue_count(r->e, r->list), 0);
	cmd(r, GL_CMD_GO, 0);
	gl_engine_tick(r->e, S(3));
	assert_true(next_of(r, GL_EV_LIST_END, &ev));
}

/* Ticks from t0 to t1 at 40 Hz, reading the events as the control thread
 * does: the numbers of the cues the list fired meanwhile, in order. */
static int fired_between(struct rig *r, double t0, double t1, char numbers[][GL_CUE_NUMBER_MAX],
			 int max)
{
	int n = 0;
	for (double t = t0; t <= t1 + 1e-9; t += 0.025) {
		gl_engine_tick(r->e, S(t));
		struct gl_event ev;
		while (gl_engine_next_event(r->e, &ev))
			if (ev.type == GL_EV_CUE_FIRED && ev.list == r->list && n < max)
				snprintf(numbers[n++], GL_CUE_NUMBER_MAX, "%s",
					 gl_engine_cue(r->e, r->list, ev.cue)->number_text);
	}
	return n;
}

/* The command at t, ticked then and 0.1 s later: effects 0 and 1 (the
 * ramp and the square below) at these levels. */
static void step_levels(struct rig *r, enum gl_cmd_type type, int index, double t, float level0,
			float level1)
{
	cmd(r, type, index);
	gl_engine_tick(r->e, S(t));
	gl_engine_tick(r->e, S(t + 0.1));
	assert_float_equal(gl_engine_effect_level(r->e, 0), level0, 1e-6);
	assert_float_equal(gl_engine_effect_level(r->e, 1), level1, 1e-6);
}

/* Cues 1..4 on dim 2; cue 2 starts a ramp on dim 1 (0.1 Hz: its value is
 * the time since it started / 10), cue 3 a square on dim 3, cue 4 stops
 * the ramp. An edit while cue 2 plays (1.5 recorded, 2 renumbered 2.5, 3
 * deleted) moves the effects with their cues: the ramp runs on unbroken,
 * and the new list's cues run what their own cues say, not what the cue
 * at their old index did; a cue brought back by an undo runs its own. */
static void test_edit_keeps_cue_effects(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change ch[4];
	struct gl_cue_def defs[4];
	for (int q = 0; q < 4; q++) {
		ch[q] = (struct gl_cue_change){ r->p[1], (q + 1) / 10.0f };
		defs[q] = cue_def(q + 1, 0, &ch[q], 1);
		assert_int_equal(gl_engine_add_cue(r->e, r->list, &defs[q]), q);
	}
	int dim1 = 0, dim3 = 2;   /* fixture ids, in the order added */
	struct gl_effect_def ramp = { .name = "ramp", .wave = GL_WAVE_RAMP_UP,
				      .attr = GL_ATTR_INTENSITY, .fixtures = &dim1,
				      .fixture_count = 1, .rate_hz = 0.1, .size = 1.0f };
	struct gl_effect_def square = ramp;
	snprintf(square.name, sizeof square.name, "square");
	square.wave = GL_WAVE_SQUARE;
	square.duty = 1.0f;
	square.rate_hz = 1.0;
	square.fixtures = &dim3;
	assert_int_equal(gl_engine_add_effect(r->e, &ramp), 0);
	assert_int_equal(gl_engine_add_effect(r->e, &square), 1);
	assert_int_equal(gl_engine_cue_effect(r->e, r->list, 1, 0, true), 0);
	assert_int_equal(gl_engine_cue_effect(r->e, r->list, 2, 1, true), 0);
	assert_int_equal(gl_engine_cue_effect(r->e, r->list, 3, 0, false), 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	cmd(r, GL_CMD_GOTO, 1);                /* cue 2: the ramp starts at 1 s */
	gl_engine_tick(r->e, S(1));
	gl_engine_tick(r->e, S(3));
	assert_float_equal(val(r, 0), 0.2f, 0.01);

	struct gl_cue_change half = { r->p[1], 0.15f };
	struct gl_cue_def next[4] = { defs[0], cue_def(1.5, 0, &half, 1), defs[1], defs[3] };
	next[2].number = 2.5;
	snprintf(next[2].number_text, sizeof next[2].number_text, "2.5");
	int origin[4] = { 0, -1, 1, 3 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, next, origin, 4), 0);
	gl_engine_tick(r->e, S(3.5));
	struct gl_event ev;
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	/* cue 2.5 is cue 2: the ramp goes on from where it was */
	gl_engine_tick(r->e, S(4));
	assert_float_equal(val(r, 0), 0.3f, 0.01);
	assert_float_equal(gl_engine_effect_level(r->e, 0), 1.0f, 1e-6);
	assert_float_equal(gl_engine_effect_level(r->e, 1), 0.0f, 1e-6);

	/* 1.5 tracks from cue 1: nothing runs (at index 1 was cue 2) */
	step_levels(r, GL_CMD_GOTO, 1, 5, 0.0f, 0.0f);
	/* 2.5 runs the ramp, not the square (at index 2 was cue 3) */
	step_levels(r, GL_CMD_GOTO, 2, 6, 1.0f, 0.0f);
	/* 4 stops the ramp; the square that deleted cue 3 started is gone */
	step_levels(r, GL_CMD_GO, 0, 7, 0.0f, 0.0f);
	assert_float_equal(val(r, 2), 0.0f, 1e-6);

	/* deleting the cue that started a running effect hands the list to
	 * the cue before, which does not run it: it stops */
	cmd(r, GL_CMD_GOTO, 2);
	gl_engine_tick(r->e, S(8));
	assert_float_equal(gl_engine_effect_level(r->e, 0), 1.0f, 1e-6);
	struct gl_cue_def fewer[3] = { next[0], next[1], next[3] };
	int kept[3] = { 0, 1, 3 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, fewer, kept, 3), 0);
	gl_engine_tick(r->e, S(8.5));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	gl_engine_tick(r->e, S(8.6));
	assert_float_equal(gl_engine_effect_level(r->e, 0), 0.0f, 1e-6);

	/* undo: cue 2.5 back as the cue the list was built with at index 1,
	 * and with it the ramp it starts; a built cue named twice or one the
	 * list never had is refused */
	struct gl_cue_def again[4] = { next[0], next[1], next[2], next[3] };
	int bad[4] = { 0, 1, GL_CUE_BUILT(4), 2 }, twice[4] = { 0, GL_CUE_BUILT(1),
								 GL_CUE_BUILT(1), 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, again, bad, 4), GL_EINVAL);
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, again, twice, 4), GL_EINVAL);
	int back[4] = { 0, 1, GL_CUE_BUILT(1), 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, again, back, 4), 0);
	gl_engine_tick(r->e, S(9));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	/* the origins say so: kept, kept, back from the build, kept */
	assert_int_equal(gl_engine_cue_origin(r->e, r->list, 1), 1);
	assert_int_equal(gl_engine_cue_origin(r->e, r->list, 2), GL_CUE_BUILT(1));
	assert_int_equal(gl_engine_cue_origin(r->e, r->list, 3), 2);
	cmd(r, GL_CMD_GOTO, 2);
	gl_engine_tick(r->e, S(9.5));
	assert_float_equal(gl_engine_effect_level(r->e, 0), 1.0f, 1e-6);
}

/* A list on its own timecode clock: cues 1..4 at 1, 3, 5 and 8 s. While
 * cue 2 plays, cue 1 is deleted and 3.5 recorded (no time): the clock
 * fires cue 3 at 5 s and cue 4 at 8 s - by identity, not the cues now at
 * their old indices - and never the new cue. A renumber that would put a
 * timed cue out of time order is refused, nothing changed. A deleted cue
 * brought back by an undo (GL_CUE_BUILT) has its time again. */
static void test_edit_keeps_timecode_cues(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change ch[4];
	struct gl_cue_def defs[4];
	for (int q = 0; q < 4; q++) {
		ch[q] = (struct gl_cue_change){ r->p[q % 3], 1.0f };
		defs[q] = cue_def(q + 1, 0, &ch[q], 1);
		assert_int_equal(gl_engine_add_cue(r->e, r->list, &defs[q]), q);
	}
	assert_int_equal(gl_engine_set_timecode(r->e, r->list, false, 0), 0);
	const double times[4] = { 1, 3, 5, 8 };
	for (int q = 0; q < 4; q++)
		assert_int_equal(gl_engine_cue_time(r->e, r->list, q, times[q]), 0);
	assert_int_equal(gl_engine_finalize(r->e), 0);

	char fired[8][GL_CUE_NUMBER_MAX];
	cmd(r, GL_CMD_GO, 0);                   /* the clock runs from 0 at 0.5 s */
	assert_int_equal(fired_between(r, 0.5, 3.75, fired, 8), 2);
	assert_string_equal(fired[1], "2");

	/* out of time order: cue 2 (3 s) renumbered after cue 4 (8 s) */
	struct gl_cue_def moved[4] = { defs[0], defs[2], defs[3], defs[1] };
	moved[3].number = 9;
	snprintf(moved[3].number_text, sizeof moved[3].number_text, "9");
	int moved_origin[4] = { 0, 2, 3, 1 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, moved, moved_origin, 4), GL_EINVAL);
	assert_int_equal(gl_engine_cue_count(r->e, r->list), 4);

	struct gl_cue_change low = { r->p[0], 0.3f };
	struct gl_cue_def next[4] = { defs[1], defs[2], cue_def(3.5, 0, &low, 1), defs[3] };
	int origin[4] = { 1, 2, -1, 3 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, next, origin, 4), 0);
	gl_engine_tick(r->e, S(3.8));
	struct gl_event ev;
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	struct gl_snapshot snap;
	assert_int_equal(list_status(r, &snap).active, 0);    /* cue 2 */
	assert_int_equal(fired_between(r, 3.825, 9.5, fired, 8), 2);
	assert_string_equal(fired[0], "3");
	assert_string_equal(fired[1], "4");
	assert_float_equal(gl_engine_timecode_position(r->e, r->list), 9.0, 1e-6);

	/* cue 3 deleted, then back by an undo (GL_CUE_BUILT): with its time,
	 * so a GOTO to it puts the clock at 5 s and fires it */
	struct gl_cue_def less[3] = { next[0], next[2], next[3] };
	int keep[3] = { 0, 2, 3 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, less, keep, 3), 0);
	gl_engine_tick(r->e, S(9.525));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	int undo[4] = { 0, GL_CUE_BUILT(2), 1, 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, next, undo, 4), 0);
	gl_engine_tick(r->e, S(9.55));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	cmd(r, GL_CMD_GOTO, 1);
	assert_int_equal(fired_between(r, 9.575, 9.575, fired, 8), 1);
	assert_string_equal(fired[0], "3");
	assert_float_equal(gl_engine_timecode_position(r->e, r->list), 5.0, 1e-6);
}

/* The live state (the resume journal's) names cues by index, as the
 * reader's gl_engine_cue*() show them: none is handed out between an edit
 * and its event being read, one from before the edit that is read after
 * it is dropped, and the next tick publishes the list's new indices (the
 * active cue and the one its fade started from, moved with the edit). */
static void test_live_state_follows_edits(void **state)
{
	struct rig *r = *state;
	assert_int_equal(gl_engine_live_enable(r->e), 0);
	struct gl_live_list ll;
	struct gl_live_param params[3];
	float levels[1];
	struct gl_live_state live = { .lists = &ll, .fader_levels = levels, .params = params };
	struct gl_event ev;
	cmd(r, GL_CMD_GOTO, 0);
	cmd(r, GL_CMD_GO, 0);                  /* cue 2, from cue 1 */
	gl_engine_tick(r->e, S(1));
	assert_int_equal(gl_engine_live_read(r->e, &live), 1);
	assert_int_equal(ll.active, 1);
	assert_int_equal(ll.from, 0);

	/* 0.5 recorded before cue 1 */
	struct gl_cue_change low = { r->p[2], 0.3f };
	struct gl_cue_def defs[4] = { cue_def(0.5, 0, &low, 1), cue_def(1, 0, &r->ch[0], 1),
				      cue_def(2, 0, &r->ch[1], 1), cue_def(3, 0, &r->ch[2], 1) };
	int origin[4] = { -1, 0, 1, 2 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, defs, origin, 4), 0);
	gl_engine_tick(r->e, S(1.1));
	gl_engine_tick(r->e, S(1.2));
	assert_int_equal(gl_engine_live_read(r->e, &live), 0);  /* its event is unread */
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	gl_engine_tick(r->e, S(1.3));
	assert_int_equal(gl_engine_live_read(r->e, &live), 1);
	assert_int_equal(live.cue_edits, 1);
	assert_string_equal(gl_engine_cue(r->e, r->list, ll.active)->number_text, "2");
	assert_string_equal(gl_engine_cue(r->e, r->list, ll.from)->number_text, "1");

	/* a state published before the next edit, read after its event */
	cmd(r, GL_CMD_GOTO, 3);
	gl_engine_tick(r->e, S(2));
	struct gl_cue_def fewer[3] = { defs[0], defs[1], defs[3] };
	int kept[3] = { 0, 1, 3 };
	assert_int_equal(gl_engine_replace_cues(r->e, r->list, fewer, kept, 3), 0);
	gl_engine_tick(r->e, S(2.1));
	assert_true(next_of(r, GL_EV_CUES_REPLACED, &ev));
	assert_int_equal(gl_engine_live_read(r->e, &live), 0);  /* the old list's indices */
	gl_engine_tick(r->e, S(2.2));
	assert_int_equal(gl_engine_live_read(r->e, &live), 1);
	assert_int_equal(ll.active, 2);
	assert_string_equal(gl_engine_cue(r->e, r->list, ll.active)->number_text, "3");
}

static void test_standby_and_snapshot_fields(void **state)
{
	struct rig *r = *state;
	struct gl_cue_change ch[3];
	for (int i = 0; i < 3; i++) {
		ch[i] = (struct gl_cue_change){ r->p[i], 1.0f };
		struct gl_cue_def d = cue_def(i + 1, 2, &ch[i], 1);
		if (i == 0) {
			d.continue_mode = GL_CONTINUE_FOLLOW;
			d.wait_s = 1;
		}
		assert_true(gl_engine_add_cue(r->e, r->list, &d) >= 0);
	}
	assert_int_equal(gl_engine_finalize(r->e), 0);
	struct gl_snapshot snap;
	gl_engine_tick(r->e, S(1));
	cmd(r, GL_CMD_GO, 0);
	gl_engine_tick(r->e, S(1));
	/* follow 1 s after a 2 s fade: 3 s from the GO */
	assert_float_equal(list_status(r, &snap).continue_in_s, 3.0f, 1e-4);
	gl_engine_tick(r->e, S(2.5));
	assert_float_equal(list_status(r, &snap).continue_in_s, 1.5f, 1e-4);
	/* the standby moved to cue 3: the follow fires it */
	cmd(r, GL_CMD_STANDBY, 2);
	gl_engine_tick(r->e, S(2.6));
	assert_int_equal(list_status(r, &snap).standby, 2);
	gl_engine_tick(r->e, S(4.1));
	struct gl_list_status ls = list_status(r, &snap);
	assert_int_equal(ls.active, 2);
	assert_int_equal(ls.standby, -1);
	assert_float_equal(ls.continue_in_s, -1.0f, 1e-6);
	struct gl_cmd bad = { GL_CMD_STANDBY, r->list, 3, 0 };
	assert_int_equal(gl_engine_command(r->e, &bad), GL_EINVAL);

	struct gl_cmd set = { GL_CMD_SET_PARAM, -1, r->p[1], 0.5f };
	assert_int_equal(gl_engine_command(r->e, &set), 0);
	gl_engine_tick(r->e, S(5));
	list_status(r, &snap);
	assert_int_equal(snap.programmer_count, 1);
}

/* An edit that takes a list into a universe it did not touch and out of
 * it again: the new universe merges the list's values, LTP goes to the
 * newest change, and what the list lets go of returns to the list below. */
static void test_edit_moves_universes_and_owners(void **state)
{
	struct gl_engine_config cfg = { .rate_hz = 40 };
	struct gl_fixture_type t = { .name = "dim+red", .channel_count = 2 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_RED, .bytes = 1, .offset = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	struct gl_engine *e = gl_engine_create(&cfg);
	int fa = gl_engine_add_fixture(e, &t, "a", 1, 1, NULL);
	int fb = gl_engine_add_fixture(e, &t, "b", 2, 1, NULL);
	int ra = gl_engine_param(e, fa, GL_ATTR_RED), rb = gl_engine_param(e, fb, GL_ATTR_RED);
	int main_list = gl_engine_add_cuelist(e, "Main", false);
	int other = gl_engine_add_cuelist(e, "Other", false);
	struct gl_cue_change a_low = { ra, 0.25f }, b_full = { rb, 1.0f };
	struct gl_cue_change both[2] = { { ra, 0.75f }, { rb, 0.5f } };
	struct gl_cue_def d = cue_def(1, 0, &a_low, 1);
	assert_true(gl_engine_add_cue(e, main_list, &d) >= 0);
	d = cue_def(1, 0, both, 2);
	assert_true(gl_engine_add_cue(e, other, &d) >= 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	int u2 = gl_engine_universe_index(e, 2);

	struct gl_cmd go_other = { GL_CMD_GO, other, 0, 0 }, go_main = { GL_CMD_GO, main_list, 0, 0 };
	assert_int_equal(gl_engine_command(e, &go_other), 0);
	gl_engine_tick(e, S(1));
	assert_int_equal(gl_engine_command(e, &go_main), 0);
	gl_engine_tick(e, S(2));
	assert_float_equal(gl_engine_param_value(e, ra), 0.25f, 1e-6);
	assert_float_equal(gl_engine_param_value(e, rb), 0.5f, 1e-6);

	/* Main gets a cue 2 in universe 2; nothing changes until it fires */
	struct gl_cue_def defs[2] = { cue_def(1, 0, &a_low, 1), cue_def(2, 0, &b_full, 1) };
	int origin[2] = { 0, -1 };
	assert_int_equal(gl_engine_replace_cues(e, main_list, defs, origin, 2), 0);
	gl_engine_tick(e, S(3));
	struct gl_event ev;
	while (gl_engine_next_event(e, &ev))
		;
	assert_float_equal(gl_engine_param_value(e, rb), 0.5f, 1e-6);
	assert_int_equal(gl_engine_command(e, &go_main), 0);
	gl_engine_tick(e, S(4));
	assert_float_equal(gl_engine_param_value(e, ra), 0.25f, 1e-6);
	assert_float_equal(gl_engine_param_value(e, rb), 1.0f, 1e-6);
	assert_int_equal(gl_engine_dmx(e, u2)[1], 255);

	/* cue 2 deleted while active: Main lets go of universe 2, where
	 * Other's red shows again */
	int keep[1] = { 0 };
	assert_int_equal(gl_engine_replace_cues(e, main_list, defs, keep, 1), 0);
	gl_engine_tick(e, S(5));
	while (gl_engine_next_event(e, &ev))
		;
	assert_float_equal(gl_engine_param_value(e, ra), 0.25f, 1e-6);
	assert_float_equal(gl_engine_param_value(e, rb), 0.5f, 1e-6);
	assert_int_equal(gl_engine_dmx(e, u2)[1], 128);
	gl_engine_destroy(e);
}

/* A second reader of the snapshot has its own copy: the control thread's
 * reads and the console's never take a buffer from each other. On a fake
 * clock first, then with the engine thread running and a reader thread
 * beside this one (the TSan run checks the hand-over): each reader sees
 * ticks that only move forward. */
struct tap_reader {
	struct gl_snapshot_tap *tap;
	atomic_bool stop;
	uint64_t reads, backwards;
};

static void *tap_reader_main(void *arg)
{
	struct tap_reader *t = arg;
	struct gl_list_status ls[1];
	float levels[1];
	uint64_t last = 0;
	while (!atomic_load(&t->stop)) {
		struct gl_snapshot snap = { .lists = ls, .fader_levels = levels };
		if (gl_snapshot_tap_read(t->tap, &snap) != 0)
			continue;
		t->reads++;
		t->backwards += snap.tick < last;
		last = snap.tick;
	}
	return NULL;
}

static void test_snapshot_tap(void **state)
{
	struct rig *r = *state;
	struct gl_snapshot_tap *tap = gl_engine_add_snapshot_tap(r->e);
	assert_non_null(tap);
	struct gl_list_status ls[1];
	float levels[1];
	struct gl_snapshot snap = { .lists = ls, .fader_levels = levels };
	assert_int_equal(gl_snapshot_tap_read(tap, &snap), GL_EAGAIN);
	cmd(r, GL_CMD_GOTO, 2);
	gl_engine_tick(r->e, S(1));
	assert_int_equal(gl_snapshot_tap_read(tap, &snap), 0);
	assert_int_equal(ls[0].active, 2);
	/* the control thread's reader still finds this tick: nothing was taken */
	assert_int_equal(list_status(r, &snap).active, 2);
	cmd(r, GL_CMD_GOTO, 0);
	gl_engine_tick(r->e, S(2));
	assert_int_equal(list_status(r, &snap).active, 0);
	snap = (struct gl_snapshot){ .lists = ls, .fader_levels = levels };
	assert_int_equal(gl_snapshot_tap_read(tap, &snap), 0);
	assert_int_equal(ls[0].active, 0);
	assert_int_equal(snap.tick, 1);

	struct tap_reader reader = { .tap = tap };
	pthread_t thread;
	assert_int_equal(gl_engine_start(r->e), 0);
	assert_null(gl_engine_add_snapshot_tap(r->e));  /* not once it runs */
	assert_int_equal(pthread_create(&thread, NULL, tap_reader_main, &reader), 0);
	uint64_t last = 0, reads = 0;
	while (reads < 20) {   /* 20 new ticks seen here, at 40 Hz */
		if (gl_engine_snapshot(r->e, &snap) == 0 && snap.tick > last) {
			reads++;
			last = snap.tick;
		}
		struct timespec pause = { 0, 5000000 };
		nanosleep(&pause, NULL);
	}
	atomic_store(&reader.stop, true);
	pthread_join(thread, NULL);
	gl_engine_stop(r->e);
	assert_true(reader.reads > 0);
	assert_int_equal(reader.backwards, 0);
}

int main(void)
{
#define RIG(test) cmocka_unit_test_setup_teardown(test, rig_setup, rig_teardown)
#define THREE_CUES(test) cmocka_unit_test_setup_teardown(test, three_cues_setup, rig_teardown)
	const struct CMUnitTest tests[] = {
		THREE_CUES(test_insert_keeps_active_and_tracks),
		THREE_CUES(test_delete_active_and_fade_goes_on),
		RIG(test_fade_in_progress_goes_on),
		THREE_CUES(test_bad_edits_change_nothing),
		RIG(test_edit_keeps_cue_effects),
		RIG(test_edit_keeps_timecode_cues),
		THREE_CUES(test_live_state_follows_edits),
		RIG(test_standby_and_snapshot_fields),
		cmocka_unit_test(test_edit_moves_universes_and_owners),
		THREE_CUES(test_snapshot_tap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
