/*
 * test_tick_noalloc.c - the engine tick allocates nothing and takes no
 * lock, checked rather than promised: allocations are counted through the
 * sanitizer allocator hooks (ASan test builds) or mallinfo2 (other builds),
 * and pthread_mutex_lock is interposed, while ticks run with GOs, follows,
 * STOPs, faders, masters, the programmer, two lists fighting over LTP
 * params, a DMX input, a frame tap, effects (waves, pixels, on a cue, a
 * fader, the sound input, tap tempo), a timecode list, and the live
 * state's export and a restore in play, and while cue lists edited by the
 * console (gl_engine_replace_cues) are swapped in. (tools/check_tick.sh
 * checks the same of the tick's object files at build time.)
 */
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "tools/noalloc.h"
#include "tools/show_test.h"

static volatile long locks_in_tick;

int pthread_mutex_lock(pthread_mutex_t *m)
{
	static int (*real)(pthread_mutex_t *);
	if (!real)
		real = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
	if (noalloc_watching)
		locks_in_tick++;
	return real(m);
}

/* One tick with the counters on, then its events read (outside the tick,
 * as the control thread does). Returns how many lists it swapped. */
static int counted_tick(struct gl_engine *e, uint64_t t_ns)
{
	struct gl_event ev;
	int swaps = 0;
	noalloc_watching = 1;
	gl_engine_tick(e, t_ns);
	noalloc_watching = 0;
	while (gl_engine_next_event(e, &ev))
		swaps += ev.type == GL_EV_CUES_REPLACED;
	return swaps;
}

