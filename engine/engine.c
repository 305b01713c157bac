/*
 * engine.c - building a show into the engine, the tick (commands, fades,
 * merge, masters, render, publish), the engine thread and the ways out
 * (frame taps, snapshot, events).
 *
 * Building functions run on the loading thread before gl_engine_finalize().
 * gl_engine_tick() runs on the engine thread only: it touches arrays sized at
 * finalize, takes no lock and allocates nothing. The merge is HTP for
 * intensity (highest of the cue lists, each scaled by its master) and LTP
 * for everything else (the list whose GO changed the param last wins; a
 * param no list holds shows its default).
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "engine_internal.h"

#define GROW(arr, count, cap)                                                   \
	do {                                                                    \
		if ((count) == (cap)) {                                         \
			int ncap_ = (cap) ? (cap) * 2 : 8;                      \
			void *n_ = realloc((arr), (size_t)ncap_ * sizeof *(arr)); \
			if (!n_)                                                \
				return GL_ENOMEM;                               \
			(arr) = n_;                                             \
			(cap) = ncap_;                                          \
		}                                                               \
	} while (0)

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, GL_NAME_MAX, "%s", src ? src : "");
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

void gl_engine_destroy(struct gl_engine *e)
{
	if (!e)
		return;
	gl_engine_stop(e);
	for (int u = 0; u < e->universe_count; u++)
		free(e->slot_owner[u]);
	free(e->slot_owner);
	free(e->universes);
	free(e->fixtures);
	for (int i = 0; i < e->type_count; i++)
		free(e->types[i]);
	free(e->types);
	for (int g = 0; g < e->group_count; g++)
		free(e->groups[g].members);
	free(e->groups);
	for (int l = 0; l < e->list_count; l++) {
		struct cuelist *cl = &e->lists[l];
		for (int c = 0; c < cl->cue_count; c++)
			free(cl->cues[c].changes);
		free(cl->cues);
		free(cl->lp);
		free(cl->tracked);
	}
	engine_edit_free_all(e);
	free(e->lists);
	free(e->faders);
	for (int i = 0; i < e->input_count; i++)
		free(e->inputs[i]);
	free(e->inputs);
	free(e->defaults);
	free(e->out);
	free(e->out_stamp);
	free(e->param_cls);
	free(e->param_slot);
	free(e->param_bytes);
	free(e->param_fine);
	free(e->param_ultra);
	free(e->param_invert);
	free(e->param_dim);
	free(e->master_param);
	free(e->prog_param);
	free(e->prog_value);
	free(e->prog_slot);
	free(e->master_factor);
	free(e->dmx);
	for (int t = 0; t < e->tap_count; t++) {
		for (int i = 0; i < 3; i++)
			free(e->taps[t]->frames[i].dmx);
		close(e->taps[t]->ready_fd);
		free(e->taps[t]);
	}
	for (int i = 0; i < 3; i++)
		free(e->snap_buf[i]);
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
	GROW(e->fixtures, e->fixture_count, e->fixture_cap);
	int id = e->fixture_count;
	struct fixture *f = &e->fixtures[id];
	memset(f, 0, sizeof *f);
	copy_name(f->label, label);
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
	GROW(e->lists, e->list_count, e->list_cap);
	struct cuelist *l = &e->lists[e->list_count];
	memset(l, 0, sizeof *l);
	copy_name(l->name, name);
	l->loop = loop;
	l->active = -1;
	l->standby = -1;
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
	} else {
		e->lists[target].master = level;
	}
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

int gl_tap_input(struct gl_frame_tap *tap, int number, const uint8_t *slots, int count)
{
	struct gl_engine *e = tap->engine;
	for (int i = 0; i < e->input_count; i++) {
		struct input *in = e->inputs[i];
		if (in->number != number)
			continue;
		/* one writer per triple buffer: the first tap to write owns it
		 * (two devices feeding one input universe is a show mistake) */
		struct gl_frame_tap *owner = NULL;
		if (!atomic_compare_exchange_strong(&in->writer, &owner, tap) && owner != tap)
			return GL_EEXIST;
		struct input_frame *f = gl_tbuf_back(&in->tb);
		f->count = count < 0 ? 0 : count > GL_DMX_SLOTS ? GL_DMX_SLOTS : count;
		if (f->count)
			memcpy(f->slots, slots, (size_t)f->count);
		gl_tbuf_publish(&in->tb);
		return 0;
	}
	return GL_ENOENT;
}

