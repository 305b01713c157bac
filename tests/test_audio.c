/*
 * test_audio.c - audio cues through SDL's real audio path, on its `disk`
 * driver: the device is a file (the device name is its path), so every
 * sample the mixer produced can be read back and measured, and time is
 * the sample count. Files are made here with libsndfile (float WAV, so a
 * level is exact). The disk driver runs about twice as fast as real time
 * (SDL_DISKAUDIODELAY), which the feed thread keeps well ahead of;
 * nothing here depends on wall-clock timing: events are found in the
 * output, or placed through the mixer's own clock.
 *
 * Covered: level (-6 dBFS in, -6 dBFS out, and the meters), fade curves
 * (within 0.1 dB), two sounds summing, seamless loops (at the device rate
 * and resampled), devamp leaving at the end of the pass, click-free stop
 * and panic, the pitch of a 44.1 kHz file on a 48 kHz device, pause and
 * resume losing nothing, a start at a future time, unreadable files, and
 * a device that vanishes (its file too big: RLIMIT_FSIZE) and returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "engine/engine.h"
#include "outputs/media/audio/audio.h"

#define RATE 48000
#define TWO_PI 6.283185307179586

struct rig {
	char dir[64];
	char out[128];
	struct gl_audio_config cfg;
	struct gl_audio *a;
	float *pcm;                  /* what the device got, stereo */
	size_t frames;
};

/* ---- signals and files -------------------------------------------------------------- */

struct signal {
	enum { SIG_SINE, SIG_DC, SIG_RAMP } kind;
	double freq, amp, offset;
	int frames;
};

static double signal_at(const struct signal *s, int i, int rate)
{
	switch (s->kind) {
	case SIG_SINE:
		return s->amp * sin(TWO_PI * s->freq * i / rate);
	case SIG_DC:
		return s->amp;
	case SIG_RAMP:
		return s->offset + s->amp * i / s->frames;
	}
	return 0;
}

/* A float WAV of the signal, in the rig's folder. */
static const char *make_wav(struct rig *r, const char *name, int rate, int channels,
			    const struct signal *s)
{
	static char path[8][160];
	static int next;
	char *p = path[next++ % 8];
	SF_INFO info = { .samplerate = rate, .channels = channels,
			 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	float *buf = malloc((size_t)s->frames * channels * sizeof *buf);

	assert_non_null(buf);
	snprintf(p, sizeof path[0], "%s/%s", r->dir, name);
	for (int i = 0; i < s->frames; i++)
		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = (float)signal_at(s, i, rate);
	SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
	assert_non_null(sf);
	assert_int_equal(sf_writef_float(sf, buf, s->frames), s->frames);
	sf_close(sf);
	free(buf);
	return p;
}

/* ---- the rig ------------------------------------------------------------------------ */

static void rig_start_with(struct rig *r, const char *extra_key, const char *extra_value)
{
	struct gl_option opts[4] = {
		{ "driver", "disk", 0 }, { "rate", "48000", 0 }, { "buffer", "512", 0 },
	};
	int n = 3;
	char err[256];

	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/gl-test-audio.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->out, sizeof r->out, "%s/out.raw", r->dir);
	if (extra_key) {
		snprintf(opts[n].key, sizeof opts[n].key, "%s", extra_key);
		snprintf(opts[n].value, sizeof opts[n].value, "%s", extra_value);
		n++;
	}
	assert_int_equal(gl_audio_config_parse(opts, n, &r->cfg, err, sizeof err), 0);
	snprintf(r->cfg.device, sizeof r->cfg.device, "%s", r->out);
}

static void rig_open(struct rig *r)
{
	char err[256];

	r->a = gl_audio_create(&r->cfg, err, sizeof err);
	if (!r->a)
		fail_msg("gl_audio_create: %s", err);
}

static void rig_start(struct rig *r)
{
	rig_start_with(r, NULL, NULL);
	rig_open(r);
}

static struct gl_audio_state *state(struct rig *r)
{
	static struct gl_audio_state st;

	gl_audio_state(r->a, &st);
	return &st;
}

static void nap(void)
{
	nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
}

/* Waits (at most a minute) until the device timeline reaches `frames`. */
static void wait_frames(struct rig *r, uint64_t frames)
{
	for (int i = 0; i < 60000 && state(r)->frames < frames; i++)
		nap();
	assert_true(state(r)->frames >= frames);
}

/* The voice with this id, waiting until it shows (NULL: it ended). */
static const struct gl_audio_voice_info *voice(struct rig *r, uint32_t id)
{
	for (int tries = 0; tries < 60000; tries++) {
		struct gl_audio_state *st = state(r);

		for (int i = 0; i < st->voice_count; i++)
			if (st->voices[i].id == id)
				return &st->voices[i];
		if (tries > 5000)       /* gone, or never came */
			return NULL;
		nap();
	}
	return NULL;
}

