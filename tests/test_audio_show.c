/*
 * test_audio_show.c - audio cues in a show: a show file with sounds on its
 * cue lists, loaded and built as `play` does, its engine ticked on a fake
 * clock and its events handed to the show, the sounds played by the real
 * audio part into SDL's disk driver. Covered: a GO starts its sound; the
 * next GO of the list leaves a devamp loop at the end of its pass; fade
 * (with stop), pause and resume cues by name; stopping a list stops its
 * sounds; "*" reaches every sound; a file that cannot be read is a problem
 * at its cue's file:line while the rest loads; without the audio part the
 * actions say so; `check`'s listing names the sounds and the master fader.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sndfile.h>

#include "engine/engine.h"
#include "outputs/media/audio/audio.h"
#include "scripts/show.h"
#include "tools/show_test.h"

#define RATE 48000

struct rig {
	char dir[64];
	struct gl_show *show;
	struct gl_engine *e;
	struct gl_audio *a;
	uint64_t t;                  /* the engine's fake clock */
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dc_wav(const char *dir, const char *name, double level, int frames)
{
	char path[160];
	SF_INFO info = { .samplerate = RATE, .channels = 1,
			 .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT };
	float *buf = malloc((size_t)frames * sizeof *buf);

	assert_non_null(buf);
	for (int i = 0; i < frames; i++)
		buf[i] = (float)level;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	assert_non_null(sf);
	sf_writef_float(sf, buf, frames);
	sf_close(sf);
	free(buf);
}

static const char *show_text =
	"show { name = \"Sound\" }\n"                                            /* 1 */
	"output { \"o\", type = \"sacn\", universes = {1}, unicast = \"127.0.0.1\" }\n"
	"patch { \"a\", type = \"generic/dimmer\", universe = 1, address = 1 }\n"
	"audio { driver = \"disk\", buffer = 512 }\n"
	"fader(9, { audio = \"master\", level = 0.8 })\n"                         /* 5 */
	"cuelist \"Main\" {\n"
	"  cue { 1, look = { a = { intensity = 0.5 } },\n"
	"        audio = { \"sounds/bed.wav\", loop = true, devamp = true, name = \"bed\" } },\n"
	"  cue { 2, look = { a = { intensity = 1 } }, audio = { \"sounds/hit.wav\", level = -6 } },\n"
	"  cue { 3, audio = { { \"sounds/hit.wav\", name = \"long\", loop = true },\n" /* 10 */
	"                     { pause = \"hit\" } } },\n"
	"  cue { 4, audio = { resume = \"hit\" } },\n"
	"  cue { 5, audio = { fade = \"long\", level = -40, time = 0.2, stop = true } },\n"
	"  cue { 6, audio = { \"missing.wav\" } },\n"
	"}\n"                                                                    /* 15 */
	"cuelist \"Other\" {\n"
	"  cue { 1, audio = { \"sounds/hit.wav\", loop = true, name = \"other\" } },\n"
	"  cue { 2, audio = { stop = \"*\", time = 0.05 } },\n"
	"}\n";

