/*
 * tick.c - the engine tick: drain commands, advance fades and follows,
 * merge the cue lists, apply the programmer and the masters, render DMX,
 * merge DMX inputs, publish frames and the snapshot.
 *
 * Engine thread only (or a test driving the tick). It reads and writes the
 * plan laid out at gl_engine_finalize() and nothing else: no allocation, no
 * lock, no system call. tools/check_tick.sh checks this file's object
 * (with cuelist.c's and effects.c's) for any call outside that, at build time; the
 * wake-ups of the threads reading frames and events are system calls, so
 * gl_engine_tick() in thread.c makes them after this file's work.
 *
 * The merge is HTP for intensity (highest of the cue lists, each scaled by
 * its master) and LTP for everything else (the list whose GO changed the
 * param last wins; a param no list holds shows its default). Only universes
 * something may have changed in are merged and rendered: a list whose fades
 * run, one that a GO or a STOP touched, a master, the programmer, an input.
 * A settled show costs a few loops over its lists per tick.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "effects.h"
#include "engine_internal.h"

void engine_emit(struct gl_engine *e, enum gl_event_type type, int list, int cue,
		 int index, uint64_t time_ns)
{
	struct gl_event ev = { type, list, cue, index, time_ns };
	if (e->live.quiet)            /* restoring: the cues put back fire nothing */
		return;
	/* an applied edit's event goes before any later one (edit_tick.c) */
	if ((e->edit_ack_owed && !engine_edit_ack(e)) || !gl_spsc_push(&e->events, &ev)) {
		e->events_dropped++;
		return;
	}
	e->events_pushed = true;      /* thread.c wakes the reader */
}

void engine_touch(struct gl_engine *e, int u)
{
	if (e->u_dirty[u])
		return;
	e->u_dirty[u] = 1;
	e->dirty_list[e->dirty_count++] = u;
}

static void touch_all(struct gl_engine *e)
{
	for (int u = 0; u < e->universe_count; u++)
		engine_touch(e, u);
}

void engine_touch_list(struct gl_engine *e, const struct cuelist *l)
{
	for (int i = 0; i < l->universe_count; i++)
		engine_touch(e, l->universes[i]);
}

/* ---- commands ----------------------------------------------------------- */

/* The programmer entry of lane k in universe u, as the link that points
 * at it (so it can be unlinked), or NULL. */
static int32_t *prog_find(struct gl_engine *e, int u, int k)
{
	for (int32_t *at = &e->u_prog[u]; *at; at = &e->prog[*at - 1].next)
		if (e->prog[*at - 1].lane == k)
			return at;
	return NULL;
}

void engine_prog_set(struct gl_engine *e, int k, float value)
{
	int u = engine_lane_universe(e->u_lane, e->universe_count, k);
	int32_t *at = prog_find(e, u, k);
	if (!at) {
		int32_t entry = e->prog_free ? e->prog_free : ++e->prog_used;
		if (e->prog_free)
			e->prog_free = e->prog[entry - 1].next;
		e->prog[entry - 1] = (struct prog_entry){ k, value, e->u_prog[u] };
		e->u_prog[u] = entry;
		e->prog_count++;
		at = &e->u_prog[u];
	}
	e->prog[*at - 1].value = value;
	engine_touch(e, u);
}

static void prog_clear(struct gl_engine *e, int k)
{
	int u = engine_lane_universe(e->u_lane, e->universe_count, k);
	int32_t *at = prog_find(e, u, k);
	if (!at)
		return;
	int32_t entry = *at;
	*at = e->prog[entry - 1].next;
	e->prog[entry - 1].next = e->prog_free;
	e->prog_free = entry;
	e->prog_count--;
	engine_touch(e, u);
}

void engine_prog_clear_all(struct gl_engine *e)
{
	for (int u = 0; u < e->universe_count; u++)
		if (e->u_prog[u]) {
			e->u_prog[u] = 0;
			engine_touch(e, u);
		}
	e->prog_used = 0;
	e->prog_free = 0;
	e->prog_count = 0;
}

static void for_lists(struct gl_engine *e, int list, void (*fn)(struct cuelist *, uint64_t),
		      uint64_t now)
{
	if (list >= 0) {
		fn(&e->lists[list], now);
		return;
	}
	for (int l = 0; l < e->list_count; l++)
		fn(&e->lists[l], now);
}

