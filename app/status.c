/*
 * status.c - the terminal status screen of `play` (see status.h).
 *
 * Reads only the engine snapshot, the outputs' status counters and the
 * events handed to it: it never touches engine state directly, so a slow
 * terminal cannot disturb the engine.
 */
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outputs/control/control.h"
#include "outputs/media/audio/audio.h"

#define ERR_LINES 5
#define MEDIA_LINES 16

struct media_line {                  /* a video target, as last reported */
	char target[GL_NAME_MAX];
	char state[16];
	char error[160];
	bool connected, ready;
	double position_s, rate;
	uint64_t at_ns;
};

struct out_rate {
	uint64_t frames, at_ns;
	double fps;
	char last_error[GL_REPORT_TEXT_MAX];
	char note[GL_REPORT_TEXT_MAX];   /* the output's note as last printed */
};

struct gl_status {
	struct gl_show *show;
	struct gl_engine *e;
	struct gl_outthread *const *threads;
	int thread_count;
	int output_count;       /* over every thread */
	bool screen;
	uint64_t start_ns;
	struct gl_snapshot snap;
	struct out_rate *rates;
	uint64_t last_frames, last_frames_ns;
	double frame_rate;
	char errors[ERR_LINES][160];
	char last_log[160];
	int error_count;             /* total seen */
	uint64_t cues_fired;
	struct gl_controls *controls;
	bool sched_logged;           /* the engine thread's scheduling, said once */
	struct media_line media[MEDIA_LINES];
	int media_count;
	char resume[400];            /* how the run began, when worth saying */
	struct gl_audio *audio;
	struct gl_audio_state *audio_state;
	bool audio_device_ok;      /* as last logged */
};

void gl_status_resume(struct gl_status *st, const char *note)
{
	if (!st || !note[0])
		return;
	snprintf(st->resume, sizeof st->resume, "%s", note);
	if (!st->screen)
		gl_log(GL_LOG_NOTICE, st->start_ns, "resume: %s", note);
}

void gl_status_media(struct gl_status *st, const struct gl_media_state *ms)
{
	struct media_line *m = NULL;

	if (!st || !ms)
		return;
	for (int i = 0; i < st->media_count && !m; i++)
		if (strcmp(st->media[i].target, ms->target) == 0)
			m = &st->media[i];
	if (!m && st->media_count == MEDIA_LINES)
		return;
	if (!m) {
		m = &st->media[st->media_count++];
		snprintf(m->target, sizeof m->target, "%s", ms->target);
	}
	snprintf(m->state, sizeof m->state, "%s", ms->state);
	snprintf(m->error, sizeof m->error, "%s", ms->error ? ms->error : "");
	m->connected = ms->connected;
	m->ready = ms->ready;
	m->position_s = ms->position_s;
	m->rate = ms->rate;
	m->at_ns = ms->at_ns;
}

void gl_status_set_audio(struct gl_status *st, struct gl_audio *audio)
{
	if (!st)
		return;
	st->audio = audio;
	if (audio && !st->audio_state)
		st->audio_state = calloc(1, sizeof *st->audio_state);
	if (!st->audio_state)
		st->audio = NULL;
	st->audio_device_ok = true;
}

void gl_status_set_controls(struct gl_status *st, struct gl_controls *controls)
{
	if (st)
		st->controls = controls;
}

/* The i-th output over all threads. */
static const struct gl_outthread_output *output_at(const struct gl_status *st, int i)
{
	for (int t = 0; t < st->thread_count; t++) {
		int n = gl_outthread_count(st->threads[t]);
		if (i < n)
			return gl_outthread_output(st->threads[t], i);
		i -= n;
	}
	return NULL;
}

struct gl_status *gl_status_create(struct gl_show *show, struct gl_outthread *const *threads,
				   int thread_count, bool screen)
{
	struct gl_status *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->show = show;
	st->e = gl_show_engine(show);
	st->threads = threads;
	st->thread_count = thread_count;
	for (int t = 0; t < thread_count; t++)
		st->output_count += gl_outthread_count(threads[t]);
	st->screen = screen;
	st->start_ns = gl_now_ns();
	int lists = gl_engine_cuelist_count(st->e), faders = gl_engine_fader_count(st->e);
	st->snap.lists = calloc((size_t)(lists ? lists : 1), sizeof *st->snap.lists);
	st->snap.fader_levels = calloc((size_t)(faders ? faders : 1), sizeof(float));
	st->rates = calloc((size_t)(st->output_count + 1), sizeof *st->rates);
	if (!st->snap.lists || !st->snap.fader_levels || !st->rates) {
		gl_status_destroy(st);
		return NULL;
	}
	if (screen)
		fputs("\033[?25l\033[2J", stdout); /* hide cursor, clear */
	return st;
}

