/*
 * views.c - the right half's views: the stage (stage.c, with the rubber
 * band), the fixture sheet (every fixture's live values, the programmer's
 * in blue), the universe grid (512 slots of one universe as they go out),
 * outputs and devices (state, rate, last error; the control adapters; the
 * engine's timing), the log, and media (the sound: device, master, level
 * meters, running sounds; the video targets as they report). GUI thread.
 */
#include "console_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHEET_ROW_H 26

static void draw_stage(struct gl_console *c, SDL_Rect r)
{
	c->stage_rect = r;
	stage_draw(&c->ui, &c->rig, c->selected, r, true);
	if (c->drag_select) {
		SDL_Rect band = { c->band_x0 < c->band_x1 ? c->band_x0 : c->band_x1,
				  c->band_y0 < c->band_y1 ? c->band_y0 : c->band_y1,
				  abs(c->band_x1 - c->band_x0), abs(c->band_y1 - c->band_y0) };
		ui_frame(&c->ui, band, UI_SELECT, ui_px(&c->ui, 1));
	}
}

/* ---- sheet --------------------------------------------------------------------------------- */

static const enum gl_attr sheet_extra[] = {
	GL_ATTR_ZOOM, GL_ATTR_FOCUS, GL_ATTR_IRIS, GL_ATTR_GOBO, GL_ATTR_COLOR_WHEEL,
	GL_ATTR_STROBE, GL_ATTR_SHUTTER, GL_ATTR_CTO,
};

static void cell(struct gl_console *c, SDL_Rect *t, int w, enum ui_font f, enum ui_color col,
		 const char *text)
{
	t->w = ui_px(&c->ui, w);
	ui_text(&c->ui, f, *t, UI_LEFT, col, text);
	t->x += t->w;
}

