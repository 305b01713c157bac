/*
 * effects.c - effects, timecode lists and the sound input in the tick.
 *
 * Engine thread only, inside the tick (effects_build.c lays out what it
 * runs on). No allocation, no lock, no system call: this file is one of
 * the tick's objects tools/check_tick.sh reads. Everything is a function
 * of the engine time: an effect's phase is phase0 + rate * (t - t0), its
 * fade level a function of the time since it started or stopped, a
 * timecode list's position pos_ref + (t - ref) while its clock runs; a
 * change of rate moves (phase0, t0) to the instant of the change, so the
 * phase goes on without a jump, and a late tick never stretches anything.
 * Random waves hash (seed, member, cycle): the same show renders the same.
 */
#include <math.h>
#include <string.h>

#include "effects.h"

#define TWO_PI_F 6.28318530717958647692f

static inline uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

/* 0..1 from (seed, a, b). */
static inline float hash01(uint32_t seed, uint32_t a, uint32_t b)
{
	uint32_t h = hash32(seed ^ hash32(a * 0x9e3779b9u ^ hash32(b + 0x85ebca6bu)));
	return (float)(h >> 8) * (1.0f / 16777216.0f);
}

static inline float smooth(float t)
{
	return t * t * (3.0f - 2.0f * t);
}

static inline float frac_d(double x)
{
	return (float)(x - floor(x));
}

static double fx_phase(const struct fx *f, uint64_t t)
{
	double dt = (double)(int64_t)(t - f->t0_ns) / 1e9;
	return f->phase0 + f->rate_hz * (double)f->rate_scale * dt;
}

/* The phase keeps its value at t from here on (before a change of rate). */
static void fx_rebase(struct fx *f, uint64_t t)
{
	f->phase0 = fx_phase(f, t);
	f->t0_ns = t;
}

static float fx_level(const struct fx *f, uint64_t t)
{
	if (!f->on)
		return 0.0f;
	if (f->stopping) {
		if (f->def.fade_out_s <= 0)
			return 0.0f;
		double el = t > f->off_ns ? (double)(t - f->off_ns) / 1e9 : 0.0;
		float l = f->level_at_off * (float)(1.0 - el / f->def.fade_out_s);
		return l > 0.0f ? l : 0.0f;
	}
	if (f->def.fade_in_s <= 0)
		return 1.0f;
	double el = t > f->on_ns ? (double)(t - f->on_ns) / 1e9 : 0.0;
	return el >= f->def.fade_in_s ? 1.0f : (float)(el / f->def.fade_in_s);
}

static void fx_start(struct fx *f, uint64_t at, uint16_t owner)
{
	f->owner = owner;
	if (f->on && !f->stopping)
		return;
	if (f->on) {
		/* fading out: back in from the level it has, the phase going on */
		float l = fx_level(f, at);
		uint64_t back = (uint64_t)(l * f->def.fade_in_s * 1e9);
		f->stopping = false;
		f->on_ns = at > back ? at - back : 0;
		return;
	}
	f->on = true;
	f->stopping = false;
	f->on_ns = at;
	f->t0_ns = at;
	f->phase0 = 0.0;
}

static void fx_stop(struct fx *f, uint64_t at)
{
	if (!f->on || f->stopping)
		return;
	f->level_at_off = fx_level(f, at);
	f->stopping = true;
	f->off_ns = at;
}

/* ---- waves -------------------------------------------------------------------- */

