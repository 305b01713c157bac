/*
 * play.c - `ghostlight play SHOW`: headless playback. Wires the show's
 * engine to its outputs and runs the control loop on the calling thread.
 *
 * Threads: the engine thread (gl_engine_start), the network output thread
 * (outthread.c), the signal thread (shutdown.c: SIGINT/SIGTERM/SIGHUP end
 * the show, cleanly when this thread answers within the grace period, by
 * stopping the outputs itself when it does not), and this one, the control
 * thread: a poll loop over the stop request, the engine's events, the
 * show's Lua timers, the control adapters' fds and timers (OSC: see
 * outputs/control.h; polled generically), and the status screen's refresh.
 * The adapters hand messages outside their own address space to the show's
 * handlers (on_osc), and the show sends (osc.send, cue actions) through
 * them: both wired here, so outputs/ never includes scripts/. Ending:
 * control adapters, engine, then the outputs close (sACN sends its
 * stream-terminated packets).
 *
 * Unattended (marked "unattended:" below): the resume journal
 * (resume.h: the show comes back where it was after a crash), systemd's
 * notify protocol and watchdog (sdnotify.h) and the log file (log.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "log.h"
#include "resume.h"
#include "sdnotify.h"
#include "outputs/control/control.h"
#include "outputs/media/capture/capture.h"
#include "outputs/dmx/outthread.h"
#include "play_audio.h"
#include "shutdown.h"
#include "status.h"
#include "scripts/sandbox.h"
#include "scripts/show.h"

#define GL_MAX_OUTPUT_THREADS 8  /* the engine's tap limit */
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

/* What the control adapters' callbacks reach. */
struct play_ctx {
	struct gl_show *show;
	struct gl_status *st;
	struct gl_controls *controls;
	const char *mqtt_url;      /* --mqtt, or NULL */
	struct play_audio *audio;  /* NULL: no sound */
};

static void play_control_log(void *ud, bool error, const char *text)
{
	struct play_ctx *p = ud;

	if (error)
		gl_status_error(p->st, text);
	else
		gl_status_log(p->st, text);
}

static bool play_control_unhandled(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct play_ctx *p = ud;

	return gl_show_handle_message(p->show, adapter, msg);
}

static const char *play_control_subscription(void *ud, const char *adapter, int i)
{
	struct play_ctx *p = ud;

	return gl_show_subscription(p->show, adapter, i);
}

static const struct gl_option *play_control_declaration(void *ud, const char *adapter, int i,
							int *count)
{
	struct play_ctx *p = ud;

	return gl_show_declaration(p->show, adapter, i, count);
}

/* A video target's state: the status screen, and OSC/MQTT feedback. */
static void play_media_state(void *ud, const struct gl_media_state *ms)
{
	struct play_ctx *p = ud;

	gl_status_media(p->st, ms);
	gl_controls_media_state(p->controls, ms);
}

static int play_show_send(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct play_ctx *p = ud;

	return gl_controls_send(p->controls, adapter, msg);
}

/* `--mqtt URL` over the show's mqtt { ... } (or as the only declaration). */
static int add_url(struct gl_control_config *cfgs, int *n, const char *type, const char *url,
		   const char *show_name)
{
	struct gl_control_config *cfg = NULL;
	char err[300];

	for (int i = 0; i < *n && !cfg; i++)
		if (strcmp(cfgs[i].type, type) == 0)
			cfg = &cfgs[i];
	if (!cfg) {
		cfg = &cfgs[(*n)++];
		snprintf(cfg->type, sizeof cfg->type, "%s", type);
		snprintf(cfg->show_name, sizeof cfg->show_name, "%s", show_name);
	}
	if (gl_control_config_url(cfg, url, err, sizeof err) < 0) {
		fprintf(stderr, "ghostlight play: %s\n", err);
		return -1;
	}
	return 0;
}