static void draw_sheet(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	int row_h = ui_px(ui, SHEET_ROW_H), pad = ui_px(ui, 8);
	ui_fill(ui, r, UI_PANEL);
	ui_hit_add(ui, "sheet", r);
	SDL_Rect t = { r.x + pad, r.y, 0, row_h };
	cell(c, &t, 44, UI_FONT_SMALL, UI_TEXT_DIM, "#");
	cell(c, &t, 130, UI_FONT_SMALL, UI_TEXT_DIM, "fixture");
	cell(c, &t, 70, UI_FONT_SMALL, UI_TEXT_DIM, "address");
	cell(c, &t, 62, UI_FONT_SMALL, UI_TEXT_DIM, "int");
	cell(c, &t, 60, UI_FONT_SMALL, UI_TEXT_DIM, "colour");
	cell(c, &t, 70, UI_FONT_SMALL, UI_TEXT_DIM, "pan");
	cell(c, &t, 70, UI_FONT_SMALL, UI_TEXT_DIM, "tilt");
	cell(c, &t, 200, UI_FONT_SMALL, UI_TEXT_DIM, "beam and the rest");
	int rows = (r.h - row_h) / row_h;
	if (c->sheet_scroll > c->rig.count - rows)
		c->sheet_scroll = c->rig.count - rows;
	if (c->sheet_scroll < 0)
		c->sheet_scroll = 0;
	char buf[160];
	for (int i = 0; i < rows && c->sheet_scroll + i < c->rig.count; i++) {
		int f = c->sheet_scroll + i;
		const struct con_fixture *x = &c->rig.fx[f];
		SDL_Rect row = { r.x, r.y + row_h * (i + 1), r.w, row_h };
		if (c->selected[f])
			ui_fill(ui, row, UI_SELECT_DIM);
		else if (f % 2)
			ui_fill(ui, row, UI_BG);
		snprintf(buf, sizeof buf, "sheet:%d", f);
		ui_hit_add(ui, buf, row);
		t = (SDL_Rect){ r.x + pad, row.y, 0, row_h };
		snprintf(buf, sizeof buf, "%d", f + 1);
		cell(c, &t, 44, UI_FONT_MONO, UI_TEXT_DIM, buf);
		cell(c, &t, 130, UI_FONT_BODY, c->selected[f] ? UI_SELECT : UI_TEXT, x->label);
		snprintf(buf, sizeof buf, "%d.%d", gl_engine_universe_number(c->e, x->universe_index),
			 x->address);
		cell(c, &t, 70, UI_FONT_MONO, UI_TEXT_DIM, buf);
		int ip = x->params[GL_ATTR_INTENSITY];
		snprintf(buf, sizeof buf, "%3.0f%%", x->intensity * 100);
		cell(c, &t, 62, UI_FONT_MONO, ip >= 0 && c->prog_set[ip] ? UI_SELECT : UI_TEXT, buf);
		SDL_Rect sw = { t.x, row.y + ui_px(ui, 4), ui_px(ui, 32), row_h - ui_px(ui, 8) };
		if (x->has_color) {
			SDL_Color col = ui_live_color(ui, x->r, x->g, x->b);
			SDL_SetRenderDrawColor(c->ren, col.r, col.g, col.b, 255);
			SDL_RenderFillRect(c->ren, &sw);
		}
		t.x += ui_px(ui, 60);
		for (int k = 0; k < 2; k++) {
			enum gl_attr a = k ? GL_ATTR_TILT : GL_ATTR_PAN;
			float range = k ? x->type->tilt_range_deg : x->type->pan_range_deg;
			int p = x->params[a];
			if (range > 0 && p >= 0)
				snprintf(buf, sizeof buf, "%+.1f\u00b0", (x->level[a] - 0.5f) * range);
			else
				snprintf(buf, sizeof buf, "-");
			cell(c, &t, 70, UI_FONT_MONO, p >= 0 && c->prog_set[p] ? UI_SELECT : UI_TEXT, buf);
		}
		buf[0] = '\0';
		for (size_t k = 0; k < sizeof sheet_extra / sizeof sheet_extra[0]; k++) {
			enum gl_attr a = sheet_extra[k];
			if (x->params[a] < 0)
				continue;
			size_t n = strlen(buf);
			snprintf(buf + n, sizeof buf - n, "%s %.0f%%  ", gl_attr_name(a), x->level[a] * 100);
		}
		t.w = r.x + r.w - t.x - pad;
		ui_text(ui, UI_FONT_SMALL, t, UI_LEFT, UI_TEXT_DIM, buf);
	}
}

/* ---- universe ------------------------------------------------------------------------------ */