void gl_status_destroy(struct gl_status *st)
{
	if (!st)
		return;
	free(st->snap.lists);
	free(st->snap.fader_levels);
	free(st->rates);
	free(st->audio_state);
	free(st);
}

static double since_s(const struct gl_status *st, uint64_t t)
{
	return t > st->start_ns ? (double)(t - st->start_ns) / 1e9 : 0.0;
}

static void cue_text(const struct gl_engine *e, int list, int cue, char *buf, size_t len)
{
	if (cue < 0) {
		snprintf(buf, len, "-");
		return;
	}
	const struct gl_cue_def *d = gl_engine_cue(e, list, cue);
	snprintf(buf, len, "%s %s", d->number_text, d->label);
}

void gl_status_event(struct gl_status *st, const struct gl_event *ev)
{
	if (!st)
		return;
	char cue[96];
	const char *list = ev->list >= 0 ? gl_engine_cuelist_name(st->e, ev->list) : "";
	switch (ev->type) {
	case GL_EV_CUE_FIRED:
		st->cues_fired++;
		if (!st->screen) {
			cue_text(st->e, ev->list, ev->cue, cue, sizeof cue);
			gl_log(GL_LOG_INFO, st->start_ns, "%s: GO cue %s", list, cue);
		}
		break;
	case GL_EV_LIST_END:
		if (!st->screen)
			gl_log(GL_LOG_INFO, st->start_ns, "%s: end of list", list);
		break;
	case GL_EV_LIST_STOPPED:
		if (!st->screen)
			gl_log(GL_LOG_INFO, st->start_ns, "%s: stopped", list);
		break;
	case GL_EV_TICK_LATE: {
		char msg[96];
		snprintf(msg, sizeof msg, "engine overran: %d period(s) skipped", ev->index);
		gl_status_error(st, msg);
		break;
	}
	case GL_EV_CUE_DONE:
	case GL_EV_CUES_REPLACED:
		break;
	}
}

void gl_status_error(struct gl_status *st, const char *msg)
{
	if (!st)
		return;
	snprintf(st->errors[st->error_count % ERR_LINES], sizeof st->errors[0], "%s", msg);
	st->error_count++;
	if (!st->screen)
		gl_log(GL_LOG_ERR, st->start_ns, "error: %s", msg);
}

void gl_status_log(struct gl_status *st, const char *msg)
{
	if (!st)
		return;
	snprintf(st->last_log, sizeof st->last_log, "%s", msg);
	if (!st->screen)
		gl_log(GL_LOG_INFO, st->start_ns, "log: %s", msg);
}

static void bar(char *buf, int width, float x)
{
	int n = (int)(x * (float)width + 0.5f);
	for (int i = 0; i < width; i++)
		buf[i] = i < n ? '#' : '.';
	buf[width] = '\0';
}

static const char *state_name(enum gl_list_state s)
{
	switch (s) {
	case GL_LIST_OFF: return "off";
	case GL_LIST_RUNNING: return "run";
	case GL_LIST_PAUSED: return "PAUSE";
	}
	return "?";
}

/* An output's note (a temporary sACN CID ...) goes to stderr whole, once:
 * as it comes without the screen (which shows it on the output's line),
 * and at the end (gl_status_finish) in any case, so that the operator reads
 * it even when the show ends a moment after the output opened. */
static void print_note(struct gl_status *st, int i, uint64_t now, bool final)
{
	const struct gl_outthread_output *o = output_at(st, i);
	struct out_rate *r = &st->rates[i];
	char note[sizeof r->note];

	gl_report_get(&gl_output_status(o->out)->note, note, sizeof note);
	if (note[0] && strcmp(note, r->note) != 0 && (final || !st->screen)) {
		gl_log(GL_LOG_NOTICE, st->start_ns, "output %s: %s", o->config->name, note);
		memcpy(r->note, note, sizeof note);
	}
}

