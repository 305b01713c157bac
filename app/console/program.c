/*
 * program.c - selection and the programmer: fixtures chosen by click,
 * rubber band on the stage, group, or number typed; intensity, colour
 * (presets and a hue/saturation field, mixed into each fixture's emitters
 * as a show file's colour is) and position (pan/tilt in degrees, as a look
 * gives them) set on the selection. The values go to the engine's
 * programmer layer, above every playback, through the command ring: what
 * does not fit this frame waits in an outbox for the next (a tick takes a
 * few hundred commands). Record and update take the programmer's values.
 * GUI thread.
 */
#include "console_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAN_SPAN_DEG 540.0     /* the position pad's width */
#define TILT_SPAN_DEG 270.0    /* and height */

static const struct { const char *name; float r, g, b; } presets[] = {
	{ "white", 1, 1, 1 },     { "warm", 1, 0.72f, 0.42f }, { "red", 1, 0, 0 },
	{ "orange", 1, 0.45f, 0 }, { "yellow", 1, 0.9f, 0 },   { "green", 0, 1, 0 },
	{ "cyan", 0, 1, 1 },      { "blue", 0, 0.15f, 1 },     { "magenta", 1, 0, 1 },
	{ "lavender", 0.6f, 0.45f, 1 },
};
#define PRESET_COUNT ((int)(sizeof presets / sizeof presets[0]))

int program_init(struct gl_console *c)
{
	int np = gl_engine_param_count(c->e);
	size_t n = (size_t)(np ? np : 1);
	c->selected = calloc((size_t)(c->rig.count ? c->rig.count : 1), sizeof *c->selected);
	c->prog = calloc(n, sizeof *c->prog);
	c->prog_deg = calloc(n, sizeof *c->prog_deg);
	c->prog_set = calloc(n, sizeof *c->prog_set);
	c->outbox = calloc(n, sizeof *c->outbox);
	c->in_outbox = calloc(n, sizeof *c->in_outbox);
	c->pick_h = 0.08f;
	c->pick_s = 0.6f;
	return c->selected && c->prog && c->prog_deg && c->prog_set && c->outbox && c->in_outbox
		       ? 0 : -1;
}

void program_free(struct gl_console *c)
{
	free(c->selected);
	free(c->prog);
	free(c->prog_deg);
	free(c->prog_set);
	free(c->outbox);
	free(c->in_outbox);
}

/* ---- selection ------------------------------------------------------------------------ */

static void count_selected(struct gl_console *c)
{
	c->selected_count = 0;
	for (int f = 0; f < c->rig.count; f++)
		c->selected_count += c->selected[f];
}

void program_select(struct gl_console *c, int f, bool add)
{
	if (f < 0 || f >= c->rig.count) {
		con_message(c, true, "no fixture %d (1..%d)", f + 1, c->rig.count);
		return;
	}
	if (!add) {
		bool was = c->selected[f];
		memset(c->selected, 0, (size_t)c->rig.count * sizeof *c->selected);
		c->selected[f] = !was || c->selected_count > 1;
	} else {
		c->selected[f] = !c->selected[f];
	}
	count_selected(c);
}

void program_select_range(struct gl_console *c, int first, int last)
{
	if (first > last) {
		int t = first;
		first = last;
		last = t;
	}
	if (first < 0 || last >= c->rig.count) {
		con_message(c, true, "no fixtures %d-%d (1..%d)", first + 1, last + 1, c->rig.count);
		return;
	}
	memset(c->selected, 0, (size_t)c->rig.count * sizeof *c->selected);
	for (int f = first; f <= last; f++)
		c->selected[f] = true;
	count_selected(c);
}

void program_select_group(struct gl_console *c, int group)
{
	const int *members;
	int n = gl_engine_group_members(c->e, group, &members);
	memset(c->selected, 0, (size_t)c->rig.count * sizeof *c->selected);
	for (int i = 0; i < n; i++)
		c->selected[members[i]] = true;
	count_selected(c);
}

