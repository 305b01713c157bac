/*
 * edit.c - cue lists edited while the show runs (gl_engine_replace_cues,
 * the console's record, update, delete and renumber): the control
 * thread's half.
 *
 * One edit at a time, handed over between three moments:
 *  - control thread, gl_engine_replace_cues(): builds the list as it will
 *    be (its cues, and its plan arrays laid out as finalize lays out a
 *    list's, in a block of their own), the per-universe index of list runs
 *    that goes with it, the effects its cues run and their timecode times
 *    (effects_build.c, by cue identity), and how the playback state maps
 *    onto the new list, into a struct cue_table, and leaves it in
 *    e->edit_in;
 *  - engine thread, engine_edit_apply() (edit_tick.c) at the start of a
 *    tick: swaps pointers, carries the state over, puts the replaced
 *    arrays in e->edit_out and emits GL_EV_CUES_REPLACED;
 *  - control thread, engine_edit_acked() when it reads that event: its
 *    view of the cues (what gl_engine_cue*() read) moves to the new ones
 *    and the replaced arrays are freed. Events before that one name cues
 *    of the old list, events after it cues of the new one, and the view
 *    changes exactly between them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "effects.h"
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
	for (int c = 0; c < t->next.cue_count; c++)
		free(t->next.cues[c].changes);
	free(t->next.cues);
	free(t->next.edit_block);
	free(t->seg_block);
	free(t->carry);
	free(t->cue_from);
	free(t->cue_built);
	free(t->cue_to);
	engine_fx_edit_free(t->fx);
	free(t);
}

/* The params both lists hold (both ascend by lane), with their value
 * indices in each. */
static int carry_build(struct cue_table *t, struct cuelist *old)
{
	struct cuelist *l = &t->next;
	t->carry = malloc((size_t)(l->param_count ? l->param_count : 1) * sizeof *t->carry);
	if (!t->carry)
		return GL_ENOMEM;
	struct list_run *run = l->runs, *old_run = old->runs;
	for (int i = 0, j = 0; i < l->param_count && j < old->param_count;) {
		int k = l->p_lane[i], ko = old->p_lane[j];
		if (k < ko) {
			i++;
		} else if (ko < k) {
			j++;
		} else {
			t->carry[t->carry_count++] = (struct edit_carry){
				i, list_value_index(&run, k), j, list_value_index(&old_run, k) };
			i++;
			j++;
		}
	}
	return 0;
}

/* The index of list runs for every list as it will be. */
static int segments_build(struct gl_engine *e, struct cue_table *t)
{
	size_t nu = (size_t)e->universe_count;
	int count = engine_segments(e, t->list, &t->next, NULL, NULL);
	size_t seg_at = ((nu + 1) * sizeof *t->u_seg + 63) & ~(size_t)63;
	t->seg_block = calloc(1, seg_at + (size_t)(count ? count : 1) * sizeof *t->seg);
	if (!t->seg_block)
		return GL_ENOMEM;
	t->u_seg = t->seg_block;
	t->seg = (struct list_seg *)((char *)t->seg_block + seg_at);
	engine_segments(e, t->list, &t->next, t->u_seg, t->seg);
	return 0;
}

/* The new list's cues, checked and copied as at build (ascending
 * numbers), and where each old cue's playback goes. */
