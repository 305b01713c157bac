/*
 * edits.c - the console's cue model and what changes it: record (the
 * programmer's values as a new cue), update (merged into a cue; tracking
 * carries them on), delete, renumber; undo and redo; the engine kept in
 * step; and saving.
 *
 * The model is each list as loaded plus a journal of edits: undo drops the
 * newest edit and rebuilds its list from the loaded one, so what is shown,
 * what the engine plays and what is saved are the same edits applied in
 * the same order. The engine gets a list's whole new cue set
 * (gl_engine_replace_cues), built on the control thread, one edit in
 * flight at a time: the GUI leaves the newest wanted set of each list in
 * `struct edit_sync` and posts a turn to the control thread; the engine's
 * GL_EV_CUES_REPLACED (seen on that thread) closes it and sends the next.
 * The engine keeps a cue's effects and timecode time by its identity (the
 * uids become its origins, a cue the list was built with that an undo
 * brings back its GL_CUE_BUILT index); a list on timecode takes no recorded cue (the
 * show file gives each of its cues a time) and no renumber that would put
 * its cues out of time order: both refused here, before the journal.
 *
 * Saving writes the journal as Lua (edit.record / update / delete /
 * renumber lines) into the show's recorded file, after what that file held
 * when the show loaded: `show.lua` is never rewritten, only given its
 * `recorded "show.recorded.lua"` line once, at its end. Every write is a
 * temp file beside the target, fsync, the old file kept as *.bak, rename,
 * fsync of the folder. GUI thread, but for edits_event and the posted
 * sync (control thread).
 */
#include "console_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- engine sync (GUI writes the wanted sets, the control thread sends) ------------- */

struct sync_list {
	/* the wanted set, the newest one; owned */
	struct gl_cue_def *defs;
	int *uids;
	int count;
	int version;
	bool wanted;                 /* not sent yet */
	/* what the engine holds (or is taking): the uids of the last set sent */
	int *engine_uids;
	int engine_count;
	/* the uids of the cues the engine built the list with (undo brings
	 * one back as GL_CUE_BUILT: with its effects and timecode time) */
	int *base_uids;
	int base_count;
	atomic_int acked_version;
};

struct edit_sync {
	pthread_mutex_t lock;
	struct gl_console *c;
	struct gl_engine *e;
	struct sync_list *lists;
	int count;
	int in_flight;               /* list, -1 none */
	int in_flight_version;
	int (*post)(void *ud, void (*fn)(void *arg), void *arg);
	void *post_ud;
};

static void free_defs(struct gl_cue_def *defs, int count)
{
	for (int i = 0; i < count && defs; i++)
		free((void *)defs[i].changes);
	free(defs);
}

/* Control thread: sends the next wanted set when nothing is in flight. */
static void sync_run(void *arg)
{
	struct edit_sync *s = arg;
	pthread_mutex_lock(&s->lock);
	int li = -1;
	for (int i = 0; i < s->count && s->in_flight < 0 && li < 0; i++)
		if (s->lists[i].wanted)
			li = i;
	if (li < 0) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	struct sync_list *l = &s->lists[li];
	/* take the set: the GUI may want a newer one meanwhile */
	struct gl_cue_def *defs = l->defs;
	int *uids = l->uids, count = l->count, version = l->version;
	l->defs = NULL;
	l->uids = NULL;
	l->wanted = false;
	s->in_flight = li;
	s->in_flight_version = version;
	int *origin = malloc((size_t)(count ? count : 1) * sizeof *origin);
	for (int i = 0; origin && i < count; i++) {
		origin[i] = -1;
		for (int j = 0; j < l->engine_count; j++)
			if (l->engine_uids[j] == uids[i])
				origin[i] = j;
		for (int k = 0; origin[i] == -1 && k < l->base_count; k++)
			if (l->base_uids[k] == uids[i])
				origin[i] = GL_CUE_BUILT(k);
	}
	pthread_mutex_unlock(&s->lock);

	int rc = origin ? gl_engine_replace_cues(s->e, li, defs, origin, count) : GL_ENOMEM;
	free(origin);
	free_defs(defs, count);
	pthread_mutex_lock(&s->lock);
	if (rc == 0) {
		free(l->engine_uids);
		l->engine_uids = uids;
		l->engine_count = count;
	} else {
		free(uids);
		s->in_flight = -1;
	}
	pthread_mutex_unlock(&s->lock);
	if (rc != 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "the engine did not take the edited cue list %s: %s",
			 gl_engine_cuelist_name(s->e, li), gl_strerror(rc));
		gl_console_log(s->c, true, msg);
	}
}