static void run_command(struct gl_engine *e, const struct gl_cmd *c, uint64_t now)
{
	struct cuelist *l = c->list >= 0 && c->list < e->list_count ? &e->lists[c->list] : NULL;
	e->live.changed = true;
	if (engine_fx_command(e, c, now))   /* effects, timecode (effects.c) */
		return;
	switch (c->type) {
	case GL_CMD_GO: {
		int next = cuelist_next(l);
		if (l->releasing)
			next = l->cue_count > 0 ? 0 : -1;
		if (next < 0)
			engine_emit(e, GL_EV_LIST_END, c->list, l->active, 0, now);
		else
			cuelist_go(e, l, next, now, false);
		break;
	}
	case GL_CMD_BACK:
		if (l->active > 0)
			cuelist_go(e, l, l->active - 1, now, true);
		break;
	case GL_CMD_GOTO:
		/* checked against the control thread's view: the list may have
		 * been edited since */
		if (c->index < l->cue_count)
			cuelist_go(e, l, c->index, now, false);
		break;
	case GL_CMD_STANDBY:
		l->standby = c->index < l->cue_count ? c->index : -1;
		break;
	case GL_CMD_STOP:
		if (l) {
			cuelist_stop(e, l, now);
		} else {
			for (int i = 0; i < e->list_count; i++)
				cuelist_stop(e, &e->lists[i], now);
		}
		break;
	case GL_CMD_PAUSE:
		for_lists(e, c->list, cuelist_pause, now);
		break;
	case GL_CMD_RESUME:
		for_lists(e, c->list, cuelist_resume, now);
		break;
	case GL_CMD_FADER:
		for (int i = 0; i < e->fader_count; i++) {
			struct fader *f = &e->faders[i];
			if (f->number != c->index)
				continue;
			f->level = c->value;
			if (f->kind == GL_FADER_GROUP) {
				e->groups[f->target].level = c->value;
				e->masters_dirty = true;
			} else if (f->kind == GL_FADER_EFFECT_SIZE || f->kind == GL_FADER_EFFECT_RATE) {
				engine_fx_fader(e, f, now);
			} else if (f->kind == GL_FADER_CUELIST) {
				e->lists[f->target].master = c->value;
				e->lists[f->target].dirty = true;
			}
		}
		break;
	case GL_CMD_LIST_MASTER:
		l->master = c->value;
		l->dirty = true;
		for (int i = 0; i < e->fader_count; i++)
			if (e->faders[i].kind == GL_FADER_CUELIST && e->faders[i].target == c->list)
				e->faders[i].level = c->value;
		break;
	case GL_CMD_GRAND_MASTER:
		e->grand_master = c->value;
		touch_all(e);
		break;
	case GL_CMD_BLACKOUT:
		e->blackout = c->index != 0;
		touch_all(e);
		break;
	case GL_CMD_SET_PARAM:
		engine_prog_set(e, e->param_lane[c->index], c->value);
		break;
	case GL_CMD_CLEAR_PARAM:
		if (c->index < 0) {
			engine_prog_clear_all(e);
		} else {
			prog_clear(e, e->param_lane[c->index]);
		}
		break;
	default:    /* effects.c took its own */
		break;
	}
}

/* ---- masters and inputs ------------------------------------------------- */

static void update_masters(struct gl_engine *e)
{
	for (int i = 0; i < e->fixture_count; i++)
		e->fixtures[i].master = 1.0f;
	for (int g = 0; g < e->group_count; g++) {
		const struct group *grp = &e->groups[g];
		if (!grp->mastered)
			continue;
		for (int m = 0; m < grp->member_count; m++)
			e->fixtures[grp->members[m]].master *= grp->level;
	}
	for (int i = 0; i < e->master_count; i++)
		e->master_factor[i] = e->fixtures[e->master_fixture[i]].master;
	for (int r = 0; r < e->u_master[e->universe_count]; r++) {
		struct master_run *m = &e->master_runs[r];
		const float *f = e->master_factor + m->factor;
		m->same = true;
		m->factor_all = f[0];
		for (int i = 1; i < m->count; i++)
			m->same &= f[i] == f[0];
	}
	e->masters_dirty = false;
	touch_all(e);
}

