/*
 * capture.c - the SDL capture device feeding the level and beat detector
 * and, through gl_engine_sound_input(), the engine (see capture.h).
 *
 * Threads: start/stop on the control thread; capture_callback() on SDL's
 * audio thread, which does nothing but detect and publish three atomics.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "capture.h"
#include "capture_detect.h"

struct gl_capture {
	struct gl_engine *engine;
	SDL_AudioDeviceID dev;
	struct capture_detect detect;
	_Atomic uint32_t level_bits, beats, bpm_bits;
};

static void capture_callback(void *ud, Uint8 *stream, int len)
{
	struct gl_capture *c = ud;
	const float *samples = (const float *)stream;
	if (capture_detect_feed(&c->detect, samples, len / (int)sizeof(float)) == 0)
		return;
	struct capture_detect *d = &c->detect;
	gl_engine_sound_input(c->engine, d->level, d->beats, d->bpm);
	uint32_t lb, bb;
	memcpy(&lb, &d->level, sizeof lb);
	memcpy(&bb, &d->bpm, sizeof bb);
	atomic_store_explicit(&c->level_bits, lb, memory_order_relaxed);
	atomic_store_explicit(&c->bpm_bits, bb, memory_order_relaxed);
	atomic_store_explicit(&c->beats, d->beats, memory_order_release);
}

struct gl_capture *gl_capture_start(struct gl_engine *e, const char *device, char *err,
				    size_t len)
{
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		snprintf(err, len, "sound input: %s", SDL_GetError());
		return NULL;
	}
	struct gl_capture *c = calloc(1, sizeof *c);
	if (!c) {
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		snprintf(err, len, "sound input: out of memory");
		return NULL;
	}
	c->engine = e;
	SDL_AudioSpec want = { .freq = 48000, .format = AUDIO_F32SYS, .channels = 1,
			       .samples = CAPTURE_WINDOW, .callback = capture_callback,
			       .userdata = c }, have;
	if (device && strcmp(device, "default") == 0)
		device = NULL;
	c->dev = SDL_OpenAudioDevice(device, 1, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE);
	if (c->dev == 0) {
		snprintf(err, len, "sound input \"%s\": %s", device ? device : "default",
			 SDL_GetError());
		free(c);
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return NULL;
	}
	capture_detect_init(&c->detect, have.freq);
	SDL_PauseAudioDevice(c->dev, 0);
	return c;
}

void gl_capture_stop(struct gl_capture *c)
{
	if (!c)
		return;
	SDL_CloseAudioDevice(c->dev);    /* waits for the callback to finish */
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
	free(c);
}

void gl_capture_status(const struct gl_capture *c, float *level, uint32_t *beats, float *bpm)
{
	uint32_t lb = atomic_load_explicit(&c->level_bits, memory_order_relaxed);
	uint32_t bb = atomic_load_explicit(&c->bpm_bits, memory_order_relaxed);
	*beats = atomic_load_explicit(&c->beats, memory_order_acquire);
	memcpy(level, &lb, sizeof *level);
	memcpy(bpm, &bb, sizeof *bpm);
}