/* The password of mqtt://user:password@host out of the process list. */
static void hide_password(char *url)
{
	char *p = strstr(url, "://"), *slash, *at = NULL, *colon;

	if (!p)
		return;
	p += 3;
	slash = strchr(p, '/');
	for (char *q = p; *q && q != slash; q++)
		if (*q == '@')
			at = q;
	colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	for (char *q = colon ? colon + 1 : at; q && q < at; q++)
		*q = '*';
}

/* A URL option (--mqtt): checked now, copied to out, its password masked in
 * argv. Returns 0, or -1 after saying what is wrong. */
static int take_url(const char *type, char *url, char *out, size_t len)
{
	struct gl_control_config probe = { .option_count = 0 };
	char err[300];
	int rc;

	snprintf(probe.type, sizeof probe.type, "%s", type);
	if (strlen(url) >= len) {
		fprintf(stderr, "ghostlight play: --%s: the URL is too long\n", type);
		return -1;
	}
	memcpy(out, url, strlen(url) + 1);
	rc = gl_control_config_url(&probe, out, err, sizeof err);
	explicit_bzero(&probe, sizeof probe);
	if (rc < 0) {
		fprintf(stderr, "ghostlight play: %s\n", err);
		return -1;
	}
	hide_password(url);
	return 0;
}

/* The show's control declarations (osc { ... }), or none: adapters that are
 * on by default start with their defaults. */
static struct gl_controls *start_controls(struct play_ctx *p)
{
	int n = gl_show_control_count(p->show);
	struct gl_control_config *cfgs = calloc((size_t)n + 1, sizeof *cfgs);
	struct gl_control_host host = {
		.engine = gl_show_engine(p->show),
		.show_name = gl_show_name(p->show),
		.ud = p,
		.log = play_control_log,
		.unhandled = play_control_unhandled,
		.subscription = play_control_subscription,
		.declaration = play_control_declaration,
		.media_state = play_media_state,
		.audio = play_audio_part(p->audio),
	};
	struct gl_controls *set;

	if (!cfgs)
		return NULL;
	for (int i = 0; i < n; i++)
		cfgs[i] = *gl_show_control_config(p->show, i);
	if (p->mqtt_url && add_url(cfgs, &n, "mqtt", p->mqtt_url, gl_show_name(p->show)) < 0) {
		free(cfgs);
		return NULL;
	}
	set = gl_controls_create(cfgs, n, &host);
	explicit_bzero(cfgs, (size_t)n * sizeof *cfgs);   /* passwords */
	free(cfgs);
	return set;
}

/* The output threads: one shared by every network output, one of its own
 * for each output that asks (USB devices), each fed by its own frame tap. */
struct output_threads {
	struct gl_outthread *t[GL_MAX_OUTPUT_THREADS];
	int count;
};

static void stop_outputs(struct output_threads *th)
{
	for (int i = 0; i < th->count; i++)
		gl_outthread_stop(th->t[i]);
	th->count = 0;
}

static int start_group(struct gl_engine *e, struct output_threads *th,
		       const struct gl_outthread_output *outs, int n, char *err, size_t len)
{
	if (n == 0)
		return 0;
	struct gl_frame_tap *tap = th->count < GL_MAX_OUTPUT_THREADS ? gl_engine_add_tap(e) : NULL;
	if (!tap) {
		snprintf(err, len, "too many output threads (at most %d)", GL_MAX_OUTPUT_THREADS);
		return -1;
	}
	struct gl_outthread *t = gl_outthread_start(tap, outs, n, err, len);
	if (!t)
		return -1;
	th->t[th->count++] = t;
	return 0;
}

