/*
 * build.c - building a show into the engine (universes, fixtures, groups,
 * cue lists, faders, inputs) and gl_engine_finalize(), which lays out the
 * plan the tick runs on.
 *
 * Loading thread, before gl_engine_finalize() (the queries also after it,
 * from any thread: the show's shape no longer changes). Everything here may
 * allocate; nothing here runs in the tick.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "effects.h"
#include "engine_internal.h"

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, GL_NAME_MAX, "%s", src ? src : "");
}

#define LABEL_BLOCK 65536

/* A copy of a fixture label (at most GL_NAME_MAX - 1 bytes) packed into the
 * label pool: big rigs have a hundred thousand fixtures, and a fixed-size
 * label each would be most of the patch's memory. NULL when out of memory. */
static const char *pool_label(struct gl_engine *e, const char *label)
{
	size_t len = strnlen(label ? label : "", GL_NAME_MAX - 1);
	if (e->label_pool_left < len + 1) {
		if (e->label_pool_count == e->label_pool_cap) {
			int cap = e->label_pool_cap ? e->label_pool_cap * 2 : 8;
			char **pool = realloc(e->label_pool, (size_t)cap * sizeof *pool);
			if (!pool)
				return NULL;
			e->label_pool = pool;
			e->label_pool_cap = cap;
		}
		char *block = malloc(LABEL_BLOCK);
		if (!block)
			return NULL;
		e->label_pool[e->label_pool_count++] = block;
		e->label_pool_left = LABEL_BLOCK;
	}
	char *dst = e->label_pool[e->label_pool_count - 1] + (LABEL_BLOCK - e->label_pool_left);
	memcpy(dst, label ? label : "", len);
	dst[len] = '\0';
	e->label_pool_left -= len + 1;
	return dst;
}

struct gl_engine *gl_engine_create(const struct gl_engine_config *config)
{
	struct gl_engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	if (config)
		e->config = *config;
	if (!(e->config.rate_hz > 0))
		e->config.rate_hz = GL_DEFAULT_RATE_HZ;
	if (e->config.back_time_s < 0)
		e->config.back_time_s = 1.0;
	if (e->config.release_time_s < 0)
		e->config.release_time_s = 0.0;
	if (e->config.command_capacity <= 0)
		e->config.command_capacity = 1024;
	if (e->config.event_capacity <= 0)
		e->config.event_capacity = 1024;
	e->period_ns = (uint64_t)llround((double)GL_NS_PER_S / e->config.rate_hz);
	if (!(e->config.output_delay_s >= 0) || e->config.output_delay_s * e->config.rate_hz >= 1)
		e->config.output_delay_s = 0; /* never a period or more */
	e->output_delay_ns = (uint64_t)llround(e->config.output_delay_s * (double)GL_NS_PER_S);
	e->grand_master = 1.0f;
	e->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->event_fd < 0 ||
	    gl_mpsc_init(&e->commands, (size_t)e->config.command_capacity, sizeof(struct gl_cmd)) ||
	    gl_spsc_init(&e->events, (size_t)e->config.event_capacity, sizeof(struct gl_event))) {
		gl_mpsc_free(&e->commands);
		if (e->event_fd >= 0)
			close(e->event_fd);
		free(e);
		return NULL;
	}
	return e;
}

/* Who patched which slot: only adding fixtures asks. */
static void free_slot_owners(struct gl_engine *e)
{
	for (int u = 0; e->slot_owner && u < e->universe_count; u++)
		free(e->slot_owner[u]);
	free(e->slot_owner);
	e->slot_owner = NULL;
}

void gl_engine_destroy(struct gl_engine *e)
{
	if (!e)
		return;
	gl_engine_stop(e);
	free_slot_owners(e);
	free(e->universes);
	free(e->fixtures);
	for (int i = 0; i < e->type_count; i++)
		free(e->types[i]);
	free(e->types);
	for (int i = 0; i < e->label_pool_count; i++)
		free(e->label_pool[i]);
	free(e->label_pool);
	for (int g = 0; g < e->group_count; g++)
		free(e->groups[g].members);
	free(e->groups);
	for (int l = 0; l < e->list_count; l++) {
		struct cuelist *cl = &e->lists[l];
		for (int c = 0; c < cl->cue_count; c++)
			free(cl->cues[c].changes);
		free(cl->cues);
	}
	engine_edit_free_all(e);
	free(e->lists);
	free(e->faders);
	for (int i = 0; i < e->input_count; i++)
		free(e->inputs[i]);
	free(e->inputs);
	free(e->plan);
	engine_fx_free(e);
	engine_live_free(e);
	engine_taps_free(e);
	gl_mpsc_free(&e->commands);
	gl_spsc_free(&e->events);
	close(e->event_fd);
	free(e);
}

double gl_engine_rate_hz(const struct gl_engine *e)
{
	return e->config.rate_hz;
}

uint64_t gl_engine_period_ns(const struct gl_engine *e)
{
	return e->period_ns;
}

/* ---- patch ---------------------------------------------------------------- */

int gl_engine_universe_index(const struct gl_engine *e, int number)
{
	for (int i = 0; i < e->universe_count; i++)
		if (e->universes[i] == number)
			return i;
	return GL_ENOENT;
}

int gl_engine_add_universe(struct gl_engine *e, int number)
{
	if (e->finalized)
		return GL_ESTATE;
	if (number < GL_UNIVERSE_MIN || number > GL_UNIVERSE_MAX)
		return GL_ERANGE;
	int found = gl_engine_universe_index(e, number);
	if (found >= 0)
		return found;
	if (e->universe_count == e->universe_cap) {
		int cap = e->universe_cap ? e->universe_cap * 2 : 8;
		int *u = realloc(e->universes, (size_t)cap * sizeof *u);
		if (!u)
			return GL_ENOMEM;
		e->universes = u;
		int **o = realloc(e->slot_owner, (size_t)cap * sizeof *o);
		if (!o)
			return GL_ENOMEM;
		e->slot_owner = o;
		e->universe_cap = cap;
	}
	int *owner = malloc(GL_DMX_SLOTS * sizeof *owner);
	if (!owner)
		return GL_ENOMEM;
	for (int s = 0; s < GL_DMX_SLOTS; s++)
		owner[s] = -1;
	e->universes[e->universe_count] = number;
	e->slot_owner[e->universe_count] = owner;
	return e->universe_count++;
}

