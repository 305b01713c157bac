/*
 * console.c - the console's window and frame loop (see console.h): reads
 * the engine's snapshot and the newest frame of its tap, routes mouse,
 * touch and keys to the widgets of the last frame drawn, and draws a frame
 * only when something it shows has changed.
 *
 * The screen (DESIGN.md "The console"): a one-line status bar on top that
 * turns red when anything is wrong; the cue lists on the left half; the
 * views (stage, sheet, universe, devices, log) and the programmer on the
 * right; the fader strip across the bottom with GO / BACK / STOP / PAUSE /
 * PANIC at the bottom right. GUI thread, but for the functions console.h
 * gives to the control thread.
 */
#include "console_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define STATUS_H 34
#define STRIP_H 220
#define GO_BLOCK_W 450
#define TABS_H 36
#define PROGRAM_H 250
#define FRAME_RING 4096
#define IDLE_WAIT_MS 15
#define PANIC_WINDOW_NS (2 * GL_NS_PER_S)
#define WRONG_RECENT_NS (10 * GL_NS_PER_S)   /* an error this recent keeps the bar red */
#define TOOLTIP_DELAY_NS (GL_NS_PER_S / 2)
#define GUI_NICE 10            /* the drawing thread's nice value */

/* ---- the control thread's side ------------------------------------------------------ */

void gl_console_log(struct gl_console *c, bool error, const char *text)
{
	pthread_mutex_lock(&c->lock);
	struct con_log_line *l = &c->log[(c->log_head + c->log_count) % CON_LOG_LINES];
	if (c->log_count == CON_LOG_LINES)
		c->log_head = (c->log_head + 1) % CON_LOG_LINES;
	else
		c->log_count++;
	l->at_ns = gl_now_ns();
	l->error = error;
	snprintf(l->text, sizeof l->text, "%s", text);
	if (error)
		c->log_errors_at_ns = l->at_ns;
	c->log_lines_total++;
	pthread_mutex_unlock(&c->lock);
}

void gl_console_event(struct gl_console *c, const struct gl_event *ev)
{
	edits_event(c, ev);
}

void gl_console_media(struct gl_console *c, const struct gl_media_state *ms)
{
	pthread_mutex_lock(&c->lock);
	struct con_media *m = NULL;
	for (int i = 0; i < c->media_count && !m; i++)
		if (strcmp(c->media[i].target, ms->target) == 0)
			m = &c->media[i];
	if (!m && c->media_count < CON_MEDIA_MAX)
		m = &c->media[c->media_count++];
	if (m) {
		snprintf(m->target, sizeof m->target, "%s", ms->target);
		snprintf(m->state, sizeof m->state, "%s", ms->state);
		snprintf(m->error, sizeof m->error, "%s", ms->error ? ms->error : "");
		m->playing = ms->playing;
		m->position_s = ms->position_s;
		m->rate = ms->rate;
		m->at_ns = ms->at_ns;
		c->media_changes++;
	}
	pthread_mutex_unlock(&c->lock);
}

void gl_console_control_stats(struct gl_console *c, int i, const char *name,
			      const struct gl_control_stats *stats)
{
	if (i < 0 || i >= CON_CONTROLS_MAX)
		return;
	pthread_mutex_lock(&c->lock);
	snprintf(c->controls[i].name, sizeof c->controls[i].name, "%s", name);
	c->controls[i].stats = *stats;
	if (i >= c->control_count)
		c->control_count = i + 1;
	pthread_mutex_unlock(&c->lock);
}

/* ---- small things --------------------------------------------------------------------- */

void con_message(struct gl_console *c, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
	c->message_error = error;
	c->message_ns = gl_now_ns();
	c->redraw = true;
	/* the log keeps what the status bar shows for a while */
	gl_console_log(c, error, c->message);
}

bool con_command(struct gl_console *c, enum gl_cmd_type type, int list, int index, float value)
{
	struct gl_cmd cmd = { type, list, index, value };
	int rc = gl_engine_command(c->e, &cmd);
	if (rc == GL_EFULL) {
		con_message(c, true, "not sent: the engine's command queue is full");
		return false;
	}
	return rc == 0;
}

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * GL_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- create / destroy ----------------------------------------------------------------- */

static float display_scale(SDL_Window *win)
{
	int ww, wh, dw, dh;
	SDL_GetWindowSize(win, &ww, &wh);
	SDL_GL_GetDrawableSize(win, &dw, &dh);
	float hidpi = ww > 0 ? (float)dw / (float)ww : 1.0f;
	float ddpi = 0;
	if (hidpi <= 1.0f && SDL_GetDisplayDPI(SDL_GetWindowDisplayIndex(win), &ddpi, NULL, NULL) == 0 &&
	    ddpi > 120.0f)
		hidpi = (float)((int)(ddpi / 96.0f * 4.0f + 0.5f)) / 4.0f;  /* quarter steps */
	return hidpi < 1.0f ? 1.0f : hidpi > 4.0f ? 4.0f : hidpi;
}

static void update_size(struct gl_console *c)
{
	int ww, wh;
	SDL_GetRendererOutputSize(c->ren, &c->w, &c->h);
	SDL_GetWindowSize(c->win, &ww, &wh);
	c->mouse_scale = ww > 0 ? (float)c->w / (float)ww : 1.0f;
	c->redraw = true;
}

