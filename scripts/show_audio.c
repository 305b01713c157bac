/*
 * show_audio.c - sound as a show sees it: the declaration
 *   audio { device = "USB Audio CODEC", buffer = 512 }
 * (outputs/media/audio's options), and audio cue actions on the same cue
 * lists as the lights:
 *   cue { 2, "Storm", look = {...},
 *         audio = { "sounds/thunder.wav", level = -6, pan = 0.3, start = 1.5,
 *                   ["end"] = 12, loop = 2 | true, devamp = true,
 *                   fade_in = 0.5, fade_out = 2, curve = "db", name = "thunder" } }
 *   cue { 3, audio = { fade = "thunder", level = -20, time = 3, stop = true } }
 *   cue { 4, audio = { stop = "rain", time = 2 } }      -- "*": every sound
 *   cue { 5, audio = { pause = "rain" } }, { resume = "rain" }
 * (or a list of such tables). A sound's name is `name`, or its file's name
 * without folder and extension; stop, fade, pause and resume name one
 * (every sound started under that name) or "*".
 *
 * A loop with devamp leaves its loop at the end of the pass it is in on
 * the next GO of its cue list; stopping a cue list stops the sounds it
 * started (with their fade_out). Files are relative to the show's folder;
 * the load probes each one, and one that cannot be read is a problem
 * (`ghostlight check` fails on it, `play` reports it and plays the rest).
 *
 * Control thread. Tables are read raw and bounded (SHOW_CUE_AUDIO_MAX);
 * the audio part runs beside the show (gl_show_set_audio): commands are
 * pushed to it, never waited for.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

#define AUDIO_TIME_MAX_S 86400.0

enum show_audio_op { SA_PLAY, SA_STOP, SA_FADE, SA_PAUSE, SA_RESUME };

static const char *const op_keys[] = {
	[SA_PLAY] = "", [SA_STOP] = "stop", [SA_FADE] = "fade", [SA_PAUSE] = "pause",
	[SA_RESUME] = "resume",
};

struct show_audio_action {
	enum show_audio_op op;
	char file[GL_AUDIO_PATH_MAX];  /* PLAY: as written */
	char name[GL_AUDIO_NAME_MAX];  /* PLAY: its name; others: the target, "*" every sound */
	int tag;                       /* the name's index in s->audio_names; -1: "*" */
	double level_db, pan, start_s, end_s, fade_in_s, fade_out_s;
	double time_s;                 /* STOP (< 0: each sound's fade_out), FADE */
	int loops;                     /* 0: until stopped */
	bool devamp, stop;             /* stop: FADE ends the sound */
	enum gl_audio_curve curve;
};

struct show_audio_parsed {
	int count;
	struct show_audio_action actions[SHOW_CUE_AUDIO_MAX];
};

/* ---- audio { ... } ------------------------------------------------------------------ */

static int audio_declare(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	struct show_where at = show_where_here(L);
	struct gl_option opts[GL_OPTION_MAX];
	char err[300];

	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "audio { ... } is only allowed while the show loads");
	if (!lua_istable(L, 1) || !lua_isnone(L, 2))
		return show_raise(L, at, "audio: expects a table: audio { device = \"...\", "
				  "buffer = 512 }");
	if (s->audio_declared)
		return show_raise(L, at, "audio: declared twice (first at line %d)", s->audio_at.line);
	int n = show_read_options(L, at, "audio", 1, opts);
	if (gl_audio_config_parse(opts, n, &s->audio_cfg, err, sizeof err) < 0)
		return show_raise(L, at, "audio: %s", err);
	s->audio_declared = true;
	s->audio_at = at;
	return 0;
}

/* ---- cue actions ---------------------------------------------------------------------- */

