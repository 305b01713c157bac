/*
 * cuelist.c - cue list playback: tracking, GO/BACK/GOTO/STOP/PAUSE, fades
 * computed from elapsed time, wait and follow.
 *
 * Engine thread only (cuelist_build runs at finalize). A fade's value is a
 * pure function of (now - go time - delay) / fade time, so a late or skipped
 * tick never lengthens a fade. Follow and wait fire at their exact scheduled
 * instant (the next cue's go time is that instant, not the tick that saw
 * it), so a looping auto-follow list does not drift by a tick per cue.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

static uint64_t seconds_ns(double s)
{
	return s <= 0 ? 0 : (uint64_t)llround(s * (double)GL_NS_PER_S);
}

int cuelist_build(struct gl_engine *e, struct cuelist *l, int *param_map)
{
	/* The list's params: every param any of its cues changes. param_map
	 * (param_count entries of -1 on entry, restored on return) maps a
	 * param to its slot in the list. */
	int n = 0;
	for (int c = 0; c < l->cue_count; c++)
		for (int i = 0; i < l->cues[c].def.change_count; i++) {
			int p = l->cues[c].changes[i].param;
			if (param_map[p] < 0)
				param_map[p] = n++;
		}
	l->param_count = n;
	l->lp = calloc(n ? (size_t)n : 1, sizeof *l->lp);
	l->tracked = malloc((size_t)(n ? n : 1) * (size_t)(l->cue_count ? l->cue_count : 1) *
			    sizeof *l->tracked);
	if (!l->lp || !l->tracked)
		return GL_ENOMEM;
	for (int c = 0; c < l->cue_count; c++) {
		float *row = l->tracked + (size_t)c * n;
		if (c == 0) {
			for (int i = 0; i < n; i++)
				row[i] = NAN;
		} else {
			memcpy(row, row - n, (size_t)n * sizeof *row);
		}
		for (int i = 0; i < l->cues[c].def.change_count; i++) {
			const struct gl_cue_change *ch = &l->cues[c].changes[i];
			row[param_map[ch->param]] = ch->value;
		}
	}
	for (int c = 0; c < l->cue_count; c++)
		for (int i = 0; i < l->cues[c].def.change_count; i++) {
			int p = l->cues[c].changes[i].param;
			if (param_map[p] >= 0) {
				struct list_param *lp = &l->lp[param_map[p]];
				lp->param = p;
				lp->cls = e->param_cls[p];
			}
		}
	for (int c = 0; c < l->cue_count; c++)
		for (int i = 0; i < l->cues[c].def.change_count; i++)
			param_map[l->cues[c].changes[i].param] = -1;
	l->active = -1;
	l->master = 1.0f;
	return 0;
}

int cuelist_next(const struct cuelist *l)
{
	if (l->standby >= 0 && l->standby < l->cue_count)
		return l->standby;
	if (l->active < 0)
		return l->cue_count > 0 ? 0 : -1;
	if (l->active + 1 < l->cue_count)
		return l->active + 1;
	return l->loop && l->cue_count > 0 ? 0 : -1;
}

static void arm_continue(struct cuelist *l)
{
	const struct gl_cue_def *d = &l->cues[l->active].def;
	switch (d->continue_mode) {
	case GL_CONTINUE_WAIT:
		l->continue_at_ns = l->go_ns + seconds_ns(d->wait_s);
		break;
	case GL_CONTINUE_FOLLOW: /* armed when the fades complete */
	case GL_CONTINUE_MANUAL:
		l->continue_at_ns = 0;
		break;
	}
}

static float curve(enum gl_curve c, float x)
{
	if (c == GL_CURVE_S)
		return x * x * (3.0f - 2.0f * x);
	return x;
}

/* Seconds since the list's go time at t (frozen while paused). */
static float elapsed_s(const struct cuelist *l, uint64_t t)
{
	if (l->state == GL_LIST_PAUSED)
		t = l->pause_ns;
	return t > l->go_ns ? (float)((double)(t - l->go_ns) / 1e9) : 0.0f;
}

/* Fade positions (0..1, curve applied) of every timing group `el` seconds
 * after the GO; ended[g] when group g's fade is over. */
static void group_x(const struct cuelist *l, enum gl_curve shape, float el,
		    float x[TIMING_COUNT], bool ended[TIMING_COUNT])
{
	for (int g = 0; g < TIMING_COUNT; g++) {
		const struct timing *t = &l->timing[g];
		float in_fade = el - t->delay_s;
		float v = in_fade < 0.0f ? 0.0f : t->inv_fade > 0.0f ? in_fade * t->inv_fade : 1.0f;
		ended[g] = v >= 1.0f;
		x[g] = ended[g] ? 1.0f : curve(shape, v);
	}
}

/* start * (1 - x) + target * x: exactly start at x = 0 and exactly the
 * target at x = 1 (start + (target - start) * x can miss it by a rounding
 * step), and no branch in the per-param loop. */