/* Takes each input's newest frame; its universe is merged again. */
static void read_inputs(struct gl_engine *e)
{
	for (int i = 0; i < e->input_count; i++) {
		struct input *in = e->inputs[i];
		const struct input_frame *f = gl_tbuf_read(&in->tb);
		if (!f)
			continue;
		in->cur = f;
		if (in->merge_universe >= 0)
			engine_touch(e, in->merge_universe);
	}
}

/* HTP of the inputs over the universes rendered this tick (render wrote
 * every slot, so a lower input value than last time shows). */
static void merge_inputs(struct gl_engine *e)
{
	for (int i = 0; i < e->input_count; i++) {
		const struct input *in = e->inputs[i];
		if (in->merge_universe < 0 || !in->cur || !e->u_dirty[in->merge_universe])
			continue;
		uint8_t *dmx = e->dmx + (size_t)in->merge_universe * GL_DMX_SLOTS;
		for (int s = 0; s < in->cur->count; s++)
			if (in->cur->slots[s] > dmx[s])
				dmx[s] = in->cur->slots[s];
	}
}

/* ---- merge and render --------------------------------------------------- */

/*
 * One run of a list into out[]: n consecutive lanes. Written for the
 * vectoriser: no branch, every load unconditional, selects GCC turns into
 * vector masks. The value is start * (1 - x) + target * x, the same
 * expression as value_at() in cuelist.c. Intensity: HTP of value * list
 * master. Others: the value where this list owns the lane, else what is
 * there. Lanes the list does not hold are intensity at start = target = 0
 * (a no-op under HTP) or never owned by it, whatever loop they go through.
 */
static inline void merge_mixed(float *restrict out, const uint8_t *restrict cls,
			       const uint16_t *restrict owner,
			       const float *restrict start, const float *restrict target,
			       int n, const float x[TIMING_COUNT], float master, uint16_t me)
{
	const float xu = x[TIMING_UP], xd = x[TIMING_DOWN], xc = x[TIMING_COLOR],
		    xp = x[TIMING_POSITION], xb = x[TIMING_BEAM];
	for (int i = 0; i < n; i++) {
		float s = start[i], t = target[i];
		int32_t c = cls[i];
		int32_t own = owner[i];
		float xl = c == GL_CLASS_COLOR ? xc : c == GL_CLASS_POSITION ? xp : xb;
		float xi = t > s ? xu : xd;
		float f = c == GL_CLASS_INTENSITY ? xi : xl;
		float v = s * (1.0f - f) + t * f;
		float o = out[i];
		float h = v * master;
		h = h > o ? h : o;
		float l = own == me ? v : o;
		out[i] = c == GL_CLASS_INTENSITY ? h : l;
	}
}

/* A run whose params are all intensity: rising ones in the UP group. */
static inline void merge_htp(float *restrict out, const float *restrict start,
			     const float *restrict target, int n, float xu, float xd,
			     float master)
{
	for (int i = 0; i < n; i++) {
		float s = start[i], t = target[i];
		float f = t > s ? xu : xd;
		float h = (s * (1.0f - f) + t * f) * master;
		float o = out[i];
		out[i] = h > o ? h : o;
	}
}

static inline uint32_t float_bits(float x)
{
	uint32_t b;
	memcpy(&b, &x, sizeof b);
	return b;
}

static inline float bits_float(uint32_t b)
{
	float x;
	memcpy(&x, &b, sizeof x);
	return x;
}

/* A run whose params all have one LTP class: one fade position. The
 * select is spelled in bits: as "own == me ? v : out[i]" GCC makes it a
 * conditional store, which it cannot vectorise. */
static inline void merge_ltp(float *restrict out, const uint16_t *restrict owner,
			     const float *restrict start, const float *restrict target,
			     int n, float f, uint16_t me)
{
	for (int i = 0; i < n; i++) {
		float v = start[i] * (1.0f - f) + target[i] * f;
		uint32_t mine = -(uint32_t)(owner[i] == me);
		out[i] = bits_float((float_bits(v) & mine) | (float_bits(out[i]) & ~mine));
	}
}

