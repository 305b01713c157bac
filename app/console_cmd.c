/*
 * console_cmd.c - `ghostlight console SHOW`: the show's engine, outputs and
 * control adapters as `play` runs them, with the SDL2 console (console/) as
 * the operator's screen.
 *
 * Threads: the main thread owns SDL and runs the console's frame loop; the
 * control loop (runner.h: the show's Lua, OSC, timers, engine events, the
 * console's cue edits) runs on a thread of its own, so a window being
 * dragged, a slow software renderer or a modal moment of the GUI never
 * holds back a remote's GO or a show's timer, and the engine (its own
 * thread, absolute schedule) never waits on either. The signal thread
 * (shutdown.c) ends the program as it ends `play`, and the show's resume
 * journal (resume.h) brings it back after a crash as it does `play`'s.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "app/console/console.h"
#include "outputs/report.h"
#include "play_audio.h"
#include "resume.h"
#include "runner.h"
#include "scripts/sandbox.h"
#include "shutdown.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: ghostlight console SHOW [--go-debounce S] [--record-fade S] [--scale X]\n"
		"                          [--red-light] [--size WxH] [--stats] [--mqtt URL]\n"
		"                          [--audio-device NAME] [--script FILE]\n"
		"  --go-debounce S  a second GO of a list within S seconds is ignored (%.1f)\n"
		"  --record-fade S  the fade of a recorded cue (%.0f)\n"
		"  --scale X        interface scale (default: from the display)\n"
		"  --red-light      start in the red-light theme (F12 toggles)\n"
		"  --size WxH       window size at 1x (1600x900)\n"
		"  --stats          print frame times when it ends\n"
		"  --mqtt URL       MQTT broker, as for play\n"
		"  --audio-device NAME  the sound output, as for play\n"
		"  --script FILE    play a test script of input events (app/console/script.c)\n",
		GL_CONSOLE_GO_DEBOUNCE_S, GL_CONSOLE_RECORD_FADE_S);
}

struct console_ctx {
	struct gl_console *console;
	struct gl_shutdown *sd;
	struct gl_runner *runner;
	struct gl_engine *e;
	uint64_t next_stats;
	const struct gl_console_output *outputs;
	int output_count;
	char (*output_error)[GL_REPORT_TEXT_MAX];   /* per output, as last told */
};

static bool host_hold(void *ud)
{
	return gl_shutdown_hold_outputs(((struct console_ctx *)ud)->sd);
}

static void host_release(void *ud)
{
	gl_shutdown_release_outputs(((struct console_ctx *)ud)->sd);
}

static int host_post(void *ud, void (*fn)(void *), void *arg)
{
	return gl_runner_post(((struct console_ctx *)ud)->runner, fn, arg);
}

static bool host_stopping(void *ud)
{
	return gl_shutdown_signal(((struct console_ctx *)ud)->sd) != 0;
}

/* ---- the control thread's observer ------------------------------------------------------ */

static void obs_event(void *ud, const struct gl_event *ev)
{
	struct console_ctx *x = ud;
	char line[GL_NAME_MAX * 3];
	const char *list = ev->list >= 0 ? gl_engine_cuelist_name(x->e, ev->list) : "";
	gl_console_event(x->console, ev);
	switch (ev->type) {
	case GL_EV_CUE_FIRED: {
		const struct gl_cue_def *d = gl_engine_cue(x->e, ev->list, ev->cue);
		snprintf(line, sizeof line, "%s: GO cue %s %s", list, d->number_text, d->label);
		break;
	}
	case GL_EV_LIST_END:
		snprintf(line, sizeof line, "%s: end of list", list);
		break;
	case GL_EV_LIST_STOPPED:
		snprintf(line, sizeof line, "%s: stopped", list);
		break;
	case GL_EV_TICK_LATE:
		snprintf(line, sizeof line, "engine overran: %d period(s) skipped", ev->index);
		gl_console_log(x->console, true, line);
		return;
	case GL_EV_CUES_REPLACED:
		snprintf(line, sizeof line, "%s: the engine plays the edited list", list);
		break;
	case GL_EV_CUE_DONE:
		return;
	}
	gl_console_log(x->console, false, line);
}

static void obs_log(void *ud, bool error, const char *text)
{
	gl_console_log(((struct console_ctx *)ud)->console, error, text);
}

static void obs_media(void *ud, const struct gl_media_state *ms)
{
	gl_console_media(((struct console_ctx *)ud)->console, ms);
}

/* An output failing or recovered: remotes hear it (MQTT events), as from
 * play's status screen; the devices panel shows it anyway. */