void program_clear_selection(struct gl_console *c)
{
	memset(c->selected, 0, (size_t)c->rig.count * sizeof *c->selected);
	c->selected_count = 0;
}

/* ---- values ------------------------------------------------------------------------------ */

static void set_param(struct gl_console *c, int p, float value, double degrees)
{
	if (p < 0)
		return;
	if (!c->prog_set[p])
		c->prog_count++;
	c->prog_set[p] = true;
	c->prog[p] = value;
	c->prog_deg[p] = degrees;
	if (!c->in_outbox[p]) {
		c->in_outbox[p] = true;
		c->outbox[c->outbox_count++] = p;
	}
}

static bool need_selection(struct gl_console *c)
{
	if (c->selected_count == 0) {
		con_message(c, true, "select fixtures first (click them, drag on the stage, or 3 F)");
		return false;
	}
	return true;
}

void program_intensity(struct gl_console *c, float level)
{
	if (!need_selection(c))
		return;
	for (int f = 0; f < c->rig.count; f++)
		if (c->selected[f])
			set_param(c, c->rig.fx[f].params[GL_ATTR_INTENSITY], level, NAN);
}

void program_color(struct gl_console *c, float r, float g, float b)
{
	if (!need_selection(c))
		return;
	int none = 0;
	for (int f = 0; f < c->rig.count; f++) {
		if (!c->selected[f])
			continue;
		float out[GL_ATTR_COUNT];
		bool has[GL_ATTR_COUNT] = { false };
		if (gl_color_mix(c->rig.fx[f].type, r, g, b, out, has) == 0) {
			none++;
			continue;
		}
		for (int a = 0; a < GL_ATTR_COUNT; a++)
			if (has[a])
				set_param(c, c->rig.fx[f].params[a], out[a], NAN);
	}
	if (none)
		con_message(c, false, "%d selected fixture(s) mix no colour (no emitters)", none);
}

void program_position(struct gl_console *c, double pan, double tilt)
{
	if (!need_selection(c))
		return;
	for (int f = 0; f < c->rig.count; f++) {
		const struct con_fixture *x = &c->rig.fx[f];
		if (!c->selected[f])
			continue;
		static const enum gl_attr attrs[2] = { GL_ATTR_PAN, GL_ATTR_TILT };
		double deg[2] = { pan, tilt };
		double range[2] = { x->type->pan_range_deg, x->type->tilt_range_deg };
		for (int k = 0; k < 2; k++) {
			float v;
			if (range[k] <= 0 || x->params[attrs[k]] < 0)
				continue;
			/* within the fixture's reach, in the 0.1 degrees the pad sets */
			double d = fmax(-range[k] / 2, fmin(range[k] / 2, deg[k]));
			d = round(d * 10.0) / 10.0;
			if (gl_show_degrees_value(x->type, attrs[k], d, &v) == 0)
				set_param(c, x->params[attrs[k]], v, d);
		}
	}
}

void program_clear(struct gl_console *c)
{
	int np = gl_engine_param_count(c->e);
	memset(c->prog_set, 0, (size_t)np * sizeof *c->prog_set);
	memset(c->in_outbox, 0, (size_t)np * sizeof *c->in_outbox);
	c->prog_count = 0;
	c->outbox_count = 0;
	c->outbox_clear = true;
	program_flush(c);
}

void program_flush(struct gl_console *c)
{
	if (c->outbox_clear) {
		struct gl_cmd cmd = { GL_CMD_CLEAR_PARAM, -1, -1, 0 };
		if (gl_engine_command(c->e, &cmd) != 0)
			return;
		c->outbox_clear = false;
	}
	int sent = 0;
	while (sent < c->outbox_count) {
		int p = c->outbox[sent];
		struct gl_cmd cmd = { GL_CMD_SET_PARAM, -1, p, c->prog[p] };
		if (gl_engine_command(c->e, &cmd) == GL_EFULL)
			break;
		c->in_outbox[p] = false;
		sent++;
	}
	if (sent) {
		memmove(c->outbox, c->outbox + sent, (size_t)(c->outbox_count - sent) * sizeof *c->outbox);
		c->outbox_count -= sent;
	}
}

