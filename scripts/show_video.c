/*
 * show_video.c - video as a show sees it: the targets declared once,
 *   video_target { "wall", url = "rtsp://10.0.0.9/clip", user = "show",
 *                  password = "...", preload = true }
 * (any adapter's declaration_function, read against its
 * declaration_options and checked at the declaring line), cue actions
 *   cue { 4, "Storm", video = { "wall", "play", at = 12.5 } }
 * ({ target = "wall", action = "seek", at = 30 }, or a list of them;
 * actions play pause resume seek stop, `scale` for play and resume), and
 * rtsp.play(target [, at [, scale]]), rtsp.pause(target),
 * rtsp.resume(target [, scale]), rtsp.seek(target, at), rtsp.stop(target).
 *
 * Control thread. Show tables are read raw (lua_next, lua_rawget) and every
 * count is bounded (SHOW_DECLARATION_MAX, SHOW_CUE_VIDEO_MAX,
 * SHOW_CALL_SENDS_MAX). Commands go to the adapter through the show's
 * sender (app/ wires it): they return at once, and what the server does
 * reaches the status screen and remotes from the adapter. A command the
 * adapter cannot take is one line in the show's error ring.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "show_internal.h"

#define VIDEO_AT_MAX 1e7              /* s: positions beyond are typos */
#define VIDEO_SCALE_MAX 100.0

enum video_action { VIDEO_PLAY, VIDEO_PAUSE, VIDEO_RESUME, VIDEO_SEEK, VIDEO_STOP };

static const char *const video_actions[] = { "play", "pause", "resume", "seek", "stop", NULL };

/* One command a cue sends at GO. */
struct show_video_action {
	char target[GL_NAME_MAX];
	enum video_action action;
	double at;                     /* NAN: none */
	double scale;                  /* 0: none */
};

struct show_video_parsed {
	int count;
	struct show_video_action actions[SHOW_CUE_VIDEO_MAX];
};

/* ---- declarations: video_target { ... } ------------------------------------------------ */

