/*
 * runner.c - the output threads, control adapters and control loop that
 * `play` and `console` share (see runner.h).
 *
 * The adapters hand messages outside their own address space to the show's
 * handlers (on_osc), read the show's subscriptions (on_mqtt) and
 * declarations (video_target), and the show sends (osc.send, cue actions)
 * through them: all wired here, so outputs/ never includes scripts/. Posted work
 * waits in a list under a mutex (never taken by the engine thread) and
 * wakes the loop through an eventfd.
 */
#include "runner.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "outputs/media/capture/capture.h"
#include "resume.h"
#include "sdnotify.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* libasan's and libtsan's (sanitizer/allocator_interface.h, which GCC 12
 * does not install) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* ---- output threads ------------------------------------------------------------ */

void gl_runner_stop_outputs(struct gl_runner_outputs *outs)
{
	for (int i = 0; i < outs->count; i++)
		gl_outthread_stop(outs->t[i]);
	outs->count = 0;
}

static int start_group(struct gl_engine *e, struct gl_runner_outputs *outs,
		       const struct gl_outthread_output *list, int n, char *err, size_t len)
{
	if (n == 0)
		return 0;
	struct gl_frame_tap *tap = outs->count < GL_RUNNER_OUTPUT_THREADS ? gl_engine_add_tap(e)
									  : NULL;
	if (!tap) {
		snprintf(err, len, "too many output threads (at most %d)", GL_RUNNER_OUTPUT_THREADS);
		return -1;
	}
	struct gl_outthread *t = gl_outthread_start(tap, list, n, err, len);
	if (!t)
		return -1;
	outs->t[outs->count++] = t;
	return 0;
}

