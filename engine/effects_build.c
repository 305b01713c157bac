/*
 * effects_build.c - building effects, their cue references and timecode
 * lists into the engine, and laying out what the tick runs them on
 * (engine_fx_finalize, from gl_engine_finalize).
 *
 * Loading thread, before gl_engine_finalize() (the queries also after it,
 * from any thread). Everything here may allocate; nothing here runs in the
 * tick. The sound input's writer (gl_engine_sound_input) is here too: it
 * is not the tick's, and stores three atomics.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "effects.h"

static const char *const wave_names[GL_WAVE_COUNT] = {
	[GL_WAVE_SINE] = "sine", [GL_WAVE_TRIANGLE] = "triangle",
	[GL_WAVE_RAMP_UP] = "ramp_up", [GL_WAVE_RAMP_DOWN] = "ramp_down",
	[GL_WAVE_SQUARE] = "square", [GL_WAVE_RANDOM] = "random",
	[GL_WAVE_SMOOTH_RANDOM] = "smooth_random", [GL_WAVE_STEP] = "step",
	[GL_WAVE_CIRCLE] = "circle", [GL_WAVE_EIGHT] = "eight", [GL_WAVE_LINE] = "line",
	[GL_WAVE_GRADIENT] = "gradient", [GL_WAVE_WIPE] = "wipe",
	[GL_WAVE_RAINBOW] = "rainbow", [GL_WAVE_SPARKLE] = "sparkle",
	[GL_WAVE_NOISE] = "noise", [GL_WAVE_IMAGE] = "image",
};

const char *gl_wave_name(enum gl_wave wave)
{
	return (unsigned)wave < GL_WAVE_COUNT ? wave_names[wave] : "?";
}

int gl_wave_from_name(const char *name)
{
	for (int w = 0; w < GL_WAVE_COUNT; w++)
		if (strcmp(wave_names[w], name) == 0)
			return w;
	return GL_ENOENT;
}

static bool is_shape(enum gl_wave w)
{
	return w == GL_WAVE_CIRCLE || w == GL_WAVE_EIGHT || w == GL_WAVE_LINE;
}

static bool is_pixel(enum gl_wave w)
{
	return w >= GL_WAVE_GRADIENT && w < GL_WAVE_COUNT;
}

struct fx_plan *engine_fx_plan(struct gl_engine *e)
{
	if (!e->fx)
		e->fx = calloc(1, sizeof *e->fx);
	return e->fx;
}

int gl_engine_effect_find(const struct gl_engine *e, const char *name)
{
	for (int i = 0; e->fx && i < e->fx->effect_count; i++)
		if (strcmp(e->fx->effects[i].def.name, name) == 0)
			return i;
	return GL_ENOENT;
}

int gl_engine_effect_count(const struct gl_engine *e)
{
	return e->fx ? e->fx->effect_count : 0;
}

const struct gl_effect_def *gl_engine_effect(const struct gl_engine *e, int effect)
{
	return &e->fx->effects[effect].def;
}

int gl_engine_effect_members(const struct gl_engine *e, int effect)
{
	return e->fx->effects[effect].member_count;
}

static bool def_valid(const struct gl_effect_def *d)
{
	if ((unsigned)d->wave >= GL_WAVE_COUNT || (unsigned)d->attr >= GL_ATTR_COUNT)
		return false;
	if (!(d->rate_hz > 0 && d->rate_hz <= 1000) || !isfinite(d->size) ||
	    !isfinite(d->offset) || !isfinite(d->phase_deg) || !isfinite(d->spread_deg))
		return false;
	if (d->groups < 0 || d->blocks < 0 || d->wings < 0 || !(d->duty >= 0 && d->duty <= 1) ||
	    d->step_count < 0 || d->step_count > GL_EFFECT_STEPS_MAX ||
	    (d->wave == GL_WAVE_STEP && d->step_count == 0))
		return false;
	if (!(d->fade_in_s >= 0 && d->fade_in_s <= 86400) ||
	    !(d->fade_out_s >= 0 && d->fade_out_s <= 86400) || d->fixture_count < 1)
		return false;
	if (d->wave == GL_WAVE_IMAGE &&
	    (!d->image || d->image_w < 1 || d->image_h < 1 || d->image_frames < 1 ||
	     (size_t)d->image_w * (size_t)d->image_h * (size_t)d->image_frames > 64u << 20))
		return false;
	if (!(d->density >= 0 && d->density <= 1) || !isfinite(d->scale) ||
	    !isfinite(d->angle_deg) || !isfinite(d->scroll[0]) || !isfinite(d->scroll[1]))
		return false;
	return true;
}

static void fx_free_one(struct fx *f)
{
	free(f->fixtures);
	free(f->image);
	free(f->phase);
	free(f->mx);
	free(f->my);
	free(f->mu);
	free(f->universes);
}

/* Member i's phase offset (cycles): wings mirror, groups repeat, blocks
 * share, then the spread goes evenly over what is left. */
