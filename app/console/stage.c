/*
 * stage.c - fixtures as the frame on the wire shows them, and the stage
 * view: each fixture drawn where the show puts it (patch { at = ... }) or
 * laid out in rows by patch, filled with its live colour at its live
 * intensity, with a line for where a moving light points (pan: its
 * direction, tilt: its length).
 *
 * Live values are decoded from the DMX frame itself (the fixture's type
 * says which slots hold what), so the view shows what goes out, masters
 * and blackout included. A fixture with only a colour wheel shows white:
 * the engine's fixture type does not carry the wheel's colours. GUI thread
 * (and `render --png`, on the thread that renders).
 */
#include "console_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTO_ROW_MAX 32        /* fixtures per row of the automatic layout */
#define SEGMENTS 14            /* of a fixture's circle */
#define LABEL_MAX 128          /* fixtures: more are drawn without labels */

/* "front 3.2" -> base "front", instance 3, head 2; "spot" -> "spot", 1, 0. */
static void split_label(const char *label, char *base, size_t len, int *instance, int *head)
{
	snprintf(base, len, "%s", label);
	*instance = 1;
	*head = 0;
	char *dot = strrchr(base, '.');
	if (dot && dot[1] >= '0' && dot[1] <= '9' && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
		*head = atoi(dot + 1);
		*dot = '\0';
	}
	char *sp = strrchr(base, ' ');
	if (sp && sp[1] >= '0' && sp[1] <= '9' && strspn(sp + 1, "0123456789") == strlen(sp + 1)) {
		*instance = atoi(sp + 1);
		*sp = '\0';
	}
}

int stage_rig_init(struct con_rig *rig, struct gl_show *show)
{
	struct gl_engine *e = gl_show_engine(show);
	memset(rig, 0, sizeof *rig);
	rig->count = gl_engine_fixture_count(e);
	rig->fx = calloc((size_t)(rig->count ? rig->count : 1), sizeof *rig->fx);
	if (!rig->fx)
		return -1;
	bool any_placed = false;
	for (int f = 0; f < rig->count; f++) {
		struct con_fixture *x = &rig->fx[f];
		int universe;
		snprintf(x->label, sizeof x->label, "%s", gl_engine_fixture_label(e, f));
		x->type = gl_engine_fixture_type(e, f);
		gl_engine_fixture_address(e, f, &universe, &x->address);
		x->universe_index = gl_engine_universe_index(e, universe);
		for (int a = 0; a < GL_ATTR_COUNT; a++)
			x->params[a] = gl_engine_param(e, f, (enum gl_attr)a);
		x->has_position = x->type->pan_range_deg > 0 || x->type->tilt_range_deg > 0;
		x->placed = gl_show_fixture_at(show, f, &x->x, &x->y);
		if (x->placed) {
			char base[GL_NAME_MAX];
			int instance, head;
			split_label(x->label, base, sizeof base, &instance, &head);
			if (head > 0)    /* heads side by side at their instance's place */
				x->x += (float)(head - 1) * 0.22f - 0.3f;
			any_placed = true;
		}
	}
	/* the placed ones' extent; the rest in rows upstage of them, a row
	 * per patch (at most AUTO_ROW_MAX), the first patch nearest the
	 * audience */
	float top = 0;
	for (int f = 0; f < rig->count; f++)
		if (rig->fx[f].placed && rig->fx[f].y + 2.0f > top)
			top = rig->fx[f].y + 2.0f;
	if (!any_placed)
		top = 0;
	char row_base[GL_NAME_MAX] = "";
	float row_y = top - 1.5f;
	int row_first_instance = 0;
	for (int f = 0; f < rig->count; f++) {
		struct con_fixture *x = &rig->fx[f];
		if (x->placed)
			continue;
		char base[GL_NAME_MAX];
		int instance, head;
		split_label(x->label, base, sizeof base, &instance, &head);
		if (strcmp(base, row_base) != 0 || instance - row_first_instance >= AUTO_ROW_MAX) {
			if (strcmp(base, row_base) != 0)
				row_first_instance = instance;
			else
				row_first_instance += AUTO_ROW_MAX;
			snprintf(row_base, sizeof row_base, "%s", base);
			row_y += 1.5f;
		}
		x->x = (float)(instance - row_first_instance) + (head > 0 ? (float)(head - 1) * 0.22f - 0.3f : 0);
		x->y = row_y;
	}
	rig->min_x = rig->min_y = INFINITY;
	rig->max_x = rig->max_y = -INFINITY;
	for (int f = 0; f < rig->count; f++) {
		struct con_fixture *x = &rig->fx[f];
		rig->min_x = fminf(rig->min_x, x->x);
		rig->max_x = fmaxf(rig->max_x, x->x);
		rig->min_y = fminf(rig->min_y, x->y);
		rig->max_y = fmaxf(rig->max_y, x->y);
	}
	if (rig->count == 0)
		rig->min_x = rig->min_y = rig->max_x = rig->max_y = 0;
	/* the nearest two fixtures: how much room a label has (rigs small
	 * enough to label; a big one is not labelled anyway) */
	rig->spacing = 1.0f;
	if (rig->count <= LABEL_MAX) {
		float best = INFINITY;
		for (int a = 0; a < rig->count; a++)
			for (int b = a + 1; b < rig->count; b++) {
				float dx = rig->fx[a].x - rig->fx[b].x, dy = rig->fx[a].y - rig->fx[b].y;
				float d = sqrtf(dx * dx + dy * dy);
				if (d > 0 && d < best)
					best = d;
			}
		if (isfinite(best))
			rig->spacing = best;
	}
	return 0;
}