/* The index of a sound name (the show's hashed index), made when new. */
static int name_tag(lua_State *L, struct gl_show *s, const char *name)
{
	int tag = show_index_get(L, s, 'a', name);

	if (tag >= 0)
		return tag;
	show_vec_reserve(L, &s->audio_names, sizeof(struct show_audio_name));
	show_index_set(L, s, 'a', name, s->audio_names.count);
	struct show_audio_name *n = show_vec_push(L, &s->audio_names, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	return s->audio_names.count - 1;
}

struct audio_reader {
	lua_State *L;
	struct show_where at;
	const char *what;
	int t;                         /* the action's table */
};

static int reader_fail(const struct audio_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int reader_fail(const struct audio_reader *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return show_raise(r->L, r->at, "%s: audio: %s", r->what, msg);
}

/* Pushes field `key` (raw); false (nothing pushed) when absent. */
static bool field(const struct audio_reader *r, const char *key)
{
	lua_pushstring(r->L, key);
	if (lua_rawget(r->L, r->t) != LUA_TNIL)
		return true;
	lua_pop(r->L, 1);
	return false;
}

static bool number(const struct audio_reader *r, const char *key, double min, double max,
		   double *out)
{
	char desc[96];

	if (!field(r, key))
		return false;
	if (lua_type(r->L, -1) != LUA_TNUMBER || !(lua_tonumber(r->L, -1) >= min &&
						   lua_tonumber(r->L, -1) <= max)) {
		show_describe(r->L, -1, desc, sizeof desc);
		reader_fail(r, "%s must be a number %g..%g, not %s", key, min, max, desc);
	}
	*out = lua_tonumber(r->L, -1);
	lua_pop(r->L, 1);
	return true;
}

static bool text(const struct audio_reader *r, const char *key, char *out, size_t len)
{
	char desc[96];

	if (!field(r, key))
		return false;
	if (lua_type(r->L, -1) != LUA_TSTRING || lua_rawlen(r->L, -1) == 0 ||
	    lua_rawlen(r->L, -1) >= len || strlen(lua_tostring(r->L, -1)) != lua_rawlen(r->L, -1)) {
		show_describe(r->L, -1, desc, sizeof desc);
		reader_fail(r, "%s must be a string of 1..%d bytes, not %s", key, (int)len - 1, desc);
	}
	snprintf(out, len, "%s", lua_tostring(r->L, -1));
	lua_pop(r->L, 1);
	return true;
}

static bool boolean(const struct audio_reader *r, const char *key, bool *out)
{
	char desc[96];

	if (!field(r, key))
		return false;
	if (lua_type(r->L, -1) != LUA_TBOOLEAN) {
		show_describe(r->L, -1, desc, sizeof desc);
		reader_fail(r, "%s must be true or false, not %s", key, desc);
	}
	*out = lua_toboolean(r->L, -1);
	lua_pop(r->L, 1);
	return true;
}

static void curve(const struct audio_reader *r, enum gl_audio_curve *out)
{
	char name[32];

	if (!text(r, "curve", name, sizeof name))
		return;
	int c = gl_audio_curve_find(name);
	if (c < 0)
		reader_fail(r, "curve \"%s\" is not \"db\", \"linear\", \"s\" or \"equal_power\"",
			    name);
	*out = (enum gl_audio_curve)c;
}

/* Refuses keys the form does not take. */
static void only_keys(const struct audio_reader *r, const char *const *keys, bool file)
{
	lua_State *L = r->L;

	lua_pushnil(L);
	while (lua_next(L, r->t)) {
		bool ok = file && lua_isinteger(L, -2) && lua_tointeger(L, -2) == 1;

		for (int i = 0; !ok && keys[i] && lua_type(L, -2) == LUA_TSTRING; i++)
			ok = strcmp(keys[i], lua_tostring(L, -2)) == 0;
		lua_pop(L, 1);
		if (!ok) {
			char desc[96];
			char list[256] = "";

			show_describe(L, -1, desc, sizeof desc);
			for (int i = 0; keys[i]; i++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
					 i ? ", " : "", keys[i]);
			reader_fail(r, "%s is not one of %s%s", desc, file ? "the file, " : "", list);
		}
	}
}

static void read_play(const struct audio_reader *r, struct gl_show *s, struct show_audio_action *a)
{
	static const char *const keys[] = { "name", "level", "pan", "start", "end", "loop",
					    "devamp", "fade_in", "fade_out", "curve", NULL };
	lua_State *L = r->L;
	char desc[96];

	only_keys(r, keys, true);
	lua_rawgeti(L, r->t, 1);
	if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 ||
	    lua_rawlen(L, -1) >= sizeof a->file || strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1)) {
		show_describe(L, -1, desc, sizeof desc);
		reader_fail(r, "the first item must be the sound file's name, not %s", desc);
	}
	snprintf(a->file, sizeof a->file, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	if (!text(r, "name", a->name, sizeof a->name)) {
		const char *base = strrchr(a->file, '/') ? strrchr(a->file, '/') + 1 : a->file;
		const char *dot = strrchr(base, '.');
		int n = dot && dot > base ? (int)(dot - base) : (int)strlen(base);

		snprintf(a->name, sizeof a->name, "%.*s", n, base);
	}
	if (strcmp(a->name, "*") == 0)
		reader_fail(r, "\"*\" names every sound; give this one another name");
	number(r, "level", GL_AUDIO_LEVEL_MIN_DB, GL_AUDIO_LEVEL_MAX_DB, &a->level_db);
	number(r, "pan", -1.0, 1.0, &a->pan);
	number(r, "start", 0.0, AUDIO_TIME_MAX_S, &a->start_s);
	if (number(r, "end", 0.0, AUDIO_TIME_MAX_S, &a->end_s) && !(a->end_s > a->start_s))
		reader_fail(r, "end %g is not after start %g", a->end_s, a->start_s);
	a->loops = 1;
	if (field(r, "loop")) {
		if (lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1)) {
			a->loops = 0;
		} else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 &&
			   lua_tointeger(L, -1) <= 1000000) {
			a->loops = (int)lua_tointeger(L, -1);
		} else {
			show_describe(L, -1, desc, sizeof desc);
			reader_fail(r, "loop must be true (until stopped) or a count 1..1000000, not %s",
				    desc);
		}
		lua_pop(L, 1);
	}
	if (boolean(r, "devamp", &a->devamp) && a->devamp && a->loops == 1)
		reader_fail(r, "devamp leaves a loop: give loop = true or a count");
	number(r, "fade_in", 0.0, AUDIO_TIME_MAX_S, &a->fade_in_s);
	number(r, "fade_out", 0.0, AUDIO_TIME_MAX_S, &a->fade_out_s);
	a->tag = name_tag(L, s, a->name);
}