static int cues_build(struct gl_engine *e, struct cue_table *t, const struct gl_cue_def *defs,
		      const int *origin, int count)
{
	int old_count = t->old_count, built_count = e->lists[t->list].built_count;
	t->cue_from = malloc((size_t)(count ? count : 1) * sizeof *t->cue_from);
	t->cue_built = malloc((size_t)(count ? count : 1) * sizeof *t->cue_built);
	t->cue_to = malloc((size_t)(old_count ? old_count : 1) * sizeof *t->cue_to);
	uint8_t *built_taken = calloc((size_t)(built_count ? built_count : 1), 1);
	int rc = 0;
	if (!t->cue_from || !t->cue_built || !t->cue_to || !built_taken)
		rc = GL_ENOMEM;
	for (int j = 0; rc == 0 && j < old_count; j++)
		t->cue_to[j] = -1;
	for (int i = 0; rc == 0 && i < count; i++) {
		int o = origin[i], built = o < -1 ? GL_CUE_BUILT(o) : -1;  /* its own inverse */
		if (o >= old_count || (o >= 0 && t->cue_to[o] >= 0) || built >= built_count ||
		    (built >= 0 && built_taken[built]++)) {
			rc = GL_EINVAL;
			break;
		}
		if (o >= 0)
			t->cue_to[o] = i;
		/* a cue back from the build plays as a new one */
		t->cue_from[i] = o >= 0 ? o : -1;
		t->cue_built[i] = built;
		int added = engine_cue_append(e, &t->next, &defs[i]);
		if (added < 0)
			rc = added == GL_EEXIST ? GL_EINVAL : added;
	}
	free(built_taken);
	/* a deleted cue's playback goes to the nearest earlier cue kept */
	for (int j = 1; rc == 0 && j < old_count; j++)
		if (t->cue_to[j] < 0)
			t->cue_to[j] = t->cue_to[j - 1];
	return rc;
}

int gl_engine_replace_cues(struct gl_engine *e, int list, const struct gl_cue_def *defs,
			   const int *origin, int count)
{
	if (!e->finalized)
		return GL_ESTATE;
	if (list < 0 || list >= e->list_count)
		return GL_ENOENT;
	if (e->edit_pending)
		return GL_EAGAIN;
	if (count < 0 || (count > 0 && (!defs || !origin)))
		return GL_EINVAL;
	/* No edit is in flight, so the list's arrays are the ones the control
	 * thread last saw swapped in, and the tick only reads their shape. */
	struct cuelist *l = &e->lists[list];
	struct cue_table *t = calloc(1, sizeof *t);
	if (!t)
		return GL_ENOMEM;
	t->list = list;
	engine_edit_view(e, l, &t->old_count);
	int rc = cues_build(e, t, defs, origin, count);
	if (rc == 0)
		rc = engine_list_plan(e, &t->next);
	if (rc == 0)
		rc = carry_build(t, l);
	if (rc == 0)
		rc = segments_build(e, t);
	if (rc == 0)
		rc = engine_fx_edit_build(e, t);
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

void engine_edit_acked(struct gl_engine *e, int list)
{
	struct cue_table *t = atomic_exchange_explicit(&e->edit_out, NULL, memory_order_acquire);
	if (!t || t->list != list)
		return;   /* not ours: an event made up by a test */
	struct cuelist *l = &e->lists[list];
	/* The tick swapped these before it released edit_out and swaps them
	 * again only for the next edit, which this thread has not made. */
	l->view = l->cues;
	atomic_store_explicit(&l->view_count, l->cue_count, memory_order_relaxed);
	/* a cue back from the build played as a new one; its origin says
	 * where it came from, so the show finds its actions again */
	for (int i = 0; i < l->cue_count; i++)
		if (t->cue_from[i] < 0 && t->cue_built[i] >= 0)
			t->cue_from[i] = GL_CUE_BUILT(t->cue_built[i]);
	free(l->view_origin);
	l->view_origin = t->cue_from;
	t->cue_from = NULL;
	table_free(t);
	e->edit_pending = false;
	e->live.cue_edits_read++;
}

void engine_edit_free_all(struct gl_engine *e)
{
	table_free(atomic_exchange(&e->edit_in, NULL));
	table_free(atomic_exchange(&e->edit_out, NULL));
	for (int l = 0; l < e->list_count; l++) {
		free(e->lists[l].view_origin);
		e->lists[l].view_origin = NULL;
		free(e->lists[l].edit_block);
		e->lists[l].edit_block = NULL;
	}
	free(e->seg_block);
	e->seg_block = NULL;
}