static void draw_universe(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	ui_fill(ui, r, UI_PANEL);
	if (c->universe_count == 0) {
		ui_text(ui, UI_FONT_BODY, r, UI_CENTER, UI_TEXT_DIM, "the show sends no universe");
		return;
	}
	if (c->universe_shown >= c->universe_count)
		c->universe_shown = 0;
	int bar_h = ui_px(ui, 32), pad = ui_px(ui, 6);
	char buf[96];
	SDL_Rect prev = { r.x + pad, r.y + pad / 2, ui_px(ui, 44), bar_h - pad };
	SDL_Rect next = { r.x + r.w - pad - prev.w, prev.y, prev.w, prev.h };
	ui_fill(ui, prev, UI_PANEL_HI);
	ui_text(ui, UI_FONT_BODY, prev, UI_CENTER, UI_TEXT, "\u25c0");
	ui_hit_add(ui, "uni:prev", prev);
	ui_fill(ui, next, UI_PANEL_HI);
	ui_text(ui, UI_FONT_BODY, next, UI_CENTER, UI_TEXT, "\u25b6");
	ui_hit_add(ui, "uni:next", next);
	snprintf(buf, sizeof buf, "universe %d   (%d of %d, as it goes out)",
		 gl_engine_universe_number(c->e, c->universe_shown), c->universe_shown + 1,
		 c->universe_count);
	SDL_Rect title = { prev.x + prev.w, r.y, next.x - prev.x - prev.w, bar_h };
	ui_text(ui, UI_FONT_BODY, title, UI_CENTER, UI_TEXT, buf);

	/* 32 x 16 cells, slot 1 top left; a patched slot is framed */
	const uint8_t *dmx = c->dmx + (size_t)c->universe_shown * GL_DMX_SLOTS;
	int gx = r.x + pad, gy = r.y + bar_h, gw = r.w - 2 * pad, gh = r.h - bar_h - pad;
	int cw = gw / 32, ch = gh / 16;
	bool numbers = cw >= ui_px(ui, 26) && ch >= ui_px(ui, 16);
	unsigned char patched[GL_DMX_SLOTS] = { 0 };
	for (int f = 0; f < c->rig.count; f++) {
		const struct con_fixture *x = &c->rig.fx[f];
		if (x->universe_index != c->universe_shown)
			continue;
		for (int s = 0; s < x->type->footprint && x->address - 1 + s < GL_DMX_SLOTS; s++)
			patched[x->address - 1 + s] = 1 + (f % 2);
	}
	for (int s = 0; s < GL_DMX_SLOTS; s++) {
		SDL_Rect cellr = { gx + (s % 32) * cw, gy + (s / 32) * ch, cw - 1, ch - 1 };
		SDL_Color col = ui_live_color(ui, (float)dmx[s] / 255.0f * 0.85f,
					      (float)dmx[s] / 255.0f * 0.85f,
					      (float)dmx[s] / 255.0f * 0.85f);
		if (dmx[s] == 0)
			col = ui->pal[patched[s] ? UI_PANEL_HI : UI_BG];
		SDL_SetRenderDrawColor(c->ren, col.r, col.g, col.b, 255);
		SDL_RenderFillRect(c->ren, &cellr);
		if (patched[s] == 2)
			ui_frame(ui, cellr, UI_LINE, 1);
		if (numbers) {
			snprintf(buf, sizeof buf, "%d", dmx[s]);
			ui_text(ui, UI_FONT_SMALL, cellr, UI_CENTER,
				dmx[s] > 150 ? UI_BG : dmx[s] ? UI_TEXT_BRIGHT : UI_TEXT_DIM, buf);
		}
	}
}

/* ---- devices ------------------------------------------------------------------------------- */

/* A text panel (devices, media): filled, its first heading written.
 * Returns the line below it; *line is the line height. */
static SDL_Rect panel_start(struct gl_console *c, SDL_Rect r, const char *heading, int *line)
{
	struct ui *ui = &c->ui;
	int pad = ui_px(ui, 10);
	*line = ui_px(ui, 26);
	ui_fill(ui, r, UI_PANEL);
	SDL_Rect t = { r.x + pad, r.y + pad / 2, r.w - 2 * pad, *line };
	ui_text(ui, UI_FONT_BIG, t, UI_LEFT, UI_TEXT, heading);
	t.y += *line;
	return t;
}

/* The next heading of a text panel, half a line below what stands above. */
static void panel_heading(struct gl_console *c, SDL_Rect *t, int line, const char *heading)
{
	t->y += line / 2;
	ui_text(&c->ui, UI_FONT_BIG, *t, UI_LEFT, UI_TEXT, heading);
	t->y += line;
}

static void draw_sound_device(struct gl_console *c, SDL_Rect *t, int line);