void edits_event(struct gl_console *c, const struct gl_event *ev)
{
	struct edit_sync *s = c->sync;
	if (!s || ev->type != GL_EV_CUES_REPLACED)
		return;
	pthread_mutex_lock(&s->lock);
	if (s->in_flight == ev->list) {
		atomic_store(&s->lists[ev->list].acked_version, s->in_flight_version);
		s->in_flight = -1;
	}
	pthread_mutex_unlock(&s->lock);
	sync_run(s);
}

bool edits_synced(struct gl_console *c, int list)
{
	return atomic_load(&c->sync->lists[list].acked_version) == c->lists[list].version;
}

/* GUI: the list as the model holds it becomes the wanted set. */
static void sync_list(struct gl_console *c, int li)
{
	struct con_list *l = &c->lists[li];
	struct gl_cue_def *defs = calloc((size_t)(l->count ? l->count : 1), sizeof *defs);
	int *uids = calloc((size_t)(l->count ? l->count : 1), sizeof *uids);
	bool ok = defs && uids;
	for (int i = 0; ok && i < l->count; i++) {
		const struct con_cue *q = &l->cues[i];
		defs[i] = q->def;
		uids[i] = q->uid;
		struct gl_cue_change *ch = malloc((size_t)(q->def.change_count ? q->def.change_count : 1) *
						  sizeof *ch);
		if (!ch) {
			ok = false;
			break;
		}
		memcpy(ch, q->changes, (size_t)q->def.change_count * sizeof *ch);
		defs[i].changes = ch;
	}
	if (!ok) {
		free_defs(defs, l->count);
		free(uids);
		con_message(c, true, "out of memory: the engine keeps the list as it was");
		return;
	}
	struct edit_sync *s = c->sync;
	pthread_mutex_lock(&s->lock);
	struct sync_list *sl = &s->lists[li];
	free_defs(sl->defs, sl->count);
	free(sl->uids);
	sl->defs = defs;
	sl->uids = uids;
	sl->count = l->count;
	sl->version = l->version;
	sl->wanted = true;
	pthread_mutex_unlock(&s->lock);
	if (s->post(s->post_ud, sync_run, s) != 0)
		con_message(c, true, "out of memory: the edit waits for the next one");
}

/* ---- the model ------------------------------------------------------------------------- */

static int copy_cue(struct con_cue *dst, const struct con_cue *src)
{
	*dst = *src;
	dst->changes = malloc((size_t)(src->def.change_count ? src->def.change_count : 1) *
			      sizeof *dst->changes);
	if (!dst->changes)
		return -1;
	memcpy(dst->changes, src->changes, (size_t)src->def.change_count * sizeof *dst->changes);
	dst->def.changes = dst->changes;
	return 0;
}

static void free_cues(struct con_cue *cues, int count)
{
	for (int i = 0; i < count && cues; i++)
		free(cues[i].changes);
	free(cues);
}

int edits_find(const struct con_list *l, double number)
{
	for (int i = 0; i < l->count; i++)
		if (l->cues[i].def.number == number)
			return i;
	return -1;
}

bool edits_parse_number(const char *text, double *number, char out[GL_CUE_NUMBER_MAX])
{
	char *end;
	double v = strtod(text, &end);
	if (end == text || *end || !(v > 0 && v < 1e9))
		return false;
	char buf[32];
	snprintf(buf, sizeof buf, "%.10g", v);
	if (strlen(buf) >= GL_CUE_NUMBER_MAX)
		return false;
	/* the value the text reads back as (what a saved show loads) */
	*number = strtod(buf, NULL);
	memcpy(out, buf, strlen(buf) + 1);
	return true;
}

/* Sets param to value in a cue's changes (kept ascending by param). */
static int put_change(struct con_cue *q, int param, float value)
{
	int n = q->def.change_count, k = 0;
	while (k < n && q->changes[k].param < param)
		k++;
	if (k < n && q->changes[k].param == param) {
		q->changes[k].value = value;
		return 0;
	}
	struct gl_cue_change *grown = realloc(q->changes, (size_t)(n + 1) * sizeof *grown);
	if (!grown)
		return -1;
	memmove(grown + k + 1, grown + k, (size_t)(n - k) * sizeof *grown);
	grown[k] = (struct gl_cue_change){ param, value };
	q->changes = grown;
	q->def.changes = grown;
	q->def.change_count = n + 1;
	return 0;
}