static inline float lp_value(const struct list_param *lp, const float x[TIMING_COUNT])
{
	float f = x[lp->timing];
	return lp->start * (1.0f - f) + lp->target * f;
}

static void set_timing(struct timing *t, double fade_s, double delay_s)
{
	t->inv_fade = fade_s > 0 ? (float)(1.0 / fade_s) : 0.0f;
	t->delay_s = (float)delay_s;
}

static enum gl_curve active_curve(const struct cuelist *l)
{
	return l->active >= 0 ? l->cues[l->active].def.curve : GL_CURVE_LINEAR;
}

void cuelist_go(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns,
		bool is_back)
{
	const struct cue *q = &l->cues[cue];
	const struct gl_cue_def *d = &q->def;
	const float *row = l->tracked + (size_t)cue * l->param_count;
	uint32_t stamp = ++e->go_counter;
	/* where the running fades stand at the GO instant (not at the last
	 * tick), so a follow at its exact time starts from the exact values */
	float el_prev = l->state == GL_LIST_OFF ? 0.0f : elapsed_s(l, at_ns);
	float x_prev[TIMING_COUNT];
	bool ended_prev[TIMING_COUNT];
	group_x(l, active_curve(l), el_prev, x_prev, ended_prev);

	/* the new cue's timing groups */
	if (is_back) {
		for (int g = 0; g < TIMING_COUNT; g++)
			set_timing(&l->timing[g], e->config.back_time_s, 0);
	} else {
		set_timing(&l->timing[TIMING_UP], d->fade_in_s, d->delay_in_s);
		set_timing(&l->timing[TIMING_DOWN], d->fade_out_s, d->delay_out_s);
		static const enum gl_attr_class cls[3] = { GL_CLASS_COLOR, GL_CLASS_POSITION,
							  GL_CLASS_BEAM };
		for (int k = 0; k < 3; k++) {
			const struct gl_class_time *ct = &d->class_time[cls[k]];
			set_timing(&l->timing[TIMING_COLOR + k],
				   ct->fade_s >= 0 ? ct->fade_s : d->fade_in_s,
				   ct->delay_s >= 0 ? ct->delay_s : d->delay_in_s);
		}
	}

	for (int i = 0; i < l->param_count; i++) {
		struct list_param *lp = &l->lp[i];
		float target = row[i];
		float start;
		bool intensity = lp->cls == GL_CLASS_INTENSITY;

		if (lp->set)
			start = lp_value(lp, x_prev);
		else if (intensity)
			start = 0.0f;
		else
			start = e->out[lp->param]; /* take over from what is live */

		lp->release_at_end = false;
		if (isnan(target)) {
			if (!lp->set)
				continue;
			if (!intensity) {
				/* An LTP value this cue does not track: hand the
				 * param back to the layers below at once. */
				lp->set = false;
				continue;
			}
			target = 0.0f;
			lp->release_at_end = true;
		}
		if (!lp->set || target != lp->target)
			lp->stamp = stamp;

		if (intensity)
			lp->timing = target > start ? TIMING_UP : TIMING_DOWN;
		else
			lp->timing = (uint8_t)(TIMING_COLOR + lp->cls - GL_CLASS_COLOR);
		lp->start = start;
		lp->target = target;
		lp->set = true;
	}

	e->outputs_dirty = true;
	l->state = GL_LIST_RUNNING;
	l->releasing = false;
	l->standby = -1;
	l->active = cue;
	l->go_ns = at_ns;
	l->done_ns = at_ns + (is_back ? seconds_ns(e->config.back_time_s) : q->done_after_ns);
	l->done_reported = false;
	l->progress = 0.0f;
	if (is_back)
		l->continue_at_ns = 0;
	else
		arm_continue(l);
	engine_emit(e, GL_EV_CUE_FIRED, (int)(l - e->lists), cue, 0, at_ns);
}

float cuelist_continue_in_s(const struct cuelist *l, uint64_t now_ns)
{
	if (l->state == GL_LIST_OFF || l->active < 0 || l->releasing)
		return -1.0f;
	uint64_t t = l->state == GL_LIST_PAUSED ? l->pause_ns : now_ns;
	uint64_t at = l->continue_at_ns;
	const struct gl_cue_def *d = &l->cues[l->active].def;
	if (!at && d->continue_mode == GL_CONTINUE_FOLLOW && !l->done_reported)
		at = l->done_ns + seconds_ns(d->wait_s);  /* armed once the fades end */
	if (!at)
		return -1.0f;
	return at > t ? (float)((double)(at - t) / 1e9) : 0.0f;
}

