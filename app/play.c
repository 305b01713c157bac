/*
 * play.c - `ghostlight play SHOW`: headless playback. Loads the show,
 * starts its outputs and engine, and runs the control loop (runner.h) on
 * the calling thread with the status screen as its observer.
 *
 * Threads: the engine thread (gl_engine_start), the output threads
 * (outthread.c), the signal thread (shutdown.c: SIGINT/SIGTERM/SIGHUP end
 * the show, cleanly when this thread answers within the grace period, by
 * stopping the outputs itself when it does not), and this one, the control
 * thread. Ending: control adapters, engine, then the outputs close (sACN
 * sends its stream-terminated packets).
 *
 * Unattended: the log file (log.h) here; the resume journal (resume.h: the
 * show comes back where it was after a crash) started here and kept by the
 * control loop, which also speaks systemd's notify protocol (runner.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "resume.h"
#include "play_audio.h"
#include "runner.h"
#include "shutdown.h"
#include "status.h"
#include "scripts/sandbox.h"
#include "scripts/show.h"
/* --duration: a year; past that a typo, not a show (and the end time must
 * fit the monotonic clock's nanoseconds) */
#define GL_PLAY_DURATION_MAX_S (365.0 * 24 * 3600)

static void usage(FILE *to)
{
	fprintf(to, "usage: ghostlight play SHOW [--duration SECONDS] [--no-status] [--mqtt URL]\n"
		    "                          [--audio-device NAME] [--log FILE [--log-size SIZE] [--log-keep N]]\n"
		    "  --duration S  end after S seconds (default: run until Ctrl-C)\n"
		    "  --no-status   no status screen; events and errors go to stderr\n"
		    "  --mqtt URL    MQTT broker, mqtt://[user[:password]@]host[:port][/base]\n"
		    "                (or mqtts://); over the show's mqtt { ... }\n"
		    "  --audio-device NAME  the sound output (`ghostlight devices` lists them),\n"
		    "                over the show's audio { device = ... }\n"
		    "  --log FILE    log to FILE instead of stderr (no status screen), rotated\n"
		    "                at --log-size (default 10M) with --log-keep (5) old files\n");
}

/* The status screen as the control loop's observer. */
struct play_status {
	struct gl_status *st;
	struct gl_shutdown *sd;
	uint64_t next_draw;
	uint64_t draw_period;
};

static void play_event(void *ud, const struct gl_event *ev)
{
	struct play_status *p = ud;

	gl_status_event(p->st, ev);
}

static void play_log(void *ud, bool error, const char *text)
{
	struct play_status *p = ud;

	if (error)
		gl_status_error(p->st, text);
	else
		gl_status_log(p->st, text);
}

/* A video target's state: its line on the status screen. */
static void play_media(void *ud, const struct gl_media_state *ms)
{
	struct play_status *p = ud;

	gl_status_media(p->st, ms);
}

static uint64_t play_turn(void *ud, uint64_t now)
{
	struct play_status *p = ud;

	if (now >= p->next_draw && gl_shutdown_hold_outputs(p->sd)) {
		gl_status_draw(p->st, now);
		gl_shutdown_release_outputs(p->sd);
		p->next_draw = now + p->draw_period;
	}
	return p->next_draw;
}

/* Asks the show's Lua to stop where it stands (a handler stuck in a loop or
 * in a C call, or the show file still loading), from the signal thread:
 * async-signal-safe, and it stays set, since the process is ending. */
static void play_interrupt_show(void *ud)
{
	(void)ud;
	sandbox_interrupt_all();
}

static void play_stop_outputs(void *ud)
{
	gl_runner_stop_outputs(ud);
}