static void read_action(lua_State *L, struct show_where at, const char *what, int t,
			struct gl_show *s, struct show_audio_action *a)
{
	static const char *const fade_keys[] = { "fade", "level", "time", "curve", "stop", NULL };
	static const char *const stop_keys[] = { "stop", "time", NULL };
	const struct audio_reader r = { L, at, what, t };
	int forms = 0;

	memset(a, 0, sizeof *a);
	a->curve = GL_AUDIO_CURVE_DB;
	a->time_s = -1.0;
	lua_rawgeti(L, t, 1);
	if (!lua_isnil(L, -1)) {
		a->op = SA_PLAY;
		forms++;
	}
	lua_pop(L, 1);
	for (int op = SA_FADE; op <= SA_RESUME; op++) {
		if (field(&r, op_keys[op])) {
			lua_pop(L, 1);
			a->op = (enum show_audio_op)op;
			forms++;
		}
	}
	/* stop = "name" is the stop form; in a fade, stop = true ends it */
	if (field(&r, "stop")) {
		if (lua_type(L, -1) != LUA_TBOOLEAN) {
			a->op = forms ? a->op : SA_STOP;
			forms += a->op == SA_STOP;
		}
		lua_pop(L, 1);
	}
	if (forms != 1)
		reader_fail(&r, "give a sound to play { \"file.wav\", ... }, or one of fade = "
			    "\"name\", stop = \"name\", pause = \"name\", resume = \"name\"");
	curve(&r, &a->curve);
	switch (a->op) {
	case SA_PLAY:
		read_play(&r, s, a);
		return;
	case SA_FADE:
		only_keys(&r, fade_keys, false);
		text(&r, "fade", a->name, sizeof a->name);
		if (!field(&r, "level"))
			reader_fail(&r, "a fade needs level = dB (-math.huge: silence)");
		bool silence = lua_type(L, -1) == LUA_TNUMBER && isinf(lua_tonumber(L, -1)) &&
			       lua_tonumber(L, -1) < 0;
		lua_pop(L, 1);
		if (silence)
			a->level_db = -INFINITY;
		else
			number(&r, "level", GL_AUDIO_LEVEL_MIN_DB, GL_AUDIO_LEVEL_MAX_DB, &a->level_db);
		a->time_s = 0;
		number(&r, "time", 0.0, AUDIO_TIME_MAX_S, &a->time_s);
		boolean(&r, "stop", &a->stop);
		break;
	case SA_STOP:
		only_keys(&r, stop_keys, false);
		text(&r, "stop", a->name, sizeof a->name);
		number(&r, "time", 0.0, AUDIO_TIME_MAX_S, &a->time_s);
		break;
	case SA_PAUSE:
	case SA_RESUME: {
		const char *const keys[] = { op_keys[a->op], NULL };

		only_keys(&r, keys, false);
		text(&r, op_keys[a->op], a->name, sizeof a->name);
		break;
	}
	}
	a->tag = -2;                   /* resolved once every sound is known */
}