int program_values(struct gl_console *c, struct con_value **out)
{
	*out = calloc((size_t)(c->prog_count ? c->prog_count : 1), sizeof **out);
	if (!*out)
		return GL_ENOMEM;
	int n = 0;
	for (int f = 0; f < c->rig.count && n < c->prog_count; f++) {
		for (int a = 0; a < GL_ATTR_COUNT; a++) {
			int p = c->rig.fx[f].params[a];
			if (p < 0 || !c->prog_set[p])
				continue;
			(*out)[n++] = (struct con_value){ f, a, p, c->prog[p], c->prog_deg[p] };
		}
	}
	return n;
}

/* ---- the panel ------------------------------------------------------------------------- */

static void hsv(float h, float s, float *r, float *g, float *b)
{
	float k[3] = { 5, 3, 1 }, out[3];
	for (int i = 0; i < 3; i++) {
		float x = fmodf(k[i] + h * 6.0f, 6.0f);
		float m = fminf(fminf(x, 4.0f - x), 1.0f);
		out[i] = 1.0f - s * fmaxf(m, 0.0f);
	}
	*r = out[0];
	*g = out[1];
	*b = out[2];
}

/* The first selected fixture's programmer value of attr, else its live one. */
static float shown_value(struct gl_console *c, int attr, bool *held)
{
	*held = false;
	for (int f = 0; f < c->rig.count; f++) {
		if (!c->selected[f])
			continue;
		int p = c->rig.fx[f].params[attr];
		if (p >= 0 && c->prog_set[p]) {
			*held = true;
			return c->prog[p];
		}
		return attr == GL_ATTR_INTENSITY ? c->rig.fx[f].intensity : c->rig.fx[f].level[attr];
	}
	return 0;
}

static void draw_picker(struct gl_console *c, SDL_Rect r)
{
	enum { COLS = 24, ROWS = 6 };
	SDL_Vertex v[(COLS + 1) * (ROWS + 1)];
	int idx[COLS * ROWS * 6], nv = 0, ni = 0;
	for (int j = 0; j <= ROWS; j++) {
		for (int i = 0; i <= COLS; i++) {
			float r_, g_, b_;
			hsv((float)i / COLS, 1.0f - (float)j / ROWS, &r_, &g_, &b_);
			SDL_Color col = ui_live_color(&c->ui, r_, g_, b_);
			v[nv++] = (SDL_Vertex){ { (float)r.x + (float)r.w * (float)i / COLS,
						  (float)r.y + (float)r.h * (float)j / ROWS }, col, { 0, 0 } };
		}
	}
	for (int j = 0; j < ROWS; j++)
		for (int i = 0; i < COLS; i++) {
			int a = j * (COLS + 1) + i, b = a + 1, d = a + COLS + 1, e = d + 1;
			int q[6] = { a, b, d, b, e, d };
			for (int k = 0; k < 6; k++)
				idx[ni++] = q[k];
		}
	SDL_RenderGeometry(c->ren, NULL, v, nv, idx, ni);
	int mx = r.x + (int)(c->pick_h * (float)r.w), my = r.y + (int)((1.0f - c->pick_s) * (float)r.h);
	SDL_Rect mark = { mx - ui_px(&c->ui, 4), my - ui_px(&c->ui, 4), ui_px(&c->ui, 8),
			  ui_px(&c->ui, 8) };
	ui_frame(&c->ui, mark, UI_TEXT_BRIGHT, ui_px(&c->ui, 2));
	ui_hit_add(&c->ui, "prog:pick", r);
}