static float member_phase(const struct gl_effect_def *d, int i, int n)
{
	int idx = i, count = n;
	if (d->wings > 1) {
		int wing = (n + d->wings - 1) / d->wings;
		int w = i / wing, pos = i % wing;
		idx = w % 2 ? wing - 1 - pos : pos;
		count = wing;
	}
	if (d->groups > 0) {
		idx %= d->groups;
		count = count < d->groups ? count : d->groups;
	}
	if (d->blocks > 1) {
		idx /= d->blocks;
		count = (count + d->blocks - 1) / d->blocks;
	}
	double p = d->phase_deg / 360.0;
	if (count > 0)
		p += d->spread_deg / 360.0 * idx / count;
	return (float)(p - floor(p));
}

/* The params of fixture f the wave writes (1, 2 or 3), or 0 when it lacks one. */
static int member_params(const struct gl_engine *e, const struct gl_effect_def *d, int f,
			 int params[3])
{
	if (is_shape(d->wave)) {
		params[0] = gl_engine_param(e, f, GL_ATTR_PAN);
		params[1] = gl_engine_param(e, f, GL_ATTR_TILT);
		return params[0] >= 0 && params[1] >= 0 ? 2 : 0;
	}
	if (is_pixel(d->wave)) {
		params[0] = gl_engine_param(e, f, GL_ATTR_RED);
		params[1] = gl_engine_param(e, f, GL_ATTR_GREEN);
		params[2] = gl_engine_param(e, f, GL_ATTR_BLUE);
		return params[0] >= 0 && params[1] >= 0 && params[2] >= 0 ? 3 : 0;
	}
	params[0] = gl_engine_param(e, f, d->attr);
	return params[0] >= 0 ? 1 : 0;
}

/* How the slot of `attr` on fixture f scales and where it sits. */
static void slot_units(const struct gl_engine *e, const struct gl_effect_def *d, int f,
		       enum gl_attr attr, struct fx_slot *s)
{
	const struct gl_fixture_type *t = gl_engine_fixture_type(e, f);
	s->gain = 1.0f;
	s->base = 0.0f;
	if (attr == GL_ATTR_PAN || attr == GL_ATTR_TILT) {
		float range = attr == GL_ATTR_PAN ? t->pan_range_deg : t->tilt_range_deg;
		s->gain = range > 0 ? 1.0f / range : 1.0f / 360.0f;
		s->base = 0.5f;      /* degrees count from the centre */
	}
	if (d->relative && !is_pixel(d->wave))
		s->base = NAN;
}