static void wait_silent(struct rig *r)
{
	for (int i = 0; i < 60000 && state(r)->voice_count > 0; i++)
		nap();
	assert_int_equal(state(r)->voice_count, 0);
}

/* Ends the device and reads what it wrote. SDL's device thread writes a
 * buffer of silence or so while the device is still paused after opening,
 * ahead of the mixer's frame 0: `first` (a mixer frame where the test's
 * first sound starts) and `nz` (its first sample that is not zero) line
 * the file up with the mixer's frames. nz < 0: left as it is. */
static void rig_finish(struct rig *r, uint64_t first, int nz)
{
	struct stat st;
	char line[512];
	bool error;
	FILE *f;

	/* what the feed thread said, for when a test fails */
	while (gl_audio_take_message(r->a, line, sizeof line, &error))
		print_message("(audio: %s)\n", line);
	if (state(r)->underruns)
		print_message("(underruns %llu, late callbacks %llu, callbacks %llu, feed cpu %.3f s)\n", (unsigned long long)state(r)->underruns, (unsigned long long)state(r)->late_callbacks, (unsigned long long)state(r)->callbacks, state(r)->feed_cpu_ns / 1e9);
	assert_int_equal(state(r)->underruns, 0);
	gl_audio_destroy(r->a);
	r->a = NULL;
	assert_int_equal(stat(r->out, &st), 0);
	r->frames = (size_t)st.st_size / (2 * sizeof(float));
	r->pcm = malloc(r->frames * 2 * sizeof(float) + 1);
	assert_non_null(r->pcm);
	f = fopen(r->out, "rb");
	assert_non_null(f);
	assert_int_equal(fread(r->pcm, 2 * sizeof(float), r->frames, f), r->frames);
	fclose(f);
	if (nz < 0)
		return;
	size_t heard = 0;
	while (heard < r->frames && r->pcm[2 * heard] == 0.0f && r->pcm[2 * heard + 1] == 0.0f)
		heard++;
	assert_true(heard >= first + (uint64_t)nz);
	size_t lead = heard - first - (size_t)nz;
	if (lead)
		print_message("(%zu frames of silence before the mixer's first)\n", lead);
	assert_true(lead % 512 == 0 && lead <= 4 * 512);
	memmove(r->pcm, r->pcm + 2 * lead, (r->frames - lead) * 2 * sizeof(float));
	r->frames -= lead;
}

static void rig_clean(struct rig *r)
{
	char cmd[128];

	gl_audio_destroy(r->a);
	free(r->pcm);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	assert_int_equal(system(cmd), 0);
}

static struct gl_audio_cue cue_of(const char *path)
{
	return (struct gl_audio_cue){ .path = path, .loops = 1, .group = -1, .tag = -1,
				      .curve = GL_AUDIO_CURVE_DB };
}

static uint32_t play(struct rig *r, struct gl_audio_cue c)
{
	uint32_t id = 0;

	assert_int_equal(gl_audio_play(r->a, &c, &id), 0);
	return id;
}

static float L(const struct rig *r, size_t i)
{
	return i < r->frames ? r->pcm[2 * i] : 0.0f;
}

static float R(const struct rig *r, size_t i)
{
	return i < r->frames ? r->pcm[2 * i + 1] : 0.0f;
}

static double db(double x)
{
	return 20.0 * log10(x);
}

/* ---- level ---------------------------------------------------------------------------- */

static void test_level_minus_6(void **unused)
{
	struct rig r;
	const double a6 = pow(10.0, -6.0 / 20.0);

	rig_start(&r);
	struct signal s = { SIG_SINE, 1000, a6, 0, 3 * RATE };     /* 3 s, -6 dBFS */
	struct gl_audio_cue c = cue_of(make_wav(&r, "sine.wav", RATE, 1, &s));
	uint32_t id = play(&r, c);
	const struct gl_audio_voice_info *v = voice(&r, id);
	assert_non_null(v);
	uint64_t s0 = v->start_frame;
	wait_frames(&r, s0 + 5 * RATE / 2);
	/* the meters, once the RMS average (300 ms) has settled */
	struct gl_audio_state *st = state(&r);
	assert_true(fabs(db(st->peak[0]) - -6.0) < 0.05);
	assert_true(fabs(db(st->rms[1]) - (-6.0 - 3.0103)) < 0.1);
	c.level_db = -6;                                  /* the same at -6 dB: -12 dBFS */
	uint32_t id2 = play(&r, c);
	uint64_t s1 = voice(&r, id2)->start_frame;
	wait_silent(&r);
	rig_finish(&r, s0, 1);

	double peak = 0, peak2 = 0;
	for (size_t i = s0; i < s0 + 3 * RATE && i < s1; i++)
		peak = fmax(peak, fmax(fabs(L(&r, i)), fabs(R(&r, i))));
	for (size_t i = s0 + 3 * RATE; i < s1 + 3 * RATE; i++)   /* the first has ended */
		if (i >= s1)
			peak2 = fmax(peak2, fabs(L(&r, i)));
	print_message("peak %.6f (%.4f dBFS), at level -6: %.4f dBFS\n", peak, db(peak), db(peak2));
	assert_true(fabs(db(peak) - -6.0) < 0.01);
	assert_true(fabs(db(peak2) - -12.0) < 0.01);
	/* mono reaches both sides alike, and nothing before its start */
	for (size_t i = s0; i < s0 + 1000; i++)
		assert_float_equal(L(&r, i), R(&r, i), 1e-7);
	for (size_t i = 0; i < s0; i++)
		assert_float_equal(L(&r, i), 0.0f, 0.0f);
	rig_clean(&r);
}