/* Moves cue k to where its number belongs. */
static void resort(struct con_list *l, int k)
{
	struct con_cue q = l->cues[k];
	memmove(l->cues + k, l->cues + k + 1, (size_t)(l->count - k - 1) * sizeof q);
	int to = 0;
	while (to < l->count - 1 && l->cues[to].def.number < q.def.number)
		to++;
	memmove(l->cues + to + 1, l->cues + to, (size_t)(l->count - 1 - to) * sizeof q);
	l->cues[to] = q;
}

static int apply_op(struct con_list *l, const struct con_op *op)
{
	if (op->kind == OP_RECORD) {
		struct con_cue q;
		memset(&q, 0, sizeof q);
		gl_cue_def_init(&q.def);
		q.def.number = op->number;
		memcpy(q.def.number_text, op->number_text, sizeof q.def.number_text);
		snprintf(q.def.label, sizeof q.def.label, "%s", op->label);
		q.def.fade_in_s = q.def.fade_out_s = op->fade_s;
		q.uid = op->uid;
		q.at_s = NAN;
		q.changes = malloc(1);
		if (!q.changes)
			return -1;
		for (int i = 0; i < op->value_count; i++)
			if (put_change(&q, op->values[i].param, op->values[i].value) != 0) {
				free(q.changes);
				return -1;
			}
		q.def.changes = q.changes;
		struct con_cue *grown = realloc(l->cues, (size_t)(l->count + 1) * sizeof *grown);
		if (!grown) {
			free(q.changes);
			return -1;
		}
		l->cues = grown;
		l->cues[l->count++] = q;
		resort(l, l->count - 1);
		return 0;
	}
	int k = edits_find(l, op->number);
	if (k < 0)
		return -1;
	switch (op->kind) {
	case OP_UPDATE:
		for (int i = 0; i < op->value_count; i++)
			if (put_change(&l->cues[k], op->values[i].param, op->values[i].value) != 0)
				return -1;
		break;
	case OP_DELETE:
		free(l->cues[k].changes);
		memmove(l->cues + k, l->cues + k + 1, (size_t)(l->count - k - 1) * sizeof *l->cues);
		l->count--;
		break;
	case OP_RENUMBER:
		l->cues[k].def.number = op->to;
		memcpy(l->cues[k].def.number_text, op->to_text, sizeof op->to_text);
		resort(l, k);
		break;
	case OP_RECORD:
		break;
	}
	return 0;
}

/* The list as loaded, then every edit of the journal that touches it. */
static int rebuild(struct gl_console *c, int li)
{
	struct con_list *l = &c->lists[li];
	free_cues(l->cues, l->count);
	l->count = 0;
	l->cues = calloc((size_t)(l->base_count ? l->base_count : 1), sizeof *l->cues);
	if (!l->cues)
		return -1;
	for (int i = 0; i < l->base_count; i++) {
		if (copy_cue(&l->cues[i], &l->base[i]) != 0)
			return -1;
		l->count++;
	}
	for (int i = 0; i < c->op_count; i++)
		if (c->ops[i].list == li && apply_op(l, &c->ops[i]) != 0)
			return -1;
	return 0;
}

static void changed(struct gl_console *c, int li)
{
	struct con_list *l = &c->lists[li];
	l->version++;
	if (l->cursor >= l->count)
		l->cursor = l->count - 1;
	c->redraw = true;
	sync_list(c, li);
}

static void free_op(struct con_op *op)
{
	free(op->values);
	op->values = NULL;
}