/* An LTP run this list shows every lane of. */
static inline void merge_owned(float *restrict out, const float *restrict start,
			       const float *restrict target, int n, float f)
{
	for (int i = 0; i < n; i++)
		out[i] = start[i] * (1.0f - f) + target[i] * f;
}

/* Each loop runs twice: over the part of the run whose trip count is a
 * multiple of GL_LANE_BLOCK (the vectoriser at -O2 takes only such loops),
 * then over the rest one lane at a time. */
#define BODY(n) ((n) & ~(GL_LANE_BLOCK - 1))

static void merge_run(struct gl_engine *e, const struct cuelist *l, const struct list_run *r,
		      uint16_t me)
{
	int k = r->lane, v = r->value, n = r->count, b = BODY(n);
	float *out = e->out + k;
	const float *start = l->start + v, *target = l->target + v;
	const float *x = l->x;
	switch (r->kind) {
	case GL_CLASS_INTENSITY:
		merge_htp(out, start, target, b, x[TIMING_UP], x[TIMING_DOWN], l->master);
		merge_htp(out + b, start + b, target + b, n - b, x[TIMING_UP], x[TIMING_DOWN],
			  l->master);
		break;
	case GL_CLASS_COLOR:
	case GL_CLASS_POSITION:
	case GL_CLASS_BEAM: {
		float f = x[TIMING_COLOR + r->kind - GL_CLASS_COLOR];
		if (r->owned_all) {
			merge_owned(out, start, target, b, f);
			merge_owned(out + b, start + b, target + b, n - b, f);
		} else {
			merge_ltp(out, e->owner + k, start, target, b, f, me);
			merge_ltp(out + b, e->owner + k + b, start + b, target + b, n - b, f, me);
		}
		break;
	}
	default:
		merge_mixed(out, e->lane_cls + k, e->owner + k, start, target, b, x, l->master, me);
		merge_mixed(out + b, e->lane_cls + k + b, e->owner + k + b, start + b, target + b,
			    n - b, x, l->master, me);
		break;
	}
}

/* Group masters, grand master and blackout on intensity lanes: n lanes. */
static inline void scale_lanes(float *restrict out, const float *restrict factor, int n,
			       float global)
{
	for (int i = 0; i < n; i++)
		out[i] *= factor[i] * global;
}

static inline void scale_lanes_by(float *restrict out, int n, float scale)
{
	for (int i = 0; i < n; i++)
		out[i] *= scale;
}

/*
 * Every slot lane of a universe to its byte: value times its dimmer (a
 * virtual intensity, or the universe's 1.0 lane), clamped, rounded half up
 * by hand (lrint() is a libm call per slot). Scaling before clamping gives
 * the same bytes as clamping to 0..1 first and is what the vectoriser
 * takes. Slots of 16/24-bit or inverted params are rewritten by fixups.
 */
static void render_slots(uint8_t *restrict dmx, const float *restrict out,
			 const uint16_t *restrict dim)
{
#if defined(__SSE2__) && !defined(GL_NO_SSE2)
	const __m128 scale = _mm_set1_ps(255.0f), half = _mm_set1_ps(0.5f);
	const __m128 lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f);
	for (int s = 0; s < GL_DMX_SLOTS; s += 16) {
		__m128i w[4];
		for (int q = 0; q < 4; q++) {
			const uint16_t *d = dim + s + 4 * q;
			__m128 by = _mm_set_ps(out[d[3]], out[d[2]], out[d[1]], out[d[0]]);
			__m128 x = _mm_mul_ps(_mm_mul_ps(_mm_loadu_ps(out + s + 4 * q), by), scale);
			x = _mm_add_ps(x, half);
			/* maxps/minps: x > 0 ? x : 0, x < 255 ? x : 255 */
			x = _mm_min_ps(_mm_max_ps(x, lo), hi);
			w[q] = _mm_cvttps_epi32(x);
		}
		/* 0..255 in int32: the saturating packs are exact */
		__m128i b = _mm_packus_epi16(_mm_packs_epi32(w[0], w[1]), _mm_packs_epi32(w[2], w[3]));
		_mm_storeu_si128((__m128i *)(dmx + s), b);
	}