/* ---- fades ------------------------------------------------------------------------------ */

/* The curves as the README defines them (not the mixer's code). */
static double expected_gain(enum gl_audio_curve c, double from, double to, double x)
{
	switch (c) {
	case GL_AUDIO_CURVE_LINEAR:
		return from + (to - from) * x;
	case GL_AUDIO_CURVE_S:
		return from + (to - from) * x * x * (3 - 2 * x);
	case GL_AUDIO_CURVE_EQUAL_POWER:
		return to >= from ? from + (to - from) * sin(x * M_PI / 2)
				  : to + (from - to) * cos(x * M_PI / 2);
	default:
		return from * pow(to / from, x);      /* straight in dB */
	}
}

/* The worst distance in dB from the curve, for a fade that began at f. */
static double fade_error(const struct rig *r, uint64_t s0, uint64_t f, uint64_t len,
			 enum gl_audio_curve curve, double to, double amp);

/* Gain of frame i of a 1 kHz sine of amplitude amp that started at s0,
 * where the sine is not near a zero crossing; NAN otherwise. */
static double gain_at(const struct rig *r, uint64_t s0, uint64_t i, double amp)
{
	double x = amp * sin(TWO_PI * 1000.0 * (double)(i - s0) / RATE);

	return fabs(x) > 0.3 * amp ? L(r, i) / x : NAN;
}

static void fade_case(enum gl_audio_curve curve, double to_db)
{
	struct rig r;
	const double amp = 0.5, time_s = 2.0;

	rig_start(&r);
	struct signal s = { SIG_SINE, 1000, amp, 0, RATE };
	struct gl_audio_cue c = cue_of(make_wav(&r, "sine.wav", RATE, 1, &s));
	c.loops = 0;                                     /* long enough for any fade */
	c.tag = 3;
	uint32_t id = play(&r, c);
	uint64_t s0 = voice(&r, id)->start_frame;
	wait_frames(&r, s0 + RATE / 4);
	assert_int_equal(gl_audio_fade(r.a, (struct gl_audio_match){ GL_AUDIO_TAG, 3 }, to_db,
				       time_s, curve, false), 0);
	wait_frames(&r, state(&r)->frames + (uint64_t)(time_s * RATE) + RATE / 2);
	gl_audio_stop(r.a, (struct gl_audio_match){ GL_AUDIO_ALL, 0 }, 0.05);
	wait_silent(&r);
	rig_finish(&r, s0, 1);

	/* where the fade began: the first frame whose gain left 1 shows it
	 * roughly (a curve may leave slowly); the mixer starts fades at the
	 * start of a device buffer, so the candidates are those before it */
	uint64_t f = s0;
	while (f < r.frames && (isnan(gain_at(&r, s0, f, amp)) ||
				fabs(gain_at(&r, s0, f, amp) - 1.0) < 1e-4))
		f++;
	assert_true(f < r.frames);
	const uint64_t len = (uint64_t)(time_s * RATE);
	const double to = pow(10.0, to_db / 20.0);
	double worst = INFINITY;
	uint64_t start = 0;
	for (uint64_t b = f / 512 * 512; b + 8 * 512 > f && b > s0; b -= 512) {
		double e = fade_error(&r, s0, b, len, curve, to, amp);

		if (e < worst) {
			worst = e;
			start = b;
		}
	}
	print_message("%s fade to %g dB over %g s from frame %llu: worst %.2g dB from the curve\n",
		      gl_audio_curve_name(curve), to_db, time_s, (unsigned long long)start, worst);
	assert_true(worst < 0.1);
	rig_clean(&r);
}

static double fade_error(const struct rig *r, uint64_t s0, uint64_t f, uint64_t len,
			 enum gl_audio_curve curve, double to, double amp)
{
	double worst = 0;

	for (uint64_t k = 0; k < len + RATE / 4; k++) {
		double g = gain_at(r, s0, f + k, amp);
		double x = (double)(k + 1) / (double)len;      /* the fade's own count */

		if (isnan(g))
			continue;
		double want = x >= 1.0 ? to : expected_gain(curve, 1.0, to, x);
		worst = fmax(worst, fabs(db(g) - db(want)));
	}
	return worst;
}