/* Appends an edit (dropping what redo kept) and applies it. */
static int push_op(struct gl_console *c, struct con_op *op)
{
	for (int i = c->op_count; i < c->op_count + c->undone; i++)
		free_op(&c->ops[i]);
	c->undone = 0;
	if (c->op_count == c->op_cap) {
		int cap = c->op_cap ? c->op_cap * 2 : 16;
		struct con_op *grown = realloc(c->ops, (size_t)cap * sizeof *grown);
		if (!grown) {
			free_op(op);
			con_message(c, true, "out of memory: not done");
			return -1;
		}
		c->ops = grown;
		c->op_cap = cap;
	}
	op->serial = ++c->op_serial;
	c->ops[c->op_count++] = *op;
	if (apply_op(&c->lists[op->list], op) != 0) {
		c->op_count--;
		free_op(op);
		rebuild(c, op->list);
		con_message(c, true, "out of memory: not done");
		return -1;
	}
	changed(c, op->list);
	return 0;
}

/* ---- the edits ------------------------------------------------------------------------- */

/* An edit of an existing cue, as the journal keeps it. */
static struct con_op op_on_cue(enum con_op_kind kind, int li, const struct con_cue *q)
{
	struct con_op op;
	memset(&op, 0, sizeof op);
	op.kind = kind;
	op.list = li;
	op.number = q->def.number;
	memcpy(op.number_text, q->def.number_text, sizeof op.number_text);
	return op;
}

static bool valid_list(struct gl_console *c, int li)
{
	if (li >= 0 && li < c->list_count)
		return true;
	con_message(c, true, "the show has no cue list to record into");
	return false;
}

/* List li, when it holds cue; otherwise NULL, and the operator is told
 * `none` (what to select) unless it is NULL. */
static struct con_list *list_with_cue(struct gl_console *c, int li, int cue, const char *none)
{
	if (!valid_list(c, li))
		return NULL;
	struct con_list *l = &c->lists[li];
	if (cue < 0 || cue >= l->count) {
		if (none)
			con_message(c, true, "%s", none);
		return NULL;
	}
	return l;
}

int edits_record(struct gl_console *c, int li, const char *number_text)
{
	if (!valid_list(c, li))
		return -1;
	struct con_list *l = &c->lists[li];
	struct con_op op;
	memset(&op, 0, sizeof op);
	op.kind = OP_RECORD;
	op.list = li;
	if (number_text) {
		if (!edits_parse_number(number_text, &op.number, op.number_text)) {
			con_message(c, true, "\"%s\" is not a cue number", number_text);
			return -1;
		}
	} else {
		char next[32];
		snprintf(next, sizeof next, "%.0f", l->count ? floor(l->cues[l->count - 1].def.number) + 1 : 1);
		edits_parse_number(next, &op.number, op.number_text);
	}
	if (edits_find(l, op.number) >= 0) {
		con_message(c, true, "%s already has cue %s (update it with U)", l->name, op.number_text);
		return -1;
	}
	if (l->timecode) {
		con_message(c, true, "%s runs on timecode: each of its cues needs an at = time, "
			    "which only the show file gives; record into another list, or update "
			    "a cue (U)", l->name);
		return -1;
	}
	if (c->prog_count == 0) {
		con_message(c, true, "the programmer is empty: set intensity, colour or position first");
		return -1;
	}
	int n = program_values(c, &op.values);
	if (n < 0) {
		con_message(c, true, "out of memory");
		return -1;
	}
	op.value_count = n;
	op.uid = c->next_uid++;
	op.fade_s = c->opt.record_fade_s;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	snprintf(op.label, sizeof op.label, "Recorded %02d:%02d", tm.tm_hour, tm.tm_min);
	if (push_op(c, &op) != 0)
		return -1;
	l->cursor = edits_find(l, op.number);
	con_message(c, false, "recorded cue %s in %s: %d values, fade %g s", op.number_text, l->name,
		    n, op.fade_s);
	return 0;
}

int edits_update(struct gl_console *c, int li, int cue)
{
	struct con_list *l = list_with_cue(c, li, cue,
					   "no cue to update: select one (click it) or GO to one");
	if (!l)
		return -1;
	if (c->prog_count == 0) {
		con_message(c, true, "the programmer is empty: nothing to update %s with",
			    l->cues[cue].def.number_text);
		return -1;
	}
	struct con_op op = op_on_cue(OP_UPDATE, li, &l->cues[cue]);
	int n = program_values(c, &op.values);
	if (n < 0)
		return -1;
	op.value_count = n;
	if (push_op(c, &op) != 0)
		return -1;
	con_message(c, false, "updated cue %s of %s: %d values (they track on)", op.number_text,
		    l->name, n);
	return 0;
}