static void draw_pad(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	ui_fill(ui, r, UI_BG);
	ui_frame(ui, r, UI_LINE, 1);
	ui_line(ui, r.x + r.w / 2, r.y, r.x + r.w / 2, r.y + r.h, UI_LINE);
	ui_line(ui, r.x, r.y + r.h / 2, r.x + r.w, r.y + r.h / 2, UI_LINE);
	bool held = false;
	for (int f = 0; f < c->rig.count && !held; f++) {
		const struct con_fixture *x = &c->rig.fx[f];
		int pp = x->params[GL_ATTR_PAN], tp = x->params[GL_ATTR_TILT];
		if (!c->selected[f] || pp < 0 || tp < 0 || !c->prog_set[pp])
			continue;
		double fx = c->prog_deg[pp] / PAN_SPAN_DEG + 0.5;
		double fy = 0.5 - (c->prog_set[tp] ? c->prog_deg[tp] : 0) / TILT_SPAN_DEG;
		SDL_Rect m = { r.x + (int)(fx * r.w) - ui_px(ui, 5), r.y + (int)(fy * r.h) - ui_px(ui, 5),
			       ui_px(ui, 10), ui_px(ui, 10) };
		ui_fill(ui, m, UI_SELECT);
		held = true;
	}
	SDL_Rect t = { r.x, r.y, r.w, ui_font_height(ui, UI_FONT_SMALL) };
	ui_text(ui, UI_FONT_SMALL, t, UI_CENTER, UI_TEXT_DIM, "pan / tilt");
	ui_hit_add(ui, "prog:pos", r);
}