int gl_engine_add_effect(struct gl_engine *e, const struct gl_effect_def *def)
{
	if (e->finalized)
		return GL_ESTATE;
	if (!def_valid(def))
		return GL_EINVAL;
	if (gl_engine_effect_find(e, def->name) >= 0)
		return GL_EEXIST;
	for (int i = 0; i < def->fixture_count; i++)
		if (def->fixtures[i] < 0 || def->fixtures[i] >= e->fixture_count)
			return GL_EINVAL;
	struct fx_plan *p = engine_fx_plan(e);
	if (!p)
		return GL_ENOMEM;
	GROW(p->effects, p->effect_count, p->effect_cap);
	struct fx *f = &p->effects[p->effect_count];
	memset(f, 0, sizeof *f);
	f->def = *def;
	int n = def->fixture_count;
	size_t pixels = def->wave == GL_WAVE_IMAGE ? (size_t)def->image_w * def->image_h *
							     def->image_frames * 3 : 0;
	f->fixtures = malloc((size_t)n * sizeof *f->fixtures);
	f->phase = malloc((size_t)n * sizeof *f->phase);
	f->mx = malloc((size_t)n * sizeof *f->mx);
	f->my = malloc((size_t)n * sizeof *f->my);
	f->mu = malloc((size_t)n * sizeof *f->mu);
	f->image = pixels ? malloc(pixels) : NULL;
	if (!f->fixtures || !f->phase || !f->mx || !f->my || !f->mu || (pixels && !f->image)) {
		fx_free_one(f);
		return GL_ENOMEM;
	}
	if (pixels)
		memcpy(f->image, def->image, pixels);
	f->def.image = f->image;
	f->def.xy = NULL;
	f->centred = is_shape(def->wave) || def->relative || def->attr == GL_ATTR_PAN ||
		     def->attr == GL_ATTR_TILT;
	if (is_pixel(def->wave))
		f->centred = false;

	/* members: those with the wave's params; their slots */
	int first_slot = p->slot_count, m = 0;
	for (int i = 0; i < n; i++) {
		int params[3];
		int comps = member_params(e, def, def->fixtures[i], params);
		if (comps == 0)
			continue;
		static const enum gl_attr shape_attr[2] = { GL_ATTR_PAN, GL_ATTR_TILT };
		for (int c = 0; c < comps; c++) {
			if (p->slot_count == p->slot_cap) {
				int cap = p->slot_cap ? p->slot_cap * 2 : 64;
				struct fx_slot *s = realloc(p->slots, (size_t)cap * sizeof *s);
				if (!s) {
					p->slot_count = first_slot;
					fx_free_one(f);
					return GL_ENOMEM;
				}
				p->slots = s;
				p->slot_cap = cap;
			}
			struct fx_slot *s = &p->slots[p->slot_count++];
			*s = (struct fx_slot){ .param = params[c], .effect = p->effect_count,
					       .member = m, .comp = (uint8_t)c };
			slot_units(e, def, def->fixtures[i],
				   is_shape(def->wave) ? shape_attr[c] : is_pixel(def->wave)
				   ? GL_ATTR_RED : def->attr, s);
		}
		f->fixtures[m] = def->fixtures[i];
		f->mx[m] = def->xy ? def->xy[2 * i] : (n > 1 ? (float)i / (float)(n - 1) : 0.0f);
		f->my[m] = def->xy ? def->xy[2 * i + 1] : 0.0f;
		m++;
	}
	if (m == 0) {
		p->slot_count = first_slot;
		fx_free_one(f);
		return GL_ENOENT;
	}
	f->member_count = m;
	f->comps = (p->slot_count - first_slot) / m;
	f->def.fixtures = f->fixtures;
	f->def.fixture_count = m;
	f->slot_first = first_slot;
	f->slot_end = p->slot_count;
	/* phase per member; u: the members' place along the angle, 0..1 */
	double a = def->angle_deg * M_PI / 180.0, lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < m; i++) {
		f->phase[i] = member_phase(def, i, m);
		double u = f->mx[i] * cos(a) + f->my[i] * sin(a);
		f->mu[i] = (float)u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	for (int i = 0; i < m; i++)
		f->mu[i] = hi > lo ? (float)((f->mu[i] - lo) / (hi - lo)) : 0.0f;
	f->rate_hz = def->rate_hz;
	f->size_scale = 1.0f;
	f->rate_scale = 1.0f;
	f->start_pending = def->start;
	return p->effect_count++;
}

int gl_engine_cue_effect(struct gl_engine *e, int list, int cue, int effect, bool on)
{
	if (e->finalized)
		return GL_ESTATE;
	if (list < 0 || list >= e->list_count || cue < 0 || cue >= e->lists[list].cue_count ||
	    effect < 0 || effect >= gl_engine_effect_count(e))
		return GL_ENOENT;
	struct fx_plan *p = e->fx;
	GROW(p->refs, p->ref_count, p->ref_cap);
	p->refs[p->ref_count++] = (struct fx_cue_ref){ list, cue, effect, on };
	return 0;
}

float gl_engine_effect_level(const struct gl_engine *e, int effect)
{
	return e->fx->effects[effect].level;
}

/* ---- timecode ----------------------------------------------------------------- */

