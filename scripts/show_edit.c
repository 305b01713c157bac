/*
 * show_edit.c - cues edited in the console, on the show's side:
 *  - at load, the edits of its recorded file (edit.record / update /
 *    delete / renumber, collected by show_decl.c) applied in order to the
 *    cue lists the show declared, before the engine is built: a saved show
 *    builds the same cues the console held;
 *  - while it runs, the engine's GL_EV_CUES_REPLACED: the list's cues (and
 *    the OSC actions they carry) follow the engine's new order, and on_cue
 *    handlers find their cue again by number.
 * Also the accessors the console reads at start (recorded file, cue tags).
 *
 * Control thread. An edit that does not fit the show (an unknown list, a
 * number already used or missing) is an error at its file:line.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show_internal.h"

static int edit_fail(char *err, size_t len, const struct show_edit *ed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int edit_fail(char *err, size_t len, const struct show_edit *ed, const char *fmt, ...)
{
	static const char *const names[] = { "edit.record", "edit.update", "edit.delete",
					     "edit.renumber" };
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, len, "%s:%d: %s(\"%s\"): %s", ed->at.file, ed->at.line, names[ed->kind],
		 ed->list, msg);
	return -1;
}

static struct show_cue *cue_at(struct gl_show *s, const struct show_list *l, int k)
{
	return SHOW_AT(s->cues, struct show_cue, l->cues[k]);
}

/* The position of cue `number` in l, or -1. */
static int find_cue(struct gl_show *s, const struct show_list *l, double number)
{
	for (int k = 0; k < l->cue_count; k++)
		if (cue_at(s, l, k)->def.number == number)
			return k;
	return -1;
}

/* Where a cue numbered `number` goes to keep l ascending. */
static int insert_at(struct gl_show *s, const struct show_list *l, double number)
{
	int k = 0;

	while (k < l->cue_count && cue_at(s, l, k)->def.number < number)
		k++;
	return k;
}

/* Merges an update's look into the cue's: a selection the cue already
 * names gets the new values (an attribute given again is replaced), a new
 * selection is added; the smaller selection wins where they overlap
 * (look.h), so a fixture named in an update takes its values. */
static int merge_look(struct show_cue *c, const struct show_edit *ed, char *err, size_t len)
{
	for (int i = 0; i < ed->look_count; i++) {
		const struct look_entry *in = &ed->looks[i];
		struct look_entry *e = NULL;

		for (int k = 0; k < c->look_count && !e; k++)
			if (strcmp(c->looks[k].selection, in->selection) == 0)
				e = &c->looks[k];
		if (!e) {
			struct look_entry *grown = realloc(c->looks, (size_t)(c->look_count + 1) *
								     sizeof *grown);
			if (!grown)
				return edit_fail(err, len, ed, "out of memory");
			c->looks = grown;
			e = &c->looks[c->look_count++];
			*e = *in;
			continue;
		}
		for (int v = 0; v < in->value_count; v++) {
			int k = 0;

			while (k < e->value_count && e->values[k].attr != in->values[v].attr)
				k++;
			if (k == e->value_count) {
				if (e->value_count == LOOK_VALUES_MAX)
					return edit_fail(err, len, ed, "\"%s\": too many values",
							 e->selection);
				e->value_count++;
			}
			e->values[k] = in->values[v];
		}
	}
	return 0;
}

static int apply_one(struct gl_show *s, const struct show_edit *ed, char *err, size_t len)
{
	struct show_list *l = NULL;
	int li, k;

	for (li = 0; li < s->lists.count && !l; li++)
		if (strcmp(SHOW_AT(s->lists, struct show_list, li)->name, ed->list) == 0)
			l = SHOW_AT(s->lists, struct show_list, li);
	li--;
	if (!l || !l->filled)
		return edit_fail(err, len, ed, "the show has no such cuelist");
	if (ed->kind == SHOW_EDIT_RECORD) {
		struct show_cue *c = SHOW_AT(s->cues, struct show_cue, ed->cue);
		int *grown;

		if (find_cue(s, l, c->def.number) >= 0)
			return edit_fail(err, len, ed, "cue %s is already in the list",
					 c->def.number_text);
		if (l->cue_count >= SHOW_LIST_CUE_MAX)
			return edit_fail(err, len, ed, "a cue list may have at most %d cues",
					 SHOW_LIST_CUE_MAX);
		grown = realloc(l->cues, (size_t)(l->cue_count + 1) * sizeof *grown);
		if (!grown)
			return edit_fail(err, len, ed, "out of memory");
		l->cues = grown;
		k = insert_at(s, l, c->def.number);
		memmove(l->cues + k + 1, l->cues + k, (size_t)(l->cue_count - k) * sizeof *l->cues);
		l->cues[k] = ed->cue;
		l->cue_count++;
		c->list = li;
		return 0;
	}
	k = find_cue(s, l, ed->number);
	if (k < 0)
		return edit_fail(err, len, ed, "the list has no cue %s", ed->number_text);
	switch (ed->kind) {
	case SHOW_EDIT_UPDATE:
		return merge_look(cue_at(s, l, k), ed, err, len);
	case SHOW_EDIT_DELETE:
		cue_at(s, l, k)->list = SHOW_CUE_DELETED;
		memmove(l->cues + k, l->cues + k + 1, (size_t)(l->cue_count - k - 1) * sizeof *l->cues);
		l->cue_count--;
		return 0;
	case SHOW_EDIT_RENUMBER: {
		struct show_cue *c = cue_at(s, l, k);

		if (find_cue(s, l, ed->to) >= 0)
			return edit_fail(err, len, ed, "cue %s is already in the list", ed->to_text);
		c->def.number = ed->to;
		memcpy(c->def.number_text, ed->to_text, sizeof c->def.number_text);
		int id = l->cues[k];
		memmove(l->cues + k, l->cues + k + 1, (size_t)(l->cue_count - k - 1) * sizeof *l->cues);
		l->cue_count--;
		int to = insert_at(s, l, ed->to);
		memmove(l->cues + to + 1, l->cues + to, (size_t)(l->cue_count - to) * sizeof *l->cues);
		l->cues[to] = id;
		l->cue_count++;
		return 0;
	}
	case SHOW_EDIT_RECORD:
		break;
	}
	return 0;
}

