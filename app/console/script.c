/*
 * script.c - the console's test script (`ghostlight console SHOW --script
 * FILE`): input events pushed into SDL's own queue (SDL_PushEvent), so the
 * real console handles them exactly as a person's keys, clicks, drags and
 * touches; plus waiting for what the engine shows, the console's state as
 * text, and screenshots. One command a pass of the frame loop:
 *
 *   sleep S                        wait S seconds
 *   key K...                       press and release keys (SDL names:
 *                                  space, return, escape, a, 5, f2, ...;
 *                                  ctrl+ shift+ alt+ before one)
 *   type TEXT                      each character as a key
 *   click W [FX FY]                mouse press and release on widget W (the
 *                                  names the frame registers: btn:go,
 *                                  fader:0, tab:2, cue:0:3, fx:12, ...) at
 *                                  the fraction FX, FY of it (0.5 0.5)
 *   drag W FX1 FY1 FX2 FY2 [N]     press, N moves (8), release
 *   wheel W DY                     the wheel over W
 *   touch ID down|move|up W FX FY  a finger (several may be down at once)
 *   hover W                        the pointer rests on W
 *   wait-until COND                until COND holds: active LIST CUE,
 *                                  standby LIST CUE (a cue number or none),
 *                                  synced, prompt none|quit|delete,
 *                                  programmer N, sounds N (running), frame
 *   wait-limit S                   how long a wait-until may take (30 s)
 *   state FILE                     the console's state, key=value lines
 *   screenshot FILE                the window as a PNG
 *   mark TEXT                      "mark TEXT <realtime s>" to stderr, in
 *                                  the same pass as the next command
 *   quit                           as the window's close button
 *
 * A command that cannot run (no such widget, a wait that times out) ends
 * the console with exit code 3 and says which line. GUI thread.
 */
#include "console_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 512
#define WAIT_DEFAULT_S 30.0

struct con_script {
	char (*lines)[LINE_MAX_LEN];
	int count;
	int pc;                  /* next line */
	uint64_t resume_ns;      /* sleeping until */
	uint64_t wait_deadline;  /* a wait-until in progress (0: none) */
	double wait_limit_s;
	int drag_step;
	SDL_Rect drag_at;        /* the dragged widget where the drag began */
	int frames_seen;
};

struct con_script *script_load(const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, len, "script %s: %s", path, strerror(errno));
		return NULL;
	}
	struct con_script *s = calloc(1, sizeof *s);
	char line[LINE_MAX_LEN];
	if (s)
		s->wait_limit_s = WAIT_DEFAULT_S;
	int cap = 0;
	while (s && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (s->count == cap) {
			cap = cap ? cap * 2 : 64;
			void *grown = realloc(s->lines, (size_t)cap * sizeof *s->lines);
			if (!grown) {
				free(s->lines);
				free(s);
				s = NULL;
				break;
			}
			s->lines = grown;
		}
		memcpy(s->lines[s->count++], line, sizeof line);
	}
	fclose(f);
	if (!s)
		snprintf(err, len, "script %s: out of memory", path);
	return s;
}

void script_free(struct con_script *s)
{
	if (!s)
		return;
	free(s->lines);
	free(s);
}

static bool fail(struct gl_console *c, struct con_script *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct gl_console *c, struct con_script *s, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "console script line %d (%s): %s\n", s->pc + 1, s->lines[s->pc], msg);
	c->exit_code = 3;
	c->quit = true;
	return false;
}

/* ---- events ------------------------------------------------------------------------------ */

static void push_key(struct gl_console *c, SDL_Keycode key, Uint16 mod)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = SDL_KEYDOWN;
	ev.key.windowID = SDL_GetWindowID(c->win);
	ev.key.state = SDL_PRESSED;
	ev.key.keysym.sym = key;
	ev.key.keysym.scancode = SDL_GetScancodeFromKey(key);
	ev.key.keysym.mod = mod;
	SDL_PushEvent(&ev);
	ev.type = SDL_KEYUP;
	ev.key.state = SDL_RELEASED;
	SDL_PushEvent(&ev);
}

