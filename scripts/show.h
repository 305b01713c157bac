/*
 * show.h - the Lua show-file runtime: loads a show file in a sandbox, builds
 * the engine (patch, groups, cue lists, faders) and the output configs, and
 * keeps the Lua state for the show's handlers (on_cue, timers, ...).
 *
 * Loading and every call below run on the control thread (the thread that
 * loaded the show). Handlers run under an instruction budget: a runaway one
 * is stopped, reported through gl_show_take_error(), and the show goes on.
 * What a show makes the host do is bounded too: counts are capped, and the
 * host memory it causes counts against its memory limit (README "Limits").
 */
#ifndef GL_SHOW_H
#define GL_SHOW_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "engine/engine.h"
#include "outputs/dmx/output.h"
#include "outputs/control/control.h"

struct gl_show;

/* Loads `path`. On error returns NULL and writes "file:line: what is wrong"
 * into err. The engine it builds is finalized but not started. */
struct gl_show *gl_show_load(const char *path, char *err, size_t err_len);
/* The same with another instruction budget and wall-clock limit for the
 * load (the fuzz target's small ones) than GL_SHOW_LOAD_BUDGET and
 * GL_SHOW_LOAD_SECONDS. */
struct gl_show *gl_show_load_with(const char *path, long budget, double seconds, char *err,
				  size_t err_len);
void gl_show_destroy(struct gl_show *show);

const char *gl_show_name(const struct gl_show *show);
const char *gl_show_path(const struct gl_show *show);
/* What the show's memory limit counts (its Lua state and the host memory
 * its scripts caused), and that limit, in bytes. Control thread. */
size_t gl_show_memory_used(const struct gl_show *show);
size_t gl_show_memory_limit(const struct gl_show *show);
struct gl_engine *gl_show_engine(struct gl_show *show);

/* Outputs the show declared, in order. gl_show_output_take() hands the
 * configured output state to the caller (the output thread opens it); it
 * returns NULL when already taken. */
int gl_show_output_count(const struct gl_show *show);
const struct gl_output_config *gl_show_output_config(const struct gl_show *show, int i);
const struct gl_output_ops *gl_show_output_ops(const struct gl_show *show, int i);
struct gl_output *gl_show_output_take(struct gl_show *show, int i);

/* Commands the show asked for at load time (go("Main") at the end of the
 * file): sent to the engine once it runs. Returns how many were sent. */
int gl_show_start(struct gl_show *show);

/* What the show says about coming back after a crash or a power cut:
 * show { resume = "live" (the default) | "restart" | N | { "List", N } }.
 * For GL_SHOW_RESUME_CUE, *list and *cue get the cue's indexes. */
enum gl_show_resume { GL_SHOW_RESUME_LIVE, GL_SHOW_RESUME_RESTART, GL_SHOW_RESUME_CUE };
enum gl_show_resume gl_show_resume(const struct gl_show *show, int *list, int *cue);
/* Forgets the commands the show asked for at load time (go("Main") at the
 * end of the file), so that gl_show_start() only starts its timers: a show
 * resumed where it was must not GO again. Returns how many it dropped. */
int gl_show_discard_queued(struct gl_show *show);
/* Calls fn with every file the show was built from: the show file, the
 * fixture type files its patch read, the modules it required. */
void gl_show_sources(struct gl_show *show, void (*fn)(void *ud, const char *path), void *ud);

/* Runs the handlers an engine event triggers (on_cue ...). */
void gl_show_handle_event(struct gl_show *show, const struct gl_event *ev);
/* Timers (every/after): when the next one is due (monotonic ns), 0 if none;
 * and running those that are due. */
uint64_t gl_show_next_timer_ns(const struct gl_show *show);
void gl_show_run_timers(struct gl_show *show, uint64_t now_ns);

/* Control surfaces (osc { ... }): the declarations, checked at load. An
 * adapter that is on by default runs even when the show declares nothing. */
int gl_show_control_count(const struct gl_show *show);
const struct gl_control_config *gl_show_control_config(const struct gl_show *show, int i);
/* How osc.send() and cue actions (osc = {...}) reach an adapter: app/ wires
 * it to the running adapters. Returns 0 or GL_E*. Without one they fail. */
typedef int (*gl_show_send_fn)(void *ud, const char *adapter, const struct gl_ctl_msg *msg);
void gl_show_set_sender(struct gl_show *show, gl_show_send_fn fn, void *ud);
/* A message no adapter address matched: runs the show's on_osc (or
 * on_mqtt) handlers whose pattern matches. Returns true when one ran. */
bool gl_show_handle_message(struct gl_show *show, const char *adapter,
			    const struct gl_ctl_msg *msg);
/* The i-th topic filter the show's handlers need from adapter ("mqtt":
 * on_mqtt), NULL past the last (struct gl_control_host.subscription). */
const char *gl_show_subscription(const struct gl_show *show, const char *adapter, int i);

/* The i-th thing the show declared for adapter (video_target for "rtsp"):
 * its options, the name first (struct gl_control_host.declaration); NULL
 * past the last. */
const struct gl_option *gl_show_declaration(const struct gl_show *show, const char *adapter, int i,
					    int *count);