int gl_cmd_play(int argc, char **argv)
{
	const char *path = NULL, *log_path = NULL;
	uint64_t log_size = GL_LOG_SIZE_DEFAULT;
	int log_keep = GL_LOG_KEEP_DEFAULT;
	char mqtt_url[GL_OPTION_VALUE_MAX * 2] = "";
	const char *audio_device = NULL;
	double duration_s = 0;
	bool status = true;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) {
			char *end;
			duration_s = strtod(argv[++i], &end);
			if (end == argv[i] || *end || !(duration_s > 0) ||
			    duration_s > GL_PLAY_DURATION_MAX_S) {
				fprintf(stderr, "ghostlight play: --duration needs seconds above 0 and "
					"at most %.0f (a year), not '%s'\n", GL_PLAY_DURATION_MAX_S, argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--no-status") == 0) {
			status = false;
		} else if (strcmp(argv[i], "--mqtt") == 0 && i + 1 < argc) {
			if (gl_runner_take_url("play", "mqtt", argv[++i], mqtt_url, sizeof mqtt_url) < 0)
				return 2;
		} else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
			log_path = argv[++i];
		} else if (strcmp(argv[i], "--log-size") == 0 && i + 1 < argc) {
			log_size = gl_log_parse_size(argv[++i]);
			if (log_size < 4096) {
				fprintf(stderr, "ghostlight play: --log-size needs a size of at least "
					"4k (\"64k\", \"10M\"), not '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--log-keep") == 0 && i + 1 < argc) {
			char *end;
			long keep = strtol(argv[++i], &end, 10);
			if (*end || keep < 1 || keep > 100) {
				fprintf(stderr, "ghostlight play: --log-keep needs 1..100 files, not '%s'\n",
					argv[i]);
				return 2;
			}
			log_keep = (int)keep;
		} else if (strcmp(argv[i], "--audio-device") == 0 && i + 1 < argc) {
			audio_device = argv[++i];
		} else {
			int rc = gl_cmd_arg("play", argv[i], &path, usage);
			if (rc >= 0)
				return rc;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	char err[1024];
	/* unattended: from here on everything printed goes to the log file */
	if (log_path && gl_log_to_file(log_path, log_size, log_keep, err, sizeof err) != 0) {
		fprintf(stderr, "ghostlight play: %s\n", err);
		return 2;
	}
	if (status && !isatty(STDOUT_FILENO))
		status = false;

	/* first: before any other thread, so that every thread inherits the
	 * blocked signals and a signal during the load already counts */
	struct gl_shutdown *sd = gl_shutdown_start(err, sizeof err);
	if (!sd) {
		fprintf(stderr, "ghostlight play: cannot set up signals: %s\n", err);
		return 1;
	}
	gl_shutdown_set_phase(sd, "loading the show");
	gl_shutdown_set_interrupt(sd, play_interrupt_show, NULL);
	struct gl_show *show = gl_show_load(path, err, sizeof err);
	if (!show && gl_shutdown_signal(sd)) {
		fprintf(stderr, "ghostlight play: %s while loading the show: not started (%s)\n",
			sigabbrev_np(gl_shutdown_signal(sd)), err);
		gl_shutdown_finish(sd);
		return 0;
	}
	if (!show) {
		fprintf(stderr, "%s\n", err);
		gl_shutdown_finish(sd);
		return 1;
	}
	if (gl_shutdown_signal(sd)) {
		fprintf(stderr, "ghostlight play: %s while loading the show: not started\n",
			sigabbrev_np(gl_shutdown_signal(sd)));
		gl_show_destroy(show);
		gl_shutdown_finish(sd);
		return 0;
	}
	struct gl_engine *e = gl_show_engine(show);

	struct gl_runner_outputs threads;
	gl_shutdown_set_phase(sd, "starting the outputs");
	if (gl_runner_start_outputs(show, &threads, err, sizeof err) != 0) {
		fprintf(stderr, "ghostlight play: %s\n", err);
		gl_shutdown_set_interrupt(sd, NULL, NULL);
		gl_show_destroy(show);
		gl_shutdown_finish(sd);
		return 1;
	}
	gl_shutdown_set_outputs(sd, play_stop_outputs, &threads);

	/* unattended: back where the show was after a crash, or the commands
	 * the show queued (go("Main")) */
	char resume_note[600];
	struct gl_resume *resume = gl_resume_start(show, resume_note, sizeof resume_note);
	gl_engine_lock_memory(e, true);   /* when permitted: the status says */
	if (gl_engine_start(e) != 0) {
		fprintf(stderr, "ghostlight play: cannot start the engine thread\n");
		gl_resume_end(resume, false);
		gl_shutdown_stop_outputs(sd);
		gl_shutdown_set_interrupt(sd, NULL, NULL);
		gl_show_destroy(show);
		gl_shutdown_finish(sd);
		return 1;
	}

	struct gl_status *st = gl_status_create(show, threads.t, threads.count, status);
	/* A remote that hangs up must not end the show with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* the screen at 10 Hz; without one, output state is logged on change,
	 * which once a second catches */
	struct play_status ps = {
		.st = st, .sd = sd, .next_draw = gl_now_ns(),
		.draw_period = status ? GL_NS_PER_S / 10 : GL_NS_PER_S,
	};
	struct gl_runner_observer obs = {
		.ud = &ps, .event = play_event, .log = play_log, .media = play_media,
		.turn = play_turn,
	};
	/* before the adapters: they feed back its levels */
	struct play_audio *audio = play_audio_start(show, audio_device, play_log, &ps);
	gl_status_set_audio(st, play_audio_part(audio));
	gl_status_resume(st, resume_note);   /* unattended: how the run began */
	struct gl_runner_config cfg = {
		.observer = &obs, .mqtt_url = mqtt_url[0] ? mqtt_url : NULL, .audio = audio,
		.resume = resume, .resume_note = resume_note, .outputs = &threads,
	};
	struct gl_runner *runner = gl_runner_create(show, sd, &cfg);
	int exit_code = 1;
	if (runner) {
		gl_status_set_controls(st, gl_runner_controls(runner));
		gl_shutdown_set_phase(sd, "in the control loop (a show handler that does not return?)");
		/* --duration counts from here, the adapters running */
		uint64_t start = gl_now_ns();
		exit_code = gl_runner_run(runner, duration_s > 0 ? start + (uint64_t)(duration_s * 1e9)
								 : 0);
	} else {
		fprintf(stderr, "ghostlight play: out of memory\n");
	}

	gl_shutdown_ending(sd);
	gl_shutdown_set_interrupt(sd, NULL, NULL);
	gl_status_set_controls(st, NULL);
	gl_runner_destroy(runner);

	gl_engine_stop(e);
	/* unattended: a clean end starts the next run from the top */
	gl_resume_end(resume, exit_code == 0);
	if (gl_shutdown_hold_outputs(sd)) {
		gl_status_finish(st, gl_now_ns());
		gl_shutdown_release_outputs(sd);
	}
	gl_status_set_audio(st, NULL);
	play_audio_stop(audio);
	gl_status_destroy(st);
	gl_shutdown_stop_outputs(sd);  /* closes outputs: sACN stream termination */
	gl_show_destroy(show);
	gl_shutdown_finish(sd);
	explicit_bzero(mqtt_url, sizeof mqtt_url);
	return exit_code;
}