static void update_rates(struct gl_status *st, uint64_t now)
{
	/* the first thread is the network one when there is any; its frame
	 * count is the rate shown in the header */
	uint64_t frames = st->thread_count ? gl_outthread_frames(st->threads[0]) : 0;
	if (st->last_frames_ns && now > st->last_frames_ns + GL_NS_PER_S / 2) {
		st->frame_rate = (double)(frames - st->last_frames) * 1e9 /
				 (double)(now - st->last_frames_ns);
		st->last_frames = frames;
		st->last_frames_ns = now;
	} else if (!st->last_frames_ns) {
		st->last_frames = frames;
		st->last_frames_ns = now;
	}
	for (int i = 0; i < st->output_count; i++) {
		const struct gl_outthread_output *o = output_at(st, i);
		const struct gl_output_status *s = gl_output_status(o->out);
		struct out_rate *r = &st->rates[i];
		char err[sizeof r->last_error];
		gl_report_get(&s->error, err, sizeof err);
		if (strcmp(err, r->last_error) != 0) {
			/* without a screen, a device unplugged or recovered
			 * still reaches the log */
			if (!st->screen)
				gl_log(err[0] ? GL_LOG_WARNING : GL_LOG_NOTICE, st->start_ns,
				       "output %s: %s", o->config->name, err[0] ? err : "ok");
			/* remotes (MQTT events) hear it too */
			gl_controls_output_status(st->controls, o->config->name, err);
			memcpy(r->last_error, err, sizeof err);
		}
		print_note(st, i, now, false);
		if (r->at_ns && now > r->at_ns + GL_NS_PER_S / 2) {
			uint64_t sent = gl_counter(&s->packets_sent);

			r->fps = (double)(sent - r->frames) * 1e9 / (double)(now - r->at_ns);
			r->frames = sent;
			r->at_ns = now;
		} else if (!r->at_ns) {
			r->frames = gl_counter(&s->packets_sent);
			r->at_ns = now;
		}
	}
}

/* A meter: 30 characters for -60..0 dBFS. */
static void meter(char *buf, float level)
{
	double db = level > 0 ? 20.0 * log10(level) : -120.0;

	bar(buf, 30, db <= -60 ? 0.0f : db >= 0 ? 1.0f : (float)((db + 60.0) / 60.0));
}

static void draw_audio(struct gl_status *st)
{
	const struct gl_audio_state *a = st->audio_state;
	char l[32], r[32];

	if (!st->audio)
		return;
	gl_audio_state(st->audio, st->audio_state);
	meter(l, a->peak[0]);
	meter(r, a->peak[1]);
	printf("\033[K\naudio  %-24.24s %s  master %5.1f dB  underruns %llu  clipped %llu\033[K\n",
	       gl_audio_device_name(st->audio), a->device_ok ? "ok" : "LOST",
	       a->master > 0 ? 20.0 * log10(a->master) : -120.0, (unsigned long long)a->underruns,
	       (unsigned long long)a->clipped);
	printf("  L [%s] %6.1f dB  rms %6.1f\033[K\n  R [%s] %6.1f dB  rms %6.1f\033[K\n", l,
	       a->peak[0] > 0 ? 20.0 * log10(a->peak[0]) : -120.0,
	       a->rms[0] > 0 ? 20.0 * log10(a->rms[0]) : -120.0, r,
	       a->peak[1] > 0 ? 20.0 * log10(a->peak[1]) : -120.0,
	       a->rms[1] > 0 ? 20.0 * log10(a->rms[1]) : -120.0);
	for (int i = 0; i < a->voice_count && i < 8; i++) {
		char line[160];

		gl_audio_voice_text(&a->voices[i], line, sizeof line);
		printf("  %s\033[K\n", line);
	}
	if (a->voice_count > 8)
		printf("  (%d more)\033[K\n", a->voice_count - 8);
}