static bool has_handler(struct gl_console *c, const struct con_cue *q, const char *what)
{
	if (!(q->tags & GL_SHOW_CUE_HANDLER))
		return false;
	con_message(c, true, "cue %s has an on_cue handler in the show: %s it there, not here",
		    q->def.number_text, what);
	return true;
}

int edits_delete(struct gl_console *c, int li, int cue)
{
	struct con_list *l = list_with_cue(c, li, cue, NULL);
	if (!l || has_handler(c, &l->cues[cue], "delete"))
		return -1;
	struct con_op op = op_on_cue(OP_DELETE, li, &l->cues[cue]);
	if (push_op(c, &op) != 0)
		return -1;
	con_message(c, false, "deleted cue %s of %s (Ctrl+Z brings it back)", op.number_text, l->name);
	return 0;
}

/* On a list on timecode: the cue whose time cue k, renumbered `to`, would
 * pass (the cues must ascend in time as in number), or -1 when none. */
static int out_of_time(const struct con_list *l, int k, double to)
{
	double at = l->cues[k].at_s;
	if (!l->timecode || isnan(at))
		return -1;
	for (int i = 0; i < l->count; i++) {
		const struct con_cue *q = &l->cues[i];
		if (i != k && !isnan(q->at_s) &&
		    ((q->def.number < to && q->at_s > at) || (q->def.number > to && q->at_s < at)))
			return i;
	}
	return -1;
}

int edits_renumber(struct gl_console *c, int li, int cue, const char *number_text)
{
	struct con_list *l = list_with_cue(c, li, cue,
					   "select the cue to renumber first (click it), then type 5.5 N");
	if (!l)
		return -1;
	if (has_handler(c, &l->cues[cue], "renumber"))
		return -1;
	struct con_op op = op_on_cue(OP_RENUMBER, li, &l->cues[cue]);
	if (!number_text || !edits_parse_number(number_text, &op.to, op.to_text)) {
		con_message(c, true, "type the new number first: 5.5 N");
		return -1;
	}
	if (edits_find(l, op.to) >= 0) {
		con_message(c, true, "%s already has cue %s", l->name, op.to_text);
		return -1;
	}
	int after = out_of_time(l, cue, op.to);
	if (after >= 0) {
		con_message(c, true, "%s runs on timecode: cue %s (at %g s) cannot come %s cue %s "
			    "(at %g s); its cues keep their time order", l->name, op.number_text,
			    l->cues[cue].at_s, op.to > l->cues[after].def.number ? "after" : "before",
			    l->cues[after].def.number_text, l->cues[after].at_s);
		return -1;
	}
	if (push_op(c, &op) != 0)
		return -1;
	l->cursor = edits_find(l, op.to);
	con_message(c, false, "cue %s of %s is now cue %s", op.number_text, l->name, op.to_text);
	return 0;
}

static const char *op_name(enum con_op_kind k)
{
	switch (k) {
	case OP_RECORD: return "record";
	case OP_UPDATE: return "update";
	case OP_DELETE: return "delete";
	case OP_RENUMBER: return "renumber";
	}
	return "?";
}

void edits_undo(struct gl_console *c)
{
	if (c->op_count == 0) {
		con_message(c, false, "nothing to undo");
		return;
	}
	struct con_op *op = &c->ops[--c->op_count];
	c->undone++;
	if (rebuild(c, op->list) != 0)
		con_message(c, true, "out of memory while undoing");
	changed(c, op->list);
	con_message(c, false, "undone: %s cue %s of %s", op_name(op->kind), op->number_text,
		    c->lists[op->list].name);
}

void edits_redo(struct gl_console *c)
{
	if (c->undone == 0) {
		con_message(c, false, "nothing to redo");
		return;
	}
	struct con_op *op = &c->ops[c->op_count++];
	c->undone--;
	if (apply_op(&c->lists[op->list], op) != 0)
		con_message(c, true, "out of memory while redoing");
	changed(c, op->list);
	con_message(c, false, "redone: %s cue %s of %s", op_name(op->kind), op->number_text,
		    c->lists[op->list].name);
}

bool edits_dirty(const struct gl_console *c)
{
	if (c->op_count != c->saved_ops)
		return true;
	return c->op_count > 0 && c->ops[c->op_count - 1].serial != c->saved_serial;
}