#else
	for (int s = 0; s < GL_DMX_SLOTS; s++) {
		float x = out[s] * out[dim[s]] * 255.0f + 0.5f;
		x = x > 0.0f ? x : 0.0f;
		x = x < 255.0f ? x : 255.0f;
		dmx[s] = (uint8_t)(int)x;
	}
#endif
}

static void render_fixups(struct gl_engine *e, int u)
{
	const float *out = e->out;
	uint8_t *dmx = e->dmx;
	for (int i = e->u_fix[u]; i < e->u_fix[u + 1]; i++) {
		const struct render_fixup *f = &e->fix[i];
		float x = out[f->lane];
		if (f->dim_lane >= 0)
			x *= out[f->dim_lane];
		x = x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
		if (f->invert)
			x = 1.0f - x;
		switch (f->bytes) {
		case 1:
			dmx[f->slot] = (uint8_t)(x * 255.0f + 0.5f);
			break;
		case 2: {
			uint32_t w = (uint32_t)((double)x * 65535.0 + 0.5);
			dmx[f->slot] = (uint8_t)(w >> 8);
			dmx[f->fine] = (uint8_t)(w & 0xff);
			break;
		}
		default: {
			uint32_t w = (uint32_t)((double)x * 16777215.0 + 0.5);
			dmx[f->slot] = (uint8_t)(w >> 16);
			dmx[f->fine] = (uint8_t)((w >> 8) & 0xff);
			dmx[f->ultra] = (uint8_t)(w & 0xff);
			break;
		}
		}
	}
}

/* Merges and renders one universe from scratch: defaults, every list that
 * holds a param in it, the programmer, the masters, then DMX. */
static void merge_universe(struct gl_engine *e, int u, float global)
{
	int first = e->u_lane[u], count = e->u_lane[u + 1] - first;
	float *out = e->out;
	memcpy(out + first, e->defaults + e->u_defaults[u], (size_t)count * sizeof *out);
	for (int s = e->u_seg[u]; s < e->u_seg[u + 1]; s++) {
		const struct list_seg *sg = &e->seg[s];
		const struct cuelist *l = &e->lists[sg->list];
		if (!l->merging)
			continue;
		for (int r = sg->run_first; r < sg->run_end; r++)
			merge_run(e, l, &l->runs[r], (uint16_t)(sg->list + 1));
	}
	engine_fx_apply(e, u);     /* effects: above the lists, below the programmer */
	for (int32_t at = e->u_prog[u]; at; at = e->prog[at - 1].next)
		out[e->prog[at - 1].lane] = e->prog[at - 1].value;
	for (int r = e->u_master[u]; r < e->u_master[u + 1]; r++) {
		const struct master_run *m = &e->master_runs[r];
		int b = BODY(m->count);
		if (m->same) {   /* the same product as factor * global per lane */
			scale_lanes_by(out + m->lane, b, m->factor_all * global);
			scale_lanes_by(out + m->lane + b, m->count - b, m->factor_all * global);
		} else {
			scale_lanes(out + m->lane, e->master_factor + m->factor, b, global);
			scale_lanes(out + m->lane + b, e->master_factor + m->factor + b,
				    m->count - b, global);
		}
	}
	render_slots(e->dmx + (size_t)u * GL_DMX_SLOTS, out + first,
		     e->dim + e->u_dim[u]);
	render_fixups(e, u);
	e->u_rendered[u] = e->tick_count + 1;
}

/* ---- publish ------------------------------------------------------------ */

/* Copies into each tap's free buffer the universes rendered since that
 * buffer was last filled. */