static void test_fade_db_curve(void **unused)
{
	fade_case(GL_AUDIO_CURVE_DB, -40.0);
}

static void test_fade_linear_curve(void **unused)
{
	fade_case(GL_AUDIO_CURVE_LINEAR, -20.0);
}

static void test_fade_s_and_equal_power(void **unused)
{
	fade_case(GL_AUDIO_CURVE_S, -20.0);
	fade_case(GL_AUDIO_CURVE_EQUAL_POWER, -20.0);
}

/* ---- two sounds ------------------------------------------------------------------------ */

static void test_two_cues_sum(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal s1 = { SIG_SINE, 440, 0.3, 0, RATE }, s2 = { SIG_SINE, 1000, 0.25, 0, RATE };
	struct gl_audio_cue c1 = cue_of(make_wav(&r, "a.wav", RATE, 1, &s1));
	struct gl_audio_cue c2 = cue_of(make_wav(&r, "b.wav", RATE, 2, &s2));
	c2.pan = -1.0;                                  /* hard left: right silent */
	uint32_t id1 = play(&r, c1), id2 = play(&r, c2);
	uint64_t a0 = voice(&r, id1)->start_frame, b0 = voice(&r, id2)->start_frame;
	wait_silent(&r);
	rig_finish(&r, a0 < b0 ? a0 : b0, 1);

	double worst = 0;
	for (uint64_t i = a0 < b0 ? a0 : b0; i < (a0 > b0 ? a0 : b0) + RATE; i++) {
		double x1 = i >= a0 && i < a0 + RATE ? signal_at(&s1, (int)(i - a0), RATE) : 0;
		double x2 = i >= b0 && i < b0 + RATE ? signal_at(&s2, (int)(i - b0), RATE) : 0;

		worst = fmax(worst, fabs(L(&r, i) - (x1 + x2)));
		worst = fmax(worst, fabs(R(&r, i) - x1));
	}
	print_message("two cues: starts %llu and %llu, worst error %.2g\n",
		      (unsigned long long)a0, (unsigned long long)b0, worst);
	assert_true(worst < 1e-6);
	rig_clean(&r);
}

/* ---- loops ------------------------------------------------------------------------------ */

/* The largest sample-to-sample step in [from, to). */
static double max_step(const struct rig *r, uint64_t from, uint64_t to)
{
	double worst = 0;
	uint64_t where = 0;

	for (uint64_t i = from + 1; i < to && i < r->frames; i++)
		if (fabs(L(r, i) - L(r, i - 1)) > worst) {
			worst = fabs(L(r, i) - L(r, i - 1));
			where = i;
		}
	print_message("(largest step %.3g at frame %llu: %g -> %g)\n", worst,
		      (unsigned long long)where, L(r, where - 1), L(r, where));
	return worst;
}

static void test_loop_seamless(void **unused)
{
	struct rig r;

	rig_start(&r);
	/* a quarter second of 1 kHz: 250 whole periods, so the loop is one
	 * unbroken sine when no sample is lost or repeated at the seam */
	struct signal s = { SIG_SINE, 1000, 0.5, 0, RATE / 4 };
	struct gl_audio_cue c = cue_of(make_wav(&r, "loop.wav", RATE, 1, &s));
	c.loops = 5;
	uint32_t id = play(&r, c);
	uint64_t s0 = voice(&r, id)->start_frame;
	/* and the same at 44.1 kHz, resampled, on the right */
	struct signal s44 = { SIG_SINE, 1000, 0.5, 0, 44100 / 4 };
	struct gl_audio_cue c44 = cue_of(make_wav(&r, "loop44.wav", 44100, 1, &s44));
	c44.loops = 5;
	c44.pan = 1.0;
	wait_silent(&r);
	uint32_t id44 = play(&r, c44);
	uint64_t t0 = voice(&r, id44)->start_frame;
	wait_silent(&r);
	rig_finish(&r, s0, 1);

	double worst = 0;
	for (uint64_t k = 0; k < 5 * RATE / 4; k++)
		worst = fmax(worst, fabs(L(&r, s0 + k) - 0.5 * sin(TWO_PI * 1000.0 * (double)k / RATE)));
	assert_float_equal(L(&r, s0 + 5 * RATE / 4), 0.0f, 0.0f);   /* and then it ends */
	print_message("loop at 48 kHz: 5 passes, worst error against one long sine %.2g\n", worst);
	assert_true(worst < 1e-6);

	/* resampled: no step at the seams (or anywhere) bigger than the
	 * sine's own, and its curvature no bigger either (a glitch shows
	 * there first) */
	double sine_step = 0.5 * TWO_PI * 1000.0 / RATE;
	double step = 0;
	uint64_t where = 0;
	for (uint64_t i = t0 + 200; i < t0 + 5 * RATE / 4 - 200; i++)
		if (fabs(R(&r, i) - R(&r, i - 1)) > step) {
			step = fabs(R(&r, i) - R(&r, i - 1));
			where = i - t0;
		}
	/* all of it: five passes of 11025 frames at 48 kHz */
	assert_true(R(&r, t0 + 5 * RATE / 4 - 10) != 0.0f);
	assert_float_equal(R(&r, t0 + 5 * RATE / 4), 0.0f, 0.0f);
	double bend = 0, sine_bend = 0.5 * pow(TWO_PI * 1000.0 / RATE, 2);
	for (uint64_t i = t0 + 200; i < t0 + 5 * RATE / 4 - 200; i++)
		bend = fmax(bend, fabs(R(&r, i + 1) - 2 * R(&r, i) + R(&r, i - 1)));
	print_message("loop at 44.1 kHz on 48 kHz: largest step %.4f at frame %llu (the sine's "
		      "own %.4f), curvature %.5f (%.5f)\n", step, (unsigned long long)where,
		      sine_step, bend, sine_bend);
	assert_true(step < sine_step * 1.01);
	assert_true(bend < sine_bend * 1.01);
	rig_clean(&r);
}

