/*
 * live.c - the live state's export and restore, on the other threads' side
 * (see "live state" in engine.h): gl_engine_live_enable() lays out the
 * export's buffers, gl_engine_live_read() takes the newest one,
 * gl_engine_restore() checks and copies what the first tick puts back.
 *
 * Loading thread (enable and restore, before the engine thread starts) and
 * the one reader thread (read). The tick's side is live_tick.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* A state and its arrays in one block: the header (a multiple of 8 bytes),
 * the lists (8-aligned), the fader levels, the params (4-aligned). */
static size_t live_size(const struct gl_engine *e)
{
	return sizeof(struct gl_live_state) +
	       (size_t)e->list_count * sizeof(struct gl_live_list) +
	       (size_t)e->fader_count * sizeof(float) +
	       (size_t)e->param_count * sizeof(struct gl_live_param);
}

static struct gl_live_state *live_block(const struct gl_engine *e)
{
	struct gl_live_state *s = calloc(1, live_size(e));
	if (!s)
		return NULL;
	s->list_count = e->list_count;
	s->fader_count = e->fader_count;
	s->lists = (struct gl_live_list *)(s + 1);
	s->fader_levels = (float *)(s->lists + e->list_count);
	s->params = (struct gl_live_param *)(s->fader_levels + e->fader_count);
	return s;
}

void engine_live_free(struct gl_engine *e)
{
	for (int i = 0; i < 3; i++)
		free(e->live.buf[i]);
	free(e->live.lane_param);
	free(e->live.restore);
	free(e->live.restore_order);
	memset(&e->live, 0, sizeof e->live);
}

int gl_engine_live_enable(struct gl_engine *e)
{
	if (!e->finalized || e->thread_started)
		return GL_ESTATE;
	if (e->live.enabled)
		return 0;
	struct engine_live *lv = &e->live;
	for (int i = 0; i < 3; i++)
		lv->buf[i] = live_block(e);
	lv->lane_param = malloc((size_t)(e->lane_count ? e->lane_count : 1) * sizeof *lv->lane_param);
	if (!lv->buf[0] || !lv->buf[1] || !lv->buf[2] || !lv->lane_param) {
		for (int i = 0; i < 3; i++) {
			free(lv->buf[i]);
			lv->buf[i] = NULL;
		}
		free(lv->lane_param);
		lv->lane_param = NULL;
		return GL_ENOMEM;
	}
	for (int k = 0; k < e->lane_count; k++)
		lv->lane_param[k] = -1;
	for (int p = 0; p < e->param_count; p++)
		lv->lane_param[e->param_lane[p]] = p;
	gl_tbuf_init(&lv->tb, lv->buf[0], lv->buf[1], lv->buf[2]);
	lv->enabled = true;
	/* the state the show starts in, readable at once; the first tick
	 * publishes again (after a restore, or the show's first commands) */
	lv->changed = true;
	engine_live_publish(e, 0);
	lv->changed = true;
	return 0;
}

int gl_engine_live_read(struct gl_engine *e, struct gl_live_state *out)
{
	if (!e->live.enabled)
		return GL_ESTATE;
	const struct gl_live_state *s = gl_tbuf_read(&e->live.tb);
	/* one from before an edit whose event this thread has read since:
	 * its indices are the old list's; the tick publishes again once it
	 * has seen the edit acknowledged (live_tick.c) */
	if (!s || s->cue_edits != e->live.cue_edits_read)
		return 0;
	gl_live_state_copy(out, s);
	return 1;
}

void gl_live_state_copy(struct gl_live_state *to, const struct gl_live_state *from)
{
	to->changes = from->changes;
	to->cue_edits = from->cue_edits;
	to->at_ns = from->at_ns;
	to->grand_master = from->grand_master;
	to->blackout = from->blackout;
	to->list_count = from->list_count;
	to->fader_count = from->fader_count;
	to->param_count = from->param_count;
	memcpy(to->lists, from->lists, (size_t)from->list_count * sizeof *from->lists);
	memcpy(to->fader_levels, from->fader_levels,
	       (size_t)from->fader_count * sizeof *from->fader_levels);
	memcpy(to->params, from->params, (size_t)from->param_count * sizeof *from->params);
}

static bool level_ok(float v)
{
	return v >= 0.0f && v <= 1.0f;     /* false for NaN too */
}

static int check_state(const struct gl_engine *e, const struct gl_live_state *st)
{
	if (st->list_count != e->list_count || st->fader_count != e->fader_count ||
	    st->param_count < 0 || st->param_count > e->param_count ||
	    !level_ok(st->grand_master))
		return GL_EINVAL;
	for (int l = 0; l < st->list_count; l++) {
		const struct gl_live_list *ll = &st->lists[l];
		int cues = e->lists[l].cue_count;
		if (ll->state != GL_LIST_OFF && ll->state != GL_LIST_RUNNING &&
		    ll->state != GL_LIST_PAUSED)
			return GL_EINVAL;
		if (ll->active < -1 || ll->active >= cues || ll->from < -1 || ll->from >= cues ||
		    (ll->state != GL_LIST_OFF && ll->active < 0) || !level_ok(ll->master))
			return GL_EINVAL;
	}
	for (int f = 0; f < st->fader_count; f++)
		if (!level_ok(st->fader_levels[f]))
			return GL_EINVAL;
	for (int p = 0; p < st->param_count; p++)
		if (st->params[p].param < 0 || st->params[p].param >= e->param_count ||
		    !level_ok(st->params[p].value))
			return GL_EINVAL;
	return 0;
}

struct order_key {
	uint32_t go_order;
	int list;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	if (x->go_order != y->go_order)
		return x->go_order < y->go_order ? -1 : 1;
	return x->list - y->list;
}

int gl_engine_restore(struct gl_engine *e, const struct gl_live_state *st)
{
	if (!e->finalized || e->thread_started)
		return GL_ESTATE;
	int rc = check_state(e, st);
	if (rc != 0)
		return rc;
	struct gl_live_state *copy = live_block(e);
	int *order = malloc((size_t)(e->list_count ? e->list_count : 1) * sizeof *order);
	struct order_key *keys = malloc((size_t)(e->list_count ? e->list_count : 1) * sizeof *keys);
	if (!copy || !order || !keys) {
		free(copy);
		free(order);
		free(keys);
		return GL_ENOMEM;
	}
	gl_live_state_copy(copy, st);
	for (int l = 0; l < e->list_count; l++)
		keys[l] = (struct order_key){ st->lists[l].go_order, l };
	qsort(keys, (size_t)e->list_count, sizeof *keys, order_cmp);
	for (int l = 0; l < e->list_count; l++)
		order[l] = keys[l].list;
	free(keys);
	free(e->live.restore);
	free(e->live.restore_order);
	e->live.restore = copy;
	e->live.restore_order = order;
	e->live.restore_pending = true;
	return 0;
}