static void draw_devices(struct gl_console *c, SDL_Rect r, uint64_t now)
{
	struct ui *ui = &c->ui;
	int line;
	char buf[400];
	SDL_Rect t = panel_start(c, r, "Outputs", &line);
	if (c->host.hold_outputs(c->host.ud)) {
		for (int i = 0; i < c->host.output_count; i++) {
			const struct gl_console_output *o = &c->host.outputs[i];
			const struct gl_output_status *s = o->status;
			char err[GL_REPORT_TEXT_MAX], note[GL_REPORT_TEXT_MAX];
			gl_report_get(&s->error, err, sizeof err);
			gl_report_get(&s->note, note, sizeof note);
			bool failing = c->rates[i].errors_at_ns &&
				       now - c->rates[i].errors_at_ns < 10 * GL_NS_PER_S;
			snprintf(buf, sizeof buf, "%-10s %-10s %3d univ  %7.1f pkt/s  sent %llu  errors %llu",
				 o->name, o->type, o->universe_count, c->rates[i].per_s,
				 (unsigned long long)gl_counter(&s->packets_sent),
				 (unsigned long long)gl_counter(&s->send_errors));
			ui_text(ui, UI_FONT_MONO, t, UI_LEFT, failing ? UI_ERROR : UI_TEXT, buf);
			t.y += line;
			if (err[0] || note[0]) {
				snprintf(buf, sizeof buf, "    %s", err[0] ? err : note);
				ui_text(ui, UI_FONT_BODY, t, UI_LEFT, err[0] ? UI_ERROR : UI_TEXT_DIM, buf);
				t.y += line;
			}
		}
		c->host.release_outputs(c->host.ud);
	}
	if (c->host.output_count == 0) {
		ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, "none: the show sends nothing");
		t.y += line;
	}
	panel_heading(c, &t, line, "Control surfaces");
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < c->control_count; i++) {
		const struct gl_control_stats *s = &c->controls[i].stats;
		snprintf(buf, sizeof buf, "%-10s %3d peers  in %llu  dropped %llu  out %llu  errors %llu",
			 c->controls[i].name, s->peers, (unsigned long long)s->received,
			 (unsigned long long)s->dropped, (unsigned long long)s->sent,
			 (unsigned long long)s->send_errors);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, UI_TEXT, buf);
		t.y += line;
		if (s->last_error[0]) {
			snprintf(buf, sizeof buf, "    %s", s->last_error);
			ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, buf);
			t.y += line;
		}
	}
	if (c->control_count == 0) {
		ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, "none running");
		t.y += line;
	}
	pthread_mutex_unlock(&c->lock);
	panel_heading(c, &t, line, "Engine");
	if (c->have_snap) {
		const struct gl_snapshot *s = &c->snap;
		snprintf(buf, sizeof buf, "%.0f Hz  tick %.0f us (max %.0f)  late %llu  skipped %llu",
			 gl_engine_rate_hz(c->e), (double)s->tick_ns_last / 1e3,
			 (double)s->tick_ns_max / 1e3, (unsigned long long)s->ticks_late,
			 (unsigned long long)s->ticks_skipped);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, s->ticks_skipped ? UI_ERROR : UI_TEXT, buf);
		t.y += line;
		snprintf(buf, sizeof buf, "commands dropped %llu  events dropped %llu  programmer %d",
			 (unsigned long long)s->commands_dropped, (unsigned long long)s->events_dropped,
			 s->programmer_count);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT,
			s->commands_dropped || s->events_dropped ? UI_ERROR : UI_TEXT, buf);
		t.y += line;
		gl_sched_text(s, buf, sizeof buf);   /* realtime, memory locked: or why not */
		ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, buf);
		t.y += line;
	}
	panel_heading(c, &t, line, "Sound");
	draw_sound_device(c, &t, line);
}

/* ---- media ----------------------------------------------------------------------------------- */

/* The meters move at 25 Hz while the view shows them. */
#define AUDIO_READ_NS (GL_NS_PER_S / 25)
#define METER_FLOOR_DB -60.0

bool views_read_audio(struct gl_console *c, uint64_t now)
{
	if (!c->audio_part || now - c->audio_read_ns < AUDIO_READ_NS)
		return false;
	c->audio_read_ns = now;
	struct gl_audio_state *a = c->audio;
	float peak[GL_AUDIO_CHANNELS], rms[GL_AUDIO_CHANNELS];
	memcpy(peak, a->peak, sizeof peak);
	memcpy(rms, a->rms, sizeof rms);
	int voices = a->voice_count;
	bool ok = a->device_ok;
	gl_audio_state(c->audio_part, a);
	/* a silent, idle part stays still: no redraw */
	return voices || a->voice_count || ok != a->device_ok ||
	       memcmp(peak, a->peak, sizeof peak) != 0 || memcmp(rms, a->rms, sizeof rms) != 0;
}

static double level_db(float linear)
{
	return linear > 0 ? 20.0 * log10((double)linear) : -INFINITY;
}

