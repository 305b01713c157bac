/*
 * play_audio.h - `play`'s sound (play_audio.c): the audio part started for
 * a show that has any, wired to the show's cue actions, the control
 * adapters and the status screen; the audio master fader followed; what
 * the audio part reports passed on. Control thread only.
 */
#ifndef GL_PLAY_AUDIO_H
#define GL_PLAY_AUDIO_H

#include <stdint.h>

#include "scripts/show.h"
#include "status.h"

struct play_audio;
struct gl_controls;

/* NULL when the show plays no sound, or the audio part cannot start (said
 * on the status screen: the lights go on, audio cues report it). device:
 * `play --audio-device`, over the show's option (NULL: the show's). */
struct play_audio *play_audio_start(struct gl_show *show, struct gl_status *st,
				    const char *device);
void play_audio_stop(struct play_audio *pa);
struct gl_audio *play_audio_part(struct play_audio *pa);
/* The master fader, and the audio part's messages (errors also to the
 * remotes through controls, which may be NULL). */
void play_audio_service(struct play_audio *pa, struct gl_controls *controls, uint64_t now_ns);
/* When service wants to run next; 0 = never (NULL). */
uint64_t play_audio_next_ns(const struct play_audio *pa);

#endif
