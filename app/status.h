/*
 * status.h - `play`'s one-screen terminal status: show name, each cue
 * list's active and standby cue with label and fade progress, faders and
 * masters, engine timing, each output's rate and errors, the audio levels
 * and running sounds, the latest show
 * errors. Without a terminal (or with --no-status) it writes events and
 * errors to stderr as log lines instead. Control thread only.
 */
#ifndef GL_STATUS_H
#define GL_STATUS_H

#include <stdbool.h>

#include "engine/engine.h"
#include "scripts/show.h"
#include "outputs/dmx/outthread.h"

struct gl_status;

struct gl_status *gl_status_create(struct gl_show *show, struct gl_outthread *const *threads,
				   int thread_count, bool screen);
void gl_status_destroy(struct gl_status *st);
void gl_status_event(struct gl_status *st, const struct gl_event *ev);
void gl_status_error(struct gl_status *st, const char *msg);
/* A show's log() line: shown, not counted as an error. */
void gl_status_log(struct gl_status *st, const char *msg);
void gl_status_draw(struct gl_status *st, uint64_t now_ns);
/* The control adapters (OSC ...) to show: peers, messages in and out,
 * drops. They run on this same thread. NULL: none. */
struct gl_controls;
void gl_status_set_controls(struct gl_status *st, struct gl_controls *controls);
/* A media target's state (video), shown on its own line. */
struct gl_media_state;
void gl_status_media(struct gl_status *st, const struct gl_media_state *ms);
/* How the run began, when worth saying ("resumed after a crash: ..."):
 * a line of its own on the screen, a log line without. */
void gl_status_resume(struct gl_status *st, const char *note);
/* The audio part to show (levels, running sounds, underruns), NULL: none. */
struct gl_audio;
void gl_status_set_audio(struct gl_status *st, struct gl_audio *audio);
/* Last words: restores the terminal, prints a one-line summary. */
void gl_status_finish(struct gl_status *st, uint64_t now_ns);

#endif
