/*
 * runner.h - what `play` and `console` share once a show is loaded: its
 * output threads, its control adapters (OSC, MQTT, MIDI, RTSP video) and
 * the control loop.
 *
 * The control loop is one poll loop over the stop request (shutdown.h), the
 * engine's events, the show's Lua timers and schedules, the control
 * adapters' fds and timers (the MIDI adapter's MTC handed to the show's
 * timecode lists), the show's sound (play_audio.h: the audio master fader,
 * what the audio part says), the unattended duties (the resume journal,
 * systemd's notify protocol and watchdog, the log file's rotation) and
 * work posted from other threads (gl_runner_post: the console's cue
 * edits). Whoever calls gl_runner_run() is the control thread: `play` runs
 * it on its main thread, `console` on a thread of its own, so that a
 * window being dragged or a slow renderer never delays a remote's GO or a
 * show's timer. An observer sees every event and log line on that thread
 * (play: the status screen; console: the GUI's log) and gets a turn on
 * each pass of the loop.
 *
 * Threads: gl_runner_create/run/destroy on the control thread (create and
 * destroy may be on another before run starts and after it returned);
 * gl_runner_stop and gl_runner_post from any thread. The output functions
 * from the thread that loaded the show.
 */
#ifndef GL_RUNNER_H
#define GL_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "outputs/control/control.h"
#include "outputs/dmx/outthread.h"
#include "play_audio.h"
#include "scripts/show.h"
#include "shutdown.h"

#define GL_RUNNER_OUTPUT_THREADS 8  /* the engine's tap limit */

/* The output threads: one shared by every network output (first, when
 * there is any), one of its own for each output that asks (USB devices),
 * each fed by its own frame tap. */
struct gl_runner_outputs {
	struct gl_outthread *t[GL_RUNNER_OUTPUT_THREADS];
	int count;
};

/* Before gl_engine_start(). Returns 0, or -1 with what went wrong in err
 * (every thread started is stopped again). */
int gl_runner_start_outputs(struct gl_show *show, struct gl_runner_outputs *outs, char *err,
			    size_t err_len);
/* Closes every output (sACN sends its stream-terminated packets) and joins. */
void gl_runner_stop_outputs(struct gl_runner_outputs *outs);

struct gl_runner_observer {
	void *ud;
	/* every engine event, after the show and the adapters had it; NULL ok */
	void (*event)(void *ud, const struct gl_event *ev);
	/* a log() line of the show (error false), or an error of the show,
	 * of an adapter or of the audio part; NULL ok */
	void (*log)(void *ud, bool error, const char *text);
	/* a media target's state (a video target: on change, and every second
	 * while it plays), after the adapters' feedback had it; NULL ok */
	void (*media)(void *ud, const struct gl_media_state *ms);
	/* once a pass, after events and timers: the observer's own work.
	 * Returns when it wants its next turn (monotonic ns; 0: no wish).
	 * NULL ok. */
	uint64_t (*turn)(void *ud, uint64_t now_ns);
};

struct gl_runner;

struct gl_resume;

struct gl_runner_config {
	const struct gl_runner_observer *observer;   /* NULL: none */
	/* --mqtt URL, over the show's mqtt { ... }; NULL none */
	const char *mqtt_url;
	/* the show's sound (play_audio_start(), before the runner: the
	 * adapters feed back its levels and PANIC fades it), NULL none; the
	 * loop services it, the caller stops it after gl_runner_destroy() */
	struct play_audio *audio;
	/* unattended: the show's resume journal (gl_resume_start(), in place
	 * of gl_show_start(), before gl_engine_start()), NULL none; the loop
	 * journals the engine's live state, the caller ends it once the
	 * engine has stopped. resume_note: what gl_resume_start() said ("":
	 * nothing), passed on to remotes and systemd after a crash. */
	struct gl_resume *resume;
	const char *resume_note;
	/* the output threads, whose state systemd's status line gives */
	const struct gl_runner_outputs *outputs;
};

/* Starts the show's control adapters and wires the show's sends to them;
 * captures the show's sound input (sound_input { }: effects' beat and
 * level; a device that fails is an error to the observer's log, the show
 * goes on); speaks systemd's notify protocol when started by it
 * (sdnotify.h: READY, STATUS, the watchdog). The engine is started (or
 * not) by the caller. Returns NULL when out of memory. */
struct gl_runner *gl_runner_create(struct gl_show *show, struct gl_shutdown *sd,
				   const struct gl_runner_config *config);
/* Tells systemd the show is stopping, stops the adapters and the sound
 * input and unwires the show. NULL ok. */
void gl_runner_destroy(struct gl_runner *r);

/* The running adapters (for a status display on the control thread). */
struct gl_controls *gl_runner_controls(struct gl_runner *r);

/* The control loop, until a signal (shutdown.h), gl_runner_stop() or
 * end_ns (monotonic; 0: no end). Returns 0, or 1 when poll() failed. */
int gl_runner_run(struct gl_runner *r, uint64_t end_ns);

/* A URL option (--mqtt, type "mqtt") of command `cmd`: checked now, copied
 * to out, its password masked in the argument (the process list). Returns
 * 0, or -1 after saying what is wrong. */
int gl_runner_take_url(const char *cmd, const char *type, char *url, char *out, size_t len);

/* Any thread: the loop returns at its next pass. */
void gl_runner_stop(struct gl_runner *r);

/* Any thread: fn(arg) runs on the control thread at its next pass, in the
 * order posted. Returns 0, or GL_ENOMEM (nothing posted). Work still
 * waiting when the runner is destroyed runs then. */
int gl_runner_post(struct gl_runner *r, void (*fn)(void *arg), void *arg);

#endif
