/*
 * edit_tick.c - cue lists edited while the show runs: the tick's half
 * (the control thread's is edit.c, which says how an edit is handed over).
 *
 * Engine thread only, inside the tick: like tick.c, no allocation, no lock,
 * no system call (its object is checked with the tick's). An edit changes
 * hands by pointer: the list's cues and plan arrays and the engine's index
 * of list runs are swapped with the ones the control thread built, the
 * playback state of every param both lists hold is copied across, the
 * list's effects and timecode times are swapped with it (effects.c), and
 * the owners of LTP lanes are worked out again.
 */
#include <math.h>

#include "effects.h"
#include "engine_internal.h"

/* The cues and every plan field a list's arrays are laid out from. */
static void swap_list(struct cuelist *l, struct cuelist *n)
{
	SWAP(l->cues, n->cues);
	SWAP(l->cue_count, n->cue_count);
	SWAP(l->cue_cap, n->cue_cap);
	SWAP(l->param_count, n->param_count);
	SWAP(l->p_lane, n->p_lane);
	SWAP(l->p_set, n->p_set);
	SWAP(l->p_stamp, n->p_stamp);
	SWAP(l->tracked, n->tracked);
	SWAP(l->value_count, n->value_count);
	SWAP(l->start, n->start);
	SWAP(l->target, n->target);
	SWAP(l->run_count, n->run_count);
	SWAP(l->runs, n->runs);
	SWAP(l->universe_count, n->universe_count);
	SWAP(l->universes, n->universes);
	SWAP(l->edit_block, n->edit_block);
}

/* What the active cue now holds goes on stage at once; values it does not
 * change keep their fades, and an intensity fading out stays so. */
static void retarget(struct gl_engine *e, struct cuelist *l)
{
	const float *row = l->tracked + (size_t)l->active * l->param_count;
	struct list_run *run = l->runs;
	for (int i = 0; i < l->param_count; i++) {
		int k = l->p_lane[i], v = list_value_index(&run, k);
		float target = row[i];
		if (isnan(target)) {
			bool fading_out = e->lane_cls[k] == GL_CLASS_INTENSITY && l->target[v] == 0.0f;
			if (l->p_set[i] && !fading_out)
				cuelist_let_go(e, l, i, v);
			continue;
		}
		if (l->p_set[i] && l->target[v] == target)
			continue;
		l->start[v] = l->target[v] = target;
		l->p_set[i] = 1;
		l->p_stamp[i] = ++e->go_counter;   /* the newest change: it shows */
	}
}

bool engine_edit_ack(struct gl_engine *e)
{
	struct cue_table *out = atomic_load_explicit(&e->edit_out, memory_order_relaxed);
	struct gl_event ev = { GL_EV_CUES_REPLACED, out->list, -1, 0, e->last_tick_ns };
	if (!gl_spsc_push(&e->events, &ev))
		return false;
	e->edit_ack_owed = false;
	e->events_pushed = true;
	return true;
}

void engine_edit_apply(struct gl_engine *e, uint64_t now_ns)
{
	/* the last edit's event first, so that none of its list's new
	 * indices reaches the control thread ahead of it */
	if (e->edit_ack_owed && !engine_edit_ack(e))
		return;
	struct cue_table *t = atomic_exchange_explicit(&e->edit_in, NULL, memory_order_acquire);
	if (!t)
		return;
	struct cuelist *l = &e->lists[t->list];
	engine_touch_list(e, l);   /* what it let go of goes back to what is below */
	swap_list(l, &t->next);
	SWAP(e->u_seg, t->u_seg);
	SWAP(e->seg, t->seg);
	SWAP(e->seg_block, t->seg_block);
	/* t->next now holds the replaced arrays */
	const struct cuelist *old = &t->next;
	for (int c = 0; c < t->carry_count; c++) {
		const struct edit_carry *m = &t->carry[c];
		l->p_set[m->param] = old->p_set[m->old_param];
		l->p_stamp[m->param] = old->p_stamp[m->old_param];
		l->start[m->value] = old->start[m->old_value];
		l->target[m->value] = old->target[m->old_value];
	}
	int old_active = l->active;
	if (l->active >= 0)
		l->active = t->cue_to[l->active];
	if (l->from >= 0)
		l->from = t->cue_to[l->from];   /* the look its fade started from */
	e->live.cue_edits++;
	e->live.changed = true;             /* published once the edit is read */
	/* a standby asked for stays only when its cue does */
	if (l->standby >= 0) {
		int to = t->cue_to[l->standby];
		l->standby = to >= 0 && t->cue_from[to] == l->standby ? to : -1;
	}
	if (l->state != GL_LIST_OFF && !l->releasing) {
		if (l->active >= 0) {
			retarget(e, l);
		} else {
			/* the active cue and every cue before it are gone: the
			 * values stay where they are until the next GO */
			l->done_reported = true;
			l->continue_at_ns = 0;
		}
	}
	engine_fx_edit_apply(e, t, old_active, now_ns);   /* its effects, its timecode */
	/* lanes the list let go of or took: their owners from the stamps */
	cuelist_rebuild_owners(e);
	l->dirty = true;
	engine_touch_list(e, l);
	atomic_store_explicit(&e->edit_out, t, memory_order_release);
	e->edit_ack_owed = true;
	engine_edit_ack(e);
}