void stage_rig_free(struct con_rig *rig)
{
	free(rig->fx);
	rig->fx = NULL;
	rig->count = 0;
}

/* A channel's value (0..1) as the frame carries it. */
static float channel_value(const struct gl_channel *ch, const uint8_t *base)
{
	uint32_t w = 0, max = 0;
	for (int b = 0; b < ch->bytes; b++) {
		w = (w << 8) | base[gl_channel_slot(ch, b)];
		max = (max << 8) | 0xff;
	}
	float v = (float)w / (float)max;
	return ch->inverted ? 1.0f - v : v;
}

void stage_decode(struct con_rig *rig, const uint8_t *dmx)
{
	for (int f = 0; f < rig->count; f++) {
		struct con_fixture *x = &rig->fx[f];
		const struct gl_fixture_type *t = x->type;
		const uint8_t *base = dmx + (size_t)x->universe_index * GL_DMX_SLOTS + x->address - 1;
		bool has[GL_ATTR_COUNT] = { false };
		for (int a = 0; a < GL_ATTR_COUNT; a++)
			x->level[a] = 0;
		for (int c = 0; c < t->channel_count; c++) {
			const struct gl_channel *ch = &t->channels[c];
			x->level[ch->attr] = channel_value(ch, base);
			has[ch->attr] = true;
		}
		const float *l = x->level;
		float r = l[GL_ATTR_RED] + l[GL_ATTR_WHITE] + l[GL_ATTR_AMBER] + 0.3f * l[GL_ATTR_UV];
		float g = l[GL_ATTR_GREEN] + l[GL_ATTR_WHITE] + 0.75f * l[GL_ATTR_AMBER];
		float b = l[GL_ATTR_BLUE] + l[GL_ATTR_WHITE] + 0.6f * l[GL_ATTR_UV];
		bool emitters = has[GL_ATTR_RED] || has[GL_ATTR_GREEN] || has[GL_ATTR_BLUE] ||
				has[GL_ATTR_WHITE] || has[GL_ATTR_AMBER] || has[GL_ATTR_UV];
		bool cmy = has[GL_ATTR_CYAN] || has[GL_ATTR_MAGENTA] || has[GL_ATTR_YELLOW];
		if (cmy && !emitters) {
			r = 1.0f - l[GL_ATTR_CYAN];
			g = 1.0f - l[GL_ATTR_MAGENTA];
			b = 1.0f - l[GL_ATTR_YELLOW];
		}
		x->has_color = emitters || cmy;
		if (!x->has_color) {
			r = 1.0f;
			g = 0.96f;
			b = 0.88f;    /* a lamp's white */
		}
		float m = fmaxf(r, fmaxf(g, b));
		if (t->virtual_intensity || !has[GL_ATTR_INTENSITY]) {
			/* no dimmer: the emitters are the intensity */
			x->intensity = x->has_color ? fminf(m, 1.0f) : 0.0f;
			if (m > 0) {
				r /= m;
				g /= m;
				b /= m;
			}
		} else {
			x->intensity = l[GL_ATTR_INTENSITY];
			if (m > 1.0f) {
				r /= m;
				g /= m;
				b /= m;
			}
		}
		x->r = r;
		x->g = g;
		x->b = b;
	}
}

