/*
 * edit.c - cue lists edited while the show runs (gl_engine_replace_cues,
 * the console's record, update, delete and renumber).
 *
 * Three threads' worth of one hand-over, one edit at a time:
 *  - control thread, gl_engine_replace_cues(): builds the list's new tables
 *    (cues, list params, tracking rows) and how the playback state maps
 *    onto them, into a struct cue_table, and leaves it in e->edit_in;
 *  - engine thread, engine_edit_apply() at the start of a tick: swaps the table's
 *    arrays with the list's own (no allocation: pointers change hands),
 *    carries the playback state over, puts the replaced arrays in
 *    e->edit_out and emits GL_EV_CUES_REPLACED (owed to the next tick when
 *    the event ring is full, and then sent before any other event);
 *  - control thread, engine_edit_acked() when it reads that event: its view of
 *    the cues (what gl_engine_cue*() read) moves to the new arrays and the
 *    replaced ones are freed. Events before that one name cues of the old
 *    list, events after it cues of the new one, and the view changes
 *    exactly between them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"

const struct cue *engine_edit_view(const struct gl_engine *e, const struct cuelist *l, int *count)
{
	if (!e->finalized) {
		*count = l->cue_count;
		return l->cues;
	}
	*count = atomic_load_explicit(&l->view_count, memory_order_relaxed);
	return l->view;
}

static void table_free(struct cue_table *t)
{
	if (!t)
		return;
	for (int c = 0; c < t->cue_count; c++)
		free(t->cues[c].changes);
	free(t->cues);
	free(t->lp);
	free(t->tracked);
	free(t->lp_from);
	free(t->cue_from);
	free(t->cue_to);
	free(t);
}

/* ---- control thread: building ---------------------------------------------------- */

int gl_engine_replace_cues(struct gl_engine *e, int list, const struct gl_cue_def *defs,
			   const int *origin, int count)
{
	if (!e->finalized)
		return GL_ESTATE;
	if (list < 0 || list >= e->list_count)
		return GL_ENOENT;
	if (e->edit_pending)
		return GL_EAGAIN;
	struct cuelist *l = &e->lists[list];
	int old_count;
	engine_edit_view(e, l, &old_count);
	if (count < 0 || (count > 0 && (!defs || !origin)))
		return GL_EINVAL;

	struct cue_table *t = calloc(1, sizeof *t);
	int *param_map = malloc((size_t)(e->param_count ? e->param_count : 1) * sizeof *param_map);
	int rc = t && param_map ? 0 : GL_ENOMEM;
	if (rc == 0) {
		t->list = list;
		t->old_count = old_count;
		t->cue_from = malloc((size_t)(count ? count : 1) * sizeof *t->cue_from);
		t->cue_to = malloc((size_t)(old_count ? old_count : 1) * sizeof *t->cue_to);
		if (!t->cue_from || !t->cue_to)
			rc = GL_ENOMEM;
	}
	for (int j = 0; rc == 0 && j < old_count; j++)
		t->cue_to[j] = -1;
	/* the cues, checked and copied as at build (ascending numbers) */
	struct cuelist tmp;
	memset(&tmp, 0, sizeof tmp);
	for (int i = 0; rc == 0 && i < count; i++) {
		int o = origin[i];
		if (o < -1 || o >= old_count || (o >= 0 && t->cue_to[o] >= 0)) {
			rc = GL_EINVAL;
			break;
		}
		if (o >= 0)
			t->cue_to[o] = i;
		t->cue_from[i] = o;
		int added = engine_cue_append(e, &tmp, &defs[i]);
		if (added < 0)
			rc = added == GL_EEXIST ? GL_EINVAL : added;
	}
	t->cues = tmp.cues;
	t->cue_count = tmp.cue_count;
	t->cue_cap = tmp.cue_cap;
	if (rc == 0) {
		for (int p = 0; p < e->param_count; p++)
			param_map[p] = -1;
		rc = cuelist_build(e, &tmp, param_map);
		t->lp = tmp.lp;
		t->tracked = tmp.tracked;
		t->param_count = tmp.param_count;
	}
	if (rc == 0) {
		/* a deleted cue's playback goes to the nearest earlier cue kept */
		for (int j = 1; j < old_count; j++)
			if (t->cue_to[j] < 0)
				t->cue_to[j] = t->cue_to[j - 1];
		/* list params: new ones start unset, the others carry their
		 * state over (param_map is all -1 again after the build) */
		for (int i = 0; i < l->view_param_count; i++)
			param_map[l->view_lp[i].param] = i;
		t->lp_from = malloc((size_t)(t->param_count ? t->param_count : 1) *
				    sizeof *t->lp_from);
		if (!t->lp_from)
			rc = GL_ENOMEM;
		for (int i = 0; rc == 0 && i < t->param_count; i++)
			t->lp_from[i] = param_map[t->lp[i].param];
	}
	free(param_map);
	if (rc != 0) {
		table_free(t);
		return rc;
	}
	e->edit_pending = true;
	atomic_store_explicit(&e->edit_in, t, memory_order_release);
	return 0;
}