/* 0..1 along a meter from METER_FLOOR_DB to 0 dB. */
static float meter_x(double db)
{
	return db <= METER_FLOOR_DB ? 0.0f : db >= 0 ? 1.0f : (float)(1.0 - db / METER_FLOOR_DB);
}

static void draw_meter(struct gl_console *c, SDL_Rect r, const char *name, float peak, float rms)
{
	struct ui *ui = &c->ui;
	char buf[64];
	SDL_Rect t = { r.x, r.y, ui_px(ui, 24), r.h };
	ui_text(ui, UI_FONT_MONO, t, UI_LEFT, UI_TEXT_DIM, name);
	SDL_Rect bar = { t.x + t.w, r.y + r.h / 4, r.w - t.w - ui_px(ui, 230), r.h / 2 };
	bool clip = peak >= 1.0f;
	ui_bar(ui, bar, meter_x(level_db(rms)), UI_LIVE, UI_BG);
	/* the peak: a mark where it stands */
	int px = bar.x + (int)((float)bar.w * meter_x(level_db(peak)));
	SDL_Rect mark = { px - ui_px(ui, 1), bar.y - ui_px(ui, 2), ui_px(ui, 3),
			  bar.h + ui_px(ui, 4) };
	if (peak > 0)
		ui_fill(ui, mark, clip ? UI_ERROR : UI_TEXT_BRIGHT);
	snprintf(buf, sizeof buf, "peak %6.1f  rms %6.1f dB", level_db(peak), level_db(rms));
	t = (SDL_Rect){ bar.x + bar.w + ui_px(ui, 10), r.y, ui_px(ui, 220), r.h };
	ui_text(ui, UI_FONT_MONO, t, UI_LEFT, clip ? UI_ERROR : UI_TEXT, buf);
}

/* The sound device's line (devices and media views): its state, rate,
 * master and counters, or why there is none. */
static void draw_sound_device(struct gl_console *c, SDL_Rect *t, int line)
{
	struct ui *ui = &c->ui;
	char buf[300];
	if (!c->audio_part) {
		ui_text(ui, UI_FONT_BODY, *t, UI_LEFT, UI_TEXT_DIM,
			"none: the show plays no sound (or the audio part could not start: see the log)");
		t->y += line;
		return;
	}
	const struct gl_audio_state *a = c->audio;
	snprintf(buf, sizeof buf, "%-24.24s %s  %d Hz  master %.1f dB%s  sounds %d  underruns %llu  "
		 "clipped %llu", gl_audio_device_name(c->audio_part), a->device_ok ? "ok" : "LOST",
		 a->rate, level_db(a->master), c->audio_master ? "" : " (no fader)", a->voice_count,
		 (unsigned long long)a->underruns, (unsigned long long)a->clipped);
	ui_text(ui, UI_FONT_MONO, *t, UI_LEFT, a->device_ok ? UI_TEXT : UI_ERROR, buf);
	t->y += line;
}

static void draw_sound(struct gl_console *c, SDL_Rect *t, int line)
{
	struct ui *ui = &c->ui;
	char buf[300];
	draw_sound_device(c, t, line);
	if (!c->audio_part)
		return;
	const struct gl_audio_state *a = c->audio;
	static const char *const channels[GL_AUDIO_CHANNELS] = { "L", "R" };
	for (int ch = 0; ch < GL_AUDIO_CHANNELS; ch++) {
		draw_meter(c, *t, channels[ch], a->peak[ch], a->rms[ch]);
		t->y += line;
	}
	t->y += line / 4;
	if (a->voice_count == 0) {
		ui_text(ui, UI_FONT_BODY, *t, UI_LEFT, UI_TEXT_DIM, "no sound running");
		t->y += line;
	}
	for (int i = 0; i < a->voice_count; i++) {
		const struct gl_audio_voice_info *v = &a->voices[i];
		gl_audio_voice_text(v, buf, sizeof buf);
		SDL_Rect row = { t->x, t->y, t->w - ui_px(ui, 130), line };
		ui_text(ui, UI_FONT_MONO, row, UI_LEFT,
			v->state == GL_AUDIO_PLAYING ? UI_LIVE : UI_TEXT, buf);
		SDL_Rect bar = { row.x + row.w + ui_px(ui, 10), t->y + line / 3, ui_px(ui, 120),
				 line / 3 };
		ui_bar(ui, bar, meter_x(v->level_db), UI_LIVE_DIM, UI_BG);
		t->y += line;
	}
}

