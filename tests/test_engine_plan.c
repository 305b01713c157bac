/*
 * test_engine_plan.c - the engine's plan from outside: what the lanes,
 * runs, LTP owners, skipped universes, shared looks and copied-on-change
 * taps must not change. Rigs big enough to give long runs (32+ params of
 * one class), several universes and lists that overlap, driven by a fake
 * clock; every check is a value or a byte a show would see.
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

static struct gl_fixture_type rgb_vi(void)
{
	struct gl_fixture_type t = { .name = "rgb", .channel_count = 3 };
	enum gl_attr a[3] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE };
	for (int c = 0; c < 3; c++)
		t.channels[c] = (struct gl_channel){ .attr = a[c], .bytes = 1, .default_value = 0.0f };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	assert_true(t.virtual_intensity);
	return t;
}

static struct gl_fixture_type mover(void)
{
	/* pan and tilt 16-bit with their fine bytes after both coarse ones,
	 * dimmer, inverted iris, gobo: every class and both render paths */
	struct gl_fixture_type t = { .name = "mover", .channel_count = 5, .explicit_offsets = true,
				     .pan_range_deg = 540, .tilt_range_deg = 270 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_PAN, .bytes = 2, .default_value = 0.5f,
					     .offset = 0, .fine_offset = { 2, 0 } };
	t.channels[1] = (struct gl_channel){ .attr = GL_ATTR_TILT, .bytes = 2, .default_value = 0.5f,
					     .offset = 1, .fine_offset = { 3, 0 } };
	t.channels[2] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1, .offset = 4 };
	t.channels[3] = (struct gl_channel){ .attr = GL_ATTR_IRIS, .bytes = 1, .offset = 5,
					     .inverted = true };
	t.channels[4] = (struct gl_channel){ .attr = GL_ATTR_GOBO, .bytes = 1, .offset = 6 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	return t;
}

static void cmd(struct gl_engine *e, enum gl_cmd_type type, int list, int index, float value)
{
	struct gl_cmd c = { type, list, index, value };
	assert_int_equal(gl_engine_command(e, &c), 0);
}

static int add_cue(struct gl_engine *e, int list, double number, double fade,
		   const struct gl_cue_change *ch, int n)
{
	struct gl_cue_def d = cue_def(number, fade, ch, n);
	int rc = gl_engine_add_cue(e, list, &d);
	assert_true(rc >= 0);
	return rc;
}

static uint8_t byte_of(float v)
{
	return (uint8_t)(v * 255.0f + 0.5f);
}

/* Three lists hold the colour of 64 fixtures (runs without gaps, one
 * class); the newest GO shows, and each STOP hands the params back to the
 * list that GOed before it. One list takes over only every other fixture,
 * so the others' runs are shown in part. */
static void test_ltp_owners_hand_back(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = rgb_vi();
	int red[64];
	for (int f = 0; f < 64; f++)
		red[f] = gl_engine_param(e, gl_engine_add_fixture(e, &t, "p", 1 + f / 32,
								   1 + (f % 32) * 3, NULL),
					 GL_ATTR_RED);
	int a = gl_engine_add_cuelist(e, "A", false), b = gl_engine_add_cuelist(e, "B", false),
	    c = gl_engine_add_cuelist(e, "C", false);
	struct gl_cue_change ch[192];
	for (int i = 0; i < 192; i++)   /* red, green, blue: params red + 0..2 */
		ch[i] = (struct gl_cue_change){ red[i / 3] + i % 3, 0.25f };
	add_cue(e, a, 1, 0, ch, 192);
	for (int i = 0; i < 192; i++)
		ch[i].value = 0.5f;
	add_cue(e, b, 1, 0, ch, 192);
	for (int i = 0; i < 96; i++)    /* every other fixture */
		ch[i] = (struct gl_cue_change){ red[2 * (i / 3)] + i % 3, 0.75f };
	add_cue(e, c, 1, 0, ch, 96);
	assert_int_equal(gl_engine_finalize(e), 0);

	cmd(e, GL_CMD_GO, a, 0, 0);
	gl_engine_tick(e, S(1));
	cmd(e, GL_CMD_GO, b, 0, 0);
	gl_engine_tick(e, S(2));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.5f, 1e-6);
	cmd(e, GL_CMD_GO, c, 0, 0);
	gl_engine_tick(e, S(3));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), (f % 2) ? 0.5f : 0.75f, 1e-6);
	cmd(e, GL_CMD_STOP, b, 0, 0);     /* the odd ones go back to A */
	gl_engine_tick(e, S(4));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), (f % 2) ? 0.25f : 0.75f, 1e-6);
	cmd(e, GL_CMD_STOP, c, 0, 0);
	gl_engine_tick(e, S(5));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.25f, 1e-6);
	cmd(e, GL_CMD_GO, b, 0, 0);       /* B again: newest */
	gl_engine_tick(e, S(6));
	cmd(e, GL_CMD_STOP, a, 0, 0);     /* an older list going changes nothing */
	gl_engine_tick(e, S(7));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.5f, 1e-6);
	cmd(e, GL_CMD_STOP, b, 0, 0);     /* nobody: the default */
	gl_engine_tick(e, S(8));
	for (int f = 0; f < 64; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.0f, 1e-6);
	gl_engine_destroy(e);
}