static const struct show_declaration *find_declaration(const struct gl_show *s,
						       const char *adapter, const char *name)
{
	for (int i = 0; i < s->declarations.count; i++) {
		const struct show_declaration *d = SHOW_AT(s->declarations, struct show_declaration, i);

		if (strcmp(d->adapter, adapter) == 0 && strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

/* video_target { "wall", url = ..., ... }. Upvalues: show, adapter name. */
static int declare(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	const char *adapter = lua_tostring(L, lua_upvalueindex(2));
	const struct gl_control_ops *ops = gl_control_find(adapter);
	const char *fn = ops->declaration_function;
	struct show_declaration d;
	int count = 0;
	char err[300];

	memset(&d, 0, sizeof d);
	d.at = show_where_here(L);
	if (s->phase != SHOW_LOADING)
		return luaL_error(L, "%s { ... } is only allowed while the show loads", fn);
	if (!lua_istable(L, 1) || !lua_isnone(L, 2))
		return show_raise(L, d.at, "%s: expects a table: %s { \"name\", url = ... }", fn, fn);
	if (lua_rawgeti(L, 1, 1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 ||
	    lua_rawlen(L, -1) >= sizeof d.name)
		return show_raise(L, d.at, "%s: the first item is its name (1..%d bytes): %s { "
				  "\"wall\", ... }", fn, GL_NAME_MAX - 1, fn);
	snprintf(d.name, sizeof d.name, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	snprintf(d.adapter, sizeof d.adapter, "%s", adapter);
	for (int i = 0; i < s->declarations.count; i++) {
		const struct show_declaration *o = SHOW_AT(s->declarations, struct show_declaration, i);

		if (strcmp(o->adapter, adapter) == 0 && strcmp(o->name, d.name) == 0)
			return show_raise(L, d.at, "%s \"%s\": declared twice (first at line %d)", fn,
					  d.name, o->at.line);
		if (strcmp(o->adapter, adapter) == 0)
			count++;
	}
	if (count >= SHOW_DECLARATION_MAX)
		return show_raise(L, d.at, "%s: at most %d of them", fn, SHOW_DECLARATION_MAX);
	snprintf(d.options[0].key, sizeof d.options[0].key, "name");
	snprintf(d.options[0].value, sizeof d.options[0].value, "%s", d.name);
	d.options[0].line = d.at.line;
	d.option_count = 1;
	char what[GL_NAME_MAX + 40];

	snprintf(what, sizeof what, "%s \"%s\"", fn, d.name);
	lua_pushnil(L);
	while (lua_next(L, 1)) {
		struct gl_option *opt;

		if (lua_type(L, -2) == LUA_TNUMBER && lua_isinteger(L, -2) &&
		    lua_tointeger(L, -2) == 1) {
			lua_pop(L, 1);
			continue;
		}
		if (lua_type(L, -2) != LUA_TSTRING)
			return show_raise(L, d.at, "%s: options are named (url = \"...\")", what);
		if (d.option_count >= GL_OPTION_MAX)
			return show_raise(L, d.at, "%s: too many options", what);
		opt = &d.options[d.option_count++];
		if (lua_rawlen(L, -2) >= sizeof opt->key || strcmp(lua_tostring(L, -2), "name") == 0)
			return show_raise(L, d.at, "%s: unknown option '%s'", what, lua_tostring(L, -2));
		snprintf(opt->key, sizeof opt->key, "%s", lua_tostring(L, -2));
		opt->line = d.at.line;
		show_option_text(L, d.at, what, opt->key, opt->value, sizeof opt->value);
		lua_pop(L, 1);
	}
	if (ops->declaration_check && ops->declaration_check(d.options, d.option_count, err,
							       sizeof err) < 0) {
		struct show_where at = d.at;

		explicit_bzero(&d, sizeof d);        /* a password, maybe */
		return show_raise(L, at, "%s: %s", what, err);
	}
	*(struct show_declaration *)show_vec_push(L, &s->declarations, sizeof d) = d;
	explicit_bzero(&d, sizeof d);
	return 0;
}

const struct gl_option *gl_show_declaration(const struct gl_show *s, const char *adapter, int i,
					    int *count)
{
	for (int k = 0; s && adapter && k < s->declarations.count; k++) {
		const struct show_declaration *d = SHOW_AT(s->declarations, struct show_declaration, k);

		if (strcmp(d->adapter, adapter) != 0 || i-- > 0)
			continue;
		*count = d->option_count;
		return d->options;
	}
	return NULL;
}

/* ---- sending ------------------------------------------------------------------------------ */

static int send_video(struct gl_show *s, const char *target, enum video_action action, double at,
		      double scale)
{
	struct gl_ctl_arg args[2] = {
		{ .type = isfinite(at) ? 'f' : 'N', .f = at },
		{ .type = scale != 0.0 ? 'f' : 'N', .f = scale },
	};
	struct gl_ctl_msg msg = { .peer = target, .address = video_actions[action], .argc = 2,
				  .argv = args };

	return show_send(s, "rtsp", &msg);
}

static const char *send_error(int rc)
{
	return rc == GL_ENOENT ? "video is not running (no server contacted: see the rtsp lines "
	       "of the log)" : gl_strerror(rc);
}

/* What is wrong with at and scale for action, or NULL. */
static const char *check_args(enum video_action action, double at, double scale)
{
	if (isfinite(at) && (at < 0 || at > VIDEO_AT_MAX))
		return "at must be 0..1e7 seconds";
	if (scale != 0.0 && !(fabs(scale) <= VIDEO_SCALE_MAX))
		return "scale must be a number -100..100, not 0";
	if (action == VIDEO_SEEK && !isfinite(at))
		return "seek needs at = seconds";
	if ((action == VIDEO_PAUSE || action == VIDEO_STOP) && (isfinite(at) || scale != 0.0))
		return "pause and stop take no at or scale";
	if (action == VIDEO_RESUME && isfinite(at))
		return "resume takes no at (seek, or play from a position)";
	if (action == VIDEO_SEEK && scale != 0.0)
		return "seek takes no scale";
	return NULL;
}

/* rtsp.play(target, at, scale) and friends. Upvalues: show, action. */
static int video_fn(lua_State *L)
{
	struct gl_show *s = show_from_upvalue(L);
	enum video_action action = (enum video_action)lua_tointeger(L, lua_upvalueindex(2));
	const char *target = luaL_checkstring(L, 1);
	double at = NAN, scale = 0.0;
	const char *wrong;
	char what[32];

	if (!find_declaration(s, "rtsp", target))
		return luaL_error(L, "rtsp.%s: no video_target \"%s\"", video_actions[action], target);
	if (action == VIDEO_PLAY || action == VIDEO_SEEK) {
		if (!lua_isnoneornil(L, 2))
			at = luaL_checknumber(L, 2);
		if (action == VIDEO_PLAY && !lua_isnoneornil(L, 3))
			scale = luaL_checknumber(L, 3);
	} else if (action == VIDEO_RESUME && !lua_isnoneornil(L, 2)) {
		scale = luaL_checknumber(L, 2);
	}
	if (lua_gettop(L) > (action == VIDEO_PLAY ? 3 : action == VIDEO_PAUSE ||
			      action == VIDEO_STOP ? 1 : 2))
		return luaL_error(L, "rtsp.%s: too many arguments", video_actions[action]);
	if (action == VIDEO_PLAY || action == VIDEO_RESUME) {
		if (scale == 0.0 && !lua_isnoneornil(L, action == VIDEO_PLAY ? 3 : 2))
			return luaL_error(L, "rtsp.%s: scale must not be 0", video_actions[action]);
	}
	if ((wrong = check_args(action, at, scale)))
		return luaL_error(L, "rtsp.%s: %s", video_actions[action], wrong);
	snprintf(what, sizeof what, "rtsp.%s", video_actions[action]);
	if (!show_send_allowed(L, s, what, send_error(GL_ENOENT)))
		return 2;
	return show_send_result(L, send_video(s, target, action, at, scale), send_error);
}

/* ---- cue actions: video = { ... } ------------------------------------------------------------ */

/* The number at key (raw), or NAN when absent; raises when not a number. */
static double action_number(lua_State *L, struct show_where at, const char *what, int t,
			    const char *key)
{
	double v = NAN;

	lua_pushstring(L, key);
	int type = lua_rawget(L, t);
	if (type == LUA_TNUMBER)
		v = lua_tonumber(L, -1);
	else if (type != LUA_TNIL)
		show_raise(L, at, "%s: video: %s must be a number", what, key);
	lua_pop(L, 1);
	return v;
}

/* The string at key or at index (raw: one of them), into out. */
static void action_string(lua_State *L, struct show_where at, const char *what, int t,
			  const char *key, int index, char *out, size_t len)
{
	lua_pushstring(L, key);
	int named = lua_rawget(L, t);
	int positional = lua_rawgeti(L, t, index);

	if ((named == LUA_TNIL) == (positional == LUA_TNIL))
		show_raise(L, at, "%s: video: give the %s once ({ \"wall\", \"play\" } or "
			   "{ target = \"wall\", action = \"play\" })", what, key);
	if (named != LUA_TNIL)
		lua_pop(L, 1);
	if (lua_type(L, -1) != LUA_TSTRING || lua_rawlen(L, -1) == 0 || lua_rawlen(L, -1) >= len)
		show_raise(L, at, "%s: video: the %s must be a name (1..%d bytes)", what, key,
			   (int)len - 1);
	snprintf(out, len, "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
}

static void cue_action(lua_State *L, struct show_where at, const char *what, int t,
		       struct show_video_action *out)
{
	char action[16];
	const char *wrong;

	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		bool ok = key ? strcmp(key, "target") == 0 || strcmp(key, "action") == 0 ||
				strcmp(key, "at") == 0 || strcmp(key, "scale") == 0
			  : lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= 2;

		lua_pop(L, 1);
		if (!ok) {
			lua_pop(L, 1);
			show_raise(L, at, "%s: video: only target, action, at and scale are allowed "
				   "({ \"wall\", \"play\", at = 10 })", what);
		}
	}
	memset(out, 0, sizeof *out);
	action_string(L, at, what, t, "target", 1, out->target, sizeof out->target);
	if (strstr(out->target, "://"))
		show_raise(L, at, "%s: video: name a video_target (declared once with its url), "
			   "not a URL", what);
	action_string(L, at, what, t, "action", 2, action, sizeof action);
	int k = 0;
	while (video_actions[k] && strcmp(video_actions[k], action) != 0)
		k++;
	if (!video_actions[k])
		show_raise(L, at, "%s: video: action \"%s\" is not play, pause, resume, seek or stop",
			   what, action);
	out->action = (enum video_action)k;
	out->at = action_number(L, at, what, t, "at");
	out->scale = action_number(L, at, what, t, "scale");
	if (isnan(out->scale))
		out->scale = 0.0;
	else if (out->scale == 0.0)
		show_raise(L, at, "%s: video: scale must not be 0", what);
	if ((wrong = check_args(out->action, out->at, out->scale)))
		show_raise(L, at, "%s: video: %s", what, wrong);
}

static const void *show_video_cue_actions(lua_State *L, struct show_where at, const char *what)
{
	int field = lua_gettop(L), count;
	struct show_video_parsed *p;

	if (!lua_istable(L, field))
		show_raise(L, at, "%s: video must be { \"target\", \"play\", at = seconds } or a list "
			   "of them", what);
	bool list;
	count = show_action_list(L, at, what, field, "video", "command", SHOW_CUE_VIDEO_MAX, &list);
	p = lua_newuserdatauv(L, sizeof *p, 0);
	memset(p, 0, sizeof *p);
	for (int i = 0; i < count; i++) {
		show_action_push(L, field, list, i);
		cue_action(L, at, what, lua_gettop(L), &p->actions[i]);
		lua_pop(L, 1);
		p->count = i + 1;
	}
	show_action_parsed_done(L, field, (size_t)p->count * sizeof p->actions[0]);
	return p;
}

static void *show_video_cue_copy(const void *parsed, int *count)
{
	const struct show_video_parsed *p = parsed;
	struct show_video_action *out = malloc((size_t)p->count * sizeof *out);

	*count = p->count;
	if (out)
		memcpy(out, p->actions, (size_t)p->count * sizeof *out);
	return out;
}

static void show_video_fire(struct gl_show *s, const struct show_cue *c, const void *actions, int count)
{
	const struct show_video_action *a = actions;

	for (int i = 0; i < count; i++) {
		int rc = send_video(s, a[i].target, a[i].action, a[i].at, a[i].scale);

		if (rc < 0)
			show_ring_push(s, "%s:%d: cue %s: video %s %s: %s", c->at.file, c->at.line,
				       c->def.number_text, a[i].target, video_actions[a[i].action],
				       send_error(rc));
	}
}

const struct show_action_kind show_video_actions = {
	.field = "video", .parse = show_video_cue_actions, .copy = show_video_cue_copy,
	.fire = show_video_fire,
};

int show_video_build(struct gl_show *s, char *err, size_t len)
{
	for (int i = 0; i < s->cues.count; i++) {
		const struct show_cue *c = SHOW_AT(s->cues, struct show_cue, i);
		const struct show_video_action *a = c->actions[SHOW_ACTION_VIDEO].items;

		for (int k = 0; k < c->actions[SHOW_ACTION_VIDEO].count; k++) {
			if (find_declaration(s, "rtsp", a[k].target))
				continue;
			snprintf(err, len, "%s:%d: cue %s: video: no video_target \"%s\"", c->at.file,
				 c->at.line, c->def.number_text, a[k].target);
			return GL_EINVAL;
		}
	}
	return 0;
}

void show_video_free(struct gl_show *s)
{
	for (int i = 0; i < s->declarations.count; i++)
		explicit_bzero(SHOW_AT(s->declarations, struct show_declaration, i),
			       sizeof(struct show_declaration));
	show_vec_free(&s->declarations);
}

/* ---- registration ------------------------------------------------------------------------------ */

void show_video_register(lua_State *L, struct gl_show *s)
{
	/* the env table is on top; each adapter's table was made by
	 * show_osc_register (for its own declaration, rtsp { ... }) */
	for (const struct gl_control_ops *const *ops = gl_control_all(); *ops; ops++) {
		if (!(*ops)->declaration_function)
			continue;
		lua_pushlightuserdata(L, s);
		lua_pushstring(L, (*ops)->name);
		lua_pushcclosure(L, declare, 2);
		lua_setfield(L, -2, (*ops)->declaration_function);
	}
	lua_pushstring(L, "rtsp");
	if (lua_rawget(L, -2) == LUA_TTABLE) {
		for (int k = 0; video_actions[k]; k++) {
			lua_pushlightuserdata(L, s);
			lua_pushinteger(L, k);
			lua_pushcclosure(L, video_fn, 2);
			lua_setfield(L, -2, video_actions[k]);
		}
	}
	lua_pop(L, 1);
}