/* "ctrl+shift+z" -> key and modifiers. */
static bool parse_key(const char *name, SDL_Keycode *key, Uint16 *mod)
{
	*mod = 0;
	for (;;) {
		if (strncmp(name, "ctrl+", 5) == 0) {
			*mod |= KMOD_LCTRL;
			name += 5;
		} else if (strncmp(name, "shift+", 6) == 0) {
			*mod |= KMOD_LSHIFT;
			name += 6;
		} else if (strncmp(name, "alt+", 4) == 0) {
			*mod |= KMOD_LALT;
			name += 4;
		} else {
			break;
		}
	}
	*key = SDL_GetKeyFromName(name);
	return *key != SDLK_UNKNOWN;
}

/* The window coordinates of fraction (fx, fy) of widget w. */
static bool widget_point(struct gl_console *c, const char *w, float fx, float fy, int *x, int *y)
{
	const struct ui_hit *h = ui_hit_find(&c->ui, w);
	if (!h)
		return false;
	float px = (float)h->r.x + fx * (float)(h->r.w - 1);
	float py = (float)h->r.y + fy * (float)(h->r.h - 1);
	*x = (int)(px / c->mouse_scale + 0.5f);
	*y = (int)(py / c->mouse_scale + 0.5f);
	return true;
}

static void push_mouse(struct gl_console *c, Uint32 type, int x, int y)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	if (type == SDL_MOUSEMOTION) {
		ev.motion.windowID = SDL_GetWindowID(c->win);
		ev.motion.x = x;
		ev.motion.y = y;
		ev.motion.state = 0;
	} else {
		ev.button.windowID = SDL_GetWindowID(c->win);
		ev.button.button = SDL_BUTTON_LEFT;
		ev.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
		ev.button.clicks = 1;
		ev.button.x = x;
		ev.button.y = y;
	}
	SDL_PushEvent(&ev);
}

static void push_finger(struct gl_console *c, Uint32 type, int64_t id, int x, int y)
{
	SDL_Event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.tfinger.touchId = 1;
	ev.tfinger.fingerId = id;
	ev.tfinger.windowID = SDL_GetWindowID(c->win);
	/* touch is normalised to the window */
	ev.tfinger.x = (float)x * c->mouse_scale / (float)c->w;
	ev.tfinger.y = (float)y * c->mouse_scale / (float)c->h;
	ev.tfinger.pressure = 1;
	SDL_PushEvent(&ev);
}

/* ---- state ---------------------------------------------------------------------------------- */

/* The sounds the audio part runs now, -1 without one. */
static int sounds(struct gl_console *c)
{
	if (!c->audio_part)
		return -1;
	gl_audio_state(c->audio_part, c->audio);
	return c->audio->voice_count;
}

static const char *cue_number(const struct gl_console *c, int li, int k)
{
	return k >= 0 && k < c->lists[li].count ? c->lists[li].cues[k].def.number_text : "none";
}

