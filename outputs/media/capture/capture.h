/*
 * capture.h - the sound input for sound-to-light: an SDL audio capture
 * device whose level, beats and tempo (capture_detect.h) go to the engine
 * through gl_engine_sound_input(), lock-free, for effects with beat = ...
 * (beat sync) or size_from = "level".
 *
 * gl_capture_start()/gl_capture_stop() on the control thread; the detector
 * runs in SDL's audio callback thread (not the engine's: the tick only
 * reads what it published). When the audio module's meters exist, they
 * can call gl_engine_sound_input() the same way and this file goes.
 */
#ifndef GL_CAPTURE_H
#define GL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

struct gl_capture;

/* Opens capture device `device` ("default" or NULL: SDL's default; else a
 * name SDL lists) mono float at 48 kHz and starts it. NULL with why in err. */
struct gl_capture *gl_capture_start(struct gl_engine *e, const char *device, char *err,
				    size_t len);
/* Stops and closes it; NULL is a no-op. */
void gl_capture_stop(struct gl_capture *c);
/* What the detector has seen so far (any thread; approximate while it runs). */
void gl_capture_status(const struct gl_capture *c, float *level, uint32_t *beats, float *bpm);

#endif