int gl_engine_set_timecode(struct gl_engine *e, int list, bool external, double freewheel_s)
{
	if (e->finalized)
		return GL_ESTATE;
	if (list < 0 || list >= e->list_count)
		return GL_ENOENT;
	if (!(freewheel_s >= 0 && freewheel_s <= 3600))
		return GL_EINVAL;
	struct fx_plan *p = engine_fx_plan(e);
	if (!p)
		return GL_ENOMEM;
	if (p->tc_count < e->list_count) {
		struct fx_tc *tc = realloc(p->tc, (size_t)e->list_count * sizeof *tc);
		if (!tc)
			return GL_ENOMEM;
		memset(tc + p->tc_count, 0, (size_t)(e->list_count - p->tc_count) * sizeof *tc);
		p->tc = tc;
		p->tc_count = e->list_count;
	}
	struct fx_tc *tc = &p->tc[list];
	int n = e->lists[list].cue_count;
	if (!tc->cue_s) {
		tc->cue_s = malloc((size_t)(n ? n : 1) * sizeof *tc->cue_s);
		if (!tc->cue_s)
			return GL_ENOMEM;
		for (int c = 0; c < n; c++)
			tc->cue_s[c] = NAN;
	}
	tc->enabled = true;
	tc->external = external;
	tc->freewheel_s = freewheel_s;
	return 0;
}

int gl_engine_cue_time(struct gl_engine *e, int list, int cue, double seconds)
{
	if (e->finalized)
		return GL_ESTATE;
	if (!e->fx || list < 0 || list >= e->fx->tc_count || !e->fx->tc[list].enabled ||
	    cue < 0 || cue >= e->lists[list].cue_count)
		return GL_ENOENT;
	if (!(seconds >= 0 && seconds <= 7 * 86400.0))
		return GL_ERANGE;
	struct fx_tc *tc = &e->fx->tc[list];
	for (int c = 0; c < e->lists[list].cue_count; c++)
		if (!isnan(tc->cue_s[c]) && ((c < cue && tc->cue_s[c] > seconds) ||
					     (c > cue && tc->cue_s[c] < seconds)))
			return GL_EINVAL;
	tc->cue_s[cue] = (float)seconds;
	return 0;
}

double gl_engine_timecode_position(const struct gl_engine *e, int list)
{
	if (!e->fx || list < 0 || list >= e->fx->tc_count || !e->fx->tc[list].enabled)
		return -1;
	return (double)e->fx->tc[list].position_ns / 1e9;
}

int gl_engine_timecode(struct gl_engine *e, int list, double seconds, bool locked)
{
	if (!(seconds >= 0 && seconds < 2e6))
		return GL_ERANGE;
	double ms = floor(seconds * 1000.0);
	struct gl_cmd c = { GL_CMD_TIMECODE, list, (int)ms, locked ? 1.0f : 0.0f };
	/* the fraction of a millisecond rides in the value, above the lock */
	c.value += (float)(seconds * 1000.0 - ms) * 0.5f;
	return gl_engine_command(e, &c);
}

void gl_engine_sound_input(struct gl_engine *e, float level, uint32_t beats, float bpm)
{
	struct fx_plan *p = e->fx;
	if (!p || !e->finalized)
		return;
	uint32_t lb, bb;
	level = level > 0 ? (level < 1 ? level : 1) : 0;
	bpm = bpm > 0 && bpm < 1000 ? bpm : 0;
	memcpy(&lb, &level, sizeof lb);
	memcpy(&bb, &bpm, sizeof bb);
	atomic_store_explicit(&p->level_bits, lb, memory_order_relaxed);
	atomic_store_explicit(&p->bpm_bits, bb, memory_order_relaxed);
	atomic_store_explicit(&p->beats, beats, memory_order_release);
}

int engine_fx_validate(const struct gl_engine *e, const struct gl_cmd *c)
{
	int n = gl_engine_effect_count(e);
	switch (c->type) {
	case GL_CMD_FX_STOP:
		return c->index < n ? 0 : GL_EINVAL;
	case GL_CMD_FX_START:
	case GL_CMD_FX_TAP:
		return c->index >= 0 && c->index < n ? 0 : GL_EINVAL;
	case GL_CMD_FX_SIZE:
		if (c->index < 0 || c->index >= n)
			return GL_EINVAL;
		return c->value >= 0.0f && c->value <= 1.0f ? 0 : GL_ERANGE;
	case GL_CMD_FX_RATE:
		if (c->index < 0 || c->index >= n)
			return GL_EINVAL;
		return c->value > 0.0f && c->value <= 100.0f ? 0 : GL_ERANGE;
	case GL_CMD_TIMECODE:
		if (c->list >= e->list_count || c->index < 0 ||
		    (c->list >= 0 && (!e->fx || c->list >= e->fx->tc_count ||
				      !e->fx->tc[c->list].enabled)))
			return GL_EINVAL;
		return c->value >= 0.0f && c->value < 1.5f ? 0 : GL_ERANGE;
	default:
		return GL_EINVAL;
	}
}