struct gl_console *gl_console_create(const struct gl_console_host *host,
				     const struct gl_console_options *opt, char *err, size_t len)
{
	struct gl_console *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	c->host = *host;
	c->opt = *opt;
	c->e = host->engine;
	c->start_ns = gl_now_ns();
	c->exit_code = 0;
	c->saved_ops = 0;
	pthread_mutex_init(&c->lock, NULL);
	if (c->opt.width <= 0 || c->opt.height <= 0) {
		c->opt.width = 1600;
		c->opt.height = 900;
	}
	int lists = gl_engine_cuelist_count(c->e), faders = gl_engine_fader_count(c->e);
	c->snap.lists = calloc((size_t)(lists ? lists : 1), sizeof *c->snap.lists);
	c->snap.fader_levels = calloc((size_t)(faders ? faders : 1), sizeof(float));
	c->universe_count = gl_engine_universe_count(c->e);
	c->dmx = calloc((size_t)(c->universe_count ? c->universe_count : 1), GL_DMX_SLOTS);
	c->log = calloc(CON_LOG_LINES, sizeof *c->log);
	c->frame_ns = calloc(FRAME_RING, sizeof *c->frame_ns);
	c->rates = calloc((size_t)(host->output_count + 1), sizeof *c->rates);
	c->audio = calloc(1, sizeof *c->audio);
	c->audio_master = gl_show_audio_master_fader(host->show);
	if (!c->snap.lists || !c->snap.fader_levels || !c->dmx || !c->log || !c->frame_ns ||
	    !c->rates || !c->audio) {
		snprintf(err, len, "out of memory");
		gl_console_destroy(c);
		return NULL;
	}
	for (int i = 0; i < CON_FADER_SLOTS; i++)
		c->fader_drag[i] = -1;
	if (stage_rig_init(&c->rig, host->show) != 0 || program_init(c) != 0) {
		snprintf(err, len, "out of memory");
		gl_console_destroy(c);
		return NULL;
	}
	if (edits_init(c, host->show, err, len) != 0) {
		gl_console_destroy(c);
		return NULL;
	}
	if (opt->script) {
		c->script = script_load(opt->script, err, len);
		if (!c->script) {
			gl_console_destroy(c);
			return NULL;
		}
	}

	SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");   /* touch is handled as touch */
	SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
	SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
	/* With the software renderer, the window's pixels go straight to the
	 * display (X11: shared memory), not through a GL context of their own
	 * (Mesa's llvmpipe under Xvfb doubled the frame time). */
	SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		snprintf(err, len, "cannot open a display: %s (no X/Wayland? try "
			 "SDL_VIDEODRIVER=offscreen for a window nobody sees)", SDL_GetError());
		gl_console_destroy(c);
		return NULL;
	}
	char title[GL_NAME_MAX + 32];
	snprintf(title, sizeof title, "%s - ghostlight", gl_show_name(host->show));
	c->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
				  c->opt.width, c->opt.height,
				  SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
	if (!c->win) {
		snprintf(err, len, "cannot open the window: %s", SDL_GetError());
		gl_console_destroy(c);
		return NULL;
	}
	SDL_SetWindowMinimumSize(c->win, 1024, 640);
	c->ren = SDL_CreateRenderer(c->win, -1, 0);
	if (!c->ren) {
		snprintf(err, len, "cannot make a renderer: %s", SDL_GetError());
		gl_console_destroy(c);
		return NULL;
	}
	float scale = c->opt.scale > 0 ? c->opt.scale : display_scale(c->win);
	if (ui_init(&c->ui, c->ren, scale, err, len) != 0) {
		gl_console_destroy(c);
		return NULL;
	}
	ui_set_red_light(&c->ui, c->opt.red_light);
	update_size(c);
	SDL_RendererInfo info;
	const char *driver = SDL_GetCurrentVideoDriver();
	char line[160];
	snprintf(line, sizeof line, "console: SDL video %s, renderer %s, scale %.2f", driver ? driver : "?",
		 SDL_GetRendererInfo(c->ren, &info) == 0 ? info.name : "?", scale);
	gl_console_log(c, false, line);
	/* a window nobody sees, and nobody asked for that: say so */
	if (driver && !getenv("SDL_VIDEODRIVER") &&
	    (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0 ||
	     strcmp(driver, "evdev") == 0))
		fprintf(stderr, "ghostlight console: no display found (DISPLAY, WAYLAND_DISPLAY?): SDL "
			"chose its \"%s\" driver, the window is not shown anywhere\n", driver);
	c->cpu_ns_last = process_cpu_ns();
	c->cpu_wall_last = gl_now_ns();
	return c;
}

void gl_console_set_audio(struct gl_console *c, struct gl_audio *audio)
{
	c->audio_part = audio;
}