/* Takes each input's newest frame; true when one changed. */
static bool read_inputs(struct gl_engine *e)
{
	bool changed = false;
	for (int i = 0; i < e->input_count; i++) {
		const struct input_frame *f = gl_tbuf_read(&e->inputs[i]->tb);
		if (f) {
			e->inputs[i]->cur = f;
			changed = true;
		}
	}
	return changed;
}

/* HTP of the inputs over the rendered universes they merge into. Slots no
 * fixture uses are cleared first: render never writes them, and an input
 * that went away must not leave its values there. */
static void merge_inputs(struct gl_engine *e)
{
	for (int i = 0; i < e->input_count; i++) {
		const struct input *in = e->inputs[i];
		if (in->merge_universe < 0)
			continue;
		uint8_t *dmx = e->dmx + (size_t)in->merge_universe * GL_DMX_SLOTS;
		const int *owner = e->slot_owner[in->merge_universe];
		for (int s = 0; s < GL_DMX_SLOTS; s++)
			if (owner[s] < 0)
				dmx[s] = 0;
	}
	for (int i = 0; i < e->input_count; i++) {
		const struct input *in = e->inputs[i];
		if (in->merge_universe < 0 || !in->cur)
			continue;
		uint8_t *dmx = e->dmx + (size_t)in->merge_universe * GL_DMX_SLOTS;
		for (int s = 0; s < in->cur->count; s++)
			if (in->cur->slots[s] > dmx[s])
				dmx[s] = in->cur->slots[s];
	}
}

/* ---- finalize ------------------------------------------------------------- */

static size_t snapshot_size(const struct gl_engine *e)
{
	return sizeof(struct gl_snapshot) +
	       (size_t)e->list_count * sizeof(struct gl_list_status) +
	       (size_t)e->fader_count * sizeof(float);
}