static void test_devamp_leaves_at_loop_end(void **unused)
{
	struct rig r;
	const uint64_t pass = RATE / 2;

	rig_start(&r);
	struct signal s = { SIG_DC, 0, 0.5, 0, (int)pass };
	struct gl_audio_cue c = cue_of(make_wav(&r, "vamp.wav", RATE, 1, &s));
	c.loops = 0;
	c.devamp = true;
	c.group = 7;
	uint32_t id = play(&r, c);
	uint64_t s0 = voice(&r, id)->start_frame;
	/* into the middle of the third pass */
	wait_frames(&r, s0 + 2 * pass + pass / 4);
	assert_int_equal(voice(&r, id)->pass, 3);
	assert_true(voice(&r, id)->remaining_s < 0);       /* endless, so far */
	assert_int_equal(gl_audio_devamp(r.a, (struct gl_audio_match){ GL_AUDIO_GROUP, 7 }), 0);
	wait_silent(&r);
	rig_finish(&r, s0, 0);

	uint64_t end = s0 + 3 * pass;
	print_message("devamp in pass 3: the sound ends at frame %llu\n",
		      (unsigned long long)end);
	assert_float_equal(L(&r, end - 1), 0.5f, 1e-6);
	for (uint64_t i = end; i < end + pass && i < r.frames; i++)
		assert_float_equal(L(&r, i), 0.0f, 0.0f);
	rig_clean(&r);
}

/* ---- stop and panic ---------------------------------------------------------------------- */

/* A DC sound, stopped: the steps are what the fade's slope allows. */
static void test_stop_click_free(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal s = { SIG_DC, 0, 0.5, 0, RATE };
	struct gl_audio_cue c = cue_of(make_wav(&r, "dc.wav", RATE, 1, &s));
	c.loops = 0;
	c.curve = GL_AUDIO_CURVE_LINEAR;
	uint32_t id = play(&r, c);
	uint64_t s0 = voice(&r, id)->start_frame;
	wait_frames(&r, s0 + RATE / 2);
	assert_int_equal(gl_audio_stop(r.a, (struct gl_audio_match){ GL_AUDIO_ID, id }, 0.1), 0);
	wait_silent(&r);
	/* a stop of 0 s is a de-click, not a click */
	uint32_t id2 = play(&r, c);
	uint64_t s2 = voice(&r, id2)->start_frame;
	wait_frames(&r, s2 + RATE / 2);
	assert_int_equal(gl_audio_stop(r.a, (struct gl_audio_match){ GL_AUDIO_ID, id2 }, 0), 0);
	wait_silent(&r);
	rig_finish(&r, s0, 0);

	double step = max_step(&r, s0 + 1, s2 - 1);
	print_message("stop over 0.1 s: largest step %.3g (the fade allows %.3g)\n", step,
		      0.5 / (0.1 * RATE));
	assert_true(step <= 0.5 / (0.1 * RATE) * 1.001);
	double step2 = max_step(&r, s2 + 1, r.frames);
	print_message("stop over 0 s: largest step %.3g (5 ms de-click allows %.3g)\n", step2,
		      0.5 / (0.005 * RATE));
	assert_true(step2 <= 0.5 / (0.005 * RATE) * 1.001);
	rig_clean(&r);
}