/* ---- finalize ----------------------------------------------------------------- */

/* Slots in universe order (lanes ascend with universes), then by effect
 * (a later effect shows over an earlier one on a lane both write), then as
 * laid out: so one effect's slots in one universe come as runs. */
static int cmp_slot_order(const void *a, const void *b, void *ctx)
{
	const int32_t *uni = ctx;
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	if (uni[2 * x] != uni[2 * y])
		return uni[2 * x] < uni[2 * y] ? -1 : 1;
	if (uni[2 * x + 1] != uni[2 * y + 1])
		return uni[2 * x + 1] < uni[2 * y + 1] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* List li's effects (those refs name) and, per cue, which run (tracked:
 * a cue that says nothing keeps what the cue before had). */
static int fx_list_fill(struct fx_list *fl, const struct fx_cue_ref *refs, int ref_count,
			int li, int cues)
{
	int n = 0;
	for (int r = 0; r < ref_count; r++)
		n += refs[r].list == li;
	if (n == 0)
		return 0;
	fl->effects = malloc((size_t)n * sizeof *fl->effects);
	fl->track = calloc((size_t)(cues ? cues : 1) * (size_t)n, 1);
	int8_t *set = malloc((size_t)(cues ? cues : 1) * (size_t)n);
	if (!fl->effects || !fl->track || !set) {
		free(set);
		return GL_ENOMEM;
	}
	memset(set, -1, (size_t)cues * (size_t)n);
	for (int r = 0; r < ref_count; r++) {
		const struct fx_cue_ref *ref = &refs[r];
		if (ref->list != li)
			continue;
		int j = 0;
		while (j < fl->count && fl->effects[j] != ref->effect)
			j++;
		if (j == fl->count)
			fl->effects[fl->count++] = ref->effect;
		set[(size_t)ref->cue * n + j] = ref->on;
	}
	for (int c = 0; c < cues; c++)
		for (int j = 0; j < fl->count; j++) {
			int8_t v = set[(size_t)c * n + j];
			uint8_t prev = c > 0 ? fl->track[(size_t)(c - 1) * fl->count + j] : 0;
			fl->track[(size_t)c * fl->count + j] = v < 0 ? prev : (uint8_t)v;
		}
	free(set);
	return 0;
}

static void fx_list_free(struct fx_list *fl)
{
	free(fl->effects);
	free(fl->track);
}