int gl_engine_cue_origin(const struct gl_engine *e, int list, int cue)
{
	const struct cuelist *l = &e->lists[list];
	return l->view_origin ? l->view_origin[cue] : cue;
}

/* ---- engine thread: the swap -------------------------------------------------------- */

#define SWAP(a, b)                        \
	do {                              \
		__typeof__(a) swap_ = (a); \
		(a) = (b);                \
		(b) = swap_;              \
	} while (0)

/* What the active cue now holds goes on stage at once; values it does not
 * change keep their fades. */
static void edit_retarget(struct gl_engine *e, struct cuelist *l)
{
	const float *row = l->tracked + (size_t)l->active * l->param_count;
	for (int i = 0; i < l->param_count; i++) {
		struct list_param *lp = &l->lp[i];
		float v = row[i];
		if (isnan(v)) {
			if (lp->set && !lp->release_at_end)
				lp->set = false;
			continue;
		}
		if (lp->set && lp->target == v && !lp->release_at_end)
			continue;
		if (!lp->set) {
			lp->timing = lp->cls == GL_CLASS_INTENSITY
					     ? TIMING_UP
					     : (uint8_t)(TIMING_COLOR + lp->cls - GL_CLASS_COLOR);
		}
		lp->start = lp->target = v;
		lp->set = true;
		lp->release_at_end = false;
		lp->stamp = ++e->go_counter;
	}
}

/* The event that closes an edit; false when the ring is full. */
static bool push_ack(struct gl_engine *e, int list)
{
	struct gl_event ev = { GL_EV_CUES_REPLACED, list, -1, 0, e->last_tick_ns };
	if (!gl_spsc_push(&e->events, &ev))
		return false;
	uint64_t one = 1;
	ssize_t w = write(e->event_fd, &one, sizeof one);  /* non-blocking */
	(void)w;
	return true;
}

void engine_edit_apply(struct gl_engine *e)
{
	if (e->edit_ack_owed) {
		/* before any other event, so that none of the new list's
		 * indices reaches the control thread ahead of it */
		struct cue_table *out = atomic_load_explicit(&e->edit_out, memory_order_relaxed);
		if (!push_ack(e, out->list))
			return;
		e->edit_ack_owed = false;
	}
	struct cue_table *t = atomic_exchange_explicit(&e->edit_in, NULL, memory_order_acquire);
	if (!t)
		return;
	struct cuelist *l = &e->lists[t->list];
	SWAP(l->cues, t->cues);
	SWAP(l->cue_count, t->cue_count);
	SWAP(l->cue_cap, t->cue_cap);
	SWAP(l->param_count, t->param_count);
	SWAP(l->lp, t->lp);
	SWAP(l->tracked, t->tracked);
	/* t now holds the replaced arrays; lp_from indexes them */
	for (int i = 0; i < l->param_count; i++)
		if (t->lp_from[i] >= 0)
			l->lp[i] = t->lp[t->lp_from[i]];
	if (l->active >= 0)
		l->active = t->cue_to[l->active];
	/* a standby asked for stays only when its cue does */
	if (l->standby >= 0) {
		int to = t->cue_to[l->standby];
		l->standby = to >= 0 && t->cue_from[to] == l->standby ? to : -1;
	}
	if (l->state != GL_LIST_OFF && !l->releasing) {
		if (l->active >= 0) {
			edit_retarget(e, l);
		} else {
			/* the active cue and every cue before it are gone: the
			 * values stay where they are until the next GO */
			l->done_reported = true;
			l->continue_at_ns = 0;
		}
	}
	e->outputs_dirty = true;
	atomic_store_explicit(&e->edit_out, t, memory_order_release);
	e->edit_ack_owed = !push_ack(e, t->list);
}

/* ---- control thread: after the event --------------------------------------------- */

void engine_edit_acked(struct gl_engine *e, int list)
{
	struct cue_table *t = atomic_exchange_explicit(&e->edit_out, NULL, memory_order_acquire);
	if (!t || t->list != list)
		return;   /* not ours: an event made up by a test */
	struct cuelist *l = &e->lists[list];
	/* The tick swapped these before it released edit_out and swaps them
	 * again only for the next edit, which this thread has not made. */
	l->view = l->cues;
	l->view_lp = l->lp;
	l->view_param_count = l->param_count;
	atomic_store_explicit(&l->view_count, l->cue_count, memory_order_relaxed);
	free(l->view_origin);
	l->view_origin = t->cue_from;
	t->cue_from = NULL;
	table_free(t);
	e->edit_pending = false;
}

void engine_edit_free_all(struct gl_engine *e)
{
	table_free(atomic_exchange(&e->edit_in, NULL));
	table_free(atomic_exchange(&e->edit_out, NULL));
	for (int l = 0; l < e->list_count; l++) {
		free(e->lists[l].view_origin);
		e->lists[l].view_origin = NULL;
	}
}