static const void *show_audio_cue_actions(lua_State *L, struct show_where at, const char *what)
{
	struct gl_show *s = show_from_upvalue(L);
	int field_idx = lua_gettop(L), count;

	if (!lua_istable(L, field_idx))
		show_raise(L, at, "%s: audio must be { \"file.wav\", level = -6, ... }, a fade, "
			   "stop, pause or resume, or a list of them", what);
	bool list;
	count = show_action_list(L, at, what, field_idx, "audio", "action", SHOW_CUE_AUDIO_MAX, &list);
	struct show_audio_parsed *p = lua_newuserdatauv(L, sizeof *p, 0);
	memset(p, 0, sizeof *p);
	for (int i = 0; i < count; i++) {
		show_action_push(L, field_idx, list, i);
		read_action(L, at, what, lua_gettop(L), s, &p->actions[i]);
		lua_pop(L, 1);
		p->count = i + 1;
	}
	show_action_parsed_done(L, field_idx, (size_t)p->count * sizeof p->actions[0]);
	s->audio_cues++;
	return p;
}

static void *show_audio_cue_copy(const void *parsed, int *count)
{
	const struct show_audio_parsed *p = parsed;
	size_t bytes = (size_t)p->count * sizeof p->actions[0];
	void *out = malloc(bytes);

	*count = p->count;
	if (out)
		memcpy(out, p->actions, bytes);
	return out;
}

/* ---- at GO ----------------------------------------------------------------------------- */

static const char *audio_error(int rc)
{
	return rc == GL_ENOENT ? "audio is not running"
	       : rc == GL_EFULL ? "the audio command queue is full (not sent)" : gl_strerror(rc);
}

static void path_of(const struct gl_show *s, const char *file, char *out, size_t len)
{
	if (file[0] == '/')
		snprintf(out, len, "%s", file);
	else
		snprintf(out, len, "%s/%s", s->dir, file);
}

static void show_audio_fire(struct gl_show *s, const struct show_cue *c, const void *actions, int count)
{
	const struct show_audio_action *act = actions;
	char where[SHOW_PATH_MAX + 64], path[GL_AUDIO_PATH_MAX + SHOW_PATH_MAX];

	snprintf(where, sizeof where, "%s:%d: cue %s", c->at.file, c->at.line, c->def.number_text);
	for (int i = 0; i < count; i++) {
		const struct show_audio_action *a = &act[i];
		struct gl_audio_match m = { a->tag < 0 ? GL_AUDIO_ALL : GL_AUDIO_TAG, a->tag };
		int rc = GL_ENOENT;

		if (!s->audio) {
			rc = GL_ENOENT;
		} else if (a->op == SA_PLAY) {
			path_of(s, a->file, path, sizeof path);
			struct gl_audio_cue cue = {
				.path = path, .name = a->name, .what = where, .tag = a->tag,
				.group = c->list, .level_db = a->level_db, .pan = a->pan,
				.start_s = a->start_s, .end_s = a->end_s, .loops = a->loops,
				.devamp = a->devamp, .fade_in_s = a->fade_in_s,
				.fade_out_s = a->fade_out_s, .curve = a->curve,
			};
			rc = gl_audio_play(s->audio, &cue, NULL);
		} else if (a->op == SA_STOP) {
			rc = gl_audio_stop(s->audio, m, a->time_s);
		} else if (a->op == SA_FADE) {
			rc = gl_audio_fade(s->audio, m, a->level_db, a->time_s, a->curve, a->stop);
		} else if (a->op == SA_PAUSE) {
			rc = gl_audio_pause(s->audio, m);
		} else {
			rc = gl_audio_resume(s->audio, m);
		}
		if (rc < 0)
			show_ring_push(s, "%s: audio %s \"%s\": %s", where,
				       a->op == SA_PLAY ? "play" : op_keys[a->op], a->name,
				       audio_error(rc));
	}
}

