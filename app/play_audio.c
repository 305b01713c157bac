/*
 * play_audio.c - the show's sound, for `play` and `console` (see
 * play_audio.h). The audio master is a fader the engine only keeps
 * (GL_FADER_EXTERNAL): its level comes from the engine's snapshot, read
 * here on the control thread at 25 Hz, and the audio part smooths each
 * step into a ramp.
 */
#include "play_audio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/control/control.h"
#include "outputs/media/audio/audio.h"

#define PLAY_AUDIO_PERIOD_NS (GL_NS_PER_S / 25)

struct play_audio {
	struct gl_show *show;
	struct gl_engine *e;
	play_audio_log_fn *log;
	void *log_ud;
	struct gl_audio *audio;
	int master;                /* the master fader's index among the engine's; -1 none */
	float *levels;             /* the snapshot's fader levels */
	uint64_t next_ns;
};

struct play_audio *play_audio_start(struct gl_show *show, const char *device,
				    play_audio_log_fn *log, void *log_ud)
{
	struct gl_audio_config cfg;
	struct play_audio *pa;
	char err[300], msg[400];

	if (!gl_show_wants_audio(show))
		return NULL;
	cfg = *gl_show_audio_config(show);
	if (device)
		snprintf(cfg.device, sizeof cfg.device, "%s", device);
	pa = calloc(1, sizeof *pa);
	if (pa) {
		pa->e = gl_show_engine(show);
		pa->levels = calloc((size_t)gl_engine_fader_count(pa->e) + 1, sizeof *pa->levels);
	}
	if (!pa || !pa->levels) {
		log(log_ud, true, "audio: out of memory: audio cues will not play");
		if (pa)
			free(pa->levels);
		free(pa);
		return NULL;
	}
	pa->show = show;
	pa->log = log;
	pa->log_ud = log_ud;
	pa->master = -1;
	for (int i = 0; i < gl_engine_fader_count(pa->e); i++) {
		int number;

		gl_engine_fader_info(pa->e, i, &number, NULL, NULL, NULL);
		if (number == gl_show_audio_master_fader(show))
			pa->master = i;
	}
	pa->audio = gl_audio_create(&cfg, err, sizeof err);
	if (!pa->audio) {
		snprintf(msg, sizeof msg, "audio: %s: audio cues will not play (the lights go on)",
			 err);
		log(log_ud, true, msg);
		play_audio_stop(pa);
		return NULL;
	}
	snprintf(msg, sizeof msg, "audio: %s through SDL's %s driver, %d Hz, buffer %d",
		 gl_audio_device_name(pa->audio), gl_audio_driver_name(pa->audio), cfg.rate,
		 cfg.buffer_frames);
	log(log_ud, false, msg);
	gl_show_set_audio(show, pa->audio);
	return pa;
}

void play_audio_stop(struct play_audio *pa)
{
	if (!pa)
		return;
	if (pa->audio) {
		gl_show_set_audio(pa->show, NULL);
		gl_audio_destroy(pa->audio);
	}
	free(pa->levels);
	free(pa);
}

struct gl_audio *play_audio_part(struct play_audio *pa)
{
	return pa ? pa->audio : NULL;
}

void play_audio_service(struct play_audio *pa, struct gl_controls *controls, uint64_t now)
{
	struct gl_snapshot snap = { .fader_levels = NULL };
	char line[512];
	bool error;

	if (!pa || now < pa->next_ns)
		return;
	pa->next_ns = now + PLAY_AUDIO_PERIOD_NS;
	snap.fader_levels = pa->levels;
	if (pa->master >= 0 && gl_engine_snapshot(pa->e, &snap) == 0)
		gl_audio_set_master(pa->audio, pa->levels[pa->master]);
	while (gl_audio_take_message(pa->audio, line, sizeof line, &error)) {
		pa->log(pa->log_ud, error, line);
		if (error)
			gl_controls_notify(controls, line);
	}
}

uint64_t play_audio_next_ns(const struct play_audio *pa)
{
	return pa ? pa->next_ns : 0;
}