int gl_runner_start_outputs(struct gl_show *show, struct gl_runner_outputs *outs, char *err,
			    size_t len)
{
	struct gl_engine *e = gl_show_engine(show);
	int n = gl_show_output_count(show);
	struct gl_outthread_output *shared = calloc((size_t)(n ? n : 1), sizeof *shared);
	struct gl_outthread_output *own = calloc((size_t)(n ? n : 1), sizeof *own);
	int n_shared = 0, n_own = 0, rc = 0;

	outs->count = 0;
	if (!shared || !own) {
		free(shared);
		free(own);
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
	rc = start_group(e, outs, shared, n_shared, err, len);
	for (int i = 0; i < n_own && rc == 0; i++)
		rc = start_group(e, outs, &own[i], 1, err, len);
	free(own);
	free(shared);
	if (rc != 0)
		gl_runner_stop_outputs(outs);
	return rc;
}

/* ---- the runner ---------------------------------------------------------------- */

struct posted {
	void (*fn)(void *arg);
	void *arg;
	struct posted *next;
};

struct gl_runner {
	struct gl_show *show;
	struct gl_engine *e;
	struct gl_shutdown *sd;
	struct gl_runner_observer obs;
	struct gl_controls *controls;
	struct play_audio *audio;    /* NULL: no sound */
	struct gl_capture *capture;  /* sound_input { ... }; NULL: none */
	struct gl_resume *resume;    /* NULL: no journal */
	struct gl_sdnotify *sdn;     /* NULL: not started by systemd */
	const struct gl_runner_outputs *outputs;
	int wake_fd;                 /* eventfd: stop asked or work posted */
	pthread_mutex_t lock;        /* guards the posted list and `stop` */
	struct posted *head, *tail;
	bool stop;
};

static void runner_log(struct gl_runner *r, bool error, const char *text)
{
	if (r->obs.log)
		r->obs.log(r->obs.ud, error, text);
}

static void control_log(void *ud, bool error, const char *text)
{
	runner_log(ud, error, text);
}

static bool control_unhandled(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct gl_runner *r = ud;

	return gl_show_handle_message(r->show, adapter, msg);
}

static const char *control_subscription(void *ud, const char *adapter, int i)
{
	struct gl_runner *r = ud;

	return gl_show_subscription(r->show, adapter, i);
}

static const struct gl_option *control_declaration(void *ud, const char *adapter, int i,
						   int *count)
{
	struct gl_runner *r = ud;

	return gl_show_declaration(r->show, adapter, i, count);
}

/* What the process holds from malloc, in the allocator's own count
 * (glibc's from 2.33 on, Debian 12 has 2.36; the sanitizers' in their
 * builds, where glibc's is not used): the figure a leak moves, where RSS
 * also moves as pages of memory taken long ago are first touched. 0 from
 * an allocator slipped in under glibc's name: unknown. */
static void control_memory(void *ud, struct gl_host_memory *out)
{
	struct gl_runner *r = ud;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	out->heap_bytes = (int64_t)__sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();

	out->heap_bytes = (int64_t)(mi.uordblks + mi.hblkhd);
#else
	out->heap_bytes = 0;
#endif
	if (out->heap_bytes <= 0)
		out->heap_bytes = -1;
	out->script_bytes = (int64_t)gl_show_memory_used(r->show);
	out->script_limit = (int64_t)gl_show_memory_limit(r->show);
}

/* A video target's state: OSC/MQTT feedback, and the observer's screen. */
static void control_media_state(void *ud, const struct gl_media_state *ms)
{
	struct gl_runner *r = ud;

	gl_controls_media_state(r->controls, ms);
	if (r->obs.media)
		r->obs.media(r->obs.ud, ms);
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
		fprintf(stderr, "ghostlight: %s\n", err);
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

int gl_runner_take_url(const char *cmd, const char *type, char *url, char *out, size_t len)
{
	struct gl_control_config probe = { .option_count = 0 };
	char err[300];
	int rc;

	snprintf(probe.type, sizeof probe.type, "%s", type);
	if (strlen(url) >= len) {
		fprintf(stderr, "ghostlight %s: --%s: the URL is too long\n", cmd, type);
		return -1;
	}
	memcpy(out, url, strlen(url) + 1);
	rc = gl_control_config_url(&probe, out, err, sizeof err);
	explicit_bzero(&probe, sizeof probe);
	if (rc < 0) {
		fprintf(stderr, "ghostlight %s: %s\n", cmd, err);
		return -1;
	}
	hide_password(url);
	return 0;
}

static int show_send(void *ud, const char *adapter, const struct gl_ctl_msg *msg)
{
	struct gl_runner *r = ud;

	return gl_controls_send(r->controls, adapter, msg);
}

/* The show's control declarations (osc { ... }), or none: adapters that are
 * on by default start with their defaults; --mqtt over the show's mqtt. */
static struct gl_controls *start_controls(struct gl_runner *r, const char *mqtt_url)
{
	int n = gl_show_control_count(r->show);
	/* one more: the --mqtt URL may add the adapter */
	struct gl_control_config *cfgs = calloc((size_t)n + 1, sizeof *cfgs);
	struct gl_control_host host = {
		.engine = r->e,
		.show_name = gl_show_name(r->show),
		.ud = r,
		.log = control_log,
		.unhandled = control_unhandled,
		.subscription = control_subscription,
		.declaration = control_declaration,
		.media_state = control_media_state,
		.memory = control_memory,
		.audio = play_audio_part(r->audio),
	};
	struct gl_controls *set;

	if (!cfgs)
		return NULL;
	for (int i = 0; i < n; i++)
		cfgs[i] = *gl_show_control_config(r->show, i);
	if (mqtt_url && add_url(cfgs, &n, "mqtt", mqtt_url, gl_show_name(r->show)) < 0) {
		free(cfgs);
		return NULL;
	}
	set = gl_controls_create(cfgs, n, &host);
	explicit_bzero(cfgs, (size_t)n * sizeof *cfgs);   /* passwords */
	free(cfgs);
	return set;
}

struct gl_runner *gl_runner_create(struct gl_show *show, struct gl_shutdown *sd,
				   const struct gl_runner_config *cfg)
{
	struct gl_runner *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->show = show;
	r->e = gl_show_engine(show);
	r->sd = sd;
	r->audio = cfg->audio;
	r->resume = cfg->resume;
	r->outputs = cfg->outputs;
	if (cfg->observer)
		r->obs = *cfg->observer;
	r->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->wake_fd < 0) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->controls = start_controls(r, cfg->mqtt_url);
	gl_show_set_sender(show, show_send, r);
	/* sound_input { ... }: the capture device for effects' beat and
	 * level; without it the show goes on, its effects at their rates */
	const char *sound_device;
	char err[300];
	if (gl_show_sound_input(show, &sound_device) &&
	    !(r->capture = gl_capture_start(r->e, sound_device, err, sizeof err)))
		runner_log(r, true, err);
	/* unattended: a run that resumed after a crash says so to remotes and
	 * systemd */
	const char *note = cfg->resume_note ? cfg->resume_note : "";
	bool crashed = strstr(note, "after a crash") != NULL;
	if (crashed)
		gl_controls_run_note(r->controls, note);
	r->sdn = gl_sdnotify_open(err, sizeof err);
	if (err[0])
		runner_log(r, true, err);
	gl_sdnotify_note(r->sdn, crashed ? note : "");
	return r;
}

/* Runs what was posted, in order; the lock is not held while it runs. */
static void run_posted(struct gl_runner *r)
{
	pthread_mutex_lock(&r->lock);
	struct posted *p = r->head;
	r->head = r->tail = NULL;
	pthread_mutex_unlock(&r->lock);
	while (p) {
		struct posted *next = p->next;

		p->fn(p->arg);
		free(p);
		p = next;
	}
}

void gl_runner_destroy(struct gl_runner *r)
{
	if (!r)
		return;
	run_posted(r);
	gl_sdnotify_send(r->sdn, "STOPPING=1");
	gl_show_set_sender(r->show, NULL, NULL);
	gl_controls_destroy(r->controls);
	gl_capture_stop(r->capture);
	gl_sdnotify_close(r->sdn);
	pthread_mutex_destroy(&r->lock);
	close(r->wake_fd);
	free(r);
}

struct gl_controls *gl_runner_controls(struct gl_runner *r)
{
	return r->controls;
}

static void wake(struct gl_runner *r)
{
	uint64_t one = 1;
	ssize_t w = write(r->wake_fd, &one, sizeof one);

	(void)w;
}

void gl_runner_stop(struct gl_runner *r)
{
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	wake(r);
}

int gl_runner_post(struct gl_runner *r, void (*fn)(void *arg), void *arg)
{
	struct posted *p = malloc(sizeof *p);

	if (!p)
		return GL_ENOMEM;
	*p = (struct posted){ fn, arg, NULL };
	pthread_mutex_lock(&r->lock);
	if (r->tail)
		r->tail->next = p;
	else
		r->head = p;
	r->tail = p;
	pthread_mutex_unlock(&r->lock);
	wake(r);
	return 0;
}

static bool stop_asked(struct gl_runner *r)
{
	pthread_mutex_lock(&r->lock);
	bool stop = r->stop;
	pthread_mutex_unlock(&r->lock);
	return stop || gl_shutdown_signal(r->sd);
}

/* Reads an eventfd back to zero: a write after this makes it readable
 * again. */
static void drain_fd(int fd)
{
	uint64_t count;
	ssize_t got = read(fd, &count, sizeof count);

	(void)got;
}

int gl_runner_run(struct gl_runner *r, uint64_t end)
{
	struct gl_show *show = r->show;
	struct gl_engine *e = r->e;

	while (!stop_asked(r)) {
		uint64_t now = gl_now_ns();
		if (end && now >= end)
			break;
		run_posted(r);
		struct gl_event ev;
		while (gl_engine_next_event(e, &ev)) {
			gl_show_handle_event(show, &ev);
			gl_controls_event(r->controls, &ev);
			if (r->obs.event)
				r->obs.event(r->obs.ud, &ev);
		}
		gl_show_run_timers(show, now);
		play_audio_service(r->audio, r->controls, now);
		char msg[512];
		/* unattended: journal the changes (after the events: an edited
		 * list's cues are the new ones once its event was read), tell
		 * systemd, rotate the log */
		if (gl_resume_poll(r->resume, msg, sizeof msg))
			runner_log(r, true, msg);
		if (gl_sdnotify_service(r->sdn, show, r->outputs ? r->outputs->t : NULL,
					r->outputs ? r->outputs->count : 0, now, msg, sizeof msg))
			runner_log(r, true, msg);
		gl_log_service(now);
		while (gl_show_take_error(show, msg, sizeof msg)) {
			/* the show's ring carries log() lines too */
			if (strncmp(msg, "log: ", 5) == 0) {
				runner_log(r, false, msg + 5);
			} else {
				runner_log(r, true, msg);
				gl_controls_notify(r->controls, msg);  /* remotes see it too */
			}
		}
		uint64_t observer_at = r->obs.turn ? r->obs.turn(r->obs.ud, now) : 0;

		/* The poll timeout: the nearest of a Lua timer, an adapter's
		 * timer, the audio master's next look, systemd's next ping,
		 * the observer's wish, the end; at most a second. Engine
		 * events wake the loop through their eventfd, posted work
		 * through the runner's, so an idle show sleeps. */
		uint64_t wake_at = now + GL_NS_PER_S;
		uint64_t t[6] = { gl_show_next_timer_ns(show), gl_controls_next_timer_ns(r->controls),
				  play_audio_next_ns(r->audio), gl_sdnotify_next_ns(r->sdn), observer_at,
				  end };
		for (int i = 0; i < 6; i++)
			if (t[i] && t[i] < wake_at)
				wake_at = t[i];
		int timeout_ms = wake_at > now ? (int)((wake_at - now + 999999) / 1000000) : 0;
		struct pollfd pfd[3 + GL_CONTROL_MAX * GL_CONTROL_MAX_FDS];
		pfd[0] = (struct pollfd){ .fd = gl_shutdown_fd(r->sd), .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = gl_engine_event_fd(e), .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = r->wake_fd, .events = POLLIN };
		int nfds = gl_controls_poll_fds(r->controls, pfd + 3,
						(int)(sizeof pfd / sizeof pfd[0]) - 3);
		int rc = poll(pfd, (nfds_t)(3 + nfds), timeout_ms);
		/* reset before the next drain: an event pushed after it makes
		 * the fd readable again */
		if (rc > 0 && (pfd[1].revents & POLLIN))
			drain_fd(pfd[1].fd);
		if (rc > 0 && (pfd[2].revents & POLLIN))
			drain_fd(pfd[2].fd);
		if (rc > 0 && (pfd[0].revents & POLLIN))
			break;
		if (rc < 0 && errno != EINTR)
			return 1;
		if (rc < 0)
			nfds = 0;
		/* input, then the adapters' own timers (feedback, heartbeat) */
		uint64_t after = gl_now_ns();
		gl_controls_service(r->controls, pfd + 3, nfds, after);
		/* MTC (the MIDI adapter's chase) into the lists on timecode */
		struct gl_timecode tc;
		gl_show_timecode_input(show, gl_controls_timecode(r->controls, after, &tc) ? &tc : NULL,
				       after);
	}
	return 0;
}
