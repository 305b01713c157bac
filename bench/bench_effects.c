/*
 * bench_effects.c - engine tick cost of effects: 4096 RGB pixels (25
 * universes of 170-pixel strips, laid out as a 64 x 64 matrix) and 64
 * moving heads (16-bit pan/tilt, intensity, RGB, on 2 universes), with
 * every pixel running a pixel effect and every head a circle plus an
 * intensity wave, next to the same show without effects: its look settled
 * (the engine's cheapest case), and its every channel crossfading (a cue
 * list fading all the time). Prints the tick's median / p99 / max over
 * ticks driven back to back on a clock advancing one period per tick.
 *
 *   bench_effects [--seconds 5] [--rate 44] [--wave rainbow|noise|image|gradient]
 *
 * A benchmark prints figures; it asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

#define PIXELS 4096
#define HEADS 64
#define PER_UNIVERSE 170

static enum gl_wave pixel_wave = GL_WAVE_RAINBOW;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_effects: %s failed\n", what);
	exit(1);
}

/* fading: the cue list crossfades every channel all the time; effects:
 * every pixel and head runs effects on top. */
static struct gl_engine *build(double rate, bool fading, bool effects)
{
	struct gl_engine_config cfg = { .rate_hz = rate };
	struct gl_engine *e = gl_engine_create(&cfg);
	struct gl_fixture_type px = { .name = "pixel", .channel_count = 3 };
	enum gl_attr rgb[3] = { GL_ATTR_RED, GL_ATTR_GREEN, GL_ATTR_BLUE };
	for (int c = 0; c < 3; c++)
		px.channels[c] = (struct gl_channel){ .attr = rgb[c], .bytes = 1 };
	struct gl_fixture_type head = { .name = "head", .channel_count = 6,
					.pan_range_deg = 540, .tilt_range_deg = 270 };
	enum gl_attr ha[6] = { GL_ATTR_PAN, GL_ATTR_TILT, GL_ATTR_INTENSITY, GL_ATTR_RED,
			       GL_ATTR_GREEN, GL_ATTR_BLUE };
	for (int c = 0; c < 6; c++)
		head.channels[c] = (struct gl_channel){ .attr = ha[c], .bytes = c < 2 ? 2 : 1,
						       .default_value = c < 2 ? 0.5f : 0.0f };
	if (gl_fixture_type_finish(&px) || gl_fixture_type_finish(&head))
		die("fixture types");
	static int pixels[PIXELS], heads[HEADS];
	static float xy[2 * PIXELS];
	for (int i = 0; i < PIXELS; i++) {
		char label[32];
		snprintf(label, sizeof label, "px %d", i + 1);
		pixels[i] = gl_engine_add_fixture(e, &px, label, 1 + i / PER_UNIVERSE,
						  1 + (i % PER_UNIVERSE) * 3, NULL);
		xy[2 * i] = ((float)(i % 64) + 0.5f) / 64.0f;
		xy[2 * i + 1] = ((float)(i / 64) + 0.5f) / 64.0f;
	}
	int head_universe = 1 + (PIXELS + PER_UNIVERSE - 1) / PER_UNIVERSE;
	for (int i = 0; i < HEADS; i++) {
		char label[32];
		snprintf(label, sizeof label, "head %d", i + 1);
		heads[i] = gl_engine_add_fixture(e, &head, label, head_universe + i / 32,
						 1 + (i % 32) * 9, NULL);
	}
	/* the look: pixels and heads up; fading: two cues crossfading forever */
	int params = gl_engine_param_count(e);
	struct gl_cue_change *ch = malloc((size_t)params * sizeof *ch);
	int list = gl_engine_add_cuelist(e, "Look", true);
	for (int q = 0; q < 2; q++) {
		for (int p = 0; p < params; p++)
			ch[p] = (struct gl_cue_change){ p, fading ? (float)((p + q) % 7) / 7.0f : 0.8f };
		struct gl_cue_def d;
		gl_cue_def_init(&d);
		d.number = q + 1;
		d.fade_in_s = d.fade_out_s = fading ? 5 : 0;
		d.continue_mode = fading ? GL_CONTINUE_FOLLOW : GL_CONTINUE_MANUAL;
		d.changes = ch;
		d.change_count = params;
		gl_engine_add_cue(e, list, &d);
	}
	free(ch);
	if (effects) {
		static uint8_t image[64 * 64 * 3];
		for (int i = 0; i < 64 * 64 * 3; i++)
			image[i] = (uint8_t)(i * 7);
		struct gl_effect_def d = { .name = "pixels", .wave = pixel_wave, .fixtures = pixels,
					   .fixture_count = PIXELS, .xy = xy, .rate_hz = 0.3,
					   .size = 1, .scale = 2, .angle_deg = 30, .start = true,
					   .color_a = { 1, 0.5f, 0 }, .image = image, .image_w = 64,
					   .image_h = 64, .image_frames = 1, .scroll = { 1, 0 } };
		if (gl_engine_add_effect(e, &d) < 0)
			die("pixel effect");
		d = (struct gl_effect_def){ .name = "circle", .wave = GL_WAVE_CIRCLE,
					    .fixtures = heads, .fixture_count = HEADS,
					    .rate_hz = 0.25, .size = 60, .spread_deg = 360,
					    .relative = true, .start = true };
		if (gl_engine_add_effect(e, &d) < 0)
			die("circle");
		d = (struct gl_effect_def){ .name = "dim", .wave = GL_WAVE_SINE,
					    .attr = GL_ATTR_INTENSITY, .fixtures = heads,
					    .fixture_count = HEADS, .rate_hz = 1, .size = 1,
					    .spread_deg = 360, .wings = 2, .start = true };
		if (gl_engine_add_effect(e, &d) < 0)
			die("intensity wave");
	}
	if (gl_engine_finalize(e) != 0)
		die("finalize");
	struct gl_cmd go = { GL_CMD_GO, list, 0, 0 };
	gl_engine_command(e, &go);
	return e;
}