int show_edits_apply(struct gl_show *s, char *err, size_t len)
{
	for (int i = 0; i < s->edits.count; i++)
		if (apply_one(s, SHOW_AT(s->edits, struct show_edit, i), err, len) != 0)
			return -1;
	return 0;
}

void show_edits_free(struct gl_show *s)
{
	for (int i = 0; i < s->edits.count; i++)
		free(SHOW_AT(s->edits, struct show_edit, i)->looks);
	show_vec_free(&s->edits);
	show_vec_free(&s->at_points);
}

/* ---- while the show runs ------------------------------------------------------------ */

void show_cues_replaced(struct gl_show *s, int list)
{
	if (list < 0 || list >= s->lists.count)
		return;
	struct show_list *l = SHOW_AT(s->lists, struct show_list, list);
	int n = gl_engine_cue_count(s->engine, list);
	int *cues = malloc((size_t)(n ? n : 1) * sizeof *cues);

	/* before its first edit the list is as built: kept for undo */
	if (cues && !l->built_cues) {
		l->built_cues = malloc((size_t)(l->cue_count ? l->cue_count : 1) * sizeof *cues);
		if (l->built_cues) {
			memcpy(l->built_cues, l->cues, (size_t)l->cue_count * sizeof *cues);
			l->built_count = l->cue_count;
		}
	}
	if (!cues || !l->built_cues) {
		free(cues);
		show_ring_push(s, "cuelist \"%s\" edited: out of memory; its cues' actions "
			       "are off", l->name);
		l->cue_count = 0;
		return;
	}
	/* a cue the console added has no record here: no actions; one back
	 * by an undo has the record it was built from */
	for (int i = 0; i < n; i++) {
		int o = gl_engine_cue_origin(s->engine, list, i), k = GL_CUE_BUILT(o);

		if (o >= 0)
			cues[i] = o < l->cue_count ? l->cues[o] : -1;
		else
			cues[i] = o < -1 && k < l->built_count ? l->built_cues[k] : -1;
	}
	free(l->cues);
	l->cues = cues;
	l->cue_count = n;
	for (int i = 0; i < s->handlers.count; i++) {
		struct show_handler *h = SHOW_AT(s->handlers, struct show_handler, i);

		if (h->list == list && !h->any_cue)
			h->cue = gl_engine_cue_find(s->engine, list, h->cue_number);
	}
}

/* ---- what the console reads ---------------------------------------------------------- */

const char *gl_show_recorded_path(const struct gl_show *s)
{
	return s->recorded[0] ? s->recorded : NULL;
}

unsigned gl_show_cue_tags(const struct gl_show *s, int list, int cue)
{
	unsigned tags = 0;

	if (list < 0 || list >= s->lists.count)
		return 0;
	const struct show_list *l = SHOW_AT(s->lists, struct show_list, list);
	if (cue < 0 || cue >= l->cue_count || l->cues[cue] < 0)
		return 0;
	static const unsigned kind_tag[SHOW_ACTION_KINDS] = {
		[SHOW_ACTION_OSC] = GL_SHOW_CUE_OSC, [SHOW_ACTION_MQTT] = GL_SHOW_CUE_MQTT,
		[SHOW_ACTION_VIDEO] = GL_SHOW_CUE_VIDEO, [SHOW_ACTION_MIDI] = GL_SHOW_CUE_MIDI,
		[SHOW_ACTION_AUDIO] = GL_SHOW_CUE_AUDIO,
	};
	const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, l->cues[cue]);
	for (int k = 0; k < SHOW_ACTION_KINDS; k++)
		if (c->actions[k].count > 0)
			tags |= kind_tag[k];
	if (c->fx_count > 0)
		tags |= GL_SHOW_CUE_EFFECTS;
	for (int i = 0; i < s->handlers.count; i++) {
		const struct show_handler *h = SHOW_AT(s->handlers, struct show_handler, i);

		if (h->list == list && (h->any_cue || h->cue == cue))
			tags |= h->any_cue ? GL_SHOW_CUE_HANDLER_ANY : GL_SHOW_CUE_HANDLER;
	}
	return tags;
}

double gl_show_cue_time(const struct gl_show *s, int list, int cue)
{
	if (list < 0 || list >= s->lists.count)
		return NAN;
	const struct show_list *l = SHOW_AT(s->lists, struct show_list, list);
	if (!l->timecode || cue < 0 || cue >= l->cue_count || l->cues[cue] < 0)
		return NAN;
	return SHOW_AT(s->cues, struct show_cue, l->cues[cue])->tc_s;
}