static int fx_lists(struct gl_engine *e, struct fx_plan *p)
{
	p->list_count = e->list_count;
	p->lists = calloc((size_t)(e->list_count ? e->list_count : 1), sizeof *p->lists);
	if (!p->lists)
		return GL_ENOMEM;
	for (int li = 0; li < e->list_count; li++) {
		int rc = fx_list_fill(&p->lists[li], p->refs, p->ref_count, li,
				      e->lists[li].cue_count);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The cues with a time (cue_s[c], NaN none; ascending), in order. */
static int tc_timed(const float *cue_s, int cues, uint64_t **timed_ns, int32_t **timed_cue,
		    int *timed_count)
{
	*timed_ns = malloc((size_t)(cues ? cues : 1) * sizeof **timed_ns);
	*timed_cue = malloc((size_t)(cues ? cues : 1) * sizeof **timed_cue);
	if (!*timed_ns || !*timed_cue)
		return GL_ENOMEM;
	*timed_count = 0;
	for (int c = 0; c < cues; c++) {
		if (isnan(cue_s[c]))
			continue;
		(*timed_ns)[*timed_count] = (uint64_t)llround(cue_s[c] * 1e9);
		(*timed_cue)[(*timed_count)++] = c;
	}
	return 0;
}

static int fx_timecode(struct gl_engine *e, struct fx_plan *p)
{
	for (int li = 0; li < p->tc_count; li++) {
		struct fx_tc *tc = &p->tc[li];
		if (!tc->enabled)
			continue;
		int n = e->lists[li].cue_count;
		int rc = tc_timed(tc->cue_s, n, &tc->timed_ns, &tc->timed_cue, &tc->timed_count);
		if (rc != 0)
			return rc;
		tc->built_cue_s = malloc((size_t)(n ? n : 1) * sizeof *tc->built_cue_s);
		if (!tc->built_cue_s)
			return GL_ENOMEM;
		memcpy(tc->built_cue_s, tc->cue_s, (size_t)n * sizeof *tc->cue_s);
		tc->at = -1;
	}
	return 0;
}

/* ---- cue lists edited while they play ------------------------------------------ */

void engine_fx_edit_free(struct fx_edit *x)
{
	if (!x)
		return;
	fx_list_free(&x->fl);
	free(x->cue_s);
	free(x->timed_ns);
	free(x->timed_cue);
	free(x->refs);
	free(x);
}

/* The cue a reference named as the edit leaves it: its new index, or -1
 * when the edit deleted it (cue_to then names an earlier cue). */
static int kept(const struct cue_table *t, int old_cue)
{
	int to = old_cue >= 0 && old_cue < t->old_count ? t->cue_to[old_cue] : -1;
	return to >= 0 && t->cue_from[to] == old_cue ? to : -1;
}

static int edit_timecode(const struct fx_tc *tc, const struct cue_table *t, struct fx_edit *x)
{
	int n = t->next.cue_count;
	x->tc = true;
	x->cue_s = malloc((size_t)(n ? n : 1) * sizeof *x->cue_s);
	if (!x->cue_s)
		return GL_ENOMEM;
	float last = -1.0f;
	for (int c = 0; c < n; c++) {
		int o = t->cue_from[c], built = t->cue_built[c];
		/* a new cue: no time; one back from the build: the time it had */
		x->cue_s[c] = o >= 0 ? tc->cue_s[o] : built >= 0 ? tc->built_cue_s[built] : NAN;
		if (isnan(x->cue_s[c]))
			continue;
		if (x->cue_s[c] < last)
			return GL_EINVAL;   /* renumbered out of time order */
		last = x->cue_s[c];
	}
	return tc_timed(x->cue_s, n, &x->timed_ns, &x->timed_cue, &x->timed_count);
}

int engine_fx_edit_build(struct gl_engine *e, struct cue_table *t)
{
	struct fx_plan *p = e->fx;
	int li = t->list, own = 0;
	for (int r = 0; p && r < p->ref_count; r++)
		own += p->refs[r].list == li;
	for (int r = 0; p && r < p->built_ref_count; r++)
		own += p->built_refs[r].list == li;
	bool tc = p && li < p->tc_count && p->tc[li].enabled;
	t->fx = NULL;
	if (!own && !tc)
		return 0;
	struct fx_edit *x = calloc(1, sizeof *x);
	if (!x)
		return GL_ENOMEM;
	t->fx = x;
	/* the plan's references, this list's by identity; the tick never
	 * reads them, so they change hands with the rest */
	x->refs = malloc((size_t)(p->ref_count + p->built_ref_count + 1) * sizeof *x->refs);
	if (!x->refs)
		return GL_ENOMEM;
	for (int r = 0; r < p->ref_count; r++) {
		struct fx_cue_ref ref = p->refs[r];
		if (ref.list == li && (ref.cue = kept(t, ref.cue)) < 0)
			continue;
		x->refs[x->ref_count++] = ref;
	}
	/* cues back from the build: the references they were built with */
	for (int c = 0; c < t->next.cue_count; c++)
		for (int r = 0; t->cue_built[c] >= 0 && r < p->built_ref_count; r++) {
			struct fx_cue_ref ref = p->built_refs[r];
			if (ref.list == li && ref.cue == t->cue_built[c]) {
				ref.cue = c;
				x->refs[x->ref_count++] = ref;
			}
		}
	int rc = fx_list_fill(&x->fl, x->refs, x->ref_count, li, t->next.cue_count);
	if (rc == 0 && tc)
		rc = edit_timecode(&p->tc[li], t, x);
	return rc;
}

int engine_fx_finalize(struct gl_engine *e)
{
	struct fx_plan *p = engine_fx_plan(e);
	if (!p)
		return GL_ENOMEM;
	int nu = e->universe_count, ns = p->slot_count;
	size_t n1 = (size_t)(ns ? ns : 1);
	p->lane = malloc(n1 * sizeof *p->lane);
	p->base = malloc(n1 * sizeof *p->base);
	p->gain = malloc(n1 * sizeof *p->gain);
	p->value = calloc(n1, sizeof *p->value);
	p->u_seg = calloc((size_t)nu + 1, sizeof *p->u_seg);
	p->segs = malloc(n1 * sizeof *p->segs);
	int32_t *uni = malloc(2 * n1 * sizeof *uni), *order = malloc(n1 * sizeof *order);
	uint8_t *seen = calloc((size_t)(nu ? nu : 1), 1);
	int rc = GL_ENOMEM;
	if (!p->lane || !p->base || !p->gain || !p->value || !p->u_seg || !p->segs || !uni ||
	    !order || !seen)
		goto out;
	for (int s = 0; s < ns; s++) {
		const struct fx_slot *sl = &p->slots[s];
		p->lane[s] = e->param_lane[sl->param];
		p->base[s] = sl->base;
		p->gain[s] = sl->gain;
		uni[2 * s] = engine_lane_universe(e->u_lane, nu, p->lane[s]);
		uni[2 * s + 1] = sl->effect;
		order[s] = s;
	}
	qsort_r(order, (size_t)ns, sizeof *order, cmp_slot_order, uni);
	/* segments: runs of consecutive slots, one effect, one universe */
	int nseg = 0;
	for (int i = 0; i < ns; i++) {
		int s = order[i];
		struct fx_seg *last = nseg ? &p->segs[nseg - 1] : NULL;
		if (last && last->effect == p->slots[s].effect && last->end == s &&
		    uni[2 * (s - 1)] == uni[2 * s]) {
			last->end++;
			continue;
		}
		p->segs[nseg++] = (struct fx_seg){ p->slots[s].effect, s, s + 1 };
		p->u_seg[uni[2 * s] + 1]++;
	}
	for (int u = 0; u < nu; u++)
		p->u_seg[u + 1] += p->u_seg[u];
	for (int i = 0; i < p->effect_count; i++) {
		struct fx *f = &p->effects[i];
		int count = 0;
		for (int s = f->slot_first; s < f->slot_end; s++)
			if (!seen[uni[2 * s]]) {
				seen[uni[2 * s]] = 1;
				count++;
			}
		f->universes = malloc((size_t)(count ? count : 1) * sizeof *f->universes);
		if (!f->universes)
			goto out;
		f->universe_count = 0;
		for (int s = f->slot_first; s < f->slot_end; s++)
			if (seen[uni[2 * s]]) {
				seen[uni[2 * s]] = 0;
				f->universes[f->universe_count++] = uni[2 * s];
			}
	}
	for (int i = 0; i < e->fader_count; i++) {
		const struct fader *fd = &e->faders[i];
		if (fd->kind == GL_FADER_EFFECT_SIZE)
			p->effects[fd->target].size_scale = fd->level;
		else if (fd->kind == GL_FADER_EFFECT_RATE)
			p->effects[fd->target].rate_scale = fd->level;
	}
	if ((rc = fx_lists(e, p)) != 0 || (rc = fx_timecode(e, p)) != 0)
		goto out;
	rc = GL_ENOMEM;
	p->built_refs = malloc((size_t)(p->ref_count ? p->ref_count : 1) * sizeof *p->built_refs);
	if (!p->built_refs)
		goto out;
	if (p->ref_count)
		memcpy(p->built_refs, p->refs, (size_t)p->ref_count * sizeof *p->refs);
	p->built_ref_count = p->ref_count;
	rc = 0;
out:
	free(uni);
	free(order);
	free(seen);
	return rc;
}

void engine_fx_free(struct gl_engine *e)
{
	struct fx_plan *p = e->fx;
	if (!p)
		return;
	for (int i = 0; i < p->effect_count; i++)
		fx_free_one(&p->effects[i]);
	free(p->effects);
	free(p->slots);
	free(p->refs);
	free(p->built_refs);
	for (int li = 0; li < p->tc_count; li++) {
		free(p->tc[li].cue_s);
		free(p->tc[li].built_cue_s);
		free(p->tc[li].timed_ns);
		free(p->tc[li].timed_cue);
	}
	free(p->tc);
	free(p->lane);
	free(p->base);
	free(p->gain);
	free(p->value);
	free(p->u_seg);
	free(p->segs);
	for (int li = 0; p->lists && li < p->list_count; li++)
		fx_list_free(&p->lists[li]);
	free(p->lists);
	free(p);
	e->fx = NULL;
}