static void run(const char *label, double rate, double seconds, bool fading, bool effects)
{
	struct gl_engine *e = build(rate, fading, effects);
	uint64_t period = gl_engine_period_ns(e);
	int n = (int)(seconds * rate);
	n = n < 100 ? 100 : n;
	uint64_t *dt = malloc((size_t)n * sizeof *dt), t = 0;
	for (int i = 0; i < 10; i++, t += period)   /* warm: the first render of everything */
		gl_engine_tick(e, t);
	for (int i = 0; i < n; i++, t += period) {
		uint64_t a = gl_now_ns();
		gl_engine_tick(e, t);
		dt[i] = gl_now_ns() - a;
	}
	qsort(dt, (size_t)n, sizeof *dt, cmp_u64);
	printf("| %s | %d | %d | %.1f | %.1f | %.1f | %.2f |\n", label, gl_engine_universe_count(e),
	       gl_engine_effect_count(e), dt[n / 2] / 1e3, dt[(n * 99) / 100] / 1e3,
	       dt[n - 1] / 1e3, (double)dt[n / 2] * rate / 1e7);
	free(dt);
	gl_engine_destroy(e);
}

int main(int argc, char **argv)
{
	double seconds = 5, rate = 44;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc) {
			rate = atof(argv[++i]);
		} else if (strcmp(argv[i], "--wave") == 0 && i + 1 < argc) {
			int w = gl_wave_from_name(argv[++i]);
			if (w < GL_WAVE_GRADIENT) {
				fprintf(stderr, "bench_effects: --wave takes a pixel wave\n");
				return 2;
			}
			pixel_wave = (enum gl_wave)w;
		} else {
			fprintf(stderr, "usage: bench_effects [--seconds S] [--rate HZ] "
					"[--wave rainbow|noise|image|gradient|wipe|sparkle]\n");
			return 2;
		}
	}
	printf("engine tick: %d RGB pixels (64 x 64) + %d moving heads, %.0f Hz, pixel wave %s\n",
	       PIXELS, HEADS, rate, gl_wave_name(pixel_wave));
	printf("| show | universes | effects | tick median us | tick p99 us | tick max us "
	       "| %% of one core at the rate |\n|---|---|---|---|---|---|---|\n");
	run("look settled, no effects", rate, seconds, false, false);
	run("every channel fading, no effects", rate, seconds, true, false);
	run("look settled + effects on every pixel and head", rate, seconds, false, true);
	run("every channel fading + effects", rate, seconds, true, true);
	return 0;
}