int gl_engine_universe_count(const struct gl_engine *e)
{
	return e->universe_count;
}

int gl_engine_universe_number(const struct gl_engine *e, int index)
{
	return e->universes[index];
}

/* Fixtures of one type share one copy: the render walks types, and a
 * thousand copies of a channel table would not stay in cache. */
static const struct gl_fixture_type *share_type(struct gl_engine *e,
						const struct gl_fixture_type *type)
{
	for (int i = 0; i < e->type_count; i++)
		if (memcmp(e->types[i], type, sizeof *type) == 0)
			return e->types[i];
	if (e->type_count == e->type_cap) {
		int cap = e->type_cap ? e->type_cap * 2 : 8;
		struct gl_fixture_type **t = realloc(e->types, (size_t)cap * sizeof *t);
		if (!t)
			return NULL;
		e->types = t;
		e->type_cap = cap;
	}
	struct gl_fixture_type *copy = malloc(sizeof *copy);
	if (!copy)
		return NULL;
	*copy = *type;
	e->types[e->type_count++] = copy;
	return copy;
}

int gl_engine_add_fixture(struct gl_engine *e, const struct gl_fixture_type *type,
			  const char *label, int universe, int address, int *overlap_with)
{
	if (e->finalized)
		return GL_ESTATE;
	if (universe < GL_UNIVERSE_MIN || universe > GL_UNIVERSE_MAX)
		return GL_ERANGE;
	if (address < 1 || address > GL_DMX_SLOTS || type->footprint <= 0 ||
	    address + type->footprint - 1 > GL_DMX_SLOTS)
		return GL_ERANGE;
	int u = gl_engine_add_universe(e, universe);
	if (u < 0)
		return u;
	/* Only the slots its channels use are claimed: the heads of a
	 * multi-head fixture may interleave with each other. */
	int *owner = e->slot_owner[u];
	for (int c = 0; c < type->channel_count; c++)
		for (int b = 0; b < type->channels[c].bytes; b++) {
			int s = address - 1 + gl_channel_slot(&type->channels[c], b);
			if (owner[s] >= 0) {
				if (overlap_with)
					*overlap_with = owner[s];
				return GL_EEXIST;
			}
		}
	const struct gl_fixture_type *shared = share_type(e, type);
	if (!shared)
		return GL_ENOMEM;
	const char *pooled = pool_label(e, label);
	if (!pooled)
		return GL_ENOMEM;
	GROW(e->fixtures, e->fixture_count, e->fixture_cap);
	int id = e->fixture_count;
	struct fixture *f = &e->fixtures[id];
	memset(f, 0, sizeof *f);
	f->label = pooled;
	f->type = shared;
	f->universe_index = u;
	f->address = address;
	f->first_param = e->param_count;
	f->param_count = type->channel_count + (type->virtual_intensity ? 1 : 0);
	f->master = 1.0f;
	f->intensity_param = -1;
	for (int c = 0; c < type->channel_count; c++)
		if (type->channels[c].attr == GL_ATTR_INTENSITY && !type->channels[c].fixed)
			f->intensity_param = f->first_param + c;
	if (type->virtual_intensity)
		f->intensity_param = f->first_param + type->channel_count;
	for (int c = 0; c < type->channel_count; c++)
		for (int b = 0; b < type->channels[c].bytes; b++)
			owner[address - 1 + gl_channel_slot(&type->channels[c], b)] = id;
	e->param_count += f->param_count;
	e->fixture_count++;
	return id;
}

int gl_engine_fixture_count(const struct gl_engine *e)
{
	return e->fixture_count;
}

const char *gl_engine_fixture_label(const struct gl_engine *e, int fixture)
{
	return e->fixtures[fixture].label;
}

const struct gl_fixture_type *gl_engine_fixture_type(const struct gl_engine *e, int fixture)
{
	return e->fixtures[fixture].type;
}

void gl_engine_fixture_address(const struct gl_engine *e, int fixture, int *universe,
			       int *address)
{
	const struct fixture *f = &e->fixtures[fixture];
	*universe = e->universes[f->universe_index];
	*address = f->address;
}

int gl_engine_param(const struct gl_engine *e, int fixture, enum gl_attr attr)
{
	if (fixture < 0 || fixture >= e->fixture_count)
		return GL_ENOENT;
	const struct fixture *f = &e->fixtures[fixture];
	if (attr == GL_ATTR_INTENSITY)
		return f->intensity_param >= 0 ? f->intensity_param : GL_ENOENT;
	for (int c = 0; c < f->type->channel_count; c++)
		if (f->type->channels[c].attr == attr && !f->type->channels[c].fixed)
			return f->first_param + c;
	return GL_ENOENT;
}

int gl_engine_param_count(const struct gl_engine *e)
{
	return e->param_count;
}

/* ---- groups --------------------------------------------------------------- */

int gl_engine_group_find(const struct gl_engine *e, const char *name)
{
	for (int g = 0; g < e->group_count; g++)
		if (strcmp(e->groups[g].name, name) == 0)
			return g;
	return GL_ENOENT;
}