/* Where the stage's metres land in r: x0, y0 (device px of min_x, min_y;
 * y grows upward on stage, downward on screen) and px per metre. */
struct stage_map {
	float x0, y0, s;
	int radius;
};

static struct stage_map stage_map(const struct ui *ui, const struct con_rig *rig, SDL_Rect r)
{
	struct stage_map m;
	/* room for labels under the fixtures and the audience line */
	float margin = (float)ui_px(ui, 44), bottom = (float)ui_px(ui, 64);
	float bw = rig->max_x - rig->min_x, bh = rig->max_y - rig->min_y;
	float sx = ((float)r.w - 2 * margin) / (bw > 1 ? bw : 1);
	float sy = ((float)r.h - margin - bottom) / (bh > 1 ? bh : 1);
	m.s = sx < sy ? sx : sy;
	if (m.s > (float)ui_px(ui, 90))
		m.s = (float)ui_px(ui, 90);
	float used_w = bw * m.s, used_h = bh * m.s;
	m.x0 = (float)r.x + ((float)r.w - used_w) / 2;
	m.y0 = (float)(r.y + r.h) - bottom - ((float)r.h - margin - bottom - used_h) / 2;
	float rad = m.s * 0.36f;
	float lo = (float)ui_px(ui, 4), hi = (float)ui_px(ui, 22);
	m.radius = (int)(rad < lo ? lo : rad > hi ? hi : rad);
	return m;
}

static void fx_point(const struct stage_map *m, const struct con_rig *rig,
		     const struct con_fixture *x, float *px, float *py)
{
	*px = m->x0 + (x->x - rig->min_x) * m->s;
	*py = m->y0 - (x->y - rig->min_y) * m->s;
}

/* Appends a disc (a fan of triangles) to the geometry. */
static void disc(SDL_Vertex *v, int *nv, int *idx, int *ni, float cx, float cy, float rad,
		 SDL_Color col)
{
	int c0 = *nv;
	v[(*nv)++] = (SDL_Vertex){ { cx, cy }, col, { 0, 0 } };
	for (int i = 0; i < SEGMENTS; i++) {
		float a = (float)i * 6.2831853f / SEGMENTS;
		v[(*nv)++] = (SDL_Vertex){ { cx + rad * cosf(a), cy + rad * sinf(a) }, col, { 0, 0 } };
	}
	for (int i = 0; i < SEGMENTS; i++) {
		idx[(*ni)++] = c0;
		idx[(*ni)++] = c0 + 1 + i;
		idx[(*ni)++] = c0 + 1 + (i + 1) % SEGMENTS;
	}
}

