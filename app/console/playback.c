/*
 * playback.c - the cue lists column (each list with its cues: number,
 * label, times, wait/follow, action tags; the active cue filled green with
 * its fade bar and countdown, the standby framed amber, the cue selected
 * for editing marked blue) and the GO / BACK / STOP / PAUSE / PANIC block.
 *
 * What the next GO does is never in doubt: the standby drawn is the
 * engine's own (the snapshot), and the GO button names it. A list scrolls
 * only when its active cue would leave the view. GUI thread.
 */
#include "console_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_H 32
#define HEADER_H 40
#define COLUMNS_H 22
#define TAGS_W 110     /* the "does" column: Snd Vid MIDI OSC MQTT Lua */

void playback_cue_times(const struct gl_cue_def *d, char *buf, size_t len)
{
	int n;
	if (d->fade_in_s == d->fade_out_s)
		n = snprintf(buf, len, "%g", d->fade_in_s);
	else
		n = snprintf(buf, len, "%g/%g", d->fade_in_s, d->fade_out_s);
	if ((d->delay_in_s > 0 || d->delay_out_s > 0) && n > 0 && (size_t)n < len) {
		if (d->delay_in_s == d->delay_out_s)
			snprintf(buf + n, len - (size_t)n, " d%g", d->delay_in_s);
		else
			snprintf(buf + n, len - (size_t)n, " d%g/%g", d->delay_in_s, d->delay_out_s);
	}
}

static void continue_text(const struct gl_cue_def *d, char *buf, size_t len)
{
	switch (d->continue_mode) {
	case GL_CONTINUE_WAIT:
		snprintf(buf, len, "W %g", d->wait_s);
		break;
	case GL_CONTINUE_FOLLOW:
		snprintf(buf, len, d->wait_s > 0 ? "F %g" : "F", d->wait_s);
		break;
	case GL_CONTINUE_MANUAL:
		buf[0] = '\0';
		break;
	}
}

/* What a cue fires besides its look, short: sound, video, MIDI, OSC,
 * MQTT, a Lua handler, effects. */
static void cue_tags_text(unsigned tags, char *buf, size_t len)
{
	static const struct {
		unsigned tag;
		const char *text;
	} names[] = {
		{ GL_SHOW_CUE_AUDIO, "Snd" }, { GL_SHOW_CUE_VIDEO, "Vid" }, { GL_SHOW_CUE_MIDI, "MIDI" },
		{ GL_SHOW_CUE_OSC, "OSC" }, { GL_SHOW_CUE_MQTT, "MQTT" }, { GL_SHOW_CUE_HANDLER, "Lua" },
		{ GL_SHOW_CUE_EFFECTS, "FX" },
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0] && n < len; i++)
		if (tags & names[i].tag)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[i].text);
}

static const char *state_text(enum gl_list_state s)
{
	switch (s) {
	case GL_LIST_OFF: return "off";
	case GL_LIST_RUNNING: return "running";
	case GL_LIST_PAUSED: return "PAUSED";
	}
	return "";
}