void program_draw(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	int pad = ui_px(ui, 8), gap = ui_px(ui, 6);
	char buf[200];
	ui_fill(ui, r, UI_PANEL);
	int x = r.x + pad, y = r.y + pad / 2;
	int line = ui_px(ui, 30);

	/* selection */
	SDL_Rect t = { x, y, ui_px(ui, 130), line };
	ui_text(ui, UI_FONT_BIG, t, UI_LEFT, UI_TEXT, "Program");
	if (c->selected_count == 0) {
		snprintf(buf, sizeof buf, "nothing selected");
	} else {
		int first = -1, last = -1;
		for (int f = 0; f < c->rig.count; f++)
			if (c->selected[f]) {
				if (first < 0)
					first = f;
				last = f;
			}
		if (c->selected_count == 1)
			snprintf(buf, sizeof buf, "%s", c->rig.fx[first].label);
		else
			snprintf(buf, sizeof buf, "%d selected: %s .. %s", c->selected_count,
				 c->rig.fx[first].label, c->rig.fx[last].label);
	}
	t = (SDL_Rect){ x + t.w, y, r.w - ui_px(ui, 130 + 300) - 2 * pad, line };
	ui_text(ui, UI_FONT_BODY, t, UI_LEFT, c->selected_count ? UI_SELECT : UI_TEXT_DIM, buf);
	snprintf(buf, sizeof buf, "%d values held", c->prog_count);
	t = (SDL_Rect){ r.x + r.w - pad - ui_px(ui, 300), y, ui_px(ui, 150), line };
	ui_text(ui, UI_FONT_BODY, t, UI_RIGHT, c->prog_count ? UI_SELECT : UI_TEXT_DIM, buf);
	SDL_Rect b = { r.x + r.w - pad - ui_px(ui, 140), y + ui_px(ui, 2), ui_px(ui, 66), line - ui_px(ui, 4) };
	ui_button(ui, b, "prog:all", "All", NULL, UI_FONT_BODY, UI_PANEL_HI, UI_TEXT);
	b.x += b.w + gap;
	ui_button(ui, b, "prog:none", "None", NULL, UI_FONT_BODY, UI_PANEL_HI, UI_TEXT);
	y += line + gap / 2;

	/* groups */
	int gx = x;
	for (int g = 0; g < gl_engine_group_count(c->e); g++) {
		const char *name = gl_engine_group_name(c->e, g);
		int w = ui_text_width(ui, UI_FONT_SMALL, name) + ui_px(ui, 16);
		if (gx + w > r.x + r.w - pad)
			break;
		SDL_Rect gb = { gx, y, w, ui_px(ui, 24) };
		ui_fill(ui, gb, UI_PANEL_HI);
		ui_text(ui, UI_FONT_SMALL, gb, UI_CENTER, UI_TEXT, name);
		snprintf(buf, sizeof buf, "group:%d", g);
		ui_hit_add(ui, buf, gb);
		gx += w + gap;
	}
	y += ui_px(ui, 24) + gap;

	/* intensity */
	bool held;
	float level = shown_value(c, GL_ATTR_INTENSITY, &held);
	t = (SDL_Rect){ x, y, ui_px(ui, 90), ui_px(ui, 28) };
	ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT, "Intensity");
	SDL_Rect bar = { x + t.w, y + ui_px(ui, 4), r.w - 2 * pad - t.w - ui_px(ui, 70), ui_px(ui, 20) };
	ui_bar(ui, bar, level, held ? UI_SELECT : UI_LINE, UI_BG);
	ui_hit_add(ui, "prog:int", bar);
	snprintf(buf, sizeof buf, "%.0f%%", level * 100);
	t = (SDL_Rect){ bar.x + bar.w, y, ui_px(ui, 70), ui_px(ui, 28) };
	ui_text(ui, UI_FONT_MONO, t, UI_RIGHT, held ? UI_SELECT : UI_TEXT, buf);
	y += ui_px(ui, 28) + gap;

	/* colour presets, the picker, the position pad */
	int area_h = r.y + r.h - y - ui_px(ui, 40) - gap - pad / 2;
	int sw = ui_px(ui, 34), sh = (area_h - gap) / 2;
	for (int i = 0; i < PRESET_COUNT; i++) {
		SDL_Rect s = { x + (i % 5) * (sw + gap), y + (i / 5) * (sh + gap), sw, sh };
		SDL_Color col = ui_live_color(ui, presets[i].r, presets[i].g, presets[i].b);
		SDL_SetRenderDrawColor(c->ren, col.r, col.g, col.b, 255);
		SDL_RenderFillRect(c->ren, &s);
		ui_frame(ui, s, UI_LINE, 1);
		snprintf(buf, sizeof buf, "prog:preset:%d", i);
		ui_hit_add(ui, buf, s);
	}
	int px = x + 5 * (sw + gap) + gap;
	SDL_Rect padr = { r.x + r.w - pad - area_h, y, area_h, area_h };
	SDL_Rect pick = { px, y, padr.x - gap * 2 - px, area_h };
	draw_picker(c, pick);
	draw_pad(c, padr);
	y += area_h + gap;

	/* what to do with it */
	static const struct { const char *name, *text; } acts[] = {
		{ "prog:record", "Record" }, { "prog:update", "Update" }, { "prog:clear", "Clear" },
		{ "prog:delete", "Delete cue" }, { "prog:undo", "Undo" }, { "prog:redo", "Redo" },
		{ "prog:save", "Save" },
	};
	int n = (int)(sizeof acts / sizeof acts[0]);
	int bw = (r.w - 2 * pad - (n - 1) * gap) / n;
	for (int i = 0; i < n; i++) {
		SDL_Rect a = { x + i * (bw + gap), y, bw, ui_px(ui, 40) };
		bool hot = (i == 0 || i == 1) && c->prog_count > 0;
		bool unsaved = i == 6 && edits_dirty(c);
		ui_button(ui, a, acts[i].name, acts[i].text, NULL, UI_FONT_BODY, UI_PANEL_HI,
			  hot || unsaved ? UI_TEXT_BRIGHT : UI_TEXT);
		if (hot)
			ui_frame(ui, a, UI_SELECT, ui_px(ui, 2));
	}
}

/* ---- input ------------------------------------------------------------------------------- */

static bool fraction(struct gl_console *c, const char *widget, int x, int y, float *fx, float *fy)
{
	const struct ui_hit *h = ui_hit_find(&c->ui, widget);
	if (!h || h->r.w <= 0 || h->r.h <= 0)
		return false;
	*fx = (float)(x - h->r.x) / (float)h->r.w;
	*fy = (float)(y - h->r.y) / (float)h->r.h;
	*fx = *fx < 0 ? 0 : *fx > 1 ? 1 : *fx;
	*fy = *fy < 0 ? 0 : *fy > 1 ? 1 : *fy;
	return true;
}