/* A thick line as two triangles. */
static void thick_line(SDL_Vertex *v, int *nv, int *idx, int *ni, float x1, float y1, float x2,
		       float y2, float w, SDL_Color col)
{
	float dx = x2 - x1, dy = y2 - y1, len = sqrtf(dx * dx + dy * dy);
	if (len < 0.5f)
		return;
	float nx = -dy / len * w / 2, ny = dx / len * w / 2;
	int c0 = *nv;
	v[(*nv)++] = (SDL_Vertex){ { x1 + nx, y1 + ny }, col, { 0, 0 } };
	v[(*nv)++] = (SDL_Vertex){ { x1 - nx, y1 - ny }, col, { 0, 0 } };
	v[(*nv)++] = (SDL_Vertex){ { x2 + nx, y2 + ny }, col, { 0, 0 } };
	v[(*nv)++] = (SDL_Vertex){ { x2 - nx, y2 - ny }, col, { 0, 0 } };
	int q[6] = { c0, c0 + 1, c0 + 2, c0 + 1, c0 + 3, c0 + 2 };
	for (int i = 0; i < 6; i++)
		idx[(*ni)++] = q[i];
}

void stage_draw(struct ui *ui, const struct con_rig *rig, const bool *selected, SDL_Rect r,
		bool labels)
{
	ui_fill(ui, r, UI_PANEL);
	ui_hit_add(ui, "stage", r);
	/* the audience is below the plot */
	SDL_Rect edge = { r.x + ui_px(ui, 12), r.y + r.h - ui_px(ui, 18), r.w - ui_px(ui, 24),
			  ui_px(ui, 16) };
	ui_line(ui, edge.x, edge.y, edge.x + edge.w, edge.y, UI_LINE);
	ui_text(ui, UI_FONT_SMALL, edge, UI_CENTER, UI_TEXT_DIM, "audience");
	if (rig->count == 0)
		return;
	struct stage_map m = stage_map(ui, rig, r);
	/* per fixture: outline and fill discs, a direction line */
	size_t per_v = 2 * (SEGMENTS + 1) + 4, per_i = 2 * 3 * SEGMENTS + 6;
	SDL_Vertex *v = malloc((size_t)rig->count * per_v * sizeof *v);
	int *idx = malloc((size_t)rig->count * per_i * sizeof *idx);
	if (!v || !idx) {
		free(v);
		free(idx);
		return;
	}
	int nv = 0, ni = 0;
	float rad = (float)m.radius, ring = (float)(ui_px(ui, 2) > 1 ? ui_px(ui, 2) : 1);
	SDL_Color outline = ui->pal[UI_TEXT_DIM], sel = ui->pal[UI_SELECT];
	SDL_Color pointer = ui->pal[UI_TEXT_BRIGHT];
	for (int f = 0; f < rig->count; f++) {
		const struct con_fixture *x = &rig->fx[f];
		float px, py;
		fx_point(&m, rig, x, &px, &py);
		bool on = selected && selected[f];
		disc(v, &nv, idx, &ni, px, py, on ? rad + ring : rad, on ? sel : outline);
		float k = x->intensity;
		SDL_Color fill = ui_live_color(ui, x->r * k, x->g * k, x->b * k);
		disc(v, &nv, idx, &ni, px, py, rad - ring, fill);
		if (x->has_position) {
			float pan_range = x->type->pan_range_deg, tilt_range = x->type->tilt_range_deg;
			float pan = pan_range > 0 ? (x->level[GL_ATTR_PAN] - 0.5f) * pan_range : 0;
			float tilt = tilt_range > 0 ? (x->level[GL_ATTR_TILT] - 0.5f) * tilt_range : 0;
			/* pan 0 faces the audience (down the screen); the line's
			 * length is how far from straight down tilt throws it */
			float a = pan * 3.14159265f / 180.0f;
			float reach = rad * (0.5f + 1.6f * fminf(fabsf(tilt) / 90.0f, 1.0f));
			thick_line(v, &nv, idx, &ni, px, py, px - reach * sinf(a), py + reach * cosf(a),
				   ring, pointer);
		}
	}
	SDL_RenderGeometry(ui->ren, NULL, v, nv, idx, ni);
	free(v);
	free(idx);
	/* hit areas, and labels where there is room */
	int label_w = (int)(rig->spacing * m.s) - ui_px(ui, 4);
	bool room = labels && rig->count <= LABEL_MAX && label_w >= ui_px(ui, 36);
	for (int f = 0; f < rig->count; f++) {
		const struct con_fixture *x = &rig->fx[f];
		float px, py;
		fx_point(&m, rig, x, &px, &py);
		int hr = m.radius + ui_px(ui, 3);
		SDL_Rect hit = { (int)px - hr, (int)py - hr, 2 * hr, 2 * hr };
		char name[32];
		snprintf(name, sizeof name, "fx:%d", f);
		ui_hit_add(ui, name, hit);
		if (room) {
			int w = label_w;
			SDL_Rect t = { (int)px - w / 2, (int)py + m.radius + ui_px(ui, 1), w,
				       ui_font_height(ui, UI_FONT_SMALL) };
			ui_text(ui, UI_FONT_SMALL, t, UI_CENTER,
				selected && selected[f] ? UI_SELECT : UI_TEXT_DIM, x->label);
		}
	}
}

