/*
 * test_capture.c - the sound input: the level and beat detector on
 * synthetic sound (clicks at 120 BPM over a quiet floor: the beats
 * counted, the tempo found, the level on its dB scale), and the SDL
 * capture device end to end - SDL's "disk" driver reads the same clicks
 * from a file (SDL_DISKAUDIOFILEIN), and an effect synced to the beat and
 * sized by the level moves in the engine.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "outputs/media/capture/capture.h"
#include "outputs/media/capture/capture_detect.h"
#include "tools/scratch.h"

#define RATE 48000

/* seconds of clicks every `period` s (20 ms of a 1 kHz tone at 0.8) over
 * noise of amplitude `floor`. */
static float *clicks(double seconds, double period, float floor, int *n)
{
	*n = (int)(seconds * RATE);
	float *s = malloc((size_t)*n * sizeof *s);
	assert_non_null(s);
	uint32_t x = 12345;
	for (int i = 0; i < *n; i++) {
		x = x * 1664525u + 1013904223u;
		double t = (double)i / RATE, in = fmod(t, period);
		float noise = ((float)(x >> 8) / 16777216.0f - 0.5f) * 2.0f * floor;
		s[i] = noise + (in < 0.02 ? 0.8f * (float)sin(2 * M_PI * 1000 * t) : 0.0f);
	}
	return s;
}

static void test_detector(void **state)
{
	struct capture_detect d;
	capture_detect_init(&d, RATE);
	int n;
	float *s = clicks(8.0, 0.5, 0.01f, &n);
	/* fed in odd-sized pieces, as a device callback would */
	for (int at = 0; at < n; at += 777)
		capture_detect_feed(&d, s + at, at + 777 <= n ? 777 : n - at);
	/* the first second fills the history: 14..16 of the 16 clicks */
	assert_in_range(d.beats, 14, 16);
	assert_true(fabsf(d.bpm - 120.0f) < 2.0f);
	assert_true(d.level < 0.35f);      /* the last window: the floor, about -40 dBFS */
	free(s);

	/* a full-scale sine: -3 dBFS, 0.95 on the scale; silence: 0 */
	float sine[4096], zero[4096] = { 0 };
	for (int i = 0; i < 4096; i++)
		sine[i] = (float)sin(2 * M_PI * 440 * i / RATE);
	capture_detect_feed(&d, sine, 4096);
	assert_float_equal(d.level, 1.0 - 3.0103 / 60.0, 0.01);
	capture_detect_feed(&d, zero, 4096);
	assert_float_equal(d.level, 0.0, 1e-6);

	/* steady loud sound is no beat: only rises count */
	capture_detect_init(&d, RATE);
	for (int k = 0; k < 60; k++)
		capture_detect_feed(&d, sine, 4096);
	assert_int_equal(d.beats, 0);
}

static void test_sdl_capture_drives_an_effect(void **state)
{
	char dir[64], path[128];
	assert_int_equal(scratch_make(dir, sizeof dir, "test_capture"), 0);
	snprintf(path, sizeof path, "%s/in.raw", dir);
	int n;
	float *s = clicks(4.0, 0.5, 0.1f, &n);   /* a floor at -25 dBFS: level 0.6 */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s, sizeof *s, (size_t)n, f), (size_t)n);
	fclose(f);
	free(s);
	setenv("SDL_AUDIODRIVER", "disk", 1);
	setenv("SDL_DISKAUDIOFILEIN", path, 1);
	setenv("SDL_DISKAUDIODELAY", "0", 1);

	struct gl_engine *e = gl_engine_create(NULL);
	struct gl_fixture_type t = { .name = "dimmer", .channel_count = 1 };
	t.channels[0] = (struct gl_channel){ .attr = GL_ATTR_INTENSITY, .bytes = 1 };
	assert_int_equal(gl_fixture_type_finish(&t), 0);
	int id = gl_engine_add_fixture(e, &t, "d", 1, 1, NULL);
	struct gl_effect_def d = { .name = "beat", .wave = GL_WAVE_SQUARE, .fixtures = &id,
				   .fixture_count = 1, .rate_hz = 1, .size = 1, .duty = 1,
				   .beat_sync = true, .size_from_level = true, .start = true };
	assert_int_equal(gl_engine_add_effect(e, &d), 0);
	assert_int_equal(gl_engine_finalize(e), 0);
	char err[256];
	struct gl_capture *c = gl_capture_start(e, "default", err, sizeof err);
	if (!c)
		fail_msg("%s", err);
	/* wait (at most 30 s: the disk driver plays the file in real time)
	 * for a few beats; the effect's size follows the level */
	float level = 0, bpm = 0, seen = 0;
	uint32_t beats = 0;
	for (int i = 0; i < 3000 && beats < 4; i++) {
		usleep(10000);
		gl_capture_status(c, &level, &beats, &bpm);
		gl_engine_tick(e, (uint64_t)i * 10000000u);
		float v = gl_engine_param_value(e, gl_engine_param(e, id, GL_ATTR_INTENSITY));
		seen = v > seen ? v : seen;
	}
	gl_capture_stop(c);
	assert_true(beats >= 4);
	assert_true(fabsf(bpm - 120.0f) < 3.0f);
	assert_true(seen > 0.3f);          /* the level reached the effect */
	gl_engine_destroy(e);
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detector),
		cmocka_unit_test(test_sdl_capture_drives_an_effect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