/* One cue row. */
static void draw_row(struct gl_console *c, const struct con_list *l, int li, int k, SDL_Rect r,
		     const struct gl_list_status *ls)
{
	struct ui *ui = &c->ui;
	const struct con_cue *q = &l->cues[k];
	bool active = ls && ls->active == k && ls->state != GL_LIST_OFF;
	bool standby = ls && ls->standby == k;
	bool cursor = l->cursor == k;
	char buf[64];
	int pad = ui_px(ui, 8);

	if (active)
		ui_fill(ui, r, UI_LIVE_DIM);
	else if (cursor)
		ui_fill(ui, r, UI_SELECT_DIM);
	else if (k % 2)
		ui_fill(ui, r, UI_PANEL);
	if (active) {
		SDL_Rect bar = { r.x, r.y, ui_px(ui, 6), r.h };
		ui_fill(ui, bar, UI_LIVE);
	}
	if (cursor) {
		SDL_Rect bar = { r.x + (active ? ui_px(ui, 6) : 0), r.y, ui_px(ui, 4), r.h };
		ui_fill(ui, bar, UI_SELECT);
	}
	if (standby)
		ui_frame(ui, r, UI_NEXT, ui_px(ui, 2));

	enum ui_color text = active ? UI_TEXT_BRIGHT : standby ? UI_NEXT : UI_TEXT;
	int x = r.x + ui_px(ui, 14);
	SDL_Rect t = { x, r.y, ui_px(ui, 64), r.h };
	ui_text(ui, UI_FONT_MONO, t, UI_RIGHT, text, q->def.number_text);
	x += t.w + pad;
	int right_w = ui_px(ui, 90 + 84 + TAGS_W);
	t = (SDL_Rect){ x, r.y, r.x + r.w - right_w - x - pad, r.h };
	ui_text(ui, UI_FONT_BODY, t, UI_LEFT, text, q->def.label[0] ? q->def.label : "-");
	x = r.x + r.w - right_w;
	playback_cue_times(&q->def, buf, sizeof buf);
	t = (SDL_Rect){ x, r.y, ui_px(ui, 90), r.h };
	ui_text(ui, UI_FONT_MONO, t, UI_LEFT, active ? UI_TEXT : UI_TEXT_DIM, buf);
	x += t.w;
	t = (SDL_Rect){ x, r.y, ui_px(ui, 84), r.h };
	if (active && ls->continue_in_s >= 0) {
		snprintf(buf, sizeof buf, "%s%.1fs", q->def.continue_mode == GL_CONTINUE_WAIT
						       ? "W " : "F ", ls->continue_in_s);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, UI_TEXT_BRIGHT, buf);
	} else {
		continue_text(&q->def, buf, sizeof buf);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, UI_TEXT_DIM, buf);
	}
	x += t.w;
	cue_tags_text(q->tags, buf, sizeof buf);
	t = (SDL_Rect){ x, r.y, ui_px(ui, TAGS_W) - pad, r.h };
	ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, buf);
	if (active && ls->progress < 1.0f) {
		SDL_Rect bar = { r.x + ui_px(ui, 6), r.y + r.h - ui_px(ui, 5), r.w - ui_px(ui, 6),
				 ui_px(ui, 5) };
		ui_bar(ui, bar, ls->progress, UI_LIVE, UI_PANEL_HI);
	}
	snprintf(buf, sizeof buf, "cue:%d:%d", li, k);
	ui_hit_add(ui, buf, r);
}