/* One of the single-attribute waves at phase t (0..1) of cycle n: 0..1. */
static float wave_value(const struct fx *f, int m, float t, double n)
{
	const struct gl_effect_def *d = &f->def;
	uint32_t cycle = (uint32_t)(int64_t)n;
	switch (d->wave) {
	case GL_WAVE_SINE:
		return 0.5f + 0.5f * sinf(TWO_PI_F * t);
	case GL_WAVE_TRIANGLE:
		return t < 0.5f ? 2.0f * t : 2.0f - 2.0f * t;
	case GL_WAVE_RAMP_UP:
		return t;
	case GL_WAVE_RAMP_DOWN:
		return 1.0f - t;
	case GL_WAVE_SQUARE:
		return t < d->duty ? 1.0f : 0.0f;
	case GL_WAVE_RANDOM:
		return hash01(d->seed, (uint32_t)m, cycle);
	case GL_WAVE_SMOOTH_RANDOM: {
		float a = hash01(d->seed, (uint32_t)m, cycle);
		float b = hash01(d->seed, (uint32_t)m, cycle + 1);
		return a + (b - a) * smooth(t);
	}
	case GL_WAVE_STEP: {
		int i = (int)(t * (float)d->step_count);
		return d->steps[i < d->step_count ? i : d->step_count - 1];
	}
	default:
		return 0.0f;
	}
}

static void hue_rgb(float h, float rgb[3])
{
	float h6 = h * 6.0f;
	int i = (int)h6;
	float up = h6 - (float)i, down = 1.0f - up;
	switch (i % 6) {
	case 0: rgb[0] = 1; rgb[1] = up; rgb[2] = 0; break;
	case 1: rgb[0] = down; rgb[1] = 1; rgb[2] = 0; break;
	case 2: rgb[0] = 0; rgb[1] = 1; rgb[2] = up; break;
	case 3: rgb[0] = 0; rgb[1] = down; rgb[2] = 1; break;
	case 4: rgb[0] = up; rgb[1] = 0; rgb[2] = 1; break;
	default: rgb[0] = 1; rgb[1] = 0; rgb[2] = down; break;
	}
}

static void mix(const float a[3], const float b[3], float w, float out[3])
{
	for (int c = 0; c < 3; c++)
		out[c] = a[c] + (b[c] - a[c]) * w;
}

/* Value noise over (x, y, z): hashed lattice corners, smoothly joined. */
static float noise3(uint32_t seed, float x, float y, double z)
{
	float fx = floorf(x), fy = floorf(y);
	double fz = floor(z);
	int32_t ix = (int32_t)fx, iy = (int32_t)fy;
	uint32_t iz = (uint32_t)(int64_t)fz;
	float tx = smooth(x - fx), ty = smooth(y - fy), tz = smooth((float)(z - fz));
	float v[2];
	for (int k = 0; k < 2; k++) {
		uint32_t zz = iz + (uint32_t)k;
		float c00 = hash01(seed, (uint32_t)ix * 73856093u ^ (uint32_t)iy * 19349663u, zz);
		float c10 = hash01(seed, (uint32_t)(ix + 1) * 73856093u ^ (uint32_t)iy * 19349663u, zz);
		float c01 = hash01(seed, (uint32_t)ix * 73856093u ^ (uint32_t)(iy + 1) * 19349663u, zz);
		float c11 = hash01(seed, (uint32_t)(ix + 1) * 73856093u ^ (uint32_t)(iy + 1) * 19349663u,
				   zz);
		float a = c00 + (c10 - c00) * tx, b = c01 + (c11 - c01) * tx;
		v[k] = a + (b - a) * ty;
	}
	return v[0] + (v[1] - v[0]) * tz;
}