int gl_engine_add_group(struct gl_engine *e, const char *name, const int *fixtures, int count)
{
	if (e->finalized)
		return GL_ESTATE;
	if (gl_engine_group_find(e, name) >= 0)
		return GL_EEXIST;
	for (int i = 0; i < count; i++)
		if (fixtures[i] < 0 || fixtures[i] >= e->fixture_count)
			return GL_EINVAL;
	GROW(e->groups, e->group_count, e->group_cap);
	struct group *g = &e->groups[e->group_count];
	memset(g, 0, sizeof *g);
	copy_name(g->name, name);
	g->members = malloc((size_t)(count ? count : 1) * sizeof *g->members);
	if (!g->members)
		return GL_ENOMEM;
	memcpy(g->members, fixtures, (size_t)count * sizeof *fixtures);
	g->member_count = count;
	g->level = 1.0f;
	return e->group_count++;
}

int gl_engine_group_count(const struct gl_engine *e)
{
	return e->group_count;
}

const char *gl_engine_group_name(const struct gl_engine *e, int group)
{
	return e->groups[group].name;
}

int gl_engine_group_members(const struct gl_engine *e, int group, const int **fixtures)
{
	*fixtures = e->groups[group].members;
	return e->groups[group].member_count;
}

/* ---- cue lists -------------------------------------------------------------- */

void gl_cue_def_init(struct gl_cue_def *def)
{
	memset(def, 0, sizeof *def);
	for (int c = 0; c < GL_CLASS_COUNT; c++) {
		def->class_time[c].fade_s = -1;
		def->class_time[c].delay_s = -1;
	}
	def->curve = GL_CURVE_LINEAR;
	def->continue_mode = GL_CONTINUE_MANUAL;
}

int gl_engine_cuelist_find(const struct gl_engine *e, const char *name)
{
	for (int l = 0; l < e->list_count; l++)
		if (strcmp(e->lists[l].name, name) == 0)
			return l;
	return GL_ENOENT;
}

int gl_engine_add_cuelist(struct gl_engine *e, const char *name, bool loop)
{
	if (e->finalized)
		return GL_ESTATE;
	if (gl_engine_cuelist_find(e, name) >= 0)
		return GL_EEXIST;
	if (e->list_count == GL_MAX_LISTS)
		return GL_EFULL;
	GROW(e->lists, e->list_count, e->list_cap);
	struct cuelist *l = &e->lists[e->list_count];
	memset(l, 0, sizeof *l);
	copy_name(l->name, name);
	l->loop = loop;
	l->active = -1;
	l->standby = -1;
	l->from = -1;
	l->master = 1.0f;
	return e->list_count++;
}

int gl_engine_cuelist_count(const struct gl_engine *e)
{
	return e->list_count;
}

const char *gl_engine_cuelist_name(const struct gl_engine *e, int list)
{
	return e->lists[list].name;
}

static double max_d(double a, double b)
{
	return a > b ? a : b;
}

int gl_engine_add_cue(struct gl_engine *e, int list, const struct gl_cue_def *def)
{
	if (e->finalized)
		return GL_ESTATE;
	if (list < 0 || list >= e->list_count)
		return GL_ENOENT;
	return engine_cue_append(e, &e->lists[list], def);
}