static void test_panic_fades_all_within_a_second(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal dc = { SIG_DC, 0, 0.4, 0, RATE }, sine = { SIG_SINE, 200, 0.4, 0, RATE };
	struct gl_audio_cue c1 = cue_of(make_wav(&r, "dc.wav", RATE, 1, &dc));
	struct gl_audio_cue c2 = cue_of(make_wav(&r, "sine.wav", RATE, 1, &sine));
	c1.loops = c2.loops = 0;
	c1.fade_out_s = 10;          /* its own slow fade does not slow PANIC */
	uint32_t id1 = play(&r, c1);
	play(&r, c2);
	uint64_t s0 = voice(&r, id1)->start_frame;
	struct gl_audio_cue later = c2;
	later.at_ns = gl_now_ns() + 20 * GL_NS_PER_S;   /* still waiting at the PANIC */
	play(&r, later);
	wait_frames(&r, s0 + RATE / 2);
	while (state(&r)->voice_count < 3)
		nap();
	uint64_t at = state(&r)->frames;
	assert_int_equal(gl_audio_panic(r.a), 0);
	wait_silent(&r);
	uint64_t silent = state(&r)->frames;
	wait_frames(&r, silent + RATE / 4);
	rig_finish(&r, s0, 0);

	/* the last sound: within panic_fade (0.5 s) of when PANIC was sent */
	uint64_t last = 0;
	for (uint64_t i = s0; i < r.frames; i++)
		if (L(&r, i) != 0.0f)
			last = i;
	print_message("PANIC at frame %llu: silent from %llu (%.3f s later)\n",
		      (unsigned long long)at, (unsigned long long)last + 1,
		      (double)(last + 1 - at) / RATE);
	assert_true(last + 1 - at <= (uint64_t)(0.5 * RATE) + 4 * 512);
	/* linear over 0.5 s from 0.8 at most, plus the sine's own movement */
	double allowed = 0.8 / (0.5 * RATE) + 0.4 * TWO_PI * 200 / RATE;
	assert_true(max_step(&r, s0 + 1, r.frames) <= allowed * 1.001);
	rig_clean(&r);
}

/* ---- pitch ------------------------------------------------------------------------------ */

static void test_44k1_file_right_pitch(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal s = { SIG_SINE, 1000, 0.5, 0, 2 * 44100 };
	uint32_t id = play(&r, cue_of(make_wav(&r, "a44.wav", 44100, 1, &s)));
	uint64_t s0 = voice(&r, id)->start_frame;
	wait_silent(&r);
	rig_finish(&r, 0, -1);

	/* rising zero crossings over the middle second, interpolated */
	double first = -1, last = -1;
	int crossings = 0;
	for (uint64_t i = s0 + RATE / 2; i < s0 + 3 * RATE / 2; i++) {
		double a = L(&r, i - 1), b = L(&r, i);

		if (a < 0 && b >= 0) {
			double t = (double)(i - 1) + a / (a - b);

			if (first < 0)
				first = t;
			last = t;
			crossings++;
		}
	}
	double freq = (crossings - 1) / ((last - first) / RATE);
	print_message("a 1000 Hz sine at 44.1 kHz, played at 48 kHz: %.3f Hz (%.2f s long)\n",
		      freq, (double)(r.frames - s0) / RATE);
	assert_true(fabs(freq - 1000.0) < 0.5);
	rig_clean(&r);
}

/* ---- pause / resume ----------------------------------------------------------------------- */

static void test_pause_resume_loses_nothing(void **unused)
{
	struct rig r;
	const int n = RATE;

	rig_start(&r);
	/* every sample different, none zero */
	struct signal s = { SIG_RAMP, 0, 0.8, 0.1, n };
	uint32_t id = play(&r, cue_of(make_wav(&r, "ramp.wav", RATE, 1, &s)));
	uint64_t s0 = voice(&r, id)->start_frame;
	struct gl_audio_match m = { GL_AUDIO_ID, id };
	wait_frames(&r, s0 + RATE / 3);
	assert_int_equal(gl_audio_pause(r.a, m), 0);
	while (voice(&r, id)->state != GL_AUDIO_PAUSED)
		nap();
	uint64_t paused_at = state(&r)->frames;
	wait_frames(&r, paused_at + RATE / 4);
	double pos = voice(&r, id)->position_s;
	wait_frames(&r, state(&r)->frames + RATE / 10);
	assert_float_equal(voice(&r, id)->position_s, pos, 0.0);   /* held */
	assert_int_equal(gl_audio_resume(r.a, m), 0);
	wait_silent(&r);
	rig_finish(&r, s0, 0);

	/* what was heard, without the silence of the pause */
	float *heard = malloc(r.frames * sizeof *heard);
	size_t count = 0, gap = 0;
	assert_non_null(heard);
	for (uint64_t i = s0; i < r.frames; i++) {
		if (L(&r, i) != 0.0f)
			heard[count++] = L(&r, i);
		else if (count > 0 && count < (size_t)n)
			gap++;
	}
	print_message("pause: a gap of %.3f s; %zu of %d samples heard\n", (double)gap / RATE,
		      count, n);
	assert_true(gap >= (size_t)(RATE / 4));
	assert_int_equal(count, n);
	/* in order, each once: equal, or (in the de-click ramps) scaled down */
	int ramped = 0;
	for (int j = 0; j < n; j++) {
		double want = signal_at(&s, j, RATE);

		if (fabs(heard[j] - want) > 1e-6) {
			assert_true(heard[j] > 0 && heard[j] < want);
			ramped++;
		}
	}
	assert_true(ramped <= 2 * (int)(0.005 * RATE) + 2);
	free(heard);
	rig_clean(&r);
}