/* A universe whose lists settled keeps its frame while another fades, and
 * still follows a master, the programmer and an input. */
/* A list that shows every param of its runs loses some of them: to a
 * list merged before it (a GO), or by letting go (a GOTO to a cue that
 * does not hold them yet). */
static void test_ltp_owned_runs_lose_lanes(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = rgb_vi();
	int red[40];
	for (int f = 0; f < 40; f++)
		red[f] = gl_engine_param(e, gl_engine_add_fixture(e, &t, "p", 1, 1 + f * 3, NULL),
					 GL_ATTR_RED);
	int a = gl_engine_add_cuelist(e, "A", false), b = gl_engine_add_cuelist(e, "B", false);
	struct gl_cue_change ch[120];
	for (int i = 0; i < 120; i++)
		ch[i] = (struct gl_cue_change){ red[i / 3] + i % 3, 0.25f };
	add_cue(e, a, 1, 0, ch, 120);
	for (int i = 0; i < 60; i++)    /* B's cue 1: the first 20 fixtures */
		ch[i].value = 0.5f;
	add_cue(e, b, 1, 0, ch, 60);
	for (int i = 0; i < 120; i++)   /* B's cue 2: all of them */
		ch[i].value = 0.75f;
	add_cue(e, b, 2, 0, ch, 120);
	assert_int_equal(gl_engine_finalize(e), 0);

	cmd(e, GL_CMD_GOTO, b, 1, 0);     /* B shows everything */
	gl_engine_tick(e, S(1));
	cmd(e, GL_CMD_GO, a, 0, 0);       /* A, merged before B, takes it all */
	gl_engine_tick(e, S(2));
	for (int f = 0; f < 40; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.25f, 1e-6);
	cmd(e, GL_CMD_GOTO, b, 0, 0);     /* changes 0..19: B shows those */
	gl_engine_tick(e, S(3));
	cmd(e, GL_CMD_GOTO, b, 1, 0);     /* changes all: B shows everything again */
	gl_engine_tick(e, S(4));
	for (int f = 0; f < 40; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), 0.75f, 1e-6);
	cmd(e, GL_CMD_GOTO, b, 0, 0);     /* cue 1 lets go of fixtures 20..39 */
	gl_engine_tick(e, S(5));
	for (int f = 0; f < 40; f++)
		assert_float_equal(gl_engine_param_value(e, red[f]), f < 20 ? 0.5f : 0.25f, 1e-6);
	gl_engine_destroy(e);
}