void gl_status_draw(struct gl_status *st, uint64_t now)
{
	if (!st)
		return;
	if (gl_engine_snapshot(st->e, &st->snap) != 0)
		return;
	update_rates(st, now);
	const struct gl_snapshot *s = &st->snap;
	char sched[320];
	gl_sched_text(s, sched, sizeof sched);
	if (!st->screen) {
		if (!st->sched_logged && s->sched_started)
			gl_log(GL_LOG_INFO, st->start_ns, "engine thread: %s", sched);
		st->sched_logged |= s->sched_started;
		return;
	}
	char line[256], a[96], b[96], pb[41];
	fputs("\033[H", stdout);
	printf("ghostlight  %-40s  %8.1f s\033[K\n", gl_show_name(st->show), since_s(st, now));
	printf("engine %.0f Hz  tick %4.0f us (max %.0f)  late %llu  skipped %llu  out %.1f fps  GM %3.0f%%%s\033[K\n",
	       gl_engine_rate_hz(st->e), (double)s->tick_ns_last / 1e3, (double)s->tick_ns_max / 1e3,
	       (unsigned long long)s->ticks_late, (unsigned long long)s->ticks_skipped,
	       st->frame_rate, s->grand_master * 100.0f, s->blackout ? "  BLACKOUT" : "");
	printf("engine thread: %s\033[K\n", sched);
	if (st->resume[0])
		printf("resume: %.200s\033[K\n", st->resume);
	printf("\033[K\n");
	for (int l = 0; l < s->list_count; l++) {
		const struct gl_list_status *ls = &s->lists[l];
		cue_text(st->e, l, ls->active, a, sizeof a);
		cue_text(st->e, l, ls->standby, b, sizeof b);
		bar(pb, 30, ls->progress);
		printf("%-12.12s %-5s master %3.0f%%\033[K\n", gl_engine_cuelist_name(st->e, l),
		       state_name(ls->state), ls->master * 100.0f);
		printf("   active  %-36.36s [%s] %3.0f%%\033[K\n", a, pb, ls->progress * 100.0f);
		printf("   standby %-36.36s\033[K\n", b);
	}
	printf("\033[K\n");
	line[0] = '\0';
	for (int i = 0; i < s->fader_count; i++) {
		int number;
		const char *label;
		gl_engine_fader_info(st->e, i, &number, NULL, NULL, &label);
		size_t used = strlen(line);
		snprintf(line + used, sizeof line - used, "F%d %s %3.0f%%   ", number, label,
			 s->fader_levels[i] * 100.0f);
	}
	if (s->fader_count)
		printf("faders  %s\033[K\n\033[K\n", line);
	for (int i = 0; i < st->output_count; i++) {
		const struct gl_outthread_output *o = output_at(st, i);
		const struct gl_output_status *os = gl_output_status(o->out);
		char note[GL_REPORT_TEXT_MAX];
		gl_report_get(&os->note, note, sizeof note);
		printf("output %-10.10s %-7s %2d univ  %7.1f pkt/s  sent %-9llu errors %llu %s\033[K\n",
		       o->config->name, o->config->type, o->config->universe_count, st->rates[i].fps,
		       (unsigned long long)os->packets_sent, (unsigned long long)os->send_errors,
		       st->rates[i].last_error[0] ? st->rates[i].last_error : note);
	}
	for (int i = 0; st->controls && i < gl_controls_count(st->controls); i++) {
		const struct gl_control_stats *cs = gl_controls_stats(st->controls, i);
		printf("control %-9s %2d peers  in %-9llu dropped %-6llu out %-9llu errors %llu %s%s%s\033[K\n",
		       gl_controls_name(st->controls, i), cs->peers,
		       (unsigned long long)cs->received, (unsigned long long)cs->dropped,
		       (unsigned long long)cs->sent, (unsigned long long)cs->send_errors,
		       cs->state, cs->state[0] ? "  " : "", cs->last_error);
	}
	for (int i = 0; i < st->media_count; i++) {
		const struct media_line *m = &st->media[i];
		double pos = m->position_s;

		if (m->rate != 0.0 && now > m->at_ns)
			pos += (double)(now - m->at_ns) / 1e9 * m->rate;
		printf("video   %-9.9s %-10s %9.1f s  %-9s %-5s %s\033[K\n", m->target, m->state, pos,
		       m->connected ? "connected" : "-", m->ready ? "ready" : "-", m->error);
	}
	draw_audio(st);
	printf("\033[K\nlog: %s\033[K\nerrors: %d\033[K\n", st->last_log, st->error_count);
	int first = st->error_count > ERR_LINES ? st->error_count - ERR_LINES : 0;
	for (int i = first; i < st->error_count; i++)
		printf("  %s\033[K\n", st->errors[i % ERR_LINES]);
	printf("\033[J");
	fflush(stdout);
}

void gl_status_finish(struct gl_status *st, uint64_t now)
{
	if (!st)
		return;
	if (st->screen)
		fputs("\033[?25h\n", stdout);
	for (int i = 0; i < st->output_count; i++)
		print_note(st, i, now, true);
	gl_engine_snapshot(st->e, &st->snap);
	fprintf(stderr, "ghostlight: %s ended after %.1f s: %llu ticks, %llu cues fired, "
			"%llu late, %llu skipped, %d errors\n",
		gl_show_name(st->show), since_s(st, now), (unsigned long long)st->snap.tick + 1,
		(unsigned long long)st->cues_fired, (unsigned long long)st->snap.ticks_late,
		(unsigned long long)st->snap.ticks_skipped, st->error_count);
	if (st->audio) {
		const struct gl_audio_state *a = st->audio_state;

		gl_audio_state(st->audio, st->audio_state);
		fprintf(stderr, "ghostlight: audio: %llu frames at %d Hz, %llu underruns, %llu late "
				"callbacks, %llu clipped, mixing %.0f us a buffer (max %.0f)\n",
			(unsigned long long)a->frames, a->rate, (unsigned long long)a->underruns,
			(unsigned long long)a->late_callbacks, (unsigned long long)a->clipped,
			a->callbacks ? (double)a->mix_ns_total / 1e3 / (double)a->callbacks : 0.0,
			(double)a->mix_ns_max / 1e3);
	}
}