/* Sound (scripts/show_audio.c). Whether the show plays any (audio cues,
 * audio { ... } or an audio master fader): `play` opens the audio device
 * only then, with these options; the audio part it runs for the show
 * (NULL: none, and audio actions report that audio is not running); the
 * number of the audio master fader (fader(n, { audio = "master" })), 0
 * when there is none. */
struct gl_audio;
struct gl_audio_config;
bool gl_show_wants_audio(const struct gl_show *show);
const struct gl_audio_config *gl_show_audio_config(const struct gl_show *show);
void gl_show_set_audio(struct gl_show *show, struct gl_audio *audio);
int gl_show_audio_master_fader(const struct gl_show *show);

/* Problems found while loading that the show runs with (a sound file that
 * cannot be read): how many. Each is also a line in the error ring,
 * "file:line: what is wrong", waiting for gl_show_take_error(). */
int gl_show_problem_count(const struct gl_show *show);

/* Schedules (at(), every("day", ...)) run on the wall clock, time() unless
 * a test gives its own; gl_show_next_timer_ns() and gl_show_run_timers()
 * include them. The next one due as wall time, (time_t)-1 none. */
void gl_show_set_wall_clock(struct gl_show *show, time_t (*fn)(void *ud), void *ud);
time_t gl_show_next_schedule(const struct gl_show *show);
/* Before gl_show_start() of a show resumed from its journal: catch-up
 * (schedule { missed = "catch_up" }) runs only the firings that came after
 * `since`, the journal's wall time. The ones before it had run, and the
 * journal holds the state they made live; running them again would undo
 * the resume. Without this call the last firing of each rule within
 * 7 days runs, as at any start. */
void gl_show_set_catch_up_since(struct gl_show *show, time_t since);

/* Its cue lists on timecode = "mtc" follow the control adapters' timecode
 * (gl_controls_timecode(): the MIDI adapter's MTC chase), which the control
 * loop hands over each time round, NULL when no adapter chases one. While
 * the chase runs on real code (locking or locked) each list gets its
 * position; when the chase freewheels or stops, the lists are told once
 * that the code stopped and run on by their own freewheel = policy. */
struct gl_timecode;
void gl_show_timecode_input(struct gl_show *show, const struct gl_timecode *tc, uint64_t now_ns);

/* Whether the show declared sound_input { device = ... } (the capture
 * the app starts for effects' beat and level), and its device. */
bool gl_show_sound_input(const struct gl_show *show, const char **device);

/* Errors from handlers (Lua errors, budget exhausted, rejected commands),
 * oldest first. Returns false when none is waiting. */
bool gl_show_take_error(struct gl_show *show, char *buf, size_t len);

/* Prints the show for `ghostlight check`: patch, groups, cue lists with
 * their cues and times, faders, outputs. */
void gl_show_print(const struct gl_show *show, FILE *out);

/* ---- for the console (read before its control thread starts) ---------- */

/* The file of cues recorded in the console that the show loads (its line
 * `recorded "x.lua"`), as a path; NULL when the show has none. */
const char *gl_show_recorded_path(const struct gl_show *show);

/* What a cue does besides its look, for the console's tags. */
#define GL_SHOW_CUE_OSC 1u             /* osc = { ... } actions */
#define GL_SHOW_CUE_HANDLER 2u         /* an on_cue handler for this cue */
#define GL_SHOW_CUE_HANDLER_ANY 4u     /* an on_cue handler for every cue */
#define GL_SHOW_CUE_MQTT 8u            /* mqtt = { ... } actions */
#define GL_SHOW_CUE_VIDEO 16u          /* video = { ... } actions */
#define GL_SHOW_CUE_MIDI 32u           /* midi = { ... } actions */
#define GL_SHOW_CUE_AUDIO 64u          /* audio = { ... } actions */
#define GL_SHOW_CUE_EFFECTS 128u       /* effects = { ... } it starts or stops */
unsigned gl_show_cue_tags(const struct gl_show *show, int list, int cue);
/* The cue's time on a cue list on timecode (its at = ...), seconds; NaN
 * when its list is not on timecode. */
double gl_show_cue_time(const struct gl_show *show, int list, int cue);

/* Where the show puts fixture `fixture` on stage (patch { at = ... }),
 * metres: x across as the audience sees it, y upstage. False when its
 * patch gives no position. */
bool gl_show_fixture_at(const struct gl_show *show, int fixture, float *x, float *y);

/* The engine value (0..1) of a pan or tilt of `degrees` from the centre,
 * exactly as a look in a show file computes it. Returns 0, or GL_ERANGE
 * (outside the fixture's range) / GL_ENOENT (it has no such range). */
int gl_show_degrees_value(const struct gl_fixture_type *type, enum gl_attr attr,
			  double degrees, float *value);

/* The instruction budgets (Lua VM instructions, and work done in library
 * functions, see scripts/sandbox.h), and the wall-clock limits behind them
 * (a watchdog stops what the budget cannot see). */
#define GL_SHOW_LOAD_BUDGET 200000000L
#define GL_SHOW_HANDLER_BUDGET 2000000L
#define GL_SHOW_LOAD_SECONDS 30.0
#define GL_SHOW_HANDLER_SECONDS 1.0

#endif