/* A pixel wave's colour for member m at phase pm (cycles). */
static void pixel_value(const struct fx *f, int m, double pm, float rgb[3])
{
	const struct gl_effect_def *d = &f->def;
	float t = frac_d(pm), u = f->mu[m];
	double n = floor(pm);
	switch (d->wave) {
	case GL_WAVE_GRADIENT: {
		float g = frac_d((double)u * d->scale - pm);
		mix(d->color_a, d->color_b, g < 0.5f ? 2.0f * g : 2.0f - 2.0f * g, rgb);
		break;
	}
	case GL_WAVE_WIPE:
		memcpy(rgb, u < t ? d->color_a : d->color_b, 3 * sizeof *rgb);
		break;
	case GL_WAVE_RAINBOW:
		hue_rgb(frac_d((double)u * d->scale - pm), rgb);
		break;
	case GL_WAVE_SPARKLE: {
		bool lit = hash01(d->seed, (uint32_t)m, (uint32_t)(int64_t)n) < d->density;
		mix(d->color_b, d->color_a, lit ? 1.0f - t : 0.0f, rgb);
		break;
	}
	case GL_WAVE_NOISE:
		mix(d->color_b, d->color_a,
		    noise3(d->seed, f->mx[m] * d->scale, f->my[m] * d->scale, pm), rgb);
		break;
	case GL_WAVE_IMAGE: {
		int frames = d->image_frames;
		int64_t fr = frames > 1 ? ((int64_t)n % frames + frames) % frames : 0;
		float xs = frac_d((double)f->mx[m] + (double)d->scroll[0] * pm);
		float ys = frac_d((double)f->my[m] + (double)d->scroll[1] * pm);
		int ix = (int)(xs * (float)d->image_w), iy = (int)(ys * (float)d->image_h);
		ix = ix < d->image_w ? ix : d->image_w - 1;
		iy = iy < d->image_h ? iy : d->image_h - 1;
		const uint8_t *px = d->image + (((size_t)fr * (size_t)d->image_h + (size_t)iy) *
						(size_t)d->image_w + (size_t)ix) * 3;
		for (int c = 0; c < 3; c++)
			rgb[c] = (float)px[c] * (1.0f / 255.0f);
		break;
	}
	default:
		rgb[0] = rgb[1] = rgb[2] = 0.0f;
		break;
	}
}

/* Member m's components at the effect's phase ph: 1, 2 or 3 values,
 * centred (-0.5..0.5) where the effect is. */
static void member_value(const struct fx *f, int m, double ph, float comp[3])
{
	const struct gl_effect_def *d = &f->def;
	double pm = ph + f->phase[m];
	float t = frac_d(pm);
	switch (d->wave) {
	case GL_WAVE_CIRCLE:
		comp[0] = 0.5f * sinf(TWO_PI_F * t);
		comp[1] = 0.5f * cosf(TWO_PI_F * t);
		return;
	case GL_WAVE_EIGHT:
		comp[0] = 0.5f * sinf(TWO_PI_F * t);
		comp[1] = 0.5f * sinf(2.0f * TWO_PI_F * t);
		return;
	case GL_WAVE_LINE: {
		float s = 0.5f * sinf(TWO_PI_F * t), a = d->angle_deg * (TWO_PI_F / 360.0f);
		comp[0] = s * cosf(a);
		comp[1] = s * sinf(a);
		return;
	}
	default:
		break;
	}
	if (d->wave >= GL_WAVE_GRADIENT) {
		pixel_value(f, m, pm, comp);
		return;
	}
	float w = wave_value(f, m, t, floor(pm));
	comp[0] = f->centred ? w - 0.5f : w;
}

static void fx_values(struct fx_plan *p, struct fx *f, uint64_t now, float sound_level)
{
	double ph = fx_phase(f, now);
	float size = f->def.size * f->size_scale * (f->def.size_from_level ? sound_level : 1.0f);
	float offset = f->def.offset, comp[3] = { 0 };
	const float *gain = p->gain;
	float *value = p->value;
	for (int m = 0, s = f->slot_first; m < f->member_count; m++) {
		member_value(f, m, ph, comp);
		for (int c = 0; c < f->comps; c++, s++)
			value[s] = gain[s] * (offset + size * comp[c]);
	}
}

/* ---- timecode ------------------------------------------------------------------- */

static struct fx_tc *tc_of(struct gl_engine *e, int list)
{
	struct fx_plan *p = e->fx;
	if (!p || list < 0 || list >= p->tc_count || !p->tc[list].enabled)
		return NULL;
	return &p->tc[list];
}

static uint64_t tc_pos(const struct fx_tc *tc, uint64_t t)
{
	if (!tc->running)
		return tc->pos_ref_ns;
	return tc->pos_ref_ns + (t > tc->ref_ns ? t - tc->ref_ns : 0);
}