int gl_engine_finalize(struct gl_engine *e)
{
	if (e->finalized)
		return GL_ESTATE;
	size_t np = (size_t)(e->param_count ? e->param_count : 1);
	e->defaults = calloc(np, sizeof *e->defaults);
	e->out = calloc(np, sizeof *e->out);
	e->out_stamp = calloc(np, sizeof *e->out_stamp);
	e->param_cls = calloc(np, sizeof *e->param_cls);
	e->param_slot = calloc(np, sizeof *e->param_slot);
	e->param_bytes = calloc(np, sizeof *e->param_bytes);
	e->param_fine = calloc(np, sizeof *e->param_fine);
	e->param_ultra = calloc(np, sizeof *e->param_ultra);
	e->param_invert = calloc(np, sizeof *e->param_invert);
	e->param_dim = calloc(np, sizeof *e->param_dim);
	size_t nf = (size_t)(e->fixture_count ? e->fixture_count : 1);
	e->master_param = calloc(nf, sizeof *e->master_param);
	e->master_factor = calloc(nf, sizeof *e->master_factor);
	e->prog_param = calloc(np, sizeof *e->prog_param);
	e->prog_value = calloc(np, sizeof *e->prog_value);
	e->prog_slot = malloc(np * sizeof *e->prog_slot);
	e->dmx = calloc((size_t)(e->universe_count ? e->universe_count : 1), GL_DMX_SLOTS);
	int *param_map = malloc(np * sizeof *param_map);
	if (!e->defaults || !e->out || !e->out_stamp || !e->param_cls || !e->param_slot ||
	    !e->param_bytes || !e->param_fine || !e->param_ultra || !e->param_invert ||
	    !e->param_dim || !e->master_param || !e->master_factor ||
	    !e->prog_param || !e->prog_value || !e->prog_slot ||
	    !e->dmx || !param_map) {
		free(param_map);
		return GL_ENOMEM;
	}
	for (int i = 0; i < e->fixture_count; i++) {
		const struct fixture *f = &e->fixtures[i];
		int base = f->universe_index * GL_DMX_SLOTS + f->address - 1;
		for (int c = 0; c < f->type->channel_count; c++) {
			const struct gl_channel *ch = &f->type->channels[c];
			int p = f->first_param + c;
			e->defaults[p] = ch->attr == GL_ATTR_INTENSITY && !ch->fixed ? 0.0f
										     : ch->default_value;
			e->param_cls[p] = (uint8_t)gl_attr_class(ch->attr);
			e->param_slot[p] = base + ch->offset;
			e->param_fine[p] = ch->bytes > 1 ? base + gl_channel_slot(ch, 1) : -1;
			e->param_ultra[p] = ch->bytes > 2 ? base + gl_channel_slot(ch, 2) : -1;
			e->param_bytes[p] = ch->bytes;
			e->param_invert[p] = ch->inverted;
			e->param_dim[p] = f->type->virtual_intensity && is_emitter(ch->attr) &&
						  !ch->fixed ? f->intensity_param : -1;
		}
		if (f->intensity_param >= 0) {
			e->master_param[e->master_count] = f->intensity_param;
			e->master_factor[e->master_count++] = 1.0f;
		}
		if (f->type->virtual_intensity) {
			int p = f->intensity_param;
			e->defaults[p] = 0.0f;
			e->param_cls[p] = GL_CLASS_INTENSITY;
			e->param_slot[p] = -1;
			e->param_bytes[p] = 0;
			e->param_fine[p] = e->param_ultra[p] = -1;
			e->param_dim[p] = -1;
		}
	}
	memcpy(e->out, e->defaults, np * sizeof *e->out);
	for (size_t p = 0; p < np; p++) {
		param_map[p] = -1;
		e->prog_slot[p] = -1;
	}
	for (int l = 0; l < e->list_count; l++) {
		struct cuelist *cl = &e->lists[l];
		int rc = cuelist_build(e, cl, param_map);
		if (rc) {
			free(param_map);
			return rc;
		}
		cl->view = cl->cues;
		atomic_store(&cl->view_count, cl->cue_count);
		cl->view_lp = cl->lp;
		cl->view_param_count = cl->param_count;
	}
	free(param_map);
	for (int i = 0; i < 3; i++) {
		e->snap_buf[i] = calloc(1, snapshot_size(e));
		if (!e->snap_buf[i])
			return GL_ENOMEM;
	}
	gl_tbuf_init(&e->snap_tb, e->snap_buf[0], e->snap_buf[1], e->snap_buf[2]);
	e->masters_dirty = true;
	e->outputs_dirty = true;
	e->finalized = true;
	return 0;
}

/* ---- commands and events ------------------------------------------------------ */

int gl_engine_command(struct gl_engine *e, const struct gl_cmd *cmd)
{
	switch (cmd->type) {
	case GL_CMD_GO:
	case GL_CMD_BACK:
	case GL_CMD_LIST_MASTER:
		if (cmd->list < 0 || cmd->list >= e->list_count)
			return GL_EINVAL;
		break;
	case GL_CMD_GOTO:
	case GL_CMD_STANDBY:
		if (cmd->list < 0 || cmd->list >= e->list_count ||
		    cmd->index < (cmd->type == GL_CMD_STANDBY ? -1 : 0) ||
		    cmd->index >= atomic_load_explicit(&e->lists[cmd->list].view_count,
						       memory_order_relaxed))
			return GL_EINVAL;
		break;
	case GL_CMD_STOP:
	case GL_CMD_PAUSE:
	case GL_CMD_RESUME:
		if (cmd->list >= e->list_count)
			return GL_EINVAL;
		break;
	case GL_CMD_FADER: {
		bool found = false;
		for (int i = 0; i < e->fader_count; i++)
			found |= e->faders[i].number == cmd->index;
		if (!found)
			return GL_EINVAL;
		break;
	}
	case GL_CMD_GRAND_MASTER:
	case GL_CMD_BLACKOUT:
		break;
	case GL_CMD_SET_PARAM:
		if (cmd->index < 0 || cmd->index >= e->param_count)
			return GL_EINVAL;
		if (!(cmd->value >= 0.0f && cmd->value <= 1.0f))
			return GL_ERANGE;
		break;
	case GL_CMD_CLEAR_PARAM:
		if (cmd->index >= e->param_count)
			return GL_EINVAL;
		break;
	default:
		return GL_EINVAL;
	}
	if ((cmd->type == GL_CMD_FADER || cmd->type == GL_CMD_LIST_MASTER ||
	     cmd->type == GL_CMD_GRAND_MASTER) &&
	    !(cmd->value >= 0.0f && cmd->value <= 1.0f))
		return GL_ERANGE;
	if (!gl_mpsc_push(&e->commands, cmd)) {
		atomic_fetch_add_explicit(&e->commands_dropped, 1, memory_order_relaxed);
		return GL_EFULL;
	}
	return 0;
}