static void test_tick_allocates_nothing(void **state)
{
	bool hooks = noalloc_hooks_install();

	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = { .name = "rgbw", .channel_count = 4 };
	enum gl_attr a[4] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE, GL_ATTR_WHITE };
	for (int c = 0; c < 4; c++)
		t.channels[c] = (struct gl_channel){ .attr = a[c], .bytes = 1, .default_value = 1.0f, .offset = 0 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	int ids[16];
	for (int f = 0; f < 16; f++)
		ids[f] = gl_engine_add_fixture(e, &t, "px", 1 + f / 8, 1 + (f % 8) * 4, NULL);
	int g = gl_engine_add_group(e, "all", ids, 16);
	int l = gl_engine_add_cuelist(e, "L", true);
	int l2 = gl_engine_add_cuelist(e, "Colour", false);
	struct gl_cue_change ch[32];
	for (int q = 0; q < 3; q++) {
		int n = 0;
		for (int f = 0; f < 16; f++) {
			ch[n++] = (struct gl_cue_change){ gl_engine_param(e, ids[f], GL_ATTR_INTENSITY),
							  (float)(q + 1) / 3.0f };
			if (q == 1)   /* looping to cue 1 lets go of red: LTP handed back */
				ch[n++] = (struct gl_cue_change){ gl_engine_param(e, ids[f], GL_ATTR_RED),
								  0.75f };
		}
		struct gl_cue_def d = cue_def(q + 1, 0.1, ch, n);
		d.continue_mode = GL_CONTINUE_FOLLOW;
		assert_true(gl_engine_add_cue(e, l, &d) >= 0);
		d.continue_mode = GL_CONTINUE_MANUAL;
		for (int f = 0; f < 16; f++)
			ch[f] = (struct gl_cue_change){ gl_engine_param(e, ids[f], GL_ATTR_RED), 0.5f };
		d.change_count = 16;
		assert_true(gl_engine_add_cue(e, l2, &d) >= 0);
	}
	assert_int_equal(gl_engine_add_fader(e, 1, GL_FADER_GROUP, g, "All", 1.0f), 0);
	/* effects: a sine across the group from the start, a rainbow a cue
	 * starts, on a fader; a list on timecode */
	struct gl_effect_def fx = { .name = "wave", .wave = GL_WAVE_SINE, .attr = GL_ATTR_WHITE,
				    .fixtures = ids, .fixture_count = 16, .rate_hz = 2,
				    .size = 1, .spread_deg = 360, .start = true, .beat_sync = true };
	assert_int_equal(gl_engine_add_effect(e, &fx), 0);
	fx = (struct gl_effect_def){ .name = "px", .wave = GL_WAVE_NOISE, .fixtures = ids,
				     .fixture_count = 16, .rate_hz = 1, .size = 1, .scale = 2,
				     .fade_in_s = 0.5, .fade_out_s = 0.5, .size_from_level = true };
	assert_int_equal(gl_engine_add_effect(e, &fx), 1);
	assert_int_equal(gl_engine_cue_effect(e, l, 1, 1, true), 0);
	assert_int_equal(gl_engine_add_fader(e, 2, GL_FADER_EFFECT_SIZE, 1, "Px", 1.0f), 0);
	int tc = gl_engine_add_cuelist(e, "TC", false);
	for (int q = 0; q < 3; q++) {
		for (int f = 0; f < 16; f++)
			ch[f] = (struct gl_cue_change){ gl_engine_param(e, ids[f], GL_ATTR_GREEN),
							(float)q / 2.0f };
		struct gl_cue_def d = cue_def(q + 1, 0.5, ch, 16);
		assert_int_equal(gl_engine_add_cue(e, tc, &d), q);
	}
	assert_int_equal(gl_engine_set_timecode(e, tc, true, 0.5), 0);
	for (int q = 0; q < 3; q++)
		assert_int_equal(gl_engine_cue_time(e, tc, q, 1.0 + q), 0);
	assert_int_equal(gl_engine_add_input(e, 9, 2), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	assert_non_null(tap);
	int red = gl_engine_param(e, ids[3], GL_ATTR_RED);
	/* the export publishes on every change below; the first tick puts
	 * a state back (a list mid-fade, a fader, the programmer) */
	struct gl_live_list lists[3] = {
		{ GL_LIST_RUNNING, 1, 0, false, 1, 50000000, 1.0f },
		{ GL_LIST_PAUSED, 2, 1, false, 2, 10000000, 0.5f },
		{ GL_LIST_OFF, -1, -1, false, 0, 0, 1.0f },   /* the timecode list */
	};
	float levels[2] = { 0.5f, 1.0f };
	struct gl_live_param params[64] = { { red, 0.5f } };
	struct gl_live_state live = { .grand_master = 1, .list_count = 3, .lists = lists,
				      .fader_count = 2, .fader_levels = levels,
				      .param_count = 1, .params = params };
	assert_int_equal(gl_engine_live_enable(e), 0);
	assert_int_equal(gl_engine_restore(e, &live), 0);

	struct mallinfo2 before = mallinfo2();
	uint64_t t_ns = 0;
	uint8_t in[GL_DMX_SLOTS] = { 0 };
	for (int i = 0; i < 500; i++, t_ns += 22727272) {
		struct gl_cmd c = { GL_CMD_FADER, l, 1, (float)(i % 10) / 10.0f };
		switch (i % 50) {
		case 0: c.type = GL_CMD_GO; break;
		case 7: c.type = GL_CMD_GO; c.list = l2; break;
		case 13: c.type = GL_CMD_SET_PARAM; c.index = red; c.value = 0.25f; break;
		case 19: c.type = GL_CMD_GRAND_MASTER; c.value = 0.5f; break;
		case 23: c.type = GL_CMD_BLACKOUT; c.index = i % 100 == 23; break;
		case 29: c.type = GL_CMD_CLEAR_PARAM; c.index = -1; break;
		case 37: c.type = GL_CMD_STOP; c.list = l2; break;
		case 41: c.type = GL_CMD_PAUSE; c.list = -1; break;
		case 43: c.type = GL_CMD_RESUME; c.list = -1; break;
		}
		assert_int_equal(gl_engine_command(e, &c), 0);
		struct gl_cmd fc = { GL_CMD_FX_SIZE, -1, 1, (float)(i % 7) / 7.0f };
		switch (i % 40) {
		case 3: fc.type = GL_CMD_FX_STOP; fc.index = 0; break;
		case 5: fc.type = GL_CMD_FX_START; fc.index = 0; break;
		case 11: case 12: case 13: fc.type = GL_CMD_FX_TAP; fc.index = 0; break;
		case 17: fc.type = GL_CMD_FX_RATE; fc.index = 0; fc.value = 3.0f; break;
		case 31: fc.type = GL_CMD_GO; fc.list = tc; break;
		}
		assert_int_equal(gl_engine_command(e, &fc), 0);
		/* the timecode runs, jumps back now and then, and drops out */
		if (i % 100 < 80)
			assert_int_equal(gl_engine_timecode(e, -1, (i % 60) * 0.0227, true), 0);
		gl_engine_sound_input(e, (float)(i % 10) / 10.0f, (uint32_t)(i / 20), 120.0f);
		in[i % GL_DMX_SLOTS] = (uint8_t)i;
		assert_int_equal(gl_tap_input(tap, 9, in, GL_DMX_SLOTS), 0);
		counted_tick(e, t_ns);
		gl_tap_read(tap);
		gl_engine_live_read(e, &live);
	}
	struct mallinfo2 after = mallinfo2();
	if (hooks)
		assert_int_equal(noalloc_allocs, 0);
	else
		assert_int_equal(after.uordblks, before.uordblks);
	assert_int_equal(locks_in_tick, 0);
	/* the interposer works: a lock outside the tick is seen by it */
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	noalloc_watching = 1;
	pthread_mutex_lock(&m);
	noalloc_watching = 0;
	pthread_mutex_unlock(&m);
	assert_int_equal(locks_in_tick, 1);
	if (hooks) { /* and so do the allocation hooks */
		noalloc_watching = 1;
		free(malloc(8));
		noalloc_watching = 0;
		assert_true(noalloc_allocs >= 2);
	}
	print_message("allocation check via %s\n", hooks ? "sanitizer hooks" : "mallinfo2");
	gl_engine_destroy(e);
}

/* The tick that takes an edited list swaps pointers, allocating nothing;
 * the building and the freeing happen outside it. The list grows into a
 * second universe and out of it again, and shares its LTP params with a
 * second list, so the index of list runs and the owners change with it;
 * it runs an effect from its cues, and a list on timecode is edited too
 * (their effect tracking and cue times change hands in the same tick).
 * Counted through the sanitizer hooks only: mallinfo2 cannot tell the
 * edits' own memory apart. */
static void test_edit_swap_allocates_nothing(void **state)
{
	if (!noalloc_hooks_install())
		skip();
	noalloc_allocs = locks_in_tick = 0;
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = { .name = "dim+red", .channel_count = 2 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_RED, .bytes = 1, .offset = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	int l = gl_engine_add_cuelist(e, "L", true);
	int other = gl_engine_add_cuelist(e, "Red", false);
	struct gl_cue_change ch[8][2], reds[8];
	struct gl_cue_def defs[8];
	int origin[8];
	for (int f = 0; f < 8; f++) {   /* fixtures 5..8 in universe 2 */
		int id = gl_engine_add_fixture(e, &t, "d", 1 + f / 4, 1 + (f % 4) * 2, NULL);
		ch[f][0] = (struct gl_cue_change){ gl_engine_param(e, id, GL_ATTR_INTENSITY), 1.0f };
		ch[f][1] = (struct gl_cue_change){ gl_engine_param(e, id, GL_ATTR_RED), 0.25f };
		reds[f] = (struct gl_cue_change){ ch[f][1].param, 0.5f };
		defs[f] = cue_def(f + 1, 0.2, ch[f], 2);
		origin[f] = f;
		if (f < 4)
			assert_true(gl_engine_add_cue(e, l, &defs[f]) >= 0);
	}
	struct gl_cue_def red = cue_def(1, 0, reds, 8);
	assert_true(gl_engine_add_cue(e, other, &red) >= 0);
	/* cue 2 of L starts an effect, cue 4 stops it; a third list runs on
	 * timecode (cues at 0.5 s steps), edited too: its cue 2 goes and
	 * comes back */
	int ids[2] = { 0, 1 };
	struct gl_effect_def fx = { .name = "wave", .wave = GL_WAVE_SINE,
				    .attr = GL_ATTR_INTENSITY, .fixtures = ids,
				    .fixture_count = 2, .rate_hz = 1.0, .size = 1.0f };
	assert_int_equal(gl_engine_add_effect(e, &fx), 0);
	assert_int_equal(gl_engine_cue_effect(e, l, 1, 0, true), 0);
	assert_int_equal(gl_engine_cue_effect(e, l, 3, 0, false), 0);
	int tc = gl_engine_add_cuelist(e, "TC", false);
	for (int q = 0; q < 4; q++)
		assert_true(gl_engine_add_cue(e, tc, &defs[4 + q]) >= 0);
	assert_int_equal(gl_engine_set_timecode(e, tc, false, 0), 0);
	for (int q = 0; q < 4; q++)
		assert_int_equal(gl_engine_cue_time(e, tc, q, 0.5 * (q + 1)), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_cmd go_tc = { GL_CMD_GO, tc, 0, 0 };
	assert_int_equal(gl_engine_command(e, &go_tc), 0);
	const int drop[3] = { 0, 2, 3 }, back[4] = { 0, -1, 1, 2 };
	const struct gl_cue_def tc_defs[4] = { defs[4], defs[5], defs[6], defs[7] };
	const struct gl_cue_def tc_less[3] = { defs[4], defs[6], defs[7] };
	uint64_t t_ns = 0;
	int swaps = 0;
	for (int i = 0; i < 200; i++, t_ns += 22727272) {
		if (i % 10 == 5) {      /* the list grows and shrinks: 4..8 cues */
			int n = 4 + (i / 10) % 5;
			for (int k = 0; k < n; k++)
				origin[k] = k < gl_engine_cue_count(e, l) ? k : -1;
			assert_int_equal(gl_engine_replace_cues(e, l, defs, origin, n), 0);
		}
		if (i % 10 == 0) {
			bool full = gl_engine_cue_count(e, tc) == 4;
			assert_int_equal(gl_engine_replace_cues(e, tc, full ? tc_less : tc_defs,
								full ? drop : back, full ? 3 : 4), 0);
		}
		struct gl_cmd c = { GL_CMD_GO, i % 21 == 3 ? other : l, 0, 0 };
		if (i % 7 == 0 || i % 21 == 3)
			assert_int_equal(gl_engine_command(e, &c), 0);
		swaps += counted_tick(e, t_ns);
	}
	assert_int_equal(swaps, 40);
	assert_int_equal(noalloc_allocs, 0);
	assert_int_equal(locks_in_tick, 0);
	gl_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tick_allocates_nothing),
		cmocka_unit_test(test_edit_swap_allocates_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