void gl_console_destroy(struct gl_console *c)
{
	if (!c)
		return;
	script_free(c->script);
	edits_free(c);
	program_free(c);
	stage_rig_free(&c->rig);
	ui_free(&c->ui);
	if (c->ren)
		SDL_DestroyRenderer(c->ren);
	if (c->win)
		SDL_DestroyWindow(c->win);
	/* No SDL_Quit(): the process ends next, and it would unload the X11
	 * libraries whose caches a leak checker then reports as lost. */
	free(c->snap.lists);
	free(c->snap.fader_levels);
	free(c->dmx);
	free(c->log);
	free(c->frame_ns);
	free(c->rates);
	free(c->audio);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* ---- status bar ------------------------------------------------------------------------- */

static void update_status(struct gl_console *c, uint64_t now)
{
	if (now - c->cpu_wall_last >= GL_NS_PER_S) {
		uint64_t cpu = process_cpu_ns();
		c->cpu_percent = (double)(cpu - c->cpu_ns_last) * 100.0 / (double)(now - c->cpu_wall_last);
		c->cpu_ns_last = cpu;
		c->cpu_wall_last = now;
		c->redraw = true;
	}
	if (c->have_snap && c->snap.ticks_late + c->snap.ticks_skipped != c->late_seen) {
		c->late_seen = c->snap.ticks_late + c->snap.ticks_skipped;
		c->late_at_ns = now;
	}
	if (!c->host.hold_outputs(c->host.ud))
		return;
	for (int i = 0; i < c->host.output_count; i++) {
		const struct gl_output_status *s = c->host.outputs[i].status;
		struct con_rate *r = &c->rates[i];
		uint64_t sent = gl_counter(&s->packets_sent), errors = gl_counter(&s->send_errors);
		if (!r->at_ns) {
			r->sent = sent;
			r->at_ns = now;
			r->errors_seen = errors;
		} else if (now - r->at_ns >= GL_NS_PER_S / 2) {
			r->per_s = (double)(sent - r->sent) * 1e9 / (double)(now - r->at_ns);
			r->sent = sent;
			r->at_ns = now;
		}
		if (errors != r->errors_seen) {
			r->errors_seen = errors;
			r->errors_at_ns = now;
		}
	}
	c->host.release_outputs(c->host.ud);
}

/* How many outputs failed lately (an error in the last seconds). */
static int outputs_failing(const struct gl_console *c, uint64_t now)
{
	int n = 0;
	for (int i = 0; i < c->host.output_count; i++)
		n += c->rates[i].errors_at_ns && now - c->rates[i].errors_at_ns < WRONG_RECENT_NS;
	return n;
}

static void draw_status(struct gl_console *c, SDL_Rect r, uint64_t now)
{
	struct ui *ui = &c->ui;
	int failing = outputs_failing(c, now);
	bool late = c->late_at_ns && now - c->late_at_ns < WRONG_RECENT_NS;
	pthread_mutex_lock(&c->lock);
	bool errors = c->log_errors_at_ns && now - c->log_errors_at_ns < WRONG_RECENT_NS;
	pthread_mutex_unlock(&c->lock);
	bool dropped = c->have_snap && c->snap.commands_dropped > 0;
	bool wrong = failing || late || errors || dropped;
	ui_fill(ui, r, wrong ? UI_ERROR_DIM : UI_PANEL);
	ui_hit_add(ui, "status", r);
	int pad = ui_px(ui, 10), x = r.x + pad;
	SDL_Rect t = { x, r.y, ui_px(ui, 260), r.h };
	char buf[200];
	snprintf(buf, sizeof buf, "%s%s", gl_show_name(c->host.show), edits_dirty(c) ? "  *" : "");
	x += ui_text(ui, UI_FONT_BIG, t, UI_LEFT, UI_TEXT_BRIGHT, buf) + 2 * pad;

	uint64_t up = (now - c->start_ns) / GL_NS_PER_S;
	time_t wall = time(NULL);
	struct tm tm;
	localtime_r(&wall, &tm);
	snprintf(buf, sizeof buf, "%02d:%02d:%02d   up %llu:%02llu:%02llu", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60),
		 (unsigned long long)(up % 60));
	t = (SDL_Rect){ x, r.y, ui_px(ui, 230), r.h };
	x += ui_text(ui, UI_FONT_MONO, t, UI_LEFT, UI_TEXT, buf) + 2 * pad;

	if (failing)
		snprintf(buf, sizeof buf, "OUTPUTS: %d FAILING", failing);
	else
		snprintf(buf, sizeof buf, "outputs ok (%d)", c->host.output_count);
	t = (SDL_Rect){ x, r.y, ui_px(ui, 200), r.h };
	x += ui_text(ui, UI_FONT_BODY, t, UI_LEFT, failing ? UI_ERROR : UI_TEXT, buf) + 2 * pad;
	snprintf(buf, sizeof buf, "CPU %.0f%%", c->cpu_percent);
	t = (SDL_Rect){ x, r.y, ui_px(ui, 90), r.h };
	x += ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_TEXT, buf) + 2 * pad;
	snprintf(buf, sizeof buf, "late ticks %llu", (unsigned long long)c->late_seen);
	t = (SDL_Rect){ x, r.y, ui_px(ui, 150), r.h };
	x += ui_text(ui, UI_FONT_BODY, t, UI_LEFT, late ? UI_ERROR : UI_TEXT_DIM, buf) + 2 * pad;
	if (dropped) {
		snprintf(buf, sizeof buf, "commands dropped %llu",
			 (unsigned long long)c->snap.commands_dropped);
		t = (SDL_Rect){ x, r.y, ui_px(ui, 220), r.h };
		x += ui_text(ui, UI_FONT_BODY, t, UI_LEFT, UI_ERROR, buf) + 2 * pad;
	}
	if (c->have_snap && c->snap.blackout) {
		t = (SDL_Rect){ x, r.y, ui_px(ui, 120), r.h };
		x += ui_text(ui, UI_FONT_BIG, t, UI_LEFT, UI_ERROR, "BLACKOUT") + 2 * pad;
	}
	/* right: the command line, then the last message */
	int right = r.x + r.w - pad;
	if (c->cmdline[0]) {
		snprintf(buf, sizeof buf, "> %s_", c->cmdline);
		int w = ui_text_width(ui, UI_FONT_BIG, buf);
		t = (SDL_Rect){ right - w, r.y, w, r.h };
		ui_text(ui, UI_FONT_BIG, t, UI_LEFT, UI_TEXT_BRIGHT, buf);
		right -= w + 2 * pad;
	}
	if (c->message[0] && now - c->message_ns < 8 * GL_NS_PER_S && right > x) {
		t = (SDL_Rect){ x, r.y, right - x, r.h };
		ui_text(ui, UI_FONT_BODY, t, UI_RIGHT, c->message_error ? UI_ERROR : UI_TEXT,
			c->message);
	}
}

/* ---- prompts and tooltips --------------------------------------------------------------- */