void engine_emit(struct gl_engine *e, enum gl_event_type type, int list, int cue,
		 int index, uint64_t time_ns)
{
	struct gl_event ev = { type, list, cue, index, time_ns };
	if (!gl_spsc_push(&e->events, &ev)) {
		e->events_dropped++;
		return;
	}
	/* wakes the control thread; a non-blocking eventfd never waits (and
	 * events are rare: cues firing and completing) */
	uint64_t one = 1;
	ssize_t rc = write(e->event_fd, &one, sizeof one);
	(void)rc;
}

int gl_engine_event_fd(const struct gl_engine *e)
{
	return e->event_fd;
}

bool gl_engine_next_event(struct gl_engine *e, struct gl_event *ev)
{
	if (!gl_spsc_pop(&e->events, ev))
		return false;
	if (ev->type == GL_EV_CUES_REPLACED)
		engine_edit_acked(e, ev->list);
	return true;
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
		/* checked against the view: the list may have been edited since */
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
			} else {
				e->lists[f->target].master = c->value;
			}
		}
		break;
	case GL_CMD_LIST_MASTER:
		l->master = c->value;
		for (int i = 0; i < e->fader_count; i++)
			if (e->faders[i].kind == GL_FADER_CUELIST && e->faders[i].target == c->list)
				e->faders[i].level = c->value;
		break;
	case GL_CMD_GRAND_MASTER:
		e->grand_master = c->value;
		break;
	case GL_CMD_BLACKOUT:
		e->blackout = c->index != 0;
		break;
	case GL_CMD_SET_PARAM:
		if (e->prog_slot[c->index] < 0) {
			e->prog_slot[c->index] = e->prog_count;
			e->prog_param[e->prog_count++] = c->index;
		}
		e->prog_value[e->prog_slot[c->index]] = c->value;
		break;
	case GL_CMD_CLEAR_PARAM:
		if (c->index < 0) {
			for (int i = 0; i < e->prog_count; i++)
				e->prog_slot[e->prog_param[i]] = -1;
			e->prog_count = 0;
		} else if (e->prog_slot[c->index] >= 0) {
			/* move the last entry into the hole */
			int at = e->prog_slot[c->index], last = e->prog_count - 1;
			e->prog_param[at] = e->prog_param[last];
			e->prog_value[at] = e->prog_value[last];
			e->prog_slot[e->prog_param[at]] = at;
			e->prog_slot[c->index] = -1;
			e->prog_count--;
		}
		break;
	}
}

/* ---- the tick ------------------------------------------------------------------ */

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
	int k = 0;
	for (int i = 0; i < e->fixture_count; i++)
		if (e->fixtures[i].intensity_param >= 0)
			e->master_factor[k++] = e->fixtures[i].master;
	e->masters_dirty = false;
}

/* Returns true when some list's values still change with time. */
static bool merge(struct gl_engine *e, uint64_t now_ns)
{
	bool moving = false;
	memcpy(e->out, e->defaults, (size_t)e->param_count * sizeof *e->out);
	memset(e->out_stamp, 0, (size_t)e->param_count * sizeof *e->out_stamp);
	for (int l = 0; l < e->list_count; l++)
		moving |= cuelist_merge(e, &e->lists[l], now_ns);
	for (int i = 0; i < e->prog_count; i++)
		e->out[e->prog_param[i]] = e->prog_value[i];
	float global = e->blackout ? 0.0f : e->grand_master;
	float *out = e->out;
	for (int i = 0; i < e->master_count; i++)
		out[e->master_param[i]] *= e->master_factor[i] * global;
	return moving;
}

/* Every param to its slots, through the plan made at finalize: one linear
 * pass, no per-fixture type lookups. */