static void show_audio_event(struct gl_show *s, const struct gl_event *ev)
{
	struct gl_audio_match list = { GL_AUDIO_GROUP, ev->list };

	if (!s->audio || ev->list < 0)
		return;
	/* before the cue's own actions: a sound it starts is not left */
	if (ev->type == GL_EV_CUE_FIRED)
		gl_audio_devamp(s->audio, list);
	else if (ev->type == GL_EV_LIST_STOPPED)
		gl_audio_stop(s->audio, list, -1.0);
}

const struct show_action_kind show_audio_actions = {
	.field = "audio", .parse = show_audio_cue_actions, .copy = show_audio_cue_copy,
	.fire = show_audio_fire, .event = show_audio_event,
};

/* ---- build, check, print ---------------------------------------------------------------- */

/* A sound name and its tag, sorted by name for the build's lookups. */
struct name_tag {
	const char *name;
	int tag;
};

static int cmp_name(const void *x, const void *y)
{
	return strcmp(((const struct name_tag *)x)->name, ((const struct name_tag *)y)->name);
}

/* Each target to the sounds of its name; each file probed. A target no
 * sound has is an error (a typo); a file that cannot be read is a problem
 * the show runs with. */
int show_audio_build(struct gl_show *s, char *err, size_t len)
{
	char path[GL_AUDIO_PATH_MAX + SHOW_PATH_MAX], why[256];
	int n = s->audio_names.count;
	struct name_tag *names = malloc((size_t)(n ? n : 1) * sizeof *names);

	if (!names) {
		snprintf(err, len, "%s: out of memory", s->path);
		return GL_ENOMEM;
	}
	for (int t = 0; t < n; t++)
		names[t] = (struct name_tag){ SHOW_AT(s->audio_names, struct show_audio_name, t)->name,
					      t };
	qsort(names, (size_t)n, sizeof *names, cmp_name);
	for (int i = 0; i < s->cues.count; i++) {
		struct show_cue *c = SHOW_AT(s->cues, struct show_cue, i);
		struct show_audio_action *act = c->actions[SHOW_ACTION_AUDIO].items;

		for (int k = 0; k < c->actions[SHOW_ACTION_AUDIO].count; k++) {
			struct show_audio_action *a = &act[k];

			if (a->op != SA_PLAY) {
				struct name_tag key = { a->name, -1 };
				const struct name_tag *hit = strcmp(a->name, "*") == 0 ? &key
					: bsearch(&key, names, (size_t)n, sizeof *names, cmp_name);

				if (!hit) {
					snprintf(err, len, "%s:%d: cue %s: audio %s: no sound is named \"%s\" "
						 "(a play's name = \"...\", or its file's name without "
						 "extension; \"*\": every sound)", c->at.file, c->at.line,
						 c->def.number_text, op_keys[a->op], a->name);
					free(names);
					return GL_ENOENT;
				}
				a->tag = hit->tag;      /* -1: every sound */
				continue;
			}
			struct gl_audio_file_info info;
			path_of(s, a->file, path, sizeof path);
			bool bad = gl_audio_probe(path, &info, why, sizeof why) < 0;
			if (!bad && (a->start_s >= info.length_s || a->end_s > info.length_s + 0.001)) {
				snprintf(why, sizeof why, "its %s (%g s) is past the end of the file "
					 "(%.3f s)", a->start_s >= info.length_s ? "start" : "end",
					 a->start_s >= info.length_s ? a->start_s : a->end_s,
					 info.length_s);
				bad = true;
			}
			if (bad) {
				show_ring_push(s, "%s:%d: cue %s: audio \"%s\": %s", c->at.file,
					       c->at.line, c->def.number_text, a->file, why);
				s->problems++;
			}
		}
	}
	free(names);
	return 0;
}