bool program_press(struct gl_console *c, const char *w, int x, int y, bool drag)
{
	float fx, fy;
	int li = c->selected_list;
	if (strcmp(w, "stage") == 0) {
		if (!drag) {
			c->drag_select = true;
			c->band_x0 = c->band_x1 = x;
			c->band_y0 = c->band_y1 = y;
		} else {
			c->band_x1 = x;
			c->band_y1 = y;
		}
		return true;
	}
	if (strcmp(w, "stage:release") == 0) {
		SDL_Rect band = { c->band_x0 < x ? c->band_x0 : x, c->band_y0 < y ? c->band_y0 : y,
				  abs(x - c->band_x0), abs(y - c->band_y0) };
		c->drag_select = false;
		if (band.w < ui_px(&c->ui, 4) && band.h < ui_px(&c->ui, 4)) {
			program_clear_selection(c);   /* a click on the empty stage */
			return true;
		}
		stage_in_rect(&c->ui, &c->rig, c->stage_rect, band, c->selected);
		count_selected(c);
		return true;
	}
	if (strncmp(w, "fx:", 3) == 0 || strncmp(w, "sheet:", 6) == 0) {
		if (!drag)
			program_select(c, atoi(strchr(w, ':') + 1), true);
		return true;
	}
	if (strncmp(w, "group:", 6) == 0) {
		if (!drag)
			program_select_group(c, atoi(w + 6));
		return true;
	}
	if (strcmp(w, "prog:int") == 0 && fraction(c, w, x, y, &fx, &fy)) {
		program_intensity(c, roundf(fx * 100.0f) / 100.0f);
		return true;
	}
	if (strcmp(w, "prog:pick") == 0 && fraction(c, w, x, y, &fx, &fy)) {
		float r, g, b;
		c->pick_h = fx;
		c->pick_s = 1.0f - fy;
		hsv(c->pick_h, c->pick_s, &r, &g, &b);
		program_color(c, r, g, b);
		return true;
	}
	if (strcmp(w, "prog:pos") == 0 && fraction(c, w, x, y, &fx, &fy)) {
		program_position(c, (fx - 0.5) * PAN_SPAN_DEG, (0.5 - fy) * TILT_SPAN_DEG);
		return true;
	}
	if (drag)
		return false;
	if (strncmp(w, "prog:preset:", 12) == 0) {
		int i = atoi(w + 12);
		if (i >= 0 && i < PRESET_COUNT)
			program_color(c, presets[i].r, presets[i].g, presets[i].b);
	} else if (strcmp(w, "prog:record") == 0) {
		char typed[CON_CMDLINE_MAX];
		snprintf(typed, sizeof typed, "%s", c->cmdline);
		c->cmdline[0] = '\0';
		edits_record(c, li, typed[0] ? typed : NULL);
	} else if (strcmp(w, "prog:update") == 0) {
		if (li < c->list_count)
			edits_update(c, li, c->lists[li].cursor >= 0 ? c->lists[li].cursor
								      : c->snap.lists[li].active);
	} else if (strcmp(w, "prog:clear") == 0) {
		program_clear(c);
	} else if (strcmp(w, "prog:delete") == 0) {
		if (li >= c->list_count || c->lists[li].cursor < 0)
			con_message(c, true, "select the cue to delete first (click it)");
		else
			c->prompt = PROMPT_DELETE;
	} else if (strcmp(w, "prog:undo") == 0) {
		edits_undo(c);
	} else if (strcmp(w, "prog:redo") == 0) {
		edits_redo(c);
	} else if (strcmp(w, "prog:save") == 0) {
		edits_save(c);
	} else if (strcmp(w, "prog:all") == 0) {
		program_select_range(c, 0, c->rig.count - 1);
	} else if (strcmp(w, "prog:none") == 0) {
		program_clear_selection(c);
	} else {
		return false;
	}
	return true;
}