static void render(struct gl_engine *e)
{
	const float *out = e->out;
	uint8_t *dmx = e->dmx;
	for (int p = 0; p < e->param_count; p++) {
		int slot = e->param_slot[p];
		if (slot < 0)
			continue;
		float x = out[p];
		if (e->param_dim[p] >= 0)
			x *= out[e->param_dim[p]];
		x = x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x;
		if (e->param_invert[p])
			x = 1.0f - x;
		/* round half up by hand: lrint() is a libm call per slot */
		switch (e->param_bytes[p]) {
		case 1:
			dmx[slot] = (uint8_t)(x * 255.0f + 0.5f);
			break;
		case 2: {
			uint32_t w = (uint32_t)((double)x * 65535.0 + 0.5);
			dmx[slot] = (uint8_t)(w >> 8);
			dmx[e->param_fine[p]] = (uint8_t)(w & 0xff);
			break;
		}
		default: {
			uint32_t w = (uint32_t)((double)x * 16777215.0 + 0.5);
			dmx[slot] = (uint8_t)(w >> 16);
			dmx[e->param_fine[p]] = (uint8_t)((w >> 8) & 0xff);
			dmx[e->param_ultra[p]] = (uint8_t)(w & 0xff);
			break;
		}
		}
	}
}

static void publish(struct gl_engine *e, uint64_t now_ns)
{
	size_t bytes = (size_t)e->universe_count * GL_DMX_SLOTS;
	for (int t = 0; t < e->tap_count; t++) {
		struct gl_frame_tap *tap = e->taps[t];
		struct gl_frame *fr = gl_tbuf_back(&tap->tb);
		fr->tick = e->tick_count;
		fr->time_ns = now_ns;
		fr->send_at_ns = now_ns + e->output_delay_ns;
		fr->period_ns = e->period_ns;
		memcpy(fr->dmx, e->dmx, bytes);
		gl_tbuf_publish(&tap->tb);
		/* non-blocking eventfd: never waits; a full counter is
		 * impossible in practice and harmless */
		uint64_t one = 1;
		ssize_t rc = write(tap->ready_fd, &one, sizeof one);
		(void)rc;
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
	gl_tbuf_publish(&e->snap_tb);
	atomic_store_explicit(&e->snap_ready, true, memory_order_release);
}

void gl_engine_tick(struct gl_engine *e, uint64_t now_ns)
{
	struct gl_cmd cmd;
	engine_edit_apply(e);
	/* Bounded drain: a flood of commands cannot stretch one tick. */
	for (int i = 0; i < 256 && gl_mpsc_pop(&e->commands, &cmd); i++) {
		run_command(e, &cmd, now_ns);
		e->outputs_dirty = true;
	}
	for (int l = 0; l < e->list_count; l++)
		cuelist_step(e, &e->lists[l], now_ns);
	if (e->masters_dirty)
		update_masters(e);
	/* Settled (every fade over, nothing new): the frame is the last one;
	 * progress stands at 1, or frozen by a pause. */
	bool inputs_changed = read_inputs(e);
	if (e->outputs_dirty || inputs_changed) {
		e->outputs_dirty = merge(e, now_ns);
		render(e);
		merge_inputs(e);
	}
	e->last_tick_ns = now_ns;
	publish(e, now_ns);
	e->tick_count++;
}

const uint8_t *gl_engine_dmx(const struct gl_engine *e, int u)
{
	return e->dmx + (size_t)u * GL_DMX_SLOTS;
}

float gl_engine_param_value(const struct gl_engine *e, int param)
{
	return e->out[param];
}

/* ---- frame taps ----------------------------------------------------------------- */

struct gl_frame_tap *gl_engine_add_tap(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started || e->tap_count == GL_MAX_TAPS)
		return NULL;
	struct gl_frame_tap *tap = calloc(1, sizeof *tap);
	if (!tap)
		return NULL;
	tap->engine = e;
	for (int i = 0; i < 3; i++) {
		tap->frames[i].universe_count = e->universe_count;
		tap->frames[i].numbers = e->universes;
		tap->frames[i].dmx = calloc((size_t)(e->universe_count ? e->universe_count : 1),
					    GL_DMX_SLOTS);
		if (!tap->frames[i].dmx) {
			for (int j = 0; j < i; j++)
				free(tap->frames[j].dmx);
			free(tap);
			return NULL;
		}
	}
	tap->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tap->ready_fd < 0) {
		for (int i = 0; i < 3; i++)
			free(tap->frames[i].dmx);
		free(tap);
		return NULL;
	}
	gl_tbuf_init(&tap->tb, &tap->frames[0], &tap->frames[1], &tap->frames[2]);
	e->taps[e->tap_count++] = tap;
	return tap;
}