/* ---- init ---------------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(buf, cap);
			if (!grown) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = grown;
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got < 4096)
			break;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int edits_init(struct gl_console *c, struct gl_show *show, char *err, size_t len)
{
	struct gl_engine *e = c->e;
	c->list_count = gl_engine_cuelist_count(e);
	c->lists = calloc((size_t)(c->list_count ? c->list_count : 1), sizeof *c->lists);
	c->sync = calloc(1, sizeof *c->sync);
	if (!c->lists || !c->sync) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	struct edit_sync *s = c->sync;
	pthread_mutex_init(&s->lock, NULL);
	s->c = c;
	s->e = e;
	s->in_flight = -1;
	s->post = c->host.post;
	s->post_ud = c->host.ud;
	s->count = c->list_count;
	s->lists = calloc((size_t)(c->list_count ? c->list_count : 1), sizeof *s->lists);
	if (!s->lists) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (int li = 0; li < c->list_count; li++) {
		struct con_list *l = &c->lists[li];
		snprintf(l->name, sizeof l->name, "%s", gl_engine_cuelist_name(e, li));
		l->cursor = -1;
		l->pending_goto = -1;
		l->base_count = gl_engine_cue_count(e, li);
		l->base = calloc((size_t)(l->base_count ? l->base_count : 1), sizeof *l->base);
		s->lists[li].engine_uids = calloc((size_t)(l->base_count ? l->base_count : 1), sizeof(int));
		s->lists[li].base_uids = calloc((size_t)(l->base_count ? l->base_count : 1), sizeof(int));
		if (!l->base || !s->lists[li].engine_uids || !s->lists[li].base_uids) {
			snprintf(err, len, "out of memory");
			return -1;
		}
		for (int k = 0; k < l->base_count; k++) {
			struct con_cue q;
			memset(&q, 0, sizeof q);
			q.def = *gl_engine_cue(e, li, k);
			q.changes = (struct gl_cue_change *)q.def.changes;
			q.uid = c->next_uid++;
			q.tags = gl_show_cue_tags(show, li, k);
			q.at_s = gl_show_cue_time(show, li, k);
			l->timecode |= !isnan(q.at_s);
			if (copy_cue(&l->base[k], &q) != 0) {
				snprintf(err, len, "out of memory");
				return -1;
			}
			s->lists[li].engine_uids[k] = s->lists[li].base_uids[k] = q.uid;
		}
		s->lists[li].engine_count = s->lists[li].base_count = l->base_count;
		if (rebuild(c, li) != 0) {
			snprintf(err, len, "out of memory");
			return -1;
		}
	}

	snprintf(c->show_path, sizeof c->show_path, "%s", gl_show_path(show));
	const char *rec = gl_show_recorded_path(show);
	if (rec) {
		c->show_has_recorded = true;
		snprintf(c->recorded_path, sizeof c->recorded_path, "%s", rec);
		c->recorded_text = read_file(rec, NULL);
		if (!c->recorded_text) {
			snprintf(err, len, "%s: %s", rec, strerror(errno));
			return -1;
		}
	} else {
		/* shows/demo.lua -> shows/demo.recorded.lua */
		const char *path = gl_show_path(show);
		size_t n = strlen(path);
		if (n > 4 && strcmp(path + n - 4, ".lua") == 0)
			n -= 4;
		snprintf(c->recorded_path, sizeof c->recorded_path, "%.*s.recorded.lua", (int)n, path);
		if (access(c->recorded_path, F_OK) == 0) {
			char msg[1200];
			snprintf(msg, sizeof msg, "%s exists but the show does not load it: a save "
				 "replaces it (the old one is kept as .bak)", c->recorded_path);
			gl_console_log(c, false, msg);
		}
	}
	return 0;
}

void edits_free(struct gl_console *c)
{
	for (int li = 0; li < c->list_count && c->lists; li++) {
		free_cues(c->lists[li].cues, c->lists[li].count);
		free_cues(c->lists[li].base, c->lists[li].base_count);
	}
	free(c->lists);
	for (int i = 0; i < c->op_count + c->undone; i++)
		free_op(&c->ops[i]);
	free(c->ops);
	free(c->recorded_text);
	struct edit_sync *s = c->sync;
	if (s) {
		for (int i = 0; i < s->count && s->lists; i++) {
			free_defs(s->lists[i].defs, s->lists[i].count);
			free(s->lists[i].uids);
			free(s->lists[i].engine_uids);
			free(s->lists[i].base_uids);
		}
		free(s->lists);
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

/* ---- save ----------------------------------------------------------------------------------- */

/* A growing text. */
struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap : 4096);
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *grown = realloc(t->buf, cap);
		if (!grown) {
			t->failed = true;
			return;
		}
		t->buf = grown;
		t->cap = cap;
	}
}