int engine_cue_append(struct gl_engine *e, struct cuelist *l, const struct gl_cue_def *def)
{
	if (!(def->number > 0) || def->fade_in_s < 0 || def->fade_out_s < 0 ||
	    def->delay_in_s < 0 || def->delay_out_s < 0 || def->wait_s < 0 ||
	    def->change_count < 0)
		return GL_EINVAL;
	/* The cues ascend: a binary search finds a number already used (a
	 * scan made a list of n cues cost n^2 to build). */
	for (int lo = 0, hi = l->cue_count - 1; lo <= hi;) {
		int mid = lo + (hi - lo) / 2;
		if (l->cues[mid].def.number == def->number)
			return GL_EEXIST;
		if (l->cues[mid].def.number < def->number)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (l->cue_count > 0 && def->number < l->cues[l->cue_count - 1].def.number)
		return GL_EINVAL;
	for (int i = 0; i < def->change_count; i++) {
		float v = def->changes[i].value;
		if (def->changes[i].param < 0 || def->changes[i].param >= e->param_count ||
		    !(v >= 0.0f && v <= 1.0f))
			return GL_EINVAL;
	}
	GROW(l->cues, l->cue_count, l->cue_cap);
	struct cue *q = &l->cues[l->cue_count];
	memset(q, 0, sizeof *q);
	q->def = *def;
	q->changes = malloc((size_t)(def->change_count ? def->change_count : 1) *
			    sizeof *q->changes);
	if (!q->changes)
		return GL_ENOMEM;
	if (def->change_count)
		memcpy(q->changes, def->changes, (size_t)def->change_count * sizeof *q->changes);
	q->def.changes = q->changes;

	double done = max_d(def->delay_in_s + def->fade_in_s, def->delay_out_s + def->fade_out_s);
	for (int c = GL_CLASS_COLOR; c < GL_CLASS_COUNT; c++) {
		const struct gl_class_time *ct = &def->class_time[c];
		double fade = ct->fade_s >= 0 ? ct->fade_s : def->fade_in_s;
		double delay = ct->delay_s >= 0 ? ct->delay_s : def->delay_in_s;
		done = max_d(done, fade + delay);
	}
	q->done_after_ns = (uint64_t)llround(done * (double)GL_NS_PER_S);
	return l->cue_count++;
}

/* These three read the control thread's view (edit.c): the cues as the
 * events it has read know them. */
int gl_engine_cue_count(const struct gl_engine *e, int list)
{
	int count;
	engine_edit_view(e, &e->lists[list], &count);
	return count;
}

const struct gl_cue_def *gl_engine_cue(const struct gl_engine *e, int list, int cue)
{
	int count;
	return &engine_edit_view(e, &e->lists[list], &count)[cue].def;
}

int gl_engine_cue_find(const struct gl_engine *e, int list, double number)
{
	int count;
	const struct cue *cues = engine_edit_view(e, &e->lists[list], &count);
	for (int c = 0; c < count; c++)
		if (fabs(cues[c].def.number - number) < 1e-9)
			return c;
	return GL_ENOENT;
}

/* ---- faders --------------------------------------------------------------- */

int gl_engine_add_fader(struct gl_engine *e, int number, enum gl_fader_kind kind,
			int target, const char *label, float level)
{
	if (e->finalized)
		return GL_ESTATE;
	for (int i = 0; i < e->fader_count; i++)
		if (e->faders[i].number == number)
			return GL_EEXIST;
	if (kind == GL_FADER_GROUP && (target < 0 || target >= e->group_count))
		return GL_ENOENT;
	if (kind == GL_FADER_CUELIST && (target < 0 || target >= e->list_count))
		return GL_ENOENT;
	if ((kind == GL_FADER_EFFECT_SIZE || kind == GL_FADER_EFFECT_RATE) &&
	    (target < 0 || target >= gl_engine_effect_count(e)))
		return GL_ENOENT;
	if (!(level >= 0.0f && level <= 1.0f))
		return GL_ERANGE;
	GROW(e->faders, e->fader_count, e->fader_cap);
	struct fader *f = &e->faders[e->fader_count];
	memset(f, 0, sizeof *f);
	f->number = number;
	f->kind = kind;
	f->target = target;
	copy_name(f->label, label);
	f->level = level;
	if (kind == GL_FADER_GROUP) {
		e->groups[target].mastered = true;
		e->groups[target].level = level;
	} else if (kind == GL_FADER_CUELIST) {
		e->lists[target].master = level;
	}   /* an effect's fader takes effect at finalize (effects_build.c) */
	e->fader_count++;
	return 0;
}

int gl_engine_fader_count(const struct gl_engine *e)
{
	return e->fader_count;
}

void gl_engine_fader_info(const struct gl_engine *e, int i, int *number,
			  enum gl_fader_kind *kind, int *target, const char **label)
{
	const struct fader *f = &e->faders[i];
	if (number)
		*number = f->number;
	if (kind)
		*kind = f->kind;
	if (target)
		*target = f->target;
	if (label)
		*label = f->label;
}

static bool is_emitter(enum gl_attr a)
{
	switch (a) {
	case GL_ATTR_RED: case GL_ATTR_GREEN: case GL_ATTR_BLUE: case GL_ATTR_WHITE:
	case GL_ATTR_AMBER: case GL_ATTR_UV:
		return true;
	default:
		return false;
	}
}

/* ---- inputs --------------------------------------------------------------- */

int gl_engine_add_input(struct gl_engine *e, int number, int merge_into)
{
	if (e->finalized)
		return GL_ESTATE;
	if (number < GL_UNIVERSE_MIN || number > GL_UNIVERSE_MAX)
		return GL_ERANGE;
	for (int i = 0; i < e->input_count; i++)
		if (e->inputs[i]->number == number)
			return GL_EEXIST;
	int merge = -1;
	if (merge_into) {
		merge = gl_engine_universe_index(e, merge_into);
		if (merge < 0)
			return GL_ENOENT;
	}
	GROW(e->inputs, e->input_count, e->input_cap);
	struct input *in = calloc(1, sizeof *in);
	if (!in)
		return GL_ENOMEM;
	in->number = number;
	in->merge_universe = merge;
	in->merge_number = merge_into;
	gl_tbuf_init(&in->tb, &in->frames[0], &in->frames[1], &in->frames[2]);
	e->inputs[e->input_count] = in;
	return e->input_count++;
}

int gl_engine_input_count(const struct gl_engine *e)
{
	return e->input_count;
}

void gl_engine_input_info(const struct gl_engine *e, int i, int *number, int *merge_into)
{
	*number = e->inputs[i]->number;
	*merge_into = e->inputs[i]->merge_number;
}


/* ---- finalize: the plan ----------------------------------------------------- */

static size_t snapshot_size(const struct gl_engine *e)
{
	return sizeof(struct gl_snapshot) +
	       (size_t)e->list_count * sizeof(struct gl_list_status) +
	       (size_t)e->fader_count * sizeof(float);
}

/* Laying out the plan: run once without a base to measure it, once with
 * the block to place every array. Arrays start on cache lines. */
struct layout {
	char *base;
	size_t size;
	size_t touched;          /* bytes written through at finalize */
};

static void *take(struct layout *p, size_t count, size_t elem)
{
	size_t at = (p->size + 63) & ~(size_t)63;
	p->size = at + count * elem;
	return p->base ? p->base + at : NULL;
}

#define TAKE(p, ptr, count) ((ptr) = take((p), (size_t)(count), sizeof *(ptr)))

struct master_entry {
	int32_t lane, fixture;
};

/* What finalize works out before the plan exists. */
struct shape {
	int32_t *u_lane;         /* universe_count + 1 */
	int32_t *param_lane;     /* param_count */
	uint8_t *lane_cls;       /* lane_count: enum gl_attr_class */
	float *defaults;         /* lane_count */
	uint16_t *dim;           /* universe_count x 512: see gl_engine.dim */
	int32_t *look;           /* per universe: the first universe that looks the same */
	int32_t *look_defaults, *look_dim;  /* per universe: where its blocks go */
	int defaults_count, dim_count;      /* in the plan, after sharing */
	struct master_entry *masters;  /* master_count, by lane */
	int master_run_count;
	int32_t **list_lanes;    /* per list: its params' lanes, ascending */
	int fix_count, seg_count;
};

/* A list's arrays (param_count, value_count, run_count and
 * universe_count known). */
static void lay_out_list(struct cuelist *l, struct layout *p)
{
	size_t n = (size_t)l->param_count;
	TAKE(p, l->p_lane, n);
	TAKE(p, l->p_set, n);
	TAKE(p, l->p_stamp, n);
	TAKE(p, l->tracked, n * (size_t)l->cue_count);
	TAKE(p, l->start, l->value_count);
	TAKE(p, l->target, l->value_count);
	TAKE(p, l->runs, l->run_count);
	TAKE(p, l->universes, l->universe_count);
}

static void lay_out(struct gl_engine *e, const struct shape *sh, struct layout *p)
{
	size_t nu = (size_t)e->universe_count, nl = (size_t)e->lane_count;
	TAKE(p, e->param_lane, e->param_count);
	TAKE(p, e->defaults, sh->defaults_count);
	TAKE(p, e->u_defaults, nu);
	TAKE(p, e->dim, (size_t)sh->dim_count * GL_DMX_SLOTS);
	TAKE(p, e->out, nl);
	TAKE(p, e->lane_cls, nl);
	TAKE(p, e->owner, nl);
	TAKE(p, e->u_lane, nu + 1);
	TAKE(p, e->u_dim, nu);
	TAKE(p, e->u_fix, nu + 1);
	TAKE(p, e->u_master, nu + 1);
	TAKE(p, e->u_seg, nu + 1);
	TAKE(p, e->u_prog, nu);
	TAKE(p, e->u_rendered, nu);
	TAKE(p, e->u_dirty, nu);
	TAKE(p, e->dirty_list, nu);
	TAKE(p, e->dmx, nu * GL_DMX_SLOTS);
	TAKE(p, e->fix, sh->fix_count);
	TAKE(p, e->seg, sh->seg_count);
	TAKE(p, e->master_runs, sh->master_run_count);
	TAKE(p, e->master_fixture, e->master_count);
	TAKE(p, e->master_factor, e->master_count);
	for (int i = 0; i < 3; i++)
		e->snap_buf[i] = take(p, 1, snapshot_size(e));
	for (int li = 0; li < e->list_count; li++)
		lay_out_list(&e->lists[li], p);
	/* Everything above is faulted in at finalize, so the engine thread's
	 * first tick does not take a page fault per page. The programmer's
	 * pool is room for every param but a show uses a few entries of it:
	 * its pages come in as it fills. */
	p->touched = p->size;
	TAKE(p, e->prog, e->param_count);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_master(const void *a, const void *b)
{
	return cmp_i32(&((const struct master_entry *)a)->lane,
		       &((const struct master_entry *)b)->lane);
}

/* Lane blocks: per universe its 512 slot lanes, its virtual intensities,
 * the 1.0 lane, padded. Every param gets its lane. */
static int place_lanes(struct gl_engine *e, struct shape *sh)
{
	for (int i = 0; i < e->fixture_count; i++)
		if (e->fixtures[i].type->virtual_intensity)
			sh->u_lane[e->fixtures[i].universe_index + 1]++;
	int lane = 0;
	for (int u = 0; u < e->universe_count; u++) {
		int vi = sh->u_lane[u + 1];
		sh->u_lane[u] = lane;
		lane += (GL_DMX_SLOTS + vi + 1 + GL_LANE_BLOCK - 1) & ~(GL_LANE_BLOCK - 1);
	}
	sh->u_lane[e->universe_count] = lane;
	e->lane_count = lane;

	size_t nu = (size_t)e->universe_count;
	int *vi_next = calloc(nu + 1, sizeof *vi_next);
	sh->lane_cls = malloc((size_t)(lane ? lane : 1));
	sh->defaults = calloc((size_t)(lane ? lane : 1), sizeof *sh->defaults);
	sh->dim = malloc((nu ? nu : 1) * GL_DMX_SLOTS * sizeof *sh->dim);
	if (!vi_next || !sh->lane_cls || !sh->defaults || !sh->dim) {
		free(vi_next);
		return GL_ENOMEM;
	}
	/* empty lanes: not intensity, so never mastered and never owned */
	memset(sh->lane_cls, GL_CLASS_COLOR, (size_t)lane);
	for (int i = 0; i < e->fixture_count; i++) {
		const struct fixture *f = &e->fixtures[i];
		int base = sh->u_lane[f->universe_index];
		for (int c = 0; c < f->type->channel_count; c++) {
			const struct gl_channel *ch = &f->type->channels[c];
			int k = base + f->address - 1 + ch->offset;
			sh->param_lane[f->first_param + c] = k;
			sh->lane_cls[k] = (uint8_t)gl_attr_class(ch->attr);
			sh->defaults[k] = ch->attr == GL_ATTR_INTENSITY && !ch->fixed ? 0.0f
										      : ch->default_value;
			if (ch->bytes > 1 || ch->inverted)
				sh->fix_count++;
		}
		if (f->type->virtual_intensity) {
			int k = base + GL_DMX_SLOTS + vi_next[f->universe_index]++;
			sh->param_lane[f->intensity_param] = k;
			sh->lane_cls[k] = GL_CLASS_INTENSITY;
		}
		if (f->intensity_param >= 0)
			e->master_count++;
	}
	/* the 1.0 lane of each universe, after its virtual intensities, and
	 * what every slot is multiplied by: that, or a virtual intensity */
	for (size_t u = 0; u < nu; u++) {
		int one = GL_DMX_SLOTS + vi_next[u];
		sh->defaults[sh->u_lane[u] + one] = 1.0f;
		for (int s = 0; s < GL_DMX_SLOTS; s++)
			sh->dim[u * GL_DMX_SLOTS + s] = (uint16_t)one;
	}
	for (int i = 0; i < e->fixture_count; i++) {
		const struct fixture *f = &e->fixtures[i];
		int base = sh->u_lane[f->universe_index];
		if (!f->type->virtual_intensity)
			continue;
		for (int c = 0; c < f->type->channel_count; c++) {
			const struct gl_channel *ch = &f->type->channels[c];
			if (is_emitter(ch->attr) && !ch->fixed)
				sh->dim[(size_t)f->universe_index * GL_DMX_SLOTS + f->address - 1 +
					ch->offset] =
					(uint16_t)(sh->param_lane[f->intensity_param] - base);
		}
	}
	free(vi_next);

	/* every fixture's intensity is mastered: by lane, and counted in runs
	 * of consecutive lanes of one universe */
	sh->masters = malloc((size_t)(e->master_count ? e->master_count : 1) * sizeof *sh->masters);
	if (!sh->masters)
		return GL_ENOMEM;
	int mc = 0;
	for (int i = 0; i < e->fixture_count; i++)
		if (e->fixtures[i].intensity_param >= 0)
			sh->masters[mc++] = (struct master_entry){
				sh->param_lane[e->fixtures[i].intensity_param], i };
	qsort(sh->masters, (size_t)mc, sizeof *sh->masters, cmp_master);
	for (int i = 0; i < mc; i++)
		if (i == 0 || sh->masters[i].lane != sh->masters[i - 1].lane + 1 ||
		    engine_lane_universe(sh->u_lane, e->universe_count, sh->masters[i].lane) !=
		    engine_lane_universe(sh->u_lane, e->universe_count, sh->masters[i - 1].lane))
			sh->master_run_count++;
	return 0;
}


/* The end of the stretch of params from i on that share one class. */
static int same_class_end(const struct shape *sh, const int32_t *lanes, int i, int end)
{
	int j = i + 1;
	while (j < end && sh->lane_cls[lanes[j]] == sh->lane_cls[lanes[i]])
		j++;
	return j;
}

/* One run: params [r0, r1) of a base run starting at param b (whose first
 * value index is value). Its kind is the class all its params share, or
 * RUN_MIXED. */
static void add_run(struct cuelist *l, const struct shape *sh, const int32_t *lanes,
		    int b, int value, int r0, int r1, int *runs)
{
	if (l->runs) {
		uint8_t kind = sh->lane_cls[lanes[r0]];
		for (int i = r0; i < r1; i++) {
			if (sh->lane_cls[lanes[i]] != kind)
				kind = RUN_MIXED;
			l->p_lane[i] = lanes[i];
		}
		l->runs[*runs] = (struct list_run){ lanes[r0], value + lanes[r0] - lanes[b],
						    lanes[r1 - 1] - lanes[r0] + 1, r1 - r0, kind,
						    false };
	}
	(*runs)++;
}

/* A list's runs: its params by lane, consecutive lanes together (a gap of
 * up to GL_RUN_GAP lanes merged through, never across universes), then
 * cut where a long stretch of one class begins or ends, so most lanes are
 * merged by a loop for one class. Also the universes they touch. Counts
 * only while l->runs is NULL. */
static void list_runs(struct gl_engine *e, const struct shape *sh, struct cuelist *l,
		      const int32_t *lanes)
{
	int n = l->param_count, runs = 0, unis = 0, value = 0, prev_u = -1;
	for (int i = 0; i < n;) {
		int u = engine_lane_universe(sh->u_lane, e->universe_count, lanes[i]);
		int j = i + 1;
		while (j < n && lanes[j] - lanes[j - 1] - 1 <= GL_RUN_GAP && lanes[j] < sh->u_lane[u + 1])
			j++;
		if (u != prev_u) {
			if (l->universes)
				l->universes[unis] = u;
			unis++;
			prev_u = u;
		}
		for (int a = i; a < j;) {
			int b = same_class_end(sh, lanes, a, j);
			if (b - a < GL_RUN_UNIFORM) {
				/* short stretches together, up to the next long one */
				while (b < j) {
					int c = same_class_end(sh, lanes, b, j);
					if (c - b >= GL_RUN_UNIFORM)
						break;
					b = c;
				}
			}
			add_run(l, sh, lanes, i, value, a, b, &runs);
			a = b;
		}
		value += lanes[j - 1] - lanes[i] + 1;
		i = j;
	}
	l->run_count = runs;
	l->value_count = value;
	l->universe_count = unis;
}

/* Every param any cue of the list changes, as lanes in ascending order
 * (lane_map: lane_count entries of -1, left so). NULL when out of memory. */
static int32_t *list_lanes(struct gl_engine *e, const struct shape *sh, struct cuelist *l,
			   int32_t *lane_map)
{
	int n = 0, cap = 0;
	for (int c = 0; c < l->cue_count; c++)
		cap += l->cues[c].def.change_count;
	int32_t *lanes = malloc((size_t)(cap ? cap : 1) * sizeof *lanes);
	if (!lanes)
		return NULL;
	for (int c = 0; c < l->cue_count; c++)
		for (int i = 0; i < l->cues[c].def.change_count; i++) {
			int k = sh->param_lane[l->cues[c].changes[i].param];
			if (lane_map[k] < 0) {
				lane_map[k] = 0;
				lanes[n++] = k;
			}
		}
	for (int i = 0; i < n; i++)
		lane_map[lanes[i]] = -1;
	qsort(lanes, (size_t)n, sizeof *lanes, cmp_i32);
	l->param_count = n;
	return lanes;
}

/* Tracking: row c holds every param's value after cue c (NaN: not set). */
static void list_tracking(const struct gl_engine *e, struct cuelist *l, int32_t *lane_map)
{
	int n = l->param_count;
	for (int i = 0; i < n; i++)
		lane_map[l->p_lane[i]] = i;
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
			row[lane_map[e->param_lane[ch->param]]] = ch->value;
		}
	}
	for (int i = 0; i < n; i++)
		lane_map[l->p_lane[i]] = -1;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Universes patched alike (a rig of identical bars, say) share one block
 * of defaults and one of dimmers: the tick streams through a few kilobytes
 * instead of one copy per universe. */
static int share_looks(const struct gl_engine *e, struct shape *sh)
{
	size_t nu = (size_t)e->universe_count, cap = 16;
	while (cap < 2 * nu)
		cap *= 2;
	int32_t *table = malloc(cap * sizeof *table);
	uint64_t *hash = malloc((nu ? nu : 1) * sizeof *hash);
	sh->look = malloc((nu ? nu : 1) * sizeof *sh->look);
	sh->look_defaults = malloc((nu ? nu : 1) * sizeof *sh->look_defaults);
	sh->look_dim = malloc((nu ? nu : 1) * sizeof *sh->look_dim);
	if (!table || !hash || !sh->look || !sh->look_defaults || !sh->look_dim) {
		free(table);
		free(hash);
		return GL_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		table[i] = -1;
	for (size_t u = 0; u < nu; u++) {
		int first = sh->u_lane[u], count = sh->u_lane[u + 1] - first;
		const float *def = sh->defaults + first;
		const uint16_t *dim = sh->dim + u * GL_DMX_SLOTS;
		hash[u] = fnv1a(fnv1a(0xcbf29ce484222325ull, def, (size_t)count * sizeof *def), dim,
				GL_DMX_SLOTS * sizeof *dim);
		size_t at = hash[u] & (cap - 1);
		sh->look[u] = (int32_t)u;
		for (; table[at] >= 0; at = (at + 1) & (cap - 1)) {
			int v = table[at], vfirst = sh->u_lane[v];
			if (hash[v] == hash[u] && sh->u_lane[v + 1] - vfirst == count &&
			    memcmp(sh->defaults + vfirst, def, (size_t)count * sizeof *def) == 0 &&
			    memcmp(sh->dim + (size_t)v * GL_DMX_SLOTS, dim,
				   GL_DMX_SLOTS * sizeof *dim) == 0) {
				sh->look[u] = v;
				break;
			}
		}
		if (sh->look[u] == (int32_t)u) {
			table[at] = (int32_t)u;
			sh->look_defaults[u] = sh->defaults_count;
			sh->look_dim[u] = sh->dim_count * GL_DMX_SLOTS;
			sh->defaults_count += count;
			sh->dim_count++;
		} else {
			sh->look_defaults[u] = sh->look_defaults[sh->look[u]];
			sh->look_dim[u] = sh->look_dim[sh->look[u]];
		}
	}
	free(table);
	free(hash);
	return 0;
}

/* Fills the per-lane and per-universe arrays of a laid-out plan. */
static int fill_plan(struct gl_engine *e, const struct shape *sh)
{
	int nu = e->universe_count;
	memcpy(e->param_lane, sh->param_lane, (size_t)e->param_count * sizeof *e->param_lane);
	memcpy(e->u_lane, sh->u_lane, ((size_t)nu + 1) * sizeof *e->u_lane);
	memcpy(e->lane_cls, sh->lane_cls, (size_t)e->lane_count);
	for (int u = 0; u < nu; u++) {
		int first = sh->u_lane[u], count = sh->u_lane[u + 1] - first;
		e->u_defaults[u] = sh->look_defaults[u];
		e->u_dim[u] = sh->look_dim[u];
		if (sh->look[u] == u) {   /* the first of its look: its blocks */
			memcpy(e->defaults + e->u_defaults[u], sh->defaults + first,
			       (size_t)count * sizeof *e->defaults);
			memcpy(e->dim + e->u_dim[u], sh->dim + (size_t)u * GL_DMX_SLOTS,
			       GL_DMX_SLOTS * sizeof *e->dim);
		}
		memcpy(e->out + first, sh->defaults + first, (size_t)count * sizeof *e->out);
	}
	for (int i = 0; i < e->fixture_count; i++) {
		const struct fixture *f = &e->fixtures[i];
		for (int c = 0; c < f->type->channel_count; c++)
			if (f->type->channels[c].bytes > 1 || f->type->channels[c].inverted)
				e->u_fix[f->universe_index + 1]++;   /* placed below */
	}

	/* fixups, grouped by universe */
	for (int u = 0; u < nu; u++)
		e->u_fix[u + 1] += e->u_fix[u];
	int *at = calloc((size_t)nu + 1, sizeof *at);
	if (!at)
		return GL_ENOMEM;
	memcpy(at, e->u_fix, (size_t)nu * sizeof *at);
	for (int i = 0; i < e->fixture_count; i++) {
		const struct fixture *f = &e->fixtures[i];
		int dmx_base = f->universe_index * GL_DMX_SLOTS + f->address - 1;
		for (int c = 0; c < f->type->channel_count; c++) {
			const struct gl_channel *ch = &f->type->channels[c];
			if (ch->bytes == 1 && !ch->inverted)
				continue;
			bool dimmed = f->type->virtual_intensity && is_emitter(ch->attr) && !ch->fixed;
			e->fix[at[f->universe_index]++] = (struct render_fixup){
				.lane = e->param_lane[f->first_param + c],
				.dim_lane = dimmed ? e->param_lane[f->intensity_param] : -1,
				.slot = dmx_base + ch->offset,
				.fine = ch->bytes > 1 ? dmx_base + gl_channel_slot(ch, 1) : -1,
				.ultra = ch->bytes > 2 ? dmx_base + gl_channel_slot(ch, 2) : -1,
				.bytes = ch->bytes,
				.invert = ch->inverted,
			};
		}
	}
	free(at);

	/* masters: runs of consecutive intensity lanes, by universe */
	for (int i = 0; i < e->master_count; i++) {
		e->master_fixture[i] = sh->masters[i].fixture;
		e->master_factor[i] = 1.0f;
	}
	for (int i = 0, r = 0; i < e->master_count; r++) {
		int j = i + 1;
		while (j < e->master_count && sh->masters[j].lane == sh->masters[j - 1].lane + 1 &&
		       sh->masters[j].lane < e->u_lane[engine_lane_universe(e->u_lane, nu,
									 sh->masters[i].lane) + 1])
			j++;
		e->master_runs[r] = (struct master_run){ sh->masters[i].lane, i, j - i, true, 1.0f };
		e->u_master[engine_lane_universe(e->u_lane, nu, sh->masters[i].lane) + 1]++;
		i = j;
	}
	for (int u = 0; u < nu; u++)
		e->u_master[u + 1] += e->u_master[u];
	return 0;
}

int engine_segments(const struct gl_engine *e, int replaced, const struct cuelist *as,
		    int32_t *u_seg, struct list_seg *seg)
{
	int nu = e->universe_count, count = 0;
	for (int li = 0; li < e->list_count; li++) {
		const struct cuelist *l = li == replaced ? as : &e->lists[li];
		count += l->universe_count;
		for (int i = 0; seg && i < l->universe_count; i++)
			u_seg[l->universes[i] + 1]++;
	}
	if (!seg)
		return count;
	for (int u = 0; u < nu; u++)
		u_seg[u + 1] += u_seg[u];
	for (int li = 0; li < e->list_count; li++) {
		const struct cuelist *l = li == replaced ? as : &e->lists[li];
		int r = 0;
		for (int i = 0; i < l->universe_count; i++) {
			int u = l->universes[i], first = r;
			while (r < l->run_count &&
			       engine_lane_universe(e->u_lane, nu, l->runs[r].lane) == u)
				r++;
			/* u_seg[u]: where u's next segment goes, for now */
			seg[u_seg[u]++] = (struct list_seg){ (uint16_t)li, first, r };
		}
	}
	/* each u_seg[u] now stands where u + 1's segments start: back one */
	for (int u = nu; u > 0; u--)
		u_seg[u] = u_seg[u - 1];
	u_seg[0] = 0;
	return count;
}

static void free_shape(struct gl_engine *e, struct shape *sh)
{
	free(sh->u_lane);
	free(sh->param_lane);
	free(sh->lane_cls);
	free(sh->defaults);
	free(sh->dim);
	free(sh->look);
	free(sh->look_defaults);
	free(sh->look_dim);
	free(sh->masters);
	if (sh->list_lanes)
		for (int li = 0; li < e->list_count; li++)
			free(sh->list_lanes[li]);
	free(sh->list_lanes);
}

int gl_engine_finalize(struct gl_engine *e)
{
	if (e->finalized)
		return GL_ESTATE;
	struct shape sh = { 0 };
	int32_t *lane_map = NULL;
	int rc = GL_ENOMEM;
	sh.u_lane = calloc((size_t)e->universe_count + 1, sizeof *sh.u_lane);
	sh.param_lane = malloc((size_t)(e->param_count ? e->param_count : 1) * sizeof *sh.param_lane);
	sh.list_lanes = calloc((size_t)(e->list_count ? e->list_count : 1), sizeof *sh.list_lanes);
	if (!sh.u_lane || !sh.param_lane || !sh.list_lanes)
		goto out;
	e->master_count = 0;
	if (place_lanes(e, &sh) != 0 || share_looks(e, &sh) != 0)
		goto out;
	lane_map = malloc((size_t)(e->lane_count ? e->lane_count : 1) * sizeof *lane_map);
	if (!lane_map)
		goto out;
	for (int k = 0; k < e->lane_count; k++)
		lane_map[k] = -1;
	for (int li = 0; li < e->list_count; li++) {
		struct cuelist *l = &e->lists[li];
		if (!(sh.list_lanes[li] = list_lanes(e, &sh, l, lane_map)))
			goto out;
		list_runs(e, &sh, l, sh.list_lanes[li]);   /* counts */
		sh.seg_count += l->universe_count;
	}

	struct layout p = { 0 };
	lay_out(e, &sh, &p);
	e->plan = calloc(1, p.size + 64);
	if (!e->plan)
		goto out;
	p.base = (char *)(((uintptr_t)e->plan + 63) & ~(uintptr_t)63);
	p.size = 0;
	lay_out(e, &sh, &p);
	for (size_t at = 0; at < p.touched; at += 4096)
		((volatile char *)p.base)[at] = 0;     /* fault it in (see lay_out) */
	if ((rc = fill_plan(e, &sh)) != 0)
		goto out;
	for (int li = 0; li < e->list_count; li++) {
		struct cuelist *l = &e->lists[li];
		list_runs(e, &sh, l, sh.list_lanes[li]);   /* fills */
		list_tracking(e, l, lane_map);
		l->built_count = l->cue_count;
		l->view = l->cues;
		atomic_store_explicit(&l->view_count, l->cue_count, memory_order_relaxed);
	}
	engine_segments(e, -1, NULL, e->u_seg, e->seg);
	if ((rc = engine_fx_finalize(e)) != 0)
		goto out;
	gl_tbuf_init(&e->snap_tb, e->snap_buf[0], e->snap_buf[1], e->snap_buf[2]);
	e->snap_size = snapshot_size(e);
	for (int u = 0; u < e->universe_count; u++) {
		e->u_dirty[u] = 1;    /* the first tick renders everything */
		e->dirty_list[e->dirty_count++] = u;
	}
	e->masters_dirty = true;
	e->finalized = true;
	free_slot_owners(e);
	rc = 0;
out:
	free(lane_map);
	free_shape(e, &sh);
	if (rc && e->plan) {
		free(e->plan);
		e->plan = NULL;
	}
	return rc;
}

int engine_list_plan(struct gl_engine *e, struct cuelist *l)
{
	/* the plan's lanes stand in for what finalize worked out */
	struct shape sh = { .u_lane = e->u_lane, .param_lane = e->param_lane,
			    .lane_cls = e->lane_cls };
	int32_t *lane_map = malloc((size_t)(e->lane_count ? e->lane_count : 1) * sizeof *lane_map);
	int32_t *lanes = NULL;
	void *block = NULL;
	if (lane_map) {
		for (int k = 0; k < e->lane_count; k++)
			lane_map[k] = -1;
		lanes = list_lanes(e, &sh, l, lane_map);
	}
	if (lanes) {
		l->runs = NULL;
		l->universes = NULL;
		list_runs(e, &sh, l, lanes);   /* counts */
		struct layout p = { 0 };
		lay_out_list(l, &p);
		block = calloc(1, p.size + 64);
		if (block) {
			p.base = (char *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
			p.size = 0;
			lay_out_list(l, &p);
			list_runs(e, &sh, l, lanes);   /* fills */
			list_tracking(e, l, lane_map);
		}
	}
	free(lanes);
	free(lane_map);
	l->edit_block = block;
	return block ? 0 : GL_ENOMEM;
}