const struct gl_frame *gl_tap_read(struct gl_frame_tap *tap)
{
	return gl_tbuf_read(&tap->tb);
}

int gl_tap_fd(const struct gl_frame_tap *tap)
{
	return tap->ready_fd;
}

bool gl_tap_wait(struct gl_frame_tap *tap, uint64_t timeout_ns)
{
	struct pollfd pfd = { .fd = tap->ready_fd, .events = POLLIN };
	int rc;
	while ((rc = poll(&pfd, 1, (int)(timeout_ns / 1000000))) < 0 && errno == EINTR)
		;
	if (rc <= 0)
		return false;
	uint64_t count;
	/* reading resets the counter: only the newest frame counts */
	return read(tap->ready_fd, &count, sizeof count) == sizeof count;
}

/* ---- snapshot ------------------------------------------------------------------- */

int gl_engine_snapshot(struct gl_engine *e, struct gl_snapshot *out)
{
	if (!atomic_load_explicit(&e->snap_ready, memory_order_acquire))
		return GL_EAGAIN;
	struct gl_snapshot *s = gl_tbuf_read(&e->snap_tb);
	if (!s)
		s = gl_tbuf_front(&e->snap_tb);
	struct gl_list_status *lists = out->lists;
	float *levels = out->fader_levels;
	*out = *s;
	out->lists = lists;
	out->fader_levels = levels;
	const struct gl_list_status *ls = (const struct gl_list_status *)(s + 1);
	if (lists)
		memcpy(lists, ls, (size_t)s->list_count * sizeof *ls);
	if (levels)
		memcpy(levels, ls + s->list_count, (size_t)s->fader_count * sizeof *levels);
	return 0;
}

/* ---- the engine thread -------------------------------------------------------- */

static void timespec_from_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec = (time_t)(ns / GL_NS_PER_S);
	ts->tv_nsec = (long)(ns % GL_NS_PER_S);
}

static void *engine_thread(void *arg)
{
	struct gl_engine *e = arg;
	uint64_t period = e->period_ns;
	uint64_t next = gl_now_ns();
	while (atomic_load_explicit(&e->running, memory_order_acquire)) {
		struct timespec ts;
		timespec_from_ns(&ts, next);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		uint64_t start = gl_now_ns();
		/* values for the scheduled instant: frames sample the show on an
		 * even grid however late the thread woke */
		gl_engine_tick(e, next);
		uint64_t end = gl_now_ns();
		e->tick_ns_last = end - start;
		if (e->tick_ns_last > e->tick_ns_max)
			e->tick_ns_max = e->tick_ns_last;
		if (start > next + period)
			e->ticks_late++;
		next += period;
		if (end >= next) {
			/* Overran: skip the missed periods instead of bursting
			 * to catch up; the schedule keeps its phase. */
			uint64_t missed = (end - next) / period + 1;
			next += missed * period;
			e->ticks_skipped += missed;
			engine_emit(e, GL_EV_TICK_LATE, -1, -1, (int)missed, end);
		}
	}
	return NULL;
}

int gl_engine_start(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started)
		return GL_ESTATE;
	atomic_store(&e->running, true);
	if (pthread_create(&e->thread, NULL, engine_thread, e) != 0) {
		atomic_store(&e->running, false);
		return GL_EIO;
	}
	pthread_setname_np(e->thread, "gl-engine");   /* for top, perf, gdb */
	/* Best effort: realtime priority when allowed (root or rtprio limit). */
	struct sched_param sp = { .sched_priority = 50 };
	pthread_setschedparam(e->thread, SCHED_FIFO, &sp);
	e->thread_started = true;
	return 0;
}

void gl_engine_stop(struct gl_engine *e)
{
	if (!e->thread_started)
		return;
	atomic_store(&e->running, false);
	pthread_join(e->thread, NULL);
	e->thread_started = false;
}