/* A Lua string literal. */
static void add_string(struct text *t, const char *s)
{
	add(t, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			add(t, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			add(t, "\\%03d", ch);
		else
			add(t, "%c", ch);
	}
	add(t, "\"");
}

/* The shortest text that reads back as exactly x - as a show file reads
 * it: a double (Lua), then a float (a look's value) - 0.6, not
 * 0.600000024. */
static void shortest_float(float x, char *buf, size_t len)
{
	for (int digits = 6; digits <= 9; digits++) {
		snprintf(buf, len, "%.*g", digits, (double)x);
		if ((float)strtod(buf, NULL) == x)
			return;
	}
}

static void shortest_double(double x, char *buf, size_t len)
{
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, len, "%.*g", digits, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* A look: the values grouped by fixture, { ["label"] = { attr = v, ... }, ... }.
 * Pan and tilt in the degrees that were asked for (exactly what a look
 * turns back into the same value), the rest with the digits a float needs. */
static void add_look(struct gl_console *c, struct text *t, const struct con_value *v, int n)
{
	add(t, "{\n");
	for (int i = 0; i < n;) {
		int f = v[i].fixture;
		add(t, "    [");
		add_string(t, c->rig.fx[f].label);
		add(t, "] = { ");
		for (bool first = true; i < n && v[i].fixture == f; i++, first = false) {
			add(t, "%s%s = ", first ? "" : ", ", gl_attr_name((enum gl_attr)v[i].attr));
			char num[40];
			if (v[i].attr == GL_ATTR_PAN || v[i].attr == GL_ATTR_TILT)
				shortest_double(v[i].degrees, num, sizeof num);
			else
				shortest_float(v[i].value, num, sizeof num);
			add(t, "%s", num);
		}
		add(t, " },\n");
	}
	add(t, "  }");
}

/* An edit as the show's Lua call: edit.<function>("list", ...). */
static void add_op(struct gl_console *c, struct text *t, const struct con_op *op)
{
	static const char *const function[] = {
		[OP_RECORD] = "record", [OP_UPDATE] = "update",
		[OP_DELETE] = "delete", [OP_RENUMBER] = "renumber",
	};

	add(t, "edit.%s(", function[op->kind]);
	add_string(t, c->lists[op->list].name);
	switch (op->kind) {
	case OP_RECORD:
		add(t, ", cue { \"%s\", ", op->number_text);
		add_string(t, op->label);
		add(t, ", fade = %.17g, look = ", op->fade_s);
		add_look(c, t, op->values, op->value_count);
		add(t, " })\n");
		break;
	case OP_UPDATE:
		add(t, ", \"%s\", ", op->number_text);
		add_look(c, t, op->values, op->value_count);
		add(t, ")\n");
		break;
	case OP_DELETE:
		add(t, ", \"%s\")\n", op->number_text);
		break;
	case OP_RENUMBER:
		add(t, ", \"%s\", \"%s\")\n", op->number_text, op->to_text);
		break;
	}
}

/* Writes `text` to `path` atomically: a temp file beside it, fsync, the old
 * file kept as path.bak, rename, fsync of the folder. The new file gets the
 * old one's mode (0644 when new). Returns 0, or -1 with the reason in err;
 * on failure the target is as it was and no temp file is left. */
static int write_atomic(const char *path, const char *text, size_t len, char *err, size_t err_len)
{
	char tmp[1100], bak[1100], dir[1100];
	struct stat st;
	mode_t mode = 0644;
	bool existed = stat(path, &st) == 0;
	if (existed)
		mode = st.st_mode & 07777;
	snprintf(dir, sizeof dir, "%s", path);
	snprintf(dir, sizeof dir, "%s", dirname(dir));
	snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
	snprintf(bak, sizeof bak, "%s.bak", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, err_len, "%s: cannot make a temp file: %s", path, strerror(errno));
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int saved_errno = errno;
	if (done != len || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		if (done == len)
			saved_errno = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, err_len, "%s: %s", path, strerror(saved_errno));
		return -1;
	}
	close(fd);
	if (existed) {
		/* the previous version stays, as a second name of the old file */
		unlink(bak);
		if (link(path, bak) != 0) {
			saved_errno = errno;
			unlink(tmp);
			snprintf(err, err_len, "%s: cannot keep the previous version as %s: %s", path,
				 bak, strerror(saved_errno));
			return -1;
		}
	}
	if (rename(tmp, path) != 0) {
		saved_errno = errno;
		unlink(tmp);
		snprintf(err, err_len, "%s: %s", path, strerror(saved_errno));
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* The recorded file as a save writes it: what it held when the show
 * loaded (or its header), then this session's edits. */
static void recorded_text(struct gl_console *c, struct text *t)
{
	const char *name = strrchr(c->recorded_path, '/');
	name = name ? name + 1 : c->recorded_path;
	if (c->recorded_text && c->recorded_text[0]) {
		add(t, "%s", c->recorded_text);
		if (c->recorded_text[strlen(c->recorded_text) - 1] != '\n')
			add(t, "\n");
	} else {
		add(t, "-- %s - cues recorded with `ghostlight console`, loaded by the show's line\n"
		       "-- recorded \"%s\". The console writes this file: edits are kept in order\n"
		       "-- (each save adds the session's), the file before a save is kept as .bak.\n",
		    name, name);
	}
	if (c->op_count > 0) {
		time_t now = time(NULL);
		struct tm tm;
		char when[64];
		localtime_r(&now, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		add(t, "\n-- console session, saved %s\n", when);
	}
	for (int i = 0; i < c->op_count; i++)
		add_op(c, t, &c->ops[i]);
}

int edits_autosave(struct gl_console *c, char *path, size_t path_len)
{
	struct text t = { 0 };
	char err[1400];
	snprintf(path, path_len, "%s.autosave", c->recorded_path);
	recorded_text(c, &t);
	int rc = t.failed ? -1 : write_atomic(path, t.buf, t.len, err, sizeof err);
	if (rc != 0 && !t.failed)
		fprintf(stderr, "ghostlight console: %s\n", err);
	free(t.buf);
	return rc;
}

int edits_save(struct gl_console *c)
{
	struct text t = { 0 };
	char err[1400];
	const char *name = strrchr(c->recorded_path, '/');
	name = name ? name + 1 : c->recorded_path;
	recorded_text(c, &t);
	if (t.failed) {
		free(t.buf);
		con_message(c, true, "not saved: out of memory");
		return -1;
	}
	if (write_atomic(c->recorded_path, t.buf, t.len, err, sizeof err) != 0) {
		free(t.buf);
		con_message(c, true, "not saved: %s", err);
		return -1;
	}
	free(t.buf);
	if (!c->show_has_recorded) {
		/* the show's own text, byte for byte, and one line after it */
		size_t len;
		char *show = read_file(c->show_path, &len);
		if (!show) {
			con_message(c, true, "saved %s, but cannot read %s to add its recorded line: %s",
				    c->recorded_path, c->show_path, strerror(errno));
			return -1;
		}
		struct text s = { 0 };
		add(&s, "%s", show);
		if (len > 0 && show[len - 1] != '\n')
			add(&s, "\n");
		add(&s, "\n-- cues recorded in the console (ghostlight console added this line)\n"
			"recorded ");
		add_string(&s, name);
		add(&s, "\n");
		free(show);
		if (s.failed || strlen(s.buf) != s.len) {
			free(s.buf);
			con_message(c, true, "saved %s, but %s holds a NUL byte or memory ran out: add "
				    "recorded \"%s\" to it by hand", c->recorded_path, c->show_path, name);
			return -1;
		}
		int rc = write_atomic(c->show_path, s.buf, s.len, err, sizeof err);
		free(s.buf);
		if (rc != 0) {
			con_message(c, true, "saved %s, but not its line in the show: %s", c->recorded_path,
				    err);
			return -1;
		}
		c->show_has_recorded = true;
	}
	c->saved_ops = c->op_count;
	c->saved_serial = c->op_count ? c->ops[c->op_count - 1].serial : 0;
	con_message(c, false, "saved %d edit(s) to %s", c->op_count, c->recorded_path);
	return 0;
}