static void draw_list(struct gl_console *c, int li, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	struct con_list *l = &c->lists[li];
	const struct gl_list_status *ls = c->have_snap ? &c->snap.lists[li] : NULL;
	bool selected = li == c->selected_list;
	int pad = ui_px(ui, 10);
	char buf[160];

	ui_fill(ui, r, UI_PANEL);
	SDL_Rect head = { r.x, r.y, r.w, ui_px(ui, HEADER_H) };
	ui_fill(ui, head, UI_PANEL_HI);
	if (selected) {
		SDL_Rect mark = { head.x, head.y, ui_px(ui, 6), head.h };
		ui_fill(ui, mark, UI_SELECT);
	}
	SDL_Rect t = { head.x + pad + ui_px(ui, 6), head.y, r.w / 2, head.h };
	ui_text(ui, UI_FONT_BIG, t, UI_LEFT, selected ? UI_TEXT_BRIGHT : UI_TEXT, l->name);
	if (ls) {
		snprintf(buf, sizeof buf, "%s   master %.0f%%", state_text(ls->state),
			 ls->master * 100.0f);
		t = (SDL_Rect){ head.x + r.w / 2, head.y, r.w / 2 - pad, head.h };
		ui_text(ui, UI_FONT_BODY, t, UI_RIGHT,
			ls->state == GL_LIST_PAUSED ? UI_TEXT_BRIGHT : UI_TEXT_DIM, buf);
	}
	snprintf(buf, sizeof buf, "list:%d", li);
	ui_hit_add(ui, buf, head);

	SDL_Rect cols = { r.x, head.y + head.h, r.w, ui_px(ui, COLUMNS_H) };
	int x = cols.x + ui_px(ui, 14);
	int right_w = ui_px(ui, 90 + 84 + TAGS_W);
	t = (SDL_Rect){ x, cols.y, ui_px(ui, 64), cols.h };
	ui_text(ui, UI_FONT_SMALL, t, UI_RIGHT, UI_TEXT_DIM, "cue");
	t = (SDL_Rect){ x + ui_px(ui, 64) + ui_px(ui, 8), cols.y, ui_px(ui, 100), cols.h };
	ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, "label");
	t = (SDL_Rect){ cols.x + cols.w - right_w, cols.y, ui_px(ui, 90), cols.h };
	ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, "fade");
	t.x += t.w;
	ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, "next");
	t.x += ui_px(ui, 84);
	ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, "does");

	int top = cols.y + cols.h, row_h = ui_px(ui, ROW_H);
	int rows = (r.y + r.h - top) / row_h;
	if (rows < 1)
		return;
	/* scroll only when the active (or standby) cue would leave the view */
	int keep = ls && ls->active >= 0 ? ls->active : ls ? ls->standby : -1;
	if (keep >= 0 && (keep < l->scroll || keep >= l->scroll + rows))
		l->scroll = keep > 0 ? keep - 1 : 0;
	if (l->scroll > l->count - rows)
		l->scroll = l->count - rows;
	if (l->scroll < 0)
		l->scroll = 0;
	for (int i = 0; i < rows && l->scroll + i < l->count; i++) {
		SDL_Rect row = { r.x, top + i * row_h, r.w, row_h };
		draw_row(c, l, li, l->scroll + i, row, ls);
	}
	if (l->count == 0) {
		SDL_Rect row = { r.x + pad, top, r.w - 2 * pad, row_h };
		ui_text(ui, UI_FONT_BODY, row, UI_LEFT, UI_TEXT_DIM, "no cues: record one (R)");
	}
}

void playback_draw(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	int n = c->list_count, gap = ui_px(ui, 4);
	if (n == 0) {
		ui_text(ui, UI_FONT_BODY, r, UI_CENTER, UI_TEXT_DIM, "the show has no cue lists");
		return;
	}
	/* lists other than the selected one keep a few rows; it takes the rest */
	int small = ui_px(ui, HEADER_H + COLUMNS_H + 3 * ROW_H);
	int big = r.h - (n - 1) * (small + gap);
	if (big < small)
		big = small;
	int y = r.y;
	for (int i = 0; i < n && y < r.y + r.h; i++) {
		int h = n == 1 ? r.h : i == c->selected_list ? big : small;
		if (y + h > r.y + r.h)
			h = r.y + r.h - y;
		SDL_Rect lr = { r.x, y, r.w, h };
		draw_list(c, i, lr);
		y += h + gap;
	}
}

/* ---- the buttons ------------------------------------------------------------------------ */