void cuelist_stop(struct gl_engine *e, struct cuelist *l, uint64_t now_ns)
{
	if (l->state == GL_LIST_OFF)
		return;
	uint64_t release_ns = seconds_ns(e->config.release_time_s);
	float x[TIMING_COUNT];
	bool ended[TIMING_COUNT];
	group_x(l, active_curve(l), elapsed_s(l, now_ns), x, ended);
	for (int i = 0; i < l->param_count; i++) {
		struct list_param *lp = &l->lp[i];
		if (!lp->set)
			continue;
		if (lp->cls != GL_CLASS_INTENSITY || release_ns == 0) {
			lp->set = false;
			continue;
		}
		lp->start = lp_value(lp, x);
		lp->target = 0.0f;
		lp->timing = TIMING_DOWN;
		lp->release_at_end = true;
	}
	set_timing(&l->timing[TIMING_DOWN], e->config.release_time_s, 0);
	e->outputs_dirty = true;
	l->active = -1;
	l->continue_at_ns = 0;
	l->go_ns = now_ns;
	l->done_ns = now_ns + release_ns;
	l->done_reported = false;
	l->releasing = true;
	l->state = GL_LIST_RUNNING;
	if (release_ns == 0) {
		l->state = GL_LIST_OFF;
		l->releasing = false;
		engine_emit(e, GL_EV_LIST_STOPPED, (int)(l - e->lists), -1, 0, now_ns);
	}
}

void cuelist_pause(struct cuelist *l, uint64_t now_ns)
{
	if (l->state != GL_LIST_RUNNING)
		return;
	l->state = GL_LIST_PAUSED;
	l->pause_ns = now_ns;
}

void cuelist_resume(struct cuelist *l, uint64_t now_ns)
{
	if (l->state != GL_LIST_PAUSED)
		return;
	/* Shift every time reference by the pause, so fades and waits go on
	 * from where they stood. */
	uint64_t paused = now_ns > l->pause_ns ? now_ns - l->pause_ns : 0;
	l->go_ns += paused;
	l->done_ns += paused;
	if (l->continue_at_ns)
		l->continue_at_ns += paused;
	l->state = GL_LIST_RUNNING;
}

bool cuelist_merge(struct gl_engine *e, struct cuelist *l, uint64_t now_ns)
{
	if (l->state == GL_LIST_OFF)
		return false;
	float x[TIMING_COUNT];
	bool ended[TIMING_COUNT];
	group_x(l, active_curve(l), elapsed_s(l, now_ns), x, ended);
	float master = l->master;
	float *out = e->out;
	uint32_t *out_stamp = e->out_stamp;
	for (int i = 0; i < l->param_count; i++) {
		struct list_param *lp = &l->lp[i];
		if (!lp->set)
			continue;
		float v = lp_value(lp, x);
		int p = lp->param;
		if (lp->cls == GL_CLASS_INTENSITY) {
			v *= master;
			if (v > out[p])
				out[p] = v;
		} else if (lp->stamp > out_stamp[p]) {
			out[p] = v;
			out_stamp[p] = lp->stamp;
		}
		if (lp->release_at_end && ended[lp->timing]) {  /* rare: test the flag first */
			lp->set = false;
			lp->release_at_end = false;
		}
	}
	uint64_t t = l->state == GL_LIST_PAUSED ? l->pause_ns : now_ns;
	uint64_t span = l->done_ns - l->go_ns, since = t > l->go_ns ? t - l->go_ns : 0;
	l->progress = span == 0 || since >= span ? 1.0f : (float)((double)since / (double)span);
	if (l->state == GL_LIST_PAUSED)
		return false;
	for (int g = 0; g < TIMING_COUNT; g++)
		if (!ended[g])
			return true;
	return false;
}

void cuelist_step(struct gl_engine *e, struct cuelist *l, uint64_t now_ns)
{
	int id = (int)(l - e->lists);
	/* At most a few continues per tick: a chain of zero-time follows
	 * settles within the tick, a loop of them cannot spin forever. */
	for (int guard = 0; guard < 8; guard++) {
		if (l->state == GL_LIST_OFF)
			return;
		uint64_t t = l->state == GL_LIST_PAUSED ? l->pause_ns : now_ns;
		if (!l->done_reported && t >= l->done_ns) {
			l->done_reported = true;
			if (l->releasing) {
				l->releasing = false;
				l->state = GL_LIST_OFF;
				for (int i = 0; i < l->param_count; i++)
					l->lp[i].set = false;
				e->outputs_dirty = true;
				engine_emit(e, GL_EV_LIST_STOPPED, id, -1, 0, l->done_ns);
				return;
			}
			engine_emit(e, GL_EV_CUE_DONE, id, l->active, 0, l->done_ns);
			const struct gl_cue_def *d = &l->cues[l->active].def;
			if (d->continue_mode == GL_CONTINUE_FOLLOW)
				l->continue_at_ns = l->done_ns + seconds_ns(d->wait_s);
		}
		if (l->state != GL_LIST_RUNNING || !l->continue_at_ns || t < l->continue_at_ns)
			return;
		int next = cuelist_next(l);
		uint64_t at = l->continue_at_ns;
		l->continue_at_ns = 0;
		if (next < 0) {
			engine_emit(e, GL_EV_LIST_END, id, l->active, 0, at);
			return;
		}
		cuelist_go(e, l, next, at, false);
	}
}
