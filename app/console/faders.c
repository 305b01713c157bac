/*
 * faders.c - the fader strip: the show's faders (group and list masters,
 * the audio master), a master for each list no fader masters, in pages of
 * eight, and the grand master always at the right end. Moved by mouse, by
 * any number of fingers at once, by the wheel; they follow remotes (OSC,
 * the show's own set_fader) live from the snapshot, except while a hand
 * holds them. GUI thread.
 */
#include "console_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A held fader keeps the hand's level after it lets go until the engine
 * shows it (or this long), so the thumb does not jump back a tick. */
#define RELEASE_HOLD_NS (GL_NS_PER_S / 2)

int faders_slots(struct gl_console *c, struct fader_slot *out, int cap)
{
	int n = 0;
	int faders = gl_engine_fader_count(c->e);
	for (int i = 0; i < faders && n < cap - 1; i++) {
		int number;
		const char *label;
		gl_engine_fader_info(c->e, i, &number, NULL, NULL, &label);
		out[n++] = (struct fader_slot){ SLOT_FADER, i, number, label };
	}
	for (int l = 0; l < c->list_count && n < cap - 1; l++) {
		bool mastered = false;
		for (int i = 0; i < faders; i++) {
			enum gl_fader_kind kind;
			int target;
			gl_engine_fader_info(c->e, i, NULL, &kind, &target, NULL);
			mastered |= kind == GL_FADER_CUELIST && target == l;
		}
		if (!mastered)
			out[n++] = (struct fader_slot){ SLOT_LIST_MASTER, l, 0, c->lists[l].name };
	}
	out[n++] = (struct fader_slot){ SLOT_GM, 0, 0, "Grand master" };
	return n;
}

float faders_level(struct gl_console *c, const struct fader_slot *s)
{
	if (!c->have_snap)
		return 0;
	switch (s->kind) {
	case SLOT_FADER:
		return c->snap.fader_levels[s->index];
	case SLOT_LIST_MASTER:
		return c->snap.lists[s->index].master;
	case SLOT_GM:
		return c->snap.grand_master;
	}
	return 0;
}

static void send_level(struct gl_console *c, const struct fader_slot *s, float v)
{
	switch (s->kind) {
	case SLOT_FADER:
		con_command(c, GL_CMD_FADER, -1, s->number, v);
		break;
	case SLOT_LIST_MASTER:
		con_command(c, GL_CMD_LIST_MASTER, s->index, 0, v);
		break;
	case SLOT_GM:
		con_command(c, GL_CMD_GRAND_MASTER, -1, 0, v);
		break;
	}
}

void faders_page(struct gl_console *c, int step)
{
	struct fader_slot slots[CON_FADER_SLOTS];
	int n = faders_slots(c, slots, CON_FADER_SLOTS) - 1;   /* the GM has no page */
	int pages = n > 0 ? (n + CON_FADERS_PER_PAGE - 1) / CON_FADERS_PER_PAGE : 1;
	c->fader_page += step;
	if (c->fader_page >= pages)
		c->fader_page = pages - 1;
	if (c->fader_page < 0)
		c->fader_page = 0;
}

/* The level to show for slot k: the hand's while it holds it. */
static float shown_level(struct gl_console *c, int k, const struct fader_slot *s, uint64_t now)
{
	float live = faders_level(c, s);
	if (c->fader_drag[k] >= 0 && c->fader_release_ns[k] &&
	    (now - c->fader_release_ns[k] > RELEASE_HOLD_NS || live == c->fader_drag[k]))
		c->fader_drag[k] = -1;
	return c->fader_drag[k] >= 0 ? c->fader_drag[k] : live;
}

static void draw_fader(struct gl_console *c, int k, const struct fader_slot *s, SDL_Rect r,
		       uint64_t now)
{
	struct ui *ui = &c->ui;
	int pad = ui_px(ui, 6);
	float v = shown_level(c, k, s, now);
	bool held = c->fader_drag[k] >= 0 && !c->fader_release_ns[k];
	char buf[64];

	ui_fill(ui, r, UI_PANEL);
	SDL_Rect t = { r.x + pad / 2, r.y + pad / 2, r.w - pad, ui_px(ui, 20) };
	ui_text(ui, UI_FONT_SMALL, t, UI_CENTER, UI_TEXT, s->label && s->label[0] ? s->label : "-");
	t.y += t.h;
	snprintf(buf, sizeof buf, "%.0f%%", v * 100.0f);
	ui_text(ui, UI_FONT_MONO, t, UI_CENTER, held ? UI_TEXT_BRIGHT : UI_TEXT, buf);
	int top = t.y + t.h + pad, bottom = r.y + r.h - ui_px(ui, 24);
	SDL_Rect track = { r.x + r.w / 2 - ui_px(ui, 7), top, ui_px(ui, 14), bottom - top };
	c->fader_track[k] = track;
	ui_fill(ui, track, UI_BG);
	int fill_h = (int)((float)track.h * v + 0.5f);
	SDL_Rect fill = { track.x, track.y + track.h - fill_h, track.w, fill_h };
	ui_fill(ui, fill, UI_LINE);
	SDL_Rect thumb = { r.x + pad, track.y + track.h - fill_h - ui_px(ui, 6), r.w - 2 * pad,
			   ui_px(ui, 12) };
	ui_fill(ui, thumb, held ? UI_SELECT : UI_TEXT_DIM);
	SDL_Rect num = { r.x, bottom, r.w, r.y + r.h - bottom };
	if (s->kind == SLOT_FADER && c->audio_master && s->number == c->audio_master)
		snprintf(buf, sizeof buf, "F%d audio", s->number);
	else if (s->kind == SLOT_FADER)
		snprintf(buf, sizeof buf, "F%d", s->number);
	else if (s->kind == SLOT_LIST_MASTER)
		snprintf(buf, sizeof buf, "list");
	else
		snprintf(buf, sizeof buf, "GM");
	ui_text(ui, UI_FONT_SMALL, num, UI_CENTER, UI_TEXT_DIM, buf);
	snprintf(buf, sizeof buf, "fader:%d", k);
	ui_hit_add(ui, buf, r);
}