void buttons_draw(struct gl_console *c, SDL_Rect r, uint64_t now)
{
	struct ui *ui = &c->ui;
	int gap = ui_px(ui, 6);
	int side_w = r.w / 3;
	int go_w = r.w - side_w - gap;
	int go_h = r.h * 62 / 100;      /* 136 px at 1x: past the 96 asked for */
	SDL_Rect go = { r.x, r.y, go_w, go_h };
	int li = c->selected_list;
	const struct gl_list_status *ls = c->have_snap && li < c->list_count ? &c->snap.lists[li] : NULL;

	ui_fill(ui, go, UI_PANEL_HI);
	ui_frame(ui, go, UI_TEXT_DIM, ui_px(ui, 2));
	SDL_Rect t = { go.x, go.y + ui_px(ui, 6), go.w, go.h * 55 / 100 };
	ui_text(ui, UI_FONT_HUGE, t, UI_CENTER, UI_TEXT_BRIGHT, "GO");
	char next[GL_NAME_MAX * 3] = "end of list";
	if (ls && ls->standby >= 0 && ls->standby < c->lists[li].count) {
		const struct con_cue *q = &c->lists[li].cues[ls->standby];
		snprintf(next, sizeof next, "%s  %s %s", c->lists[li].name, q->def.number_text,
			 q->def.label);
	}
	t = (SDL_Rect){ go.x + gap, go.y + go.h * 58 / 100, go.w - 2 * gap, go.h * 22 / 100 };
	ui_text(ui, UI_FONT_BODY, t, UI_CENTER, ls && ls->standby >= 0 ? UI_NEXT : UI_TEXT_DIM, next);
	t.y += t.h;
	ui_text(ui, UI_FONT_SMALL, t, UI_CENTER, UI_TEXT_DIM, "Space");
	ui_hit_add(ui, "btn:go", go);

	int bh = (r.h - 2 * gap) / 3;
	SDL_Rect b = { r.x + go_w + gap, r.y, side_w, bh };
	ui_button(ui, b, "btn:back", "BACK", "B", UI_FONT_BIG, UI_PANEL_HI, UI_TEXT);
	b.y += bh + gap;
	ui_button(ui, b, "btn:stop", "STOP", "S", UI_FONT_BIG, UI_PANEL_HI, UI_TEXT);
	b.y += bh + gap;
	bool paused = ls && ls->state == GL_LIST_PAUSED;
	ui_button(ui, b, "btn:pause", paused ? "RESUME" : "PAUSE", "P", UI_FONT_BIG, UI_PANEL_HI,
		  paused ? UI_TEXT_BRIGHT : UI_TEXT);

	int low_h = r.h - go_h - gap;
	SDL_Rect bo = { r.x, r.y + go_h + gap, (go_w - gap) / 2, low_h };
	bool blackout = c->have_snap && c->snap.blackout;
	ui_button(ui, bo, "btn:blackout", "BLACKOUT", "Ctrl+B", UI_FONT_BODY,
		  blackout ? UI_ERROR : UI_PANEL_HI, blackout ? UI_TEXT_BRIGHT : UI_TEXT);
	SDL_Rect pa = { bo.x + bo.w + gap, bo.y, go_w - bo.w - gap, low_h };
	/* an armed panic blinks: the one thing besides an error that does */
	bool armed = c->panic_armed_ns != 0;
	bool lit = armed && ((now - c->panic_armed_ns) / (GL_NS_PER_S / 4)) % 2 == 0;
	ui_button(ui, pa, "btn:panic", armed ? "PANIC?" : "PANIC", armed ? "again to fire" : "Esc Esc",
		  UI_FONT_BODY, lit ? UI_ERROR : UI_ERROR_DIM, UI_TEXT_BRIGHT);
}

/* ---- actions ------------------------------------------------------------------------------ */

void playback_go(struct gl_console *c, int list)
{
	if (list < 0 || list >= c->list_count)
		return;
	struct con_list *l = &c->lists[list];
	uint64_t now = gl_now_ns();
	if (l->last_go_ns && c->opt.go_debounce_s > 0 &&
	    now - l->last_go_ns < (uint64_t)(c->opt.go_debounce_s * 1e9)) {
		con_message(c, false, "GO of %s ignored: %.0f ms after the last (debounce %.0f ms)",
			    l->name, (double)(now - l->last_go_ns) / 1e6, c->opt.go_debounce_s * 1e3);
		return;
	}
	l->last_go_ns = now;
	con_command(c, GL_CMD_GO, list, 0, 0);
}