static void publish(struct gl_engine *e, uint64_t now_ns)
{
	for (int t = 0; t < e->tap_count; t++) {
		struct gl_frame_tap *tap = e->taps[t];
		unsigned b = gl_tbuf_back_index(&tap->tb);
		struct gl_frame *fr = gl_tbuf_back(&tap->tb);
		fr->tick = e->tick_count;
		fr->time_ns = now_ns;
		fr->send_at_ns = now_ns + e->output_delay_ns;
		fr->period_ns = e->period_ns;
		for (int u = 0; u < e->universe_count; u++)
			if (e->u_rendered[u] > tap->filled[b])
				memcpy(fr->dmx + (size_t)u * GL_DMX_SLOTS,
				       e->dmx + (size_t)u * GL_DMX_SLOTS, GL_DMX_SLOTS);
		tap->filled[b] = e->tick_count + 1;
		gl_tbuf_publish(&tap->tb);
	}

	struct gl_snapshot *s = gl_tbuf_back(&e->snap_tb);
	struct gl_list_status *ls = (struct gl_list_status *)(s + 1);
	float *levels = (float *)(ls + e->list_count);
	s->tick = e->tick_count;
	s->time_ns = now_ns;
	s->grand_master = e->grand_master;
	s->blackout = e->blackout;
	s->ticks_late = e->ticks_late;
	s->ticks_skipped = e->ticks_skipped;
	s->commands_dropped = atomic_load_explicit(&e->commands_dropped, memory_order_relaxed);
	s->events_dropped = e->events_dropped;
	s->tick_ns_last = e->tick_ns_last;
	s->tick_ns_max = e->tick_ns_max;
	s->sched_started = e->sched.started;
	s->sched_fifo = e->sched.fifo;
	s->sched_priority = e->sched.priority;
	s->sched_errno = e->sched.fifo_errno;
	s->memory_lock_requested = e->sched.lock_requested;
	s->memory_locked = e->sched.memory_locked;
	s->memory_lock_errno = e->sched.lock_errno;
	s->memory_lock_limit = e->sched.memlock_limit;
	s->list_count = e->list_count;
	s->fader_count = e->fader_count;
	for (int l = 0; l < e->list_count; l++) {
		const struct cuelist *cl = &e->lists[l];
		ls[l].state = cl->state;
		ls[l].active = cl->active;
		ls[l].standby = cuelist_next(cl);
		ls[l].progress = cl->active >= 0 ? cl->progress : 0.0f;
		ls[l].master = cl->master;
		ls[l].continue_in_s = cuelist_continue_in_s(cl, now_ns);
	}
	s->programmer_count = e->prog_count;
	for (int i = 0; i < e->fader_count; i++)
		levels[i] = e->faders[i].level;
	for (int t = 0; t < e->snap_tap_count; t++) {
		struct gl_snapshot_tap *tap = e->snap_taps[t];
		memcpy(gl_tbuf_back(&tap->tb), s, e->snap_size);
		gl_tbuf_publish(&tap->tb);
		atomic_store_explicit(&tap->ready, true, memory_order_release);
	}
	gl_tbuf_publish(&e->snap_tb);
	atomic_store_explicit(&e->snap_ready, true, memory_order_release);
}

/* ---- the tick ----------------------------------------------------------- */

void engine_tick_run(struct gl_engine *e, uint64_t now_ns)
{
	struct gl_cmd cmd;
	if (e->live.restore_pending)
		engine_live_apply(e, now_ns);
	engine_edit_apply(e, now_ns);
	/* Bounded drain: a flood of commands cannot stretch one tick. */
	for (int i = 0; i < 256 && gl_mpsc_pop(&e->commands, &cmd); i++)
		run_command(e, &cmd, now_ns);
	for (int l = 0; l < e->list_count; l++)
		cuelist_step(e, &e->lists[l], now_ns);
	engine_fx_step(e, now_ns);   /* timecode lists, effects' values */
	if (e->owners_stale)
		cuelist_rebuild_owners(e);
	if (e->masters_dirty)
		update_masters(e);
	read_inputs(e);
	/* A list whose fades ran at the last merge (or that a command or a
	 * GO touched) merges again; once settled, its universes keep their
	 * frame and progress stands at 1, or frozen by a pause. */
	for (int li = 0; li < e->list_count; li++) {
		struct cuelist *l = &e->lists[li];
		bool moving = cuelist_prepare(l, now_ns);
		if (l->dirty || moving)
			engine_touch_list(e, l);
		l->dirty = moving;
	}
	float global = e->blackout ? 0.0f : e->grand_master;
	for (int i = 0; i < e->dirty_count; i++)
		merge_universe(e, e->dirty_list[i], global);
	merge_inputs(e);
	for (int i = 0; i < e->dirty_count; i++)
		e->u_dirty[e->dirty_list[i]] = 0;
	e->dirty_count = 0;
	e->last_tick_ns = now_ns;
	publish(e, now_ns);
	engine_live_publish(e, now_ns);
	e->tick_count++;
}
