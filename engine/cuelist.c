/*
 * cuelist.c - cue list playback: tracking, GO/BACK/GOTO/STOP/PAUSE, fades
 * computed from elapsed time, wait and follow, and who owns an LTP value.
 *
 * Engine thread only, inside the tick (the list's arrays are laid out by
 * gl_engine_finalize() in build.c). A fade's value is a pure function of
 * (now - go time - delay) / fade time, so a late or skipped tick never
 * lengthens a fade. Follow and wait fire at their exact scheduled instant
 * (the next cue's go time is that instant, not the tick that saw it), so a
 * looping auto-follow list does not drift by a tick per cue.
 *
 * LTP: the list whose GO changed a param last shows it. That changes only
 * at a GO or a STOP, so it is worked out then (e->owner) instead of per
 * tick: a GO that changes a param takes it; a list letting go of a param
 * it shows makes the owners be rebuilt from every list's stamps.
 */
#include <math.h>
#include <string.h>

#include "effects.h"
#include "engine_internal.h"

static uint64_t seconds_ns(double s)
{
	return s <= 0 ? 0 : (uint64_t)llround(s * (double)GL_NS_PER_S);
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
 * after the GO. Returns true when some group's fade is not over. */
static bool group_x(const struct cuelist *l, enum gl_curve shape, float el,
		    float x[TIMING_COUNT])
{
	bool running = false;
	for (int g = 0; g < TIMING_COUNT; g++) {
		const struct timing *t = &l->timing[g];
		float in_fade = el - t->delay_s;
		float v = in_fade < 0.0f ? 0.0f : t->inv_fade > 0.0f ? in_fade * t->inv_fade : 1.0f;
		bool ended = v >= 1.0f;
		x[g] = ended ? 1.0f : curve(shape, v);
		running |= !ended;
	}
	return running;
}

/* The timing group of a param: intensity rises or falls by its own two
 * values, the other classes have one each. */
static int timing_of(int cls, float start, float target)
{
	if (cls == GL_CLASS_INTENSITY)
		return target > start ? TIMING_UP : TIMING_DOWN;
	return TIMING_COLOR + cls - GL_CLASS_COLOR;
}

/* start * (1 - x) + target * x: exactly start at x = 0 and exactly the
 * target at x = 1 (start + (target - start) * x can miss it by a rounding
 * step). The merge loop in tick.c computes the same expression. */
static float value_at(int cls, float start, float target, const float x[TIMING_COUNT])
{
	float f = x[timing_of(cls, start, target)];
	return start * (1.0f - f) + target * f;
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

static uint16_t list_owner_id(const struct gl_engine *e, const struct cuelist *l)
{
	return (uint16_t)(l - e->lists + 1);
}

/* The run of list l holding lane k (one must). */
static struct list_run *run_of(const struct cuelist *l, int k)
{
	int lo = 0, hi = l->run_count - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (l->runs[mid].lane <= k)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &l->runs[lo];
}

/* Whether list `me` shows every lane of an LTP run without gaps. */
static bool run_owned(const struct gl_engine *e, const struct list_run *r, uint16_t me)
{
	if (r->kind == GL_CLASS_INTENSITY || r->kind == RUN_MIXED || r->params != r->count)
		return false;
	for (int k = r->lane; k < r->lane + r->count; k++)
		if (e->owner[k] != me)
			return false;
	return true;
}

/* Lane k, in run r of list me, now shows me's value: the list it showed
 * no longer owns all of its run; r may now be owned all (checked once
 * the GO is through with r: *check). */
static void take_lane(struct gl_engine *e, struct list_run *r, int k, uint16_t me,
		      struct list_run **check)
{
	uint16_t prev = e->owner[k];
	if (prev && prev != me)
		run_of(&e->lists[prev - 1], k)->owned_all = false;
	e->owner[k] = me;
	if (r != *check) {
		if (*check)
			(*check)->owned_all = run_owned(e, *check, me);
		*check = r;
	}
}

/* The list stops holding param i (value index v): an intensity adds
 * nothing any more, an LTP value it shows goes back to the layers below. */
void cuelist_let_go(struct gl_engine *e, struct cuelist *l, int i, int v)
{
	int k = l->p_lane[i];
	l->p_set[i] = 0;
	l->start[v] = l->target[v] = 0.0f;
	if (e->owner[k] == list_owner_id(e, l))
		e->owners_stale = true;
}

/* The list holds param i (value index v, in run) from start to target; a
 * stamp (not 0) gives it the param's LTP lane from this GO on. */
static void hold(struct gl_engine *e, struct cuelist *l, struct list_run *run, int i, int v,
		 float start, float target, uint32_t stamp, struct list_run **check)
{
	if (stamp) {
		l->p_stamp[i] = stamp;
		take_lane(e, run, l->p_lane[i], list_owner_id(e, l), check);
	}
	l->start[v] = start;
	l->target[v] = target;
	l->p_set[i] = 1;
}

/* The timing groups of cue d (or of a BACK). */
static void cue_timing(struct gl_engine *e, struct cuelist *l, const struct gl_cue_def *d,
		       bool is_back)
{
	if (is_back) {
		for (int g = 0; g < TIMING_COUNT; g++)
			set_timing(&l->timing[g], e->config.back_time_s, 0);
		return;
	}
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

/* The list runs cue `cue` from at_ns (a GO, or a timecode seek). */
static void cue_started(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns,
			bool is_back, uint32_t stamp)
{
	l->dirty = true;
	l->from = l->releasing ? -1 : l->active;   /* what the live state records */
	l->back = is_back;
	l->go_stamp = stamp;
	e->live.changed = true;
	l->state = GL_LIST_RUNNING;
	l->releasing = false;
	l->standby = -1;
	l->active = cue;
	l->go_ns = at_ns;
	l->done_ns = at_ns + (is_back ? seconds_ns(e->config.back_time_s)
				      : l->cues[cue].done_after_ns);
	l->done_reported = false;
	l->progress = 0.0f;
	if (is_back)
		l->continue_at_ns = 0;
	else
		arm_continue(l);
	engine_fx_cue(e, l, cue, at_ns);    /* the effects the cue runs */
	engine_emit(e, GL_EV_CUE_FIRED, (int)(l - e->lists), cue, 0, at_ns);
}

void cuelist_go(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns,
		bool is_back)
{
	const struct cue *q = &l->cues[cue];
	const struct gl_cue_def *d = &q->def;
	const float *row = l->tracked + (size_t)cue * l->param_count;
	uint32_t stamp = ++e->go_counter;
	uint16_t me = list_owner_id(e, l);
	struct list_run *check = NULL;   /* a run of this list that took lanes */
	/* where the running fades stand at the GO instant (not at the last
	 * tick), so a follow at its exact time starts from the exact values */
	float el_prev = l->state == GL_LIST_OFF ? 0.0f : elapsed_s(l, at_ns);
	float x_prev[TIMING_COUNT];
	group_x(l, active_curve(l), el_prev, x_prev);

	cue_timing(e, l, d, is_back);

	struct list_run *run = l->runs;   /* the run of param i: both go by lane */
	for (int i = 0; i < l->param_count; i++) {
		int k = l->p_lane[i], v = list_value_index(&run, k);
		int cls = e->lane_cls[k];
		bool intensity = cls == GL_CLASS_INTENSITY;
		bool set = l->p_set[i];
		float target = row[i];
		float start;

		if (set)
			start = value_at(cls, l->start[v], l->target[v], x_prev);
		else if (intensity)
			start = 0.0f;
		else
			start = e->out[k]; /* take over from what is live */

		if (isnan(target)) {
			if (!set)
				continue;
			if (!intensity) {
				/* An LTP value this cue does not track: hand the
				 * param back to the layers below at once. */
				cuelist_let_go(e, l, i, v);
				continue;
			}
			/* fades out; once out it adds nothing, as if unset */
			target = 0.0f;
		}
		/* the newest GO that changes an LTP value shows it */
		hold(e, l, run, i, v, start, target,
		     !intensity && (!set || target != l->target[v]) ? stamp : 0, &check);
	}
	if (check)
		check->owned_all = run_owned(e, check, me);
	cue_started(e, l, cue, at_ns, is_back, stamp);
}

/* ---- timecode (effects.c drives it) ---- */

/* The default of lane k (what shows when no layer holds it). */
static float lane_default(const struct gl_engine *e, int k)
{
	int u = engine_lane_universe(e->u_lane, e->universe_count, k);
	return e->defaults[e->u_defaults[u] + k - e->u_lane[u]];
}

/* Lets go of every param at once: the list is off. */
static void let_go_all(struct gl_engine *e, struct cuelist *l)
{
	struct list_run *run = l->runs;
	for (int i = 0; i < l->param_count; i++) {
		int v = list_value_index(&run, l->p_lane[i]);
		if (l->p_set[i])
			cuelist_let_go(e, l, i, v);
	}
	l->dirty = true;
}

void cuelist_seek(struct gl_engine *e, struct cuelist *l, int cue, uint64_t at_ns)
{
	if (cue < 0) {
		bool was_on = l->state != GL_LIST_OFF;
		let_go_all(e, l);
		l->state = GL_LIST_OFF;
		l->active = -1;
		l->releasing = false;
		l->continue_at_ns = 0;
		e->live.changed = true;
		engine_fx_list_stop(e, l, at_ns);
		if (was_on)
			engine_emit(e, GL_EV_LIST_STOPPED, (int)(l - e->lists), -1, 0, at_ns);
		return;
	}
	/* From the look the cue before left (its fades complete) to this
	 * cue's: what a linear playback shows, at_ns being this cue's GO. */
	const float *row = l->tracked + (size_t)cue * l->param_count;
	const float *prev = cue > 0 ? row - l->param_count : NULL;
	uint32_t stamp = ++e->go_counter;
	uint16_t me = list_owner_id(e, l);
	struct list_run *check = NULL, *run = l->runs;
	cue_timing(e, l, &l->cues[cue].def, false);
	for (int i = 0; i < l->param_count; i++) {
		int k = l->p_lane[i], v = list_value_index(&run, k);
		bool intensity = e->lane_cls[k] == GL_CLASS_INTENSITY;
		float target = row[i], start = prev ? prev[i] : NAN;
		if (isnan(target)) {
			if (l->p_set[i])
				cuelist_let_go(e, l, i, v);
			continue;
		}
		if (isnan(start))
			start = intensity ? 0.0f : lane_default(e, k);
		hold(e, l, run, i, v, start, target, intensity ? 0 : stamp, &check);
	}
	if (check)
		check->owned_all = run_owned(e, check, me);
	cue_started(e, l, cue, at_ns, false, stamp);
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
	group_x(l, active_curve(l), elapsed_s(l, now_ns), x);
	struct list_run *run = l->runs;
	for (int i = 0; i < l->param_count; i++) {
		if (!l->p_set[i])
			continue;
		int k = l->p_lane[i], v = list_value_index(&run, k);
		int cls = e->lane_cls[k];
		if (cls != GL_CLASS_INTENSITY || release_ns == 0) {
			cuelist_let_go(e, l, i, v);
			continue;
		}
		/* intensity fades out over the release time (its target 0 puts
		 * it in the falling group) */
		l->start[v] = value_at(cls, l->start[v], l->target[v], x);
		l->target[v] = 0.0f;
	}
	set_timing(&l->timing[TIMING_DOWN], e->config.release_time_s, 0);
	l->dirty = true;
	e->live.changed = true;
	l->active = -1;
	l->continue_at_ns = 0;
	l->go_ns = now_ns;
	l->done_ns = now_ns + release_ns;
	l->done_reported = false;
	l->releasing = true;
	l->state = GL_LIST_RUNNING;
	engine_fx_list_stop(e, l, now_ns);
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
	l->dirty = true;
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
	l->dirty = true;
}

bool cuelist_prepare(struct cuelist *l, uint64_t now_ns)
{
	l->merging = l->state != GL_LIST_OFF;
	if (!l->merging)
		return false;
	bool running = group_x(l, active_curve(l), elapsed_s(l, now_ns), l->x);
	uint64_t t = l->state == GL_LIST_PAUSED ? l->pause_ns : now_ns;
	uint64_t span = l->done_ns - l->go_ns, since = t > l->go_ns ? t - l->go_ns : 0;
	l->progress = span == 0 || since >= span ? 1.0f : (float)((double)since / (double)span);
	return running && l->state != GL_LIST_PAUSED;
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
				let_go_all(e, l);
				e->live.changed = true;
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

/* The stamp list l gave lane k (one of its params). */
static uint32_t stamp_of(const struct cuelist *l, int k)
{
	int lo = 0, hi = l->param_count - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (l->p_lane[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return l->p_stamp[lo];
}

void cuelist_rebuild_owners(struct gl_engine *e)
{
	memset(e->owner, 0, (size_t)e->lane_count * sizeof *e->owner);
	for (int li = 0; li < e->list_count; li++) {
		const struct cuelist *l = &e->lists[li];
		for (int i = 0; i < l->param_count; i++) {
			int k = l->p_lane[i];
			uint16_t cur = e->owner[k];
			if (!l->p_set[i] || e->lane_cls[k] == GL_CLASS_INTENSITY ||
			    (cur && stamp_of(&e->lists[cur - 1], k) > l->p_stamp[i]))
				continue;
			e->owner[k] = (uint16_t)(li + 1);
		}
	}
	for (int li = 0; li < e->list_count; li++) {
		struct cuelist *l = &e->lists[li];
		for (int r = 0; r < l->run_count; r++)
			l->runs[r].owned_all = run_owned(e, &l->runs[r], (uint16_t)(li + 1));
	}
	e->owners_stale = false;
}

/* The first cue's fade ends (or its wait or follow falls due) this long
 * after its GO: a restore puts no GO further back than that, so a long
 * outage fires at most one continue, and the GO time stays within the
 * monotonic clock. */
static uint64_t restore_horizon_ns(const struct gl_engine *e, const struct cue *q, bool back)
{
	const struct gl_cue_def *d = &q->def;
	if (back)
		return seconds_ns(e->config.back_time_s);
	switch (d->continue_mode) {
	case GL_CONTINUE_WAIT:
		return seconds_ns(d->wait_s) > q->done_after_ns ? seconds_ns(d->wait_s)
								 : q->done_after_ns;
	case GL_CONTINUE_FOLLOW:
		return q->done_after_ns + seconds_ns(d->wait_s);
	case GL_CONTINUE_MANUAL:
		break;
	}
	return q->done_after_ns;
}

void cuelist_restore(struct gl_engine *e, struct cuelist *l, const struct gl_live_list *ll,
		     uint64_t now_ns)
{
	l->master = ll->master;
	l->dirty = true;
	if (ll->state == GL_LIST_OFF || ll->active < 0)
		return;
	uint64_t el = ll->elapsed_ns;
	uint64_t horizon = restore_horizon_ns(e, &l->cues[ll->active], ll->back);
	if (el > horizon)
		el = horizon;
	if (el >= now_ns)            /* just booted: the clock starts near 0 */
		el = now_ns - 1;
	uint64_t at = now_ns - el;
	if (ll->from >= 0) {
		/* the look the fade started from, at once: the next GO's start
		 * values are its targets */
		cuelist_go(e, l, ll->from, at, false);
		for (int g = 0; g < TIMING_COUNT; g++)
			set_timing(&l->timing[g], 0, 0);
	}
	cuelist_go(e, l, ll->active, at, ll->back);
	if (ll->state == GL_LIST_PAUSED) {
		l->state = GL_LIST_PAUSED;
		l->pause_ns = now_ns;
	}
}