void playback_goto_typed(struct gl_console *c, int list, const char *text)
{
	double number;
	char norm[GL_CUE_NUMBER_MAX];
	if (list < 0 || list >= c->list_count)
		return;
	struct con_list *l = &c->lists[list];
	if (!edits_parse_number(text, &number, norm)) {
		con_message(c, true, "\"%s\" is not a cue number", text);
		return;
	}
	int k = edits_find(l, number);
	if (k < 0) {
		con_message(c, true, "%s has no cue %s", l->name, norm);
		return;
	}
	l->pending_goto = k;   /* sent once the engine holds the list as shown */
	playback_pending(c);
}

void playback_pending(struct gl_console *c)
{
	for (int i = 0; i < c->list_count; i++) {
		struct con_list *l = &c->lists[i];
		if (l->pending_goto >= 0 && edits_synced(c, i)) {
			if (l->pending_goto < l->count)
				con_command(c, GL_CMD_GOTO, i, l->pending_goto, 0);
			l->pending_goto = -1;
		}
	}
}

void playback_move_standby(struct gl_console *c, int list, int step)
{
	if (list < 0 || list >= c->list_count || !c->have_snap || !edits_synced(c, list))
		return;
	const struct con_list *l = &c->lists[list];
	const struct gl_list_status *ls = &c->snap.lists[list];
	if (l->count == 0)
		return;
	int at = ls->standby >= 0 ? ls->standby : step > 0 ? -1 : l->count;
	int to = at + step;
	to = to < 0 ? 0 : to >= l->count ? l->count - 1 : to;
	con_command(c, GL_CMD_STANDBY, list, to, 0);
}

void playback_panic(struct gl_console *c, uint64_t now)
{
	if (c->panic_armed_ns && now - c->panic_armed_ns <= 2 * GL_NS_PER_S) {
		c->panic_armed_ns = 0;
		con_command(c, GL_CMD_STOP, -1, 0, 0);
		con_command(c, GL_CMD_BLACKOUT, -1, 1, 0);
		if (c->audio_part)   /* every sound out within a second, as a remote's PANIC */
			gl_audio_panic(c->audio_part);
		con_message(c, true, "PANIC: every list stopped, blackout on (Ctrl+B lifts it)%s",
			    c->audio_part ? ", sound faded out" : "");
		return;
	}
	c->panic_armed_ns = now;
	con_message(c, false, "PANIC armed: Esc (or PANIC) again within 2 s fires it");
}

bool playback_press(struct gl_console *c, const char *w, uint64_t now)
{
	int li = c->selected_list;
	if (strcmp(w, "btn:go") == 0)
		playback_go(c, li);
	else if (strcmp(w, "btn:back") == 0)
		con_command(c, GL_CMD_BACK, li, 0, 0);
	else if (strcmp(w, "btn:stop") == 0)
		con_command(c, GL_CMD_STOP, li, 0, 0);
	else if (strcmp(w, "btn:pause") == 0)
		con_command(c, c->have_snap && c->snap.lists[li].state == GL_LIST_PAUSED
				       ? GL_CMD_RESUME : GL_CMD_PAUSE, li, 0, 0);
	else if (strcmp(w, "btn:panic") == 0)
		playback_panic(c, now);
	else if (strcmp(w, "btn:blackout") == 0)
		con_command(c, GL_CMD_BLACKOUT, -1, c->have_snap && c->snap.blackout ? 0 : 1, 0);
	else if (strncmp(w, "list:", 5) == 0)
		c->selected_list = atoi(w + 5);
	else if (strncmp(w, "cue:", 4) == 0) {
		int l = -1, k = -1;
		if (sscanf(w + 4, "%d:%d", &l, &k) == 2 && l >= 0 && l < c->list_count) {
			c->selected_list = l;
			c->lists[l].cursor = c->lists[l].cursor == k ? -1 : k;
		}
	} else {
		return false;
	}
	return true;
}