static int start_outputs(struct gl_show *show, struct gl_engine *e, struct output_threads *th,
			 char *err, size_t len)
{
	int n = gl_show_output_count(show);
	struct gl_outthread_output *shared = calloc((size_t)(n ? n : 1), sizeof *shared);
	int n_shared = 0, rc = 0;
	th->count = 0;
	if (!shared) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	struct gl_outthread_output *own = calloc((size_t)(n ? n : 1), sizeof *own);
	int n_own = 0;
	if (!own) {
		free(shared);
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct gl_outthread_output o = {
			.ops = gl_show_output_ops(show, i),
			.out = gl_show_output_take(show, i),
			.config = gl_show_output_config(show, i),
		};
		if (o.ops->dedicated_thread)
			own[n_own++] = o;
		else
			shared[n_shared++] = o;
	}
	/* the network thread first: the status screen shows its rate */
	rc = start_group(e, th, shared, n_shared, err, len);
	for (int i = 0; i < n_own && rc == 0; i++)
		rc = start_group(e, th, &own[i], 1, err, len);
	free(own);
	free(shared);
	if (rc != 0)
		stop_outputs(th);
	return rc;
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
	stop_outputs(ud);
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
			if (take_url("mqtt", argv[++i], mqtt_url, sizeof mqtt_url) < 0)
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

	struct output_threads threads;
	gl_shutdown_set_phase(sd, "starting the outputs");
	if (start_outputs(show, e, &threads, err, sizeof err) != 0) {
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
	struct play_ctx ctx = { .show = show, .st = st, .mqtt_url = mqtt_url[0] ? mqtt_url : NULL };
	ctx.audio = play_audio_start(show, st, audio_device);   /* before the adapters: feedback */
	ctx.controls = start_controls(&ctx);
	gl_status_set_controls(st, ctx.controls);
	gl_show_set_sender(show, play_show_send, &ctx);
	/* sound_input { ... }: the capture device for effects' beat and
	 * level; without it the show goes on, its effects at their rates */
	const char *sound_device;
	struct gl_capture *capture = NULL;
	if (gl_show_sound_input(show, &sound_device) &&
	    !(capture = gl_capture_start(e, sound_device, err, sizeof err)))
		gl_status_error(st, err);
	/* unattended: say how the run began; systemd hears from us */
	gl_status_resume(st, resume_note);
	if (resume_note[0] && strstr(resume_note, "after a crash"))
		gl_controls_run_note(ctx.controls, resume_note);
	struct gl_sdnotify *sdn = gl_sdnotify_open(err, sizeof err);
	if (err[0])
		gl_status_error(st, err);
	gl_sdnotify_note(sdn, strstr(resume_note, "after a crash") ? resume_note : "");
	gl_shutdown_set_phase(sd, "in the control loop (a show handler that does not return?)");
	uint64_t start = gl_now_ns();
	uint64_t end = duration_s > 0 ? start + (uint64_t)(duration_s * 1e9) : 0;
	uint64_t next_draw = start;
	/* the screen at 10 Hz; without one, output state is logged on change,
	 * which once a second catches */
	const uint64_t draw_period = status ? GL_NS_PER_S / 10 : GL_NS_PER_S;
	int exit_code = 0;

	while (!gl_shutdown_signal(sd)) {
		uint64_t now = gl_now_ns();
		if (end && now >= end)
			break;
		struct gl_event ev;
		while (gl_engine_next_event(e, &ev)) {
			gl_show_handle_event(show, &ev);
			gl_controls_event(ctx.controls, &ev);
			gl_status_event(st, &ev);
		}
		gl_show_run_timers(show, now);
		play_audio_service(ctx.audio, ctx.controls, now);
		char msg[512];
		/* unattended: journal the changes, tell systemd, rotate the log */
		if (gl_resume_poll(resume, msg, sizeof msg))
			gl_status_error(st, msg);
		if (gl_sdnotify_service(sdn, show, threads.t, threads.count, now, msg, sizeof msg))
			gl_status_error(st, msg);
		gl_log_service(now);
		while (gl_show_take_error(show, msg, sizeof msg)) {
			/* the show's ring carries log() lines too */
			if (strncmp(msg, "log: ", 5) == 0) {
				gl_status_log(st, msg + 5);
			} else {
				gl_status_error(st, msg);
				gl_controls_notify(ctx.controls, msg);  /* remotes see it too */
			}
		}
		if (now >= next_draw && gl_shutdown_hold_outputs(sd)) {
			gl_status_draw(st, now);
			gl_shutdown_release_outputs(sd);
			next_draw = now + draw_period;
		}

		/* The poll timeout: the nearest of the status refresh, a Lua
		 * timer, an adapter's timer, the end. Engine events wake the
		 * loop through their eventfd, so an idle show sleeps. */
		uint64_t wake = now + GL_NS_PER_S;
		uint64_t timer = gl_show_next_timer_ns(show);
		if (timer && timer < wake)
			wake = timer;
		uint64_t control_timer = gl_controls_next_timer_ns(ctx.controls);
		if (control_timer && control_timer < wake)
			wake = control_timer;
		if (next_draw < wake)
			wake = next_draw;
		uint64_t sd_next = gl_sdnotify_next_ns(sdn);
		if (sd_next && sd_next < wake)
			wake = sd_next;
		uint64_t audio_timer = play_audio_next_ns(ctx.audio);
		if (audio_timer && audio_timer < wake)
			wake = audio_timer;
		if (end && end < wake)
			wake = end;
		int timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		struct pollfd pfd[2 + GL_CONTROL_MAX * GL_CONTROL_MAX_FDS];
		pfd[0] = (struct pollfd){ .fd = gl_shutdown_fd(sd), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = gl_engine_event_fd(e), .events = POLLIN };
		int nfds = gl_controls_poll_fds(ctx.controls, pfd + 2,
						(int)(sizeof pfd / sizeof pfd[0]) - 2);
		int rc = poll(pfd, (nfds_t)(2 + nfds), timeout_ms);
		if (rc > 0 && (pfd[1].revents & POLLIN)) {
			/* reset before the next drain: an event pushed after it
			 * makes the fd readable again */
			uint64_t count;
			ssize_t got = read(pfd[1].fd, &count, sizeof count);
			(void)got;
		}
		if (rc > 0 && (pfd[0].revents & POLLIN))
			break;
		if (rc < 0 && errno != EINTR) {
			exit_code = 1;
			break;
		}
		if (rc < 0)
			nfds = 0;
		/* input, then the adapters' own timers (feedback, heartbeat) */
		uint64_t after = gl_now_ns();
		gl_controls_service(ctx.controls, pfd + 2, nfds, after);
		/* MTC (the MIDI adapter's chase) into the lists on timecode */
		struct gl_timecode tc;
		gl_show_timecode_input(show, gl_controls_timecode(ctx.controls, after, &tc) ? &tc : NULL,
				       after);
	}

	gl_shutdown_set_phase(sd, "ending the show");
	gl_sdnotify_send(sdn, "STOPPING=1");
	gl_shutdown_set_interrupt(sd, NULL, NULL);
	gl_show_set_sender(show, NULL, NULL);
	gl_status_set_controls(st, NULL);
	gl_controls_destroy(ctx.controls);
	gl_capture_stop(capture);

	gl_engine_stop(e);
	/* unattended: a clean end starts the next run from the top */
	gl_resume_end(resume, exit_code == 0);
	gl_sdnotify_close(sdn);
	if (gl_shutdown_hold_outputs(sd)) {
		gl_status_finish(st, gl_now_ns());
		gl_shutdown_release_outputs(sd);
	}
	play_audio_stop(ctx.audio);
	gl_status_destroy(st);
	gl_shutdown_stop_outputs(sd);  /* closes outputs: sACN stream termination */
	gl_show_destroy(show);
	gl_shutdown_finish(sd);
	explicit_bzero(mqtt_url, sizeof mqtt_url);
	return exit_code;
}