void show_audio_print(const struct gl_show *s, FILE *out)
{
	char path[GL_AUDIO_PATH_MAX + SHOW_PATH_MAX], why[256];
	int printed = 0;

	for (int i = 0; i < s->cues.count; i++) {
		const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, i);
		const struct show_audio_action *act = c->actions[SHOW_ACTION_AUDIO].items;

		for (int k = 0; k < c->actions[SHOW_ACTION_AUDIO].count; k++) {
			const struct show_audio_action *a = &act[k];
			const char *list = c->list >= 0 ? gl_engine_cuelist_name(s->engine, c->list) : "?";

			if (!printed++)
				fprintf(out, "\naudio:\n");
			fprintf(out, "  %-12.12s %-6s ", list, c->def.number_text);
			if (a->op != SA_PLAY) {
				fprintf(out, "%s \"%s\"", op_keys[a->op], a->name);
				if (a->op == SA_FADE)
					fprintf(out, " to %g dB over %g s (%s)%s", a->level_db, a->time_s,
						gl_audio_curve_name(a->curve), a->stop ? ", then stop" : "");
				else if (a->op == SA_STOP && a->time_s >= 0)
					fprintf(out, " over %g s", a->time_s);
				fprintf(out, "\n");
				continue;
			}
			struct gl_audio_file_info info;
			path_of(s, a->file, path, sizeof path);
			fprintf(out, "play \"%s\" %s, %g dB", a->name, a->file, a->level_db);
			if (a->loops == 0)
				fprintf(out, ", loop until stopped");
			else if (a->loops > 1)
				fprintf(out, ", %d passes", a->loops);
			if (a->devamp)
				fprintf(out, " (devamp)");
			if (gl_audio_probe(path, &info, why, sizeof why) == 0)
				fprintf(out, "  [%s, %d Hz, %d ch, %.2f s]\n", info.format, info.rate,
					info.channels, info.length_s);
			else
				fprintf(out, "  [cannot be read: %s]\n", why);
		}
	}
	if (s->audio_declared || printed || s->audio_master_fader) {
		const struct gl_audio_config *cfg = &s->audio_cfg;

		fprintf(out, "%saudio output: device %s, %d Hz, buffer %d frames, read-ahead %g s, "
			"%d voices%s\n", printed ? "" : "\n", cfg->device[0] ? cfg->device : "(default)",
			cfg->rate, cfg->buffer_frames, cfg->readahead_s, cfg->voices,
			s->audio_master_fader ? "" : ", no master fader");
	}
}

/* ---- the running show ------------------------------------------------------------------- */

bool gl_show_wants_audio(const struct gl_show *s)
{
	return s && (s->audio_declared || s->audio_cues > 0 || s->audio_master_fader > 0);
}

const struct gl_audio_config *gl_show_audio_config(const struct gl_show *s)
{
	return &s->audio_cfg;
}

void gl_show_set_audio(struct gl_show *s, struct gl_audio *audio)
{
	if (s)
		s->audio = audio;
}

int gl_show_audio_master_fader(const struct gl_show *s)
{
	return s ? s->audio_master_fader : 0;
}

int gl_show_problem_count(const struct gl_show *s)
{
	return s ? s->problems : 0;
}

void show_audio_register(lua_State *L, struct gl_show *s)
{
	char err[64];

	/* the defaults, for a show that plays sound without declaring audio */
	gl_audio_config_parse(NULL, 0, &s->audio_cfg, err, sizeof err);
	show_set_fn(L, s, "audio", audio_declare);
}

void show_audio_free(struct gl_show *s)
{
	show_vec_free(&s->audio_names);
}