/* ---- time ------------------------------------------------------------------------------- */

static void test_start_at_future_time(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal s = { SIG_DC, 0, 0.25, 0, RATE / 10 };
	struct gl_audio_cue c = cue_of(make_wav(&r, "tick.wav", RATE, 1, &s));
	wait_frames(&r, RATE);                  /* the clock has settled */
	uint64_t now = gl_now_ns();
	uint32_t id_now = play(&r, c);
	uint64_t s_now = voice(&r, id_now)->start_frame;
	double at_go = gl_audio_frame_at(r.a, now);
	/* two cues for future times, sent together */
	now = gl_now_ns();
	c.at_ns = now + 300 * 1000000ull;
	uint32_t id1 = play(&r, c);
	c.at_ns = now + 800 * 1000000ull;
	uint32_t id2 = play(&r, c);
	const struct gl_audio_voice_info *v1 = voice(&r, id1);
	assert_non_null(v1);
	uint64_t f1 = v1->start_frame;
	assert_int_equal(v1->state, GL_AUDIO_WAITING);
	uint64_t f2 = voice(&r, id2)->start_frame;
	struct gl_audio_state *st = state(&r);
	double rate = st->clock_frames_per_period * 1e9 / st->clock_period_ns;
	double want = 0.5 * rate;
	print_message("GO -> first sample %.1f frames (buffer %d); starts 0.5 s apart: %llu frames "
		      "(%.0f on this clock, %.0f Hz)\n", (double)s_now - at_go, st->buffer_frames,
		      (unsigned long long)(f2 - f1), want, rate);
	assert_true(fabs((double)(f2 - f1) - want) <= 2.0 + want * 0.002);
	/* each where the clock puts its time, one buffer early (heard later) */
	double where = gl_audio_frame_at(r.a, now + 300 * 1000000ull) - st->buffer_frames;
	assert_true(fabs((double)f1 - where) < 0.01 * rate);
	wait_silent(&r);
	rig_finish(&r, s_now, 0);

	/* and the samples are there */
	assert_float_equal(L(&r, f1), 0.25f, 1e-6);
	assert_float_equal(L(&r, f1 - 1), 0.0f, 0.0f);
	assert_float_equal(L(&r, f2), 0.25f, 1e-6);
	assert_float_equal(L(&r, f2 - 1), 0.0f, 0.0f);
	rig_clean(&r);
}

/* ---- bad files ---------------------------------------------------------------------------- */

static bool message_with(struct rig *r, const char *text, bool *error)
{
	char line[512];

	for (int i = 0; i < 5000; i++) {
		while (gl_audio_take_message(r->a, line, sizeof line, error)) {
			if (strstr(line, text))
				return true;
		}
		nap();
	}
	return false;
}