void script_state(struct gl_console *c, FILE *out)
{
	static const char *const views[] = { "stage", "sheet", "universe", "devices", "log",
					     "media" };
	static const char *const prompts[] = { "none", "quit", "delete" };
	fprintf(out, "view=%s\n", views[c->view]);
	fprintf(out, "selected_list=%d\n", c->selected_list);
	for (int li = 0; li < c->list_count; li++) {
		const struct con_list *l = &c->lists[li];
		const struct gl_list_status *ls = &c->snap.lists[li];
		fprintf(out, "list.%d.name=%s\n", li, l->name);
		fprintf(out, "list.%d.active=%s\n", li,
			ls->state == GL_LIST_OFF ? "none" : cue_number(c, li, ls->active));
		fprintf(out, "list.%d.standby=%s\n", li, cue_number(c, li, ls->standby));
		fprintf(out, "list.%d.state=%s\n", li, ls->state == GL_LIST_OFF ? "off"
						       : ls->state == GL_LIST_PAUSED ? "paused" : "running");
		fprintf(out, "list.%d.master=%.3f\n", li, ls->master);
		fprintf(out, "list.%d.cursor=%s\n", li, cue_number(c, li, l->cursor));
		fprintf(out, "list.%d.synced=%d\n", li, edits_synced(c, li));
		fprintf(out, "list.%d.cues=", li);
		for (int k = 0; k < l->count; k++)
			fprintf(out, "%s%s", k ? "," : "", l->cues[k].def.number_text);
		fprintf(out, "\n");
	}
	struct fader_slot slots[CON_FADER_SLOTS];
	int n = faders_slots(c, slots, CON_FADER_SLOTS);
	for (int i = 0; i < n; i++)
		if (slots[i].kind == SLOT_FADER)
			fprintf(out, "fader.%d=%.3f\n", slots[i].number, faders_level(c, &slots[i]));
	fprintf(out, "gm=%.3f\n", c->snap.grand_master);
	fprintf(out, "blackout=%d\n", c->snap.blackout);
	fprintf(out, "selected=%d\n", c->selected_count);
	fprintf(out, "programmer=%d\n", c->prog_count);
	fprintf(out, "engine_programmer=%d\n", c->snap.programmer_count);
	fprintf(out, "ops=%d\n", c->op_count);
	fprintf(out, "undone=%d\n", c->undone);
	fprintf(out, "dirty=%d\n", edits_dirty(c));
	fprintf(out, "prompt=%s\n", prompts[c->prompt]);
	fprintf(out, "cmdline=%s\n", c->cmdline);
	fprintf(out, "message=%s\n", c->message);
	fprintf(out, "sounds=%d\n", sounds(c));
	fprintf(out, "frames=%d\n", c->frame_count);
	fprintf(out, "size=%dx%d\n", c->w, c->h);
}

/* ---- conditions ----------------------------------------------------------------------------- */

static int list_by_name(struct gl_console *c, const char *name)
{
	for (int i = 0; i < c->list_count; i++)
		if (strcmp(c->lists[i].name, name) == 0)
			return i;
	return -1;
}

/* 1 holds, 0 not yet, -1 cannot hold (bad condition). */
static int condition(struct gl_console *c, struct con_script *s, const char *cond)
{
	char a[64], b[64], what[32];
	int n;
	if (sscanf(cond, "%31s %63s %63s", what, a, b) == 3 &&
	    (strcmp(what, "active") == 0 || strcmp(what, "standby") == 0)) {
		int li = list_by_name(c, a);
		if (li < 0 || !c->have_snap)
			return li < 0 ? -1 : 0;
		const struct gl_list_status *ls = &c->snap.lists[li];
		int k = what[0] == 'a' ? (ls->state == GL_LIST_OFF ? -1 : ls->active) : ls->standby;
		return edits_synced(c, li) && strcmp(cue_number(c, li, k), b) == 0;
	}
	if (strcmp(cond, "synced") == 0) {
		for (int i = 0; i < c->list_count; i++)
			if (!edits_synced(c, i))
				return 0;
		return 1;
	}
	if (sscanf(cond, "prompt %63s", a) == 1) {
		static const char *const prompts[] = { "none", "quit", "delete" };
		return strcmp(prompts[c->prompt], a) == 0;
	}
	if (sscanf(cond, "programmer %d", &n) == 1)
		return c->have_snap && c->snap.programmer_count == n && c->outbox_count == 0;
	if (sscanf(cond, "sounds %d", &n) == 1)
		return sounds(c) < 0 ? -1 : sounds(c) == n;
	if (strcmp(cond, "frame") == 0)
		return c->frame_count > s->frames_seen;
	return -1;
}

/* ---- the commands ----------------------------------------------------------------------------- */