static void draw_media(struct gl_console *c, SDL_Rect r, uint64_t now)
{
	struct ui *ui = &c->ui;
	int line;
	char buf[400];
	SDL_Rect t = panel_start(c, r, "Sound", &line);
	draw_sound(c, &t, line);
	panel_heading(c, &t, line, "Video");
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < c->media_count; i++) {
		const struct con_media *m = &c->media[i];
		/* the position moves on from the last report while it plays */
		double at = m->position_s;
		if (m->playing && now > m->at_ns)
			at += (double)(now - m->at_ns) / 1e9 * m->rate;
		snprintf(buf, sizeof buf, "%-16.16s %-11s %8.1fs", m->target, m->state, at);
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, m->playing ? UI_LIVE : UI_TEXT, buf);
		t.y += line;
		if (m->error[0]) {
			snprintf(buf, sizeof buf, "    %s", m->error);
			ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_ERROR, buf);
			t.y += line;
		}
	}
	if (c->media_count == 0)
		ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, "no video target has reported");
	pthread_mutex_unlock(&c->lock);
}

/* ---- log ------------------------------------------------------------------------------------- */

static void draw_log(struct gl_console *c, SDL_Rect r)
{
	struct ui *ui = &c->ui;
	int line = ui_px(ui, 22), pad = ui_px(ui, 8);
	ui_fill(ui, r, UI_PANEL);
	int rows = (r.h - pad) / line;
	pthread_mutex_lock(&c->lock);
	if (c->log_scroll > c->log_count - rows)
		c->log_scroll = c->log_count - rows;
	if (c->log_scroll < 0)
		c->log_scroll = 0;
	int last = c->log_count - 1 - c->log_scroll;
	int first = last - rows + 1 < 0 ? 0 : last - rows + 1;
	for (int i = first; i <= last; i++) {
		const struct con_log_line *l = &c->log[(c->log_head + i) % CON_LOG_LINES];
		char buf[CON_LOG_TEXT + 32];
		double at = l->at_ns > c->start_ns ? (double)(l->at_ns - c->start_ns) / 1e9 : 0;
		snprintf(buf, sizeof buf, "%9.3f  %s", at, l->text);
		SDL_Rect t = { r.x + pad, r.y + pad / 2 + (i - first) * line, r.w - 2 * pad, line };
		ui_text(ui, UI_FONT_MONO, t, UI_LEFT, l->error ? UI_ERROR : UI_TEXT, buf);
	}
	if (c->log_count == 0) {
		SDL_Rect t = { r.x + pad, r.y + pad, r.w - 2 * pad, line };
		ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT_DIM, "nothing yet");
	}
	pthread_mutex_unlock(&c->lock);
	ui_hit_add(ui, "log", r);
}

void views_draw(struct gl_console *c, SDL_Rect r, uint64_t now)
{
	switch (c->view) {
	case VIEW_STAGE:
		draw_stage(c, r);
		break;
	case VIEW_SHEET:
		draw_sheet(c, r);
		break;
	case VIEW_UNIVERSE:
		draw_universe(c, r);
		break;
	case VIEW_DEVICES:
		draw_devices(c, r, now);
		break;
	case VIEW_LOG:
		draw_log(c, r);
		break;
	case VIEW_MEDIA:
		draw_media(c, r, now);
		break;
	case VIEW_COUNT:
		break;
	}
}

void views_wheel(struct gl_console *c, float dy)
{
	int step = (int)(dy * 3.0f);
	if (c->view == VIEW_SHEET)
		c->sheet_scroll -= step;
	else if (c->view == VIEW_LOG)
		c->log_scroll += step;
}
