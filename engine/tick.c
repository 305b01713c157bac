/*
 * tick.c - the engine tick: drain commands, advance fades and follows,
 * merge the cue lists, apply the programmer and the masters, render DMX,
 * merge DMX inputs, publish frames and the snapshot.
 *
 * Engine thread only (or a test driving the tick). It reads and writes the
 * plan laid out at gl_engine_finalize() and nothing else: no allocation, no
 * lock, no system call. tools/check_tick.sh checks this file's object
 * (with cuelist.c's) for any call outside that, at build time; the
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

#include "engine_internal.h"

void engine_emit(struct gl_engine *e, enum gl_event_type type, int list, int cue,
		 int index, uint64_t time_ns)
{
	struct gl_event ev = { type, list, cue, index, time_ns };
	if (!gl_spsc_push(&e->events, &ev)) {
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

static void touch_list(struct gl_engine *e, const struct cuelist *l)
{
	for (int i = 0; i < l->universe_count; i++)
		engine_touch(e, l->universes[i]);
}

/* The universe a lane belongs to (lanes come in universe order). */
static int lane_universe(const struct gl_engine *e, int lane)
{
	int lo = 0, hi = e->universe_count - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (e->u_lane[mid] <= lane)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* ---- commands ----------------------------------------------------------- */

static void prog_set(struct gl_engine *e, int lane, float value)
{
	if (!e->prog_slot[lane]) {
		e->prog_lane[e->prog_count] = lane;
		e->prog_slot[lane] = ++e->prog_count;
		e->u_prog[lane_universe(e, lane)]++;
	}
	e->prog_value[e->prog_slot[lane] - 1] = value;
	engine_touch(e, lane_universe(e, lane));
}

static void prog_clear(struct gl_engine *e, int lane)
{
	int at = e->prog_slot[lane] - 1, last = e->prog_count - 1;
	if (at < 0)
		return;
	/* move the last entry into the hole */
	e->prog_lane[at] = e->prog_lane[last];
	e->prog_value[at] = e->prog_value[last];
	e->prog_slot[e->prog_lane[at]] = at + 1;
	e->prog_slot[lane] = 0;
	e->prog_count--;
	int u = lane_universe(e, lane);
	e->u_prog[u]--;
	engine_touch(e, u);
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
		cuelist_go(e, l, c->index, now, false);
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
			} else {
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
		prog_set(e, e->param_lane[c->index], c->value);
		break;
	case GL_CMD_CLEAR_PARAM:
		if (c->index < 0) {
			while (e->prog_count > 0)
				prog_clear(e, e->prog_lane[e->prog_count - 1]);
		} else {
			prog_clear(e, e->param_lane[c->index]);
		}
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
 * vector masks. Intensity: HTP of value * list master. Others: the value
 * where this list owns the lane, else what is there. Lanes the list does
 * not hold are intensity at start = target = 0 (a no-op under HTP) or
 * never owned by it.
 */
static inline void merge_lanes(float *restrict out, const uint8_t *restrict cls,
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
		/* the same expression as value_at() in cuelist.c */
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

static void merge_run(struct gl_engine *e, const struct cuelist *l, const struct list_run *r,
		      uint16_t me)
{
	int k = r->lane, v = r->value;
	/* a trip count known to be a multiple of the block vectorises; the
	 * rest goes one lane at a time */
	int body = r->count & ~(GL_LANE_BLOCK - 1);
	merge_lanes(e->out + k, e->lane_cls + k, e->owner + k, l->start + v, l->target + v,
		    body, l->x, l->master, me);
	merge_lanes(e->out + k + body, e->lane_cls + k + body, e->owner + k + body,
		    l->start + v + body, l->target + v + body, r->count - body, l->x,
		    l->master, me);
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
	for (int s = 0; s < GL_DMX_SLOTS; s++) {
		float x = out[s] * out[dim[s]] * 255.0f + 0.5f;
		x = x > 0.0f ? x : 0.0f;
		x = x < 255.0f ? x : 255.0f;
		dmx[s] = (uint8_t)(int)x;
	}
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
	memcpy(out + first, e->defaults + first, (size_t)count * sizeof *out);
	for (int s = e->u_seg[u]; s < e->u_seg[u + 1]; s++) {
		const struct list_seg *sg = &e->seg[s];
		const struct cuelist *l = &e->lists[sg->list];
		if (!l->merging)
			continue;
		for (int r = sg->run_first; r < sg->run_end; r++)
			merge_run(e, l, &l->runs[r], (uint16_t)(sg->list + 1));
	}
	if (e->u_prog[u] > 0)
		for (int k = first; k < first + count; k++)
			if (e->prog_slot[k])
				out[k] = e->prog_value[e->prog_slot[k] - 1];
	for (int i = e->u_master[u]; i < e->u_master[u + 1]; i++)
		out[e->master_lane[i]] *= e->master_factor[i] * global;
	render_slots(e->dmx + (size_t)u * GL_DMX_SLOTS, out + first,
		     e->u_dim + (size_t)u * GL_DMX_SLOTS);
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
	}
	for (int i = 0; i < e->fader_count; i++)
		levels[i] = e->faders[i].level;
	gl_tbuf_publish(&e->snap_tb);
	atomic_store_explicit(&e->snap_ready, true, memory_order_release);
}

/* ---- the tick ----------------------------------------------------------- */

void engine_tick_run(struct gl_engine *e, uint64_t now_ns)
{
	struct gl_cmd cmd;
	/* Bounded drain: a flood of commands cannot stretch one tick. */
	for (int i = 0; i < 256 && gl_mpsc_pop(&e->commands, &cmd); i++)
		run_command(e, &cmd, now_ns);
	for (int l = 0; l < e->list_count; l++)
		cuelist_step(e, &e->lists[l], now_ns);
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
			touch_list(e, l);
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
	e->tick_count++;
}