static void test_unreadable_files(void **unused)
{
	struct rig r;
	struct gl_audio_file_info info;
	char why[256], path[200];
	bool error;

	rig_start(&r);
	/* probing, as `ghostlight check` does */
	snprintf(path, sizeof path, "%s/missing.wav", r.dir);
	assert_int_equal(gl_audio_probe(path, &info, why, sizeof why), GL_EIO);
	assert_non_null(strstr(why, "No such file"));
	snprintf(path, sizeof path, "%s/text.wav", r.dir);
	FILE *f = fopen(path, "w");
	fputs("this is not a sound\n", f);
	fclose(f);
	assert_int_equal(gl_audio_probe(path, &info, why, sizeof why), GL_EIO);
	print_message("a text file: %s\n", why);
	char fifo[200];
	snprintf(fifo, sizeof fifo, "%s/fifo.wav", r.dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(gl_audio_probe(fifo, &info, why, sizeof why), GL_EIO);
	assert_string_equal(why, "not a regular file");
	struct signal s = { SIG_SINE, 440, 0.5, 0, 44100 };
	assert_int_equal(gl_audio_probe(make_wav(&r, "ok.wav", 44100, 2, &s), &info, why,
					sizeof why), 0);
	assert_int_equal(info.rate, 44100);
	assert_int_equal(info.channels, 2);
	assert_float_equal(info.length_s, 1.0, 1e-9);
	print_message("ok.wav: %s\n", info.format);

	/* at run time: said, with where it came from, and the rest plays */
	struct gl_audio_cue c = cue_of(path);
	c.what = "show.lua:12: cue 3";
	play(&r, c);
	assert_true(message_with(&r, "show.lua:12: cue 3: audio \"text\"", &error));
	assert_true(error);
	c = cue_of(fifo);
	play(&r, c);
	assert_true(message_with(&r, "not a regular file", &error));
	uint32_t id = play(&r, cue_of(make_wav(&r, "ok2.wav", RATE, 1, &s)));
	assert_non_null(voice(&r, id));
	/* bad values are refused at once */
	c = cue_of("x.wav");
	c.level_db = 20;
	assert_int_equal(gl_audio_play(r.a, &c, NULL), GL_EINVAL);
	c.level_db = NAN;
	assert_int_equal(gl_audio_play(r.a, &c, NULL), GL_EINVAL);
	rig_clean(&r);
}

/* ---- the device vanishes ------------------------------------------------------------------- */

static void test_device_vanishes_and_returns(void **unused)
{
	struct rig r;
	struct rlimit was, small;
	bool error;

	/* writing past RLIMIT_FSIZE fails (EFBIG; the signal ignored), and
	 * SDL's disk driver takes a failed write for a lost device */
	signal(SIGXFSZ, SIG_IGN);
	rig_start_with(&r, NULL, NULL);
	struct signal s = { SIG_DC, 0, 0.25, 0, RATE };
	struct gl_audio_cue c = cue_of(make_wav(&r, "bed.wav", RATE, 1, &s));
	c.loops = 0;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = was;
	small.rlim_cur = 2 * RATE * 8;          /* two seconds of output */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rig_open(&r);
	uint32_t id = play(&r, c);
	assert_non_null(voice(&r, id));
	assert_true(message_with(&r, "vanished", &error));
	assert_true(error);
	for (int i = 0; i < 5000 && state(&r)->device_ok; i++)
		nap();
	assert_false(state(&r)->device_ok);
	/* the show goes on: the sound moves on in time meanwhile */
	double pos = voice(&r, id)->position_s;
	uint64_t frames = state(&r)->frames;
	wait_frames(&r, frames + RATE / 4);
	assert_true(voice(&r, id)->position_s != pos);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_true(message_with(&r, "open again", &error));
	assert_false(error);
	/* (it may have come back and vanished again before the limit went:
	 * wait for a second of output with the device there throughout) */
	uint64_t ok_since = 0;
	for (int i = 0; i < 20000; i++) {
		struct gl_audio_state *st = state(&r);

		if (!st->device_ok)
			ok_since = 0;
		else if (!ok_since)
			ok_since = st->frames;
		else if (st->frames > ok_since + RATE)
			break;
		nap();
	}
	assert_true(ok_since && state(&r)->frames > ok_since + RATE);
	assert_non_null(voice(&r, id));
	assert_int_equal(state(&r)->underruns, 0);
	rig_finish(&r, 0, -1);
	/* the reopened device is writing the sound */
	assert_true(r.frames > RATE / 2);
	assert_float_equal(L(&r, r.frames - 1), 0.25f, 1e-6);
	rig_clean(&r);
	signal(SIGXFSZ, SIG_DFL);
}

/* ---- the master -------------------------------------------------------------------------- */

static void test_master_square_law(void **unused)
{
	struct rig r;

	rig_start(&r);
	struct signal s = { SIG_DC, 0, 0.5, 0, RATE };
	struct gl_audio_cue c = cue_of(make_wav(&r, "dc.wav", RATE, 1, &s));
	gl_audio_set_master(r.a, 0.5f);          /* -12 dB */
	uint32_t id = play(&r, c);
	uint64_t s0 = voice(&r, id)->start_frame;
	wait_silent(&r);
	rig_finish(&r, s0, 0);
	assert_float_equal(L(&r, s0 + RATE / 2), 0.125f, 1e-6);
	assert_float_equal(db(L(&r, s0 + RATE / 2) / 0.5), -12.04, 0.01);
	rig_clean(&r);
}

int main(void)
{
	/* about twice real time: 512 frames every 5 ms */
	setenv("SDL_DISKAUDIODELAY", "5", 1);
	if (getenv("GL_TEST_FILTER"))           /* one test: GL_TEST_FILTER=test_loop* */
		cmocka_set_test_filter(getenv("GL_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_minus_6),
		cmocka_unit_test(test_fade_db_curve),
		cmocka_unit_test(test_fade_linear_curve),
		cmocka_unit_test(test_fade_s_and_equal_power),
		cmocka_unit_test(test_two_cues_sum),
		cmocka_unit_test(test_loop_seamless),
		cmocka_unit_test(test_devamp_leaves_at_loop_end),
		cmocka_unit_test(test_stop_click_free),
		cmocka_unit_test(test_panic_fades_all_within_a_second),
		cmocka_unit_test(test_44k1_file_right_pitch),
		cmocka_unit_test(test_pause_resume_loses_nothing),
		cmocka_unit_test(test_start_at_future_time),
		cmocka_unit_test(test_unreadable_files),
		cmocka_unit_test(test_device_vanishes_and_returns),
		cmocka_unit_test(test_master_square_law),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