static void tc_set(struct fx_tc *tc, uint64_t pos, uint64_t now, bool running)
{
	tc->pos_ref_ns = pos;
	tc->ref_ns = now;
	tc->running = running;
}

/* The engine time at which position `cue_ns` was (or will be) passed,
 * the clock now at pos. */
static uint64_t tc_when(uint64_t now, uint64_t pos, uint64_t cue_ns)
{
	uint64_t ago = pos - cue_ns;
	return now > ago ? now - ago : 0;
}

/* The index (into timed_*) of the last cue whose time is <= pos, or -1. */
static int tc_index(const struct fx_tc *tc, uint64_t pos)
{
	int lo = 0, hi = tc->timed_count - 1, found = -1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if (tc->timed_ns[mid] <= pos) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* A position from a timecode reader (external) or a jump (internal). */
static void tc_receive(struct gl_engine *e, int list, struct fx_tc *tc, uint64_t pos,
		       bool locked, uint64_t now)
{
	struct cuelist *l = &e->lists[list];
	if (!tc->external) {
		/* internal: a jump; locked says whether the clock then runs */
		tc_set(tc, pos, now, locked);
		tc->jumped = true;
		if (!locked && l->state == GL_LIST_RUNNING)
			cuelist_pause(l, now);
		return;
	}
	if (!locked) {
		/* the code stopped: freewheel from now */
		if (tc->locked)
			tc->last_rx_ns = now > (uint64_t)(GL_TC_DROPOUT_S * 1e9)
					 ? now - (uint64_t)(GL_TC_DROPOUT_S * 1e9) : 0;
		tc->locked = false;
		return;
	}
	uint64_t predicted = tc_pos(tc, now);
	uint64_t diff = pos > predicted ? pos - predicted : predicted - pos;
	bool jump = diff > (uint64_t)(GL_TC_JUMP_S * 1e9);
	if (jump)
		tc->jumped = true;
	if (tc->held && !jump) {
		/* on from the hold: the fades as far on as the code is */
		uint64_t ahead = pos > tc->pos_ref_ns ? pos - tc->pos_ref_ns : 0;
		cuelist_resume(l, now > ahead ? now - ahead : 0);
	}
	tc->held = false;
	tc_set(tc, pos, now, true);
	tc->locked = true;
	tc->last_rx_ns = now;
}

/* The cue list commands of a timecode list (list >= 0). Returns true when
 * handled. For every list (list < 0), the clocks change here and the core
 * does the rest. */
static bool tc_list_command(struct gl_engine *e, const struct gl_cmd *c, uint64_t now)
{
	if (c->list < 0) {
		for (int li = 0; e->fx && li < e->fx->tc_count; li++) {
			struct fx_tc *tc = tc_of(e, li);
			if (!tc)
				continue;
			if (c->type == GL_CMD_STOP) {
				tc_set(tc, 0, now, false);
				tc->at = -1;
			} else if (c->type == GL_CMD_PAUSE && tc->running && !tc->external) {
				tc_set(tc, tc_pos(tc, now), now, false);
			} else if (c->type == GL_CMD_RESUME && !tc->running && !tc->external &&
				   e->lists[li].state == GL_LIST_PAUSED) {
				tc_set(tc, tc->pos_ref_ns, now, true);
			}
		}
		return false;
	}
	struct fx_tc *tc = tc_of(e, c->list);
	if (!tc)
		return false;
	struct cuelist *l = &e->lists[c->list];
	switch (c->type) {
	case GL_CMD_STOP:
		tc_set(tc, 0, now, false);
		tc->at = -1;
		tc->held = false;
		cuelist_stop(e, l, now);
		return true;
	case GL_CMD_GO:
	case GL_CMD_RESUME:
		if (tc->external || tc->running)
			return true;
		tc_set(tc, l->state == GL_LIST_OFF ? 0 : tc->pos_ref_ns, now, true);
		if (l->state == GL_LIST_PAUSED)
			cuelist_resume(l, now);
		return true;
	case GL_CMD_PAUSE:
		if (!tc->external && tc->running) {
			tc_set(tc, tc_pos(tc, now), now, false);
			cuelist_pause(l, now);
		}
		return true;
	case GL_CMD_GOTO:
	case GL_CMD_BACK: {
		if (tc->external)
			return true;
		int target = c->type == GL_CMD_GOTO ? c->index : l->active - 1;
		int j = -1;
		for (int i = 0; i < tc->timed_count && tc->timed_cue[i] <= target; i++)
			j = i;
		tc_set(tc, j >= 0 ? tc->timed_ns[j] : 0, now, tc->running);
		tc->jumped = true;
		return true;
	}
	default:
		return false;
	}
}

static void tc_step(struct gl_engine *e, int li, struct fx_tc *tc, uint64_t now)
{
	struct cuelist *l = &e->lists[li];
	if (tc->external && tc->running) {
		uint64_t dropout = (uint64_t)(GL_TC_DROPOUT_S * 1e9);
		if (tc->locked && now > tc->last_rx_ns + dropout)
			tc->locked = false;
		uint64_t until = tc->last_rx_ns + dropout + (uint64_t)(tc->freewheel_s * 1e9);
		if (!tc->locked && now >= until) {
			/* freewheeled as long as allowed: hold where it stands */
			tc_set(tc, tc_pos(tc, until), until, false);
			if (l->state == GL_LIST_RUNNING) {
				cuelist_pause(l, until);
				tc->held = true;
			}
		}
	}
	uint64_t pos = tc_pos(tc, now);
	tc->position_ns = pos;
	if (!tc->running && !tc->jumped)
		return;
	int k = tc_index(tc, pos);
	if (tc->jumped || k > tc->at + 8) {
		tc->jumped = false;
		tc->at = k;
		if (k < 0) {
			cuelist_seek(e, l, -1, now);
			return;
		}
		cuelist_seek(e, l, tc->timed_cue[k], tc_when(now, pos, tc->timed_ns[k]));
		if (!tc->running)
			cuelist_pause(l, now);
		return;
	}
	/* the cues the clock passed, each at its own instant */
	while (tc->at < k) {
		int j = ++tc->at;
		cuelist_go(e, l, tc->timed_cue[j], tc_when(now, pos, tc->timed_ns[j]), false);
	}
}

/* ---- the tick's entries ------------------------------------------------------------ */

bool engine_fx_command(struct gl_engine *e, const struct gl_cmd *c, uint64_t now)
{
	struct fx_plan *p = e->fx;
	struct fx *f = p && c->index >= 0 && c->index < p->effect_count ? &p->effects[c->index]
									  : NULL;
	switch (c->type) {
	case GL_CMD_FX_START:
		fx_start(f, now, 0);
		return true;
	case GL_CMD_FX_STOP:
		if (f) {
			fx_stop(f, now);
		} else {
			for (int i = 0; p && i < p->effect_count; i++)
				fx_stop(&p->effects[i], now);
		}
		return true;
	case GL_CMD_FX_SIZE:
		f->size_scale = c->value;
		return true;
	case GL_CMD_FX_RATE:
		fx_rebase(f, now);
		f->rate_hz = c->value;
		return true;
	case GL_CMD_FX_TAP:
		if (f->taps > 0 && now - f->tap_ns[f->taps - 1] > 2 * GL_NS_PER_S)
			f->taps = 0;    /* a pause: a new tempo begins */
		if (f->taps == 4) {
			memmove(f->tap_ns, f->tap_ns + 1, 3 * sizeof *f->tap_ns);
			f->taps = 3;
		}
		f->tap_ns[f->taps++] = now;
		if (f->taps >= 2) {
			double span = (double)(now - f->tap_ns[0]) / 1e9 / (f->taps - 1);
			if (span > 0.01) {
				fx_rebase(f, now);
				f->rate_hz = 1.0 / span;
			}
		}
		return true;
	case GL_CMD_TIMECODE: {
		bool locked = c->value >= 0.75f;
		double frac_ms = (c->value - (locked ? 1.0f : 0.0f)) * 2.0f;
		uint64_t pos = (uint64_t)c->index * 1000000u +
			       (uint64_t)(frac_ms > 0 ? frac_ms * 1e6 : 0);
		for (int li = c->list < 0 ? 0 : c->list;
		     p && li < (c->list < 0 ? p->tc_count : c->list + 1); li++) {
			struct fx_tc *tc = tc_of(e, li);
			if (tc && (c->list >= 0 || tc->external))
				tc_receive(e, li, tc, pos, locked, now);
		}
		return true;
	}
	case GL_CMD_GO:
	case GL_CMD_BACK:
	case GL_CMD_GOTO:
	case GL_CMD_STOP:
	case GL_CMD_PAUSE:
	case GL_CMD_RESUME:
		return p && p->tc_count > 0 && tc_list_command(e, c, now);
	default:
		return false;
	}
}

void engine_fx_fader(struct gl_engine *e, const struct fader *fd, uint64_t now)
{
	struct fx *f = &e->fx->effects[fd->target];
	if (fd->kind == GL_FADER_EFFECT_SIZE) {
		f->size_scale = fd->level;
	} else {
		fx_rebase(f, now);
		f->rate_scale = fd->level;
	}
}

void engine_fx_cue(struct gl_engine *e, const struct cuelist *l, int cue, uint64_t at_ns)
{
	struct fx_plan *p = e->fx;
	int li = (int)(l - e->lists);
	if (!p || !p->lists || li >= p->list_count || p->lists[li].count == 0)
		return;
	const struct fx_list *fl = &p->lists[li];
	const uint8_t *row = fl->track + (size_t)cue * (size_t)fl->count;
	for (int j = 0; j < fl->count; j++) {
		struct fx *f = &p->effects[fl->effects[j]];
		if (row[j])
			fx_start(f, at_ns, (uint16_t)(li + 1));
		else if (f->owner == li + 1)
			fx_stop(f, at_ns);
	}
}

/* Whether cue `cue` of a list with effects fl runs `effect`. */
static bool fx_list_runs(const struct fx_list *fl, int cue, int effect)
{
	if (cue < 0)
		return false;
	for (int j = 0; j < fl->count; j++)
		if (fl->effects[j] == effect)
			return fl->track[(size_t)cue * (size_t)fl->count + j] != 0;
	return false;
}

void engine_fx_edit_apply(struct gl_engine *e, struct cue_table *t, int old_active, uint64_t now)
{
	struct fx_plan *p = e->fx;
	struct fx_edit *x = t->fx;
	int li = t->list;
	const struct cuelist *l = &e->lists[li];
	if (!p || !x)
		return;
	SWAP(p->refs, x->refs);
	SWAP(p->ref_count, x->ref_count);
	p->ref_cap = p->ref_count;
	struct fx_list *fl = &p->lists[li];
	SWAP(*fl, x->fl);
	/* what the active cue runs now against what it ran: only the
	 * difference starts or stops (x->fl holds the replaced list now) */
	if (l->state != GL_LIST_OFF && !l->releasing) {
		for (int j = 0; j < fl->count; j++)
			if (fx_list_runs(fl, l->active, fl->effects[j]) &&
			    !fx_list_runs(&x->fl, old_active, fl->effects[j]))
				fx_start(&p->effects[fl->effects[j]], now, (uint16_t)(li + 1));
		for (int j = 0; j < x->fl.count; j++) {
			struct fx *f = &p->effects[x->fl.effects[j]];
			if (fx_list_runs(&x->fl, old_active, x->fl.effects[j]) &&
			    !fx_list_runs(fl, l->active, x->fl.effects[j]) && f->owner == li + 1)
				fx_stop(f, now);
		}
	}
	if (!x->tc)
		return;
	struct fx_tc *tc = &p->tc[li];
	int fired = tc->at >= 0 ? tc->timed_cue[tc->at] : -1;
	SWAP(tc->cue_s, x->cue_s);
	SWAP(tc->timed_count, x->timed_count);
	SWAP(tc->timed_ns, x->timed_ns);
	SWAP(tc->timed_cue, x->timed_cue);
	/* the clock goes on from the cue it fired last (or the nearest
	 * earlier one kept): the cues after it fire as it passes them */
	int to = fired >= 0 ? t->cue_to[fired] : -1;
	tc->at = -1;
	for (int j = 0; j < tc->timed_count && tc->timed_cue[j] <= to; j++)
		tc->at = j;
}

void engine_fx_list_stop(struct gl_engine *e, const struct cuelist *l, uint64_t now_ns)
{
	struct fx_plan *p = e->fx;
	int li = (int)(l - e->lists);
	if (!p || !p->lists || li >= p->list_count)
		return;
	const struct fx_list *fl = &p->lists[li];
	for (int j = 0; j < fl->count; j++) {
		struct fx *f = &p->effects[fl->effects[j]];
		if (f->owner == li + 1)
			fx_stop(f, now_ns);
	}
}

void engine_fx_step(struct gl_engine *e, uint64_t now)
{
	struct fx_plan *p = e->fx;
	if (!p)
		return;
	for (int li = 0; li < p->tc_count; li++)
		if (p->tc[li].enabled)
			tc_step(e, li, &p->tc[li], now);
	if (p->effect_count == 0)
		return;
	uint32_t beats = atomic_load_explicit(&p->beats, memory_order_acquire);
	uint32_t lb = atomic_load_explicit(&p->level_bits, memory_order_relaxed);
	uint32_t bb = atomic_load_explicit(&p->bpm_bits, memory_order_relaxed);
	float level_in, bpm;
	memcpy(&level_in, &lb, sizeof level_in);
	memcpy(&bpm, &bb, sizeof bpm);
	for (int i = 0; i < p->effect_count; i++) {
		struct fx *f = &p->effects[i];
		if (f->start_pending) {
			f->start_pending = false;
			fx_start(f, now, 0);
		}
		if (!f->on && f->level <= 0.0f)
			continue;
		if (f->def.beat_sync && beats != f->beats_seen) {
			/* a beat: the tempo from the detector, the phase on a
			 * whole step of it (rate_hz is cycles per beat here) */
			f->beats_seen = beats;
			if (bpm > 0) {
				fx_rebase(f, now);
				double per_beat = f->def.rate_hz;
				f->phase0 = floor(f->phase0 / per_beat + 0.5) * per_beat;
				f->rate_hz = bpm / 60.0 * per_beat;
			}
		}
		for (int u = 0; u < f->universe_count; u++)
			engine_touch(e, f->universes[u]);
		f->level = fx_level(f, now);
		if (f->stopping && f->level <= 0.0f) {
			f->on = false;
			f->stopping = false;
			f->owner = 0;
			continue;
		}
		if (f->level > 0.0f)
			fx_values(p, f, now, level_in);
	}
}

void engine_fx_apply(struct gl_engine *e, int u)
{
	struct fx_plan *p = e->fx;
	if (!p || !p->u_seg)
		return;
	float *out = e->out;
	const int32_t *lane = p->lane;
	const float *base = p->base, *value = p->value;
	for (int i = p->u_seg[u]; i < p->u_seg[u + 1]; i++) {
		const struct fx_seg *sg = &p->segs[i];
		float level = p->effects[sg->effect].level;
		if (level <= 0.0f)
			continue;
		for (int s = sg->first; s < sg->end; s++) {
			float o = out[lane[s]];
			float v = (isnan(base[s]) ? o : base[s]) + value[s];
			out[lane[s]] = o + (v - o) * level;
		}
	}
}
