/*
 * console.h - the SDL2 console: one window with the cue lists, faders,
 * stage view, fixture sheet, universe, devices and log views, the
 * programmer, and saving recorded cues; and the stage view drawn headless
 * (`ghostlight render --png`).
 *
 * The console is a remote of the engine like any other: it reads a
 * snapshot tap and a frame tap of its own, and sends commands through the
 * engine's ring. It never waits on the engine and the engine never
 * waits on it, so a stalled window changes no DMX timing. Work that
 * belongs to the control thread (a cue list edited in the engine, which
 * the show's handlers must follow) is posted to that thread.
 *
 * Threads: gl_console_create/run/destroy on the thread that owns SDL (the
 * main thread); gl_console_log, gl_console_event, gl_console_media and
 * gl_console_control_stats from the control thread (they take the
 * console's own lock, never held while drawing; gl_console_log from any
 * thread). gl_console_create reads
 * the show, so it runs before the control thread starts.
 */
#ifndef GL_CONSOLE_H
#define GL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "outputs/control/control.h"
#include "outputs/dmx/output.h"
#include "scripts/show.h"

struct gl_audio;

struct gl_console_output {
	const char *name;
	const char *type;
	int universe_count;
	const struct gl_output_status *status;   /* counters, read under hold */
};

struct gl_console_host {
	struct gl_show *show;            /* read by gl_console_create only */
	struct gl_engine *engine;
	struct gl_frame_tap *tap;        /* the console's own */
	struct gl_snapshot_tap *snapshot;/* the console's own */
	const struct gl_console_output *outputs;
	int output_count;
	void *ud;
	/* the outputs' status may be read only between these (shutdown.h) */
	bool (*hold_outputs)(void *ud);
	void (*release_outputs)(void *ud);
	/* fn(arg) on the control thread, soon; 0 or GL_ENOMEM */
	int (*post)(void *ud, void (*fn)(void *arg), void *arg);
	/* true once a signal asked the program to end */
	bool (*stopping)(void *ud);
};

struct gl_console_options {
	const char *script;     /* a test script of input events (script.c); NULL none */
	double go_debounce_s;   /* a second GO of a list within this is ignored */
	double record_fade_s;   /* fade of a recorded cue */
	float scale;            /* 0: from the display */
	bool red_light;
	int width, height;      /* window size at 1x; 0: 1600 x 900 */
	bool stats;             /* frame times to stderr at the end */
};

#define GL_CONSOLE_GO_DEBOUNCE_S 0.3
#define GL_CONSOLE_RECORD_FADE_S 3.0

struct gl_console;

/* Opens the window and reads the show. Returns NULL with the reason in
 * err. */
struct gl_console *gl_console_create(const struct gl_console_host *host,
				     const struct gl_console_options *opt, char *err,
				     size_t err_len);
/* The show's sound (the media view's levels, PANIC fades it), NULL none.
 * Before gl_console_run(). */
void gl_console_set_audio(struct gl_console *c, struct gl_audio *audio);
/* Runs until the operator quits (asked first when there are unsaved
 * changes), the script ends with quit, or host->stopping(). Returns the
 * exit code: 0, or 3 when a test script failed. */
int gl_console_run(struct gl_console *c);
void gl_console_destroy(struct gl_console *c);

/* Control thread: a line for the log panel (error: shown red). */
void gl_console_log(struct gl_console *c, bool error, const char *text);
/* Control thread: every engine event, after the show had it. */
void gl_console_event(struct gl_console *c, const struct gl_event *ev);
/* Control thread: a media target's state (a video target), for the media
 * view. */
void gl_console_media(struct gl_console *c, const struct gl_media_state *ms);
/* Control thread: a control adapter's counters, for the devices panel. */
void gl_console_control_stats(struct gl_console *c, int i, const char *name,
			      const struct gl_control_stats *stats);

/* The stage view of the show as its engine stands (after the caller ticked
 * it), width x height pixels, written to a PNG file. No window: a software
 * renderer on a surface. Returns 0, or -1 with the reason in err. */
int gl_console_render_png(struct gl_show *show, int width, int height, const char *path,
			  char *err, size_t err_len);

#endif