static void tell_output_status(struct console_ctx *x)
{
	struct gl_controls *set = gl_runner_controls(x->runner);
	if (!gl_shutdown_hold_outputs(x->sd))
		return;
	for (int i = 0; i < x->output_count; i++) {
		char err[GL_REPORT_TEXT_MAX];
		gl_report_get(&x->outputs[i].status->error, err, sizeof err);
		if (strcmp(err, x->output_error[i]) != 0) {
			gl_controls_output_status(set, x->outputs[i].name, err);
			memcpy(x->output_error[i], err, sizeof err);
		}
	}
	gl_shutdown_release_outputs(x->sd);
}

static uint64_t obs_turn(void *ud, uint64_t now)
{
	struct console_ctx *x = ud;
	if (now >= x->next_stats) {
		struct gl_controls *set = gl_runner_controls(x->runner);
		for (int i = 0; set && i < gl_controls_count(set); i++)
			gl_console_control_stats(x->console, i, gl_controls_name(set, i),
						 gl_controls_stats(set, i));
		tell_output_status(x);
		x->next_stats = now + GL_NS_PER_S / 2;
	}
	return x->next_stats;
}

static void *control_main(void *arg)
{
	struct console_ctx *x = arg;
	gl_runner_run(x->runner, 0);
	return NULL;
}

static void stop_outputs(void *ud)
{
	gl_runner_stop_outputs(ud);
}

/* As play's: the show's Lua stops where it stands (signal thread). */
static void interrupt_show(void *ud)
{
	(void)ud;
	sandbox_interrupt_all();
}

static bool parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v >= 0) || v > max)
		return false;
	*out = v;
	return true;
}