static void rig_up(struct rig *r)
{
	char path[160], err[1024];

	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/gl-test-audio-show.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(path, sizeof path, "%s/sounds", r->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	dc_wav(path, "bed.wav", 0.25, RATE / 4);       /* a quarter-second pass */
	dc_wav(path, "hit.wav", 0.5, RATE);
	snprintf(path, sizeof path, "%s/show.lua", r->dir);
	write_text(path, show_text);
	r->show = gl_show_load(path, err, sizeof err);
	if (!r->show)
		fail_msg("%s", err);
	r->e = gl_show_engine(r->show);
	gl_show_start(r->show);
}

static void rig_audio(struct rig *r)
{
	struct gl_audio_config cfg = *gl_show_audio_config(r->show);
	char err[256];

	snprintf(cfg.device, sizeof cfg.device, "%s/out.raw", r->dir);
	r->a = gl_audio_create(&cfg, err, sizeof err);
	assert_non_null(r->a);
	gl_show_set_audio(r->show, r->a);
}

static void rig_down(struct rig *r)
{
	char cmd[128];

	gl_show_set_audio(r->show, NULL);
	gl_audio_destroy(r->a);
	gl_show_destroy(r->show);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	assert_int_equal(system(cmd), 0);
}

/* One tick, and its events handed to the show, as play's loop does. */
static void tick(struct rig *r)
{
	struct gl_event ev;

	gl_engine_tick(r->e, r->t);
	r->t += gl_engine_period_ns(r->e);
	while (gl_engine_next_event(r->e, &ev))
		gl_show_handle_event(r->show, &ev);
}

static void command(struct rig *r, enum gl_cmd_type type, const char *list)
{
	struct gl_cmd c = { .type = type, .list = gl_engine_cuelist_find(r->e, list) };

	assert_int_equal(gl_engine_command(r->e, &c), 0);
	tick(r);
}

static struct gl_audio_state *state(struct rig *r)
{
	static struct gl_audio_state st;

	gl_audio_state(r->a, &st);
	return &st;
}

static const struct gl_audio_voice_info *sound(struct rig *r, const char *name)
{
	struct gl_audio_state *st = state(r);

	for (int i = 0; i < st->voice_count; i++)
		if (strcmp(st->voices[i].name, name) == 0)
			return &st->voices[i];
	return NULL;
}

/* Waits (at most 10 s) until `name` plays (want) or is gone (!want). */
static bool wait_sound(struct rig *r, const char *name, bool want, enum gl_audio_voice_state s)
{
	for (int i = 0; i < 10000; i++) {
		const struct gl_audio_voice_info *v = sound(r, name);

		if (want ? v && v->state == s : !v)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return false;
}

static bool error_with(struct gl_show *show, const char *text)
{
	char line[512];
	bool found = false;

	while (gl_show_take_error(show, line, sizeof line))
		found |= strstr(line, text) != NULL;
	return found;
}

static void test_cues_play_sounds(void **unused)
{
	struct rig r;

	rig_up(&r);
	/* the load: one problem, at the cue's line, the show loaded all the same */
	assert_int_equal(gl_show_problem_count(r.show), 1);
	assert_true(error_with(r.show, "show.lua:14: cue 6: audio \"missing.wav\": No such file"));
	assert_true(gl_show_wants_audio(r.show));
	assert_int_equal(gl_show_audio_master_fader(r.show), 9);
	assert_int_equal(gl_show_audio_config(r.show)->buffer_frames, 512);
	/* without the audio part, the sound cues say so and the lights go */
	command(&r, GL_CMD_GO, "Main");
	assert_true(error_with(r.show, "show.lua:7: cue 1: audio play \"bed\": audio is not running"));
	command(&r, GL_CMD_STOP, "Main");
	for (int i = 0; i < 5; i++)
		tick(&r);

	rig_audio(&r);
	command(&r, GL_CMD_GO, "Main");                   /* cue 1: the bed loops */
	assert_true(wait_sound(&r, "bed", true, GL_AUDIO_PLAYING));
	while (sound(&r, "bed") && sound(&r, "bed")->pass < 3)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	const struct gl_audio_voice_info *bed = sound(&r, "bed");
	assert_non_null(bed);
	uint64_t bed_start = bed->start_frame;
	assert_true(bed->remaining_s < 0);
	command(&r, GL_CMD_GO, "Main");                   /* cue 2: the bed leaves its loop */
	assert_true(wait_sound(&r, "hit", true, GL_AUDIO_PLAYING));
	assert_true(wait_sound(&r, "bed", false, 0));
	uint64_t ended = state(&r)->frames;
	/* it ended at the end of a pass: a whole number of quarter seconds */
	print_message("the bed began at frame %llu; gone by %llu\n",
		      (unsigned long long)bed_start, (unsigned long long)ended);
	assert_int_equal(sound(&r, "hit")->group, gl_engine_cuelist_find(r.e, "Main"));

	command(&r, GL_CMD_GO, "Main");                   /* cue 3: "long", and pause "hit" */
	assert_true(wait_sound(&r, "long", true, GL_AUDIO_PLAYING));
	assert_true(wait_sound(&r, "hit", true, GL_AUDIO_PAUSED));
	command(&r, GL_CMD_GO, "Main");                   /* cue 4: resume "hit" */
	assert_true(wait_sound(&r, "hit", true, GL_AUDIO_PLAYING));
	command(&r, GL_CMD_GO, "Main");                   /* cue 5: fade "long" out, stop */
	assert_true(wait_sound(&r, "long", true, GL_AUDIO_STOPPING));
	assert_true(wait_sound(&r, "long", false, 0));
	command(&r, GL_CMD_GO, "Main");                   /* cue 6: the missing file */
	assert_true(wait_sound(&r, "hit", false, 0));
	bool error = false;
	char line[512];
	bool said = false;
	for (int i = 0; i < 2000 && !said; i++) {
		while (gl_audio_take_message(r.a, line, sizeof line, &error))
			said |= strstr(line, "show.lua:14: cue 6: audio \"missing\"") != NULL;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	assert_true(said);

	/* another list: its sound stops when the list is stopped */
	command(&r, GL_CMD_GO, "Other");
	assert_true(wait_sound(&r, "other", true, GL_AUDIO_PLAYING));
	command(&r, GL_CMD_STOP, "Other");
	assert_true(wait_sound(&r, "other", false, 0));
	/* and "*" reaches every sound */
	command(&r, GL_CMD_GO, "Other");
	assert_true(wait_sound(&r, "other", true, GL_AUDIO_PLAYING));
	command(&r, GL_CMD_GO, "Other");
	assert_true(wait_sound(&r, "other", false, 0));
	assert_int_equal(state(&r)->underruns, 0);
	rig_down(&r);
}

static void test_check_lists_sounds(void **unused)
{
	struct rig r;
	char *text = NULL;
	size_t len = 0;

	rig_up(&r);
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	gl_show_print(r.show, f);
	fclose(f);
	expect_text(text, (const char *const[]){
		"9   audio    master",
		"play \"bed\" sounds/bed.wav, 0 dB, loop until stopped (devamp)",
		"[WAV (Microsoft), 32 bit float, 48000 Hz, 1 ch, 0.25 s]",
		"fade \"long\" to -40 dB over 0.2 s (db), then stop",
		"[cannot be read: No such file or directory]",
		"audio output: device (default), 48000 Hz, buffer 512",
		NULL });
	free(text);
	rig_down(&r);
}

int main(void)
{
	setenv("SDL_DISKAUDIODELAY", "5", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cues_play_sounds),
		cmocka_unit_test(test_check_lists_sounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
