/*
 * play_audio.h - the show's sound as `play` and `console` run it
 * (play_audio.c): the audio part started for a show that has any, wired to
 * the show's cue actions and (through the runner, runner.h) the control
 * adapters; the audio master fader followed; what the audio part reports
 * passed on to a log (the status screen, the console's log panel).
 * Start and stop on the thread that runs the show's setup and ending,
 * service on the control thread.
 */
#ifndef GL_PLAY_AUDIO_H
#define GL_PLAY_AUDIO_H

#include <stdint.h>

#include <stdbool.h>

#include "scripts/show.h"

struct play_audio;
struct gl_controls;

/* Where what the audio part has to say goes (error: counted as one). */
typedef void play_audio_log_fn(void *ud, bool error, const char *text);

/* NULL when the show plays no sound, or the audio part cannot start (said
 * through log: the lights go on, audio cues report it). device:
 * `--audio-device`, over the show's option (NULL: the show's). */
struct play_audio *play_audio_start(struct gl_show *show, const char *device,
				    play_audio_log_fn *log, void *log_ud);
void play_audio_stop(struct play_audio *pa);
struct gl_audio *play_audio_part(struct play_audio *pa);
/* The master fader, and the audio part's messages (errors also to the
 * remotes through controls, which may be NULL). */
void play_audio_service(struct play_audio *pa, struct gl_controls *controls, uint64_t now_ns);
/* When service wants to run next; 0 = never (NULL). */
uint64_t play_audio_next_ns(const struct play_audio *pa);

#endif