int stage_in_rect(const struct ui *ui, const struct con_rig *rig, SDL_Rect view, SDL_Rect band,
		  bool *out)
{
	struct stage_map m = stage_map(ui, rig, view);
	int n = 0;
	for (int f = 0; f < rig->count; f++) {
		float px, py;
		fx_point(&m, rig, &rig->fx[f], &px, &py);
		out[f] = ui_inside(band, (int)px, (int)py);
		n += out[f];
	}
	return n;
}

/* ---- render --png ----------------------------------------------------------------------- */

int gl_console_render_png(struct gl_show *show, int width, int height, const char *path,
			  char *err, size_t len)
{
	struct gl_engine *e = gl_show_engine(show);
	struct con_rig rig;
	struct ui ui;
	int rc = -1;
	if (width < 64 || height < 64 || width > 8192 || height > 8192) {
		snprintf(err, len, "--size: 64..8192 pixels each way");
		return -1;
	}
	if (stage_rig_init(&rig, show) != 0) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	/* the engine's frame as the caller's ticks left it */
	int universes = gl_engine_universe_count(e);
	uint8_t *dmx = calloc((size_t)(universes ? universes : 1), GL_DMX_SLOTS);
	SDL_Surface *surface = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32,
							      SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *ren = surface ? SDL_CreateSoftwareRenderer(surface) : NULL;
	if (!dmx || !ren) {
		snprintf(err, len, "cannot make a software renderer: %s", SDL_GetError());
		goto done;
	}
	for (int u = 0; u < universes; u++)
		memcpy(dmx + (size_t)u * GL_DMX_SLOTS, gl_engine_dmx(e, u), GL_DMX_SLOTS);
	stage_decode(&rig, dmx);
	float scale = (float)height / 720.0f;
	if (ui_init(&ui, ren, scale < 1 ? 1 : scale, err, len) != 0)
		goto done;
	SDL_Rect all = { 0, 0, width, height };
	ui_fill(&ui, all, UI_BG);
	stage_draw(&ui, &rig, NULL, all, true);
	SDL_Rect title = { ui_px(&ui, 12), ui_px(&ui, 6), width - ui_px(&ui, 24), ui_px(&ui, 28) };
	ui_text(&ui, UI_FONT_BODY, title, UI_LEFT, UI_TEXT, gl_show_name(show));
	SDL_RenderPresent(ren);
	ui_free(&ui);
	rc = con_png_write(path, surface->pixels, width, height, surface->pitch, err, len);
done:
	if (ren)
		SDL_DestroyRenderer(ren);
	if (surface)
		SDL_FreeSurface(surface);
	free(dmx);
	stage_rig_free(&rig);
	return rc;
}