void faders_draw(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	struct fader_slot slots[CON_FADER_SLOTS];
	int n = faders_slots(c, slots, CON_FADER_SLOTS);
	uint64_t now = gl_now_ns();
	int gap = ui_px(ui, 4);
	int nav_w = ui_px(ui, 56);
	int col_w = (r.w - nav_w - gap) / (CON_FADERS_PER_PAGE + 1) - gap;
	int paged = n - 1;
	int pages = paged > 0 ? (paged + CON_FADERS_PER_PAGE - 1) / CON_FADERS_PER_PAGE : 1;
	if (c->fader_page >= pages)
		c->fader_page = pages - 1;

	ui_fill(ui, r, UI_BG);
	int x = r.x;
	int first = c->fader_page * CON_FADERS_PER_PAGE;
	for (int i = 0; i < CON_FADERS_PER_PAGE; i++) {
		SDL_Rect col = { x, r.y, col_w, r.h };
		if (first + i < paged)
			draw_fader(c, first + i, &slots[first + i], col, now);
		else
			ui_fill(ui, col, UI_PANEL);
		x += col_w + gap;
	}
	/* page controls */
	SDL_Rect nav = { x, r.y, nav_w, r.h };
	ui_fill(ui, nav, UI_PANEL);
	char buf[32];
	SDL_Rect b = { nav.x, nav.y, nav.w, nav.h / 3 };
	ui_fill(ui, b, UI_PANEL_HI);
	ui_text(ui, UI_FONT_BIG, b, UI_CENTER, pages > 1 ? UI_TEXT : UI_TEXT_DIM, "\u25b2");
	ui_hit_add(ui, "page:prev", b);
	b.y += b.h;
	snprintf(buf, sizeof buf, "%d/%d", c->fader_page + 1, pages);
	ui_text(ui, UI_FONT_BODY, b, UI_CENTER, UI_TEXT_DIM, buf);
	b.y += b.h;
	ui_fill(ui, b, UI_PANEL_HI);
	ui_text(ui, UI_FONT_BIG, b, UI_CENTER, pages > 1 ? UI_TEXT : UI_TEXT_DIM, "\u25bc");
	ui_hit_add(ui, "page:next", b);
	x += nav_w + gap;
	SDL_Rect gm = { x, r.y, r.x + r.w - x, r.h };
	draw_fader(c, n - 1, &slots[n - 1], gm, now);
}

void faders_grab(struct gl_console *c, const char *widget, int y, bool release)
{
	int k = atoi(widget + 6);
	struct fader_slot slots[CON_FADER_SLOTS];
	int n = faders_slots(c, slots, CON_FADER_SLOTS);
	if (k < 0 || k >= n)
		return;
	if (release) {
		c->fader_release_ns[k] = gl_now_ns();
		return;
	}
	SDL_Rect t = c->fader_track[k];
	if (t.h <= 0)
		return;
	float v = 1.0f - (float)(y - t.y) / (float)t.h;
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	v = (float)((int)(v * 1000.0f + 0.5f)) / 1000.0f;   /* 0.1 % steps */
	c->fader_release_ns[k] = 0;
	if (c->fader_drag[k] != v) {
		c->fader_drag[k] = v;
		send_level(c, &slots[k], v);
	}
}

void faders_wheel(struct gl_console *c, const char *widget, float dy)
{
	int k = atoi(widget + 6);
	struct fader_slot slots[CON_FADER_SLOTS];
	int n = faders_slots(c, slots, CON_FADER_SLOTS);
	if (k < 0 || k >= n)
		return;
	float v = (c->fader_drag[k] >= 0 ? c->fader_drag[k] : faders_level(c, &slots[k])) +
		  dy * 0.02f;
	v = v < 0 ? 0 : v > 1 ? 1 : v;
	v = (float)((int)(v * 1000.0f + 0.5f)) / 1000.0f;
	c->fader_drag[k] = v;
	c->fader_release_ns[k] = gl_now_ns();
	send_level(c, &slots[k], v);
}