static void test_settled_universe_follows_masters(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = rgb_vi();
	int vi[2], red[2];
	for (int u = 0; u < 2; u++) {
		int f = gl_engine_add_fixture(e, &t, "p", 1 + u, 1, NULL);
		vi[u] = gl_engine_param(e, f, GL_ATTR_INTENSITY);
		red[u] = gl_engine_param(e, f, GL_ATTR_RED);
	}
	int l1 = gl_engine_add_cuelist(e, "One", false), l2 = gl_engine_add_cuelist(e, "Two", false);
	struct gl_cue_change c1[] = { { vi[0], 1.0f }, { red[0], 1.0f } };
	struct gl_cue_change c2[] = { { vi[1], 1.0f }, { red[1], 1.0f } };
	add_cue(e, l1, 1, 10, c1, 2);      /* slow */
	add_cue(e, l2, 1, 0, c2, 2);       /* a snap */
	assert_int_equal(gl_engine_add_input(e, 5, 2), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	cmd(e, GL_CMD_GO, l1, 0, 0);
	cmd(e, GL_CMD_GO, l2, 0, 0);
	gl_engine_tick(e, S(0));
	for (int i = 1; i <= 10; i++) {
		gl_engine_tick(e, S(i * 0.5));
		float x = (float)(i * 0.5 / 10);
		/* red times its virtual intensity, both at x */
		assert_int_equal(gl_engine_dmx(e, 0)[0], byte_of(x * x));
		assert_int_equal(gl_engine_dmx(e, 1)[0], 255);
	}
	cmd(e, GL_CMD_GRAND_MASTER, -1, 0, 0.5f);
	gl_engine_tick(e, S(5.5));
	assert_int_equal(gl_engine_dmx(e, 1)[0], 128);
	cmd(e, GL_CMD_SET_PARAM, -1, red[1], 0.5f);   /* programmer: LTP over the list */
	gl_engine_tick(e, S(6));
	assert_int_equal(gl_engine_dmx(e, 1)[0], 64);   /* 0.5 * 0.5 = 63.75 */
	uint8_t in[2] = { 0, 200 };
	assert_int_equal(gl_tap_input(tap, 5, in, 2), 0);
	gl_engine_tick(e, S(6.5));
	assert_int_equal(gl_engine_dmx(e, 1)[1], 200);  /* green: the input */
	in[1] = 20;
	assert_int_equal(gl_tap_input(tap, 5, in, 2), 0);
	gl_engine_tick(e, S(7));
	assert_int_equal(gl_engine_dmx(e, 1)[1], 20);   /* and down again */
	cmd(e, GL_CMD_CLEAR_PARAM, -1, -1, 0);
	gl_engine_tick(e, S(7.5));
	assert_int_equal(gl_engine_dmx(e, 1)[0], 128);
	gl_engine_destroy(e);
}

/* Movers in three universes at scattered addresses, two lists fading every
 * class with different times: every param's value is the one for its time
 * and class, and every byte on the wire is that value rendered. */
static void test_mixed_runs_render_exact(void **state)
{
	struct gl_engine_config cfg = { .rate_hz = 40 };
	struct gl_engine *e = gl_engine_create(&cfg);
	struct gl_fixture_type m = mover();
	int ids[40];
	for (int f = 0; f < 40; f++) {  /* gaps of 14 to 26 slots: some runs merge */
		int j = f / 3;
		ids[f] = gl_engine_add_fixture(e, &m, "m", 1 + f % 3, 1 + j * 30 + (j % 4) * 3, NULL);
		assert_true(ids[f] >= 0);
	}
	int l = gl_engine_add_cuelist(e, "L", false);
	struct gl_cue_change ch[200];
	int n = 0;
	enum gl_attr attrs[5] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY, GL_ATTR_IRIS,
				  GL_ATTR_GOBO };
	for (int f = 0; f < 40; f++)
		for (int a = 0; a < 5; a++)
			ch[n++] = (struct gl_cue_change){ gl_engine_param(e, ids[f], attrs[a]),
							  (float)((f * 5 + a) % 9) / 8.0f };
	struct gl_cue_def d;
	gl_cue_def_init(&d);
	d.number = 1;
	d.fade_in_s = 2;
	d.fade_out_s = 4;
	d.class_time[GL_CLASS_POSITION].fade_s = 1;
	d.class_time[GL_CLASS_BEAM].delay_s = 1;
	d.changes = ch;
	d.change_count = n;
	assert_int_equal(gl_engine_add_cue(e, l, &d), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	cmd(e, GL_CMD_GO, l, 0, 0);
	gl_engine_tick(e, S(0));
	for (double t = 0.25; t <= 4.0; t += 0.25) {
		gl_engine_tick(e, S(t));
		for (int i = 0; i < n; i++) {
			int f = i / 5, a = i % 5;
			float from = a == 0 || a == 1 ? 0.5f : 0.0f, to = ch[i].value;
			double fade = a == 2 ? (to > from ? 2 : 4) : a < 2 ? 1 : 2;
			double delay = a >= 3 ? 1 : 0;
			double x = t - delay <= 0 ? 0 : t - delay >= fade ? 1 : (t - delay) / fade;
			float want = from + (to - from) * (float)x;
			float got = gl_engine_param_value(e, ch[i].param);
			assert_float_equal(got, want, 1e-5);
			int universe, address;
			gl_engine_fixture_address(e, ids[f], &universe, &address);
			const uint8_t *dmx = gl_engine_dmx(e, gl_engine_universe_index(e, universe));
			int slot = address - 1 + (a < 2 ? a : a + 2);
			if (a == 2)
				assert_int_equal(dmx[slot], byte_of(got));
			else if (a == 3)
				assert_int_equal(dmx[slot], byte_of(1.0f - got));
			else if (a == 4)
				assert_int_equal(dmx[slot], byte_of(got));
			else
				assert_int_equal(dmx[slot] << 8 | dmx[slot + 2],
						 (uint32_t)((double)got * 65535.0 + 0.5));
		}
	}
	gl_engine_destroy(e);
}

/* Universes patched alike share their defaults and dimmers, not their
 * values; a tap read now and then always holds every universe's newest
 * bytes, though only changed universes are copied into it. */
static void test_alike_universes_and_tap_copies(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = rgb_vi();
	int vi[8][4];
	for (int u = 0; u < 8; u++)
		for (int f = 0; f < 4; f++)
			vi[u][f] = gl_engine_param(e, gl_engine_add_fixture(e, &t, "p", 10 + u,
									   1 + f * 3, NULL),
						   GL_ATTR_INTENSITY);
	int lists[8];
	for (int u = 0; u < 8; u++) {
		char name[8];
		snprintf(name, sizeof name, "L%d", u);
		lists[u] = gl_engine_add_cuelist(e, name, false);
		struct gl_cue_change ch[8];
		for (int f = 0; f < 4; f++) {
			ch[2 * f] = (struct gl_cue_change){ vi[u][f], (float)(u + 1) / 8.0f };
			ch[2 * f + 1] = (struct gl_cue_change){ vi[u][f] - 3, 1.0f };  /* red */
		}
		add_cue(e, lists[u], 1, 0.5 * u, ch, 8);
	}
	assert_int_equal(gl_engine_finalize(e), 0);
	struct gl_frame_tap *tap = gl_engine_add_tap(e);
	for (int u = 0; u < 8; u++)
		cmd(e, GL_CMD_GO, lists[u], 0, 0);
	for (int i = 0; i <= 40; i++) {
		gl_engine_tick(e, S(i * 0.1));
		if (i % 3 && i != 40)
			continue;   /* the reader misses some frames */
		const struct gl_frame *fr = gl_tap_read(tap);
		assert_non_null(fr);
		for (int u = 0; u < 8; u++)
			assert_memory_equal(fr->dmx + u * GL_DMX_SLOTS, gl_engine_dmx(e, u),
					    GL_DMX_SLOTS);
	}
	for (int u = 0; u < 8; u++)
		assert_int_equal(gl_engine_dmx(e, u)[0], byte_of((float)(u + 1) / 8.0f));
	gl_engine_destroy(e);
}

/* A cue list's fader declared at a level masters the list from the start. */
static void test_list_fader_initial_level(void **state)
{
	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = rgb_vi();
	int p = gl_engine_param(e, gl_engine_add_fixture(e, &t, "p", 1, 1, NULL), GL_ATTR_INTENSITY);
	int l = gl_engine_add_cuelist(e, "L", false);
	struct gl_cue_change ch[] = { { p, 1.0f } };
	add_cue(e, l, 1, 0, ch, 1);
	assert_int_equal(gl_engine_add_fader(e, 3, GL_FADER_CUELIST, l, "L", 0.5f), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	cmd(e, GL_CMD_GO, l, 0, 0);
	gl_engine_tick(e, S(1));
	assert_float_equal(gl_engine_param_value(e, p), 0.5f, 1e-6);
	gl_engine_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ltp_owners_hand_back),
		cmocka_unit_test(test_ltp_owned_runs_lose_lanes),
		cmocka_unit_test(test_settled_universe_follows_masters),
		cmocka_unit_test(test_mixed_runs_render_exact),
		cmocka_unit_test(test_alike_universes_and_tap_copies),
		cmocka_unit_test(test_list_fader_initial_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