/* Runs line s->pc. Returns true when it is done (the next line may run). */
static bool run(struct gl_console *c, struct con_script *s, uint64_t now)
{
	const char *line = s->lines[s->pc];
	char cmd[32] = "", w[UI_HIT_NAME_MAX] = "";
	int x, y;
	float fx = 0.5f, fy = 0.5f;
	sscanf(line, "%31s", cmd);
	const char *rest = line + strspn(line, " \t") + strlen(cmd);
	rest += strspn(rest, " \t");

	if (cmd[0] == '\0' || cmd[0] == '#')
		return true;
	if (strcmp(cmd, "sleep") == 0) {
		double sec;
		if (sscanf(rest, "%lf", &sec) != 1 || sec < 0)
			return fail(c, s, "sleep needs seconds");
		s->resume_ns = now + (uint64_t)(sec * 1e9);
		return true;
	}
	if (strcmp(cmd, "key") == 0) {
		char copy[LINE_MAX_LEN];
		snprintf(copy, sizeof copy, "%s", rest);
		for (char *k = strtok(copy, " \t"); k; k = strtok(NULL, " \t")) {
			SDL_Keycode key;
			Uint16 mod;
			if (!parse_key(k, &key, &mod))
				return fail(c, s, "no key named \"%s\"", k);
			push_key(c, key, mod);
		}
		return true;
	}
	if (strcmp(cmd, "type") == 0) {
		for (const char *p = rest; *p; p++) {
			char name[2] = { *p, 0 };
			SDL_Keycode key = *p == ' ' ? SDLK_SPACE : SDL_GetKeyFromName(name);
			if (key == SDLK_UNKNOWN)
				return fail(c, s, "cannot type '%c'", *p);
			push_key(c, key, 0);
		}
		return true;
	}
	if (strcmp(cmd, "click") == 0 || strcmp(cmd, "hover") == 0) {
		if (sscanf(rest, "%47s %f %f", w, &fx, &fy) < 1)
			return fail(c, s, "%s needs a widget", cmd);
		if (!widget_point(c, w, fx, fy, &x, &y))
			return fail(c, s, "no widget \"%s\" on screen", w);
		push_mouse(c, SDL_MOUSEMOTION, x, y);
		if (cmd[0] == 'c') {
			push_mouse(c, SDL_MOUSEBUTTONDOWN, x, y);
			push_mouse(c, SDL_MOUSEBUTTONUP, x, y);
		}
		return true;
	}
	if (strcmp(cmd, "drag") == 0) {
		float x1, y1, x2, y2;
		int steps = 8;
		if (sscanf(rest, "%47s %f %f %f %f %d", w, &x1, &y1, &x2, &y2, &steps) < 5 || steps < 1)
			return fail(c, s, "drag W FX1 FY1 FX2 FY2 [STEPS]");
		const struct ui_hit *h = ui_hit_find(&c->ui, w);
		if (!h && s->drag_step == 0)
			return fail(c, s, "no widget \"%s\" on screen", w);
		/* the widget may move as it is dragged: the first frame's place */
		if (s->drag_step == 0)
			s->drag_at = h->r;
		SDL_Rect at = s->drag_at;
		float t = (float)s->drag_step / (float)steps;
		float px = (float)at.x + (x1 + (x2 - x1) * t) * (float)(at.w - 1);
		float py = (float)at.y + (y1 + (y2 - y1) * t) * (float)(at.h - 1);
		x = (int)(px / c->mouse_scale + 0.5f);
		y = (int)(py / c->mouse_scale + 0.5f);
		if (s->drag_step == 0) {
			push_mouse(c, SDL_MOUSEMOTION, x, y);
			push_mouse(c, SDL_MOUSEBUTTONDOWN, x, y);
		} else {
			push_mouse(c, SDL_MOUSEMOTION, x, y);
		}
		if (s->drag_step++ < steps)
			return false;
		push_mouse(c, SDL_MOUSEBUTTONUP, x, y);
		s->drag_step = 0;
		return true;
	}
	if (strcmp(cmd, "wheel") == 0) {
		float dy;
		if (sscanf(rest, "%47s %f", w, &dy) != 2)
			return fail(c, s, "wheel W DY");
		if (!widget_point(c, w, 0.5f, 0.5f, &x, &y))
			return fail(c, s, "no widget \"%s\" on screen", w);
		SDL_WarpMouseInWindow(c->win, x, y);
		push_mouse(c, SDL_MOUSEMOTION, x, y);
		SDL_Event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = SDL_MOUSEWHEEL;
		ev.wheel.windowID = SDL_GetWindowID(c->win);
		ev.wheel.y = (Sint32)dy;
		ev.wheel.preciseY = dy;
		ev.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
		SDL_PushEvent(&ev);
		return true;
	}
	if (strcmp(cmd, "touch") == 0) {
		long long id;
		char phase[8];
		if (sscanf(rest, "%lld %7s %47s %f %f", &id, phase, w, &fx, &fy) != 5)
			return fail(c, s, "touch ID down|move|up W FX FY");
		if (!widget_point(c, w, fx, fy, &x, &y))
			return fail(c, s, "no widget \"%s\" on screen", w);
		Uint32 type = strcmp(phase, "down") == 0 ? SDL_FINGERDOWN
			      : strcmp(phase, "up") == 0 ? SDL_FINGERUP : SDL_FINGERMOTION;
		push_finger(c, type, (int64_t)id, x, y);
		return true;
	}
	if (strcmp(cmd, "wait-limit") == 0) {
		if (sscanf(rest, "%lf", &s->wait_limit_s) != 1 || !(s->wait_limit_s > 0))
			return fail(c, s, "wait-limit needs seconds");
		return true;
	}
	if (strcmp(cmd, "wait-until") == 0) {
		if (!s->wait_deadline) {
			s->wait_deadline = now + (uint64_t)(s->wait_limit_s * 1e9);
			s->frames_seen = c->frame_count;
			c->redraw = true;
		}
		int r = condition(c, s, rest);
		if (r < 0)
			return fail(c, s, "unknown condition \"%s\"", rest);
		if (r == 1) {
			s->wait_deadline = 0;
			return true;
		}
		if (now > s->wait_deadline) {
			s->wait_deadline = 0;
			script_state(c, stderr);
			return fail(c, s, "\"%s\" did not happen within %g s", rest, s->wait_limit_s);
		}
		return false;
	}
	if (strcmp(cmd, "state") == 0 || strcmp(cmd, "screenshot") == 0) {
		if (!rest[0])
			return fail(c, s, "%s needs a file", cmd);
		if (cmd[1] == 't') {
			char tmp[LINE_MAX_LEN + 8];
			snprintf(tmp, sizeof tmp, "%s.tmp", rest);
			FILE *out = fopen(tmp, "w");
			if (!out)
				return fail(c, s, "%s: %s", rest, strerror(errno));
			script_state(c, out);
			if (fclose(out) != 0 || rename(tmp, rest) != 0)
				return fail(c, s, "%s: %s", rest, strerror(errno));
			return true;
		}
		char err[300];
		if (con_screenshot(c, rest, err, sizeof err) != 0)
			return fail(c, s, "%s", err);
		return true;
	}
	if (strcmp(cmd, "mark") == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "mark %s %lld.%09ld\n", rest, (long long)ts.tv_sec, ts.tv_nsec);
		return true;
	}
	if (strcmp(cmd, "quit") == 0) {
		SDL_Event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = SDL_QUIT;
		SDL_PushEvent(&ev);
		return true;
	}
	return fail(c, s, "unknown command \"%s\"", cmd);
}

bool script_step(struct gl_console *c, struct con_script *s, uint64_t now)
{
	if (c->frame_count == 0)
		return true;        /* widgets exist once a frame was drawn */
	while (s->pc < s->count) {
		if (s->resume_ns && now < s->resume_ns)
			return true;
		s->resume_ns = 0;
		if (c->exit_code != 0)
			return false;
		const char *line = s->lines[s->pc] + strspn(s->lines[s->pc], " \t");
		/* a mark goes with the command after it: its time is that one's */
		bool same_pass = line[0] == '#' || line[0] == '\0' || strncmp(line, "mark ", 5) == 0;
		if (!run(c, s, now))
			return c->exit_code == 0;
		s->pc++;
		if (!same_pass)
			return true;    /* one command a pass: its events are handled first */
	}
	return false;
}