static void draw_prompt(struct gl_console *c)
{
	struct ui *ui = &c->ui;
	SDL_Rect all = { 0, 0, c->w, c->h };
	ui_hit_add(ui, "prompt:backdrop", all);   /* nothing under it takes input */
	SDL_SetRenderDrawBlendMode(c->ren, SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(c->ren, 0, 0, 0, 160);
	SDL_RenderFillRect(c->ren, &all);
	SDL_SetRenderDrawBlendMode(c->ren, SDL_BLENDMODE_NONE);
	int w = ui_px(ui, 620), h = ui_px(ui, 220);
	SDL_Rect box = { (c->w - w) / 2, (c->h - h) / 2, w, h };
	ui_fill(ui, box, UI_PANEL);
	ui_frame(ui, box, UI_LINE, ui_px(ui, 2));
	SDL_Rect line = { box.x + ui_px(ui, 20), box.y + ui_px(ui, 16), w - ui_px(ui, 40),
			  ui_px(ui, 40) };
	int bw = ui_px(ui, 180), bh = ui_px(ui, 64), gap = ui_px(ui, 15);
	SDL_Rect b = { box.x + ui_px(ui, 20), box.y + h - bh - ui_px(ui, 20), bw, bh };
	if (c->prompt == PROMPT_QUIT) {
		ui_text(ui, UI_FONT_BIG, line, UI_LEFT, UI_TEXT_BRIGHT, "Unsaved changes");
		line.y += line.h;
		char buf[160];
		snprintf(buf, sizeof buf, "%d edit(s) to the cues are not saved.",
			 c->op_count - (c->saved_ops > 0 ? c->saved_ops : 0));
		ui_text(ui, UI_FONT_BODY, line, UI_LEFT, UI_TEXT, buf);
		ui_button(ui, b, "prompt:save", "Save, quit [S]", NULL, UI_FONT_BIG,
			  UI_PANEL_HI, UI_TEXT_BRIGHT);
		b.x += bw + gap;
		ui_button(ui, b, "prompt:discard", "Discard [D]", NULL, UI_FONT_BIG,
			  UI_ERROR_DIM, UI_TEXT_BRIGHT);
		b.x += bw + gap;
		ui_button(ui, b, "prompt:cancel", "Keep on [Esc]", NULL, UI_FONT_BIG,
			  UI_PANEL_HI, UI_TEXT);
	} else if (c->prompt == PROMPT_DELETE) {
		const struct con_list *l = &c->lists[c->selected_list];
		char buf[GL_NAME_MAX * 3];
		snprintf(buf, sizeof buf, "Delete cue %s \"%s\" of %s?",
			 l->cursor >= 0 ? l->cues[l->cursor].def.number_text : "?",
			 l->cursor >= 0 ? l->cues[l->cursor].def.label : "", l->name);
		ui_text(ui, UI_FONT_BIG, line, UI_LEFT, UI_TEXT_BRIGHT, buf);
		line.y += line.h;
		ui_text(ui, UI_FONT_BODY, line, UI_LEFT, UI_TEXT, "Undo (Ctrl+Z) brings it back.");
		ui_button(ui, b, "prompt:delete", "Delete [Enter]", NULL, UI_FONT_BIG,
			  UI_ERROR_DIM, UI_TEXT_BRIGHT);
		b.x += bw + gap;
		ui_button(ui, b, "prompt:cancel", "Keep [Esc]", NULL, UI_FONT_BIG,
			  UI_PANEL_HI, UI_TEXT);
	}
}

/* Each button's key, shown after the pointer rests on it. */
static const struct {
	const char *widget, *tip;
} tips[] = {
	{ "btn:go", "GO the selected list  [Space]" },
	{ "btn:back", "BACK to the previous cue  [B]" },
	{ "btn:stop", "STOP the selected list  [S]" },
	{ "btn:pause", "PAUSE / resume the selected list  [P]" },
	{ "btn:panic", "PANIC: stop every list, black out, fade the sound out  [Esc Esc]" },
	{ "btn:blackout", "Blackout on / off  [Ctrl+B]" },
	{ "prog:record", "Record the programmer as a new cue  [number] [R]" },
	{ "prog:update", "Update the selected (else active) cue  [U]" },
	{ "prog:clear", "Clear the programmer  [C]" },
	{ "prog:delete", "Delete the selected cue  [Delete]" },
	{ "prog:undo", "Undo  [Ctrl+Z]" },
	{ "prog:redo", "Redo  [Ctrl+Shift+Z]" },
	{ "prog:save", "Save the recorded cues  [Ctrl+S]" },
	{ "prog:all", "Select every fixture  [Ctrl+A]" },
	{ "prog:none", "Select none  [Shift+C]" },
	{ "tab:0", "Stage view  [F1]" },
	{ "tab:1", "Fixture sheet  [F2]" },
	{ "tab:2", "Universes as they go out  [F3]" },
	{ "tab:3", "Outputs and devices  [F4]" },
	{ "tab:4", "Log  [F5]" },
	{ "tab:5", "Sound and video: levels, running sounds, video targets  [F6]" },
	{ "page:prev", "Previous fader page  [Page Up]" },
	{ "page:next", "Next fader page  [Page Down]" },
	{ "uni:prev", "Previous universe  [[]" },
	{ "uni:next", "Next universe  []]" },
};

static void draw_tooltip(struct gl_console *c, uint64_t now)
{
	if (!c->hover_widget[0] || now - c->hover_since_ns < TOOLTIP_DELAY_NS)
		return;
	for (size_t i = 0; i < sizeof tips / sizeof tips[0]; i++) {
		if (strcmp(tips[i].widget, c->hover_widget) != 0)
			continue;
		struct ui *ui = &c->ui;
		int w = ui_text_width(ui, UI_FONT_BODY, tips[i].tip) + ui_px(ui, 16);
		int h = ui_font_height(ui, UI_FONT_BODY) + ui_px(ui, 10);
		int x = c->hover_x + ui_px(ui, 12), y = c->hover_y + ui_px(ui, 18);
		if (x + w > c->w)
			x = c->w - w;
		if (y + h > c->h)
			y = c->hover_y - h - ui_px(ui, 6);
		SDL_Rect r = { x, y, w, h };
		ui_fill(ui, r, UI_PANEL_HI);
		ui_frame(ui, r, UI_LINE, 1);
		ui_text(ui, UI_FONT_BODY, r, UI_CENTER, UI_TEXT_BRIGHT, tips[i].tip);
		return;
	}
}

/* ---- the frame ---------------------------------------------------------------------------- */

static void draw_tabs(struct gl_console *c, SDL_Rect r)
{
	static const char *const names[VIEW_COUNT] = { "Stage", "Sheet", "Universe", "Devices",
						       "Log", "Media" };
	struct ui *ui = &c->ui;
	ui_fill(ui, r, UI_BG);
	int w = r.w / VIEW_COUNT;
	for (int i = 0; i < VIEW_COUNT; i++) {
		SDL_Rect t = { r.x + i * w, r.y, w - ui_px(ui, 2), r.h };
		bool on = c->view == (enum con_view)i;
		ui_fill(ui, t, on ? UI_PANEL_HI : UI_PANEL);
		char buf[40];
		snprintf(buf, sizeof buf, "%s  F%d", names[i], i + 1);
		ui_text(ui, UI_FONT_BODY, t, UI_CENTER, on ? UI_TEXT_BRIGHT : UI_TEXT_DIM, buf);
		if (on) {
			SDL_Rect u = { t.x, t.y + t.h - ui_px(ui, 3), t.w, ui_px(ui, 3) };
			ui_fill(ui, u, UI_TEXT);
		}
		snprintf(buf, sizeof buf, "tab:%d", i);
		ui_hit_add(ui, buf, t);
	}
}

void con_draw(struct gl_console *c, uint64_t now)
{
	struct ui *ui = &c->ui;
	ui_color(ui, UI_BG);
	SDL_RenderClear(c->ren);
	int status_h = ui_px(ui, STATUS_H), strip_h = ui_px(ui, STRIP_H);
	int go_w = ui_px(ui, GO_BLOCK_W), tabs_h = ui_px(ui, TABS_H);
	int prog_h = ui_px(ui, PROGRAM_H), gap = ui_px(ui, 4);
	int mid = c->w / 2;
	int body_y = status_h + gap, body_h = c->h - status_h - strip_h - 2 * gap;
	SDL_Rect status = { 0, 0, c->w, status_h };
	SDL_Rect left = { 0, body_y, mid - gap / 2, body_h };
	SDL_Rect tabs = { mid + gap / 2, body_y, c->w - mid - gap / 2, tabs_h };
	SDL_Rect view = { tabs.x, body_y + tabs_h, tabs.w, body_h - tabs_h - prog_h - gap };
	SDL_Rect prog = { tabs.x, view.y + view.h + gap, tabs.w, prog_h };
	SDL_Rect strip = { 0, c->h - strip_h, c->w - go_w - gap, strip_h };
	SDL_Rect go = { c->w - go_w, c->h - strip_h, go_w, strip_h };

	playback_draw(c, left);
	draw_tabs(c, tabs);
	views_draw(c, view, now);
	program_draw(c, prog);
	faders_draw(c, strip);
	buttons_draw(c, go, now);
	draw_status(c, status, now);
	if (c->prompt != PROMPT_NONE)
		draw_prompt(c);
	else
		draw_tooltip(c, now);
	ui_hits_swap(ui);
}

/* ---- reading the engine ----------------------------------------------------------------- */

/* True when what the console shows of the engine changed. */
static bool read_engine(struct gl_console *c)
{
	bool changed = false;
	struct gl_snapshot s = c->snap;
	int lists = gl_engine_cuelist_count(c->e), faders = gl_engine_fader_count(c->e);
	struct gl_list_status ls[lists ? lists : 1];
	float fl[faders ? faders : 1];
	s.lists = ls;
	s.fader_levels = fl;
	/* the console's own snapshot tap: the control thread's adapters read
	 * the engine's, and a triple buffer has one reader */
	if (gl_snapshot_tap_read(c->host.snapshot, &s) == 0) {
		if (!c->have_snap || memcmp(ls, c->snap.lists, (size_t)lists * sizeof *ls) != 0 ||
		    memcmp(fl, c->snap.fader_levels, (size_t)faders * sizeof *fl) != 0 ||
		    s.grand_master != c->snap.grand_master || s.blackout != c->snap.blackout ||
		    s.programmer_count != c->snap.programmer_count ||
		    s.commands_dropped != c->snap.commands_dropped)
			changed = true;
		struct gl_list_status *keep_l = c->snap.lists;
		float *keep_f = c->snap.fader_levels;
		c->snap = s;
		c->snap.lists = keep_l;
		c->snap.fader_levels = keep_f;
		memcpy(keep_l, ls, (size_t)lists * sizeof *ls);
		memcpy(keep_f, fl, (size_t)faders * sizeof *fl);
		c->have_snap = true;
	}
	const struct gl_frame *f = c->host.tap ? gl_tap_read(c->host.tap) : NULL;
	if (f) {
		size_t bytes = (size_t)f->universe_count * GL_DMX_SLOTS;
		if (memcmp(c->dmx, f->dmx, bytes) != 0) {
			memcpy(c->dmx, f->dmx, bytes);
			stage_decode(&c->rig, c->dmx);
			changed = true;
		}
		c->frame_tick = f->tick;
	}
	return changed;
}

/* ---- input ------------------------------------------------------------------------------- */

static struct con_grab *grab_of(struct gl_console *c, int64_t finger, bool make)
{
	for (int i = 0; i <= CON_TOUCH_MAX; i++)
		if (c->grabs[i].active && c->grabs[i].finger == finger)
			return &c->grabs[i];
	if (!make)
		return NULL;
	for (int i = 0; i <= CON_TOUCH_MAX; i++)
		if (!c->grabs[i].active) {
			memset(&c->grabs[i], 0, sizeof c->grabs[i]);
			c->grabs[i].active = true;
			c->grabs[i].finger = finger;
			return &c->grabs[i];
		}
	return NULL;
}

static bool prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void prompt_answer(struct gl_console *c, const char *answer)
{
	enum con_prompt p = c->prompt;
	c->prompt = PROMPT_NONE;
	c->redraw = true;
	if (strcmp(answer, "cancel") == 0)
		return;
	if (p == PROMPT_QUIT) {
		if (strcmp(answer, "save") == 0) {
			if (edits_save(c) == 0)
				c->quit = true;
		} else if (strcmp(answer, "discard") == 0) {
			c->quit = true;
		}
	} else if (p == PROMPT_DELETE && strcmp(answer, "delete") == 0) {
		struct con_list *l = &c->lists[c->selected_list];
		if (l->cursor >= 0)
			edits_delete(c, c->selected_list, l->cursor);
	}
}

void con_ask_quit(struct gl_console *c)
{
	if (edits_dirty(c)) {
		c->prompt = PROMPT_QUIT;
		c->redraw = true;
		gl_console_log(c, false, "quit asked: unsaved changes, asking first");
	} else {
		c->quit = true;
	}
}

static void press(struct gl_console *c, struct con_grab *g, int x, int y, uint64_t now)
{
	const char *w = g->widget;
	if (prefix(w, "prompt:")) {
		if (strcmp(w, "prompt:backdrop") != 0)
			prompt_answer(c, w + 7);
		return;
	}
	if (prefix(w, "tab:")) {
		c->view = (enum con_view)atoi(w + 4);
		return;
	}
	if (prefix(w, "fader:")) {
		faders_grab(c, w, y, false);
		return;
	}
	if (prefix(w, "page:")) {
		faders_page(c, strcmp(w, "page:prev") == 0 ? -1 : 1);
		return;
	}
	if (prefix(w, "uni:")) {
		con_key(c, strcmp(w, "uni:prev") == 0 ? SDLK_LEFTBRACKET : SDLK_RIGHTBRACKET, 0);
		return;
	}
	if (playback_press(c, w, now))
		return;
	program_press(c, w, x, y, false);
}

void con_pointer(struct gl_console *c, int64_t finger, int x, int y, int kind)
{
	uint64_t now = gl_now_ns();
	c->redraw = true;
	if (kind == PTR_DOWN) {
		const struct ui_hit *h = ui_hit_at(&c->ui, x, y);
		struct con_grab *g = grab_of(c, finger, true);
		if (!g)
			return;
		snprintf(g->widget, sizeof g->widget, "%s", h ? h->name : "");
		if (c->prompt != PROMPT_NONE && !prefix(g->widget, "prompt:"))
			snprintf(g->widget, sizeof g->widget, "prompt:backdrop");
		press(c, g, x, y, now);
		return;
	}
	struct con_grab *g = grab_of(c, finger, false);
	if (kind == PTR_MOVE) {
		if (finger < 0 && !g) {
			/* hover, for tooltips */
			const struct ui_hit *h = ui_hit_at(&c->ui, x, y);
			const char *name = h ? h->name : "";
			if (strcmp(name, c->hover_widget) != 0) {
				snprintf(c->hover_widget, sizeof c->hover_widget, "%s", name);
				c->hover_since_ns = now;
			}
			c->hover_x = x;
			c->hover_y = y;
			return;
		}
		if (!g)
			return;
		if (prefix(g->widget, "fader:"))
			faders_grab(c, g->widget, y, false);
		else
			program_press(c, g->widget, x, y, true);
		return;
	}
	if (!g)
		return;
	if (prefix(g->widget, "fader:"))
		faders_grab(c, g->widget, y, true);
	else if (c->drag_select && strcmp(g->widget, "stage") == 0)
		program_press(c, "stage:release", x, y, true);
	g->active = false;
}

static void key_digit(struct gl_console *c, char ch)
{
	size_t n = strlen(c->cmdline);
	if (n + 1 < sizeof c->cmdline) {
		c->cmdline[n] = ch;
		c->cmdline[n + 1] = '\0';
	}
}

/* The number typed, consumed. */
static void take_cmdline(struct gl_console *c, char *out, size_t len)
{
	snprintf(out, len, "%s", c->cmdline);
	c->cmdline[0] = '\0';
}

void con_key(struct gl_console *c, SDL_Keycode key, Uint16 mod)
{
	uint64_t now = gl_now_ns();
	bool ctrl = mod & KMOD_CTRL, shift = mod & KMOD_SHIFT;
	int list = c->selected_list;
	char typed[CON_CMDLINE_MAX];
	c->redraw = true;

	if (c->prompt != PROMPT_NONE) {
		if (key == SDLK_ESCAPE)
			prompt_answer(c, "cancel");
		else if (c->prompt == PROMPT_QUIT && key == SDLK_s)
			prompt_answer(c, "save");
		else if (c->prompt == PROMPT_QUIT && key == SDLK_d)
			prompt_answer(c, "discard");
		else if (c->prompt == PROMPT_DELETE && (key == SDLK_RETURN || key == SDLK_KP_ENTER))
			prompt_answer(c, "delete");
		return;
	}
	if (ctrl) {
		switch (key) {
		case SDLK_z:
			if (shift)
				edits_redo(c);
			else
				edits_undo(c);
			break;
		case SDLK_y:
			edits_redo(c);
			break;
		case SDLK_s:
			edits_save(c);
			break;
		case SDLK_q:
			con_ask_quit(c);
			break;
		case SDLK_b:
			con_command(c, GL_CMD_BLACKOUT, -1, c->snap.blackout ? 0 : 1, 0);
			break;
		case SDLK_a:
			program_select_range(c, 0, c->rig.count - 1);
			break;
		default:
			break;
		}
		return;
	}
	if ((key >= SDLK_0 && key <= SDLK_9) || key == SDLK_PERIOD || key == SDLK_MINUS) {
		key_digit(c, (char)key);
		return;
	}
	if (key >= SDLK_KP_1 && key <= SDLK_KP_0) {
		key_digit(c, key == SDLK_KP_0 ? '0' : (char)('1' + (key - SDLK_KP_1)));
		return;
	}
	if (key == SDLK_KP_PERIOD) {
		key_digit(c, '.');
		return;
	}
	switch (key) {
	case SDLK_BACKSPACE: {
		size_t n = strlen(c->cmdline);
		if (n)
			c->cmdline[n - 1] = '\0';
		break;
	}
	case SDLK_RETURN:
	case SDLK_KP_ENTER:
		take_cmdline(c, typed, sizeof typed);
		if (typed[0])
			playback_goto_typed(c, list, typed);
		break;
	case SDLK_ESCAPE:
		if (c->cmdline[0]) {
			c->cmdline[0] = '\0';
			break;
		}
		playback_panic(c, now);
		break;
	case SDLK_SPACE:
	case SDLK_g:
		playback_go(c, list);
		break;
	case SDLK_b:
		con_command(c, GL_CMD_BACK, list, 0, 0);
		break;
	case SDLK_s:
		con_command(c, GL_CMD_STOP, list, 0, 0);
		break;
	case SDLK_p:
		con_command(c, c->snap.lists[list].state == GL_LIST_PAUSED ? GL_CMD_RESUME
									     : GL_CMD_PAUSE,
			    list, 0, 0);
		break;
	case SDLK_UP:
	case SDLK_DOWN:
		playback_move_standby(c, list, key == SDLK_UP ? -1 : 1);
		break;
	case SDLK_TAB:
		if (c->list_count)
			c->selected_list = (c->selected_list + (shift ? c->list_count - 1 : 1)) %
					   c->list_count;
		break;
	case SDLK_F1: case SDLK_F2: case SDLK_F3: case SDLK_F4: case SDLK_F5: case SDLK_F6:
		c->view = (enum con_view)(key - SDLK_F1);
		break;
	case SDLK_F12:
		ui_set_red_light(&c->ui, !c->ui.red_light);
		break;
	case SDLK_PAGEUP:
	case SDLK_PAGEDOWN:
		faders_page(c, key == SDLK_PAGEUP ? -1 : 1);
		break;
	case SDLK_LEFTBRACKET:
	case SDLK_RIGHTBRACKET:
		if (c->universe_count) {
			c->universe_shown += key == SDLK_LEFTBRACKET ? c->universe_count - 1 : 1;
			c->universe_shown %= c->universe_count;
		}
		break;
	case SDLK_f: {  /* typed N or A-B: select fixtures by number */
		take_cmdline(c, typed, sizeof typed);
		int a = 0, b = 0;
		if (sscanf(typed, "%d-%d", &a, &b) == 2)
			program_select_range(c, a - 1, b - 1);
		else if (sscanf(typed, "%d", &a) == 1)
			program_select(c, a - 1, shift);
		else
			con_message(c, true, "type a fixture number first (3 F, or 1-4 F)");
		break;
	}
	case SDLK_i: {  /* typed N: intensity N % */
		take_cmdline(c, typed, sizeof typed);
		double pct;
		if (sscanf(typed, "%lf", &pct) == 1 && pct >= 0 && pct <= 100)
			program_intensity(c, (float)(pct / 100.0));
		else
			con_message(c, true, "type a level 0..100 first (50 I)");
		break;
	}
	case SDLK_r:
		take_cmdline(c, typed, sizeof typed);
		edits_record(c, list, typed[0] ? typed : NULL);
		break;
	case SDLK_u: {
		const struct con_list *l = &c->lists[list];
		int cue = l->cursor >= 0 ? l->cursor : c->snap.lists[list].active;
		edits_update(c, list, cue);
		break;
	}
	case SDLK_n:
		take_cmdline(c, typed, sizeof typed);
		edits_renumber(c, list, c->lists[list].cursor, typed);
		break;
	case SDLK_c:
		if (shift)
			program_clear_selection(c);
		else
			program_clear(c);
		break;
	case SDLK_DELETE:
		if (list >= c->list_count || c->lists[list].cursor < 0)
			con_message(c, true, "select the cue to delete first (click it)");
		else
			c->prompt = PROMPT_DELETE;
		break;
	default:
		break;
	}
}

/* ---- the loop ------------------------------------------------------------------------------ */

static void handle_event(struct gl_console *c, const SDL_Event *ev)
{
	switch (ev->type) {
	case SDL_QUIT:
		con_ask_quit(c);
		break;
	case SDL_WINDOWEVENT:
		if (ev->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
			update_size(c);
		else
			c->redraw = true;
		break;
	case SDL_KEYDOWN:
		/* held keys repeat only where repeating means something */
		if (ev->key.repeat && ev->key.keysym.sym != SDLK_BACKSPACE &&
		    ev->key.keysym.sym != SDLK_UP && ev->key.keysym.sym != SDLK_DOWN)
			break;
		con_key(c, ev->key.keysym.sym, ev->key.keysym.mod);
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		if (ev->button.which == SDL_TOUCH_MOUSEID || ev->button.button != SDL_BUTTON_LEFT)
			break;
		con_pointer(c, -1, (int)((float)ev->button.x * c->mouse_scale),
			    (int)((float)ev->button.y * c->mouse_scale),
			    ev->type == SDL_MOUSEBUTTONDOWN ? PTR_DOWN : PTR_UP);
		break;
	case SDL_MOUSEMOTION:
		if (ev->motion.which == SDL_TOUCH_MOUSEID)
			break;
		con_pointer(c, -1, (int)((float)ev->motion.x * c->mouse_scale),
			    (int)((float)ev->motion.y * c->mouse_scale), PTR_MOVE);
		break;
	case SDL_MOUSEWHEEL: {
		if (ev->wheel.which == SDL_TOUCH_MOUSEID)
			break;
		int mx, my;
		SDL_GetMouseState(&mx, &my);
		const struct ui_hit *h = ui_hit_at(&c->ui, (int)((float)mx * c->mouse_scale),
						   (int)((float)my * c->mouse_scale));
		float dy = ev->wheel.preciseY;
		c->redraw = true;
		if (h && prefix(h->name, "fader:"))
			faders_wheel(c, h->name, dy);
		else if (h && prefix(h->name, "cue:")) {
			int l = atoi(h->name + 4);
			if (l >= 0 && l < c->list_count) {
				c->lists[l].scroll -= (int)dy * 3;
				if (c->lists[l].scroll < 0)
					c->lists[l].scroll = 0;
			}
		} else {
			views_wheel(c, dy);
		}
		break;
	}
	case SDL_FINGERDOWN:
	case SDL_FINGERMOTION:
	case SDL_FINGERUP:
		con_pointer(c, (int64_t)ev->tfinger.fingerId, (int)(ev->tfinger.x * (float)c->w),
			    (int)(ev->tfinger.y * (float)c->h),
			    ev->type == SDL_FINGERDOWN ? PTR_DOWN
						       : ev->type == SDL_FINGERUP ? PTR_UP : PTR_MOVE);
		break;
	default:
		break;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void print_stats(struct gl_console *c)
{
	int n = c->frame_count < FRAME_RING ? c->frame_count : FRAME_RING;
	if (n == 0) {
		fprintf(stderr, "console: no frames drawn\n");
		return;
	}
	uint64_t *sorted = malloc((size_t)n * sizeof *sorted);
	if (!sorted)
		return;
	memcpy(sorted, c->frame_ns, (size_t)n * sizeof *sorted);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_u64);
	fprintf(stderr, "console: %d frames drawn (%dx%d px, %d fixtures, renderer %s): frame time "
		"p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", c->frame_count, c->w, c->h, c->rig.count,
		SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "?",
		(double)sorted[n / 2] / 1e6, (double)sorted[(n * 99) / 100] / 1e6,
		(double)sorted[n - 1] / 1e6);
	SDL_RendererInfo info;
	if (SDL_GetRendererInfo(c->ren, &info) == 0)
		fprintf(stderr, "console: SDL renderer \"%s\"\n", info.name);
	free(sorted);
}

int gl_console_run(struct gl_console *c)
{
	bool script_running = c->script != NULL;
	/* This thread draws; the engine, output and control threads run at
	 * their own priority (made before this): a busy window yields the CPU
	 * to the frames on the wire, not the other way round. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), GUI_NICE) != 0)
		gl_console_log(c, false, "console: cannot lower the drawing thread's priority");
	c->redraw = true;
	while (!c->quit) {
		if (c->host.stopping(c->host.ud)) {
			/* no one to ask: the edits go beside the show, not into it */
			char path[1100];
			if (edits_dirty(c) && edits_autosave(c, path, sizeof path) == 0)
				fprintf(stderr, "ghostlight console: ended by a signal with unsaved edits: "
					"they are in %s (rename it to the recorded file to keep them)\n", path);
			break;
		}
		SDL_Event ev;
		if (SDL_WaitEventTimeout(&ev, IDLE_WAIT_MS)) {
			handle_event(c, &ev);
			while (SDL_PollEvent(&ev))
				handle_event(c, &ev);
		}
		uint64_t now = gl_now_ns();
		if (read_engine(c))
			c->redraw = true;
		program_flush(c);
		playback_pending(c);
		update_status(c, now);
		pthread_mutex_lock(&c->lock);
		if (c->log_lines_total != c->log_lines_drawn) {
			c->log_lines_drawn = c->log_lines_total;
			if (c->view == VIEW_LOG)
				c->redraw = true;
		}
		if (c->media_changes != c->media_drawn) {
			c->media_drawn = c->media_changes;
			if (c->view == VIEW_MEDIA)
				c->redraw = true;
		}
		pthread_mutex_unlock(&c->lock);
		/* the sound's state: the media view's meters move at 25 Hz; the
		 * devices view's sound line goes with its redraw each second */
		bool sound_moved = (c->view == VIEW_MEDIA || c->view == VIEW_DEVICES) &&
				   views_read_audio(c, now);
		if (sound_moved && c->view == VIEW_MEDIA)
			c->redraw = true;
		/* the clock ticks, an armed panic blinks, a tooltip appears */
		if (now / GL_NS_PER_S != c->clock_second) {
			c->clock_second = now / GL_NS_PER_S;
			c->redraw = true;
		}
		if (c->panic_armed_ns) {
			if (now - c->panic_armed_ns > PANIC_WINDOW_NS)
				c->panic_armed_ns = 0;
			c->redraw = true;
		}
		if (c->hover_widget[0] && now - c->hover_since_ns >= TOOLTIP_DELAY_NS &&
		    now - c->hover_since_ns < TOOLTIP_DELAY_NS + GL_NS_PER_S / 10)
			c->redraw = true;
		if (c->redraw) {
			uint64_t t0 = gl_now_ns();
			con_draw(c, now);
			SDL_RenderPresent(c->ren);
			c->frame_ns[c->frame_count % FRAME_RING] = gl_now_ns() - t0;
			c->frame_count++;
			c->redraw = false;
		}
		if (script_running) {
			script_running = script_step(c, c->script, gl_now_ns());
			if (!script_running && c->exit_code != 0)
				break;
		}
	}
	if (c->opt.stats)
		print_stats(c);
	return c->exit_code;
}

int con_screenshot(struct gl_console *c, const char *path, char *err, size_t len)
{
	con_draw(c, gl_now_ns());
	uint32_t *px = malloc((size_t)c->w * (size_t)c->h * 4);
	if (!px) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	int rc = SDL_RenderReadPixels(c->ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, c->w * 4);
	if (rc != 0) {
		snprintf(err, len, "cannot read the window back: %s", SDL_GetError());
		free(px);
		return -1;
	}
	SDL_RenderPresent(c->ren);
	rc = con_png_write(path, px, c->w, c->h, c->w * 4, err, len);
	free(px);
	return rc;
}