int gl_cmd_console(int argc, char **argv)
{
	const char *path = NULL;
	char mqtt_url[GL_OPTION_VALUE_MAX * 2] = "";
	const char *audio_device = NULL;
	struct gl_console_options opt = {
		.go_debounce_s = GL_CONSOLE_GO_DEBOUNCE_S,
		.record_fade_s = GL_CONSOLE_RECORD_FADE_S,
	};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "--go-debounce") == 0 && more) {
			if (!parse_seconds(argv[++i], 5, &opt.go_debounce_s)) {
				fprintf(stderr, "ghostlight console: --go-debounce: 0..5 seconds\n");
				return 2;
			}
		} else if (strcmp(a, "--record-fade") == 0 && more) {
			if (!parse_seconds(argv[++i], 3600, &opt.record_fade_s)) {
				fprintf(stderr, "ghostlight console: --record-fade: 0..3600 seconds\n");
				return 2;
			}
		} else if (strcmp(a, "--scale") == 0 && more) {
			opt.scale = strtof(argv[++i], NULL);
			if (!(opt.scale >= 0.5f && opt.scale <= 4.0f)) {
				fprintf(stderr, "ghostlight console: --scale: 0.5..4\n");
				return 2;
			}
		} else if (strcmp(a, "--size") == 0 && more) {
			if (sscanf(argv[++i], "%dx%d", &opt.width, &opt.height) != 2 ||
			    opt.width < 1024 || opt.height < 640 || opt.width > 16384 ||
			    opt.height > 16384) {
				fprintf(stderr, "ghostlight console: --size WxH, at least 1024x640\n");
				return 2;
			}
		} else if (strcmp(a, "--red-light") == 0) {
			opt.red_light = true;
		} else if (strcmp(a, "--stats") == 0) {
			opt.stats = true;
		} else if (strcmp(a, "--mqtt") == 0 && more) {
			if (gl_runner_take_url("console", "mqtt", argv[++i], mqtt_url, sizeof mqtt_url) < 0)
				return 2;
		} else if (strcmp(a, "--audio-device") == 0 && more) {
			audio_device = argv[++i];
		} else if (strcmp(a, "--script") == 0 && more) {
			opt.script = argv[++i];
		} else {
			int rc = gl_cmd_arg("console", a, &path, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}

	char err[1024];
	struct console_ctx x = { 0 };
	x.sd = gl_shutdown_start(err, sizeof err);
	if (!x.sd) {
		fprintf(stderr, "ghostlight console: cannot set up signals: %s\n", err);
		return 1;
	}
	gl_shutdown_set_phase(x.sd, "loading the show");
	gl_shutdown_set_interrupt(x.sd, interrupt_show, NULL);
	struct gl_show *show = gl_show_load(path, err, sizeof err);
	if (!show) {
		fprintf(stderr, "%s\n", err);
		gl_shutdown_finish(x.sd);
		return gl_shutdown_signal(x.sd) ? 0 : 1;
	}
	x.e = gl_show_engine(show);
	struct gl_runner_outputs threads;
	gl_shutdown_set_phase(x.sd, "starting the outputs");
	if (gl_runner_start_outputs(show, &threads, err, sizeof err) != 0) {
		fprintf(stderr, "ghostlight console: %s\n", err);
		gl_show_destroy(show);
		gl_shutdown_finish(x.sd);
		return 1;
	}
	gl_shutdown_set_outputs(x.sd, stop_outputs, &threads);
	int exit_code = 1;
	bool clean = false;
	struct play_audio *audio = NULL;
	struct gl_resume *resume = NULL;
	/* the console's own frames and snapshot: taps like an output thread's */
	struct gl_frame_tap *tap = gl_engine_add_tap(x.e);
	struct gl_snapshot_tap *snapshot = gl_engine_add_snapshot_tap(x.e);
	int n_out = 0;
	for (int t = 0; t < threads.count; t++)
		n_out += gl_outthread_count(threads.t[t]);
	struct gl_console_output *outs = calloc((size_t)(n_out ? n_out : 1), sizeof *outs);
	x.output_error = calloc((size_t)(n_out ? n_out : 1), sizeof *x.output_error);
	if (!tap || !snapshot || !outs || !x.output_error) {
		fprintf(stderr, "ghostlight console: %s\n", tap ? "out of memory"
			: "no frame tap left for the console (too many output threads)");
		goto out;
	}
	n_out = 0;
	for (int t = 0; t < threads.count; t++)
		for (int i = 0; i < gl_outthread_count(threads.t[t]); i++) {
			const struct gl_outthread_output *o = gl_outthread_output(threads.t[t], i);
			outs[n_out++] = (struct gl_console_output){
				o->config->name, o->config->type, o->config->universe_count,
				gl_output_status(o->out),
			};
		}
	x.outputs = outs;
	x.output_count = n_out;
	struct gl_console_host host = {
		.show = show, .engine = x.e, .tap = tap, .snapshot = snapshot, .outputs = outs,
		.output_count = n_out, .ud = &x, .hold_outputs = host_hold,
		.release_outputs = host_release, .post = host_post, .stopping = host_stopping,
	};
	gl_shutdown_set_phase(x.sd, "opening the window");
	x.console = gl_console_create(&host, &opt, err, sizeof err);
	if (!x.console) {
		fprintf(stderr, "ghostlight console: %s\n", err);
		goto out;
	}
	/* the sound: its news in the log panel; before the adapters, which
	 * feed back its levels */
	audio = play_audio_start(show, audio_device, obs_log, &x);
	gl_console_set_audio(x.console, play_audio_part(audio));
	/* as play's: back where the show was after a crash, or the commands
	 * the show queued (go("Main")); the control loop journals it */
	char resume_note[600];
	resume = gl_resume_start(show, resume_note, sizeof resume_note);
	if (resume_note[0])
		gl_console_log(x.console, strstr(resume_note, "after a crash") != NULL, resume_note);
	gl_engine_lock_memory(x.e, true);   /* when permitted, as play's: the devices view says */
	if (gl_engine_start(x.e) != 0) {
		fprintf(stderr, "ghostlight console: cannot start the engine thread\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);   /* a remote that hangs up must not end the show */
	struct gl_runner_observer obs = {
		.ud = &x, .event = obs_event, .log = obs_log, .media = obs_media, .turn = obs_turn,
	};
	struct gl_runner_config cfg = {
		.observer = &obs, .mqtt_url = mqtt_url[0] ? mqtt_url : NULL, .audio = audio,
		.resume = resume, .resume_note = resume_note, .outputs = &threads,
	};
	x.runner = gl_runner_create(show, x.sd, &cfg);
	pthread_t control;
	if (!x.runner || pthread_create(&control, NULL, control_main, &x) != 0) {
		fprintf(stderr, "ghostlight console: cannot start the control thread\n");
		gl_runner_destroy(x.runner);
		x.runner = NULL;
		gl_engine_stop(x.e);
		goto out;
	}
	pthread_setname_np(control, "gl-control");
	gl_shutdown_set_phase(x.sd, "in the console");
	exit_code = gl_console_run(x.console);

	gl_shutdown_ending(x.sd);
	gl_runner_stop(x.runner);
	pthread_join(control, NULL);
	gl_runner_destroy(x.runner);    /* runs edits still posted: before the console goes */
	gl_engine_stop(x.e);
	clean = exit_code == 0;
out:
	gl_resume_end(resume, clean);   /* a clean end starts the next run from the top */
	gl_console_destroy(x.console);
	play_audio_stop(audio);         /* after the console, which reads its levels */
	free(outs);
	free(x.output_error);
	gl_shutdown_stop_outputs(x.sd);  /* sACN stream termination */
	gl_shutdown_set_interrupt(x.sd, NULL, NULL);
	gl_show_destroy(show);
	gl_shutdown_finish(x.sd);
	explicit_bzero(mqtt_url, sizeof mqtt_url);
	return exit_code;
}
