/*
 * live_tick.c - the live state's export and restore inside the tick (see
 * "live state" in engine.h; live.c is the other threads' side).
 *
 * Engine thread only, as tick.c: no allocation, no lock, no system call
 * (tools/check_tick.sh reads this object too). Publishing happens only in
 * a tick where something changed (e->live.changed, set by a command, a GO
 * and a STOP), so a settled show pays one test per tick.
 */
#include "engine_internal.h"

void engine_live_apply(struct gl_engine *e, uint64_t now_ns)
{
	const struct gl_live_state *st = e->live.restore;
	e->live.restore_pending = false;
	e->live.quiet = true;
	for (int i = 0; i < e->list_count; i++) {
		int l = e->live.restore_order[i];
		cuelist_restore(e, &e->lists[l], &st->lists[l], now_ns);
	}
	for (int i = 0; i < e->fader_count; i++) {
		struct fader *f = &e->faders[i];
		f->level = st->fader_levels[i];
		if (f->kind == GL_FADER_GROUP) {
			e->groups[f->target].level = f->level;
		} else if (f->kind == GL_FADER_CUELIST) {   /* an external one masters nothing here */
			e->lists[f->target].master = f->level;
			e->lists[f->target].dirty = true;
		}
	}
	e->grand_master = st->grand_master;
	e->blackout = st->blackout;
	engine_prog_clear_all(e);
	for (int p = 0; p < st->param_count; p++)
		engine_prog_set(e, e->param_lane[st->params[p].param], st->params[p].value);
	e->masters_dirty = true;
	for (int u = 0; u < e->universe_count; u++)
		engine_touch(e, u);
	e->live.quiet = false;
	e->live.changed = true;
}

void engine_live_publish(struct gl_engine *e, uint64_t now_ns)
{
	if (!e->live.enabled || !e->live.changed)
		return;
	/* An edit's event not read yet: the reader's gl_engine_cue*() still
	 * show the old cues, so the state with the new indices waits for it. */
	if (atomic_load_explicit(&e->edit_out, memory_order_relaxed))
		return;
	e->live.changed = false;
	struct gl_live_state *s = gl_tbuf_back(&e->live.tb);
	s->changes = ++e->live.changes;
	s->cue_edits = e->live.cue_edits;
	s->at_ns = now_ns;
	s->grand_master = e->grand_master;
	s->blackout = e->blackout;
	for (int i = 0; i < e->list_count; i++) {
		const struct cuelist *l = &e->lists[i];
		struct gl_live_list *ll = &s->lists[i];
		bool off = l->state == GL_LIST_OFF || l->releasing || l->active < 0;
		uint64_t t = l->state == GL_LIST_PAUSED ? l->pause_ns : now_ns;
		ll->state = off ? GL_LIST_OFF : l->state;
		ll->active = off ? -1 : l->active;
		ll->from = off ? -1 : l->from;
		ll->back = !off && l->back;
		ll->go_order = l->go_stamp;
		ll->elapsed_ns = off || t < l->go_ns ? 0 : t - l->go_ns;
		ll->master = l->master;
	}
	for (int i = 0; i < e->fader_count; i++)
		s->fader_levels[i] = e->faders[i].level;
	int n = 0;
	for (int u = 0; u < e->universe_count; u++)
		for (int32_t at = e->u_prog[u]; at; at = e->prog[at - 1].next) {
			int32_t param = e->live.lane_param[e->prog[at - 1].lane];
			if (param >= 0 && n < e->param_count)
				s->params[n++] = (struct gl_live_param){ param, e->prog[at - 1].value };
		}
	s->param_count = n;
	gl_tbuf_publish(&e->live.tb);
	e->events_pushed = true;     /* the reader polls the event fd */
}
